//! Emulated F5 XC `network_interface` objects, per namespace: the list, the replace form
//! (`response_format=2` or `GET_RSP_FORMAT_FOR_REPLACE`), the READ form (the default), and the
//! whole-object PUT guarded by `resource_version` (checked, then incremented). Answers are
//! emitted as protobuf does, without zero values. A PUT is checked against the spec's limits
//! (one DHCP network, at most 16 pools, at most 128 unique reservations, one member per
//! one-of) and refused with a gRPC-style error; unknown fields are kept.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// A gRPC-style error answer (`{"code", "details", "message"}`).
pub fn grpc(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "details": [], "message": message })),
    )
        .into_response()
}

/// One stored object: `{metadata, spec, ...}` as last written, and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub object: Value,
    pub version: u64,
}

impl Stored {
    /// From a seed: the object, with an optional `resource_version` (default 1).
    pub fn from_seed(v: &Value) -> Result<Stored, String> {
        let mut object = v.clone();
        let m = object
            .as_object_mut()
            .ok_or("a network_interface seed is an object {metadata, spec}")?;
        let version = match m.remove("resource_version") {
            Some(Value::String(s)) => s.parse().map_err(|_| "resource_version: a number")?,
            Some(Value::Number(n)) => n.as_u64().ok_or("resource_version: a number")?,
            _ => 1,
        };
        if !m.contains_key("spec") {
            return Err("a network_interface seed needs `spec`".into());
        }
        Ok(Stored { object, version })
    }

    pub fn to_seed(&self) -> Value {
        let mut v = self.object.clone();
        if let Some(m) = v.as_object_mut() {
            m.insert("resource_version".into(), json!(self.version.to_string()));
        }
        v
    }
}

/// Drops zero values (`null`, `""`, `0`, `false`, `[]`) as protobuf's JSON emission does; an
/// empty object (a one-of member without fields) stays.
pub fn emit(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !is_zero(v))
                .map(|(k, v)| (k.clone(), emit(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(emit).collect()),
        other => other.clone(),
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

/// The replace form of an object, with its `resource_version` unless `unversioned`.
pub fn replace_form(s: &Stored, unversioned: bool) -> Value {
    let o = emit(&s.object);
    let mut v = json!({
        "replace_form": {
            "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
            "spec": o.get("spec").cloned().unwrap_or(json!({})),
        },
    });
    if !unversioned {
        v["resource_version"] = json!(s.version.to_string());
    }
    v
}

/// The READ form of an object.
pub fn read_form(name: &str, s: &Stored) -> Value {
    let o = emit(&s.object);
    json!({
        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
        "system_metadata": { "uid": format!("sim-{name}"), "tenant": "sim" },
        "spec": o.get("spec").cloned().unwrap_or(json!({})),
    })
}

/// A GET's answer: the replace form for `response_format=2` (or its enum name), else the
/// READ form.
pub fn answer(s: &Stored, name: &str, query: Option<&str>, unversioned: bool) -> Value {
    let format = query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("response_format="))
        .unwrap_or("");
    match format {
        "2" | "GET_RSP_FORMAT_FOR_REPLACE" => replace_form(s, unversioned),
        _ => read_form(name, s),
    }
}

/// Someone else's edit of the DHCP server (fault `edit_after_read`): a reservation added and
/// the version moved on; with `other`, the interface's MTU changes instead.
pub fn edit_elsewhere(s: &mut Stored, other: bool) {
    if other {
        if let Some(e) = s
            .object
            .pointer_mut("/spec/ethernet_interface")
            .and_then(Value::as_object_mut)
        {
            let mtu = e.get("mtu").and_then(Value::as_u64).unwrap_or(1500);
            e.insert("mtu".into(), json!(mtu - 8));
            s.version += 1;
        }
        return;
    }
    if let Some(d) = s
        .object
        .pointer_mut("/spec/ethernet_interface/dhcp_server")
        .and_then(Value::as_object_mut)
    {
        let map = d.entry("fixed_ip_map").or_insert_with(|| json!({}));
        if let Some(m) = map.as_object_mut() {
            m.insert("02:ee:ee:ee:ee:ee".into(), json!("0.0.0.0"));
        }
        s.version += 1;
    }
}

fn set(v: &Value, k: &str) -> bool {
    v.get(k).is_some_and(|x| !x.is_null())
}

fn one_of(v: &Value, members: &[&str], what: &str) -> Result<(), String> {
    let given: Vec<&str> = members.iter().copied().filter(|k| set(v, k)).collect();
    if given.len() > 1 {
        return Err(format!(
            "{what}: only one of {} may be set, found {}",
            members.join(", "),
            given.join(" and ")
        ));
    }
    Ok(())
}

fn ip(v: &Value, what: &str) -> Result<Ipv4Addr, String> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: {v} is not an IPv4 address"))
}

