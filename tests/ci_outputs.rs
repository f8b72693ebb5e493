//! What the CI jobs consume: `show` of saved and sharded files, the junit, gitlab, github and
//! json formats, drift reports, exit codes of blocked plans, `-q`, GitHub groups, `--shard
//! auto`, and a device with an invalid file failing alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, dhcpform, run};
use serde_json::{Value, json};

/// Four devices: `a` and `c` have changes, `b` is in sync, `d` would lose every pool (blocked
/// by a safety gate).
fn fleet() -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    for n in ["a", "b", "c", "d"] {
        sim.seed(n, common::scenario_seed());
    }
    let urls: Vec<(String, String)> = ["a", "b", "c", "d"]
        .iter()
        .map(|n| (n.to_string(), sim.url(n)))
        .collect();
    let devices: Vec<(&str, &str)> = urls.iter().map(|(n, u)| (n.as_str(), u.as_str())).collect();
    let repo = Repo::ios(&devices, "");
    repo.desired("a", common::SCENARIO_DESIRED);
    repo.desired("c", common::SCENARIO_DESIRED);
    let same = "server:\n  excluded-addresses: [10.0.0.1-10.0.0.30]\n  relay-agents: { Gi1: \
                [10.9.0.1] }\npools:\n  staff:\n    dynamic: { address-range: 10.0.0.0/24 }\n    \
                options: { dns-servers: [10.9.0.53] }\n  old:\n    dynamic: { address-range: \
                10.5.0.0/24 }\n  cam:\n    dynamic: { address-range: 10.6.0.0/24 }\n";
    repo.desired("b", same);
    repo.desired("d", "pools: {}\n");
    (sim, repo)
}

fn out(repo: &Repo, name: &str) -> String {
    repo.file(name).to_str().unwrap().to_string()
}

/// `dhcpform show FILE... ARGS` (the files come before the directory argument `run` adds).
fn show(files: &[String], args: &[&str]) -> common::Run {
    dhcpform()
        .arg("show")
        .args(files)
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn show_of_a_saved_plan_renders_what_plan_rendered() {
    let (_sim, repo) = fleet();
    let file = out(&repo, "plan.json");
    for format in ["text", "markdown", "junit", "gitlab"] {
        let direct = run(&["plan", "--format", format, "--out", &file], repo.path());
        assert_eq!(direct.code, 0, "{}", direct.stderr);
        let shown = show(std::slice::from_ref(&file), &["--format", format]);
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert_eq!(shown.stdout, direct.stdout, "{format}");
    }
    let json = show(std::slice::from_ref(&file), &["--format", "json"]);
    assert_eq!(json.stdout, std::fs::read_to_string(&file).unwrap());
}

#[test]
fn show_merges_shard_files_into_the_unsharded_report() {
    let (_sim, repo) = fleet();
    let whole = run(&["plan", "--format", "json"], repo.path());
    let (one, two) = (out(&repo, "one.json"), out(&repo, "two.json"));
    for (shard, file) in [("1/2", &one), ("2/2", &two)] {
        let r = run(&["plan", "--shard", shard, "--out", file], repo.path());
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let parts: Vec<Value> = [&one, &two]
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let sizes: Vec<usize> = parts
        .iter()
        .map(|p| p["devices"].as_array().unwrap().len())
        .collect();
    assert!(
        sizes.iter().all(|n| *n > 0) && sizes.iter().sum::<usize>() == 4,
        "{sizes:?}"
    );
    // the same report in every format, whatever the order of the files
    let merged = show(&[two.clone(), one.clone()], &["--format", "json"]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout);
    let text = show(&[one.clone(), two.clone()], &[]);
    assert_eq!(text.stdout, run(&["plan"], repo.path()).stdout);
    // a device in two files, or a file edited by hand, is refused
    let twice = show(&[one.clone(), one.clone()], &[]);
    assert_eq!(twice.code, 1);
    assert!(twice.stderr.contains("is in both"), "{}", twice.stderr);
    let edited =
        std::fs::read_to_string(&one)
            .unwrap()
            .replacen("\"device\": \"", "\"device\": \"x", 1);
    std::fs::write(&one, edited).unwrap();
    let r = show(&[one], &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("checksum"), "{}", r.stderr);
}

#[test]
fn junit_has_one_case_per_device_and_fails_those_with_changes() {
    let (_sim, repo) = fleet();
    let r = run(&["plan", "--format", "junit"], repo.path());
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let (mut cases, mut failures, mut failed_names) = (0, 0, Vec::new());
    let mut current = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => {
                        cases += 1;
                        let name = e.try_get_attribute("name").unwrap().unwrap();
                        current = String::from_utf8(name.value.to_vec()).unwrap();
                    }
                    b"failure" => {
                        failures += 1;
                        failed_names.push(current.clone());
                    }
                    b"testsuite" => {
                        let attr = |k: &str| {
                            let a = e.try_get_attribute(k).unwrap().unwrap();
                            String::from_utf8(a.value.to_vec()).unwrap()
                        };
                        assert_eq!(attr("tests"), "4");
                        assert_eq!(attr("failures"), "3");
                    }
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures), (4, 3), "{}", r.stdout);
    assert_eq!(failed_names, ["a", "c", "d"]);
    assert!(
        r.stdout.contains("pool/guests (create)"),
        "details in the failure text"
    );
}

