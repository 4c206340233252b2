//! The AOF's life cycle: loading at start-up, feeding propagated commands, the write and fsync
//! policy, rewrites (BGREWRITEAOF, automatic, scheduled), turning it on and off at run time
//! (CONFIG SET appendonly), DEBUG LOADAOF and the INFO persistence `aof_*` fields.
//!
//! State: [`AofState`] in `Core::aof`. `aof` is `Some` while appendonly is on, including the
//! wait for the first rewrite after CONFIG SET appendonly yes (Redis's AOF_WAIT_REWRITE: the
//! commands then go to `temp-<appendfilename>.incr`, which is not in the manifest and becomes
//! the first incremental file when the rewrite succeeds). The file format lives in
//! `persist::aof`; the server calls [`feed`] after every command, [`flush`] before replies
//! leave (it runs the background fsync of appendfsync everysec) and [`cron`].
//!
//! Loading runs each command through the dispatcher as a client of its own (Redis's fake AOF
//! client), with propagation off so nothing loaded is appended again, inside a
//! `commands::loading::Loader` (-LOADING to the other clients, served every 1024 commands).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::Bytes;

use super::ctx::{ClientInfo, ShutdownOpts, flags};
use super::loading::{self, Loader};
use super::{CmdError, Core, Ctx, Handler, ServerOps, Session, dispatch};
use crate::config::AppendFsync;
use crate::db::Databases;
use crate::persist::aof::{self, Aof, CommandReader, Manifest, ReadError};
use crate::persist::child::{ChildKind, Finished};
use crate::persist::rdb::load::load_dataset;
use crate::persist::rdb::write::{SaveOptions, write_dataset};
use crate::protocol::reply::ReplySink;
use crate::protocol::value::ValueSink;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[("bgrewriteaof", bgrewriteaof)];

/// What the server keeps about the AOF between commands.
#[derive(Debug)]
pub struct AofState {
    /// The open AOF while appendonly is on.
    pub aof: Option<Aof>,
    /// Turned on at run time and waiting for the rewrite that writes its first base.
    pub wait_rewrite: bool,
    /// A rewrite asked for while another child ran (aof_rewrite_scheduled).
    pub rewrite_scheduled: bool,
    /// The rewrite in progress.
    pub rewrite: Option<Rewrite>,
    /// Rewrites that succeeded (aof_rewrites).
    pub rewrites: u64,
    /// Failed rewrites since the last success (aof_rewrites_consecutive_failures).
    pub consecutive_failures: u64,
    /// Whether the last rewrite succeeded (aof_last_bgrewrite_status).
    pub last_rewrite_ok: bool,
    /// Seconds the last rewrite took, -1 before the first (aof_last_rewrite_time_sec).
    pub last_rewrite_secs: i64,
    /// When the last fsync was handed out (appendfsync everysec).
    pub last_fsync: Option<Instant>,
    /// no-appendfsync-on-rewrite (copied by `Core::sync_config`).
    pub no_fsync_on_rewrite: bool,
    /// Where the AOF directory is instead of `appenddirname` (harness tests, which cannot
    /// change the process's working directory).
    pub dir_override: Option<PathBuf>,
}

impl Default for AofState {
    fn default() -> Self {
        AofState {
            aof: None,
            wait_rewrite: false,
            rewrite_scheduled: false,
            rewrite: None,
            rewrites: 0,
            consecutive_failures: 0,
            last_rewrite_ok: true,
            last_rewrite_secs: -1,
            last_fsync: None,
            no_fsync_on_rewrite: false,
            dir_override: None,
        }
    }
}

/// A rewrite in progress: the child writes `temp` (a file in the AOF directory).
#[derive(Debug, Clone)]
pub struct Rewrite {
    /// When it started.
    pub started: Instant,
    /// The temporary base file name.
    pub temp: String,
    /// Whether the base is an RDB (aof-use-rdb-preamble) or commands.
    pub rdb: bool,
}

/// The AOF directory: `appenddirname` in the working directory (the server runs in `dir`),
/// or the directory a test put in its place.
fn aof_dir(core: &Core) -> PathBuf {
    match &core.aof.dir_override {
        Some(d) => d.clone(),
        None => PathBuf::from(&core.config.appenddirname),
    }
}

