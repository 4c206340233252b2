//! Commands: the dispatch pipeline, the shared state handlers work on, and one module per group.
//!
//! [`dispatch`] runs Redis's processCommand checks in Redis's order (unknown command, arity,
//! NOAUTH, protected commands, ...) and then [`call`]s the handler, timing it for SLOWLOG and
//! INFO commandstats. A handler parses all of its arguments first, performs one operation, and
//! streams its reply through `ctx.reply`; it returns `Err(CmdError)` before writing anything if it
//! refuses. Handlers record their side effects (propagation, notifications, touched keys) through
//! `Ctx`, and the server drains [`Core::effects`] after the command.

pub mod args;
pub mod bitmap;
pub mod command;
pub mod connection;
pub mod ctx;
pub mod error;
pub mod generic;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod keys;
pub mod list;
pub mod loading;
pub mod persist;
pub mod persist_aof;
pub mod pubsub;
pub mod registry;
#[cfg(test)]
mod robustness;
pub mod scripting;
pub mod server;
pub mod set;
pub mod sort;
pub mod sorted_set;
pub mod spec;
pub mod stream;
pub mod string;
#[cfg(test)]
pub mod testing;
pub mod transactions;

use std::time::Instant;

use bytes::Bytes;

pub use ctx::{Ctx, ServerOps, Session};
pub use error::CmdError;

use crate::config::Config;
use crate::db::Databases;
use crate::protocol::reply::ReplySink;
use registry::Registry;
use server::latency::LatencyMonitor;
use server::slowlog::SlowLog;

/// A command handler: parses `argv`, acts, and answers through `ctx.reply`.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> Result<(), CmdError>;

/// Everything commands operate on, owned by the server.
pub struct Core {
    /// The databases.
    pub dbs: Databases,
    /// The configuration.
    pub config: Config,
    /// The command table.
    pub registry: Registry,
    /// Server-wide counters.
    pub stats: Stats,
    /// SLOWLOG.
    pub slowlog: SlowLog,
    /// LATENCY.
    pub latency: LatencyMonitor,
    /// Side effects queued by commands, drained by the server after each command.
    pub effects: Effects,
    /// The 40-hex-digit run id (INFO run_id).
    pub run_id: String,
    /// Unix ms when the server started.
    pub start_ms: i64,
    /// Unix seconds of the last successful save (LASTSAVE; the start time until one happens).
    pub lastsave: i64,
    /// Switches DEBUG sets (active expiry, replication id, quicklist packed threshold).
    pub debug: server::debug::DebugKnobs,
    /// The append-only file and its rewrite state.
    pub aof: persist_aof::AofState,
    /// Client-side caching: tracked keys, BCAST prefixes, invalidations to deliver.
    pub tracking: crate::tracking::Tracking,
    /// maxmemory eviction state (pool, pending eviction proc, INFO figures).
    pub evict: crate::evict::Evictor,
    /// Save state: the fork child, bgsave status, load counters.
    pub persist: crate::persist::SaveState,
    /// Lua scripts and function libraries.
    pub scripts: crate::scripting::Scripts,
}

impl Core {
    /// A core with empty databases for `config`.
    pub fn new(config: Config) -> Core {
        let dbs = Databases::new(config.databases.max(1));
        let run_id = random_hex40();
        let mut core = Core {
            dbs,
            config,
            registry: Registry::new(HANDLERS),
            stats: Stats::default(),
            slowlog: SlowLog::default(),
            latency: LatencyMonitor::default(),
            effects: Effects::default(),
            debug: server::debug::DebugKnobs::new(&run_id),
            aof: persist_aof::AofState::default(),
            run_id,
            start_ms: 0,
            lastsave: 0,
            tracking: crate::tracking::Tracking::new(),
            evict: crate::evict::Evictor::default(),
            persist: crate::persist::SaveState::default(),
            scripts: Default::default(),
        };
        core.sync_config();
        core
    }

