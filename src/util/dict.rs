//! `Dict`: the chained hash table with incremental rehashing behind the keyspace, the expires
//! table, and the hashtable encodings of hashes, sets and sorted sets.
//!
//! The design follows Redis's dict.c (our own code):
//!
//! - Two tables. Normally only `tables[0]` is used. A resize allocates `tables[1]` and moves
//!   `tables[0]`'s buckets over one at a time: every insert, write lookup and delete moves one
//!   bucket (visiting at most ten empty ones), and the cron calls `rehash_for`/`rehash_steps`. When
//!   `tables[0]` is empty, `tables[1]` takes its place. While rehashing, new entries go into
//!   `tables[1]` and lookups check both tables. No operation ever moves a whole table.
//! - Sizes are powers of two (at least 4). A table grows to the next power of two above `len`
//!   when `len >= buckets` (load factor 1) and shrinks when it is less than 10% full (Redis's
//!   `htNeedsResize`), unless resizing is turned off with `set_resize_enabled(false)` while a fork
//!   child shares the memory (then it only grows past a load factor of 5, as Redis does).
//! - Buckets are singly linked chains of boxed nodes (`key`, `value`, `next`): one allocation of
//!   `size_of::<K>() + size_of::<V>() + 8` bytes per entry plus 8 bytes per bucket.
//! - A table's bucket array is split into segments of at most 32768 buckets that are allocated
//!   (zeroed) on first write and freed as soon as rehashing has emptied them, so even creating a
//!   table of 16M buckets costs no 128 MB memset in one operation.
//! - Keys are hashed with `util::hash` under a seed captured when the dict is created.
//! - `get` takes `&self` and does no rehash step; `get_mut`, `insert`, `get_or_insert_with` and
//!   `remove` do one. A remove starts a shrink only when no rehash is running, so the cron should
//!   call `shrink_if_needed` (Redis's `tryResizeHashTables`) as well as `rehash_for`.
//! - `get_or_insert_with` on a present key relinks it at the head of its chain (it unlinks the
//!   node to hand back a borrow without a second lookup); chain order has no meaning.
//!
//! SCAN uses Redis's reverse-binary cursor: the cursor's bits are incremented from the top, so the
//! buckets already visited stay visited when the table doubles or halves, and during a rehash each
//! step visits a bucket of the smaller table together with all of its expansions in the larger
//! one. An entry present for the whole iteration is therefore returned at least once (possibly
//! more than once); cursor 0 starts and ends an iteration.
//!
//! Invariants:
//! - `tables[0].used + tables[1].used == len()`; `tables[1]` has buckets only while rehashing.
//! - While rehashing, every bucket of `tables[0]` below `rehash_idx` is empty.
//! - An entry lives in the bucket `hash & mask` of the table that holds it; no key appears twice.

use std::fmt;
use std::mem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::util::hash;

/// A hash table from byte-string keys to values, with incremental rehashing and a SCAN cursor.
pub struct Dict<K, V> {
    /// The main table and, while rehashing, the table being filled.
    tables: [Table<K, V>; 2],
    /// The next bucket of `tables[0]` to move; `None` when not rehashing.
    rehash_idx: Option<usize>,
    /// The hash seed, fixed for the life of the dict.
    seed: u64,
    /// Buckets visited by rehashing (moved or skipped), for the bounded-work test.
    #[cfg(test)]
    rehash_work: usize,
}

/// Allows or forbids resizing of every dict (Redis's `dict_can_resize`), e.g. while a fork
/// child shares memory; when forbidden a table still grows past a load factor of 5.
pub fn set_resize_enabled(enabled: bool) {
    RESIZE_ENABLED.store(enabled, Ordering::Relaxed);
}

impl<K: AsRef<[u8]>, V> Dict<K, V> {
    /// Returns an empty dict; it allocates nothing until the first insert.
    pub fn new() -> Dict<K, V> {
        Dict {
            tables: [Table::empty(), Table::empty()],
            rehash_idx: None,
            seed: hash::seed(),
            #[cfg(test)]
            rehash_work: 0,
        }
    }

    /// Returns an empty dict with room for `n` entries before its first resize.
    pub fn with_capacity(n: usize) -> Dict<K, V> {
        let mut d = Dict::new();
        if n > 0 {
            d.expand(n);
        }
        d
    }

    /// Returns the number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// Returns true when the dict has no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns true while an incremental rehash is in progress.
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// Returns the bucket counts of both tables (the second is 0 unless rehashing).
    pub fn bucket_counts(&self) -> [usize; 2] {
        [self.tables[0].size(), self.tables[1].size()]
    }

