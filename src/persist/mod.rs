//! Persistence: the append-only file ([`aof`]), the RDB format ([`rdb`]), fork children for background saves ([`child`]), the
//! dataset digest ([`digest`]), and the save state the server keeps between saves
//! ([`SaveState`]) with the file-level save and load ([`save_file`], [`load_file`]).
//!
//! Files are written as Redis writes them: into `temp-<pid>.rdb` in the working directory (the
//! server `chdir`s to `dir`), flushed and fsynced, then renamed over `dbfilename`, so a crash
//! mid-save never leaves a half-written `dump.rdb`. The commands (SAVE, BGSAVE, DUMP, RESTORE,
//! ...) and the cron hooks live in `commands::persist`.

pub mod aof;
pub mod child;
pub mod digest;
pub mod rdb;

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::db::Databases;
use rdb::load::{LoadInfo, LoadOptions, RdbError};
use rdb::write::SaveOptions;

/// Seconds to wait after a failed background save before a save point may retry
/// (CONFIG_BGSAVE_RETRY_DELAY).
pub const BGSAVE_RETRY_DELAY: i64 = 5;

/// What the server remembers about saving (INFO persistence, save points, MISCONF).
#[derive(Debug)]
pub struct SaveState {
    /// The fork child slot (one RDB save or AOF rewrite at a time).
    pub children: child::Children,
    /// `dirty` when the running background save started (subtracted when it succeeds).
    pub dirty_before_bgsave: u64,
    /// Whether the last background save succeeded (`rdb_last_bgsave_status`).
    pub last_bgsave_ok: bool,
    /// Unix seconds of the last background save attempt.
    pub last_bgsave_try: i64,
    /// Seconds the last background save took (-1 before the first).
    pub last_bgsave_time_sec: i64,
    /// A BGSAVE is waiting for the running child to finish (BGSAVE SCHEDULE).
    pub bgsave_scheduled: bool,
    /// Successful saves (`rdb_saves`).
    pub rdb_saves: u64,
    /// Keys loaded by the last load (`rdb_last_load_keys_loaded`).
    pub last_load_keys_loaded: u64,
    /// Expired keys skipped by the last load (`rdb_last_load_keys_expired`).
    pub last_load_keys_expired: u64,
    /// The load in progress (Redis's `server.loading` and the `loading_*` INFO fields).
    pub loading: Option<Loading>,
}

/// A dataset load in progress: while it lasts, other clients get -LOADING for every command
/// without the `loading` flag, and INFO persistence shows these figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loading {
    /// Unix seconds the load started (`loading_start_time`).
    pub start_time: i64,
    /// Bytes of all files to load (`loading_total_bytes`).
    pub total_bytes: u64,
    /// The `used-mem` aux field of the RDB being loaded (`loading_rdb_used_mem`).
    pub rdb_used_mem: u64,
    /// Bytes loaded so far (`loading_loaded_bytes`), updated each time clients are served.
    pub loaded_bytes: u64,
}

impl Loading {
    /// The `loading_*` INFO fields after `loading:1`, computed as Redis's genRedisInfoString
    /// does at unix second `now`: (name, value) in Redis's order.
    pub fn info_fields(&self, now: i64) -> [(&'static str, String); 6] {
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let loaded = self.loaded_bytes as f64;
        let (mut perc, mut remaining) = (0.0, 1i64);
        if self.total_bytes != 0 {
            perc = loaded / self.total_bytes as f64 * 100.0;
            remaining = int(self.total_bytes).saturating_sub(int(self.loaded_bytes));
        } else if self.rdb_used_mem != 0 {
            // used-mem only estimates the file size: never past 99.99%.
            perc = (loaded / self.rdb_used_mem as f64 * 100.0).min(99.99);
            remaining = int(self.rdb_used_mem)
                .saturating_sub(int(self.loaded_bytes))
                .max(1);
        }
        let elapsed = now.saturating_sub(self.start_time);
        let eta = if elapsed == 0 {
            1
        } else {
            elapsed
                .saturating_mul(remaining)
                .checked_div(int(self.loaded_bytes).saturating_add(1))
                .unwrap_or(0)
        };
        [
            ("loading_start_time", self.start_time.to_string()),
            ("loading_total_bytes", self.total_bytes.to_string()),
            ("loading_rdb_used_mem", self.rdb_used_mem.to_string()),
            ("loading_loaded_bytes", self.loaded_bytes.to_string()),
            ("loading_loaded_perc", format!("{perc:.2}")),
            ("loading_eta_seconds", eta.to_string()),
        ]
    }
}

impl Default for SaveState {
    fn default() -> Self {
        SaveState {
            children: child::Children::new(),
            dirty_before_bgsave: 0,
            last_bgsave_ok: true,
            last_bgsave_try: 0,
            last_bgsave_time_sec: -1,
            bgsave_scheduled: false,
            rdb_saves: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            loading: None,
        }
    }
}

/// The temp file a save by process `pid` writes before renaming (Redis's `temp-<pid>.rdb`).
pub fn temp_name(pid: u32) -> PathBuf {
    PathBuf::from(format!("temp-{pid}.rdb"))
}

/// Writes `dbs` as an RDB file at `path` through `temp-<pid>.rdb` + fsync + rename.
pub fn save_file(path: &Path, dbs: &Databases, opts: &SaveOptions) -> io::Result<()> {
    let tmp = temp_name(std::process::id());
    let res = write_then_rename(&tmp, path, dbs, opts);
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

fn write_then_rename(
    tmp: &Path,
    path: &Path,
    dbs: &Databases,
    opts: &SaveOptions,
) -> io::Result<()> {
    let f = File::create(tmp).map_err(|e| {
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        io::Error::new(
            e.kind(),
            format!(
                "Failed opening the temp RDB file {} (in server root dir {cwd}) for saving: {e}",
                tmp.display()
            ),
        )
    })?;
    // The RDB writer buffers (64 KiB) itself.
    let mut f = rdb::write::write_dataset(f, dbs, opts)?;
    f.flush()?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(tmp, path)
}

/// Loads the RDB file at `path` into the target's databases.
pub fn load_file<T: rdb::load::LoadTarget + ?Sized>(
    path: &Path,
    dbs: &mut T,
    opts: &LoadOptions,
) -> Result<LoadInfo, RdbError> {
    let f = File::open(path).map_err(|e| RdbError(format!("{e}")))?;
    // The RDB reader buffers (64 KiB) itself.
    rdb::load::load_dataset(f, dbs, opts)
}
