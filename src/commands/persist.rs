//! Persistence commands: SAVE, BGSAVE, DUMP and RESTORE (LASTSAVE, which only reads
//! `Core::lastsave`, is in `server::misc`), and the hooks the server
//! calls for persistence: the cron ([`cron`]: reap the save child, run scheduled saves and save
//! points), the shutdown save ([`shutdown_save`]), the start-up load ([`load_at_startup`]),
//! FLUSHALL's save ([`flushall_save`]) and the MISCONF write guard ([`writes_denied`]).
//!
//! State lives in `Core::persist` (`persist::SaveState`); `Databases::dirty` counts changes
//! since the last successful save, as Redis's `server.dirty`.

use std::path::PathBuf;

use bytes::Bytes;

use crate::commands::args::{arg, parse_i64};
use crate::commands::ctx::flags;
use crate::commands::loading::{self, Loader};
use crate::commands::{CmdError, Core, Ctx, Handler, ServerOps};
use crate::config::NOTIFY_GENERIC;
use crate::db::Entry;
use crate::persist::child::{ChildKind, Finished};
use crate::persist::rdb::load::{self, LoadOptions, PayloadError};
use crate::persist::rdb::write::{self, SaveOptions};
use crate::persist::{self, BGSAVE_RETRY_DELAY};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("save", save),
    ("bgsave", bgsave),
    ("dump", dump),
    ("restore", restore),
];

