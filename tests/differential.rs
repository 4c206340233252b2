//! Differential tests: every script in `tests/diff/*.txt` runs against real `redis-server` (the
//! oracle, from PATH) and against carmine, and the raw reply bytes must be identical.
//!
//! Script syntax, one item per line:
//! - `# ...` is a comment; blank lines are skipped.
//! - A command line is split like redis-cli does (sdssplitargs: double quotes with `\n \r \t \b
//!   \a \\ \" \xHH` escapes, single quotes with `\'`) and sent as a multibulk.
//! - A trailing ` #nocompare` only checks that both replies start with the same RESP type byte
//!   (for INFO, TIME, CLIENT ID, ...). A trailing ` #sorted` sorts the elements of a top-level
//!   aggregate before comparing (for KEYS, SCAN-free set listings, ...).
//! - `@resp3` / `@resp2` send `HELLO 3` / `HELLO 2` to both and check the reply type only.
//! - `@sleep N` sleeps N milliseconds.
//! - `@inline TEXT` sends TEXT followed by `\r\n` verbatim (an inline command).
//! - `@read` reads one more reply without sending anything (the reply after a RESP3 push).
//! - `@raw ARGS` sends the concatenation of the split ARGS verbatim and reads one reply;
//!   `@send ARGS` sends them and reads nothing (to split a command over several writes).
//!
//! Each script gets a fresh pair of servers. After a `-ERR Protocol error` reply both servers
//! close the connection, so both sides reconnect with a fresh session. If a carmine connection
//! times out or closes it is reopened (restoring RESP3 and the selected db); if carmine is gone
//! the rest of that script is skipped. Every difference is printed (script, line, both replies)
//! and the test fails at the end with the count, so one run shows all of them.
//!
//! `CARMINE_DIFF_SELFTEST=1` runs a second redis-server in carmine's place: a way to check that
//! the scripts themselves are deterministic. `CARMINE_DIFF_ONLY=name` runs one script.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long one reply may take before the side is declared unresponsive.
const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// A real redis-server process, killed on drop.
struct Oracle {
    port: u16,
    dir: PathBuf,
    child: Child,
}

impl Oracle {
    fn start() -> Oracle {
        for _attempt in 0..5 {
            let port = common::free_port();
            let dir = std::env::temp_dir().join(format!(
                "carmine-diff-redis-{}-{}",
                std::process::id(),
                port
            ));
            let _ = std::fs::create_dir_all(&dir);
            let spawned = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args([
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--enable-debug-command",
                    "yes",
                ])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(c) => c,
                Err(e) if e.kind() == ErrorKind::NotFound => panic!(
                    "redis-server is not on PATH: the differential tests need real Redis 7.0.15 \
                     as the oracle (apt-get install redis-server, or put it on PATH)"
                ),
                Err(e) => panic!("cannot spawn redis-server: {e}"),
            };
            let mut o = Oracle { port, dir, child };
            if wait_ready(port, &mut o.child) {
                return o;
            }
        }
        panic!("redis-server did not start");
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_ready(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut c) = Conn::connect(port)
            && c.send(b"PING\r\n").is_ok()
            && c.read_reply().is_ok()
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Either server under test.
enum Peer {
    Carmine(common::Server),
    Redis(Oracle),
}

impl Peer {
    fn port(&self) -> u16 {
        match self {
            Peer::Carmine(s) => s.port,
            Peer::Redis(o) => o.port,
        }
    }
}

/// A raw connection that reports timeouts and closes instead of panicking.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    fn read_reply(&mut self) -> Result<Vec<u8>, String> {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            if let Some(n) = common::reply_len(&self.buf) {
                // An attribute (`|`) is followed by the reply it annotates: read both.
                let follow = if self.buf.first() == Some(&b'|') {
                    self.buf.get(n..).and_then(common::reply_len)
                } else {
                    Some(0)
                };
                if let Some(m) = follow {
                    return Ok(self.buf.drain(..n + m).collect());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("(timeout; partial: {})", show(&self.buf)));
            }
            let mut tmp = [0u8; 65536];
            match self.stream.read(&mut tmp) {
                Ok(0) => return Err(format!("(connection closed; partial: {})", show(&self.buf))),
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(format!("(timeout; partial: {})", show(&self.buf)));
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("(read error: {e})")),
            }
        }
    }
}

/// Session state a reconnect restores.
#[derive(Clone, Default)]
struct SessionState {
    resp3: bool,
    db: Option<String>,
}

/// One server plus its current connection.
struct Side {
    name: &'static str,
    peer: Peer,
    conn: Option<Conn>,
}

