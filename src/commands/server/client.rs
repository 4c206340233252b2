//! CLIENT subcommands: ID, INFO, LIST, KILL, SETNAME, GETNAME, PAUSE, UNPAUSE, REPLY, NO-EVICT,
//! GETREDIR, TRACKINGINFO and HELP, as Redis 7.0.15 has them (no SETINFO, NO-TOUCH or MAXAGE:
//! those came with 7.2).
//!
//! Subcommands about the caller alone work on its [`Session`]; the others reach the other
//! clients through [`ServerOps`]: a filter closure over [`ClientInfo`] selects which clients
//! CLIENT LIST prints or CLIENT KILL closes. Argument errors follow Redis's parsing order, so the
//! first bad option decides the error text.

use bytes::Bytes;

use crate::commands::args::{Args, arg, is, parse_i64};
use crate::commands::connection::set_name;
use crate::commands::ctx::{ClientInfo, flags};
use crate::commands::{CmdError, Ctx, Handler};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("client|id", client_id),
    ("client|info", client_info),
    ("client|list", client_list),
    ("client|kill", client_kill),
    ("client|setname", client_setname),
    ("client|getname", client_getname),
    ("client|pause", client_pause),
    ("client|unpause", client_unpause),
    ("client|reply", client_reply),
    ("client|no-evict", client_no_evict),
    ("client|getredir", client_getredir),
    ("client|trackinginfo", client_trackinginfo),
    ("client|help", client_help),
];

/// CLIENT ID: the caller's id.
fn client_id(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply
        .int(i64::try_from(ctx.session.id).unwrap_or(i64::MAX));
    Ok(())
}

/// CLIENT INFO: the caller's CLIENT LIST line (verbatim text in RESP3).
fn client_info(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let text = ctx
        .server
        .client_list(ctx.session, &|c: &ClientInfo| c.is_me);
    ctx.reply.verbatim("txt", &text);
    Ok(())
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]: one line per client.
///
/// With ID the lines come in the order the ids are given (repeats included); ids that parse but
/// match no client are skipped.
fn client_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let text = if argv.len() == 4 && is(arg(argv, 2), "TYPE") {
        let kind = client_type(arg(argv, 3))?;
        ctx.server
            .client_list(ctx.session, &|c: &ClientInfo| c.kind == kind)
    } else if argv.len() > 3 && is(arg(argv, 2), "ID") {
        let ids = argv
            .get(3..)
            .unwrap_or_default()
            .iter()
            .map(|a| parse_i64(a).map_err(|_| CmdError::Static("ERR Invalid client ID")))
            .collect::<Result<Vec<i64>, _>>()?;
        let mut text = Vec::new();
        for id in ids {
            let Ok(id) = u64::try_from(id) else { continue };
            text.extend(
                ctx.server
                    .client_list(ctx.session, &|c: &ClientInfo| c.id == id),
            );
        }
        text
    } else if argv.len() != 2 {
        return Err(CmdError::Syntax);
    } else {
        ctx.server.client_list(ctx.session, &|_: &ClientInfo| true)
    };
    ctx.reply.verbatim("txt", &text);
    Ok(())
}

/// CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR addr] [LADDR addr]
/// [SKIPME yes|no].
///
/// The old form answers `+OK` or "No such client" and may close the caller; the new form counts
/// the clients closed and skips the caller unless `SKIPME no`.
fn client_kill(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut f = KillFilter::default();
    let old_form = argv.len() == 3;
    if old_form {
        f.addr = Some(arg(argv, 2).to_vec());
        f.skipme = false;
    } else if argv.len() % 2 == 0 {
        let mut args = Args::new(argv, 2);
        while let (Some(opt), Some(val)) = (args.next(), args.next()) {
            if is(opt, "ID") {
                let id = parse_i64(val).ok().filter(|&v| v >= 1);
                let id = id.ok_or(CmdError::Static("ERR client-id should be greater than 0"))?;
                f.id = u64::try_from(id).ok();
            } else if is(opt, "TYPE") {
                f.kind = Some(client_type(val)?);
            } else if is(opt, "ADDR") {
                f.addr = Some(val.to_vec());
            } else if is(opt, "LADDR") {
                f.laddr = Some(val.to_vec());
            } else if is(opt, "USER") {
                // Only the default user exists until ACLs do.
                if val.as_ref() != b"default" {
                    return Err(CmdError::Other(format!(
                        "ERR No such user '{}'",
                        String::from_utf8_lossy(val)
                    )));
                }
                f.user = Some(String::from_utf8_lossy(val).into_owned());
            } else if is(opt, "SKIPME") {
                f.skipme = if is(val, "yes") {
                    true
                } else if is(val, "no") {
                    false
                } else {
                    return Err(CmdError::Syntax);
                };
            } else {
                return Err(CmdError::Syntax);
            }
        }
    } else {
        return Err(CmdError::Syntax);
    }
    let killed = ctx
        .server
        .kill_clients(ctx.session, &|c: &ClientInfo| f.matches(c));
    if old_form {
        if killed == 0 {
            return Err(CmdError::Static("ERR No such client"));
        }
        ctx.reply.ok();
    } else {
        ctx.reply.int(i64::try_from(killed).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// CLIENT SETNAME name: names the connection; an empty name clears it.
fn client_setname(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    set_name(ctx.session, arg(argv, 2))?;
    ctx.reply.ok();
    Ok(())
}

/// CLIENT GETNAME: the name, or null.
fn client_getname(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    match &ctx.session.name {
        Some(n) => ctx.reply.bulk(n),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE|ALL]: holds clients back for `timeout` ms (all commands, or only
/// those that may write). The mode is checked before the timeout, as in Redis.
fn client_pause(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 4 {
        return Err(subcommand_syntax(argv));
    }
    let mut writes_only = false;
    if let Some(mode) = argv.get(3) {
        if is(mode, "WRITE") {
            writes_only = true;
        } else if !is(mode, "ALL") {
            return Err(CmdError::Static(
                "ERR CLIENT PAUSE mode must be WRITE or ALL",
            ));
        }
    }
    let timeout = parse_i64(arg(argv, 2))
        .map_err(|_| CmdError::Static("ERR timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::Static("ERR timeout is negative"));
    }
    let until = if timeout > 0 {
        timeout
            .checked_add(ctx.now_ms)
            .ok_or(CmdError::Static("ERR timeout is out of range"))?
    } else {
        0
    };
    ctx.server.pause_clients(until, writes_only);
    ctx.reply.ok();
    Ok(())
}

/// CLIENT UNPAUSE: ends a CLIENT PAUSE.
fn client_unpause(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.server.unpause_clients();
    ctx.reply.ok();
    Ok(())
}

/// CLIENT REPLY ON|OFF|SKIP: ON answers `+OK`; OFF and SKIP answer nothing. SKIP while OFF
/// changes nothing.
fn client_reply(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mode = arg(argv, 2);
    if is(mode, "ON") {
        ctx.session.flags &= !(flags::REPLY_OFF | flags::REPLY_SKIP);
        ctx.reply.ok();
    } else if is(mode, "OFF") {
        ctx.session.flags |= flags::REPLY_OFF;
    } else if is(mode, "SKIP") {
        if !ctx.session.has(flags::REPLY_OFF) {
            ctx.session.flags |= flags::REPLY_SKIP_NEXT;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

/// CLIENT NO-EVICT ON|OFF: exempts the connection from client eviction.
fn client_no_evict(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mode = arg(argv, 2);
    if is(mode, "ON") {
        ctx.session.flags |= flags::NO_EVICT;
    } else if is(mode, "OFF") {
        ctx.session.flags &= !flags::NO_EVICT;
    } else {
        return Err(CmdError::Syntax);
    }
    ctx.reply.ok();
    Ok(())
}

/// CLIENT GETREDIR: the tracking redirection id; -1 as tracking is never on.
fn client_getredir(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.int(-1);
    Ok(())
}

/// CLIENT TRACKINGINFO: `flags` (a set: `off`), `redirect` -1, `prefixes` empty.
fn client_trackinginfo(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.map_len(3);
    ctx.reply.bulk(b"flags");
    ctx.reply.set_len(1);
    ctx.reply.bulk(b"off");
    ctx.reply.bulk(b"redirect");
    ctx.reply.int(-1);
    ctx.reply.bulk(b"prefixes");
    ctx.reply.array_len(0);
    Ok(())
}

/// CLIENT HELP: the help lines as status replies.
fn client_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.array_len(HELP.len() + 3);
    ctx.reply
        .simple(b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for line in HELP {
        ctx.reply.simple(line.as_bytes());
    }
    ctx.reply.simple(b"HELP");
    ctx.reply.simple(b"    Prints this help.");
    Ok(())
}

/// What CLIENT KILL's options select; unset fields match every client.
struct KillFilter {
    id: Option<u64>,
    kind: Option<&'static str>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    user: Option<String>,
    skipme: bool,
}

impl Default for KillFilter {
    fn default() -> Self {
        KillFilter {
            id: None,
            kind: None,
            addr: None,
            laddr: None,
            user: None,
            skipme: true,
        }
    }
}

impl KillFilter {
    fn matches(&self, c: &ClientInfo) -> bool {
        self.addr
            .as_ref()
            .is_none_or(|a| a.as_slice() == c.addr.as_bytes())
            && self
                .laddr
                .as_ref()
                .is_none_or(|a| a.as_slice() == c.laddr.as_bytes())
            && self.kind.is_none_or(|k| k == c.kind)
            && self.id.is_none_or(|id| id == c.id)
            && self.user.as_ref().is_none_or(|u| *u == c.user)
            && !(c.is_me && self.skipme)
    }
}

/// A client type name as CLIENT LIST/KILL TYPE take it ("slave" is "replica").
fn client_type(name: &[u8]) -> Result<&'static str, CmdError> {
    for (word, kind) in [
        ("normal", "normal"),
        ("slave", "replica"),
        ("replica", "replica"),
        ("pubsub", "pubsub"),
        ("master", "master"),
    ] {
        if is(name, word) {
            return Ok(kind);
        }
    }
    Err(CmdError::Other(format!(
        "ERR Unknown client type '{}'",
        String::from_utf8_lossy(name)
    )))
}

/// Redis's addReplySubcommandSyntaxError, with the subcommand as the client typed it.
fn subcommand_syntax(argv: &[Bytes]) -> CmdError {
    CmdError::Other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
        String::from_utf8_lossy(arg(argv, 1))
    ))
}

/// CLIENT HELP's body, between the header line and HELP's own entry (Redis 7.0.15's text).
const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];
