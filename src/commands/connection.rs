//! Connection commands: PING, ECHO, QUIT, AUTH, HELLO, SELECT, RESET.
//!
//! These work on the calling client's [`Session`] only: its protocol, name, selected database and
//! authentication. Authentication knows one user, `default`, whose password is `requirepass`
//! (no password configured = `nopass`, any password is accepted when a user name is given);
//! [`authenticate`] is the single place an ACL module will replace.
//!
//! HELLO follows Redis 7.0's order to the letter: the protocol version is checked first, then the
//! options are applied left to right as they are parsed (so `SETNAME` takes effect even when a
//! later option is refused), then the client must be authenticated, and only then does the
//! protocol switch. [`monitor_redactions`] says which arguments MONITOR shows as `(redacted)`.

use bytes::Bytes;

use super::args::{Args, arg, is, parse_i64};
use super::ctx::flags;
use super::{CmdError, Core, Ctx, Handler, Session};
use crate::protocol::reply::Protocol;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("ping", ping),
    ("echo", echo),
    ("quit", quit),
    ("auth", auth),
    ("hello", hello),
    ("select", select),
    ("reset", reset),
];

/// PING [message]: `+PONG`, or the message as a bulk.
fn ping(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 2 {
        return Err(CmdError::WrongArity("ping".to_string()));
    }
    if super::pubsub::subscribed_ping(ctx, argv.get(1)) {
        return Ok(());
    }
    match argv.get(1) {
        Some(m) => ctx.reply.bulk(m),
        None => ctx.reply.simple(b"PONG"),
    }
    Ok(())
}

/// ECHO message: the message as a bulk.
fn echo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.bulk(arg(argv, 1));
    Ok(())
}

/// QUIT: `+OK`, then the connection closes once the reply is written (extra arguments ignored).
fn quit(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.ok();
    ctx.session.flags |= flags::CLOSE_AFTER_REPLY;
    Ok(())
}

