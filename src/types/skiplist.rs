//! `SkipList`: the ordered half of a sorted set's "skiplist" encoding, in safe Rust.
//!
//! Elements are ordered by (score, member bytes). Each level link carries a span (how many
//! elements it jumps over), so the rank of an element and the element at a rank are found in
//! O(log n), as in Redis's zskiplist. Nodes live in an arena (`Vec<Node>`) and link by `u32`
//! index instead of pointer; freed slots go on a free list and are reused. Slot 0 is the header,
//! which holds no element and has `MAX_LEVEL` levels.
//!
//! Invariants:
//! - Following level-0 links from the header visits every live node once, in ascending order;
//!   `backward` links are the exact reverse of that chain (the first node's is `NIL`).
//! - For every level link, `span` = rank(target) - rank(source) (the header has rank 0; a `NIL`
//!   target counts as rank `len + 1`... spans of `NIL` links are kept like Redis: up to the end).
//! - A (score, member) pair appears at most once; the caller (the zset) guarantees that members
//!   are unique and scores are never NaN.

use std::cmp::Ordering;

use crate::util::cbytes::CompactBytes;

/// The "no node" index.
const NIL: u32 = u32::MAX;
/// The header's slot.
const HEAD: u32 = 0;
/// The most levels a node can have (Redis's ZSKIPLIST_MAXLEVEL).
const MAX_LEVEL: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Level {
    forward: u32,
    span: u32,
}

const NO_LEVEL: Level = Level {
    forward: NIL,
    span: 0,
};

/// Levels kept inside the node: with p = 1/4, 94% of nodes have at most two, so the bottom of
/// every search stays in the node's own cache line.
const INLINE_LEVELS: usize = 2;

/// One element. Exactly one cache line (64 bytes, aligned), so visiting a node during a search
/// costs one cache miss: member (inline when short), score, back link and the first two levels.
/// Levels above the second live in the list's `high` pool at `high..high + len - 2`.
#[derive(Debug, Clone, PartialEq)]
#[repr(align(64))]
struct Node {
    ele: CompactBytes,
    score: f64,
    backward: u32,
    high: u32,
    inline: [Level; INLINE_LEVELS],
    len: u8,
}

impl Node {
    fn new(ele: CompactBytes, score: f64, backward: u32, len: usize, high: u32) -> Node {
        Node {
            ele,
            score,
            backward,
            high,
            inline: [NO_LEVEL; INLINE_LEVELS],
            // MAX_LEVEL is 32, so the count fits a byte.
            len: len.min(MAX_LEVEL) as u8,
        }
    }
}

/// A skiplist of (member, score) ordered by score then member, with O(log n) rank queries.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    /// Levels 3 and up of the nodes that have them, each node's run contiguous.
    high: Vec<Level>,
    /// Freed runs of `high`, by run length - 1 (a node of level L frees a run of L - 2).
    free_high: Vec<Vec<u32>>,
    tail: u32,
    len: usize,
    level: usize,
    rng: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

/// Orders (score, member) pairs as the skiplist does.
pub fn cmp_pair(s1: f64, e1: &[u8], s2: f64, e2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => e1.cmp(e2),
        Some(o) => o,
    }
}

