//! The string command group: GET/SET and their variants, MGET/MSET, APPEND, ranges, counters,
//! INCRBYFLOAT and LCS, following Redis 7.0.15's t_string.c.
//!
//! SET, SETNX, SETEX and PSETEX share [`set_generic`]; SET and GETEX share the option parser
//! [`parse_extended`], which accepts exactly the combinations Redis does (a repeated option is
//! fine, a conflicting one is a syntax error). Encodings after each write are decided in
//! `types::string` and match OBJECT ENCODING on Redis.
//!
//! Side effects, as Redis records them: every write calls `ctx.touched` once per key changed and
//! emits the keyspace events Redis emits ("new" when a key is created, then "set", "append",
//! "setrange", "incrby", "incrbyfloat", "expire", "persist", "del"). Commands whose replicated form
//! differs from the request call `ctx.propagate` with it: SET/SETEX/PSETEX with an expiry go out as
//! `SET key value PXAT ms`, SET ... GET without an expiry drops its GET words, GETSET goes out as
//! SET, INCRBYFLOAT as `SET key value KEEPTTL`, GETDEL as DEL/UNLINK, GETEX as PEXPIREAT, PERSIST
//! or DEL/UNLINK. Everything else replicates as received.

use bytes::Bytes;

use super::args::{arg, c_is, parse_i64};
use super::error::CmdError;
use super::{Core, Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_NEW, NOTIFY_STRING};
use crate::types::string::{self as strtype, LcsError, StrValue};
use crate::types::value::Value;
use crate::util::num::{self, LongDouble};

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("get", get),
    ("set", set),
    ("setnx", setnx),
    ("setex", setex),
    ("psetex", psetex),
    ("getex", getex),
    ("getdel", getdel),
    ("getset", getset),
    ("mget", mget),
    ("mset", mset),
    ("msetnx", msetnx),
    ("append", append),
    ("strlen", strlen),
    ("getrange", getrange),
    ("substr", getrange),
    ("setrange", setrange),
    ("incr", incr),
    ("decr", decr),
    ("incrby", incrby),
    ("decrby", decrby),
    ("incrbyfloat", incrbyfloat),
    ("lcs", lcs),
];

// Option bits of SET and GETEX (Redis's OBJ_* flags).
const NX: u32 = 1 << 0;
const XX: u32 = 1 << 1;
const EX: u32 = 1 << 2;
const PX: u32 = 1 << 3;
const KEEPTTL: u32 = 1 << 4;
const GET: u32 = 1 << 5;
const EXAT: u32 = 1 << 6;
const PXAT: u32 = 1 << 7;
const PERSIST: u32 = 1 << 8;
const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;

/// Which command [`parse_extended`] parses for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Set,
    GetEx,
}

/// SET's and GETEX's options: flag bits and the expiry argument, if any.
struct Extended<'a> {
    flags: u32,
    expire: Option<&'a [u8]>,
}

/// GET key
fn get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    reply_value(ctx, arg(argv, 1))
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL]
fn set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let opts = parse_extended(argv, Family::Set)?;
    set_generic(ctx, argv, opts, arg(argv, 2), Answer::Ok)
}

/// SETNX key value
fn setnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let opts = Extended {
        flags: NX,
        expire: None,
    };
    set_generic(ctx, argv, opts, arg(argv, 2), Answer::OneZero)
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let opts = Extended {
        flags: EX,
        expire: Some(arg(argv, 2)),
    };
    set_generic(ctx, argv, opts, arg(argv, 3), Answer::Ok)
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let opts = Extended {
        flags: PX,
        expire: Some(arg(argv, 2)),
    };
    set_generic(ctx, argv, opts, arg(argv, 3), Answer::Ok)
}

/// How a SET variant answers when it stores (and when NX/XX stop it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// `+OK`, or a null when NX/XX stop it.
    Ok,
    /// `:1`, or `:0` when NX stops it (SETNX).
    OneZero,
}

/// Redis's setGenericCommand: validates the expiry, answers GET, applies NX/XX, stores.
fn set_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    opts: Extended<'_>,
    value: &[u8],
    answer: Answer,
) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let when = match opts.expire {
        Some(e) => Some(expire_at(argv, e, opts.flags, ctx.now_ms)?),
        None => None,
    };
    if opts.flags & GET != 0 {
        reply_value(ctx, key)?;
    }
    let found = ctx.exists_for_write(key);
    if (opts.flags & NX != 0 && found) || (opts.flags & XX != 0 && !found) {
        if opts.flags & GET == 0 {
            match answer {
                Answer::Ok => ctx.reply.null(),
                Answer::OneZero => ctx.reply.int(0),
            }
        }
        return Ok(());
    }
    store(
        ctx,
        key,
        StrValue::from_set(value),
        opts.flags & KEEPTTL != 0,
    );
    ctx.notify(NOTIFY_STRING, "set", key);
    if let Some(when) = when {
        let db = ctx.db();
        ctx.core.dbs.set_expire(db, key, Some(when));
        ctx.propagate(vec![
            Bytes::from_static(b"SET"),
            Bytes::copy_from_slice(key),
            Bytes::copy_from_slice(value),
            Bytes::from_static(b"PXAT"),
            int_bytes(when),
        ]);
        ctx.notify(NOTIFY_GENERIC, "expire", key);
    }
    if opts.flags & GET == 0 {
        match answer {
            Answer::Ok => ctx.reply.ok(),
            Answer::OneZero => ctx.reply.int(1),
        }
    } else if when.is_none() {
        // Replicas get the command without its GET words (which may be repeated).
        let kept = argv
            .iter()
            .enumerate()
            .filter(|(j, a)| *j < 3 || !c_is(a, "get"));
        ctx.propagate(kept.map(|(_, a)| a.clone()).collect());
    }
    Ok(())
}

