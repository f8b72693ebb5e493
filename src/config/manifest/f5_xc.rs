//! The `f5-xc` desired-state file: the DHCP servers of the site interfaces it lists
//! (`interfaces:`, keyed by `network_interface` name) and `expect:` checks on the leases.

use super::ios_xe::{ExpectIn, lower_expect};
use super::lower::Lowerer;
use super::{Diags, List, Raw, SourceFile, Sp};
use crate::model::f5::{
    Addressing, Dns, F5Desired, F5DhcpServer, Gateway, MAX_NODES, MAX_POOLS, MAX_RESERVATIONS,
    PoolMode,
};
use crate::model::{AddrRange, Mac};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("patternProperties" = {"^x-": {}}))]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
/// Desired DHCP state of one F5 Distributed Cloud site.
pub struct F5XcFile {
    /// DHCP servers by `network_interface` name. Omit to leave every interface unmanaged;
    /// interfaces not listed are never written.
    #[schemars(with = "Option<BTreeMap<String, InterfaceIn>>")]
    pub interfaces: Option<Sp<BTreeMap<String, Sp<InterfaceIn>>>>,
    /// Checks on the site's leases, run by `drift`.
    pub expect: Option<ExpectIn>,
}

/// The DHCP server of one interface.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct InterfaceIn {
    /// The network served, x.x.x.x/nn.
    #[schemars(with = "String")]
    pub network: Option<Raw>,
    /// Address ranges `a.b.c.d-e.f.g.h` (or single addresses), at most 16.
    #[schemars(with = "Option<Vec<String>>")]
    pub pools: Option<Sp<List>>,
    /// `first` (default), `last`, or an address.
    #[schemars(with = "Option<String>")]
    pub gateway: Option<Raw>,
    /// `same-as-gateway` (default) or an address.
    #[schemars(with = "Option<String>")]
    pub dns: Option<Raw>,
    /// `include` (default: the pools are handed out) or `exclude` (the pools are not).
    #[schemars(with = "Option<String>")]
    pub pool_mode: Option<Raw>,
    /// The site's own address: `from-start` (default), `from-end`, or `{site:node: address}`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub interface_addressing: Option<Raw>,
    /// MAC -> address, at most 128, addresses unique and inside the network.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub reservations: Option<Sp<BTreeMap<String, Raw>>>,
}

pub fn load(file: &SourceFile, diags: &mut Diags) -> Option<F5Desired> {
    let parsed: F5XcFile = file.parse(diags)?;
    let mut lw = Lowerer::new(file, diags);
    let expect = parsed
        .expect
        .as_ref()
        .map(|e| lower_expect(&mut lw, e))
        .unwrap_or_default();
    let interfaces = parsed.interfaces.as_ref().map(|ifaces| {
        let mut out = BTreeMap::new();
        for (name, iface) in &ifaces.value {
            if !crate::model::names::dns_label(name) {
                let span = lw.span(iface);
                lw.error_help(
                    span,
                    format!("`{name}` cannot be a network_interface name"),
                    "bad name",
                    "F5 XC names are DNS labels: 1-63 lower-case letters, digits and `-`",
                );
                continue;
            }
            if let Some(server) = lower_interface(&mut lw, name, iface) {
                out.insert(name.clone(), server);
            }
        }
        out
    });
    Some(F5Desired { interfaces, expect })
}

fn word(v: &Raw) -> Option<&str> {
    v.value.as_str().map(str::trim)
}

fn lower_interface(lw: &mut Lowerer, name: &str, i: &Sp<InterfaceIn>) -> Option<F5DhcpServer> {
    let span = lw.span(i);
    let before = lw.errors();
    let Some(net_raw) = &i.value.network else {
        lw.error_help(
            span,
            format!("interface `{name}` has no `network`"),
            "no network",
            "add `network: x.x.x.x/nn`, the network the DHCP server serves",
        );
        return None;
    };
    let network = lw.network(net_raw)?;
    let inside = |ip: Ipv4Addr| network.contains(&ip);
    let pools = lower_pools(lw, i.value.pools.as_ref(), network);
    let gateway = match &i.value.gateway {
        None => Gateway::First,
        Some(v) => match word(v) {
            Some("first") => Gateway::First,
            Some("last") => Gateway::Last,
            _ => match lw.ipv4(v, "gateway (`first`, `last` or an address)") {
                Some(ip) if inside(ip) => Gateway::Address(ip),
                Some(ip) => {
                    let s = lw.span(v);
                    lw.error(
                        s,
                        format!("gateway {ip} is not inside the network {network}"),
                        "outside the network",
                    );
                    Gateway::First
                }
                None => Gateway::First,
            },
        },
    };
    let dns = match &i.value.dns {
        None => Dns::SameAsGateway,
        Some(v) if word(v) == Some("same-as-gateway") => Dns::SameAsGateway,
        Some(v) => lw
            .ipv4(v, "DNS server (`same-as-gateway` or an address)")
            .map_or(Dns::SameAsGateway, Dns::Address),
    };
    let pool_mode = match i.value.pool_mode.as_ref().map(|v| (v, word(v))) {
        None | Some((_, Some("include"))) => PoolMode::Include,
        Some((_, Some("exclude"))) => PoolMode::Exclude,
        Some((v, _)) => {
            let s = lw.span(v);
            lw.error_help(
                s,
                format!(
                    "expected `include` or `exclude`, found `{}`",
                    super::lower::display(&v.value)
                ),
                "unknown pool mode",
                "include: the pools are the addresses handed out; exclude: the pools are the \
                 addresses never handed out",
            );
            PoolMode::Include
        }
    };
    let interface_addressing = addressing(lw, i.value.interface_addressing.as_ref(), &inside);
    let reservations = reservations(lw, i.value.reservations.as_ref(), network);
    (lw.errors() == before).then_some(F5DhcpServer {
        network,
        pools,
        gateway,
        dns,
        pool_mode,
        interface_addressing,
        reservations,
    })
}