/// Start-up with appendonly yes: loads the AOF the manifest describes (upgrading an old
/// single-file `appendonly.aof` first), then creates the directory, a base and an incremental
/// file as needed and opens the incremental file for appending. Clients are served through
/// `server` during the load (see `commands::loading`). The error is the log line Redis exits
/// with, or `loading::ABORTED` when a SHUTDOWN came in during the load.
pub fn start(core: &mut Core, server: &mut dyn ServerOps) -> Result<(), String> {
    let filename = core.config.appendfilename.clone();
    let dir = aof_dir(core);
    let manifest = match aof::read_manifest(&dir, &filename)? {
        Some(m) => m,
        None => upgrade_old_aof(&dir, &filename)?,
    };
    load(core, server, &dir, &manifest)?;
    fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't create AOF directory {}: {e}", dir.display()))?;
    let mut a = Aof::new(dir, &filename, manifest);
    if a.manifest.base.is_none() && a.manifest.incrs.is_empty() {
        let rdb = base_is_rdb(core);
        let name = a.manifest.new_base(&filename, rdb);
        write_base_file(&core.dbs, &base_options(core), &a.path(&name), rdb)
            .map_err(|e| format!("Can't create AOF base file {name}: {e}"))?;
        tracing::info!("Creating AOF base file {name} on server start");
    }
    let incr = match a.manifest.incrs.last() {
        Some(f) => f.name.clone(),
        None => {
            let n = a.manifest.new_incr(&filename);
            tracing::info!("Creating AOF incr file {n} on server start");
            n
        }
    };
    a.open_incr(&incr)
        .map_err(|e| format!("Can't open the append-only file {incr}: {e}"))?;
    aof::persist_manifest(&a.dir, &filename, &a.manifest)
        .map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    delete_history(&mut a);
    a.measure();
    a.rewrite_base_size = a.current_size;
    core.aof.aof = Some(a);
    core.effects.propagating = true;
    Ok(())
}

/// Moves a pre-7.0 `appendonly.aof` (in the working directory) into the AOF directory as its
/// base file, as Redis's aofUpgradePrepare does; an empty manifest when there is none.
fn upgrade_old_aof(dir: &Path, filename: &str) -> Result<Manifest, String> {
    let old = Path::new(filename);
    if !old.is_file() {
        return Ok(Manifest::default());
    }
    fs::create_dir_all(dir).map_err(|e| format!("Can't create AOF directory: {e}"))?;
    let m = Manifest {
        base: Some(aof::AofFile {
            name: filename.to_string(),
            seq: 1,
            kind: aof::FileKind::Base,
        }),
        base_seq: 1,
        ..Manifest::default()
    };
    fs::rename(old, dir.join(filename))
        .map_err(|e| format!("Error trying to rename the old AOF file {filename}: {e}"))?;
    aof::persist_manifest(dir, filename, &m)
        .map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    tracing::info!("Successfully migrated an old-style AOF into the AOF directory");
    Ok(m)
}

