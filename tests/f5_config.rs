//! F5 XC DHCP servers as code, end to end against the emulator: its `network_interface`
//! objects over plain HTTP, then plan, apply (an unrelated edit between plan and apply, a
//! racing edit answered 409, a stale saved plan), import, drift, the gates, validation and
//! secrets through the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, dhcpform};
use dhcpform::sim::Faults;
use serde_json::{Value, json};

const TOKEN: &str = "sim-token";

/// A site `edge` with leases and three interfaces: eth1 serves DHCP, eth2 is a DHCP client,
/// eth3 is not an ethernet interface.
fn site() -> (TestSim, Repo) {
    site_with(dhcpform::sim::Quirks::default())
}

/// `site()` on an emulator showing these quirks.
fn site_with(quirks: dhcpform::sim::Quirks) -> (TestSim, Repo) {
    let sim = TestSim::start(dhcpform::sim::SimOptions {
        fleet: Some(2),
        quirks,
        ..Default::default()
    });
    sim.seed(
        "edge",
        json!({
            "f5": {"system/edge": {
                "lease_info": [{"ip": "192.168.10.70", "mac": "02:00:00:00:00:02",
                    "interface": "eth1", "subnet": "192.168.10.0/24"}],
                "subnet_info": [{"subnet": "192.168.10.0/24", "address_count": 200,
                    "free_address_count": 199, "interface": "eth1"}]}},
            "f5_interfaces": {
                "system/eth1": {
                    "metadata": {"name": "eth1", "namespace": "system", "labels": {"a": "b"}},
                    "spec": {"ethernet_interface": {"device": "eth1", "mtu": 1500,
                        "priority": 0, "future_field": {"kept": true},
                        "dhcp_server": {"dhcp_networks": [{
                            "network_prefix": "192.168.10.0/24",
                            "pools": [{"start_ip": "192.168.10.50", "end_ip": "192.168.10.249"}],
                            "first_address": {}, "same_as_dgw": {},
                            "pool_settings": "INCLUDE_IP_ADDRESSES_FROM_DHCP_POOLS"}],
                            "automatic_from_start": {},
                            "fixed_ip_map": {
                                "02:00:00:00:00:01": "192.168.10.101",
                                "02-00-00-00-00-02": "192.168.10.102",
                                "02:00:00:00:00:03": "192.168.10.103"}}}}},
                "system/eth2": {"metadata": {"name": "eth2"},
                    "spec": {"ethernet_interface": {"device": "eth2", "dhcp_client": {}}}},
                "system/eth3": {"metadata": {"name": "eth3"},
                    "spec": {"loopback_interface": {}}}
            }
        }),
    );
    let repo = Repo::new(&format!(
        "settings:\n  timeout: 10s\n  safety: {{ min-existing: 1 }}\ndevices:\n  edge:\n    \
         platform: f5-xc\n    url: {}\n    site: edge\n    auth: {{ api-token-env: XC_TOKEN \
         }}\n",
        sim.url("edge")
    ));
    repo.desired("edge", DESIRED);
    (sim, repo)
}

/// eth1 as seeded, with one more reservation and a DNS server.
const DESIRED: &str = "interfaces:\n  eth1:\n    network: 192.168.10.0/24\n    pools: \
    [192.168.10.50-192.168.10.249]\n    dns: 192.168.10.53\n    reservations:\n      \
    \"02:00:00:00:00:01\": 192.168.10.101\n      \"0200.0000.0002\": 192.168.10.102\n      \
    \"02:00:00:00:00:03\": 192.168.10.103\n      \"02:00:00:00:00:04\": 192.168.10.104\n";

fn run(args: &[&str], dir: &std::path::Path) -> common::Run {
    dhcpform()
        .env("XC_TOKEN", TOKEN)
        .args(args)
        .arg(dir)
        .output()
        .unwrap()
        .into()
}

/// A plain HTTP request to the emulated site (not dhcpform's client).
fn http(sim: &TestSim, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", sim.url("edge"));
    sim.rt.block_on(async {
        let mut rb = reqwest::Client::new()
            .request(method.parse().unwrap(), url)
            .header("Authorization", format!("APIToken {TOKEN}"));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    })
}

const ETH1: &str = "/api/config/namespaces/system/network_interfaces/eth1";

fn replace_form(sim: &TestSim) -> Value {
    http(sim, "GET", &format!("{ETH1}?response_format=2"), None).1
}

