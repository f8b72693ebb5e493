//! CPU benchmarks (README, "Benchmarks"): plan (diff, order, render) of one device with 5,000
//! pools and 2,000 exclusions, and validation of a 5,000-pool file. Prints peak memory too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use criterion::{Criterion, criterion_group, criterion_main};
use dhcpform::config::manifest::{Diags, SourceFile, ios_xe};
use dhcpform::model::{
    AddrRange, DeviceConfig, LeaseDuration, LiveConfig, Pool, PoolKind, PoolOptions, Server,
};
use dhcpform::plan::{PlanFile, Policy, plan_ios_xe};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::Ipv4Addr;

const POOLS: u32 = 5_000;
const EXCLUSIONS: u32 = 2_000;

fn pool(i: u32, lease_h: u32) -> Pool {
    let net = format!("10.{}.{}.0/24", i / 256, i % 256).parse().unwrap();
    Pool {
        kind: PoolKind::Dynamic {
            network: net,
            lease: LeaseDuration::Minutes(lease_h * 60),
        },
        options: PoolOptions {
            default_gateway: vec![Ipv4Addr::new(10, (i / 256) as u8, (i % 256) as u8, 1)],
            dns_servers: vec![Ipv4Addr::new(10, 250, 0, 53)],
            ..Default::default()
        },
    }
}

fn exclusions(shift: u32) -> std::collections::BTreeSet<AddrRange> {
    (0..EXCLUSIONS)
        .map(|i| {
            let low = Ipv4Addr::new(10, (i / 256) as u8, (i % 256) as u8, 1 + shift as u8);
            AddrRange {
                low,
                high: Ipv4Addr::new(10, (i / 256) as u8, (i % 256) as u8, 10 + shift as u8),
            }
        })
        .collect()
}

/// Live and desired differing in 10% of the pools, a tenth of the exclusions and some deletes.
fn scenario() -> (LiveConfig, DeviceConfig) {
    let live_pools: BTreeMap<String, Pool> = (0..POOLS)
        .map(|i| (format!("p{i:05}"), pool(i, 8)))
        .collect();
    let mut desired_pools = live_pools.clone();
    for i in (0..POOLS).step_by(10) {
        desired_pools.insert(format!("p{i:05}"), pool(i, 12));
    }
    for i in (5..POOLS).step_by(50) {
        desired_pools.remove(&format!("p{i:05}"));
    }
    let mut dex = exclusions(0);
    dex.extend(exclusions(20).into_iter().take(200));
    let live = LiveConfig {
        unmanageable: Default::default(),
        notes: vec![],
        server: Server {
            enable: true,
            excluded_addresses: exclusions(0),
            relay_agents: BTreeMap::new(),
        },
        pools: live_pools,
    };
    let desired = DeviceConfig {
        server: Some(Server {
            enable: true,
            excluded_addresses: dex,
            relay_agents: BTreeMap::new(),
        }),
        pools: Some(desired_pools.into()),
    };
    (live, desired)
}

fn big_file() -> String {
    let (_, desired) = scenario();
    dhcpform::config::manifest::write::render(&desired, "")
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn benches(c: &mut Criterion) {
    let (live, desired) = scenario();
    let policy = Policy {
        prune: true,
        protected: &[],
        safety: dhcpform::config::inventory::Settings::default().safety,
        force: true,
    };
    c.bench_function(
        "plan 5000 pools + 2000 exclusions (diff, order, render text)",
        |b| {
            b.iter(|| {
                let plan = plan_ios_xe(
                    "big",
                    black_box(&desired),
                    black_box(&live),
                    &policy,
                    &dhcpform::platform::ios_xe_rest::Rest,
                );
                let file = PlanFile::new(dhcpform::plan::Kind::Plan, vec![plan]);
                let text = dhcpform::render::stream::Format::Text;
                let out = dhcpform::render::stream::render(&file, text, Default::default());
                black_box(out.len())
            })
        },
    );
    let text = big_file();
    println!(
        "validate input: {} pools, {} bytes",
        POOLS - POOLS / 50,
        text.len()
    );
    c.bench_function(
        "validate a 5000-pool file (parse, lower, cross-field rules)",
        |b| {
            b.iter(|| {
                let file = SourceFile::new(
                    "big.yaml",
                    std::path::Path::new("big.yaml"),
                    black_box(&text),
                );
                let mut diags = Diags::default();
                let lowered = ios_xe::load(&file, &mut diags).unwrap();
                dhcpform::config::validate::check_ios_xe(&file, &lowered, &mut diags);
                black_box(diags.0.len())
            })
        },
    );
    println!(
        "peak memory of this benchmark process: {:.1} MB",
        peak_rss_mb()
    );
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .sample_size(20)
        .measurement_time(std::time::Duration::from_secs(5));
    targets = benches
}
criterion_main!(group);
