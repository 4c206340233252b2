//! `ZSet`, the sorted-set value, with Redis 7.0's two encodings.
//!
//! - "listpack": (member, score) pairs in one flat sequence sorted by score then member bytes.
//!   A small set stays here while it has at most `zset-max-listpack-entries` members, none longer
//!   than `zset-max-listpack-value` bytes. Lookups are linear, as in Redis. Redis stores a score
//!   that is an integer as an integer entry, so a negative zero reads back as 0: `push` applies
//!   that normalisation. (Backed by a sorted `Vec` until `util::listpack` is wired in; the
//!   observable behaviour is the same.)
//! - "skiplist": a [`SkipList`] ordered by (score, member) with spans for O(log n) ranks, plus
//!   a [`Dict`] member -> score for O(1) ZSCORE. Both hold their own copy of the member.
//!
//! Conversion follows Redis 7.0: adding a member converts listpack -> skiplist when the count
//! would exceed the entries limit or the member is too long; nothing converts back except the
//! result of ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE ([`ZSet::shrink_if_fits`]).
//!
//! Invariants: no member appears twice; no score is NaN; in the skiplist encoding the dict and
//! the list hold exactly the same (member, score) pairs.

use std::cmp::Ordering;

use super::skiplist::{SkipIter, SkipList, cmp_pair};
use crate::util::cbytes::CompactBytes;
use crate::util::dict::Dict;

/// The conversion thresholds (`zset-max-listpack-entries`, `zset-max-listpack-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most members a listpack may hold.
    pub entries: usize,
    /// Longest member a listpack may hold.
    pub value: usize,
}

impl Limits {
    /// The limits from the live config.
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            entries: usize::try_from(c.zset_max_listpack_entries).unwrap_or(usize::MAX),
            value: usize::try_from(c.zset_max_listpack_value).unwrap_or(usize::MAX),
        }
    }
}

/// The storage of a sorted set.
#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Listpack(Vec<(CompactBytes, f64)>),
    Skiplist(Box<Skip>),
}

#[derive(Debug)]
struct Skip {
    dict: Dict<CompactBytes, f64>,
    list: SkipList,
}

impl Clone for Skip {
    fn clone(&self) -> Self {
        let mut dict = Dict::with_capacity(self.dict.len());
        for (k, v) in self.dict.iter() {
            dict.insert(k.clone(), *v);
        }
        Skip {
            dict,
            list: self.list.clone(),
        }
    }
}

impl PartialEq for Skip {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

/// A sorted-set value.
#[derive(Debug, Clone, PartialEq)]
pub struct ZSet {
    repr: Repr,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new_listpack()
    }
}

/// The score a listpack hands back for `d`: integral values are stored as integers, so -0 is 0.
fn lp_score(d: f64) -> f64 {
    if d == 0.0 { 0.0 } else { d }
}

impl ZSet {
    /// An empty set in the listpack encoding.
    pub fn new_listpack() -> ZSet {
        ZSet {
            repr: Repr::Listpack(Vec::new()),
        }
    }

    /// An empty set in the skiplist encoding.
    pub fn new_skiplist() -> ZSet {
        ZSet {
            repr: Repr::Skiplist(Box::new(Skip {
                dict: Dict::new(),
                list: SkipList::new(),
            })),
        }
    }

