//! The hash command group: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
//! HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, as Redis 7.0.15's t_hash.c.
//!
//! Every handler keeps Redis's order of checks (argument parsing, then the key lookup and its
//! WRONGTYPE, then the options of HSCAN, which Redis parses after the lookup), its reply shapes
//! (HGETALL is a map in RESP3; HRANDFIELD WITHVALUES is an array of [field, value] pairs in
//! RESP3 and a flat array in RESP2), and its side effects: writes create the key as
//! `hashTypeLookupWriteOrCreate` does (emitting "new"), call `ctx.touched` once, add to the dirty
//! counter what Redis adds, and emit "hset", "hdel", "hincrby" or "hincrbyfloat"; a hash emptied
//! by HDEL is deleted in the same command with a "del" event. HINCRBYFLOAT is propagated as
//! `HSET key field result`, so float formatting can never make a replica diverge.
//!
//! Encodings and conversions live in `types::hash`; this file only decides when to ask for them
//! (`Hash::convert_for` before HSET/HSETNX writes, as `hashTypeTryConversion`).

use bytes::Bytes;

use super::args::{arg, c_is, parse_i64, parse_scan_options};
use super::error::CmdError;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_HASH, NOTIFY_NEW};
use crate::protocol::reply::{Protocol, ReplySink};
use crate::types::hash::{Hash, Limits};
use crate::types::value::Value;
use crate::util::glob::glob_match;
use crate::util::listpack::LpValue;
use crate::util::num::{self, LongDouble};

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("hset", hset),
    ("hmset", hmset),
    ("hsetnx", hsetnx),
    ("hget", hget),
    ("hmget", hmget),
    ("hdel", hdel),
    ("hlen", hlen),
    ("hstrlen", hstrlen),
    ("hexists", hexists),
    ("hkeys", hkeys),
    ("hvals", hvals),
    ("hgetall", hgetall),
    ("hincrby", hincrby),
    ("hincrbyfloat", hincrbyfloat),
    ("hrandfield", hrandfield),
    ("hscan", hscan),
];

/// The conversion thresholds from the config.
fn limits(ctx: &Ctx<'_>) -> Limits {
    let c = &ctx.core.config;
    Limits::new(c.hash_max_listpack_entries, c.hash_max_listpack_value)
}

/// The hash held by `value`, or WRONGTYPE (for reading).
fn hash_ref(value: &Value) -> Result<&Hash, CmdError> {
    match value {
        Value::Hash(h) => Ok(h),
        _ => Err(CmdError::WrongType),
    }
}

/// The hash held by `value`, or WRONGTYPE.
fn as_hash(value: &mut Value) -> Result<&mut Hash, CmdError> {
    match value {
        Value::Hash(h) => Ok(h),
        _ => Err(CmdError::WrongType),
    }
}

/// Looks `key` up for reading and applies `f` to its hash: `Ok(None)` when missing, WRONGTYPE
/// for another type.
fn with_hash<T>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&Hash) -> T,
) -> Result<Option<T>, CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    match ctx.core.dbs.lookup_read(db, key, now) {
        Some(e) => hash_ref(&e.value).map(|h| Some(f(h))),
        None => Ok(None),
    }
}

/// Runs `f` on the hash at `key`, creating an empty one if the key is missing (Redis's
/// `hashTypeLookupWriteOrCreate`); a created hash is stored (with a "new" event) only if `f`
/// succeeded and left it non-empty, so no command can leave an empty hash behind.
fn write_or_create<T>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut Hash) -> Result<T, CmdError>,
) -> Result<T, CmdError> {
    if let Some(e) = ctx.lookup_write(key) {
        return f(&mut *e.project(as_hash)?);
    }
    let mut h = Hash::new();
    let out = f(&mut h)?;
    if !h.is_empty() {
        let (db, now) = (ctx.db(), ctx.now_ms);
        ctx.core.dbs.set(db, key, Value::Hash(h), false, now);
        ctx.notify(NOTIFY_NEW, "new", key);
    }
    Ok(out)
}

/// Records a write of `changes` items to `key`: one `touched` (which counts one) plus the rest
/// toward the dirty counter, and the event.
fn written(ctx: &mut Ctx<'_>, key: &[u8], changes: u64, event: &'static str) {
    ctx.touched(key);
    ctx.core.dbs.dirty += changes.saturating_sub(1);
    ctx.notify(NOTIFY_HASH, event, key);
}

