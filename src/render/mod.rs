//! Renderers of plans and reports: pure functions writing to `fmt::Write`.

pub mod diagnostics;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod leases;
pub mod markdown;
pub mod report;
pub mod stream;
pub mod text;

use crate::config::manifest::write::{render_f5_server, render_pool, render_server, yaml_str};
use crate::model::{Pool, Server};
use crate::plan::{Change, Resource};
use serde_json::Value;

/// Device names for one terminal line: all of them up to `shown`, then `and N more` (a
/// fleet of 1,000 failing devices is one line, not 8 KB of names).
pub fn names_line<S: AsRef<str>>(list: &[S], shown: usize) -> String {
    names_line_with(list, shown, str::to_string)
}

/// `names_line`, each shown name written by `show` (markdown quotes them).
pub fn names_line_with<S: AsRef<str>>(
    list: &[S],
    shown: usize,
    show: impl Fn(&str) -> String,
) -> String {
    let mut s = list
        .iter()
        .take(shown)
        .map(|n| show(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > shown {
        s.push_str(&format!(" and {} more", list.len() - shown));
    }
    s
}

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
                out.push_str(&format!("{}:\n", yaml_str(name)));
                render_pool(&mut out, &p, "  ");
            }
        }
        Resource::Interface(name) => {
            out.push_str(&format!("{}:\n", yaml_str(name)));
            // how the interface gets its own address, when a plan changes that
            if let Some(a) = v.get("addressing").and_then(Value::as_str) {
                out.push_str(&format!("  addressing: {a}\n"));
            }
            if let Ok(s) = serde_json::from_value::<crate::model::f5::F5DhcpServer>(v.clone()) {
                render_f5_server(&mut out, &s, "  ");
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

/// How text is dressed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// GitHub Actions: each device in a `::group::`.
    pub github: bool,
    /// Only devices with changes, findings or errors, and the summary.
    pub quiet: bool,
}

/// `3 active client(s): 10.0.0.31 (02:00:00:00:00:01, until 2026:11:25 12:16), ... and 1 more`
pub fn impact_line(i: &crate::plan::impact::Impact) -> String {
    let shown: Vec<String> = i
        .bindings
        .iter()
        .map(|b| {
            let until = b.expires.as_ref().map_or("no expiry".to_string(), |e| {
                // IOS XE's `YYYY:MM:DD HH:MM` is the device's local time
                let t = crate::model::time::ios_time(e);
                format!("until {}", expiry_text(&t, t != *e))
            });
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

/// An expiry in the one format every output uses: `2026-12-03 11:35:00`, then
/// ` (device time)` when the device gave its own local time (no zone).
pub fn expiry_text(t: &str, local: bool) -> String {
    let t = t.replacen(['T', 't'], " ", 1);
    if local {
        format!("{t} (device time)")
    } else {
        t
    }
}

/// `branch-01: 1 to create, 2 to update, 0 to delete`; a read-only F5 XC site says what was
/// checked; a failed device says only that it failed (the error is shown once, below it).
pub fn summary_line(p: &crate::plan::DevicePlan) -> String {
    format!("{}: {}", p.device, summary_text(p))
}

/// The summary line without the device's name.
pub fn summary_text(p: &crate::plan::DevicePlan) -> String {
    if p.error.is_some() {
        return "failed".into();
    }
    if !p.checked.is_empty() && p.changes.is_empty() {
        let what = if p.interfaces_desired.is_some() {
            "nothing to change"
        } else {
            "read-only"
        };
        let mut line = format!("{what} ({}): {}", p.platform, p.checked.join("; "));
        if !p.findings.is_empty() {
            line.push_str(&format!(", {} check(s) failed", p.findings.len()));
        }
        return line;
    }
    let (c, u, d) = p.counts();
    let mut line = format!("{c} to create, {u} to update, {d} to delete");
    if p.affected_clients > 0 {
        line.push_str(&format!(", {} client(s) affected", p.affected_clients));
    }
    if !p.findings.is_empty() {
        line.push_str(&format!(", {} check(s) failed", p.findings.len()));
    }
    if p.safety.blocked {
        line.push_str(" (BLOCKED)");
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_list_of_names_ends_in_how_many_more() {
        let names: Vec<String> = (0..1000).map(|i| format!("d{i:04}")).collect();
        assert_eq!(super::names_line(&names[..2], 20), "d0000, d0001");
        let line = super::names_line(&names, 3);
        assert_eq!(line, "d0000, d0001, d0002 and 997 more");
        assert_eq!(super::names_line(&names[..3], 3), "d0000, d0001, d0002");
    }
}
