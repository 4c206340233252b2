//! `Stream`: Redis 7.0's stream type, an ordered map of listpack nodes plus consumer groups.
//!
//! Representation, as t_stream.c lays it out (so the RDB writer can copy nodes verbatim as
//! RDB_TYPE_STREAM_LISTPACKS_2 and memory per entry matches Redis's):
//!
//! - `nodes`: master ID -> listpack node, ordered (Redis keeps them in a radix tree keyed by the
//!   128-bit big-endian master ID; a `BTreeMap` gives the same order). A node's master ID is the
//!   ID of the first entry ever inserted into it.
//! - A node starts with the master entry: `count deleted num-fields field_1 .. field_N 0` (live
//!   entries, deleted entries, the master fields, a zero terminator). Then every entry is
//!   `flags ms-diff seq-diff [num-fields field_1 value_1 ..] | [value_1 ..] lp-count`: with the
//!   SAMEFIELDS flag the fields are the master's and only values are stored. The diffs are
//!   relative to the master ID (two's complement wrapping, as Redis's int64 arithmetic), and
//!   `lp-count` is the number of listpack elements of the entry before it, so the node can be
//!   walked backwards.
//! - Deleted entries keep their bytes with the DELETED flag; a node whose live count drops to 0
//!   is removed. Trimming with `~` removes whole nodes only.
//! - A node is closed (a new one started) when appending would reach `stream-node-max-bytes` or
//!   it holds `stream-node-max-entries` entries, live or deleted.
//!
//! Metadata: `length` (live entries), `last_id` (greatest ID ever added or set by XSETID),
//! `first_id` (first live entry, 0-0 when empty), `max_deleted_id` (greatest ID XDEL removed),
//! `entries_added` (entries ever added), and the consumer groups, each with its last delivered
//! ID, its logical read counter, its pending entries list (PEL, ordered by ID) and consumers
//! (ordered by name, each with its own PEL).
//!
//! Invariants: every entry ID in a node is >= the node's master ID and < the next node's
//! master ID; IDs grow strictly along the map; `length` equals the number of non-deleted
//! entries; a group's PEL and its consumers' PELs hold the same IDs, each ID owned by the
//! consumer its NACK names; no node is without entries (commands remove a node whose live
//! count drops to 0; only a loaded file can hold one with tombstones alone); `last_id` is not
//! below the last entry. [`Stream::from_parts`] (the RDB loader's constructor) checks all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use bytes::Bytes;

use crate::util::listpack::{Listpack, LpValue};

/// A stream entry ID: milliseconds and sequence number, ordered as a 128-bit number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest ID, 0-0.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The greatest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its parts.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (streamIncrID), `None` past the greatest.
    pub fn next(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                return None;
            }
            return Some(StreamId::new(self.ms + 1, 0));
        }
        Some(StreamId::new(self.ms, self.seq + 1))
    }

    /// The previous ID (streamDecrID), `None` before 0-0.
    pub fn prev(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                return None;
            }
            return Some(StreamId::new(self.ms - 1, u64::MAX));
        }
        Some(StreamId::new(self.ms, self.seq - 1))
    }

    /// Whether this is 0-0.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The ID as "ms-seq" bytes.
    pub fn to_bytes(self) -> Bytes {
        Bytes::from(self.to_string())
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// How XADD chooses the new entry's ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewId {
    /// `*`: from the clock (or the last ID + 1).
    Auto,
    /// `ms-*`: the given milliseconds, the next free sequence.
    Ms(u64),
    /// An explicit ID.
    Exact(StreamId),
}

/// Why an append failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddError {
    /// The ID is not greater than the stream's last ID (EDOM).
    NotGreater,
    /// The fields are too large for a listpack (ERANGE).
    TooLarge,
}

/// The limits that close a stream node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLimits {
    /// stream-node-max-bytes (0 = no limit but the listpack's).
    pub max_bytes: u64,
    /// stream-node-max-entries (0 = no limit).
    pub max_entries: u64,
}

/// What to trim to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// MAXLEN: keep at most this many entries.
    MaxLen(u64),
    /// MINID: remove entries with smaller IDs.
    MinId(StreamId),
}

/// A pending entry: delivered to a consumer and not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nack {
    /// When it was last delivered (unix ms).
    pub delivery_time: i64,
    /// How many times it was delivered.
    pub delivery_count: u64,
    /// The consumer that owns it.
    pub consumer: Bytes,
}

/// A consumer of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Last time it was seen (unix ms).
    pub seen_time: i64,
    /// The IDs it owns in the group's PEL.
    pub pel: BTreeSet<StreamId>,
}

/// The value of `entries_read` when the logical read counter is unknown.
pub const ENTRIES_READ_INVALID: i64 = -1;

