//! F5 Distributed Cloud: the leases API and the `network_interface` objects that hold a site
//! interface's DHCP server (client, replace-form reading and rendering).

pub mod apply;
pub mod client;
pub mod config;
pub mod device;
pub mod lower;

pub use client::F5Xc;
pub use lower::Xc;
