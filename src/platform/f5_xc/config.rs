//! The DHCP server inside an F5 XC `network_interface` object
//! (`spec.ethernet_interface.dhcp_server`): read into the canonical model (every spelling the
//! spec allows: enums as names or numbers, zero values omitted or present, `null`), rendered
//! back in the form a PUT takes, and swapped into a replace form keeping every other field.

use crate::model::f5::{Addressing, Dns, F5DhcpServer, Gateway, PoolMode};
use crate::model::{AddrRange, Mac};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

const INCLUDE: &str = "INCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS";
const EXCLUDE: &str = "EXCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS";

/// The members of the interface's address one-of besides `dhcp_server`.
const OTHER_ADDRESSING: [&str; 2] = ["dhcp_client", "static_ip"];

/// The one-of groups of a DHCP network, with their members: an unknown member beside them
/// may be a choice dhcpform does not know.
const NETWORK_CHOICES: [(&str, &[&str]); 2] = [
    ("gateway", &["first_address", "last_address", "dgw_address"]),
    ("dns", &["same_as_dgw", "dns_address"]),
];
/// Every member of a DHCP network dhcpform models.
const NETWORK_KNOWN: [&str; 8] = [
    "network_prefix",
    "pools",
    "pool_settings",
    "first_address",
    "last_address",
    "dgw_address",
    "same_as_dgw",
    "dns_address",
];
/// The interface addressing one-of of `dhcp_server`.
const ADDRESSING_CHOICE: [&str; 3] = [
    "automatic_from_start",
    "automatic_from_end",
    "interface_ip_map",
];
/// Every member of `dhcp_server` dhcpform models.
const SERVER_KNOWN: [&str; 5] = [
    "dhcp_networks",
    "automatic_from_start",
    "automatic_from_end",
    "interface_ip_map",
    "fixed_ip_map",
];

/// How an ethernet interface gets its own address today, when it is not a DHCP server:
/// `dhcp-client` or `static-ip` (`None`: neither is set).
pub fn other_addressing(eth: &Value) -> Option<&'static str> {
    OTHER_ADDRESSING
        .into_iter()
        .find(|k| eth.get(*k).is_some_and(|v| !v.is_null()))
        .map(|k| {
            if k == "dhcp_client" {
                "dhcp-client"
            } else {
                "static-ip"
            }
        })
}

/// Refuses an object in which a one-of group has none of the members dhcpform knows but
/// members it does not: one of those may be a choice it would silently read as the default.
fn unknown_choices(
    v: &Value,
    known: &[&str],
    groups: &[(&str, &[&str])],
    what: &str,
) -> Result<(), String> {
    let Some(m) = v.as_object() else {
        return Ok(());
    };
    let unknown: Vec<&str> = m
        .iter()
        .filter(|(k, v)| !v.is_null() && !known.contains(&k.as_str()))
        .map(|(k, _)| k.as_str())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    for (group, members) in groups {
        if !members
            .iter()
            .any(|k| m.get(*k).is_some_and(|v| !v.is_null()))
        {
            return Err(format!(
                "{what} holds `{}`, which dhcpform does not know, and none of the {group} \
                 choices it knows ({}): it may be a {group} choice dhcpform would read as the \
                 default, so this interface cannot be managed; remove that member or leave the \
                 interface out of the file",
                unknown.join("`, `"),
                members.join(", ")
            ));
        }
    }
    Ok(())
}

/// The canonical JSON text of a replace form (for comparing two reads of an object that has
/// no `resource_version`).
pub fn form_digest(form: &Value) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(form.to_string().as_bytes()))
}

/// A field at its zero value (absent, `null`, `""`, `0`, `false`, `[]`) reads as absent.
fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    match v.get(k)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Bool(false) => None,
        Value::Number(n) if n.as_f64() == Some(0.0) => None,
        Value::Array(a) if a.is_empty() => None,
        other => Some(other),
    }
}

fn ip(v: &Value, what: &str) -> Result<Ipv4Addr, String> {
    v.as_str()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("{what}: expected an IPv4 address, found {v}"))
}

/// The `ethernet_interface` of a replace form's (or READ form's) spec.
pub fn ethernet(object: &Value) -> Option<&Value> {
    object.get("spec")?.get("ethernet_interface")
}

