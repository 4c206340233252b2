//! carmine's configuration: redis.conf parsing, command-line options and the CONFIG GET / SET /
//! REWRITE backends, all driven by the directive table in `table.rs`.
//!
//! Representation. The source of truth is `values`, one [`Value`] per table row (aliases share
//! their primary's row). The typed `pub` fields of [`Config`] are a read-only view for hot paths,
//! recomputed from `values` after every successful load or CONFIG SET (`sync`); code outside this
//! module reads them but changes configuration only through [`Config::set`] or a load, so the two
//! can never disagree. Directives carmine does not act on yet are still parsed, validated,
//! stored, shown and rewritten exactly as Redis 7.0.15 does; [`Config::not_in_effect`] lists
//! those set to a non-default value so start-up can warn about them.
//!
//! Behaviour copied from Redis on purpose, each checked against redis-server 7.0.15:
//! - CONFIG SET is all or nothing: every name is looked up first (the first error of that pass
//!   wins), then values are set in order and a failure restores every earlier one.
//! - `hz` is clamped to 1..=500 when set; `dir` changes the process's working directory when set,
//!   and CONFIG GET dir reports the directory it moved to.
//! - Strings are bytes: a value may hold any byte a quoted `"\xff"` can produce.
//!
//! Layout: `table.rs` (the directive table), `parse.rs` (sdssplitargs, memtoull and friends),
//! `file.rs` (redis.conf loading, the command line, CONFIG REWRITE, redis.conf.example), this file
//! (`Config`, errors, CONFIG GET/SET), `tests.rs` with `testdata/` (captured oracle output).
//!
//! Imports: std and `crate::util::glob` only (config is a leaf).

mod file;
mod parse;
mod table;

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use crate::util::glob::glob_match;
use table::{Directive, Kind, NumFormat, Special, TABLE};

pub use file::{example_conf, from_command_line};

/// The Redis release whose configuration behaviour carmine reproduces (it appears in errors).
pub const REDIS_VERSION: &str = "7.0.15";

/// Keyspace events for `__keyspace@<db>__` channels (`K`).
pub const NOTIFY_KEYSPACE: u32 = 1 << 0;
/// Keyspace events for `__keyevent@<db>__` channels (`E`).
pub const NOTIFY_KEYEVENT: u32 = 1 << 1;
/// Generic commands: DEL, EXPIRE, RENAME, ... (`g`).
pub const NOTIFY_GENERIC: u32 = 1 << 2;
/// String commands (`$`).
pub const NOTIFY_STRING: u32 = 1 << 3;
/// List commands (`l`).
pub const NOTIFY_LIST: u32 = 1 << 4;
/// Set commands (`s`).
pub const NOTIFY_SET: u32 = 1 << 5;
/// Hash commands (`h`).
pub const NOTIFY_HASH: u32 = 1 << 6;
/// Sorted set commands (`z`).
pub const NOTIFY_ZSET: u32 = 1 << 7;
/// Expired keys (`x`).
pub const NOTIFY_EXPIRED: u32 = 1 << 8;
/// Evicted keys (`e`).
pub const NOTIFY_EVICTED: u32 = 1 << 9;
/// Stream commands (`t`).
pub const NOTIFY_STREAM: u32 = 1 << 10;
/// Key misses (`m`, not part of `A`).
pub const NOTIFY_KEY_MISS: u32 = 1 << 11;
/// Module key-type events (`d`).
pub const NOTIFY_MODULE: u32 = 1 << 13;
/// New keys (`n`, not part of `A`).
pub const NOTIFY_NEW: u32 = 1 << 14;
/// The `A` alias: every class but key misses and new keys.
pub const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// `shutdown-on-sig*` flag: save before exiting.
pub const SHUTDOWN_SAVE: u32 = 1;
/// `shutdown-on-sig*` flag: do not save.
pub const SHUTDOWN_NOSAVE: u32 = 2;
/// `shutdown-on-sig*` flag: do not wait for replicas.
pub const SHUTDOWN_NOW: u32 = 4;
/// `shutdown-on-sig*` flag: exit even if saving fails.
pub const SHUTDOWN_FORCE: u32 = 8;

/// `loglevel`: how much the server logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Everything (`.` in log lines).
    Debug,
    /// Rarely useful detail (`-`).
    Verbose,
    /// Moderately verbose, the default (`*`).
    Notice,
    /// Only very important messages (`#`).
    Warning,
}

/// `maxmemory-policy`: what to evict when `maxmemory` is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxmemoryPolicy {
    /// Approximate LRU among keys with an expire.
    VolatileLru,
    /// Approximate LFU among keys with an expire.
    VolatileLfu,
    /// Random keys with an expire.
    VolatileRandom,
    /// Keys with the nearest expire.
    VolatileTtl,
    /// Approximate LRU among all keys.
    AllkeysLru,
    /// Approximate LFU among all keys.
    AllkeysLfu,
    /// Random keys.
    AllkeysRandom,
    /// Evict nothing; refuse writes with -OOM (the default).
    NoEviction,
}

/// `appendfsync`: when the AOF is flushed to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendFsync {
    /// Once a second (the default).
    Everysec,
    /// After every write.
    Always,
    /// Left to the operating system.
    No,
}

/// `supervised`: how to talk to an init system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supervised {
    /// upstart's SIGSTOP protocol.
    Upstart,
    /// systemd's READY=1 notification.
    Systemd,
    /// Detect from the environment.
    Auto,
    /// No interaction (the default).
    No,
}

/// One class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObufLimit {
    /// Disconnect as soon as the output buffer exceeds this many bytes (0 = no limit).
    pub hard: u64,
    /// Disconnect when over this many bytes for `soft_seconds` (0 = no limit).
    pub soft: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// The three `client-output-buffer-limit` classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOutputBufferLimits {
    /// Ordinary clients.
    pub normal: ObufLimit,
    /// Replicas (and MONITOR clients), named `slave` in CONFIG GET.
    pub replica: ObufLimit,
    /// Clients subscribed to channels or patterns.
    pub pubsub: ObufLimit,
}

/// Where a CONFIG SET comes from, for the checks that depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The client is connected over loopback or a Unix socket (`enable-protected-configs local`).
    pub local_client: bool,
    /// A dataset is being loaded (directives marked deny-loading answer -LOADING).
    pub loading: bool,
}

/// Where a directive that another subsystem validates came from, for its fatal error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRef {
    /// 1-based line number within the text it was read from.
    pub line: usize,
    /// The trimmed line, as Redis echoes it after `>>>`.
    pub text: String,
}

