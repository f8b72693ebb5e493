//! The emulator driven with plain HTTP requests (reqwest directly, not dhcpform's client),
//! replaying the request examples of the Cisco document and checking the documented behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestSim;
use dhcpform::sim::{Faults, Persist, Sim, SimOptions};
use serde_json::{Value, json};

struct Http<'a> {
    sim: &'a TestSim,
    base: String,
    client: reqwest::Client,
}

struct Ans {
    status: u16,
    location: Option<String>,
    retry_after: Option<String>,
    allow: Option<String>,
    body: String,
}

impl Ans {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

impl<'a> Http<'a> {
    fn new(sim: &'a TestSim, base: String) -> Self {
        Http {
            sim,
            base,
            client: reqwest::Client::new(),
        }
    }

    fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Ans {
        self.sim.rt.block_on(async {
            let mut rb = self
                .client
                .request(method.parse().unwrap(), format!("{}{path}", self.base))
                .header("Accept", "application/json");
            if let Some(t) = token {
                rb = rb.header("X-auth-token", t);
            }
            if let Some(b) = body {
                rb = rb
                    .header("Content-Type", "application/json")
                    .body(b.to_string());
            }
            let r = rb.send().await.unwrap();
            let h = |k: &str| r.headers().get(k).map(|v| v.to_str().unwrap().to_string());
            let (status, location, retry_after, allow) = (
                r.status().as_u16(),
                h("location"),
                h("retry-after"),
                h("allow"),
            );
            Ans {
                status,
                location,
                retry_after,
                allow,
                body: r.text().await.unwrap(),
            }
        })
    }

    fn token(&self) -> (String, String) {
        let ans = self.sim.rt.block_on(async {
            self.client
                .post(format!("{}/api/v1/auth/token-services", self.base))
                .basic_auth("admin", Some("admin"))
                .header("Accept", "application/json")
                .send()
                .await
                .unwrap()
        });
        assert_eq!(ans.status().as_u16(), 200);
        let v: Value = self.sim.rt.block_on(ans.json()).unwrap();
        assert_eq!(v["kind"], "object#auth-token");
        assert_eq!(v["expiry-time"], "00:15:00");
        (
            v["token-id"].as_str().unwrap().to_string(),
            v["link"].as_str().unwrap().to_string(),
        )
    }
}

fn sim() -> TestSim {
    TestSim::start(SimOptions::default())
}

// --- the document's request examples, verbatim ---

const PUT_DHCP_EXAMPLE: &str = r#"{
"enable": true,
"excluded-addresses": [
{
"low-ip-address": "172.16.1.1",
"high-ip-address": "171.16.1.30"
}
],
"relay-agents": [
{
"interface-name" : "gigabitEthernet1",
"addresses": [ "172.15.15.15" ]
}
]
}"#;

const POST_POOL_EXAMPLE: &str = r#"{
"poolName": "myDhcpPool",
"dynamic": {
"address-range": "172.16.1.0/24",
"lease-duration": { "days": 30 }
},
"options": {
"default-gateway": ["172.16.1.100", "172.16.1.101"]
}
}"#;

// Note the trailing commas: the document's example is not valid JSON; a device accepts it.
const PUT_POOL_EXAMPLE: &str = r#"{
"poolName": "myDhcpPool",
"dynamic": {
"address-range": "172.16.1.0/24",
"lease-duration":
{
"days": 60
},
},
"options": {
"default-gateway": ["172.16.1.100", "172.16.1.101"]
}
}"#;

#[test]
fn token_service_guards_every_call() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    assert_eq!(h.send("GET", "/api/v1/dhcp", None, None).status, 401);
    assert_eq!(
        h.send("GET", "/api/v1/dhcp", Some("forged"), None).status,
        401
    );
    assert_eq!(
        h.send("POST", "/api/v1/auth/token-services", None, None)
            .status,
        401,
        "no Basic credentials"
    );
    let (tok, link) = h.token();
    assert_eq!(h.send("GET", "/api/v1/dhcp", Some(&tok), None).status, 200);
    let listed = h
        .send("GET", "/api/v1/auth/token-services", Some(&tok), None)
        .json();
    assert_eq!(listed["kind"], "collection#auth-token");
    assert!(
        !listed.to_string().contains(&tok),
        "the token list must not reveal token ids"
    );
    // DELETE the token's link: it stops working
    let path = link.strip_prefix(&s.handle.url()).unwrap().to_string();
    assert_eq!(h.send("DELETE", &path, Some(&tok), None).status, 204);
    assert_eq!(h.send("GET", "/api/v1/dhcp", Some(&tok), None).status, 401);
}

