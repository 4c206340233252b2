//! The server: listeners, the mio reactor, client lifecycle, before_sleep and the cron.
//!
//! One thread owns everything. A loop turn is: poll (timeout = time to the next cron tick) ->
//! accept -> read every readable client and run each complete command in its buffer -> then
//! `before_sleep`: write pending replies directly (WRITABLE interest is registered only for what
//! a socket did not take), hand big frees to the background thread, run the fast expiry cycle,
//! close clients marked for closing. The cron runs `hz` times a second: active expiry,
//! incremental rehash, client timeouts, stats, shutdown on signals.
//!
//! This module never looks inside values: it owns `Core` and passes it to the dispatcher.

pub mod bio;
mod busy;
pub mod client;
pub mod client_mem;
pub mod info_fields;
pub mod listen;
pub mod log;
pub mod ops;
pub mod pubsub;
pub mod tracking;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use mio::{Events, Interest, Poll, Token};

use crate::commands::ctx::flags;
use crate::commands::{self, Core, Session};
use crate::config::Config;
use crate::db::expire::{self, CycleKind, ExpireParams};
use crate::protocol::parse::Limits;
use crate::protocol::reply::ReplySink;
use crate::protocol::write::RespWriter;
use client::{Client, READ_CHUNK, Stream};
use listen::Listener;

/// Tokens below this are listeners; clients use `CLIENT_BASE + slot`.
const CLIENT_BASE: usize = 1024;
/// Most bytes read from one client per loop turn before moving on to others.
const MAX_READ_PER_TURN: usize = 1024 * 1024;

/// A running server.
pub struct Server {
    poll: Poll,
    listeners: Vec<Listener>,
    clients: Vec<Option<Box<Client>>>,
    free_slots: Vec<usize>,
    /// Recent peak buffer sizes over all clients (INFO client_recent_max_*), sampled by the cron.
    peaks: ops::ClientPeaks,
    /// Every client's memory, their total and the evictable ones by size (client eviction).
    client_mem: client_mem::ClientMemory,
    /// Databases, config, stats: what commands work on.
    pub core: Core,
    next_client_id: u64,
    shutdown_signal: Arc<AtomicBool>,
    /// Slots of clients with output to flush before sleeping.
    pending_write: Vec<usize>,
    /// Slots of clients with unread socket bytes.
    pending_read: Vec<usize>,
    monitors: Vec<usize>,
    /// Slots of clients holding a command back because of CLIENT PAUSE.
    paused_clients: Vec<usize>,
    /// Slot of each blocked client, by client id.
    slot_of_id: std::collections::HashMap<u64, usize>,
    /// Set while blocked clients are being served (serving may run commands that signal keys).
    serving_blocked: bool,
    /// Slots of clients CLIENT UNBLOCK released, whose pending input must be processed.
    resume: Vec<usize>,
    /// Who is subscribed to which channels, patterns and shard channels.
    pubsub: crate::pubsub::PubSub,
    net: NetStats,
    pause: ops::Pause,
    bio: bio::Bio,
    last_cron: Instant,
    cron_loops: u64,
    stop: Option<i32>,
    /// Unix time derived from the monotonic clock, re-anchored every cron tick.
    clock: Clock,
    /// Scratch buffer every socket read lands in first.
    read_buf: Vec<u8>,
    /// The hostname's executable path and config file, for INFO.
    pub executable: String,
    /// Config file path, for INFO.
    pub config_file: String,
}

/// Network counters for INFO stats.
#[derive(Debug, Default, Clone)]
pub struct NetStats {
    /// total_connections_received.
    pub connections_received: u64,
    /// rejected_connections.
    pub rejected_connections: u64,
    /// total_net_input_bytes.
    pub input_bytes: u64,
    /// total_net_output_bytes.
    pub output_bytes: u64,
    /// Highest number of simultaneous clients.
    pub peak_clients: usize,
}

/// Unix time read off the monotonic clock: one `Instant` read serves both a command's timing
/// and its unix time. Re-anchored to the wall clock every cron tick, so a wall-clock change is
/// seen within 1/hz seconds.
#[derive(Debug, Clone, Copy)]
struct Clock {
    base: Instant,
    base_ms: i64,
}

impl Clock {
    fn now() -> Clock {
        Clock {
            base: Instant::now(),
            base_ms: unix_ms(),
        }
    }

    fn unix_ms(&self, at: Instant) -> i64 {
        let since = at.saturating_duration_since(self.base).as_millis();
        self.base_ms
            .saturating_add(i64::try_from(since).unwrap_or(i64::MAX))
    }
}

/// The current unix time in ms.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Starts a server for `config` and runs it until shutdown; returns the process exit code.
pub fn run(config: Config, config_file: Option<String>) -> i32 {
    log::init(&config);
    let mut server = match Server::new(config) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("{e}");
            return 1;
        }
    };
    server.config_file = config_file.unwrap_or_default();
    server.serve()
}