impl LineRef {
    /// Builds the FATAL CONFIG FILE ERROR for this line, as Redis prints it.
    pub fn fatal(&self, reason: &str) -> ConfigError {
        ConfigError::Fatal {
            line: Some((self.line, self.text.clone())),
            reason: reason.to_owned(),
        }
    }
}

/// A failure to load or rewrite the configuration; `Display` gives Redis's exact text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A bad directive: printed to stderr, then the process exits with status 1.
    Fatal {
        /// The 1-based line number and the trimmed line, unless the check concerns the whole file.
        line: Option<(usize, String)>,
        /// Redis's reason text.
        reason: String,
    },
    /// A config file (or include) that cannot be opened: Redis logs this at warning level and
    /// exits with status 1.
    CantOpen {
        /// The path as given.
        path: String,
        /// The `strerror` text.
        reason: String,
    },
    /// CONFIG REWRITE on a server started without a config file (an -ERR reply).
    NoConfigFile,
    /// CONFIG REWRITE could not write the file (an -ERR reply).
    Rewrite(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Fatal { line, reason } => {
                write!(
                    f,
                    "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n"
                )?;
                if let Some((n, text)) = line {
                    write!(
                        f,
                        "Reading the configuration file, at line {n}\n>>> '{text}'\n"
                    )?;
                }
                writeln!(f, "{reason}")
            }
            ConfigError::CantOpen { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
            ConfigError::NoConfigFile => {
                f.write_str("ERR The server is running without a config file")
            }
            ConfigError::Rewrite(reason) => write!(f, "ERR Rewriting config file: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A refused CONFIG SET; `Display` gives the reply line without the leading `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSetError {
    /// An odd number of arguments after CONFIG SET.
    Syntax,
    /// A name no directive has.
    Unknown(Vec<u8>),
    /// A value was refused, or an apply hook failed.
    Failed {
        /// The name the failure is blamed on.
        name: Vec<u8>,
        /// The reason, when there is one.
        reason: Option<String>,
    },
    /// A deny-loading directive was set while loading.
    Loading,
}

impl ConfigSetError {
    /// Builds the error for an apply hook that failed, e.g. ("port", "Unable to listen on this
    /// port. Check server logs.").
    pub fn apply_failed(name: &str, reason: &str) -> Self {
        ConfigSetError::Failed {
            name: name.as_bytes().to_vec(),
            reason: Some(reason.to_owned()),
        }
    }
}

impl fmt::Display for ConfigSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSetError::Syntax => f.write_str("ERR syntax error"),
            ConfigSetError::Unknown(name) => write!(
                f,
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            ),
            ConfigSetError::Failed { name, reason } => {
                let name = String::from_utf8_lossy(name);
                write!(
                    f,
                    "ERR CONFIG SET failed (possibly related to argument '{name}')"
                )?;
                match reason {
                    Some(r) => write!(f, " - {r}"),
                    None => Ok(()),
                }
            }
            ConfigSetError::Loading => {
                f.write_str("LOADING Redis is loading the dataset in memory")
            }
        }
    }
}

impl std::error::Error for ConfigSetError {}

/// The stored value of one table row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    /// Every numeric type; percentages are negative.
    Num(i128),
    /// An enum value (OR-ed bits for bit-flag enums).
    Enum(u32),
    /// `None` is an unset nullable string.
    Str(Option<Vec<u8>>),
    Save(Vec<(i64, i64)>),
    Obuf([ObufLimit; 3]),
    Oom([i64; 3]),
    Notify(u32),
    Bind(Vec<Vec<u8>>),
    ReplicaOf(Option<(Vec<u8>, u16)>),
    Percentiles(Vec<f64>),
    Dir(String),
}

