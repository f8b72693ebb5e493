//! The device emulator: a real HTTP server (axum) speaking the IOS XE DHCP REST API and the
//! F5 XC DHCP leases API as docs/device-apis.md describes them, with seeds, persistence, a request
//! journal, fault injection and a fleet mode. Used by tests, benchmarks and `sim://` devices.
// Handlers return ready-made HTTP answers as their error values.
#![allow(clippy::result_large_err)]

mod f5;
mod ios;
mod state;
mod wire;

pub use state::{DeviceSeed, F5Site, SimState};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The journal keeps the newest entries up to this many (a long-running `sim serve`).
pub const JOURNAL_CAP: usize = 100_000;

/// Name of the device served at the root (`/api/...`) of a sim server.
pub const ROOT_DEVICE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot load the TLS certificate {cert} and key {key}: {source}")]
    Tls {
        cert: PathBuf,
        key: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read emulator state {path}: {source}")]
    ReadState {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("emulator state {path} is not valid: {message}")]
    BadState { path: PathBuf, message: String },
}

/// Where state is kept between runs.
#[derive(Debug, Clone, Default)]
pub enum Persist {
    #[default]
    Memory,
    /// One JSON file holding every device (`sim serve --state FILE`).
    File(PathBuf),
    /// One JSON file per device in `dir` (`sim://` devices), seeded on first use from
    /// `seed_dir/NAME.json` when that exists.
    PerDevice { dir: PathBuf, seed_dir: PathBuf },
}

/// Faults for tests. Applied to `/api/` requests only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Faults {
    pub latency_ms: u64,
    /// Share of requests answered 429 (with Retry-After) or 503, before any processing.
    pub fault_rate: f64,
    /// Seconds sent in Retry-After with 429 answers.
    pub retry_after: u64,
    /// The Nth write (POST/PUT/DELETE under /api/v1/dhcp, counted from 1 over the server's
    /// life) fails with 500 and changes nothing.
    pub fail_write: Option<u64>,
    /// The Nth write is carried out, then answered 504 as if the answer was lost on the way.
    pub lose_answer: Option<u64>,
    /// Share of requests answered 500 before any processing.
    pub error_rate: f64,
    /// Share of requests whose connection is cut before any processing (journal status 0).
    pub reset_rate: f64,
    /// Share of requests held `timeout-ms` and then answered 504 without processing (a
    /// client with a shorter timeout sees a timeout).
    pub timeout_rate: f64,
    pub timeout_ms: u64,
    /// GETs of this path (below the device's base URL, e.g. `/api/v1/dhcp/active/bindings`)
    /// answer 500.
    pub fail_get: Option<String>,
    /// Seed of the fault dice, for repeatable runs.
    pub seed: Option<u64>,
    /// The next PUT of an F5 XC `network_interface` finds it written by someone else just
    /// before (its version moved on), as a racing edit would: the PUT is refused with 409.
    pub race_put: bool,
    /// After the Nth GET of an F5 XC `network_interface` (counted from 1), its DHCP server
    /// gains a reservation, as an edit made by someone else between two reads would.
    pub edit_after_read: Option<u64>,
}

/// What the fault dice decided for one request, before any processing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Status(u16),
    Reset,
    Timeout(u64),
}

/// A certificate chain and its private key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Behaviours real devices of this API family are known to show, off by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Quirks {
    /// The token service answers 201 instead of 200 (early images).
    pub token_201: bool,
    /// Answers carry defaults never sent as `null` or the string `"None"`, and fields no
    /// document describes.
    pub none_values: bool,
    /// `GET /api/v1/dhcp` and `GET /api/v1/dhcp/pool` answer a plain 404 while DHCP was never
    /// configured (server at its defaults, no pool).
    pub unconfigured_404: bool,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub user: String,
    pub password: String,
    pub api_token: String,
    pub faults: Faults,
    pub quirks: Quirks,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Devices under `/devices/<name>/` are created empty on first use, up to this many.
    pub fleet: Option<usize>,
    pub persist: Persist,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            user: "admin".into(),
            password: "admin".into(),
            api_token: "sim-token".into(),
            faults: Faults::default(),
            quirks: Quirks::default(),
            tls: None,
            fleet: None,
            persist: Persist::Memory,
        }
    }
}

