//! The `json` plan format: the plan file itself, versioned by `format_version`.

use crate::plan::PlanFile;
use std::fmt::{self, Write};

pub fn render(out: &mut dyn Write, plan: &PlanFile) -> fmt::Result {
    let text = serde_json::to_string_pretty(plan).map_err(|_| fmt::Error)?;
    writeln!(out, "{text}")
}