/// The whole configuration: typed fields for hot paths plus every directive's stored value.
#[derive(Clone, Debug)]
pub struct Config {
    /// `port`: TCP port (0 = no TCP listener).
    pub port: u16,
    /// `bind`: addresses to listen on; a leading `-` marks an address that may be unavailable.
    pub bind: Vec<String>,
    /// `bind-source-addr`: source address for outgoing connections ("" = any).
    pub bind_source_addr: String,
    /// `unixsocket`: Unix socket path ("" = none).
    pub unixsocket: String,
    /// `unixsocketperm`: Unix socket permissions.
    pub unixsocketperm: u32,
    /// `tcp-backlog`: listen() backlog.
    pub tcp_backlog: u32,
    /// `timeout`: idle client timeout in seconds (0 = never).
    pub timeout: u64,
    /// `tcp-keepalive`: keepalive period in seconds (0 = off).
    pub tcp_keepalive: u64,
    /// `maxclients`: simultaneous clients allowed.
    pub maxclients: u32,
    /// `hz`: cron frequency, already clamped to 1..=500.
    pub hz: u32,
    /// `dynamic-hz`: raise hz with the client count.
    pub dynamic_hz: bool,
    /// `databases`: number of databases.
    pub databases: usize,
    /// `requirepass`: password of the default user.
    pub requirepass: Option<Vec<u8>>,
    /// `masterauth`: password used with the master.
    pub masterauth: Option<Vec<u8>>,
    /// `masteruser`: ACL user used with the master.
    pub masteruser: Option<Vec<u8>>,
    /// `protected-mode`.
    pub protected_mode: bool,
    /// `proto-max-bulk-len`: largest bulk in a request.
    pub proto_max_bulk_len: i64,
    /// `client-query-buffer-limit`: largest query buffer.
    pub client_query_buffer_limit: usize,
    /// `client-output-buffer-limit`.
    pub client_output_buffer_limit: ClientOutputBufferLimits,
    /// `slowlog-log-slower-than` in microseconds (negative = off, 0 = log everything).
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: u64,
    /// `latency-monitor-threshold` in milliseconds (0 = off).
    pub latency_monitor_threshold: u64,
    /// `loglevel`.
    pub loglevel: LogLevel,
    /// `logfile` ("" = standard output).
    pub logfile: String,
    /// `syslog-enabled`.
    pub syslog_enabled: bool,
    /// `syslog-ident`.
    pub syslog_ident: String,
    /// `syslog-facility` (`user`, `local0` .. `local7`).
    pub syslog_facility: String,
    /// `pidfile` ("" = none).
    pub pidfile: String,
    /// `daemonize`.
    pub daemonize: bool,
    /// `supervised`.
    pub supervised: Supervised,
    /// `always-show-logo`.
    pub always_show_logo: bool,
    /// `dir`: the working directory (absolute).
    pub dir: String,
    /// `dbfilename`.
    pub dbfilename: String,
    /// `save`: (seconds, changes) save points, empty when disabled.
    pub save: Vec<(u64, u64)>,
    /// `stop-writes-on-bgsave-error`.
    pub stop_writes_on_bgsave_error: bool,
    /// `rdbcompression`.
    pub rdbcompression: bool,
    /// `rdbchecksum`.
    pub rdbchecksum: bool,
    /// `appendonly`.
    pub appendonly: bool,
    /// `appendfilename`.
    pub appendfilename: String,
    /// `appenddirname`.
    pub appenddirname: String,
    /// `appendfsync`.
    pub appendfsync: AppendFsync,
    /// `aof-use-rdb-preamble`.
    pub aof_use_rdb_preamble: bool,
    /// `aof-load-truncated`.
    pub aof_load_truncated: bool,
    /// `maxmemory` in bytes (0 = unlimited).
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub maxmemory_policy: MaxmemoryPolicy,
    /// `maxmemory-samples`.
    pub maxmemory_samples: u32,
    /// `maxmemory-eviction-tenacity` (0..100).
    pub maxmemory_eviction_tenacity: u32,
    /// `replica-ignore-maxmemory`.
    pub replica_ignore_maxmemory: bool,
    /// `maxmemory-clients`: bytes, or minus a percentage of maxmemory (0 = no limit).
    pub maxmemory_clients: i64,
    /// `active-expire-effort` (1..=10).
    pub active_expire_effort: u32,
    /// `lazyfree-lazy-eviction`.
    pub lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`.
    pub lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`.
    pub lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`.
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`.
    pub lazyfree_lazy_user_flush: bool,
    /// `notify-keyspace-events` as `NOTIFY_*` bits.
    pub notify_keyspace_events: u32,
    /// `list-max-listpack-size` (entries if positive, -1..-5 for 4..64 KB nodes).
    pub list_max_listpack_size: i32,
    /// `list-compress-depth`.
    pub list_compress_depth: u32,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: u64,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: u64,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u64,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: u64,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: u64,
    /// `hll-sparse-max-bytes`.
    pub hll_sparse_max_bytes: u64,
    /// `stream-node-max-bytes`.
    pub stream_node_max_bytes: u64,
    /// `stream-node-max-entries`.
    pub stream_node_max_entries: u64,
    /// `activerehashing`.
    pub activerehashing: bool,
    /// `replicaof` host and port, `None` for a master.
    pub replicaof: Option<(String, u16)>,
    /// `replica-read-only`.
    pub replica_read_only: bool,
    /// `replica-serve-stale-data`.
    pub replica_serve_stale_data: bool,
    /// `repl-backlog-size`.
    pub repl_backlog_size: u64,
    /// `repl-timeout` in seconds.
    pub repl_timeout: u64,
    /// `cluster-enabled`.
    pub cluster_enabled: bool,
    /// `busy-reply-threshold` (`lua-time-limit`) in milliseconds.
    pub busy_reply_threshold: u64,
    /// `shutdown-on-sigint` as `SHUTDOWN_*` bits.
    pub shutdown_on_sigint: u32,
    /// `shutdown-on-sigterm` as `SHUTDOWN_*` bits.
    pub shutdown_on_sigterm: u32,
    /// `shutdown-timeout` in seconds.
    pub shutdown_timeout: u64,
    /// `aclfile` ("" = none).
    pub aclfile: String,
    /// `acllog-max-len`.
    pub acllog_max_len: u64,
    /// `tracking-table-max-keys`.
    pub tracking_table_max_keys: u64,
    /// `lfu-log-factor`.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time` in minutes.
    pub lfu_decay_time: u32,

    values: Vec<Value>,
    config_file: Option<PathBuf>,
    /// Whether a `save` line was read from a file yet (the first one replaces the defaults).
    save_loaded: bool,
    rename_commands: Vec<(String, String)>,
    rename_lines: Vec<LineRef>,
    users: Vec<(Vec<String>, LineRef)>,
    loadmodules: Vec<(Vec<String>, LineRef)>,
    module_configs: Vec<(String, String, LineRef)>,
}

impl Default for Config {
    fn default() -> Self {
        let values = TABLE.iter().map(default_value).collect();
        let mut c = Config {
            port: 0,
            bind: Vec::new(),
            bind_source_addr: String::new(),
            unixsocket: String::new(),
            unixsocketperm: 0,
            tcp_backlog: 0,
            timeout: 0,
            tcp_keepalive: 0,
            maxclients: 0,
            hz: 0,
            dynamic_hz: false,
            databases: 0,
            requirepass: None,
            masterauth: None,
            masteruser: None,
            protected_mode: false,
            proto_max_bulk_len: 0,
            client_query_buffer_limit: 0,
            client_output_buffer_limit: ClientOutputBufferLimits {
                normal: OBUF_DEFAULTS[0],
                replica: OBUF_DEFAULTS[1],
                pubsub: OBUF_DEFAULTS[2],
            },
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            syslog_enabled: false,
            syslog_ident: String::new(),
            syslog_facility: String::new(),
            pidfile: String::new(),
            daemonize: false,
            supervised: Supervised::No,
            always_show_logo: false,
            dir: String::new(),
            dbfilename: String::new(),
            save: Vec::new(),
            stop_writes_on_bgsave_error: false,
            rdbcompression: false,
            rdbchecksum: false,
            appendonly: false,
            appendfilename: String::new(),
            appenddirname: String::new(),
            appendfsync: AppendFsync::Everysec,
            aof_use_rdb_preamble: false,
            aof_load_truncated: false,
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::NoEviction,
            maxmemory_samples: 0,
            maxmemory_eviction_tenacity: 0,
            replica_ignore_maxmemory: false,
            maxmemory_clients: 0,
            active_expire_effort: 0,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            notify_keyspace_events: 0,
            list_max_listpack_size: 0,
            list_compress_depth: 0,
            hash_max_listpack_entries: 0,
            hash_max_listpack_value: 0,
            set_max_intset_entries: 0,
            zset_max_listpack_entries: 0,
            zset_max_listpack_value: 0,
            hll_sparse_max_bytes: 0,
            stream_node_max_bytes: 0,
            stream_node_max_entries: 0,
            activerehashing: false,
            replicaof: None,
            replica_read_only: false,
            replica_serve_stale_data: false,
            repl_backlog_size: 0,
            repl_timeout: 0,
            cluster_enabled: false,
            busy_reply_threshold: 0,
            shutdown_on_sigint: 0,
            shutdown_on_sigterm: 0,
            shutdown_timeout: 0,
            aclfile: String::new(),
            acllog_max_len: 0,
            tracking_table_max_keys: 0,
            lfu_log_factor: 0,
            lfu_decay_time: 0,
            values,
            config_file: None,
            save_loaded: false,
            rename_commands: Vec::new(),
            rename_lines: Vec::new(),
            users: Vec::new(),
            loadmodules: Vec::new(),
            module_configs: Vec::new(),
        };
        c.sync();
        c
    }
}

