//! Offline validation: the cross-field rules of a device's file and across devices
//! (docs/architecture.md, "Validation"), collecting every problem as a diagnostic; `repo`
//! loads the files and calls them.

use crate::config::inventory::{Api, DeviceEntry, Inventory};
use crate::config::manifest::ios_xe::Lowered;
use crate::config::manifest::lower::Spans;
use crate::config::manifest::{Diag, Diags, SourceFile};
use crate::model::PoolKind;
use miette::SourceSpan;
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::model::{Desired, IosXeDesired};

/// A diagnostic about a value a pool took from a profile points at the profile's line in the
/// inventory; its help says which profile and which pool of which file.
fn name_profiles(l: &Lowered, file: &str, new: &mut [Diag]) {
    for d in new {
        let Some(path) = l.foreign.iter().find_map(|(path, (f, span))| {
            (f.text.name() == d.file_name() && *span == d.span).then_some(path)
        }) else {
            continue;
        };
        let pool = path.split('/').nth(1).unwrap_or_default();
        let Some((_, profile)) = l.profile_uses.iter().find(|(p, _)| p == pool) else {
            continue;
        };
        let note =
            format!("the value comes from profile `{profile}`, used by pool `{pool}` of {file}");
        d.help = Some(match d.help.take() {
            Some(h) => format!("{h}; {note}"),
            None => note,
        });
    }
}

fn span(spans: &Spans, path: &str) -> SourceSpan {
    spans.get(path).copied().unwrap_or_else(|| (0, 0).into())
}

