//! MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP.
//!
//! Figures come from the counting allocator (`util::alloc`). MEMORY USAGE estimates what Redis
//! would report for the same key: the value's allocations (robj header, sds header and body,
//! rounded up to jemalloc size classes) plus the key's sds and one dict entry, which matches
//! Redis 7.0.15 for strings; other types add their heap size to the same overheads.

use bytes::Bytes;

use crate::commands::args::{is, parse_i64};
use crate::commands::{CmdError, Ctx, Handler};
use crate::types::string::StrValue;
use crate::types::value::Value;

use super::info::MemoryFigures;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("memory|usage", memory_usage),
    ("memory|stats", memory_stats),
    ("memory|doctor", memory_doctor),
    ("memory|malloc-stats", memory_malloc_stats),
    ("memory|purge", memory_purge),
    ("memory|help", memory_help),
];

/// MEMORY USAGE key [SAMPLES count]: estimated bytes for the key and its value; null if absent.
fn memory_usage(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut i = 3;
    while i < argv.len() {
        match argv.get(i + 1) {
            Some(n) if is(&argv[i], "SAMPLES") => {
                if parse_i64(n)? < 0 {
                    return Err(CmdError::Syntax);
                }
                i += 2;
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    let key = argv[2].clone();
    let (db, now) = (ctx.session.db, ctx.now_ms);
    // MEMORY USAGE does not touch the key's LRU (LOOKUP_NOTOUCH) nor count a hit.
    let Some(entry) = ctx.core.dbs.db(db).and_then(|d| d.get(&key)) else {
        ctx.reply.null();
        return Ok(());
    };
    let expired = ctx.core.dbs.expire_of(db, &key).is_some_and(|t| t <= now);
    if expired {
        ctx.reply.null();
        return Ok(());
    }
    let usage = value_size(&entry.value) + sds_size(key.len(), true) + DICT_ENTRY;
    ctx.reply.int(i64::try_from(usage).unwrap_or(i64::MAX));
    Ok(())
}

/// Bytes Redis allocates for a value (objectComputeSize).
pub(crate) fn value_size(v: &Value) -> usize {
    #[allow(irrefutable_let_patterns)]
    if let Value::Str(s) = v {
        return match s {
            StrValue::Int(_) => ROBJ,
            StrValue::Embstr(b) => jemalloc_class(ROBJ + 3 + b.len() + 1),
            StrValue::Raw(b) => ROBJ + sds_size(b.len(), false),
        };
    }
    ROBJ + v.heap_size()
}

/// The allocation an sds string of `len` bytes takes (header + body + NUL), size-classed.
/// Keys may use the 1-byte type-5 header; values never do.
fn sds_size(len: usize, key: bool) -> usize {
    let hdr = match len {
        0..32 if key => 1,
        0..256 => 3,
        256..65536 => 5,
        _ if u32::try_from(len).is_ok() => 9,
        _ => 17,
    };
    jemalloc_class(hdr + len + 1)
}

/// Rounds a request up to jemalloc's size classes (8, 16, 32, 48, ..., then four per doubling).
fn jemalloc_class(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let pow = usize::BITS - (n - 1).leading_zeros();
    let step = 1usize << pow.saturating_sub(3);
    n.div_ceil(step) * step
}

/// MEMORY STATS: Redis's map of memory figures (doubles for the ratios).
fn memory_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let m = MemoryFigures::read(ctx.core);
    let keys: u64 = ctx.core.dbs.iter().map(|d| d.len() as u64).sum();
    let r = &mut *ctx.reply;
    let int = |r: &mut dyn crate::protocol::reply::ReplySink, name: &str, v: u64| {
        r.bulk(name.as_bytes());
        r.int(i64::try_from(v).unwrap_or(i64::MAX));
    };
    let dbl = |r: &mut dyn crate::protocol::reply::ReplySink, name: &str, v: f64| {
        r.bulk(name.as_bytes());
        r.double(v);
    };
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    r.map_len(27 + m.dbs.len());
    int(r, "peak.allocated", m.peak);
    int(r, "total.allocated", m.used);
    int(r, "startup.allocated", m.startup);
    int(r, "replication.backlog", 0);
    int(r, "clients.slaves", 0);
    int(r, "clients.normal", 0);
    int(r, "cluster.links", 0);
    int(r, "aof.buffer", 0);
    int(r, "lua.caches", 0);
    int(r, "functions.caches", 0);
    for &(i, main, expires) in &m.dbs {
        r.bulk(format!("db.{i}").as_bytes());
        r.map_len(3);
        int(r, "overhead.hashtable.main", main);
        int(r, "overhead.hashtable.expires", expires);
        int(r, "overhead.hashtable.slot-to-keys", 0);
    }
    int(r, "overhead.total", m.overhead);
    int(r, "keys.count", keys);
    let net = m.used.saturating_sub(m.startup);
    int(r, "keys.bytes-per-key", net.checked_div(keys).unwrap_or(0));
    int(r, "dataset.bytes", m.dataset);
    dbl(r, "dataset.percentage", ratio(m.dataset, net) * 100.0);
    dbl(r, "peak.percentage", ratio(m.used, m.peak) * 100.0);
    int(r, "allocator.allocated", m.used);
    int(r, "allocator.active", m.used);
    int(r, "allocator.resident", m.rss);
    dbl(r, "allocator-fragmentation.ratio", 1.0);
    int(r, "allocator-fragmentation.bytes", 0);
    dbl(r, "allocator-rss.ratio", ratio(m.rss, m.used));
    int(r, "allocator-rss.bytes", m.rss.saturating_sub(m.used));
    dbl(r, "rss-overhead.ratio", 1.0);
    int(r, "rss-overhead.bytes", 0);
    dbl(r, "fragmentation", ratio(m.rss, m.used));
    int(r, "fragmentation.bytes", m.rss.saturating_sub(m.used));
    Ok(())
}

/// MEMORY DOCTOR: Redis's report; carmine checks only the "too little memory" case.
fn memory_doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let text = if crate::util::alloc::used() < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector \
         can't be used in these conditions. Please, leave for your mission on Earth and fill it \
         with some data. The new Sam and I will be back to our programming as soon as I \
         finished rebooting.\n"
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what \
         occurs on this base.\n"
    };
    ctx.reply.verbatim("txt", text.as_bytes());
    Ok(())
}

