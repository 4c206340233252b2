//! Client memory against the real binary: the CLIENT LIST / CLIENT INFO memory fields (for the
//! calling client too), INFO clients' recent maxima, and client eviction (`maxmemory-clients`)
//! choosing the biggest clients first and costing nothing per read for idle connections.
//!
//! Exact figures depend on the allocator, so the tests assert Redis's relationships: tot-mem
//! covers qbuf + qbuf-free + argv-mem + multi-mem + obl + omem; a pending 1 MB request shows in
//! qbuf; queued MULTI commands in multi-mem; a reader that does not read in omem; and INFO's
//! client_recent_max_* agree with what CLIENT LIST shows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Raw, Server};

/// The `key=value` fields of one CLIENT LIST / CLIENT INFO line.
fn fields(line: &str) -> HashMap<String, String> {
    line.trim_end()
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A numeric field of a parsed line.
fn num(f: &HashMap<String, String>, key: &str) -> u64 {
    f.get(key)
        .unwrap_or_else(|| panic!("no {key}"))
        .parse()
        .unwrap()
}

/// The body of a bulk string reply.
fn bulk_text(reply: &[u8]) -> String {
    let text = String::from_utf8_lossy(reply).into_owned();
    let (_, body) = text.split_once("\r\n").unwrap();
    body.strip_suffix("\r\n").unwrap_or(body).to_string()
}

/// The CLIENT LIST line of client `id`, seen from `c`.
fn row_of(c: &mut Raw, id: u64) -> HashMap<String, String> {
    let text = bulk_text(&c.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]));
    fields(
        text.lines()
            .next()
            .unwrap_or_else(|| panic!("no client {id}")),
    )
}

fn client_id(c: &mut Raw) -> u64 {
    let r = c.cmd_str(&["CLIENT", "ID"]);
    r.trim_start_matches(':').trim().parse().unwrap()
}

fn info_field(c: &mut Raw, section: &str, field: &str) -> u64 {
    let text = bulk_text(&c.cmd(&["INFO", section]));
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field}"))
        .trim()
        .parse()
        .unwrap()
}

/// Redis's relationship between the memory fields of one row.
fn assert_total_covers_parts(f: &HashMap<String, String>) {
    let parts = num(f, "qbuf")
        + num(f, "qbuf-free")
        + num(f, "argv-mem")
        + num(f, "multi-mem")
        + num(f, "obl")
        + num(f, "omem");
    assert!(
        num(f, "tot-mem") >= parts,
        "tot-mem {} < parts {parts}: {f:?}",
        num(f, "tot-mem")
    );
    assert!(num(f, "rbp") <= num(f, "rbs"), "{f:?}");
    assert!(num(f, "obl") <= num(f, "rbs").max(16 * 1024), "{f:?}");
}

