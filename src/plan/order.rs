//! Ordering of the IOS XE calls (docs/architecture.md, "How a plan is ordered"):
//! 1. pre-PUT of `/api/v1/dhcp` (disable first, exclusions widened to L ∪ D, relays = D),
//! 2. DELETE dropped pools and the first half of replacements,
//! 3. PUT changed pools so that no two dynamic pools overlap at any moment (a cycle becomes a
//!    replacement),
//! 4. POST new pools and the second half of replacements,
//! 5. post-PUT of `/api/v1/dhcp` = D.
//!
//! When no pool is written, a single PUT of D replaces both global PUTs.

use super::Action;
use super::diff::Diff;
use super::steps::Step;
use crate::model::{DeviceConfig, LiveConfig, Server};
use std::collections::{BTreeMap, BTreeSet};

/// Orders the updates of dynamic pools so that a pool moves onto a network only after every
/// pool currently on it has moved away. Returns the order and the pools that had to become
/// replacements to break cycles. O((n + e) log n): live dynamic pools never overlap (a device
/// refuses that), so the current networks sorted by start have sorted ends too, and the pools a
/// new network overlaps form one run found by binary search.
fn order_updates(
    updates: &[String],
    desired: &DeviceConfig,
    live: &LiveConfig,
) -> (Vec<String>, Vec<String>) {
    let new_net = |n: &String| {
        desired
            .pools
            .as_ref()
            .and_then(|p| p.get(n))
            .and_then(|p| p.kind.network())
    };
    let cur_net = |n: &String| live.pools.get(n).and_then(|p| p.kind.network());
    let span = |n: ipnet::Ipv4Net| (u32::from(n.network()), u32::from(n.broadcast()));
    let mut current: Vec<(u32, u32, &String)> = updates
        .iter()
        .filter_map(|u| cur_net(u).map(|n| (span(n).0, span(n).1, u)))
        .collect();
    current.sort();
    // after[b] = pools that may move only once b has moved; waits_on is the reverse
    let mut after: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    let mut waits_on: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    let mut indegree: BTreeMap<&String, usize> = updates.iter().map(|u| (u, 0)).collect();
    for a in updates {
        let Some(na) = new_net(a) else { continue };
        let (start, end) = span(na);
        let first = current.partition_point(|(_, e, _)| *e < start);
        for (s, _, b) in &current[first..] {
            if *s > end {
                break;
            }
            if *b != a {
                after.entry(b).or_default().push(a);
                waits_on.entry(a).or_default().push(b);
                *indegree.entry(a).or_default() += 1;
            }
        }
    }
    let mut ready: BTreeSet<&String> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut left: BTreeSet<&String> = indegree.keys().copied().collect();
    let mut order = Vec::new();
    let mut replaced = Vec::new();
    while !left.is_empty() {
        let next = match ready.pop_first() {
            Some(n) => {
                order.push(n.clone());
                n
            }
            None => {
                // A cycle: one pool on it becomes a replacement (deleted before, created
                // after the others move).
                let Some(victim) = cycle_victim(&left, &after, &waits_on) else {
                    break;
                };
                replaced.push(victim.clone());
                victim
            }
        };
        left.remove(next);
        for a in after.get(next).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(a) {
                *d = d.saturating_sub(1);
                if *d == 0 && left.contains(a) {
                    ready.insert(a);
                }
            }
        }
    }
    (order, replaced)
}

