//! The F5 Distributed Cloud APIs: a site's DHCP leases (read-only) and the `network_interface`
//! objects holding the DHCP servers (read in the replace form, written whole with
//! `resource_version`; `f5_config` maps their DHCP part).

use crate::model::{Lease, Leases, SubnetUsage};
use crate::platform::http::{DeviceError, Http, Idempotency, Secret};
use reqwest::Method;
use serde_json::Value;

pub struct F5Xc {
    http: Http,
    base: String,
    namespace: String,
    site: String,
    token: Secret,
}

/// One `network_interface` as read in the replace form.
#[derive(Debug, Clone)]
pub struct InterfaceForm {
    /// `replace_form`: `{metadata, spec}` exactly as answered.
    pub form: serde_json::Value,
    pub resource_version: String,
    pub dhcp: Option<crate::model::f5::F5DhcpServer>,
    /// Whether it is an ethernet interface (only those hold a DHCP server).
    pub ethernet: bool,
    /// Without a DHCP server: `dhcp-client` or `static-ip` when one of those is set.
    pub addressing: Option<&'static str>,
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

    /// `{base}/api/config/namespaces/{ns}/network_interfaces[/{name}]`.
    pub fn config_url(&self, name: Option<&str>) -> String {
        match name {
            Some(n) => format!(
                "{}{}",
                self.base,
                super::lower::interface_path(&self.namespace, n)
            ),
            None => format!(
                "{}{}",
                self.base,
                super::lower::interfaces_path(&self.namespace)
            ),
        }
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<crate::platform::http::Answer, DeviceError> {
        let auth = format!("APIToken {}", self.token.expose());
        let idem = if method == Method::PUT {
            // a PUT guarded by resource_version is not repeated blindly: a lost answer would
            // come back as a conflict with our own write
            Idempotency::Unsafe
        } else {
            Idempotency::Idempotent
        };
        self.http
            .send(
                method,
                url,
                &[("Authorization", &auth, true)],
                None,
                body,
                idem,
            )
            .await
    }

    /// `interface_any`, where an interface that is not an ethernet interface (and so cannot
    /// hold a DHCP server) is an error naming it.
    pub async fn interface(&self, name: &str) -> Result<InterfaceForm, DeviceError> {
        let form = self.interface_any(name).await?;
        if !form.ethernet {
            return Err(DeviceError::BadAnswer {
                method: "GET".into(),
                url: format!("{}?response_format=2", self.config_url(Some(name))),
                detail: format!(
                    "network_interface `{name}` has no ethernet interface \
                     (spec.ethernet_interface): it cannot hold a DHCP server"
                ),
            });
        }
        Ok(form)
    }

    /// `GET .../network_interfaces/{name}?response_format=2` (the replace form). A missing
    /// interface is an error naming it.
    pub async fn interface_any(&self, name: &str) -> Result<InterfaceForm, DeviceError> {
        let url = format!("{}?response_format=2", self.config_url(Some(name)));
        let bad = |detail: String| DeviceError::BadAnswer {
            method: "GET".into(),
            url: url.clone(),
            detail,
        };
        let ans = match self.call(Method::GET, &url, None).await {
            Err(e) if e.status() == Some(404) => {
                return Err(bad(format!(
                    "network_interface `{name}` not found: it does not exist in namespace {} \
                     (the file lists it under `interfaces:`)",
                    self.namespace
                )));
            }
            other => other?,
        };
        let v = ans.json("GET", &url)?;
        let form = v
            .get("replace_form")
            .filter(|f| f.is_object())
            .ok_or_else(|| {
                bad(format!(
                    "no `replace_form`: not a network_interface in the replace form: {}",
                    crate::platform::http::excerpt(&v.to_string())
                ))
            })?;
        let resource_version = match v.get("resource_version") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let eth = super::config::ethernet(form);
        let dhcp = super::config::parse(eth.and_then(|e| e.get("dhcp_server")))
            .map_err(|e| bad(format!("network_interface `{name}`: {e}")))?;
        Ok(InterfaceForm {
            form: form.clone(),
            resource_version,
            addressing: eth
                .filter(|_| dhcp.is_none())
                .and_then(super::config::other_addressing),
            dhcp,
            ethernet: eth.is_some(),
        })
    }

    /// `PUT .../network_interfaces/{name}` with the whole object and the version it was read
    /// at (a conflict, 409, means someone else wrote it meanwhile).
    pub async fn put_interface(
        &self,
        name: &str,
        form: &Value,
        resource_version: &str,
    ) -> Result<u16, DeviceError> {
        let url = self.config_url(Some(name));
        let mut body = form.clone();
        if let Some(m) = body.as_object_mut()
            && !resource_version.is_empty()
        {
            m.insert("resource_version".into(), Value::from(resource_version));
        }
        Ok(self.call(Method::PUT, &url, Some(&body)).await?.status)
    }

    /// The names of the namespace's `network_interface` objects (`GET .../network_interfaces`,
    /// `items[].name`).
    pub async fn interface_names(&self) -> Result<Vec<String>, DeviceError> {
        let url = self.config_url(None);
        let v = self
            .call(Method::GET, &url, None)
            .await?
            .json("GET", &url)?;
        let items = match v.get("items") {
            Some(Value::Array(a)) => a.clone(),
            None | Some(Value::Null)
                if v.is_object()
                    && !v
                        .as_object()
                        .is_some_and(|m| m.contains_key("code") && m.contains_key("message")) =>
            {
                vec![]
            }
            _ => {
                return Err(DeviceError::BadAnswer {
                    method: "GET".into(),
                    url,
                    detail: format!(
                        "no `items` list: not a list of network_interface objects: {}",
                        crate::platform::http::excerpt(&v.to_string())
                    ),
                });
            }
        };
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
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
            crate::platform::http::error_text(&v.to_string())
        ));
    }
    if !m.contains_key("lease_info") && !m.contains_key("subnet_info") {
        return Err(format!(
            "neither lease_info nor subnet_info: not the DHCP leases of a site: {}",
            crate::platform::http::excerpt(&v.to_string())
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
