//! The `ios-xe` desired-state file: input types and lowering into the model (profiles in
//! `profile.rs`, writing the file format back in `write.rs`).

pub use super::ios_xe_in::*;
use super::lower::{Lowerer, Spans};
use super::options::lower_options;
pub use super::profile::{Profile, ProfileIn, Profiles, lower_profile, matches_profile};
use super::profile::{ProfileTrail, expand};
use super::{Diags, Raw, SourceFile, Sp};
use crate::model::{DeviceConfig, Expect, InterfaceName, Pool, PoolKind, Server};
use std::collections::{BTreeMap, BTreeSet};

/// The place of `key` just before a value (a diagnostic about a key points at the key), or the
/// value's place when the key is not found there.
fn key_span(file: &SourceFile, value: miette::SourceSpan, key: &str) -> miette::SourceSpan {
    let text = file.text();
    let before = &text[..value.offset().min(text.len())];
    match before.rfind(key) {
        Some(i) => (i, key.len()).into(),
        None => value,
    }
}

/// A lowered desired-state file.
#[derive(Debug, Default)]
pub struct Lowered {
    pub config: DeviceConfig,
    pub expect: Expect,
    pub spans: Spans,
    /// Places of values that came from a profile, in the inventory (by the same paths).
    pub foreign: BTreeMap<String, (SourceFile, miette::SourceSpan)>,
    /// (pool, profile) for every pool that uses a profile.
    pub profile_uses: Vec<(String, String)>,
    /// Some pool could not be lowered: checks across pools would build on a gap.
    pub pools_failed: bool,
}

/// Parses and lowers an `ios-xe` file. `None` when the file could not be parsed at all; the
/// diagnostics say why.
pub fn load(file: &SourceFile, diags: &mut Diags) -> Option<Lowered> {
    load_with(file, diags, &Profiles::new())
}

/// `load`, with the inventory's profiles for pools that name one.
pub fn load_with(file: &SourceFile, diags: &mut Diags, profiles: &Profiles) -> Option<Lowered> {
    let parsed: IosXeFile = file.parse(diags)?;
    let mut lw = Lowerer::new(file, diags);
    let mut trail = ProfileTrail::default();
    let mut pools_failed = false;
    if parsed.server.is_none() && parsed.pools.is_none() && parsed.expect.is_none() {
        lw.warn_help(
            (0, 0).into(),
            format!(
                "{} manages nothing: it has no `server`, `pools` or `expect`",
                file.text.name()
            ),
            "empty",
            "declare what to manage, or remove the device from the inventory",
        );
    }
    let server = parsed.server.as_ref().and_then(|s| match &s.value {
        Some(server) => {
            let span = lw.span(s);
            Some(lower_server(&mut lw, span, server))
        }
        None => {
            let span = key_span(file, lw.span(s), "server");
            lw.error_help(
                span,
                "`server` is empty (null)",
                "no settings here",
                "give the settings (`enable`, `excluded-addresses`, `relay-agents`), or remove \
                 the key to leave them unmanaged",
            );
            None
        }
    });
    let pools = parsed.pools.as_ref().and_then(|p| match &p.value {
        Some(map) => {
            let mut out = BTreeMap::new();
            for (name, pool) in map {
                match lower_pool(&mut lw, name, pool) {
                    Some(mut lowered) => {
                        expand(&mut lw, name, pool, &mut lowered, profiles, &mut trail);
                        out.insert(name.clone(), lowered);
                    }
                    None => pools_failed = true,
                }
            }
            Some(out.into())
        }
        None => {
            let span = key_span(file, lw.span(p), "pools");
            lw.error_help(
                span,
                "`pools` is empty (null)",
                "no pools here",
                "write `pools: {}` to delete every pool (under the safety gates), or remove the \
                    key to leave pools unmanaged",
            );
            None
        }
    });
    let expect = parsed
        .expect
        .as_ref()
        .map(|e| lower_expect(&mut lw, e))
        .unwrap_or_default();
    Some(Lowered {
        config: DeviceConfig { server, pools },
        expect,
        spans: lw.spans,
        foreign: trail.foreign,
        profile_uses: trail.uses,
        pools_failed,
    })
}

