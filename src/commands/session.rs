//! What every device command shares: loading and validating the repository, selecting devices
//! (globs, shards), starting the embedded emulator for `sim://` devices, building clients,
//! reading and planning devices concurrently up to `parallelism`.

use super::{Exit, print_diags};
use crate::cli::{Global, Select};
use crate::device::http::{DeviceError, Logger};
use crate::device::{self, Client};
use crate::inventory::{DeviceEntry, Endpoint, Platform};
use crate::plan::{self, DevicePlan, Policy};
use crate::sim::{Credentials, Persist, Sim, SimHandle, SimOptions};
use crate::validate::{Desired, Repo};
use std::path::Path;
use std::sync::Arc;

pub struct Session {
    pub repo: Repo,
    pub sim: Option<SimHandle>,
    pub log: Option<Logger>,
    pub parallelism: usize,
    pub global: Global,
    pub http: crate::device::http::HttpCache,
}

/// A device chosen for this run.
pub struct Target<'a> {
    pub entry: &'a DeviceEntry,
    pub desired: &'a Desired,
}

impl Session {
    /// Loads and validates the repository; invalid files end the run (exit 1) with diagnostics.
    pub async fn open(global: &Global, dir: &Path) -> Result<Session, Exit> {
        let (repo, diags) = crate::validate::load_repo(dir);
        print_diags(global, &diags);
        let Some(repo) = repo else {
            eprintln!(
                "invalid: {} error(s); fix them first (dhcpform validate)",
                diags.errors()
            );
            return Err(Exit::Error);
        };
        for (d, _) in &repo.devices {
            if d.tls.insecure_skip_verify {
                eprintln!(
                    "warning: device {}: TLS certificate verification is off (tls.insecure-skip-verify)",
                    d.name
                );
            }
        }
        let log: Option<Logger> = global
            .verbose
            .then(|| Arc::new(|line: &str| eprintln!("{line}")) as Logger);
        let parallelism = global
            .parallelism
            .unwrap_or(repo.inventory.settings.parallelism)
            .max(1);
        Ok(Session {
            repo,
            sim: None,
            log,
            parallelism,
            global: global.clone(),
            http: Default::default(),
        })
    }

    /// Opens the repository, selects the devices and starts the emulator they need. Every
    /// failure is reported here and becomes the exit code.
    pub async fn open_selected(
        global: &Global,
        dir: &Path,
        select: &Select,
    ) -> Result<(Session, Vec<usize>), Exit> {
        let mut session = Session::open(global, dir).await?;
        let fail = |e: String| {
            eprintln!("error: {e}");
            Exit::Error
        };
        let selected = session.select(select).map_err(fail)?;
        let entries: Vec<DeviceEntry> = selected
            .iter()
            .map(|i| session.repo.devices[*i].0.clone())
            .collect();
        session.start_sim(&entries).await.map_err(fail)?;
        Ok((session, selected))
    }

    /// The selected devices (indices into `repo.devices`), by name, after globs and sharding.
    pub fn select(&self, select: &Select) -> Result<Vec<usize>, String> {
        let build = |pats: &[String]| -> Result<Option<globset::GlobSet>, String> {
            if pats.is_empty() {
                return Ok(None);
            }
            let mut b = globset::GlobSetBuilder::new();
            for p in pats {
                b.add(globset::Glob::new(p).map_err(|e| format!("bad device pattern `{p}`: {e}"))?);
            }
            b.build().map(Some).map_err(|e| e.to_string())
        };
        let include = build(&select.devices)?;
        let exclude = build(&select.excludes)?;
        let devices = &self.repo.devices;
        let mut out: Vec<usize> = (0..devices.len())
            .filter(|i| {
                let name = &devices[*i].0.name;
                include.as_ref().is_none_or(|g| g.is_match(name))
                    && exclude.as_ref().is_none_or(|g| !g.is_match(name))
                    && self
                        .global
                        .shard
                        .is_none_or(|(i, n)| shard_of(name, n) == i)
            })
            .collect();
        out.sort_by(|a, b| devices[*a].0.name.cmp(&devices[*b].0.name));
        if out.is_empty() && !select.devices.is_empty() {
            return Err(format!("no device matches {}", select.devices.join(", ")));
        }
        Ok(out)
    }

