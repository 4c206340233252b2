//! The sorted-set command group: ZADD and friends, ranges by rank, score and lex, pops, the
//! set-algebra commands (ZUNION/ZINTER/ZDIFF and their STORE forms), ZRANDMEMBER and ZSCAN.
//!
//! Every handler parses all of its arguments before it touches the keyspace, in Redis 7.0's
//! order (so the same error wins when several apply). Ranges are resolved to ranks on the type
//! ([`ZSet::count_while`]) and then walked with [`ZSet::iter_from`]. Replies with scores use
//! Redis's shapes: a flat array in RESP2, an array of [member, double] pairs in RESP3.
//! The pop logic ([`pop_generic`]) is shared with the blocking variants to come.

use bytes::Bytes;

use super::args::{arg, is, parse_block_timeout, parse_f64, parse_i64, parse_scan_options};
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_ZSET};
use crate::db::{Ref, RefMut};
use crate::protocol::reply::Protocol;
use crate::types::value::Value;
use crate::types::zset::{Limits, ZSet};
use crate::util::cbytes::CompactBytes;
use crate::util::dict::Dict;
use crate::util::glob::glob_match;
use crate::util::num;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("zadd", zadd),
    ("zincrby", zincrby),
    ("zrem", zrem),
    ("zcard", zcard),
    ("zcount", zcount),
    ("zlexcount", zlexcount),
    ("zscore", zscore),
    ("zmscore", zmscore),
    ("zrank", zrank),
    ("zrevrank", zrevrank),
    ("zrange", zrange),
    ("zrangestore", zrangestore),
    ("zrevrange", zrevrange),
    ("zrangebyscore", zrangebyscore),
    ("zrevrangebyscore", zrevrangebyscore),
    ("zrangebylex", zrangebylex),
    ("zrevrangebylex", zrevrangebylex),
    ("zremrangebyrank", zremrangebyrank),
    ("zremrangebyscore", zremrangebyscore),
    ("zremrangebylex", zremrangebylex),
    ("zpopmin", zpopmin),
    ("zpopmax", zpopmax),
    ("zmpop", zmpop),
    ("bzpopmin", bzpopmin),
    ("bzpopmax", bzpopmax),
    ("bzmpop", bzmpop),
    ("zunion", zunion),
    ("zinter", zinter),
    ("zdiff", zdiff),
    ("zunionstore", zunionstore),
    ("zinterstore", zinterstore),
    ("zdiffstore", zdiffstore),
    ("zintercard", zintercard),
    ("zrandmember", zrandmember),
    ("zscan", zscan),
];

const MINMAX_NOT_FLOAT: CmdError = CmdError::Static("ERR min or max is not a float");
const LEX_NOT_VALID: CmdError = CmdError::Static("ERR min or max not valid string range item");

// ---------------------------------------------------------------------------------------------
// Lookup helpers.

fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits::from_config(&ctx.core.config)
}

/// The zset held by `value`, or WRONGTYPE (for reading).
pub(super) fn zset_ref(value: &Value) -> Result<&ZSet, CmdError> {
    match value {
        Value::ZSet(z) => Ok(z),
        _ => Err(CmdError::WrongType),
    }
}

/// The zset held by `value`, or WRONGTYPE.
fn zset_mut(value: &mut Value) -> Result<&mut ZSet, CmdError> {
    match value {
        Value::ZSet(z) => Ok(z),
        _ => Err(CmdError::WrongType),
    }
}

/// The zset at `key` for reading; WRONGTYPE for another type.
pub(super) fn read_zset<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<Option<Ref<'c, ZSet>>, CmdError> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(e) => e.project(zset_ref).map(Some),
    }
}

/// The zset at `key` for writing; WRONGTYPE for another type.
fn write_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<RefMut<'c, ZSet>>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(e) => e.project(zset_mut).map(Some),
    }
}

/// Deletes `key` if its zset became empty, emitting "del"; returns whether it did.
fn delete_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let empty = ctx
        .lookup_write(key)
        .is_some_and(|e| matches!(&e.value, Value::ZSet(z) if z.is_empty()));
    if empty {
        let (db, lazy) = (ctx.db(), ctx.core.config.lazyfree_lazy_server_del);
        ctx.core.dbs.delete(db, key, lazy);
        ctx.notify(NOTIFY_GENERIC, "del", key);
    }
    empty
}

