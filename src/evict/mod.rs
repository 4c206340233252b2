//! maxmemory: the eviction engine (Redis 7.0's evict.c) and the OOM decision commands consult.
//!
//! [`perform_evictions`] runs before every command while `maxmemory` is set (the dispatch
//! pipeline calls it where Redis's processCommand does), after CONFIG SET lowers the limit, and
//! from the loop while an eviction "time proc" is pending. It frees keys until the memory that
//! counts (used_memory less [`not_counted_for_evict`]) is back under the limit, but for at most
//! the tenacity's time budget per call: past that it returns [`EvictResult::Running`] and the
//! server calls it again on every loop turn (Redis's evictionTimeProc), so a big cut never stalls
//! the loop.
//!
//! Victims are chosen as Redis chooses them. The LRU, LFU and volatile-ttl policies share one
//! [`EvictionPool`] of 16 candidates ordered by "idle" score (LRU idle ms, `255 - LFU counter`,
//! or `u64::MAX - expire time`); each round samples `maxmemory-samples` keys from every
//! database's main dict (allkeys-*) or expires dict (volatile-*) into the pool and evicts the
//! best candidate still present. The random policies draw one random key, visiting databases
//! round-robin. Evicted keys raise the `evicted` keyspace event and are propagated as DEL
//! (UNLINK under lazyfree-lazy-eviction) through the db layer's evicted queue.
//!
//! Layering: this module sits between `commands` and `db` (it reads `Config` and drives
//! `Databases`); [`lfu`] is pure arithmetic the keyspace uses on every access.

pub mod lfu;

use std::time::Instant;

use bytes::Bytes;

use crate::config::{Config, MaxmemoryPolicy};
use crate::db::{Access, Databases};

/// Candidates kept between rounds (Redis's EVPOOL_SIZE).
pub const EVPOOL_SIZE: usize = 16;

/// What a call of [`perform_evictions`] achieved (Redis's EVICT_OK / RUNNING / FAIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictResult {
    /// Memory is under the limit (or eviction is not to be performed now).
    Ok,
    /// Keys were evicted but the time budget ran out first; the loop keeps evicting.
    Running,
    /// Over the limit and nothing (more) can be evicted: DENYOOM commands are refused.
    Fail,
}

/// One eviction candidate: the higher `idle`, the better a victim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolEntry {
    /// Score: LRU idle ms, 255 - LFU counter, or u64::MAX - expire time.
    pub idle: u64,
    /// The key's name (a copy; the key may be gone when its turn comes: a "ghost").
    pub key: Bytes,
    /// Its database.
    pub db: usize,
}

/// The eviction pool: up to 16 candidates in ascending `idle` order, best last
/// (evictionPoolEntry[]).
#[derive(Debug, Default, Clone)]
pub struct EvictionPool {
    entries: Vec<PoolEntry>,
}

impl EvictionPool {
    /// Candidates, worst first.
    pub fn entries(&self) -> &[PoolEntry] {
        &self.entries
    }

    /// Offers one sampled key (evictionPoolPopulate's insertion): it goes in ascending order;
    /// when the pool is full it displaces the worst candidate, or is dropped if it is no better
    /// than all of them.
    pub fn offer(&mut self, idle: u64, key: &[u8], db: usize) {
        let k = self.entries.iter().take_while(|e| e.idle < idle).count();
        let full = self.entries.len() >= EVPOOL_SIZE;
        if k == 0 && full {
            return;
        }
        let entry = PoolEntry {
            idle,
            key: Bytes::copy_from_slice(key),
            db,
        };
        if full {
            // No room on the right: drop the worst (leftmost) and insert just before k.
            self.entries.remove(0);
            self.entries.insert(k - 1, entry);
        } else {
            self.entries.insert(k, entry);
        }
    }

    /// Takes the best candidate (the rightmost).
    pub fn pop_best(&mut self) -> Option<PoolEntry> {
        self.entries.pop()
    }

