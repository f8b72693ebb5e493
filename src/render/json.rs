//! The `json` plan format: the plan file itself, versioned by `format_version`. It can be
//! written whole (`render`) or device by device (`header`, `device`, `footer`), byte for byte
//! the same, so a large fleet's plan streams without being held in memory.

use crate::plan::{DevicePlan, FORMAT_VERSION, Kind, PlanFile, Summary};
use std::fmt::{self, Write};

pub fn render(out: &mut dyn Write, plan: &PlanFile) -> fmt::Result {
    let text = serde_json::to_string_pretty(plan).map_err(|_| fmt::Error)?;
    writeln!(out, "{text}")
}

/// The start of a plan file, up to the first device.
pub fn header(out: &mut dyn Write, kind: Kind) -> fmt::Result {
    write!(
        out,
        "{{\n  \"format_version\": {FORMAT_VERSION},\n  \"kind\": \"{}\",\n  \"devices\": [",
        kind.as_str()
    )
}

/// One device of the `devices` list; `first` for the first one.
pub fn device(out: &mut dyn Write, d: &DevicePlan, first: bool) -> fmt::Result {
    let text = serde_json::to_string_pretty(d).map_err(|_| fmt::Error)?;
    out.write_str(if first { "\n" } else { ",\n" })?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_char('\n')?;
        }
        // JSON strings hold no raw newline, so every line is a line of structure.
        write!(out, "    {line}")?;
    }
    Ok(())
}

/// The end of a plan file: the summary of what was written and the checksum over it.
pub fn footer(out: &mut dyn Write, summary: &Summary, checksum: &str) -> fmt::Result {
    if summary.devices > 0 {
        out.write_str("\n  ]")?;
    } else {
        out.write_str("]")?;
    }
    let text = serde_json::to_string_pretty(summary).map_err(|_| fmt::Error)?;
    out.write_str(",\n  \"summary\": ")?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_str("\n  ")?;
        }
        out.write_str(line)?;
    }
    write!(out, ",\n  \"checksum\": \"{checksum}\"\n}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;

    fn streamed(plan: &PlanFile) -> String {
        let stream = crate::render::stream::render;
        stream(
            plan,
            crate::render::stream::Format::Json,
            Default::default(),
        )
    }

    #[test]
    fn streaming_writes_what_the_whole_plan_writes() {
        let mut failed = DevicePlan::failed(
            "r2",
            Platform::IosXe,
            crate::plan::Failure::new(crate::plan::ErrorKind::Connect, "a \"quoted\"\nerror"),
        );
        failed.unmanaged = vec!["x".into()];
        for devices in [
            vec![],
            vec![DevicePlan::empty("r1", Platform::F5Xc)],
            vec![DevicePlan::empty("r1", Platform::IosXe), failed],
        ] {
            let plan = PlanFile::new(Kind::Drift, devices);
            assert!(plan.checksum_ok());
            let mut whole = String::new();
            render(&mut whole, &plan).unwrap();
            assert_eq!(streamed(&plan), whole);
        }
    }
}
