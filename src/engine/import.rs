//! `import`: one device read into a desired state, with no desired file needed.

use super::EngineError;
use super::run::{Shared, finish};
use super::sim::start_sim;
use crate::config::inventory::{DeviceEntry, Endpoint, Inventory, Platform};
use crate::config::manifest::Diags;
use crate::config::repo::Repo;
use crate::model::DeviceConfig;
use crate::platform::http::{HttpCache, Logger};
use std::path::Path;
use std::sync::Arc;

/// A device to import: the inventory and the entry, with no desired file needed.
pub struct ImportTarget {
    inventory: Inventory,
    entry: DeviceEntry,
    log: Option<Logger>,
}

impl ImportTarget {
    /// Loads the inventory alone (import works before the desired file exists) and finds the
    /// device.
    pub fn load(
        dir: &Path,
        device: &str,
        log: Option<Logger>,
    ) -> (Result<ImportTarget, EngineError>, Diags) {
        let mut diags = Diags::default();
        let inventory = crate::config::inventory::load(dir, &mut diags);
        let entry = inventory
            .as_ref()
            .and_then(|i| i.devices.iter().find(|d| d.name == device).cloned());
        let (Some(inventory), Some(entry)) = (inventory, entry) else {
            let err = EngineError::UnknownDevice {
                device: device.into(),
                inventory: dir.join(crate::config::inventory::INVENTORY_FILE),
            };
            return (Err(err), diags);
        };
        (
            Ok(ImportTarget {
                inventory,
                entry,
                log,
            }),
            Diags::default(),
        )
    }

    /// A profile of the inventory, for `import --profile`; it must be known and valid.
    pub fn profile(
        &self,
        name: &str,
    ) -> Result<&crate::config::manifest::ios_xe::Profile, EngineError> {
        let profiles = &self.inventory.profiles;
        match profiles.get(name) {
            Some(p) if p.diags.is_empty() => Ok(p),
            Some(_) => Err(EngineError::BadProfile {
                name: name.into(),
                hint: "it has invalid values: run dhcpform validate".into(),
            }),
            None => Err(EngineError::BadProfile {
                name: name.into(),
                hint: match crate::model::names::nearest(name, profiles.keys().map(String::as_str))
                {
                    Some(n) => format!("the inventory has no such profile; did you mean `{n}`?"),
                    None => "the inventory has no such profile".into(),
                },
            }),
        }
    }

    /// Where `import --write` may write: the desired file, which must lie inside the
    /// repository (no `..`, no absolute path), checked before the device is contacted.
    pub fn writable_path(&self) -> Result<(&Path, &str), EngineError> {
        let (path, display) = self.desired_path();
        let outside = Path::new(display).components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if outside {
            return Err(EngineError::OutsideRepository(display.to_string()));
        }
        Ok((path, display))
    }

    /// Where `import --write` writes, and how to name it.
    pub fn desired_path(&self) -> (&Path, &str) {
        (&self.entry.desired, &self.entry.desired_display)
    }

    /// The repository's root (where `dhcpform.yaml` is).
    pub fn root(&self) -> &Path {
        &self.inventory.root
    }

    /// The device's platform.
    pub fn platform(&self) -> Platform {
        self.entry.platform
    }

    /// Reads the device's live configuration, as a desired state that plans empty.
    pub async fn read(self) -> Result<crate::platform::Imported, EngineError> {
        let desired = match self.entry.platform {
            Platform::IosXe => crate::config::validate::Desired::IosXe(Arc::new(
                crate::config::validate::IosXeDesired {
                    config: DeviceConfig::default(),
                    expect: Default::default(),
                },
            )),
            Platform::F5Xc => crate::config::validate::Desired::F5Xc(Arc::default()),
        };
        let handle = match &self.entry.endpoint {
            Endpoint::Sim(_) => Some(start_sim(&self.inventory, &[&self.entry]).await?),
            Endpoint::Http(_) => None,
        };
        let shared = Shared {
            repo: Repo {
                inventory: self.inventory,
                devices: vec![(self.entry, desired)],
            },
            http: HttpCache::default(),
            log: self.log,
            sim: handle.as_ref().map(|h| h.addr),
            releases: super::run::Releases::new(1),
        };
        let result = match shared.bind_device(0) {
            Err(e) => Err(e.into()),
            Ok(device) => {
                let res = device.import().await;
                finish(device.as_ref()).await;
                res.map_err(EngineError::from)
            }
        };
        if let Some(h) = handle {
            h.shutdown().await;
        }
        result
    }
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".dhcpform-partial");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
