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
    // The reply goes out in the protocol just chosen. A RESP3 sink can write the RESP2 shape
    // itself; the other way round needs the sink to switch (see the note in the lead's report).
    if ctx.reply.protocol() == Protocol::Resp3 && ctx.session.proto == Protocol::Resp2 {
        ctx.reply.array_len(14);
    } else {
        ctx.reply.map_len(7);
    }
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
    reset_session(ctx.core, ctx.session);
    ctx.reply.simple(b"RESET");
    Ok(())
}

/// Clears a session's connection state as RESET does (Redis's clearClientConnectionState).
///
/// NO-EVICT survives, as in Redis 7.0. The MONITOR flag goes; the server drops the client from
/// its monitor list when it sees the flag is gone.
pub(crate) fn reset_session(core: &Core, session: &mut Session) {
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
