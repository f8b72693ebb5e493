//! The `gitlab` format: GitLab's Terraform report (`artifacts:reports:terraform`), which its
//! merge-request widget shows as "N to add, N to change, N to delete".

use crate::plan::Summary;
use std::fmt::{self, Write};

pub fn render(out: &mut dyn Write, s: &Summary) -> fmt::Result {
    writeln!(
        out,
        "{{\"create\": {}, \"update\": {}, \"delete\": {}}}",
        s.create, s.update, s.delete
    )
}
