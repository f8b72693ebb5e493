//! What `apply` reports per device: calls done, the one that failed, calls skipped, and
//! whether the device converged.

use super::{Method, Resource};
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
    pub error: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DeviceReport {
    pub device: String,
    /// Why nothing was written (safety gate, stale plan, unreadable device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub done: Vec<OpDone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<OpFailed>,
    pub skipped: Vec<String>,
    /// None when the final read failed or nothing ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// Resources still differing after the last call.
    pub residue: Vec<String>,
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
    /// Something was written and then the device failed or did not converge.
    pub fn partial(&self) -> bool {
        !self.done.is_empty()
            && (self.failed.is_some()
                || self.converged == Some(false)
                || self.error.is_some()
                || self.interrupted)
    }
}
