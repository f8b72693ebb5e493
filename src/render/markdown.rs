//! The `markdown` plan format, for a pull-request comment: a summary table, then one
//! collapsible section per device with a ```diff block; capped in size with a note of what was
//! cut.

use super::{change_diff, summary_line};
use crate::plan::{DevicePlan, PlanFile};
use std::fmt::{self, Write};

/// GitHub comments hold 65,536 characters; stay well below.
pub const MAX_CHARS: usize = 60_000;

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn status(d: &DevicePlan) -> &'static str {
    if d.error.is_some() {
        "error"
    } else if d.safety.blocked {
        "blocked"
    } else if d.has_changes() {
        "changes"
    } else {
        "no changes"
    }
}

fn section(d: &DevicePlan) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary><code>{}</code>: {}</summary>\n",
        escape(&d.device),
        escape(&summary_line(d))
    );
    if let Some(e) = &d.error {
        let _ = writeln!(s, "```\n{e}\n```");
    } else {
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
            let _ = writeln!(
                s,
                "Calls, in order: {}\n",
                d.operations
                    .iter()
                    .map(|o| format!("`{} {}`", o.method, o.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if !d.unmanaged.is_empty() {
            let _ = writeln!(
                s,
                "Unmanaged pools left alone: {}\n",
                d.unmanaged.join(", ")
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
    }
    s.push_str("</details>\n\n");
    s
}

pub fn render(out: &mut dyn Write, plan: &PlanFile) -> fmt::Result {
    let mut b = Builder::default();
    for d in &plan.devices {
        b.add(d);
    }
    b.finish(out)
}

/// A device's section, kept or already known to be cut.
enum Part {
    /// Device name and section.
    Kept(String, String),
    Cut(String),
}

/// Builds the markdown device by device while holding only what it can print: the table rows
/// and at most `MAX_CHARS` of sections (a section that would not fit even beside an empty
/// table is cut at once).
#[derive(Default)]
pub struct Builder {
    rows: String,
    parts: Vec<Part>,
    kept: usize,
}

impl Builder {
    pub fn add(&mut self, d: &DevicePlan) {
        let (c, u, del) = d.counts();
        let _ = writeln!(
            self.rows,
            "| `{}` | {c} | {u} | {del} | {} | {} |",
            escape(&d.device),
            d.affected_clients,
            status(d)
        );
        if !(d.has_changes() || d.error.is_some()) {
            return;
        }
        let s = section(d);
        if self.kept + s.len() + 200 > MAX_CHARS {
            self.parts.push(Part::Cut(d.device.clone()));
        } else {
            self.kept += s.len();
            self.parts.push(Part::Kept(d.device.clone(), s));
        }
    }

    pub fn finish(self, out: &mut dyn Write) -> fmt::Result {
        let mut text = String::from(
            "## dhcpform plan\n\n| device | create | update | delete | clients affected | \
                status |\n|---|---:|---:|---:|---:|---|\n",
        );
        text.push_str(&self.rows);
        text.push('\n');
        let mut cut = Vec::new();
        for part in self.parts {
            match part {
                Part::Kept(_, s) if text.len() + s.len() + 200 <= MAX_CHARS => text.push_str(&s),
                Part::Kept(name, _) => cut.push(name),
                Part::Cut(name) => cut.push(name),
            }
        }
        note_cut(&mut text, &cut);
        out.write_str(&text)
    }
}

fn note_cut(text: &mut String, cut: &[String]) {
    if !cut.is_empty() {
        let _ = writeln!(
            *text,
            "_Cut to stay under {MAX_CHARS} characters: the details of {} device(s) ({}) are left \
                out; run `dhcpform plan` for the full plan._",
            cut.len(),
            cut.iter().take(20).cloned().collect::<Vec<_>>().join(", ")
        );
    }
}
