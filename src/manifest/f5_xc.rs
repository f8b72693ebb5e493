//! The `f5-xc` desired-state file: only `expect:` checks today (the leases API is read-only).

use super::ios_xe::{ExpectIn, lower_expect};
use super::lower::Lowerer;
use super::{Diags, SourceFile};
use crate::model::Expect;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("patternProperties" = {"^x-": {}}))]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
/// Expectations on the DHCP leases of one F5 Distributed Cloud site.
pub struct F5XcFile {
    pub expect: Option<ExpectIn>,
}

pub fn load(file: &SourceFile, diags: &mut Diags) -> Option<Expect> {
    let parsed: F5XcFile = file.parse(diags)?;
    let mut lw = Lowerer::new(file, diags);
    Some(
        parsed
            .expect
            .as_ref()
            .map(|e| lower_expect(&mut lw, e))
            .unwrap_or_default(),
    )
}
