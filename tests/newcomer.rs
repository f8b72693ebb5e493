//! The mistakes a newcomer makes in the first hour, each with a message that says what to do:
//! parser errors with hints, and the places and words of the CLI's answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, run};

fn repo(settings: &str, desired: &str) -> Repo {
    let repo = Repo::new(&format!(
        "{settings}devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n"
    ));
    repo.desired("r1", desired);
    repo
}

#[test]
fn pools_written_as_a_list_are_explained() {
    let r = run(
        &["validate"],
        repo(
            "",
            "pools:\n  - name: a\n    dynamic: { address-range: 10.0.0.0/24 }\n",
        )
        .path(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("devices/r1.yaml:2:3"), "{}", r.stderr);
    assert!(r.stderr.contains("maps keyed by name"), "{}", r.stderr);
}

#[test]
fn a_negative_number_is_named_as_such() {
    let r = run(
        &["validate"],
        repo("settings:\n  safety: { min-existing: -1 }\n", "pools: {}\n").path(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("found `-1`"), "{}", r.stderr);
    assert!(r.stderr.contains("cannot be negative"), "{}", r.stderr);
    assert!(r.stderr.contains("dhcpform.yaml:2:27"), "{}", r.stderr);
}

#[test]
fn a_file_over_the_node_budget_names_the_limit_without_a_panic() {
    // one line of 260,000 addresses: over the parser's 250,000 nodes, and too long to show
    let list: Vec<String> = (0..260_000)
        .map(|i| format!("10.{}.{}.{}", i / 62_500, (i / 250) % 250, i % 250))
        .collect();
    let desired = format!("server:\n  excluded-addresses: [{}]\n", list.join(", "));
    let r = run(&["validate"], repo("", &desired).path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stderr.contains("250,000"), "{}", r.stderr);
    assert!(r.stderr.contains("devices/r1.yaml:2:"), "{}", r.stderr);
}

/// Two devices serving one network: one cross-device warning per run of `validate`.
fn warned() -> Repo {
    let repo = Repo::new(
        "devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n  r2:\n    platform: \
         ios-xe\n    url: sim://r2\n",
    );
    let pools = "pools:\n  a:\n    dynamic: { address-range: 10.0.0.0/24 }\n";
    repo.desired("r1", pools);
    repo.desired("r2", pools);
    repo
}

#[test]
fn warnings_print_in_full_once_where_files_are_reviewed_and_as_one_line_elsewhere() {
    let repo = warned();
    let full = "is also served by pool";
    for cmd in [&["validate"][..], &["plan"]] {
        let r = run(cmd, repo.path());
        assert_eq!(r.stderr.matches(full).count(), 1, "{cmd:?}: {}", r.stderr);
    }
    for cmd in [&["drift"][..], &["leases"], &["apply", "--yes"]] {
        let r = run(cmd, repo.path());
        assert_eq!(r.stderr.matches(full).count(), 0, "{cmd:?}: {}", r.stderr);
        assert_eq!(
            r.stderr
                .matches("1 validation warning(s) in the files")
                .count(),
            1,
            "{cmd:?}: {}",
            r.stderr
        );
    }
    for cmd in [&["validate", "-q"][..], &["plan", "-q"], &["drift", "-q"]] {
        let r = run(cmd, repo.path());
        assert!(!r.stderr.contains("warning"), "{cmd:?}: {}", r.stderr);
    }
}

#[test]
fn the_inventory_file_names_its_repository_and_a_subfolder_looks_upward() {
    let repo = warned();
    let inv = repo.file("dhcpform.yaml");
    let r = common::dhcpform()
        .args(["validate", inv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = common::dhcpform()
        .arg("validate")
        .current_dir(repo.file("devices"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    assert!(err.contains("found ../dhcpform.yaml"), "{err}");
    let device_file = repo.file("devices/r1.yaml");
    let r = common::dhcpform()
        .args(["validate", device_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("is a file, not a repository"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn two_devices_on_two_shards_are_one_each_and_a_shard_outside_the_plan_says_so() {
    let repo = warned();
    for shard in ["1/2", "2/2"] {
        let r = run(&["plan", "--shard", shard], repo.path());
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("1 device(s)"), "{shard}: {}", r.stdout);
    }
    let file = repo.file("plan-1.json");
    let f = file.to_str().unwrap();
    let r = run(&["plan", "--shard", "1/2", "--out", f], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        &["apply", "--yes", "--plan", f, "--shard", "2/2"],
        repo.path(),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        common::folded(&r.stderr).contains("matches no device of the saved plan")
            && r.stderr.contains("the plan holds r1"),
        "{}",
        r.stderr
    );
    let r = run(
        &["apply", "--yes", "--plan", f, "--shard", "1/2"],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_device_that_matches_nothing_gets_a_did_you_mean_or_the_exclude_named() {
    let repo = warned();
    let r = run(&["plan", "--device", "r11"], repo.path());
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("did you mean `r1`?"), "{}", r.stderr);
    let r = run(&["plan", "--device", "r1", "--exclude", "r*"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("it matches r1, which --exclude removed"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_missing_credential_is_named_at_once_and_a_401_names_the_variables() {
    let sim = common::TestSim::fleet(1);
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    auth: {{ username-env: \
         NC_USER, password-env: NC_PASS }}\n",
        sim.url("r1")
    ));
    repo.desired("r1", "pools: {}\n");
    let r = common::dhcpform()
        .args(["plan", repo.path().to_str().unwrap()])
        .env_remove("NC_USER")
        .env_remove("NC_PASS")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains(
            "environment variables NC_USER (the username) and NC_PASS (the password) are not set"
        ),
        "{out}"
    );
    let r = common::dhcpform()
        .args(["plan", repo.path().to_str().unwrap()])
        .env("NC_USER", "admin")
        .env("NC_PASS", "not-the-password")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{out}");
    assert!(
        out.contains("check the values of NC_USER and NC_PASS"),
        "{out}"
    );
    assert!(!out.contains("not-the-password"), "{out}");
}

#[test]
fn a_protected_pool_warning_points_at_its_own_entry_and_knows_the_device() {
    let sim = common::TestSim::fleet(1);
    sim.seed("r1", common::scenario_seed());
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    auth: {{ username-env: \
         DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n    protected-pools: [staff, \
         old]\n",
        sim.url("r1")
    ));
    repo.desired(
        "r1",
        "pools:\n  staff:\n    dynamic: { address-range: 10.0.0.0/24 }\n",
    );
    let v = run(&["validate"], repo.path());
    assert!(v.stderr.contains("dhcpform.yaml:6:30"), "{}", v.stderr);
    assert!(v.stderr.contains("protected pool `old`"), "{}", v.stderr);
    let p = run(&["plan"], repo.path());
    assert!(
        p.stdout
            .contains("protected pool `old` is on the device but not in the desired file"),
        "{}",
        p.stdout
    );
}
