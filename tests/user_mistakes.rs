//! Mistakes a new user makes that must not lose data, leak a secret or hide a danger.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use serde_json::json;

#[test]
fn import_write_does_not_overwrite_a_hand_written_file() {
    let sim = TestSim::fleet(2);
    sim.seed("r1", common::scenario_seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let mine = "# hand-written, with checks\npools: {}\nexpect:\n  max-utilization: 80%\n";
    repo.desired("r1", mine);
    let r = run(&["import", "--device", "r1", "--write"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("exists"), "{}", r.stderr);
    let path = repo.file("devices/r1.yaml");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        mine,
        "left as it was"
    );
    assert!(
        sim.journal("r1").is_empty(),
        "refused before reading the device"
    );
    let r = run(
        &["import", "--device", "r1", "--write", "--force"],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&path).unwrap().contains("staff:"));
}

#[test]
fn a_pasted_secret_in_an_env_field_is_refused_and_never_echoed() {
    let secret = "s3cr3t!pass";
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: https://192.0.2.1\n    \
         auth: {{ username-env: R1_USER, password-env: \"{secret}\" }}\n"
    ));
    repo.desired("r1", "pools: {}\n");
    for cmd in ["validate", "plan"] {
        let r = run(&[cmd], repo.path());
        assert_eq!(r.code, 1, "{cmd}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains("is not the name of an environment variable"),
            "{cmd}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains(secret) && !r.stdout.contains(secret),
            "{cmd} echoed the secret: {}{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn a_state_file_in_seed_form_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let seed = json!({"pools": [{"poolName": "a", "dynamic": {"address-range": "10.0.0.0/24"}}]})
        .to_string();
    std::fs::write(&path, &seed).unwrap();
    let out = common::dhcpform()
        .args(["sim", "serve", "--listen", "127.0.0.1:0", "--state"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        common::folded(&stderr).contains("looks like one device's seed"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        seed,
        "never overwritten"
    );
}

fn protected_repo(protected: &str) -> (TestSim, Repo) {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "mgmt", "dynamic": {"address-range": "10.0.0.0/24"}},
                         {"poolName": "staff", "dynamic": {"address-range": "10.1.0.0/24"}}]}),
    );
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    \
         auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n    \
         protected-pools: [{protected}]\n",
        sim.url("r1")
    ));
    (sim, repo)
}

#[test]
fn a_misspelt_protected_pool_is_reported_by_validate_and_plan() {
    let (_sim, repo) = protected_repo("mgnt");
    repo.desired(
        "r1",
        "pools:\n  staff:\n    dynamic: { address-range: 10.1.0.0/24 }\n",
    );
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 0, "a warning only: {}", v.stderr);
    assert!(v.stderr.contains("protected pool `mgnt`"), "{}", v.stderr);
    assert!(v.stderr.contains("did you mean `staff`") || v.stderr.contains("protects nothing"));
    let p = run(&["plan"], repo.path());
    assert!(
        p.stdout.contains(
            "warning: protected pool `mgnt` is neither in the desired file nor on the device"
        ) && p.stdout.contains("did you mean `mgmt`?"),
        "{}",
        p.stdout
    );
}

#[test]
fn moving_a_protected_pool_is_gated_like_a_replacement() {
    let (sim, repo) = protected_repo("mgmt");
    repo.desired(
        "r1",
        "pools:\n  mgmt:\n    dynamic: { address-range: 10.9.0.0/24 }\n  \
         staff:\n    dynamic: { address-range: 10.1.0.0/24 }\n",
    );
    let p = run(&["plan"], repo.path());
    assert!(
        p.stdout.contains("BLOCKED [protected-pool]"),
        "{}",
        p.stdout
    );
    sim.clear_journal();
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(sim.writes("r1").is_empty());
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
}

