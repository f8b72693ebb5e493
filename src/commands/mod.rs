//! One file per subcommand, wiring the library together. This is the CLI layer: the only place
//! (with main.rs) that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// Prints to stdout; a closed pipe (`| head`) ends the process quietly instead of panicking.
macro_rules! out {
    ($($t:tt)*) => { $crate::commands::emit(&format!($($t)*)) };
}
macro_rules! outln {
    ($($t:tt)*) => { $crate::commands::emit(&format!("{}\n", format_args!($($t)*))) };
}
pub(crate) use {out, outln};

pub fn emit(s: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(s.as_bytes()).and_then(|_| stdout.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

pub mod apply;
pub mod import;
pub mod leases;
pub mod plan;
pub mod schema;
pub mod session;
pub mod sim;
pub mod validate;

use crate::cli::{Cli, Command};

/// Process exit codes of DESIGN.md section 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Pending = 2,
    Partial = 3,
    Blocked = 4,
}

pub fn run(cli: Cli) -> Result<Exit, miette::Report> {
    let global = cli.global.clone();
    match cli.command {
        Command::Validate { dir } => validate::run(&global, &dir),
        Command::Schema { kind } => schema::run(kind),
        Command::Plan {
            dir,
            select,
            format,
            out,
            detailed_exitcode,
        } => plan::run(
            &global,
            plan::PlanArgs {
                dir: &dir,
                select: &select,
                format,
                out: out.as_deref(),
                detailed_exitcode,
                drift: false,
            },
        ),
        Command::Drift {
            dir,
            select,
            format,
        } => plan::run(
            &global,
            plan::PlanArgs {
                dir: &dir,
                select: &select,
                format,
                out: None,
                detailed_exitcode: true,
                drift: true,
            },
        ),
        Command::Import { dir, device, write } => import::run(&global, &dir, &device, write),
        Command::Apply {
            dir,
            plan,
            select,
            yes,
            force,
        } => apply::run(
            &global,
            apply::ApplyArgs {
                dir: &dir,
                plan: plan.as_deref(),
                select: &select,
                yes,
                force,
            },
        ),
        Command::Sim {
            action: crate::cli::SimAction::Serve(args),
        } => sim::run(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "dhcpform", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Command::Leases {
            action: None,
            dir,
            select,
            format,
        } => leases::run(&global, &dir, &select, format),
        Command::Leases {
            action:
                Some(crate::cli::LeasesAction::Clear {
                    dir,
                    device,
                    ips,
                    all,
                    yes,
                }),
            ..
        } => leases::clear(&global, &dir, &device, &ips, all, yes),
    }
}

/// Prints diagnostics to stderr through miette's graphical handler.
pub fn print_diags(global: &crate::cli::Global, diags: &crate::manifest::Diags) {
    let handler = report_handler(global);
    for d in &diags.0 {
        let mut out = String::new();
        if handler.render_report(&mut out, d).is_ok() {
            eprintln!("{out}");
        } else {
            eprintln!("{}", d.message);
        }
    }
}

pub fn color_enabled(global: &crate::cli::Global, stream_is_tty: bool) -> bool {
    match global.color {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub fn report_handler(global: &crate::cli::Global) -> miette::GraphicalReportHandler {
    use std::io::IsTerminal;
    let color = color_enabled(global, std::io::stderr().is_terminal());
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    miette::GraphicalReportHandler::new_themed(theme).with_width(100)
}

/// The tokio runtime commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, miette::Report> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))
}

/// A progress bar on stderr when it is a terminal and several devices are worked on.
pub fn progress(global: &crate::cli::Global, n: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if n < 2 || global.quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} devices {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// Asks for confirmation: `--yes` skips it; without a terminal `--yes` is required; on a
/// terminal only the answer `yes` proceeds.
pub fn confirm(yes: bool, command: &str, question: &str) -> Result<bool, miette::Report> {
    use std::io::{BufRead, IsTerminal, Write};
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(miette::miette!(
            help = "review what it will do, then run again with --yes",
            "no terminal to confirm on: {command} needs --yes"
        ));
    }
    eprint!("{question} Only 'yes' proceeds: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| miette::miette!("cannot read the answer: {e}"))?;
    Ok(line.trim() == "yes")
}
