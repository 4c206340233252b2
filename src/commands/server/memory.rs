//! Server-group commands: memory.

use crate::commands::Handler;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[];
