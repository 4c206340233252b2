//! `Ctx`, what a handler sees; `Session`, the per-client state commands own; and `ServerOps`,
//! the narrow door through which admin commands reach the server.
//!
//! A handler gets the shared [`Core`] (databases, config, stats), the calling client's
//! [`Session`], a reply sink, and the time frozen for the whole command. It never sees sockets:
//! CLIENT LIST, CLIENT KILL, SHUTDOWN, MONITOR and friends go through [`ServerOps`], which
//! `server` implements.

use bytes::Bytes;

use super::Core;
use crate::db::{Entry, EntryMut, EntryRef};
use crate::protocol::reply::{Protocol, ReplySink};

/// Per-client flags that commands set or read.
pub mod flags {
    /// The client is a MONITOR.
    pub const MONITOR: u32 = 1 << 0;
    /// Close the connection once the pending replies are written (QUIT, protocol errors).
    pub const CLOSE_AFTER_REPLY: u32 = 1 << 1;
    /// CLIENT NO-EVICT on.
    pub const NO_EVICT: u32 = 1 << 2;
    /// CLIENT REPLY OFF.
    pub const REPLY_OFF: u32 = 1 << 3;
    /// CLIENT REPLY SKIP: the next command's reply is dropped.
    pub const REPLY_SKIP_NEXT: u32 = 1 << 4;
    /// The current command's reply is dropped (set from REPLY_SKIP_NEXT by the dispatcher).
    pub const REPLY_SKIP: u32 = 1 << 5;
    /// Connected through a unix socket.
    pub const UNIX_SOCKET: u32 = 1 << 6;
    /// CLIENT NO-TOUCH on (7.2 feature; kept for symmetry, unused by 7.0 commands).
    pub const NO_TOUCH: u32 = 1 << 7;
    /// Blocking commands must not block (inside MULTI/EXEC or a script).
    pub const DENY_BLOCKING: u32 = 1 << 8;
    /// The client is blocked on keys (CLIENT LIST flag `b`).
    pub const BLOCKED: u32 = 1 << 9;
    /// EXEC is running the queued commands (they don't become the client's last command).
    pub const IN_EXEC: u32 = 1 << 10;
    /// CLIENT TRACKING ON (CLIENT LIST flag `t`).
    pub const TRACKING: u32 = 1 << 11;
    /// The tracking redirect client is gone (CLIENT LIST flag `R`).
    pub const TRACKING_BROKEN_REDIR: u32 = 1 << 12;
    /// Tracking in BCAST mode (CLIENT LIST flag `B`).
    pub const TRACKING_BCAST: u32 = 1 << 13;
    /// Tracking in OPTIN mode: only reads after CLIENT CACHING YES are tracked.
    pub const TRACKING_OPTIN: u32 = 1 << 14;
    /// Tracking in OPTOUT mode: reads after CLIENT CACHING NO are not tracked.
    pub const TRACKING_OPTOUT: u32 = 1 << 15;
    /// CLIENT CACHING YES/NO given for the next command (or transaction).
    pub const TRACKING_CACHING: u32 = 1 << 16;
    /// Tracking with NOLOOP: no invalidations for the client's own writes.
    pub const TRACKING_NOLOOP: u32 = 1 << 17;
    /// Every tracking flag: what turning tracking off clears.
    pub const TRACKING_ALL: u32 = TRACKING
        | TRACKING_BROKEN_REDIR
        | TRACKING_BCAST
        | TRACKING_OPTIN
        | TRACKING_OPTOUT
        | TRACKING_CACHING
        | TRACKING_NOLOOP;
    /// The command runs again for a client blocked on keys that were written (XREADGROUP
    /// answers Redis's "no longer exists" errors only then).
    pub const BLOCK_RETRY: u32 = 1 << 18;
}

/// The command-visible state of one client.
#[derive(Debug, Clone)]
pub struct Session {
    /// CLIENT ID.
    pub id: u64,
    /// The selected database.
    pub db: usize,
    /// The protocol chosen with HELLO.
    pub proto: Protocol,
    /// CLIENT SETNAME.
    pub name: Option<Bytes>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Bytes>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Bytes>,
    /// Whether the client has authenticated (or needs no authentication).
    pub authenticated: bool,
    /// The ACL user the client is authenticated as.
    pub user: String,
    /// Bits from [`flags`].
    pub flags: u32,
    /// The last command run, as its full lowercase name (CLIENT LIST `cmd=`).
    pub last_cmd: &'static str,
    /// Peer address ("ip:port" or the unix socket path), for SLOWLOG and CLIENT LIST.
    pub addr: String,
    /// Set by a handler that blocks the client (see `Ctx::block`); taken by the server.
    pub block: Option<BlockRequest>,
    /// Subscriptions held (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE); mirrors the server's registry.
    pub pubsub: crate::pubsub::Counts,
    /// The open transaction, between MULTI and EXEC/DISCARD.
    pub multi: Option<MultiState>,
    /// CLIENT TRACKING REDIRECT id (0: none; meaningful while TRACKING is set).
    pub tracking_redirect: u64,
}

