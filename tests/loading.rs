//! The loading state against the real binary, and against real Redis 7.0 for the bytes: while
//! an RDB or an AOF loads at start-up (slowed down with the hidden `key-load-delay`), clients
//! connect and get `-LOADING` for commands without the `loading` flag, the flagged ones run,
//! INFO persistence shows `loading:1` and the `loading_*` figures; after the load the same
//! connections are served normally and the dataset is whole. DEBUG RELOAD loads the same way,
//! and SHUTDOWN during a load exits without saving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Raw, free_port};

/// Keys the slow loads hold: with `DELAY_US` per key a load lasts at least a second.
const KEYS: usize = 20_000;
/// key-load-delay in microseconds.
const DELAY_US: &str = "50";
/// The reply to a command refused while loading.
const LOADING: &[u8] = b"-LOADING Redis is loading the dataset in memory\r\n";

/// A fresh directory under the temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "carmine-loading-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A server process (carmine or redis-server) in a directory, killed on drop.
struct Proc {
    port: u16,
    child: Child,
}

impl Proc {
    /// Starts `bin` on a free port in `dir` with `args`; returns once it accepts connections
    /// (it may still be loading).
    fn start(bin: &str, dir: &Path, args: &[&str]) -> Proc {
        let port = free_port();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--enable-debug-command", "yes"])
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} must start: {e}"));
        let p = Proc { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return p;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("{bin} did not listen");
    }

    fn carmine(dir: &Path, args: &[&str]) -> Proc {
        Proc::start(env!("CARGO_BIN_EXE_carmine"), dir, args)
    }

    fn redis(dir: &Path, args: &[&str]) -> Proc {
        Proc::start("redis-server", dir, args)
    }

    fn raw(&self) -> Raw {
        Raw::connect(self.port)
    }

    /// Waits for the process to exit; its status, or `None` after `timeout`.
    fn exited_within(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The slow-load arguments.
fn slow() -> Vec<&'static str> {
    vec![
        "--key-load-delay",
        DELAY_US,
        "--loading-process-events-interval-bytes",
        "1024",
    ]
}

/// INFO persistence as (name, value) pairs.
fn persistence(c: &mut Raw) -> Vec<(String, String)> {
    let text = c.cmd_str(&["INFO", "persistence"]);
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

fn field<'a>(info: &'a [(String, String)], name: &str) -> &'a str {
    info.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {info:?}"))
}

fn int(info: &[(String, String)], name: &str) -> i64 {
    field(info, name).parse().unwrap()
}

/// Waits until INFO says the load is over.
fn wait_loaded(c: &mut Raw) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if field(&persistence(c), "loading") == "0" {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("still loading after 60 s");
}

fn unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Checks the loading_* fields while a load of `total` bytes runs.
fn check_loading_info(info: &[(String, String)], total: u64, aof: bool) {
    assert_eq!(field(info, "loading"), "1");
    assert_eq!(field(info, "async_loading"), "0");
    let start = int(info, "loading_start_time");
    assert!((unix_secs() - start).abs() <= 30, "start time {start}");
    assert_eq!(int(info, "loading_total_bytes"), total as i64);
    let loaded = int(info, "loading_loaded_bytes");
    assert!(
        loaded > 0 && loaded <= total as i64,
        "loaded {loaded} of {total}"
    );
    let perc: f64 = field(info, "loading_loaded_perc").parse().unwrap();
    let expect = loaded as f64 / total as f64 * 100.0;
    assert!((perc - expect).abs() < 0.01, "{perc} vs {expect}");
    assert!(int(info, "loading_eta_seconds") >= 0);
    assert!(
        int(info, "loading_rdb_used_mem") > 0,
        "used-mem aux field read"
    );
    // The loading_* block closes the section, after the aof fields.
    let names: Vec<&str> = info.iter().map(|(k, _)| k.as_str()).collect();
    let at = names
        .iter()
        .position(|&n| n == "loading_start_time")
        .unwrap();
    assert_eq!(
        &names[at..],
        [
            "loading_start_time",
            "loading_total_bytes",
            "loading_rdb_used_mem",
            "loading_loaded_bytes",
            "loading_loaded_perc",
            "loading_eta_seconds"
        ]
    );
    if aof {
        assert_eq!(field(info, "aof_enabled"), "0");
        assert_eq!(field(info, "aof_current_size"), "0");
    }
}

