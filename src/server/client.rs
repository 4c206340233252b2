//! One connection: its socket, query buffer and parser, output buffer, and `Session`.
//!
//! The query buffer is a `BytesMut` the parser consumes from the front; arguments handed to the
//! dispatcher are `Bytes` slices of it. Replies are appended to `out`; `out_pos` marks how much of
//! it the socket has taken. Only the loop in `server::mod` touches these.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use mio::net::{TcpStream, UnixStream};

use super::ops::ConnView;
use crate::commands::Session;
use crate::commands::ctx::flags;
use crate::protocol::parse::RequestParser;
use crate::protocol::write::RespWriter;

/// Size of one read from a socket (PROTO_IOBUF_LEN).
pub const READ_CHUNK: usize = 16 * 1024;

/// A client's socket.
pub enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// Unix domain socket.
    Unix(UnixStream),
}

impl Stream {
    /// Reads into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    /// Writes from `buf`.
    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    /// Shuts both directions down.
    pub fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// One connected client.
pub struct Client {
    /// The socket.
    pub stream: Stream,
    /// The command-visible state.
    pub session: Session,
    /// Bytes received and not yet parsed.
    pub query: BytesMut,
    /// The resumable request parser.
    pub parser: RequestParser,
    /// Scratch argv reused between commands.
    pub argv: Vec<Bytes>,
    /// Replies not yet written.
    pub out: Vec<u8>,
    /// How much of `out` has been written.
    pub out_pos: usize,
    /// Local address, for CLIENT LIST laddr.
    pub laddr: String,
    /// File descriptor number, for CLIENT LIST fd.
    pub fd: i64,
    /// Unix ms of connection.
    pub created_ms: i64,
    /// Unix ms of the last command or read.
    pub last_interaction_ms: i64,
    /// Whether WRITABLE interest is registered.
    pub writable_registered: bool,
    /// Set once the client must be closed (after flushing if CLOSE_AFTER_REPLY).
    pub closing: bool,
    /// Whether the socket still has unread bytes (we stopped reading to be fair to others).
    pub read_pending: bool,
    /// Peak query buffer size since the last cron (qbuf peak for client memory stats).
    pub query_peak: usize,
    /// Commands run on this connection.
    pub commands: u64,
    /// Bytes read from the socket.
    pub net_in: u64,
    /// Bytes written to the socket.
    pub net_out: u64,
    /// When the output buffer first went over the soft limit (0 when under it).
    pub soft_limit_since_ms: i64,
    /// A command held back by CLIENT PAUSE, run when the pause ends.
    pub postponed: Option<Vec<Bytes>>,
    /// The blocking command this client waits with (BLPOP ...), run again when a key it waits
    /// on is written.
    pub blocked: Option<BlockedCommand>,
    /// Bytes of the request being run, split off the query buffer but still held by its
    /// arguments (0 between commands): part of CLIENT LIST qbuf, as in Redis the running
    /// command is still in the query buffer.
    pub cmd_len: usize,
    /// Longest the output buffer has been since `out_peak_reset_ms` (CLIENT LIST rbp; the cron
    /// shrinks the buffer toward it).
    pub out_peak: usize,
    /// When `out_peak` was last reset (unix ms).
    pub out_peak_reset_ms: i64,
    /// Complete commands wait in the query buffer because client eviction stopped this client
    /// after its last command; the loop processes them next turn, before reading more.
    pub input_held: bool,
}

/// A connection's memory, field by field, as CLIENT LIST shows it (Redis's catClientInfoString
/// and getClientMemoryUsage, applied to carmine's buffers).
///
/// The output buffer is one `Vec`; its first `REPLY_CHUNK` bytes play Redis's fixed reply
/// buffer (`rbs`, `rbp`, `obl`) and what is pending beyond them plays the reply list (`oll`
/// blocks of 16 KiB, `omem` bytes). `total` counts every allocation the connection holds, so
/// it is at least `qbuf + qbuf_free + argv_mem + multi_mem + obl + omem`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClientMem {
    /// Bytes received and not yet released: the running request and what follows it.
    pub qbuf: usize,
    /// Free capacity of the query buffer.
    pub qbuf_free: usize,
    /// Bytes of the arguments of the running (or blocked, or postponed) command.
    pub argv_mem: usize,
    /// Memory of the commands a MULTI has queued.
    pub multi_mem: usize,
    /// Size of the reply buffer: the output allocation up to `REPLY_CHUNK`.
    pub rbs: usize,
    /// Peak use of the reply buffer in the last few seconds.
    pub rbp: usize,
    /// Pending output held in the reply buffer.
    pub obl: usize,
    /// Pending output beyond the reply buffer, in 16 KiB blocks.
    pub oll: usize,
    /// Pending output beyond the reply buffer, in bytes (Redis's output buffer memory: what
    /// client-output-buffer-limit watches and INFO client_recent_max_output_buffer reports).
    pub omem: usize,
    /// Everything the connection holds: CLIENT LIST tot-mem, the figure client eviction sums.
    pub total: usize,
    /// The input side: query buffer allocation plus arguments (INFO
    /// client_recent_max_input_buffer).
    pub input: usize,
}

