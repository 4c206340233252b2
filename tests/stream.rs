//! Streams across real connections: blocking XREAD and XREADGROUP woken by XADD in arrival
//! order, `$` resolved when blocking, timeouts with the null array, a deleted key or destroyed
//! group unblocking XREADGROUP with Redis 7.0's errors, and the wrong-type and arity bytes.

mod common;

use std::time::{Duration, Instant};

use common::{Raw, Server};

fn blocked_clients(r: &mut Raw) -> String {
    let info = r.cmd_str(&["INFO", "clients"]);
    info.lines()
        .find(|l| l.starts_with("blocked_clients:"))
        .unwrap_or("")
        .to_string()
}

fn wait_blocked(r: &mut Raw, n: usize) {
    let want = format!("blocked_clients:{n}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while blocked_clients(r) != want {
        assert!(Instant::now() < deadline, "never reached {want}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

const ENTRY_2: &[u8] =
    b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n";

#[test]
fn xadd_wakes_every_xread_waiter_with_only_the_new_entry() {
    let s = Server::start();
    let mut admin = s.raw();
    assert_eq!(
        admin.cmd_str(&["XADD", "s", "1-0", "f", "v"]),
        "$3\r\n1-0\r\n"
    );
    let mut a = s.raw();
    let mut b = s.raw();
    // b waits for entries after 5-0: 2-0 is not for it, but it must not stop a from being served.
    b.send_cmd(&[b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"5-0"]);
    wait_blocked(&mut admin, 1);
    a.send_cmd(&[b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"$"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(
        admin.cmd_str(&["XADD", "s", "2-0", "f", "v"]),
        "$3\r\n2-0\r\n"
    );
    assert_eq!(a.read_reply(), ENTRY_2);
    wait_blocked(&mut admin, 1);
    assert_eq!(
        admin.cmd_str(&["XADD", "s", "6-0", "f", "v"]),
        "$3\r\n6-0\r\n"
    );
    assert_eq!(
        b.read_reply(),
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    wait_blocked(&mut admin, 0);
}

#[test]
fn xreadgroup_waiters_share_new_entries_first_come_first_served() {
    let s = Server::start();
    let mut admin = s.raw();
    assert_eq!(
        admin.cmd_str(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        "+OK\r\n"
    );
    let mut a = s.raw();
    let mut b = s.raw();
    a.send_cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"alice",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]);
    wait_blocked(&mut admin, 1);
    b.send_cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"bob",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]);
    wait_blocked(&mut admin, 2);
    admin.cmd_str(&["XADD", "s", "2-0", "f", "v"]);
    assert_eq!(a.read_reply(), ENTRY_2);
    // bob is still waiting: the entry went to alice.
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["XADD", "s", "3-0", "f", "v"]);
    assert_eq!(
        b.read_reply(),
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    assert_eq!(
        admin.cmd_str(&["XPENDING", "s", "g"]),
        "*4\r\n:2\r\n$3\r\n2-0\r\n$3\r\n3-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n"
    );
}

#[test]
fn deleting_the_key_or_destroying_the_group_unblocks_xreadgroup_with_an_error() {
    let s = Server::start();
    let mut admin = s.raw();
    admin.cmd_str(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    let mut c = s.raw();
    c.send_cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"c",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["DEL", "s"]);
    assert_eq!(
        c.read_reply(),
        b"-UNBLOCKED the stream key no longer exists\r\n"
    );
    admin.cmd_str(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    c.send_cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"c",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["XGROUP", "DESTROY", "s", "g"]);
    assert_eq!(
        c.read_reply(),
        b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
    );
    wait_blocked(&mut admin, 0);
}

#[test]
fn a_blocked_xread_times_out_with_the_null_array_in_both_protocols() {
    let s = Server::start();
    let mut c = s.raw();
    let start = Instant::now();
    assert_eq!(
        c.cmd(&["XREAD", "BLOCK", "100", "STREAMS", "s", "$"]),
        b"*-1\r\n"
    );
    // The loop's timer and the command clock may differ by a few ms (as in tests/blocking.rs).
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(90) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    c.cmd(&["HELLO", "3"]);
    assert_eq!(
        c.cmd(&["XREAD", "BLOCK", "50", "STREAMS", "s", "$"]),
        b"_\r\n"
    );
    assert_eq!(
        c.cmd(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "50",
            "STREAMS",
            "s",
            ">"
        ]),
        b"-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n"
    );
}

#[test]
fn wrong_type_and_arity_errors_are_redis_bytes() {
    let s = Server::start();
    let mut c = s.raw();
    c.cmd(&["SET", "str", "v"]);
    let wrongtype = common::WRONGTYPE;
    for cmd in [
        vec!["XADD", "str", "*", "f", "v"],
        vec!["XRANGE", "str", "-", "+"],
        vec!["XLEN", "str"],
        vec!["XREAD", "STREAMS", "str", "0"],
        vec!["XINFO", "STREAM", "str"],
    ] {
        assert_eq!(c.cmd(&cmd), wrongtype, "{cmd:?}");
    }
    assert_eq!(c.cmd(&["XADD", "s", "*", "f"]), common::arity("xadd"));
    assert_eq!(c.cmd(&["XLEN"]), common::arity("xlen"));
    assert_eq!(c.cmd(&["TYPE", "s"]), b"+none\r\n");
    c.cmd(&["XADD", "s", "1-0", "f", "v"]);
    assert_eq!(c.cmd(&["TYPE", "s"]), b"+stream\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), b"$6\r\nstream\r\n");
}
