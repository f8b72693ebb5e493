//! Safety gates (DESIGN.md section 5). The stale-plan gate lives in apply.

use super::{Action, Change, Gate, Policy, Verdict};
use crate::model::{DeviceConfig, LiveConfig};

pub fn judge(
    changes: &[Change],
    desired: &DeviceConfig,
    live: &LiveConfig,
    policy: &Policy,
) -> Verdict {
    let mut gates = Vec::new();
    let count = |a: Action| {
        changes
            .iter()
            .filter(|c| c.action == a && c.resource.pool_name().is_some())
            .count()
    };
    let (deletes, updates, replaces) = (
        count(Action::Delete),
        count(Action::Update),
        count(Action::Replace),
    );
    let existing = live.pools.len();
    let s = policy.safety;
    let force = "re-run with --force once you have checked the plan";
    if existing > 0 && existing >= s.min_existing {
        if deletes * 100 > usize::from(s.max_delete_percent) * existing {
            gates.push(Gate {
                gate: "max-delete-percent".into(),
                message: format!(
                    "deletes {deletes} of {existing} live pools ({}%), above max-delete-percent \
                        {}%",
                    deletes * 100 / existing,
                    s.max_delete_percent
                ),
                lift: format!("{force}, or raise settings.safety.max-delete-percent"),
            });
        }
        if (updates + replaces) * 100 > usize::from(s.max_update_percent) * existing {
            gates.push(Gate {
                gate: "max-update-percent".into(),
                message: format!(
                    "updates or replaces {} of {existing} live pools ({}%), above \
                        max-update-percent {}%",
                    updates + replaces,
                    (updates + replaces) * 100 / existing,
                    s.max_update_percent
                ),
                lift: format!("{force}, or raise settings.safety.max-update-percent"),
            });
        }
    }
    if existing > 0 && deletes == existing {
        gates.push(Gate {
            gate: "delete-all".into(),
            message: format!(
                "deletes every pool of the device ({existing}): is the desired file \
                empty or truncated?"
            ),
            lift: force.into(),
        });
    }
    for c in changes {
        if let Some(name) = c.resource.pool_name()
            && matches!(c.action, Action::Delete | Action::Replace)
            && policy.protected.iter().any(|p| p == name)
        {
            gates.push(Gate {
                gate: "protected-pool".into(),
                message: format!(
                    "{} protected pool `{name}`",
                    if c.action == Action::Delete {
                        "deletes"
                    } else {
                        "replaces"
                    }
                ),
                lift: format!("{force}, or remove `{name}` from protected-pools"),
            });
        }
    }
    if let Some(ds) = &desired.server
        && live.server.enable
        && !ds.enable
    {
        gates.push(Gate {
            gate: "server-off".into(),
            message: "turns the DHCP server and relay agent off (enable: true -> false)".into(),
            lift: force.into(),
        });
    }
    let blocked = !gates.is_empty() && !policy.force;
    Verdict {
        blocked,
        forced: policy.force && !gates.is_empty(),
        gates,
    }
}
