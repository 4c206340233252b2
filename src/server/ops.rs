//! `Ops`: the server's side of `ServerOps`, the door admin commands use to reach clients and the
//! process (CLIENT LIST/KILL/PAUSE, MONITOR, SHUTDOWN, INFO's server-owned sections).
//!
//! It borrows the server's fields other than `Core` for the length of one command, so the
//! dispatcher can hold `&mut Core` and `&mut dyn ServerOps` at once.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::client::{Client, ClientMem, MemParts};
use super::listen::Listener;
use super::{NetStats, unix_ms};
use crate::commands::ctx::{ClientInfo, ShutdownOpts, flags};
use crate::commands::{Core, ServerOps, Session, connection, spec};

/// CLIENT PAUSE state.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pause {
    /// Paused until this unix ms.
    pub until_ms: i64,
    /// Only write commands are held back.
    pub writes_only: bool,
}

/// Connection facts about the client running the command (its `Client` is out of the table).
pub struct ConnView<'a> {
    /// Its slot in the client table.
    pub slot: usize,
    /// Local address.
    pub laddr: &'a str,
    /// Socket fd.
    pub fd: i64,
    /// Connection time (unix ms).
    pub created_ms: i64,
    /// Commands run.
    pub commands: u64,
    /// What the connection's memory is computed from, as the command starts
    /// (`Client::command_parts`; CLIENT LIST measures it with the caller's session).
    pub mem: MemParts<'a>,
    /// Whether WRITABLE interest is registered (CLIENT LIST events).
    pub writable: bool,
}

impl ConnView<'_> {
    /// The view when no client is running a command (start-up loading).
    pub fn none() -> ConnView<'static> {
        ConnView {
            slot: usize::MAX,
            laddr: "",
            fd: -1,
            created_ms: 0,
            commands: 0,
            mem: MemParts::default(),
            writable: false,
        }
    }
}

/// How many seconds of peaks INFO's client_recent_max_* fields cover (Redis's
/// CLIENTS_PEAK_MEM_USAGE_SLOTS).
const PEAK_SLOTS: usize = 8;

/// The biggest client query and output buffers seen in each of the last `PEAK_SLOTS` seconds.
#[derive(Debug, Default)]
pub struct ClientPeaks {
    input: [usize; PEAK_SLOTS],
    output: [usize; PEAK_SLOTS],
    /// The unix second the current slot belongs to.
    second: i64,
    /// The next client slot the cron samples.
    pub cursor: usize,
}

impl ClientPeaks {
    /// Moves to the slot of `now_ms`'s second, clearing slots of seconds that went by.
    pub fn enter_second(&mut self, now_ms: i64) {
        let sec = now_ms.div_euclid(1000);
        let gap = sec.saturating_sub(self.second).clamp(0, PEAK_SLOTS as i64);
        for s in 1..=gap {
            let i = usize::try_from((self.second + s).rem_euclid(PEAK_SLOTS as i64)).unwrap_or(0);
            if let (Some(a), Some(b)) = (self.input.get_mut(i), self.output.get_mut(i)) {
                (*a, *b) = (0, 0);
            }
        }
        self.second = sec;
    }

    /// Records one client's buffer sizes in the current second.
    pub fn record(&mut self, input: usize, output: usize) {
        let i = usize::try_from(self.second.rem_euclid(PEAK_SLOTS as i64)).unwrap_or(0);
        if let (Some(a), Some(b)) = (self.input.get_mut(i), self.output.get_mut(i)) {
            *a = (*a).max(input);
            *b = (*b).max(output);
        }
    }

    /// The biggest (query, output) buffers over the last `PEAK_SLOTS` seconds.
    pub fn recent_max(&self) -> (usize, usize) {
        let max = |v: &[usize; PEAK_SLOTS]| v.iter().copied().max().unwrap_or(0);
        (max(&self.input), max(&self.output))
    }
}

