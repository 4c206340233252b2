//! The list type: Redis 7.0's quicklist, a sequence of nodes that each hold a run of elements.
//!
//! Representation. A [`List`] is a `VecDeque` of [`Node`]s plus the element count and the two
//! options Redis fixes when it creates a list: `fill` (list-max-listpack-size: a positive value
//! caps the entries of a node, -1..-5 cap its listpack bytes at 4, 8, 16, 32 or 64 KiB) and
//! `depth` (list-compress-depth: how many nodes at each end stay uncompressed). A node is one of
//! - `Packed`: a listpack (`util::listpack`) with one or more elements;
//! - `Lzf`: the same listpack compressed with `util::lzf` (interior nodes only);
//! - `Plain`: one element of `plain_from` bytes or more stored as is (Redis's plain container,
//!   1 GiB by default; the list commands set `plain_from` from the DEBUG
//!   QUICKLIST-PACKED-THRESHOLD knob in `Core` before each insert, since Redis reads a
//!   process-wide value at every insert).
//!
//! Invariants: no node is empty; `len` is the sum of the node counts; nodes within `depth` of
//! either end are never left compressed by an operation (the rest are compressed when an
//! operation touches them, as Redis's `__quicklistCompress` does). A compressed node is expanded
//! into a temporary for reads and in place (then compressed again) for writes, so no result ever
//! depends on which nodes happen to be compressed.
//!
//! Node sizing follows Redis 7.0's quicklist exactly where it is observable (DEBUG OBJECT's
//! `ql_nodes`): a push or insert goes into an existing node when `_quicklistNodeAllowInsert`
//! would allow it (its estimate of the new size: current bytes + element length + 8 bytes of
//! overhead), otherwise into a new node; an insert into the middle of a full node splits it and
//! merges neighbours back when they fit; deletions drop emptied nodes and never merge. Random
//! traces of pushes, inserts, LSET, LREM, LTRIM and pops with several fills and packed
//! thresholds gave the same `ql_nodes` and `ql_uncompressed_size` as Redis 7.0.15 at every step.
//!
//! OBJECT ENCODING is always "quicklist": Redis 7.0 has no single-listpack list encoding (that
//! came with 7.2), so there is no conversion.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::util::listpack::{Listpack, LpValue};
use crate::util::lzf;

/// Byte limits of the negative fill levels -1..-5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest node (bytes) a count-limited (positive fill) node may grow to.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis 7.0's estimate of a new listpack entry's overhead in bytes.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Nodes smaller than this are not worth compressing.
const MIN_COMPRESS_BYTES: usize = 48;
/// Compression must save at least this many bytes to be kept.
const MIN_COMPRESS_IMPROVE: usize = 8;
/// Largest fill Redis accepts (a 16-bit signed field).
const FILL_MAX: i32 = (1 << 15) - 1;
/// Largest compress depth Redis accepts (a 16-bit field).
const COMPRESS_MAX: u32 = (1 << 16) - 1;
/// The default packed threshold: elements of 1 GiB or more get a plain node.
pub const DEFAULT_PACKED_THRESHOLD: u64 = 1 << 30;

/// Which end of a list an operation works at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head (left, index 0).
    Head,
    /// The tail (right, index -1).
    Tail,
}

/// One quicklist node.
#[derive(Debug, Clone)]
enum Node {
    /// A listpack holding one or more elements.
    Packed(Listpack),
    /// A compressed listpack: LZF bytes, the listpack's size and its element count.
    Lzf {
        data: Box<[u8]>,
        raw_len: usize,
        count: usize,
    },
    /// One big element stored as is.
    Plain(Box<[u8]>),
}

impl Node {
    /// A packed node holding `v`.
    fn packed_with(v: &[u8]) -> Node {
        let mut lp = Listpack::new();
        lp.push_back(v);
        Node::Packed(lp)
    }

    /// Elements in the node.
    fn count(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.len(),
            Node::Lzf { count, .. } => *count,
            Node::Plain(_) => 1,
        }
    }

    /// Uncompressed size in bytes (Redis's `node->sz`).
    fn sz(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.bytes(),
            Node::Lzf { raw_len, .. } => *raw_len,
            Node::Plain(b) => b.len(),
        }
    }

    /// Whether this is a plain (single big element) node.
    fn is_plain(&self) -> bool {
        matches!(self, Node::Plain(_))
    }

    /// The node's listpack for reading, expanded into a temporary if compressed. `None` for a
    /// plain node.
    fn view(&self) -> Option<Cow<'_, Listpack>> {
        match self {
            Node::Packed(lp) => Some(Cow::Borrowed(lp)),
            Node::Lzf { data, raw_len, .. } => Some(Cow::Owned(inflate(data, *raw_len))),
            Node::Plain(_) => None,
        }
    }

    /// Expands a compressed node in place.
    fn make_raw(&mut self) {
        if let Node::Lzf { data, raw_len, .. } = self {
            *self = Node::Packed(inflate(data, *raw_len));
        }
    }

    /// The listpack of a packed node, expanding it first if compressed; `None` for plain.
    fn lp_mut(&mut self) -> Option<&mut Listpack> {
        self.make_raw();
        match self {
            Node::Packed(lp) => Some(lp),
            _ => None,
        }
    }

    /// Compresses a packed node if that saves enough (Redis's `__quicklistCompressNode`).
    fn try_compress(&mut self) {
        let Node::Packed(lp) = self else {
            return;
        };
        let raw = lp.as_bytes();
        if raw.len() < MIN_COMPRESS_BYTES {
            return;
        }
        let Some(data) = lzf::compress(raw) else {
            return;
        };
        if data.len() + MIN_COMPRESS_IMPROVE >= raw.len() {
            return;
        }
        let (raw_len, count) = (raw.len(), lp.len());
        *self = Node::Lzf {
            data: data.into_boxed_slice(),
            raw_len,
            count,
        };
    }

    /// Heap bytes owned.
    fn heap_size(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.bytes(),
            Node::Lzf { data, .. } => data.len(),
            Node::Plain(b) => b.len(),
        }
    }
}

