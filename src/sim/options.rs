//! What an emulator is started with: persistence, faults, quirks, TLS files, credentials,
//! and the journal entry it records per request.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot load the TLS certificate {cert} and key {key}: {source}")]
    Tls {
        cert: PathBuf,
        key: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read emulator state {path}: {source}")]
    ReadState {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("emulator state {path} is not valid: {message}")]
    BadState { path: PathBuf, message: String },
}

/// Where state is kept between runs.
#[derive(Debug, Clone, Default)]
pub enum Persist {
    #[default]
    Memory,
    /// One JSON file holding every device (`sim serve --state FILE`).
    File(PathBuf),
    /// One JSON file per device in `dir` (`sim://` devices), seeded on first use from
    /// `seed_dir/NAME.json` when that exists.
    PerDevice { dir: PathBuf, seed_dir: PathBuf },
}

/// Faults for tests. Applied to `/api/` requests only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Faults {
    pub latency_ms: u64,
    /// Share of requests answered 429 (with Retry-After) or 503, before any processing.
    pub fault_rate: f64,
    /// Seconds sent in Retry-After with 429 answers.
    pub retry_after: u64,
    /// The Nth write (POST/PUT/DELETE under /api/v1/dhcp, counted from 1 over the server's
    /// life) fails with 500 and changes nothing.
    pub fail_write: Option<u64>,
    /// The Nth write is carried out, then its connection is cut without an answer (journal
    /// status 0).
    pub lose_answer: Option<u64>,
    /// Share of requests answered 500 before any processing.
    pub error_rate: f64,
    /// Share of requests whose connection is cut before any processing (journal status 0).
    pub reset_rate: f64,
    /// Share of requests held `timeout-ms` and then answered 504 without processing (a
    /// client with a shorter timeout sees a timeout).
    pub timeout_rate: f64,
    pub timeout_ms: u64,
    /// GETs of this path (below the device's base URL, e.g. `/api/v1/dhcp/active/bindings`)
    /// answer 500.
    pub fail_get: Option<String>,
    /// Seed of the fault dice, for repeatable runs.
    pub seed: Option<u64>,
    /// The next PUT of an F5 XC `network_interface` finds it written by someone else just
    /// before (its version moved on), as a racing edit would: the PUT is refused with 409.
    /// On RESTCONF, the next write sent with `If-Match` finds the datastore's entity tag moved
    /// on: it is refused with 412.
    pub race_put: bool,
    /// After the Nth GET of an F5 XC `network_interface` (counted from 1), its DHCP server
    /// gains a reservation, as an edit made by someone else between two reads would.
    pub edit_after_read: Option<u64>,
    /// After the Nth GET of an F5 XC `network_interface`, a field outside its DHCP server
    /// (`spec.ethernet_interface.mtu`) changes, as someone else's edit would.
    pub edit_other_after_read: Option<u64>,
}

/// What the fault dice decided for one request, before any processing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Fault {
    Status(u16),
    Reset,
    Timeout(u64),
}

/// A certificate chain and its private key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Behaviours real devices of this API family are known to show, off by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Quirks {
    /// The token service answers 201 instead of 200 (early images).
    pub token_201: bool,
    /// Answers carry defaults never sent as `null` or the string `"None"`, and fields no
    /// document describes.
    pub none_values: bool,
    /// `GET /api/v1/dhcp` and `GET /api/v1/dhcp/pool` answer a plain 404 while DHCP was never
    /// configured (server at its defaults, no pool).
    pub unconfigured_404: bool,
    /// RESTCONF: an empty section (DHCP settings, bindings) answers 404 "uri keypath not
    /// found" instead of an empty object.
    pub restconf_empty_404: bool,
    /// F5 XC: the replace form carries no `resource_version` (the field is in F5's Go types
    /// but not in the public spec); a PUT without one is last writer wins.
    pub no_resource_version: bool,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub user: String,
    pub password: String,
    pub api_token: String,
    pub faults: Faults,
    pub quirks: Quirks,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Devices under `/devices/<name>/` are created empty on first use, up to this many.
    pub fleet: Option<usize>,
    /// Which IOS XE APIs the devices answer on.
    pub apis: Apis,
    pub persist: Persist,
}

/// The IOS XE APIs an emulator serves (both by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Apis {
    /// `/api/v1` (IOS XE up to 16.x).
    pub rest: bool,
    /// `/restconf` (IOS XE 17.x).
    pub restconf: bool,
}

impl Default for Apis {
    fn default() -> Self {
        Apis {
            rest: true,
            restconf: true,
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            user: "admin".into(),
            password: "admin".into(),
            api_token: "sim-token".into(),
            faults: Faults::default(),
            quirks: Quirks::default(),
            tls: None,
            fleet: None,
            apis: Apis::default(),
            persist: Persist::Memory,
        }
    }
}

/// One request as the emulator saw it. Never holds credentials: headers are not recorded, and
/// the token service's answer body is left out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    pub device: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// Credentials a device accepts.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub user: Option<String>,
    pub password: Option<String>,
    pub api_token: Option<String>,
}
