//! `RankTree`: the ordered half of a sorted set's "skiplist" encoding (the name Redis reports),
//! built as a counted B+tree rather than a skiplist.
//!
//! Elements are ordered by (score, member bytes). Why a tree: a skiplist search in a large set
//! visits about 4 * log4(n) nodes scattered in memory, one cache miss each (about 40 at 1 M
//! members), and a ZADD that moves a member searches twice. A B+tree with 32-way nodes touches
//! log32(n) nodes (4 at 1 M, the upper ones hot in cache) and a few cache lines of binary search
//! in each, and it stores an element in 32 bytes (score + inline member) instead of a node with
//! links. Every operation the skiplist offered keeps its bound: insert, delete, rank of an
//! element, element at a rank and the count of a monotone prefix are O(log n); iteration from a
//! rank in either direction is O(1) per element through the doubly linked leaves.
//!
//! Representation: nodes live in an arena (`Vec<Node>`) and refer to each other by `u32` index;
//! freed slots go on a free list. A leaf holds up to `LEAF_MAX` elements as two parallel vectors
//! (scores, so a binary search reads a dense array of doubles, and members). An inner node holds
//! up to `INNER_MAX` children, the number of elements under each, and one separator per child
//! after the first.
//!
//! Invariants:
//! - Every leaf is non-empty and sorted; following `next` from `head` visits every leaf once in
//!   key order, and `prev` is the exact reverse (ending at `NIL`).
//! - In an inner node `children.len() == counts.len() == seps.len() + 1 >= 1`, and
//!   `counts[i]` is the number of elements under `children[i]`.
//! - Separator `seps[i]` splits the children: every key under `children[..=i]` is below it and
//!   every key under `children[i + 1..]` is at or above it. (A deletion may remove the element a
//!   separator was copied from; the bounds still hold.)
//! - A (score, member) pair appears at most once; the caller (the zset) guarantees that members
//!   are unique and scores are never NaN.

use std::cmp::Ordering;

use crate::util::cbytes::CompactBytes;

/// The "no node" index.
const NIL: u32 = u32::MAX;
/// Most elements in a leaf; a leaf that would hold more splits in two.
const LEAF_MAX: usize = 32;
/// Most children of an inner node.
const INNER_MAX: usize = 32;

/// Orders (score, member) pairs as the tree does.
pub fn cmp_pair(s1: f64, e1: &[u8], s2: f64, e2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => e1.cmp(e2),
        Some(o) => o,
    }
}

