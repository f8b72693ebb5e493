//! Random live and desired states for the property tests of planning (both IOS XE APIs), and
//! the invariants they check.

use dhcpform::model::{
    AddrRange, InterfaceName, LeaseDuration, Mac, Pool, PoolKind, PoolOptions, Server,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

const NETS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.1.0/24",
    "10.0.2.0/24",
    "10.0.3.0/24",
    "10.0.0.0/23",
    "10.0.2.0/23",
    "10.0.0.0/25",
    "10.0.0.128/25",
    "10.0.3.0/26",
];
pub const NAMES: &[&str] = &["a", "b", "c", "d", "e"];
pub const EXCL: &[&str] = &[
    "10.0.0.1-10.0.0.10",
    "10.0.1.1",
    "10.0.2.100-10.0.2.200",
    "10.0.3.5-10.0.3.9",
    "10.0.0.200",
];

pub fn net(i: usize) -> ipnet::Ipv4Net {
    NETS[i].parse().unwrap()
}

pub fn overlaps(a: ipnet::Ipv4Net, b: ipnet::Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// A slot per pool name: absent, a dynamic pool on one of NETS, or a manual binding (its
/// address outside every pool, or inside one of NETS, as IOS allows).
pub fn pools_strategy() -> impl Strategy<Value = BTreeMap<String, Pool>> {
    let slot = prop_oneof![
        2 => Just(None),
        4 => (0..NETS.len(), 0u32..3, 0usize..3)
            .prop_map(|(n, l, dns)| Some((Some(n), l, dns, false))),
        1 => (0u32..3, 0usize..3, any::<bool>())
            .prop_map(|(l, dns, inside)| Some((None, l, dns, inside))),
    ];
    proptest::collection::vec(slot, NAMES.len()).prop_map(|slots| {
        let mut out = BTreeMap::new();
        let mut taken: Vec<ipnet::Ipv4Net> = vec![];
        for (i, s) in slots.into_iter().enumerate() {
            let Some((n, l, dns, inside)) = s else {
                continue;
            };
            let options = PoolOptions {
                dns_servers: (0..dns)
                    .map(|k| Ipv4Addr::new(10, 9, 0, k as u8 + 1))
                    .collect(),
                ..Default::default()
            };
            let kind = match n {
                Some(n) => {
                    let nn = net(n);
                    if taken.iter().any(|t| overlaps(*t, nn)) {
                        continue;
                    }
                    taken.push(nn);
                    let lease = [
                        LeaseDuration::default(),
                        LeaseDuration::Infinite,
                        LeaseDuration::Minutes(8 * 60),
                    ][l as usize];
                    PoolKind::Dynamic { network: nn, lease }
                }
                None => PoolKind::Manual {
                    host: if inside {
                        Ipv4Addr::new(10, 0, 0, 50 + i as u8)
                    } else {
                        Ipv4Addr::new(10, 8, 0, i as u8 + 1)
                    },
                    mac: Mac([2, 0, 0, 0, 0, i as u8 + l as u8]),
                    client_name: None,
                },
            };
            out.insert(NAMES[i].to_string(), Pool { kind, options });
        }
        out
    })
}

pub fn server_strategy() -> impl Strategy<Value = Server> {
    (
        any::<bool>(),
        proptest::collection::btree_set(0..EXCL.len(), 0..4),
        proptest::collection::btree_set(0u8..4, 0..3),
    )
        .prop_map(|(enable, ex, relays)| Server {
            enable: enable || ex.len() % 2 == 0,
            excluded_addresses: ex
                .into_iter()
                .map(|i| EXCL[i].parse::<AddrRange>().unwrap())
                .collect(),
            relay_agents: relays
                .into_iter()
                .map(|r| {
                    (
                        InterfaceName::new(&format!("Gi{}", r % 2)),
                        [Ipv4Addr::new(10, 99, 0, r)].into_iter().collect(),
                    )
                })
                .fold(
                    BTreeMap::new(),
                    |mut m, (k, v): (InterfaceName, BTreeSet<Ipv4Addr>)| {
                        m.entry(k).or_insert_with(BTreeSet::new).extend(v);
                        m
                    },
                ),
        })
}

/// Addresses a state can lease.
pub fn leasable(server: &Server, pools: &BTreeMap<String, Pool>) -> BTreeSet<u32> {
    if !server.enable {
        return BTreeSet::new();
    }
    pools
        .values()
        .filter_map(|p| p.kind.network())
        .flat_map(|n| n.hosts().map(u32::from).collect::<Vec<_>>())
        .filter(|ip| {
            !server
                .excluded_addresses
                .iter()
                .any(|r| r.contains(Ipv4Addr::from(*ip)))
        })
        .collect()
}
