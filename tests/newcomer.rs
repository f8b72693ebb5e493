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