/// A transaction being queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiState {
    /// Queued commands as (registry index, argv).
    pub queued: Vec<(usize, Vec<Bytes>)>,
    /// A command was refused while queuing: EXEC answers EXECABORT.
    pub aborted: bool,
    /// Bytes of the queued commands' arguments (Redis's mstate.argv_len_sums), kept as
    /// commands are queued so the client's memory is known without walking the queue.
    pub argv_mem: usize,
}

impl MultiState {
    /// Queues a command (registry index, argv), counting its arguments' bytes.
    pub fn queue(&mut self, idx: usize, argv: &[Bytes]) {
        let bytes = argv
            .iter()
            .map(Bytes::len)
            .fold(0usize, usize::saturating_add);
        let slots = argv.len().saturating_mul(std::mem::size_of::<Bytes>());
        self.argv_mem = self.argv_mem.saturating_add(bytes).saturating_add(slots);
        self.queued.push((idx, argv.to_vec()));
    }

    /// Memory the queue holds (multiStateMemOverhead): the arguments and the queue's slots.
    pub fn memory(&self) -> usize {
        let entry = std::mem::size_of::<(usize, Vec<Bytes>)>();
        self.argv_mem
            .saturating_add(self.queued.capacity().saturating_mul(entry))
    }
}

/// What a blocking command asked for when it found nothing to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// The keys to wait on, in the selected database.
    pub keys: Vec<Bytes>,
    /// When to give up (unix ms); `None` waits forever. On timeout the client gets the null
    /// array, as Redis 7.0 answers every list, sorted-set and stream block.
    pub deadline_ms: Option<i64>,
    /// The command to run again when a key is written, in place of the one received (XREAD
    /// resolves `$` to the IDs it saw when it blocked); `None` runs the received one.
    pub retry_argv: Option<Vec<Bytes>>,
    /// The command takes nothing from the keys (XREAD): when it still finds nothing, the
    /// clients behind it in line are tried anyway (they may wait for older IDs).
    pub non_consuming: bool,
}

impl Session {
    /// A fresh session; `authenticated` is false when a password is required.
    pub fn new(id: u64, authenticated: bool) -> Self {
        Session {
            id,
            db: 0,
            proto: Protocol::Resp2,
            name: None,
            lib_name: None,
            lib_ver: None,
            authenticated,
            user: "default".to_string(),
            flags: 0,
            last_cmd: "NULL",
            addr: String::new(),
            block: None,
            pubsub: crate::pubsub::Counts::default(),
            multi: None,
            tracking_redirect: 0,
        }
    }

    /// Whether a flag from [`flags`] is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The tracking redirect as CLIENT GETREDIR and CLIENT LIST `redir=` show it: the
    /// redirect id (0 for none) while tracking is on, -1 when it is off.
    pub fn redir(&self) -> i64 {
        if self.has(flags::TRACKING) {
            i64::try_from(self.tracking_redirect).unwrap_or(i64::MAX)
        } else {
            -1
        }
    }
}

/// How SHUTDOWN was asked to behave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownOpts {
    /// NOSAVE.
    pub nosave: bool,
    /// SAVE.
    pub save: bool,
    /// NOW: don't wait for lagging replicas.
    pub now: bool,
    /// FORCE: ignore errors that would stop the shutdown.
    pub force: bool,
}

/// How the layer that keeps the loop busy (a script, a load) answers another client's command
/// (see [`ServerOps::serve_while_busy`]): it gets that client's session and a `ServerOps` whose
/// current client is that one; true means shut down without saving.
pub type BusyAnswer<'a> = dyn FnMut(&mut Core, &mut Session, &mut dyn ServerOps, &[Bytes], &mut dyn ReplySink) -> bool
    + 'a;