/// Reads a `dhcp_server` value: `None` when the interface has none.
pub fn parse(v: Option<&Value>) -> Result<Option<F5DhcpServer>, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if !v.is_object() {
        return Err(format!("dhcp_server: expected an object, found {v}"));
    }
    let nets = match get(v, "dhcp_networks") {
        None => return Err("dhcp_server without dhcp_networks".into()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(format!("dhcp_networks: expected a list, found {other}")),
    };
    let [net] = nets.as_slice() else {
        return Err(format!(
            "dhcp_networks holds {} networks; the API takes exactly one",
            nets.len()
        ));
    };
    unknown_choices(
        v,
        &SERVER_KNOWN,
        &[("interface addressing", &ADDRESSING_CHOICE)],
        "dhcp_server",
    )?;
    unknown_choices(net, &NETWORK_KNOWN, &NETWORK_CHOICES, "dhcp_networks[0]")?;
    let prefix = get(net, "network_prefix").ok_or("a DHCP network without network_prefix")?;
    let network: ipnet::Ipv4Net = prefix
        .as_str()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("network_prefix: expected x.x.x.x/nn, found {prefix}"))?;
    let mut pools = BTreeSet::new();
    if let Some(list) = get(net, "pools") {
        let list = list.as_array().ok_or("pools: expected a list")?;
        for p in list {
            let start = ip(
                get(p, "start_ip").ok_or("a pool without start_ip")?,
                "start_ip",
            )?;
            let end = match get(p, "end_ip") {
                Some(e) => ip(e, "end_ip")?,
                None => start,
            };
            if end < start {
                return Err(format!("pool {start}-{end} is reversed"));
            }
            pools.insert(AddrRange {
                low: start,
                high: end,
            });
        }
    }
    let gateway = if let Some(a) = get(net, "dgw_address") {
        Gateway::Address(ip(a, "dgw_address")?)
    } else if net.get("last_address").is_some_and(|v| !v.is_null()) {
        Gateway::Last
    } else {
        Gateway::First
    };
    let dns = match get(net, "dns_address") {
        Some(a) => Dns::Address(ip(a, "dns_address")?),
        None => Dns::SameAsGateway,
    };
    let pool_mode = match get(net, "pool_settings") {
        None => PoolMode::Include,
        Some(Value::String(s)) if s == INCLUDE => PoolMode::Include,
        Some(Value::String(s)) if s == EXCLUDE => PoolMode::Exclude,
        Some(Value::Number(n)) if n.as_u64() == Some(1) => PoolMode::Exclude,
        Some(other) => return Err(format!("pool_settings: unknown value {other}")),
    };
    let interface_addressing = match get(v, "interface_ip_map") {
        Some(m) => {
            let inner = m.get("interface_ip_map").unwrap_or(m);
            let mut nodes = BTreeMap::new();
            if let Some(map) = inner.as_object() {
                for (node, a) in map {
                    nodes.insert(node.clone(), ip(a, "interface_ip_map")?);
                }
            }
            Addressing::Nodes(nodes)
        }
        None if v.get("automatic_from_end").is_some_and(|v| !v.is_null()) => Addressing::FromEnd,
        None => Addressing::FromStart,
    };
    Ok(Some(F5DhcpServer {
        network,
        pools,
        gateway,
        dns,
        pool_mode,
        interface_addressing,
        reservations: reservations(v)?,
    }))
}

/// `fixed_ip_map`: MAC (any spelling) -> address.
fn reservations(v: &Value) -> Result<BTreeMap<Mac, Ipv4Addr>, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = get(v, "fixed_ip_map") {
        let map = m.as_object().ok_or("fixed_ip_map: expected an object")?;
        for (mac, a) in map {
            let mac: Mac = mac
                .parse()
                .map_err(|e: crate::model::ValueError| format!("fixed_ip_map: {}", e.0))?;
            out.insert(mac, ip(a, "fixed_ip_map")?);
        }
    }
    Ok(out)
}

