//! `dhcpform validate [DIR]`.

use super::{Exit, print_diags};
use crate::cli::Global;
use std::path::Path;

pub fn run(global: &Global, dir: &Path) -> Result<Exit, miette::Report> {
    let (repo, diags) = crate::validate::load_repo(dir);
    print_diags(global, &diags);
    let (errors, warnings) = (diags.errors(), diags.warnings());
    match repo {
        Some(repo) if errors == 0 => {
            if !global.quiet {
                super::outln!(
                    "valid: {} device(s), {} warning(s)",
                    repo.devices.len(),
                    warnings
                );
            }
            Ok(Exit::Ok)
        }
        _ => {
            eprintln!("invalid: {errors} error(s), {warnings} warning(s)");
            Ok(Exit::Error)
        }
    }
}
