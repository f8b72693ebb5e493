//! The HTTP layer shared by every device client: reqwest with rustls, per-request timeout,
//! retries with exponential backoff and jitter (backon) honouring `Retry-After`, redacted
//! request logs, and errors that name method, URL, status and the device's answer.

use crate::plan::{ErrorKind, Failure};
use backon::BackoffBuilder;
use reqwest::Method;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A secret that never shows in Debug or Display.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Receives `-v` request log lines (already redacted).
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum DeviceError {
    #[error("{method} {url}: cannot connect: {detail}")]
    #[diagnostic(help("check the device URL, that the device is up, and the network path to it"))]
    Connect {
        method: String,
        url: String,
        detail: String,
    },
    #[error("{method} {url}: TLS: the device's certificate is not trusted: {detail}")]
    #[diagnostic(help(
        "set tls.ca-file to the CA that signed the device's certificate, and check that the \
         URL's host is a name the certificate holds; for a router's self-signed certificate, \
         pin it instead: tls.pin-sha256 with the certificate's SHA-256"
    ))]
    Tls {
        method: String,
        url: String,
        detail: String,
    },
    #[error("{method} {url}: no answer within {secs}s (tried {tries} times)")]
    Timeout {
        method: String,
        url: String,
        secs: u64,
        tries: u32,
    },
    #[error("{method} {url}: device answered {status}{}", fmt_answer(.answer))]
    Status {
        method: String,
        url: String,
        status: u16,
        answer: String,
    },
    #[error("{method} {url}: the answer is not what the API document describes: {detail}")]
    BadAnswer {
        method: String,
        url: String,
        detail: String,
    },
    #[error("{method} {url}: device answered {status} redirecting to {location}; not followed")]
    #[diagnostic(help(
        "a device API does not redirect: check the device URL (scheme, host, port, path prefix)"
    ))]
    Redirect {
        method: String,
        url: String,
        status: u16,
        location: String,
    },
    #[error("{message}")]
    Setup { device: String, message: String },
    /// The device's desired file (or a profile it uses) has errors; it was not contacted.
    #[error("{message}")]
    InvalidFile { device: String, message: String },
}

fn fmt_answer(a: &str) -> String {
    if a.is_empty() {
        " (empty body)".into()
    } else {
        format!(": {a}")
    }
}