fn puts(sim: &TestSim) -> Vec<String> {
    sim.journal("edge")
        .into_iter()
        .filter(|e| e.method == "PUT")
        .map(|e| e.path)
        .collect()
}

#[test]
fn the_emulator_serves_network_interfaces_as_the_api_does() {
    let (sim, _repo) = site();
    let (s, list) = http(
        &sim,
        "GET",
        "/api/config/namespaces/system/network_interfaces",
        None,
    );
    assert_eq!(s, 200);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["eth1", "eth2", "eth3"]);
    // the replace form: {replace_form, resource_version} and nothing else; zero values gone
    let form = replace_form(&sim);
    let keys: Vec<&String> = form.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["replace_form", "resource_version"]);
    assert_eq!(form["resource_version"], "1");
    let eth = &form["replace_form"]["spec"]["ethernet_interface"];
    assert!(
        eth.get("priority").is_none(),
        "zero values are not emitted: {eth}"
    );
    assert_eq!(
        eth["dhcp_server"]["dhcp_networks"][0]["first_address"],
        json!({})
    );
    // the READ form
    let (_, read) = http(&sim, "GET", &format!("{ETH1}?response_format=4"), None);
    assert!(read.get("system_metadata").is_some() && read.get("spec").is_some());
    // a PUT at an old version is a conflict; one breaking a limit is refused; both change nothing
    let mut body = form["replace_form"].clone();
    body["resource_version"] = json!("0");
    let (s, err) = http(&sim, "PUT", ETH1, Some(body.clone()));
    assert_eq!((s, err["code"].as_u64()), (409, Some(10)), "{err}");
    body["resource_version"] = json!("1");
    let pools: Vec<Value> = (1..=17)
        .map(|i| json!({"start_ip": format!("192.168.10.{i}")}))
        .collect();
    let mut too_many = body.clone();
    too_many["spec"]["ethernet_interface"]["dhcp_server"]["dhcp_networks"][0]["pools"] =
        json!(pools);
    let (s, err) = http(&sim, "PUT", ETH1, Some(too_many));
    assert_eq!((s, err["code"].as_u64()), (400, Some(3)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("at most 16"));
    assert_eq!(replace_form(&sim)["resource_version"], "1");
    // a good PUT at the current version: kept whole (unknown fields too), version moves on
    body["spec"]["ethernet_interface"]["mtu"] = json!(9000);
    assert_eq!(http(&sim, "PUT", ETH1, Some(body)).0, 200);
    let after = replace_form(&sim);
    assert_eq!(after["resource_version"], "2");
    let eth = &after["replace_form"]["spec"]["ethernet_interface"];
    assert_eq!(eth["mtu"], 9000);
    assert_eq!(eth["future_field"], json!({"kept": true}));
    let (s, err) = http(
        &sim,
        "GET",
        "/api/config/namespaces/system/network_interfaces/x",
        None,
    );
    assert_eq!((s, err["code"].as_u64()), (404, Some(5)));
}

#[test]
fn plan_apply_plan_converges_and_keeps_every_other_field() {
    let (sim, repo) = site();
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 2, "{}{}", p.stdout, p.stderr);
    assert!(
        p.stdout
            .contains("~ interface/eth1 (update: dns, reservations)"),
        "{}",
        p.stdout
    );
    assert!(
        p.stdout
            .contains("reservations: +02:00:00:00:00:04 192.168.10.104")
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("edge: 1 sent, 0 failed, 0 skipped; converged"),
        "{}",
        a.stdout
    );
    let again = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(again.code, 0, "{}", again.stdout);
    let form = replace_form(&sim);
    let f = &form["replace_form"];
    assert_eq!(f["metadata"]["labels"], json!({"a": "b"}));
    assert_eq!(f["spec"]["ethernet_interface"]["mtu"], 1500);
    assert_eq!(
        f["spec"]["ethernet_interface"]["future_field"],
        json!({"kept": true})
    );
    let dhcp = &f["spec"]["ethernet_interface"]["dhcp_server"];
    assert_eq!(dhcp["dhcp_networks"][0]["dns_address"], "192.168.10.53");
    assert_eq!(dhcp["fixed_ip_map"].as_object().unwrap().len(), 4);
    assert_eq!(
        puts(&sim),
        [ETH1],
        "interfaces the file does not list are never written"
    );
}

