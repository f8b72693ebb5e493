//! The canonical, span-free model that desired files and device answers are both lowered into.
//!
//! Only this model is ever compared: two values that mean the same thing are equal here, whatever
//! spelling they arrived in (docs/architecture.md, "The canonical model").

mod desired;
pub mod f5;
mod iface;
pub mod leases;
pub mod names;
mod pools;
mod settings;
pub mod time;
mod values;

pub use desired::{Desired, IosXeDesired};
pub use iface::InterfaceName;
pub use pools::Pools;
pub use settings::{Api, Platform, Safety};
pub use values::{AddrRange, LeaseDuration, Mac, NodeType, ValueError};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

// The model serialises with the desired file's names (`address-range`, `dns-servers`...), so
// plan files speak one vocabulary.

/// Global DHCP settings of an IOS XE device (`/api/v1/dhcp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Server {
    pub enable: bool,
    /// A set: order is meaningless.
    pub excluded_addresses: BTreeSet<AddrRange>,
    /// Interface -> helper addresses (a set per interface).
    pub relay_agents: BTreeMap<InterfaceName, BTreeSet<Ipv4Addr>>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            enable: true,
            excluded_addresses: BTreeSet::new(),
            relay_agents: BTreeMap::new(),
        }
    }
}

/// What a pool hands out: exactly one kind per pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolKind {
    Dynamic {
        #[serde(rename = "address-range")]
        network: ipnet::Ipv4Net,
        #[serde(rename = "lease-duration")]
        lease: LeaseDuration,
    },
    Manual {
        #[serde(rename = "host-ip-address")]
        host: Ipv4Addr,
        #[serde(rename = "mac-address")]
        mac: Mac,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_name: Option<String>,
    },
}

impl PoolKind {
    pub fn is_dynamic(&self) -> bool {
        matches!(self, PoolKind::Dynamic { .. })
    }
    /// The lease duration of a dynamic pool.
    pub fn lease(&self) -> Option<LeaseDuration> {
        match self {
            PoolKind::Dynamic { lease, .. } => Some(*lease),
            PoolKind::Manual { .. } => None,
        }
    }

    pub fn network(&self) -> Option<ipnet::Ipv4Net> {
        match self {
            PoolKind::Dynamic { network, .. } => Some(*network),
            PoolKind::Manual { .. } => None,
        }
    }
}

/// Pool options. The three address lists are ordered: the first entry is preferred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoolOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_gateway: Vec<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub netbios_name_servers: Vec<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netbios_node_type: Option<NodeType>,
}

impl PoolOptions {
    pub fn is_empty(&self) -> bool {
        *self == PoolOptions::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    #[serde(flatten)]
    pub kind: PoolKind,
    #[serde(default, skip_serializing_if = "PoolOptions::is_empty")]
    pub options: PoolOptions,
}

/// The managed configuration of one IOS XE device. `None` means "not managed" for a desired
/// file (the section was omitted); a device read always fills both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceConfig {
    pub server: Option<Server>,
    pub pools: Option<Pools>,
}

/// The live state of an IOS XE device as read: both sections always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConfig {
    pub server: Server,
    pub pools: BTreeMap<String, Pool>,
    /// Pools with neither dynamic nor manual (IOS allows option-only pools): shown, never
    /// rewritten or deleted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unmanageable: BTreeSet<String>,
    /// What the read had to assume (a feature never configured), said in the plan. Not part
    /// of the state: not in the digest.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl LiveConfig {
    /// SHA-256 of the canonical JSON of this state, hex encoded.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        // Serialising plain owned data with string keys cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}

/// Binding type of an IOS XE active binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BindingType {
    Automatic,
    Manual,
}

/// One IOS XE active binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub ip: Ipv4Addr,
    pub mac: Mac,
    /// `None` is infinite; otherwise the device's `YYYY:MM:DD HH:MM` text.
    pub expires: Option<String>,
    pub kind: BindingType,
}

/// One F5 XC lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub ip: Ipv4Addr,
    pub mac: Mac,
    pub hostname: String,
    pub interface: String,
    pub subnet: String,
    pub expiry: String,
}

/// Utilisation of one F5 XC subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetUsage {
    pub subnet: String,
    pub interface: String,
    pub address_count: u64,
    pub free_address_count: u64,
}

/// `expect:` checks of a desired file (drift only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expect {
    /// Percentage 0-100.
    pub max_utilization: Option<u8>,
    /// Free leasable addresses each dynamic pool must keep (IOS XE).
    pub min_free: Option<u64>,
    pub reservations: Vec<(Mac, Ipv4Addr)>,
}

/// What an F5 XC site's `dhcp_leases` answer holds.
#[derive(Debug, Clone, Default)]
pub struct Leases {
    pub leases: Vec<Lease>,
    pub subnets: Vec<SubnetUsage>,
}
