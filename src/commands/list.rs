//! The list command group (the non-blocking commands), following Redis 7.0.15's t_list.c.
//!
//! Every command parses its arguments in Redis's order (some before the key lookup, some after
//! the type check, which decides which error a bad call gets), then works on
//! `types::list::List`. The pop and move logic lives in [`pop_generic`], [`mpop_generic`] and
//! [`lmove_generic`] so the blocking variants (BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH) can
//! serve a client with exactly the replies, events and propagation of the immediate path; they
//! return `Ok(false)` without replying when there is nothing to serve.
//!
//! Side effects, as Redis records them: keyspace events "lpush", "rpush", "lpop", "rpop",
//! "linsert", "lset", "lrem", "ltrim" (class list), "new" when a push creates the key and "del"
//! when a command empties it (the key is deleted in the same command). `ctx.touched` is called
//! once per modified key: it is the hook that wakes clients blocked on the key, so every push
//! goes through it. The dirty counter grows as Redis's `server.dirty` does (one per element
//! pushed, popped, trimmed or removed). LMPOP (and a blocking pop served at once) propagates as
//! LPOP/RPOP with the count actually popped; everything else replicates as received.

use bytes::Bytes;

use super::args::{arg, c_is, parse_block_timeout, parse_i64};
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_LIST, NOTIFY_NEW};
use crate::protocol::reply::ReplySink;
use crate::types::list::{End, List};
use crate::types::value::Value;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("lpush", lpush),
    ("rpush", rpush),
    ("lpushx", lpushx),
    ("rpushx", rpushx),
    ("lpop", lpop),
    ("rpop", rpop),
    ("llen", llen),
    ("lrange", lrange),
    ("lindex", lindex),
    ("lset", lset),
    ("linsert", linsert),
    ("lrem", lrem),
    ("ltrim", ltrim),
    ("lpos", lpos),
    ("lmove", lmove),
    ("rpoplpush", rpoplpush),
    ("lmpop", lmpop),
    ("blpop", blpop),
    ("brpop", brpop),
    ("blmpop", blmpop),
    ("blmove", blmove),
    ("brpoplpush", brpoplpush),
];

/// The list in a value, or WRONGTYPE.
fn as_list(v: &Value) -> Result<&List, CmdError> {
    match v {
        Value::List(l) => Ok(l),
        _ => Err(CmdError::WrongType),
    }
}

/// The list in a value for modification, or WRONGTYPE.
fn as_list_mut(v: &mut Value) -> Result<&mut List, CmdError> {
    match v {
        Value::List(l) => Ok(l),
        _ => Err(CmdError::WrongType),
    }
}

/// A new empty list with the configured node size and compress depth.
fn new_list(ctx: &Ctx<'_>) -> List {
    let c = &ctx.core.config;
    List::new(c.list_max_listpack_size, c.list_compress_depth)
}

/// Records a change to `key` worth `n` to the dirty counter (Redis's `server.dirty += n`),
/// through the one `touched` hook (which also wakes clients blocked on the key).
fn touched_n(ctx: &mut Ctx<'_>, key: &[u8], n: u64) {
    ctx.touched(key);
    // `touched` counted one change; make it `n`.
    ctx.core.dbs.dirty = ctx.core.dbs.dirty.saturating_sub(1).saturating_add(n);
}

/// Deletes `key` if its list is now empty, with the "del" event Redis emits.
fn delete_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let empty = ctx
        .core
        .dbs
        .lookup_write_inline(db, key, now)
        .is_some_and(|e| matches!(&e.value, Value::List(l) if l.is_empty()));
    if empty {
        ctx.core.dbs.delete(db, key, false);
        ctx.notify(NOTIFY_GENERIC, "del", key);
    }
}

/// The keyspace event of a pop at `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// LEFT or RIGHT (Redis's getListPositionFromObjectOrReply).
fn parse_end(b: &[u8]) -> Result<End, CmdError> {
    if c_is(b, "left") {
        Ok(End::Head)
    } else if c_is(b, "right") {
        Ok(End::Tail)
    } else {
        Err(CmdError::Syntax)
    }
}

/// A number of at least 1 with a custom error for anything else (getRangeLongFromObjectOrReply
/// with 1..LONG_MAX and a message).
fn parse_at_least_one(b: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    match crate::util::num::parse_i64(b) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(CmdError::Static(msg)),
    }
}

/// Replies `len` elements of `list` from position `start`, towards the tail or (with
/// `reverse`) towards the head from `start` (Redis's addListRangeReply after clamping).
fn reply_range(reply: &mut dyn ReplySink, list: &List, start: usize, len: usize, reverse: bool) {
    reply.array_len(len);
    let mut left = len;
    if left == 0 {
        return;
    }
    list.for_each_from(start, reverse, |e| {
        reply.bulk(e);
        left -= 1;
        left > 0
    });
}

