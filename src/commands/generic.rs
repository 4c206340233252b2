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
//! their own DEL and `expired` effects by [`Core::flush_expired_effects`] before any propagation here,
//! so a replica always sees the deletion before the command that found the key gone.

use bytes::Bytes;

use super::args::{arg, c_str, is, parse_i64, parse_scan_options};
use super::{CmdError, Ctx, Handler};
use crate::config::{MaxmemoryPolicy, NOTIFY_GENERIC};
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
    if !ctx.exists_for_write(src) {
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
    if ctx.exists_for_write(dst) && nx {
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
    if !ctx.exists_for_write(key) || ctx.core.dbs.exists_for_write(dst, key, now) {
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
    if ctx.core.dbs.exists_for_write(dst, dst_key, now) && !replace {
        ctx.reply.int(0);
        return Ok(());
    }
    let lazy = ctx.core.config.lazyfree_lazy_server_del;
    let entry = ctx.core.dbs.new_entry(value, now);
    ctx.core.dbs.insert_entry(dst, dst_key, entry, when, lazy);
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
    let opts = parse_scan_options(argv, 2, true)?;
    let (count, pattern, type_filter) = (opts.count, opts.pattern, opts.type_filter);
    let (db, now) = (ctx.db(), ctx.now_ms);
    let want = count;
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
    match ctx.core.dbs.peek_read(db, arg(argv, 2), now) {
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
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 2), now) else {
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
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 2), now) else {
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
    let Some(e) = ctx.core.dbs.peek_read(db, arg(argv, 2), now) else {
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
    if !ctx.exists_for_write(key) {
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
    // Seconds are rounded to the nearest, as Redis's (ttl+500)/1000, which its compiler
    // evaluates without overflow for a non-negative ttl (an expiry near i64::MAX ms still
    // rounds up).
    let secs = ((t as u64).wrapping_add(500) / 1000) as i64;
    ctx.reply.int(if ms { t } else { secs });
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
    ctx.core.flush_expired_effects();
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn setk(h: &mut Harness, k: &str, v: &str) {
        let (db, now) = (h.session.db, h.now_ms);
        h.core.dbs.set(
            db,
            k.as_bytes(),
            Value::Str(StrValue::from_set(v.as_bytes())),
            false,
            now,
        );
    }

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    fn events(h: &mut Harness) -> Vec<(String, usize, String)> {
        std::mem::take(&mut h.core.effects.events)
            .into_iter()
            .map(|(_, e, db, k)| (e.to_string(), db, String::from_utf8_lossy(&k).into_owned()))
            .collect()
    }

    fn watch_effects(h: &mut Harness) {
        h.core.effects.notify_classes = u32::MAX;
        h.core.effects.propagating = true;
    }

    fn sorted_keys(r: Reply) -> Vec<String> {
        let Reply::Array(items) = r else {
            panic!("not an array: {r:?}")
        };
        let mut v: Vec<String> = items
            .into_iter()
            .map(|i| match i {
                Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect();
        v.sort();
        v
    }

    /// SCAN's reply split into the next cursor and the keys.
    fn scan_once(h: &mut Harness, words: &[&str]) -> (u64, Vec<String>) {
        let (cursor, items) = h.run_scan(words);
        (cursor, sorted_keys(Reply::Array(items)))
    }

    #[test]
    fn del_and_unlink_count_existing_keys_and_notify() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        setk(&mut h, "b", "2");
        assert_eq!(h.run(&["DEL", "a", "a", "nokey"]), int(1));
        assert_eq!(h.run(&["UNLINK", "b", "nokey"]), int(1));
        assert_eq!(h.run(&["UNLINK", "b"]), int(0));
        assert_eq!(
            events(&mut h),
            vec![("del".into(), 0, "a".into()), ("del".into(), 0, "b".into())]
        );
        assert_eq!(
            h.run(&["DEL"]),
            err("ERR wrong number of arguments for 'del' command")
        );
        assert_eq!(
            h.run(&["UNLINK"]),
            err("ERR wrong number of arguments for 'unlink' command")
        );
    }

    #[test]
    fn del_of_an_expired_key_counts_zero_and_propagates_the_expiry() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        assert_eq!(h.run(&["PEXPIRE", "a", "100"]), int(1));
        h.take_propagated_argv();
        events(&mut h);
        h.advance(101);
        assert_eq!(h.run(&["DEL", "a"]), int(0));
        h.core.flush_expired_effects();
        assert_eq!(
            h.take_propagated_argv(),
            vec![vec!["DEL".to_string(), "a".to_string()]]
        );
        assert_eq!(events(&mut h), vec![("expired".into(), 0, "a".into())]);
        assert_eq!(h.core.dbs.stats.expired_keys, 1);
    }

    #[test]
    fn exists_counts_duplicates_and_hides_expired_keys() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        setk(&mut h, "b", "1");
        assert_eq!(h.run(&["EXISTS", "a", "a", "b", "nokey"]), int(3));
        h.run(&["PEXPIRE", "b", "10"]);
        h.advance(11);
        assert_eq!(h.run(&["EXISTS", "a", "b"]), int(1));
        assert_eq!(h.core.dbs.stats.hits, 4);
        assert_eq!(h.core.dbs.stats.misses, 2);
    }

    #[test]
    fn type_names_values_and_none() {
        let mut h = Harness::new();
        setk(&mut h, "a", "x");
        assert_eq!(h.run(&["TYPE", "a"]), Reply::simple("string"));
        assert_eq!(h.run(&["TYPE", "nokey"]), Reply::simple("none"));
        h.resp3();
        assert_eq!(h.run(&["TYPE", "a"]), Reply::simple("string"));
    }

    #[test]
    fn touch_resets_idle_time_and_counts_existing_keys() {
        let mut h = Harness::new();
        setk(&mut h, "a", "x");
        h.advance(10_000);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), int(10));
        assert_eq!(h.run(&["TOUCH", "a", "nokey", "a"]), int(2));
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), int(0));
    }

    #[test]
    fn rename_moves_value_and_ttl_and_overwrites() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "va");
        setk(&mut h, "b", "vb");
        h.run(&["PEXPIRE", "a", "5000"]);
        h.run(&["EXPIRE", "b", "100"]);
        events(&mut h);
        assert_eq!(h.run(&["RENAME", "a", "b"]), ok());
        assert_eq!(h.run(&["EXISTS", "a"]), int(0));
        assert_eq!(h.run(&["PTTL", "b"]), int(5000));
        let v = h.core.dbs.db(0).unwrap().get(b"b").unwrap().value.clone();
        assert_eq!(v, Value::Str(StrValue::from_set(b"va")));
        assert_eq!(
            events(&mut h),
            vec![
                ("rename_from".into(), 0, "a".into()),
                ("rename_to".into(), 0, "b".into())
            ]
        );
        // A key without a TTL renamed over one with a TTL leaves none.
        setk(&mut h, "c", "vc");
        assert_eq!(h.run(&["RENAME", "c", "b"]), ok());
        assert_eq!(h.run(&["TTL", "b"]), int(-1));
    }

    #[test]
    fn rename_errors_and_same_key() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["RENAME", "nokey", "b"]), err("ERR no such key"));
        assert_eq!(h.run(&["RENAMENX", "nokey", "b"]), err("ERR no such key"));
        assert_eq!(h.run(&["RENAME", "nokey", "nokey"]), err("ERR no such key"));
        setk(&mut h, "a", "1");
        assert_eq!(h.run(&["RENAME", "a", "a"]), ok());
        assert_eq!(h.run(&["RENAMENX", "a", "a"]), int(0));
        assert_eq!(h.run(&["EXISTS", "a"]), int(1));
        assert_eq!(
            h.run(&["RENAME", "a"]),
            err("ERR wrong number of arguments for 'rename' command")
        );
    }

    #[test]
    fn renamenx_only_when_destination_is_missing() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        setk(&mut h, "b", "2");
        assert_eq!(h.run(&["RENAMENX", "a", "b"]), int(0));
        assert_eq!(h.run(&["RENAMENX", "a", "c"]), int(1));
        assert_eq!(h.run(&["EXISTS", "a", "c"]), int(1));
        // An expired destination does not block it.
        h.run(&["PEXPIRE", "b", "1"]);
        h.advance(2);
        assert_eq!(h.run(&["RENAMENX", "c", "b"]), int(1));
    }

    #[test]
    fn move_between_databases() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        h.run(&["PEXPIRE", "a", "3000"]);
        events(&mut h);
        assert_eq!(h.run(&["MOVE", "a", "1"]), int(1));
        assert_eq!(h.run(&["EXISTS", "a"]), int(0));
        assert_eq!(
            events(&mut h),
            vec![
                ("move_from".into(), 0, "a".into()),
                ("move_to".into(), 1, "a".into())
            ]
        );
        h.session.db = 1;
        assert_eq!(h.run(&["PTTL", "a"]), int(3000));
        setk(&mut h, "b", "x");
        h.session.db = 0;
        setk(&mut h, "b", "y");
        assert_eq!(h.run(&["MOVE", "b", "1"]), int(0));
        assert_eq!(h.run(&["MOVE", "nokey", "1"]), int(0));
        assert_eq!(
            h.run(&["MOVE", "b", "0"]),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(
            h.run(&["MOVE", "b", "16"]),
            err("ERR DB index is out of range")
        );
        assert_eq!(
            h.run(&["MOVE", "b", "-1"]),
            err("ERR DB index is out of range")
        );
        assert_eq!(
            h.run(&["MOVE", "b", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["MOVE", "b", "4294967296"]),
            err("ERR value is out of range, value must between -2147483648 and 2147483647")
        );
        // The range checks come before the key lookup.
        assert_eq!(
            h.run(&["MOVE", "nokey", "99"]),
            err("ERR DB index is out of range")
        );
    }

    #[test]
    fn copy_with_db_and_replace() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        h.run(&["PEXPIRE", "a", "7000"]);
        setk(&mut h, "b", "2");
        events(&mut h);
        assert_eq!(h.run(&["COPY", "a", "b"]), int(0));
        assert_eq!(h.run(&["COPY", "a", "b", "REPLACE", "replace"]), int(1));
        assert_eq!(h.run(&["PTTL", "b"]), int(7000));
        assert_eq!(h.run(&["COPY", "a", "c", "DB", "2"]), int(1));
        assert_eq!(
            events(&mut h),
            vec![
                ("copy_to".into(), 0, "b".into()),
                ("copy_to".into(), 2, "c".into())
            ]
        );
        assert_eq!(h.run(&["COPY", "a", "a", "db", "2"]), int(1));
        assert_eq!(h.run(&["COPY", "nokey", "z"]), int(0));
        assert_eq!(h.run(&["EXISTS", "a"]), int(1));
        assert_eq!(
            h.run(&["COPY", "a", "a"]),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(
            h.run(&["COPY", "nokey", "nokey", "DB", "0"]),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(
            h.run(&["COPY", "a", "b", "DB", "16"]),
            err("ERR DB index is out of range")
        );
        assert_eq!(
            h.run(&["COPY", "a", "b", "DB", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["COPY", "a", "b", "DB", "99999999999999999"]),
            err("ERR value is out of range, value must between -2147483648 and 2147483647")
        );
        assert_eq!(h.run(&["COPY", "a", "b", "foo"]), err("ERR syntax error"));
        assert_eq!(h.run(&["COPY", "a", "b", "DB"]), err("ERR syntax error"));
    }

    #[test]
    fn copied_values_are_independent_and_fresh() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        h.advance(5000);
        assert_eq!(h.run(&["COPY", "a", "b"]), int(1));
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "b"]), int(0));
        assert_eq!(h.run(&["DEL", "a"]), int(1));
        assert_eq!(h.run(&["EXISTS", "b"]), int(1));
    }

    #[test]
    fn randomkey_skips_expired_keys() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["RANDOMKEY"]), Reply::Null);
        for i in 0..20 {
            setk(&mut h, &format!("k{i}"), "v");
            h.run(&["PEXPIRE", &format!("k{i}"), "10"]);
        }
        setk(&mut h, "live", "v");
        h.advance(11);
        assert_eq!(h.run(&["RANDOMKEY"]), bulk("live"));
        h.run(&["DEL", "live"]);
        assert_eq!(h.run(&["RANDOMKEY"]), Reply::Null);
        assert_eq!(h.run(&["DBSIZE"]), int(0));
    }

    #[test]
    fn randomkey_on_a_replica_gives_up_when_everything_is_expired() {
        let mut h = Harness::new();
        setk(&mut h, "a", "v");
        h.run(&["PEXPIRE", "a", "10"]);
        h.advance(11);
        h.core.dbs.is_replica = true;
        assert_eq!(h.run(&["RANDOMKEY"]), bulk("a"));
    }

    #[test]
    fn keys_matches_glob_and_hides_expired() {
        let mut h = Harness::new();
        for k in ["foo", "fob", "bar", "f*x"] {
            setk(&mut h, k, "v");
        }
        assert_eq!(
            sorted_keys(h.run(&["KEYS", "*"])),
            vec!["bar", "f*x", "fob", "foo"]
        );
        assert_eq!(sorted_keys(h.run(&["KEYS", "fo?"])), vec!["fob", "foo"]);
        assert_eq!(sorted_keys(h.run(&["KEYS", "f\\*x"])), vec!["f*x"]);
        assert_eq!(sorted_keys(h.run(&["KEYS", "[a-c]*"])), vec!["bar"]);
        h.run(&["PEXPIRE", "foo", "1"]);
        h.advance(2);
        assert_eq!(
            sorted_keys(h.run(&["KEYS", "*"])),
            vec!["bar", "f*x", "fob"]
        );
        assert_eq!(
            sorted_keys(h.run(&["KEYS", "nomatch"])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn scan_argument_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SCAN", "x"]), err("ERR invalid cursor"));
        assert_eq!(h.run(&["SCAN", " 1"]), err("ERR invalid cursor"));
        assert_eq!(
            h.run(&["SCAN", "18446744073709551616"]),
            err("ERR invalid cursor")
        );
        assert_eq!(
            h.run(&["SCAN", "x", "COUNT", "0"]),
            err("ERR invalid cursor")
        );
        assert_eq!(h.run(&["SCAN", "0", "COUNT", "0"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SCAN", "0", "COUNT", "-1"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SCAN", "0", "COUNT", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(h.run(&["SCAN", "0", "foo"]), err("ERR syntax error"));
        assert_eq!(h.run(&["SCAN", "0", "MATCH"]), err("ERR syntax error"));
        assert_eq!(h.run(&["SCAN", "0", "foo", "bar"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SCAN", "-1"]),
            Reply::Array(vec![bulk("0"), Reply::Array(vec![])])
        );
        assert_eq!(
            h.run(&["SCAN", "0", "count", "9223372036854775807"]),
            Reply::Array(vec![bulk("0"), Reply::Array(vec![])])
        );
    }

    #[test]
    fn scan_filters_by_match_type_and_expiry() {
        let mut h = Harness::new();
        for i in 0..50 {
            setk(&mut h, &format!("k{i}"), "v");
        }
        setk(&mut h, "other", "v");
        h.run(&["PEXPIRE", "k7", "1"]);
        h.advance(2);
        let mut seen = Vec::new();
        let mut cursor = 0u64;
        loop {
            let c = cursor.to_string();
            let (next, keys) = scan_once(&mut h, &["SCAN", &c, "MATCH", "k*", "COUNT", "7"]);
            seen.extend(keys);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        seen.dedup();
        let mut want: Vec<String> = (0..50)
            .filter(|&i| i != 7)
            .map(|i| format!("k{i}"))
            .collect();
        want.sort();
        assert_eq!(seen, want);
        // The expired key was reclaimed on the way.
        assert!(h.core.dbs.db(0).unwrap().get(b"k7").is_none());
        let (c, keys) = scan_once(&mut h, &["SCAN", "0", "TYPE", "STRING", "COUNT", "1000"]);
        assert_eq!((c, keys.len()), (0, 50));
        let (c, keys) = scan_once(&mut h, &["SCAN", "0", "TYPE", "list", "COUNT", "1000"]);
        assert_eq!((c, keys.len()), (0, 0));
        let (_, keys) = scan_once(&mut h, &["SCAN", "0", "MATCH", "*", "COUNT", "1000"]);
        assert_eq!(keys.len(), 50);
    }

    #[test]
    fn scan_returns_every_key_present_for_the_whole_walk_across_resizes() {
        let mut h = Harness::new();
        // Stable keys stay for the whole walk; churn keys come and go between calls and the
        // table grows and then shrinks under the cursor.
        let stable: Vec<String> = (0..300).map(|i| format!("stable:{i}")).collect();
        for k in &stable {
            setk(&mut h, k, "v");
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut cursor = 0u64;
        let mut step = 0usize;
        loop {
            let c = cursor.to_string();
            let (next, keys) = scan_once(&mut h, &["SCAN", &c, "COUNT", "5"]);
            seen.extend(keys);
            cursor = next;
            if cursor == 0 {
                break;
            }
            step += 1;
            if step < 40 {
                // Grow: many new keys per call forces expansions mid-walk.
                for j in 0..200 {
                    setk(&mut h, &format!("churn:{step}:{j}"), "v");
                }
            } else if step == 40 {
                // Shrink: drop the churn and let the dict resize down.
                let churn: Vec<Vec<u8>> = h
                    .core
                    .dbs
                    .db(0)
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| k.starts_with(b"churn:"))
                    .map(|(k, _)| k.to_vec())
                    .collect();
                for k in churn {
                    h.core.dbs.delete(0, &k, false);
                }
                h.core.dbs.db_mut(0).unwrap().shrink_if_needed();
            } else {
                h.core.dbs.rehash_for(1000);
            }
            assert!(step < 100_000, "scan did not terminate");
        }
        for k in &stable {
            assert!(seen.contains(k), "{k} never returned");
        }
    }

    #[test]
    fn object_encoding_and_refcount() {
        let mut h = Harness::new();
        setk(&mut h, "i", "123");
        setk(&mut h, "big", "10000");
        setk(&mut h, "neg", "-1");
        setk(&mut h, "s", "hello");
        setk(&mut h, "r", &"x".repeat(45));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "i"]), bulk("int"));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "s"]), bulk("embstr"));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "r"]), bulk("raw"));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "i"]), int(2147483647));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "big"]), int(1));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "neg"]), int(1));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "s"]), int(1));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "nokey"]), Reply::Null);
        h.core.config.maxmemory = 1 << 30;
        h.core.config.maxmemory_policy = MaxmemoryPolicy::AllkeysLru;
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "i"]), int(1));
        assert_eq!(
            h.run(&["OBJECT", "ENCODING"]),
            err("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(
            h.run(&["OBJECT", "ENCODING", "a", "b"]),
            err("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(
            h.run(&["OBJECT", "foo", "i"]),
            err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
        );
    }

    #[test]
    fn object_freq_and_idletime_depend_on_the_policy() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        let not_lfu = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. \
                       Please note that when switching between policies at runtime LRU and LFU \
                       data will take some time to adjust.";
        let lfu = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note \
                   that when switching between policies at runtime LRU and LFU data will take \
                   some time to adjust.";
        assert_eq!(h.run(&["OBJECT", "FREQ", "a"]), err(not_lfu));
        assert_eq!(h.run(&["OBJECT", "FREQ", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "nokey"]), Reply::Null);
        h.core.config.maxmemory_policy = MaxmemoryPolicy::VolatileLfu;
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), err(lfu));
        assert!(matches!(h.run(&["OBJECT", "FREQ", "a"]), Reply::Int(_)));
    }

    #[test]
    fn object_help_lists_subcommands() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["OBJECT", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 15);
        assert_eq!(
            lines[0],
            Reply::simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
        assert_eq!(lines[14], Reply::simple("    Prints this help."));
    }

    /// EXPIRETIME's rounding does not overflow at the largest expiry (found by
    /// tools/difffuzz.py; Redis answers 9223372036854776).
    #[test]
    fn expiretime_rounds_the_largest_expiry_up() {
        let mut h = Harness::new();
        let max = i64::MAX.to_string();
        assert_eq!(h.run(&["PEXPIREAT", "b", &max]), int(0));
        setk(&mut h, "b", "1");
        assert_eq!(h.run(&["PEXPIREAT", "b", &max]), int(1));
        assert_eq!(h.run(&["EXPIRETIME", "b"]), int(9_223_372_036_854_776));
        assert_eq!(h.run(&["PEXPIRETIME", "b"]), int(i64::MAX));
    }

    #[test]
    fn expire_sets_ttl_and_propagates_pexpireat() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        assert_eq!(h.run(&["EXPIRE", "a", "100"]), int(1));
        assert_eq!(h.run(&["TTL", "a"]), int(100));
        assert_eq!(h.run(&["PTTL", "a"]), int(100_000));
        assert_eq!(h.run(&["PEXPIRE", "a", "1500", "xx"]), int(1));
        assert_eq!(h.run(&["EXPIREAT", "a", "5000"]), int(1));
        assert_eq!(h.run(&["PEXPIREAT", "a", "4000500", "LT"]), int(1));
        assert_eq!(h.run(&["EXPIRETIME", "a"]), int(4001));
        assert_eq!(h.run(&["PEXPIRETIME", "a"]), int(4_000_500));
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            h.take_propagated_argv(),
            vec![
                p(&["PEXPIREAT", "a", "1100000"]),
                p(&["PEXPIREAT", "a", "1001500", "xx"]),
                p(&["PEXPIREAT", "a", "5000000"]),
                p(&["PEXPIREAT", "a", "4000500", "LT"]),
            ]
        );
        let ev = events(&mut h);
        assert_eq!(ev.len(), 4);
        assert!(ev.iter().all(|(e, _, k)| e == "expire" && k == "a"));
        assert_eq!(h.run(&["EXPIRE", "nokey", "10"]), int(0));
    }

    #[test]
    fn ttl_rounds_to_the_nearest_second() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        h.run(&["PEXPIRE", "a", "1999"]);
        assert_eq!(h.run(&["TTL", "a"]), int(2));
        h.run(&["PEXPIRE", "a", "1499"]);
        assert_eq!(h.run(&["TTL", "a"]), int(1));
        h.advance(1499);
        assert_eq!(h.run(&["PTTL", "a"]), int(0));
        assert_eq!(h.run(&["TTL", "a"]), int(0));
        h.advance(1);
        assert_eq!(h.run(&["TTL", "a"]), int(-2));
        setk(&mut h, "b", "1");
        for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
            assert_eq!(h.run(&[cmd, "b"]), int(-1));
            assert_eq!(h.run(&[cmd, "nokey"]), int(-2));
        }
    }

    #[test]
    fn expire_options_follow_redis() {
        let mut h = Harness::new();
        setk(&mut h, "b", "1");
        assert_eq!(h.run(&["EXPIRE", "b", "10", "xx"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "10", "gt"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "10", "lt"]), int(1));
        assert_eq!(h.run(&["EXPIRE", "b", "5", "gt"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "10", "gt"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "20", "GT"]), int(1));
        assert_eq!(h.run(&["EXPIRE", "b", "20", "lt"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "19", "lt"]), int(1));
        assert_eq!(h.run(&["EXPIRE", "b", "30", "nx"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "b", "30", "xx", "gt"]), int(1));
        assert_eq!(h.run(&["TTL", "b"]), int(30));
        assert_eq!(h.run(&["PERSIST", "b"]), int(1));
        assert_eq!(h.run(&["EXPIRE", "b", "30", "nx"]), int(1));
    }

    #[test]
    fn expire_errors() {
        let mut h = Harness::new();
        setk(&mut h, "a", "1");
        let both = "ERR NX and XX, GT or LT options at the same time are not compatible";
        assert_eq!(h.run(&["EXPIRE", "a", "10", "nx", "xx"]), err(both));
        assert_eq!(h.run(&["EXPIRE", "a", "10", "nx", "gt"]), err(both));
        assert_eq!(h.run(&["EXPIRE", "a", "10", "lt", "nx"]), err(both));
        assert_eq!(
            h.run(&["EXPIRE", "a", "10", "gt", "lt"]),
            err("ERR GT and LT options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["EXPIRE", "a", "10", "foo"]),
            err("ERR Unsupported option foo")
        );
        // Options are checked before the number.
        assert_eq!(
            h.run(&["EXPIRE", "a", "x", "foo"]),
            err("ERR Unsupported option foo")
        );
        assert_eq!(
            h.run(&["EXPIRE", "a", "x"]),
            err("ERR value is not an integer or out of range")
        );
        let max = "9223372036854775807";
        assert_eq!(
            h.run(&["EXPIRE", "a", max]),
            err("ERR invalid expire time in 'expire' command")
        );
        assert_eq!(
            h.run(&["EXPIRE", "a", "9223372036854775"]),
            err("ERR invalid expire time in 'expire' command")
        );
        assert_eq!(
            h.run(&["PEXPIRE", "a", max]),
            err("ERR invalid expire time in 'pexpire' command")
        );
        assert_eq!(
            h.run(&["EXPIREAT", "a", max]),
            err("ERR invalid expire time in 'expireat' command")
        );
        assert_eq!(
            h.run(&["EXPIRE", "nokey", max]),
            err("ERR invalid expire time in 'expire' command")
        );
        assert_eq!(h.run(&["PEXPIREAT", "a", max]), int(1));
        assert_eq!(h.run(&["PEXPIRETIME", "a"]), int(i64::MAX));
        assert_eq!(
            h.run(&["EXPIRE", "a"]),
            err("ERR wrong number of arguments for 'expire' command")
        );
    }

    #[test]
    fn expire_in_the_past_deletes_and_propagates_del() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        setk(&mut h, "b", "1");
        assert_eq!(h.run(&["EXPIRE", "a", "-1"]), int(1));
        assert_eq!(h.run(&["EXISTS", "a"]), int(0));
        assert_eq!(h.run(&["PEXPIREAT", "b", "1000000"]), int(1));
        assert_eq!(h.run(&["EXISTS", "b"]), int(0));
        assert_eq!(
            h.take_propagated_argv(),
            vec![
                vec!["DEL".to_string(), "a".into()],
                vec!["DEL".to_string(), "b".into()]
            ]
        );
        assert_eq!(
            events(&mut h),
            vec![("del".into(), 0, "a".into()), ("del".into(), 0, "b".into())]
        );
        assert_eq!(h.core.dbs.stats.expired_keys, 0);
        h.core.config.lazyfree_lazy_expire = true;
        setk(&mut h, "c", "1");
        assert_eq!(h.run(&["PEXPIRE", "c", "0"]), int(1));
        assert_eq!(
            h.take_propagated_argv(),
            vec![vec!["UNLINK".to_string(), "c".into()]]
        );
        // A condition that fails keeps the key.
        setk(&mut h, "d", "1");
        assert_eq!(h.run(&["EXPIRE", "d", "-1", "xx"]), int(0));
        assert_eq!(h.run(&["EXISTS", "d"]), int(1));
        // A replica sets the past time instead and waits for its master's DEL.
        h.core.dbs.is_replica = true;
        assert_eq!(h.run(&["EXPIRE", "d", "-1"]), int(1));
        assert_eq!(h.core.dbs.db(0).unwrap().len(), 1);
        assert_eq!(h.run(&["EXISTS", "d"]), int(0));
    }

    #[test]
    fn keys_expired_on_access_are_propagated_before_the_command() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        h.run(&["PEXPIRE", "a", "5"]);
        setk(&mut h, "b", "1");
        h.run(&["PEXPIRE", "b", "5"]);
        h.take_propagated_argv();
        events(&mut h);
        h.advance(6);
        // EXPIRE finds `a` gone (0, nothing of its own to propagate); the later PEXPIRE on a live
        // key goes out after the DEL of `a`.
        assert_eq!(h.run(&["EXPIRE", "a", "10"]), int(0));
        setk(&mut h, "c", "1");
        assert_eq!(h.run(&["PEXPIRE", "c", "10"]), int(1));
        assert_eq!(
            h.take_propagated_argv(),
            vec![
                vec!["DEL".to_string(), "a".into()],
                vec!["PEXPIREAT".into(), "c".into(), "1000016".into()]
            ]
        );
        assert_eq!(
            events(&mut h),
            vec![
                ("expired".into(), 0, "a".into()),
                ("expire".into(), 0, "c".into())
            ]
        );
        h.core.dbs.lazy_expire = true;
        assert_eq!(h.run(&["TTL", "b"]), int(-2));
        h.core.flush_expired_effects();
        assert_eq!(
            h.take_propagated_argv(),
            vec![vec!["UNLINK".to_string(), "b".into()]]
        );
    }

    #[test]
    fn persist_removes_the_ttl() {
        let mut h = Harness::new();
        watch_effects(&mut h);
        setk(&mut h, "a", "1");
        assert_eq!(h.run(&["PERSIST", "a"]), int(0));
        assert_eq!(h.run(&["PERSIST", "nokey"]), int(0));
        h.run(&["EXPIRE", "a", "10"]);
        events(&mut h);
        assert_eq!(h.run(&["PERSIST", "a"]), int(1));
        assert_eq!(h.run(&["TTL", "a"]), int(-1));
        assert_eq!(events(&mut h), vec![("persist".into(), 0, "a".into())]);
        assert_eq!(h.core.dbs.db(0).unwrap().expires_len(), 0);
    }

    #[test]
    fn handlers_exist_in_the_spec() {
        let h = Harness::new();
        for (name, _) in HANDLERS {
            let mut parts = name.split('|');
            let top = parts.next().unwrap();
            assert!(h.core.registry.get(top.as_bytes()).is_some(), "{name}");
        }
    }
}
