//! Emulated device state: what a device holds, the answer forms it sends, seeds and leases.

use super::wire;
use crate::model::{Mac, Pool, PoolKind, Server};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// A device's state in file form: the seed format of `sim/NAME.json` and what is persisted.
/// `dhcp` is a `GET /api/v1/dhcp` body and `pools` are pool objects, in any spelling the API
/// document uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceSeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp: Option<Value>,
    pub pools: Vec<Value>,
    /// Automatic bindings already held.
    pub bindings: Vec<SeedBinding>,
    /// Simulated clients that take leases from dynamic pools when the seed is loaded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientRequest>,
    /// F5 XC sites served by this device, keyed `namespace/site`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub f5: BTreeMap<String, F5Site>,
    /// F5 XC `network_interface` objects `{metadata, spec[, resource_version]}`, keyed
    /// `namespace/name`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub f5_interfaces: BTreeMap<String, Value>,
    /// The RESTCONF personality: `service`, `dhcp` (`native/ip/dhcp` as answered),
    /// `interface` (one list per type), `bindings` (oper entries), `saved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restconf: Option<super::rc_tree::Tree>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SeedBinding {
    pub ip: Ipv4Addr,
    pub mac: String,
    /// `YYYY:MM:DD HH:MM`, or absent for infinite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Clients asking for leases: `{"pool": "staff", "count": 3}` or `{"pool": "staff", "mac": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClientRequest {
    pub pool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// The F5 XC `dhcp_leases` answer of one site, as the document's schema has it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct F5Site {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lease_info: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnet_info: Vec<Value>,
}

/// The whole emulator state (`sim serve --state FILE`): `{"devices": {"NAME": <seed>}}`.
/// Anything else is refused, never overwritten.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimState {
    pub devices: BTreeMap<String, DeviceSeed>,
}

#[derive(Debug, Clone)]
pub struct SimPool {
    pub answer: Value,
    pub pool: Pool,
}

#[derive(Debug, Clone)]
pub struct AutoBinding {
    pub mac: Mac,
    pub expires: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DeviceSim {
    pub server_answer: Value,
    pub server: Server,
    pub pools: BTreeMap<String, SimPool>,
    pub auto: BTreeMap<Ipv4Addr, AutoBinding>,
    pub tokens: BTreeSet<String>,
    pub f5: BTreeMap<String, F5Site>,
    /// F5 XC `network_interface` objects, keyed `namespace/name`.
    pub f5_ifaces: BTreeMap<String, super::f5::Stored>,
    /// The RESTCONF personality's state (created on its first request).
    pub restconf: Option<super::rc_tree::Tree>,
    /// Pools with neither dynamic nor manual (IOS allows pools of options only), as answered.
    /// Only seeds make them; the API refuses to create one.
    pub option_only: BTreeMap<String, Value>,
    mac_seq: u32,
}

impl Default for DeviceSim {
    fn default() -> Self {
        DeviceSim {
            server_answer: json!({ "kind": "object#dhcp-server", "enable": true }),
            server: Server::default(),
            pools: BTreeMap::new(),
            auto: BTreeMap::new(),
            tokens: BTreeSet::new(),
            f5: BTreeMap::new(),
            f5_ifaces: BTreeMap::new(),
            restconf: None,
            option_only: BTreeMap::new(),
            mac_seq: 0,
        }
    }
}

/// Why the emulator refuses a write: 400 for a bad body, 404 unknown, 409 conflicts.
#[derive(Debug)]
pub enum Refusal {
    Bad(String),
    NotFound(String),
    Conflict(String),
}

impl From<String> for Refusal {
    fn from(e: String) -> Self {
        Refusal::Bad(e)
    }
}

fn non_empty(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    })
}