impl Config {
    /// CONFIG GET: every directive matching one of the glob `patterns`, with its value.
    ///
    /// A pattern without `*`, `?` or `[` is an exact, case-insensitive lookup that also finds
    /// hidden directives and answers under the name as written; a glob matches names and aliases
    /// (not hidden ones) ignoring case. A name appears at most once, first spelling wins.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for &pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                let key = String::from_utf8_lossy(pat).into_owned();
                if seen.contains(&key.to_ascii_lowercase()) {
                    continue;
                }
                if let Some((i, _)) = table::find(pat) {
                    seen.insert(key.to_ascii_lowercase());
                    out.push((key, self.render(i)));
                }
                continue;
            }
            for (i, d) in TABLE.iter().enumerate() {
                if d.has(table::HIDDEN) {
                    continue;
                }
                for name in std::iter::once(d.name).chain(d.alias) {
                    if !seen.contains(name) && glob_match(pat, name.as_bytes(), true) {
                        seen.insert(name.to_owned());
                        out.push((name.to_owned(), self.render(i)));
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET with default context: see [`Config::set_with`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, ConfigSetError> {
        self.set_with(pairs, SetContext::default())
    }

    /// CONFIG SET from the flat argument list after `SET` (name value name value ...).
    pub fn set_args(
        &mut self,
        args: &[&[u8]],
        ctx: SetContext,
    ) -> Result<Vec<&'static str>, ConfigSetError> {
        if !args.len().is_multiple_of(2) {
            return Err(ConfigSetError::Syntax);
        }
        let pairs: Vec<(&[u8], &[u8])> = args
            .chunks_exact(2)
            .filter_map(|c| Some((*c.first()?, *c.get(1)?)))
            .collect();
        self.set_with(&pairs, ctx)
    }

    /// CONFIG SET: sets every pair or none, returning the canonical names whose value changed.
    ///
    /// The caller runs its apply hooks (listen on the new port, reopen the AOF, ...) for the
    /// returned names. To undo on a hook failure, clone the config before calling, put the clone
    /// back with [`Config::restore`], and answer [`ConfigSetError::apply_failed`].
    pub fn set_with(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<Vec<&'static str>, ConfigSetError> {
        // Pass 1: look every name up; the first error found wins.
        let mut rows: Vec<(usize, &'static str)> = Vec::with_capacity(pairs.len());
        let mut first_err: Option<ConfigSetError> = None;
        for &(name, _) in pairs {
            let Some((i, alias)) = table::find(name) else {
                first_err.get_or_insert_with(|| ConfigSetError::Unknown(name.to_vec()));
                continue;
            };
            let Some(d) = TABLE.get(i) else { continue };
            if first_err.is_some() {
                continue;
            }
            let failed = |reason: &str| ConfigSetError::Failed {
                name: name.to_vec(),
                reason: Some(reason.to_owned()),
            };
            if d.has(table::IMMUTABLE) {
                first_err = Some(failed("can't set immutable config"));
            } else if d.has(table::PROTECTED) && !self.protected_allowed(ctx) {
                first_err = Some(failed("can't set protected config"));
            } else if ctx.loading && d.has(table::DENY_LOADING) {
                first_err = Some(ConfigSetError::Loading);
            } else if rows.iter().any(|&(j, _)| j == i) {
                first_err = Some(failed("duplicate parameter"));
            }
            let shown = if alias {
                d.alias.unwrap_or(d.name)
            } else {
                d.name
            };
            rows.push((i, shown));
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        // Pass 2: set in order, restoring everything on the first refusal.
        let backup = self.clone();
        let mut changed = Vec::new();
        for (&(i, shown), &(_, value)) in rows.iter().zip(pairs) {
            let Some(d) = TABLE.get(i) else { continue };
            let args = if d.has(table::MULTI_ARG) {
                parse::split_spaces(value)
            } else {
                vec![value.to_vec()]
            };
            match self.set_row(i, &args, false) {
                Ok(true) => {
                    if !changed.contains(&d.name) {
                        changed.push(d.name);
                    }
                }
                Ok(false) => {}
                Err(reason) => {
                    self.restore(backup);
                    return Err(ConfigSetError::Failed {
                        name: shown.as_bytes().to_vec(),
                        reason: Some(reason),
                    });
                }
            }
        }
        self.sync();
        Ok(changed)
    }

    /// Puts back a configuration cloned before a CONFIG SET whose apply hook failed.
    pub fn restore(&mut self, previous: Config) {
        if self.dir != previous.dir {
            // `dir` moved the process; move it back.
            let _ = std::env::set_current_dir(&previous.dir);
        }
        *self = previous;
    }

    /// Returns the CONFIG GET form of one directive (by name or alias), or `None` if unknown.
    pub fn value(&self, name: &str) -> Option<Vec<u8>> {
        table::find(name.as_bytes()).map(|(i, _)| self.render(i))
    }

    /// Returns whether a directive's value must be redacted from logs, SLOWLOG and MONITOR.
    pub fn is_sensitive(name: &[u8]) -> bool {
        table::find(name)
            .and_then(|(i, _)| TABLE.get(i))
            .is_some_and(|d| d.has(table::SENSITIVE))
    }

    /// Directives set to a non-default value whose feature carmine does not implement yet.
    ///
    /// Also lists `rename-command`, `user` and `loadmodule` when the file had any. Start-up logs
    /// each once as a warning ("not in effect yet").
    pub fn not_in_effect(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = TABLE
            .iter()
            .zip(&self.values)
            .filter(|(d, v)| !d.in_effect && **v != default_value(d))
            .map(|(d, _)| d.name)
            .collect();
        if !self.rename_commands.is_empty() {
            out.push("rename-command");
        }
        if !self.users.is_empty() {
            out.push("user");
        }
        if !self.loadmodules.is_empty() {
            out.push("loadmodule");
        }
        out
    }

    /// The `rename-command` pairs read from the configuration, in order (`""` target = removed).
    pub fn rename_commands(&self) -> &[(String, String)] {
        &self.rename_commands
    }

    /// Checks every `rename-command` against the command table, failing as Redis does.
    ///
    /// `exists` answers whether a (lowercase) command name is currently known. Renames are
    /// checked in file order, each seeing the effect of the earlier ones.
    pub fn check_rename_commands(&self, exists: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        let mut removed: Vec<String> = Vec::new();
        let mut added: Vec<String> = Vec::new();
        for ((from, to), line) in self.rename_commands.iter().zip(&self.rename_lines) {
            let from = from.to_ascii_lowercase();
            let known = (exists(&from) && !removed.contains(&from)) || added.contains(&from);
            if !known {
                return Err(line.fatal("No such command in rename-command"));
            }
            added.retain(|a| *a != from);
            removed.push(from);
            if !to.is_empty() {
                let to = to.to_ascii_lowercase();
                if (exists(&to) && !removed.contains(&to)) || added.contains(&to) {
                    return Err(line.fatal("Target command name already exists"));
                }
                removed.retain(|r| *r != to);
                added.push(to);
            }
        }
        Ok(())
    }

    /// The `user` directives (each line's words after `user`), for the ACL subsystem.
    pub fn users(&self) -> &[(Vec<String>, LineRef)] {
        &self.users
    }

    /// The `loadmodule` directives (path, then arguments); carmine loads no modules.
    pub fn loadmodules(&self) -> &[(Vec<String>, LineRef)] {
        &self.loadmodules
    }

    /// The module directives (`name.with.dot value`), which fail at start-up without modules.
    pub fn module_configs(&self) -> &[(String, String, LineRef)] {
        &self.module_configs
    }

    /// The absolute path of the config file, if the server was started with one.
    pub fn config_file(&self) -> Option<&std::path::Path> {
        self.config_file.as_deref()
    }

    /// `notify-keyspace-events` in the canonical form CONFIG GET shows.
    pub fn notify_keyspace_events_string(&self) -> String {
        notify_flags_to_string(self.notify_keyspace_events)
    }

    /// Whether CONFIG SET of a protected directive is allowed for this client.
    fn protected_allowed(&self, ctx: SetContext) -> bool {
        let v = self.enum_value("enable-protected-configs");
        v == table::PROTECTED_YES || (v == table::PROTECTED_LOCAL && ctx.local_client)
    }

    /// Sets one row from its argument words, returning whether the value changed.
    ///
    /// `from_file` selects the file semantics of `save` (the first line replaces the defaults,
    /// later ones add to it).
    fn set_row(&mut self, i: usize, args: &[Vec<u8>], from_file: bool) -> Result<bool, String> {
        let d = TABLE.get(i).ok_or("unknown directive")?;
        let new = match d.kind {
            Kind::Special(Special::Save) => {
                let mut args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                let mut current = match self.values.get(i) {
                    Some(Value::Save(v)) => v.clone(),
                    _ => Vec::new(),
                };
                if args.len() == 1 && args.first().is_some_and(|a| a.is_empty()) {
                    // `save ""` always starts from nothing.
                    current.clear();
                    args.clear();
                } else if let [one] = args.as_slice() {
                    // One word holding several (`--save "3600 1"`): Redis splits a lone
                    // argument of a multi-argument directive on spaces.
                    let one: &[u8] = one;
                    args = one
                        .split(|b| b.is_ascii_whitespace())
                        .filter(|w| !w.is_empty())
                        .collect();
                }
                let points = parse_save(&args)?;
                if !from_file || !self.save_loaded {
                    current.clear();
                }
                if from_file {
                    self.save_loaded = true;
                }
                current.extend(points);
                Value::Save(current)
            }
            Kind::Special(Special::Dir) => {
                let [path] = args else {
                    return Err("wrong number of arguments".into());
                };
                let path = std::str::from_utf8(path).map_err(|_| "Invalid argument".to_owned())?;
                std::env::set_current_dir(path).map_err(|e| io_reason(&e))?;
                let cwd = std::env::current_dir().map_err(|e| io_reason(&e))?;
                Value::Dir(cwd.to_string_lossy().into_owned())
            }
            Kind::Special(Special::ClientOutputBufferLimit) => {
                let mut limits = match self.values.get(i) {
                    Some(Value::Obuf(v)) => *v,
                    _ => OBUF_DEFAULTS,
                };
                for (class, limit) in parse_obuf(args)? {
                    if let Some(slot) = limits.get_mut(class) {
                        *slot = limit;
                    }
                }
                Value::Obuf(limits)
            }
            _ => parse_value(d, args)?,
        };
        let new = match (d.name, new) {
            ("hz", Value::Num(n)) => Value::Num(n.clamp(1, 500)),
            (_, v) => v,
        };
        let slot = self.values.get_mut(i).ok_or("unknown directive")?;
        let changed = *slot != new;
        *slot = new;
        Ok(changed)
    }

    /// The CONFIG GET form of row `i`.
    fn render(&self, i: usize) -> Vec<u8> {
        let (Some(d), Some(v)) = (TABLE.get(i), self.values.get(i)) else {
            return Vec::new();
        };
        render_value(d, v)
    }

    fn find_value(&self, name: &str) -> Option<&Value> {
        table::find(name.as_bytes()).and_then(|(i, _)| self.values.get(i))
    }

    fn num(&self, name: &str) -> i128 {
        match self.find_value(name) {
            Some(Value::Num(n)) => *n,
            _ => 0,
        }
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.find_value(name), Some(Value::Bool(true)))
    }

    fn enum_value(&self, name: &str) -> u32 {
        match self.find_value(name) {
            Some(Value::Enum(e)) => *e,
            _ => 0,
        }
    }

    fn bytes(&self, name: &str) -> Option<Vec<u8>> {
        match self.find_value(name) {
            Some(Value::Str(s)) => s.clone(),
            _ => None,
        }
    }

    fn text(&self, name: &str) -> String {
        self.bytes(name)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Recomputes the typed fields from the stored values.
    fn sync(&mut self) {
        fn to<T: TryFrom<i128> + Default>(n: i128) -> T {
            T::try_from(n).unwrap_or_default()
        }
        self.port = to(self.num("port"));
        self.bind = match self.find_value("bind") {
            Some(Value::Bind(b)) => b
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
            _ => Vec::new(),
        };
        self.bind_source_addr = self.text("bind-source-addr");
        self.unixsocket = self.text("unixsocket");
        self.unixsocketperm = to(self.num("unixsocketperm"));
        self.tcp_backlog = to(self.num("tcp-backlog"));
        self.timeout = to(self.num("timeout"));
        self.tcp_keepalive = to(self.num("tcp-keepalive"));
        self.maxclients = to(self.num("maxclients"));
        self.hz = to(self.num("hz"));
        self.dynamic_hz = self.flag("dynamic-hz");
        self.databases = to(self.num("databases"));
        self.requirepass = self.bytes("requirepass");
        self.masterauth = self.bytes("masterauth");
        self.masteruser = self.bytes("masteruser");
        self.protected_mode = self.flag("protected-mode");
        self.proto_max_bulk_len = to(self.num("proto-max-bulk-len"));
        self.client_query_buffer_limit = to(self.num("client-query-buffer-limit"));
        if let Some(Value::Obuf([normal, replica, pubsub])) =
            self.find_value("client-output-buffer-limit")
        {
            self.client_output_buffer_limit = ClientOutputBufferLimits {
                normal: *normal,
                replica: *replica,
                pubsub: *pubsub,
            };
        }
        self.slowlog_log_slower_than = to(self.num("slowlog-log-slower-than"));
        self.slowlog_max_len = to(self.num("slowlog-max-len"));
        self.latency_monitor_threshold = to(self.num("latency-monitor-threshold"));
        self.loglevel = match self.enum_value("loglevel") {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            3 => LogLevel::Warning,
            _ => LogLevel::Notice,
        };
        self.logfile = self.text("logfile");
        self.syslog_enabled = self.flag("syslog-enabled");
        self.syslog_ident = self.text("syslog-ident");
        self.syslog_facility =
            String::from_utf8_lossy(&self.render_named("syslog-facility")).into();
        self.pidfile = self.text("pidfile");
        self.daemonize = self.flag("daemonize");
        self.supervised = match self.enum_value("supervised") {
            0 => Supervised::Upstart,
            1 => Supervised::Systemd,
            2 => Supervised::Auto,
            _ => Supervised::No,
        };
        self.always_show_logo = self.flag("always-show-logo");
        if let Some(Value::Dir(d)) = self.find_value("dir") {
            self.dir = d.clone();
        }
        self.dbfilename = self.text("dbfilename");
        self.save = match self.find_value("save") {
            Some(Value::Save(points)) => points
                .iter()
                .map(|&(s, c)| (u64::try_from(s).unwrap_or(0), u64::try_from(c).unwrap_or(0)))
                .collect(),
            _ => Vec::new(),
        };
        self.stop_writes_on_bgsave_error = self.flag("stop-writes-on-bgsave-error");
        self.rdbcompression = self.flag("rdbcompression");
        self.rdbchecksum = self.flag("rdbchecksum");
        self.appendonly = self.flag("appendonly");
        self.appendfilename = self.text("appendfilename");
        self.appenddirname = self.text("appenddirname");
        self.appendfsync = match self.enum_value("appendfsync") {
            1 => AppendFsync::Always,
            2 => AppendFsync::No,
            _ => AppendFsync::Everysec,
        };
        self.aof_use_rdb_preamble = self.flag("aof-use-rdb-preamble");
        self.aof_load_truncated = self.flag("aof-load-truncated");
        self.maxmemory = to(self.num("maxmemory"));
        self.maxmemory_policy = match self.enum_value("maxmemory-policy") {
            0 => MaxmemoryPolicy::VolatileLru,
            1 => MaxmemoryPolicy::VolatileLfu,
            2 => MaxmemoryPolicy::VolatileRandom,
            3 => MaxmemoryPolicy::VolatileTtl,
            4 => MaxmemoryPolicy::AllkeysLru,
            5 => MaxmemoryPolicy::AllkeysLfu,
            6 => MaxmemoryPolicy::AllkeysRandom,
            _ => MaxmemoryPolicy::NoEviction,
        };
        self.maxmemory_samples = to(self.num("maxmemory-samples"));
        self.maxmemory_eviction_tenacity = to(self.num("maxmemory-eviction-tenacity"));
        self.replica_ignore_maxmemory = self.flag("replica-ignore-maxmemory");
        self.maxmemory_clients = to(self.num("maxmemory-clients"));
        self.active_expire_effort = to(self.num("active-expire-effort"));
        self.lazyfree_lazy_eviction = self.flag("lazyfree-lazy-eviction");
        self.lazyfree_lazy_expire = self.flag("lazyfree-lazy-expire");
        self.lazyfree_lazy_server_del = self.flag("lazyfree-lazy-server-del");
        self.lazyfree_lazy_user_del = self.flag("lazyfree-lazy-user-del");
        self.lazyfree_lazy_user_flush = self.flag("lazyfree-lazy-user-flush");
        self.notify_keyspace_events = match self.find_value("notify-keyspace-events") {
            Some(Value::Notify(n)) => *n,
            _ => 0,
        };
        self.list_max_listpack_size = to(self.num("list-max-listpack-size"));
        self.list_compress_depth = to(self.num("list-compress-depth"));
        self.hash_max_listpack_entries = to(self.num("hash-max-listpack-entries"));
        self.hash_max_listpack_value = to(self.num("hash-max-listpack-value"));
        self.set_max_intset_entries = to(self.num("set-max-intset-entries"));
        self.zset_max_listpack_entries = to(self.num("zset-max-listpack-entries"));
        self.zset_max_listpack_value = to(self.num("zset-max-listpack-value"));
        self.hll_sparse_max_bytes = to(self.num("hll-sparse-max-bytes"));
        self.stream_node_max_bytes = to(self.num("stream-node-max-bytes"));
        self.stream_node_max_entries = to(self.num("stream-node-max-entries"));
        self.activerehashing = self.flag("activerehashing");
        self.replicaof = match self.find_value("replicaof") {
            Some(Value::ReplicaOf(Some((h, p)))) => Some((String::from_utf8_lossy(h).into(), *p)),
            _ => None,
        };
        self.replica_read_only = self.flag("replica-read-only");
        self.replica_serve_stale_data = self.flag("replica-serve-stale-data");
        self.repl_backlog_size = to(self.num("repl-backlog-size"));
        self.repl_timeout = to(self.num("repl-timeout"));
        self.cluster_enabled = self.flag("cluster-enabled");
        self.busy_reply_threshold = to(self.num("busy-reply-threshold"));
        self.shutdown_on_sigint = self.enum_value("shutdown-on-sigint");
        self.shutdown_on_sigterm = self.enum_value("shutdown-on-sigterm");
        self.shutdown_timeout = to(self.num("shutdown-timeout"));
        self.aclfile = self.text("aclfile");
        self.acllog_max_len = to(self.num("acllog-max-len"));
        self.tracking_table_max_keys = to(self.num("tracking-table-max-keys"));
        self.lfu_log_factor = to(self.num("lfu-log-factor"));
        self.lfu_decay_time = to(self.num("lfu-decay-time"));
    }

    fn render_named(&self, name: &str) -> Vec<u8> {
        table::find(name.as_bytes())
            .map(|(i, _)| self.render(i))
            .unwrap_or_default()
    }
}

/// The built-in `client-output-buffer-limit` classes: normal, replica, pubsub.
const OBUF_DEFAULTS: [ObufLimit; 3] = [
    ObufLimit {
        hard: 0,
        soft: 0,
        soft_seconds: 0,
    },
    ObufLimit {
        hard: 256 << 20,
        soft: 64 << 20,
        soft_seconds: 60,
    },
    ObufLimit {
        hard: 32 << 20,
        soft: 8 << 20,
        soft_seconds: 60,
    },
];

/// The default value of a row.
fn default_value(d: &Directive) -> Value {
    match d.kind {
        Kind::Bool { default } => Value::Bool(default),
        Kind::Num { default, .. } => Value::Num(default),
        Kind::Enum { default, .. } => Value::Enum(default),
        Kind::Str { default, .. } => Value::Str(default.map(|s| s.as_bytes().to_vec())),
        Kind::Special(s) => match s {
            Special::Save => Value::Save(vec![(3600, 1), (300, 100), (60, 10000)]),
            Special::ClientOutputBufferLimit => Value::Obuf(OBUF_DEFAULTS),
            Special::OomScoreAdjValues => Value::Oom([0, 200, 800]),
            Special::NotifyKeyspaceEvents => Value::Notify(0),
            Special::Bind => Value::Bind(vec![b"*".to_vec(), b"-::*".to_vec()]),
            Special::ReplicaOf => Value::ReplicaOf(None),
            Special::LatencyPercentiles => Value::Percentiles(vec![50.0, 99.0, 99.9]),
            Special::Dir => Value::Dir(
                std::env::current_dir()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
        },
    }
}

/// Parses the words of every directive whose value does not depend on the current one.
fn parse_value(d: &Directive, args: &[Vec<u8>]) -> Result<Value, String> {
    let single = || -> Result<&[u8], String> {
        match args {
            [one] => Ok(one.as_slice()),
            _ => Err("wrong number of arguments".to_owned()),
        }
    };
    Ok(match d.kind {
        Kind::Bool { .. } => {
            let a = single()?;
            if a.eq_ignore_ascii_case(b"yes") {
                Value::Bool(true)
            } else if a.eq_ignore_ascii_case(b"no") {
                Value::Bool(false)
            } else {
                return Err("argument must be 'yes' or 'no'".to_owned());
            }
        }
        Kind::Num {
            min,
            max,
            format,
            unsigned,
            ..
        } => Value::Num(parse_number(single()?, min, max, format, unsigned)?),
        Kind::Enum {
            names,
            bitflags,
            check,
            ..
        } => {
            let v = parse_enum(names, args, bitflags)?;
            if let Some(check) = check {
                check(v)?;
            }
            Value::Enum(v)
        }
        Kind::Str {
            nullable, check, ..
        } => {
            let a = single()?;
            if let Some(check) = check {
                check(a)?;
            }
            Value::Str(if nullable && a.is_empty() {
                None
            } else {
                Some(a.to_vec())
            })
        }
        Kind::Special(Special::NotifyKeyspaceEvents) => Value::Notify(
            notify_string_to_flags(single()?)
                .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?,
        ),
        Kind::Special(Special::OomScoreAdjValues) => {
            let [a, b, c] = args else {
                return Err("wrong number of arguments".into());
            };
            let mut out = [0i64; 3];
            for (slot, word) in out.iter_mut().zip([a, b, c]) {
                match parse::strtoll(word, 10) {
                    Some((v, _)) if (-2000..=2000).contains(&v) => *slot = v,
                    _ => {
                        return Err(
                            "Invalid oom-score-adj-values, elements must be between -2000 \
                                    and 2000."
                                .into(),
                        );
                    }
                }
            }
            Value::Oom(out)
        }
        Kind::Special(Special::Bind) => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            match args {
                [one] if one.is_empty() => Value::Bind(Vec::new()),
                _ => Value::Bind(args.to_vec()),
            }
        }
        Kind::Special(Special::ReplicaOf) => {
            let [host, port] = args else {
                return Err("wrong number of arguments".into());
            };
            if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
                Value::ReplicaOf(None)
            } else {
                let port = parse::strtoll(port, 10)
                    .filter(|&(_, overflow)| !overflow)
                    .and_then(|(p, _)| u16::try_from(p).ok())
                    .ok_or("Invalid master port")?;
                Value::ReplicaOf(Some((host.clone(), port)))
            }
        }
        Kind::Special(Special::LatencyPercentiles) => {
            let words: &[Vec<u8>] = match args {
                [one] if one.is_empty() => &[],
                _ => args,
            };
            let mut out = Vec::with_capacity(words.len());
            for w in words {
                let p = parse::string_to_f64(w)
                    .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between \
                                [0.0,100.0]"
                            .into(),
                    );
                }
                out.push(p);
            }
            Value::Percentiles(out)
        }
        // Handled by `set_row`, which needs the current value.
        Kind::Special(Special::Save | Special::Dir | Special::ClientOutputBufferLimit) => {
            return Err("wrong number of arguments".into());
        }
    })
}

/// Parses and bound-checks a number as `numericParseString` + `numericBoundaryCheck`.
fn parse_number(
    s: &[u8],
    min: i128,
    max: i128,
    format: NumFormat,
    unsigned: bool,
) -> Result<i128, String> {
    // The C code parses into a long long; memory values arrive as an unsigned long long and are
    // reinterpreted, so a huge size becomes negative for signed directives.
    let ll: i64 = match format {
        NumFormat::Memory => parse::mem_to_u64(s).ok_or("argument must be a memory value")? as i64,
        NumFormat::MemoryOrPercent => {
            if let Some(v) = parse::mem_to_u64(s) {
                v as i64
            } else if let Some(digits) = s.strip_suffix(b"%").filter(|d| !d.is_empty())
                && let Some(p) = parse::string_to_i64(digits).filter(|&p| p >= 0)
            {
                // Percentages are stored negated, as Redis does.
                -p
            } else {
                return Err("argument must be a memory or percent value".into());
            }
        }
        NumFormat::Octal => match parse::strtoll(s, 8) {
            Some((v, false)) => v,
            _ => return Err("argument couldn't be parsed as an octal number".into()),
        },
        NumFormat::Int => {
            parse::string_to_i64(s).ok_or("argument couldn't be parsed into an integer")?
        }
    };
    if unsigned {
        let ull = i128::from(ll as u64);
        if ull < min || ull > max {
            return Err(if format == NumFormat::Octal {
                format!("argument must be between {min:o} and {max:o} inclusive")
            } else {
                format!("argument must be between {min} and {max} inclusive")
            });
        }
        return Ok(ull);
    }
    let v = i128::from(ll);
    if format == NumFormat::MemoryOrPercent && v < 0 {
        if v < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -min
            ));
        }
    } else if v < min || v > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(v)
}