    /// Copies config values that lower layers keep their own copy of (after start-up and
    /// after every CONFIG SET).
    pub fn sync_config(&mut self) {
        self.dbs.lazy_expire = self.config.lazyfree_lazy_expire;
        self.dbs.lazy_server_del = self.config.lazyfree_lazy_server_del;
        let access = crate::evict::access_mode(&self.config);
        if access != self.dbs.access {
            // Scores of the old policy mean nothing to the new one.
            self.evict.pool.clear();
        }
        self.dbs.access = access;
        self.effects.notify_classes = self.config.notify_keyspace_events;
        self.latency.tracking = self
            .config
            .value("latency-tracking")
            .is_none_or(|v| v != b"no");
        self.aof.no_fsync_on_rewrite = self
            .config
            .value("no-appendfsync-on-rewrite")
            .is_some_and(|v| v == b"yes");
    }

    /// Turns the keys the db layer evicted and expired into their effects: an `evicted` or
    /// `expired` event and a propagated DEL (UNLINK under lazyfree-lazy-eviction / -expire).
    /// Runs before anything else is propagated, so a replica deletes the key before it sees the
    /// command that found it gone.
    pub fn flush_expired_effects(&mut self) {
        if !self.dbs.has_removals() {
            return;
        }
        for (db, key, lazy) in self.dbs.take_evicted() {
            // An evicted key changed like any other (signalModifiedKey in performEvictions).
            if self.tracking.is_active() {
                self.tracking.invalidate(&key, None);
            }
            self.effects
                .notify(crate::config::NOTIFY_EVICTED, "evicted", db, &key);
            let verb: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
            self.effects
                .propagate(db, vec![Bytes::from_static(verb), key]);
        }
        let expired = self.dbs.take_expired();
        if expired.is_empty() {
            return;
        }
        let verb: &'static [u8] = if self.dbs.lazy_expire {
            b"UNLINK"
        } else {
            b"DEL"
        };
        for (db, key) in expired {
            if self.tracking.is_active() {
                self.tracking.invalidate(&key, None);
            }
            self.effects
                .notify(crate::config::NOTIFY_EXPIRED, "expired", db, &key);
            self.effects
                .propagate(db, vec![Bytes::from_static(verb), key]);
        }
    }
}

/// Every group's handler list, in the order the groups are declared.
pub const HANDLERS: &[&[(&str, Handler)]] = &[
    bitmap::HANDLERS,
    command::HANDLERS,
    connection::HANDLERS,
    generic::HANDLERS,
    geo::HANDLERS,
    hash::HANDLERS,
    hll::HANDLERS,
    list::HANDLERS,
    persist_aof::HANDLERS,
    persist::HANDLERS,
    pubsub::HANDLERS,
    scripting::HANDLERS,
    server::admin::HANDLERS,
    server::client::HANDLERS,
    server::config::HANDLERS,
    server::debug::HANDLERS,
    server::info::HANDLERS,
    server::keyspace::HANDLERS,
    server::latency::HANDLERS,
    server::memory::HANDLERS,
    server::misc::HANDLERS,
    server::slowlog::HANDLERS,
    set::HANDLERS,
    sort::HANDLERS,
    sorted_set::HANDLERS,
    stream::HANDLERS,
    string::HANDLERS,
    transactions::HANDLERS,
];

/// Server-wide counters for INFO stats and errorstats.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Commands run (total_commands_processed).
    pub commands_processed: u64,
    /// Error replies sent (total_error_replies).
    pub error_replies: u64,
    /// Error replies by their first word (errorstat_ERR, errorstat_WRONGTYPE, ...).
    pub errors_by_prefix: std::collections::BTreeMap<String, u64>,
    /// Commands refused before running (a share of total_error_replies).
    pub rejected_calls: u64,
}

impl Stats {
    /// Counts one error reply whose line is `line` (without the `-`).
    pub fn count_error(&mut self, line: &[u8]) {
        self.error_replies += 1;
        let prefix = line.split(|&c| c == b' ').next().unwrap_or_default();
        let key = String::from_utf8_lossy(prefix).into_owned();
        // Redis caps the table at 128 distinct prefixes.
        if self.errors_by_prefix.len() < 128 || self.errors_by_prefix.contains_key(&key) {
            *self.errors_by_prefix.entry(key).or_insert(0) += 1;
        }
    }
}

