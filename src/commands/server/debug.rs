//! Server-group commands: debug.

use crate::commands::Handler;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[];
