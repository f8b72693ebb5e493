//! The RESTCONF client: HTTP Basic on every request, `application/yang-data+json`, strict
//! reads of the three sections a plan needs (DHCP settings, server switch, interfaces) run
//! concurrently, the oper bindings, writes with IOS XE's transient refusals retried, the
//! clear RPC and save-config.

use super::wire::{self, DhcpRead, Interfaces};
use crate::model::{Binding, BindingType, LiveConfig, Mac, Server};
use crate::platform::http::{Answer, DeviceError, Http, Idempotency, Secret};
use reqwest::Method;
use serde_json::{Map, Value};
use std::net::Ipv4Addr;

pub const N: &str = "/restconf/data/Cisco-IOS-XE-native:native";
pub const DHCP: &str = "/restconf/data/Cisco-IOS-XE-native:native/ip/dhcp";
pub const SERVICE: &str =
    "/restconf/data/Cisco-IOS-XE-native:native/service?fields=dhcp-config;dhcp";
pub const BINDINGS: &str =
    "/restconf/data/Cisco-IOS-XE-dhcp-oper:dhcp-oper-data/dhcpv4-server-oper";
pub const CLEAR: &str = "/restconf/operations/Cisco-IOS-XE-rpc:clear";
pub const SAVE: &str = "/restconf/operations/cisco-ia:save-config";

/// Interface types whose helper addresses are read (one `fields` term each).
pub const INTERFACE_TYPES: &[&str] = &[
    "GigabitEthernet",
    "TwoGigabitEthernet",
    "FiveGigabitEthernet",
    "TenGigabitEthernet",
    "TwentyFiveGigE",
    "FortyGigabitEthernet",
    "FiftyGigabitEthernet",
    "HundredGigE",
    "AppGigabitEthernet",
    "Vlan",
    "Loopback",
    "Port-channel",
    "Port-channel-subinterface",
    "Tunnel",
    "BDI",
];

/// `GET N/interface?fields=T(name;ip/helper-address);...`.
pub fn interfaces_path() -> String {
    let terms: Vec<String> = INTERFACE_TYPES
        .iter()
        .map(|t| format!("{t}(name;ip/helper-address)"))
        .collect();
    format!("{N}/interface?fields={}", terms.join(";"))
}

/// A RESTCONF device as read: the model, and what a write must carry back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RcLive {
    pub live: LiveConfig,
    pub dhcp: DhcpRead,
    pub interfaces: Interfaces,
    /// The entity tag of the DHCP settings' answer, when the device sends one.
    pub etag: Option<String>,
}

pub struct Restconf {
    http: Http,
    base: String,
    user: String,
    password: Secret,
}

fn bad(method: &str, url: &str, detail: impl Into<String>) -> DeviceError {
    DeviceError::BadAnswer {
        method: method.into(),
        url: url.into(),
        detail: detail.into(),
    }
}

/// IOS XE's refusals that are often transient: the parser's "inconsistent value" (retried
/// once) and datastore lock or sync errors (backed off and retried).
fn transient(e: &DeviceError) -> Option<bool> {
    let DeviceError::Status { status, answer, .. } = e else {
        return None;
    };
    let text = answer.to_ascii_lowercase();
    if text.contains("lock") || text.contains("in-use") || text.contains("sync in progress") {
        return Some(true);
    }
    (*status == 400 && text.contains("inconsistent value")).then_some(false)
}

/// What a GET of a section gave: its members, empty (204, 404, `{}`), or an error.
enum Section {
    /// The members, and the answer's entity tag.
    Members(Map<String, Value>, Option<String>),
    Empty,
}

