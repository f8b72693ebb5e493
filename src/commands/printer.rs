//! The one printer the commands hold: stdout for results, stderr for diagnostics, warnings,
//! errors and the `-v` request log; `-q` and colour are decided here and nowhere else.
#![allow(clippy::print_stderr)]

use crate::cli::{ColorChoice, Global};
use crate::config::manifest::Diags;
use crate::platform::http::Logger;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
    verbose: bool,
    color: ColorChoice,
    /// Standard output was closed by its reader (`| head`): nothing more is written to it,
    /// and the command goes on to its own exit code.
    closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Printer {
    pub fn new(global: &Global) -> Printer {
        Printer {
            quiet: global.quiet,
            verbose: global.verbose,
            color: global.color,
            closed: std::sync::Arc::default(),
        }
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Running as a GitHub Actions step (`GITHUB_ACTIONS=true`).
    pub fn github_actions(&self) -> bool {
        std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    }

    /// Writes to stdout. Once the reader has closed it (`| head`), output stops quietly and
    /// the command still finishes its work (files it writes included) and exits with its own
    /// code: a closed pipe never turns a finding into success.
    pub fn out(&self, s: &str) {
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(s.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            self.closed.store(true, Ordering::Relaxed);
        }
    }

    pub fn outln(&self, s: &str) {
        self.out(&format!("{s}\n"));
    }

    /// A status line on stderr, left out with `-q`.
    pub fn info(&self, s: &str) {
        if !self.quiet {
            eprintln!("{s}");
        }
    }

    /// A line on stderr, always.
    pub fn err(&self, s: &str) {
        eprintln!("{s}");
    }

    pub fn warn(&self, s: &str) {
        eprintln!("warning: {s}");
    }

    pub fn error(&self, s: &str) {
        eprintln!("error: {s}");
    }

    /// Whether a stream gets colour: `--color`, else a terminal without `NO_COLOR`.
    pub fn color(&self, stream_is_tty: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    pub fn stdout_color(&self) -> bool {
        self.color(std::io::stdout().is_terminal())
    }

    /// Diagnostics on stderr through miette's graphical handler.
    pub fn diags(&self, diags: &Diags) {
        let theme = if self.color(std::io::stderr().is_terminal()) {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        for d in &diags.0 {
            let mut out = String::new();
            if handler.render_report(&mut out, d).is_ok() {
                eprintln!("{out}");
            } else {
                eprintln!("{}", d.message);
            }
        }
    }

    /// The `-v` request log (lines arrive already redacted).
    pub fn logger(&self) -> Option<Logger> {
        self.verbose
            .then(|| Arc::new(|line: &str| eprintln!("{line}")) as Logger)
    }

    /// Lines for stderr from a background task (always shown).
    pub fn stderr_logger(&self) -> Logger {
        Arc::new(|line: &str| eprintln!("{line}"))
    }

    /// Progress on stderr when several devices are worked on: a bar on a terminal; without
    /// one (CI logs), a plain line at most every `DHCPFORM_PROGRESS_SECS` seconds (default 5),
    /// never escape codes. Nothing with `-q`.
    pub fn progress(&self, n: usize) -> Progress {
        if n < 2 || self.quiet {
            return Progress::Off;
        }
        if !std::io::stderr().is_terminal() {
            let secs = std::env::var("DHCPFORM_PROGRESS_SECS")
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(5);
            let now = std::time::Instant::now();
            return Progress::Lines {
                total: n,
                done: 0,
                every: std::time::Duration::from_secs(secs),
                started: now,
                last: now,
            };
        }
        let bar = indicatif::ProgressBar::new(n as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} devices {elapsed}")
        {
            bar.set_style(style);
        }
        Progress::Bar(bar)
    }

    /// Asks for confirmation: `--yes` skips it; without a terminal `--yes` is required; on a
    /// terminal only the answer `yes` proceeds.
    pub fn confirm(
        &self,
        yes: bool,
        command: &str,
        question: &str,
    ) -> Result<bool, miette::Report> {
        use std::io::BufRead;
        if yes {
            return Ok(true);
        }
        if !std::io::stdin().is_terminal() {
            return Err(miette::miette!(
                help = "review what it will do, then run again with --yes",
                "no terminal to confirm on: {command} needs --yes"
            ));
        }
        eprint!("{question} Only 'yes' proceeds: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| miette::miette!("cannot read the answer: {e}"))?;
        Ok(line.trim() == "yes")
    }
}

/// Progress of a run over devices (see `Printer::progress`).
pub enum Progress {
    Off,
    Bar(indicatif::ProgressBar),
    Lines {
        total: usize,
        done: usize,
        every: std::time::Duration,
        started: std::time::Instant,
        last: std::time::Instant,
    },
}

impl Progress {
    /// One more device done.
    pub fn inc(&mut self) {
        match self {
            Progress::Off => {}
            Progress::Bar(b) => b.inc(1),
            Progress::Lines {
                total,
                done,
                every,
                started,
                last,
            } => {
                *done += 1;
                if last.elapsed() >= *every && *done < *total {
                    *last = std::time::Instant::now();
                    eprintln!(
                        "progress: {done}/{total} devices done ({}s)",
                        started.elapsed().as_secs()
                    );
                }
            }
        }
    }

    /// Runs `f` (which prints) without tearing the bar.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self {
            Progress::Bar(b) => b.suspend(f),
            _ => f(),
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}