/// Writes a field or value as a bulk string.
fn put(reply: &mut dyn ReplySink, v: LpValue<'_>) {
    match v {
        LpValue::Int(n) => reply.bulk_int(n),
        LpValue::Str(s) => reply.bulk(s),
    }
}

/// HSET key field value [field value ...]: answers how many fields were new.
fn hset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let created = hset_generic(ctx, argv, "hset")?;
    ctx.reply.int(created);
    Ok(())
}

/// HMSET key field value [field value ...]: HSET answering OK.
fn hmset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    hset_generic(ctx, argv, "hmset")?;
    ctx.reply.ok();
    Ok(())
}

/// The write shared by HSET and HMSET; returns how many fields were new.
fn hset_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], name: &str) -> Result<i64, CmdError> {
    if argv.len() % 2 == 1 {
        return Err(CmdError::WrongArity(name.to_string()));
    }
    let key = arg(argv, 1);
    let lim = limits(ctx);
    let pairs = argv.get(2..).unwrap_or_default();
    let created = write_or_create(ctx, key, |h| {
        h.convert_for(pairs.iter().map(|b| b.as_ref()), lim);
        let mut created = 0i64;
        for pair in pairs.chunks_exact(2) {
            if let [f, v] = pair {
                created += i64::from(h.set(f, v, lim));
            }
        }
        Ok(created)
    })?;
    written(ctx, key, (pairs.len() / 2) as u64, "hset");
    Ok(created)
}

/// HSETNX key field value: sets the field only if it does not exist; answers 1 if it set it.
fn hsetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (key, field, value) = (arg(argv, 1), arg(argv, 2), arg(argv, 3));
    let lim = limits(ctx);
    let set = write_or_create(ctx, key, |h| {
        if h.contains(field) {
            return Ok(false);
        }
        h.convert_for([field, value], lim);
        h.set(field, value, lim);
        Ok(true)
    })?;
    if set {
        written(ctx, key, 1, "hset");
    }
    ctx.reply.int(i64::from(set));
    Ok(())
}

/// HGET key field: the value, or null.
fn hget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (key, field) = (arg(argv, 1), arg(argv, 2));
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, key, now);
    let value = match &found {
        Some(e) => hash_ref(&e.value)?.get(field),
        None => None,
    };
    match value {
        Some(v) => put(ctx.reply, v),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// HMGET key field [field ...]: an array of values, null for missing fields (all null for a
/// missing key).
fn hmget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let fields = argv.get(2..).unwrap_or_default();
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, key, now);
    let h = match &found {
        Some(e) => Some(hash_ref(&e.value)?),
        None => None,
    };
    ctx.reply.array_len(fields.len());
    for f in fields {
        match h.and_then(|h| h.get(f)) {
            Some(v) => put(ctx.reply, v),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// HDEL key field [field ...]: removes fields, deleting the key once empty; answers how many
/// were removed.
fn hdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let mut deleted = 0u64;
    let mut emptied = false;
    if let Some(e) = ctx.lookup_write(key) {
        let mut h = e.project(as_hash)?;
        for f in argv.get(2..).unwrap_or_default() {
            if h.remove(f) {
                deleted += 1;
                if h.is_empty() {
                    emptied = true;
                    break;
                }
            }
        }
    }
    if emptied {
        let (db, lazy) = (ctx.db(), ctx.core.config.lazyfree_lazy_server_del);
        ctx.core.dbs.delete(db, key, lazy);
    }
    if deleted > 0 {
        written(ctx, key, deleted, "hdel");
        if emptied {
            ctx.notify(NOTIFY_GENERIC, "del", key);
        }
    }
    ctx.reply.int(i64::try_from(deleted).unwrap_or(i64::MAX));
    Ok(())
}

/// HLEN key: the number of fields (0 for a missing key).
fn hlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let n = with_hash(ctx, arg(argv, 1), Hash::len)?.unwrap_or(0);
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// HSTRLEN key field: the length of the value (0 when missing).
fn hstrlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let field = arg(argv, 2);
    let n = with_hash(ctx, arg(argv, 1), |h| h.value_len(field))?.flatten();
    ctx.reply
        .int(i64::try_from(n.unwrap_or(0)).unwrap_or(i64::MAX));
    Ok(())
}

