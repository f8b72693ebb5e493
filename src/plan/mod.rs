//! Planning: diff desired against live, order the calls, and judge safety.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanFile {
    pub format_version: u32,
}