/// GETEX key [EX s | PX ms | EXAT ts | PXAT ts-ms | PERSIST]
fn getex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let opts = parse_extended(argv, Family::GetEx)?;
    let key = arg(argv, 1);
    let (db, now) = (ctx.db(), ctx.now_ms);
    // Validated now, reported only after the lookup and the type check, as Redis orders them.
    let when = opts.expire.map(|e| expire_at(argv, e, opts.flags, now));
    let Some(entry) = ctx.core.dbs.lookup_read_inline(db, key, now) else {
        ctx.reply.null();
        return Ok(());
    };
    let s = as_str(&entry.value).ok_or(CmdError::WrongType)?;
    let when = when.transpose()?;
    let mut buf = [0u8; 20];
    ctx.reply.bulk(s.bytes(&mut buf));
    let absolute = opts.flags & (EXAT | PXAT) != 0;
    match when {
        Some(when) if absolute && when <= now && !ctx.core.dbs.is_replica => {
            // An absolute time already past deletes the key, as an expiry would.
            let lazy = ctx.core.config.lazyfree_lazy_expire;
            ctx.core.dbs.delete(db, key, lazy);
            ctx.propagate(vec![del_word(lazy), Bytes::copy_from_slice(key)]);
            ctx.touched(key);
            ctx.notify(NOTIFY_GENERIC, "del", key);
        }
        Some(when) => {
            ctx.core.dbs.set_expire(db, key, Some(when));
            // Every form replicates as PEXPIREAT (checked on redis-server 7.0.15).
            ctx.propagate(vec![
                Bytes::from_static(b"PEXPIREAT"),
                Bytes::copy_from_slice(key),
                int_bytes(when),
            ]);
            ctx.touched(key);
            ctx.notify(NOTIFY_GENERIC, "expire", key);
        }
        None if opts.flags & PERSIST != 0 && ctx.core.dbs.expire_of(db, key).is_some() => {
            ctx.core.dbs.set_expire(db, key, None);
            ctx.touched(key);
            ctx.propagate(vec![
                Bytes::from_static(b"PERSIST"),
                Bytes::copy_from_slice(key),
            ]);
            ctx.notify(NOTIFY_GENERIC, "persist", key);
        }
        None => {}
    }
    Ok(())
}

/// GETDEL key
fn getdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    reply_value(ctx, key)?;
    let lazy = ctx.core.config.lazyfree_lazy_user_del;
    let db = ctx.db();
    if ctx.core.dbs.delete(db, key, lazy) {
        ctx.propagate(vec![del_word(lazy), Bytes::copy_from_slice(key)]);
        ctx.touched(key);
        ctx.notify(NOTIFY_GENERIC, "del", key);
    }
    Ok(())
}

/// GETSET key value
fn getset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (key, value) = (arg(argv, 1), arg(argv, 2));
    reply_value(ctx, key)?;
    store(ctx, key, StrValue::from_set(value), false);
    ctx.notify(NOTIFY_STRING, "set", key);
    let mut out = argv.to_vec();
    if let Some(first) = out.first_mut() {
        *first = Bytes::from_static(b"SET");
    }
    ctx.propagate(out);
    Ok(())
}

/// MGET key [key ...]
fn mget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let keys = argv.get(1..).unwrap_or_default();
    let (db, now) = (ctx.db(), ctx.now_ms);
    ctx.reply.array_len(keys.len());
    let mut buf = [0u8; 20];
    for key in keys {
        match ctx
            .core
            .dbs
            .lookup_read_inline(db, key, now)
            .and_then(|e| as_str(&e.value))
        {
            Some(s) => ctx.reply.bulk(s.bytes(&mut buf)),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// MSET key value [key value ...]
fn mset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    mset_generic(ctx, argv, false)
}

/// MSETNX key value [key value ...]
fn msetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    mset_generic(ctx, argv, true)
}

/// Redis's msetGenericCommand: MSETNX stores nothing if any key exists.
fn mset_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], nx: bool) -> Result<(), CmdError> {
    if argv.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        return Err(CmdError::WrongArity(name.to_string()));
    }
    let pairs = argv.get(1..).unwrap_or_default();
    if nx {
        for key in pairs.iter().step_by(2) {
            if ctx.exists_for_write(key) {
                ctx.reply.int(0);
                return Ok(());
            }
        }
    }
    for pair in pairs.chunks_exact(2) {
        if let [key, value] = pair {
            store(ctx, key, StrValue::from_set(value), false);
            ctx.notify(NOTIFY_STRING, "set", key);
        }
    }
    if nx {
        ctx.reply.int(1)
    } else {
        ctx.reply.ok()
    }
    Ok(())
}

/// APPEND key value
fn append(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (key, value) = (arg(argv, 1), arg(argv, 2));
    let max = ctx.core.config.proto_max_bulk_len;
    let total = match ctx.lookup_write_inline(key) {
        None => {
            let v = StrValue::from_set(value);
            let len = v.len();
            store(ctx, key, v, false);
            len
        }
        Some(entry) => {
            let s = as_str_mut(&mut entry.value).ok_or(CmdError::WrongType)?;
            check_length(s.len(), value.len(), max)?;
            let len = s.append(value);
            ctx.touched(key);
            len
        }
    };
    ctx.notify(NOTIFY_STRING, "append", key);
    ctx.reply.int(len_i64(total));
    Ok(())
}

/// STRLEN key
fn strlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let len = match ctx.lookup_read_inline(arg(argv, 1)) {
        None => 0,
        Some(e) => as_str(&e.value).ok_or(CmdError::WrongType)?.len(),
    };
    ctx.reply.int(len_i64(len));
    Ok(())
}

/// GETRANGE key start end (and its old name SUBSTR)
fn getrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let start = parse_i64(arg(argv, 2))?;
    let end = parse_i64(arg(argv, 3))?;
    let (db, now) = (ctx.db(), ctx.now_ms);
    let Some(entry) = ctx.core.dbs.lookup_read_inline(db, arg(argv, 1), now) else {
        ctx.reply.bulk(b"");
        return Ok(());
    };
    let s = as_str(&entry.value).ok_or(CmdError::WrongType)?;
    let mut buf = [0u8; 20];
    ctx.reply
        .bulk(strtype::range(s.bytes(&mut buf), start, end));
    Ok(())
}

/// SETRANGE key offset value
fn setrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (key, value) = (arg(argv, 1), arg(argv, 3));
    let offset = parse_i64(arg(argv, 2))?;
    let offset =
        usize::try_from(offset).map_err(|_| CmdError::Static("ERR offset is out of range"))?;
    let max = ctx.core.config.proto_max_bulk_len;
    let (db, now) = (ctx.db(), ctx.now_ms);
    let len = match ctx.core.dbs.lookup_write_inline(db, key, now) {
        None => {
            if value.is_empty() {
                ctx.reply.int(0);
                return Ok(());
            }
            check_length(offset, value.len(), max)?;
            let v = StrValue::zero_padded(offset, value);
            let len = v.len();
            store(ctx, key, v, false);
            len
        }
        Some(entry) => {
            let s = as_str_mut(&mut entry.value).ok_or(CmdError::WrongType)?;
            if value.is_empty() {
                let len = s.len();
                ctx.reply.int(len_i64(len));
                return Ok(());
            }
            check_length(offset, value.len(), max)?;
            let len = s.set_range(offset, value);
            ctx.touched(key);
            len
        }
    };
    ctx.notify(NOTIFY_STRING, "setrange", key);
    ctx.reply.int(len_i64(len));
    Ok(())
}

