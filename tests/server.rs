//! Server-group admin commands against the real binary: INFO fields, CONFIG SET/GET round
//! trips, SLOWLOG with a slow DEBUG SLEEP. Expected bytes were taken from Redis 7.0.15.

mod common;

use common::Server;

fn info_field(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.strip_prefix(&format!("{name}:"))
            .map(|v| v.trim().to_string())
    })
}

#[test]
fn info_reports_server_fields_and_idle_values() {
    let s = Server::start();
    let mut r = s.raw();
    r.cmd(&["SET", "k", "v"]);
    let text = r.cmd_str(&["INFO"]);
    assert!(text.starts_with("$"), "{text}");
    assert_eq!(
        info_field(&text, "redis_version").as_deref(),
        Some("7.0.15")
    );
    assert_eq!(info_field(&text, "process_id"), Some(s.pid().to_string()));
    assert_eq!(info_field(&text, "role").as_deref(), Some("master"));
    assert_eq!(
        info_field(&text, "rdb_bgsave_in_progress").as_deref(),
        Some("0")
    );
    assert_eq!(info_field(&text, "connected_clients").as_deref(), Some("1"));
    assert!(
        info_field(&text, "used_memory")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert!(
        info_field(&text, "used_memory_rss")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert!(
        info_field(&text, "total_connections_received")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        info_field(&text, "db0").as_deref(),
        Some("keys=1,expires=0,avg_ttl=0")
    );
    assert_eq!(r.cmd(&["INFO", "nosuchsection"]), b"$0\r\n\r\n");
    assert_eq!(
        r.cmd(&["INFO", "cluster"]),
        b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"
    );
    r.cmd(&["HELLO", "3"]);
    assert_eq!(
        r.cmd(&["INFO", "cluster"]),
        b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
    );
}

#[test]
fn config_set_then_get_round_trips() {
    let s = Server::start();
    let mut r = s.raw();
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "maxmemory-samples", "7"]),
        b"+OK\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "maxmemory-samples"]),
        b"*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n7\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "maxmemory", "abc"]),
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a \
          memory value\r\n"
            .to_vec()
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "foo", "bar"]),
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"
    );
}

#[test]
fn slowlog_records_a_slow_debug_sleep() {
    let s = Server::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "10000"]),
        b"+OK\r\n"
    );
    assert_eq!(r.cmd(&["SLOWLOG", "RESET"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["DEBUG", "SLEEP", "0.05"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["SLOWLOG", "LEN"]), b":1\r\n");
    let entry = r.cmd_str(&["SLOWLOG", "GET"]);
    assert!(entry.starts_with("*1\r\n*6\r\n:"), "{entry}");
    assert!(entry.contains("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.05\r\n$15\r\n127.0.0.1:"));
    assert!(entry.ends_with("$0\r\n\r\n"), "{entry}");
    assert_eq!(
        r.cmd(&["SLOWLOG", "GET", "-2"]),
        b"-ERR count should be greater than or equal to -1\r\n"
    );
}