#[test]
fn the_calling_client_row_counts_its_request_and_arguments() {
    let s = Server::start();
    let mut c = s.raw();
    // CLIENT INFO and two PINGs in one write: as in Redis, qbuf holds the running request and
    // everything after it (26 + 14 + 14 bytes), argv-mem the running command's arguments.
    c.send(b"*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
    let f = fields(&bulk_text(&c.read_reply()));
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(num(&f, "qbuf"), 54, "{f:?}");
    assert_eq!(num(&f, "argv-mem"), 10, "client + info");
    assert!(num(&f, "qbuf-free") > 0);
    assert_eq!(num(&f, "multi-mem"), 0);
    assert_total_covers_parts(&f);
    // Alone, the request is 26 bytes, and CLIENT LIST shows the caller the same way.
    let f = fields(&bulk_text(&c.cmd(&["CLIENT", "INFO"])));
    assert_eq!(num(&f, "qbuf"), 26);
    let id = client_id(&mut c);
    let f = row_of(&mut c, id);
    let id_text = id.to_string();
    let request = common::encode(&[b"CLIENT", b"LIST", b"ID", id_text.as_bytes()]);
    assert_eq!(num(&f, "qbuf"), request.len() as u64);
    assert_eq!(num(&f, "argv-mem"), 6 + 4 + 2 + id.to_string().len() as u64);
    assert_total_covers_parts(&f);
}

#[test]
fn a_pending_big_request_shows_in_qbuf_and_in_info() {
    let s = Server::start();
    let mut c = s.raw();
    let mut big = s.raw();
    let big_id = client_id(&mut big);
    big.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n");
    big.send(&vec![b'x'; 1_000_000]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut f = row_of(&mut c, big_id);
    while num(&f, "qbuf") < 1_000_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        f = row_of(&mut c, big_id);
    }
    let qbuf = num(&f, "qbuf");
    assert!((1_000_000..1_001_000).contains(&qbuf), "qbuf {qbuf}");
    // Room for the rest of the announced 2 MB bulk is reserved at once, as Redis does.
    assert!(num(&f, "qbuf-free") >= 990_000, "{f:?}");
    assert_eq!(f["cmd"], "client|id", "the SET has not run yet");
    assert_total_covers_parts(&f);
    assert!(num(&f, "tot-mem") >= 2_000_000);
    // The cron looks at every client about once a second: INFO's recent maximum input buffer
    // then covers this client's query buffer.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut max_in = 0;
    while Instant::now() < deadline {
        max_in = info_field(&mut c, "clients", "client_recent_max_input_buffer");
        if max_in >= qbuf {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        max_in >= qbuf,
        "client_recent_max_input_buffer {max_in} < qbuf {qbuf}"
    );
    assert!(max_in <= num(&f, "tot-mem"), "{max_in} > tot-mem");
    // mem_clients_normal counts it too.
    assert!(info_field(&mut c, "memory", "mem_clients_normal") >= num(&f, "tot-mem"));
    // Once the request completes, the buffer is released.
    big.send(&vec![b'x'; 1_000_000]);
    big.send(b"\r\n");
    assert_eq!(big.read_reply(), b"+OK\r\n");
    let f = row_of(&mut c, big_id);
    assert_eq!(num(&f, "qbuf"), 0, "{f:?}");
    assert!(num(&f, "tot-mem") < 1_000_000, "{f:?}");
}

#[test]
fn queued_multi_commands_raise_multi_mem() {
    let s = Server::start();
    let mut c = s.raw();
    let mut m = s.raw();
    let id = client_id(&mut m);
    let f = row_of(&mut c, id);
    assert_eq!(num(&f, "multi-mem"), 0);
    assert_eq!(f["multi"], "-1");
    let before = num(&f, "tot-mem");
    assert_eq!(m.cmd(&["MULTI"]), b"+OK\r\n");
    let value = "v".repeat(10_000);
    for i in 0..5 {
        assert_eq!(m.cmd(&["SET", &format!("k{i}"), &value]), b"+QUEUED\r\n");
    }
    let f = row_of(&mut c, id);
    assert_eq!(f["multi"], "5");
    let multi_mem = num(&f, "multi-mem");
    assert!(
        (50_000..60_000).contains(&multi_mem),
        "multi-mem {multi_mem}"
    );
    // The queued arguments are the request bytes the query buffer gave up, so they move from
    // qbuf-free to multi-mem rather than adding to it.
    assert!(num(&f, "tot-mem") >= before + 30_000, "{f:?}");
    assert_total_covers_parts(&f);
    assert_eq!(m.cmd(&["DISCARD"]), b"+OK\r\n");
    let f = row_of(&mut c, id);
    assert_eq!(num(&f, "multi-mem"), 0);
    assert_eq!(f["multi"], "-1");
}

#[test]
fn a_reader_that_does_not_read_grows_omem() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["SET", "big", &"b".repeat(1_000_000)]), b"+OK\r\n");
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    slow.write_all(b"CLIENT ID\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = slow.read(&mut buf).unwrap();
    let slow_id: u64 = String::from_utf8_lossy(&buf[1..n]).trim().parse().unwrap();
    // 30 MB of replies the client never reads: the socket takes a few MB, the rest waits.
    let gets = b"GET big\r\n".repeat(30);
    slow.write_all(&gets).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut f = row_of(&mut c, slow_id);
    // The row may be taken between the commands and the write that follows them: wait for
    // both.
    while (num(&f, "omem") < 10_000_000 || f["events"] != "rw") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        f = row_of(&mut c, slow_id);
    }
    let omem = num(&f, "omem");
    assert!(omem >= 10_000_000, "omem {omem}: {f:?}");
    assert_eq!(num(&f, "obl"), 16 * 1024);
    assert!(num(&f, "oll") >= omem / (16 * 1024), "{f:?}");
    assert_eq!(
        f["events"], "rw",
        "waiting for the socket to take more: {f:?}"
    );
    assert_total_covers_parts(&f);
    // INFO's recent maximum output buffer is the same kind of figure (the part beyond the reply
    // buffer), sampled by the cron about once a second.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut max_out = 0;
    while Instant::now() < deadline {
        max_out = info_field(&mut c, "clients", "client_recent_max_output_buffer");
        if max_out >= omem {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        max_out >= omem,
        "client_recent_max_output_buffer {max_out} < omem {omem}"
    );
    assert!(max_out <= num(&f, "tot-mem"));
    assert!(info_field(&mut c, "memory", "mem_clients_normal") >= omem);
}

