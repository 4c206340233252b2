//! One connection: its socket, query buffer and parser, output buffer, and `Session`.
//!
//! The query buffer is a `BytesMut` the parser consumes from the front; arguments handed to the
//! dispatcher are `Bytes` slices of it. Replies are appended to `out`; `out_pos` marks how much of
//! it the socket has taken. Only the loop in `server::mod` touches these.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use mio::net::{TcpStream, UnixStream};

use crate::commands::Session;
use crate::commands::ctx::flags;
use crate::protocol::parse::RequestParser;

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
}

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
        }
    }

    /// Memory this connection holds for client eviction (getClientMemoryUsage): the client
    /// struct, the query buffer's allocation, the parsed arguments, the output buffer's
    /// allocation and the commands a MULTI has queued.
    pub fn memory_usage(&self) -> usize {
        let argv: usize = self.argv.iter().map(Bytes::len).sum();
        let multi: usize = self.session.multi.as_ref().map_or(0, |m| {
            m.queued
                .iter()
                .map(|(_, a)| a.iter().map(Bytes::len).sum::<usize>())
                .sum()
        });
        std::mem::size_of::<Client>()
            .saturating_add(self.query.capacity())
            .saturating_add(argv)
            .saturating_add(self.out.capacity())
            .saturating_add(multi)
    }

    /// Bytes waiting in the output buffer.
    pub fn pending_out(&self) -> usize {
        self.out.len().saturating_sub(self.out_pos)
    }

    /// Writes as much pending output as the socket takes. Returns Err on a dead socket.
    pub fn flush(&mut self) -> io::Result<usize> {
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
