//! IOS XE wire format: tolerant readers that accept every spelling the API document uses, and
//! writers that emit the spellings of the document's request examples.
//!
//! Spellings accepted (docs/device-apis.md): `relay-agents`/`relay-agent`,
//! `interface-name`/`interface`, `addresses`/`address` (list or single), `poolName`/`pool-name`,
//! `default-gateway` as one address or a list, MACs in any common form, lease parts as numbers
//! or numeric strings, omitted defaults (lease one day, enable true, empty lists).

use crate::model::{
    AddrRange, InterfaceName, LeaseDuration, Mac, NodeType, Pool, PoolKind, PoolOptions, Server,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// A wire value that does not mean anything the document describes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WireError(pub String);

type R<T> = Result<T, WireError>;

fn bad<T>(msg: impl Into<String>) -> R<T> {
    Err(WireError(msg.into()))
}

fn obj<'a>(v: &'a Value, what: &str) -> R<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| WireError(format!("{what}: expected a JSON object, found {v}")))
}

/// First present key among spellings. `null` and the string `"None"` (how devices of this API
/// family send a default they were never given) count as absent: for fields whose real value
/// cannot be `None` (addresses, numbers, booleans, lists, objects).
fn get<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    get_text(m, keys).filter(|v| v.as_str() != Some("None"))
}

/// First present key among spellings, for free text (a name may be "None"): only `null`
/// counts as absent.
fn get_text<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| m.get(*k)).filter(|v| !v.is_null())
}

fn ipv4(v: &Value, what: &str) -> R<Ipv4Addr> {
    match v.as_str().map(|s| s.trim().parse::<Ipv4Addr>()) {
        Some(Ok(ip)) => Ok(ip),
        _ => bad(format!("{what}: expected an IPv4 address, found {v}")),
    }
}

/// One address or a list of them, order kept.
fn ipv4_list(v: &Value, what: &str) -> R<Vec<Ipv4Addr>> {
    match v {
        Value::Array(items) => items.iter().map(|i| ipv4(i, what)).collect(),
        Value::String(_) => Ok(vec![ipv4(v, what)?]),
        _ => bad(format!(
            "{what}: expected an address or a list of addresses, found {v}"
        )),
    }
}

fn number(v: &Value, what: &str) -> R<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| WireError(format!("{what}: expected a whole number, found {v}"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| WireError(format!("{what}: expected a whole number, found {v}"))),
        _ => bad(format!("{what}: expected a whole number, found {v}")),
    }
}

fn boolean(v: &Value, what: &str) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => bad(format!("{what}: expected true or false, found {v}")),
    }
}

/// Reads a `/api/v1/dhcp` body (GET answer or PUT request).
pub fn parse_server(v: &Value) -> R<Server> {
    let m = obj(v, "DHCP server")?;
    let enable = match get(m, &["enable"]) {
        Some(e) => boolean(e, "enable")?,
        None => true,
    };
    let mut excluded_addresses = BTreeSet::new();
    if let Some(list) = get(m, &["excluded-addresses", "excluded-address"]) {
        let items = list.as_array().ok_or_else(|| {
            WireError(format!("excluded-addresses: expected a list, found {list}"))
        })?;
        for item in items {
            let e = obj(item, "excluded-addresses[]")?;
            let low = ipv4(
                get(e, &["low-ip-address"]).ok_or_else(|| {
                    WireError("excluded-addresses[]: low-ip-address is missing".into())
                })?,
                "low-ip-address",
            )?;
            let high = match get(e, &["high-ip-address"]) {
                Some(h) => ipv4(h, "high-ip-address")?,
                None => low,
            };
            if high < low {
                return bad(format!(
                    "excluded-addresses[]: high-ip-address {high} is below low-ip-address {low}"
                ));
            }
            excluded_addresses.insert(AddrRange { low, high });
        }
    }
    let mut relay_agents: BTreeMap<InterfaceName, BTreeSet<Ipv4Addr>> = BTreeMap::new();
    if let Some(list) = get(m, &["relay-agents", "relay-agent"]) {
        let items = list
            .as_array()
            .ok_or_else(|| WireError(format!("relay-agents: expected a list, found {list}")))?;
        for item in items {
            let r = obj(item, "relay-agents[]")?;
            let iface = get_text(r, &["interface-name", "interface"])
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| WireError("relay-agents[]: interface-name is missing".into()))?;
            let addrs = match get(r, &["addresses", "address"]) {
                Some(a) => ipv4_list(a, "relay-agents[].addresses")?,
                None => return bad(format!("relay-agents[]: addresses of {iface} are missing")),
            };
            // Two entries for one interface add up, as two `ip helper-address` lines do.
            relay_agents
                .entry(InterfaceName::new(iface))
                .or_default()
                .extend(addrs);
        }
    }
    Ok(Server {
        enable,
        excluded_addresses,
        relay_agents,
    })
}

