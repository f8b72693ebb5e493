//! Checks of a saved plan (`apply --plan FILE`) before any device is contacted: the format
//! version, the checksum over everything in it, the fields apply relies on, and that every
//! call stays inside the device's DHCP API. Apply then plans again from the saved desired
//! state and runs the saved calls only when they are exactly what that plan needs.

use super::outcome::BlockedBy;
use super::report::{Blocked, DeviceReport};
use super::{DevicePlan, FORMAT_VERSION, Method, OLDEST_READABLE, Operation, PlanFile};
use crate::model::Platform;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum SavedPlanError {
    #[error("plan format {found}, this dhcpform reads format {FORMAT_VERSION}")]
    #[diagnostic(help("plan again with this dhcpform"))]
    Version { found: u32 },
    #[error("this file is a drift report, not a plan")]
    #[diagnostic(help("apply a file written by `dhcpform plan --out`"))]
    NotAPlan,
    #[error("the plan's checksum does not match its content: it was changed after it was written")]
    #[diagnostic(help("plan again; a reviewed plan is applied as it was written"))]
    Checksum,
    #[error("device {device}: {field} is missing; apply needs it to check the device")]
    #[diagnostic(help("plan again"))]
    Missing { device: String, field: &'static str },
    #[error("device {device}: {method} {path} is outside the {platform} DHCP API")]
    #[diagnostic(help("plan again; a plan holds only the calls dhcpform makes"))]
    Outside {
        device: String,
        method: Method,
        path: String,
        platform: Platform,
    },
}

/// Every check, in order; the first failure. `allowed` says whether a call is one the
/// device's backend makes (each backend knows its own paths).
pub fn verify(
    plan: &PlanFile,
    allowed: &dyn Fn(&DevicePlan, &Operation) -> bool,
) -> Result<(), SavedPlanError> {
    if plan.format_version != FORMAT_VERSION {
        return Err(SavedPlanError::Version {
            found: plan.format_version,
        });
    }
    if !plan.checksum_ok() {
        return Err(SavedPlanError::Checksum);
    }
    if plan.kind != super::Kind::Plan {
        return Err(SavedPlanError::NotAPlan);
    }
    for d in plan.devices.iter().filter(|d| d.error.is_none()) {
        required(d)?;
        for op in &d.operations {
            if !allowed(d, op) {
                return Err(SavedPlanError::Outside {
                    device: d.device.clone(),
                    method: op.method,
                    path: op.path.clone(),
                    platform: d.platform,
                });
            }
        }
    }
    Ok(())
}

/// Why saved files cannot be shown together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum MergeError {
    #[error("{file}: {source}")]
    Invalid {
        file: String,
        #[source]
        source: SavedPlanError,
    },
    #[error("{file} is a {found} file, {first} is a {expected} file: show one kind at a time")]
    Kinds {
        file: String,
        found: &'static str,
        first: String,
        expected: &'static str,
    },
    #[error("device {device} is in both {first} and {second}: were they written by two runs?")]
    Duplicate {
        device: String,
        first: String,
        second: String,
    },
    #[error("no file to show")]
    Empty,
}

/// Merges saved files (one per shard) into one, devices in name order. Each file must be
/// intact (format version and checksum); all of one kind; no device in two files.
pub fn merge(files: Vec<(String, PlanFile)>) -> Result<PlanFile, MergeError> {
    let mut kind = None;
    let mut devices: Vec<(DevicePlan, usize)> = Vec::new();
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    for (i, (file, plan)) in files.into_iter().enumerate() {
        if !(OLDEST_READABLE..=FORMAT_VERSION).contains(&plan.format_version) {
            let source = SavedPlanError::Version {
                found: plan.format_version,
            };
            return Err(MergeError::Invalid { file, source });
        }
        if !plan.checksum_ok() {
            let source = SavedPlanError::Checksum;
            return Err(MergeError::Invalid { file, source });
        }
        match kind {
            None => kind = Some(plan.kind),
            Some(k) if k != plan.kind => {
                return Err(MergeError::Kinds {
                    file,
                    found: plan.kind.as_str(),
                    first: names[0].clone(),
                    expected: k.as_str(),
                });
            }
            Some(_) => {}
        }
        devices.extend(plan.devices.into_iter().map(|d| (d, i)));
    }
    let kind = kind.ok_or(MergeError::Empty)?;
    devices.sort_by(|a, b| a.0.device.cmp(&b.0.device));
    for w in devices.windows(2) {
        if w[0].0.device == w[1].0.device {
            return Err(MergeError::Duplicate {
                device: w[0].0.device.clone(),
                first: names[w[0].1].clone(),
                second: names[w[1].1].clone(),
            });
        }
    }
    Ok(PlanFile::new(
        kind,
        devices.into_iter().map(|(d, _)| d).collect(),
    ))
}

