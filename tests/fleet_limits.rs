//! Fleet behaviour that keeps one endpoint and the process's descriptors safe: the per-host
//! limit shared by every device on a host, and sessions ended right after each device's last
//! call (bounded, beside the output), checked on the emulator's own count of requests in
//! flight and its journal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::{Faults, SimOptions};

/// `n` IOS XE devices on one emulator (one host) that answers after `latency` ms, each with a
/// pool to create.
fn fleet(n: usize, settings: &str) -> (TestSim, Repo) {
    let sim = TestSim::start(SimOptions {
        fleet: Some(n),
        faults: Faults {
            latency_ms: 30,
            ..Faults::default()
        },
        ..SimOptions::default()
    });
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
