//! docs/reference.md and the man pages in man/ are generated from the clap definitions; a
//! committed copy that differs from what the code generates fails here.
//! `DHCPFORM_UPDATE_DOCS=1 cargo test --test docs` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn check(rel: &str, want: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    if std::env::var_os("DHCPFORM_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, want).unwrap();
        return;
    }
    let have = std::fs::read(&path).unwrap_or_default();
    assert!(
        have == want,
        "{rel} is stale: run `DHCPFORM_UPDATE_DOCS=1 cargo test --test docs` and commit it"
    );
}

#[test]
fn the_reference_is_current() {
    let text = dhcpform::cli::docs::reference();
    // every command and every flag is in it
    for needle in [
        "## dhcpform-show",
        "## dhcpform-leases-clear",
        "`--detailed-exitcode`",
        "`--shard` `I/N|auto`",
        "One of `text`, `json`, `markdown`, `junit`, `gitlab`.",
        "Default: `127.0.0.1:0`.",
        "4  blocked by a safety gate",
    ] {
        assert!(text.contains(needle), "missing `{needle}`");
    }
    check("docs/reference.md", text.as_bytes());
}

#[test]
fn the_man_pages_are_current() {
    let pages = dhcpform::cli::docs::man_pages();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "dhcpform.1",
        "dhcpform-plan.1",
        "dhcpform-show.1",
        "dhcpform-leases-clear.1",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    if std::env::var_os("DHCPFORM_UPDATE_DOCS").is_none() {
        let mut committed: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        committed.sort();
        assert_eq!(
            committed, names,
            "man/ holds a page of no command, or lacks one"
        );
    }
    for (name, page) in &pages {
        check(&format!("man/{name}"), page);
    }
}
