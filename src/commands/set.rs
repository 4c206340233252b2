//! The set command group: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE
//! SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, as Redis 7.0's
//! t_set.c: the same checks in the same order, the same reply shapes (RESP3 sets where Redis uses
//! `addReplySetLen`), keyspace events, propagation (SPOP as SREM / DEL) and result encodings.
//!
//! Multi-key commands look every key up first (expiring, counting hits and misses, checking the
//! type), then borrow the sets immutably from the database to compute the result; STORE variants
//! build a fresh set (which starts as an intset, as Redis's `createIntsetObject`) and store it.

use bytes::Bytes;
use rand::RngExt;

use super::args::{arg, c_is, parse_i64, parse_scan_options};
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_SET};
use crate::db::{Ref, RefMut};
use crate::protocol::reply::ReplySink;
use crate::types::set::{Member, Set};
use crate::types::value::Value;
use crate::util::glob::glob_match;
use crate::util::num;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("sadd", sadd),
    ("srem", srem),
    ("smembers", smembers),
    ("sismember", sismember),
    ("smismember", smismember),
    ("scard", scard),
    ("spop", spop),
    ("srandmember", srandmember),
    ("smove", smove),
    ("sinter", sinter),
    ("sintercard", sintercard),
    ("sinterstore", sinterstore),
    ("sunion", sunion),
    ("sunionstore", sunionstore),
    ("sdiff", sdiff),
    ("sdiffstore", sdiffstore),
    ("sscan", sscan),
];

/// SPOP with count: beyond this ratio of popped to remaining elements, the remaining ones are
/// copied to a new set instead (Redis's SPOP_MOVE_STRATEGY_MUL).
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

/// SRANDMEMBER with count: below this ratio of set size to count, start from the whole set and
/// drop random elements (Redis's SRANDMEMBER_SUB_STRATEGY_MUL).
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// `set-max-intset-entries`.
fn max_intset(ctx: &Ctx<'_>) -> u64 {
    ctx.core.config.set_max_intset_entries
}

/// Whether server-side deletions free in the background (`lazyfree-lazy-server-del`).
fn lazy_del(ctx: &Ctx<'_>) -> bool {
    ctx.core.config.lazyfree_lazy_server_del
}

/// The set held by `value`, or WRONGTYPE.
fn as_set(value: &mut Value) -> Result<&mut Set, CmdError> {
    match value {
        Value::Set(s) => Ok(s),
        _ => Err(CmdError::WrongType),
    }
}

/// Looks `key` up for writing: `Ok(None)` when missing, WRONGTYPE for another type.
fn set_write<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Result<Option<RefMut<'a, Set>>, CmdError> {
    match ctx.lookup_write(key) {
        Some(e) => e.project(as_set).map(Some),
        None => Ok(None),
    }
}

/// Looks `key` up for reading: `Ok(None)` when missing, WRONGTYPE for another type.
fn set_read<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Result<Option<Ref<'a, Set>>, CmdError> {
    match ctx.lookup_read(key) {
        Some(e) => e.project(set_ref).map(Some),
        None => Ok(None),
    }
}

/// The set held by `value`, or WRONGTYPE (for reading).
fn set_ref(value: &Value) -> Result<&Set, CmdError> {
    match value {
        Value::Set(s) => Ok(s),
        _ => Err(CmdError::WrongType),
    }
}

/// Writes one member as a bulk string.
fn put(reply: &mut dyn ReplySink, m: Member<'_>) {
    match m {
        Member::Int(n) => reply.bulk_int(n),
        Member::Str(s) => reply.bulk(s),
    }
}

/// Deletes `key` (now empty) and emits the generic "del" event.
fn delete_emptied(ctx: &mut Ctx<'_>, key: &[u8]) {
    let (db, lazy) = (ctx.db(), lazy_del(ctx));
    ctx.core.dbs.delete(db, key, lazy);
    ctx.notify(NOTIFY_GENERIC, "del", key);
}

/// SADD key member [member ...]: adds members, creating the set; answers how many were new.
fn sadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let members = argv.get(2..).unwrap_or_default();
    let max = max_intset(ctx);
    let mut added: i64 = 0;
    if let Some(mut s) = set_write(ctx, key)? {
        for m in members {
            added += i64::from(s.add(m, max));
        }
    } else {
        let mut s = Set::for_member(arg(argv, 2));
        for m in members {
            added += i64::from(s.add(m, max));
        }
        let (db, now) = (ctx.db(), ctx.now_ms);
        ctx.core.dbs.set(db, key, Value::Set(s), false, now);
    }
    if added > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += u64::try_from(added - 1).unwrap_or(0);
        ctx.notify(NOTIFY_SET, "sadd", key);
    }
    ctx.reply.int(added);
    Ok(())
}

/// SREM key member [member ...]: removes members, deleting the key once empty; answers how many
/// were removed.
fn srem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let mut deleted: i64 = 0;
    let mut emptied = false;
    if let Some(mut s) = set_write(ctx, key)? {
        for m in argv.get(2..).unwrap_or_default() {
            if s.remove(m) {
                deleted += 1;
                if s.is_empty() {
                    emptied = true;
                    break;
                }
            }
        }
    }
    if emptied {
        let (db, lazy) = (ctx.db(), lazy_del(ctx));
        ctx.core.dbs.delete(db, key, lazy);
    }
    if deleted > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += u64::try_from(deleted - 1).unwrap_or(0);
        ctx.notify(NOTIFY_SET, "srem", key);
        if emptied {
            ctx.notify(NOTIFY_GENERIC, "del", key);
        }
    }
    ctx.reply.int(deleted);
    Ok(())
}

/// SISMEMBER key member: 1 or 0.
fn sismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let found = set_read(ctx, arg(argv, 1))?.is_some_and(|s| s.contains(arg(argv, 2)));
    ctx.reply.int(i64::from(found));
    Ok(())
}

/// SMISMEMBER key member [member ...]: an array of 1 / 0.
fn smismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let members = argv.get(2..).unwrap_or_default();
    let flags: Vec<bool> = match set_read(ctx, arg(argv, 1))? {
        Some(s) => members.iter().map(|m| s.contains(m)).collect(),
        None => vec![false; members.len()],
    };
    ctx.reply.array_len(flags.len());
    for f in flags {
        ctx.reply.int(i64::from(f));
    }
    Ok(())
}