/// Writes `dump.rdb` with KEYS keys into `dir` (by carmine); returns the dataset's digest.
fn write_rdb(dir: &Path) -> String {
    let mut p = Proc::carmine(dir, &[]);
    let mut c = p.raw();
    wait_ready(&mut c);
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", &KEYS.to_string()]), b"+OK\r\n");
    let digest = c.cmd_str(&["DEBUG", "DIGEST"]);
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    c.send_cmd(&[b"SHUTDOWN", b"NOSAVE"]);
    assert!(p.exited_within(Duration::from_secs(10)).is_some());
    digest
}

/// Waits for PING to answer PONG.
fn wait_ready(c: &mut Raw) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.cmd(&["PING"]) != b"+PONG\r\n" {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn rdb_startup_answers_loading_then_serves_the_whole_dataset() {
    let dir = temp_dir("rdb");
    let digest = write_rdb(&dir);
    let size = std::fs::metadata(dir.join("dump.rdb")).unwrap().len();
    let p = Proc::carmine(&dir, &slow());
    let mut c = p.raw();
    assert_eq!(c.cmd(&["PING"]), LOADING);
    assert_eq!(c.cmd(&["GET", "key:1"]), LOADING);
    assert_eq!(c.cmd(&["ECHO", "x"]), b"$1\r\nx\r\n");
    assert_eq!(c.cmd(&["SELECT", "0"]), b"+OK\r\n");
    check_loading_info(&persistence(&mut c), size, false);
    // Commands pipelined in one write are answered in order, each on its own merits.
    c.send(b"PING\r\nCLIENT SETNAME during\r\nCLIENT GETNAME\r\n");
    assert_eq!(c.read_reply(), LOADING);
    assert_eq!(c.read_reply(), b"+OK\r\n");
    assert_eq!(c.read_reply(), b"$6\r\nduring\r\n");
    wait_loaded(&mut c);
    // The connection made during the load is served normally afterwards.
    c.send(b"PING\r\nDBSIZE\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(c.read_reply(), format!(":{KEYS}\r\n").into_bytes());
    assert_eq!(c.cmd_str(&["DEBUG", "DIGEST"]), digest);
    let info = persistence(&mut c);
    assert_eq!(int(&info, "rdb_last_load_keys_loaded"), KEYS as i64);
    assert!(!info.iter().any(|(k, _)| k.starts_with("loading_")));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), b"$6\r\nduring\r\n");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn aof_startup_answers_loading_for_the_base_and_the_incr_file() {
    let dir = temp_dir("aof");
    let digest;
    {
        let mut p = Proc::carmine(&dir, &["--appendonly", "yes"]);
        let mut c = p.raw();
        wait_ready(&mut c);
        c.cmd(&["DEBUG", "POPULATE", &KEYS.to_string()]);
        assert!(c.cmd_str(&["BGREWRITEAOF"]).starts_with('+'));
        let deadline = Instant::now() + Duration::from_secs(30);
        while field(&persistence(&mut c), "aof_rewrite_in_progress") != "0" {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut pipe = Vec::new();
        for i in 0..2000 {
            pipe.extend_from_slice(format!("SET incr:{i} {i}\r\n").as_bytes());
        }
        c.send(&pipe);
        for _ in 0..2000 {
            assert_eq!(c.read_reply(), b"+OK\r\n");
        }
        digest = c.cmd_str(&["DEBUG", "DIGEST"]);
        c.send_cmd(&[b"SHUTDOWN", b"NOSAVE"]);
        assert!(p.exited_within(Duration::from_secs(10)).is_some());
    }
    let total: u64 = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".manifest"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    let mut args = slow();
    args.extend(["--appendonly", "yes"]);
    let p = Proc::carmine(&dir, &args);
    let mut c = p.raw();
    assert_eq!(c.cmd(&["SET", "x", "1"]), LOADING);
    check_loading_info(&persistence(&mut c), total, true);
    wait_loaded(&mut c);
    assert_eq!(
        c.cmd(&["DBSIZE"]),
        format!(":{}\r\n", KEYS + 2000).into_bytes()
    );
    assert_eq!(c.cmd_str(&["DEBUG", "DIGEST"]), digest);
    assert_eq!(field(&persistence(&mut c), "aof_enabled"), "1");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn debug_reload_answers_loading_to_the_other_clients() {
    let dir = temp_dir("reload");
    let p = Proc::carmine(&dir, &[]);
    let mut a = p.raw();
    wait_ready(&mut a);
    a.cmd(&["DEBUG", "POPULATE", &KEYS.to_string()]);
    a.cmd(&["CONFIG", "SET", "key-load-delay", DELAY_US]);
    a.cmd(&[
        "CONFIG",
        "SET",
        "loading-process-events-interval-bytes",
        "1024",
    ]);
    a.send_cmd(&[b"DEBUG", b"RELOAD"]);
    std::thread::sleep(Duration::from_millis(300));
    let mut b = p.raw();
    assert_eq!(b.cmd(&["PING"]), LOADING);
    assert_eq!(field(&persistence(&mut b), "loading"), "1");
    assert_eq!(
        b.cmd(&["DEBUG", "RELOAD"]),
        b"-ERR DEBUG RELOAD/LOADAOF is not allowed while loading\r\n"
    );
    assert_eq!(a.read_reply(), b"+OK\r\n");
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(b.cmd(&["DBSIZE"]), format!(":{KEYS}\r\n").into_bytes());
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_during_the_load_exits_without_saving() {
    let dir = temp_dir("shutdown");
    write_rdb(&dir);
    let before = std::fs::read(dir.join("dump.rdb")).unwrap();
    let mut args = slow();
    // Save points would make a plain SHUTDOWN save; during a load it must not.
    args.extend(["--save", "3600 1"]);
    let mut p = Proc::carmine(&dir, &args);
    let mut c = p.raw();
    assert_eq!(c.cmd(&["PING"]), LOADING);
    c.send_cmd(&[b"SHUTDOWN"]);
    let st = p.exited_within(Duration::from_secs(10)).expect("exited");
    assert!(st.success(), "{st:?}");
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), before);
    // SIGTERM during a load: the same, without waiting for the load to end.
    let log = dir.join("log.txt");
    let log_arg = log.to_string_lossy().into_owned();
    args.extend(["--logfile", &log_arg]);
    let mut p = Proc::carmine(&dir, &args);
    let mut c = p.raw();
    assert_eq!(c.cmd(&["PING"]), LOADING);
    let killed = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let st = p.exited_within(Duration::from_secs(10)).expect("exited");
    assert!(st.success(), "{st:?}");
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), before);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("Received shutdown signal during loading, scheduling shutdown.")
            && !text.contains("Done loading RDB"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Commands sent on a fresh connection while loading, compared byte for byte with Redis.
const DURING_LOAD: &[&[&str]] = &[
    &["PING"],
    &["GET", "key:1"],
    &["DBSIZE"],
    &["SELECT", "1"],
    &["MULTI"],
    &["SET", "a", "b"],
    &["PING"],
    &["EXEC"],
    &["MULTI"],
    &["ECHO", "in-multi"],
    &["EXEC"],
    &["ECHO", "x"],
    &["CLIENT", "SETNAME", "foo"],
    &["CLIENT", "GETNAME"],
    &["CONFIG", "SET", "appendonly", "yes"],
    &["CONFIG", "GET", "maxmemory"],
    &["LASTSAVE"],
    &["FLUSHALL"],
    &["EVAL", "return 1", "0"],
    &["WATCH", "a"],
    &["UNWATCH"],
    &["NOSUCH"],
    &["SUBSCRIBE", "ch"],
    &["PUBLISH", "ch", "m"],
    &["PING"],
    &["UNSUBSCRIBE"],
    &["RESET"],
];

/// Sends DURING_LOAD one by one and returns the concatenated replies.
fn during_load(c: &mut Raw) -> Vec<u8> {
    let mut out = Vec::new();
    for cmd in DURING_LOAD {
        if cmd[0] == "LASTSAVE" {
            // Differs by the clock: only its shape is compared.
            let r = c.cmd(cmd);
            assert!(r.starts_with(b":"));
            out.extend_from_slice(b":<lastsave>\r\n");
            continue;
        }
        out.extend_from_slice(&c.cmd(cmd));
    }
    out
}

#[test]
fn replies_while_loading_match_redis_byte_for_byte() {
    let dir = temp_dir("diff");
    write_rdb(&dir);
    let redis_dir = temp_dir("diff-redis");
    std::fs::copy(dir.join("dump.rdb"), redis_dir.join("dump.rdb")).unwrap();
    let mut args = slow();
    args.extend(["--appendonly", "no"]);
    let ours = {
        let p = Proc::carmine(&dir, &args);
        let mut c = p.raw();
        let r = during_load(&mut c);
        assert_eq!(field(&persistence(&mut c), "loading"), "1", "load too fast");
        r
    };
    let theirs = {
        let p = Proc::redis(&redis_dir, &args);
        let mut c = p.raw();
        let r = during_load(&mut c);
        assert_eq!(field(&persistence(&mut c), "loading"), "1", "load too fast");
        r
    };
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&redis_dir);
}