/// Effects a command queued for the server to carry out after it.
///
/// Propagation works as Redis 7.0's alsoPropagate / propagatePendingCommands: everything one
/// top-level execution produces (the command as received or its rewrite, the DELs of keys it
/// found expired, the commands EXEC runs, a script's writes) collects in `pending`; when the
/// execution ends [`Effects::commit_unit`] moves it to `propagated`, wrapped in MULTI ... EXEC
/// when it is more than one command. `propagated` is the stream the AOF (and later replicas)
/// consume; each consumer emits SELECT itself when the db of an entry differs from the last one
/// it wrote.
#[derive(Debug, Default)]
pub struct Effects {
    /// Whether anything consumes propagated commands (AOF on, replicas attached).
    pub propagating: bool,
    /// Commands to propagate, as (db, argv), in order, transactions already wrapped.
    pub propagated: Vec<(usize, Vec<Bytes>)>,
    /// What the running top-level execution has queued so far (Redis's also_propagate).
    pub pending: Vec<(usize, Vec<Bytes>)>,
    /// Set when the running command queued its own replacement through `Ctx::propagate`; `call`
    /// then does not propagate it as received. Saved and restored around nested calls.
    pub replaced: bool,
    /// Depth of nested `call`s (EXEC's commands, a script's redis.call); 0 between commands.
    pub depth: u32,
    /// Keyspace notification classes enabled (notify-keyspace-events bits); 0 = off.
    pub notify_classes: u32,
    /// Keyspace events to publish, as (class, event, db, key).
    pub events: Vec<(u32, &'static str, usize, Bytes)>,
    /// Where the running client's own copies of `events` go in its output buffer, as (index
    /// of the first event, buffer position): `Ctx::notify` records where the reply stood when
    /// the event was raised, and each command `call` runs starts a run at its reply's start
    /// (for events queued other ways). Redis writes keyspace messages to the running client as
    /// they happen, so inside EXEC they land between (or after) the commands' replies.
    pub event_marks: Vec<(usize, usize)>,
    /// Set by a running command that must not be propagated as received, only through what it
    /// queued itself (EVAL and FCALL, whose effects are propagated instead; Redis's
    /// preventCommandPropagation). `call` clears it before each top-level command.
    pub prevent_as_received: bool,
}

impl Effects {
    /// Queues `argv` for propagation in the running execution if anything consumes it.
    pub fn propagate(&mut self, db: usize, argv: Vec<Bytes>) {
        if self.propagating {
            self.pending.push((db, argv));
        }
    }

    /// Ends an execution unit: moves what it queued to `propagated`, wrapped in MULTI ... EXEC
    /// when it is more than one command (MULTI takes the first entry's db, so a SELECT goes
    /// before it, and EXEC the last one's, so none goes between).
    pub fn commit_unit(&mut self) {
        match self.pending.len() {
            0 => {}
            1 => self.propagated.append(&mut self.pending),
            _ => {
                let first = self.pending.first().map_or(0, |p| p.0);
                let last = self.pending.last().map_or(0, |p| p.0);
                self.propagated
                    .push((first, vec![Bytes::from_static(b"MULTI")]));
                self.propagated.append(&mut self.pending);
                self.propagated
                    .push((last, vec![Bytes::from_static(b"EXEC")]));
            }
        }
    }

    /// Moves what was queued outside any command (keys the active expiry cycle deleted) to
    /// `propagated`, each entry on its own, as Redis 7.0 propagates every such deletion alone.
    pub fn commit_each(&mut self) {
        self.propagated.append(&mut self.pending);
    }