/// The buffer sizes a client's memory is computed from (see [`MemParts::measure`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct MemParts<'a> {
    /// Query buffer length.
    pub query_len: usize,
    /// Query buffer capacity.
    pub query_cap: usize,
    /// Bytes of the running request split off the query buffer.
    pub cmd_len: usize,
    /// The running command's arguments.
    pub argv: &'a [Bytes],
    /// The arguments of a blocked or postponed command.
    pub held: &'a [Bytes],
    /// Output buffer length.
    pub out_len: usize,
    /// Output buffer capacity.
    pub out_cap: usize,
    /// How much of the output buffer was written.
    pub out_pos: usize,
    /// Recent peak of the output buffer's length.
    pub out_peak: usize,
}

/// The arguments of a blocked or postponed command, which still count as the client's.
fn held_argv<'a>(
    blocked: &'a Option<BlockedCommand>,
    postponed: &'a Option<Vec<Bytes>>,
) -> &'a [Bytes] {
    blocked
        .as_ref()
        .map(|b| b.argv.as_slice())
        .or(postponed.as_deref())
        .unwrap_or_default()
}

impl<'a> MemParts<'a> {
    /// The parts of a connection with these buffers; `counters` are the running request's
    /// length split off the query buffer, how much of the output was written, and the output
    /// peak.
    fn new(
        query: &BytesMut,
        out: &Vec<u8>,
        (cmd_len, out_pos, out_peak): (usize, usize, usize),
        argv: &'a [Bytes],
        held: &'a [Bytes],
    ) -> MemParts<'a> {
        MemParts {
            query_len: query.len(),
            query_cap: query.capacity(),
            cmd_len,
            argv,
            held,
            out_len: out.len(),
            out_cap: out.capacity(),
            out_pos,
            out_peak,
        }
    }
}

impl MemParts<'_> {
    /// The client's memory field by field, `session` giving its MULTI queue and subscriptions:
    /// the one computation behind CLIENT LIST, INFO and client eviction. O(arguments).
    pub fn measure(&self, session: &Session) -> ClientMem {
        let argc = self.argv.len().saturating_add(self.held.len());
        let argv_mem = self
            .argv
            .iter()
            .chain(self.held)
            .map(Bytes::len)
            .fold(0usize, usize::saturating_add);
        let multi_mem = session.multi.as_ref().map_or(0, |m| m.memory());
        let pending = self.out_len.saturating_sub(self.out_pos);
        let rbs = self.out_cap.min(REPLY_CHUNK);
        let obl = pending.min(REPLY_CHUNK);
        let omem = pending.saturating_sub(obl);
        let p = &session.pubsub;
        let subs = p
            .channels
            .saturating_add(p.patterns)
            .saturating_add(p.shard);
        let input = self
            .query_cap
            .saturating_add(self.cmd_len)
            .saturating_add(argv_mem)
            .saturating_add(argc.saturating_mul(std::mem::size_of::<Bytes>()));
        let total = std::mem::size_of::<Client>()
            .saturating_add(input)
            .saturating_add(self.out_cap)
            .saturating_add(multi_mem)
            .saturating_add(subs.saturating_mul(SUBSCRIPTION_OVERHEAD));
        ClientMem {
            qbuf: self.cmd_len.saturating_add(self.query_len),
            qbuf_free: self.query_cap.saturating_sub(self.query_len),
            argv_mem,
            multi_mem,
            rbs,
            rbp: self.out_peak.max(self.out_len).min(rbs),
            obl,
            oll: omem.div_ceil(REPLY_CHUNK),
            omem,
            total,
            input,
        }
    }
}

/// Size of the part of the output buffer that plays Redis's static reply buffer
/// (PROTO_REPLY_CHUNK_BYTES).
pub const REPLY_CHUNK: usize = 16 * 1024;
/// Memory a client's subscription costs it beyond the registry's shared entries (a map entry
/// and a pointer, as Redis counts dictEntry and listNode overheads per client).
const SUBSCRIPTION_OVERHEAD: usize = 48;

/// A command that blocked its client.
#[derive(Debug, Clone)]
pub struct BlockedCommand {
    /// The command, to run again.
    pub argv: Vec<Bytes>,
}

