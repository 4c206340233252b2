//! INFO [section ...]: asks each subsystem for its section and lets `crate::info` format them.
//!
//! Every section starts from the complete Redis 7.0.15 field list in Redis's order, with
//! Redis's idle values for what carmine does not have (no fork, no AOF rewrite, no replicas:
//! `rdb_bgsave_in_progress:0`, `role:master`, `connected_slaves:0`, ...). Then the owners fill
//! in real numbers: the databases and stats here, the allocator counters from
//! `util::alloc`, and the fields only the server knows (clients, ports, network counters) from
//! `ServerOps::info_section`, merged on top by field name. RESP3 gets a verbatim `txt` string.

use std::fmt::Write as _;

use bytes::Bytes;

use crate::commands::{CmdError, Core, Ctx, Handler};
use crate::info::{self, CpuTimes, Section, Selection};
use crate::util::alloc;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[("info", info)];

/// INFO [section ...]: the selected sections as one text (empty for unknown names).
fn info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let args: Vec<&[u8]> = argv.iter().skip(1).map(|a| a.as_ref()).collect();
    let text = generate(ctx, &Selection::parse(&args));
    ctx.reply.verbatim("txt", text.as_bytes());
    Ok(())
}

/// Builds the INFO text for `sel`.
pub(crate) fn generate(ctx: &mut Ctx<'_>, sel: &Selection) -> String {
    let mut sections = Vec::new();
    for name in sel.in_order() {
        let mut s = Section::new(info::title_of(name));
        let core: &Core = ctx.core;
        match name {
            "server" => server(core, ctx.now_ms, &mut s),
            "clients" => clients(core, &mut s),
            "memory" => memory(core, &mut s),
            "persistence" => persistence(core, &mut s),
            "stats" => stats(core, &mut s),
            "replication" => replication(core, &mut s),
            "cpu" => CpuTimes::read().fill(&mut s),
            "commandstats" => commandstats(core, &mut s),
            "errorstats" => errorstats(core, &mut s),
            "latencystats" => latencystats(core, &mut s),
            "cluster" => {
                s.set("cluster_enabled", u8::from(core.config.cluster_enabled));
            }
            "keyspace" => keyspace(core, ctx.now_ms, &mut s),
            _ => {}
        }
        let mut owned = String::new();
        if ctx.server.info_section(core, name, &mut owned) {
            s.merge(&owned);
        }
        sections.push(s);
    }
    info::render(&sections)
}

fn server(core: &Core, now_ms: i64, s: &mut Section) {
    let uptime = ((now_ms - core.start_ms) / 1000).max(0);
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let os = format!(
        "{} {} {}",
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    );
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let config_file = core
        .config
        .config_file()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    s.set("redis_version", crate::REDIS_VERSION)
        .set("carmine_version", crate::CARMINE_VERSION)
        .set("redis_git_sha1", "00000000")
        .set("redis_git_dirty", 0)
        .set("redis_build_id", "0")
        .set(
            "redis_mode",
            if core.config.cluster_enabled {
                "cluster"
            } else {
                "standalone"
            },
        )
        .set("os", os)
        .set("arch_bits", usize::BITS)
        .set("monotonic_clock", "POSIX clock_gettime")
        .set("multiplexing_api", "epoll")
        .set("atomicvar_api", "c11-builtin")
        .set("gcc_version", "0.0.0")
        .set("process_id", std::process::id())
        .set("process_supervised", "no")
        .set("run_id", &core.run_id)
        .set("tcp_port", core.config.port)
        .set("server_time_usec", now_ms.saturating_mul(1000))
        .set("uptime_in_seconds", uptime)
        .set("uptime_in_days", uptime / 86400)
        .set("hz", core.config.hz)
        .set("configured_hz", core.config.hz)
        .set("lru_clock", crate::db::keyspace::lru_clock(now_ms))
        .set("executable", exe)
        .set("config_file", config_file)
        .set("io_threads_active", 0);
}

fn clients(core: &Core, s: &mut Section) {
    s.set("connected_clients", 1)
        .set("cluster_connections", 0)
        .set("maxclients", core.config.maxclients)
        .set("client_recent_max_input_buffer", 0)
        .set("client_recent_max_output_buffer", 0)
        .set("blocked_clients", 0)
        .set("tracking_clients", core.tracking.client_count())
        .set("clients_in_timeout_table", 0);
}