/// INCR key
fn incr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    incr_generic(ctx, arg(argv, 1), 1)
}

/// DECR key
fn decr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    incr_generic(ctx, arg(argv, 1), -1)
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let by = parse_i64(arg(argv, 2))?;
    incr_generic(ctx, arg(argv, 1), by)
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let by = parse_i64(arg(argv, 2))?;
    let by = by
        .checked_neg()
        .ok_or(CmdError::Static("ERR decrement would overflow"))?;
    incr_generic(ctx, arg(argv, 1), by)
}

/// Redis's incrDecrCommand: the result is always stored `int`, keeping the key's TTL.
fn incr_generic(ctx: &mut Ctx<'_>, key: &[u8], by: i64) -> Result<(), CmdError> {
    let value = match ctx.lookup_write_inline(key) {
        None => {
            store(ctx, key, StrValue::Int(by), false);
            by
        }
        Some(entry) => {
            let s = as_str_mut(&mut entry.value).ok_or(CmdError::WrongType)?;
            let old = s.as_i64().ok_or(CmdError::NotInteger)?;
            let new = old.checked_add(by).ok_or(CmdError::Overflow)?;
            *s = StrValue::Int(new);
            ctx.touched(key);
            new
        }
    };
    ctx.notify(NOTIFY_STRING, "incrby", key);
    ctx.reply.int(value);
    Ok(())
}

