//! The directive table: one row for every configuration directive Redis 7.0.15 knows.
//!
//! A row gives the directive's name, its alias (the pre-7.0 `slave*` and `*-ziplist-*` spellings,
//! `lua-time-limit`), its type with bounds and default, its flags and a one-line description that
//! `redis.conf.example` is generated from. Everything else in `config/` (file parsing, CONFIG
//! GET/SET/REWRITE, the typed fields of `Config`) is driven by this table; adding a directive is
//! adding a row.
//!
//! Invariants, pinned by the tests at the bottom:
//! - names and aliases are lowercase and unique across the table (aliases included);
//! - every default is valid for its own row (it survives a parse of its rendered form);
//! - the rows and their CONFIG GET defaults equal those of a default-started redis-server 7.0.15.
//!
//! `in_effect` is the per-row switch the lead flips when carmine implements a feature: a
//! directive set to a non-default value while its row says `false` is reported by
//! `Config::not_in_effect` so start-up can warn that it is accepted but not acted on yet.

use std::collections::HashMap;
use std::sync::OnceLock;

/// CONFIG SET refuses the directive: "can't set immutable config".
pub(crate) const IMMUTABLE: u16 = 1 << 0;
/// CONFIG SET needs `enable-protected-configs`: "can't set protected config".
pub(crate) const PROTECTED: u16 = 1 << 1;
/// The value is redacted from SLOWLOG, MONITOR and the command log.
pub(crate) const SENSITIVE: u16 = 1 << 2;
/// CONFIG GET shows the directive only when asked for it by its exact name.
pub(crate) const HIDDEN: u16 = 1 << 3;
/// CONFIG SET answers -LOADING while a dataset is being loaded.
pub(crate) const DENY_LOADING: u16 = 1 << 4;
/// The directive takes several words (a file line's words, or CONFIG SET's value cut at spaces).
pub(crate) const MULTI_ARG: u16 = 1 << 5;
/// Modifiable at run time (no flag): named for readability of the table.
const M: u16 = 0;

/// How a numeric directive is written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFormat {
    /// A plain integer, parsed by the strict `string2ll`.
    Int,
    /// A byte count with optional unit (`1k`, `1kb`, ...), shown in plain bytes.
    Memory,
    /// A byte count or a percentage `N%` (stored negated, as Redis does).
    MemoryOrPercent,
    /// An octal number (`unixsocketperm`).
    Octal,
}

/// A validator run after parsing; its error is Redis's text.
pub(crate) type StrCheck = fn(&[u8]) -> Result<(), &'static str>;
/// A validator for enum values (already OR-ed for bit-flag enums).
pub(crate) type EnumCheck = fn(u32) -> Result<(), &'static str>;

/// The type of a directive, with its bounds and default.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// `yes` / `no`, in any case.
    Bool { default: bool },
    /// A number with inclusive bounds. `unsigned` rows (C's unsigned int, size_t and unsigned
    /// long long) see a negative input wrap around before the bound check, as in C.
    Num {
        min: i128,
        max: i128,
        default: i128,
        format: NumFormat,
        unsigned: bool,
    },
    /// One of a fixed set of names (several OR-ed together when `bitflags`).
    Enum {
        names: &'static [(&'static str, u32)],
        default: u32,
        bitflags: bool,
        check: Option<EnumCheck>,
    },
    /// A string; `nullable` ones store "" as "unset", which CONFIG REWRITE leaves out.
    Str {
        default: Option<&'static str>,
        nullable: bool,
        check: Option<StrCheck>,
    },
    /// A directive with its own syntax.
    Special(Special),
}

/// The directives whose syntax is their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    /// `dir <path>`: changes the working directory.
    Dir,
    /// `save <secs> <changes> [...]`, `save ""`.
    Save,
    /// `client-output-buffer-limit <class> <hard> <soft> <secs> [...]`.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values <master> <replica> <bgchild>`.
    OomScoreAdjValues,
    /// `notify-keyspace-events <classes>`.
    NotifyKeyspaceEvents,
    /// `bind <addr> [...]`.
    Bind,
    /// `replicaof <host> <port>` or `replicaof no one`.
    ReplicaOf,
    /// `latency-tracking-info-percentiles <p> [...]`.
    LatencyPercentiles,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Directive {
    /// The canonical name.
    pub(crate) name: &'static str,
    /// The other accepted name, if any.
    pub(crate) alias: Option<&'static str>,
    /// Type, bounds and default.
    pub(crate) kind: Kind,
    /// `IMMUTABLE`, `PROTECTED`, `SENSITIVE`, `HIDDEN`, `DENY_LOADING`, `MULTI_ARG`.
    pub(crate) flags: u16,
    /// Whether carmine acts on this directive yet (see the module header).
    pub(crate) in_effect: bool,
    /// One line for redis.conf.example.
    pub(crate) doc: &'static str,
}