    /// Returns the value stored under `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// Returns the stored key and value for `key`.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        let n = self.tables_in_use();
        self.tables
            .iter()
            .take(n)
            .find_map(|t| chain_find(t.head(h & t.mask), key))
            .map(|node| (&node.key, &node.value))
    }

    /// Returns true when `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get_key_value(key).is_some()
    }

    /// Returns the value stored under `key` for update (does one rehash step).
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        self.rehash_step();
        let rehashing = self.is_rehashing();
        let [t0, t1] = &mut self.tables;
        if let Some(node) = t0
            .link_mut(h & t0.mask)
            .and_then(|l| chain_find_mut(l, key))
        {
            return Some(&mut node.value);
        }
        if rehashing {
            let node = t1
                .link_mut(h & t1.mask)
                .and_then(|l| chain_find_mut(l, key))?;
            return Some(&mut node.value);
        }
        None
    }

    /// Inserts `value` under `key`; returns the old value if the key was present, in which case
    /// the stored key is kept and `key` is dropped.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let h = self.hash(key.as_ref());
        self.rehash_step();
        self.expand_if_needed();
        if let Some(node) = self.find_mut_hashed(h, key.as_ref()) {
            return Some(mem::replace(&mut node.value, value));
        }
        self.link_front(
            h,
            Box::new(Node {
                key,
                value,
                next: None,
            }),
        );
        None
    }

    /// Returns the value under `key`, first inserting `make_key()` -> `make_value()` if absent;
    /// hashes the key once.
    pub fn get_or_insert_with(
        &mut self,
        key: &[u8],
        make_key: impl FnOnce() -> K,
        make_value: impl FnOnce() -> V,
    ) -> &mut V {
        self.find_or_insert_with(key, make_key, make_value).0
    }

    /// Like `get_or_insert_with`, also returning whether the entry was inserted now.
    pub fn find_or_insert_with(
        &mut self,
        key: &[u8],
        make_key: impl FnOnce() -> K,
        make_value: impl FnOnce() -> V,
    ) -> (&mut V, bool) {
        let h = self.hash(key);
        self.rehash_step();
        self.expand_if_needed();
        // An existing node is unlinked and relinked at the head of its chain: that hands back an
        // owned node, so the returned borrow needs no second lookup.
        let (node, inserted) = match self.unlink_hashed(h, key) {
            Some(node) => (node, false),
            None => {
                let node = Node {
                    key: make_key(),
                    value: make_value(),
                    next: None,
                };
                (Box::new(node), true)
            }
        };
        (&mut self.link_front(h, node).value, inserted)
    }

    /// Removes `key` and returns the stored key and value (does one rehash step, and starts a
    /// shrink when the table falls below 10% full).
    pub fn remove(&mut self, key: &[u8]) -> Option<(K, V)> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        self.rehash_step();
        let node = self.unlink_hashed(h, key)?;
        let Node { key, value, .. } = *node;
        self.shrink_if_needed();
        Some((key, value))
    }

    /// Removes every entry and frees the tables.
    pub fn clear(&mut self) {
        self.tables = [Table::empty(), Table::empty()];
        self.rehash_idx = None;
    }

    /// Takes every entry out, leaving the dict empty; the iterator owns them.
    pub fn drain(&mut self) -> IntoIter<K, V> {
        let tables = mem::replace(&mut self.tables, [Table::empty(), Table::empty()]);
        self.rehash_idx = None;
        IntoIter::new(tables)
    }

    /// Iterates over all entries in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.tables.iter().flat_map(|t| {
            t.segs
                .iter()
                .flatten()
                .flat_map(|seg| seg.iter())
                .flat_map(|link| Chain {
                    cur: link.as_deref(),
                })
        })
    }

    /// Iterates over all keys in table order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Iterates over all values in table order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Iterates over all entries with mutable values.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.tables.iter_mut().flat_map(|t| {
            t.segs
                .iter_mut()
                .flatten()
                .flat_map(|seg| seg.iter_mut())
                .flat_map(|link| ChainMut {
                    cur: link.as_deref_mut(),
                })
        })
    }

    /// Visits the entries of the buckets at `cursor` and returns the next cursor (0 when the
    /// iteration is complete), with Redis's SCAN guarantee.
    ///
    /// One call visits one bucket (two or more while rehashing); a SCAN command loops until it
    /// has enough entries or the cursor returns to 0.
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a K, &'a V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        if !self.is_rehashing() {
            let t = &self.tables[0];
            let m = t.mask as u64;
            t.visit_bucket((v & m) as usize, &mut f);
            return next_cursor(v, m);
        }
        let [a, b] = &self.tables;
        let (small, large) = if a.size() <= b.size() { (a, b) } else { (b, a) };
        let (m0, m1) = (small.mask as u64, large.mask as u64);
        small.visit_bucket((v & m0) as usize, &mut f);
        // Every bucket of the larger table that is an expansion of the smaller one's bucket.
        loop {
            large.visit_bucket((v & m1) as usize, &mut f);
            v = next_cursor(v, m1);
            if v & (m0 ^ m1) == 0 {
                break;
            }
        }
        v
    }

    /// Returns a random entry: a random non-empty bucket, then a random entry of its chain.
    pub fn random_entry<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        let [t0, t1] = &self.tables;
        let mut head = None;
        for _ in 0..RANDOM_TRIES {
            head = match self.rehash_idx {
                // Buckets below rehash_idx in tables[0] are empty: pick among the rest of both.
                Some(idx) => {
                    let span = (t0.size() + t1.size()).saturating_sub(idx).max(1);
                    let i = idx + (rng.next_u64() % span as u64) as usize;
                    match i.checked_sub(t0.size()) {
                        Some(j) => t1.head(j),
                        None => t0.head(i),
                    }
                }
                None => t0.head(rng.next_u64() as usize & t0.mask),
            };
            if head.is_some() {
                break;
            }
        }
        if head.is_none() {
            // A very sparse table (resizing forbidden): the first entry from a random bucket on.
            let start = rng.next_u64() as usize;
            return self
                .tables
                .iter()
                .find_map(|t| {
                    let size = t.size();
                    (0..size).find_map(|j| t.head(start.wrapping_add(j) & t.mask))
                })
                .map(|node| (&node.key, &node.value));
        }
        let chain_len = Chain { cur: head }.count();
        let pick = (rng.next_u64() % chain_len.max(1) as u64) as usize;
        Chain { cur: head }.nth(pick)
    }

    /// Returns a random entry chosen among up to 15 sampled ones, which evens out the bias of
    /// long chains (Redis's `dictGetFairRandomKey`, used by RANDOMKEY).
    pub fn fair_random_entry<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<(&K, &V)> {
        let mut picks: [Option<(&K, &V)>; FAIR_SAMPLE] = [None; FAIR_SAMPLE];
        let mut n = 0;
        self.sample(FAIR_SAMPLE, rng, |k, v| {
            if let Some(slot) = picks.get_mut(n) {
                *slot = Some((k, v));
                n += 1;
            }
        });
        if n == 0 {
            return self.random_entry(rng);
        }
        let i = (rng.next_u64() % n as u64) as usize;
        picks.get(i).copied().flatten()
    }

    /// Visits up to `n` entries found by walking buckets from a random position (Redis's
    /// `dictGetSomeKeys`, for eviction and expiry sampling); returns how many were visited.
    ///
    /// Entries near each other in the table are visited together; after a run of empty buckets
    /// the walk jumps to a new random position. It gives up after `10 * n` bucket steps.
    pub fn sample<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        mut f: impl FnMut(&'a K, &'a V),
    ) -> usize {
        let count = n.min(self.len());
        if count == 0 {
            return 0;
        }
        let ntables = self.tables_in_use();
        let [t0, t1] = &self.tables;
        let max_mask = if ntables == 2 {
            t0.mask.max(t1.mask)
        } else {
            t0.mask
        };
        let rehash_idx = self.rehash_idx.unwrap_or(0);
        let mut i = rng.next_u64() as usize & max_mask;
        let mut empty_run = 0;
        let mut stored = 0;
        for _ in 0..count.saturating_mul(10) {
            for (j, t) in self.tables.iter().take(ntables).enumerate() {
                if ntables == 2 && j == 0 && i < rehash_idx {
                    // Buckets of tables[0] below rehash_idx are empty. If tables[1] has no
                    // bucket i either, skip ahead to the first bucket still in tables[0].
                    if i >= t1.size() {
                        i = rehash_idx;
                    } else {
                        continue;
                    }
                }
                if i >= t.size() {
                    continue;
                }
                let mut cur = t.head(i);
                if cur.is_none() {
                    empty_run += 1;
                    if empty_run >= 5 && empty_run > count {
                        i = rng.next_u64() as usize & max_mask;
                        empty_run = 0;
                    }
                    continue;
                }
                empty_run = 0;
                while let Some(node) = cur {
                    f(&node.key, &node.value);
                    stored += 1;
                    if stored == count {
                        return stored;
                    }
                    cur = node.next.as_deref();
                }
            }
            i = (i + 1) & max_mask;
        }
        stored
    }

    /// Moves up to `n` buckets of an in-progress rehash; returns true if more work remains.
    ///
    /// Visits at most `10 * n` empty buckets, so the work is bounded whatever the fill.
    pub fn rehash_steps(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        let seed = self.seed;
        let mut empty_visits = n.saturating_mul(10);
        let [t0, t1] = &mut self.tables;
        let mut moves = n;
        while moves > 0 && t0.used > 0 {
            moves -= 1;
            while t0.head(idx).is_none() {
                if idx >= t0.mask {
                    // Unreachable while t0.used > 0; stop rather than loop.
                    break;
                }
                t0.release_passed(idx);
                idx += 1;
                #[cfg(test)]
                {
                    self.rehash_work += 1;
                }
                empty_visits = empty_visits.saturating_sub(1);
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            #[cfg(test)]
            {
                self.rehash_work += 1;
            }
            let mut chain = t0.link_mut(idx).and_then(Option::take);
            while let Some(mut node) = chain {
                chain = node.next.take();
                let h = hash::hash_with_seed(seed, node.key.as_ref()) as usize;
                let link = t1.link_alloc(h & t1.mask);
                node.next = link.take();
                *link = Some(node);
                t0.used -= 1;
                t1.used += 1;
            }
            t0.release_passed(idx);
            idx += 1;
        }
        if t0.used == 0 {
            self.tables[0] = mem::replace(&mut self.tables[1], Table::empty());
            self.rehash_idx = None;
            return false;
        }
        self.rehash_idx = Some(idx);
        true
    }

    /// Rehashes in batches of 100 buckets for about `micros` microseconds (the cron's
    /// incremental rehash); returns the number of buckets moved.
    pub fn rehash_for(&mut self, micros: u64) -> usize {
        let start = Instant::now();
        let mut moved = 0;
        while self.rehash_steps(CRON_REHASH_BATCH) {
            moved += CRON_REHASH_BATCH;
            if start.elapsed().as_micros() >= u128::from(micros) {
                break;
            }
        }
        moved
    }

    /// Starts a shrink if the table is less than 10% full and resizing is allowed; returns
    /// true if it started one (the cron calls this after a fork child exits).
    pub fn shrink_if_needed(&mut self) -> bool {
        if !RESIZE_ENABLED.load(Ordering::Relaxed) || self.is_rehashing() {
            return false;
        }
        let size = self.tables[0].size();
        let used = self.tables[0].used;
        if size > INITIAL_SIZE && used.saturating_mul(100) / size < MIN_FILL_PERCENT {
            return self.expand(used.max(INITIAL_SIZE));
        }
        false
    }

    /// Returns an estimate of the bytes this dict uses: itself, its bucket arrays and its nodes
    /// (not what keys and values own on the heap).
    pub fn mem_usage(&self) -> usize {
        let tables: usize = self.tables.iter().map(Table::mem_usage).sum();
        mem::size_of::<Self>() + tables + self.len() * mem::size_of::<Node<K, V>>()
    }

    /// Returns the size of one entry's allocation (key, value and chain link).
    pub const fn node_size() -> usize {
        mem::size_of::<Node<K, V>>()
    }

    // -----------------------------------------------------------------------------------------
    // Internals.

    /// The key's hash under this dict's seed, as a bucket index before masking.
    #[inline]
    fn hash(&self, key: &[u8]) -> usize {
        hash::hash_with_seed(self.seed, key) as usize
    }

    /// How many tables hold entries: 2 while rehashing, else 1.
    #[inline]
    fn tables_in_use(&self) -> usize {
        if self.is_rehashing() { 2 } else { 1 }
    }

    /// One rehash step, done by each write operation while rehashing.
    #[inline]
    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.rehash_steps(1);
        }
    }

    /// Finds the node for `key` (hash `h`) in whichever table holds it.
    fn find_mut_hashed(&mut self, h: usize, key: &[u8]) -> Option<&mut Node<K, V>> {
        let rehashing = self.is_rehashing();
        let [t0, t1] = &mut self.tables;
        if let Some(node) = t0
            .link_mut(h & t0.mask)
            .and_then(|l| chain_find_mut(l, key))
        {
            return Some(node);
        }
        if rehashing {
            return t1
                .link_mut(h & t1.mask)
                .and_then(|l| chain_find_mut(l, key));
        }
        None
    }

    /// Unlinks the node for `key` (hash `h`) from its chain and returns it.
    fn unlink_hashed(&mut self, h: usize, key: &[u8]) -> Option<Box<Node<K, V>>> {
        let n = self.tables_in_use();
        for t in self.tables.iter_mut().take(n) {
            let Some(link) = t.link_mut(h & t.mask) else {
                continue;
            };
            if let Some(node) = chain_unlink(link, key) {
                t.used -= 1;
                return Some(node);
            }
        }
        None
    }

    /// Links `node` (hash `h`) at the head of its bucket in the table that takes new entries.
    ///
    /// The caller has run `expand_if_needed`, so that table has buckets.
    fn link_front(&mut self, h: usize, mut node: Box<Node<K, V>>) -> &mut Node<K, V> {
        let t = if self.is_rehashing() {
            &mut self.tables[1]
        } else {
            &mut self.tables[0]
        };
        t.used += 1;
        let link = t.link_alloc(h & t.mask);
        node.next = link.take();
        link.insert(node)
    }

    /// Allocates the first table, or starts a grow when the load factor reaches 1 (5 while
    /// resizing is forbidden).
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.tables[0].size();
        if size == 0 {
            self.expand(INITIAL_SIZE);
            return;
        }
        let used = self.tables[0].used;
        if used >= size
            && (RESIZE_ENABLED.load(Ordering::Relaxed) || used / size > FORCE_RESIZE_RATIO)
        {
            self.expand(used + 1);
        }
    }

    /// Starts a resize to the smallest power of two >= `min_size` (at least 4); returns false
    /// when already rehashing, when it would not hold the entries, or when the size is the same.
    fn expand(&mut self, min_size: usize) -> bool {
        if self.is_rehashing() || self.tables[0].used > min_size {
            return false;
        }
        let Some(size) = min_size.max(INITIAL_SIZE).checked_next_power_of_two() else {
            return false;
        };
        if size == self.tables[0].size() {
            return false;
        }
        let table = Table::with_size(size);
        if self.tables[0].size() == 0 {
            self.tables[0] = table;
        } else {
            self.tables[1] = table;
            self.rehash_idx = Some(0);
        }
        true
    }

    /// Buckets visited by rehashing so far (tests only).
    #[cfg(test)]
    fn take_rehash_work(&mut self) -> usize {
        mem::take(&mut self.rehash_work)
    }
}