impl Server {
    /// Binds the listeners and prepares the loop; fails like Redis if a port is taken.
    pub fn new(config: Config) -> Result<Server, String> {
        let poll = Poll::new().map_err(|e| format!("Failed creating the event loop: {e}"))?;
        let mut listeners = listen::bind_all(&config)?;
        listen::register_all(&mut listeners, poll.registry())?;
        let shutdown_signal = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&shutdown_signal));
        }
        crate::util::hash::seed_from_random();
        let mut core = Core::new(config);
        core.start_ms = unix_ms();
        core.lastsave = core.start_ms / 1000;
        Ok(Server {
            poll,
            listeners,
            clients: Vec::new(),
            free_slots: Vec::new(),
            peaks: ops::ClientPeaks::default(),
            client_mem: client_mem::ClientMemory::default(),
            core,
            next_client_id: 1,
            shutdown_signal,
            pending_write: Vec::new(),
            pending_read: Vec::new(),
            monitors: Vec::new(),
            paused_clients: Vec::new(),
            slot_of_id: std::collections::HashMap::new(),
            serving_blocked: false,
            resume: Vec::new(),
            pubsub: crate::pubsub::PubSub::new(),
            net: NetStats::default(),
            pause: ops::Pause::default(),
            bio: bio::Bio::start(),
            last_cron: Instant::now(),
            cron_loops: 0,
            stop: None,
            read_buf: vec![0u8; READ_CHUNK],
            clock: Clock::now(),
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            config_file: String::new(),
        })
    }

    /// Runs the loop until the server stops; returns the exit code.
    pub fn serve(&mut self) -> i32 {
        log::banner(&self.core.config);
        if let Err(e) = write_pidfile(&self.core.config) {
            tracing::warn!("Failed to write PID file: {e}");
        }
        for name in self.core.config.not_in_effect() {
            tracing::warn!("Config directive '{name}' is accepted but not in effect yet");
        }
        // The listeners are bound already: clients connecting during the load are served
        // between chunks of it (-LOADING for most commands).
        let started = self.with_ops(ops::ConnView::none(), |core, ops| {
            if core.config.appendonly {
                commands::persist_aof::start(core, ops)
            } else {
                commands::persist::load_at_startup(core, ops)
            }
        });
        if let Err(e) = started {
            if self.stop.is_some() {
                // SHUTDOWN during the load: exit as Redis does, saving nothing.
                return self.finish_shutdown();
            }
            tracing::warn!("{e}");
            return 1;
        }
        crate::util::alloc::mark_startup();
        tracing::info!("Ready to accept connections");
        let mut events = Events::with_capacity(1024);
        while self.stop.is_none() {
            let timeout = if self.pending_read.is_empty() && !self.core.evict.proc_running {
                self.poll_timeout()
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout))
                && e.kind() != io::ErrorKind::Interrupted
            {
                tracing::warn!("poll failed: {e}");
            }
            for ev in events.iter() {
                let t = ev.token().0;
                if t < CLIENT_BASE {
                    self.accept(t);
                    continue;
                }
                let slot = t - CLIENT_BASE;
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    // A peer that hung up is read to the end (0 bytes); otherwise a short read
                    // means the socket is empty and the next arrival raises a new edge.
                    self.read_client(slot, ev.is_read_closed() || ev.is_error());
                }
                if ev.is_writable() {
                    self.pending_write.push(slot);
                }
            }
            let again = std::mem::take(&mut self.pending_read);
            for slot in again {
                self.read_client(slot, false);
            }
            self.before_sleep();
            if self.last_cron.elapsed() >= self.cron_period() {
                self.cron();
            }
        }
        self.finish_shutdown()
    }

    fn cron_period(&self) -> Duration {
        Duration::from_micros(1_000_000 / u64::from(self.core.config.hz.clamp(1, 500)))
    }

    /// How long the loop may sleep: until the next cron tick or the next blocked client's
    /// timeout, whichever comes first.
    fn poll_timeout(&self) -> Duration {
        // An eviction cycle that ran out of its time budget goes on at the next loop turn
        // without waiting (Redis's evictionTimeProc is a 0 ms timer).
        if self.core.evict.proc_running {
            return Duration::ZERO;
        }
        let cron = self.time_to_cron();
        match self.core.dbs.blocked.next_deadline() {
            Some(d) => {
                let left = u64::try_from(d.saturating_sub(unix_ms())).unwrap_or(0);
                cron.min(Duration::from_millis(left))
            }
            None => cron,
        }
    }

    fn time_to_cron(&self) -> Duration {
        self.cron_period().saturating_sub(self.last_cron.elapsed())
    }

    fn accept(&mut self, idx: usize) {
        loop {
            let Some(listener) = self.listeners.get(idx) else {
                return;
            };
            let accepted = listener.accept();
            let (stream, addr, laddr, unix) = match accepted {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    tracing::debug!("Accepting client connection: {e}");
                    return;
                }
            };
            self.net.connections_received += 1;
            self.register_client(stream, addr, laddr, unix);
        }
    }

    fn register_client(&mut self, mut stream: Stream, addr: String, laddr: String, unix: bool) {
        let now = unix_ms();
        let live = self.clients.len() - self.free_slots.len();
        if let Some(refusal) = admission_refusal(&self.core.config, live, &addr, unix) {
            let _ = stream.write(refusal.as_bytes());
            self.net.rejected_connections += 1;
            return;
        }
        if let Stream::Tcp(s) = &stream {
            let _ = s.set_nodelay(true);
            listen::set_keepalive(s, self.core.config.tcp_keepalive);
        }
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.clients.push(None);
            self.clients.len() - 1
        });
        let token = Token(CLIENT_BASE + slot);
        let reg = match &mut stream {
            Stream::Tcp(s) => self.poll.registry().register(s, token, Interest::READABLE),
            Stream::Unix(s) => self.poll.registry().register(s, token, Interest::READABLE),
        };
        if reg.is_err() {
            self.free_slots.push(slot);
            return;
        }
        let id = self.next_client_id;
        self.next_client_id += 1;
        let mut session = Session::new(id, self.core.config.requirepass.is_none());
        session.addr = addr;
        if unix {
            session.flags |= flags::UNIX_SOCKET;
        }
        let fd = listen::raw_fd(&stream);
        let client = Client::new(stream, session, laddr, fd, now);
        self.track_memory(slot, &client);
        if let Some(s) = self.clients.get_mut(slot) {
            *s = Some(Box::new(client));
        }
        let live = self.clients.len() - self.free_slots.len();
        self.net.peak_clients = self.net.peak_clients.max(live);
    }

    /// Reads what the socket has and runs every complete command.
    ///
    /// The sockets are registered edge-triggered, so the socket must be emptied before the
    /// next edge can come. A read that returns less than the buffer holds has emptied it (TCP
    /// and Unix stream reads copy every queued byte up to the buffer's size), so the loop stops
    /// there without the extra read that would only answer EAGAIN: one read syscall per request
    /// at pipeline 1, as Redis does. With `drain` (the peer hung up or the socket has an error)
    /// it reads on until 0 bytes or EAGAIN, so a close that came with the last bytes is seen.
    fn read_client(&mut self, slot: usize, drain: bool) {
        let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let mut total = 0usize;
        let mut dead = false;
        c.read_pending = false;
        if std::mem::take(&mut c.input_held) {
            // Commands left in the buffer when client eviction stopped this client last turn.
            self.process_input(&mut c, slot);
        }
        loop {
            if c.closing || c.input_held {
                break;
            }
            // Read into the shared buffer and append: a copy of what arrived is cheaper than
            // zero-filling fresh capacity in the query buffer before every read.
            let r = c.stream.read(&mut self.read_buf);
            match r {
                Ok(0) => {
                    dead = true;
                    break;
                }
                Ok(n) => {
                    let want = c.parser.bytes_wanted(c.query.len());
                    if want > n {
                        // A big bulk in progress: reserve its whole size once.
                        c.query.reserve(want);
                    } else if c.query.capacity() - c.query.len() < n {
                        // Room for a whole read, as Redis makes room for PROTO_IOBUF_LEN: a
                        // buffer the cron gave back is not regrown a few bytes at a time.
                        c.query.reserve(READ_CHUNK);
                    }
                    c.query
                        .extend_from_slice(self.read_buf.get(..n).unwrap_or_default());
                    total += n;
                    c.net_in += n as u64;
                    self.net.input_bytes += n as u64;
                    c.query_peak = c.query_peak.max(c.query.len());
                    c.last_interaction_ms = unix_ms();
                    self.process_input(&mut c, slot);
                    if c.query.len() > self.core.config.client_query_buffer_limit {
                        tracing::warn!(
                            "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
                            c.session.id,
                            c.session.addr,
                            String::from_utf8_lossy(
                                c.query.get(..64.min(c.query.len())).unwrap_or_default()
                            )
                        );
                        dead = true;
                        break;
                    }
                    if total >= MAX_READ_PER_TURN {
                        c.read_pending = true;
                        break;
                    }
                    if n < self.read_buf.len() && !drain {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    dead = true;
                    break;
                }
            }
        }
        if (c.read_pending || c.input_held) && !self.pending_read.contains(&slot) {
            self.pending_read.push(slot);
        }
        if dead {
            c.closing = true;
            c.out.clear();
            c.out_pos = 0;
        }
        if c.pending_out() > 0 || c.closing {
            self.pending_write.push(slot);
        }
        // What this read buffered and its commands wrote, as Redis updates a client's memory
        // bucket after processing its input (with client eviction off, the cron's once-a-second
        // look is enough for INFO, as Redis's clientsCronTrackClientsMemUsage).
        if self.client_eviction_on() {
            self.track_memory(slot, &c);
        }
        if let Some(s) = self.clients.get_mut(slot) {
            *s = Some(c);
        }
        // What this read buffered may put the clients over maxmemory-clients.
        self.evict_clients();
    }

    /// Parses and runs every complete command in the client's query buffer.
    fn process_input(&mut self, c: &mut Client, slot: usize) {
        // Commands of one batch run back to back: each one's end time is the next one's start,
        // which halves the clock reads of a pipeline (the next command's parse is counted in its
        // duration, a few ns).
        let mut clock = Instant::now();
        if let Some(argv) = c.postponed.take() {
            // A command held back by CLIENT PAUSE runs first, if the pause is over.
            if self.pause_holds(&c.session, &argv) {
                c.postponed = Some(argv);
                return;
            }
            clock = self.run_command(c, slot, &argv, clock);
            if let Some(req) = c.session.block.as_mut() {
                let argv = req.retry_argv.take().unwrap_or(argv);
                c.blocked = Some(client::BlockedCommand { argv });
            }
        }
        if self.register_block(c, slot) {
            return;
        }
        let mut argv = std::mem::take(&mut c.argv);
        loop {
            if c.closing || c.session.has(flags::CLOSE_AFTER_REPLY) || c.blocked.is_some() {
                break;
            }
            let limits = Limits {
                max_bulk_len: self.core.config.proto_max_bulk_len,
                authenticated: c.session.authenticated,
                is_master: false,
            };
            let buffered = c.query.len();
            match c.parser.next(&mut c.query, &limits, &mut argv) {
                Ok(false) => break,
                Ok(true) => {
                    if argv.is_empty() {
                        continue;
                    }
                    c.cmd_len = buffered.saturating_sub(c.query.len());
                    if self.pause_holds(&c.session, &argv) {
                        // Keep the command until CLIENT UNPAUSE or the pause times out.
                        c.postponed = Some(std::mem::take(&mut argv));
                        if !self.paused_clients.contains(&slot) {
                            self.paused_clients.push(slot);
                        }
                        break;
                    }
                    clock = self.run_command(c, slot, &argv, clock);
                    c.cmd_len = 0;
                    // Clients blocked on keys this command wrote are served before this client's
                    // next command, as Redis does after every command.
                    if self.core.dbs.blocked.has_ready() {
                        self.serve_blocked();
                    }
                    if let Some(req) = c.session.block.as_mut() {
                        let argv = match req.retry_argv.take() {
                            Some(retry) => retry,
                            None => std::mem::take(&mut argv),
                        };
                        c.blocked = Some(client::BlockedCommand { argv });
                        self.register_block(c, slot);
                        break;
                    }
                    if self.over_output_limit(c) {
                        tracing::info!(
                            "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                            c.session.id,
                            c.session.addr
                        );
                        c.closing = true;
                        c.out.clear();
                        c.out_pos = 0;
                        break;
                    }
                    if self.over_client_limit(c, slot) {
                        // As Redis runs evictClients before every command: stop here, let the
                        // loop evict (maybe this client), and go on with the rest next turn.
                        c.input_held = true;
                        if !self.pending_read.contains(&slot) {
                            self.pending_read.push(slot);
                        }
                        break;
                    }
                }
                Err(e) => {
                    tracing::debug!(
                        "Protocol error ({}) from client: id={}",
                        e.message(),
                        c.session.id
                    );
                    let line = e.message();
                    let mut w = RespWriter::new(&mut c.out, c.session.proto);
                    w.error(line.as_bytes());
                    c.session.flags |= flags::CLOSE_AFTER_REPLY;
                    c.query.clear();
                    break;
                }
            }
        }
        argv.clear();
        c.argv = argv;
    }

    /// Registers the block a command just asked for (`Session::block`); true if the client is
    /// now blocked.
    fn register_block(&mut self, c: &mut Client, slot: usize) -> bool {
        let Some(req) = c.session.block.take() else {
            return c.blocked.is_some();
        };
        if c.blocked.is_none() {
            return false;
        }
        self.core
            .dbs
            .blocked
            .block(c.session.id, c.session.db, &req.keys, req.deadline_ms);
        c.session.flags |= flags::BLOCKED;
        self.slot_of_id.insert(c.session.id, slot);
        true
    }

    /// Runs the commands of clients blocked on keys that were written, first come first served,
    /// until no written key has a waiter left (a served BLMOVE may feed the next one). A client
    /// whose command still finds nothing (or finds the key holding another type, which Redis
    /// 7.0 does not serve) stays blocked in its place.
    fn serve_blocked(&mut self) {
        if self.serving_blocked {
            return;
        }
        self.serving_blocked = true;
        loop {
            let ready = self.core.dbs.blocked.take_ready();
            if ready.is_empty() {
                break;
            }
            for (db, key) in ready {
                // Serve the line in order until a client finds nothing: the key is then
                // exhausted for everyone behind it, so a push serves at most one client per
                // element and 10,000 waiters cost no quadratic retries. A client that finds the
                // key holding another type keeps its place and the next one is tried.
                let mut i = 0;
                while let Some(id) = self.core.dbs.blocked.waiter_at(db, &key, i) {
                    let Some(&slot) = self.slot_of_id.get(&id) else {
                        i += 1;
                        continue;
                    };
                    match self.retry_blocked(slot) {
                        Retry::Served => {}
                        Retry::WrongType => i += 1,
                        Retry::Nothing => break,
                    }
                }
            }
        }
        self.serving_blocked = false;
    }

    fn retry_blocked(&mut self, slot: usize) -> Retry {
        let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
            return Retry::WrongType;
        };
        let mut outcome = Retry::WrongType;
        if let Some(b) = c.blocked.take() {
            let mark = c.out.len();
            c.session.flags |= flags::BLOCK_RETRY;
            self.run_command(&mut c, slot, &b.argv, Instant::now());
            c.session.flags &= !flags::BLOCK_RETRY;
            let again = c.session.block.take();
            let shared = again.as_ref().is_some_and(|r| r.non_consuming);
            let again = again.is_some();
            let wrong_type = c
                .out
                .get(mark..)
                .is_some_and(|r| r.starts_with(b"-WRONGTYPE"));
            if again || wrong_type {
                c.out.truncate(mark);
                c.blocked = Some(b);
                outcome = if again && !shared {
                    Retry::Nothing
                } else {
                    Retry::WrongType
                };
            } else {
                self.unblocked(&mut c);
                self.process_input(&mut c, slot);
                outcome = Retry::Served;
            }
            self.pending_write.push(slot);
        }
        if let Some(s) = self.clients.get_mut(slot) {
            *s = Some(c);
        }
        outcome
    }

    /// Forgets a client's block (served, timed out or unblocked).
    fn unblocked(&mut self, c: &mut Client) {
        self.core.dbs.blocked.unblock(c.session.id);
        self.core.dbs.watched.unwatch_all(c.session.id);
        self.slot_of_id.remove(&c.session.id);
        c.blocked = None;
        c.session.flags &= !flags::BLOCKED;
    }

    /// Answers blocked clients whose timeout passed with their null reply.
    fn block_timeouts(&mut self) {
        let now = unix_ms();
        for id in self.core.dbs.blocked.timed_out(now) {
            let Some(&slot) = self.slot_of_id.get(&id) else {
                self.core.dbs.blocked.unblock(id);
                continue;
            };
            let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            if c.blocked.is_some() {
                write_timeout_reply(&mut c);
            }
            self.unblocked(&mut c);
            self.process_input(&mut c, slot);
            self.pending_write.push(slot);
            if let Some(s) = self.clients.get_mut(slot) {
                *s = Some(c);
            }
        }
    }

    /// Resumes input processing of clients CLIENT UNBLOCK released.
    fn resume_unblocked(&mut self) {
        for slot in std::mem::take(&mut self.resume) {
            let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.slot_of_id.remove(&c.session.id);
            self.process_input(&mut c, slot);
            self.pending_write.push(slot);
            if let Some(s) = self.clients.get_mut(slot) {
                *s = Some(c);
            }
        }
    }

    /// Whether CLIENT PAUSE holds this command back (see `Pause::holds`).
    fn pause_holds(&mut self, session: &Session, argv: &[Bytes]) -> bool {
        if self.pause.until_ms == 0 {
            return false;
        }
        let now = unix_ms();
        if !self.pause.active(now) {
            self.pause = ops::Pause::default();
            return false;
        }
        self.pause
            .holds(now, ops::Pause::command_flags(&self.core, argv), session)
    }

    /// Whether the client's pending output is over its class's client-output-buffer-limit
    /// (see [`output_limit_reached`]).
    fn over_output_limit(&self, c: &mut Client) -> bool {
        output_limit_reached(&self.core.config.client_output_buffer_limit, c)
    }

    /// Resumes clients held by CLIENT PAUSE once it is over.
    fn resume_paused(&mut self) {
        if self.paused_clients.is_empty() {
            return;
        }
        if self.pause.until_ms != 0 && self.pause.until_ms > unix_ms() {
            return;
        }
        for slot in std::mem::take(&mut self.paused_clients) {
            let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.process_input(&mut c, slot);
            if c.pending_out() > 0 || c.closing {
                self.pending_write.push(slot);
            }
            if let Some(s) = self.clients.get_mut(slot) {
                *s = Some(c);
            }
        }
    }

    /// Runs one command that started at `start`; returns when it ended.
    fn run_command(
        &mut self,
        c: &mut Client,
        slot: usize,
        argv: &[Bytes],
        start: Instant,
    ) -> Instant {
        // The start instant gives both the command's duration and its frozen unix time: reading
        // the clock is a visible share of a pipelined GET's cost.
        let now = self.clock.unix_ms(start);
        c.commands += 1;
        c.last_interaction_ms = now;
        // The reply always goes to the output buffer; CLIENT REPLY OFF/SKIP drop it afterwards,
        // so that CLIENT REPLY ON and RESET, which turn replies back on, are answered.
        let mark = c.reply_mark();
        // The parts, not the figures: CLIENT LIST computes them only when asked.
        let (current, mut w, session) = c.command_parts(slot, argv);
        let (end, self_feed) = self.with_ops(current, |core, ops| {
            let end = commands::dispatch_at(core, session, ops, &mut w, argv, now, start);
            (end, ops.self_feed.take())
        });
        c.settle_reply(mark);
        c.note_out_peak();
        // Keyspace events go out now, the caller's own ahead of its reply (as Redis 7.0; after
        // settling it, since CLIENT REPLY OFF does not silence pushes).
        self.core.flush_expired_effects();
        // Invalidations first: Redis sends them from signalModifiedKey, ahead of the keyspace
        // event the same change raises.
        self.deliver_invalidations(Some((&mut *c, mark)));
        self.publish_events(Some((slot, c, mark)));
        if let Some(line) = self_feed {
            c.out.extend_from_slice(&line);
        }
        self.apply_effects();
        end
    }

    /// Runs `f` with the server's side of `ServerOps`, `current` being the client whose command
    /// runs (out of the table) or [`ops::ConnView::none`] (start-up loading serves clients
    /// through it).
    fn with_ops<R>(
        &mut self,
        current: ops::ConnView<'_>,
        f: impl FnOnce(&mut Core, &mut ops::Ops<'_>) -> R,
    ) -> R {
        let Server {
            core,
            clients,
            monitors,
            pause,
            net,
            stop,
            pending_write,
            listeners,
            poll,
            resume,
            pubsub,
            next_client_id,
            free_slots,
            peaks,
            shutdown_signal,
            client_mem,
            ..
        } = self;
        let live_clients = clients.len() - free_slots.len();
        let mut ops = ops::Ops {
            next_client_id,
            live_clients,
            peaks,
            clients_mem_total: client_mem.total(),
            clients,
            monitors,
            pause,
            net,
            stop,
            pending_write,
            resume,
            pubsub,
            listeners,
            registry: poll.registry(),
            signal: shutdown_signal,
            current,
            self_feed: None,
        };
        f(core, &mut ops)
    }

    /// Carries out what commands queued: frees go to the background thread.
    fn apply_effects(&mut self) {
        if self.core.dbs.has_lazy_frees() {
            let garbage = self.core.dbs.take_lazy_frees();
            self.bio.free(garbage);
        }
        // Expired keys become DEL effects; propagated commands go to the AOF; invalidations and
        // keyspace events are delivered.
        self.core.flush_expired_effects();
        self.core.effects.commit_each();
        commands::persist_aof::feed(&mut self.core);
        self.deliver_invalidations(None);
        self.publish_events(None);
    }

    /// Writes the AOF buffer; an everysec fsync that is due goes to the background thread.
    fn flush_aof(&mut self) {
        if let Some(f) = commands::persist_aof::flush(&mut self.core) {
            self.bio.fsync(f);
        }
    }

    /// Keeps evicting while an eviction cycle ran out of its time budget (Redis's
    /// evictionTimeProc, a 0 ms timer: one budget-limited cycle per loop turn), and not at all
    /// while clients are paused.
    fn evict_proc(&mut self) {
        self.core.evict.suspended = self.pause.active(unix_ms());
        if self.core.evict.proc_running {
            let core = &mut self.core;
            crate::evict::time_proc(&mut core.dbs, &core.config, &mut core.evict, unix_ms());
        }
    }

    /// Client eviction (evictClients): while the memory of normal and pub/sub clients together
    /// reaches maxmemory-clients, closes a client from the largest non-empty size bucket (those
    /// marked CLIENT NO-EVICT are counted but never chosen; MONITOR clients, Redis's replicas,
    /// are neither). Under the limit this is one comparison; over it, the work is the bucket
    /// scan and the clients actually closed.
    fn evict_clients(&mut self) {
        let limit = crate::evict::client_eviction_limit(&self.core.config);
        if limit == 0 {
            return;
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        while self.client_mem.total() >= limit {
            let Some(slot) = self.client_mem.victim() else {
                tracing::debug!("Over client maxmemory after evicting all evictable clients");
                return;
            };
            let Some(Some(c)) = self.clients.get(slot) else {
                // Not in the table (its command is running): it is recorded again afterwards.
                self.client_mem.remove(slot);
                continue;
            };
            if c.closing {
                // Already on its way out: it frees its memory when closed, not a second time.
                let mem = self.client_mem.of(slot);
                self.client_mem
                    .update(slot, mem, client_mem::Role::Protected);
                continue;
            }
            let line = ops::client_info_line(c, unix_ms());
            tracing::info!(
                "Evicting client: {}",
                String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(&line))
            );
            self.core.evict.evicted_clients += 1;
            self.close_client(slot);
        }
    }

    /// After one of its commands, with client eviction on: records the client's memory (its
    /// output may have grown) and tells whether the clients are now over maxmemory-clients
    /// while this one could be evicted, so it should not run another command before the loop
    /// has evicted. A client that cannot be evicted carries on, as in Redis.
    fn over_client_limit(&mut self, c: &Client, slot: usize) -> bool {
        let limit = crate::evict::client_eviction_limit(&self.core.config);
        if limit == 0 {
            return false;
        }
        let role = mem_role(c);
        self.client_mem.update(slot, c.memory_usage(), role);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        role == client_mem::Role::Evictable && self.client_mem.total() >= limit
    }

    /// Whether client eviction is on (maxmemory-clients set, and as a percentage, maxmemory).
    fn client_eviction_on(&self) -> bool {
        crate::evict::client_eviction_limit(&self.core.config) != 0
    }

    /// Records a client's current memory for client eviction and INFO (Redis's
    /// updateClientMemUsageAndBucket); O(1) in the number of clients.
    fn track_memory(&mut self, slot: usize, c: &Client) {
        self.client_mem.update(slot, c.memory_usage(), mem_role(c));
    }

    /// Runs one active expiry cycle unless DEBUG SET-ACTIVE-EXPIRE 0 turned them off.
    fn active_expire(&mut self, kind: CycleKind) {
        if !self.core.debug.active_expire {
            return;
        }
        let params = ExpireParams::from_effort(self.core.config.active_expire_effort);
        expire::active_expire_cycle(
            &mut self.core.dbs,
            kind,
            &params,
            self.core.config.hz,
            unix_ms(),
        );
    }

    fn before_sleep(&mut self) {
        self.evict_proc();
        self.resume_paused();
        self.serve_blocked();
        self.resume_unblocked();
        self.block_timeouts();
        self.active_expire(CycleKind::Fast);
        if self.core.tracking.client_count() > 0 {
            self.core.tracking.broadcast();
        }
        self.apply_effects();
        // The AOF is written (and under appendfsync always fsynced) before any reply leaves.
        self.flush_aof();
        let pending = std::mem::take(&mut self.pending_write);
        for slot in pending {
            self.flush_client(slot);
        }
        // As Redis's beforeSleep: after the writes, whatever output is still pending counts.
        self.evict_clients();
    }

    /// Writes a client's pending output; closes it if it is done or dead.
    fn flush_client(&mut self, slot: usize) {
        let Some(Some(c)) = self.clients.get_mut(slot) else {
            return;
        };
        let r = c.flush();
        if let Ok(n) = r {
            self.net.output_bytes += n as u64;
        }
        let done = c.pending_out() == 0;
        let close = r.is_err() || (done && (c.closing || c.session.has(flags::CLOSE_AFTER_REPLY)));
        if close {
            self.close_client(slot);
            return;
        }
        // Output grew (replies, messages, events) and shrank by what the socket took.
        if crate::evict::client_eviction_limit(&self.core.config) != 0 {
            let (mem, role) = (c.memory_usage(), mem_role(c));
            self.client_mem.update(slot, mem, role);
        }
        let want_writable = !done;
        if want_writable != c.writable_registered {
            let interest = if want_writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let token = Token(CLIENT_BASE + slot);
            let _ = match &mut c.stream {
                Stream::Tcp(s) => self.poll.registry().reregister(s, token, interest),
                Stream::Unix(s) => self.poll.registry().reregister(s, token, interest),
            };
            c.writable_registered = want_writable;
        }
    }

    fn close_client(&mut self, slot: usize) {
        let Some(entry) = self.clients.get_mut(slot) else {
            return;
        };
        let Some(mut c) = entry.take() else { return };
        let _ = match &mut c.stream {
            Stream::Tcp(s) => self.poll.registry().deregister(s),
            Stream::Unix(s) => self.poll.registry().deregister(s),
        };
        c.stream.shutdown();
        self.client_mem.remove(slot);
        self.monitors.retain(|&m| m != slot);
        self.paused_clients.retain(|&m| m != slot);
        self.core.dbs.blocked.unblock(c.session.id);
        self.slot_of_id.remove(&c.session.id);
        self.pubsub.remove_client(c.session.id);
        self.core.tracking.disable(c.session.id);
        self.pending_read.retain(|&m| m != slot);
        self.free_slots.push(slot);
    }

    /// The `hz` cron: expiry, rehash, timeouts, shutdown on signal.
    fn cron(&mut self) {
        self.last_cron = Instant::now();
        self.clock = Clock::now();
        self.cron_loops += 1;
        let now = unix_ms();
        if self.shutdown_signal.swap(false, Ordering::SeqCst) {
            tracing::warn!("Received SIGTERM scheduling shutdown...");
            if commands::persist::shutdown_save(&mut self.core, false, false, now).is_ok() {
                self.stop = Some(0);
                return;
            }
            tracing::warn!(
                "SIGTERM received but errors trying to shut down the server, check the logs \
                 for more information"
            );
        }
        // An AOF rewrite child's end is the AOF's business; nothing else forks yet.
        if let Some(f) = commands::persist::cron(&mut self.core, now) {
            commands::persist_aof::child_done(&mut self.core, &f);
        }
        self.active_expire(CycleKind::Slow);
        self.clients_cron(now);
        for db in self.core.dbs.iter_mut() {
            db.shrink_if_needed();
        }
        if self.core.config.activerehashing {
            self.core.dbs.rehash_for(1000);
        }
        self.client_timeouts(now);
        if self.core.tracking.client_count() > 0 {
            // As serverCron: the table limit is also enforced when no command comes.
            let max = self.core.config.tracking_table_max_keys;
            self.core.tracking.limit(max);
        }
        self.evict_clients();
        self.apply_effects();
        commands::persist_aof::cron(&mut self.core);
        self.flush_aof();
        let pending = std::mem::take(&mut self.pending_write);
        for slot in pending {
            self.flush_client(slot);
        }
    }

    /// Redis's clientsCron for a share of the clients, so every client is looked at about once
    /// a second: records its buffers in the current second's peak slot (INFO
    /// client_recent_max_*, answered without walking all clients), gives back query and output
    /// buffer space it no longer needs, and records its memory for client eviction.
    fn clients_cron(&mut self, now: i64) {
        let hz = usize::try_from(self.core.config.hz.max(1)).unwrap_or(1);
        let n = self.clients.len();
        let share = (n / hz).max(5).min(n);
        self.peaks.enter_second(now);
        for _ in 0..share {
            self.peaks.cursor = (self.peaks.cursor + 1) % n.max(1);
            let slot = self.peaks.cursor;
            let Some(Some(c)) = self.clients.get_mut(slot) else {
                continue;
            };
            let mem = c.memory(&[]);
            self.peaks.record(mem.input.max(c.query_peak), mem.omem);
            resize_buffers(c, now);
            let (mem, role) = (c.memory_usage(), mem_role(c));
            self.client_mem.update(slot, mem, role);
        }
    }

    fn client_timeouts(&mut self, now: i64) {
        let timeout = self.core.config.timeout;
        if timeout == 0 {
            return;
        }
        let limit = i64::try_from(timeout.saturating_mul(1000)).unwrap_or(i64::MAX);
        let idle: Vec<usize> = self
            .clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                // MONITOR clients and clients held by CLIENT PAUSE are not timed out, as Redis
                // spares replicas and blocked clients.
                let exempt =
                    c.session.has(flags::MONITOR) || c.postponed.is_some() || c.blocked.is_some();
                (!exempt && now - c.last_interaction_ms > limit).then_some(i)
            })
            .collect();
        for slot in idle {
            tracing::debug!("Closing idle client");
            self.close_client(slot);
        }
    }

    fn finish_shutdown(&mut self) -> i32 {
        tracing::warn!("User requested shutdown...");
        commands::persist_aof::kill_rewrite(&mut self.core);
        if let Some(a) = self.core.aof.aof.as_mut() {
            tracing::info!("Calling fsync() on the AOF file.");
            let _ = a.write_buf();
            let _ = a.fsync();
        }
        let slots: Vec<usize> = (0..self.clients.len()).collect();
        for slot in slots {
            self.flush_client(slot);
        }
        if !self.core.config.pidfile.is_empty() {
            let _ = std::fs::remove_file(&self.core.config.pidfile);
        }
        for l in &self.listeners {
            l.cleanup();
        }
        tracing::warn!("Redis is now ready to exit, bye bye...");
        self.stop.unwrap_or(0)
    }
}

