//! Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE,
//! PUBLISH SPUBLISH, and the PUBSUB introspection subcommands; plus the RESP2 subscribed-mode
//! rules the dispatcher and PING/RESET apply.
//!
//! The registry lives in the server (reached through `ServerOps::pubsub`); the session keeps a
//! copy of its counts ([`Session::pubsub`]) for the dispatcher's subscribed-mode check and CLIENT
//! LIST. Every subscription change writes one confirmation per name, as a push frame: `>3` in
//! RESP3, a plain `*3` array in RESP2. PUBLISH hands the message to the server, which delivers it
//! (the caller's own copies come back through the reply sink, ahead of the count).

use bytes::Bytes;

use super::Handler;
use super::ctx::{Ctx, Session, flags};
use super::error::CmdError;
use super::spec::CommandSpec;
use crate::protocol::reply::{Protocol, ReplySink};
use crate::pubsub::Kind;

/// The pub/sub handlers.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("ssubscribe", ssubscribe),
    ("sunsubscribe", sunsubscribe),
    ("publish", publish),
    ("spublish", spublish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|shardchannels", pubsub_shardchannels),
    ("pubsub|shardnumsub", pubsub_shardnumsub),
    ("pubsub|help", pubsub_help),
];

/// The commands a RESP2 client with subscriptions may still run.
const SUBSCRIBED_MODE_COMMANDS: &[&str] = &[
    "ping",
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "quit",
    "reset",
];

/// The dispatcher's RESP2 pub/sub context check (after NOAUTH): a RESP2 client holding any
/// subscription may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET.
pub(crate) fn subscribed_context_check(
    session: &Session,
    spec: &CommandSpec,
) -> Result<(), CmdError> {
    if session.proto != Protocol::Resp2
        || !session.pubsub.any()
        || SUBSCRIBED_MODE_COMMANDS.contains(&spec.name)
    {
        return Ok(());
    }
    Err(CmdError::Other(format!(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET \
         are allowed in this context",
        spec.name
    )))
}

/// PING from a RESP2 client in subscribed mode answers `["pong", message or ""]`; writes that
/// reply and returns true in that mode, false (nothing written) otherwise.
pub(crate) fn subscribed_ping(ctx: &mut Ctx<'_>, message: Option<&Bytes>) -> bool {
    if ctx.session.proto != Protocol::Resp2 || !ctx.session.pubsub.any() {
        return false;
    }
    ctx.reply.array_len(2);
    ctx.reply.bulk(b"pong");
    ctx.reply
        .bulk(message.map(|m| m.as_ref()).unwrap_or_default());
    true
}

/// RESET's share: drops every subscription of the calling client without confirmations.
pub(crate) fn reset(ctx: &mut Ctx<'_>) {
    if let Some((reg, _)) = ctx.server.pubsub() {
        reg.remove_client(ctx.session.id);
    }
    ctx.session.pubsub = crate::pubsub::Counts::default();
}

/// Writes one message frame through `sink`: `message`/`smessage` with (channel, message), or
/// `pmessage` with (pattern, channel, message), as a push (an array in RESP2).
pub(crate) fn write_message(
    sink: &mut dyn ReplySink,
    shard: bool,
    pattern: Option<&[u8]>,
    channel: &[u8],
    message: &[u8],
) {
    match pattern {
        Some(p) => {
            sink.push_len(4);
            sink.bulk(b"pmessage");
            sink.bulk(p);
        }
        None => {
            sink.push_len(3);
            sink.bulk(if shard { b"smessage" } else { b"message" });
        }
    }
    sink.bulk(channel);
    sink.bulk(message);
}

fn unavailable() -> CmdError {
    CmdError::Static("ERR pub/sub is not available here")
}

/// The refusal of a subscription from a client that must not block: inside a script always,
/// inside EXEC only for SSUBSCRIBE (SUBSCRIBE and PSUBSCRIBE keep working there for backward
/// compatibility, as in Redis).
fn deny_blocking(ctx: &Ctx<'_>, kind: Kind) -> Result<(), CmdError> {
    let denied = ctx.session.has(flags::DENY_BLOCKING)
        && (kind == Kind::Shard || !ctx.session.has(flags::IN_EXEC));
    if !denied {
        return Ok(());
    }
    Err(CmdError::Static(match kind {
        Kind::Channel => "ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client",
        Kind::Pattern => "ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client",
        Kind::Shard => "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
    }))
}

/// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE name [name ...]: one confirmation per name, carrying
/// the client's subscription count after it.
fn subscribe_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> Result<(), CmdError> {
    deny_blocking(ctx, kind)?;
    let id = ctx.session.id;
    let Some((reg, token)) = ctx.server.pubsub() else {
        return Err(unavailable());
    };
    for name in argv.iter().skip(1) {
        reg.subscribe(id, token, kind, name);
        let counts = reg.counts(id);
        ctx.session.pubsub = counts;
        confirm(
            ctx.reply,
            kind.subscribe_word(),
            Some(name),
            counts.reply_count(kind),
        );
    }
    Ok(())
}

/// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE [name ...]: one confirmation per name (named ones
/// even if not subscribed); without names, one per subscription held, or a single one with a
/// null name when there is none.
fn unsubscribe_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> Result<(), CmdError> {
    let id = ctx.session.id;
    let Some((reg, _)) = ctx.server.pubsub() else {
        return Err(unavailable());
    };
    let names: Vec<Bytes> = if argv.len() > 1 {
        argv.get(1..).unwrap_or_default().to_vec()
    } else {
        reg.subscriptions(id, kind)
    };
    if names.is_empty() {
        let counts = reg.counts(id);
        ctx.session.pubsub = counts;
        confirm(
            ctx.reply,
            kind.unsubscribe_word(),
            None,
            counts.reply_count(kind),
        );
        return Ok(());
    }
    for name in &names {
        reg.unsubscribe(id, kind, name);
        let counts = reg.counts(id);
        ctx.session.pubsub = counts;
        confirm(
            ctx.reply,
            kind.unsubscribe_word(),
            Some(name),
            counts.reply_count(kind),
        );
    }
    Ok(())
}

/// One `[word, name, count]` confirmation, as a push.
fn confirm(sink: &mut dyn ReplySink, word: &[u8], name: Option<&Bytes>, count: usize) {
    sink.push_len(3);
    sink.bulk(word);
    match name {
        Some(n) => sink.bulk(n),
        None => sink.null(),
    }
    sink.int(i64::try_from(count).unwrap_or(i64::MAX));
}

/// SUBSCRIBE channel [channel ...].
fn subscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    subscribe_generic(ctx, argv, Kind::Channel)
}

/// UNSUBSCRIBE [channel ...].
fn unsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    unsubscribe_generic(ctx, argv, Kind::Channel)
}

/// PSUBSCRIBE pattern [pattern ...].
fn psubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    subscribe_generic(ctx, argv, Kind::Pattern)
}

/// PUNSUBSCRIBE [pattern ...].
fn punsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    unsubscribe_generic(ctx, argv, Kind::Pattern)
}

/// SSUBSCRIBE shardchannel [shardchannel ...].
fn ssubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    subscribe_generic(ctx, argv, Kind::Shard)
}

/// SUNSUBSCRIBE [shardchannel ...].
fn sunsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    unsubscribe_generic(ctx, argv, Kind::Shard)
}

/// PUBLISH / SPUBLISH channel message: the number of deliveries.
fn publish_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], shard: bool) -> Result<(), CmdError> {
    let channel = argv.get(1).map(|b| b.as_ref()).unwrap_or_default();
    let message = argv.get(2).map(|b| b.as_ref()).unwrap_or_default();
    let n = ctx
        .server
        .publish(ctx.core, shard, channel, message, ctx.reply);
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// PUBLISH channel message.
fn publish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    publish_generic(ctx, argv, false)
}

/// SPUBLISH shardchannel message.
fn spublish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    publish_generic(ctx, argv, true)
}

/// Redis's addReplySubcommandSyntaxError for PUBSUB subcommands given too many arguments.
fn subcommand_syntax(argv: &[Bytes]) -> CmdError {
    let sub = argv.get(1).map(|b| b.as_ref()).unwrap_or_default();
    let cmd = argv
        .first()
        .map(|b| b.to_ascii_uppercase())
        .unwrap_or_default();
    CmdError::Other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(super::args::c_str(sub)),
        String::from_utf8_lossy(super::args::c_str(&cmd)),
    ))
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern].
fn channels_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], shard: bool) -> Result<(), CmdError> {
    if argv.len() > 3 {
        return Err(subcommand_syntax(argv));
    }
    let pattern = argv.get(2).map(|b| b.as_ref());
    let Some((reg, _)) = ctx.server.pubsub() else {
        return Err(unavailable());
    };
    let list = reg.active_channels(shard, pattern);
    ctx.reply.array_len(list.len());
    for c in &list {
        ctx.reply.bulk(c);
    }
    Ok(())
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: `channel, count` pairs, as a flat array.
fn numsub_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], shard: bool) -> Result<(), CmdError> {
    let Some((reg, _)) = ctx.server.pubsub() else {
        return Err(unavailable());
    };
    let names = argv.get(2..).unwrap_or_default();
    ctx.reply.array_len(names.len().saturating_mul(2));
    for c in names {
        ctx.reply.bulk(c);
        let n = reg.numsub(shard, c);
        ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern].
fn pubsub_channels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    channels_generic(ctx, argv, false)
}

