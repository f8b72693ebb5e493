//! Plans that know whom they hurt: the bindings are read only when a change can take
//! addresses away, each such change carries the bindings it affects, and the
//! `max-affected-clients` gate blocks (default 0), `--force` or a raised setting lifting it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::plan::PlanFile;
use dhcpform::sim::Faults;
use serde_json::json;

/// A device with a dynamic pool (3 clients from 10.1.0.21), a manual binding, and a pool
/// without clients.
fn device() -> (TestSim, Repo) {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({
            "dhcp": {"enable": true, "excluded-addresses": [
                {"low-ip-address": "10.1.0.1", "high-ip-address": "10.1.0.20"}]},
            "pools": [
                {"poolName": "staff", "dynamic": {"address-range": "10.1.0.0/23"}},
                {"poolName": "quiet", "dynamic": {"address-range": "10.2.0.0/24"}},
                {"poolName": "cam", "manual": {"host-ip-address": "10.3.0.5",
                    "mac-address": "0200.0000.0099"}}
            ],
            "clients": [{"pool": "staff", "count": 3}]
        }),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    (sim, repo)
}

const SERVER: &str = "server:\n  excluded-addresses: [10.1.0.1-10.1.0.20]\n";
const STAFF: &str = "  staff:\n    dynamic: { address-range: 10.1.0.0/23 }\n";
const QUIET: &str = "  quiet:\n    dynamic: { address-range: 10.2.0.0/24 }\n";
const CAM: &str =
    "  cam:\n    manual: { host-ip-address: 10.3.0.5, mac-address: 02:00:00:00:00:99 }\n";

fn desired(server: &str, pools: &[&str]) -> String {
    format!("{server}pools:\n{}", pools.concat())
}

fn plan_json(repo: &Repo) -> dhcpform::plan::DevicePlan {
    let r = run(&["plan", "--format", "json"], repo.path());
    let p: PlanFile =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    p.devices.into_iter().next().unwrap()
}

