//! The inventory, `dhcpform.yaml`: settings and the devices a repository manages.

use crate::config::manifest::lower::Lowerer;
use crate::config::manifest::{Diags, SourceFile, Sp};
use miette::SourceSpan;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use super::inventory_in::*;
pub use crate::model::{Api, Platform, Safety};

pub const INVENTORY_FILE: &str = "dhcpform.yaml";

#[derive(Debug, Clone)]
pub struct Settings {
    pub parallelism: usize,
    pub timeout: Duration,
    pub retries: u32,
    /// Requests in flight at once to one host.
    pub per_host_limit: usize,
    pub safety: Safety,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            parallelism: 16,
            timeout: Duration::from_secs(30),
            retries: 4,
            per_host_limit: 32,
            safety: Safety {
                max_delete_percent: 30,
                max_update_percent: 30,
                min_existing: 10,
                max_affected_clients: 0,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The built-in emulator, started inside this process.
    Sim(String),
    /// A real base URL (may carry a path prefix), without a trailing slash.
    Http(String),
}

#[derive(Debug, Clone)]
pub struct DeviceEntry {
    pub name: String,
    pub platform: Platform,
    pub endpoint: Endpoint,
    pub auth: AuthIn,
    pub tls: TlsIn,
    pub desired: PathBuf,
    pub desired_display: String,
    pub prune: bool,
    pub protected_pools: Vec<String>,
    /// Where each of `protected_pools` is written (the device's entry or `defaults:`).
    pub protected_spans: Vec<SourceSpan>,
    pub namespace: String,
    pub site: String,
    /// IOS XE: which API the device speaks.
    pub api: Api,
    /// RESTCONF: save the running configuration after a good apply.
    pub save_config: bool,
    pub tags: Vec<String>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    pub root: PathBuf,
    pub file: SourceFile,
    pub settings: Settings,
    pub devices: Vec<DeviceEntry>,
    /// `profiles:`, lowered; their problems are reported with the pools that use them.
    pub profiles: crate::config::manifest::ios_xe::Profiles,
    /// Every device the file declares, with its desired file, even one whose entry has errors
    /// (so its file is not taken for an orphan).
    pub declared: Vec<(String, PathBuf)>,
}

/// `30s`, `500ms` or `2m`: the unit is required.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num.parse().ok()?;
    match unit.trim() {
        "s" => Some(Duration::from_secs(n)),
        "ms" => Some(Duration::from_millis(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        _ => None,
    }
}

/// Checks a device URL; the error says what is accepted.
pub fn parse_endpoint(url: &str) -> Result<Endpoint, String> {
    if let Some(name) = url.strip_prefix("sim://") {
        let name = name.trim_end_matches('/');
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(format!(
                "`{url}`: a sim:// URL names an emulated device, e.g. sim://lab"
            ));
        }
        return Ok(Endpoint::Sim(name.to_string()));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if parsed.host_str().is_none() {
        return Err(format!("`{url}` has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "`{}` carries credentials; name environment variables under `auth` instead",
            parsed.host_str().unwrap_or("")
        ));
    }
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(format!(
                    "`{url}`: plain http:// is accepted only for a loopback address (127.0.0.0/8, \
                        ::1, localhost); devices need https://"
                ));
            }
        }
        other => {
            return Err(format!(
                "`{url}`: scheme `{other}` is not supported; use https://, sim:// or http:// to \
                    loopback"
            ));
        }
    }
    Ok(Endpoint::Http(url.trim_end_matches('/').to_string()))
}