    /// The empty set ZADD/ZINCRBY create for a new key whose first member is `first_len` bytes
    /// (Redis 7.0 looks at that member only).
    pub fn for_new_key(first_len: usize, limits: Limits) -> ZSet {
        if limits.entries == 0 || limits.value < first_len {
            ZSet::new_skiplist()
        } else {
            ZSet::new_listpack()
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Skiplist(_) => "skiplist",
        }
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(v) => v.len(),
            Repr::Skiplist(s) => s.list.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Listpack(v) => {
                v.capacity() * std::mem::size_of::<(CompactBytes, f64)>()
                    + v.iter().map(|(e, _)| e.heap_size()).sum::<usize>()
            }
            Repr::Skiplist(s) => {
                s.list.heap_size()
                    + s.dict.mem_usage()
                    + s.dict.keys().map(|k| k.heap_size()).sum::<usize>()
            }
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Listpack(v) => v
                .iter()
                .find(|(e, _)| e.as_slice() == member)
                .map(|(_, s)| *s),
            Repr::Skiplist(s) => s.dict.get(member).copied(),
        }
    }

    /// Converts to the skiplist encoding (no-op if already there).
    pub fn convert_to_skiplist(&mut self) {
        if let Repr::Listpack(v) = &mut self.repr {
            let items = std::mem::take(v);
            let mut dict = Dict::with_capacity(items.len());
            let mut list = SkipList::new();
            for (e, s) in items {
                dict.insert(e.clone(), s);
                list.insert(s, e);
            }
            self.repr = Repr::Skiplist(Box::new(Skip { dict, list }));
        }
    }

    /// Converts a skiplist back to a listpack when it fits the limits (Redis's
    /// zsetConvertToListpackIfNeeded, used for the *STORE destinations).
    pub fn shrink_if_fits(&mut self, limits: Limits) {
        if let Repr::Skiplist(s) = &self.repr {
            let maxlen = s
                .list
                .iter_from(0, false)
                .map(|(e, _)| e.len())
                .max()
                .unwrap_or(0);
            if s.list.len() <= limits.entries && maxlen <= limits.value {
                let mut v: Vec<(CompactBytes, f64)> = Vec::with_capacity(s.list.len());
                v.extend(
                    s.list
                        .iter_from(0, false)
                        .map(|(e, sc)| (CompactBytes::from(e), lp_score(sc))),
                );
                self.repr = Repr::Listpack(v);
            }
        }
    }

    /// Sets `member`'s score, adding it if new (converting to a skiplist first if it would not
    /// fit). Returns the previous score. `score` must not be NaN.
    pub fn set(&mut self, member: &[u8], score: f64, limits: Limits) -> Option<f64> {
        if let Repr::Listpack(v) = &mut self.repr {
            if let Some(i) = v.iter().position(|(e, _)| e.as_slice() == member) {
                let old = v.get(i).map(|p| p.1);
                let new = lp_score(score);
                if old == Some(new) {
                    return old;
                }
                let e = v.remove(i).0;
                let at =
                    v.partition_point(|(pe, ps)| cmp_pair(*ps, pe, new, member) == Ordering::Less);
                v.insert(at, (e, new));
                return old;
            }
            if v.len() < limits.entries && member.len() <= limits.value {
                let new = lp_score(score);
                let at =
                    v.partition_point(|(pe, ps)| cmp_pair(*ps, pe, new, member) == Ordering::Less);
                // Exact growth: a listpack is reallocated to its new size on every insert.
                v.reserve_exact(1);
                v.insert(at, (CompactBytes::from(member), new));
                return None;
            }
            self.convert_to_skiplist();
        }
        if let Repr::Skiplist(s) = &mut self.repr {
            if let Some(old) = s.dict.get_mut(member) {
                let cur = *old;
                if cur != score {
                    *old = score;
                    s.list.update_score(cur, member, score);
                }
                return Some(cur);
            }
            s.dict.insert(CompactBytes::from(member), score);
            s.list.insert(score, CompactBytes::from(member));
        }
        None
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Listpack(v) => {
                let i = v.iter().position(|(e, _)| e.as_slice() == member)?;
                let score = v.remove(i).1;
                v.shrink_to_fit();
                Some(score)
            }
            Repr::Skiplist(s) => {
                let (_, score) = s.dict.remove(member)?;
                s.list.delete(score, member);
                Some(score)
            }
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Listpack(v) => v.iter().position(|(e, _)| e.as_slice() == member),
            Repr::Skiplist(s) => {
                let score = *s.dict.get(member)?;
                s.list.rank(score, member)
            }
        }
    }

    /// The number of leading elements (in ascending order) for which `before` holds; `before`
    /// must hold for a prefix of the order (a listpack is scanned linearly, as Redis does).
    pub fn count_while(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Listpack(v) => v.iter().take_while(|(e, s)| before(*s, e)).count(),
            Repr::Skiplist(s) => s.list.count_while(before),
        }
    }

    /// The element at 0-based ascending rank `r`.
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Listpack(v) => v.get(r).map(|(e, s)| (e.as_slice(), *s)),
            Repr::Skiplist(s) => s.list.get(r),
        }
    }

    /// Iterates from rank `r` towards the end (or the start when `rev`).
    pub fn iter_from(&self, r: usize, rev: bool) -> ZIter<'_> {
        match &self.repr {
            Repr::Listpack(v) => ZIter::Lp {
                v,
                next: if r < v.len() { Some(r) } else { None },
                rev,
            },
            Repr::Skiplist(s) => ZIter::Skip(s.list.iter_from(r, rev)),
        }
    }

    /// Iterates over every element in ascending order.
    pub fn iter(&self) -> ZIter<'_> {
        self.iter_from(0, false)
    }

    /// Removes `count` elements starting at 0-based rank `start`; returns how many went.
    pub fn remove_range(&mut self, start: usize, count: usize) -> usize {
        match &mut self.repr {
            Repr::Listpack(v) => {
                let end = start.saturating_add(count).min(v.len());
                if start >= end {
                    return 0;
                }
                let n = v.drain(start..end).count();
                v.shrink_to_fit();
                n
            }
            Repr::Skiplist(s) => {
                let mut n = 0;
                while n < count {
                    let Some((e, _)) = s.list.remove_at(start) else {
                        break;
                    };
                    s.dict.remove(&e);
                    n += 1;
                }
                n
            }
        }
    }

    /// One SCAN step: a listpack is returned whole with cursor 0; a skiplist scans its dict.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Listpack(v) => {
                for (e, s) in v {
                    f(e, *s);
                }
                0
            }
            Repr::Skiplist(s) => s.dict.scan(cursor, |k, v| f(k, *v)),
        }
    }

    /// Whether the set is in the listpack encoding.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Listpack(_))
    }
}

