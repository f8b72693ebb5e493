//! `dhcpform apply` end to end against the emulator: order, minimal writes, faults, partial
//! failure, stale plans, safety gates, secrets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::{Faults, SimOptions};
use serde_json::json;

use common::{SCENARIO_DESIRED as DESIRED, scenario_seed as seed};

fn setup(settings: &str) -> (TestSim, Repo) {
    let sim = TestSim::fleet(8);
    sim.seed("r1", seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], settings);
    repo.desired("r1", DESIRED);
    sim.clear_journal();
    (sim, repo)
}

#[test]
fn apply_converges_in_order_with_minimal_writes_then_plan_is_empty() {
    let (sim, repo) = setup("");
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("r1: 7 sent, 0 failed, 0 skipped; converged"),
        "{}",
        r.stdout
    );
    assert_eq!(
        sim.writes("r1"),
        vec![
            "PUT /api/v1/dhcp 204",
            "DELETE /api/v1/dhcp/pool/old 204",
            "DELETE /api/v1/dhcp/pool/cam 204",
            "PUT /api/v1/dhcp/pool/staff 204",
            "POST /api/v1/dhcp/pool 201",
            "POST /api/v1/dhcp/pool 201",
            "PUT /api/v1/dhcp 204",
        ]
    );
    // every global PUT is preceded by a re-read of /api/v1/dhcp
    let j = sim.journal("r1");
    for (i, e) in j.iter().enumerate() {
        if e.method == "PUT" && e.path == "/api/v1/dhcp" {
            assert_eq!(
                (j[i - 1].method.as_str(), j[i - 1].path.as_str()),
                ("GET", "/api/v1/dhcp")
            );
        }
    }
    // the pre-PUT kept every exclusion and relay agent both sides share
    let pre = j
        .iter()
        .find(|e| e.method == "PUT" && e.path == "/api/v1/dhcp")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(pre["excluded-addresses"].as_array().unwrap().len(), 2);
    assert_eq!(
        pre["relay-agents"][0]["addresses"],
        json!(["10.9.0.1", "10.9.0.2"])
    );
    sim.clear_journal();
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "{}", p.stdout);
    assert!(sim.writes("r1").is_empty());
    // a second apply has nothing to do and writes nothing
    let again = run(&["apply", "--yes"], repo.path());
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.contains("apply: nothing to do"),
        "{}",
        again.stdout
    );
    assert!(sim.writes("r1").is_empty());
}

#[test]
fn apply_survives_a_30_percent_fault_rate() {
    let (sim, repo) = setup("  retries: 12\n");
    sim.faults(Faults {
        fault_rate: 0.3,
        retry_after: 0,
        seed: Some(42),
        ..Faults::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("converged"), "{}", r.stdout);
    let faults = sim
        .journal("r1")
        .iter()
        .filter(|e| e.status == 429 || e.status == 503)
        .count();
    assert!(faults > 0, "the fault rate was exercised");
    sim.faults(Faults::default());
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "{}", p.stdout);
}

#[test]
fn retries_stop_at_the_configured_count_with_the_device_answer() {
    let (sim, repo) = setup("  retries: 2\n");
    sim.faults(Faults {
        fault_rate: 1.0,
        retry_after: 0,
        seed: Some(1),
        ..Faults::default()
    });
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("POST http://")
            && (r.stdout.contains("device answered 429")
                || r.stdout.contains("device answered 503")),
        "{}",
        r.stdout
    );
    let tries = sim
        .journal("r1")
        .iter()
        .filter(|e| e.path == "/api/v1/auth/token-services")
        .count();
    assert_eq!(tries, 3, "one try and two retries");
}