#[test]
fn global_put_example_and_replace_semantics() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    // The document's example excludes 172.16.1.1 up to 171.16.1.30: a reversed range (typo in
    // the document, like its 172/16.0.0/16). A device refuses it with 400.
    let ans = h.send("PUT", "/api/v1/dhcp", Some(&tok), Some(PUT_DHCP_EXAMPLE));
    assert_eq!(ans.status, 400, "{}", ans.body);
    assert!(
        ans.json()["error-message"]
            .as_str()
            .unwrap()
            .contains("below"),
        "{}",
        ans.body
    );
    // The same example with the high address corrected.
    let fixed = PUT_DHCP_EXAMPLE.replace("171.16.1.30", "172.16.1.30");
    assert_eq!(
        h.send("PUT", "/api/v1/dhcp", Some(&tok), Some(&fixed))
            .status,
        204
    );
    let got = h.send("GET", "/api/v1/dhcp", Some(&tok), None).json();
    assert_eq!(got["kind"], "object#dhcp-server");
    assert_eq!(got["enable"], true);
    assert_eq!(
        got["excluded-addresses"][0]["high-ip-address"],
        "172.16.1.30"
    );
    assert_eq!(
        got["excluded-addresses"][0]["kind"],
        "object#dhcp-server-excluded-address"
    );
    assert_eq!(got["relay-agents"][0]["interface-name"], "gigabitEthernet1");
    assert_eq!(got["relay-agents"][0]["addresses"], json!(["172.15.15.15"]));
    // PUT replaces both lists whole: what is not re-sent is gone.
    let two = json!({"enable": true, "excluded-addresses": [{"low-ip-address": "10.0.0.1"},
        {"low-ip-address": "10.0.0.5", "high-ip-address": "10.0.0.9"}],
        "relay-agent": [{"interface": "Gi2", "address": "10.9.9.9"}]});
    assert_eq!(
        h.send("PUT", "/api/v1/dhcp", Some(&tok), Some(&two.to_string()))
            .status,
        204
    );
    let got = h.send("GET", "/api/v1/dhcp", Some(&tok), None).json();
    assert_eq!(got["excluded-addresses"].as_array().unwrap().len(), 2);
    assert_eq!(
        got["relay-agents"].as_array().unwrap().len(),
        1,
        "gigabitEthernet1 was not re-sent"
    );
    assert_eq!(got["relay-agents"][0]["interface-name"], "Gi2");
    let none = json!({"enable": false, "excluded-addresses": []});
    assert_eq!(
        h.send("PUT", "/api/v1/dhcp", Some(&tok), Some(&none.to_string()))
            .status,
        204
    );
    let got = h.send("GET", "/api/v1/dhcp", Some(&tok), None).json();
    assert_eq!(
        got,
        json!({"kind": "object#dhcp-server", "enable": false}),
        "empty lists are omitted"
    );
    // mandatory fields
    let ans = h.send(
        "PUT",
        "/api/v1/dhcp",
        Some(&tok),
        Some(r#"{"enable": true}"#),
    );
    assert_eq!(ans.status, 400);
    assert!(ans.json()["error-code"].is_number());
}

