//! Thin entry point: run the CLI and map the outcome to an exit code. Usage errors exit 1
//! (never 2, which means "changes pending" or "drift found"); `--help` and `--version` exit 0.
#![allow(clippy::print_stderr)]

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> std::process::ExitCode {
    let cli = match dhcpform::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => 1,
            };
            // clap prints help to stdout and errors to stderr; a closed pipe is no failure.
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    match dhcpform::commands::run(cli) {
        Ok(exit) => std::process::ExitCode::from(exit as u8),
        Err(report) => {
            eprintln!("{report:?}");
            std::process::ExitCode::from(1)
        }
    }
}