/// What the server does for admin commands; implemented by `server`.
pub trait ServerOps {
    /// CLIENT LIST lines for the clients `keep` accepts (the caller passes itself as `me`).
    fn client_list(&self, me: &Session, keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8>;
    /// Closes the clients `kill` selects; returns how many. The caller is closed after its reply
    /// if selected.
    fn kill_clients(&mut self, me: &mut Session, kill: &dyn Fn(&ClientInfo) -> bool) -> usize;
    /// CLIENT PAUSE until `until_ms`; `writes_only` for WRITE mode.
    fn pause_clients(&mut self, until_ms: i64, writes_only: bool);
    /// CLIENT UNPAUSE.
    fn unpause_clients(&mut self);
    /// CLIENT UNBLOCK: releases client `id` if a blocking command blocks it, with its timeout
    /// reply or (`error`) the UNBLOCKED error. True if it was blocked.
    fn unblock_client(&mut self, core: &mut Core, id: u64, error: bool) -> bool;
    /// SHUTDOWN: saves per options and config, then stops the server. Err carries the reply.
    fn shutdown(&mut self, core: &mut Core, opts: ShutdownOpts) -> Result<(), String>;
    /// SHUTDOWN ABORT.
    fn abort_shutdown(&mut self) -> bool;
    /// CONFIG RESETSTAT: clears the server's own counters (connections, network bytes).
    fn reset_stats(&mut self);
    /// Shows an executed command to the MONITOR clients, if there are any.
    fn feed_monitors(&mut self, me: &Session, argv: &[Bytes]);
    /// Turns the calling client into a MONITOR.
    fn start_monitor(&mut self, me: &mut Session);
    /// Applies config changes that touch the server (port, bind, maxclients, ...); Err carries
    /// the name of the parameter that failed and why.
    fn apply_config(
        &mut self,
        core: &mut Core,
        changed: &[&'static str],
    ) -> Result<(), (String, String)>;
    /// Appends the INFO sections the server owns (server, clients, stats network fields) for
    /// `section` (lowercase) to `out`; returns false if it owns no such section.
    fn info_section(&self, core: &Core, section: &str, out: &mut String) -> bool;
    /// The slot of client `id` in the client table (`me`'s own when it is the caller), or
    /// `None` if no such client is connected (CLIENT TRACKING REDIRECT).
    fn client_slot(&self, me: &Session, id: u64) -> Option<usize> {
        let _ = (me, id);
        None
    }

    /// While a script runs past busy-reply-threshold or a dataset loads: serves the other
    /// clients once without waiting (Redis's processEventsWhileBlocked). Each complete command
    /// they sent goes to `answer`, which writes its reply (a script's BUSY or what SCRIPT KILL,
    /// FUNCTION KILL and SHUTDOWN NOSAVE say; a load dispatches it) and returns true when the
    /// server must shut down. Returns true when the server is stopping.
    fn serve_while_busy(&mut self, core: &mut Core, answer: &mut BusyAnswer<'_>) -> bool {
        let _ = (core, answer);
        false
    }
    /// The pub/sub registry and the token the calling client is delivered to through, or
    /// `None` where there is no registry (benchmarks).
    fn pubsub(&mut self) -> Option<(&mut crate::pubsub::PubSub, usize)> {
        None
    }
    /// PUBLISH / SPUBLISH (`shard`): delivers `message` on `channel` to every receiver, the
    /// calling client's own copies through `own`, and returns the number of deliveries. A
    /// receiver over the pubsub client-output-buffer-limit is closed.
    fn publish(
        &mut self,
        core: &Core,
        shard: bool,
        channel: &[u8],
        message: &[u8],
        own: &mut dyn ReplySink,
    ) -> usize {
        let _ = (core, shard, channel, message, own);
        0
    }
}

/// What CLIENT LIST / CLIENT KILL filters look at for one client.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// CLIENT ID.
    pub id: u64,
    /// Peer address "ip:port" (or the socket path).
    pub addr: String,
    /// Local address.
    pub laddr: String,
    /// "normal", "master", "replica" or "pubsub".
    pub kind: &'static str,
    /// The ACL user.
    pub user: String,
    /// Seconds since the connection was made.
    pub age_secs: i64,
    /// Whether this is the calling client.
    pub is_me: bool,
}

/// What a handler works with.
pub struct Ctx<'a> {
    /// Where the reply goes.
    pub reply: &'a mut dyn ReplySink,
    /// Databases, config, stats.
    pub core: &'a mut Core,
    /// The calling client.
    pub session: &'a mut Session,
    /// The server, for admin commands.
    pub server: &'a mut dyn ServerOps,
    /// The time, frozen for the whole command (unix ms).
    pub now_ms: i64,
}

