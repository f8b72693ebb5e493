//! Diagnostics for machines: `validate --format json` (one object per diagnostic) and
//! `validate --format github` (workflow commands that GitHub shows as annotations on the
//! changed lines, escaped as GitHub's toolkit escapes them).

use crate::config::manifest::{Diag, Diags, Severity};
use serde::Serialize;
use std::fmt::{self, Write};

/// `validate --format json`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub valid: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Entry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    pub severity: &'static str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
}

fn severity(d: &Diag) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub fn json(out: &mut dyn Write, diags: &Diags) -> fmt::Result {
    let report = Report {
        valid: !diags.has_errors(),
        errors: diags.errors(),
        warnings: diags.warnings(),
        diagnostics: diags
            .0
            .iter()
            .map(|d| {
                let (line, column) = d.position();
                Entry {
                    severity: severity(d),
                    file: d.file_name(),
                    line,
                    column,
                    message: &d.message,
                    label: &d.label,
                    help: d.help.as_deref(),
                }
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&report).map_err(|_| fmt::Error)?;
    writeln!(out, "{text}")
}

/// The data of a workflow command (`%`, CR and LF escaped).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property of a workflow command (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `validate --format github`: `::error file=F,line=L,col=C,title=T::message` per diagnostic.
pub fn github(out: &mut dyn Write, diags: &Diags) -> fmt::Result {
    for d in &diags.0 {
        let (line, col) = d.position();
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        writeln!(
            out,
            "::{} file={},line={line},col={col},title={}::{}",
            severity(d),
            escape_property(d.file_name()),
            escape_property(&format!("dhcpform: {}", d.label)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("50% a\r\nb: c, d"),
            "50%25 a%0D%0Ab%3A c%2C d"
        );
        // `%` first, so an escape is never escaped again
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
