//! The device emulator: a real HTTP server (axum) speaking the IOS XE DHCP REST API and the
//! F5 XC DHCP leases API as docs/device-apis.md describes them, with seeds, persistence, a request
//! journal, fault injection and a fleet mode. Used by tests, benchmarks and `sim://` devices.
// Handlers return ready-made HTTP answers as their error values.
#![allow(clippy::result_large_err)]

mod f5;
mod ios;
mod state;
mod wire;

mod delay;
mod faults;
mod options;
mod rc_tree;
mod restconf;

pub(crate) use faults::error;
use faults::{fault_response, roll_fault};
use options::Fault;
pub use options::{
    Apis, Credentials, Faults, JournalEntry, Persist, Quirks, SimError, SimOptions, TlsFiles,
};
pub use state::{DeviceSeed, F5Site, SimState};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The journal keeps the newest entries up to this many (a long-running `sim serve`).
pub const JOURNAL_CAP: usize = 100_000;

/// Name of the device served at the root (`/api/...`) of a sim server.
pub const ROOT_DEVICE: &str = "default";

pub(crate) struct Inner {
    pub opts: SimOptions,
    pub devices: BTreeMap<String, state::DeviceSim>,
    pub journal: Vec<JournalEntry>,
    pub writes: u64,
    /// Reads of F5 XC `network_interface` objects so far.
    pub iface_reads: u64,
    pub rng: fastrand::Rng,
    pub token_seq: u64,
    /// Per-device credentials that replace the defaults (`sim://` devices naming their own).
    pub creds: BTreeMap<String, Credentials>,
}

#[derive(Clone)]
pub struct Sim {
    inner: Arc<Mutex<Inner>>,
    load: Arc<Load>,
}

/// Device API requests being served at once, and the most seen (`GET /_sim/load`): what a
/// client's per-host limit is checked against.
#[derive(Debug, Default)]
struct Load {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// One request in flight; leaving it (the answer built) counts it out.
struct InFlight<'a>(&'a Load);

impl Load {
    fn enter(&self) -> InFlight<'_> {
        use std::sync::atomic::Ordering::SeqCst;
        let n = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(n, SeqCst);
        InFlight(self)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A running emulator. Dropping it does not stop the server; call `shutdown`.
pub struct SimHandle {
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    pub sim: Sim,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// Base URL of the device served at the root.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }
    /// Base URL of a named device (fleet or per-device mode).
    pub fn device_url(&self, name: &str) -> String {
        format!("{}://{}/devices/{name}", self.scheme, self.addr)
    }
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// Path segments, percent-decoded as a web server hands them to the application.
fn decode_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// Runs an emulator until Ctrl-C; `ready` gets its base URL once it listens.
pub async fn serve_until_interrupted(
    opts: SimOptions,
    addr: SocketAddr,
    ready: &mut dyn FnMut(&str),
) -> Result<(), SimError> {
    let handle = Sim::new(opts)?.start(addr).await?;
    ready(&handle.url());
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(())
}

impl Sim {
    pub fn new(opts: SimOptions) -> Result<Sim, SimError> {
        let mut devices = BTreeMap::new();
        if let Persist::File(path) = &opts.persist
            && path.exists()
        {
            let text = std::fs::read_to_string(path).map_err(|source| SimError::ReadState {
                path: path.clone(),
                source,
            })?;
            let st: SimState = serde_json::from_str(&text).map_err(|e| {
                let seed_like = serde_json::from_str::<DeviceSeed>(&text).is_ok();
                let hint = if seed_like {
                    "; it looks like one device's seed (the sim/NAME.json form): a state file \
                     holds {\"devices\": {\"NAME\": <seed>}}"
                } else {
                    "; a state file holds {\"devices\": {\"NAME\": <seed>}}"
                };
                SimError::BadState {
                    path: path.clone(),
                    message: format!("{e}{hint} (the file is left as it is)"),
                }
            })?;
            for (name, seed) in st.devices {
                let dev =
                    state::DeviceSim::from_seed(&seed).map_err(|message| SimError::BadState {
                        path: path.clone(),
                        message: format!("device {name}: {message}"),
                    })?;
                devices.insert(name, dev);
            }
        }
        let rng = match opts.faults.seed {
            Some(s) => fastrand::Rng::with_seed(s),
            None => fastrand::Rng::new(),
        };
        Ok(Sim {
            inner: Arc::new(Mutex::new(Inner {
                opts,
                devices,
                journal: Vec::new(),
                writes: 0,
                iface_reads: 0,
                rng,
                token_seq: 0,
                creds: BTreeMap::new(),
            })),
            load: Arc::new(Load::default()),
        })
    }