/// The pool to replace to break a cycle among the pools `left` (each of which waits on another
/// of them): one on a cycle, the one most others wait on (then by name). A pool that only waits
/// is never chosen. Walking back along what each pool waits on must come round, and where it
/// does is a cycle.
fn cycle_victim<'a>(
    left: &BTreeSet<&'a String>,
    after: &BTreeMap<&'a String, Vec<&'a String>>,
    waits_on: &BTreeMap<&'a String, Vec<&'a String>>,
) -> Option<&'a String> {
    let mut path: Vec<&String> = vec![*left.first()?];
    loop {
        let cur = *path.last()?;
        let next = waits_on
            .get(cur)
            .into_iter()
            .flatten()
            .find(|p| left.contains(*p))?;
        if let Some(i) = path.iter().position(|p| p == next) {
            let waiters = |v: &&String| {
                after
                    .get(*v)
                    .map_or(0, |w| w.iter().filter(|a| left.contains(*a)).count())
            };
            let cycle = &path[i..];
            let most = cycle.iter().map(waiters).max()?;
            return cycle.iter().filter(|v| waiters(v) == most).min().copied();
        }
        path.push(next);
    }
}

/// The steps, in order. May turn updates into replacements (cycles), updating `d`.
pub fn steps(desired: &DeviceConfig, live: &LiveConfig, d: &mut Diff) -> Vec<Step> {
    let updates = pool_names(Action::Update, d);
    let (update_order, cycle_victims) = order_updates(&updates, desired, live);
    for c in d.changes.iter_mut() {
        if let Some(n) = c.resource.pool_name()
            && cycle_victims.iter().any(|v| v == n)
        {
            c.action = Action::Replace;
            c.reason = Some(
                "its new network is held by another pool that moves at the same time (a cycle)"
                    .into(),
            );
        }
    }
    let pool_steps = pool_steps(desired, d, &update_order);
    with_server_steps(desired, live, pool_steps)
}

/// The pools changed by `action`, by name.
fn pool_names(action: Action, d: &Diff) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| c.action == action)
        .filter_map(|c| c.resource.pool_name().map(str::to_string))
        .collect()
}

/// Steps 2-4: delete dropped pools and the first half of replacements, update in
/// `update_order`, create new pools and the second half of replacements.
fn pool_steps(desired: &DeviceConfig, d: &Diff, update_order: &[String]) -> Vec<Step> {
    let replaces = pool_names(Action::Replace, d);
    let pool_of = |n: &String| desired.pools.as_ref().and_then(|p| p.get(n));
    let mut steps = Vec::new();
    for n in pool_names(Action::Delete, d).iter().chain(&replaces) {
        steps.push(Step::DeletePool(n.clone()));
    }
    for n in update_order {
        if let Some(p) = pool_of(n) {
            steps.push(Step::UpdatePool(n.clone(), p.clone()));
        }
    }
    let creates = pool_names(Action::Create, d);
    let mut posts: Vec<&String> = creates.iter().chain(&replaces).collect();
    posts.sort();
    for n in posts {
        if let Some(p) = pool_of(n) {
            steps.push(Step::CreatePool(n.clone(), p.clone()));
        }
    }
    steps
}

fn server_step(to: &Server, expect: &Server) -> Step {
    Step::Server {
        to: to.clone(),
        expect: expect.clone(),
    }
}