impl Side {
    /// The live connection, reopening it (and restoring `state`) if needed.
    fn conn(&mut self, state: &SessionState) -> Result<&mut Conn, String> {
        if self.conn.is_none() {
            let mut c = Conn::connect(self.peer.port())
                .map_err(|e| format!("({} is down: cannot connect: {e})", self.name))?;
            if state.resp3 {
                c.send(&common::encode(&[b"HELLO", b"3"]))
                    .map_err(|e| e.to_string())?;
                c.read_reply()?;
            }
            if let Some(db) = &state.db {
                c.send(&common::encode(&[b"SELECT", db.as_bytes()]))
                    .map_err(|e| e.to_string())?;
                c.read_reply()?;
            }
            self.conn = Some(c);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| "(no connection)".to_string())
    }

    /// Sends `bytes` and, if `want_reply`, reads one reply. A failed exchange drops the
    /// connection so the next one starts clean.
    fn exchange(
        &mut self,
        state: &SessionState,
        bytes: &[u8],
        want_reply: bool,
    ) -> Result<Vec<u8>, String> {
        let conn = self.conn(state)?;
        let sent = if bytes.is_empty() {
            Ok(())
        } else {
            conn.send(bytes)
        };
        let r = match sent {
            Err(e) => Err(format!("(write error: {e})")),
            Ok(()) if !want_reply => Ok(Vec::new()),
            Ok(()) => conn.read_reply(),
        };
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    fn is_alive(&mut self) -> bool {
        match &mut self.peer {
            Peer::Carmine(s) => s.exited_within(Duration::from_millis(50)).is_none(),
            Peer::Redis(o) => matches!(o.child.try_wait(), Ok(None)),
        }
    }
}

/// How a line's replies are compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Exact,
    TypeOnly,
    Sorted,
}

/// One difference between the servers.
struct Mismatch {
    script: String,
    line_no: usize,
    line: String,
    redis: String,
    carmine: String,
}