/// Reads and checks the inventory of a repository. Problems go to `diags`.
pub fn load(root: &Path, diags: &mut Diags) -> Option<Inventory> {
    let path = root.join(INVENTORY_FILE);
    if !path.exists() {
        let file = SourceFile::new(INVENTORY_FILE, &path, "");
        let yml = root.join("dhcpform.yml");
        let help = if yml.exists() {
            format!("found {}: rename it to dhcpform.yaml", yml.display())
        } else {
            "create dhcpform.yaml with a `devices:` map (each device: platform, url, auth), and \
             one desired file per device in devices/; examples/quickstart is a complete one"
                .to_string()
        };
        diags.push(
            crate::config::manifest::Diag::file_level(
                &file,
                format!(
                    "no inventory: {} does not exist (is this a dhcpform repository?)",
                    path.display()
                ),
            )
            .with_help(help),
        );
        return None;
    }
    let file = match SourceFile::read(INVENTORY_FILE, &path) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let parsed: InventoryFile = file.parse(diags)?;
    let profiles = parsed
        .profiles
        .iter()
        .map(|(name, p)| {
            (
                name.clone(),
                crate::config::manifest::ios_xe::lower_profile(&file, p),
            )
        })
        .collect();
    let mut lw = Lowerer::new(&file, diags);
    let settings = lower_settings(&parsed.settings, &mut lw);
    // sized once: a DeviceEntry is ~380 bytes, and doubling left 10,000 of them in 6 MB
    let mut devices = Vec::with_capacity(parsed.devices.len());
    devices.extend(
        parsed
            .devices
            .iter()
            .filter_map(|(name, dev)| lower_device(root, name, dev, &parsed.defaults, &mut lw)),
    );
    let declared = parsed
        .devices
        .iter()
        .map(|(name, d)| {
            let rel = d
                .value
                .desired
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_else(|| format!("devices/{name}.yaml"));
            (name.clone(), root.join(rel))
        })
        .collect();
    Some(Inventory {
        root: root.to_path_buf(),
        file,
        settings,
        devices,
        profiles,
        declared,
    })
}

/// A number inside `lo..=hi`, or a diagnostic at its value.
fn in_range<T>(lw: &mut Lowerer, v: &Sp<T>, key: &str, lo: T, hi: T) -> Option<T>
where
    T: Copy + PartialOrd + std::fmt::Display,
{
    if v.value < lo || v.value > hi {
        let span = lw.span(v);
        lw.error_help(
            span,
            format!("{key} {} is out of range", v.value),
            "out of range",
            format!("{key} is {lo} to {hi}"),
        );
        return None;
    }
    Some(v.value)
}

fn lower_settings(s: &SettingsIn, lw: &mut Lowerer) -> Settings {
    let mut settings = Settings::default();
    if let Some(p) = &s.parallelism
        && let Some(p) = in_range(lw, p, "parallelism", 1, 1024)
    {
        settings.parallelism = p;
    }
    if let Some(p) = &s.per_host_limit
        && let Some(p) = in_range(lw, p, "per-host-limit", 1, 1024)
    {
        settings.per_host_limit = p;
    }
    if let Some(t) = &s.timeout {
        match parse_duration(&t.value) {
            Some(d) if !d.is_zero() => settings.timeout = d,
            _ => {
                let span = lw.span(t);
                let bare = !t.value.trim().is_empty()
                    && t.value.trim().chars().all(|c| c.is_ascii_digit());
                let hint = if bare {
                    format!(
                        "a duration needs a unit: did you mean `{}s`?",
                        t.value.trim()
                    )
                } else {
                    "write e.g. 30s, 500ms or 2m".to_string()
                };
                lw.error_help(
                    span,
                    format!("`{}` is not a timeout", t.value),
                    "bad duration",
                    hint,
                );
            }
        }
    }
    if let Some(r) = &s.retries
        && let Some(r) = in_range(lw, r, "retries", 0, 20)
    {
        settings.retries = r;
    }
    if let Some(safety) = &s.safety {
        let d = &mut settings.safety;
        if let Some(v) = &safety.max_delete_percent
            && let Some(v) = in_range(lw, v, "max-delete-percent", 0, 100)
        {
            d.max_delete_percent = v;
        }
        if let Some(v) = &safety.max_update_percent
            && let Some(v) = in_range(lw, v, "max-update-percent", 0, 100)
        {
            d.max_update_percent = v;
        }
        if let Some(m) = safety.min_existing {
            d.min_existing = m;
        }
        if let Some(m) = safety.max_affected_clients {
            d.max_affected_clients = m;
        }
    }
    settings
}

