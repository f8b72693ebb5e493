//! One file per subcommand: parse arguments, call the library (the engine for device work, at
//! most one `block_on` per command), render, map the exit code. All output goes through the
//! `Printer`; nothing below this layer prints.

pub mod apply;
pub mod import;
pub mod leases;
pub mod plan;
pub mod printer;
pub mod schema;
pub mod sim;
pub mod validate;

pub use crate::cli::exit::Exit;
use crate::cli::{Cli, Command, Select};
use crate::engine::{Options, Selection};
pub use printer::Printer;

pub fn run(mut cli: Cli) -> Result<Exit, miette::Report> {
    let global = cli.global.clone();
    let p = Printer::new(&global);
    if let Some(dir) = cli.command.dir_mut() {
        *dir = repository(&p, dir)?;
    }
    match cli.command {
        Command::Validate {
            dir,
            format,
            allow_empty,
        } => validate::run(&p, &dir, format, allow_empty),
        Command::Show { files, format } => plan::show(&p, &files, format),
        Command::Schema { kind } => schema::run(&p, kind),
        Command::Sim {
            action: crate::cli::SimAction::Serve(args),
        } => sim::run(&p, &args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "dhcpform", &mut buf);
            p.out(&String::from_utf8_lossy(&buf));
            Ok(Exit::Ok)
        }
        Command::Import {
            dir,
            device,
            write,
            force,
            profile,
        } => import::run(
            &p,
            import::ImportArgs {
                dir: &dir,
                device: &device,
                write,
                force,
                profile: profile.as_deref(),
            },
        ),
        Command::Leases {
            action: Some(action),
            ..
        } => leases_clear(&p, action),
        device_command => run_device_command(&p, device_command),
    }
}

/// The repository a command works on. The inventory file itself names its folder; `.`
/// without an inventory looks upward (saying where it found one), as git does.
fn repository(p: &Printer, arg: &std::path::Path) -> Result<std::path::PathBuf, miette::Report> {
    use crate::config::inventory::INVENTORY_FILE;
    if arg.is_file() {
        if arg.file_name().is_some_and(|n| n == INVENTORY_FILE) {
            let parent = arg.parent().filter(|d| !d.as_os_str().is_empty());
            return Ok(parent.map_or_else(|| ".".into(), std::path::Path::to_path_buf));
        }
        return Err(miette::miette!(
            help = format!(
                "give the repository's folder (or its {INVENTORY_FILE}); desired files are \
                 read through the inventory"
            ),
            "{} is a file, not a repository: dhcpform reads a folder holding {INVENTORY_FILE}",
            arg.display()
        ));
    }
    if arg != std::path::Path::new(".") || arg.join(INVENTORY_FILE).exists() {
        return Ok(arg.to_path_buf());
    }
    let mut up = std::path::PathBuf::from("..");
    for _ in 0..32 {
        if up.join(INVENTORY_FILE).is_file() {
            p.info(&format!(
                "no {INVENTORY_FILE} here: found {}",
                up.join(INVENTORY_FILE).display()
            ));
            return Ok(up);
        }
        match std::fs::canonicalize(&up) {
            Ok(c) if c.parent().is_some() => up.push(".."),
            _ => break,
        }
    }
    Ok(arg.to_path_buf())
}

/// The commands that work on the selected devices of a repository.
fn run_device_command(p: &Printer, command: Command) -> Result<Exit, miette::Report> {
    let plan = |dir: &std::path::Path, select, format, out, detailed_exitcode, drift| {
        plan::run(
            p,
            plan::PlanArgs {
                dir,
                options: options(select, p)?,
                format,
                out,
                detailed_exitcode,
                drift,
            },
        )
    };
    match command {
        Command::Plan {
            dir,
            select,
            format,
            out,
            detailed_exitcode,
        } => plan(
            &dir,
            &select,
            format,
            out.as_deref(),
            detailed_exitcode,
            false,
        ),
        Command::Drift {
            dir,
            select,
            format,
            out,
        } => plan(&dir, &select, format, out.as_deref(), false, true),
        Command::Apply {
            dir,
            plan,
            select,
            yes,
            force,
        } => apply::run(
            p,
            apply::ApplyArgs {
                dir: &dir,
                plan: plan.as_deref(),
                options: options(&select, p)?,
                yes,
                force,
            },
        ),
        Command::Leases {
            dir,
            select,
            format,
            ..
        } => leases::run(p, &dir, options(&select, p)?, format),
        other => Err(miette::miette!(
            "internal error: {other:?} is not a device command"
        )),
    }
}

fn leases_clear(p: &Printer, action: crate::cli::LeasesAction) -> Result<Exit, miette::Report> {
    let crate::cli::LeasesAction::Clear {
        dir,
        device,
        ips,
        all,
        yes,
    } = action;
    leases::clear(
        p,
        leases::ClearArgs {
            dir: &dir,
            device: &device,
            ips: &ips,
            all,
            yes,
            options: options(&Select::default(), p)?,
        },
    )
}

/// The engine options of a device command.
fn options(select: &Select, p: &Printer) -> Result<Options, miette::Report> {
    let shard = select
        .shard
        .map(crate::cli::Shard::resolve)
        .transpose()
        .map_err(|e| miette::miette!("{e}"))?;
    Ok(Options {
        selection: Selection {
            devices: select.devices.clone(),
            excludes: select.excludes.clone(),
            shard,
        },
        parallelism: select.parallelism.map(usize::from),
        log: p.logger(),
    })
}

/// How a command shows the files' validation warnings: in full (`validate`, `plan`) or as
/// one summary line (the other commands, which are not where files are reviewed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    Full,
    Summary,
}

/// Loads the repository for a device command: prints its errors in full and its warnings as
/// `warnings` says (nothing of them with `-q`); an invalid repository or a bad selection ends
/// the command (exit 1).
fn load(
    p: &Printer,
    dir: &std::path::Path,
    options: Options,
    warnings: Warnings,
) -> Result<crate::engine::Engine, Exit> {
    let (engine, diags) = crate::engine::Engine::load(dir, options);
    let diags = diags.under(dir);
    let (errors, warned): (Vec<_>, Vec<_>) = diags.0.into_iter().partition(|d| d.is_error());
    p.diags(&crate::config::manifest::Diags(errors));
    if !p.quiet() && !warned.is_empty() {
        match warnings {
            Warnings::Full => p.diags(&crate::config::manifest::Diags(warned)),
            Warnings::Summary => p.warn(&format!(
                "{} validation warning(s) in the files; `dhcpform validate` shows them",
                warned.len()
            )),
        }
    }
    match engine {
        Ok(engine) => {
            for w in engine.warnings() {
                p.warn(&w);
            }
            Ok(engine)
        }
        Err(e @ crate::engine::EngineError::Invalid { .. }) => {
            p.err(&e.to_string());
            Err(Exit::Error)
        }
        Err(e) => {
            p.error(&e.to_string());
            Err(Exit::Error)
        }
    }
}

/// The tokio runtime commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, miette::Report> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))
}
