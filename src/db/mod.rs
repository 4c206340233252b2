//! The databases: `databases` numbered keyspaces, each a dict of keys and a dict of expiry times.
//!
//! Reads and writes go through [`Databases::lookup_read`] and [`Databases::lookup_write`], which
//! expire a key lazily when it is found past its time (a master deletes it and records the
//! deletion so it is propagated as DEL; a replica only hides it from reads). Keys expired or
//! deleted here are queued as effects for the layers above to drain: `take_expired` for
//! propagation and notifications, `take_lazy_frees` for values big enough to be freed on the
//! background thread rather than on the loop.
//!
//! Invariants: a key in `expires` is always in `keys`; `Entry::has_expire` says whether it is.

pub mod blocking;
pub mod expire;
pub mod keyspace;
pub mod obj;
pub mod watch;

use bytes::Bytes;

pub use keyspace::{Access, Db, Entry};
pub use obj::{EntryMut, EntryRef, Ref, RefMut};

use obj::Obj;

use crate::types::value::Value;

/// Values that take more than this many frees to drop go to the background thread (Redis's
/// LAZYFREE_THRESHOLD).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// Something big to be dropped on the background thread instead of the loop.
pub enum Garbage {
    /// One value (a big list, set, ...).
    Value(Value),
    /// A whole flushed database.
    Db(Box<Db>),
}

/// Keyspace hit/miss and expiry counters for INFO stats.
#[derive(Debug, Default, Clone)]
pub struct KeyspaceStats {
    /// Successful read lookups.
    pub hits: u64,
    /// Failed read lookups.
    pub misses: u64,
    /// Keys removed because their time passed.
    pub expired_keys: u64,
    /// Estimated share of keys already expired but not yet reclaimed, in percent.
    pub expired_stale_perc: f64,
    /// Times the active cycle stopped for lack of time.
    pub expired_time_cap_reached_count: u64,
    /// Microseconds spent in active expiry.
    pub expire_cycle_cpu_milliseconds: u64,
    /// Values handed to the background thread to free.
    pub lazyfreed_objects: u64,
    /// Keys removed by maxmemory eviction (INFO evicted_keys).
    pub evicted_keys: u64,
}

/// All numbered databases and the effects their operations produced.
pub struct Databases {
    dbs: Vec<Db>,
    /// Replicas never delete expired keys themselves; they wait for the master's DEL.
    pub is_replica: bool,
    /// `lazyfree-lazy-expire`: values of expired keys are freed off the loop and the deletion is
    /// propagated as UNLINK rather than DEL. The server keeps this in step with the config.
    pub lazy_expire: bool,
    /// `lazyfree-lazy-server-del`: a value replaced by a write (SET over a big list) is freed
    /// off the loop. Kept in step with the config by the server.
    pub lazy_server_del: bool,
    /// How lookups record accesses (LRU clock, or LFU counter under an LFU policy); the server
    /// keeps this in step with maxmemory-policy, lfu-log-factor and lfu-decay-time.
    pub access: Access,
    /// State of the xorshift generator behind the LFU increment draws.
    rng: u64,
    /// Counters for INFO.
    pub stats: KeyspaceStats,
    /// Changes since the last save (Redis's server.dirty).
    pub dirty: u64,
    /// Keys expired since the last drain, as (db, key).
    expired: Vec<(usize, Bytes)>,
    /// Keys evicted since the last drain, as (db, key, lazily freed).
    evicted: Vec<(usize, Bytes, bool)>,
    /// Values and whole databases to free off the loop.
    lazy_frees: Vec<Garbage>,
    /// Clients blocked on keys (BLPOP and friends).
    pub blocked: blocking::BlockedKeys,
    /// WATCHed keys and the transactions changes have doomed.
    pub watched: watch::WatchedKeys,
}

impl Databases {
    /// `n` empty databases.
    pub fn new(n: usize) -> Self {
        Databases {
            dbs: (0..n).map(Db::new).collect(),
            is_replica: false,
            lazy_expire: false,
            lazy_server_del: false,
            access: Access::Lru,
            rng: 0x2545_F491_4F6C_DD1D,
            stats: KeyspaceStats::default(),
            dirty: 0,
            expired: Vec::new(),
            evicted: Vec::new(),
            lazy_frees: Vec::new(),
            blocked: blocking::BlockedKeys::default(),
            watched: watch::WatchedKeys::default(),
        }
    }

    /// The number of databases.
    pub fn count(&self) -> usize {
        self.dbs.len()
    }

    /// Database `i`, if it exists.
    pub fn db(&self, i: usize) -> Option<&Db> {
        self.dbs.get(i)
    }

