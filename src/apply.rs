//! The apply executor: runs a device's planned calls in order, re-reads the global settings
//! before each replace-whole-list PUT, stops at the first failure, reads back unanswered POSTs,
//! and checks convergence with a final read. The report says what was done, failed and skipped.

use crate::model::{DeviceConfig, Server};
use crate::plan::order::SERVER_PATH;
use crate::plan::{DevicePlan, Method, Operation};
use crate::platform::http::DeviceError;
use crate::platform::ios_xe_rest::IosXe;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpDone {
    pub method: Method,
    pub path: String,
    pub resource: crate::plan::Resource,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpFailed {
    pub method: Method,
    pub path: String,
    pub resource: crate::plan::Resource,
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

fn failed(op: &Operation, e: &DeviceError) -> OpFailed {
    OpFailed {
        method: op.method,
        path: op.path.clone(),
        resource: op.resource.clone(),
        status: e.status(),
        error: e.to_string(),
    }
}

/// Runs one operation. A POST that got no definite answer (no 4xx) is read back: when the pool
/// exists as intended, it was processed.
async fn run_op(client: &IosXe, op: &Operation) -> Result<OpDone, OpFailed> {
    if op.method == Method::Put && op.path == SERVER_PATH {
        let expected: Option<Server> = op
            .expect_server
            .clone()
            .and_then(|v| serde_json::from_value(v).ok());
        match client.reread_server().await {
            Ok(now) if Some(&now) == expected.as_ref() => {}
            Ok(_) => {
                return Err(OpFailed {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: None,
                    error: "the device's global DHCP settings changed since planning; not \
                        overwriting them (plan again)"
                        .into(),
                });
            }
            Err(e) => return Err(failed(op, &e)),
        }
    }
    match client
        .call(op.method.to_reqwest(), &op.path, op.body.as_ref())
        .await
    {
        Ok(ans) => Ok(OpDone {
            method: op.method,
            path: op.path.clone(),
            resource: op.resource.clone(),
            status: ans.status,
            note: None,
        }),
        Err(e)
            if op.method == Method::Post
                && !e.status().is_some_and(|s| (400..500).contains(&s)) =>
        {
            let intended = op
                .body
                .as_ref()
                .and_then(|b| crate::platform::ios_xe_rest::wire::parse_pool(b).ok());
            let Some((name, pool)) = intended else {
                return Err(failed(op, &e));
            };
            match client.pool(&name).await {
                Ok(Some(found)) if found == pool => Ok(OpDone {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: 201,
                    note: Some(format!(
                        "no clear answer ({e}); reading the pool back shows it was created"
                    )),
                }),
                _ => Err(failed(op, &e)),
            }
        }
        Err(e) => Err(failed(op, &e)),
    }
}

/// Asks running applies to stop after the call in flight; remembers whether anything was
/// written, for the exit code of a forced stop.
#[derive(Debug, Default)]
pub struct Stop {
    requested: AtomicBool,
    wrote: AtomicBool,
}

impl Stop {
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
    }
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
    /// Whether a write was sent (it may have been carried out even without an answer).
    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::SeqCst)
    }
}

/// The calls that did not run, as the report lists them (`METHOD path`).
fn skipped(ops: &[Operation]) -> Vec<String> {
    ops.iter().map(crate::render::call_line).collect()
}

/// A device none of whose calls ran because a stop was requested first.
pub fn not_started(plan: &DevicePlan) -> DeviceReport {
    let mut report = DeviceReport::new(&plan.device);
    report.skipped = skipped(&plan.operations);
    report.interrupted = true;
    report
}

/// Executes a device's operations in order, then reads it again and reports the residue.
pub async fn execute(
    client: &IosXe,
    plan: &DevicePlan,
    desired: &DeviceConfig,
    prune: bool,
) -> DeviceReport {
    execute_until(client, plan, desired, prune, &Stop::default()).await
}

