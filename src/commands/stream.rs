//! The stream command group, following Redis 7.0.15's t_stream.c.
//!
//! Every command parses its arguments in Redis's order (some before the key lookup, some after,
//! which decides which error a bad call gets), then works on `types::stream::Stream`.
//!
//! Side effects, as Redis records them. Keyspace events (class stream): "xadd", "xtrim" (also
//! from XADD's trimming), "xdel", "xsetid", "xgroup-create", "xgroup-setid", "xgroup-destroy",
//! "xgroup-createconsumer" (XGROUP CREATECONSUMER and the implicit creation by XREADGROUP,
//! XCLAIM and XAUTOCLAIM), "xgroup-delconsumer"; "new" when XADD or XGROUP CREATE MKSTREAM
//! creates the key. Propagation: XADD goes out with the ID it generated and, after a `~` trim,
//! `=` and the exact threshold reached (length for MAXLEN, first ID for MINID); XTRIM likewise;
//! XREADGROUP, XCLAIM and XAUTOCLAIM are not propagated as received but as one
//! `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last` per entry they
//! changed, plus `XGROUP SETID key group last ENTRIESREAD n` when only the group's last ID moved;
//! XREAD is never propagated.
//!
//! Blocking: XREAD and XREADGROUP with BLOCK that find nothing block on their keys; the command
//! is run again when a key is written (`$` already resolved to the ID seen when blocking, and
//! COUNT 1000 when no COUNT was given, as Redis's XREAD_BLOCKED_DEFAULT_COUNT). A re-run
//! XREADGROUP whose key was deleted or whose group was destroyed answers Redis 7.0's UNBLOCKED
//! or NOGROUP error.

use bytes::Bytes;

use super::args::{arg, c_is, c_str, parse_i64};
use super::ctx::flags;
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_NEW, NOTIFY_STREAM};
use crate::db::Entry;
use crate::protocol::reply::{AggregateKind, ReplySink};
use crate::types::stream::{
    AddError, ENTRIES_READ_INVALID, FieldPair, Group, NewId, NodeLimits, Stream, StreamId, Trim,
};
use crate::types::value::Value;
use crate::util::listpack::LpValue;
use crate::util::num;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("xadd", xadd),
    ("xrange", xrange),
    ("xrevrange", xrevrange),
    ("xlen", xlen),
    ("xdel", xdel),
    ("xtrim", xtrim),
    ("xsetid", xsetid),
    ("xread", xread),
    ("xreadgroup", xreadgroup),
    ("xack", xack),
    ("xpending", xpending),
    ("xclaim", xclaim),
    ("xautoclaim", xautoclaim),
    ("xgroup|create", xgroup_create),
    ("xgroup|setid", xgroup_setid),
    ("xgroup|destroy", xgroup_destroy),
    ("xgroup|createconsumer", xgroup_createconsumer),
    ("xgroup|delconsumer", xgroup_delconsumer),
    ("xgroup|help", xgroup_help),
    ("xinfo|stream", xinfo_stream),
    ("xinfo|groups", xinfo_groups),
    ("xinfo|consumers", xinfo_consumers),
    ("xinfo|help", xinfo_help),
];

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";
/// XREAD_BLOCKED_DEFAULT_COUNT: the COUNT a blocked read without one is served with.
const BLOCKED_DEFAULT_COUNT: i64 = 1000;

// ---------------------------------------------------------------------------------------------
// Lookups, ID parsing and reply helpers.
// ---------------------------------------------------------------------------------------------