#[test]
fn gitlab_report_counts_the_changes() {
    let (_sim, repo) = fleet();
    let r = run(&["plan", "--format", "gitlab"], repo.path());
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let plan: Value =
        serde_json::from_str(&run(&["plan", "--format", "json"], repo.path()).stdout).unwrap();
    let s = &plan["summary"];
    assert_eq!(
        report,
        json!({"create": s["create"], "update": s["update"], "delete": s["delete"]})
    );
    assert_eq!(
        report["create"], 2,
        "two devices create a pool each: {report}"
    );
}

#[test]
fn blocked_devices_exit_4_under_detailed_exitcode_and_name_apply_force() {
    let (_sim, repo) = fleet();
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("4 device(s): 3 with changes, 1 blocked, 0 failed")
    );
    assert!(
        r.stdout.contains("then `dhcpform apply --force`"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("re-run with --force"));
    repo.desired(
        "d",
        "pools: { staff: { dynamic: { address-range: 10.0.0.0/24 } } }\n",
    );
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

#[test]
fn drift_reports_have_their_own_title_findings_and_counts() {
    let (sim, repo) = fleet();
    for d in ["a", "c", "d"] {
        repo.desired(
            d,
            &std::fs::read_to_string(repo.file("devices/b.yaml")).unwrap(),
        );
    }
    // `c` is in sync but its check fails: 5 clients in a /24 is above 1%
    let b = std::fs::read_to_string(repo.file("devices/b.yaml")).unwrap();
    repo.desired("c", &format!("{b}expect:\n  max-utilization: 1%\n"));
    sim.seed("a", json!({"pools": []}));
    let file = out(&repo, "drift.json");
    let r = run(&["drift", "--out", &file], repo.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("4 device(s): 2 with drift (1 with failed checks), 0 failed"),
        "{}",
        r.stdout
    );
    let md = show(std::slice::from_ref(&file), &["--format", "markdown"]).stdout;
    assert!(
        md.starts_with("<!-- dhcpform:drift -->\n## dhcpform drift\n"),
        "{md}"
    );
    assert!(md.contains("| `c` | 0 | 0 | 0 | 1 | 0 | drift |"), "{md}");
    assert!(md.contains("- **expect** `max-utilization`"), "{md}");
    assert!(
        md.contains("| `b` | 0 | 0 | 0 | 0 | 0 | no drift |"),
        "{md}"
    );
    let junit = show(std::slice::from_ref(&file), &["--format", "junit"]).stdout;
    assert!(junit.contains("type=\"drift\""), "{junit}");
    // a drift report is not a plan
    let a = run(&["apply", "--yes", "--plan", &file], repo.path());
    assert_eq!(a.code, 1);
    assert!(
        a.stderr.contains("drift report, not a plan"),
        "{}",
        a.stderr
    );
}

#[test]
fn quiet_prints_only_devices_with_something_to_say() {
    let (_sim, repo) = fleet();
    let r = run(&["plan", "-q"], repo.path());
    assert!(r.stdout.contains("a: 1 to create"), "{}", r.stdout);
    assert!(!r.stdout.contains("b: 0 to create"), "{}", r.stdout);
    for d in ["a", "c", "d"] {
        repo.desired(
            d,
            &std::fs::read_to_string(repo.file("devices/b.yaml")).unwrap(),
        );
    }
    let clean = run(&["plan", "-q"], repo.path());
    assert_eq!(
        clean.stdout,
        "4 device(s): 0 with changes, 0 blocked, 0 failed\nNo changes.\n"
    );
}

#[test]
fn under_github_actions_each_device_is_a_group() {
    let (_sim, repo) = fleet();
    let o = dhcpform()
        .env("GITHUB_ACTIONS", "true")
        .args(["plan"])
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.matches("::group::").count(), 4, "{text}");
    assert_eq!(text.matches("::endgroup::").count(), 4, "{text}");
    assert!(
        text.contains("::group::a: 1 to create, 3 to update, 1 to delete"),
        "{text}"
    );
}

