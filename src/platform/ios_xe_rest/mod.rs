//! The Cisco IOS XE REST API for DHCP: wire types and the client.

pub mod client;
pub mod wire;

pub use client::IosXe;
