//! The decoders of device answers never panic, whatever JSON (or text) a device sends: they
//! answer with a value or an error. Keys are drawn mostly from the documents' field names so
//! the inputs reach deep into the decoders.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use dhcpform::platform::f5_xc::client::parse_leases;
use dhcpform::platform::ios_xe_rest::client::{parse_binding, recognise};
use dhcpform::platform::ios_xe_rest::wire;
use dhcpform::platform::lenient::parse_json_lenient;
use proptest::prelude::*;
use serde_json::Value;

const KEYS: &[&str] = &[
    "kind",
    "enable",
    "excluded-addresses",
    "excluded-address",
    "low-ip-address",
    "high-ip-address",
    "relay-agents",
    "relay-agent",
    "interface-name",
    "interface",
    "addresses",
    "address",
    "items",
    "poolName",
    "pool-name",
    "dynamic",
    "manual",
    "address-range",
    "lease-duration",
    "days",
    "hours",
    "minutes",
    "infinite",
    "options",
    "domain-name",
    "default-gateway",
    "dns-servers",
    "netbios-name-servers",
    "netbios-node-type",
    "host-ip-address",
    "mac-address",
    "client-name",
    "lease-expiration-time",
    "type",
    "error-code",
    "error-message",
    "lease_info",
    "subnet_info",
    "ip",
    "mac",
    "subnet",
    "hostname",
    "expiry",
    "address_count",
    "free_address_count",
    "code",
    "message",
];

const STRINGS: &[&str] = &[
    "None",
    "",
    "10.0.0.1",
    "10.0.0.0/24",
    "172/16.0.0/16",
    "0000.0000.0001",
    "02:03:04:05:06:07",
    "h-node",
    "true",
    "false",
    "infinite",
    "2026:11:25 12:16",
    "object#dhcp-server",
    "collection#dhcp-server-pool",
    "object#dhcp-server-pool",
    "18446744073709551616",
    "-1",
    "GigabitEthernet1",
    "..",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-z_-]{1,8}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        proptest::sample::select(STRINGS).prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None,
        ..ProptestConfig::default() })]

    #[test]
    fn ios_xe_decoders_never_panic(v in json()) {
        let _ = wire::parse_server(&v);
        let _ = wire::parse_pool(&v);
        let _ = wire::parse_lease(&v);
        let _ = wire::is_option_only(&v);
        let _ = wire::pool_name(&v);
        let _ = parse_binding(&v);
        for kind in ["object#dhcp-server", "collection#dhcp-server-pool"] {
            let _ = recognise(&v, kind);
        }
        // items of a collection go through the same decoders
        if let Some(Value::Array(items)) = v.get("items") {
            for item in items {
                let _ = wire::parse_pool(item);
                let _ = parse_binding(item);
            }
        }
    }

    #[test]
    fn f5_xc_decoder_never_panics(v in json()) {
        let _ = parse_leases(&v);
    }

    #[test]
    fn the_lenient_json_reader_never_panics(text in ".{0,200}") {
        let _ = parse_json_lenient(&text);
    }

    #[test]
    fn the_lenient_json_reader_never_panics_on_json_like_text(v in json(), cut in 0usize..400) {
        let text = v.to_string();
        let cut = (0..=cut.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let _ = parse_json_lenient(&text[..cut]);
        let _ = parse_json_lenient(&text.replace(',', "").replace('}', ",}"));
    }
}
