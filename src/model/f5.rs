//! The DHCP server of one F5 XC site interface (`spec.ethernet_interface.dhcp_server` of a
//! `network_interface` object), in canonical form. Every one-of choice has the value the API
//! takes when none is given, so an absent choice and its default compare equal.

use super::{AddrRange, Mac};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// At most this many pools per network (the spec's limit).
pub const MAX_POOLS: usize = 16;
/// At most this many reservations per interface.
pub const MAX_RESERVATIONS: usize = 128;
/// At most this many node addresses in `interface-addressing`.
pub const MAX_NODES: usize = 64;

/// The default gateway handed to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gateway {
    /// The network's first address (`first_address`).
    #[default]
    First,
    /// The network's last address (`last_address`).
    Last,
    /// `dgw_address`.
    Address(Ipv4Addr),
}

/// The DNS server handed to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dns {
    /// The gateway (`same_as_dgw`).
    #[default]
    SameAsGateway,
    /// `dns_address`.
    Address(Ipv4Addr),
}

/// How `pools` are read: the addresses to hand out, or those not to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolMode {
    #[default]
    Include,
    Exclude,
}

/// How the site's own interface address is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    #[default]
    FromStart,
    FromEnd,
    /// `site:node` -> address.
    Nodes(BTreeMap<String, Ipv4Addr>),
}

/// The DHCP server of one interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct F5DhcpServer {
    pub network: ipnet::Ipv4Net,
    /// A set: unique, order meaningless.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pools: BTreeSet<AddrRange>,
    #[serde(default)]
    pub gateway: Gateway,
    #[serde(default)]
    pub dns: Dns,
    #[serde(default)]
    pub pool_mode: PoolMode,
    #[serde(default)]
    pub interface_addressing: Addressing,
    /// MAC -> address.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reservations: BTreeMap<Mac, Ipv4Addr>,
}

/// The desired state of an F5 XC site: the DHCP servers of the interfaces it lists (`None`:
/// not managed) and the `expect:` checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct F5Desired {
    pub interfaces: Option<BTreeMap<String, F5DhcpServer>>,
    pub expect: super::Expect,
}

/// The live DHCP servers of the listed interfaces (`None`: the interface has none).
pub type F5Live = BTreeMap<String, Option<F5DhcpServer>>;

/// What planning an F5 XC site reads of its listed interfaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct F5Read {
    /// The DHCP servers.
    pub live: F5Live,
    /// Interfaces without a DHCP server that have other addressing today: `dhcp-client` or
    /// `static-ip` (a DHCP server replaces it: one choice in the API).
    pub addressing: BTreeMap<String, String>,
    /// Interfaces read without a `resource_version` (their PUT cannot be guarded): the
    /// digest of the whole replace form as read.
    pub unguarded: BTreeMap<String, String>,
}

/// SHA-256 of the canonical DHCP part of the listed interfaces and of the other addressing
/// of those without a DHCP server.
pub fn digest(live: &F5Live, addressing: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut bytes = serde_json::to_vec(live).unwrap_or_default();
    if !addressing.is_empty() {
        bytes.extend(serde_json::to_vec(addressing).unwrap_or_default());
    }
    hex::encode(Sha256::digest(bytes))
}