/// Binary search over parallel (score, member) arrays sorted by pair: the number of leading
/// pairs for which the monotone `before` holds.
fn partition(
    scores: &[f64],
    members: &[CompactBytes],
    before: impl Fn(f64, &[u8]) -> bool,
) -> usize {
    let (mut lo, mut hi) = (0, scores.len().min(members.len()));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let holds = match (scores.get(mid), members.get(mid)) {
            (Some(&s), Some(e)) => before(s, e),
            _ => false,
        };
        if holds {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[derive(Debug, Clone, PartialEq)]
struct Leaf {
    scores: Vec<f64>,
    members: Vec<CompactBytes>,
    prev: u32,
    next: u32,
}

impl Leaf {
    fn empty() -> Leaf {
        Leaf {
            scores: Vec::with_capacity(LEAF_MAX + 1),
            members: Vec::with_capacity(LEAF_MAX + 1),
            prev: NIL,
            next: NIL,
        }
    }

    fn len(&self) -> usize {
        self.scores.len()
    }

    /// The first position whose element is not below (score, ele).
    fn lower_bound(&self, score: f64, ele: &[u8]) -> usize {
        self.partition(|s, e| cmp_pair(s, e, score, ele) == Ordering::Less)
    }

    /// The number of leading elements for which `before` holds.
    fn partition(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        partition(&self.scores, &self.members, before)
    }

    fn heap_size(&self) -> usize {
        let members: usize = self.members.iter().map(CompactBytes::heap_size).sum();
        self.scores.capacity() * 8
            + self.members.capacity() * std::mem::size_of::<CompactBytes>()
            + members
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    children: Vec<u32>,
    counts: Vec<usize>,
    sep_scores: Vec<f64>,
    sep_members: Vec<CompactBytes>,
}

impl Inner {
    /// The child to descend into for key (score, ele): the number of separators at or below it.
    fn child_for(&self, score: f64, ele: &[u8]) -> usize {
        self.partition(|s, e| cmp_pair(s, e, score, ele) != Ordering::Greater)
    }

    /// The number of leading separators for which `before` holds.
    fn partition(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        partition(&self.sep_scores, &self.sep_members, before)
    }

    fn heap_size(&self) -> usize {
        let members: usize = self.sep_members.iter().map(CompactBytes::heap_size).sum();
        self.children.capacity() * 4
            + self.counts.capacity() * 8
            + self.sep_scores.capacity() * 8
            + self.sep_members.capacity() * std::mem::size_of::<CompactBytes>()
            + members
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Leaf(Leaf),
    Inner(Inner),
    Free,
}

/// A sorted sequence of (member, score) ordered by score then member, with O(log n) ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct RankTree {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    head: u32,
    tail: u32,
    len: usize,
}

impl Default for RankTree {
    fn default() -> Self {
        RankTree::new()
    }
}

/// One step of a root-to-leaf path: the inner node and the child taken.
type Step = (u32, usize);

impl RankTree {
    /// An empty tree.
    pub fn new() -> RankTree {
        RankTree {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes owned: node slots, element and separator arrays, long members.
    pub fn heap_size(&self) -> usize {
        let inside: usize = self
            .nodes
            .iter()
            .map(|n| match n {
                Node::Leaf(l) => l.heap_size(),
                Node::Inner(i) => i.heap_size(),
                Node::Free => 0,
            })
            .sum();
        self.nodes.capacity() * std::mem::size_of::<Node>() + inside + self.free.capacity() * 4
    }

    fn leaf(&self, i: u32) -> Option<&Leaf> {
        match self.nodes.get(i as usize) {
            Some(Node::Leaf(l)) => Some(l),
            _ => None,
        }
    }

    fn leaf_mut(&mut self, i: u32) -> Option<&mut Leaf> {
        match self.nodes.get_mut(i as usize) {
            Some(Node::Leaf(l)) => Some(l),
            _ => None,
        }
    }

    fn inner_mut(&mut self, i: u32) -> Option<&mut Inner> {
        match self.nodes.get_mut(i as usize) {
            Some(Node::Inner(n)) => Some(n),
            _ => None,
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

    fn release(&mut self, i: u32) {
        if let Some(slot) = self.nodes.get_mut(i as usize) {
            *slot = Node::Free;
            self.free.push(i);
        }
    }

    /// Descends to the leaf where key (score, ele) belongs, recording the path.
    fn descend(&self, score: f64, ele: &[u8], path: &mut Vec<Step>) -> u32 {
        let mut x = self.root;
        while let Some(Node::Inner(n)) = self.nodes.get(x as usize) {
            let c = n.child_for(score, ele);
            path.push((x, c));
            x = n.children.get(c).copied().unwrap_or(NIL);
        }
        x
    }

    /// Adds `delta` (+1 or -1) to the counts along `path`.
    fn adjust_counts(&mut self, path: &[Step], grow: bool) {
        for &(x, c) in path {
            if let Some(count) = self.inner_mut(x).and_then(|n| n.counts.get_mut(c)) {
                *count = if grow {
                    count.saturating_add(1)
                } else {
                    count.saturating_sub(1)
                };
            }
        }
    }

    /// Inserts a pair that is not present (the caller checks the member is new).
    pub fn insert(&mut self, score: f64, ele: CompactBytes) {
        if self.root == NIL {
            let mut leaf = Leaf::empty();
            leaf.scores.push(score);
            leaf.members.push(ele);
            let i = self.alloc(Node::Leaf(leaf));
            (self.root, self.head, self.tail, self.len) = (i, i, i, 1);
            return;
        }
        let mut path = Vec::with_capacity(8);
        let x = self.descend(score, &ele, &mut path);
        let Some(leaf) = self.leaf_mut(x) else {
            return;
        };
        let at = leaf.lower_bound(score, &ele);
        leaf.scores.insert(at, score);
        leaf.members.insert(at, ele);
        let full = leaf.len() > LEAF_MAX;
        self.len += 1;
        self.adjust_counts(&path, true);
        if full {
            self.split_leaf(x, &path);
        }
    }

    /// Splits an over-full leaf in two and hangs the new half on its parent.
    fn split_leaf(&mut self, x: u32, path: &[Step]) {
        let Some(leaf) = self.leaf_mut(x) else {
            return;
        };
        let half = leaf.len() / 2;
        let mut right = Leaf::empty();
        right.scores.extend(leaf.scores.drain(half..));
        right.members.extend(leaf.members.drain(half..));
        let (left_len, right_len) = (leaf.len(), right.len());
        let old_next = leaf.next;
        right.prev = x;
        right.next = old_next;
        let sep = match (right.scores.first(), right.members.first()) {
            (Some(&s), Some(m)) => (s, m.clone()),
            _ => return,
        };
        let r = self.alloc(Node::Leaf(right));
        if let Some(l) = self.leaf_mut(x) {
            l.next = r;
        }
        match self.leaf_mut(old_next) {
            Some(n) => n.prev = r,
            None => self.tail = r,
        }
        self.hang(x, r, left_len, right_len, sep, path);
    }

    /// After node `x` split into `x` (holding `left`) and `r` (holding `right`), inserts `r` with
    /// separator `sep` into the parent at the end of `path`, splitting upward as needed.
    fn hang(
        &mut self,
        x: u32,
        r: u32,
        left: usize,
        right: usize,
        sep: (f64, CompactBytes),
        path: &[Step],
    ) {
        let Some((&(p, c), up)) = path.split_last() else {
            // `x` was the root: a new root above both halves.
            let root = Inner {
                children: vec![x, r],
                counts: vec![left, right],
                sep_scores: vec![sep.0],
                sep_members: vec![sep.1],
            };
            self.root = self.alloc(Node::Inner(root));
            return;
        };
        let Some(n) = self.inner_mut(p) else {
            return;
        };
        if let Some(count) = n.counts.get_mut(c) {
            *count = left;
        }
        n.children.insert(c + 1, r);
        n.counts.insert(c + 1, right);
        n.sep_scores.insert(c, sep.0);
        n.sep_members.insert(c, sep.1);
        if n.children.len() <= INNER_MAX {
            return;
        }
        // Split the inner node: the middle separator moves up.
        let half = n.children.len() / 2;
        let right_node = Inner {
            children: n.children.split_off(half),
            counts: n.counts.split_off(half),
            sep_scores: n.sep_scores.split_off(half),
            sep_members: n.sep_members.split_off(half),
        };
        let (Some(up_score), Some(up_member)) = (n.sep_scores.pop(), n.sep_members.pop()) else {
            return;
        };
        let left_total: usize = n.counts.iter().sum();
        let right_total: usize = right_node.counts.iter().sum();
        let pr = self.alloc(Node::Inner(right_node));
        self.hang(p, pr, left_total, right_total, (up_score, up_member), up);
    }

    /// Removes (score, ele) if present; returns whether it was.
    pub fn delete(&mut self, score: f64, ele: &[u8]) -> bool {
        if self.root == NIL {
            return false;
        }
        let mut path = Vec::with_capacity(8);
        let x = self.descend(score, ele, &mut path);
        let Some(leaf) = self.leaf_mut(x) else {
            return false;
        };
        let at = leaf.lower_bound(score, ele);
        let found = leaf.scores.get(at) == Some(&score)
            && leaf.members.get(at).is_some_and(|m| m.as_slice() == ele);
        if !found {
            return false;
        }
        leaf.scores.remove(at);
        leaf.members.remove(at);
        self.len -= 1;
        self.adjust_counts(&path, false);
        self.rebalance(x, &path);
        true
    }

    /// Changes the score of `ele` from `cur` to `new` (the pair must be present).
    pub fn update_score(&mut self, cur: f64, ele: &[u8], new: f64) {
        // Fast path: the element stays in place when its neighbours still bracket it.
        let mut path = Vec::with_capacity(8);
        if self.root == NIL {
            return;
        }
        let x = self.descend(cur, ele, &mut path);
        if let Some(leaf) = self.leaf_mut(x) {
            let at = leaf.lower_bound(cur, ele);
            let present = leaf.scores.get(at) == Some(&cur)
                && leaf.members.get(at).is_some_and(|m| m.as_slice() == ele);
            if !present {
                return;
            }
            let after_prev = at == 0
                || match (leaf.scores.get(at - 1), leaf.members.get(at - 1)) {
                    (Some(&s), Some(m)) => cmp_pair(s, m, new, ele) == Ordering::Less,
                    _ => false,
                };
            let before_next = at + 1 < leaf.len()
                && match (leaf.scores.get(at + 1), leaf.members.get(at + 1)) {
                    (Some(&s), Some(m)) => cmp_pair(s, m, new, ele) == Ordering::Greater,
                    _ => false,
                };
            // Interior moves within the leaf only: the separators above still bound it.
            if at > 0 && after_prev && before_next {
                if let Some(s) = leaf.scores.get_mut(at) {
                    *s = new;
                }
                return;
            }
        }
        let member = CompactBytes::from(ele);
        if self.delete(cur, ele) {
            self.insert(new, member);
        }
    }

    /// Restores the shape after a removal from leaf `x`: drops an empty leaf, merges a small
    /// one into a sibling, and shrinks the root.
    fn rebalance(&mut self, x: u32, path: &[Step]) {
        let len = self.leaf(x).map_or(0, Leaf::len);
        if len == 0 {
            self.unlink_leaf(x);
            self.release(x);
            self.remove_child(path);
        } else if len < LEAF_MAX / 4 {
            self.try_merge_leaf(path);
        }
        self.shrink_root();
    }

    fn unlink_leaf(&mut self, x: u32) {
        let (prev, next) = match self.leaf(x) {
            Some(l) => (l.prev, l.next),
            None => return,
        };
        match self.leaf_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.leaf_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
    }

    /// Removes the child at the end of `path` from its parent (the child is already freed),
    /// removing parents that become empty in turn.
    fn remove_child(&mut self, path: &[Step]) {
        let Some((&(p, c), up)) = path.split_last() else {
            // The root leaf emptied: the tree is empty.
            self.root = NIL;
            self.head = NIL;
            self.tail = NIL;
            self.nodes.clear();
            self.free.clear();
            return;
        };
        let Some(n) = self.inner_mut(p) else {
            return;
        };
        if c < n.children.len() {
            n.children.remove(c);
            n.counts.remove(c);
            // The separator between the removed child and a neighbour goes with it.
            let s = c
                .saturating_sub(1)
                .min(n.sep_scores.len().saturating_sub(1));
            if s < n.sep_scores.len() {
                n.sep_scores.remove(s);
                n.sep_members.remove(s);
            }
        }
        if n.children.is_empty() {
            self.release(p);
            self.remove_child(up);
        }
    }

    /// Merges the leaf at the end of `path` with its right sibling (or left, for a last child)
    /// when both fit comfortably in one.
    fn try_merge_leaf(&mut self, path: &[Step]) {
        let Some(&(p, c)) = path.last() else {
            return;
        };
        let Some(Node::Inner(n)) = self.nodes.get(p as usize) else {
            return;
        };
        // Merge the pair (left, right) = children (k, k + 1) that contains `x`.
        let k = if c + 1 < n.children.len() {
            c
        } else if c > 0 {
            c - 1
        } else {
            return;
        };
        let (Some(&l), Some(&r)) = (n.children.get(k), n.children.get(k + 1)) else {
            return;
        };
        let total = self
            .leaf(l)
            .map_or(usize::MAX, Leaf::len)
            .saturating_add(self.leaf(r).map_or(0, Leaf::len));
        if total > LEAF_MAX * 3 / 4 {
            return;
        }
        let Some(Node::Leaf(right)) = self
            .nodes
            .get_mut(r as usize)
            .map(|n| std::mem::replace(n, Node::Free))
        else {
            return;
        };
        let next = right.next;
        if let Some(left) = self.leaf_mut(l) {
            left.scores.extend(right.scores);
            left.members.extend(right.members);
            left.next = next;
        }
        match self.leaf_mut(next) {
            Some(nx) => nx.prev = l,
            None => self.tail = l,
        }
        self.free.push(r);
        if let Some(n) = self.inner_mut(p) {
            let moved = n.counts.get(k + 1).copied().unwrap_or(0);
            if let Some(cnt) = n.counts.get_mut(k) {
                *cnt += moved;
            }
            if k + 1 < n.children.len() {
                n.children.remove(k + 1);
                n.counts.remove(k + 1);
            }
            if k < n.sep_scores.len() {
                n.sep_scores.remove(k);
                n.sep_members.remove(k);
            }
        }
        self.try_merge_inner(path.split_last().map_or(&[][..], |(_, up)| up), p);
    }

    /// Merges inner node `x` (at the end of `path`'s parent step) with a sibling when both fit.
    fn try_merge_inner(&mut self, path: &[Step], x: u32) {
        let small = match self.nodes.get(x as usize) {
            Some(Node::Inner(n)) => n.children.len() < INNER_MAX / 4,
            _ => false,
        };
        let Some(&(p, c)) = path.last() else {
            return;
        };
        if !small {
            return;
        }
        let Some(Node::Inner(n)) = self.nodes.get(p as usize) else {
            return;
        };
        let k = if c + 1 < n.children.len() {
            c
        } else if c > 0 {
            c - 1
        } else {
            return;
        };
        let (Some(&l), Some(&r)) = (n.children.get(k), n.children.get(k + 1)) else {
            return;
        };
        let (Some(sep_s), Some(sep_m)) = (n.sep_scores.get(k).copied(), n.sep_members.get(k))
        else {
            return;
        };
        let sep_m = sep_m.clone();
        let width = |t: &RankTree, i: u32| match t.nodes.get(i as usize) {
            Some(Node::Inner(n)) => n.children.len(),
            _ => usize::MAX / 2,
        };
        if width(self, l) + width(self, r) > INNER_MAX * 3 / 4 {
            return;
        }
        let Some(Node::Inner(right)) = self
            .nodes
            .get_mut(r as usize)
            .map(|n| std::mem::replace(n, Node::Free))
        else {
            return;
        };
        if let Some(left) = self.inner_mut(l) {
            // The parent's separator between them comes down between their children.
            left.sep_scores.push(sep_s);
            left.sep_members.push(sep_m);
            left.sep_scores.extend(right.sep_scores);
            left.sep_members.extend(right.sep_members);
            left.children.extend(right.children);
            left.counts.extend(right.counts);
        }
        self.free.push(r);
        if let Some(n) = self.inner_mut(p) {
            let moved = n.counts.get(k + 1).copied().unwrap_or(0);
            if let Some(cnt) = n.counts.get_mut(k) {
                *cnt += moved;
            }
            n.children.remove(k + 1);
            n.counts.remove(k + 1);
            n.sep_scores.remove(k);
            n.sep_members.remove(k);
        }
        self.try_merge_inner(path.split_last().map_or(&[][..], |(_, up)| up), p);
    }

    /// Replaces an inner root with a single child by that child.
    fn shrink_root(&mut self) {
        while let Some(Node::Inner(n)) = self.nodes.get(self.root as usize) {
            if n.children.len() != 1 {
                break;
            }
            let child = n.children.first().copied().unwrap_or(NIL);
            let old = self.root;
            self.root = child;
            self.release(old);
        }
    }

    /// The number of leading elements for which `before` holds (it must be monotone: true for
    /// a prefix of the order, then false).
    pub fn count_while(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        self.position_while(&before).0
    }

    /// The count of leading elements for which `before` holds, the leaf where that prefix
    /// ends and the position in it.
    fn position_while(&self, before: &impl Fn(f64, &[u8]) -> bool) -> (usize, u32, usize) {
        let mut x = self.root;
        let mut rank = 0usize;
        loop {
            match self.nodes.get(x as usize) {
                Some(Node::Inner(n)) => {
                    let c = n.partition(before);
                    rank += n.counts.iter().take(c).sum::<usize>();
                    x = n.children.get(c).copied().unwrap_or(NIL);
                }
                Some(Node::Leaf(l)) => {
                    let p = l.partition(before);
                    return (rank + p, x, p);
                }
                _ => return (rank, NIL, 0),
            }
        }
    }

    /// The 0-based rank of (score, ele), if present: one descent.
    pub fn rank(&self, score: f64, ele: &[u8]) -> Option<usize> {
        let (r, x, p) = self.position_while(&|s, e| cmp_pair(s, e, score, ele) == Ordering::Less);
        let leaf = self.leaf(x)?;
        let (s, m) = if p < leaf.len() {
            (leaf.scores.get(p)?, leaf.members.get(p)?)
        } else {
            let next = self.leaf(leaf.next)?;
            (next.scores.first()?, next.members.first()?)
        };
        (*s == score && m.as_slice() == ele).then_some(r)
    }

    /// The leaf and position holding 0-based rank `r`, with the path to it.
    fn at(&self, mut r: usize, path: Option<&mut Vec<Step>>) -> Option<(u32, usize)> {
        if r >= self.len {
            return None;
        }
        let mut path = path;
        let mut x = self.root;
        loop {
            match self.nodes.get(x as usize)? {
                Node::Inner(n) => {
                    let mut c = 0;
                    for &cnt in &n.counts {
                        if r < cnt {
                            break;
                        }
                        r -= cnt;
                        c += 1;
                    }
                    if let Some(p) = path.as_deref_mut() {
                        p.push((x, c));
                    }
                    x = *n.children.get(c)?;
                }
                Node::Leaf(l) => return (r < l.len()).then_some((x, r)),
                Node::Free => return None,
            }
        }
    }

    /// The element at 0-based rank `r`.
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        let (x, p) = self.at(r, None)?;
        let l = self.leaf(x)?;
        Some((l.members.get(p)?.as_slice(), *l.scores.get(p)?))
    }

    /// Iterates from rank `r` ascending (or descending when `rev`).
    pub fn iter_from(&self, r: usize, rev: bool) -> RankIter<'_> {
        let (leaf, pos) = self.at(r, None).unwrap_or((NIL, 0));
        RankIter {
            tree: self,
            leaf,
            pos,
            rev,
        }
    }

    /// Removes the element at 0-based rank `r`, returning its member.
    pub fn remove_at(&mut self, r: usize) -> Option<(CompactBytes, f64)> {
        let mut path = Vec::with_capacity(8);
        let (x, p) = self.at(r, Some(&mut path))?;
        let leaf = self.leaf_mut(x)?;
        if p >= leaf.len() {
            return None;
        }
        let score = leaf.scores.remove(p);
        let ele = leaf.members.remove(p);
        self.len -= 1;
        self.adjust_counts(&path, false);
        self.rebalance(x, &path);
        Some((ele, score))
    }
}

/// An iterator over a tree from some rank, in either direction.
pub struct RankIter<'a> {
    tree: &'a RankTree,
    leaf: u32,
    pos: usize,
    rev: bool,
}

impl<'a> Iterator for RankIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let leaf = self.tree.leaf(self.leaf)?;
        let item = (
            leaf.members.get(self.pos)?.as_slice(),
            *leaf.scores.get(self.pos)?,
        );
        if self.rev {
            if self.pos == 0 {
                self.leaf = leaf.prev;
                self.pos = self
                    .tree
                    .leaf(leaf.prev)
                    .map_or(0, |l| l.len().saturating_sub(1));
            } else {
                self.pos -= 1;
            }
        } else if self.pos + 1 < leaf.len() {
            self.pos += 1;
        } else {
            self.leaf = leaf.next;
            self.pos = 0;
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks every invariant of the header comment and returns the element count.
    fn check_shape(t: &RankTree) {
        if t.root == NIL {
            assert_eq!(t.len, 0);
            assert_eq!((t.head, t.tail), (NIL, NIL));
            return;
        }
        fn walk(t: &RankTree, x: u32, lo: Option<(f64, &[u8])>, hi: Option<(f64, &[u8])>) -> usize {
            match &t.nodes[x as usize] {
                Node::Leaf(l) => {
                    assert!(l.len() > 0 && l.len() <= LEAF_MAX, "leaf size {}", l.len());
                    for i in 0..l.len() {
                        let (s, m) = (l.scores[i], l.members[i].as_slice());
                        if i > 0 {
                            let (ps, pm) = (l.scores[i - 1], l.members[i - 1].as_slice());
                            assert_eq!(cmp_pair(ps, pm, s, m), Ordering::Less);
                        }
                        if let Some((ls, lm)) = lo {
                            assert_ne!(cmp_pair(s, m, ls, lm), Ordering::Less);
                        }
                        if let Some((hs, hm)) = hi {
                            assert_eq!(cmp_pair(s, m, hs, hm), Ordering::Less);
                        }
                    }
                    l.len()
                }
                Node::Inner(n) => {
                    assert!(!n.children.is_empty() && n.children.len() <= INNER_MAX);
                    assert_eq!(n.children.len(), n.counts.len());
                    assert_eq!(n.children.len(), n.sep_scores.len() + 1);
                    assert_eq!(n.sep_scores.len(), n.sep_members.len());
                    let mut total = 0;
                    for (i, &c) in n.children.iter().enumerate() {
                        let l = if i == 0 {
                            lo
                        } else {
                            Some((n.sep_scores[i - 1], n.sep_members[i - 1].as_slice()))
                        };
                        let h = if i == n.sep_scores.len() {
                            hi
                        } else {
                            Some((n.sep_scores[i], n.sep_members[i].as_slice()))
                        };
                        let got = walk(t, c, l, h);
                        assert_eq!(got, n.counts[i]);
                        total += got;
                    }
                    total
                }
                Node::Free => panic!("free node reachable"),
            }
        }
        assert_eq!(walk(t, t.root, None, None), t.len);
        // The leaf chain both ways.
        let mut n = 0;
        let mut x = t.head;
        let mut prev = NIL;
        while x != NIL {
            let l = t.leaf(x).unwrap();
            assert_eq!(l.prev, prev);
            n += l.len();
            prev = x;
            x = l.next;
        }
        assert_eq!(prev, t.tail);
        assert_eq!(n, t.len);
    }

    fn contents(t: &RankTree) -> Vec<(f64, Vec<u8>)> {
        t.iter_from(0, false)
            .map(|(e, s)| (s, e.to_vec()))
            .collect()
    }

    #[test]
    fn grows_and_shrinks_through_many_levels() {
        let mut t = RankTree::new();
        let n = 20_000u32;
        for i in 0..n {
            let s = f64::from((i * 7919) % 1009);
            t.insert(s, CompactBytes::from(format!("m{i}").as_str()));
        }
        check_shape(&t);
        assert_eq!(t.len(), n as usize);
        let all = contents(&t);
        for (r, (s, m)) in all.iter().enumerate().step_by(97) {
            assert_eq!(t.rank(*s, m), Some(r));
            assert_eq!(t.get(r), Some((m.as_slice(), *s)));
        }
        let back: Vec<(f64, Vec<u8>)> = t
            .iter_from(t.len() - 1, true)
            .map(|(e, s)| (s, e.to_vec()))
            .collect();
        assert!(back.iter().rev().eq(all.iter()));
        for i in (0..n).step_by(2) {
            let s = f64::from((i * 7919) % 1009);
            assert!(t.delete(s, format!("m{i}").as_bytes()));
        }
        check_shape(&t);
        while t.len() > 10 {
            let r = t.len() / 3;
            t.remove_at(r).unwrap();
        }
        check_shape(&t);
        while !t.is_empty() {
            t.remove_at(0).unwrap();
        }
        check_shape(&t);
        assert!(t.nodes.is_empty());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u8),
        Delete(u8),
        Update(u8, u8),
        RemoveAt(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u8>(), 0u8..20).prop_map(|(m, s)| Op::Insert(m, s)),
            2 => any::<u8>().prop_map(Op::Delete),
            2 => (any::<u8>(), 0u8..20).prop_map(|(m, s)| Op::Update(m, s)),
            1 => any::<u16>().prop_map(Op::RemoveAt),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_sorted_model(ops in proptest::collection::vec(op(), 1..1500)) {
            let mut t = RankTree::new();
            let mut model: std::collections::BTreeMap<Vec<u8>, f64> = Default::default();
            for o in ops {
                match o {
                    Op::Insert(m, s) => {
                        let m = vec![b'a', m];
                        if let std::collections::btree_map::Entry::Vacant(v) = model.entry(m.clone()) {
                            v.insert(f64::from(s));
                            t.insert(f64::from(s), CompactBytes::from(m.as_slice()));
                        }
                    }
                    Op::Delete(m) => {
                        let m = vec![b'a', m];
                        let want = model.remove(&m);
                        let got = want.map(|s| t.delete(s, &m));
                        prop_assert!(got.unwrap_or(true));
                        prop_assert!(!t.delete(-1.0, &m));
                    }
                    Op::Update(m, s) => {
                        let m = vec![b'a', m];
                        if let Some(cur) = model.get_mut(&m) {
                            t.update_score(*cur, &m, f64::from(s));
                            *cur = f64::from(s);
                        }
                    }
                    Op::RemoveAt(r) => {
                        let r = usize::from(r) % (model.len() + 1);
                        let mut sorted: Vec<(f64, Vec<u8>)> =
                            model.iter().map(|(m, s)| (*s, m.clone())).collect();
                        sorted.sort_by(|a, b| cmp_pair(a.0, &a.1, b.0, &b.1));
                        let got = t.remove_at(r);
                        match sorted.get(r) {
                            Some((s, m)) => {
                                prop_assert_eq!(got.map(|(e, sc)| (sc, e.to_vec())), Some((*s, m.clone())));
                                model.remove(m);
                            }
                            None => prop_assert!(got.is_none()),
                        }
                    }
                }
            }
            check_shape(&t);
            let mut sorted: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
            sorted.sort_by(|a, b| cmp_pair(a.0, &a.1, b.0, &b.1));
            prop_assert_eq!(contents(&t), sorted.clone());
            for (r, (s, m)) in sorted.iter().enumerate() {
                prop_assert_eq!(t.rank(*s, m), Some(r));
                prop_assert_eq!(t.count_while(|ts, te| cmp_pair(ts, te, *s, m) == Ordering::Less), r);
            }
            prop_assert_eq!(t.len(), sorted.len());
        }
    }
}
