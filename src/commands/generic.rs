//! The generic command group: commands that work on keys whatever their type.
//!
//! DEL UNLINK EXISTS TYPE TOUCH, RENAME RENAMENX MOVE COPY, RANDOMKEY KEYS SCAN, OBJECT, and the
//! expiry family (EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST).
//!
//! Every handler follows Redis 7.0's db.c / expire.c / object.c to the byte: which lookup it uses
//! (read lookups count keyspace hits and misses; TYPE, TTL, EXISTS and OBJECT do not touch the
//! LRU clock), the order of its checks, and its keyspace events (`del`, `rename_from`/`rename_to`,
//! `move_from`/`move_to`, `copy_to`, `expire`, `persist`). The EXPIRE family is propagated as
//! PEXPIREAT with the absolute time, and a time already past deletes the key and goes out as DEL
//! (UNLINK under `lazyfree-lazy-expire`). Keys the db layer expired on access are turned into
//! their own DEL and `expired` effects by [`flush_expired_effects`] before any propagation here,
//! so a replica always sees the deletion before the command that found the key gone.

use bytes::Bytes;

use super::args::{arg, is, parse_i64};
use super::{CmdError, Core, Ctx, Handler};
use crate::config::{MaxmemoryPolicy, NOTIFY_EXPIRED, NOTIFY_GENERIC};
use crate::types::string::StrValue;
use crate::types::value::Value;
use crate::util::glob::glob_match;
use crate::util::num;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("del", del),
    ("unlink", unlink),
    ("exists", exists),
    ("type", type_),
    ("touch", touch),
    ("rename", rename),
    ("renamenx", renamenx),
    ("move", move_),
    ("copy", copy),
    ("randomkey", randomkey),
    ("keys", keys),
    ("scan", scan),
    ("object|encoding", object_encoding),
    ("object|freq", object_freq),
    ("object|idletime", object_idletime),
    ("object|refcount", object_refcount),
    ("object|help", object_help),
    ("expire", expire),
    ("pexpire", pexpire),
    ("expireat", expireat),
    ("pexpireat", pexpireat),
    ("ttl", ttl),
    ("pttl", pttl),
    ("expiretime", expiretime),
    ("pexpiretime", pexpiretime),
    ("persist", persist),
];

/// Turns the keys the db layer expired since the last call into their effects, in order: a DEL
/// (UNLINK under `lazyfree-lazy-expire`) to propagate and an `expired` keyspace event each.
///
/// Handlers here call it before they propagate anything; the dispatcher should call it after
/// every command and before it propagates the command as received.
pub(crate) fn flush_expired_effects(core: &mut Core) {
    let expired = core.dbs.take_expired();
    if expired.is_empty() {
        return;
    }
    let verb: &'static [u8] = if core.dbs.lazy_expire {
        b"UNLINK"
    } else {
        b"DEL"
    };
    for (db, key) in expired {
        core.effects.notify(NOTIFY_EXPIRED, "expired", db, &key);
        core.effects
            .propagate(db, vec![Bytes::from_static(verb), key]);
    }
}

/// DEL key [key ...]: removes the keys, freeing big values off the loop when
/// `lazyfree-lazy-user-del` is on; answers how many existed.
fn del(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let lazy = ctx.core.config.lazyfree_lazy_user_del;
    del_generic(ctx, argv, lazy)
}

/// UNLINK key [key ...]: DEL whose big values are always freed on the background thread.
fn unlink(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    del_generic(ctx, argv, true)
}

fn del_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], lazy: bool) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let mut deleted = 0i64;
    for key in argv.iter().skip(1) {
        // An expired key is reclaimed (and propagated as expired) rather than counted.
        ctx.core.dbs.exists(db, key, now);
        if ctx.core.dbs.delete(db, key, lazy) {
            ctx.touched(key);
            ctx.notify(NOTIFY_GENERIC, "del", key);
            deleted += 1;
        }
    }
    ctx.reply.int(deleted);
    Ok(())
}

/// EXISTS key [key ...]: how many of the keys exist; a key named twice counts twice.
fn exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let mut n = 0i64;
    for key in argv.iter().skip(1) {
        if ctx.core.dbs.peek_read(db, key, now).is_some() {
            n += 1;
        }
    }
    ctx.reply.int(n);
    Ok(())
}

