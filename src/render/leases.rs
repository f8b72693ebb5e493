//! The `leases` formats: a table, CSV (leases, a blank line, then utilisation) and JSON. Pure
//! functions over the engine's lease data.

use crate::model::leases::{BindingKind, LeaseRow, Usage};
use serde::Serialize;

/// Everything `leases` prints.
#[derive(Debug, Default, Serialize)]
pub struct LeaseReport {
    pub leases: Vec<LeaseRow>,
    pub utilisation: Vec<Usage>,
    pub errors: Vec<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The expiry as a person reads it: device-local times say so, expired leases too.
fn expires_cell(r: &LeaseRow) -> String {
    match &r.expires {
        // IOS XE says `infinite`; an F5 XC lease without an expiry says nothing
        None if r.kind == BindingKind::Lease => "unknown".into(),
        None => "never".into(),
        Some(t) if r.expired => format!("{} (expired)", super::expiry_text(t, r.expires_local)),
        Some(t) => super::expiry_text(t, r.expires_local),
    }
}

fn percent_cell(u: &Usage) -> String {
    if u.over {
        format!("{}% (over max-utilization)", u.percent)
    } else {
        format!("{}%", u.percent)
    }
}

pub fn json(r: &LeaseReport) -> String {
    format!("{}\n", serde_json::to_string_pretty(r).unwrap_or_default())
}

pub fn csv(r: &LeaseReport) -> String {
    let mut s = String::from("device,ip,mac,hostname,type,expires,expires_local,expired,pool\n");
    for l in &r.leases {
        let row = [
            l.device.clone(),
            l.ip.clone(),
            l.mac.clone(),
            l.hostname.clone(),
            l.kind.to_string(),
            l.expires.clone().unwrap_or_default(),
            l.expires_local.to_string(),
            l.expired.to_string(),
            l.pool.clone(),
        ];
        s.push_str(&row.map(|f| csv_field(&f)).join(","));
        s.push('\n');
    }
    s.push_str("\ndevice,pool,used,leasable,percent,over\n");
    for u in &r.utilisation {
        let row = [
            u.device.clone(),
            u.pool.clone(),
            u.used.to_string(),
            u.total.to_string(),
            u.percent.to_string(),
            u.over.to_string(),
        ];
        s.push_str(&row.map(|f| csv_field(&f)).join(","));
        s.push('\n');
    }
    s
}

/// The tables, fitted to `width` columns when given (`COLUMNS`), else to the terminal when
/// there is one: long cells wrap instead of running past the edge.
pub fn table(r: &LeaseReport, width: Option<u16>) -> String {
    let fit = |t: &mut comfy_table::Table| {
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        if let Some(w) = width {
            t.set_width(w);
        }
    };
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY)
        .set_header(["device", "ip", "mac", "hostname", "type", "expires", "pool"]);
    fit(&mut t);
    for l in &r.leases {
        t.add_row([
            l.device.clone(),
            l.ip.clone(),
            l.mac.clone(),
            l.hostname.clone(),
            l.kind.to_string(),
            expires_cell(l),
            l.pool.clone(),
        ]);
    }
    let mut u = comfy_table::Table::new();
    u.load_style(comfy_table::presets::UTF8_BORDERS_ONLY)
        .set_header(["device", "pool / subnet", "used", "leasable", "utilisation"]);
    fit(&mut u);
    for x in &r.utilisation {
        u.add_row([
            x.device.clone(),
            x.pool.clone(),
            x.used.to_string(),
            x.total.to_string(),
            percent_cell(x),
        ]);
    }
    format!("{t}\n{u}\n")
}
