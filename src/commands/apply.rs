//! `dhcpform apply [--plan FILE]`: plan (or load a saved plan), show, confirm, execute.

use super::Exit;
use super::session::{Planned, Session, plan_all};
use crate::apply::{DeviceReport, execute};
use crate::cli::{Global, PlanFormat, Select};
use crate::device::Client;
use crate::model::{DeviceConfig, LiveConfig};
use crate::plan::{FORMAT_VERSION, PlanFile};
use std::path::Path;

pub struct ApplyArgs<'a> {
    pub dir: &'a Path,
    pub plan: Option<&'a Path>,
    pub select: &'a Select,
    pub yes: bool,
    pub force: bool,
}

fn load_plan(path: &Path) -> Result<PlanFile, miette::Report> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| miette::miette!("cannot read plan {}: {e}", path.display()))?;
    let plan: PlanFile = serde_json::from_str(&text)
        .map_err(|e| miette::miette!("{} is not a dhcpform plan: {e}", path.display()))?;
    if plan.format_version != FORMAT_VERSION {
        return Err(miette::miette!(
            "{} has plan format {}, this dhcpform reads format {FORMAT_VERSION}: plan again",
            path.display(),
            plan.format_version
        ));
    }
    Ok(plan)
}

pub fn run(global: &Global, a: ApplyArgs) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let saved = a.plan.map(load_plan).transpose()?;
        let (session, mut selected) = match Session::open_selected(global, a.dir, a.select).await {
            Ok(x) => x,
            Err(code) => return Ok(code),
        };
        if let Some(saved) = &saved {
            let names: Vec<&str> = saved.devices.iter().map(|d| d.device.as_str()).collect();
            for n in &names {
                if !session.repo.devices.iter().any(|(e, _)| e.name == *n) {
                    return Err(miette::miette!("the saved plan names device `{n}`, which the inventory does not have"));
                }
            }
            selected.retain(|i| names.contains(&session.repo.devices[*i].0.name.as_str()));
        }
        let session = std::sync::Arc::new(session);
        let mut planned = plan_all(&session, &selected, a.force, false, true).await;
        let mut reports: Vec<DeviceReport> = Vec::new();

        // With a saved plan: the saved operations run, after the live digest check.
        if let Some(saved) = &saved {
            for p in planned.iter_mut() {
                let Some(old) = saved.devices.iter().find(|d| d.device == p.plan.device) else { continue };
                if p.plan.error.is_some() {
                    continue;
                }
                if old.live_digest.is_some() && old.live_digest != p.plan.live_digest {
                    let mut r = DeviceReport::new(&old.device);
                    let before: Option<LiveConfig> = old.live.clone();
                    let what = match (&before, &p.plan.live) {
                        (Some(b), Some(n)) => crate::apply::what_changed(b, n).join(", "),
                        _ => "its state".into(),
                    };
                    r.blocked = Some(format!("stale plan: the device changed since the plan was made ({what}); plan again"));
                    reports.push(r);
                    p.plan.operations.clear();
                    p.plan.changes.clear();
                    continue;
                }
                let mut replay = old.clone();
                replay.safety.blocked = old.safety.blocked && !a.force;
                replay.safety.forced = a.force && !old.safety.gates.is_empty();
                p.plan = replay;
            }
        }
        let shown = PlanFile { format_version: FORMAT_VERSION, devices: planned.iter().map(|p| p.plan.clone()).collect() };
        if !global.quiet {
            super::out!("{}", super::plan::render(global, &shown, PlanFormat::Text));
        }
        for p in &planned {
            if let Some(e) = &p.plan.error {
                let mut r = DeviceReport::new(&p.plan.device);
                r.error = Some(e.clone());
                reports.push(r);
            } else if p.plan.safety.blocked {
                let mut r = DeviceReport::new(&p.plan.device);
                let gates: Vec<String> = p.plan.safety.gates.iter().map(|g| format!("{} ({}; to lift: {})", g.gate, g.message, g.lift)).collect();
                r.blocked = Some(format!("blocked by safety gate: {}", gates.join("; ")));
                reports.push(r);
            }
        }
        let runnable: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.plan.error.is_none() && !p.plan.safety.blocked && !p.plan.operations.is_empty() && !reports.iter().any(|r| r.device == p.plan.device))
            .collect();
        let proceed = !runnable.is_empty();
        if proceed && !super::confirm(a.yes, "apply", "Apply these changes?")? {
            eprintln!("apply cancelled: nothing written");
            for p in &planned {
                if let Some(Client::IosXe(c)) = &p.client {
                    c.logout().await;
                }
            }
            Session::close_shared(session).await;
            // nothing was written, but nothing pending was done either
            return Ok(Exit::Error);
        }
        if proceed {
            let sem = session.semaphore();
            let progress = super::progress(global, runnable.len());
            let futs = runnable.iter().map(|p| {
                let sem = &sem;
                let progress = &progress;
                let session = &session;
                async move {
                    let target = session.repo.devices.iter().find(|(e, _)| e.name == p.plan.device);
                    let prune = target.map(|(e, _)| e.prune).unwrap_or(true);
                    let desired: DeviceConfig = p.plan.desired.clone().unwrap_or_default();
                    let report = match &p.client {
                        Some(Client::IosXe(c)) => {
                            let _permit = sem.acquire().await;
                            execute(c, &p.plan, &desired, prune).await
                        }
                        _ => DeviceReport::new(&p.plan.device),
                    };
                    progress.inc(1);
                    report
                }
            });
            reports.extend(futures::future::join_all(futs).await);
            progress.finish_and_clear();
        }
        for p in &planned {
            if let Some(Client::IosXe(c)) = &p.client {
                c.logout().await;
            }
        }
        Session::close_shared(session).await;
        reports.sort_by(|a, b| a.device.cmp(&b.device));
        print_reports(&reports);
        Ok(exit_code(&reports))
    })
}

