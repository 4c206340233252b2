//! Persistence: the append-only file ([`aof`]); the RDB format and fork children live here too
//! (the RDB engineer's modules, merged separately).

pub mod aof;
