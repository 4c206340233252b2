//! Server-group commands: misc.

use crate::commands::Handler;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[];