    /// The most device API requests served at once since the start (or the last reset).
    pub fn peak_in_flight(&self) -> usize {
        self.load.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn reset_peak(&self) {
        self.load.peak.store(0, std::sync::atomic::Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock would poison it; the state is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces a device from a seed.
    pub fn seed_device(&self, name: &str, seed: &DeviceSeed) -> Result<(), String> {
        let dev = state::DeviceSim::from_seed(seed)?;
        let mut inner = self.lock();
        inner.devices.insert(name.to_string(), dev);
        inner.persist(name);
        Ok(())
    }

    /// Makes one device accept other credentials than the server's defaults.
    pub fn set_credentials(&self, device: &str, creds: Credentials) {
        self.lock().creds.insert(device.to_string(), creds);
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal.clone()
    }

    pub fn clear_journal(&self) {
        self.lock().journal.clear();
    }

    pub fn set_faults(&self, faults: Faults) {
        let mut inner = self.lock();
        if let Some(s) = faults.seed {
            inner.rng = fastrand::Rng::with_seed(s);
        }
        inner.opts.faults = faults;
    }

    pub fn set_quirks(&self, quirks: Quirks) {
        self.lock().opts.quirks = quirks;
    }

    /// The state of a device in seed form, if it exists.
    pub fn device_state(&self, name: &str) -> Option<DeviceSeed> {
        self.lock().devices.get(name).map(state::DeviceSim::to_seed)
    }

    /// Binds and serves on `addr` in the current tokio runtime.
    pub async fn start(self, addr: SocketAddr) -> Result<SimHandle, SimError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SimError::Bind { addr, source })?;
        let sim = self.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let sim = sim.clone();
                async move { sim.handle(method, uri, headers, body).await }
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let tls = self.lock().opts.tls.clone();
        let task = match tls {
            None => tokio::spawn(async move {
                use axum::serve::ListenerExt;
                // answers go out at once, not held back by Nagle's algorithm
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await;
            }),
            Some(files) => {
                let config =
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                        .await
                        .map_err(|source| SimError::Tls {
                            cert: files.cert.clone(),
                            key: files.key.clone(),
                            source,
                        })?;
                let std_listener = listener
                    .into_std()
                    .map_err(|source| SimError::Bind { addr, source })?;
                let server = axum_server::tls_rustls::from_tcp_rustls(std_listener, config)
                    .map_err(|source| SimError::Bind { addr, source })?;
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    let _ = rx.await;
                    stopper.graceful_shutdown(Some(Duration::from_secs(1)));
                });
                tokio::spawn(async move {
                    let _ = server.handle(handle).serve(app.into_make_service()).await;
                })
            }
        };
        let scheme = if self.lock().opts.tls.is_some() {
            "https"
        } else {
            "http"
        };
        Ok(SimHandle {
            addr: local,
            scheme,
            sim: self,
            stop: Some(tx),
            task,
        })
    }

    /// The base URL a device is reached at, as the request named the host.
    fn base_url(&self, headers: &HeaderMap, prefix: &str) -> String {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if self.lock().opts.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}{prefix}")
    }

