//! The committed JSON Schemas match the ones generated from the Rust types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use dhcpform::cli::SchemaKind;

#[test]
fn committed_schemas_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for kind in [
        SchemaKind::Inventory,
        SchemaKind::IosXe,
        SchemaKind::F5Xc,
        SchemaKind::Plan,
    ] {
        let name = dhcpform::schema::file_name(kind);
        let committed = std::fs::read_to_string(root.join(name)).unwrap_or_default();
        let generated = format!("{}\n", dhcpform::schema::json(kind));
        assert!(
            committed == generated,
            "schemas/{name} is stale: regenerate with `cargo run -- schema {kind:?}` (see README)"
        );
    }
}

#[test]
fn schema_describes_the_file_keys() {
    let s: serde_json::Value =
        serde_json::from_str(&dhcpform::schema::json(SchemaKind::IosXe)).unwrap();
    let text = s.to_string();
    for key in [
        "excluded-addresses",
        "relay-agents",
        "address-range",
        "lease-duration",
        "mac-address",
        "dns-servers",
    ] {
        assert!(text.contains(key), "{key} missing from the ios-xe schema");
    }
}