/// An iterator over a sorted set from some rank, in either direction.
pub enum ZIter<'a> {
    /// Over a listpack.
    Lp {
        /// The pairs.
        v: &'a [(CompactBytes, f64)],
        /// The next index.
        next: Option<usize>,
        /// Descending.
        rev: bool,
    },
    /// Over a skiplist.
    Skip(SkipIter<'a>),
}

impl<'a> Iterator for ZIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ZIter::Lp { v, next, rev } => {
                let i = (*next)?;
                let (e, s) = v.get(i)?;
                *next = if *rev { i.checked_sub(1) } else { Some(i + 1) };
                Some((e.as_slice(), *s))
            }
            ZIter::Skip(it) => it.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, i8),
        Remove(u8),
        RemoveRange(u8, u8),
        Shrink,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..40, any::<i8>()).prop_map(|(m, s)| Op::Set(m, s)),
            2 => (0u8..40).prop_map(Op::Remove),
            1 => (0u8..20, 0u8..4).prop_map(|(a, b)| Op::RemoveRange(a, b)),
            1 => Just(Op::Shrink),
        ]
    }

    fn member(m: u8) -> Vec<u8> {
        // Some members are long enough to force the skiplist by length.
        if m.is_multiple_of(13) {
            vec![b'L'; 20 + m as usize]
        } else {
            format!("m{m}").into_bytes()
        }
    }

    fn sorted(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = model.iter().map(|(k, v)| (k.clone(), *v)).collect();
        v.sort_by(|a, b| cmp_pair(a.1, &a.0, b.1, &b.0));
        v
    }

    proptest! {
        #[test]
        fn matches_btreemap_model(ops in proptest::collection::vec(op(), 1..200)) {
            let lim = Limits { entries: 8, value: 16 };
            let mut z = ZSet::new_listpack();
            let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            let mut was_skiplist = false;
            for o in ops {
                match o {
                    Op::Set(m, s) => {
                        let m = member(m);
                        let old = z.set(&m, f64::from(s), lim);
                        prop_assert_eq!(old, model.insert(m, f64::from(s)));
                    }
                    Op::Remove(m) => {
                        let m = member(m);
                        prop_assert_eq!(z.remove(&m), model.remove(&m));
                    }
                    Op::RemoveRange(start, n) => {
                        let want = sorted(&model);
                        let gone = z.remove_range(start as usize, n as usize);
                        let from = (start as usize).min(want.len());
                        let to = (from + n as usize).min(want.len());
                        prop_assert_eq!(gone, to - from);
                        for (m, _) in want.get(from..to).unwrap_or_default() {
                            model.remove(m);
                        }
                    }
                    Op::Shrink => z.shrink_if_fits(lim),
                }
                if z.encoding() == "skiplist" {
                    was_skiplist = true;
                }
                // Never back to listpack except through shrink_if_fits.
                if was_skiplist && z.encoding() == "listpack" {
                    was_skiplist = false;
                }
                let want = sorted(&model);
                prop_assert_eq!(z.len(), want.len());
                let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
                prop_assert_eq!(&got, &want);
                if !want.is_empty() {
                    let mut rev: Vec<(Vec<u8>, f64)> =
                        z.iter_from(want.len() - 1, true).map(|(m, s)| (m.to_vec(), s)).collect();
                    rev.reverse();
                    prop_assert_eq!(&rev, &want);
                }
                for (i, (m, s)) in want.iter().enumerate() {
                    prop_assert_eq!(z.rank(m), Some(i));
                    prop_assert_eq!(z.score(m), Some(*s));
                    prop_assert_eq!(z.get(i), Some((m.as_slice(), *s)));
                }
                let below = want.iter().filter(|(_, s)| *s < 0.0).count();
                prop_assert_eq!(z.count_while(|s, _| s < 0.0), below);
                if z.len() > lim.entries {
                    prop_assert_eq!(z.encoding(), "skiplist");
                }
            }
        }
    }

    #[test]
    fn converts_at_the_thresholds() {
        let lim = Limits {
            entries: 2,
            value: 3,
        };
        let mut z = ZSet::new_listpack();
        z.set(b"a", 1.0, lim);
        z.set(b"b", 2.0, lim);
        assert_eq!(z.encoding(), "listpack");
        z.set(b"c", 3.0, lim);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"c");
        assert_eq!(z.encoding(), "skiplist");
        z.shrink_if_fits(lim);
        assert_eq!(z.encoding(), "listpack");
        z.set(b"long", 3.0, lim);
        assert_eq!(z.encoding(), "skiplist");
        let mut n = ZSet::new_listpack();
        n.set(b"x", -0.0, lim);
        assert!(!n.score(b"x").is_some_and(|s| s.is_sign_negative()));
        let mut s = ZSet::new_skiplist();
        s.set(b"x", -0.0, lim);
        assert!(s.score(b"x").is_some_and(|s| s.is_sign_negative()));
    }
}
