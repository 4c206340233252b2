//! DEBUG: the subcommands Redis's own tests and client test suites use.
//!
//! DEBUG is one command (arity -2) whose first argument picks the action; an unknown or
//! wrongly-sized one answers "unknown subcommand or wrong number of arguments for '<as typed>'".
//! Whether DEBUG may run at all (`enable-debug-command`) is checked by the dispatcher.
//!
//! The switches DEBUG sets belong to the server, not to a client, and live in [`DebugKnobs`]
//! (`Core::debug`): active expiry (DEBUG SET-ACTIVE-EXPIRE, read by the server's cron), the
//! replication id (DEBUG CHANGE-REPL-ID, shown by INFO replication) and the quicklist packed
//! threshold (DEBUG QUICKLIST-PACKED-THRESHOLD, for the list type). Keeping them in `Core`
//! rather than in statics keeps servers (and harness tests on parallel threads) apart.

use bytes::Bytes;

use crate::commands::args::{arg, is};
use crate::commands::loading::{ABORTED, Loader};
use crate::commands::{CmdError, Ctx, Handler};
use crate::protocol::reply::Protocol;
use crate::types::string::StrValue;
use crate::types::value::Value;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[("debug", debug)];

/// Server-wide switches DEBUG subcommands set.
#[derive(Debug, Clone)]
pub struct DebugKnobs {
    /// Whether the active expire cycle may run (DEBUG SET-ACTIVE-EXPIRE 0 turns it off).
    pub active_expire: bool,
    /// The size from which a list element gets its own plain quicklist node.
    pub packed_threshold: u64,
    /// The replication id (master_replid), changed by DEBUG CHANGE-REPL-ID.
    pub replid: String,
    /// RESTORE skips the payload checksum (DEBUG SET-SKIP-CHECKSUM-VALIDATION 1).
    pub skip_checksum: bool,
}

impl DebugKnobs {
    /// The defaults for a server whose run id is `run_id`.
    pub fn new(run_id: &str) -> DebugKnobs {
        DebugKnobs {
            active_expire: true,
            packed_threshold: DEFAULT_PACKED_THRESHOLD,
            // Derived from, but not equal to, the run id, as Redis draws a second random id.
            replid: run_id.chars().rev().collect(),
            skip_checksum: false,
        }
    }
}

/// DEBUG STRINGMATCH-TEST: runs the glob matcher on random patterns and strings (as Redis's
/// stringmatchlen_fuzz_test does); reaching the reply means nothing crashed or hung.
fn stringmatch_fuzz() {
    use rand::RngExt;
    let mut rng = rand::rng();
    let alphabet = b"*?[]^-\\\\abc\x00";
    for _ in 0..100_000 {
        let plen = rng.random_range(0..32usize);
        let slen = rng.random_range(0..32usize);
        let pat: Vec<u8> = (0..plen)
            .map(|_| {
                alphabet
                    .get(rng.random_range(0..alphabet.len()))
                    .copied()
                    .unwrap_or(b'a')
            })
            .collect();
        let s: Vec<u8> = (0..slen).map(|_| rng.random_range(0..=255u8)).collect();
        let _ = crate::util::glob::glob_match(&pat, &s, false);
    }
}