/// SCARD key: the number of members (0 for a missing key).
fn scard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let n = set_read(ctx, arg(argv, 1))?.map_or(0, |s| s.len());
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// SMOVE source destination member: moves a member between sets; 1 if it was moved (or is in
/// the source when source and destination are the same key), else 0.
fn smove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (src, dst, ele) = (arg(argv, 1), arg(argv, 2), arg(argv, 3));
    let src_is_set = ctx
        .lookup_write(src)
        .map(|e| matches!(e.value, Value::Set(_)));
    let dst_is_set = ctx
        .lookup_write(dst)
        .map(|e| matches!(e.value, Value::Set(_)));
    let Some(src_is_set) = src_is_set else {
        ctx.reply.int(0);
        return Ok(());
    };
    if !src_is_set || dst_is_set == Some(false) {
        return Err(CmdError::WrongType);
    }
    if src == dst {
        let found = set_write(ctx, src)?.is_some_and(|s| s.contains(ele));
        ctx.reply.int(i64::from(found));
        return Ok(());
    }
    let (removed, emptied) = match set_write(ctx, src)? {
        Some(mut s) => (s.remove(ele), s.is_empty()),
        None => (false, false),
    };
    if !removed {
        ctx.reply.int(0);
        return Ok(());
    }
    ctx.notify(NOTIFY_SET, "srem", src);
    if emptied {
        delete_emptied(ctx, src);
    }
    let max = max_intset(ctx);
    if dst_is_set.is_none() {
        let (db, now) = (ctx.db(), ctx.now_ms);
        let s = Set::for_member(ele);
        ctx.core.dbs.set(db, dst, Value::Set(s), false, now);
    }
    ctx.touched(src);
    let added = set_write(ctx, dst)?.is_some_and(|mut s| s.add(ele, max));
    if added {
        ctx.touched(dst);
        ctx.notify(NOTIFY_SET, "sadd", dst);
    }
    ctx.reply.int(1);
    Ok(())
}

/// SPOP key [count]: removes and returns random members; propagated as SREM (one per member)
/// or, when SPOP with a count takes the whole set, as DEL.
fn spop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    match argv.len() {
        2 => {}
        3 => return spop_count(ctx, argv),
        _ => return Err(CmdError::Syntax),
    }
    let key = arg(argv, 1);
    let mut rng = rand::rng();
    let Some(mut s) = set_write(ctx, key)? else {
        ctx.reply.null();
        return Ok(());
    };
    let Some(ele) = s.pop_random(&mut rng) else {
        drop(s);
        ctx.reply.null();
        return Ok(());
    };
    let emptied = s.is_empty();
    drop(s);
    ctx.notify(NOTIFY_SET, "spop", key);
    ctx.propagate(vec![
        Bytes::from_static(b"SREM"),
        Bytes::copy_from_slice(key),
        Bytes::from(ele.clone()),
    ]);
    ctx.reply.bulk(&ele);
    if emptied {
        delete_emptied(ctx, key);
    }
    ctx.touched(key);
    Ok(())
}

/// SPOP key count: the three strategies of Redis's spopWithCountCommand.
fn spop_count(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let count = num::parse_i64(arg(argv, 2))
        .filter(|n| *n >= 0)
        .ok_or(CmdError::NotPositive)?;
    let count = u64::try_from(count).unwrap_or(0);
    let max = max_intset(ctx);
    let mut rng = rand::rng();
    let size = if let Some(s) = set_write(ctx, key)? {
        s.len() as u64
    } else {
        ctx.reply.set_len(0);
        return Ok(());
    };
    if count == 0 {
        ctx.reply.set_len(0);
        return Ok(());
    }
    ctx.notify(NOTIFY_SET, "spop", key);
    ctx.core.dbs.dirty += count.saturating_sub(1);

    // CASE 1: the whole set.
    if count >= size {
        let (db, lazy) = (ctx.db(), lazy_del(ctx));
        if let Some(e) = ctx.core.dbs.db(db).and_then(|d| d.get(key))
            && let Value::Set(s) = &e.value
        {
            ctx.reply.set_len(s.len());
            for m in s.iter() {
                put(&mut *ctx.reply, m)
            }
        }
        ctx.core.dbs.delete(db, key, lazy);
        ctx.notify(NOTIFY_GENERIC, "del", key);
        // 7.0 propagates DEL here whatever lazyfree-lazy-server-del says.
        ctx.propagate(vec![
            Bytes::from_static(b"DEL"),
            Bytes::copy_from_slice(key),
        ]);
        ctx.touched(key);
        return Ok(());
    }

    let remaining = size - count;
    let mut popped: Vec<Vec<u8>> = Vec::new();
    if let Some(mut s) = set_write(ctx, key)? {
        if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > count {
            // CASE 2: pop random members one by one.
            for _ in 0..count {
                match s.pop_random(&mut rng) {
                    Some(m) => popped.push(m),
                    None => break,
                }
            }
        } else {
            // CASE 3: move the members that stay to a new set; the rest is the reply.
            let mut kept: Option<Set> = None;
            for _ in 0..remaining {
                let Some(m) = s.pop_random(&mut rng) else {
                    break;
                };
                let ns = kept.get_or_insert_with(|| Set::for_member(&m));
                ns.add(&m, max);
            }
            popped = s.iter().map(|m| m.to_vec()).collect();
            *s = kept.unwrap_or_default();
        }
    }
    ctx.reply.set_len(popped.len());
    for m in &popped {
        ctx.reply.bulk(m);
    }
    let k = Bytes::copy_from_slice(key);
    for m in popped {
        ctx.propagate(vec![Bytes::from_static(b"SREM"), k.clone(), Bytes::from(m)]);
    }
    ctx.touched(key);
    Ok(())
}