/// The pool name of a pool object (`poolName` or `pool-name`).
pub fn pool_name(v: &Value) -> Option<&str> {
    v.as_object()
        .and_then(|m| get_text(m, &["poolName", "pool-name"]))
        .and_then(Value::as_str)
}

/// A pool object with neither `dynamic` nor `manual` (IOS allows pools holding options only).
pub fn is_option_only(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| get(m, &["dynamic"]).is_none() && get(m, &["manual"]).is_none())
}

/// Reads a lease-duration object. Omitted: the one-day default. `days` absent with hours or
/// minutes present counts as zero days (the document makes days mandatory then).
pub fn parse_lease(v: &Value) -> R<LeaseDuration> {
    let m = obj(v, "lease-duration")?;
    if let Some(i) = get(m, &["infinite"])
        && boolean(i, "lease-duration.infinite")?
    {
        return Ok(LeaseDuration::Infinite);
    }
    let part = |k: &str| {
        get(m, &[k])
            .map(|v| number(v, &format!("lease-duration.{k}")))
            .transpose()
    };
    let (d, h, mi) = (part("days")?, part("hours")?, part("minutes")?);
    if d.is_none() && h.is_none() && mi.is_none() {
        return Ok(LeaseDuration::default());
    }
    LeaseDuration::from_parts(d.unwrap_or(0), h.unwrap_or(0), mi.unwrap_or(0))
        .map_err(|e| WireError(format!("lease-duration: {e}")))
}

/// Reads a pool object. Returns its name and canonical pool.
pub fn parse_pool(v: &Value) -> R<(String, Pool)> {
    let m = obj(v, "pool")?;
    let name = pool_name(v)
        .ok_or_else(|| WireError("pool: poolName is missing".into()))?
        .to_string();
    let dynamic = get(m, &["dynamic"]);
    let manual = get(m, &["manual"]);
    let kind = match (dynamic, manual) {
        (Some(_), Some(_)) => {
            return bad(format!(
                "pool {name}: only one of dynamic or manual may be present"
            ));
        }
        (None, None) => {
            return bad(format!(
                "pool {name}: one of dynamic or manual must be present"
            ));
        }
        (Some(d), None) => parse_dynamic(&name, d)?,
        (None, Some(mv)) => parse_manual(&name, mv)?,
    };
    let options = parse_options(&name, m)?;
    Ok((name, Pool { kind, options }))
}

fn parse_dynamic(name: &str, d: &Value) -> R<PoolKind> {
    let d = obj(d, "dynamic")?;
    let range = get(d, &["address-range"])
        .ok_or_else(|| WireError(format!("pool {name}: dynamic.address-range is missing")))?;
    let network: ipnet::Ipv4Net = range
        .as_str()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| {
            WireError(format!(
                "pool {name}: dynamic.address-range: expected x.x.x.x/nn, found {range}"
            ))
        })?;
    let lease = match get(d, &["lease-duration"]) {
        Some(l) => parse_lease(l).map_err(|e| WireError(format!("pool {name}: {e}")))?,
        None => LeaseDuration::default(),
    };
    Ok(PoolKind::Dynamic {
        network: network.trunc(),
        lease,
    })
}