/// DEBUG <subcommand> [args...].
fn debug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let sub = arg(argv, 1);
    let argc = argv.len();
    let word = |w: &str| is(sub, w);
    if word("HELP") && argc == 2 {
        super::misc::help_reply(ctx, "DEBUG", HELP);
    } else if word("SLEEP") && argc == 3 {
        // strtod semantics: garbage sleeps 0 seconds.
        let secs = crate::util::num::parse_f64(arg(argv, 2)).unwrap_or(0.0);
        if secs.is_finite() && secs > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e6)));
        }
        ctx.reply.ok();
    } else if word("SET-ACTIVE-EXPIRE") && argc == 3 {
        ctx.core.debug.active_expire = crate::util::num::atoi(arg(argv, 2)) != 0;
        ctx.reply.ok();
    } else if word("QUICKLIST-PACKED-THRESHOLD") && argc == 3 {
        let n = parse_memory(arg(argv, 2)).ok_or(CmdError::Static(
            "ERR argument must be a memory value bigger than 1 and smaller than 4gb",
        ))?;
        let n = if n == 0 { DEFAULT_PACKED_THRESHOLD } else { n };
        ctx.core.debug.packed_threshold = n;
        ctx.reply.ok();
    } else if word("OBJECT") && argc == 3 {
        debug_object(ctx, arg(argv, 2))?;
    } else if word("PROTOCOL") && argc == 3 {
        debug_protocol(ctx, arg(argv, 2))?;
    } else if word("CHANGE-REPL-ID") && argc == 2 {
        ctx.core.debug.replid = crate::commands::random_hex40();
        tracing::info!("Changed replication IDs after receiving DEBUG change-repl-id");
        ctx.reply.ok();
    } else if word("LOADAOF") && argc == 2 {
        if ctx.core.persist.loading.is_some() {
            return Err(CmdError::Static(RELOAD_WHILE_LOADING));
        }
        // As Redis: a load that fails leaves nothing consistent to serve, so the server exits.
        match crate::commands::persist_aof::debug_loadaof(ctx.core, ctx.server) {
            Err(e) if e == crate::commands::loading::ABORTED => {}
            Err(e) => {
                tracing::warn!("{e}");
                std::process::exit(1);
            }
            Ok(()) => ctx.reply.ok(),
        }
    } else if word("LOG") && argc == 3 {
        tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(arg(argv, 2)));
        ctx.reply.ok();
    } else if word("ERROR") && argc == 3 {
        return Err(CmdError::Other(
            String::from_utf8_lossy(arg(argv, 2)).into_owned(),
        ));
    } else if word("LISTPACK") && argc == 3 {
        encoding_check(
            ctx,
            arg(argv, 2),
            "listpack",
            "ERR Not a listpack encoded object.",
        )?;
    } else if word("QUICKLIST") && (argc == 3 || argc == 4) {
        encoding_check(
            ctx,
            arg(argv, 2),
            "quicklist",
            "ERR Not a quicklist encoded object.",
        )?;
    } else if word("STRINGMATCH-TEST") && argc == 2 {
        stringmatch_fuzz();
        ctx.reply
            .simple(b"Apparently Redis did not crash: test passed");
    } else if word("DIGEST") && argc == 2 {
        let d = crate::persist::digest::dataset_digest(&ctx.core.dbs);
        ctx.reply.simple(crate::util::sha1::hex(&d).as_bytes());
    } else if word("DIGEST-VALUE") && argc >= 2 {
        let (db, now) = (ctx.session.db, ctx.now_ms);
        ctx.reply.array_len(argc - 2);
        for key in argv.iter().skip(2) {
            let live = ctx.core.dbs.expire_of(db, key).is_none_or(|t| t > now);
            let d = match ctx.core.dbs.db(db) {
                Some(d) if live => crate::persist::digest::key_value_digest(d, key),
                _ => [0u8; 20],
            };
            ctx.reply.simple(crate::util::sha1::hex(&d).as_bytes());
        }
    } else if word("SET-SKIP-CHECKSUM-VALIDATION") && argc == 3 {
        ctx.core.debug.skip_checksum = crate::util::num::atoi(arg(argv, 2)) != 0;
        ctx.reply.ok();
    } else if word("RELOAD") {
        debug_reload(ctx, argv)?;
    } else if word("POPULATE") && (3..=5).contains(&argc) {
        populate(ctx, argv)?;
    } else if (word("REPLYBUFFER") && argc == 4)
        || (word("PAUSE-CRON") && argc == 3)
        || (word("AOF-FLUSH-SLEEP") && argc == 3)
        || (word("SET-DISABLE-DENY-SCRIPTS") && argc == 3)
    {
        // Knobs for subsystems carmine does not have (or tunes differently): accepted as no-ops.
        ctx.reply.ok();
    } else {
        return Err(CmdError::Other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(sub)
        )));
    }
    Ok(())
}