impl Ctx<'_> {
    /// The selected database index.
    pub fn db(&self) -> usize {
        self.session.db
    }

    /// Looks a key up for reading in the selected database (lazy expiry, hit/miss stats).
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<EntryRef<'_>> {
        let (db, now) = (self.session.db, self.now_ms);
        self.core.dbs.lookup_read(db, key, now)
    }

    /// [`Ctx::lookup_read`] as a plain `&mut Entry` (see `Databases::lookup_read_inline`).
    pub fn lookup_read_inline(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let (db, now) = (self.session.db, self.now_ms);
        self.core.dbs.lookup_read_inline(db, key, now)
    }

    /// Looks a key up for writing in the selected database (lazy expiry); a small value kept
    /// in the key's allocation is stored back when the guard drops.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<EntryMut<'_>> {
        let (db, now) = (self.session.db, self.now_ms);
        self.core.dbs.lookup_write(db, key, now)
    }

    /// Whether `key` exists, looked up for writing (see `Databases::exists_for_write`).
    pub fn exists_for_write(&mut self, key: &[u8]) -> bool {
        let (db, now) = (self.session.db, self.now_ms);
        self.core.dbs.exists_for_write(db, key, now)
    }

    /// [`Ctx::lookup_write`] as a plain `&mut Entry` (see `Databases::lookup_write_inline`).
    pub fn lookup_write_inline(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let (db, now) = (self.session.db, self.now_ms);
        self.core.dbs.lookup_write_inline(db, key, now)
    }

    /// Records that a key changed: WATCH, client tracking and blocked clients hang off this one
    /// hook (Redis's signalModifiedKey). Counts one change toward the save points.
    pub fn touched(&mut self, key: &[u8]) {
        self.core.dbs.dirty += 1;
        if self.core.tracking.is_active() {
            self.core.tracking.invalidate(key, Some(self.session.id));
        }
        let db = self.session.db;
        self.core.dbs.blocked.signal(db, key);
        // The existence lookup is only paid when somebody watches a key at all.
        if self.core.dbs.watched.watched_keys() > 0 {
            let exists = self.core.dbs.db(db).is_some_and(|d| d.get(key).is_some());
            self.core.dbs.watched.touch(db, key, exists);
        }
    }

    /// Whether this command may block its client (not inside MULTI/EXEC or a script, where a
    /// blocking command behaves as if it timed out at once).
    pub fn may_block(&self) -> bool {
        !self.session.has(flags::DENY_BLOCKING)
    }

    /// Blocks the calling client on `keys`, or answers the null array at once where blocking
    /// is not allowed (inside MULTI/EXEC or a script): what every blocking command does when it
    /// finds nothing to serve.
    pub fn block_or_timeout(&mut self, keys: &[Bytes], deadline_ms: Option<i64>) {
        if self.may_block() {
            self.block(keys.to_vec(), deadline_ms);
        } else {
            self.reply.null_array();
        }
    }

    /// Blocks the calling client on `keys` until one of them is written (its command is then run
    /// again) or until `deadline_ms` (unix ms; `None` waits forever), when it gets the null
    /// array. The handler writes no reply when it blocks.
    pub fn block(&mut self, keys: Vec<Bytes>, deadline_ms: Option<i64>) {
        self.session.block = Some(BlockRequest {
            keys,
            deadline_ms,
            retry_argv: None,
            non_consuming: false,
        });
    }

    /// `block`, with `argv` to run again in place of the command received; `non_consuming`
    /// for commands that take nothing from the keys (see [`BlockRequest::non_consuming`]).
    pub fn block_with(
        &mut self,
        keys: Vec<Bytes>,
        deadline_ms: Option<i64>,
        argv: Vec<Bytes>,
        non_consuming: bool,
    ) {
        self.session.block = Some(BlockRequest {
            keys,
            deadline_ms,
            retry_argv: Some(argv),
            non_consuming,
        });
    }

    /// Emits a keyspace notification of `class` for `event` on `key` (notify-keyspace-events).
    ///
    /// Where the event reaches the running client itself is where its reply stands now (Redis
    /// writes the message at once): commands that reply before notifying, as LPUSH, have their
    /// own event after the reply.
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        let db = self.session.db;
        let first = self.core.effects.events.len();
        self.core.effects.notify(class, event, db, key);
        if self.core.effects.events.len() > first
            && let Some(pos) = self.reply.position()
        {
            self.core.effects.event_marks.push((first, pos));
        }
    }

    /// Asks for `argv` to be propagated (AOF, replicas) in place of the command as received.
    pub fn propagate(&mut self, argv: Vec<Bytes>) {
        self.core.flush_expired_effects();
        let db = self.session.db;
        self.core.effects.replaced = true;
        self.core.effects.propagate(db, argv);
    }

    /// Keeps the running command itself out of propagation: only what it queued through
    /// `propagate` (or the commands it ran, for scripts) reaches the AOF and replicas.
    pub fn prevent_propagation(&mut self) {
        self.core.effects.prevent_as_received = true;
    }
}