/// Files in `devices/` that no device uses (a typo in a name, a removed device): warnings,
/// with the nearest device name.
pub(super) fn report_orphans(
    root: &Path,
    claimed: &[(String, std::path::PathBuf)],
    diags: &mut Diags,
) {
    let Ok(entries) = std::fs::read_dir(root.join("devices")) else {
        return;
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let used: std::collections::HashSet<&Path> = claimed.iter().map(|(_, p)| p.as_path()).collect();
    for f in files {
        if used.contains(f.as_path()) {
            continue;
        }
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let names = claimed.iter().map(|(n, _)| n.as_str());
        let hint = match crate::model::names::nearest(stem, names) {
            Some(n) => format!("did you mean device `{n}`? Rename the file or the device"),
            None => "add a device for it to dhcpform.yaml, or remove the file".into(),
        };
        let display = format!(
            "devices/{}",
            f.file_name().and_then(|n| n.to_str()).unwrap_or_default()
        );
        let file = SourceFile::new(&display, &f, "");
        diags.push(
            Diag::file_level(&file, format!("{display} is the desired file of no device"))
                .with_help(hint)
                .warning(),
        );
    }
}

/// Problems in the profiles' values, at their lines in the inventory, each naming a pool that
/// uses the profile (the diagnostics of an unused profile say so).
pub(super) fn report_profiles(
    inventory: &mut Inventory,
    uses: &BTreeMap<String, (String, String)>,
    diags: &mut Diags,
) {
    for (name, profile) in inventory.profiles.iter_mut() {
        let user = match uses.get(name) {
            Some((pool, file)) => format!("in profile `{name}`, used by pool `{pool}` of {file}"),
            None => format!("in profile `{name}`, which no pool uses"),
        };
        for mut d in std::mem::take(&mut profile.diags) {
            d.message = format!("{} ({user})", d.message);
            diags.push(d);
        }
    }
}

/// A protected pool the desired file does not declare (a warning: it may exist on the device
/// only, but a typo there protects nothing).
fn check_protected(inventory: &Inventory, dev: &DeviceEntry, l: &Lowered, diags: &mut Diags) {
    let Some(pools) = &l.config.pools else {
        return;
    };
    for (i, p) in dev.protected_pools.iter().enumerate() {
        if pools.contains_key(p) {
            continue;
        }
        let span = dev.protected_spans.get(i).copied().unwrap_or(dev.span);
        let mut d = Diag::at(
            &inventory.file,
            span,
            format!(
                "protected pool `{p}` of device `{}` is not in {}: it protects a pool only \
                 while that pool is on the device (plan says whether it is)",
                dev.name, dev.desired_display
            ),
            "not in the desired file",
        )
        .warning();
        let hint = match crate::model::names::nearest(p, pools.keys().map(String::as_str)) {
            Some(n) => format!("did you mean `{n}`? A name that exists nowhere protects nothing"),
            None => "fine if the pool is only on the device; otherwise check the spelling (a \
                     name that exists nowhere protects nothing)"
                .into(),
        };
        d = d.with_help(hint);
        diags.push(d);
    }
}

/// The checks of one IOS XE device's lowered file: cross-field rules (named with the profile a
/// value came from), what its API cannot hold, protected pools.
pub(super) fn check_device(
    inventory: &Inventory,
    dev: &DeviceEntry,
    file: &SourceFile,
    lowered: &Lowered,
    diags: &mut Diags,
) {
    let start = diags.0.len();
    check_ios_xe(file, lowered, diags);
    if dev.api == Api::Restconf {
        check_restconf(file, lowered, diags);
    }
    name_profiles(lowered, &dev.desired_display, &mut diags.0[start..]);
    check_protected(inventory, dev, lowered, diags);
}

/// What the RESTCONF native model cannot hold: `netbios-node-type` (no release models it; it
/// would be silently lost), an error at each place it is set.
fn check_restconf(file: &SourceFile, l: &Lowered, diags: &mut Diags) {
    let Some(pools) = &l.config.pools else {
        return;
    };
    for (name, pool) in pools {
        if pool.options.netbios_node_type.is_none() {
            continue;
        }
        let path = format!("pools/{name}/netbios-node-type");
        let place = match l.foreign.get(&path) {
            Some((f, s)) => (f.clone(), *s),
            None => (file.clone(), span(&l.spans, &path)),
        };
        diags.push(
            located(
                place,
                format!(
                    "pool `{name}`: netbios-node-type cannot be set over RESTCONF (the device's \
                     `api: restconf`): IOS XE's native YANG model has no such leaf"
                ),
                "not in the RESTCONF model",
            )
            .with_help(
                "remove it, or configure it on the device by other means (CLI `netbios-node-type` \
                 in the pool); dhcpform neither sees nor changes it there",
            ),
        );
    }
}

/// A diagnostic at a place that may be in another file (a value from a profile).
fn located(
    (file, span): (SourceFile, SourceSpan),
    message: impl Into<String>,
    label: impl Into<String>,
) -> Diag {
    Diag::at(&file, span, message, label)
}

/// Cross-field rules of an IOS XE file.
pub fn check_ios_xe(file: &SourceFile, l: &Lowered, diags: &mut Diags) {
    // With pools unmanaged the file cannot know which pools exist: nothing to cross-check.
    let Some(pools) = &l.config.pools else {
        return;
    };
    let dynamic: Vec<(&String, ipnet::Ipv4Net)> = pools
        .iter()
        .filter_map(|(n, p)| p.kind.network().map(|net| (n, net)))
        .collect();
    let at = |path: String| match l.foreign.get(&path) {
        Some((f, s)) => (f.clone(), *s),
        None => (file.clone(), span(&l.spans, &path)),
    };
    let exclusions = l.config.server.as_ref().map(|s| &s.excluded_addresses);
    check_overlaps(&dynamic, &at, diags);
    check_manual(pools, &dynamic, exclusions, &at, diags);
    check_gateways(pools, &at, diags);
    check_infinite(pools, &at, diags);
    // No warning built on a value that failed: with a pool missing, "outside every pool" and
    // "every address excluded" could be false.
    if l.pools_failed {
        return;
    }
    if let Some(ex) = exclusions {
        check_exclusions(ex, &dynamic, &at, diags);
        check_leasable_options(pools, &dynamic, ex, &at, diags);
        check_all_excluded(&dynamic, ex, &at, diags);
    }
}

/// Lint: a default gateway or DNS server a dynamic pool of the device can hand out.
fn check_leasable_options(
    pools: &crate::model::Pools,
    dynamic: &[(&String, ipnet::Ipv4Net)],
    ex: &std::collections::BTreeSet<crate::model::AddrRange>,
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    for (name, pool) in pools {
        let o = &pool.options;
        for (what, key, list) in [
            ("default gateway", "gateway", &o.default_gateway),
            ("DNS server", "dns", &o.dns_servers),
        ] {
            for (i, addr) in list.iter().enumerate() {
                let excluded = ex.iter().any(|r| r.contains(*addr));
                let Some((by, net)) = dynamic.iter().find(|(_, n)| n.contains(addr)) else {
                    continue;
                };
                if excluded {
                    continue;
                }
                diags.push(
                    located(
                        at(format!("pools/{name}/{key}/{i}")),
                        format!(
                            "{what} {addr} of pool `{name}` can be leased to a client by dynamic \
                             pool `{by}` ({net})"
                        ),
                        "leasable",
                    )
                    .with_help(format!(
                        "exclude it: add `- {addr}` to server.excluded-addresses"
                    ))
                    .warning(),
                );
            }
        }
    }
}

/// Lint: a dynamic pool whose every address is excluded.
fn check_all_excluded(
    dynamic: &[(&String, ipnet::Ipv4Net)],
    ex: &std::collections::BTreeSet<crate::model::AddrRange>,
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    for (name, net) in dynamic {
        if crate::plan::expect::usable(net, ex) == 0 {
            diags.push(
                located(
                    at(format!("pools/{name}/network")),
                    format!("every address of dynamic pool `{name}` ({net}) is excluded"),
                    "nothing to lease",
                )
                .with_help("the pool can lease nothing: narrow the exclusions or drop the pool")
                .warning(),
            );
        }
    }
}

/// Lint: an infinite lease on a dynamic pool.
fn check_infinite(
    pools: &crate::model::Pools,
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    for (name, pool) in pools {
        if pool.kind.lease() == Some(crate::model::LeaseDuration::Infinite) {
            diags.push(
                located(
                    at(format!("pools/{name}/lease")),
                    format!("dynamic pool `{name}` leases forever"),
                    "infinite lease",
                )
                .with_help(
                    "addresses of clients that leave are never given back; a manual binding \
                     or a long finite lease (e.g. 30d) is usually meant",
                )
                .warning(),
            );
        }
    }
}

/// Where a cross-device lint points: a place in a device's file (read again only when a lint
/// fires, so no file's text is held for the whole fleet) or in the inventory (a profile).
#[derive(Clone)]
enum Place {
    File(SourceSpan),
    Foreign(SourceFile, SourceSpan),
}

/// One pool of the fleet for the cross-device lints: the device (its index in the
/// repository's devices), the pool, the value compared, and its place.
type Entry<T> = (usize, String, T, Place);

/// What the cross-device lints need of every device: dynamic networks and reserved MACs.
#[derive(Default)]
pub(super) struct Fleet {
    networks: Vec<Entry<ipnet::Ipv4Net>>,
    macs: Vec<Entry<crate::model::Mac>>,
}

impl Fleet {
    /// Records the pools of the device that will be `devices[index]`.
    pub(super) fn add(&mut self, index: usize, l: &Lowered) {
        let Some(pools) = &l.config.pools else {
            return;
        };
        let at = |path: String| match l.foreign.get(&path) {
            Some((f, s)) => Place::Foreign(f.clone(), *s),
            None => Place::File(span(&l.spans, &path)),
        };
        for (name, pool) in pools {
            match &pool.kind {
                PoolKind::Dynamic { network, .. } => self.networks.push((
                    index,
                    name.clone(),
                    *network,
                    at(format!("pools/{name}/network")),
                )),
                PoolKind::Manual { mac, .. } => {
                    self.macs
                        .push((index, name.clone(), *mac, at(format!("pools/{name}/mac"))))
                }
            }
        }
    }

    fn resolve(place: &Place, dev: &DeviceEntry) -> (SourceFile, SourceSpan) {
        match place {
            Place::Foreign(f, s) => (f.clone(), *s),
            Place::File(span) => (
                SourceFile::read(&dev.desired_display, &dev.desired)
                    .unwrap_or_else(|_| SourceFile::new(&dev.desired_display, &dev.desired, "")),
                *span,
            ),
        }
    }

    /// Lints across devices: one network served by dynamic pools of two devices (two DHCP
    /// servers on one segment); one MAC reserved on two devices. Each entry is compared with
    /// the earlier ones in O(log n): CIDR networks overlap only when one holds the other.
    pub(super) fn check(self, devices: &[(DeviceEntry, Desired)], diags: &mut Diags) {
        use std::collections::HashMap;
        let name = |i: usize| devices.get(i).map(|(e, _)| e.name.as_str()).unwrap_or("?");
        // (network start, prefix) -> first entry; and by start, for the networks a wider one holds
        let mut exact: HashMap<(u32, u8), usize> = HashMap::new();
        let mut by_start: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, (dev, pool, net, place)) in self.networks.iter().enumerate() {
            let start = u32::from(net.network());
            let end = u32::from(net.broadcast());
            let wider = (0..=net.prefix_len()).find_map(|p| {
                let n = ipnet::Ipv4Net::new(net.network(), p).ok()?.trunc();
                let j = *exact.get(&(u32::from(n.network()), p))?;
                (self.networks[j].0 != *dev).then_some(j)
            });
            let narrower = || {
                by_start
                    .range(start..=end)
                    .flat_map(|(_, js)| js.iter().copied())
                    .find(|j| self.networks[*j].0 != *dev)
            };
            if let (Some(j), Some((entry, _))) = (wider.or_else(narrower), devices.get(*dev)) {
                let (d, p, n, _) = &self.networks[j];
                diags.push(
                    located(
                        Fleet::resolve(place, entry),
                        format!(
                            "network {net} of pool `{pool}` on device `{}` is also served by \
                             pool `{p}` ({n}) on device `{}`",
                            name(*dev),
                            name(*d)
                        ),
                        "two DHCP servers",
                    )
                    .with_help("two DHCP servers on one segment hand out conflicting leases")
                    .warning(),
                );
            }
            exact.entry((start, net.prefix_len())).or_insert(i);
            by_start.entry(start).or_default().push(i);
        }
        let mut seen: HashMap<crate::model::Mac, usize> = HashMap::new();
        for (i, (dev, pool, mac, place)) in self.macs.iter().enumerate() {
            match (seen.get(mac), devices.get(*dev)) {
                (Some(&j), Some((entry, _))) if self.macs[j].0 != *dev => {
                    let (d, p, _, _) = &self.macs[j];
                    diags.push(
                        located(
                            Fleet::resolve(place, entry),
                            format!(
                                "MAC {mac} of manual binding `{pool}` on device `{}` is also \
                                 reserved by `{p}` on device `{}`",
                                name(*dev),
                                name(*d)
                            ),
                            "reserved twice",
                        )
                        .with_help("a client gets one address: keep one reservation")
                        .warning(),
                    );
                }
                (Some(_), _) => {}
                (None, _) => {
                    seen.insert(*mac, i);
                }
            }
        }
    }
}

