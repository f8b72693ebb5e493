//! F5 XC names go into URLs: a site, a namespace or an interface name that is not a DNS label
//! (an interface called `..`) is a validation error at its place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, run};

#[test]
fn names_that_are_not_dns_labels_are_refused() {
    let repo = Repo::new(
        "devices:\n  edge:\n    platform: f5-xc\n    url: sim://edge\n    \
         namespace: \"Sys/../x\"\n    site: Edge_A\n",
    );
    repo.desired(
        "edge",
        "interfaces:\n  \"..\":\n    network: 192.168.40.0/24\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let text = common::folded(&r.stderr);
    for want in [
        "site `Edge_A` of device `edge` is not an F5 XC name",
        "namespace `Sys/../x` of device `edge` is not an F5 XC name",
        "`..` cannot be a network_interface name",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}