/// MEMORY MALLOC-STATS: what Redis answers for an allocator without a stats report.
fn memory_malloc_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply
        .verbatim("txt", b"Stats not supported for the current allocator");
    Ok(())
}

/// MEMORY PURGE: nothing to purge with the system allocator.
fn memory_purge(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.ok();
    Ok(())
}

/// MEMORY HELP.
fn memory_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::misc::help_reply(ctx, "MEMORY", HELP);
    Ok(())
}

/// sizeof(robj).
const ROBJ: usize = 16;
/// sizeof(dictEntry).
const DICT_ENTRY: usize = 24;

const HELP: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

#[cfg(test)]
mod tests {
    use crate::commands::server::misc::text_of;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    #[test]
    fn usage_matches_redis_for_each_string_encoding() {
        let mut h = Harness::new();
        h.run(&["SET", "foo", "bar"]);
        h.run(&["SET", "n", "123"]);
        h.run(&["SET", "big", &"a".repeat(84)]);
        assert_eq!(h.run(&["MEMORY", "USAGE", "foo"]), Reply::Int(64));
        assert_eq!(h.run(&["MEMORY", "USAGE", "n"]), Reply::Int(48));
        assert_eq!(h.run(&["MEMORY", "USAGE", "big"]), Reply::Int(144));
        assert_eq!(h.run(&["MEMORY", "USAGE", "nokey"]), Reply::Null);
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "foo", "SAMPLES", "0"]),
            Reply::Int(64)
        );
    }

    #[test]
    fn usage_option_errors() {
        let mut h = Harness::new();
        h.run(&["SET", "foo", "bar"]);
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "foo", "SAMPLES"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "foo", "SAMPLES", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "foo", "SAMPLES", "-1"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "foo", "BAR", "1"]),
            err("ERR syntax error")
        );
    }

    #[test]
    fn stats_is_a_map_with_redis_field_names() {
        let mut h = Harness::new();
        h.run(&["SET", "foo", "bar"]);
        h.resp3();
        let Reply::Map(pairs) = h.run(&["MEMORY", "STATS"]) else {
            panic!()
        };
        assert_eq!(pairs.len(), 28);
        assert_eq!(pairs[0].0, bulk("peak.allocated"));
        assert_eq!(pairs[10].0, bulk("db.0"));
        assert!(matches!(pairs[10].1, Reply::Map(ref m) if m.len() == 3));
        assert_eq!(pairs[27].0, bulk("fragmentation.bytes"));
        assert!(matches!(pairs[15].1, Reply::Double(_)));
    }

    #[test]
    fn doctor_purge_malloc_stats_and_help() {
        let mut h = Harness::new();
        assert!(text_of(&h.run(&["MEMORY", "DOCTOR"])).starts_with(b"Hi Sam"));
        assert_eq!(h.run(&["MEMORY", "PURGE"]), Reply::simple("OK"));
        assert!(!text_of(&h.run(&["MEMORY", "MALLOC-STATS"])).is_empty());
        let Reply::Array(lines) = h.run(&["MEMORY", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 14);
    }
}
