//! SORT and SORT_RO against the real binary: exact reply bytes for wrong arity, wrong type,
//! syntax and conversion errors, RESP2/RESP3 shapes (a flat array with null bulks for missing
//! GETs) and STORE. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE};

const SYNTAX: &[u8] = b"-ERR syntax error\r\n";

#[test]
fn arity_wrong_type_and_syntax_errors_are_exact() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(
        c.cmd(&["SORT"]),
        b"-ERR wrong number of arguments for 'sort' command\r\n"
    );
    assert_eq!(
        c.cmd(&["SORT_RO"]),
        b"-ERR wrong number of arguments for 'sort_ro' command\r\n"
    );
    assert_eq!(c.cmd(&["SET", "str", "v"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["HSET", "h", "a", "1"]), b":1\r\n");
    assert_eq!(c.cmd(&["SORT", "str"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SORT_RO", "h"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SORT", "str", "STORE", "d"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SORT", "str", "NOPE"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT_RO", "l", "STORE", "d"]), SYNTAX);
    assert_eq!(
        c.cmd(&["SORT", "l", "LIMIT", "a", "1"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.cmd(&["RPUSH", "l", "1", "x"]), b":2\r\n");
    assert_eq!(
        c.cmd(&["SORT", "l"]),
        b"-ERR One or more scores can't be converted into double\r\n"
    );
}

#[test]
fn replies_are_flat_arrays_in_both_protocols() {
    let s = Server::start();
    let mut c = s.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "2", "1"]), b":2\r\n");
    assert_eq!(c.cmd(&["SET", "w_1", "x"]), b"+OK\r\n");
    let expect: &[u8] = b"*4\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$-1\r\n";
    assert_eq!(c.cmd(&["SORT", "l", "GET", "#", "GET", "w_*"]), expect);
    assert_eq!(c.cmd(&["SORT", "missing"]), b"*0\r\n");
    assert_eq!(c.cmd(&["SORT", "l", "STORE", "d"]), b":2\r\n");
    assert_eq!(c.cmd(&["SORT", "missing", "STORE", "d"]), b":0\r\n");
    assert_eq!(c.cmd(&["EXISTS", "d"]), b":0\r\n");
    c.cmd(&["HELLO", "3"]);
    let expect: &[u8] = b"*4\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n_\r\n";
    assert_eq!(c.cmd(&["SORT_RO", "l", "GET", "#", "GET", "w_*"]), expect);
}