/// The -MISCONF error write commands get after a failed background save.
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently \
unable to persist to disk. Commands that may modify the data set are disabled, because this \
instance is configured to report errors during writes if RDB snapshotting fails \
(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB \
error.";

/// Whether write commands (and PING) are refused with -MISCONF: stop-writes-on-bgsave-error
/// is on, save points exist and the last background save failed.
pub fn writes_denied(core: &Core) -> bool {
    core.config.stop_writes_on_bgsave_error
        && !core.config.save.is_empty()
        && !core.persist.last_bgsave_ok
}

fn rdb_path(core: &Core) -> PathBuf {
    PathBuf::from(&core.config.dbfilename)
}

fn save_options(core: &Core, now_ms: i64) -> SaveOptions {
    let mut opts = SaveOptions::from_config(&core.config, now_ms);
    opts.functions = crate::commands::scripting::library_codes(core);
    opts
}

/// Saves the dataset now, in the foreground (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD); on
/// success resets the change counter and the last-save time as Redis's rdbSave does.
pub fn save_now(core: &mut Core, now_ms: i64) -> Result<(), String> {
    let opts = save_options(core, now_ms);
    match persist::save_file(&rdb_path(core), &core.dbs, &opts) {
        Ok(()) => {
            tracing::info!("DB saved on disk");
            core.dbs.dirty = 0;
            core.lastsave = now_ms / 1000;
            core.persist.last_bgsave_ok = true;
            core.persist.rdb_saves += 1;
            Ok(())
        }
        Err(e) => {
            tracing::warn!("Write error saving DB on disk: {e}");
            Err(e.to_string())
        }
    }
}

/// Forks a child that writes the RDB file (BGSAVE, save points).
pub fn bgsave_start(core: &mut Core, now_ms: i64) -> Result<i32, String> {
    let opts = save_options(core, now_ms);
    let path = rdb_path(core);
    core.persist.dirty_before_bgsave = core.dbs.dirty;
    core.persist.last_bgsave_try = now_ms / 1000;
    let dbs = &core.dbs;
    let res = core.persist.children.spawn(ChildKind::Rdb, || {
        persist::save_file(&path, dbs, &opts).is_ok()
    });
    match res {
        Ok(pid) => {
            tracing::info!("Background saving started by pid {pid}");
            Ok(pid)
        }
        Err(e) => {
            core.persist.last_bgsave_ok = false;
            tracing::warn!("Can't save in background: fork: {e}");
            Err(e.to_string())
        }
    }
}

/// Records how a background save ended (Redis's backgroundSaveDoneHandler).
fn bgsave_done(core: &mut Core, f: &Finished, now_ms: i64) {
    let secs = i64::try_from(f.elapsed.as_secs()).unwrap_or(i64::MAX);
    core.persist.last_bgsave_time_sec = secs;
    if f.ok() {
        tracing::info!("Background saving terminated with success");
        core.dbs.dirty = core
            .dbs
            .dirty
            .saturating_sub(core.persist.dirty_before_bgsave);
        core.lastsave = now_ms / 1000;
        core.persist.last_bgsave_ok = true;
        core.persist.rdb_saves += 1;
    } else if let Some(sig) = f.signal {
        tracing::warn!("Background saving terminated by signal {sig}");
        if !f.killed_on_purpose() {
            core.persist.last_bgsave_ok = false;
        }
    } else {
        tracing::warn!("Background saving error");
        core.persist.last_bgsave_ok = false;
    }
}

/// Stops a running background save (FLUSHALL, SHUTDOWN, DEBUG RELOAD) and removes its temp
/// file.
pub fn kill_rdb_child(core: &mut Core, now_ms: i64) {
    if core.persist.children.active() != Some(ChildKind::Rdb) {
        return;
    }
    let pid = core.persist.children.pid();
    if let Some(f) = core.persist.children.kill() {
        bgsave_done(core, &f, now_ms);
    }
    if let Some(pid) = pid.and_then(|p| u32::try_from(p).ok()) {
        let _ = std::fs::remove_file(persist::temp_name(pid));
    }
}

/// The persistence part of the server cron: reaps a finished child (an AOF rewrite child is
/// handed back to the caller), then starts a scheduled BGSAVE or one a save point asks for.
pub fn cron(core: &mut Core, now_ms: i64) -> Option<Finished> {
    let mut other = None;
    let pid = core.persist.children.pid();
    if let Some(f) = core.persist.children.reap() {
        match f.kind {
            ChildKind::Rdb => {
                if !f.ok()
                    && let Some(pid) = pid.and_then(|p| u32::try_from(p).ok())
                {
                    let _ = std::fs::remove_file(persist::temp_name(pid));
                }
                bgsave_done(core, &f, now_ms);
            }
            ChildKind::Aof => other = Some(f),
        }
    }
    if core.persist.children.active().is_some() {
        return other;
    }
    let now = now_ms / 1000;
    let may_retry =
        now - core.persist.last_bgsave_try > BGSAVE_RETRY_DELAY || core.persist.last_bgsave_ok;
    if core.persist.bgsave_scheduled && may_retry {
        core.persist.bgsave_scheduled = false;
        let _ = bgsave_start(core, now_ms);
        return other;
    }
    let dirty = core.dbs.dirty;
    let since = now - core.lastsave;
    let due = core.config.save.iter().find(|&&(secs, changes)| {
        dirty >= changes && since > i64::try_from(secs).unwrap_or(i64::MAX)
    });
    if let Some(&(secs, changes)) = due
        && may_retry
    {
        tracing::info!("{changes} changes in {secs} seconds. Saving...");
        let _ = bgsave_start(core, now_ms);
    }
    other
}

/// The save SHUTDOWN (and SIGTERM) does: stops a background save, then saves if asked to or
/// if save points exist and NOSAVE was not given.
pub fn shutdown_save(core: &mut Core, save: bool, nosave: bool, now_ms: i64) -> Result<(), String> {
    kill_rdb_child(core, now_ms);
    if save || (!core.config.save.is_empty() && !nosave) {
        tracing::info!("Saving the final RDB snapshot before exiting.");
        save_now(core, now_ms).inspect_err(|_| {
            tracing::warn!("Error trying to save the DB, can't exit.");
        })?;
    }
    Ok(())
}

/// FLUSHALL's persistence step (Redis 7.0's flushAllDataAndResetRDB): stop a background save
/// and, when save points exist, save the now empty dataset, which resets the change counter
/// (INFO shows 0 changes after FLUSHALL then, as in Redis 7.0.15).
pub fn flushall_save(core: &mut Core, now_ms: i64) {
    kill_rdb_child(core, now_ms);
    if !core.config.save.is_empty() {
        let _ = save_now(core, now_ms);
    }
}

/// Loads `dbfilename` at start-up if it exists, serving clients through `server` meanwhile
/// (see `commands::loading`); `Err` is the fatal message to log before exiting, or
/// `loading::ABORTED` when a SHUTDOWN came in during the load.
pub fn load_at_startup(core: &mut Core, server: &mut dyn ServerOps) -> Result<(), String> {
    let path = rdb_path(core);
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(());
    };
    let start = std::time::Instant::now();
    let mut loader = Loader::start(core, server, meta.len());
    let opts = load_options(loader.core);
    let loaded = persist::load_file(&path, &mut loader, &opts);
    let core = &mut *loader.core;
    match loaded {
        Ok(info) => {
            crate::commands::scripting::load_libraries(core, &info.functions, false)
                .map_err(|e| format!("Failed loading library: {e}"))?;
            core.persist.last_load_keys_loaded = info.keys;
            core.persist.last_load_keys_expired = info.expired_skipped;
            if let Some(v) = &info.redis_ver {
                tracing::info!("Loading RDB produced by version {v}");
            }
            tracing::info!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                info.keys,
                info.expired_skipped
            );
            tracing::info!(
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            );
            loader.finish();
            Ok(())
        }
        Err(e) if e.0 == loading::ABORTED => Err(e.0),
        Err(e) => Err(format!("Fatal error loading the DB: {e}. Exiting.")),
    }
}

