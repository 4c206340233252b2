//! Server-group commands: config.

use crate::commands::Handler;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[];