impl<K: AsRef<[u8]>, V> Default for Dict<K, V> {
    fn default() -> Dict<K, V> {
        Dict::new()
    }
}

impl<K: AsRef<[u8]> + fmt::Debug, V: fmt::Debug> fmt::Debug for Dict<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: AsRef<[u8]>, V> IntoIterator for Dict<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    fn into_iter(mut self) -> IntoIter<K, V> {
        self.drain()
    }
}

/// An owning iterator over a dict's entries (from `drain` or `into_iter`).
pub struct IntoIter<K, V> {
    /// Segments not yet started.
    segs: std::vec::IntoIter<Segment<K, V>>,
    /// Buckets of the current segment not yet started.
    buckets: std::vec::IntoIter<Link<K, V>>,
    /// The rest of the current chain.
    chain: Link<K, V>,
    /// Entries not yet yielded.
    left: usize,
}

impl<K, V> IntoIter<K, V> {
    /// Takes the entries of both tables.
    fn new(mut tables: [Table<K, V>; 2]) -> IntoIter<K, V> {
        let left = tables[0].used + tables[1].used;
        let [t0, t1] = &mut tables;
        let mut segs = mem::take(&mut t0.segs);
        segs.append(&mut t1.segs);
        IntoIter {
            segs: segs.into_iter(),
            buckets: Vec::new().into_iter(),
            chain: None,
            left,
        }
    }
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(mut node) = self.chain.take() {
                self.chain = node.next.take();
                self.left = self.left.saturating_sub(1);
                let Node { key, value, .. } = *node;
                return Some((key, value));
            }
            if let Some(link) = self.buckets.next() {
                self.chain = link;
                continue;
            }
            let seg = self.segs.next()?;
            self.buckets = seg.map(Vec::from).unwrap_or_default().into_iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}