fn lower_server(lw: &mut Lowerer, span: miette::SourceSpan, s: &ServerIn) -> Server {
    let mut server = Server::default();
    lw.note("server", span);
    if let Some(enable) = &s.enable {
        lw.note("server/enable", lw.span(enable));
        server.enable = lw.bool(enable).unwrap_or(true);
    }
    if let Some(list) = &s.excluded_addresses {
        for item in &list.value.0 {
            let span = lw.span_in(item, list);
            if let Some(r) = lw.range_at(&item.value, span) {
                lw.note(format!("server/excluded/{r}"), span);
                if !server.excluded_addresses.insert(r) {
                    lw.error(span, format!("exclusion {r} is listed twice"), "duplicate");
                }
            }
        }
    }
    if let Some(relays) = &s.relay_agents {
        for (iface, list) in &relays.value {
            let name = InterfaceName::new(iface);
            let span = lw.span(list);
            if let Err(nearest) = InterfaceName::check(iface) {
                let at = key_span(lw.file, span, iface);
                let hint = match nearest {
                    Some(n) => format!("did you mean `{n}` followed by its number?"),
                    None => "IOS interface types: GigabitEthernet, TenGigabitEthernet, Vlan, \
                             Port-channel, Loopback, ... followed by a number"
                        .to_string(),
                };
                lw.error_help(
                    at,
                    format!("`{iface}` is not an IOS interface name"),
                    "unknown interface",
                    hint,
                );
                continue;
            }
            if server.relay_agents.contains_key(&name) {
                lw.error_help(
                    span,
                    format!("interface `{iface}` is the same as another entry ({name})"),
                    "duplicate interface",
                    "interface names are compared without case and with IOS abbreviations \
                        expanded; merge the two entries",
                );
                continue;
            }
            if iface.trim().is_empty() {
                lw.error(span, "an interface name is empty", "empty name");
                continue;
            }
            let addrs = lw.ipv4_list(
                list,
                usize::MAX,
                "helper address",
                &format!("server/relay/{name}"),
            );
            if addrs.is_empty() {
                lw.error(
                    span,
                    format!("interface {name} has no helper address"),
                    "empty list",
                );
            }
            server
                .relay_agents
                .insert(name, addrs.into_iter().collect::<BTreeSet<_>>());
        }
    }
    server
}

fn lower_pool(lw: &mut Lowerer, name: &str, p: &Sp<PoolIn>) -> Option<Pool> {
    let span = lw.span(p);
    let base = format!("pools/{name}");
    lw.note(base.clone(), span);
    if !crate::model::names::addressable(name)
        || name.len() > 64
        || name.chars().any(|c| {
            c.is_whitespace() || c == '/' || c.is_control() || c == '?' || c == '#' || c == '%'
        })
    {
        lw.error_help(
            span,
            format!("pool name `{name}` cannot be used"),
            "bad pool name",
            "pool names are 1-64 characters without spaces, `/`, `?`, `#` or `%`, and not `.` \
            or `..`",
        );
    }
    let kind = match (&p.value.dynamic, &p.value.manual) {
        (Some(_), Some(m)) => {
            let span = key_span(lw.file, lw.span(m), "manual");
            lw.error_help(
                span,
                format!("pool `{name}` has both `dynamic` and `manual`"),
                "second kind",
                "a pool is either a dynamic range or a manual binding: split it into two pools",
            );
            None
        }
        (None, None) => {
            lw.error_help(
                span,
                format!("pool `{name}` has neither `dynamic` nor `manual`"),
                "no kind",
                "add `dynamic: {address-range: ...}` or `manual: {host-ip-address: ..., \
                    mac-address: ...}`",
            );
            None
        }
        (Some(d), None) => lower_dynamic(lw, name, &base, d),
        (None, Some(m)) => lower_manual(lw, name, &base, m),
    };
    let options = p
        .value
        .options
        .as_ref()
        .map(|o| lower_options(lw, &base, o))
        .unwrap_or_default();
    kind.map(|kind| Pool { kind, options })
}

fn lower_dynamic(lw: &mut Lowerer, name: &str, base: &str, d: &Sp<DynamicIn>) -> Option<PoolKind> {
    let network = match &d.value.address_range {
        Some(r) => {
            lw.note(format!("{base}/network"), lw.span(r));
            lw.network(r)
        }
        None => {
            let span = lw.span(d);
            lw.error(
                span,
                format!("dynamic pool `{name}` needs `address-range`"),
                "missing address-range",
            );
            None
        }
    };
    let lease = match &d.value.lease_duration {
        Some(l) => {
            lw.note(format!("{base}/lease"), lw.span(l));
            lw.lease(l)
        }
        None => Some(Default::default()),
    };
    match (network, lease) {
        (Some(network), Some(lease)) => Some(PoolKind::Dynamic { network, lease }),
        _ => None,
    }
}

