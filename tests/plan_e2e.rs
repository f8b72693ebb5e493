//! `dhcpform plan` and `import` end to end: the built binary against the emulator over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::SimOptions;
use serde_json::json;

/// Every spelling and default the API document shows, as a device would hold it.
fn spelled_seed() -> serde_json::Value {
    json!({
        "dhcp": {
            "kind": "object#dhcp-server",
            "enable": true,
            "excluded-addresses": [
                {"kind": "object#dhcp-server-excluded-address", "low-ip-address": "10.10.0.1",
                    "high-ip-address": "10.10.0.20"},
                {"kind": "object#dhcp-server-excluded-address", "low-ip-address": "10.10.0.254"}
            ],
            "relay-agents": [
                {"kind": "object#dhcp-server-relay-agent", "interface-name": "gigabitEthernet1",
                    "addresses": ["172.15.15.15"]},
                {"interface": "Gi2", "address": "10.99.0.10"},
                {"interface-name": "TE0/0/1", "addresses": ["10.99.0.11", "10.99.0.12"]}
            ]
        },
        "pools": [
            {"kind": "object#dhcp-server-pool", "poolName": "staff",
             "dynamic": {"address-range": "10.10.0.0/24"},
             "options": {"domain-name": "corp.example.com", "default-gateway": "10.10.0.1",
                         "dns-servers": ["10.99.0.53", "10.99.1.53"],
                             "netbios-name-servers": ["10.99.0.60"],
                                 "netbios-node-type": "h-node"}},
            {"pool-name": "guests", "dynamic": {"address-range": "10.20.0.0/23",
                "lease-duration": {"days": 0, "hours": 2, "minutes": 30}}},
            {"poolName": "mgmt", "dynamic": {"address-range": "10.30.0.0/28",
                "lease-duration": {"infinite": true}}},
            {"poolName": "lab", "dynamic": {"address-range": "10.40.0.0/24",
                "lease-duration": {"days": "2", "hours": "4"}}},
            {"poolName": "printer", "manual": {"host-ip-address": "10.10.0.254",
                "mac-address": "00a0.9802.32de", "client-name": "Mars"}}
        ]
    })
}

/// The same configuration in other spellings.
const SPELLED_DESIRED: &str = r#"
server:
  excluded-addresses:
    - { low-ip-address: 10.10.0.254 }
    - 10.10.0.1-10.10.0.20
  relay-agents:
    Te0/0/1: [10.99.0.12, 10.99.0.11]
    GigabitEthernet2: 10.99.0.10
    GIGABITETHERNET1: [172.15.15.15]
pools:
  printer:
    manual:
      host-ip-address: 10.10.0.254
      mac-address: 00-A0-98-02-32-DE
      client-name: Mars
  lab:
    dynamic:
      address-range: 10.40.0.0/24
      lease-duration: 2d 4h
  mgmt:
    dynamic:
      address-range: 10.30.0.0/28
      lease-duration: { infinite: true }
  guests:
    dynamic:
      address-range: 10.20.0.0/23
      lease-duration: { hours: 2, minutes: 30 }
  staff:
    dynamic:
      address-range: 10.10.0.0/24
      lease-duration: 24h0m
    options:
      domain-name: corp.example.com
      default-gateway: 10.10.0.1
      dns-servers: [10.99.0.53, 10.99.1.53]
      netbios-name-servers: [10.99.0.60]
      netbios-node-type: H-NODE
"#;

#[test]
fn no_false_drift_across_every_documented_spelling() {
    let sim = TestSim::fleet(4);
    sim.seed("r1", spelled_seed());
    // 24h0m normalises to the one-day default, as the day form does.
    let desired = SPELLED_DESIRED.to_string();
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", &desired);
    sim.clear_journal();
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("r1: 0 to create, 0 to update, 0 to delete"),
        "{}",
        r.stdout
    );
    // exactly 3 requests on the critical path, plus the token's release
    let reqs: Vec<String> = sim
        .journal("r1")
        .iter()
        .map(|j| {
            format!(
                "{} {}",
                j.method,
                j.path.split("/token-services/").next().unwrap()
            )
        })
        .collect();
    let mut sorted = reqs.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            "DELETE /api/v1/auth",
            "GET /api/v1/dhcp",
            "GET /api/v1/dhcp/pool",
            "POST /api/v1/auth/token-services"
        ],
        "{reqs:?}"
    );
    assert_eq!(reqs[0], "POST /api/v1/auth/token-services");
    assert!(
        reqs[3].starts_with("DELETE"),
        "token released last: {reqs:?}"
    );
}