impl<K, V> Drop for IntoIter<K, V> {
    fn drop(&mut self) {
        free_chain(self.chain.take());
        self.buckets.by_ref().for_each(free_chain);
        for seg in self.segs.by_ref().flatten() {
            Vec::from(seg).into_iter().for_each(free_chain);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tables, nodes and chains.

/// A chain link: the head of a bucket or a node's successor.
type Link<K, V> = Option<Box<Node<K, V>>>;

/// A run of buckets, `None` while all of them are empty and unallocated.
type Segment<K, V> = Option<Box<[Link<K, V>]>>;

/// One entry.
struct Node<K, V> {
    key: K,
    value: V,
    next: Link<K, V>,
}

/// One bucket array, split into lazily allocated segments.
struct Table<K, V> {
    /// `size >> seg_bits` segments of `1 << seg_bits` buckets each; `None` = all empty.
    segs: Vec<Segment<K, V>>,
    /// log2 of the segment length.
    seg_bits: u32,
    /// Bucket count minus one (0 when there are no buckets).
    mask: usize,
    /// Entries in this table.
    used: usize,
}

impl<K, V> Table<K, V> {
    /// A table with no buckets.
    const fn empty() -> Table<K, V> {
        Table {
            segs: Vec::new(),
            seg_bits: 0,
            mask: 0,
            used: 0,
        }
    }

    /// A table of `size` buckets (a power of two); segments are allocated on first write.
    fn with_size(size: usize) -> Table<K, V> {
        let seg_bits = size.trailing_zeros().min(SEG_BITS);
        let mut segs = Vec::new();
        segs.resize_with(size >> seg_bits, || None);
        Table {
            segs,
            seg_bits,
            mask: size - 1,
            used: 0,
        }
    }

    /// The number of buckets.
    #[inline]
    fn size(&self) -> usize {
        if self.segs.is_empty() {
            0
        } else {
            self.mask + 1
        }
    }

    /// The first node of bucket `i` (`None` if empty or out of range).
    #[inline]
    fn head(&self, i: usize) -> Option<&Node<K, V>> {
        let seg = self.segs.get(i >> self.seg_bits)?.as_deref()?;
        seg.get(i & ((1 << self.seg_bits) - 1))?.as_deref()
    }

    /// Bucket `i` for update, if its segment is allocated.
    #[inline]
    fn link_mut(&mut self, i: usize) -> Option<&mut Link<K, V>> {
        let seg = self.segs.get_mut(i >> self.seg_bits)?.as_deref_mut()?;
        seg.get_mut(i & ((1 << self.seg_bits) - 1))
    }

    /// Bucket `i` for update, allocating its segment if needed.
    ///
    /// Callers pass `hash & self.mask` on a table with buckets, so both indexes are in range.
    #[inline]
    fn link_alloc(&mut self, i: usize) -> &mut Link<K, V> {
        let seg_len = 1usize << self.seg_bits;
        let seg = self.segs[i >> self.seg_bits]
            .get_or_insert_with(|| std::iter::repeat_with(|| None).take(seg_len).collect());
        &mut seg[i & (seg_len - 1)]
    }

    /// Frees bucket `i`'s segment if `i` is its last bucket (rehashing has emptied it).
    #[inline]
    fn release_passed(&mut self, i: usize) {
        let seg_mask = (1usize << self.seg_bits) - 1;
        if i & seg_mask == seg_mask
            && let Some(seg) = self.segs.get_mut(i >> self.seg_bits)
        {
            *seg = None;
        }
    }

    /// Calls `f` on every entry of bucket `i`.
    #[inline]
    fn visit_bucket<'a>(&'a self, i: usize, f: &mut impl FnMut(&'a K, &'a V)) {
        for (k, v) in (Chain { cur: self.head(i) }) {
            f(k, v);
        }
    }

    /// Bytes of the segment directory and the allocated segments.
    fn mem_usage(&self) -> usize {
        let allocated = self.segs.iter().filter(|s| s.is_some()).count();
        self.segs.capacity() * mem::size_of::<Segment<K, V>>()
            + (allocated << self.seg_bits) * mem::size_of::<Link<K, V>>()
    }
}

impl<K, V> Drop for Table<K, V> {
    /// Frees chains iteratively, so a long chain cannot overflow the stack.
    fn drop(&mut self) {
        for seg in self.segs.iter_mut().flatten() {
            for link in seg.iter_mut() {
                free_chain(link.take());
            }
        }
    }
}

/// Iterates over one chain.
struct Chain<'a, K, V> {
    cur: Option<&'a Node<K, V>>,
}

impl<'a, K, V> Iterator for Chain<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        let node = self.cur?;
        self.cur = node.next.as_deref();
        Some((&node.key, &node.value))
    }
}