impl Directive {
    /// Returns whether the row has `flag`.
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    const fn new(name: &'static str, kind: Kind, flags: u16) -> Self {
        Directive {
            name,
            alias: None,
            kind,
            flags,
            in_effect: false,
            doc: "",
        }
    }

    const fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    const fn alias(mut self, alias: &'static str) -> Self {
        self.alias = Some(alias);
        self
    }

    const fn live(mut self) -> Self {
        self.in_effect = true;
        self
    }

    const fn check(mut self, f: StrCheck) -> Self {
        if let Kind::Str { check, .. } = &mut self.kind {
            *check = Some(f);
        }
        self
    }
}

/// Finds a row by name or alias, ignoring ASCII case: `(row index, matched the alias)`.
pub(crate) fn find(name: &[u8]) -> Option<(usize, bool)> {
    static INDEX: OnceLock<HashMap<&'static str, (usize, bool)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut map = HashMap::with_capacity(TABLE.len() * 2);
        for (i, d) in TABLE.iter().enumerate() {
            map.insert(d.name, (i, false));
            if let Some(a) = d.alias {
                map.insert(a, (i, true));
            }
        }
        map
    });
    let lower = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
    index.get(lower.as_str()).copied()
}

/// Section titles of redis.conf.example, each with the first directive of its section.
pub(crate) const SECTIONS: &[(&str, &str)] = &[
    ("bind", "NETWORK"),
    ("tls-port", "TLS/SSL"),
    ("daemonize", "GENERAL"),
    ("save", "SNAPSHOTTING"),
    ("replicaof", "REPLICATION"),
    ("tracking-table-max-keys", "KEYS TRACKING"),
    ("acllog-max-len", "SECURITY"),
    ("maxclients", "CLIENTS AND MEMORY MANAGEMENT"),
    ("lazyfree-lazy-eviction", "LAZY FREEING"),
    ("io-threads", "THREADED I/O"),
    ("oom-score-adj", "KERNEL INTERACTION"),
    ("appendonly", "APPEND ONLY MODE"),
    ("shutdown-timeout", "SHUTDOWN"),
    ("busy-reply-threshold", "LONG BLOCKING OPERATIONS"),
    ("cluster-enabled", "REDIS CLUSTER"),
    ("slowlog-log-slower-than", "SLOW LOG AND LATENCY"),
    ("notify-keyspace-events", "EVENT NOTIFICATION"),
    ("hash-max-listpack-entries", "ADVANCED CONFIG"),
    ("activedefrag", "ACTIVE DEFRAGMENTATION"),
    (
        "use-exit-on-panic",
        "HIDDEN TESTING KNOBS (CONFIG GET shows them only by exact name)",
    ),
];

/// Names Redis 7.0 still accepts in a config file (with exactly one value) and ignores.
pub(crate) const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// `loglevel` values, in the order of `config::LogLevel`.
pub(crate) const LOGLEVEL: &[(&str, u32)] =
    &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
