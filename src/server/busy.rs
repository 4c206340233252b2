//! Serving other clients while a script is busy (Redis's processEventsWhileBlocked).
//!
//! Once a script has run past busy-reply-threshold, its interpreter hook calls
//! `ServerOps::serve_while_busy` every hook period. That accepts pending connections, reads
//! whatever the other clients sent without waiting, hands each complete command to the
//! scripting layer's `answer` (BUSY for most; SCRIPT KILL, FUNCTION KILL and SHUTDOWN NOSAVE
//! act), and writes the replies out at once, since the main loop does not turn until the
//! script ends. The client running the script is out of the client table meanwhile, so its
//! own pipelined commands wait for the script, as in Redis.

use std::io;

use mio::{Interest, Token};

use super::client::{Client, Stream};
use super::ops::Ops;
use super::{CLIENT_BASE, listen, unix_ms};
use crate::commands::ctx::{BusyAnswer, ShutdownOpts, flags};
use crate::commands::{Core, ServerOps, Session};
use crate::protocol::parse::Limits;
use crate::protocol::write::RespWriter;

impl Ops<'_> {
    /// One pass over the listeners and the other clients; see the module header.
    pub(super) fn serve_busy(&mut self, core: &mut Core, answer: &mut BusyAnswer<'_>) {
        self.accept_while_busy(core);
        let mut buf = [0u8; 16 * 1024];
        let mut argv = Vec::new();
        let mut shutdown = false;
        for slot in 0..self.clients.len() {
            let Some(Some(c)) = self.clients.get_mut(slot) else {
                continue;
            };
            if c.closing || c.session.has(flags::MONITOR) {
                continue;
            }
            loop {
                match c.stream.read(&mut buf) {
                    Ok(0) => {
                        c.closing = true;
                        break;
                    }
                    Ok(n) => {
                        c.query.extend_from_slice(buf.get(..n).unwrap_or_default());
                        c.net_in += n as u64;
                        self.net.input_bytes += n as u64;
                        if c.query.len() > core.config.client_query_buffer_limit {
                            c.closing = true;
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let limits = Limits {
                max_bulk_len: core.config.proto_max_bulk_len,
                authenticated: c.session.authenticated,
                is_master: false,
            };
            while !c.closing && !shutdown {
                match c.parser.next(&mut c.query, &limits, &mut argv) {
                    Ok(true) if argv.is_empty() => {}
                    Ok(true) => {
                        let mut w = RespWriter::new(&mut c.out, c.session.proto);
                        shutdown = answer(core, &c.session, &argv, &mut w);
                        argv.clear();
                    }
                    _ => break,
                }
            }
            if c.flush().is_err() {
                c.closing = true;
            }
            if c.pending_out() > 0 || c.closing {
                self.pending_write.push(slot);
            }
            if shutdown {
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
    }

    /// Accepts pending connections into free table slots, as the main loop would.
    fn accept_while_busy(&mut self, core: &Core) {
        for idx in 0..self.listeners.len() {
            while let Some(Ok((mut stream, addr, laddr, unix))) =
                self.listeners.get(idx).map(|l| l.accept())
            {
                self.net.connections_received += 1;
                let slot = self.clients.len();
                let token = Token(CLIENT_BASE + slot);
                let reg = match &mut stream {
                    Stream::Tcp(s) => {
                        let _ = s.set_nodelay(true);
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
            }
        }
    }
}
