//! Profiles, tags, defaults and `x-` keys: expansion precedence, no drift after apply with
//! profiles, diagnostics in both files, tag selection, import with a profile, and a property
//! test that a repository with profiles and its fully expanded copy plan identically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, run};
use dhcpform::config::repo::load_repo;
use dhcpform::model::Desired;
use dhcpform::model::{LeaseDuration, LiveConfig};
use dhcpform::plan::{Policy, plan_ios_xe};
use proptest::prelude::*;
use std::net::Ipv4Addr;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".dhcpform" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet"),
        dir.path(),
    );
    dir
}

fn planned(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.contains(" to create, "))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn the_fleet_example_plans_applies_and_plans_empty() {
    let dir = fleet();
    let r = run(&["plan", "--detailed-exitcode"], dir.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(planned(&r.stdout).len(), 6);
    let a = run(&["apply", "--yes"], dir.path());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert_eq!(a.stdout.matches("converged").count(), 6, "{}", a.stdout);
    let r = run(&["plan", "--detailed-exitcode"], dir.path());
    assert_eq!(r.code, 0, "no drift from profiles: {}", r.stdout);
}

#[test]
fn tags_select_devices_and_combine_with_name_globs() {
    let dir = fleet();
    let r = run(&["plan", "--device", "tag:emea"], dir.path());
    assert_eq!(
        planned(&r.stdout),
        ["emea-01", "emea-02", "emea-03"],
        "{}",
        r.stderr
    );
    let r = run(
        &[
            "plan",
            "--device",
            "tag:branch",
            "--exclude",
            "tag:emea",
            "--exclude",
            "apac-02",
        ],
        dir.path(),
    );
    assert_eq!(planned(&r.stdout), ["apac-01", "apac-03"], "{}", r.stderr);
    let r = run(&["plan", "--device", "tag:americas"], dir.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no device matches tag:americas"),
        "{}",
        r.stderr
    );
}

#[test]
fn import_with_a_profile_writes_only_the_pools_own_fields_and_plans_empty() {
    let dir = fleet();
    assert_eq!(run(&["apply", "--yes"], dir.path()).code, 0);
    let r = run(
        &["import", "--device", "emea-01", "--profile", "staff"],
        dir.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let staff = r.stdout.split("  staff:").nth(1).unwrap();
    assert!(staff.contains("profile: staff"), "{}", r.stdout);
    assert!(
        !staff.contains("netbios-node-type"),
        "given by the profile: {}",
        r.stdout
    );
    assert!(
        staff.contains("default-gateway"),
        "the pool's own field: {}",
        r.stdout
    );
    let w = run(
        &[
            "import",
            "--device",
            "emea-01",
            "--profile",
            "staff",
            "--write",
            "--force",
        ],
        dir.path(),
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    let p = run(
        &["plan", "--detailed-exitcode", "--device", "emea-01"],
        dir.path(),
    );
    assert_eq!(p.code, 0, "{}{}", p.stdout, p.stderr);
    let bad = run(
        &["import", "--device", "emea-01", "--profile", "stafff"],
        dir.path(),
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("did you mean `staff`?"),
        "{}",
        bad.stderr
    );
}

const PROFILES: &str = "profiles:\n  corp:\n    lease-duration: 8h\n    options:\n      \
    domain-name: corp.example.com\n      dns-servers: [10.99.0.53, 10.99.1.53]\n      \
    default-gateway: [10.1.0.1]\n  broken:\n    options:\n      dns-servers: [10.99.0.300]\n";

#[test]
fn pool_fields_win_and_a_list_replaces_the_profiles_list_whole() {
    let repo = Repo::new(&format!(
        "{PROFILES}devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n"
    ));
    repo.write(
        "dhcpform.yaml",
        &std::fs::read_to_string(repo.file("dhcpform.yaml"))
            .unwrap()
            .replace(
                "  broken:\n    options:\n      dns-servers: [10.99.0.300]\n",
                "",
            ),
    );
    repo.desired(
        "r1",
        "pools:\n  staff:\n    profile: corp\n    dynamic: { address-range: 10.1.0.0/24 }\n  \
         guests:\n    profile: corp\n    \
         dynamic: { address-range: 10.2.0.0/24, lease-duration: 2h }\n    \
         options: { dns-servers: [], default-gateway: [10.2.0.1] }\n",
    );
    let (repo, diags) = load_repo(repo.path());
    assert_eq!(diags.errors(), 0, "{diags:?}");
    let Desired::IosXe(d) = &repo.unwrap().devices[0].1 else {
        panic!()
    };
    let pools = d.config.pools.as_ref().unwrap();
    let (staff, guests) = (pools.get("staff").unwrap(), pools.get("guests").unwrap());
    assert_eq!(staff.kind.lease(), Some(LeaseDuration::Minutes(8 * 60)));
    assert_eq!(
        staff.options.domain_name.as_deref(),
        Some("corp.example.com")
    );
    assert_eq!(staff.options.dns_servers.len(), 2);
    assert_eq!(staff.options.default_gateway, [Ipv4Addr::new(10, 1, 0, 1)]);
    assert_eq!(
        guests.kind.lease(),
        Some(LeaseDuration::Minutes(2 * 60)),
        "own lease wins"
    );
    assert!(
        guests.options.dns_servers.is_empty(),
        "an empty list replaces the profile's"
    );
    assert_eq!(guests.options.default_gateway, [Ipv4Addr::new(10, 2, 0, 1)]);
    assert_eq!(
        guests.options.domain_name.as_deref(),
        Some("corp.example.com")
    );
}

#[test]
fn diagnostics_point_at_the_file_each_value_came_from() {
    let repo = Repo::new(&format!(
        "{PROFILES}devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n"
    ));
    repo.desired(
        "r1",
        "pools:\n  guests:\n    profile: corp\n    dynamic: { address-range: 10.2.0.0/24 }\n  \
         lab:\n    profile: crop\n    dynamic: { address-range: 10.3.0.0/24 }\n  \
         bad:\n    profile: broken\n    dynamic: { address-range: 10.4.0.0/24 }\n",
    );
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = common::folded(&r.stderr);
    // a bad value in a profile: at its line in the inventory, naming a pool that uses it
    assert!(e.contains("/dhcpform.yaml:10:21]"), "{}", r.stderr);
    assert!(
        e.contains("(in profile `broken`, used by pool `bad` of devices/r1.yaml)"),
        "{e}"
    );
    // an unknown profile: at the pool's `profile:` value, with a did-you-mean
    assert!(
        e.contains("/devices/r1.yaml:6:14]") && e.contains("did you mean `corp`?"),
        "{e}"
    );
    // a rule on the expanded pool: the gateway came from the profile, so its line is shown
    assert!(
        e.contains("default gateway 10.1.0.1 is outside pool `guests`'s network"),
        "{e}"
    );
    assert!(e.contains("/dhcpform.yaml:7:25]"), "{}", r.stderr);
    assert!(
        e.contains("the value comes from profile `corp`, used by pool `guests` of devices/r1.yaml"),
        "{e}"
    );
    assert!(e.contains("invalid: 3 error(s)"), "{e}");
}

#[test]
fn defaults_fill_device_fields_and_entries_win() {
    let repo = Repo::new(
        "defaults:\n  platform: ios-xe\n  prune: false\n  tags: [branch]\ndevices:\n  \
         r1: { url: sim://r1 }\n  r2: { url: sim://r2, prune: true, tags: [core] }\n",
    );
    repo.desired("r1", "pools: {}\n");
    repo.desired("r2", "pools: {}\n");
    let (repo, diags) = load_repo(repo.path());
    assert_eq!(diags.errors(), 0, "{diags:?}");
    let devices = repo.unwrap().devices;
    let (r1, r2) = (&devices[0].0, &devices[1].0);
    assert!(!r1.prune && r2.prune);
    assert_eq!(r1.tags, ["branch"]);
    assert_eq!(r2.tags, ["core"]);
}

/// A profile giving a random subset of settings, and pools that use it with random overrides.
fn case() -> impl Strategy<Value = (String, String)> {
    let opt = |s: &'static str| proptest::option::of(Just(s));
    (
        (
            opt("    lease-duration: 8h\n"),
            opt("      domain-name: corp.example.com\n"),
        ),
        (
            opt("      dns-servers: [10.99.0.53, 10.99.1.53]\n"),
            opt("      netbios-node-type: h-node\n"),
        ),
        proptest::collection::vec(
            (
                any::<bool>(),
                proptest::option::of(prop_oneof![
                    Just("lease-duration: 2h"),
                    Just("lease-duration: infinite")
                ]),
            ),
            1..5,
        ),
        proptest::collection::vec(
            proptest::option::of(prop_oneof![
                Just("dns-servers: []"),
                Just("dns-servers: [10.9.9.9]"),
                Just("domain-name: other.example"),
                Just("netbios-node-type: b-node")
            ]),
            5,
        ),
    )
        .prop_map(|((lease, domain), (dns, node), pools, opts)| {
            let mut profile = String::from("profiles:\n  p:\n");
            profile.push_str(lease.unwrap_or(""));
            let options: String = [domain, dns, node].into_iter().flatten().collect();
            if !options.is_empty() {
                profile.push_str("    options:\n");
                profile.push_str(&options);
            }
            if lease.is_none() && options.is_empty() {
                profile = "profiles:\n  p: {}\n".into();
            }
            let mut file = String::from("pools:\n");
            for (i, (uses, own_lease)) in pools.iter().enumerate() {
                file.push_str(&format!("  p{i}:\n"));
                if *uses {
                    file.push_str("    profile: p\n");
                }
                let lease = own_lease.map(|l| format!(", {l}")).unwrap_or_default();
                file.push_str(&format!(
                    "    dynamic: {{ address-range: 10.{i}.0.0/24{lease} }}\n"
                ));
                if let Some(o) = opts[i] {
                    file.push_str(&format!("    options: {{ {o} }}\n"));
                }
            }
            (profile, file)
        })
}

fn lowered(inventory_extra: &str, file: &str) -> dhcpform::model::DeviceConfig {
    let repo = Repo::new(&format!(
        "{inventory_extra}devices:\n  r1:\n    platform: ios-xe\n    url: sim://r1\n"
    ));
    repo.desired("r1", file);
    let (repo, diags) = load_repo(repo.path());
    assert_eq!(diags.errors(), 0, "{diags:?}\n{inventory_extra}{file}");
    match &repo.unwrap().devices[0].1 {
        Desired::IosXe(d) => d.config.clone(),
        other => panic!("not ios-xe: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None,
        ..ProptestConfig::default() })]

    #[test]
    fn a_repository_with_profiles_and_its_expanded_copy_plans_identically(
        (profile, file) in case()
    ) {
        let with = lowered(&profile, &file);
        let expanded = dhcpform::config::manifest::write::render(&with, "");
        let without = lowered("", &expanded);
        prop_assert_eq!(&with, &without);
        let policy = Policy { prune: true, protected: &[],
            safety: dhcpform::config::inventory::Settings::default().safety, force: false };
        let live = LiveConfig::default();
        let a = plan_ios_xe("r1", &with, &live, &policy, &dhcpform::platform::ios_xe_rest::Rest);
        let b = plan_ios_xe("r1", &without, &live, &policy, &dhcpform::platform::ios_xe_rest::Rest);
        prop_assert_eq!(a.operations, b.operations);
        prop_assert_eq!(a.live_digest, b.live_digest);
    }
}

#[test]
fn x_keys_hold_anchors_in_every_file_and_other_unknown_keys_still_fail() {
    let repo = Repo::new(
        "x-common: &common { platform: ios-xe }\ndevices:\n  r1: { <<: *common, url: sim://r1 }\n",
    );
    repo.desired(
        "r1",
        "x-opts: &opts { domain-name: corp.example.com }\npools:\n  a:\n    \
         dynamic: { address-range: 10.0.0.0/24 }\n    options: { <<: *opts, dns-servers: [] }\n",
    );
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 0, "{}", v.stderr);
    let (loaded, _) = load_repo(repo.path());
    let Desired::IosXe(d) = &loaded.unwrap().devices[0].1 else {
        panic!()
    };
    let a = d.config.pools.as_ref().unwrap().get("a").unwrap();
    assert_eq!(
        a.options.domain_name.as_deref(),
        Some("corp.example.com"),
        "merged"
    );
    repo.write("devices/r1.yaml", "y-opts: 1\npools: {}\n");
    let v = run(&["validate"], repo.path());
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("unknown key `y-opts`"), "{}", v.stderr);
}