/// The answer form of a server body: the GET example's spellings, values as written, empty
/// lists omitted.
fn server_answer(body: &Value, s: &Server) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("object#dhcp-server"));
    out.insert("enable".into(), json!(s.enable));
    let m = body.as_object();
    let pick = |keys: &[&str]| m.and_then(|m| keys.iter().find_map(|k| m.get(*k)));
    if let Some(Value::Array(items)) = pick(&["excluded-addresses", "excluded-address"])
        && !items.is_empty()
    {
        let list: Vec<Value> = items
            .iter()
            .map(|i| {
                let mut e = Map::new();
                e.insert("kind".into(), json!("object#dhcp-server-excluded-address"));
                for k in ["low-ip-address", "high-ip-address"] {
                    if let Some(v) = i.get(k) {
                        e.insert(k.into(), v.clone());
                    }
                }
                Value::Object(e)
            })
            .collect();
        out.insert("excluded-addresses".into(), Value::Array(list));
    }
    if let Some(Value::Array(items)) = pick(&["relay-agents", "relay-agent"])
        && !items.is_empty()
    {
        let list: Vec<Value> = items
            .iter()
            .map(|i| {
                let iface = i
                    .get("interface-name")
                    .or_else(|| i.get("interface"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let addrs = match i.get("addresses").or_else(|| i.get("address")) {
                    Some(Value::String(s)) => json!([s]),
                    Some(v) => v.clone(),
                    None => json!([]),
                };
                json!({ "kind": "object#dhcp-server-relay-agent", "interface-name": iface,
                    "addresses": addrs })
            })
            .collect();
        out.insert("relay-agents".into(), Value::Array(list));
    }
    Value::Object(out)
}

/// The answer form of a pool: `poolName`, dotted MAC, default lease and empty options omitted.
fn pool_answer(name: &str, body: &Value, p: &Pool) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("object#dhcp-server-pool"));
    out.insert("poolName".into(), json!(name));
    match &p.kind {
        PoolKind::Dynamic { lease, .. } => {
            let d = body.get("dynamic");
            let mut dm = Map::new();
            if let Some(r) = d.and_then(|d| d.get("address-range")) {
                dm.insert("address-range".into(), r.clone());
            }
            if *lease != Default::default()
                && let Some(l) = d.and_then(|d| d.get("lease-duration"))
            {
                dm.insert("lease-duration".into(), l.clone());
            }
            out.insert("dynamic".into(), Value::Object(dm));
        }
        PoolKind::Manual {
            host,
            mac,
            client_name,
        } => {
            out.insert(
                "manual".into(),
                wire::manual_answer(*host, mac, client_name.as_deref()),
            );
        }
    }
    if let Some(Value::Object(o)) = body.get("options") {
        let kept: Map<String, Value> = o
            .iter()
            .filter(|(_, v)| non_empty(Some(v)).is_some())
            .map(|(k, v)| match (k.as_str(), v) {
                // the document's answers always show address lists as arrays
                ("default-gateway" | "dns-servers" | "netbios-name-servers", Value::String(_)) => {
                    (k.clone(), Value::Array(vec![v.clone()]))
                }
                _ => (k.clone(), v.clone()),
            })
            .collect();
        if !kept.is_empty() {
            out.insert("options".into(), Value::Object(kept));
        }
    }
    Value::Object(out)
}

impl DeviceSim {
    pub fn from_seed(seed: &DeviceSeed) -> Result<DeviceSim, String> {
        let mut d = DeviceSim {
            restconf: seed.restconf.clone(),
            ..DeviceSim::default()
        };
        if let Some(dhcp) = &seed.dhcp {
            d.load_server(dhcp)
                .map_err(|r| format!("dhcp: {}", refusal_text(&r)))?;
        }
        for p in &seed.pools {
            let name = p.get("poolName").or_else(|| p.get("pool-name"));
            if p.get("dynamic").is_none()
                && p.get("manual").is_none()
                && let Some(Value::String(name)) = name
            {
                d.option_only.insert(name.clone(), p.clone());
                continue;
            }
            d.create_pool(p)
                .map_err(|r| format!("pool: {}", refusal_text(&r)))?;
        }
        for b in &seed.bindings {
            let mac: Mac = b
                .mac
                .parse()
                .map_err(|e| format!("binding {}: {e}", b.ip))?;
            d.auto.insert(
                b.ip,
                AutoBinding {
                    mac,
                    expires: b.expires.clone(),
                },
            );
        }
        for c in &seed.clients {
            d.lease(c)
                .map_err(|r| format!("clients: {}", refusal_text(&r)))?;
        }
        d.f5 = seed.f5.clone();
        for (key, object) in &seed.f5_interfaces {
            if key.split('/').count() != 2 {
                return Err(format!("f5_interfaces: key {key:?} is not namespace/name"));
            }
            let stored = super::f5::Stored::from_seed(object).map_err(|e| format!("{key}: {e}"))?;
            super::f5::check(&stored.object["spec"]).map_err(|e| format!("{key}: {e}"))?;
            d.f5_ifaces.insert(key.clone(), stored);
        }
        Ok(d)
    }