/// DEBUG OBJECT key: Redis's one-line description of the value.
fn debug_object(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    let db = ctx.session.db;
    if ctx.core.dbs.expire_of(db, key).is_some_and(|t| t <= now) {
        return Err(CmdError::NoSuchKey);
    }
    let Some(entry) = ctx.core.dbs.db(db).and_then(|d| d.get(key)) else {
        return Err(CmdError::NoSuchKey);
    };
    let v = &entry.value;
    let addr = std::ptr::from_ref(v) as usize;
    let refcount = match v {
        // Shared integers (OBJ_SHARED_INTEGERS) report OBJ_SHARED_REFCOUNT.
        Value::Str(StrValue::Int(n)) if (0..10000).contains(n) => i64::from(i32::MAX),
        _ => 1,
    };
    let line = format!(
        "Value at:0x{addr:x} refcount:{refcount} encoding:{} serializedlength:{} lru:{} \
         lru_seconds_idle:{}",
        v.encoding(),
        serialized_len(v, ctx.core.config.rdbcompression),
        entry.lru(),
        entry.idle_secs(now)
    );
    ctx.reply.simple(line.as_bytes());
    Ok(())
}

/// DEBUG RELOAD and DEBUG LOADAOF sent while a load runs (Redis would start a second load
/// inside the first; carmine refuses).
const RELOAD_WHILE_LOADING: &str = "ERR DEBUG RELOAD/LOADAOF is not allowed while loading";

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the RDB file, empties the dataset and loads
/// the file back.
fn debug_reload(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.core.persist.loading.is_some() {
        return Err(CmdError::Static(RELOAD_WHILE_LOADING));
    }
    let (mut flush, mut save, mut merge) = (true, true, false);
    for opt in argv.iter().skip(2) {
        if opt.eq_ignore_ascii_case(b"MERGE") {
            merge = true;
        } else if opt.eq_ignore_ascii_case(b"NOFLUSH") {
            flush = false;
        } else if opt.eq_ignore_ascii_case(b"NOSAVE") {
            save = false;
        } else {
            return Err(CmdError::Static(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    let now = ctx.now_ms;
    if save && crate::commands::persist::save_now(ctx.core, now).is_err() {
        return Err(CmdError::Static("ERR"));
    }
    if flush {
        crate::commands::persist::kill_rdb_child(ctx.core, now);
        ctx.core.dbs.flush_all(false);
        crate::commands::scripting::flush_libraries(ctx.core);
    }
    let mut opts = crate::commands::persist::load_options(ctx.core);
    opts.allow_dup = merge;
    let path = std::path::PathBuf::from(&ctx.core.config.dbfilename);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut loader = Loader::start(ctx.core, ctx.server, size);
    let loaded = crate::persist::load_file(&path, &mut loader, &opts).map_err(|e| e.0);
    if loaded.as_ref().is_err_and(|e| e == ABORTED) {
        // SHUTDOWN came in meanwhile: the server is exiting, this client gets no reply.
        return Ok(());
    }
    loader.finish();
    let loaded = loaded.and_then(|info| {
        crate::commands::scripting::load_libraries(ctx.core, &info.functions, merge)
    });
    if let Err(e) = loaded {
        tracing::warn!("{e}");
        return Err(CmdError::Static("ERR Error trying to load the RDB dump"));
    }
    tracing::warn!("DB reloaded by DEBUG RELOAD");
    ctx.reply.ok();
    Ok(())
}

/// The length of a value in an RDB file (rdbSavedObjectLen).
fn serialized_len(v: &Value, compress: bool) -> usize {
    let mut w = crate::persist::rdb::write::RdbWriter::new(std::io::sink(), compress, false);
    let _ = w.value(v);
    usize::try_from(w.written()).unwrap_or(usize::MAX)
}

/// DEBUG PROTOCOL type: a sample reply of each RESP3 type (RESP2 gets Redis's fallbacks).
#[allow(clippy::approx_constant)] // Redis's sample double is the literal 3.141.
fn debug_protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> Result<(), CmdError> {
    let r = &mut *ctx.reply;
    let t = |w: &str| is(name, w);
    if t("string") {
        r.bulk(b"Hello World");
    } else if t("integer") {
        r.int(12345);
    } else if t("double") {
        r.double(3.141);
    } else if t("bignum") {
        r.big_number(b"1234567999999999999999999999999999999");
    } else if t("null") {
        r.null();
    } else if t("array") {
        r.array_len(3);
        (0..3).for_each(|i| r.int(i));
    } else if t("set") {
        r.set_len(3);
        (0..3).for_each(|i| r.int(i));
    } else if t("map") {
        r.map_len(3);
        for i in 0..3 {
            r.int(i);
            r.boolean(i == 1);
        }
    } else if t("attrib") {
        // Attributes are RESP3-only; the real reply follows them in both protocols.
        if r.protocol() == Protocol::Resp3 {
            r.attribute_len(1);
            r.bulk(b"key-popularity");
            r.array_len(2);
            r.bulk(b"key:123");
            r.int(90);
        }
        r.bulk(b"Some real reply following the attribute");
    } else if t("push") {
        if r.protocol() == Protocol::Resp2 {
            return Err(CmdError::Static(
                "ERR RESP2 is not supported by this command",
            ));
        }
        r.push_len(2);
        r.bulk(b"server-cpu-usage");
        r.int(42);
        r.bulk(b"Some real reply following the push reply");
    } else if t("verbatim") {
        r.verbatim("txt", b"This is a verbatim\nstring");
    } else if t("true") {
        r.boolean(true);
    } else if t("false") {
        r.boolean(false);
    } else {
        return Err(CmdError::Static(
            "ERR Wrong protocol type name. Please use one of the following: \
             string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    }
    Ok(())
}

/// DEBUG LISTPACK / QUICKLIST key: carmine has no listpack dump; checks the key's encoding.
fn encoding_check(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    enc: &str,
    msg: &'static str,
) -> Result<(), CmdError> {
    let db = ctx.session.db;
    let Some(entry) = ctx.core.dbs.db(db).and_then(|d| d.get(key)) else {
        return Err(CmdError::NoSuchKey);
    };
    if entry.value.encoding() != enc {
        return Err(CmdError::Static(msg));
    }
    ctx.reply.simple(b"Listpack structure printed on stdout");
    Ok(())
}

/// DEBUG POPULATE count [prefix] [size]: creates `prefix:N` = `value:N` (padded or cut to
/// `size` bytes) for N below count, skipping keys that exist.
fn populate(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    // getPositiveLongFromObjectOrReply: one error for garbage and for negative numbers.
    let positive = |b: &[u8]| {
        crate::util::num::parse_i64(b)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(CmdError::NotPositive)
    };
    let count = positive(arg(argv, 2))?;
    let prefix: &[u8] = argv.get(3).map_or(b"key", |p| p.as_ref());
    let size = match argv.get(4) {
        Some(s) => Some(positive(s)?),
        None => None,
    };
    let (db, now) = (ctx.session.db, ctx.now_ms);
    for i in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{i}").as_bytes());
        if ctx.core.dbs.exists(db, &key, now) {
            continue;
        }
        let mut val = format!("value:{i}").into_bytes();
        if let Some(size) = size {
            val.resize(size, 0);
        }
        ctx.core
            .dbs
            .set(db, &key, Value::Str(StrValue::from_set(&val)), false, now);
    }
    ctx.reply.ok();
    Ok(())
}

/// A memory value ("100", "1kb", "2mb", "1gb") up to 4 GB, as DEBUG QUICKLIST-PACKED-THRESHOLD
/// takes it.
fn parse_memory(b: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(b).ok()?.to_ascii_lowercase();
    let units: [(&str, u64); 7] = [
        ("kb", 1024),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
        ("k", 1000),
        ("m", 1_000_000),
        ("g", 1_000_000_000),
        ("b", 1),
    ];
    let (num, mul) = units
        .iter()
        .find_map(|(u, m)| s.strip_suffix(u).map(|n| (n.to_string(), *m)))
        .unwrap_or((s.clone(), 1));
    let n: u64 = num.parse().ok()?;
    let v = n.checked_mul(mul)?;
    (v <= 1 << 32).then_some(v)
}

/// The default quicklist packed threshold (1 GB).
const DEFAULT_PACKED_THRESHOLD: u64 = 1 << 30;

const HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
];

#[cfg(test)]
mod tests {
    use crate::commands::server::misc::text_of;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::config::Config;
    use crate::protocol::value::Reply;

    fn debug_on() -> Harness {
        let mut c = Config::default();
        c.load_str("enable-debug-command yes\n", None).unwrap();
        Harness::with_config(c)
    }

    #[test]
    fn help_has_redis_line_count() {
        let mut h = debug_on();
        let Reply::Array(lines) = h.run(&["DEBUG", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 106);
    }

    #[test]
    fn unknown_and_misused_subcommands() {
        let mut h = debug_on();
        for (args, word) in [
            (&["DEBUG", "foo"][..], "foo"),
            (&["DEBUG", "SLEEP"], "SLEEP"),
            (&["DEBUG", "OBJECT"], "OBJECT"),
            (&["DEBUG", "JMAP"], "JMAP"),
        ] {
            assert_eq!(
                h.run(args),
                err(&format!(
                    "ERR unknown subcommand or wrong number of arguments for '{word}'. Try DEBUG HELP."
                ))
            );
        }
    }

    #[test]
    fn sleep_set_active_expire_and_knobs_answer_ok() {
        let mut h = debug_on();
        for args in [
            &["DEBUG", "SLEEP", "0"][..],
            &["DEBUG", "SLEEP", "x"],
            &["DEBUG", "SLEEP", "0.001"],
            &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"],
            &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
            &["DEBUG", "CHANGE-REPL-ID"],
            &["DEBUG", "LOG", "hello"],
            &["DEBUG", "REPLYBUFFER", "RESIZING", "0"],
        ] {
            assert_eq!(h.run(args), Reply::simple("OK"), "{args:?}");
        }
        assert_eq!(h.core.debug.packed_threshold, 1 << 30);
        assert_eq!(
            h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
            Reply::simple("OK")
        );
        assert!(!h.core.debug.active_expire);
        assert_eq!(
            h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]),
            Reply::simple("OK")
        );
        assert!(h.core.debug.active_expire);
        // C's atoi cuts to 32 bits: 2^32 reads as 0 and turns active expiry off.
        h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "4294967296"]);
        assert!(!h.core.debug.active_expire);
        h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", " 7x"]);
        assert!(h.core.debug.active_expire);
    }

    #[test]
    fn knobs_belong_to_one_server() {
        let mut a = debug_on();
        let b = debug_on();
        let before = a.core.debug.replid.clone();
        assert_eq!(before.len(), 40);
        a.run(&["DEBUG", "CHANGE-REPL-ID"]);
        a.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        a.run(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"]);
        assert_ne!(a.core.debug.replid, before);
        assert_eq!(a.core.debug.replid.len(), 40);
        assert!(!a.core.debug.active_expire);
        assert_eq!(a.core.debug.packed_threshold, 100);
        assert!(b.core.debug.active_expire);
        assert_eq!(b.core.debug.packed_threshold, 1 << 30);
    }

    #[test]
    fn object_prints_redis_line_format() {
        let mut h = debug_on();
        h.run(&["SET", "foo", "bar"]);
        h.run(&["SET", "n", "123"]);
        h.run(&["SET", "big", &"a".repeat(84)]);
        let line = |h: &mut Harness, k: &str| match h.run(&["DEBUG", "OBJECT", k]) {
            Reply::Simple(s) => String::from_utf8(s.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        };
        let foo = line(&mut h, "foo");
        assert!(foo.starts_with("Value at:0x"));
        assert!(foo.ends_with(&format!(
            " refcount:1 encoding:embstr serializedlength:4 lru:{} lru_seconds_idle:0",
            crate::db::keyspace::lru_clock(h.now_ms)
        )));
        assert!(
            line(&mut h, "n").contains(" refcount:2147483647 encoding:int serializedlength:2 ")
        );
        // LZF-compressed, as Redis 7.0.15 reports it (rdbcompression yes).
        assert!(line(&mut h, "big").contains(" encoding:raw serializedlength:13 "));
        assert_eq!(h.run(&["DEBUG", "OBJECT", "nokey"]), err("ERR no such key"));
    }

    #[test]
    fn stringmatch_test_fuzzes_the_matcher_and_passes() {
        let mut h = debug_on();
        assert_eq!(
            h.run(&["DEBUG", "STRINGMATCH-TEST"]),
            Reply::simple("Apparently Redis did not crash: test passed")
        );
    }

    #[test]
    fn protocol_in_resp2() {
        let mut h = debug_on();
        let p = |h: &mut Harness, t: &str| h.run(&["DEBUG", "PROTOCOL", t]);
        assert_eq!(p(&mut h, "string"), bulk("Hello World"));
        assert_eq!(p(&mut h, "integer"), Reply::Int(12345));
        assert_eq!(p(&mut h, "null"), Reply::Null);
        assert_eq!(
            p(&mut h, "array"),
            Reply::Array(vec![Reply::Int(0), Reply::Int(1), Reply::Int(2)])
        );
        assert_eq!(
            p(&mut h, "attrib"),
            bulk("Some real reply following the attribute")
        );
        assert_eq!(
            p(&mut h, "push"),
            err("ERR RESP2 is not supported by this command")
        );
        assert_eq!(
            text_of(&p(&mut h, "verbatim")),
            b"This is a verbatim\nstring"
        );
        assert_eq!(
            p(&mut h, "foo"),
            err(
                "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
            )
        );
    }

    #[test]
    #[allow(clippy::approx_constant)]
    fn protocol_in_resp3() {
        let mut h = debug_on();
        h.resp3();
        let p = |h: &mut Harness, t: &str| h.run(&["DEBUG", "PROTOCOL", t]);
        assert_eq!(p(&mut h, "double"), Reply::Double(3.141));
        assert_eq!(
            p(&mut h, "bignum"),
            Reply::BigNumber("1234567999999999999999999999999999999".into())
        );
        assert_eq!(
            p(&mut h, "set"),
            Reply::Set(vec![Reply::Int(0), Reply::Int(1), Reply::Int(2)])
        );
        assert_eq!(
            p(&mut h, "map"),
            Reply::Map(vec![
                (Reply::Int(0), Reply::Bool(false)),
                (Reply::Int(1), Reply::Bool(true)),
                (Reply::Int(2), Reply::Bool(false))
            ])
        );
        assert_eq!(p(&mut h, "true"), Reply::Bool(true));
        assert_eq!(p(&mut h, "false"), Reply::Bool(false));
        assert_eq!(
            p(&mut h, "verbatim"),
            Reply::Verbatim("txt".into(), "This is a verbatim\nstring".into())
        );
    }

    #[test]
    fn populate_and_listpack() {
        let mut h = debug_on();
        assert_eq!(
            h.run(&["DEBUG", "POPULATE", "3", "k", "10"]),
            Reply::simple("OK")
        );
        assert_eq!(h.core.dbs.total_keys(), 3);
        assert_eq!(
            h.run(&["DEBUG", "LISTPACK", "k:0"]),
            err("ERR Not a listpack encoded object.")
        );
        assert_eq!(h.run(&["DEBUG", "ERROR", "FOO bar"]), err("FOO bar"));
    }

    #[test]
    fn populate_refuses_garbage_and_negatives_with_one_text() {
        let mut h = debug_on();
        let refused = err("ERR value is out of range, must be positive");
        for argv in [
            &["DEBUG", "POPULATE", "abc"][..],
            &["DEBUG", "POPULATE", "-1"],
            &["DEBUG", "POPULATE", "99999999999999999999"],
            &["DEBUG", "POPULATE", "1", "k", "abc"],
            &["DEBUG", "POPULATE", "1", "k", "-1"],
        ] {
            assert_eq!(h.run(argv), refused, "{argv:?}");
        }
        assert_eq!(h.core.dbs.total_keys(), 0);
    }

    #[test]
    fn debug_is_refused_when_disabled() {
        let mut h = Harness::new();
        let Reply::Error(e) = h.run(&["DEBUG", "HELP"]) else {
            panic!()
        };
        assert!(e.starts_with(b"ERR DEBUG command not allowed."));
    }
}