/// Writes (member, score) pairs: flat in RESP2, [member, double] pairs in RESP3.
fn reply_pairs(ctx: &mut Ctx<'_>, items: &[(Vec<u8>, f64)], withscores: bool) {
    let resp3 = ctx.reply.protocol() == Protocol::Resp3;
    if withscores && !resp3 {
        ctx.reply.array_len(items.len() * 2);
    } else {
        ctx.reply.array_len(items.len());
    }
    for (m, s) in items {
        if withscores && resp3 {
            ctx.reply.array_len(2);
        }
        ctx.reply.bulk(m);
        if withscores {
            ctx.reply.double(*s);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ranges.

/// A score range as zslParseRange builds it.
#[derive(Debug, Clone, Copy)]
struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
        let (min, minex) = parse_score_bound(min).ok_or(MINMAX_NOT_FLOAT)?;
        let (max, maxex) = parse_score_bound(max).ok_or(MINMAX_NOT_FLOAT)?;
        Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_bound(b: &[u8]) -> Option<(f64, bool)> {
    let (rest, ex) = match b.first() {
        Some(b'(') => (b.get(1..).unwrap_or_default(), true),
        _ => (b, false),
    };
    let v = num::parse_f64_strtod(rest)?;
    if v.is_nan() { None } else { Some((v, ex)) }
}

/// One end of a lex range.
#[derive(Debug, Clone)]
enum LexBound {
    /// "-".
    Min,
    /// "+".
    Max,
    /// "[x" (inclusive) or "(x" (exclusive).
    Str(Vec<u8>),
}

#[derive(Debug, Clone)]
struct LexRange {
    min: LexBound,
    max: LexBound,
    minex: bool,
    maxex: bool,
}

fn parse_lex_bound(b: &[u8]) -> Option<(LexBound, bool)> {
    let rest = b.get(1..).unwrap_or_default();
    // The C code sees a NUL-terminated string: "+" must be followed by the terminator.
    let ends = rest.first().is_none_or(|&c| c == 0);
    match b.first()? {
        b'+' if ends => Some((LexBound::Max, true)),
        b'-' if ends => Some((LexBound::Min, true)),
        b'(' => Some((LexBound::Str(rest.to_vec()), true)),
        b'[' => Some((LexBound::Str(rest.to_vec()), false)),
        _ => None,
    }
}

/// sdscmplex: "-" below every string, "+" above.
fn cmp_lex(a: &LexBound, b: &LexBound) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Equal,
        (LexBound::Min, _) | (_, LexBound::Max) => Less,
        (LexBound::Max, _) | (_, LexBound::Min) => Greater,
        (LexBound::Str(x), LexBound::Str(y)) => x.cmp(y),
    }
}

impl LexRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
        let (min, minex) = parse_lex_bound(min).ok_or(LEX_NOT_VALID)?;
        let (max, maxex) = parse_lex_bound(max).ok_or(LEX_NOT_VALID)?;
        Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    fn gte_min(&self, v: &[u8]) -> bool {
        let c = cmp_lex(&LexBound::Str(v.to_vec()), &self.min);
        if self.minex { c.is_gt() } else { c.is_ge() }
    }

    fn lte_max(&self, v: &[u8]) -> bool {
        let c = cmp_lex(&LexBound::Str(v.to_vec()), &self.max);
        if self.maxex { c.is_lt() } else { c.is_le() }
    }

    fn is_empty(&self) -> bool {
        let c = cmp_lex(&self.min, &self.max);
        c.is_gt() || (c.is_eq() && (self.minex || self.maxex))
    }
}

/// A range of either kind, for the shared walkers.
enum Range {
    Score(ScoreRange),
    Lex(LexRange),
}

impl Range {
    fn gte_min(&self, s: f64, e: &[u8]) -> bool {
        match self {
            Range::Score(r) => r.gte_min(s),
            Range::Lex(r) => r.gte_min(e),
        }
    }

    fn lte_max(&self, s: f64, e: &[u8]) -> bool {
        match self {
            Range::Score(r) => r.lte_max(s),
            Range::Lex(r) => r.lte_max(e),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Range::Score(r) => r.is_empty(),
            Range::Lex(r) => r.is_empty(),
        }
    }
}

/// Elements of `z` in `range`, ascending (or descending when `rev`), skipping `offset` and
/// taking at most `limit` (negative = all).
fn collect_range(
    z: &ZSet,
    range: &Range,
    rev: bool,
    offset: i64,
    limit: i64,
) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    if range.is_empty() || offset < 0 || limit == 0 {
        return out;
    }
    let start = if rev {
        let n = z.count_while(|s, e| range.lte_max(s, e));
        match n.checked_sub(1) {
            Some(i) => i,
            None => return out,
        }
    } else {
        z.count_while(|s, e| !range.gte_min(s, e))
    };
    let in_range = |s: f64, e: &[u8]| {
        if rev {
            range.gte_min(s, e)
        } else {
            range.lte_max(s, e)
        }
    };
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    for (e, s) in z
        .iter_from(start, rev)
        .take_while(|(e, s)| in_range(*s, e))
        .skip(skip)
        .take(take)
    {
        out.push((e.to_vec(), s));
    }
    out
}

/// The rank span [first, first+count) of `range` in ascending order.
fn range_ranks(z: &ZSet, range: &Range) -> (usize, usize) {
    if range.is_empty() {
        return (0, 0);
    }
    let first = z.count_while(|s, e| !range.gte_min(s, e));
    let count = z
        .iter_from(first, false)
        .take_while(|(e, s)| range.lte_max(*s, e))
        .count();
    (first, count)
}

/// Resolves Redis rank indexes to an inclusive [start, end], or None when empty.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 {
        llen.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        llen.saturating_add(end)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY.

/// ZADD, also run by GEOADD with the ZADD it builds.
pub(crate) fn zadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zadd_generic(ctx, argv, false)
}

fn zincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zadd_generic(ctx, argv, true)
}

