//! Configuration loading: the inventory (`inventory`), the desired-state files with their spans
//! (`manifest`), loading a whole repository (`repo`) and its validation
//! rules (`validate`). Depends only on `plan` and
//! `model`; nothing here talks to a device.

pub mod inventory;
pub mod inventory_in;
pub mod manifest;
pub mod repo;
pub mod validate;
