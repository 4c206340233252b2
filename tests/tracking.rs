//! Client-side caching against the real binary, with several connections: a reader with
//! tracking, a writer, a redirect client. Every option of CLIENT TRACKING across connections
//! (REDIRECT to RESP3 and to RESP2 subscribers, a redirect client gone, BCAST with prefixes,
//! NOLOOP, OPTIN/OPTOUT), invalidation on writes, active expiry, FLUSHALL and the
//! tracking-table-max-keys limit, and the CLIENT LIST and INFO fields. Expected bytes were taken
//! from Redis 7.0.15.
//!
//! "Nothing arrived" is checked without timing: the writer's reply is read first (so the server
//! has handled the write and queued every invalidation it causes), then the reader sends PING
//! and its very next reply must be the PONG.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Raw, Server};

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn resp3(c: &mut Raw) {
    let r = c.cmd(&["HELLO", "3"]);
    assert!(r.starts_with(b"%"), "{}", show(&r));
}

fn id_of(c: &mut Raw) -> i64 {
    let r = c.cmd_str(&["CLIENT", "ID"]);
    r.trim_start_matches(':').trim().parse().unwrap()
}

/// The key array of an invalidation.
fn keys(ks: &[&str]) -> String {
    let mut s = format!("*{}\r\n", ks.len());
    for k in ks {
        s.push_str(&format!("${}\r\n{k}\r\n", k.len()));
    }
    s
}

/// A RESP3 invalidation push for `ks`.
fn push(ks: &[&str]) -> String {
    format!(">2\r\n$10\r\ninvalidate\r\n{}", keys(ks))
}

/// A RESP2 `__redis__:invalidate` message for `ks`.
fn message(ks: &[&str]) -> String {
    format!(
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n{}",
        keys(ks)
    )
}

fn ok(c: &mut Raw, args: &[&str]) {
    assert_eq!(c.cmd_str(args), "+OK\r\n", "{args:?}");
}

fn next(c: &mut Raw) -> String {
    show(&c.read_reply())
}

/// Asserts that nothing is waiting on `c`: its next reply is PING's.
fn quiet(c: &mut Raw) {
    assert_eq!(c.cmd_str(&["PING"]), "+PONG\r\n");
}

fn client_line(c: &mut Raw, id: i64) -> String {
    let id = id.to_string();
    c.cmd_str(&["CLIENT", "LIST", "ID", &id])
}

fn info_field(c: &mut Raw, section: &str, field: &str) -> String {
    let info = c.cmd_str(&["INFO", section]);
    let prefix = format!("{field}:");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .to_string()
}

#[test]
fn a_reader_is_invalidated_once_when_another_client_writes() {
    let s = Server::start();
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "on"]);
    assert_eq!(reader.cmd_str(&["MGET", "a", "b"]), "*2\r\n_\r\n_\r\n");
    ok(&mut writer, &["SET", "a", "1"]);
    assert_eq!(next(&mut reader), push(&["a"]));
    assert_eq!(writer.cmd_str(&["DEL", "a", "b"]), ":1\r\n");
    quiet(&mut reader);
    // b was never written (DEL found nothing), a was forgotten after its invalidation.
    ok(&mut writer, &["SET", "b", "1"]);
    assert_eq!(next(&mut reader), push(&["b"]));
    ok(&mut writer, &["SET", "a", "2"]);
    quiet(&mut reader);
    // Writes of every kind go through the same hook.
    assert_eq!(reader.cmd_str(&["HGET", "h", "f"]), "_\r\n");
    assert_eq!(writer.cmd_str(&["HSET", "h", "f", "v"]), ":1\r\n");
    assert_eq!(next(&mut reader), push(&["h"]));
    // A RESP2 reader without REDIRECT has nowhere to receive invalidations.
    let mut old = Raw::connect(s.port);
    ok(&mut old, &["CLIENT", "TRACKING", "on"]);
    assert_eq!(old.cmd_str(&["GET", "a"]), "$1\r\n2\r\n");
    ok(&mut writer, &["SET", "a", "3"]);
    quiet(&mut old);
}

