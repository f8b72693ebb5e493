//! The IOS XE 17.x RESTCONF personality (`/restconf/...`), written from
//! `api/restconf-dhcp.md`: HTTP Basic on every request, the native DHCP subtree
//! (`native/ip/dhcp`: exclusions and pools, every member kept as sent), the server switch
//! (`native/service/dhcp-config`), helper addresses per interface, the DHCP oper data, the
//! clear RPC and `cisco-ia:save-config`, with RFC 8040 errors. Pools are refused as IOS
//! refuses them: an `id` that is not the key, list keys not first, dynamic and manual mixed,
//! two dynamic pools overlapping ("inconsistent value").

use super::Inner;
use super::ios::Request;
use super::rc_tree::{self, Answer, Refused, Tree};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) const NATIVE: &str = "Cisco-IOS-XE-native:native";
const OPER: &str = "Cisco-IOS-XE-dhcp-oper:dhcp-oper-data";
const MEDIA: &str = "application/yang-data+json";

/// An RFC 8040 error answer.
pub(crate) fn rc_error(status: StatusCode, tag: &str, path: &str, message: &str) -> Response {
    let body = json!({"ietf-restconf:errors": {"error": [{
        "error-type": "application",
        "error-tag": tag,
        "error-path": path,
        "error-message": message,
    }]}});
    yang(status, Some(body))
}

fn yang(status: StatusCode, body: Option<Value>) -> Response {
    match body {
        None => status.into_response(),
        Some(v) => {
            let mut r = (status, v.to_string()).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static(MEDIA));
            r
        }
    }
}

impl Inner {
    /// One request below `/restconf`.
    pub(crate) fn restconf(&mut self, req: &Request) -> Response {
        if !self.basic_ok(req.device, req.headers) {
            return rc_error(
                StatusCode::UNAUTHORIZED,
                "access-denied",
                "",
                "access denied: HTTP Basic credentials are missing or wrong",
            );
        }
        let is_write = *req.method != Method::GET;
        if is_write {
            self.writes += 1;
            if self.opts.faults.fail_write == Some(self.writes) {
                return rc_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "operation-failed",
                    "",
                    "internal error (injected fault)",
                );
            }
        }
        let empty_404 = self.opts.quirks.restconf_empty_404;
        let race = is_write
            && req.headers.contains_key("if-match")
            && std::mem::take(&mut self.opts.faults.race_put);
        let dev = match self.device(req.device) {
            Ok(d) => d,
            Err(r) => return r,
        };
        let tree = dev.restconf.get_or_insert_with(rc_tree::default_tree);
        if race {
            tree.version += 1;
        }
        let path = format!("/restconf/{}", req.rest.join("/"));
        let tag = format!("\"{}\"", tree.version);
        let if_match = req.headers.get("if-match").and_then(|h| h.to_str().ok());
        if is_write && if_match.is_some_and(|m| m != tag && m != "*") {
            return rc_error(
                StatusCode::PRECONDITION_FAILED,
                "operation-failed",
                &path,
                "precondition failed: the configuration changed (entity tag)",
            );
        }
        let answer = route(tree, req, empty_404);
        let mut response = match answer {
            Ok((status, body)) => yang(status, body),
            Err(Refused(status, tag, message)) => rc_error(status, tag, &path, &message),
        };
        if response.status().is_success() {
            if is_write {
                tree.version += 1;
            } else if let Ok(v) = HeaderValue::from_str(&tag) {
                response.headers_mut().insert("etag", v);
            }
        }
        if is_write && response.status().is_success() {
            self.persist(req.device);
            if self.opts.faults.lose_answer == Some(self.writes) {
                // the write was carried out; the connection drops without an answer
                return super::faults::lost_answer();
            }
        }
        response
    }
}

fn body_of(req: &Request) -> Result<Value, Refused> {
    if req.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(req.body).map_err(|e| Refused::bad(format!("malformed JSON: {e}")))
}

fn route(tree: &mut Tree, req: &Request, empty_404: bool) -> Answer {
    let body = body_of(req)?;
    let m = req.method;
    match req.rest {
        ["data", NATIVE, rest @ ..] => native(tree, m, rest, &body, empty_404),
        ["data", OPER, "dhcpv4-server-oper"] if *m == Method::GET => {
            let list = tree.bindings();
            if list.is_empty() && empty_404 {
                return Err(Refused::missing("uri keypath not found"));
            }
            Ok((
                StatusCode::OK,
                Some(json!({"Cisco-IOS-XE-dhcp-oper:dhcpv4-server-oper": list})),
            ))
        }
        ["operations", "Cisco-IOS-XE-rpc:clear"] if *m == Method::POST => clear(tree, &body),
        ["operations", "cisco-ia:save-config"] if *m == Method::POST => {
            tree.saved += 1;
            Ok((
                StatusCode::OK,
                Some(json!({"cisco-ia:output": {"result": "Save running-config successful"}})),
            ))
        }
        _ => Err(Refused::missing("uri keypath not found")),
    }
}

