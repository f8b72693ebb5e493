//! Fleet benchmark (harness-less), two figures of the performance targets:
//! - speed: `dhcpform plan` over 1,000 emulated devices with 20 ms latency per request at
//!   parallelism 50, against the network lower bound ceil(1000/50) x 2 round trips x 20 ms =
//!   0.8 s (target: within 1.15x), with the requests each device received (target: token,
//!   server, pools, plus the token's release);
//! - the same plan over 1,000 RESTCONF devices (IOS XE 17.x): three concurrent reads per device,
//!   so the network lower bound is ceil(1000/50) x 1 round trip x 20 ms = 0.4 s;
//! - memory: the peak resident memory over 10,000 emulated devices at parallelism 100 of
//!   `validate` (target <= 32 MB), `plan` in the text and the json format (target <= 48 MB),
//!   and `apply --yes` with a pool to create on every device, run under `ulimit -n 1024`
//!   (target <= 64 MB, no descriptor exhaustion: every device must converge).
//!
//! Run: `cargo bench --bench fleet` (DEVICES, PARALLELISM, LATENCY_MS override the speed run;
//! BIG_DEVICES, BIG_PARALLELISM the memory run; BIG_DEVICES=0 skips it; RESTCONF=0 skips the
//! RESTCONF run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use dhcpform::sim::{Faults, Sim, SimHandle, SimOptions};
use std::path::Path;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A repository of `n` IOS XE devices served by `handle` over `api`, each with one pool to
/// create.
fn repository(dir: &Path, handle: &SimHandle, n: usize, api: &str) {
    std::fs::create_dir_all(dir.join("devices")).unwrap();
    // one emulator stands in for `n` routers, each its own host in the field: the per-host
    // limit is lifted so that only the device parallelism bounds the run
    let mut inv = String::from("settings:\n  timeout: 30s\n  per-host-limit: 1024\ndevices:\n");
    for i in 0..n {
        inv.push_str(&format!(
            "  d{i:05}:\n    platform: ios-xe\n    api: {api}\n    url: {}\n    auth: {{ \
                username-env: BENCH_USER, password-env: BENCH_PASS }}\n",
            handle.device_url(&format!("d{i:05}"))
        ));
        std::fs::write(
            dir.join(format!("devices/d{i:05}.yaml")),
            format!(
                "pools:\n  staff:\n    dynamic: {{ address-range: 10.{}.{}.0/24 }}\n",
                (i / 256) % 256,
                i % 256
            ),
        )
        .unwrap();
    }
    std::fs::write(dir.join("dhcpform.yaml"), inv).unwrap();
}

/// Runs `dhcpform plan` on `dir`; returns wall seconds.
fn plan(dir: &Path, parallelism: usize, format: &str) -> f64 {
    let bin = env!("CARGO_BIN_EXE_dhcpform");
    let start = Instant::now();
    let out = std::process::Command::new(bin)
        .args([
            "plan",
            "-q",
            "--parallelism",
            &parallelism.to_string(),
            "--format",
            format,
        ])
        .arg(dir)
        .env("BENCH_USER", "admin")
        .env("BENCH_PASS", "admin")
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

/// Runs `dhcpform ARGS DIR` (under `ulimit -n` when given; it must succeed): wall seconds and
/// the child's own peak resident memory (MB), from wait4 (which also reaps the child).
#[allow(clippy::zombie_processes)]
fn timed(args: &[&str], dir: &Path, nofile: Option<u32>) -> (f64, f64) {
    let bin = env!("CARGO_BIN_EXE_dhcpform");
    let mut cmd = match nofile {
        Some(n) => {
            let mut c = std::process::Command::new("sh");
            c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), bin]);
            c
        }
        None => std::process::Command::new(bin),
    };
    let err = tempfile::NamedTempFile::new().unwrap();
    let start = Instant::now();
    let child = cmd
        .args(args)
        .arg(dir)
        .env("BENCH_USER", "admin")
        .env("BENCH_PASS", "admin")
        .stdout(std::process::Stdio::null())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: wait4 on our own child's pid, writing into a zeroed rusage we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    let secs = start.elapsed().as_secs_f64();
    assert!(pid > 0);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{args:?}: {}",
        std::fs::read_to_string(err.path()).unwrap_or_default()
    );
    (secs, ru.ru_maxrss as f64 / 1024.0)
}

