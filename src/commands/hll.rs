//! The HyperLogLog command group: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, following
//! Redis 7.0.15's hyperloglog.c. The values are strings in Redis's HLL byte format
//! (types::hll), so GET, DUMP and persistence see exactly what Redis would store.
//!
//! Every command that touches a value first checks it is a HyperLogLog (`-WRONGTYPE Key is
//! not a valid HyperLogLog string value.` otherwise) and, when it may write, turns it `raw` as
//! dbUnshareStringValue does. A single-key PFCOUNT that refreshes the cached cardinality counts
//! as a change (it is propagated), as in Redis.

use bytes::Bytes;

use super::args::{arg, c_is};
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_NEW, NOTIFY_STRING};
use crate::types::hll::{self, Corrupt};
use crate::types::string::StrValue;
use crate::types::value::Value;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("pfadd", pfadd),
    ("pfcount", pfcount),
    ("pfmerge", pfmerge),
    ("pfdebug", pfdebug),
    ("pfselftest", pfselftest),
];

const NOT_HLL: CmdError =
    CmdError::Static("WRONGTYPE Key is not a valid HyperLogLog string value.");
const INVALID: CmdError = CmdError::Static("INVALIDOBJ Corrupted HLL object detected");

impl From<Corrupt> for CmdError {
    fn from(_: Corrupt) -> CmdError {
        INVALID
    }
}

/// isHLLObjectOrReply on a looked-up value: WRONGTYPE for another type, the HLL error for a
/// string that is not a HyperLogLog (an `int` string never is).
fn check(v: &Value) -> Result<(), CmdError> {
    match v {
        Value::Str(StrValue::Int(_)) => Err(NOT_HLL),
        Value::Str(s) => {
            let mut buf = [0u8; 20];
            if hll::is_valid(s.bytes(&mut buf)) {
                Ok(())
            } else {
                Err(NOT_HLL)
            }
        }
        _ => Err(CmdError::WrongType),
    }
}

/// Looks `key` up for writing and runs `f` on its HyperLogLog bytes (made `raw`), or returns
/// `None` when the key is missing.
fn with_hll_mut<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> Result<Option<R>, CmdError> {
    let Some(e) = ctx.lookup_write_inline(key) else {
        return Ok(None);
    };
    check(&e.value)?;
    let Value::Str(s) = &mut e.value else {
        return Err(CmdError::WrongType);
    };
    Ok(Some(s.with_raw(f)))
}

/// Creates `key` holding an empty (sparse) HyperLogLog, as dbAdd does ("new" event).
fn create(ctx: &mut Ctx<'_>, key: &[u8], value: Vec<u8>) {
    let (db, now) = (ctx.db(), ctx.now_ms);
    ctx.core
        .dbs
        .set(db, key, Value::Str(StrValue::Raw(value)), false, now);
    ctx.notify(NOTIFY_NEW, "new", key);
}

/// Records `changes` modifications of `key` (dirty count, WATCH, tracking).
fn changed(ctx: &mut Ctx<'_>, key: &[u8], changes: u64) {
    if changes > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += changes - 1;
    }
}

fn max_bytes(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.core.config.hll_sparse_max_bytes).unwrap_or(usize::MAX)
}

/// PFADD key [element ...]: 1 when a register changed (or the key was created), else 0.
fn pfadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let elements = argv.get(2..).unwrap_or_default();
    let limit = max_bytes(ctx);
    let add_all = |b: &mut Vec<u8>| -> Result<u64, Corrupt> {
        let mut updated = 0;
        for e in elements {
            if hll::add(b, e, limit)? {
                updated += 1;
            }
        }
        if updated > 0 {
            hll::invalidate_cache(b);
        }
        Ok(updated)
    };
    let updated = match with_hll_mut(ctx, key, add_all)? {
        Some(r) => r?,
        None => {
            let mut b = hll::new_sparse();
            let r = add_all(&mut b);
            hll::invalidate_cache(&mut b);
            create(ctx, key, b);
            // A fresh value is never corrupt; creating the key is itself an update.
            r.unwrap_or(0) + 1
        }
    };
    if updated > 0 {
        changed(ctx, key, updated);
        ctx.notify(NOTIFY_STRING, "pfadd", key);
    }
    ctx.reply.int(i64::from(updated > 0));
    Ok(())
}

/// PFCOUNT key [key ...]: the estimated cardinality of one value (refreshing its cache) or of
/// the union of several.
fn pfcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let keys = argv.get(1..).unwrap_or_default();
    if keys.len() > 1 {
        let mut max = vec![0u8; hll::REGISTERS];
        for key in keys {
            let Some(e) = ctx.lookup_read_inline(key) else {
                continue;
            };
            check(&e.value)?;
            if let Value::Str(s) = &e.value {
                let mut buf = [0u8; 20];
                hll::merge_into(&mut max, s.bytes(&mut buf))?;
            }
        }
        ctx.reply
            .int(to_i64(hll::estimate(&hll::raw_histogram(&max))));
        return Ok(());
    }
    let key = arg(argv, 1);
    // Redis reads the key with lookupKeyRead (hit/miss stats) and then writes the cache.
    if ctx.lookup_read_inline(key).is_none() {
        ctx.reply.int(0);
        return Ok(());
    }
    let counted = with_hll_mut(ctx, key, |b| match hll::cached_card(b) {
        Some(card) => Ok::<_, Corrupt>((card, false)),
        None => {
            let card = hll::count(b)?;
            hll::set_cached_card(b, card);
            Ok((card, true))
        }
    })?;
    let (card, refreshed) = counted.unwrap_or(Ok((0, false)))?;
    if refreshed {
        changed(ctx, key, 1);
    }
    ctx.reply.int(to_i64(card));
    Ok(())
}

