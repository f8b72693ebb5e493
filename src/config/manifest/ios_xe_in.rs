//! The `ios-xe` desired-state file as written: serde input types with spans (their JSON
//! Schema is generated from them).

use super::{List, Raw, Sp};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

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
