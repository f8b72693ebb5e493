//! The `text` plan format: a summary line per device, item-level list changes, unified diffs of
//! canonical YAML, the calls in order, and the safety verdict. Colour is optional.

use super::Style;
use super::{change_diff, summary_line};
use crate::model::Api;
use crate::plan::{Action, Change, DevicePlan, FieldChange, Kind, Summary};
use std::fmt::{self, Write};

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn action(&self, a: Action, s: &str) -> String {
        match a {
            Action::Create => self.green(s),
            Action::Delete => self.red(s),
            Action::Update => self.yellow(s),
            Action::Replace => self.wrap("35", s),
        }
    }
}

/// Whether `-q` shows a device: only with changes, failed checks or an error.
pub fn interesting(d: &DevicePlan) -> bool {
    d.error.is_some() || d.has_changes() || !d.findings.is_empty()
}

/// The closing lines: the counts, how to lift blocked devices, and "No changes." (or "No
/// drift.") when nothing is pending.
pub fn summary(out: &mut dyn Write, kind: Kind, s: &Summary) -> fmt::Result {
    match kind {
        Kind::Plan => writeln!(
            out,
            "{} device(s): {} with changes, {} blocked, {} failed",
            s.devices, s.with_changes, s.blocked, s.failed
        )?,
        Kind::Drift => writeln!(
            out,
            "{} device(s): {} with drift ({} with failed checks), {} failed",
            s.devices, s.drifted, s.with_findings, s.failed
        )?,
    }
    if s.blocked > 0 {
        writeln!(
            out,
            "{} device(s) blocked by a safety gate: review the plan, then `dhcpform apply \
             --force`, or change the setting the gate names",
            s.blocked
        )?;
    }
    if s.failed == 0 && s.drifted == 0 {
        writeln!(
            out,
            "{}",
            match kind {
                Kind::Plan => "No changes.",
                Kind::Drift => "No drift.",
            }
        )?;
    }
    Ok(())
}

/// One device's part of the text plan.
pub fn device(out: &mut dyn Write, d: &DevicePlan, style: Style) -> fmt::Result {
    if style.quiet && !interesting(d) {
        return Ok(());
    }
    let p = &Paint(style.color);
    if style.github {
        // a workflow command: the group's title is the summary line, without colour
        writeln!(out, "::group::{}", super::summary_line(d))?;
    } else {
        writeln!(out, "{}", p.bold(&summary_line(d)))?;
    }
    body(out, d, p)?;
    if style.github {
        writeln!(out, "::endgroup::")?;
    }
    writeln!(out)
}

fn body(out: &mut dyn Write, d: &DevicePlan, p: &Paint) -> fmt::Result {
    if let Some(e) = &d.error {
        writeln!(out, "  {} ({}): {e}", p.red("error"), e.kind)?;
        if let Some(h) = &e.hint {
            writeln!(out, "  hint: {h}")?;
        }
        return Ok(());
    }
    for c in &d.changes {
        change(out, c, d.api, p)?;
    }
    if !d.unmanaged.is_empty() {
        writeln!(
            out,
            "  unmanaged pools left alone (prune: false): {}",
            d.unmanaged.join(", ")
        )?;
    }
    if !d.unmanageable.is_empty() {
        writeln!(
            out,
            "  pools dhcpform cannot manage (neither dynamic nor manual), left alone: {}",
            d.unmanageable.join(", ")
        )?;
    }
    for n in &d.notes {
        writeln!(out, "  note: {n}")?;
    }
    for w in &d.warnings {
        writeln!(out, "  {}: {w}", p.yellow("warning"))?;
    }
    calls(out, d)?;
    verdict(out, d, p)
}

fn change(out: &mut dyn Write, c: &Change, api: Api, p: &Paint) -> fmt::Result {
    let verb = match c.action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    };
    // the one-line summary names every changed field
    let fields: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    let fields = if fields.is_empty() || c.action != Action::Update {
        String::new()
    } else {
        format!(": {}", fields.join(", "))
    };
    writeln!(
        out,
        "  {} {} ({verb}{fields})",
        p.action(c.action, c.action.symbol()),
        c.resource
    )?;
    if let Some(r) = &c.reason {
        writeln!(out, "      replaced because {r}")?;
    }
    if let Some(i) = c.impact.as_ref().filter(|i| i.count > 0) {
        writeln!(
            out,
            "      {} {}",
            p.red("takes addresses from"),
            super::impact_line(i)
        )?;
    }
    // RESTCONF writes list entries one by one; the REST API takes each list whole
    let entries = api == Api::Restconf;
    let listed = |f: &&FieldChange| {
        f.whole_list || (entries && !(f.added.is_empty() && f.removed.is_empty()))
    };
    for f in c.fields.iter().filter(listed) {
        let mut items: Vec<String> = f.added.iter().map(|a| p.green(&format!("+{a}"))).collect();
        items.extend(f.removed.iter().map(|r| p.red(&format!("-{r}"))));
        if items.is_empty() {
            items.push("order changed".into());
        }
        let how = if f.whole_list {
            "the whole list is sent"
        } else {
            "entry by entry"
        };
        writeln!(out, "      {}: {} ({how})", f.field, items.join(" "))?;
    }
    for line in change_diff(c).lines() {
        let painted = match line.chars().next() {
            Some('+') => p.green(line),
            Some('-') => p.red(line),
            _ => line.to_string(),
        };
        writeln!(out, "      {painted}")?;
    }
    Ok(())
}

fn calls(out: &mut dyn Write, d: &DevicePlan) -> fmt::Result {
    if d.operations.is_empty() {
        return Ok(());
    }
    writeln!(out, "  calls, in order:")?;
    for (i, op) in d.operations.iter().enumerate() {
        writeln!(out, "    {}. {}", i + 1, op.line())?;
    }
    Ok(())
}

/// The safety gates that fired and the failed `expect:` checks.
fn verdict(out: &mut dyn Write, d: &DevicePlan, p: &Paint) -> fmt::Result {
    for g in &d.safety.gates {
        let tag = if d.safety.blocked {
            p.red("BLOCKED")
        } else {
            p.yellow("forced")
        };
        writeln!(
            out,
            "  {tag} [{}]: {}; to lift: {}",
            g.gate, g.message, g.lift
        )?;
    }
    for f in &d.findings {
        writeln!(out, "  {} [{}]: {}", p.red("expect"), f.check, f.message)?;
    }
    Ok(())
}
