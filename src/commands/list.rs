//! The list command group (being built: see issue 3).

use super::Handler;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[];
