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

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
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

/// Reads a `dhcp_leases` answer; omitted fields and arrays are their zero values.
pub fn parse_leases(v: &Value) -> Result<Leases, String> {
    if !v.is_object() {
        return Err(format!("expected a JSON object, found {v}"));
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
        let ip_text = text(&l, "ip");
        out.leases.push(Lease {
            ip: ip_text.parse().ok(),
            mac: text(&l, "mac").parse().ok(),
            hostname: text(&l, "hostname"),
            interface: text(&l, "interface"),
            subnet: text(&l, "subnet"),
            expiry: text(&l, "expiry"),
        });
    }
    for s in list("subnet_info")? {
        out.subnets.push(SubnetUsage {
            subnet: text(&s, "subnet"),
            interface: text(&s, "interface"),
            address_count: count(&s, "address_count")?,
            free_address_count: count(&s, "free_address_count")?,
        });
    }
    Ok(out)
}