/// INCRBYFLOAT key increment
fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let key = arg(argv, 1);
    let (current, exists) = match ctx.lookup_write_inline(key) {
        None => (LongDouble::ZERO, false),
        Some(e) => {
            let s = as_str(&e.value).ok_or(CmdError::WrongType)?;
            (s.as_long_double().ok_or(CmdError::NotFloat)?, true)
        }
    };
    let by = LongDouble::parse(arg(argv, 2)).ok_or(CmdError::NotFloat)?;
    let sum = current.add(by);
    if !sum.is_finite() {
        return Err(CmdError::NanOrInfinity);
    }
    let text = sum.format_human();
    store(ctx, key, StrValue::created(text.as_bytes()), exists);
    ctx.notify(NOTIFY_STRING, "incrbyfloat", key);
    ctx.reply.bulk(text.as_bytes());
    // Replicas and the AOF get the result, so float formatting can never make them diverge.
    ctx.propagate(vec![
        Bytes::from_static(b"SET"),
        Bytes::copy_from_slice(key),
        Bytes::from(text.into_bytes()),
        Bytes::from_static(b"KEEPTTL"),
    ]);
    Ok(())
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
fn lcs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let a = read_for_lcs(ctx, arg(argv, 1))?;
    let b = read_for_lcs(ctx, arg(argv, 2))?;
    let (mut idx, mut len, mut with_len, mut min_len) = (false, false, false, 0i64);
    let mut j = 3;
    while let Some(opt) = argv.get(j) {
        let more = argv.len() - 1 - j;
        if c_is(opt, "IDX") {
            idx = true;
        } else if c_is(opt, "LEN") {
            len = true;
        } else if c_is(opt, "WITHMATCHLEN") {
            with_len = true;
        } else if c_is(opt, "MINMATCHLEN") && more > 0 {
            min_len = parse_i64(arg(argv, j + 1))?.max(0);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if idx && len {
        return Err(CmdError::Static(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    let max = u64::try_from(ctx.core.config.proto_max_bulk_len).unwrap_or(0);
    let min_len = u64::try_from(min_len).unwrap_or(0);
    let out = strtype::lcs(&a, &b, idx || !len, idx, min_len, max).map_err(|e| match e {
        LcsError::TooLong => CmdError::Static("ERR String too long for LCS"),
        LcsError::TableTooBig => CmdError::Static(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ),
        LcsError::NoMemory => {
            CmdError::Static("ERR Insufficient memory, failed allocating transient memory for LCS")
        }
    })?;
    let r = &mut *ctx.reply;
    if idx {
        r.map_len(2);
        r.bulk(b"matches");
        r.array_len(out.matches.len());
        for m in &out.matches {
            r.array_len(if with_len { 3 } else { 2 });
            r.array_len(2);
            r.int(i64::from(m.a.0));
            r.int(i64::from(m.a.1));
            r.array_len(2);
            r.int(i64::from(m.b.0));
            r.int(i64::from(m.b.1));
            if with_len {
                r.int(i64::from(m.len));
            }
        }
        r.bulk(b"len");
        r.int(i64::from(out.len));
    } else if len {
        r.int(i64::from(out.len));
    } else {
        r.bulk(&out.string);
    }
    Ok(())
}

/// A key's string for LCS: empty when missing, Redis's LCS-specific error for other types.
fn read_for_lcs(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Vec<u8>, CmdError> {
    match ctx.lookup_read_inline(key) {
        None => Ok(Vec::new()),
        Some(e) => as_str(&e.value)
            .map(StrValue::to_vec)
            .ok_or(CmdError::Static(
                "ERR The specified keys must contain string values",
            )),
    }
}

/// Redis's parseExtendedStringArgumentsOrReply for SET (from argv[3]) and GETEX (from argv[2]).
///
/// Options are matched as C strings (up to a NUL byte) without regard to case. An option may be
/// repeated, but never combined with one it conflicts with; an expiry option needs its argument.
fn parse_extended(argv: &[Bytes], family: Family) -> Result<Extended<'_>, CmdError> {
    let mut flags = 0u32;
    let mut expire = None;
    let mut j = if family == Family::GetEx { 2 } else { 3 };
    let set = family == Family::Set;
    while let Some(opt) = argv.get(j) {
        let next = argv.get(j + 1).map(|b| b.as_ref());
        // An expiry option excludes the other three, KEEPTTL and PERSIST, but not itself.
        let expiry_ok = |bit: u32| flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & !bit)) == 0;
        if c_is(opt, "NX") && set && flags & XX == 0 {
            flags |= NX;
        } else if c_is(opt, "XX") && set && flags & NX == 0 {
            flags |= XX;
        } else if c_is(opt, "GET") && set {
            flags |= GET;
        } else if c_is(opt, "KEEPTTL") && set && flags & (PERSIST | ANY_EXPIRE) == 0 {
            flags |= KEEPTTL;
        } else if c_is(opt, "PERSIST") && !set && flags & (KEEPTTL | ANY_EXPIRE) == 0 {
            flags |= PERSIST;
        } else if let Some(bit) = [("EX", EX), ("PX", PX), ("EXAT", EXAT), ("PXAT", PXAT)]
            .iter()
            .find(|(w, b)| c_is(opt, w) && expiry_ok(*b) && next.is_some())
            .map(|(_, b)| *b)
        {
            flags |= bit;
            expire = next;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(Extended { flags, expire })
}

/// Redis's getExpireMillisecondsOrReply: the absolute expiry time in unix ms for an EX/PX/EXAT/
/// PXAT argument, refusing values <= 0 and anything that overflows.
fn expire_at(argv: &[Bytes], arg: &[u8], flags: u32, now_ms: i64) -> Result<i64, CmdError> {
    let invalid = || {
        CmdError::InvalidExpire(
            String::from_utf8_lossy(argv.first().map(|b| b.as_ref()).unwrap_or_default())
                .to_ascii_lowercase(),
        )
    };
    let n = parse_i64(arg)?;
    let seconds = flags & (EX | EXAT) != 0;
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { n * 1000 } else { n };
    let ms = if flags & (EX | PX) != 0 {
        ms.checked_add(now_ms)
    } else {
        Some(ms)
    };
    match ms {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(invalid()),
    }
}

/// Answers with a key's string value or a null (Redis's getGenericCommand).
fn reply_value(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<(), CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    match read_str(ctx.core, db, key, now)? {
        Some(s) => {
            let mut buf = [0u8; 20];
            ctx.reply.bulk(s.bytes(&mut buf));
        }
        None => ctx.reply.null(),
    }
    Ok(())
}

/// A key's string for reading; WRONGTYPE if it holds another type.
fn read_str<'c>(
    core: &'c mut Core,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'c StrValue>, CmdError> {
    match core.dbs.lookup_read_inline(db, key, now) {
        None => Ok(None),
        Some(e) => as_str(&e.value).map(Some).ok_or(CmdError::WrongType),
    }
}

/// Stores a string (Redis's setKey / dbAdd / dbOverwrite): emits "new" for a created key and
/// counts the change; `keep_ttl` keeps an existing expiry time.
pub(super) fn store(ctx: &mut Ctx<'_>, key: &[u8], value: StrValue, keep_ttl: bool) {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let existed = ctx.core.dbs.set(db, key, Value::Str(value), keep_ttl, now);
    if !existed {
        ctx.notify(NOTIFY_NEW, "new", key);
    }
    ctx.touched(key);
}

/// The string in a value, if it is one.
#[allow(unreachable_patterns)]
fn as_str(v: &Value) -> Option<&StrValue> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// The string in a value for modification, if it is one.
#[allow(unreachable_patterns)]
fn as_str_mut(v: &mut Value) -> Option<&mut StrValue> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Redis's checkStringLength: refuses a string of `size + append` bytes past proto-max-bulk-len.
fn check_length(size: usize, append: usize, max: i64) -> Result<(), CmdError> {
    let total = (size as u128) + (append as u128);
    if total > u128::try_from(max).unwrap_or(0) {
        return Err(CmdError::StringTooLong);
    }
    Ok(())
}

/// DEL or UNLINK, by whether the deletion was lazy.
fn del_word(lazy: bool) -> Bytes {
    Bytes::from_static(if lazy { b"UNLINK" } else { b"DEL" })
}

/// An integer as a bulk argument.
fn int_bytes(n: i64) -> Bytes {
    let mut buf = [0u8; 20];
    Bytes::copy_from_slice(num::fmt_i64(n, &mut buf))
}

/// A length as a reply integer.
fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::config::NOTIFY_ALL;
    use crate::protocol::value::Reply;

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    fn ok() -> Reply {
        Reply::simple("OK")
    }

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn arr(items: Vec<Reply>) -> Reply {
        Reply::Array(items)
    }

    /// Runs `(command, expected reply)` pairs in order.
    fn script(h: &mut Harness, steps: &[(&str, Reply)]) {
        for (line, want) in steps {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(&h.run(&words), want, "{line}");
        }
    }

    fn encoding(h: &Harness, key: &str) -> &'static str {
        h.core
            .dbs
            .db(0)
            .unwrap()
            .get(key.as_bytes())
            .unwrap()
            .value
            .encoding()
    }

    fn ttl(h: &Harness, key: &str) -> Option<i64> {
        h.core
            .dbs
            .expire_of(0, key.as_bytes())
            .map(|w| w - h.now_ms)
    }

    /// A harness recording propagation and every keyspace event class.
    fn recording() -> Harness {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h.core.effects.notify_classes = NOTIFY_ALL | NOTIFY_NEW;
        h
    }

    /// Makes `key` hold a non-string value if a command for one exists yet.
    fn make_list(h: &mut Harness, key: &str) -> bool {
        h.run(&["RPUSH", key, "a"]) == int(1)
    }

    #[test]
    fn set_and_get() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("GET k", Reply::Null),
                ("SET k v", ok()),
                ("GET k", bulk("v")),
                ("SET k 123", ok()),
                ("GET k", bulk("123")),
                ("set k v2 get", bulk("123")),
                ("GET k", bulk("v2")),
            ],
        );
    }

    #[test]
    fn set_nx_xx_get_combinations() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("SET k v NX GET", Reply::Null),
                ("SET k v2 NX GET", bulk("v")),
                ("GET k", bulk("v")),
                ("SET k v2 NX", Reply::Null),
                ("SET x v XX", Reply::Null),
                ("SET x v XX GET", Reply::Null),
                ("GET x", Reply::Null),
                ("SET k v3 XX GET", bulk("v")),
                ("SET k v4 XX", ok()),
                ("SET k v5 GET GET", bulk("v4")),
                ("SET k v NX NX", Reply::Null),
                ("SET k v XX XX KEEPTTL KEEPTTL", ok()),
                ("SET k v EX 10 EX 20", ok()),
            ],
        );
        assert_eq!(ttl(&h, "k"), Some(20_000));
    }

    #[test]
    fn set_option_errors() {
        let mut h = Harness::new();
        let invalid = err("ERR invalid expire time in 'set' command");
        script(
            &mut h,
            &[
                ("SET k v NX XX", err("ERR syntax error")),
                ("SET k v XX NX", err("ERR syntax error")),
                ("SET k v EX 10 PX 10", err("ERR syntax error")),
                ("SET k v EX 10 EXAT 10", err("ERR syntax error")),
                ("SET k v PXAT 10 PX 10", err("ERR syntax error")),
                ("SET k v KEEPTTL EX 10", err("ERR syntax error")),
                ("SET k v EX 10 KEEPTTL", err("ERR syntax error")),
                ("SET k v PERSIST", err("ERR syntax error")),
                ("SET k v EX", err("ERR syntax error")),
                ("SET k v FOO", err("ERR syntax error")),
                (
                    "SET k v EX abc",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "SET k v EX 1.5",
                    err("ERR value is not an integer or out of range"),
                ),
                ("SET k v EX 0", invalid.clone()),
                ("SET k v EX -1", invalid.clone()),
                ("SET k v PX 0", invalid.clone()),
                ("SET k v PXAT -5", invalid.clone()),
                ("SET k v EXAT 0", invalid.clone()),
                ("SET k v EX 9223372036854775807", invalid.clone()),
                ("SET k v EXAT 9223372036854775807", invalid.clone()),
                ("SET k v PX 9223372036854775807", invalid.clone()),
                ("SET k v PXAT 9223372036854775807", ok()),
                ("GET k", bulk("v")),
            ],
        );
        // Nothing was stored by the refused commands.
        assert_eq!(h.core.dbs.db(0).unwrap().len(), 1);
    }

    #[test]
    fn set_options_match_as_c_strings() {
        let mut h = Harness::new();
        let argv: Vec<Bytes> = ["SET", "k", "v", "nx\0junk"]
            .iter()
            .map(|s| Bytes::from(*s))
            .collect();
        assert_eq!(h.run_argv(&argv), ok());
        assert_eq!(h.run_argv(&argv), Reply::Null);
    }

    #[test]
    fn set_expiry_options() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v", "EX", "100"]);
        assert_eq!(ttl(&h, "k"), Some(100_000));
        h.run(&["SET", "k", "v", "PX", "1500"]);
        assert_eq!(ttl(&h, "k"), Some(1500));
        h.run(&["SET", "k", "v", "EXAT", "5000"]);
        assert_eq!(h.core.dbs.expire_of(0, b"k"), Some(5_000_000));
        h.run(&["SET", "k", "v2", "KEEPTTL"]);
        assert_eq!(h.core.dbs.expire_of(0, b"k"), Some(5_000_000));
        h.run(&["SET", "k", "v3"]);
        assert_eq!(ttl(&h, "k"), None);
        h.run(&["SET", "k", "v", "PXAT", "1000500"]);
        h.advance(500);
        assert_eq!(h.run(&["GET", "k"]), bulk("v"));
        h.advance(1);
        assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    }

    #[test]
    fn setnx_setex_psetex() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("SETNX k v", int(1)),
                ("SETNX k w", int(0)),
                ("GET k", bulk("v")),
                ("SETEX k 10 w", ok()),
                ("GET k", bulk("w")),
                (
                    "SETEX k 0 v",
                    err("ERR invalid expire time in 'setex' command"),
                ),
                (
                    "SETEX k -1 v",
                    err("ERR invalid expire time in 'setex' command"),
                ),
                (
                    "SETEX k abc v",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "PSETEX k 0 v",
                    err("ERR invalid expire time in 'psetex' command"),
                ),
            ],
        );
        assert_eq!(ttl(&h, "k"), Some(10_000));
        h.run(&["PSETEX", "k", "250", "x"]);
        assert_eq!(ttl(&h, "k"), Some(250));
    }

    #[test]
    fn set_propagates_as_redis_does() {
        let mut h = recording();
        h.run(&["SET", "a", "v", "EX", "100"]);
        h.run(&["SET", "b", "v", "px", "100", "GET"]);
        h.run(&["SET", "c", "v", "GET", "get", "KEEPTTL"]);
        h.run(&["SETEX", "d", "5", "v"]);
        h.run(&["PSETEX", "e", "5", "v"]);
        h.run(&["SET", "f", "v", "EXAT", "2000"]);
        h.run(&["SET", "g", "v"]);
        assert_eq!(
            h.take_propagated(),
            vec![
                "SET a v PXAT 1100000",
                "SET b v PXAT 1000100",
                "SET c v KEEPTTL",
                "SET d v PXAT 1005000",
                "SET e v PXAT 1000005",
                "SET f v PXAT 2000000",
                "SET g v",
            ]
        );
        let ev = h.take_events();
        assert_eq!(ev.get(..3).unwrap(), ["new a", "set a", "expire a"]);
        // An aborted SET changes nothing and emits nothing.
        let dirty = h.core.dbs.dirty;
        h.run(&["SET", "a", "x", "NX"]);
        assert_eq!(h.core.dbs.dirty, dirty);
        assert!(h.take_events().is_empty());
        h.run(&["SET", "a", "x"]);
        assert_eq!(h.core.dbs.dirty, dirty + 1);
        assert_eq!(h.take_events(), ["set a"]);
    }

    #[test]
    fn encodings_follow_redis() {
        let mut h = Harness::new();
        let cases: &[(&[&str], &str, &str)] = &[
            (&["SET", "k", "123"], "k", "int"),
            (&["SET", "k", "0123"], "k", "embstr"),
            (&["SET", "k", "abc"], "k", "embstr"),
            (&["APPEND", "k", ""], "k", "raw"),
            (&["MSET", "m", "12"], "m", "int"),
            (&["MSETNX", "n", "12"], "n", "int"),
            (&["APPEND", "a", "12"], "a", "int"),
            (&["APPEND", "b", "xy"], "b", "embstr"),
            (&["APPEND", "a", "3"], "a", "raw"),
            (&["SET", "s", "abc"], "s", "embstr"),
            (&["SETRANGE", "s", "0", ""], "s", "embstr"),
            (&["SETRANGE", "s", "1", "x"], "s", "raw"),
            (&["SETRANGE", "t", "0", "12"], "t", "raw"),
            (&["GETSET", "u", "12"], "u", "int"),
            (&["INCRBYFLOAT", "v", "1e3"], "v", "embstr"),
            (&["INCR", "v"], "v", "int"),
            (&["INCRBYFLOAT", "v", "1e4000"], "v", "raw"),
            (&["SET", "w", "5"], "w", "int"),
            (&["INCRBY", "w", "100000"], "w", "int"),
            (&["SETEX", "x", "10", "7"], "x", "int"),
            (&["SETNX", "y", "7"], "y", "int"),
        ];
        for (cmd, key, enc) in cases {
            h.run(cmd);
            assert_eq!(encoding(&h, key), *enc, "{cmd:?}");
        }
        let long = "x".repeat(45);
        h.run(&["SET", "l", &long]);
        assert_eq!(encoding(&h, "l"), "raw");
        h.run(&["SET", "l", &long[..44]]);
        assert_eq!(encoding(&h, "l"), "embstr");
    }

    #[test]
    fn getex_options() {
        let mut h = recording();
        let invalid = err("ERR invalid expire time in 'getex' command");
        script(
            &mut h,
            &[
                ("GETEX nokey EX 0", Reply::Null),
                ("SET k v", ok()),
                ("GETEX k", bulk("v")),
                ("GETEX k EX 0", invalid.clone()),
                ("GETEX k EXAT -1", invalid.clone()),
                ("GETEX k PXAT 0", invalid.clone()),
                ("GETEX k EX 9223372036854775807", invalid),
                ("GETEX k EX 10 PX 10", err("ERR syntax error")),
                ("GETEX k PERSIST EX 10", err("ERR syntax error")),
                ("GETEX k EX 10 PERSIST", err("ERR syntax error")),
                ("GETEX k NX", err("ERR syntax error")),
                ("GETEX k KEEPTTL", err("ERR syntax error")),
                ("GETEX k GET", err("ERR syntax error")),
                ("GETEX k EX", err("ERR syntax error")),
                ("GETEX k PERSIST PERSIST", bulk("v")),
            ],
        );
        assert!(h.take_propagated().iter().all(|p| p.starts_with("SET")));
        h.take_events();
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["GETEX", "k", "EX", "10"]), bulk("v"));
        assert_eq!(ttl(&h, "k"), Some(10_000));
        assert_eq!(h.run(&["GETEX", "k", "PX", "10"]), bulk("v"));
        assert_eq!(ttl(&h, "k"), Some(10));
        assert_eq!(h.run(&["GETEX", "k", "EXAT", "3000"]), bulk("v"));
        assert_eq!(h.run(&["GETEX", "k", "PXAT", "3000000"]), bulk("v"));
        assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
        assert_eq!(ttl(&h, "k"), None);
        assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
        assert_eq!(h.core.dbs.dirty, dirty + 5);
        assert_eq!(
            h.take_propagated(),
            [
                "PEXPIREAT k 1010000",
                "PEXPIREAT k 1000010",
                "PEXPIREAT k 3000000",
                "PEXPIREAT k 3000000",
                "PERSIST k",
            ]
        );
        assert_eq!(
            h.take_events(),
            ["expire k", "expire k", "expire k", "expire k", "persist k"]
        );
        // An absolute time already past deletes the key.
        assert_eq!(h.run(&["GETEX", "k", "EXAT", "1"]), bulk("v"));
        assert_eq!(h.run(&["GET", "k"]), Reply::Null);
        assert_eq!(h.take_propagated(), ["DEL k"]);
        assert_eq!(h.take_events(), ["del k"]);
        h.core.config.lazyfree_lazy_expire = true;
        h.run(&["SET", "k", "v"]);
        h.run(&["GETEX", "k", "PXAT", "1000000"]);
        assert_eq!(h.take_propagated().last().unwrap(), "UNLINK k");
    }

    #[test]
    fn getdel_and_getset() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("GETDEL k", Reply::Null),
                ("SET k v EX 100", ok()),
                ("GETSET k w", bulk("v")),
                ("GETSET n 1", Reply::Null),
                ("GETDEL k", bulk("w")),
                ("GET k", Reply::Null),
                ("GETDEL k", Reply::Null),
            ],
        );
        assert_eq!(
            h.take_propagated(),
            ["SET k v PXAT 1100000", "SET k w", "SET n 1", "DEL k"]
        );
        assert_eq!(
            h.take_events(),
            [
                "new k", "set k", "expire k", "set k", "new n", "set n", "del k"
            ]
        );
        // GETSET drops the TTL.
        h.run(&["SET", "t", "v", "EX", "100"]);
        h.run(&["GETSET", "t", "v"]);
        assert_eq!(ttl(&h, "t"), None);
        h.core.config.lazyfree_lazy_user_del = true;
        h.run(&["GETDEL", "t"]);
        assert_eq!(h.take_propagated().last().unwrap(), "UNLINK t");
    }

    #[test]
    fn mget_mset_msetnx() {
        let mut h = Harness::new();
        script(
            &mut h,
            &[
                ("MSET a 1 b 2", ok()),
                ("MGET a b c", arr(vec![bulk("1"), bulk("2"), Reply::Null])),
                (
                    "MSET a 1 b",
                    err("ERR wrong number of arguments for 'mset' command"),
                ),
                ("MSETNX c 3 a 9", int(0)),
                ("GET c", Reply::Null),
                ("MSETNX c 3 d 4", int(1)),
                ("MSETNX x 1 x 2", int(1)),
                ("GET x", bulk("2")),
                (
                    "MSETNX a 1 b",
                    err("ERR wrong number of arguments for 'msetnx' command"),
                ),
            ],
        );
        let dirty = h.core.dbs.dirty;
        h.run(&["MSET", "p", "1", "q", "2", "r", "3"]);
        assert_eq!(h.core.dbs.dirty, dirty + 3);
        // MSET drops TTLs.
        h.run(&["SET", "a", "v", "EX", "10"]);
        h.run(&["MSET", "a", "w"]);
        assert_eq!(ttl(&h, "a"), None);
    }

    #[test]
    fn append_and_strlen() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("STRLEN k", int(0)),
                ("APPEND k hello", int(5)),
                ("APPEND k _world", int(11)),
                ("GET k", bulk("hello_world")),
                ("STRLEN k", int(11)),
                ("SET n -123", ok()),
                ("STRLEN n", int(4)),
                ("APPEND n 4", int(5)),
                ("GET n", bulk("-1234")),
            ],
        );
        assert_eq!(
            h.take_events(),
            [
                "new k", "append k", "append k", "new n", "set n", "append n"
            ]
        );
        h.run(&["SET", "t", "v", "EX", "10"]);
        h.run(&["APPEND", "t", "x"]);
        assert_eq!(ttl(&h, "t"), Some(10_000));
        h.core.config.proto_max_bulk_len = 10;
        assert_eq!(
            h.run(&["APPEND", "t", "123456789"]),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        );
        assert_eq!(h.run(&["APPEND", "t", "12345678"]), int(10));
    }

    #[test]
    fn getrange_and_substr() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "ohmytext"]);
        h.run(&["SET", "n", "12345"]);
        let cases: &[(&str, &str, &str)] = &[
            ("0", "-1", "ohmytext"),
            ("-3", "-1", "ext"),
            ("-1", "-5", ""),
            ("5", "2", ""),
            ("-100", "100", "ohmytext"),
            ("-9223372036854775808", "9223372036854775807", "ohmytext"),
            ("0", "-100", "o"),
            ("-100", "-200", ""),
            ("8", "10", ""),
            ("7", "7", "t"),
        ];
        for (a, b, want) in cases {
            assert_eq!(h.run(&["GETRANGE", "k", a, b]), bulk(want), "{a} {b}");
        }
        script(
            &mut h,
            &[
                ("GETRANGE n 1 2", bulk("23")),
                ("SUBSTR k 0 2", bulk("ohm")),
                ("GETRANGE none 0 -1", bulk("")),
                (
                    "GETRANGE k a 1",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "GETRANGE none 0 b",
                    err("ERR value is not an integer or out of range"),
                ),
            ],
        );
        h.run(&["SET", "e", ""]);
        assert_eq!(h.run(&["GETRANGE", "e", "0", "-1"]), bulk(""));
    }

    #[test]
    fn setrange() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("SETRANGE k -1 x", err("ERR offset is out of range")),
                ("SETRANGE k 0 ", int(0)),
                ("GET k", Reply::Null),
                ("SETRANGE k 3 abc", int(6)),
                ("GET k", Reply::bulk(b"\0\0\0abc")),
                ("SETRANGE k 1 xxxxxxx", int(8)),
                ("GET k", Reply::bulk(b"\0xxxxxxx")),
                ("SETRANGE k 100 ", int(8)),
                ("SETRANGE k 1 ab", int(8)),
                ("GET k", Reply::bulk(b"\0abxxxxx")),
                ("SET n 123", ok()),
                ("SETRANGE n 1 9", int(3)),
                ("GET n", bulk("193")),
                (
                    "SETRANGE k x y",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "SETRANGE k 536870912 x",
                    err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
                ),
                (
                    "SETRANGE big 536870912 x",
                    err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
                ),
                (
                    "SETRANGE k 9223372036854775807 x",
                    err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
                ),
            ],
        );
        let ev = h.take_events();
        assert_eq!(ev.get(..3).unwrap(), ["new k", "setrange k", "setrange k"]);
    }

    #[test]
    fn incr_family() {
        let mut h = recording();
        script(
            &mut h,
            &[
                ("INCR k", int(1)),
                ("INCRBY k 10", int(11)),
                ("DECR k", int(10)),
                ("DECRBY k 20", int(-10)),
                (
                    "INCRBY k abc",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "DECRBY k -9223372036854775808",
                    err("ERR decrement would overflow"),
                ),
                ("SET m 9223372036854775807", ok()),
                ("INCR m", err("ERR increment or decrement would overflow")),
                ("DECR m", int(9223372036854775806)),
                ("SET m -9223372036854775808", ok()),
                ("DECR m", err("ERR increment or decrement would overflow")),
                ("INCRBY x 9223372036854775807", int(i64::MAX)),
                (
                    "INCRBY x 1",
                    err("ERR increment or decrement would overflow"),
                ),
                ("SET s abc", ok()),
                ("INCR s", err("ERR value is not an integer or out of range")),
                ("SET s 0123", ok()),
                ("INCR s", err("ERR value is not an integer or out of range")),
                ("SET s -0", ok()),
                ("INCR s", err("ERR value is not an integer or out of range")),
                ("SET s 1.0", ok()),
                ("DECR s", err("ERR value is not an integer or out of range")),
                ("APPEND r 5", int(1)),
                ("APPEND r 5", int(2)),
                ("INCR r", int(56)),
            ],
        );
        let ev = h.take_events();
        assert_eq!(ev.get(..3).unwrap(), ["new k", "incrby k", "incrby k"]);
        h.take_propagated();
        h.run(&["SET", "t", "1", "EX", "10"]);
        h.run(&["INCR", "t"]);
        assert_eq!(ttl(&h, "t"), Some(10_000));
        // INCR replicates as received.
        assert_eq!(h.take_propagated(), ["SET t 1 PXAT 1010000", "INCR t"]);
    }

    #[test]
    fn incrbyfloat_is_exact() {
        let mut h = recording();
        let huge = "179769313486231569995921046774104434048386446944329178485314420765176628523\
                    124396354701868608387085564428793419425520689308708363451136055357897278026\
                    477617073498977686288394835618163294045594434929537447290627480669417384648\
                    879122776218333598953852832103282504751611691208117720159985926376802466863\
                    339536384";
        script(
            &mut h,
            &[
                ("SET f 0.1", ok()),
                ("INCRBYFLOAT f 0.2", bulk("0.3")),
                ("SET a 10.5", ok()),
                ("INCRBYFLOAT a 0.1", bulk("10.6")),
                ("INCRBYFLOAT a -10.6", bulk("0")),
                ("INCRBYFLOAT b 1.1e-5", bulk("0.000011")),
                ("INCRBYFLOAT c 0x10", bulk("16")),
                (
                    "INCRBYFLOAT e 1e5000",
                    err("ERR value is not a valid float"),
                ),
                ("INCRBYFLOAT g 5.0e3", bulk("5000")),
                ("INCRBYFLOAT g 1.7976931348623157e308", bulk(huge)),
                ("SET i 9223372036854775807", ok()),
                ("INCRBYFLOAT i 1", bulk("9223372036854775808")),
                ("INCRBYFLOAT h -0", bulk("0")),
                (
                    "INCRBYFLOAT h inf",
                    err("ERR increment would produce NaN or Infinity"),
                ),
                ("INCRBYFLOAT h abc", err("ERR value is not a valid float")),
                ("INCRBYFLOAT h nan", err("ERR value is not a valid float")),
                ("SET s abc", ok()),
                ("INCRBYFLOAT s 1", err("ERR value is not a valid float")),
                ("SET x 10", ok()),
                ("INCRBYFLOAT x 1.5", bulk("11.5")),
            ],
        );
        assert_eq!(
            h.run(&["INCRBYFLOAT", "d", " 1"]),
            err("ERR value is not a valid float")
        );
        h.take_propagated();
        h.take_events();
        h.run(&["SET", "t", "1.5", "EX", "10"]);
        assert_eq!(h.run(&["INCRBYFLOAT", "t", "1"]), bulk("2.5"));
        assert_eq!(ttl(&h, "t"), Some(10_000));
        assert_eq!(
            h.take_propagated(),
            ["SET t 1.5 PXAT 1010000", "SET t 2.5 KEEPTTL"]
        );
        assert_eq!(
            h.take_events(),
            ["new t", "set t", "expire t", "incrbyfloat t"]
        );
    }

    #[test]
    fn lcs_replies() {
        let mut h = Harness::new();
        h.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
        let m = |a: (i64, i64), b: (i64, i64), len: Option<i64>| {
            let mut v = vec![arr(vec![int(a.0), int(a.1)]), arr(vec![int(b.0), int(b.1)])];
            v.extend(len.map(int));
            arr(v)
        };
        let idx = |matches: Vec<Reply>, len: i64| {
            Reply::Map(vec![
                (bulk("matches"), arr(matches)),
                (bulk("len"), int(len)),
            ])
        };
        script(
            &mut h,
            &[
                ("LCS a b", bulk("mytext")),
                ("LCS a b LEN", int(6)),
                ("LCS a b len WITHMATCHLEN", int(6)),
                ("LCS a b WITHMATCHLEN MINMATCHLEN -5", bulk("mytext")),
                (
                    "LCS a b IDX",
                    idx(vec![m((4, 7), (5, 8), None), m((2, 3), (0, 1), None)], 6),
                ),
                (
                    "LCS a b IDX MINMATCHLEN 4",
                    idx(vec![m((4, 7), (5, 8), None)], 6),
                ),
                (
                    "LCS a b IDX MINMATCHLEN 2 WITHMATCHLEN",
                    idx(
                        vec![m((4, 7), (5, 8), Some(4)), m((2, 3), (0, 1), Some(2))],
                        6,
                    ),
                ),
                ("LCS x y", bulk("")),
                ("LCS x y IDX", idx(vec![], 0)),
                ("LCS a b FOO", err("ERR syntax error")),
                ("LCS a b MINMATCHLEN", err("ERR syntax error")),
                (
                    "LCS a b MINMATCHLEN x",
                    err("ERR value is not an integer or out of range"),
                ),
                (
                    "LCS a b IDX LEN",
                    err("ERR If you want both the length and indexes, please just use IDX."),
                ),
                ("LCS a a", bulk("ohmytext")),
            ],
        );
        h.core.config.proto_max_bulk_len = 1 << 20;
        h.run(&["SET", "la", &"a".repeat(600)]);
        h.run(&["SET", "lb", &"a".repeat(600)]);
        assert_eq!(
            h.run(&["LCS", "la", "lb", "LEN"]),
            err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        );
        h.run(&["SET", "lb", &"a".repeat(400)]);
        assert_eq!(h.run(&["LCS", "la", "lb", "LEN"]), int(400));
    }

    #[test]
    fn wrong_type_errors() {
        let mut h = Harness::new();
        if !make_list(&mut h, "l") {
            eprintln!("no list type yet: WRONGTYPE cases skipped");
            return;
        }
        let wt = err(WRONGTYPE);
        script(
            &mut h,
            &[
                ("GET l", wt.clone()),
                ("SET l v GET", wt.clone()),
                (
                    "SET l v EX 0 GET",
                    err("ERR invalid expire time in 'set' command"),
                ),
                (
                    "SET l v EX abc GET",
                    err("ERR value is not an integer or out of range"),
                ),
                ("GETEX l", wt.clone()),
                ("GETEX l EX 0", wt.clone()),
                ("GETDEL l", wt.clone()),
                ("GETSET l v", wt.clone()),
                ("APPEND l v", wt.clone()),
                ("STRLEN l", wt.clone()),
                ("GETRANGE l 0 1", wt.clone()),
                (
                    "GETRANGE l a 1",
                    err("ERR value is not an integer or out of range"),
                ),
                ("SETRANGE l 0 x", wt.clone()),
                ("SETRANGE l 0 ", wt.clone()),
                ("SETRANGE l -1 x", err("ERR offset is out of range")),
                ("INCR l", wt.clone()),
                (
                    "INCRBY l x",
                    err("ERR value is not an integer or out of range"),
                ),
                ("INCRBYFLOAT l 1", wt.clone()),
                ("INCRBYFLOAT l abc", wt.clone()),
                ("MGET l", arr(vec![Reply::Null])),
                (
                    "LCS l x",
                    err("ERR The specified keys must contain string values"),
                ),
                (
                    "LCS x l IDX LEN",
                    err("ERR The specified keys must contain string values"),
                ),
                ("SET l v", ok()),
                ("GET l", bulk("v")),
            ],
        );
    }

    #[test]
    fn resp3_nulls() {
        let mut h = Harness::new();
        h.resp3();
        script(
            &mut h,
            &[
                ("GET k", Reply::Null),
                ("SET k v", ok()),
                ("SET k v NX", Reply::Null),
            ],
        );
    }

    #[test]
    fn range_helper_and_lcs_helper() {
        assert_eq!(strtype::range(b"", 0, -1), b"");
        assert_eq!(strtype::range(b"abc", 1, 1), b"b");
        let out = strtype::lcs(b"abc", b"abc", false, false, 0, u64::MAX).unwrap();
        assert_eq!((out.len, out.string.len()), (3, 0));
        let out = strtype::lcs(b"abc", b"xbz", true, true, 0, u64::MAX).unwrap();
        assert_eq!(out.string, b"b");
        assert_eq!(out.matches.len(), 1);
    }
}
