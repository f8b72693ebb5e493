//! Property tests of planning and ordering: for random live/desired pairs, executing the planned
//! calls on the emulator (over HTTP, one at a time) reaches the desired state, and every
//! intermediate state keeps the invariants of DESIGN.md section 4.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestSim;
use common::props::{leasable, overlaps, pools_strategy, server_strategy};
use dhcpform::config::manifest::SourceFile;
use dhcpform::model::{DeviceConfig, LiveConfig, PoolKind};
use dhcpform::plan::{Action, Policy, plan_ios_xe};
use dhcpform::platform::ios_xe_rest::Rest;
use dhcpform::platform::ios_xe_rest::wire;
use proptest::prelude::*;
use std::collections::BTreeSet;

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
            pools: Some(desired_pools.clone().into()) };
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
        let config = DeviceConfig { server: Some(server), pools: Some(pools.into()) };
        let text = dhcpform::config::manifest::write::render(&config, "# test\n");
        let file = SourceFile::new("t.yaml", std::path::Path::new("t.yaml"),
            &text);
        let mut diags = dhcpform::config::manifest::Diags::default();
        let lowered = dhcpform::config::manifest::ios_xe::load(&file, &mut diags);
        prop_assert!(!diags.has_errors(), "{:?}\n{}", diags, text);
        prop_assert_eq!(lowered.unwrap().config, config);
    }
}