/// `execute`, stopping before the next call once `stop` is requested: the call in flight
/// finishes, nothing more is sent (not even the final read), the rest is reported skipped.
pub async fn execute_until(
    client: &IosXe,
    plan: &DevicePlan,
    desired: &DeviceConfig,
    prune: bool,
    stop: &Stop,
) -> DeviceReport {
    let mut report = DeviceReport::new(&plan.device);
    let mut next = 0;
    while let Some(op) = plan.operations.get(next) {
        if stop.requested() {
            report.interrupted = true;
            break;
        }
        next += 1;
        // from here the device may carry the write out, whatever answer comes back
        stop.wrote.store(true, Ordering::SeqCst);
        match run_op(client, op).await {
            Ok(done) => report.done.push(done),
            Err(f) => {
                report.failed = Some(f);
                break;
            }
        }
    }
    report.skipped = skipped(&plan.operations[next..]);
    if report.interrupted {
        return report;
    }
    match client.read().await {
        Ok(live) => {
            let residue = crate::plan::diff::diff(desired, &live, prune);
            report.residue = residue
                .changes
                .iter()
                .map(|c| format!("{} {}", c.action.symbol(), c.resource))
                .collect();
            report.converged = Some(report.residue.is_empty());
        }
        Err(e) => report.error = Some(format!("final read failed: {e}")),
    }
    report
}

/// Which resources differ between two canonical live states (for a stale plan's message).
pub fn what_changed(
    before: &crate::model::LiveConfig,
    now: &crate::model::LiveConfig,
) -> Vec<String> {
    let desired = DeviceConfig {
        server: Some(before.server.clone()),
        pools: Some(before.pools.clone()),
    };
    crate::plan::diff::diff(&desired, now, true)
        .changes
        .iter()
        .map(|c| {
            let verb = match c.action {
                crate::plan::Action::Create => "was deleted",
                crate::plan::Action::Delete => "was created",
                _ => "was modified",
            };
            format!("{} {verb}", c.resource)
        })
        .collect()
}

/// Executes an F5 XC site's interface PUTs. Every interface is read again first, in the
/// replace form; when one's DHCP server is no longer what was planned, the device is stale and
/// nothing is written. Otherwise each PUT carries that fresh form with only `dhcp_server`
/// swapped, at the version read (a racing write is refused by the API with 409: reported,
/// nothing overwritten, nothing more sent). Then the interfaces are read once more.
pub async fn execute_f5(
    client: &crate::platform::f5_xc::client::F5Xc,
    plan: &DevicePlan,
    desired: &std::collections::BTreeMap<String, crate::model::f5::F5DhcpServer>,
    stop: &Stop,
) -> DeviceReport {
    use crate::model::f5::F5DhcpServer;
    use crate::plan::Resource;
    let mut report = DeviceReport::new(&plan.device);
    let mut fresh = Vec::new();
    for op in &plan.operations {
        let Resource::Interface(name) = &op.resource else {
            report.error = Some(format!("{} is not an F5 XC interface call", op.resource));
            return report;
        };
        let form = match client.interface(name).await {
            Ok(f) => f,
            Err(e) => {
                report.error = Some(e.to_string());
                report.skipped = skipped(&plan.operations);
                return report;
            }
        };
        let planned: Option<F5DhcpServer> = op
            .expect_server
            .clone()
            .and_then(|v| serde_json::from_value(v).ok());
        if form.dhcp != planned {
            report.blocked = Some(format!(
                "stale: the DHCP server of interface {name} changed since planning; nothing \
                 written; plan again"
            ));
            return report;
        }
        fresh.push((name.clone(), op, form));
    }
    for (i, (name, op, form)) in fresh.iter().enumerate() {
        if stop.requested() {
            report.interrupted = true;
            report.skipped = skipped(&plan.operations[i..]);
            break;
        }
        let body = op.body.clone().unwrap_or(serde_json::Value::Null);
        let result = match crate::platform::f5_xc::config::with_dhcp(&form.form, &body) {
            Ok(object) => client
                .put_interface(name, &object, &form.resource_version)
                .await
                .map_err(|e| {
                    if e.status() == Some(409) {
                        format!(
                            "{e}: the interface was changed by someone else just now; nothing \
                             overwritten; plan again"
                        )
                    } else {
                        e.to_string()
                    }
                }),
            Err(e) => Err(format!("interface {name}: {e}")),
        };
        match result {
            Ok(status) => report.done.push(OpDone {
                method: op.method,
                path: op.path.clone(),
                resource: op.resource.clone(),
                status,
                note: None,
            }),
            Err(error) => {
                report.failed = Some(OpFailed {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: None,
                    error,
                });
                report.skipped = skipped(&plan.operations[i + 1..]);
                break;
            }
        }
    }
    if report.done.is_empty() {
        return report;
    }
    let mut residue = Vec::new();
    for (name, want) in desired {
        match client.interface(name).await {
            Ok(f) if f.dhcp.as_ref() == Some(want) => {}
            Ok(_) => residue.push(format!("interface/{name}")),
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        }
    }
    report.converged = Some(residue.is_empty());
    report.residue = residue;
    report
}
