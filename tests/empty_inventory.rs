//! An inventory with no devices is an error for every command except `validate
//! --allow-empty`: a truncated inventory never reads as "no changes".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, run};

#[test]
fn no_devices_is_an_error_except_for_validate_allow_empty() {
    for inventory in ["devices: {}\n", "", "settings:\n  parallelism: 4\n"] {
        let repo = Repo::new(inventory);
        for cmd in [
            &["plan"][..],
            &["plan", "--detailed-exitcode"],
            &["drift"],
            &["apply", "--yes"],
            &["leases"],
            &["validate"],
        ] {
            let r = run(cmd, repo.path());
            assert_eq!(
                r.code, 1,
                "{cmd:?} on {inventory:?}: {}{}",
                r.stdout, r.stderr
            );
            assert!(
                r.stderr.contains("declares no device"),
                "{cmd:?}: {}",
                r.stderr
            );
            assert!(!r.stdout.contains("No changes"), "{cmd:?}: {}", r.stdout);
        }
        let r = run(&["validate", "--allow-empty"], repo.path());
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
}
