//! Loading a dataset while the other clients are served: Redis's startLoading / stopLoading,
//! its rio progress callback (rdbLoadProgressCallback) and the `key-load-delay` debug delay.
//!
//! Every load (the RDB or the AOF at start-up, DEBUG RELOAD, DEBUG LOADAOF) runs through a
//! [`Loader`]. While it lives, `core.persist.loading` is set: INFO persistence shows `loading:1`
//! and the `loading_*` figures, and the dispatcher answers `-LOADING` to every command without
//! the `loading` flag. After each key (each command of an AOF) the loader sleeps
//! `key-load-delay` microseconds (a negative value -N sleeps 1 µs once in N keys on average, as
//! Redis's debugDelay), and every `loading-process-events-interval-bytes` of file read (every
//! 1024 commands of an AOF) it serves the other clients once through
//! [`ServerOps::serve_while_busy`], their commands going through the dispatcher as usual. A
//! SHUTDOWN served meanwhile stops the server: the load then fails with [`ABORTED`] and the
//! caller leaves without touching the files (SHUTDOWN never saves during a load).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Core, ServerOps, dispatch};
use crate::db::Databases;
use crate::persist::Loading;
use crate::persist::rdb::load::{LoadInfo, LoadTarget, RdbError};
use crate::protocol::reply::ReplySink;

/// The reply to a command refused while loading (shared.loadingerr).
pub const LOADING_ERR: &str = "LOADING Redis is loading the dataset in memory";

/// The error a load stops with when a SHUTDOWN came in while it was serving clients.
pub const ABORTED: &str = "Loading aborted: the server is shutting down";

/// AOF commands between two serving passes (Redis's loadSingleAppendOnlyFile: every 1024).
pub const AOF_SERVE_EVERY: u64 = 1024;

/// A load in progress; see the module header. Dropping it without [`Loader::finish`] leaves the
/// loading state set (the server is exiting then).
pub struct Loader<'a> {
    /// The server state the load fills.
    pub core: &'a mut Core,
    /// How the other clients are reached.
    server: &'a mut dyn ServerOps,
    /// loading-process-events-interval-bytes.
    interval: u64,
    /// `consumed / interval` when clients were last served, in the current file.
    served_chunk: u64,
    /// Bytes of the files loaded before the current one (AOF), added to its progress.
    pub base: u64,
    /// key-load-delay.
    delay: i64,
    /// State of the generator behind a negative delay.
    rng: u64,
}

impl<'a> Loader<'a> {
    /// Enters the loading state for a load of `total_bytes` (startLoading).
    pub fn start(core: &'a mut Core, server: &'a mut dyn ServerOps, total_bytes: u64) -> Self {
        let now = unix_secs();
        core.persist.loading = Some(Loading {
            start_time: now,
            total_bytes,
            ..Loading::default()
        });
        let interval = config_i64(core, "loading-process-events-interval-bytes").max(1);
        let delay = config_i64(core, "key-load-delay");
        Loader {
            core,
            server,
            interval: u64::try_from(interval).unwrap_or(u64::MAX),
            served_chunk: 0,
            base: 0,
            delay,
            rng: u64::try_from(now).unwrap_or(1) | 1,
        }
    }

    /// Leaves the loading state (stopLoading).
    pub fn finish(self) {
        self.core.persist.loading = None;
    }

    /// Starts the next file of a multi-file load: `done` bytes are behind.
    pub fn next_file(&mut self, done: u64) {
        self.base = done;
        self.served_chunk = 0;
    }

    /// Sleeps `key-load-delay` (Redis's debugDelay), after one key or AOF command.
    pub fn key_delay(&mut self) {
        let usec = if self.delay < 0 {
            // xorshift64: one in |delay| keys sleeps 1 µs.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            u64::from(self.rng.is_multiple_of(self.delay.unsigned_abs()))
        } else {
            self.delay.unsigned_abs()
        };
        if usec > 0 {
            std::thread::sleep(Duration::from_micros(usec));
        }
    }

    /// Serves the other clients if `consumed` bytes of the current file crossed into a new
    /// `loading-process-events-interval-bytes` chunk since the last time.
    pub fn tick(&mut self, consumed: u64) -> Result<(), String> {
        let chunk = consumed / self.interval;
        if chunk <= self.served_chunk {
            return Ok(());
        }
        self.served_chunk = chunk;
        self.serve(consumed)
    }

    /// Records `consumed` bytes of the current file as loaded and serves the other clients
    /// once; `Err(ABORTED)` when a SHUTDOWN came in.
    pub fn serve(&mut self, consumed: u64) -> Result<(), String> {
        if let Some(l) = self.core.persist.loading.as_mut() {
            l.loaded_bytes = self.base.saturating_add(consumed);
        }
        let stopping = self.server.serve_while_busy(self.core, &mut answer_loading);
        if stopping {
            return Err(ABORTED.to_string());
        }
        Ok(())
    }
}