#[test]
fn shard_auto_reads_gitlab_parallel_variables() {
    let (_sim, repo) = fleet();
    let explicit = run(&["plan", "--shard", "2/3"], repo.path());
    let o = dhcpform()
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3")
        .args(["plan", "--shard", "auto"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), explicit.stdout);
    let missing = run(&["plan", "--shard", "auto"], repo.path());
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("CI_NODE_INDEX"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_device_with_an_invalid_file_fails_alone() {
    let (sim, repo) = fleet();
    repo.desired(
        "c",
        "pools:\n  staff:\n    dynamic: { address-range: 10.0.0.5/24 }\n",
    );
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("has host bits set"), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("a: 1 to create, 3 to update, 1 to delete")
    );
    assert!(
        r.stdout.contains(
            "c: failed\n  error (invalid-file): its desired file devices/c.yaml is invalid"
        ),
        "{}",
        r.stdout
    );
    assert!(sim.journal("c").is_empty(), "the device was not contacted");
    // a selection needs only the selected files valid, and does not mention the others
    let one = run(&["plan", "--device", "a"], repo.path());
    assert_eq!(one.code, 0, "{}{}", one.stdout, one.stderr);
    assert!(!one.stderr.contains("c.yaml"), "{}", one.stderr);
    // apply refuses the whole run rather than converge part of it
    sim.clear_journal();
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 1);
    assert!(a.stderr.contains("nothing applied"), "{}", a.stderr);
    assert!(sim.writes("a").is_empty());
}

#[test]
fn validate_speaks_github_and_json_with_paths_from_the_current_directory() {
    let repo = Repo::ios(&[("r1", "http://127.0.0.1:9")], "");
    repo.desired(
        "r1",
        "pools:\n  staff:\n    dynamic: { address-range: 10.0.0.5/24 }\n    optons: {}\n",
    );
    let parent = repo.path().parent().unwrap();
    let name = repo.path().file_name().unwrap().to_str().unwrap();
    let gh = dhcpform()
        .current_dir(parent)
        .args(["validate", "--format", "github", name])
        .output()
        .unwrap();
    assert_eq!(gh.status.code(), Some(1));
    let text = String::from_utf8_lossy(&gh.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!(
            "::error file={name}/devices/r1.yaml,line=3,col=31,title=dhcpform%3A host bits \
             set::`10.0.0.5/24` has host bits set%0Ahelp: did you mean `10.0.0.0/24`?"
        )),
        "{text}"
    );
    assert!(lines[1].contains("line=4,col=5"), "{text}");
    let js = dhcpform()
        .current_dir(parent)
        .args(["validate", "--format", "json", name])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&js.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"], 2);
    assert_eq!(v["diagnostics"][1]["message"], "unknown key `optons`");
    assert_eq!(v["diagnostics"][1]["help"], "did you mean `options`?");
    assert_eq!(
        v["diagnostics"][1]["file"],
        format!("{name}/devices/r1.yaml")
    );
}