    /// Database `i` for writing, if it exists.
    pub fn db_mut(&mut self, i: usize) -> Option<&mut Db> {
        self.dbs.get_mut(i)
    }

    /// Every database, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Db> {
        self.dbs.iter()
    }

    /// Every database, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Db> {
        self.dbs.iter_mut()
    }

    /// Looks a key up for reading: expires it if due, counts a hit or a miss, touches its LRU.
    pub fn lookup_read(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<EntryRef<'_>> {
        if !self.live_for_read(db, key, now_ms) {
            return None;
        }
        self.accessed(db, key, now_ms).map(|o| o.entry())
    }

    /// [`Databases::lookup_read`] (lazy expiry, hit/miss stats, access recorded) with the entry
    /// in a write guard, for a read that changes the encoding (SORT turns a listpack sorted set
    /// into a skiplist, as Redis does).
    pub fn lookup_read_mut(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<EntryMut<'_>> {
        if !self.live_for_read(db, key, now_ms) {
            return None;
        }
        self.accessed(db, key, now_ms).map(Obj::entry_mut)
    }

    /// [`Databases::lookup_read`] as a plain `&mut Entry`, for commands on types that are never
    /// embedded (strings, lists, streams): a small value kept in the key's own allocation (a
    /// hash, set or sorted set, so a WRONGTYPE for them) moves to a buffer of its own first.
    pub fn lookup_read_inline(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        if !self.live_for_read(db, key, now_ms) {
            return None;
        }
        self.accessed(db, key, now_ms).map(Obj::inline_entry_mut)
    }

    /// Looks a key up for reading without touching its LRU (TYPE, TTL, EXISTS, OBJECT: Redis's
    /// LOOKUP_NOTOUCH): expires it if due and counts a hit or a miss.
    pub fn peek_read(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<EntryRef<'_>> {
        if !self.live_for_read(db, key, now_ms) {
            return None;
        }
        self.dbs.get(db)?.get(key)
    }

    /// Looks a key up for writing: expires it if due, touches its LRU, counts nothing. A small
    /// hash, set or sorted set kept in the key's own allocation is handed out in a guard that
    /// stores it back when dropped.
    pub fn lookup_write(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<EntryMut<'_>> {
        if !self.expire_if_needed(db, key, now_ms) {
            return None;
        }
        self.accessed(db, key, now_ms).map(Obj::entry_mut)
    }

    /// Whether `key` exists for a write: [`Databases::lookup_write`] without handing the entry
    /// out (expires it if due, records the access), so an existence check builds no guard.
    pub fn exists_for_write(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        self.expire_if_needed(db, key, now_ms) && self.accessed(db, key, now_ms).is_some()
    }

    /// [`Databases::lookup_write`] as a plain `&mut Entry`, for commands on types that are never
    /// embedded (strings, lists, streams) and rare paths: a small value kept in the key's own
    /// allocation moves to a buffer of its own first.
    pub fn lookup_write_inline(
        &mut self,
        db: usize,
        key: &[u8],
        now_ms: i64,
    ) -> Option<&mut Entry> {
        if !self.expire_if_needed(db, key, now_ms) {
            return None;
        }
        self.accessed(db, key, now_ms).map(Obj::inline_entry_mut)
    }

    /// Whether a key is live for a read (expiring it if due), counted as a keyspace hit or miss.
    fn live_for_read(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        let live = self.expire_if_needed(db, key, now_ms);
        if live {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
        live
    }

    /// Records an access to `key` under the current policy (lookupKey's LRU/LFU update) and
    /// returns its object, in one dict lookup.
    fn accessed(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&mut Obj> {
        let (access, r) = (self.access, self.draw());
        let obj = self.dbs.get_mut(db)?.obj_mut(key)?;
        obj.update_meta(|m| keyspace::accessed_word(m, now_ms, access, r));
        Some(obj)
    }

    /// Whether a live key exists, without touching it or counting stats (EXISTS counts; use
    /// `lookup_read` there).
    pub fn exists(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        self.expire_if_needed(db, key, now_ms)
    }

    /// Stores `value` at `key`, replacing any old value; the old TTL is dropped unless
    /// `keep_ttl`. Returns whether the key existed.
    pub fn set(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        keep_ttl: bool,
        now_ms: i64,
    ) -> bool {
        let Some(d) = self.dbs.get_mut(db) else {
            return false;
        };
        let (existed, old) = d.set(key, value, keep_ttl, now_ms, self.access);
        if let Some(old) = old {
            self.drop_value(old, self.lazy_server_del);
        }
        existed
    }

    /// Removes a key; `lazy` frees a big value off the loop (UNLINK, lazyfree-lazy-*).
    pub fn delete(&mut self, db: usize, key: &[u8], lazy: bool) -> bool {
        let Some(d) = self.dbs.get_mut(db) else {
            return false;
        };
        match d.remove(key) {
            Some(v) => {
                self.drop_value(v, lazy);
                true
            }
            None => false,
        }
    }

    /// Takes a key's value out of the keyspace (RENAME, MOVE), with its expiry time.
    pub fn take(&mut self, db: usize, key: &[u8]) -> Option<(Value, Option<i64>)> {
        let d = self.dbs.get_mut(db)?;
        let when = d.expire_of(key);
        let v = d.remove(key)?;
        Some((v, when))
    }

    /// Takes a key's whole entry out (value, LRU/LFU metadata) with its expiry time, without
    /// any expiry check; RENAME and MOVE re-insert it with [`Databases::insert_entry`].
    pub fn take_entry(&mut self, db: usize, key: &[u8]) -> Option<(Entry, Option<i64>)> {
        self.dbs.get_mut(db)?.remove_entry(key)
    }

    /// Stores an entry as is with expiry time `when`, replacing any old value (freed off the
    /// loop if `lazy` and big). Returns whether a key was replaced.
    pub fn insert_entry(
        &mut self,
        db: usize,
        key: &[u8],
        entry: Entry,
        when: Option<i64>,
        lazy: bool,
    ) -> bool {
        let Some(d) = self.dbs.get_mut(db) else {
            return false;
        };
        let old = d.remove(key);
        d.insert_entry(key, entry, when);
        match old {
            Some(v) => {
                self.drop_value(v, lazy);
                true
            }
            None => false,
        }
    }

    /// A random live key of database `db` (RANDOMKEY), as Redis's dbRandomKey: keys found
    /// expired are deleted and another is drawn. A replica cannot delete them, so when every
    /// key is volatile it gives up after 100 draws and returns a possibly expired name.
    pub fn random_key(&mut self, db: usize, now_ms: i64) -> Option<Bytes> {
        let mut rng = rand::rng();
        let mut tries = 100u32;
        loop {
            let d = self.dbs.get(db)?;
            let all_volatile = d.len() == d.expires_len();
            let key = Bytes::copy_from_slice(d.random_key(&mut rng)?);
            if d.get(&key).is_some_and(|e| e.has_expire()) {
                if all_volatile && self.is_replica {
                    tries -= 1;
                    if tries == 0 {
                        return Some(key);
                    }
                }
                if !self.expire_if_needed(db, &key, now_ms) {
                    continue;
                }
            }
            return Some(key);
        }
    }

    /// Sets or clears a key's expiry time (unix ms). Returns false if the key does not exist.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when: Option<i64>) -> bool {
        match self.dbs.get_mut(db) {
            Some(d) => d.set_expire(key, when),
            None => false,
        }
    }

    /// A key's expiry time in unix ms, if it has one.
    pub fn expire_of(&self, db: usize, key: &[u8]) -> Option<i64> {
        self.dbs.get(db)?.expire_of(key)
    }

    /// Empties one database, freeing big values off the loop if `lazy`. Returns keys removed.
    pub fn flush_db(&mut self, db: usize, lazy: bool) -> usize {
        let Some(d) = self.dbs.get_mut(db) else {
            return 0;
        };
        let old = std::mem::replace(d, Db::new(db));
        self.blocked.signal_db(db);
        self.watched.touch_db(db, |k| old.get(k).is_some());
        let n = old.len();
        self.free_db(old, lazy);
        n
    }

    /// Empties every database. Returns keys removed.
    pub fn flush_all(&mut self, lazy: bool) -> usize {
        (0..self.dbs.len()).map(|i| self.flush_db(i, lazy)).sum()
    }

    /// Exchanges two databases' contents (SWAPDB). False if either index is out of range.
    pub fn swap(&mut self, a: usize, b: usize) -> bool {
        if a >= self.dbs.len() || b >= self.dbs.len() {
            return false;
        }
        // Watchers of a key that exists on either side see a change (touchAllWatchedKeysInDb).
        for (x, y) in [(a, b), (b, a)] {
            let (dx, dy) = (self.dbs.get(x), self.dbs.get(y));
            let exists = |k: &[u8]| {
                dx.is_some_and(|d| d.get(k).is_some()) || dy.is_some_and(|d| d.get(k).is_some())
            };
            self.watched.touch_db(x, exists);
        }
        self.dbs.swap(a, b);
        self.blocked.signal_db(a);
        self.blocked.signal_db(b);
        if let Some(d) = self.dbs.get_mut(a) {
            d.id = a;
        }
        if let Some(d) = self.dbs.get_mut(b) {
            d.id = b;
        }
        true
    }

    /// Whether keys expired or were evicted since the last `take_expired` / `take_evicted` (the
    /// per-command check that lets the common case skip both drains).
    #[inline]
    pub fn has_removals(&self) -> bool {
        !self.expired.is_empty() || !self.evicted.is_empty()
    }

    /// Drains the keys expired since the last call.
    pub fn take_expired(&mut self) -> Vec<(usize, Bytes)> {
        std::mem::take(&mut self.expired)
    }

    /// Drains the keys evicted since the last call, as (db, key, freed lazily).
    pub fn take_evicted(&mut self) -> Vec<(usize, Bytes, bool)> {
        std::mem::take(&mut self.evicted)
    }

    /// Whether values are waiting to be handed to the background thread.
    pub fn has_lazy_frees(&self) -> bool {
        !self.lazy_frees.is_empty()
    }

    /// A new entry whose access field starts as the current policy wants (COPY's new object).
    pub fn new_entry(&self, value: Value, now_ms: i64) -> Entry {
        Entry::with_access(value, now_ms, self.access)
    }

    /// Evicts a key for maxmemory (dbSyncDelete / dbAsyncDelete, then signalModifiedKey) and
    /// records it for the `evicted` event and a propagated DEL or UNLINK. Returns the bytes
    /// this released or will release: the allocator's delta, plus the size of a value handed
    /// to the background thread (it is freed after the command, not during the delete).
    pub fn evict_key(&mut self, db: usize, key: &[u8], lazy: bool) -> Option<usize> {
        let before = crate::util::alloc::used();
        let queued = self.lazy_frees.len();
        if !self.delete(db, key, lazy) {
            return None;
        }
        let mut freed = before.saturating_sub(crate::util::alloc::used());
        if self.lazy_frees.len() > queued
            && let Some(Garbage::Value(v)) = self.lazy_frees.last()
        {
            freed = freed.saturating_add(v.heap_size());
        }
        self.watched.touch(db, key, false);
        self.stats.evicted_keys += 1;
        self.evicted.push((db, Bytes::copy_from_slice(key), lazy));
        Some(freed)
    }

    /// A uniform draw in [0, 1) from a xorshift generator (the LFU increment's rand()).
    fn draw(&mut self) -> f64 {
        if !matches!(self.access, Access::Lfu { .. }) {
            return 0.0;
        }
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Drains the values waiting to be freed off the loop.
    pub fn take_lazy_frees(&mut self) -> Vec<Garbage> {
        std::mem::take(&mut self.lazy_frees)
    }

    /// Total keys in all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }

    /// Runs incremental rehashing for about `micros` microseconds per database that needs it.
    pub fn rehash_for(&mut self, micros: u64) {
        for d in &mut self.dbs {
            d.rehash_for(micros);
        }
    }

    /// Frees or queues a value for the background thread.
    pub fn drop_value(&mut self, v: Value, lazy: bool) {
        if lazy && v.free_effort() > LAZYFREE_THRESHOLD {
            self.stats.lazyfreed_objects += 1;
            self.lazy_frees.push(Garbage::Value(v));
        }
    }

    /// True if the key is live; deletes it (on a master) when its time has passed.
    fn expire_if_needed(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        let Some(d) = self.dbs.get_mut(db) else {
            return false;
        };
        let Some(e) = d.get(key) else {
            return false;
        };
        if !e.has_expire() {
            return true;
        }
        match d.expire_of(key) {
            Some(when) if now_ms > when => {
                if self.is_replica {
                    return false;
                }
                self.expire_key(db, key);
                false
            }
            _ => true,
        }
    }

    /// Deletes a key whose time passed and records it for propagation and notification.
    pub(crate) fn expire_key(&mut self, db: usize, key: &[u8]) {
        if self.delete(db, key, self.lazy_expire) {
            self.watched.touch(db, key, false);
            self.stats.expired_keys += 1;
            self.dirty += 1;
            self.expired.push((db, Bytes::copy_from_slice(key)));
        }
    }

    fn free_db(&mut self, old: Db, lazy: bool) {
        if lazy && old.len() > LAZYFREE_THRESHOLD {
            self.stats.lazyfreed_objects += 1;
            self.lazy_frees.push(Garbage::Db(Box::new(old)));
        }
    }
}
