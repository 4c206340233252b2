//! List commands against the real binary: exact reply bytes for wrong arity, wrong type, the
//! option errors, the RESP2 and RESP3 null shapes of the pops, and binary-safe elements in nodes
//! that are split and compressed. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE, arity, bytes_cmd};

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[&[&str]] = &[
        &["LPUSH", "l"],
        &["RPUSH"],
        &["LPUSHX", "l"],
        &["RPUSHX", "l"],
        &["LPOP"],
        &["LPOP", "l", "1", "2"],
        &["RPOP", "l", "1", "2"],
        &["LLEN"],
        &["LLEN", "a", "b"],
        &["LRANGE", "l", "0"],
        &["LINDEX", "l"],
        &["LSET", "l", "0"],
        &["LINSERT", "l", "before", "a"],
        &["LREM", "l", "0"],
        &["LTRIM", "l", "0"],
        &["LPOS", "l"],
        &["LMOVE", "a", "b", "LEFT"],
        &["RPOPLPUSH", "a"],
        &["LMPOP", "1"],
        &["LMPOP", "1", "l"],
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
    assert_eq!(c.cmd(&["SET", "s", "v"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), b":1\r\n");
    let cases: &[&[&str]] = &[
        &["LPUSH", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "before", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "l", "LEFT", "LEFT"],
        &["LMOVE", "l", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "l", "s"],
        &["LMPOP", "2", "missing", "s", "LEFT"],
        &["GET", "l"],
    ];
    for args in cases {
        assert_eq!(c.cmd(args), WRONGTYPE, "{args:?}");
    }
    // Arguments parsed before the lookup report their own errors first.
    assert_eq!(
        c.cmd(&["LRANGE", "s", "x", "0"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.cmd(&["LPOS", "s", "a", "COUNT", "-1"]),
        b"-ERR COUNT can't be negative\r\n"
    );
    // ... and those parsed after it lose to WRONGTYPE.
    assert_eq!(c.cmd(&["LINDEX", "s", "x"]), WRONGTYPE);
    assert_eq!(c.cmd(&["LSET", "s", "x", "v"]), WRONGTYPE);
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), b"*1\r\n$1\r\na\r\n");
}

#[test]
fn null_shapes_in_both_protocols() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[(&[&str], &[u8], &[u8])] = &[
        (&["LPOP", "missing"], b"$-1\r\n", b"_\r\n"),
        (&["LPOP", "missing", "1"], b"*-1\r\n", b"_\r\n"),
        (&["RPOP", "missing", "0"], b"*-1\r\n", b"_\r\n"),
        (&["LINDEX", "missing", "0"], b"$-1\r\n", b"_\r\n"),
        (&["LPOS", "missing", "a"], b"$-1\r\n", b"_\r\n"),
        (
            &["LPOS", "missing", "a", "COUNT", "0"],
            b"*0\r\n",
            b"*0\r\n",
        ),
        (&["LMPOP", "1", "missing", "LEFT"], b"*-1\r\n", b"_\r\n"),
        (
            &["LMOVE", "missing", "x", "LEFT", "LEFT"],
            b"$-1\r\n",
            b"_\r\n",
        ),
        (&["RPOPLPUSH", "missing", "x"], b"$-1\r\n", b"_\r\n"),
        (&["LRANGE", "missing", "0", "-1"], b"*0\r\n", b"*0\r\n"),
    ];
    for (args, resp2, _) in cases {
        assert_eq!(c.cmd(args), *resp2, "{args:?}");
    }
    c.cmd(&["HELLO", "3"]);
    for (args, _, resp3) in cases {
        assert_eq!(c.cmd(args), *resp3, "{args:?}");
    }
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), b":1\r\n");
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), b"*0\r\n");
    assert_eq!(
        c.cmd(&["LMPOP", "1", "l", "RIGHT"]),
        b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"
    );
}

#[test]
fn binary_elements_survive_split_and_compressed_nodes() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "3"]),
        b"+OK\r\n"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "list-compress-depth", "1"]),
        b"+OK\r\n"
    );
    let big = vec![b'\xab'; 300];
    for i in 0..20u8 {
        let elem = [&[i, 0, b'\r', b'\n'][..], &big].concat();
        assert!(bytes_cmd(&mut c, &[b"RPUSH", b"l", &elem]).starts_with(b":"));
    }
    let want = [&[7u8, 0, b'\r', b'\n'][..], &big].concat();
    let mut expected = format!("${}\r\n", want.len()).into_bytes();
    expected.extend_from_slice(&want);
    expected.extend_from_slice(b"\r\n");
    assert_eq!(c.cmd(&["LINDEX", "l", "7"]), expected);
    assert_eq!(bytes_cmd(&mut c, &[b"LPOS", b"l", &want]), b":7\r\n");
    assert_eq!(
        bytes_cmd(&mut c, &[b"LINSERT", b"l", b"AFTER", &want, b"x"]),
        b":21\r\n"
    );
    assert_eq!(c.cmd(&["LINDEX", "l", "8"]), b"$1\r\nx\r\n");
    assert_eq!(c.cmd(&["LTRIM", "l", "8", "8"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), b"*1\r\n$1\r\nx\r\n");
}