/// How this server loads a whole RDB file now: the config's, with the checksum skipped under
/// DEBUG SET-SKIP-CHECKSUM-VALIDATION as in Redis's rdbLoadRio.
pub fn load_options(core: &Core) -> LoadOptions {
    let mut opts = LoadOptions::from_config(&core.config, crate::server::unix_ms());
    opts.verify_checksum &= !core.debug.skip_checksum;
    opts
}

/// SAVE: writes the RDB file in the foreground.
fn save(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.core.persist.children.active() == Some(ChildKind::Rdb) {
        return Err(CmdError::Static("ERR Background save already in progress"));
    }
    let now = ctx.now_ms;
    match save_now(ctx.core, now) {
        Ok(()) => {
            ctx.reply.ok();
            Ok(())
        }
        Err(_) => Err(CmdError::Static("ERR")),
    }
}

/// BGSAVE [SCHEDULE]: forks a child that writes the RDB file.
fn bgsave(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let schedule = match argv.len() {
        1 => false,
        2 if arg(argv, 1).eq_ignore_ascii_case(b"schedule") => true,
        _ => return Err(CmdError::Syntax),
    };
    let in_exec = ctx.session.has(flags::IN_EXEC);
    match ctx.core.persist.children.active() {
        Some(ChildKind::Rdb) => Err(CmdError::Static("ERR Background save already in progress")),
        Some(_) if !schedule && !in_exec => Err(CmdError::Static(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE \
             SCHEDULE in order to schedule a BGSAVE whenever possible.",
        )),
        Some(_) => {
            ctx.core.persist.bgsave_scheduled = true;
            ctx.reply.simple(b"Background saving scheduled");
            Ok(())
        }
        None if in_exec => {
            ctx.core.persist.bgsave_scheduled = true;
            ctx.reply.simple(b"Background saving scheduled");
            Ok(())
        }
        None => {
            let now = ctx.now_ms;
            match bgsave_start(ctx.core, now) {
                Ok(_) => {
                    ctx.reply.simple(b"Background saving started");
                    Ok(())
                }
                Err(_) => Err(CmdError::Static("ERR")),
            }
        }
    }
}