    /// Queues a keyspace event if its class is enabled.
    pub fn notify(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if self.notify_classes & class != 0 {
            self.events
                .push((class, event, db, Bytes::copy_from_slice(key)));
        }
    }
}

/// Runs one client command: Redis's processCommand checks, then the handler.
pub fn dispatch(
    core: &mut Core,
    session: &mut Session,
    server: &mut dyn ServerOps,
    reply: &mut dyn ReplySink,
    argv: &[Bytes],
    now_ms: i64,
) {
    dispatch_at(core, session, server, reply, argv, now_ms, Instant::now());
}

/// `dispatch` for a caller that already read the clock: `start` times the command. Returns
/// when the command ended (`start` itself for a command refused before running).
pub fn dispatch_at(
    core: &mut Core,
    session: &mut Session,
    server: &mut dyn ServerOps,
    reply: &mut dyn ReplySink,
    argv: &[Bytes],
    now_ms: i64,
    start: Instant,
) -> Instant {
    if core.tracking.client_count() > 0 {
        // Before the command, as Redis's processCommand: the running client is not "current"
        // yet, so what this evicts reaches it ahead of its reply.
        core.tracking.limit(core.config.tracking_table_max_keys);
    }
    let resolved = resolve(core, session, argv).and_then(|idx| {
        if core.config.maxmemory != 0 {
            oom_check(core, session, idx, now_ms)?;
        }
        Ok(idx)
    });
    // CLIENT CACHING lasts for the next command, or the next transaction (resetClient).
    let clears_caching = session.has(ctx::flags::TRACKING_CACHING)
        && !resolved
            .as_ref()
            .ok()
            .and_then(|&i| core.registry.entry(i))
            .is_some_and(|e| e.spec.name.starts_with("client"));
    let end = match resolved {
        Ok(idx) => {
            if transactions::queue_if_in_multi(core, session, reply, argv, idx) {
                return start;
            }
            core.tracking.current = Some(session.id);
            let end = call(core, session, server, reply, argv, now_ms, start, idx);
            core.tracking.current = None;
            end
        }
        Err(e) => {
            let mut line = e.render();
            let is_exec = argv
                .first()
                .is_some_and(|n| n.eq_ignore_ascii_case(b"exec"));
            if is_exec {
                // A refused EXEC (arity, NOAUTH, subscribe context, OOM...) discards the
                // transaction and its watches, in MULTI or not, and wraps the refusal in
                // EXECABORT without the ERR code (Redis's execCommandAbort).
                transactions::reset_transaction(core, session);
                let reason = line.strip_prefix(b"ERR ").unwrap_or(&line);
                line = [
                    b"EXECABORT Transaction discarded because of: ".as_slice(),
                    reason,
                ]
                .concat();
            } else if let Some(m) = session.multi.as_mut() {
                // A command refused while a transaction is open dooms it (EXECABORT).
                m.aborted = true;
            }
            core.stats.count_error(&line);
            core.stats.rejected_calls += 1;
            reply.error(&line);
            start
        }
    };
    // A command queued by MULTI keeps it for the transaction (MULTI itself opened it).
    if clears_caching && session.multi.is_none() {
        session.flags &= !ctx::flags::TRACKING_CACHING;
    }
    end
}

/// Finds the command and runs the checks that come before execution; returns its registry
/// index.
pub fn resolve(core: &mut Core, session: &Session, argv: &[Bytes]) -> Result<usize, CmdError> {
    let name = argv.first().map(|b| b.as_ref()).unwrap_or_default();
    let unknown = || CmdError::UnknownCommand {
        name: name.to_vec(),
        args: argv.iter().skip(1).map(|a| a.to_vec()).collect(),
    };
    let reg = &mut core.registry;
    let top = reg.find(name).ok_or_else(unknown)?;
    let idx = match reg.entry(top) {
        Some(e) if e.subs.is_empty() || (e.handler.is_some() && argv.len() < 2) => top,
        Some(e) if argv.len() < 2 => {
            let name = e.spec.name;
            return Err(reject(reg, top, CmdError::WrongArity(name.to_string())));
        }
        Some(e) => {
            let sub = argv.get(1).map(|b| b.as_ref()).unwrap_or_default();
            let container = e.spec.name.to_ascii_uppercase();
            reg.find_sub(top, sub)
                .ok_or_else(|| CmdError::UnknownSubcommand {
                    sub: sub.to_vec(),
                    cmd: container,
                })?
        }
        None => return Err(unknown()),
    };
    let Some(entry) = reg.entry(idx) else {
        return Err(unknown());
    };
    let spec = entry.spec;
    let argc = i64::try_from(argv.len()).unwrap_or(i64::MAX);
    let arity = i64::from(spec.arity);
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(reject(
            reg,
            idx,
            CmdError::WrongArity(spec.name.to_string()),
        ));
    }
    if entry.handler.is_none() {
        return Err(unknown());
    }
    if spec.flags & spec::CMD_PROTECTED != 0 && !protected_allowed(&core.config, session) {
        return Err(reject(&mut core.registry, idx, protected_error(spec.name)));
    }
    if !session.authenticated && spec.flags & spec::CMD_NO_AUTH == 0 {
        return Err(reject(&mut core.registry, idx, CmdError::NoAuth));
    }
    if session.multi.is_some() && spec.flags & spec::CMD_NO_MULTI != 0 {
        let e = CmdError::Static("ERR Command not allowed inside a transaction");
        return Err(reject(&mut core.registry, idx, e));
    }
    if (spec.flags & spec::CMD_WRITE != 0 || spec.name == "ping") && persist::writes_denied(core) {
        return Err(reject(
            &mut core.registry,
            idx,
            CmdError::Static(persist::MISCONF),
        ));
    }
    if (spec.flags & spec::CMD_WRITE != 0 || spec.name == "ping")
        && let Some(e) = persist_aof::write_error(core)
    {
        return Err(reject(&mut core.registry, idx, e));
    }
    if let Err(e) = pubsub::subscribed_context_check(session, spec) {
        return Err(reject(&mut core.registry, idx, e));
    }
    if core.persist.loading.is_some() && denied_while_loading(core, session, idx) {
        return Err(reject(
            &mut core.registry,
            idx,
            CmdError::Static(loading::LOADING_ERR),
        ));
    }
    Ok(idx)
}

