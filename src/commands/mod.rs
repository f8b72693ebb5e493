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

pub fn run(cli: Cli) -> Result<Exit, miette::Report> {
    let global = cli.global.clone();
    let p = Printer::new(&global);
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

/// Loads the repository for a device command: prints its diagnostics and warnings; an invalid
/// repository or a bad selection ends the command (exit 1).
fn load(
    p: &Printer,
    dir: &std::path::Path,
    options: Options,
) -> Result<crate::engine::Engine, Exit> {
    let (engine, diags) = crate::engine::Engine::load(dir, options);
    p.diags(&diags.under(dir));
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
