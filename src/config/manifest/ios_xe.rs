//! The `ios-xe` desired-state file: input types, lowering into the model, and rendering the
//! model back into the file format (used by `import` and by plan diffs).

use super::lower::{Lowerer, Spans};
use super::{Diags, List, Raw, SourceFile, Sp};
use crate::model::{DeviceConfig, Expect, InterfaceName, Pool, PoolKind, PoolOptions, Server};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Most addresses each option list takes (IOS limit).
pub const MAX_LIST: usize = 8;

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("patternProperties" = {"^x-": {}}))]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
/// Desired DHCP state of one Cisco IOS XE device.
pub struct IosXeFile {
    /// Global settings. Omit to leave them unmanaged (an empty `server:` is an error).
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "ServerIn")]
    pub server: Option<Sp<Option<ServerIn>>>,
    /// Pools by name. Omit to leave pools unmanaged; `{}` manages an empty set (an empty
    /// `pools:` is an error).
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "BTreeMap<String, PoolIn>")]
    pub pools: Option<Sp<Option<PoolsIn>>>,
    /// Checks on live bindings, run by `drift`.
    pub expect: Option<ExpectIn>,
}

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

/// A key that is present, even with an empty (null) value: `Some`, so that an accidental blank
/// is told apart from an omitted section.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Pools by name, each with its place in the file.
pub type PoolsIn = BTreeMap<String, Sp<PoolIn>>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct ServerIn {
    /// Default true.
    #[schemars(with = "Option<bool>")]
    pub enable: Option<Raw>,
    /// Ranges `a.b.c.d-e.f.g.h`, single addresses, or `{low-ip-address, high-ip-address}`.
    #[schemars(with = "Option<Vec<serde_json::Value>>")]
    pub excluded_addresses: Option<Sp<List>>,
    /// Interface name -> helper addresses.
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub relay_agents: Option<Sp<BTreeMap<String, Sp<List>>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct PoolIn {
    /// A profile of the inventory's `profiles:`: its settings fill what the pool leaves out.
    #[schemars(with = "Option<String>")]
    pub profile: Option<Sp<String>>,
    #[schemars(with = "Option<DynamicIn>")]
    pub dynamic: Option<Sp<DynamicIn>>,
    #[schemars(with = "Option<ManualIn>")]
    pub manual: Option<Sp<ManualIn>>,
    pub options: Option<OptionsIn>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct DynamicIn {
    /// The pool's network, x.x.x.x/nn.
    #[schemars(with = "Option<String>")]
    pub address_range: Option<Raw>,
    /// `1d` (default), `2d4h30m`, `infinite`, or `{days, hours, minutes}`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub lease_duration: Option<Raw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct ManualIn {
    #[schemars(with = "Option<String>")]
    pub host_ip_address: Option<Raw>,
    /// Any common MAC form; compared as 6 bytes.
    #[schemars(with = "Option<String>")]
    pub mac_address: Option<Raw>,
    /// A host name without a domain part.
    #[schemars(with = "Option<String>")]
    pub client_name: Option<Raw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct OptionsIn {
    #[schemars(with = "Option<String>")]
    pub domain_name: Option<Raw>,
    /// Up to 8, first preferred.
    #[schemars(with = "Option<Vec<String>>")]
    pub default_gateway: Option<Sp<List>>,
    /// Up to 8, first preferred.
    #[schemars(with = "Option<Vec<String>>")]
    pub dns_servers: Option<Sp<List>>,
    /// Up to 8, first preferred.
    #[schemars(with = "Option<Vec<String>>")]
    pub netbios_name_servers: Option<Sp<List>>,
    /// b-node, p-node, m-node or h-node.
    #[schemars(with = "Option<String>")]
    pub netbios_node_type: Option<Raw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct ExpectIn {
    /// Per dynamic pool (IOS XE) or subnet (F5 XC), e.g. `90%`.
    #[schemars(with = "Option<String>")]
    pub max_utilization: Option<Raw>,
    /// IOS XE: free leasable addresses each dynamic pool must keep.
    #[schemars(with = "Option<u64>")]
    pub min_free: Option<Raw>,
    /// F5 XC only: `{mac, ip}` pairs.
    #[schemars(with = "Option<Vec<BTreeMap<String, String>>>")]
    pub reservations: Option<Sp<List>>,
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

/// A profile of the inventory (`profiles:`): pool settings, as lowered, and which were given.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub lease: Option<crate::model::LeaseDuration>,
    pub options: PoolOptions,
    /// The option keys the profile gives (`domain-name`, `dns-servers`...).
    pub given: BTreeSet<&'static str>,
    /// Places of its values in the inventory, keyed `profile/...` like a pool's.
    pub spans: Spans,
    pub file: Option<SourceFile>,
    /// Problems in the profile's values, reported once the pools using it are known.
    pub diags: Vec<super::Diag>,
}

/// `profiles:` entry of the inventory.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct ProfileIn {
    /// `1d`, `8h`, `infinite`... for the dynamic pools using the profile.
    #[schemars(with = "Option<serde_json::Value>")]
    pub lease_duration: Option<Raw>,
    pub options: Option<OptionsIn>,
}

/// The option keys an `options:` block gives.
fn given(o: &OptionsIn) -> BTreeSet<&'static str> {
    [
        ("domain-name", o.domain_name.is_some()),
        ("default-gateway", o.default_gateway.is_some()),
        ("dns-servers", o.dns_servers.is_some()),
        ("netbios-name-servers", o.netbios_name_servers.is_some()),
        ("netbios-node-type", o.netbios_node_type.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, g)| g.then_some(k))
    .collect()
}

/// Lowers one profile of the inventory file; its problems stay in the profile until the pools
/// using it are known.
pub fn lower_profile(file: &SourceFile, p: &Sp<ProfileIn>) -> Profile {
    let mut diags = Diags::default();
    let mut lw = Lowerer::new(file, &mut diags);
    let lease = p.value.lease_duration.as_ref().and_then(|l| {
        lw.note("profile/lease", lw.span(l));
        lw.lease(l)
    });
    let (options, given) = match &p.value.options {
        Some(o) => (lower_options(&mut lw, "profile", o), given(o)),
        None => Default::default(),
    };
    let spans = lw.spans;
    Profile {
        lease,
        options,
        given,
        spans,
        file: Some(file.clone()),
        diags: diags.0,
    }
}

/// The profiles a desired file's pools may use, by name.
pub type Profiles = BTreeMap<String, Profile>;

/// Fills what a pool leaves out from its profile: the lease of a dynamic pool without one, and
/// every option key the pool does not give (a list the pool gives replaces the profile's whole).
fn expand(
    lw: &mut Lowerer,
    name: &str,
    p: &Sp<PoolIn>,
    pool: &mut Pool,
    profiles: &Profiles,
    out: &mut ProfileTrail,
) {
    let Some(wanted) = &p.value.profile else {
        return;
    };
    let Some(profile) = profiles.get(&wanted.value) else {
        let span = lw.span(wanted);
        let hint = match super::diag::nearest(&wanted.value, profiles.keys().map(String::as_str)) {
            Some(n) => format!("did you mean `{n}`?"),
            None if profiles.is_empty() => "the inventory has no `profiles:`".to_string(),
            None => format!(
                "profiles of the inventory: {}",
                profiles.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        lw.error_help(
            span,
            format!(
                "pool `{name}` uses profile `{}`, which the inventory does not have",
                wanted.value
            ),
            "unknown profile",
            hint,
        );
        return;
    };
    out.uses.push((name.to_string(), wanted.value.clone()));
    let mut from_profile: Vec<&str> = Vec::new();
    let own_lease = p
        .value
        .dynamic
        .as_ref()
        .is_some_and(|d| d.value.lease_duration.is_some());
    if let (PoolKind::Dynamic { lease, .. }, Some(l), false) =
        (&mut pool.kind, profile.lease, own_lease)
    {
        *lease = l;
        from_profile.push("lease");
    }
    let own = p.value.options.as_ref().map(given).unwrap_or_default();
    let (o, po) = (&mut pool.options, &profile.options);
    for key in profile.given.difference(&own) {
        match *key {
            "domain-name" => o.domain_name = po.domain_name.clone(),
            "default-gateway" => o.default_gateway = po.default_gateway.clone(),
            "dns-servers" => o.dns_servers = po.dns_servers.clone(),
            "netbios-name-servers" => o.netbios_name_servers = po.netbios_name_servers.clone(),
            "netbios-node-type" => o.netbios_node_type = po.netbios_node_type,
            _ => continue,
        }
        from_profile.push(match *key {
            "default-gateway" => "gateway",
            "dns-servers" => "dns",
            "netbios-name-servers" => "netbios",
            other => other,
        });
    }
    // Checks of the expanded pool point at the profile's line for what came from it.
    if let Some(file) = &profile.file {
        for (path, span) in &profile.spans {
            let Some(rest) = path.strip_prefix("profile/") else {
                continue;
            };
            if from_profile.iter().any(|f| rest.starts_with(f)) {
                out.foreign
                    .insert(format!("pools/{name}/{rest}"), (file.clone(), *span));
            }
        }
    }
}

/// What expansion leaves for the checks and the report.
#[derive(Default)]
struct ProfileTrail {
    foreign: BTreeMap<String, (SourceFile, miette::SourceSpan)>,
    uses: Vec<(String, String)>,
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
            Some(out)
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

fn lower_options(lw: &mut Lowerer, base: &str, o: &OptionsIn) -> PoolOptions {
    let mut out = PoolOptions::default();
    if let Some(d) = &o.domain_name {
        let span = lw.span(d);
        if let Some(t) = lw.text(&d.value, span, "a domain name") {
            // `None` is how devices of this API family send an unset field.
            let ok = !t.is_empty()
                && t != "None"
                && t.len() <= 253
                && t.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                });
            if ok {
                out.domain_name = Some(t);
            } else {
                lw.error(
                    span,
                    format!("`{t}` is not a valid domain name"),
                    "bad domain name",
                );
            }
        }
    }
    if let Some(l) = &o.default_gateway {
        out.default_gateway =
            lw.ipv4_list(l, MAX_LIST, "default gateways", &format!("{base}/gateway"));
    }
    if let Some(l) = &o.dns_servers {
        out.dns_servers = lw.ipv4_list(l, MAX_LIST, "DNS servers", &format!("{base}/dns"));
    }
    if let Some(l) = &o.netbios_name_servers {
        out.netbios_name_servers = lw.ipv4_list(
            l,
            MAX_LIST,
            "NetBIOS name servers",
            &format!("{base}/netbios"),
        );
    }
    if let Some(n) = &o.netbios_node_type {
        out.netbios_node_type = lw.node_type(n);
    }
    out
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

/// Quotes a YAML string when the plain form could be misread.
pub fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !s.starts_with(['-', '.'])
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// Renders a server section in the file format (canonical: sorted, one form per value).
pub fn render_server(out: &mut String, s: &Server, indent: &str) {
    let _ = writeln!(out, "{indent}enable: {}", s.enable);
    if s.excluded_addresses.is_empty() {
        let _ = writeln!(out, "{indent}excluded-addresses: []");
    } else {
        let _ = writeln!(out, "{indent}excluded-addresses:");
        for r in &s.excluded_addresses {
            let _ = writeln!(out, "{indent}  - {r}");
        }
    }
    if s.relay_agents.is_empty() {
        let _ = writeln!(out, "{indent}relay-agents: {{}}");
    } else {
        let _ = writeln!(out, "{indent}relay-agents:");
        for (iface, addrs) in &s.relay_agents {
            let list: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(
                out,
                "{indent}  {}: [{}]",
                yaml_str(iface.as_str()),
                list.join(", ")
            );
        }
    }
}

/// Renders one pool's body (below its name) in the file format.
pub fn render_pool(out: &mut String, p: &Pool, indent: &str) {
    render_pool_with(out, p, indent, None);
}

/// Whether a pool's settings equal every setting the profile gives (so `profile: NAME` and
/// the pool's other fields lower back to the same pool).
pub fn matches_profile(p: &Pool, profile: &Profile) -> bool {
    if let (PoolKind::Dynamic { lease, .. }, Some(pl)) = (&p.kind, profile.lease)
        && *lease != pl
    {
        return false;
    }
    let (o, po) = (&p.options, &profile.options);
    profile.given.iter().all(|key| match *key {
        "domain-name" => o.domain_name == po.domain_name,
        "default-gateway" => o.default_gateway == po.default_gateway,
        "dns-servers" => o.dns_servers == po.dns_servers,
        "netbios-name-servers" => o.netbios_name_servers == po.netbios_name_servers,
        "netbios-node-type" => o.netbios_node_type == po.netbios_node_type,
        _ => true,
    })
}

/// A pool as YAML; with a profile it matches, `profile: NAME` stands for what the profile gives.
pub fn render_pool_with(
    out: &mut String,
    p: &Pool,
    indent: &str,
    profile: Option<(&str, &Profile)>,
) {
    let profile = profile.filter(|(_, pr)| matches_profile(p, pr));
    if let Some((name, _)) = profile {
        let _ = writeln!(out, "{indent}profile: {}", yaml_str(name));
    }
    let from_profile = |key: &str| profile.is_some_and(|(_, pr)| pr.given.contains(key));
    match &p.kind {
        PoolKind::Dynamic { network, lease } => {
            let _ = writeln!(out, "{indent}dynamic:");
            let _ = writeln!(out, "{indent}  address-range: {network}");
            if profile.is_none_or(|(_, pr)| pr.lease.is_none()) {
                let _ = writeln!(out, "{indent}  lease-duration: {lease}");
            }
        }
        PoolKind::Manual {
            host,
            mac,
            client_name,
        } => {
            let _ = writeln!(out, "{indent}manual:");
            let _ = writeln!(out, "{indent}  host-ip-address: {host}");
            let _ = writeln!(out, "{indent}  mac-address: {}", yaml_str(&mac.to_string()));
            if let Some(c) = client_name {
                let _ = writeln!(out, "{indent}  client-name: {}", yaml_str(c));
            }
        }
    }
    let o = &p.options;
    let mut lines = String::new();
    if let Some(d) = o
        .domain_name
        .as_ref()
        .filter(|_| !from_profile("domain-name"))
    {
        let _ = writeln!(lines, "{indent}  domain-name: {}", yaml_str(d));
    }
    for (key, list) in [
        ("default-gateway", &o.default_gateway),
        ("dns-servers", &o.dns_servers),
        ("netbios-name-servers", &o.netbios_name_servers),
    ] {
        if !list.is_empty() && !from_profile(key) {
            let items: Vec<String> = list.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(lines, "{indent}  {key}: [{}]", items.join(", "));
        }
    }
    if let Some(n) = o
        .netbios_node_type
        .as_ref()
        .filter(|_| !from_profile("netbios-node-type"))
    {
        let _ = writeln!(lines, "{indent}  netbios-node-type: {n}");
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "{indent}options:");
        out.push_str(&lines);
    }
}

/// Renders a whole desired-state file for a configuration.
pub fn render(config: &DeviceConfig, header: &str) -> String {
    render_with(config, header, None)
}

/// `render`, writing `profile: NAME` for the pools that match the profile.
pub fn render_with(
    config: &DeviceConfig,
    header: &str,
    profile: Option<(&str, &Profile)>,
) -> String {
    let mut out = String::new();
    out.push_str(header);
    if let Some(s) = &config.server {
        out.push_str("server:\n");
        render_server(&mut out, s, "  ");
    }
    if let Some(pools) = &config.pools {
        if pools.is_empty() {
            out.push_str("pools: {}\n");
        } else {
            out.push_str("pools:\n");
            for (name, p) in pools {
                let _ = writeln!(out, "  {}:", yaml_str(name));
                render_pool_with(&mut out, p, "    ", profile);
            }
        }
    }
    out
}