impl SkipList {
    /// An empty skiplist.
    pub fn new() -> SkipList {
        SkipList {
            nodes: vec![Node::new(CompactBytes::new(), 0.0, NIL, MAX_LEVEL, 0)],
            free: Vec::new(),
            high: vec![NO_LEVEL; MAX_LEVEL - INLINE_LEVELS],
            free_high: Vec::new(),
            tail: NIL,
            len: 0,
            level: 1,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes owned (approximate: node slots, level arrays and long members).
    pub fn heap_size(&self) -> usize {
        let per_node = std::mem::size_of::<Node>();
        let members: usize = self.nodes.iter().map(|n| n.ele.heap_size()).sum();
        let free_runs: usize = self.free_high.iter().map(|f| f.capacity() * 4).sum();
        self.nodes.capacity() * per_node
            + members
            + self.free.capacity() * 4
            + self.high.capacity() * std::mem::size_of::<Level>()
            + free_runs
    }

    fn node(&self, i: u32) -> &Node {
        // Indices come from our own links, which always name live slots; fall back to the
        // header rather than panic if that invariant were ever broken.
        self.nodes.get(i as usize).unwrap_or(&self.nodes[0])
    }

    fn node_mut(&mut self, i: u32) -> Option<&mut Node> {
        self.nodes.get_mut(i as usize)
    }

    /// Level `lvl` of node `i`, if the node has that many.
    fn level(&self, i: u32, lvl: usize) -> Option<&Level> {
        let n = self.nodes.get(i as usize)?;
        if lvl >= usize::from(n.len) {
            None
        } else if lvl < INLINE_LEVELS {
            n.inline.get(lvl)
        } else {
            self.high.get(n.high as usize + lvl - INLINE_LEVELS)
        }
    }

    fn fwd(&self, i: u32, lvl: usize) -> u32 {
        self.level(i, lvl).map_or(NIL, |l| l.forward)
    }

    fn span(&self, i: u32, lvl: usize) -> u32 {
        self.level(i, lvl).map_or(0, |l| l.span)
    }

    fn set_level(&mut self, i: u32, lvl: usize, forward: u32, span: u32) {
        let Some(n) = self.nodes.get_mut(i as usize) else {
            return;
        };
        let l = if lvl >= usize::from(n.len) {
            None
        } else if lvl < INLINE_LEVELS {
            n.inline.get_mut(lvl)
        } else {
            self.high.get_mut(n.high as usize + lvl - INLINE_LEVELS)
        };
        if let Some(l) = l {
            *l = Level { forward, span };
        }
    }

    /// Reserves a run of `n` levels in `high` (reusing a freed run of that length).
    fn alloc_high(&mut self, n: usize) -> u32 {
        if n == 0 {
            return 0;
        }
        if let Some(at) = self.free_high.get_mut(n - 1).and_then(Vec::pop) {
            for l in self.high.iter_mut().skip(at as usize).take(n) {
                *l = NO_LEVEL;
            }
            return at;
        }
        let at = u32::try_from(self.high.len()).unwrap_or(0);
        self.high.resize(self.high.len() + n, NO_LEVEL);
        at
    }

    /// Returns node `x`'s run of high levels to the pool.
    fn free_high_of(&mut self, x: u32) {
        let Some(n) = self.nodes.get(x as usize) else {
            return;
        };
        let run = usize::from(n.len).saturating_sub(INLINE_LEVELS);
        if run == 0 {
            return;
        }
        if self.free_high.len() < run {
            self.free_high.resize_with(run, Vec::new);
        }
        if let Some(list) = self.free_high.get_mut(run - 1) {
            list.push(n.high);
        }
    }

    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            // xorshift64*: plenty for level choice.
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
            // p = 1/4, as ZSKIPLIST_P.
            if r & 0xFFFF < 0x4000 && level < MAX_LEVEL {
                level += 1;
            } else {
                return level;
            }
        }
    }

    fn alloc(&mut self, node: Node) -> u32 {
        if let Some(i) = self.free.pop()
            && let Some(slot) = self.nodes.get_mut(i as usize)
        {
            *slot = node;
            return i;
        }
        self.nodes.push(node);
        u32::try_from(self.nodes.len() - 1).unwrap_or(NIL)
    }

