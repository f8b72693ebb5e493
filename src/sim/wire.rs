//! The emulator's own reading of request bodies and writing of answer parts. It shares no code
//! with the client's `device::ios_xe::wire` on purpose: a misreading in one must not hide in
//! the other. It accepts what the API document's request examples send (their spellings and
//! their two JSON slips: a trailing comma, and a missing comma between members), as a device
//! that the document describes would.

use crate::model::{
    AddrRange, InterfaceName, LeaseDuration, Mac, NodeType, Pool, PoolKind, PoolOptions, Server,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

type R<T> = Result<T, String>;

/// A request body as JSON: strict first, then with the document's two slips mended.
pub fn body_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text)
        .or_else(|strict| serde_json::from_str(&mend(text)).map_err(|_| strict))
}

/// Where a token leaves the JSON grammar between two values.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    /// Start of text, `{`, `[`, `,` or `:`: a value may follow directly.
    Open,
    /// A value (string, number, literal) or `}`/`]` just ended.
    Value,
}

/// Drops commas directly before `}`/`]` and puts a comma between a value that ended and the
/// next one that starts. Strings are copied untouched.
fn mend(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = Last::Open;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                if last == Last::Value {
                    out.push(',');
                }
                out.push('"');
                let mut escaped = false;
                for (_, s) in chars.by_ref() {
                    out.push(s);
                    match (escaped, s) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
                last = Last::Value;
            }
            ',' => {
                let rest = text[i + 1..].trim_start();
                if !(rest.starts_with('}') || rest.starts_with(']')) {
                    out.push(',');
                    last = Last::Open;
                }
            }
            '{' | '[' => {
                if last == Last::Value {
                    out.push(',');
                }
                out.push(c);
                last = Last::Open;
            }
            '}' | ']' => {
                out.push(c);
                last = Last::Value;
            }
            ':' => {
                out.push(c);
                last = Last::Open;
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                // numbers and literals: a new one after a value needs a comma
                if last == Last::Value {
                    out.push(',');
                }
                out.push(c);
                while let Some((_, n)) = chars.peek() {
                    if n.is_ascii_alphanumeric() || matches!(n, '.' | '-' | '+') {
                        out.push(*n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                last = Last::Value;
            }
        }
    }
    out
}

/// An object being read, named for messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    what: String,
}

impl<'a> Obj<'a> {
    fn of(v: &'a Value, what: impl Into<String>) -> R<Obj<'a>> {
        let what = what.into();
        match v {
            Value::Object(map) => Ok(Obj { map, what }),
            other => Err(format!("{what} must be a JSON object, not {other}")),
        }
    }

    /// The value under the first of `names` that is present and not null.
    fn field(&self, names: &[&str]) -> Option<&'a Value> {
        names
            .iter()
            .filter_map(|n| self.map.get(*n))
            .find(|v| !v.is_null())
    }

    fn need(&self, names: &[&str]) -> R<&'a Value> {
        self.field(names)
            .ok_or_else(|| format!("{}: {} is mandatory", self.what, names[0]))
    }

    fn text(&self, names: &[&str]) -> R<Option<&'a str>> {
        match self.field(names) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.is_empty())),
            Some(v) => Err(format!(
                "{}: {} must be a string, not {v}",
                self.what, names[0]
            )),
        }
    }
}

fn address(v: &Value, what: &str) -> R<Ipv4Addr> {
    v.as_str()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("{what}: `{v}` is not an IPv4 address"))
}

fn addresses(v: &Value, what: &str) -> R<Vec<Ipv4Addr>> {
    match v {
        Value::Array(list) => list.iter().map(|a| address(a, what)).collect(),
        one => Ok(vec![address(one, what)?]),
    }
}

fn flag(v: &Value, what: &str) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("{what}: `{s}` is not a boolean")),
        },
        other => Err(format!("{what}: `{other}` is not a boolean")),
    }
}

fn count(v: &Value, what: &str) -> R<u64> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.ok_or_else(|| format!("{what}: `{v}` is not a whole number"))
}

/// `PUT /api/v1/dhcp` body (or a seed's server in answer form).
pub fn server(v: &Value) -> R<Server> {
    let o = Obj::of(v, "dhcp")?;
    let enable = o
        .field(&["enable"])
        .map(|e| flag(e, "enable"))
        .transpose()?;
    let mut excluded = BTreeSet::new();
    if let Some(list) = o.field(&["excluded-addresses", "excluded-address"]) {
        let Value::Array(items) = list else {
            return Err(format!("excluded-addresses must be a list, not {list}"));
        };
        for item in items {
            let e = Obj::of(item, "excluded-addresses item")?;
            let low = address(e.need(&["low-ip-address"])?, "low-ip-address")?;
            let high = match e.field(&["high-ip-address"]) {
                Some(h) => address(h, "high-ip-address")?,
                None => low,
            };
            if low > high {
                return Err(format!(
                    "excluded range {low}-{high}: high-ip-address is below low-ip-address"
                ));
            }
            excluded.insert(AddrRange { low, high });
        }
    }
    let mut relays: BTreeMap<InterfaceName, BTreeSet<Ipv4Addr>> = BTreeMap::new();
    if let Some(list) = o.field(&["relay-agents", "relay-agent"]) {
        let Value::Array(items) = list else {
            return Err(format!("relay-agents must be a list, not {list}"));
        };
        for item in items {
            let r = Obj::of(item, "relay-agents item")?;
            let iface = r
                .text(&["interface-name", "interface"])?
                .ok_or("relay-agents item: interface-name is mandatory")?;
            let helpers = addresses(r.need(&["addresses", "address"])?, "addresses")?;
            relays
                .entry(InterfaceName::new(iface))
                .or_default()
                .extend(helpers);
        }
    }
    Ok(Server {
        enable: enable.unwrap_or(true),
        excluded_addresses: excluded,
        relay_agents: relays,
    })
}

