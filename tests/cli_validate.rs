//! `dhcpform validate` through the built binary: examples, exit codes, hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, run};
use std::path::Path;

#[test]
fn every_example_validates_cleanly() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("dhcpform.yaml").exists() {
            continue;
        }
        seen += 1;
        let r = run(&["validate"], &dir);
        assert_eq!(r.code, 0, "{}: {}{}", dir.display(), r.stdout, r.stderr);
        assert!(r.stdout.contains("valid:"), "{}", r.stdout);
    }
    assert!(seen >= 2, "expected the acme and quickstart examples");
}

#[test]
fn invalid_repo_exits_1_with_all_diagnostics() {
    let repo = Repo::new("devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n");
    repo.desired(
        "r1",
        "pools:\n  a:\n    dynamic:\n      address-range: 10.0.0.5/24\n      \
         lease-duration: 9000h\n",
    );
    let r = run(&["validate", "--color", "never"], repo.path());
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("has host bits set"), "{}", r.stderr);
    assert!(
        r.stderr.contains("is longer than a device holds"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("invalid: 2 error(s)"), "{}", r.stderr);
}

#[test]
fn missing_inventory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&["validate"], dir.path());
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no inventory"), "{}", r.stderr);
}

fn hostile(device_file: &[u8]) -> common::Run {
    let repo = Repo::new("devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n");
    std::fs::write(repo.file("devices/r1.yaml"), device_file).unwrap();
    let r = run(&["validate", "--color", "never"], repo.path());
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    r
}

#[test]
fn ten_megabyte_file_is_refused() {
    let mut big = b"pools:\n".to_vec();
    while big.len() < 10 * 1024 * 1024 {
        big.extend_from_slice(
            b"  # padding padding padding padding padding padding padding padding\n",
        );
    }
    let r = hostile(&big);
    assert!(r.stderr.contains("may be at most"), "{}", r.stderr);
}

#[test]
fn deep_nesting_is_refused() {
    let mut deep = String::from("pools: ");
    deep.push_str(&"[".repeat(5000));
    let r = hostile(deep.as_bytes());
    assert!(r.stderr.contains("nested deeper"), "{}", r.stderr);
}

#[test]
fn alias_bomb_is_refused() {
    // 10^4 items per alias, a hundred times over: only alias limits stop this early.
    let uses = vec!["*a"; 100].join(", ");
    let bomb = format!(
        "server:\n  excluded-addresses: &a [&b [&c [&d [x, x, x, x, x, x, x, x, x, x], *d, *d, \
            *d, *d, *d, *d, *d, *d, *d], *c, *c, *c, *c, *c, *c, *c, *c, *c], \
            *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  relay-agents:\n    Gi1: [{uses}]\n"
    );
    let r = hostile(bomb.as_bytes());
    assert!(
        r.stderr.contains("alias replay limit exceeded"),
        "{}",
        r.stderr
    );
}

#[test]
fn binary_garbage_is_refused() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = hostile(&garbage);
    assert!(
        r.stderr.contains("not UTF-8") || r.stderr.contains("binary data"),
        "{}",
        r.stderr
    );
}

#[test]
fn nul_bytes_are_refused() {
    let r = hostile(b"pools:\n  a:\0\n");
    assert!(r.stderr.contains("binary data"), "{}", r.stderr);
}

#[test]
fn non_utf8_points_at_the_byte() {
    let r = hostile(b"pools:\n  caf\xe9:\n    dynamic: {address-range: 10.0.0.0/24}\n");
    assert!(
        r.stderr
            .contains("not UTF-8 text (invalid byte at offset 12)"),
        "{}",
        r.stderr
    );
}