#[test]
fn pool_examples_create_read_modify_delete() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    let ans = h.send(
        "POST",
        "/api/v1/dhcp/pool",
        Some(&tok),
        Some(POST_POOL_EXAMPLE),
    );
    assert_eq!(ans.status, 201, "{}", ans.body);
    assert_eq!(
        ans.location.as_deref(),
        Some(format!("{}/api/v1/dhcp/pool/myDhcpPool", s.handle.url()).as_str())
    );
    assert!(ans.body.is_empty(), "201 has no body");
    let got = h
        .send("GET", "/api/v1/dhcp/pool/myDhcpPool", Some(&tok), None)
        .json();
    assert_eq!(got["kind"], "object#dhcp-server-pool");
    assert_eq!(got["poolName"], "myDhcpPool");
    assert_eq!(got["dynamic"]["lease-duration"], json!({"days": 30}));
    assert_eq!(
        got["options"]["default-gateway"],
        json!(["172.16.1.100", "172.16.1.101"])
    );
    let ans = h.send(
        "PUT",
        "/api/v1/dhcp/pool/myDhcpPool",
        Some(&tok),
        Some(PUT_POOL_EXAMPLE),
    );
    assert_eq!(ans.status, 204, "{}", ans.body);
    let got = h
        .send("GET", "/api/v1/dhcp/pool/myDhcpPool", Some(&tok), None)
        .json();
    assert_eq!(got["dynamic"]["lease-duration"], json!({"days": 60}));
    let list = h.send("GET", "/api/v1/dhcp/pool", Some(&tok), None).json();
    assert_eq!(list["kind"], "collection#dhcp-server-pool");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        h.send("DELETE", "/api/v1/dhcp/pool/myDhcpPool", Some(&tok), None)
            .status,
        204
    );
    assert_eq!(
        h.send("GET", "/api/v1/dhcp/pool/myDhcpPool", Some(&tok), None)
            .status,
        404
    );
    assert_eq!(
        h.send("DELETE", "/api/v1/dhcp/pool/myDhcpPool", Some(&tok), None)
            .status,
        404
    );
    assert_eq!(
        h.send(
            "PUT",
            "/api/v1/dhcp/pool/myDhcpPool",
            Some(&tok),
            Some(PUT_POOL_EXAMPLE)
        )
        .status,
        404
    );
}

#[test]
fn device_forms_defaults_omitted_and_dotted_macs() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    let p = json!({"pool-name": "d", "dynamic": {"address-range": "10.1.0.0/24",
        "lease-duration": {"days": 1}}, "options": {"dns-servers": [],
            "netbios-name-servers": []}});
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/pool",
            Some(&tok),
            Some(&p.to_string())
        )
        .status,
        201
    );
    let got = h
        .send("GET", "/api/v1/dhcp/pool/d", Some(&tok), None)
        .json();
    assert_eq!(
        got,
        json!({"kind": "object#dhcp-server-pool", "poolName": "d",
            "dynamic": {"address-range": "10.1.0.0/24"}})
    );
    let g = json!({"poolName": "g", "dynamic": {"address-range": "10.3.0.0/24"},
        "options": {"default-gateway": "10.3.0.1"}});
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/pool",
            Some(&tok),
            Some(&g.to_string())
        )
        .status,
        201
    );
    let got = h
        .send("GET", "/api/v1/dhcp/pool/g", Some(&tok), None)
        .json();
    assert_eq!(
        got["options"]["default-gateway"],
        json!(["10.3.0.1"]),
        "gateways are answered as arrays"
    );
    let m = json!({"poolName": "m", "manual": {"host-ip-address": "10.2.0.5",
        "mac-address": "00:A0:98:02:32:DE", "client-name": "Mars"}});
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/pool",
            Some(&tok),
            Some(&m.to_string())
        )
        .status,
        201
    );
    let got = h
        .send("GET", "/api/v1/dhcp/pool/m", Some(&tok), None)
        .json();
    assert_eq!(got["manual"]["mac-address"], "00a0.9802.32de");
    assert_eq!(got["manual"]["client-name"], "Mars");
}