/// A consumer group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// The last ID delivered to the group.
    pub last_id: StreamId,
    /// The logical read counter ([`ENTRIES_READ_INVALID`] when unknown).
    pub entries_read: i64,
    /// The pending entries, by ID.
    pub pel: BTreeMap<StreamId, Nack>,
    /// The consumers, by name.
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl Group {
    /// Creates consumer `name` (seen now) unless it exists; true if created.
    pub fn create_consumer(&mut self, name: &[u8], now_ms: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            Bytes::copy_from_slice(name),
            Consumer {
                seen_time: now_ms,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Deletes consumer `name` and its pending entries; the number of entries it had pending,
    /// or `None` if there is no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Acknowledges `id`; true if it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Records a delivery of `id` to `consumer` (which must exist) at `now_ms`: a new NACK,
    /// or an existing one moved to this consumer with its count reset to 1, as
    /// streamReplyWithRange does. Returns the NACK.
    pub fn deliver(&mut self, id: StreamId, consumer: &Bytes, now_ms: i64) -> &Nack {
        let nack = self.pel.entry(id).or_insert_with(|| Nack {
            delivery_time: now_ms,
            delivery_count: 1,
            consumer: consumer.clone(),
        });
        if nack.consumer != *consumer {
            if let Some(old) = self.consumers.get_mut(&nack.consumer) {
                old.pel.remove(&id);
            }
            nack.consumer = consumer.clone();
        }
        nack.delivery_time = now_ms;
        nack.delivery_count = 1;
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
        nack
    }

    /// Moves the pending entry `id` to `consumer` (created if needed by the caller).
    pub fn transfer(&mut self, id: StreamId, consumer: &Bytes) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        if nack.consumer != *consumer {
            if let Some(old) = self.consumers.get_mut(&nack.consumer) {
                old.pel.remove(&id);
            }
            nack.consumer = consumer.clone();
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

/// A field/value pair of an entry, borrowed from its node.
pub type FieldPair<'a> = (LpValue<'a>, LpValue<'a>);

/// A stream; see the module header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Listpack>,
    length: u64,
    /// The greatest ID added (or set by XSETID).
    pub last_id: StreamId,
    first_id: StreamId,
    /// The greatest ID deleted by XDEL.
    pub max_deleted_id: StreamId,
    /// How many entries were ever added (or set by XSETID ENTRIESADDED).
    pub entries_added: u64,
    /// The consumer groups, by name.
    pub groups: BTreeMap<Bytes, Group>,
}

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;
/// The largest node Redis builds whatever stream-node-max-bytes says (1 GiB).
const NODE_MAX_SIZE: u64 = 1 << 30;
/// Redis preallocates a new node's listpack up to this size.
const NODE_PREALLOC: u64 = 4096;

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Live entries.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether there are no live entries.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The first live entry's ID (0-0 when empty).
    pub fn first_id(&self) -> StreamId {
        self.first_id
    }

    /// The number of listpack nodes (XINFO STREAM radix-tree-nodes uses it).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The nodes, master ID first, in order (for the RDB writer and DEBUG).
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Listpack)> {
        self.nodes.iter()
    }

    /// Heap bytes held (approximate: node buffers, map nodes, groups).
    pub fn heap_size(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|lp| lp.heap_size() + 40).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                name.len()
                    + 96
                    + g.pel.len() * (48 + 16)
                    + g.consumers.keys().map(|n| n.len() + 64).sum::<usize>()
            })
            .sum();
        nodes + groups
    }

    /// The ID XADD would give with `how`, or why it cannot (streamAppendItem's ID rules).
    pub fn next_id(&self, how: NewId, now_ms: i64) -> Result<StreamId, AddError> {
        let last = self.last_id;
        let id = match how {
            NewId::Exact(id) => id,
            NewId::Ms(ms) => {
                if ms == last.ms {
                    if last.seq == u64::MAX {
                        return Err(AddError::NotGreater);
                    }
                    StreamId::new(ms, last.seq + 1)
                } else {
                    StreamId::new(ms, 0)
                }
            }
            NewId::Auto => {
                let ms = u64::try_from(now_ms).unwrap_or(0);
                if ms > last.ms {
                    StreamId::new(ms, 0)
                } else {
                    last.next().ok_or(AddError::NotGreater)?
                }
            }
        };
        if id <= last {
            return Err(AddError::NotGreater);
        }
        Ok(id)
    }

    /// Appends an entry with `fields` (flattened field/value pairs, an even number) and
    /// returns its ID.
    pub fn add(
        &mut self,
        how: NewId,
        fields: &[Bytes],
        now_ms: i64,
        limits: NodeLimits,
    ) -> Result<StreamId, AddError> {
        let id = self.next_id(how, now_ms)?;
        let total: u64 = fields.iter().map(|f| f.len() as u64).sum();
        if total > NODE_MAX_SIZE {
            return Err(AddError::TooLarge);
        }
        let mut max_bytes = limits.max_bytes;
        if max_bytes == 0 || max_bytes > NODE_MAX_SIZE {
            max_bytes = NODE_MAX_SIZE;
        }
        let numfields = fields.len() / 2;
        // The last node, if it has room (streamAppendItem's rules).
        let mut target = None;
        if let Some((master, lp)) = self.nodes.iter_mut().next_back() {
            let full = if lp.bytes() as u64 + total >= max_bytes {
                true
            } else if limits.max_entries > 0 {
                let mut it = lp.iter();
                let live = it.next().and_then(|v| v.as_i64()).unwrap_or(0);
                let deleted = it.next().and_then(|v| v.as_i64()).unwrap_or(0);
                u64::try_from(live.saturating_add(deleted)).unwrap_or(0) >= limits.max_entries
            } else {
                false
            };
            if full {
                lp.shrink_to_fit();
            } else {
                target = Some(*master);
            }
        }
        let master = match target {
            Some(m) => m,
            None => {
                let mut lp = Listpack::with_capacity(NODE_PREALLOC.min(max_bytes) as usize);
                lp.push_back_int(1);
                lp.push_back_int(0);
                lp.push_back_int(numfields as i64);
                for pair in fields.chunks_exact(2) {
                    if let Some(f) = pair.first() {
                        lp.push_back(f);
                    }
                }
                lp.push_back_int(0);
                self.nodes.insert(id, lp);
                id
            }
        };
        let Some(lp) = self.nodes.get_mut(&master) else {
            return Err(AddError::TooLarge);
        };
        if target.is_some() {
            let live = node_int(lp, 0);
            lp.replace_int(0, live + 1);
        }
        // Same fields as the master entry?
        let master_fields = node_int(lp, 2);
        let same = master_fields == numfields as i64
            && fields
                .chunks_exact(2)
                .zip(lp.iter().skip(3))
                .all(|(pair, mf)| pair.first().is_some_and(|f| mf.eq_bytes(f)));
        let flags = if same { FLAG_SAMEFIELDS } else { 0 };
        lp.push_back_int(flags);
        lp.push_back_int(id.ms.wrapping_sub(master.ms) as i64);
        lp.push_back_int(id.seq.wrapping_sub(master.seq) as i64);
        if same {
            for pair in fields.chunks_exact(2) {
                if let Some(v) = pair.get(1) {
                    lp.push_back(v);
                }
            }
        } else {
            lp.push_back_int(numfields as i64);
            for f in fields {
                lp.push_back(f);
            }
        }
        let mut lp_count = numfields as i64 + 3;
        if !same {
            lp_count += numfields as i64 + 1;
        }
        lp.push_back_int(lp_count);
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Calls `f` with each live entry whose ID is in `start..=end`, in order (or reversed),
    /// until it returns false.
    pub fn range<'a>(
        &'a self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut f: impl FnMut(StreamId, &[FieldPair<'a>]) -> bool,
    ) {
        if start > end {
            return;
        }
        let mut pairs: Vec<FieldPair<'a>> = Vec::new();
        let mut tmp: Vec<LpValue<'a>> = Vec::new();
        if !rev {
            // Begin at the node that may hold `start`: the last one whose master is <= start.
            let first = self
                .nodes
                .range(..=start)
                .next_back()
                .map_or(start, |(m, _)| *m);
            for (master, lp) in self.nodes.range(first..=end) {
                let mut node = NodeIter::new(*master, lp);
                while let Some((id, flags)) = node.next(&mut pairs) {
                    // Tombstones are skipped before the bound test, as Redis's iterator does:
                    // after XSETID moved the last ID back, a node can hold a deleted entry
                    // above live entries that follow it.
                    if flags & FLAG_DELETED != 0 || id < start {
                        continue;
                    }
                    if id > end {
                        return;
                    }
                    if !f(id, &pairs) {
                        return;
                    }
                }
            }
        } else {
            for (master, lp) in self.nodes.range(..=end).rev() {
                let mut node = NodeIter::new(*master, lp);
                while let Some((id, flags)) = node.next_back(&mut pairs, &mut tmp) {
                    if flags & FLAG_DELETED != 0 || id > end {
                        continue;
                    }
                    if id < start {
                        return;
                    }
                    if !f(id, &pairs) {
                        return;
                    }
                }
            }
        }
    }

    /// Whether a live entry with ID `id` exists.
    pub fn contains(&self, id: StreamId) -> bool {
        let mut found = false;
        self.range(id, id, false, |_, _| {
            found = true;
            false
        });
        found
    }

    /// The first (or last) live ID, if any.
    pub fn edge_id(&self, last: bool) -> Option<StreamId> {
        let mut out = None;
        self.range(StreamId::MIN, StreamId::MAX, last, |id, _| {
            out = Some(id);
            false
        });
        out
    }

    /// Deletes the live entry `id`; true if there was one. Updates length and first ID but
    /// not `max_deleted_id` (XDEL does that).
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&master, lp)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let Some(index) = find_entry(master, lp, id) else {
            return false;
        };
        let live = node_int(lp, 0);
        if live <= 1 {
            self.nodes.remove(&master);
        } else {
            let flags = lp.get(index as isize).and_then(|v| v.as_i64()).unwrap_or(0);
            lp.replace_int(index, flags | FLAG_DELETED);
            lp.replace_int(0, live - 1);
            let deleted = node_int(lp, 1);
            lp.replace_int(1, deleted + 1);
        }
        self.length = self.length.saturating_sub(1);
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if id == self.first_id {
            self.first_id = self.edge_id(false).unwrap_or(StreamId::MIN);
        }
        true
    }

    /// Trims as streamTrim: whole nodes while they fit, then (unless `approx`) entries inside
    /// the first remaining node; `limit` (0 = none) caps the entries removed, counted in whole
    /// nodes. Returns how many entries were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        if let Trim::MaxLen(max) = how
            && self.length <= max
        {
            return 0;
        }
        let mut removed = 0u64;
        while let Some((&master, lp)) = self.nodes.iter_mut().next() {
            let entries = u64::try_from(node_int(lp, 0)).unwrap_or(0);
            if limit > 0 && removed + entries > limit {
                break;
            }
            let remove_node = match how {
                Trim::MaxLen(max) => self.length - entries.min(self.length) >= max,
                Trim::MinId(min) => node_last_id(master, lp) < min,
            };
            if remove_node {
                self.nodes.remove(&master);
                self.length = self.length.saturating_sub(entries);
                removed += entries;
                continue;
            }
            if approx {
                break;
            }
            // Mark entries deleted inside this node.
            let mut marks = Vec::new();
            {
                let mut node = NodeIter::new(master, lp);
                let mut pairs = Vec::new();
                let mut length = self.length;
                loop {
                    let at = node.index;
                    let Some((id, flags)) = node.next(&mut pairs) else {
                        break;
                    };
                    let stop = match how {
                        Trim::MaxLen(max) => length <= max,
                        Trim::MinId(min) => id >= min,
                    };
                    if stop {
                        break;
                    }
                    if flags & FLAG_DELETED == 0 {
                        marks.push((at, flags | FLAG_DELETED));
                        length = length.saturating_sub(1);
                    }
                }
            }
            let n = marks.len() as u64;
            for (at, flags) in marks {
                lp.replace_int(at, flags);
            }
            let live = node_int(lp, 0);
            lp.replace_int(0, live - n as i64);
            let deleted = node_int(lp, 1);
            lp.replace_int(1, deleted + n as i64);
            self.length = self.length.saturating_sub(n);
            removed += n;
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else {
            self.first_id = self.edge_id(false).unwrap_or(StreamId::MIN);
        }
        removed
    }

    /// The first ID including deleted ones in the first node (streamGetEdgeID with
    /// tombstones), or the greatest ID when there are no nodes: what XADD's MINID rewrite uses.
    pub fn first_id_with_tombstones(&self) -> StreamId {
        let Some((master, lp)) = self.nodes.iter().next() else {
            return StreamId::MAX;
        };
        let mut node = NodeIter::new(*master, lp);
        let mut pairs = Vec::new();
        node.next(&mut pairs).map_or(StreamId::MAX, |(id, _)| id)
    }

    /// Whether `start..=end` may hold a deleted entry (streamRangeHasTombstones).
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// The logical read counter of `id` if it can be known
    /// (streamEstimateDistanceFromFirstEverEntry), else [`ENTRIES_READ_INVALID`].
    pub fn estimate_entries_read(&self, id: StreamId) -> i64 {
        let added = i64::try_from(self.entries_added).unwrap_or(i64::MAX);
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return ENTRIES_READ_INVALID;
        }
        let len = i64::try_from(self.length).unwrap_or(i64::MAX);
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return added - len;
            }
            if id == self.first_id {
                return added - len + 1;
            }
        }
        ENTRIES_READ_INVALID
    }

    /// A group's lag (streamReplyWithCGLag), `None` when it cannot be known.
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        let added = i64::try_from(self.entries_added).unwrap_or(i64::MAX);
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_INVALID
            && !self.range_has_tombstones(g.last_id, StreamId::MAX)
        {
            return Some(added - g.entries_read);
        }
        let read = self.estimate_entries_read(g.last_id);
        (read != ENTRIES_READ_INVALID).then(|| added - read)
    }

    /// Advances a group's last ID and read counter past a delivered `id` (streamReplyWithRange
    /// with a group); true if the last ID moved.
    pub fn advance_group(&self, g: &mut Group, id: StreamId) -> bool {
        if id <= g.last_id {
            return false;
        }
        if g.entries_read != ENTRIES_READ_INVALID && !self.range_has_tombstones(id, StreamId::MAX) {
            g.entries_read += 1;
        } else if self.entries_added > 0 {
            g.entries_read = self.estimate_entries_read(id);
        }
        g.last_id = id;
        true
    }

    /// The number of nodes Redis's radix tree would have for these master IDs (XINFO STREAM
    /// radix-tree-nodes): the compressed trie of the 16-byte big-endian keys.
    pub fn radix_tree_nodes(&self) -> usize {
        rax_node_count(self.nodes.keys().copied())
    }

    /// The nodes' listpacks in order (MEMORY USAGE samples them).
    pub fn node_listpacks(&self) -> impl DoubleEndedIterator<Item = &Listpack> {
        self.nodes.values()
    }

    /// The listpack node bytes of every node (for tests and memory accounting).
    pub fn node_bytes(&self) -> usize {
        self.nodes.values().map(Listpack::bytes).sum()
    }
}