/// Loads every file of `manifest` (base, then the incremental files) into the databases, in
/// the loading state for their total size (serving clients through `server`).
fn load(
    core: &mut Core,
    server: &mut dyn ServerOps,
    dir: &Path,
    manifest: &Manifest,
) -> Result<(), String> {
    let files: Vec<&aof::AofFile> = manifest.base.iter().chain(&manifest.incrs).collect();
    if files.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let total: u64 = files
        .iter()
        .filter_map(|f| fs::metadata(dir.join(&f.name)).ok())
        .map(|m| m.len())
        .sum();
    let propagating = std::mem::replace(&mut core.effects.propagating, false);
    let mut loader = Loader::start(core, server, total);
    let mut res = Ok(());
    let mut done = 0u64;
    for (i, f) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let t = Instant::now();
        let path = dir.join(&f.name);
        loader.next_file(done);
        res = load_file(&mut loader, &path, &f.name, last);
        done = done.saturating_add(fs::metadata(&path).map_or(0, |m| m.len()));
        if res.is_err() {
            break;
        }
        let kind = if f.kind == aof::FileKind::Base {
            "base"
        } else {
            "incr"
        };
        tracing::info!(
            "DB loaded from {kind} file {}: {:.3} seconds",
            f.name,
            t.elapsed().as_secs_f64()
        );
    }
    if res.as_ref().is_err_and(|e| e == loading::ABORTED) {
        return res;
    }
    if let Some(l) = loader.core.persist.loading.as_mut() {
        l.loaded_bytes = done;
    }
    let core = &mut *loader.core;
    core.effects.propagating = propagating;
    core.effects.pending.clear();
    core.effects.propagated.clear();
    core.effects.events.clear();
    let _ = core.dbs.take_expired();
    core.dbs.dirty = 0;
    loader.finish();
    res?;
    tracing::info!(
        "DB loaded from append only file: {:.3} seconds",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Loads one file: an optional RDB preamble, then commands. A truncated tail of the last file
/// is cut off when aof-load-truncated allows it; anything else wrong is fatal. Sleeps
/// `key-load-delay` after each command and serves clients every 1024 commands.
fn load_file(loader: &mut Loader<'_>, path: &Path, name: &str, last: bool) -> Result<(), String> {
    let data = match fs::read(path) {
        Ok(d) => Bytes::from(d),
        Err(e) => {
            return Err(format!(
                "Fatal error: can't open the append log file {name} for reading: {e}"
            ));
        }
    };
    if data.is_empty() {
        return Ok(());
    }
    let start = if data.starts_with(b"REDIS") {
        load_rdb_preamble(loader, &data, name)?
    } else {
        0
    };
    let bad_format = || {
        format!(
            "Bad file format reading the append only file {name}: make a backup of your AOF \
             file, then use ./redis-check-aof --fix <filename.manifest>"
        )
    };
    let mut session = Session::new(u64::MAX, true);
    session.flags |= flags::DENY_BLOCKING;
    let mut ops = LoaderOps;
    let mut reader = CommandReader::new(data, start);
    let now = crate::server::unix_ms();
    let mut loops = 0u64;
    loop {
        if loops.is_multiple_of(loading::AOF_SERVE_EVERY) {
            loader.serve(reader.valid_up_to as u64)?;
        }
        loops += 1;
        let Some(next) = reader.next_command() else {
            break;
        };
        let core = &mut *loader.core;
        match next {
            Ok(argv) => {
                let cmd = argv.first().map(|a| a.as_ref()).unwrap_or_default();
                if core.registry.find(cmd).is_none() {
                    return Err(format!(
                        "Unknown command '{}' reading the append only file {name}",
                        String::from_utf8_lossy(cmd)
                    ));
                }
                let mut sink = ValueSink::new(session.proto);
                // The AOF client's commands run as Redis runs them (straight to the command,
                // past processCommand): not refused by the loading state.
                let loading = core.persist.loading.take();
                dispatch(core, &mut session, &mut ops, &mut sink, &argv, now);
                core.persist.loading = loading;
                session.block = None;
                core.flush_expired_effects();
                core.effects.events.clear();
                loader.key_delay();
            }
            Err(ReadError::BadFormat) => return Err(bad_format()),
            Err(ReadError::Truncated) => {
                if !last {
                    return Err(format!(
                        "Fatal error: the truncated file is not the last file ({name})"
                    ));
                }
                if !core.config.aof_load_truncated {
                    return Err(format!(
                        "Unexpected end of file reading the append only file {name}. You can: \
                         1) Make a backup of your AOF file, then use ./redis-check-aof --fix \
                         <filename.manifest>. 2) Alternatively you can set the \
                         'aof-load-truncated' configuration option to yes and restart the server."
                    ));
                }
                tracing::warn!("!!! Warning: short read while loading the AOF file {name}!!!");
                tracing::warn!(
                    "!!! Truncating the AOF {name} at offset {} !!!",
                    reader.valid_up_to
                );
                let cut = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|f| f.set_len(reader.valid_up_to as u64));
                if let Err(e) = cut {
                    return Err(format!("Error truncating the AOF file {name}: {e}"));
                }
                tracing::warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
                break;
            }
        }
    }
    Ok(())
}

/// Loads the RDB at the start of an AOF file; returns where the commands after it begin.
fn load_rdb_preamble(loader: &mut Loader<'_>, data: &Bytes, name: &str) -> Result<usize, String> {
    tracing::info!("Reading RDB base file on AOF loading...");
    let opts = super::persist::load_options(loader.core);
    let mut rest: &[u8] = data;
    let loaded = load_dataset(&mut rest, loader, &opts);
    let core = &mut *loader.core;
    match loaded {
        Ok(info) => {
            crate::commands::scripting::load_libraries(core, &info.functions, false)
                .map_err(|e| format!("Failed loading library from the RDB base: {e}"))?;
            if let Some(v) = &info.redis_ver {
                tracing::info!("Loading RDB produced by version {v}");
            }
            tracing::info!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                info.keys,
                info.expired_skipped
            );
            Ok(data.len() - rest.len())
        }
        Err(e) if e.0 == loading::ABORTED => Err(e.0),
        Err(e) => {
            tracing::warn!("{e}");
            Err(format!(
                "Error reading the RDB base file {name}, AOF loading aborted"
            ))
        }
    }
}

