//! F5 Distributed Cloud: the leases API and the `network_interface` objects that hold a site
//! interface's DHCP server (client, replace-form reading and rendering).

pub mod client;
pub mod config;

pub use client::F5Xc;
