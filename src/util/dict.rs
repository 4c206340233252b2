//! `NodeDict`: the chained hash table with incremental rehashing behind the keyspace, the expires
//! table, and the hashtable encodings of hashes, sets and sorted sets; `Dict<K, V>` is its
//! key -> value form.
//!
//! The table is generic over its node type `N: DictNode`: an owning pointer to one heap
//! allocation that holds a key, a value and the link to the next node of its bucket. The dict
//! reads a node's key bytes (to hash and compare), follows and rewrites its link, and projects
//! its key and value for the public API; it never builds or takes a node apart. So the same
//! algorithms serve `Box<KvNode<K, V>>` (a key and a value in a box, what `Dict<K, V>` stores)
//! and a node whose key bytes and body share one allocation. Two layers of API:
//!
//! - For any node type: `insert_node` (a ready node, replacing the node of an equal key),
//!   `find`/`find_mut` (the owning pointer in its link, so a caller may put a reallocated node
//!   in its place), `find_or_insert_node_with`, `remove_node`, `drain_nodes`, `nodes`,
//!   `scan_nodes`, `sample_nodes`, `random_node` and `fair_random_node`, plus the projected
//!   forms (`get`, `get_mut`, `iter`, `scan`, `sample`, `random_entry`, ...) and the table
//!   operations (`rehash_steps`, `rehash_for`, `shrink_if_needed`).
//! - For `Dict<K, V>` only, where the dict builds the node: `insert`, `get_or_insert_with`,
//!   `find_or_insert_with`, `remove` and `drain` take and give keys and values, and
//!   `mem_usage`/`node_size` know the node's size.
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
//! - Buckets are singly linked chains of nodes. A bucket and a node's link are `Option<N>`, one
//!   pointer when `N` is (`Box`, `NonNull`); `Box<KvNode<K, V>>` costs one allocation of
//!   `size_of::<K>() + size_of::<V>() + 8` bytes per entry plus 8 bytes per bucket.
//! - A table's bucket array is split into segments of at most 32768 buckets that are allocated
//!   (zeroed) on first write and freed as soon as rehashing has emptied them, so even creating a
//!   table of 16M buckets costs no 128 MB memset in one operation.
//! - Keys are hashed with `util::hash` under a seed captured when the dict is created.
//! - `get`/`find` take `&self` and do no rehash step; `get_mut`/`find_mut`, the inserts and the
//!   removes do one. A remove starts a shrink only when no rehash is running, so the cron should
//!   call `shrink_if_needed` (Redis's `tryResizeHashTables`) as well as `rehash_for`.
//! - `get_or_insert_with` and `find_or_insert_node_with` on a present key relink it at the head
//!   of its chain (they unlink the node to hand back a borrow without a second lookup); chain
//!   order has no meaning.
//! - Chains are freed node by node (the dict takes each node's link out before dropping it), so
//!   a node type may drop its link recursively.
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
//! - A node's key bytes do not change while it is linked (a node put in place through `find_mut`
//!   has the same key and carries the old node's link).

use std::fmt;
use std::mem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::util::hash;

/// A hash table from byte-string keys to values, with incremental rehashing and a SCAN cursor.
pub type Dict<K, V> = NodeDict<Box<KvNode<K, V>>>;

/// An owned, heap-allocated chain node of a `NodeDict`: an owning pointer to a key, a value and
/// the link to the next node of its bucket.
///
/// Dropping a node may drop the chain behind its link; the dict empties the link first.
pub trait DictNode: Sized {
    /// The key as the public API hands it out.
    type Key: ?Sized;
    /// The value as the public API hands it out.
    type Value: ?Sized;

    /// Returns the key's bytes, which the dict hashes and compares; fixed while linked.
    fn key_bytes(&self) -> &[u8];

    /// Returns the key as the API type.
    fn key(&self) -> &Self::Key;

    /// Returns the value.
    fn value(&self) -> &Self::Value;

    /// Returns the next node of this node's chain.
    fn next(&self) -> Option<&Self>;

    /// Returns the key, the value for update and the chain link, borrowed at once.
    fn parts_mut(&mut self) -> (&Self::Key, &mut Self::Value, &mut Option<Self>);

    /// Returns the value for update.
    #[inline]
    fn value_mut(&mut self) -> &mut Self::Value {
        self.parts_mut().1
    }

    /// Returns the chain link for update.
    #[inline]
    fn next_mut(&mut self) -> &mut Option<Self> {
        self.parts_mut().2
    }
}

/// A hash table of `N` nodes, keyed by their key bytes, with incremental rehashing and a SCAN
/// cursor.
pub struct NodeDict<N: DictNode> {
    /// The main table and, while rehashing, the table being filled.
    tables: [Table<N>; 2],
    /// The next bucket of `tables[0]` to move; `None` when not rehashing.
    rehash_idx: Option<usize>,
    /// The hash seed, fixed for the life of the dict.
    seed: u64,
    /// Buckets visited by rehashing (moved or skipped), for the bounded-work test.
    #[cfg(test)]
    rehash_work: usize,
}

/// The node of a `Dict<K, V>`: a key, a value and the chain link (used as `Box<KvNode<K, V>>`).
pub struct KvNode<K, V> {
    key: K,
    value: V,
    next: Option<Box<KvNode<K, V>>>,
}

/// Allows or forbids resizing of every dict (Redis's `dict_can_resize`), e.g. while a fork
/// child shares memory; when forbidden a table still grows past a load factor of 5.
pub fn set_resize_enabled(enabled: bool) {
    RESIZE_ENABLED.store(enabled, Ordering::Relaxed);
}

impl<K, V> KvNode<K, V> {
    /// Returns an unlinked node.
    #[inline]
    pub fn new(key: K, value: V) -> KvNode<K, V> {
        KvNode {
            key,
            value,
            next: None,
        }
    }

