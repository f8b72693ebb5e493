//! Request dispatch of the emulated APIs: IOS XE token service and DHCP resources, F5 XC leases.

use super::state::{DeviceSim, Refusal, refusal_response};
use super::{Inner, Quirks, error};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

fn not_allowed(allow: &str) -> Response {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        405,
        "method not allowed on this resource",
    );
    if let Ok(v) = HeaderValue::from_str(allow) {
        r.headers_mut().insert("allow", v);
    }
    r
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn ok_json(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

/// One request below `/api`, as the dispatcher sees it.
pub(crate) struct Request<'a> {
    pub method: &'a Method,
    pub device: &'a str,
    pub rest: &'a [&'a str],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    pub base: &'a str,
}

impl Inner {
    pub(crate) fn dispatch(&mut self, req: &Request) -> Response {
        let (method, device, rest, headers, body, base) = (
            req.method,
            req.device,
            req.rest,
            req.headers,
            req.body,
            req.base,
        );
        if rest.first() == Some(&"operate") {
            return self.f5(method, device, rest, headers);
        }
        if rest.first() == Some(&"config") {
            return self.f5_config(req);
        }
        match rest {
            ["v1", "auth", "token-services"] if method == Method::POST => {
                return self.new_token(device, headers, base);
            }
            ["v1", "auth", "token-services", ..] if rest.len() <= 4 => {}
            ["v1", "dhcp", ..] => {}
            _ => return error(StatusCode::NOT_FOUND, 404, "no such resource"),
        }
        // Every other call needs a valid token.
        let token = headers
            .get("x-auth-token")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string);
        let dev = match self.device(device) {
            Ok(d) => d,
            Err(r) => return r,
        };
        if !token.as_ref().is_some_and(|t| dev.tokens.contains(t)) {
            return error(
                StatusCode::UNAUTHORIZED,
                401,
                "authentication required: X-auth-token is missing, invalid or expired",
            );
        }
        let is_write = matches!(*method, Method::POST | Method::PUT | Method::DELETE)
            && rest.get(1) == Some(&"dhcp");
        if is_write {
            self.writes += 1;
            if self.opts.faults.fail_write == Some(self.writes) {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    500,
                    "internal error (injected fault)",
                );
            }
        }
        let body = Body::read(body);
        let quirks = self.opts.quirks.clone();
        let Ok(dev) = self.device(device) else {
            return error(StatusCode::NOT_FOUND, 404, "no device");
        };
        let response = route(dev, method, rest, &body, base, &quirks);
        if is_write && response.status().is_success() {
            self.persist(device);
            if self.opts.faults.lose_answer == Some(self.writes) {
                // the write was carried out; the connection drops without an answer
                return super::faults::lost_answer();
            }
        }
        response
    }

    /// Whether the request carries the device's user and password (HTTP Basic).
    pub(crate) fn basic_ok(&self, device: &str, headers: &HeaderMap) -> bool {
        let creds = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Basic ")
                    .or_else(|| h.strip_prefix("basic "))
            })
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok());
        // A device with credentials of its own (a `sim://` device naming them) takes those.
        let own = self.creds.get(device);
        let user = own
            .and_then(|c| c.user.clone())
            .unwrap_or(self.opts.user.clone());
        let password = own
            .and_then(|c| c.password.clone())
            .unwrap_or(self.opts.password.clone());
        creds
            .as_deref()
            .and_then(|c| c.split_once(':'))
            .is_some_and(|(u, p)| u == user && p == password)
    }

    fn new_token(&mut self, device: &str, headers: &HeaderMap, base: &str) -> Response {
        let ok = self.basic_ok(device, headers);
        if !ok {
            return error(StatusCode::UNAUTHORIZED, 401, "invalid credentials");
        }
        self.token_seq += 1;
        let token = format!("{:016x}{:08x}", self.rng.u64(..), self.token_seq);
        let dev = match self.device(device) {
            Ok(d) => d,
            Err(r) => return r,
        };
        dev.tokens.insert(token.clone());
        let status = if self.opts.quirks.token_201 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let answer = axum::Json(json!({
            "kind": "object#auth-token",
            "token-id": token,
            "link": format!("{base}/api/v1/auth/token-services/{}", token_ref(&token)),
            "expiry-time": "00:15:00",
        }));
        (status, answer).into_response()
    }

    /// Whether the request carries the site's API token.
    fn f5_authorized(&self, device: &str, headers: &HeaderMap) -> bool {
        let token = self
            .creds
            .get(device)
            .and_then(|c| c.api_token.clone())
            .unwrap_or_else(|| self.opts.api_token.clone());
        let want = format!("APIToken {token}");
        headers.get("authorization").and_then(|h| h.to_str().ok()) == Some(want.as_str())
    }

    /// `/api/config/namespaces/{ns}/network_interfaces[/{name}]`.
    fn f5_config(&mut self, req: &Request) -> Response {
        use super::f5::grpc;
        if !self.f5_authorized(req.device, req.headers) {
            return grpc(StatusCode::UNAUTHORIZED, 16, "unauthenticated");
        }
        let (ns, name) = match req.rest {
            ["config", "namespaces", ns, "network_interfaces"] => (*ns, None),
            ["config", "namespaces", ns, "network_interfaces", name] => (*ns, Some(*name)),
            _ => return grpc(StatusCode::NOT_FOUND, 5, "resource not found"),
        };
        let race = *req.method == Method::PUT
            && name.is_some()
            && std::mem::take(&mut self.opts.faults.race_put);
        let (mut edit, mut edit_other) = (false, false);
        if *req.method == Method::GET && name.is_some() {
            self.iface_reads += 1;
            edit = self.opts.faults.edit_after_read == Some(self.iface_reads);
            edit_other = self.opts.faults.edit_other_after_read == Some(self.iface_reads);
        }
        let unversioned = self.opts.quirks.no_resource_version;
        let dev = match self.device(req.device) {
            Ok(d) => d,
            Err(r) => return r,
        };
        let prefix = format!("{ns}/");
        let Some(name) = name else {
            if *req.method != Method::GET {
                return grpc(StatusCode::METHOD_NOT_ALLOWED, 12, "method not allowed");
            }
            let items: Vec<Value> = dev
                .f5_ifaces
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .map(|n| json!({"name": n, "namespace": ns, "tenant": "sim"}))
                .collect();
            return ok_json(json!({ "items": items }));
        };
        let key = format!("{ns}/{name}");
        let Some(stored) = dev.f5_ifaces.get_mut(&key) else {
            return grpc(
                StatusCode::NOT_FOUND,
                5,
                &format!("network_interface {name} not found in namespace {ns}"),
            );
        };
        match *req.method {
            Method::GET => {
                let answer = super::f5::answer(stored, name, req.query, unversioned);
                if edit || edit_other {
                    super::f5::edit_elsewhere(stored, edit_other);
                    self.persist(req.device);
                }
                ok_json(answer)
            }
            Method::PUT => {
                if let Err(r) = super::f5::put(stored, name, req.body, race) {
                    return r;
                }
                self.persist(req.device);
                self.writes += 1;
                if self.opts.faults.lose_answer == Some(self.writes) {
                    // the write was carried out; the connection drops without an answer
                    return super::faults::lost_answer();
                }
                ok_json(json!({}))
            }
            _ => grpc(StatusCode::METHOD_NOT_ALLOWED, 12, "method not allowed"),
        }
    }

    fn f5(
        &mut self,
        method: &Method,
        device: &str,
        rest: &[&str],
        headers: &HeaderMap,
    ) -> Response {
        let [
            "operate",
            "namespaces",
            ns,
            "sites",
            site,
            "ver",
            "dhcp_leases",
        ] = rest
        else {
            return super::f5::grpc(StatusCode::NOT_FOUND, 5, "resource not found");
        };
        if !self.f5_authorized(device, headers) {
            return super::f5::grpc(StatusCode::UNAUTHORIZED, 16, "unauthenticated");
        }
        if *method != Method::GET {
            return super::f5::grpc(StatusCode::METHOD_NOT_ALLOWED, 12, "method not allowed");
        }
        let dev = match self.device(device) {
            Ok(d) => d,
            Err(r) => return r,
        };
        match dev.f5.get(&format!("{ns}/{site}")) {
            Some(s) => ok_json(serde_json::to_value(s).unwrap_or(Value::Null)),
            None => super::f5::grpc(
                StatusCode::NOT_FOUND,
                5,
                &format!("site {site} not found in namespace {ns}"),
            ),
        }
    }
}