/// Parses an enum's words: exactly one name, or for bit flags any names OR-ed together.
fn parse_enum(names: &[(&str, u32)], args: &[Vec<u8>], bitflags: bool) -> Result<u32, String> {
    let refuse = || {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        format!(
            "argument(s) must be one of the following: {}",
            list.join(", ")
        )
    };
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return Err(refuse());
    }
    let mut value = 0;
    for a in args {
        let mut matched = false;
        for &(n, v) in names {
            if a.eq_ignore_ascii_case(n.as_bytes()) {
                value |= v;
                matched = true;
            }
        }
        if !matched {
            return Err(refuse());
        }
    }
    Ok(value)
}

/// Parses `save` pairs: even count, seconds >= 1, changes >= 0.
fn parse_save(args: &[&[u8]]) -> Result<Vec<(i64, i64)>, String> {
    const ERR: &str = "Invalid save parameters";
    if !args.len().is_multiple_of(2) {
        return Err(ERR.into());
    }
    let mut out = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks_exact(2) {
        let [secs, changes] = pair else {
            return Err(ERR.into());
        };
        let (secs, _) = parse::strtoll(secs, 10).ok_or(ERR)?;
        let (changes, _) = parse::strtoll(changes, 10).ok_or(ERR)?;
        if secs < 1 || changes < 0 {
            return Err(ERR.into());
        }
        // Redis keeps the change count in a C int.
        out.push((secs, i64::from(changes as i32)));
    }
    Ok(out)
}

