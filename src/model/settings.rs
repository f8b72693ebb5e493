//! What the inventory says about a device that planning needs: its platform and the safety
//! gates' thresholds.

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    IosXe,
    F5Xc,
}

impl Platform {
    /// The inventory's name of the platform.
    pub fn name(&self) -> &'static str {
        match self {
            Platform::IosXe => "ios-xe",
            Platform::F5Xc => "f5-xc",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Safety {
    pub max_delete_percent: u8,
    pub max_update_percent: u8,
    pub min_existing: usize,
    /// Active automatic bindings a device's plan may take addresses from (default 0).
    pub max_affected_clients: usize,
}

/// Which API an IOS XE device speaks.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// The IOS XE REST API (`/api/v1`, up to 16.x).
    #[default]
    Rest,
    /// RESTCONF with Cisco's native YANG models (IOS XE 17.x).
    Restconf,
}