/// SRANDMEMBER key [count]: random members without removing them; a negative count allows
/// repeats. Redis's four cases.
fn srandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    match argv.len() {
        2 => {}
        3 => return srandmember_count(ctx, argv),
        _ => return Err(CmdError::Syntax),
    }
    let mut rng = rand::rng();
    let pick = set_read(ctx, arg(argv, 1))?.and_then(|s| s.random(&mut rng).map(|m| m.to_vec()));
    match pick {
        Some(m) => ctx.reply.bulk(&m),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// SRANDMEMBER key count.
fn srandmember_count(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let l = parse_i64(arg(argv, 2))?;
    if l == i64::MIN {
        return Err(CmdError::Static(
            "ERR value is out of range, value must between -9223372036854775807 and \
             9223372036854775807",
        ));
    }
    let uniq = l >= 0;
    let count = l.unsigned_abs();
    let mut rng = rand::rng();
    let Some(size) = set_read(ctx, arg(argv, 1))?.map(|s| s.len() as u64) else {
        ctx.reply.array_len(0);
        return Ok(());
    };
    if count == 0 {
        ctx.reply.array_len(0);
        return Ok(());
    }
    // The set stays borrowed from the keyspace while the reply is written.
    let db = ctx.db();
    let Some(s) = borrow_sets(ctx.core, db, argv.get(1..2).unwrap_or_default())
        .into_iter()
        .flatten()
        .next()
    else {
        return Ok(());
    };
    let reply = &mut *ctx.reply;

    // CASE 1: repeats allowed (or one member): sample the whole set each time.
    if !uniq || count == 1 {
        reply.array_len(usize::try_from(count).unwrap_or(usize::MAX));
        for _ in 0..count {
            match s.random(&mut rng) {
                Some(Member::Int(n)) => reply.bulk_int(n),
                Some(Member::Str(b)) => reply.bulk(b),
                None => reply.null(),
            }
        }
        return Ok(());
    }
    // CASE 2: the whole set.
    if count >= size {
        reply.array_len(s.len());
        for m in s.iter() {
            put(reply, m)
        }
        return Ok(());
    }
    let picked: Vec<Member<'_>> = if count.saturating_mul(SRANDMEMBER_SUB_STRATEGY_MUL) > size {
        // CASE 3: all members, then drop random ones until `count` are left.
        let mut all: Vec<Member<'_>> = s.iter().collect();
        while all.len() as u64 > count {
            let i = rng.random_range(0..all.len());
            all.swap_remove(i);
        }
        all
    } else {
        // CASE 4: random picks until `count` distinct members.
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        while (out.len() as u64) < count {
            let Some(m) = s.random(&mut rng) else {
                break;
            };
            if seen.insert(m) {
                out.push(m);
            }
        }
        out
    };
    reply.array_len(picked.len());
    for m in picked {
        put(reply, m)
    }
    Ok(())
}

/// Looks every key up (write lookups for the STORE variants) and checks its type; returns which
/// keys hold a set. Stops at the first key of another type, as Redis does.
fn lookup_sets(ctx: &mut Ctx<'_>, keys: &[Bytes], write: bool) -> Result<Vec<bool>, CmdError> {
    let mut found = Vec::with_capacity(keys.len());
    for k in keys {
        let is_set = |v: &Value| matches!(v, Value::Set(_));
        let set = if write {
            ctx.lookup_write(k).map(|e| is_set(&e.value))
        } else {
            ctx.lookup_read(k).map(|e| is_set(&e.value))
        };
        match set {
            Some(true) => found.push(true),
            Some(false) => return Err(CmdError::WrongType),
            None => found.push(false),
        }
    }
    Ok(found)
}

/// The sets at `keys` (already looked up), borrowed from the selected database.
fn borrow_sets<'a>(core: &'a super::Core, db: usize, keys: &[Bytes]) -> Vec<Option<Ref<'a, Set>>> {
    let d = core.dbs.db(db);
    keys.iter()
        .map(|k| {
            d.and_then(|d| d.get(k))
                .and_then(|e| e.project(set_ref).ok())
        })
        .collect()
}

/// Whether two borrowed sets are the same value (the same key given twice).
fn same(a: &Set, b: &Set) -> bool {
    a.same_storage(b)
}

/// How an intersection is delivered.
enum InterOut<'k> {
    /// SINTER / SMEMBERS: a set reply.
    Reply,
    /// SINTERCARD: the count, stopping at `limit` (0 = none).
    Card(u64),
    /// SINTERSTORE into this key.
    Store(&'k [u8]),
}

/// Redis's sinterGenericCommand.
fn sinter_generic(ctx: &mut Ctx<'_>, keys: &[Bytes], out: InterOut<'_>) -> Result<(), CmdError> {
    let store = matches!(out, InterOut::Store(_));
    let found = lookup_sets(ctx, keys, store)?;
    let max = max_intset(ctx);
    let db = ctx.db();
    let mut result: Option<Set> = None;
    if found.iter().all(|f| *f) {
        let refs = borrow_sets(ctx.core, db, keys);
        let mut sets: Vec<&Set> = refs.iter().flatten().map(|r| &**r).collect();
        sets.sort_by_key(|s| s.len());
        let Some(first) = sets.first().copied() else {
            return Ok(());
        };
        let in_all = |m: Member<'_>| {
            sets.iter()
                .skip(1)
                .all(|s| same(s, first) || s.contains_member(m))
        };
        match out {
            InterOut::Reply => {
                let members: Vec<Member<'_>> = first.iter().filter(|m| in_all(*m)).collect();
                let reply = &mut *ctx.reply;
                reply.set_len(members.len());
                for m in members {
                    put(reply, m)
                }
                return Ok(());
            }
            InterOut::Card(limit) => {
                let mut n: u64 = 0;
                for m in first.iter() {
                    if in_all(m) {
                        n += 1;
                        if limit != 0 && n >= limit {
                            break;
                        }
                    }
                }
                ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
                return Ok(());
            }
            InterOut::Store(_) => {
                let mut dst = Set::new();
                for m in first.iter() {
                    if in_all(m) {
                        dst.add_member(m, max);
                    }
                }
                result = Some(dst);
            }
        }
    }
    match out {
        InterOut::Reply => ctx.reply.set_len(0),
        InterOut::Card(_) => ctx.reply.int(0),
        InterOut::Store(dst) => store_result(ctx, dst, result, "sinterstore"),
    }
    Ok(())
}

/// Stores a STORE variant's result at `dst` (replacing whatever is there, TTL dropped) and
/// answers its size; an empty result deletes `dst` instead.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], result: Option<Set>, event: &'static str) {
    let (db, now, lazy) = (ctx.db(), ctx.now_ms, lazy_del(ctx));
    match result.filter(|s| !s.is_empty()) {
        Some(s) => {
            let n = s.len();
            ctx.core.dbs.set(db, dst, Value::Set(s), false, now);
            ctx.touched(dst);
            ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
            ctx.notify(NOTIFY_SET, event, dst);
        }
        None => {
            ctx.reply.int(0);
            if ctx.core.dbs.delete(db, dst, lazy) {
                ctx.touched(dst);
                ctx.notify(NOTIFY_GENERIC, "del", dst);
            }
        }
    }
}

