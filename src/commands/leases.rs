//! `dhcpform leases` (bindings and leases with pool utilisation) and `dhcpform leases clear`.

use super::{Exit, Printer};
use crate::cli::LeaseFormat;
use crate::engine::{Clear, DeviceLeases, Options};
use crate::render::leases::{self, LeaseReport};
use std::path::Path;

fn render(report: &LeaseReport, format: LeaseFormat) -> String {
    match format {
        LeaseFormat::Json => leases::json(report),
        LeaseFormat::Csv => leases::csv(report),
        LeaseFormat::Table => leases::table(
            report,
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<u16>().ok())
                .filter(|w| *w >= 40),
        ),
    }
}

pub fn run(
    p: &Printer,
    dir: &Path,
    options: Options,
    format: LeaseFormat,
) -> Result<Exit, miette::Report> {
    let engine = match super::load(p, dir, options, super::Warnings::Summary) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let rt = super::runtime()?;
    let mut report = LeaseReport::default();
    rt.block_on(engine.leases(&mut |d: DeviceLeases| match d.result {
        Ok(set) => {
            report.leases.extend(set.leases);
            report.utilisation.extend(set.utilisation);
        }
        Err(e) => report.errors.push(format!("{}: {e}", d.device)),
    }))
    .map_err(miette::Report::new)?;
    p.out(&render(&report, format));
    for e in &report.errors {
        p.error(e);
    }
    Ok(if report.errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}

pub struct ClearArgs<'a> {
    pub dir: &'a Path,
    pub device: &'a str,
    pub ips: &'a [std::net::Ipv4Addr],
    pub all: bool,
    pub yes: bool,
    pub options: Options,
}

pub fn clear(p: &Printer, a: ClearArgs) -> Result<Exit, miette::Report> {
    let engine = match super::load(p, a.dir, a.options, super::Warnings::Summary) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let engine = engine.only(a.device).map_err(miette::Report::new)?;
    // refused before asking: an F5 XC site's leases are read-only
    if engine.platform_of(a.device) == Some(crate::model::Platform::F5Xc) {
        return Err(miette::Report::new(crate::engine::EngineError::Clear(
            crate::engine::ClearError::ReadOnly(a.device.to_string()),
        )));
    }
    let (what, clear) = if a.all {
        ("every automatic binding".to_string(), Clear::All)
    } else {
        (
            format!("{} binding(s)", a.ips.len()),
            Clear::Ips(a.ips.to_vec()),
        )
    };
    let question = format!("Clear {what} on {}?", a.device);
    let rt = super::runtime()?;
    let mut refused = None;
    let mut ask = |doomed: &[crate::model::leases::LeaseRow]| {
        // what would be cleared, before asking
        let list: Vec<String> = doomed
            .iter()
            .map(|l| format!("  {} {} ({})", l.ip, l.mac, l.kind))
            .collect();
        p.err(&format!(
            "{} binding(s) to clear on {}:",
            doomed.len(),
            a.device
        ));
        if !list.is_empty() {
            p.err(&list.join("\n"));
        }
        match p.confirm(a.yes, "leases clear", &question) {
            Ok(answer) => answer,
            Err(e) => {
                refused = Some(e);
                false
            }
        }
    };
    let results = rt
        .block_on(engine.clear(clear, &mut ask))
        .map_err(miette::Report::new)?;
    if let Some(e) = refused {
        return Err(e);
    }
    let Some(results) = results else {
        p.err("cancelled: nothing cleared");
        // as for apply: nothing was done that was asked for
        return Ok(Exit::Error);
    };
    let mut failures = results.manual.len();
    for ip in &results.absent {
        p.outln(&format!(
            "{}: nothing to clear at {ip}: no binding holds it",
            a.device
        ));
    }
    if results.none_automatic {
        p.outln(&format!(
            "{}: nothing to clear: no automatic binding",
            a.device
        ));
    }
    for (ip, pool) in &results.manual {
        p.error(&format!(
            "{}: {ip} is a manual binding (pool `{pool}`): it is configuration, not a lease; \
             nothing sent. To free it, delete pool `{pool}` from the desired file and apply",
            a.device
        ));
    }
    for r in results.results {
        match r {
            Ok(what) => p.outln(&format!("{}: cleared {what}", a.device)),
            Err(e) => {
                p.error(&e.to_string());
                failures += 1;
            }
        }
    }
    Ok(if failures == 0 { Exit::Ok } else { Exit::Error })
}