fn reads(sim: &TestSim) -> Vec<String> {
    sim.journal("r1")
        .into_iter()
        .filter(|e| e.method == "GET" || e.method == "POST")
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

#[test]
fn bindings_are_read_only_when_a_change_can_hurt() {
    let (sim, repo) = device();
    // a harmless change: a new option on the quiet pool
    repo.desired(
        "r1",
        &desired(
            SERVER,
            &[
                STAFF,
                "  quiet:\n    dynamic: { address-range: 10.2.0.0/24 }\n    \
             options: { domain-name: x.example }\n",
                CAM,
            ],
        ),
    );
    sim.clear_journal();
    let d = plan_json(&repo);
    assert_eq!(d.changes.len(), 1);
    assert!(d.changes[0].impact.is_none());
    assert_eq!(
        sim.journal("r1").len(),
        4,
        "token, server, pools, token release"
    );
    assert!(!reads(&sim).iter().any(|r| r.contains("bindings")));
    // a harmful change: the staff pool shrinks to a /24
    repo.desired(
        "r1",
        &desired(
            SERVER,
            &[
                "  staff:\n    dynamic: { address-range: 10.1.1.0/24 }\n",
                QUIET,
                CAM,
            ],
        ),
    );
    sim.clear_journal();
    let d = plan_json(&repo);
    assert_eq!(sim.journal("r1").len(), 5, "plus one read of the bindings");
    assert!(reads(&sim).contains(&"GET /api/v1/dhcp/active/bindings".to_string()));
    let i = d.changes[0].impact.as_ref().unwrap();
    assert_eq!((i.count, i.automatic), (3, 3), "{i:?}");
    assert_eq!(d.affected_clients, 3);
    assert!(i.bindings.iter().all(|b| b.expires.is_some()), "{i:?}");
}

#[test]
fn every_kind_of_harmful_change_counts_the_clients_it_hurts() {
    let cases: [(&str, String, usize); 6] = [
        ("pool deleted", desired(SERVER, &[QUIET, CAM]), 3),
        (
            "replaced by a manual binding",
            desired(
                SERVER,
                &[
                    "  staff:\n    manual: { host-ip-address: 10.1.0.50, \
                mac-address: 02:00:00:00:00:50 }\n",
                    QUIET,
                    CAM,
                ],
            ),
            3,
        ),
        (
            "network moved",
            desired(
                SERVER,
                &[
                    "  staff:\n    dynamic: { address-range: 10.9.0.0/23 }\n",
                    QUIET,
                    CAM,
                ],
            ),
            3,
        ),
        (
            "exclusion newly covers leases",
            desired(
                "server:\n  excluded-addresses: [10.1.0.1-10.1.0.21]\n",
                &[STAFF, QUIET, CAM],
            ),
            1,
        ),
        (
            "server disabled",
            desired(
                "server:\n  enable: false\n  excluded-addresses: [10.1.0.1-10.1.0.20]\n",
                &[STAFF, QUIET, CAM],
            ),
            4,
        ),
        (
            "manual binding's MAC changed",
            desired(
                SERVER,
                &[
                    STAFF,
                    QUIET,
                    "  cam:\n    manual: { host-ip-address: 10.3.0.5, \
                     mac-address: 02:00:00:00:00:98 }\n",
                ],
            ),
            1,
        ),
    ];
    for (what, file, count) in cases {
        let (_sim, repo) = device();
        repo.desired("r1", &file);
        let d = plan_json(&repo);
        assert_eq!(d.affected_clients, count, "{what}: {d:#?}");
        let hurt: usize = d
            .changes
            .iter()
            .filter_map(|c| c.impact.as_ref())
            .map(|i| i.count)
            .sum();
        assert!(hurt >= count, "{what}");
    }
}

#[test]
fn the_gate_blocks_names_the_count_and_is_lifted_by_force_or_the_setting() {
    let (sim, repo) = device();
    repo.desired("r1", &desired(SERVER, &[QUIET, CAM]));
    let p = run(&["plan"], repo.path());
    assert!(
        p.stdout
            .contains("takes addresses from 3 active client(s): 10.1.0.21"),
        "{}",
        p.stdout
    );
    assert!(
        p.stdout
            .contains("r1: 0 to create, 0 to update, 1 to delete, 3 client(s) affected")
    );
    let m = run(&["plan", "--format", "markdown"], repo.path());
    assert!(
        m.stdout.contains("| `r1` | 0 | 0 | 1 | 0 | 3 | blocked |"),
        "{}",
        m.stdout
    );
    assert!(
        m.stdout
            .contains("**Clients:** `pool/staff` takes addresses from 3 active client(s)")
    );
    sim.clear_journal();
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout.contains(
            "max-affected-clients (takes addresses from 3 active client(s), above \
             max-affected-clients 0; to lift: `dhcpform apply --force`"
        ),
        "{}",
        a.stdout
    );
    assert!(sim.writes("r1").is_empty());
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    repo.write(
        "dhcpform.yaml",
        &inv.replace(
            "settings:\n",
            "settings:\n  safety: { max-affected-clients: 3 }\n",
        ),
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
}

#[test]
fn force_lifts_the_gate() {
    let (sim, repo) = device();
    repo.desired("r1", &desired(SERVER, &[QUIET, CAM]));
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert_eq!(sim.writes("r1"), ["DELETE /api/v1/dhcp/pool/staff 204"]);
}

#[test]
fn an_unreadable_bindings_list_blocks_and_never_counts_as_zero() {
    let (sim, repo) = device();
    repo.desired("r1", &desired(SERVER, &[QUIET, CAM]));
    sim.faults(Faults {
        fail_get: Some("/api/v1/dhcp/active/bindings".into()),
        ..Faults::default()
    });
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout.contains("could not be read to count them"),
        "{}",
        a.stdout
    );
    assert!(sim.writes("r1").is_empty());
}

#[test]
fn summary_and_gate_give_one_count_and_binding_times_one_format() {
    // the server off takes every address: 3 automatic bindings and 1 manual
    let (_sim, repo) = device();
    repo.desired(
        "r1",
        &desired(
            "server:\n  enable: false\n  excluded-addresses: [10.1.0.1-10.1.0.20]\n",
            &[STAFF, QUIET, CAM],
        ),
    );
    let p = run(&["plan"], repo.path());
    assert!(p.stdout.contains("4 client(s) affected"), "{}", p.stdout);
    assert!(
        p.stdout.contains(
            "takes addresses from 4 active client(s): 3 with an automatic binding, above \
             max-affected-clients 0"
        ),
        "{}",
        p.stdout
    );
    // the same expiry format as `leases`: `YYYY-MM-DD HH:MM:SS (device time)`
    let until = p.stdout.split("until ").nth(1).unwrap_or("");
    let t: String = until.chars().take(19).collect();
    assert!(
        t.len() == 19 && t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b' ',
        "{until}"
    );
    assert!(until[19..].starts_with(" (device time)"), "{until}");
}
