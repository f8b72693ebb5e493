//! The F5 Distributed Cloud site API for DHCP leases (read-only).

use crate::device::http::{DeviceError, Http, Idempotency, Secret};
use crate::model::{Lease, SubnetUsage};
use reqwest::Method;
use serde_json::Value;

pub struct F5Xc {
    http: Http,
    base: String,
    namespace: String,
    site: String,
    token: Secret,
}

#[derive(Debug, Clone, Default)]
pub struct Leases {
    pub leases: Vec<Lease>,
    pub subnets: Vec<SubnetUsage>,
}

impl F5Xc {
    pub fn new(http: Http, base: &str, namespace: &str, site: &str, token: Secret) -> F5Xc {
        F5Xc {
            http,
            base: base.trim_end_matches('/').into(),
            namespace: namespace.into(),
            site: site.into(),
            token,
        }
    }

    pub fn url(&self) -> String {
        format!(
            "{}/api/operate/namespaces/{}/sites/{}/ver/dhcp_leases",
            self.base, self.namespace, self.site
        )
    }

    /// `GET .../ver/dhcp_leases` with `Authorization: APIToken <token>`.
    pub async fn leases(&self) -> Result<Leases, DeviceError> {
        let url = self.url();
        let auth = format!("APIToken {}", self.token.expose());
        let ans = self
            .http
            .send(
                Method::GET,
                &url,
                &[("Authorization", &auth, true)],
                None,
                None,
                Idempotency::Idempotent,
            )
            .await?;
        let v = ans.json("GET", &url)?;
        parse_leases(&v).map_err(|detail| DeviceError::BadAnswer {
            method: "GET".into(),
            url,
            detail,
        })
    }
}

/// An optional text field: absent (a zero value the API may omit) is "".
fn text(v: &Value, k: &str) -> Result<String, String> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{k}: expected a string, found {other}")),
    }
}

/// A field that must be there and readable as `T`.
fn required<T: std::str::FromStr>(v: &Value, k: &str, what: &str) -> Result<T, String> {
    let s = text(v, k)?;
    if s.is_empty() {
        return Err(format!("{what} without `{k}`: {v}"));
    }
    s.trim()
        .parse()
        .map_err(|_| format!("{what}: `{k}` {s:?} is not readable"))
}

/// Integers may come as numbers or as strings (64-bit values); absent means zero.
fn count(v: &Value, k: &str) -> Result<u64, String> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!("{k}: expected a count, found {n}")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{k}: expected a count, found {s:?}")),
        Some(other) => Err(format!("{k}: expected a count, found {other}")),
    }
}

/// Reads a `dhcp_leases` answer strictly: an object holding `lease_info` or `subnet_info`
/// (zero values may be omitted, but an answer with neither is not the resource), every lease
/// with a readable IP and MAC, every subnet with a readable network and sane counts.
pub fn parse_leases(v: &Value) -> Result<Leases, String> {
    let Some(m) = v.as_object() else {
        return Err(format!("expected a JSON object, found {v}"));
    };
    if m.contains_key("code") && m.contains_key("message") {
        return Err(format!(
            "the answer is an error: {}",
            crate::device::http::error_text(&v.to_string())
        ));
    }
    if !m.contains_key("lease_info") && !m.contains_key("subnet_info") {
        return Err(format!(
            "neither lease_info nor subnet_info: not the DHCP leases of a site: {}",
            crate::device::http::excerpt(&v.to_string())
        ));
    }
    let list = |k: &str| -> Result<Vec<Value>, String> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(vec![]),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(other) => Err(format!("{k}: expected a list, found {other}")),
        }
    };
    let mut out = Leases::default();
    for l in list("lease_info")? {
        out.leases.push(Lease {
            ip: required(&l, "ip", "a lease")?,
            mac: required(&l, "mac", "a lease")?,
            hostname: text(&l, "hostname")?,
            interface: text(&l, "interface")?,
            subnet: text(&l, "subnet")?,
            expiry: text(&l, "expiry")?,
        });
    }
    for s in list("subnet_info")? {
        let subnet: ipnet::Ipv4Net = required(&s, "subnet", "a subnet")?;
        let address_count = count(&s, "address_count")?;
        let free_address_count = count(&s, "free_address_count")?;
        if free_address_count > address_count {
            return Err(format!(
                "subnet {subnet}: free_address_count {free_address_count} exceeds \
                address_count {address_count}"
            ));
        }
        out.subnets.push(SubnetUsage {
            subnet: subnet.to_string(),
            interface: text(&s, "interface")?,
            address_count,
            free_address_count,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_reads_refuse_what_is_not_the_leases() {
        assert!(parse_leases(&json!({})).is_err(), "an empty object");
        assert!(parse_leases(&json!({"code": 5, "message": "not found"})).is_err());
        assert!(parse_leases(&json!([])).is_err());
        let bad_mac = json!({"lease_info": [{"ip": "10.0.0.5", "mac": "unknown"}]});
        assert!(parse_leases(&bad_mac).unwrap_err().contains("mac"));
        let no_ip = json!({"lease_info": [{"mac": "02:03:04:05:06:07"}]});
        assert!(parse_leases(&no_ip).unwrap_err().contains("ip"));
        let over = json!({"subnet_info": [{"subnet": "10.0.0.0/24", "address_count": 5,
            "free_address_count": 6}]});
        assert!(parse_leases(&over).is_err());
    }

    #[test]
    fn zero_values_may_be_omitted() {
        let v = json!({"subnet_info": [{"subnet": "10.0.0.0/24", "address_count": "200"}]});
        let l = parse_leases(&v).unwrap();
        assert_eq!(l.subnets[0].free_address_count, 0);
        assert!(l.leases.is_empty());
        let v = json!({"lease_info": [{"ip": "10.0.0.5", "mac": "02:03:04:05:06:07"}]});
        assert_eq!(parse_leases(&v).unwrap().leases[0].hostname, "");
    }
}
