//! Serving other clients while the loop is stuck (Redis's processEventsWhileBlocked).
//!
//! Two things keep the loop from turning for a long time: a script running past
//! busy-reply-threshold, and a dataset load (start-up, DEBUG RELOAD, DEBUG LOADAOF). Both call
//! `ServerOps::serve_while_busy` now and then (the script's interpreter hook every hook period,
//! the loader every `loading-process-events-interval-bytes` of file read). One pass accepts
//! pending connections, reads whatever the other clients sent without waiting, hands each
//! complete command to the caller's `answer`, and writes the replies out at once. What the
//! answer does is the caller's business: a busy script answers BUSY (SCRIPT KILL, FUNCTION KILL
//! and SHUTDOWN NOSAVE act), a load runs the command through the dispatcher, whose LOADING check
//! refuses everything without the `loading` flag.
//!
//! Each client is out of the table while its commands run, with an `Ops` of its own, as in the
//! main loop; a blocked or paused client is left alone (its input waits). The client whose
//! command made the loop stuck (the script's caller, DEBUG RELOAD's) is out of the table for
//! the whole time, so its own pipelined commands wait, as in Redis.

use std::io;
use std::sync::atomic::Ordering;

use mio::{Interest, Token};

use super::client::{Client, Stream};
use super::ops::Ops;
use super::{CLIENT_BASE, listen, unix_ms};
use crate::commands::ctx::{BusyAnswer, ShutdownOpts, flags};
use crate::commands::{Core, ServerOps, Session};
use crate::protocol::parse::Limits;
use crate::protocol::reply::ReplySink;
use crate::protocol::write::RespWriter;