/// AUTH [username] password: `+OK` or WRONGPASS. The one-argument form is refused when the
/// default user has no password.
fn auth(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        if ctx.core.config.requirepass.is_none() {
            return Err(CmdError::Static(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            ));
        }
        (b"default", arg(argv, 1))
    } else {
        (arg(argv, 1), arg(argv, 2))
    };
    if !authenticate(ctx.core, ctx.session, user, pass) {
        return Err(CmdError::WrongPass);
    }
    ctx.reply.ok();
    Ok(())
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]: switches the protocol and
/// answers with the server's description as a map.
fn hello(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut proto = None;
    if let Some(v) = argv.get(1) {
        let v = parse_i64(v).map_err(|_| {
            CmdError::Static("ERR Protocol version is not an integer or out of range")
        })?;
        proto = Some(match v {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(CmdError::Static("NOPROTO unsupported protocol version")),
        });
    }
    let mut args = Args::new(argv, 2);
    while let Some(opt) = args.next() {
        let more = args.remaining();
        if is(opt, "AUTH") && more >= 2 {
            let (user, pass) = (args.required()?, args.required()?);
            if !authenticate(ctx.core, ctx.session, user, pass) {
                return Err(CmdError::WrongPass);
            }
        } else if is(opt, "SETNAME") && more >= 1 {
            let name = args.required()?;
            // Redis 7.0 applies the name as soon as it is parsed.
            set_name(ctx.session, name)?;
        } else {
            return Err(CmdError::Other(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if !ctx.session.authenticated {
        return Err(CmdError::Static(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    if let Some(p) = proto {
        ctx.session.proto = p;
        // The reply goes out in the protocol just chosen.
        ctx.reply.set_protocol(p);
    }
    let cfg = &ctx.core.config;
    let mode = if cfg.cluster_enabled {
        "cluster"
    } else {
        "standalone"
    };
    let role = if cfg.replicaof.is_some() {
        "replica"
    } else {
        "master"
    };
    ctx.reply.map_len(7);
    ctx.reply.bulk(b"server");
    ctx.reply.bulk(b"redis");
    ctx.reply.bulk(b"version");
    ctx.reply.bulk(crate::REDIS_VERSION.as_bytes());
    ctx.reply.bulk(b"proto");
    ctx.reply.int(ctx.session.proto.version());
    ctx.reply.bulk(b"id");
    ctx.reply
        .int(i64::try_from(ctx.session.id).unwrap_or(i64::MAX));
    ctx.reply.bulk(b"mode");
    ctx.reply.bulk(mode.as_bytes());
    ctx.reply.bulk(b"role");
    ctx.reply.bulk(role.as_bytes());
    ctx.reply.bulk(b"modules");
    ctx.reply.array_len(0);
    Ok(())
}

/// SELECT index: switches the client's database.
fn select(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let id = parse_i64(arg(argv, 1))?;
    let id = i32::try_from(id).map_err(|_| {
        CmdError::Static("ERR value is out of range, value must between -2147483648 and 2147483647")
    })?;
    if ctx.core.config.cluster_enabled && id != 0 {
        return Err(CmdError::Static(
            "ERR SELECT is not allowed in cluster mode",
        ));
    }
    let idx = usize::try_from(id).map_err(|_| CmdError::DbIndexOutOfRange)?;
    if idx >= ctx.core.dbs.count() {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.session.db = idx;
    ctx.reply.ok();
    Ok(())
}

/// RESET: back to a fresh connection's state (db 0, RESP2, no name, not a MONITOR, replies on,
/// authenticated only if no password is needed); answers `+RESET`.
fn reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::pubsub::reset(ctx);
    reset_session(ctx.core, ctx.session);
    ctx.reply.simple(b"RESET");
    Ok(())
}

/// Clears a session's connection state as RESET does (Redis's clearClientConnectionState).
///
/// NO-EVICT survives, as in Redis 7.0. The MONITOR flag goes; the server drops the client from
/// its monitor list when it sees the flag is gone.
pub(crate) fn reset_session(core: &mut Core, session: &mut Session) {
    super::transactions::reset_transaction(core, session);
    super::server::client::disable_tracking(core, session);
    session.flags &= !(flags::MONITOR | flags::REPLY_OFF | flags::REPLY_SKIP_NEXT);
    session.db = 0;
    session.proto = Protocol::Resp2;
    session.name = None;
    session.user = "default".to_string();
    session.authenticated = core.config.requirepass.is_none();
}

/// Checks `user`/`pass` and, if they match, logs the session in as that user.
///
/// Only `default` exists: its password is `requirepass`, and without one it is `nopass` (any
/// password matches). The comparison takes the same time wherever the first difference is.
pub(crate) fn authenticate(core: &Core, session: &mut Session, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    let ok = match &core.config.requirepass {
        None => true,
        Some(p) => constant_time_eq(p, pass),
    };
    if ok {
        session.authenticated = true;
        session.user = "default".to_string();
    }
    ok
}

/// Sets (or with an empty name, clears) the client name, refusing what CLIENT SETNAME refuses.
pub(crate) fn set_name(session: &mut Session, name: &[u8]) -> Result<(), CmdError> {
    if name.is_empty() {
        session.name = None;
        return Ok(());
    }
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(CmdError::Static(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    session.name = Some(Bytes::copy_from_slice(name));
    Ok(())
}

/// For MONITOR: which argument positions of `argv` Redis 7.0 shows as `"(redacted)"`.
///
/// AUTH hides its password (and user name) unless it has too many arguments; HELLO hides the
/// two values after each AUTH option it reaches while parsing; MIGRATE hides the AUTH password
/// and the AUTH2 user name and password.
pub(crate) fn monitor_redactions(argv: &[Bytes]) -> Vec<usize> {
    let name = arg(argv, 0);
    let mut out = Vec::new();
    if is(name, "auth") {
        if argv.len() <= 3 {
            out.extend(1..argv.len());
        }
    } else if is(name, "hello") {
        if argv.len() >= 2 && parse_i64(arg(argv, 1)).is_ok_and(|v| v == 2 || v == 3) {
            let mut j = 2;
            while j < argv.len() {
                let more = argv.len() - j - 1;
                let opt = arg(argv, j);
                if is(opt, "AUTH") && more >= 2 {
                    out.extend([j + 1, j + 2]);
                    j += 3;
                } else if is(opt, "SETNAME") && more >= 1 {
                    if let Some(n) = argv.get(j + 1)
                        && set_name(&mut Session::new(0, true), n).is_err()
                    {
                        break;
                    }
                    j += 2;
                } else {
                    break;
                }
            }
        }
    } else if is(name, "migrate") {
        let mut j = 6;
        while j < argv.len() {
            let more = argv.len() - j - 1;
            let opt = arg(argv, j);
            if is(opt, "AUTH") && more >= 1 {
                out.push(j + 1);
                j += 2;
            } else if is(opt, "AUTH2") && more >= 2 {
                out.extend([j + 1, j + 2]);
                j += 3;
            } else if is(opt, "COPY") || is(opt, "REPLACE") {
                j += 1;
            } else {
                break;
            }
        }
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(!x);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::config::Config;
    use crate::protocol::value::Reply;

    fn with_password() -> Harness {
        let mut config = Config::default();
        config.requirepass = Some(b"secret".to_vec());
        let mut h = Harness::with_config(config);
        h.session.authenticated = false;
        h
    }

    fn hello_map(proto: i64, id: i64) -> Reply {
        let pairs = [
            ("server", bulk("redis")),
            ("version", bulk("7.0.15")),
            ("proto", Reply::Int(proto)),
            ("id", Reply::Int(id)),
            ("mode", bulk("standalone")),
            ("role", bulk("master")),
            ("modules", Reply::Array(vec![])),
        ];
        Reply::Map(pairs.into_iter().map(|(k, v)| (bulk(k), v)).collect())
    }

    const NOAUTH_HELLO: &str = "NOAUTH HELLO must be called with the client already \
        authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to \
        authenticate the client and select the RESP protocol version at the same time";

    #[test]
    fn ping_and_echo() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["PING"]), Reply::simple("PONG"));
        assert_eq!(h.run(&["ping", "hello"]), bulk("hello"));
        assert_eq!(
            h.run(&["PING", "a", "b"]),
            err("ERR wrong number of arguments for 'ping' command")
        );
        assert_eq!(h.run(&["ECHO", "x y"]), bulk("x y"));
        assert_eq!(
            h.run(&["ECHO"]),
            err("ERR wrong number of arguments for 'echo' command")
        );
        assert_eq!(
            h.run(&["ECHO", "a", "b"]),
            err("ERR wrong number of arguments for 'echo' command")
        );
    }

    #[test]
    fn quit_answers_ok_and_closes_after_reply() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["QUIT", "extra", "args"]), Reply::simple("OK"));
        assert!(h.session.has(flags::CLOSE_AFTER_REPLY));
    }

    #[test]
    fn auth_without_a_configured_password() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["AUTH", "p"]),
            err(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?"
            )
        );
        // The default user is nopass: any password works with the two-argument form.
        assert_eq!(h.run(&["AUTH", "default", "anything"]), Reply::simple("OK"));
        let wrongpass = err("WRONGPASS invalid username-password pair or user is disabled.");
        assert_eq!(h.run(&["AUTH", "u", "p"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["AUTH"]),
            err("ERR wrong number of arguments for 'auth' command")
        );
    }

    #[test]
    fn auth_with_requirepass() {
        let mut h = with_password();
        let wrongpass = err("WRONGPASS invalid username-password pair or user is disabled.");
        assert_eq!(h.run(&["PING"]), err("NOAUTH Authentication required."));
        assert_eq!(h.run(&["AUTH", "wrong"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "default", "wrong"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "foo", "secret"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "secre"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "secrets"]), wrongpass);
        assert!(!h.session.authenticated);
        assert_eq!(h.run(&["AUTH", "secret"]), Reply::simple("OK"));
        assert_eq!(h.run(&["PING"]), Reply::simple("PONG"));
        assert_eq!(h.run(&["AUTH", "default", "secret"]), Reply::simple("OK"));
        // A failed AUTH does not log an authenticated client out.
        assert_eq!(h.run(&["AUTH", "nope"]), wrongpass);
        assert!(h.session.authenticated);
    }

    #[test]
    fn hello_replies_with_the_server_map() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["HELLO"]), hello_map(2, 1));
        assert_eq!(h.run(&["HELLO", "2"]), hello_map(2, 1));
        assert_eq!(h.run(&["HELLO", "3"]), hello_map(3, 1));
        assert_eq!(h.session.proto, Protocol::Resp3);
        assert_eq!(h.run(&["HELLO"]), hello_map(3, 1));
        assert_eq!(h.run(&["HELLO", "2"]), hello_map(2, 1));
        assert_eq!(h.session.proto, Protocol::Resp2);
    }

    #[test]
    fn hello_protocol_errors() {
        let mut h = Harness::new();
        let not_int = err("ERR Protocol version is not an integer or out of range");
        for v in ["x", "2.0", "03", "99999999999999999999", ""] {
            assert_eq!(h.run(&["HELLO", v]), not_int, "{v}");
        }
        for v in ["1", "4", "-1", "0"] {
            assert_eq!(
                h.run(&["HELLO", v]),
                err("NOPROTO unsupported protocol version"),
                "{v}"
            );
        }
        assert_eq!(h.session.proto, Protocol::Resp2);
    }

    #[test]
    fn hello_options() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH"]),
            err("ERR Syntax error in HELLO option 'AUTH'")
        );
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "a"]),
            err("ERR Syntax error in HELLO option 'AUTH'")
        );
        assert_eq!(
            h.run(&["HELLO", "3", "SETNAME"]),
            err("ERR Syntax error in HELLO option 'SETNAME'")
        );
        assert_eq!(
            h.run(&["HELLO", "3", "foo"]),
            err("ERR Syntax error in HELLO option 'foo'")
        );
        assert_eq!(h.session.proto, Protocol::Resp2);
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "u", "p"]),
            err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(
            h.run(&["HELLO", "3", "SETNAME", "a b"]),
            err("ERR Client names cannot contain spaces, newlines or special characters.")
        );
        // SETNAME applies as soon as it is parsed, even when a later option fails.
        assert_eq!(
            h.run(&["HELLO", "3", "SETNAME", "n", "foo"]),
            err("ERR Syntax error in HELLO option 'foo'")
        );
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), bulk("n"));
        assert_eq!(
            h.run(&["hello", "2", "setname", "x", "SETNAME", "y"]),
            hello_map(2, 1)
        );
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), bulk("y"));
        assert_eq!(h.run(&["HELLO", "2", "SETNAME", ""]), hello_map(2, 1));
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        assert_eq!(
            h.run(&["HELLO", "3", "auth", "default", "x", "setname", "z"]),
            hello_map(3, 1)
        );
    }

    #[test]
    fn hello_before_authentication() {
        let mut h = with_password();
        assert_eq!(h.run(&["HELLO"]), err(NOAUTH_HELLO));
        assert_eq!(h.run(&["HELLO", "3"]), err(NOAUTH_HELLO));
        // The name is set although the command is refused (Redis 7.0 order).
        assert_eq!(h.run(&["HELLO", "3", "SETNAME", "abc"]), err(NOAUTH_HELLO));
        assert_eq!(h.session.name.as_deref(), Some(&b"abc"[..]));
        assert_eq!(h.session.proto, Protocol::Resp2);
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "default", "wrong"]),
            err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "default", "secret"]),
            hello_map(3, 1)
        );
        assert!(h.session.authenticated);
    }

    #[test]
    fn hello_reports_cluster_mode_and_replica_role() {
        let mut config = Config::default();
        config.cluster_enabled = true;
        config.replicaof = Some(("127.0.0.1".to_string(), 6379));
        let mut h = Harness::with_config(config);
        let Reply::Map(pairs) = h.run(&["HELLO", "3"]) else {
            panic!("not a map")
        };
        assert_eq!(pairs.get(4), Some(&(bulk("mode"), bulk("cluster"))));
        assert_eq!(pairs.get(5), Some(&(bulk("role"), bulk("replica"))));
    }

    #[test]
    fn select() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SELECT", "1"]), Reply::simple("OK"));
        assert_eq!(h.session.db, 1);
        assert_eq!(h.run(&["SELECT", "15"]), Reply::simple("OK"));
        for bad in ["16", "-1"] {
            assert_eq!(h.run(&["SELECT", bad]), err("ERR DB index is out of range"));
        }
        for bad in ["x", "1.5", ""] {
            assert_eq!(
                h.run(&["SELECT", bad]),
                err("ERR value is not an integer or out of range")
            );
        }
        let range = err("ERR value is out of range, value must between -2147483648 and 2147483647");
        for bad in ["2147483648", "-2147483649", "99999999999"] {
            assert_eq!(h.run(&["SELECT", bad]), range);
        }
        assert_eq!(h.session.db, 15);
        assert_eq!(
            h.run(&["SELECT"]),
            err("ERR wrong number of arguments for 'select' command")
        );
    }

    #[test]
    fn select_in_cluster_mode() {
        let mut config = Config::default();
        config.cluster_enabled = true;
        let mut h = Harness::with_config(config);
        assert_eq!(h.run(&["SELECT", "0"]), Reply::simple("OK"));
        assert_eq!(
            h.run(&["SELECT", "1"]),
            err("ERR SELECT is not allowed in cluster mode")
        );
    }

    #[test]
    fn reset_restores_a_fresh_connection() {
        let mut h = Harness::new();
        h.run(&["SELECT", "3"]);
        h.run(&["HELLO", "3", "SETNAME", "nm"]);
        h.run(&["CLIENT", "NO-EVICT", "on"]);
        h.run(&["MONITOR"]);
        h.session.flags |= flags::REPLY_OFF;
        assert_eq!(h.run(&["RESET"]), Reply::simple("RESET"));
        assert_eq!(h.session.db, 0);
        assert_eq!(h.session.proto, Protocol::Resp2);
        assert_eq!(h.session.name, None);
        assert!(!h.session.has(flags::MONITOR | flags::REPLY_OFF));
        // NO-EVICT survives RESET in Redis 7.0.
        assert!(h.session.has(flags::NO_EVICT));
        assert!(h.session.authenticated);
        assert_eq!(
            h.run(&["RESET", "x"]),
            err("ERR wrong number of arguments for 'reset' command")
        );
    }

    #[test]
    fn reset_logs_out_when_a_password_is_required() {
        let mut h = with_password();
        assert_eq!(h.run(&["AUTH", "secret"]), Reply::simple("OK"));
        assert_eq!(h.run(&["RESET"]), Reply::simple("RESET"));
        assert!(!h.session.authenticated);
        assert_eq!(h.run(&["PING"]), err("NOAUTH Authentication required."));
    }

    #[test]
    fn monitor_redactions_follow_redis() {
        let argv = |w: &[&str]| -> Vec<Bytes> {
            w.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        assert_eq!(monitor_redactions(&argv(&["AUTH", "x"])), vec![1]);
        assert_eq!(monitor_redactions(&argv(&["auth", "u", "p"])), vec![1, 2]);
        assert!(monitor_redactions(&argv(&["AUTH", "a", "b", "c"])).is_empty());
        assert_eq!(
            monitor_redactions(&argv(&[
                "HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n"
            ])),
            vec![3, 4]
        );
        assert_eq!(
            monitor_redactions(&argv(&["HELLO", "3", "SETNAME", "n", "AUTH", "u", "p"])),
            vec![5, 6]
        );
        assert!(monitor_redactions(&argv(&["HELLO", "x", "AUTH", "u", "p"])).is_empty());
        assert!(
            monitor_redactions(&argv(&["HELLO", "3", "SETNAME", "a b", "AUTH", "u", "p"]))
                .is_empty()
        );
        assert_eq!(
            monitor_redactions(&argv(&[
                "MIGRATE", "h", "1", "k", "0", "10", "COPY", "AUTH", "pw"
            ])),
            vec![8]
        );
        assert_eq!(
            monitor_redactions(&argv(&[
                "MIGRATE", "h", "1", "", "0", "10", "AUTH2", "u", "pw", "KEYS", "a"
            ])),
            vec![7, 8]
        );
        assert!(monitor_redactions(&argv(&["GET", "AUTH"])).is_empty());
    }

    #[test]
    fn names_accept_only_printable_ascii_without_spaces() {
        let mut s = Session::new(1, true);
        assert!(set_name(&mut s, b"ok-name_1!~").is_ok());
        for bad in [&b"a b"[..], b"a\nb", b"a\x01b", "é".as_bytes(), b"a\x7f"] {
            assert!(set_name(&mut s, bad).is_err());
        }
        assert_eq!(s.name.as_deref(), Some(&b"ok-name_1!~"[..]));
    }
}