    /// Forgets every candidate (FLUSHALL, policy change).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Eviction state kept across commands: the pool, the random policies' next database, the
/// pending time proc and the INFO figures.
#[derive(Debug, Default)]
pub struct Evictor {
    /// The candidate pool (static across calls in Redis).
    pub pool: EvictionPool,
    /// Round-robin database for the random policies.
    next_db: usize,
    /// An eviction cycle ran out of time and the loop must keep calling (isEvictionProcRunning).
    pub proc_running: bool,
    /// Since when memory has been over the limit without eviction catching up
    /// (stat_last_eviction_exceeded_time).
    exceeded_since: Option<Instant>,
    /// Microseconds spent over the limit in finished episodes (stat_total_eviction_exceeded_time).
    exceeded_total_us: u64,
    /// The OOM verdict taken when the running script or EXEC started (server.script_oom).
    pub script_oom: bool,
    /// The maxmemory last applied, to run an eviction when CONFIG SET changes it.
    applied_maxmemory: u64,
    /// Set while clients are paused: the dataset must stay still, so nothing is evicted.
    pub suspended: bool,
    /// Connections closed by client eviction (INFO evicted_clients).
    pub evicted_clients: u64,
}

impl Evictor {
    /// INFO total_eviction_exceeded_time in ms (finished episodes plus the current one).
    pub fn total_exceeded_ms(&self) -> u64 {
        (self.exceeded_total_us + self.current_exceeded_us()) / 1000
    }

    /// INFO current_eviction_exceeded_time in ms.
    pub fn current_exceeded_ms(&self) -> u64 {
        self.current_exceeded_us() / 1000
    }

    /// Clears the counters CONFIG RESETSTAT resets.
    pub fn reset_stats(&mut self) {
        self.exceeded_total_us = 0;
        self.evicted_clients = 0;
        if self.exceeded_since.is_some() {
            self.exceeded_since = Some(Instant::now());
        }
    }

    fn current_exceeded_us(&self) -> u64 {
        self.exceeded_since
            .map(|t| u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }

    fn update_metrics(&mut self, r: EvictResult) {
        match r {
            EvictResult::Running | EvictResult::Fail => {
                if self.exceeded_since.is_none() {
                    self.exceeded_since = Some(Instant::now());
                }
            }
            EvictResult::Ok => {
                if let Some(t) = self.exceeded_since.take() {
                    let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                    self.exceeded_total_us = self.exceeded_total_us.saturating_add(us);
                }
            }
        }
    }
}

/// How entries record accesses under `config` (LFU data under an LFU policy).
pub fn access_mode(config: &Config) -> Access {
    if is_lfu(config.maxmemory_policy) {
        Access::Lfu {
            log_factor: config.lfu_log_factor,
            decay_minutes: config.lfu_decay_time,
        }
    } else {
        Access::Lru
    }
}

/// Whether the policy keeps LFU counters (MAXMEMORY_FLAG_LFU).
pub fn is_lfu(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
    )
}

/// Whether the policy picks among all keys rather than keys with a TTL (MAXMEMORY_FLAG_ALLKEYS).
pub fn is_allkeys(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::AllkeysLru | MaxmemoryPolicy::AllkeysLfu | MaxmemoryPolicy::AllkeysRandom
    )
}

