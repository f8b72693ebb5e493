//! The fleet runner: one code path under plan, drift, apply, leases and import. It opens a
//! repository, starts the `sim://` devices it needs, selects and shards, works on devices
//! concurrently up to `parallelism`, and hands back per-device results as plain data (plan
//! file types, apply reports, leases) in a deterministic order (by name). Results stream: a
//! device's result is handed on as soon as every device before it is done, and each device's
//! live and desired state are dropped once its result is built, so memory is bounded by the
//! report, not by the fleet. The engine owns device sessions: every device it binds is closed
//! (its token released) in one place, `finish`.

pub mod connect;
pub mod select;

pub use crate::platform::{Clear, ClearError, Cleared, Device, PlanMode};
pub use select::{SelectError, Selection};

use crate::config::inventory::{DeviceEntry, Endpoint, Inventory, Platform};
use crate::config::manifest::Diags;
use crate::config::validate::{Desired, Repo};
use crate::model::DeviceConfig;
use crate::model::leases::{LeaseRow, LeaseSet};
use crate::plan::report::DeviceReport;
use crate::plan::{DevicePlan, PlanFile};
use crate::platform::exec::Stop;
use crate::platform::http::{DeviceError, HttpCache, Logger};
use crate::sim::{Credentials, Persist, Sim, SimHandle, SimOptions};
use futures::StreamExt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What a run needs besides the repository.
#[derive(Clone, Default)]
pub struct Options {
    pub selection: Selection,
    /// Overrides the inventory's `settings.parallelism`.
    pub parallelism: Option<usize>,
    /// Receives `-v` request log lines (already redacted).
    pub log: Option<Logger>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EngineError {
    #[error("invalid: {errors} error(s); fix them first (dhcpform validate)")]
    Invalid { errors: usize },
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error("cannot start the emulator for the sim:// devices: {0}")]
    Sim(String),
    #[error("no device `{device}` in {}", inventory.display())]
    UnknownDevice { device: String, inventory: PathBuf },
    #[error("device `{device}` is {platform}: {what}")]
    WrongPlatform {
        device: String,
        platform: Platform,
        what: &'static str,
    },
    #[error("profile `{name}`: {hint}")]
    BadProfile { name: String, hint: String },
    #[error("the saved plan names device `{0}`, which the inventory does not have")]
    SavedPlanDevice(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Clear(#[from] ClearError),
}

/// The leases of one device, or why they could not be read.
#[derive(Debug)]
pub struct DeviceLeases {
    pub device: String,
    pub result: Result<LeaseSet, DeviceError>,
}

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

/// What the command does between planning and writing.
pub trait ApplyHooks {
    /// The plan about to be applied (shown before confirming).
    fn planned(&mut self, plan: &PlanFile);
    /// Whether to go ahead; asked only when some device has calls to run.
    fn confirm(&mut self) -> bool;
}

#[derive(Debug)]
pub enum ApplyOutcome {
    /// The confirmation was refused: nothing written.
    Cancelled,
    /// One report per device that was blocked, failed or had calls, by name.
    Done(Vec<DeviceReport>),
}

/// A repository loaded and validated, with the devices chosen for this run.
pub struct Engine {
    repo: Repo,
    selected: Vec<usize>,
    parallelism: usize,
    log: Option<Logger>,
}

/// What the device tasks share while a run is under way.
struct Shared {
    repo: Repo,
    http: HttpCache,
    log: Option<Logger>,
    sim: Option<SocketAddr>,
}

/// A run under way: the shared state and the embedded emulator, stopped by `stop`.
struct Running {
    stop: Arc<Stop>,
    shared: Arc<Shared>,
    sim: Option<SimHandle>,
    sem: Arc<Semaphore>,
    parallelism: usize,
    selected: Vec<usize>,
}

impl Engine {
    /// Loads and validates the repository and selects the devices. The diagnostics come back
    /// either way (warnings too); an invalid repository is an error.
    ///
    /// A device whose desired file has errors fails alone (its plan says so); with a
    /// selection, only the inventory and the selected devices' files are reported and must be
    /// valid.
    pub fn load(dir: &Path, opts: Options) -> (Result<Engine, EngineError>, Diags) {
        let (repo, mut diags) = crate::config::validate::load_repo_isolated(dir);
        let Some(repo) = repo else {
            let errors = diags.errors();
            return (Err(EngineError::Invalid { errors }), diags);
        };
        let names: Vec<(&str, &[String])> = repo
            .devices
            .iter()
            .map(|(e, _)| (e.name.as_str(), e.tags.as_slice()))
            .collect();
        let selected = match select::select(&names, &opts.selection) {
            Ok(s) => s,
            Err(e) => return (Err(e.into()), diags),
        };
        // the files of devices left out of the run are not this run's business
        let chosen: std::collections::HashSet<usize> = selected.iter().copied().collect();
        let left_out: std::collections::HashSet<&str> = repo
            .devices
            .iter()
            .enumerate()
            .filter(|(i, _)| !chosen.contains(i))
            .map(|(_, (e, _))| e.desired_display.as_str())
            .collect();
        if !left_out.is_empty() {
            diags.0.retain(|d| !left_out.contains(d.file_name()));
        }
        let parallelism = opts
            .parallelism
            .unwrap_or(repo.inventory.settings.parallelism)
            .max(1);
        let engine = Engine {
            repo,
            selected,
            parallelism,
            log: opts.log,
        };
        (Ok(engine), diags)
    }

    /// Narrows the run to the device named exactly `name`.
    pub fn only(mut self, name: &str) -> Result<Engine, EngineError> {
        let i = self
            .repo
            .devices
            .iter()
            .position(|(e, _)| e.name == name)
            .ok_or_else(|| EngineError::UnknownDevice {
                device: name.into(),
                inventory: self
                    .repo
                    .inventory
                    .root
                    .join(crate::config::inventory::INVENTORY_FILE),
            })?;
        self.selected = vec![i];
        Ok(self)
    }

    /// The selected devices whose desired file is invalid (each fails alone).
    pub fn invalid(&self) -> Vec<&str> {
        self.selected
            .iter()
            .filter_map(|i| self.repo.devices.get(*i))
            .filter(|(_, d)| matches!(d, Desired::Invalid(_)))
            .map(|(e, _)| e.name.as_str())
            .collect()
    }

    /// Warnings about the selected devices' settings (TLS verification off), said every run.
    pub fn warnings(&self) -> Vec<String> {
        self.entries()
            .filter(|e| e.tls.insecure_skip_verify)
            .map(|e| {
                format!(
                    "device {}: TLS certificate verification is off (tls.insecure-skip-verify)",
                    e.name
                )
            })
            .collect()
    }

    /// The selected devices, in the order results come.
    pub fn entries(&self) -> impl Iterator<Item = &DeviceEntry> {
        self.selected
            .iter()
            .filter_map(|i| self.repo.devices.get(*i).map(|(e, _)| e))
    }

    pub fn platform_of(&self, name: &str) -> Option<Platform> {
        self.entries().find(|e| e.name == name).map(|e| e.platform)
    }

    /// Starts the embedded emulator when a selected device is `sim://`.
    async fn start(self) -> Result<Running, EngineError> {
        let sims: Vec<&DeviceEntry> = self
            .entries()
            .filter(|e| matches!(e.endpoint, Endpoint::Sim(_)))
            .collect();
        let handle = if sims.is_empty() {
            None
        } else {
            Some(start_sim(&self.repo.inventory, &sims).await?)
        };
        let shared = Shared {
            repo: self.repo,
            http: HttpCache::default(),
            log: self.log,
            sim: handle.as_ref().map(|h| h.addr),
        };
        Ok(Running {
            stop: Arc::new(Stop::default()),
            shared: Arc::new(shared),
            sim: handle,
            sem: Arc::new(Semaphore::new(self.parallelism)),
            parallelism: self.parallelism,
            selected: self.selected,
        })
    }

    /// Plans (or, with `mode.drift`, checks) every selected device. `sink` gets each device's
    /// plan in name order, as soon as the devices before it are done.
    pub async fn plan(
        self,
        mode: PlanMode,
        sink: &mut dyn FnMut(DevicePlan),
    ) -> Result<(), EngineError> {
        let run = self.start().await?;
        run.ordered(
            move |shared, i, sem| async move {
                let device = match shared.bind_device(i) {
                    Ok(d) => d,
                    Err(e) => return shared.failed(i, e.to_string()),
                };
                let plan = {
                    let _permit = sem.acquire().await;
                    device.plan(mode).await
                };
                finish(device.as_ref()).await;
                plan
            },
            |shared, i, why| shared.internal_failure(i, why),
            sink,
        )
        .await;
        run.stop().await;
        Ok(())
    }

    /// Reads the leases of every selected device; `sink` gets them in name order.
    pub async fn leases(self, sink: &mut dyn FnMut(DeviceLeases)) -> Result<(), EngineError> {
        let run = self.start().await?;
        run.ordered(
            |shared, i, sem| async move {
                let name = shared.name(i);
                let result = match shared.bind_device(i) {
                    Err(e) => Err(e),
                    Ok(device) => {
                        let res = {
                            let _permit = sem.acquire().await;
                            device.leases().await
                        };
                        finish(device.as_ref()).await;
                        res
                    }
                };
                DeviceLeases {
                    device: name,
                    result,
                }
            },
            |shared, i, why| DeviceLeases {
                device: shared.name(i),
                result: Err(DeviceError::Setup {
                    device: shared.name(i),
                    message: format!("internal error while reading this device: {why}"),
                }),
            },
            sink,
        )
        .await;
        run.stop().await;
        Ok(())
    }

    /// Clears bindings on the one selected device (see `only`).
    /// `confirm` sees the bindings that would be cleared (read first) and says whether to go
    /// ahead; `None` when it said no.
    pub async fn clear(
        self,
        what: Clear,
        confirm: &mut dyn FnMut(&[LeaseRow]) -> bool,
    ) -> Result<Option<Vec<Cleared>>, EngineError> {
        let run = self.start().await?;
        let result = match run.selected.first() {
            None => Ok(Some(vec![])),
            Some(&i) => match run.shared.bind_device(i) {
                Err(e) => Err(e.into()),
                Ok(device) => {
                    let res = clear_confirmed(device.as_ref(), &what, confirm).await;
                    finish(device.as_ref()).await;
                    res
                }
            },
        };
        run.stop().await;
        result
    }

    /// Plans (or takes a saved plan), shows it, confirms, and converges the devices.
    pub async fn apply(
        mut self,
        req: ApplyRequest,
        hooks: &mut dyn ApplyHooks,
    ) -> Result<ApplyOutcome, EngineError> {
        if let Some(saved) = &req.saved {
            for d in &saved.devices {
                if !self.repo.devices.iter().any(|(e, _)| e.name == d.device) {
                    return Err(EngineError::SavedPlanDevice(d.device.clone()));
                }
            }
            let devices = &self.repo.devices;
            self.selected.retain(|i| {
                saved
                    .devices
                    .iter()
                    .any(|d| devices.get(*i).is_some_and(|(e, _)| e.name == d.device))
            });
        }
        let run = self.start().await?;
        let listener = req
            .signals
            .then(|| listen(run.stop.clone(), req.on_interrupt.clone()));
        let outcome = run.apply(&req, hooks).await;
        if let Some(l) = listener {
            l.abort();
        }
        run.stop().await;
        Ok(outcome)
    }
}

/// The checks of a saved plan before any device is contacted (format, checksum, fields, and
/// every call one its device's backend makes).
pub fn verify_saved(plan: &PlanFile) -> Result<(), crate::plan::saved::SavedPlanError> {
    crate::plan::saved::verify(plan, &crate::platform::allowed)
}

/// Listens for Ctrl-C and SIGTERM while an apply runs: the first requests a stop, the second
/// ends the process at once (3 when a write was sent, else 1). The signal streams are made
/// once, before anything can arrive, so no signal falls between two waits.
fn listen(stop: Arc<Stop>, told: Option<Logger>) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        let (mut int, mut term) = streams;
        for n in 0..2 {
            #[cfg(unix)]
            {
                let int = async {
                    match int.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                let term = async {
                    match term.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = int => {}
                    _ = term => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            if n == 0 {
                stop.request();
                if let Some(t) = &told {
                    t(
                        "interrupted: finishing the calls in flight, sending nothing more \
                       (interrupt again to exit at once)",
                    );
                }
            }
        }
        std::process::exit(if stop.wrote() { 3 } else { 1 });
    })
}

/// What a failed device task said: its panic message when it panicked.
fn join_error_text(e: tokio::task::JoinError) -> String {
    if e.is_panic() {
        let payload = e.into_panic();
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the task panicked".into())
    } else {
        e.to_string()
    }
}

/// Reads what `what` would clear, asks, and clears.
async fn clear_confirmed(
    device: &dyn Device,
    what: &Clear,
    confirm: &mut dyn FnMut(&[LeaseRow]) -> bool,
) -> Result<Option<Vec<Cleared>>, EngineError> {
    let set = device.leases().await?;
    let doomed: Vec<LeaseRow> = set
        .leases
        .into_iter()
        .filter(|l| match what {
            Clear::All => l.kind == crate::model::leases::BindingKind::Automatic,
            Clear::Ips(ips) => ips.iter().any(|ip| ip.to_string() == l.ip),
        })
        .collect();
    if !confirm(&doomed) {
        return Ok(None);
    }
    Ok(Some(device.clear(what).await?))
}

/// Ends a device's session: the one place tokens are released.
async fn finish(device: &dyn Device) {
    device.close().await;
}

async fn start_sim(inventory: &Inventory, sims: &[&DeviceEntry]) -> Result<SimHandle, EngineError> {
    let root = &inventory.root;
    let opts = SimOptions {
        persist: Persist::PerDevice {
            dir: root.join(".dhcpform/sim"),
            seed_dir: root.join("sim"),
        },
        ..SimOptions::default()
    };
    let sim = Sim::new(opts).map_err(|e| EngineError::Sim(e.to_string()))?;
    for entry in sims {
        let Endpoint::Sim(name) = &entry.endpoint else {
            continue;
        };
        let var = |v: &Option<String>| {
            v.as_ref()
                .and_then(|n| std::env::var(n).ok())
                .filter(|s| !s.is_empty())
        };
        sim.set_credentials(
            name,
            Credentials {
                user: var(&entry.auth.username_env),
                password: var(&entry.auth.password_env),
                api_token: var(&entry.auth.api_token_env),
            },
        );
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    sim.start(addr)
        .await
        .map_err(|e| EngineError::Sim(e.to_string()))
}

impl Shared {
    fn name(&self, i: usize) -> String {
        self.repo
            .devices
            .get(i)
            .map(|(e, _)| e.name.clone())
            .unwrap_or_default()
    }

    fn client(&self, entry: &DeviceEntry) -> Result<connect::Client, DeviceError> {
        let sim = self.sim;
        let base = move |name: &str| sim.map(|a| format!("http://{a}/devices/{name}"));
        connect::connect(
            entry,
            &self.repo.inventory.settings,
            &base,
            &self.http,
            self.log.clone(),
        )
    }

    /// The device at `i`, bound to its desired state.
    fn bind_device(&self, i: usize) -> Result<Box<dyn Device>, DeviceError> {
        let Some((entry, desired)) = self.repo.devices.get(i) else {
            return Err(DeviceError::Setup {
                device: String::new(),
                message: format!("no device at position {i}"),
            });
        };
        let client = self.client(entry)?;
        connect::bind(entry, desired, client, self.repo.inventory.settings.safety)
    }

    fn failed(&self, i: usize, message: String) -> DevicePlan {
        match self.repo.devices.get(i) {
            Some((e, _)) => DevicePlan::failed(&e.name, e.platform, message),
            None => DevicePlan::failed("", Platform::IosXe, message),
        }
    }

    fn internal_failure(&self, i: usize, why: &str) -> DevicePlan {
        self.failed(
            i,
            format!("internal error while planning this device: {why}"),
        )
    }
}

impl Running {
    async fn stop(self) {
        if let Some(h) = self.sim {
            h.shutdown().await;
        }
    }

    /// Runs `work` for every selected device, at most `parallelism` holding the semaphore at
    /// once, and hands results to `sink` in selection order as soon as they are in order. At
    /// most a few windows of finished results wait for a slow device before it.
    async fn ordered<T, F, Fut>(
        &self,
        work: F,
        fallback: impl Fn(&Shared, usize, &str) -> T,
        sink: &mut dyn FnMut(T),
    ) where
        T: Send + 'static,
        F: Fn(Arc<Shared>, usize, Arc<Semaphore>) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let window = self.parallelism.saturating_mul(4).max(16);
        let mut results = futures::stream::iter(self.selected.iter().copied())
            .map(|i| {
                let task = tokio::spawn(work(self.shared.clone(), i, self.sem.clone()));
                async move { (i, task.await) }
            })
            .buffered(window);
        while let Some((i, res)) = results.next().await {
            // a task that panicked keeps its message in the device's error
            sink(res.unwrap_or_else(|e| fallback(&self.shared, i, &join_error_text(e))));
        }
    }

    /// Plans every device for apply, keeping each bound device (its session) for the writes.
    /// A device in a saved plan is planned from the saved desired state.
    async fn plan_for_apply(&self, req: &ApplyRequest) -> Vec<Planned> {
        let mut planned: Vec<Planned> = Vec::new();
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
                        Err(e) => return (None, shared.failed(i, e.to_string())),
                        Ok(d) => d,
                    };
                    let old = saved
                        .as_ref()
                        .as_ref()
                        .and_then(|s| s.devices.iter().find(|d| d.device == device.name()));
                    let _permit = sem.acquire().await;
                    let plan = match old {
                        Some(old) => device.plan_saved(old, mode.force).await,
                        None => device.plan(mode).await,
                    };
                    (Some(device), plan)
                }
            },
            |shared, i, why| (None, shared.internal_failure(i, why)),
            &mut |p| planned.push(p),
        )
        .await;
        planned
    }

    /// Runs the runnable devices' calls, at most `parallelism` devices at once; a device not
    /// started when a stop is requested is reported with every call skipped.
    async fn run_writes(&self, runnable: &[&Planned]) -> Vec<DeviceReport> {
        let (sem, stop) = (&self.sem, &self.stop);
        let runs = runnable.iter().filter_map(|(d, p)| {
            let d = d.as_ref()?;
            Some(async move {
                let _permit = sem.acquire().await;
                if stop.requested() {
                    return crate::platform::exec::not_started(p);
                }
                d.apply(p, stop).await
            })
        });
        futures::future::join_all(runs).await
    }

    async fn apply(&self, req: &ApplyRequest, hooks: &mut dyn ApplyHooks) -> ApplyOutcome {
        let mut planned = self.plan_for_apply(req).await;
        let mut reports = Vec::new();
        if let Some(saved) = &req.saved {
            for (_, plan) in planned.iter_mut() {
                reports.extend(replay_saved(plan, saved));
            }
        }
        hooks.planned(&PlanFile::new(
            crate::plan::Kind::Plan,
            planned.iter().map(|(_, p)| p.clone()).collect(),
        ));
        for (_, p) in &planned {
            if !reports.iter().any(|r: &DeviceReport| r.device == p.device)
                && let Some(report) = not_runnable(p)
            {
                reports.push(report);
            }
        }
        let runnable: Vec<&Planned> = planned
            .iter()
            .filter(|(d, p)| {
                d.is_some()
                    && !p.operations.is_empty()
                    && !reports.iter().any(|r| r.device == p.device)
            })
            .collect();
        let proceed = runnable.is_empty() || self.stop.requested() || hooks.confirm();
        if proceed && !runnable.is_empty() {
            reports.extend(self.run_writes(&runnable).await);
        }
        futures::future::join_all(planned.iter().filter_map(|(d, _)| d.as_deref()).map(finish))
            .await;
        if !proceed {
            return ApplyOutcome::Cancelled;
        }
        reports.sort_by(|a, b| a.device.cmp(&b.device));
        ApplyOutcome::Done(reports)
    }
}

