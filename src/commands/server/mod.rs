//! The server command group, split by container command: keyspace-wide commands (DBSIZE,
//! FLUSH*, SWAPDB), CLIENT, admin (MONITOR, SHUTDOWN), INFO, CONFIG, SLOWLOG, LATENCY, DEBUG,
//! MEMORY, and the small ones (TIME, LOLWUT).

pub mod admin;
pub mod client;
pub mod config;
pub mod debug;
pub mod info;
pub mod keyspace;
pub mod latency;
pub mod memory;
pub mod misc;
pub mod slowlog;
