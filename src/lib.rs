//! carmine: a Redis-compatible in-memory server.
//!
//! Layers, top to bottom (imports point downward only; see ARCHITECTURE.md):
//! `server` (reactor, clients, cron) -> `commands` (dispatch and one module per command group)
//! -> `db` (databases, expiry) -> `types` (values and encodings) -> `util`. `protocol` and
//! `config` are leaves anyone may use.

pub mod commands;
pub mod config;
pub mod db;
pub mod evict;
pub mod info;
pub mod persist;
pub mod protocol;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod tracking;
pub mod types;
pub mod util;

/// The Redis release whose behaviour carmine matches (INFO redis_version).
pub const REDIS_VERSION: &str = "7.0.15";
/// carmine's own version (INFO carmine_version).
pub const CARMINE_VERSION: &str = env!("CARGO_PKG_VERSION");
