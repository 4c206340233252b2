//! The append-only file against the real binary: restarts reload every type, AOF directories
//! move between carmine and real `redis-server` in both directions, `redis-check-aof` accepts
//! carmine's files, acknowledged writes survive SIGKILL under appendfsync always, truncated and
//! corrupt files are handled as Redis handles them, and the incremental file carmine writes for
//! a command sequence is byte-identical to the one redis-server 7.0 writes for it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Raw;

/// A carmine or redis-server process on a directory the test owns (kept across restarts).
struct Proc {
    port: u16,
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// Starts `bin` on `dir` with `args`; `None` if it exited before answering PING.
    fn try_start(bin: &str, dir: &Path, args: &[&str]) -> Option<Proc> {
        std::fs::create_dir_all(dir).unwrap();
        let log = dir.join(format!("log-{}.txt", common::free_port()));
        for _ in 0..5 {
            let port = common::free_port();
            let child = Command::new(bin)
                .arg("--port")
                .arg(port.to_string())
                .arg("--bind")
                .arg("127.0.0.1")
                .arg("--dir")
                .arg(dir)
                .arg("--save")
                .arg("")
                .arg("--logfile")
                .arg(&log)
                .arg("--enable-debug-command")
                .arg("yes")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut p = Proc {
                port,
                child,
                log: log.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = p.child.try_wait() {
                    return None;
                }
                if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut buf = [0u8; 64];
                    if c.write_all(b"PING\r\n").is_ok()
                        && let Ok(n) = c.read(&mut buf)
                        && buf[..n].starts_with(b"+PONG")
                    {
                        return Some(p);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        None
    }

    fn carmine(dir: &Path, args: &[&str]) -> Proc {
        Proc::try_start(env!("CARGO_BIN_EXE_carmine"), dir, args).expect("carmine did not start")
    }

    fn redis(dir: &Path, args: &[&str]) -> Proc {
        Proc::try_start("redis-server", dir, args).expect("redis-server did not start")
    }

    fn raw(&self) -> Raw {
        Raw::connect(self.port)
    }

    /// SHUTDOWN NOSAVE (the AOF is flushed and fsynced on the way out) and wait for the exit.
    fn stop(mut self) {
        let mut c = self.raw();
        c.send_cmd(&[b"SHUTDOWN", b"NOSAVE"]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("server did not stop");
    }

    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "carmine-aof-{name}-{}-{}",
            std::process::id(),
            common::free_port()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn sub(&self, s: &str) -> PathBuf {
        let p = self.0.join(s);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cmd(c: &mut Raw, args: &[&str]) -> String {
    c.cmd_str(args)
}

/// Writes one key of every type (and a TTL, a transaction, a second database).
fn write_dataset(c: &mut Raw) {
    for args in [
        &["SET", "str", "hello"][..],
        &["SET", "int", "12345"],
        &["SET", "big", &"x".repeat(5000)],
        &["RPUSH", "list", "a", "b", "3", "d"],
        &["HSET", "hash", "f1", "v1", "f2", "2"],
        &["SADD", "iset", "1", "2", "3"],
        &["SADD", "sset", "x", "y", "z"],
        &["ZADD", "zset", "1.5", "a", "-2", "b", "inf", "c"],
        &["SET", "ttl", "v", "EX", "1000"],
        &["INCRBYFLOAT", "float", "1.25"],
        &["EXPIRE", "list", "5000"],
    ] {
        let r = cmd(c, args);
        assert!(!r.starts_with('-'), "{args:?}: {r}");
    }
    // Streams (nodes, a deletion, groups, a pending entry, an idle consumer, an empty stream)
    // and a function library, once (some tests write the dataset twice).
    if cmd(c, &["EXISTS", "stream"]) == ":0\r\n" {
        for args in [
            &["XADD", "stream", "1-1", "a", "1", "b", "2"][..],
            &["XADD", "stream", "2-2", "a", "3", "b", "4"],
            &["XADD", "stream", "3-3", "c", "5"],
            &["XDEL", "stream", "2-2"],
            &["XGROUP", "CREATE", "stream", "grp", "0"],
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "alice",
                "COUNT",
                "1",
                "STREAMS",
                "stream",
                ">",
            ],
            &["XGROUP", "CREATECONSUMER", "stream", "grp", "bob"],
            &["XGROUP", "CREATE", "stream", "grp2", "$"],
            &["XADD", "emptystream", "MAXLEN", "0", "9-9", "f", "v"],
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=lib1\nredis.register_function('f1', function() return 42 end)",
            ],
        ] {
            let r = cmd(c, args);
            assert!(!r.starts_with('-'), "{args:?}: {r}");
        }
    }
    let big_list: Vec<String> = (0..300).map(|i| format!("e{i}")).collect();
    let mut a: Vec<&str> = vec!["RPUSH", "biglist"];
    a.extend(big_list.iter().map(String::as_str));
    cmd(c, &a);
    let members: Vec<String> = (0..200).map(|i| format!("{i}")).collect();
    let mut a: Vec<&str> = vec!["ZADD", "bigz"];
    for m in &members {
        a.push(m);
        a.push(m);
    }
    cmd(c, &a);
    assert_eq!(cmd(c, &["MULTI"]), "+OK\r\n");
    cmd(c, &["INCR", "counter"]);
    cmd(c, &["INCR", "counter"]);
    cmd(c, &["LPUSH", "list", "z"]);
    assert!(cmd(c, &["EXEC"]).starts_with("*3"));
    cmd(c, &["SELECT", "5"]);
    cmd(c, &["SET", "in5", "five"]);
    cmd(c, &["SELECT", "0"]);
}

/// Replies that describe the dataset `write_dataset` built.
fn read_dataset(c: &mut Raw) -> Vec<String> {
    let mut out = Vec::new();
    for args in [
        &["GET", "str"][..],
        &["GET", "int"],
        &["STRLEN", "big"],
        &["LRANGE", "list", "0", "-1"],
        &["HGETALL", "hash"],
        &["SMISMEMBER", "iset", "1", "2", "3", "4"],
        &["SMISMEMBER", "sset", "x", "y", "z", "w"],
        &["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
        &["GET", "ttl"],
        &["GET", "float"],
        &["GET", "counter"],
        &["LRANGE", "biglist", "0", "-1"],
        &["ZRANGE", "bigz", "0", "-1", "WITHSCORES"],
        &["XRANGE", "stream", "-", "+"],
        &["XINFO", "STREAM", "stream"],
        &["XINFO", "GROUPS", "stream"],
        &["XPENDING", "stream", "grp"],
        &["XINFO", "STREAM", "emptystream"],
        &["FCALL", "f1", "0"],
        &["DBSIZE"],
    ] {
        out.push(cmd(c, args));
    }
    let ttl: i64 = cmd(c, &["TTL", "ttl"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert!((900..=1000).contains(&ttl), "ttl {ttl}");
    let ttl: i64 = cmd(c, &["TTL", "list"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert!((4900..=5000).contains(&ttl), "ttl {ttl}");
    cmd(c, &["SELECT", "5"]);
    out.push(cmd(c, &["GET", "in5"]));
    cmd(c, &["SELECT", "0"]);
    out
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn restart_with_appendonly_reloads_every_type() {
    let t = TempDir::new("restart");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    write_dataset(&mut c);
    let before = read_dataset(&mut c);
    p.stop();
    let aofdir = dir.join("appendonlydir");
    assert_eq!(
        files_in(&aofdir),
        [
            "appendonly.aof.1.base.rdb",
            "appendonly.aof.1.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(aofdir.join("appendonly.aof.manifest")).unwrap(),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(read_dataset(&mut c), before);
    // After a rewrite the new base alone holds the data, and it reloads the same.
    assert_eq!(
        cmd(&mut c, &["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    wait_for_rewrite(&mut c);
    cmd(&mut c, &["SET", "after", "rewrite"]);
    p.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["GETDEL", "after"]), "$7\r\nrewrite\r\n");
    assert_eq!(read_dataset(&mut c), before);
    let m = std::fs::read_to_string(aofdir.join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        m,
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(
        files_in(&aofdir),
        [
            "appendonly.aof.2.base.rdb",
            "appendonly.aof.2.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
}

fn info_field(c: &mut Raw, name: &str) -> String {
    let info = cmd(c, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_default()
        .to_string()
}

fn wait_for_rewrite(c: &mut Raw) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if info_field(c, "aof_rewrite_in_progress") == "0"
            && info_field(c, "aof_rewrite_scheduled") == "0"
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("rewrite did not finish");
}

#[test]
fn redis_check_aof_accepts_carmine_s_files() {
    let t = TempDir::new("check");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    write_dataset(&mut c);
    cmd(&mut c, &["BGREWRITEAOF"]);
    wait_for_rewrite(&mut c);
    write_dataset(&mut c);
    p.stop();
    let out = Command::new("redis-check-aof")
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .expect("redis-check-aof");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("All AOF files and manifest are valid"),
        "{text}"
    );
}

#[test]
fn redis_loads_carmine_s_aof_directory() {
    for preamble in ["yes", "no"] {
        redis_loads_carmine_s_aof_directory_with(preamble);
    }
}

fn redis_loads_carmine_s_aof_directory_with(preamble: &str) {
    let t = TempDir::new("to-redis");
    let dir = t.sub("data");
    let p = Proc::carmine(
        &dir,
        &["--appendonly", "yes", "--aof-use-rdb-preamble", preamble],
    );
    let mut c = p.raw();
    write_dataset(&mut c);
    let before = read_dataset(&mut c);
    // A rewrite (forked child) puts the first half in the new base, the rest in an incr file.
    cmd(&mut c, &["BGREWRITEAOF"]);
    wait_for_rewrite(&mut c);
    cmd(&mut c, &["SET", "after", "rewrite"]);
    let digest = cmd(&mut c, &["DEBUG", "DIGEST"]);
    assert_eq!(digest.len(), 43, "{digest}");
    p.stop();
    let r = Proc::redis(&dir, &["--appendonly", "yes"]);
    let mut c = r.raw();
    assert_eq!(cmd(&mut c, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(cmd(&mut c, &["GETDEL", "after"]), "$7\r\nrewrite\r\n");
    assert_eq!(read_dataset(&mut c), before);
    r.stop();
}

#[test]
fn carmine_loads_redis_s_aof_directory() {
    for preamble in ["yes", "no"] {
        carmine_loads_redis_s_aof_directory_with(preamble);
    }
}

fn carmine_loads_redis_s_aof_directory_with(preamble: &str) {
    let t = TempDir::new("from-redis");
    let dir = t.sub("data");
    let r = Proc::redis(
        &dir,
        &["--appendonly", "yes", "--aof-use-rdb-preamble", preamble],
    );
    let mut c = r.raw();
    write_dataset(&mut c);
    let before = read_dataset(&mut c);
    // A rewrite with the commands preamble, then more writes into the new incr file.
    cmd(&mut c, &["BGREWRITEAOF"]);
    wait_for_rewrite(&mut c);
    cmd(&mut c, &["SET", "after", "rewrite"]);
    r.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["GETDEL", "after"]), "$7\r\nrewrite\r\n");
    assert_eq!(read_dataset(&mut c), before);
}

#[test]
fn acknowledged_writes_survive_sigkill_with_appendfsync_always() {
    let t = TempDir::new("crash");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes", "--appendfsync", "always"]);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let port = p.port;
    let writer = {
        let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
        std::thread::spawn(move || {
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                return;
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut i = 0u64;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let key = format!("k{i}");
                let msg = common::encode(&[b"SET", key.as_bytes(), b"v"]);
                if s.write_all(&msg).is_err() {
                    return;
                }
                let mut buf = [0u8; 5];
                if s.read_exact(&mut buf).is_err() || &buf != b"+OK\r\n" {
                    return;
                }
                acked.store(i, Ordering::SeqCst);
            }
        })
    };
    let wait_ms = 200 + u64::from(std::process::id() % 300);
    std::thread::sleep(Duration::from_millis(wait_ms));
    p.kill9();
    stop.store(true, Ordering::SeqCst);
    let _ = writer.join();
    let n = acked.load(Ordering::SeqCst);
    assert!(n > 10, "only {n} writes before the kill");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    let size: u64 = cmd(&mut c, &["DBSIZE"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert!(size >= n, "{size} keys after restart, {n} acknowledged");
    for i in [1, n / 2, n] {
        assert_eq!(
            cmd(&mut c, &["GET", &format!("k{i}")]),
            "$1\r\nv\r\n",
            "k{i}"
        );
    }
}

fn incr_path(dir: &Path) -> PathBuf {
    dir.join("appendonlydir/appendonly.aof.1.incr.aof")
}

#[test]
fn a_truncated_tail_is_cut_off_when_aof_load_truncated_allows_it() {
    let t = TempDir::new("trunc");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    cmd(&mut c, &["SET", "a", "1"]);
    cmd(&mut c, &["SET", "b", "2"]);
    p.stop();
    let path = incr_path(&dir);
    let good = std::fs::read(&path).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1").unwrap();
    drop(f);
    // aof-load-truncated no: refused with Redis's message.
    assert!(
        Proc::try_start(
            env!("CARGO_BIN_EXE_carmine"),
            &dir,
            &["--appendonly", "yes", "--aof-load-truncated", "no"]
        )
        .is_none()
    );
    let log = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("log-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(
        log.contains(
            "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"
        ),
        "{log}"
    );
    // The default (yes): loaded, and the file is cut back to the last whole command.
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(
        cmd(&mut c, &["MGET", "a", "b", "c"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    );
    assert!(
        p.log_text()
            .contains("short read while loading the AOF file")
    );
    assert_eq!(std::fs::read(&path).unwrap(), good);
    cmd(&mut c, &["SET", "c", "3"]);
    p.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["GET", "c"]), "$1\r\n3\r\n");
}

#[test]
fn a_corrupt_aof_is_refused() {
    let t = TempDir::new("corrupt");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    cmd(&mut c, &["SET", "a", "1"]);
    p.stop();
    let path = incr_path(&dir);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"garbage\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n")
        .unwrap();
    drop(f);
    let started = Proc::try_start(
        env!("CARGO_BIN_EXE_carmine"),
        &dir,
        &["--appendonly", "yes"],
    );
    assert!(started.is_none(), "a corrupt AOF was loaded");
    let log: String = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("log-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        log.contains(
            "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a \
             backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
        ),
        "{log}"
    );
}

#[test]
fn an_old_single_file_aof_is_upgraded_into_the_directory() {
    let t = TempDir::new("upgrade");
    let dir = t.sub("data");
    let mut old = Vec::new();
    for args in [
        &["SELECT", "0"][..],
        &["SET", "old", "value"],
        &["RPUSH", "l", "a"],
    ] {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        old.extend(common::encode(&a));
    }
    std::fs::write(dir.join("appendonly.aof"), old).unwrap();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["GET", "old"]), "$5\r\nvalue\r\n");
    cmd(&mut c, &["SET", "new", "1"]);
    p.stop();
    assert!(!dir.join("appendonly.aof").exists());
    let m = std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    assert_eq!(
        m,
        "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(
        cmd(&mut c, &["MGET", "old", "new"]),
        "*2\r\n$5\r\nvalue\r\n$1\r\n1\r\n"
    );
}

#[test]
fn config_set_appendonly_yes_writes_a_base_with_the_existing_data() {
    let t = TempDir::new("cfgset");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &[]);
    let mut c = p.raw();
    write_dataset(&mut c);
    let before = read_dataset(&mut c);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    assert_eq!(
        cmd(&mut c, &["CONFIG", "SET", "appendonly", "yes"]),
        "+OK\r\n"
    );
    wait_for_rewrite(&mut c);
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    cmd(&mut c, &["SET", "later", "x"]);
    p.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["GETDEL", "later"]), "$1\r\nx\r\n");
    assert_eq!(read_dataset(&mut c), before);
    cmd(&mut c, &["SET", "later", "x"]);
    // Turning it off stops appending.
    assert_eq!(
        cmd(&mut c, &["CONFIG", "SET", "appendonly", "no"]),
        "+OK\r\n"
    );
    cmd(&mut c, &["SET", "unlogged", "x"]);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    p.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["EXISTS", "unlogged", "later"]), ":1\r\n");
}

#[test]
fn debug_loadaof_reloads_from_the_files() {
    let t = TempDir::new("loadaof");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    write_dataset(&mut c);
    let before = read_dataset(&mut c);
    assert_eq!(cmd(&mut c, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(read_dataset(&mut c), before);
    // Nothing was appended twice by the reload.
    cmd(&mut c, &["DEBUG", "LOADAOF"]);
    assert_eq!(read_dataset(&mut c), before);
}

#[test]
fn automatic_rewrite_starts_when_the_file_doubles() {
    let t = TempDir::new("auto");
    let dir = t.sub("data");
    let p = Proc::carmine(
        &dir,
        &[
            "--appendonly",
            "yes",
            "--auto-aof-rewrite-min-size",
            "4096",
            "--auto-aof-rewrite-percentage",
            "100",
        ],
    );
    let mut c = p.raw();
    for i in 0..200 {
        cmd(&mut c, &["SET", "k", &format!("value-{i}")]);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "aof_rewrites") == "0" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_ne!(info_field(&mut c, "aof_rewrites"), "0");
    let size: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    assert!(size < 4096, "size after rewrite {size}");
}

/// The incremental file after running `script` (one command per line, words split on spaces)
/// on a fresh server with appendonly yes.
fn incr_after(bin_is_redis: bool, script: &[&str]) -> Vec<u8> {
    let t = TempDir::new(if bin_is_redis { "diff-r" } else { "diff-c" });
    let dir = t.sub("data");
    let p = if bin_is_redis {
        Proc::redis(&dir, &["--appendonly", "yes"])
    } else {
        Proc::carmine(&dir, &["--appendonly", "yes"])
    };
    let mut c = p.raw();
    let mut other = p.raw();
    cmd(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for line in script {
        if let Some(ms) = line.strip_prefix("@sleep ") {
            std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
            continue;
        }
        // `@send CMD` sends on a second connection without reading (a command that blocks);
        // `@recv` reads its reply.
        if let Some(rest) = line.strip_prefix("@send ") {
            let words: Vec<&[u8]> = rest.split(' ').map(str::as_bytes).collect();
            other.send_cmd(&words);
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        if *line == "@recv" {
            other.read_reply();
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        cmd(&mut c, &words);
    }
    p.stop();
    let bytes = std::fs::read(incr_path(&dir)).unwrap();
    // CARMINE_AOF_DUMP=<dir> keeps both files for a closer look when they differ.
    if let Some(d) = std::env::var_os("CARMINE_AOF_DUMP") {
        let name = if bin_is_redis {
            "redis.aof"
        } else {
            "carmine.aof"
        };
        let _ = std::fs::write(Path::new(&d).join(name), &bytes);
    }
    bytes
}

#[test]
fn incremental_file_matches_redis_byte_for_byte() {
    let past = "1000000000000";
    let soon = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 300)
        .to_string();
    let set_soon_e = format!("SET e 1 PXAT {soon}");
    let expire_past = format!("EXPIREAT k {}", &past[..10]);
    let set_soon_g = format!("SET g 1 PXAT {soon}");
    let script: Vec<&str> = vec![
        "set a 1",
        "SET a 2 NX",
        "DEL nokey",
        "GET a",
        "MULTI",
        "INCR a",
        "SET b x",
        "GET b",
        "EXEC",
        "MULTI",
        "GET a",
        "EXEC",
        "MULTI",
        "INCR a",
        "EXEC",
        "EXPIREAT a 99999999999",
        "PEXPIRE nokey 100",
        "INCRBYFLOAT f 1.5",
        "SELECT 3",
        "RPUSH l a b c",
        "LPOP l",
        "RPOPLPUSH l l2",
        "MULTI",
        "SET x 1",
        "SELECT 4",
        "SET x 2",
        "EXEC",
        "SET y 1",
        "SELECT 0",
        "GETDEL b",
        "GETEX a PERSIST",
        "SADD s m",
        "SPOP s",
        "HSET h f 1",
        "HINCRBYFLOAT h f 0.5",
        "SET k v",
        &expire_past,
        &set_soon_e,
        &set_soon_g,
        "@sleep 500",
        "GET g",
        "set e 2",
        "FLUSHALL",
        "SET last 1",
        "@send BLPOP q 0",
        "RPUSH q x y",
        "@recv",
        "@send BLMOVE q2 dst LEFT RIGHT 0",
        "LPUSH q2 a",
        "@recv",
        "@send BZPOPMIN zq 0",
        "ZADD zq 1 a 2 b",
        "@recv",
        "RPUSH l2 a b c d",
        "LMPOP 1 l2 LEFT COUNT 2",
        "LREM l2 1 c",
        "LINSERT l2 BEFORE d z",
        "LPUSHX nolist a",
        "ZADD zs 1 a 2 b 3 c",
        "ZADD zs INCR 5 a",
        "ZPOPMIN zs",
        "ZPOPMAX zs 2",
        "ZADD zs 1 a 2 b 3 c",
        "ZMPOP 1 zs MIN COUNT 2",
        "ZMPOP 1 zs MAX COUNT 5",
        "@send BZMPOP 0 1 zw MIN COUNT 5",
        "ZADD zw 1 a 2 b",
        "@recv",
        "@send BLMPOP 0 1 lw LEFT COUNT 5",
        "RPUSH lw 1 2 3",
        "@recv",
        "@send BRPOPLPUSH bq bq2 0",
        "RPUSH bq 1",
        "@recv",
        "SADD s1 a b c",
        "SADD s2 b c d",
        "SINTERSTORE s3 s1 s2",
        "SMOVE s1 s2 a",
        "SREM s1 nope",
        "GETSET gs 1",
        "SETNX gs 2",
        "SETNX gs2 2",
        "APPEND gs 0",
        "SETRANGE gs 5 x",
        "MSET m1 1 m2 2",
        "MSETNX m1 1 m3 3",
        "DEL m1 m2 nokey",
        "UNLINK gs2",
        "RENAME gs gs3",
        "COPY gs3 gs4",
        "MOVE gs4 2",
        "SWAPDB 0 2",
        "SELECT 2",
        "FLUSHDB",
        "SELECT 0",
        "EXPIRE gs4 -1",
        "SET p 1",
        "PEXPIREAT p 99999999999999",
        "PERSIST p",
        "PERSIST p",
        "INCRBY p 5",
        "DECR p",
        "SET p2 1 KEEPTTL",
        "HSET h2 a 1 b 2",
        "HDEL h2 a zz",
        "HSETNX h2 b 3",
        "HINCRBY h2 b 3",
        "RPUSH srt 3 1 2",
        "SORT srt STORE srtd",
        "LSET srt 0 9",
        "LTRIM srt 0 1",
        "RPOPLPUSH srt srt",
        "ZADD za 1 a 2 b",
        "ZADD zb 1 a 3 c",
        "ZUNIONSTORE zc 2 za zb",
        "ZREMRANGEBYSCORE zc 0 1",
        "ZINCRBY zc 1 b",
    ];
    let redis = incr_after(true, &script);
    let carmine = incr_after(false, &script);
    // The script exercises the interesting shapes (checked on Redis's own file).
    let text = String::from_utf8_lossy(&redis).into_owned();
    for shape in [
        "MULTI",
        "PEXPIREAT",
        "KEEPTTL",
        "SELECT\r\n$1\r\n4",
        "DEL\r\n$1\r\ng",
    ] {
        assert!(text.contains(shape), "{shape} missing from {text:?}");
    }
    assert_eq!(
        String::from_utf8_lossy(&carmine),
        String::from_utf8_lossy(&redis)
    );
}

#[test]
fn a_rewrite_asked_for_during_bgsave_is_scheduled_and_runs_after_it() {
    let t = TempDir::new("sched");
    let dir = t.sub("data");
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["DEBUG", "POPULATE", "300000"]), "+OK\r\n");
    assert_eq!(cmd(&mut c, &["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(
        cmd(&mut c, &["BGREWRITEAOF"]),
        "+Background append only file rewriting scheduled\r\n"
    );
    assert_eq!(info_field(&mut c, "aof_rewrite_scheduled"), "1");
    wait_for_rewrite(&mut c);
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    cmd(&mut c, &["SET", "after", "1"]);
    p.stop();
    let p = Proc::carmine(&dir, &["--appendonly", "yes"]);
    let mut c = p.raw();
    assert_eq!(cmd(&mut c, &["DBSIZE"]), ":300001\r\n");
}

/// The commands-form base file (aof-use-rdb-preamble no) a rewrite writes for `script`.
fn commands_base_after(bin_is_redis: bool, script: &[&[&str]]) -> Vec<u8> {
    let t = TempDir::new(if bin_is_redis {
        "cb-redis"
    } else {
        "cb-carmine"
    });
    let dir = t.sub("data");
    let args = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
    let p = if bin_is_redis {
        Proc::redis(&dir, &args)
    } else {
        Proc::carmine(&dir, &args)
    };
    let mut c = p.raw();
    for args in script {
        let r = cmd(&mut c, args);
        assert!(!r.starts_with('-'), "{args:?}: {r}");
    }
    cmd(&mut c, &["BGREWRITEAOF"]);
    wait_for_rewrite(&mut c);
    p.stop();
    let aofdir = dir.join("appendonlydir");
    let base = files_in(&aofdir)
        .into_iter()
        .find(|f| f.ends_with(".base.aof"))
        .expect("a commands-form base file");
    std::fs::read(aofdir.join(base)).unwrap()
}

#[test]
fn stream_and_function_rewrite_matches_redis_byte_for_byte() {
    // One library and one key per database, so the order does not depend on hash tables;
    // pending entries come from XCLAIM with explicit times so the bytes are deterministic.
    let script: &[&[&str]] = &[
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=lib1\nredis.register_function('f1', function() return 42 end)",
        ],
        &["XADD", "s", "1-1", "a", "1", "b", "2"],
        &["XADD", "s", "2-2", "a", "3", "b", "4"],
        &["XADD", "s", "3-3", "c", "5"],
        &["XDEL", "s", "2-2"],
        &["XGROUP", "CREATE", "s", "grp", "1-1", "ENTRIESREAD", "1"],
        &["XGROUP", "CREATE", "s", "other", "$"],
        &["XGROUP", "CREATECONSUMER", "s", "grp", "bob"],
        &[
            "XCLAIM",
            "s",
            "grp",
            "alice",
            "0",
            "1-1",
            "TIME",
            "1000",
            "RETRYCOUNT",
            "3",
            "FORCE",
            "JUSTID",
        ],
        &[
            "XCLAIM",
            "s",
            "grp",
            "alice",
            "0",
            "3-3",
            "TIME",
            "2000",
            "RETRYCOUNT",
            "1",
            "FORCE",
            "JUSTID",
        ],
        &["SELECT", "1"],
        &["XADD", "e", "MAXLEN", "0", "5-5", "f", "v"],
        &["EXPIRE", "e", "100000"],
    ];
    let redis = commands_base_after(true, script);
    let carmine = commands_base_after(false, script);
    // PEXPIREAT carries an absolute time: compare everything else exactly.
    let cut = |b: &[u8]| -> Vec<u8> {
        let text = String::from_utf8_lossy(b).into_owned();
        let at = text.find("PEXPIREAT").expect("a PEXPIREAT");
        text.as_bytes()[..at].to_vec()
    };
    assert!(String::from_utf8_lossy(&redis).contains("XCLAIM"));
    assert_eq!(
        String::from_utf8_lossy(&cut(&carmine)),
        String::from_utf8_lossy(&cut(&redis))
    );
}
