//! The platform contract every device API implements, and the backends: one folder per device
//! API (`ios_xe_rest/`, `f5_xc/`), each with its paths, wire types, reader, lowering of plan
//! steps into calls, executor and `Device` implementation; `http` (client, TLS, retries,
//! redaction), `path` (the one URL path-segment encoder) and `exec` (what executors share).

pub mod bodies;
pub mod exec;
pub mod f5_xc;
pub mod hosts;
pub mod http;
pub mod ios_xe_rest;
pub mod ios_xe_restconf;
pub mod lenient;
pub mod path;
pub mod pin;

use crate::model::DeviceConfig;
use crate::model::f5::F5DhcpServer;
use crate::model::leases::LeaseSet;
use crate::model::{Api, Platform};
use crate::plan::report::DeviceReport;
use crate::plan::{DevicePlan, Operation};
use exec::Stop;
use futures::future::BoxFuture;
use http::DeviceError;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Default credentials of the emulator, used by `sim://` devices that name none.
pub const SIM_USER: &str = "admin";
pub const SIM_PASSWORD: &str = "admin";
pub const SIM_API_TOKEN: &str = "sim-token";

/// How a device is planned.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanMode {
    /// Lift the safety gates (apply --force).
    pub force: bool,
    /// Add the `expect:` checks (drift).
    pub drift: bool,
}

/// What bindings to clear.
#[derive(Debug, Clone)]
pub enum Clear {
    All,
    Ips(Vec<Ipv4Addr>),
}

/// One device with its desired state and a client (and so a session) of its own.
pub trait Device: Send + Sync {
    fn name(&self) -> &str;
    fn platform(&self) -> Platform;
    /// Reads the device and plans it; a failure is a plan with its error set.
    fn plan(&self, mode: PlanMode) -> BoxFuture<'_, DevicePlan>;
    /// Reads the device and plans it towards the desired state a saved plan was made for
    /// (apply --plan checks the saved calls against this plan).
    fn plan_saved<'a>(&'a self, saved: &'a DevicePlan, force: bool) -> BoxFuture<'a, DevicePlan>;
    /// Runs a plan's operations in order and checks convergence, stopping before the next
    /// call once `stop` is requested.
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport>;
    /// Reads leases and pool utilisation.
    fn leases(&self) -> BoxFuture<'_, Result<LeaseSet, DeviceError>>;
    /// Clears bindings: per binding (or for all at once), what was cleared or why not.
    fn clear(&self, what: &Clear) -> BoxFuture<'_, Result<Vec<Cleared>, ClearError>>;
    /// Whether this device can clear `what` at all, decided before anything is sent.
    fn can_clear(&self, _what: &Clear) -> Result<(), ClearError> {
        Ok(())
    }
    /// Reads the live configuration as a desired state that plans empty (`import`).
    fn import(&self) -> BoxFuture<'_, Result<Imported, ClearError>>;
    /// Ends the device's session (releases an IOS XE token). Idempotent.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// A device's live configuration as a desired state (`import`).
#[derive(Debug, Clone)]
pub enum Imported {
    IosXe(DeviceConfig),
    /// The DHCP servers of the site's interfaces that have one.
    F5Xc(BTreeMap<String, F5DhcpServer>),
}

/// What one clear call did: the binding (or "every automatic binding") or the device's error.
pub type Cleared = Result<String, DeviceError>;

/// A request this device's platform cannot carry out.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum ClearError {
    #[error("device `{0}` is F5 XC: its leases are read-only")]
    ReadOnly(String),
    #[error("device `{0}` is F5 XC: import reads IOS XE devices only")]
    NoImport(String),
    #[error(
        "device `{0}` speaks RESTCONF, which has no per-address clear (its clear RPC takes only \
         `*`): nothing was sent"
    )]
    #[diagnostic(help(
        "clear every automatic binding with `leases clear --all`, or clear the address on the \
         device's CLI (`clear ip dhcp binding ADDRESS`)"
    ))]
    NoPerAddressClear(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Device(#[from] DeviceError),
}

/// Whether a saved plan's call is one the device's backend makes.
pub fn allowed(plan: &DevicePlan, op: &Operation) -> bool {
    match (plan.platform, plan.api) {
        (Platform::IosXe, Api::Rest) => ios_xe_rest::lower::allowed(op),
        (Platform::IosXe, Api::Restconf) => ios_xe_restconf::lower::allowed(op),
        (Platform::F5Xc, _) => f5_xc::lower::allowed(op),
    }
}
