//! Sorted-set commands against the real binary: exact reply bytes for wrong arity and wrong
//! type, RESP2/RESP3 reply shapes of the score-bearing replies, binary-safe members, and the
//! listpack -> skiplist conversion. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE, arity};

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[&[&str]] = &[
        &["ZADD", "z", "1"],
        &["ZINCRBY", "z", "1"],
        &["ZREM", "z"],
        &["ZCARD"],
        &["ZCOUNT", "z", "1"],
        &["ZLEXCOUNT", "z", "-"],
        &["ZSCORE", "z"],
        &["ZMSCORE", "z"],
        &["ZRANK", "z"],
        &["ZREVRANK", "z", "a", "b"],
        &["ZRANGE", "z", "0"],
        &["ZRANGESTORE", "d", "z", "0"],
        &["ZREVRANGE", "z", "0"],
        &["ZRANGEBYSCORE", "z", "0"],
        &["ZREVRANGEBYSCORE", "z", "0"],
        &["ZRANGEBYLEX", "z", "-"],
        &["ZREVRANGEBYLEX", "z", "+"],
        &["ZREMRANGEBYRANK", "z", "0"],
        &["ZREMRANGEBYSCORE", "z", "0"],
        &["ZREMRANGEBYLEX", "z", "-"],
        &["ZPOPMIN"],
        &["ZPOPMAX"],
        &["ZMPOP", "1", "z"],
        &["ZUNION", "1"],
        &["ZINTER", "1"],
        &["ZDIFF", "1"],
        &["ZUNIONSTORE", "d", "1"],
        &["ZINTERSTORE", "d", "1"],
        &["ZDIFFSTORE", "d", "1"],
        &["ZINTERCARD", "1"],
        &["ZRANDMEMBER"],
        &["ZSCAN", "z"],
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
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a"]), b":1\r\n");
    let cases: &[&[&str]] = &[
        &["ZADD", "str", "1", "a"],
        &["ZINCRBY", "str", "1", "a"],
        &["ZREM", "str", "a"],
        &["ZCARD", "str"],
        &["ZCOUNT", "str", "0", "1"],
        &["ZLEXCOUNT", "str", "-", "+"],
        &["ZSCORE", "str", "a"],
        &["ZMSCORE", "str", "a"],
        &["ZRANK", "str", "a"],
        &["ZREVRANK", "str", "a"],
        &["ZRANGE", "str", "0", "-1"],
        &["ZRANGESTORE", "d", "str", "0", "-1"],
        &["ZREVRANGE", "str", "0", "-1"],
        &["ZRANGEBYSCORE", "str", "0", "1"],
        &["ZRANGEBYLEX", "str", "-", "+"],
        &["ZREMRANGEBYRANK", "str", "0", "1"],
        &["ZREMRANGEBYSCORE", "str", "0", "1"],
        &["ZREMRANGEBYLEX", "str", "-", "+"],
        &["ZPOPMIN", "str"],
        &["ZPOPMAX", "str", "2"],
        &["ZMPOP", "2", "missing", "str", "MIN"],
        &["ZUNION", "2", "z", "str"],
        &["ZINTER", "2", "missing", "str"],
        &["ZDIFF", "2", "z", "str"],
        &["ZUNIONSTORE", "d", "1", "str"],
        &["ZINTERCARD", "1", "str"],
        &["ZRANDMEMBER", "str"],
        &["ZRANDMEMBER", "str", "2"],
        &["ZSCAN", "str", "0"],
    ];
    for args in cases {
        assert_eq!(c.cmd(args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(c.cmd(&["GET", "str"]), b"$1\r\nv\r\n");
}

#[test]
fn score_replies_have_redis_shapes_in_both_protocols() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1.5", "a", "2", "b"]), b":2\r\n");
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), b"$3\r\n1.5\r\n");
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        b"*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.cmd(&["ZPOPMIN", "z", "1"]),
        b"*2\r\n$1\r\na\r\n$3\r\n1.5\r\n"
    );
    assert_eq!(
        c.cmd(&["ZINCRBY", "z", "0.1", "b"]),
        b"$18\r\n2.1000000000000001\r\n"
    );
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), b",2.1000000000000001\r\n");
    assert_eq!(c.cmd(&["ZSCORE", "z", "nope"]), b"_\r\n");
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        b"*1\r\n*2\r\n$1\r\nb\r\n,2.1000000000000001\r\n"
    );
    assert_eq!(
        c.cmd(&["ZPOPMAX", "z"]),
        b"*2\r\n$1\r\nb\r\n,2.1000000000000001\r\n"
    );
    assert_eq!(c.cmd(&["ZMPOP", "1", "z", "MIN"]), b"_\r\n");
}

#[test]
fn binary_members_and_conversion() {
    let s = Server::start();
    let mut c = s.raw();
    let member: &[u8] = b"a\x00b\r\nc";
    c.send_cmd(&[b"ZADD", b"z", b"1", member]);
    assert_eq!(c.read_reply(), b":1\r\n");
    c.send_cmd(&[b"ZSCORE", b"z", member]);
    assert_eq!(c.read_reply(), b"$1\r\n1\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), b"$8\r\nlistpack\r\n");
    for i in 0..128 {
        c.cmd(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
    }
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), b"$8\r\nskiplist\r\n");
    assert_eq!(c.cmd(&["ZCARD", "z"]), b":129\r\n");
    assert_eq!(c.cmd(&["ZRANK", "z", "m127"]), b":128\r\n");
    c.send_cmd(&[b"ZRANK", b"z", member]);
    assert_eq!(c.read_reply(), b":1\r\n");
}
