//! CLIENT subcommands: ID, INFO, LIST, KILL, SETNAME, GETNAME, PAUSE, UNPAUSE, REPLY, NO-EVICT,
//! TRACKING, CACHING, GETREDIR, TRACKINGINFO and HELP, as Redis 7.0.15 has them (no SETINFO, NO-TOUCH or MAXAGE:
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
use crate::commands::{CmdError, Ctx, Handler, Session};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("client|id", client_id),
    ("client|info", client_info),
    ("client|list", client_list),
    ("client|kill", client_kill),
    ("client|setname", client_setname),
    ("client|getname", client_getname),
    ("client|pause", client_pause),
    ("client|unblock", client_unblock),
    ("client|unpause", client_unpause),
    ("client|reply", client_reply),
    ("client|no-evict", client_no_evict),
    ("client|tracking", client_tracking),
    ("client|caching", client_caching),
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
    } else if argv.len().is_multiple_of(2) {
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
    // Redis 7.0.15 adds the time without an overflow check: a huge timeout wraps into the past
    // and the pause ends at once (the reply is still +OK).
    let until = if timeout > 0 {
        timeout.wrapping_add(ctx.now_ms)
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

/// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]:
/// turns client-side caching on or off for the caller; OK.
///
/// Options are parsed (and REDIRECT's client looked up) for OFF too. ON refuses, in Redis's
/// order: PREFIX without BCAST, switching BCAST or OPTIN/OPTOUT while tracking is on, BCAST
/// with OPTIN/OPTOUT, OPTIN with OPTOUT, and BCAST prefixes that overlap each other or the
/// client's existing ones.
fn client_tracking(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut redirect = 0u64;
    let mut opts = 0u32;
    let mut prefixes: Vec<Bytes> = Vec::new();
    let mut j = 3;
    while let Some(opt) = argv.get(j) {
        let value = argv.get(j + 1);
        if is(opt, "REDIRECT") && value.is_some() {
            j += 1;
            if redirect != 0 {
                return Err(CmdError::Static(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = parse_i64(arg(argv, j))?;
            // Client ids start at 1: zero and negative ids name no client.
            redirect = u64::try_from(id).unwrap_or(0);
            if redirect == 0 || ctx.server.client_slot(ctx.session, redirect).is_none() {
                return Err(CmdError::Static(
                    "ERR The client ID you want redirect to does not exist",
                ));
            }
        } else if is(opt, "BCAST") {
            opts |= flags::TRACKING_BCAST;
        } else if is(opt, "OPTIN") {
            opts |= flags::TRACKING_OPTIN;
        } else if is(opt, "OPTOUT") {
            opts |= flags::TRACKING_OPTOUT;
        } else if is(opt, "NOLOOP") {
            opts |= flags::TRACKING_NOLOOP;
        } else if let (true, Some(p)) = (is(opt, "PREFIX"), value) {
            j += 1;
            prefixes.push(p.clone());
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let mode = arg(argv, 2);
    if is(mode, "ON") {
        check_tracking_options(ctx, opts, &prefixes)?;
        enable_tracking(ctx, redirect, opts, &prefixes);
    } else if is(mode, "OFF") {
        disable_tracking(ctx.core, ctx.session);
    } else {
        return Err(CmdError::Syntax);
    }
    ctx.reply.ok();
    Ok(())
}

/// CLIENT TRACKING ON's consistency checks, in Redis's order.
fn check_tracking_options(ctx: &Ctx<'_>, opts: u32, prefixes: &[Bytes]) -> Result<(), CmdError> {
    let s = &*ctx.session;
    let bcast = opts & flags::TRACKING_BCAST != 0;
    let (optin, optout) = (
        opts & flags::TRACKING_OPTIN != 0,
        opts & flags::TRACKING_OPTOUT != 0,
    );
    if !bcast && !prefixes.is_empty() {
        return Err(CmdError::Static(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if s.has(flags::TRACKING) && s.has(flags::TRACKING_BCAST) != bcast {
        return Err(CmdError::Static(
            "ERR You can't switch BCAST mode on/off before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    if bcast && (optin || optout) {
        return Err(CmdError::Static(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if optin && optout {
        return Err(CmdError::Static(
            "ERR You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if (optin && s.has(flags::TRACKING_OPTOUT)) || (optout && s.has(flags::TRACKING_OPTIN)) {
        return Err(CmdError::Static(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    if bcast {
        use crate::tracking::PrefixError;
        let (fmt, new, old) = match ctx.core.tracking.check_prefixes(s.id, prefixes) {
            Ok(()) => return Ok(()),
            Err(PrefixError::Existing(new, old)) => ("an existing", new, old),
            Err(PrefixError::Provided(new, old)) => ("another provided", new, old),
        };
        return Err(CmdError::Other(format!(
            "ERR Prefix '{}' overlaps with {fmt} prefix '{}'. Prefixes for a single client \
             must not overlap.",
            c_string(&new),
            c_string(&old)
        )));
    }
    Ok(())
}

/// The text `%s` prints for a binary-safe string: up to its first NUL byte.
fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned()
}

/// Redis's enableTracking: the mode flags are replaced (CACHING survives), the redirect set.
fn enable_tracking(ctx: &mut Ctx<'_>, redirect: u64, opts: u32, prefixes: &[Bytes]) {
    let slot = ctx
        .server
        .client_slot(ctx.session, ctx.session.id)
        .unwrap_or(0);
    let redirect_slot = ctx.server.client_slot(ctx.session, redirect).unwrap_or(0);
    let s = &mut *ctx.session;
    s.flags &= !(flags::TRACKING_BROKEN_REDIR
        | flags::TRACKING_BCAST
        | flags::TRACKING_OPTIN
        | flags::TRACKING_OPTOUT
        | flags::TRACKING_NOLOOP);
    s.flags |= flags::TRACKING
        | (opts
            & (flags::TRACKING_BCAST
                | flags::TRACKING_OPTIN
                | flags::TRACKING_OPTOUT
                | flags::TRACKING_NOLOOP));
    s.tracking_redirect = redirect;
    let state = crate::tracking::TrackedClient {
        slot,
        redirect,
        redirect_slot,
        bcast: opts & flags::TRACKING_BCAST != 0,
        noloop: opts & flags::TRACKING_NOLOOP != 0,
        prefixes: Default::default(),
    };
    ctx.core.tracking.enable(s.id, state, prefixes);
}

/// Turns tracking off for `session` (CLIENT TRACKING OFF, RESET): Redis's disableTracking.
pub(crate) fn disable_tracking(core: &mut crate::commands::Core, session: &mut Session) {
    core.tracking.disable(session.id);
    if session.has(flags::TRACKING) {
        session.flags &= !flags::TRACKING_ALL;
    }
}

/// CLIENT CACHING YES|NO: in OPTIN mode YES tracks the next command's reads (or the next
/// transaction's); in OPTOUT mode NO leaves them untracked. OK.
fn client_caching(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let s = &mut *ctx.session;
    if !s.has(flags::TRACKING) {
        return Err(CmdError::Static(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with \
             OPTIN or OPTOUT mode enabled",
        ));
    }
    let opt = arg(argv, 2);
    if is(opt, "YES") {
        if !s.has(flags::TRACKING_OPTIN) {
            return Err(CmdError::Static(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if is(opt, "NO") {
        if !s.has(flags::TRACKING_OPTOUT) {
            return Err(CmdError::Static(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    s.flags |= flags::TRACKING_CACHING;
    ctx.reply.ok();
    Ok(())
}

/// CLIENT GETREDIR: the tracking redirect id (0 for none), or -1 when tracking is off.
fn client_getredir(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.int(ctx.session.redir());
    Ok(())
}

/// CLIENT TRACKINGINFO: a map of `flags` (a set: on/off, bcast, optin, caching-yes, optout,
/// caching-no, noloop, broken_redirect), `redirect` (as GETREDIR) and `prefixes` (the BCAST
/// prefixes in byte order).
fn client_trackinginfo(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let s = &*ctx.session;
    let caching = s.has(flags::TRACKING_CACHING);
    let on: &[u8] = if s.has(flags::TRACKING) {
        b"on"
    } else {
        b"off"
    };
    let mut names: Vec<&[u8]> = vec![on];
    for (flag, name, caching_name) in [
        (flags::TRACKING_BCAST, &b"bcast"[..], None),
        (flags::TRACKING_OPTIN, b"optin", Some(&b"caching-yes"[..])),
        (flags::TRACKING_OPTOUT, b"optout", Some(b"caching-no")),
        (flags::TRACKING_NOLOOP, b"noloop", None),
        (flags::TRACKING_BROKEN_REDIR, b"broken_redirect", None),
    ] {
        if s.has(flag) {
            names.push(name);
            if let (true, Some(c)) = (caching, caching_name) {
                names.push(c);
            }
        }
    }
    ctx.reply.map_len(3);
    ctx.reply.bulk(b"flags");
    ctx.reply.set_len(names.len());
    for n in names {
        ctx.reply.bulk(n);
    }
    ctx.reply.bulk(b"redirect");
    ctx.reply.int(ctx.session.redir());
    ctx.reply.bulk(b"prefixes");
    match ctx.core.tracking.client(ctx.session.id) {
        Some(c) => {
            ctx.reply.array_len(c.prefixes.len());
            for p in &c.prefixes {
                ctx.reply.bulk(p);
            }
        }
        None => ctx.reply.array_len(0),
    }
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
/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: releases a client blocked by a blocking command, with
/// its timeout reply or an UNBLOCKED error; 1 if it was blocked, 0 otherwise.
fn client_unblock(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 4 {
        return Err(subcommand_syntax(argv));
    }
    let id = crate::commands::args::parse_i64(arg(argv, 2))?;
    let error = match argv.get(3) {
        None => false,
        Some(r) if r.eq_ignore_ascii_case(b"timeout") => false,
        Some(r) if r.eq_ignore_ascii_case(b"error") => true,
        Some(_) => {
            return Err(CmdError::Static(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ));
        }
    };
    let done = u64::try_from(id).is_ok_and(|id| ctx.server.unblock_client(ctx.core, id, error));
    ctx.reply.int(i64::from(done));
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    fn me_line() -> Reply {
        Reply::Verbatim(
            "txt".to_string(),
            Bytes::from_static(b"id=1 addr=127.0.0.1:5000\n"),
        )
    }

    fn empty() -> Reply {
        Reply::Verbatim("txt".to_string(), Bytes::new())
    }

    fn info(id: u64, is_me: bool) -> ClientInfo {
        ClientInfo {
            id,
            addr: format!("127.0.0.1:{}", 5000 + id),
            laddr: "127.0.0.1:6379".to_string(),
            kind: "normal",
            user: "default".to_string(),
            age_secs: 0,
            is_me,
        }
    }

    #[test]
    fn id_name_and_arity() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "ID"]), Reply::Int(1));
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        assert_eq!(h.run(&["client", "setname", "conn-1"]), ok());
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), bulk("conn-1"));
        let refused =
            err("ERR Client names cannot contain spaces, newlines or special characters.");
        assert_eq!(h.run(&["CLIENT", "SETNAME", "a b"]), refused);
        assert_eq!(h.run(&["CLIENT", "SETNAME", "a\nb"]), refused);
        assert_eq!(h.run(&["CLIENT", "SETNAME", "\u{e9}"]), refused);
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), bulk("conn-1"));
        assert_eq!(h.run(&["CLIENT", "SETNAME", ""]), ok());
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        for (words, name) in [
            (&["CLIENT", "SETNAME", "x", "y"][..], "client|setname"),
            (&["CLIENT", "GETNAME", "x"], "client|getname"),
            (&["CLIENT", "ID", "x"], "client|id"),
            (&["CLIENT", "INFO", "x"], "client|info"),
            (&["CLIENT", "UNPAUSE", "x"], "client|unpause"),
            (&["CLIENT", "REPLY"], "client|reply"),
            (&["CLIENT", "NO-EVICT"], "client|no-evict"),
            (&["CLIENT", "KILL"], "client|kill"),
            (&["CLIENT", "PAUSE"], "client|pause"),
            (&["CLIENT", "HELP", "x"], "client|help"),
            (&["CLIENT"], "client"),
        ] {
            let want = format!("ERR wrong number of arguments for '{name}' command");
            assert_eq!(h.run(words), err(&want), "{words:?}");
        }
        assert_eq!(
            h.run(&["CLIENT", "foo"]),
            err("ERR unknown subcommand 'foo'. Try CLIENT HELP.")
        );
        // 7.2's subcommands do not exist in 7.0.
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "LIB-NAME", "x"]),
            err("ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.")
        );
    }

    #[test]
    fn info_and_list() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "INFO"]), me_line());
        assert_eq!(h.run(&["CLIENT", "LIST"]), me_line());
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE", "normal"]), me_line());
        assert_eq!(h.run(&["CLIENT", "LIST", "type", "MASTER"]), empty());
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE", "replica"]), empty());
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE", "slave"]), empty());
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE", "pubsub"]), empty());
        assert_eq!(
            h.run(&["CLIENT", "LIST", "TYPE", "foo"]),
            err("ERR Unknown client type 'foo'")
        );
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["CLIENT", "LIST", "TYPE", "normal", "x"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["CLIENT", "LIST", "ID"]), err("ERR syntax error"));
        assert_eq!(h.run(&["CLIENT", "LIST", "foo"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["CLIENT", "LIST", "ID", "1", "x"]),
            err("ERR Invalid client ID")
        );
        assert_eq!(h.run(&["CLIENT", "LIST", "ID", "9999", "0", "-5"]), empty());
        // Lines follow the order (and repeats) of the ids given.
        let twice = Reply::Verbatim(
            "txt".to_string(),
            Bytes::from_static(b"id=1 addr=127.0.0.1:5000\nid=1 addr=127.0.0.1:5000\n"),
        );
        assert_eq!(h.run(&["CLIENT", "LIST", "ID", "1", "7", "1"]), twice);
    }

    #[test]
    fn kill_argument_errors() {
        let mut h = Harness::new();
        // The fake server kills nobody.
        assert_eq!(
            h.run(&["CLIENT", "KILL", "1.2.3.4:5"]),
            err("ERR No such client")
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "ID"]), err("ERR No such client"));
        let bad_id = err("ERR client-id should be greater than 0");
        for id in ["x", "0", "-1", "1.5"] {
            assert_eq!(h.run(&["CLIENT", "KILL", "ID", id]), bad_id, "{id}");
        }
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "999"]), Reply::Int(0));
        assert_eq!(
            h.run(&["CLIENT", "KILL", "TYPE", "foo"]),
            err("ERR Unknown client type 'foo'")
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "maybe"]),
            err("ERR syntax error")
        );
        for t in ["normal", "master", "slave", "replica", "pubsub"] {
            assert_eq!(h.run(&["CLIENT", "KILL", "TYPE", t]), Reply::Int(0));
        }
        assert_eq!(
            h.run(&["CLIENT", "KILL", "USER", "nobody"]),
            err("ERR No such user 'nobody'")
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "USER", "default"]), Reply::Int(0));
        assert_eq!(
            h.run(&["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "LADDR", "x"]),
            Reply::Int(0)
        );
        // MAXAGE is 7.2's.
        assert_eq!(
            h.run(&["CLIENT", "KILL", "MAXAGE", "10"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "foo", "bar"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "ID", "1", "SKIPME"]),
            err("ERR syntax error")
        );
        // Options are checked left to right.
        assert_eq!(
            h.run(&["CLIENT", "KILL", "ID", "9", "TYPE", "foo"]),
            err("ERR Unknown client type 'foo'")
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "TYPE", "NORMAL", "ID", "x"]),
            bad_id
        );
    }

    #[test]
    fn kill_filter_matching() {
        let all = KillFilter::default();
        assert!(all.matches(&info(2, false)));
        assert!(!all.matches(&info(1, true)), "SKIPME defaults to yes");
        let f = KillFilter {
            skipme: false,
            ..KillFilter::default()
        };
        assert!(f.matches(&info(1, true)));
        let f = KillFilter {
            id: Some(2),
            ..KillFilter::default()
        };
        assert!(f.matches(&info(2, false)));
        assert!(!f.matches(&info(3, false)));
        let f = KillFilter {
            addr: Some(b"127.0.0.1:5003".to_vec()),
            ..KillFilter::default()
        };
        assert!(f.matches(&info(3, false)));
        assert!(!f.matches(&info(2, false)));
        let f = KillFilter {
            laddr: Some(b"127.0.0.1:6380".to_vec()),
            ..KillFilter::default()
        };
        assert!(!f.matches(&info(2, false)));
        let f = KillFilter {
            kind: Some("pubsub"),
            ..KillFilter::default()
        };
        assert!(!f.matches(&info(2, false)));
        let f = KillFilter {
            user: Some("default".to_string()),
            id: Some(2),
            ..KillFilter::default()
        };
        assert!(f.matches(&info(2, false)));
    }

    #[test]
    fn pause_and_unpause() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "PAUSE", "100"]), ok());
        assert_eq!(h.ops.paused, Some((h.now_ms + 100, false)));
        assert_eq!(h.run(&["CLIENT", "PAUSE", "50", "write"]), ok());
        assert_eq!(h.ops.paused, Some((h.now_ms + 50, true)));
        assert_eq!(h.run(&["CLIENT", "PAUSE", "50", "ALL"]), ok());
        assert_eq!(h.ops.paused, Some((h.now_ms + 50, false)));
        assert_eq!(h.run(&["CLIENT", "PAUSE", "0"]), ok());
        assert_eq!(h.ops.paused, Some((0, false)));
        assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
        assert_eq!(h.ops.paused, None);
        let not_int = err("ERR timeout is not an integer or out of range");
        assert_eq!(h.run(&["CLIENT", "PAUSE", "x"]), not_int);
        assert_eq!(h.run(&["CLIENT", "PAUSE", "1.5"]), not_int);
        assert_eq!(
            h.run(&["CLIENT", "PAUSE", "-1"]),
            err("ERR timeout is negative")
        );
        // Redis 7.0.15 lets the end time wrap into the past: +OK, and no pause.
        assert_eq!(h.run(&["CLIENT", "PAUSE", "9223372036854775807"]), ok());
        assert!(h.ops.paused.is_some_and(|(until, _)| until < h.now_ms));
        assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
        // The mode is checked before the timeout.
        assert_eq!(
            h.run(&["CLIENT", "PAUSE", "x", "foo"]),
            err("ERR CLIENT PAUSE mode must be WRITE or ALL")
        );
        assert_eq!(
            h.run(&["client", "pause", "10", "write", "extra"]),
            err(
                "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."
            )
        );
        assert_eq!(h.ops.paused, None);
    }

    #[test]
    fn reply_modes_set_flags() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "REPLY", "foo"]), err("ERR syntax error"));
        assert_eq!(h.run(&["CLIENT", "REPLY", "on"]), ok());
        assert_eq!(
            h.run(&["CLIENT", "REPLY", "SKIP"]),
            Reply::Null,
            "no reply at all"
        );
        assert!(h.session.has(flags::REPLY_SKIP_NEXT));
        h.session.flags &= !flags::REPLY_SKIP_NEXT;
        assert_eq!(h.run(&["CLIENT", "REPLY", "OFF"]), Reply::Null);
        assert!(h.session.has(flags::REPLY_OFF));
        // SKIP while OFF changes nothing.
        h.run(&["CLIENT", "REPLY", "SKIP"]);
        assert!(!h.session.has(flags::REPLY_SKIP_NEXT));
        h.session.flags |= flags::REPLY_SKIP;
        assert_eq!(h.run(&["CLIENT", "REPLY", "ON"]), ok());
        assert!(!h.session.has(flags::REPLY_OFF | flags::REPLY_SKIP));
    }

    #[test]
    fn no_evict() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "NO-EVICT", "on"]), ok());
        assert!(h.session.has(flags::NO_EVICT));
        assert_eq!(h.run(&["CLIENT", "NO-EVICT", "OFF"]), ok());
        assert!(!h.session.has(flags::NO_EVICT));
        assert_eq!(
            h.run(&["CLIENT", "NO-EVICT", "foo"]),
            err("ERR syntax error")
        );
    }

    #[test]
    fn tracking_state_when_tracking_is_off() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "GETREDIR"]), Reply::Int(-1));
        assert_eq!(
            h.run(&["CLIENT", "TRACKINGINFO"]),
            Reply::Map(vec![
                (bulk("flags"), Reply::Set(vec![bulk("off")])),
                (bulk("redirect"), Reply::Int(-1)),
                (bulk("prefixes"), Reply::Array(vec![])),
            ])
        );
    }

    #[test]
    fn optin_tracks_only_the_command_after_caching_yes() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "TRACKING", "on", "OPTIN"]), ok());
        assert!(h.session.has(flags::TRACKING) && h.session.has(flags::TRACKING_OPTIN));
        h.run(&["GET", "a"]);
        assert_eq!(h.core.tracking.key_count(), 0);
        assert_eq!(h.run(&["CLIENT", "CACHING", "yes"]), ok());
        // Other CLIENT subcommands keep the flag (Redis checks the command, not the subcommand).
        h.run(&["CLIENT", "GETREDIR"]);
        assert!(h.session.has(flags::TRACKING_CACHING));
        h.run(&["MGET", "b", "c"]);
        assert!(!h.session.has(flags::TRACKING_CACHING));
        h.run(&["GET", "d"]);
        assert_eq!(h.core.tracking.key_count(), 2);
        // A write of a key the client read: its own invalidation waits for its reply.
        h.run(&["SET", "b", "1"]);
        let out = h.core.tracking.take_outbox();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].target, out[0].after_reply), (h.session.id, true));
        assert_eq!(h.core.tracking.key_count(), 1);
        // In a transaction the flag lasts until EXEC, then goes.
        h.run(&["CLIENT", "CACHING", "yes"]);
        h.run(&["MULTI"]);
        h.run(&["GET", "e"]);
        assert!(h.session.has(flags::TRACKING_CACHING));
        h.run(&["EXEC"]);
        assert!(!h.session.has(flags::TRACKING_CACHING));
        assert_eq!(h.core.tracking.key_count(), 2);
    }

    #[test]
    fn tracking_off_and_reset_clear_every_tracking_flag() {
        let mut h = Harness::new();
        h.run(&["CLIENT", "TRACKING", "on", "OPTOUT", "NOLOOP"]);
        h.run(&["CLIENT", "CACHING", "no"]);
        assert_eq!(h.run(&["CLIENT", "GETREDIR"]), Reply::Int(0));
        assert_eq!(h.core.tracking.client_count(), 1);
        h.run(&["CLIENT", "TRACKING", "off"]);
        assert_eq!(h.session.flags & flags::TRACKING_ALL, 0);
        assert_eq!(h.core.tracking.client_count(), 0);
        h.run(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x"]);
        assert_eq!(h.core.tracking.prefix_count(), 1);
        h.run(&["RESET"]);
        assert_eq!(h.session.flags & flags::TRACKING_ALL, 0);
        assert_eq!(h.core.tracking.prefix_count(), 0);
        assert_eq!(h.run(&["CLIENT", "GETREDIR"]), Reply::Int(-1));
    }

    #[test]
    fn help_matches_redis() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["CLIENT", "HELP"]) else {
            panic!("not an array")
        };
        assert_eq!(lines.len(), 48);
        assert_eq!(
            lines.first(),
            Some(&Reply::simple(
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
            ))
        );
        assert_eq!(
            lines.get(40),
            Some(&Reply::simple("         [OPTIN] [OPTOUT] [NOLOOP]"))
        );
        assert_eq!(lines.last(), Some(&Reply::simple("    Prints this help.")));
    }
}
