//! Tests of the configuration module; every expected text was taken from redis-server 7.0.15.

use super::*;
use std::path::Path;

/// A fresh directory under the system temp dir, unique to this process and name, removed on drop.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("carmine-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn load(text: &str) -> Result<Config, ConfigError> {
    let mut c = Config::default();
    c.load_str(text, None)?;
    Ok(c)
}

fn load_err(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

fn fatal(line: usize, text: &str, reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at \
         line {line}\n>>> '{text}'\n{reason}\n"
    )
}

fn get1(c: &Config, name: &str) -> String {
    let v = c.get(&[name.as_bytes()]);
    assert_eq!(v.len(), 1, "{name}");
    String::from_utf8(v[0].1.clone()).unwrap()
}

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<&'static str>, String> {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    c.set(&pairs).map_err(|e| e.to_string())
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

// ---- defaults and CONFIG GET ----

#[test]
fn default_config_get_all_matches_redis_7_0_15() {
    let fixture = include_str!("testdata/config_get_all_7.0.15.tsv");
    let mut expected: Vec<(String, String)> = fixture
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let c = Config::default();
    let mut got: Vec<(String, String)> = c
        .get(&[b"*"])
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect();
    let dir = got.iter().position(|(k, _)| k == "dir").unwrap();
    let (_, dir) = got.remove(dir);
    assert_eq!(dir, std::env::current_dir().unwrap().to_string_lossy());
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn typed_defaults_are_redis_defaults() {
    let c = Config::default();
    assert_eq!(c.port, 6379);
    assert_eq!(c.bind, vec!["*".to_owned(), "-::*".to_owned()]);
    assert_eq!(c.tcp_backlog, 511);
    assert_eq!(c.timeout, 0);
    assert_eq!(c.tcp_keepalive, 300);
    assert_eq!(c.maxclients, 10000);
    assert_eq!(c.hz, 10);
    assert!(c.dynamic_hz);
    assert_eq!(c.databases, 16);
    assert_eq!(c.requirepass, None);
    assert!(c.protected_mode);
    assert_eq!(c.proto_max_bulk_len, 512 << 20);
    assert_eq!(c.client_query_buffer_limit, 1 << 30);
    assert_eq!(
        c.client_output_buffer_limit.normal,
        ObufLimit {
            hard: 0,
            soft: 0,
            soft_seconds: 0
        }
    );
    assert_eq!(c.client_output_buffer_limit.replica.hard, 256 << 20);
    assert_eq!(c.client_output_buffer_limit.pubsub.soft, 8 << 20);
    assert_eq!(c.slowlog_log_slower_than, 10000);
    assert_eq!(c.slowlog_max_len, 128);
    assert_eq!(c.loglevel, LogLevel::Notice);
    assert_eq!(c.logfile, "");
    assert_eq!(c.syslog_ident, "redis");
    assert_eq!(c.syslog_facility, "local0");
    assert_eq!(c.supervised, Supervised::No);
    assert_eq!(c.dbfilename, "dump.rdb");
    assert_eq!(c.save, vec![(3600, 1), (300, 100), (60, 10000)]);
    assert_eq!(c.appendfsync, AppendFsync::Everysec);
    assert_eq!(c.appenddirname, "appendonlydir");
    assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::NoEviction);
    assert_eq!(c.maxmemory_samples, 5);
    assert_eq!(c.active_expire_effort, 1);
    assert_eq!(c.list_max_listpack_size, -2);
    assert_eq!(c.hash_max_listpack_entries, 512);
    assert_eq!(c.hash_max_listpack_value, 64);
    assert_eq!(c.set_max_intset_entries, 512);
    assert_eq!(c.zset_max_listpack_entries, 128);
    assert_eq!(c.hll_sparse_max_bytes, 3000);
    assert_eq!(c.stream_node_max_bytes, 4096);
    assert_eq!(c.stream_node_max_entries, 100);
    assert!(c.activerehashing);
    assert!(c.replica_read_only);
    assert_eq!(c.busy_reply_threshold, 5000);
    assert_eq!(c.tracking_table_max_keys, 1_000_000);
    assert!(c.not_in_effect().is_empty());
}