    /// Returns the key and the value (dropping the link, empty on a node the dict handed out).
    #[inline]
    pub fn into_parts(self) -> (K, V) {
        (self.key, self.value)
    }
}

impl<K: AsRef<[u8]>, V> DictNode for Box<KvNode<K, V>> {
    type Key = K;
    type Value = V;

    #[inline]
    fn key_bytes(&self) -> &[u8] {
        self.key.as_ref()
    }

    #[inline]
    fn key(&self) -> &K {
        &self.key
    }

    #[inline]
    fn value(&self) -> &V {
        &self.value
    }

    #[inline]
    fn next(&self) -> Option<&Self> {
        self.next.as_ref()
    }

    #[inline]
    fn parts_mut(&mut self) -> (&K, &mut V, &mut Option<Self>) {
        let KvNode { key, value, next } = &mut **self;
        (key, value, next)
    }

    #[inline]
    fn value_mut(&mut self) -> &mut V {
        &mut self.value
    }

    #[inline]
    fn next_mut(&mut self) -> &mut Option<Self> {
        &mut self.next
    }
}

impl<N: DictNode> NodeDict<N> {
    /// Returns an empty dict; it allocates nothing until the first insert.
    pub fn new() -> NodeDict<N> {
        NodeDict {
            tables: [Table::empty(), Table::empty()],
            rehash_idx: None,
            seed: hash::seed(),
            #[cfg(test)]
            rehash_work: 0,
        }
    }

    /// Returns an empty dict with room for `n` entries before its first resize.
    pub fn with_capacity(n: usize) -> NodeDict<N> {
        let mut d = NodeDict::new();
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

    /// Returns the node stored under `key`.
    pub fn find(&self, key: &[u8]) -> Option<&N> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        let n = self.tables_in_use();
        self.tables
            .iter()
            .take(n)
            .find_map(|t| chain_find(t.head(h & t.mask), key))
    }

