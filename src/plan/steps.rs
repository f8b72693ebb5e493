//! Platform-neutral steps: what planning decides, in order, before any backend turns it into
//! calls. Each backend lowers steps into its HTTP calls (`Lowering`); planning never names a
//! path or builds a body.

use super::Operation;
use crate::model::f5::F5DhcpServer;
use crate::model::{Pool, Server};

/// One write, in the order it must happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Set the global settings to `to` (ordering steps 1 and 5); the device must still hold
    /// `expect` just before (replace-whole-list writes must not clobber a concurrent edit).
    Server { to: Server, expect: Server },
    /// Delete a pool (step 2: dropped pools and the first half of replacements).
    DeletePool(String),
    /// Replace a pool in place with its whole desired content (step 3).
    UpdatePool(String, Pool),
    /// Create a pool (step 4: new pools and the second half of replacements).
    CreatePool(String, Pool),
    /// Give an F5 XC interface the DHCP server `want`; it holds `expect` now (`None`: none).
    Interface {
        name: String,
        want: F5DhcpServer,
        expect: Option<F5DhcpServer>,
    },
}

/// A backend's translation of steps into its calls.
pub trait Lowering {
    /// The calls, in order, that carry out `steps`.
    fn lower(&self, steps: &[Step]) -> Vec<Operation>;
}
