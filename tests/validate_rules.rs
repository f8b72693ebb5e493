//! One fixture per validation rule (tests/fixtures/validate): each must fire at the right place.
//! The rendered diagnostic (no colour, 100 columns) is snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use dhcpform::config::repo::load_repo;
use std::path::Path;

const INVENTORY: &str = "devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n";
const VALID_DEVICE: &str = "pools:\n  staff:\n    dynamic:\n      address-range: 10.0.0.0/24\n";

/// Builds a repository from a fixture and renders every diagnostic.
fn render(rule: &str) -> (String, usize, usize) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("devices")).unwrap();
    let inv = fixtures.join(format!("{rule}.inventory.yaml"));
    if inv.exists() {
        std::fs::copy(&inv, dir.path().join("dhcpform.yaml")).unwrap();
        std::fs::write(dir.path().join("devices/r1.yaml"), VALID_DEVICE).unwrap();
    } else {
        std::fs::write(dir.path().join("dhcpform.yaml"), INVENTORY).unwrap();
        std::fs::copy(
            fixtures.join(format!("{rule}.yaml")),
            dir.path().join("devices/r1.yaml"),
        )
        .unwrap();
    }
    let (_, diags) = load_repo(dir.path());
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100);
    let mut out = String::new();
    for d in &diags.0 {
        handler.render_report(&mut out, d).unwrap();
        out.push('\n');
    }
    (out, diags.errors(), diags.warnings())
}

macro_rules! rule {
    ($test:ident, $file:literal, errors: $e:expr, warnings: $w:expr, $($needle:literal),+) => {
        #[test]
        fn $test() {
            let (text, errors, warnings) = render($file);
            assert_eq!((errors, warnings), ($e, $w), "{text}");
            $( assert!(text.contains($needle), "expected `{}` in:\n{text}", $needle); )+
            insta::assert_snapshot!($file, text);
        }
    };
}

rule!(yaml_syntax, "yaml-syntax", errors: 1, warnings: 0, "devices/r1.yaml:");
rule!(duplicate_key, "duplicate-key", errors: 1, warnings: 0, "address-range", "devices/r1.yaml:5");
rule!(unknown_key, "unknown-key", errors: 1, warnings: 0, "unknown key \
    `dns-server`", "did you mean `dns-servers`?", "r1.yaml:6:7");
rule!(wrong_type, "wrong-type", errors: 1, warnings: 0, "expected true or false", "r1.yaml:2:11");
rule!(invalid_ipv4, "invalid-ipv4", errors: 1, warnings: 0, "10.0.0.256", "r1.yaml:6:32");
rule!(host_bits, "host-bits", errors: 1, warnings: 0, "host bits \
    set", "did you mean `10.0.0.0/24`?", "r1.yaml:4:22");
rule!(prefix_length, "prefix-length", errors: 1, warnings: 0, "/8 to /30", "r1.yaml:4:22");
rule!(range_order, "range-order", errors: 1, warnings: 0, "range is reversed", "r1.yaml:3:7");
rule!(mac_address, "mac-address", errors: 1, warnings: 0, "expected a MAC address", "r1.yaml:5:20");
rule!(lease_range, "lease-range", errors: 1, warnings: 0, "lease days must be 0-365, found \
    400", "r1.yaml:5:23");
rule!(lease_format, "lease-format", errors: 1, warnings: 0, "expected a lease \
    duration", "r1.yaml:5:23");
rule!(gateway_limit, "gateway-limit", errors: 1, warnings: 0, "at most 8 default \
    gateways", "r1.yaml:6:24");
rule!(dns_limit, "dns-limit", errors: 1, warnings: 0, "at most 8 DNS servers", "r1.yaml:6:20");
rule!(netbios_limit, "netbios-limit", errors: 1, warnings: 0, "at most 8 NetBIOS name \
    servers", "r1.yaml:6:29");
rule!(node_type, "node-type", errors: 1, warnings: 0, "NetBIOS node type", "r1.yaml:6:26");
rule!(pool_kind_both, "pool-kind-both", errors: 1, warnings: 0, "both `dynamic` and \
    `manual`", "r1.yaml:5:5");
rule!(pool_kind_none, "pool-kind-none", errors: 1, warnings: 0, "neither `dynamic` nor \
    `manual`", "r1.yaml:3:5");
rule!(client_name_domain, "client-name-domain", errors: 1, warnings: 0, "includes a domain \
    part", "did you mean `mars`?");
rule!(overlapping_pools, "overlapping-pools", errors: 1, warnings: 0, "overlap", "r1.yaml:7:22");
rule!(duplicate_manual_ip, "duplicate-manual-ip", errors: 1, warnings: 0, "both bind \
    10.9.0.5", "r1.yaml:8:24");
