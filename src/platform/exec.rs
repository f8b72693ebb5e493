//! What every backend's executor shares: the stop flag an interrupt sets, and the report
//! lines of failed and skipped calls.

use crate::plan::outcome::SkipReason;
use crate::plan::report::{DeviceReport, OpFailed, Skipped};
use crate::plan::{DevicePlan, Operation};
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
