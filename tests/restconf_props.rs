//! Property test of RESTCONF planning: for random live and desired states, executing the
//! planned RESTCONF calls one at a time on the emulator's RESTCONF personality (over HTTP)
//! reaches the desired state, no two dynamic pools overlap at any moment, no address is
//! leasable that neither the live nor the desired state leases, and every pool is written once
//! (twice for a replacement).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestSim;
use common::props::{leasable, overlaps, pools_strategy, server_strategy};
use dhcpform::model::{DeviceConfig, LiveConfig, Server};
use dhcpform::plan::{Action, Policy, plan_ios_xe};
use dhcpform::platform::http::{Http, Secret, TlsOptions};
use dhcpform::platform::ios_xe_restconf::{Conf, Restconf, wire};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The device's RESTCONF tree for a live state: interfaces Gi0 and Gi1 exist.
fn seed(live: &LiveConfig) -> Value {
    let (mut singles, mut ranges) = (vec![], vec![]);
    for r in &live.server.excluded_addresses {
        match wire::exclusion_entry(r) {
            ("low-address-list", e) => singles.push(e),
            (_, e) => ranges.push(e),
        }
    }
    let pools: Vec<Value> = live
        .pools
        .iter()
        .map(|(n, p)| wire::pool_body(n, p, None, Some(24))["Cisco-IOS-XE-dhcp:pool"][0].clone())
        .collect();
    let iface = |n: &str| {
        let name = dhcpform::model::InterfaceName::new(&format!("GigabitEthernet{n}"));
        let helpers: Vec<Value> = live
            .server
            .relay_agents
            .get(&name)
            .into_iter()
            .flatten()
            .map(|a| json!({"address": a.to_string()}))
            .collect();
        json!({"name": n, "ip": {"helper-address": helpers}})
    };
    let mut service = json!({});
    if !live.server.enable {
        service = json!({"dhcp-config": false});
    }
    json!({"restconf": {
        "service": service,
        "dhcp": {
            "Cisco-IOS-XE-dhcp:excluded-address": {
                "low-address-list": singles, "low-high-address-list": ranges},
            "Cisco-IOS-XE-dhcp:pool": pools,
        },
        "interface": {"GigabitEthernet": [iface("0"), iface("1")]},
    }})
}

fn client(url: &str) -> Restconf {
    let http = Http::new(
        std::time::Duration::from_secs(5),
        0,
        &TlsOptions::default(),
        None,
    );
    Restconf::new(http.unwrap(), url, "admin", Secret::new("admin"))
}

thread_local! {
    static SIM: std::rc::Rc<TestSim> = std::rc::Rc::new(TestSim::fleet(4));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None,
        ..ProptestConfig::default() })]

    #[test]
    fn executing_the_restconf_plan_reaches_desired_and_keeps_the_invariants(
        live_server in server_strategy(),
        live_pools in pools_strategy(),
        desired_server in server_strategy(),
        desired_pools in pools_strategy(),
    ) {
        let sim = SIM.with(|s| s.clone());
        let live = LiveConfig { server: live_server, pools: live_pools, ..LiveConfig::default() };
        let desired = DeviceConfig { server: Some(desired_server.clone()),
            pools: Some(desired_pools.clone().into()) };
        let end_nets: Vec<_> = desired_pools.values().filter_map(|p| p.kind.network()).collect();
        prop_assume!(end_nets.iter().enumerate()
            .all(|(i, a)| end_nets[i + 1..].iter().all(|b| !overlaps(*a, *b))));
        sim.seed("p", seed(&live));
        let c = client(&sim.url("p"));
        let read = sim.rt.block_on(c.read()).unwrap();
        prop_assert_eq!(&read.live.server, &live.server, "seeding round-trips");
        prop_assert_eq!(&read.live.pools, &live.pools, "seeding round-trips");
        let policy = Policy { prune: true, protected: &[],
            safety: dhcpform::config::inventory::Settings::default().safety, force: true };
        let lowering = Conf { read: &read, desired: &desired, save_config: false };
        let plan = plan_ios_xe("p", &desired, &read.live, &policy, &lowering);

        let pool_changes: usize = plan.changes.iter()
            .filter(|c| c.resource.pool_name().is_some())
            .map(|c| if c.action == Action::Replace { 2 } else { 1 })
            .sum();
        let pool_writes = plan.operations.iter().filter(|o| o.path.contains("pool=")).count();
        prop_assert_eq!(pool_writes, pool_changes, "one write per changed pool");

        let allowed: BTreeSet<u32> = leasable(&live.server, &live.pools)
            .union(&leasable(&desired_server, &desired_pools)).copied().collect();
        for op in &plan.operations {
            let method = dhcpform::platform::http::method(op.method);
            let res = sim.rt.block_on(c.call(method, &op.path, op.body.as_ref()));
            prop_assert!(res.is_ok(), "{} {} refused: {:?}", op.method, op.path, res.err());
            let now = sim.rt.block_on(c.read()).unwrap().live;
            let nets: Vec<_> = now.pools.values().filter_map(|p| p.kind.network()).collect();
            for (i, a) in nets.iter().enumerate() {
                for b in &nets[i + 1..] {
                    prop_assert!(!overlaps(*a, *b), "overlap after {} {}", op.method, op.path);
                }
            }
            let lease_now = leasable(&now.server, &now.pools);
            prop_assert!(lease_now.is_subset(&allowed), "after {} {} an address is leasable \
                that neither live nor desired lease", op.method, op.path);
        }
        let end = sim.rt.block_on(c.read()).unwrap().live;
        let want = Server { ..desired_server };
        prop_assert_eq!(&end.server, &want);
        prop_assert_eq!(&end.pools, &desired_pools);
    }
}
