//! A reader that closes standard output early (`| head -1`) never changes the exit code: the
//! command finishes its work, writes its `--out` file whole, and exits with its own code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, TestSim};
use dhcpform::sim::SimOptions;
use std::process::Stdio;

fn repo() -> (TestSim, Repo) {
    let sim = TestSim::start(SimOptions {
        fleet: Some(2),
        ..SimOptions::default()
    });
    sim.seed("core", common::scenario_seed());
    let repo = Repo::ios(&[("core", &sim.url("core"))], "");
    repo.desired("core", common::SCENARIO_DESIRED);
    (sim, repo)
}

/// Runs the binary with its standard output closed before it writes anything.
fn closed(repo: &Repo, args: &[&str]) -> i32 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dhcpform"))
        .env("DHCPFORM_TEST_USER", "admin")
        .env("DHCPFORM_TEST_PASS", "admin")
        .env("NO_COLOR", "1")
        .args(args)
        .arg(repo.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn a_closed_pipe_keeps_the_exit_code() {
    let (_sim, repo) = repo();
    assert_eq!(closed(&repo, &["drift"]), 2, "drift found");
    assert_eq!(closed(&repo, &["plan", "--detailed-exitcode"]), 2);
    assert_eq!(
        closed(&repo, &["plan", "--detailed-exitcode", "--format", "json"]),
        2
    );
    assert_eq!(closed(&repo, &["plan"]), 0);
    assert_eq!(closed(&repo, &["validate"]), 0);
}

#[test]
fn the_out_file_is_written_whole_whatever_happens_to_stdout() {
    let (_sim, repo) = repo();
    let out = repo.file("plan.json");
    let code = closed(&repo, &["plan", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&out).unwrap();
    let plan: dhcpform::plan::PlanFile = serde_json::from_str(&text).unwrap();
    assert!(plan.checksum_ok(), "a complete, intact plan");
    assert_eq!(plan.devices.len(), 1);
    assert!(!repo.file("plan.json.partial").exists());
}