fn lower_manual(lw: &mut Lowerer, name: &str, base: &str, m: &Sp<ManualIn>) -> Option<PoolKind> {
    let mspan = lw.span(m);
    let host = match &m.value.host_ip_address {
        Some(h) => {
            lw.note(format!("{base}/host"), lw.span(h));
            lw.ipv4(h, "host-ip-address")
        }
        None => {
            lw.error(
                mspan,
                format!("manual binding `{name}` needs `host-ip-address`"),
                "missing host-ip-address",
            );
            None
        }
    };
    let mac = match &m.value.mac_address {
        Some(v) => {
            lw.note(format!("{base}/mac"), lw.span(v));
            lw.mac(v).filter(|mac| {
                // a client's MAC is unicast: the group bit of the first byte is clear
                let unicast = mac.0[0] & 1 == 0;
                if !unicast {
                    let span = lw.span(v);
                    lw.error_help(
                        span,
                        format!("{mac} is a multicast address: no client has it"),
                        "not unicast",
                        "a client's MAC has an even first byte (02:..., 00:..., a4:...)",
                    );
                }
                unicast
            })
        }
        None => {
            lw.error(
                mspan,
                format!("manual binding `{name}` needs `mac-address`"),
                "missing mac-address",
            );
            None
        }
    };
    let client_name = m
        .value
        .client_name
        .as_ref()
        .and_then(|c| lower_client_name(lw, c));
    match (host, mac) {
        (Some(host), Some(mac)) => Some(PoolKind::Manual {
            host,
            mac,
            client_name,
        }),
        _ => None,
    }
}

/// A client name: printable ASCII, no domain part.
fn lower_client_name(lw: &mut Lowerer, c: &Raw) -> Option<String> {
    let span = lw.span(c);
    let text = lw.text(&c.value, span, "a client name")?;
    if let Some((host, _)) = text.split_once('.') {
        lw.error_help(
            span,
            format!("client name `{text}` includes a domain part"),
            "domain part",
            format!("the client name must not include the domain: did you mean `{host}`?"),
        );
        return None;
    }
    if text == "None" {
        lw.error_help(
            span,
            "client name `None` reads as unset on IOS XE devices".to_string(),
            "reads as unset",
            "devices of this API family send `None` for a field never set: pick another name",
        );
        return None;
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_graphic()) {
        lw.error(
            span,
            format!("client name `{text}` must be printable ASCII without spaces"),
            "bad client name",
        );
        return None;
    }
    Some(text)
}

pub fn lower_expect(lw: &mut Lowerer, e: &ExpectIn) -> Expect {
    let mut out = Expect::default();
    if let Some(m) = &e.max_utilization {
        out.max_utilization = lw.percent(m);
    }
    if let Some(m) = &e.min_free {
        match m.value.as_u64() {
            Some(n) => out.min_free = Some(n),
            None => {
                let span = lw.span(m);
                lw.error(
                    span,
                    format!(
                        "min-free must be a whole number of addresses, found {}",
                        m.value
                    ),
                    "not a count",
                );
            }
        }
    }
    if let Some(list) = &e.reservations {
        for item in &list.value.0 {
            let span = lw.span_in(item, list);
            let Some(map) = item.value.as_object() else {
                lw.error(
                    span,
                    "a reservation is a mapping `{mac: ..., ip: ...}`",
                    "not a mapping",
                );
                continue;
            };
            if let Some(k) = map.keys().find(|k| *k != "mac" && *k != "ip") {
                lw.error_help(
                    span,
                    format!("unknown key `{k}` in a reservation"),
                    "unknown key",
                    "a reservation takes `mac` and `ip`",
                );
                continue;
            }
            let mac = match map.get("mac") {
                Some(v) => lw
                    .text(v, span, "a MAC address")
                    .and_then(|t| match t.parse() {
                        Ok(m) => Some(m),
                        Err(e) => {
                            let e: crate::model::ValueError = e;
                            lw.error(span, e.0, "not a MAC address");
                            None
                        }
                    }),
                None => {
                    lw.error(span, "a reservation needs `mac`", "missing mac");
                    None
                }
            };
            let ip = match map.get("ip") {
                Some(v) => lw.ipv4_at(v, span, "ip"),
                None => {
                    lw.error(span, "a reservation needs `ip`", "missing ip");
                    None
                }
            };
            if let (Some(mac), Some(ip)) = (mac, ip) {
                if out.reservations.iter().any(|(m, _)| *m == mac) {
                    lw.error(
                        span,
                        format!("MAC {mac} has two reservations"),
                        "duplicate MAC",
                    );
                }
                out.reservations.push((mac, ip));
            }
        }
    }
    out
}