    /// Inserts a pair that is not present (the caller checks the member is new).
    pub fn insert(&mut self, score: f64, ele: CompactBytes) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = self.node(f);
                if cmp_pair(n.score, &n.ele, score, &ele) == Ordering::Less {
                    rank[i] += self.span(x, i);
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = self.random_level();
        let len32 = u32::try_from(self.len).unwrap_or(u32::MAX);
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.set_level(HEAD, i, NIL, len32);
            }
            self.level = level;
        }
        let backward = if update[0] == HEAD { NIL } else { update[0] };
        let high = self.alloc_high(level.saturating_sub(INLINE_LEVELS));
        let new = self.alloc(Node::new(ele, score, backward, level, high));
        for i in 0..level {
            let u = update[i];
            let ufwd = self.fwd(u, i);
            let uspan = self.span(u, i);
            let dist = rank[0].saturating_sub(rank[i]);
            self.set_level(new, i, ufwd, uspan.saturating_sub(dist));
            self.set_level(u, i, new, dist.saturating_add(1));
        }
        let top = self.level;
        for (i, &u) in update.iter().enumerate().take(top).skip(level) {
            let (f, s) = (self.fwd(u, i), self.span(u, i));
            self.set_level(u, i, f, s.saturating_add(1));
        }
        let next = self.fwd(new, 0);
        if next == NIL {
            self.tail = new;
        } else if let Some(n) = self.node_mut(next) {
            n.backward = new;
        }
        self.len += 1;
    }

    /// Finds the update vector for (score, ele): the last node before it at each level.
    fn find_update(&self, score: f64, ele: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = self.node(f);
                if cmp_pair(n.score, &n.ele, score, ele) == Ordering::Less {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let (uf, us) = (self.fwd(u, i), self.span(u, i));
            if uf == x {
                let (xf, xs) = (self.fwd(x, i), self.span(x, i));
                self.set_level(u, i, xf, (us + xs).saturating_sub(1));
            } else {
                self.set_level(u, i, uf, us.saturating_sub(1));
            }
        }
        let next = self.fwd(x, 0);
        let back = self.node(x).backward;
        if next == NIL {
            self.tail = back;
        } else if let Some(n) = self.node_mut(next) {
            n.backward = back;
        }
        while self.level > 1 && self.fwd(HEAD, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        self.free_high_of(x);
        if let Some(n) = self.node_mut(x) {
            n.ele = CompactBytes::new();
            n.len = 0;
        }
        self.free.push(x);
        if self.len == 0 {
            // Give the arena back when the list empties (the header keeps its run at 0).
            self.nodes.truncate(1);
            self.free.clear();
            self.high.truncate(MAX_LEVEL - INLINE_LEVELS);
            self.free_high.clear();
        }
    }

    /// Removes (score, ele) if present; returns whether it was.
    pub fn delete(&mut self, score: f64, ele: &[u8]) -> bool {
        let update = self.find_update(score, ele);
        let x = self.fwd(update[0], 0);
        if x == NIL {
            return false;
        }
        let n = self.node(x);
        if n.score == score && n.ele.as_slice() == ele {
            self.unlink(x, &update);
            true
        } else {
            false
        }
    }

    /// Changes the score of `ele` from `cur` to `new` (the pair must be present).
    pub fn update_score(&mut self, cur: f64, ele: &[u8], new: f64) {
        let update = self.find_update(cur, ele);
        let x = self.fwd(update[0], 0);
        if x == NIL || self.node(x).ele.as_slice() != ele {
            return;
        }
        let back = self.node(x).backward;
        let next = self.fwd(x, 0);
        let back_ok = back == NIL || {
            let b = self.node(back);
            cmp_pair(b.score, &b.ele, new, ele) == Ordering::Less
        };
        let next_ok = next == NIL || {
            let n = self.node(next);
            cmp_pair(n.score, &n.ele, new, ele) == Ordering::Greater
        };
        if back_ok && next_ok {
            if let Some(n) = self.node_mut(x) {
                n.score = new;
            }
            return;
        }
        let ele = self.node(x).ele.clone();
        self.unlink(x, &update);
        self.insert(new, ele);
    }

    /// The number of leading elements for which `before` holds (it must be monotone: true for
    /// a prefix of the order, then false).
    pub fn count_while(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        self.last_while(before).0
    }

    /// The last node for which `before` holds (the header if none) and its 1-based rank.
    fn last_while(&self, before: impl Fn(f64, &[u8]) -> bool) -> (usize, u32) {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = self.node(f);
                if before(n.score, &n.ele) {
                    rank += self.span(x, i) as usize;
                    x = f;
                } else {
                    break;
                }
            }
        }
        (rank, x)
    }

    /// The 0-based rank of (score, ele), if present: one descent, as Redis's zslGetRank.
    pub fn rank(&self, score: f64, ele: &[u8]) -> Option<usize> {
        let (r, x) = self.last_while(|s, e| cmp_pair(s, e, score, ele) == Ordering::Less);
        let next = self.fwd(x, 0);
        if next == NIL {
            return None;
        }
        let n = self.node(next);
        (n.score == score && n.ele.as_slice() == ele).then_some(r)
    }

    /// The node index at 0-based rank `r`.
    fn at(&self, r: usize) -> Option<u32> {
        if r >= self.len {
            return None;
        }
        let target = r + 1;
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                let s = self.span(x, i) as usize;
                if f != NIL && traversed + s <= target {
                    traversed += s;
                    x = f;
                } else {
                    break;
                }
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// The element at 0-based rank `r`.
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        let x = self.at(r)?;
        let n = self.node(x);
        Some((n.ele.as_slice(), n.score))
    }

    /// Iterates from rank `r` ascending (or descending when `rev`).
    pub fn iter_from(&self, r: usize, rev: bool) -> SkipIter<'_> {
        SkipIter {
            list: self,
            cur: self.at(r).unwrap_or(NIL),
            rev,
        }
    }

    /// Removes the element at 0-based rank `r`, returning its member.
    pub fn remove_at(&mut self, r: usize) -> Option<(CompactBytes, f64)> {
        let x = self.at(r)?;
        let n = self.node(x);
        let (score, ele) = (n.score, n.ele.clone());
        let update = self.find_update(score, &ele);
        self.unlink(x, &update);
        Some((ele, score))
    }
}