/// A device planned for apply: the bound device (absent when it could not be bound) and its
/// plan.
type Planned = (Option<Box<dyn Device>>, DevicePlan);

/// A device whose plan cannot run: why, as its report.
fn not_runnable(p: &DevicePlan) -> Option<DeviceReport> {
    if p.error.is_some() {
        // the error itself is in the plan shown before the report, once
        let mut r = DeviceReport::new(&p.device);
        r.error = Some("could not be planned (the error is shown above)".into());
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
        r.blocked = Some(format!("blocked by safety gate: {}", gates.join("; ")));
        return Some(r);
    }
    None
}

/// Checks a fresh plan (made from a saved plan's desired state) against the saved one: the
/// device must be as it was when the plan was made, and the calls exactly the saved ones. A
/// device that fails either gets a report saying why and has nothing to run.
fn replay_saved(plan: &mut DevicePlan, saved: &PlanFile) -> Option<DeviceReport> {
    let old = saved.devices.iter().find(|d| d.device == plan.device)?;
    if plan.error.is_some() {
        return None;
    }
    let mut r = DeviceReport::new(&old.device);
    if old.live_digest != plan.live_digest {
        let what = match (
            &old.live,
            &plan.live,
            &old.interfaces_live,
            &plan.interfaces_live,
        ) {
            (Some(b), Some(n), _, _) => crate::plan::diff::what_changed(b, n).join(", "),
            (_, _, Some(b), Some(n)) => n
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, _)| format!("interface/{k}"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "its state".into(),
        };
        r.blocked = Some(format!(
            "stale plan: the device changed since the plan was made ({what}); plan again"
        ));
    } else if old.operations != plan.operations {
        r.blocked = Some(
            "the saved calls are not what its desired state needs on this device now (did \
             prune or protected-pools change?); plan again"
                .into(),
        );
    } else {
        return None;
    }
    plan.operations.clear();
    plan.changes.clear();
    Some(r)
}