#[test]
fn redirect_to_a_resp2_subscriber_sends_invalidate_messages() {
    let s = Server::start();
    let mut sub = Raw::connect(s.port);
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    let sub_id = id_of(&mut sub);
    assert_eq!(
        sub.cmd_str(&["SUBSCRIBE", "__redis__:invalidate"]),
        "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n"
    );
    let redir = sub_id.to_string();
    ok(
        &mut reader,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &redir],
    );
    assert_eq!(
        reader.cmd_str(&["CLIENT", "GETREDIR"]),
        format!(":{sub_id}\r\n")
    );
    let reader_id = id_of(&mut reader);
    let line = client_line(&mut writer, reader_id);
    assert!(line.contains(" flags=t "), "{line}");
    assert!(line.contains(&format!(" redir={sub_id} ")), "{line}");
    reader.cmd(&["GET", "x"]);
    reader.cmd(&["GET", "y"]);
    ok(&mut writer, &["SET", "x", "1"]);
    assert_eq!(next(&mut sub), message(&["x"]));
    assert_eq!(writer.cmd_str(&["INCR", "y"]), ":1\r\n");
    assert_eq!(next(&mut sub), message(&["y"]));
    quiet(&mut reader);
    // FLUSHALL sends the null, in the tracking client's protocol.
    ok(&mut writer, &["FLUSHALL"]);
    assert_eq!(
        next(&mut sub),
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"
    );
}

#[test]
fn redirect_to_an_unsubscribed_resp2_client_sends_nothing() {
    let s = Server::start();
    let mut target = Raw::connect(s.port);
    let mut reader = Raw::connect(s.port);
    let id = id_of(&mut target).to_string();
    ok(&mut reader, &["CLIENT", "TRACKING", "on", "REDIRECT", &id]);
    reader.cmd(&["GET", "k"]);
    ok(&mut reader, &["SET", "k", "1"]);
    quiet(&mut target);
    quiet(&mut reader);
}

#[test]
fn redirect_push_precedes_the_writers_reply() {
    let s = Server::start();
    let mut b = Raw::connect(s.port);
    resp3(&mut b);
    let bid = id_of(&mut b).to_string();
    let mut a = Raw::connect(s.port);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", &bid]);
    a.cmd(&["GET", "k"]);
    b.send_cmd(&[b"SET", b"k", b"1"]);
    assert_eq!(next(&mut b), push(&["k"]));
    assert_eq!(next(&mut b), "+OK\r\n");
}

#[test]
fn a_gone_redirect_client_breaks_the_redirect() {
    let s = Server::start();
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut reader);
    let reader_id = id_of(&mut reader);
    let (redir_id, line) = {
        let mut redir = Raw::connect(s.port);
        let id = id_of(&mut redir);
        ok(
            &mut reader,
            &["CLIENT", "TRACKING", "on", "REDIRECT", &id.to_string()],
        );
        (id, client_line(&mut writer, id))
    };
    assert!(line.contains(&format!("id={redir_id} ")), "{line}");
    // The redirect client's connection is closed; wait until the server saw it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !client_line(&mut writer, redir_id)
        .trim_start_matches('$')
        .starts_with("0\r\n")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "redirect client still listed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    reader.cmd(&["GET", "k"]);
    ok(&mut writer, &["SET", "k", "v"]);
    assert_eq!(
        next(&mut reader),
        format!(">2\r\n$21\r\ntracking-redir-broken\r\n:{redir_id}\r\n")
    );
    let line = client_line(&mut writer, reader_id);
    assert!(line.contains(" flags=tR "), "{line}");
    let info = reader.cmd_str(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        format!(
            "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n\
             $8\r\nredirect\r\n:{redir_id}\r\n$8\r\nprefixes\r\n*0\r\n"
        )
    );
    // Turning tracking on again clears the flag.
    ok(&mut reader, &["CLIENT", "TRACKING", "on"]);
    let line = client_line(&mut writer, reader_id);
    assert!(
        line.contains(" flags=t ") && line.contains(" redir=0 "),
        "{line}"
    );
}