/// The number of nodes of Redis's radix tree holding `ids` (sorted) as 16-byte big-endian
/// keys, the empty tree's head included (rax numnodes; also for PELs).
pub fn rax_node_count(ids: impl Iterator<Item = StreamId>) -> usize {
    {
        let keys: Vec<[u8; 16]> = ids
            .map(|id| {
                let mut k = [0u8; 16];
                k[..8].copy_from_slice(&id.ms.to_be_bytes());
                k[8..].copy_from_slice(&id.seq.to_be_bytes());
                k
            })
            .collect();
        if keys.is_empty() {
            return 1;
        }
        rax_nodes(&keys, 0)
    }
}

/// Everything an RDB stream value holds besides its nodes (the loader's input to
/// [`Stream::from_parts`]).
#[derive(Debug, Clone, Default)]
pub struct StreamMeta {
    /// Live entries the file claims.
    pub length: u64,
    /// The greatest ID ever added.
    pub last_id: StreamId,
    /// The greatest ID deleted.
    pub max_deleted_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
}

/// Why [`Stream::from_parts`] refused its input (the text is the loader's error).
pub type PartsError = &'static str;

impl Stream {
    /// A stream rebuilt from RDB parts: `nodes` in file order (master ID, listpack), checked
    /// as Redis's deep listpack validation does (master entry, entry layout, back counts,
    /// live IDs strictly increasing within and across nodes, live/deleted counters), plus what
    /// carmine's invariants need: no empty node, `length` equal to the live entries and
    /// `last_id` not below the last entry. The first ID is recomputed.
    pub fn from_parts(
        nodes: Vec<(StreamId, Listpack)>,
        meta: StreamMeta,
        groups: BTreeMap<Bytes, Group>,
    ) -> Result<Stream, PartsError> {
        let mut map = BTreeMap::new();
        let mut live_total = 0u64;
        let mut prev: Option<StreamId> = None;
        let masters: Vec<StreamId> = nodes.iter().map(|(m, _)| *m).collect();
        for (i, (master, lp)) in nodes.into_iter().enumerate() {
            if prev.is_some_and(|p| master <= p) {
                return Err("Stream node keys out of order");
            }
            let next = masters.get(i + 1).copied();
            let (live, last) = validate_node(master, &lp, next)
                .ok_or("Stream listpack integrity check failed.")?;
            // A node with only deleted entries is kept: Redis's MINID trim can leave one.
            if live == 0 && node_int(&lp, 1) == 0 {
                return Err("Empty listpack inside stream");
            }
            live_total = live_total.saturating_add(live);
            prev = Some(last);
            map.insert(master, lp);
        }
        if live_total != meta.length {
            return Err("Stream length inconsistent with rax entries");
        }
        if prev.is_some_and(|p| p > meta.last_id) {
            return Err("Stream last ID below its last entry");
        }
        for g in groups.values() {
            for (id, nack) in &g.pel {
                let owned = g
                    .consumers
                    .get(&nack.consumer)
                    .is_some_and(|c| c.pel.contains(id));
                if !owned {
                    return Err("Stream CG PEL entry without consumer");
                }
            }
            let owned: usize = g.consumers.values().map(|c| c.pel.len()).sum();
            if owned != g.pel.len() {
                return Err("Consumer entry not found in group global PEL");
            }
        }
        let mut s = Stream {
            nodes: map,
            length: meta.length,
            last_id: meta.last_id,
            first_id: StreamId::MIN,
            max_deleted_id: meta.max_deleted_id,
            entries_added: meta.entries_added,
            groups,
        };
        s.first_id = s.edge_id(false).unwrap_or(StreamId::MIN);
        Ok(s)
    }
}