/// The stream in an entry, or WRONGTYPE.
fn as_stream(e: Option<&mut Entry>) -> Result<Option<&mut Stream>, CmdError> {
    match e {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::Stream(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Redis's string2ull: string2ll for non-negative values, else strtoull (leading spaces, a
/// sign, wrapping negation).
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(n) = num::parse_i64(s) {
        return u64::try_from(n).ok();
    }
    let mut i = 0;
    while s
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
    {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c) = s.get(i)
        && (c == b'+' || c == b'-')
    {
        neg = c == b'-';
        i += 1;
    }
    let digits = s.get(i..)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// streamGenericParseIDOrReply: `-`, `+` (unless `strict`), `ms`, `ms-seq`, and `ms-*` when
/// `seq_star`. Returns the ID and whether the sequence was given.
fn parse_id_generic(
    a: &[u8],
    missing_seq: u64,
    strict: bool,
    seq_star: bool,
) -> Result<(StreamId, bool), CmdError> {
    let invalid = CmdError::Static(INVALID_ID);
    if a.len() > 127 {
        return Err(invalid);
    }
    let a = c_str(a);
    if a == b"-" {
        return if strict {
            Err(invalid)
        } else {
            Ok((StreamId::MIN, true))
        };
    }
    if a == b"+" {
        return if strict {
            Err(invalid)
        } else {
            Ok((StreamId::MAX, true))
        };
    }
    let (ms_part, seq_part) = match a.iter().position(|&c| c == b'-') {
        Some(p) => (a.get(..p).unwrap_or_default(), a.get(p + 1..)),
        None => (a, None),
    };
    let ms = string2ull(ms_part).ok_or(invalid.clone())?;
    let (seq, given) = match seq_part {
        Some(b"*") if seq_star => (0, false),
        Some(s) => (string2ull(s).ok_or(invalid)?, true),
        None => (missing_seq, true),
    };
    Ok((StreamId::new(ms, seq), given))
}

/// streamParseIDOrReply.
fn parse_id(a: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    Ok(parse_id_generic(a, missing_seq, false, false)?.0)
}

/// streamParseStrictIDOrReply (no `-` / `+`).
fn parse_strict_id(a: &[u8]) -> Result<StreamId, CmdError> {
    Ok(parse_id_generic(a, 0, true, false)?.0)
}

/// streamParseIntervalIDOrReply: an ID, or `(ID` (exclusive); returns (ID, exclusive).
fn parse_interval_id(a: &[u8], missing_seq: u64) -> Result<(StreamId, bool), CmdError> {
    if a.len() > 1 && a.first() == Some(&b'(') {
        let id = parse_id_generic(a.get(1..).unwrap_or_default(), missing_seq, true, false)?.0;
        return Ok((id, true));
    }
    Ok((parse_id(a, missing_seq)?, false))
}

/// The start of an interval (exclusive bound moves up).
fn range_start(a: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = parse_interval_id(a, 0)?;
    if ex {
        return id
            .next()
            .ok_or(CmdError::Static("ERR invalid start ID for the interval"));
    }
    Ok(id)
}

/// The end of an interval (exclusive bound moves down).
fn range_end(a: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = parse_interval_id(a, u64::MAX)?;
    if ex {
        return id
            .prev()
            .ok_or(CmdError::Static("ERR invalid end ID for the interval"));
    }
    Ok(id)
}

/// Writes "ms-seq" into `buf` and returns it.
fn id_bytes(id: StreamId, buf: &mut [u8; 41]) -> &[u8] {
    let mut a = [0u8; 20];
    let mut b = [0u8; 20];
    let ms = num::fmt_u64(id.ms, &mut a);
    let seq = num::fmt_u64(id.seq, &mut b);
    let n = ms.len() + 1 + seq.len();
    if let Some(dst) = buf.get_mut(..ms.len()) {
        dst.copy_from_slice(ms);
    }
    if let Some(dst) = buf.get_mut(ms.len()) {
        *dst = b'-';
    }
    if let Some(dst) = buf.get_mut(ms.len() + 1..n) {
        dst.copy_from_slice(seq);
    }
    buf.get(..n).unwrap_or_default()
}

fn reply_id(r: &mut dyn ReplySink, id: StreamId) {
    let mut buf = [0u8; 41];
    r.bulk(id_bytes(id, &mut buf));
}

fn reply_lp(r: &mut dyn ReplySink, v: &LpValue<'_>) {
    let mut buf = [0u8; 20];
    r.bulk(v.to_bytes(&mut buf));
}

/// One entry as `[id, [field, value, ...]]`.
fn reply_entry(r: &mut dyn ReplySink, id: StreamId, pairs: &[FieldPair<'_>]) {
    r.array_len(2);
    reply_id(r, id);
    r.array_len(pairs.len() * 2);
    for (f, v) in pairs {
        reply_lp(r, f);
        reply_lp(r, v);
    }
}

/// Replies the entries in `start..=end` (at most `count`, 0 = all); returns how many.
fn reply_range(
    r: &mut dyn ReplySink,
    s: &Stream,
    start: StreamId,
    end: StreamId,
    count: usize,
    rev: bool,
) -> usize {
    let d = r.deferred_len(AggregateKind::Array);
    let mut n = 0;
    s.range(start, end, rev, |id, pairs| {
        reply_entry(r, id, pairs);
        n += 1;
        count == 0 || n < count
    });
    r.set_deferred(d, n);
    n
}

/// Replies the one entry `id` (no array around it), or nothing; true if it exists.
fn reply_one(r: &mut dyn ReplySink, s: &Stream, id: StreamId) -> bool {
    let mut found = false;
    s.range(id, id, false, |id, pairs| {
        reply_entry(r, id, pairs);
        found = true;
        false
    });
    found
}

fn id_arg(id: StreamId) -> Bytes {
    id.to_bytes()
}

fn int_arg(n: i64) -> Bytes {
    Bytes::from(n.to_string())
}

/// streamPropagateXCLAIM's command.
fn xclaim_argv(key: &[u8], group: &[u8], g: &Group, id: StreamId) -> Option<Vec<Bytes>> {
    let nack = g.pel.get(&id)?;
    Some(xclaim_argv_nack(key, group, g, id, nack))
}

/// streamPropagateXCLAIM for an entry whose NACK was just removed (it refers to the NACK as
/// it was).
fn xclaim_argv_nack(
    key: &[u8],
    group: &[u8],
    g: &Group,
    id: StreamId,
    nack: &crate::types::stream::Nack,
) -> Vec<Bytes> {
    vec![
        Bytes::from_static(b"XCLAIM"),
        Bytes::copy_from_slice(key),
        Bytes::copy_from_slice(group),
        nack.consumer.clone(),
        Bytes::from_static(b"0"),
        id_arg(id),
        Bytes::from_static(b"TIME"),
        int_arg(nack.delivery_time),
        Bytes::from_static(b"RETRYCOUNT"),
        int_arg(i64::try_from(nack.delivery_count).unwrap_or(i64::MAX)),
        Bytes::from_static(b"FORCE"),
        Bytes::from_static(b"JUSTID"),
        Bytes::from_static(b"LASTID"),
        id_arg(g.last_id),
    ]
}

/// streamPropagateGroupID's command.
fn setid_argv(key: &[u8], group: &[u8], g: &Group) -> Vec<Bytes> {
    vec![
        Bytes::from_static(b"XGROUP"),
        Bytes::from_static(b"SETID"),
        Bytes::copy_from_slice(key),
        Bytes::copy_from_slice(group),
        id_arg(g.last_id),
        Bytes::from_static(b"ENTRIESREAD"),
        int_arg(g.entries_read),
    ]
}

fn node_limits(ctx: &Ctx<'_>) -> NodeLimits {
    NodeLimits {
        max_bytes: ctx.core.config.stream_node_max_bytes,
        max_entries: ctx.core.config.stream_node_max_entries,
    }
}

fn nogroup(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Other(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(c_str(key)),
        String::from_utf8_lossy(c_str(group))
    ))
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------------
// XADD, XTRIM.
// ---------------------------------------------------------------------------------------------

/// The trimming and XADD options (streamAddTrimArgs).
struct AddTrimArgs {
    trim: Option<Trim>,
    approx: bool,
    /// Index of the threshold argument (MAXLEN count or MINID id).
    trim_arg: usize,
    limit: u64,
    nomkstream: bool,
    /// Index of the ID argument (XADD).
    id_pos: usize,
    id: NewId,
}

/// streamParseAddOrTrimArgsOrReply.
fn parse_add_trim(ctx: &Ctx<'_>, argv: &[Bytes], xadd: bool) -> Result<AddTrimArgs, CmdError> {
    let mut a = AddTrimArgs {
        trim: None,
        approx: false,
        trim_arg: 0,
        limit: 0,
        nomkstream: false,
        id_pos: 0,
        id: NewId::Auto,
    };
    let mut limit_given = false;
    let mut limit: i64 = 0;
    let mut i = 2;
    let both = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = arg(argv, i);
        let next = arg(argv, i + 1);
        if xadd && c_str(opt) == b"*" {
            break;
        } else if (c_is(opt, "maxlen") || c_is(opt, "minid")) && more > 0 {
            if a.trim.is_some() {
                return Err(CmdError::Static(both));
            }
            a.approx = false;
            if more >= 2 && c_str(next) == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && c_str(next) == b"=" {
                i += 1;
            }
            let threshold = arg(argv, i + 1);
            a.trim = Some(if c_is(opt, "maxlen") {
                let max = parse_i64(threshold)?;
                if max < 0 {
                    return Err(CmdError::Static("ERR The MAXLEN argument must be >= 0."));
                }
                Trim::MaxLen(max.unsigned_abs())
            } else {
                Trim::MinId(parse_strict_id(threshold)?)
            });
            i += 1;
            a.trim_arg = i;
        } else if c_is(opt, "limit") && more > 0 {
            limit = parse_i64(next)?;
            if limit < 0 {
                return Err(CmdError::Static("ERR The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            i += 1;
        } else if xadd && c_is(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            let (id, seq_given) = parse_id_generic(opt, 0, true, true)?;
            a.id = if seq_given {
                NewId::Exact(id)
            } else {
                NewId::Ms(id.ms)
            };
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    a.id_pos = i;
    if limit != 0 && a.trim.is_none() {
        return Err(CmdError::Static(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(CmdError::Static(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !a.approx {
            return Err(CmdError::Static(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
        a.limit = limit.unsigned_abs();
    } else if a.approx {
        let per_node = ctx.core.config.stream_node_max_entries;
        a.limit = per_node.saturating_mul(100);
        if a.limit == 0 || a.limit > 1_000_000 {
            a.limit = 10_000;
        }
    }
    Ok(a)
}

/// The threshold argument after an approximate trim (streamRewriteTrimArgument).
fn trim_rewrite(s: &Stream, trim: Trim) -> Bytes {
    match trim {
        Trim::MaxLen(_) => Bytes::from(s.len().to_string()),
        Trim::MinId(_) => s.first_id_with_tombstones().to_bytes(),
    }
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
/// [field value ...]: appends an entry, replies its ID (null with NOMKSTREAM and no key).
fn xadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let a = parse_add_trim(ctx, argv, true)?;
    let field_pos = a.id_pos + 1;
    let nfields = argv.len().saturating_sub(field_pos);
    if nfields < 2 || nfields % 2 == 1 {
        return Err(CmdError::WrongArity("xadd".into()));
    }
    if a.id == NewId::Exact(StreamId::MIN) {
        return Err(CmdError::Static(
            "ERR The ID specified in XADD must be greater than 0-0",
        ));
    }
    let key = arg(argv, 1);
    let limits = node_limits(ctx);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let fields = argv.get(field_pos..).unwrap_or_default();
    // One lookup on the hot path: the append runs on the stream found, or on a new one that is
    // stored even if the append fails (as Redis creates the key first).
    let (id, trimmed, rewrite) = match as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? {
        Some(s) => append(s, &a, fields, now, limits)?,
        None => {
            if a.nomkstream {
                ctx.reply.null();
                return Ok(());
            }
            let mut s = Box::<Stream>::default();
            let out = append(&mut s, &a, fields, now, limits);
            ctx.core.dbs.set(db, key, Value::Stream(s), false, now);
            ctx.notify(NOTIFY_NEW, "new", key);
            out?
        }
    };
    reply_id(ctx.reply, id);
    ctx.touched(key);
    ctx.notify(NOTIFY_STREAM, "xadd", key);
    if trimmed > 0 {
        ctx.notify(NOTIFY_STREAM, "xtrim", key);
    }
    let explicit = matches!(a.id, NewId::Exact(_));
    if (rewrite.is_some() || !explicit) && ctx.core.effects.propagating {
        let mut out = argv.to_vec();
        if let Some(r) = rewrite {
            if let Some(x) = out.get_mut(a.trim_arg - 1) {
                *x = Bytes::from_static(b"=");
            }
            if let Some(x) = out.get_mut(a.trim_arg) {
                *x = r;
            }
        }
        if !explicit && let Some(x) = out.get_mut(a.id_pos) {
            *x = id.to_bytes();
        }
        ctx.propagate(out);
    }
    Ok(())
}

/// XADD's work on the stream: the new ID, entries trimmed, and the exact threshold to propagate
/// after an approximate trim.
fn append(
    s: &mut Stream,
    a: &AddTrimArgs,
    fields: &[Bytes],
    now: i64,
    limits: NodeLimits,
) -> Result<(StreamId, u64, Option<Bytes>), CmdError> {
    if s.last_id == StreamId::MAX {
        return Err(CmdError::Static(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let id = match s.add(a.id, fields, now, limits) {
        Ok(id) => id,
        Err(AddError::NotGreater) => {
            return Err(CmdError::Static(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            ));
        }
        Err(AddError::TooLarge) => {
            return Err(CmdError::Static("ERR Elements are too large to be stored"));
        }
    };
    let mut trimmed = 0;
    let mut rewrite = None;
    if let Some(trim) = a.trim {
        trimmed = s.trim(trim, a.approx, a.limit);
        if a.approx {
            rewrite = Some(trim_rewrite(s, trim));
        }
    }
    Ok((id, trimmed, rewrite))
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: the number of entries removed.
fn xtrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let a = parse_add_trim(ctx, argv, false)?;
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let Some(trim) = a.trim else {
        return Err(CmdError::Syntax);
    };
    let removed = s.trim(trim, a.approx, a.limit);
    let rewrite = (removed > 0 && a.approx).then(|| trim_rewrite(s, trim));
    if removed > 0 {
        ctx.notify(NOTIFY_STREAM, "xtrim", key);
        if let Some(r) = rewrite {
            let mut out = argv.to_vec();
            if let Some(x) = out.get_mut(a.trim_arg - 1) {
                *x = Bytes::from_static(b"=");
            }
            if let Some(x) = out.get_mut(a.trim_arg) {
                *x = r;
            }
            ctx.propagate(out);
        }
        ctx.touched(key);
        ctx.core.dbs.dirty += removed - 1;
    }
    ctx.reply.int(i64::try_from(removed).unwrap_or(i64::MAX));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XRANGE, XREVRANGE, XLEN, XDEL, XSETID.
// ---------------------------------------------------------------------------------------------

/// XRANGE key start end [COUNT count]: entries in the interval (`(` excludes a bound).
fn xrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    xrange_generic(ctx, argv, false)
}

/// XREVRANGE key end start [COUNT count]: XRANGE backwards.
fn xrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    xrange_generic(ctx, argv, true)
}

fn xrange_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> Result<(), CmdError> {
    let (start_arg, end_arg) = if rev {
        (arg(argv, 3), arg(argv, 2))
    } else {
        (arg(argv, 2), arg(argv, 3))
    };
    let start = range_start(start_arg)?;
    let end = range_end(end_arg)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if c_is(arg(argv, j), "count") && j + 1 < argv.len() {
            count = parse_i64(arg(argv, j + 1))?.max(0);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now))? else {
        ctx.reply.array_len(0);
        return Ok(());
    };
    if count == 0 {
        ctx.reply.null_array();
        return Ok(());
    }
    let count = usize::try_from(count.max(0)).unwrap_or(usize::MAX);
    reply_range(ctx.reply, s, start, end, count, rev);
    Ok(())
}

/// XLEN key: the number of entries (0 for a missing key).
fn xlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let n =
        as_stream(ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now))?.map_or(0, |s| s.len());
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// XDEL key id [id ...]: the number of entries deleted.
fn xdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let ids = argv
        .get(2..)
        .unwrap_or_default()
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut deleted = 0u64;
    for id in ids {
        if s.delete(id) {
            if id > s.max_deleted_id {
                s.max_deleted_id = id;
            }
            deleted += 1;
        }
    }
    if deleted > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += deleted - 1;
        ctx.notify(NOTIFY_STREAM, "xdel", key);
    }
    ctx.reply.int(i64::try_from(deleted).unwrap_or(i64::MAX));
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]: sets the stream's last ID.
fn xsetid(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let id = parse_strict_id(arg(argv, 2))?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = arg(argv, i);
        if c_is(opt, "entriesadded") && more > 0 {
            entries_added = parse_i64(arg(argv, i + 1))?;
            if entries_added < 0 {
                return Err(CmdError::Static("ERR entries_added must be positive"));
            }
            i += 2;
        } else if c_is(opt, "maxdeletedid") && more > 0 {
            max_xdel = parse_strict_id(arg(argv, i + 1))?;
            if id < max_xdel {
                return Err(CmdError::Static(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? else {
        return Err(CmdError::NoSuchKey);
    };
    if !s.is_empty() {
        let top = s.edge_id(true).unwrap_or(StreamId::MIN);
        if id < top {
            return Err(CmdError::Static(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added != -1 && s.len() > entries_added.unsigned_abs() {
            return Err(CmdError::Static(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added.unsigned_abs();
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    ctx.reply.ok();
    ctx.touched(key);
    ctx.notify(NOTIFY_STREAM, "xsetid", key);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XREAD, XREADGROUP.
// ---------------------------------------------------------------------------------------------

/// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...].
fn xread(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    xread_generic(ctx, argv, false)
}

/// XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...]
/// id [id ...].
fn xreadgroup(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    xread_generic(ctx, argv, true)
}

/// The parsed read position of one stream.
#[derive(Clone, Copy)]
enum ReadFrom {
    /// Entries after this ID.
    After(StreamId),
    /// XREADGROUP `>`: entries never delivered to the group.
    New,
}

fn xread_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], group_mode: bool) -> Result<(), CmdError> {
    let mut timeout: Option<i64> = None;
    let mut block_arg = None;
    let mut count: i64 = 0;
    let mut count_arg = None;
    let mut streams_arg = 0;
    let mut group: Option<(&Bytes, &Bytes)> = None;
    let mut noack = false;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let o = arg(argv, i);
        if c_is(o, "block") && more > 0 {
            i += 1;
            let t = num::parse_i64(arg(argv, i)).ok_or(CmdError::Static(
                "ERR timeout is not an integer or out of range",
            ))?;
            if t < 0 {
                return Err(CmdError::Static("ERR timeout is negative"));
            }
            timeout = Some(t);
            block_arg = Some(i);
        } else if c_is(o, "count") && more > 0 {
            i += 1;
            count = parse_i64(arg(argv, i))?.max(0);
            count_arg = Some(i);
        } else if c_is(o, "streams") && more > 0 {
            streams_arg = i + 1;
            if !(argv.len() - streams_arg).is_multiple_of(2) {
                let sym = if group_mode { '>' } else { '$' };
                let cmd = String::from_utf8_lossy(c_str(arg(argv, 0))).into_owned();
                return Err(CmdError::Other(format!(
                    "ERR Unbalanced {cmd} list of streams: for each stream key an ID or '{sym}' must be specified."
                )));
            }
            break;
        } else if c_is(o, "group") && more >= 2 {
            if !group_mode {
                return Err(CmdError::Static(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = argv.get(i + 1).zip(argv.get(i + 2));
            i += 2;
        } else if c_is(o, "noack") {
            if !group_mode {
                return Err(CmdError::Static(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(CmdError::Syntax);
    }
    if group_mode && group.is_none() {
        return Err(CmdError::Static("ERR Missing GROUP option for XREADGROUP"));
    }
    let n = (argv.len() - streams_arg) / 2;
    let keys = argv.get(streams_arg..streams_arg + n).unwrap_or_default();
    let id_args = argv.get(streams_arg + n..).unwrap_or_default();
    let retry = ctx.session.has(flags::BLOCK_RETRY);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let mut from = Vec::with_capacity(n);
    let mut dollar = false;
    for (key, a) in keys.iter().zip(id_args) {
        let s = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))?;
        if let Some((g, _)) = group {
            let exists = s
                .as_ref()
                .is_some_and(|s| s.groups.contains_key(g.as_ref()));
            if !exists {
                if retry {
                    // Redis 7.0 unblocks a waiting XREADGROUP with these when the key is
                    // deleted or the group destroyed.
                    return Err(CmdError::Static(if s.is_none() {
                        "UNBLOCKED the stream key no longer exists"
                    } else {
                        "NOGROUP the consumer group this client was blocked on no longer exists"
                    }));
                }
                return Err(CmdError::Other(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(c_str(key)),
                    String::from_utf8_lossy(c_str(g))
                )));
            }
        }
        let a = a.as_ref();
        if c_str(a) == b"$" {
            if group_mode {
                return Err(CmdError::Static(
                    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                ));
            }
            dollar = true;
            from.push(ReadFrom::After(s.map_or(StreamId::MIN, |s| s.last_id)));
            continue;
        } else if c_str(a) == b">" {
            if !group_mode {
                return Err(CmdError::Static(
                    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ));
            }
            from.push(ReadFrom::New);
            continue;
        }
        from.push(ReadFrom::After(parse_strict_id(a)?));
    }
    // Serve synchronously what can be served.
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let mut served = 0usize;
    let mut deferred = None;
    let mut props: Vec<Vec<Bytes>> = Vec::new();
    let resp2 = ctx.reply.protocol() == crate::protocol::reply::Protocol::Resp2;
    // RESP2: an array of [key, entries] pairs; RESP3: a map key -> entries.
    let outer = if resp2 {
        AggregateKind::Array
    } else {
        AggregateKind::Map
    };
    let propagating = ctx.core.effects.propagating;
    let mut new_consumers = Vec::new();
    let mut groups_served = 0u64;
    for (key, rf) in keys.iter().zip(from.iter().copied()) {
        let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))? else {
            continue;
        };
        match group {
            None => {
                let ReadFrom::After(gt) = rf else { continue };
                if s.is_empty() || s.edge_id(true).is_none_or(|last| last <= gt) {
                    continue;
                }
                served += 1;
                if served == 1 {
                    deferred = Some(ctx.reply.deferred_len(outer));
                }
                if resp2 {
                    ctx.reply.array_len(2);
                }
                ctx.reply.bulk(key);
                let start = gt.next().unwrap_or(StreamId::MAX);
                if gt == StreamId::MAX {
                    ctx.reply.array_len(0);
                } else {
                    reply_range(ctx.reply, s, start, StreamId::MAX, count, false);
                }
            }
            Some((gname, cname)) => {
                let Some((gkey, mut g)) = s.groups.remove_entry(gname.as_ref()) else {
                    continue;
                };
                let mut serve = false;
                let mut history = false;
                let mut gt = StreamId::MAX;
                match rf {
                    ReadFrom::After(id) => {
                        serve = true;
                        history = true;
                        gt = id;
                    }
                    ReadFrom::New => {
                        if !s.is_empty() && s.edge_id(true).is_some_and(|last| last > g.last_id) {
                            serve = true;
                            gt = g.last_id;
                        }
                    }
                }
                if serve {
                    // Redis 7.0 creates (and refreshes) the consumer only when it serves it.
                    if g.create_consumer(cname, now) {
                        new_consumers.push(key.clone());
                    }
                    if let Some(c) = g.consumers.get_mut(cname.as_ref()) {
                        c.seen_time = now;
                    }
                    served += 1;
                    if served == 1 {
                        deferred = Some(ctx.reply.deferred_len(outer));
                    }
                    if resp2 {
                        ctx.reply.array_len(2);
                    }
                    ctx.reply.bulk(key);
                    let start = gt.next().unwrap_or(StreamId::MAX);
                    if history {
                        reply_consumer_pel(ctx.reply, s, &mut g, cname, start, count, now);
                    } else {
                        serve_group(
                            ctx.reply,
                            s,
                            &mut g,
                            GroupRead {
                                key,
                                group: &gkey,
                                consumer: cname,
                                start,
                                count,
                                noack,
                                now,
                                propagating,
                            },
                            &mut props,
                        );
                    }
                    groups_served += 1;
                }
                s.groups.insert(gkey, g);
            }
        }
    }
    for key in new_consumers {
        ctx.core.dbs.dirty += 1;
        ctx.notify(NOTIFY_STREAM, "xgroup-createconsumer", &key);
    }
    ctx.core.dbs.dirty += groups_served;
    ctx.prevent_propagation();
    for p in props {
        ctx.propagate(p);
    }
    if let Some(d) = deferred {
        ctx.reply.set_deferred(d, served);
        return Ok(());
    }
    let Some(timeout) = timeout else {
        ctx.reply.null_array();
        return Ok(());
    };
    if !ctx.may_block() {
        ctx.reply.null_array();
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| now.saturating_add(timeout));
    // Run again with `$` resolved and a bounded COUNT.
    let mut again = argv.to_vec();
    if dollar {
        for (j, rf) in from.iter().enumerate() {
            if let (ReadFrom::After(id), Some(a)) = (rf, again.get_mut(streams_arg + n + j)) {
                *a = id.to_bytes();
            }
        }
    }
    if count == 0 {
        match (count_arg, block_arg) {
            (Some(c), _) => {
                if let Some(a) = again.get_mut(c) {
                    *a = int_arg(BLOCKED_DEFAULT_COUNT);
                }
            }
            (None, Some(b)) => {
                // Insert COUNT before BLOCK's keyword.
                again.insert(b - 1, Bytes::from_static(b"COUNT"));
                again.insert(b, int_arg(BLOCKED_DEFAULT_COUNT));
            }
            (None, None) => {}
        }
    }
    ctx.block_with(keys.to_vec(), deadline, again, group.is_none());
    Ok(())
}

/// What a group read serves.
struct GroupRead<'a> {
    key: &'a [u8],
    group: &'a [u8],
    consumer: &'a Bytes,
    start: StreamId,
    count: usize,
    noack: bool,
    now: i64,
    propagating: bool,
}

/// streamReplyWithRange with a group: new entries, each added to the PELs (unless NOACK) and
/// propagated as XCLAIM, then XGROUP SETID if the last ID moved.
fn serve_group(
    r: &mut dyn ReplySink,
    s: &Stream,
    g: &mut Group,
    rd: GroupRead<'_>,
    props: &mut Vec<Vec<Bytes>>,
) {
    let d = r.deferred_len(AggregateKind::Array);
    let mut n = 0;
    let mut moved = false;
    s.range(rd.start, StreamId::MAX, false, |id, pairs| {
        if s.advance_group(g, id) {
            moved = true;
        }
        reply_entry(r, id, pairs);
        if !rd.noack {
            g.deliver(id, rd.consumer, rd.now);
            if rd.propagating
                && let Some(p) = xclaim_argv(rd.key, rd.group, g, id)
            {
                props.push(p);
            }
        }
        n += 1;
        rd.count == 0 || n < rd.count
    });
    r.set_deferred(d, n);
    // Redis 7.0 propagates the group's new last ID only for NOACK reads (otherwise the XCLAIMs
    // carry it as LASTID).
    if moved && rd.noack && rd.propagating {
        props.push(setid_argv(rd.key, rd.group, g));
    }
}

/// streamReplyWithRangeFromConsumerPEL: the consumer's pending entries from `start`; an entry
/// deleted since is `[id, nil]`; each one served counts a delivery.
fn reply_consumer_pel(
    r: &mut dyn ReplySink,
    s: &Stream,
    g: &mut Group,
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
) {
    let ids: Vec<StreamId> = match g.consumers.get(consumer) {
        Some(c) => c
            .pel
            .range(start..)
            .take(if count == 0 { usize::MAX } else { count })
            .copied()
            .collect(),
        None => Vec::new(),
    };
    r.array_len(ids.len());
    for id in ids {
        if reply_one(r, s, id) {
            if let Some(nack) = g.pel.get_mut(&id) {
                nack.delivery_time = now;
                nack.delivery_count += 1;
            }
        } else {
            r.array_len(2);
            reply_id(r, id);
            r.null_array();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// XACK, XPENDING, XCLAIM, XAUTOCLAIM.
// ---------------------------------------------------------------------------------------------

/// XACK key group id [id ...]: the number of entries acknowledged.
fn xack(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now))? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let Some(g) = s.groups.get_mut(arg(argv, 2)) else {
        ctx.reply.int(0);
        return Ok(());
    };
    let ids = argv
        .get(3..)
        .unwrap_or_default()
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut acked = 0;
    for id in ids {
        if g.ack(id) {
            acked += 1;
        }
    }
    ctx.core.dbs.dirty += acked;
    ctx.reply.int(i64::try_from(acked).unwrap_or(i64::MAX));
    Ok(())
}

/// XPENDING key group [[IDLE min-idle] start end count [consumer]]: the summary, or the
/// pending entries as `[id, consumer, idle, deliveries]`.
fn xpending(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut minidle = 0i64;
    let mut count = 0i64;
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut consumer = None;
    if argc >= 6 {
        let mut si = 3;
        if c_is(arg(argv, 3), "idle") {
            minidle = parse_i64(arg(argv, 4))?;
            if argc < 8 {
                return Err(CmdError::Syntax);
            }
            si += 2;
        }
        count = parse_i64(arg(argv, si + 2))?.max(0);
        start = range_start(arg(argv, si))?;
        end = range_end(arg(argv, si + 1))?;
        if si + 3 < argc {
            consumer = Some(arg(argv, si + 3));
        }
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let key = arg(argv, 1);
    let gname = arg(argv, 2);
    let s = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))?;
    let Some(g) = s.and_then(|s| s.groups.get(gname)) else {
        return Err(nogroup(key, gname));
    };
    let r = &mut *ctx.reply;
    if justinfo {
        r.array_len(4);
        r.int(len_i64(g.pel.len()));
        let (Some(first), Some(last)) = (g.pel.keys().next(), g.pel.keys().next_back()) else {
            r.null();
            r.null();
            r.null_array();
            return Ok(());
        };
        reply_id(r, *first);
        reply_id(r, *last);
        let busy: Vec<_> = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .collect();
        r.array_len(busy.len());
        for (name, c) in busy {
            r.array_len(2);
            r.bulk(name);
            r.bulk_int(len_i64(c.pel.len()));
        }
        return Ok(());
    }
    let ids: Box<dyn Iterator<Item = &StreamId>> = match consumer {
        Some(name) => match g.consumers.get(name) {
            Some(c) => Box::new(c.pel.range(start..=end.max(start))),
            None => {
                r.array_len(0);
                return Ok(());
            }
        },
        None => Box::new(g.pel.range(start..=end.max(start)).map(|(id, _)| id)),
    };
    let d = r.deferred_len(AggregateKind::Array);
    let mut n = 0;
    let mut left = count;
    for id in ids {
        if left == 0 || *id > end {
            break;
        }
        let Some(nack) = g.pel.get(id) else { continue };
        let idle = now.saturating_sub(nack.delivery_time);
        if minidle != 0 && idle < minidle {
            continue;
        }
        n += 1;
        left -= 1;
        r.array_len(4);
        reply_id(r, *id);
        r.bulk(&nack.consumer);
        r.int(idle.max(0));
        r.int(i64::try_from(nack.delivery_count).unwrap_or(i64::MAX));
    }
    r.set_deferred(d, n);
    Ok(())
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]: claims pending entries.
fn xclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let key = arg(argv, 1);
    let gname = arg(argv, 2);
    {
        let s = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))?;
        if !s.is_some_and(|s| s.groups.contains_key(gname)) {
            return Err(nogroup(key, gname));
        }
    }
    let minidle = num::parse_i64(arg(argv, 4)).ok_or(CmdError::Static(
        "ERR Invalid min-idle-time argument for XCLAIM",
    ))?;
    let minidle = minidle.max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < argv.len() {
        match parse_strict_id(arg(argv, j)) {
            Ok(id) => ids.push((id, j)),
            Err(_) => break,
        }
        j += 1;
    }
    let mut force = false;
    let mut justid = false;
    let mut deliverytime: i64 = -1;
    let mut retrycount: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = arg(argv, j);
        if c_is(opt, "force") {
            force = true;
        } else if c_is(opt, "justid") {
            justid = true;
        } else if c_is(opt, "idle") && more > 0 {
            j += 1;
            let v = num::parse_i64(arg(argv, j)).ok_or(CmdError::Static(
                "ERR Invalid IDLE option argument for XCLAIM",
            ))?;
            deliverytime = now.wrapping_sub(v);
        } else if c_is(opt, "time") && more > 0 {
            j += 1;
            deliverytime = num::parse_i64(arg(argv, j)).ok_or(CmdError::Static(
                "ERR Invalid TIME option argument for XCLAIM",
            ))?;
        } else if c_is(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = num::parse_i64(arg(argv, j)).ok_or(CmdError::Static(
                "ERR Invalid RETRYCOUNT option argument for XCLAIM",
            ))?;
        } else if c_is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = parse_strict_id(arg(argv, j))?;
        } else {
            return Err(CmdError::Other(format!(
                "ERR Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(c_str(opt))
            )));
        }
        j += 1;
    }
    if deliverytime < 0 || deliverytime > now {
        deliverytime = now;
    }
    let cname = argv.get(3).cloned().unwrap_or_default();
    let propagating = ctx.core.effects.propagating;
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))? else {
        return Err(nogroup(key, gname));
    };
    let Some((gkey, mut g)) = s.groups.remove_entry(gname) else {
        return Err(nogroup(key, gname));
    };
    let mut propagate_last = false;
    if last_id > g.last_id {
        g.last_id = last_id;
        propagate_last = true;
    }
    let mut props = Vec::new();
    let mut created = false;
    let mut dirty = 0u64;
    let r = &mut *ctx.reply;
    let d = r.deferred_len(AggregateKind::Array);
    let mut n = 0;
    for (id, _) in ids {
        let exists = s.contains(id);
        if !exists {
            if let Some(nack) = g.pel.get(&id).cloned() {
                if propagating {
                    props.push(xclaim_argv_nack(key, gname, &g, id, &nack));
                }
                propagate_last = false;
                dirty += 1;
                g.ack(id);
            }
            continue;
        }
        let mut fresh = false;
        if force && !g.pel.contains_key(&id) {
            g.pel.insert(
                id,
                crate::types::stream::Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: Bytes::new(),
                },
            );
            fresh = true;
        }
        let Some(nack) = g.pel.get(&id) else { continue };
        if !fresh && minidle != 0 && now.saturating_sub(nack.delivery_time) < minidle {
            continue;
        }
        if g.create_consumer(&cname, now) {
            created = true;
        }
        g.transfer(id, &cname);
        if let Some(nack) = g.pel.get_mut(&id) {
            nack.delivery_time = deliverytime;
            if retrycount >= 0 {
                nack.delivery_count = retrycount.unsigned_abs();
            } else if !justid {
                nack.delivery_count += 1;
            }
        }
        if justid {
            reply_id(r, id);
        } else if !reply_one(r, s, id) {
            r.null();
        }
        n += 1;
        if propagating && let Some(p) = xclaim_argv(key, gname, &g, id) {
            props.push(p);
        }
        propagate_last = false;
        dirty += 1;
    }
    r.set_deferred(d, n);
    if propagate_last {
        if propagating {
            props.push(setid_argv(key, gname, &g));
        }
        dirty += 1;
    }
    s.groups.insert(gkey, g);
    if created {
        ctx.core.dbs.dirty += 1;
        ctx.notify(NOTIFY_STREAM, "xgroup-createconsumer", key);
    }
    ctx.core.dbs.dirty += dirty;
    ctx.prevent_propagation();
    for p in props {
        ctx.propagate(p);
    }
    Ok(())
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]:
/// `[next-cursor, claimed, deleted-ids]`.
fn xautoclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let minidle = num::parse_i64(arg(argv, 4)).ok_or(CmdError::Static(
        "ERR Invalid min-idle-time argument for XAUTOCLAIM",
    ))?;
    let minidle = minidle.max(0);
    let start = range_start(arg(argv, 5))?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = arg(argv, j);
        if c_is(opt, "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match num::parse_i64(arg(argv, j + 1)) {
                Some(c) if (1..=max).contains(&c) => c,
                _ => return Err(CmdError::Static("ERR COUNT must be > 0")),
            };
            j += 1;
        } else if c_is(opt, "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let key = arg(argv, 1);
    let gname = arg(argv, 2);
    let cname = argv.get(3).cloned().unwrap_or_default();
    let propagating = ctx.core.effects.propagating;
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))? else {
        return Err(nogroup(key, gname));
    };
    let Some((gkey, mut g)) = s.groups.remove_entry(gname) else {
        return Err(nogroup(key, gname));
    };
    let mut attempts = count.saturating_mul(10);
    let mut left = count;
    let mut deleted = Vec::new();
    let mut props = Vec::new();
    let mut created = false;
    let mut dirty = 0u64;
    let r = &mut *ctx.reply;
    r.array_len(3);
    // The cursor is only known at the end; claimed entries are replied first, so buffer
    // nothing: compute the cursor by walking the PEL once more below.
    let mut claimed: Vec<StreamId> = Vec::new();
    let mut pos = Some(start);
    let mut eof = false;
    while attempts > 0 && left > 0 {
        attempts -= 1;
        let Some(from) = pos else {
            eof = true;
            break;
        };
        let Some((&id, nack)) = g.pel.range(from..).next() else {
            eof = true;
            break;
        };
        pos = id.next();
        if !s.contains(id) {
            if propagating {
                props.push(xclaim_argv_nack(key, gname, &g, id, nack));
            }
            dirty += 1;
            g.ack(id);
            deleted.push(id);
            left -= 1;
            continue;
        }
        if minidle != 0 && now.saturating_sub(nack.delivery_time) < minidle {
            continue;
        }
        if g.create_consumer(&cname, now) {
            created = true;
        }
        g.transfer(id, &cname);
        if let Some(nack) = g.pel.get_mut(&id) {
            nack.delivery_time = now;
            if !justid {
                nack.delivery_count += 1;
            }
        }
        claimed.push(id);
        left -= 1;
        if propagating && let Some(p) = xclaim_argv(key, gname, &g, id) {
            props.push(p);
        }
        dirty += 1;
    }
    let cursor = if eof {
        StreamId::MIN
    } else {
        pos.and_then(|p| g.pel.range(p..).next().map(|(id, _)| *id))
            .unwrap_or(StreamId::MIN)
    };
    reply_id(r, cursor);
    r.array_len(claimed.len());
    for id in claimed {
        if justid {
            reply_id(r, id);
        } else if !reply_one(r, s, id) {
            r.null();
        }
    }
    r.array_len(deleted.len());
    for id in deleted {
        reply_id(r, id);
    }
    s.groups.insert(gkey, g);
    if created {
        ctx.core.dbs.dirty += 1;
        ctx.notify(NOTIFY_STREAM, "xgroup-createconsumer", key);
    }
    ctx.core.dbs.dirty += dirty;
    ctx.prevent_propagation();
    for p in props {
        ctx.propagate(p);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XGROUP.
// ---------------------------------------------------------------------------------------------

/// The key and group checks every XGROUP subcommand but HELP makes; returns the stream.
fn xgroup_lookup<'a>(
    ctx: &'a mut Ctx<'_>,
    argv: &[Bytes],
    need_group: bool,
) -> Result<&'a mut Stream, CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let key = arg(argv, 2);
    let Some(s) = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? else {
        return Err(CmdError::Static(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        ));
    };
    if need_group && !s.groups.contains_key(arg(argv, 3)) {
        return Err(CmdError::Other(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(c_str(arg(argv, 3))),
            String::from_utf8_lossy(c_str(key))
        )));
    }
    Ok(s)
}

fn parse_entries_read(a: &[u8]) -> Result<i64, CmdError> {
    let n = parse_i64(a)?;
    if n < 0 && n != ENTRIES_READ_INVALID {
        return Err(CmdError::Static(
            "ERR value for ENTRIESREAD must be positive or -1",
        ));
    }
    Ok(n)
}

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n].
fn xgroup_create(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_INVALID;
    let mut i = 5;
    while i < argv.len() {
        if c_is(arg(argv, i), "mkstream") {
            mkstream = true;
            i += 1;
        } else if c_is(arg(argv, i), "entriesread") && i + 1 < argv.len() {
            entries_read = parse_entries_read(arg(argv, i + 1))?;
            i += 2;
        } else {
            return Err(subcommand_syntax(argv, "XGROUP"));
        }
    }
    let key = arg(argv, 2);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let exists = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))?.is_some();
    if !exists && !mkstream {
        xgroup_lookup(ctx, argv, false)?;
    }
    if argv.len() > 8 {
        return Err(subcommand_syntax(argv, "XGROUP"));
    }
    let last = if exists {
        as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))?
            .map_or(StreamId::MIN, |s| s.last_id)
    } else {
        StreamId::MIN
    };
    let ida = arg(argv, 4);
    let id = if c_str(ida) == b"$" {
        last
    } else {
        parse_strict_id(ida)?
    };
    if !exists {
        ctx.core
            .dbs
            .set(db, key, Value::Stream(Box::default()), false, now);
        ctx.notify(NOTIFY_NEW, "new", key);
        ctx.touched(key);
        ctx.core.dbs.dirty -= 1;
    }
    let Some(s) = as_stream(ctx.core.dbs.lookup_write_inline(db, key, now))? else {
        return Ok(());
    };
    let gname = arg(argv, 3);
    if s.groups.contains_key(gname) {
        return Err(CmdError::Static(
            "BUSYGROUP Consumer Group name already exists",
        ));
    }
    s.groups.insert(
        Bytes::copy_from_slice(gname),
        Group {
            last_id: id,
            entries_read,
            ..Group::default()
        },
    );
    ctx.reply.ok();
    ctx.core.dbs.dirty += 1;
    ctx.notify(NOTIFY_STREAM, "xgroup-create", key);
    Ok(())
}

/// addReplySubcommandSyntaxError: names the subcommand as the client wrote it.
fn subcommand_syntax(argv: &[Bytes], cmd: &str) -> CmdError {
    CmdError::Other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {cmd} HELP.",
        String::from_utf8_lossy(c_str(arg(argv, 1)))
    ))
}

/// XGROUP SETID key group id|$ [ENTRIESREAD n].
fn xgroup_setid(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut entries_read = ENTRIES_READ_INVALID;
    if argv.len() == 7 {
        if c_is(arg(argv, 5), "entriesread") {
            entries_read = parse_entries_read(arg(argv, 6))?;
        } else {
            return Err(subcommand_syntax(argv, "XGROUP"));
        }
    } else if argv.len() != 5 {
        return Err(subcommand_syntax(argv, "XGROUP"));
    }
    let s = xgroup_lookup(ctx, argv, true)?;
    let ida = arg(argv, 4);
    let id = if c_str(ida) == b"$" {
        s.last_id
    } else {
        parse_id(ida, 0)?
    };
    if let Some(g) = s.groups.get_mut(arg(argv, 3)) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.reply.ok();
    ctx.core.dbs.dirty += 1;
    ctx.notify(NOTIFY_STREAM, "xgroup-setid", arg(argv, 2));
    Ok(())
}

/// XGROUP DESTROY key group: 1 if the group existed. Waiting XREADGROUPs get NOGROUP.
fn xgroup_destroy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let s = xgroup_lookup(ctx, argv, false)?;
    if s.groups.remove(arg(argv, 3)).is_none() {
        ctx.reply.int(0);
        return Ok(());
    }
    ctx.reply.int(1);
    let key = arg(argv, 2);
    ctx.notify(NOTIFY_STREAM, "xgroup-destroy", key);
    // Wakes clients blocked on the group (they answer NOGROUP).
    ctx.touched(key);
    Ok(())
}

/// XGROUP CREATECONSUMER key group consumer: 1 if created.
fn xgroup_createconsumer(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    let s = xgroup_lookup(ctx, argv, true)?;
    let created = s
        .groups
        .get_mut(arg(argv, 3))
        .is_some_and(|g| g.create_consumer(arg(argv, 4), now));
    ctx.reply.int(i64::from(created));
    if created {
        ctx.core.dbs.dirty += 1;
        ctx.notify(NOTIFY_STREAM, "xgroup-createconsumer", arg(argv, 2));
    }
    Ok(())
}

/// XGROUP DELCONSUMER key group consumer: the number of entries it had pending.
fn xgroup_delconsumer(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let s = xgroup_lookup(ctx, argv, true)?;
    let pending = s
        .groups
        .get_mut(arg(argv, 3))
        .and_then(|g| g.delete_consumer(arg(argv, 4)));
    match pending {
        None => ctx.reply.int(0),
        Some(n) => {
            ctx.reply.int(len_i64(n));
            ctx.core.dbs.dirty += 1;
            ctx.notify(NOTIFY_STREAM, "xgroup-delconsumer", arg(argv, 2));
        }
    }
    Ok(())
}

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

fn reply_help(r: &mut dyn ReplySink, lines: &[&str]) {
    r.array_len(lines.len());
    for l in lines {
        r.simple(l.as_bytes());
    }
}

/// XGROUP HELP.
fn xgroup_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    reply_help(ctx.reply, XGROUP_HELP);
    Ok(())
}

/// XINFO HELP.
fn xinfo_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    reply_help(ctx.reply, XINFO_HELP);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XINFO.
// ---------------------------------------------------------------------------------------------

fn reply_lag(r: &mut dyn ReplySink, s: &Stream, g: &Group) {
    match s.group_lag(g) {
        Some(l) => r.int(l),
        None => r.null(),
    }
}

fn reply_entries_read(r: &mut dyn ReplySink, g: &Group) {
    if g.entries_read != ENTRIES_READ_INVALID {
        r.int(g.entries_read);
    } else {
        r.null();
    }
}

/// XINFO STREAM key [FULL [COUNT count]].
fn xinfo_stream(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, arg(argv, 2), now))? else {
        return Err(CmdError::NoSuchKey);
    };
    let rest = argv.len() - 2;
    let mut full = true;
    let mut count: i64 = 10;
    if rest == 1 {
        full = false;
    } else if rest == 2 || rest == 4 {
        if !c_is(arg(argv, 3), "full") {
            return Err(subcommand_syntax(argv, "XINFO"));
        }
        if rest == 4 {
            if !c_is(arg(argv, 4), "count") {
                return Err(subcommand_syntax(argv, "XINFO"));
            }
            count = parse_i64(arg(argv, 5))?;
            if count < 0 {
                count = 10;
            }
        }
    } else {
        return Err(subcommand_syntax(argv, "XINFO"));
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let r = &mut *ctx.reply;
    r.map_len(if full { 9 } else { 10 });
    r.bulk(b"length");
    r.int(i64::try_from(s.len()).unwrap_or(i64::MAX));
    r.bulk(b"radix-tree-keys");
    r.int(len_i64(s.node_count()));
    r.bulk(b"radix-tree-nodes");
    r.int(len_i64(s.radix_tree_nodes()));
    r.bulk(b"last-generated-id");
    reply_id(r, s.last_id);
    r.bulk(b"max-deleted-entry-id");
    reply_id(r, s.max_deleted_id);
    r.bulk(b"entries-added");
    r.int(i64::try_from(s.entries_added).unwrap_or(i64::MAX));
    r.bulk(b"recorded-first-entry-id");
    reply_id(r, s.first_id());
    if !full {
        r.bulk(b"groups");
        r.int(len_i64(s.groups.len()));
        r.bulk(b"first-entry");
        if !first_or_last(r, s, false) {
            r.null();
        }
        r.bulk(b"last-entry");
        if !first_or_last(r, s, true) {
            r.null();
        }
        return Ok(());
    }
    r.bulk(b"entries");
    reply_range(r, s, StreamId::MIN, StreamId::MAX, count, false);
    r.bulk(b"groups");
    r.array_len(s.groups.len());
    let limit = if count == 0 { usize::MAX } else { count };
    for (name, g) in &s.groups {
        r.map_len(7);
        r.bulk(b"name");
        r.bulk(name);
        r.bulk(b"last-delivered-id");
        reply_id(r, g.last_id);
        r.bulk(b"entries-read");
        reply_entries_read(r, g);
        r.bulk(b"lag");
        reply_lag(r, s, g);
        r.bulk(b"pel-count");
        r.int(len_i64(g.pel.len()));
        r.bulk(b"pending");
        r.array_len(g.pel.len().min(limit));
        for (id, nack) in g.pel.iter().take(limit) {
            r.array_len(4);
            reply_id(r, *id);
            r.bulk(&nack.consumer);
            r.int(nack.delivery_time);
            r.int(i64::try_from(nack.delivery_count).unwrap_or(i64::MAX));
        }
        r.bulk(b"consumers");
        r.array_len(g.consumers.len());
        for (cname, c) in &g.consumers {
            r.map_len(4);
            r.bulk(b"name");
            r.bulk(cname);
            r.bulk(b"seen-time");
            r.int(c.seen_time);
            r.bulk(b"pel-count");
            r.int(len_i64(c.pel.len()));
            r.bulk(b"pending");
            r.array_len(c.pel.len().min(limit));
            for id in c.pel.iter().take(limit) {
                r.array_len(3);
                reply_id(r, *id);
                let nack = g.pel.get(id);
                r.int(nack.map_or(0, |n| n.delivery_time));
                r.int(nack.map_or(0, |n| i64::try_from(n.delivery_count).unwrap_or(i64::MAX)));
            }
        }
    }
    Ok(())
}

/// Replies the first (or last) entry without an array around it; false if empty.
fn first_or_last(r: &mut dyn ReplySink, s: &Stream, last: bool) -> bool {
    let mut found = false;
    s.range(StreamId::MIN, StreamId::MAX, last, |id, pairs| {
        reply_entry(r, id, pairs);
        found = true;
        false
    });
    found
}

/// XINFO GROUPS key.
fn xinfo_groups(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, arg(argv, 2), now))? else {
        return Err(CmdError::NoSuchKey);
    };
    let r = &mut *ctx.reply;
    r.array_len(s.groups.len());
    for (name, g) in &s.groups {
        r.map_len(6);
        r.bulk(b"name");
        r.bulk(name);
        r.bulk(b"consumers");
        r.int(len_i64(g.consumers.len()));
        r.bulk(b"pending");
        r.int(len_i64(g.pel.len()));
        r.bulk(b"last-delivered-id");
        reply_id(r, g.last_id);
        r.bulk(b"entries-read");
        reply_entries_read(r, g);
        r.bulk(b"lag");
        reply_lag(r, s, g);
    }
    Ok(())
}

