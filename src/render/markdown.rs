//! The `markdown` format, for a pull-request comment, a job summary or a tracking issue: a
//! hidden marker (`<!-- dhcpform:plan -->` or `<!-- dhcpform:drift -->`, which CI recipes use
//! to find and edit their one comment), the counts, a table of every device, then one
//! collapsible section per device with changes, failed checks or an error.
//!
//! It stays under `MAX_CHARS` by shrinking in steps: full diffs; else each device's summary,
//! gates, findings and errors without diffs; else the table alone. It always says what it left
//! out. Only a table that alone exceeds the cap loses rows: first those of devices without
//! changes (counted), then the rest (counted).

use super::{change_diff, summary_text};
use crate::plan::{DevicePlan, Kind, Summary};
use std::fmt::{self, Write};

/// GitHub comments hold 65,536 characters; stay well below.
pub const MAX_CHARS: usize = 60_000;

/// Room kept for the notes about what was left out.
const NOTE_ROOM: usize = 600;

/// The marker a report of `kind` starts with.
pub fn marker(kind: Kind) -> &'static str {
    match kind {
        Kind::Plan => "<!-- dhcpform:plan -->",
        Kind::Drift => "<!-- dhcpform:drift -->",
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn status(kind: Kind, d: &DevicePlan) -> &'static str {
    if d.error.is_some() {
        "error"
    } else if d.safety.blocked {
        "blocked"
    } else if kind == Kind::Drift && (d.has_changes() || !d.findings.is_empty()) {
        "drift"
    } else if d.has_changes() {
        "changes"
    } else if kind == Kind::Drift {
        "no drift"
    } else {
        "no changes"
    }
}

/// Summary, error, gates and findings of a device: what every level but the last keeps.
fn head(d: &DevicePlan) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary><code>{}</code>: {}</summary>\n",
        escape(&d.device),
        escape(&summary_text(d))
    );
    if let Some(e) = &d.error {
        let _ = writeln!(
            s,
            "```\n{}: {}\n```\n",
            e.kind,
            e.message.replace("```", "'''")
        );
        if let Some(h) = &e.hint {
            let _ = writeln!(s, "hint: {}\n", escape(h));
        }
        return s;
    }
    for g in &d.safety.gates {
        let _ = writeln!(
            s,
            "> **{}** `{}`: {}. To lift: {}.\n",
            if d.safety.blocked {
                "Blocked"
            } else {
                "Forced"
            },
            g.gate,
            escape(&g.message),
            escape(&g.lift)
        );
    }
    for f in &d.findings {
        let _ = writeln!(s, "- **expect** `{}`: {}", f.check, escape(&f.message));
    }
    if !d.findings.is_empty() {
        s.push('\n');
    }
    s
}

/// The diffs, client impact, calls and notes of a device.
fn details(d: &DevicePlan) -> String {
    let mut s = String::new();
    if d.error.is_some() {
        return s;
    }
    if !d.changes.is_empty() {
        s.push_str("```diff\n");
        for c in &d.changes {
            let _ = writeln!(s, "# {} {}", c.action.symbol(), c.resource);
            s.push_str(&change_diff(c).replace("```", "'''"));
        }
        s.push_str("```\n\n");
        for c in &d.changes {
            if let Some(i) = c.impact.as_ref().filter(|i| i.count > 0) {
                let _ = writeln!(
                    s,
                    "**Clients:** `{}` takes addresses from {}\n",
                    c.resource,
                    escape(&super::impact_line(i))
                );
            }
        }
        let calls: Vec<String> = d
            .operations
            .iter()
            .map(|o| format!("`{}`", o.line()))
            .collect();
        if !calls.is_empty() {
            let _ = writeln!(s, "Calls, in order: {}\n", calls.join(", "));
        }
    }
    if !d.unmanaged.is_empty() {
        let _ = writeln!(
            s,
            "Unmanaged pools left alone: {}\n",
            escape(&d.unmanaged.join(", "))
        );
    }
    if !d.unmanageable.is_empty() {
        let _ = writeln!(
            s,
            "Pools dhcpform cannot manage (neither dynamic nor manual), left alone: {}\n",
            escape(&d.unmanageable.join(", "))
        );
    }
    for n in &d.notes {
        let _ = writeln!(s, "Note: {}\n", escape(n));
    }
    for w in &d.warnings {
        let _ = writeln!(s, "**Warning:** {}\n", escape(w));
    }
    s
}

const END: &str = "</details>\n\n";

/// Builds the markdown device by device, holding the table rows, the short sections and the
/// full sections only while they can still fit.
pub struct Builder {
    kind: Kind,
    /// Table rows in name order, each marked when its device has changes, findings or errors.
    rows: Vec<(bool, String)>,
    quiet_count: usize,
    short: String,
    full: Option<String>,
    sections: usize,
    /// Drift reports: the devices that drifted and those that could not be checked.
    drifted: Vec<String>,
    failed: Vec<String>,
}

/// At most this many device names in a drift report's lists (the table has them all).
const LISTED: usize = 100;