#[test]
fn nth_write_failing_exits_3_reports_exactly_and_a_second_apply_converges() {
    let (sim, repo) = setup("  retries: 0\n");
    sim.faults(Faults {
        fail_write: Some(3),
        ..Faults::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("r1: 2 sent, 1 failed, 4 skipped; NOT converged"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  sent    PUT /api/v1/dhcp (server): 204"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  sent    DELETE /api/v1/dhcp/pool/old: 204"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  failed  DELETE /api/v1/dhcp/pool/cam: DELETE http://"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("device answered 500: internal error (injected fault)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  skipped PUT /api/v1/dhcp/pool/staff"),
        "{}",
        r.stdout
    );
    assert_eq!(
        sim.writes("r1").len(),
        3,
        "nothing after the failure was sent"
    );
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("converged"));
    assert_eq!(run(&["plan", "--detailed-exitcode"], repo.path()).code, 0);
}

#[test]
fn a_failed_post_is_read_back_before_being_reported() {
    let (sim, repo) = setup("  retries: 0\n");
    // writes: PUT dhcp, DELETE old, DELETE cam, PUT staff, then the POSTs in name order (cam first)
    sim.faults(Faults {
        fail_write: Some(5),
        ..Faults::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stdout.contains("  failed  POST /api/v1/dhcp/pool"),
        "{}",
        r.stdout
    );
    // the read-back GET of the pool followed the failed POST
    let j = sim.journal("r1");
    let i = j
        .iter()
        .position(|e| e.method == "POST" && e.status == 500)
        .unwrap();
    assert_eq!(j[i + 1].method, "GET");
    assert_eq!(j[i + 1].path, "/api/v1/dhcp/pool/cam");
    assert_eq!(j[i + 1].status, 404);
}

#[test]
fn a_post_whose_answer_was_lost_is_confirmed_by_reading_back() {
    let (sim, repo) = setup("  retries: 0\n");
    // the 5th write is the first POST (cam); it is carried out, then its answer is cut off
    sim.faults(Faults {
        lose_answer: Some(5),
        ..Faults::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("r1: 7 sent, 0 failed, 0 skipped; converged"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("reading the pool back shows it was created"),
        "{}",
        r.stdout
    );
    let posts: Vec<String> = sim
        .writes("r1")
        .into_iter()
        .filter(|w| w.starts_with("POST"))
        .collect();
    assert_eq!(
        posts,
        vec!["POST /api/v1/dhcp/pool 0", "POST /api/v1/dhcp/pool 201"],
        "the lost POST is not sent again"
    );
}

#[test]
fn saved_plan_runs_exactly_and_a_stale_one_is_refused() {
    let (sim, repo) = setup("");
    let plan = repo.file("plan.json");
    let plan_arg = plan.to_str().unwrap();
    assert_eq!(run(&["plan", "--out", plan_arg], repo.path()).code, 0);
    // the device changes after planning
    let mut changed = seed();
    changed["pools"][0]["options"]["dns-servers"] = json!(["10.9.0.99"]);
    sim.seed("r1", changed);
    sim.clear_journal();
    let r = run(&["apply", "--yes", "--plan", plan_arg], repo.path());
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "stale plan: the device changed since the plan was made (pool/staff was modified)"
        ),
        "{}",
        r.stdout
    );
    assert!(sim.writes("r1").is_empty(), "a stale plan writes nothing");
    // --force does not lift staleness
    assert_eq!(
        run(
            &["apply", "--yes", "--force", "--plan", plan_arg],
            repo.path()
        )
        .code,
        4
    );
    // plan again, apply the fresh plan: its operations run exactly
    sim.seed("r1", seed());
    assert_eq!(run(&["plan", "--out", plan_arg], repo.path()).code, 0);
    let saved: dhcpform::plan::PlanFile =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    sim.clear_journal();
    let r = run(&["apply", "--yes", "--plan", plan_arg], repo.path());
    assert_eq!(r.code, 0, "{}", r.stdout);
    let sent: Vec<(String, String, Option<serde_json::Value>)> = sim
        .journal("r1")
        .into_iter()
        .filter(|e| e.method != "GET" && e.path.starts_with("/api/v1/dhcp"))
        .map(|e| (e.method, e.path, e.body))
        .collect();
    let planned: Vec<(String, String, Option<serde_json::Value>)> = saved.devices[0]
        .operations
        .iter()
        .map(|o| (o.method.to_string(), o.path.clone(), o.body.clone()))
        .collect();
    assert_eq!(sent, planned);
}

fn many_pools(n: usize) -> serde_json::Value {
    let pools: Vec<_> = (0..n)
        .map(|i| {
            json!({"poolName": format!("p{i}"),
        "dynamic": {"address-range": format!("10.{i}.0.0/24")}})
        })
        .collect();
    json!({"dhcp": {"enable": true}, "pools": pools})
}

fn desired_pools(range: std::ops::Range<usize>, lease: &str) -> String {
    let mut s = String::from("pools:\n");
    for i in range {
        s.push_str(&format!(
            "  p{i}:\n    dynamic: {{ address-range: 10.{i}.0.0/24, lease-duration: {lease} }}\n"
        ));
    }
    s
}

/// Runs a gated scenario: plan explains the gate, apply is blocked (exit 4, nothing written),
/// --force lifts it.
fn gate(seed: serde_json::Value, desired: &str, inventory_extra: &str, gate: &str) {
    let sim = TestSim::fleet(2);
    sim.seed("r1", seed);
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    auth: {{ username-env: \
            DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n{inventory_extra}",
        sim.url("r1")
    ));
    repo.desired("r1", desired);
    let p = run(&["plan"], repo.path());
    assert!(
        p.stdout.contains(&format!("BLOCKED [{gate}]")),
        "{}",
        p.stdout
    );
    assert!(
        p.stdout.contains("to lift: `dhcpform apply --force`"),
        "{}",
        p.stdout
    );
    sim.clear_journal();
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("nothing written: blocked by safety gate"),
        "{}",
        r.stdout
    );
    assert!(sim.writes("r1").is_empty());
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("forced [{gate}]")),
        "{}",
        r.stdout
    );
    assert!(!sim.writes("r1").is_empty());
}

