//! IOS XE over RESTCONF, end to end through the CLI against the emulator's RESTCONF
//! personality over loopback: a branch router with members dhcpform does not model (pool
//! options, next-server, bootfile, a VRF exclusion, a VRF helper address, a client-identifier
//! binding, other DHCP settings). Import then plan is empty; a changed file converges with
//! exclusions widened before the pools and narrowed after; unmodelled members survive; a plan
//! after apply is empty; bindings listed and cleared; per-address clear refused; a relay on a
//! missing interface refused with no write; save-config last (or skipped); no credential in
//! any output. The last test writes every body sent to `target/restconf-journal.jsonl`, which
//! `.ci/run` checks against Cisco's YANG models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Repo, TestSim, dhcpform, run};
use serde_json::{Value, json};

fn branch_seed() -> Value {
    json!({"restconf": {
        "service": {"timestamps": {"debug-config": {}}},
        "dhcp": {
            "Cisco-IOS-XE-dhcp:excluded-address": {
                "low-high-address-list": [
                    {"low-address": "10.10.0.1", "high-address": "10.10.0.20"}],
                "vrf-low-address-list": [{"vrf": "guest", "low-address": "172.16.0.1"}]
            },
            "Cisco-IOS-XE-dhcp:pool": [
                {"id": "staff",
                 "lease": {"lease-value": {"days": 0, "hours": 8, "minutes": 0}},
                 "default-router": {"default-router-list": ["10.10.0.1"]},
                 "dns-server": {"dns-server-list": ["10.99.0.53"]},
                 "domain-name": "corp.example.com",
                 "network": {"primary-network": {"number": "10.10.0.0", "mask": "255.255.255.0"}},
                 "option": {"option-range": [{"option-range": 150, "ip-ordered": ["10.99.0.5"]}]},
                 "bootfile": "pxe.bin",
                 "next-server": ["10.99.0.5"]},
                {"id": "voice",
                 "network": {"primary-network": {"number": "10.20.0.0", "mask": "/24"}}},
                {"id": "phone",
                 "host": {"number": "10.20.0.50", "mask": "255.255.0.0"},
                 "client-identifier": "0100.a098.0232.de",
                 "client-name": "phone"}
            ]
        },
        "interface": {
            "GigabitEthernet": [
                {"name": "1", "ip": {"helper-address": [
                    {"address": "10.99.0.10"}, {"address": "10.77.0.1", "vrf": "mgmt"}]}},
                {"name": "1/0/1"}
            ],
            "Vlan": [{"name": 10}],
            "Port-channel-subinterface": {"Port-channel": [{"name": "5.100"}]}
        },
        "bindings": [
            {"pool-name": "staff", "client-ip": "10.10.0.57", "vrf-name": "",
             "client-id-type": "dhcp-htype-ethernet", "client-id": "0050.56a1.b2c3",
             "expiration": {"time": "2026-12-03T10:00:00+00:00"},
             "type": "dhcp-server-binding-type-automatic",
             "state": "dhcp-server-binding-state-active", "interface": "GigabitEthernet1"},
            {"pool-name": "phone", "client-ip": "10.20.0.50", "vrf-name": "",
             "client-id-type": "dhcp-htype-ethernet", "client-id": "0100.a098.0232.de",
             "expiration": {"infinite": [null]},
             "type": "dhcp-server-binding-type-manual",
             "state": "dhcp-server-binding-state-active", "interface": "Vlan10"}
        ]
    }})
}

fn setup(extra: &str) -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    sim.seed("r1", branch_seed());
    let repo = Repo::new(&format!(
        "devices:\n  r1:\n    platform: ios-xe\n    api: restconf\n    url: {}\n    auth: {{ \
         username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n{extra}",
        sim.url("r1")
    ));
    (sim, repo)
}