/// Checks one node's layout (streamValidateListpackIntegrity, deep): the master entry, every
/// entry's flags, ID deltas, fields and back count, live IDs strictly increasing from `master`
/// and below `next`, and the master's live/deleted counters. Returns (live entries, last live
/// ID or `master`).
fn validate_node(
    master: StreamId,
    lp: &Listpack,
    next: Option<StreamId>,
) -> Option<(u64, StreamId)> {
    let mut it = lp.iter();
    let int = |v: Option<LpValue<'_>>| v?.as_i64();
    let live = u64::try_from(int(it.next())?).ok()?;
    let deleted = u64::try_from(int(it.next())?).ok()?;
    let nfields = usize::try_from(int(it.next())?).ok()?;
    for _ in 0..nfields {
        it.next()?;
    }
    if int(it.next())? != 0 {
        return None;
    }
    let (mut seen_live, mut seen_deleted) = (0u64, 0u64);
    let mut last: Option<StreamId> = None;
    while let Some(flags) = it.next() {
        let flags = flags.as_i64()?;
        let msd = int(it.next())?;
        let seqd = int(it.next())?;
        let id = StreamId::new(
            master.ms.wrapping_add(msd as u64),
            master.seq.wrapping_add(seqd as u64),
        );
        // Only live entries are ordered: a deleted entry may sit above later ones once XSETID
        // moved the last ID back below it (Redis writes such nodes and does not check this).
        let is_live = flags & FLAG_DELETED == 0;
        if is_live
            && (id < master || last.is_some_and(|l| id <= l) || next.is_some_and(|n| id >= n))
        {
            return None;
        }
        let elements = if flags & FLAG_SAMEFIELDS != 0 {
            for _ in 0..nfields {
                it.next()?;
            }
            nfields.checked_add(3)?
        } else {
            let n = usize::try_from(int(it.next())?).ok()?;
            for _ in 0..n.checked_mul(2)? {
                it.next()?;
            }
            n.checked_mul(2)?.checked_add(4)?
        };
        if usize::try_from(int(it.next())?).ok()? != elements {
            return None;
        }
        if is_live {
            seen_live += 1;
            last = Some(id);
        } else {
            seen_deleted += 1;
        }
    }
    (seen_live == live && seen_deleted == deleted).then_some((live, last.unwrap_or(master)))
}