fn lower_platform(p: &Sp<String>, lw: &mut Lowerer) -> Option<Platform> {
    match p.value.as_str() {
        "ios-xe" => Some(Platform::IosXe),
        "f5-xc" => Some(Platform::F5Xc),
        other => {
            let lower = other.to_ascii_lowercase();
            let hint = if lower.contains("ios") {
                "did you mean `ios-xe`?"
            } else if lower.contains("f5") {
                "did you mean `f5-xc`?"
            } else {
                "known platforms: ios-xe, f5-xc"
            };
            let span = lw.span(p);
            lw.error_help(
                span,
                format!("unknown platform `{other}`"),
                "unknown platform",
                hint,
            );
            None
        }
    }
}

/// The auth fields a device of `platform` lacks (names of environment variables).
fn missing_auth(platform: Option<Platform>, auth: &AuthIn) -> Vec<&'static str> {
    let fields: Vec<(&'static str, &Option<String>)> = match platform {
        Some(Platform::IosXe) => vec![
            ("username-env", &auth.username_env),
            ("password-env", &auth.password_env),
        ],
        Some(Platform::F5Xc) => vec![("api-token-env", &auth.api_token_env)],
        None => vec![],
    };
    fields
        .into_iter()
        .filter(|(_, v)| v.as_deref().is_none_or(str::is_empty))
        .map(|(k, _)| k)
        .collect()
}

fn check_auth(
    name: &str,
    platform: Option<Platform>,
    auth: &AuthIn,
    span: SourceSpan,
    lw: &mut Lowerer,
) {
    let missing = missing_auth(platform, auth);
    if missing.is_empty() {
        return;
    }
    let example: Vec<String> = missing.iter().map(|m| format!("{m}: VAR")).collect();
    lw.error_help(
        span,
        format!(
            "device `{name}` names no environment variable for {}",
            missing.join(" and ")
        ),
        "credentials missing",
        format!(
            "add `auth: {{ {} }}` with the names of environment variables",
            example.join(", ")
        ),
    );
}

/// Whether `s` can name an environment variable: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `auth.*-env` must name environment variables. A value that cannot is probably the secret
/// itself, pasted: the diagnostic points at it in a copy of the file where it is masked, so
/// it is never echoed.
fn check_env_names(device: &str, auth: &AuthIn, device_span: SourceSpan, lw: &mut Lowerer) {
    let fields = [
        ("username-env", &auth.username_env),
        ("password-env", &auth.password_env),
        ("api-token-env", &auth.api_token_env),
    ];
    for (key, value) in fields {
        let Some(v) = value
            .as_deref()
            .filter(|v| !v.is_empty() && !is_env_name(v))
        else {
            continue;
        };
        let text = lw.file.text();
        let from = device_span.offset().min(text.len());
        // the value may come from `defaults:`, before the entry
        let found = text[from..]
            .find(v)
            .map(|o| from + o)
            .or_else(|| text.find(v));
        let (source, at) = match found {
            Some(o) => {
                let mut masked = String::with_capacity(text.len());
                masked.push_str(&text[..o]);
                masked.push_str(&"*".repeat(v.len()));
                masked.push_str(&text[o + v.len()..]);
                let file = SourceFile::new(INVENTORY_FILE, &lw.file.path, &masked);
                (file, SourceSpan::from((o, v.len())))
            }
            None => (lw.file.clone(), device_span),
        };
        lw.diags.push(
            crate::config::manifest::Diag::at(
                &source,
                at,
                format!(
                    "auth.{key} of device `{device}` is not the name of an environment variable \
                     (value not shown)"
                ),
                "not a variable name",
            )
            .with_help(format!(
                "write the NAME of the variable that holds the secret (letters, digits and _, \
                 e.g. {}), never the secret itself",
                device
                    .to_ascii_uppercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                    + "_"
                    + &key
                        .trim_end_matches("-env")
                        .to_ascii_uppercase()
                        .replace('-', "_")
            )),
        );
    }
}