    pub fn to_seed(&self) -> DeviceSeed {
        DeviceSeed {
            dhcp: Some(self.server_answer.clone()),
            pools: self.pool_answers(),
            bindings: self
                .auto
                .iter()
                .map(|(ip, b)| SeedBinding {
                    ip: *ip,
                    mac: b.mac.dotted(),
                    expires: b.expires.clone(),
                })
                .collect(),
            clients: vec![],
            f5: self.f5.clone(),
            f5_interfaces: self
                .f5_ifaces
                .iter()
                .map(|(k, s)| (k.clone(), s.to_seed()))
                .collect(),
            restconf: self.restconf.clone(),
        }
    }

    /// `PUT /api/v1/dhcp`: both lists are replaced whole. `enable` and `excluded-addresses`
    /// are mandatory.
    pub fn put_server(&mut self, body: &Value) -> Result<(), Refusal> {
        let m = body
            .as_object()
            .ok_or_else(|| Refusal::Bad("expected a JSON object".into()))?;
        if !m.contains_key("enable") {
            return Err(Refusal::Bad("enable is mandatory".into()));
        }
        if !m.contains_key("excluded-addresses") && !m.contains_key("excluded-address") {
            return Err(Refusal::Bad("excluded-addresses is mandatory".into()));
        }
        self.load_server(body)
    }

    /// Takes a server body in answer form (a seed or persisted state: omitted lists are empty).
    pub fn load_server(&mut self, body: &Value) -> Result<(), Refusal> {
        let s = wire::server(body)?;
        self.server_answer = server_answer(body, &s);
        self.server = s;
        Ok(())
    }

    fn check_pool(&self, name: &str, p: &Pool) -> Result<(), Refusal> {
        if let PoolKind::Dynamic { network, .. } = &p.kind {
            if network.prefix_len() > 30 {
                return Err(Refusal::Bad(format!(
                    "address-range {network}: prefix too long for a pool"
                )));
            }
            for (other, op) in &self.pools {
                if other != name
                    && let Some(n) = op.pool.kind.network()
                    && (n.contains(&network.network()) || network.contains(&n.network()))
                {
                    return Err(Refusal::Conflict(format!(
                        "{network} overlaps pool {other} ({n})"
                    )));
                }
            }
        }
        Ok(())
    }

    fn parse_body_pool(body: &Value) -> Result<(String, Pool), Refusal> {
        let (name, pool) = wire::pool(body)?;
        if let Some(r) = body
            .get("dynamic")
            .and_then(|d| d.get("address-range"))
            .and_then(Value::as_str)
            && let Ok(n) = r.trim().parse::<ipnet::Ipv4Net>()
            && n.addr() != n.network()
        {
            return Err(Refusal::Bad(format!("address-range {r}: host bits set")));
        }
        if let Some(l) = body
            .get("dynamic")
            .and_then(|d| d.get("lease-duration"))
            .and_then(Value::as_object)
        {
            if l.contains_key("hours") && !l.contains_key("days") {
                return Err(Refusal::Bad(
                    "lease-duration: days is mandatory when hours is given".into(),
                ));
            }
            if l.contains_key("minutes") && !l.contains_key("hours") {
                return Err(Refusal::Bad(
                    "lease-duration: hours is mandatory when minutes is given".into(),
                ));
            }
        }
        Ok((name, pool))
    }

    /// Every pool as answered, in name order (option-only pools included).
    pub fn pool_answers(&self) -> Vec<Value> {
        let mut all: BTreeMap<&String, &Value> =
            self.pools.iter().map(|(n, p)| (n, &p.answer)).collect();
        all.extend(self.option_only.iter());
        all.into_values().cloned().collect()
    }