/// Memory figures shared by INFO memory and MEMORY STATS.
pub(crate) struct MemoryFigures {
    /// used_memory.
    pub used: u64,
    /// used_memory_peak.
    pub peak: u64,
    /// used_memory_rss.
    pub rss: u64,
    /// used_memory_startup.
    pub startup: u64,
    /// used_memory_overhead.
    pub overhead: u64,
    /// used_memory_dataset.
    pub dataset: u64,
    /// Per-db (index, main dict overhead, expires dict overhead) for non-empty dbs.
    pub dbs: Vec<(usize, u64, u64)>,
}

impl MemoryFigures {
    /// Reads the allocator and the databases.
    pub(crate) fn read(core: &Core) -> MemoryFigures {
        let used = alloc::used() as u64;
        let peak = (alloc::peak() as u64).max(used);
        let startup = (alloc::startup() as u64).min(used);
        let mut dbs = Vec::new();
        let mut db_overhead = 0u64;
        for (i, db) in core.dbs.iter().enumerate() {
            if db.is_empty() {
                continue;
            }
            let main = db.overhead() as u64;
            let expires = (db.expires_len() * EXPIRES_ENTRY_OVERHEAD) as u64;
            db_overhead += main + expires;
            dbs.push((i, main, expires));
        }
        let overhead = (startup + db_overhead).min(used);
        MemoryFigures {
            used,
            peak,
            rss: alloc::rss() as u64,
            startup,
            overhead,
            dataset: used - overhead,
            dbs,
        }
    }
}

fn memory(core: &Core, s: &mut Section) {
    let m = MemoryFigures::read(core);
    let total_sys = alloc::total_system_memory();
    let pct = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            a as f64 * 100.0 / b as f64
        }
    };
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let h = info::human_bytes;
    let lua = core.scripts.memory_figures();
    let je = crate::util::alloc::allocator_stats();
    let policy = core.config.value("maxmemory-policy").unwrap_or_default();
    s.set("used_memory", m.used)
        .set("used_memory_human", h(m.used))
        .set("used_memory_rss", m.rss)
        .set("used_memory_rss_human", h(m.rss))
        .set("used_memory_peak", m.peak)
        .set("used_memory_peak_human", h(m.peak))
        .set(
            "used_memory_peak_perc",
            format!("{:.2}%", pct(m.used, m.peak)),
        )
        .set("used_memory_overhead", m.overhead)
        .set("used_memory_startup", m.startup)
        .set("used_memory_dataset", m.dataset)
        .set(
            "used_memory_dataset_perc",
            format!("{:.2}%", pct(m.dataset, m.used.saturating_sub(m.startup))),
        )
        .set("allocator_allocated", je.allocated)
        .set("allocator_active", je.active)
        .set("allocator_resident", je.resident)
        .set("total_system_memory", total_sys)
        .set("total_system_memory_human", h(total_sys))
        // The interpreters' own sizes; an unused one counts as a fresh state, as in Redis.
        .set("used_memory_lua", lua.vm_eval)
        .set("used_memory_vm_eval", lua.vm_eval)
        .set("used_memory_lua_human", h(lua.vm_eval))
        .set("used_memory_scripts_eval", lua.scripts_eval)
        .set("number_of_cached_scripts", lua.cached_scripts)
        .set("number_of_functions", lua.functions)
        .set("number_of_libraries", lua.libraries)
        .set("used_memory_vm_functions", lua.vm_functions)
        .set("used_memory_vm_total", lua.vm_eval + lua.vm_functions)
        .set(
            "used_memory_vm_total_human",
            h(lua.vm_eval + lua.vm_functions),
        )
        .set("used_memory_functions", lua.functions_bytes)
        .set(
            "used_memory_scripts",
            lua.scripts_eval + lua.functions_bytes,
        )
        .set(
            "used_memory_scripts_human",
            h(lua.scripts_eval + lua.functions_bytes),
        )
        .set("maxmemory", core.config.maxmemory)
        .set("maxmemory_human", h(core.config.maxmemory))
        .set("maxmemory_policy", String::from_utf8_lossy(&policy))
        .set(
            "allocator_frag_ratio",
            format!("{:.2}", ratio(je.active as u64, je.allocated as u64)),
        )
        .set(
            "allocator_frag_bytes",
            je.active as i64 - je.allocated as i64,
        )
        .set(
            "allocator_rss_ratio",
            format!("{:.2}", ratio(je.resident as u64, je.active as u64)),
        )
        .set("allocator_rss_bytes", je.resident as i64 - je.active as i64)
        .set(
            "rss_overhead_ratio",
            format!("{:.2}", ratio(m.rss, je.resident as u64)),
        )
        .set("rss_overhead_bytes", m.rss as i64 - je.resident as i64)
        .set(
            "mem_fragmentation_ratio",
            format!("{:.2}", ratio(m.rss, m.used)),
        )
        .set("mem_fragmentation_bytes", m.rss as i64 - m.used as i64)
        .set(
            "mem_not_counted_for_evict",
            crate::evict::not_counted_for_evict(),
        )
        .set("mem_replication_backlog", 0)
        .set("mem_total_replication_buffers", 0)
        .set("mem_clients_slaves", 0)
        .set("mem_clients_normal", 0)
        .set("mem_cluster_links", 0)
        .set("mem_aof_buffer", 0)
        .set("mem_allocator", crate::util::alloc::allocator_name())
        .set("active_defrag_running", 0)
        .set("lazyfree_pending_objects", 0)
        .set("lazyfreed_objects", core.dbs.stats.lazyfreed_objects);
}

