//! Connection and client-admin commands against the real binary, with several connections:
//! QUIT, HELLO's exact bytes, CLIENT LIST/INFO/KILL/PAUSE/REPLY, MONITOR and SHUTDOWN.

mod common;

use std::time::{Duration, Instant};

use common::{Raw, Server};

/// The value of `field` in a CLIENT LIST/INFO line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// The text of a bulk reply (CLIENT LIST/INFO in RESP2).
fn bulk_text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    let body = s.split_once("\r\n").map(|x| x.1).unwrap_or_default();
    body.strip_suffix("\r\n").unwrap_or(body).to_string()
}

fn client_id(r: &mut Raw) -> String {
    let s = r.cmd_str(&["CLIENT", "ID"]);
    s.trim_start_matches(':').trim_end().to_string()
}

#[test]
fn quit_replies_ok_then_closes() {
    let s = Server::start();
    let mut r = s.raw();
    assert_eq!(r.cmd(&["QUIT"]), b"+OK\r\n");
    assert!(r.is_closed());
}

#[test]
fn hello_reply_bytes_in_both_protocols() {
    let s = Server::start();
    let mut r = s.raw();
    let id = client_id(&mut r);
    let tail = |proto: u8| {
        format!(
            "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:{}\r\n\
             $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
             $7\r\nmodules\r\n*0\r\n",
            proto as char
        )
    };
    assert_eq!(r.cmd_str(&["HELLO"]), format!("*14\r\n{}", tail(b'2')));
    assert_eq!(r.cmd_str(&["HELLO", "3"]), format!("%7\r\n{}", tail(b'3')));
    assert_eq!(r.cmd_str(&["CLIENT", "GETNAME"]), "_\r\n");
    assert_eq!(r.cmd_str(&["HELLO", "2"]), format!("*14\r\n{}", tail(b'2')));
    assert_eq!(
        r.cmd_str(&["HELLO", "4"]),
        "-NOPROTO unsupported protocol version\r\n"
    );
}