/// TYPE key: the value's type name as a status reply, `none` for a missing key.
fn type_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let name = match ctx.core.dbs.peek_read(db, arg(argv, 1), now) {
        Some(e) => e.value.type_name(),
        None => "none",
    };
    ctx.reply.simple(name.as_bytes());
    Ok(())
}

/// TOUCH key [key ...]: updates the keys' access time; answers how many exist.
fn touch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut n = 0i64;
    for key in argv.iter().skip(1) {
        if ctx.lookup_read(key).is_some() {
            n += 1;
        }
    }
    ctx.reply.int(n);
    Ok(())
}

/// RENAME key newkey: moves the value with its TTL and access time; OK.
fn rename(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    rename_generic(ctx, argv, false)
}

/// RENAMENX key newkey: RENAME only when newkey does not exist; 1 if renamed, else 0.
fn renamenx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    rename_generic(ctx, argv, true)
}

fn rename_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], nx: bool) -> Result<(), CmdError> {
    let (src, dst) = (arg(argv, 1), arg(argv, 2));
    if ctx.lookup_write(src).is_none() {
        return Err(CmdError::NoSuchKey);
    }
    let done = |ctx: &mut Ctx<'_>, renamed: bool| {
        if nx {
            ctx.reply.int(i64::from(renamed))
        } else {
            ctx.reply.ok()
        }
    };
    // Same name: nothing to do, but a missing key was still an error above.
    if src == dst {
        done(ctx, false);
        return Ok(());
    }
    if ctx.lookup_write(dst).is_some() && nx {
        done(ctx, false);
        return Ok(());
    }
    let db = ctx.db();
    let lazy = ctx.core.config.lazyfree_lazy_server_del;
    if let Some((entry, when)) = ctx.core.dbs.take_entry(db, src) {
        ctx.core.dbs.insert_entry(db, dst, entry, when, lazy);
    }
    ctx.touched(src);
    ctx.touched(dst);
    ctx.notify(NOTIFY_GENERIC, "rename_from", src);
    ctx.notify(NOTIFY_GENERIC, "rename_to", dst);
    done(ctx, true);
    Ok(())
}

/// MOVE key db: moves a key with its TTL to another database unless it exists there; 1 if
/// moved, else 0.
fn move_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.core.config.cluster_enabled {
        return Err(CmdError::Static("ERR MOVE is not allowed in cluster mode"));
    }
    let key = arg(argv, 1);
    let dst = db_index(ctx, parse_int(arg(argv, 2))?)?;
    let src = ctx.db();
    if src == dst {
        return Err(CmdError::Static(
            "ERR source and destination objects are the same",
        ));
    }
    let now = ctx.now_ms;
    if ctx.lookup_write(key).is_none() || ctx.core.dbs.lookup_write(dst, key, now).is_some() {
        ctx.reply.int(0);
        return Ok(());
    }
    if let Some((entry, when)) = ctx.core.dbs.take_entry(src, key) {
        ctx.core.dbs.insert_entry(dst, key, entry, when, false);
    }
    ctx.touched(key);
    ctx.notify(NOTIFY_GENERIC, "move_from", key);
    ctx.core.effects.notify(NOTIFY_GENERIC, "move_to", dst, key);
    ctx.reply.int(1);
    Ok(())
}