/// Nodes of a compressed trie holding `keys` (sorted, all 16 bytes, sharing `depth` bytes),
/// counted from the node that starts at `depth`.
fn rax_nodes(keys: &[[u8; 16]], depth: usize) -> usize {
    let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
        return 0;
    };
    if keys.len() == 1 {
        return if depth >= 16 { 1 } else { 2 };
    }
    // The longest common prefix of a sorted run is that of its ends.
    let mut lcp = depth;
    while lcp < 16 && first.get(lcp) == last.get(lcp) {
        lcp += 1;
    }
    let mut n = if lcp > depth { 2 } else { 1 };
    let mut i = 0;
    while i < keys.len() {
        let byte = keys.get(i).and_then(|k| k.get(lcp)).copied();
        let mut j = i;
        while j < keys.len() && keys.get(j).and_then(|k| k.get(lcp)).copied() == byte {
            j += 1;
        }
        n += rax_nodes(keys.get(i..j).unwrap_or_default(), lcp + 1);
        i = j;
    }
    n
}

/// Reads integer element `index` of a node (master counters), 0 if absent.
fn node_int(lp: &Listpack, index: usize) -> i64 {
    lp.iter().nth(index).and_then(|v| v.as_i64()).unwrap_or(0)
}

/// The ID of the last entry in a node, deleted or not.
fn node_last_id(master: StreamId, lp: &Listpack) -> StreamId {
    let mut node = NodeIter::new(master, lp);
    let mut pairs = Vec::new();
    let mut tmp = Vec::new();
    node.next_back(&mut pairs, &mut tmp)
        .map_or(master, |(id, _)| id)
}