/// The pools of an interface: inside its network, not overlapping, at most `MAX_POOLS`.
fn lower_pools(
    lw: &mut Lowerer,
    list: Option<&Sp<List>>,
    network: ipnet::Ipv4Net,
) -> BTreeSet<AddrRange> {
    let mut pools = BTreeSet::new();
    let inside = |ip: Ipv4Addr| network.contains(&ip);
    if let Some(list) = list {
        if list.value.0.len() > MAX_POOLS {
            let s = lw.span(list);
            lw.error(
                s,
                format!(
                    "at most {MAX_POOLS} pools per interface, found {}",
                    list.value.0.len()
                ),
                "too many",
            );
        }
        for item in &list.value.0 {
            let s = lw.span_in(item, list);
            let Some(r) = lw.range_at(&item.value, s) else {
                continue;
            };
            if !inside(r.low) || !inside(r.high) {
                lw.error(
                    s,
                    format!("pool {r} is not inside the network {network}"),
                    "outside the network",
                );
            } else if pools
                .iter()
                .any(|p: &AddrRange| p.low <= r.high && r.low <= p.high)
            {
                lw.error(s, format!("pool {r} overlaps another pool"), "overlap");
            } else {
                pools.insert(r);
            }
        }
    }
    pools
}

fn addressing(lw: &mut Lowerer, v: Option<&Raw>, inside: &dyn Fn(Ipv4Addr) -> bool) -> Addressing {
    let Some(v) = v else {
        return Addressing::FromStart;
    };
    let span = lw.span(v);
    match &v.value {
        Value::String(s) if s.trim() == "from-start" => Addressing::FromStart,
        Value::String(s) if s.trim() == "from-end" => Addressing::FromEnd,
        Value::Object(map) => {
            if map.len() > MAX_NODES {
                lw.error(
                    span,
                    format!("at most {MAX_NODES} node addresses, found {}", map.len()),
                    "too many",
                );
            }
            let mut nodes = BTreeMap::new();
            for (node, ip) in map {
                match lw.ipv4_at(ip, span, "node address") {
                    Some(ip) if inside(ip) => {
                        nodes.insert(node.clone(), ip);
                    }
                    Some(ip) => lw.error(
                        span,
                        format!("the address {ip} of node `{node}` is not inside the network"),
                        "outside the network",
                    ),
                    None => {}
                }
            }
            Addressing::Nodes(nodes)
        }
        other => {
            lw.error_help(
                span,
                format!(
                    "expected `from-start`, `from-end` or a mapping of node to address, found \
                     `{}`",
                    super::lower::display(other)
                ),
                "unknown addressing",
                "e.g. `interface-addressing: { site-a:node-1: 192.168.10.2 }`",
            );
            Addressing::FromStart
        }
    }
}

fn reservations(
    lw: &mut Lowerer,
    map: Option<&Sp<BTreeMap<String, Raw>>>,
    network: ipnet::Ipv4Net,
) -> BTreeMap<Mac, Ipv4Addr> {
    let mut out = BTreeMap::new();
    let Some(map) = map else {
        return out;
    };
    if map.value.len() > MAX_RESERVATIONS {
        let s = lw.span(map);
        lw.error(
            s,
            format!(
                "at most {MAX_RESERVATIONS} reservations per interface, found {}",
                map.value.len()
            ),
            "too many",
        );
    }
    let mut taken: BTreeMap<Ipv4Addr, Mac> = BTreeMap::new();
    for (mac, ip) in &map.value {
        let span = lw.span(ip);
        let mac = match mac.parse::<Mac>() {
            Ok(m) if m.0[0] & 1 == 1 => {
                lw.error(
                    span,
                    format!("{m} is a multicast address: no client has it"),
                    "not unicast",
                );
                continue;
            }
            Ok(m) => m,
            Err(e) => {
                lw.error(
                    span,
                    format!("reservation key: {}", e.0),
                    "not a MAC address",
                );
                continue;
            }
        };
        let Some(ip) = lw.ipv4(ip, "reserved address") else {
            continue;
        };
        if !network.contains(&ip) {
            lw.error(
                span,
                format!("reserved address {ip} is not inside the network {network}"),
                "outside the network",
            );
        } else if let Some(other) = taken.get(&ip) {
            lw.error(
                span,
                format!("{ip} is reserved for {other} and {mac}"),
                "duplicate address",
            );
        } else if let std::collections::btree_map::Entry::Vacant(e) = out.entry(mac) {
            taken.insert(ip, mac);
            e.insert(ip);
        } else {
            lw.error(span, format!("{mac} is reserved twice"), "duplicate MAC");
        }
    }
    out
}