/// processCommand's loading check: a command without the `loading` flag, or an EXEC whose
/// transaction queued one, is refused while a dataset loads.
fn denied_while_loading(core: &Core, session: &Session, idx: usize) -> bool {
    let has_flag = |i: usize| {
        core.registry
            .entry(i)
            .is_some_and(|e| e.spec.flags & spec::CMD_LOADING != 0)
    };
    if !has_flag(idx) {
        return true;
    }
    let is_exec = core
        .registry
        .entry(idx)
        .is_some_and(|e| e.spec.name == "exec");
    is_exec
        && session
            .multi
            .as_ref()
            .is_some_and(|m| m.queued.iter().any(|&(i, _)| !has_flag(i)))
}

/// processCommand's maxmemory step: evict, then refuse a DENYOOM command (EXEC counts as one
/// if a queued command is; inside MULTI every command but EXEC, DISCARD, QUIT and RESET) if
/// memory is still over the limit. Records the verdict for scripts (server.script_oom).
///
/// Runs right after [`resolve`]'s checks (Redis runs it just before the pub/sub context check,
/// so a RESP2 subscriber sending a write while out of memory gets that error instead of -OOM).
fn oom_check(core: &mut Core, session: &Session, idx: usize, now: i64) -> Result<(), CmdError> {
    let Some(spec) = core.registry.entry(idx).map(|e| e.spec) else {
        return Ok(());
    };
    let out_of_memory =
        crate::evict::out_of_memory(&mut core.dbs, &core.config, &mut core.evict, now);
    // Evicted keys are notified and their DELs propagated before the command runs, as
    // performEvictions propagates them before returning.
    core.flush_expired_effects();
    let name = spec.name;
    let mut deny = spec.flags & spec::CMD_DENYOOM != 0;
    if name == "exec"
        && let Some(m) = &session.multi
    {
        deny |= m.queued.iter().any(|&(i, _)| {
            core.registry
                .entry(i)
                .is_some_and(|e| e.spec.flags & spec::CMD_DENYOOM != 0)
        });
    }
    if session.multi.is_some() && !matches!(name, "exec" | "discard" | "quit" | "reset") {
        deny = true;
    }
    if out_of_memory && deny {
        return Err(reject(&mut core.registry, idx, CmdError::Oom));
    }
    if matches!(
        name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    ) {
        core.evict.script_oom = out_of_memory;
    }
    Ok(())
}