fn zadd_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], incr_cmd: bool) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let (mut nx, mut xx, mut ch, mut incr, mut gt, mut lt) =
        (false, false, false, incr_cmd, false, false);
    let mut idx = 2;
    if !incr_cmd {
        while let Some(a) = argv.get(idx) {
            if is(a, "nx") {
                nx = true;
            } else if is(a, "xx") {
                xx = true;
            } else if is(a, "ch") {
                ch = true;
            } else if is(a, "incr") {
                incr = true;
            } else if is(a, "gt") {
                gt = true;
            } else if is(a, "lt") {
                lt = true;
            } else {
                break;
            }
            idx += 1;
        }
    }
    let pairs = argv.get(idx..).unwrap_or_default();
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    if nx && xx {
        return Err(CmdError::Static(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Err(CmdError::Static(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && pairs.len() > 2 {
        return Err(CmdError::Static(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for p in pairs.chunks(2) {
        scores.push(parse_f64(
            p.first().map(|b| b.as_ref()).unwrap_or_default(),
        )?);
    }
    let lim = limits(ctx);
    let first_len = pairs.get(1).map_or(0, |b| b.len());
    let exists = write_zset(ctx, key)?.is_some();
    if !exists && !xx {
        let db = ctx.db();
        let now = ctx.now_ms;
        ctx.core.dbs.set(
            db,
            key,
            Value::ZSet(ZSet::for_new_key(first_len, lim)),
            false,
            now,
        );
    }
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last_score = 0.0;
    let mut nan = false;
    if exists || !xx {
        let Some(mut z) = write_zset(ctx, key)? else {
            return Err(CmdError::WrongType);
        };
        for (p, &score) in pairs.chunks(2).zip(scores.iter()) {
            let member = p.get(1).map(|b| b.as_ref()).unwrap_or_default();
            match z.score(member) {
                Some(cur) => {
                    if nx {
                        continue;
                    }
                    let mut new = score;
                    if incr {
                        new += cur;
                        if new.is_nan() {
                            nan = true;
                            break;
                        }
                    }
                    if (lt && new >= cur) || (gt && new <= cur) {
                        continue;
                    }
                    last_score = new;
                    processed += 1;
                    if new != cur {
                        z.set(member, new, lim);
                        updated += 1;
                    }
                }
                None => {
                    if xx {
                        continue;
                    }
                    z.set(member, score, lim);
                    last_score = score;
                    added += 1;
                    processed += 1;
                }
            }
        }
        drop(z);
        if !exists && added == 0 {
            // Never leave an empty key behind.
            delete_if_empty(ctx, key);
        }
    }
    if added + updated > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += (added + updated - 1).max(0) as u64;
        ctx.notify(NOTIFY_ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
    if nan {
        return Err(CmdError::Static(
            "ERR resulting score is not a number (NaN)",
        ));
    }
    if incr {
        if processed > 0 {
            ctx.reply.double(last_score);
        } else {
            ctx.reply.null();
        }
    } else {
        ctx.reply.int(if ch { added + updated } else { added });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Single-key reads.

fn zrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let Some(mut z) = write_zset(ctx, key)? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    for m in argv.get(2..).unwrap_or_default() {
        if z.remove(m).is_some() {
            deleted += 1;
            if z.is_empty() {
                break;
            }
        }
    }
    drop(z);
    if deleted > 0 {
        ctx.notify(NOTIFY_ZSET, "zrem", key);
        delete_if_empty(ctx, key);
        ctx.touched(key);
        ctx.core.dbs.dirty += deleted - 1;
    }
    ctx.reply.int(i64::try_from(deleted).unwrap_or(i64::MAX));
    Ok(())
}

fn zcard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let n = read_zset(ctx, arg(argv, 1))?.map_or(0, |z| z.len());
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let range = Range::Score(ScoreRange::parse(arg(argv, 2), arg(argv, 3))?);
    count_generic(ctx, argv, &range)
}

fn zlexcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let range = Range::Lex(LexRange::parse(arg(argv, 2), arg(argv, 3))?);
    count_generic(ctx, argv, &range)
}

fn count_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], range: &Range) -> Result<(), CmdError> {
    let n = read_zset(ctx, arg(argv, 1))?.map_or(0, |z| range_ranks(&z, range).1);
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

fn zscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    match read_zset(ctx, arg(argv, 1))?.and_then(|z| z.score(arg(argv, 2))) {
        Some(s) => ctx.reply.double(s),
        None => ctx.reply.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let members = argv.get(2..).unwrap_or_default();
    let scores: Vec<Option<f64>> = match read_zset(ctx, arg(argv, 1))? {
        Some(z) => members.iter().map(|m| z.score(m)).collect(),
        None => vec![None; members.len()],
    };
    ctx.reply.array_len(scores.len());
    for s in scores {
        match s {
            Some(s) => ctx.reply.double(s),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    rank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    rank_generic(ctx, argv, true)
}

fn rank_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> Result<(), CmdError> {
    let r = read_zset(ctx, arg(argv, 1))?.and_then(|z| {
        z.rank(arg(argv, 2))
            .map(|r| if rev { z.len() - 1 - r } else { r })
    });
    match r {
        Some(r) => ctx.reply.int(i64::try_from(r).unwrap_or(i64::MAX)),
        None => ctx.reply.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

fn zrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Auto, None)
}

fn zrangestore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 2, Some(arg(argv, 1)), RangeType::Auto, None)
}

fn zrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Rank, Some(true))
}

fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Some(true))
}

/// zrangeGenericCommand: `key_idx` is the source key's position; `store` the destination.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    key_idx: usize,
    store: Option<&[u8]>,
    mut rtype: RangeType,
    mut dir: Option<bool>,
) -> Result<(), CmdError> {
    let key = arg(argv, key_idx);
    let (mut minidx, mut maxidx) = (key_idx + 1, key_idx + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = key_idx + 3;
    while let Some(a) = argv.get(j) {
        let left = argv.len() - j - 1;
        if store.is_none() && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = parse_i64(arg(argv, j + 1))?;
            limit = parse_i64(arg(argv, j + 2))?;
            j += 2;
        } else if dir.is_none() && is(a, "rev") {
            dir = Some(true);
        } else if rtype == RangeType::Auto && is(a, "bylex") {
            rtype = RangeType::Lex;
        } else if rtype == RangeType::Auto && is(a, "byscore") {
            rtype = RangeType::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let rev = dir.unwrap_or(false);
    if rtype == RangeType::Auto {
        rtype = RangeType::Rank;
    }
    if limit != -1 && rtype == RangeType::Rank {
        return Err(CmdError::Static(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rtype == RangeType::Lex {
        return Err(CmdError::Static(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    if rev && rtype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    enum Spec {
        Rank(i64, i64),
        Other(Range),
    }
    let spec = match rtype {
        RangeType::Score => Spec::Other(Range::Score(ScoreRange::parse(
            arg(argv, minidx),
            arg(argv, maxidx),
        )?)),
        RangeType::Lex => Spec::Other(Range::Lex(LexRange::parse(
            arg(argv, minidx),
            arg(argv, maxidx),
        )?)),
        _ => Spec::Rank(parse_i64(arg(argv, minidx))?, parse_i64(arg(argv, maxidx))?),
    };
    let items = match read_zset(ctx, key)? {
        None => Vec::new(),
        Some(z) => match spec {
            Spec::Rank(start, end) => match rank_span(start, end, z.len()) {
                None => Vec::new(),
                Some((s, e)) => {
                    let from = if rev { z.len() - 1 - s } else { s };
                    z.iter_from(from, rev)
                        .take(e - s + 1)
                        .map(|(m, sc)| (m.to_vec(), sc))
                        .collect()
                }
            },
            Spec::Other(range) => collect_range(&z, &range, rev, offset, limit),
        },
    };
    match store {
        None => reply_pairs(ctx, &items, withscores),
        Some(dst) => {
            let lim = limits(ctx);
            let mut z = ZSet::new_listpack();
            for (m, s) in &items {
                z.set(m, *s, lim);
            }
            store_result(ctx, dst, z, "zrangestore");
        }
    }
    Ok(())
}

/// Stores a *STORE result (or deletes `dst` when it is empty) and replies with its size.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], z: ZSet, event: &'static str) {
    let (db, now) = (ctx.db(), ctx.now_ms);
    if z.is_empty() {
        ctx.reply.int(0);
        let lazy = ctx.core.config.lazyfree_lazy_server_del;
        if ctx.core.dbs.exists_for_write(db, dst, now) && ctx.core.dbs.delete(db, dst, lazy) {
            ctx.touched(dst);
            ctx.notify(NOTIFY_GENERIC, "del", dst);
        }
        return;
    }
    let n = z.len();
    ctx.core.dbs.set(db, dst, Value::ZSet(z), false, now);
    ctx.touched(dst);
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    ctx.notify(NOTIFY_ZSET, event, dst);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*.

fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let start = parse_i64(arg(argv, 2))?;
    let end = parse_i64(arg(argv, 3))?;
    remrange_generic(ctx, argv, None, (start, end), "zremrangebyrank")
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let r = Range::Score(ScoreRange::parse(arg(argv, 2), arg(argv, 3))?);
    remrange_generic(ctx, argv, Some(r), (0, 0), "zremrangebyscore")
}

fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let r = Range::Lex(LexRange::parse(arg(argv, 2), arg(argv, 3))?);
    remrange_generic(ctx, argv, Some(r), (0, 0), "zremrangebylex")
}

fn remrange_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    range: Option<Range>,
    ranks: (i64, i64),
    event: &'static str,
) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let Some(mut z) = write_zset(ctx, key)? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let (first, count) = match &range {
        Some(r) => range_ranks(&z, r),
        None => match rank_span(ranks.0, ranks.1, z.len()) {
            Some((s, e)) => (s, e - s + 1),
            None => (0, 0),
        },
    };
    let removed = z.remove_range(first, count);
    drop(z);
    if removed > 0 {
        ctx.notify(NOTIFY_ZSET, event, key);
        delete_if_empty(ctx, key);
        ctx.touched(key);
        ctx.core.dbs.dirty += (removed - 1) as u64;
    }
    ctx.reply.int(i64::try_from(removed).unwrap_or(i64::MAX));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pops.

fn zpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zpop_minmax(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    zpop_minmax(ctx, argv, true)
}

fn zpop_minmax(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> Result<(), CmdError> {
    if argv.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match argv.get(2) {
        Some(c) => Some(
            num::parse_i64(c)
                .filter(|&n| n >= 0)
                .ok_or(CmdError::NotPositive)?,
        ),
        None => None,
    };
    let nested = ctx.reply.protocol() == Protocol::Resp3 && count.is_some();
    pop_generic(ctx, &argv[1..2], max, false, count, nested, false)?;
    Ok(())
}

/// Redis's genericZpopCommand: pops up to `count` (None = one, unnested) elements from the
/// first non-empty key of `keys`. Returns the key popped from, if any.
pub(crate) fn pop_generic(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    max: bool,
    emit_key: bool,
    count: Option<i64>,
    nested: bool,
    nil_when_empty: bool,
) -> Result<Option<Bytes>, CmdError> {
    let mut found = None;
    for k in keys {
        if write_zset(ctx, k)?.is_some() {
            found = Some(k.clone());
            break;
        }
    }
    let Some(key) = found else {
        if nil_when_empty {
            ctx.reply.null_array();
        } else {
            ctx.reply.array_len(0);
        }
        return Ok(None);
    };
    if count == Some(0) {
        ctx.reply.array_len(0);
        return Ok(None);
    }
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    let mut popped = Vec::new();
    if let Some(mut z) = write_zset(ctx, &key)? {
        let n = count.min(z.len());
        for _ in 0..n {
            let at = if max { z.len() - 1 } else { 0 };
            let Some((m, s)) = z.get(at).map(|(m, s)| (m.to_vec(), s)) else {
                break;
            };
            z.remove_range(at, 1);
            popped.push((m, s));
        }
    }
    match (nested, emit_key) {
        (false, false) => ctx.reply.array_len(popped.len() * 2),
        (true, false) => ctx.reply.array_len(popped.len()),
        (false, true) => {
            ctx.reply.array_len(popped.len() * 2 + 1);
            ctx.reply.bulk(&key);
        }
        (true, true) => {
            ctx.reply.array_len(2);
            ctx.reply.bulk(&key);
            ctx.reply.array_len(popped.len());
        }
    }
    for (m, s) in &popped {
        if nested {
            ctx.reply.array_len(2);
        }
        ctx.reply.bulk(m);
        ctx.reply.double(*s);
    }
    if !popped.is_empty() {
        ctx.notify(NOTIFY_ZSET, if max { "zpopmax" } else { "zpopmin" }, &key);
        delete_if_empty(ctx, &key);
        ctx.touched(&key);
        ctx.core.dbs.dirty += (popped.len() - 1) as u64;
    }
    Ok(Some(key))
}

/// Parses ZMPOP's arguments from `numkeys_idx`: (keys, max, count).
pub(crate) fn parse_zmpop(
    argv: &[Bytes],
    numkeys_idx: usize,
) -> Result<(&[Bytes], bool, i64), CmdError> {
    let numkeys = num::parse_i64(arg(argv, numkeys_idx))
        .filter(|&n| n >= 1)
        .ok_or(CmdError::Static("ERR numkeys should be greater than 0"))?;
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_idx + 1))
        .filter(|&w| w < argv.len())
        .ok_or(CmdError::Syntax)?;
    let w = arg(argv, where_idx);
    let max = if is(w, "min") {
        false
    } else if is(w, "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while let Some(a) = argv.get(j) {
        if count.is_none() && is(a, "count") && j + 1 < argv.len() {
            let c = num::parse_i64(arg(argv, j + 1))
                .filter(|&n| n >= 1)
                .ok_or(CmdError::Static("ERR count should be greater than 0"))?;
            count = Some(c);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let keys = argv.get(numkeys_idx + 1..where_idx).unwrap_or_default();
    Ok((keys, max, count.unwrap_or(1)))
}

fn zmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (keys, max, count) = parse_zmpop(argv, 1)?;
    zmpop_generic(ctx, keys, max, count)
}

/// ZMPOP / BZMPOP once a key is known to hold members: pops and propagates
/// `ZPOPMIN|ZPOPMAX key <members popped>` (as redis-server 7.0.15 does).
fn zmpop_generic(ctx: &mut Ctx<'_>, keys: &[Bytes], max: bool, count: i64) -> Result<(), CmdError> {
    let db = ctx.db();
    let cards: Vec<usize> = keys
        .iter()
        .map(|k| match ctx.core.dbs.db(db).and_then(|d| d.get(k)) {
            Some(e) => match &e.value {
                crate::types::value::Value::ZSet(z) => z.len(),
                _ => 0,
            },
            None => 0,
        })
        .collect();
    if let Some(key) = pop_generic(ctx, keys, max, true, Some(count), true, true)? {
        let card = keys
            .iter()
            .position(|k| *k == key)
            .and_then(|i| cards.get(i).copied())
            .unwrap_or(0);
        let popped = usize::try_from(count).unwrap_or(usize::MAX).min(card);
        ctx.propagate(vec![
            Bytes::from_static(pop_word(max)),
            key,
            Bytes::from(popped.to_string()),
        ]);
    }
    Ok(())
}

/// The command a pop replicates as.
fn pop_word(max: bool) -> &'static [u8] {
    if max { b"ZPOPMAX" } else { b"ZPOPMIN" }
}

/// BZPOPMIN key [key ...] timeout: ZPOPMIN of the first non-empty key as [key, member, score],
/// blocking until one is written or the timeout passes (null array).
fn bzpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bzpop_minmax(ctx, argv, false)
}

/// BZPOPMAX key [key ...] timeout: as BZPOPMIN from the top.
fn bzpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bzpop_minmax(ctx, argv, true)
}

fn bzpop_minmax(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> Result<(), CmdError> {
    let keys = argv
        .get(1..argv.len().saturating_sub(1))
        .unwrap_or_default();
    let deadline = parse_block_timeout(arg(argv, argv.len().saturating_sub(1)), ctx.now_ms)?;
    if !any_nonempty_zset(ctx, keys)? {
        ctx.block_or_timeout(keys, deadline);
        return Ok(());
    }
    if let Some(key) = pop_generic(ctx, keys, max, true, None, false, true)? {
        // Served at once or on wake-up: replicas and the AOF see the non-blocking pop.
        ctx.propagate(vec![Bytes::from_static(pop_word(max)), key]);
    }
    Ok(())
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP that blocks.
fn bzmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (keys, max, count) = parse_zmpop(argv, 2)?;
    let deadline = parse_block_timeout(arg(argv, 1), ctx.now_ms)?;
    if !any_nonempty_zset(ctx, keys)? {
        ctx.block_or_timeout(keys, deadline);
        return Ok(());
    }
    zmpop_generic(ctx, keys, max, count)?;
    Ok(())
}

/// Whether one of `keys` holds a sorted set (stored ones are never empty); WRONGTYPE if a key
/// before it holds another type, as Redis checks them in order.
fn any_nonempty_zset(ctx: &mut Ctx<'_>, keys: &[Bytes]) -> Result<bool, CmdError> {
    for k in keys {
        match ctx
            .lookup_write(k)
            .map(|e| matches!(e.value, Value::ZSet(_)))
        {
            Some(true) => return Ok(true),
            Some(false) => return Err(CmdError::WrongType),
            None => {}
        }
    }
    Ok(false)
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

fn zunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(ctx, argv, None, 1, SetOp::Union, false, "zunion")
}

fn zinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(ctx, argv, None, 1, SetOp::Inter, false, "zinter")
}

fn zdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(ctx, argv, None, 1, SetOp::Diff, false, "zdiff")
}

fn zunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(
        ctx,
        argv,
        Some(arg(argv, 1)),
        2,
        SetOp::Union,
        false,
        "zunionstore",
    )
}

fn zinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(
        ctx,
        argv,
        Some(arg(argv, 1)),
        2,
        SetOp::Inter,
        false,
        "zinterstore",
    )
}