#[test]
fn gate_max_delete_percent() {
    gate(
        many_pools(10),
        &desired_pools(0..6, "1d"),
        "",
        "max-delete-percent",
    );
}

#[test]
fn gate_max_update_percent() {
    let mut d = desired_pools(0..4, "2d");
    d.push_str(&desired_pools(4..10, "1d").replace("pools:\n", ""));
    gate(many_pools(10), &d, "", "max-update-percent");
}

#[test]
fn gate_delete_every_pool() {
    gate(many_pools(3), "pools: {}\n", "", "delete-all");
}

#[test]
fn gate_protected_pool() {
    gate(
        many_pools(3),
        &desired_pools(0..2, "1d"),
        "    protected-pools: [p2]\n",
        "protected-pool",
    );
}

#[test]
fn gate_server_off() {
    gate(
        many_pools(2),
        "server:\n  enable: false\n",
        "",
        "server-off",
    );
}

#[test]
fn below_min_existing_the_percentage_gates_do_not_apply() {
    let sim = TestSim::fleet(2);
    sim.seed("r1", many_pools(5));
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", &desired_pools(0..2, "1d"));
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(
        r.code, 0,
        "60% deleted of 5 pools (< min-existing 10): {}",
        r.stdout
    );
}

#[test]
fn apply_without_a_terminal_needs_yes() {
    let (sim, repo) = setup("");
    let r = run(&["apply"], repo.path());
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("apply needs --yes"), "{}", r.stderr);
    assert!(sim.writes("r1").is_empty());
}