fn persistence(core: &Core, s: &mut Section) {
    use crate::persist::child::ChildKind;
    let p = &core.persist;
    let rdb_child = p.children.active() == Some(ChildKind::Rdb);
    let bgsave_secs = match p.children.running_for() {
        Some(d) if rdb_child => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        _ => -1,
    };
    s.set("loading", u8::from(p.loading.is_some()))
        .set("async_loading", 0)
        .set("current_cow_peak", 0)
        .set("current_cow_size", 0)
        .set("current_cow_size_age", 0)
        .set("current_fork_perc", "0.00")
        .set("current_save_keys_processed", 0)
        .set("current_save_keys_total", 0)
        .set("rdb_changes_since_last_save", core.dbs.dirty)
        .set("rdb_bgsave_in_progress", u8::from(rdb_child))
        .set("rdb_last_save_time", core.lastsave)
        .set(
            "rdb_last_bgsave_status",
            if p.last_bgsave_ok { "ok" } else { "err" },
        )
        .set("rdb_last_bgsave_time_sec", p.last_bgsave_time_sec)
        .set("rdb_current_bgsave_time_sec", bgsave_secs)
        .set("rdb_saves", p.rdb_saves)
        .set("rdb_last_cow_size", 0)
        .set("rdb_last_load_keys_expired", p.last_load_keys_expired)
        .set("rdb_last_load_keys_loaded", p.last_load_keys_loaded)
        .set("aof_enabled", u8::from(core.config.appendonly))
        .set("aof_rewrite_in_progress", 0)
        .set("aof_rewrite_scheduled", 0)
        .set("aof_last_rewrite_time_sec", -1)
        .set("aof_current_rewrite_time_sec", -1)
        .set("aof_last_bgrewrite_status", "ok")
        .set("aof_rewrites", 0)
        .set("aof_rewrites_consecutive_failures", 0)
        .set("aof_last_write_status", "ok")
        .set("aof_last_cow_size", 0)
        .set("module_fork_in_progress", 0)
        .set("module_fork_last_cow_size", 0);
    crate::commands::persist_aof::info(core, s);
    if let Some(l) = &p.loading {
        let now = crate::server::unix_ms() / 1000;
        for (name, value) in l.info_fields(now) {
            s.set(name, value);
        }
    }
}