impl Restconf {
    pub fn new(http: Http, base: &str, user: &str, password: Secret) -> Restconf {
        Restconf {
            http: http.with_media("application/yang-data+json"),
            base: base.trim_end_matches('/').to_string(),
            user: user.to_string(),
            password,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One call with Basic credentials. A 400 "inconsistent value" is tried once more; lock
    /// and sync errors back off and try again (at most three times).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, DeviceError> {
        self.call_if(method, path, body, None).await
    }

    /// `call`, with `If-Match` when an entity tag is given.
    pub async fn call_if(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Answer, DeviceError> {
        let headers: Vec<(&str, &str, bool)> = if_match
            .map(|e| ("If-Match", e, false))
            .into_iter()
            .collect();
        let url = self.url(path);
        let idem = if method == Method::POST && path != SAVE && path != CLEAR {
            Idempotency::Unsafe
        } else {
            Idempotency::Idempotent
        };
        let (mut inconsistent, mut locked) = (0, 0);
        loop {
            let res = self
                .http
                .send(
                    method.clone(),
                    &url,
                    &headers,
                    Some((&self.user, &self.password)),
                    body,
                    idem,
                )
                .await;
            let Err(e) = &res else { return res };
            match transient(e) {
                Some(false) if inconsistent < 1 => inconsistent += 1,
                Some(true) if locked < 3 => {
                    locked += 1;
                    tokio::time::sleep(self.http.min_backoff * (1 << locked)).await;
                }
                _ => return res,
            }
        }
    }

    /// A GET whose answer must be the member asked for (`module:name`), or empty.
    async fn section(&self, path: &str, member: &str) -> Result<Section, DeviceError> {
        let url = self.url(path);
        let ans = match self.call(Method::GET, path, None).await {
            Ok(a) => a,
            Err(e) if e.status() == Some(404) => return Ok(Section::Empty),
            Err(e) => return Err(e),
        };
        if ans.status == 204 || ans.text.trim().is_empty() {
            return Ok(Section::Empty);
        }
        let v = ans.json("GET", &url)?;
        let Value::Object(top) = v else {
            return Err(bad("GET", &url, "the answer is not a JSON object"));
        };
        if top.is_empty() {
            return Ok(Section::Empty);
        }
        if top.contains_key("ietf-restconf:errors") || top.contains_key("errors") {
            let text = crate::platform::http::error_text(&Value::Object(top).to_string());
            return Err(bad(
                "GET",
                &url,
                format!("an error body with a 2xx status: {text}"),
            ));
        }
        match top.get(member) {
            Some(Value::Object(m)) if top.len() == 1 => {
                Ok(Section::Members(m.clone(), ans.etag.clone()))
            }
            _ => Err(bad(
                "GET",
                &url,
                format!(
                    "expected {{\"{member}\": {{...}}}}, found {}",
                    crate::platform::http::excerpt(&Value::Object(top).to_string())
                ),
            )),
        }
    }

    /// The three reads of a plan, at once. An empty section is empty only when another of
    /// them answered with content (the device is there and these credentials work).
    pub async fn read(&self) -> Result<RcLive, DeviceError> {
        let ifaces = interfaces_path();
        let (dhcp, service, interfaces) = tokio::join!(
            self.section(DHCP, "Cisco-IOS-XE-native:dhcp"),
            self.section(SERVICE, "Cisco-IOS-XE-native:service"),
            self.section(&ifaces, "Cisco-IOS-XE-native:interface"),
        );
        let (dhcp, service, interfaces) = (dhcp?, service?, interfaces?);
        let seen = [&dhcp, &service, &interfaces]
            .iter()
            .any(|s| matches!(s, Section::Members(..)));
        if !seen {
            return Err(bad(
                "GET",
                &self.url(DHCP),
                "every section answered empty: not taken as a device without DHCP \
                 configuration (is this the device's RESTCONF root?)",
            ));
        }
        let members = |s: Section| match s {
            Section::Members(m, _) => m,
            Section::Empty => Map::new(),
        };
        let etag = match &dhcp {
            Section::Members(_, e) => e.clone(),
            Section::Empty => None,
        };
        let mut notes = Vec::new();
        if matches!(dhcp, Section::Empty) {
            notes.push("the device has no DHCP settings yet (its ip/dhcp answered empty)".into());
        }
        let read = wire::parse_dhcp(&members(dhcp)).map_err(|e| bad("GET", &self.url(DHCP), e))?;
        let enable = wire::parse_service(&members(service))
            .map_err(|e| bad("GET", &self.url(SERVICE), e))?;
        let interfaces = wire::parse_interfaces(&members(interfaces))
            .map_err(|e| bad("GET", &self.url(&ifaces), e))?;
        let mut live = assemble(read, enable, interfaces, notes);
        live.etag = etag;
        Ok(live)
    }

    /// `GET` of the oper bindings. Empty (204, 404, `{}`) is no binding: this read follows
    /// the plan's reads of the same device.
    pub async fn bindings(&self) -> Result<Vec<Binding>, DeviceError> {
        let member = "Cisco-IOS-XE-dhcp-oper:dhcpv4-server-oper";
        let url = self.url(BINDINGS);
        let ans = match self.call(Method::GET, BINDINGS, None).await {
            Ok(a) => a,
            Err(e) if e.status() == Some(404) => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        if ans.status == 204 || ans.text.trim().is_empty() {
            return Ok(vec![]);
        }
        let v = ans.json("GET", &url)?;
        let Some(top) = v.as_object() else {
            return Err(bad("GET", &url, "the answer is not a JSON object"));
        };
        if top.is_empty() {
            return Ok(vec![]);
        }
        let list = top
            .get(member)
            .and_then(Value::as_array)
            .ok_or_else(|| bad("GET", &url, format!("expected {{\"{member}\": [...]}}")))?;
        list.iter()
            .map(|b| parse_binding(b).map_err(|e| bad("GET", &url, e)))
            .collect()
    }

    /// The clear RPC: every automatic binding at once (the only form RESTCONF offers).
    pub async fn clear_all(&self) -> Result<(), DeviceError> {
        let input = serde_json::json!({"Cisco-IOS-XE-rpc:input": {"ip": {"dhcp": {"binding": {
            "all-drop-node-name": "*"}}}}});
        self.call(Method::POST, CLEAR, Some(&input))
            .await
            .map(|_| ())
    }
}

/// The model from the three sections.
fn assemble(
    read: DhcpRead,
    enable: bool,
    interfaces: Interfaces,
    mut notes: Vec<String>,
) -> RcLive {
    for v in &read.vrf_exclusions {
        notes.push(format!(
            "VRF exclusion {v} is not managed; kept on every write"
        ));
    }
    for (name, a, how) in &interfaces.unmanaged {
        notes.push(format!(
            "helper address {name}: {a} ({how}) is not managed; kept"
        ));
    }
    for (pool, members) in &read.carried {
        notes.push(format!(
            "pool `{pool}` also has {} (not modelled; carried back on every write)",
            members.join(", ")
        ));
    }
    let live = LiveConfig {
        server: Server {
            enable,
            excluded_addresses: read.exclusions.clone(),
            relay_agents: interfaces.relays.clone(),
        },
        pools: read.pools.clone(),
        unmanageable: read.unmanageable.clone(),
        notes,
    };
    RcLive {
        live,
        dhcp: read,
        interfaces,
        etag: None,
    }
}

/// One `dhcpv4-server-oper` entry. `client-id` is the MAC, with a leading `01` type byte
/// when the client sent one.
pub fn parse_binding(b: &Value) -> Result<Binding, String> {
    let ip: Ipv4Addr = b
        .get("client-ip")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or("a binding without client-ip")?;
    let id = b
        .get("client-id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    let bytes = hex::decode(&hex).map_err(|_| format!("binding {ip}: client-id `{id}`"))?;
    let mac = match bytes.as_slice() {
        [1, rest @ ..] | rest if rest.len() == 6 => Mac(rest
            .try_into()
            .map_err(|_| format!("binding {ip}: client-id `{id}`"))?),
        _ => {
            return Err(format!(
                "binding {ip}: client-id `{id}` is not a MAC address"
            ));
        }
    };
    let kind = match b.get("type").and_then(Value::as_str).unwrap_or_default() {
        t if t.ends_with("manual") => BindingType::Manual,
        t if t.ends_with("automatic") => BindingType::Automatic,
        other => return Err(format!("binding {ip}: unknown type `{other}`")),
    };
    let exp = b.get("expiration");
    let expires = match exp {
        Some(e) if e.get("infinite").is_some() => None,
        Some(e) => e.get("time").and_then(Value::as_str).map(str::to_string),
        None => None,
    };
    Ok(Binding {
        ip,
        mac,
        expires,
        kind,
    })
}
