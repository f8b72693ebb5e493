//! `dhcpform validate [DIR]`.

use super::{Exit, Printer};
use std::path::Path;

pub fn run(p: &Printer, dir: &Path) -> Result<Exit, miette::Report> {
    let (repo, diags) = crate::validate::load_repo(dir);
    p.diags(&diags);
    let (errors, warnings) = (diags.errors(), diags.warnings());
    match repo {
        Some(repo) if errors == 0 => {
            if !p.quiet() {
                p.outln(&format!(
                    "valid: {} device(s), {} warning(s)",
                    repo.devices.len(),
                    warnings
                ));
            }
            Ok(Exit::Ok)
        }
        _ => {
            p.err(&format!(
                "invalid: {errors} error(s), {warnings} warning(s)"
            ));
            Ok(Exit::Error)
        }
    }
}
