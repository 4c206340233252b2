//! The tools users already run, pointed at carmine: redis-cli's modes (--scan, --pipe,
//! --bigkeys, --memkeys, --latency, --raw, MONITOR, INFO, SLOWLOG, CLIENT LIST) and
//! redis-benchmark. CI installs redis-tools, so these never skip.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Server;

fn cli(s: &Server, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(s.port.to_string())
        .args(args)
        .output()
        .expect("redis-cli must be installed (apt-get install redis-tools)");
    assert!(out.status.success(), "redis-cli {args:?} failed: {:?}", out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn raw_mode_and_plain_commands() {
    let s = Server::start();
    assert_eq!(cli(&s, &["SET", "greeting", "hello world"]), "OK\n");
    assert_eq!(cli(&s, &["--raw", "GET", "greeting"]), "hello world\n");
    assert_eq!(cli(&s, &["GET", "missing"]), "\n");
    assert_eq!(cli(&s, &["INCR", "n"]), "1\n");
    let info = cli(&s, &["INFO", "server"]);
    assert!(info.contains("redis_version:7.0.15"), "{info}");
    let clients = cli(&s, &["CLIENT", "LIST"]);
    assert!(clients.starts_with("id="), "{clients}");
    assert!(clients.contains("cmd=client|list"), "{clients}");
}

#[test]
fn scan_with_pattern_lists_matching_keys() {
    let s = Server::start();
    for i in 0..300 {
        cli(&s, &["SET", &format!("user:{i}"), "x"]);
    }
    cli(&s, &["SET", "other", "x"]);
    let out = cli(&s, &["--scan", "--pattern", "user:*"]);
    let mut keys: Vec<&str> = out.lines().collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 300);
    assert!(keys.iter().all(|k| k.starts_with("user:")));
}

#[test]
fn pipe_mode_mass_inserts_without_errors() {
    let s = Server::start();
    let mut input = Vec::new();
    for i in 0..10_000 {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        input.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
                k.len(),
                v.len()
            )
            .as_bytes(),
        );
    }
    let mut child = Command::new("redis-cli")
        .args(["-p", &s.port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("redis-cli");
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0, replies: 10000"), "{text}");
    assert_eq!(cli(&s, &["DBSIZE"]), "10000\n");
    assert_eq!(cli(&s, &["GET", "key:9999"]), "value:9999\n");
}

#[test]
fn bigkeys_and_memkeys_report_the_biggest_string() {
    let s = Server::start();
    cli(&s, &["SET", "small", "x"]);
    cli(&s, &["SET", "big", &"y".repeat(1000)]);
    let big = cli(&s, &["--bigkeys"]);
    assert!(
        big.contains("Biggest string found '\"big\"' has 1000 bytes"),
        "{big}"
    );
    assert!(big.contains("2 strings with 1001 bytes"), "{big}");
    let mem = cli(&s, &["--memkeys"]);
    assert!(mem.contains("Biggest string found '\"big\"' has "), "{mem}");
}

#[test]
fn latency_mode_samples_pings() {
    let s = Server::start();
    let out = Command::new("timeout")
        .args(["1.5", "redis-cli", "-p", &s.port.to_string(), "--latency"])
        .output()
        .expect("timeout and redis-cli");
    let text = String::from_utf8_lossy(&out.stdout);
    // Non-tty output: "min max avg samples".
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{text}");
    let samples: u64 = fields[3].parse().unwrap();
    assert!(samples > 10, "{text}");
}

#[test]
fn slowlog_get_shows_a_slow_command() {
    let s = Server::start_with(&["--slowlog-log-slower-than", "0"]);
    cli(&s, &["SET", "k", "v"]);
    let out = cli(&s, &["SLOWLOG", "GET", "5"]);
    assert!(out.contains("SET") || out.contains("set"), "{out}");
}

#[test]
fn monitor_streams_commands_of_other_clients() {
    let s = Server::start();
    let mut mon = Command::new("redis-cli")
        .args(["-p", &s.port.to_string(), "MONITOR"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("redis-cli");
    std::thread::sleep(Duration::from_millis(300));
    cli(&s, &["SET", "watched", "1"]);
    std::thread::sleep(Duration::from_millis(300));
    let _ = mon.kill();
    let _ = mon.wait();
    let mut out = String::new();
    mon.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("\"SET\" \"watched\" \"1\""), "{out}");
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let s = Server::start();
    for pipeline in ["1", "16"] {
        let out = Command::new("redis-benchmark")
            .args([
                "-p",
                &s.port.to_string(),
                "-t",
                "ping,set,get,incr,mset",
                "-n",
                "2000",
            ])
            .args(["-c", "10", "-P", pipeline, "-q"])
            .output()
            .expect("redis-benchmark must be installed (apt-get install redis-tools)");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !text.contains("ERR") && !stderr.contains("ERR"),
            "{text}{stderr}"
        );
        for t in [
            "PING_INLINE: ",
            "PING_MBULK: ",
            "SET: ",
            "GET: ",
            "INCR: ",
            "MSET (10 keys): ",
        ] {
            assert!(text.contains(t), "missing {t} in {text}");
        }
    }
}

#[test]
fn interactive_hints_come_from_command_docs() {
    // redis-cli builds its argument hints from COMMAND DOCS when it runs on a terminal; tmux
    // gives it one. CI installs tmux.
    let s = Server::start();
    let session = format!("carmine-hints-{}", s.port);
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux must be installed (apt-get install tmux)")
    };
    let cmd = format!("redis-cli -p {}", s.port);
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "10",
        &cmd,
    ]);
    assert!(started.status.success(), "{started:?}");
    std::thread::sleep(Duration::from_millis(800));
    tmux(&["send-keys", "-t", &session, "SET mykey "]);
    let mut screen = String::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-t", &session, "-p"]).stdout)
            .into_owned();
        if screen.contains("[NX|XX]") {
            break;
        }
    }
    tmux(&["kill-session", "-t", &session]);
    assert!(
        screen.contains("SET mykey value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"),
        "{screen}"
    );
}