#[test]
fn config_get_exact_name_keeps_the_callers_spelling_and_dedups() {
    let c = Config::default();
    let got = c.get(&[b"PORT"]);
    assert_eq!(got, vec![("PORT".to_owned(), b"6379".to_vec())]);
    let got = c.get(&[b"Port", b"port", b"PORT*"]);
    assert_eq!(got, vec![("Port".to_owned(), b"6379".to_vec())]);
    assert_eq!(c.get(&[b"nosuch"]), vec![]);
}

#[test]
fn config_get_patterns_match_aliases_but_not_hidden() {
    let c = Config::default();
    let names: Vec<String> = c.get(&[b"*slave*"]).into_iter().map(|(k, _)| k).collect();
    for alias in [
        "slaveof",
        "slave-read-only",
        "min-slaves-to-write",
        "repl-ping-slave-period",
    ] {
        assert!(names.contains(&alias.to_owned()), "{alias}");
    }
    assert_eq!(names.len(), 13);
    assert!(
        c.get(&[b"*period*"])
            .iter()
            .all(|(k, _)| k != "watchdog-period")
    );
    assert_eq!(get1(&c, "watchdog-period"), "0");
    assert_eq!(get1(&c, "loading-process-events-interval-bytes"), "2097152");
    let both = c.get(&[b"slaveof", b"replicaof"]);
    assert_eq!(both.len(), 2);
}

// ---- loading ----

#[test]
fn load_reads_quoting_case_and_comments() {
    let c = load(
        "# comment\n\n   PORT 7000  \r\nrequirepass \"a\\x41\\n\"\nmasterauth 'it\\'s'\n\
         Maxmemory 1GB\nbind 127.0.0.1 \"-::1\"\n",
    )
    .unwrap();
    assert_eq!(c.port, 7000);
    assert_eq!(c.requirepass.as_deref(), Some(&b"aA\n"[..]));
    assert_eq!(c.masterauth.as_deref(), Some(&b"it's"[..]));
    assert_eq!(c.maxmemory, 1 << 30);
    assert_eq!(c.bind, vec!["127.0.0.1".to_owned(), "-::1".to_owned()]);
}

#[test]
fn load_accepts_aliases_and_deprecated_directives() {
    let c = load(
        "slaveof 10.0.0.1 6000\nhash-max-ziplist-entries 7\nlist-max-ziplist-entries 5\n\
         lua-replicate-commands yes\nslave-read-only no\nlua-time-limit 100\n",
    )
    .unwrap();
    assert_eq!(c.replicaof, Some(("10.0.0.1".to_owned(), 6000)));
    assert_eq!(get1(&c, "replicaof"), "10.0.0.1 6000");
    assert_eq!(c.hash_max_listpack_entries, 7);
    assert!(!c.replica_read_only);
    assert_eq!(c.busy_reply_threshold, 100);
    let c = load("replicaof 10.0.0.1 6000\nreplicaof no one\n").unwrap();
    assert_eq!(c.replicaof, None);
}

#[test]
fn save_lines_replace_defaults_then_accumulate() {
    let c = load("save 900 1\nsave 300 10 60 5\n").unwrap();
    assert_eq!(get1(&c, "save"), "900 1 300 10 60 5");
    let c = load("save 900 1\nsave \"\"\nsave 10 1\n").unwrap();
    assert_eq!(get1(&c, "save"), "10 1");
    let c = load("save \"\"\n").unwrap();
    assert!(c.save.is_empty());
    let c = load("save\n").unwrap();
    assert!(c.save.is_empty());
}

#[test]
fn special_directives_load_and_show_like_redis() {
    let c = load(
        "unixsocketperm 700\nclient-output-buffer-limit replica 1gb 1k 5 pubsub 1 2 3\n\
         latency-tracking-info-percentiles 1.5 99.99 100\nhz 0\nnotify-keyspace-events KEA\n\
         shutdown-on-sigint now nosave\nmaxmemory-clients 10%\noom-score-adj relative\n",
    )
    .unwrap();
    assert_eq!(get1(&c, "unixsocketperm"), "700");
    assert_eq!(c.unixsocketperm, 0o700);
    assert_eq!(
        get1(&c, "client-output-buffer-limit"),
        "normal 0 0 0 slave 1073741824 1000 5 pubsub 1 2 3"
    );
    assert_eq!(
        get1(&c, "latency-tracking-info-percentiles"),
        "1.5 99.99 100"
    );
    assert_eq!(get1(&c, "hz"), "1");
    assert_eq!(get1(&c, "notify-keyspace-events"), "AKE");
    assert_eq!(
        c.notify_keyspace_events,
        NOTIFY_ALL | NOTIFY_KEYSPACE | NOTIFY_KEYEVENT
    );
    assert_eq!(get1(&c, "shutdown-on-sigint"), "nosave now");
    assert_eq!(c.shutdown_on_sigint, SHUTDOWN_NOSAVE | SHUTDOWN_NOW);
    assert_eq!(get1(&c, "maxmemory-clients"), "10%");
    assert_eq!(get1(&c, "oom-score-adj"), "yes");
}

