//! Pool profiles of the inventory (`profiles:`): their input type, lowering, expansion into
//! the pools that use them (the pool's own fields win), and whether a pool matches one.

use super::ios_xe_in::{OptionsIn, PoolIn};
use super::lower::{Lowerer, Spans};
use super::options::lower_options;
use super::{Diags, Raw, SourceFile, Sp};
use crate::model::{Pool, PoolKind, PoolOptions};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

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
pub(super) fn expand(
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
pub(super) struct ProfileTrail {
    pub(super) foreign: BTreeMap<String, (SourceFile, miette::SourceSpan)>,
    pub(super) uses: Vec<(String, String)>,
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
