//! RESP: the request parser and the reply sinks. Knows nothing of commands, keys or clients.

pub mod parse;
pub mod reply;
pub mod value;
pub mod write;