/// SMEMBERS key: every member (Redis 7.0 runs it as a one-key SINTER).
fn smembers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sinter_generic(ctx, argv.get(1..2).unwrap_or_default(), InterOut::Reply)
}

/// SINTER key [key ...].
fn sinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sinter_generic(ctx, argv.get(1..).unwrap_or_default(), InterOut::Reply)
}

/// SINTERSTORE destination key [key ...].
fn sinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let dst = arg(argv, 1);
    sinter_generic(ctx, argv.get(2..).unwrap_or_default(), InterOut::Store(dst))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit].
fn sintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = num::parse_i64(arg(argv, 1))
        .filter(|n| *n >= 1)
        .ok_or(CmdError::Static(NUMKEYS))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > argv.len().saturating_sub(2) {
        return Err(CmdError::Static(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let mut limit: u64 = 0;
    let mut j = 2 + numkeys;
    while let Some(opt) = argv.get(j) {
        let more = argv.get(j + 1);
        match more {
            Some(v) if c_is(opt, "LIMIT") => {
                limit = num::parse_i64(v)
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or(CmdError::Static("ERR LIMIT can't be negative"))?;
                j += 2;
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    let keys = argv.get(2..2 + numkeys).unwrap_or_default();
    sinter_generic(ctx, keys, InterOut::Card(limit))
}

/// SUNION or SDIFF.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// Redis's sunionDiffGenericCommand: the result is built as a new set (intset first), then
/// either sent or stored at `dst`.
fn sunion_diff(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    dst: Option<&[u8]>,
    op: SetOp,
) -> Result<(), CmdError> {
    lookup_sets(ctx, keys, dst.is_some())?;
    let max = max_intset(ctx);
    let db = ctx.db();
    let refs = borrow_sets(ctx.core, db, keys);
    let sets: Vec<Option<&Set>> = refs.iter().map(|r| r.as_deref()).collect();
    let mut out = Set::new();
    match op {
        SetOp::Union => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    out.add_member(m, max);
                }
            }
        }
        SetOp::Diff => {
            if let Some(Some(first)) = sets.first().copied() {
                let sameset = sets.iter().skip(1).flatten().any(|s| same(s, first));
                // Algorithm 1 walks the first set probing the others; algorithm 2 copies the
                // first set and removes the others' members (so a hash table may stay one).
                let mut one: i64 = 0;
                let mut two: i64 = 0;
                for s in sets.iter().flatten() {
                    one = one.saturating_add(first.len() as i64);
                    two = two.saturating_add(s.len() as i64);
                }
                one /= 2;
                if sameset {
                } else if one <= two {
                    for m in first.iter() {
                        if !sets.iter().skip(1).flatten().any(|s| s.contains_member(m)) {
                            out.add_member(m, max);
                        }
                    }
                } else {
                    for m in first.iter() {
                        out.add_member(m, max);
                    }
                    for s in sets.iter().skip(1).flatten() {
                        if out.is_empty() {
                            break;
                        }
                        for m in s.iter() {
                            match m {
                                Member::Int(n) => out.remove(n.to_string().as_bytes()),
                                Member::Str(b) => out.remove(b),
                            };
                        }
                    }
                }
            }
        }
    }
    match dst {
        None => {
            ctx.reply.set_len(out.len());
            for m in out.iter() {
                put(&mut *ctx.reply, m)
            }
            let lazy = lazy_del(ctx);
            ctx.core.dbs.drop_value(Value::Set(out), lazy);
        }
        Some(dst) => {
            let event = if op == SetOp::Union {
                "sunionstore"
            } else {
                "sdiffstore"
            };
            store_result(ctx, dst, Some(out), event);
        }
    }
    Ok(())
}

/// SUNION key [key ...].
fn sunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sunion_diff(ctx, argv.get(1..).unwrap_or_default(), None, SetOp::Union)
}

/// SUNIONSTORE destination key [key ...].
fn sunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let keys = argv.get(2..).unwrap_or_default();
    sunion_diff(ctx, keys, Some(arg(argv, 1)), SetOp::Union)
}

/// SDIFF key [key ...].
fn sdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sunion_diff(ctx, argv.get(1..).unwrap_or_default(), None, SetOp::Diff)
}

