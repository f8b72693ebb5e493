//! Steps into RESTCONF calls. The global settings are never replaced whole: a change of them
//! becomes, in this order, `PUT service/dhcp-config false` (disabling first), one `PATCH`
//! merging the new exclusions (widening), `PUT`/`DELETE` of single helper addresses on
//! interfaces the read showed to exist, one `DELETE` per removed exclusion (narrowing), and
//! `PUT service/dhcp-config true` (enabling last). A pool update or create is a `PUT` of the
//! whole pool carrying back every member dhcpform does not model; a delete is a `DELETE`.
//! After the last write, `cisco-ia:save-config` (unless `save-config: false`). Also the
//! check that a saved plan's call is one of these.

use super::client::{CLEAR, N, RcLive, SAVE};
use super::wire::{self, EXCL};
use crate::model::names::addressable;
use crate::model::{AddrRange, DeviceConfig, InterfaceName, Pool, PoolKind, Server};
use crate::plan::steps::{Lowering, Step};
use crate::plan::{Method, Operation, Resource};
use crate::platform::path::segment;
use serde_json::json;
use std::net::Ipv4Addr;

/// `N/ip/dhcp/Cisco-IOS-XE-dhcp:pool=NAME`.
pub fn pool_path(name: &str) -> String {
    format!("{N}/ip/dhcp/Cisco-IOS-XE-dhcp:pool={}", segment(name))
}

/// `N/ip/dhcp/Cisco-IOS-XE-dhcp:excluded-address/LIST=KEYS`.
pub fn exclusion_path(r: &AddrRange) -> String {
    if r.low == r.high {
        format!("{N}/ip/dhcp/{EXCL}/low-address-list={}", r.low)
    } else {
        format!(
            "{N}/ip/dhcp/{EXCL}/low-high-address-list={},{}",
            r.low, r.high
        )
    }
}

/// `N/interface/TYPE=KEY/ip/helper-address=A` (a type read through a container is
/// `OUTER/INNER`: each part its own segment).
pub fn helper_path(kind: &str, key: &str, address: Ipv4Addr) -> String {
    let kind: Vec<String> = kind.split('/').map(segment).collect();
    format!(
        "{N}/interface/{}={}/ip/helper-address={address}",
        kind.join("/"),
        segment(key)
    )
}

pub const SWITCH: &str = "/restconf/data/Cisco-IOS-XE-native:native/service/dhcp-config";

/// The RESTCONF lowering of one device: what its read showed (pools as read, interfaces
/// that exist) and the desired state (for a manual host's mask).
pub struct Conf<'a> {
    pub read: &'a RcLive,
    pub desired: &'a DeviceConfig,
    pub save_config: bool,
}

fn op(method: Method, path: String, body: Option<serde_json::Value>, r: Resource) -> Operation {
    Operation {
        method,
        path,
        body,
        resource: r,
        expect_server: None,
    }
}

