//! Safety gates (docs/architecture.md, "Safety gates"). The stale-plan gate lives in apply.

use super::{Action, Change, Gate, Policy, Verdict};
use crate::model::{DeviceConfig, LiveConfig};

/// How a gate is lifted (`plan` has no `--force`: the gates are judged again by apply).
pub const FORCE: &str = "`dhcpform apply --force` once you have checked the plan";

pub fn judge(
    changes: &[Change],
    desired: &DeviceConfig,
    live: &LiveConfig,
    policy: &Policy,
) -> Verdict {
    let mut gates = share_gates(changes, live.pools.len(), policy);
    gates.extend(protected_gates(changes, policy));
    if let Some(ds) = &desired.server
        && live.server.enable
        && !ds.enable
    {
        gates.push(Gate {
            gate: super::GateKind::ServerOff,
            message: "turns the DHCP server and relay agent off (enable: true -> false)".into(),
            lift: FORCE.into(),
        });
    }
    Verdict::judge(gates, policy.force)
}

/// Whether `n` of `existing` is above `percent` %, in u128 (no overflow).
pub(super) fn over(n: usize, percent: u8, existing: usize) -> bool {
    (n as u128) * 100 > u128::from(percent) * (existing as u128)
}

/// `n` of `existing` in whole percent.
fn share(n: usize, existing: usize) -> u128 {
    ((n as u128) * 100)
        .checked_div(existing as u128)
        .unwrap_or(0)
}

/// Gates on how much of the device's pools a plan deletes or rewrites.
fn share_gates(changes: &[Change], existing: usize, policy: &Policy) -> Vec<Gate> {
    let mut gates = Vec::new();
    let count = |a: Action| {
        changes
            .iter()
            .filter(|c| c.action == a && c.resource.pool_name().is_some())
            .count()
    };
    let deletes = count(Action::Delete);
    let rewrites = count(Action::Update) + count(Action::Replace);
    let s = policy.safety;
    if existing > 0 && existing >= s.min_existing {
        if over(deletes, s.max_delete_percent, existing) {
            gates.push(Gate {
                gate: super::GateKind::MaxDeletePercent,
                message: format!(
                    "deletes {deletes} of {existing} live pools ({}%), above max-delete-percent \
                    {}%",
                    share(deletes, existing),
                    s.max_delete_percent
                ),
                lift: format!("{FORCE}, or raise settings.safety.max-delete-percent"),
            });
        }
        if over(rewrites, s.max_update_percent, existing) {
            gates.push(Gate {
                gate: super::GateKind::MaxUpdatePercent,
                message: format!(
                    "updates or replaces {rewrites} of {existing} live pools ({}%), above \
                    max-update-percent {}%",
                    share(rewrites, existing),
                    s.max_update_percent
                ),
                lift: format!("{FORCE}, or raise settings.safety.max-update-percent"),
            });
        }
    }
    if existing > 0 && deletes == existing {
        gates.push(Gate {
            gate: super::GateKind::DeleteAll,
            message: format!(
                "deletes every pool of the device ({existing}): is the desired file empty or \
                truncated?"
            ),
            lift: FORCE.into(),
        });
    }
    gates
}

/// A protected pool deleted, replaced, or moved (its network or bound address changed: the
/// clients lose their addresses as with a replacement).
fn protected_gates(changes: &[Change], policy: &Policy) -> Vec<Gate> {
    changes
        .iter()
        .filter_map(|c| {
            let name = c.resource.pool_name()?;
            let moved = c.action == Action::Update
                && c.fields
                    .iter()
                    .any(|f| f.field == "address-range" || f.field == "host-ip-address");
            let verb = match c.action {
                Action::Delete => "deletes",
                Action::Replace => "replaces",
                Action::Update if moved => "moves (a new network or address)",
                _ => return None,
            };
            policy.protected.iter().any(|p| p == name).then(|| Gate {
                gate: super::GateKind::ProtectedPool,
                message: format!("{verb} protected pool `{name}`"),
                lift: format!("{FORCE}, or remove `{name}` from protected-pools"),
            })
        })
        .collect()
}