/// Decompresses a node's listpack; a corrupt node (never produced here) reads as empty.
fn inflate(data: &[u8], raw_len: usize) -> Listpack {
    lzf::decompress(data, raw_len)
        .and_then(Listpack::from_bytes)
        .unwrap_or_default()
}

/// The bytes of a listpack entry (integers rendered in decimal into `buf`).
fn entry_bytes<'a>(v: &'a LpValue<'a>, buf: &'a mut [u8; 20]) -> &'a [u8] {
    v.to_bytes(buf)
}

/// Whether a node of `fill` may grow to `sz` bytes by the size rule alone.
fn size_meets_optimization(sz: usize, fill: i32) -> bool {
    if fill >= 0 {
        return false;
    }
    let level = usize::try_from(-i64::from(fill) - 1).unwrap_or(usize::MAX);
    OPTIMIZATION_LEVEL.get(level).is_some_and(|&max| sz <= max)
}

/// A list value (Redis 7.0's quicklist).
#[derive(Debug, Clone)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
    depth: u32,
    /// Elements of this many bytes or more get a plain node (DEBUG
    /// QUICKLIST-PACKED-THRESHOLD, process-wide in Redis: commands set it from the server's
    /// knob before each insert).
    plain_from: u64,
}

impl Default for List {
    fn default() -> Self {
        List::new(-2, 0)
    }
}

impl PartialEq for List {
    /// Lists are equal when they hold the same elements in the same order.
    fn eq(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        let (a, b) = (self.to_vec(), other.to_vec());
        a == b
    }
}

impl List {
    /// An empty list with list-max-listpack-size `fill` and list-compress-depth `depth`
    /// (clamped as Redis clamps them).
    pub fn new(fill: i32, depth: u32) -> Self {
        List {
            nodes: VecDeque::new(),
            len: 0,
            fill: fill.clamp(-5, FILL_MAX),
            depth: depth.min(COMPRESS_MAX),
            plain_from: DEFAULT_PACKED_THRESHOLD,
        }
    }

    /// The same list with packed threshold `bytes` (see [`List::set_packed_threshold`]).
    pub fn with_packed_threshold(mut self, bytes: u64) -> Self {
        self.set_packed_threshold(bytes);
        self
    }

    /// Sets the size from which inserted elements get their own plain node (the server's DEBUG
    /// QUICKLIST-PACKED-THRESHOLD knob; 0 means the 1 GiB default).
    pub fn set_packed_threshold(&mut self, bytes: u64) {
        self.plain_from = if bytes == 0 {
            DEFAULT_PACKED_THRESHOLD
        } else {
            bytes
        };
    }