/// `maxmemory-policy` values, in the order of `config::MaxmemoryPolicy`.
pub(crate) const MAXMEMORY_POLICY: &[(&str, u32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
/// `appendfsync` values, in the order of `config::AppendFsync`.
pub(crate) const APPENDFSYNC: &[(&str, u32)] = &[("everysec", 0), ("always", 1), ("no", 2)];
/// `supervised` values, in the order of `config::Supervised`.
pub(crate) const SUPERVISED: &[(&str, u32)] =
    &[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)];
const SYSLOG_FACILITY: &[(&str, u32)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const REPL_DISKLESS_LOAD: &[(&str, u32)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
// "yes" and "relative" share a value, and CONFIG GET shows the first name: "yes".
const OOM_SCORE_ADJ: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, u32)] = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const PROTECTED_ACTION: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
const ENDPOINT_TYPE: &[(&str, u32)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR: &[(&str, u32)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
/// `shutdown-on-sig*` bit flags: the values of `config::SHUTDOWN_*`.
pub(crate) const SHUTDOWN_ON_SIG: &[(&str, u32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

/// `enable-protected-configs` value that allows every client.
pub(crate) const PROTECTED_YES: u32 = 1;
/// `enable-protected-configs` value that allows local clients.
pub(crate) const PROTECTED_LOCAL: u32 = 2;

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;

const fn boolean(name: &'static str, default: bool, flags: u16) -> Directive {
    Directive::new(name, Kind::Bool { default }, flags)
}

const fn num(
    name: &'static str,
    (min, max, default): (i128, i128, i128),
    format: NumFormat,
    unsigned: bool,
    flags: u16,
) -> Directive {
    let kind = Kind::Num {
        min,
        max,
        default,
        format,
        unsigned,
    };
    Directive::new(name, kind, flags)
}

/// A signed integer (C int, long, long long, time_t, off_t).
const fn int(name: &'static str, min: i128, max: i128, default: i128, flags: u16) -> Directive {
    num(name, (min, max, default), NumFormat::Int, false, flags)
}

/// An unsigned integer (C unsigned int, size_t, unsigned long long).
const fn uint(name: &'static str, min: i128, max: i128, default: i128, flags: u16) -> Directive {
    num(name, (min, max, default), NumFormat::Int, true, flags)
}

/// A signed byte count.
const fn mem(name: &'static str, min: i128, max: i128, default: i128, flags: u16) -> Directive {
    num(name, (min, max, default), NumFormat::Memory, false, flags)
}

/// An unsigned byte count.
const fn umem(name: &'static str, min: i128, max: i128, default: i128, flags: u16) -> Directive {
    num(name, (min, max, default), NumFormat::Memory, true, flags)
}

const fn enumeration(
    name: &'static str,
    names: &'static [(&'static str, u32)],
    default: u32,
    flags: u16,
) -> Directive {
    let kind = Kind::Enum {
        names,
        default,
        bitflags: false,
        check: None,
    };
    Directive::new(name, kind, flags)
}

/// A string whose empty value is a value (default given).
const fn string(name: &'static str, default: &'static str, flags: u16) -> Directive {
    let kind = Kind::Str {
        default: Some(default),
        nullable: false,
        check: None,
    };
    Directive::new(name, kind, flags)
}

/// A string whose empty value means "unset" (the default).
const fn nullable(name: &'static str, flags: u16) -> Directive {
    Directive::new(
        name,
        Kind::Str {
            default: None,
            nullable: true,
            check: None,
        },
        flags,
    )
}

const fn special(name: &'static str, s: Special, flags: u16) -> Directive {
    Directive::new(name, Kind::Special(s), flags)
}

const fn shutdown_on(name: &'static str) -> Directive {
    let kind = Kind::Enum {
        names: SHUTDOWN_ON_SIG,
        default: 0,
        bitflags: true,
        check: Some(check_shutdown_flags),
    };
    Directive::new(name, kind, MULTI_ARG)
}

/// Every directive of Redis 7.0.15, grouped roughly as redis.conf groups them.
#[rustfmt::skip]
pub(crate) static TABLE: &[Directive] = &[
    // Networking.
    special("bind", Special::Bind, MULTI_ARG).live()
        .doc("Addresses to listen on; \"-\" marks an optional one."),
    nullable("bind-source-addr", M).doc("Source address for outgoing connections (replication)."),
    boolean("protected-mode", true, M).live()
        .doc("Refuse non-local clients when no password is set."),
    enumeration("enable-protected-configs", PROTECTED_ACTION, 0, IMMUTABLE).live()
        .doc("Allow CONFIG SET of protected directives (dir, dbfilename): no, yes, local."),
    enumeration("enable-debug-command", PROTECTED_ACTION, 0, IMMUTABLE)
        .doc("Allow DEBUG: no, yes, local."),
    enumeration("enable-module-command", PROTECTED_ACTION, 0, IMMUTABLE)
        .doc("Allow MODULE: no, yes, local."),
    int("port", 0, 65535, 6379, M).live().doc("TCP port to listen on; 0 disables TCP."),
    int("tcp-backlog", 0, INT_MAX, 511, IMMUTABLE).live().doc("listen() backlog."),
    nullable("unixsocket", IMMUTABLE).doc("Path of a Unix socket to listen on."),
    num("unixsocketperm", (0, 0o777, 0), NumFormat::Octal, true, IMMUTABLE)
        .doc("Unix socket permissions (octal)."),
    uint("socket-mark-id", 0, UINT_MAX, 0, IMMUTABLE)
        .doc("SO_MARK / SO_USER_COOKIE for listening sockets."),
    int("timeout", 0, INT_MAX, 0, M).live()
        .doc("Close a client idle for this many seconds (0 = never)."),
    int("tcp-keepalive", 0, INT_MAX, 300, M).live()
        .doc("TCP keepalive period in seconds (0 = off)."),
    // TLS.
    int("tls-port", 0, 65535, 0, M).doc("TLS port to listen on (0 = off)."),
    nullable("tls-cert-file", M).doc("Server certificate (PEM)."),
    nullable("tls-key-file", M).doc("Server private key (PEM)."),
    nullable("tls-key-file-pass", M).doc("Passphrase of tls-key-file."),
    nullable("tls-client-cert-file", M).doc("Client certificate for outgoing connections."),
    nullable("tls-client-key-file", M).doc("Client private key for outgoing connections."),
    nullable("tls-client-key-file-pass", M).doc("Passphrase of tls-client-key-file."),
    nullable("tls-dh-params-file", M).doc("DH parameters file."),
    nullable("tls-ca-cert-file", M).doc("CA certificate bundle."),
    nullable("tls-ca-cert-dir", M).doc("Directory of CA certificates."),
    enumeration("tls-auth-clients", TLS_AUTH_CLIENTS, 1, M)
        .doc("Require client certificates: no, yes, optional."),
    boolean("tls-replication", false, M).doc("Use TLS for replication links."),
    boolean("tls-cluster", false, M).doc("Use TLS for the cluster bus."),
    nullable("tls-protocols", M).doc("Allowed TLS protocol versions."),
    nullable("tls-ciphers", M).doc("Allowed TLS <= 1.2 ciphers."),
    nullable("tls-ciphersuites", M).doc("Allowed TLS 1.3 cipher suites."),
    boolean("tls-prefer-server-ciphers", false, M).doc("Prefer the server's cipher order."),
    boolean("tls-session-caching", true, M).doc("Enable TLS session caching."),
    int("tls-session-cache-size", 0, INT_MAX, 20480, M).doc("TLS session cache size."),
    int("tls-session-cache-timeout", 0, INT_MAX, 300, M)
        .doc("TLS session cache timeout (seconds)."),
    // General.
    boolean("daemonize", false, IMMUTABLE)
        .doc("Fork into the background (carmine always stays in front)."),
    enumeration("supervised", SUPERVISED, 3, IMMUTABLE)
        .doc("Supervision interaction: upstart, systemd, auto, no."),
    nullable("pidfile", IMMUTABLE).live().doc("Write the process id to this file."),
    enumeration("loglevel", LOGLEVEL, 2, M).live()
        .doc("Log verbosity: debug, verbose, notice, warning."),
    string("logfile", "", IMMUTABLE).live().doc("Log file; empty means standard output."),
    boolean("syslog-enabled", false, IMMUTABLE).doc("Also log to syslog."),
    string("syslog-ident", "redis", IMMUTABLE).doc("Syslog identity."),
    enumeration("syslog-facility", SYSLOG_FACILITY, 1, IMMUTABLE)
        .doc("Syslog facility: user, local0-local7."),
    boolean("crash-log-enabled", true, M).doc("Log a stack trace on a crash."),
    boolean("crash-memcheck-enabled", true, M).doc("Run a memory check after a crash."),
    int("databases", 1, INT_MAX, 16, IMMUTABLE).live().doc("Number of logical databases."),
    boolean("always-show-logo", false, IMMUTABLE).live()
        .doc("Print the ASCII logo even when logging to a file."),
    boolean("set-proc-title", true, IMMUTABLE).doc("Rewrite the process title."),
    string("proc-title-template", "{title} {listen-addr} {server-mode}", M)
        .check(check_proc_title_template)
        .doc("Template of the process title."),
    // Snapshotting.
    special("save", Special::Save, MULTI_ARG).live()
        .doc("Snapshot after <seconds> if at least <changes> writes; \"\" disables."),
    boolean("stop-writes-on-bgsave-error", true, M).live()
        .doc("Refuse writes after a failed background save."),
    boolean("rdbcompression", true, M).live().doc("LZF-compress strings in RDB files."),
    boolean("rdbchecksum", true, IMMUTABLE).live().doc("Append a CRC64 checksum to RDB files."),
    enumeration("sanitize-dump-payload", SANITIZE_DUMP_PAYLOAD, 0, M).live()
        .doc("Deep-check RDB and RESTORE payloads: no, yes, clients (carmine always does)."),
    string("dbfilename", "dump.rdb", M | PROTECTED).check(check_dbfilename).live()
        .doc("RDB file name (inside dir)."),
    boolean("rdb-del-sync-files", false, M)
        .doc("Delete RDB files used only for replication (no replication yet)."),
    special("dir", Special::Dir, M | PROTECTED | DENY_LOADING).live()
        .doc("Working directory for RDB, AOF and nodes.conf."),
    // Replication.
    special("replicaof", Special::ReplicaOf, IMMUTABLE | MULTI_ARG).alias("slaveof")
        .doc("Replicate from <host> <port>."),
    nullable("masterauth", M | SENSITIVE).doc("Password for the master."),
    nullable("masteruser", M | SENSITIVE).doc("ACL user for the master."),
    boolean("replica-serve-stale-data", true, M).alias("slave-serve-stale-data")
        .doc("Serve possibly stale data while the link is down."),
    boolean("replica-read-only", true, M).alias("slave-read-only")
        .doc("Refuse writes on a replica."),
    boolean("repl-diskless-sync", true, M).doc("Send full syncs through the socket, not a file."),
    int("repl-diskless-sync-delay", 0, INT_MAX, 5, M)
        .doc("Seconds to wait for more replicas before a diskless sync."),
    int("repl-diskless-sync-max-replicas", 0, INT_MAX, 0, M)
        .doc("Start a diskless sync early once this many replicas wait."),
    enumeration("repl-diskless-load", REPL_DISKLESS_LOAD, 0, M | DENY_LOADING)
        .doc("Load a full sync from the socket: disabled, on-empty-db, swapdb."),
    int("repl-ping-replica-period", 1, INT_MAX, 10, M).alias("repl-ping-slave-period")
        .doc("Seconds between pings to replicas."),
    int("repl-timeout", 1, INT_MAX, 60, M).doc("Replication timeout in seconds."),
    boolean("repl-disable-tcp-nodelay", false, M).doc("Disable TCP_NODELAY on replica links."),
    mem("repl-backlog-size", 1, LONG_MAX, 1024 * 1024, M).doc("Replication backlog size."),
    int("repl-backlog-ttl", 0, LONG_MAX, 3600, M)
        .doc("Free the backlog after this many seconds without replicas."),
    int("replica-priority", 0, INT_MAX, 100, M).alias("slave-priority")
        .doc("Promotion priority for Sentinel (0 = never)."),
    boolean("replica-announced", true, M).doc("Show this replica in Sentinel's replica list."),
    int("min-replicas-to-write", 0, INT_MAX, 0, M).alias("min-slaves-to-write")
        .doc("Refuse writes with fewer good replicas than this."),
    int("min-replicas-max-lag", 0, INT_MAX, 10, M).alias("min-slaves-max-lag")
        .doc("Seconds of lag after which a replica is not good."),
    nullable("replica-announce-ip", M).alias("slave-announce-ip")
        .doc("IP a replica announces to its master."),
    int("replica-announce-port", 0, 65535, 0, M).alias("slave-announce-port")
        .doc("Port a replica announces to its master."),
    boolean("replica-ignore-maxmemory", true, M).alias("slave-ignore-maxmemory")
        .doc("Replicas ignore maxmemory."),
    boolean("replica-lazy-flush", false, M).alias("slave-lazy-flush")
        .doc("Flush asynchronously before loading a full sync."),
    boolean("replica-ignore-disk-write-errors", false, M)
        .doc("Keep replicating after a disk write error."),
    enumeration("propagation-error-behavior", PROPAGATION_ERROR, 0, M)
        .doc("On an error in replicated commands: ignore, panic, panic-on-replicas."),
    // Keys tracking.
    uint("tracking-table-max-keys", 0, LONG_MAX, 1_000_000, M)
        .doc("Maximum keys in the client-tracking table."),
    // Security.
    int("acllog-max-len", 0, LONG_MAX, 128, M).doc("Maximum entries in ACL LOG."),
    string("aclfile", "", IMMUTABLE).doc("External ACL users file."),
    nullable("requirepass", M | SENSITIVE).live().doc("Password of the default user."),
    enumeration("acl-pubsub-default", ACL_PUBSUB_DEFAULT, 0, M)
        .doc("Default channel permissions of new users: allchannels, resetchannels."),
    // Clients and memory.
    uint("maxclients", 1, UINT_MAX, 10000, M).live().doc("Maximum simultaneous clients."),
    umem("maxmemory", 0, ULLONG_MAX, 0, M).live().doc("Memory limit in bytes (0 = none)."),
    enumeration("maxmemory-policy", MAXMEMORY_POLICY, 7, M).live()
        .doc("Eviction policy when maxmemory is reached."),
    int("maxmemory-samples", 1, INT_MAX, 5, M).live().doc("Keys sampled per eviction."),
    int("maxmemory-eviction-tenacity", 0, 100, 10, M).live().doc("Eviction effort per command (0-100)."),
    num("maxmemory-clients", (-100, LONG_MAX, 0), NumFormat::MemoryOrPercent, false, M).live()
        .doc("Memory limit for all clients together, in bytes or N% of maxmemory."),
    // Lazy freeing.
    boolean("lazyfree-lazy-eviction", false, M).live()
        .doc("Free evicted values in the background."),
    boolean("lazyfree-lazy-expire", false, M).live().doc("Free expired values in the background."),
    boolean("lazyfree-lazy-server-del", false, M).live()
        .doc("Free implicitly deleted values in the background."),
    boolean("lazyfree-lazy-user-del", false, M).live().doc("Make DEL behave like UNLINK."),
    boolean("lazyfree-lazy-user-flush", false, M).live()
        .doc("Make FLUSHDB/FLUSHALL ASYNC by default."),
    // Threaded I/O.
    int("io-threads", 1, 128, 1, IMMUTABLE).doc("I/O threads (carmine is single-threaded)."),
    boolean("io-threads-do-reads", false, IMMUTABLE).doc("Let I/O threads read and parse too."),
    // Kernel interaction.
    enumeration("oom-score-adj", OOM_SCORE_ADJ, 0, M)
        .doc("Control the OOM killer score: no, yes, relative, absolute."),
    special("oom-score-adj-values", Special::OomScoreAdjValues, MULTI_ARG)
        .doc("OOM score adjustments for master, replica and child processes."),
    boolean("disable-thp", true, IMMUTABLE).doc("Disable transparent huge pages for this process."),
    nullable("server_cpulist", IMMUTABLE).doc("CPU affinity of the main thread."),
    nullable("bio_cpulist", IMMUTABLE).doc("CPU affinity of background I/O threads."),
    nullable("aof_rewrite_cpulist", IMMUTABLE).doc("CPU affinity of the AOF rewrite child."),
    nullable("bgsave_cpulist", IMMUTABLE).doc("CPU affinity of the BGSAVE child."),
    string("ignore-warnings", "", M).doc("Start-up warnings to silence."),
    // Append only file.
    boolean("appendonly", false, M | DENY_LOADING).live().doc("Enable the append only file."),
    string("appendfilename", "appendonly.aof", IMMUTABLE).live().check(check_aof_filename)
        .doc("Base name of AOF files."),
    string("appenddirname", "appendonlydir", IMMUTABLE).live().check(check_aof_dirname)
        .doc("Directory of AOF files (inside dir)."),
    enumeration("appendfsync", APPENDFSYNC, 0, M).live().doc("fsync policy: always, everysec, no."),
    boolean("no-appendfsync-on-rewrite", false, M).live().doc("Skip fsync while a rewrite or save runs."),
    int("auto-aof-rewrite-percentage", 0, INT_MAX, 100, M).live()
        .doc("Rewrite when the AOF grew by this percentage."),
    mem("auto-aof-rewrite-min-size", 0, LONG_MAX, 64 * 1024 * 1024, M).live()
        .doc("Minimum AOF size for an automatic rewrite."),
    boolean("aof-load-truncated", true, M).live()
        .doc("Load a truncated AOF instead of refusing to start."),
    boolean("aof-use-rdb-preamble", true, M).live().doc("Write the AOF base file in RDB format."),
    boolean("aof-timestamp-enabled", false, M).doc("Write timestamp annotations in the AOF."),
    boolean("aof-disable-auto-gc", false, M).doc("Keep history AOF files."),
    boolean("aof-rewrite-incremental-fsync", true, M)
        .doc("fsync every 4 MB while rewriting the AOF."),
    boolean("rdb-save-incremental-fsync", true, M)
        .doc("fsync every 4 MB while saving an RDB file."),
    // Shutdown.
    int("shutdown-timeout", 0, INT_MAX, 10, M).doc("Seconds to wait for replicas on shutdown."),
    shutdown_on("shutdown-on-sigint").doc("SIGINT behaviour: default, or save|nosave, now, force."),
    shutdown_on("shutdown-on-sigterm")
        .doc("SIGTERM behaviour: default, or save|nosave, now, force."),
    // Long blocking operations.
    int("busy-reply-threshold", 0, LONG_MAX, 5000, M).alias("lua-time-limit").live()
        .doc("Milliseconds before a script gets -BUSY replies."),
    // Cluster.
    boolean("cluster-enabled", false, IMMUTABLE).doc("Run as a cluster node."),
    string("cluster-config-file", "nodes.conf", IMMUTABLE).doc("Cluster state file."),
    int("cluster-node-timeout", 0, LONG_MAX, 15000, M)
        .doc("Milliseconds before a node is failing."),
    int("cluster-port", 0, 65535, 0, IMMUTABLE).doc("Cluster bus port (0 = port + 10000)."),
    int("cluster-replica-validity-factor", 0, INT_MAX, 10, M).alias("cluster-slave-validity-factor")
        .doc("Replica data age factor for failover."),
    int("cluster-migration-barrier", 0, INT_MAX, 1, M)
        .doc("Replicas a master keeps before one migrates."),
    boolean("cluster-allow-replica-migration", true, M)
        .doc("Allow replicas to migrate to orphaned masters."),
    boolean("cluster-require-full-coverage", true, M).doc("Stop serving when a slot is uncovered."),
    boolean("cluster-replica-no-failover", false, M).alias("cluster-slave-no-failover")
        .doc("Never fail over this replica automatically."),
    boolean("cluster-allow-reads-when-down", false, M)
        .doc("Serve reads while the cluster is down."),
    boolean("cluster-allow-pubsubshard-when-down", true, M)
        .doc("Serve shard pub/sub while the cluster is down."),
    umem("cluster-link-sendbuf-limit", 0, ULLONG_MAX, 0, M)
        .doc("Send buffer limit of a cluster bus link."),
    nullable("cluster-announce-hostname", M).check(check_hostname)
        .doc("Hostname announced to other nodes."),
    enumeration("cluster-preferred-endpoint-type", ENDPOINT_TYPE, 0, M)
        .doc("Endpoint shown in redirects: ip, hostname, unknown-endpoint."),
    nullable("cluster-announce-ip", M).doc("IP announced to other nodes."),
    int("cluster-announce-port", 0, 65535, 0, M).doc("Client port announced to other nodes."),
    int("cluster-announce-tls-port", 0, 65535, 0, M).doc("TLS port announced to other nodes."),
    int("cluster-announce-bus-port", 0, 65535, 0, M).doc("Bus port announced to other nodes."),
    // Slow log and latency.
    int("slowlog-log-slower-than", -1, LONG_MAX, 10000, M).live()
        .doc("Log commands slower than this many microseconds (-1 = off)."),
    int("slowlog-max-len", 0, LONG_MAX, 128, M).live().doc("Maximum SLOWLOG entries."),
    int("latency-monitor-threshold", 0, LONG_MAX, 0, M).live()
        .doc("Record events slower than this many milliseconds."),
    boolean("latency-tracking", true, M).doc("Track per-command latency percentiles."),
    special("latency-tracking-info-percentiles", Special::LatencyPercentiles, MULTI_ARG)
        .doc("Percentiles shown by INFO latencystats."),
    // Events.
    special("notify-keyspace-events", Special::NotifyKeyspaceEvents, M).live()
        .doc("Keyspace notification classes, from \"KEg$lshzxetdmnA\"."),
    // Data type encodings.
    uint("hash-max-listpack-entries", 0, LONG_MAX, 512, M).alias("hash-max-ziplist-entries").live()
        .doc("Largest hash kept as a listpack (fields)."),
    umem("hash-max-listpack-value", 0, LONG_MAX, 64, M).alias("hash-max-ziplist-value").live()
        .doc("Largest hash value kept in a listpack (bytes)."),
    int("list-max-listpack-size", INT_MIN, INT_MAX, -2, M).alias("list-max-ziplist-size").live()
        .doc("List node size: entries (>0) or -1..-5 for 4-64 KB."),
    int("list-compress-depth", 0, INT_MAX, 0, M).live()
        .doc("Uncompressed list nodes at each end (0 = no compression)."),
    uint("set-max-intset-entries", 0, LONG_MAX, 512, M).live()
        .doc("Largest integer set kept as an intset."),
    uint("zset-max-listpack-entries", 0, LONG_MAX, 128, M).alias("zset-max-ziplist-entries").live()
        .doc("Largest sorted set kept as a listpack."),
    umem("zset-max-listpack-value", 0, LONG_MAX, 64, M).alias("zset-max-ziplist-value").live()
        .doc("Largest sorted set member kept in a listpack."),
    umem("hll-sparse-max-bytes", 0, LONG_MAX, 3000, M).doc("Largest sparse HyperLogLog."),
    umem("stream-node-max-bytes", 0, LONG_MAX, 4096, M).doc("Largest stream node in bytes."),
    int("stream-node-max-entries", 0, LONG_MAX, 100, M).doc("Most entries in a stream node."),
    boolean("activerehashing", true, M).doc("Rehash the main dictionaries in the cron."),
    // Client limits.
    special("client-output-buffer-limit", Special::ClientOutputBufferLimit, MULTI_ARG).live()
        .doc("Output buffer limits per class: <class> <hard> <soft> <soft seconds>."),
    umem("client-query-buffer-limit", 1024 * 1024, LONG_MAX, 1024 * 1024 * 1024, M).live()
        .doc("Largest query buffer of a client."),
    mem("proto-max-bulk-len", 1024 * 1024, LONG_MAX, 512 * 1024 * 1024, M).live()
        .doc("Largest bulk string in a request."),
    int("hz", 0, INT_MAX, 10, M).live().doc("Background task frequency (clamped to 1-500)."),
    boolean("dynamic-hz", true, M).doc("Raise hz with the number of clients."),
    int("active-expire-effort", 1, 10, 1, M).live().doc("Active expiry effort (1-10)."),
    // Active defragmentation.
    boolean("activedefrag", false, M).doc("Enable active defragmentation."),
    umem("active-defrag-ignore-bytes", 1, LONG_MAX, 100 << 20, M)
        .doc("Minimum fragmentation waste to start."),
    int("active-defrag-threshold-lower", 0, 1000, 10, M)
        .doc("Minimum fragmentation percentage to start."),
    int("active-defrag-threshold-upper", 0, 1000, 100, M)
        .doc("Fragmentation percentage for maximum effort."),
    int("active-defrag-cycle-min", 1, 99, 1, M).doc("Minimal CPU percentage for defragmentation."),
    int("active-defrag-cycle-max", 1, 99, 25, M).doc("Maximal CPU percentage for defragmentation."),
    int("active-defrag-max-scan-fields", 1, LONG_MAX, 1000, M)
        .doc("Fields per step of the main dictionary scan."),
    boolean("jemalloc-bg-thread", true, M).doc("Let jemalloc purge in a background thread."),
    int("lfu-log-factor", 0, INT_MAX, 10, M).live().doc("LFU counter logarithm factor."),
    int("lfu-decay-time", 0, INT_MAX, 1, M).live().doc("Minutes per LFU counter decay."),
    // Hidden testing knobs: CONFIG GET shows them only by exact name.
    boolean("use-exit-on-panic", false, HIDDEN).doc("Exit instead of abort on a panic (testing)."),
    int("rdb-key-save-delay", INT_MIN, INT_MAX, 0, HIDDEN).live()
        .doc("Microseconds to sleep per saved key (testing)."),
    int("key-load-delay", INT_MIN, INT_MAX, 0, HIDDEN).live()
        .doc("Microseconds to sleep per loaded key (testing)."),
    int("watchdog-period", 0, INT_MAX, 0, HIDDEN)
        .doc("Software watchdog period in milliseconds (testing)."),
    int("loading-process-events-interval-bytes", 1024, INT_MAX, 2 * 1024 * 1024, HIDDEN).live()
        .doc("Bytes loaded between event processing (testing)."),
];

fn check_shutdown_flags(v: u32) -> Result<(), &'static str> {
    if v & 1 != 0 && v & 2 != 0 {
        Err("shutdown options SAVE and NOSAVE can't be used simultaneously")
    } else {
        Ok(())
    }
}

fn is_base_name(v: &[u8]) -> bool {
    !v.contains(&b'/') && !v.contains(&b'\\')
}

fn check_dbfilename(v: &[u8]) -> Result<(), &'static str> {
    if is_base_name(v) {
        Ok(())
    } else {
        Err("dbfilename can't be a path, just a filename")
    }
}

fn check_aof_filename(v: &[u8]) -> Result<(), &'static str> {
    if v.is_empty() {
        Err("appendfilename can't be empty")
    } else if !is_base_name(v) {
        Err("appendfilename can't be a path, just a filename")
    } else {
        Ok(())
    }
}