/// The server's fields lent to one command.
pub struct Ops<'a> {
    /// Connected clients, the current one included.
    pub live_clients: usize,
    /// Recent peak buffer sizes (INFO clients).
    pub peaks: &'a ClientPeaks,
    /// Memory of all normal and pub/sub clients together (INFO mem_clients_normal).
    pub clients_mem_total: usize,
    /// All clients except the current one (its slot holds `None` meanwhile).
    pub clients: &'a mut Vec<Option<Box<Client>>>,
    /// MONITOR clients' slots.
    pub monitors: &'a mut Vec<usize>,
    /// CLIENT PAUSE state.
    pub pause: &'a mut Pause,
    /// Network counters.
    pub net: &'a mut NetStats,
    /// Set to stop the loop.
    pub stop: &'a mut Option<i32>,
    /// Clients with output to flush.
    pub pending_write: &'a mut Vec<usize>,
    /// Clients whose pending input must be processed (released by CLIENT UNBLOCK).
    pub resume: &'a mut Vec<usize>,
    /// The listeners (INFO tcp_port; replaced by CONFIG SET port/bind).
    pub listeners: &'a mut Vec<Listener>,
    /// The poll's registry, to swap listeners.
    pub registry: &'a mio::Registry,
    /// The current client's connection facts.
    pub current: ConnView<'a>,
    /// The MONITOR line for the current client's own command, when it is a monitor itself (it
    /// is out of the client table, so the loop appends this to its output after the command).
    pub self_feed: Option<Vec<u8>>,
    /// The pub/sub registry.
    pub pubsub: &'a mut crate::pubsub::PubSub,
    /// The next client id (connections accepted while a script is busy).
    pub next_client_id: &'a mut u64,
    /// Set by SIGTERM/SIGINT; a load in progress checks it when it serves clients.
    pub signal: &'a std::sync::atomic::AtomicBool,
}

impl Pause {
    /// Whether a pause is in force at `now_ms`.
    pub fn active(&self, now_ms: i64) -> bool {
        self.until_ms > now_ms
    }

    /// Whether the pause holds back a command with spec `flags` from `session` at `now_ms`
    /// (Redis's processCommand check): everything in ALL mode, only commands that may write or
    /// replicate in WRITE mode. MONITOR clients, being replicas to Redis, are never held.
    pub fn holds(&self, now_ms: i64, cmd_flags: u64, session: &Session) -> bool {
        if !self.active(now_ms) || session.has(flags::MONITOR) {
            return false;
        }
        !self.writes_only || cmd_flags & (spec::CMD_WRITE | spec::CMD_MAY_REPLICATE) != 0
    }

    /// The spec flags of the command `argv` names (its subcommand's for a container), or 0 if
    /// unknown; for [`Pause::holds`], before the command is dispatched.
    pub fn command_flags(core: &Core, argv: &[Bytes]) -> u64 {
        let reg = &core.registry;
        let Some(top) = argv.first().and_then(|n| reg.find(n)) else {
            return 0;
        };
        let sub = argv.get(1).and_then(|s| reg.find_sub(top, s));
        let idx = sub.unwrap_or(top);
        reg.entry(idx).map_or(0, |e| e.spec.flags)
    }
}

impl Ops<'_> {
    fn info_of(&self, c: &Client, now: i64) -> ClientInfo {
        ClientInfo {
            id: c.session.id,
            addr: c.session.addr.clone(),
            laddr: c.laddr.clone(),
            kind: kind_of(&c.session),
            user: c.session.user.clone(),
            age_secs: age_secs(c.created_ms, now),
            is_me: false,
        }
    }

    fn me_info(&self, me: &Session, now: i64) -> ClientInfo {
        ClientInfo {
            id: me.id,
            addr: me.addr.clone(),
            laddr: self.current.laddr.to_string(),
            kind: kind_of(me),
            user: me.user.clone(),
            age_secs: age_secs(self.current.created_ms, now),
            is_me: true,
        }
    }
}

/// CLIENT LIST `type`: `pubsub` for a client holding subscriptions; a MONITOR is a normal
/// client (Redis's getClientType).
fn kind_of(s: &Session) -> &'static str {
    if s.pubsub.any() { "pubsub" } else { "normal" }
}

/// Whole seconds between two unix-ms instants, as Redis subtracts its unixtime seconds.
fn age_secs(since_ms: i64, now_ms: i64) -> i64 {
    now_ms
        .div_euclid(1000)
        .saturating_sub(since_ms.div_euclid(1000))
        .max(0)
}

/// The numbers of one CLIENT LIST line that come from the connection rather than the session.
struct LineFacts<'a> {
    laddr: &'a str,
    fd: i64,
    age: i64,
    idle: i64,
    writable: bool,
    /// The connection's memory (`Client::memory`), the same figures client eviction and INFO
    /// use.
    mem: ClientMem,
}

