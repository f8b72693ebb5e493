//! `leases` as a reviewer reads it: a manual binding under its own pool, utilisation above the
//! file's `max-utilization` marked, one time format, host names in their own column, expired
//! F5 XC leases marked, and utilisation in every format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim};
use serde_json::json;

fn setup() -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    sim.seed(
        "r1",
        json!({
            "pools": [
                {"poolName": "staff", "dynamic": {"address-range": "10.1.0.0/29"}},
                {"poolName": "printer", "manual": {"host-ip-address": "10.1.0.6",
                    "mac-address": "0200.0000.0066"}}
            ],
            "clients": [{"pool": "staff", "count": 4}]
        }),
    );
    sim.seed(
        "site",
        json!({"f5": {"system/edge": {
            "lease_info": [
                {"ip": "192.168.1.10", "mac": "02:03:04:05:06:07", "hostname": "kiosk",
                 "expiry": "2020-01-01T00:00:00Z", "subnet": "192.168.1.0/24"},
                {"ip": "192.168.1.11", "mac": "02:03:04:05:06:08", "hostname": "cam",
                 "expiry": "2999-01-01T00:00:00Z", "subnet": "192.168.1.0/24"}
            ],
            "subnet_info": [{"subnet": "192.168.1.0/24", "address_count": 10,
                "free_address_count": 8, "interface": "eth1"}]
        }}}),
    );
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    url: {}\n    \
         auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n  \
         site:\n    platform: f5-xc\n    url: {}\n    site: edge\n    \
         auth: {{ api-token-env: DHCPFORM_TEST_TOKEN }}\n",
        sim.url("r1"),
        sim.url("site")
    ));
    repo.desired("r1", "pools: {}\nexpect:\n  max-utilization: 50%\n");
    repo.desired("site", "expect:\n  max-utilization: 90%\n");
    (sim, repo)
}

fn leases(repo: &Repo, format: &str) -> String {
    let out = common::dhcpform()
        .env("DHCPFORM_TEST_TOKEN", "sim-token")
        .args(["leases", "--format", format])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn json_has_one_time_format_its_own_pools_and_markers() {
    let (_sim, repo) = setup();
    let v: serde_json::Value = serde_json::from_str(&leases(&repo, "json")).unwrap();
    let rows = v["leases"].as_array().unwrap();
    let printer = rows.iter().find(|r| r["ip"] == "10.1.0.6").unwrap();
    assert_eq!(
        printer["pool"], "printer",
        "a manual binding belongs to its own pool"
    );
    assert_eq!(printer["kind"], "manual");
    let auto = rows.iter().find(|r| r["kind"] == "automatic").unwrap();
    let t = auto["expires"].as_str().unwrap();
    assert!(
        t.len() == 19 && t.as_bytes()[10] == b'T',
        "RFC 3339 local form: {t}"
    );
    assert_eq!(auto["expires_local"], true);
    let kiosk = rows.iter().find(|r| r["hostname"] == "kiosk").unwrap();
    assert_eq!(
        (kiosk["expired"].clone(), kiosk["kind"].clone()),
        (json!(true), json!("lease"))
    );
    let cam = rows.iter().find(|r| r["hostname"] == "cam").unwrap();
    assert_eq!(cam["expired"], false);
    let u = v["utilisation"].as_array().unwrap();
    let staff = u.iter().find(|x| x["pool"] == "staff").unwrap();
    assert_eq!(
        (staff["used"].clone(), staff["over"].clone()),
        (json!(4), json!(true))
    );
    let subnet = u.iter().find(|x| x["device"] == "site").unwrap();
    assert_eq!(subnet["over"], false);
}

#[test]
fn table_and_csv_show_the_same() {
    let (_sim, repo) = setup();
    let t = leases(&repo, "table");
    assert!(t.contains("hostname"), "{t}");
    assert!(t.contains("(device time)"), "{t}");
    assert!(t.contains("2020-01-01 00:00:00Z (expired)"), "{t}");
    assert!(t.contains("(over max-utilization)"), "{t}");
    let c = leases(&repo, "csv");
    let (leases, usage) = c.split_once("\n\n").unwrap();
    assert!(leases.starts_with("device,ip,mac,hostname,type,expires,expires_local,expired,pool"));
    assert!(
        leases.contains(",10.1.0.6,02:00:00:00:00:66,,manual,"),
        "{c}"
    );
    assert!(
        usage.starts_with("device,pool,used,leasable,percent,over"),
        "{c}"
    );
    assert!(usage.contains("r1,staff,4,"), "{c}");
    assert!(usage.contains("site,192.168.1.0/24,2,10,20,false"), "{c}");
}

#[test]
fn clearing_an_f5_site_is_refused_before_asking() {
    let (_sim, repo) = setup();
    let out = common::dhcpform()
        .env("DHCPFORM_TEST_TOKEN", "sim-token")
        .args(["leases", "clear", "--device", "site", "--all"])
        .arg(repo.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is F5 XC: its leases are read-only"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("needs --yes"),
        "refused before asking: {stderr}"
    );
}

#[test]
fn the_table_fits_columns() {
    let (_sim, repo) = setup();
    for width in [80usize, 120] {
        let out = common::dhcpform()
            .env("DHCPFORM_TEST_TOKEN", "sim-token")
            .env("COLUMNS", width.to_string())
            .args(["leases"])
            .arg(repo.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= width, "{width}: {widest}\n{text}");
        assert!(text.contains("kiosk"), "{text}");
    }
}