impl DeviceError {
    /// What kind of failure this is, for plan files and CI outputs.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeviceError::Connect { .. } | DeviceError::Timeout { .. } => ErrorKind::Connect,
            DeviceError::Tls { .. } => ErrorKind::Tls,
            DeviceError::Status {
                status: 401 | 403, ..
            } => ErrorKind::Auth,
            DeviceError::Status { .. }
            | DeviceError::BadAnswer { .. }
            | DeviceError::Redirect { .. } => ErrorKind::BadAnswer,
            DeviceError::Setup { .. } => ErrorKind::Setup,
            DeviceError::InvalidFile { .. } => ErrorKind::InvalidFile,
        }
    }

    /// The error as a typed failure, with its hint.
    pub fn failure(&self) -> Failure {
        use miette::Diagnostic;
        let mut f = Failure::new(self.kind(), self.to_string());
        f.hint = self.help().map(|h| h.to_string());
        f
    }

    /// The kind of a write's failure: a 4xx answer is the device refusing it.
    pub fn write_kind(&self) -> ErrorKind {
        match self.status() {
            Some(401 | 403) => ErrorKind::Auth,
            Some(s) if (400..500).contains(&s) => ErrorKind::Refused,
            _ => self.kind(),
        }
    }

    /// Whether a write that met this error may have been carried out: it left dhcpform and
    /// no clear refusal came back (no answer, a broken answer, a 5xx, or a 2xx that could not
    /// be read). A 4xx, a redirect, a refused connection or a TLS failure changed nothing.
    pub fn may_have_landed(&self) -> bool {
        match self {
            DeviceError::Status { status, .. } => *status >= 500,
            DeviceError::Timeout { .. } | DeviceError::BadAnswer { .. } => true,
            DeviceError::Connect { detail, .. } => {
                let d = detail.to_ascii_lowercase();
                !(d.contains("refused") || d.contains("dns error") || d.contains("lookup"))
            }
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            DeviceError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The HTTP method of a planned call.
pub fn method(m: crate::plan::Method) -> reqwest::Method {
    use crate::plan::Method as M;
    match m {
        M::Get => reqwest::Method::GET,
        M::Post => reqwest::Method::POST,
        M::Put => reqwest::Method::PUT,
        M::Patch => reqwest::Method::PATCH,
        M::Delete => reqwest::Method::DELETE,
    }
}

/// The largest answer body read: a DHCP configuration is far smaller; more is not the
/// resource asked for, and reading it whole would let a device exhaust memory.
pub const MAX_BODY: usize = 16 << 20;

/// What a request may be retried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, PUT, DELETE: connect errors, timeouts, 429, 502, 503, 504.
    Idempotent,
    /// POST: only when it cannot have been processed (429, 503, connection refused).
    Unsafe,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    /// The entity tag the device sent, if any (RESTCONF: for `If-Match` on a later write).
    pub etag: Option<String>,
    pub text: String,
}

impl Answer {
    /// The body as JSON (tolerating the document's JSON slips).
    pub fn json(&self, method: &str, url: &str) -> Result<Value, DeviceError> {
        super::lenient::parse_json_lenient(&self.text).map_err(|e| DeviceError::BadAnswer {
            method: method.into(),
            url: url.into(),
            detail: format!("not JSON ({e}): {}", excerpt(&self.text)),
        })
    }
}

use super::bodies::error_chain;
pub use super::bodies::{error_text, excerpt};

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub timeout: Duration,
    pub retries: u32,
    pub min_backoff: Duration,
    log: Option<Logger>,
    /// `Accept` and, on bodies, `Content-Type` (RESTCONF: `application/yang-data+json`).
    media: &'static str,
    /// The run's per-host limits (none: unlimited, a client made outside a run).
    hosts: Option<std::sync::Arc<super::hosts::HostLimits>>,
    /// A shorter timeout than the client's, for calls nobody waits on.
    short: Option<Duration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsOptions {
    pub ca_pem: Option<Vec<u8>>,
    /// Accept exactly the certificate with this SHA-256 (see `pin`).
    pub pin: Option<[u8; 32]>,
    pub insecure: bool,
}

/// Clients shared between devices with the same TLS options and timeout: building a TLS client
/// is costly, and a shared one reuses its connection pool. Every client it gives shares the
/// run's per-host limits.
pub struct HttpCache {
    clients: std::sync::Mutex<std::collections::HashMap<(TlsOptions, Duration), reqwest::Client>>,
    hosts: std::sync::Arc<super::hosts::HostLimits>,
}

impl Default for HttpCache {
    fn default() -> Self {
        HttpCache::new(crate::config::inventory::Settings::default().per_host_limit)
    }
}

impl HttpCache {
    /// A cache whose clients send at most `per_host` requests at once to one host.
    pub fn new(per_host: usize) -> HttpCache {
        HttpCache {
            clients: Default::default(),
            hosts: std::sync::Arc::new(super::hosts::HostLimits::new(per_host)),
        }
    }

    pub fn get(
        &self,
        timeout: Duration,
        retries: u32,
        tls: &TlsOptions,
        log: Option<Logger>,
    ) -> Result<Http, String> {
        let mut map = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let key = (tls.clone(), timeout);
        let client = match map.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = Http::build_client(timeout, tls)?;
                map.insert(key, c.clone());
                c
            }
        };
        let mut http = Http::with_client(client, timeout, retries, log);
        http.hosts = Some(self.hosts.clone());
        Ok(http)
    }
}

impl Http {
    pub fn new(
        timeout: Duration,
        retries: u32,
        tls: &TlsOptions,
        log: Option<Logger>,
    ) -> Result<Http, String> {
        Ok(Http::with_client(
            Http::build_client(timeout, tls)?,
            timeout,
            retries,
            log,
        ))
    }

    fn with_client(
        client: reqwest::Client,
        timeout: Duration,
        retries: u32,
        log: Option<Logger>,
    ) -> Http {
        Http {
            client,
            timeout,
            retries,
            min_backoff: Duration::from_millis(100),
            log,
            media: "application/json",
            hosts: None,
            short: None,
        }
    }

    /// The same client for a call nobody waits on (a token's release): one try, at most 5 s.
    pub fn quick(mut self) -> Http {
        self.retries = 0;
        self.timeout = self.timeout.min(Duration::from_secs(5));
        self.short = Some(self.timeout);
        self
    }