#[test]
fn out_of_range_settings_are_diagnostics_not_clamped() {
    let repo = Repo::new(
        "settings:\n  parallelism: 0\n  retries: 50\n  timeout: 10\n  \
         safety: { max-delete-percent: 130, max-update-percent: 101 }\ndevices: {}\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("is out of range").count(),
        4,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("did you mean `10s`?"), "{}", r.stderr);
    assert!(r.stderr.contains("invalid: 5 error(s)"), "{}", r.stderr);
}

#[test]
fn pool_names_that_do_not_survive_a_url_are_refused_in_files_and_answers() {
    let repo = Repo::new("devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n");
    repo.desired(
        "r1",
        "pools:\n  \"..\":\n    dynamic: { address-range: 10.0.0.0/24 }\n",
    );
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 1, "{}", v.stderr);
    assert!(
        v.stderr.contains("pool name `..` cannot be used"),
        "{}",
        v.stderr
    );

    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "..", "dynamic": {"address-range": "10.0.0.0/24"}}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", "pools: {}\n");
    sim.clear_journal();
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("cannot be addressed in a URL"),
        "{}",
        r.stdout
    );
    assert!(sim.writes("r1").is_empty(), "{:?}", sim.writes("r1"));
}

#[test]
fn pool_names_are_percent_encoded_in_urls() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "lab#2", "dynamic": {"address-range": "10.0.0.0/24"}}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", "pools: {}\n");
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(sim.writes("r1"), ["DELETE /api/v1/dhcp/pool/lab#2 204"]);
    assert!(
        r.stdout.contains("DELETE /api/v1/dhcp/pool/lab%232"),
        "{}",
        r.stdout
    );
}

#[test]
fn orphan_files_and_yml_near_misses_are_pointed_out_errors_first() {
    let repo = Repo::new(
        "devices:\n  lab-branch: { platform: ios-xe, url: sim://lab-branch }\n  \
         core: { platform: ios-xe, url: sim://core }\n",
    );
    repo.write("devices/lab-brnach.yaml", "pools: {}\n");
    repo.write("devices/core.yml", "pools: {}\n");
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = common::folded(&r.stderr);
    assert!(
        e.contains("devices/lab-brnach.yaml is the desired file of no device"),
        "{e}"
    );
    assert!(e.contains("did you mean device `lab-branch`?"), "{e}");
    assert!(
        e.contains("found devices/core.yml: rename it to .yaml"),
        "{e}"
    );
    let first_warning = r.stderr.find('⚠').unwrap();
    let last_error = r.stderr.rfind('×').unwrap();
    assert!(
        last_error < first_warning,
        "errors come before warnings: {}",
        r.stderr
    );
    let none = run(&["validate"], &repo.file("nowhere"));
    assert!(
        none.stderr
            .contains("create dhcpform.yaml with a `devices:` map"),
        "{}",
        none.stderr
    );
}

#[test]
fn import_write_leaves_a_schema_line_that_resolves_from_the_written_file() {
    let sim = TestSim::fleet(2);
    sim.seed("r1", common::scenario_seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let r = run(&["import", "--device", "r1", "--write"], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    let line = text.lines().next().unwrap();
    let rel = line.split("$schema=").nth(1).unwrap();
    let schema = repo.file("devices").join(rel);
    assert!(
        schema.is_file(),
        "{line} does not resolve to {}",
        schema.display()
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    assert_eq!(v["title"], "IosXeFile");
}

#[test]
fn no_warning_builds_on_a_value_that_failed() {
    let repo = Repo::new("devices:\n  r1: { platform: ios-xe, url: sim://r1 }\n");
    repo.desired(
        "r1",
        "server:\n  excluded-addresses: [10.1.0.1-10.1.0.9, 10.1.0.254]\npools:\n  staff:\n    \
         dynamic: { address-range: 10.1.0.0/33 }\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("invalid: 1 error(s), 0 warning(s)"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("outside every dynamic pool"),
        "{}",
        r.stderr
    );
}