/// COPY source destination [DB db] [REPLACE]: copies a value with its TTL; 1 if copied, 0 if
/// the source is missing or the destination exists without REPLACE.
fn copy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (src_key, dst_key) = (arg(argv, 1), arg(argv, 2));
    let src = ctx.db();
    let mut dst = src;
    let mut replace = false;
    let mut i = 3;
    while let Some(a) = argv.get(i) {
        if is(a, "replace") {
            replace = true;
        } else if is(a, "db") && argv.len() > i + 1 {
            dst = db_index(ctx, parse_int(arg(argv, i + 1))?)?;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if ctx.core.config.cluster_enabled && (src != 0 || dst != 0) {
        return Err(CmdError::Static(
            "ERR Copying to another database is not allowed in cluster mode",
        ));
    }
    if src == dst && src_key == dst_key {
        return Err(CmdError::Static(
            "ERR source and destination objects are the same",
        ));
    }
    let now = ctx.now_ms;
    let Some(value) = ctx.lookup_read(src_key).map(|e| e.value.clone()) else {
        ctx.reply.int(0);
        return Ok(());
    };
    let when = ctx.core.dbs.expire_of(src, src_key);
    if ctx.core.dbs.lookup_write(dst, dst_key, now).is_some() && !replace {
        ctx.reply.int(0);
        return Ok(());
    }
    let lazy = ctx.core.config.lazyfree_lazy_server_del;
    ctx.core
        .dbs
        .insert_entry(dst, dst_key, crate::db::Entry::new(value, now), when, lazy);
    ctx.touched(dst_key);
    ctx.core
        .effects
        .notify(NOTIFY_GENERIC, "copy_to", dst, dst_key);
    ctx.reply.int(1);
    Ok(())
}

/// RANDOMKEY: a random live key name, or null when the database is empty.
fn randomkey(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    match ctx.core.dbs.random_key(db, now) {
        Some(k) => ctx.reply.bulk(&k),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// KEYS pattern: every live key matching the glob, in dict order. O(N) like Redis.
fn keys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let pattern = arg(argv, 1);
    let all = pattern == b"*";
    let now = ctx.now_ms;
    let found: Vec<Bytes> = match ctx.core.dbs.db(ctx.session.db) {
        Some(d) => d
            .iter()
            .filter(|(k, _)| all || glob_match(pattern, k, false))
            .filter(|(k, _)| !d.is_expired(k, now))
            .map(|(k, _)| Bytes::copy_from_slice(k))
            .collect(),
        None => Vec::new(),
    };
    ctx.reply.array_len(found.len());
    for k in &found {
        ctx.reply.bulk(k);
    }
    Ok(())
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: one step of a cursor walk over the
/// keys; answers [next cursor, keys]. Every key present for the whole walk is returned at least
/// once, across dict resizes.
fn scan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut cursor = num::parse_scan_cursor(arg(argv, 1)).map_err(|_| CmdError::InvalidCursor)?;
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut type_filter: Option<&[u8]> = None;
    let mut i = 2;
    while let Some(opt) = argv.get(i) {
        let Some(val) = argv.get(i + 1) else {
            return Err(CmdError::Syntax);
        };
        if is(opt, "count") {
            count = parse_i64(val)?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
        } else if is(opt, "match") {
            // `*` alone matches everything: skip the matcher as Redis does.
            pattern = if val.as_ref() == b"*" {
                None
            } else {
                Some(val)
            };
        } else if is(opt, "type") {
            type_filter = Some(val);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let (db, now) = (ctx.db(), ctx.now_ms);
    let want = usize::try_from(count).unwrap_or(usize::MAX);
    let mut found: Vec<Bytes> = Vec::new();
    if let Some(d) = ctx.core.dbs.db(db) {
        // Redis's loop: at most COUNT*10 bucket visits past the first, stopping once COUNT
        // keys are gathered or the walk completes.
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = d.scan_step(cursor, |k, _| found.push(Bytes::copy_from_slice(k)));
            if cursor == 0 || budget == 0 {
                break;
            }
            budget -= 1;
            if found.len() >= want {
                break;
            }
        }
    }
    let mut keys = Vec::with_capacity(found.len());
    for k in found {
        if let Some(p) = pattern
            && !glob_match(p, &k, false)
        {
            continue;
        }
        if let Some(t) = type_filter {
            let name = match ctx.core.dbs.peek_read(db, &k, now) {
                Some(e) => e.value.type_name(),
                None => "none",
            };
            if !c_str(t).eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
        }
        // Expired keys are reclaimed and hidden (one already reclaimed above is not seen).
        if ctx.core.dbs.db(db).is_some_and(|d| d.is_expired(&k, now)) {
            ctx.core.dbs.exists(db, &k, now);
            continue;
        }
        keys.push(k);
    }
    let mut buf = [0u8; 20];
    ctx.reply.array_len(2);
    ctx.reply.bulk(num::fmt_u64(cursor, &mut buf));
    ctx.reply.array_len(keys.len());
    for k in &keys {
        ctx.reply.bulk(k);
    }
    Ok(())
}

/// OBJECT ENCODING key: the value's internal encoding name, null for a missing key.
fn object_encoding(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    match ctx.core.dbs.peek_read(db, arg(argv, 1), now) {
        Some(e) => ctx.reply.bulk(e.value.encoding().as_bytes()),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// OBJECT FREQ key: the logarithmic access counter; an error unless an LFU policy is on.
fn object_freq(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let lfu = is_lfu(ctx.core.config.maxmemory_policy);
    let decay = ctx.core.config.lfu_decay_time;
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 1), now) else {
        ctx.reply.null();
        return Ok(());
    };
    if !lfu {
        return Err(CmdError::Static(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take \
             some time to adjust.",
        ));
    }
    let freq = e.lfu_freq(now, decay);
    ctx.reply.int(i64::from(freq));
    Ok(())
}

/// OBJECT IDLETIME key: seconds since the key was last accessed; an error under LFU.
fn object_idletime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let lfu = is_lfu(ctx.core.config.maxmemory_policy);
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 1), now) else {
        ctx.reply.null();
        return Ok(());
    };
    if lfu {
        return Err(CmdError::Static(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that \
             when switching between policies at runtime LRU and LFU data will take some time to \
             adjust.",
        ));
    }
    let idle = i64::try_from(e.idle_secs(now)).unwrap_or(i64::MAX);
    ctx.reply.int(idle);
    Ok(())
}

