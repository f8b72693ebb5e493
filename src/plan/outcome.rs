//! Typed outcomes: why a device failed (`ErrorKind` with its message), which safety gate
//! fired (`GateKind`), why a device was not written (`BlockedBy`) and why a call was skipped
//! (`SkipReason`). Plan files and reports carry these, so CI can tell an auth failure from a
//! TLS failure from a bad answer from an invalid file.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of failure a device error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The device could not be reached (refused, unreachable, no answer in time).
    Connect,
    /// The TLS handshake failed (untrusted certificate, wrong name, old ciphers).
    Tls,
    /// The device refused the credentials (401, 403).
    Auth,
    /// The device answered, but not with the resource asked for (an error status on a read,
    /// a body that is not the documented one, a redirect).
    BadAnswer,
    /// The device's desired file (or a profile it uses) has errors: it was not contacted.
    InvalidFile,
    /// Something on this side: a credential variable not set, an unreadable CA file, a
    /// desired state that does not fit the device.
    Setup,
    /// The device refused a write (a 4xx answer to it).
    Refused,
    /// The device changed since planning: dhcpform did not overwrite it.
    Stale,
    /// A plan file of format 2, written before errors had kinds.
    Unknown,
}

impl ErrorKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Auth => "auth",
            ErrorKind::BadAnswer => "bad-answer",
            ErrorKind::InvalidFile => "invalid-file",
            ErrorKind::Setup => "setup",
            ErrorKind::Refused => "refused",
            ErrorKind::Stale => "stale",
            ErrorKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A device error: its kind and what happened. In a plan file of format 2 it was a plain
/// string, read here with the kind `unknown` (and written back the same way, so the file's
/// checksum still holds).
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    /// What to do about it, when dhcpform knows.
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            hint: None,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum FailureForm {
    Typed {
        kind: ErrorKind,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
    Plain(String),
}

impl Serialize for Failure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let form = match self.kind {
            ErrorKind::Unknown => FailureForm::Plain(self.message.clone()),
            kind => FailureForm::Typed {
                kind,
                message: self.message.clone(),
                hint: self.hint.clone(),
            },
        };
        form.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Failure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match FailureForm::deserialize(d)? {
            FailureForm::Typed {
                kind,
                message,
                hint,
            } => Failure {
                kind,
                message,
                hint,
            },
            FailureForm::Plain(message) => Failure::new(ErrorKind::Unknown, message),
        })
    }
}

/// A safety gate (DESIGN.md section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GateKind {
    ServerOff,
    MaxDeletePercent,
    MaxUpdatePercent,
    DeleteAll,
    ProtectedPool,
    MaxAffectedClients,
    InterfaceAddressing,
}

impl GateKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            GateKind::ServerOff => "server-off",
            GateKind::MaxDeletePercent => "max-delete-percent",
            GateKind::MaxUpdatePercent => "max-update-percent",
            GateKind::DeleteAll => "delete-all",
            GateKind::ProtectedPool => "protected-pool",
            GateKind::MaxAffectedClients => "max-affected-clients",
            GateKind::InterfaceAddressing => "interface-addressing",
        }
    }
}

impl std::fmt::Display for GateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why nothing was written to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockedBy {
    /// A safety gate, not lifted.
    Gate,
    /// The device changed since the plan was made.
    StalePlan,
    /// A saved plan's calls are not what its desired state needs now.
    CallsDiffer,
}

/// Why a planned call was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// An earlier call of the device failed.
    AfterFailure,
    /// An interrupt (Ctrl-C, SIGTERM) stopped the device's calls.
    Interrupted,
    /// The device could not be checked before writing.
    NotChecked,
}