/// The public id of a token in its `link` (not the secret itself).
fn token_ref(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(token.as_bytes())[..8])
}

fn result(r: Result<Response, Refusal>) -> Response {
    r.unwrap_or_else(|e| refusal_response(&e))
}

/// A request body: absent, JSON, or not JSON (kept as the message to answer with).
struct Body(Option<Result<Value, String>>);

impl Body {
    fn read(bytes: &Bytes) -> Body {
        Body((!bytes.is_empty()).then(|| {
            let text = String::from_utf8_lossy(bytes);
            super::wire::body_json(&text).map_err(|e| format!("malformed JSON body: {e}"))
        }))
    }

    /// The JSON body a write needs, or the 400 answer.
    fn need(&self) -> Result<Value, Response> {
        match &self.0 {
            Some(Ok(v)) => Ok(v.clone()),
            Some(Err(e)) => Err(error(StatusCode::BAD_REQUEST, 400, e)),
            None => Err(error(
                StatusCode::BAD_REQUEST,
                400,
                "a JSON body is required",
            )),
        }
    }
}

/// Routes an authenticated IOS XE request to its resource.
fn route(
    dev: &mut DeviceSim,
    method: &Method,
    rest: &[&str],
    body: &Body,
    base: &str,
    q: &Quirks,
) -> Response {
    let unconfigured = q.unconfigured_404 && dev.unconfigured() && *method == Method::GET;
    if unconfigured && matches!(rest, ["v1", "dhcp"] | ["v1", "dhcp", "pool"]) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match rest {
        ["v1", "auth", "token-services"] => tokens(dev, method, None, base),
        ["v1", "auth", "token-services", id] => tokens(dev, method, Some(id), base),
        ["v1", "dhcp"] => match *method {
            Method::GET => ok_json(with_none(dev.server_answer.clone(), q)),
            Method::PUT => match body.need() {
                Ok(b) => result(dev.put_server(&b).map(|_| no_content())),
                Err(r) => r,
            },
            _ => not_allowed("GET, PUT"),
        },
        ["v1", "dhcp", "pool"] => pools(dev, method, body, base, q),
        ["v1", "dhcp", "pool", name] => pool(dev, method, name, body, q),
        ["v1", "dhcp", "active", "bindings"] => bindings(dev, method, body),
        ["v1", "dhcp", "active", "bindings", ip] => binding(dev, method, ip),
        _ => error(StatusCode::NOT_FOUND, 404, "no such resource"),
    }
}