#[test]
fn an_unrelated_edit_between_plan_and_apply_survives() {
    let (sim, repo) = site();
    let file = repo.file("plan.json");
    let p = run(&["plan", "--out", file.to_str().unwrap()], repo.path());
    assert_eq!(p.code, 0, "{}", p.stderr);
    // someone changes the MTU meanwhile
    let mut body = replace_form(&sim)["replace_form"].clone();
    body["spec"]["ethernet_interface"]["mtu"] = json!(9000);
    body["resource_version"] = json!("1");
    assert_eq!(http(&sim, "PUT", ETH1, Some(body)).0, 200);
    let a = run(
        &["apply", "--yes", "--plan", file.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    let f = replace_form(&sim);
    assert_eq!(f["replace_form"]["spec"]["ethernet_interface"]["mtu"], 9000);
    assert_eq!(f["resource_version"], "3");
}

#[test]
fn a_dhcp_edit_since_planning_makes_the_saved_plan_stale() {
    let (sim, repo) = site();
    let file = repo.file("plan.json");
    run(&["plan", "--out", file.to_str().unwrap()], repo.path());
    let mut body = replace_form(&sim)["replace_form"].clone();
    body["spec"]["ethernet_interface"]["dhcp_server"]["fixed_ip_map"]["02:00:00:00:00:09"] =
        json!("192.168.10.109");
    assert_eq!(http(&sim, "PUT", ETH1, Some(body)).0, 200);
    sim.clear_journal();
    let a = run(
        &["apply", "--yes", "--plan", file.to_str().unwrap()],
        repo.path(),
    );
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("stale plan: the device changed since the plan was made (interface/eth1)"),
        "{}",
        a.stdout
    );
    assert!(puts(&sim).is_empty(), "nothing written");
}

#[test]
fn a_racing_edit_is_answered_409_and_nothing_is_overwritten() {
    let (sim, repo) = site();
    sim.faults(Faults {
        race_put: true,
        ..Faults::default()
    });
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 1, "{}{}", a.stdout, a.stderr);
    assert!(a.stdout.contains("device answered 409"), "{}", a.stdout);
    assert!(a.stdout.contains("nothing overwritten"), "{}", a.stdout);
    let dhcp = &replace_form(&sim)["replace_form"]["spec"]["ethernet_interface"]["dhcp_server"];
    assert_eq!(
        dhcp["fixed_ip_map"].as_object().unwrap().len(),
        3,
        "unchanged"
    );
}

#[test]
fn import_then_plan_is_empty() {
    let (_sim, repo) = site();
    // printed without a schemas/ folder: no $schema line that would not resolve
    let printed = run(&["import", "--device", "edge"], repo.path());
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(!printed.stdout.contains("$schema="), "{}", printed.stdout);
    assert!(
        printed
            .stdout
            .starts_with("# editor completion: dhcpform schema f5-xc > schemas/f5-xc.schema.json"),
        "{}",
        printed.stdout
    );
    std::fs::remove_file(repo.file("devices/edge.yaml")).unwrap();
    let i = run(&["import", "--device", "edge", "--write"], repo.path());
    assert_eq!(i.code, 0, "{}", i.stderr);
    let text = std::fs::read_to_string(repo.file("devices/edge.yaml")).unwrap();
    assert!(text.starts_with("# yaml-language-server: $schema=../schemas/f5-xc.schema.json"));
    assert!(text.contains("  eth1:\n") && !text.contains("eth2") && !text.contains("eth3"));
    assert!(repo.file("schemas/f5-xc.schema.json").exists());
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 0, "{}{}", p.stdout, p.stderr);
}

#[test]
fn drift_reports_config_differences_and_reserved_macs_holding_another_address() {
    let (_sim, repo) = site();
    let d = run(&["drift"], repo.path());
    assert_eq!(d.code, 2, "{}{}", d.stdout, d.stderr);
    assert!(d.stdout.contains("~ interface/eth1"), "{}", d.stdout);
    // 02:00:00:00:00:02 is reserved .102 but holds .70
    assert!(
        d.stdout.contains(
            "expect [reservation]: 02:00:00:00:00:02 is reserved 192.168.10.102 on interface \
             eth1 but holds 192.168.10.70"
        ),
        "{}",
        d.stdout
    );
}

#[test]
fn removing_reservations_is_gated_like_deletes() {
    let (sim, repo) = site();
    repo.desired(
        "edge",
        "interfaces:\n  eth1:\n    network: 192.168.10.0/24\n    pools: \
         [192.168.10.50-192.168.10.249]\n",
    );
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 4, "{}{}", p.stdout, p.stderr);
    assert!(
        p.stdout
            .contains("BLOCKED [max-delete-percent]: removes or changes 3 of 3")
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(puts(&sim).is_empty());
    let forced = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(forced.code, 0, "{}{}", forced.stdout, forced.stderr);
}

