//! Lease rows: what `leases` lists per device. Plain data the backends fill and the
//! renderers show.

use serde::Serialize;

/// What kind of lease a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BindingKind {
    /// An IOS XE binding the server handed out from a dynamic pool.
    Automatic,
    /// An IOS XE manual binding (its own pool).
    Manual,
    /// An F5 XC lease.
    Lease,
}

impl BindingKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            BindingKind::Automatic => "automatic",
            BindingKind::Manual => "manual",
            BindingKind::Lease => "lease",
        }
    }
}

impl std::fmt::Display for BindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lease or binding, as `leases` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LeaseRow {
    pub device: String,
    pub ip: String,
    pub mac: String,
    /// The client's host name, when the device knows it (F5 XC).
    pub hostname: String,
    /// `automatic`, `manual` (IOS XE) or `lease` (F5 XC).
    pub kind: BindingKind,
    /// RFC 3339 date and time; IOS XE gives device-local time without a zone (see
    /// `expires_local`). Absent: the binding never expires.
    pub expires: Option<String>,
    /// `expires` is the device's local time (IOS XE), not UTC.
    pub expires_local: bool,
    /// The lease's expiry has passed (F5 XC lists expired leases too).
    pub expired: bool,
    /// The pool (IOS XE; a manual binding's own pool) or subnet (F5 XC).
    pub pool: String,
}

/// Utilisation of one pool (IOS XE) or subnet (F5 XC).
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub device: String,
    pub pool: String,
    pub used: u64,
    pub total: u64,
    pub percent: u64,
    /// Above the desired file's `expect: max-utilization`.
    pub over: bool,
}

/// The leases of one device.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeaseSet {
    pub leases: Vec<LeaseRow>,
    pub utilisation: Vec<Usage>,
}