#[test]
fn a_real_difference_is_found_and_exit_2() {
    let sim = TestSim::fleet(4);
    sim.seed("r1", spelled_seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired(
        "r1",
        &SPELLED_DESIRED
            .replace("24h0m", "1d")
            .replace("client-name: Mars", "client-name: Venus"),
    );
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("r1: 0 to create, 1 to update, 0 to delete"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("-    client-name: Mars"), "{}", r.stdout);
    assert!(r.stdout.contains("+    client-name: Venus"), "{}", r.stdout);
    assert!(
        r.stdout.contains("1. PUT /api/v1/dhcp/pool/printer"),
        "{}",
        r.stdout
    );
    let r = run(&["plan"], repo.path());
    assert_eq!(
        r.code, 0,
        "without --detailed-exitcode pending changes exit 0"
    );
}

#[test]
fn import_then_plan_is_empty() {
    let sim = TestSim::fleet(4);
    sim.seed("r1", spelled_seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let r = run(&["import", "--device", "r1"], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("mac-address: \"00:a0:98:02:32:de\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("lease-duration: 2h30m"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("TenGigabitEthernet0/0/1: [10.99.0.11, 10.99.0.12]"),
        "{}",
        r.stdout
    );
    let r = run(&["import", "--device", "r1", "--write"], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 0, "imported file validates: {}", v.stderr);
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "{}{}", p.stdout, p.stderr);
}

fn render_repo() -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    sim.seed("core", common::scenario_seed());
    let repo = Repo::ios(&[("core", &sim.url("core"))], "");
    repo.desired("core", common::SCENARIO_DESIRED);
    (sim, repo)
}

#[test]
fn text_plan_snapshot() {
    let (_sim, repo) = render_repo();
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 2, "{}", r.stderr);
    insta::assert_snapshot!("plan_text", r.stdout);
}

#[test]
fn markdown_plan_snapshot() {
    let (_sim, repo) = render_repo();
    let r = run(&["plan", "--format", "markdown"], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("<!-- dhcpform:plan -->\n## dhcpform plan\n\n**")
    );
    assert!(r.stdout.contains("<details>") && r.stdout.contains("```diff"));
    insta::assert_snapshot!("plan_markdown", r.stdout);
}

#[test]
fn json_plan_snapshot_and_saved_plan() {
    let (_sim, repo) = render_repo();
    let out = repo.file("plan.json");
    let r = common::dhcpform()
        .args(["plan", "--format", "json", "--out"])
        .arg(&out)
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&r.stdout).into_owned();
    let printed: dhcpform::plan::PlanFile = serde_json::from_str(&stdout).unwrap();
    let saved: dhcpform::plan::PlanFile =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(printed, saved);
    assert_eq!(saved.format_version, dhcpform::plan::FORMAT_VERSION);
    let d = &saved.devices[0];
    let ops: Vec<String> = d
        .operations
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    assert_eq!(
        ops,
        vec![
            "PUT /api/v1/dhcp",
            "DELETE /api/v1/dhcp/pool/old",
            "DELETE /api/v1/dhcp/pool/cam",
            "PUT /api/v1/dhcp/pool/staff",
            "POST /api/v1/dhcp/pool",
            "POST /api/v1/dhcp/pool",
            "PUT /api/v1/dhcp",
        ]
    );
    // pre-PUT widens the exclusions to L ∪ D, the post-PUT narrows to D
    let pre = d.operations[0].body.as_ref().unwrap();
    assert_eq!(pre["excluded-addresses"].as_array().unwrap().len(), 2);
    let post = d.operations[6].body.as_ref().unwrap();
    assert_eq!(
        post["excluded-addresses"],
        json!([{"low-ip-address": "10.0.0.1", "high-ip-address": "10.0.0.20"}])
    );
    assert!(d.live_digest.as_ref().is_some_and(|s| s.len() == 64));
    insta::assert_snapshot!("plan_json", stdout);
}

