//! Loading a repository: the inventory, then every device's desired file (read, parsed,
//! lowered and checked, keeping only the model), then the checks across devices and files.

use crate::config::inventory::{self, DeviceEntry, Inventory, Platform};
use crate::config::manifest::{Diag, Diags, SourceFile, f5_xc, ios_xe};
use crate::config::validate::{Fleet, check_device, report_orphans, report_profiles};
use crate::model::{Desired, IosXeDesired};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// A repository: its inventory (settings; its `devices` moved into `devices` here) and each
/// device's entry with its desired state.
#[derive(Debug)]
pub struct Repo {
    pub inventory: Inventory,
    pub devices: Vec<(DeviceEntry, Desired)>,
}

/// Loads and validates a repository. Returns the repo when there are no errors (warnings are
/// allowed), and every diagnostic either way.
pub fn load_repo(root: &Path) -> (Option<Repo>, Diags) {
    let (repo, diags) = load_repo_isolated(root);
    (repo.filter(|_| !diags.has_errors()), diags)
}

/// `load_repo`, where a device whose desired file has errors, or which uses a profile with
/// errors, is kept as `Desired::Invalid` (it fails alone); only other errors of the inventory
/// give `None`.
pub fn load_repo_isolated(root: &Path) -> (Option<Repo>, Diags) {
    let mut diags = Diags::default();
    let Some(mut inventory) = inventory::load(root, &mut diags) else {
        return (None, diags);
    };
    // The entries move into `devices`, beside their desired state, and are not kept twice.
    let entries = std::mem::take(&mut inventory.devices);
    let claimed = std::mem::take(&mut inventory.declared);
    // profiles with errors: the devices using them fail
    let broken: BTreeSet<String> = inventory
        .profiles
        .iter()
        .filter(|(_, p)| p.diags.iter().any(Diag::is_error))
        .map(|(n, _)| n.clone())
        .collect();
    let part = load_devices(&inventory, &broken, entries);
    diags.0.extend(part.diags.0);
    // errors that make one device (or nothing) fail, not the whole run
    let mut excused = part.excused;
    let (devices, fleet, uses) = (part.devices, part.fleet, part.uses);
    // a broken profile fails the devices using it (above), not the run
    let before = diags.errors();
    report_profiles(&mut inventory, &uses, &mut diags);
    excused += diags.errors() - before;
    report_orphans(&inventory.root, &claimed, &mut diags);
    fleet.check(&devices, &mut diags);
    // errors first, then warnings; each by file and place
    diags
        .0
        .sort_by_key(|d| (!d.is_error(), d.source.name().to_string(), d.span.offset()));
    let repo = (diags.errors() <= excused).then_some(Repo { inventory, devices });
    (repo, diags)
}

/// The devices loaded: each entry with its desired state, their diagnostics, the
/// profiles their pools use, and their part of the fleet for the
/// cross-device lints.
#[derive(Default)]
struct Part {
    devices: Vec<(DeviceEntry, Desired)>,
    diags: Diags,
    /// Errors that make only their device fail.
    excused: usize,
    /// Profile -> the first pool that uses it, and its file.
    uses: BTreeMap<String, (String, String)>,
    fleet: Fleet,
}

/// Loads every device, in the inventory's order.
///
/// On one thread: two threads loaded 10,000 devices in 0.29 s instead of 0.39 s but with a
/// peak of 31.2 MB instead of 27.8 MB (a second allocator arena, and both halves kept while
/// merged), and the fleet-plan bench ran slower with them (docs/performance.md).
fn load_devices(
    inventory: &Inventory,
    broken: &BTreeSet<String>,
    entries: Vec<DeviceEntry>,
) -> Part {
    let mut part = Part {
        devices: Vec::with_capacity(entries.len()),
        ..Part::default()
    };
    for (i, e) in entries.into_iter().enumerate() {
        load_one(inventory, broken, i, e, &mut part);
    }
    part
}

/// Reads, parses, lowers and checks the desired file of the device at `index`, into `part`.
fn load_one(
    inventory: &Inventory,
    broken: &BTreeSet<String>,
    index: usize,
    dev: DeviceEntry,
    part: &mut Part,
) {
    let invalid = |dev: &DeviceEntry, errors: usize| {
        Desired::Invalid(format!(
            "its desired file {} is invalid ({errors} error(s), shown above; `dhcpform validate` \
             lists them)",
            dev.desired_display
        ))
    };
    let file = match SourceFile::read(&dev.desired_display, &dev.desired) {
        Ok(f) => f,
        Err(d) => {
            // a missing file is already reported by the inventory, as one error
            if dev.desired.is_file() {
                part.diags.push(d);
            }
            part.excused += 1;
            let why = invalid(&dev, 1);
            part.devices.push((dev, why));
            return;
        }
    };
    // this device's diagnostics are the ones after `before`
    let before = part.diags.0.len();
    let diags = &mut part.diags;
    let mut uses_broken = None;
    let desired = match dev.platform {
        Platform::IosXe => ios_xe::load_with(&file, diags, &inventory.profiles).map(|lowered| {
            for (pool, profile) in &lowered.profile_uses {
                part.uses
                    .entry(profile.clone())
                    .or_insert_with(|| (pool.clone(), dev.desired_display.clone()));
                if uses_broken.is_none() && broken.contains(profile) {
                    uses_broken = Some((pool.clone(), profile.clone()));
                }
            }
            check_device(inventory, &dev, &file, &lowered, diags);
            part.fleet.add(index, &lowered);
            // Spans served the checks above; the run keeps only the model.
            let desired = IosXeDesired {
                config: lowered.config,
                expect: lowered.expect,
            };
            Desired::IosXe(Arc::new(desired))
        }),
        Platform::F5Xc => f5_xc::load(&file, diags).map(|e| Desired::F5Xc(Arc::new(e))),
    };
    let errors = part.diags.0[before..]
        .iter()
        .filter(|d| d.is_error())
        .count();
    part.excused += errors;
    let desired = match (desired, uses_broken) {
        (Some(d), None) if errors == 0 => d,
        (_, Some((pool, profile))) if errors == 0 => Desired::Invalid(format!(
            "pool `{pool}` uses profile `{profile}`, whose values in dhcpform.yaml are invalid \
             (shown above)"
        )),
        _ => invalid(&dev, errors.max(1)),
    };
    part.devices.push((dev, desired));
}
