//! The state of a RESTCONF device: the native subtrees dhcpform touches, kept as the JSON a
//! device answers (so members nobody models survive every write), plus the DHCP bindings in
//! the oper data's form and how often the configuration was saved.

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::net::Ipv4Addr;

/// A JSON object's members.
pub type Object = Map<String, Value>;

/// A refused request: status, error tag, path and message.
pub struct Refused(pub StatusCode, pub &'static str, pub String);

impl Refused {
    pub fn bad(message: impl Into<String>) -> Refused {
        Refused(StatusCode::BAD_REQUEST, "invalid-value", message.into())
    }
    /// A method the resource does not take.
    pub fn method() -> Refused {
        Refused(
            StatusCode::METHOD_NOT_ALLOWED,
            "operation-not-supported",
            "method not allowed".into(),
        )
    }
    pub fn missing(message: impl Into<String>) -> Refused {
        Refused(StatusCode::NOT_FOUND, "invalid-value", message.into())
    }
    /// What IOS answers when its parser refuses a change.
    pub fn inconsistent(detail: impl Into<String>) -> Refused {
        Refused(
            StatusCode::BAD_REQUEST,
            "invalid-value",
            format!(
                "inconsistent value: Device refused one or more commands ({})",
                detail.into()
            ),
        )
    }
}

pub type Answer = Result<(StatusCode, Option<Value>), Refused>;

const EXCL: &str = "Cisco-IOS-XE-dhcp:excluded-address";
const POOLS: &str = "Cisco-IOS-XE-dhcp:pool";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Tree {
    /// `native/service`: `dhcp-config` (absent: the server is on).
    pub service: Object,
    /// `native/ip/dhcp`: `Cisco-IOS-XE-dhcp:excluded-address`, `Cisco-IOS-XE-dhcp:pool` and
    /// anything else, as sent.
    pub dhcp: Object,
    /// `native/interface`: one list per type, entries keyed `name`.
    pub interface: Object,
    /// `dhcpv4-server-oper` entries.
    pub bindings: Vec<Value>,
    /// Times `cisco-ia:save-config` ran.
    pub saved: u64,
    /// The running datastore's version: its entity tag, moved on by every write (one tag for
    /// the whole datastore, as the Tail-f engine behind IOS XE's RESTCONF keeps it).
    pub version: u64,
}

/// A new router: three GigabitEthernet ports and VLAN 1, no DHCP configuration.
pub fn default_tree() -> Tree {
    let mut interface = Object::new();
    interface.insert(
        "GigabitEthernet".into(),
        json!([{"name": "1"}, {"name": "2"}, {"name": "3"}]),
    );
    interface.insert("Vlan".into(), json!([{"name": 1}]));
    Tree {
        interface,
        ..Tree::default()
    }
}

/// The one pool of a `{"Cisco-IOS-XE-dhcp:pool": [{...}]}` body, keys first.
pub fn one_pool(body: &Value) -> Result<Object, Refused> {
    let list = body
        .get(POOLS)
        .and_then(Value::as_array)
        .ok_or_else(|| Refused::bad(format!("expected {{\"{POOLS}\": [{{...}}]}}")))?;
    let [Value::Object(pool)] = list.as_slice() else {
        return Err(Refused::bad("expected exactly one pool"));
    };
    if pool.keys().next().map(String::as_str) != Some("id") {
        return Err(Refused::bad("missing element: id (list keys come first)"));
    }
    Ok(pool.clone())
}

/// A network from `number` and a dotted or `/nn` mask.
fn network(v: Option<&Value>) -> Option<ipnet::Ipv4Net> {
    let v = v?;
    let number: Ipv4Addr = v.get("number")?.as_str()?.parse().ok()?;
    let mask = v.get("mask")?;
    let prefix = match mask {
        Value::String(m) => match m.trim_start_matches('/').parse::<u8>() {
            Ok(p) => p,
            Err(_) => ipnet::ipv4_mask_to_prefix(m.parse().ok()?).ok()?,
        },
        Value::Number(n) => u8::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    ipnet::Ipv4Net::new(number, prefix).ok()
}

fn pool_network(p: &Object) -> Option<ipnet::Ipv4Net> {
    network(p.get("network").and_then(|n| n.get("primary-network")))
}

/// Dynamic and manual are exclusive; `hardware-address` and `client-identifier` are a
/// choice; lease values in range.
fn check_pool(p: &Object) -> Result<(), Refused> {
    let dynamic = p
        .get("network")
        .and_then(|n| n.get("primary-network"))
        .is_some();
    let manual = ["host", "hardware-address", "client-identifier"]
        .iter()
        .any(|k| p.contains_key(*k));
    if dynamic && manual {
        return Err(Refused::inconsistent(
            "the host command may not be used with network pools and vice versa",
        ));
    }
    if p.contains_key("hardware-address") && p.contains_key("client-identifier") {
        return Err(Refused::bad(
            "hardware-address and client-identifier are one choice",
        ));
    }
    if let Some(v) = p.get("lease").and_then(|l| l.get("lease-value")) {
        for (k, max) in [("days", 365), ("hours", 23), ("minutes", 59)] {
            let n = v
                .get(k)
                .map(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()));
            if matches!(n, Some(None)) || n.flatten().is_some_and(|n| n > max) {
                return Err(Refused::bad(format!("lease {k}: 0..{max}")));
            }
        }
    }
    if dynamic && pool_network(p).is_none() {
        return Err(Refused::bad("network: a number and a mask are required"));
    }
    Ok(())
}

fn key_of(entry: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match entry.get(*k) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        })
        .collect()
}