    pub fn targets(&self, selected: &[usize]) -> Vec<Target<'_>> {
        selected
            .iter()
            .filter_map(|i| self.repo.devices.get(*i))
            .map(|(entry, desired)| Target { entry, desired })
            .collect()
    }

    /// Starts the embedded emulator when a selected device is `sim://`.
    pub async fn start_sim(&mut self, entries: &[DeviceEntry]) -> Result<(), String> {
        let sims: Vec<(&DeviceEntry, &str)> = entries
            .iter()
            .filter_map(|e| match &e.endpoint {
                Endpoint::Sim(n) => Some((e, n.as_str())),
                Endpoint::Http(_) => None,
            })
            .collect();
        if sims.is_empty() || self.sim.is_some() {
            return Ok(());
        }
        let root = &self.repo.inventory.root;
        let opts = SimOptions {
            persist: Persist::PerDevice {
                dir: root.join(".dhcpform/sim"),
                seed_dir: root.join("sim"),
            },
            ..SimOptions::default()
        };
        let sim = Sim::new(opts).map_err(|e| e.to_string())?;
        for (entry, name) in &sims {
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
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        self.sim = Some(sim.start(addr).await.map_err(|e| e.to_string())?);
        Ok(())
    }

    pub fn client(&self, entry: &DeviceEntry) -> Result<Client, DeviceError> {
        let sim = &self.sim;
        let base = move |name: &str| sim.as_ref().map(|h| h.device_url(name));
        device::connect(
            entry,
            &self.repo.inventory.settings,
            &base,
            &self.http,
            self.log.clone(),
        )
    }

    pub async fn close(self) {
        if let Some(s) = self.sim {
            s.shutdown().await;
        }
    }

    /// Closes a shared session once every task has let go of it.
    pub async fn close_shared(session: Arc<Session>) {
        if let Ok(s) = Arc::try_unwrap(session) {
            s.close().await;
        }
    }

    pub fn semaphore(&self) -> tokio::sync::Semaphore {
        tokio::sync::Semaphore::new(self.parallelism)
    }
}

/// Stable shard (1-based) of a device name among `n`.
pub fn shard_of(name: &str, n: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(name.as_bytes());
    let v = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    (v % u64::from(n)) as u32 + 1
}

/// A device read and planned, with its client kept for apply.
pub struct Planned {
    pub plan: DevicePlan,
    pub client: Option<Client>,
}

pub fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::IosXe => "ios-xe",
        Platform::F5Xc => "f5-xc",
    }
}

/// Reads one device and plans it. `drift` adds the `expect:` checks (one more read).
pub async fn plan_device(session: &Session, t: &Target<'_>, force: bool, drift: bool) -> Planned {
    let e = t.entry;
    let failed = |msg: String| Planned {
        plan: DevicePlan::failed(&e.name, platform_name(e.platform), msg),
        client: None,
    };
    let client = match session.client(e) {
        Ok(c) => c,
        Err(err) => return failed(err.to_string()),
    };
    match (&client, t.desired) {
        (Client::IosXe(c), Desired::IosXe(l)) => {
            let live = match c.read().await {
                Ok(l) => l,
                Err(err) => {
                    c.logout().await;
                    return failed(err.to_string());
                }
            };
            let policy = Policy {
                prune: e.prune,
                protected: &e.protected_pools,
                safety: session.repo.inventory.settings.safety,
                force,
            };
            let mut plan = plan::plan_ios_xe(&e.name, &l.config, &live, &policy);
            if drift && let Some(max) = l.expect.max_utilization {
                match c.bindings().await {
                    Ok(b) => plan
                        .findings
                        .extend(crate::plan::expect::ios_utilization(&live, &b, max)),
                    Err(err) => plan.error = Some(err.to_string()),
                }
            }
            Planned {
                plan,
                client: Some(client),
            }
        }
        (Client::F5Xc(c), Desired::F5Xc(expect)) => match c.leases().await {
            Ok(leases) => {
                let mut plan = DevicePlan::empty(&e.name, "f5-xc");
                if drift {
                    plan.findings = crate::plan::expect::f5(&leases, expect);
                }
                Planned {
                    plan,
                    client: Some(client),
                }
            }
            Err(err) => failed(err.to_string()),
        },
        _ => failed("the desired file does not match the device's platform".into()),
    }
}

/// Plans every target concurrently (at most `parallelism` at once), in name order. Tokens are
/// released after planning unless `keep` (apply keeps them for the writes).
pub async fn plan_all(
    session: &Arc<Session>,
    selected: &[usize],
    force: bool,
    drift: bool,
    keep: bool,
) -> Vec<Planned> {
    // One task per device, so reading and planning use every core.
    let sem = Arc::new(session.semaphore());
    let progress = super::progress(&session.global, selected.len());
    let mut set = tokio::task::JoinSet::new();
    for (k, &i) in selected.iter().enumerate() {
        let (session, sem, progress) = (session.clone(), sem.clone(), progress.clone());
        set.spawn(async move {
            let Some((entry, desired)) = session.repo.devices.get(i) else {
                return (k, None);
            };
            let t = Target { entry, desired };
            let planned = {
                let _permit = sem.acquire().await;
                plan_device(&session, &t, force, drift).await
            };
            progress.inc(1);
            if !keep && let Some(Client::IosXe(c)) = &planned.client {
                c.logout().await;
            }
            (k, Some(planned))
        });
    }
    let mut out: Vec<Option<Planned>> = (0..selected.len()).map(|_| None).collect();
    while let Some(res) = set.join_next().await {
        if let Ok((k, Some(p))) = res {
            out[k] = Some(p);
        }
    }
    progress.finish_and_clear();
    out.into_iter()
        .zip(selected)
        .map(|(p, &i)| {
            p.unwrap_or_else(|| {
                let e = &session.repo.devices[i].0;
                Planned {
                    plan: DevicePlan::failed(
                        &e.name,
                        platform_name(e.platform),
                        "internal error while planning this device".into(),
                    ),
                    client: None,
                }
            })
        })
        .collect()
}
