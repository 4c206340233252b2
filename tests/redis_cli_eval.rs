//! redis-cli's Lua entry points pointed at carmine: `--eval script.lua key1 key2 , arg1 arg2`
//! (keys and arguments split at the lone comma), script errors as redis-cli prints them, `-x
//! FUNCTION LOAD` from stdin followed by FCALL, SCRIPT LOAD + EVALSHA, and Lua reply conversion
//! as the CLI shows it.
//! Every expected output was first taken from redis-cli against real Redis 7.0.15 (stdout is a
//! pipe here, so redis-cli prints in its raw format: one value per line, no type prefixes).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::Server;

const SUM_LUA: &str = "\
-- Sums ARGV into KEYS[1] and returns the keys, the argument count and the new total.
local total = 0
for _, v in ipairs(ARGV) do
  total = total + tonumber(v)
end
redis.call('INCRBY', KEYS[1], total)
return {KEYS[1], KEYS[2], #ARGV, tonumber(redis.call('GET', KEYS[1]))}
";

fn run(s: &Server, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new("redis-cli")
        .arg("-p")
        .arg(s.port.to_string())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli must be installed (apt-get install redis-tools)");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("redis-cli")
}

fn cli(s: &Server, args: &[&str]) -> String {
    let out = run(s, args, None);
    assert!(out.status.success(), "redis-cli {args:?} failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn script(s: &Server, name: &str, body: &str) -> String {
    let path: PathBuf = s.dir.join(name);
    std::fs::write(&path, body).expect("write script");
    path.to_string_lossy().into_owned()
}

#[test]
fn eval_splits_keys_and_arguments_at_the_comma() {
    let s = Server::start();
    let sum = script(&s, "sum.lua", SUM_LUA);
    assert_eq!(
        cli(&s, &["--eval", &sum, "k1", "k2", ",", "1", "2", "3"]),
        "k1\nk2\n3\n6\n"
    );
    assert_eq!(
        cli(&s, &["--eval", &sum, "k1", "k2", ",", "4"]),
        "k1\nk2\n1\n10\n"
    );
    // One key: KEYS[2] is nil, so the returned Lua array stops after KEYS[1].
    assert_eq!(cli(&s, &["--eval", &sum, "k1", ",", "10"]), "k1\n");
    assert_eq!(cli(&s, &["GET", "k1"]), "20\n");
    // No comma: everything after the script is a key.
    assert_eq!(cli(&s, &["--eval", &sum, "k3", "k4"]), "k3\nk4\n0\n0\n");
}

#[test]
fn eval_script_errors_are_printed_with_the_script_location() {
    let s = Server::start();
    let err = script(&s, "err.lua", "return redis.call('LPUSH', KEYS[1], 'x')\n");
    cli(&s, &["SET", "s", "str"]);
    let out = cli(&s, &["--eval", &err, "s"]);
    assert!(
        out.starts_with(
            "WRONGTYPE Operation against a key holding the wrong kind of value script: "
        ),
        "{out}"
    );
    assert!(out.contains(", on @user_script:1."), "{out}");
    // Without keys KEYS[1] is nil: redis.call rejects the argument.
    let sum = script(&s, "sum.lua", SUM_LUA);
    let out = cli(&s, &["--eval", &sum]);
    assert!(
        out.starts_with("ERR Lua redis lib command arguments must be strings or integers script: "),
        "{out}"
    );
    assert!(out.contains(", on @user_script:6."), "{out}");
    // A missing file is redis-cli's own error, exit status 1.
    let missing = run(&s, &["--eval", "/nonexistent/carmine.lua", "k"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("Can't open file"));
}

#[test]
fn function_load_from_stdin_then_fcall() {
    let s = Server::start();
    let lib = "#!lua name=clilib\n\
               redis.register_function('cli_echo', function(keys, args) return args[1] end)\n";
    let out = run(&s, &["-x", "FUNCTION", "LOAD", "REPLACE"], Some(lib));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "clilib\n");
    assert_eq!(cli(&s, &["FCALL", "cli_echo", "0", "hello"]), "hello\n");
    assert_eq!(cli(&s, &["FUNCTION", "DELETE", "clilib"]), "OK\n");
    assert_eq!(
        cli(&s, &["FCALL", "cli_echo", "0", "hello"]),
        "ERR Function not found\n\n"
    );
}

#[test]
fn script_load_evalsha_and_reply_conversion() {
    let s = Server::start();
    let sha = cli(&s, &["SCRIPT", "LOAD", "return ARGV[1]"]);
    assert_eq!(sha, "098e0f0d1448c0a81dafe820f66d460eb09263da\n");
    assert_eq!(cli(&s, &["EVALSHA", sha.trim(), "0", "arg"]), "arg\n");
    assert_eq!(cli(&s, &["SCRIPT", "EXISTS", sha.trim()]), "1\n");
    assert_eq!(
        cli(&s, &["EVAL", "return {1,{2,'x'},'y'}", "0"]),
        "1\n2\nx\ny\n"
    );
    assert_eq!(
        cli(&s, &["EVAL", "return redis.status_reply('FINE')", "0"]),
        "FINE\n"
    );
    assert_eq!(
        cli(&s, &["EVAL", "return redis.error_reply('BAD thing')", "0"]),
        "BAD thing\n\n"
    );
    assert_eq!(cli(&s, &["EVAL", "return 3.7", "0"]), "3\n");
    assert_eq!(cli(&s, &["EVAL", "return nil", "0"]), "\n");
    assert_eq!(cli(&s, &["EVAL", "return true", "0"]), "1\n");
    assert_eq!(
        cli(
            &s,
            &["-3", "EVAL", "redis.setresp(3); return {map={a=1}}", "0"]
        ),
        "a 1\n"
    );
    // redis-cli 7.0 prints a RESP3 double in raw mode without a trailing newline.
    assert_eq!(
        cli(
            &s,
            &["-3", "EVAL", "redis.setresp(3); return {double=1.5}", "0"]
        )
        .trim_end(),
        "1.5"
    );
}