/// PFMERGE destkey [sourcekey ...]: the union into `destkey` (which is also a source), dense
/// when any source is dense.
fn pfmerge(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut max = vec![0u8; hll::REGISTERS];
    let mut use_dense = false;
    for key in argv.get(1..).unwrap_or_default() {
        let Some(e) = ctx.lookup_read_inline(key) else {
            continue;
        };
        check(&e.value)?;
        if let Value::Str(s) = &e.value {
            let mut buf = [0u8; 20];
            let b = s.bytes(&mut buf);
            use_dense |= hll::encoding(b) == hll::DENSE;
            hll::merge_into(&mut max, b)?;
        }
    }
    let dst = arg(argv, 1);
    let limit = max_bytes(ctx);
    let write = |b: &mut Vec<u8>| -> Result<(), Corrupt> {
        if use_dense {
            hll::to_dense(b)?;
        }
        for (i, &m) in max.iter().enumerate() {
            if m > 0 {
                // As in Redis, a failure to update one register does not stop the others.
                let _ = hll::set_register(b, i, m, limit);
            }
        }
        hll::invalidate_cache(b);
        Ok(())
    };
    match with_hll_mut(ctx, dst, write)? {
        Some(r) => r?,
        None => {
            let mut b = hll::new_sparse();
            write(&mut b)?;
            create(ctx, dst, b);
        }
    }
    changed(ctx, dst, 1);
    ctx.notify(NOTIFY_STRING, "pfadd", dst);
    ctx.reply.simple(b"OK");
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
fn pfdebug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (sub, key) = (arg(argv, 1), arg(argv, 2));
    let sub_text = String::from_utf8_lossy(sub).into_owned();
    let Some(e) = ctx.lookup_write_inline(key) else {
        return Err(CmdError::Static("ERR The specified key does not exist"));
    };
    check(&e.value)?;
    let Value::Str(s) = &mut e.value else {
        return Err(CmdError::WrongType);
    };
    let arity = || {
        CmdError::Other(format!(
            "ERR Wrong number of arguments for the '{sub_text}' subcommand"
        ))
    };
    // Every subcommand works on the unshared (raw) value, as Redis's.
    let result = s.with_raw(|b| {
        if c_is(sub, "getreg") {
            if argv.len() != 3 {
                return Err(arity());
            }
            let converted = hll::encoding(b) == hll::SPARSE;
            hll::to_dense(b)?;
            Ok(Debug::Registers(hll::registers(b), converted))
        } else if c_is(sub, "decode") {
            if argv.len() != 3 {
                return Err(arity());
            }
            if hll::encoding(b) != hll::SPARSE {
                return Err(CmdError::Static("ERR HLL encoding is not sparse"));
            }
            Ok(Debug::Text(hll::decode(b)))
        } else if c_is(sub, "encoding") {
            if argv.len() != 3 {
                return Err(arity());
            }
            Ok(Debug::Status(if hll::encoding(b) == hll::DENSE {
                "dense"
            } else {
                "sparse"
            }))
        } else if c_is(sub, "todense") {
            if argv.len() != 3 {
                return Err(arity());
            }
            let converted = hll::encoding(b) == hll::SPARSE;
            hll::to_dense(b)?;
            Ok(Debug::Converted(converted))
        } else {
            Err(CmdError::Other(format!(
                "ERR Unknown PFDEBUG subcommand '{sub_text}'"
            )))
        }
    });
    match result? {
        Debug::Registers(regs, converted) => {
            if converted {
                ctx.core.dbs.dirty += 1;
            }
            ctx.reply.array_len(regs.len());
            for r in regs {
                ctx.reply.int(i64::from(r));
            }
        }
        Debug::Text(t) => ctx.reply.bulk(t.as_bytes()),
        Debug::Status(s) => ctx.reply.simple(s.as_bytes()),
        Debug::Converted(c) => {
            if c {
                ctx.core.dbs.dirty += 1;
            }
            ctx.reply.int(i64::from(c));
        }
    }
    Ok(())
}

/// What a PFDEBUG subcommand answers.
enum Debug {
    Registers(Vec<u8>, bool),
    Text(String),
    Status(&'static str),
    Converted(bool),
}

/// PFSELFTEST: the implementation's self test (slow: ten million additions).
fn pfselftest(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let limit = max_bytes(ctx);
    hll::self_test(rand::random::<u32>, limit).map_err(CmdError::Other)?;
    ctx.reply.simple(b"OK");
    Ok(())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
