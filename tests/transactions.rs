//! Transactions across real connections: a watch is doomed by another client's write, and a
//! transaction's commands run back to back with nothing from other clients in between.

mod common;

use common::Server;

#[test]
fn another_clients_write_to_a_watched_key_fails_exec() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(a.cmd_str(&["WATCH", "balance"]), "+OK\r\n");
    assert_eq!(b.cmd_str(&["SET", "balance", "100"]), "+OK\r\n");
    assert_eq!(a.cmd_str(&["MULTI"]), "+OK\r\n");
    assert_eq!(a.cmd_str(&["INCRBY", "balance", "5"]), "+QUEUED\r\n");
    assert_eq!(a.cmd_str(&["EXEC"]), "*-1\r\n");
    assert_eq!(a.cmd_str(&["GET", "balance"]), "$3\r\n100\r\n");
}

#[test]
fn exec_is_atomic_for_other_clients() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    a.cmd_str(&["MULTI"]);
    for _ in 0..1000 {
        a.send_cmd(&[b"INCR", b"counter"]);
    }
    for _ in 0..1000 {
        assert_eq!(a.read_reply(), b"+QUEUED\r\n");
    }
    // EXEC and a concurrent reader: the reader sees 0 or 1000, never a value in between.
    a.send_cmd(&[b"EXEC"]);
    let seen = b.cmd_str(&["GET", "counter"]);
    assert!(seen == "$-1\r\n" || seen == "$4\r\n1000\r\n", "{seen}");
    let exec = a.read_reply();
    assert!(exec.starts_with(b"*1000\r\n:1\r\n:2\r\n"));
    assert!(exec.ends_with(b":1000\r\n"));
}

#[test]
fn client_list_shows_the_transaction() {
    let s = Server::start();
    let mut a = s.raw();
    a.cmd_str(&["MULTI"]);
    a.cmd_str(&["PING"]);
    let list = a.cmd_str(&["CLIENT", "LIST"]);
    assert_eq!(list, "+QUEUED\r\n");
    let exec = a.cmd_str(&["EXEC"]);
    assert!(
        exec.contains("flags=x") && exec.contains("multi=2") && exec.contains("cmd=exec"),
        "{exec}"
    );
}