#[test]
fn bcast_sends_prefix_batches_and_noloop_skips_own_writes() {
    let s = Server::start();
    let mut bc = Raw::connect(s.port);
    let mut nl = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut bc);
    resp3(&mut nl);
    ok(
        &mut bc,
        &[
            "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:",
        ],
    );
    ok(&mut nl, &["CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"]);
    let bc_id = id_of(&mut bc);
    let line = client_line(&mut writer, bc_id);
    assert!(line.contains(" flags=tB "), "{line}");
    // No read needed in BCAST mode; one MSET is one batch per prefix.
    ok(
        &mut writer,
        &["MSET", "user:2", "a", "user:1", "b", "other", "c"],
    );
    assert_eq!(next(&mut bc), push(&["user:1", "user:2"]));
    assert_eq!(next(&mut nl), push(&["other", "user:1", "user:2"]));
    quiet(&mut bc);
    // NOLOOP: the client's own writes are left out of its batch.
    ok(&mut nl, &["SET", "obj:9", "x"]);
    assert_eq!(next(&mut bc), push(&["obj:9"]));
    quiet(&mut nl);
    assert_eq!(
        info_field(&mut writer, "stats", "tracking_total_prefixes"),
        "3"
    );
    assert_eq!(info_field(&mut writer, "clients", "tracking_clients"), "2");
    ok(&mut bc, &["CLIENT", "TRACKING", "off"]);
    assert_eq!(
        info_field(&mut writer, "stats", "tracking_total_prefixes"),
        "1"
    );
    ok(&mut writer, &["SET", "user:1", "z"]);
    assert_eq!(next(&mut nl), push(&["user:1"]));
    quiet(&mut bc);
}

#[test]
fn noloop_in_default_mode_still_hears_other_clients() {
    let s = Server::start();
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "on", "NOLOOP"]);
    reader.cmd(&["GET", "k"]);
    ok(&mut reader, &["SET", "k", "1"]);
    quiet(&mut reader);
    reader.cmd(&["GET", "k"]);
    ok(&mut writer, &["SET", "k", "2"]);
    assert_eq!(next(&mut reader), push(&["k"]));
}

#[test]
fn optin_and_optout_decide_which_reads_are_tracked() {
    let s = Server::start();
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "on", "OPTIN"]);
    reader.cmd(&["GET", "a"]);
    ok(&mut reader, &["CLIENT", "CACHING", "yes"]);
    reader.cmd(&["GET", "b"]);
    reader.cmd(&["GET", "c"]);
    ok(&mut writer, &["MSET", "a", "1", "b", "1", "c", "1"]);
    assert_eq!(next(&mut reader), push(&["b"]));
    quiet(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "off"]);
    ok(&mut reader, &["CLIENT", "TRACKING", "on", "OPTOUT"]);
    ok(&mut reader, &["CLIENT", "CACHING", "no"]);
    reader.cmd(&["GET", "a"]);
    reader.cmd(&["GET", "b"]);
    ok(&mut writer, &["MSET", "a", "2", "b", "2"]);
    assert_eq!(next(&mut reader), push(&["b"]));
    quiet(&mut reader);
}

#[test]
fn active_expiry_invalidates_tracked_keys() {
    let s = Server::start();
    let mut reader = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["SET", "e", "v", "PX", "100"]);
    ok(&mut reader, &["CLIENT", "TRACKING", "on"]);
    assert_eq!(reader.cmd_str(&["GET", "e"]), "$1\r\nv\r\n");
    // Nothing more is sent: the push can only come from the server expiring the key itself.
    assert_eq!(next(&mut reader), push(&["e"]));
    assert_eq!(reader.cmd_str(&["EXISTS", "e"]), ":0\r\n");
}

#[test]
fn flushall_sends_the_null_invalidation_to_every_tracking_client() {
    let s = Server::start();
    let mut r1 = Raw::connect(s.port);
    let mut r2 = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut r1);
    resp3(&mut r2);
    ok(&mut r1, &["CLIENT", "TRACKING", "on"]);
    ok(&mut r2, &["CLIENT", "TRACKING", "on", "BCAST"]);
    r1.cmd(&["GET", "k"]);
    ok(&mut writer, &["FLUSHDB"]);
    assert_eq!(next(&mut r1), ">2\r\n$10\r\ninvalidate\r\n_\r\n");
    assert_eq!(next(&mut r2), ">2\r\n$10\r\ninvalidate\r\n_\r\n");
    assert_eq!(info_field(&mut writer, "stats", "tracking_total_keys"), "0");
}