fn check_aof_dirname(v: &[u8]) -> Result<(), &'static str> {
    if v.is_empty() {
        Err("appenddirname can't be empty")
    } else if !is_base_name(v) {
        Err("appenddirname can't be a path, just a dirname")
    } else {
        Ok(())
    }
}

fn check_hostname(v: &[u8]) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if v.iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots")
    }
}

/// Validates a process title template as `validateProcTitleTemplate`.
///
/// `{name}` must be one of the known variables, `{{` and `}}` are literal braces, any other lone
/// brace is an error, and the expansion must not trim to nothing in a default server.
fn check_proc_title_template(v: &[u8]) -> Result<(), &'static str> {
    const ERR: &str = "template format is invalid or contains unknown variables";
    const VARS: &[&[u8]] = &[
        b"title",
        b"listen-addr",
        b"server-mode",
        b"port",
        b"tls-port",
        b"unixsocket",
        b"config-file",
    ];
    // Variables that expand to something even in a default standalone server.
    const NON_EMPTY: &[&[u8]] = &[b"listen-addr", b"port", b"tls-port", b"config-file"];
    let mut visible = false;
    let mut i = 0;
    while let Some(&c) = v.get(i) {
        match c {
            b'{' if v.get(i + 1) == Some(&b'{') => {
                visible = true;
                i += 2;
            }
            b'}' if v.get(i + 1) == Some(&b'}') => {
                visible = true;
                i += 2;
            }
            b'{' => {
                let rest = v.get(i + 1..).unwrap_or_default();
                let end = rest.iter().position(|&c| c == b'}').ok_or(ERR)?;
                let name = rest.get(..end).unwrap_or_default();
                if !VARS.contains(&name) {
                    return Err(ERR);
                }
                visible |= NON_EMPTY.contains(&name);
                i += end + 2;
            }
            b'}' => return Err(ERR),
            other => {
                visible |= other != b' ';
                i += 1;
            }
        }
    }
    // Redis expands the template and refuses a title that trims to nothing.
    if !visible {
        return Err(ERR);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let mut seen = HashSet::new();
        for d in TABLE {
            for n in std::iter::once(d.name).chain(d.alias) {
                assert_eq!(n, n.to_ascii_lowercase());
                assert!(seen.insert(n), "duplicate {n}");
            }
        }
    }

    #[test]
    fn find_ignores_case_and_knows_aliases() {
        let (i, alias) = find(b"SLAVEOF").unwrap();
        assert_eq!(TABLE[i].name, "replicaof");
        assert!(alias);
        let (i, alias) = find(b"Port").unwrap();
        assert_eq!(TABLE[i].name, "port");
        assert!(!alias);
        assert!(find(b"nosuch").is_none());
    }

    #[test]
    fn proc_title_templates_validate_like_redis() {
        assert!(check_proc_title_template(b"{title} {listen-addr} {server-mode}").is_ok());
        assert!(check_proc_title_template(b"{{x}} {title}").is_ok());
        assert!(check_proc_title_template(b"{foo}").is_err());
        assert!(check_proc_title_template(b"{title").is_err());
        assert!(check_proc_title_template(b" ").is_err());
        assert!(check_proc_title_template(b"x}").is_err());
        assert!(check_proc_title_template(b"{title}").is_err());
        assert!(check_proc_title_template(b"{title}{server-mode}").is_err());
        assert!(check_proc_title_template(b"{port}").is_ok());
        assert!(check_proc_title_template(b"{title} x").is_ok());
    }
}
