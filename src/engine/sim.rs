//! The embedded emulator for `sim://` devices: one per run, state beside the inventory,
//! each device with the credentials its inventory entry names.

use super::EngineError;
use crate::config::inventory::{DeviceEntry, Endpoint, Inventory};
use crate::sim::{Credentials, Persist, Sim, SimHandle, SimOptions};
use std::net::SocketAddr;

pub(super) async fn start_sim(
    inventory: &Inventory,
    sims: &[&DeviceEntry],
) -> Result<SimHandle, EngineError> {
    let root = &inventory.root;
    let opts = SimOptions {
        persist: Persist::PerDevice {
            dir: root.join(".dhcpform/sim"),
            seed_dir: root.join("sim"),
        },
        ..SimOptions::default()
    };
    let sim = Sim::new(opts).map_err(|e| EngineError::Sim(e.to_string()))?;
    for entry in sims {
        let Endpoint::Sim(name) = &entry.endpoint else {
            continue;
        };
        let var = |v: &Option<String>| {
            v.as_ref()
                .and_then(|n| std::env::var(n).ok())
                .filter(|s| !s.is_empty())
        };
        sim.set_credentials(
            name,
            Credentials {
                user: var(&entry.auth.username_env),
                password: var(&entry.auth.password_env),
                api_token: var(&entry.auth.api_token_env),
            },
        );
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    sim.start(addr)
        .await
        .map_err(|e| EngineError::Sim(e.to_string()))
}
