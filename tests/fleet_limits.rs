//! Fleet behaviour that keeps one endpoint and the process's descriptors safe: the per-host
//! limit shared by every device on a host, and sessions ended right after each device's last
//! call (bounded, beside the output), checked on the emulator's own count of requests in
//! flight and its journal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::{Faults, SimOptions};

/// An emulator (one host) of `devices` devices, answering after 30 ms.
fn slow_sim(devices: usize) -> TestSim {
    TestSim::start(SimOptions {
        fleet: Some(devices),
        faults: Faults {
            latency_ms: 30,
            ..Faults::default()
        },
        ..SimOptions::default()
    })
}

/// `n` IOS XE devices on one emulator (one host) that answers after `latency` ms, each with a
/// pool to create.
fn fleet(n: usize, settings: &str) -> (TestSim, Repo) {
    let sim = slow_sim(n);
    let repo = Repo::ios_fleet(&sim, "d", n, "staff", settings);
    (sim, repo)
}

#[test]
fn one_host_never_gets_more_requests_at_once_than_its_limit() {
    let (sim, repo) = fleet(12, "  parallelism: 12\n  per-host-limit: 3\n");
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let peak = sim.handle.sim.peak_in_flight();
    assert!((1..=3).contains(&peak), "peak {peak}");
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert!(sim.handle.sim.peak_in_flight() <= 3);
    // without the setting, the same fleet runs wider (the default limit is 32)
    let (sim, repo) = fleet(12, "  parallelism: 12\n");
    assert_eq!(run(&["plan"], repo.path()).code, 0);
    assert!(
        sim.handle.sim.peak_in_flight() > 3,
        "the limit is what held it"
    );
}

#[test]
fn each_token_is_released_after_its_devices_last_call() {
    let (sim, repo) = fleet(6, "  parallelism: 3\n");
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    for d in (0..6).map(|i| format!("d{i:02}")) {
        let j = sim.journal(&d);
        let last = j.last().unwrap();
        assert!(
            last.method == "DELETE" && last.path.starts_with("/api/v1/auth/token-services/"),
            "{d}: {:?}",
            j.iter()
                .map(|e| format!("{} {}", e.method, e.path))
                .collect::<Vec<_>>()
        );
        let releases = j
            .iter()
            .filter(|e| e.method == "DELETE" && e.path.contains("token"))
            .count();
        let logins = j
            .iter()
            .filter(|e| e.method == "POST" && e.path.contains("token"))
            .count();
        assert_eq!(releases, logins, "{d}: every token released once");
    }
    let bad = "  per-host-limit: 0\n";
    let (_sim, repo) = fleet(1, bad);
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 1);
    assert!(
        v.stderr.contains("per-host-limit is 1 to 1024"),
        "{}",
        v.stderr
    );
}

/// `sites` F5 XC sites of one tenant (one host), each listing `n` interfaces, answered after
/// 30 ms: a plan reads every listed interface of a site at once.
fn tenant(sites: usize, n: usize, settings: &str) -> (TestSim, Repo) {
    let sim = slow_sim(sites);
    let mut inv = format!("settings:\n  timeout: 10s\n{settings}devices:\n");
    for s in 0..sites {
        let site = format!("site{s}");
        let mut interfaces = serde_json::Map::new();
        for i in 0..n {
            interfaces.insert(
                format!("system/eth{i}"),
                serde_json::json!({
                    "metadata": {"name": format!("eth{i}"), "namespace": "system"},
                    "spec": {"ethernet_interface": {"device": format!("eth{i}"),
                        "dhcp_server": {"dhcp_networks": [{
                            "network_prefix": format!("10.{i}.0.0/24"),
                            "pools": [{"start_ip": format!("10.{i}.0.50"),
                                "end_ip": format!("10.{i}.0.99")}],
                            "first_address": {}, "same_as_dgw": {}}],
                        "automatic_from_start": {}}}}
                }),
            );
        }
        sim.seed(
            &site,
            serde_json::json!({
                "f5": {format!("system/{site}"): {"lease_info": [], "subnet_info": []}},
                "f5_interfaces": interfaces,
            }),
        );
        inv.push_str(&format!(
            "  {site}:\n    platform: f5-xc\n    url: {}\n    site: {site}\n    auth: {{ \
             api-token-env: XC_TOKEN }}\n",
            sim.url(&site)
        ));
    }
    let repo = Repo::new(&inv);
    for s in 0..sites {
        let mut desired = String::from("interfaces:\n");
        for i in 0..n {
            desired.push_str(&format!(
                "  eth{i}:\n    network: 10.{i}.0.0/24\n    pools: [10.{i}.0.50-10.{i}.0.99]\n"
            ));
        }
        repo.desired(&format!("site{s}"), &desired);
    }
    (sim, repo)
}

#[test]
fn the_sites_of_one_tenant_share_its_limit() {
    let plan = |repo: &Repo| -> common::Run {
        common::dhcpform()
            .env("XC_TOKEN", "sim-token")
            .args(["plan"])
            .arg(repo.path())
            .output()
            .unwrap()
            .into()
    };
    let (sim, repo) = tenant(4, 8, "  parallelism: 4\n  per-host-limit: 3\n");
    let r = plan(&repo);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // every listed interface of every site was read
    for s in 0..4 {
        let reads = sim
            .journal(&format!("site{s}"))
            .iter()
            .filter(|e| e.method == "GET" && e.path.contains("/network_interfaces/eth"))
            .count();
        assert_eq!(reads, 8, "site{s}");
    }
    let peak = sim.handle.sim.peak_in_flight();
    assert!((1..=3).contains(&peak), "peak {peak}");
    // the default limit (32) lets the 32 reads of the four sites go at once
    let (sim, repo) = tenant(4, 8, "  parallelism: 4\n");
    assert_eq!(plan(&repo).code, 0);
    let peak = sim.handle.sim.peak_in_flight();
    assert!(peak > 3, "the limit is what held it: peak {peak}");
}