fn required(d: &DevicePlan) -> Result<(), SavedPlanError> {
    let missing = |field| SavedPlanError::Missing {
        device: d.device.clone(),
        field,
    };
    if d.platform != Platform::IosXe {
        if d.operations.is_empty() {
            return Ok(());
        }
        if d.live_digest.is_none() {
            return Err(missing("live_digest"));
        }
        if d.interfaces_desired.is_none() {
            return Err(missing("interfaces_desired"));
        }
        return Ok(());
    }
    if d.live_digest.is_none() {
        return Err(missing("live_digest"));
    }
    if d.live.is_none() {
        return Err(missing("live"));
    }
    if d.desired.is_none() {
        return Err(missing("desired"));
    }
    Ok(())
}

/// Checks a fresh plan (made from a saved plan's desired state) against the saved one: the
/// device must be as it was when the plan was made, and the calls exactly the saved ones. A
/// device that fails either gets a report saying why and has nothing to run.
pub fn replay(plan: &mut DevicePlan, saved: &PlanFile) -> Option<DeviceReport> {
    let old = saved.devices.iter().find(|d| d.device == plan.device)?;
    if plan.error.is_some() {
        return None;
    }
    let mut r = DeviceReport::new(&old.device);
    if old.live_digest != plan.live_digest && plan.changes.is_empty() {
        r.note = Some(
            "already applied: the device holds this plan's desired state; nothing sent".into(),
        );
    } else if old.live_digest != plan.live_digest {
        let what = match (
            &old.live,
            &plan.live,
            &old.interfaces_live,
            &plan.interfaces_live,
        ) {
            (Some(b), Some(n), _, _) => super::diff::what_changed(b, n).join(", "),
            (_, _, Some(b), Some(n)) => n
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, _)| format!("interface/{k}"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "its state".into(),
        };
        r.blocked = Some(Blocked {
            by: BlockedBy::StalePlan,
            message: format!(
                "stale plan: the device changed since the plan was made ({what}); plan again"
            ),
        });
    } else if old.operations != plan.operations {
        r.blocked = Some(Blocked {
            by: BlockedBy::CallsDiffer,
            message: "the saved calls are not what its desired state needs on this device now \
                      (did prune or protected-pools change?); plan again"
                .into(),
        });
    } else {
        return None;
    }
    plan.operations.clear();
    plan.changes.clear();
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceConfig, LiveConfig};
    use crate::plan::Resource;

    fn plan(ops: Vec<Operation>) -> PlanFile {
        let mut d = DevicePlan::empty("r1", Platform::IosXe);
        d.live_digest = Some("x".into());
        d.live = Some(LiveConfig::default());
        d.desired = Some(DeviceConfig::default());
        d.operations = ops;
        PlanFile::new(crate::plan::Kind::Plan, vec![d])
    }

    fn op(method: Method, path: &str, resource: Resource) -> Operation {
        Operation {
            method,
            path: path.into(),
            body: None,
            resource,
            expect_server: None,
        }
    }

    #[test]
    fn a_call_its_backend_does_not_make_is_refused() {
        let p = plan(vec![op(Method::Put, "/x", Resource::Server)]);
        assert_eq!(verify(&p, &|_, _| true), Ok(()));
        assert!(matches!(
            verify(&p, &|_, _| false),
            Err(SavedPlanError::Outside { .. })
        ));
    }

    #[test]
    fn an_edited_plan_or_a_missing_field_is_refused() {
        let mut p = plan(vec![]);
        p.devices[0]
            .operations
            .push(op(Method::Put, "/api/v1/dhcp", Resource::Server));
        assert_eq!(verify(&p, &|_, _| true), Err(SavedPlanError::Checksum));
        let mut d = plan(vec![]).devices.remove(0);
        d.live_digest = None;
        let p = PlanFile::new(crate::plan::Kind::Plan, vec![d]);
        assert!(matches!(
            verify(&p, &|_, _| true),
            Err(SavedPlanError::Missing { .. })
        ));
        let mut p = plan(vec![]);
        p.format_version = 9;
        assert_eq!(
            verify(&p, &|_, _| true),
            Err(SavedPlanError::Version { found: 9 })
        );
    }
}