    /// One pool as answered.
    pub fn pool_answer(&self, name: &str) -> Option<&Value> {
        self.pools
            .get(name)
            .map(|p| &p.answer)
            .or_else(|| self.option_only.get(name))
    }

    /// Nothing was ever configured: the server at its defaults and no pool.
    pub fn unconfigured(&self) -> bool {
        self.server == Server::default() && self.pools.is_empty() && self.option_only.is_empty()
    }

    /// `POST /api/v1/dhcp/pool`.
    pub fn create_pool(&mut self, body: &Value) -> Result<String, Refusal> {
        let (name, pool) = Self::parse_body_pool(body)?;
        if name.is_empty() || name.contains('/') {
            return Err(Refusal::Bad(format!("poolName `{name}` is not valid")));
        }
        if self.pools.contains_key(&name) || self.option_only.contains_key(&name) {
            return Err(Refusal::Conflict(format!("pool {name} already exists")));
        }
        self.check_pool(&name, &pool)?;
        self.pools.insert(
            name.clone(),
            SimPool {
                answer: pool_answer(&name, body, &pool),
                pool,
            },
        );
        Ok(name)
    }

    /// `PUT /api/v1/dhcp/pool/{name}`: replaces the whole pool; its kind cannot change.
    pub fn replace_pool(&mut self, name: &str, body: &Value) -> Result<(), Refusal> {
        let Some(existing) = self.pools.get(name) else {
            return Err(Refusal::NotFound(format!("pool {name} does not exist")));
        };
        let (body_name, pool) = Self::parse_body_pool(body)?;
        if body_name != name {
            return Err(Refusal::Bad(format!(
                "poolName {body_name} does not match the URL's pool {name}"
            )));
        }
        if existing.pool.kind.is_dynamic() != pool.kind.is_dynamic() {
            return Err(Refusal::Conflict(format!(
                "pool {name} is of another type: only one of the types can exist in a given pool"
            )));
        }
        self.check_pool(name, &pool)?;
        self.pools.insert(
            name.to_string(),
            SimPool {
                answer: pool_answer(name, body, &pool),
                pool,
            },
        );
        Ok(())
    }

    /// `DELETE /api/v1/dhcp/pool/{name}`: automatic bindings of the pool go with it.
    pub fn delete_pool(&mut self, name: &str) -> Result<(), Refusal> {
        if self.option_only.remove(name).is_some() {
            return Ok(());
        }
        let p = self
            .pools
            .remove(name)
            .ok_or_else(|| Refusal::NotFound(format!("pool {name} does not exist")))?;
        if let Some(net) = p.pool.kind.network() {
            self.auto.retain(|ip, _| !net.contains(ip));
        }
        Ok(())
    }

    /// Every binding: automatic ones and the manual pools.
    pub fn bindings(&self) -> Vec<Value> {
        let mut all: BTreeMap<Ipv4Addr, Value> = BTreeMap::new();
        for (ip, b) in &self.auto {
            all.insert(
                *ip,
                json!({
                    "kind": "object#dhcp-server-binding",
                    "host-ip-address": ip.to_string(),
                    "mac-address": b.mac.dotted(),
                    "lease-expiration-time": b.expires.clone().unwrap_or_else(|| "infinite".into()),
                    "type": "automatic",
                }),
            );
        }
        for p in self.pools.values() {
            if let PoolKind::Manual { host, mac, .. } = &p.pool.kind {
                all.insert(
                    *host,
                    json!({
                        "kind": "object#dhcp-server-binding",
                        "host-ip-address": host.to_string(),
                        "mac-address": mac.dotted(),
                        "lease-expiration-time": "infinite",
                        "type": "manual",
                    }),
                );
            }
        }
        all.into_values().collect()
    }

    fn next_mac(&mut self) -> Mac {
        loop {
            self.mac_seq = self.mac_seq.wrapping_add(1);
            let b = self.mac_seq.to_be_bytes();
            let mac = Mac([0x02, 0x5e, b[0], b[1], b[2], b[3]]);
            if !self.auto.values().any(|a| a.mac == mac) {
                return mac;
            }
        }
    }