/// Clamps a Redis (start, end) pair against `len` as LRANGE/LTRIM do: the first position and
/// the element count of the range, or `None` when it is empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    let s = usize::try_from(start).ok()?;
    let n = usize::try_from(end - start + 1).ok()?;
    Some((s, n))
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    push_generic(ctx, argv, End::Head, false)
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    push_generic(ctx, argv, End::Tail, false)
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    push_generic(ctx, argv, End::Head, true)
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    push_generic(ctx, argv, End::Tail, true)
}

/// Redis's pushGenericCommand: pushes every element in order at `end`; `xx` only pushes onto
/// an existing list.
fn push_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End, xx: bool) -> Result<(), CmdError> {
    let plain_from = ctx.core.debug.packed_threshold;
    let key = arg(argv, 1);
    let values = argv.get(2..).unwrap_or_default();
    let (db, now) = (ctx.db(), ctx.now_ms);
    let len = match ctx.core.dbs.lookup_write_inline(db, key, now) {
        Some(entry) => {
            let list = as_list_mut(&mut entry.value)?;
            list.set_packed_threshold(plain_from);
            for v in values {
                list.push(end, v);
            }
            list.len()
        }
        None if xx => {
            ctx.reply.int(0);
            return Ok(());
        }
        None => {
            let mut list = new_list(ctx);
            list.set_packed_threshold(plain_from);
            for v in values {
                list.push(end, v);
            }
            let len = list.len();
            ctx.core
                .dbs
                .set(db, key, Value::List(Box::new(list)), false, now);
            ctx.notify(NOTIFY_NEW, "new", key);
            len
        }
    };
    ctx.reply.int(i64::try_from(len).unwrap_or(i64::MAX));
    // The hook that wakes clients blocked on `key` (BLPOP and friends).
    touched_n(ctx, key, values.len() as u64);
    ctx.notify(NOTIFY_LIST, push_event(end), key);
    Ok(())
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    pop_command(ctx, argv, End::Head)
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    pop_command(ctx, argv, End::Tail)
}

/// Redis's popGenericCommand.
fn pop_command(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> Result<(), CmdError> {
    if argv.len() > 3 {
        let name = match end {
            End::Head => "lpop",
            End::Tail => "rpop",
        };
        return Err(CmdError::WrongArity(name.to_string()));
    }
    let count = match argv.get(2) {
        Some(c) => {
            Some(usize::try_from(parse_nonneg(c, CmdError::NotPositive)?).unwrap_or(usize::MAX))
        }
        None => None,
    };
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, key, now) else {
        if count.is_some() {
            ctx.reply.null_array();
        } else {
            ctx.reply.null();
        }
        return Ok(());
    };
    as_list(&entry.value)?;
    let shape = match count {
        Some(0) => {
            ctx.reply.array_len(0);
            return Ok(());
        }
        Some(n) => PopShape::Many(n),
        None => PopShape::One,
    };
    if !pop_generic(ctx, key, end, shape)? {
        // An empty list (never stored by this server, but possible in old RDB files).
        ctx.reply.null();
    }
    Ok(())
}

/// How a pop replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PopShape {
    /// One element as a bulk string (LPOP key).
    One,
    /// Up to n elements as an array (LPOP key count).
    Many(usize),
    /// `[key, element]` (BLPOP, BRPOP); propagates as LPOP/RPOP key.
    KeyOne,
    /// `[key, [elements...]]` with up to n elements (LMPOP, BLMPOP); propagates as LPOP/RPOP
    /// key count.
    KeyMany(usize),
}