/// A device to import: the inventory and the entry, with no desired file needed.
pub struct ImportTarget {
    inventory: Inventory,
    entry: DeviceEntry,
    log: Option<Logger>,
}

impl ImportTarget {
    /// Loads the inventory alone (import works before the desired file exists) and finds the
    /// device.
    pub fn load(
        dir: &Path,
        device: &str,
        log: Option<Logger>,
    ) -> (Result<ImportTarget, EngineError>, Diags) {
        let mut diags = Diags::default();
        let inventory = crate::config::inventory::load(dir, &mut diags);
        let entry = inventory
            .as_ref()
            .and_then(|i| i.devices.iter().find(|d| d.name == device).cloned());
        let (Some(inventory), Some(entry)) = (inventory, entry) else {
            let err = EngineError::UnknownDevice {
                device: device.into(),
                inventory: dir.join(crate::config::inventory::INVENTORY_FILE),
            };
            return (Err(err), diags);
        };
        (
            Ok(ImportTarget {
                inventory,
                entry,
                log,
            }),
            Diags::default(),
        )
    }

    /// A profile of the inventory, for `import --profile`; it must be known and valid.
    pub fn profile(
        &self,
        name: &str,
    ) -> Result<&crate::config::manifest::ios_xe::Profile, EngineError> {
        let profiles = &self.inventory.profiles;
        match profiles.get(name) {
            Some(p) if p.diags.is_empty() => Ok(p),
            Some(_) => Err(EngineError::BadProfile {
                name: name.into(),
                hint: "it has invalid values: run dhcpform validate".into(),
            }),
            None => Err(EngineError::BadProfile {
                name: name.into(),
                hint: match crate::model::names::nearest(name, profiles.keys().map(String::as_str))
                {
                    Some(n) => format!("the inventory has no such profile; did you mean `{n}`?"),
                    None => "the inventory has no such profile".into(),
                },
            }),
        }
    }

