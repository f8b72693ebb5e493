//! Diagnostics: one problem in one file, with a span, a label and an optional hint.

pub use crate::model::names::nearest;
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use serde::de::DeserializeOwned;
use serde_saphyr::Location;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting a desired-state file can meaningfully use, with room to spare.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A file that was read, kept for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<NamedSource<Arc<str>>>,
    raw: Arc<str>,
}

impl SourceFile {
    pub fn new(display_name: &str, path: &Path, text: &str) -> Self {
        let raw: Arc<str> = Arc::from(text);
        SourceFile {
            path: path.to_path_buf(),
            text: Arc::new(NamedSource::new(display_name, raw.clone()).with_language("yaml")),
            raw,
        }
    }

    pub fn text(&self) -> &str {
        &self.raw
    }

    /// Reads a file, refusing what cannot be a desired-state file (too large, not UTF-8).
    pub fn read(display_name: &str, path: &Path) -> Result<SourceFile, Diag> {
        use std::io::Read;
        let empty = SourceFile::new(display_name, path, "");
        let cannot = |e: std::io::Error| {
            Diag::file_level(&empty, format!("cannot read {}: {e}", path.display()))
        };
        let too_large = |size: String| {
            Diag::file_level(
                &empty,
                format!(
                    "{} is {size}; a desired-state file may be at most {MAX_FILE_BYTES} bytes",
                    path.display()
                ),
            )
        };
        // one open and one fstat: a fleet reads thousands of these files (a directory opens,
        // and its read fails: "Is a directory")
        let f = std::fs::File::open(path).map_err(cannot)?;
        let meta = f.metadata().map_err(cannot)?;
        if meta.len() > MAX_FILE_BYTES as u64 {
            return Err(too_large(format!("{} bytes", meta.len())));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        // a file that grew since is cut at the limit, and refused as too large
        f.take(MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(too_large(format!("over {MAX_FILE_BYTES} bytes")));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(display_name, path, &text)),
            Err(e) => {
                let good = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let file = SourceFile::new(display_name, path, &text);
                let span = SourceSpan::from((good.min(text.len()), 1));
                Err(Diag::at(
                    &file,
                    span,
                    format!(
                        "{} is not UTF-8 text (invalid byte at offset {good})",
                        path.display()
                    ),
                    "not UTF-8",
                ))
            }
        }
    }