/// Opens `n` connections that each run one PING and then stay idle.
fn idle_clients(port: u16, n: usize, keep: &mut Vec<TcpStream>) {
    for _ in 0..n {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(b"PING\r\n").unwrap();
        let mut got = [0u8; 7];
        s.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"+PONG\r\n");
        keep.push(s);
    }
}

/// A client that declares a `len`-byte bulk and sends only its start: the server reserves the
/// whole bulk in its query buffer at once.
fn half_sent_request(s: &Server, len: usize) -> (Raw, u64) {
    let mut c = s.raw();
    let id = client_id(&mut c);
    c.send(format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${len}\r\n").as_bytes());
    c.send(b"0123456789");
    (c, id)
}

/// Whether client `id` is still connected, seen from `c`.
fn connected(c: &mut Raw, id: u64) -> bool {
    !bulk_text(&c.cmd(&["CLIENT", "LIST", "ID", &id.to_string()])).is_empty()
}

/// Polls INFO memory mem_clients_normal until it reaches `at_least`.
fn clients_memory_at_least(c: &mut Raw, at_least: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let m = info_field(c, "memory", "mem_clients_normal");
        if m >= at_least || Instant::now() > deadline {
            return m;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn client_eviction_takes_the_biggest_clients_first() {
    let log = std::env::temp_dir().join(format!("carmine-clientmem-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let s = Server::start_with(&["--logfile", log.to_str().unwrap(), "--loglevel", "notice"]);
    let mut c = s.raw();
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    let mut small = Vec::new();
    idle_clients(s.port, 5, &mut small);
    let (_huge, huge_id) = half_sent_request(&s, 3_000_000);
    let (_big, big_id) = half_sent_request(&s, 1_000_000);
    let (_mid, mid_id) = half_sent_request(&s, 300_000);
    let total = clients_memory_at_least(&mut c, 4_300_000);
    assert!(total >= 4_300_000, "mem_clients_normal {total}");
    assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 0);
    // 2 MB over the limit: the 3 MB client alone goes.
    let limit = (total - 2_000_000).to_string();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory-clients", &limit]),
        b"+OK\r\n"
    );
    assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 1);
    assert!(!connected(&mut c, huge_id));
    assert!(connected(&mut c, big_id) && connected(&mut c, mid_id));
    // Half a megabyte over: the 1 MB client goes, not the 300 KB one nor the idle ones.
    let total = info_field(&mut c, "memory", "mem_clients_normal");
    let limit = (total - 500_000).to_string();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory-clients", &limit]),
        b"+OK\r\n"
    );
    assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 2);
    assert!(!connected(&mut c, big_id));
    assert!(connected(&mut c, mid_id));
    for s in small.iter_mut() {
        s.write_all(b"PING\r\n").unwrap();
        let mut got = [0u8; 7];
        s.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"+PONG\r\n");
    }
    // Each eviction is logged with the client's CLIENT LIST line, biggest first.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Evicting client: "))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(&format!("Evicting client: id={huge_id} addr=")),
        "{text}"
    );
    assert!(
        lines[1].contains(&format!("Evicting client: id={big_id} addr=")),
        "{text}"
    );
    let row = fields(lines[0].split_once("Evicting client: ").unwrap().1);
    assert!(num(&row, "tot-mem") >= 3_000_000, "{}", lines[0]);
    assert!(
        num(&row, "qbuf") + num(&row, "qbuf-free") >= 3_000_000,
        "{}",
        lines[0]
    );
    let _ = std::fs::remove_file(&log);
}