impl LoadTarget for Loader<'_> {
    fn dbs(&mut self) -> &mut Databases {
        &mut self.core.dbs
    }

    fn progress(&mut self, consumed: u64, info: &LoadInfo) -> Result<(), RdbError> {
        // INFO shows the counts of the load in progress (rdbLoadRio updates them per key).
        self.core.persist.last_load_keys_loaded = info.keys;
        self.core.persist.last_load_keys_expired = info.expired_skipped;
        if let (Some(l), Some(m)) = (self.core.persist.loading.as_mut(), info.used_mem) {
            l.rdb_used_mem = u64::try_from(m).unwrap_or(0);
        }
        self.key_delay();
        self.tick(consumed).map_err(RdbError)
    }
}

/// Runs another client's command while loading: the dispatcher's LOADING check refuses those
/// without the `loading` flag, the others run. A SHUTDOWN stops the server through `server`.
fn answer_loading(
    core: &mut Core,
    session: &mut super::Session,
    server: &mut dyn ServerOps,
    argv: &[bytes::Bytes],
    out: &mut dyn ReplySink,
) -> bool {
    let now = crate::server::unix_ms();
    dispatch(core, session, server, out, argv, now);
    core.flush_expired_effects();
    core.effects.events.clear();
    false
}

/// An integer directive's current value (0 if unreadable).
fn config_i64(core: &Core, name: &str) -> i64 {
    core.config
        .value(name)
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The current unix time in seconds.
fn unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, err};
    use crate::protocol::value::Reply;

    #[test]
    fn while_loading_only_commands_with_the_loading_flag_run() {
        let mut h = Harness::new();
        h.core.persist.loading = Some(Loading::default());
        assert_eq!(h.run(&["PING"]), err(LOADING_ERR));
        assert_eq!(h.run(&["SET", "a", "1"]), err(LOADING_ERR));
        assert_eq!(h.run(&["ECHO", "x"]), Reply::bulk("x"));
        assert_eq!(h.run(&["SELECT", "1"]), Reply::simple("OK"));
        // Unknown commands and wrong arities keep their own errors (checked first).
        assert_eq!(
            h.run(&["ECHO"]),
            err("ERR wrong number of arguments for 'echo' command")
        );
        // A refused command dooms the transaction; EXEC of one that queued only flagged
        // commands runs.
        assert_eq!(h.run(&["MULTI"]), Reply::simple("OK"));
        assert_eq!(h.run(&["GET", "a"]), err(LOADING_ERR));
        assert_eq!(
            h.run(&["EXEC"]),
            err("EXECABORT Transaction discarded because of previous errors.")
        );
        assert_eq!(h.run(&["MULTI"]), Reply::simple("OK"));
        assert_eq!(h.run(&["ECHO", "y"]), Reply::simple("QUEUED"));
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![Reply::bulk("y")]));
        // A transaction queued before the load started is refused at EXEC.
        h.core.persist.loading = None;
        assert_eq!(h.run(&["MULTI"]), Reply::simple("OK"));
        assert_eq!(h.run(&["SET", "a", "1"]), Reply::simple("QUEUED"));
        h.core.persist.loading = Some(Loading::default());
        assert_eq!(
            h.run(&["EXEC"]),
            err(&format!(
                "EXECABORT Transaction discarded because of: {}",
                LOADING_ERR
            ))
        );
        h.core.persist.loading = None;
        assert_eq!(h.run(&["PING"]), Reply::simple("PONG"));
    }

    #[test]
    fn info_fields_compute_percent_and_eta_as_redis() {
        let l = Loading {
            start_time: 100,
            total_bytes: 1000,
            rdb_used_mem: 5000,
            loaded_bytes: 250,
        };
        let f = l.info_fields(100);
        assert_eq!(f[4], ("loading_loaded_perc", "25.00".to_string()));
        // No second elapsed yet: a fake 1.
        assert_eq!(f[5], ("loading_eta_seconds", "1".to_string()));
        // 10 s for 250 bytes: 750 left take 10 * 750 / 251 = 29 s.
        assert_eq!(l.info_fields(110)[5].1, "29");
        // Without a file size (replication), used-mem estimates it, capped at 99.99%.
        let l = Loading {
            total_bytes: 0,
            loaded_bytes: 6000,
            ..l
        };
        assert_eq!(l.info_fields(110)[4].1, "99.99");
        assert_eq!(l.info_fields(110)[5].1, "0");
    }
}