fn stats(core: &Core, s: &mut Section) {
    let ks = &core.dbs.stats;
    let st = &core.stats;
    s.set("total_connections_received", 0)
        .set("total_commands_processed", st.commands_processed)
        .set("instantaneous_ops_per_sec", 0)
        .set("total_net_input_bytes", 0)
        .set("total_net_output_bytes", 0)
        .set("total_net_repl_input_bytes", 0)
        .set("total_net_repl_output_bytes", 0)
        .set("instantaneous_input_kbps", "0.00")
        .set("instantaneous_output_kbps", "0.00")
        .set("instantaneous_input_repl_kbps", "0.00")
        .set("instantaneous_output_repl_kbps", "0.00")
        .set("rejected_connections", 0)
        .set("sync_full", 0)
        .set("sync_partial_ok", 0)
        .set("sync_partial_err", 0)
        .set("expired_keys", ks.expired_keys)
        .set(
            "expired_stale_perc",
            format!("{:.2}", ks.expired_stale_perc),
        )
        .set(
            "expired_time_cap_reached_count",
            ks.expired_time_cap_reached_count,
        )
        .set(
            "expire_cycle_cpu_milliseconds",
            ks.expire_cycle_cpu_milliseconds,
        )
        .set("evicted_keys", ks.evicted_keys)
        .set("evicted_clients", core.evict.evicted_clients)
        .set(
            "total_eviction_exceeded_time",
            core.evict.total_exceeded_ms(),
        )
        .set(
            "current_eviction_exceeded_time",
            core.evict.current_exceeded_ms(),
        )
        .set("keyspace_hits", ks.hits)
        .set("keyspace_misses", ks.misses)
        .set("pubsub_channels", 0)
        .set("pubsub_patterns", 0)
        .set("pubsubshard_channels", 0)
        .set("latest_fork_usec", core.persist.children.latest_fork_usec)
        .set("total_forks", core.persist.children.total_forks)
        .set("migrate_cached_sockets", 0)
        .set("slave_expires_tracked_keys", 0)
        .set("active_defrag_hits", 0)
        .set("active_defrag_misses", 0)
        .set("active_defrag_key_hits", 0)
        .set("active_defrag_key_misses", 0)
        .set("total_active_defrag_time", 0)
        .set("current_active_defrag_time", 0)
        .set("tracking_total_keys", core.tracking.key_count())
        .set("tracking_total_items", core.tracking.item_count())
        .set("tracking_total_prefixes", core.tracking.prefix_count())
        .set("unexpected_error_replies", 0)
        .set("total_error_replies", st.error_replies)
        .set("dump_payload_sanitizations", 0)
        .set("total_reads_processed", 0)
        .set("total_writes_processed", 0)
        .set("io_threaded_reads_processed", 0)
        .set("io_threaded_writes_processed", 0)
        .set("reply_buffer_shrinks", 0)
        .set("reply_buffer_expands", 0);
}

fn replication(core: &Core, s: &mut Section) {
    s.set("role", "master")
        .set("connected_slaves", 0)
        .set("master_failover_state", "no-failover")
        .set("master_replid", core.debug.replid.as_str())
        .set("master_replid2", "0".repeat(40))
        .set("master_repl_offset", 0)
        .set("second_repl_offset", -1)
        .set("repl_backlog_active", 0)
        .set("repl_backlog_size", core.config.repl_backlog_size)
        .set("repl_backlog_first_byte_offset", 0)
        .set("repl_backlog_histlen", 0);
}

fn commandstats(core: &Core, s: &mut Section) {
    let mut rows: Vec<(&str, String)> = core
        .registry
        .iter()
        .filter(|e| e.stats.calls > 0 || e.stats.rejected_calls > 0 || e.stats.failed_calls > 0)
        .map(|e| {
            let st = &e.stats;
            let v =
                info::cmdstat_value(st.calls, st.nsec / 1000, st.rejected_calls, st.failed_calls);
            (e.spec.name, v)
        })
        .collect();
    rows.sort();
    for (name, v) in rows {
        s.set(&format!("cmdstat_{name}"), v);
    }
}

fn errorstats(core: &Core, s: &mut Section) {
    for (prefix, n) in &core.stats.errors_by_prefix {
        s.set(&format!("errorstat_{prefix}"), format!("count={n}"));
    }
}

fn latencystats(core: &Core, s: &mut Section) {
    let spec = core
        .config
        .value("latency-tracking-info-percentiles")
        .unwrap_or_default();
    let percentiles: Vec<f64> = String::from_utf8_lossy(&spec)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut rows: Vec<(&str, String)> = core
        .registry
        .histograms()
        .map(|(name, h)| {
            let points: Vec<(f64, f64)> =
                percentiles.iter().map(|&p| (p, h.percentile(p))).collect();
            (name, info::percentiles_value(&points))
        })
        .collect();
    rows.sort();
    for (name, v) in rows {
        s.set(&format!("latency_percentiles_usec_{name}"), v);
    }
}

fn keyspace(core: &Core, now_ms: i64, s: &mut Section) {
    for (i, db) in core.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let mut name = String::new();
        let _ = write!(name, "db{i}");
        s.set(
            &name,
            info::keyspace_value(db.len(), db.expires_len(), avg_ttl(db, now_ms)),
        );
    }
}