/// The server's utime + stime, in clock ticks.
fn cpu_ticks(pid: u64) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Server CPU ticks spent answering `n` PINGs one round trip at a time.
fn pings_cpu(p: &mut Raw, pid: u64, n: usize) -> u64 {
    let t0 = cpu_ticks(pid);
    for _ in 0..n {
        assert_eq!(p.cmd(&["PING"]), b"+PONG\r\n");
    }
    cpu_ticks(pid) - t0
}

#[test]
fn idle_clients_add_no_work_per_read_under_client_eviction() {
    // Client eviction on, far from its limit: after each read the server records the reader's
    // memory and compares the total with the limit. With 10,000 idle connections that must cost
    // what it costs with 100 (walking all clients per read would cost 100x more).
    let s = Server::start_with(&["--maxclients", "10100", "--maxmemory-clients", "1gb"]);
    let mut p = s.raw();
    let pid = info_field(&mut p, "server", "process_id");
    let mut idle = Vec::new();
    idle_clients(s.port, 100, &mut idle);
    const PINGS: usize = 5_000;
    let few = pings_cpu(&mut p, pid, PINGS);
    idle_clients(s.port, 9_900, &mut idle);
    assert_eq!(info_field(&mut p, "clients", "connected_clients"), 10_001);
    let many = pings_cpu(&mut p, pid, PINGS);
    eprintln!(
        "server CPU for {PINGS} PINGs: {few} ticks with 100 idle clients, {many} with 10,000"
    );
    // One tick is 10 ms. The cron's once-a-second look at every client (and the one-time release
    // of idle clients' query buffers) costs a few ticks, and a loaded machine adds noise: allow
    // 3x plus 10 ticks. Walking the clients on every read cost 30x (14 -> 434 ticks).
    assert!(
        many <= few * 3 + 10,
        "server CPU for {PINGS} PINGs grew from {few} ticks (100 idle clients) to {many} \
         (10,000): per-read work grows with the number of clients"
    );
    // The limit is enforced from the same running total.
    let total = info_field(&mut p, "memory", "mem_clients_normal");
    assert!(
        total > 10_000 * 1_000,
        "mem_clients_normal {total} for 10,001 clients"
    );
}

#[test]
fn a_client_whose_replies_pile_up_is_evicted_between_its_commands() {
    // 300 GETs of a 1 MB value in one write, never read: run back to back they would queue
    // 300 MB of replies. As Redis checks client eviction before every command, the client is
    // stopped and evicted once the clients pass maxmemory-clients (20 MB).
    let s = Server::start_with(&["--maxmemory-clients", "20mb"]);
    let mut c = s.raw();
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SET", "big", &"b".repeat(1_000_000)]), b"+OK\r\n");
    let mut greedy = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    greedy.write_all(&b"GET big\r\n".repeat(300)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "stats", "evicted_clients") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 1);
    let peak = info_field(&mut c, "memory", "used_memory_peak");
    assert!(
        peak < 100_000_000,
        "used_memory_peak {peak}: the replies piled up"
    );
    // The connection was closed (whatever the socket had taken is still readable first).
    greedy
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = vec![0u8; 1 << 20];
    let mut got = 0usize;
    loop {
        match greedy.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("not closed after {got} bytes: {e}"),
        }
    }
    assert!(got < 100_000_000, "{got} bytes of replies");
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}