fn start_sim(rt: &tokio::runtime::Runtime, devices: usize, latency: u64) -> SimHandle {
    let sim = Sim::new(SimOptions {
        fleet: Some(devices),
        faults: Faults {
            latency_ms: latency,
            ..Faults::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    rt.block_on(sim.start("127.0.0.1:0".parse().unwrap()))
        .unwrap()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Memory first: each run's own peak, from wait4.
    let big = env("BIG_DEVICES", 10_000);
    if big > 0 {
        let big_par = env("BIG_PARALLELISM", 100);
        let handle = start_sim(&rt, big, 0);
        let dir = tempfile::tempdir().unwrap();
        repository(dir.path(), &handle, big, "rest");
        println!("fleet memory: {big} devices, parallelism {big_par}");
        let (secs, mb) = timed(&["validate", "-q"], dir.path(), None);
        println!(
            "  validate               peak resident memory: {mb:.1} MB (target <= 32 MB)   wall: \
             {secs:.2} s"
        );
        let par = big_par.to_string();
        for format in ["text", "json"] {
            let args = ["plan", "-q", "--parallelism", &par, "--format", format];
            let (secs, mb) = timed(&args, dir.path(), None);
            println!(
                "  plan --format {format:<5}    peak resident memory: {mb:.1} MB (target <= 48 MB) \
                   wall: {secs:.2} s"
            );
        }
        let args = ["apply", "--yes", "-q", "--parallelism", &par];
        let (secs, mb) = timed(&args, dir.path(), Some(1024));
        let created = handle
            .sim
            .journal()
            .iter()
            .filter(|j| j.method == "POST" && j.path.ends_with("/pool") && j.status == 201)
            .count();
        println!(
            "  apply (ulimit -n 1024) peak resident memory: {mb:.1} MB (target <= 64 MB)   wall: \
             {secs:.2} s   pools created: {created} of {big}"
        );
        rt.block_on(handle.shutdown());
    }

    let devices = env("DEVICES", 1000);
    let parallelism = env("PARALLELISM", 50);
    let latency = env("LATENCY_MS", 20) as u64;
    speed(
        &rt,
        "rest",
        devices,
        parallelism,
        latency,
        2,
        "3 + the token's release",
    );
    if env("RESTCONF", 1) > 0 {
        speed(
            &rt,
            "restconf",
            devices,
            parallelism,
            latency,
            1,
            "3, sent at once",
        );
    }
}

/// The fleet plan's wall time against the network lower bound (`trips` round trips per
/// device on the critical path), and the requests each device received.
fn speed(
    rt: &tokio::runtime::Runtime,
    api: &str,
    devices: usize,
    parallelism: usize,
    latency: u64,
    trips: usize,
    target: &str,
) {
    let handle = start_sim(rt, devices, latency);
    let dir = tempfile::tempdir().unwrap();
    repository(dir.path(), &handle, devices, api);
    let mut times = vec![];
    for _ in 0..3 {
        handle.sim.clear_journal();
        times.push(plan(dir.path(), parallelism, "json"));
    }
    let journal = handle.sim.journal();
    let per_device = journal.len() as f64 / devices as f64;
    let critical = journal.iter().filter(|j| j.method != "DELETE").count() as f64 / devices as f64;
    let bound = devices.div_ceil(parallelism) as f64 * trips as f64 * latency as f64 / 1000.0;
    times.sort_by(f64::total_cmp);
    println!(
        "fleet plan ({api}): {devices} devices, parallelism {parallelism}, latency {latency} ms"
    );
    println!(
        "  wall time (best of 3): {:.3} s   runs: {:?}",
        times[0],
        times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>()
    );
    println!(
        "  network lower bound:   {bound:.3} s   ratio: {:.2}x (target <= 1.15x)",
        times[0] / bound
    );
    println!(
        "  requests per device:   {per_device:.2} ({critical:.2} on the critical path; target \
            {target})"
    );
    rt.block_on(handle.shutdown());
}
