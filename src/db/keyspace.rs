//! One database: a dict of key -> `Entry` and a dict of key -> expiry time (unix ms).
//!
//! Both dicts rehash incrementally (util::dict), so growing to tens of millions of keys never
//! stops the loop. Keys are `CompactBytes` (inline when short), and an `Entry` packs the value
//! with its 24-bit LRU clock / LFU counter and a flag saying whether the key is in `expires`, so a
//! read of a key without a TTL never touches the second dict.

use crate::evict::lfu;
use crate::types::value::Value;
use crate::util::cbytes::CompactBytes;
use crate::util::dict::Dict;

/// Resolution of the LRU clock in ms (Redis's LRU_CLOCK_RESOLUTION).
pub const LRU_CLOCK_RESOLUTION: i64 = 1000;
/// The LRU clock wraps at 24 bits (LRU_CLOCK_MAX).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// How entries record accesses: Redis's LRU clock, or the LFU counter under an LFU
/// maxmemory-policy (the server keeps [`crate::db::Databases::access`] in step with the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// 24-bit LRU clock in seconds.
    Lru,
    /// LFU data (16-bit minutes, 8-bit logarithmic counter) with `lfu-log-factor` and
    /// `lfu-decay-time` (minutes).
    Lfu {
        /// `lfu-log-factor`.
        log_factor: u32,
        /// `lfu-decay-time` in minutes (0 = never decay).
        decay_minutes: u32,
    },
}

/// A stored value with its access metadata.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Low 24 bits: LRU clock (seconds) or LFU data; bit 31: the key has an expiry time.
    meta: u32,
}

impl Entry {
    /// A new entry, with its access clock set to `now_ms`.
    pub fn new(value: Value, now_ms: i64) -> Self {
        Entry {
            value,
            meta: lru_clock(now_ms),
        }
    }

    /// A new entry whose access field starts as `access` wants (createObject): the LRU clock
    /// now, or LFU data with the counter at LFU_INIT_VAL.
    pub fn with_access(value: Value, now_ms: i64, access: Access) -> Self {
        let meta = match access {
            Access::Lru => lru_clock(now_ms),
            Access::Lfu { .. } => lfu::initial(now_ms),
        };
        Entry { value, meta }
    }

    /// An entry from a value and the meta word [`Entry::meta_word`] returned (db::obj stores
    /// the two apart).
    pub(crate) fn from_parts(value: Value, meta: u32) -> Self {
        Entry { value, meta }
    }

    /// The access bits and expiry flag, as one word.
    pub(crate) fn meta_word(&self) -> u32 {
        self.meta
    }

    /// Splits the entry into its value and meta word.
    pub(crate) fn into_parts(self) -> (Value, u32) {
        (self.value, self.meta)
    }

    /// Records an access under `access` (lookupKey): the LRU clock now, or the LFU counter
    /// decayed and incremented with the uniform draw `r` in [0, 1).
    pub fn accessed(&mut self, now_ms: i64, access: Access, r: f64) {
        let data = match access {
            Access::Lru => lru_clock(now_ms),
            Access::Lfu {
                log_factor,
                decay_minutes,
            } => lfu::on_access(self.lru(), now_ms, log_factor, decay_minutes, r),
        };
        self.meta = (self.meta & EXPIRE_BIT) | data;
    }

    /// Overwrites the 24 access bits (DEBUG OBJECT-style tooling, OBJECT FREQ tests).
    pub fn set_access_bits(&mut self, data: u32) {
        self.meta = (self.meta & EXPIRE_BIT) | (data & LRU_CLOCK_MAX);
    }

    /// Whether the key has an expiry time.
    pub fn has_expire(&self) -> bool {
        self.meta & EXPIRE_BIT != 0
    }

    /// The 24-bit LRU clock of the last access.
    pub fn lru(&self) -> u32 {
        self.meta & LRU_CLOCK_MAX
    }

    /// Records an access now.
    pub fn touch(&mut self, now_ms: i64) {
        self.meta = (self.meta & EXPIRE_BIT) | lru_clock(now_ms);
    }

    /// Seconds since the last access, as OBJECT IDLETIME reports it.
    pub fn idle_secs(&self, now_ms: i64) -> u64 {
        let now = lru_clock(now_ms);
        let then = self.lru();
        let ticks = if now >= then {
            now - then
        } else {
            (LRU_CLOCK_MAX - then) + now
        };
        u64::from(ticks) * (LRU_CLOCK_RESOLUTION as u64) / 1000
    }

