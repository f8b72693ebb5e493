//! JSON Schemas generated from the Rust types (schemars); `schemas/` holds committed copies.

use crate::cli::SchemaKind;

pub fn json(kind: SchemaKind) -> String {
    let schema = match kind {
        SchemaKind::Inventory => schemars::schema_for!(crate::config::inventory::InventoryFile),
        SchemaKind::IosXe => schemars::schema_for!(crate::config::manifest::ios_xe::IosXeFile),
        SchemaKind::F5Xc => schemars::schema_for!(crate::config::manifest::f5_xc::F5XcFile),
        SchemaKind::Plan => schemars::schema_for!(crate::plan::PlanFile),
    };
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// File name of the committed copy under `schemas/`.
pub fn file_name(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Inventory => "inventory.schema.json",
        SchemaKind::IosXe => "ios-xe.schema.json",
        SchemaKind::F5Xc => "f5-xc.schema.json",
        SchemaKind::Plan => "plan.schema.json",
    }
}