#[test]
fn notify_keyspace_events_render_like_redis() {
    let mut c = Config::default();
    set(&mut c, &[("notify-keyspace-events", "An")]).unwrap();
    assert_eq!(get1(&c, "notify-keyspace-events"), "A");
    set(&mut c, &[("notify-keyspace-events", "Em$")]).unwrap();
    assert_eq!(get1(&c, "notify-keyspace-events"), "$Em");
    assert_eq!(c.notify_keyspace_events_string(), "$Em");
}

#[test]
fn load_errors_print_exactly_like_redis() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "foo bar",
            "foo bar",
            "Bad directive or wrong number of arguments",
        ),
        (
            "port abc",
            "port abc",
            "argument couldn't be parsed into an integer",
        ),
        (
            "port 70000",
            "port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        (
            "daemonize maybe",
            "daemonize maybe",
            "argument must be 'yes' or 'no'",
        ),
        ("port 1 2", "port 1 2", "wrong number of arguments"),
        (
            "maxmemory 1x",
            "maxmemory 1x",
            "argument must be a memory value",
        ),
        ("save 1", "save 1", "Invalid save parameters"),
        ("save 0 1", "save 0 1", "Invalid save parameters"),
        (
            "loglevel foo",
            "loglevel foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        (
            "bind \"a",
            "bind \"a",
            "Unbalanced quotes in configuration line",
        ),
        (
            "port \"1\"x",
            "port \"1\"x",
            "Unbalanced quotes in configuration line",
        ),
        (
            "unixsocketperm x",
            "unixsocketperm x",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1000",
            "unixsocketperm 1000",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "maxmemory-policy a b",
            "maxmemory-policy a b",
            "wrong number of arguments",
        ),
        (
            "shutdown-on-sigint save nosave",
            "shutdown-on-sigint save nosave",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        (
            "oom-score-adj-values 1 2",
            "oom-score-adj-values 1 2",
            "wrong number of arguments",
        ),
        (
            "notify-keyspace-events a b",
            "notify-keyspace-events a b",
            "wrong number of arguments",
        ),
        (
            "dbfilename a/b",
            "dbfilename a/b",
            "dbfilename can't be a path, just a filename",
        ),
        (
            "sentinel monitor a",
            "sentinel monitor a",
            "sentinel directive while not in sentinel mode",
        ),
        (
            "include",
            "include",
            "Bad directive or wrong number of arguments",
        ),
        (
            "rename-command a",
            "rename-command a",
            "Bad directive or wrong number of arguments",
        ),
        ("user", "user", "Bad directive or wrong number of arguments"),
        (
            "loadmodule",
            "loadmodule",
            "Bad directive or wrong number of arguments",
        ),
        (
            "foo.bar",
            "foo.bar",
            "Module config specified without value",
        ),
        (
            "list-max-ziplist-entries 1 2",
            "list-max-ziplist-entries 1 2",
            "Bad directive or wrong number of arguments",
        ),
        ("replicaof a", "replicaof a", "wrong number of arguments"),
        ("replicaof a b", "replicaof a b", "Invalid master port"),
        (
            "dir /nonexistent/carmine",
            "dir /nonexistent/carmine",
            "No such file or directory",
        ),
        (
            "maxmemory-clients 200%",
            "maxmemory-clients 200%",
            "percentage argument must be less or equal to 100",
        ),
        (
            "maxclients -1",
            "maxclients -1",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        (
            "proto-max-bulk-len 99999999999999999999",
            "proto-max-bulk-len 99999999999999999999",
            "argument must be between 1048576 and 9223372036854775807 inclusive",
        ),
        (
            "hz 010",
            "hz 010",
            "argument couldn't be parsed into an integer",
        ),
    ];
    for (text, shown, reason) in cases {
        assert_eq!(
            load_err(&format!("\n{text}\n")),
            fatal(2, shown, reason),
            "{text}"
        );
    }
}