rule!(duplicate_manual_mac, "duplicate-manual-mac", errors: 1, warnings: 0, "both bind MAC \
    00:a0:98:02:32:de", "r1.yaml:9:20");
rule!(gateway_outside, "gateway-outside", errors: 1, warnings: 0, "outside pool \
    `staff`", "r1.yaml:6:25");
rule!(warning_manual_leasable, "warning-manual-leasable", errors: 0, warnings: 1, "can also be \
    handed out", "exclude it");
rule!(warning_exclusion_outside, "warning-exclusion-outside", errors: 0, warnings: 1, "192.0.2.1 \
    lies outside every dynamic pool");
rule!(missing_file, "missing-file", errors: 1, warnings: 1, "devices/nowhere.yaml", "does not \
    exist", "dhcpform.yaml:5:14");
rule!(unknown_platform, "unknown-platform", errors: 1, warnings: 0, "unknown platform \
    `ios`", "did you mean `ios-xe`?");
rule!(missing_env_names, "missing-env-names", errors: 1, warnings: 0, "password-env");
rule!(url_plain_http, "url-plain-http", errors: 1, warnings: 0, "loopback", "dhcpform.yaml:4:10");
rule!(url_scheme, "url-scheme", errors: 1, warnings: 0, "scheme `ftp`");
rule!(pools_null, "pools-null", errors: 1, warnings: 0, "`pools` is empty (null)",
    "write `pools: {}` to delete every pool", "r1.yaml:1:1");
rule!(server_null, "server-null", errors: 1, warnings: 0, "`server` is empty (null)",
    "r1.yaml:1:1");
rule!(empty_file, "empty-file", errors: 0, warnings: 1, "manages nothing");
rule!(interface_typo, "interface-typo", errors: 2, warnings: 0, "`GigabitEthernt2` is not an \
    IOS interface name", "did you mean `GigabitEthernet`", "r1.yaml:3:5", "multicast address",
    "r1.yaml:6:55");
rule!(tab_indent, "tab-indent", errors: 1, warnings: 0, "YAML forbids tabs for indentation",
    "indent with spaces", "r1.yaml:4:1");
rule!(misplaced_key, "misplaced-key", errors: 1, warnings: 0, "unknown key `options`",
    "check its indentation", "r1.yaml:5:7");
rule!(lint_infinite, "lint-infinite", errors: 0, warnings: 1, "leases forever", "r1.yaml:3:60");

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("devices")).unwrap();
    std::fs::write(dir.path().join("dhcpform.yaml"), INVENTORY).unwrap();
    std::fs::write(
        dir.path().join("devices/r1.yaml"),
        "pools:\n  a:\n    dynamic:\n      address-range: 10.0.0.5/24\n      lease-duration: \
            400d\n  b:\n    manual:\n      host-ip-address: 10.0.0.300\n      mac-address: zz\n",
    )
    .unwrap();
    let (repo, diags) = load_repo(dir.path());
    assert!(repo.is_none());
    assert_eq!(diags.errors(), 4, "{diags:?}");
}

#[test]
fn fixtures_have_tests() {
    // every fixture file is exercised by a rule! above
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_rules.rs"),
    )
    .unwrap();
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate"))
            .unwrap()
    {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let rule = name
            .trim_end_matches(".yaml")
            .trim_end_matches(".inventory");
        assert!(
            src.contains(&format!("\"{rule}\"")),
            "fixture {name} has no test"
        );
    }
}

// A file with N different mistakes yields N diagnostics in one run: every unknown key (each
// with its did-you-mean) alongside the errors of the values.
rule!(many_mistakes, "many-mistakes", errors: 9, warnings: 0,
    "unknown key `lease-duraton`", "did you mean `lease-duration`?",
    "unknown key `dns-server`", "did you mean `dns-servers`?",
    "did you mean `h-node`?", "unknown key `client-nme`", "did you mean `client-name`?",
    "unknown key `max-utilisation`", "did you mean `max-utilization`?",
    "r1.yaml:2:11", "r1.yaml:3:24", "r1.yaml:7:22", "r1.yaml:11:26", "r1.yaml:15:20");
rule!(inventory_mistakes, "inventory-mistakes", errors: 7, warnings: 0,
    "unknown key `timout`", "did you mean `timeout`?",
    "unknown key `max-updte-percent`", "did you mean `max-update-percent`?",
    "unknown key `pasword-env`", "did you mean `password-env`?",
    "unknown key `api-tokn-env`", "did you mean `api-token-env`?",
    "unknown key `tagz`", "did you mean `tags`?", "parallelism");
