//! Resource-level diff of desired against live, with field-level and item-level detail.

use super::{Action, Change, FieldChange, Resource};
use crate::model::{DeviceConfig, LiveConfig, Pool, PoolKind, Server};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub unmanaged: Vec<String>,
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn scalar(field: &str, before: Option<String>, after: Option<String>, out: &mut Vec<FieldChange>) {
    out.extend(FieldChange::scalar(field, before, after));
}

fn set_field(
    field: &str,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
    out: &mut Vec<FieldChange>,
) {
    let (b, a): (Vec<String>, Vec<String>) = (
        before.iter().cloned().collect(),
        after.iter().cloned().collect(),
    );
    out.extend(FieldChange::items(field, &b, &a));
}

fn ordered_field(
    field: &str,
    before: &[std::net::Ipv4Addr],
    after: &[std::net::Ipv4Addr],
    out: &mut Vec<FieldChange>,
) {
    if before != after {
        let b: Vec<String> = before.iter().map(|a| a.to_string()).collect();
        let a: Vec<String> = after.iter().map(|a| a.to_string()).collect();
        out.push(FieldChange {
            field: field.into(),
            added: a.iter().filter(|x| !b.contains(x)).cloned().collect(),
            removed: b.iter().filter(|x| !a.contains(x)).cloned().collect(),
            before: Some(json!(b)),
            after: Some(json!(a)),
            whole_list: true,
        });
    }
}

/// Field changes between two server states.
pub fn server_fields(before: &Server, after: &Server) -> Vec<FieldChange> {
    let mut out = Vec::new();
    scalar(
        "enable",
        Some(before.enable.to_string()),
        Some(after.enable.to_string()),
        &mut out,
    );
    let ex = |s: &Server| {
        s.excluded_addresses
            .iter()
            .map(|r| r.to_string())
            .collect::<BTreeSet<_>>()
    };
    set_field("excluded-addresses", &ex(before), &ex(after), &mut out);
    let relays = |s: &Server| {
        s.relay_agents
            .iter()
            .flat_map(|(i, addrs)| addrs.iter().map(move |a| format!("{i} {a}")))
            .collect::<BTreeSet<_>>()
    };
    set_field("relay-agents", &relays(before), &relays(after), &mut out);
    out
}

fn kind_fields(p: &Pool) -> [(&'static str, Option<String>); 5] {
    match &p.kind {
        PoolKind::Dynamic { network, lease } => [
            ("type", Some("dynamic".into())),
            ("address-range", Some(network.to_string())),
            ("lease-duration", Some(lease.to_string())),
            ("host-ip-address", None),
            ("mac-address", None),
        ],
        PoolKind::Manual { host, mac, .. } => [
            ("type", Some("manual".into())),
            ("address-range", None),
            ("lease-duration", None),
            ("host-ip-address", Some(host.to_string())),
            ("mac-address", Some(mac.to_string())),
        ],
    }
}

/// Field changes between two pools.
pub fn pool_fields(before: &Pool, after: &Pool) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for ((field, b), (_, a)) in kind_fields(before).into_iter().zip(kind_fields(after)) {
        scalar(field, b, a, &mut out);
    }
    let client = |p: &Pool| match &p.kind {
        PoolKind::Manual { client_name, .. } => client_name.clone(),
        PoolKind::Dynamic { .. } => None,
    };
    scalar("client-name", client(before), client(after), &mut out);
    let (bo, ao) = (&before.options, &after.options);
    scalar(
        "domain-name",
        bo.domain_name.clone(),
        ao.domain_name.clone(),
        &mut out,
    );
    ordered_field(
        "default-gateway",
        &bo.default_gateway,
        &ao.default_gateway,
        &mut out,
    );
    ordered_field("dns-servers", &bo.dns_servers, &ao.dns_servers, &mut out);
    ordered_field(
        "netbios-name-servers",
        &bo.netbios_name_servers,
        &ao.netbios_name_servers,
        &mut out,
    );
    scalar(
        "netbios-node-type",
        bo.netbios_node_type.map(|n| n.to_string()),
        ao.netbios_node_type.map(|n| n.to_string()),
        &mut out,
    );
    out
}

/// The resource-level changes. Pools are listed by name; `order` may later turn updates into
/// replacements.
pub fn diff(desired: &DeviceConfig, live: &LiveConfig, prune: bool) -> Diff {
    let mut out = Diff::default();
    if let Some(d) = &desired.server
        && *d != live.server
    {
        out.changes.push(Change {
            resource: Resource::Server,
            action: Action::Update,
            before: Some(to_value(&live.server)),
            after: Some(to_value(d)),
            fields: server_fields(&live.server, d),
            reason: None,
            impact: None,
        });
    }
    if let Some(dp) = &desired.pools {
        let names: BTreeSet<&String> = dp.keys().chain(live.pools.keys()).collect();
        for name in names {
            let change = match (live.pools.get(name), dp.get(name)) {
                (None, Some(a)) => Some(Change {
                    resource: Resource::pool(name),
                    action: Action::Create,
                    before: None,
                    after: Some(to_value(a)),
                    fields: vec![],
                    reason: None,
                    impact: None,
                }),
                (Some(b), Some(a)) if a != b => {
                    let kind_changes = a.kind.is_dynamic() != b.kind.is_dynamic();
                    Some(Change {
                        resource: Resource::pool(name),
                        action: if kind_changes {
                            Action::Replace
                        } else {
                            Action::Update
                        },
                        before: Some(to_value(b)),
                        after: Some(to_value(a)),
                        fields: pool_fields(b, a),
                        reason: kind_changes
                            .then(|| "the pool changes between dynamic and manual".to_string()),
                        impact: None,
                    })
                }
                (Some(b), None) if prune => Some(Change {
                    resource: Resource::pool(name),
                    action: Action::Delete,
                    before: Some(to_value(b)),
                    after: None,
                    fields: vec![],
                    reason: None,
                    impact: None,
                }),
                (Some(_), None) => {
                    out.unmanaged.push(name.clone());
                    None
                }
                _ => None,
            };
            out.changes.extend(change);
        }
    }
    out
}
/// Which resources differ between two canonical live states (for a stale plan's message).
pub fn what_changed(before: &LiveConfig, now: &LiveConfig) -> Vec<String> {
    let desired = DeviceConfig {
        server: Some(before.server.clone()),
        pools: Some(before.pools.clone().into()),
    };
    diff(&desired, now, true)
        .changes
        .iter()
        .map(|c| {
            let verb = match c.action {
                Action::Create => "was deleted",
                Action::Delete => "was created",
                _ => "was modified",
            };
            format!("{} {verb}", c.resource)
        })
        .collect()
}
