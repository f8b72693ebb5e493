//! A run under way: the state device tasks share, the embedded emulator, and the ordered
//! runner that works on devices concurrently and hands results on in selection order.

use super::sim::start_sim;
use super::{Engine, EngineError, connect};
use crate::config::inventory::{DeviceEntry, Endpoint};
use crate::config::repo::Repo;
use crate::model::Platform;
use crate::plan::{DevicePlan, ErrorKind, Failure};
use crate::platform::Device;
use crate::platform::exec::Stop;
use crate::platform::http::{DeviceError, HttpCache, Logger};
use crate::sim::SimHandle;
use futures::StreamExt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What the device tasks share while a run is under way.
pub(super) struct Shared {
    pub(super) repo: Repo,
    pub(super) http: HttpCache,
    pub(super) log: Option<Logger>,
    pub(super) sim: Option<SocketAddr>,
    pub(super) releases: Releases,
}

/// Sessions being ended (IOS XE tokens released): each right after its device's last call, at
/// most `parallelism` at once, off the output's path; the run waits for them when it stops.
pub(super) struct Releases {
    sem: Arc<Semaphore>,
    tasks: std::sync::Mutex<tokio::task::JoinSet<()>>,
}

impl Releases {
    pub(super) fn new(parallelism: usize) -> Releases {
        Releases {
            sem: Arc::new(Semaphore::new(parallelism.max(1))),
            tasks: std::sync::Mutex::new(tokio::task::JoinSet::new()),
        }
    }

    /// Ends the device's session in the background.
    pub(super) fn release(&self, device: Box<dyn Device>) {
        let sem = self.sem.clone();
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        // finished releases are reaped as new ones come: the set stays as small as the work
        while tasks.try_join_next().is_some() {}
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            finish(device.as_ref()).await;
        });
    }

    /// Waits for every release under way.
    pub(super) async fn wait(&self) {
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        while tasks.join_next().await.is_some() {}
    }
}

/// A run under way: the shared state and the embedded emulator, stopped by `stop`.
pub(super) struct Running {
    pub(super) stop: Arc<Stop>,
    pub(super) shared: Arc<Shared>,
    pub(super) sim: Option<SimHandle>,
    pub(super) sem: Arc<Semaphore>,
    pub(super) parallelism: usize,
    pub(super) selected: Vec<usize>,
}

impl Engine {
    /// Starts the embedded emulator when a selected device is `sim://`.
    pub(super) async fn start(self) -> Result<Running, EngineError> {
        let sims: Vec<&DeviceEntry> = self
            .entries()
            .filter(|e| matches!(e.endpoint, Endpoint::Sim(_)))
            .collect();
        let handle = if sims.is_empty() {
            None
        } else {
            Some(start_sim(&self.repo.inventory, &sims).await?)
        };
        let per_host = self.repo.inventory.settings.per_host_limit;
        let shared = Shared {
            repo: self.repo,
            http: HttpCache::new(per_host),
            log: self.log,
            sim: handle.as_ref().map(|h| h.addr),
            releases: Releases::new(self.parallelism),
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
}

/// What a failed device task said: its panic message when it panicked.
pub(super) fn join_error_text(e: tokio::task::JoinError) -> String {
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

/// Ends a device's session: the one place tokens are released.
pub(super) async fn finish(device: &dyn Device) {
    device.close().await;
}

impl Shared {
    pub(super) fn name(&self, i: usize) -> String {
        self.repo
            .devices
            .get(i)
            .map(|(e, _)| e.name.clone())
            .unwrap_or_default()
    }

    pub(super) fn client(&self, entry: &DeviceEntry) -> Result<connect::Client, DeviceError> {
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
    pub(super) fn bind_device(&self, i: usize) -> Result<Box<dyn Device>, DeviceError> {
        let Some((entry, desired)) = self.repo.devices.get(i) else {
            return Err(DeviceError::Setup {
                device: String::new(),
                message: format!("no device at position {i}"),
            });
        };
        let client = self.client(entry)?;
        connect::bind(entry, desired, client, self.repo.inventory.settings.safety)
    }

    /// A plan that failed on authentication names the variables its credentials came from.
    pub(super) fn name_credentials(&self, i: usize, plan: &mut DevicePlan) {
        let Some((entry, _)) = self.repo.devices.get(i) else {
            return;
        };
        let Some(e) = plan.error.as_mut().filter(|e| e.kind == ErrorKind::Auth) else {
            return;
        };
        let vars: Vec<&str> = connect::credential_vars(entry)
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        if !vars.is_empty() {
            e.hint = Some(format!(
                "the device refused the credentials: check the values of {} (the inventory's \
                 `auth:` names them) and the account's rights on the device",
                vars.join(" and ")
            ));
        }
    }

    pub(super) fn failed(&self, i: usize, message: Failure) -> DevicePlan {
        match self.repo.devices.get(i) {
            Some((e, _)) => DevicePlan::failed(&e.name, e.platform, message),
            None => DevicePlan::failed("", Platform::IosXe, message),
        }
    }

    pub(super) fn internal_failure(&self, i: usize, why: &str) -> DevicePlan {
        self.failed(
            i,
            Failure::new(
                ErrorKind::Setup,
                format!("internal error while planning this device: {why}"),
            ),
        )
    }
}

impl Running {
    /// Waits for the sessions still being ended, then stops the embedded emulator.
    pub(super) async fn stop(self) {
        self.shared.releases.wait().await;
        if let Some(h) = self.sim {
            h.shutdown().await;
        }
    }

    /// Runs `work` for every selected device, at most `parallelism` holding the semaphore at
    /// once, and hands results to `sink` in selection order as soon as they are in order. At
    /// most a few windows of finished results wait for a slow device before it.
    pub(super) async fn ordered<T, F, Fut>(
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
}
