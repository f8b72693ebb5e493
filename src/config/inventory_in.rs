//! The inventory as written: serde input types with spans (their JSON Schema is generated
//! from them).

use crate::config::manifest::Sp;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("patternProperties" = {"^x-": {}}))]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
/// The dhcpform inventory: settings and devices.
pub struct InventoryFile {
    #[serde(default)]
    pub settings: SettingsIn,
    /// Device fields shared by every entry; an entry's own fields win.
    #[serde(default)]
    pub defaults: DefaultsIn,
    /// Named pool settings (`lease-duration`, `options`) that pools use with `profile: NAME`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, crate::config::manifest::ios_xe::ProfileIn>")]
    pub profiles: BTreeMap<String, Sp<crate::config::manifest::ios_xe::ProfileIn>>,
    #[serde(default)]
    // Boxed: a map node holds room for eleven entries, half of them empty when the names come
    // sorted, and a `DeviceIn` is large (10,000 devices: 9.9 MB of nodes unboxed, by
    // heaptrack; the validate peak fell 31.4 -> 27.8 MB).
    #[schemars(with = "BTreeMap<String, DeviceIn>")]
    pub devices: BTreeMap<String, Box<Sp<DeviceIn>>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct SettingsIn {
    /// Devices worked on at once, 1-1024 (default 16).
    #[schemars(with = "Option<usize>", range(min = 1, max = 1024))]
    pub parallelism: Option<Sp<usize>>,
    /// Per HTTP request, e.g. `30s` or `500ms` (default 30s).
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Sp<String>>,
    /// Retries of retryable failures, 0-20 (default 4).
    #[schemars(with = "Option<u32>", range(max = 20))]
    pub retries: Option<Sp<u32>>,
    /// Requests in flight at once to one host (scheme, name and port), shared by every device
    /// there (an F5 XC tenant's console serves all its sites), 1-1024 (default 32).
    #[schemars(with = "Option<usize>", range(min = 1, max = 1024))]
    pub per_host_limit: Option<Sp<usize>>,
    pub safety: Option<SafetyIn>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct SafetyIn {
    /// 0-100 (default 30).
    #[schemars(with = "Option<u8>", range(max = 100))]
    pub max_delete_percent: Option<Sp<u8>>,
    /// 0-100 (default 30).
    #[schemars(with = "Option<u8>", range(max = 100))]
    pub max_update_percent: Option<Sp<u8>>,
    /// The percentage gates apply from this many live pools (default 10).
    pub min_existing: Option<usize>,
    /// Active automatic bindings a plan may take addresses from before it is blocked
    /// (default 0).
    pub max_affected_clients: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct DeviceIn {
    /// `ios-xe` or `f5-xc` (or from `defaults`).
    #[schemars(with = "Option<String>")]
    pub platform: Option<Sp<String>>,
    /// `https://host:port[/prefix]`, `sim://NAME`, or `http://` to a loopback address.
    #[schemars(with = "String")]
    pub url: Sp<String>,
    pub auth: Option<AuthIn>,
    pub tls: Option<TlsIn>,
    /// Default `devices/<name>.yaml`.
    #[schemars(with = "Option<String>")]
    pub desired: Option<Sp<String>>,
    /// Delete pools the file does not declare (default true).
    pub prune: Option<bool>,
    /// Never deleted or replaced without --force.
    #[schemars(with = "Option<Vec<String>>")]
    pub protected_pools: Option<Vec<Sp<String>>>,
    /// F5 XC namespace (default `system`).
    pub namespace: Option<String>,
    /// F5 XC site name.
    pub site: Option<String>,
    /// IOS XE API: `rest` (`/api/v1`, IOS XE up to 16.x; the default) or `restconf` (IOS XE
    /// 17.x, Catalyst 8000/9000).
    #[schemars(with = "Option<String>")]
    pub api: Option<Sp<String>>,
    /// RESTCONF only: save the running configuration after a device's writes succeed
    /// (default true).
    pub save_config: Option<bool>,
    /// Labels for selection: `--device tag:NAME`, `--exclude tag:NAME`.
    pub tags: Option<Vec<String>>,
}

/// `defaults:` of the inventory: device fields every entry takes unless it sets its own.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct DefaultsIn {
    #[schemars(with = "Option<String>")]
    pub platform: Option<Sp<String>>,
    pub auth: Option<AuthIn>,
    pub tls: Option<TlsIn>,
    pub prune: Option<bool>,
    #[schemars(with = "Option<Vec<String>>")]
    pub protected_pools: Option<Vec<Sp<String>>>,
    pub namespace: Option<String>,
    pub tags: Option<Vec<String>>,
    #[schemars(with = "Option<String>")]
    pub api: Option<Sp<String>>,
    pub save_config: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
/// Names of environment variables holding credentials; never the values.
pub struct AuthIn {
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub api_token_env: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
pub struct TlsIn {
    /// PEM file of the CA (or CAs) that signed the device's certificate: trusted instead of
    /// the built-in roots.
    pub ca_file: Option<String>,
    /// SHA-256 of the device's certificate (hex, colons allowed, or base64): exactly that
    /// certificate is accepted, whatever its issuer, CA flag or names (a router's self-signed
    /// certificate); the TLS handshake is still checked.
    pub pin_sha256: Option<String>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}