const EXCL_LISTS: [(&str, &[&str]); 4] = [
    ("low-address-list", &["low-address"]),
    ("low-high-address-list", &["low-address", "high-address"]),
    ("vrf-low-address-list", &["vrf", "low-address"]),
    (
        "vrf-low-high-address-list",
        &["vrf", "low-address", "high-address"],
    ),
];

impl Tree {
    pub fn bindings(&self) -> Vec<Value> {
        self.bindings.clone()
    }

    fn pools_mut(&mut self) -> Result<&mut Vec<Value>, Refused> {
        self.dhcp
            .entry(POOLS)
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(|| Refused::bad("the pool list is malformed"))
    }

    pub fn pool(&self, name: &str) -> Option<&Value> {
        self.dhcp
            .get(POOLS)?
            .as_array()?
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(name))
    }

    /// Creates or replaces a pool whole (members not sent are gone, as on a device).
    pub fn put_pool(&mut self, name: &str, pool: Object) -> Result<(), Refused> {
        check_pool(&pool)?;
        if let Some(net) = pool_network(&pool) {
            let others = self.dhcp.get(POOLS).and_then(Value::as_array);
            for other in others.into_iter().flatten() {
                let Some(o) = other.as_object() else { continue };
                if o.get("id").and_then(Value::as_str) == Some(name) {
                    continue;
                }
                if let Some(theirs) = pool_network(o)
                    && (net.contains(&theirs.network()) || theirs.contains(&net.network()))
                {
                    return Err(Refused::inconsistent(format!(
                        "{net} overlaps pool {}",
                        o.get("id").and_then(Value::as_str).unwrap_or_default()
                    )));
                }
            }
        }
        let pools = self.pools_mut()?;
        let new = Value::Object(pool);
        match pools
            .iter_mut()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(name))
        {
            Some(p) => *p = new,
            None => pools.push(new),
        }
        Ok(())
    }

    pub fn delete_pool(&mut self, name: &str) -> bool {
        let Ok(pools) = self.pools_mut() else {
            return false;
        };
        let before = pools.len();
        pools.retain(|p| p.get("id").and_then(Value::as_str) != Some(name));
        let gone = pools.len() < before;
        if pools.is_empty() {
            self.dhcp.remove(POOLS);
        }
        gone
    }

    /// PATCH of `native`: merges exclusion entries (the only part of `native` dhcpform
    /// patches); anything else is refused by this emulator.
    pub fn patch(&mut self, body: &Value) -> Result<(), Refused> {
        let native = body
            .get("Cisco-IOS-XE-native:native")
            .and_then(Value::as_object)
            .ok_or_else(|| Refused::bad("expected {\"Cisco-IOS-XE-native:native\": {...}}"))?;
        let excl = native
            .get("ip")
            .and_then(|ip| ip.get("dhcp"))
            .and_then(|d| d.get(EXCL))
            .and_then(Value::as_object);
        let only_exclusions = native.len() == 1
            && native.get("ip").and_then(Value::as_object).map(Map::len) == Some(1)
            && excl.is_some();
        let (Some(excl), true) = (excl, only_exclusions) else {
            return Err(Refused::bad(
                "the emulator merges only ip/dhcp/Cisco-IOS-XE-dhcp:excluded-address",
            ));
        };
        let target = self.dhcp.entry(EXCL).or_insert_with(|| json!({}));
        for (list, keys) in EXCL_LISTS {
            let Some(Value::Array(add)) = excl.get(list) else {
                continue;
            };
            let have = target
                .as_object_mut()
                .map(|t| t.entry(list).or_insert_with(|| json!([])));
            let Some(Value::Array(have)) = have else {
                continue;
            };
            for e in add {
                if e.as_object()
                    .and_then(|o| o.keys().next())
                    .map(String::as_str)
                    != Some(keys[0])
                {
                    return Err(Refused::bad(format!(
                        "missing element: {} (list keys come first)",
                        keys[0]
                    )));
                }
                if !have.iter().any(|h| key_of(h, keys) == key_of(e, keys)) {
                    have.push(e.clone());
                }
            }
        }
        Ok(())
    }

    /// DELETE of one exclusion: `low-address-list=A` or `low-high-address-list=A,B`.
    pub fn delete_exclusion(&mut self, entry: &str) -> Result<(), Refused> {
        let (list, key) = entry
            .split_once('=')
            .ok_or_else(|| Refused::missing("uri keypath not found"))?;
        let (_, keys) = EXCL_LISTS
            .iter()
            .find(|(l, _)| *l == list)
            .ok_or_else(|| Refused::missing("uri keypath not found"))?;
        let want: Vec<String> = key.split(',').map(String::from).collect();
        let found = self
            .dhcp
            .get_mut(EXCL)
            .and_then(|e| e.get_mut(list))
            .and_then(Value::as_array_mut)
            .and_then(|l| {
                let i = l.iter().position(|e| key_of(e, keys) == want)?;
                l.remove(i);
                Some(())
            });
        found.ok_or_else(|| Refused::missing("uri keypath not found"))
    }

    /// PUT or DELETE of one helper address on `TYPE=NAME`. A PUT on an interface that does
    /// not exist creates it (as IOS would: a merge creates the interface).
    pub fn helper(&mut self, m: &Method, iface: &str, address: &str, body: &Value) -> Answer {
        let (kind, name) = iface
            .split_once('=')
            .ok_or_else(|| Refused::missing("uri keypath not found"))?;
        let entry = |e: &Value| match e.get("name") {
            Some(Value::String(s)) => s == name,
            Some(v @ Value::Number(_)) => name.parse::<u64>().ok() == v.as_u64(),
            Some(_) => false,
            None => false,
        };
        match m.as_str() {
            "PUT" => {
                let sent = body
                    .get("Cisco-IOS-XE-native:helper-address")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .cloned()
                    .ok_or_else(|| Refused::bad("expected a helper-address entry"))?;
                if sent.get("address").and_then(Value::as_str) != Some(address) {
                    return Err(Refused::bad("the address must equal the key in the URL"));
                }
                let Some(list) = self.list_mut(kind) else {
                    return Err(Refused::bad("interface list malformed"));
                };
                if !list.iter().any(entry) {
                    let key = name.parse::<u64>().map_or(json!(name), |n| json!(n));
                    list.push(json!({ "name": key }));
                }
                let Some(i) = list.iter_mut().find(|e| entry(e)) else {
                    return Err(Refused::bad("interface list malformed"));
                };
                let helpers = i
                    .as_object_mut()
                    .map(|o| o.entry("ip").or_insert_with(|| json!({})))
                    .and_then(Value::as_object_mut)
                    .map(|ip| ip.entry("helper-address").or_insert_with(|| json!([])))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| Refused::bad("interface ip malformed"))?;
                let created = match helpers
                    .iter_mut()
                    .find(|h| h.get("address").and_then(Value::as_str) == Some(address))
                {
                    Some(h) => {
                        *h = sent;
                        false
                    }
                    None => {
                        helpers.push(sent);
                        true
                    }
                };
                let status = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::NO_CONTENT
                };
                Ok((status, None))
            }
            "DELETE" => {
                let helpers = self
                    .list_mut(kind)
                    .and_then(|l| l.iter_mut().find(|e| entry(e)))
                    .and_then(|i| i.pointer_mut("/ip/helper-address"))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| Refused::missing("uri keypath not found"))?;
                let before = helpers.len();
                helpers.retain(|h| h.get("address").and_then(Value::as_str) != Some(address));
                if helpers.len() == before {
                    return Err(Refused::missing("uri keypath not found"));
                }
                Ok((StatusCode::NO_CONTENT, None))
            }
            _ => Err(Refused::method()),
        }
    }

    /// The interface list of a type, `outer/inner` inside a container; made when missing.
    fn list_mut(&mut self, kind: &str) -> Option<&mut Vec<Value>> {
        let (outer, inner) = match kind.split_once('/') {
            Some((o, i)) => (o, Some(i)),
            None => (kind, None),
        };
        let v = match inner {
            None => self.interface.entry(outer).or_insert_with(|| json!([])),
            Some(i) => self
                .interface
                .entry(outer)
                .or_insert_with(|| json!({}))
                .as_object_mut()?
                .entry(i)
                .or_insert_with(|| json!([])),
        };
        v.as_array_mut()
    }

    /// Removes every automatic binding; how many.
    pub fn clear_automatic(&mut self) -> usize {
        let before = self.bindings.len();
        self.bindings.retain(|b| {
            b.get("type").and_then(Value::as_str) != Some("dhcp-server-binding-type-automatic")
        });
        before - self.bindings.len()
    }
}
