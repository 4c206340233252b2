//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Between MULTI and EXEC the dispatcher queues every command except the transaction controls
//! (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET) and answers `+QUEUED`; a command refused while
//! queuing (unknown, wrong arity, not allowed in a transaction, ...) marks the transaction aborted
//! and EXEC answers EXECABORT. WATCHed keys live in the db layer (`db::watch`): any change to one
//! of them, including expiry, FLUSH* and SWAPDB, makes EXEC answer the null array. EXEC runs the
//! queued commands back to back with blocking disabled (a blocking command answers as if it timed
//! out), so no other client sees a state between them.

use bytes::Bytes;

use super::ctx::{MultiState, Session, flags};
use super::{CmdError, Core, Ctx, Handler, call, spec};
use crate::protocol::reply::ReplySink;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("multi", multi),
    ("exec", exec),
    ("discard", discard),
    ("watch", watch),
    ("unwatch", unwatch),
];

/// Queues the resolved command `idx` if the client is inside MULTI and it is not one of the
/// commands that act on the transaction itself; true if it was queued (and `+QUEUED` sent).
pub(crate) fn queue_if_in_multi(
    core: &Core,
    session: &mut Session,
    reply: &mut dyn ReplySink,
    argv: &[Bytes],
    idx: usize,
) -> bool {
    let Some(m) = session.multi.as_mut() else {
        return false;
    };
    if core
        .registry
        .entry(idx)
        .is_none_or(|e| is_transaction_control(e.spec))
    {
        return false;
    }
    m.queue(idx, argv);
    reply.simple(b"QUEUED");
    true
}

/// Drops the client's transaction state and watches (EXEC, DISCARD, RESET, disconnect).
pub(crate) fn reset_transaction(core: &mut Core, session: &mut Session) {
    session.multi = None;
    core.dbs.watched.unwatch_all(session.id);
}

