//! dhcpform: DHCP server configuration of network devices as code.
//!
//! Desired state lives in YAML; devices are read over their REST APIs; a plan shows the
//! difference; apply converges the device with ordered calls. See docs/architecture.md.

pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod model;
pub mod plan;
pub mod platform;
pub mod render;
pub mod schema;
pub mod sim;