fn mac_ok(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let seps = s.chars().filter(|c| !c.is_ascii_hexdigit()).count();
    hex.len() == 12 && (seps == 0 || seps == 5 || seps == 2)
}

/// The spec's limits on `spec.ethernet_interface` and its `dhcp_server`.
pub fn check(spec: &Value) -> Result<(), String> {
    let Some(eth) = spec.get("ethernet_interface") else {
        return Ok(());
    };
    one_of(
        eth,
        &["dhcp_client", "dhcp_server", "static_ip"],
        "ethernet_interface",
    )?;
    let Some(d) = eth.get("dhcp_server").filter(|d| !d.is_null()) else {
        return Ok(());
    };
    let nets = d
        .get("dhcp_networks")
        .and_then(Value::as_array)
        .ok_or("dhcp_server.dhcp_networks is required")?;
    if nets.len() != 1 {
        return Err(format!(
            "dhcp_server.dhcp_networks: exactly 1 item required, found {}",
            nets.len()
        ));
    }
    let net = &nets[0];
    let prefix = net
        .get("network_prefix")
        .and_then(Value::as_str)
        .and_then(|p| p.parse::<ipnet::Ipv4Net>().ok())
        .ok_or("dhcp_networks[0].network_prefix: an IPv4 prefix is required")?;
    one_of(
        net,
        &["first_address", "last_address", "dgw_address"],
        "dhcp_networks[0]",
    )?;
    one_of(net, &["same_as_dgw", "dns_address"], "dhcp_networks[0]")?;
    if let Some(p) = net.get("pool_settings").filter(|p| !p.is_null()) {
        let ok = matches!(p.as_str(), Some("INCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS"))
            || matches!(p.as_str(), Some("EXCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS"))
            || matches!(p.as_u64(), Some(0 | 1));
        if !ok {
            return Err(format!("pool_settings: unknown value {p}"));
        }
    }
    check_pools(net, prefix)?;
    one_of(
        d,
        &[
            "automatic_from_start",
            "automatic_from_end",
            "interface_ip_map",
        ],
        "dhcp_server",
    )?;
    if let Some(m) = d.get("interface_ip_map").filter(|m| !m.is_null()) {
        let inner = m.get("interface_ip_map").unwrap_or(m);
        let n = inner.as_object().map_or(0, Map::len);
        if n > 64 {
            return Err(format!("interface_ip_map: at most 64 items, found {n}"));
        }
    }
    check_fixed_ip_map(d)?;
    Ok(())
}

/// `pools`: at most 16 ranges inside the network, none twice.
fn check_pools(net: &Value, prefix: ipnet::Ipv4Net) -> Result<(), String> {
    let pools = net
        .get("pools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if pools.len() > 16 {
        return Err(format!("pools: at most 16 items, found {}", pools.len()));
    }
    let mut seen = BTreeSet::new();
    for p in &pools {
        let start = ip(p.get("start_ip").unwrap_or(&Value::Null), "pools.start_ip")?;
        let end = match p.get("end_ip").filter(|e| !e.is_null()) {
            Some(e) => ip(e, "pools.end_ip")?,
            None => start,
        };
        if !prefix.contains(&start) || !prefix.contains(&end) || end < start {
            return Err(format!(
                "pools: {start}-{end} is not a range inside {prefix}"
            ));
        }
        if !seen.insert((start, end)) {
            return Err(format!("pools: {start}-{end} is listed twice"));
        }
    }
    Ok(())
}

