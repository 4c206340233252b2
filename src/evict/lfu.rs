//! The LFU access counter Redis keeps in an object's 24 access bits (object.c / evict.c).
//!
//! Layout of the 24 bits under an LFU policy: the high 16 bits hold the time of the last
//! decrement in minutes (unix minutes wrapped to 16 bits, Redis's LFUGetTimeInMinutes), the low
//! 8 bits a logarithmic access counter. A new key starts at [`LFU_INIT_VAL`] so it is not evicted
//! before it has had a chance to be read. An access first decays the counter by one per
//! `lfu-decay-time` minutes elapsed, then increments it with probability
//! `1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1)`, saturating at 255.
//!
//! This module is pure arithmetic (it imports nothing), so the keyspace below the eviction
//! engine can use it to update entries on access.

/// The counter a new key starts with (Redis's LFU_INIT_VAL).
pub const LFU_INIT_VAL: u32 = 5;

/// Unix minutes wrapped to 16 bits (LFUGetTimeInMinutes).
pub fn minutes(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 60_000) as u64 & 0xFFFF) as u32
}

/// Minutes elapsed since `ldt`, allowing for one wrap of the 16-bit clock (LFUTimeElapsed).
pub fn elapsed_minutes(ldt: u32, now_ms: i64) -> u32 {
    let now = minutes(now_ms);
    if now >= ldt {
        now - ldt
    } else {
        (0xFFFF - ldt) + now
    }
}

/// The counter of `data` (24-bit LFU data) after decay (LFUDecrAndReturn): one less per
/// `decay_minutes` elapsed since the last decrement; no decay when `decay_minutes` is 0.
pub fn decayed(data: u32, now_ms: i64, decay_minutes: u32) -> u32 {
    let ldt = (data >> 8) & 0xFFFF;
    let counter = data & 0xFF;
    let periods = elapsed_minutes(ldt, now_ms)
        .checked_div(decay_minutes)
        .unwrap_or(0);
    counter.saturating_sub(periods)
}

/// The counter after one access (LFULogIncr): `r` is a uniform draw in [0, 1).
pub fn log_incr(counter: u32, log_factor: u32, r: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if r < p { counter + 1 } else { counter }
}

/// The 24-bit LFU data after an access at `now_ms` (updateLFU): decay, increment, and stamp the
/// current minute.
pub fn on_access(data: u32, now_ms: i64, log_factor: u32, decay_minutes: u32, r: f64) -> u32 {
    let counter = log_incr(decayed(data, now_ms, decay_minutes), log_factor, r);
    pack(now_ms, counter)
}

/// Fresh LFU data for a new key: this minute, counter [`LFU_INIT_VAL`].
pub fn initial(now_ms: i64) -> u32 {
    pack(now_ms, LFU_INIT_VAL)
}

fn pack(now_ms: i64, counter: u32) -> u32 {
    (minutes(now_ms) << 8) | (counter & 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn new_keys_start_at_init_val_and_first_hits_always_count() {
        let t = 1_000 * MIN;
        let d = initial(t);
        assert_eq!(decayed(d, t, 1), LFU_INIT_VAL);
        // At or below LFU_INIT_VAL the increment probability is 1 whatever the draw.
        assert_eq!(log_incr(0, 10, 0.999), 1);
        assert_eq!(log_incr(5, 10, 0.999), 6);
        // At 6 with factor 10 the probability is 1/11.
        assert_eq!(log_incr(6, 10, 0.09), 7);
        assert_eq!(log_incr(6, 10, 0.091), 6);
        assert_eq!(log_incr(255, 0, 0.0), 255);
        // Factor 0: every access counts.
        assert_eq!(log_incr(200, 0, 0.999), 201);
    }

    #[test]
    fn counter_decays_one_per_period_and_never_below_zero() {
        let t = 5_000 * MIN;
        let d = (minutes(t) << 8) | 20;
        assert_eq!(decayed(d, t + 59_999, 1), 20);
        assert_eq!(decayed(d, t + 3 * MIN, 1), 17);
        assert_eq!(decayed(d, t + 10 * MIN, 5), 18);
        assert_eq!(decayed(d, t + 100 * MIN, 1), 0);
        assert_eq!(decayed(d, t + 100 * MIN, 0), 20);
    }

    #[test]
    fn elapsed_minutes_survives_the_16_bit_wrap() {
        let t = 0xFFFF * MIN + 3 * MIN; // wraps to minute 2 (0x10002 & 0xFFFF)
        assert_eq!(minutes(t), 2);
        assert_eq!(elapsed_minutes(0xFFFE, t), 3);
    }

    #[test]
    fn growth_is_logarithmic_with_the_default_factor() {
        // Redis's table for lfu-log-factor 10: ~100 hits reach about 10, ~1000 about 18.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut draw = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut c = LFU_INIT_VAL;
        for _ in 0..100 {
            c = log_incr(c, 10, draw());
        }
        assert!((8..=13).contains(&c), "100 hits -> {c}");
        for _ in 0..900 {
            c = log_incr(c, 10, draw());
        }
        assert!((14..=26).contains(&c), "1000 hits -> {c}");
    }
}
