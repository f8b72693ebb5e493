//! Exit codes: the values the process returns and their table, which `--help`, the reference
//! and the man pages show (one place, used by the CLI definitions and the docs).

/// Process exit codes (0 success, 1 error, 2 pending, 3 partial, 4 blocked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Pending = 2,
    Partial = 3,
    Blocked = 4,
}

/// Exit codes, shown by `--help` and in the reference.
pub const EXIT_CODES: &str = "Exit codes:
  0  success, nothing pending
  1  error, nothing written (usage errors too; a cancelled confirmation)
  2  changes pending (`plan --detailed-exitcode`) or drift found (`drift`)
  3  apply wrote some calls, then failed, was interrupted or did not converge
  4  blocked by a safety gate (`plan --detailed-exitcode`, `apply`) or a stale saved plan;
     nothing written on that device";
