//! RESTCONF JSON (RFC 7951) of Cisco's native DHCP model to and from the canonical model:
//! the `ip/dhcp` container (exclusions, pools), the server switch, helper addresses. Every
//! spelling the reference allows is read (quoted numbers, `/nn` masks, `client-identifier`);
//! what dhcpform does not model is kept as read, so a write can carry it back.

use crate::model::{AddrRange, InterfaceName, LeaseDuration, Mac, Pool, PoolKind, PoolOptions};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub const EXCL: &str = "Cisco-IOS-XE-dhcp:excluded-address";
pub const POOLS: &str = "Cisco-IOS-XE-dhcp:pool";

/// Pool members dhcpform models (everything else is carried back as read).
const MODELLED: &[&str] = &[
    "id",
    "network",
    "lease",
    "host",
    "hardware-address",
    "client-identifier",
    "client-name",
    "domain-name",
    "default-router",
    "dns-server",
    "netbios-name-server",
];

/// What a read of `ip/dhcp` holds beyond the model: each pool's JSON as read and the VRF
/// exclusions (never written by dhcpform, kept on every write).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DhcpRead {
    pub exclusions: BTreeSet<AddrRange>,
    pub vrf_exclusions: Vec<String>,
    pub pools: BTreeMap<String, Pool>,
    pub raw_pools: BTreeMap<String, Map<String, Value>>,
    /// Pools with neither a network nor a host: not manageable.
    pub unmanageable: BTreeSet<String>,
    /// What else the pools carry that dhcpform does not model, per pool (shown as notes).
    pub carried: BTreeMap<String, Vec<String>>,
}

fn ipv4(v: &Value, what: &str) -> Result<Ipv4Addr, String> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: expected an IPv4 address, found {v}"))
}

fn number(v: Option<&Value>, what: &str, default: u64) -> Result<u64, String> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| format!("{what}: not a count")),
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| format!("{what}: `{s}` is not a number")),
        Some(other) => Err(format!("{what}: expected a number, found {other}")),
    }
}

/// A prefix length from a dotted mask, `/nn` or `nn`.
pub fn prefix_len(mask: &Value) -> Result<u8, String> {
    let text = match mask {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("mask: expected a mask, found {other}")),
    };
    let t = text.trim_start_matches('/');
    if let Ok(p) = t.parse::<u8>() {
        return (p <= 32)
            .then_some(p)
            .ok_or(format!("mask: /{p} is not a prefix"));
    }
    let m: Ipv4Addr = t
        .parse()
        .map_err(|_| format!("mask: `{text}` is not a mask"))?;
    ipnet::ipv4_mask_to_prefix(m).map_err(|_| format!("mask: {m} is not contiguous"))
}