/// PUBSUB SHARDCHANNELS [pattern].
fn pubsub_shardchannels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    channels_generic(ctx, argv, true)
}

/// PUBSUB NUMSUB [channel ...].
fn pubsub_numsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    numsub_generic(ctx, argv, false)
}

/// PUBSUB SHARDNUMSUB [shardchannel ...].
fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    numsub_generic(ctx, argv, true)
}

/// PUBSUB NUMPAT: the number of distinct patterns subscribed to.
fn pubsub_numpat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let Some((reg, _)) = ctx.server.pubsub() else {
        return Err(unavailable());
    };
    let n = reg.numpat();
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// PUBSUB HELP.
fn pubsub_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::server::misc::help_reply(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: \
             '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::dispatch;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::{Reply, ValueSink};
    use crate::pubsub::Counts;

    /// Runs a command and returns every top-level reply it wrote.
    fn run_all(h: &mut Harness, words: &[&str]) -> Vec<Reply> {
        let argv: Vec<Bytes> = words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        let mut sink = ValueSink::new(h.session.proto);
        dispatch(
            &mut h.core,
            &mut h.session,
            &mut h.ops,
            &mut sink,
            &argv,
            h.now_ms,
        );
        sink.replies
    }

    /// A confirmation as the value sink records it (a push; the RESP2 writer flattens it).
    fn conf(word: &str, name: Option<&str>, n: i64) -> Reply {
        push(word, name, n)
    }

    fn push(word: &str, name: Option<&str>, n: i64) -> Reply {
        Reply::Push(vec![
            bulk(word),
            name.map_or(Reply::Null, bulk),
            Reply::Int(n),
        ])
    }

    #[test]
    fn subscribe_confirms_each_channel_with_the_running_count() {
        let mut h = Harness::new();
        assert_eq!(
            run_all(&mut h, &["SUBSCRIBE", "a", "b", "a"]),
            vec![
                conf("subscribe", Some("a"), 1),
                conf("subscribe", Some("b"), 2),
                conf("subscribe", Some("a"), 2)
            ]
        );
        assert_eq!(
            run_all(&mut h, &["PSUBSCRIBE", "p*"]),
            vec![conf("psubscribe", Some("p*"), 3)]
        );
        assert_eq!(
            run_all(&mut h, &["SSUBSCRIBE", "s1", "s2"]),
            vec![
                conf("ssubscribe", Some("s1"), 1),
                conf("ssubscribe", Some("s2"), 2)
            ]
        );
        assert_eq!(
            h.session.pubsub,
            Counts {
                channels: 2,
                patterns: 1,
                shard: 2
            }
        );
    }

    #[test]
    fn unsubscribe_counts_channels_and_patterns_but_not_shards() {
        let mut h = Harness::new();
        run_all(&mut h, &["SUBSCRIBE", "c1"]);
        run_all(&mut h, &["PSUBSCRIBE", "c*", "h[ae]llo"]);
        run_all(&mut h, &["SSUBSCRIBE", "s1", "s2"]);
        assert_eq!(
            run_all(&mut h, &["SUNSUBSCRIBE", "s1", "nope"]),
            vec![
                conf("sunsubscribe", Some("s1"), 1),
                conf("sunsubscribe", Some("nope"), 1)
            ]
        );
        assert_eq!(
            run_all(&mut h, &["PUNSUBSCRIBE"]),
            vec![
                conf("punsubscribe", Some("c*"), 2),
                conf("punsubscribe", Some("h[ae]llo"), 1)
            ]
        );
        assert_eq!(
            run_all(&mut h, &["UNSUBSCRIBE"]),
            vec![conf("unsubscribe", Some("c1"), 0)]
        );
        assert_eq!(
            run_all(&mut h, &["UNSUBSCRIBE"]),
            vec![conf("unsubscribe", None, 0)]
        );
        assert_eq!(
            run_all(&mut h, &["PUNSUBSCRIBE"]),
            vec![conf("punsubscribe", None, 0)]
        );
        assert!(h.session.pubsub.any(), "s2 is still held");
        assert_eq!(
            run_all(&mut h, &["SUNSUBSCRIBE"]),
            vec![conf("sunsubscribe", Some("s2"), 0)]
        );
        assert_eq!(
            run_all(&mut h, &["SUNSUBSCRIBE"]),
            vec![conf("sunsubscribe", None, 0)]
        );
        assert!(!h.session.pubsub.any());
        assert!(h.ops.pubsub.is_empty());
    }

    #[test]
    fn resp3_confirmations_are_pushes() {
        let mut h = Harness::new();
        h.resp3();
        assert_eq!(
            run_all(&mut h, &["SUBSCRIBE", "x"]),
            vec![push("subscribe", Some("x"), 1)]
        );
        assert_eq!(
            run_all(&mut h, &["UNSUBSCRIBE", "x"]),
            vec![push("unsubscribe", Some("x"), 0)]
        );
        assert_eq!(
            run_all(&mut h, &["UNSUBSCRIBE"]),
            vec![push("unsubscribe", None, 0)]
        );
    }

    #[test]
    fn publish_counts_receivers_and_delivers_own_copies_first() {
        let mut h = Harness::new();
        h.resp3();
        assert_eq!(h.run(&["PUBLISH", "c1", "m"]), Reply::Int(0));
        run_all(&mut h, &["SUBSCRIBE", "c1"]);
        run_all(&mut h, &["PSUBSCRIBE", "c*"]);
        // Another client on the same channel, known to the registry only.
        h.ops
            .pubsub
            .subscribe(99, 5, Kind::Channel, &Bytes::from_static(b"c1"));
        assert_eq!(
            run_all(&mut h, &["PUBLISH", "c1", "m"]),
            vec![
                Reply::Push(vec![bulk("message"), bulk("c1"), bulk("m")]),
                Reply::Push(vec![bulk("pmessage"), bulk("c*"), bulk("c1"), bulk("m")]),
                Reply::Int(3)
            ]
        );
        assert_eq!(h.run(&["SPUBLISH", "c1", "m"]), Reply::Int(0));
        run_all(&mut h, &["SSUBSCRIBE", "c1"]);
        assert_eq!(
            run_all(&mut h, &["SPUBLISH", "c1", "m"]),
            vec![
                Reply::Push(vec![bulk("smessage"), bulk("c1"), bulk("m")]),
                Reply::Int(1)
            ]
        );
    }

    #[test]
    fn pubsub_introspection() {
        let mut h = Harness::new();
        h.resp3();
        run_all(&mut h, &["SUBSCRIBE", "c1", "c2", "d"]);
        run_all(&mut h, &["PSUBSCRIBE", "a*", "b*"]);
        run_all(&mut h, &["SSUBSCRIBE", "s1"]);
        h.ops
            .pubsub
            .subscribe(99, 5, Kind::Pattern, &Bytes::from_static(b"a*"));
        h.ops
            .pubsub
            .subscribe(99, 5, Kind::Channel, &Bytes::from_static(b"c1"));
        let sorted = |r: Reply| match r {
            Reply::Array(mut v) => {
                v.sort_by_key(|x| format!("{x:?}"));
                Reply::Array(v)
            }
            other => other,
        };
        assert_eq!(
            sorted(h.run(&["PUBSUB", "CHANNELS"])),
            Reply::Array(vec![bulk("c1"), bulk("c2"), bulk("d")])
        );
        assert_eq!(
            sorted(h.run(&["PUBSUB", "CHANNELS", "c?"])),
            Reply::Array(vec![bulk("c1"), bulk("c2")])
        );
        assert_eq!(
            h.run(&["PUBSUB", "NUMSUB", "c1", "zz"]),
            Reply::Array(vec![bulk("c1"), Reply::Int(2), bulk("zz"), Reply::Int(0)])
        );
        assert_eq!(h.run(&["PUBSUB", "NUMSUB"]), Reply::Array(vec![]));
        assert_eq!(h.run(&["PUBSUB", "NUMPAT"]), Reply::Int(2));
        assert_eq!(
            h.run(&["PUBSUB", "SHARDCHANNELS"]),
            Reply::Array(vec![bulk("s1")])
        );
        assert_eq!(
            h.run(&["PUBSUB", "SHARDNUMSUB", "s1", "c1"]),
            Reply::Array(vec![bulk("s1"), Reply::Int(1), bulk("c1"), Reply::Int(0)])
        );
        assert_eq!(
            h.run(&["PUBSUB", "CHANNELS", "x", "y"]),
            err(concat!(
                "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. ",
                "Try PUBSUB HELP."
            ))
        );
        assert_eq!(
            h.run(&["pubsub", "shardchannels", "x", "y"]),
            err(concat!(
                "ERR unknown subcommand or wrong number of arguments for 'shardchannels'. ",
                "Try PUBSUB HELP."
            ))
        );
        assert_eq!(
            h.run(&["PUBSUB", "NUMPAT", "x"]),
            err("ERR wrong number of arguments for 'pubsub|numpat' command")
        );
        match h.run(&["PUBSUB", "HELP"]) {
            Reply::Array(lines) => {
                assert_eq!(lines.len(), 14);
                assert_eq!(lines[13], Reply::simple("    Prints this help."));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subscriptions_refused_to_clients_that_must_not_block() {
        let mut h = Harness::new();
        h.session.flags |= flags::DENY_BLOCKING;
        assert_eq!(
            h.run(&["SUBSCRIBE", "x"]),
            err("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client")
        );
        assert_eq!(
            h.run(&["PSUBSCRIBE", "x"]),
            err("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client")
        );
        h.session.flags |= flags::IN_EXEC;
        assert_eq!(
            h.run(&["SSUBSCRIBE", "x"]),
            err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
        );
        assert_eq!(h.run(&["SUBSCRIBE", "x"]), conf("subscribe", Some("x"), 1));
        assert_eq!(
            h.run(&["PSUBSCRIBE", "y"]),
            conf("psubscribe", Some("y"), 2)
        );
    }

    #[test]
    fn resp2_subscribed_context_allows_only_the_pubsub_commands() {
        let mut h = Harness::new();
        let spec = |h: &Harness, name: &str| {
            let idx = h.core.registry.find(name.as_bytes()).unwrap();
            h.core.registry.entry(idx).unwrap().spec
        };
        let get = spec(&h, "get");
        assert!(subscribed_context_check(&h.session, get).is_ok());
        run_all(&mut h, &["SSUBSCRIBE", "s"]);
        assert_eq!(
            subscribed_context_check(&h.session, get)
                .unwrap_err()
                .render(),
            b"ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
              RESET are allowed in this context"
                .to_vec()
        );
        for ok in [
            "ping",
            "subscribe",
            "ssubscribe",
            "psubscribe",
            "unsubscribe",
            "sunsubscribe",
            "punsubscribe",
            "quit",
            "reset",
        ] {
            assert!(
                subscribed_context_check(&h.session, spec(&h, ok)).is_ok(),
                "{ok}"
            );
        }
        let pubsub = h.core.registry.find(b"pubsub").unwrap();
        let numsub = h.core.registry.find_sub(pubsub, b"numsub").unwrap();
        let numsub = h.core.registry.entry(numsub).unwrap().spec;
        let e = subscribed_context_check(&h.session, numsub).unwrap_err();
        assert!(
            e.render()
                .starts_with(b"ERR Can't execute 'pubsub|numsub': ")
        );
        h.resp3();
        assert!(
            subscribed_context_check(&h.session, get).is_ok(),
            "RESP3 may run anything"
        );
    }

    #[test]
    fn reset_drops_subscriptions_silently() {
        let mut h = Harness::new();
        run_all(&mut h, &["SUBSCRIBE", "a"]);
        run_all(&mut h, &["PSUBSCRIBE", "b*"]);
        let argv = [Bytes::from_static(b"x")];
        let mut sink = ValueSink::new(h.session.proto);
        let mut ctx = Ctx {
            reply: &mut sink,
            core: &mut h.core,
            session: &mut h.session,
            server: &mut h.ops,
            now_ms: 0,
        };
        assert!(subscribed_ping(&mut ctx, argv.first()));
        assert!(subscribed_ping(&mut ctx, None));
        reset(&mut ctx);
        assert!(!subscribed_ping(&mut ctx, None));
        assert_eq!(
            sink.replies,
            vec![
                Reply::Array(vec![bulk("pong"), bulk("x")]),
                Reply::Array(vec![bulk("pong"), bulk("")]),
            ]
        );
        assert!(!h.session.pubsub.any());
        assert!(h.ops.pubsub.is_empty());
        assert_eq!(h.run(&["PUBSUB", "NUMPAT"]), Reply::Int(0));
    }
}
