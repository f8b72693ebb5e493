//! The engine as a library: ordered per-device results, bounded concurrency, one place where
//! sessions end (every token requested is released), and nothing written when a confirmation
//! is refused. Real HTTP to the emulator on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, TestSim};
use dhcpform::engine::{ApplyRequest, DeviceLeases, Engine, Options, PlanMode, Selection};
use dhcpform::plan::DevicePlan;

const NAMES: [&str; 6] = ["r5", "r3", "r1", "r6", "r2", "r4"];

fn fleet() -> (TestSim, Repo) {
    let sim = TestSim::fleet(10);
    let urls: Vec<(String, String)> = NAMES.iter().map(|n| (n.to_string(), sim.url(n))).collect();
    let refs: Vec<(&str, &str)> = urls.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let repo = Repo::ios(&refs, "");
    for (i, n) in NAMES.iter().enumerate() {
        repo.desired(
            n,
            &format!("pools:\n  staff:\n    dynamic: {{ address-range: 10.{i}.0.0/24 }}\n"),
        );
    }
    credentials();
    (sim, repo)
}

/// The inventory names these variables; set once, before any test reads them.
fn credentials() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once under `Once`, to the same values, before the engine reads them.
    ONCE.call_once(|| unsafe {
        std::env::set_var("DHCPFORM_TEST_USER", "admin");
        std::env::set_var("DHCPFORM_TEST_PASS", "admin");
    });
}

fn engine(repo: &Repo, parallelism: usize, selection: Selection) -> Engine {
    let (engine, diags) = Engine::load(
        repo.path(),
        Options {
            selection,
            parallelism: Some(parallelism),
            log: None,
        },
    );
    assert_eq!(diags.errors(), 0);
    engine.unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Token requests and token releases each device received.
fn tokens(sim: &TestSim, device: &str) -> (usize, usize) {
    let j = sim.journal(device);
    let asked = j
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/api/v1/auth/token-services")
        .count();
    let released = j
        .iter()
        .filter(|e| e.method == "DELETE" && e.path.starts_with("/api/v1/auth/token-services/"))
        .count();
    (asked, released)
}

#[test]
fn plans_come_in_name_order_and_every_token_is_released() {
    let (sim, repo) = fleet();
    let rt = runtime();
    let mut got: Vec<DevicePlan> = vec![];
    rt.block_on(
        engine(&repo, 2, Selection::default()).plan(PlanMode::default(), &mut |d| got.push(d)),
    )
    .unwrap();
    let names: Vec<&str> = got.iter().map(|d| d.device.as_str()).collect();
    assert_eq!(names, ["r1", "r2", "r3", "r4", "r5", "r6"]);
    for d in &got {
        assert!(d.error.is_none(), "{d:?}");
        assert_eq!(d.changes.len(), 1, "{}: one pool to create", d.device);
        assert_eq!(tokens(&sim, &d.device), (1, 1), "{}", d.device);
    }
}

#[test]
fn selection_and_shards_choose_the_devices() {
    let (_sim, repo) = fleet();
    let sel = Selection {
        devices: vec!["r[1-4]".into()],
        excludes: vec!["r2".into()],
        shard: None,
    };
    let e = engine(&repo, 4, sel);
    let names: Vec<&str> = e.entries().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["r1", "r3", "r4"]);
    let mut all: Vec<String> = (1..=3)
        .flat_map(|i| {
            let sel = Selection {
                shard: Some((i, 3)),
                ..Selection::default()
            };
            let e = engine(&repo, 4, sel);
            e.entries().map(|x| x.name.clone()).collect::<Vec<_>>()
        })
        .collect();
    all.sort();
    assert_eq!(all, ["r1", "r2", "r3", "r4", "r5", "r6"]);
}

#[test]
fn leases_come_in_name_order_and_release_tokens() {
    let (sim, repo) = fleet();
    let rt = runtime();
    let mut got: Vec<DeviceLeases> = vec![];
    rt.block_on(engine(&repo, 3, Selection::default()).leases(&mut |d| got.push(d)))
        .unwrap();
    let names: Vec<&str> = got.iter().map(|d| d.device.as_str()).collect();
    assert_eq!(names, ["r1", "r2", "r3", "r4", "r5", "r6"]);
    for d in &got {
        assert!(d.result.is_ok(), "{d:?}");
        assert_eq!(tokens(&sim, &d.device), (1, 1), "{}", d.device);
    }
}

#[test]
fn a_refused_confirmation_writes_nothing_and_releases_every_token() {
    let (sim, repo) = fleet();
    let rt = runtime();
    let mut shown = Vec::new();
    let prepared = rt
        .block_on(
            engine(&repo, 2, Selection::default()).prepare(ApplyRequest::default(), &mut |d| {
                shown.push(d.device.clone())
            }),
        )
        .unwrap();
    assert_eq!(
        shown,
        ["r1", "r2", "r3", "r4", "r5", "r6"],
        "every plan shown, by name"
    );
    assert!(prepared.has_writes(), "every device has a pool to create");
    rt.block_on(prepared.cancel());
    for n in NAMES {
        assert!(sim.writes(n).is_empty(), "{n}: {:?}", sim.writes(n));
        assert_eq!(tokens(&sim, n), (1, 1), "{n}");
    }
}

#[test]
fn apply_converges_every_device_and_releases_every_token() {
    let (sim, repo) = fleet();
    let rt = runtime();
    let prepared = rt
        .block_on(
            engine(&repo, 2, Selection::default()).prepare(ApplyRequest::default(), &mut |_| {}),
        )
        .unwrap();
    let reports = rt.block_on(prepared.execute());
    let names: Vec<&str> = reports.iter().map(|r| r.device.as_str()).collect();
    assert_eq!(names, ["r1", "r2", "r3", "r4", "r5", "r6"]);
    for r in &reports {
        assert_eq!(r.converged, Some(true), "{r:?}");
        assert_eq!(sim.writes(&r.device), ["POST /api/v1/dhcp/pool 201"]);
        assert_eq!(tokens(&sim, &r.device), (1, 1), "{}", r.device);
    }
}