/// DUMP key: the value serialised as RESTORE takes it, or nil.
fn dump(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let compress = ctx.core.config.rdbcompression;
    match ctx.lookup_read(arg(argv, 1)) {
        Some(e) => {
            let payload = write::dump_payload(&e.value, compress);
            ctx.reply.bulk(&payload);
        }
        None => ctx.reply.null(),
    }
    Ok(())
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].
fn restore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let a = arg(argv, j);
        let more = argv.len() - j - 1;
        if a.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if a.eq_ignore_ascii_case(b"absttl") {
            absttl = true;
        } else if a.eq_ignore_ascii_case(b"idletime") && more >= 1 && freq.is_none() {
            let v = parse_i64(arg(argv, j + 1))?;
            if v < 0 {
                return Err(CmdError::Static("ERR Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if a.eq_ignore_ascii_case(b"freq") && more >= 1 && idle.is_none() {
            let v = parse_i64(arg(argv, j + 1))?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::Static(
                    "ERR Invalid FREQ value, must be >= 0 and <= 255",
                ));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let key = arg(argv, 1);
    if !replace && ctx.exists_for_write(key) {
        return Err(CmdError::BusyKey);
    }
    let ttl = parse_i64(arg(argv, 2))?;
    if ttl < 0 {
        return Err(CmdError::Static("ERR Invalid TTL value, must be >= 0"));
    }
    let payload = arg(argv, 3);
    if load::verify_payload(payload, ctx.core.debug.skip_checksum).is_err() {
        return Err(CmdError::Static(
            "ERR DUMP payload version or checksum are wrong",
        ));
    }
    let limits = load::Limits::from_config(&ctx.core.config);
    let value = match load::payload_value(payload, &limits) {
        Ok(v) => v,
        Err(PayloadError::BadData | PayloadError::VersionOrChecksum) => {
            return Err(CmdError::Static("ERR Bad data format"));
        }
    };
    let db = ctx.db();
    let deleted = replace && ctx.core.dbs.delete(db, key, false);
    let mut when = ttl;
    if ttl != 0 && !absttl {
        when = ttl.saturating_add(ctx.now_ms);
    }
    if ttl != 0 && when <= ctx.now_ms {
        // Already expired: the key is not created (and the old one, if replaced, is gone).
        if deleted {
            ctx.propagate(vec![
                Bytes::from_static(b"DEL"),
                argv.get(1).cloned().unwrap_or_default(),
            ]);
            ctx.touched(key);
            ctx.notify(NOTIFY_GENERIC, "del", key);
        }
        ctx.reply.ok();
        return Ok(());
    }
    let lfu_policy = LoadOptions::from_config(&ctx.core.config, ctx.now_ms).lfu_policy;
    let mut entry = Entry::new(value, ctx.now_ms);
    load::set_access(
        &mut entry,
        idle.and_then(|v| u64::try_from(v).ok()),
        freq.and_then(|v| u8::try_from(v).ok()),
        lfu_policy,
        ctx.now_ms,
    );
    let expire = (ttl != 0).then_some(when);
    if let Some(d) = ctx.core.dbs.db_mut(db) {
        d.insert_entry(key, entry, expire);
    }
    if ttl != 0 && !absttl {
        let mut out = argv.to_vec();
        if let Some(t) = out.get_mut(2) {
            *t = Bytes::from(when.to_string());
        }
        out.push(Bytes::from_static(b"ABSTTL"));
        ctx.propagate(out);
    }
    ctx.touched(key);
    ctx.notify(NOTIFY_GENERIC, "restore", key);
    ctx.reply.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn dump(h: &mut Harness, key: &str) -> Vec<u8> {
        match h.run(&["DUMP", key]) {
            Reply::Bulk(b) => b.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    fn restore(h: &mut Harness, words: &[&str], payload: &[u8]) -> Reply {
        let mut argv: Vec<bytes::Bytes> = words
            .iter()
            .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        argv.insert(3, bytes::Bytes::copy_from_slice(payload));
        h.run_argv(&argv)
    }

    #[test]
    fn restore_with_a_relative_ttl_propagates_an_absolute_one() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        h.run(&["RPUSH", "l", "a", "b"]);
        let p = dump(&mut h, "l");
        h.core.effects.propagating = true;
        h.take_propagated();
        assert_eq!(
            restore(&mut h, &["RESTORE", "k", "5000"], &p),
            Reply::Simple("OK".into())
        );
        let when = (h.now_ms + 5000).to_string();
        let prop = h.take_propagated_argv();
        let last = prop.last().unwrap();
        assert_eq!(last.first().map(String::as_str), Some("RESTORE"));
        assert_eq!(last.get(2), Some(&when));
        assert_eq!(last.last().map(String::as_str), Some("ABSTTL"));
        assert!(h.take_events().contains(&"restore k".to_string()));
        assert_eq!(
            h.run(&["LRANGE", "k", "0", "-1"]),
            Reply::Array(vec![bulk("a"), bulk("b")])
        );
        assert_eq!(
            restore(&mut h, &["RESTORE", "k", "0"], &p),
            err("BUSYKEY Target key name already exists.")
        );
    }

    #[test]
    fn restore_of_an_expired_ttl_deletes_the_replaced_key() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let p = dump(&mut h, "k");
        h.core.effects.propagating = true;
        h.take_propagated();
        assert_eq!(
            restore(&mut h, &["RESTORE", "k", "1", "ABSTTL", "REPLACE"], &p),
            Reply::Simple("OK".into())
        );
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Int(0));
        assert_eq!(h.take_propagated(), vec!["DEL k".to_string()]);
    }

    #[test]
    fn bgsave_inside_multi_is_scheduled_and_skip_checksum_is_honoured() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        h.run(&["BGSAVE"]);
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![Reply::Simple("Background saving scheduled".into())])
        );
        assert!(h.core.persist.bgsave_scheduled);
        h.run(&["SET", "k", "v"]);
        let mut p = dump(&mut h, "k");
        let n = p.len();
        p[n - 1] ^= 0xFF;
        assert_eq!(
            restore(&mut h, &["RESTORE", "k2", "0"], &p),
            err("ERR DUMP payload version or checksum are wrong")
        );
        h.core.debug.skip_checksum = true;
        assert_eq!(
            restore(&mut h, &["RESTORE", "k2", "0"], &p),
            Reply::Simple("OK".into())
        );
    }
}
