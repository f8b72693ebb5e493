//! What `apply` reports per device: calls done, the one that failed, calls skipped, and
//! whether the device converged.

use super::outcome::{BlockedBy, ErrorKind, Failure, SkipReason};
use super::{DevicePlan, Method, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpDone {
    pub method: Method,
    pub path: String,
    pub resource: Resource,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpFailed {
    pub method: Method,
    pub path: String,
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub kind: ErrorKind,
    pub error: String,
    /// The call left dhcpform and the device may have carried it out (no answer, a 5xx):
    /// the device may have changed although the call failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sent: bool,
}

/// Why nothing was written to a device, and what it says.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Blocked {
    pub by: BlockedBy,
    pub message: String,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A planned call that was not sent (`METHOD path`), and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Skipped {
    pub call: String,
    pub why: SkipReason,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DeviceReport {
    pub device: String,
    /// Why nothing was written (safety gate, stale plan, unreadable device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    pub done: Vec<OpDone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<OpFailed>,
    pub skipped: Vec<Skipped>,
    /// None when the final read failed or nothing ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// Resources still differing after the last call.
    pub residue: Vec<String>,
    /// Nothing to do, and why (a saved plan already applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An interrupt (Ctrl-C, SIGTERM) stopped the device's calls: the rest are skipped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

impl DeviceReport {
    pub fn new(device: &str) -> Self {
        DeviceReport {
            device: device.into(),
            ..Default::default()
        }
    }
    /// Whether any write was sent that the device may have carried out.
    pub fn sent(&self) -> bool {
        !self.done.is_empty() || self.failed.as_ref().is_some_and(|f| f.sent)
    }

    /// Something was sent and then the device failed or did not converge.
    pub fn partial(&self) -> bool {
        self.sent()
            && (self.failed.is_some()
                || self.converged == Some(false)
                || self.error.is_some()
                || self.interrupted)
    }
}

/// A device whose plan cannot run: why, as its report.
pub fn not_runnable(p: &DevicePlan) -> Option<DeviceReport> {
    if p.error.is_some() {
        // the error itself is in the plan shown before the report, once
        let mut r = DeviceReport::new(&p.device);
        r.error = Some(Failure::new(
            p.error.as_ref().map_or(ErrorKind::Unknown, |e| e.kind),
            "could not be planned (the error is shown above)",
        ));
        return Some(r);
    }
    if p.safety.blocked {
        let mut r = DeviceReport::new(&p.device);
        let gates: Vec<String> = p
            .safety
            .gates
            .iter()
            .map(|g| format!("{} ({}; to lift: {})", g.gate, g.message, g.lift))
            .collect();
        r.blocked = Some(Blocked {
            by: BlockedBy::Gate,
            message: format!("blocked by safety gate: {}", gates.join("; ")),
        });
        return Some(r);
    }
    None
}
