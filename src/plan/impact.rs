//! Client impact: which active bindings a plan's changes take addresses away from. Pure
//! functions over the plan, the live and desired states and the bindings read from the device.
//!
//! A change can hurt clients when it deletes or replaces a pool, moves or shrinks a dynamic
//! pool's network, changes a manual binding's address or MAC, newly excludes leasable
//! addresses, or turns the server off. Only then does planning read the bindings.

use super::{Action, Change, Resource};
use crate::model::{Binding, BindingType, DeviceConfig, LiveConfig, PoolKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many affected bindings a change lists; the count covers all of them.
pub const SHOWN: usize = 5;

/// One active binding a change takes away.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Affected {
    pub ip: std::net::Ipv4Addr,
    /// Colon form, lower case.
    pub mac: String,
    /// As the device gave it (`YYYY:MM:DD HH:MM`, device-local time); absent when infinite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub manual: bool,
}

/// The clients a change affects: how many, and the first few.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Impact {
    /// Active bindings affected (automatic and manual).
    pub count: usize,
    /// Of them, automatic bindings (what `max-affected-clients` counts).
    pub automatic: usize,
    /// The first `SHOWN` of them, by address.
    pub bindings: Vec<Affected>,
}

/// Whether a change can take addresses away from clients (and so needs the bindings).
pub fn can_hurt(c: &Change, live: &LiveConfig, desired: &DeviceConfig) -> bool {
    match (&c.resource, c.action) {
        (Resource::Pool(_), Action::Delete | Action::Replace) => true,
        (Resource::Pool(name), Action::Update) => {
            let before = live.pools.get(name).map(|p| &p.kind);
            let after = desired
                .pools
                .as_ref()
                .and_then(|p| p.get(name))
                .map(|p| &p.kind);
            match (before, after) {
                (
                    Some(PoolKind::Dynamic { network: b, .. }),
                    Some(PoolKind::Dynamic { network: a, .. }),
                ) => !(a.contains(&b.network()) && a.contains(&b.broadcast())),
                (
                    Some(PoolKind::Manual {
                        host: hb, mac: mb, ..
                    }),
                    Some(PoolKind::Manual {
                        host: ha, mac: ma, ..
                    }),
                ) => hb != ha || mb != ma,
                _ => false,
            }
        }
        (Resource::Pool(_), Action::Create) | (Resource::Interface(_), _) => false,
        (Resource::Server, _) => desired
            .server
            .as_ref()
            .is_some_and(|d| (live.server.enable && !d.enable) || newly_excludes_leasable(live, d)),
    }
}

/// Whether the desired exclusions cover an address of a live dynamic pool that the live
/// exclusions leave leasable.
fn newly_excludes_leasable(live: &LiveConfig, d: &crate::model::Server) -> bool {
    let mut old: Vec<(u32, u32)> = live
        .server
        .excluded_addresses
        .iter()
        .map(|r| (u32::from(r.low), u32::from(r.high)))
        .collect();
    old.sort();
    let covered = |lo: u32, hi: u32| {
        let mut next = lo;
        for &(a, b) in &old {
            if a > next {
                break;
            }
            if b >= next {
                match b.checked_add(1) {
                    Some(n) => next = n,
                    None => return true,
                }
            }
            if next > hi {
                return true;
            }
        }
        next > hi
    };
    d.excluded_addresses.iter().any(|r| {
        let (lo, hi) = (u32::from(r.low), u32::from(r.high));
        !covered(lo, hi)
            && live.pools.values().any(|p| {
                p.kind
                    .network()
                    .is_some_and(|n| u32::from(n.network()) <= hi && lo <= u32::from(n.broadcast()))
            })
    })
}

/// Whether a binding loses its address through this change.
fn hurts(c: &Change, b: &Binding, live: &LiveConfig, desired: &DeviceConfig) -> bool {
    match &c.resource {
        Resource::Interface(_) => false,
        Resource::Pool(name) => {
            let Some(before) = live.pools.get(name) else {
                return false;
            };
            let after = desired.pools.as_ref().and_then(|p| p.get(name));
            let served = |kind: &PoolKind| match kind {
                PoolKind::Dynamic { network, .. } => {
                    b.kind == BindingType::Automatic && network.contains(&b.ip)
                }
                PoolKind::Manual { host, mac, .. } => *host == b.ip && *mac == b.mac,
            };
            let still = c.action == Action::Update && after.is_some_and(|a| served(&a.kind));
            served(&before.kind) && !still
        }
        Resource::Server => {
            let Some(d) = &desired.server else {
                return false;
            };
            if live.server.enable && !d.enable {
                return true;
            }
            b.kind == BindingType::Automatic
                && d.excluded_addresses.iter().any(|r| r.contains(b.ip))
                && !live
                    .server
                    .excluded_addresses
                    .iter()
                    .any(|r| r.contains(b.ip))
        }
    }
}

/// What a plan's changes do to clients: the impact of each change that can hurt (`None` for
/// the others), and every binding affected by any of them, once (address, automatic).
#[derive(Debug, Default)]
pub struct Impacts {
    pub per_change: Vec<Option<Impact>>,
    pub affected: std::collections::BTreeSet<(std::net::Ipv4Addr, bool)>,
}