    /// The access frequency OBJECT FREQ reports, reading the access field as LFU data (16-bit
    /// minutes of the last decrement, 8-bit logarithmic counter): the counter less one per
    /// `decay_minutes` elapsed since then, as Redis's LFUDecrAndReturn.
    pub fn lfu_freq(&self, now_ms: i64, decay_minutes: u32) -> u32 {
        lfu::decayed(self.lru(), now_ms, decay_minutes)
    }

    /// Sets the access clock to `idle_secs` before `now_ms` (RESTORE IDLETIME, RDB IDLE opcode;
    /// Redis's objectSetLRUOrLFU: an underflowing clock lands half a period in the future).
    pub fn set_idle(&mut self, idle_secs: u64, now_ms: i64) {
        let clock = i64::from(lru_clock(now_ms));
        let idle = i64::try_from(idle_secs).unwrap_or(i64::MAX);
        let mut abs = clock.saturating_sub(idle);
        if abs < 0 {
            abs = (clock + i64::from(LRU_CLOCK_MAX / 2)) % i64::from(LRU_CLOCK_MAX);
        }
        self.meta = (self.meta & EXPIRE_BIT) | (abs as u32 & LRU_CLOCK_MAX);
    }

    /// Sets the LFU data to counter `freq` as of now (RESTORE FREQ, RDB FREQ opcode).
    pub fn set_lfu(&mut self, freq: u8, now_ms: i64) {
        let minutes = ((now_ms / 60_000) as u64 & 0xFFFF) as u32;
        self.meta = (self.meta & EXPIRE_BIT) | (minutes << 8) | u32::from(freq);
    }

    fn set_expire_flag(&mut self, on: bool) {
        if on {
            self.meta |= EXPIRE_BIT;
        } else {
            self.meta &= !EXPIRE_BIT;
        }
    }
}

/// The LRU clock for a time: seconds, wrapped to 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// One numbered database.
pub struct Db {
    /// This database's index.
    pub id: usize,
    keys: Dict<CompactBytes, Entry>,
    expires: Dict<CompactBytes, i64>,
    /// Where the active expiry cycle resumes its walk of `expires`.
    pub(crate) expire_cursor: u64,
    /// Running average TTL of sampled volatile keys, for INFO keyspace.
    pub avg_ttl: i64,
}

impl Db {
    /// An empty database with index `id`.
    pub fn new(id: usize) -> Self {
        Db {
            id,
            keys: Dict::new(),
            expires: Dict::new(),
            expire_cursor: 0,
            avg_ttl: 0,
        }
    }

    /// Keys stored (expired ones not yet reclaimed included).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }

