//! `import --write` writes only inside the repository, and whole: a `desired:` with `..` or an
//! absolute path is refused before the device is contacted, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, TestSim, run};

#[test]
fn desired_outside_the_repository_is_refused_and_nothing_written() {
    let sim = TestSim::fleet(2);
    let outside = tempfile::tempdir().unwrap();
    let abs = outside.path().join("abs.yaml");
    for desired in [
        "../escaped.yaml",
        "devices/../../escaped.yaml",
        abs.to_str().unwrap(),
    ] {
        let repo = Repo::new(&format!(
            "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    desired: \"{desired}\"\n    \
             auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
            sim.url("r1")
        ));
        sim.clear_journal();
        let r = run(&["import", "--device", "r1", "--write"], repo.path());
        assert_eq!(r.code, 1, "{desired}: {}{}", r.stdout, r.stderr);
        assert!(
            common::folded(&r.stderr).contains("outside the repository"),
            "{}",
            r.stderr
        );
        assert!(
            sim.journal("r1").is_empty(),
            "{desired}: the device was contacted"
        );
        assert!(!repo.path().parent().unwrap().join("escaped.yaml").exists());
        assert!(!abs.exists());
    }
}

#[test]
fn a_written_file_is_whole_and_leaves_no_temporary_file() {
    let sim = TestSim::fleet(2);
    sim.seed("r1", common::scenario_seed());
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let r = run(&["import", "--device", "r1", "--write"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    assert!(text.contains("pools:"), "{text}");
    let left: Vec<_> = std::fs::read_dir(repo.file("devices"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(
        r.code, 0,
        "import then plan is empty: {}{}",
        r.stdout, r.stderr
    );
}