/// An iterator over a skiplist from some rank, in either direction.
pub struct SkipIter<'a> {
    list: &'a SkipList,
    cur: u32,
    rev: bool,
}

impl<'a> Iterator for SkipIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.cur == NIL || self.cur == HEAD {
            return None;
        }
        let n = self.list.node(self.cur);
        self.cur = if self.rev {
            n.backward
        } else {
            n.inline[0].forward
        };
        Some((n.ele.as_slice(), n.score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(l: &SkipList, want: &[(f64, &str)]) {
        let got: Vec<(f64, Vec<u8>)> = l
            .iter_from(0, false)
            .map(|(e, s)| (s, e.to_vec()))
            .collect();
        let w: Vec<(f64, Vec<u8>)> = want
            .iter()
            .map(|(s, e)| (*s, e.as_bytes().to_vec()))
            .collect();
        assert_eq!(got, w);
        let mut rev: Vec<(f64, Vec<u8>)> = if l.is_empty() {
            vec![]
        } else {
            l.iter_from(l.len() - 1, true)
                .map(|(e, s)| (s, e.to_vec()))
                .collect()
        };
        rev.reverse();
        assert_eq!(rev, w);
        for (i, (s, e)) in want.iter().enumerate() {
            assert_eq!(l.rank(*s, e.as_bytes()), Some(i));
            assert_eq!(l.get(i), Some((e.as_bytes(), *s)));
        }
    }

    #[test]
    fn a_node_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Node>(), 64);
        assert_eq!(std::mem::align_of::<Node>(), 64);
    }

    #[test]
    fn freed_high_level_runs_are_reused() {
        let mut l = SkipList::new();
        for round in 0..5 {
            for i in 0..2000u32 {
                l.insert(f64::from(i), CompactBytes::from(format!("m{i}").as_str()));
            }
            let pool = l.high.len();
            for i in (0..2000u32).step_by(2) {
                assert!(l.delete(f64::from(i), format!("m{i}").as_bytes()));
            }
            for i in (0..2000u32).step_by(2) {
                l.insert(f64::from(i), CompactBytes::from(format!("m{i}").as_str()));
            }
            // Re-inserting as many nodes mostly reuses freed runs (levels are random, so allow
            // some growth), and the order is intact.
            assert!(l.high.len() < pool + pool / 2 + 64, "round {round}");
            assert_eq!(l.len(), 2000);
            assert!(
                l.iter_from(0, false)
                    .map(|(_, s)| s)
                    .eq((0..2000).map(f64::from))
            );
            while !l.is_empty() {
                l.remove_at(l.len() - 1);
            }
            assert_eq!(l.high.len(), MAX_LEVEL - INLINE_LEVELS);
        }
    }

    #[test]
    fn insert_delete_rank() {
        let mut l = SkipList::new();
        let mut model: Vec<(f64, String)> = Vec::new();
        for i in 0..300u32 {
            let s = f64::from((i * 7919) % 53);
            let e = format!("m{i}");
            l.insert(s, CompactBytes::from(e.as_str()));
            model.push((s, e));
        }
        model.sort_by(|a, b| cmp_pair(a.0, a.1.as_bytes(), b.0, b.1.as_bytes()));
        let m: Vec<(f64, &str)> = model.iter().map(|(s, e)| (*s, e.as_str())).collect();
        check(&l, &m);
        for i in (0..300u32).step_by(3) {
            let s = f64::from((i * 7919) % 53);
            assert!(l.delete(s, format!("m{i}").as_bytes()));
            model.retain(|(_, e)| *e != format!("m{i}"));
        }
        let m: Vec<(f64, &str)> = model.iter().map(|(s, e)| (*s, e.as_str())).collect();
        check(&l, &m);
        l.update_score(f64::from(7919u32 % 53), b"m1", 1000.0);
        assert_eq!(l.get(l.len() - 1), Some((&b"m1"[..], 1000.0)));
        while !l.is_empty() {
            l.remove_at(0);
        }
        check(&l, &[]);
        assert_eq!(l.count_while(|_, _| true), 0);
    }
}
