//! Fleet benchmark (harness-less): `dhcpform plan` over 1,000 emulated devices with 20 ms latency
//! per request at parallelism 50, against the network lower bound
//! ceil(1000/50) x 2 round trips x 20 ms = 0.8 s (target: within 1.25x). Also counts the
//! requests each device received (target: token, server, pools, plus the token's release).
//!
//! Run: `cargo bench --bench fleet` (DEVICES, PARALLELISM, LATENCY_MS override the defaults).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use dhcpform::sim::{Faults, Sim, SimOptions};
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let devices = env("DEVICES", 1000);
    let parallelism = env("PARALLELISM", 50);
    let latency = env("LATENCY_MS", 20) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = Sim::new(SimOptions {
        fleet: Some(devices),
        faults: Faults {
            latency_ms: latency,
            ..Faults::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    let handle = rt
        .block_on(sim.start("127.0.0.1:0".parse().unwrap()))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("devices")).unwrap();
    let mut inv = String::from("settings:\n  timeout: 30s\ndevices:\n");
    for i in 0..devices {
        inv.push_str(&format!(
            "  d{i:04}:\n    platform: ios-xe\n    url: {}\n    auth: {{ username-env: BENCH_USER, password-env: BENCH_PASS }}\n",
            handle.device_url(&format!("d{i:04}"))
        ));
        std::fs::write(
            dir.path().join(format!("devices/d{i:04}.yaml")),
            format!(
                "pools:\n  staff:\n    dynamic: {{ address-range: 10.{}.{}.0/24 }}\n",
                i / 256,
                i % 256
            ),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("dhcpform.yaml"), inv).unwrap();
    let bin = env!("CARGO_BIN_EXE_dhcpform");
    let mut times = vec![];
    for _ in 0..3 {
        handle.sim.clear_journal();
        let start = Instant::now();
        let out = std::process::Command::new(bin)
            .args([
                "plan",
                "-q",
                "--parallelism",
                &parallelism.to_string(),
                "--format",
                "json",
            ])
            .arg(dir.path())
            .env("BENCH_USER", "admin")
            .env("BENCH_PASS", "admin")
            .output()
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        times.push(secs);
    }
    let journal = handle.sim.journal();
    let per_device = journal.len() as f64 / devices as f64;
    let critical = journal.iter().filter(|j| j.method != "DELETE").count() as f64 / devices as f64;
    let bound = devices.div_ceil(parallelism) as f64 * 2.0 * latency as f64 / 1000.0;
    times.sort_by(f64::total_cmp);
    println!("fleet plan: {devices} devices, parallelism {parallelism}, latency {latency} ms");
    println!(
        "  wall time (best of 3): {:.3} s   runs: {:?}",
        times[0],
        times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>()
    );
    println!(
        "  network lower bound:   {bound:.3} s   ratio: {:.2}x (target <= 1.25x)",
        times[0] / bound
    );
    println!(
        "  requests per device:   {per_device:.2} ({critical:.2} on the critical path; target 3 + the token's release)"
    );
    rt.block_on(handle.shutdown());
}
