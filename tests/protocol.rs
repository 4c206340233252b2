//! Protocol and server-core behaviour against the real binary: pipelining, inline commands,
//! Redis's protocol limits and their error texts, connection limits, timeouts, signals.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Raw, Server, encode};

#[test]
fn pipelined_commands_are_all_answered_in_order() {
    let s = Server::start();
    let mut r = s.raw();
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend_from_slice(&encode(&[b"ECHO", format!("m{i}").as_bytes()]));
    }
    r.send(&batch);
    for i in 0..1000 {
        let want = format!("m{i}");
        assert_eq!(
            r.read_reply(),
            format!("${}\r\n{}\r\n", want.len(), want).into_bytes()
        );
    }
}

#[test]
fn inline_commands_work_with_quotes() {
    let s = Server::start();
    let mut r = s.raw();
    r.send(b"PING\r\n");
    assert_eq!(r.read_reply(), b"+PONG\r\n");
    r.send(b"ECHO \"a b\\x41\"\n");
    assert_eq!(r.read_reply(), b"$4\r\na bA\r\n");
    // A blank line is ignored, not answered.
    r.send(b"\r\nPING\r\n");
    assert_eq!(r.read_reply(), b"+PONG\r\n");
}

#[test]
fn unknown_commands_and_wrong_arity_get_redis_errors() {
    let s = Server::start();
    let mut r = s.raw();
    assert_eq!(
        r.cmd_str(&["foo", "a", "b"]),
        "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    );
    assert_eq!(
        r.cmd_str(&["PING", "a", "b"]),
        "-ERR wrong number of arguments for 'ping' command\r\n"
    );
}

fn protocol_error_closes(server: &Server, payload: &[u8], expected: &str) {
    let mut r = server.raw();
    r.send(payload);
    assert_eq!(String::from_utf8_lossy(&r.read_reply()), expected);
    assert!(r.is_closed(), "connection stays open after {expected:?}");
}

#[test]
fn protocol_errors_are_answered_then_the_connection_is_closed() {
    let s = Server::start();
    protocol_error_closes(
        &s,
        b"*1\r\n$-5\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error_closes(
        &s,
        b"*1\r\n$536870913\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error_closes(
        &s,
        b"*3000000000\r\n",
        "-ERR Protocol error: invalid multibulk length\r\n",
    );
    protocol_error_closes(
        &s,
        b"*1\r\n:5\r\n",
        "-ERR Protocol error: expected '$', got ':'\r\n",
    );
    protocol_error_closes(
        &s,
        b"SET \"a\r\n",
        "-ERR Protocol error: unbalanced quotes in request\r\n",
    );
    let long_line = vec![b'a'; 70 * 1024];
    protocol_error_closes(
        &s,
        &long_line,
        "-ERR Protocol error: too big inline request\r\n",
    );
    let mut long_count = b"*".to_vec();
    long_count.extend(vec![b'1'; 70 * 1024]);
    protocol_error_closes(
        &s,
        &long_count,
        "-ERR Protocol error: too big mbulk count string\r\n",
    );
    // The server is still fine.
    assert_eq!(s.raw().cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn unauthenticated_clients_get_tight_protocol_caps() {
    let s = Server::start_with(&["--requirepass", "pw"]);
    protocol_error_closes(
        &s,
        b"*11\r\n",
        "-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    protocol_error_closes(
        &s,
        b"*2\r\n$4\r\nAUTH\r\n$16385\r\n",
        "-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    let mut r = s.raw();
    assert_eq!(r.cmd_str(&["PING"]), "-NOAUTH Authentication required.\r\n");
}

#[test]
fn query_buffer_over_the_limit_closes_the_client() {
    let s = Server::start_with(&["--client-query-buffer-limit", "1mb"]);
    let mut r = s.raw();
    // An unfinished multibulk of many small arguments grows the query buffer past 1 MB.
    let mut payload = b"*1000000\r\n".to_vec();
    for _ in 0..200_000 {
        payload.extend_from_slice(b"$4\r\nabcd\r\n");
    }
    let _ = r.stream.write_all(&payload);
    assert!(
        r.is_closed(),
        "client over client-query-buffer-limit must be closed"
    );
    assert_eq!(s.raw().cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn maxclients_refuses_extra_connections_with_redis_error() {
    let s = Server::start_with(&["--maxclients", "2"]);
    let mut a = s.raw();
    assert_eq!(a.cmd_str(&["PING"]), "+PONG\r\n");
    // The start-up probe's connection may still be being reaped: wait until `a` is alone.
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.cmd_str(&["CLIENT", "LIST"]).matches("id=").count() > 1 {
        assert!(
            Instant::now() < deadline,
            "probe connection never went away"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut b = s.raw();
    assert_eq!(b.cmd_str(&["PING"]), "+PONG\r\n");
    let mut c = Raw::connect(s.port);
    let mut buf = Vec::new();
    let _ = c.stream.read_to_end(&mut buf);
    assert_eq!(
        String::from_utf8_lossy(&buf),
        "-ERR max number of clients reached\r\n"
    );
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let s = Server::start_with(&["--timeout", "1"]);
    let mut r = s.raw();
    assert_eq!(r.cmd_str(&["PING"]), "+PONG\r\n");
    let start = Instant::now();
    assert!(r.is_closed());
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn sigterm_shuts_the_server_down_cleanly() {
    let mut s = Server::start();
    let pid = s.pid();
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    assert!(status.is_ok());
    let exit = s
        .exited_within(Duration::from_secs(5))
        .expect("server did not exit on SIGTERM");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn unix_socket_accepts_commands() {
    let dir = std::env::temp_dir().join(format!("carmine-sock-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("carmine.sock");
    let path_s = path.to_string_lossy().into_owned();
    let _s = Server::start_with(&["--unixsocket", &path_s]);
    let mut u = std::os::unix::net::UnixStream::connect(&path).expect("connect unix socket");
    u.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    let mut buf = [0u8; 16];
    let n = u.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"+PONG\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn random_garbage_never_takes_the_server_down() {
    let s = Server::start();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..50 {
        let mut bytes = Vec::with_capacity(4096);
        for _ in 0..4096 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push(match round % 3 {
                0 => (seed & 0xff) as u8,
                // Mostly protocol-looking bytes, to get past the first checks.
                _ => b"*$\r\n0123456789-+:PINGSET"[(seed % 24) as usize],
            });
        }
        if let Ok(mut c) = TcpStream::connect(("127.0.0.1", s.port)) {
            let _ = c.set_read_timeout(Some(Duration::from_millis(50)));
            let _ = c.write_all(&bytes);
            let mut sink = [0u8; 65536];
            let _ = c.read(&mut sink);
        }
    }
    assert_eq!(s.raw().cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn many_concurrent_clients_are_served() {
    let s = Server::start();
    let mut conns: Vec<Raw> = (0..300).map(|_| s.raw()).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        c.send(&encode(&[b"ECHO", i.to_string().as_bytes()]));
    }
    for (i, c) in conns.iter_mut().enumerate() {
        let want = i.to_string();
        assert_eq!(
            c.read_reply(),
            format!("${}\r\n{}\r\n", want.len(), want).into_bytes()
        );
    }
}

#[test]
fn a_taken_port_fails_start_up_with_redis_message() {
    let s = Server::start();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carmine"))
        .args([
            "--port",
            &s.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains(&format!(
            "Failed listening on port {} (tcp), aborting.",
            s.port
        )),
        "{log}"
    );
}

#[test]
fn config_set_port_moves_the_listener_and_a_taken_port_is_refused() {
    let s = Server::start();
    let mut r = s.raw();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port().to_string();
    assert_eq!(
        r.cmd_str(&["CONFIG", "SET", "port", &taken_port]),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n"
    );
    assert_eq!(
        r.cmd_str(&["CONFIG", "GET", "port"]),
        format!(
            "*2\r\n$4\r\nport\r\n${}\r\n{}\r\n",
            s.port.to_string().len(),
            s.port
        )
    );
    // The old port still accepts connections.
    assert_eq!(s.raw().cmd_str(&["PING"]), "+PONG\r\n");
    let new_port = common::free_port();
    assert_eq!(
        r.cmd_str(&["CONFIG", "SET", "port", &new_port.to_string()]),
        "+OK\r\n"
    );
    assert_eq!(Raw::connect(new_port).cmd_str(&["PING"]), "+PONG\r\n");
    assert!(
        TcpStream::connect(("127.0.0.1", s.port)).is_err(),
        "old port still listening"
    );
    // The connection that ran CONFIG SET is unaffected.
    assert_eq!(r.cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn version_flags_and_bad_options_behave_like_redis_server() {
    let bin = env!("CARGO_BIN_EXE_carmine");
    for flag in ["-v", "--version"] {
        let out = std::process::Command::new(bin)
            .arg(flag)
            .output()
            .expect("run");
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("7.0.15"));
    }
    let out = std::process::Command::new(bin)
        .args(["--port", "abc"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"),
        "{err}"
    );
    assert!(err.contains(">>> 'port \"abc\"'"), "{err}");
    assert!(
        err.contains("argument couldn't be parsed into an integer"),
        "{err}"
    );
}