/// Why a new connection is refused before it gets a client (maxclients reached, or protected
/// mode and a non-loopback peer): the line written to it, or `None` to accept it. `live` is the
/// number of connected clients.
fn admission_refusal(config: &Config, live: usize, addr: &str, unix: bool) -> Option<&'static str> {
    if live >= config.maxclients as usize {
        return Some("-ERR max number of clients reached\r\n");
    }
    // Protected mode refuses non-loopback clients when the default user has no password
    // (Redis 7.0 looks only at protected-mode and the password, not at bind).
    let loopback = addr.starts_with("127.") || addr.starts_with("[::1]");
    if !unix && config.protected_mode && config.requirepass.is_none() && !loopback {
        return Some(PROTECTED_MODE_ERROR);
    }
    None
}

/// Whether a client's pending output is over its class's client-output-buffer-limit: the
/// pubsub class for a client holding subscriptions, the normal class otherwise (hard limit at
/// once, soft limit after it has been exceeded for soft_seconds).
pub(crate) fn output_limit_reached(
    limits: &crate::config::ClientOutputBufferLimits,
    c: &mut Client,
) -> bool {
    let lim = if c.session.pubsub.any() {
        limits.pubsub
    } else {
        limits.normal
    };
    let used = c.pending_out() as u64;
    let hard = lim.hard != 0 && used >= lim.hard;
    let mut soft = lim.soft != 0 && used >= lim.soft;
    if soft {
        let now = unix_ms();
        if c.soft_limit_since_ms == 0 {
            c.soft_limit_since_ms = now;
            soft = false;
        } else if !soft_limit_elapsed(now, c.soft_limit_since_ms, lim.soft_seconds) {
            soft = false;
        }
    } else {
        c.soft_limit_since_ms = 0;
    }
    hard || soft
}

