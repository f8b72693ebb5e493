//! Steps into F5 XC calls: one `PUT` of a `network_interface` per interface step, its body the
//! DHCP server as the API spells it (apply swaps it into the freshly read replace form). Also
//! the check that a saved plan's call is one of these.

use crate::plan::steps::{Lowering, Step};
use crate::plan::{Method, Operation, Resource};
use crate::platform::path::segment;

/// The path of an interface below the site's base URL.
pub fn interface_path(namespace: &str, name: &str) -> String {
    format!("{}/{}", interfaces_path(namespace), segment(name))
}

/// The path of a namespace's interface collection.
pub fn interfaces_path(namespace: &str) -> String {
    format!(
        "/api/config/namespaces/{}/network_interfaces",
        segment(namespace)
    )
}

/// The F5 XC lowering of one site (its namespace).
pub struct Xc<'a> {
    pub namespace: &'a str,
}

impl Lowering for Xc<'_> {
    fn lower(&self, steps: &[Step]) -> Vec<Operation> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Interface { name, want, expect } => Some(Operation {
                    method: Method::Put,
                    path: interface_path(self.namespace, name),
                    body: Some(super::config::render(want)),
                    resource: Resource::Interface(name.clone()),
                    expect_server: Some(
                        expect
                            .as_ref()
                            .and_then(|e| serde_json::to_value(e).ok())
                            .unwrap_or(serde_json::Value::Null),
                    ),
                }),
                _ => None,
            })
            .collect()
    }
}

/// Whether a saved call is one this backend makes: a PUT of a `network_interface`.
pub fn allowed(op: &Operation) -> bool {
    let Resource::Interface(name) = &op.resource else {
        return false;
    };
    let Some(rest) = op.path.strip_prefix("/api/config/namespaces/") else {
        return false;
    };
    let Some((ns, tail)) = rest.split_once('/') else {
        return false;
    };
    let ns = percent_encoding::percent_decode_str(ns).decode_utf8_lossy();
    op.method == Method::Put
        && !ns.is_empty()
        && op.path == interface_path(&ns, name)
        && tail.starts_with("network_interfaces/")
}
