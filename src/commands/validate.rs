//! `dhcpform validate [DIR] [--format text|json|github]`.

use super::{Exit, Printer};
use crate::cli::ValidateFormat;
use crate::render::diagnostics;
use std::path::Path;

pub fn run(
    p: &Printer,
    dir: &Path,
    format: ValidateFormat,
    allow_empty: bool,
) -> Result<Exit, miette::Report> {
    let (repo, diags) = crate::config::repo::load_repo(dir);
    let diags = diags.under(dir);
    let (errors, warnings) = (diags.errors(), diags.warnings());
    let valid = repo.as_ref().is_some() && errors == 0;
    match format {
        // -q: the errors only
        ValidateFormat::Text if p.quiet() => p.diags(&crate::config::manifest::Diags(
            diags.0.iter().filter(|d| d.is_error()).cloned().collect(),
        )),
        ValidateFormat::Text => p.diags(&diags),
        ValidateFormat::Json => {
            let mut out = String::new();
            let _ = diagnostics::json(&mut out, &diags);
            p.out(&out);
        }
        ValidateFormat::Github => {
            let mut out = String::new();
            let _ = diagnostics::github(&mut out, &diags);
            p.out(&out);
        }
    }
    match repo {
        Some(repo) if valid && repo.devices.is_empty() && !allow_empty => {
            p.error(crate::engine::NO_DEVICES);
            Ok(Exit::Error)
        }
        Some(repo) if valid => {
            if !p.quiet() && format == ValidateFormat::Text {
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
