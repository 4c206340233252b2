//! Server-group commands on whole databases: DBSIZE, FLUSHDB, FLUSHALL and SWAPDB.
//!
//! FLUSHDB and FLUSHALL take ASYNC or SYNC; without either, `lazyfree-lazy-user-flush` decides.
//! An asynchronous flush swaps in an empty database and hands the old one to the db layer's
//! lazy-free queue, so the loop never walks millions of keys. Both are always propagated, even
//! when nothing was removed, as Redis forces it.

use bytes::Bytes;

use crate::commands::args::{arg, is, parse_i64};
use crate::commands::{CmdError, Ctx, Handler};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("dbsize", dbsize),
    ("flushdb", flushdb),
    ("flushall", flushall),
    ("swapdb", swapdb),
];

/// DBSIZE: keys in the selected database, expired ones not yet reclaimed included.
fn dbsize(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let n = ctx.core.dbs.db(ctx.db()).map_or(0, |d| d.len());
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// FLUSHDB [ASYNC|SYNC]: empties the selected database; OK.
fn flushdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let lazy = flush_mode(ctx, argv)?;
    let db = ctx.db();
    let removed = ctx.core.dbs.flush_db(db, lazy);
    ctx.core.dbs.dirty = ctx.core.dbs.dirty.saturating_add(removed as u64);
    ctx.propagate(argv.to_vec());
    ctx.reply.ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]: empties every database; OK.
fn flushall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let lazy = flush_mode(ctx, argv)?;
    let removed = ctx.core.dbs.flush_all(lazy);
    // One more than the keys removed, so even an empty FLUSHALL counts as a change.
    ctx.core.dbs.dirty = ctx
        .core
        .dbs
        .dirty
        .saturating_add(removed as u64)
        .saturating_add(1);
    ctx.propagate(argv.to_vec());
    ctx.reply.ok();
    Ok(())
}

/// SWAPDB index1 index2: exchanges two databases' contents; OK.
fn swapdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.core.config.cluster_enabled {
        return Err(CmdError::Static(
            "ERR SWAPDB is not allowed in cluster mode",
        ));
    }
    let a = db_arg(arg(argv, 1), "ERR invalid first DB index")?;
    let b = db_arg(arg(argv, 2), "ERR invalid second DB index")?;
    let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    if !ctx.core.dbs.swap(a, b) {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.core.dbs.dirty = ctx.core.dbs.dirty.saturating_add(1);
    ctx.reply.ok();
    Ok(())
}

/// Whether a flush runs asynchronously: ASYNC, SYNC, or the config default.
fn flush_mode(ctx: &Ctx<'_>, argv: &[Bytes]) -> Result<bool, CmdError> {
    match argv.get(1..).unwrap_or_default() {
        [] => Ok(ctx.core.config.lazyfree_lazy_user_flush),
        [m] if is(m, "async") => Ok(true),
        [m] if is(m, "sync") => Ok(false),
        _ => Err(CmdError::Syntax),
    }
}

/// A C `int` database index, with `msg` for anything that is not one (getIntFromObjectOrReply).
fn db_arg(b: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    parse_i64(b)
        .ok()
        .filter(|&n| n >= i64::from(i32::MIN) && n <= i64::from(i32::MAX))
        .ok_or(CmdError::Static(msg))
}