#[test]
fn a_listed_interface_that_cannot_hold_a_dhcp_server_fails_clearly() {
    let (_sim, repo) = site();
    for (name, words) in [
        (
            "eth9",
            "network_interface `eth9` not found: it does not exist in namespace system",
        ),
        ("eth3", "network_interface `eth3` has no ethernet interface"),
    ] {
        repo.desired(
            "edge",
            &format!("interfaces:\n  {name}:\n    network: 192.168.20.0/24\n"),
        );
        let p = run(&["plan"], repo.path());
        assert_eq!(p.code, 1, "{}", p.stdout);
        assert!(p.stdout.contains(words), "{}", p.stdout);
    }
}

#[test]
fn the_token_never_shows() {
    let (_sim, repo) = site();
    let r = run(&["-v", "apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("PUT http://"),
        "the request log is on: {}",
        r.stderr
    );
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
}

#[test]
fn the_interfaces_are_validated_offline_with_places() {
    let repo = Repo::new(
        "devices:\n  edge:\n    platform: f5-xc\n    url: https://tenant.example\n    site: \
         edge\n    auth: { api-token-env: XC_TOKEN }\n",
    );
    repo.desired(
        "edge",
        "interfaces:\n  eth1:\n    network: 192.168.10.0/24\n    pools: [192.168.11.1-192.168.11.9]\
         \n    gateway: 10.0.0.1\n    pool-mod: exclude\n    reservations:\n      \
         \"01:00:5e:00:00:01\": 192.168.10.5\n      \"02:00:00:00:00:01\": 192.168.10.6\n      \
         \"02:00:00:00:00:02\": 192.168.10.6\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1);
    let e = common::folded(&r.stderr);
    for (words, place) in [
        (
            "pool 192.168.11.1-192.168.11.9 is not inside the network",
            "edge.yaml:4:13",
        ),
        (
            "gateway 10.0.0.1 is not inside the network",
            "edge.yaml:5:14",
        ),
        ("unknown key `pool-mod`", "edge.yaml:6:5"),
        ("01:00:5e:00:00:01 is a multicast address", "edge.yaml:8:28"),
        ("192.168.10.6 is reserved for", "edge.yaml:10:28"),
    ] {
        assert!(e.contains(words), "missing `{words}` in {}", r.stderr);
        assert!(e.contains(&format!("{place}]")), "`{words}` not at {place}");
    }
    assert!(e.contains("did you mean `pool-mode`?"), "{e}");
    assert!(r.stderr.contains("invalid: 5 error(s)"), "{}", r.stderr);
}

#[test]
fn a_dhcp_edit_between_the_plan_and_its_write_stops_the_apply() {
    let (sim, repo) = site();
    // the plan's read is the first; the edit lands before apply reads again
    sim.faults(Faults {
        edit_after_read: Some(1),
        ..Faults::default()
    });
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("stale: the DHCP server of interface eth1 changed since planning"),
        "{}",
        a.stdout
    );
    assert!(puts(&sim).is_empty(), "nothing written");
}

#[test]
fn a_put_whose_answer_was_lost_is_read_back_and_the_apply_converges() {
    let (sim, repo) = site();
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    // no retry: the lost answer is not covered by sending the PUT again
    repo.write(
        "dhcpform.yaml",
        &inv.replacen("settings:\n", "settings:\n  retries: 0\n", 1),
    );
    sim.faults(Faults {
        lose_answer: Some(1),
        ..Faults::default()
    });
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("reading the interface back shows it was written"),
        "{}",
        a.stdout
    );
    assert!(a.stdout.contains("converged"), "{}", a.stdout);
    assert_eq!(puts(&sim).len(), 1, "sent once: {:?}", puts(&sim));
}

/// eth2 (a DHCP client today) given a DHCP server.
const ETH2_SERVER: &str = "interfaces:\n  eth2:\n    network: 192.168.20.0/24\n    pools: \
    [192.168.20.50-192.168.20.99]\n";

