//! Apply as prepare -> confirm -> execute: `Engine::prepare` plans every device (or checks a
//! saved plan against a fresh one) and keeps each device's session; the command shows the
//! plan and asks, with no runtime in use; `Prepared::execute` runs the writes (or `cancel`
//! releases the sessions).

use super::run::Running;
use super::signals::listen;
use super::{Engine, EngineError};
use crate::model::Desired;
use crate::plan::report::DeviceReport;
use crate::plan::{DevicePlan, PlanFile};
use crate::platform::http::Logger;
use crate::platform::{Device, PlanMode};
use std::sync::Arc;

/// What `apply` is asked to do.
#[derive(Clone, Default)]
pub struct ApplyRequest {
    /// A plan saved by `plan --out`: its operations run, after the live digest check.
    pub saved: Option<PlanFile>,
    /// Lift the safety gates (never the stale-plan check).
    pub force: bool,
    /// Listen for Ctrl-C and SIGTERM: the first stops the writes after the call in flight
    /// (tokens are released, the rest is reported skipped); the second ends the process at
    /// once (exit 3 when something was written, else 1).
    pub signals: bool,
    /// Told when the first signal arrived (the command says so to the user).
    pub on_interrupt: Option<Logger>,
}

/// An apply planned and ready: the plan to show, and the devices' sessions kept for the
/// writes. Nothing has been written yet.
pub struct Prepared {
    run: Running,
    /// The devices with calls to run: each session, and its plan slimmed and packed.
    planned: Vec<Kept>,
    /// Devices that will not run (blocked, failed, stale), with why.
    reports: Vec<DeviceReport>,
    listener: Option<tokio::task::JoinHandle<()>>,
    /// Devices of a saved plan that the selection leaves out (not applied).
    outside: Vec<String>,
}

impl Engine {
    /// Plans every selected device (a saved plan: only its devices, each checked against a
    /// fresh plan from its saved desired state) and keeps each device's session for the
    /// writes. With `req.signals`, Ctrl-C and SIGTERM are listened for from here on.
    /// `sink` gets each device's plan in name order as soon as it is made (with the verdict
    /// of a saved plan's replay); afterwards only what the writes need is kept of it.
    pub async fn prepare(
        mut self,
        req: ApplyRequest,
        sink: &mut dyn FnMut(&DevicePlan),
    ) -> Result<Prepared, EngineError> {
        let mut outside = Vec::new();
        if let Some(saved) = &req.saved {
            for d in &saved.devices {
                if !self.repo.devices.iter().any(|(e, _)| e.name == d.device) {
                    return Err(EngineError::SavedPlanDevice(d.device.clone()));
                }
            }
            self.same_desired(saved)?;
            let devices = &self.repo.devices;
            self.selected.retain(|i| {
                saved
                    .devices
                    .iter()
                    .any(|d| devices.get(*i).is_some_and(|(e, _)| e.name == d.device))
            });
            let kept: Vec<&str> = self
                .selected
                .iter()
                .filter_map(|i| devices.get(*i).map(|(e, _)| e.name.as_str()))
                .collect();
            outside = saved
                .devices
                .iter()
                .map(|d| d.device.clone())
                .filter(|d| !kept.contains(&d.as_str()))
                .collect();
            if kept.is_empty() && !saved.devices.is_empty() {
                return Err(EngineError::NoneOfPlan(outside.join(", ")));
            }
        }
        let run = self.start().await?;
        let listener = req
            .signals
            .then(|| listen(run.stop.clone(), req.on_interrupt.clone()));
        let mut planned = Vec::new();
        let mut reports: Vec<DeviceReport> = Vec::new();
        run.plan_for_apply(&req, &mut |(device, mut plan): Planned| {
            let mut report = req
                .saved
                .as_ref()
                .and_then(|saved| crate::plan::saved::replay(&mut plan, saved));
            if report.is_none() {
                report = crate::plan::report::not_runnable(&plan);
            }
            sink(&plan);
            // kept: a device with a session (its calls), slimmed to what the writes need
            match device {
                Some(d) if report.is_none() => planned.push(Kept::new(d, plan)),
                Some(d) => run.shared.releases.release(d),
                None => {}
            }
            reports.extend(report);
        })
        .await;
        Ok(Prepared {
            run,
            planned,
            reports,
            listener,
            outside,
        })
    }
}

impl Engine {
    /// What was reviewed is what runs, and what runs is what the repository says: each
    /// device's desired state in a saved plan must equal the repository's current one.
    fn same_desired(&self, saved: &PlanFile) -> Result<(), EngineError> {
        let mut changed = Vec::new();
        for d in saved.devices.iter().filter(|d| d.error.is_none()) {
            let Some((entry, desired)) = self.repo.devices.iter().find(|(e, _)| e.name == d.device)
            else {
                continue;
            };
            let same = match desired {
                Desired::IosXe(now) => d.desired.as_ref() == Some(&now.config),
                Desired::F5Xc(now) => d.interfaces_desired == now.interfaces,
                Desired::Invalid(_) => false,
            };
            if !same {
                changed.push(format!("{} ({})", entry.name, entry.desired_display));
            }
        }
        if changed.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Diverged(changed.join(", ")))
        }
    }
}

