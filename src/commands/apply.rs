//! `dhcpform apply [--plan FILE]`: plan (or load a saved plan), show, confirm, converge; then
//! the report and its exit code.

use super::{Exit, Printer};
use crate::engine::{ApplyRequest, Options};
use crate::plan::PlanFile;
use crate::plan::report::DeviceReport;
use std::path::Path;

pub struct ApplyArgs<'a> {
    pub dir: &'a Path,
    pub plan: Option<&'a Path>,
    pub options: Options,
    pub yes: bool,
    pub force: bool,
}

fn load_plan(path: &Path) -> Result<PlanFile, miette::Report> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| miette::miette!("cannot read plan {}: {e}", path.display()))?;
    let plan: PlanFile = serde_json::from_str(&text)
        .map_err(|e| miette::miette!("{} is not a dhcpform plan: {e}", path.display()))?;
    crate::engine::verify_saved(&plan).map_err(|e| {
        miette::Report::new(e).wrap_err(format!("{} cannot be applied", path.display()))
    })?;
    Ok(plan)
}

pub fn run(p: &Printer, a: ApplyArgs) -> Result<Exit, miette::Report> {
    let saved = a.plan.map(load_plan).transpose()?;
    let engine = match super::load(p, a.dir, a.options, super::Warnings::Summary) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let invalid = engine.invalid();
    if !invalid.is_empty() {
        p.error(&format!(
            "nothing applied: the desired file of {} is invalid (see above); fix it, or \
             leave the device out with --exclude",
            crate::render::names_line(&invalid, super::plan::NAMES_SHOWN)
        ));
        return Ok(Exit::Error);
    }
    let rt = super::runtime()?;
    let req = ApplyRequest {
        saved,
        force: a.force,
        signals: true,
        on_interrupt: Some(p.stderr_logger()),
    };
    // with -q, the stream shows only devices with changes or errors; device by device, as
    // each is planned, never the whole fleet's text at once
    let style = super::plan::style(p);
    let mut stream = crate::render::stream::Stream::new(
        crate::render::stream::Format::Text,
        crate::plan::Kind::Plan,
        style,
    );
    p.out(&stream.start());
    let prepared = rt
        .block_on(engine.prepare(req, &mut |d| p.out(&stream.device(d))))
        .map_err(miette::Report::new)?;
    p.out(&stream.finish());
    if !prepared.outside().is_empty() {
        p.warn(&format!(
            "{} device(s) of the plan are outside this selection and are not applied by this \
             run: {}",
            prepared.outside().len(),
            crate::render::names_line(prepared.outside(), super::plan::NAMES_SHOWN)
        ));
    }
    if prepared.has_writes() {
        // asked here, with no runtime in use; an interrupt at the prompt cancels
        prepared.asking(true);
        let answer = p.confirm(a.yes, "apply", "Apply these changes?");
        prepared.asking(false);
        match answer {
            Ok(true) => {}
            Ok(false) => {
                rt.block_on(prepared.cancel());
                p.err("apply cancelled: nothing written");
                // nothing was written, but nothing pending was done either
                return Ok(Exit::Error);
            }
            Err(e) => {
                rt.block_on(prepared.cancel());
                return Err(e);
            }
        }
    }
    let reports = rt.block_on(prepared.execute());
    // device by device: never the whole fleet's report as one text
    p.out(crate::render::report::header(reports.is_empty()));
    for r in &reports {
        p.out(&crate::render::report::device(r));
    }
    Ok(exit_code(&reports))
}

/// 3 when something was sent (answered, or possibly carried out without a clear answer) and
/// then failed, was interrupted or did not converge; 4 when a device was blocked; 1 on other
/// errors (an interrupt before any write, a first write the device refused); 0 otherwise.
pub fn exit_code(reports: &[DeviceReport]) -> Exit {
    if reports.iter().any(DeviceReport::partial) {
        Exit::Partial
    } else if reports.iter().any(|r| r.blocked.is_some()) {
        Exit::Blocked
    } else if reports.iter().any(|r| {
        r.error.is_some() || r.failed.is_some() || r.converged == Some(false) || r.interrupted
    }) {
        Exit::Error
    } else {
        Exit::Ok
    }
}