#[test]
fn plan_schema_accepts_a_real_plan() {
    // every top-level key the plan carries is described by the schema
    let (_sim, repo) = render_repo();
    let r = run(&["plan", "--format", "json"], repo.path());
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&dhcpform::schema::json(dhcpform::cli::SchemaKind::Plan)).unwrap();
    for key in plan.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(key).is_some(),
            "{key} not in the plan schema"
        );
    }
    for key in plan["devices"][0].as_object().unwrap().keys() {
        assert!(
            schema["$defs"]["DevicePlan"]["properties"]
                .get(key)
                .is_some(),
            "{key} not in DevicePlan"
        );
    }
}

#[test]
fn unreachable_device_fails_the_run_with_method_and_url() {
    // nothing listens on port 1 of loopback
    let repo = Repo::ios(&[("gone", "http://127.0.0.1:1")], "  retries: 0\n");
    repo.desired("gone", "pools: {}\n");
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("POST http://127.0.0.1:1/api/v1/auth/token-services: cannot connect"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("gone: failed\n  error (connect): POST"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stderr.contains("cannot connect"),
        "the error is printed once, in the report: {}",
        r.stderr
    );
    assert!(r.stderr.contains("1 device(s) could not be planned: gone"));
    assert!(
        !r.stdout.contains("gone: 0 to create"),
        "a failed device is not shown as empty"
    );
}

/// A server answering every request with a fixed raw HTTP response.
fn raw_server(response: &'static str) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().take(20) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
fn garbage_answer_is_a_clear_error() {
    let url = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: \
            close\r\n\r\n<html>oops!",
    );
    let repo = Repo::ios(&[("odd", &url)], "  retries: 0\n");
    repo.desired("odd", "pools: {}\n");
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(&format!(
            "POST {url}/api/v1/auth/token-services: the answer is not \
        what the API document describes: not JSON"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("<html>oops!"), "{}", r.stdout);
}

#[test]
fn error_status_names_the_device_answer() {
    let url = raw_server(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: \
            58\r\nConnection: close\r\n\r\n{\"error-code\": 403, \"error-message\": \"privilege \
                15 only\"}\n",
    );
    let repo = Repo::ios(&[("odd", &url)], "  retries: 0\n");
    repo.desired("odd", "pools: {}\n");
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("device answered 403: privilege 15 only"),
        "{}",
        r.stdout
    );
}

#[test]
fn missing_credentials_env_is_reported_and_nothing_is_sent() {
    let sim = TestSim::start(SimOptions::default());
    let repo = Repo::ios(&[("r1", &sim.handle.url())], "");
    repo.desired("r1", "pools: {}\n");
    let out = common::dhcpform()
        .env_remove("DHCPFORM_TEST_PASS")
        .args(["plan"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("environment variable DHCPFORM_TEST_PASS (the password) is not set")
    );
    assert!(sim.handle.sim.journal().is_empty());
}

#[test]
fn a_new_pool_overlapping_a_pool_left_in_place_is_refused_at_plan_time() {
    let sim = TestSim::fleet(1);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "legacy", "dynamic": {"address-range": "10.5.0.0/24"}}]}),
    );
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    prune: false\n    auth: {{ \
         username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
        sim.url("r1")
    ));
    repo.desired(
        "r1",
        "pools:\n  new:\n    dynamic: { address-range: 10.5.0.0/25 }\n",
    );
    let p = run(&["plan"], repo.path());
    assert_eq!(p.code, 1, "{}{}", p.stdout, p.stderr);
    assert!(
        common::folded(&p.stdout).contains(
            "pool `new` (10.5.0.0/25) overlaps pool `legacy` (10.5.0.0/24) on the device"
        ),
        "{}",
        p.stdout
    );
    sim.clear_journal();
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 1, "{}{}", a.stdout, a.stderr);
    assert!(sim.writes("r1").is_empty(), "nothing written");
    // a pool elsewhere is fine, and `legacy` stays
    repo.desired(
        "r1",
        "pools:\n  new:\n    dynamic: { address-range: 10.6.0.0/25 }\n",
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
}
