//! Randomised fault schedules against the emulator (429, 503, 500, cut connections and
//! timeouts, each before any processing): apply converges, or stops with a report that matches
//! the device exactly, and the journal shows no write outside the plan's calls and no write
//! after a read that failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::plan::PlanFile;
use dhcpform::sim::Faults;

fn faults(seed: u64) -> Faults {
    Faults {
        fault_rate: 0.15,
        error_rate: 0.08,
        reset_rate: 0.08,
        timeout_rate: 0.03,
        timeout_ms: 700,
        seed: Some(seed),
        ..Faults::default()
    }
}

#[test]
fn apply_under_random_faults_is_exact_and_writes_only_planned_calls() {
    let sim = TestSim::fleet(16);
    let mut outcomes = std::collections::BTreeMap::new();
    let mut struck = 0;
    for seed in 1..=8u64 {
        let name = format!("f{seed}");
        sim.faults(Faults::default());
        sim.seed(&name, common::scenario_seed());
        let repo = Repo::new(&format!(
            "settings:\n  timeout: 500ms\n  retries: 4\ndevices:\n  {name}:\n    \
             platform: ios-xe\n    url: {}\n    \
             auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
            sim.url(&name)
        ));
        repo.desired(&name, common::SCENARIO_DESIRED);
        let p = run(&["plan", "--format", "json"], repo.path());
        let plan: PlanFile = serde_json::from_str(&p.stdout).unwrap();
        let planned: Vec<(String, String, Option<serde_json::Value>)> = plan.devices[0]
            .operations
            .iter()
            .map(|o| (o.method.to_string(), o.path.clone(), o.body.clone()))
            .collect();

        sim.clear_journal();
        sim.faults(faults(seed));
        let r = run(&["apply", "--yes", "--force"], repo.path());
        sim.faults(Faults::default());
        let ctx = format!("seed {seed}: exit {}\n{}{}", r.code, r.stdout, r.stderr);
        assert!([0, 1, 3].contains(&r.code), "{ctx}");
        outcomes.entry(r.code).and_modify(|n| *n += 1).or_insert(1);

        let journal = sim.journal(&name);
        struck += journal
            .iter()
            .filter(|e| !(200..300).contains(&e.status))
            .count();
        let is_write = |e: &dhcpform::sim::JournalEntry| {
            e.method != "GET" && e.path.starts_with("/api/v1/dhcp")
        };
        let writes: Vec<(String, String, Option<serde_json::Value>)> = journal
            .iter()
            .filter(|e| is_write(e) && (200..300).contains(&e.status))
            .map(|e| (e.method.clone(), e.path.clone(), e.body.clone()))
            .collect();
        // every write is a planned call, in the plan's order, none twice
        let mut next = 0;
        for w in &writes {
            let at = planned[next..].iter().position(|p| p == w);
            assert!(
                at.is_some(),
                "{ctx}\nwrite outside the plan (or out of order): {w:?}"
            );
            next += at.unwrap_or(0) + 1;
        }
        // the report lists exactly the writes the device carried out
        let done: Vec<String> = r
            .stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("sent    "))
            .map(|l| l.split_once(": ").map_or(l, |(a, _)| a))
            .map(|l| l.rsplit_once(" (").map_or(l, |(a, _)| a).to_string())
            .collect();
        let carried: Vec<String> = writes.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
        assert_eq!(done, carried, "{ctx}");
        // no write after a read that failed
        for (i, e) in journal.iter().enumerate().filter(|(_, e)| is_write(e)) {
            if let Some(read) = journal[..i].iter().rev().find(|r| r.method == "GET") {
                assert!(
                    (200..300).contains(&read.status),
                    "{ctx}\n{} {} sent after a failed read {} {} ({})",
                    e.method,
                    e.path,
                    read.method,
                    read.path,
                    read.status
                );
            }
        }
        match r.code {
            0 => {
                assert_eq!(carried.len(), planned.len(), "{ctx}");
                let again = run(&["plan", "--detailed-exitcode"], repo.path());
                assert_eq!(again.code, 0, "{ctx}\nconverged but: {}", again.stdout);
            }
            1 => assert!(writes.is_empty(), "{ctx}"),
            _ => assert!(
                r.stdout.contains("failed") || r.stdout.contains("NOT converged"),
                "{ctx}"
            ),
        }
    }
    // the schedules are not vacuous: faults really struck, and not every run converged
    println!("outcomes by exit code: {outcomes:?}, faults: {struck}");
    assert!(struck >= 8, "{struck} faults");
    assert!(outcomes.len() > 1, "{outcomes:?}");
}
