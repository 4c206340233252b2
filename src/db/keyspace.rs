//! One database: a dict of key -> `Entry` and a dict of key -> expiry time (unix ms).
//!
//! Both dicts rehash incrementally (util::dict), so growing to tens of millions of keys never
//! stops the loop. Keys are `CompactBytes` (inline when short), and an `Entry` packs the value
//! with its 24-bit LRU clock / LFU counter and a flag saying whether the key is in `expires`, so a
//! read of a key without a TTL never touches the second dict.

use crate::evict::lfu;
use crate::types::value::Value;
use crate::util::cbytes::CompactBytes;
use crate::util::dict::{Dict, NodeDict};

use super::obj::{EntryMut, EntryRef, Obj};

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

    /// The meta word, for update in place (db::obj).
    pub(crate) fn meta_word_mut(&mut self) -> &mut u32 {
        &mut self.meta
    }

    /// Splits the entry into its value and meta word.
    pub(crate) fn into_parts(self) -> (Value, u32) {
        (self.value, self.meta)
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

    pub(crate) fn set_expire_flag(&mut self, on: bool) {
        if on {
            self.meta |= EXPIRE_BIT;
        } else {
            self.meta &= !EXPIRE_BIT;
        }
    }
}

/// A meta word (access bits and expiry flag, as [`Entry`] keeps it) after an access under
/// `access` (lookupKey): the LRU clock now, or the LFU counter decayed and incremented with the
/// uniform draw `r` in [0, 1).
pub(crate) fn accessed_word(meta: u32, now_ms: i64, access: Access, r: f64) -> u32 {
    let data = match access {
        Access::Lru => lru_clock(now_ms),
        Access::Lfu {
            log_factor,
            decay_minutes,
        } => lfu::on_access(meta & LRU_CLOCK_MAX, now_ms, log_factor, decay_minutes, r),
    };
    (meta & EXPIRE_BIT) | data
}