#[test]
fn device_validation_and_conflicts() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    let post = |v: Value| {
        h.send(
            "POST",
            "/api/v1/dhcp/pool",
            Some(&tok),
            Some(&v.to_string()),
        )
    };
    assert_eq!(
        post(json!({"poolName": "a", "dynamic": {"address-range": "10.0.0.0/16"}})).status,
        201
    );
    let overlap = post(json!({"poolName": "b", "dynamic": {"address-range": "10.0.5.0/24"}}));
    assert_eq!(overlap.status, 409, "{}", overlap.body);
    assert!(
        overlap.json()["error-message"]
            .as_str()
            .unwrap()
            .contains("overlaps")
    );
    assert_eq!(
        post(json!({"poolName": "a", "dynamic": {"address-range": "10.9.0.0/24"}})).status,
        409,
        "duplicate name"
    );
    assert_eq!(
        post(json!({"poolName": "c", "dynamic": {"address-range": "172/16.0.0/16"}})).status,
        400,
        "the document's typo"
    );
    assert_eq!(post(json!({"poolName": "c"})).status, 400, "no kind");
    assert_eq!(
        post(
            json!({"poolName": "c", "dynamic": {"address-range": "10.8.0.0/24"},
        "manual": {"host-ip-address": "10.8.0.1", "mac-address": "0000.0000.0001"}})
        )
        .status,
        400
    );
    assert_eq!(
        post(
            json!({"poolName": "c", "dynamic": {"address-range": "10.8.0.0/24",
        "lease-duration": {"hours": 4}}})
        )
        .status,
        400,
        "days mandatory with hours"
    );
    assert_eq!(
        post(
            json!({"poolName": "c", "dynamic": {"address-range": "10.8.0.0/24",
        "lease-duration": {"days": 400}}})
        )
        .status,
        400
    );
    assert_eq!(
        post(json!({"poolName": "c", "dynamic": {"address-range": "10.8.0.9/24"}})).status,
        400,
        "host bits"
    );
    assert_eq!(
        h.send("POST", "/api/v1/dhcp/pool", Some(&tok), Some("{not json"))
            .status,
        400
    );
    // PUT cannot change the kind, nor the name
    let to_manual = json!({"poolName": "a", "manual": {"host-ip-address": "10.0.0.5",
        "mac-address": "0000.0000.0001"}});
    assert_eq!(
        h.send(
            "PUT",
            "/api/v1/dhcp/pool/a",
            Some(&tok),
            Some(&to_manual.to_string())
        )
        .status,
        409
    );
    let renamed = json!({"poolName": "zz", "dynamic": {"address-range": "10.0.0.0/16"}});
    assert_eq!(
        h.send(
            "PUT",
            "/api/v1/dhcp/pool/a",
            Some(&tok),
            Some(&renamed.to_string())
        )
        .status,
        400
    );
}

#[test]
fn methods_the_document_does_not_list_get_405() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    for (m, p) in [
        ("POST", "/api/v1/dhcp"),
        ("DELETE", "/api/v1/dhcp"),
        ("PUT", "/api/v1/dhcp/pool"),
        ("DELETE", "/api/v1/dhcp/pool"),
        ("POST", "/api/v1/dhcp/pool/x"),
        ("PUT", "/api/v1/dhcp/active/bindings"),
        ("PUT", "/api/v1/dhcp/active/bindings/10.0.0.1"),
    ] {
        let a = h.send(m, p, Some(&tok), Some("{}"));
        assert_eq!(a.status, 405, "{m} {p}");
        assert!(a.allow.is_some(), "{m} {p} has an Allow header");
    }
    assert_eq!(
        h.send("GET", "/api/v1/nothing", Some(&tok), None).status,
        404
    );
}

