//! Command-line definitions (clap). Every command; docs/architecture.md has the contract.

pub mod docs;
pub mod exit;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dhcpform",
    version,
    about = "DHCP server configuration as code for IOS XE and F5 XC devices",
    after_long_help = exit::EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Log each HTTP request (credentials redacted).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Print only errors and the essentials.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| "expected a number from 0 to 1")?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{r} is not a share: expected 0 to 1"))
    }
}

/// `--shard`: a fixed `I/N`, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shard {
    Fixed(u32, u32),
    /// GitLab's `CI_NODE_INDEX`/`CI_NODE_TOTAL` (set by `parallel:`), read when the command
    /// runs.
    Auto,
}

impl Shard {
    /// The shard this run works on.
    pub fn resolve(self) -> Result<(u32, u32), String> {
        match self {
            Shard::Fixed(i, n) => Ok((i, n)),
            Shard::Auto => {
                let var = |name: &str| {
                    std::env::var(name).map_err(|_| {
                        format!(
                            "--shard auto reads {name}, which is not set (GitLab sets it for \
                             jobs with `parallel:`)"
                        )
                    })
                };
                let (i, n) = (var("CI_NODE_INDEX")?, var("CI_NODE_TOTAL")?);
                shard_of(&format!("{i}/{n}"))
                    .map_err(|e| format!("--shard auto: CI_NODE_INDEX/CI_NODE_TOTAL: {e}"))
            }
        }
    }
}

/// `I/N`, or `auto`.
fn parse_shard(s: &str) -> Result<Shard, String> {
    if s.trim() == "auto" {
        return Ok(Shard::Auto);
    }
    shard_of(s).map(|(i, n)| Shard::Fixed(i, n))
}

fn shard_of(s: &str) -> Result<(u32, u32), String> {
    let (i, n) = s.split_once('/').ok_or("expected I/N, e.g. 1/4")?;
    let i: u32 = i.trim().parse().map_err(|_| "I must be a number")?;
    let n: u32 = n.trim().parse().map_err(|_| "N must be a number")?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("shard {i}/{n}: need 1 <= I <= N"));
    }
    Ok((i, n))
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    /// For people (colour on a terminal; `::group::` per device under GitHub Actions).
    Text,
    /// The plan file (schemas/plan.schema.json).
    Json,
    /// A pull-request comment, job summary or issue body, under 60,000 characters.
    Markdown,
    /// JUnit XML: one test case per device, failed on changes, drift or an error.
    Junit,
    /// GitLab's Terraform report for the merge-request widget.
    Gitlab,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ValidateFormat {
    /// miette diagnostics with the source around each problem.
    Text,
    /// Every diagnostic as an object (file, line, column, severity, message, help).
    Json,
    /// GitHub workflow commands (`::error file=..,line=..,col=..::message`).
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LeaseFormat {
    Table,
    Json,
    Csv,
}

/// A real-device behaviour the emulator can show.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SimQuirk {
    /// The token service answers 201 instead of 200.
    #[value(name = "token-201")]
    Token201,
    /// Answers carry unset defaults as null or "None", and undocumented fields.
    NoneValues,
    /// GET of the DHCP settings and pools answers 404 until DHCP is configured.
    #[value(name = "unconfigured-404")]
    Unconfigured404,
    /// RESTCONF: an empty section answers 404 "uri keypath not found" instead of `{}`.
    #[value(name = "restconf-empty-404")]
    RestconfEmpty404,
    /// F5 XC: the replace form carries no `resource_version` (it is not in the public spec).
    NoResourceVersion,
}

/// The IOS XE API an emulator serves.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SimApi {
    Both,
    Rest,
    Restconf,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SchemaKind {
    Inventory,
    IosXe,
    F5Xc,
    Plan,
}

