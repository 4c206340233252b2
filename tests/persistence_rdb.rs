//! RDB persistence against the real binary and real Redis 7.0: files written by carmine load
//! in redis-server (and pass redis-check-rdb) with the same DEBUG DIGEST, files written by
//! redis-server load in carmine with the same digest, corrupt files are refused at start-up,
//! and SAVE / BGSAVE / save points / SHUTDOWN / SIGTERM / FLUSHALL / MISCONF behave as Redis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Raw, Server, free_port};

/// A fresh directory under the temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "carmine-rdb-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A real redis-server in `dir`, killed on drop.
struct Redis {
    port: u16,
    child: Child,
}

impl Redis {
    fn start(dir: &Path) -> Redis {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "yes",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH (the RDB interop tests need Redis 7.0)");
        let r = Redis { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                drop(s);
                let mut c = r.raw();
                if c.cmd(&["PING"]) == b"+PONG\r\n" {
                    return r;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start");
    }

    fn raw(&self) -> Raw {
        Raw::connect(self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends each line (split on spaces) as a command and checks it did not fail.
fn run_all(c: &mut Raw, cmds: &[String]) {
    for line in cmds {
        let args: Vec<&str> = line.split(' ').collect();
        let r = c.cmd(&args);
        assert!(
            !r.starts_with(b"-"),
            "{line}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}

/// A dataset with every type in every encoding carmine and Redis 7.0 use, in several
/// databases, with expiry times.
fn dataset() -> Vec<String> {
    let mut v: Vec<String> = vec![
        "SET int 12345".into(),
        "SET neg -7".into(),
        "SET big 99999999999999".into(),
        "SET emb hello".into(),
        format!("SET raw {}", "r".repeat(60)),
        format!("SET lzf {}", "abc".repeat(40)),
        "SET ttl1 v".into(),
        "PEXPIRE ttl1 500000".into(),
        "RPUSH list a b c 1 2 -3 12345678901".into(),
        "HSET hsmall f1 v1 f2 2".into(),
        "SADD sint 1 2 3 -100 70000 5000000000".into(),
        "SADD sstr a b c".into(),
        "ZADD zsmall 1 a 2.5 b -3 c 0.1 d".into(),
        "CONFIG SET list-compress-depth 1".into(),
        "SELECT 3".into(),
        "SET indb3 x".into(),
        "EXPIRE indb3 10000".into(),
        "SELECT 0".into(),
    ];
    for i in 0..1500 {
        v.push(format!("RPUSH biglist element-number-{i}"));
    }
    v.push("CONFIG SET list-compress-depth 0".into());
    for i in 0..600 {
        v.push(format!("HSET bighash field{i} value{i}"));
    }
    for i in 0..300 {
        v.push(format!("SADD bigset member{i}"));
        v.push(format!("SADD bigintset {}", i * 7));
        v.push(format!("ZADD bigzset {i}.25 member{i}"));
    }
    v.push(format!("HSET longval f {}", "x".repeat(100)));
    v.push("DEBUG QUICKLIST-PACKED-THRESHOLD 100".into());
    v.push(format!("RPUSH plainlist a {} b", "p".repeat(150)));
    v.push("DEBUG QUICKLIST-PACKED-THRESHOLD 0".into());
    v.push("DEBUG POPULATE 500".into());
    // Streams: several nodes, SAMEFIELDS and deleted entries, groups with pending entries, an
    // idle consumer, an empty stream.
    v.push("CONFIG SET stream-node-max-entries 4".into());
    for i in 1..=11 {
        let fields = if i % 3 == 0 { "x 1" } else { "a 1 b 2" };
        v.push(format!("XADD st {i}-1 {fields} n {i}"));
    }
    v.extend(
        [
            "XDEL st 3-1",
            "XGROUP CREATE st g1 0",
            "XREADGROUP GROUP g1 alice COUNT 3 STREAMS st >",
            "XREADGROUP GROUP g1 bob COUNT 2 STREAMS st >",
            "XACK st g1 1-1",
            "XGROUP CREATECONSUMER st g1 carol",
            "XGROUP CREATE st g2 $",
            "XADD emptyst MAXLEN 0 1-1 f v",
            "CONFIG SET stream-node-max-entries 100",
        ]
        .map(String::from),
    );
    v
}

const LIBRARY: &str = "#!lua name=lib1\nredis.register_function('f1', function() return 42 end)";

/// Loads [`LIBRARY`] (saved as an RDB_OPCODE_FUNCTION2 record).
fn load_library(c: &mut Raw) {
    assert_eq!(c.cmd_str(&["FUNCTION", "LOAD", LIBRARY]), "$4\r\nlib1\r\n");
}

fn digest(c: &mut Raw) -> String {
    let r = c.cmd_str(&["DEBUG", "DIGEST"]);
    assert!(r.starts_with('+') && r.len() == 43, "{r}");
    r
}

#[test]
fn carmine_rdb_loads_in_redis_with_the_same_digest_and_passes_redis_check_rdb() {
    let dir = temp_dir("c2r");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    run_all(&mut c, &dataset());
    load_library(&mut c);
    let d = digest(&mut c);
    assert_ne!(d, format!("+{}\r\n", "0".repeat(40)));
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    let file = dir.join("dump.rdb");
    assert!(file.exists());
    let out = Command::new("redis-check-rdb").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("RDB looks OK"), "{text}");
    assert!(text.contains("Checksum OK"), "{text}");

    let r = Redis::start(&dir);
    let mut rc = r.raw();
    assert_eq!(digest(&mut rc), d);
    assert_eq!(rc.cmd_str(&["DBSIZE"]), c.cmd_str(&["DBSIZE"]));
    assert_eq!(
        rc.cmd_str(&["OBJECT", "ENCODING", "bigzset"]),
        "$8\r\nskiplist\r\n"
    );
    assert_eq!(
        rc.cmd_str(&["OBJECT", "ENCODING", "sint"]),
        "$6\r\nintset\r\n"
    );
    // Every key's DUMP payload is the same once Redis has loaded it (encodings preserved),
    // for the encodings whose bytes do not depend on hash-table order.
    for key in [
        "int", "lzf", "list", "hsmall", "sint", "zsmall", "biglist", "bigzset", "st", "emptyst",
    ] {
        assert_eq!(rc.cmd(&["DUMP", key]), c.cmd(&["DUMP", key]), "{key}");
    }
    // Streams read back the same, times of deliveries and consumers included.
    for key in ["st", "emptyst"] {
        let full = ["XINFO", "STREAM", key, "FULL"];
        assert_eq!(rc.cmd_str(&full), c.cmd_str(&full), "{key}");
    }
    assert_eq!(rc.cmd_str(&["FCALL", "f1", "0"]), ":42\r\n");
    assert_eq!(
        rc.cmd_str(&["FUNCTION", "DUMP"]),
        c.cmd_str(&["FUNCTION", "DUMP"])
    );
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_rdb_loads_in_carmine_with_the_same_digest() {
    let dir = temp_dir("r2c");
    let r = Redis::start(&dir);
    let mut rc = r.raw();
    run_all(&mut rc, &dataset());
    load_library(&mut rc);
    let d = digest(&mut rc);
    let db0 = rc.cmd_str(&["DBSIZE"]);
    let full = ["XINFO", "STREAM", "st", "FULL"];
    let st_full = rc.cmd_str(&full);
    let st_dump = rc.cmd(&["DUMP", "st"]);
    assert_eq!(rc.cmd(&["SAVE"]), b"+OK\r\n");
    drop(r);

    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    assert_eq!(digest(&mut c), d);
    assert_eq!(c.cmd_str(&["DBSIZE"]), db0);
    assert_eq!(c.cmd_str(&full), st_full);
    assert_eq!(c.cmd(&["DUMP", "st"]), st_dump);
    assert_eq!(c.cmd_str(&["FCALL", "f1", "0"]), ":42\r\n");
    assert_eq!(
        c.cmd_str(&["OBJECT", "ENCODING", "hsmall"]),
        "$8\r\nlistpack\r\n"
    );
    assert_eq!(
        c.cmd_str(&["OBJECT", "ENCODING", "longval"]),
        "$9\r\nhashtable\r\n"
    );
    assert_eq!(c.cmd_str(&["LINDEX", "plainlist", "1"]).len(), 150 + 8);
    let ttl = c.cmd_str(&["PTTL", "ttl1"]);
    assert!(ttl.starts_with(':') && ttl.len() > 4, "{ttl}");
    let info = c.cmd_str(&["INFO", "persistence"]);
    let loaded: usize = db0.trim_start_matches(':').trim().parse::<usize>().unwrap() + 1;
    assert!(
        info.contains(&format!("rdb_last_load_keys_loaded:{loaded}\r\n")),
        "{info}"
    );
    // Saving again gives a file Redis reads back to the same digest.
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    let r = Redis::start(&dir);
    let mut rc = r.raw();
    assert_eq!(digest(&mut rc), d);
    // Loaded nodes are allocated to their exact size, in Redis's loader as in carmine's.
    for key in ["st", "emptyst"] {
        let mem = ["MEMORY", "USAGE", key];
        assert_eq!(rc.cmd_str(&mem), c.cmd_str(&mem), "{key}");
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts carmine on `dir` expecting it to exit; returns its exit code and log.
fn start_expecting_exit(dir: &Path) -> (Option<i32>, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carmine"))
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--logfile",
            "",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(st)) = child.try_wait() {
            break st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut log = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut log);
    }
    (status, log)
}

#[test]
fn corrupt_or_truncated_rdb_is_refused_at_startup() {
    let dir = temp_dir("corrupt");
    {
        let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
        let mut c = s.raw();
        run_all(&mut c, &["DEBUG POPULATE 100".to_string()]);
        assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    }
    let file = dir.join("dump.rdb");
    let good = std::fs::read(&file).unwrap();

    // A flipped byte in a value: the checksum no longer matches.
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x01;
    std::fs::write(&file, &bad).unwrap();
    let (code, log) = start_expecting_exit(&dir);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Fatal error loading the DB"), "{log}");

    // Cut short: a short read.
    std::fs::write(&file, &good[..good.len() - 20]).unwrap();
    let (code, log) = start_expecting_exit(&dir);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Short read"), "{log}");

    // Not an RDB file at all.
    std::fs::write(&file, b"hello world").unwrap();
    let (code, log) = start_expecting_exit(&dir);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Wrong signature"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn info_field(c: &mut Raw, name: &str) -> String {
    let info = c.cmd_str(&["INFO", "all"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in INFO"))
        .to_string()
}

fn wait_bgsave_done(c: &mut Raw) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(c, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bgsave_forks_writes_the_file_and_reports_in_info() {
    let dir = temp_dir("bgsave");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    run_all(
        &mut c,
        &[
            "DEBUG POPULATE 20000".to_string(),
            "SET x 1".to_string(),
            "SET y 2".to_string(),
        ],
    );
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "2");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_time_sec"), "-1");
    assert_eq!(c.cmd_str(&["BGSAVE", "now"]), "-ERR syntax error\r\n");
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    // The server keeps answering while the child writes.
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(info_field(&mut c, "total_forks"), "1");
    assert_ne!(info_field(&mut c, "rdb_last_bgsave_time_sec"), "-1");
    let fork_usec: u64 = info_field(&mut c, "latest_fork_usec").parse().unwrap();
    assert!(fork_usec > 0);
    assert!(dir.join("dump.rdb").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    let d = digest(&mut c);
    assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), b"+OK\r\n");
    assert_eq!(digest(&mut c), d);
    assert_eq!(c.cmd_str(&["DBSIZE"]), ":20002\r\n");
    assert_eq!(
        c.cmd_str(&["DEBUG", "RELOAD", "BOGUS"]),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_points_trigger_a_background_save() {
    let dir = temp_dir("savepoint");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap(), "--save", "1 2"]);
    let mut c = s.raw();
    assert_eq!(
        c.cmd_str(&["CONFIG", "GET", "save"]),
        "*2\r\n$4\r\nsave\r\n$3\r\n1 2\r\n"
    );
    c.cmd(&["SET", "a", "1"]);
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !dir.join("dump.rdb").exists(),
        "one change is below the save point"
    );
    c.cmd(&["SET", "b", "2"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.join("dump.rdb").exists() {
        assert!(Instant::now() < deadline, "the save point never saved");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_saves_and_the_next_start_loads_the_file() {
    let dir = temp_dir("shutdown");
    let d;
    {
        let mut s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
        let mut c = s.raw();
        run_all(&mut c, &dataset());
        d = digest(&mut c);
        c.send_cmd(&[b"SHUTDOWN", b"SAVE"]);
        assert!(s.exited_within(Duration::from_secs(10)).is_some());
    }
    assert!(dir.join("dump.rdb").exists());
    {
        let mut s = Server::start_with(&["--dir", dir.to_str().unwrap(), "--save", "3600 1"]);
        let mut c = s.raw();
        assert_eq!(digest(&mut c), d);
        c.cmd(&["SET", "after", "restart"]);
        // SIGTERM with save points saves before exiting.
        let pid = s.pid().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        assert!(s.exited_within(Duration::from_secs(10)).is_some());
    }
    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    assert_eq!(c.cmd_str(&["GET", "after"]), "$7\r\nrestart\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flushall_saves_when_save_points_exist_and_resets_the_change_count() {
    let dir = temp_dir("flushall");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap(), "--save", "3600 1"]);
    let mut c = s.raw();
    run_all(
        &mut c,
        &["DEBUG POPULATE 10".to_string(), "SET a b".to_string()],
    );
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "1");
    assert_eq!(c.cmd(&["FLUSHALL"]), b"+OK\r\n");
    assert!(dir.join("dump.rdb").exists());
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    // Without save points FLUSHALL counts the keys it removed, plus one.
    assert_eq!(c.cmd_str(&["CONFIG", "SET", "save", ""]), "+OK\r\n");
    run_all(&mut c, &["DEBUG POPULATE 10".to_string()]);
    assert_eq!(c.cmd(&["FLUSHALL"]), b"+OK\r\n");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "11");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_bgsave_refuses_writes_with_misconf() {
    let dir = temp_dir("misconf");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap(), "--save", "3600 1"]);
    let mut c = s.raw();
    c.cmd(&["SET", "k", "v"]);
    // The working directory disappears: the child cannot create its temp file.
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    let misconf = c.cmd_str(&["SET", "k", "v2"]);
    assert!(
        misconf.starts_with("-MISCONF Redis is configured to save RDB snapshots"),
        "{misconf}"
    );
    assert!(c.cmd_str(&["PING"]).starts_with("-MISCONF"));
    assert_eq!(c.cmd_str(&["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(c.cmd_str(&["SAVE"]), "-ERR\r\n");
    // Without save points writes go through again.
    assert_eq!(c.cmd_str(&["CONFIG", "SET", "save", ""]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["SET", "k", "v2"]), "+OK\r\n");
}

#[test]
fn a_running_bgsave_refuses_another_save_until_it_ends() {
    let dir = temp_dir("busy");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    run_all(&mut c, &["DEBUG POPULATE 200".to_string()]);
    // 10 ms per key: the child runs for about two seconds.
    assert_eq!(
        c.cmd_str(&["CONFIG", "SET", "rdb-key-save-delay", "10000"]),
        "+OK\r\n"
    );
    let before = c.cmd_str(&["LASTSAVE"]);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    assert_ne!(info_field(&mut c, "rdb_current_bgsave_time_sec"), "-1");
    assert_eq!(
        c.cmd_str(&["BGSAVE"]),
        "-ERR Background save already in progress\r\n"
    );
    assert_eq!(
        c.cmd_str(&["SAVE"]),
        "-ERR Background save already in progress\r\n"
    );
    assert_eq!(c.cmd_str(&["LASTSAVE"]), before);
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    wait_bgsave_done(&mut c);
    assert_ne!(c.cmd_str(&["LASTSAVE"]), before);
    assert_eq!(info_field(&mut c, "rdb_current_bgsave_time_sec"), "-1");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn debug_reload_keeps_streams_and_function_libraries() {
    let dir = temp_dir("reload");
    let s = Server::start_with(&["--dir", dir.to_str().unwrap()]);
    let mut c = s.raw();
    run_all(&mut c, &dataset());
    load_library(&mut c);
    let d = digest(&mut c);
    let full = ["XINFO", "STREAM", "st", "FULL"];
    let st_full = c.cmd_str(&full);
    assert_eq!(c.cmd_str(&["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(digest(&mut c), d);
    assert_eq!(c.cmd_str(&full), st_full);
    assert_eq!(c.cmd_str(&["FCALL", "f1", "0"]), ":42\r\n");
    // The reload empties the libraries first (a library loaded since is gone) ...
    let other = "#!lua name=lib2\nredis.register_function('f2', function() return 2 end)";
    assert_eq!(c.cmd_str(&["FUNCTION", "LOAD", other]), "$4\r\nlib2\r\n");
    assert_eq!(c.cmd_str(&["DEBUG", "RELOAD", "NOSAVE"]), "+OK\r\n");
    assert!(
        c.cmd_str(&["FCALL", "f2", "0"])
            .starts_with("-ERR Function not found")
    );
    // ... NOFLUSH keeps them, so the file's library and keys collide unless MERGE.
    assert_eq!(
        c.cmd_str(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"]),
        "-ERR Error trying to load the RDB dump\r\n"
    );
    assert_eq!(
        c.cmd_str(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]),
        "+OK\r\n"
    );
    assert_eq!(c.cmd_str(&["FCALL", "f1", "0"]), ":42\r\n");
    assert_eq!(digest(&mut c), d);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
