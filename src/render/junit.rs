//! The `junit` format (quick-junit), for the test tab of a CI system: one test suite, one test
//! case per device. A device with changes, drift (a failed `expect:` check) or an error is a
//! failure whose text is the device's part of the text report.

use super::Style;
use crate::plan::{DevicePlan, Kind};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::fmt::{self, Write};

pub struct Builder {
    kind: Kind,
    cases: Vec<TestCase>,
}

impl Builder {
    pub fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            cases: Vec::new(),
        }
    }

    pub fn add(&mut self, d: &DevicePlan) {
        let what = if let Some(e) = &d.error {
            Some(e.kind.as_str())
        } else if self.kind == Kind::Drift && (d.has_changes() || !d.findings.is_empty()) {
            Some("drift")
        } else if d.has_changes() {
            Some("changes")
        } else {
            None
        };
        let status = match what {
            None => TestCaseStatus::success(),
            Some(what) => {
                let mut details = String::new();
                let _ = super::text::device(&mut details, d, Style::default());
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_type(what)
                    .set_message(super::summary_line(d))
                    .set_description(details.trim_end());
                status
            }
        };
        let mut case = TestCase::new(d.device.clone(), status);
        case.set_classname(format!("dhcpform.{}", self.kind.as_str()));
        self.cases.push(case);
    }

    pub fn finish(self, out: &mut dyn Write) -> fmt::Result {
        let name = format!("dhcpform {}", self.kind.as_str());
        let mut suite = TestSuite::new(name.clone());
        suite.add_test_cases(self.cases);
        let mut report = Report::new(name);
        report.add_test_suite(suite);
        let xml = report.to_string().map_err(|_| fmt::Error)?;
        out.write_str(&xml)?;
        if !xml.ends_with('\n') {
            out.write_char('\n')?;
        }
        Ok(())
    }
}