/// How a client takes part in client eviction: MONITOR clients are left out (as Redis leaves
/// out replicas), CLIENT NO-EVICT and closing clients are counted but never chosen.
fn mem_role(c: &Client) -> client_mem::Role {
    use client_mem::Role;
    if c.session.has(flags::MONITOR) {
        Role::Exempt
    } else if c.session.has(flags::NO_EVICT) || c.closing {
        Role::Protected
    } else {
        Role::Evictable
    }
}

/// Gives back buffer space a client no longer needs (clientsCronResizeQueryBuffer and
/// clientsCronResizeOutputBuffer): an empty query buffer of an idle client (over 2 s) is
/// released, one over 32 KiB and over twice its recent peak goes back to one read's size; an empty output buffer is cut to its peak of the
/// last `PEAK_RESET_MS` (kept if that is under 1 KiB, as Redis's smallest reply buffer). The
/// peaks then start over.
fn resize_buffers(c: &mut Client, now: i64) {
    if c.query.is_empty() && c.query.capacity() > QUERY_SHRINK_MIN {
        let idle = now.saturating_sub(c.last_interaction_ms) > 2000;
        let cap = c.query.capacity();
        let over_peak = cap > QUERY_RESIZE_THRESHOLD && cap / 2 > c.query_peak;
        if idle {
            c.query = bytes::BytesMut::new();
        } else if over_peak {
            c.query = bytes::BytesMut::with_capacity(READ_CHUNK);
        }
    }
    c.query_peak = c.query.len();
    if c.pending_out() == 0 && c.out.is_empty() {
        let target = c.out_peak.max(REPLY_MIN);
        if c.out.capacity() > REPLY_MIN && c.out_peak < c.out.capacity() / 2 {
            c.out.shrink_to(target);
        }
    }
    if now.saturating_sub(c.out_peak_reset_ms) >= PEAK_RESET_MS {
        c.out_peak = c.out.len();
        c.out_peak_reset_ms = now;
    }
}

