//! The IOS XE client: token service, reads of server, pools and bindings, pool and server
//! writes. Written to the API as docs/device-apis.md describes it, tolerant of every spelling.

use super::wire;
use crate::model::{Binding, BindingType, LiveConfig, Pool, Server};
use crate::platform::http::{Answer, DeviceError, Http, Idempotency, Secret};
use reqwest::Method;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
struct Token {
    id: Secret,
    link: Option<String>,
}

pub struct IosXe {
    http: Http,
    base: String,
    user: String,
    password: Secret,
    token: Mutex<Option<Token>>,
}

fn bad(method: &str, url: &str, detail: impl Into<String>) -> DeviceError {
    DeviceError::BadAnswer {
        method: method.into(),
        url: url.into(),
        detail: detail.into(),
    }
}

impl IosXe {
    pub fn new(http: Http, base: &str, user: &str, password: Secret) -> IosXe {
        IosXe {
            http,
            base: base.trim_end_matches('/').to_string(),
            user: user.to_string(),
            password,
            token: Mutex::new(None),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /api/v1/auth/token-services` with Basic credentials.
    async fn login(&self) -> Result<Token, DeviceError> {
        let url = self.url("/api/v1/auth/token-services");
        let ans = self
            .http
            .send(
                Method::POST,
                &url,
                &[],
                Some((&self.user, &self.password)),
                None,
                Idempotency::Unsafe,
            )
            .await?;
        let v = ans.json("POST", &url)?;
        let id = v
            .get("token-id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("POST", &url, "no token-id in the token service's answer"))?;
        let link = v.get("link").and_then(Value::as_str).map(str::to_string);
        Ok(Token {
            id: Secret::new(id),
            link,
        })
    }

    /// The token to send. `rejected` is a token the device answered 401 to: it is replaced
    /// by a new login only while it is still the current one; when a concurrent call has
    /// already renewed it, that newer token is used (one login per expiry, no token left
    /// behind unreleased).
    async fn token(&self, rejected: Option<&Secret>) -> Result<Secret, DeviceError> {
        let mut guard = self.token.lock().await;
        let stale = match (guard.as_ref(), rejected) {
            (None, _) => true,
            (Some(t), Some(r)) => t.id.expose() == r.expose(),
            (Some(_), None) => false,
        };
        if stale {
            *guard = Some(self.login().await?);
        }
        guard
            .as_ref()
            .map(|t| t.id.clone())
            .ok_or_else(|| bad("POST", &self.url("/api/v1/auth/token-services"), "no token"))
    }

    /// Authenticates now (the first of a plan's three requests).
    pub async fn authenticate(&self) -> Result<(), DeviceError> {
        self.token(None).await.map(|_| ())
    }

    /// One authenticated call; on 401 re-authenticates once and tries again.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, DeviceError> {
        let url = self.url(path);
        let idem = if method == Method::POST {
            Idempotency::Unsafe
        } else {
            Idempotency::Idempotent
        };
        let mut rejected: Option<Secret> = None;
        loop {
            let token = self.token(rejected.as_ref()).await?;
            let res = self
                .http
                .send(
                    method.clone(),
                    &url,
                    &[("X-auth-token", token.expose(), true)],
                    None,
                    body,
                    idem,
                )
                .await;
            match res {
                Err(e) if e.status() == Some(401) && rejected.is_none() => rejected = Some(token),
                other => return other,
            }
        }
    }

    async fn get_json(&self, path: &str) -> Result<Value, DeviceError> {
        let ans = self.call(Method::GET, path, None).await?;
        ans.json("GET", &self.url(path))
    }

    /// `GET` of a resource whose answer must be recognisably that resource: a JSON object,
    /// no error body, and the documented `kind` when one is given.
    async fn get_resource(&self, path: &str, kind: &str) -> Result<Value, DeviceError> {
        let v = self.get_json(path).await?;
        recognise(&v, kind).map_err(|detail| bad("GET", &self.url(path), detail))?;
        Ok(v)
    }

    /// `GET /api/v1/dhcp`. `enable` is mandatory in the answer.
    pub async fn read_server(&self) -> Result<Server, DeviceError> {
        let path = "/api/v1/dhcp";
        let v = self.get_resource(path, "object#dhcp-server").await?;
        let has_enable = v
            .get("enable")
            .is_some_and(|e| !e.is_null() && e.as_str() != Some("None"));
        if !has_enable {
            return Err(bad(
                "GET",
                &self.url(path),
                "`enable` is missing: not the DHCP server settings",
            ));
        }
        wire::parse_server(&v).map_err(|e| bad("GET", &self.url(path), e.0))
    }

    /// The global settings as apply re-reads them: a 404 (DHCP never configured) reads as the
    /// defaults, as in `read`.
    pub async fn reread_server(&self) -> Result<Server, DeviceError> {
        match self.read_server().await {
            Err(e) if e.status() == Some(404) => Ok(Server::default()),
            other => other,
        }
    }

    /// `GET /api/v1/dhcp/pool`: the pools, and the names of pools with neither dynamic nor
    /// manual (which dhcpform cannot manage).
    pub async fn read_pools(
        &self,
    ) -> Result<(BTreeMap<String, Pool>, BTreeSet<String>), DeviceError> {
        let path = "/api/v1/dhcp/pool";
        let url = self.url(path);
        let v = self
            .get_resource(path, "collection#dhcp-server-pool")
            .await?;
        let items = items(&v).map_err(|d| bad("GET", &url, d))?;
        let mut pools = BTreeMap::new();
        let mut unmanageable = BTreeSet::new();
        for item in items {
            recognise(item, "object#dhcp-server-pool").map_err(|d| bad("GET", &url, d))?;
            let name = wire::pool_name(item)
                .ok_or_else(|| bad("GET", &url, format!("a pool without poolName: {item}")))?
                .to_string();
            if !crate::model::names::addressable(&name) {
                return Err(bad(
                    "GET",
                    &url,
                    format!("pool name {name:?} cannot be addressed in a URL"),
                ));
            }
            if pools.contains_key(&name) || unmanageable.contains(&name) {
                return Err(bad("GET", &url, format!("pool {name} is listed twice")));
            }
            if wire::is_option_only(item) {
                unmanageable.insert(name);
                continue;
            }
            let (name, pool) = wire::parse_pool(item).map_err(|e| bad("GET", &url, e.0))?;
            pools.insert(name, pool);
        }
        Ok((pools, unmanageable))
    }

    /// A read that may answer 404 on a device where DHCP was never configured: that reads as
    /// `empty`, with a note saying so.
    async fn or_unconfigured<T>(
        &self,
        path: &str,
        read: impl std::future::Future<Output = Result<T, DeviceError>>,
        empty: T,
        notes: &std::sync::Mutex<Vec<String>>,
    ) -> Result<T, DeviceError> {
        match read.await {
            Err(e) if e.status() == Some(404) => {
                let note = format!(
                    "GET {path} answered 404: DHCP was never configured on this device; read as \
                    empty"
                );
                notes.lock().unwrap_or_else(|p| p.into_inner()).push(note);
                Ok(empty)
            }
            other => other,
        }
    }

    /// The live configuration: one token request, then the two reads concurrently. A 404 on
    /// either read (after the token request succeeded) means DHCP was never configured.
    pub async fn read(&self) -> Result<LiveConfig, DeviceError> {
        self.authenticate().await?;
        let notes = std::sync::Mutex::new(Vec::new());
        let (server, (pools, unmanageable)) = tokio::try_join!(
            self.or_unconfigured(
                "/api/v1/dhcp",
                self.read_server(),
                Server::default(),
                &notes
            ),
            self.or_unconfigured(
                "/api/v1/dhcp/pool",
                self.read_pools(),
                Default::default(),
                &notes
            ),
        )?;
        let mut notes = notes.into_inner().unwrap_or_else(|p| p.into_inner());
        notes.sort();
        Ok(LiveConfig {
            server,
            pools,
            unmanageable,
            notes,
        })
    }

    /// Whether a pool exists (used to learn whether an unanswered POST was processed).
    pub async fn pool(&self, name: &str) -> Result<Option<Pool>, DeviceError> {
        let path = super::lower::pool_path(name);
        match self.call(Method::GET, &path, None).await {
            Ok(ans) => {
                let v = ans.json("GET", &self.url(&path))?;
                recognise(&v, "object#dhcp-server-pool")
                    .map_err(|d| bad("GET", &self.url(&path), d))?;
                let (_, pool) =
                    wire::parse_pool(&v).map_err(|e| bad("GET", &self.url(&path), e.0))?;
                Ok(Some(pool))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/v1/dhcp/active/bindings`.
    pub async fn bindings(&self) -> Result<Vec<Binding>, DeviceError> {
        let path = "/api/v1/dhcp/active/bindings";
        let url = self.url(path);
        let v = self
            .get_resource(path, "collection#dhcp-server-bindings")
            .await?;
        let items = items(&v).map_err(|d| bad("GET", &url, d))?;
        items
            .iter()
            .map(|b| {
                recognise(b, "object#dhcp-server-binding").map_err(|d| bad("GET", &url, d))?;
                parse_binding(b).map_err(|e| bad("GET", &url, e))
            })
            .collect()
    }

    /// `DELETE /api/v1/dhcp/active/bindings/{ip}`.
    pub async fn clear_binding(&self, ip: std::net::Ipv4Addr) -> Result<(), DeviceError> {
        self.call(
            Method::DELETE,
            &format!("/api/v1/dhcp/active/bindings/{ip}"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/v1/dhcp/active/bindings` with `{"action": "clear"}`.
    pub async fn clear_all_bindings(&self) -> Result<(), DeviceError> {
        let body = serde_json::json!({ "action": "clear" });
        self.call(Method::POST, "/api/v1/dhcp/active/bindings", Some(&body))
            .await
            .map(|_| ())
    }

    /// Deletes the token at its `link`. Failures are ignored: the token expires anyway. A
    /// link to another origin than the device's is not followed (the token would go
    /// elsewhere); without a link nothing is sent (a DELETE of the token collection may end
    /// other sessions of the same account).
    pub async fn logout(&self) {
        let token = self.token.lock().await.take();
        let Some(t) = token else {
            return;
        };
        let Some(url) = t.link.as_deref().and_then(|l| same_origin(&self.base, l)) else {
            return;
        };
        let _ = self
            .http
            .clone()
            .quick()
            .send(
                Method::DELETE,
                &url,
                &[("X-auth-token", t.id.expose(), true)],
                None,
                None,
                Idempotency::Idempotent,
            )
            .await;
    }
}

/// `link` resolved against the device's base URL, when it stays on the device's origin.
fn same_origin(base: &str, link: &str) -> Option<String> {
    let base = url::Url::parse(base).ok()?;
    let target = base.join(link).ok()?;
    (target.origin() == base.origin()).then(|| target.to_string())
}

/// Whether an answer is recognisably the resource of `kind`: a JSON object, not an error body
/// (a device may answer 2xx with one), and of the documented `kind` when it says one.
pub fn recognise(v: &Value, kind: &str) -> Result<(), String> {
    let Some(m) = v.as_object() else {
        return Err(format!(
            "expected a JSON object ({kind}), found {}",
            crate::platform::http::excerpt(&v.to_string())
        ));
    };
    if m.contains_key("error-code") || m.contains_key("error-message") {
        let msg = crate::platform::http::error_text(&v.to_string());
        return Err(format!("the device answered with an error body: {msg}"));
    }
    match m.get("kind") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(k)) if k == kind => Ok(()),
        Some(other) => Err(format!("kind is {other}, expected \"{kind}\"")),
    }
}

/// The `items` array of a collection; anything else is not the collection.
fn items(v: &Value) -> Result<&[Value], String> {
    match v.get("items") {
        Some(Value::Array(items)) => Ok(items),
        None => Err("no `items` list: not the collection asked for".into()),
        Some(other) => Err(format!("items: expected a list, found {other}")),
    }
}

/// Reads one binding object (`type` in either case; expiry `YYYY:MM:DD HH:MM` or `infinite`).
pub fn parse_binding(v: &Value) -> Result<crate::model::Binding, String> {
    let ip = v
        .get("host-ip-address")
        .and_then(Value::as_str)
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("binding without a valid host-ip-address: {v}"))?;
    let mac = v
        .get("mac-address")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("binding {ip} has no mac-address"))?
        .parse()
        .map_err(|e| format!("binding {ip}: {e}"))?;
    let expires = match v.get("lease-expiration-time").and_then(Value::as_str) {
        None => None,
        Some(s) if s.trim().eq_ignore_ascii_case("infinite") => None,
        Some(s) => Some(s.trim().to_string()),
    };
    let kind = match v
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("manual") => BindingType::Manual,
        Some("automatic") | None => BindingType::Automatic,
        Some(other) => return Err(format!("binding {ip}: unknown type {other}")),
    };
    Ok(Binding {
        ip,
        mac,
        expires,
        kind,
    })
}
