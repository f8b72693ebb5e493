//! The Cisco IOS XE REST API for DHCP (`/api/v1`, IOS XE up to 16.x): wire types, the client,
//! the lowering of plan steps into calls, the executor and the device contract.

pub mod apply;
pub mod client;
pub mod device;
pub mod lower;
pub mod wire;

pub use client::IosXe;
pub use lower::Rest;
