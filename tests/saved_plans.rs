//! `apply --plan FILE` trusts nothing in the file it did not check: the format version, the
//! checksum over everything, the fields apply relies on, calls inside the DHCP API only, the
//! saved calls equal to what the saved desired state needs now, and the safety verdict made
//! again. A refused file sends nothing at all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::plan::{Method, PlanFile, Resource};
use serde_json::json;

fn setup() -> (TestSim, Repo, std::path::PathBuf) {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [
            {"poolName": "a", "dynamic": {"address-range": "10.1.0.0/24"}},
            {"poolName": "b", "dynamic": {"address-range": "10.2.0.0/24"}}
        ]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    repo.desired(
        "r1",
        "pools:\n  a:\n    dynamic: { address-range: 10.1.0.0/24, lease-duration: 8h }\n",
    );
    let plan = repo.file("plan.json");
    let r = run(&["plan", "--out", plan.to_str().unwrap()], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    (sim, repo, plan)
}

fn load(path: &std::path::Path) -> PlanFile {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes `plan` back, with a checksum made for it (a careful forger).
fn forge(path: &std::path::Path, plan: PlanFile) {
    let plan = PlanFile::new(plan.kind, plan.devices);
    std::fs::write(path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
}

fn refused(sim: &TestSim, repo: &Repo, plan: &std::path::Path, words: &str) {
    sim.clear_journal();
    let r = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // miette wraps long lines: compare with the line breaks folded away
    let folded = common::folded(&r.stderr);
    assert!(
        folded.contains(words),
        "expected `{words}` in: {}",
        r.stderr
    );
    assert!(
        sim.journal("r1").is_empty(),
        "nothing sent: {:?}",
        sim.journal("r1")
    );
}

#[test]
fn an_edited_plan_is_refused_and_nothing_is_sent() {
    let (sim, repo, plan) = setup();
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replace("10.1.0.0/24", "10.9.0.0/24")).unwrap();
    refused(&sim, &repo, &plan, "checksum does not match");
}

#[test]
fn an_unknown_format_version_is_refused() {
    let (sim, repo, plan) = setup();
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replacen("\"format_version\": 3", "\"format_version\": 7", 1),
    )
    .unwrap();
    refused(&sim, &repo, &plan, "plan format 7");
}

#[test]
fn a_call_outside_the_dhcp_api_is_refused_even_with_a_good_checksum() {
    let (sim, repo, plan) = setup();
    for (method, path, resource) in [
        (
            Method::Delete,
            "/api/v1/auth/token-services",
            Resource::Server,
        ),
        (Method::Put, "/api/v1/dhcp/pool/..", Resource::pool("..")),
        (Method::Get, "/api/v1/dhcp", Resource::Server),
    ] {
        let mut p = load(&plan);
        let op = &mut p.devices[0].operations[0];
        op.method = method;
        op.path = path.into();
        op.resource = resource;
        let copy = repo.file("forged.json");
        forge(&copy, p);
        refused(&sim, &repo, &copy, "outside the ios-xe DHCP API");
    }
}

#[test]
fn required_fields_are_required() {
    let (sim, repo, plan) = setup();
    let mut p = load(&plan);
    p.devices[0].live_digest = None;
    forge(&plan, p);
    refused(&sim, &repo, &plan, "live_digest is missing");
}

#[test]
fn the_safety_verdict_is_made_again_not_read_from_the_file() {
    let (sim, repo, plan) = setup();
    // The plan deletes `b`, one of two pools: over max-delete-percent 30 only from 10 pools;
    // make the gate fire with min-existing 1, then unblock it by hand in the file.
    repo.write(
        "dhcpform.yaml",
        &std::fs::read_to_string(repo.file("dhcpform.yaml"))
            .unwrap()
            .replace("settings:\n", "settings:\n  safety: { min-existing: 1 }\n"),
    );
    let r = run(&["plan", "--out", plan.to_str().unwrap()], repo.path());
    assert!(
        r.stdout.contains("BLOCKED [max-delete-percent]"),
        "{}",
        r.stdout
    );
    let mut p = load(&plan);
    p.devices[0].safety.blocked = false;
    p.devices[0].safety.gates.clear();
    forge(&plan, p);
    sim.clear_journal();
    let r = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(sim.writes("r1").is_empty(), "{:?}", sim.writes("r1"));
}

#[test]
fn saved_calls_that_differ_from_what_the_desired_state_needs_are_not_run() {
    let (sim, repo, plan) = setup();
    // prune turned off since planning: the saved DELETE of `b` is no longer what is wanted
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    repo.write(
        "dhcpform.yaml",
        &inv.replace("    auth:", "    prune: false\n    auth:"),
    );
    sim.clear_journal();
    let r = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("the saved calls are not what"),
        "{}",
        r.stdout
    );
    assert!(sim.writes("r1").is_empty(), "{:?}", sim.writes("r1"));
}