/// Overlapping dynamic pools (sorted by network start: each overlaps a neighbour).
fn check_overlaps(
    dynamic: &[(&String, ipnet::Ipv4Net)],
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    let mut sorted = dynamic.to_vec();
    sorted.sort_by_key(|(_, n)| (n.network(), n.prefix_len()));
    for i in 0..sorted.len() {
        for j in i + 1..sorted.len() {
            let (a, na) = sorted[i];
            let (b, nb) = sorted[j];
            if nb.network() > na.broadcast() {
                break;
            }
            diags.push(
                located(
                    at(format!("pools/{b}/network")),
                    format!("dynamic pools `{b}` ({nb}) and `{a}` ({na}) overlap"),
                    "overlaps another pool",
                )
                .with_help(
                    "a device refuses overlapping dynamic pools: give each pool its own network",
                ),
            );
        }
    }
}

/// Manual bindings: one address and one MAC bound once; a warning when a dynamic pool can
/// hand the address out too.
fn check_manual(
    pools: &crate::model::Pools,
    dynamic: &[(&String, ipnet::Ipv4Net)],
    exclusions: Option<&std::collections::BTreeSet<crate::model::AddrRange>>,
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    let mut by_ip: BTreeMap<std::net::Ipv4Addr, &String> = BTreeMap::new();
    let mut by_mac: BTreeMap<crate::model::Mac, &String> = BTreeMap::new();
    for (name, pool) in pools {
        let PoolKind::Manual { host, mac, .. } = &pool.kind else {
            continue;
        };
        if let Some(other) = by_ip.insert(*host, name) {
            diags.push(located(
                at(format!("pools/{name}/host")),
                format!("manual bindings `{other}` and `{name}` both bind {host}"),
                "address bound twice",
            ));
        }
        if let Some(other) = by_mac.insert(*mac, name) {
            diags.push(located(
                at(format!("pools/{name}/mac")),
                format!("manual bindings `{other}` and `{name}` both bind MAC {mac}"),
                "MAC bound twice",
            ));
        }
        let excluded = exclusions.is_some_and(|ex| ex.iter().any(|r| r.contains(*host)));
        if let Some((dyn_name, net)) = dynamic.iter().find(|(_, n)| n.contains(host))
            && !excluded
        {
            diags.push(
                located(
                    at(format!("pools/{name}/host")),
                    format!(
                        "{host} of manual binding `{name}` can also be handed out by dynamic \
                        pool `{dyn_name}` ({net})"
                    ),
                    "also leasable",
                )
                .with_help(format!(
                    "exclude it: add `- {host}` to server.excluded-addresses"
                ))
                .warning(),
            );
        }
    }
}

