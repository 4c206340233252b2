//! Pub/Sub and keyspace notifications against the real binary, with several connections:
//! subscribers and publishers in RESP2 and RESP3, glob patterns, unsubscribe-all, subscribed
//! mode, a slow subscriber cut off by client-output-buffer-limit pubsub, keyspace events.
//! Expected bytes were taken from Redis 7.0.15.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Raw, Server};

/// `[word, name, count]` confirmation bytes (`head` is `*` for RESP2, `>` for RESP3).
fn conf(head: char, word: &str, name: &str, n: i64) -> Vec<u8> {
    format!(
        "{head}3\r\n${}\r\n{word}\r\n${}\r\n{name}\r\n:{n}\r\n",
        word.len(),
        name.len()
    )
    .into_bytes()
}

fn message(head: char, channel: &str, msg: &str) -> Vec<u8> {
    format!(
        "{head}3\r\n$7\r\nmessage\r\n${}\r\n{channel}\r\n${}\r\n{msg}\r\n",
        channel.len(),
        msg.len()
    )
    .into_bytes()
}

fn pmessage(head: char, pattern: &str, channel: &str, msg: &str) -> Vec<u8> {
    format!(
        "{head}4\r\n$8\r\npmessage\r\n${}\r\n{pattern}\r\n${}\r\n{channel}\r\n${}\r\n{msg}\r\n",
        pattern.len(),
        channel.len(),
        msg.len()
    )
    .into_bytes()
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Sends a command whose replies are several frames and reads `n` of them.
fn cmd_n(c: &mut Raw, args: &[&str], n: usize) -> Vec<Vec<u8>> {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.send_cmd(&a);
    (0..n).map(|_| c.read_reply()).collect()
}

fn resp3(c: &mut Raw) {
    let r = c.cmd(&["HELLO", "3"]);
    assert!(r.starts_with(b"%"), "{}", show(&r));
}

#[test]
fn messages_reach_channel_and_pattern_subscribers() {
    let srv = Server::start();
    let mut sub = srv.raw();
    let mut publ = srv.raw();
    assert_eq!(
        cmd_n(&mut sub, &["SUBSCRIBE", "a", "b", "a"], 3),
        vec![
            conf('*', "subscribe", "a", 1),
            conf('*', "subscribe", "b", 2),
            conf('*', "subscribe", "a", 2)
        ]
    );
    assert_eq!(
        cmd_n(&mut sub, &["PSUBSCRIBE", "a*"], 1),
        vec![conf('*', "psubscribe", "a*", 3)]
    );
    assert_eq!(publ.cmd_str(&["PUBLISH", "a", "hi"]), ":2\r\n");
    assert_eq!(sub.read_reply(), message('*', "a", "hi"));
    assert_eq!(sub.read_reply(), pmessage('*', "a*", "a", "hi"));
    assert_eq!(publ.cmd_str(&["PUBLISH", "zz", "x"]), ":0\r\n");
    // Order per publisher is preserved, even pipelined.
    let mut batch = Vec::new();
    for i in 0..100 {
        batch.extend(common::encode(&[
            b"PUBLISH",
            b"b",
            i.to_string().as_bytes(),
        ]));
    }
    publ.send(&batch);
    for _ in 0..100 {
        assert_eq!(publ.read_reply(), b":1\r\n");
    }
    for i in 0..100 {
        assert_eq!(sub.read_reply(), message('*', "b", &i.to_string()));
    }
    assert_eq!(
        publ.cmd_str(&["PUBSUB", "NUMSUB", "a", "b", "c"]),
        "*6\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n$1\r\nc\r\n:0\r\n"
    );
    assert_eq!(publ.cmd_str(&["PUBSUB", "NUMPAT"]), ":1\r\n");
}

#[test]
fn patterns_match_with_escapes_classes_and_negation() {
    let srv = Server::start();
    let mut sub = srv.raw();
    let mut publ = srv.raw();
    let pats = [
        "h?llo",
        "h[ae]llo",
        "h[^e]llo",
        "h[a-c]llo",
        "h\\*llo",
        "x\\[y",
    ];
    let mut args = vec!["PSUBSCRIBE"];
    args.extend(pats);
    let replies = cmd_n(&mut sub, &args, pats.len());
    assert_eq!(replies[5], conf('*', "psubscribe", "x\\[y", 6));
    let cases: &[(&str, &[&str])] = &[
        ("hello", &["h?llo", "h[ae]llo"]),
        ("hallo", &["h?llo", "h[ae]llo", "h[^e]llo", "h[a-c]llo"]),
        ("h*llo", &["h?llo", "h[^e]llo", "h\\*llo"]),
        ("hxllo", &["h?llo", "h[^e]llo"]),
        ("x[y", &["x\\[y"]),
        ("hllo", &[]),
    ];
    for (channel, expect) in cases {
        let n = publ.cmd_str(&["PUBLISH", channel, "m"]);
        assert_eq!(n, format!(":{}\r\n", expect.len()), "{channel}");
        for p in *expect {
            assert_eq!(
                show(&sub.read_reply()),
                show(&pmessage('*', p, channel, "m")),
                "{channel}"
            );
        }
    }
    // Nothing else arrived: a PING in subscribed mode comes back next.
    assert_eq!(
        cmd_n(&mut sub, &["PUNSUBSCRIBE", "h?llo"], 1),
        vec![conf('*', "punsubscribe", "h?llo", 5)]
    );
}

#[test]
fn unsubscribe_all_and_empty_unsubscribes() {
    let srv = Server::start();
    let mut c = srv.raw();
    assert_eq!(
        c.cmd_str(&["UNSUBSCRIBE"]),
        "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    );
    assert_eq!(
        c.cmd_str(&["PUNSUBSCRIBE"]),
        "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"
    );
    assert_eq!(
        c.cmd_str(&["SUNSUBSCRIBE"]),
        "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"
    );
    cmd_n(&mut c, &["SUBSCRIBE", "x", "y"], 2);
    cmd_n(&mut c, &["PSUBSCRIBE", "p"], 1);
    cmd_n(&mut c, &["SSUBSCRIBE", "s"], 1);
    // Counts go down in reply order (the pattern still counts); channel order is free.
    let all = cmd_n(&mut c, &["UNSUBSCRIBE"], 2);
    let (first, second) = if all[0] == conf('*', "unsubscribe", "x", 2) {
        ("x", "y")
    } else {
        ("y", "x")
    };
    assert_eq!(
        all,
        vec![
            conf('*', "unsubscribe", first, 2),
            conf('*', "unsubscribe", second, 1)
        ]
    );
    assert_eq!(
        cmd_n(&mut c, &["PUNSUBSCRIBE"], 1),
        vec![conf('*', "punsubscribe", "p", 0)]
    );
    assert_eq!(
        cmd_n(&mut c, &["SUNSUBSCRIBE"], 1),
        vec![conf('*', "sunsubscribe", "s", 0)]
    );
    assert_eq!(c.cmd_str(&["GET", "k"]), "$-1\r\n");
}

#[test]
fn resp3_subscribers_get_pushes_and_may_run_any_command() {
    let srv = Server::start();
    let mut sub = srv.raw();
    let mut publ = srv.raw();
    resp3(&mut sub);
    assert_eq!(
        cmd_n(&mut sub, &["SUBSCRIBE", "c1"], 1),
        vec![conf('>', "subscribe", "c1", 1)]
    );
    assert_eq!(
        cmd_n(&mut sub, &["SSUBSCRIBE", "s1"], 1),
        vec![conf('>', "ssubscribe", "s1", 1)]
    );
    assert_eq!(sub.cmd_str(&["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(sub.cmd_str(&["PING"]), "+PONG\r\n");
    assert_eq!(publ.cmd_str(&["PUBLISH", "c1", "m"]), ":1\r\n");
    assert_eq!(sub.read_reply(), message('>', "c1", "m"));
    assert_eq!(publ.cmd_str(&["SPUBLISH", "s1", "m2"]), ":1\r\n");
    assert_eq!(
        show(&sub.read_reply()),
        ">3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nm2\r\n"
    );
    // Its own publication comes back ahead of the count.
    sub.send_cmd(&[b"PUBLISH", b"c1", b"me"]);
    assert_eq!(sub.read_reply(), message('>', "c1", "me"));
    assert_eq!(sub.read_reply(), b":1\r\n");
    assert_eq!(
        sub.cmd_str(&["UNSUBSCRIBE", "c1"]),
        show(&conf('>', "unsubscribe", "c1", 0))
    );
    assert_eq!(
        sub.cmd_str(&["UNSUBSCRIBE"]),
        ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
    );
}

#[test]
fn client_list_shows_subscription_counts() {
    let srv = Server::start();
    let mut sub = srv.raw();
    let mut other = srv.raw();
    resp3(&mut sub);
    cmd_n(&mut sub, &["SUBSCRIBE", "c1"], 1);
    cmd_n(&mut sub, &["PSUBSCRIBE", "c*", "h[ae]llo"], 2);
    cmd_n(&mut sub, &["SSUBSCRIBE", "s1", "s2"], 2);
    let list = show(&other.cmd(&["CLIENT", "LIST"]));
    let line = list
        .lines()
        .find(|l| l.contains("resp=3"))
        .expect("subscriber line");
    assert!(
        line.contains(" flags=P db=0 sub=1 psub=2 ssub=2 multi=-1 "),
        "{line}"
    );
    let me = list.lines().find(|l| l.contains("resp=2")).unwrap();
    assert!(me.contains(" flags=N db=0 sub=0 psub=0 ssub=0 "), "{me}");
    // Subscribers are of type pubsub for CLIENT LIST / CLIENT KILL filters.
    let typed = show(&other.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]));
    assert_eq!(typed.matches("id=").count(), 1, "{typed}");
    assert!(typed.contains("resp=3"), "{typed}");
    assert_eq!(
        other.cmd_str(&["CLIENT", "KILL", "TYPE", "pubsub"]),
        ":1\r\n"
    );
    assert!(sub.is_closed());
    let deadline = Instant::now() + Duration::from_secs(5);
    while other.cmd_str(&["PUBSUB", "NUMPAT"]) != ":0\r\n" {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn closed_clients_lose_their_subscriptions() {
    let srv = Server::start();
    let mut publ = srv.raw();
    {
        let mut sub = srv.raw();
        cmd_n(&mut sub, &["SUBSCRIBE", "gone"], 1);
        cmd_n(&mut sub, &["PSUBSCRIBE", "g*"], 1);
        assert_eq!(publ.cmd_str(&["PUBLISH", "gone", "x"]), ":2\r\n");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = publ.cmd_str(&["PUBLISH", "gone", "x"]);
        if n == ":0\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "still {n}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(publ.cmd_str(&["PUBSUB", "NUMPAT"]), ":0\r\n");
    assert_eq!(publ.cmd_str(&["PUBSUB", "CHANNELS"]), "*0\r\n");
}

#[test]
fn slow_subscriber_is_disconnected_by_the_pubsub_output_limit() {
    let srv = Server::start();
    let mut publ = srv.raw();
    assert_eq!(
        publ.cmd_str(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 256kb 0 0"
        ]),
        "+OK\r\n"
    );
    // A subscriber that never reads.
    let mut slow = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    slow.write_all(&common::encode(&[b"SUBSCRIBE", b"firehose"]))
        .unwrap();
    let mut fast = srv.raw();
    cmd_n(&mut fast, &["SUBSCRIBE", "firehose"], 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while publ.cmd_str(&["PUBSUB", "NUMSUB", "firehose"]) != "*2\r\n$8\r\nfirehose\r\n:2\r\n" {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    let payload = "x".repeat(16 * 1024);
    let mut sent = 0;
    let mut dropped = false;
    // Up to 64 MB: far more than socket buffers hold, so the output buffer must fill. Batches
    // stay small so that the fast subscriber, which reads between them, stays under the limit.
    while sent < 4096 {
        let mut batch = Vec::new();
        for _ in 0..4 {
            batch.extend(common::encode(&[
                b"PUBLISH",
                b"firehose",
                payload.as_bytes(),
            ]));
        }
        publ.send(&batch);
        for _ in 0..4 {
            let r = publ.read_reply();
            assert!(r == b":2\r\n" || r == b":1\r\n", "{}", show(&r));
            dropped |= r == b":1\r\n";
        }
        // The fast subscriber keeps up.
        for _ in 0..4 {
            let m = fast.read_reply();
            assert!(m.ends_with(format!("{payload}\r\n").as_bytes()));
        }
        sent += 4;
        if dropped {
            break;
        }
    }
    assert!(dropped, "the slow subscriber was never cut off");
    assert_eq!(
        publ.cmd_str(&["PUBSUB", "NUMSUB", "firehose"]),
        "*2\r\n$8\r\nfirehose\r\n:1\r\n"
    );
    // The slow subscriber's socket is closed: it reads what the kernel held, then EOF.
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match slow.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("slow subscriber not closed: {e}"),
        }
    }
    assert_eq!(publ.cmd_str(&["PING"]), "+PONG\r\n");
}

/// Reads `(channel, message)` of each pmessage until `n` have arrived.
fn read_events(c: &mut Raw, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|_| {
            let r = show(&c.read_reply());
            let parts: Vec<&str> = r.split("\r\n").collect();
            assert_eq!(parts.get(2), Some(&"pmessage"), "{r}");
            (parts[6].to_string(), parts[8].to_string())
        })
        .collect()
}

#[test]
fn keyspace_events_for_set_del_expire_and_expired() {
    let srv = Server::start();
    let mut sub = srv.raw();
    let mut c = srv.raw();
    assert_eq!(
        c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]),
        "+OK\r\n"
    );
    cmd_n(&mut sub, &["PSUBSCRIBE", "__key*__:*"], 1);
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["EXPIRE", "k", "100"]);
    c.cmd(&["DEL", "k"]);
    c.cmd(&["SELECT", "2"]);
    c.cmd(&["SET", "e", "1", "PX", "50"]);
    let ev = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        read_events(&mut sub, 10),
        vec![
            ev("__keyspace@0__:k", "set"),
            ev("__keyevent@0__:set", "k"),
            ev("__keyspace@0__:k", "expire"),
            ev("__keyevent@0__:expire", "k"),
            ev("__keyspace@0__:k", "del"),
            ev("__keyevent@0__:del", "k"),
            ev("__keyspace@2__:e", "set"),
            ev("__keyevent@2__:set", "e"),
            ev("__keyspace@2__:e", "expire"),
            ev("__keyevent@2__:expire", "e"),
        ]
    );
    // Active expiry finds the key without anyone touching it.
    assert_eq!(
        read_events(&mut sub, 2),
        vec![
            ev("__keyspace@2__:e", "expired"),
            ev("__keyevent@2__:expired", "e")
        ]
    );
    // Only the enabled classes: K alone with generic events.
    assert_eq!(
        c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", "Kg"]),
        "+OK\r\n"
    );
    c.cmd(&["SET", "q", "1"]);
    c.cmd(&["DEL", "q"]);
    assert_eq!(
        read_events(&mut sub, 1),
        vec![ev("__keyspace@2__:q", "del")]
    );
}