#[test]
fn a_dhcp_client_given_a_server_shows_the_change_and_needs_force() {
    let (sim, repo) = site();
    repo.desired("edge", ETH2_SERVER);
    let p = run(&["plan", "--detailed-exitcode"], repo.path());
    assert_eq!(p.code, 4, "{}{}", p.stdout, p.stderr);
    for line in [
        "~ interface/eth2 (update: addressing)",
        "-  addressing: dhcp-client",
        "+  addressing: dhcp-server",
        "+  network: 192.168.20.0/24",
    ] {
        assert!(p.stdout.contains(line), "{line}: {}", p.stdout);
    }
    assert!(p.stdout.contains("interface-addressing"), "{}", p.stdout);
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(puts(&sim).is_empty(), "nothing written without --force");
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    let path = "/api/config/namespaces/system/network_interfaces/eth2?response_format=2";
    let eth = http(&sim, "GET", path, None).1["replace_form"]["spec"]["ethernet_interface"].clone();
    assert!(eth.get("dhcp_client").is_none(), "{eth}");
    assert_eq!(
        eth["dhcp_server"]["dhcp_networks"][0]["network_prefix"],
        "192.168.20.0/24"
    );
    assert_eq!(run(&["plan", "--detailed-exitcode"], repo.path()).code, 0);
}

/// Gives eth1's DHCP server members dhcpform does not model (plain HTTP, as another tool
/// would), returning the replace form written.
fn add_unmodelled(sim: &TestSim, net_member: (&str, Value), server_member: (&str, Value)) {
    let mut body = replace_form(sim)["replace_form"].clone();
    let dhcp = &mut body["spec"]["ethernet_interface"]["dhcp_server"];
    dhcp[server_member.0] = server_member.1;
    dhcp["dhcp_networks"][0][net_member.0] = net_member.1;
    assert_eq!(http(sim, "PUT", ETH1, Some(body)).0, 200);
}

#[test]
fn members_dhcpform_does_not_model_are_kept_by_the_put() {
    let (sim, repo) = site();
    add_unmodelled(
        &sim,
        ("lease_options", json!({"renew": 600})),
        ("lease_time", json!(7200)),
    );
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    let dhcp =
        replace_form(&sim)["replace_form"]["spec"]["ethernet_interface"]["dhcp_server"].clone();
    assert_eq!(dhcp["lease_time"], 7200, "{dhcp}");
    assert_eq!(
        dhcp["dhcp_networks"][0]["lease_options"],
        json!({"renew": 600})
    );
    assert_eq!(dhcp["dhcp_networks"][0]["dns_address"], "192.168.10.53");
    assert_eq!(dhcp["fixed_ip_map"].as_object().unwrap().len(), 4);
    assert_eq!(run(&["plan", "--detailed-exitcode"], repo.path()).code, 0);
}

#[test]
fn an_unknown_member_where_a_choice_belongs_makes_the_interface_unmanageable() {
    let (sim, repo) = site();
    let mut body = replace_form(&sim)["replace_form"].clone();
    let net = &mut body["spec"]["ethernet_interface"]["dhcp_server"]["dhcp_networks"][0];
    net.as_object_mut().unwrap().remove("first_address");
    net["gateway_from_router"] = json!({});
    assert_eq!(http(&sim, "PUT", ETH1, Some(body)).0, 200);
    let p = run(&["plan"], repo.path());
    assert_eq!(p.code, 1, "{}{}", p.stdout, p.stderr);
    assert!(
        p.stdout.contains("gateway_from_router") && p.stdout.contains("cannot be managed"),
        "{}",
        p.stdout
    );
    let a = run(&["apply", "--yes", "--force"], repo.path());
    assert_eq!(a.code, 1, "{}", a.stdout);
    assert_eq!(puts(&sim).len(), 1, "only the test's own PUT");
}

#[test]
fn without_resource_version_the_put_is_unguarded_and_the_whole_object_is_compared() {
    let quirks = dhcpform::sim::Quirks {
        no_resource_version: true,
        ..Default::default()
    };
    let (sim, repo) = site_with(quirks.clone());
    let p = run(&["plan"], repo.path());
    assert!(p.stdout.contains("unguarded"), "{}", p.stdout);
    // someone changes the MTU after the apply's plan read (the 2nd), before the read for the PUT
    sim.faults(Faults {
        edit_other_after_read: Some(2),
        ..Faults::default()
    });
    sim.clear_journal();
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 4, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout.contains("read without resource_version"),
        "{}",
        a.stdout
    );
    assert!(puts(&sim).is_empty(), "nothing written");
    sim.faults(Faults::default());
    let a = run(&["apply", "--yes"], repo.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert!(a.stdout.contains("unguarded"), "{}", a.stdout);
    let body = sim
        .journal("edge")
        .into_iter()
        .find(|e| e.method == "PUT")
        .and_then(|e| e.body)
        .unwrap();
    assert!(body.get("resource_version").is_none(), "{body}");
}