/// `/api/v1/auth/token-services` (the list) and `/api/v1/auth/token-services/{id}`.
fn tokens(dev: &mut DeviceSim, method: &Method, id: Option<&str>, base: &str) -> Response {
    match (id, method) {
        (None, &Method::GET) => ok_json(json!({
            "kind": "collection#auth-token",
            "items": dev.tokens.iter().map(|t| json!({"kind": "object#auth-token",
                "token-id": "********",
                "link": format!("{base}/api/v1/auth/token-services/{}", token_ref(t))}))
                .collect::<Vec<_>>(),
        })),
        (None, _) => not_allowed("GET, POST"),
        (Some(id), &Method::DELETE) => {
            let found = dev.tokens.iter().find(|t| token_ref(t) == id).cloned();
            match found {
                Some(t) => {
                    dev.tokens.remove(&t);
                    no_content()
                }
                None => error(StatusCode::NOT_FOUND, 404, "no such token"),
            }
        }
        (Some(_), _) => not_allowed("DELETE"),
    }
}

/// `/api/v1/dhcp/pool`: the list, and creation (201 + `Location`).
fn pools(dev: &mut DeviceSim, method: &Method, body: &Body, base: &str, q: &Quirks) -> Response {
    match *method {
        Method::GET => ok_json(json!({
            "kind": "collection#dhcp-server-pool",
            "items": dev.pool_answers().into_iter().map(|p| with_none(p, q))
                .collect::<Vec<_>>(),
        })),
        Method::POST => match body.need() {
            Ok(b) => result(dev.create_pool(&b).map(|name| {
                let mut r = StatusCode::CREATED.into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("{base}/api/v1/dhcp/pool/{name}")) {
                    r.headers_mut().insert("location", v);
                }
                r
            })),
            Err(r) => r,
        },
        _ => not_allowed("GET, POST"),
    }
}

