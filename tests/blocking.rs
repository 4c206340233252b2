//! Clients blocked on keys, across real connections: served first come first served when a key
//! is written, timed out with the null reply, released by CLIENT UNBLOCK, never blocking inside
//! MULTI, and leaving nothing behind when they disconnect.

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
    let mut polls = 0u32;
    while blocked_clients(r) != want {
        assert!(Instant::now() < deadline, "never reached {want}");
        // The INFO round trip itself usually gives the server time to block the client; sleep
        // only when it keeps missing, so waiting after each of thousands of clients stays cheap.
        polls += 1;
        if polls > 3 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[test]
fn a_write_serves_the_client_that_blocked_first() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut first = s.raw();
    let mut second = s.raw();
    first.send_cmd(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    second.send_cmd(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd_str(&["ZADD", "z", "1", "a"]), ":1\r\n");
    assert_eq!(
        first.read_reply(),
        b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd_str(&["ZADD", "z", "2", "b"]), ":1\r\n");
    assert_eq!(
        second.read_reply(),
        b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    wait_blocked(&mut admin, 0);
    assert_eq!(admin.cmd_str(&["EXISTS", "z"]), ":0\r\n");
}

#[test]
fn a_blocked_client_times_out_with_the_null_array_then_runs_its_pipeline() {
    let s = Server::start();
    let mut c = s.raw();
    let start = Instant::now();
    let mut batch = common::encode(&[b"BZPOPMAX", b"nothing", b"0.2"]);
    batch.extend(common::encode(&[b"PING"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), b"*-1\r\n");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert_eq!(c.read_reply(), b"+PONG\r\n");
}

#[test]
fn blocking_commands_do_not_block_inside_multi() {
    let s = Server::start();
    let mut c = s.raw();
    c.cmd_str(&["MULTI"]);
    c.cmd_str(&["BZPOPMIN", "z", "0"]);
    assert_eq!(c.cmd_str(&["EXEC"]), "*1\r\n*-1\r\n");
}

#[test]
fn client_unblock_releases_with_timeout_or_error() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut c = s.raw();
    let id = c.cmd_str(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim();
    c.send_cmd(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    assert!(admin.cmd_str(&["CLIENT", "LIST"]).contains("flags=b"));
    assert_eq!(admin.cmd_str(&["CLIENT", "UNBLOCK", id]), ":1\r\n");
    assert_eq!(c.read_reply(), b"*-1\r\n");
    c.send_cmd(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd_str(&["CLIENT", "UNBLOCK", id, "ERROR"]), ":1\r\n");
    assert_eq!(
        c.read_reply(),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    assert_eq!(admin.cmd_str(&["CLIENT", "UNBLOCK", id]), ":0\r\n");
    assert_eq!(c.cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn a_disconnected_blocked_client_leaves_nothing_behind() {
    let s = Server::start();
    let mut admin = s.raw();
    {
        let mut c = s.raw();
        c.send_cmd(&[b"BZPOPMIN", b"z", b"0"]);
        wait_blocked(&mut admin, 1);
    }
    wait_blocked(&mut admin, 0);
    assert_eq!(admin.cmd_str(&["ZADD", "z", "1", "a"]), ":1\r\n");
    assert_eq!(admin.cmd_str(&["ZCARD", "z"]), ":1\r\n");
}

#[test]
fn a_key_of_another_type_keeps_the_client_blocked() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut c = s.raw();
    c.send_cmd(&[b"BZPOPMIN", b"k", b"0"]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["SET", "k", "string"]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(blocked_clients(&mut admin), "blocked_clients:1");
    admin.cmd_str(&["DEL", "k"]);
    admin.cmd_str(&["ZADD", "k", "5", "m"]);
    assert_eq!(c.read_reply(), b"*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n5\r\n");
}

#[test]
fn bzmpop_serves_with_count_and_times_out() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut c = s.raw();
    c.send_cmd(&[b"BZMPOP", b"0", b"2", b"a", b"b", b"MAX", b"COUNT", b"2"]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["ZADD", "b", "1", "x", "2", "y", "3", "z"]);
    assert_eq!(
        c.read_reply(),
        b"*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.cmd_str(&["BZMPOP", "0.05", "1", "none", "MIN"]),
        "*-1\r\n"
    );
}

#[test]
fn blpop_brpop_blmove_and_blmpop_are_served_by_pushes() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut c = s.raw();
    c.send_cmd(&[b"BLPOP", b"l1", b"l2", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd_str(&["RPUSH", "l2", "a", "b"]), ":2\r\n");
    assert_eq!(c.read_reply(), b"*2\r\n$2\r\nl2\r\n$1\r\na\r\n");
    c.send_cmd(&[b"BRPOP", b"l2", b"0"]);
    assert_eq!(c.read_reply(), b"*2\r\n$2\r\nl2\r\n$1\r\nb\r\n");
    c.send_cmd(&[b"BLMOVE", b"src", b"dst", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["LPUSH", "src", "x"]);
    assert_eq!(c.read_reply(), b"$1\r\nx\r\n");
    assert_eq!(
        admin.cmd_str(&["LRANGE", "dst", "0", "-1"]),
        "*1\r\n$1\r\nx\r\n"
    );
    assert_eq!(
        c.cmd_str(&["BRPOPLPUSH", "empty", "dst", "0.05"]),
        "*-1\r\n"
    );
    c.send_cmd(&[
        b"BLMPOP", b"0", b"2", b"m1", b"m2", b"RIGHT", b"COUNT", b"5",
    ]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["RPUSH", "m2", "1", "2", "3"]);
    assert_eq!(
        c.read_reply(),
        b"*2\r\n$2\r\nm2\r\n*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
}

#[test]
fn a_blmove_chain_feeds_the_next_blocked_client() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut mover = s.raw();
    let mut popper = s.raw();
    popper.send_cmd(&[b"BLPOP", b"stage2", b"0"]);
    wait_blocked(&mut admin, 1);
    mover.send_cmd(&[b"BLMOVE", b"stage1", b"stage2", b"LEFT", b"LEFT", b"0"]);
    wait_blocked(&mut admin, 2);
    admin.cmd_str(&["LPUSH", "stage1", "job"]);
    assert_eq!(mover.read_reply(), b"$3\r\njob\r\n");
    assert_eq!(popper.read_reply(), b"*2\r\n$6\r\nstage2\r\n$3\r\njob\r\n");
    wait_blocked(&mut admin, 0);
}

#[test]
fn pushes_inside_exec_serve_blocked_clients_after_the_transaction() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut c = s.raw();
    c.send_cmd(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut admin, 1);
    admin.cmd_str(&["MULTI"]);
    admin.cmd_str(&["RPUSH", "q", "one"]);
    admin.cmd_str(&["RPUSH", "q", "two"]);
    admin.cmd_str(&["LPOP", "q"]);
    assert_eq!(admin.cmd_str(&["EXEC"]), "*3\r\n:1\r\n:2\r\n$3\r\none\r\n");
    assert_eq!(c.read_reply(), b"*2\r\n$1\r\nq\r\n$3\r\ntwo\r\n");
}

#[test]
fn ten_thousand_blocked_clients_are_served_in_arrival_order() {
    // maxclients defaults to 10,000: room for the waiters and the admin connection.
    let s = Server::start_with(&["--maxclients", "10100"]);
    let mut admin = s.raw();
    let n = 10_000;
    let mut clients: Vec<Raw> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = s.raw();
        c.send_cmd(&[b"BLPOP", b"jobs", b"0"]);
        clients.push(c);
        // Arrival order is the order the server saw the BLPOPs: wait for each to block.
        wait_blocked(&mut admin, clients.len());
    }
    wait_blocked(&mut admin, n);
    let start = Instant::now();
    let mut push: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"jobs".to_vec()];
    push.extend((0..n).map(|i| i.to_string().into_bytes()));
    let args: Vec<&[u8]> = push.iter().map(|a| a.as_slice()).collect();
    admin.send_cmd(&args);
    assert_eq!(admin.read_reply(), format!(":{n}\r\n").into_bytes());
    let mut got: Vec<usize> = Vec::with_capacity(n);
    for c in clients.iter_mut() {
        let r = String::from_utf8(c.read_reply()).unwrap();
        let v = r.rsplit("\r\n").nth(1).unwrap().parse::<usize>().unwrap();
        got.push(v);
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Client i blocked i-th, so it gets the i-th element pushed: FIFO and exactly once.
    assert!(got.iter().copied().eq(0..n), "served out of arrival order");
    wait_blocked(&mut admin, 0);
}
