//! Data types: one module per Redis type, each with its compact and full encodings.
//!
//! Nothing here knows about replies, clients or sockets: operations return typed results and the
//! command layer turns them into replies and errors.

pub mod bits;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod list;
pub mod ranktree;
pub mod set;
pub mod stream;
pub mod string;
pub mod value;
pub mod zset;