fn native(tree: &mut Tree, m: &Method, rest: &[&str], body: &Value, empty_404: bool) -> Answer {
    const EXCL: &str = "Cisco-IOS-XE-dhcp:excluded-address";
    match (m.as_str(), rest) {
        ("PATCH", []) => {
            tree.patch(body)?;
            Ok((StatusCode::NO_CONTENT, None))
        }
        ("GET", ["ip", "dhcp"]) => {
            if tree.dhcp.is_empty() && empty_404 {
                return Err(Refused::missing("uri keypath not found"));
            }
            let dhcp = Value::Object(tree.dhcp.clone());
            Ok((
                StatusCode::OK,
                Some(json!({ "Cisco-IOS-XE-native:dhcp": dhcp })),
            ))
        }
        ("POST", ["ip", "dhcp"]) => {
            let pool = rc_tree::one_pool(body)?;
            let id = pool.get("id").and_then(Value::as_str).unwrap_or_default();
            if tree.pool(id).is_some() {
                return Err(Refused(
                    StatusCode::CONFLICT,
                    "data-exists",
                    format!("object already exists: pool {id}"),
                ));
            }
            let id = id.to_string();
            tree.put_pool(&id, pool)?;
            Ok((StatusCode::CREATED, None))
        }
        ("GET", ["service"]) => Ok((
            StatusCode::OK,
            Some(json!({"Cisco-IOS-XE-native:service": Value::Object(tree.service.clone())})),
        )),
        (_, ["service", "dhcp-config"]) => service_switch(tree, m, body),
        ("GET", ["ip", "dhcp", EXCL]) => Ok((
            StatusCode::OK,
            Some(json!({ EXCL: tree.dhcp.get(EXCL).cloned().unwrap_or(json!({})) })),
        )),
        ("DELETE", ["ip", "dhcp", EXCL, entry]) => {
            tree.delete_exclusion(entry)?;
            Ok((StatusCode::NO_CONTENT, None))
        }
        (_, ["ip", "dhcp", seg]) if seg.starts_with("Cisco-IOS-XE-dhcp:pool=") => {
            let name = &seg["Cisco-IOS-XE-dhcp:pool=".len()..];
            pool(tree, m, name, body)
        }
        ("GET", ["interface"]) => Ok((
            StatusCode::OK,
            Some(json!({"Cisco-IOS-XE-native:interface": Value::Object(tree.interface.clone())})),
        )),
        (_, ["interface", iface, "ip", helper]) if helper.starts_with("helper-address=") => {
            let address = &helper["helper-address=".len()..];
            tree.helper(m, iface, address, body)
        }
        // a list inside a container: Port-channel-subinterface/Port-channel=5.100
        (_, ["interface", outer, iface, "ip", helper]) if helper.starts_with("helper-address=") => {
            let address = &helper["helper-address=".len()..];
            tree.helper(m, &format!("{outer}/{iface}"), address, body)
        }
        _ => Err(Refused::missing("uri keypath not found")),
    }
}

fn service_switch(tree: &mut Tree, m: &Method, body: &Value) -> Answer {
    match m.as_str() {
        "GET" => match tree.service.get("dhcp-config") {
            Some(v) => Ok((
                StatusCode::OK,
                Some(json!({"Cisco-IOS-XE-native:dhcp-config": v})),
            )),
            None => Err(Refused::missing("uri keypath not found")),
        },
        "PUT" => {
            let v = body
                .get("Cisco-IOS-XE-native:dhcp-config")
                .and_then(Value::as_bool)
                .ok_or_else(|| {
                    Refused::bad("expected {\"Cisco-IOS-XE-native:dhcp-config\": true|false}")
                })?;
            let created = tree
                .service
                .insert("dhcp-config".into(), json!(v))
                .is_none();
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            };
            Ok((status, None))
        }
        "DELETE" => match tree.service.remove("dhcp-config") {
            Some(_) => Ok((StatusCode::NO_CONTENT, None)),
            None => Err(Refused::missing("uri keypath not found")),
        },
        _ => Err(Refused::method()),
    }
}

fn pool(tree: &mut Tree, m: &Method, name: &str, body: &Value) -> Answer {
    match m.as_str() {
        "GET" => match tree.pool(name) {
            // a GET of one list entry answers a one-element array
            Some(p) => Ok((StatusCode::OK, Some(json!({"Cisco-IOS-XE-dhcp:pool": [p]})))),
            None => Err(Refused::missing("uri keypath not found")),
        },
        "PUT" => {
            let pool = rc_tree::one_pool(body)?;
            if pool.get("id").and_then(Value::as_str) != Some(name) {
                return Err(Refused::bad(format!(
                    "the pool's id must equal the key in the URL ({name})"
                )));
            }
            let created = tree.pool(name).is_none();
            tree.put_pool(name, pool)?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            };
            Ok((status, None))
        }
        "DELETE" => {
            if !tree.delete_pool(name) {
                return Err(Refused::missing("uri keypath not found"));
            }
            Ok((StatusCode::NO_CONTENT, None))
        }
        _ => Err(Refused::method()),
    }
}

/// The clear RPC: only `*` (every automatic binding) is accepted; `_all` is the 16.9 name.
fn clear(tree: &mut Tree, body: &Value) -> Answer {
    let binding = body
        .pointer("/Cisco-IOS-XE-rpc:input/ip/dhcp/binding")
        .and_then(Value::as_object)
        .ok_or_else(|| Refused::bad("expected input ip/dhcp/binding"))?;
    let all = binding
        .get("all-drop-node-name")
        .or_else(|| binding.get("_all"))
        .and_then(Value::as_str);
    if all != Some("*") {
        return Err(Refused::bad(
            "only `*` is accepted: bindings are cleared all at once",
        ));
    }
    let cleared = tree.clear_automatic();
    Ok((
        StatusCode::OK,
        Some(
            json!({"Cisco-IOS-XE-rpc:output": {"result": format!("{cleared} binding(s) cleared")}}),
        ),
    ))
}