/// Counts a rejected call of the command at `idx` and passes the error through.
fn reject(reg: &mut Registry, idx: usize, e: CmdError) -> CmdError {
    if let Some(entry) = reg.entry_mut(idx) {
        entry.stats.rejected_calls += 1;
    }
    e
}

/// Runs a resolved command (registry index `idx`): the handler, its timing, SLOWLOG and stats.
/// Returns when it ended.
#[allow(clippy::too_many_arguments)]
pub fn call(
    core: &mut Core,
    session: &mut Session,
    server: &mut dyn ServerOps,
    reply: &mut dyn ReplySink,
    argv: &[Bytes],
    now_ms: i64,
    start: Instant,
    idx: usize,
) -> Instant {
    let Some((spec, Some(handler))) = core.registry.entry(idx).map(|e| (e.spec, e.handler)) else {
        return start;
    };
    // Set before the handler, as Redis does, so CLIENT LIST shows `cmd=client|list` for itself;
    // commands run by EXEC leave `exec` as the last command.
    if !session.has(ctx::flags::IN_EXEC) {
        session.last_cmd = spec.name;
    }
    let top = core.effects.depth == 0;
    core.effects.depth += 1;
    let dirty_before = core.dbs.dirty;
    let expired_before = core.dbs.stats.expired_keys;
    let replaced_outer = std::mem::replace(&mut core.effects.replaced, false);
    let prevented_outer = std::mem::replace(&mut core.effects.prevent_as_received, false);
    if core.effects.notify_classes != 0
        && let Some(pos) = reply.position()
    {
        let first = core.effects.events.len();
        core.effects.event_marks.push((first, pos));
    }
    let failed = {
        let mut ctx = Ctx {
            reply,
            core,
            session,
            server,
            now_ms,
        };
        match handler(&mut ctx, argv) {
            Ok(()) => false,
            Err(e) => {
                let line = e.render();
                ctx.reply.error(&line);
                ctx.core.stats.count_error(&line);
                true
            }
        }
    };
    core.effects.depth = core.effects.depth.saturating_sub(1);
    let replaced = std::mem::replace(&mut core.effects.replaced, replaced_outer);
    let prevented = std::mem::replace(&mut core.effects.prevent_as_received, prevented_outer);
    if core.effects.propagating {
        // Keys found expired go out before the command that found them, and their deletion
        // is not the command's own change (Redis counts no dirty for it).
        core.flush_expired_effects();
        let expired = core.dbs.stats.expired_keys.wrapping_sub(expired_before);
        let own_dirty = core
            .dbs
            .dirty
            .saturating_sub(dirty_before)
            .saturating_sub(expired);
        // EXEC is never propagated itself: the commands it ran were, and commit_unit wraps
        // them (Redis's call() skips execCommand the same way).
        if own_dirty > 0 && !replaced && !prevented && spec.name != "exec" {
            core.effects.propagate(session.db, argv.to_vec());
        }
        if top {
            core.effects.commit_unit();
        }
    }
    if core.tracking.is_active() {
        // Keys that expired while the command looked them up are invalidated now, while the
        // command is still the running one (their invalidation follows its reply) and before
        // its own reads are remembered (the read that found them gone is what counts).
        core.flush_expired_effects();
    }
    if spec.flags & spec::CMD_READONLY != 0 && session.has(ctx::flags::TRACKING) {
        track_read_keys(core, session, spec, argv);
    }
    let end = Instant::now();
    let nsec = u64::try_from(end.saturating_duration_since(start).as_nanos()).unwrap_or(u64::MAX);
    let usec = nsec / 1000;
    core.stats.commands_processed += 1;
    let tracking = core.latency.tracking;
    if let Some(e) = core.registry.entry_mut(idx) {
        e.stats.calls += 1;
        e.stats.nsec = e.stats.nsec.saturating_add(nsec);
        if tracking {
            e.stats.histogram.record(usec);
        }
        if failed {
            e.stats.failed_calls += 1;
        }
    }
    if spec.flags & spec::CMD_SKIP_SLOWLOG == 0 {
        core.slowlog
            .record(&core.config, argv, usec, now_ms, session);
    }
    core.latency
        .record("command", usec / 1000, now_ms, &core.config);
    if spec.flags & (spec::CMD_SKIP_MONITOR | spec::CMD_ADMIN) == 0 {
        server.feed_monitors(session, argv);
    }
    end
}