fn zdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(
        ctx,
        argv,
        Some(arg(argv, 1)),
        2,
        SetOp::Diff,
        false,
        "zdiffstore",
    )
}

fn zintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    setop_generic(ctx, argv, None, 1, SetOp::Inter, true, "zintercard")
}

/// One input of a set operation, read into memory: (member, score) pairs in the source's
/// iteration order, plus a lookup table. Sets count with score 1.
struct Source {
    items: Vec<(Vec<u8>, f64)>,
    weight: f64,
}

fn load_source(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Vec<(Vec<u8>, f64)>, CmdError> {
    match ctx.lookup_read(key) {
        None => Ok(Vec::new()),
        Some(e) => match &e.value {
            // Redis's zui iterators walk a sorted set from the tail.
            Value::ZSet(z) => Ok(z
                .iter_from(z.len().saturating_sub(1), true)
                .map(|(m, s)| (m.to_vec(), s))
                .collect()),
            Value::Set(s) => Ok(s.iter().map(|m| (m.to_vec(), 1.0)).collect()),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// zunionInterDiffGenericCommand.
fn setop_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: SetOp,
    card_only: bool,
    name: &str,
) -> Result<(), CmdError> {
    let setnum = parse_i64(arg(argv, numkeys_idx))?;
    if setnum < 1 {
        return Err(CmdError::Other(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        )));
    }
    let avail = argv.len() - (numkeys_idx + 1);
    let setnum = usize::try_from(setnum).unwrap_or(usize::MAX);
    if setnum > avail {
        return Err(CmdError::Syntax);
    }
    let mut srcs = Vec::with_capacity(setnum);
    for k in argv
        .get(numkeys_idx + 1..numkeys_idx + 1 + setnum)
        .unwrap_or_default()
    {
        srcs.push(Source {
            items: load_source(ctx, k)?,
            weight: 1.0,
        });
    }
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = numkeys_idx + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = arg(argv, j);
        if op != SetOp::Diff && !card_only && remaining > setnum && is(a, "weights") {
            j += 1;
            for s in srcs.iter_mut() {
                s.weight = num::parse_f64(arg(argv, j))
                    .ok_or(CmdError::Static("ERR weight value is not a float"))?;
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && is(a, "aggregate") {
            let v = arg(argv, j + 1);
            how = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if dst.is_none() && !card_only && is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(a, "limit") {
            let l = num::parse_i64(arg(argv, j + 1))
                .filter(|&n| n >= 0)
                .ok_or(CmdError::Static("ERR LIMIT can't be negative"))?;
            limit = usize::try_from(l).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if op != SetOp::Diff {
        srcs.sort_by_key(|s| s.items.len());
    }
    let lookups: Vec<Dict<CompactBytes, f64>> = srcs
        .iter()
        .map(|s| {
            let mut d = Dict::with_capacity(s.items.len());
            if op != SetOp::Union {
                for (m, sc) in &s.items {
                    d.insert(CompactBytes::from(m.as_slice()), *sc);
                }
            }
            d
        })
        .collect();
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        SetOp::Inter => {
            if let Some(first) = srcs.first() {
                'outer: for (m, s) in &first.items {
                    let mut score = first.weight * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for (src, look) in srcs.iter().zip(lookups.iter()).skip(1) {
                        match look.get(m) {
                            Some(v) => aggregate(&mut score, v * src.weight, how),
                            None => continue 'outer,
                        }
                    }
                    if card_only {
                        cardinality += 1;
                        if limit != 0 && cardinality >= limit {
                            break;
                        }
                    } else {
                        result.push((m.clone(), score));
                    }
                }
            }
        }
        SetOp::Union => {
            let mut acc: Dict<CompactBytes, f64> = Dict::new();
            let mut order: Vec<Vec<u8>> = Vec::new();
            for src in &srcs {
                for (m, s) in &src.items {
                    let mut score = src.weight * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            acc.insert(CompactBytes::from(m.as_slice()), score);
                            order.push(m.clone());
                        }
                    }
                }
            }
            for m in order {
                let s = acc.get(&m).copied().unwrap_or(0.0);
                result.push((m, s));
            }
        }
        SetOp::Diff => {
            if let Some(first) = srcs.first() {
                for (m, s) in &first.items {
                    if !lookups.iter().skip(1).any(|l| l.contains_key(m)) {
                        result.push((m.clone(), *s));
                    }
                }
            }
        }
    }
    if card_only {
        ctx.reply
            .int(i64::try_from(cardinality).unwrap_or(i64::MAX));
        return Ok(());
    }
    // Build the result as a skiplist (sorted), as Redis does.
    let lim = limits(ctx);
    let mut z = ZSet::new_skiplist();
    for (m, s) in &result {
        z.set(m, *s, lim);
    }
    match dst {
        Some(dst) => {
            z.shrink_if_fits(lim);
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            store_result(ctx, dst, z, event);
        }
        None => {
            let items: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            reply_pairs(ctx, &items, withscores);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER / ZSCAN.

fn zrandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    use rand::RngExt;
    let key = arg(argv, 1);
    if argv.len() < 3 {
        let z = read_zset(ctx, key)?;
        let pick = z.and_then(|z| {
            let n = z.len();
            let r = rand::rng().random_range(0..n.max(1));
            z.get(r).map(|(m, _)| m.to_vec())
        });
        match pick {
            Some(m) => ctx.reply.bulk(&m),
            None => ctx.reply.null(),
        }
        return Ok(());
    }
    let l = parse_i64(arg(argv, 2))?;
    if l == i64::MIN {
        return Err(CmdError::Static(
            "ERR value is out of range, value must between -9223372036854775807 and \
             9223372036854775807",
        ));
    }
    let withscores = match argv.get(3) {
        None => false,
        Some(a) if argv.len() == 4 && is(a, "withscores") => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::Static("ERR value is out of range"));
    }
    let Some(z) = read_zset(ctx, key)? else {
        ctx.reply.array_len(0);
        return Ok(());
    };
    let size = z.len();
    let count = usize::try_from(l.unsigned_abs()).unwrap_or(usize::MAX);
    let mut rng = rand::rng();
    let items: Vec<(Vec<u8>, f64)> = if count == 0 {
        Vec::new()
    } else if l < 0 || count == 1 {
        (0..count)
            .filter_map(|_| {
                z.get(rng.random_range(0..size))
                    .map(|(m, s)| (m.to_vec(), s))
            })
            .collect()
    } else if count >= size {
        // The whole set, in Redis's zui order (from the tail).
        z.iter_from(size.saturating_sub(1), true)
            .map(|(m, s)| (m.to_vec(), s))
            .collect()
    } else {
        // Distinct picks: a partial Fisher-Yates over the ranks.
        let mut ranks: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = rng.random_range(i..size);
            ranks.swap(i, j);
        }
        ranks
            .iter()
            .take(count)
            .filter_map(|&r| z.get(r).map(|(m, s)| (m.to_vec(), s)))
            .collect()
    };
    reply_pairs(ctx, &items, withscores);
    Ok(())
}

fn zscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let cursor = num::parse_scan_cursor(arg(argv, 2)).map_err(|_| CmdError::InvalidCursor)?;
    let key = arg(argv, 1);
    if read_zset(ctx, key)?.is_none() {
        ctx.reply.array_len(2);
        ctx.reply.bulk(b"0");
        ctx.reply.array_len(0);
        return Ok(());
    }
    let opts = parse_scan_options(argv, 3, false)?;
    let pattern = opts.pattern;
    let Some(z) = read_zset(ctx, key)? else {
        return Ok(());
    };
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    let want = opts.count;
    let mut next = cursor;
    let mut iterations = want.saturating_mul(10);
    loop {
        next = z.scan(next, |m, s| out.push((m.to_vec(), s)));
        if next == 0 || iterations == 0 || out.len() >= want {
            break;
        }
        iterations -= 1;
    }
    if let Some(p) = pattern {
        out.retain(|(m, _)| glob_match(p, m, false));
    }
    ctx.reply.array_len(2);
    let mut buf = [0u8; 20];
    ctx.reply.bulk(num::fmt_u64(next, &mut buf));
    ctx.reply.array_len(out.len() * 2);
    for (m, s) in &out {
        ctx.reply.bulk(m);
        ctx.reply.bulk(num::fmt_double_17g(*s).as_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn arr(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    fn h() -> Harness {
        let mut h = Harness::new();
        h.run(&[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ]);
        h
    }

    #[test]
    fn zadd_options_and_errors() {
        let mut h = h();
        assert_eq!(
            h.run(&["ZADD", "z", "CH", "10", "a", "6", "f"]),
            Reply::Int(2)
        );
        assert_eq!(
            h.run(&["ZADD", "z", "NX", "1", "a", "7", "g"]),
            Reply::Int(1)
        );
        assert_eq!(
            h.run(&["ZADD", "z", "XX", "CH", "1", "a", "8", "h"]),
            Reply::Int(1)
        );
        assert_eq!(h.run(&["ZADD", "z", "GT", "CH", "0", "a"]), Reply::Int(0));
        assert_eq!(h.run(&["ZADD", "z", "LT", "CH", "0", "a"]), Reply::Int(1));
        assert_eq!(
            h.run(&["ZADD", "z", "XX", "NX", "1", "a"]),
            err("ERR XX and NX options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "GT", "LT", "1", "a"]),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
            err("ERR INCR option supports a single increment-element pair")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "1", "a", "2"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "nan", "a"]),
            err("ERR value is not a valid float")
        );
        assert_eq!(h.run(&["ZADD", "z", "INCR", "2", "a"]), Reply::Double(2.0));
        assert_eq!(h.run(&["ZADD", "z", "NX", "INCR", "2", "a"]), Reply::Null);
        h.run(&["ZADD", "z", "inf", "p"]);
        assert_eq!(
            h.run(&["ZINCRBY", "z", "-inf", "p"]),
            err("ERR resulting score is not a number (NaN)")
        );
        assert_eq!(h.run(&["ZADD", "nk", "XX", "1", "a"]), Reply::Int(0));
        assert_eq!(h.run(&["EXISTS", "nk"]), Reply::Int(0));
        h.run(&["SET", "s", "v"]);
        assert_eq!(
            h.run(&["ZADD", "s", "1", "a"]),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }

    #[test]
    fn negative_zero_depends_on_encoding() {
        let mut h = Harness::new();
        h.run(&["ZADD", "l", "-0", "x"]);
        assert_eq!(h.run(&["ZSCORE", "l", "x"]), Reply::Double(0.0));
        assert!(matches!(h.run(&["ZSCORE", "l", "x"]), Reply::Double(d) if !d.is_sign_negative()));
        h.core.config.zset_max_listpack_entries = 0;
        h.run(&["ZADD", "s", "-0", "x"]);
        assert!(matches!(h.run(&["ZSCORE", "s", "x"]), Reply::Double(d) if d.is_sign_negative()));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "s"]), bulk("skiplist"));
        assert_eq!(
            h.run(&["ZSCAN", "s", "0"]).clone(),
            Reply::Array(vec![bulk("0"), arr(&["x", "-0"])])
        );
    }

    #[test]
    fn ranges() {
        let mut h = h();
        assert_eq!(h.run(&["ZRANGE", "z", "1", "2"]), arr(&["b", "c"]));
        assert_eq!(h.run(&["ZRANGE", "z", "0", "1", "REV"]), arr(&["e", "d"]));
        assert_eq!(
            h.run(&["ZRANGE", "z", "(1", "3", "BYSCORE"]),
            arr(&["b", "c"])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV"]),
            arr(&["c", "b"])
        );
        assert_eq!(
            h.run(&["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"]),
            arr(&["b", "c"])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
            err(
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
            )
        );
        assert_eq!(
            h.run(&["ZRANGEBYSCORE", "z", "a", "1"]),
            err("ERR min or max is not a float")
        );
        assert_eq!(
            h.run(&["ZRANGEBYLEX", "z", "a", "+"]),
            err("ERR min or max not valid string range item")
        );
        assert_eq!(
            h.run(&["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"]),
            err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        );
        assert_eq!(h.run(&["ZRANGEBYLEX", "z", "[b", "(d"]), arr(&["b", "c"]));
        assert_eq!(h.run(&["ZREVRANGEBYLEX", "z", "+", "[d"]), arr(&["e", "d"]));
        assert_eq!(h.run(&["ZCOUNT", "z", "(1", "5"]), Reply::Int(4));
        assert_eq!(h.run(&["ZLEXCOUNT", "z", "-", "+"]), Reply::Int(5));
        assert_eq!(h.run(&["ZRANK", "z", "c"]), Reply::Int(2));
        assert_eq!(h.run(&["ZREVRANK", "z", "c"]), Reply::Int(2));
        assert_eq!(h.run(&["ZRANGESTORE", "d", "z", "0", "1"]), Reply::Int(2));
        assert_eq!(h.run(&["ZRANGE", "d", "0", "-1"]), arr(&["a", "b"]));
        assert_eq!(h.run(&["ZRANGESTORE", "d", "z", "9", "10"]), Reply::Int(0));
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Int(0));
    }

    #[test]
    fn removals_and_pops() {
        let mut h = h();
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "0", "0"]), Reply::Int(1));
        assert_eq!(
            h.run(&["ZREMRANGEBYSCORE", "z", "(4", "+inf"]),
            Reply::Int(1)
        );
        assert_eq!(h.run(&["ZREMRANGEBYLEX", "z", "[b", "[b"]), Reply::Int(1));
        assert_eq!(
            h.run(&["ZPOPMIN", "z"]),
            Reply::Array(vec![bulk("c"), Reply::Double(3.0)])
        );
        assert_eq!(h.run(&["ZPOPMIN", "z", "0"]), Reply::Array(vec![]));
        assert_eq!(
            h.run(&["ZPOPMIN", "z", "-1"]),
            err("ERR value is out of range, must be positive")
        );
        h.resp3();
        assert_eq!(
            h.run(&["ZPOPMAX", "z", "5"]),
            Reply::Array(vec![Reply::Array(vec![bulk("d"), Reply::Double(4.0)])])
        );
        assert_eq!(h.run(&["EXISTS", "z"]), Reply::Int(0));
        assert_eq!(h.run(&["ZMPOP", "1", "z", "MIN"]), Reply::NullArray);
        h.run(&["ZADD", "z", "1", "a"]);
        assert_eq!(
            h.run(&["ZMPOP", "1", "z", "MIN", "COUNT", "2"]),
            Reply::Array(vec![
                bulk("z"),
                Reply::Array(vec![Reply::Array(vec![bulk("a"), Reply::Double(1.0)])])
            ])
        );
        assert_eq!(
            h.run(&["ZMPOP", "0", "z", "MIN"]),
            err("ERR numkeys should be greater than 0")
        );
        assert_eq!(
            h.run(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]),
            err("ERR count should be greater than 0")
        );
    }

    #[test]
    fn set_operations() {
        let mut h = Harness::new();
        h.run(&["ZADD", "a", "1", "x", "2", "y"]);
        h.run(&["ZADD", "b", "10", "y", "20", "z"]);
        h.run(&["SADD", "s", "y"]);
        assert_eq!(h.run(&["ZUNION", "2", "a", "b"]), arr(&["x", "y", "z"]));
        assert_eq!(
            h.run(&["ZINTER", "3", "a", "b", "s", "WITHSCORES"]),
            Reply::Array(vec![bulk("y"), Reply::Double(13.0)])
        );
        assert_eq!(h.run(&["ZDIFF", "2", "a", "b"]), arr(&["x"]));
        assert_eq!(
            h.run(&[
                "ZUNION",
                "2",
                "a",
                "b",
                "WEIGHTS",
                "2",
                "1",
                "AGGREGATE",
                "MAX",
                "WITHSCORES"
            ]),
            Reply::Array(vec![
                bulk("x"),
                Reply::Double(2.0),
                bulk("y"),
                Reply::Double(10.0),
                bulk("z"),
                Reply::Double(20.0)
            ])
        );
        assert_eq!(h.run(&["ZUNIONSTORE", "d", "2", "a", "b"]), Reply::Int(3));
        assert_eq!(h.run(&["ZINTERCARD", "2", "a", "b"]), Reply::Int(1));
        assert_eq!(
            h.run(&["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"]),
            err("ERR LIMIT can't be negative")
        );
        assert_eq!(
            h.run(&["ZUNION", "0", "a"]),
            err("ERR at least 1 input key is needed for 'zunion' command")
        );
        assert_eq!(
            h.run(&["ZUNION", "2", "a", "b", "WEIGHTS", "x", "1"]),
            err("ERR weight value is not a float")
        );
        h.run(&["ZADD", "i1", "inf", "m"]);
        h.run(&["ZADD", "i2", "-inf", "m"]);
        assert_eq!(
            h.run(&["ZUNION", "2", "i1", "i2", "WITHSCORES"]),
            Reply::Array(vec![bulk("m"), Reply::Double(0.0)])
        );
    }

    #[test]
    fn conversion_thresholds() {
        let mut h = Harness::new();
        h.core.config.zset_max_listpack_entries = 2;
        h.run(&["ZADD", "z", "1", "a", "2", "b"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), bulk("listpack"));
        h.run(&["ZADD", "z", "3", "c"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), bulk("skiplist"));
        h.run(&["ZREM", "z", "c"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), bulk("skiplist"));
        h.run(&["ZUNIONSTORE", "d", "1", "z"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "d"]), bulk("listpack"));
        h.core.config.zset_max_listpack_value = 3;
        h.run(&["ZADD", "v", "1", "abcd"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "v"]), bulk("skiplist"));
    }

    #[test]
    fn randmember_and_scan() {
        let mut h = h();
        assert_eq!(
            h.run(&["ZRANDMEMBER", "z", "10"]),
            arr(&["e", "d", "c", "b", "a"])
        );
        assert!(matches!(h.run(&["ZRANDMEMBER", "z", "-7"]), Reply::Array(v) if v.len() == 7));
        assert!(
            matches!(h.run(&["ZRANDMEMBER", "z", "3", "WITHSCORES"]), Reply::Array(v) if v.len() == 6)
        );
        assert_eq!(
            h.run(&["ZRANDMEMBER", "z", "1", "x"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["ZRANDMEMBER", "nokey"]), Reply::Null);
        assert_eq!(
            h.run(&["ZSCAN", "z", "0", "MATCH", "[ab]"]),
            Reply::Array(vec![bulk("0"), arr(&["a", "1", "b", "2"])])
        );
        assert_eq!(
            h.run(&["ZSCAN", "z", "0", "COUNT", "0"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["ZSCAN", "z", "x"]), err("ERR invalid cursor"));
    }
}
