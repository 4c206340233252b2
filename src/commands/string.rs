//! The string command group.

use super::Handler;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[];