/// The desired file must exist; a `.yml` twin of a missing `.yaml` is named in the hint.
fn check_desired_file(
    name: &str,
    desired: &Path,
    desired_rel: &str,
    d: &DeviceIn,
    span: SourceSpan,
    lw: &mut Lowerer,
) {
    if desired.is_file() {
        return;
    }
    let dspan = d.desired.as_ref().map(|s| lw.span(s)).unwrap_or(span);
    let yml = desired.with_extension("yml");
    let help = if desired_rel.ends_with(".yaml") && yml.is_file() {
        format!(
            "found {}: rename it to .yaml, or set `desired:` to it",
            desired_rel.trim_end_matches(".yaml").to_string() + ".yml"
        )
    } else {
        "create it (dhcpform import --device NAME --write reads it from the device) or fix \
            `desired`"
            .to_string()
    };
    lw.error_help(
        dspan,
        format!("desired-state file {desired_rel} of device `{name}` does not exist"),
        "missing file",
        help,
    );
}

/// An F5 XC entry's site and namespace: present, and DNS labels (they go into URLs).
fn check_f5_names(
    name: &str,
    d: &DeviceIn,
    defaults: &DefaultsIn,
    span: SourceSpan,
    lw: &mut Lowerer,
) {
    match d.site.as_deref() {
        None | Some("") => lw.error(
            span,
            format!("F5 XC device `{name}` needs `site`"),
            "missing site",
        ),
        Some(site) if !crate::model::names::dns_label(site) => lw.error_help(
            span,
            format!("site `{site}` of device `{name}` is not an F5 XC name"),
            "bad site",
            "F5 XC names are DNS labels: 1-63 lower-case letters, digits and `-`",
        ),
        Some(_) => {}
    }
    let ns = d.namespace.as_ref().or(defaults.namespace.as_ref());
    if let Some(ns) = ns.filter(|n| !crate::model::names::dns_label(n)) {
        lw.error_help(
            span,
            format!("namespace `{ns}` of device `{name}` is not an F5 XC name"),
            "bad namespace",
            "F5 XC names are DNS labels: 1-63 lower-case letters, digits and `-`",
        );
    }
}

/// `tls:` of an entry: the CA file exists, a pin is a SHA-256.
fn check_tls(name: &str, tls: &TlsIn, root: &Path, span: SourceSpan, lw: &mut Lowerer) {
    if let Some(ca) = &tls.ca_file
        && !root.join(ca).is_file()
    {
        lw.error(
            span,
            format!("tls.ca-file {ca} of device `{name}` does not exist"),
            "missing CA file",
        );
    }
    if let Some(pin) = &tls.pin_sha256
        && let Err(e) = parse_pin(pin)
    {
        lw.error_help(
            span,
            format!("tls.pin-sha256 of device `{name}`: {e}"),
            "bad pin",
            "the SHA-256 of the device's certificate (DER), e.g. from `openssl x509 -in \
             cert.pem -outform der | sha256sum`, or `openssl x509 -noout -fingerprint -sha256`",
        );
    }
}

/// A certificate pin: 32 bytes as hex (64 digits, `:` separators allowed) or base64.
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    use base64::Engine;
    let t = text.trim();
    let hex_digits: String = t.chars().filter(|c| *c != ':').collect();
    let bytes = if hex_digits.len() == 64 {
        hex::decode(&hex_digits).map_err(|_| format!("`{t}` is not hex"))?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .map_err(|_| format!("expected 64 hex digits or base64 of 32 bytes, found `{t}`"))?
    };
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("a SHA-256 is 32 bytes, found {}", b.len()))
}

