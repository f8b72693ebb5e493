//! Device clients: HTTP with retries and redaction (`http`), the IOS XE API (`ios_xe`) and the
//! F5 XC leases API (`f5_xc`), and `connect`, which builds a client for an inventory entry.

pub mod f5_xc;
pub mod http;
pub mod ios_xe_rest;
pub mod lenient;

use crate::config::inventory::{DeviceEntry, Endpoint, Settings};
use http::{DeviceError, HttpCache, Logger, Secret, TlsOptions};

/// A client for one device.
pub enum Client {
    IosXe(ios_xe_rest::IosXe),
    F5Xc(f5_xc::F5Xc),
}

/// Default credentials of the emulator, used by `sim://` devices that name none.
pub const SIM_USER: &str = "admin";
pub const SIM_PASSWORD: &str = "admin";
pub const SIM_API_TOKEN: &str = "sim-token";

fn env_secret(
    device: &str,
    var: &Option<String>,
    what: &str,
) -> Result<Option<Secret>, DeviceError> {
    match var {
        None => Ok(None),
        Some(name) => match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            _ => Err(DeviceError::Setup {
                device: device.into(),
                message: format!("environment variable {name} (the {what}) is not set"),
            }),
        },
    }
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
    let tls = TlsOptions {
        ca_pem,
        insecure: entry.tls.insecure_skip_verify,
    };
    let http = cache
        .get(settings.timeout, settings.retries, &tls, log)
        .map_err(setup)?;
    match entry.platform {
        crate::config::inventory::Platform::IosXe => {
            let user_secret = env_secret(&entry.name, &entry.auth.username_env, "username")?;
            let pass = env_secret(&entry.name, &entry.auth.password_env, "password")?;
            let (user, pass) = match (user_secret, pass) {
                (Some(u), Some(p)) => (u.expose().to_string(), p),
                _ if is_sim => (SIM_USER.to_string(), Secret::new(SIM_PASSWORD)),
                _ => {
                    return Err(setup(
                        "auth.username-env and auth.password-env are required".into(),
                    ));
                }
            };
            Ok(Client::IosXe(ios_xe_rest::IosXe::new(
                http, &base, &user, pass,
            )))
        }
        crate::config::inventory::Platform::F5Xc => {
            let token = match env_secret(&entry.name, &entry.auth.api_token_env, "API token")? {
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