impl Ops<'_> {
    /// One pass over the listeners and the other clients; see the module header. Returns true
    /// when the server is stopping (SHUTDOWN ran).
    pub(super) fn serve_busy(&mut self, core: &mut Core, answer: &mut BusyAnswer<'_>) -> bool {
        if core.persist.loading.is_some() && self.signal.swap(false, Ordering::SeqCst) {
            // Redis's whileBlockedCron: a signal during a load exits without saving.
            tracing::warn!("Received shutdown signal during loading, scheduling shutdown.");
            *self.stop = Some(0);
            return true;
        }
        self.accept_while_busy(core);
        let mut buf = [0u8; 16 * 1024];
        let mut argv = Vec::new();
        let mut shutdown = false;
        for slot in 0..self.clients.len() {
            let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            let idle = c.closing
                || c.session.has(flags::MONITOR)
                || c.blocked.is_some()
                || c.postponed.is_some();
            if !idle {
                read_available(&mut c, &mut buf, core, &mut self.net.input_bytes);
                let limits = Limits {
                    max_bulk_len: core.config.proto_max_bulk_len,
                    authenticated: c.session.authenticated,
                    is_master: false,
                };
                while !c.closing
                    && !shutdown
                    && self.stop.is_none()
                    && !c.session.has(flags::CLOSE_AFTER_REPLY)
                {
                    match c.parser.next(&mut c.query, &limits, &mut argv) {
                        Ok(true) if argv.is_empty() => {}
                        Ok(true) => {
                            shutdown = self.answer_one(core, &mut c, slot, &argv, answer);
                            argv.clear();
                        }
                        Ok(false) => break,
                        Err(e) => {
                            // As the main loop: the error, then the connection closes.
                            let mut w = RespWriter::new(&mut c.out, c.session.proto);
                            w.error(e.message().as_bytes());
                            c.session.flags |= flags::CLOSE_AFTER_REPLY;
                            c.query.clear();
                            break;
                        }
                    }
                }
                if c.flush().is_err() {
                    c.closing = true;
                }
                if c.pending_out() > 0 || c.closing || c.session.has(flags::CLOSE_AFTER_REPLY) {
                    self.pending_write.push(slot);
                }
            }
            if let Some(s) = self.clients.get_mut(slot) {
                *s = Some(c);
            }
            if shutdown || self.stop.is_some() {
                break;
            }
        }
        if shutdown {
            let opts = ShutdownOpts {
                nosave: true,
                ..Default::default()
            };
            let _ = self.shutdown(core, opts);
        }
        self.stop.is_some()
    }

    /// Hands one command of client `c` (out of the table at `slot`) to `answer`, with an `Ops`
    /// whose current client is `c`; returns what `answer` returned.
    fn answer_one(
        &mut self,
        core: &mut Core,
        c: &mut Client,
        slot: usize,
        argv: &[bytes::Bytes],
        answer: &mut BusyAnswer<'_>,
    ) -> bool {
        c.commands += 1;
        let mark = c.reply_mark();
        let (current, mut w, session) = c.command_parts(slot, argv);
        let mut ops = Ops {
            live_clients: self.live_clients,
            peaks: self.peaks,
            clients_mem_total: self.clients_mem_total,
            clients: &mut *self.clients,
            monitors: &mut *self.monitors,
            pause: &mut *self.pause,
            net: &mut *self.net,
            stop: &mut *self.stop,
            pending_write: &mut *self.pending_write,
            resume: &mut *self.resume,
            listeners: &mut *self.listeners,
            registry: self.registry,
            current,
            self_feed: None,
            pubsub: &mut *self.pubsub,
            next_client_id: &mut *self.next_client_id,
            signal: self.signal,
        };
        let shutdown = answer(core, session, &mut ops, argv, &mut w);
        let self_feed = ops.self_feed.take();
        c.settle_reply(mark);
        if let Some(line) = self_feed {
            c.out.extend_from_slice(&line);
        }
        c.last_interaction_ms = unix_ms();
        shutdown
    }

    /// Accepts pending connections into free table slots, as the main loop would.
    fn accept_while_busy(&mut self, core: &Core) {
        for idx in 0..self.listeners.len() {
            while let Some(Ok((mut stream, addr, laddr, unix))) =
                self.listeners.get(idx).map(|l| l.accept())
            {
                self.net.connections_received += 1;
                let refusal =
                    super::admission_refusal(&core.config, self.live_clients, &addr, unix);
                if let Some(line) = refusal {
                    let _ = stream.write(line.as_bytes());
                    self.net.rejected_connections += 1;
                    continue;
                }
                let slot = self.clients.len();
                let token = Token(CLIENT_BASE + slot);
                let reg = match &mut stream {
                    Stream::Tcp(s) => {
                        let _ = s.set_nodelay(true);
                        listen::set_keepalive(s, core.config.tcp_keepalive);
                        self.registry.register(s, token, Interest::READABLE)
                    }
                    Stream::Unix(s) => self.registry.register(s, token, Interest::READABLE),
                };
                if reg.is_err() {
                    continue;
                }
                let id = *self.next_client_id;
                *self.next_client_id += 1;
                let mut session = Session::new(id, core.config.requirepass.is_none());
                session.addr = addr;
                if unix {
                    session.flags |= flags::UNIX_SOCKET;
                }
                let fd = listen::raw_fd(&stream);
                let client = Client::new(stream, session, laddr, fd, unix_ms());
                self.clients.push(Some(Box::new(client)));
                self.live_clients += 1;
                self.net.peak_clients = self.net.peak_clients.max(self.live_clients);
            }
        }
    }
}

/// Reads what client `c` sent without waiting, into its query buffer; marks it closing on EOF
/// or a query buffer over client-query-buffer-limit.
fn read_available(c: &mut Client, buf: &mut [u8], core: &Core, input_bytes: &mut u64) {
    loop {
        match c.stream.read(buf) {
            Ok(0) => {
                c.closing = true;
                return;
            }
            Ok(n) => {
                c.query.extend_from_slice(buf.get(..n).unwrap_or_default());
                c.net_in += n as u64;
                *input_bytes += n as u64;
                if c.query.len() > core.config.client_query_buffer_limit {
                    c.closing = true;
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