    /// Where `import --write` writes, and how to name it.
    pub fn desired_path(&self) -> (&Path, &str) {
        (&self.entry.desired, &self.entry.desired_display)
    }

    /// The repository's root (where `dhcpform.yaml` is).
    pub fn root(&self) -> &Path {
        &self.inventory.root
    }

    /// The device's platform.
    pub fn platform(&self) -> Platform {
        self.entry.platform
    }

    /// Reads the device's live configuration, as a desired state that plans empty.
    pub async fn read(self) -> Result<crate::platform::Imported, EngineError> {
        let desired = match self.entry.platform {
            Platform::IosXe => crate::config::validate::Desired::IosXe(Arc::new(
                crate::config::validate::IosXeDesired {
                    config: DeviceConfig::default(),
                    expect: Default::default(),
                },
            )),
            Platform::F5Xc => crate::config::validate::Desired::F5Xc(Arc::default()),
        };
        let handle = match &self.entry.endpoint {
            Endpoint::Sim(_) => Some(start_sim(&self.inventory, &[&self.entry]).await?),
            Endpoint::Http(_) => None,
        };
        let shared = Shared {
            repo: Repo {
                inventory: self.inventory,
                devices: vec![(self.entry, desired)],
            },
            http: HttpCache::default(),
            log: self.log,
            sim: handle.as_ref().map(|h| h.addr),
        };
        let result = match shared.bind_device(0) {
            Err(e) => Err(e.into()),
            Ok(device) => {
                let res = device.import().await;
                finish(device.as_ref()).await;
                res.map_err(EngineError::from)
            }
        };
        if let Some(h) = handle {
            h.shutdown().await;
        }
        result
    }
}
