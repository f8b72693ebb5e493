//! `dhcpform schema KIND`.

use super::{Exit, Printer};
use crate::cli::SchemaKind;

pub fn run(p: &Printer, kind: SchemaKind) -> Result<Exit, miette::Report> {
    p.outln(&crate::schema::json(kind));
    Ok(Exit::Ok)
}
