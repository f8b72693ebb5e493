//! A plan or drift report rendered device by device in any output format: `start`, then
//! `device` for each device in name order (each returns what can be printed at once), then
//! `finish`. `plan`, `drift` and `show` all render through this, so a saved plan shows exactly
//! as it was planned.

pub use super::Style;
use super::{gitlab, json, junit, markdown, text};
use crate::plan::{Checksum, DevicePlan, Kind, PlanFile, Summary};

/// The output formats of `plan`, `drift` and `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Junit,
    Gitlab,
}

enum State {
    Text,
    Json { sum: Box<Checksum> },
    Markdown(Box<markdown::Builder>),
    Junit(Box<junit::Builder>),
    Gitlab,
}

pub struct Stream {
    kind: Kind,
    style: Style,
    summary: Summary,
    state: State,
}

impl Stream {
    pub fn new(format: Format, kind: Kind, style: Style) -> Stream {
        let state = match format {
            Format::Text => State::Text,
            Format::Json => State::Json {
                sum: Box::new(Checksum::new(kind)),
            },
            Format::Markdown => State::Markdown(Box::new(markdown::Builder::new(kind))),
            Format::Junit => State::Junit(Box::new(junit::Builder::new(kind))),
            Format::Gitlab => State::Gitlab,
        };
        Stream {
            kind,
            style,
            summary: Summary::default(),
            state,
        }
    }

    pub fn start(&self) -> String {
        let mut s = String::new();
        if let State::Json { .. } = self.state {
            let _ = json::header(&mut s, self.kind);
        }
        s
    }

    pub fn device(&mut self, d: &DevicePlan) -> String {
        let mut s = String::new();
        let first = self.summary.devices == 0;
        self.summary.add(d);
        match &mut self.state {
            State::Text => {
                let _ = text::device(&mut s, d, self.style);
            }
            State::Json { sum } => {
                let _ = json::device(&mut s, d, first);
                sum.add(d);
            }
            State::Markdown(b) => b.add(d),
            State::Junit(b) => b.add(d),
            State::Gitlab => {}
        }
        s
    }

    /// The counts so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn finish(self) -> String {
        let mut s = String::new();
        let _ = match self.state {
            State::Text => text::summary(&mut s, self.kind, &self.summary),
            State::Json { sum } => json::footer(&mut s, &self.summary, &sum.finish()),
            State::Markdown(b) => b.finish(&mut s, &self.summary),
            State::Junit(b) => b.finish(&mut s),
            State::Gitlab => gitlab::render(&mut s, &self.summary),
        };
        s
    }
}

/// A whole plan file in one format.
pub fn render(plan: &PlanFile, format: Format, style: Style) -> String {
    let mut stream = Stream::new(format, plan.kind, style);
    let mut out = stream.start();
    for d in &plan.devices {
        out.push_str(&stream.device(d));
    }
    out.push_str(&stream.finish());
    out
}