#[test]
fn error_line_is_the_trimmed_line_and_counts_comments() {
    let err = load_err("# a\n\n  port   x  \t\r\n");
    assert_eq!(
        err,
        fatal(3, "port   x", "argument couldn't be parsed into an integer")
    );
}

#[test]
fn stored_but_unused_directives_are_kept() {
    let c = load(
        "rename-command FLUSHALL \"\"\nrename-command config cfg\nuser bob on >x\n\
         loadmodule /x.so a b\nfoo.bar 1\nsentinel\n",
    )
    .unwrap();
    assert_eq!(
        c.rename_commands(),
        &[
            ("FLUSHALL".to_owned(), String::new()),
            ("config".to_owned(), "cfg".to_owned())
        ]
    );
    assert_eq!(c.users()[0].0, vec!["bob", "on", ">x"]);
    assert_eq!(
        c.users()[0].1,
        LineRef {
            line: 3,
            text: "user bob on >x".into()
        }
    );
    assert_eq!(c.loadmodules()[0].0, vec!["/x.so", "a", "b"]);
    assert_eq!(c.module_configs()[0].0, "foo.bar");
    assert_eq!(
        c.not_in_effect(),
        vec!["rename-command", "user", "loadmodule"]
    );
}

#[test]
fn rename_command_checks_fail_like_redis() {
    let known = |n: &str| ["get", "set", "flushall"].contains(&n);
    let c = load("rename-command get g2\nrename-command g2 g3\n").unwrap();
    assert!(c.check_rename_commands(known).is_ok());
    let c = load("\nrename-command nosuch b\n").unwrap();
    assert_eq!(
        c.check_rename_commands(known).unwrap_err().to_string(),
        fatal(
            2,
            "rename-command nosuch b",
            "No such command in rename-command"
        )
    );
    let c = load("rename-command get set\n").unwrap();
    assert_eq!(
        c.check_rename_commands(known).unwrap_err().to_string(),
        fatal(
            1,
            "rename-command get set",
            "Target command name already exists"
        )
    );
}

#[test]
fn include_loads_files_and_reports_their_own_lines() {
    let dir = temp_dir("include");
    let inc = dir.join("inc.conf");
    std::fs::write(&inc, "port 7001\n").unwrap();
    let c = load(&format!("port 7000\ninclude {}\n", inc.display())).unwrap();
    assert_eq!(c.port, 7001);

    std::fs::write(&inc, "# x\nhz abc\n").unwrap();
    let err = load_err(&format!("port 7000\ninclude {}\n", inc.display()));
    assert_eq!(
        err,
        fatal(2, "hz abc", "argument couldn't be parsed into an integer")
    );

    let missing = dir.join("missing.conf");
    let err = load(&format!("include {}\n", missing.display())).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Fatal error, can't open config file '{}': No such file or directory",
            missing.display()
        )
    );

    let sub = dir.join("conf.d");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("a.conf"), "port 7002\n").unwrap();
    std::fs::write(sub.join("b.conf"), "databases 3\n").unwrap();
    let c = load(&format!(
        "include {}/*.conf\ninclude {}/none*.conf\n",
        sub.display(),
        sub.display()
    ))
    .unwrap();
    assert_eq!((c.port, c.databases), (7002, 3));

    // An include cycle stops instead of overflowing the stack.
    std::fs::write(&inc, format!("include {}\n", inc.display())).unwrap();
    assert!(load(&format!("include {}\n", inc.display())).is_err());
}

