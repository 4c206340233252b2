//! Geo commands against the real binary: exact reply bytes for wrong arity and wrong type, the
//! RESP2 and RESP3 shapes of coordinates and distances, and the ZADD that GEOADD leaves in the
//! AOF. Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, WRONGTYPE, arity};

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let s = Server::start();
    let mut c = s.raw();
    let cases: &[&[&str]] = &[
        &["GEOADD", "k", "1", "1"],
        &["GEODIST", "k", "a"],
        &["GEOHASH"],
        &["GEOPOS"],
        &["GEOSEARCH", "k", "FROMLONLAT", "0", "0", "BYRADIUS"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "k",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
        ],
        &["GEORADIUS", "k", "0", "0", "1"],
        &["GEORADIUS_RO", "k", "0", "0", "1"],
        &["GEORADIUSBYMEMBER", "k", "a", "1"],
        &["GEORADIUSBYMEMBER_RO", "k", "a", "1"],
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
    let cases: &[&[&str]] = &[
        &["GEOADD", "str", "1", "1", "a"],
        &["GEODIST", "str", "a", "b"],
        &["GEOHASH", "str", "a"],
        &["GEOPOS", "str", "a"],
        &[
            "GEOSEARCH",
            "str",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "km",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "str",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "km",
        ],
        &["GEORADIUS", "str", "0", "0", "1", "km"],
        &["GEORADIUS_RO", "str", "0", "0", "1", "km"],
        &["GEORADIUSBYMEMBER", "str", "a", "1", "km"],
        &["GEORADIUSBYMEMBER_RO", "str", "a", "1", "km"],
    ];
    for args in cases {
        assert_eq!(c.cmd(args), WRONGTYPE, "{args:?}");
    }
    // The coordinates are checked before the key's type, as GEOADD parses before ZADD runs.
    assert_eq!(
        c.cmd(&["GEOADD", "str", "200", "100", "a"]),
        b"-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n"
    );
}

#[test]
fn coordinates_and_distances_in_both_protocols() {
    let s = Server::start();
    let mut c = s.raw();
    let add = c.cmd(&[
        "GEOADD",
        "Sicily",
        "13.361389",
        "38.115556",
        "Palermo",
        "15.087269",
        "37.502669",
        "Catania",
    ]);
    assert_eq!(add, b":2\r\n");
    let pos = c.cmd(&["GEOPOS", "Sicily", "Palermo", "nope"]);
    assert_eq!(
        pos,
        b"*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"
    );
    let dist = c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]);
    assert_eq!(dist, b"$8\r\n166.2742\r\n");
    let hash = c.cmd(&["GEOHASH", "Sicily", "Palermo", "nope"]);
    assert_eq!(hash, b"*2\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n");
    c.cmd(&["HELLO", "3"]);
    let pos = c.cmd(&["GEOPOS", "Sicily", "Palermo", "nope"]);
    assert_eq!(
        pos,
        b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"
    );
    let r = c.cmd(&[
        "GEORADIUS",
        "Sicily",
        "15",
        "37",
        "200",
        "km",
        "WITHDIST",
        "WITHHASH",
        "WITHCOORD",
        "ASC",
        "COUNT",
        "1",
    ]);
    assert_eq!(
        r,
        b"*1\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n\
          ,15.08726745843887329\r\n,37.50266842333162032\r\n"
    );
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "nope"]), b"_\r\n");
}

#[test]
fn geoadd_reaches_the_aof_as_zadd_and_searchstore_as_received() {
    let s = Server::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut c = s.raw();
    assert_eq!(c.cmd(&["GEOADD", "g", "CH", "1", "2", "a"]), b":1\r\n");
    // Unchanged: nothing is written.
    assert_eq!(c.cmd(&["GEOADD", "g", "1", "2", "a"]), b":0\r\n");
    let r = c.cmd(&[
        "GEOSEARCHSTORE",
        "d",
        "g",
        "FROMLONLAT",
        "1",
        "2",
        "BYRADIUS",
        "1",
        "km",
    ]);
    assert_eq!(r, b":1\r\n");
    let aof = std::fs::read(
        s.dir
            .join("appendonlydir")
            .join("appendonly.aof.1.incr.aof"),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&aof);
    let zadd = "*5\r\n$4\r\nzadd\r\n$1\r\ng\r\n$2\r\nCH\r\n$16\r\n3378080408407459\r\n$1\r\na\r\n";
    assert!(text.contains(zadd), "{text:?}");
    assert!(!text.contains("GEOADD"), "{text:?}");
    assert_eq!(text.matches("zadd").count(), 1, "{text:?}");
    assert!(text.contains("$14\r\nGEOSEARCHSTORE\r\n"), "{text:?}");
}