    /// Converts a YAML location into a byte span of this file.
    pub fn span_of(&self, loc: &Location) -> SourceSpan {
        let text = self.text();
        if loc.line() == 0 {
            return SourceSpan::from((0, 0));
        }
        let span = loc.span();
        if let (Some(off), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let off = (off as usize).min(text.len());
            let len = (len as usize).min(text.len() - off);
            return SourceSpan::from((off, len.max(usize::from(off < text.len()))));
        }
        // Fall back to line/column (1-based, in characters).
        let mut off = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i + 1 == loc.line() as usize {
                let col: usize = line
                    .char_indices()
                    .nth(loc.column().saturating_sub(1) as usize)
                    .map(|(b, _)| b)
                    .unwrap_or(line.len());
                return SourceSpan::from((off + col, 1));
            }
            off += line.len();
        }
        SourceSpan::from((text.len(), 0))
    }

    /// Parses YAML into `T`, with size, depth and alias limits. Every unknown key is a
    /// diagnostic in `diags` (all of them, not only the first); `None` when the file could
    /// not be read into `T` at all (its diagnostic is in `diags` too).
    pub fn parse<T: DeserializeOwned>(&self, diags: &mut Diags) -> Option<T> {
        let found = super::keys::Found::default();
        let parsed = self.parse_with(&found);
        for u in found.into_inner() {
            let span = self.span_of(&u.at);
            let mut d = Diag::at(
                self,
                span,
                format!("unknown key `{}`", u.key),
                "unknown key",
            );
            d.help = unknown_key_help(&u.key, u.known);
            diags.push(d);
        }
        match parsed {
            Ok(v) => Some(v),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    fn parse_with<T: DeserializeOwned>(&self, found: &super::keys::Found) -> Result<T, Diag> {
        let text = self.text();
        if let Some(off) = text.find('\0') {
            return Err(Diag::at(
                self,
                SourceSpan::from((off, 1)),
                "binary data: a desired-state file is YAML text",
                "NUL byte",
            ));
        }
        if let Some((off, depth)) = too_deep(text) {
            return Err(Diag::at(
                self,
                SourceSpan::from((off, 1)),
                format!("YAML nested deeper than {depth} levels; no dhcpform file needs that"),
                "too deep",
            ));
        }
        let mut alias_limits = serde_saphyr::options::AliasLimits::default();
        alias_limits.max_total_replayed_events = 10_000;
        alias_limits.max_replay_stack_depth = 16;
        alias_limits.max_alias_expansions_per_anchor = 100;
        let mut options = serde_saphyr::Options::default();
        options.with_snippet = false;
        options.alias_limits = alias_limits;
        serde_saphyr::with_deserializer_from_str_with_options(text, options, |d| {
            super::keys::read::<T, _>(d, found)
        })
        .map_err(|e| self.yaml_error(&e))
    }

    fn yaml_error(&self, e: &serde_saphyr::Error) -> Diag {
        // A tab in an indentation is the usual cause, wherever the parser noticed it.
        if let Some(off) = tab_indent(self.text()) {
            let mut d = Diag::at(
                self,
                SourceSpan::from((off, 1)),
                "a tab indents this line: YAML forbids tabs for indentation",
                "tab",
            );
            d.help = Some("indent with spaces".into());
            return d;
        }
        let msg = first_line(&e.to_string());
        let span = e
            .location()
            .map(|l| self.span_of(&l))
            .unwrap_or_else(|| (0, 0).into());
        let (mut message, mut help) = explain_serde_message(&msg);
        let at = self.text().get(span.offset()..).unwrap_or("");
        if msg.starts_with("invalid u") || msg.contains("invalid value: integer `-") {
            let found: String = at.chars().take_while(|c| !",}]\n#".contains(*c)).collect();
            message = format!(
                "expected a whole number of 0 or more, found `{}`",
                found.trim()
            );
            if found.trim_start().starts_with('-') {
                help = Some("counts, percentages and limits cannot be negative".into());
            }
        }
        if help.is_none() && msg.contains("mapping values are not allowed") {
            help = Some(
                "a value holding `: ` must be quoted (e.g. \"a: b\"); or a key is indented \
                 under a value"
                    .into(),
            );
        }
        let mut d = Diag::at(self, span, message, "here");
        d.help = help;
        d
    }
}

/// Every key of dhcpform's files, to tell a key at the wrong level from a typo.
const KEYS: &[&str] = &[
    "settings",
    "defaults",
    "profiles",
    "devices",
    "parallelism",
    "per-host-limit",
    "timeout",
    "retries",
    "safety",
    "max-delete-percent",
    "max-update-percent",
    "min-existing",
    "max-affected-clients",
    "platform",
    "url",
    "auth",
    "tls",
    "desired",
    "prune",
    "protected-pools",
    "namespace",
    "site",
    "tags",
    "username-env",
    "password-env",
    "api-token-env",
    "ca-file",
    "insecure-skip-verify",
    "server",
    "pools",
    "expect",
    "enable",
    "excluded-addresses",
    "relay-agents",
    "profile",
    "dynamic",
    "manual",
    "options",
    "address-range",
    "lease-duration",
    "host-ip-address",
    "mac-address",
    "client-name",
    "domain-name",
    "default-gateway",
    "dns-servers",
    "netbios-name-servers",
    "netbios-node-type",
    "max-utilization",
    "min-free",
    "reservations",
];

/// The offset of the first tab in a line's indentation.
fn tab_indent(text: &str) -> Option<usize> {
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(i) = line[..indent].find('\t') {
            return Some(off + i);
        }
        off += line.len();
    }
    None
}

/// Finds the first place where flow or block nesting exceeds `MAX_DEPTH`.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut flow = 0usize;
    for (off, c) in text.char_indices() {
        match c {
            '[' | '{' => {
                flow += 1;
                if flow > MAX_DEPTH {
                    return Some((off, MAX_DEPTH));
                }
            }
            ']' | '}' => flow = flow.saturating_sub(1),
            _ => {}
        }
    }
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent > MAX_DEPTH * 8 {
            return Some((off, MAX_DEPTH));
        }
        off += line.len();
    }
    None
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s).trim().to_string();
    // serde-saphyr appends " at line X column Y"; the diagnostic shows the place itself.
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line,
    }
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" into a message and a
/// did-you-mean hint.
fn explain_serde_message(msg: &str) -> (String, Option<String>) {
    if let Some(rest) = msg.split("unknown field `").nth(1) {
        let field = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, e)| {
                e.trim_start_matches(" one of")
                    .split(',')
                    .map(|k| k.trim().trim_matches('`'))
                    .filter(|k| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let help = unknown_key_help(field, &expected);
        return (format!("unknown key `{field}`"), help);
    }
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return (
            format!("duplicate key `{key}`"),
            Some(
                "a key may appear only once in a mapping: remove or merge the repeated entry"
                    .into(),
            ),
        );
    }
    parser_hint(msg)
}

