//! Server-group commands: keyspace.

use crate::commands::Handler;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[];
