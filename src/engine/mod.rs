//! The fleet runner: one code path under plan, drift, apply, leases and import. It opens a
//! repository, starts the `sim://` devices it needs, selects and shards, works on devices
//! concurrently up to `parallelism`, and hands back per-device results as plain data (plan
//! file types, apply reports, leases) in a deterministic order (by name). Results stream: a
//! device's result is handed on as soon as every device before it is done, and each device's
//! live and desired state are dropped once its result is built, so memory is bounded by the
//! report, not by the fleet. The engine owns device sessions: every device it binds is closed
//! (its token released) in one place, `finish`.

mod apply;
pub mod connect;
mod import;
mod run;
pub mod select;
mod signals;
mod sim;

pub use apply::{ApplyRequest, Prepared};
pub use import::{ImportTarget, write_atomic};

pub use crate::platform::{Clear, ClearError, Cleared, Device, PlanMode};
pub use select::{SelectError, Selection};

use crate::config::inventory::{DeviceEntry, Platform};
use crate::config::manifest::Diags;
use crate::config::repo::Repo;
use crate::model::Desired;
use crate::model::leases::{LeaseRow, LeaseSet};
use crate::plan::{DevicePlan, PlanFile};
use crate::platform::http::{DeviceError, Logger};
use run::finish;
use std::path::{Path, PathBuf};

/// Why a repository without devices is refused.
pub const NO_DEVICES: &str = "the inventory declares no device: nothing to check, which is never \
                              reported as success";

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
    #[error("{NO_DEVICES}")]
    #[diagnostic(help(
        "add devices under `devices:` in dhcpform.yaml (a truncated or empty inventory is never \
         read as \"no changes\"); `dhcpform validate --allow-empty` accepts one while you set up"
    ))]
    NoDevices,
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
    #[error(
        "the repository's desired state changed since the plan was made, for {0}: nothing \
         applied"
    )]
    #[diagnostic(help(
        "plan again: what was reviewed is what runs, and what runs is what the repository says"
    ))]
    Diverged(String),
    #[error("the selection (--shard, --device, --exclude) matches no device of the saved plan")]
    #[diagnostic(help(
        "the plan holds {0}: apply it with the shard or devices it was planned for"
    ))]
    NoneOfPlan(String),
    #[error(
        "import --write refuses to write {0}: it is outside the repository (`desired:` has `..` \
         or is absolute)"
    )]
    #[diagnostic(help(
        "give the device a `desired:` path inside the repository, or run without \
         --write and save the output yourself"
    ))]
    OutsideRepository(String),
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

/// A repository loaded and validated, with the devices chosen for this run.
pub struct Engine {
    repo: Repo,
    selected: Vec<usize>,
    parallelism: usize,
    log: Option<Logger>,
}

impl Engine {
    /// Loads and validates the repository and selects the devices. The diagnostics come back
    /// either way (warnings too); an invalid repository is an error.
    ///
    /// A device whose desired file has errors fails alone (its plan says so); with a
    /// selection, only the inventory and the selected devices' files are reported and must be
    /// valid.
    pub fn load(dir: &Path, opts: Options) -> (Result<Engine, EngineError>, Diags) {
        let (repo, mut diags) = crate::config::repo::load_repo_isolated(dir);
        let Some(repo) = repo else {
            let errors = diags.errors();
            return (Err(EngineError::Invalid { errors }), diags);
        };
        if repo.devices.is_empty() {
            return (Err(EngineError::NoDevices), diags);
        }
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
                    Err(e) => return shared.failed(i, e.failure()),
                };
                let mut plan = {
                    let _permit = sem.acquire().await;
                    device.plan(mode).await
                };
                // the token is released beside the output, not before it
                shared.releases.release(device);
                shared.name_credentials(i, &mut plan);
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
    ) -> Result<Option<ClearOutcome>, EngineError> {
        let run = self.start().await?;
        let result = match run.selected.first() {
            None => Ok(Some(ClearOutcome::default())),
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
}

/// The checks of a saved plan before any device is contacted (format, checksum, fields, and
/// every call one its device's backend makes).
pub fn verify_saved(plan: &PlanFile) -> Result<(), crate::plan::saved::SavedPlanError> {
    crate::plan::saved::verify(plan, &crate::platform::allowed)
}

/// What `leases clear` did: the clear calls made, and the addresses it did not send one for
/// (from the bindings it read first).
#[derive(Debug, Default)]
pub struct ClearOutcome {
    pub results: Vec<Cleared>,
    /// Addresses no binding holds: nothing to clear.
    pub absent: Vec<std::net::Ipv4Addr>,
    /// Manual bindings (configuration, not leases): address and pool.
    pub manual: Vec<(std::net::Ipv4Addr, String)>,
    /// `--all` found no automatic binding.
    pub none_automatic: bool,
}

/// Reads the bindings, sorts out what cannot be cleared (no binding, a manual binding), asks
/// about the rest, and clears it. Nothing is sent when nothing is left to clear.
async fn clear_confirmed(
    device: &dyn Device,
    what: &Clear,
    confirm: &mut dyn FnMut(&[LeaseRow]) -> bool,
) -> Result<Option<ClearOutcome>, EngineError> {
    use crate::model::leases::BindingKind;
    device.can_clear(what)?;
    let set = device.leases().await?;
    let mut out = ClearOutcome::default();
    let (doomed, what): (Vec<LeaseRow>, Clear) = match what {
        Clear::All => {
            let auto: Vec<LeaseRow> = set
                .leases
                .into_iter()
                .filter(|l| l.kind == BindingKind::Automatic)
                .collect();
            out.none_automatic = auto.is_empty();
            (auto, Clear::All)
        }
        Clear::Ips(ips) => {
            let mut rows = Vec::new();
            let mut left = Vec::new();
            for ip in ips {
                match set.leases.iter().find(|l| l.ip == ip.to_string()) {
                    None => out.absent.push(*ip),
                    Some(l) if l.kind == BindingKind::Manual => {
                        out.manual.push((*ip, l.pool.clone()));
                    }
                    Some(l) => {
                        rows.push(l.clone());
                        left.push(*ip);
                    }
                }
            }
            (rows, Clear::Ips(left))
        }
    };
    if doomed.is_empty() {
        return Ok(Some(out));
    }
    if !confirm(&doomed) {
        return Ok(None);
    }
    out.results = device.clear(&what).await?;
    Ok(Some(out))
}