/// Iterates over one chain with mutable values.
struct ChainMut<'a, K, V> {
    cur: Option<&'a mut Node<K, V>>,
}

impl<'a, K, V> Iterator for ChainMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a mut V)> {
        let Node { key, value, next } = self.cur.take()?;
        self.cur = next.as_deref_mut();
        Some((key, value))
    }
}

/// Finds `key` in the chain starting at `cur`.
#[inline]
fn chain_find<'a, K: AsRef<[u8]>, V>(
    mut cur: Option<&'a Node<K, V>>,
    key: &[u8],
) -> Option<&'a Node<K, V>> {
    while let Some(node) = cur {
        if node.key.as_ref() == key {
            return Some(node);
        }
        cur = node.next.as_deref();
    }
    None
}

/// Finds `key` in the chain `link` for update.
#[inline]
fn chain_find_mut<'a, K: AsRef<[u8]>, V>(
    link: &'a mut Link<K, V>,
    key: &[u8],
) -> Option<&'a mut Node<K, V>> {
    let mut cur = link.as_deref_mut();
    while let Some(node) = cur {
        if node.key.as_ref() == key {
            return Some(node);
        }
        cur = node.next.as_deref_mut();
    }
    None
}

/// Unlinks the node for `key` from the chain `link` and returns it (its `next` cleared).
fn chain_unlink<K: AsRef<[u8]>, V>(link: &mut Link<K, V>, key: &[u8]) -> Option<Box<Node<K, V>>> {
    let mut cur = link;
    loop {
        let hit = cur.as_deref()?.key.as_ref() == key;
        if hit {
            let mut node = cur.take()?;
            *cur = node.next.take();
            return Some(node);
        }
        cur = &mut cur.as_mut()?.next;
    }
}

