//! Set commands against the real binary: exact reply bytes for wrong arity, wrong type and
//! option errors, RESP2 and RESP3 reply shapes (sets as `~` in RESP3), binary-safe members and
//! the intset -> hashtable conversion. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE, arity, bytes_cmd};

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[&[&str]] = &[
        &["SADD"],
        &["SADD", "s"],
        &["SREM", "s"],
        &["SMEMBERS"],
        &["SMEMBERS", "a", "b"],
        &["SISMEMBER", "s"],
        &["SISMEMBER", "s", "a", "b"],
        &["SMISMEMBER", "s"],
        &["SCARD"],
        &["SPOP"],
        &["SRANDMEMBER"],
        &["SMOVE", "a", "b"],
        &["SINTER"],
        &["SINTERCARD", "1"],
        &["SINTERSTORE", "d"],
        &["SUNION"],
        &["SUNIONSTORE", "d"],
        &["SDIFF"],
        &["SDIFFSTORE", "d"],
        &["SSCAN", "s"],
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
    assert_eq!(c.cmd(&["SET", "str", "v"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SADD", "s", "1"]), b":1\r\n");
    let cases: &[&[&str]] = &[
        &["SADD", "str", "a"],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SMOVE", "str", "s", "1"],
        &["SMOVE", "s", "str", "1"],
        &["SINTER", "missing", "str"],
        &["SINTERCARD", "2", "missing", "str"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SUNION", "s", "str"],
        &["SUNIONSTORE", "d", "str"],
        &["SDIFF", "missing", "str"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SSCAN", "str", "0"],
    ];
    for args in cases {
        assert_eq!(c.cmd(args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(c.cmd(&["SMOVE", "missing", "str", "1"]), b":0\r\n");
    assert_eq!(c.cmd(&["GET", "str"]), b"$1\r\nv\r\n");
}

#[test]
fn option_errors_are_exact() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["SADD", "i", "1", "2"]), b":2\r\n");
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["SINTERCARD", "0", "i"],
            b"-ERR numkeys should be greater than 0\r\n",
        ),
        (
            &["SINTERCARD", "x", "i"],
            b"-ERR numkeys should be greater than 0\r\n",
        ),
        (
            &["SINTERCARD", "2", "i"],
            b"-ERR Number of keys can't be greater than number of args\r\n",
        ),
        (
            &["SINTERCARD", "1", "i", "LIMIT", "-1"],
            b"-ERR LIMIT can't be negative\r\n",
        ),
        (&["SINTERCARD", "1", "i", "LIMIT"], b"-ERR syntax error\r\n"),
        (&["SINTERCARD", "1", "i", "LIMIT", "1"], b":1\r\n"),
        (
            &["SPOP", "i", "-1"],
            b"-ERR value is out of range, must be positive\r\n",
        ),
        (&["SPOP", "i", "1", "2"], b"-ERR syntax error\r\n"),
        (&["SRANDMEMBER", "i", "1", "2"], b"-ERR syntax error\r\n"),
        (
            &["SRANDMEMBER", "i", "-9223372036854775808"],
            b"-ERR value is out of range, value must between -9223372036854775807 and \
              9223372036854775807\r\n",
        ),
        (
            &["SRANDMEMBER", "i", "x"],
            b"-ERR value is not an integer or out of range\r\n",
        ),
        (&["SSCAN", "i", "x"], b"-ERR invalid cursor\r\n"),
        (&["SSCAN", "i", "0", "COUNT", "0"], b"-ERR syntax error\r\n"),
        (
            &["SSCAN", "missing", "0", "COUNT", "0"],
            b"*2\r\n$1\r\n0\r\n*0\r\n",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(c.cmd(args), *want, "{args:?}");
    }
}

#[test]
fn reply_shapes_in_resp2_and_resp3() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["SADD", "i", "2", "1"]), b":2\r\n");
    assert_eq!(c.cmd(&["SMEMBERS", "i"]), b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(c.cmd(&["SPOP", "nokey"]), b"$-1\r\n");
    assert_eq!(c.cmd(&["SPOP", "nokey", "2"]), b"*0\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), b"$6\r\nintset\r\n");
    let hello = c.cmd(&["HELLO", "3"]);
    assert!(hello.starts_with(b"%"));
    assert_eq!(c.cmd(&["SMEMBERS", "i"]), b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(c.cmd(&["SMEMBERS", "nokey"]), b"~0\r\n");
    assert_eq!(c.cmd(&["SPOP", "nokey", "2"]), b"~0\r\n");
    assert_eq!(c.cmd(&["SPOP", "nokey"]), b"_\r\n");
    assert_eq!(
        c.cmd(&["SRANDMEMBER", "i", "5"]),
        b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.cmd(&["SSCAN", "i", "0"]),
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.cmd(&["SMISMEMBER", "i", "1", "3"]), b"*2\r\n:1\r\n:0\r\n");
    assert_eq!(c.cmd(&["SINTERCARD", "1", "i"]), b":2\r\n");
}

#[test]
fn binary_members_and_conversion() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(bytes_cmd(&mut c, &[b"SADD", b"b", b"a\x00b"]), b":1\r\n");
    assert_eq!(
        bytes_cmd(&mut c, &[b"SMEMBERS", b"b"]),
        b"*1\r\n$3\r\na\x00b\r\n"
    );
    assert_eq!(bytes_cmd(&mut c, &[b"SISMEMBER", b"b", b"a"]), b":0\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "2"]),
        b"+OK\r\n"
    );
    assert_eq!(c.cmd(&["SADD", "i", "1", "2"]), b":2\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), b"$6\r\nintset\r\n");
    assert_eq!(c.cmd(&["SADD", "i", "3"]), b":1\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), b"$9\r\nhashtable\r\n");
    assert_eq!(c.cmd(&["SREM", "i", "3", "2"]), b":2\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), b"$9\r\nhashtable\r\n");
}