    /// Simulated clients take leases from a dynamic pool: the lowest free addresses that are
    /// not excluded, not the network or broadcast address and not bound manually.
    pub fn lease(&mut self, req: &ClientRequest) -> Result<Vec<Ipv4Addr>, Refusal> {
        if !self.server.enable {
            return Err(Refusal::Conflict("the DHCP service is disabled".into()));
        }
        let pool = self
            .pools
            .get(&req.pool)
            .ok_or_else(|| Refusal::NotFound(format!("pool {} does not exist", req.pool)))?;
        let PoolKind::Dynamic { network, lease } = pool.pool.kind.clone() else {
            return Err(Refusal::Bad(format!(
                "pool {} is a manual binding",
                req.pool
            )));
        };
        let count = if req.mac.is_some() {
            1
        } else {
            req.count.unwrap_or(1)
        };
        let fixed_mac = match &req.mac {
            Some(m) => Some(m.parse::<Mac>().map_err(|e| Refusal::Bad(e.0))?),
            None => None,
        };
        let manual: BTreeSet<Ipv4Addr> = self
            .pools
            .values()
            .filter_map(|p| match &p.pool.kind {
                PoolKind::Manual { host, .. } => Some(*host),
                _ => None,
            })
            .collect();
        let expires = match lease {
            crate::model::LeaseDuration::Infinite => None,
            crate::model::LeaseDuration::Minutes(m) => {
                Some(expiry_text(std::time::SystemTime::now(), u64::from(m)))
            }
        };
        let mut taken = Vec::new();
        for ip in network.hosts() {
            if taken.len() as u32 >= count {
                break;
            }
            if self.auto.contains_key(&ip)
                || manual.contains(&ip)
                || self
                    .server
                    .excluded_addresses
                    .iter()
                    .any(|r| r.contains(ip))
            {
                continue;
            }
            let mac = match fixed_mac {
                Some(m) => {
                    // a client that already holds a lease keeps it
                    if let Some((held, _)) = self.auto.iter().find(|(_, b)| b.mac == m) {
                        return Ok(vec![*held]);
                    }
                    m
                }
                None => self.next_mac(),
            };
            self.auto.insert(
                ip,
                AutoBinding {
                    mac,
                    expires: expires.clone(),
                },
            );
            taken.push(ip);
        }
        if (taken.len() as u32) < count {
            // all or nothing: the leases taken for this request are given back
            for ip in &taken {
                self.auto.remove(ip);
            }
            return Err(Refusal::Conflict(format!(
                "pool {} has only {} free addresses, {count} asked for: none leased",
                req.pool,
                taken.len()
            )));
        }
        Ok(taken)
    }

    pub fn take_leases(&mut self, body: &Value) -> axum::response::Response {
        use axum::response::IntoResponse;
        let req: ClientRequest = match serde_json::from_value(body.clone()) {
            Ok(r) => r,
            Err(e) => {
                return super::error(
                    axum::http::StatusCode::BAD_REQUEST,
                    400,
                    &format!("clients: {e}"),
                );
            }
        };
        match self.lease(&req) {
            Ok(ips) => axum::Json(json!({ "leased": ips })).into_response(),
            Err(r) => refusal_response(&r),
        }
    }
}

pub fn refusal_text(r: &Refusal) -> &str {
    match r {
        Refusal::Bad(m) | Refusal::NotFound(m) | Refusal::Conflict(m) => m,
    }
}

pub fn refusal_response(r: &Refusal) -> axum::response::Response {
    use axum::http::StatusCode;
    match r {
        Refusal::Bad(m) => super::error(StatusCode::BAD_REQUEST, 400, m),
        Refusal::NotFound(m) => super::error(StatusCode::NOT_FOUND, 404, m),
        Refusal::Conflict(m) => super::error(StatusCode::CONFLICT, 409, m),
    }
}

/// `YYYY:MM:DD HH:MM` (UTC) of `now + minutes`.
pub fn expiry_text(now: std::time::SystemTime, minutes: u64) -> String {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + minutes * 60;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}:{m:02}:{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_format() {
        // 2013-02-01 01:00 UTC
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_359_680_400);
        assert_eq!(expiry_text(t, 0), "2013:02:01 01:00");
        assert_eq!(expiry_text(t, 60 * 24 * 29), "2013:03:02 01:00");
    }
}