fn list_of(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

fn addresses(v: Option<&Value>, what: &str) -> Result<Vec<Ipv4Addr>, String> {
    list_of(v).map(|a| ipv4(a, what)).collect()
}

/// A MAC from `hardware-address-val` (`aabb.ccdd.eeff`) or a `client-identifier`
/// (`01aa.bbcc.ddee.ff`: the leading `01` is the Ethernet type byte).
fn mac_of(p: &Map<String, Value>) -> Result<Option<Mac>, String> {
    if let Some(h) = p.get("hardware-address") {
        let text = h
            .get("hardware-address-val")
            .and_then(Value::as_str)
            .ok_or("hardware-address: no hardware-address-val")?;
        return text
            .parse::<Mac>()
            .map(Some)
            .map_err(|e| format!("hardware-address: {}", e.0));
    }
    if let Some(c) = p.get("client-identifier").and_then(Value::as_str) {
        let hex: String = c.chars().filter(|c| *c != '.').collect();
        let bytes = hex::decode(&hex).map_err(|_| format!("client-identifier `{c}`: not hex"))?;
        return match bytes.as_slice() {
            [1, rest @ ..] if rest.len() == 6 => Ok(Some(Mac(rest.try_into().unwrap_or([0; 6])))),
            _ => Err(format!(
                "client-identifier `{c}` is not `01` and a MAC address: dhcpform cannot model it"
            )),
        };
    }
    Ok(None)
}

fn lease(p: &Map<String, Value>) -> Result<LeaseDuration, String> {
    let Some(l) = p.get("lease") else {
        return Ok(LeaseDuration::default());
    };
    if l.get("infinite").is_some() {
        return Ok(LeaseDuration::Infinite);
    }
    let Some(v) = l.get("lease-value") else {
        return Ok(LeaseDuration::default());
    };
    // 17.15+ YANG: days defaults to 1, hours and minutes to 0
    let days = number(v.get("days"), "lease days", 1)?;
    let hours = number(v.get("hours"), "lease hours", 0)?;
    let minutes = number(v.get("minutes"), "lease minutes", 0)?;
    if days > 365 || hours > 23 || minutes > 59 {
        return Err(format!("lease {days}d{hours}h{minutes}m is out of range"));
    }
    Ok(LeaseDuration::Minutes(
        u32::try_from(days * 1440 + hours * 60 + minutes).unwrap_or(u32::MAX),
    ))
}

/// One pool: `Ok(None)` when it has neither a network nor a host (options only).
pub fn parse_pool(p: &Map<String, Value>) -> Result<Option<Pool>, String> {
    let options = PoolOptions {
        domain_name: p
            .get("domain-name")
            .and_then(Value::as_str)
            .map(str::to_string),
        default_gateway: addresses(
            p.get("default-router")
                .and_then(|d| d.get("default-router-list")),
            "default-router",
        )?,
        dns_servers: addresses(
            p.get("dns-server").and_then(|d| d.get("dns-server-list")),
            "dns-server",
        )?,
        netbios_name_servers: addresses(p.get("netbios-name-server"), "netbios-name-server")?,
        netbios_node_type: None,
    };
    let primary = p.get("network").and_then(|n| n.get("primary-network"));
    let kind = match (primary, p.get("host")) {
        (Some(_), Some(_)) => return Err("both a network and a host".into()),
        (Some(n), None) => {
            let number = ipv4(n.get("number").unwrap_or(&Value::Null), "network number")?;
            let prefix = prefix_len(n.get("mask").unwrap_or(&Value::Null))?;
            let network = ipnet::Ipv4Net::new(number, prefix)
                .map_err(|e| format!("network: {e}"))?
                .trunc();
            PoolKind::Dynamic {
                network,
                lease: lease(p)?,
            }
        }
        (None, Some(h)) => {
            let host = ipv4(h.get("number").unwrap_or(&Value::Null), "host number")?;
            let mac = mac_of(p)?.ok_or("a host without hardware-address or client-identifier")?;
            PoolKind::Manual {
                host,
                mac,
                client_name: p
                    .get("client-name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(Pool { kind, options }))
}

fn exclusion(e: &Value, with_high: bool) -> Result<AddrRange, String> {
    let low = ipv4(e.get("low-address").unwrap_or(&Value::Null), "low-address")?;
    let high = if with_high {
        ipv4(
            e.get("high-address").unwrap_or(&Value::Null),
            "high-address",
        )?
    } else {
        low
    };
    if high < low {
        return Err(format!("exclusion {low}-{high}: high below low"));
    }
    Ok(AddrRange { low, high })
}

/// The `ip/dhcp` container (the members of `Cisco-IOS-XE-native:dhcp`).
pub fn parse_dhcp(dhcp: &Map<String, Value>) -> Result<DhcpRead, String> {
    let mut out = DhcpRead::default();
    if let Some(x) = dhcp.get(EXCL) {
        for e in list_of(x.get("low-address-list")) {
            out.exclusions.insert(exclusion(e, false)?);
        }
        for e in list_of(x.get("low-high-address-list")) {
            out.exclusions.insert(exclusion(e, true)?);
        }
        for list in ["vrf-low-address-list", "vrf-low-high-address-list"] {
            for e in list_of(x.get(list)) {
                out.vrf_exclusions.push(e.to_string());
            }
        }
    }
    for p in list_of(dhcp.get(POOLS)) {
        let p = p.as_object().ok_or("a pool that is not an object")?;
        let id = p
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or("a pool without an id")?;
        if !crate::model::names::addressable(id) {
            return Err(format!("pool name `{id}` cannot be used in a URL"));
        }
        if out.raw_pools.contains_key(id) {
            return Err(format!("pool `{id}` is listed twice"));
        }
        match parse_pool(p).map_err(|e| format!("pool `{id}`: {e}"))? {
            Some(pool) => {
                out.pools.insert(id.to_string(), pool);
            }
            None => {
                out.unmanageable.insert(id.to_string());
            }
        }
        let extra: Vec<String> = p
            .keys()
            .filter(|k| !MODELLED.contains(&k.as_str()))
            .cloned()
            .collect();
        if !extra.is_empty() {
            out.carried.insert(id.to_string(), extra);
        }
        out.raw_pools.insert(id.to_string(), p.clone());
    }
    Ok(out)
}

/// The server switch from `service`: `dhcp-config` (17.9+, boolean) or `dhcp` (older,
/// present = on); absent = on.
pub fn parse_service(service: &Map<String, Value>) -> Result<bool, String> {
    match service.get("dhcp-config") {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(other) => Err(format!(
            "dhcp-config: expected true or false, found {other}"
        )),
    }
}

/// Helper addresses per interface, the interfaces that exist (for writes), and how many
/// VRF or global helper entries there are (unmanaged, kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interfaces {
    pub relays: BTreeMap<InterfaceName, BTreeSet<Ipv4Addr>>,
    /// Canonical name -> (list type, key as the device spells it).
    pub exist: BTreeMap<InterfaceName, (String, String)>,
    /// Helper entries with `vrf NAME` or `global`: unmanaged, kept (interface, address, which).
    pub unmanaged: Vec<(InterfaceName, Ipv4Addr, String)>,
}

/// The `interface` container: one list per type, entries keyed `name`; a container of lists
/// (`Port-channel-subinterface` holding `Port-channel`) is read through, its type written
/// `outer/inner`.
pub fn parse_interfaces(ifaces: &Map<String, Value>) -> Result<Interfaces, String> {
    let mut out = Interfaces::default();
    for (kind, list) in ifaces {
        match list {
            Value::Array(entries) => read_entries(&mut out, kind, kind, entries)?,
            Value::Object(inner) => {
                // only lists of named entries inside a container are interfaces
                for (k, v) in inner {
                    if let Value::Array(entries) = v
                        && entries.iter().all(|e| e.get("name").is_some())
                    {
                        read_entries(&mut out, &format!("{kind}/{k}"), k, entries)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The entries of one interface list: `kind` is its path, `shown` the name's type part.
fn read_entries(
    out: &mut Interfaces,
    kind: &str,
    shown: &str,
    entries: &[Value],
) -> Result<(), String> {
    for e in entries {
        let key = match e.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("an interface of type {kind} without a name")),
        };
        let name = InterfaceName::new(&format!("{shown}{key}"));
        out.exist
            .insert(name.clone(), (kind.to_string(), key.clone()));
        for h in list_of(e.pointer("/ip/helper-address")) {
            let a = ipv4(h.get("address").unwrap_or(&Value::Null), "helper-address")?;
            if let Some(vrf) = h.get("vrf").and_then(Value::as_str) {
                out.unmanaged.push((name.clone(), a, format!("vrf {vrf}")));
            } else if h.get("global").is_some() {
                out.unmanaged.push((name.clone(), a, "global".into()));
            } else {
                out.relays.entry(name.clone()).or_default().insert(a);
            }
        }
    }
    Ok(())
}

/// A pool as `PUT P=NAME` sends it: `id` first, the modelled members from `pool` in YANG
/// order, then every member of the pool as read (`carried`) that dhcpform does not model,
/// as it was. The mask of a manual host is the mask of the dynamic pool around it
/// (`host_mask`), else /32.
pub fn pool_body(
    name: &str,
    pool: &Pool,
    carried: Option<&Map<String, Value>>,
    host_mask: Option<u8>,
) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(name));
    let keep_client_id = match (&pool.kind, carried) {
        (PoolKind::Manual { mac, .. }, Some(c)) => {
            c.contains_key("client-identifier") && mac_of(c).ok().flatten().as_ref() == Some(mac)
        }
        _ => false,
    };
    let mut rest = Map::new();
    for (k, v) in carried.into_iter().flatten() {
        if k == "client-identifier" && keep_client_id {
            out.insert(k.clone(), v.clone());
        } else if !MODELLED.contains(&k.as_str()) {
            rest.insert(k.clone(), v.clone());
        }
    }
    match &pool.kind {
        PoolKind::Dynamic { network, lease } => {
            out.insert(
                "network".into(),
                json!({"primary-network": {
                    "number": network.network().to_string(),
                    "mask": network.netmask().to_string(),
                }}),
            );
            let l = match lease {
                LeaseDuration::Infinite => json!({"infinite": [null]}),
                LeaseDuration::Minutes(m) => json!({"lease-value": {
                    "days": m / 1440, "hours": (m % 1440) / 60, "minutes": m % 60,
                }}),
            };
            out.insert("lease".into(), l);
        }
        PoolKind::Manual {
            host,
            mac,
            client_name,
        } => {
            let mask = ipnet::Ipv4Net::new(*host, host_mask.unwrap_or(32))
                .map(|n| n.netmask())
                .unwrap_or(Ipv4Addr::BROADCAST);
            out.insert(
                "host".into(),
                json!({"number": host.to_string(), "mask": mask.to_string()}),
            );
            if !keep_client_id {
                out.insert(
                    "hardware-address".into(),
                    json!({"hardware-address-val": mac.dotted()}),
                );
            }
            if let Some(c) = client_name {
                out.insert("client-name".into(), json!(c));
            }
        }
    }
    let o = &pool.options;
    if let Some(d) = &o.domain_name {
        out.insert("domain-name".into(), json!(d));
    }
    let strings = |l: &[Ipv4Addr]| l.iter().map(ToString::to_string).collect::<Vec<_>>();
    if !o.default_gateway.is_empty() {
        out.insert(
            "default-router".into(),
            json!({"default-router-list": strings(&o.default_gateway)}),
        );
    }
    if !o.dns_servers.is_empty() {
        out.insert(
            "dns-server".into(),
            json!({"dns-server-list": strings(&o.dns_servers)}),
        );
    }
    if !o.netbios_name_servers.is_empty() {
        out.insert(
            "netbios-name-server".into(),
            json!(strings(&o.netbios_name_servers)),
        );
    }
    let mut ordered = Map::new();
    for k in YANG_ORDER {
        if let Some(v) = out.remove(*k) {
            ordered.insert((*k).to_string(), v);
        }
    }
    ordered.extend(out);
    ordered.extend(rest);
    json!({ POOLS: [Value::Object(ordered)] })
}

/// The modelled pool members in the order `Cisco-IOS-XE-dhcp.yang` declares them.
const YANG_ORDER: &[&str] = &[
    "id",
    "netbios-name-server",
    "lease",
    "default-router",
    "dns-server",
    "domain-name",
    "network",
    "host",
    "hardware-address",
    "client-identifier",
    "client-name",
];

/// One exclusion entry and the list it belongs in.
pub fn exclusion_entry(r: &AddrRange) -> (&'static str, Value) {
    if r.low == r.high {
        (
            "low-address-list",
            json!({"low-address": r.low.to_string()}),
        )
    } else {
        (
            "low-high-address-list",
            json!({"low-address": r.low.to_string(), "high-address": r.high.to_string()}),
        )
    }
}

/// The `PATCH native` body that adds exclusions (a merge: nothing else changes).
pub fn exclusions_patch(add: &[AddrRange]) -> Value {
    let (mut singles, mut ranges) = (Vec::new(), Vec::new());
    for r in add {
        match exclusion_entry(r) {
            ("low-address-list", e) => singles.push(e),
            (_, e) => ranges.push(e),
        }
    }
    let mut lists = Map::new();
    if !singles.is_empty() {
        lists.insert("low-address-list".into(), Value::Array(singles));
    }
    if !ranges.is_empty() {
        lists.insert("low-high-address-list".into(), Value::Array(ranges));
    }
    json!({"Cisco-IOS-XE-native:native": {"ip": {"dhcp": { EXCL: Value::Object(lists) }}}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn every_spelling_of_the_reference_reads() {
        let p = obj(json!({"id": "a",
            "network": {"primary-network": {"number": "10.0.0.0", "mask": "/24"}},
            "lease": {"lease-value": {"days": "0", "hours": 8}}}));
        let pool = parse_pool(&p).unwrap().unwrap();
        assert_eq!(pool.kind.network(), Some("10.0.0.0/24".parse().unwrap()));
        // 17.15+: an absent `days` is 1
        assert_eq!(pool.kind.lease(), Some(LeaseDuration::Minutes(8 * 60)));
        let p = obj(json!({"id": "b", "lease": {"lease-value": {"hours": 2}},
            "network": {"primary-network": {"number": "10.0.1.0", "mask": "255.255.255.0"}}}));
        let pool = parse_pool(&p).unwrap().unwrap();
        assert_eq!(pool.kind.lease(), Some(LeaseDuration::Minutes(26 * 60)));
        let p = obj(
            json!({"id": "c", "host": {"number": "10.0.0.9", "mask": "255.255.255.0"},
            "client-identifier": "0100.a098.0232.de"}),
        );
        let PoolKind::Manual { mac, .. } = parse_pool(&p).unwrap().unwrap().kind else {
            panic!("manual")
        };
        assert_eq!(mac, "00:a0:98:02:32:de".parse().unwrap());
        let infinite = obj(json!({"id": "d", "lease": {"infinite": [null]},
            "network": {"primary-network": {"number": "10.0.2.0", "mask": "24"}}}));
        assert_eq!(
            parse_pool(&infinite).unwrap().unwrap().kind.lease(),
            Some(LeaseDuration::Infinite)
        );
        assert!(
            parse_pool(&obj(json!({"id": "e", "bootfile": "x"})))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn values_out_of_range_or_malformed_are_errors_not_defaults() {
        for bad in [
            json!({"network": {"primary-network": {"number": "10.0.0.0", "mask": "255.0.255.0"}}}),
            json!({"network": {"primary-network": {"number": "nope", "mask": "/24"}}}),
            json!({"network": {"primary-network": {"number": "10.0.0.0", "mask": "/24"}},
                "lease": {"lease-value": {"days": 400}}}),
            json!({"host": {"number": "10.0.0.9"}, "client-identifier": "ff00.a098.0232.de"}),
            json!({"host": {"number": "10.0.0.9"}}),
        ] {
            assert!(parse_pool(&obj(bad.clone())).is_err(), "{bad}");
        }
        assert!(parse_service(&obj(json!({"dhcp-config": "maybe"}))).is_err());
        assert!(!parse_service(&obj(json!({"dhcp-config": false}))).unwrap());
        assert!(parse_service(&Map::new()).unwrap(), "absent: on");
    }

    #[test]
    fn a_written_pool_reads_back_as_itself_and_carries_what_is_not_modelled() {
        let read = obj(json!({"id": "a", "bootfile": "pxe.bin",
            "network": {"primary-network": {"number": "10.0.0.0", "mask": "255.255.255.0"}},
            "next-server": ["10.9.0.5"], "dns-server": {"dns-server-list": ["10.9.0.1"]}}));
        let mut pool = parse_pool(&read).unwrap().unwrap();
        pool.options.dns_servers = vec!["10.9.0.2".parse().unwrap()];
        let body = pool_body("a", &pool, Some(&read), None);
        let sent = obj(body[POOLS][0].clone());
        assert_eq!(sent.keys().next().map(String::as_str), Some("id"));
        assert_eq!(sent["bootfile"], "pxe.bin");
        assert_eq!(sent["next-server"], json!(["10.9.0.5"]));
        assert_eq!(parse_pool(&sent).unwrap().unwrap(), pool);
    }

    #[test]
    fn interfaces_split_into_type_and_key_and_vrf_helpers_are_unmanaged() {
        let i = obj(json!({
            "GigabitEthernet": [{"name": "1/0/1", "ip": {"helper-address": [
                {"address": "10.9.0.1"}, {"address": "10.9.0.2", "vrf": "mgmt"},
                {"address": "10.9.0.3", "global": [null]}]}}],
            "Vlan": [{"name": 10}]
        }));
        let r = parse_interfaces(&i).unwrap();
        let gi = InterfaceName::new("GigabitEthernet1/0/1");
        let i2 = obj(json!({"Port-channel-subinterface": {"Port-channel": [{"name": "5.100"}]}}));
        let pc = parse_interfaces(&i2).unwrap();
        assert_eq!(
            pc.exist[&InterfaceName::new("Port-channel5.100")],
            (
                "Port-channel-subinterface/Port-channel".to_string(),
                "5.100".to_string()
            )
        );
        assert_eq!(r.relays[&gi].len(), 1);
        assert_eq!(r.unmanaged.len(), 2);
        assert_eq!(
            r.exist[&InterfaceName::new("Vlan10")],
            ("Vlan".to_string(), "10".to_string())
        );
    }
}