/// Steps 1 and 5 around the pool steps: the widening pre-write and the final write of the
/// global settings, each only when it changes something; one write when no pool is written.
fn with_server_steps(
    desired: &DeviceConfig,
    live: &LiveConfig,
    pool_steps: Vec<Step>,
) -> Vec<Step> {
    let Some(ds) = &desired.server else {
        return pool_steps;
    };
    let l = &live.server;
    if pool_steps.is_empty() {
        return if ds != l {
            vec![server_step(ds, l)]
        } else {
            vec![]
        };
    }
    let pre = Server {
        enable: l.enable && ds.enable,
        excluded_addresses: l
            .excluded_addresses
            .union(&ds.excluded_addresses)
            .copied()
            .collect(),
        relay_agents: ds.relay_agents.clone(),
    };
    let mut steps = Vec::new();
    let mut state = l.clone();
    if pre != *l {
        steps.push(server_step(&pre, l));
        state = pre;
    }
    steps.extend(pool_steps);
    if *ds != state {
        steps.push(server_step(ds, &state));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LeaseDuration, Pool, PoolKind, PoolOptions};
    use std::collections::BTreeMap;

    fn dynamic(net: &str) -> Pool {
        Pool {
            kind: PoolKind::Dynamic {
                network: net.parse().unwrap(),
                lease: LeaseDuration::default(),
            },
            options: PoolOptions::default(),
        }
    }

    fn plan(
        live: &[(&str, &str)],
        desired: &[(&str, &str)],
    ) -> (Vec<String>, Vec<(String, Action)>) {
        let to_map = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(n, net)| (n.to_string(), dynamic(net)))
                .collect::<BTreeMap<_, _>>()
        };
        let live = LiveConfig {
            unmanageable: Default::default(),
            notes: vec![],
            server: Server::default(),
            pools: to_map(live),
        };
        let desired = DeviceConfig {
            server: None,
            pools: Some(to_map(desired).into()),
        };
        let mut d = crate::plan::diff::diff(&desired, &live, true);
        let ops = steps(&desired, &live, &mut d)
            .iter()
            .map(|s| match s {
                Step::DeletePool(n) => format!("delete {n}"),
                Step::UpdatePool(n, _) => format!("update {n}"),
                Step::CreatePool(n, _) => format!("create {n}"),
                other => format!("{other:?}"),
            })
            .collect();
        (
            ops,
            d.changes
                .iter()
                .map(|c| (c.resource.to_string(), c.action))
                .collect(),
        )
    }

    #[test]
    fn a_chain_of_moves_is_ordered_so_nothing_overlaps() {
        // c moves off 10.0.2.0/24, b moves onto it, a moves onto b's old network
        let (ops, _) = plan(
            &[
                ("a", "10.0.0.0/24"),
                ("b", "10.0.1.0/24"),
                ("c", "10.0.2.0/24"),
            ],
            &[
                ("a", "10.0.1.0/24"),
                ("b", "10.0.2.0/24"),
                ("c", "10.0.3.0/24"),
            ],
        );
        assert_eq!(ops, vec!["update c", "update b", "update a"]);
    }

    #[test]
    fn a_swap_becomes_one_replacement() {
        let (ops, changes) = plan(
            &[("a", "10.0.0.0/24"), ("b", "10.0.1.0/24")],
            &[("a", "10.0.1.0/24"), ("b", "10.0.0.0/24")],
        );
        assert_eq!(
            changes,
            vec![
                ("pool/a".into(), Action::Replace),
                ("pool/b".into(), Action::Update)
            ]
        );
        assert_eq!(ops, vec!["delete a", "update b", "create a"]);
    }

    #[test]
    fn a_pool_that_only_waits_is_never_the_replacement() {
        // b and c swap; a waits for b's network and sorts first
        let (ops, changes) = plan(
            &[
                ("a", "10.0.2.0/24"),
                ("b", "10.0.0.0/24"),
                ("c", "10.0.1.0/24"),
            ],
            &[
                ("a", "10.0.0.128/25"),
                ("b", "10.0.1.0/24"),
                ("c", "10.0.0.0/25"),
            ],
        );
        let replaced: Vec<&String> = changes
            .iter()
            .filter(|(_, a)| *a == Action::Replace)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            replaced,
            ["pool/b"],
            "one replacement, on the cycle: {changes:?}"
        );
        assert_eq!(
            ops,
            vec!["delete b", "update a", "update c", "create b"],
            "the waiting pool moves once b is gone"
        );
    }

    #[test]
    fn server_only_change_is_a_single_put() {
        let live = LiveConfig::default();
        let mut s = Server::default();
        s.excluded_addresses.insert("10.0.0.1".parse().unwrap());
        let desired = DeviceConfig {
            server: Some(s.clone()),
            pools: None,
        };
        let mut d = crate::plan::diff::diff(&desired, &live, true);
        let steps = steps(&desired, &live, &mut d);
        assert_eq!(
            steps,
            vec![Step::Server {
                to: s,
                expect: Server::default()
            }]
        );
    }
}