    /// Returns the node stored under `key` for update (does one rehash step).
    ///
    /// This is the owning pointer in its chain link: a caller may put another node in its place
    /// if that node has the same key bytes and takes over this one's `next_mut` link.
    pub fn find_mut(&mut self, key: &[u8]) -> Option<&mut N> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        self.rehash_step();
        self.find_mut_hashed(h, key)
    }

    /// Returns the value stored under `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&N::Value> {
        self.find(key).map(N::value)
    }

    /// Returns the stored key and value for `key`.
    #[inline]
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&N::Key, &N::Value)> {
        self.find(key).map(|n| (n.key(), n.value()))
    }

    /// Returns true when `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// Returns the value stored under `key` for update (does one rehash step).
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut N::Value> {
        self.find_mut(key).map(N::value_mut)
    }

    /// Inserts `node` (whose link must be empty); if a node with the same key bytes was
    /// present, `node` takes its place in its chain and the old node is returned, unlinked.
    pub fn insert_node(&mut self, mut node: N) -> Option<N> {
        debug_assert!(
            node.next().is_none(),
            "insert_node: the node is still linked"
        );
        let h = self.hash(node.key_bytes());
        self.rehash_step();
        self.expand_if_needed();
        if let Some(slot) = self.find_mut_hashed(h, node.key_bytes()) {
            mem::swap(slot.next_mut(), node.next_mut());
            return Some(mem::replace(slot, node));
        }
        self.link_front(h, node);
        None
    }

    /// Returns the node under `key`, first inserting `make()` (a node with these key bytes and
    /// an empty link) if absent, and whether it was inserted now; hashes the key once.
    pub fn find_or_insert_node_with(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> N,
    ) -> (&mut N, bool) {
        let h = self.hash(key);
        self.rehash_step();
        self.expand_if_needed();
        // An existing node is unlinked and relinked at the head of its chain: that hands back an
        // owned node, so the returned borrow needs no second lookup.
        let (node, inserted) = match self.unlink_hashed(h, key) {
            Some(node) => (node, false),
            None => {
                let node = make();
                debug_assert!(
                    node.key_bytes() == key,
                    "find_or_insert_node_with: key differs"
                );
                (node, true)
            }
        };
        (self.link_front(h, node), inserted)
    }

    /// Removes `key` and returns its node, unlinked (does one rehash step, and starts a shrink
    /// when the table falls below 10% full).
    pub fn remove_node(&mut self, key: &[u8]) -> Option<N> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        self.rehash_step();
        let node = self.unlink_hashed(h, key)?;
        self.shrink_if_needed();
        Some(node)
    }

    /// Removes every entry and frees the tables.
    pub fn clear(&mut self) {
        self.tables = [Table::empty(), Table::empty()];
        self.rehash_idx = None;
    }

    /// Takes every node out, leaving the dict empty; the iterator owns them, unlinked.
    pub fn drain_nodes(&mut self) -> Drain<N> {
        let tables = mem::replace(&mut self.tables, [Table::empty(), Table::empty()]);
        self.rehash_idx = None;
        Drain::new(tables)
    }

    /// Iterates over all nodes in table order.
    pub fn nodes(&self) -> impl Iterator<Item = &N> + '_ {
        self.tables.iter().flat_map(|t| {
            t.segs
                .iter()
                .flatten()
                .flat_map(|seg| seg.iter())
                .flat_map(|link| Chain { cur: link.as_ref() })
        })
    }

    /// Iterates over all entries in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&N::Key, &N::Value)> + '_ {
        self.nodes().map(|n| (n.key(), n.value()))
    }

    /// Iterates over all keys in table order.
    pub fn keys(&self) -> impl Iterator<Item = &N::Key> + '_ {
        self.nodes().map(N::key)
    }

    /// Iterates over all values in table order.
    pub fn values(&self) -> impl Iterator<Item = &N::Value> + '_ {
        self.nodes().map(N::value)
    }

    /// Iterates over all entries with mutable values.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&N::Key, &mut N::Value)> + '_ {
        self.tables.iter_mut().flat_map(|t| {
            t.segs
                .iter_mut()
                .flatten()
                .flat_map(|seg| seg.iter_mut())
                .flat_map(|link| ChainMut { cur: link.as_mut() })
        })
    }

    /// Visits the nodes of the buckets at `cursor` and returns the next cursor (0 when the
    /// iteration is complete), with Redis's SCAN guarantee.
    ///
    /// One call visits one bucket (two or more while rehashing); a SCAN command loops until it
    /// has enough entries or the cursor returns to 0.
    pub fn scan_nodes<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a N)) -> u64 {
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

    /// Like `scan_nodes`, visiting each entry's key and value.
    #[inline]
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a N::Key, &'a N::Value)) -> u64 {
        self.scan_nodes(cursor, |n| f(n.key(), n.value()))
    }

    /// Returns a random node: a random non-empty bucket, then a random node of its chain.
    pub fn random_node<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&N> {
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
            return self.tables.iter().find_map(|t| {
                let size = t.size();
                (0..size).find_map(|j| t.head(start.wrapping_add(j) & t.mask))
            });
        }
        let chain_len = Chain { cur: head }.count();
        let pick = (rng.next_u64() % chain_len.max(1) as u64) as usize;
        Chain { cur: head }.nth(pick)
    }

    /// Like `random_node`, returning the entry's key and value.
    #[inline]
    pub fn random_entry<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<(&N::Key, &N::Value)> {
        self.random_node(rng).map(|n| (n.key(), n.value()))
    }

    /// Returns a random node chosen among up to 15 sampled ones, which evens out the bias of
    /// long chains (Redis's `dictGetFairRandomKey`, used by RANDOMKEY).
    pub fn fair_random_node<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<&N> {
        let mut picks: [Option<&N>; FAIR_SAMPLE] = [None; FAIR_SAMPLE];
        let mut n = 0;
        self.sample_nodes(FAIR_SAMPLE, rng, |node| {
            if let Some(slot) = picks.get_mut(n) {
                *slot = Some(node);
                n += 1;
            }
        });
        if n == 0 {
            return self.random_node(rng);
        }
        let i = (rng.next_u64() % n as u64) as usize;
        picks.get(i).copied().flatten()
    }

    /// Like `fair_random_node`, returning the entry's key and value.
    #[inline]
    pub fn fair_random_entry<R: rand::Rng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Option<(&N::Key, &N::Value)> {
        self.fair_random_node(rng).map(|n| (n.key(), n.value()))
    }

    /// Visits up to `n` nodes found by walking buckets from a random position (Redis's
    /// `dictGetSomeKeys`, for eviction and expiry sampling); returns how many were visited.
    ///
    /// Entries near each other in the table are visited together; after a run of empty buckets
    /// the walk jumps to a new random position. It gives up after `10 * n` bucket steps.
    pub fn sample_nodes<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        mut f: impl FnMut(&'a N),
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
                    f(node);
                    stored += 1;
                    if stored == count {
                        return stored;
                    }
                    cur = node.next();
                }
            }
            i = (i + 1) & max_mask;
        }
        stored
    }

    /// Like `sample_nodes`, visiting each entry's key and value.
    #[inline]
    pub fn sample<'a, R: rand::Rng + ?Sized>(
        &'a self,
        n: usize,
        rng: &mut R,
        mut f: impl FnMut(&'a N::Key, &'a N::Value),
    ) -> usize {
        self.sample_nodes(n, rng, |node| f(node.key(), node.value()))
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
                chain = node.next_mut().take();
                let h = hash::hash_with_seed(seed, node.key_bytes()) as usize;
                let link = t1.link_alloc(h & t1.mask);
                *node.next_mut() = link.take();
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

    /// Returns the bytes of the dict itself and its bucket arrays (not of its nodes).
    pub fn table_mem_usage(&self) -> usize {
        let tables: usize = self.tables.iter().map(Table::mem_usage).sum();
        mem::size_of::<Self>() + tables
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
    fn find_mut_hashed(&mut self, h: usize, key: &[u8]) -> Option<&mut N> {
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
    fn unlink_hashed(&mut self, h: usize, key: &[u8]) -> Option<N> {
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
    fn link_front(&mut self, h: usize, mut node: N) -> &mut N {
        let t = if self.is_rehashing() {
            &mut self.tables[1]
        } else {
            &mut self.tables[0]
        };
        t.used += 1;
        let link = t.link_alloc(h & t.mask);
        *node.next_mut() = link.take();
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

impl<K: AsRef<[u8]>, V> Dict<K, V> {
    /// Inserts `value` under `key`; returns the old value if the key was present, in which case
    /// the stored key is kept and `key` is dropped.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let h = self.hash(key.as_ref());
        self.rehash_step();
        self.expand_if_needed();
        if let Some(node) = self.find_mut_hashed(h, key.as_ref()) {
            return Some(mem::replace(&mut node.value, value));
        }
        self.link_front(h, Box::new(KvNode::new(key, value)));
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
        let make = || Box::new(KvNode::new(make_key(), make_value()));
        let (node, inserted) = self.find_or_insert_node_with(key, make);
        (&mut node.value, inserted)
    }

    /// Removes `key` and returns the stored key and value (does one rehash step, and starts a
    /// shrink when the table falls below 10% full).
    pub fn remove(&mut self, key: &[u8]) -> Option<(K, V)> {
        self.remove_node(key).map(|node| node.into_parts())
    }

    /// Takes every entry out, leaving the dict empty; the iterator owns them.
    pub fn drain(&mut self) -> IntoIter<K, V> {
        IntoIter {
            nodes: self.drain_nodes(),
        }
    }

    /// Returns an estimate of the bytes this dict uses: itself, its bucket arrays and its nodes
    /// (not what keys and values own on the heap).
    pub fn mem_usage(&self) -> usize {
        self.table_mem_usage() + self.len() * Self::node_size()
    }

    /// Returns the size of one entry's allocation (key, value and chain link).
    pub const fn node_size() -> usize {
        mem::size_of::<KvNode<K, V>>()
    }
}

impl<N: DictNode> Default for NodeDict<N> {
    fn default() -> NodeDict<N> {
        NodeDict::new()
    }
}

impl<N: DictNode> fmt::Debug for NodeDict<N>
where
    N::Key: fmt::Debug,
    N::Value: fmt::Debug,
{
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

/// An owning iterator over a dict's nodes (from `drain_nodes`); each comes out unlinked.
pub struct Drain<N: DictNode> {
    /// Segments not yet started.
    segs: std::vec::IntoIter<Segment<N>>,
    /// Buckets of the current segment not yet started.
    buckets: std::vec::IntoIter<Option<N>>,
    /// The rest of the current chain.
    chain: Option<N>,
    /// Nodes not yet yielded.
    left: usize,
}

impl<N: DictNode> Drain<N> {
    /// Takes the nodes of both tables.
    fn new(mut tables: [Table<N>; 2]) -> Drain<N> {
        let left = tables[0].used + tables[1].used;
        let [t0, t1] = &mut tables;
        let mut segs = mem::take(&mut t0.segs);
        segs.append(&mut t1.segs);
        Drain {
            segs: segs.into_iter(),
            buckets: Vec::new().into_iter(),
            chain: None,
            left,
        }
    }
}

impl<N: DictNode> Iterator for Drain<N> {
    type Item = N;

    fn next(&mut self) -> Option<N> {
        loop {
            if let Some(mut node) = self.chain.take() {
                self.chain = node.next_mut().take();
                self.left = self.left.saturating_sub(1);
                return Some(node);
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

impl<N: DictNode> ExactSizeIterator for Drain<N> {}

impl<N: DictNode> Drop for Drain<N> {
    fn drop(&mut self) {
        free_chain(self.chain.take());
        self.buckets.by_ref().for_each(free_chain);
        for seg in self.segs.by_ref().flatten() {
            Vec::from(seg).into_iter().for_each(free_chain);
        }
    }
}

/// An owning iterator over a dict's entries (from `drain` or `into_iter`).
pub struct IntoIter<K: AsRef<[u8]>, V> {
    /// The nodes, taken apart as they come.
    nodes: Drain<Box<KvNode<K, V>>>,
}

impl<K: AsRef<[u8]>, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.nodes.next().map(|node| node.into_parts())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.nodes.size_hint()
    }
}

impl<K: AsRef<[u8]>, V> ExactSizeIterator for IntoIter<K, V> {}

// ---------------------------------------------------------------------------------------------
// Tables and chains.

/// A run of buckets, `None` while all of them are empty and unallocated.
type Segment<N> = Option<Box<[Option<N>]>>;

/// One bucket array, split into lazily allocated segments.
struct Table<N: DictNode> {
    /// `size >> seg_bits` segments of `1 << seg_bits` buckets each; `None` = all empty.
    segs: Vec<Segment<N>>,
    /// log2 of the segment length.
    seg_bits: u32,
    /// Bucket count minus one (0 when there are no buckets).
    mask: usize,
    /// Entries in this table.
    used: usize,
}

impl<N: DictNode> Table<N> {
    /// A table with no buckets.
    const fn empty() -> Table<N> {
        Table {
            segs: Vec::new(),
            seg_bits: 0,
            mask: 0,
            used: 0,
        }
    }

    /// A table of `size` buckets (a power of two); segments are allocated on first write.
    fn with_size(size: usize) -> Table<N> {
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
    fn head(&self, i: usize) -> Option<&N> {
        let seg = self.segs.get(i >> self.seg_bits)?.as_deref()?;
        seg.get(i & ((1 << self.seg_bits) - 1))?.as_ref()
    }

    /// Bucket `i` for update, if its segment is allocated.
    #[inline]
    fn link_mut(&mut self, i: usize) -> Option<&mut Option<N>> {
        let seg = self.segs.get_mut(i >> self.seg_bits)?.as_deref_mut()?;
        seg.get_mut(i & ((1 << self.seg_bits) - 1))
    }

    /// Bucket `i` for update, allocating its segment if needed.
    ///
    /// Callers pass `hash & self.mask` on a table with buckets, so both indexes are in range.
    #[inline]
    fn link_alloc(&mut self, i: usize) -> &mut Option<N> {
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

    /// Calls `f` on every node of bucket `i`.
    #[inline]
    fn visit_bucket<'a>(&'a self, i: usize, f: &mut impl FnMut(&'a N)) {
        for node in (Chain { cur: self.head(i) }) {
            f(node);
        }
    }

    /// Bytes of the segment directory and the allocated segments.
    fn mem_usage(&self) -> usize {
        let allocated = self.segs.iter().filter(|s| s.is_some()).count();
        self.segs.capacity() * mem::size_of::<Segment<N>>()
            + (allocated << self.seg_bits) * mem::size_of::<Option<N>>()
    }
}

impl<N: DictNode> Drop for Table<N> {
    /// Frees chains iteratively, so a long chain cannot overflow the stack.
    fn drop(&mut self) {
        for seg in self.segs.iter_mut().flatten() {
            for link in seg.iter_mut() {
                free_chain(link.take());
            }
        }
    }
}

/// Iterates over the nodes of one chain.
struct Chain<'a, N> {
    cur: Option<&'a N>,
}

impl<'a, N: DictNode> Iterator for Chain<'a, N> {
    type Item = &'a N;

    #[inline]
    fn next(&mut self) -> Option<&'a N> {
        let node = self.cur?;
        self.cur = node.next();
        Some(node)
    }
}

/// Iterates over one chain with mutable values.
struct ChainMut<'a, N> {
    cur: Option<&'a mut N>,
}

impl<'a, N: DictNode> Iterator for ChainMut<'a, N> {
    type Item = (&'a N::Key, &'a mut N::Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (key, value, next) = self.cur.take()?.parts_mut();
        self.cur = next.as_mut();
        Some((key, value))
    }
}

/// Finds `key` in the chain starting at `cur`.
#[inline]
fn chain_find<'a, N: DictNode>(mut cur: Option<&'a N>, key: &[u8]) -> Option<&'a N> {
    while let Some(node) = cur {
        if node.key_bytes() == key {
            return Some(node);
        }
        cur = node.next();
    }
    None
}

/// Finds `key` in the chain `link` for update.
#[inline]
fn chain_find_mut<'a, N: DictNode>(link: &'a mut Option<N>, key: &[u8]) -> Option<&'a mut N> {
    let mut cur = link.as_mut();
    while let Some(node) = cur {
        if node.key_bytes() == key {
            return Some(node);
        }
        cur = node.next_mut().as_mut();
    }
    None
}

/// Unlinks the node for `key` from the chain `link` and returns it (its link emptied).
fn chain_unlink<N: DictNode>(link: &mut Option<N>, key: &[u8]) -> Option<N> {
    let mut cur = link;
    loop {
        let hit = cur.as_ref()?.key_bytes() == key;
        if hit {
            let mut node = cur.take()?;
            *cur = node.next_mut().take();
            return Some(node);
        }
        cur = cur.as_mut()?.next_mut();
    }
}

/// Drops a chain node by node.
fn free_chain<N: DictNode>(mut link: Option<N>) {
    while let Some(mut node) = link {
        link = node.next_mut().take();
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
    use proptest::test_runner::TestCaseError;
    use rand::SeedableRng;
    use std::alloc::{self, Layout};
    use std::collections::{HashMap, HashSet};
    use std::ptr::NonNull;
    use std::slice;

    /// The boxed key -> value node of `Dict`, with the value type the generic tests use.
    type Kv = Box<KvNode<Vec<u8>, u32>>;

    /// A node type the generic tests run on: how to build one, and how to insert, remove and
    /// upsert (through the node API unless the type overrides it with its own).
    trait TestNode: DictNode<Value = u32> {
        fn make(key: &[u8], value: u32) -> Self;

        /// Inserts or replaces; returns the old value.
        fn put(d: &mut NodeDict<Self>, key: &[u8], value: u32) -> Option<u32> {
            d.insert_node(Self::make(key, value)).map(|n| *n.value())
        }

        /// Removes; returns the stored key's bytes and the value.
        fn take(d: &mut NodeDict<Self>, key: &[u8]) -> Option<(Vec<u8>, u32)> {
            d.remove_node(key)
                .map(|n| (n.key_bytes().to_vec(), *n.value()))
        }

        /// Returns the value under `key`, inserting 0 first if absent.
        fn upsert<'a>(d: &'a mut NodeDict<Self>, key: &[u8]) -> &'a mut u32 {
            let (node, _) = d.find_or_insert_node_with(key, || Self::make(key, 0));
            node.value_mut()
        }
    }

    /// `Dict` runs the generic tests through its key -> value API.
    impl TestNode for Kv {
        fn make(key: &[u8], value: u32) -> Kv {
            Box::new(KvNode::new(key.to_vec(), value))
        }

        fn put(d: &mut Dict<Vec<u8>, u32>, key: &[u8], value: u32) -> Option<u32> {
            d.insert(key.to_vec(), value)
        }

        fn take(d: &mut Dict<Vec<u8>, u32>, key: &[u8]) -> Option<(Vec<u8>, u32)> {
            d.remove(key)
        }

        fn upsert<'a>(d: &'a mut Dict<Vec<u8>, u32>, key: &[u8]) -> &'a mut u32 {
            d.get_or_insert_with(key, || key.to_vec(), || 0)
        }
    }

    /// A node in one allocation, `[ThinHeader | key bytes]`, behind a thin owning pointer: the
    /// shape of the keyspace's future `Obj` node.
    struct ThinNode(NonNull<ThinHeader>);

    /// The fixed part of a `ThinNode`'s allocation; the key's bytes follow it.
    struct ThinHeader {
        next: Option<ThinNode>,
        value: u32,
        key_len: u32,
    }

    #[allow(unsafe_code)]
    impl ThinNode {
        fn new(key: &[u8], value: u32) -> ThinNode {
            let key_len = u32::try_from(key.len()).unwrap();
            let layout = ThinNode::layout(key.len());
            // SAFETY: the layout is not zero-sized: it holds the header.
            let raw = unsafe { alloc::alloc(layout) }.cast::<ThinHeader>();
            let Some(ptr) = NonNull::new(raw) else {
                alloc::handle_alloc_error(layout)
            };
            // SAFETY: `ptr` is a fresh allocation of `layout`, aligned for the header and large
            // enough for it and `key.len()` bytes after it, which `key` cannot overlap.
            unsafe {
                ptr.write(ThinHeader {
                    next: None,
                    value,
                    key_len,
                });
                let bytes = ptr.as_ptr().add(1).cast::<u8>();
                std::ptr::copy_nonoverlapping(key.as_ptr(), bytes, key.len());
            }
            ThinNode(ptr)
        }

        /// The layout of a node whose key has `key_len` bytes.
        fn layout(key_len: usize) -> Layout {
            let size = mem::size_of::<ThinHeader>() + key_len;
            Layout::from_size_align(size, mem::align_of::<ThinHeader>()).unwrap()
        }

        fn header(&self) -> &ThinHeader {
            // SAFETY: the node owns a live allocation whose header `new` initialised; the
            // shared borrow lasts no longer than `&self`.
            unsafe { self.0.as_ref() }
        }
    }

    #[allow(unsafe_code)]
    impl DictNode for ThinNode {
        type Key = [u8];
        type Value = u32;

        fn key_bytes(&self) -> &[u8] {
            let len = self.header().key_len as usize;
            // SAFETY: `new` wrote `key_len` bytes right after the header in the same
            // allocation, and nothing writes them while the node lives.
            unsafe { slice::from_raw_parts(self.0.as_ptr().add(1).cast::<u8>(), len) }
        }

        fn key(&self) -> &[u8] {
            self.key_bytes()
        }

        fn value(&self) -> &u32 {
            &self.header().value
        }

        fn next(&self) -> Option<&ThinNode> {
            self.header().next.as_ref()
        }

        fn parts_mut(&mut self) -> (&[u8], &mut u32, &mut Option<ThinNode>) {
            let p = self.0.as_ptr();
            // SAFETY: `&mut self` gives exclusive access to the allocation. The key bytes lie
            // after the header, so the shared key slice and the mutable borrows of two distinct
            // header fields do not overlap, and none outlives `&mut self`.
            unsafe {
                let key = slice::from_raw_parts(p.add(1).cast::<u8>(), (*p).key_len as usize);
                (key, &mut (*p).value, &mut (*p).next)
            }
        }
    }

    #[allow(unsafe_code)]
    impl Drop for ThinNode {
        fn drop(&mut self) {
            let p = self.0.as_ptr();
            // SAFETY: the node owns its allocation, made in `new` with the layout that its
            // `key_len` gives back. The header (and the chain behind its link) is dropped before
            // the memory is freed, and the pointer is not used afterwards.
            unsafe {
                let layout = ThinNode::layout((*p).key_len as usize);
                std::ptr::drop_in_place(p);
                alloc::dealloc(p.cast::<u8>(), layout);
            }
        }
    }

    impl TestNode for ThinNode {
        fn make(key: &[u8], value: u32) -> ThinNode {
            ThinNode::new(key, value)
        }
    }

    /// Runs each generic test `name::<N>()` for both node types, as `name::kv` and `name::thin`.
    macro_rules! for_each_node_type {
        ($($name:ident),* $(,)?) => {$(
            mod $name {
                #[test]
                fn kv() {
                    super::$name::<super::Kv>();
                }

                #[test]
                fn thin() {
                    super::$name::<super::ThinNode>();
                }
            }
        )*};
    }

    for_each_node_type!(
        insert_get_replace_remove,
        grows_and_shrinks_by_powers_of_two,
        with_capacity_preallocates,
        resize_forbidden_grows_only_past_ratio_five,
        iter_and_drain_see_every_entry,
        scan_with_no_changes_returns_each_entry_once_per_table_state,
        random_entry_and_sample_reach_every_entry,
        random_entry_during_rehash_and_when_sparse,
        rehash_work_per_operation_is_bounded,
        rehash_for_finishes_a_rehash,
        deep_chains_drop_without_recursion,
    );

    fn key(i: u32) -> Vec<u8> {
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
    fn check<N: DictNode>(d: &NodeDict<N>) {
        let mut n = [0usize; 2];
        for (t, table) in d.tables.iter().enumerate() {
            for i in 0..table.size() {
                for node in (Chain { cur: table.head(i) }) {
                    assert_eq!(
                        d.hash(node.key_bytes()) & table.mask,
                        i,
                        "entry in the wrong bucket"
                    );
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
        assert_eq!(d.nodes().count(), d.len());
    }

    fn insert_get_replace_remove<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        assert!(d.is_empty());
        assert_eq!(d.get(b"a"), None);
        assert_eq!(N::take(&mut d, b"a"), None);
        assert_eq!(N::put(&mut d, b"a", 1), None);
        assert_eq!(N::put(&mut d, b"b", 2), None);
        assert_eq!(N::put(&mut d, b"a", 3), Some(1));
        assert_eq!(d.len(), 2);
        assert_eq!(d.get(b"a"), Some(&3));
        assert_eq!(d.find(b"b").map(N::key_bytes), Some(&b"b"[..]));
        assert_eq!(d.get_key_value(b"b").map(|(_, v)| *v), Some(2));
        *d.get_mut(b"b").unwrap() += 10;
        assert_eq!(d.get(b"b"), Some(&12));
        *d.find_mut(b"b").unwrap().value_mut() += 1;
        assert_eq!(d.get(b"b"), Some(&13));
        assert!(d.contains_key(b"a"));
        assert_eq!(N::take(&mut d, b"a"), Some((b"a".to_vec(), 3)));
        assert!(!d.contains_key(b"a"));
        assert_eq!(d.len(), 1);
        let old = d.insert_node(N::make(b"b", 20)).unwrap();
        assert_eq!((old.key_bytes(), *old.value()), (&b"b"[..], 13));
        assert!(old.next().is_none());
        let (node, inserted) = d.find_or_insert_node_with(b"c", || N::make(b"c", 30));
        assert!(inserted);
        assert_eq!(*node.value(), 30);
        let (node, inserted) = d.find_or_insert_node_with(b"c", || unreachable!());
        assert!(!inserted);
        assert_eq!(*node.value(), 30);
        assert_eq!(d.len(), 2);
        check(&d);
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
        // insert_node replaces the whole node, key included.
        let old = d.insert_node(Box::new(KvNode::new(K(b"x".to_vec(), 3), 30)));
        assert_eq!(old.map(|n| n.into_parts().0.1), Some(1));
        assert_eq!(d.get_key_value(b"x").map(|(k, v)| (k.1, *v)), Some((3, 30)));
    }

    #[test]
    fn find_mut_lets_a_node_be_replaced_in_place() {
        // What a reallocating node type does: build the node anew, give it the old one's link
        // and store it through the reference the lookup handed out.
        let _guard = lock();
        let mut d: NodeDict<ThinNode> = NodeDict::new();
        for i in 0..3000 {
            d.insert_node(ThinNode::new(&key(i), i));
        }
        for i in 0..3000 {
            let slot = d.find_mut(&key(i)).unwrap();
            let mut grown = ThinNode::new(slot.key_bytes(), slot.value() + 1);
            mem::swap(grown.next_mut(), slot.next_mut());
            drop(mem::replace(slot, grown));
        }
        check(&d);
        assert_eq!(d.len(), 3000);
        assert!((0..3000).all(|i| d.get(&key(i)) == Some(&(i + 1))));
    }

    #[test]
    fn get_or_insert_with_inserts_once() {
        let _guard = lock();
        let mut d: Dict<Vec<u8>, Vec<u32>> = Dict::new();
        for i in 0..1000u32 {
            let k = key(i % 100);
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

    fn grows_and_shrinks_by_powers_of_two<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        N::put(&mut d, &key(0), 0);
        assert_eq!(d.bucket_counts(), [4, 0]);
        for i in 1..5 {
            N::put(&mut d, &key(i), i);
        }
        // The fifth insert found 4 entries in 4 buckets and started a grow to 8.
        assert_eq!(
            d.tables[0].size() + d.tables[1].size(),
            if d.is_rehashing() { 12 } else { 8 }
        );
        for i in 5..10_000 {
            N::put(&mut d, &key(i), i);
        }
        while d.rehash_steps(100) {}
        assert_eq!(d.bucket_counts(), [16384, 0]);
        for i in 0..9_990 {
            N::take(&mut d, &key(i));
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

    fn with_capacity_preallocates<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::with_capacity(1000);
        assert_eq!(d.bucket_counts(), [1024, 0]);
        for i in 0..1000 {
            N::put(&mut d, &key(i), i);
        }
        assert!(!d.is_rehashing());
    }

    fn resize_forbidden_grows_only_past_ratio_five<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::with_capacity(4);
        set_resize_enabled(false);
        for i in 0..24 {
            N::put(&mut d, &key(i), i);
        }
        let forbidden = d.bucket_counts();
        set_resize_enabled(true);
        assert_eq!(forbidden, [4, 0]);
        N::put(&mut d, &key(100), 0);
        assert!(d.is_rehashing());
        check(&d);
    }

    fn iter_and_drain_see_every_entry<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        for i in 0..1000 {
            N::put(&mut d, &key(i), i);
        }
        assert!(d.is_rehashing() || d.len() == 1000);
        let seen: HashSet<u32> = d.values().copied().collect();
        assert_eq!(seen.len(), 1000);
        assert_eq!(d.keys().count(), 1000);
        for (_, v) in d.iter_mut() {
            *v += 1;
        }
        assert_eq!(d.get(&key(5)), Some(&6));
        let mut drained: Vec<u32> = d
            .drain_nodes()
            .map(|n| {
                assert!(n.next().is_none());
                *n.value()
            })
            .collect();
        drained.sort_unstable();
        assert_eq!(drained, (1..=1000).collect::<Vec<_>>());
        assert!(d.is_empty());
        // A partly consumed owning iterator frees the rest.
        for i in 0..100 {
            N::put(&mut d, &key(i), i);
        }
        let mut it = d.drain_nodes();
        assert_eq!(it.len(), 100);
        it.next();
        assert_eq!(it.len(), 99);
        drop(it);
    }

    #[test]
    fn drain_and_into_iter_give_keys_and_values() {
        let mut d: Dict<Vec<u8>, u32> = Dict::new();
        for i in 0..1000 {
            d.insert(key(i), i);
        }
        let mut drained: Vec<(Vec<u8>, u32)> = d.drain().collect();
        drained.sort_unstable_by_key(|(_, v)| *v);
        assert_eq!(drained.len(), 1000);
        assert!(drained.iter().all(|(k, v)| *k == key(*v)));
        assert!(d.is_empty());
        d.insert(key(1), 1);
        assert_eq!(d.into_iter().len(), 1);
        let mut d: Dict<Vec<u8>, u32> = Dict::new();
        for i in 0..100 {
            d.insert(key(i), i);
        }
        let mut it = d.drain();
        assert_eq!(it.len(), 100);
        it.next();
        assert_eq!(it.len(), 99);
        drop(it);
    }

    fn scan_with_no_changes_returns_each_entry_once_per_table_state<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        for i in 0..500 {
            N::put(&mut d, &key(i), i);
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
        let empty: NodeDict<N> = NodeDict::new();
        assert_eq!(empty.scan(0, |_, _| unreachable!()), 0);
    }

    fn random_entry_and_sample_reach_every_entry<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        let mut r = rng();
        assert!(d.random_entry(&mut r).is_none());
        assert_eq!(d.sample(5, &mut r, |_, _| unreachable!()), 0);
        for i in 0..200 {
            N::put(&mut d, &key(i), i);
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

    fn random_entry_during_rehash_and_when_sparse<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        let mut r = rng();
        for i in 0..4097 {
            N::put(&mut d, &key(i), i);
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
            N::take(&mut d, &key(i));
        }
        set_resize_enabled(true);
        while d.rehash_steps(100) {}
        assert_eq!(d.len(), 1);
        assert!(d.bucket_counts()[0] >= 4096);
        assert_eq!(d.random_entry(&mut r).map(|(_, v)| *v), Some(0));
    }

    fn rehash_work_per_operation_is_bounded<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        let n = 1_000_000;
        let mut max_work = 0;
        for i in 0..n {
            N::put(&mut d, &key(i), i);
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
            assert!(N::take(&mut d, &key(i)).is_some());
            max_work = max_work.max(d.take_rehash_work());
        }
        assert!(
            max_work <= 11,
            "remove did {max_work} buckets of rehash work"
        );
        assert!(d.is_empty());
    }

    fn rehash_for_finishes_a_rehash<N: TestNode>() {
        let _guard = lock();
        let mut d: NodeDict<N> = NodeDict::new();
        for i in 0..100_000 {
            N::put(&mut d, &key(i), i);
        }
        N::put(&mut d, &key(200_000), 0);
        while d.is_rehashing() {
            d.rehash_for(1000);
        }
        check(&d);
        assert_eq!(d.len(), 100_001);
    }

    #[test]
    fn memory_per_entry() {
        let _guard = lock();
        // A 16-byte key and a 16-byte value stay inline: one 56-byte node per entry, and a link
        // is one pointer.
        assert_eq!(mem::size_of::<CompactBytes>(), 24);
        assert_eq!(Dict::<CompactBytes, CompactBytes>::node_size(), 56);
        assert_eq!(
            mem::size_of::<Option<Box<KvNode<CompactBytes, CompactBytes>>>>(),
            8
        );
        assert_eq!(mem::size_of::<Option<ThinNode>>(), 8);
        assert_eq!(mem::size_of::<ThinHeader>(), 16);
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

    fn deep_chains_drop_without_recursion<N: TestNode>() {
        // Build one long chain by hand (a seed cannot be forced to collide).
        let mut t: Table<N> = Table::with_size(4);
        for i in 0..200_000 {
            let mut node = N::make(&key(i), i);
            let link = t.link_alloc(0);
            *node.next_mut() = link.take();
            *link = Some(node);
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

    /// Applies `ops` to a dict of `N` nodes and to a `HashMap`, comparing every answer.
    fn behaves_like_hashmap<N: TestNode>(ops: Vec<Op>) -> Result<(), TestCaseError> {
        let mut d: NodeDict<N> = NodeDict::new();
        let mut m: HashMap<Vec<u8>, u32> = HashMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => {
                    prop_assert_eq!(N::put(&mut d, &k16(k), v), m.insert(k16(k), v));
                }
                Op::Remove(k) => {
                    prop_assert_eq!(N::take(&mut d, &k16(k)), m.remove_entry(&k16(k)));
                }
                Op::Upsert(k) => {
                    *N::upsert(&mut d, &k16(k)) += 1;
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
                        N::put(&mut d, &k16(k), 7);
                        m.insert(k16(k), 7);
                    }
                }
                Op::Purge(base) => {
                    for k in base.saturating_sub(300)..base {
                        prop_assert_eq!(N::take(&mut d, &k16(k)), m.remove_entry(&k16(k)));
                    }
                }
            }
            prop_assert_eq!(d.len(), m.len());
        }
        check(&d);
        let got: HashMap<Vec<u8>, u32> = d
            .nodes()
            .map(|n| (n.key_bytes().to_vec(), *n.value()))
            .collect();
        prop_assert_eq!(got, m);
        Ok(())
    }

    /// Scans while keys come and go in bulk between calls; every stable key must be seen.
    fn scan_returns_every_entry_present_throughout<N: TestNode>(
        initial: u32,
        changes: Vec<(u8, u32)>,
    ) -> Result<(), TestCaseError> {
        // Stable keys s0..s<initial> stay for the whole scan; churn keys come and go in bulk
        // between scan calls, growing and shrinking the table.
        let mut d: NodeDict<N> = NodeDict::new();
        for i in 0..initial {
            N::put(&mut d, format!("s{i}").as_bytes(), 0);
        }
        let mut churn: Vec<Vec<u8>> = Vec::new();
        let mut next_churn = 0u32;
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut changes = changes.into_iter();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan_nodes(cursor, |n| {
                seen.insert(n.key_bytes().to_vec());
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
                        N::put(&mut d, &k, 0);
                        churn.push(k);
                    }
                }
                Some((2, n)) => {
                    for _ in 0..n {
                        if let Some(k) = churn.pop() {
                            N::take(&mut d, &k);
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
        Ok(())
    }

    fn scan_changes() -> impl Strategy<Value = Vec<(u8, u32)>> {
        proptest::collection::vec((0..4u8, 1..1500u32), 0..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn kv_behaves_like_hashmap(ops in proptest::collection::vec(op(), 1..300)) {
            behaves_like_hashmap::<Kv>(ops)?;
        }

        #[test]
        fn thin_behaves_like_hashmap(ops in proptest::collection::vec(op(), 1..300)) {
            behaves_like_hashmap::<ThinNode>(ops)?;
        }

        #[test]
        fn kv_scan_returns_every_entry_present_throughout(
            initial in 0..2000u32,
            changes in scan_changes(),
        ) {
            scan_returns_every_entry_present_throughout::<Kv>(initial, changes)?;
        }

        #[test]
        fn thin_scan_returns_every_entry_present_throughout(
            initial in 0..2000u32,
            changes in scan_changes(),
        ) {
            scan_returns_every_entry_present_throughout::<ThinNode>(initial, changes)?;
        }
    }
}
