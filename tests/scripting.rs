//! Scripts across real connections: a busy script keeps the server answering other clients
//! with BUSY, SCRIPT KILL / FUNCTION KILL stop it (from a connection opened while it runs), a
//! script that wrote is UNKILLABLE, and SHUTDOWN NOSAVE ends the server under a busy script.

mod common;

use std::time::{Duration, Instant};

use common::{Raw, Server};

const BUSY_EVAL: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FUNCTION: &str = "-BUSY Redis is busy running a script. You can only call FUNCTION \
                             KILL or SHUTDOWN NOSAVE.\r\n";

/// Waits until `r` gets a BUSY reply to PING (the script passed the threshold).
fn wait_busy(r: &mut Raw, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = r.cmd_str(&["PING"]);
        if reply == want {
            return;
        }
        assert_eq!(reply, "+PONG\r\n");
        assert!(Instant::now() < deadline, "the script never became busy");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn script_kill_stops_a_busy_script_from_a_new_connection() {
    let s = Server::start_with(&["--busy-reply-threshold", "100"]);
    let mut runner = s.raw();
    let mut other = s.raw();
    runner.send_cmd(&[b"EVAL", b"while true do end", b"0"]);
    wait_busy(&mut other, BUSY_EVAL);
    assert_eq!(other.cmd_str(&["GET", "x"]), BUSY_EVAL);
    assert_eq!(other.cmd_str(&["FUNCTION", "KILL"]), BUSY_EVAL);
    // A connection made while the script runs is accepted and served.
    let mut late = s.raw();
    assert_eq!(late.cmd_str(&["SCRIPT", "KILL"]), "+OK\r\n");
    let reply = String::from_utf8_lossy(&runner.read_reply()).into_owned();
    assert_eq!(
        reply,
        "-ERR Script killed by user with SCRIPT KILL... script: \
         694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n"
    );
    assert_eq!(runner.cmd_str(&["PING"]), "+PONG\r\n");
    assert_eq!(
        other.cmd_str(&["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
}

#[test]
fn a_script_that_wrote_is_unkillable_and_shutdown_nosave_ends_it() {
    let s = Server::start_with(&["--busy-reply-threshold", "100"]);
    let mut runner = s.raw();
    let mut other = s.raw();
    runner.send_cmd(&[
        b"EVAL",
        b"redis.call('set', 'k', 'v') while true do end",
        b"0",
    ]);
    wait_busy(&mut other, BUSY_EVAL);
    assert_eq!(
        other.cmd_str(&["SCRIPT", "KILL"]),
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You \
         can either wait the script termination or kill the server in a hard way using the \
         SHUTDOWN NOSAVE command.\r\n"
    );
    assert_eq!(other.cmd_str(&["SHUTDOWN"]), BUSY_EVAL);
    other.send_cmd(&[b"SHUTDOWN", b"NOSAVE"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", s.port)).is_ok() {
        assert!(Instant::now() < deadline, "the server did not shut down");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn function_kill_stops_a_busy_function() {
    let s = Server::start_with(&["--busy-reply-threshold", "100"]);
    let mut runner = s.raw();
    let mut other = s.raw();
    let lib = "#!lua name=busy\nredis.register_function('spin', function() while true do end end)";
    assert_eq!(runner.cmd_str(&["FUNCTION", "LOAD", lib]), "$4\r\nbusy\r\n");
    runner.send_cmd(&[b"FCALL", b"spin", b"0"]);
    wait_busy(&mut other, BUSY_FUNCTION);
    assert_eq!(other.cmd_str(&["SCRIPT", "KILL"]), BUSY_FUNCTION);
    let stats = other.cmd_str(&["FUNCTION", "STATS"]);
    assert!(stats.contains("$4\r\nspin\r\n"), "{stats}");
    assert_eq!(other.cmd_str(&["FUNCTION", "KILL"]), "+OK\r\n");
    assert_eq!(
        String::from_utf8_lossy(&runner.read_reply()),
        "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n"
    );
}

#[test]
fn script_effects_reach_watch_and_keyspace_notifications() {
    let s = Server::start();
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(a.cmd_str(&["WATCH", "k"]), "+OK\r\n");
    assert_eq!(
        b.cmd_str(&["EVAL", "return redis.call('incr', KEYS[1])", "1", "k"]),
        ":1\r\n"
    );
    assert_eq!(a.cmd_str(&["MULTI"]), "+OK\r\n");
    assert_eq!(a.cmd_str(&["GET", "k"]), "+QUEUED\r\n");
    assert_eq!(a.cmd_str(&["EXEC"]), "*-1\r\n");
    let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    assert_eq!(
        a.cmd_str(&["SCRIPT", "LOAD", "return 1"]),
        format!("$40\r\n{sha}\r\n")
    );
    assert_eq!(b.cmd_str(&["EVALSHA", sha, "0"]), ":1\r\n");
}
