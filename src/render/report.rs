//! The apply report as text, device by device (pure: reports in, text out).

use crate::plan::report::DeviceReport;

/// The report's first line: whether anything was to be done.
pub fn header(nothing: bool) -> &'static str {
    if nothing {
        "apply: nothing to do\n"
    } else {
        "apply report:\n"
    }
}

/// One device's part of the apply report: its state, then every call sent, failed or
/// skipped.
pub fn device(r: &DeviceReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", r.device, state(r));
    for d in &r.done {
        let note = d
            .note
            .as_ref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        let call = crate::plan::call_line(d.method, &d.path, &d.resource);
        let _ = writeln!(s, "  sent    {call}: {}{note}", d.status);
    }
    if let Some(f) = &r.failed {
        let call = crate::plan::call_line(f.method, &f.path, &f.resource);
        let landed = if f.sent {
            " (it was sent and may have been carried out: plan again to see the device)"
        } else {
            ""
        };
        let _ = writeln!(s, "  failed  {call}: {}{landed}", f.error);
    }
    for k in &r.skipped {
        let _ = writeln!(s, "  skipped {}", k.call);
    }
    s
}

/// The one-line state of a device in the report.
fn state(r: &DeviceReport) -> String {
    if let Some(n) = &r.note {
        return n.clone();
    }
    if let Some(b) = &r.blocked {
        return format!("nothing written: {b}");
    }
    if r.interrupted {
        return format!(
            "interrupted: {} sent, {} skipped; nothing more was sent",
            r.done.len(),
            r.skipped.len()
        );
    }
    if !r.sent() && r.failed.is_none() && r.error.is_some() {
        let why = r
            .error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        return format!("nothing written: {why}");
    }
    let conv = match r.converged {
        Some(true) => "converged".to_string(),
        Some(false) => format!("NOT converged, still different: {}", r.residue.join(", ")),
        None => r
            .error
            .as_ref()
            .map_or_else(|| "not checked".into(), ToString::to_string),
    };
    format!(
        "{} sent, {} failed, {} skipped; {conv}",
        r.done.len(),
        usize::from(r.failed.is_some()),
        r.skipped.len()
    )
}
