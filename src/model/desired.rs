//! A device's desired state as lowered from its file, per platform.

use super::{DeviceConfig, Expect};
use std::sync::Arc;

/// The desired state of one IOS XE device, as lowered from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct IosXeDesired {
    pub config: DeviceConfig,
    pub expect: Expect,
}

/// The desired state of one device. Shared, never copied, by the tasks that work on it.
#[derive(Debug, Clone)]
pub enum Desired {
    IosXe(Arc<IosXeDesired>),
    F5Xc(Arc<super::f5::F5Desired>),
    /// The device cannot be planned, and why (its file has errors, or a profile it uses
    /// does): the device fails alone, the others run.
    Invalid(String),
}