/// `api:` of an entry: `rest` (the default) or `restconf`, for IOS XE devices only.
fn lower_api(
    name: &str,
    platform: Option<Platform>,
    api: Option<&Sp<String>>,
    lw: &mut Lowerer,
) -> Option<Api> {
    let Some(v) = api else {
        return Some(Api::Rest);
    };
    let span = lw.span(v);
    if platform == Some(Platform::F5Xc) {
        lw.error_help(
            span,
            format!("device `{name}` is F5 XC: `api` applies to ios-xe devices only"),
            "not for f5-xc",
            "remove `api` from this device",
        );
        return None;
    }
    match v.value.as_str() {
        "rest" => Some(Api::Rest),
        "restconf" => Some(Api::Restconf),
        other => {
            let hint = match crate::model::names::nearest(other, ["rest", "restconf"]) {
                Some(n) => format!("did you mean `{n}`?"),
                None => "`rest` (/api/v1, IOS XE up to 16.x) or `restconf` (IOS XE 17.x)".into(),
            };
            lw.error_help(
                span,
                format!("expected `rest` or `restconf` as the API, found `{other}`"),
                "unknown API",
                hint,
            );
            None
        }
    }
}

/// Checks one device entry; `None` when it cannot be used (the reason is in the diagnostics).
fn lower_device(
    root: &Path,
    name: &str,
    dev: &Sp<DeviceIn>,
    defaults: &DefaultsIn,
    lw: &mut Lowerer,
) -> Option<DeviceEntry> {
    let span = lw.span(dev);
    let d = &dev.value;
    // An entry's own fields win over `defaults:`, each field whole.
    let platform = match d.platform.as_ref().or(defaults.platform.as_ref()) {
        Some(p) => lower_platform(p, lw),
        None => {
            lw.error_help(
                span,
                format!("device `{name}` has no platform"),
                "no platform",
                "add `platform: ios-xe` or `platform: f5-xc` here or under `defaults:`",
            );
            None
        }
    };
    let auth = d.auth.clone().or(defaults.auth.clone()).unwrap_or_default();
    let tls = d.tls.clone().or(defaults.tls.clone()).unwrap_or_default();
    let endpoint = match parse_endpoint(&d.url.value) {
        Ok(e) => Some(e),
        Err(msg) => {
            let uspan = lw.span(&d.url);
            lw.error(uspan, msg, "bad URL");
            None
        }
    };
    let desired_rel = d
        .desired
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_else(|| format!("devices/{name}.yaml"));
    let desired = root.join(&desired_rel);
    check_desired_file(name, &desired, &desired_rel, d, span, lw);
    check_env_names(name, &auth, span, lw);
    if !matches!(endpoint, Some(Endpoint::Sim(_))) {
        check_auth(name, platform, &auth, span, lw);
    }
    if platform == Some(Platform::F5Xc) {
        check_f5_names(name, d, defaults, span, lw);
    }
    check_tls(name, &tls, root, span, lw);
    let pick = |own: &Option<Vec<String>>, shared: &Option<Vec<String>>| {
        own.clone().or(shared.clone()).unwrap_or_default()
    };
    let protected = d
        .protected_pools
        .clone()
        .or(defaults.protected_pools.clone())
        .unwrap_or_default();
    Some(DeviceEntry {
        name: name.to_string(),
        platform: platform?,
        endpoint: endpoint?,
        auth,
        tls: TlsIn {
            ca_file: tls
                .ca_file
                .as_ref()
                .map(|f| root.join(f).to_string_lossy().into_owned()),
            pin_sha256: tls.pin_sha256.clone(),
            insecure_skip_verify: tls.insecure_skip_verify,
        },
        desired,
        desired_display: desired_rel,
        prune: d.prune.or(defaults.prune).unwrap_or(true),
        protected_pools: protected.iter().map(|p| p.value.clone()).collect(),
        protected_spans: protected.iter().map(|p| lw.span(p)).collect(),
        namespace: d
            .namespace
            .clone()
            .or(defaults.namespace.clone())
            .unwrap_or_else(|| "system".into()),
        site: d.site.clone().unwrap_or_default(),
        tags: pick(&d.tags, &defaults.tags),
        api: lower_api(name, platform, d.api.as_ref().or(defaults.api.as_ref()), lw)?,
        save_config: d.save_config.or(defaults.save_config).unwrap_or(true),
        span,
    })
}