/// Pops from the list at `key` and replies in `shape`, with the events, deletion, dirty count
/// and propagation Redis does (listElementsRemoved). Returns `Ok(false)`, replying nothing,
/// when the key is missing or empty; WRONGTYPE if it holds something else.
pub(crate) fn pop_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    end: End,
    shape: PopShape,
) -> Result<bool, CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, key, now) else {
        return Ok(false);
    };
    let list = as_list_mut(&mut entry.value)?;
    let len = list.len();
    if len == 0 {
        return Ok(false);
    }
    let want = match shape {
        PopShape::One | PopShape::KeyOne => 1,
        PopShape::Many(n) | PopShape::KeyMany(n) => n.min(len),
    };
    let (start, reverse) = match end {
        End::Head => (0, false),
        End::Tail => (len - 1, true),
    };
    match shape {
        PopShape::One => {
            if let Some(v) = list.pop(end) {
                ctx.reply.bulk(&v);
            }
        }
        PopShape::KeyOne => {
            if let Some(v) = list.pop(end) {
                ctx.reply.array_len(2);
                ctx.reply.bulk(key);
                ctx.reply.bulk(&v);
            }
        }
        PopShape::Many(_) => {
            reply_range(ctx.reply, list, start, want, reverse);
        }
        PopShape::KeyMany(_) => {
            ctx.reply.array_len(2);
            ctx.reply.bulk(key);
            reply_range(ctx.reply, list, start, want, reverse);
        }
    }
    if matches!(shape, PopShape::Many(_) | PopShape::KeyMany(_)) {
        let from = match end {
            End::Head => 0,
            End::Tail => len - want,
        };
        list.remove_range(from, want);
    }
    ctx.notify(NOTIFY_LIST, pop_event(end), key);
    delete_if_empty(ctx, key);
    touched_n(ctx, key, want as u64);
    let verb: &'static [u8] = match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    };
    match shape {
        PopShape::KeyOne => {
            ctx.propagate(vec![Bytes::from_static(verb), Bytes::copy_from_slice(key)])
        }
        PopShape::KeyMany(_) => ctx.propagate(vec![
            Bytes::from_static(verb),
            Bytes::copy_from_slice(key),
            Bytes::from(want.to_string()),
        ]),
        PopShape::One | PopShape::Many(_) => {}
    }
    Ok(true)
}

/// Pops from the first non-empty list among `keys` (Redis's mpopGenericCommand and the
/// immediate path of blockingPopGenericCommand): missing and empty keys are skipped, a key of
/// another type is WRONGTYPE. Returns `Ok(false)`, replying nothing, if every key was empty.
pub(crate) fn mpop_generic(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    end: End,
    shape: PopShape,
) -> Result<bool, CmdError> {
    for key in keys {
        if pop_generic(ctx, key, end, shape)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (keys, end, count) = parse_lmpop(argv, 1)?;
    if !mpop_generic(ctx, keys, end, PopShape::KeyMany(count))? {
        ctx.reply.null_array();
    }
    Ok(())
}

/// BLPOP key [key ...] timeout: LPOP of the first non-empty list as `[key, element]`, blocking
/// until a push or the timeout (null array). Served pops propagate as LPOP.
fn blpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bpop_generic(ctx, argv, End::Head)
}

/// BRPOP key [key ...] timeout: BLPOP from the tail.
fn brpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bpop_generic(ctx, argv, End::Tail)
}

fn bpop_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> Result<(), CmdError> {
    let last = argv.len().saturating_sub(1);
    let deadline = parse_block_timeout(arg(argv, last), ctx.now_ms)?;
    let keys = argv.get(1..last).unwrap_or_default();
    if !mpop_generic(ctx, keys, end, PopShape::KeyOne)? {
        ctx.block_or_timeout(keys, deadline);
    }
    Ok(())
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP that blocks.
fn blmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (keys, end, count) = parse_lmpop(argv, 2)?;
    let deadline = parse_block_timeout(arg(argv, 1), ctx.now_ms)?;
    if !mpop_generic(ctx, keys, end, PopShape::KeyMany(count))? {
        ctx.block_or_timeout(keys, deadline);
    }
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: LMOVE that blocks on the source
/// (null bulk on timeout); a served move propagates as LMOVE.
fn blmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let from = parse_end(arg(argv, 3))?;
    let to = parse_end(arg(argv, 4))?;
    let deadline = parse_block_timeout(arg(argv, 5), ctx.now_ms)?;
    blmove_generic(ctx, argv, from, to, deadline)
}

/// BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT.
fn brpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let deadline = parse_block_timeout(arg(argv, 3), ctx.now_ms)?;
    blmove_generic(ctx, argv, End::Tail, End::Head, deadline)
}

fn blmove_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    from: End,
    to: End,
    deadline: Option<i64>,
) -> Result<(), CmdError> {
    let (src, dst) = (arg(argv, 1), arg(argv, 2));
    if lmove_generic(ctx, src, dst, from, to)? {
        // Lowercase, as Redis's shared.left / shared.right (checked on redis-server 7.0.15).
        let word = |e: End| Bytes::from_static(if e == End::Head { b"left" } else { b"right" });
        let (s, d) = (Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let argv = if argv.len() == 4 {
            vec![Bytes::from_static(b"RPOPLPUSH"), s, d]
        } else {
            vec![Bytes::from_static(b"LMOVE"), s, d, word(from), word(to)]
        };
        ctx.propagate(argv);
    } else {
        // Redis answers a timed-out BLMOVE with the null array, like every list block, but
        // the null bulk when it cannot block at all (inside MULTI).
        let key = argv.get(1..2).unwrap_or_default();
        if ctx.may_block() {
            ctx.block(key.to_vec(), deadline);
        } else {
            ctx.reply.null();
        }
    }
    Ok(())
}

/// Parses LMPOP's (and BLMPOP's) arguments from `numkeys_idx` on: the keys, the end, the count
/// (Redis's lmpopGenericCommand, in its order of checks).
pub(crate) fn parse_lmpop(
    argv: &[Bytes],
    numkeys_idx: usize,
) -> Result<(&[Bytes], End, usize), CmdError> {
    let numkeys = parse_at_least_one(
        arg(argv, numkeys_idx),
        "ERR numkeys should be greater than 0",
    )?;
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_idx + 1))
        .filter(|&w| w < argv.len())
        .ok_or(CmdError::Syntax)?;
    let end = parse_end(arg(argv, where_idx))?;
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if count.is_none() && more && c_is(arg(argv, j), "count") {
            j += 1;
            count = Some(parse_at_least_one(
                arg(argv, j),
                "ERR count should be greater than 0",
            )?);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let keys = argv.get(numkeys_idx + 1..where_idx).unwrap_or_default();
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    Ok((keys, end, count))
}

