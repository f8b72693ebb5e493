//! Property tests of planning and ordering: for random live/desired pairs, executing the planned
//! calls on the emulator (over HTTP, one at a time) reaches the desired state, and every
//! intermediate state keeps the invariants of DESIGN.md section 4.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestSim;
use dhcpform::config::manifest::SourceFile;
use dhcpform::model::{
    AddrRange, DeviceConfig, InterfaceName, LeaseDuration, LiveConfig, Mac, Pool, PoolKind,
    PoolOptions, Server,
};
use dhcpform::plan::{Action, Policy, plan_ios_xe};
use dhcpform::platform::ios_xe_rest::Rest;
use dhcpform::platform::ios_xe_rest::wire;
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
const NAMES: &[&str] = &["a", "b", "c", "d", "e"];
const EXCL: &[&str] = &[
    "10.0.0.1-10.0.0.10",
    "10.0.1.1",
    "10.0.2.100-10.0.2.200",
    "10.0.3.5-10.0.3.9",
    "10.0.0.200",
];

fn net(i: usize) -> ipnet::Ipv4Net {
    NETS[i].parse().unwrap()
}

fn overlaps(a: ipnet::Ipv4Net, b: ipnet::Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// A slot per pool name: absent, a dynamic pool on one of NETS, or a manual binding (its
/// address outside every pool, or inside one of NETS, as IOS allows).
fn pools_strategy() -> impl Strategy<Value = BTreeMap<String, Pool>> {
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

fn server_strategy() -> impl Strategy<Value = Server> {
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
fn leasable(server: &Server, pools: &BTreeMap<String, Pool>) -> BTreeSet<u32> {
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

fn state_of(sim: &TestSim, device: &str) -> LiveConfig {
    let st = sim.state(device);
    let server = wire::parse_server(st.dhcp.as_ref().unwrap()).unwrap();
    let pools = st
        .pools
        .iter()
        .map(|p| wire::parse_pool(p).unwrap())
        .collect();
    LiveConfig {
        server,
        pools,
        ..LiveConfig::default()
    }
}

fn seed_json(live: &LiveConfig) -> serde_json::Value {
    serde_json::json!({
        "dhcp": wire::server_body(&live.server),
        "pools": live.pools.iter().map(|(n, p)| wire::pool_body(n, p)).collect::<Vec<_>>(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None,
        ..ProptestConfig::default() })]

    #[test]
    fn executing_the_plan_reaches_desired_and_keeps_the_invariants(
        live_server in server_strategy(),
        live_pools in pools_strategy(),
        desired_server in server_strategy(),
        desired_pools in pools_strategy(),
        prune in any::<bool>(),
    ) {
        let sim = SIM.with(|s| s.clone());
        let live = LiveConfig {
            server: live_server, pools: live_pools, ..LiveConfig::default()
        };
        let desired = DeviceConfig { server: Some(desired_server.clone()),
            pools: Some(desired_pools.clone()) };
        sim.seed("p", seed_json(&live));
        let live_read = state_of(&sim, "p");
        prop_assert_eq!(&live_read, &live, "seeding round-trips");

        // Without prune, pools only the device has stay: the end state holds them too, and a
        // desired pool overlapping one of them cannot be reached (the device refuses it).
        let mut end_pools = desired_pools.clone();
        if !prune {
            for (n, p) in &live.pools {
                end_pools.entry(n.clone()).or_insert_with(|| p.clone());
            }
        }
        let end_nets: Vec<_> = end_pools.values().filter_map(|p| p.kind.network()).collect();
        prop_assume!(end_nets.iter().enumerate()
            .all(|(i, a)| end_nets[i + 1..].iter().all(|b| !overlaps(*a, *b))));
        let policy = Policy { prune, protected: &[],
            safety: dhcpform::config::inventory::Settings::default().safety, force: true };
        let plan = plan_ios_xe("p", &desired, &live, &policy, &Rest);

        // minimal writes: one per changed pool (two per replacement), at most two global PUTs
        let pool_changes: usize = plan.changes.iter()
            .filter(|c| c.resource.pool_name().is_some())
            .map(|c| if c.action == Action::Replace { 2 } else { 1 })
            .sum();
        let globals = plan.operations.iter().filter(|o| o.path == "/api/v1/dhcp").count();
        prop_assert_eq!(plan.operations.len(), pool_changes + globals);
        prop_assert!(globals <= 2);
        prop_assert_eq!(globals == 0, desired_server == live.server);

        let allowed: BTreeSet<u32> = leasable(&live.server,
            &live.pools).union(&leasable(&desired_server, &end_pools)).copied().collect();
        let shared_ex: BTreeSet<_> = live.server.excluded_addresses
            .intersection(&desired_server.excluded_addresses).copied().collect();
        let client = common::ios_client(&sim.url("p"));
        for op in &plan.operations {
            if op.path == "/api/v1/dhcp" {
                let body = wire::parse_server(op.body.as_ref().unwrap()).unwrap();
                prop_assert!(shared_ex.is_subset(&body.excluded_addresses), "a global PUT dropped \
                    a shared exclusion");
                for (iface, addrs) in &live.server.relay_agents {
                    if let Some(d) = desired_server.relay_agents.get(iface) {
                        let kept = body.relay_agents.get(iface).cloned().unwrap_or_default();
                        prop_assert!(addrs.intersection(d).all(|a| kept.contains(a)), "a global \
                            PUT dropped a shared relay agent");
                    }
                }
            }
            let method = dhcpform::platform::http::method(op.method);
            let res = sim.rt.block_on(client.call(method, &op.path, op.body.as_ref()));
            prop_assert!(res.is_ok(), "{} {} refused: {:?}", op.method, op.path, res.err());
            let now = state_of(&sim, "p");
            let nets: Vec<_> = now.pools.values().filter_map(|p| p.kind.network()).collect();
            for (i, a) in nets.iter().enumerate() {
                for b in &nets[i + 1..] {
                    prop_assert!(!overlaps(*a, *b), "overlap after {} {}", op.method, op.path);
                }
            }
            let lease_now = leasable(&now.server, &now.pools);
            prop_assert!(lease_now.is_subset(&allowed), "after {} {} an address is leasable that \
                neither live nor desired lease", op.method, op.path);
        }
        sim.rt.block_on(client.logout());
        let end = state_of(&sim, "p");
        prop_assert_eq!(&end.server, &desired_server);
        prop_assert_eq!(&end.pools, &end_pools);
    }
}

thread_local! {
    static SIM: std::rc::Rc<TestSim> = std::rc::Rc::new(TestSim::fleet(4));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None,
        ..ProptestConfig::default() })]

    /// The canonical YAML that `import` writes parses back to the same model.
    #[test]
    fn rendered_desired_file_lowers_to_itself(server in server_strategy(),
        pools in pools_strategy(), client in proptest::option::of("[a-z][a-z0-9-]{0,10}")) {
        let mut pools = pools;
        for p in pools.values_mut() {
            if let PoolKind::Manual { client_name, .. } = &mut p.kind {
                *client_name = client.clone();
            }
        }
        let config = DeviceConfig { server: Some(server), pools: Some(pools) };
        let text = dhcpform::config::manifest::write::render(&config, "# test\n");
        let file = SourceFile::new("t.yaml", std::path::Path::new("t.yaml"),
            &text);
        let mut diags = dhcpform::config::manifest::Diags::default();
        let lowered = dhcpform::config::manifest::ios_xe::load(&file, &mut diags);
        prop_assert!(!diags.has_errors(), "{:?}\n{}", diags, text);
        prop_assert_eq!(lowered.unwrap().config, config);
    }
}