#[test]
fn simulated_clients_bindings_and_clear() {
    let s = sim();
    s.seed(
        "default",
        json!({
            "dhcp": {"enable": true, "excluded-addresses": [{"low-ip-address": "10.5.0.1",
                "high-ip-address": "10.5.0.10"}]},
            "pools": [
                {"poolName": "staff", "dynamic": {"address-range": "10.5.0.0/24",
                    "lease-duration": {"infinite": true}}},
                {"poolName": "printer", "manual": {"host-ip-address": "10.5.0.11",
                    "mac-address": "02c7.f800.0422"}}
            ],
            "clients": [{"pool": "staff", "count": 3}]
        }),
    );
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    let list = h
        .send("GET", "/api/v1/dhcp/active/bindings", Some(&tok), None)
        .json();
    assert_eq!(list["kind"], "collection#dhcp-server-bindings");
    let items = list["items"].as_array().unwrap();
    let ips: Vec<&str> = items
        .iter()
        .map(|b| b["host-ip-address"].as_str().unwrap())
        .collect();
    // exclusions honoured (.1-.10), the manual binding's .11 skipped
    assert_eq!(
        ips,
        vec!["10.5.0.11", "10.5.0.12", "10.5.0.13", "10.5.0.14"]
    );
    let manual = &items[0];
    assert_eq!(manual["type"], "manual");
    assert_eq!(manual["lease-expiration-time"], "infinite");
    assert_eq!(manual["mac-address"], "02c7.f800.0422");
    assert_eq!(items[1]["type"], "automatic");
    assert_eq!(
        items[1]["lease-expiration-time"], "infinite",
        "infinite lease pool"
    );
    // a timed lease: YYYY:MM:DD HH:MM
    let timed = json!({"poolName": "guests", "dynamic": {"address-range": "10.6.0.0/24",
        "lease-duration": {"days": 0, "hours": 2}}});
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/pool",
            Some(&tok),
            Some(&timed.to_string())
        )
        .status,
        201
    );
    let leased = h
        .send(
            "POST",
            "/_sim/clients",
            None,
            Some(r#"{"pool": "guests", "mac": "00:11:22:33:44:55"}"#),
        )
        .json();
    assert_eq!(leased["leased"], json!(["10.6.0.1"]));
    let one = h
        .send(
            "GET",
            "/api/v1/dhcp/active/bindings/10.6.0.1",
            Some(&tok),
            None,
        )
        .json();
    let exp = one["lease-expiration-time"].as_str().unwrap();
    assert!(
        exp.len() == 16
            && exp.as_bytes()[4] == b':'
            && exp.as_bytes()[7] == b':'
            && exp.as_bytes()[10] == b' ',
        "{exp}"
    );
    assert_eq!(one["mac-address"], "0011.2233.4455");
    assert_eq!(
        h.send(
            "DELETE",
            "/api/v1/dhcp/active/bindings/10.6.0.1",
            Some(&tok),
            None
        )
        .status,
        204
    );
    assert_eq!(
        h.send(
            "GET",
            "/api/v1/dhcp/active/bindings/10.6.0.1",
            Some(&tok),
            None
        )
        .status,
        404
    );
    assert_eq!(
        h.send(
            "DELETE",
            "/api/v1/dhcp/active/bindings/10.5.0.11",
            Some(&tok),
            None
        )
        .status,
        400,
        "manual bindings are not cleared"
    );
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/active/bindings",
            Some(&tok),
            Some(r#"{"action": "clear"}"#)
        )
        .status,
        204
    );
    let list = h
        .send("GET", "/api/v1/dhcp/active/bindings", Some(&tok), None)
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the manual binding stays"
    );
    assert_eq!(
        h.send(
            "POST",
            "/api/v1/dhcp/active/bindings",
            Some(&tok),
            Some(r#"{"action": "purge"}"#)
        )
        .status,
        400
    );
}

#[test]
fn f5_leases_with_api_token() {
    let s = sim();
    s.seed(
        "default",
        json!({"f5": {"system/edge-a": {"lease_info": [{"ip": "192.168.10.55",
            "mac": "02:03:04:05:06:07", "hostname": "kiosk"}],
            "subnet_info": [{"address_count": "200", "free_address_count": 150,
                "subnet": "192.168.10.0/24", "interface": "eth1"}]}}}),
    );
    let url = format!(
        "{}/api/operate/namespaces/system/sites/edge-a/ver/dhcp_leases",
        s.handle.url()
    );
    let client = reqwest::Client::new();
    let get = |auth: &str| {
        s.rt.block_on(async {
            let r = client
                .get(&url)
                .header("Authorization", auth)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let (status, body) = get("APIToken sim-token");
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["lease_info"][0]["mac"], "02:03:04:05:06:07");
    assert_eq!(v["subnet_info"][0]["address_count"], "200");
    let (status, body) = get("APIToken wrong");
    assert_eq!(status, 401);
    assert!(body.contains("\"code\""), "gRPC-style error body: {body}");
    let other = url.replace("edge-a", "edge-b");
    let status = s.rt.block_on(async {
        client
            .get(&other)
            .header("Authorization", "APIToken sim-token")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 404);
}

#[test]
fn faults_nth_write_fails_without_change_and_rate_limits() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    s.faults(Faults {
        fail_write: Some(2),
        ..Faults::default()
    });
    let a = json!({"poolName": "a", "dynamic": {"address-range": "10.0.0.0/24"}}).to_string();
    let b = json!({"poolName": "b", "dynamic": {"address-range": "10.0.1.0/24"}}).to_string();
    assert_eq!(
        h.send("POST", "/api/v1/dhcp/pool", Some(&tok), Some(&a))
            .status,
        201
    );
    assert_eq!(
        h.send("POST", "/api/v1/dhcp/pool", Some(&tok), Some(&b))
            .status,
        500
    );
    assert_eq!(
        h.send("GET", "/api/v1/dhcp/pool/b", Some(&tok), None)
            .status,
        404,
        "the failed write changed nothing"
    );
    assert_eq!(
        h.send("POST", "/api/v1/dhcp/pool", Some(&tok), Some(&b))
            .status,
        201,
        "only the Nth write fails"
    );
    s.faults(Faults {
        fault_rate: 1.0,
        retry_after: 3,
        seed: Some(7),
        ..Faults::default()
    });
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let ans = h.send("GET", "/api/v1/dhcp", Some(&tok), None);
        if ans.status == 429 {
            assert_eq!(ans.retry_after.as_deref(), Some("3"));
        }
        seen.insert(ans.status);
    }
    assert_eq!(seen, [429, 503].into_iter().collect());
}

#[test]
fn journal_records_requests_without_credentials() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    h.send(
        "POST",
        "/api/v1/dhcp/pool",
        Some(&tok),
        Some(POST_POOL_EXAMPLE),
    );
    let journal = s.journal("default");
    let text = serde_json::to_string(&journal).unwrap();
    assert!(!text.contains(&tok), "token id in the journal");
    assert!(
        !text.contains("YWRtaW46YWRtaW4"),
        "basic credentials in the journal"
    );
    assert_eq!(journal[0].method, "POST");
    assert_eq!(journal[0].path, "/api/v1/auth/token-services");
    assert_eq!(journal[1].status, 201);
    assert_eq!(journal[1].body.as_ref().unwrap()["poolName"], "myDhcpPool");
}