/// The LRU clock for a time: seconds, wrapped to 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// One numbered database.
pub struct Db {
    /// This database's index.
    pub id: usize,
    /// The keys, each one [`Obj`] (key, value and metadata in one allocation).
    keys: NodeDict<Obj>,
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
            keys: NodeDict::new(),
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
    pub fn get(&self, key: &[u8]) -> Option<EntryRef<'_>> {
        self.keys.find(key).map(Obj::entry)
    }

    /// The entry at `key` for modification, without any expiry check; a small value kept in
    /// the key's own allocation is written back when the guard drops.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<EntryMut<'_>> {
        self.keys.find_mut(key).map(Obj::entry_mut)
    }

    /// The entry at `key` as a plain `&mut Entry`, without any expiry check: a small value kept
    /// in the key's allocation moves to a buffer of its own first (see [`Obj::inline_entry_mut`];
    /// for values that are never embedded this costs nothing).
    pub fn get_mut_inline(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.keys.find_mut(key).map(Obj::inline_entry_mut)
    }

    /// The object at `key`, without any expiry check (the lookups in `db` record accesses on
    /// it before handing out its entry).
    pub(crate) fn obj_mut(&mut self, key: &[u8]) -> Option<&mut Obj> {
        self.keys.find_mut(key)
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
        match self.keys.find_mut(key) {
            Some(obj) => {
                let mut e = obj.entry_mut();
                let old = std::mem::replace(&mut e.value, value);
                if access == Access::Lru {
                    e.touch(now_ms);
                }
                if !keep_ttl && e.has_expire() {
                    e.set_expire_flag(false);
                    drop(e);
                    self.expires.remove(key);
                }
                (true, Some(old))
            }
            None => {
                self.keys
                    .insert_node(Obj::new(key, Entry::with_access(value, now_ms, access)));
                (false, None)
            }
        }
    }

    /// Inserts an entry as is (RESTORE-like paths that carry their own metadata); the expiry
    /// flag is recomputed from `when`.
    pub fn insert_entry(&mut self, key: &[u8], mut entry: Entry, when: Option<i64>) {
        entry.set_expire_flag(when.is_some());
        if let Some(old) = self.keys.insert_node(Obj::new(key, entry))
            && old.entry().has_expire()
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
        self.remove_entry(key).map(|(e, _)| e.value)
    }

    /// Removes a key and returns its whole entry (value and access metadata) with its expiry
    /// time, so RENAME and MOVE can re-insert it unchanged.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Entry, Option<i64>)> {
        let e = self.keys.remove_node(key)?.into_entry();
        let when = if e.has_expire() {
            self.expires.remove(key).map(|(_, w)| w)
        } else {
            None
        };
        Some((e, when))
    }

    /// Sets (`Some`) or clears (`None`) a key's expiry time; false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], when: Option<i64>) -> bool {
        let Some(obj) = self.keys.find_mut(key) else {
            return false;
        };
        let mut e = obj.entry_mut();
        let had = e.has_expire();
        e.set_expire_flag(when.is_some());
        drop(e);
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
        match self.keys.find(key) {
            Some(o) if o.entry().has_expire() => self.expires.get(key).copied(),
            _ => None,
        }
    }

    /// Whether a key's time has passed (KEYS and SCAN hide such keys; nothing is deleted).
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.expire_of(key).is_some_and(|when| now_ms > when)
    }

    /// One step of a SCAN over the keys: calls `f` for the keys of one bucket, returns the next
    /// cursor (0 when the walk is complete).
    pub fn scan_step(&self, cursor: u64, mut f: impl FnMut(&[u8], &Entry)) -> u64 {
        self.keys.scan_nodes(cursor, |o| f(o.key(), &o.entry()))
    }

    /// One step over the volatile keys (active expiry).
    pub fn scan_expires_step(&self, cursor: u64, f: impl FnMut(&CompactBytes, &i64)) -> u64 {
        self.expires.scan(cursor, f)
    }

    /// Every entry (KEYS, SAVE). Visiting all keys is O(n): callers accept that as Redis does.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], EntryRef<'_>)> {
        self.keys.nodes().map(|o| (o.key(), o.entry()))
    }

    /// Calls `f` for up to `n` keys near a random spot of the main dict (dictGetSomeKeys on
    /// db->dict, for the eviction pool).
    pub fn sample_keys<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        mut f: impl FnMut(&'a [u8], &Entry),
    ) -> usize {
        self.keys.sample_nodes(n, rng, |o| f(o.key(), &o.entry()))
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
    pub fn random_volatile_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&[u8]> {
        self.expires.random_entry(rng).map(|(k, _)| k.as_slice())
    }

    /// A random key (dictGetRandomKey on db->dict, allkeys-random).
    pub fn any_random_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&[u8]> {
        self.keys.random_node(rng).map(Obj::key)
    }

    /// A random key, fairly enough for RANDOMKEY (Redis's dictGetFairRandomKey).
    pub fn random_key<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&[u8]> {
        self.keys.fair_random_node(rng).map(Obj::key)
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

    /// Approximate bytes used by the two dicts: their tables, each key's link and metadata
    /// (Redis counts a dictEntry and a robj per key), and the expiry nodes.
    pub fn overhead(&self) -> usize {
        self.keys.table_mem_usage() + self.keys.len() * KEY_OVERHEAD + self.expires.mem_usage()
    }
}

/// Per-key bytes [`Db::overhead`] counts: an object's link and meta word.
const KEY_OVERHEAD: usize = 16;

const EXPIRE_BIT: u32 = 1 << 31;

// An inline object holds a 40-byte `Entry` (db::obj); an expiry costs one 40-byte dict node.
const _: () = assert!(std::mem::size_of::<Entry>() == 40);
const _: () = assert!(Dict::<CompactBytes, i64>::node_size() == 40);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::hash::{Hash, Limits};
    use crate::types::set::Set;
    use crate::types::string::StrValue;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// What a key holds in the model: a hash as sorted pairs, or a string.
    #[derive(Debug, Clone, PartialEq)]
    enum Model {
        Hash(BTreeMap<Vec<u8>, Vec<u8>>),
        Str(Vec<u8>),
    }

    fn observe(v: &Value) -> Option<Model> {
        match v {
            Value::Hash(h) => {
                let mut m = BTreeMap::new();
                h.for_each(|f, v| {
                    m.insert(f.to_vec(), v.to_vec());
                });
                Some(Model::Hash(m))
            }
            Value::Str(s) => Some(Model::Str(s.to_vec())),
            _ => None,
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// HSET through a write guard (converts past 8 fields).
        HSet(u8, u8, u8),
        /// HDEL through a write guard, deleting the key once empty.
        HDel(u8, u8),
        /// SET of a string, replacing whatever was there.
        SetStr(u8, u8),
        /// Rename: take the entry out and insert it under another key.
        Rename(u8, u8),
        /// A plain `&mut Entry` access (moves an embedded value inline).
        Inline(u8),
        /// An expiry set or cleared.
        Expire(u8, bool),
        Del(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..12, 0u8..12, any::<u8>()).prop_map(|(k, f, v)| Op::HSet(k, f, v)),
            2 => (0u8..12, 0u8..12).prop_map(|(k, f)| Op::HDel(k, f)),
            1 => (0u8..12, any::<u8>()).prop_map(|(k, v)| Op::SetStr(k, v)),
            1 => (0u8..12, 0u8..12).prop_map(|(a, b)| Op::Rename(a, b)),
            1 => (0u8..12).prop_map(Op::Inline),
            1 => (0u8..12, any::<bool>()).prop_map(|(k, on)| Op::Expire(k, on)),
            1 => (0u8..12).prop_map(Op::Del),
        ]
    }

    /// Keys of several lengths, including one past 127 bytes (a two-byte length).
    fn key(k: u8) -> Vec<u8> {
        match k % 4 {
            0 => vec![b'k', k],
            1 => format!("key:{k}:").repeat(3).into_bytes(),
            2 => vec![k; 130],
            _ => format!("{k}").into_bytes(),
        }
    }

    proptest! {
        /// Random writes through every access path keep the keyspace equal to a plain model,
        /// across embedded and inline layouts and the conversions between them.
        #[test]
        fn the_keyspace_matches_a_model(ops in proptest::collection::vec(op(), 1..120)) {
            let limits = Limits::new(8, 64);
            let mut db = Db::new(0);
            let mut model: BTreeMap<Vec<u8>, Model> = BTreeMap::new();
            let mut ttl: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::HSet(k, f, v) => {
                        let (k, f, v) = (key(k), vec![b'f', f], vec![b'v', v]);
                        if let Some(mut e) = db.get_mut(&k) {
                            if let Value::Hash(h) = &mut e.value {
                                h.set(&f, &v, limits);
                                if let Some(Model::Hash(m)) = model.get_mut(&k) {
                                    m.insert(f, v);
                                }
                            }
                        } else {
                            let mut h = Hash::new();
                            h.set(&f, &v, limits);
                            db.set(&k, Value::Hash(h), false, 0, Access::Lru);
                            model.insert(k, Model::Hash(BTreeMap::from([(f, v)])));
                        }
                    }
                    Op::HDel(k, f) => {
                        let (k, f) = (key(k), vec![b'f', f]);
                        let emptied = match db.get_mut(&k) {
                            Some(mut e) => match &mut e.value {
                                Value::Hash(h) => {
                                    h.remove(&f);
                                    if let Some(Model::Hash(m)) = model.get_mut(&k) {
                                        m.remove(&f);
                                    }
                                    h.is_empty()
                                }
                                _ => false,
                            },
                            None => false,
                        };
                        if emptied {
                            db.remove(&k);
                            model.remove(&k);
                            ttl.remove(&k);
                        }
                    }
                    Op::SetStr(k, v) => {
                        let k = key(k);
                        db.set(&k, Value::Str(StrValue::created(&[v])), false, 0, Access::Lru);
                        model.insert(k.clone(), Model::Str(vec![v]));
                        ttl.remove(&k);
                    }
                    Op::Rename(a, b) => {
                        let (a, b) = (key(a), key(b));
                        if let Some((e, when)) = db.remove_entry(&a) {
                            db.remove(&b);
                            db.insert_entry(&b, e, when);
                            let m = model.remove(&a);
                            let t = ttl.remove(&a);
                            ttl.remove(&b);
                            if let Some(m) = m {
                                model.insert(b.clone(), m);
                            }
                            if let Some(t) = t {
                                ttl.insert(b, t);
                            }
                        }
                    }
                    Op::Inline(k) => {
                        if let Some(e) = db.get_mut_inline(&key(k)) {
                            e.touch(5_000);
                        }
                    }
                    Op::Expire(k, on) => {
                        let k = key(k);
                        let when = on.then_some(1_000_000);
                        if db.set_expire(&k, when) {
                            match when {
                                Some(w) => ttl.insert(k, w),
                                None => ttl.remove(&k),
                            };
                        }
                    }
                    Op::Del(k) => {
                        let k = key(k);
                        db.remove(&k);
                        model.remove(&k);
                        ttl.remove(&k);
                    }
                }
                prop_assert_eq!(db.len(), model.len());
                for (k, m) in &model {
                    let e = db.get(k);
                    prop_assert!(e.is_some(), "missing {:?}", k);
                    if let Some(e) = e {
                        let seen = observe(&e.value);
                        prop_assert_eq!(seen.as_ref(), Some(m));
                        prop_assert_eq!(db.expire_of(k), ttl.get(k).copied());
                    }
                }
                let mut walked: Vec<Vec<u8>> = db.iter().map(|(k, _)| k.to_vec()).collect();
                walked.sort();
                prop_assert_eq!(walked, model.keys().cloned().collect::<Vec<_>>());
            }
            // A guarded write leaves a small hash in the key's own allocation and a big one
            // inline (a plain `&mut Entry` access leaves it inline until the next such write).
            let keys: Vec<Vec<u8>> = model.keys().cloned().collect();
            for k in keys {
                if let Some(mut e) = db.get_mut(&k) {
                    e.touch(6_000);
                }
                let listpack = db.get(&k).is_some_and(|e| e.value.encoding() == "listpack");
                let embedded = db.keys.find(&k).and_then(|o| o.embedded()).is_some();
                prop_assert_eq!(embedded, listpack);
            }
        }
    }

    #[test]
    fn a_small_set_is_embedded_and_read_back() {
        let mut db = Db::new(0);
        let mut s = Set::for_member(b"1");
        for m in [b"1", b"2", b"3"] {
            s.add(m, 512);
        }
        db.set(b"s", Value::Set(s), false, 0, Access::Lru);
        assert!(db.keys.find(b"s").is_some_and(|o| o.embedded().is_some()));
        assert_eq!(db.get(b"s").map(|e| e.value.len()), Some(3));
    }
}