    /// The same client speaking another JSON media type.
    pub fn with_media(mut self, media: &'static str) -> Http {
        self.media = media;
        self
    }

    fn build_client(timeout: Duration, tls: &TlsOptions) -> Result<reqwest::Client, String> {
        let mut b = reqwest::Client::builder()
            // A device API never redirects; following one would send the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("dhcpform/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("CA file is not a PEM certificate: {e}"))?;
            // the device's CA replaces the built-in roots: nothing else can vouch for it
            b = b.tls_certs_only(certs);
        }
        if let Some(sha) = tls.pin {
            b = b.tls_backend_preconfigured(super::pin::client_config(sha));
        }
        if tls.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        b.build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if let Some(l) = &self.log {
            l(&line());
        }
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.min_backoff)
            .with_max_delay(Duration::from_secs(10))
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.retries as usize)
            .build()
    }

    fn request(
        &self,
        method: &Method,
        url: &str,
        parsed: Option<&reqwest::Url>,
        headers: &[(&str, &str, bool)],
        basic: Option<(&str, &Secret)>,
        body: Option<&Value>,
    ) -> reqwest::RequestBuilder {
        // parsed once per call, not once per try and again for the host's permit
        let rb = match parsed {
            Some(u) => self.client.request(method.clone(), u.clone()),
            None => self.client.request(method.clone(), url),
        };
        let mut rb = rb.header("Accept", self.media);
        if let Some(t) = self.short {
            rb = rb.timeout(t);
        }
        for (k, v, _) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some((user, pass)) = basic {
            rb = rb.basic_auth(user, Some(pass.expose()));
        }
        if let Some(b) = body {
            rb = rb.header("Content-Type", self.media).body(b.to_string());
        }
        self.log(|| {
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v, s)| format!("{k}: {}", if *s { "<redacted>" } else { v }))
                .collect();
            let auth = if basic.is_some() {
                " Authorization: Basic <redacted>"
            } else {
                ""
            };
            let body = body.map(|b| format!(" {b}")).unwrap_or_default();
            format!("-> {method} {url} {}{auth}{body}", hs.join(" "))
        });
        rb
    }

    /// Reads an answer: a 2xx is done; anything else is a failure, retryable or not.
    async fn answer(
        &self,
        mut resp: reqwest::Response,
        method: &Method,
        url: &str,
        idem: Idempotency,
        started: Instant,
    ) -> Result<Attempt, DeviceError> {
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(60)));
        let location = header("location");
        let etag = header("etag");
        if (300..400).contains(&status) {
            return Err(DeviceError::Redirect {
                method: method.to_string(),
                url: url.into(),
                status,
                location: location.unwrap_or_else(|| "nowhere (no Location)".into()),
            });
        }
        let text = match self.body(&mut resp, method, url, idem).await? {
            Ok(text) => text,
            Err(broken) => return Ok(broken),
        };
        self.log(|| {
            let ms = started.elapsed().as_millis();
            format!("<- {status} {method} {url} ({ms} ms)")
        });
        if (200..300).contains(&status) {
            return Ok(Attempt::Done(Answer {
                status,
                location,
                etag,
                text,
            }));
        }
        let retryable = match idem {
            Idempotency::Idempotent => matches!(status, 429 | 502 | 503 | 504),
            Idempotency::Unsafe => matches!(status, 429 | 503),
        };
        let err = DeviceError::Status {
            method: method.to_string(),
            url: url.into(),
            status,
            answer: error_text(&text),
        };
        Ok(Attempt::Failed(retryable, retry_after, err))
    }

    /// Reads an answer's body, at most `MAX_BODY`. An answer that broke off is a failed try
    /// (`Err`): as for a request without an answer, a GET, PUT or DELETE may be sent again; a
    /// POST is read back by apply.
    async fn body(
        &self,
        resp: &mut reqwest::Response,
        method: &Method,
        url: &str,
        idem: Idempotency,
    ) -> Result<Result<String, Attempt>, DeviceError> {
        let bad = |detail: String| DeviceError::BadAnswer {
            method: method.to_string(),
            url: url.into(),
            detail,
        };
        let retry = idem == Idempotency::Idempotent;
        let mut body: Vec<u8> = Vec::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) if e.is_timeout() => {
                    let err = DeviceError::Timeout {
                        method: method.to_string(),
                        url: url.into(),
                        secs: self.timeout.as_secs(),
                        tries: 1,
                    };
                    return Ok(Err(Attempt::Failed(retry, None, err)));
                }
                Err(e) => {
                    let err = DeviceError::Connect {
                        method: method.to_string(),
                        url: url.into(),
                        detail: format!(
                            "the connection broke while the answer was read: {}",
                            error_chain(&e)
                        ),
                    };
                    return Ok(Err(Attempt::Failed(retry, None, err)));
                }
            };
            if body.len() + chunk.len() > MAX_BODY {
                return Err(bad(format!(
                    "the body is over {} MiB: not a DHCP configuration this client reads",
                    MAX_BODY >> 20
                )));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body)
            .map(Ok)
            .map_err(|_| bad("the body is not UTF-8 text".into()))
    }

    /// A request that got no answer: timeouts and connection failures.
    fn no_answer(
        &self,
        e: &reqwest::Error,
        method: &Method,
        url: &str,
        idem: Idempotency,
        tries: u32,
    ) -> Attempt {
        self.log(|| format!("<- error {method} {url}: {e}"));
        if e.is_timeout() {
            let err = DeviceError::Timeout {
                method: method.to_string(),
                url: url.into(),
                secs: self.timeout.as_secs(),
                tries,
            };
            return Attempt::Failed(idem == Idempotency::Idempotent, None, err);
        }
        let mut detail = error_chain(e);
        if detail.contains("CaUsedAsEndEntity") {
            detail.push_str(
                " (the device presents a CA certificate as its own, as a self-signed router \
                 certificate often is: pin it with tls.pin-sha256 instead of tls.ca-file)",
            );
        }
        if detail.contains("certificate") {
            // retrying cannot make a certificate trusted
            let err = DeviceError::Tls {
                method: method.to_string(),
                url: url.into(),
                detail,
            };
            return Attempt::Failed(false, None, err);
        }
        let refused = e.is_connect()
            && std::error::Error::source(e)
                .is_some_and(|s| format!("{s:?}").contains("ConnectionRefused"));
        let err = DeviceError::Connect {
            method: method.to_string(),
            url: url.into(),
            detail,
        };
        let retryable = match idem {
            Idempotency::Idempotent => e.is_connect() || e.is_request(),
            Idempotency::Unsafe => refused,
        };
        Attempt::Failed(retryable, None, err)
    }

    /// Sends one request with retries. `headers` are (name, value, secret) triples: secret
    /// values are never logged.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str, bool)],
        basic: Option<(&str, &Secret)>,
        body: Option<&Value>,
        idem: Idempotency,
    ) -> Result<Answer, DeviceError> {
        let mut delays = self.backoff();
        let mut tries = 0u32;
        // a URL that does not parse goes to reqwest as text, which refuses it with its reason
        let parsed = reqwest::Url::parse(url).ok();
        loop {
            tries += 1;
            let rb = self.request(&method, url, parsed.as_ref(), headers, basic, body);
            let attempt = {
                // one of the host's permits while this try is sent and answered
                let _host = match &self.hosts {
                    Some(h) => h.acquire(parsed.as_ref()).await,
                    None => None,
                };
                let started = Instant::now();
                match rb.send().await {
                    Ok(resp) => self.answer(resp, &method, url, idem, started).await?,
                    Err(e) => self.no_answer(&e, &method, url, idem, tries),
                }
            };
            let (retryable, retry_after, err) = match attempt {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Failed(r, a, e) => (r, a, e),
            };
            if !retryable {
                return Err(err);
            }
            let Some(backoff) = delays.next() else {
                return Err(match err {
                    DeviceError::Timeout {
                        method, url, secs, ..
                    } => DeviceError::Timeout {
                        method,
                        url,
                        secs,
                        tries,
                    },
                    other => other,
                });
            };
            let wait = retry_after.map_or(backoff, |r| r.max(backoff));
            self.log(|| format!("   retrying {method} {url} in {} ms", wait.as_millis()));
            tokio::time::sleep(wait).await;
        }
    }
}

/// One try of a request: an answer, or a failure with whether it may be retried and after
/// how long the device asked to wait.
enum Attempt {
    Done(Answer),
    Failed(bool, Option<Duration>, DeviceError),
}
