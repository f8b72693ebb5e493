//! `dhcpform plan` and `dhcpform drift`.

use super::Exit;
use super::session::{Session, plan_all};
use crate::cli::{Global, PlanFormat, Select};
use crate::plan::{FORMAT_VERSION, PlanFile};
use std::io::IsTerminal;
use std::path::Path;

/// Renders a plan in the chosen format.
pub fn render(global: &Global, plan: &PlanFile, format: PlanFormat) -> String {
    let mut out = String::new();
    let _ = match format {
        PlanFormat::Text => {
            let color = super::color_enabled(global, std::io::stdout().is_terminal());
            crate::render::text::render(&mut out, plan, color)
        }
        PlanFormat::Json => crate::render::json::render(&mut out, plan),
        PlanFormat::Markdown => crate::render::markdown::render(&mut out, plan),
    };
    out
}

pub struct PlanArgs<'a> {
    pub dir: &'a Path,
    pub select: &'a Select,
    pub format: PlanFormat,
    pub out: Option<&'a Path>,
    pub detailed_exitcode: bool,
    pub drift: bool,
}

pub fn run(global: &Global, a: PlanArgs) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let (session, selected) = match Session::open_selected(global, a.dir, a.select).await {
            Ok(x) => x,
            Err(code) => return Ok(code),
        };
        let session = std::sync::Arc::new(session);
        let planned = plan_all(&session, &selected, false, a.drift, false).await;
        let plan = PlanFile {
            format_version: FORMAT_VERSION,
            devices: planned.into_iter().map(|p| p.plan).collect(),
        };
        Session::close_shared(session).await;
        super::out!("{}", render(global, &plan, a.format));
        let errors: Vec<&str> = plan
            .devices
            .iter()
            .filter_map(|d| d.error.as_deref())
            .collect();
        for d in plan.devices.iter().filter(|d| d.error.is_some()) {
            eprintln!(
                "error: device {}: {}",
                d.device,
                d.error.as_deref().unwrap_or("")
            );
        }
        if let Some(path) = a.out {
            if errors.is_empty() {
                let text = serde_json::to_string_pretty(&plan)
                    .map_err(|e| miette::miette!("cannot encode the plan: {e}"))?;
                std::fs::write(path, text)
                    .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
                if !global.quiet {
                    eprintln!("plan saved to {}", path.display());
                }
            } else {
                eprintln!(
                    "plan not saved to {}: {} device(s) could not be planned",
                    path.display(),
                    errors.len()
                );
            }
        }
        if !errors.is_empty() {
            return Ok(Exit::Error);
        }
        let pending = plan
            .devices
            .iter()
            .any(|d| d.has_changes() || !d.findings.is_empty());
        Ok(if pending && (a.detailed_exitcode || a.drift) {
            Exit::Pending
        } else {
            Exit::Ok
        })
    })
}
