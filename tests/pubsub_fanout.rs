//! PUBLISH fan-out at scale against the real binary: 10,000 subscribers on one channel.
//!
//! Every subscriber must receive every message byte for byte, PUBLISH must count all of them,
//! and the server's own output counter must grow by exactly one frame per delivery (one
//! encoding copied to each subscriber, nothing re-sent). Linearity is checked on counts and on
//! the server's CPU time (from /proc, not the wall clock): the CPU spent per delivery with 10,000
//! subscribers must stay within a small factor of the cost per delivery with 1,000 (quadratic
//! work would make it ten times higher).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Raw, Server};

const CHANNEL: &str = "fan";
const MESSAGE: &str = "hello-subscribers";
/// PUBLISHes per measured round.
const ROUNDS: usize = 100;

fn frame() -> Vec<u8> {
    format!(
        "*3\r\n$7\r\nmessage\r\n${}\r\n{CHANNEL}\r\n${}\r\n{MESSAGE}\r\n",
        CHANNEL.len(),
        MESSAGE.len()
    )
    .into_bytes()
}

/// Opens `n` connections subscribed to CHANNEL.
fn subscribe(port: u16, n: usize, subs: &mut Vec<TcpStream>) {
    let confirm = format!(
        "*3\r\n$9\r\nsubscribe\r\n${}\r\n{CHANNEL}\r\n:1\r\n",
        CHANNEL.len()
    );
    let request = format!(
        "*2\r\n$9\r\nSUBSCRIBE\r\n${}\r\n{CHANNEL}\r\n",
        CHANNEL.len()
    );
    for _ in 0..n {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut got = vec![0u8; confirm.len()];
        s.read_exact(&mut got).unwrap();
        assert_eq!(got, confirm.as_bytes());
        subs.push(s);
    }
}

fn info_u64(c: &mut Raw, section: &str, field: &str) -> (u64, usize) {
    let reply = c.cmd(&["INFO", section]);
    let text = String::from_utf8_lossy(&reply);
    let prefix = format!("{field}:");
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field}"))
        .trim()
        .parse()
        .unwrap();
    (v, reply.len())
}

/// The server's utime + stime, in clock ticks.
fn cpu_ticks(pid: u64) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Publishes ROUNDS messages to the `n` subscribers in `subs`; checks counts and bytes and
/// returns the server CPU ticks spent.
fn measured_round(p: &mut Raw, pid: u64, subs: &mut [TcpStream]) -> u64 {
    let n = subs.len();
    let (before, info_len) = info_u64(p, "stats", "total_net_output_bytes");
    let t0 = cpu_ticks(pid);
    let count = format!(":{n}\r\n");
    for _ in 0..ROUNDS {
        assert_eq!(p.cmd_str(&["PUBLISH", CHANNEL, MESSAGE]), count);
    }
    let t1 = cpu_ticks(pid);
    let (after, _) = info_u64(p, "stats", "total_net_output_bytes");
    // The first INFO's own reply is counted too (it was written after it was measured).
    let expected = info_len + ROUNDS * (count.len() + n * frame().len());
    assert_eq!(
        after - before,
        expected as u64,
        "bytes written for {n} subscribers"
    );
    let want: Vec<u8> = frame().repeat(ROUNDS);
    let mut got = vec![0u8; want.len()];
    for s in subs.iter_mut() {
        s.read_exact(&mut got).unwrap();
        assert!(got == want, "a subscriber got other bytes");
    }
    t1 - t0
}

#[test]
fn publish_fans_out_to_10000_subscribers_with_linear_work() {
    let s = Server::start_with(&["--maxclients", "10100"]);
    let mut p = Raw::connect(s.port);
    let (pid, _) = info_u64(&mut p, "server", "process_id");
    let mut subs = Vec::new();
    subscribe(s.port, 1_000, &mut subs);
    let small = measured_round(&mut p, pid, &mut subs);
    subscribe(s.port, 9_000, &mut subs);
    let (n, _) = info_u64(&mut p, "clients", "connected_clients");
    assert_eq!(n, 10_001);
    let big = measured_round(&mut p, pid, &mut subs);
    // Nothing else is waiting on any subscriber.
    for s in subs.iter_mut().step_by(997) {
        s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        assert!(s.read(&mut b).is_err(), "unexpected extra bytes");
    }
    // Per-delivery CPU: 10x the deliveries may cost at most ~4x as much each (quadratic work
    // would cost 10x). One tick is 10 ms, so the small round gets a tick of slack.
    let per_small = (small.max(1) as f64) / 1_000.0;
    let per_big = big as f64 / 10_000.0;
    assert!(
        per_big <= per_small * 4.0 + 0.001,
        "CPU per delivery grew from {per_small:.4} to {per_big:.4} ticks: fan-out is not linear"
    );
}
