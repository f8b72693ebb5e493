//! `expect:` checks of `drift`: pool utilisation (IOS XE bindings, F5 XC subnet usage) and F5 XC
//! reservations. Pure functions.

use super::Finding;
use crate::model::Leases;
use crate::model::{Binding, BindingType, Expect, LiveConfig, PoolKind};

/// Leasable addresses of a network: its hosts less the excluded ones.
pub fn usable(
    net: &ipnet::Ipv4Net,
    excluded: &std::collections::BTreeSet<crate::model::AddrRange>,
) -> u64 {
    let (lo, hi) = if net.prefix_len() >= 31 {
        (u32::from(net.network()), u32::from(net.broadcast()))
    } else {
        (u32::from(net.network()) + 1, u32::from(net.broadcast()) - 1)
    };
    let total = u64::from(hi - lo) + 1;
    // merge exclusions clipped to [lo, hi]
    let mut ranges: Vec<(u32, u32)> = excluded
        .iter()
        .map(|r| (u32::from(r.low).max(lo), u32::from(r.high).min(hi)))
        .filter(|(a, b)| a <= b)
        .collect();
    ranges.sort();
    let mut covered = 0u64;
    let mut cur: Option<(u32, u32)> = None;
    for (a, b) in ranges {
        match cur {
            Some((ca, cb)) if a <= cb.saturating_add(1) => cur = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                covered += u64::from(cb - ca) + 1;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    if let Some((ca, cb)) = cur {
        covered += u64::from(cb - ca) + 1;
    }
    total.saturating_sub(covered)
}

/// Utilisation of every dynamic pool from active automatic bindings.
pub fn ios_usage(live: &LiveConfig, bindings: &[Binding]) -> Vec<(String, u64, u64)> {
    live.pools
        .iter()
        .filter_map(|(name, p)| match &p.kind {
            PoolKind::Dynamic { network, .. } => {
                let used = bindings
                    .iter()
                    .filter(|b| b.kind == BindingType::Automatic && network.contains(&b.ip))
                    .count() as u64;
                Some((
                    name.clone(),
                    used,
                    usable(network, &live.server.excluded_addresses),
                ))
            }
            PoolKind::Manual { .. } => None,
        })
        .collect()
}

pub fn percent(used: u64, total: u64) -> u64 {
    // in u128: a device's counts cannot overflow the product
    let p = (u128::from(used) * 100)
        .checked_div(u128::from(total))
        .unwrap_or(0);
    u64::try_from(p).unwrap_or(u64::MAX)
}

/// `min-free`: dynamic pools with fewer free leasable addresses than `min`.
pub fn ios_min_free(live: &LiveConfig, bindings: &[Binding], min: u64) -> Vec<Finding> {
    ios_usage(live, bindings)
        .into_iter()
        .filter_map(|(pool, used, total)| {
            let free = total.saturating_sub(used);
            (free < min).then(|| Finding {
                check: "min-free".into(),
                message: format!(
                    "pool {pool} has {free} free address(es) ({used} of {total} leased), below \
                     min-free {min}"
                ),
            })
        })
        .collect()
}

pub fn ios_utilization(live: &LiveConfig, bindings: &[Binding], max: u8) -> Vec<Finding> {
    ios_usage(live, bindings)
        .into_iter()
        .filter(|(_, used, total)| percent(*used, *total) > u64::from(max))
        .map(|(name, used, total)| Finding {
            check: "max-utilization".into(),
            message: format!(
                "pool {name} is {}% used ({used} of {total} leasable addresses), above {max}%",
                percent(used, total)
            ),
        })
        .collect()
}

/// What reading an F5 XC site checked (its DHCP configuration is not managed here).
pub fn f5_checked(leases: &Leases, expect: &Expect, drift: bool) -> Vec<String> {
    let mut out = vec![format!(
        "read {} lease(s) in {} subnet(s)",
        leases.leases.len(),
        leases.subnets.len()
    )];
    if drift {
        if let Some(max) = expect.max_utilization {
            out.push(format!(
                "max-utilization {max}% on {} subnet(s)",
                leases.subnets.len()
            ));
        }
        if !expect.reservations.is_empty() {
            out.push(format!("{} reservation(s)", expect.reservations.len()));
        }
    }
    out
}

/// Reservations of the managed interfaces whose MAC holds another address in the leases.
pub fn f5_reserved(
    leases: &Leases,
    ifaces: &std::collections::BTreeMap<String, crate::model::f5::F5DhcpServer>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, s) in ifaces {
        for (mac, ip) in &s.reservations {
            for l in leases
                .leases
                .iter()
                .filter(|l| l.mac == *mac && l.ip != *ip)
            {
                out.push(Finding {
                    check: "reservation".into(),
                    message: format!(
                        "{mac} is reserved {ip} on interface {name} but holds {}",
                        l.ip
                    ),
                });
            }
        }
    }
    out
}

pub fn f5(leases: &Leases, expect: &Expect) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(max) = expect.max_utilization {
        for s in &leases.subnets {
            let used = s.address_count.saturating_sub(s.free_address_count);
            if percent(used, s.address_count) > u64::from(max) {
                out.push(Finding {
                    check: "max-utilization".into(),
                    message: format!(
                        "subnet {} ({}) is {}% used ({used} of {}), above {max}%",
                        s.subnet,
                        s.interface,
                        percent(used, s.address_count),
                        s.address_count
                    ),
                });
            }
        }
    }
    for (mac, ip) in &expect.reservations {
        for l in leases.leases.iter().filter(|l| l.mac == *mac) {
            if l.ip != *ip {
                out.push(Finding {
                    check: "reservation".into(),
                    message: format!("{mac} holds {} but is reserved {ip}", l.ip),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AddrRange;

    #[test]
    fn percent_of_huge_counts_does_not_overflow() {
        assert_eq!(percent(u64::MAX, u64::MAX), 100);
        assert_eq!(percent(u64::MAX, 1), u64::MAX);
        assert_eq!(percent(5, 0), 0);
    }

    #[test]
    fn usable_counts_hosts_less_merged_exclusions() {
        let net: ipnet::Ipv4Net = "10.0.0.0/24".parse().unwrap();
        let ex = [
            "10.0.0.1-10.0.0.20",
            "10.0.0.10-10.0.0.30",
            "10.0.0.254",
            "10.9.0.1-10.9.0.9",
        ]
        .iter()
        .map(|s| s.parse::<AddrRange>().unwrap())
        .collect();
        assert_eq!(usable(&net, &ex), 254 - 30 - 1);
    }
}