/// The CLIENT LIST line of a client in the table (also the `Evicting client:` log line).
pub fn client_info_line(c: &Client, now_ms: i64) -> Vec<u8> {
    let facts = LineFacts {
        laddr: &c.laddr,
        fd: c.fd,
        age: age_secs(c.created_ms, now_ms),
        idle: age_secs(c.last_interaction_ms, now_ms),
        writable: c.writable_registered,
        mem: c.memory(&c.argv),
    };
    let mut line = Vec::new();
    client_line(&mut line, &c.session, &facts);
    line
}

/// One CLIENT LIST line with its trailing newline, in Redis 7.0's field order; the memory
/// fields are carmine's own buffers, defined as in [`ClientMem`].
fn client_line(out: &mut Vec<u8>, s: &Session, f: &LineFacts<'_>) {
    let name = s
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n))
        .unwrap_or_default();
    let m = &f.mem;
    let line = format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} \
         multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} \
         omem={} tot-mem={} events={} cmd={} user={} redir={} resp={}\n",
        s.id,
        s.addr,
        f.laddr,
        f.fd,
        name,
        f.age,
        f.idle,
        flag_letters(s),
        s.db,
        s.pubsub.channels,
        s.pubsub.patterns,
        s.pubsub.shard,
        s.multi
            .as_ref()
            .map_or(-1, |m| i64::try_from(m.queued.len()).unwrap_or(i64::MAX)),
        m.qbuf,
        m.qbuf_free,
        m.argv_mem,
        m.multi_mem,
        m.rbs,
        m.rbp,
        m.obl,
        m.oll,
        m.omem,
        m.total,
        if f.writable { "rw" } else { "r" },
        s.last_cmd,
        s.user,
        s.redir(),
        s.proto.version(),
    );
    out.extend_from_slice(line.as_bytes());
}

/// One MONITOR feed line, `+<secs>.<usecs> [<db> <addr>] "arg" ...` plus CRLF, with arguments
/// quoted as Redis's sdscatrepr does and secrets shown as `(redacted)`.
pub fn monitor_line(me: &Session, argv: &[Bytes], unix_us: i64) -> Vec<u8> {
    let mut line = Vec::with_capacity(64);
    let _ = write!(
        line,
        "+{}.{:06} [{} ",
        unix_us.div_euclid(1_000_000),
        unix_us.rem_euclid(1_000_000),
        me.db
    );
    if me.has(flags::UNIX_SOCKET) {
        line.extend_from_slice(b"unix:");
        line.extend_from_slice(me.addr.strip_suffix(":0").unwrap_or(&me.addr).as_bytes());
    } else {
        line.extend_from_slice(me.addr.as_bytes());
    }
    line.push(b']');
    let redacted = connection::monitor_redactions(argv);
    for (i, a) in argv.iter().enumerate() {
        line.push(b' ');
        if redacted.contains(&i) {
            line.extend_from_slice(b"\"(redacted)\"");
        } else {
            repr(&mut line, a);
        }
    }
    line.extend_from_slice(b"\r\n");
    line
}

/// Appends `s` quoted and escaped as Redis's sdscatrepr.
fn repr(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(b'"');
}

/// The CLIENT LIST `flags=` letters of a session, in Redis's order (`N` when none).
pub fn flag_letters(s: &Session) -> String {
    let mut out = String::new();
    if s.has(flags::MONITOR) {
        out.push('O');
    }
    if s.pubsub.any() {
        out.push('P');
    }
    if s.multi.is_some() {
        out.push('x');
    }
    for (flag, letter) in [
        (flags::BLOCKED, 'b'),
        (flags::TRACKING, 't'),
        (flags::TRACKING_BROKEN_REDIR, 'R'),
        (flags::TRACKING_BCAST, 'B'),
        (flags::CLOSE_AFTER_REPLY, 'c'),
        (flags::UNIX_SOCKET, 'U'),
        (flags::NO_EVICT, 'e'),
    ] {
        if s.has(flag) {
            out.push(letter);
        }
    }
    if out.is_empty() {
        out.push('N');
    }
    out
}

