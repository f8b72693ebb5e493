//! Thin entry point: run the CLI and map the outcome to an exit code.
#![allow(clippy::print_stderr)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = dhcpform::cli::Cli::parse();
    match dhcpform::commands::run(cli) {
        Ok(exit) => std::process::ExitCode::from(exit as u8),
        Err(report) => {
            eprintln!("{report:?}");
            std::process::ExitCode::from(1)
        }
    }
}
