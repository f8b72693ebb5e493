//! `dhcpform leases` (bindings and leases with pool utilisation) and `dhcpform leases clear`.

use super::{Exit, Printer};
use crate::cli::LeaseFormat;
use crate::engine::{Clear, DeviceLeases, LeaseRow, Options, Usage};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Default, Serialize)]
struct Report {
    leases: Vec<LeaseRow>,
    utilisation: Vec<Usage>,
    errors: Vec<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn render(report: &Report, format: LeaseFormat) -> String {
    match format {
        LeaseFormat::Json => {
            format!(
                "{}\n",
                serde_json::to_string_pretty(report).unwrap_or_default()
            )
        }
        LeaseFormat::Csv => {
            let mut s = String::from("device,ip,mac,type,expires,pool\n");
            for r in &report.leases {
                let row = [&r.device, &r.ip, &r.mac, &r.kind, &r.expires, &r.pool];
                s.push_str(&row.map(|f| csv_field(f)).join(","));
                s.push('\n');
            }
            s
        }
        LeaseFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY)
                .set_header(["device", "ip", "mac", "type", "expires", "pool"]);
            for r in &report.leases {
                t.add_row([&r.device, &r.ip, &r.mac, &r.kind, &r.expires, &r.pool]);
            }
            let mut u = comfy_table::Table::new();
            u.load_style(comfy_table::presets::UTF8_BORDERS_ONLY)
                .set_header(["device", "pool / subnet", "used", "leasable", "utilisation"]);
            for x in &report.utilisation {
                u.add_row([
                    x.device.clone(),
                    x.pool.clone(),
                    x.used.to_string(),
                    x.total.to_string(),
                    format!("{}%", x.percent),
                ]);
            }
            format!("{t}\n{u}\n")
        }
    }
}

pub fn run(
    p: &Printer,
    dir: &Path,
    options: Options,
    format: LeaseFormat,
) -> Result<Exit, miette::Report> {
    let engine = match super::load(p, dir, options) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let rt = super::runtime()?;
    let mut report = Report::default();
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
    let engine = match super::load(p, a.dir, a.options) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let engine = engine.only(a.device).map_err(miette::Report::new)?;
    let (what, clear) = if a.all {
        ("every automatic binding".to_string(), Clear::All)
    } else {
        (
            format!("{} binding(s)", a.ips.len()),
            Clear::Ips(a.ips.to_vec()),
        )
    };
    let question = format!("Clear {what} on {}?", a.device);
    if !p.confirm(a.yes, "leases clear", &question)? {
        p.err("cancelled: nothing cleared");
        return Ok(Exit::Ok);
    }
    let rt = super::runtime()?;
    let results = rt
        .block_on(engine.clear(clear))
        .map_err(miette::Report::new)?;
    let mut failures = 0;
    for r in results {
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
