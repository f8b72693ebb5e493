//! Renderers of plans and reports: pure functions writing to `fmt::Write`.

pub mod json;
pub mod leases;
pub mod markdown;
pub mod text;

use crate::manifest::ios_xe::{render_pool, render_server};
use crate::model::{Pool, Server};
use crate::plan::{Change, Resource};
use serde_json::Value;

/// Canonical YAML of one side of a change (empty when the side is absent).
pub fn resource_yaml(resource: &Resource, side: Option<&Value>) -> String {
    let Some(v) = side else { return String::new() };
    let mut out = String::new();
    match resource {
        Resource::Server => {
            if let Ok(s) = serde_json::from_value::<Server>(v.clone()) {
                out.push_str("server:\n");
                render_server(&mut out, &s, "  ");
            }
        }
        Resource::Pool(name) => {
            if let Ok(p) = serde_json::from_value::<Pool>(v.clone()) {
                out.push_str(&format!("{}:\n", crate::manifest::ios_xe::yaml_str(name)));
                render_pool(&mut out, &p, "  ");
            }
        }
    }
    out
}

/// Unified diff of a change's canonical YAML (without file headers).
pub fn change_diff(c: &Change) -> String {
    let before = resource_yaml(&c.resource, c.before.as_ref());
    let after = resource_yaml(&c.resource, c.after.as_ref());
    let diff = similar::TextDiff::from_lines(&before, &after);
    let mut out = String::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        for change in hunk.iter_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            out.push(sign);
            out.push_str(change.value().trim_end_matches('\n'));
            out.push('\n');
        }
    }
    out
}

/// `3 active client(s): 10.0.0.31 (02:00:00:00:00:01, until 2026:11:25 12:16), ... and 1 more`
pub fn impact_line(i: &crate::plan::impact::Impact) -> String {
    let shown: Vec<String> = i
        .bindings
        .iter()
        .map(|b| {
            let until = b
                .expires
                .as_ref()
                .map_or("no expiry".to_string(), |e| format!("until {e}"));
            let kind = if b.manual { "manual, " } else { "" };
            format!("{} ({}, {kind}{until})", b.ip, b.mac)
        })
        .collect();
    let more = i.count.saturating_sub(i.bindings.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{} active client(s): {}{more}", i.count, shown.join(", "))
}

/// `branch-01: 1 to create, 2 to update, 0 to delete`
pub fn summary_line(p: &crate::plan::DevicePlan) -> String {
    if let Some(e) = &p.error {
        return format!("{}: error: {e}", p.device);
    }
    let (c, u, d) = p.counts();
    let mut line = format!("{}: {c} to create, {u} to update, {d} to delete", p.device);
    if p.affected_clients > 0 {
        line.push_str(&format!(", {} client(s) affected", p.affected_clients));
    }
    if p.safety.blocked {
        line.push_str(" (BLOCKED)");
    }
    line
}