#[test]
fn a_good_plan_runs_exactly_its_calls() {
    let (sim, repo, plan) = setup();
    let saved = load(&plan);
    sim.clear_journal();
    let r = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let want: Vec<String> = saved.devices[0]
        .operations
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    let sent: Vec<String> = sim
        .writes("r1")
        .into_iter()
        .map(|w| w.rsplit_once(' ').unwrap().0.to_string())
        .collect();
    assert_eq!(sent, want);
}

#[test]
fn a_device_that_failed_at_planning_is_not_applied_from_the_saved_plan() {
    let sim = TestSim::fleet(2);
    sim.seed("a", common::scenario_seed());
    let url = sim.url("a");
    let repo = Repo::ios(
        &[("a", &url), ("gone", "http://127.0.0.1:1")],
        "  retries: 0\n",
    );
    repo.desired("a", common::SCENARIO_DESIRED);
    repo.desired("gone", common::SCENARIO_DESIRED);
    let plan = repo.file("plan.json");
    let p = run(&["plan", "--out", plan.to_str().unwrap()], repo.path());
    assert_eq!(p.code, 1, "{}", p.stderr);
    assert!(
        plan.exists(),
        "the plan is saved with the failed device's error in it"
    );
    let a = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(a.code, 1, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("a: 7 sent, 0 failed, 0 skipped; converged"),
        "{}",
        a.stdout
    );
    assert!(
        a.stdout
            .contains("could not be planned when the plan was saved"),
        "{}",
        a.stdout
    );
}

#[test]
fn a_plan_made_before_the_repository_changed_is_refused_with_the_file_named() {
    let (sim, repo, plan) = setup();
    // a pool added after `plan --out`: the reviewed plan does not hold it
    repo.desired(
        "r1",
        "pools:\n  a:\n    dynamic: { address-range: 10.1.0.0/24, lease-duration: 8h }\n  c:\n    \
         dynamic: { address-range: 10.3.0.0/24 }\n",
    );
    sim.clear_journal();
    let r = run(
        &["apply", "--yes", "--plan", plan.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let folded = common::folded(&r.stderr);
    assert!(
        folded.contains("desired state changed since the plan was made"),
        "{folded}"
    );
    assert!(folded.contains("r1 (devices/r1.yaml)"), "{folded}");
    assert!(folded.contains("plan again"), "{folded}");
    assert!(
        sim.journal("r1").is_empty(),
        "nothing contacted: {:?}",
        sim.journal("r1")
    );
}

#[test]
fn re_applying_an_applied_plan_says_it_was_already_applied() {
    let (sim, repo, plan) = setup();
    let args = ["apply", "--yes", "--plan", plan.to_str().unwrap()];
    let r = run(&args, repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let before = sim.writes("r1").len();
    let r = run(&args, repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("r1: already applied"), "{}", r.stdout);
    assert!(!r.stdout.contains("stale"), "{}", r.stdout);
    assert_eq!(sim.writes("r1").len(), before, "nothing written again");
}