#[test]
fn resp3_client_sees_its_own_keyspace_events_before_the_reply() {
    let srv = Server::start();
    let mut c = srv.raw();
    resp3(&mut c);
    assert_eq!(
        c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]),
        "+OK\r\n"
    );
    cmd_n(
        &mut c,
        &["SUBSCRIBE", "__keyspace@0__:k", "__keyevent@0__:set"],
        2,
    );
    c.send_cmd(&[b"SET", b"k", b"v"]);
    assert_eq!(
        show(&c.read_reply()),
        show(&message('>', "__keyspace@0__:k", "set"))
    );
    assert_eq!(
        show(&c.read_reply()),
        show(&message('>', "__keyevent@0__:set", "k"))
    );
    assert_eq!(c.read_reply(), b"+OK\r\n");
}

#[test]
fn many_subscribers_on_one_channel() {
    let srv = Server::start();
    let mut subs: Vec<Raw> = (0..200).map(|_| srv.raw()).collect();
    for s in subs.iter_mut() {
        cmd_n(s, &["SUBSCRIBE", "wide"], 1);
    }
    let mut publ = srv.raw();
    for i in 0..5 {
        assert_eq!(
            publ.cmd_str(&["PUBLISH", "wide", &i.to_string()]),
            ":200\r\n"
        );
    }
    for s in subs.iter_mut() {
        for i in 0..5 {
            assert_eq!(s.read_reply(), message('*', "wide", &i.to_string()));
        }
    }
}

