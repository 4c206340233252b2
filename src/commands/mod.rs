//! Commands: the dispatch pipeline, the shared state handlers work on, and one module per group.
//!
//! [`dispatch`] runs Redis's processCommand checks in Redis's order (unknown command, arity,
//! NOAUTH, protected commands, ...) and then [`call`]s the handler, timing it for SLOWLOG and
//! INFO commandstats. A handler parses all of its arguments first, performs one operation, and
//! streams its reply through `ctx.reply`; it returns `Err(CmdError)` before writing anything if it
//! refuses. Handlers record their side effects (propagation, notifications, touched keys) through
//! `Ctx`, and the server drains [`Core::effects`] after the command.

pub mod args;
pub mod command;
pub mod connection;
pub mod ctx;
pub mod error;
pub mod generic;
pub mod hash;
pub mod keys;
pub mod list;
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
            run_id,
            start_ms: 0,
            lastsave: 0,
            scripts: Default::default(),
        };
        core.sync_config();
        core
    }

    /// Copies config values that lower layers keep their own copy of (after start-up and
    /// after every CONFIG SET).
    pub fn sync_config(&mut self) {
        self.dbs.lazy_expire = self.config.lazyfree_lazy_expire;
        self.effects.notify_classes = self.config.notify_keyspace_events;
        self.latency.tracking = self
            .config
            .value("latency-tracking")
            .is_none_or(|v| v != b"no");
    }

    /// Turns the keys the db layer expired into their effects: an `expired` event and a
    /// propagated DEL (UNLINK under lazyfree-lazy-expire). Runs before anything else is
    /// propagated, so a replica deletes the key before it sees the command that found it gone.
    pub fn flush_expired_effects(&mut self) {
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
            self.effects
                .notify(crate::config::NOTIFY_EXPIRED, "expired", db, &key);
            self.effects
                .propagate(db, vec![Bytes::from_static(verb), key]);
        }
    }
}

/// Every group's handler list, in the order the groups are declared.
pub const HANDLERS: &[&[(&str, Handler)]] = &[
    command::HANDLERS,
    connection::HANDLERS,
    generic::HANDLERS,
    hash::HANDLERS,
    list::HANDLERS,
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
#[derive(Debug, Default)]
pub struct Effects {
    /// Whether anything consumes propagated commands (AOF on, replicas attached).
    pub propagating: bool,
    /// Commands to propagate, as (db, argv).
    pub propagated: Vec<(usize, Vec<Bytes>)>,
    /// Keyspace notification classes enabled (notify-keyspace-events bits); 0 = off.
    pub notify_classes: u32,
    /// Keyspace events to publish, as (class, event, db, key).
    pub events: Vec<(u32, &'static str, usize, Bytes)>,
    /// Set by a running command that must not be propagated as received, only through what it
    /// queued itself (EVAL and FCALL, whose effects are propagated instead; Redis's
    /// preventCommandPropagation). `call` clears it before each top-level command.
    pub prevent_as_received: bool,
}

impl Effects {
    /// Queues `argv` for propagation if anything consumes it.
    pub fn propagate(&mut self, db: usize, argv: Vec<Bytes>) {
        if self.propagating {
            self.propagated.push((db, argv));
        }
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
    match resolve(core, session, argv) {
        Ok(idx) => {
            if transactions::queue_if_in_multi(core, session, reply, argv, idx) {
                return start;
            }
            call(core, session, server, reply, argv, now_ms, start, idx)
        }
        Err(e) => {
            // A command refused while a transaction is open dooms it (EXECABORT).
            if let Some(m) = session.multi.as_mut() {
                m.aborted = true;
            }
            let line = e.render();
            core.stats.count_error(&line);
            core.stats.rejected_calls += 1;
            reply.error(&line);
            start
        }
    }
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
    if let Err(e) = pubsub::subscribed_context_check(session, spec) {
        return Err(reject(&mut core.registry, idx, e));
    }
    Ok(idx)
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
    let end = Instant::now();
    let usec = u64::try_from(end.saturating_duration_since(start).as_micros()).unwrap_or(u64::MAX);
    core.stats.commands_processed += 1;
    let tracking = core.latency.tracking;
    if let Some(e) = core.registry.entry_mut(idx) {
        e.stats.calls += 1;
        e.stats.usec += usec;
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