fn lease(v: &Value) -> R<LeaseDuration> {
    let o = Obj::of(v, "lease-duration")?;
    if let Some(i) = o.field(&["infinite"])
        && flag(i, "infinite")?
    {
        return Ok(LeaseDuration::Infinite);
    }
    let part = |k: &str| o.field(&[k]).map(|p| count(p, k)).transpose();
    match (part("days")?, part("hours")?, part("minutes")?) {
        (None, None, None) => Ok(LeaseDuration::default()),
        (d, h, m) => LeaseDuration::from_parts(d.unwrap_or(0), h.unwrap_or(0), m.unwrap_or(0))
            .map_err(|e| format!("lease-duration: {e}")),
    }
}

fn kind(o: &Obj) -> R<PoolKind> {
    match (o.field(&["dynamic"]), o.field(&["manual"])) {
        (Some(_), Some(_)) => Err("only one of the types can exist in a given pool".into()),
        (None, None) => Err("one of dynamic or manual is mandatory".into()),
        (Some(d), None) => {
            let d = Obj::of(d, "dynamic")?;
            let range = d.need(&["address-range"])?;
            let network: ipnet::Ipv4Net = range
                .as_str()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| format!("address-range: `{range}` is not x.x.x.x/nn"))?;
            let lease = d.field(&["lease-duration"]).map(lease).transpose()?;
            Ok(PoolKind::Dynamic {
                network: network.trunc(),
                lease: lease.unwrap_or_default(),
            })
        }
        (None, Some(m)) => {
            let m = Obj::of(m, "manual")?;
            let host = address(m.need(&["host-ip-address"])?, "host-ip-address")?;
            let mac: Mac = m
                .text(&["mac-address"])?
                .ok_or("manual: mac-address is mandatory")?
                .parse()
                .map_err(|e| format!("mac-address: {e}"))?;
            let client_name = m.text(&["client-name"])?.map(str::to_string);
            Ok(PoolKind::Manual {
                host,
                mac,
                client_name,
            })
        }
    }
}

fn options(o: &Obj) -> R<PoolOptions> {
    let mut out = PoolOptions::default();
    let Some(v) = o.field(&["options"]) else {
        return Ok(out);
    };
    let opts = Obj::of(v, "options")?;
    out.domain_name = opts.text(&["domain-name"])?.map(str::to_string);
    for (key, list) in [
        ("default-gateway", &mut out.default_gateway),
        ("dns-servers", &mut out.dns_servers),
        ("netbios-name-servers", &mut out.netbios_name_servers),
    ] {
        if let Some(v) = opts.field(&[key]) {
            *list = addresses(v, key)?;
            if list.len() > 8 {
                return Err(format!("{key}: at most 8, found {}", list.len()));
            }
        }
    }
    out.netbios_node_type = opts
        .text(&["netbios-node-type"])?
        .map(|t| {
            t.parse::<NodeType>()
                .map_err(|e| format!("netbios-node-type: {e}"))
        })
        .transpose()?;
    Ok(out)
}

/// A pool body of `POST /api/v1/dhcp/pool` or `PUT /api/v1/dhcp/pool/{name}`.
pub fn pool(v: &Value) -> R<(String, Pool)> {
    let o = Obj::of(v, "pool")?;
    let name = o
        .text(&["poolName", "pool-name"])?
        .ok_or("poolName is mandatory")?
        .to_string();
    let kind = kind(&o).map_err(|e| format!("pool {name}: {e}"))?;
    let options = options(&o).map_err(|e| format!("pool {name}: {e}"))?;
    Ok((name, Pool { kind, options }))
}

/// The `manual` part of a pool answer, as a device shows it (dotted MAC).
pub fn manual_answer(host: Ipv4Addr, mac: &Mac, client_name: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("host-ip-address".into(), json!(host.to_string()));
    m.insert("mac-address".into(), json!(mac.dotted()));
    if let Some(c) = client_name {
        m.insert("client-name".into(), json!(c));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_slips_are_mended() {
        let trailing = "{\"a\": [1, 2,],\n \"b\": {\"c\": \"x,\",},}";
        assert_eq!(
            body_json(trailing).unwrap(),
            json!({"a": [1, 2], "b": {"c": "x,"}})
        );
        let missing = "{\n \"a\": \"1\"\n \"b\": true\n \"c\": {}\n \"d\": 5\n}";
        assert_eq!(
            body_json(missing).unwrap(),
            json!({"a": "1", "b": true, "c": {}, "d": 5})
        );
        assert!(body_json("{\"a\": }").is_err());
    }

    #[test]
    fn spellings_of_the_document_are_read() {
        let s = server(&json!({
            "enable": "true",
            "excluded-address": [{"low-ip-address": "10.0.0.1"}],
            "relay-agent": [{"interface": "Gi2", "address": "10.9.9.9"}]
        }))
        .unwrap();
        assert!(s.enable);
        assert_eq!(s.excluded_addresses.len(), 1);
        assert!(
            s.relay_agents
                .contains_key(&InterfaceName::new("GigabitEthernet2"))
        );
        let (name, p) = pool(&json!({
            "pool-name": "p",
            "manual": {"host-ip-address": "10.0.0.5", "mac-address": "00a0.9802.32de"}
        }))
        .unwrap();
        assert_eq!(name, "p");
        assert!(!p.kind.is_dynamic());
        assert!(pool(&json!({"poolName": "x", "dynamic": {}, "manual": {}})).is_err());
    }
}
