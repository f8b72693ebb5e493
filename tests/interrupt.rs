//! Ctrl-C and SIGTERM during apply: the call in flight finishes, nothing more is sent (not even
//! the final read), the token is released, the report lists the rest as skipped, and the exit
//! code is 3 when something was written, 1 when nothing was. Driven by the request log (`-v`)
//! of the real binary against the emulator with latency, so the signal lands mid-apply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim};
use dhcpform::sim::Faults;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn setup() -> (TestSim, Repo) {
    let sim = TestSim::fleet(2);
    sim.faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let mut desired = String::from("pools:\n");
    for i in 0..5 {
        desired.push_str(&format!(
            "  p{i}:\n    dynamic: {{ address-range: 10.{i}.0.0/24 }}\n"
        ));
    }
    repo.desired("r1", &desired);
    (sim, repo)
}

/// Runs `apply --yes -v`, sends `signals` once the request log shows a line starting with
/// `trigger`; returns the exit code, stdout and stderr.
fn interrupted(repo: &Repo, trigger: &str, signals: &[i32]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dhcpform"))
        .args(["-v", "apply", "--yes"])
        .arg(repo.path())
        .env("DHCPFORM_TEST_USER", "admin")
        .env("DHCPFORM_TEST_PASS", "admin")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("the log ended before `{trigger}`: {seen}");
        }
        seen.push_str(&line);
        if line.starts_with(trigger) {
            break;
        }
    }
    let pid = i32::try_from(child.id()).unwrap();
    for (i, s) in signals.iter().enumerate() {
        if i > 0 {
            // signals are not queued: wait until the first one was taken
            loop {
                let mut line = String::new();
                if err.read_line(&mut line).unwrap() == 0 {
                    panic!("the log ended before the interrupt was taken: {seen}");
                }
                seen.push_str(&line);
                if line.starts_with("interrupted:") {
                    break;
                }
            }
        }
        // SAFETY: kill(2) on our own child's pid with a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, *s) }, 0);
    }
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        err.read_to_string(&mut rest).unwrap();
        rest
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    seen.push_str(&rest.join().unwrap());
    (status.code().unwrap_or(-1), stdout, seen)
}

fn writes(sim: &TestSim) -> Vec<String> {
    sim.writes("r1")
}

#[test]
fn ctrl_c_after_the_first_write_stops_after_the_call_in_flight() {
    let (sim, repo) = setup();
    let (code, stdout, stderr) = interrupted(&repo, "<- 201 POST", &[libc::SIGINT]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stdout.contains("r1: interrupted:"), "{stdout}");
    let done = stdout.matches("  sent    POST").count();
    let skipped = stdout.matches("  skipped POST").count();
    assert_eq!(done + skipped, 5, "every call is reported: {stdout}");
    assert!((1..5).contains(&done), "{stdout}");
    // the journal agrees with the report: exactly the calls reported done were sent
    assert_eq!(writes(&sim).len(), done, "{:?}\n{stdout}", writes(&sim));
    let journal = sim.journal("r1");
    let last_write = journal
        .iter()
        .rposition(|e| e.method == "POST" && e.path == "/api/v1/dhcp/pool")
        .unwrap();
    let after: Vec<String> = journal[last_write + 1..]
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert_eq!(
        after.len(),
        1,
        "only the token's release follows: {after:?}"
    );
    assert!(
        after[0].starts_with("DELETE /api/v1/auth/token-services/"),
        "{after:?}"
    );
}

#[test]
fn sigterm_before_any_write_writes_nothing_and_exits_1() {
    let (sim, repo) = setup();
    let (code, stdout, stderr) = interrupted(&repo, "-> GET", &[libc::SIGTERM]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert!(stdout.contains("skipped POST"), "{stdout}");
    let released = sim
        .journal("r1")
        .iter()
        .any(|e| e.method == "DELETE" && e.path.starts_with("/api/v1/auth/token-services/"));
    assert!(released, "the token is released");
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let (_sim, repo) = setup();
    let (code, stdout, stderr) = interrupted(&repo, "<- 201 POST", &[libc::SIGINT, libc::SIGINT]);
    assert_eq!(code, 3, "something was written: {stdout}{stderr}");
    assert!(
        !stdout.contains("apply report"),
        "no report: it exits at once: {stdout}"
    );
    // one line says so
    assert_eq!(
        stderr.matches("interrupted again: exiting now").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("writes were sent"), "{stderr}");
}