/// The `dhcp_server` value a PUT takes: every choice explicit, empty choices as `{}`.
pub fn render(s: &F5DhcpServer) -> Value {
    let mut net = Map::new();
    net.insert("network_prefix".into(), json!(s.network.to_string()));
    if !s.pools.is_empty() {
        let pools: Vec<Value> = s
            .pools
            .iter()
            .map(|p| json!({"start_ip": p.low.to_string(), "end_ip": p.high.to_string()}))
            .collect();
        net.insert("pools".into(), Value::Array(pools));
    }
    match s.gateway {
        Gateway::First => net.insert("first_address".into(), json!({})),
        Gateway::Last => net.insert("last_address".into(), json!({})),
        Gateway::Address(a) => net.insert("dgw_address".into(), json!(a.to_string())),
    };
    match s.dns {
        Dns::SameAsGateway => net.insert("same_as_dgw".into(), json!({})),
        Dns::Address(a) => net.insert("dns_address".into(), json!(a.to_string())),
    };
    let mode = match s.pool_mode {
        PoolMode::Include => INCLUDE,
        PoolMode::Exclude => EXCLUDE,
    };
    net.insert("pool_settings".into(), json!(mode));
    let mut out = Map::new();
    out.insert("dhcp_networks".into(), json!([Value::Object(net)]));
    match &s.interface_addressing {
        Addressing::FromStart => out.insert("automatic_from_start".into(), json!({})),
        Addressing::FromEnd => out.insert("automatic_from_end".into(), json!({})),
        Addressing::Nodes(nodes) => {
            let m: Map<String, Value> = nodes
                .iter()
                .map(|(n, a)| (n.clone(), json!(a.to_string())))
                .collect();
            out.insert("interface_ip_map".into(), json!({ "interface_ip_map": m }))
        }
    };
    if !s.reservations.is_empty() {
        let m: Map<String, Value> = s
            .reservations
            .iter()
            .map(|(mac, a)| (mac.to_string(), json!(a.to_string())))
            .collect();
        out.insert("fixed_ip_map".into(), Value::Object(m));
    }
    Value::Object(out)
}

/// The `dhcp_server` a PUT sends: the live one as read (`None`: the interface has none yet),
/// with only the members dhcpform models changed, and only where they differ from `want`;
/// every other member, known or unknown, stays exactly as read.
pub fn merge(live: Option<&Value>, want: &F5DhcpServer) -> Result<Value, String> {
    let live = live.filter(|v| !v.is_null());
    let have = parse(live)?;
    let Some((Value::Object(mut out), have)) = live.cloned().zip(have) else {
        return Ok(render(want));
    };
    let rendered = render(want);
    let new_net = rendered
        .pointer("/dhcp_networks/0")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut net = out
        .get("dhcp_networks")
        .and_then(|n| n.get(0))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let take = |m: &mut Map<String, Value>, from: &Map<String, Value>, keys: &[&str]| {
        for k in keys {
            m.remove(*k);
            if let Some(v) = from.get(*k) {
                m.insert((*k).into(), v.clone());
            }
        }
    };
    if have.network != want.network {
        take(&mut net, &new_net, &["network_prefix"]);
    }
    if have.pools != want.pools {
        take(&mut net, &new_net, &["pools"]);
    }
    if have.gateway != want.gateway {
        take(&mut net, &new_net, NETWORK_CHOICES[0].1);
    }
    if have.dns != want.dns {
        take(&mut net, &new_net, NETWORK_CHOICES[1].1);
    }
    if have.pool_mode != want.pool_mode {
        take(&mut net, &new_net, &["pool_settings"]);
    }
    let server = rendered.as_object().cloned().unwrap_or_default();
    if have.interface_addressing != want.interface_addressing {
        take(&mut out, &server, &ADDRESSING_CHOICE);
    }
    if have.reservations != want.reservations {
        take(&mut out, &server, &["fixed_ip_map"]);
    }
    let mut nets = out
        .get("dhcp_networks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match nets.first_mut() {
        Some(first) => *first = Value::Object(net),
        None => nets.push(Value::Object(net)),
    }
    out.insert("dhcp_networks".into(), Value::Array(nets));
    Ok(Value::Object(out))
}

