//! What the backends share: the stop flag an interrupt sets, the report lines of failed and
//! skipped calls, and the IOS XE steps both of its APIs take after reading (client impact,
//! `expect:` checks, lease rows).

use super::PlanMode;
use crate::model::leases::{BindingKind, LeaseRow, LeaseSet, Usage};
use crate::model::{Binding, BindingType, DeviceConfig, Expect, LiveConfig, PoolKind};
use crate::plan::outcome::Failure;
use crate::plan::outcome::SkipReason;
use crate::plan::report::{DeviceReport, OpDone, OpFailed, Skipped};
use crate::plan::{DevicePlan, Operation};
use crate::plan::{Policy, expect};
use crate::platform::http::DeviceError;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn failed(op: &Operation, e: &DeviceError) -> OpFailed {
    OpFailed {
        method: op.method,
        path: op.path.clone(),
        resource: op.resource.clone(),
        status: e.status(),
        kind: e.write_kind(),
        error: e.to_string(),
        sent: e.may_have_landed(),
    }
}

/// A settings write not sent because the device's global settings moved since planning.
pub fn settings_moved(op: &Operation) -> OpFailed {
    OpFailed {
        method: op.method,
        path: op.path.clone(),
        resource: op.resource.clone(),
        status: None,
        kind: crate::plan::ErrorKind::Stale,
        error: "the device's global DHCP settings changed since planning; not overwriting them \
                (plan again)"
            .into(),
        sent: false,
    }
}

/// Asks running applies to stop after the call in flight; remembers whether anything was
/// written, for the exit code of a forced stop.
#[derive(Debug, Default)]
pub struct Stop {
    requested: AtomicBool,
    wrote: AtomicBool,
    asking: AtomicBool,
}

impl Stop {
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
    }
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
    /// Whether the user is being asked to confirm (an interrupt then cancels).
    pub fn asking(&self) -> bool {
        self.asking.load(Ordering::SeqCst)
    }
    pub fn set_asking(&self, asking: bool) {
        self.asking.store(asking, Ordering::SeqCst);
    }
    /// Records that a write is about to be sent: from here the device may carry it out,
    /// whatever answer comes back.
    pub fn sending(&self) {
        self.wrote.store(true, Ordering::SeqCst);
    }
    /// Whether a write was sent (it may have been carried out even without an answer).
    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::SeqCst)
    }
}

/// The calls that did not run, as the report lists them (`METHOD path`), and why.
pub fn skipped(ops: &[Operation], why: SkipReason) -> Vec<Skipped> {
    ops.iter()
        .map(|op| Skipped {
            call: op.line(),
            why,
        })
        .collect()
}

/// A device none of whose calls ran because a stop was requested first.
pub fn not_started(plan: &DevicePlan) -> DeviceReport {
    let mut report = DeviceReport::new(&plan.device);
    report.skipped = skipped(&plan.operations, SkipReason::Interrupted);
    report.interrupted = true;
    report
}

/// What an IOS XE plan adds after the diff, on either API: whom it hurts (the bindings are
/// read only when a change can take addresses away; unreadable bindings block), and with
/// `mode.drift` the `expect:` checks on the bindings.
pub async fn impact_and_expect<F, Fut>(
    plan: &mut DevicePlan,
    live: &LiveConfig,
    desired: &DeviceConfig,
    policy: &Policy<'_>,
    mode: PlanMode,
    expect: &Expect,
    bindings: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Binding>, DeviceError>>,
{
    if crate::plan::needs_bindings(plan, live, desired) {
        let read = bindings().await.map_err(|e| e.to_string());
        let read = read.as_deref().map_err(String::clone);
        crate::plan::attach_impact(plan, live, desired, read, policy);
    }
    if mode.drift && (expect.max_utilization.is_some() || expect.min_free.is_some()) {
        match bindings().await {
            Ok(b) => {
                if let Some(max) = expect.max_utilization {
                    plan.findings.extend(expect::ios_utilization(live, &b, max));
                }
                if let Some(min) = expect.min_free {
                    plan.findings.extend(expect::ios_min_free(live, &b, min));
                }
            }
            Err(err) => plan.error = Some(err.failure()),
        }
    }
}

/// The lease rows and pool utilisation of an IOS XE device from its pools and bindings.
/// `time` turns the device's expiry into RFC 3339; `local` says it is device-local time.
pub fn lease_set(
    device: &str,
    live: &LiveConfig,
    bindings: &[Binding],
    max: Option<u8>,
    time: &dyn Fn(&str) -> String,
    local: bool,
) -> LeaseSet {
    let mut set = LeaseSet::default();
    for b in bindings {
        // a manual binding belongs to its own pool, though a dynamic pool may cover it
        let manual = live
            .pools
            .iter()
            .find(|(_, p)| matches!(&p.kind, PoolKind::Manual { host, .. } if *host == b.ip));
        let dynamic = live
            .pools
            .iter()
            .find(|(_, p)| p.kind.network().is_some_and(|n| n.contains(&b.ip)));
        let pool = manual
            .or(dynamic)
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        set.leases.push(LeaseRow {
            device: device.to_string(),
            ip: b.ip.to_string(),
            mac: b.mac.to_string(),
            hostname: String::new(),
            kind: match b.kind {
                BindingType::Automatic => BindingKind::Automatic,
                BindingType::Manual => BindingKind::Manual,
            },
            expires: b.expires.as_deref().map(time),
            expires_local: local,
            expired: false,
            pool,
        });
    }
    for (pool, used, total) in expect::ios_usage(live, bindings) {
        let percent = expect::percent(used, total);
        set.utilisation.push(Usage {
            device: device.to_string(),
            pool,
            used,
            total,
            percent,
            over: max.is_some_and(|m| percent > u64::from(m)),
        });
    }
    set
}

/// Runs a device's calls one at a time, in order, until one fails or a stop is requested
/// (the call in flight finishes; the rest are reported skipped).
pub async fn run_in_order<'a, F, Fut>(plan: &'a DevicePlan, stop: &Stop, run: F) -> DeviceReport
where
    F: Fn(&'a Operation) -> Fut,
    Fut: std::future::Future<Output = Result<OpDone, OpFailed>>,
{
    let mut report = DeviceReport::new(&plan.device);
    let mut next = 0;
    while let Some(op) = plan.operations.get(next) {
        if stop.requested() {
            report.interrupted = true;
            break;
        }
        next += 1;
        // from here the device may carry the write out, whatever answer comes back
        stop.sending();
        match run(op).await {
            Ok(done) => report.done.push(done),
            Err(f) => {
                report.failed = Some(f);
                break;
            }
        }
    }
    let why = if report.interrupted {
        SkipReason::Interrupted
    } else {
        SkipReason::AfterFailure
    };
    report.skipped = skipped(&plan.operations[next..], why);
    report
}

/// The final read's verdict: the resources still differing from `desired`, or why the
/// device could not be read.
pub fn converged(
    report: &mut DeviceReport,
    desired: &DeviceConfig,
    now: Result<&LiveConfig, DeviceError>,
    prune: bool,
) {
    match now {
        Ok(live) => {
            let residue = crate::plan::diff::diff(desired, live, prune);
            report.residue = residue
                .changes
                .iter()
                .map(|c| format!("{} {}", c.action.symbol(), c.resource))
                .collect();
            report.converged = Some(report.residue.is_empty());
        }
        Err(e) => {
            let failure = Failure::new(e.kind(), format!("final read failed: {e}"));
            report.error = Some(failure);
        }
    }
}