/// The current unix time in microseconds (MONITOR timestamps).
fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl ServerOps for Ops<'_> {
    fn client_list(&self, me: &Session, keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8> {
        let now = unix_ms();
        let mut rows: Vec<(u64, Vec<u8>)> = Vec::new();
        let me_info = self.me_info(me, now);
        if keep(&me_info) {
            let mut line = Vec::new();
            let facts = LineFacts {
                laddr: self.current.laddr,
                fd: self.current.fd,
                age: me_info.age_secs,
                idle: 0,
                writable: self.current.writable,
                mem: self.current.mem.measure(me),
            };
            client_line(&mut line, me, &facts);
            rows.push((me.id, line));
        }
        for c in self.clients.iter().flatten() {
            let info = self.info_of(c, now);
            if !keep(&info) {
                continue;
            }
            rows.push((c.session.id, client_info_line(c, now)));
        }
        rows.sort_by_key(|r| r.0);
        rows.into_iter().flat_map(|r| r.1).collect()
    }

    fn kill_clients(&mut self, me: &mut Session, kill: &dyn Fn(&ClientInfo) -> bool) -> usize {
        let now = unix_ms();
        let mut n = 0;
        let me_info = self.me_info(me, now);
        let targets: Vec<usize> = self
            .clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                (!c.closing && kill(&self.info_of(c, now))).then_some(i)
            })
            .collect();
        for slot in targets {
            if let Some(Some(c)) = self.clients.get_mut(slot) {
                c.closing = true;
                c.out.clear();
                c.out_pos = 0;
                self.pending_write.push(slot);
                n += 1;
            }
        }
        if kill(&me_info) {
            me.flags |= flags::CLOSE_AFTER_REPLY;
            n += 1;
        }
        n
    }

    fn pause_clients(&mut self, until_ms: i64, writes_only: bool) {
        // Redis 7.0's pauseClients: the new mode replaces the old one, the later end wins.
        self.pause.writes_only = writes_only;
        self.pause.until_ms = self.pause.until_ms.max(until_ms);
    }

    fn unblock_client(&mut self, core: &mut Core, id: u64, error: bool) -> bool {
        let found = self.clients.iter_mut().enumerate().find_map(|(slot, c)| {
            c.as_mut()
                .filter(|c| c.session.id == id && c.blocked.is_some())
                .map(|c| (slot, c))
        });
        let Some((slot, c)) = found else {
            return false;
        };
        if c.blocked.take().is_none() {
            return false;
        }
        if error {
            let mut w = crate::protocol::write::RespWriter::new(&mut c.out, c.session.proto);
            crate::protocol::reply::ReplySink::error(
                &mut w,
                b"UNBLOCKED client unblocked via CLIENT UNBLOCK",
            );
        } else {
            super::write_timeout_reply(c);
        }
        c.session.flags &= !flags::BLOCKED;
        core.dbs.blocked.unblock(id);
        self.pending_write.push(slot);
        self.resume.push(slot);
        true
    }

    fn unpause_clients(&mut self) {
        *self.pause = Pause::default();
    }

    fn shutdown(&mut self, core: &mut Core, opts: ShutdownOpts) -> Result<(), String> {
        let now = super::unix_ms();
        if let Err(e) = crate::commands::persist::shutdown_save(core, opts.save, opts.nosave, now)
            && !opts.force
        {
            tracing::warn!("{e}");
            return Err("ERR Errors trying to SHUTDOWN. Check logs.".to_string());
        }
        *self.stop = Some(0);
        Ok(())
    }

    fn abort_shutdown(&mut self) -> bool {
        // Shutdown is immediate (no waiting for lagging replicas), so none is ever in progress.
        false
    }

    fn feed_monitors(&mut self, me: &Session, argv: &[Bytes]) {
        if self.monitors.is_empty() {
            return;
        }
        // Clients that left MONITOR mode (RESET) drop out here; the current client is out of
        // the table, so its own session says whether it still monitors.
        let (clients, current) = (&*self.clients, self.current.slot);
        self.monitors.retain(|&slot| match clients.get(slot) {
            Some(Some(c)) => c.session.has(flags::MONITOR),
            _ => slot == current && me.has(flags::MONITOR),
        });
        let line = monitor_line(me, argv, unix_us());
        if me.has(flags::MONITOR) && self.monitors.contains(&current) {
            self.self_feed = Some(line.clone());
        }
        for &slot in self.monitors.iter() {
            if let Some(Some(c)) = self.clients.get_mut(slot) {
                c.out.extend_from_slice(&line);
                self.pending_write.push(slot);
            }
        }
    }

    fn reset_stats(&mut self) {
        let peak = self.net.peak_clients;
        *self.net = NetStats::default();
        self.net.peak_clients = peak;
    }

    fn start_monitor(&mut self, me: &mut Session) {
        me.flags |= flags::MONITOR;
        if !self.monitors.contains(&self.current.slot) {
            self.monitors.push(self.current.slot);
        }
    }

    fn apply_config(
        &mut self,
        core: &mut Core,
        changed: &[&'static str],
    ) -> Result<(), (String, String)> {
        if changed.contains(&"loglevel") {
            super::log::set_level(core.config.loglevel);
        }
        if changed.contains(&"appendonly") {
            let on = core.config.appendonly;
            crate::commands::persist_aof::set_enabled(core, on)
                .map_err(|e| ("appendonly".to_string(), e))?;
        }
        let port = changed.contains(&"port");
        if port || changed.contains(&"bind") {
            // As Redis's changeBindAddr/changeListenPort: close the TCP listeners, bind the new
            // ones, and on failure bind the old addresses again.
            let old: Vec<std::net::SocketAddr> = self
                .listeners
                .iter()
                .filter_map(Listener::tcp_addr)
                .collect();
            let (tcp, rest): (Vec<Listener>, Vec<Listener>) = std::mem::take(self.listeners)
                .into_iter()
                .partition(|l| l.tcp_addr().is_some());
            let mut tcp = tcp;
            super::listen::deregister_all(&mut tcp, self.registry);
            drop(tcp);
            let (fresh, failure) = match super::listen::bind_tcp(&core.config) {
                Ok(fresh) => (fresh, None),
                Err(_) => {
                    let back = old
                        .iter()
                        .filter_map(|a| super::listen::rebind(*a, core.config.tcp_backlog))
                        .collect();
                    let (name, why) = if port {
                        ("port", "Unable to listen on this port. Check server logs.")
                    } else {
                        ("bind", "Failed to bind to specified addresses.")
                    };
                    (back, Some((name.to_string(), why.to_string())))
                }
            };
            let mut all = fresh;
            all.extend(rest);
            super::listen::deregister_all(&mut all, self.registry);
            let _ = super::listen::register_all(&mut all, self.registry);
            *self.listeners = all;
            if let Some(f) = failure {
                return Err(f);
            }
        }
        Ok(())
    }

    fn info_section(&self, core: &Core, section: &str, out: &mut String) -> bool {
        super::info_fields::section(self, core, section, out)
    }

    fn client_slot(&self, me: &Session, id: u64) -> Option<usize> {
        if me.id == id {
            return Some(self.current.slot);
        }
        self.clients
            .iter()
            .position(|c| c.as_ref().is_some_and(|c| c.session.id == id && !c.closing))
    }

    fn serve_while_busy(
        &mut self,
        core: &mut Core,
        answer: &mut crate::commands::ctx::BusyAnswer<'_>,
    ) -> bool {
        self.serve_busy(core, answer)
    }

    fn pubsub(&mut self) -> Option<(&mut crate::pubsub::PubSub, usize)> {
        Some((&mut *self.pubsub, self.current.slot))
    }

    fn publish(
        &mut self,
        core: &Core,
        shard: bool,
        channel: &[u8],
        message: &[u8],
        own: &mut dyn crate::protocol::reply::ReplySink,
    ) -> usize {
        let mut out = super::pubsub::Outboxes {
            clients: self.clients,
            pending_write: self.pending_write,
            limits: &core.config.client_output_buffer_limit,
        };
        let own = Some((self.current.slot, own));
        super::pubsub::deliver(self.pubsub, &mut out, shard, channel, message, own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(w: &[&[u8]]) -> Vec<Bytes> {
        w.iter().map(|s| Bytes::copy_from_slice(s)).collect()
    }

    fn session() -> Session {
        let mut s = Session::new(7, true);
        s.addr = "127.0.0.1:51950".to_string();
        s
    }

    #[test]
    fn monitor_line_escapes_like_sdscatrepr() {
        let s = session();
        let a = argv(&[
            b"SET",
            b"k",
            "a\"b\\c\n\r\t\x07\x08\x00\u{ff} \u{e9}".as_bytes(),
        ]);
        let line = monitor_line(&s, &a, 1_795_635_836_692_101);
        assert_eq!(
            String::from_utf8_lossy(&line),
            "+1795635836.692101 [0 127.0.0.1:51950] \"SET\" \"k\" \
             \"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xc3\\xbf \\xc3\\xa9\"\r\n"
        );
    }

    #[test]
    fn monitor_line_redacts_and_pads_microseconds() {
        let mut s = session();
        s.db = 5;
        let a = argv(&[b"HELLO", b"3", b"AUTH", b"default", b"pw", b"SETNAME", b"n"]);
        assert_eq!(
            String::from_utf8_lossy(&monitor_line(&s, &a, 1_000_000_042)),
            "+1000.000042 [5 127.0.0.1:51950] \"HELLO\" \"3\" \"AUTH\" \"(redacted)\" \
             \"(redacted)\" \"SETNAME\" \"n\"\r\n"
        );
        s.flags |= flags::UNIX_SOCKET;
        s.addr = "/tmp/redis.sock:0".to_string();
        assert_eq!(
            String::from_utf8_lossy(&monitor_line(&s, &argv(&[b"AUTH", b"x"]), 2_000_000)),
            "+2.000000 [5 unix:/tmp/redis.sock] \"AUTH\" \"(redacted)\"\r\n"
        );
    }

    #[test]
    fn client_line_has_redis_7_0_fields() {
        let mut s = session();
        s.name = Some(Bytes::from_static(b"conn"));
        s.last_cmd = "client|list";
        let facts = LineFacts {
            laddr: "127.0.0.1:6379",
            fd: 8,
            age: 3,
            idle: 1,
            writable: false,
            mem: ClientMem {
                qbuf: 26,
                qbuf_free: 100,
                argv_mem: 10,
                total: 20_000,
                ..ClientMem::default()
            },
        };
        let mut out = Vec::new();
        client_line(&mut out, &s, &facts);
        let line = String::from_utf8(out).unwrap();
        let keys: Vec<&str> = line
            .trim_end()
            .split(' ')
            .map(|kv| kv.split('=').next().unwrap())
            .collect();
        assert_eq!(
            keys,
            "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem \
             multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp"
                .split(' ')
                .collect::<Vec<_>>()
        );
        assert!(line.starts_with(
            "id=7 addr=127.0.0.1:51950 laddr=127.0.0.1:6379 fd=8 name=conn age=3 idle=1 flags=N \
             db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=100 argv-mem=10 multi-mem=0 \
             rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=20000 "
        ));
        assert!(line.ends_with(" events=r cmd=client|list user=default redir=-1 resp=2\n"));
    }

    #[test]
    fn flag_letters_follow_redis_order() {
        let mut s = session();
        assert_eq!(flag_letters(&s), "N");
        s.flags |= flags::NO_EVICT | flags::MONITOR | flags::UNIX_SOCKET | flags::CLOSE_AFTER_REPLY;
        assert_eq!(flag_letters(&s), "OcUe");
        s.flags |=
            flags::BLOCKED | flags::TRACKING | flags::TRACKING_BROKEN_REDIR | flags::TRACKING_BCAST;
        assert_eq!(flag_letters(&s), "ObtRBcUe");
    }

    #[test]
    fn pause_holds_what_its_mode_says() {
        let s = session();
        let p = Pause {
            until_ms: 2000,
            writes_only: true,
        };
        assert!(p.holds(1000, spec::CMD_WRITE, &s));
        assert!(p.holds(1000, spec::CMD_MAY_REPLICATE, &s));
        assert!(!p.holds(1000, spec::CMD_READONLY, &s));
        assert!(!p.holds(2000, spec::CMD_WRITE, &s), "expired");
        let p = Pause {
            until_ms: 2000,
            writes_only: false,
        };
        assert!(p.holds(1000, spec::CMD_READONLY, &s));
        let mut m = session();
        m.flags |= flags::MONITOR;
        assert!(
            !p.holds(1000, spec::CMD_READONLY, &m),
            "monitors are never paused"
        );
    }

    #[test]
    fn command_flags_resolve_subcommands() {
        let core = Core::new(crate::config::Config::default());
        let set = Pause::command_flags(&core, &argv(&[b"set", b"k", b"v"]));
        assert_ne!(set & spec::CMD_WRITE, 0);
        let list = Pause::command_flags(&core, &argv(&[b"CLIENT", b"LIST"]));
        assert_ne!(list & spec::CMD_ADMIN, 0);
        assert_eq!(Pause::command_flags(&core, &argv(&[b"nosuch"])), 0);
    }
}

#[cfg(test)]
mod peak_tests {
    use super::ClientPeaks;

    #[test]
    fn peaks_cover_the_last_eight_seconds() {
        let mut p = ClientPeaks::default();
        p.enter_second(1_000_000);
        p.record(100, 7);
        p.enter_second(1_001_500);
        p.record(20, 900);
        assert_eq!(p.recent_max(), (100, 900));
        // Seven seconds later the first sample is still in the window, eight later it is not.
        p.enter_second(1_007_000);
        assert_eq!(p.recent_max(), (100, 900));
        p.enter_second(1_008_000);
        assert_eq!(p.recent_max(), (20, 900));
        // A long quiet spell clears everything.
        p.enter_second(1_100_000);
        assert_eq!(p.recent_max(), (0, 0));
    }
}