/// `` `a`, `b` and 3 more ``.
fn names(list: &[String]) -> String {
    super::names_line_with(list, LISTED, |n| format!("`{}`", escape(n)))
}

impl Builder {
    pub fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            rows: Vec::new(),
            quiet_count: 0,
            short: String::new(),
            full: Some(String::new()),
            sections: 0,
            drifted: Vec::new(),
            failed: Vec::new(),
        }
    }

    pub fn add(&mut self, d: &DevicePlan) {
        let (c, u, del) = d.counts();
        let row = format!(
            "| `{}` | {c} | {u} | {del} | {} | {} | {} |\n",
            escape(&d.device),
            d.findings.len(),
            d.affected_clients,
            status(self.kind, d)
        );
        let interesting = super::text::interesting(d);
        self.rows.push((interesting, row));
        if self.kind == Kind::Drift {
            match status(self.kind, d) {
                "error" => self.failed.push(d.device.clone()),
                "drift" | "blocked" => self.drifted.push(d.device.clone()),
                _ => {}
            }
        }
        if !interesting {
            self.quiet_count += 1;
            return;
        }
        self.sections += 1;
        let head = head(d);
        let _ = write!(self.short, "{head}{END}");
        if let Some(full) = &mut self.full {
            let _ = write!(full, "{head}{}{END}", details(d));
            if full.len() > MAX_CHARS {
                self.full = None;
            }
        }
    }

    pub fn finish(self, out: &mut dyn Write, s: &Summary) -> fmt::Result {
        let mut text = format!(
            "{}\n## dhcpform {}\n\n**{}**\n\n",
            marker(self.kind),
            self.kind.as_str(),
            counts(self.kind, s)
        );
        // a drift report names the drifted and the unchecked devices apart: a device that could
        // not be read is not drift, and drift elsewhere is not hidden by it
        if !self.drifted.is_empty() {
            let _ = writeln!(text, "**Drifted:** {}\n", names(&self.drifted));
        }
        if !self.failed.is_empty() {
            let _ = writeln!(
                text,
                "**Could not be checked:** {} (see below: not drift, a broken check)\n",
                names(&self.failed)
            );
        }
        let header = "| device | create | update | delete | failed checks | clients affected | \
                      status |\n|---|---:|---:|---:|---:|---:|---|\n";
        let mut notes = Vec::new();
        text.push_str(header);
        // every row; else only the rows of devices with something to say; else as many of
        // those as fit
        let room = MAX_CHARS.saturating_sub(text.len() + NOTE_ROOM);
        let only_changed = self.rows.iter().map(|(_, r)| r.len()).sum::<usize>() > room;
        let mut used = 0;
        let shown: Vec<&str> = self
            .rows
            .iter()
            .filter(|(i, _)| *i || !only_changed)
            .map(|(_, r)| r.as_str())
            .take_while(|r| {
                used += r.len();
                used <= room
            })
            .collect();
        if only_changed && shown.len() == self.sections {
            notes.push(format!(
                "the rows of {} device(s) without changes",
                self.quiet_count
            ));
        } else if only_changed {
            notes.push(format!(
                "the rows of {} device(s) with changes and of {} without",
                self.sections - shown.len(),
                self.quiet_count
            ));
        }
        for r in shown {
            text.push_str(r);
        }
        text.push('\n');
        let room = MAX_CHARS.saturating_sub(text.len() + NOTE_ROOM);
        if self.sections > 0 && notes.is_empty() {
            match self.full {
                Some(full) if full.len() <= room => text.push_str(&full),
                _ if self.short.len() <= room => {
                    text.push_str(&self.short);
                    notes.push("the diffs and calls of every device".into());
                }
                _ => notes.push(format!("the details of {} device(s)", self.sections)),
            }
        } else if self.sections > 0 {
            notes.push(format!("the details of {} device(s)", self.sections));
        }
        if !notes.is_empty() {
            let _ = writeln!(
                text,
                "_Left out to stay under {MAX_CHARS} characters: {}. `dhcpform show` of the \
                 saved file prints everything._",
                notes.join("; ")
            );
        }
        out.write_str(&text)
    }
}

/// The counts line of the report.
fn counts(kind: Kind, s: &Summary) -> String {
    let mut line = match kind {
        Kind::Plan => format!(
            "{} device(s): {} with changes ({} to create, {} to update, {} to delete), {} \
             blocked, {} failed",
            s.devices, s.with_changes, s.create, s.update, s.delete, s.blocked, s.failed
        ),
        Kind::Drift => format!(
            "{} device(s): {} with drift ({} with failed checks), {} failed",
            s.devices, s.drifted, s.with_findings, s.failed
        ),
    };
    if s.affected_clients > 0 {
        line.push_str(&format!(", {} client(s) affected", s.affected_clients));
    }
    if s.failed == 0 && s.drifted == 0 {
        line.push_str(match kind {
            Kind::Plan => ". No changes.",
            Kind::Drift => ". No drift.",
        });
    }
    line
}