/// LLEN key
fn llen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let len = match ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now) {
        Some(entry) => as_list(&entry.value)?.len(),
        None => 0,
    };
    ctx.reply.int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let start = parse_i64(arg(argv, 2))?;
    let end = parse_i64(arg(argv, 3))?;
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now) else {
        ctx.reply.array_len(0);
        return Ok(());
    };
    let list = as_list(&entry.value)?;
    match clamp_range(start, end, list.len()) {
        Some((s, n)) => reply_range(ctx.reply, list, s, n, false),
        None => ctx.reply.array_len(0),
    }
    Ok(())
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now) else {
        ctx.reply.null();
        return Ok(());
    };
    let list = as_list(&entry.value)?;
    let index = parse_i64(arg(argv, 2))?;
    match list.resolve(index).and_then(|i| list.get(i)) {
        Some(v) => ctx.reply.bulk(&v),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// LSET key index element
fn lset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let plain_from = ctx.core.debug.packed_threshold;
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let entry = ctx
        .core
        .dbs
        .lookup_write_inline(db, key, now)
        .ok_or(CmdError::NoSuchKey)?;
    let list = as_list_mut(&mut entry.value)?;
    let index = parse_i64(arg(argv, 2))?;
    let pos = list.resolve(index).ok_or(CmdError::IndexOutOfRange)?;
    list.set_packed_threshold(plain_from);
    list.set(pos, arg(argv, 3));
    ctx.reply.ok();
    touched_n(ctx, key, 1);
    ctx.notify(NOTIFY_LIST, "lset", key);
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let plain_from = ctx.core.debug.packed_threshold;
    let after = if c_is(arg(argv, 2), "after") {
        true
    } else if c_is(arg(argv, 2), "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, key, now) else {
        ctx.reply.int(0);
        return Ok(());
    };
    let list = as_list_mut(&mut entry.value)?;
    let Some(pos) = list.position(arg(argv, 3)) else {
        ctx.reply.int(-1);
        return Ok(());
    };
    list.set_packed_threshold(plain_from);
    list.insert(pos, after, arg(argv, 4));
    let len = list.len();
    touched_n(ctx, key, 1);
    ctx.notify(NOTIFY_LIST, "linsert", key);
    ctx.reply.int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// LREM key count element
fn lrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let toremove = parse_i64(arg(argv, 2))?;
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, key, now) else {
        ctx.reply.int(0);
        return Ok(());
    };
    let list = as_list_mut(&mut entry.value)?;
    // A negative count scans from the tail; i64::MIN negates to itself in C, which never
    // reaches the limit, i.e. removes all (unsigned_abs gives the same).
    let from = if toremove < 0 { End::Tail } else { End::Head };
    let removed = list.remove_matching(arg(argv, 3), toremove.unsigned_abs(), from);
    if removed > 0 {
        touched_n(ctx, key, removed as u64);
        ctx.notify(NOTIFY_LIST, "lrem", key);
    }
    delete_if_empty(ctx, key);
    ctx.reply.int(i64::try_from(removed).unwrap_or(i64::MAX));
    Ok(())
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let start = parse_i64(arg(argv, 2))?;
    let end = parse_i64(arg(argv, 3))?;
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, key, now) else {
        ctx.reply.ok();
        return Ok(());
    };
    let list = as_list_mut(&mut entry.value)?;
    let len = list.len();
    let (ltrim, rtrim) = match clamp_range(start, end, len) {
        Some((s, n)) => (s, len - s - n),
        None => (len, 0),
    };
    list.remove_range(0, ltrim);
    let left = list.len();
    list.remove_range(left - rtrim.min(left), rtrim);
    ctx.notify(NOTIFY_LIST, "ltrim", key);
    delete_if_empty(ctx, key);
    touched_n(ctx, key, (ltrim + rtrim) as u64);
    ctx.reply.ok();
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let opt = arg(argv, j);
        let more = j + 1 < argv.len();
        if c_is(opt, "rank") && more {
            j += 1;
            rank = parse_i64(arg(argv, j))?;
            if rank == 0 {
                return Err(CmdError::Static(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if c_is(opt, "count") && more {
            j += 1;
            count = Some(parse_nonneg(
                arg(argv, j),
                CmdError::Static("ERR COUNT can't be negative"),
            )?);
        } else if c_is(opt, "maxlen") && more {
            j += 1;
            maxlen = parse_nonneg(
                arg(argv, j),
                CmdError::Static("ERR MAXLEN can't be negative"),
            )?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    // A negative rank scans from the tail (C negation: i64::MIN stays negative).
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now) else {
        if count.is_some() {
            ctx.reply.array_len(0);
        } else {
            ctx.reply.null();
        }
        return Ok(());
    };
    let list = as_list(&entry.value)?;
    let needle = arg(argv, 2);
    let llen = list.len() as i64;
    let mut index: i64 = 0;
    let mut matches: i64 = 0;
    let mut found: Option<i64> = None;
    let mut hits: Vec<i64> = Vec::new();
    if llen > 0 {
        let start = if from_tail { list.len() - 1 } else { 0 };
        list.for_each_from(start, from_tail, |e| {
            if maxlen != 0 && index >= maxlen {
                return false;
            }
            if e == needle {
                matches += 1;
                let at = if from_tail { llen - index - 1 } else { index };
                if matches >= rank {
                    match count {
                        Some(c) => {
                            hits.push(at);
                            let got = matches.wrapping_sub(rank).wrapping_add(1);
                            if c != 0 && got >= c {
                                return false;
                            }
                        }
                        None => {
                            found = Some(at);
                            return false;
                        }
                    }
                }
            }
            index += 1;
            true
        });
    }
    match count {
        Some(_) => {
            ctx.reply.array_len(hits.len());
            for h in hits {
                ctx.reply.int(h);
            }
        }
        None => match found {
            Some(at) => ctx.reply.int(at),
            None => ctx.reply.null(),
        },
    }
    Ok(())
}

/// A non-negative integer, `err` for anything else (getPositiveLongFromObjectOrReply: a
/// non-number gets the same error as a negative one).
fn parse_nonneg(b: &[u8], err: CmdError) -> Result<i64, CmdError> {
    match crate::util::num::parse_i64(b) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(err),
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let from = parse_end(arg(argv, 3))?;
    let to = parse_end(arg(argv, 4))?;
    if !lmove_generic(ctx, arg(argv, 1), arg(argv, 2), from, to)? {
        ctx.reply.null();
    }
    Ok(())
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if !lmove_generic(ctx, arg(argv, 1), arg(argv, 2), End::Tail, End::Head)? {
        ctx.reply.null();
    }
    Ok(())
}

/// Redis's lmoveGenericCommand: pops from `src` at `from`, pushes onto `dst` at `to` (creating
/// it), replies the element. Returns `Ok(false)`, replying nothing, when `src` is missing or
/// empty; WRONGTYPE (before anything changes) if either key holds another type. Propagation is
/// the caller's: LMOVE and RPOPLPUSH replicate as received, BLMOVE/BRPOPLPUSH as LMOVE/RPOPLPUSH.
pub(crate) fn lmove_generic(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<bool, CmdError> {
    let plain_from = ctx.core.debug.packed_threshold;
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_write_inline(db, src, now) else {
        return Ok(false);
    };
    if as_list(&entry.value)?.is_empty() {
        return Ok(false);
    }
    if let Some(d) = ctx.core.dbs.lookup_write_inline(db, dst, now) {
        as_list(&d.value)?;
    }
    let Some(value) = ctx
        .core
        .dbs
        .lookup_write_inline(db, src, now)
        .and_then(|e| as_list_mut(&mut e.value).ok())
        .and_then(|l| l.pop(from))
    else {
        return Ok(false);
    };
    // Push (lmoveHandlePush): the hook on `dst` wakes its blocked clients.
    match ctx.core.dbs.lookup_write_inline(db, dst, now) {
        Some(d) => {
            let list = as_list_mut(&mut d.value)?;
            list.set_packed_threshold(plain_from);
            list.push(to, &value);
        }
        None => {
            let mut list = new_list(ctx);
            list.set_packed_threshold(plain_from);
            list.push(to, &value);
            ctx.core
                .dbs
                .set(db, dst, Value::List(Box::new(list)), false, now);
            ctx.notify(NOTIFY_NEW, "new", dst);
        }
    }
    ctx.touched(dst);
    ctx.notify(NOTIFY_LIST, push_event(to), dst);
    ctx.reply.bulk(&value);
    ctx.notify(NOTIFY_LIST, pop_event(from), src);
    delete_if_empty(ctx, src);
    // Redis counts one change for the whole move.
    touched_n(ctx, src, 0);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn arr(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    fn ints(items: &[i64]) -> Reply {
        Reply::Array(items.iter().map(|&n| Reply::Int(n)).collect())
    }

    fn run(h: &mut Harness, line: &str) -> Reply {
        let words: Vec<&str> = line.split(' ').collect();
        h.run(&words)
    }

    /// Runs `(command, expected reply)` pairs in order.
    fn script(h: &mut Harness, steps: &[(&str, Reply)]) {
        for (line, want) in steps {
            assert_eq!(&run(h, line), want, "{line}");
        }
    }

    fn watch(h: &mut Harness) {
        h.core.effects.notify_classes = u32::MAX;
        h.core.effects.propagating = true;
    }

    fn wrongtype_fixture() -> Harness {
        let mut h = Harness::new();
        run(&mut h, "SET s v");
        h
    }

    #[test]
    fn push_and_range() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("LPUSH l a b c", int(3)),
                ("RPUSH l d e", int(5)),
                ("LRANGE l 0 -1", arr(&["c", "b", "a", "d", "e"])),
                ("LRANGE l -2 100", arr(&["d", "e"])),
                ("LRANGE l 3 1", arr(&[])),
                ("LRANGE l -100 0", arr(&["c"])),
                ("LRANGE missing 0 -1", arr(&[])),
                (
                    "LRANGE l a 1",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LLEN l", int(5)),
                ("LLEN missing", int(0)),
                ("LPUSHX missing a", int(0)),
                ("RPUSHX missing a", int(0)),
                ("EXISTS missing", int(0)),
                ("LPUSHX l x y", int(7)),
                ("RPUSHX l z", int(8)),
                ("LINDEX l 0", bulk("y")),
                ("LINDEX l -1", bulk("z")),
                ("LINDEX l 8", Reply::Null),
                (
                    "LINDEX l x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LINDEX missing x", Reply::Null),
                ("OBJECT ENCODING l", bulk("quicklist")),
            ],
        );
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut h = wrongtype_fixture();
        for line in [
            "LPUSH s a",
            "RPUSH s a",
            "LPUSHX s a",
            "RPUSHX s a",
            "LPOP s",
            "RPOP s 1",
            "LLEN s",
            "LRANGE s 0 -1",
            "LINDEX s 0",
            "LSET s 0 a",
            "LINSERT s before a b",
            "LREM s 0 a",
            "LTRIM s 0 1",
            "LPOS s a",
            "LMOVE s d LEFT LEFT",
            "RPOPLPUSH s d",
            "LMPOP 1 s LEFT",
        ] {
            assert_eq!(run(&mut h, line), err(WRONGTYPE), "{line}");
        }
        run(&mut h, "RPUSH l a");
        assert_eq!(run(&mut h, "LMOVE l s LEFT LEFT"), err(WRONGTYPE));
        assert_eq!(run(&mut h, "RPOPLPUSH l s"), err(WRONGTYPE));
        assert_eq!(run(&mut h, "LRANGE l 0 -1"), arr(&["a"]));
    }

    #[test]
    fn pops_with_counts_and_null_shapes() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("RPUSH l a b c d e", int(5)),
                ("LPOP l", bulk("a")),
                ("RPOP l", bulk("e")),
                ("LPOP l 2", arr(&["b", "c"])),
                ("LPOP l 0", arr(&[])),
                (
                    "LPOP l -1",
                    err("ERR value is out of range, must be positive"),
                ),
                (
                    "LPOP l x",
                    err("ERR value is out of range, must be positive"),
                ),
                (
                    "LPOP l 1 2",
                    err("ERR wrong number of arguments for 'lpop' command"),
                ),
                ("RPOP l 5", arr(&["d"])),
                ("EXISTS l", int(0)),
                ("LPOP missing", Reply::Null),
                ("LPOP missing 1", Reply::NullArray),
                ("LPOP missing 0", Reply::NullArray),
                ("RPUSH l a b c", int(3)),
                ("RPOP l 2", arr(&["c", "b"])),
            ],
        );
        // The RESP3 writer renders both nulls as `_` (checked byte for byte in tests/list.rs).
        h.resp3();
        assert_eq!(run(&mut h, "LPOP missing 1"), Reply::NullArray);
        assert_eq!(run(&mut h, "LPOP missing"), Reply::Null);
    }

    #[test]
    fn lset_linsert_lrem_ltrim() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("LSET missing 0 a", err("ERR no such key")),
                ("LSET missing x a", err("ERR no such key")),
                ("RPUSH l a b c", int(3)),
                ("LSET l 3 x", err("ERR index out of range")),
                ("LSET l -4 x", err("ERR index out of range")),
                (
                    "LSET l x x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LSET l -1 C", Reply::simple("OK")),
                ("LINSERT l BEFORE a first", int(4)),
                ("LINSERT l after C last", int(5)),
                ("LINSERT l before nothere x", int(-1)),
                ("LINSERT missing before a x", int(0)),
                ("LINSERT l middle a x", err("ERR syntax error")),
                ("LINSERT missing middle a x", err("ERR syntax error")),
                ("LRANGE l 0 -1", arr(&["first", "a", "b", "C", "last"])),
                ("DEL l", int(1)),
                ("RPUSH l a b a c a b a", int(7)),
                ("LREM l 2 a", int(2)),
                ("LREM l -1 a", int(1)),
                ("LRANGE l 0 -1", arr(&["b", "c", "a", "b"])),
                ("LREM l 0 b", int(2)),
                (
                    "LREM l x b",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LREM missing 0 a", int(0)),
                ("LREM l -9223372036854775808 a", int(1)),
                ("LREM l 0 c", int(1)),
                ("EXISTS l", int(0)),
                ("RPUSH l 0 1 2 3 4 5", int(6)),
                ("LTRIM l 1 -2", Reply::simple("OK")),
                ("LRANGE l 0 -1", arr(&["1", "2", "3", "4"])),
                (
                    "LTRIM l x 1",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LTRIM missing 0 1", Reply::simple("OK")),
                ("LTRIM l 2 1", Reply::simple("OK")),
                ("EXISTS l", int(0)),
            ],
        );
    }

    #[test]
    fn lpos_options_and_errors() {
        let mut h = Harness::new();
        run(&mut h, "RPUSH l a b c 1 2 3 c c");
        let rank0 = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list";
        script(
            &mut h,
            &[
                ("LPOS l c", int(2)),
                ("LPOS l c RANK 2", int(6)),
                ("LPOS l c RANK -1", int(7)),
                ("LPOS l c RANK 4", Reply::Null),
                ("LPOS l c COUNT 0", ints(&[2, 6, 7])),
                ("LPOS l c COUNT 2 RANK 2", ints(&[6, 7])),
                ("LPOS l c COUNT 0 RANK -1", ints(&[7, 6, 2])),
                ("LPOS l c MAXLEN 3", int(2)),
                ("LPOS l c MAXLEN 1 RANK -1", int(7)),
                ("LPOS l c MAXLEN 2", Reply::Null),
                ("LPOS l zz COUNT 1", ints(&[])),
                ("LPOS l c RANK 0", err(rank0)),
                ("LPOS missing c RANK 0", err(rank0)),
                (
                    "LPOS l c RANK x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("LPOS l c COUNT -1", err("ERR COUNT can't be negative")),
                ("LPOS l c COUNT x", err("ERR COUNT can't be negative")),
                ("LPOS l c MAXLEN -1", err("ERR MAXLEN can't be negative")),
                ("LPOS l c RANK", err("ERR syntax error")),
                ("LPOS l c FOO 1", err("ERR syntax error")),
                ("LPOS l c RANK -9223372036854775808", int(7)),
                (
                    "LPOS l c RANK -9223372036854775808 COUNT 1",
                    ints(&[7, 6, 2]),
                ),
                ("LPOS missing c", Reply::Null),
                ("LPOS missing c COUNT 1", ints(&[])),
            ],
        );
    }

    #[test]
    fn lmove_and_rpoplpush() {
        let mut h = Harness::new();
        watch(&mut h);
        script(
            &mut h,
            &[
                ("RPUSH src a", int(1)),
                ("LMOVE src dst LEFT RIGHT", bulk("a")),
                ("EXISTS src", int(0)),
                ("LMOVE src dst LEFT RIGHT", Reply::Null),
                ("LMOVE src dst up LEFT", err("ERR syntax error")),
                ("RPOPLPUSH dst dst", bulk("a")),
                ("RPUSH dst b", int(2)),
                ("RPOPLPUSH dst dst", bulk("b")),
                ("LRANGE dst 0 -1", arr(&["b", "a"])),
                ("RPOPLPUSH missing dst", Reply::Null),
            ],
        );
        let ev = h.take_events();
        assert_eq!(
            &ev[..6],
            [
                "new src",
                "rpush src",
                "new dst",
                "rpush dst",
                "lpop src",
                "del src"
            ]
        );
        assert_eq!(
            h.take_propagated(),
            [
                "RPUSH src a",
                "LMOVE src dst LEFT RIGHT",
                "RPOPLPUSH dst dst",
                "RPUSH dst b",
                "RPOPLPUSH dst dst"
            ],
            "LMOVE replicates as received"
        );
    }

    #[test]
    fn lmpop_parsing_and_propagation() {
        let mut h = Harness::new();
        watch(&mut h);
        script(
            &mut h,
            &[
                ("RPUSH l2 a b c d e", int(5)),
                (
                    "LMPOP 2 l l2 LEFT",
                    Reply::Array(vec![bulk("l2"), arr(&["a"])]),
                ),
                (
                    "LMPOP 2 l l2 RIGHT COUNT 2",
                    Reply::Array(vec![bulk("l2"), arr(&["e", "d"])]),
                ),
                (
                    "LMPOP 2 l l2 left count 10",
                    Reply::Array(vec![bulk("l2"), arr(&["b", "c"])]),
                ),
                ("LMPOP 2 l l2 LEFT", Reply::NullArray),
                (
                    "LMPOP 0 l LEFT",
                    err("ERR numkeys should be greater than 0"),
                ),
                (
                    "LMPOP x l LEFT",
                    err("ERR numkeys should be greater than 0"),
                ),
                (
                    "LMPOP 1 l LEFT COUNT 0",
                    err("ERR count should be greater than 0"),
                ),
                (
                    "LMPOP 1 l LEFT COUNT x",
                    err("ERR count should be greater than 0"),
                ),
                ("LMPOP 1 l LEFT COUNT 1 COUNT 1", err("ERR syntax error")),
                ("LMPOP 1 l MIDDLE", err("ERR syntax error")),
                ("LMPOP 2 l LEFT", err("ERR syntax error")),
                ("LMPOP 9223372036854775807 l LEFT", err("ERR syntax error")),
            ],
        );
        assert_eq!(
            h.take_propagated(),
            ["RPUSH l2 a b c d e", "LPOP l2 1", "RPOP l2 2", "LPOP l2 2"]
        );
        let ev = h.take_events();
        assert_eq!(ev.last().map(String::as_str), Some("del l2"));
        h.resp3();
        assert_eq!(run(&mut h, "LMPOP 1 l LEFT"), Reply::NullArray);
    }

    #[test]
    fn pushes_count_dirty_per_element_and_notify_once() {
        let mut h = Harness::new();
        watch(&mut h);
        let before = h.core.dbs.dirty;
        run(&mut h, "RPUSH l a b c");
        assert_eq!(h.core.dbs.dirty - before, 3);
        run(&mut h, "LPOP l 2");
        assert_eq!(h.core.dbs.dirty - before, 5);
        assert_eq!(h.take_events(), ["new l", "rpush l", "lpop l"]);
        run(&mut h, "LTRIM l 0 -1");
        run(&mut h, "LSET l 0 x");
        run(&mut h, "LINSERT l before x w");
        run(&mut h, "LREM l 0 w");
        assert_eq!(
            h.take_events(),
            ["ltrim l", "lset l", "linsert l", "lrem l"]
        );
    }

    #[test]
    fn packed_threshold_knob_gives_big_elements_plain_nodes() {
        let mut h = Harness::new();
        h.core.debug.packed_threshold = 10;
        let big = "0123456789abc";
        run(&mut h, &format!("RPUSH l a b {big} c"));
        run(&mut h, &format!("LINSERT l AFTER a {big}"));
        run(&mut h, &format!("LSET l 0 {big}"));
        let db = h.core.dbs.db(0).unwrap();
        let Value::List(l) = &db.get(b"l".as_slice()).unwrap().value else {
            panic!("not a list");
        };
        // [big] [big] [b] [big] [c]: every big element in a plain node of its own.
        assert_eq!(l.node_count(), 5);
        let plain: Vec<bool> = l.node_elements().iter().map(|(p, _)| *p).collect();
        assert_eq!(plain, [true, true, false, true, false]);
        assert_eq!(
            run(&mut h, "LRANGE l 0 -1"),
            arr(&[big, big, "b", big, "c"])
        );
    }

    #[test]
    fn new_lists_take_the_configured_node_size() {
        let mut h = Harness::new();
        run(&mut h, "CONFIG SET list-max-listpack-size 2");
        run(&mut h, "CONFIG SET list-compress-depth 1");
        run(&mut h, "RPUSH l 1 2 3 4 5 6 7");
        let db = h.core.dbs.db(0).unwrap();
        let Value::List(l) = &db.get(b"l".as_slice()).unwrap().value else {
            panic!("not a list");
        };
        assert_eq!((l.node_count(), l.fill(), l.compress_depth()), (4, 2, 1));
        assert_eq!(
            run(&mut h, "LRANGE l 0 -1"),
            arr(&["1", "2", "3", "4", "5", "6", "7"])
        );
    }
}