impl Conf<'_> {
    /// The mask for a manual host: the prefix of the dynamic pool around it.
    fn host_mask(&self, host: Ipv4Addr) -> Option<u8> {
        let desired = self.desired.pools.iter().flat_map(|p| p.values());
        desired
            .chain(self.read.live.pools.values())
            .filter_map(|p| p.kind.network())
            .find(|n| n.contains(&host))
            .map(|n| n.prefix_len())
    }

    fn put_pool(&self, name: &str, pool: &Pool, carry: bool) -> Operation {
        // a host keeps the mask the device has for it; a new one takes its network's
        let raw = self.read.dhcp.raw_pools.get(name);
        let kept = raw
            .and_then(|p| p.get("host"))
            .and_then(|h| h.get("mask"))
            .and_then(|m| wire::prefix_len(m).ok());
        let mask = match &pool.kind {
            PoolKind::Manual { host, .. } => kept.or_else(|| self.host_mask(*host)),
            PoolKind::Dynamic { .. } => None,
        };
        let mut carried = carry
            .then(|| self.read.dhcp.raw_pools.get(name))
            .flatten()
            .cloned();
        if let (Some(c), PoolKind::Manual { .. }) = (&mut carried, &pool.kind) {
            // what only a network pool may have does not survive a change to a host
            for k in ["secondary-network", "address", "subnet", "utilization"] {
                c.remove(k);
            }
        }
        op(
            Method::Put,
            pool_path(name),
            Some(wire::pool_body(name, pool, carried.as_ref(), mask)),
            Resource::pool(name),
        )
    }

    fn server(&self, to: &Server, expect: &Server, out: &mut Vec<Operation>) {
        let start = out.len();
        let switch = |on: bool| {
            op(
                Method::Put,
                SWITCH.into(),
                Some(json!({"Cisco-IOS-XE-native:dhcp-config": on})),
                Resource::Server,
            )
        };
        if expect.enable && !to.enable {
            out.push(switch(false));
        }
        let added: Vec<AddrRange> = to
            .excluded_addresses
            .difference(&expect.excluded_addresses)
            .copied()
            .collect();
        if !added.is_empty() {
            let body = wire::exclusions_patch(&added);
            out.push(op(Method::Patch, N.into(), Some(body), Resource::Server));
        }
        let names = to.relay_agents.keys().chain(expect.relay_agents.keys());
        let names: std::collections::BTreeSet<&InterfaceName> = names.collect();
        for name in names {
            let Some((kind, key)) = self.read.interfaces.exist.get(name) else {
                continue;
            };
            let want = to.relay_agents.get(name);
            let have = expect.relay_agents.get(name);
            for a in want.into_iter().flatten() {
                if !have.is_some_and(|h| h.contains(a)) {
                    let body = json!({"Cisco-IOS-XE-native:helper-address": [
                        {"address": a.to_string()}]});
                    out.push(op(
                        Method::Put,
                        helper_path(kind, key, *a),
                        Some(body),
                        Resource::Server,
                    ));
                }
            }
            for a in have.into_iter().flatten() {
                if !want.is_some_and(|w| w.contains(a)) {
                    out.push(op(
                        Method::Delete,
                        helper_path(kind, key, *a),
                        None,
                        Resource::Server,
                    ));
                }
            }
        }
        for r in expect.excluded_addresses.difference(&to.excluded_addresses) {
            out.push(op(
                Method::Delete,
                exclusion_path(r),
                None,
                Resource::Server,
            ));
        }
        if !expect.enable && to.enable {
            out.push(switch(true));
        }
        // the device must still hold `expect` just before this step's first write
        if let Some(first) = out.get_mut(start) {
            first.expect_server = serde_json::to_value(expect).ok();
        }
    }
}

impl Lowering for Conf<'_> {
    fn lower(&self, steps: &[Step]) -> Vec<Operation> {
        let mut out = Vec::new();
        let deleted: std::collections::BTreeSet<&String> = steps
            .iter()
            .filter_map(|s| match s {
                Step::DeletePool(n) => Some(n),
                _ => None,
            })
            .collect();
        for step in steps {
            match step {
                Step::Server { to, expect } => self.server(to, expect, &mut out),
                Step::DeletePool(n) => {
                    out.push(op(Method::Delete, pool_path(n), None, Resource::pool(n)))
                }
                Step::UpdatePool(n, p) => out.push(self.put_pool(n, p, true)),
                // a replacement carries what the old pool had beyond the model
                Step::CreatePool(n, p) => out.push(self.put_pool(n, p, deleted.contains(n))),
                Step::Interface { .. } => {}
            }
        }
        if self.save_config && !out.is_empty() {
            out.push(op(Method::Post, SAVE.into(), None, Resource::Server));
        }
        out
    }
}

/// Whether a saved call is one this backend makes: inside the DHCP subtree, the server
/// switch, a helper address, the exclusions merge, the clear RPC or save-config.
pub fn allowed(op: &Operation) -> bool {
    let p = op.path.as_str();
    let pool = op.resource.pool_name().filter(|n| addressable(n));
    let dhcp = format!("{N}/ip/dhcp/");
    match (op.method, &op.resource) {
        (Method::Put | Method::Delete, Resource::Pool(_)) => {
            pool.is_some_and(|n| p == pool_path(n))
        }
        (Method::Put, Resource::Server) if p == SWITCH => true,
        (Method::Patch, Resource::Server) => {
            p == N
                && op.body.as_ref().is_some_and(|b| {
                    b.pointer(&format!("/Cisco-IOS-XE-native:native/ip/dhcp/{EXCL}"))
                        .is_some()
                        && b.as_object().map(|o| o.len()) == Some(1)
                })
        }
        (Method::Delete, Resource::Server) => {
            p.starts_with(&format!("{dhcp}{EXCL}/")) || is_helper(p)
        }
        (Method::Put, Resource::Server) => is_helper(p),
        (Method::Post, Resource::Server) => p == SAVE || p == CLEAR,
        _ => false,
    }
}