/// The parser's own words, with what they usually mean in a dhcpform file.
fn parser_hint(msg: &str) -> (String, Option<String>) {
    let said = |h: &str| (msg.to_string(), Some(h.to_string()));
    if msg.contains("expected mapping") || msg.contains("expected a map") {
        return (
            "expected a map (`key: value` lines) here, found a list (`- ...`)".into(),
            Some(
                "pools, interfaces, devices and profiles are maps keyed by name: write \
                 `staff:` with its settings indented below it, not `- name: staff`"
                    .into(),
            ),
        );
    }
    if msg.contains("budget breached") && msg.contains("Nodes") {
        return said(
            "a file may hold at most 250,000 YAML nodes (values, lists and maps: the parser's \
             documented budget); no DHCP configuration needs that many: is this the right \
             file?",
        );
    }
    if msg.contains("budget breached") {
        return said(
            "the file exceeds a limit of the YAML parser (serde-saphyr's documented budget: \
             at most 250,000 nodes, 1,000,000 events, 64 levels, 1,024 documents)",
        );
    }
    (msg.to_string(), None)
}

/// A did-you-mean for an unknown key among the keys `known` at its place, or a hint that it
/// belongs to another level.
fn unknown_key_help(field: &str, known: &[&str]) -> Option<String> {
    match nearest(field, known.iter().copied()) {
        Some(c) => Some(format!("did you mean `{c}`?")),
        // a key of the files, at the wrong level: most often an indentation slip
        None if KEYS.contains(&field) => Some(format!(
            "`{field}` is a key of another level: check its indentation (it may belong one \
             level up or down); known keys here: {}",
            known.join(", ")
        )),
        None if !known.is_empty() => Some(format!("known keys here: {}", known.join(", "))),
        None => None,
    }
}

/// One problem, pointing at a place in a file.
#[derive(Debug, Clone)]
pub struct Diag {
    pub severity: Severity,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub span: SourceSpan,
    pub source: Arc<NamedSource<Arc<str>>>,
}

impl Diag {
    pub fn at(
        file: &SourceFile,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diag {
            severity: Severity::Error,
            message: message.into(),
            label: label.into(),
            help: None,
            span,
            source: file.text.clone(),
        }
    }

    pub fn file_level(file: &SourceFile, message: impl Into<String>) -> Self {
        Diag::at(file, (0, 0).into(), message, "")
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The file's name as shown.
    pub fn file_name(&self) -> &str {
        self.source.name()
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn position(&self) -> (usize, usize) {
        let text: &str = self.source.inner();
        let off = self.span.offset().min(text.len());
        let before = text.get(..off).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }

    /// The same diagnostic with its file named below `dir` (a repository given as a path
    /// other than `.`), so that terminals and CI annotations find the file from the current
    /// directory.
    pub fn under(&self, dir: &Path) -> Diag {
        if dir == Path::new(".") || dir.as_os_str().is_empty() {
            return self.clone();
        }
        let name = dir.join(self.file_name()).display().to_string();
        Diag {
            source: Arc::new(NamedSource::new(name, self.source.inner().clone())),
            ..self.clone()
        }
    }
}

/// A line longer than this is not shown under a diagnostic (the renderer cannot place a
/// label that far right); the message names the place instead.
const LONG_LINE: usize = 2_000;

impl Diag {
    /// Whether the line holding the span is too long to be shown.
    fn long_line(&self) -> bool {
        let text: &str = self.source.inner();
        let off = self.span.offset().min(text.len());
        let start = text
            .get(..off)
            .and_then(|b| b.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = text
            .get(off..)
            .and_then(|a| a.find('\n'))
            .map_or(text.len(), |i| off + i);
        end - start > LONG_LINE
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.long_line() {
            let (line, col) = self.position();
            write!(
                f,
                " (at {}:{line}:{col}; the line is too long to show)",
                self.file_name()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.long_line()).then_some(&*self.source as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.long_line() {
            return None;
        }
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label, self.span,
        ))))
    }
}

/// Diagnostics collected over a run.
#[derive(Debug, Default)]
pub struct Diags(pub Vec<Diag>);

impl Diags {
    pub fn push(&mut self, d: Diag) {
        self.0.push(d);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diag::is_error)
    }
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }

    /// Every diagnostic with its file named below `dir` (see `Diag::under`).
    pub fn under(&self, dir: &Path) -> Diags {
        Diags(self.0.iter().map(|d| d.under(dir)).collect())
    }
}
