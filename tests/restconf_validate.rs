//! Validation knows the IOS XE API: `api: rest|restconf` on ios-xe devices (and under
//! `defaults:`), and `netbios-node-type` refused on a RESTCONF device with its place and a hint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, run};

fn repo(api_line: &str, defaults: &str) -> Repo {
    let repo = Repo::new(&format!(
        "{defaults}devices:\n  core:\n    platform: ios-xe\n    url: sim://core\n{api_line}"
    ));
    repo.desired(
        "core",
        "pools:\n  staff:\n    dynamic: { address-range: 10.0.0.0/24 }\n    options:\n      \
         netbios-node-type: h-node\n",
    );
    repo
}

#[test]
fn netbios_node_type_is_refused_on_a_restconf_device_only() {
    let r = run(&["validate"], repo("    api: restconf\n", "").path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let text = common::folded(&r.stderr);
    assert!(
        text.contains("netbios-node-type cannot be set over RESTCONF"),
        "{text}"
    );
    assert!(
        text.contains("devices/core.yaml:5:"),
        "the place is named: {text}"
    );
    assert!(
        text.contains("configure it on the device by other means"),
        "{text}"
    );
    let r = run(&["validate"], repo("", "").path());
    assert_eq!(
        r.code, 0,
        "the REST API has the field: {}{}",
        r.stdout, r.stderr
    );
    let r = run(
        &["validate"],
        repo("", "defaults:\n  api: restconf\n").path(),
    );
    assert_eq!(r.code, 1, "`api` under defaults: {}", r.stderr);
}

#[test]
fn an_unknown_api_gets_a_did_you_mean() {
    let r = run(&["validate"], repo("    api: restconff\n", "").path());
    assert_eq!(r.code, 1);
    let text = common::folded(&r.stderr);
    assert!(text.contains("expected `rest` or `restconf`"), "{text}");
    assert!(text.contains("did you mean `restconf`?"), "{text}");
}