    /// The name OBJECT ENCODING reports (always "quicklist" in Redis 7.0).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Per node, head to tail, the bytes of its element allocation as Redis allocates it: the
    /// listpack, the quicklistLZF (4-byte size + compressed bytes), or the plain element
    /// (MEMORY USAGE).
    pub fn node_entry_sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().map(|n| match n {
            Node::Packed(lp) => lp.bytes(),
            Node::Lzf { data, .. } => 4 + data.len(),
            Node::Plain(b) => b.len(),
        })
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        let nodes: usize = self.nodes.iter().map(Node::heap_size).sum();
        nodes + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Quicklist nodes (DEBUG OBJECT `ql_nodes`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The list-max-listpack-size this list was created with (DEBUG OBJECT `ql_listpack_max`).
    pub fn fill(&self) -> i32 {
        self.fill
    }

    /// The list-compress-depth this list was created with (DEBUG OBJECT `ql_compressed` is
    /// whether it is non-zero).
    pub fn compress_depth(&self) -> u32 {
        self.depth
    }

    /// Sum of the nodes' uncompressed sizes (DEBUG OBJECT `ql_uncompressed_size`).
    pub fn uncompressed_size(&self) -> usize {
        self.nodes.iter().map(Node::sz).sum()
    }

    /// Nodes currently stored compressed.
    pub fn compressed_nodes(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Lzf { .. }))
            .count()
    }

    /// Each node's elements as owned byte strings with whether the node is plain (for RDB and
    /// DEBUG), head first.
    pub fn node_elements(&self) -> Vec<(bool, Vec<Vec<u8>>)> {
        self.nodes
            .iter()
            .map(|n| {
                let mut items = Vec::with_capacity(n.count());
                for_each_in_node(n, 0, false, &mut |e| {
                    items.push(e.to_vec());
                    true
                });
                (n.is_plain(), items)
            })
            .collect()
    }

    /// Whether an element of `sz` bytes gets its own plain node.
    fn is_large(&self, sz: usize) -> bool {
        u64::try_from(sz).map_or(true, |s| s >= self.plain_from)
    }

    /// Redis 7.0's `_quicklistNodeAllowInsert`: may an element of `sz` bytes join `node`?
    fn allow_insert(&self, node: &Node, sz: usize) -> bool {
        if node.is_plain() || self.is_large(sz) {
            return false;
        }
        // Redis 7.0.15 estimates every entry's overhead as SIZE_ESTIMATE_OVERHEAD (8 bytes);
        // a node whose listpack would pass the limit by that estimate gets no more entries
        // (visible in DUMP and RDB node boundaries).
        let new_sz = node
            .sz()
            .saturating_add(sz)
            .saturating_add(SIZE_ESTIMATE_OVERHEAD);
        if size_meets_optimization(new_sz, self.fill) {
            true
        } else if new_sz > SIZE_SAFETY_LIMIT {
            false
        } else {
            i64::try_from(node.count()).unwrap_or(i64::MAX) < i64::from(self.fill)
        }
    }

    /// Redis 7.0's `_quicklistNodeAllowMerge`: may nodes `a` and `b` become one?
    fn allow_merge(&self, a: usize, b: usize) -> bool {
        let (Some(a), Some(b)) = (self.nodes.get(a), self.nodes.get(b)) else {
            return false;
        };
        if a.is_plain() || b.is_plain() {
            return false;
        }
        let merge_sz = (a.sz() + b.sz()).saturating_sub(11);
        if size_meets_optimization(merge_sz, self.fill) {
            true
        } else if merge_sz > SIZE_SAFETY_LIMIT {
            false
        } else {
            i64::try_from(a.count() + b.count()).unwrap_or(i64::MAX) <= i64::from(self.fill)
        }
    }

    /// Redis's `__quicklistCompress`: keeps the `depth` nodes at each end raw and compresses
    /// node `touched` (if interior) and the first interior node at each end.
    fn compress_around(&mut self, touched: Option<usize>) {
        let n = self.nodes.len();
        let d = self.depth as usize;
        if d == 0 || n < d.saturating_mul(2) {
            return;
        }
        let mut in_depth = false;
        for i in 0..d {
            let (f, r) = (i, n - 1 - i);
            if let Some(node) = self.nodes.get_mut(f) {
                node.make_raw();
            }
            if let Some(node) = self.nodes.get_mut(r) {
                node.make_raw();
            }
            if touched == Some(f) || touched == Some(r) {
                in_depth = true;
            }
            if f == r || f + 1 == r {
                return;
            }
        }
        if let Some(node) = touched
            .filter(|_| !in_depth)
            .and_then(|t| self.nodes.get_mut(t))
        {
            node.try_compress();
        }
        if let Some(node) = self.nodes.get_mut(d) {
            node.try_compress();
        }
        if let Some(node) = self.nodes.get_mut(n - 1 - d) {
            node.try_compress();
        }
    }

    /// Finds the node holding element `index` (0-based from the head): (node, offset in node).
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index <= self.len / 2 {
            let mut seen = 0;
            for (i, n) in self.nodes.iter().enumerate() {
                let c = n.count();
                if index < seen + c {
                    return Some((i, index - seen));
                }
                seen += c;
            }
        } else {
            let mut seen = self.len;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                let c = n.count();
                seen -= c;
                if index >= seen {
                    return Some((i, index - seen));
                }
            }
        }
        None
    }

    /// Turns a Redis index (negative counts from the tail) into a position, if in range.
    pub fn resolve(&self, index: i64) -> Option<usize> {
        let len = i64::try_from(self.len).ok()?;
        let i = if index < 0 {
            len.checked_add(index)?
        } else {
            index
        };
        if (0..len).contains(&i) {
            usize::try_from(i).ok()
        } else {
            None
        }
    }

    /// Adds an element at one end (Redis's quicklistPushHead/quicklistPushTail).
    pub fn push(&mut self, end: End, v: &[u8]) {
        let at = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().saturating_sub(1),
        };
        if self.is_large(v.len()) {
            let node = Node::Plain(v.into());
            let idx = match end {
                End::Head => {
                    self.nodes.push_front(node);
                    0
                }
                End::Tail => {
                    self.nodes.push_back(node);
                    self.nodes.len() - 1
                }
            };
            self.len += 1;
            self.compress_around(Some(idx));
            return;
        }
        let fits = self
            .nodes
            .get(at)
            .is_some_and(|node| self.allow_insert(node, v.len()));
        let idx = if fits {
            if let Some(lp) = self.nodes.get_mut(at).and_then(Node::lp_mut) {
                match end {
                    End::Head => lp.push_front(v),
                    End::Tail => lp.push_back(v),
                }
            }
            at
        } else {
            match end {
                End::Head => {
                    self.nodes.push_front(Node::packed_with(v));
                    0
                }
                End::Tail => {
                    self.nodes.push_back(Node::packed_with(v));
                    self.nodes.len() - 1
                }
            }
        };
        self.len += 1;
        self.compress_around(Some(idx));
    }

    /// Removes and returns the element at one end.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let index = match end {
            End::Head => 0,
            End::Tail => self.len.checked_sub(1)?,
        };
        let v = self.get(index)?;
        self.remove_range(index, 1);
        Some(v)
    }

    /// The element at position `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<Vec<u8>> {
        let (ni, off) = self.locate(index)?;
        let node = self.nodes.get(ni)?;
        let mut out = None;
        for_each_in_node(node, off, false, &mut |e| {
            out = Some(e.to_vec());
            false
        });
        out
    }

    /// Replaces the element at position `index`; false if out of range (LSET).
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        let Some((ni, off)) = self.locate(index) else {
            return false;
        };
        let plain = self.nodes.get(ni).is_some_and(Node::is_plain);
        if !plain && !self.is_large(v.len()) {
            if let Some(lp) = self.nodes.get_mut(ni).and_then(Node::lp_mut) {
                lp.replace(off, v);
            }
            self.compress_around(Some(ni));
        } else if plain && self.is_large(v.len()) {
            if let Some(node) = self.nodes.get_mut(ni) {
                *node = Node::Plain(v.into());
            }
            self.compress_around(Some(ni));
        } else {
            // The element changes container kind: as Redis 7.0, insert the new one after it,
            // then drop it.
            self.insert(index, true, v);
            self.remove_range(index, 1);
        }
        true
    }

    /// Inserts `v` before (`after` false) or after the element at position `index`
    /// (Redis's `_quicklistInsert`); inserting into an empty list pushes it.
    pub fn insert(&mut self, index: usize, after: bool, v: &[u8]) {
        let Some((ni, off)) = self.locate(index) else {
            self.push(End::Tail, v);
            return;
        };
        let sz = v.len();
        let Some(node) = self.nodes.get(ni) else {
            return;
        };
        let count = node.count();
        let at_tail = off + 1 == count;
        let at_head = off == 0;
        let full = !self.allow_insert(node, sz);
        let next_ok = after
            && at_tail
            && self
                .nodes
                .get(ni + 1)
                .is_some_and(|n| self.allow_insert(n, sz));
        let prev_ok = !after
            && at_head
            && ni > 0
            && self
                .nodes
                .get(ni - 1)
                .is_some_and(|n| self.allow_insert(n, sz));
        self.len += 1;

        if self.is_large(sz) {
            let plain = Node::Plain(v.into());
            if node.is_plain() || (at_tail && after) || (at_head && !after) {
                let pos = if after { ni + 1 } else { ni };
                self.nodes.insert(pos, plain);
                self.compress_around(Some(pos));
            } else {
                // Node `ni` keeps one side; the plain node goes between the halves.
                let other = self.split(ni, off, after);
                if after {
                    self.nodes.insert(ni + 1, plain);
                    self.nodes.insert(ni + 2, other);
                } else {
                    self.nodes.insert(ni, other);
                    self.nodes.insert(ni + 1, plain);
                }
                self.compress_around(Some(ni + 1));
            }
            return;
        }

        if !full {
            if let Some(lp) = self.nodes.get_mut(ni).and_then(Node::lp_mut) {
                lp.insert(if after { off + 1 } else { off }, v);
            }
            self.compress_around(Some(ni));
        } else if next_ok {
            if let Some(lp) = self.nodes.get_mut(ni + 1).and_then(Node::lp_mut) {
                lp.push_front(v);
            }
            self.compress_around(Some(ni + 1));
        } else if prev_ok {
            if let Some(lp) = self.nodes.get_mut(ni - 1).and_then(Node::lp_mut) {
                lp.push_back(v);
            }
            self.compress_around(Some(ni - 1));
        } else if (after && at_tail) || (!after && at_head) {
            // The neighbour is full or missing: a new node next to this one (no merging).
            let pos = if after { ni + 1 } else { ni };
            self.nodes.insert(pos, Node::packed_with(v));
            self.compress_around(Some(pos));
        } else {
            // Full and in the middle: split, add to the split-off half, merge around.
            let mut right = self.split(ni, off, after);
            if let Some(lp) = right.lp_mut() {
                if after {
                    lp.push_front(v);
                } else {
                    lp.push_back(v);
                }
            }
            if after {
                self.nodes.insert(ni + 1, right);
                self.merge_around(ni);
            } else {
                self.nodes.insert(ni, right);
                self.merge_around(ni + 1);
            }
        }
    }

    /// Redis's `_quicklistSplitNode`: with `after`, node `ni` keeps elements up to and
    /// including `off` and the returned node has the rest; without, node `ni` keeps elements
    /// from `off` on and the returned node has those before it.
    fn split(&mut self, ni: usize, off: usize, after: bool) -> Node {
        let Some(lp) = self.nodes.get_mut(ni).and_then(Node::lp_mut) else {
            return Node::Packed(Listpack::new());
        };
        let total = lp.len();
        let mut other = lp.clone();
        if after {
            let keep = (off + 1).min(total);
            lp.remove_range(keep, total - keep);
            other.remove_range(0, keep);
        } else {
            let keep_from = off.min(total);
            lp.remove_range(0, keep_from);
            other.remove_range(keep_from, total - keep_from);
        }
        Node::Packed(other)
    }

    /// Redis's `_quicklistMergeNodes` around node `center`.
    fn merge_around(&mut self, center: usize) {
        let mut center = center;
        // prev_prev + prev
        if center >= 2 && self.allow_merge(center - 2, center - 1) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        // next + next_next
        if self.allow_merge(center + 1, center + 2) {
            self.merge_pair(center + 1);
        }
        // center + prev
        let target = if center >= 1 && self.allow_merge(center - 1, center) {
            self.merge_pair(center - 1);
            center - 1
        } else {
            center
        };
        if self.allow_merge(target, target + 1) {
            self.merge_pair(target);
        }
        self.compress_around(Some(target.min(self.nodes.len().saturating_sub(1))));
    }

    /// Appends node `i + 1`'s elements to node `i` and removes node `i + 1`.
    fn merge_pair(&mut self, i: usize) {
        let Some(mut second) = self.nodes.remove(i + 1) else {
            return;
        };
        let mut items = Vec::new();
        if let Some(lp) = second.lp_mut() {
            for e in lp.iter() {
                let mut buf = [0u8; 20];
                items.push(entry_bytes(&e, &mut buf).to_vec());
            }
        }
        if let Some(lp) = self.nodes.get_mut(i).and_then(Node::lp_mut) {
            for it in &items {
                lp.push_back(it);
            }
        }
    }

    /// Removes `count` elements from position `start` on (Redis's quicklistDelRange); returns
    /// how many were removed.
    pub fn remove_range(&mut self, start: usize, count: usize) -> usize {
        let count = count.min(self.len.saturating_sub(start));
        if count == 0 {
            return 0;
        }
        let Some((mut ni, mut off)) = self.locate(start) else {
            return 0;
        };
        let mut left = count;
        while left > 0 {
            let Some(node) = self.nodes.get_mut(ni) else {
                break;
            };
            let c = node.count();
            let take = left.min(c - off);
            if take == c {
                self.nodes.remove(ni);
                self.compress_around(None);
            } else {
                if let Some(lp) = node.lp_mut() {
                    lp.remove_range(off, take);
                }
                self.compress_around(Some(ni));
                ni += 1;
            }
            off = 0;
            left -= take;
            self.len -= take;
        }
        count
    }

    /// Removes up to `limit` elements equal to `v` (0 = all), scanning from `from` (LREM).
    pub fn remove_matching(&mut self, v: &[u8], limit: u64, from: End) -> usize {
        let mut removed = 0usize;
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        if from == End::Tail {
            order.reverse();
        }
        // Node indexes shift as nodes are removed; walk by identity of position instead.
        let mut deleted_before = 0usize;
        for orig in order {
            if limit != 0 && removed as u64 >= limit {
                break;
            }
            let ni = if from == End::Head {
                orig - deleted_before
            } else {
                orig
            };
            let Some(node) = self.nodes.get(ni) else {
                continue;
            };
            let mut hits = Vec::new();
            for_each_in_node(node, 0, false, &mut |e| {
                hits.push(e == v);
                true
            });
            let mut offs: Vec<usize> = hits
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.then_some(i))
                .collect();
            if offs.is_empty() {
                continue;
            }
            if from == End::Tail {
                offs.reverse();
            }
            if limit != 0 {
                let room = usize::try_from(limit - removed as u64).unwrap_or(usize::MAX);
                offs.truncate(room);
            }
            // Remove from the highest offset down so the rest stay valid.
            offs.sort_unstable_by(|a, b| b.cmp(a));
            let n = offs.len();
            let c = node.count();
            if n == c {
                self.nodes.remove(ni);
                deleted_before += 1;
                self.compress_around(None);
            } else {
                if let Some(lp) = self.nodes.get_mut(ni).and_then(Node::lp_mut) {
                    for o in offs {
                        lp.remove(o);
                    }
                }
                self.compress_around(Some(ni));
            }
            removed += n;
            self.len -= n;
        }
        removed
    }

    /// Calls `f` on each element from position `start` on, towards the tail (or towards the
    /// head with `reverse`), until `f` returns false.
    pub fn for_each_from(&self, start: usize, reverse: bool, mut f: impl FnMut(&[u8]) -> bool) {
        let Some((ni, off)) = self.locate(start) else {
            return;
        };
        if reverse {
            for i in (0..=ni).rev() {
                let Some(node) = self.nodes.get(i) else {
                    return;
                };
                let skip = if i == ni { node.count() - 1 - off } else { 0 };
                if !for_each_in_node(node, skip, true, &mut f) {
                    return;
                }
            }
        } else {
            for i in ni..self.nodes.len() {
                let Some(node) = self.nodes.get(i) else {
                    return;
                };
                let skip = if i == ni { off } else { 0 };
                if !for_each_in_node(node, skip, false, &mut f) {
                    return;
                }
            }
        }
    }

    /// The first position holding `v`, scanning from the head (LINSERT's pivot).
    pub fn position(&self, v: &[u8]) -> Option<usize> {
        let mut i = 0usize;
        let mut found = None;
        self.for_each_from(0, false, |e| {
            if e == v {
                found = Some(i);
                return false;
            }
            i += 1;
            true
        });
        found
    }

    /// All elements head to tail, as owned byte strings.
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        self.for_each_from(0, false, |e| {
            out.push(e.to_vec());
            true
        });
        out
    }

    /// The nodes as RDB stores them, head first (the RDB writer copies these bytes).
    pub(crate) fn raw_nodes(&self) -> impl Iterator<Item = RawNode<'_>> {
        self.nodes.iter().map(|n| match n {
            Node::Packed(lp) => RawNode::Packed(lp.as_bytes()),
            Node::Lzf { data, raw_len, .. } => RawNode::Lzf {
                data,
                raw_len: *raw_len,
            },
            Node::Plain(b) => RawNode::Plain(b),
        })
    }

    /// Appends a whole listpack as a new tail node (Redis's `quicklistAppendListpack`, used by
    /// the RDB loader); an empty listpack is ignored.
    pub(crate) fn append_listpack_node(&mut self, lp: Listpack) {
        if lp.is_empty() {
            return;
        }
        self.len += lp.len();
        self.nodes.push_back(Node::Packed(lp));
        let last = self.nodes.len() - 1;
        self.compress_around(Some(last));
    }

    /// Appends one element as a plain tail node (Redis's `quicklistAppendPlainNode`).
    pub(crate) fn append_plain_node(&mut self, b: Vec<u8>) {
        self.len += 1;
        self.nodes.push_back(Node::Plain(b.into_boxed_slice()));
        let last = self.nodes.len() - 1;
        self.compress_around(Some(last));
    }

    /// Checks the internal invariants (for tests): no empty node, `len` matches.
    pub fn check(&self) -> bool {
        let sum: usize = self.nodes.iter().map(Node::count).sum();
        sum == self.len && self.nodes.iter().all(|n| n.count() > 0)
    }
}