/// HEXISTS key field: 1 if the field exists.
fn hexists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let field = arg(argv, 2);
    let found = with_hash(ctx, arg(argv, 1), |h| h.contains(field))?.unwrap_or(false);
    ctx.reply.int(i64::from(found));
    Ok(())
}

/// Which parts of each pair HKEYS, HVALS and HGETALL answer with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Keys,
    Values,
    Both,
}

/// HKEYS key: every field.
fn hkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    hgetall_generic(ctx, arg(argv, 1), Parts::Keys)
}

/// HVALS key: every value.
fn hvals(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    hgetall_generic(ctx, arg(argv, 1), Parts::Values)
}

/// HGETALL key: every field and value (a map in RESP3).
fn hgetall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    hgetall_generic(ctx, arg(argv, 1), Parts::Both)
}

/// The walk shared by HKEYS, HVALS and HGETALL (Redis's `genericHgetallCommand`).
fn hgetall_generic(ctx: &mut Ctx<'_>, key: &[u8], parts: Parts) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, key, now);
    let h = match &found {
        Some(e) => Some(hash_ref(&e.value)?),
        None => None,
    };
    let n = h.map_or(0, Hash::len);
    let reply = &mut *ctx.reply;
    if parts == Parts::Both {
        reply.map_len(n);
    } else {
        reply.array_len(n);
    }
    if let Some(h) = h {
        h.for_each(|f, v| {
            if parts != Parts::Values {
                put(reply, f);
            }
            if parts != Parts::Keys {
                put(reply, v);
            }
        });
    }
    Ok(())
}

/// HINCRBY key field increment: adds to an integer value (a missing field counts as 0).
fn hincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let incr = parse_i64(arg(argv, 3))?;
    let (key, field) = (arg(argv, 1), arg(argv, 2));
    let lim = limits(ctx);
    let value = write_or_create(ctx, key, |h| {
        let old = match h.get(field) {
            None => 0,
            Some(LpValue::Int(n)) => n,
            Some(LpValue::Str(s)) => {
                num::parse_i64(s).ok_or(CmdError::Static("ERR hash value is not an integer"))?
            }
        };
        let new = old.checked_add(incr).ok_or(CmdError::Overflow)?;
        let mut buf = [0u8; 20];
        h.set(field, num::fmt_i64(new, &mut buf), lim);
        Ok(new)
    })?;
    ctx.reply.int(value);
    written(ctx, key, 1, "hincrby");
    Ok(())
}

/// HINCRBYFLOAT key field increment: adds to a float value in long double precision; answers
/// and stores the result in Redis's human format, and propagates as HSET.
fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let incr = LongDouble::parse(arg(argv, 3)).ok_or(CmdError::NotFloat)?;
    if !incr.is_finite() {
        return Err(CmdError::Static("ERR value is NaN or Infinity"));
    }
    let (key, field) = (arg(argv, 1), arg(argv, 2));
    let lim = limits(ctx);
    let text = write_or_create(ctx, key, |h| {
        let old = match h.get(field) {
            None => LongDouble::ZERO,
            Some(LpValue::Int(n)) => LongDouble::from_i64(n),
            Some(LpValue::Str(s)) => {
                LongDouble::parse(s).ok_or(CmdError::Static("ERR hash value is not a float"))?
            }
        };
        let sum = old.add(incr);
        if !sum.is_finite() {
            return Err(CmdError::NanOrInfinity);
        }
        let text = sum.format_human();
        h.set(field, text.as_bytes(), lim);
        Ok(text)
    })?;
    ctx.reply.bulk(text.as_bytes());
    written(ctx, key, 1, "hincrbyfloat");
    // Replicas and the AOF get the result, so float formatting can never make them diverge.
    ctx.propagate(vec![
        Bytes::from_static(b"HSET"),
        Bytes::copy_from_slice(key),
        Bytes::copy_from_slice(field),
        Bytes::from(text.into_bytes()),
    ]);
    Ok(())
}

