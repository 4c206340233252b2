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
    ctx.core.tracking.flush();
    ctx.core.dbs.dirty = ctx.core.dbs.dirty.saturating_add(removed as u64);
    ctx.propagate(argv.to_vec());
    ctx.reply.ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]: empties every database; OK.
fn flushall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let lazy = flush_mode(ctx, argv)?;
    let removed = ctx.core.dbs.flush_all(lazy);
    ctx.core.tracking.flush();
    // One more than the keys removed, so even an empty FLUSHALL counts as a change.
    ctx.core.dbs.dirty = ctx
        .core
        .dbs
        .dirty
        .saturating_add(removed as u64)
        .saturating_add(1);
    let now = ctx.now_ms;
    crate::commands::persist::flushall_save(ctx.core, now);
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

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, err};
    use crate::db::Garbage;
    use crate::protocol::value::Reply;
    use crate::types::string::StrValue;
    use crate::types::value::Value;

    fn fill(h: &mut Harness, db: usize, n: usize) {
        for i in 0..n {
            let k = format!("k{i}");
            h.core.dbs.set(
                db,
                k.as_bytes(),
                Value::Str(StrValue::from_set(b"v")),
                false,
                0,
            );
        }
    }

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    #[test]
    fn dbsize_counts_the_selected_database() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["DBSIZE"]), Reply::Int(0));
        fill(&mut h, 0, 3);
        fill(&mut h, 1, 5);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Int(3));
        h.session.db = 1;
        assert_eq!(h.run(&["DBSIZE"]), Reply::Int(5));
        assert_eq!(
            h.run(&["DBSIZE", "x"]),
            err("ERR wrong number of arguments for 'dbsize' command")
        );
    }

    #[test]
    fn flushdb_empties_only_the_selected_database() {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        fill(&mut h, 0, 3);
        fill(&mut h, 1, 2);
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["FLUSHDB"]), ok());
        assert_eq!(h.core.dbs.dirty, dirty + 3);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Int(0));
        assert_eq!(h.core.dbs.db(1).unwrap().len(), 2);
        assert_eq!(h.run(&["FLUSHDB", "sync"]), ok());
        assert_eq!(h.run(&["FLUSHDB", "ASYNC"]), ok());
        assert_eq!(h.run(&["FLUSHDB", "foo"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["FLUSHDB", "async", "sync"]),
            err("ERR syntax error")
        );
        // Forced propagation, even of a flush that removed nothing.
        assert_eq!(h.core.effects.propagated.len(), 3);
    }

    #[test]
    fn flushall_empties_everything_and_frees_big_databases_lazily() {
        let mut h = Harness::new();
        fill(&mut h, 0, 100);
        fill(&mut h, 3, 10);
        assert_eq!(h.run(&["FLUSHALL", "ASYNC"]), ok());
        assert_eq!(h.core.dbs.total_keys(), 0);
        let frees = h.core.dbs.take_lazy_frees();
        assert_eq!(
            frees.len(),
            1,
            "only the database over the lazy-free threshold"
        );
        assert!(matches!(frees.first(), Some(Garbage::Db(d)) if d.len() == 100));
        fill(&mut h, 0, 100);
        assert_eq!(h.run(&["FLUSHALL"]), ok());
        assert!(h.core.dbs.take_lazy_frees().is_empty());
        h.core.config.lazyfree_lazy_user_flush = true;
        fill(&mut h, 0, 100);
        assert_eq!(h.run(&["FLUSHALL"]), ok());
        assert_eq!(h.core.dbs.take_lazy_frees().len(), 1);
        fill(&mut h, 0, 100);
        assert_eq!(h.run(&["FLUSHALL", "SYNC"]), ok());
        assert!(h.core.dbs.take_lazy_frees().is_empty());
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["FLUSHALL"]), ok());
        assert_eq!(h.core.dbs.dirty, dirty + 1);
        assert_eq!(h.run(&["FLUSHALL", "x"]), err("ERR syntax error"));
    }

    #[test]
    fn swapdb_exchanges_contents() {
        let mut h = Harness::new();
        fill(&mut h, 0, 1);
        fill(&mut h, 2, 4);
        assert_eq!(h.run(&["SWAPDB", "0", "2"]), ok());
        assert_eq!(h.run(&["DBSIZE"]), Reply::Int(4));
        assert_eq!(h.core.dbs.db(2).unwrap().len(), 1);
        assert_eq!(h.core.dbs.db(2).unwrap().id, 2);
        assert_eq!(h.run(&["SWAPDB", "1", "1"]), ok());
        assert_eq!(
            h.run(&["SWAPDB", "0", "x"]),
            err("ERR invalid second DB index")
        );
        assert_eq!(
            h.run(&["SWAPDB", "x", "0"]),
            err("ERR invalid first DB index")
        );
        assert_eq!(
            h.run(&["SWAPDB", "99999999999", "0"]),
            err("ERR invalid first DB index")
        );
        assert_eq!(
            h.run(&["SWAPDB", "0", "16"]),
            err("ERR DB index is out of range")
        );
        assert_eq!(
            h.run(&["SWAPDB", "-1", "0"]),
            err("ERR DB index is out of range")
        );
        h.core.config.cluster_enabled = true;
        assert_eq!(
            h.run(&["SWAPDB", "0", "1"]),
            err("ERR SWAPDB is not allowed in cluster mode")
        );
    }
}
