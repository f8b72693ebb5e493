//! Device selection, sharding, prune, colour, leases clear, schema and completions through the
//! built binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use serde_json::json;

fn fleet_repo(sim: &TestSim, n: usize) -> Repo {
    Repo::ios_fleet(sim, "site-", n, "p", "")
}

fn planned_devices(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.contains(" to create,"))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn device_globs_and_excludes_select_devices() {
    let sim = TestSim::fleet(16);
    let repo = fleet_repo(&sim, 6);
    let r = run(
        &["plan", "--device", "site-0[1-3]", "--exclude", "site-02"],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(planned_devices(&r.stdout), vec!["site-01", "site-03"]);
    let r = run(&["plan", "--device", "nothing-*"], repo.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no device matches nothing-*"),
        "{}",
        r.stderr
    );
}

#[test]
fn shards_partition_the_fleet_stably() {
    let sim = TestSim::fleet(16);
    let repo = fleet_repo(&sim, 9);
    let mut all = vec![];
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let a = run(&["plan", "--shard", &shard], repo.path());
        let b = run(&["plan", "--shard", &shard], repo.path());
        assert_eq!(
            planned_devices(&a.stdout),
            planned_devices(&b.stdout),
            "stable"
        );
        all.extend(planned_devices(&a.stdout));
    }
    all.sort();
    let want: Vec<String> = (0..9).map(|i| format!("site-{i:02}")).collect();
    assert_eq!(all, want, "every device in exactly one shard");
    assert_eq!(
        run(&["plan", "--shard", "4/3"], repo.path()).code,
        1,
        "a bad shard is a usage error: exit 1, never 2 (which reads as changes pending)"
    );
}

#[test]
fn prune_off_leaves_unmanaged_pools_alone() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "keep", "dynamic": {"address-range": "10.1.0.0/24"}}]}),
    );
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    prune: false\n    auth: {{ \
            username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
        sim.url("r1")
    ));
    repo.desired(
        "r1",
        "pools:\n  new:\n    dynamic: { address-range: 10.2.0.0/24 }\n",
    );
    let r = run(&["plan"], repo.path());
    assert!(
        r.stdout
            .contains("r1: 1 to create, 0 to update, 0 to delete"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("unmanaged pools left alone (prune: false): keep"),
        "{}",
        r.stdout
    );
    assert_eq!(run(&["apply", "--yes"], repo.path()).code, 0);
    let pools: Vec<String> = sim
        .state("r1")
        .pools
        .iter()
        .map(|p| p["poolName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pools, vec!["keep", "new"]);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let sim = TestSim::fleet(2);
    let repo = fleet_repo(&sim, 1);
    let always = run(&["plan", "--color", "always"], repo.path());
    assert!(always.stdout.contains("\u{1b}[32m+"), "green additions");
    // auto: not a terminal here, and NO_COLOR is set by the helper
    assert!(!run(&["plan"], repo.path()).stdout.contains('\u{1b}'));
    assert!(
        !run(&["plan", "--color", "never"], repo.path())
            .stdout
            .contains('\u{1b}')
    );
}

#[test]
fn leases_clear_one_and_all() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "p",
        "dynamic": {"address-range": "10.1.0.0/24"}}], "clients": [{"pool": "p", "count": 3}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired(
        "r1",
        "pools:\n  p:\n    dynamic: { address-range: 10.1.0.0/24 }\n",
    );
    let r = run(&["leases", "--format", "json"], repo.path());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["leases"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["utilisation"][0],
        json!({"device": "r1", "pool": "p", "used": 3, "total": 254, "percent": 1,
            "over": false})
    );
    let r = run(
        &[
            "leases", "clear", "--device", "r1", "--ip", "10.1.0.2", "--yes",
        ],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(sim.state("r1").bindings.len(), 2);
    let r = run(
        &[
            "leases",
            "clear",
            "--device",
            "r1",
            "--ip",
            "10.1.0.99",
            "--yes",
        ],
        repo.path(),
    );
    // answered from the bindings just read: no DELETE is sent
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("r1: nothing to clear at 10.1.0.99: no binding holds it"),
        "{}",
        r.stdout
    );
    let deletes = |sim: &TestSim| {
        sim.journal("r1")
            .iter()
            .filter(|e| e.method == "DELETE" && e.path.contains("bindings"))
            .count()
    };
    assert_eq!(deletes(&sim), 1, "only the first clear sent one");
    let no_yes = run(&["leases", "clear", "--device", "r1", "--all"], repo.path());
    assert_eq!(no_yes.code, 1, "needs --yes without a terminal");
    let r = run(
        &["leases", "clear", "--device", "r1", "--all", "--yes"],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(sim.state("r1").bindings.is_empty());
    let r = run(
        &["leases", "clear", "--device", "r1", "--all", "--yes"],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("nothing to clear: no automatic binding"),
        "{}",
        r.stdout
    );
    let clears = sim
        .journal("r1")
        .iter()
        .filter(|e| e.method == "POST" && e.path.contains("bindings"))
        .count();
    assert_eq!(clears, 1, "the second --all sent nothing");
}

#[test]
fn a_manual_binding_is_not_cleared_but_explained() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "door", "manual": {"host-ip-address": "10.1.0.5",
            "mac-address": "02c7.f800.0422"}}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired("r1", "pools: {}\n");
    let r = run(
        &[
            "leases", "clear", "--device", "r1", "--ip", "10.1.0.5", "--yes",
        ],
        repo.path(),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("10.1.0.5 is a manual binding (pool `door`)")
            && r.stderr
                .contains("delete pool `door` from the desired file"),
        "{}",
        r.stderr
    );
    assert!(sim.writes("r1").is_empty(), "{:?}", sim.writes("r1"));
}