#[test]
fn hello_with_auth_before_authentication() {
    let s = Server::start_with(&["--requirepass", "secret"]);
    let mut r = s.raw();
    assert_eq!(r.cmd_str(&["PING"]), "-NOAUTH Authentication required.\r\n");
    assert!(
        r.cmd_str(&["HELLO", "2"])
            .starts_with("-NOAUTH HELLO must be called")
    );
    assert!(
        r.cmd_str(&["HELLO", "2", "AUTH", "default", "secret"])
            .starts_with("*14\r\n")
    );
    assert_eq!(r.cmd_str(&["PING"]), "+PONG\r\n");
    assert_eq!(r.cmd_str(&["RESET"]), "+RESET\r\n");
    assert_eq!(r.cmd_str(&["PING"]), "-NOAUTH Authentication required.\r\n");
    assert_eq!(r.cmd_str(&["AUTH", "secret"]), "+OK\r\n");
    assert_eq!(r.cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn client_list_shows_every_connection() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(b.cmd_str(&["CLIENT", "SETNAME", "bee"]), "+OK\r\n");
    assert_eq!(b.cmd_str(&["SELECT", "2"]), "+OK\r\n");
    let (ida, idb) = (client_id(&mut a), client_id(&mut b));
    let text = bulk_text(&a.cmd(&["CLIENT", "LIST"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let la = lines
        .iter()
        .find(|l| field(l, "id") == Some(ida.as_str()))
        .unwrap();
    let lb = lines
        .iter()
        .find(|l| field(l, "id") == Some(idb.as_str()))
        .unwrap();
    assert_eq!(field(la, "cmd"), Some("client|list"));
    assert_eq!(field(lb, "name"), Some("bee"));
    assert_eq!(field(lb, "db"), Some("2"));
    assert_eq!(field(lb, "cmd"), Some("client|id"));
    assert_eq!(field(lb, "flags"), Some("N"));
    assert_eq!(
        field(la, "laddr"),
        Some(format!("127.0.0.1:{}", s.port).as_str())
    );
    let keys: Vec<&str> = la
        .split(' ')
        .map(|kv| kv.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys.join(" "),
        "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem \
         multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp"
    );
    let only_b = bulk_text(&a.cmd(&["CLIENT", "LIST", "ID", &idb]));
    assert_eq!(only_b.lines().count(), 1);
    assert_eq!(field(&only_b, "id"), Some(idb.as_str()));
    let info = bulk_text(&b.cmd(&["CLIENT", "INFO"]));
    assert_eq!(field(&info, "id"), Some(idb.as_str()));
    assert_eq!(field(&info, "cmd"), Some("client|info"));
}

#[test]
fn client_kill_by_id_addr_and_self() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    let mut c = s.raw();
    let idb = client_id(&mut b);
    assert_eq!(a.cmd_str(&["CLIENT", "KILL", "ID", &idb]), ":1\r\n");
    assert!(b.is_closed());
    assert_eq!(a.cmd_str(&["CLIENT", "KILL", "ID", &idb]), ":0\r\n");
    // The old form takes the peer address and answers +OK.
    let info = bulk_text(&c.cmd(&["CLIENT", "INFO"]));
    let addr = field(&info, "addr").unwrap().to_string();
    assert_eq!(a.cmd_str(&["CLIENT", "KILL", &addr]), "+OK\r\n");
    assert!(c.is_closed());
    assert_eq!(
        a.cmd_str(&["CLIENT", "KILL", &addr]),
        "-ERR No such client\r\n"
    );
    // By default the caller skips itself; SKIPME no closes it after the reply.
    assert_eq!(a.cmd_str(&["CLIENT", "KILL", "TYPE", "normal"]), ":0\r\n");
    assert_eq!(
        a.cmd_str(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]),
        ":1\r\n"
    );
    assert!(a.is_closed());
}

#[test]
fn client_reply_off_on_skip() {
    let s = Server::start();
    let mut r = s.raw();
    r.send(b"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\n");
    assert_eq!(r.read_reply(), b"+OK\r\n");
    r.send(b"CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\n");
    assert_eq!(r.read_reply(), b"$5\r\nshown\r\n");
    r.send(b"CLIENT REPLY OFF\r\nRESET\r\n");
    assert_eq!(r.read_reply(), b"+RESET\r\n");
}

#[test]
fn client_pause_all_holds_commands_until_it_ends() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(a.cmd_str(&["CLIENT", "PAUSE", "400"]), "+OK\r\n");
    let t = Instant::now();
    assert_eq!(b.cmd_str(&["PING"]), "+PONG\r\n");
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn client_pause_write_holds_only_writes() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(a.cmd_str(&["CLIENT", "PAUSE", "400", "WRITE"]), "+OK\r\n");
    let t = Instant::now();
    assert_eq!(b.cmd_str(&["GET", "k"]), "$-1\r\n");
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(b.cmd_str(&["SET", "k", "v"]), "+OK\r\n");
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(a.cmd_str(&["CLIENT", "PAUSE", "5000", "WRITE"]), "+OK\r\n");
    assert_eq!(a.cmd_str(&["CLIENT", "UNPAUSE"]), "+OK\r\n");
    let t = Instant::now();
    assert_eq!(b.cmd_str(&["SET", "k", "v"]), "+OK\r\n");
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn monitor_feeds_other_clients_commands() {
    let s = Server::start();
    let mut m = s.raw();
    let mut c = s.raw();
    let info = bulk_text(&c.cmd(&["CLIENT", "INFO"]));
    let addr = field(&info, "addr").unwrap().to_string();
    assert_eq!(m.cmd_str(&["MONITOR"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SET", "k", "a \"q\"\n"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["CLIENT", "LIST"]).chars().next(), Some('$'));
    assert_eq!(c.cmd_str(&["AUTH", "x"]).chars().next(), Some('-'));
    assert_eq!(c.cmd_str(&["SELECT", "3"]), "+OK\r\n");
    let mut lines = Vec::new();
    for _ in 0..3 {
        lines.push(String::from_utf8(m.read_reply()).unwrap());
    }
    let rest: Vec<String> = lines
        .iter()
        .map(|l| {
            let (ts, rest) = l.split_once(' ').unwrap();
            let (secs, usecs) = ts.trim_start_matches('+').split_once('.').unwrap();
            assert!(secs.parse::<u64>().is_ok() && usecs.len() == 6, "{l}");
            rest.to_string()
        })
        .collect();
    assert_eq!(
        rest,
        vec![
            format!("[0 {addr}] \"SET\" \"k\" \"a \\\"q\\\"\\n\"\r\n"),
            format!("[0 {addr}] \"AUTH\" \"(redacted)\"\r\n"),
            format!("[3 {addr}] \"SELECT\" \"3\"\r\n"),
        ]
    );
    // RESET ends MONITOR mode.
    assert_eq!(m.cmd_str(&["RESET"]), "+RESET\r\n");
    assert_eq!(c.cmd_str(&["PING"]), "+PONG\r\n");
    assert_eq!(m.cmd_str(&["ECHO", "after"]), "$5\r\nafter\r\n");
}

#[test]
fn shutdown_stops_the_server() {
    let mut s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(
        a.cmd_str(&["SHUTDOWN", "ABORT"]),
        "-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(
        a.cmd_str(&["SHUTDOWN", "SAVE", "NOSAVE"]),
        "-ERR syntax error\r\n"
    );
    b.send(b"SHUTDOWN NOSAVE\r\n");
    assert!(b.is_closed());
    assert!(s.exited_within(Duration::from_secs(5)).is_some());
}