/// Bytes held in the AOF buffer, set by the AOF layer whenever the buffer changes.
static AOF_BUFFERED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Records the AOF buffer's size (capacity: what it holds from the allocator).
pub fn set_aof_buffered(bytes: usize) {
    AOF_BUFFERED.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// Memory that does not count toward maxmemory (freeMemoryGetNotCountedMemory: replica output
/// buffers and the AOF buffer). There are no replicas yet; the AOF layer reports its buffer
/// through `set_aof_buffered`.
pub fn not_counted_for_evict() -> usize {
    AOF_BUFFERED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The client-eviction limit in bytes (getClientEvictionLimit): `maxmemory-clients` as is, or
/// as a percentage of `maxmemory` when negative; 0 = no client eviction.
pub fn client_eviction_limit(config: &Config) -> u64 {
    match config.maxmemory_clients {
        n if n > 0 => n.unsigned_abs(),
        n if n < 0 && config.maxmemory > 0 => {
            let pct = u128::from(n.unsigned_abs());
            u64::try_from(u128::from(config.maxmemory) * pct / 100).unwrap_or(u64::MAX)
        }
        _ => 0,
    }
}

/// Whether used memory is within `maxmemory` (getMaxmemoryState); otherwise how much to free.
pub fn memory_state(maxmemory: u64) -> Result<(), usize> {
    if maxmemory == 0 {
        return Ok(());
    }
    let max = usize::try_from(maxmemory).unwrap_or(usize::MAX);
    let reported = crate::util::alloc::used();
    if reported <= max {
        return Ok(());
    }
    let used = reported.saturating_sub(not_counted_for_evict());
    if used <= max {
        return Ok(());
    }
    Err(used - max)
}

/// The time budget of one eviction call in µs for a tenacity (evictionTimeLimitUs): 50 µs per
/// step up to 10, then 15% more per step, unlimited at 100.
pub fn time_limit_us(tenacity: u32) -> u64 {
    match tenacity {
        0..=10 => 50 * u64::from(tenacity),
        11..=99 => (500.0 * 1.15f64.powi(i32::try_from(tenacity).unwrap_or(100) - 10)) as u64,
        _ => u64::MAX,
    }
}

/// Whether eviction may run now (isSafeToPerformEvictions): not on a replica that ignores
/// maxmemory, not while clients are paused.
fn safe_to_evict(dbs: &Databases, config: &Config, ev: &Evictor) -> bool {
    let replica_ignores = dbs.is_replica && config.replica_ignore_maxmemory;
    !replica_ignores && !ev.suspended
}

/// Evicts keys until memory is under `maxmemory` or the time budget is spent
/// (performEvictions). See the module header.
pub fn perform_evictions(
    dbs: &mut Databases,
    config: &Config,
    ev: &mut Evictor,
    now_ms: i64,
) -> EvictResult {
    if !safe_to_evict(dbs, config, ev) {
        return EvictResult::Ok;
    }
    let r = evict_cycle(dbs, config, ev, now_ms);
    ev.update_metrics(r);
    r
}

fn evict_cycle(dbs: &mut Databases, config: &Config, ev: &mut Evictor, now_ms: i64) -> EvictResult {
    let Err(to_free) = memory_state(config.maxmemory) else {
        return EvictResult::Ok;
    };
    let policy = config.maxmemory_policy;
    if policy == MaxmemoryPolicy::NoEviction {
        return EvictResult::Fail;
    }
    let limit_us = time_limit_us(config.maxmemory_eviction_tenacity);
    let lazy = config.lazyfree_lazy_eviction;
    let started = Instant::now();
    let mut rng = rand::rng();
    let mut freed = 0usize;
    let mut keys_freed = 0u64;
    while freed < to_free {
        let Some((db, key)) = pick_victim(dbs, config, ev, now_ms, &mut rng) else {
            // Nothing left to evict.
            return EvictResult::Fail;
        };
        if let Some(n) = dbs.evict_key(db, &key, lazy) {
            freed = freed.saturating_add(n);
            keys_freed += 1;
        }
        if keys_freed.is_multiple_of(16) {
            // Values freed on the background thread leave the allocator later than the
            // delete: check the real figure now and then.
            if lazy && memory_state(config.maxmemory).is_ok() {
                break;
            }
            let spent = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            if spent > limit_us {
                ev.proc_running = true;
                break;
            }
        }
    }
    if ev.proc_running {
        EvictResult::Running
    } else {
        EvictResult::Ok
    }
}

/// The next key to evict under the configured policy, or `None` if there is none.
fn pick_victim(
    dbs: &Databases,
    config: &Config,
    ev: &mut Evictor,
    now_ms: i64,
    rng: &mut impl rand::Rng,
) -> Option<(usize, Bytes)> {
    let policy = config.maxmemory_policy;
    let allkeys = is_allkeys(policy);
    if matches!(
        policy,
        MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom
    ) {
        let n = dbs.count();
        for _ in 0..n {
            ev.next_db = (ev.next_db + 1) % n.max(1);
            let Some(d) = dbs.db(ev.next_db) else {
                continue;
            };
            let key = if allkeys {
                d.any_random_key(rng)
            } else {
                d.random_volatile_key(rng)
            };
            if let Some(k) = key {
                return Some((ev.next_db, Bytes::copy_from_slice(k)));
            }
        }
        return None;
    }
    let samples = usize::try_from(config.maxmemory_samples.max(1)).unwrap_or(5);
    loop {
        let mut total = 0usize;
        for d in dbs.iter() {
            let n = if allkeys { d.len() } else { d.expires_len() };
            if n == 0 {
                continue;
            }
            total += n;
            populate(&mut ev.pool, d, config, samples, now_ms, rng);
        }
        if total == 0 {
            return None;
        }
        // Best to worst; a candidate whose key is gone (or lost its TTL) is a ghost.
        while let Some(c) = ev.pool.pop_best() {
            let live = dbs
                .db(c.db)
                .and_then(|d| d.get(&c.key))
                .is_some_and(|e| allkeys || e.has_expire());
            if live {
                return Some((c.db, c.key));
            }
        }
    }
}

/// Samples keys of one database into the pool (evictionPoolPopulate).
fn populate(
    pool: &mut EvictionPool,
    d: &crate::db::Db,
    config: &Config,
    samples: usize,
    now_ms: i64,
    rng: &mut impl rand::Rng,
) {
    let policy = config.maxmemory_policy;
    let score = |e: &crate::db::Entry| -> u64 {
        if is_lfu(policy) {
            255 - u64::from(e.lfu_freq(now_ms, config.lfu_decay_time))
        } else {
            e.idle_secs(now_ms).saturating_mul(1000)
        }
    };
    if is_allkeys(policy) {
        d.sample_keys(samples, rng, |k, e| pool.offer(score(e), k, d.id));
    } else if policy == MaxmemoryPolicy::VolatileTtl {
        d.sample_expires(samples, rng, |k, &when| {
            pool.offer(u64::MAX - u64::try_from(when).unwrap_or(0), k, d.id);
        });
    } else {
        d.sample_expires(samples, rng, |k, _| {
            if let Some(e) = d.get(k) {
                pool.offer(score(&e), k, d.id);
            }
        });
    }
}

/// Whether a DENYOOM command must be refused now: runs an eviction cycle first, as
/// processCommand does before every command while maxmemory is set.
pub fn out_of_memory(dbs: &mut Databases, config: &Config, ev: &mut Evictor, now_ms: i64) -> bool {
    config.maxmemory != 0 && perform_evictions(dbs, config, ev, now_ms) == EvictResult::Fail
}

/// For scripting: whether a write command (flags `cmd_denyoom`) run from a script must fail
/// with -OOM (scriptCall's check): maxmemory set, not a replica, the script not flagged
/// allow-oom, and memory was over the limit when the script started (`Evictor::script_oom`,
/// recorded by the dispatch pipeline for EVAL, EVALSHA, FCALL and FCALL_RO).
pub fn script_denies_oom(
    config: &Config,
    dbs: &Databases,
    ev: &Evictor,
    allow_oom: bool,
    cmd_denyoom: bool,
) -> bool {
    config.maxmemory != 0 && !dbs.is_replica && !allow_oom && ev.script_oom && cmd_denyoom
}

/// After a config change: records the new limit and evicts down toward it if it is lower than
/// what is used (updateMaxmemory: a warning, then performEvictions, which hands what it cannot
/// do in its time budget to the loop).
pub fn apply_maxmemory(dbs: &mut Databases, config: &Config, ev: &mut Evictor, now_ms: i64) {
    if config.maxmemory == ev.applied_maxmemory {
        return;
    }
    ev.applied_maxmemory = config.maxmemory;
    if config.maxmemory == 0 {
        return;
    }
    let used = crate::util::alloc::used().saturating_sub(not_counted_for_evict());
    if u64::try_from(used).is_ok_and(|u| config.maxmemory < u) {
        tracing::warn!(
            "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current \
             memory usage ({used}). This will result in key eviction and/or the inability to \
             accept new write commands depending on the maxmemory-policy.",
            config.maxmemory
        );
    }
    perform_evictions(dbs, config, ev, now_ms);
}

/// One turn of the eviction time proc (evictionTimeProc): keeps evicting while a previous call
/// ran out of time; stops when memory is fine or nothing can be evicted.
pub fn time_proc(dbs: &mut Databases, config: &Config, ev: &mut Evictor, now_ms: i64) {
    if !ev.proc_running {
        return;
    }
    ev.proc_running = false;
    perform_evictions(dbs, config, ev, now_ms);
}

#[cfg(test)]
mod tests;