/// The element index of the flags of live entry `id` in a node.
fn find_entry(master: StreamId, lp: &Listpack, id: StreamId) -> Option<usize> {
    let mut node = NodeIter::new(master, lp);
    let mut pairs = Vec::new();
    loop {
        let at = node.index;
        let (eid, flags) = node.next(&mut pairs)?;
        if flags & FLAG_DELETED != 0 {
            // Tombstones may be out of order (see `range`); only live entries are sorted.
            continue;
        }
        if eid == id {
            return Some(at);
        }
        if eid > id {
            return None;
        }
    }
}

/// Walks the entries of one node from either end.
struct NodeIter<'a> {
    master: StreamId,
    master_fields: Vec<LpValue<'a>>,
    it: crate::util::listpack::Iter<'a>,
    /// Element index of the next entry from the front.
    index: usize,
}

impl<'a> NodeIter<'a> {
    fn new(master: StreamId, lp: &'a Listpack) -> NodeIter<'a> {
        let mut it = lp.iter();
        let _live = it.next();
        let _deleted = it.next();
        let n = it.next().and_then(|v| v.as_i64()).unwrap_or(0);
        let n = usize::try_from(n).unwrap_or(0);
        let mut master_fields = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            match it.next() {
                Some(v) => master_fields.push(v),
                None => break,
            }
        }
        let _terminator = it.next();
        NodeIter {
            master,
            master_fields,
            it,
            index: n.saturating_add(4),
        }
    }