/// SDIFFSTORE destination key [key ...].
fn sdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let keys = argv.get(2..).unwrap_or_default();
    sunion_diff(ctx, keys, Some(arg(argv, 1)), SetOp::Diff)
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]: one step over the members; an intset is
/// returned whole with cursor 0. Options are parsed only once the key is found, as Redis does.
fn sscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let cursor = num::parse_scan_cursor(arg(argv, 2)).map_err(|_| CmdError::InvalidCursor)?;
    if set_read(ctx, key)?.is_none() {
        ctx.reply.array_len(2);
        ctx.reply.bulk(b"0");
        ctx.reply.array_len(0);
        return Ok(());
    }
    let opts = parse_scan_options(argv, 3, false)?;
    let (want, pattern) = (opts.count, opts.pattern);
    let count = want;
    let db = ctx.db();
    let Some(s) = borrow_sets(ctx.core, db, argv.get(1..2).unwrap_or_default())
        .into_iter()
        .flatten()
        .next()
    else {
        return Ok(());
    };
    let mut found: Vec<Member<'_>> = Vec::new();
    let mut cursor = cursor;
    if s.scans_whole() {
        cursor = s.scan(cursor, |m| found.push(m));
    } else {
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = s.scan(cursor, |m| found.push(m));
            if cursor == 0 || budget == 0 {
                break;
            }
            budget -= 1;
            if found.len() >= want {
                break;
            }
        }
    }
    let mut buf = Vec::new();
    let kept: Vec<Member<'_>> = found
        .into_iter()
        .filter(|m| {
            pattern.is_none_or(|p| match m {
                Member::Str(b) => glob_match(p, b, false),
                Member::Int(n) => {
                    buf.clear();
                    buf.extend_from_slice(n.to_string().as_bytes());
                    glob_match(p, &buf, false)
                }
            })
        })
        .collect();
    let reply = &mut *ctx.reply;
    reply.array_len(2);
    reply.bulk(cursor.to_string().as_bytes());
    reply.array_len(kept.len());
    for m in kept {
        put(reply, m)
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::HashSet;

    use proptest::prelude::*;

    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn strings(items: Vec<Reply>) -> Vec<String> {
        items
            .into_iter()
            .map(|i| match i {
                Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect()
    }

    /// The members of an array or set reply, sorted.
    fn members(r: Reply) -> Vec<String> {
        let items = match r {
            Reply::Array(v) | Reply::Set(v) => v,
            other => panic!("not an aggregate: {other:?}"),
        };
        let mut v = strings(items);
        v.sort();
        v
    }

    fn sv(words: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    fn enc(h: &mut Harness, key: &str) -> Reply {
        h.run(&["OBJECT", "ENCODING", key])
    }

    fn watch(h: &mut Harness) {
        h.core.effects.notify_classes = u32::MAX;
        h.core.effects.propagating = true;
    }

    fn events(h: &mut Harness) -> Vec<(String, String)> {
        std::mem::take(&mut h.core.effects.events)
            .into_iter()
            .map(|(_, e, _, k)| (e.to_string(), String::from_utf8_lossy(&k).into_owned()))
            .collect()
    }

    fn ev(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(e, k)| (e.to_string(), k.to_string()))
            .collect()
    }

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    #[test]
    fn sadd_srem_scard_and_encodings() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SADD", "s", "3", "1", "2", "1"]), int(3));
        assert_eq!(enc(&mut h, "s"), bulk("intset"));
        assert_eq!(
            h.run(&["SMEMBERS", "s"]),
            Reply::Set(vec![bulk("1"), bulk("2"), bulk("3")])
        );
        assert_eq!(h.run(&["SCARD", "s"]), int(3));
        assert_eq!(h.run(&["SADD", "s", "01"]), int(1));
        assert_eq!(enc(&mut h, "s"), bulk("hashtable"));
        assert_eq!(h.run(&["SREM", "s", "01", "9"]), int(1));
        assert_eq!(enc(&mut h, "s"), bulk("hashtable"));
        assert_eq!(h.run(&["SADD", "t", "a"]), int(1));
        assert_eq!(enc(&mut h, "t"), bulk("hashtable"));
        assert_eq!(h.run(&["SREM", "t", "a", "a"]), int(1));
        assert_eq!(h.run(&["EXISTS", "t"]), int(0));
        assert_eq!(h.run(&["SREM", "t", "a"]), int(0));
        assert_eq!(h.run(&["SCARD", "t"]), int(0));
    }

    #[test]
    fn intset_converts_past_the_configured_limit() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "set-max-intset-entries", "2"]);
        assert_eq!(h.run(&["SADD", "s", "1", "2"]), int(2));
        assert_eq!(enc(&mut h, "s"), bulk("intset"));
        assert_eq!(h.run(&["SADD", "s", "2"]), int(0));
        assert_eq!(enc(&mut h, "s"), bulk("intset"));
        assert_eq!(h.run(&["SADD", "s", "3"]), int(1));
        assert_eq!(enc(&mut h, "s"), bulk("hashtable"));
        h.run(&["SREM", "s", "3", "2"]);
        assert_eq!(enc(&mut h, "s"), bulk("hashtable"));
        assert_eq!(members(h.run(&["SMEMBERS", "s"])), sv(&["1"]));
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "s", "1"]);
        for cmd in [
            &["SADD", "str", "a"][..],
            &["SREM", "str", "a"],
            &["SMEMBERS", "str"],
            &["SISMEMBER", "str", "a"],
            &["SMISMEMBER", "str", "a"],
            &["SCARD", "str"],
            &["SPOP", "str"],
            &["SPOP", "str", "0"],
            &["SRANDMEMBER", "str"],
            &["SRANDMEMBER", "str", "0"],
            &["SMOVE", "str", "s", "1"],
            &["SMOVE", "s", "str", "1"],
            &["SINTER", "missing", "str"],
            &["SINTERCARD", "2", "missing", "str"],
            &["SINTERSTORE", "d", "missing", "str"],
            &["SUNION", "s", "str"],
            &["SUNIONSTORE", "d", "s", "str"],
            &["SDIFF", "missing", "str"],
            &["SDIFFSTORE", "d", "s", "str"],
            &["SSCAN", "str", "0"],
        ] {
            assert_eq!(h.run(cmd), err(WRONGTYPE), "{cmd:?}");
        }
        // A missing source answers 0 before the destination's type is checked.
        assert_eq!(h.run(&["SMOVE", "missing", "str", "1"]), int(0));
        assert_eq!(
            h.run(&["SADD", "s"]),
            err("ERR wrong number of arguments for 'sadd' command")
        );
    }

    #[test]
    fn membership_replies() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "1", "a"]);
        assert_eq!(h.run(&["SISMEMBER", "s", "a"]), int(1));
        assert_eq!(h.run(&["SISMEMBER", "s", "b"]), int(0));
        assert_eq!(h.run(&["SISMEMBER", "nokey", "b"]), int(0));
        assert_eq!(
            h.run(&["SMISMEMBER", "s", "1", "b", "a"]),
            Reply::Array(vec![int(1), int(0), int(1)])
        );
        assert_eq!(
            h.run(&["SMISMEMBER", "nokey", "1", "b"]),
            Reply::Array(vec![int(0), int(0)])
        );
        h.resp3();
        assert_eq!(h.run(&["SMEMBERS", "nokey"]), Reply::Set(vec![]));
        assert!(matches!(h.run(&["SMEMBERS", "s"]), Reply::Set(v) if v.len() == 2));
    }

    #[test]
    fn spop_single_propagates_srem_and_deletes_the_emptied_key() {
        let mut h = Harness::new();
        watch(&mut h);
        h.run(&["SADD", "s", "x"]);
        events(&mut h);
        h.take_propagated_argv();
        assert_eq!(h.run(&["SPOP", "s"]), bulk("x"));
        assert_eq!(h.take_propagated_argv(), vec![vec!["SREM", "s", "x"]]);
        assert_eq!(events(&mut h), ev(&[("spop", "s"), ("del", "s")]));
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
        assert_eq!(h.run(&["SPOP", "s"]), Reply::Null);
        assert_eq!(h.run(&["SPOP", "s", "1", "2"]), err("ERR syntax error"));
    }

    #[test]
    fn spop_count_errors_and_empty_replies() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "1"]);
        let pos = err("ERR value is out of range, must be positive");
        assert_eq!(h.run(&["SPOP", "s", "-1"]), pos);
        assert_eq!(h.run(&["SPOP", "s", "x"]), pos);
        assert_eq!(h.run(&["SPOP", "nokey", "-1"]), pos);
        assert_eq!(h.run(&["SPOP", "s", "0"]), Reply::Set(vec![]));
        assert_eq!(h.run(&["SPOP", "nokey", "3"]), Reply::Set(vec![]));
        h.resp3();
        assert_eq!(h.run(&["SPOP", "nokey", "3"]), Reply::Set(vec![]));
        assert_eq!(h.run(&["SPOP", "s", "0"]), Reply::Set(vec![]));
    }

    #[test]
    fn spop_count_whole_set_propagates_del() {
        let mut h = Harness::new();
        watch(&mut h);
        h.run(&["SADD", "s", "3", "1", "2"]);
        events(&mut h);
        h.take_propagated_argv();
        assert_eq!(
            h.run(&["SPOP", "s", "5"]),
            Reply::Set(vec![bulk("1"), bulk("2"), bulk("3")])
        );
        assert_eq!(h.take_propagated_argv(), vec![vec!["DEL", "s"]]);
        assert_eq!(events(&mut h), ev(&[("spop", "s"), ("del", "s")]));
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
    }

    #[test]
    fn spop_count_both_strategies_propagate_one_srem_per_member() {
        for (n, count) in [(100usize, 3i64), (10, 9), (10, 5)] {
            let mut h = Harness::new();
            watch(&mut h);
            let all: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
            let mut argv = vec!["SADD", "s"];
            argv.extend(all.iter().map(|s| s.as_str()));
            h.run(&argv);
            h.run(&["EXPIRE", "s", "100"]);
            h.take_propagated_argv();
            let Reply::Set(items) = h.run(&["SPOP", "s", &count.to_string()]) else {
                panic!()
            };
            let popped = strings(items);
            assert_eq!(popped.len(), count as usize);
            let uniq: HashSet<&String> = popped.iter().collect();
            assert_eq!(uniq.len(), popped.len());
            let mut props = h.take_propagated_argv();
            // More than one SREM goes out wrapped in MULTI ... EXEC, as Redis 7.0 does.
            if popped.len() > 1 {
                assert_eq!(props.remove(0), vec!["MULTI".to_string()]);
                assert_eq!(props.pop(), Some(vec!["EXEC".to_string()]));
            }
            assert_eq!(props.len(), popped.len());
            for (p, m) in props.iter().zip(&popped) {
                assert_eq!(p, &vec!["SREM".to_string(), "s".to_string(), m.clone()]);
            }
            let left = members(h.run(&["SMEMBERS", "s"]));
            assert_eq!(left.len(), n - count as usize);
            for m in &left {
                assert!(!uniq.contains(m));
            }
            // The key keeps its TTL, also when the rest moved to a new set.
            assert_eq!(h.run(&["TTL", "s"]), int(100));
        }
    }

    #[test]
    fn spop_count_rebuilt_set_starts_as_intset() {
        // 10 members, 9 popped: the one left is copied into a new set, which is an intset when
        // that member is an integer (as in Redis).
        let mut h = Harness::new();
        h.run(&[
            "SADD", "s", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ]);
        let Reply::Set(items) = h.run(&["SPOP", "s", "9"]) else {
            panic!()
        };
        let popped = strings(items);
        let left = members(h.run(&["SMEMBERS", "s"]));
        let want = if popped.contains(&"a".to_string()) {
            "intset"
        } else {
            "hashtable"
        };
        assert_eq!(enc(&mut h, "s"), bulk(want), "{left:?}");
    }

    #[test]
    fn srandmember_cases() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SRANDMEMBER", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["SRANDMEMBER", "nokey", "3"]), Reply::Array(vec![]));
        assert_eq!(h.run(&["SRANDMEMBER", "nokey", "-3"]), Reply::Array(vec![]));
        h.run(&[
            "SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
        ]);
        assert_eq!(
            h.run(&["SRANDMEMBER", "s", "-9223372036854775808"]),
            err(
                "ERR value is out of range, value must between -9223372036854775807 and \
                 9223372036854775807"
            )
        );
        assert_eq!(
            h.run(&["SRANDMEMBER", "s", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["SRANDMEMBER", "s", "1", "2"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["SRANDMEMBER", "s", "0"]), Reply::Array(vec![]));
        let all = members(h.run(&["SMEMBERS", "s"]));
        // Negative: repeats allowed, exactly |count| members.
        let r = members(h.run(&["SRANDMEMBER", "s", "-25"]));
        assert_eq!(r.len(), 25);
        assert!(r.iter().all(|m| all.contains(m)));
        // Positive: distinct; case 3 (count*3 > size), case 4, and the whole set.
        for count in [1, 2, 3, 4, 8, 9, 10, 11, 1000] {
            let r = members(h.run(&["SRANDMEMBER", "s", &count.to_string()]));
            assert_eq!(r.len(), count.min(10), "{count}");
            let uniq: HashSet<&String> = r.iter().collect();
            assert_eq!(uniq.len(), r.len());
            assert!(r.iter().all(|m| all.contains(m)));
        }
        assert_eq!(h.run(&["SCARD", "s"]), int(10));
        h.run(&["SADD", "i", "5", "6"]);
        h.resp3();
        assert!(matches!(h.run(&["SRANDMEMBER", "i", "5"]), Reply::Array(v) if v.len() == 2));
        let one = h.run(&["SRANDMEMBER", "i"]);
        assert!(one == bulk("5") || one == bulk("6"));
    }

    #[test]
    fn smove_cases_and_events() {
        let mut h = Harness::new();
        watch(&mut h);
        h.run(&["SADD", "a", "1", "x"]);
        h.run(&["SADD", "b", "2"]);
        events(&mut h);
        assert_eq!(h.run(&["SMOVE", "a", "b", "1"]), int(1));
        assert_eq!(events(&mut h), ev(&[("srem", "a"), ("sadd", "b")]));
        assert_eq!(enc(&mut h, "b"), bulk("intset"));
        assert_eq!(h.run(&["SMOVE", "a", "b", "1"]), int(0));
        assert_eq!(h.run(&["SMOVE", "a", "a", "x"]), int(1));
        assert_eq!(h.run(&["SMOVE", "a", "a", "y"]), int(0));
        assert!(events(&mut h).is_empty());
        assert_eq!(h.run(&["SMOVE", "a", "c", "x"]), int(1));
        assert_eq!(
            events(&mut h),
            ev(&[("srem", "a"), ("del", "a"), ("sadd", "c")])
        );
        assert_eq!(h.run(&["EXISTS", "a"]), int(0));
        assert_eq!(enc(&mut h, "c"), bulk("hashtable"));
        // Already in the destination: removed from the source only.
        h.run(&["SADD", "d", "2", "3"]);
        events(&mut h);
        assert_eq!(h.run(&["SMOVE", "d", "b", "2"]), int(1));
        assert_eq!(events(&mut h), ev(&[("srem", "d")]));
        assert_eq!(members(h.run(&["SMEMBERS", "d"])), sv(&["3"]));
    }

    #[test]
    fn sinter_family() {
        let mut h = Harness::new();
        h.run(&["SADD", "a", "1", "2", "3", "x"]);
        h.run(&["SADD", "b", "2", "3", "4", "x"]);
        h.run(&["SADD", "c", "3", "x", "y"]);
        assert_eq!(members(h.run(&["SINTER", "a", "b", "c"])), sv(&["3", "x"]));
        assert_eq!(
            members(h.run(&["SINTER", "a", "a"])),
            sv(&["1", "2", "3", "x"])
        );
        assert_eq!(h.run(&["SINTER", "a", "nokey"]), Reply::Set(vec![]));
        assert_eq!(h.run(&["SINTERCARD", "3", "a", "b", "c"]), int(2));
        assert_eq!(h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]), int(1));
        assert_eq!(h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "0"]), int(3));
        assert_eq!(h.run(&["SINTERCARD", "2", "a", "nokey"]), int(0));
        let numkeys = err("ERR numkeys should be greater than 0");
        assert_eq!(h.run(&["SINTERCARD", "0", "a"]), numkeys);
        assert_eq!(h.run(&["SINTERCARD", "x", "a"]), numkeys);
        assert_eq!(
            h.run(&["SINTERCARD", "2", "a"]),
            err("ERR Number of keys can't be greater than number of args")
        );
        let neg = err("ERR LIMIT can't be negative");
        assert_eq!(h.run(&["SINTERCARD", "1", "a", "LIMIT", "-1"]), neg);
        assert_eq!(h.run(&["SINTERCARD", "1", "a", "LIMIT", "x"]), neg);
        assert_eq!(
            h.run(&["SINTERCARD", "1", "a", "LIMIT"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SINTERCARD", "1", "a", "x", "1"]),
            err("ERR syntax error")
        );

        watch(&mut h);
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "b"]), int(3));
        assert_eq!(enc(&mut h, "d"), bulk("hashtable"));
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "b", "c"]), int(2));
        h.run(&["SADD", "i", "2", "3", "9"]);
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "i"]), int(2));
        assert_eq!(enc(&mut h, "d"), bulk("intset"));
        events(&mut h);
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "nokey"]), int(0));
        assert_eq!(events(&mut h), ev(&[("del", "d")]));
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "nokey"]), int(0));
        assert!(events(&mut h).is_empty());
        h.run(&["SET", "d", "v", "EX", "100"]);
        events(&mut h);
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "i"]), int(2));
        assert_eq!(events(&mut h), ev(&[("sinterstore", "d")]));
        assert_eq!(h.run(&["TTL", "d"]), int(-1));
    }

    #[test]
    fn sunion_and_sdiff_with_store_encodings() {
        let mut h = Harness::new();
        watch(&mut h);
        h.run(&["SADD", "a", "1", "2", "x"]);
        h.run(&["SADD", "b", "2", "3"]);
        assert_eq!(
            members(h.run(&["SUNION", "a", "b", "nokey"])),
            sv(&["1", "2", "3", "x"])
        );
        assert_eq!(members(h.run(&["SDIFF", "a", "b"])), sv(&["1", "x"]));
        assert_eq!(h.run(&["SDIFF", "a", "a"]), Reply::Set(vec![]));
        assert_eq!(h.run(&["SDIFF", "nokey", "a"]), Reply::Set(vec![]));
        events(&mut h);
        assert_eq!(h.run(&["SUNIONSTORE", "u", "b", "nokey"]), int(2));
        assert_eq!(enc(&mut h, "u"), bulk("intset"));
        assert_eq!(events(&mut h), ev(&[("sunionstore", "u")]));
        assert_eq!(h.run(&["SDIFFSTORE", "u", "a", "b"]), int(2));
        assert_eq!(enc(&mut h, "u"), bulk("hashtable"));
        assert_eq!(events(&mut h), ev(&[("sdiffstore", "u")]));
        // Algorithm 1 walks the first set: the result of integers only is an intset.
        h.run(&["SADD", "bx", "x"]);
        assert_eq!(h.run(&["SDIFFSTORE", "u", "a", "bx"]), int(2));
        assert_eq!(enc(&mut h, "u"), bulk("intset"));
        // Algorithm 2 copies the first set then removes: a hash table stays one.
        h.run(&[
            "SADD", "big", "x", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ]);
        h.run(&["SADD", "y", "y"]);
        assert_eq!(h.run(&["SDIFFSTORE", "u", "big", "bx", "y"]), int(9));
        assert_eq!(enc(&mut h, "u"), bulk("hashtable"));
        events(&mut h);
        assert_eq!(h.run(&["SDIFFSTORE", "u", "a", "a"]), int(0));
        assert_eq!(events(&mut h), ev(&[("del", "u")]));
        assert_eq!(h.run(&["SUNIONSTORE", "u", "nokey"]), int(0));
        assert!(events(&mut h).is_empty());
        h.resp3();
        assert!(matches!(h.run(&["SUNION", "a"]), Reply::Set(v) if v.len() == 3));
        assert!(matches!(h.run(&["SDIFF", "a", "b"]), Reply::Set(v) if v.len() == 2));
    }

    fn sscan_once(h: &mut Harness, words: &[&str]) -> (u64, Vec<String>) {
        let (cursor, items) = h.run_scan(words);
        (cursor, strings(items))
    }

    #[test]
    fn sscan_intset_is_whole_and_hashtable_walks() {
        let mut h = Harness::new();
        h.run(&["SADD", "i", "10", "2", "11", "1"]);
        assert_eq!(
            sscan_once(&mut h, &["SSCAN", "i", "0", "COUNT", "1"]),
            (0, vec!["1".into(), "2".into(), "10".into(), "11".into()])
        );
        assert_eq!(
            sscan_once(&mut h, &["SSCAN", "i", "55", "MATCH", "1*"]),
            (0, vec!["1".into(), "10".into(), "11".into()])
        );
        assert_eq!(
            sscan_once(&mut h, &["SSCAN", "nokey", "0", "COUNT", "0"]),
            (0, vec![])
        );
        assert_eq!(h.run(&["SSCAN", "i", "x"]), err("ERR invalid cursor"));
        assert_eq!(h.run(&["SSCAN", "nokey", "x"]), err("ERR invalid cursor"));
        assert_eq!(
            h.run(&["SSCAN", "i", "0", "COUNT", "0"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SSCAN", "i", "0", "TYPE", "set"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SSCAN", "i", "0", "MATCH"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SSCAN", "i", "0", "COUNT", "x"]),
            err("ERR value is not an integer or out of range")
        );
        let mut argv = vec!["SADD".to_string(), "h".to_string()];
        argv.extend((0..500).map(|i| format!("m{i}")));
        let words: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
        h.run(&words);
        let mut seen = HashSet::new();
        let mut cursor = 0u64;
        let mut calls = 0;
        loop {
            let (next, items) = sscan_once(&mut h, &["SSCAN", "h", &cursor.to_string()]);
            seen.extend(items);
            calls += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert!(calls > 1);
        assert_eq!(seen.len(), 500);
        let (_, some) = sscan_once(
            &mut h,
            &["SSCAN", "h", "0", "MATCH", "m1*", "COUNT", "1000"],
        );
        assert_eq!(some.len(), 111);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Vec<String>),
        Rem(Vec<String>),
        Pop(usize),
        Move(String),
        Inter,
        Union,
        Diff,
    }

    fn member() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (-20i64..20).prop_map(|n| n.to_string()),
            1 => prop_oneof![Just("a".to_string()), Just("b".to_string()), Just("07".to_string())],
            1 => any::<i64>().prop_map(|n| n.to_string()),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => proptest::collection::vec(member(), 1..6).prop_map(Op::Add),
            3 => proptest::collection::vec(member(), 1..6).prop_map(Op::Rem),
            1 => (0usize..4).prop_map(Op::Pop),
            1 => member().prop_map(Op::Move),
            1 => Just(Op::Inter),
            1 => Just(Op::Union),
            1 => Just(Op::Diff),
        ]
    }

    fn check(h: &mut Harness, key: &str, model: &HashSet<String>) {
        let mut want: Vec<String> = model.iter().cloned().collect();
        want.sort();
        assert_eq!(members(h.run(&["SMEMBERS", key])), want);
        assert_eq!(h.run(&["SCARD", key]), int(model.len() as i64));
        let all_int = model
            .iter()
            .all(|m| crate::util::num::parse_i64(m.as_bytes()).is_some());
        if model.is_empty() {
            assert_eq!(h.run(&["EXISTS", key]), int(0));
        } else if !all_int || model.len() > 8 {
            assert_eq!(enc(h, key), bulk("hashtable"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn behaves_like_a_hashset(ops in proptest::collection::vec(op(), 1..60)) {
            let mut h = Harness::new();
            h.run(&["CONFIG", "SET", "set-max-intset-entries", "8"]);
            let mut model: HashSet<String> = HashSet::new();
            let mut other: HashSet<String> =
                ["1", "2", "a", "-5"].iter().map(|s| s.to_string()).collect();
            h.run(&["SADD", "o", "1", "2", "a", "-5"]);
            let mut was_hashtable = false;
            for op in ops {
                let popped = matches!(op, Op::Pop(_));
                match op {
                    Op::Add(ms) => {
                        let mut argv = vec!["SADD", "s"];
                        argv.extend(ms.iter().map(|s| s.as_str()));
                        let before = model.len();
                        model.extend(ms.iter().cloned());
                        prop_assert_eq!(h.run(&argv), int((model.len() - before) as i64));
                    }
                    Op::Rem(ms) => {
                        let mut argv = vec!["SREM", "s"];
                        argv.extend(ms.iter().map(|s| s.as_str()));
                        let uniq: HashSet<&String> = ms.iter().collect();
                        let n = uniq.into_iter().filter(|m| model.remove(*m)).count();
                        prop_assert_eq!(h.run(&argv), int(n as i64));
                    }
                    Op::Pop(n) => {
                        let r = h.run(&["SPOP", "s", &n.to_string()]);
                        for m in members(r) {
                            prop_assert!(model.remove(&m));
                        }
                    }
                    Op::Move(m) => {
                        let moved = model.remove(&m);
                        prop_assert_eq!(h.run(&["SMOVE", "s", "o", &m]), int(i64::from(moved)));
                        if moved {
                            other.insert(m);
                        }
                    }
                    Op::Inter => {
                        let mut want: Vec<String> = model.intersection(&other).cloned().collect();
                        want.sort();
                        prop_assert_eq!(members(h.run(&["SINTER", "s", "o"])), want.clone());
                        let n = int(want.len() as i64);
                        prop_assert_eq!(h.run(&["SINTERSTORE", "t", "o", "s"]), n);
                        let n = int(want.len() as i64);
                        prop_assert_eq!(h.run(&["SINTERCARD", "2", "s", "o"]), n);
                    }
                    Op::Union => {
                        let mut want: Vec<String> = model.union(&other).cloned().collect();
                        want.sort();
                        prop_assert_eq!(members(h.run(&["SUNION", "s", "o"])), want.clone());
                        let n = int(want.len() as i64);
                        prop_assert_eq!(h.run(&["SUNIONSTORE", "t", "s", "o"]), n);
                        prop_assert_eq!(members(h.run(&["SMEMBERS", "t"])), want);
                    }
                    Op::Diff => {
                        let mut want: Vec<String> = model.difference(&other).cloned().collect();
                        want.sort();
                        prop_assert_eq!(members(h.run(&["SDIFF", "s", "o"])), want.clone());
                        let n = int(want.len() as i64);
                        prop_assert_eq!(h.run(&["SDIFFSTORE", "t", "s", "o"]), n);
                    }
                }
                for m in model.iter().take(3) {
                    prop_assert_eq!(h.run(&["SISMEMBER", "s", m]), int(1));
                }
                check(&mut h, "s", &model);
                // Never back to intset while the key lives, except SPOP with a count, which
                // may move the members left to a new set.
                let is_ht = enc(&mut h, "s") == bulk("hashtable");
                if was_hashtable && !popped && !model.is_empty() {
                    prop_assert!(is_ht);
                }
                was_hashtable = is_ht && !model.is_empty();
            }
        }
    }
}
