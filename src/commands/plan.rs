//! `dhcpform plan`, `dhcpform drift` and `dhcpform show`: each device's plan is rendered and
//! printed as soon as the devices before it are done; `--out` streams the plan file beside.
//! `show` renders saved files (one per shard, merged) through the same stream.

use super::{Exit, Printer};
use crate::cli::PlanFormat;
use crate::engine::{Options, PlanMode};
use crate::plan::{DevicePlan, Kind, PlanFile, Summary};
use crate::render::stream::{Format, Stream, Style};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn format(f: PlanFormat) -> Format {
    match f {
        PlanFormat::Text => Format::Text,
        PlanFormat::Json => Format::Json,
        PlanFormat::Markdown => Format::Markdown,
        PlanFormat::Junit => Format::Junit,
        PlanFormat::Gitlab => Format::Gitlab,
    }
}

/// How text output is dressed for this run.
pub fn style(p: &Printer) -> Style {
    Style {
        color: p.stdout_color(),
        github: p.github_actions(),
        quiet: p.quiet(),
    }
}

pub struct PlanArgs<'a> {
    pub dir: &'a Path,
    pub options: Options,
    pub format: PlanFormat,
    pub out: Option<&'a Path>,
    pub detailed_exitcode: bool,
    pub drift: bool,
}

/// `--out FILE`: the plan file, written beside FILE as it streams and moved into place once
/// every device was planned.
struct SavedPlan {
    path: PathBuf,
    tmp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    stream: Stream,
    failed: Option<std::io::Error>,
}

impl SavedPlan {
    fn create(path: &Path, kind: Kind) -> Result<SavedPlan, miette::Report> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp)
            .map_err(|e| miette::miette!("cannot write {}: {e}", tmp.display()))?;
        let mut saved = SavedPlan {
            path: path.to_path_buf(),
            tmp,
            file: std::io::BufWriter::new(file),
            stream: Stream::new(Format::Json, kind, Style::default()),
            failed: None,
        };
        let head = saved.stream.start();
        saved.write(&head);
        Ok(saved)
    }

    fn write(&mut self, s: &str) {
        if self.failed.is_none()
            && let Err(e) = self.file.write_all(s.as_bytes())
        {
            self.failed = Some(e);
        }
    }

    fn device(&mut self, d: &DevicePlan) {
        let s = self.stream.device(d);
        self.write(&s);
    }

    /// Moves the file into place (`keep`) or removes it.
    fn close(self, keep: bool) -> Result<(), miette::Report> {
        let SavedPlan {
            path,
            tmp,
            mut file,
            stream,
            mut failed,
        } = self;
        if failed.is_none()
            && let Err(e) = file
                .write_all(stream.finish().as_bytes())
                .and_then(|()| file.flush())
        {
            failed = Some(e);
        }
        if !keep {
            let _ = std::fs::remove_file(&tmp);
            return Ok(());
        }
        if let Some(e) = failed {
            let _ = std::fs::remove_file(&tmp);
            return Err(miette::miette!("cannot write {}: {e}", path.display()));
        }
        std::fs::rename(&tmp, &path)
            .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))
    }
}

pub fn run(p: &Printer, a: PlanArgs) -> Result<Exit, miette::Report> {
    let kind = if a.drift { Kind::Drift } else { Kind::Plan };
    let shown = if a.drift {
        super::Warnings::Summary
    } else {
        super::Warnings::Full
    };
    let engine = match super::load(p, a.dir, a.options, shown) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let mut saved = a.out.map(|o| SavedPlan::create(o, kind)).transpose()?;
    let rt = super::runtime()?;
    let mut progress = p.progress(engine.entries().count());
    let mut stream = Stream::new(format(a.format), kind, style(p));
    p.out(&stream.start());
    let mut failed = Vec::new();
    let mode = PlanMode {
        force: false,
        drift: a.drift,
    };
    let result = rt.block_on(engine.plan(mode, &mut |d: DevicePlan| {
        progress.inc();
        let chunk = stream.device(&d);
        progress.suspend(|| p.out(&chunk));
        if let Some(s) = saved.as_mut() {
            s.device(&d);
        }
        if d.error.is_some() {
            failed.push(d.device);
        }
    }));
    progress.finish();
    if let Err(e) = result {
        if let Some(s) = saved {
            s.close(false)?;
        }
        p.error(&e.to_string());
        return Ok(Exit::Error);
    }
    let summary = *stream.summary();
    p.out(&stream.finish());
    // The errors themselves are in the report, once; stderr says which devices failed.
    if !failed.is_empty() {
        p.error(&format!(
            "{} device(s) could not be {}: {} (the report says why)",
            failed.len(),
            if a.drift { "checked" } else { "planned" },
            crate::render::names_line(&failed, NAMES_SHOWN)
        ));
    }
    if let (Some(s), Some(path)) = (saved, a.out) {
        s.close(true)?;
        p.info(&format!("{} saved to {}", kind.as_str(), path.display()));
    }
    Ok(exit(kind, &summary, a.detailed_exitcode))
}

/// Device names an error line lists before `and N more`.
pub(super) const NAMES_SHOWN: usize = 20;

/// 1 when a device failed; a plan under `--detailed-exitcode`: 4 when a device is blocked,
/// else 2 when changes are pending; a drift report: 2 on drift; else 0.
fn exit(kind: Kind, s: &Summary, detailed_exitcode: bool) -> Exit {
    if s.failed > 0 {
        return Exit::Error;
    }
    match kind {
        Kind::Plan if detailed_exitcode && s.blocked > 0 => Exit::Blocked,
        Kind::Plan if detailed_exitcode && s.with_changes > 0 => Exit::Pending,
        Kind::Drift if s.drifted > 0 => Exit::Pending,
        _ => Exit::Ok,
    }
}

/// `dhcpform show FILE...`: renders saved plan or drift files without touching a device.
/// Several files (one per shard) merge into one report; each is checked first.
pub fn show(p: &Printer, files: &[PathBuf], f: PlanFormat) -> Result<Exit, miette::Report> {
    let mut read = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text =
            std::fs::read_to_string(f).map_err(|e| miette::miette!("cannot read {name}: {e}"))?;
        let plan: PlanFile = serde_json::from_str(&text).map_err(|e| {
            miette::miette!(
                help = "show reads files written by `plan --out` or `drift --out`",
                "{name} is not a dhcpform plan or drift file: {e}"
            )
        })?;
        read.push((name, plan));
    }
    let merged = crate::plan::saved::merge(read).map_err(miette::Report::new)?;
    p.out(&crate::render::stream::render(&merged, format(f), style(p)));
    Ok(Exit::Ok)
}