    fn id(&self, ms_diff: i64, seq_diff: i64) -> StreamId {
        StreamId::new(
            self.master.ms.wrapping_add(ms_diff as u64),
            self.master.seq.wrapping_add(seq_diff as u64),
        )
    }

    /// The next entry from the front: its ID and flags; `pairs` gets its fields.
    fn next(&mut self, pairs: &mut Vec<FieldPair<'a>>) -> Option<(StreamId, i64)> {
        pairs.clear();
        let flags = self.it.next()?.as_i64()?;
        let msd = self.it.next()?.as_i64()?;
        let seqd = self.it.next()?.as_i64()?;
        let mut used: usize = 3;
        if flags & FLAG_SAMEFIELDS != 0 {
            for i in 0..self.master_fields.len() {
                let f = *self.master_fields.get(i)?;
                pairs.push((f, self.it.next()?));
            }
            used = used.saturating_add(self.master_fields.len());
        } else {
            let n = usize::try_from(self.it.next()?.as_i64()?).ok()?;
            for _ in 0..n {
                let f = self.it.next()?;
                pairs.push((f, self.it.next()?));
            }
            used = used.saturating_add(n.saturating_mul(2)).saturating_add(1);
        }
        let _lp_count = self.it.next()?;
        self.index = self.index.saturating_add(used).saturating_add(1);
        Some((self.id(msd, seqd), flags))
    }

    /// The next entry from the back (uses the lp-count back pointer).
    fn next_back(
        &mut self,
        pairs: &mut Vec<FieldPair<'a>>,
        tmp: &mut Vec<LpValue<'a>>,
    ) -> Option<(StreamId, i64)> {
        pairs.clear();
        tmp.clear();
        let count = usize::try_from(self.it.next_back()?.as_i64()?).ok()?;
        for _ in 0..count {
            tmp.push(self.it.next_back()?);
        }
        tmp.reverse();
        let mut vals = tmp.iter();
        let flags = vals.next()?.as_i64()?;
        let msd = vals.next()?.as_i64()?;
        let seqd = vals.next()?.as_i64()?;
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &self.master_fields {
                pairs.push((*f, *vals.next()?));
            }
        } else {
            let _n = vals.next()?;
            while let (Some(f), Some(v)) = (vals.next(), vals.next()) {
                pairs.push((*f, *v));
            }
        }
        Some((self.id(msd, seqd), flags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn limits(entries: u64) -> NodeLimits {
        NodeLimits {
            max_bytes: 4096,
            max_entries: entries,
        }
    }

    fn ids(s: &Stream, rev: bool) -> Vec<StreamId> {
        let mut out = Vec::new();
        s.range(StreamId::MIN, StreamId::MAX, rev, |id, _| {
            out.push(id);
            true
        });
        out
    }

    #[test]
    fn node_layout_matches_redis() {
        let mut s = Stream::new();
        let f = [b("a"), b("1"), b("b"), b("x")];
        s.add(NewId::Exact(StreamId::new(5, 1)), &f, 0, limits(100))
            .unwrap();
        let g = [b("a"), b("2"), b("b"), b("y")];
        s.add(NewId::Exact(StreamId::new(6, 0)), &g, 0, limits(100))
            .unwrap();
        let h = [b("c"), b("3")];
        s.add(NewId::Exact(StreamId::new(6, 1)), &h, 0, limits(100))
            .unwrap();
        let (_, lp) = s.nodes().next().unwrap();
        let got: Vec<String> = lp
            .iter()
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
            .collect();
        let want = [
            // master: count deleted num-fields fields.. 0
            "3", "0", "2", "a", "b", "0", //
            // samefields entry: flags ms seq values lp-count
            "2", "0", "0", "1", "x", "5", //
            "2", "1", "-1", "2", "y", "5", //
            // own fields: flags ms seq n f v lp-count
            "0", "1", "0", "1", "c", "3", "6",
        ];
        assert_eq!(got, want);
        assert_eq!(
            ids(&s, true),
            vec![
                StreamId::new(6, 1),
                StreamId::new(6, 0),
                StreamId::new(5, 1)
            ]
        );
    }

    #[test]
    fn nodes_split_and_deletes_are_flagged() {
        let mut s = Stream::new();
        for i in 1..=10 {
            s.add(
                NewId::Exact(StreamId::new(i, 0)),
                &[b("f"), b("v")],
                0,
                limits(3),
            )
            .unwrap();
        }
        assert_eq!(s.node_count(), 4);
        assert!(s.delete(StreamId::new(2, 0)));
        assert!(!s.delete(StreamId::new(2, 0)));
        assert_eq!(s.len(), 9);
        assert!(s.delete(StreamId::new(10, 0)));
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.trim(Trim::MaxLen(5), true, 0), 2);
        assert_eq!(s.len(), 6);
        assert_eq!(s.trim(Trim::MaxLen(5), false, 0), 1);
        assert_eq!(s.first_id(), StreamId::new(5, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(7, 0)), false, 0), 2);
        assert_eq!(ids(&s, false).len(), 3);
    }