    async fn handle(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let path = uri.path().to_string();
        let decoded = decode_path(&path);
        let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let (device, prefix, rest): (String, String, Vec<&str>) = match segs.as_slice() {
            ["devices", name, rest @ ..] => (
                (*name).to_string(),
                format!("/devices/{name}"),
                rest.to_vec(),
            ),
            rest => (ROOT_DEVICE.to_string(), String::new(), rest.to_vec()),
        };
        let base = self.base_url(&headers, &prefix);
        if rest.first() == Some(&"_sim") {
            return self.admin(&method, &device, &rest[1..], &body);
        }
        let apis = self.lock().opts.apis;
        let restconf = rest.first() == Some(&"restconf") && apis.restconf;
        let ios_rest = rest.get(..2) == Some(&["api", "v1"][..]);
        if (rest.first() != Some(&"api") && !restconf) || (ios_rest && !apis.rest) {
            return error(
                StatusCode::NOT_FOUND,
                404,
                &format!("no resource at {path}"),
            );
        }
        let _in_flight = self.load.enter();
        // Faults and latency, outside the lock.
        let (latency, fault, retry_after) = {
            let mut inner = self.lock();
            let f = inner.opts.faults.clone();
            let fault = roll_fault(&mut inner.rng, &f);
            (f.latency_ms, fault, f.retry_after)
        };
        if latency > 0 {
            delay::sleep(Duration::from_millis(latency)).await;
        }
        if let Some(Fault::Timeout(ms)) = fault {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let fault = fault.or_else(|| {
            let failing = self.lock().opts.faults.fail_get.clone()?;
            let here = format!("/{}", rest.join("/"));
            (method == Method::GET && here == failing).then_some(Fault::Status(500))
        });
        // RESTCONF paths are journaled as sent (keys stay percent-encoded, as a path checker
        // reads them); the REST API's decoded
        let rel = if restconf {
            path.strip_prefix(&prefix).unwrap_or(&path).to_string()
        } else {
            format!("/{}", rest.join("/"))
        };
        let rel_path = match uri.query() {
            Some(q) => format!("{rel}?{q}"),
            None => rel,
        };
        let body_json = if body.is_empty() {
            None
        } else {
            wire::body_json(&String::from_utf8_lossy(&body)).ok()
        };
        let mut inner = self.lock();
        let response = match fault {
            Some(f) => fault_response(f, retry_after),
            None => {
                let req = ios::Request {
                    method: &method,
                    device: &device,
                    rest: &rest[1..],
                    query: uri.query(),
                    headers: &headers,
                    body: &body,
                    base: &base,
                };
                if restconf {
                    inner.restconf(&req)
                } else {
                    inner.dispatch(&req)
                }
            }
        };
        let token_answer =
            rest.get(1..4) == Some(&["v1", "auth", "token-services"][..]) && method == Method::POST;
        let status = if response.extensions().get::<faults::Cut>().is_some() {
            0
        } else {
            response.status().as_u16()
        };
        inner.record(JournalEntry {
            device,
            method: method.to_string(),
            path: rel_path,
            status,
            body: if token_answer { None } else { body_json },
        });
        response
    }

    fn admin(&self, method: &Method, device: &str, rest: &[&str], body: &Bytes) -> Response {
        let mut inner = self.lock();
        let body_json: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or(Value::Null)
        };
        match (method.as_str(), rest) {
            ("GET", ["journal"]) => axum::Json(&inner.journal).into_response(),
            ("DELETE", ["journal"]) => {
                inner.journal.clear();
                StatusCode::NO_CONTENT.into_response()
            }
            ("PUT", ["faults"]) => match serde_json::from_value::<Faults>(body_json) {
                Ok(f) if !(0.0..=1.0).contains(&f.fault_rate) => error(
                    StatusCode::BAD_REQUEST,
                    400,
                    &format!("fault-rate {} is not a share from 0 to 1", f.fault_rate),
                ),
                Ok(f) => {
                    if let Some(s) = f.seed {
                        inner.rng = fastrand::Rng::with_seed(s);
                    }
                    inner.opts.faults = f;
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(e) => error(StatusCode::BAD_REQUEST, 400, &format!("faults: {e}")),
            },
            ("PUT", ["quirks"]) => match serde_json::from_value::<Quirks>(body_json) {
                Ok(q) => {
                    inner.opts.quirks = q;
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(e) => error(StatusCode::BAD_REQUEST, 400, &format!("quirks: {e}")),
            },
            ("GET", ["state"]) => match inner.device(device) {
                Ok(d) => axum::Json(d.to_seed()).into_response(),
                Err(r) => r,
            },
            ("POST", ["expire-tokens"]) => match inner.device(device) {
                Ok(d) => {
                    d.tokens.clear();
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(r) => r,
            },
            ("POST", ["clients"]) => {
                let r = match inner.device(device) {
                    Ok(d) => d.take_leases(&body_json),
                    Err(r) => return r,
                };
                if r.status().is_success() {
                    inner.persist(device);
                }
                r
            }
            _ => error(
                StatusCode::NOT_FOUND,
                404,
                "unknown emulator admin resource",
            ),
        }
    }
}

impl Inner {
    /// Adds a journal entry, dropping the oldest tenth when the journal is full.
    fn record(&mut self, entry: JournalEntry) {
        if self.journal.len() >= JOURNAL_CAP {
            self.journal.drain(..JOURNAL_CAP / 10);
        }
        self.journal.push(entry);
    }

    /// The device, created on first use when the mode allows it.
    pub(crate) fn device(&mut self, name: &str) -> Result<&mut state::DeviceSim, Response> {
        if !self.devices.contains_key(name) {
            let created = match &self.opts.persist {
                Persist::PerDevice { dir, seed_dir } => Some(load_per_device(dir, seed_dir, name)),
                _ if name == ROOT_DEVICE => Some(Ok(state::DeviceSim::default())),
                _ => match self.opts.fleet {
                    Some(n) if self.devices.len() < n => Some(Ok(state::DeviceSim::default())),
                    Some(n) => {
                        return Err(error(
                            StatusCode::NOT_FOUND,
                            404,
                            &format!("the fleet is full ({n} devices)"),
                        ));
                    }
                    None => None,
                },
            };
            match created {
                Some(Ok(d)) => {
                    self.devices.insert(name.to_string(), d);
                    // a device seeded on first use keeps that state (its leases) from now on
                    self.persist(name);
                }
                Some(Err(msg)) => return Err(error(StatusCode::INTERNAL_SERVER_ERROR, 500, &msg)),
                None => {
                    return Err(error(
                        StatusCode::NOT_FOUND,
                        404,
                        &format!("no device {name}"),
                    ));
                }
            }
        }
        self.devices
            .get_mut(name)
            .ok_or_else(|| error(StatusCode::NOT_FOUND, 404, "no device"))
    }

    pub(crate) fn persist(&self, name: &str) {
        match &self.opts.persist {
            Persist::Memory => {}
            Persist::File(path) => {
                let st = SimState {
                    devices: self
                        .devices
                        .iter()
                        .map(|(n, d)| (n.clone(), d.to_seed()))
                        .collect(),
                };
                write_atomic(path, &st);
            }
            Persist::PerDevice { dir, .. } => {
                if let Some(d) = self.devices.get(name) {
                    write_atomic(&dir.join(format!("{name}.json")), &d.to_seed());
                }
            }
        }
    }
}

fn load_per_device(
    dir: &std::path::Path,
    seed_dir: &std::path::Path,
    name: &str,
) -> Result<state::DeviceSim, String> {
    let own = dir.join(format!("{name}.json"));
    let seed = seed_dir.join(format!("{name}.json"));
    let path = if own.exists() {
        own
    } else if seed.exists() {
        seed
    } else {
        return Ok(state::DeviceSim::default());
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let seed: DeviceSeed = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a device seed: {e}", path.display()))?;
    state::DeviceSim::from_seed(&seed).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_atomic<T: Serialize>(path: &std::path::Path, value: &T) {
    let Ok(text) = serde_json::to_string_pretty(value) else {
        return;
    };
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let tmp = path.with_extension("json.tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}