/// Parses `client-output-buffer-limit` groups of four, all checked before any is used.
fn parse_obuf(args: &[Vec<u8>]) -> Result<Vec<(usize, ObufLimit)>, String> {
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut out = Vec::with_capacity(args.len() / 4);
    for group in args.chunks_exact(4) {
        let [class, hard, soft, secs] = group else {
            break;
        };
        let class = match class.to_ascii_lowercase().as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into());
            }
        };
        const BAD: &str =
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = parse::mem_to_u64(hard).ok_or(BAD)?;
        let soft = parse::mem_to_u64(soft).ok_or(BAD)?;
        // Redis keeps the seconds in a C int.
        let secs = parse::strtoll(secs, 10).map(|(s, _)| s as i32).ok_or(BAD)?;
        let soft_seconds = u64::try_from(secs).map_err(|_| BAD)?;
        out.push((
            class,
            ObufLimit {
                hard,
                soft,
                soft_seconds,
            },
        ));
    }
    Ok(out)
}

/// Renders a value as CONFIG GET shows it.
fn render_value(d: &Directive, v: &Value) -> Vec<u8> {
    match (d.kind, v) {
        (_, Value::Bool(b)) => {
            if *b {
                b"yes".to_vec()
            } else {
                b"no".to_vec()
            }
        }
        (Kind::Num { format, .. }, Value::Num(n)) => match format {
            NumFormat::MemoryOrPercent if *n < 0 => format!("{}%", -n).into_bytes(),
            NumFormat::Octal => format!("{n:o}").into_bytes(),
            _ => n.to_string().into_bytes(),
        },
        (
            Kind::Enum {
                names, bitflags, ..
            },
            Value::Enum(e),
        ) => enum_name(names, *e, bitflags).into_bytes(),
        (_, Value::Str(s)) => s.clone().unwrap_or_default(),
        (_, Value::Save(points)) => points
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Obuf(limits)) => ["normal", "slave", "pubsub"]
            .iter()
            .zip(limits)
            .map(|(n, l)| format!("{n} {} {} {}", l.hard, l.soft, l.soft_seconds))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Oom([a, b, c])) => format!("{a} {b} {c}").into_bytes(),
        (_, Value::Notify(n)) => notify_flags_to_string(*n).into_bytes(),
        (_, Value::Bind(addrs)) => addrs.join(&b' '),
        (_, Value::ReplicaOf(r)) => match r {
            Some((host, port)) => {
                let mut out = host.clone();
                out.extend_from_slice(format!(" {port}").as_bytes());
                out
            }
            None => Vec::new(),
        },
        (_, Value::Percentiles(p)) => p
            .iter()
            .map(|v| parse::format_percentile(*v))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Dir(d)) => d.as_bytes().to_vec(),
        (_, Value::Num(n)) => n.to_string().into_bytes(),
        (_, Value::Enum(e)) => e.to_string().into_bytes(),
    }
}