/// HRANDFIELD key [count [WITHVALUES]]: random fields (see [`hrandfield_with_count`]); without
/// a count, one field or null.
fn hrandfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() >= 3 {
        let l = parse_i64(arg(argv, 2))?;
        if l == i64::MIN {
            return Err(CmdError::Static(
                "ERR value is out of range, value must between -9223372036854775807 and \
                 9223372036854775807",
            ));
        }
        if argv.len() > 4 || (argv.len() == 4 && !c_is(arg(argv, 3), "withvalues")) {
            return Err(CmdError::Syntax);
        }
        let with_values = argv.len() == 4;
        // Redis bounds the count so that count*2 reply elements cannot overflow.
        if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(CmdError::Static("ERR value is out of range"));
        }
        return hrandfield_with_count(ctx, arg(argv, 1), l, with_values);
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, arg(argv, 1), now);
    let h = match &found {
        Some(e) => hash_ref(&e.value)?,
        None => {
            ctx.reply.null();
            return Ok(());
        }
    };
    match h.random_pair(&mut rand::rng()) {
        Some((f, _)) => put(ctx.reply, f),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// HRANDFIELD with a count: a negative count draws that many fields independently (repeats
/// possible, random order); a positive one answers `min(count, len)` distinct fields. With
/// WITHVALUES each field is followed by its value (RESP2) or paired with it (RESP3).
fn hrandfield_with_count(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    l: i64,
    with_values: bool,
) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, key, now);
    let h = match &found {
        Some(e) => hash_ref(&e.value)?,
        None => {
            ctx.reply.array_len(0);
            return Ok(());
        }
    };
    let count = usize::try_from(l.unsigned_abs()).unwrap_or(usize::MAX);
    if count == 0 {
        ctx.reply.array_len(0);
        return Ok(());
    }
    let reply = &mut *ctx.reply;
    let resp3 = reply.protocol() == Protocol::Resp3;
    let flat = with_values && !resp3;
    let emit = |reply: &mut dyn ReplySink, f: LpValue<'_>, v: LpValue<'_>| {
        if with_values && resp3 {
            reply.array_len(2);
        }
        put(reply, f);
        if with_values {
            put(reply, v);
        }
    };
    let mut rng = rand::rng();
    if l < 0 || count == 1 {
        reply.array_len(if flat { count.saturating_mul(2) } else { count });
        h.random_pairs(count, &mut rng, |f, v| {
            emit(reply, f, v);
            true
        });
        return Ok(());
    }
    let n = count.min(h.len());
    reply.array_len(if flat { n * 2 } else { n });
    h.random_distinct(count, &mut rng, |f, v| emit(reply, f, v));
    Ok(())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]: one step of a cursor walk over the fields;