/// Whether new base files are RDB snapshots (aof-use-rdb-preamble).
fn base_is_rdb(core: &Core) -> bool {
    core.config.aof_use_rdb_preamble
}

/// Writes a base file for `dbs` to `path` (an RDB with the `aof-base` aux field, or commands)
/// and fsyncs it.
fn write_base_file(dbs: &Databases, opts: &SaveOptions, path: &Path, rdb: bool) -> io::Result<()> {
    let f = File::create(path)?;
    let w = BufWriter::with_capacity(64 * 1024, f);
    let w = if rdb {
        write_dataset(w, dbs, opts)?
    } else {
        let mut w = w;
        aof::write_commands_base(dbs, &opts.functions, &mut w)?;
        w
    };
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()
}

/// Save options for a base file written now.
fn base_options(core: &Core) -> SaveOptions {
    let mut opts = SaveOptions::from_config(&core.config, crate::server::unix_ms());
    opts.aof_base = true;
    opts.functions = crate::commands::scripting::library_codes(core);
    opts
}

/// Appends the commands propagated since the last call to the AOF buffer (drops them when the
/// AOF is off).
pub fn feed(core: &mut Core) {
    // Turned on but its first rewrite has not started (another child runs): the base it will
    // write holds these changes, so nothing is buffered (Redis's AOF_WAIT_REWRITE).
    let waiting = core.aof.wait_rewrite && core.aof.rewrite.is_none();
    match core.aof.aof.as_mut() {
        Some(a) if !waiting => {
            for (db, argv) in core.effects.propagated.drain(..) {
                a.feed(db, &argv);
            }
            crate::evict::set_aof_buffered(a.buf.capacity());
        }
        _ => {
            core.effects.propagated.clear();
            crate::evict::set_aof_buffered(0);
        }
    }
}

/// Writes the AOF buffer and fsyncs per appendfsync: at once for `always`; for `everysec` it
/// returns a handle on the file when a second has passed since the last fsync, for the caller
/// to fsync on a background thread. Runs before replies are written, so under `always` no
/// reply leaves before its command is on disk.
pub fn flush(core: &mut Core) -> Option<File> {
    let policy = core.config.appendfsync;
    let a = core.aof.aof.as_mut()?;
    if a.buf.is_empty() && !a.unsynced {
        return None;
    }
    let state = &mut core.aof;
    let a = state.aof.as_mut()?;
    let failed_before = !a.last_write_ok;
    if let Err(e) = a.write_buf() {
        if policy == AppendFsync::Always {
            // The reply of a command that may not be on disk must never leave.
            tracing::warn!(
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. \
                 Exiting..."
            );
            std::process::exit(1);
        }
        tracing::warn!("Error writing to the AOF file: {}", aof::strerror(&e));
        return None;
    }
    crate::evict::set_aof_buffered(a.buf.capacity());
    if failed_before {
        tracing::warn!("AOF write error looks solved, Redis can write again.");
    }
    // no-appendfsync-on-rewrite: no fsync while a child writes to the same disk.
    if state.no_fsync_on_rewrite && core.persist.children.active().is_some() {
        return None;
    }
    match policy {
        AppendFsync::Always => {
            if a.unsynced
                && let Err(e) = a.fsync()
            {
                tracing::warn!(
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': \
                     {e}."
                );
            }
            None
        }
        AppendFsync::Everysec => {
            let due = state
                .last_fsync
                .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
            if a.unsynced && due {
                state.last_fsync = Some(Instant::now());
                a.unsynced = false;
                a.file_handle()
            } else {
                None
            }
        }
        AppendFsync::No => None,
    }
}

