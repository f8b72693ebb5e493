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
/// allowed), and every diagnostic either way. On one thread: `validate` is offline, and its
/// figure that matters at fleet size is memory.
pub fn load_repo(root: &Path) -> (Option<Repo>, Diags) {
    let (repo, diags) = load(root, 1);
    (repo.filter(|_| !diags.has_errors()), diags)
}

/// `load_repo`, where a device whose desired file has errors, or which uses a profile with
/// errors, is kept as `Desired::Invalid` (it fails alone); only other errors of the inventory
/// give `None`. The desired files are loaded on one thread per core: a run contacts no device
/// before they are all loaded (1,000 devices: ~31 ms on one thread).
pub fn load_repo_isolated(root: &Path) -> (Option<Repo>, Diags) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    load(root, cores)
}

/// Loads a repository, its desired files on up to `threads` threads.
fn load(root: &Path, threads: usize) -> (Option<Repo>, Diags) {
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
    let part = load_devices(&inventory, &broken, entries, threads);
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

/// Devices below this many per thread are not worth a thread.
const PER_THREAD: usize = 64;

/// Loads every device, in contiguous runs on up to `threads` threads, merged in the
/// inventory's order: the result and every diagnostic are the ones one thread gives. Two
/// threads cost memory (10,000 devices: 27.8 -> 31.2 MB, a second allocator arena and both
/// halves kept while merged) for time (0.39 -> 0.29 s).
fn load_devices(
    inventory: &Inventory,
    broken: &BTreeSet<String>,
    entries: Vec<DeviceEntry>,
    threads: usize,
) -> Part {
    let threads = threads.min(entries.len() / PER_THREAD).max(1);
    let per = entries.len().div_ceil(threads).max(1);
    let load = |start: usize, run: Vec<DeviceEntry>| -> Part {
        let mut part = Part {
            devices: Vec::with_capacity(run.len()),
            ..Part::default()
        };
        for (i, e) in run.into_iter().enumerate() {
            load_one(inventory, broken, start + i, e, &mut part);
        }
        part
    };
    if threads == 1 {
        return load(0, entries);
    }
    let total = entries.len();
    let mut runs: Vec<(usize, Vec<DeviceEntry>)> = Vec::with_capacity(threads);
    let mut rest = entries.into_iter();
    for start in (0..total).step_by(per) {
        runs.push((start, rest.by_ref().take(per).collect()));
    }
    // each thread takes its run from its slot; a run whose thread could not be started is
    // still in its slot, and is loaded here
    type Slot = std::sync::Mutex<(usize, Vec<DeviceEntry>)>;
    let slots: Vec<Slot> = runs.into_iter().map(std::sync::Mutex::new).collect();
    let take = |slot: &Slot| {
        let (start, run) = std::mem::take(&mut *slot.lock().unwrap_or_else(|p| p.into_inner()));
        load(start, run)
    };
    let parts: Vec<Part> = std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .iter()
            .map(|slot| std::thread::Builder::new().spawn_scoped(s, move || take(slot)))
            .collect();
        handles
            .into_iter()
            .zip(&slots)
            .map(|(h, slot)| match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => take(slot),
            })
            .collect()
    });
    let mut all = Part {
        devices: Vec::with_capacity(total),
        ..Part::default()
    };
    for part in parts {
        all.devices.extend(part.devices);
        all.diags.0.extend(part.diags.0);
        all.excused += part.excused;
        for (profile, first) in part.uses {
            all.uses.entry(profile).or_insert(first);
        }
        all.fleet.append(part.fleet);
    }
    all
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

#[cfg(test)]
mod tests {
    /// 200 devices, some invalid, some overlapping another device's network (a lint across
    /// the two threads' halves), some using a profile: one thread and four give the same.
    #[test]
    fn threads_change_nothing_but_the_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("devices")).expect("devices/");
        let mut inv = String::from("profiles:\n  short:\n    lease-duration: 1h\ndevices:\n");
        for i in 0..200 {
            inv.push_str(&format!(
                "  d{i:03}:\n    platform: ios-xe\n    url: sim://d{i:03}\n    auth: {{ \
                 username-env: U, password-env: P }}\n"
            ));
            let file = match i % 5 {
                0 => "pools:\n  p:\n    dynamic: { address-range: 10.0.0.0/99 }\n".to_string(),
                1 => format!(
                    "pools:\n  p:\n    dynamic: {{ address-range: 10.0.{}.0/24 }}\n",
                    i % 7
                ),
                2 => format!(
                    "pools:\n  p:\n    profile: short\n    dynamic: {{ address-range: \
                     10.1.{i}.0/24 }}\n"
                ),
                _ => format!("pools:\n  p:\n    dynamic: {{ address-range: 10.2.{i}.0/24 }}\n"),
            };
            std::fs::write(root.join(format!("devices/d{i:03}.yaml")), file).expect("write");
        }
        std::fs::write(root.join("dhcpform.yaml"), inv).expect("write");
        let show = |(repo, diags): (Option<super::Repo>, crate::config::manifest::Diags)| {
            let devices: Vec<String> = repo
                .expect("a repository")
                .devices
                .iter()
                .map(|(e, d)| format!("{} {d:?}", e.name))
                .collect();
            let diags: Vec<String> = diags
                .0
                .iter()
                .map(|d| format!("{} {:?} {}", d.file_name(), d.span, d.message))
                .collect();
            (devices, diags)
        };
        let one = show(super::load(root, 1));
        assert!(one.1.len() > 40, "errors and warnings: {}", one.1.len());
        assert!(
            one.1.iter().any(|d| d.contains("also served by")),
            "{:?}",
            one.1
        );
        assert_eq!(show(super::load(root, 4)), one);
    }
}