/// One request as the emulator saw it. Never holds credentials: headers are not recorded, and
/// the token service's answer body is left out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    pub device: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

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

/// Credentials a device accepts.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub user: Option<String>,
    pub password: Option<String>,
    pub api_token: Option<String>,
}

#[derive(Clone)]
pub struct Sim {
    inner: Arc<Mutex<Inner>>,
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

/// The answer to a request the fault dice struck (nothing was processed).
fn fault_response(fault: Fault, retry_after: u64) -> Response {
    match fault {
        Fault::Status(429) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, 429, "too many requests");
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        Fault::Status(503) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            503,
            "service temporarily unavailable",
        ),
        Fault::Status(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "internal error (injected fault)",
        ),
        Fault::Timeout(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            504,
            "gateway timeout (injected fault: not processed)",
        ),
        Fault::Reset => {
            // a body that fails at once: the server cuts the connection mid-answer
            let broken = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("injected reset"))
            });
            let mut r = Response::new(axum::body::Body::from_stream(broken));
            *r.status_mut() = StatusCode::OK;
            r
        }
    }
}

/// Rolls the fault dice for one request.
fn roll_fault(rng: &mut fastrand::Rng, f: &Faults) -> Option<Fault> {
    let mut roll = |rate: f64| rate > 0.0 && rng.f64() < rate;
    if roll(f.fault_rate) {
        return Some(Fault::Status(if rng.bool() { 429 } else { 503 }));
    }
    if roll(f.error_rate) {
        return Some(Fault::Status(500));
    }
    if roll(f.reset_rate) {
        return Some(Fault::Reset);
    }
    if roll(f.timeout_rate) {
        return Some(Fault::Timeout(f.timeout_ms));
    }
    None
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
        })
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
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string();
        let scheme = if self.lock().opts.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let base = format!("{scheme}://{host}{prefix}");
        if rest.first() == Some(&"_sim") {
            return self.admin(&method, &device, &rest[1..], &body);
        }
        if rest.first() != Some(&"api") {
            return error(
                StatusCode::NOT_FOUND,
                404,
                &format!("no resource at {path}"),
            );
        }
        // Faults and latency, outside the lock.
        let (latency, fault, retry_after) = {
            let mut inner = self.lock();
            let f = inner.opts.faults.clone();
            let fault = roll_fault(&mut inner.rng, &f);
            (f.latency_ms, fault, f.retry_after)
        };
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if let Some(Fault::Timeout(ms)) = fault {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let fault = fault.or_else(|| {
            let failing = self.lock().opts.faults.fail_get.clone()?;
            let here = format!("/{}", rest.join("/"));
            (method == Method::GET && here == failing).then_some(Fault::Status(500))
        });
        let rel_path = match uri.query() {
            Some(q) => format!("/{}?{q}", rest.join("/")),
            None => format!("/{}", rest.join("/")),
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
                inner.dispatch(&req)
            }
        };
        let token_answer =
            rest.get(1..4) == Some(&["v1", "auth", "token-services"][..]) && method == Method::POST;
        if inner.journal.len() >= JOURNAL_CAP {
            inner.journal.drain(..JOURNAL_CAP / 10);
        }
        inner.journal.push(JournalEntry {
            device,
            method: method.to_string(),
            path: rel_path,
            status: if fault == Some(Fault::Reset) {
                0
            } else {
                response.status().as_u16()
            },
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

/// An IOS XE style error answer.
pub(crate) fn error(status: StatusCode, code: u16, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error-code": code, "error-message": message })),
    )
        .into_response()
}