/// answers [next cursor, [field, value, ...]]. A listpack hash comes back whole with cursor 0.
fn hscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let cursor = num::parse_scan_cursor(arg(argv, 2)).map_err(|_| CmdError::InvalidCursor)?;
    let (db, now) = (ctx.db(), ctx.now_ms);
    let found = ctx.core.dbs.lookup_read(db, key, now);
    let h = match &found {
        Some(e) => hash_ref(&e.value)?,
        None => {
            ctx.reply.array_len(2);
            ctx.reply.bulk(b"0");
            ctx.reply.array_len(0);
            return Ok(());
        }
    };
    // Redis parses the options only once it has the hash.
    let opts = parse_scan_options(argv, 3, false)?;
    let (count, pattern) = (opts.count, opts.pattern);
    let mut found: Vec<(LpValue<'_>, LpValue<'_>)> = Vec::new();
    let next = h.scan(cursor, count, |f, v| {
        let keep = pattern.is_none_or(|p| {
            let mut buf = [0u8; 20];
            glob_match(p, f.to_bytes(&mut buf), false)
        });
        if keep {
            found.push((f, v));
        }
    });
    let reply = &mut *ctx.reply;
    reply.array_len(2);
    let mut buf = [0u8; 20];
    reply.bulk(num::fmt_u64(next, &mut buf));
    reply.array_len(found.len() * 2);
    for (f, v) in found {
        put(reply, f);
        put(reply, v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::config::NOTIFY_ALL;
    use crate::protocol::value::Reply;

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    fn arr(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    /// Runs each line (split on spaces) and checks its reply.
    fn script(h: &mut Harness, steps: &[(&str, Reply)]) {
        for (line, want) in steps {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(&h.run(&words), want, "{line}");
        }
    }

    /// A harness recording propagation and every keyspace event class.
    fn recording() -> Harness {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h.core.effects.notify_classes = NOTIFY_ALL | NOTIFY_NEW;
        h
    }

    fn encoding(h: &mut Harness, key: &str) -> Reply {
        h.run(&["OBJECT", "ENCODING", key])
    }

    fn strings(items: Vec<Reply>) -> Vec<String> {
        items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect()
    }

    fn sorted(r: Reply) -> Vec<String> {
        let Reply::Array(items) = r else {
            panic!("not an array: {r:?}")
        };
        let mut v = strings(items);
        v.sort();
        v
    }

    #[test]
    fn hset_hget_and_friends() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("HSET h a 1 b 2", int(2)),
                ("HSET h a 10 c 3", int(1)),
                ("HMSET h d 4", ok()),
                ("HGET h a", bulk("10")),
                ("HGET h zz", Reply::Null),
                ("HLEN h", int(4)),
                ("HEXISTS h a", int(1)),
                ("HEXISTS h zz", int(0)),
                ("HSTRLEN h a", int(2)),
                ("HSTRLEN h zz", int(0)),
                ("HSETNX h a 99", int(0)),
                ("HSETNX h e 5", int(1)),
                ("HSETNX fresh f v", int(1)),
                ("HGET fresh f", bulk("v")),
                ("HKEYS h", arr(&["a", "b", "c", "d", "e"])),
                ("HVALS h", arr(&["10", "2", "3", "4", "5"])),
            ],
        );
        assert_eq!(
            h.run(&["HMGET", "h", "a", "zz", "e"]),
            Reply::Array(vec![bulk("10"), Reply::Null, bulk("5")])
        );
        assert_eq!(
            h.run(&["HGETALL", "fresh"]),
            Reply::Map(vec![(bulk("f"), bulk("v"))])
        );
    }

    #[test]
    fn integer_looking_fields_keep_their_text() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("HSET h 012 z 12 y -0 x", int(3)),
                ("HGET h 012", bulk("z")),
                ("HGET h 12", bulk("y")),
                ("HGET h -0", bulk("x")),
                ("HGET h 0", Reply::Null),
                ("HSET h n -9223372036854775808", int(1)),
                ("HSTRLEN h n", int(20)),
                ("HKEYS h", arr(&["012", "12", "-0", "n"])),
            ],
        );
    }

    #[test]
    fn missing_keys() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("HGET k f", Reply::Null),
                ("HLEN k", int(0)),
                ("HSTRLEN k f", int(0)),
                ("HEXISTS k f", int(0)),
                ("HDEL k f", int(0)),
                ("HKEYS k", Reply::Array(vec![])),
                ("HVALS k", Reply::Array(vec![])),
                ("HGETALL k", Reply::Map(vec![])),
                ("HRANDFIELD k", Reply::Null),
                ("HRANDFIELD k 5", Reply::Array(vec![])),
                ("HRANDFIELD k -5 WITHVALUES", Reply::Array(vec![])),
                ("HMGET k a b", Reply::Array(vec![Reply::Null, Reply::Null])),
                (
                    "HSCAN k 0 COUNT 0",
                    Reply::Array(vec![bulk("0"), Reply::Array(vec![])]),
                ),
                ("EXISTS k", int(0)),
            ],
        );
    }

    #[test]
    fn wrong_type_and_arity() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "x"]);
        for line in [
            "HSET s a b",
            "HMSET s a b",
            "HSETNX s a b",
            "HGET s a",
            "HMGET s a",
            "HDEL s a",
            "HLEN s",
            "HSTRLEN s a",
            "HEXISTS s a",
            "HKEYS s",
            "HVALS s",
            "HGETALL s",
            "HINCRBY s a 1",
            "HINCRBYFLOAT s a 1",
            "HRANDFIELD s",
            "HRANDFIELD s 1 WITHVALUES",
            "HSCAN s 0",
            "HSCAN s 0 COUNT 0",
        ] {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(h.run(&words), err(WRONGTYPE), "{line}");
        }
        script(
            &mut h,
            &[
                (
                    "HSET h a",
                    err("ERR wrong number of arguments for 'hset' command"),
                ),
                (
                    "HSET h a b c",
                    err("ERR wrong number of arguments for 'hset' command"),
                ),
                (
                    "HMSET h a b c",
                    err("ERR wrong number of arguments for 'hmset' command"),
                ),
                (
                    "HGET h",
                    err("ERR wrong number of arguments for 'hget' command"),
                ),
                ("EXISTS h", int(0)),
                // Argument errors come before the type check.
                (
                    "HINCRBY s a x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("HINCRBYFLOAT s a x", err("ERR value is not a valid float")),
                ("HSCAN s x", err("ERR invalid cursor")),
                ("HRANDFIELD s 1 x", err("ERR syntax error")),
            ],
        );
    }

    #[test]
    fn hdel_deletes_the_emptied_key_with_events() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("HSET h a 1 b 2 c 3", int(3)),
                ("HDEL h a zz a", int(1)),
                ("HDEL h zz", int(0)),
                ("HDEL h b c b", int(2)),
                ("EXISTS h", int(0)),
            ],
        );
        assert_eq!(
            h.take_events(),
            vec!["new h", "hset h", "hdel h", "hdel h", "del h"]
        );
    }

    #[test]
    fn write_events_and_dirty_counts() {
        let mut h = recording();
        let before = h.core.dbs.dirty;
        h.run(&["HSET", "h", "a", "1", "b", "2", "a", "3"]);
        assert_eq!(h.core.dbs.dirty - before, 3);
        h.run(&["HSETNX", "h", "a", "1"]);
        h.run(&["HSETNX", "h", "c", "1"]);
        h.run(&["HINCRBY", "h", "n", "5"]);
        h.run(&["HINCRBYFLOAT", "h", "f", "1.5"]);
        h.run(&["HINCRBY", "h2", "n", "5"]);
        assert_eq!(
            h.take_events(),
            vec![
                "new h",
                "hset h",
                "hset h",
                "hincrby h",
                "hincrbyfloat h",
                "new h2",
                "hincrby h2"
            ]
        );
    }

    #[test]
    fn hincrby() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("HINCRBY h n 5", int(5)),
                ("HINCRBY h n -7", int(-2)),
                ("HSET h s abc sp +1", int(2)),
                ("HINCRBY h sp 1", err("ERR hash value is not an integer")),
                ("HINCRBY h s 1", err("ERR hash value is not an integer")),
                (
                    "HINCRBY h n x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("HINCRBY h x 9223372036854775807", int(i64::MAX)),
                (
                    "HINCRBY h x 1",
                    err("ERR increment or decrement would overflow"),
                ),
                ("HINCRBY h y -1", int(-1)),
                (
                    "HINCRBY h y -9223372036854775808",
                    err("ERR increment or decrement would overflow"),
                ),
                ("HINCRBY h y 0", int(-1)),
                ("HGET h x", bulk("9223372036854775807")),
                (
                    "HINCRBY nk f x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("EXISTS nk", int(0)),
            ],
        );
    }

    #[test]
    fn hincrbyfloat_and_its_propagation() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("HSET h a 1", int(1)),
                ("HINCRBYFLOAT h a 0.1", bulk("1.1")),
                ("HINCRBYFLOAT h c 5.0e3", bulk("5000")),
                ("HINCRBYFLOAT h d -0", bulk("0")),
                ("HINCRBYFLOAT h e 0x10", bulk("16")),
                ("HINCRBYFLOAT h e 1.5", bulk("17.5")),
                ("HINCRBYFLOAT h e -17.5", bulk("0")),
                ("HINCRBYFLOAT h e inf", err("ERR value is NaN or Infinity")),
                (
                    "HINCRBYFLOAT h e nan",
                    err("ERR value is not a valid float"),
                ),
                (
                    "HINCRBYFLOAT h e abc",
                    err("ERR value is not a valid float"),
                ),
                ("HSET h s abc i inf", int(2)),
                ("HINCRBYFLOAT h s 1", err("ERR hash value is not a float")),
                (
                    "HINCRBYFLOAT h i 1",
                    err("ERR increment would produce NaN or Infinity"),
                ),
            ],
        );
        let p = h.take_propagated();
        assert_eq!(
            p.iter()
                .filter(|l| l.starts_with("HSET h a") || l.starts_with("HSET h e"))
                .collect::<Vec<_>>(),
            vec![
                "HSET h a 1",
                "HSET h a 1.1",
                "HSET h e 16",
                "HSET h e 17.5",
                "HSET h e 0"
            ]
        );
    }

    #[test]
    fn encodings_convert_at_the_thresholds_and_never_back() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("CONFIG SET hash-max-listpack-entries 4", ok()),
                ("CONFIG SET hash-max-listpack-value 8", ok()),
                ("HSET h a 1 b 2 c 3 d 4", int(4)),
                ("OBJECT ENCODING h", bulk("listpack")),
                ("HSET h a 5", int(0)),
                ("OBJECT ENCODING h", bulk("listpack")),
                ("HSET h e 5", int(1)),
                ("OBJECT ENCODING h", bulk("hashtable")),
                ("HDEL h a b c d", int(4)),
                ("OBJECT ENCODING h", bulk("hashtable")),
                ("HSET v f 12345678", int(1)),
                ("OBJECT ENCODING v", bulk("listpack")),
                ("HSET v f 123456789", int(0)),
                ("OBJECT ENCODING v", bulk("hashtable")),
                // HSETNX on an existing field converts nothing, even with a long value.
                ("HSET w a b", int(1)),
                ("HSETNX w a 123456789", int(0)),
                ("OBJECT ENCODING w", bulk("listpack")),
                ("HSETNX w b 123456789", int(1)),
                ("OBJECT ENCODING w", bulk("hashtable")),
                // HINCRBY and HINCRBYFLOAT convert on a long field or result.
                ("HINCRBY x aaaaaaaaa 1", int(1)),
                ("OBJECT ENCODING x", bulk("hashtable")),
                ("HINCRBY y a 123456789012", int(123456789012)),
                ("OBJECT ENCODING y", bulk("hashtable")),
                ("HINCRBYFLOAT z a 1.0000000001", bulk("1.0000000001")),
                ("OBJECT ENCODING z", bulk("hashtable")),
                // Any long argument converts, even for a field that already exists.
                ("HSET u a b", int(1)),
                (
                    "HSET u a b zzzzzzzzzz",
                    err("ERR wrong number of arguments for 'hset' command"),
                ),
                ("HSET u a b c 123456789", int(1)),
                ("OBJECT ENCODING u", bulk("hashtable")),
            ],
        );
        assert_eq!(encoding(&mut h, "u"), bulk("hashtable"));
    }

    #[test]
    fn hgetall_survives_conversion() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "4"]);
        for i in 0..10 {
            let f = format!("f{i}");
            let v = format!("v{i}");
            h.run(&["HSET", "h", &f, &v]);
        }
        let Reply::Map(pairs) = h.run(&["HGETALL", "h"]) else {
            panic!("map")
        };
        let mut got: Vec<(Reply, Reply)> = pairs;
        got.sort_by_key(|(k, _)| format!("{k:?}"));
        let want: Vec<(Reply, Reply)> = (0..10)
            .map(|i| (bulk(&format!("f{i}")), bulk(&format!("v{i}"))))
            .collect();
        assert_eq!(got, want);
        assert_eq!(sorted(h.run(&["HKEYS", "h"])).len(), 10);
    }

    #[test]
    fn hrandfield_argument_errors() {
        let mut h = Harness::new();
        h.run(&["HSET", "h", "a", "1"]);
        script(
            &mut h,
            &[
                (
                    "HRANDFIELD h abc",
                    err("ERR value is not an integer or out of range"),
                ),
                ("HRANDFIELD h 1 withvalue", err("ERR syntax error")),
                ("HRANDFIELD h 1 withvalues x", err("ERR syntax error")),
                ("HRANDFIELD nokey 1 x", err("ERR syntax error")),
                (
                    "HRANDFIELD h -9223372036854775808",
                    err(
                        "ERR value is out of range, value must between -9223372036854775807 \
                         and 9223372036854775807",
                    ),
                ),
                (
                    "HRANDFIELD h 9223372036854775807 withvalues",
                    err("ERR value is out of range"),
                ),
                (
                    "HRANDFIELD h -4611686018427387904 withvalues",
                    err("ERR value is out of range"),
                ),
                ("HRANDFIELD h 0", Reply::Array(vec![])),
                ("HRANDFIELD h 0 withvalues", Reply::Array(vec![])),
                ("HRANDFIELD h", bulk("a")),
                ("HRANDFIELD h 1", arr(&["a"])),
                ("HRANDFIELD h -3", arr(&["a", "a", "a"])),
                ("HRANDFIELD h -2 WITHVALUES", arr(&["a", "1", "a", "1"])),
                ("HRANDFIELD h 9223372036854775807", arr(&["a"])),
            ],
        );
    }

    #[test]
    fn hrandfield_counts_in_both_encodings_and_protocols() {
        for entries in ["128", "4"] {
            let mut h = Harness::new();
            h.run(&["CONFIG", "SET", "hash-max-listpack-entries", entries]);
            for i in 0..20 {
                let f = format!("f{i}");
                let v = format!("v{i}");
                h.run(&["HSET", "h", &f, &v]);
            }
            for count in [1usize, 3, 7, 15, 19, 20, 30] {
                let c = count.to_string();
                let fields = sorted(h.run(&["HRANDFIELD", "h", &c]));
                let distinct: HashSet<_> = fields.iter().collect();
                assert_eq!(fields.len(), count.min(20), "{entries} {count}");
                assert_eq!(distinct.len(), count.min(20), "{entries} {count}");
                let Reply::Array(flat) = h.run(&["HRANDFIELD", "h", &c, "WITHVALUES"]) else {
                    panic!("array")
                };
                let flat = strings(flat);
                assert_eq!(flat.len(), 2 * count.min(20));
                for pair in flat.chunks(2) {
                    assert_eq!(pair[1], pair[0].replace('f', "v"));
                }
                let neg = format!("-{count}");
                assert_eq!(sorted(h.run(&["HRANDFIELD", "h", &neg])).len(), count);
            }
            h.resp3();
            let Reply::Array(pairs) = h.run(&["HRANDFIELD", "h", "-5", "WITHVALUES"]) else {
                panic!("array")
            };
            assert_eq!(pairs.len(), 5);
            for p in pairs {
                let Reply::Array(p) = p else { panic!("pair") };
                let p = strings(p);
                assert_eq!(p[1], p[0].replace('f', "v"));
            }
            let Reply::Array(pairs) = h.run(&["HRANDFIELD", "h", "8", "WITHVALUES"]) else {
                panic!("array")
            };
            assert_eq!(pairs.len(), 8);
            assert!(
                pairs
                    .iter()
                    .all(|p| matches!(p, Reply::Array(v) if v.len() == 2))
            );
            assert_eq!(sorted(h.run(&["HRANDFIELD", "h", "8"])).len(), 8);
        }
    }

    fn hscan_once(h: &mut Harness, words: &[&str]) -> (u64, Vec<String>) {
        let (cursor, items) = h.run_scan(words);
        (cursor, strings(items))
    }

    #[test]
    fn hscan_options_and_errors() {
        let mut h = Harness::new();
        h.run(&["HSET", "h", "a", "1", "b", "2", "ab", "3"]);
        script(
            &mut h,
            &[
                ("HSCAN h abc", err("ERR invalid cursor")),
                ("HSCAN h 0 count 0", err("ERR syntax error")),
                (
                    "HSCAN h 0 count x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("HSCAN h 0 type string", err("ERR syntax error")),
                ("HSCAN h 0 match", err("ERR syntax error")),
                ("HSCAN h 0 novalues", err("ERR syntax error")),
                ("HSCAN nokey x", err("ERR invalid cursor")),
            ],
        );
        let (c, items) = hscan_once(&mut h, &["HSCAN", "h", "0"]);
        assert_eq!(
            (c, items),
            (
                0,
                vec!["a", "1", "b", "2", "ab", "3"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
        let (c, items) = hscan_once(&mut h, &["HSCAN", "h", "7", "MATCH", "a*", "COUNT", "1"]);
        assert_eq!(
            (c, items),
            (
                0,
                vec!["a".to_string(), "1".into(), "ab".into(), "3".into()]
            )
        );
    }

    #[test]
    fn hscan_of_a_hashtable_returns_every_field() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "4"]);
        for i in 0..300 {
            let f = format!("f{i}");
            h.run(&["HSET", "h", &f, "v"]);
        }
        let mut seen = HashSet::new();
        let mut c = "0".to_string();
        let mut calls = 0;
        loop {
            let (next, items) = hscan_once(&mut h, &["HSCAN", "h", &c, "MATCH", "f1*"]);
            assert_eq!(items.len() % 2, 0);
            for pair in items.chunks(2) {
                assert!(pair[0].starts_with("f1"));
                assert_eq!(pair[1], "v");
                seen.insert(pair[0].clone());
            }
            calls += 1;
            if next == 0 {
                break;
            }
            c = next.to_string();
        }
        assert!(calls > 1);
        // f1, f10..f19, f100..f199
        assert_eq!(seen.len(), 111);
    }
}