/// A query buffer's spare room is given back only past this much (Redis: 4 KiB).
const QUERY_SHRINK_MIN: usize = 4 * 1024;
/// A busy client's query buffer is cut to its peak only past this size (PROTO_RESIZE_THRESHOLD).
const QUERY_RESIZE_THRESHOLD: usize = 32 * 1024;
/// The output buffer is never cut below this (PROTO_REPLY_MIN_BYTES).
const REPLY_MIN: usize = 1024;
/// How long the output buffer's peak is remembered (Redis's reply buffer peak reset time).
const PEAK_RESET_MS: i64 = 5000;

/// Whether a soft output-buffer limit first exceeded at `since_ms` has now been exceeded for
/// longer than `soft_seconds` (any u64 CONFIG SET accepts, so the product saturates).
fn soft_limit_elapsed(now_ms: i64, since_ms: i64, soft_seconds: u64) -> bool {
    let window = i64::try_from(soft_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    now_ms.saturating_sub(since_ms) > window
}

/// What re-running a blocked client's command did.
enum Retry {
    /// It was served and unblocked.
    Served,
    /// It found nothing and stays blocked (so will everyone behind it on that key).
    Nothing,
    /// It found the key holding another type (or is gone), or found nothing but takes nothing
    /// from the key (XREAD), and stays blocked in its place; the next client is tried.
    WrongType,
}

/// Writes a blocked client's timeout reply: the null array (Redis 7.0's
/// replyToBlockedClientTimedOut for list, sorted-set and stream blocks).
pub(crate) fn write_timeout_reply(c: &mut Client) {
    RespWriter::new(&mut c.out, c.session.proto).null_array();
}

fn write_pidfile(config: &Config) -> io::Result<()> {
    if config.pidfile.is_empty() {
        return Ok(());
    }
    std::fs::write(&config.pidfile, format!("{}\n", std::process::id()))
}

const PROTECTED_MODE_ERROR: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

#[cfg(test)]
mod tests {
    use super::soft_limit_elapsed;

    #[test]
    fn soft_limit_window_saturates_for_huge_soft_seconds() {
        assert!(!soft_limit_elapsed(10_000, 1, u64::MAX));
        assert!(!soft_limit_elapsed(10_000, 1, u64::MAX / 1000 + 1));
        assert!(!soft_limit_elapsed(60_001, 1, 60));
        assert!(soft_limit_elapsed(60_002, 1, 60));
        assert!(soft_limit_elapsed(1, 0, 0));
    }
}
