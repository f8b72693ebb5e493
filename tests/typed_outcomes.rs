//! Typed outcomes: a failed device's error carries its kind in plan JSON (format 3), JUnit
//! and text; `show` still reads format 2 files, whose errors were plain strings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, TestSim, dhcpform, run};
use dhcpform::sim::SimOptions;
use serde_json::Value;

fn error_of(plan: &Value, device: &str) -> Value {
    let d = plan["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == device)
        .unwrap();
    d["error"].clone()
}

#[test]
fn each_failure_has_its_kind_in_the_plan_json() {
    let sim = TestSim::start(SimOptions::default());
    let repo = Repo::ios(
        &[
            ("gone", "http://127.0.0.1:1"),
            ("locked", &sim.url("locked")),
            ("broken", &sim.url("broken")),
        ],
        "  retries: 0\n",
    );
    // wrong credentials for `locked` only: its entry names other variables
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    let inv = inv.replacen(
        &format!(
            "url: {}\n    auth: {{ username-env: DHCPFORM_TEST_USER",
            sim.url("locked")
        ),
        &format!(
            "url: {}\n    auth: {{ username-env: WRONG_USER",
            sim.url("locked")
        ),
        1,
    );
    repo.write("dhcpform.yaml", &inv);
    repo.desired("gone", "pools: {}\n");
    repo.desired("locked", "pools: {}\n");
    repo.desired(
        "broken",
        "pools:\n  a:\n    dynamic: { address-range: 10.0.0.5/24 }\n",
    );
    let out = dhcpform()
        .env("WRONG_USER", "intruder")
        .args(["plan", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["format_version"], 3);
    assert_eq!(error_of(&plan, "gone")["kind"], "connect", "{plan:#}");
    assert_eq!(error_of(&plan, "locked")["kind"], "auth", "{plan:#}");
    assert_eq!(
        error_of(&plan, "broken")["kind"],
        "invalid-file",
        "{plan:#}"
    );
    let msg = error_of(&plan, "gone")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("cannot connect"), "{msg}");
}

#[test]
fn junit_names_the_kind_as_the_failure_type() {
    let repo = Repo::ios(&[("gone", "http://127.0.0.1:1")], "  retries: 0\n");
    repo.desired("gone", "pools: {}\n");
    let out = repo.file("plan.json");
    let r = run(&["plan", "--out", out.to_str().unwrap()], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = dhcpform()
        .args(["show", "--format", "junit", out.to_str().unwrap()])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&r.stdout);
    assert!(xml.contains("type=\"connect\""), "{xml}");
}

/// A format 2 file with one device (compact JSON in dhcpform's field order): errors were
/// strings; its checksum is made as dhcpform 2 made it.
fn v2_file(device: &str) -> String {
    use sha2::Digest;
    let mut inner = sha2::Sha256::default();
    inner.update(device.as_bytes());
    inner.update(b"\n");
    let mut h = sha2::Sha256::default();
    h.update(b"dhcpform-plan 2\n");
    h.update(inner.finalize());
    format!(
        r#"{{"format_version": 2, "kind": "plan", "devices": [{device}],
        "summary": {{"devices": 1, "with_changes": 0, "with_findings": 0, "drifted": 0,
            "blocked": 0, "failed": 1, "create": 0, "update": 0, "delete": 0,
            "affected_clients": 0}},
        "checksum": "{}"}}"#,
        hex::encode(h.finalize())
    )
}

#[test]
fn show_reads_a_format_2_file_and_apply_refuses_it() {
    let repo = Repo::ios(&[("gone", "http://127.0.0.1:1")], "  retries: 0\n");
    repo.desired("gone", "pools: {}\n");
    let device = concat!(
        r#"{"device":"gone","platform":"ios-xe","error":"POST http://x: cannot connect","#,
        r#""changes":[],"operations":[],"safety":{"blocked":false,"gates":[],"forced":false}}"#
    );
    let file = repo.file("old.json");
    std::fs::write(&file, v2_file(device)).unwrap();
    let r = dhcpform()
        .args(["show", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(
        text.contains("gone: failed\n  error (unknown): POST http://x: cannot connect"),
        "{text}{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let r = run(
        &["apply", "--yes", "--plan", file.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("plan format 2"), "{}", r.stderr);
}

#[test]
fn a_device_error_shows_its_hint_and_names_its_url_once() {
    let repo = Repo::ios(&[("gone", "http://127.0.0.1:1")], "  retries: 0\n");
    repo.desired("gone", "pools: {}\n");
    let r = run(&["plan", "--format", "json"], repo.path());
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let e = error_of(&plan, "gone");
    assert!(
        e["hint"].as_str().unwrap().contains("check the device URL"),
        "{e}"
    );
    let msg = e["message"].as_str().unwrap();
    assert_eq!(msg.matches("127.0.0.1:1").count(), 1, "{msg}");
    let r = run(&["plan"], repo.path());
    assert!(
        r.stdout.contains("  hint: check the device URL"),
        "{}",
        r.stdout
    );
    let r = run(&["plan", "--format", "markdown"], repo.path());
    assert!(
        r.stdout.contains("hint: check the device URL"),
        "{}",
        r.stdout
    );
}