#[test]
fn command_line_appends_options_after_the_file() {
    let c = from_command_line(&args(&[
        "--port",
        "7777",
        "--replicaof",
        "127.0.0.1",
        "8888",
    ]))
    .unwrap();
    assert_eq!(c.port, 7777);
    assert_eq!(c.replicaof, Some(("127.0.0.1".to_owned(), 8888)));
    assert!(c.config_file().is_none());

    let c = from_command_line(&args(&["--save", "", "--appendonly", "yes"])).unwrap();
    assert!(c.save.is_empty());
    assert!(c.appendonly);
    let c = from_command_line(&args(&["--save"])).unwrap();
    assert!(c.save.is_empty());
    let c = from_command_line(&args(&["--save", "10", "1", "20", "2"])).unwrap();
    assert_eq!(c.save, vec![(10, 1), (20, 2)]);

    let err = from_command_line(&args(&["--port", "abc"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        fatal(
            2,
            "port \"abc\"",
            "argument couldn't be parsed into an integer"
        )
    );
    let err = from_command_line(&args(&["--port", "1", "--bind", "a b", "--foo"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        fatal(4, "foo", "Bad directive or wrong number of arguments")
    );

    let dir = temp_dir("cmdline");
    let file = dir.join("a.conf");
    std::fs::write(&file, "port 7121\n").unwrap();
    let file_arg = file.to_string_lossy().into_owned();
    let err = from_command_line(&args(&[&file_arg, "--maxmemory", "x y"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        fatal(3, "maxmemory \"x y\"", "argument must be a memory value")
    );
    let c = from_command_line(&args(&[&file_arg, "--hz", "20"])).unwrap();
    assert_eq!((c.port, c.hz), (7121, 20));
    assert_eq!(c.config_file(), Some(file.as_path()));

    let err = from_command_line(&args(&["/nonexistent/carmine.conf"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Fatal error, can't open config file '/nonexistent/carmine.conf': No such file or directory"
    );
}

#[test]
fn whole_file_checks_have_no_line() {
    let err = from_command_line(&args(&[
        "--cluster-enabled",
        "yes",
        "--replicaof",
        "a",
        "1",
    ]))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in \
         cluster mode\n"
    );
    let err = from_command_line(&args(&["--logfile", "/nonexistent/x"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file \
         or directory\n"
    );
}

// ---- CONFIG SET ----

#[test]
fn set_errors_render_exactly_like_redis() {
    let mut c = Config::default();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("foo", "bar")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &[("maxmemory", "abc")],
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be \
             a memory value",
        ),
        (
            &[("MAXMEMORY", "abc")],
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be \
             a memory value",
        ),
        (
            &[("hash-max-ziplist-entries", "x")],
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - \
             argument couldn't be parsed into an integer",
        ),
        (
            &[("port", "1"), ("PORT", "2")],
            "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter",
        ),
        (
            &[("daemonize", "yes")],
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set \
             immutable config",
        ),
        (
            &[("slaveof", "a 1")],
            "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set \
             immutable config",
        ),
        (
            &[("hz", "5"), ("foo", "bar")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &[("hz", "x"), ("foo", "bar")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &[("daemonize", "yes"), ("foo", "bar")],
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set \
             immutable config",
        ),
        (
            &[("save", "1 2 3 x")],
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
        ),
        (
            &[("client-output-buffer-limit", "normal 1 2")],
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - \
             Wrong number of arguments in buffer limit configuration.",
        ),
        (
            &[("client-output-buffer-limit", "master 1 2 3")],
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - \
             Invalid client class specified in buffer limit configuration.",
        ),
        (
            &[("client-output-buffer-limit", "normal 1 2 x")],
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - \
             Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
        (
            &[("notify-keyspace-events", "Q")],
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - \
             Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            &[("oom-score-adj-values", "1 2")],
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong \
             number of arguments",
        ),
        (
            &[("oom-score-adj-values", "1 2 9999")],
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - \
             Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
        ),
        (
            &[("dbfilename", "a")],
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set \
             protected config",
        ),
        (
            &[("dir", "/tmp")],
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected \
             config",
        ),
        (
            &[("bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")],
            "ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind \
             addresses specified.",
        ),
        (
            &[("maxmemory-clients", "x")],
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument \
             must be a memory or percent value",
        ),
        (
            &[("latency-tracking-info-percentiles", "x")],
            "ERR CONFIG SET failed (possibly related to argument \
             'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles \
             parameters",
        ),
        (
            &[("latency-tracking-info-percentiles", "101")],
            "ERR CONFIG SET failed (possibly related to argument \
             'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters \
             should sit between [0.0,100.0]",
        ),
        (
            &[("shutdown-on-sigint", "")],
            "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - \
             argument(s) must be one of the following: default, save, nosave, now, force",
        ),
        (
            &[("propagation-error-behavior", "x")],
            "ERR CONFIG SET failed (possibly related to argument 'propagation-error-behavior') - \
             argument(s) must be one of the following: ignore, panic, panic-on-replicas",
        ),
        (
            &[("cluster-announce-hostname", "a_b")],
            "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - \
             Hostnames may only contain alphanumeric characters, hyphens or dots",
        ),
        (
            &[("proc-title-template", "{foo}")],
            "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - \
             template format is invalid or contains unknown variables",
        ),
        (
            &[("slowlog-max-len", "-1")],
            "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument \
             must be between 0 and 9223372036854775807 inclusive",
        ),
        (
            &[("hz", "2147483648")],
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be \
             between 0 and 2147483647 inclusive",
        ),
    ];
    for (pairs, expected) in cases {
        assert_eq!(set(&mut c, pairs).unwrap_err(), *expected, "{pairs:?}");
    }
    let untouched = Config::default();
    assert_eq!(c.get(&[b"*"]), untouched.get(&[b"*"]));
}

#[test]
fn set_args_rejects_odd_counts_and_loading_blocks_some() {
    let mut c = Config::default();
    let err = c
        .set_args(&[b"port", b"1", b"maxmemory"], SetContext::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "ERR syntax error");
    let ctx = SetContext {
        loading: true,
        ..SetContext::default()
    };
    let err = c.set_args(&[b"appendonly", b"yes"], ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "LOADING Redis is loading the dataset in memory"
    );
    assert_eq!(c.set_args(&[b"hz", b"20"], ctx).unwrap(), vec!["hz"]);
}

#[test]
fn set_is_all_or_nothing() {
    let mut c = Config::default();
    let err = set(&mut c, &[("maxmemory", "1mb"), ("hz", "20"), ("port", "x")]).unwrap_err();
    assert!(err.contains("'port'"));
    assert_eq!((c.maxmemory, c.hz), (0, 10));
    assert_eq!(get1(&c, "maxmemory"), "0");
}

#[test]
fn set_returns_only_changed_canonical_names() {
    let mut c = Config::default();
    let changed = set(
        &mut c,
        &[
            ("slave-read-only", "no"),
            ("hz", "10"),
            ("maxmemory", "1kb"),
        ],
    )
    .unwrap();
    assert_eq!(changed, vec!["replica-read-only", "maxmemory"]);
    assert!(!c.replica_read_only);
    assert_eq!(c.maxmemory, 1024);
}

#[test]
fn set_round_trips_through_get() {
    let mut c = Config::default();
    let cases = [
        ("maxmemory", "1k", "1000"),
        ("maxmemory", "1kb", "1024"),
        ("maxmemory", "1G", "1000000000"),
        ("maxmemory", "", "0"),
        (
            "maxmemory",
            "99999999999999999999999",
            "18446744073709551615",
        ),
        ("hz", "1000", "500"),
        ("hz", "0", "1"),
        ("loglevel", "WARNING", "warning"),
        ("save", "", ""),
        ("save", "1 1", "1 1"),
        (
            "shutdown-on-sigterm",
            "now nosave force",
            "nosave now force",
        ),
        ("shutdown-on-sigterm", "default now", "now"),
        ("shutdown-on-sigterm", "default", "default"),
        ("bind", "", ""),
        ("bind", "* -::*", "* -::*"),
        ("requirepass", "secret", "secret"),
        ("requirepass", "", ""),
        ("maxmemory-clients", "10%", "10%"),
        ("maxmemory-clients", "5mb", "5242880"),
        (
            "client-output-buffer-limit",
            "pubsub 1mb 2 3",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2 3",
        ),
        ("proc-title-template", "{{x}} {title}", "{{x}} {title}"),
        ("slowlog-log-slower-than", "-1", "-1"),
        ("list-max-ziplist-size", "-5", "-5"),
    ];
    for (name, value, shown) in cases {
        set(&mut c, &[(name, value)]).unwrap();
        assert_eq!(get1(&c, name), shown, "{name} {value}");
    }
    assert_eq!(c.requirepass, None);
    assert_eq!(c.loglevel, LogLevel::Warning);
    assert_eq!(c.list_max_listpack_size, -5);
}

#[test]
fn protected_configs_need_enable_protected_configs() {
    let mut c = load("enable-protected-configs local\n").unwrap();
    assert!(set(&mut c, &[("dbfilename", "x.rdb")]).is_err());
    let local = SetContext {
        local_client: true,
        ..SetContext::default()
    };
    c.set_with(&[(b"dbfilename", b"x.rdb")], local).unwrap();
    assert_eq!(c.dbfilename, "x.rdb");
    let mut c = load("enable-protected-configs yes\n").unwrap();
    // Setting dir to where we already are changes nothing observable for other tests.
    let cwd = std::env::current_dir()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    set(&mut c, &[("dir", &cwd)]).unwrap();
    assert_eq!(get1(&c, "dir"), cwd);
    let err = set(&mut c, &[("dir", "/nonexistent/carmine")]).unwrap_err();
    assert_eq!(
        err,
        "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"
    );
}

#[test]
fn apply_failures_restore_and_render() {
    let mut c = Config::default();
    let before = c.clone();
    assert_eq!(set(&mut c, &[("port", "7000")]).unwrap(), vec!["port"]);
    c.restore(before);
    assert_eq!(c.port, 6379);
    let err =
        ConfigSetError::apply_failed("port", "Unable to listen on this port. Check server logs.");
    assert_eq!(
        err.to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this \
         port. Check server logs."
    );
}

#[test]
fn sensitive_and_not_in_effect() {
    assert!(Config::is_sensitive(b"requirepass"));
    assert!(Config::is_sensitive(b"MASTERAUTH"));
    assert!(!Config::is_sensitive(b"port"));
    let mut c = Config::default();
    set(
        &mut c,
        &[("maxmemory", "1mb"), ("hz", "20"), ("activedefrag", "yes")],
    )
    .unwrap();
    assert_eq!(c.not_in_effect(), vec!["activedefrag"]);
    assert_eq!(c.value("maxmemory").as_deref(), Some(&b"1048576"[..]));
}

// ---- CONFIG REWRITE ----

#[test]
fn rewrite_without_a_file_is_refused() {
    assert_eq!(
        Config::default().rewrite().unwrap_err().to_string(),
        "ERR The server is running without a config file"
    );
}

#[test]
fn rewrite_keeps_the_file_and_updates_in_place_like_redis() {
    let dir = temp_dir("rewrite");
    let path = dir.join("redis.conf");
    let log = dir.join("rw.log");
    let original = format!(
        "# top comment\nport 7122\ndaemonize no\n\nsave 900 1\nsave 300 10\nslave-read-only no\n\
         maxmemory 100mb\n# trailing\nhz 20\nhz 30\nbind 127.0.0.1\nrequirepass \"a b\"\n\
         rename-command FLUSHALL \"\"\nlogfile \"{}\"\nlist-max-ziplist-entries 5\n",
        log.display()
    );
    std::fs::write(&path, &original).unwrap();
    let mut c = Config::default();
    c.load_str(&original, Some(&path)).unwrap();
    set(
        &mut c,
        &[
            ("maxmemory", "0"),
            ("hz", "10"),
            ("slave-lazy-flush", "yes"),
            ("maxmemory-policy", "allkeys-lru"),
            ("notify-keyspace-events", "KEA"),
            ("client-output-buffer-limit", "normal 1mb 2 3"),
            ("oom-score-adj-values", "1 2 3"),
            ("masterauth", "x\"y"),
        ],
    )
    .unwrap();
    c.rewrite().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let expected = format!(
        "# top comment\nport 7122\ndaemonize no\n\nsave 900 1\nsave 300 10\n\
         replica-read-only no\nmaxmemory 0\n# trailing\nhz 10\n\nbind 127.0.0.1\n\
         requirepass \"a b\"\nrename-command FLUSHALL \"\"\nlogfile \"{}\"\n\
         # ??? list-max-ziplist-entries 5\n\n# Generated by CONFIG REWRITE\ndir \"{}\"\n\
         masterauth \"x\\\"y\"\nreplica-lazy-flush yes\nmaxmemory-policy allkeys-lru\n\
         oom-score-adj-values 1 2 3\nlatency-tracking-info-percentiles 50 99 99.9\n\
         notify-keyspace-events \"AKE\"\nclient-output-buffer-limit normal 1mb 2 3\n",
        log.display(),
        cwd.display()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);

    // Rewriting again keeps everything; like Redis, the file's final newline becomes one blank
    // line, which later rewrites keep (blank runs collapse). It loads back to the same values.
    c.rewrite().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{expected}\n")
    );
    set(&mut c, &[("timeout", "5")]).unwrap();
    c.rewrite().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{expected}\ntimeout 5\n")
    );
    let mut again = Config::default();
    again.load_file(&path).unwrap();
    assert_eq!(again.get(&[b"*"]), c.get(&[b"*"]));
}

#[test]
fn rewrite_of_an_empty_file_starts_with_the_signature() {
    let dir = temp_dir("rewrite-empty");
    let path = dir.join("empty.conf");
    std::fs::write(&path, "").unwrap();
    let mut c = Config::default();
    c.load_str("", Some(&path)).unwrap();
    set(
        &mut c,
        &[("notify-keyspace-events", "Em$"), ("port", "7122")],
    )
    .unwrap();
    c.rewrite_with_users(Some(&["default on nopass ~* &* +@all".to_owned()]))
        .unwrap();
    let cwd = std::env::current_dir().unwrap();
    let expected = format!(
        "# Generated by CONFIG REWRITE\nport 7122\nsave 3600 1\nsave 300 100\nsave 60 10000\n\
         dir \"{}\"\nlatency-tracking-info-percentiles 50 99 99.9\nnotify-keyspace-events \
         \"$Em\"\nuser default on nopass ~* &* +@all\n",
        cwd.display()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[test]
fn rewrite_removes_lines_of_unset_strings_and_default_bind() {
    let dir = temp_dir("rewrite-remove");
    let path = dir.join("r.conf");
    let text = "requirepass x\nbind 127.0.0.1\nsave \"\"\nunixsocketperm 700\nappendonly no\n";
    std::fs::write(&path, text).unwrap();
    let mut c = Config::default();
    c.load_str(text, Some(&path)).unwrap();
    set(&mut c, &[("requirepass", ""), ("bind", "* -::*")]).unwrap();
    c.rewrite().unwrap();
    let content = std::fs::read_to_string(&path).unwrap();
    assert!(
        content.starts_with("\nsave \"\"\nunixsocketperm 700\nappendonly no\n\n"),
        "{content}"
    );
    assert!(!content.contains("requirepass"));
    assert!(!content.contains("bind"));
}

#[test]
fn rewrite_reports_write_failures() {
    let mut c = Config::default();
    c.load_str("", Some(Path::new("/nonexistent/carmine/redis.conf")))
        .unwrap();
    assert_eq!(
        c.rewrite().unwrap_err().to_string(),
        "ERR Rewriting config file: No such file or directory"
    );
}

// ---- redis.conf.example ----

#[test]
fn redis_conf_example_is_generated_from_the_table() {
    let generated = example_conf();
    // CARMINE_WRITE_EXAMPLE=<path to redis.conf.example> regenerates the file.
    if let Some(path) = std::env::var_os("CARMINE_WRITE_EXAMPLE") {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = include_str!("../../redis.conf.example");
    assert!(
        generated == checked_in,
        "regenerate redis.conf.example from the table"
    );
}

#[test]
fn redis_conf_example_loads_to_the_defaults() {
    let mut c = Config::default();
    c.load_str(&example_conf(), None).unwrap();
    assert_eq!(c.get(&[b"*"]), Config::default().get(&[b"*"]));
    assert!(c.not_in_effect().is_empty());
}

#[test]
fn debian_redis_conf_loads() {
    // The distribution's commented redis.conf, when installed; `dir` is left out so the test
    // does not move the process.
    let Ok(text) = std::fs::read_to_string("/etc/redis/redis.conf") else {
        return;
    };
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("dir "))
        .map(|l| format!("{l}\n"))
        .collect();
    let c = load(&text).unwrap();
    assert_eq!(c.bind, vec!["127.0.0.1".to_owned(), "-::1".to_owned()]);
}
