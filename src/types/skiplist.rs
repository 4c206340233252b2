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

/// A node's level links. With p = 1/4, 94% of nodes have at most two levels: those live inline
/// in the node (no allocation, and the bottom of every search stays in the node's cache line);
/// taller nodes keep the rest in `more`.
#[derive(Debug, Clone, PartialEq)]
struct Levels {
    inline: [Level; 2],
    more: Vec<Level>,
    len: u8,
}

impl Levels {
    fn new(n: usize) -> Levels {
        let n = n.min(MAX_LEVEL);
        Levels {
            inline: [NO_LEVEL; 2],
            more: vec![NO_LEVEL; n.saturating_sub(2)],
            // MAX_LEVEL is 32, so the count fits a byte.
            len: n as u8,
        }
    }

    fn get(&self, i: usize) -> Option<&Level> {
        if i >= usize::from(self.len) {
            None
        } else if i < 2 {
            self.inline.get(i)
        } else {
            self.more.get(i - 2)
        }
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut Level> {
        if i >= usize::from(self.len) {
            None
        } else if i < 2 {
            self.inline.get_mut(i)
        } else {
            self.more.get_mut(i - 2)
        }
    }

    fn first(&self) -> Option<&Level> {
        self.get(0)
    }

    fn heap_bytes(&self) -> usize {
        self.more.capacity() * std::mem::size_of::<Level>()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    ele: CompactBytes,
    score: f64,
    backward: u32,
    levels: Levels,
}

/// A skiplist of (member, score) ordered by score then member, with O(log n) rank queries.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
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
            nodes: vec![Node {
                ele: CompactBytes::new(),
                score: 0.0,
                backward: NIL,
                levels: Levels::new(MAX_LEVEL),
            }],
            free: Vec::new(),
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
        let levels: usize = self
            .nodes
            .iter()
            .map(|n| n.levels.heap_bytes() + n.ele.heap_size())
            .sum();
        self.nodes.capacity() * per_node + levels + self.free.capacity() * 4
    }

    fn node(&self, i: u32) -> &Node {
        // Indices come from our own links, which always name live slots; fall back to the
        // header rather than panic if that invariant were ever broken.
        self.nodes.get(i as usize).unwrap_or(&self.nodes[0])
    }

    fn node_mut(&mut self, i: u32) -> Option<&mut Node> {
        self.nodes.get_mut(i as usize)
    }

    fn fwd(&self, i: u32, lvl: usize) -> u32 {
        self.node(i).levels.get(lvl).map_or(NIL, |l| l.forward)
    }

    fn span(&self, i: u32, lvl: usize) -> u32 {
        self.node(i).levels.get(lvl).map_or(0, |l| l.span)
    }

    fn set_level(&mut self, i: u32, lvl: usize, forward: u32, span: u32) {
        if let Some(l) = self.node_mut(i).and_then(|n| n.levels.get_mut(lvl)) {
            l.forward = forward;
            l.span = span;
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
        let new = self.alloc(Node {
            ele,
            score,
            backward,
            levels: Levels::new(level),
        });
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
        if let Some(n) = self.node_mut(x) {
            n.ele = CompactBytes::new();
            n.levels = Levels::new(0);
        }
        self.free.push(x);
        if self.len == 0 {
            // Give the arena back when the list empties.
            self.nodes.truncate(1);
            self.free.clear();
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
        rank
    }

    /// The 0-based rank of (score, ele), if present.
    pub fn rank(&self, score: f64, ele: &[u8]) -> Option<usize> {
        let r = self.count_while(|s, e| cmp_pair(s, e, score, ele) == Ordering::Less);
        let x = self.at(r)?;
        let n = self.node(x);
        (n.ele.as_slice() == ele).then_some(r)
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
            n.levels.first().map_or(NIL, |l| l.forward)
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