/// A replace form with its `dhcp_server` swapped for `dhcp` and every other field kept as
/// read (the other members of the interface's address one-of give way to it).
pub fn with_dhcp(form: &Value, dhcp: &Value) -> Result<Value, String> {
    let mut form = form.clone();
    let eth = form
        .get_mut("spec")
        .and_then(|s| s.get_mut("ethernet_interface"))
        .and_then(Value::as_object_mut)
        .ok_or("the object has no spec.ethernet_interface")?;
    for k in OTHER_ADDRESSING {
        eth.remove(k);
    }
    eth.insert("dhcp_server".into(), dhcp.clone());
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> F5DhcpServer {
        F5DhcpServer {
            network: "192.168.40.0/24".parse().unwrap(),
            pools: ["192.168.40.10-192.168.40.99".parse().unwrap()].into(),
            gateway: Gateway::First,
            dns: Dns::SameAsGateway,
            pool_mode: PoolMode::Include,
            interface_addressing: Addressing::FromStart,
            reservations: [(
                "3c:ec:ef:45:3b:30".parse().unwrap(),
                "192.168.40.100".parse().unwrap(),
            )]
            .into(),
        }
    }

    #[test]
    fn the_notes_example_reads_as_the_model() {
        let v = json!({ "dhcp_networks": [ { "network_prefix": "192.168.40.0/24",
            "pool_settings": "INCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS",
            "pools": [ {"start_ip": "192.168.40.10", "end_ip": "192.168.40.99"} ],
            "first_address": {}, "same_as_dgw": {} } ],
            "automatic_from_start": {},
            "fixed_ip_map": {"3C-EC-EF-45-3B-30": "192.168.40.100"} });
        assert_eq!(parse(Some(&v)).unwrap(), Some(sample()));
    }

    #[test]
    fn absent_and_zero_values_read_as_the_defaults() {
        let v = json!({ "dhcp_networks": [ { "network_prefix": "192.168.40.0/24",
            "pools": [ {"start_ip": "192.168.40.10", "end_ip": "192.168.40.99"} ],
            "dgw_address": "", "dns_address": null, "pool_settings": 0 } ],
            "fixed_ip_map": {"3c:ec:ef:45:3b:30": "192.168.40.100"}, "interface_ip_map": null });
        assert_eq!(parse(Some(&v)).unwrap(), Some(sample()));
        assert_eq!(parse(None).unwrap(), None);
        assert_eq!(parse(Some(&Value::Null)).unwrap(), None);
    }

    #[test]
    fn what_is_not_a_dhcp_server_is_refused() {
        assert!(parse(Some(&json!([]))).is_err());
        assert!(parse(Some(&json!({}))).is_err(), "no network");
        let two = json!({"dhcp_networks": [{"network_prefix": "10.0.0.0/24"},
            {"network_prefix": "10.0.1.0/24"}]});
        assert!(parse(Some(&two)).unwrap_err().contains("exactly one"));
        let bad = json!({"dhcp_networks": [{"network_prefix": "10.0.0.0/24",
            "pool_settings": "SOMETIMES"}]});
        assert!(parse(Some(&bad)).is_err());
    }

    #[test]
    fn swapping_keeps_every_other_field() {
        let form = json!({"metadata": {"name": "eth1", "labels": {"a": "b"}},
            "spec": {"ethernet_interface": {"device": "eth1", "mtu": 1500, "static_ip": {},
                "future_field": [1, 2]}, "other": true}});
        let dhcp = render(&sample());
        let out = with_dhcp(&form, &dhcp).unwrap();
        assert_eq!(out["metadata"], form["metadata"]);
        assert_eq!(out["spec"]["other"], true);
        assert_eq!(
            out["spec"]["ethernet_interface"]["future_field"],
            json!([1, 2])
        );
        assert_eq!(out["spec"]["ethernet_interface"]["mtu"], 1500);
        assert!(out["spec"]["ethernet_interface"].get("static_ip").is_none());
        assert_eq!(out["spec"]["ethernet_interface"]["dhcp_server"], dhcp);
        assert!(with_dhcp(&json!({"spec": {}}), &dhcp).is_err());
    }

    #[test]
    fn merging_changes_only_what_differs_and_keeps_every_other_member() {
        let live = json!({ "dhcp_networks": [ { "network_prefix": "192.168.40.0/24",
            "pool_settings": 0, "future_net": {"x": 1},
            "pools": [ {"start_ip": "192.168.40.10", "end_ip": "192.168.40.99"} ],
            "first_address": {}, "same_as_dgw": {} } ],
            "automatic_from_start": {}, "lease_time": 3600,
            "fixed_ip_map": {"3C-EC-EF-45-3B-30": "192.168.40.100"} });
        let mut want = sample();
        want.gateway = Gateway::Address("192.168.40.254".parse().unwrap());
        let out = merge(Some(&live), &want).unwrap();
        assert_eq!(out["lease_time"], 3600, "unknown server member kept");
        let net = &out["dhcp_networks"][0];
        assert_eq!(
            net["future_net"],
            json!({"x": 1}),
            "unknown network member kept"
        );
        assert_eq!(
            net["pool_settings"], 0,
            "an unchanged member keeps its spelling"
        );
        assert_eq!(
            out["fixed_ip_map"],
            json!({"3C-EC-EF-45-3B-30": "192.168.40.100"})
        );
        assert_eq!(net["dgw_address"], "192.168.40.254");
        assert!(net.get("first_address").is_none(), "one member per one-of");
        assert_eq!(parse(Some(&out)).unwrap(), Some(want.clone()));
        assert_eq!(merge(None, &want).unwrap(), render(&want));
        assert_eq!(
            merge(Some(&live), &sample()).unwrap(),
            live,
            "nothing to change"
        );
    }

    #[test]
    fn an_unknown_member_where_a_choice_is_missing_is_refused_by_name() {
        let v = json!({ "dhcp_networks": [ { "network_prefix": "10.0.0.0/24",
            "gateway_from_pool": {} } ], "automatic_from_start": {} });
        let e = parse(Some(&v)).unwrap_err();
        assert!(
            e.contains("gateway_from_pool") && e.contains("gateway"),
            "{e}"
        );
        let v = json!({ "dhcp_networks": [ { "network_prefix": "10.0.0.0/24" } ],
            "automatic_from_middle": {} });
        let e = parse(Some(&v)).unwrap_err();
        assert!(e.contains("automatic_from_middle"), "{e}");
        let known = json!({ "dhcp_networks": [ { "network_prefix": "10.0.0.0/24",
            "first_address": {}, "same_as_dgw": {}, "extra": 1 } ],
            "automatic_from_end": {}, "other": true });
        assert!(
            parse(Some(&known)).is_ok(),
            "unknown members beside known choices"
        );
        assert_eq!(
            other_addressing(&json!({"dhcp_client": {}, "mtu": 1})),
            Some("dhcp-client")
        );
        assert_eq!(
            other_addressing(&json!({"static_ip": {"x": 1}})),
            Some("static-ip")
        );
        assert_eq!(other_addressing(&json!({"dhcp_server": {}})), None);
    }

    fn arb_server() -> impl Strategy<Value = F5DhcpServer> {
        (
            0u8..=255,
            proptest::collection::btree_set((1u8..100, 0u8..50), 0..5),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
            0u8..3,
            proptest::collection::btree_map(any::<[u8; 5]>(), 150u8..250, 0..4),
        )
            .prop_map(|(n, pools, g, d, m, a, res)| {
                let base = |h: u8| Ipv4Addr::new(10, n, 0, h);
                let mut set = BTreeSet::new();
                for (lo, len) in pools {
                    let r = AddrRange {
                        low: base(lo),
                        high: base(lo.saturating_add(len)),
                    };
                    if !set
                        .iter()
                        .any(|p: &AddrRange| p.low <= r.high && r.low <= p.high)
                    {
                        set.insert(r);
                    }
                }
                F5DhcpServer {
                    network: format!("10.{n}.0.0/24").parse().unwrap(),
                    pools: set,
                    gateway: [Gateway::First, Gateway::Last, Gateway::Address(base(1))][g as usize],
                    dns: if d {
                        Dns::SameAsGateway
                    } else {
                        Dns::Address(base(2))
                    },
                    pool_mode: if m {
                        PoolMode::Include
                    } else {
                        PoolMode::Exclude
                    },
                    interface_addressing: match a {
                        0 => Addressing::FromStart,
                        1 => Addressing::FromEnd,
                        _ => Addressing::Nodes([("site:node-1".into(), base(3))].into()),
                    },
                    reservations: res
                        .into_iter()
                        .map(|(m, h)| (Mac([2, m[0], m[1], m[2], m[3], m[4]]), base(h)))
                        .collect(),
                }
            })
    }

    proptest! {
        #[test]
        fn render_then_parse_is_the_identity(s in arb_server()) {
            prop_assert_eq!(parse(Some(&render(&s))).unwrap(), Some(s));
        }
    }
}