/// Drops a chain node by node.
fn free_chain<K, V>(mut link: Link<K, V>) {
    while let Some(mut node) = link {
        link = node.next.take();
    }
}

/// Redis's cursor step: set the bits above `mask`, then increment the reversed cursor.
#[inline]
fn next_cursor(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

/// Whether dicts may resize (see `set_resize_enabled`).
static RESIZE_ENABLED: AtomicBool = AtomicBool::new(true);

/// The smallest table.
const INITIAL_SIZE: usize = 4;
/// A table less full than this percentage shrinks.
const MIN_FILL_PERCENT: usize = 10;
/// With resizing forbidden, a table still grows past this load factor.
const FORCE_RESIZE_RATIO: usize = 5;
/// log2 of the largest segment (32768 buckets, 256 KiB).
const SEG_BITS: u32 = 15;
/// Buckets moved per batch by `rehash_for`.
const CRON_REHASH_BATCH: usize = 100;
/// Random bucket picks before `random_entry` falls back to a walk.
const RANDOM_TRIES: usize = 100;
/// Entries sampled by `fair_random_entry`.
const FAIR_SAMPLE: usize = 15;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::cbytes::CompactBytes;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use std::collections::{HashMap, HashSet};

    fn key(i: u64) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    /// Serialises the tests that toggle or depend on the process-wide resize switch.
    fn lock() -> std::sync::MutexGuard<'static, ()> {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        LOCK.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    /// Checks the structural invariants.
    fn check<V>(d: &Dict<Vec<u8>, V>) {
        let mut n = [0usize; 2];
        for (t, table) in d.tables.iter().enumerate() {
            for i in 0..table.size() {
                for (k, _) in (Chain { cur: table.head(i) }) {
                    assert_eq!(d.hash(k) & table.mask, i, "entry in the wrong bucket");
                    if t == 0
                        && let Some(idx) = d.rehash_idx
                    {
                        assert!(i >= idx, "entry below rehash_idx");
                    }
                    n[t] += 1;
                }
            }
            assert_eq!(n[t], table.used);
        }
        if d.rehash_idx.is_none() {
            assert_eq!(d.tables[1].size(), 0);
        }
        assert_eq!(d.iter().count(), d.len());
    }

    #[test]
    fn insert_get_replace_remove() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        assert!(d.is_empty());
        assert_eq!(d.get(b"a"), None);
        assert_eq!(d.remove(b"a"), None);
        assert_eq!(d.insert(b"a".to_vec(), 1), None);
        assert_eq!(d.insert(b"b".to_vec(), 2), None);
        assert_eq!(d.insert(b"a".to_vec(), 3), Some(1));
        assert_eq!(d.len(), 2);
        assert_eq!(d.get(b"a"), Some(&3));
        assert_eq!(d.get_key_value(b"b"), Some((&b"b".to_vec(), &2)));
        *d.get_mut(b"b").unwrap() += 10;
        assert_eq!(d.get(b"b"), Some(&12));
        assert!(d.contains_key(b"a"));
        assert_eq!(d.remove(b"a"), Some((b"a".to_vec(), 3)));
        assert!(!d.contains_key(b"a"));
        assert_eq!(d.len(), 1);
        d.clear();
        assert!(d.is_empty());
        assert_eq!(d.bucket_counts(), [0, 0]);
    }

    #[test]
    fn replace_keeps_the_stored_key() {
        // Keys that compare equal by bytes but are distinguishable objects.
        #[derive(Debug)]
        struct K(Vec<u8>, u32);
        impl AsRef<[u8]> for K {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
        let mut d: Dict<K, u32> = Dict::new();
        d.insert(K(b"x".to_vec(), 1), 10);
        d.insert(K(b"x".to_vec(), 2), 20);
        let (k, v) = d.get_key_value(b"x").unwrap();
        assert_eq!((k.1, *v), (1, 20));
    }

    #[test]
    fn get_or_insert_with_inserts_once() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, Vec<u32>> = Dict::new();
        for i in 0..1000u32 {
            let k = key(u64::from(i % 100));
            d.get_or_insert_with(&k, || k.clone(), Vec::new).push(i);
        }
        assert_eq!(d.len(), 100);
        assert_eq!(d.get(&key(7)).unwrap().len(), 10);
        let (_, inserted) = d.find_or_insert_with(b"new", || b"new".to_vec(), Vec::new);
        assert!(inserted);
        let (v, inserted) = d.find_or_insert_with(b"new", || unreachable!(), || unreachable!());
        assert!(!inserted);
        assert!(v.is_empty());
        check(&d);
    }

    #[test]
    fn grows_and_shrinks_by_powers_of_two() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        d.insert(key(0), 0);
        assert_eq!(d.bucket_counts(), [4, 0]);
        for i in 1..5 {
            d.insert(key(i), i);
        }
        // The fifth insert found 4 entries in 4 buckets and started a grow to 8.
        assert_eq!(
            d.tables[0].size() + d.tables[1].size(),
            if d.is_rehashing() { 12 } else { 8 }
        );
        for i in 5..10_000 {
            d.insert(key(i), i);
        }
        while d.rehash_steps(100) {}
        assert_eq!(d.bucket_counts(), [16384, 0]);
        for i in 0..9_990 {
            d.remove(&key(i));
        }
        // Removes start a shrink only when not already rehashing; the cron finishes the job.
        loop {
            while d.rehash_steps(100) {}
            if !d.shrink_if_needed() {
                break;
            }
        }
        // 10 entries left: a shrink to 16 buckets.
        assert_eq!(d.len(), 10);
        assert_eq!(d.bucket_counts(), [16, 0]);
        check(&d);
    }

    #[test]
    fn with_capacity_preallocates() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::with_capacity(1000);
        assert_eq!(d.bucket_counts(), [1024, 0]);
        for i in 0..1000 {
            d.insert(key(i), i);
        }
        assert!(!d.is_rehashing());
    }

    #[test]
    fn resize_forbidden_grows_only_past_ratio_five() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::with_capacity(4);
        set_resize_enabled(false);
        for i in 0..24 {
            d.insert(key(i), i);
        }
        let forbidden = d.bucket_counts();
        set_resize_enabled(true);
        assert_eq!(forbidden, [4, 0]);
        d.insert(key(100), 0);
        assert!(d.is_rehashing());
        check(&d);
    }

    #[test]
    fn iter_drain_and_into_iter_see_every_entry() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        for i in 0..1000 {
            d.insert(key(i), i);
        }
        assert!(d.is_rehashing() || d.len() == 1000);
        let seen: HashSet<u64> = d.values().copied().collect();
        assert_eq!(seen.len(), 1000);
        for (_, v) in d.iter_mut() {
            *v += 1;
        }
        assert_eq!(d.get(&key(5)), Some(&6));
        let mut drained: Vec<u64> = d.drain().map(|(_, v)| v).collect();
        drained.sort_unstable();
        assert_eq!(drained, (1..=1000).collect::<Vec<_>>());
        assert!(d.is_empty());
        d.insert(key(1), 1);
        assert_eq!(d.into_iter().len(), 1);
        // A partly consumed owning iterator frees the rest.
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        for i in 0..100 {
            d.insert(key(i), i);
        }
        let mut it = d.drain();
        assert_eq!(it.len(), 100);
        it.next();
        assert_eq!(it.len(), 99);
        drop(it);
    }

    #[test]
    fn scan_with_no_changes_returns_each_entry_once_per_table_state() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        for i in 0..500 {
            d.insert(key(i), i);
        }
        while d.rehash_steps(100) {}
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, |_, v| seen.push(*v));
            if cursor == 0 {
                break;
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        let empty: Dict<Vec<u8>, u64> = Dict::new();
        assert_eq!(empty.scan(0, |_, _| unreachable!()), 0);
    }

    #[test]
    fn random_entry_and_sample_reach_every_entry() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        let mut r = rng();
        assert!(d.random_entry(&mut r).is_none());
        assert_eq!(d.sample(5, &mut r, |_, _| unreachable!()), 0);
        for i in 0..200 {
            d.insert(key(i), i);
        }
        let mut seen = HashSet::new();
        let mut fair = HashSet::new();
        for _ in 0..20_000 {
            seen.insert(*d.random_entry(&mut r).unwrap().1);
            fair.insert(*d.fair_random_entry(&mut r).unwrap().1);
        }
        assert_eq!(seen.len(), 200);
        assert_eq!(fair.len(), 200);
        let mut got = Vec::new();
        assert_eq!(d.sample(20, &mut r, |_, v| got.push(*v)), 20);
        assert_eq!(got.len(), 20);
        let mut all = 0;
        assert_eq!(d.sample(1000, &mut r, |_, _| all += 1), all);
        assert!(all <= 200);
    }

    #[test]
    fn random_entry_during_rehash_and_when_sparse() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        let mut r = rng();
        for i in 0..4097 {
            d.insert(key(i), i);
        }
        assert!(d.is_rehashing(), "the 4097th entry started a grow");
        let mut seen = HashSet::new();
        for _ in 0..100_000 {
            seen.insert(*d.random_entry(&mut r).unwrap().1);
        }
        assert!(seen.len() > 4000);
        // A very sparse table (shrinking forbidden) still finds its one entry.
        set_resize_enabled(false);
        for i in 1..4097 {
            d.remove(&key(i));
        }
        set_resize_enabled(true);
        while d.rehash_steps(100) {}
        assert_eq!(d.len(), 1);
        assert!(d.bucket_counts()[0] >= 4096);
        assert_eq!(d.random_entry(&mut r).map(|(_, v)| *v), Some(0));
    }

    #[test]
    fn rehash_work_per_operation_is_bounded() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        let n = 1_000_000;
        let mut max_work = 0;
        for i in 0..n {
            d.insert(key(i), i);
            max_work = max_work.max(d.take_rehash_work());
        }
        // One bucket moved plus at most ten empty buckets skipped.
        assert!(
            max_work <= 11,
            "insert did {max_work} buckets of rehash work"
        );
        assert_eq!(d.len(), n as usize);
        let mut max_work = 0;
        for i in 0..n {
            assert!(d.remove(&key(i)).is_some());
            max_work = max_work.max(d.take_rehash_work());
        }
        assert!(
            max_work <= 11,
            "remove did {max_work} buckets of rehash work"
        );
        assert!(d.is_empty());
    }

    #[test]
    fn rehash_for_finishes_a_rehash() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        for i in 0..100_000 {
            d.insert(key(i), i);
        }
        d.insert(key(200_000), 0);
        while d.is_rehashing() {
            d.rehash_for(1000);
        }
        check(&d);
        assert_eq!(d.len(), 100_001);
    }

    #[test]
    fn memory_per_entry() {
        let _guard = lock();
        // A 16-byte key and a 16-byte value stay inline: one 56-byte node per entry.
        assert_eq!(mem::size_of::<CompactBytes>(), 24);
        assert_eq!(Dict::<CompactBytes, CompactBytes>::node_size(), 56);
        let mut d: Dict<CompactBytes, CompactBytes> = Dict::new();
        for i in 0..100_000u64 {
            let k = format!("key:{i:012}");
            d.insert(
                CompactBytes::from(k.as_str()),
                CompactBytes::from(k.as_str()),
            );
        }
        while d.rehash_steps(100) {}
        let per_key = d.mem_usage() / d.len();
        // 56 for the node plus 8 * 131072 / 100000 = 10.5 for the buckets.
        assert!((60..=72).contains(&per_key), "{per_key} bytes per key");
    }

    #[test]
    fn deep_chains_drop_without_recursion() {
        // Build one long chain by hand (a seed cannot be forced to collide).
        let mut t: Table<Vec<u8>, u64> = Table::with_size(4);
        for i in 0..200_000 {
            let link = t.link_alloc(0);
            let next = link.take();
            *link = Some(Box::new(Node {
                key: key(i),
                value: i,
                next,
            }));
            t.used += 1;
        }
        drop(t);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        Upsert(u16),
        Get(u16),
        Rehash(u8),
        Burst(u16),
        Purge(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..400u16, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0..400u16).prop_map(Op::Remove),
            2 => (0..400u16).prop_map(Op::Upsert),
            2 => (0..400u16).prop_map(Op::Get),
            1 => any::<u8>().prop_map(Op::Rehash),
            1 => (0..400u16).prop_map(Op::Burst),
            1 => (0..400u16).prop_map(Op::Purge),
        ]
    }

    fn k16(k: u16) -> Vec<u8> {
        format!("k{k}").into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn behaves_like_hashmap(ops in proptest::collection::vec(op(), 1..300)) {
            let mut d: Dict<Vec<u8>, u32> = Dict::new();
            let mut m: HashMap<Vec<u8>, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        prop_assert_eq!(d.insert(k16(k), v), m.insert(k16(k), v));
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(d.remove(&k16(k)), m.remove_entry(&k16(k)));
                    }
                    Op::Upsert(k) => {
                        *d.get_or_insert_with(&k16(k), || k16(k), || 0) += 1;
                        *m.entry(k16(k)).or_insert(0) += 1;
                    }
                    Op::Get(k) => {
                        prop_assert_eq!(d.get(&k16(k)), m.get(&k16(k)));
                        prop_assert_eq!(d.get_mut(&k16(k)).copied(), m.get(&k16(k)).copied());
                    }
                    Op::Rehash(n) => {
                        d.rehash_steps(usize::from(n));
                    }
                    Op::Burst(base) => {
                        for k in base..base + 200 {
                            d.insert(k16(k), 7);
                            m.insert(k16(k), 7);
                        }
                    }
                    Op::Purge(base) => {
                        for k in base.saturating_sub(300)..base {
                            prop_assert_eq!(d.remove(&k16(k)), m.remove_entry(&k16(k)));
                        }
                    }
                }
                prop_assert_eq!(d.len(), m.len());
            }
            check(&d);
            let got: HashMap<Vec<u8>, u32> = d.iter().map(|(k, v)| (k.clone(), *v)).collect();
            prop_assert_eq!(got, m);
        }

        #[test]
        fn scan_returns_every_entry_present_throughout(
            initial in 0..2000u32,
            changes in proptest::collection::vec((0..4u8, 1..1500u32), 0..40),
        ) {
            // Stable keys s0..s<initial> stay for the whole scan; churn keys come and go in
            // bulk between scan calls, growing and shrinking the table.
            let mut d: Dict<Vec<u8>, ()> = Dict::new();
            for i in 0..initial {
                d.insert(format!("s{i}").into_bytes(), ());
            }
            let mut churn: Vec<Vec<u8>> = Vec::new();
            let mut next_churn = 0u32;
            let mut seen: HashSet<Vec<u8>> = HashSet::new();
            let mut changes = changes.into_iter();
            let mut cursor = 0;
            let mut calls = 0;
            loop {
                cursor = d.scan(cursor, |k, _| {
                    seen.insert(k.clone());
                });
                calls += 1;
                prop_assert!(calls < 1_000_000);
                if cursor == 0 {
                    break;
                }
                if calls % 3 != 0 {
                    continue;
                }
                match changes.next() {
                    Some((0 | 1, n)) => {
                        for _ in 0..n {
                            let k = format!("c{next_churn}").into_bytes();
                            next_churn += 1;
                            d.insert(k.clone(), ());
                            churn.push(k);
                        }
                    }
                    Some((2, n)) => {
                        for _ in 0..n {
                            if let Some(k) = churn.pop() {
                                d.remove(&k);
                            }
                        }
                    }
                    Some((_, n)) => {
                        d.rehash_steps(n as usize);
                    }
                    None => {}
                }
            }
            for i in 0..initial {
                prop_assert!(seen.contains(format!("s{i}").as_bytes()), "s{} missed", i);
            }
        }
    }
}
