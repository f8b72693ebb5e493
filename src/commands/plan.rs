//! `dhcpform plan` and `dhcpform drift`: each device's plan is rendered and printed as soon
//! as the devices before it are done; `--out` streams the plan file beside.

use super::{Exit, Printer};
use crate::cli::PlanFormat;
use crate::engine::{Options, PlanMode};
use crate::plan::{DevicePlan, PlanFile};
use crate::render::{json, markdown, text};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Renders a whole plan in the chosen format.
pub fn render(p: &Printer, plan: &PlanFile, format: PlanFormat) -> String {
    let mut out = String::new();
    let _ = match format {
        PlanFormat::Text => text::render(&mut out, plan, p.stdout_color()),
        PlanFormat::Json => json::render(&mut out, plan),
        PlanFormat::Markdown => markdown::render(&mut out, plan),
    };
    out
}

pub struct PlanArgs<'a> {
    pub dir: &'a Path,
    pub options: Options,
    pub format: PlanFormat,
    pub out: Option<&'a Path>,
    pub detailed_exitcode: bool,
    pub drift: bool,
}

/// Renders a plan device by device: returns what can be printed now.
enum Stream {
    Text {
        color: bool,
        tally: text::Tally,
    },
    Json {
        any: bool,
        sum: Box<crate::plan::Checksum>,
    },
    Markdown(Box<markdown::Builder>),
}

impl Stream {
    fn new(format: PlanFormat, color: bool) -> Stream {
        match format {
            PlanFormat::Text => Stream::Text {
                color,
                tally: text::Tally::default(),
            },
            PlanFormat::Json => Stream::Json {
                any: false,
                sum: Box::default(),
            },
            PlanFormat::Markdown => Stream::Markdown(Box::default()),
        }
    }

    fn start(&self) -> String {
        let mut s = String::new();
        if let Stream::Json { .. } = self {
            let _ = json::header(&mut s);
        }
        s
    }

    fn device(&mut self, d: &DevicePlan) -> String {
        let mut s = String::new();
        match self {
            Stream::Text { color, tally } => {
                let _ = text::device(&mut s, d, *color);
                tally.add(d);
            }
            Stream::Json { any, sum } => {
                let _ = json::device(&mut s, d, !*any);
                sum.add(d);
                *any = true;
            }
            Stream::Markdown(b) => b.add(d),
        }
        s
    }

    fn finish(self) -> String {
        let mut s = String::new();
        let _ = match self {
            Stream::Text { tally, .. } => text::summary(&mut s, &tally),
            Stream::Json { any, sum } => json::footer(&mut s, any, &sum.finish()),
            Stream::Markdown(b) => b.finish(&mut s),
        };
        s
    }
}

/// `--out FILE`: the plan file, written beside FILE as it streams and moved into place only
/// when every device was planned.
struct SavedPlan {
    path: PathBuf,
    tmp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    stream: Stream,
    failed: Option<std::io::Error>,
}

impl SavedPlan {
    fn create(path: &Path) -> Result<SavedPlan, miette::Report> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp)
            .map_err(|e| miette::miette!("cannot write {}: {e}", tmp.display()))?;
        let mut saved = SavedPlan {
            path: path.to_path_buf(),
            tmp,
            file: std::io::BufWriter::new(file),
            stream: Stream::new(PlanFormat::Json, false),
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
    fn close(mut self, keep: bool) -> Result<(), miette::Report> {
        let tail =
            std::mem::replace(&mut self.stream, Stream::new(PlanFormat::Json, false)).finish();
        self.write(&tail);
        if let Err(e) = self.file.flush() {
            self.failed.get_or_insert(e);
        }
        if !keep {
            let _ = std::fs::remove_file(&self.tmp);
            return Ok(());
        }
        if let Some(e) = self.failed {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(miette::miette!("cannot write {}: {e}", self.path.display()));
        }
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| miette::miette!("cannot write {}: {e}", self.path.display()))
    }
}

pub fn run(p: &Printer, a: PlanArgs) -> Result<Exit, miette::Report> {
    let engine = match super::load(p, a.dir, a.options) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let mut saved = a.out.map(SavedPlan::create).transpose()?;
    let rt = super::runtime()?;
    let progress = p.progress(engine.entries().count());
    let mut stream = Stream::new(a.format, p.stdout_color());
    p.out(&stream.start());
    let (mut errors, mut pending) = (Vec::new(), false);
    let mode = PlanMode {
        force: false,
        drift: a.drift,
    };
    let result = rt.block_on(engine.plan(mode, &mut |d: DevicePlan| {
        progress.inc(1);
        let chunk = stream.device(&d);
        progress.suspend(|| p.out(&chunk));
        if let Some(s) = saved.as_mut() {
            s.device(&d);
        }
        pending |= d.has_changes() || !d.findings.is_empty();
        if let Some(e) = d.error {
            errors.push((d.device, e));
        }
    }));
    progress.finish_and_clear();
    if let Err(e) = result {
        if let Some(s) = saved {
            s.close(false)?;
        }
        p.error(&e.to_string());
        return Ok(Exit::Error);
    }
    p.out(&stream.finish());
    for (device, e) in &errors {
        p.error(&format!("device {device}: {e}"));
    }
    if let (Some(s), Some(path)) = (saved, a.out) {
        let keep = errors.is_empty();
        s.close(keep)?;
        if keep {
            p.info(&format!("plan saved to {}", path.display()));
        } else {
            p.err(&format!(
                "plan not saved to {}: {} device(s) could not be planned",
                path.display(),
                errors.len()
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Exit::Error);
    }
    Ok(if pending && (a.detailed_exitcode || a.drift) {
        Exit::Pending
    } else {
        Exit::Ok
    })
}