#[test]
fn resp2_subscribed_mode_refuses_other_commands_until_unsubscribed_or_reset() {
    let srv = Server::start();
    let mut c = srv.raw();
    cmd_n(&mut c, &["SSUBSCRIBE", "s"], 1);
    cmd_n(&mut c, &["SUBSCRIBE", "c"], 1);
    let refused = |cmd: &str| {
        format!(
            "-ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
             RESET are allowed in this context\r\n"
        )
    };
    assert_eq!(c.cmd_str(&["GET", "k"]), refused("get"));
    assert_eq!(c.cmd_str(&["CLIENT", "LIST"]), refused("client|list"));
    assert_eq!(c.cmd_str(&["HELLO", "3"]), refused("hello"));
    assert_eq!(c.cmd_str(&["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(
        c.cmd_str(&["PING", "hi"]),
        "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"
    );
    // Dropping the channel leaves the shard channel: still in subscribed mode.
    assert_eq!(
        c.cmd_str(&["UNSUBSCRIBE", "c"]),
        show(&conf('*', "unsubscribe", "c", 0))
    );
    assert_eq!(c.cmd_str(&["GET", "k"]), refused("get"));
    assert_eq!(
        c.cmd_str(&["SUNSUBSCRIBE"]),
        show(&conf('*', "sunsubscribe", "s", 0))
    );
    assert_eq!(c.cmd_str(&["GET", "k"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["PING"]), "+PONG\r\n");
    // RESET leaves subscribed mode silently and forgets the subscriptions.
    cmd_n(&mut c, &["PSUBSCRIBE", "p*"], 1);
    assert_eq!(c.cmd_str(&["RESET"]), "+RESET\r\n");
    assert_eq!(c.cmd_str(&["GET", "k"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["PUBSUB", "NUMPAT"]), ":0\r\n");
    assert_eq!(c.cmd_str(&["PUBLISH", "px", "m"]), ":0\r\n");
    // QUIT is allowed and closes.
    cmd_n(&mut c, &["SUBSCRIBE", "c"], 1);
    assert_eq!(c.cmd_str(&["QUIT"]), "+OK\r\n");
    assert!(c.is_closed());
}