/// XINFO CONSUMERS key group.
fn xinfo_consumers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    let key = arg(argv, 2);
    let gname = arg(argv, 3);
    let (db, now_ms) = (ctx.db(), ctx.now_ms);
    let _ = now_ms;
    let Some(s) = as_stream(ctx.core.dbs.lookup_read_inline(db, key, now))? else {
        return Err(CmdError::NoSuchKey);
    };
    let Some(g) = s.groups.get(gname) else {
        return Err(CmdError::Other(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(c_str(gname)),
            String::from_utf8_lossy(c_str(key))
        )));
    };
    let r = &mut *ctx.reply;
    r.array_len(g.consumers.len());
    for (name, c) in &g.consumers {
        r.map_len(3);
        r.bulk(b"name");
        r.bulk(name);
        r.bulk(b"pending");
        r.int(len_i64(c.pel.len()));
        r.bulk(b"idle");
        r.int(now.saturating_sub(c.seen_time).max(0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn harness() -> Harness {
        let mut h = Harness::new();
        h.core.effects.notify_classes = u32::MAX;
        h.core.effects.propagating = true;
        h
    }

    fn entry(id: &str, fv: &[&str]) -> Reply {
        Reply::Array(vec![
            bulk(id),
            Reply::Array(fv.iter().map(|s| bulk(s)).collect()),
        ])
    }

    #[test]
    fn xadd_generates_ids_from_the_clock_and_propagates_them() {
        let mut h = harness();
        assert_eq!(h.run(&["XADD", "s", "*", "a", "1"]), bulk("1000000-0"));
        assert_eq!(h.run(&["XADD", "s", "*", "a", "2"]), bulk("1000000-1"));
        h.advance(5);
        assert_eq!(
            h.run(&["XADD", "s", "1000005-*", "a", "3"]),
            bulk("1000005-0")
        );
        assert_eq!(
            h.run(&["XADD", "s", "1000005-0", "a", "3"]),
            err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
        );
        assert_eq!(
            h.take_propagated(),
            vec![
                "XADD s 1000000-0 a 1",
                "XADD s 1000000-1 a 2",
                "XADD s 1000005-0 a 3"
            ]
        );
        assert_eq!(h.take_events(), vec!["new s", "xadd s", "xadd s", "xadd s"]);
    }

    #[test]
    fn approximate_trim_is_rewritten_exact_for_propagation() {
        let mut h = harness();
        h.run(&["CONFIG", "SET", "stream-node-max-entries", "2"]);
        h.core.effects.notify_classes = u32::MAX;
        for i in 1..=5 {
            h.run(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
        }
        h.take_propagated();
        h.take_events();
        assert_eq!(
            h.run(&["XADD", "s", "MAXLEN", "~", "2", "6-0", "f", "v"]),
            bulk("6-0")
        );
        // Whole nodes only: 1-0 2-0 and 3-0 4-0 go, 5-0 6-0 stay.
        assert_eq!(h.run(&["XLEN", "s"]), Reply::Int(2));
        assert_eq!(h.take_propagated(), vec!["XADD s MAXLEN = 2 6-0 f v"]);
        assert_eq!(h.take_events(), vec!["xadd s", "xtrim s"]);
        assert_eq!(h.run(&["XTRIM", "s", "MINID", "~", "6"]), Reply::Int(0));
        assert_eq!(h.run(&["XTRIM", "s", "MINID", "6"]), Reply::Int(1));
        // A trim that removed nothing is not propagated; an exact trim goes out as received.
        assert_eq!(h.take_propagated(), vec!["XTRIM s MINID 6"]);
    }

    #[test]
    fn xreadgroup_delivers_once_and_propagates_xclaim() {
        let mut h = harness();
        h.run(&["XADD", "s", "1-0", "a", "1"]);
        h.run(&["XADD", "s", "2-0", "b", "2"]);
        assert_eq!(
            h.run(&["XGROUP", "CREATE", "s", "g", "0"]),
            Reply::simple("OK")
        );
        h.take_propagated();
        h.take_events();
        let r = h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ]);
        assert_eq!(
            r,
            Reply::Array(vec![Reply::Array(vec![
                bulk("s"),
                Reply::Array(vec![entry("1-0", &["a", "1"])])
            ])])
        );
        assert_eq!(
            h.take_propagated(),
            vec!["XCLAIM s g alice 0 1-0 TIME 1000000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0"]
        );
        assert_eq!(h.take_events(), vec!["xgroup-createconsumer s"]);
        h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "bob",
            "NOACK",
            "STREAMS",
            "s",
            ">",
        ]);
        assert_eq!(
            h.take_propagated(),
            vec!["XGROUP SETID s g 2-0 ENTRIESREAD 2"]
        );
        // History: alice's PEL; a second read counts a delivery.
        h.advance(10);
        h.run(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"]);
        let p = h.run(&["XPENDING", "s", "g", "-", "+", "10"]);
        assert_eq!(
            p,
            Reply::Array(vec![Reply::Array(vec![
                bulk("1-0"),
                bulk("alice"),
                Reply::Int(0),
                Reply::Int(2)
            ])])
        );
        assert_eq!(h.run(&["XACK", "s", "g", "1-0", "1-0"]), Reply::Int(1));
        assert_eq!(
            h.run(&["XPENDING", "s", "g"]),
            Reply::Array(vec![
                Reply::Int(0),
                Reply::Null,
                Reply::Null,
                Reply::NullArray
            ])
        );
    }

    #[test]
    fn xclaim_and_xautoclaim_move_ownership() {
        let mut h = harness();
        h.run(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
        assert_eq!(h.take_events(), vec!["new s", "xgroup-create s"]);
        for i in 1..=3 {
            h.run(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
        }
        h.run(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"]);
        h.take_propagated();
        h.advance(100);
        assert_eq!(
            h.run(&["XCLAIM", "s", "g", "bob", "50", "1-0", "JUSTID"]),
            Reply::Array(vec![bulk("1-0")])
        );
        assert_eq!(
            h.take_propagated(),
            vec!["XCLAIM s g bob 0 1-0 TIME 1000100 RETRYCOUNT 1 FORCE JUSTID LASTID 3-0"]
        );
        assert_eq!(
            h.run(&["XCLAIM", "s", "g", "bob", "50", "2-0"]),
            Reply::Array(vec![entry("2-0", &["f", "v"])])
        );
        h.run(&["XDEL", "s", "3-0"]);
        let r = h.run(&[
            "XAUTOCLAIM",
            "s",
            "g",
            "carol",
            "0",
            "0",
            "COUNT",
            "2",
            "JUSTID",
        ]);
        assert_eq!(
            r,
            Reply::Array(vec![
                bulk("3-0"),
                Reply::Array(vec![bulk("1-0"), bulk("2-0")]),
                Reply::Array(vec![])
            ])
        );
        let r = h.run(&["XAUTOCLAIM", "s", "g", "carol", "0", "3-0"]);
        assert_eq!(
            r,
            Reply::Array(vec![
                bulk("0-0"),
                Reply::Array(vec![]),
                Reply::Array(vec![bulk("3-0")])
            ])
        );
        assert_eq!(
            h.run(&["XGROUP", "DELCONSUMER", "s", "g", "carol"]),
            Reply::Int(2)
        );
    }

    #[test]
    fn xread_in_multi_does_not_block_and_resp3_is_a_map() {
        let mut h = harness();
        h.run(&["XADD", "s", "1-0", "a", "1"]);
        h.run(&["MULTI"]);
        h.run(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![Reply::NullArray]));
        h.resp3();
        assert_eq!(
            h.run(&["XREAD", "STREAMS", "s", "0"]),
            Reply::Map(vec![(
                bulk("s"),
                Reply::Array(vec![entry("1-0", &["a", "1"])])
            )])
        );
        // Blocking outside MULTI asks the server to park the client with `$` resolved.
        h.run(&["XREAD", "BLOCK", "100", "STREAMS", "s", "$"]);
        let req = h.session.block.take().unwrap();
        assert_eq!(req.deadline_ms, Some(1_000_100));
        let argv: Vec<String> = req
            .retry_argv
            .unwrap()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        assert_eq!(
            argv,
            [
                "XREAD", "COUNT", "1000", "BLOCK", "100", "STREAMS", "s", "1-0"
            ]
        );
        // COUNT 0 means no limit, but a blocked read is served at most 1000 entries.
        h.run(&["XREAD", "COUNT", "0", "BLOCK", "0", "STREAMS", "s", "0"]);
        assert!(h.session.block.is_none());
        h.run(&["XREAD", "COUNT", "0", "BLOCK", "0", "STREAMS", "s", "$"]);
        let req = h.session.block.take().unwrap();
        assert_eq!(req.deadline_ms, None);
        let argv: Vec<String> = req
            .retry_argv
            .unwrap()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        assert_eq!(
            argv,
            [
                "XREAD", "COUNT", "1000", "BLOCK", "0", "STREAMS", "s", "1-0"
            ]
        );
    }

    #[test]
    fn xinfo_reports_entries_read_and_lag() {
        let mut h = harness();
        for i in 1..=3 {
            h.run(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
        }
        h.run(&["XGROUP", "CREATE", "s", "g", "0"]);
        h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "COUNT",
            "2",
            "STREAMS",
            "s",
            ">",
        ]);
        let Reply::Array(groups) = h.run(&["XINFO", "GROUPS", "s"]) else {
            panic!()
        };
        let Some(Reply::Map(fields)) = groups.first() else {
            panic!()
        };
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| *f == bulk(k))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("entries-read"), Some(Reply::Int(2)));
        assert_eq!(get("lag"), Some(Reply::Int(1)));
        assert_eq!(get("last-delivered-id"), Some(bulk("2-0")));
        h.run(&["XDEL", "s", "3-0"]);
        h.run(&["XGROUP", "SETID", "s", "g", "0"]);
        let Reply::Array(groups) = h.run(&["XINFO", "GROUPS", "s"]) else {
            panic!()
        };
        let Some(Reply::Map(fields)) = groups.first() else {
            panic!()
        };
        let lag = fields
            .iter()
            .find(|(f, _)| *f == bulk("lag"))
            .map(|(_, v)| v.clone());
        assert_eq!(lag, Some(Reply::Null));
    }
}
