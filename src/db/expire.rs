//! Active expiry: the adaptive, time-bounded cycle that reclaims keys nobody reads.
//!
//! Modelled on Redis 7.0's activeExpireCycle: each database's `expires` dict is walked with a
//! SCAN cursor that survives between calls; a round samples up to `keys_per_loop` volatile keys
//! and deletes the expired ones; rounds repeat while more than `acceptable_stale` percent of a
//! sample was expired, and the whole call stops at its time budget. `active-expire-effort`
//! (1..10) scales the sample size, the budget and the tolerated stale share exactly as in Redis.
//! Replicas do not run it (their master sends DELs).

use std::time::{Duration, Instant};

use super::Databases;

/// Which of Redis's two cycles is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// From the cron: up to 25% (+2% per effort step) of the CPU time between two cron ticks.
    Slow,
    /// From before_sleep: about 1 ms, only when the stale share is above the acceptable one.
    Fast,
}

/// Tunables derived from `active-expire-effort`.
#[derive(Debug, Clone, Copy)]
pub struct ExpireParams {
    /// Volatile keys sampled per round.
    pub keys_per_loop: usize,
    /// Budget of a fast cycle, in microseconds.
    pub fast_duration_us: u64,
    /// Share of CPU a slow cycle may use, in percent.
    pub slow_cycle_time_perc: u64,
    /// Stale share (percent) under which a database is left alone.
    pub acceptable_stale: u64,
}

impl ExpireParams {
    /// The parameters for `active-expire-effort` = `effort` (1..=10).
    pub fn from_effort(effort: u32) -> Self {
        let e = u64::from(effort.clamp(1, 10) - 1);
        ExpireParams {
            keys_per_loop: (20 + 20 / 4 * e) as usize,
            fast_duration_us: 1000 + 1000 / 4 * e,
            slow_cycle_time_perc: 25 + 2 * e,
            acceptable_stale: 10 - e,
        }
    }
}

/// Runs one active expiry cycle over every database; `hz` sizes the slow cycle's budget.
/// Returns the number of keys it expired.
pub fn active_expire_cycle(
    dbs: &mut Databases,
    kind: CycleKind,
    params: &ExpireParams,
    hz: u32,
    now_ms: i64,
) -> u64 {
    if dbs.is_replica {
        return 0;
    }
    if kind == CycleKind::Fast && dbs.stats.expired_stale_perc < params.acceptable_stale as f64 {
        return 0;
    }
    let start = Instant::now();
    let budget_us = match kind {
        CycleKind::Fast => params.fast_duration_us,
        CycleKind::Slow => 1_000_000 * params.slow_cycle_time_perc / u64::from(hz.max(1)) / 100,
    };
    let deadline = start + Duration::from_micros(budget_us.max(1));
    let mut total_expired = 0u64;
    let mut total_sampled = 0u64;
    let mut timed_out = false;
    for db in 0..dbs.count() {
        let mut iteration = 0u32;
        while let Some(d) = dbs.db_mut(db) {
            if d.expires_len() == 0 {
                break;
            }
            // Sample: walk buckets from the saved cursor until enough keys are seen.
            let mut due: Vec<Vec<u8>> = Vec::new();
            let mut sampled = 0usize;
            let mut ttl_sum = 0i64;
            let mut ttl_samples = 0i64;
            let mut cursor = d.expire_cursor;
            let max_buckets = params.keys_per_loop * 20;
            let mut buckets = 0usize;
            while sampled < params.keys_per_loop && buckets < max_buckets {
                cursor = d.scan_expires_step(cursor, |k, &when| {
                    sampled += 1;
                    if now_ms > when {
                        due.push(k.as_ref().to_vec());
                    } else {
                        ttl_sum = ttl_sum.saturating_add(when - now_ms);
                        ttl_samples += 1;
                    }
                });
                buckets += 1;
                if cursor == 0 {
                    break;
                }
            }
            d.expire_cursor = cursor;
            if ttl_samples > 0 {
                let avg = ttl_sum / ttl_samples;
                // Same smoothing as Redis: 2% of the new sample's weight.
                d.avg_ttl = if d.avg_ttl == 0 {
                    avg
                } else {
                    (d.avg_ttl / 50) * 49 + avg / 50
                };
            }
            let expired = due.len();
            for k in due {
                dbs.expire_key(db, &k);
            }
            total_expired += expired as u64;
            total_sampled += sampled as u64;
            iteration += 1;
            if iteration.is_multiple_of(16) && Instant::now() >= deadline {
                timed_out = true;
                break;
            }
            if sampled == 0 || (expired * 100 / sampled) as u64 <= params.acceptable_stale {
                break;
            }
        }
        if timed_out || Instant::now() >= deadline {
            timed_out = true;
            break;
        }
    }
    if timed_out {
        dbs.stats.expired_time_cap_reached_count += 1;
    }
    let elapsed_ms = start.elapsed().as_millis() as u64;
    dbs.stats.expire_cycle_cpu_milliseconds += elapsed_ms;
    let current = if total_sampled > 0 {
        total_expired as f64 / total_sampled as f64 * 100.0
    } else {
        0.0
    };
    dbs.stats.expired_stale_perc = current * 0.05 + dbs.stats.expired_stale_perc * 0.95;
    total_expired
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::string::StrValue;
    use crate::types::value::Value;

    #[test]
    fn slow_cycle_reclaims_expired_keys_and_keeps_live_ones() {
        let mut dbs = Databases::new(2);
        for i in 0..1000 {
            let k = format!("k{i}");
            dbs.set(
                0,
                k.as_bytes(),
                Value::Str(StrValue::from_set(b"v")),
                false,
                0,
            );
            let when = if i % 2 == 0 { 500 } else { 1_000_000 };
            dbs.set_expire(0, k.as_bytes(), Some(when));
        }
        let p = ExpireParams::from_effort(1);
        let mut total = 0;
        for _ in 0..200 {
            total += active_expire_cycle(&mut dbs, CycleKind::Slow, &p, 10, 1000);
        }
        assert_eq!(total, 500);
        assert_eq!(dbs.db(0).unwrap().len(), 500);
        assert_eq!(dbs.take_expired().len(), 500);
    }

    #[test]
    fn effort_scales_parameters_like_redis() {
        let p = ExpireParams::from_effort(10);
        assert_eq!(p.keys_per_loop, 20 + 5 * 9);
        assert_eq!(p.acceptable_stale, 1);
        assert_eq!(ExpireParams::from_effort(1).slow_cycle_time_perc, 25);
    }
}
