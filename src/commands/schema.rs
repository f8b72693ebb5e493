//! `dhcpform schema KIND`.

use super::Exit;
use crate::cli::SchemaKind;

pub fn run(kind: SchemaKind) -> Result<Exit, miette::Report> {
    super::outln!("{}", crate::schema::json(kind));
    Ok(Exit::Ok)
}
