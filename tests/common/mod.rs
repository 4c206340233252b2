//! Shared helpers for integration tests: start the real carmine binary on a free port with a
//! temporary `dir`, wait for PING, kill it on drop; and a raw RESP client for exact bytes.

#![allow(dead_code)]
// Test support: failing loudly is the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running carmine process.
pub(crate) struct Server {
    /// The TCP port it listens on.
    pub(crate) port: u16,
    /// Its working directory (removed on drop).
    pub(crate) dir: PathBuf,
    child: Child,
}

impl Server {
    /// Starts carmine with default settings.
    pub(crate) fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts carmine with extra `--directive value` arguments.
    pub(crate) fn start_with(args: &[&str]) -> Server {
        for _attempt in 0..5 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("carmine-test-{}-{}", std::process::id(), port));
            let _ = std::fs::create_dir_all(&dir);
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_carmine"));
            cmd.arg("--port")
                .arg(port.to_string())
                .arg("--bind")
                .arg("127.0.0.1")
                .arg("--dir")
                .arg(&dir)
                .arg("--save")
                .arg("")
                .arg("--enable-debug-command")
                .arg("yes")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let Ok(child) = cmd.spawn() else { continue };
            let mut s = Server { port, dir, child };
            if s.wait_ready() {
                return s;
            }
            let _ = s.child.kill();
        }
        panic!("carmine did not start");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 64];
                if c.write_all(b"PING\r\n").is_ok()
                    && let Ok(n) = c.read(&mut buf)
                    && (buf[..n].starts_with(b"+PONG") || buf[..n].starts_with(b"-"))
                {
                    // QUIT and wait for the server to close this probe, so it is gone from
                    // CLIENT LIST and INFO clients before the test's own connections start.
                    if c.write_all(b"QUIT\r\n").is_ok() {
                        while matches!(c.read(&mut buf), Ok(n) if n > 0) {}
                    }
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// A raw connection.
    pub(crate) fn raw(&self) -> Raw {
        Raw::connect(self.port)
    }

    /// A `redis` crate connection.
    pub(crate) fn client(&self) -> redis::Connection {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))
            .expect("client")
            .get_connection()
            .expect("connection")
    }

    /// Whether the process has exited, waiting up to `timeout`.
    pub(crate) fn exited_within(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Redis's WRONGTYPE error line, as the raw client reads it.
pub(crate) const WRONGTYPE: &[u8] =
    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Redis's wrong-arity error line for command `name` (lowercase, `container|sub` for
/// subcommands).
pub(crate) fn arity(name: &str) -> Vec<u8> {
    format!("-ERR wrong number of arguments for '{name}' command\r\n").into_bytes()
}

/// Sends a command of raw byte arguments and returns its reply's bytes.
pub(crate) fn bytes_cmd(c: &mut Raw, args: &[&[u8]]) -> Vec<u8> {
    c.send_cmd(args);
    c.read_reply()
}

/// A port that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A raw RESP connection: send bytes, read whole replies as bytes.
pub(crate) struct Raw {
    /// The socket.
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    /// Connects to 127.0.0.1:port.
    pub(crate) fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends raw bytes.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends a command as a multibulk.
    pub(crate) fn send_cmd(&mut self, args: &[&[u8]]) {
        self.send(&encode(args));
    }

    /// Sends a command and returns its whole reply's bytes.
    pub(crate) fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.send_cmd(&a);
        self.read_reply()
    }

    /// Sends a command and returns its reply as a (lossy) string.
    pub(crate) fn cmd_str(&mut self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args)).into_owned()
    }

    /// Reads one complete reply.
    pub(crate) fn read_reply(&mut self) -> Vec<u8> {
        loop {
            if let Some(n) = reply_len(&self.buf) {
                return self.buf.drain(..n).collect();
            }
            let mut tmp = [0u8; 65536];
            let n = self.stream.read(&mut tmp).expect("read");
            assert!(
                n > 0,
                "connection closed; buffered: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }

    /// True if the server closed the connection (reads EOF within the timeout).
    pub(crate) fn is_closed(&mut self) -> bool {
        let mut tmp = [0u8; 1024];
        loop {
            match self.stream.read(&mut tmp) {
                Ok(0) => return true,
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(_) => return false,
            }
        }
    }
}

/// Encodes a command as a RESP multibulk.
pub(crate) fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The length of the first complete RESP reply in `b`, if complete.
pub(crate) fn reply_len(b: &[u8]) -> Option<usize> {
    let line_end = b.windows(2).position(|w| w == b"\r\n")?;
    let head = *b.first()?;
    let text = std::str::from_utf8(b.get(1..line_end)?).ok()?;
    let after = line_end + 2;
    match head {
        b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => Some(after),
        b'$' | b'=' | b'!' => {
            let n: i64 = text.parse().ok()?;
            if n < 0 {
                return Some(after);
            }
            let end = after + n as usize + 2;
            (b.len() >= end).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = text.parse().ok()?;
            if n < 0 {
                return Some(after);
            }
            let count = if head == b'%' || head == b'|' {
                n * 2
            } else {
                n
            };
            let mut pos = after;
            for _ in 0..count {
                pos += reply_len(&b[pos..])?;
            }
            Some(pos)
        }
        _ => Some(after),
    }
}