/// OBJECT REFCOUNT key: 1, or 2147483647 for the shared integers 0..9999 Redis hands out when
/// maxmemory does not need per-key LRU/LFU data.
fn object_refcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let shared_ok =
        ctx.core.config.maxmemory == 0 || !needs_lru_data(ctx.core.config.maxmemory_policy);
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 1), now) else {
        ctx.reply.null();
        return Ok(());
    };
    let shared =
        matches!(e.value, Value::Str(StrValue::Int(n)) if (0..SHARED_INTEGERS).contains(&n));
    ctx.reply.int(if shared && shared_ok {
        i64::from(i32::MAX)
    } else {
        1
    });
    Ok(())
}

/// OBJECT HELP: the subcommand summary, one status line each.
fn object_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.array_len(OBJECT_HELP.len());
    for line in OBJECT_HELP {
        ctx.reply.simple(line.as_bytes());
    }
    Ok(())
}

/// EXPIRE key seconds [NX|XX|GT|LT]: sets a TTL; 1 if set (or the key was deleted because the
/// time is past), 0 if the key is missing or a condition failed.
fn expire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    expire_generic(ctx, argv, now, true, "expire")
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT]: EXPIRE in milliseconds.
fn pexpire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    expire_generic(ctx, argv, now, false, "pexpire")
}

/// EXPIREAT key unix-seconds [NX|XX|GT|LT]: EXPIRE with an absolute time.
fn expireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    expire_generic(ctx, argv, 0, true, "expireat")
}

/// PEXPIREAT key unix-ms [NX|XX|GT|LT]: EXPIRE with an absolute time in milliseconds.
fn pexpireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    expire_generic(ctx, argv, 0, false, "pexpireat")
}

fn expire_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    base_ms: i64,
    seconds: bool,
    name: &str,
) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let flags = expire_flags(argv.get(3..).unwrap_or_default())?;
    let mut when = parse_i64(arg(argv, 2))?;
    if seconds {
        when = when
            .checked_mul(1000)
            .ok_or_else(|| CmdError::InvalidExpire(name.into()))?;
    }
    // Redis rejects only an overflow upward (`when > LLONG_MAX - basetime`).
    when = when
        .checked_add(base_ms)
        .ok_or_else(|| CmdError::InvalidExpire(name.into()))?;
    if ctx.lookup_write(key).is_none() {
        ctx.reply.int(0);
        return Ok(());
    }
    let db = ctx.db();
    let current = ctx.core.dbs.expire_of(db, key);
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.reply.int(0);
        return Ok(());
    }
    // A time already past deletes the key, except on a replica, which waits for its master.
    if when <= ctx.now_ms && !ctx.core.dbs.is_replica {
        let lazy = ctx.core.config.lazyfree_lazy_expire;
        ctx.core.dbs.delete(db, key, lazy);
        let verb: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
        propagate(
            ctx,
            vec![Bytes::from_static(verb), Bytes::copy_from_slice(key)],
        );
        ctx.touched(key);
        ctx.notify(NOTIFY_GENERIC, "del", key);
        ctx.reply.int(1);
        return Ok(());
    }
    ctx.core.dbs.set_expire(db, key, Some(when));
    // Relative and second-based forms go out as PEXPIREAT with the absolute time, options kept.
    let mut out = Vec::with_capacity(argv.len());
    out.push(Bytes::from_static(b"PEXPIREAT"));
    out.push(Bytes::copy_from_slice(key));
    let mut buf = [0u8; 20];
    out.push(Bytes::copy_from_slice(num::fmt_i64(when, &mut buf)));
    out.extend(argv.iter().skip(3).cloned());
    propagate(ctx, out);
    ctx.touched(key);
    ctx.notify(NOTIFY_GENERIC, "expire", key);
    ctx.reply.int(1);
    Ok(())
}