/// One quicklist node's stored bytes, for the RDB writer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawNode<'a> {
    /// An uncompressed listpack.
    Packed(&'a [u8]),
    /// An LZF-compressed listpack and its uncompressed size.
    Lzf {
        /// The compressed bytes.
        data: &'a [u8],
        /// The listpack's size.
        raw_len: usize,
    },
    /// A plain node's single element.
    Plain(&'a [u8]),
}

/// Calls `f` on a node's elements skipping the first `skip` (counted from the tail with
/// `reverse`); returns false if `f` asked to stop.
fn for_each_in_node(
    node: &Node,
    skip: usize,
    reverse: bool,
    f: &mut dyn FnMut(&[u8]) -> bool,
) -> bool {
    match node {
        Node::Plain(b) => skip > 0 || f(b),
        _ => {
            let Some(lp) = node.view() else {
                return true;
            };
            let mut go = |e: LpValue<'_>| {
                let mut buf = [0u8; 20];
                f(entry_bytes(&e, &mut buf))
            };
            if reverse {
                for e in lp.iter().rev().skip(skip) {
                    if !go(e) {
                        return false;
                    }
                }
            } else {
                for e in lp.iter().skip(skip) {
                    if !go(e) {
                        return false;
                    }
                }
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list_of(fill: i32, depth: u32, items: &[&str]) -> List {
        let mut l = List::new(fill, depth);
        for i in items {
            l.push(End::Tail, i.as_bytes());
        }
        l
    }

    fn strings(l: &List) -> Vec<String> {
        l.to_vec()
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn node_sizes_follow_redis_7_0() {
        // Checked on Redis 7.0.15 with DEBUG OBJECT: with list-max-listpack-size -1 (4096
        // bytes), 39 elements of 100 bytes fit one node (ql_uncompressed_size 4024), the 40th
        // starts a second node.
        let x = vec![b'x'; 100];
        let mut l = List::new(-1, 0);
        for _ in 0..39 {
            l.push(End::Tail, &x);
        }
        assert_eq!((l.node_count(), l.uncompressed_size()), (1, 4024));
        l.push(End::Tail, &x);
        assert_eq!((l.node_count(), l.uncompressed_size()), (2, 4134));
        // A positive fill counts entries.
        let l = list_of(4, 0, &["a"; 10]);
        assert_eq!(l.node_count(), 3);
        assert_eq!(l.encoding(), "quicklist");
    }

    #[test]
    fn inserts_split_and_merge_as_redis_7_0() {
        // Checked on Redis 7.0.15 (DEBUG OBJECT ql_nodes / ql_uncompressed_size), fill -1: a
        // full tail node with no next node gets a new node after it, and nothing is merged
        // even though the full node and its small neighbour would fit together.
        let y = |i: u32| format!("{i}{}", "y".repeat(690)).into_bytes();
        let mut l = List::new(-1, 0);
        l.push(End::Tail, format!("a{}", "x".repeat(480)).as_bytes());
        for i in 1..=10 {
            l.push(End::Tail, &y(i));
        }
        assert_eq!((l.node_count(), l.uncompressed_size()), (2, 7450));
        for i in 1..=5 {
            assert_eq!(l.remove_matching(&y(i), 0, End::Head), 1);
        }
        assert_eq!((l.node_count(), l.uncompressed_size()), (2, 3975));
        let last = l.position(&y(10)).unwrap();
        l.insert(last, true, format!("new{}", "y".repeat(690)).as_bytes());
        assert_eq!((l.node_count(), l.uncompressed_size()), (3, 4679));
        // Packed threshold 100: LSET of a plain element with a small one goes into the next
        // node (7.0 inserts after, then deletes), and a small element before a plain head
        // gets a node of its own.
        let mut l = List::new(4, 0).with_packed_threshold(100);
        let e1 = format!("e1-{}", "x".repeat(200));
        l.push(End::Tail, e1.as_bytes());
        l.insert(0, true, b"e2-xxx");
        assert_eq!((l.node_count(), l.uncompressed_size()), (2, 218));
        assert!(l.set(0, b"e3-x"));
        assert_eq!((l.node_count(), l.uncompressed_size()), (1, 21));
        assert_eq!(strings(&l), ["e3-x", "e2-xxx"]);
    }

    #[test]
    fn fill_and_depth_are_clamped() {
        let l = List::new(-100, 1 << 20);
        assert_eq!((l.fill(), l.compress_depth()), (-5, 65535));
        assert_eq!(List::new(1 << 20, 0).fill(), 32767);
    }

    #[test]
    fn interior_nodes_are_compressed_and_read_back() {
        let big = "y".repeat(60);
        let mut l = List::new(2, 1);
        for i in 0..20 {
            l.push(End::Tail, format!("{big}{i}").as_bytes());
        }
        assert_eq!(l.node_count(), 10);
        assert!(l.compressed_nodes() >= 7, "{}", l.compressed_nodes());
        assert!(matches!(l.nodes.front(), Some(Node::Packed(_))));
        assert!(matches!(l.nodes.back(), Some(Node::Packed(_))));
        assert_eq!(l.get(9).unwrap(), format!("{big}9").into_bytes());
        assert!(l.set(9, b"nine"));
        assert_eq!(l.get(9).unwrap(), b"nine");
        l.insert(9, true, b"after-nine");
        assert_eq!(l.get(10).unwrap(), b"after-nine");
        assert_eq!(l.len(), 21);
        assert!(l.check());
    }

    #[test]
    fn plain_nodes_hold_big_elements() {
        let mut l = List::new(-2, 0).with_packed_threshold(10);
        l.push(End::Tail, b"small");
        l.push(End::Tail, b"a big element!");
        l.push(End::Head, b"another big one");
        l.push(End::Tail, b"tiny");
        assert_eq!(l.node_count(), 4);
        assert_eq!(
            strings(&l),
            ["another big one", "small", "a big element!", "tiny"]
        );
        // Big into the middle of a packed node splits it.
        let mut l = list_of(-2, 0, &["a", "b", "c"]).with_packed_threshold(10);
        l.insert(1, false, b"0123456789");
        assert_eq!(strings(&l), ["a", "0123456789", "b", "c"]);
        assert_eq!(l.node_count(), 3);
        l.insert(2, true, b"9876543210");
        assert_eq!(strings(&l), ["a", "0123456789", "b", "9876543210", "c"]);
        // Replacing across container kinds.
        assert!(l.set(1, b"x"));
        assert!(l.set(0, b"abcdefghijkl"));
        assert_eq!(strings(&l), ["abcdefghijkl", "x", "b", "9876543210", "c"]);
        assert!(l.set(3, b"01234567890"));
        assert_eq!(strings(&l), ["abcdefghijkl", "x", "b", "01234567890", "c"]);
        assert!(l.check());
    }

    #[test]
    fn remove_matching_limits_and_directions() {
        let mut l = list_of(2, 0, &["a", "b", "a", "c", "a", "b", "a"]);
        assert_eq!(l.remove_matching(b"a", 2, End::Head), 2);
        assert_eq!(strings(&l), ["b", "c", "a", "b", "a"]);
        assert_eq!(l.remove_matching(b"a", 1, End::Tail), 1);
        assert_eq!(strings(&l), ["b", "c", "a", "b"]);
        assert_eq!(l.remove_matching(b"b", 0, End::Tail), 2);
        assert_eq!(strings(&l), ["c", "a"]);
        assert!(l.check());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool),
        Set(usize, Vec<u8>),
        Insert(usize, bool, Vec<u8>),
        RemoveRange(usize, usize),
        RemoveMatching(Vec<u8>, u64, bool),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0i64..4).prop_map(|n| n.to_string().into_bytes()),
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..20),
            (0usize..700).prop_map(|n| vec![b'q'; n]),
            (1000usize..3000).prop_map(|n| vec![b'z'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (any::<bool>(), value()).prop_map(|(h, v)| Op::Push(h, v)),
            1 => any::<bool>().prop_map(Op::Pop),
            1 => (0usize..60, value()).prop_map(|(i, v)| Op::Set(i, v)),
            2 => (0usize..60, any::<bool>(), value()).prop_map(|(i, a, v)| Op::Insert(i, a, v)),
            1 => (0usize..60, 0usize..8).prop_map(|(i, n)| Op::RemoveRange(i, n)),
            1 => (value(), 0u64..3, any::<bool>()).prop_map(|(v, n, t)| Op::RemoveMatching(v, n, t)),
        ]
    }

    fn remove_matching_model(m: &mut VecDeque<Vec<u8>>, v: &[u8], limit: u64, tail: bool) -> usize {
        let mut idx: Vec<usize> = (0..m.len()).filter(|&i| m[i] == v).collect();
        if tail {
            idx.reverse();
        }
        if limit != 0 {
            idx.truncate(limit as usize);
        }
        idx.sort_unstable_by(|a, b| b.cmp(a));
        for &i in &idx {
            m.remove(i);
        }
        idx.len()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn behaves_like_vecdeque(
            fill in prop_oneof![Just(4), Just(1), Just(-1), Just(-2), Just(0)],
            depth in 0u32..3,
            plain in prop_oneof![Just(None), Just(Some(1500u64))],
            ops in proptest::collection::vec(op(), 1..120),
        ) {
            let mut l = List::new(fill, depth);
            if let Some(t) = plain {
                l = l.with_packed_threshold(t);
            }
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(head, v) => {
                        if head {
                            l.push(End::Head, &v);
                            m.push_front(v);
                        } else {
                            l.push(End::Tail, &v);
                            m.push_back(v);
                        }
                    }
                    Op::Pop(head) => {
                        let (a, b) = if head {
                            (l.pop(End::Head), m.pop_front())
                        } else {
                            (l.pop(End::Tail), m.pop_back())
                        };
                        prop_assert_eq!(a, b);
                    }
                    Op::Set(i, v) => {
                        let ok = l.set(i, &v);
                        prop_assert_eq!(ok, i < m.len());
                        if let Some(slot) = m.get_mut(i) {
                            *slot = v;
                        }
                    }
                    Op::Insert(i, after, v) => {
                        if m.is_empty() {
                            continue;
                        }
                        let i = i % m.len();
                        l.insert(i, after, &v);
                        m.insert(if after { i + 1 } else { i }, v);
                    }
                    Op::RemoveRange(i, n) => {
                        let got = l.remove_range(i, n);
                        let want = n.min(m.len().saturating_sub(i));
                        prop_assert_eq!(got, want);
                        for _ in 0..want {
                            m.remove(i);
                        }
                    }
                    Op::RemoveMatching(v, limit, tail) => {
                        let from = if tail { End::Tail } else { End::Head };
                        let got = l.remove_matching(&v, limit, from);
                        let want = remove_matching_model(&mut m, &v, limit, tail);
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert!(l.check());
                prop_assert_eq!(l.len(), m.len());
                let want: Vec<Vec<u8>> = m.iter().cloned().collect();
                prop_assert_eq!(l.to_vec(), want.clone());
                if depth > 0 && l.node_count() >= 2 {
                    let lzf = |n: Option<&Node>| matches!(n, Some(Node::Lzf { .. }));
                    prop_assert!(!lzf(l.nodes.front()));
                    prop_assert!(!lzf(l.nodes.back()));
                }
                // Reverse iteration and positional reads agree.
                if !m.is_empty() {
                    let mut back = Vec::new();
                    l.for_each_from(m.len() - 1, true, |e| { back.push(e.to_vec()); true });
                    back.reverse();
                    prop_assert_eq!(back, want);
                    let mid = m.len() / 2;
                    prop_assert_eq!(l.get(mid), m.get(mid).cloned());
                }
                if fill > 0 {
                    // Count-limited nodes never exceed the fill (LSET can't add elements).
                    prop_assert!(l.nodes.iter().all(|n| n.count() <= fill.max(1) as usize));
                }
            }
        }
    }
}
