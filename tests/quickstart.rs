//! The README's main job on the built binary: plan the quickstart (a real plan, exit 2), apply
//! it, plan again (empty), drift (clean), on a fresh copy of examples/quickstart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::run;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == ".dhcpform" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn quickstart_plan_apply_plan() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        dir.path(),
    );
    let qs = dir.path();

    let plan = run(&["plan", "--detailed-exitcode"], qs);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    for line in [
        "lab-core: 1 to create, 2 to update, 1 to delete",
        "lab-branch: 1 to create, 0 to update, 0 to delete",
        "lab-edge: 0 to create, 1 to update, 0 to delete",
        "lab-cat9k: 1 to create, 2 to update, 0 to delete",
        "relay-agents: +Vlan61 10.99.0.10 (entry by entry)",
        "5. POST /restconf/operations/cisco-ia:save-config (server)",
        "~ interface/eth1 (update: dns, reservations)",
        "reservations: +02:03:04:05:06:99 192.168.10.61 (the whole list is sent)",
        "- pool/old-lab (delete)",
        "4 device(s): 4 with changes, 0 blocked, 0 failed",
    ] {
        assert!(
            plan.stdout.contains(line),
            "missing `{line}` in:\n{}",
            plan.stdout
        );
    }
    assert!(
        qs.join(".dhcpform/sim/lab-core.json").exists(),
        "emulator state kept beside the inventory"
    );

    let apply = run(&["apply", "--yes"], qs);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply
            .stdout
            .contains("lab-core: 4 sent, 0 failed, 0 skipped; converged"),
        "{}",
        apply.stdout
    );
    assert!(
        apply
            .stdout
            .contains("lab-edge: 1 sent, 0 failed, 0 skipped; converged"),
        "{}",
        apply.stdout
    );
    assert!(
        apply
            .stdout
            .contains("lab-cat9k: 5 sent, 0 failed, 0 skipped; converged"),
        "{}",
        apply.stdout
    );
    assert!(
        apply
            .stdout
            .contains("lab-branch: 1 sent, 0 failed, 0 skipped; converged"),
        "{}",
        apply.stdout
    );

    let again = run(&["plan", "--detailed-exitcode"], qs);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains("4 device(s): 0 with changes, 0 blocked, 0 failed\nNo changes."),
        "{}",
        again.stdout
    );

    let drift = run(&["drift"], qs);
    assert_eq!(drift.code, 0, "{}{}", drift.stdout, drift.stderr);

    let leases = run(&["leases", "--format", "csv"], qs);
    assert_eq!(leases.code, 0, "{}", leases.stderr);
    assert!(
        leases
            .stdout
            .lines()
            .any(|l| l.starts_with("lab-edge,192.168.10.55,02:03:04:05:06:07,")),
        "{}",
        leases.stdout
    );
    assert!(
        leases
            .stdout
            .lines()
            .any(|l| l.starts_with("lab-cat9k,10.60.0.31,00:50:56:a1:00:31,,automatic,")),
        "the RESTCONF router's oper bindings: {}",
        leases.stdout
    );
}

#[test]
fn drift_finds_an_expectation_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        dir.path(),
    );
    let qs = dir.path();
    // the kiosk's lease is 192.168.10.55: expect another address
    let f = qs.join("devices/lab-edge.yaml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("ip: 192.168.10.55", "ip: 192.168.10.56");
    std::fs::write(&f, text).unwrap();
    let r = run(&["drift", "--device", "lab-edge"], qs);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("02:03:04:05:06:07 holds 192.168.10.55 but is reserved 192.168.10.56"),
        "{}",
        r.stdout
    );
}