#[test]
fn schema_and_completions_print() {
    let s = common::dhcpform()
        .args(["schema", "plan"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    assert_eq!(v["title"], "PlanFile");
    let c = common::dhcpform()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&c.stdout).contains("dhcpform"));
    assert_eq!(c.status.code(), Some(0));
}

/// A plan of `n` devices with five new pools each, rendered as markdown.
fn big_markdown(n: usize) -> String {
    use dhcpform::plan::{Action, Change, DevicePlan, Kind, PlanFile};
    use dhcpform::render::stream::{Format, render};
    let big: Vec<DevicePlan> = (0..n)
        .map(|i| {
            let mut d = DevicePlan::empty(
                &format!("dev-{i:04}"),
                dhcpform::config::inventory::Platform::IosXe,
            );
            d.changes = (0..5)
                .map(|k| Change {
                    resource: dhcpform::plan::Resource::Pool(format!("pool-{k}")),
                    action: Action::Create,
                    before: None,
                    after: Some(
                        json!({"dynamic": {"address-range": format!("10.{k}.0.0/24"),
                        "lease-duration": "1d"}, "options": {"dns-servers": ["10.0.0.53"]}}),
                    ),
                    fields: vec![],
                    reason: None,
                    impact: None,
                })
                .collect();
            d
        })
        .collect();
    let plan = PlanFile::new(Kind::Plan, big);
    let out = render(&plan, Format::Markdown, Default::default());
    assert!(out.starts_with("<!-- dhcpform:plan -->\n"), "{out}");
    assert!(
        out.chars().count() <= dhcpform::render::markdown::MAX_CHARS,
        "{}",
        out.len()
    );
    out
}

#[test]
fn markdown_shrinks_in_steps_and_says_what_it_left_out() {
    // full diffs while they fit
    let small = big_markdown(20);
    assert!(small.contains("+    address-range: 10.4.0.0/24"), "{small}");
    assert!(!small.contains("Left out"), "{small}");
    assert_eq!(
        small.matches("dev-0007").count(),
        2,
        "a name once in the table and once in its section"
    );
    // then each device's summary without diffs, the whole table kept
    let medium = big_markdown(150);
    assert!(!medium.contains("address-range"));
    assert!(medium.contains("<summary><code>dev-0149</code>: 5 to create"));
    assert!(medium.contains("| `dev-0149` | 5 | 0 | 0 | 0 | 0 | changes |"));
    assert!(medium.contains("Left out to stay under 60000 characters: the diffs and calls"));
    // then the table alone
    let large = big_markdown(700);
    assert!(!large.contains("<details>"));
    assert!(large.contains("| `dev-0699` | 5 | 0 | 0 | 0 | 0 | changes |"));
    assert!(large.contains("Left out to stay under 60000 characters: the details of 700"));
}

#[test]
fn leases_clear_shows_what_it_would_clear_before_asking() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "p",
        "dynamic": {"address-range": "10.1.0.0/24"}}], "clients": [{"pool": "p", "count": 2}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired(
        "r1",
        "pools:\n  p:\n    dynamic: { address-range: 10.1.0.0/24 }\n",
    );
    // without a terminal and without --yes: the list is shown, then the refusal to ask
    let r = run(&["leases", "clear", "--device", "r1", "--all"], repo.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 binding(s) to clear on r1:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("10.1.0.1 ") && r.stderr.contains("10.1.0.2 "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("needs --yes"), "{}", r.stderr);
    assert_eq!(sim.state("r1").bindings.len(), 2, "nothing cleared");
}