/// MULTI: opens a transaction; nested MULTI is an error that does not abort it.
fn multi(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.session.multi.is_some() {
        return Err(CmdError::Static("ERR MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(MultiState::default());
    ctx.reply.ok();
    Ok(())
}

/// DISCARD: drops the queued commands and the watches.
fn discard(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.session.multi.is_none() {
        return Err(CmdError::Static("ERR DISCARD without MULTI"));
    }
    reset_transaction(ctx.core, ctx.session);
    ctx.reply.ok();
    Ok(())
}

/// EXEC: runs the queued commands and answers an array of their replies; the null array when
/// a watched key changed; EXECABORT when a command was refused while queuing.
fn exec(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let Some(m) = ctx.session.multi.as_ref() else {
        return Err(CmdError::Static("ERR EXEC without MULTI"));
    };
    if m.aborted {
        reset_transaction(ctx.core, ctx.session);
        return Err(CmdError::Static(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if ctx.core.dbs.watched.is_dirty(ctx.session.id) || watched_key_expired(ctx) {
        reset_transaction(ctx.core, ctx.session);
        ctx.reply.null_array();
        return Ok(());
    }
    // The watches are released before the commands run: their own writes must not matter.
    ctx.core.dbs.watched.unwatch_all(ctx.session.id);
    let queued = ctx
        .session
        .multi
        .as_ref()
        .map(|m| m.queued.clone())
        .unwrap_or_default();
    ctx.reply.array_len(queued.len());
    let saved = ctx.session.flags;
    ctx.session.flags |= flags::DENY_BLOCKING | flags::IN_EXEC;
    for (idx, argv) in &queued {
        let now = ctx.now_ms;
        call(
            ctx.core,
            ctx.session,
            ctx.server,
            ctx.reply,
            argv,
            now,
            std::time::Instant::now(),
            *idx,
        );
        // A command cannot block inside EXEC; anything it asked for is dropped.
        ctx.session.block = None;
    }
    ctx.session.flags = (ctx.session.flags & !(flags::DENY_BLOCKING | flags::IN_EXEC))
        | (saved & (flags::DENY_BLOCKING | flags::IN_EXEC));
    reset_transaction(ctx.core, ctx.session);
    Ok(())
}

/// Whether a watched key that was live at WATCH time has expired since (Redis 7.0 fails EXEC
/// then even if nothing deleted it yet).
fn watched_key_expired(ctx: &Ctx<'_>) -> bool {
    let now = ctx.now_ms;
    ctx.core
        .dbs
        .watched
        .watches(ctx.session.id)
        .iter()
        .any(|w| {
            !w.expired_at_watch
                && ctx
                    .core
                    .dbs
                    .expire_of(w.db, &w.key)
                    .is_some_and(|t| now > t)
        })
}

/// WATCH key [key ...]: EXEC will fail if any of these keys changes before it.
fn watch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.session.multi.is_some() {
        return Err(CmdError::Static("ERR WATCH inside MULTI is not allowed"));
    }
    let (db, id, now) = (ctx.db(), ctx.session.id, ctx.now_ms);
    for key in argv.iter().skip(1) {
        let expired = ctx.core.dbs.expire_of(db, key).is_some_and(|t| now > t);
        ctx.core.dbs.watched.watch(id, db, key, expired);
    }
    ctx.reply.ok();
    Ok(())
}

/// UNWATCH: forgets every watched key.
fn unwatch(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.core.dbs.watched.unwatch_all(ctx.session.id);
    ctx.reply.ok();
    Ok(())
}

/// Whether a command acts on the transaction itself rather than being queued by it.
fn is_transaction_control(s: &spec::CommandSpec) -> bool {
    matches!(
        s.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    fn queued() -> Reply {
        Reply::simple("QUEUED")
    }

    #[test]
    fn exec_runs_queued_commands_and_collects_their_replies() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MULTI"]), ok());
        assert_eq!(h.run(&["SET", "a", "1"]), queued());
        assert_eq!(h.run(&["INCR", "a"]), queued());
        assert_eq!(h.run(&["GET", "a"]), queued());
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![ok(), Reply::Int(2), bulk("2")])
        );
        assert_eq!(h.run(&["EXEC"]), err("ERR EXEC without MULTI"));
    }

    #[test]
    fn runtime_errors_inside_exec_do_not_stop_the_rest() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "x"]);
        h.run(&["MULTI"]);
        h.run(&["INCR", "s"]);
        h.run(&["SET", "t", "1"]);
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![
                err("ERR value is not an integer or out of range"),
                ok()
            ])
        );
        assert_eq!(h.run(&["GET", "t"]), bulk("1"));
    }

    #[test]
    fn refused_commands_abort_the_transaction() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["SET", "a", "1"]), queued());
        assert_eq!(
            h.run(&["foo"]),
            err("ERR unknown command 'foo', with args beginning with: ")
        );
        assert_eq!(
            h.run(&["GET"]),
            err("ERR wrong number of arguments for 'get' command")
        );
        assert_eq!(
            h.run(&["EXEC"]),
            err("EXECABORT Transaction discarded because of previous errors.")
        );
        assert_eq!(h.run(&["GET", "a"]), Reply::Null);
    }

    #[test]
    fn nested_multi_and_watch_inside_multi_are_errors_that_do_not_abort() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["MULTI"]), err("ERR MULTI calls can not be nested"));
        assert_eq!(
            h.run(&["WATCH", "x"]),
            err("ERR WATCH inside MULTI is not allowed")
        );
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![ok()]));
    }

    #[test]
    fn shutdown_is_not_allowed_inside_a_transaction() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        assert_eq!(
            h.run(&["SHUTDOWN"]),
            err("ERR Command not allowed inside a transaction")
        );
        assert_eq!(
            h.run(&["EXEC"]),
            err("EXECABORT Transaction discarded because of previous errors.")
        );
    }

    #[test]
    fn discard_drops_the_queue() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["DISCARD"]), err("ERR DISCARD without MULTI"));
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["DISCARD"]), ok());
        assert_eq!(h.run(&["GET", "a"]), Reply::Null);
    }

    #[test]
    fn a_write_to_a_watched_key_makes_exec_fail() {
        let mut h = Harness::new();
        h.run(&["WATCH", "w"]);
        h.run(&["SET", "w", "changed"]);
        h.run(&["MULTI"]);
        h.run(&["SET", "b", "1"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
        assert_eq!(h.run(&["GET", "b"]), Reply::Null);
        // The failed EXEC unwatched everything: the next transaction runs.
        h.run(&["MULTI"]);
        h.run(&["SET", "b", "1"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![ok()]));
    }

    #[test]
    fn unwatch_and_untouched_watches_let_exec_run() {
        let mut h = Harness::new();
        h.run(&["WATCH", "w"]);
        h.run(&["SET", "w", "1"]);
        assert_eq!(h.run(&["UNWATCH"]), ok());
        h.run(&["WATCH", "other"]);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![Reply::simple("PONG")]));
    }

    #[test]
    fn flushall_dirties_watchers_of_existing_keys_only() {
        let mut h = Harness::new();
        h.run(&["SET", "fk", "1"]);
        h.run(&["WATCH", "fk"]);
        h.run(&["FLUSHALL"]);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
        h.run(&["WATCH", "nokey"]);
        h.run(&["FLUSHALL"]);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![Reply::simple("PONG")]));
    }

    #[test]
    fn a_watched_key_that_expires_makes_exec_fail() {
        let mut h = Harness::new();
        h.run(&["SET", "e", "1", "PX", "100"]);
        h.run(&["WATCH", "e"]);
        h.advance(200);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
    }

    #[test]
    fn exec_in_resp3_answers_null_for_a_doomed_transaction() {
        let mut h = Harness::new();
        h.resp3();
        h.run(&["WATCH", "w"]);
        h.run(&["DEL", "w"]);
        h.run(&["SET", "w", "x"]);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
    }
}
