//! `dhcpform import --device NAME [--write]`: read a device and print its desired-state YAML.

use super::Exit;
use super::session::Session;
use crate::cli::Global;
use crate::device::Client;
use crate::inventory::{DeviceEntry, Platform};
use crate::model::DeviceConfig;
use std::path::Path;

pub fn run(global: &Global, dir: &Path, device: &str, write: bool) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        // import must work before the desired file exists: load the inventory alone.
        let mut diags = crate::manifest::Diags::default();
        let inventory = crate::inventory::load(dir, &mut diags);
        let entry: Option<DeviceEntry> = inventory.as_ref().and_then(|i| i.devices.iter().find(|d| d.name == device).cloned());
        let Some(entry) = entry else {
            super::print_diags(global, &diags);
            return Err(miette::miette!("no device `{device}` in {}", dir.join(crate::inventory::INVENTORY_FILE).display()));
        };
        if entry.platform != Platform::IosXe {
            return Err(miette::miette!("device `{device}` is {}: import reads IOS XE devices only (F5 XC leases are read-only)", super::session::platform_name(entry.platform)));
        }
        let Some(inventory) = inventory else { return Ok(Exit::Error) };
        let repo = crate::validate::Repo { inventory, devices: vec![] };
        let mut session = Session { repo, sim: None, log: None, parallelism: 1, global: global.clone(), http: Default::default() };
        if global.verbose {
            session.log = Some(std::sync::Arc::new(|l: &str| eprintln!("{l}")));
        }
        session
            .start_sim(std::slice::from_ref(&entry))
            .await
            .map_err(|e| miette::miette!("{e}"))?;
        let client = session.client(&entry).map_err(miette::Report::new)?;
        let Client::IosXe(c) = client else { return Ok(Exit::Error) };
        let live = c.read().await;
        c.logout().await;
        session.close().await;
        let live = live.map_err(miette::Report::new)?;
        let header = format!("# yaml-language-server: $schema=../schemas/ios-xe.schema.json\n# imported from device {device} by dhcpform import\n");
        let text = crate::manifest::ios_xe::render(&DeviceConfig { server: Some(live.server), pools: Some(live.pools) }, &header);
        if write {
            if let Some(parent) = entry.desired.parent() {
                std::fs::create_dir_all(parent).map_err(|e| miette::miette!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&entry.desired, &text).map_err(|e| miette::miette!("cannot write {}: {e}", entry.desired.display()))?;
            eprintln!("wrote {}", entry.desired_display);
        } else {
            super::out!("{text}");
        }
        Ok(Exit::Ok)
    })
}