    /// Keys with an expiry time.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The entry at `key`, without any expiry check.
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key)
    }

    /// The entry at `key` for modification, without any expiry check.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.keys.get_mut(key)
    }

    /// Stores a value; returns whether the key existed and the value it replaced. A new key's
    /// access field starts as `access` wants; an overwritten key keeps its LFU data under LFU
    /// (dbOverwrite) and gets the LRU clock now otherwise.
    pub fn set(
        &mut self,
        key: &[u8],
        value: Value,
        keep_ttl: bool,
        now_ms: i64,
        access: Access,
    ) -> (bool, Option<Value>) {
        match self.keys.get_mut(key) {
            Some(e) => {
                let old = std::mem::replace(&mut e.value, value);
                if access == Access::Lru {
                    e.touch(now_ms);
                }
                if !keep_ttl && e.has_expire() {
                    e.set_expire_flag(false);
                    self.expires.remove(key);
                }
                (true, Some(old))
            }
            None => {
                self.keys.insert(
                    CompactBytes::from(key),
                    Entry::with_access(value, now_ms, access),
                );
                (false, None)
            }
        }
    }

    /// Inserts an entry as is (RESTORE-like paths that carry their own metadata); the expiry
    /// flag is recomputed from `when`.
    pub fn insert_entry(&mut self, key: &[u8], mut entry: Entry, when: Option<i64>) {
        entry.set_expire_flag(when.is_some());
        if let Some(old) = self.keys.insert(CompactBytes::from(key), entry)
            && old.has_expire()
            && when.is_none()
        {
            self.expires.remove(key);
        }
        if let Some(w) = when {
            self.expires.insert(CompactBytes::from(key), w);
        }
    }

    /// Removes a key and its expiry time; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let (_, e) = self.keys.remove(key)?;
        if e.has_expire() {
            self.expires.remove(key);
        }
        Some(e.value)
    }

    /// Removes a key and returns its whole entry (value and access metadata) with its expiry
    /// time, so RENAME and MOVE can re-insert it unchanged.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Entry, Option<i64>)> {
        let (_, e) = self.keys.remove(key)?;
        let when = if e.has_expire() {
            self.expires.remove(key).map(|(_, w)| w)
        } else {
            None
        };
        Some((e, when))
    }

    /// Sets (`Some`) or clears (`None`) a key's expiry time; false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], when: Option<i64>) -> bool {
        let Some(e) = self.keys.get_mut(key) else {
            return false;
        };
        let had = e.has_expire();
        e.set_expire_flag(when.is_some());
        match when {
            Some(w) => {
                self.expires.insert(CompactBytes::from(key), w);
            }
            None if had => {
                self.expires.remove(key);
            }
            None => {}
        }
        true
    }

    /// A key's expiry time, if it has one.
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        match self.keys.get(key) {
            Some(e) if e.has_expire() => self.expires.get(key).copied(),
            _ => None,
        }
    }

    /// Whether a key's time has passed (KEYS and SCAN hide such keys; nothing is deleted).
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.expire_of(key).is_some_and(|when| now_ms > when)
    }

    /// One step of a SCAN over the keys: calls `f` for the keys of one bucket, returns the next
    /// cursor (0 when the walk is complete).
    pub fn scan_step(&self, cursor: u64, f: impl FnMut(&CompactBytes, &Entry)) -> u64 {
        self.keys.scan(cursor, f)
    }

    /// One step over the volatile keys (active expiry).
    pub fn scan_expires_step(&self, cursor: u64, f: impl FnMut(&CompactBytes, &i64)) -> u64 {
        self.expires.scan(cursor, f)
    }

    /// Every entry (KEYS, SAVE). Visiting all keys is O(n): callers accept that as Redis does.
    pub fn iter(&self) -> impl Iterator<Item = (&CompactBytes, &Entry)> {
        self.keys.iter()
    }

    /// Calls `f` for up to `n` keys near a random spot of the main dict (dictGetSomeKeys on
    /// db->dict, for the eviction pool).
    pub fn sample_keys<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        f: impl FnMut(&'a CompactBytes, &'a Entry),
    ) -> usize {
        self.keys.sample(n, rng, f)
    }

    /// Calls `f` for up to `n` volatile keys with their expiry times (dictGetSomeKeys on
    /// db->expires).
    pub fn sample_expires<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        f: impl FnMut(&'a CompactBytes, &'a i64),
    ) -> usize {
        self.expires.sample(n, rng, f)
    }

    /// A random volatile key (dictGetRandomKey on db->expires, volatile-random).
    pub fn random_volatile_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&CompactBytes> {
        self.expires.random_entry(rng).map(|(k, _)| k)
    }

    /// A random key (dictGetRandomKey on db->dict, allkeys-random).
    pub fn any_random_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&CompactBytes> {
        self.keys.random_entry(rng).map(|(k, _)| k)
    }

    /// A random key, fairly enough for RANDOMKEY (Redis's dictGetFairRandomKey).
    pub fn random_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&CompactBytes> {
        self.keys.fair_random_entry(rng).map(|(k, _)| k)
    }

    /// Runs incremental rehashing for about `micros` microseconds.
    pub fn rehash_for(&mut self, micros: u64) {
        self.keys.rehash_for(micros);
        self.expires.rehash_for(micros);
    }

    /// Starts shrinking either dict if it is under 10% full (the cron's tryResizeHashTables).
    pub fn shrink_if_needed(&mut self) {
        self.keys.shrink_if_needed();
        self.expires.shrink_if_needed();
    }

    /// Approximate bytes used by the two dicts' tables and nodes.
    pub fn overhead(&self) -> usize {
        self.keys.mem_usage() + self.expires.mem_usage()
    }
}

const EXPIRE_BIT: u32 = 1 << 31;

// A key costs one dict node of `CompactBytes` (24), `Entry` (40) and the chain link (8); the
// node type becoming generic must not grow it.
const _: () = assert!(std::mem::size_of::<Entry>() == 40);
const _: () = assert!(Dict::<CompactBytes, Entry>::node_size() == 72);
const _: () = assert!(Dict::<CompactBytes, i64>::node_size() == 40);
