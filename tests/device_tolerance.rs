//! What real devices of the IOS XE API family send, and what dhcpform must tolerate: the token
//! answered 201, defaults as `null` or `"None"`, undocumented fields, 404 while DHCP was never
//! configured, pools of options only; and `sim://` devices with credentials of their own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::Quirks;
use serde_json::json;

const DESIRED: &str = "server:\n  excluded-addresses: [10.10.0.1-10.10.0.9]\npools:\n  staff:\n    \
    dynamic: { address-range: 10.10.0.0/24 }\n  cam:\n    \
    manual: { host-ip-address: 10.10.0.200, mac-address: 02:00:00:00:00:01 }\n";

fn quirky(q: Quirks) -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    sim.handle.sim.set_quirks(q);
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", DESIRED);
    (sim, repo)
}

#[test]
fn token_201_and_none_values_plan_apply_and_plan_empty() {
    let (sim, repo) = quirky(Quirks {
        token_201: true,
        none_values: true,
        ..Quirks::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("converged"), "{}", r.stdout);
    // the answers really carry the quirks
    let base = sim.url("r1");
    let (status, pools) = sim.rt.block_on(async {
        let h = reqwest::Client::new();
        let tok = h
            .post(format!("{base}/api/v1/auth/token-services"))
            .basic_auth("admin", Some("admin"))
            .send()
            .await
            .unwrap();
        let status = tok.status().as_u16();
        let v: serde_json::Value = tok.json().await.unwrap();
        let id = v["token-id"].as_str().unwrap().to_string();
        let pools: serde_json::Value = h
            .get(format!("{base}/api/v1/dhcp/pool"))
            .header("X-auth-token", id)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (status, pools)
    });
    assert_eq!(status, 201);
    assert!(pools.to_string().contains("\"None\""), "{pools}");
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "no false drift from None values: {}", p.stdout);
    // import then plan is empty too
    let i = run(&["import", "--device", "r1"], repo.path());
    assert_eq!(i.code, 0, "{}", i.stderr);
    assert!(!i.stdout.contains("None"), "{}", i.stdout);
}

#[test]
fn never_configured_device_reads_as_empty_and_the_plan_says_so() {
    let (sim, repo) = quirky(Quirks {
        unconfigured_404: true,
        ..Quirks::default()
    });
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 2, "{}{}", p.stdout, p.stderr);
    assert!(
        p.stdout.contains("answered 404: DHCP was never configured"),
        "{}",
        p.stdout
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "{}{}", p.stdout, p.stderr);
    assert!(!p.stdout.contains("never configured"), "{}", p.stdout);
    assert!(!sim.writes("r1").is_empty());
}

#[test]
fn a_404_on_the_token_service_still_fails() {
    let sim = TestSim::fleet(4);
    let repo = Repo::ios(&[("r1", &format!("{}/nothing-here", sim.url("r1")))], "");
    repo.desired("r1", DESIRED);
    let p = run(&["plan"], repo.path());
    assert_eq!(p.code, 1, "{}{}", p.stdout, p.stderr);
    assert!(p.stdout.contains("token-services"), "{}", p.stdout);
}

#[test]
fn option_only_pools_are_shown_and_never_deleted() {
    let sim = TestSim::fleet(4);
    sim.seed(
        "r1",
        json!({"pools": [
            {"poolName": "opts", "options": {"domain-name": "corp.example.com"}},
            {"poolName": "old", "dynamic": {"address-range": "10.50.0.0/24"}}
        ]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", DESIRED);
    let p = run(&["plan"], repo.path());
    assert_eq!(p.code, 0, "{}{}", p.stdout, p.stderr);
    assert!(
        p.stdout.contains(
            "pools dhcpform cannot manage (neither dynamic nor manual), left alone: opts"
        ),
        "{}",
        p.stdout
    );
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    let writes = sim.writes("r1");
    assert!(
        writes
            .iter()
            .any(|w| w.contains("DELETE /api/v1/dhcp/pool/old"))
    );
    assert!(!writes.iter().any(|w| w.contains("/opts")), "{writes:?}");
    // A desired file that declares it is refused: nothing rewrites it.
    repo.desired(
        "r1",
        &format!("{DESIRED}  opts:\n    dynamic: {{ address-range: 10.60.0.0/24 }}\n"),
    );
    sim.clear_journal();
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 1, "{}{}", a.stdout, a.stderr);
    assert!(a.stdout.contains("cannot manage"), "{}", a.stdout);
    assert!(sim.writes("r1").is_empty(), "{:?}", sim.writes("r1"));
}

#[test]
fn sim_devices_take_their_own_credentials() {
    let repo = Repo::new(
        "devices:\n  lab:\n    platform: ios-xe\n    url: sim://lab\n    \
         auth: { username-env: LAB_USER, password-env: LAB_PASS }\n",
    );
    repo.desired("lab", DESIRED);
    let out = common::dhcpform()
        .args(["plan", "--detailed-exitcode"])
        .arg(repo.path())
        .env("LAB_USER", "netops")
        .env("LAB_PASS", "s3cret-lab")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("s3cret-lab"));
}
