//! Shared test helpers: an emulator on loopback, temporary repositories, the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

pub mod props;

use dhcpform::sim::{DeviceSeed, Faults, JournalEntry, Sim, SimHandle, SimOptions};
use std::path::{Path, PathBuf};

/// An emulator serving real HTTP on 127.0.0.1, on its own runtime.
pub struct TestSim {
    pub rt: tokio::runtime::Runtime,
    pub handle: SimHandle,
}

impl TestSim {
    pub fn start(opts: SimOptions) -> TestSim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = Sim::new(opts).unwrap();
        let handle = rt
            .block_on(sim.start("127.0.0.1:0".parse().unwrap()))
            .unwrap();
        TestSim { rt, handle }
    }

    pub fn fleet(n: usize) -> TestSim {
        TestSim::start(SimOptions {
            fleet: Some(n),
            ..SimOptions::default()
        })
    }

    pub fn url(&self, device: &str) -> String {
        self.handle.device_url(device)
    }

    pub fn seed(&self, device: &str, seed: serde_json::Value) {
        let seed: DeviceSeed = serde_json::from_value(seed).unwrap();
        self.handle.sim.seed_device(device, &seed).unwrap();
    }

    pub fn journal(&self, device: &str) -> Vec<JournalEntry> {
        self.handle
            .sim
            .journal()
            .into_iter()
            .filter(|j| j.device == device)
            .collect()
    }

    /// Writes only (POST/PUT/DELETE on /api/v1/dhcp...), as "METHOD path status".
    pub fn writes(&self, device: &str) -> Vec<String> {
        self.journal(device)
            .into_iter()
            .filter(|j| j.method != "GET" && j.path.starts_with("/api/v1/dhcp"))
            .map(|j| format!("{} {} {}", j.method, j.path, j.status))
            .collect()
    }

    pub fn clear_journal(&self) {
        self.handle.sim.clear_journal();
    }

    pub fn faults(&self, f: Faults) {
        self.handle.sim.set_faults(f);
    }

    pub fn state(&self, device: &str) -> DeviceSeed {
        self.handle.sim.device_state(device).unwrap()
    }
}

/// A temporary config repository.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new(inventory: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("devices")).unwrap();
        std::fs::write(dir.path().join("dhcpform.yaml"), inventory).unwrap();
        Repo { dir }
    }

    /// An inventory of IOS XE devices at the given URLs, with extra settings lines.
    pub fn ios(devices: &[(&str, &str)], settings: &str) -> Repo {
        let mut inv = format!("settings:\n  timeout: 10s\n{settings}devices:\n");
        for (name, url) in devices {
            inv.push_str(&format!(
                "  {name}:\n    platform: ios-xe\n    url: {url}\n    auth: {{ \
                username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n"
            ));
        }
        Repo::new(&inv)
    }

    /// `n` IOS XE devices `{prefix}00`, `{prefix}01`... of `sim`'s fleet, each with one
    /// dynamic pool `pool` (10.i.0.0/24) to create, and extra settings lines.
    pub fn ios_fleet(sim: &TestSim, prefix: &str, n: usize, pool: &str, settings: &str) -> Repo {
        let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i:02}")).collect();
        let urls: Vec<String> = names.iter().map(|d| sim.url(d)).collect();
        let devices: Vec<(&str, &str)> = names
            .iter()
            .zip(&urls)
            .map(|(n, u)| (n.as_str(), u.as_str()))
            .collect();
        let repo = Repo::ios(&devices, settings);
        for (i, name) in names.iter().enumerate() {
            repo.desired(
                name,
                &format!("pools:\n  {pool}:\n    dynamic: {{ address-range: 10.{i}.0.0/24 }}\n"),
            );
        }
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn desired(&self, device: &str, yaml: &str) {
        self.write(&format!("devices/{device}.yaml"), yaml);
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// The built binary, with the emulator's default credentials in the environment.
pub fn dhcpform() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("dhcpform").unwrap();
    c.env("DHCPFORM_TEST_USER", "admin")
        .env("DHCPFORM_TEST_PASS", "admin")
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI_NODE_INDEX")
        .env_remove("CI_NODE_TOTAL");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn run(args: &[&str], dir: &Path) -> Run {
    dhcpform().args(args).arg(dir).output().unwrap().into()
}

/// dhcpform's IOS XE client for one emulated device, without retries.
pub fn ios_client(url: &str) -> dhcpform::platform::ios_xe_rest::IosXe {
    use dhcpform::platform::http::{Http, Secret, TlsOptions};
    let http = Http::new(
        std::time::Duration::from_secs(5),
        0,
        &TlsOptions::default(),
        None,
    )
    .unwrap();
    dhcpform::platform::ios_xe_rest::IosXe::new(http, url, "admin", Secret::new("admin"))
}

/// A device with a server section and three pools, with five clients holding leases (from
/// 10.0.0.31 on: the desired state's narrower exclusions take no address from them).
pub fn scenario_seed() -> serde_json::Value {
    serde_json::json!({
        "dhcp": {"enable": true, "excluded-addresses": [{"low-ip-address": "10.0.0.1",
            "high-ip-address": "10.0.0.30"}],
                 "relay-agents": [{"interface-name": "Gi1", "addresses": ["10.9.0.1"]}]},
        "pools": [
            {"poolName": "staff", "dynamic": {"address-range": "10.0.0.0/24"},
                "options": {"dns-servers": ["10.9.0.53"]}},
            {"poolName": "old", "dynamic": {"address-range": "10.5.0.0/24"}},
            {"poolName": "cam", "dynamic": {"address-range": "10.6.0.0/24"}}
        ],
        "clients": [{"pool": "staff", "count": 5}]
    })
}

/// Desired state for `scenario_seed`: a server update, a pool update, a replacement (cam turns
/// manual), a create and a delete.
pub const SCENARIO_DESIRED: &str = "server:\n  excluded-addresses: [10.0.0.1-10.0.0.20]\n  \
    relay-agents: { Gi1: [10.9.0.1, 10.9.0.2] }\npools:\n  staff:\n    \
    dynamic: { address-range: 10.0.0.0/24, lease-duration: 8h }\n    \
    options: { dns-servers: [10.9.0.53, 10.9.1.53] }\n  cam:\n    \
    manual: { host-ip-address: 10.6.0.10, mac-address: 02c7.f800.0422 }\n  guests:\n    \
    dynamic: { address-range: 10.7.0.0/24 }\n";

/// Text with miette's line wrapping folded away (words joined by single spaces, box-drawing
/// margins dropped), to look for a message whatever the terminal width.
pub fn folded(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| !matches!(*w, "│" | "×" | "╰─▶" | "├─▶"))
        .collect::<Vec<_>>()
        .join(" ")
}