/// The RESTCONF writes of a device, as "METHOD path status".
fn writes(sim: &TestSim) -> Vec<String> {
    sim.journal("r1")
        .into_iter()
        .filter(|j| j.method != "GET")
        .map(|j| format!("{} {} {}", j.method, j.path, j.status))
        .collect()
}

fn pool(sim: &TestSim, name: &str) -> Value {
    let tree = sim.state("r1").restconf.unwrap();
    tree.dhcp["Cisco-IOS-XE-dhcp:pool"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

fn import(repo: &Repo) {
    let r = run(&["import", "--device", "r1", "--write"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn import_then_plan_is_empty_with_three_reads() {
    let (sim, repo) = setup("");
    import(&repo);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    assert!(
        text.contains("mac-address: \"00:a0:98:02:32:de\""),
        "{text}"
    );
    sim.clear_journal();
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    assert!(
        r.stdout.contains("VRF exclusion"),
        "unmanaged shown: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("bootfile"),
        "carried members shown: {}",
        r.stdout
    );
    assert_eq!(
        sim.journal("r1").len(),
        3,
        "three reads: {:?}",
        sim.journal("r1")
    );
}

const CHANGED: &str = "server:
  excluded-addresses: [10.10.0.1-10.10.0.30]
  relay-agents:
    GigabitEthernet1: [10.99.0.11]
    Vlan10: [10.99.0.10]
pools:
  staff:
    dynamic: { address-range: 10.10.0.0/23, lease-duration: 1d }
    options:
      domain-name: corp.example.com
      default-gateway: [10.10.0.1]
      dns-servers: [10.99.0.53, 10.99.1.53]
  voice:
    dynamic: { address-range: 10.20.0.0/24 }
  phone:
    manual: { host-ip-address: 10.20.0.50, mac-address: 00a0.9802.32de, client-name: desk }
  guest:
    dynamic: { address-range: 10.30.0.0/24, lease-duration: 2h }
";

#[test]
fn a_changed_file_converges_keeping_what_is_not_modelled() {
    let (sim, repo) = setup("");
    repo.desired("r1", CHANGED);
    sim.clear_journal();
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("converged"), "{}", r.stdout);
    let w = writes(&sim);
    let at = |needle: &str| w.iter().position(|l| l.contains(needle)).unwrap();
    // widen before the pool grows, narrow after; save-config last
    assert!(at("PATCH") < at("pool=staff"), "{w:#?}");
    assert!(
        at("pool=staff")
            < at("DELETE /restconf/data/Cisco-IOS-XE-native:native/ip/dhcp/\
                 Cisco-IOS-XE-dhcp:excluded-address/"),
        "{w:#?}"
    );
    assert!(w.last().unwrap().contains("cisco-ia:save-config"), "{w:#?}");
    let staff = pool(&sim, "staff");
    assert_eq!(staff["bootfile"], "pxe.bin", "{staff}");
    assert_eq!(staff["next-server"], json!(["10.99.0.5"]), "{staff}");
    assert_eq!(staff["option"]["option-range"][0]["option-range"], 150);
    let phone = pool(&sim, "phone");
    assert_eq!(
        phone["client-identifier"], "0100.a098.0232.de",
        "kept: {phone}"
    );
    let tree = sim.state("r1").restconf.unwrap();
    let excl = &tree.dhcp["Cisco-IOS-XE-dhcp:excluded-address"];
    assert_eq!(excl["vrf-low-address-list"][0]["vrf"], "guest", "{excl}");
    let gi1 = &tree.interface["GigabitEthernet"][0]["ip"]["helper-address"];
    assert!(
        gi1.to_string().contains("\"vrf\":\"mgmt\""),
        "VRF helper kept: {gi1}"
    );
    assert_eq!(tree.saved, 1);
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(
        r.code, 0,
        "a plan after apply is empty: {}{}",
        r.stdout, r.stderr
    );
}

#[test]
fn save_config_false_skips_the_save() {
    let (sim, repo) = setup("    save-config: false\n");
    repo.desired("r1", CHANGED);
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!writes(&sim).iter().any(|w| w.contains("save-config")));
    assert_eq!(sim.state("r1").restconf.unwrap().saved, 0);
}

#[test]
fn a_relay_on_a_missing_interface_is_refused_with_no_write() {
    let (sim, repo) = setup("");
    repo.desired(
        "r1",
        "server:\n  relay-agents:\n    GigabitEthernet9: [10.99.0.10]\n",
    );
    sim.clear_journal();
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("GigabitEthernet9"), "{}", r.stdout);
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
}

#[test]
fn leases_are_listed_and_cleared_all_at_once_only() {
    let (sim, repo) = setup("");
    import(&repo);
    let r = run(&["leases"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("10.10.0.57"), "{}", r.stdout);
    assert!(r.stdout.contains("00:50:56:a1:b2:c3"), "{}", r.stdout);
    assert!(r.stdout.contains("manual"), "{}", r.stdout);
    sim.clear_journal();
    let r = dhcpform()
        .args([
            "leases",
            "clear",
            "--device",
            "r1",
            "--ip",
            "10.10.0.57",
            "--yes",
        ])
        .arg(repo.path())
        .output()
        .unwrap();
    let stderr = common::folded(&String::from_utf8_lossy(&r.stderr));
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no per-address clear"), "{stderr}");
    assert!(
        sim.journal("r1").is_empty(),
        "nothing sent: {:?}",
        sim.journal("r1")
    );
    let r = dhcpform()
        .args(["leases", "clear", "--device", "r1", "--all", "--yes"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(writes(&sim)[0].starts_with("POST /restconf/operations/Cisco-IOS-XE-rpc:clear 200"));
    let left = sim.state("r1").restconf.unwrap().bindings;
    assert_eq!(left.len(), 1, "the manual binding stays: {left:?}");
}

#[test]
fn wrong_credentials_are_an_auth_failure_and_never_printed() {
    let (_sim, repo) = setup("");
    import(&repo);
    let out = dhcpform()
        .env("DHCPFORM_TEST_PASS", "s3cret-pass")
        .args(["plan", "-v", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["devices"][0]["error"]["kind"], "auth", "{plan:#}");
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
    assert!(stderr.contains("Basic <redacted>"), "{stderr}");
}

#[test]
fn every_body_sent_is_journaled_for_the_yang_check() {
    let (sim, repo) = setup("");
    repo.desired("r1", CHANGED);
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // a kind change (replacement), a delete, the server off and on again
    let back = "server:\n  enable: false\npools:\n  voice:\n    manual: { host-ip-address: \
                10.20.0.9, mac-address: 02:00:00:00:00:09 }\n";
    repo.desired("r1", back);
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    repo.desired("r1", "server:\n  enable: true\n");
    let r = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = dhcpform()
        .args(["leases", "clear", "--device", "r1", "--all", "--yes"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    let lines: Vec<String> = sim
        .journal("r1")
        .iter()
        .filter(|j| j.path.starts_with("/restconf/"))
        .map(|j| json!({"method": j.method, "path": j.path, "request_body": j.body}).to_string())
        .collect();
    assert!(lines.iter().any(|l| l.contains("\"PATCH\"")), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("dhcp-config\":false")),
        "{lines:#?}"
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("restconf-journal.jsonl"), lines.join("\n") + "\n").unwrap();
}

#[test]
fn drift_checks_free_addresses_from_the_oper_bindings_and_impact_gates_a_delete() {
    let (_sim, repo) = setup("");
    import(&repo);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    // a /24 with 20 exclusions and one binding: 233 addresses free
    repo.desired("r1", &format!("{text}expect:\n  min-free: 240\n"));
    let r = run(&["drift"], repo.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("staff"), "{}", r.stdout);
    repo.desired(
        "r1",
        &format!("{text}expect:\n  min-free: 200\n  max-utilization: 90%\n"),
    );
    let r = run(&["drift"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // deleting the pool that holds an active binding is gated
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == "  staff:").unwrap();
    let end = (start + 1..lines.len())
        .find(|i| !lines[*i].starts_with("    "))
        .unwrap_or(lines.len());
    let mut kept: Vec<&str> = lines[..start].to_vec();
    kept.extend(&lines[end..]);
    repo.desired("r1", &(kept.join("\n") + "\n"));
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 4, "blocked: {}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("10.10.0.57"),
        "whom it hurts: {}",
        r.stdout
    );
}

#[test]
fn empty_sections_answered_404_read_as_empty_beside_the_interfaces() {
    let sim = TestSim::start(dhcpform::sim::SimOptions {
        fleet: Some(2),
        quirks: dhcpform::sim::Quirks {
            restconf_empty_404: true,
            ..Default::default()
        },
        ..Default::default()
    });
    let repo = Repo::new(&format!(
        "devices:\n  r2:\n    platform: ios-xe\n    api: restconf\n    url: {}\n    auth: {{ \
         username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
        sim.url("r2")
    ));
    repo.desired("r2", &CHANGED.replace("Vlan10", "Vlan1"));
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("4 to create"), "{}", r.stdout);
    assert!(r.stdout.contains("no DHCP settings yet"), "{}", r.stdout);
}

#[test]
fn a_write_racing_the_re_read_is_refused_by_if_match() {
    let (sim, repo) = setup("");
    import(&repo);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    repo.desired("r1", &text.replace("10.10.0.20", "10.10.0.25"));
    sim.faults(dhcpform::sim::Faults {
        race_put: true,
        ..Default::default()
    });
    sim.clear_journal();
    let r = run(&["apply", "--yes"], repo.path());
    assert_ne!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("412"), "{}", r.stdout);
    assert!(r.stdout.contains("not overwriting it"), "{}", r.stdout);
    assert!(
        writes(&sim).iter().all(|w| w.ends_with(" 412")),
        "nothing written: {:?}",
        writes(&sim)
    );
}

#[test]
fn a_write_whose_answer_was_lost_is_read_back_and_the_apply_converges() {
    let (sim, repo) = setup("");
    import(&repo);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    repo.desired(
        "r1",
        &format!("{text}  guest:\n    dynamic: {{ address-range: 10.30.0.0/24 }}\n"),
    );
    // without retries, the lost answer is not covered by sending the PUT again
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    repo.write("dhcpform.yaml", &format!("settings:\n  retries: 0\n{inv}"));
    sim.faults(dhcpform::sim::Faults {
        lose_answer: Some(1),
        ..Default::default()
    });
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("reading the device back shows it was carried out"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("converged"), "{}", r.stdout);
    assert!(pool(&sim, "guest").is_object());
}

#[test]
fn helpers_on_a_subinterface_converge_and_a_vrf_helper_is_never_taken_over() {
    let (sim, repo) = setup("");
    import(&repo);
    let text = std::fs::read_to_string(repo.file("devices/r1.yaml")).unwrap();
    let with_pc = text.replace(
        "  relay-agents:\n",
        "  relay-agents:\n    Port-channel5.100: [10.99.0.12]\n",
    );
    assert_ne!(with_pc, text);
    repo.desired("r1", &with_pc);
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "interface/Port-channel-subinterface/Port-channel=5.100/ip/helper-address=10.99.0.12"
        ),
        "{}",
        r.stdout
    );
    let r = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // 10.77.0.1 is a VRF helper on GigabitEthernet1: asking for it is refused, nothing sent
    let take = with_pc.replace("[10.99.0.10]", "[10.99.0.10, 10.77.0.1]");
    assert_ne!(take, with_pc);
    repo.desired("r1", &take);
    sim.clear_journal();
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("10.77.0.1 (vrf mgmt)"), "{}", r.stdout);
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
}