/// `/api/v1/dhcp/pool/{name}`.
fn pool(dev: &mut DeviceSim, method: &Method, name: &str, body: &Body, q: &Quirks) -> Response {
    match *method {
        Method::GET => match dev.pool_answer(name) {
            Some(p) => ok_json(with_none(p.clone(), q)),
            None => error(
                StatusCode::NOT_FOUND,
                404,
                &format!("pool {name} does not exist"),
            ),
        },
        Method::PUT => match body.need() {
            Ok(b) => result(dev.replace_pool(name, &b).map(|_| no_content())),
            Err(r) => r,
        },
        Method::DELETE => result(dev.delete_pool(name).map(|_| no_content())),
        _ => not_allowed("GET, PUT, DELETE"),
    }
}

/// `/api/v1/dhcp/active/bindings`: the list, and `{"action": "clear"}`.
fn bindings(dev: &mut DeviceSim, method: &Method, body: &Body) -> Response {
    match *method {
        Method::GET => {
            ok_json(json!({ "kind": "collection#dhcp-server-bindings", "items": dev.bindings() }))
        }
        Method::POST => match body.need() {
            Ok(b) if b.get("action").and_then(Value::as_str) == Some("clear") => {
                dev.auto.clear();
                no_content()
            }
            Ok(_) => error(StatusCode::BAD_REQUEST, 400, "action: expected \"clear\""),
            Err(r) => r,
        },
        _ => not_allowed("GET, POST"),
    }
}

/// `/api/v1/dhcp/active/bindings/{ip}`.
fn binding(dev: &mut DeviceSim, method: &Method, ip: &str) -> Response {
    let Ok(ip) = ip.parse::<std::net::Ipv4Addr>() else {
        return error(
            StatusCode::BAD_REQUEST,
            400,
            &format!("{ip} is not an IPv4 address"),
        );
    };
    match *method {
        Method::GET => match dev
            .bindings()
            .into_iter()
            .find(|b| b["host-ip-address"] == json!(ip.to_string()))
        {
            Some(b) => ok_json(b),
            None => error(StatusCode::NOT_FOUND, 404, &format!("no binding for {ip}")),
        },
        Method::DELETE => {
            if dev.auto.remove(&ip).is_some() {
                no_content()
            } else if dev
                .bindings()
                .iter()
                .any(|b| b["host-ip-address"] == json!(ip.to_string()))
            {
                error(
                    StatusCode::BAD_REQUEST,
                    400,
                    &format!("{ip} is a manual binding: delete its pool instead"),
                )
            } else {
                error(StatusCode::NOT_FOUND, 404, &format!("no binding for {ip}"))
            }
        }
        _ => not_allowed("GET, DELETE"),
    }
}

/// With `none-values`: an answer as real devices of this API family send it, with defaults as
/// `null` or `"None"` and fields no document describes.
fn with_none(mut v: Value, q: &Quirks) -> Value {
    if !q.none_values {
        return v;
    }
    let Some(m) = v.as_object_mut() else {
        return v;
    };
    m.insert("idle-time".into(), Value::Null);
    m.insert("anti-replay-window-size".into(), json!("None"));
    if let Some(Value::Object(d)) = m.get_mut("dynamic") {
        d.entry("lease-duration").or_insert(json!("None"));
    }
    if let Some(Value::Object(man)) = m.get_mut("manual") {
        man.entry("client-name").or_insert(json!("None"));
    }
    if m.contains_key("poolName") {
        let opts = m.entry("options").or_insert(json!({}));
        if let Some(o) = opts.as_object_mut() {
            o.entry("domain-name").or_insert(json!("None"));
            o.entry("netbios-node-type").or_insert(json!("None"));
            o.entry("default-gateway").or_insert(Value::Null);
        }
    }
    v
}