#[test]
fn fleet_serves_separate_devices_up_to_n() {
    let s = TestSim::fleet(2);
    for (dev, net) in [("a", "10.0.0.0/24"), ("b", "10.0.0.0/24")] {
        let h = Http::new(&s, s.url(dev));
        let (tok, _) = h.token();
        let body = json!({"poolName": "p", "dynamic": {"address-range": net}}).to_string();
        let ans = h.send("POST", "/api/v1/dhcp/pool", Some(&tok), Some(&body));
        assert_eq!(ans.status, 201, "devices do not share pools");
        assert!(
            ans.location
                .unwrap()
                .contains(&format!("/devices/{dev}/api/v1/dhcp/pool/p"))
        );
    }
    let h = Http::new(&s, s.url("c"));
    assert_eq!(
        h.send("POST", "/api/v1/auth/token-services", None, None)
            .status,
        401
    );
    let full = s.rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/token-services", s.url("c")))
            .basic_auth("admin", Some("admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(full, 404, "a third device exceeds --fleet 2");
}

#[test]
fn state_persists_to_a_file_and_seeds_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    {
        let s = TestSim::start(SimOptions {
            persist: Persist::File(file.clone()),
            ..SimOptions::default()
        });
        let h = Http::new(&s, s.handle.url());
        let (tok, _) = h.token();
        assert_eq!(
            h.send(
                "POST",
                "/api/v1/dhcp/pool",
                Some(&tok),
                Some(POST_POOL_EXAMPLE)
            )
            .status,
            201
        );
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("myDhcpPool"));
    let sim = Sim::new(SimOptions {
        persist: Persist::File(file),
        ..SimOptions::default()
    })
    .unwrap();
    let st = sim.device_state("default").unwrap();
    assert_eq!(st.pools[0]["poolName"], "myDhcpPool");
}

#[test]
fn sim_serve_binary_prints_its_loopback_url() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dhcpform"))
        .args(["sim", "serve"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("dhcpform sim listening on http://127.0.0.1:"),
        "{line}"
    );
}

#[test]
fn clients_asking_for_more_than_a_pool_has_get_nothing() {
    let s = sim();
    let h = Http::new(&s, s.handle.url());
    let (tok, _) = h.token();
    let tiny = json!({"poolName": "tiny", "dynamic": {"address-range": "10.7.0.0/29"}});
    let created = h.send(
        "POST",
        "/api/v1/dhcp/pool",
        Some(&tok),
        Some(&tiny.to_string()),
    );
    assert_eq!(created.status, 201);
    let ask = |n: u32| {
        h.send(
            "POST",
            "/_sim/clients",
            None,
            Some(&json!({"pool": "tiny", "count": n}).to_string()),
        )
    };
    let too_many = ask(7);
    assert_eq!(too_many.status, 409, "{}", too_many.body);
    assert!(too_many.body.contains("none leased"), "{}", too_many.body);
    let bindings = h
        .send("GET", "/api/v1/dhcp/active/bindings", Some(&tok), None)
        .json();
    assert_eq!(bindings["items"], json!([]), "all or nothing");
    assert_eq!(ask(6).status, 200);
}