/// Remembers the keys a read-only command of a tracking client read (Redis's call() ->
/// trackingRememberKeys): keys come from the command's key specs, whether or not it
/// succeeded. Not in BCAST mode, not for pub/sub commands (shard channels are keys to
/// COMMAND, not to tracking), not for the read-only script commands (the commands a script
/// runs are tracked instead), and per OPTIN/OPTOUT and CLIENT CACHING.
fn track_read_keys(
    core: &mut Core,
    session: &Session,
    spec: &'static spec::CommandSpec,
    argv: &[Bytes],
) {
    use ctx::flags::{TRACKING_BCAST, TRACKING_CACHING, TRACKING_OPTIN, TRACKING_OPTOUT};
    if session.has(TRACKING_BCAST) || spec.flags & spec::CMD_PUBSUB != 0 {
        return;
    }
    if matches!(spec.name, "eval_ro" | "evalsha_ro" | "fcall_ro") {
        return;
    }
    let caching = session.has(TRACKING_CACHING);
    if (session.has(TRACKING_OPTIN) && !caching) || (session.has(TRACKING_OPTOUT) && caching) {
        return;
    }
    let Ok(keys) = keys::key_positions(spec, argv) else {
        return;
    };
    let keys = keys
        .iter()
        .filter_map(|k| argv.get(k.pos).map(|a| a.as_ref()));
    core.tracking.remember(session.id, keys);
}

/// Whether `enable-debug-command` / `enable-module-command` lets this client run a protected
/// command ("yes", or "local" from a loopback or unix-socket connection).
fn protected_allowed(config: &Config, session: &Session) -> bool {
    match config.value("enable-debug-command").as_deref() {
        Some(b"yes") => true,
        Some(b"local") => {
            session.has(ctx::flags::UNIX_SOCKET)
                || session.addr.starts_with("127.")
                || session.addr.starts_with("[::1]")
                || session.addr.starts_with("::1")
        }
        _ => false,
    }
}

fn protected_error(name: &str) -> CmdError {
    let (cmd, opt) = if name.starts_with("module") {
        ("MODULE", "enable-module-command")
    } else {
        ("DEBUG", "enable-debug-command")
    };
    CmdError::Other(format!(
        "ERR {cmd} command not allowed. If the {opt} option is set to \"local\", you can run it \
         from a local connection, otherwise you need to set this option in the configuration \
         file, and then restart the server."
    ))
}

/// A random 40-hex-digit id, as Redis's getRandomHexChars draws run and replication ids.
pub(crate) fn random_hex40() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16usize)]))
        .collect()
}

#[cfg(test)]
mod propagation_tests {
    use super::testing::Harness;

    fn recording() -> Harness {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h
    }

    fn dbs_and_lines(h: &mut Harness) -> Vec<String> {
        std::mem::take(&mut h.core.effects.propagated)
            .into_iter()
            .map(|(db, argv)| {
                let words: Vec<String> = argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                format!("{db}:{}", words.join(" "))
            })
            .collect()
    }