    mod model {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        #[derive(Debug, Clone)]
        enum Op {
            Add(u64, Vec<(u8, u8)>),
            Del(u64),
            MaxLen(u64, bool),
            MinId(u64, bool),
            Range(u64, u64, bool),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => (0u64..4, proptest::collection::vec((0u8..3, any::<u8>()), 1..4))
                    .prop_map(|(d, f)| Op::Add(d, f)),
                2 => (0u64..60).prop_map(Op::Del),
                1 => (0u64..30, any::<bool>()).prop_map(|(n, a)| Op::MaxLen(n, a)),
                1 => (0u64..60, any::<bool>()).prop_map(|(n, a)| Op::MinId(n, a)),
                2 => (0u64..60, 0u64..60, any::<bool>()).prop_map(|(a, b, r)| Op::Range(a, b, r)),
            ]
        }

        type Model = BTreeMap<StreamId, Vec<Vec<u8>>>;

        fn content(
            s: &Stream,
            start: StreamId,
            end: StreamId,
            rev: bool,
        ) -> Vec<(StreamId, Vec<Vec<u8>>)> {
            let mut out = Vec::new();
            s.range(start, end, rev, |id, pairs| {
                let mut fv = Vec::new();
                for (f, v) in pairs {
                    fv.push(f.to_vec());
                    fv.push(v.to_vec());
                }
                out.push((id, fv));
                true
            });
            out
        }

        fn id(n: u64) -> StreamId {
            StreamId::new(n / 3, n % 3)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn stream_behaves_like_an_ordered_map(
                ops in proptest::collection::vec(op(), 1..80),
                per_node in 1u64..5,
            ) {
                let lim = NodeLimits { max_bytes: 4096, max_entries: per_node };
                let mut s = Stream::new();
                let mut m: Model = BTreeMap::new();
                let mut next = 1u64;
                for op in ops {
                    match op {
                        Op::Add(step, fields) => {
                            next += step;
                            let mut argv = Vec::new();
                            for (f, v) in &fields {
                                argv.push(Bytes::from(vec![b'a' + f]));
                                argv.push(Bytes::from(v.to_string()));
                            }
                            let got = s.add(NewId::Exact(id(next)), &argv, 0, lim);
                            if step == 0 && next > 1 && got.is_err() {
                                continue;
                            }
                            let got = got.unwrap();
                            prop_assert_eq!(got, id(next));
                            m.insert(got, argv.iter().map(|b| b.to_vec()).collect());
                            next += 1;
                        }
                        Op::Del(n) => {
                            let had = m.remove(&id(n)).is_some();
                            prop_assert_eq!(s.delete(id(n)), had);
                        }
                        Op::MaxLen(n, approx) => {
                            let removed = s.trim(Trim::MaxLen(n), approx, 0);
                            let exact = (m.len() as u64).saturating_sub(n);
                            prop_assert!(removed <= exact);
                            if !approx {
                                prop_assert_eq!(removed, exact);
                            }
                            for _ in 0..removed {
                                m.pop_first();
                            }
                        }
                        Op::MinId(n, approx) => {
                            let removed = s.trim(Trim::MinId(id(n)), approx, 0);
                            let exact = m.range(..id(n)).count() as u64;
                            prop_assert!(removed <= exact);
                            if !approx {
                                prop_assert_eq!(removed, exact);
                            }
                            for _ in 0..removed {
                                m.pop_first();
                            }
                        }
                        Op::Range(a, b, rev) => {
                            let want: Vec<_> = if rev {
                                m.range(id(a)..=id(b.max(a))).rev().map(|(k, v)| (*k, v.clone())).collect()
                            } else {
                                m.range(id(a)..=id(b.max(a))).map(|(k, v)| (*k, v.clone())).collect()
                            };
                            prop_assert_eq!(content(&s, id(a), id(b.max(a)), rev), want);
                        }
                    }
                    prop_assert_eq!(s.len(), m.len() as u64);
                    let all: Vec<_> = m.iter().map(|(k, v)| (*k, v.clone())).collect();
                    prop_assert_eq!(content(&s, StreamId::MIN, StreamId::MAX, false), all);
                    prop_assert_eq!(s.first_id(), m.keys().next().copied().unwrap_or(StreamId::MIN));
                }
            }
        }
    }
}
