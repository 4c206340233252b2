//! `Ops`: the server's side of `ServerOps`, the door admin commands use to reach clients and the
//! process (CLIENT LIST/KILL/PAUSE, MONITOR, SHUTDOWN, INFO's server-owned sections).
//!
//! It borrows the server's fields other than `Core` for the length of one command, so the
//! dispatcher can hold `&mut Core` and `&mut dyn ServerOps` at once.

use std::fmt::Write as _;

use bytes::Bytes;

use super::client::Client;
use super::listen::Listener;
use super::{NetStats, unix_ms};
use crate::commands::ctx::{ClientInfo, ShutdownOpts, flags};
use crate::commands::{Core, ServerOps, Session};

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
    /// Query buffer length.
    pub qbuf: usize,
    /// Commands run.
    pub commands: u64,
}

/// The server's fields lent to one command.
pub struct Ops<'a> {
    /// All clients except the current one (its slot holds `None` meanwhile).
    pub clients: &'a mut Vec<Option<Box<Client>>>,
    /// MONITOR clients' slots.
    pub monitors: &'a mut Vec<usize>,
    /// CLIENT PAUSE state.
    pub pause: &'a mut Pause,
    /// Network counters.
    pub net: &'a NetStats,
    /// Set to stop the loop.
    pub stop: &'a mut Option<i32>,
    /// Clients with output to flush.
    pub pending_write: &'a mut Vec<usize>,
    /// The listeners (INFO tcp_port).
    pub listeners: &'a [Listener],
    /// The current client's connection facts.
    pub current: ConnView<'a>,
}

impl Ops<'_> {
    fn info_of(&self, c: &Client, now: i64) -> ClientInfo {
        ClientInfo {
            id: c.session.id,
            addr: c.session.addr.clone(),
            laddr: c.laddr.clone(),
            kind: kind_of(&c.session),
            user: c.session.user.clone(),
            age_secs: (now - c.created_ms) / 1000,
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
            age_secs: (now - self.current.created_ms) / 1000,
            is_me: true,
        }
    }
}

fn kind_of(s: &Session) -> &'static str {
    let _ = s;
    "normal"
}

/// One CLIENT LIST line (without the trailing newline) in Redis 7.0's field order.
#[allow(clippy::too_many_arguments)]
fn client_line(
    out: &mut Vec<u8>,
    s: &Session,
    laddr: &str,
    fd: i64,
    age: i64,
    idle: i64,
    flag_letters: &str,
    qbuf: usize,
    omem: usize,
    cmd: &str,
) {
    let name = s
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let lib_name = s
        .lib_name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let lib_ver = s
        .lib_ver
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let mut line = String::new();
    let _ = write!(
        line,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        s.id,
        s.addr,
        laddr,
        fd,
        name,
        age,
        idle,
        flag_letters,
        s.db,
        qbuf,
        omem,
        qbuf + omem + 1024,
        cmd,
        s.user,
        s.proto.version(),
        lib_name,
        lib_ver,
    );
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

impl ServerOps for Ops<'_> {
    fn client_list(&self, me: &Session, keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8> {
        let now = unix_ms();
        let mut rows: Vec<(u64, Vec<u8>)> = Vec::new();
        let me_info = self.me_info(me, now);
        if keep(&me_info) {
            let mut line = Vec::new();
            let mut letters = String::new();
            if me.has(flags::UNIX_SOCKET) {
                letters.push('U');
            }
            if letters.is_empty() {
                letters.push('N');
            }
            client_line(
                &mut line,
                me,
                self.current.laddr,
                self.current.fd,
                me_info.age_secs,
                0,
                &letters,
                self.current.qbuf,
                0,
                me.last_cmd,
            );
            rows.push((me.id, line));
        }
        for c in self.clients.iter().flatten() {
            let info = self.info_of(c, now);
            if !keep(&info) {
                continue;
            }
            let mut line = Vec::new();
            client_line(
                &mut line,
                &c.session,
                &c.laddr,
                c.fd,
                info.age_secs,
                (now - c.last_interaction_ms) / 1000,
                &c.flag_letters(),
                c.query.len(),
                c.pending_out(),
                c.session.last_cmd,
            );
            rows.push((c.session.id, line));
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
                kill(&self.info_of(c, now)).then_some(i)
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
        // A longer or stricter pause wins over the one in place, as in Redis.
        if until_ms > self.pause.until_ms || (!writes_only && self.pause.writes_only) {
            self.pause.until_ms = until_ms.max(self.pause.until_ms);
            self.pause.writes_only = writes_only && self.pause.writes_only;
            if self.pause.until_ms == until_ms {
                self.pause.writes_only = writes_only;
            }
        }
    }

    fn unpause_clients(&mut self) {
        *self.pause = Pause::default();
    }

    fn shutdown(&mut self, _core: &mut Core, _opts: ShutdownOpts) -> Result<(), String> {
        *self.stop = Some(0);
        Ok(())
    }

    fn abort_shutdown(&mut self) -> bool {
        false
    }

    fn feed_monitors(&mut self, me: &Session, argv: &[Bytes]) {
        if self.monitors.is_empty() {
            return;
        }
        let now = unix_ms();
        let mut line = format!(
            "+{}.{:06} [{} {}]",
            now / 1000,
            (now % 1000) * 1000,
            me.db,
            me.addr
        );
        for a in argv {
            line.push_str(" \"");
            for &b in a.iter() {
                match b {
                    b'\\' => line.push_str("\\\\"),
                    b'"' => line.push_str("\\\""),
                    b'\n' => line.push_str("\\n"),
                    b'\r' => line.push_str("\\r"),
                    b'\t' => line.push_str("\\t"),
                    7 => line.push_str("\\a"),
                    8 => line.push_str("\\b"),
                    0x20..=0x7e => line.push(b as char),
                    _ => {
                        let _ = write!(line, "\\x{b:02x}");
                    }
                }
            }
            line.push('"');
        }
        line.push_str("\r\n");
        for &slot in self.monitors.iter() {
            if let Some(Some(c)) = self.clients.get_mut(slot) {
                c.out.extend_from_slice(line.as_bytes());
                self.pending_write.push(slot);
            }
        }
    }

    fn start_monitor(&mut self, me: &mut Session) {
        me.flags |= flags::MONITOR;
        if !self.monitors.contains(&self.current.slot) {
            self.monitors.push(self.current.slot);
        }
    }

    fn apply_config(
        &mut self,
        _core: &mut Core,
        _changed: &[&'static str],
    ) -> Result<(), (String, String)> {
        Ok(())
    }

    fn info_section(&self, core: &Core, section: &str, out: &mut String) -> bool {
        super::info_fields::section(self, core, section, out)
    }
}
