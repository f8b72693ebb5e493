//! Cisco IOS XE 17.x over RESTCONF (RFC 8040) with Cisco's native YANG models (Catalyst
//! 8000/9000): the same DHCP model as `ios_xe_rest`, read from `native/ip/dhcp`,
//! `native/service` and the interfaces' helper addresses, written entry by entry, saved with
//! `cisco-ia:save-config`. Wire shapes, client, lowering of plan steps, executor and device.

pub mod apply;
pub mod client;
pub mod device;
pub mod lower;
pub mod wire;

pub use client::Restconf;
pub use lower::Conf;