#[test]
fn without_a_terminal_progress_is_plain_lines_on_stderr() {
    let (_sim, repo) = fleet();
    let o = dhcpform()
        .env("DHCPFORM_PROGRESS_SECS", "0")
        .args(["plan"])
        .arg(repo.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert_eq!(lines.len(), 3, "every device but the last: {err}");
    assert!(
        lines[0].starts_with("progress: 1/4 devices done ("),
        "{err}"
    );
    assert!(!err.contains('\x1b'), "no escape codes: {err:?}");
    // the default interval is a few seconds: a quick run prints none
    let quiet = run(&["plan"], repo.path());
    assert!(!quiet.stderr.contains("progress:"), "{}", quiet.stderr);
}

#[test]
fn a_broken_profile_fails_only_the_devices_using_it() {
    let sim = TestSim::fleet(2);
    for n in ["a", "b"] {
        sim.seed(n, common::scenario_seed());
    }
    let mut inv = String::from("profiles:\n  corp:\n    lease-duration: 99x\ndevices:\n");
    for n in ["a", "b"] {
        inv.push_str(&format!(
            "  {n}:\n    platform: ios-xe\n    url: {}\n    auth: {{ username-env: \
             DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
            sim.url(n)
        ));
    }
    let repo = Repo::new(&inv);
    repo.desired(
        "a",
        "pools:\n  staff:\n    profile: corp\n    dynamic: { address-range: 10.0.0.0/24 }\n",
    );
    repo.desired("b", common::SCENARIO_DESIRED);
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("99x"),
        "the profile's error is shown: {}",
        r.stderr
    );
    assert!(
        r.stdout
            .contains("a: failed\n  error (invalid-file): pool `staff` uses profile `corp`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("b: 1 to create, 3 to update, 1 to delete"),
        "{}",
        r.stdout
    );
    assert!(sim.journal("a").is_empty(), "a was not contacted");
    // validate still fails the repository
    assert_eq!(run(&["validate"], repo.path()).code, 1);
}

#[test]
fn one_device_down_does_not_hide_the_drift_of_the_others() {
    // `a` drifted, `b` clean, `down` unreachable: the report is written, names the drifted and
    // the unchecked devices apart, and the exit code says a device could not be checked
    let sim = TestSim::fleet(2);
    sim.seed("a", common::scenario_seed());
    sim.seed("b", common::scenario_seed());
    let (ua, ub) = (sim.url("a"), sim.url("b"));
    let repo = Repo::ios(
        &[("a", &ua), ("b", &ub), ("down", "http://127.0.0.1:1")],
        "  retries: 0\n",
    );
    repo.desired("a", common::SCENARIO_DESIRED);
    // `b` holds exactly what its file says
    let i = run(&["import", "--write", "--device", "b"], repo.path());
    assert_eq!(i.code, 0, "{}", i.stderr);
    repo.desired("down", common::SCENARIO_DESIRED);
    let file = out(&repo, "drift.json");
    let r = run(&["drift", "--out", &file], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let md = show(std::slice::from_ref(&file), &["--format", "markdown"]).stdout;
    assert!(md.contains("**Drifted:** `a`\n"), "{md}");
    assert!(md.contains("**Could not be checked:** `down`"), "{md}");
    assert!(
        md.contains("| `b` | 0 | 0 | 0 | 0 | 0 | no drift |"),
        "{md}"
    );
}
