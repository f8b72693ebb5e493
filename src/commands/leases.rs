//! `dhcpform leases` (bindings and leases with pool utilisation) and `dhcpform leases clear`.

use super::Exit;
use super::session::Session;
use crate::cli::{Global, LeaseFormat, Select};
use crate::device::Client;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
struct Row {
    device: String,
    ip: String,
    mac: String,
    kind: String,
    expires: String,
    pool: String,
}

#[derive(Debug, Serialize)]
struct Usage {
    device: String,
    pool: String,
    used: u64,
    total: u64,
    percent: u64,
}

#[derive(Debug, Default, Serialize)]
struct Report {
    leases: Vec<Row>,
    utilisation: Vec<Usage>,
    errors: Vec<String>,
}

async fn collect(session: &Session, selected: &[usize]) -> Report {
    let mut report = Report::default();
    let targets = session.targets(selected);
    let sem = session.semaphore();
    let futs = targets.iter().map(|t| {
        let sem = &sem;
        async move {
            let _p = sem.acquire().await;
            let mut part = Report::default();
            let name = t.entry.name.clone();
            match session.client(t.entry) {
                Err(e) => part.errors.push(e.to_string()),
                Ok(Client::IosXe(c)) => {
                    let res = async {
                        Ok::<_, crate::device::http::DeviceError>((
                            c.read().await?,
                            c.bindings().await?,
                        ))
                    }
                    .await;
                    c.logout().await;
                    match res {
                        Err(e) => part.errors.push(format!("{name}: {e}")),
                        Ok((live, bindings)) => {
                            for b in &bindings {
                                let pool = live
                                    .pools
                                    .iter()
                                    .find(|(_, p)| {
                                        p.kind.network().is_some_and(|n| n.contains(&b.ip))
                                    })
                                    .map(|(n, _)| n.clone())
                                    .unwrap_or_default();
                                part.leases.push(Row {
                                    device: name.clone(),
                                    ip: b.ip.to_string(),
                                    mac: b.mac.to_string(),
                                    kind: format!("{:?}", b.kind).to_lowercase(),
                                    expires: b.expires.clone().unwrap_or_else(|| "infinite".into()),
                                    pool,
                                });
                            }
                            for (pool, used, total) in
                                crate::plan::expect::ios_usage(&live, &bindings)
                            {
                                part.utilisation.push(Usage {
                                    device: name.clone(),
                                    pool,
                                    used,
                                    total,
                                    percent: crate::plan::expect::percent(used, total),
                                });
                            }
                        }
                    }
                }
                Ok(Client::F5Xc(c)) => match c.leases().await {
                    Err(e) => part.errors.push(format!("{name}: {e}")),
                    Ok(l) => {
                        for x in &l.leases {
                            part.leases.push(Row {
                                device: name.clone(),
                                ip: x.ip.map(|i| i.to_string()).unwrap_or_default(),
                                mac: x.mac.map(|m| m.to_string()).unwrap_or_default(),
                                kind: if x.hostname.is_empty() {
                                    "lease".into()
                                } else {
                                    format!("lease ({})", x.hostname)
                                },
                                expires: x.expiry.clone(),
                                pool: x.subnet.clone(),
                            });
                        }
                        for s in &l.subnets {
                            let used = s.address_count.saturating_sub(s.free_address_count);
                            part.utilisation.push(Usage {
                                device: name.clone(),
                                pool: s.subnet.clone(),
                                used,
                                total: s.address_count,
                                percent: crate::plan::expect::percent(used, s.address_count),
                            });
                        }
                    }
                },
            }
            part
        }
    });
    for part in futures::future::join_all(futs).await {
        report.leases.extend(part.leases);
        report.utilisation.extend(part.utilisation);
        report.errors.extend(part.errors);
    }
    report
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn run(
    global: &Global,
    dir: &Path,
    select: &Select,
    format: LeaseFormat,
) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let (session, selected) = match Session::open_selected(global, dir, select).await {
            Ok(x) => x,
            Err(code) => return Ok(code),
        };
        let report = collect(&session, &selected).await;
        session.close().await;
        match format {
            LeaseFormat::Json => super::outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ),
            LeaseFormat::Csv => {
                super::outln!("device,ip,mac,type,expires,pool");
                for r in &report.leases {
                    super::outln!(
                        "{}",
                        [&r.device, &r.ip, &r.mac, &r.kind, &r.expires, &r.pool]
                            .map(|s| csv_field(s))
                            .join(",")
                    );
                }
            }
            LeaseFormat::Table => {
                let mut t = comfy_table::Table::new();
                t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY)
                    .set_header(["device", "ip", "mac", "type", "expires", "pool"]);
                for r in &report.leases {
                    t.add_row([&r.device, &r.ip, &r.mac, &r.kind, &r.expires, &r.pool]);
                }
                super::outln!("{t}");
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
                super::outln!("{u}");
            }
        }
        for e in &report.errors {
            eprintln!("error: {e}");
        }
        Ok(if report.errors.is_empty() {
            Exit::Ok
        } else {
            Exit::Error
        })
    })
}

pub fn clear(
    global: &Global,
    dir: &Path,
    device: &str,
    ips: &[std::net::Ipv4Addr],
    all: bool,
    yes: bool,
) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let mut session = match Session::open(global, dir).await {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        let Some(entry) = session
            .repo
            .devices
            .iter()
            .find(|(e, _)| e.name == device)
            .map(|(e, _)| e.clone())
        else {
            return Err(miette::miette!("no device `{device}` in the inventory"));
        };
        let what = if all {
            "every automatic binding".to_string()
        } else {
            format!("{} binding(s)", ips.len())
        };
        if !super::confirm(yes, "leases clear", &format!("Clear {what} on {device}?"))? {
            eprintln!("cancelled: nothing cleared");
            return Ok(Exit::Ok);
        }
        session
            .start_sim(std::slice::from_ref(&entry))
            .await
            .map_err(|e| miette::miette!("{e}"))?;
        let client = session.client(&entry).map_err(miette::Report::new)?;
        let Client::IosXe(c) = client else {
            return Err(miette::miette!(
                "device `{device}` is F5 XC: its leases are read-only"
            ));
        };
        let mut failures = 0;
        if all {
            match c.clear_all_bindings().await {
                Ok(()) => super::outln!("{device}: cleared every automatic binding"),
                Err(e) => {
                    eprintln!("error: {e}");
                    failures += 1;
                }
            }
        }
        for ip in ips {
            match c.clear_binding(*ip).await {
                Ok(()) => super::outln!("{device}: cleared {ip}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    failures += 1;
                }
            }
        }
        c.logout().await;
        session.close().await;
        Ok(if failures == 0 { Exit::Ok } else { Exit::Error })
    })
}