impl Client {
    /// A client for a freshly accepted socket.
    pub fn new(stream: Stream, session: Session, laddr: String, fd: i64, now_ms: i64) -> Self {
        Client {
            stream,
            session,
            query: BytesMut::with_capacity(READ_CHUNK),
            parser: RequestParser::new(),
            argv: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            laddr,
            fd,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            writable_registered: false,
            closing: false,
            read_pending: false,
            query_peak: 0,
            commands: 0,
            net_in: 0,
            net_out: 0,
            soft_limit_since_ms: 0,
            postponed: None,
            blocked: None,
            cmd_len: 0,
            out_peak: 0,
            out_peak_reset_ms: now_ms,
            input_held: false,
        }
    }

    /// Memory this connection holds (getClientMemoryUsage): CLIENT LIST tot-mem, INFO
    /// mem_clients_normal and the figure client eviction compares with maxmemory-clients.
    pub fn memory_usage(&self) -> usize {
        self.memory(&self.argv).total
    }

    /// The connection's memory field by field, `argv` being the command it is running (the
    /// loop keeps the running command's arguments outside the client). This is the one place
    /// a client's memory is computed; it costs O(arguments).
    pub fn memory(&self, argv: &[Bytes]) -> ClientMem {
        self.mem_parts(argv).measure(&self.session)
    }

    /// What [`Client::memory`] is computed from, taken cheaply (a few copies) so the loop can
    /// hand it to a running command and the figures are computed only if CLIENT LIST asks.
    pub fn mem_parts<'a>(&'a self, argv: &'a [Bytes]) -> MemParts<'a> {
        MemParts::new(
            &self.query,
            &self.out,
            (self.cmd_len, self.out_pos, self.out_peak),
            argv,
            held_argv(&self.blocked, &self.postponed),
        )
    }

    /// A command's share of this connection as disjoint borrows, for running one of its
    /// commands while the client is out of the table: the view the command sees (`ConnView`,
    /// with the memory parts CLIENT LIST measures), the writer its reply goes to, and its
    /// session.
    pub fn command_parts<'a>(
        &'a mut self,
        slot: usize,
        argv: &'a [Bytes],
    ) -> (ConnView<'a>, RespWriter<'a>, &'a mut Session) {
        let Client {
            query,
            out,
            cmd_len,
            out_pos,
            out_peak,
            blocked,
            postponed,
            laddr,
            fd,
            created_ms,
            commands,
            writable_registered,
            session,
            ..
        } = self;
        let mem = MemParts::new(
            query,
            out,
            (*cmd_len, *out_pos, *out_peak),
            argv,
            held_argv(blocked, postponed),
        );
        let view = ConnView {
            slot,
            laddr,
            fd: *fd,
            created_ms: *created_ms,
            commands: *commands,
            mem,
            writable: *writable_registered,
        };
        (view, RespWriter::new(out, session.proto), session)
    }

    /// Notes the output buffer's current length in its peak (CLIENT LIST rbp).
    pub fn note_out_peak(&mut self) {
        self.out_peak = self.out_peak.max(self.out.len());
    }

    /// Bytes waiting in the output buffer.
    pub fn pending_out(&self) -> usize {
        self.out.len().saturating_sub(self.out_pos)
    }

    /// Writes as much pending output as the socket takes. Returns Err on a dead socket.
    pub fn flush(&mut self) -> io::Result<usize> {
        self.note_out_peak();
        let mut written = 0;
        while self.out_pos < self.out.len() {
            let chunk = self.out.get(self.out_pos..).unwrap_or_default();
            match self.stream.write(chunk) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out_pos += n;
                    written += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            // Don't keep a huge buffer around after one big reply.
            if self.out.capacity() > 1024 * 1024 {
                self.out = Vec::new();
            }
        } else if self.out_pos > 64 * 1024 && self.out_pos * 2 > self.out.len() {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        self.net_out += written as u64;
        Ok(written)
    }

    /// The CLIENT LIST `flags=` letters for this client.
    pub fn flag_letters(&self) -> String {
        super::ops::flag_letters(&self.session)
    }

    /// Where this command's reply starts in `out`; pass it to [`Client::settle_reply`] after
    /// the command. The command writes into `out` directly, whatever CLIENT REPLY says.
    pub fn reply_mark(&self) -> usize {
        self.out.len()
    }

    /// After a command: drops the reply it wrote if replies are off (CLIENT REPLY OFF) or
    /// skipped (the command after CLIENT REPLY SKIP), then arms the skip for the next command.
    ///
    /// The flags are read after the command, as Redis checks them when a reply is added: CLIENT
    /// REPLY ON and RESET clear REPLY_OFF, so their own replies go out.
    pub fn settle_reply(&mut self, mark: usize) {
        if self.session.has(flags::REPLY_OFF | flags::REPLY_SKIP) && mark >= self.out_pos {
            self.out.truncate(mark);
        }
        self.session.flags &= !flags::REPLY_SKIP;
        if self.session.has(flags::REPLY_SKIP_NEXT) {
            self.session.flags &= !flags::REPLY_SKIP_NEXT;
            self.session.flags |= flags::REPLY_SKIP;
        }
    }
}
