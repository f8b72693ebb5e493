//! Offline lints of `validate` (warnings with places and hints, never failing validation) and
//! the `min-free` drift check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use serde_json::json;

fn two_devices() -> Repo {
    Repo::new(
        "devices:\n  r1: { platform: ios-xe, url: sim://r1 }\n  \
         r2: { platform: ios-xe, url: sim://r2 }\n",
    )
}

#[test]
fn each_lint_warns_with_its_place_and_validation_still_passes() {
    let repo = two_devices();
    repo.desired(
        "r1",
        "server:\n  excluded-addresses: [10.2.0.0-10.2.0.255]\npools:\n  staff:\n    \
         dynamic: { address-range: 10.1.0.0/24, lease-duration: infinite }\n    \
         options: { default-gateway: [10.1.0.1], dns-servers: [10.1.0.53] }\n  \
         dead:\n    dynamic: { address-range: 10.2.0.0/24 }\n  \
         cam:\n    manual: { host-ip-address: 10.9.0.5, mac-address: 02:00:00:00:00:01 }\n",
    );
    repo.desired(
        "r2",
        "pools:\n  other:\n    dynamic: { address-range: 10.1.0.0/25 }\n  \
         cam2:\n    manual: { host-ip-address: 10.8.0.5, mac-address: 02:00:00:00:00:01 }\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 0, "lints never fail validation: {}", r.stderr);
    let e = common::folded(&r.stderr);
    for (words, place) in [
        (
            "default gateway 10.1.0.1 of pool `staff` can be leased",
            "devices/r1.yaml:6:34",
        ),
        (
            "DNS server 10.1.0.53 of pool `staff` can be leased",
            "devices/r1.yaml:6:59",
        ),
        (
            "every address of dynamic pool `dead` (10.2.0.0/24) is excluded",
            "devices/r1.yaml:8:31",
        ),
        (
            "dynamic pool `staff` leases forever",
            "devices/r1.yaml:5:60",
        ),
        (
            "network 10.1.0.0/25 of pool `other` on device `r2` is also served by pool `staff`",
            "devices/r2.yaml:3:31",
        ),
        (
            "MAC 02:00:00:00:00:01 of manual binding `cam2` on device `r2` is also reserved",
            "devices/r2.yaml:5:55",
        ),
    ] {
        assert!(e.contains(words), "missing `{words}` in {}", r.stderr);
        assert!(
            e.contains(&format!("/{place}]")),
            "`{words}` not at {place}: {}",
            r.stderr
        );
    }
    assert!(r.stdout.contains("6 warning(s)"), "{}", r.stdout);
    assert!(
        e.contains("exclude it: add `- 10.1.0.1` to server.excluded-addresses"),
        "{e}"
    );
}

#[test]
fn a_clean_file_has_no_lint() {
    let repo = two_devices();
    repo.desired(
        "r1",
        "server:\n  excluded-addresses: [10.1.0.1, 10.1.0.53]\npools:\n  staff:\n    \
         dynamic: { address-range: 10.1.0.0/24, lease-duration: 8h }\n    \
         options: { default-gateway: [10.1.0.1], dns-servers: [10.1.0.53] }\n",
    );
    repo.desired(
        "r2",
        "pools:\n  other:\n    dynamic: { address-range: 10.3.0.0/24 }\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("0 warning(s)"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn min_free_is_checked_by_drift() {
    let sim = TestSim::fleet(2);
    sim.seed(
        "r1",
        json!({"pools": [{"poolName": "tiny", "dynamic": {"address-range": "10.1.0.0/29"}}],
               "clients": [{"pool": "tiny", "count": 4}]}),
    );
    let repo = Repo::ios(&[("r1", &sim.url("r1"))], "");
    let file =
        "pools:\n  tiny:\n    dynamic: { address-range: 10.1.0.0/29 }\nexpect:\n  min-free: ";
    repo.desired("r1", &format!("{file}3\n"));
    let d = run(&["drift"], repo.path());
    assert_eq!(d.code, 2, "{}{}", d.stdout, d.stderr);
    assert!(
        d.stdout
            .contains("pool tiny has 2 free address(es) (4 of 6 leased), below min-free 3"),
        "{}",
        d.stdout
    );
    repo.desired("r1", &format!("{file}2\n"));
    assert_eq!(run(&["drift"], repo.path()).code, 0);
    repo.desired("r1", &format!("{file}many\n"));
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 1);
    assert!(
        v.stderr.contains("min-free must be a whole number"),
        "{}",
        v.stderr
    );
}