pub fn impacts(
    changes: &[Change],
    live: &LiveConfig,
    desired: &DeviceConfig,
    bindings: &[Binding],
) -> Impacts {
    let mut affected = std::collections::BTreeSet::new();
    let per_change = changes
        .iter()
        .map(|c| {
            if !can_hurt(c, live, desired) {
                return None;
            }
            let mut hit: Vec<&Binding> = bindings
                .iter()
                .filter(|b| hurts(c, b, live, desired))
                .collect();
            hit.sort_by_key(|b| b.ip);
            affected.extend(hit.iter().map(|b| (b.ip, b.kind == BindingType::Automatic)));
            Some(Impact {
                count: hit.len(),
                automatic: hit
                    .iter()
                    .filter(|b| b.kind == BindingType::Automatic)
                    .count(),
                bindings: hit
                    .iter()
                    .take(SHOWN)
                    .map(|b| Affected {
                        ip: b.ip,
                        mac: b.mac.to_string(),
                        expires: b.expires.clone(),
                        manual: b.kind == BindingType::Manual,
                    })
                    .collect(),
            })
        })
        .collect();
    Impacts {
        per_change,
        affected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddrRange, Mac, Pool, PoolOptions, Server};
    use std::net::Ipv4Addr;

    fn dynamic(net: &str) -> Pool {
        Pool {
            kind: PoolKind::Dynamic {
                network: net.parse().unwrap(),
                lease: Default::default(),
            },
            options: PoolOptions::default(),
        }
    }

    fn auto(ip: [u8; 4]) -> Binding {
        Binding {
            ip: Ipv4Addr::from(ip),
            mac: Mac([2, 0, 0, 0, 0, ip[3]]),
            expires: Some("2026:11:25 12:00".into()),
            kind: BindingType::Automatic,
        }
    }

    fn plan(live: &LiveConfig, desired: &DeviceConfig, b: &[Binding]) -> Vec<(String, usize)> {
        let d = crate::plan::diff::diff(desired, live, true);
        d.changes
            .iter()
            .zip(impacts(&d.changes, live, desired, b).per_change)
            .filter_map(|(c, i)| i.map(|i| (c.resource.to_string(), i.count)))
            .collect()
    }

    #[test]
    fn a_shrunk_network_hurts_only_the_clients_outside_the_new_one() {
        let mut live = LiveConfig::default();
        live.pools.insert("a".into(), dynamic("10.0.0.0/23"));
        let mut pools = std::collections::BTreeMap::new();
        pools.insert("a".to_string(), dynamic("10.0.0.0/24"));
        let desired = DeviceConfig {
            server: None,
            pools: Some(pools.into()),
        };
        let b = [
            auto([10, 0, 0, 5]),
            auto([10, 0, 1, 5]),
            auto([10, 0, 1, 6]),
        ];
        assert_eq!(plan(&live, &desired, &b), [("pool/a".into(), 2)]);
    }

    #[test]
    fn a_grown_network_or_an_options_change_hurts_no_one_and_needs_no_read() {
        let mut live = LiveConfig::default();
        live.pools.insert("a".into(), dynamic("10.0.0.0/24"));
        let mut pools = std::collections::BTreeMap::new();
        pools.insert("a".to_string(), dynamic("10.0.0.0/23"));
        let desired = DeviceConfig {
            server: None,
            pools: Some(pools.into()),
        };
        assert!(plan(&live, &desired, &[auto([10, 0, 0, 5])]).is_empty());
    }

    #[test]
    fn narrowed_or_unrelated_exclusions_need_no_bindings() {
        let mut live = LiveConfig::default();
        live.pools.insert("a".into(), dynamic("10.0.0.0/24"));
        live.server.excluded_addresses = ["10.0.0.1-10.0.0.30".parse::<AddrRange>().unwrap()]
            .into_iter()
            .collect();
        for ex in [
            "10.0.0.1-10.0.0.20",
            "10.0.0.5-10.0.0.30",
            "10.9.0.1-10.9.0.9",
        ] {
            let d = Server {
                excluded_addresses: [ex.parse::<AddrRange>().unwrap()].into_iter().collect(),
                ..Server::default()
            };
            assert!(!newly_excludes_leasable(&live, &d), "{ex}");
        }
        let d = Server {
            excluded_addresses: ["10.0.0.25-10.0.0.40".parse::<AddrRange>().unwrap()]
                .into_iter()
                .collect(),
            ..Server::default()
        };
        assert!(newly_excludes_leasable(&live, &d));
    }

    #[test]
    fn new_exclusions_and_a_disabled_server_hurt_the_clients_they_cover() {
        let mut live = LiveConfig::default();
        live.pools.insert("a".into(), dynamic("10.0.0.0/24"));
        let excluded = ["10.0.0.1-10.0.0.9".parse::<AddrRange>().unwrap()];
        let desired = DeviceConfig {
            server: Some(Server {
                excluded_addresses: excluded.into_iter().collect(),
                ..Server::default()
            }),
            pools: None,
        };
        let b = [auto([10, 0, 0, 5]), auto([10, 0, 0, 50])];
        assert_eq!(plan(&live, &desired, &b), [("server".into(), 1)]);
        let off = DeviceConfig {
            server: Some(Server {
                enable: false,
                ..Server::default()
            }),
            pools: None,
        };
        assert_eq!(plan(&live, &off, &b), [("server".into(), 2)]);
    }
}
