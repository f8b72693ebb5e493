//! From an inventory entry to a bound device: credentials from the environment, TLS options,
//! the backend's client, and the device bound to its own desired state (a desired file of
//! another platform cannot reach it).

use crate::config::inventory::{DeviceEntry, Endpoint, Settings};
use crate::model::{Api, Desired, Platform, Safety};
use crate::platform::http::{DeviceError, HttpCache, Logger, Secret, TlsOptions};
use crate::platform::{Device, SIM_API_TOKEN, SIM_PASSWORD, SIM_USER};
use crate::platform::{f5_xc, ios_xe_rest, ios_xe_restconf};

/// A backend's client for one device.
pub enum Client {
    IosXe(ios_xe_rest::IosXe),
    Restconf(ios_xe_restconf::Restconf),
    F5Xc(f5_xc::F5Xc),
}

fn env_secret(var: &Option<String>) -> Option<Secret> {
    let v = std::env::var(var.as_ref()?).ok()?;
    (!v.is_empty()).then(|| Secret::new(v))
}

/// The environment variables a device's credentials come from, each with what it holds.
pub fn credential_vars(entry: &DeviceEntry) -> Vec<(&str, &'static str)> {
    let a = &entry.auth;
    [
        (&a.username_env, "the username"),
        (&a.password_env, "the password"),
        (&a.api_token_env, "the API token"),
    ]
    .into_iter()
    .filter_map(|(v, what)| v.as_deref().map(|v| (v, what)))
    .collect()
}

/// Every credential variable of the device that is not set, named at once.
fn missing_credentials(entry: &DeviceEntry) -> Result<(), DeviceError> {
    let missing: Vec<String> = credential_vars(entry)
        .into_iter()
        .filter(|(v, _)| std::env::var(v).map_or(true, |x| x.is_empty()))
        .map(|(v, what)| format!("{v} ({what})"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let (s, are) = if missing.len() == 1 {
        ("", "is")
    } else {
        ("s", "are")
    };
    Err(DeviceError::Setup {
        device: entry.name.clone(),
        message: format!(
            "environment variable{s} {} {are} not set",
            missing.join(" and ")
        ),
    })
}

/// Builds the client of a device. `sim_base` resolves `sim://NAME` to the embedded emulator's
/// base URL for that device.
pub fn connect(
    entry: &DeviceEntry,
    settings: &Settings,
    sim_base: &dyn Fn(&str) -> Option<String>,
    cache: &HttpCache,
    log: Option<Logger>,
) -> Result<Client, DeviceError> {
    let setup = |message: String| DeviceError::Setup {
        device: entry.name.clone(),
        message,
    };
    let (base, is_sim) = match &entry.endpoint {
        Endpoint::Http(u) => (u.clone(), false),
        Endpoint::Sim(name) => (
            sim_base(name)
                .ok_or_else(|| setup(format!("the emulator for sim://{name} is not running")))?,
            true,
        ),
    };
    let ca_pem = match &entry.tls.ca_file {
        Some(f) if !is_sim => {
            Some(std::fs::read(f).map_err(|e| setup(format!("cannot read tls.ca-file {f}: {e}")))?)
        }
        _ => None,
    };
    let pin = match &entry.tls.pin_sha256 {
        Some(p) if !is_sim => Some(
            crate::config::inventory::parse_pin(p)
                .map_err(|e| setup(format!("tls.pin-sha256: {e}")))?,
        ),
        _ => None,
    };
    let tls = TlsOptions {
        ca_pem,
        pin,
        insecure: entry.tls.insecure_skip_verify,
    };
    let http = cache
        .get(settings.timeout, settings.retries, &tls, log)
        .map_err(setup)?;
    match entry.platform {
        Platform::IosXe => {
            missing_credentials(entry)?;
            let user_secret = env_secret(&entry.auth.username_env);
            let pass = env_secret(&entry.auth.password_env);
            let (user, pass) = match (user_secret, pass) {
                (Some(u), Some(p)) => (u.expose().to_string(), p),
                _ if is_sim => (SIM_USER.to_string(), Secret::new(SIM_PASSWORD)),
                _ => {
                    return Err(setup(
                        "auth.username-env and auth.password-env are required".into(),
                    ));
                }
            };
            Ok(match entry.api {
                Api::Rest => Client::IosXe(ios_xe_rest::IosXe::new(http, &base, &user, pass)),
                Api::Restconf => {
                    Client::Restconf(ios_xe_restconf::Restconf::new(http, &base, &user, pass))
                }
            })
        }
        Platform::F5Xc => {
            missing_credentials(entry)?;
            let token = match env_secret(&entry.auth.api_token_env) {
                Some(t) => t,
                None if is_sim => Secret::new(SIM_API_TOKEN),
                None => return Err(setup("auth.api-token-env is required".into())),
            };
            Ok(Client::F5Xc(f5_xc::F5Xc::new(
                http,
                &base,
                &entry.namespace,
                &entry.site,
                token,
            )))
        }
    }
}
/// Binds a device entry, its desired state and its client. A desired state of another
/// platform than the client's is refused here, once.
pub fn bind(
    entry: &DeviceEntry,
    desired: &Desired,
    client: Client,
    safety: Safety,
) -> Result<Box<dyn Device>, DeviceError> {
    match (client, desired) {
        (_, Desired::Invalid(why)) => Err(DeviceError::InvalidFile {
            device: entry.name.clone(),
            message: format!("{why}: the device was not contacted"),
        }),
        (Client::IosXe(client), Desired::IosXe(desired)) => {
            Ok(Box::new(ios_xe_rest::device::IosXeDevice {
                name: entry.name.clone(),
                prune: entry.prune,
                protected: entry.protected_pools.clone(),
                safety,
                desired: desired.clone(),
                client,
            }))
        }
        (Client::Restconf(client), Desired::IosXe(desired)) => {
            Ok(Box::new(ios_xe_restconf::device::RestconfDevice {
                name: entry.name.clone(),
                prune: entry.prune,
                protected: entry.protected_pools.clone(),
                safety,
                save_config: entry.save_config,
                desired: desired.clone(),
                client,
            }))
        }
        (Client::F5Xc(client), Desired::F5Xc(desired)) => Ok(Box::new(f5_xc::device::F5XcDevice {
            name: entry.name.clone(),
            namespace: entry.namespace.clone(),
            safety,
            desired: desired.clone(),
            client,
        })),
        _ => Err(DeviceError::Setup {
            device: entry.name.clone(),
            message: format!(
                "device {}: the desired file does not match the device's platform ({})",
                entry.name, entry.platform
            ),
        }),
    }
}