/// Splits a line the way redis-cli (sdssplitargs) does.
fn split_line(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    loop {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let (mut dq, mut sq) = (false, false);
        loop {
            let c = b.get(i).copied();
            if dq {
                match c {
                    None => return Err("unbalanced double quote".into()),
                    Some(b'\\') if b.get(i + 1) == Some(&b'x') => {
                        match (
                            b.get(i + 2).and_then(|&c| hex(c)),
                            b.get(i + 3).and_then(|&c| hex(c)),
                        ) {
                            (Some(h), Some(l)) => {
                                cur.push(h * 16 + l);
                                i += 3;
                            }
                            _ => cur.push(b'\\'),
                        }
                    }
                    Some(b'\\') if i + 1 < b.len() => {
                        i += 1;
                        cur.push(match b[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        if b.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err("closing quote must be followed by a space".into());
                        }
                        i += 1;
                        dq = false;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else if sq {
                match c {
                    None => return Err("unbalanced single quote".into()),
                    Some(b'\\') if b.get(i + 1) == Some(&b'\'') => {
                        i += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if b.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err("closing quote must be followed by a space".into());
                        }
                        i += 1;
                        sq = false;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else {
                match c {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => dq = true,
                    Some(b'\'') => sq = true,
                    Some(other) => cur.push(other),
                }
            }
            i += 1;
        }
        let _ = (dq, sq);
        out.push(cur);
    }
}

/// Printable form of reply bytes, truncated.
fn show(b: &[u8]) -> String {
    const MAX: usize = 400;
    let mut s = String::from("\"");
    for &c in b.iter().take(MAX) {
        let _ = write!(s, "{}", std::ascii::escape_default(c));
    }
    s.push('"');
    if b.len() > MAX {
        let _ = write!(s, "... ({} bytes)", b.len());
    }
    s
}

/// The reply with its top-level aggregate's elements sorted (maps sort key/value pairs).
fn sorted(reply: &[u8]) -> Vec<u8> {
    let Some(hdr_end) = reply.windows(2).position(|w| w == b"\r\n") else {
        return reply.to_vec();
    };
    let head = reply[0];
    if !matches!(head, b'*' | b'~' | b'%' | b'>') {
        return reply.to_vec();
    }
    let per = if head == b'%' { 2 } else { 1 };
    let mut elems: Vec<&[u8]> = Vec::new();
    let mut pos = hdr_end + 2;
    while pos < reply.len() {
        let mut end = pos;
        for _ in 0..per {
            match common::reply_len(&reply[end..]) {
                Some(n) => end += n,
                None => return reply.to_vec(),
            }
        }
        elems.push(&reply[pos..end]);
        pos = end;
    }
    elems.sort();
    let mut out = reply[..hdr_end + 2].to_vec();
    for e in elems {
        out.extend_from_slice(e);
    }
    out
}

/// Runs one script against a fresh pair of servers; returns its mismatches and line count.
fn run_script(path: &Path, selftest: bool) -> (Vec<Mismatch>, usize) {
    let script = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let mut redis = Side {
        name: "redis",
        peer: Peer::Redis(Oracle::start()),
        conn: None,
    };
    let mut carmine = Side {
        name: "carmine",
        peer: if selftest {
            Peer::Redis(Oracle::start())
        } else {
            Peer::Carmine(common::Server::start())
        },
        conn: None,
    };
    let mut state = SessionState::default();
    let mut out = Vec::new();
    let mut commands = 0;
    for (idx, raw_line) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (line, mode) = if let Some(l) = line.strip_suffix("#nocompare") {
            (l.trim_end(), Compare::TypeOnly)
        } else if let Some(l) = line.strip_suffix("#sorted") {
            (l.trim_end(), Compare::Sorted)
        } else {
            (line, Compare::Exact)
        };
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let split = |s: &str| {
            split_line(s).unwrap_or_else(|e| panic!("{script}:{line_no}: bad quoting: {e}"))
        };
        let mut cmd_args: Vec<Vec<u8>> = Vec::new();
        let (bytes, mode, want_reply) = match word {
            "@sleep" => {
                let ms: u64 = rest.trim().parse().expect("@sleep takes milliseconds");
                std::thread::sleep(Duration::from_millis(ms));
                continue;
            }
            "@resp3" => (common::encode(&[b"HELLO", b"3"]), Compare::TypeOnly, true),
            "@resp2" => (common::encode(&[b"HELLO", b"2"]), Compare::TypeOnly, true),
            "@inline" => (format!("{rest}\r\n").into_bytes(), mode, true),
            "@raw" => (split(rest).concat(), mode, true),
            "@send" => (split(rest).concat(), mode, false),
            "@read" => (Vec::new(), mode, true),
            w if w.starts_with('@') => panic!("{script}:{line_no}: unknown directive {w}"),
            _ => {
                cmd_args = split(line);
                let refs: Vec<&[u8]> = cmd_args.iter().map(Vec::as_slice).collect();
                (common::encode(&refs), mode, true)
            }
        };
        commands += 1;
        let r = redis.exchange(&state, &bytes, want_reply);
        let c = carmine.exchange(&state, &bytes, want_reply);
        let same = match (&r, &c, mode) {
            (Ok(a), Ok(b), Compare::Exact) => a == b,
            (Ok(a), Ok(b), Compare::TypeOnly) => a.first() == b.first(),
            (Ok(a), Ok(b), Compare::Sorted) => sorted(a) == sorted(b),
            _ => false,
        };
        if !same {
            let fmt = |x: &Result<Vec<u8>, String>| match x {
                Ok(b) => show(b),
                Err(e) => e.clone(),
            };
            out.push(Mismatch {
                script: script.clone(),
                line_no,
                line: line.to_string(),
                redis: fmt(&r),
                carmine: fmt(&c),
            });
        }
        // Track what a reconnect must restore.
        if let Ok(reply) = &r {
            let args = &cmd_args;
            let cmd = args
                .first()
                .map(|a| a.to_ascii_uppercase())
                .unwrap_or_default();
            if word == "@resp3" || word == "@resp2" {
                state.resp3 = word == "@resp3";
            } else if cmd == b"HELLO" && reply.first() == Some(&b'%') {
                state.resp3 = args.get(1).is_some_and(|v| v == b"3");
            } else if cmd == b"HELLO" && reply.first() == Some(&b'*') {
                state.resp3 = false;
            } else if cmd == b"SELECT" && reply == b"+OK\r\n" {
                state.db = args.get(1).map(|d| String::from_utf8_lossy(d).into_owned());
            } else if reply.starts_with(b"-ERR Protocol error") {
                // Both servers close the connection after a protocol error.
                state = SessionState::default();
                redis.conn = None;
                carmine.conn = None;
            }
        }
        if c.is_err() && !carmine.is_alive() {
            out.push(Mismatch {
                script: script.clone(),
                line_no,
                line: "(carmine exited; rest of script skipped)".into(),
                redis: String::new(),
                carmine: String::new(),
            });
            break;
        }
        if r.is_err() && !redis.is_alive() {
            panic!("{script}:{line_no}: redis-server exited (a script must not shut it down)");
        }
    }
    (out, commands)
}

#[test]
fn replies_match_redis() {
    let selftest = std::env::var_os("CARMINE_DIFF_SELFTEST").is_some_and(|v| v == "1");
    let only = std::env::var("CARMINE_DIFF_ONLY").ok();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("diff");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .filter(|p| {
            only.as_deref()
                .is_none_or(|o| p.file_stem().is_some_and(|s| s.to_string_lossy() == o))
        })
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts in {}", dir.display());
    let mut all = Vec::new();
    let mut summary = String::new();
    for path in &scripts {
        let (m, n) = run_script(path, selftest);
        let _ = writeln!(
            summary,
            "  {}: {} commands, {} differences",
            path.file_name().unwrap().to_string_lossy(),
            n,
            m.len()
        );
        all.extend(m);
    }
    for m in &all {
        eprintln!("[{}:{}] {}", m.script, m.line_no, m.line);
        eprintln!("    redis:   {}", m.redis);
        eprintln!("    carmine: {}", m.carmine);
    }
    eprintln!("differential summary:\n{summary}");
    assert!(
        all.is_empty(),
        "{} replies differ from redis-server (listed above)",
        all.len()
    );
}