/// The mean remaining TTL (ms) over a sample of up to AVG_TTL_SAMPLES volatile keys: Redis
/// also estimates it from samples (the active expire cycle's), so it is never exact there.
fn avg_ttl(db: &crate::db::Db, now_ms: i64) -> i64 {
    if db.expires_len() == 0 {
        return 0;
    }
    let (mut sum, mut n, mut cursor) = (0i128, 0i128, 0u64);
    loop {
        cursor = db.scan_expires_step(cursor, |_, &when| {
            sum += i128::from((when - now_ms).max(0));
            n += 1;
        });
        if cursor == 0 || n >= AVG_TTL_SAMPLES {
            break;
        }
    }
    if n == 0 {
        0
    } else {
        i64::try_from(sum / n).unwrap_or(i64::MAX)
    }
}

/// Volatile keys sampled for avg_ttl.
const AVG_TTL_SAMPLES: i128 = 256;
/// Bytes an expires-dict entry costs (dictEntry plus its share of the bucket array).
const EXPIRES_ENTRY_OVERHEAD: usize = 32;

#[cfg(test)]
mod tests {
    use crate::commands::server::misc::text_of;
    use crate::commands::testing::Harness;
    use crate::protocol::value::Reply;

    fn info(h: &mut Harness, args: &[&str]) -> String {
        let mut argv = vec!["INFO"];
        argv.extend_from_slice(args);
        String::from_utf8(text_of(&h.run(&argv))).unwrap()
    }

    /// Every field real Redis 7.0.15 prints in `INFO everything` (section headers included).
    const REDIS_FIELDS: &str = include_str!("testdata/info_everything_7.0.15.txt");

    #[test]
    fn everything_has_every_redis_field_in_redis_order() {
        let mut h = Harness::new();
        let text = info(&mut h, &["everything"]);
        let ours: Vec<&str> = text.lines().map(|l| l.split(':').next().unwrap()).collect();
        let mut pos = 0;
        for want in REDIS_FIELDS.lines().filter(|l| !l.is_empty()) {
            let found = ours[pos..].iter().position(|f| *f == want);
            assert!(found.is_some(), "missing or out of order: {want}");
            pos += found.unwrap() + 1;
        }
    }

    #[test]
    fn default_sections_and_formatting() {
        let mut h = Harness::new();
        let text = info(&mut h, &[]);
        assert!(text.starts_with("# Server\r\nredis_version:7.0.15\r\ncarmine_version:"));
        assert!(text.contains("\r\n\r\n# Clients\r\nconnected_clients:1\r\n"));
        assert!(text.contains("# Errorstats\r\n"));
        assert!(!text.contains("# Commandstats"));
        assert!(text.ends_with("# Keyspace\r\n"));
        assert!(text.contains("role:master\r\n"));
        assert!(text.contains("rdb_bgsave_in_progress:0\r\n"));
    }

    #[test]
    fn unknown_section_is_empty_and_several_sections_are_allowed() {
        let mut h = Harness::new();
        assert_eq!(info(&mut h, &["foo"]), "");
        let text = info(&mut h, &["keyspace", "CLUSTER"]);
        assert_eq!(text, "# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n");
    }

    #[test]
    fn keyspace_counts_keys_and_expires() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1", "PX", "10000"]);
        assert_eq!(
            info(&mut h, &["keyspace"]),
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=10000\r\n"
        );
    }

    #[test]
    fn commandstats_and_errorstats_count_calls_and_errors() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["GET", "a"]);
        h.run(&["GET"]);
        h.run(&["NOSUCHCMD"]);
        let text = info(&mut h, &["commandstats", "errorstats"]);
        assert!(text.contains("cmdstat_set:calls=1,usec="), "{text}");
        assert!(
            text.contains(",rejected_calls=1,failed_calls=0\r\n"),
            "{text}"
        );
        assert!(
            text.contains("# Errorstats\r\nerrorstat_ERR:count=2\r\n"),
            "{text}"
        );
    }

    #[test]
    fn memory_fields_come_from_the_counting_allocator() {
        let mut h = Harness::new();
        let text = info(&mut h, &["memory"]);
        let used: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .unwrap()
            .parse()
            .unwrap();
        assert!(used > 0);
        assert!(text.contains("maxmemory_policy:noeviction\r\n"));
    }

    #[test]
    fn resp3_gets_a_verbatim_string() {
        let mut h = Harness::new();
        h.resp3();
        assert!(matches!(h.run(&["INFO", "cluster"]), Reply::Verbatim(f, _) if f == "txt"));
    }
}