    #[test]
    fn writes_propagate_as_received_and_no_ops_do_not() {
        let mut h = recording();
        h.run(&["set", "a", "1"]);
        h.run(&["SET", "a", "2", "NX"]);
        h.run(&["DEL", "missing"]);
        h.run(&["GET", "a"]);
        h.run(&["set", "a", "1"]);
        assert_eq!(h.take_propagated(), ["set a 1", "set a 1"]);
    }

    #[test]
    fn exec_wraps_more_than_one_write_in_multi_exec() {
        let mut h = recording();
        for c in [
            &["MULTI"][..],
            &["SET", "x", "1"],
            &["INCR", "x"],
            &["GET", "x"],
        ] {
            h.run(c);
        }
        h.run(&["EXEC"]);
        assert_eq!(h.take_propagated(), ["MULTI", "SET x 1", "INCR x", "EXEC"]);
        // One write is propagated alone; a read-only transaction not at all.
        for c in [&["MULTI"][..], &["GET", "x"], &["INCR", "x"]] {
            h.run(c);
        }
        h.run(&["EXEC"]);
        h.run(&["MULTI"]);
        h.run(&["GET", "x"]);
        h.run(&["EXEC"]);
        assert_eq!(h.take_propagated(), ["INCR x"]);
    }

    #[test]
    fn a_transaction_that_changes_db_carries_each_command_s_db() {
        let mut h = recording();
        for c in [
            &["SELECT", "2"][..],
            &["MULTI"],
            &["SET", "k", "1"],
            &["SELECT", "4"],
            &["SET", "k", "2"],
        ] {
            h.run(c);
        }
        h.run(&["EXEC"]);
        assert_eq!(
            dbs_and_lines(&mut h),
            ["2:MULTI", "2:SET k 1", "4:SET k 2", "4:EXEC"]
        );
    }

    #[test]
    fn a_key_found_expired_is_deleted_first_and_shares_the_unit() {
        let mut h = recording();
        h.run(&["SET", "e", "5", "PX", "20"]);
        h.run(&["SET", "g", "5", "PX", "20"]);
        h.take_propagated();
        h.advance(100);
        // A read that finds the key expired propagates only the DEL.
        h.run(&["GET", "g"]);
        assert_eq!(h.take_propagated(), ["DEL g"]);
        // A write on it goes out as DEL + the write, wrapped (as redis-server 7.0.15 does).
        h.run(&["set", "e", "6"]);
        assert_eq!(h.take_propagated(), ["MULTI", "DEL e", "set e 6", "EXEC"]);
    }

    #[test]
    fn rewrites_replace_the_command_as_received() {
        let mut h = recording();
        h.run(&["SET", "k", "1"]);
        h.run(&["EXPIRE", "k", "100"]);
        h.run(&["INCRBYFLOAT", "f", "1.5"]);
        h.run(&["EXPIRE", "missing", "100"]);
        assert_eq!(
            h.take_propagated(),
            ["SET k 1", "PEXPIREAT k 1100000", "SET f 1.5 KEEPTTL"]
        );
    }

    #[test]
    fn keys_the_active_cycle_expires_go_out_as_one_del_each() {
        let mut h = recording();
        for k in ["a", "b", "c"] {
            h.run(&["SET", k, "v", "PX", "10"]);
        }
        h.take_propagated();
        let params = crate::db::expire::ExpireParams::from_effort(1);
        let now = h.now_ms + 100;
        crate::db::expire::active_expire_cycle(
            &mut h.core.dbs,
            crate::db::expire::CycleKind::Slow,
            &params,
            10,
            now,
        );
        h.core.flush_expired_effects();
        h.core.effects.commit_each();
        let mut p = h.take_propagated();
        p.sort();
        assert_eq!(p, ["DEL a", "DEL b", "DEL c"]);
    }

    #[test]
    fn nothing_is_queued_when_nothing_consumes_propagation() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "1"]);
        assert!(h.core.effects.propagated.is_empty());
        assert!(h.core.effects.pending.is_empty());
    }
}