/// The AOF part of the cron: a scheduled rewrite starts once nothing else runs, and an
/// automatic one when the file grew past auto-aof-rewrite-percentage (and -min-size).
pub fn cron(core: &mut Core) {
    if core.aof.rewrite.is_some() {
        return;
    }
    if core.persist.children.active().is_some() {
        return;
    }
    if core.aof.rewrite_scheduled {
        core.aof.rewrite_scheduled = false;
        if let Err(e) = start_rewrite(core) {
            tracing::warn!("{e}");
        }
        return;
    }
    let Some(a) = core.aof.aof.as_ref() else {
        return;
    };
    if core.aof.wait_rewrite {
        return;
    }
    let perc = config_u64(core, "auto-aof-rewrite-percentage");
    let min = config_u64(core, "auto-aof-rewrite-min-size");
    if perc == 0 || a.current_size <= min {
        return;
    }
    let base = a.rewrite_base_size.max(1);
    let growth = (a.current_size.saturating_mul(100) / base).saturating_sub(100);
    if growth >= perc {
        tracing::info!("Starting automatic rewriting of AOF on {growth}% growth");
        if let Err(e) = start_rewrite(core) {
            tracing::warn!("{e}");
        }
    }
}

fn config_u64(core: &Core, name: &str) -> u64 {
    core.config
        .value(name)
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Starts a rewrite: the buffer is written, a new incremental file takes the commands from now
/// on, and a new base is written from the dataset as it is now. The error is the log line.
pub fn start_rewrite(core: &mut Core) -> Result<(), String> {
    if core.aof.rewrite.is_some() {
        return Err("Background append only file rewriting already in progress".into());
    }
    if core.persist.children.active().is_some() {
        return Err("Can't rewrite append only file in background: another child runs".into());
    }
    let filename = core.config.appendfilename.clone();
    let dir = aof_dir(core);
    fs::create_dir_all(&dir).map_err(|e| format!("Can't create AOF directory: {e}"))?;
    if let Some(a) = core.aof.aof.as_mut() {
        let _ = a.write_buf();
        // The commands from now on go to a new incremental file (a temporary one while
        // waiting for the first base, which is not in the manifest yet).
        let name = if core.aof.wait_rewrite {
            temp_incr_name(&filename)
        } else {
            a.manifest.new_incr(&filename)
        };
        if core.aof.wait_rewrite {
            let _ = fs::remove_file(a.path(&name));
        }
        a.open_incr(&name)
            .map_err(|e| format!("Can't open new incr AOF {name}: {e}"))?;
        if !core.aof.wait_rewrite {
            aof::persist_manifest(&a.dir, &filename, &a.manifest)
                .map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
        }
    }
    let rdb = base_is_rdb(core);
    let opts = base_options(core);
    let dbs = &core.dbs;
    let temp_of = |pid: u32| format!("temp-rewriteaof-bg-{pid}.aof");
    let res = core.persist.children.spawn(ChildKind::Aof, || {
        let path = dir.join(temp_of(std::process::id()));
        write_base_file(dbs, &opts, &path, rdb).is_ok()
    });
    let pid = match res {
        Ok(pid) => pid,
        Err(e) => {
            core.aof.last_rewrite_ok = false;
            core.aof.consecutive_failures += 1;
            return Err(format!(
                "Can't rewrite append only file in background: fork: {e}"
            ));
        }
    };
    core.aof.rewrite = Some(Rewrite {
        started: Instant::now(),
        temp: temp_of(u32::try_from(pid).unwrap_or(0)),
        rdb,
    });
    tracing::info!("Background append only file rewriting started by pid {pid}");
    Ok(())
}

/// Handles the end of the rewrite child (reaped by the persistence cron).
pub fn child_done(core: &mut Core, f: &Finished) {
    if f.ok() {
        rewrite_done(core, true);
        return;
    }
    match f.signal {
        Some(sig) => tracing::warn!("Background AOF rewrite terminated by signal {sig}"),
        None => tracing::warn!("Background AOF rewrite signal handler took too long"),
    }
    rewrite_done(core, false);
}

/// Stops a running rewrite child (SHUTDOWN, CONFIG SET appendonly no) and removes its file.
pub fn kill_rewrite(core: &mut Core) {
    if core.persist.children.active() != Some(ChildKind::Aof) {
        return;
    }
    let _ = core.persist.children.kill();
    if let Some(job) = core.aof.rewrite.take() {
        let _ = fs::remove_file(aof_dir(core).join(job.temp));
        tracing::info!("Killing running AOF rewrite child");
    }
}

/// Finishes a rewrite: on success the new base replaces the old one in the manifest, the
/// incremental files it covers become history and are deleted.
pub fn rewrite_done(core: &mut Core, ok: bool) {
    let Some(job) = core.aof.rewrite.take() else {
        return;
    };
    let filename = core.config.appendfilename.clone();
    let dir = aof_dir(core);
    core.aof.last_rewrite_secs = i64::try_from(job.started.elapsed().as_secs()).unwrap_or(0);
    let res = if ok {
        install_base(core, &dir, &filename, &job)
    } else {
        Err("Background AOF rewrite terminated with error".into())
    };
    match res {
        Ok(()) => {
            core.aof.rewrites += 1;
            core.aof.consecutive_failures = 0;
            core.aof.last_rewrite_ok = true;
            core.aof.wait_rewrite = false;
            tracing::info!("Background AOF rewrite terminated with success");
            tracing::info!("Background AOF rewrite finished successfully");
        }
        Err(e) => {
            let _ = fs::remove_file(dir.join(&job.temp));
            core.aof.consecutive_failures += 1;
            core.aof.last_rewrite_ok = false;
            tracing::warn!("{e}");
        }
    }
}

/// Renames the rewritten base into place and swaps the manifest.
fn install_base(core: &mut Core, dir: &Path, filename: &str, job: &Rewrite) -> Result<(), String> {
    let wait = core.aof.wait_rewrite;
    let on = core.aof.aof.is_some();
    let mut m = match &core.aof.aof {
        Some(a) => a.manifest.clone(),
        None => aof::read_manifest(dir, filename)?.unwrap_or_default(),
    };
    let base = m.new_base(filename, job.rdb);
    fs::rename(dir.join(&job.temp), dir.join(&base))
        .map_err(|e| format!("Error trying to rename the temporary AOF base file: {e}"))?;
    if wait && on {
        let incr = m.new_incr(filename);
        fs::rename(dir.join(temp_incr_name(filename)), dir.join(&incr))
            .map_err(|e| format!("Error trying to rename the temporary AOF incr file: {e}"))?;
    }
    if on {
        m.retire_rewritten_incrs();
    } else {
        // With the AOF off no incremental file follows the new base.
        for mut f in m.incrs.drain(..) {
            f.kind = aof::FileKind::History;
            m.history.push(f);
        }
    }
    aof::persist_manifest(dir, filename, &m)
        .map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    fs::create_dir_all(dir).ok();
    let mut standalone = Aof::new(dir.to_path_buf(), filename, Manifest::default());
    let a = match core.aof.aof.as_mut() {
        Some(a) => a,
        None => &mut standalone,
    };
    a.manifest = m;
    delete_history(a);
    a.measure();
    a.rewrite_base_size = a.current_size;
    Ok(())
}

/// Deletes the history files and drops them from the manifest.
fn delete_history(a: &mut Aof) {
    if a.manifest.history.is_empty() {
        return;
    }
    for f in std::mem::take(&mut a.manifest.history) {
        if fs::remove_file(a.path(&f.name)).is_ok() {
            tracing::info!("Removing the history file {} in the background", f.name);
        }
    }
    let _ = aof::persist_manifest(&a.dir, &a.filename, &a.manifest);
}

/// The temporary incremental file used while waiting for the first base.
fn temp_incr_name(filename: &str) -> String {
    format!("temp-{filename}.incr")
}

/// CONFIG SET appendonly: turns the AOF on (a rewrite writes its first base; the commands
/// from now on go to a temporary incremental file until it is done) or off (written, fsynced
/// and closed). The error is the reason the change failed.
pub fn set_enabled(core: &mut Core, on: bool) -> Result<(), String> {
    if on == core.aof.aof.is_some() {
        return Ok(());
    }
    if !on {
        kill_rewrite(core);
        if let Some(mut a) = core.aof.aof.take() {
            let _ = a.write_buf();
            let _ = a.fsync();
            a.close();
        }
        core.aof.wait_rewrite = false;
        core.effects.propagating = false;
        return Ok(());
    }
    let filename = core.config.appendfilename.clone();
    let dir = aof_dir(core);
    let manifest = aof::read_manifest(&dir, &filename)?.unwrap_or_default();
    core.aof.aof = Some(Aof::new(dir, &filename, manifest));
    core.aof.wait_rewrite = true;
    core.effects.propagating = true;
    if core.persist.children.active().is_some() {
        core.aof.rewrite_scheduled = true;
        tracing::warn!(
            "AOF was enabled but there is already another background operation. An AOF \
             background was scheduled to start when possible."
        );
        return Ok(());
    }
    if let Err(e) = start_rewrite(core) {
        core.aof.aof = None;
        core.aof.wait_rewrite = false;
        core.effects.propagating = false;
        return Err(e);
    }
    Ok(())
}

/// DEBUG LOADAOF: writes the buffer, empties the databases and loads the AOF again, serving
/// the other clients through `server` meanwhile.
pub fn debug_loadaof(core: &mut Core, server: &mut dyn ServerOps) -> Result<(), String> {
    let Some(a) = core.aof.aof.as_mut() else {
        // With the AOF off Redis loads whatever the manifest on disk names.
        let filename = core.config.appendfilename.clone();
        let dir = aof_dir(core);
        let m = aof::read_manifest(&dir, &filename)?.unwrap_or_default();
        core.dbs.flush_all(false);
        load(core, server, &dir, &m)?;
        return Ok(());
    };
    let _ = a.write_buf();
    let (dir, manifest) = (a.dir.clone(), a.manifest.clone());
    core.dbs.flush_all(false);
    load(core, server, &dir, &manifest)?;
    tracing::warn!("Append Only File loaded by DEBUG LOADAOF");
    Ok(())
}

/// The -MISCONF error write commands (and PING) get while the last AOF write failed, as
/// Redis's writeCommandsDeniedByDiskError with an AOF error.
pub fn write_error(core: &Core) -> Option<CmdError> {
    let a = core.aof.aof.as_ref()?;
    (!a.last_write_ok).then(|| {
        CmdError::Other(format!(
            "MISCONF Errors writing to the AOF file: {}",
            a.last_write_error
        ))
    })
}

/// Sets the INFO persistence `aof_*` fields (and the extra ones shown while the AOF is on).
pub fn info(core: &Core, s: &mut crate::info::Section) {
    let st = &core.aof;
    let current = st.rewrite.as_ref().map_or(-1, |r| {
        i64::try_from(r.started.elapsed().as_secs()).unwrap_or(0)
    });
    s.set("aof_enabled", u8::from(st.aof.is_some()))
        .set("aof_rewrite_in_progress", u8::from(st.rewrite.is_some()))
        .set("aof_rewrite_scheduled", u8::from(st.rewrite_scheduled))
        .set("aof_last_rewrite_time_sec", st.last_rewrite_secs)
        .set("aof_current_rewrite_time_sec", current)
        .set(
            "aof_last_bgrewrite_status",
            if st.last_rewrite_ok { "ok" } else { "err" },
        )
        .set("aof_rewrites", st.rewrites)
        .set("aof_rewrites_consecutive_failures", st.consecutive_failures)
        .set(
            "aof_last_write_status",
            if st.aof.as_ref().is_none_or(|a| a.last_write_ok) {
                "ok"
            } else {
                "err"
            },
        );
    if let Some(a) = &st.aof {
        s.set("aof_current_size", a.current_size)
            .set("aof_base_size", a.base_size)
            .set("aof_pending_rewrite", u8::from(st.rewrite_scheduled))
            .set("aof_buffer_length", a.buf.len())
            .set("aof_pending_bio_fsync", 0)
            .set("aof_delayed_fsync", 0);
    } else if core.config.appendonly {
        // appendonly yes but the AOF not open yet (loading): Redis shows the block, zeroed.
        for name in [
            "aof_current_size",
            "aof_base_size",
            "aof_pending_rewrite",
            "aof_buffer_length",
            "aof_pending_bio_fsync",
            "aof_delayed_fsync",
        ] {
            s.set(name, 0);
        }
    }
}

/// BGREWRITEAOF: starts a rewrite, or schedules it when another child runs or inside EXEC.
fn bgrewriteaof(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.core.aof.rewrite.is_some() {
        return Err(CmdError::Static(
            "ERR Background append only file rewriting already in progress",
        ));
    }
    if ctx.session.has(flags::IN_EXEC) || ctx.core.persist.children.active().is_some() {
        ctx.core.aof.rewrite_scheduled = true;
        ctx.reply
            .simple(b"Background append only file rewriting scheduled");
        return Ok(());
    }
    match start_rewrite(ctx.core) {
        Ok(()) => {
            ctx.reply
                .simple(b"Background append only file rewriting started");
            Ok(())
        }
        Err(e) => {
            tracing::warn!("{e}");
            Err(CmdError::Static(
                "ERR Can't execute an AOF background rewriting. Please check the server logs \
                 for more information.",
            ))
        }
    }
}

/// The `ServerOps` the loader's client runs with: nothing an AOF holds reaches the server.
struct LoaderOps;

impl ServerOps for LoaderOps {
    fn client_list(&self, _me: &Session, _keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8> {
        Vec::new()
    }
    fn kill_clients(&mut self, _me: &mut Session, _kill: &dyn Fn(&ClientInfo) -> bool) -> usize {
        0
    }
    fn pause_clients(&mut self, _until_ms: i64, _writes_only: bool) {}
    fn unpause_clients(&mut self) {}
    fn unblock_client(&mut self, _core: &mut Core, _id: u64, _error: bool) -> bool {
        false
    }
    fn shutdown(&mut self, _core: &mut Core, _opts: ShutdownOpts) -> Result<(), String> {
        Err("ERR not allowed while loading the AOF".into())
    }
    fn abort_shutdown(&mut self) -> bool {
        false
    }
    fn reset_stats(&mut self) {}
    fn feed_monitors(&mut self, _me: &Session, _argv: &[Bytes]) {}
    fn start_monitor(&mut self, _me: &mut Session) {}
    fn apply_config(
        &mut self,
        _core: &mut Core,
        _changed: &[&'static str],
    ) -> Result<(), (String, String)> {
        Ok(())
    }
    fn info_section(&self, _core: &Core, _section: &str, _out: &mut String) -> bool {
        false
    }
    fn publish(
        &mut self,
        _core: &Core,
        _shard: bool,
        _channel: &[u8],
        _message: &[u8],
        _own: &mut dyn ReplySink,
    ) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, err};
    use crate::protocol::value::Reply;

    #[test]
    fn no_appendfsync_on_rewrite_is_read_when_the_config_changes() {
        let mut h = Harness::new();
        assert!(!h.core.aof.no_fsync_on_rewrite);
        h.run(&["CONFIG", "SET", "no-appendfsync-on-rewrite", "yes"]);
        assert!(h.core.aof.no_fsync_on_rewrite);
        h.run(&["CONFIG", "SET", "no-appendfsync-on-rewrite", "no"]);
        assert!(!h.core.aof.no_fsync_on_rewrite);
    }

    #[test]
    fn a_failed_aof_write_refuses_writes_and_ping_with_misconf() {
        let mut h = Harness::new();
        let mut a = Aof::new(
            PathBuf::from("/nonexistent"),
            "appendonly.aof",
            Manifest::default(),
        );
        a.last_write_ok = false;
        a.last_write_error = "No space left on device".into();
        h.core.aof.aof = Some(a);
        let misconf = err("MISCONF Errors writing to the AOF file: No space left on device");
        assert_eq!(h.run(&["SET", "k", "v"]), misconf);
        assert_eq!(h.run(&["PING"]), misconf);
        assert_eq!(h.run(&["GET", "k"]), Reply::Null);
        if let Some(a) = h.core.aof.aof.as_mut() {
            a.last_write_ok = true;
        }
        assert_eq!(h.run(&["SET", "k", "v"]), Reply::simple("OK"));
    }

    #[test]
    fn commands_base_rebuilds_every_type() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "v"]);
        h.run(&["SET", "n", "12"]);
        h.run(&["RPUSH", "l", "a", "b", "3"]);
        h.run(&["SADD", "st", "x", "1"]);
        h.run(&["ZADD", "z", "1.5", "m", "-inf", "n"]);
        h.run(&["HSET", "h", "f", "v"]);
        h.run(&["SELECT", "3"]);
        h.run(&["SET", "t", "v", "PXAT", "5000000"]);
        let mut out = Vec::new();
        aof::write_commands_base(&h.core.dbs, &[], &mut out).unwrap();
        let mut r = CommandReader::new(Bytes::from(out), 0);
        let mut h2 = Harness::new();
        while let Some(c) = r.next_command() {
            h2.run_argv(&c.unwrap());
        }
        for cmd in [
            &["GET", "s"][..],
            &["OBJECT", "ENCODING", "n"],
            &["LRANGE", "l", "0", "-1"],
            &["SMISMEMBER", "st", "x", "1"],
            &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
            &["HGETALL", "h"],
        ] {
            assert_eq!(h2.run(cmd), h.run(cmd), "{cmd:?} differs");
        }
        h2.run(&["SELECT", "3"]);
        assert_eq!(h2.run(&["PTTL", "t"]), h.run(&["PTTL", "t"]));
        assert_eq!(h2.run(&["GET", "t"]), h.run(&["GET", "t"]));
    }
}