/// TTL key: seconds to live, rounded; -1 without a TTL, -2 for a missing key.
fn ttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    ttl_generic(ctx, argv, false, false)
}

/// PTTL key: TTL in milliseconds.
fn pttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    ttl_generic(ctx, argv, true, false)
}

/// EXPIRETIME key: the absolute unix time (seconds, rounded) the key expires at.
fn expiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    ttl_generic(ctx, argv, false, true)
}

/// PEXPIRETIME key: the absolute unix time in milliseconds the key expires at.
fn pexpiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    ttl_generic(ctx, argv, true, true)
}

fn ttl_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    ms: bool,
    absolute: bool,
) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let key = arg(argv, 1);
    if ctx.core.dbs.peek_read(db, key, now).is_none() {
        ctx.reply.int(-2);
        return Ok(());
    }
    let Some(when) = ctx.core.dbs.expire_of(db, key) else {
        ctx.reply.int(-1);
        return Ok(());
    };
    let t = if absolute {
        when
    } else {
        when.saturating_sub(now)
    }
    .max(0);
    // Seconds are rounded to the nearest, as Redis's (ttl+500)/1000.
    ctx.reply
        .int(if ms { t } else { t.saturating_add(500) / 1000 });
    Ok(())
}

/// PERSIST key: removes the TTL; 1 if there was one, else 0.
fn persist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let has_ttl = ctx.lookup_write(key).is_some_and(|e| e.has_expire());
    if !has_ttl {
        ctx.reply.int(0);
        return Ok(());
    }
    let db = ctx.db();
    ctx.core.dbs.set_expire(db, key, None);
    ctx.touched(key);
    ctx.notify(NOTIFY_GENERIC, "persist", key);
    ctx.reply.int(1);
    Ok(())
}

/// NX/XX/GT/LT as parsed from the tail of an EXPIRE-family command.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the EXPIRE options and rejects the combinations Redis rejects.
fn expire_flags(opts: &[Bytes]) -> Result<ExpireFlags, CmdError> {
    let mut f = ExpireFlags::default();
    for o in opts {
        if is(o, "nx") {
            f.nx = true;
        } else if is(o, "xx") {
            f.xx = true;
        } else if is(o, "gt") {
            f.gt = true;
        } else if is(o, "lt") {
            f.lt = true;
        } else {
            let shown = String::from_utf8_lossy(c_str(o));
            return Err(CmdError::err(format_args!("Unsupported option {shown}")));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(CmdError::Static(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if f.gt && f.lt {
        return Err(CmdError::Static(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    Ok(f)
}

/// Propagates `argv` after the keys expired so far, so replicas see events in Redis's order.
fn propagate(ctx: &mut Ctx<'_>, argv: Vec<Bytes>) {
    flush_expired_effects(ctx.core);
    ctx.propagate(argv);
}

/// Parses a C `int` as getIntFromObjectOrReply does, with its out-of-range text.
pub(crate) fn parse_int(b: &[u8]) -> Result<i64, CmdError> {
    let n = parse_i64(b)?;
    if n < i64::from(i32::MIN) || n > i64::from(i32::MAX) {
        return Err(CmdError::Static(
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    Ok(n)
}

/// A database index that exists, or Redis's "DB index is out of range".
fn db_index(ctx: &Ctx<'_>, n: i64) -> Result<usize, CmdError> {
    usize::try_from(n)
        .ok()
        .filter(|&i| i < ctx.core.dbs.count())
        .ok_or(CmdError::DbIndexOutOfRange)
}

/// The bytes before the first NUL, as C string functions see an argument.
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => b.get(..i).unwrap_or_default(),
        None => b,
    }
}

fn is_lfu(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
    )
}

/// Policies under which Redis stops sharing integers (MAXMEMORY_FLAG_NO_SHARED_INTEGERS).
fn needs_lru_data(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLru
            | MaxmemoryPolicy::AllkeysLru
            | MaxmemoryPolicy::VolatileLfu
            | MaxmemoryPolicy::AllkeysLfu
    )
}

/// Integers below this are shared objects in Redis (OBJ_SHARED_INTEGERS).
const SHARED_INTEGERS: i64 = 10_000;

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];