impl Prepared {
    /// The devices kept for the writes that will run: calls, and no report (a saved plan's
    /// replay may have stopped one).
    fn runnable(&self) -> impl Iterator<Item = usize> + '_ {
        let reported: std::collections::HashSet<&str> =
            self.reports.iter().map(|r| r.device.as_str()).collect();
        self.planned.iter().enumerate().filter_map(move |(i, k)| {
            (k.calls > 0 && !reported.contains(k.device.name())).then_some(i)
        })
    }

    /// Devices of the saved plan the selection leaves out: not applied by this run.
    pub fn outside(&self) -> &[String] {
        &self.outside
    }

    /// Whether some device has calls to run (only then is confirmation asked for).
    pub fn has_writes(&self) -> bool {
        self.runnable().next().is_some() && !self.run.stop.requested()
    }

    /// Told while the command asks for confirmation: an interrupt then cancels the apply
    /// (exit 1, nothing written) instead of waiting for an answer.
    pub fn asking(&self, asking: bool) {
        self.run.stop.set_asking(asking);
    }

    /// Runs the writes, ending each device's session right after its last call: one report
    /// per device that was blocked, failed or had calls, by name.
    pub async fn execute(mut self) -> Vec<DeviceReport> {
        let mut reports = self.reports.clone();
        let keep: std::collections::HashSet<usize> = self.runnable().collect();
        let mut runnable = Vec::with_capacity(keep.len());
        for (i, kept) in std::mem::take(&mut self.planned).into_iter().enumerate() {
            if keep.contains(&i) {
                runnable.push(kept);
            } else {
                self.run.shared.releases.release(kept.device);
            }
        }
        if !runnable.is_empty() {
            reports.extend(self.run.run_writes(runnable).await);
        }
        self.close().await;
        reports.sort_by(|a, b| a.device.cmp(&b.device));
        reports
    }

    /// Writes nothing; releases every session.
    pub async fn cancel(self) {
        self.close().await;
    }

    async fn close(mut self) {
        for kept in std::mem::take(&mut self.planned) {
            self.run.shared.releases.release(kept.device);
        }
        if let Some(l) = self.listener.take() {
            l.abort();
        }
        self.run.stop().await;
    }
}

impl Running {
    /// Plans every device for apply, keeping each bound device (its session) for the writes.
    /// A device in a saved plan is planned from the saved desired state.
    async fn plan_for_apply(&self, req: &ApplyRequest, sink: &mut dyn FnMut(Planned)) {
        let mode = PlanMode {
            force: req.force,
            drift: false,
        };
        let saved = Arc::new(req.saved.clone());
        self.ordered(
            move |shared, i, sem| {
                let saved = saved.clone();
                async move {
                    let device = match shared.bind_device(i) {
                        Err(e) => return (None, shared.failed(i, e.failure())),
                        Ok(d) => d,
                    };
                    let old = saved
                        .as_ref()
                        .as_ref()
                        .and_then(|s| s.devices.iter().find(|d| d.device == device.name()));
                    let _permit = sem.acquire().await;
                    let mut plan = match old {
                        Some(old) => device.plan_saved(old, mode.force).await,
                        None => device.plan(mode).await,
                    };
                    shared.name_credentials(i, &mut plan);
                    // only a device with calls to run keeps its session for the writes
                    if plan.operations.is_empty() || plan.error.is_some() || plan.safety.blocked {
                        shared.releases.release(device);
                        return (None, plan);
                    }
                    (Some(device), plan)
                }
            },
            |shared, i, why| (None, shared.internal_failure(i, why)),
            sink,
        )
        .await;
    }

    /// Runs the runnable devices' calls, at most `parallelism` devices at once, each session
    /// ended right after the device's last call; a device not started when a stop is
    /// requested is reported with every call skipped.
    async fn run_writes(&self, runnable: Vec<Kept>) -> Vec<DeviceReport> {
        use futures::StreamExt;
        let (sem, stop, shared) = (&self.sem, &self.stop, &self.shared);
        // at most `parallelism` devices in flight; each one's session and calls are freed as
        // soon as it is done
        let runs = futures::stream::iter(runnable).map(|kept| async move {
            let d = kept.device;
            let report = match Kept::unpack(&kept.plan) {
                Err(why) => why.report(d.name()),
                Ok(p) => {
                    let _permit = sem.acquire().await;
                    if stop.requested() {
                        crate::platform::exec::not_started(&p)
                    } else {
                        d.apply(&p, stop).await
                    }
                }
            };
            shared.releases.release(d);
            report
        });
        runs.buffer_unordered(self.parallelism.max(1))
            .collect()
            .await
    }
}

/// A device planned for apply: the bound device (absent when it could not be bound) and its
/// plan.
type Planned = (Option<Box<dyn Device>>, DevicePlan);

/// A device kept for the writes: its session, and its plan slimmed to what the writes need
/// and packed as JSON. One allocation of a few hundred bytes instead of the dozens a plan
/// holds (its calls' bodies are JSON trees): 10,000 devices kept for an apply used ~20 MB
/// less resident memory, most of it the fragmentation the small allocations left between the
/// other devices' planning.
struct Kept {
    device: Box<dyn Device>,
    calls: usize,
    plan: Box<[u8]>,
}

/// A kept plan that does not read back (it never should: plan files round-trip the same way).
struct Unpacked(String);

impl Unpacked {
    fn report(&self, device: &str) -> DeviceReport {
        let mut r = DeviceReport::new(device);
        r.error = Some(crate::plan::Failure::new(
            crate::plan::ErrorKind::Setup,
            format!(
                "internal error: the plan kept for the writes does not read back: {}",
                self.0
            ),
        ));
        r
    }
}

impl Kept {
    fn new(device: Box<dyn Device>, mut plan: DevicePlan) -> Kept {
        plan.slim_for_writes();
        Kept {
            device,
            calls: plan.operations.len(),
            // plain data with string keys: serialising cannot fail
            plan: serde_json::to_vec(&plan)
                .unwrap_or_default()
                .into_boxed_slice(),
        }
    }

    fn unpack(plan: &[u8]) -> Result<DevicePlan, Unpacked> {
        serde_json::from_slice(plan).map_err(|e| Unpacked(e.to_string()))
    }
}