/// Default gateways inside their dynamic pool's network.
fn check_gateways(
    pools: &crate::model::Pools,
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    for (name, pool) in pools {
        let PoolKind::Dynamic { network, .. } = &pool.kind else {
            continue;
        };
        for (i, gw) in pool.options.default_gateway.iter().enumerate() {
            if !network.contains(gw) {
                diags.push(
                    located(
                        at(format!("pools/{name}/gateway/{i}")),
                        format!(
                            "default gateway {gw} is outside pool `{name}`'s network {network}"
                        ),
                        "outside the pool",
                    )
                    .with_help("clients cannot reach a gateway outside their own subnet"),
                );
            }
        }
    }
}

/// Exclusions that no dynamic pool covers (a warning).
fn check_exclusions(
    ex: &std::collections::BTreeSet<crate::model::AddrRange>,
    dynamic: &[(&String, ipnet::Ipv4Net)],
    at: &dyn Fn(String) -> (SourceFile, SourceSpan),
    diags: &mut Diags,
) {
    for r in ex {
        if !dynamic.iter().any(|(_, n)| r.overlaps_net(n)) {
            diags.push(
                located(
                    at(format!("server/excluded/{r}")),
                    format!("exclusion {r} lies outside every dynamic pool"),
                    "excludes nothing",
                )
                .with_help("remove it, or check the addresses")
                .warning(),
            );
        }
    }
}