#[test]
fn no_credential_appears_in_output_logs_or_plan_files() {
    let secret_pass = "S3cr3t-P@ss-9f2c";
    let sim = TestSim::start(SimOptions {
        user: "netops".into(),
        password: secret_pass.into(),
        fleet: Some(2),
        ..SimOptions::default()
    });
    sim.seed("r1", seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", DESIRED);
    let plan = repo.file("plan.json");
    let mut all = String::new();
    for args in [
        vec!["-v", "plan", "--out", plan.to_str().unwrap()],
        vec!["-v", "apply", "--yes"],
        vec!["-v", "leases", "--format", "json"],
        vec!["-v", "drift"],
    ] {
        let out = common::dhcpform()
            .env("DHCPFORM_TEST_USER", "netops")
            .env("DHCPFORM_TEST_PASS", secret_pass)
            .args(&args)
            .arg(repo.path())
            .output()
            .unwrap();
        all.push_str(&String::from_utf8_lossy(&out.stdout));
        all.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    all.push_str(&std::fs::read_to_string(&plan).unwrap());
    assert!(all.contains("X-auth-token: <redacted>"), "-v logs requests");
    assert!(all.contains("Authorization: Basic <redacted>"));
    assert!(!all.contains(secret_pass), "password leaked");
    let basic = "bmV0b3BzOlMzY3IzdC1QQHNzLTlmMmM"; // base64 of netops:password
    assert!(!all.contains(basic), "basic credentials leaked");
    // sim token ids are runs of exactly 24 hex digits (digests are 64): none may show
    let runs: Vec<&str> = all
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|r| r.len() == 24)
        .collect();
    assert!(runs.is_empty(), "a token id leaked: {runs:?}");
    let journal = serde_json::to_string(&sim.handle.sim.journal()).unwrap();
    assert!(!journal.contains(secret_pass) && !journal.contains(basic));
}

#[test]
fn global_put_is_not_sent_over_a_concurrent_edit() {
    let (sim, _repo) = setup("");
    let client = common::ios_client(&sim.url("r1"));
    sim.rt.block_on(async {
        let live = client.read().await.unwrap();
        let lowered = {
            let mut d = dhcpform::config::manifest::Diags::default();
            let f = dhcpform::config::manifest::SourceFile::new(
                "r1.yaml",
                std::path::Path::new("r1.yaml"),
                DESIRED,
            );
            dhcpform::config::manifest::ios_xe::load(&f, &mut d).unwrap()
        };
        let policy = dhcpform::plan::Policy {
            prune: true,
            protected: &[],
            safety: dhcpform::config::inventory::Settings::default().safety,
            force: false,
        };
        let plan = dhcpform::plan::plan_ios_xe(
            "r1",
            &lowered.config,
            &live,
            &policy,
            &dhcpform::platform::ios_xe_rest::Rest,
        );
        // someone adds a relay agent on the device after planning
        let mut edited = live.server.clone();
        edited.relay_agents.insert(
            dhcpform::model::InterfaceName::new("Gi9"),
            [std::net::Ipv4Addr::new(10, 1, 1, 1)].into_iter().collect(),
        );
        client
            .call(
                reqwest::Method::PUT,
                "/api/v1/dhcp",
                Some(&dhcpform::platform::ios_xe_rest::wire::server_body(&edited)),
            )
            .await
            .unwrap();
        let report =
            dhcpform::platform::ios_xe_rest::apply::execute(&client, &plan, &lowered.config, true)
                .await;
        let failed = report.failed.unwrap();
        assert_eq!(failed.path, "/api/v1/dhcp");
        assert!(
            failed.error.contains("changed since planning"),
            "{}",
            failed.error
        );
        assert!(report.done.is_empty());
        // the concurrent edit survives
        let now = client.read_server().await.unwrap();
        assert!(
            now.relay_agents
                .contains_key(&dhcpform::model::InterfaceName::new("GigabitEthernet9"))
        );
    });
}

#[test]
fn an_expired_token_is_renewed_once() {
    let (sim, _repo) = setup("");
    let client = common::ios_client(&sim.url("r1"));
    sim.rt.block_on(async {
        client.read().await.unwrap();
        reqwest::Client::new()
            .post(format!("{}/_sim/expire-tokens", sim.url("r1")))
            .send()
            .await
            .unwrap();
        // three reads at once all meet the expired token: one login replaces it
        let (a, b, c) = tokio::join!(client.read_server(), client.bindings(), client.pool("x"));
        a.unwrap();
        b.unwrap();
        c.unwrap();
    });
    let j: Vec<(String, u16)> = sim
        .journal("r1")
        .into_iter()
        .map(|e| (format!("{} {}", e.method, e.path), e.status))
        .collect();
    let tokens = j
        .iter()
        .filter(|(p, _)| p == "POST /api/v1/auth/token-services")
        .count();
    // however many of the three met the expired token (usually all: they are sent at once),
    // one login replaced it
    assert_eq!(tokens, 2, "{j:?}");
    let rejected = j.iter().filter(|(_, s)| *s == 401).count();
    assert!((1..=3).contains(&rejected), "{j:?}");
    // wrong credentials: the 401 of the token service is not retried forever
    use dhcpform::platform::http::{Http, Secret, TlsOptions};
    let http = Http::new(
        std::time::Duration::from_secs(5),
        0,
        &TlsOptions::default(),
        None,
    )
    .unwrap();
    let bad = dhcpform::platform::ios_xe_rest::IosXe::new(
        http,
        &sim.url("r1"),
        "admin",
        Secret::new("nope"),
    );
    let e = sim.rt.block_on(bad.read()).unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("invalid credentials"));
}

#[test]
fn any_write_whose_answer_was_lost_is_read_back_and_the_apply_converges() {
    // writes 1-4 of the scenario: the settings PUT, the DELETE and the pool PUTs
    for n in 1..=4 {
        let (sim, repo) = setup("  retries: 0\n");
        sim.faults(Faults {
            lose_answer: Some(n),
            ..Faults::default()
        });
        let r = run(&["apply", "--yes"], repo.path());
        assert_eq!(r.code, 0, "write {n}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("r1: 7 sent, 0 failed, 0 skipped; converged"),
            "write {n}: {}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("reading the device back shows it was carried out"),
            "write {n}: {}",
            r.stdout
        );
        let lost = sim
            .writes("r1")
            .into_iter()
            .filter(|w| w.ends_with(" 0"))
            .count();
        assert_eq!(lost, 1, "write {n}: sent once");
    }
}

#[test]
fn a_first_write_without_a_clear_answer_counts_as_sent_not_as_nothing_written() {
    // the first write is answered 500 (nothing carried out, but dhcpform cannot know that):
    // the pool read back is unchanged, so it failed; it was sent, so the exit code is 3
    let (sim, repo) = setup("  retries: 0\n");
    sim.faults(Faults {
        fail_write: Some(1),
        ..Faults::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("r1: 0 sent, 1 failed, 6 skipped"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("it was sent and may have been carried out"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("nothing written"), "{}", r.stdout);
    let plan = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(plan.code, 2, "the device still differs: {}", plan.stdout);
}