fn parse_manual(name: &str, mv: &Value) -> R<PoolKind> {
    let mm = obj(mv, "manual")?;
    let host = ipv4(
        get(mm, &["host-ip-address"])
            .ok_or_else(|| WireError(format!("pool {name}: manual.host-ip-address is missing")))?,
        "manual.host-ip-address",
    )?;
    let mac_v = get(mm, &["mac-address"])
        .ok_or_else(|| WireError(format!("pool {name}: manual.mac-address is missing")))?;
    let mac: Mac = mac_v
        .as_str()
        .ok_or_else(|| {
            WireError(format!(
                "pool {name}: manual.mac-address: expected a string, found {mac_v}"
            ))
        })?
        .parse()
        .map_err(|e| WireError(format!("pool {name}: manual.mac-address: {e}")))?;
    let client_name = match get(mm, &["client-name"]) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::String(_)) | None => None,
        Some(other) => {
            return bad(format!(
                "pool {name}: manual.client-name: expected a string, found {other}"
            ));
        }
    };
    Ok(PoolKind::Manual {
        host,
        mac,
        client_name,
    })
}

fn parse_options(name: &str, m: &Map<String, Value>) -> R<PoolOptions> {
    let mut options = PoolOptions::default();
    if let Some(o) = get(m, &["options"]) {
        let o = obj(o, "options")?;
        options.domain_name = match get(o, &["domain-name"]) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::String(_)) | None => None,
            Some(other) => {
                return bad(format!(
                    "pool {name}: options.domain-name: expected a string, found {other}"
                ));
            }
        };
        for (key, slot) in [
            ("default-gateway", &mut options.default_gateway),
            ("dns-servers", &mut options.dns_servers),
            ("netbios-name-servers", &mut options.netbios_name_servers),
        ] {
            if let Some(l) = get(o, &[key]) {
                let list = ipv4_list(l, &format!("options.{key}"))?;
                if list.len() > 8 {
                    return bad(format!(
                        "pool {name}: options.{key}: up to 8 can be configured, found {}",
                        list.len()
                    ));
                }
                *slot = list;
            }
        }
        options.netbios_node_type = match get(o, &["netbios-node-type"]) {
            Some(Value::String(s)) if !s.is_empty() => {
                Some(s.parse::<NodeType>().map_err(|e| {
                    WireError(format!("pool {name}: options.netbios-node-type: {e}"))
                })?)
            }
            Some(Value::String(_)) | None => None,
            Some(other) => {
                return bad(format!(
                    "pool {name}: options.netbios-node-type: expected a string, found {other}"
                ));
            }
        };
    }
    Ok(options)
}