#[derive(Debug, Clone, Default, Args)]
pub struct Select {
    /// Only devices whose name matches this glob, or with a tag matching `tag:GLOB`
    /// (repeatable).
    #[arg(long = "device", value_name = "GLOB")]
    pub devices: Vec<String>,
    /// Leave out devices whose name matches this glob, or with a tag matching `tag:GLOB`
    /// (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub excludes: Vec<String>,
    /// Devices worked on at once, 1-1024 (overrides the inventory's settings.parallelism).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub parallelism: Option<u16>,
    /// Work on shard I of N: a stable partition of the devices by name (e.g. 1/4); `auto`
    /// reads GitLab's CI_NODE_INDEX/CI_NODE_TOTAL.
    #[arg(long, value_parser = parse_shard, value_name = "I/N|auto")]
    pub shard: Option<Shard>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the inventory and every desired-state file, offline.
    Validate {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
        /// Accept an inventory without devices (a repository being set up); every other
        /// command refuses one.
        #[arg(long)]
        allow_empty: bool,
    },
    /// Read devices and show what apply would change.
    Plan {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        select: Select,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Save the plan (JSON) for `apply --plan FILE`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit 2 when changes are pending.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Converge devices to their desired state.
    Apply {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Run a plan saved by `plan --out`.
        #[arg(long)]
        plan: Option<PathBuf>,
        #[command(flatten)]
        select: Select,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        yes: bool,
        /// Lift the safety gates (not the stale-plan check).
        #[arg(long)]
        force: bool,
    },
    /// Read-only plan plus `expect:` checks; exit 2 on any difference.
    Drift {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        select: Select,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Save the drift report (JSON) for `show`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render saved plan or drift files without touching a device; several files (one per
    /// shard) merge into one report.
    Show {
        /// Files written by `plan --out` or `drift --out`.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Read a device and print (or write) its desired-state YAML.
    Import {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The device, by its name in the inventory.
        #[arg(long)]
        device: String,
        /// Write the device's desired file instead of printing it.
        #[arg(long)]
        write: bool,
        /// With --write: replace an existing desired file (its comments and `expect:` are lost).
        #[arg(long, requires = "write")]
        force: bool,
        /// Write `profile: NAME` for pools whose settings match this profile of the inventory,
        /// and only their own remaining fields.
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
    },
    /// Active bindings (IOS XE) and leases (F5 XC) with pool utilisation.
    #[command(args_conflicts_with_subcommands = true)]
    Leases {
        #[command(subcommand)]
        action: Option<LeasesAction>,
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        select: Select,
        /// Output format.
        #[arg(long, value_enum, default_value_t = LeaseFormat::Table)]
        format: LeaseFormat,
    },
    /// Run the device emulator.
    Sim {
        #[command(subcommand)]
        action: SimAction,
    },
    /// Print a JSON Schema.
    Schema {
        /// Which file the schema describes.
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Print shell completions.
    Completions {
        /// The shell to print completions for.
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The repository argument of a command that reads one.
    pub fn dir_mut(&mut self) -> Option<&mut PathBuf> {
        match self {
            Command::Validate { dir, .. }
            | Command::Plan { dir, .. }
            | Command::Apply { dir, .. }
            | Command::Drift { dir, .. }
            | Command::Import { dir, .. }
            | Command::Leases {
                action: None, dir, ..
            }
            | Command::Leases {
                action: Some(LeasesAction::Clear { dir, .. }),
                ..
            } => Some(dir),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum LeasesAction {
    /// Clear IOS XE bindings.
    Clear {
        /// The repository: the folder holding dhcpform.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The device, by its name in the inventory.
        #[arg(long)]
        device: String,
        /// A binding to clear, by its address (repeatable).
        #[arg(long = "ip", required_unless_present = "all", conflicts_with = "all")]
        ips: Vec<std::net::Ipv4Addr>,
        /// Clear every automatic binding of the device.
        #[arg(long)]
        all: bool,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimAction {
    /// Serve the emulated device APIs over HTTP.
    Serve(SimServe),
}

#[derive(Debug, Clone, Args)]
pub struct SimServe {
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Seed from and persist to this JSON file.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Serve up to N devices under /devices/<name>/.
    #[arg(long)]
    pub fleet: Option<usize>,
    /// Which IOS XE API the devices speak: `rest` (/api/v1), `restconf` (/restconf), or
    /// both (the default; each device answers on either).
    #[arg(long, value_enum, default_value_t = SimApi::Both)]
    pub api: SimApi,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency: u64,
    /// Share of requests answered 429 or 503 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    #[arg(value_parser = parse_rate)]
    pub fault_rate: f64,
    /// Make the Nth write (POST/PUT/DELETE under /api/v1/dhcp) fail with 500.
    #[arg(long)]
    pub fail_write: Option<u64>,
    /// Carry out the Nth write, then cut the connection without an answer.
    #[arg(long)]
    pub lose_answer: Option<u64>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// Behave as real devices of this API family are known to (repeatable).
    #[arg(long = "quirk", value_enum, value_name = "QUIRK")]
    pub quirks: Vec<SimQuirk>,
    /// IOS XE user accepted by the token service.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// IOS XE password accepted by the token service.
    #[arg(
        long,
        default_value = "admin",
        env = "DHCPFORM_SIM_PASSWORD",
        hide_env_values = true
    )]
    pub password: String,
    /// F5 XC API token accepted.
    #[arg(
        long,
        default_value = "sim-token",
        env = "DHCPFORM_SIM_API_TOKEN",
        hide_env_values = true
    )]
    pub api_token: String,
}