/// `fixed_ip_map`: at most 128 MAC -> address pairs, the addresses unique.
fn check_fixed_ip_map(d: &Value) -> Result<(), String> {
    if let Some(m) = d.get("fixed_ip_map").filter(|m| !m.is_null()) {
        let m = m.as_object().ok_or("fixed_ip_map: an object is required")?;
        if m.len() > 128 {
            return Err(format!(
                "fixed_ip_map: at most 128 items, found {}",
                m.len()
            ));
        }
        let mut values = BTreeSet::new();
        for (k, v) in m {
            if !mac_ok(k) {
                return Err(format!("fixed_ip_map: key {k:?} is not a MAC address"));
            }
            let a = ip(v, "fixed_ip_map value")?;
            if !values.insert(a) {
                return Err(format!("fixed_ip_map: values must be unique, {a} repeats"));
            }
        }
    }
    Ok(())
}

/// A PUT of a `network_interface`: the version (when given) must be the current one, the
/// name the object's, the spec valid; then the object is replaced and its version moves on.
/// `race` moves the version first, as a write racing this one would.
pub fn put(stored: &mut Stored, name: &str, body: &[u8], race: bool) -> Result<(), Response> {
    let req_body = body;
    if race {
        stored.version += 1;
    }
    let body: Value = match serde_json::from_slice(req_body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(grpc(StatusCode::BAD_REQUEST, 3, "expected a JSON object")),
    };
    let given = match body.get("resource_version") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if given
        .as_ref()
        .is_some_and(|v| *v != stored.version.to_string())
    {
        return Err(grpc(
            StatusCode::CONFLICT,
            10,
            &format!(
                "resource_version {} is not the object's current version {}: it \
                 was changed meanwhile",
                given.unwrap_or_default(),
                stored.version
            ),
        ));
    }
    let named = body
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str);
    if named.is_some_and(|n| n != name) {
        return Err(grpc(
            StatusCode::BAD_REQUEST,
            3,
            "metadata.name does not match the object's name",
        ));
    }
    let Some(spec) = body.get("spec").filter(|s| s.is_object()) else {
        return Err(grpc(StatusCode::BAD_REQUEST, 3, "spec is required"));
    };
    if let Err(e) = check(spec) {
        return Err(grpc(StatusCode::BAD_REQUEST, 3, &e));
    }
    let mut object = body.clone();
    if let Some(m) = object.as_object_mut() {
        m.remove("resource_version");
    }
    stored.object = object;
    stored.version += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_values_are_not_emitted_but_empty_choices_are() {
        let v = json!({"a": 0, "b": "", "c": [], "d": {}, "e": null, "f": false,
            "g": {"h": 0, "i": 1}});
        assert_eq!(emit(&v), json!({"d": {}, "g": {"i": 1}}));
    }

    #[test]
    fn the_limits_are_enforced() {
        let ok = json!({"ethernet_interface": {"dhcp_server": {"dhcp_networks": [{
            "network_prefix": "10.0.0.0/24", "first_address": {},
            "pools": [{"start_ip": "10.0.0.10", "end_ip": "10.0.0.20"}]}],
            "fixed_ip_map": {"02:00:00:00:00:01": "10.0.0.5"}}}});
        assert_eq!(check(&ok), Ok(()));
        let mut two = ok.clone();
        two["ethernet_interface"]["static_ip"] = json!({});
        assert!(check(&two).unwrap_err().contains("only one of"));
        let mut gw = ok.clone();
        gw["ethernet_interface"]["dhcp_server"]["dhcp_networks"][0]["last_address"] = json!({});
        assert!(check(&gw).is_err());
        let mut dup = ok.clone();
        dup["ethernet_interface"]["dhcp_server"]["fixed_ip_map"]["02:00:00:00:00:02"] =
            json!("10.0.0.5");
        assert!(check(&dup).unwrap_err().contains("unique"));
        let mut many = ok.clone();
        let pools: Vec<Value> = (1..=17)
            .map(|i| json!({"start_ip": format!("10.0.0.{i}")}))
            .collect();
        many["ethernet_interface"]["dhcp_server"]["dhcp_networks"][0]["pools"] = json!(pools);
        assert!(check(&many).unwrap_err().contains("at most 16"));
    }
}