/// The request body of `PUT /api/v1/dhcp`: every exclusion and relay agent that must remain.
pub fn server_body(s: &Server) -> Value {
    json!({
        "enable": s.enable,
        "excluded-addresses": s.excluded_addresses.iter().map(|r| json!({
            "low-ip-address": r.low.to_string(),
            "high-ip-address": r.high.to_string(),
        })).collect::<Vec<_>>(),
        "relay-agents": s.relay_agents.iter().map(|(iface, addrs)| json!({
            "interface-name": iface.as_str(),
            "addresses": addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A lease-duration object in the document's form (days mandatory when hours are given, hours
/// when minutes are).
pub fn lease_body(l: &LeaseDuration) -> Value {
    match l.parts() {
        None => json!({ "infinite": true }),
        Some((d, 0, 0)) => json!({ "days": d }),
        Some((d, h, 0)) => json!({ "days": d, "hours": h }),
        Some((d, h, m)) => json!({ "days": d, "hours": h, "minutes": m }),
    }
}

/// A `manual` object; `mac` in the form wanted (colon in requests, dotted in device answers).
pub fn manual_body(host: Ipv4Addr, mac: &str, client_name: Option<&str>) -> Value {
    let mut man = Map::new();
    man.insert("host-ip-address".into(), json!(host.to_string()));
    man.insert("mac-address".into(), json!(mac));
    if let Some(c) = client_name {
        man.insert("client-name".into(), json!(c));
    }
    Value::Object(man)
}

/// The request body of `POST /api/v1/dhcp/pool` and `PUT /api/v1/dhcp/pool/{name}`.
pub fn pool_body(name: &str, p: &Pool) -> Value {
    let mut m = Map::new();
    m.insert("poolName".into(), json!(name));
    match &p.kind {
        PoolKind::Dynamic { network, lease } => {
            m.insert(
                "dynamic".into(),
                json!({ "address-range": network.to_string(),
                "lease-duration": lease_body(lease) }),
            );
        }
        PoolKind::Manual {
            host,
            mac,
            client_name,
        } => {
            m.insert(
                "manual".into(),
                manual_body(*host, &mac.to_string(), client_name.as_deref()),
            );
        }
    }
    let o = &p.options;
    let mut opts = Map::new();
    if let Some(d) = &o.domain_name {
        opts.insert("domain-name".into(), json!(d));
    }
    let list = |l: &Vec<Ipv4Addr>| Value::Array(l.iter().map(|a| json!(a.to_string())).collect());
    if !o.default_gateway.is_empty() {
        opts.insert("default-gateway".into(), list(&o.default_gateway));
    }
    opts.insert("dns-servers".into(), list(&o.dns_servers));
    opts.insert("netbios-name-servers".into(), list(&o.netbios_name_servers));
    if let Some(n) = &o.netbios_node_type {
        opts.insert("netbios-node-type".into(), json!(n.to_string()));
    }
    m.insert("options".into(), Value::Object(opts));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::lenient::parse_json_lenient;

    #[test]
    fn document_spellings_parse() {
        let v = parse_json_lenient(
            r#"{"kind": "object#dhcp-server", "enable": true,
            "excluded-addresses": [{"kind": "object#dhcp-server-excluded-address",
                "low-ip-address": "171.16.1.1", "high-ip-address": "171.16.1.50"}],
            "relay-agents": [{"kind": "object#dhcp-server-relay-agent",
                "interface-name" : "gigabitEthernet1", "addresses": [ "172.15.15.15" ]}]}"#,
        )
        .unwrap();
        let s = parse_server(&v).unwrap();
        assert!(s.relay_agents.contains_key(&InterfaceName::new("Gi1")));
        let alt = json!({"enable": true, "excluded-addresses": [{"low-ip-address": "171.16.1.1",
            "high-ip-address": "171.16.1.50"}],
            "relay-agent": [{"interface": "GigabitEthernet1", "address": "172.15.15.15"}]});
        assert_eq!(parse_server(&alt).unwrap(), s);
    }

    #[test]
    fn pool_list_example_with_slips() {
        let text = r#"{
"kind": "collection#dhcp-server-pool",
"items": [
{
"poolName": "myManualBinding",
"manual": {
"host-ip-address": "172.16.2.254",
"mac-address": "02c7.f800.0422",
"client-name": "Mars",
}
}
]
}"#;
        let v = parse_json_lenient(text).unwrap();
        let (name, pool) = parse_pool(&v["items"][0]).unwrap();
        assert_eq!(name, "myManualBinding");
        assert!(matches!(pool.kind, PoolKind::Manual { .. }));
        let missing_comma = "{\n\"kind\": \"object#dhcp-server-pool\"\n\"poolName\": \
            \"p\",\n\"dynamic\": {\"address-range\": \"10.0.0.0/24\"}\n}";
        let v = parse_json_lenient(missing_comma).unwrap();
        assert_eq!(
            parse_pool(&v)
                .unwrap()
                .1
                .kind
                .network()
                .unwrap()
                .to_string(),
            "10.0.0.0/24"
        );
    }

    #[test]
    fn a_single_gateway_is_a_one_item_list() {
        let one = json!({"poolName": "p", "dynamic": {"address-range": "10.0.0.0/24"},
            "options": {"default-gateway": "10.0.0.1", "dns-servers": "10.0.0.53"}});
        let many = json!({"pool-name": "p", "dynamic": {"address-range": "10.0.0.0/24"},
            "options": {"default-gateway": ["10.0.0.1"], "dns-servers": ["10.0.0.53"]}});
        assert_eq!(parse_pool(&one).unwrap(), parse_pool(&many).unwrap());
    }

    #[test]
    fn typo_range_fails_clearly() {
        let v = json!({"poolName": "x", "dynamic": {"address-range": "172/16.0.0/16"}});
        let e = parse_pool(&v).unwrap_err();
        assert!(e.0.contains("172/16.0.0/16"), "{e}");
    }

    #[test]
    fn bodies_round_trip() {
        let pool = Pool {
            kind: PoolKind::Dynamic {
                network: "10.0.0.0/24".parse().unwrap(),
                lease: LeaseDuration::from_parts(0, 8, 5).unwrap(),
            },
            options: PoolOptions {
                default_gateway: vec![Ipv4Addr::new(10, 0, 0, 1)],
                ..Default::default()
            },
        };
        assert_eq!(
            parse_pool(&pool_body("p", &pool)).unwrap(),
            ("p".to_string(), pool)
        );
    }
}