/// An enum value's name; bit flags list every set flag in table order.
fn enum_name(names: &[(&str, u32)], value: u32, bitflags: bool) -> String {
    if let Some((n, _)) = names.iter().find(|(_, v)| *v == value) {
        return (*n).to_owned();
    }
    if bitflags {
        let mut parts = Vec::new();
        let mut unmatched = value;
        for &(n, v) in names {
            if v != 0 && unmatched & v == v {
                parts.push(n);
                unmatched &= !v;
            }
        }
        if !parts.is_empty() {
            return parts.join(" ");
        }
    }
    "unknown".to_owned()
}

/// Parses notify-keyspace-events classes as `keyspaceEventsStringToFlags`.
fn notify_string_to_flags(s: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in s {
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => NOTIFY_GENERIC,
            b'$' => NOTIFY_STRING,
            b'l' => NOTIFY_LIST,
            b's' => NOTIFY_SET,
            b'h' => NOTIFY_HASH,
            b'z' => NOTIFY_ZSET,
            b'x' => NOTIFY_EXPIRED,
            b'e' => NOTIFY_EVICTED,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b't' => NOTIFY_STREAM,
            b'm' => NOTIFY_KEY_MISS,
            b'd' => NOTIFY_MODULE,
            b'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Renders notify-keyspace-events flags as `keyspaceEventsFlagsToString`.
///
/// With every `A` class set, `A` replaces them all and, as in Redis, `n` is not shown.
fn notify_flags_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (NOTIFY_GENERIC, 'g'),
            (NOTIFY_STRING, '$'),
            (NOTIFY_LIST, 'l'),
            (NOTIFY_SET, 's'),
            (NOTIFY_HASH, 'h'),
            (NOTIFY_ZSET, 'z'),
            (NOTIFY_EXPIRED, 'x'),
            (NOTIFY_EVICTED, 'e'),
            (NOTIFY_STREAM, 't'),
            (NOTIFY_MODULE, 'd'),
            (NOTIFY_NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// The `strerror` text of an I/O error, without Rust's " (os error N)" suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
