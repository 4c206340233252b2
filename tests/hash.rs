//! Hash commands against the real binary: exact reply bytes for wrong arity and wrong type, the
//! RESP2 and RESP3 shapes (HGETALL is a map, HRANDFIELD WITHVALUES pairs up in RESP3, nulls),
//! HSCAN's reply, binary-safe fields and values, and the encoding conversions seen through
//! OBJECT ENCODING. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE, arity, bytes_cmd};

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[&[&str]] = &[
        &["HSET", "k", "f"],
        &["HSET", "k", "f", "v", "g"],
        &["HMSET", "k", "f"],
        &["HMSET", "k", "f", "v", "g"],
        &["HSETNX", "k", "f"],
        &["HGET", "k"],
        &["HMGET", "k"],
        &["HDEL", "k"],
        &["HLEN"],
        &["HSTRLEN", "k"],
        &["HEXISTS", "k"],
        &["HKEYS"],
        &["HVALS"],
        &["HGETALL"],
        &["HINCRBY", "k", "f"],
        &["HINCRBYFLOAT", "k", "f"],
        &["HRANDFIELD"],
        &["HSCAN", "k"],
    ];
    for args in cases {
        let name = args[0].to_ascii_lowercase();
        assert_eq!(c.cmd(args), arity(&name), "{args:?}");
    }
}

#[test]
fn wrong_type_errors_are_exact() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["SET", "s", "x"]), b"+OK\r\n");
    let cases: &[&[&str]] = &[
        &["HSET", "s", "f", "v"],
        &["HMSET", "s", "f", "v"],
        &["HSETNX", "s", "f", "v"],
        &["HGET", "s", "f"],
        &["HMGET", "s", "f"],
        &["HDEL", "s", "f"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "f"],
        &["HEXISTS", "s", "f"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "f", "1"],
        &["HINCRBYFLOAT", "s", "f", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2", "WITHVALUES"],
        &["HSCAN", "s", "0"],
    ];
    for args in cases {
        assert_eq!(c.cmd(args), WRONGTYPE, "{args:?}");
    }
}

#[test]
fn reply_shapes_in_resp2_and_resp3() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), b":2\r\n");
    assert_eq!(
        c.cmd(&["HGETALL", "h"]),
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), b"*0\r\n");
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "5", "WITHVALUES"]),
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.cmd(&["HSCAN", "h", "0"]),
        b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "a", "1.5"]), b"$3\r\n2.5\r\n");
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), b"$-1\r\n");
    assert_eq!(c.cmd(&["HGET", "h", "zz"]), b"$-1\r\n");
    assert!(c.cmd(&["HELLO", "3"]).starts_with(b"%"));
    assert_eq!(
        c.cmd(&["HGETALL", "h"]),
        b"%2\r\n$1\r\na\r\n$3\r\n2.5\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), b"%0\r\n");
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "5", "WITHVALUES"]),
        b"*2\r\n*2\r\n$1\r\na\r\n$3\r\n2.5\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "5"]),
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), b"_\r\n");
    assert_eq!(
        c.cmd(&["HMGET", "h", "a", "zz"]),
        b"*2\r\n$3\r\n2.5\r\n_\r\n"
    );
    let one = c.cmd(&["HRANDFIELD", "h", "-1", "WITHVALUES"]);
    assert!(
        one == b"*1\r\n*2\r\n$1\r\na\r\n$3\r\n2.5\r\n"
            || one == b"*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
        "{one:?}"
    );
}

#[test]
fn fields_and_values_are_binary_safe() {
    let s = Server::start();
    let mut c = s.raw();
    let field: &[u8] = b"f\x00\r\n\xff";
    let value: &[u8] = b"\x00\x01v\r\n";
    assert_eq!(bytes_cmd(&mut c, &[b"HSET", b"h", field, value]), b":1\r\n");
    let mut want = b"$5\r\n".to_vec();
    want.extend_from_slice(value);
    want.extend_from_slice(b"\r\n");
    assert_eq!(bytes_cmd(&mut c, &[b"HGET", b"h", field]), want);
    assert_eq!(bytes_cmd(&mut c, &[b"HSTRLEN", b"h", field]), b":5\r\n");
    assert_eq!(bytes_cmd(&mut c, &[b"HGET", b"h", b"f"]), b"$-1\r\n");
}

#[test]
fn encodings_follow_the_configured_thresholds() {
    let s = Server::start_with(&[
        "--hash-max-listpack-entries",
        "2",
        "--hash-max-listpack-value",
        "4",
    ]);
    let mut c = s.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), b":2\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), b"$8\r\nlistpack\r\n");
    assert_eq!(c.cmd(&["HSET", "h", "c", "3"]), b":1\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), b"$9\r\nhashtable\r\n");
    assert_eq!(c.cmd(&["HDEL", "h", "a", "b"]), b":2\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), b"$9\r\nhashtable\r\n");
    assert_eq!(c.cmd(&["HSET", "v", "f", "12345"]), b":1\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "v"]), b"$9\r\nhashtable\r\n");
    assert_eq!(c.cmd(&["HDEL", "v", "f"]), b":1\r\n");
    assert_eq!(c.cmd(&["EXISTS", "v"]), b":0\r\n");
}