fn print_reports(reports: &[DeviceReport]) {
    if reports.is_empty() {
        super::outln!("apply: nothing to do");
        return;
    }
    super::outln!("apply report:");
    for r in reports {
        let state = if let Some(b) = &r.blocked {
            format!("nothing written: {b}")
        } else if r.done.is_empty() && r.failed.is_none() && r.error.is_some() {
            format!("nothing written: {}", r.error.as_deref().unwrap_or(""))
        } else {
            let conv = match r.converged {
                Some(true) => "converged".to_string(),
                Some(false) => format!("NOT converged, still different: {}", r.residue.join(", ")),
                None => r.error.clone().unwrap_or_else(|| "not checked".into()),
            };
            format!(
                "{} done, {} failed, {} skipped; {conv}",
                r.done.len(),
                usize::from(r.failed.is_some()),
                r.skipped.len()
            )
        };
        super::outln!("{}: {state}", r.device);
        for d in &r.done {
            super::outln!(
                "  done    {} {} ({}){}",
                d.method,
                d.path,
                d.status,
                d.note
                    .as_ref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            );
        }
        if let Some(f) = &r.failed {
            super::outln!("  failed  {} {}: {}", f.method, f.path, f.error);
        }
        for s in &r.skipped {
            super::outln!("  skipped {s}");
        }
    }
}

/// 3 when something was written and then failed or did not converge; 4 when a device was
/// blocked; 1 on other errors; 0 otherwise.
pub fn exit_code(reports: &[DeviceReport]) -> Exit {
    if reports.iter().any(DeviceReport::partial) {
        Exit::Partial
    } else if reports.iter().any(|r| r.blocked.is_some()) {
        Exit::Blocked
    } else if reports
        .iter()
        .any(|r| r.error.is_some() || r.failed.is_some() || r.converged == Some(false))
    {
        Exit::Error
    } else {
        Exit::Ok
    }
}