#[test]
fn the_table_limit_invalidates_keys_to_stay_under_it() {
    let s = Server::start_with(&["--tracking-table-max-keys", "2"]);
    let mut reader = Raw::connect(s.port);
    let mut writer = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "on"]);
    reader.cmd(&["MGET", "k1", "k2", "k3", "k4", "k5"]);
    // The limit is applied before the next command (INFO): three keys were evicted.
    assert_eq!(info_field(&mut writer, "stats", "tracking_total_keys"), "2");
    assert_eq!(
        info_field(&mut writer, "stats", "tracking_total_items"),
        "2"
    );
    let mut evicted = Vec::new();
    for _ in 0..3 {
        let p = next(&mut reader);
        assert!(
            p.starts_with(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk"),
            "{p}"
        );
        evicted.push(p);
    }
    evicted.sort();
    evicted.dedup();
    assert_eq!(evicted.len(), 3);
    quiet(&mut reader);
}

#[test]
fn info_counts_tracking_clients_keys_items_and_prefixes() {
    let s = Server::start();
    let mut a = Raw::connect(s.port);
    let mut b = Raw::connect(s.port);
    let mut c = Raw::connect(s.port);
    ok(&mut a, &["CLIENT", "TRACKING", "on"]);
    ok(&mut b, &["CLIENT", "TRACKING", "on"]);
    a.cmd(&["MGET", "x", "y"]);
    b.cmd(&["GET", "x"]);
    // Write commands are not reads, even when they return data.
    b.cmd(&["GETSET", "w", "1"]);
    assert_eq!(info_field(&mut c, "clients", "tracking_clients"), "2");
    assert_eq!(info_field(&mut c, "stats", "tracking_total_keys"), "2");
    assert_eq!(info_field(&mut c, "stats", "tracking_total_items"), "3");
    assert_eq!(info_field(&mut c, "stats", "tracking_total_prefixes"), "0");
    drop(a);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while info_field(&mut c, "clients", "tracking_clients") != "1" {
        assert!(std::time::Instant::now() < deadline, "a still counted");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Keys a gone client read stay in the table until they are invalidated, as in Redis.
    assert_eq!(info_field(&mut c, "stats", "tracking_total_keys"), "2");
    ok(&mut c, &["SET", "y", "1"]);
    assert_eq!(info_field(&mut c, "stats", "tracking_total_keys"), "1");
    assert_eq!(info_field(&mut c, "stats", "tracking_total_items"), "2");
}

#[test]
fn reset_turns_tracking_off() {
    let s = Server::start();
    let mut a = Raw::connect(s.port);
    ok(
        &mut a,
        &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p"],
    );
    assert_eq!(a.cmd_str(&["RESET"]), "+RESET\r\n");
    assert_eq!(a.cmd_str(&["CLIENT", "GETREDIR"]), ":-1\r\n");
    assert_eq!(info_field(&mut a, "stats", "tracking_total_prefixes"), "0");
    assert_eq!(info_field(&mut a, "clients", "tracking_clients"), "0");
}

#[test]
fn an_evicted_key_is_invalidated() {
    let s = Server::start_with(&["--maxmemory-policy", "allkeys-lru"]);
    let mut reader = Raw::connect(s.port);
    let mut admin = Raw::connect(s.port);
    resp3(&mut reader);
    ok(&mut reader, &["CLIENT", "TRACKING", "on"]);
    ok(&mut admin, &["SET", "k", "v"]);
    assert_eq!(reader.cmd_str(&["GET", "k"]), "$1\r\nv\r\n");
    // A limit below anything reachable: the next command evicts every key.
    ok(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(admin.cmd_str(&["DBSIZE"]), ":0\r\n");
    assert_eq!(next(&mut reader), push(&["k"]));
    ok(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    quiet(&mut reader);
}