fn is_helper(p: &str) -> bool {
    let Some(rest) = p.strip_prefix(&format!("{N}/interface/")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [iface, "ip", h] | [_, iface, "ip", h] => {
            iface.contains('=') && h.starts_with("helper-address=")
        }
        _ => false,
    }
}

/// Whether the single exclusion or helper address a path names is on the device.
pub fn listed(path: &str, now: &RcLive) -> bool {
    let server = &now.live.server;
    let excl = format!("{N}/ip/dhcp/{EXCL}/");
    if let Some(entry) = path.strip_prefix(&excl) {
        let keys = entry.split_once('=').map_or("", |(_, k)| k);
        let mut addrs = keys.split(',').filter_map(|a| a.parse::<Ipv4Addr>().ok());
        let Some(low) = addrs.next() else {
            return false;
        };
        let high = addrs.next().unwrap_or(low);
        return server.excluded_addresses.contains(&AddrRange { low, high });
    }
    let Some(rest) = path.strip_prefix(&format!("{N}/interface/")) else {
        return false;
    };
    let decoded: Vec<String> = rest
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let (outer, iface, helper) = match decoded.as_slice() {
        [iface, _, helper] => (None, iface, helper),
        [outer, iface, _, helper] => (Some(outer), iface, helper),
        _ => return false,
    };
    let (Some((inner, key)), Some(addr)) = (
        iface.split_once('='),
        helper
            .strip_prefix("helper-address=")
            .and_then(|a| a.parse::<Ipv4Addr>().ok()),
    ) else {
        return false;
    };
    let kind = match outer {
        Some(o) => format!("{o}/{inner}"),
        None => inner.to_string(),
    };
    now.interfaces
        .exist
        .iter()
        .find(|(_, (k, n))| *k == kind && n == key)
        .and_then(|(name, _)| server.relay_agents.get(name))
        .is_some_and(|set| set.contains(&addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, path: &str, resource: Resource) -> Operation {
        Operation {
            method,
            path: path.into(),
            body: None,
            resource,
            expect_server: None,
        }
    }

    #[test]
    fn only_the_calls_dhcpform_makes_pass_as_saved_calls() {
        let patch = Operation {
            body: Some(wire::exclusions_patch(&["10.0.0.1".parse().unwrap()])),
            ..op(Method::Patch, N, Resource::Server)
        };
        let good = [
            op(Method::Put, &pool_path("a b"), Resource::pool("a b")),
            op(Method::Delete, &pool_path("a"), Resource::pool("a")),
            op(Method::Put, SWITCH, Resource::Server),
            op(Method::Post, SAVE, Resource::Server),
            op(
                Method::Put,
                &helper_path("GigabitEthernet", "1/0/1", "10.9.0.1".parse().unwrap()),
                Resource::Server,
            ),
            op(
                Method::Delete,
                &exclusion_path(&"10.0.0.1-10.0.0.9".parse().unwrap()),
                Resource::Server,
            ),
            patch,
        ];
        for g in &good {
            assert!(allowed(g), "{g:?}");
        }
        let bad = [
            op(Method::Patch, N, Resource::Server),
            op(Method::Delete, N, Resource::Server),
            op(Method::Put, &format!("{N}/hostname"), Resource::Server),
            op(Method::Put, &pool_path("a"), Resource::pool("b")),
            op(
                Method::Post,
                "/restconf/operations/cisco-ia:rollback",
                Resource::Server,
            ),
            op(
                Method::Delete,
                &format!("{N}/interface/GigabitEthernet=1"),
                Resource::Server,
            ),
        ];
        for b in &bad {
            assert!(!allowed(b), "{b:?}");
        }
        assert_eq!(
            helper_path("GigabitEthernet", "1/0/1", "10.9.0.1".parse().unwrap()),
            format!("{N}/interface/GigabitEthernet=1%2F0%2F1/ip/helper-address=10.9.0.1")
        );
    }
}
