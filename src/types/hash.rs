//! The hash type with Redis 7.0's two encodings: a listpack of field, value, field, value, ...
//! while the hash is small, a hash table of fields to values once it is not.
//!
//! Representation:
//! - `Repr::Listpack`: a [`Listpack`] holding the pairs flat, in insertion order (an update
//!   replaces the value in place, a new field is appended, a delete removes both entries), as
//!   Redis's `t_hash.c` keeps them. Fields and values that are canonical integers are stored with
//!   the listpack's integer encodings and read back as [`LpValue::Int`].
//! - `Repr::Table`: a boxed [`Dict`] from field to value (`CompactBytes` both), so a hash of
//!   either encoding costs the same 32 bytes inline.
//!
//! Conversion happens exactly where Redis 7.0 converts, and never back:
//! - [`Hash::convert_for`] (Redis's `hashTypeTryConversion`): before a write, any argument longer
//!   than `hash-max-listpack-value`, or a listpack that would pass 1 GB, converts it;
//! - [`Hash::set`] (Redis's `hashTypeSet`): a field or value longer than the limit converts first
//!   (HINCRBY / HINCRBYFLOAT reach here without the check above), and a new field that takes the
//!   count past `hash-max-listpack-entries` converts after the insert.
//!
//! Invariants: a listpack holds an even number of entries with no field twice; `len()` is the
//! number of fields. Nothing here replies to clients: the command layer turns results into replies.

use std::collections::HashSet;

use crate::util::cbytes::CompactBytes;
use crate::util::dict::Dict;
use crate::util::listpack::{self, Listpack, LpValue};
use crate::util::num;

/// The hash table encoding: field to value.
type Table = Dict<CompactBytes, CompactBytes>;

/// Below `HRANDFIELD_SUB_STRATEGY_MUL` times the requested count, distinct sampling copies the
/// whole hash and removes random pairs instead of drawing them (Redis's constant).
const SUB_STRATEGY_MUL: usize = 3;

/// The configured conversion thresholds (`hash-max-listpack-entries`, `-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`: most fields a listpack hash may hold.
    pub max_entries: usize,
    /// `hash-max-listpack-value`: longest field or value a listpack hash may hold.
    pub max_value: usize,
}

impl Limits {
    /// Limits from the config's `u64` fields (saturating on 32-bit targets).
    pub fn new(max_entries: u64, max_value: u64) -> Limits {
        Limits {
            max_entries: usize::try_from(max_entries).unwrap_or(usize::MAX),
            max_value: usize::try_from(max_value).unwrap_or(usize::MAX),
        }
    }
}

/// A hash value.
pub struct Hash {
    repr: Repr,
}

/// The two encodings.
enum Repr {
    /// Small hashes: field, value, field, value, ...
    Listpack(Listpack),
    /// Big hashes.
    Table(Box<Table>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Listpack(lp) => Hash {
                repr: Repr::Listpack(lp.clone()),
            },
            Repr::Table(d) => {
                let mut t = Table::with_capacity(d.len());
                for (k, v) in d.iter() {
                    t.insert(k.clone(), v.clone());
                }
                Hash {
                    repr: Repr::Table(Box::new(t)),
                }
            }
        }
    }
}

impl PartialEq for Hash {
    /// Equal when both hold the same field/value pairs, whatever their encodings or order.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut equal = true;
        self.for_each(|f, v| {
            if equal {
                let mut fb = [0u8; 20];
                let mut vb = [0u8; 20];
                let want = v.to_bytes(&mut vb);
                equal = other
                    .get(f.to_bytes(&mut fb))
                    .is_some_and(|o| o.eq_bytes(want));
            }
        });
        equal
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut pairs = Vec::with_capacity(self.len());
        self.for_each(|k, v| pairs.push((k.to_vec(), v.to_vec())));
        f.debug_struct("Hash")
            .field("encoding", &self.encoding())
            .field("pairs", &pairs)
            .finish()
    }
}

impl Hash {
    /// An empty hash, listpack-encoded.
    pub fn new() -> Hash {
        Hash {
            repr: Repr::Listpack(Listpack::new()),
        }
    }

    /// Adopts a listpack of field/value pairs (from RDB); `None` if it has an odd number of
    /// entries or a field twice.
    pub fn from_listpack(lp: Listpack) -> Option<Hash> {
        if !lp.len().is_multiple_of(2) {
            return None;
        }
        let mut seen = HashSet::with_capacity(lp.len() / 2);
        for f in lp.iter().step_by(2) {
            if !seen.insert(f.to_vec()) {
                return None;
            }
        }
        Some(Hash {
            repr: Repr::Listpack(lp),
        })
    }

    /// A hash over a listpack that came out of a hash (db::obj), so nothing is checked.
    pub(crate) fn from_listpack_trusted(lp: Listpack) -> Hash {
        Hash {
            repr: Repr::Listpack(lp),
        }
    }

    /// The listpack, taken out, when that is the encoding.
    pub(crate) fn into_listpack(self) -> Result<Listpack, Hash> {
        match self.repr {
            Repr::Listpack(lp) => Ok(lp),
            repr => Err(Hash { repr }),
        }
    }

    /// The listpack bytes, if the hash is listpack-encoded (for RDB and DUMP).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.repr {
            Repr::Listpack(lp) => Some(lp),
            Repr::Table(_) => None,
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len() / 2,
            Repr::Table(d) => d.len(),
        }
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Buckets of the hashtable encoding, both tables while rehashing (Redis's dictSlots);
    /// `None` for a listpack (MEMORY USAGE).
    pub fn table_buckets(&self) -> Option<usize> {
        match &self.repr {
            Repr::Listpack(_) => None,
            Repr::Table(d) => Some(d.bucket_counts().iter().sum()),
        }
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.heap_size(),
            Repr::Table(d) => {
                d.mem_usage()
                    + d.iter()
                        .map(|(k, v)| k.heap_size() + v.heap_size())
                        .sum::<usize>()
            }
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<LpValue<'_>> {
        match &self.repr {
            Repr::Listpack(lp) => lp_find(lp, field).map(|(_, v)| v),
            Repr::Table(d) => d.get(field).map(|v| LpValue::Str(v.as_slice())),
        }
    }

    /// Whether `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(field, 1).is_some(),
            Repr::Table(d) => d.contains_key(field),
        }
    }

    /// The length of the value of `field` as a string (HSTRLEN).
    pub fn value_len(&self, field: &[u8]) -> Option<usize> {
        self.get(field).map(|v| match v {
            LpValue::Str(s) => s.len(),
            LpValue::Int(n) => {
                let mut buf = [0u8; 20];
                num::fmt_i64(n, &mut buf).len()
            }
        })
    }

    /// Converts a listpack hash to a table if any of `args` (fields and values about to be
    /// written) is longer than `limits.max_value`, or if together they could take the listpack
    /// past 1 GB (Redis's `hashTypeTryConversion`).
    pub fn convert_for<'a>(&mut self, args: impl IntoIterator<Item = &'a [u8]>, limits: Limits) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > limits.max_value {
                self.convert();
                return;
            }
            sum = sum.saturating_add(a.len());
        }
        if !listpack::safe_to_add(lp.bytes(), sum) {
            self.convert();
        }
    }

    /// Sets `field` to `value`; returns true if the field is new (Redis's `hashTypeSet`).
    ///
    /// A listpack hash converts to a table first if either string is longer than
    /// `limits.max_value`, and after the insert if it then has more than `limits.max_entries`
    /// fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if matches!(self.repr, Repr::Listpack(_))
            && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert();
        }
        match &mut self.repr {
            Repr::Listpack(lp) => {
                if let Some(i) = lp.find(field, 1) {
                    lp.replace(i + 1, value);
                    return false;
                }
                lp.push_back(field);
                lp.push_back(value);
                if lp.len() / 2 > limits.max_entries {
                    self.convert();
                }
                true
            }
            Repr::Table(d) => {
                let (v, inserted) = d.find_or_insert_with(
                    field,
                    || CompactBytes::from_slice(field),
                    CompactBytes::new,
                );
                *v = CompactBytes::from_slice(value);
                inserted
            }
        }
    }

    /// Removes `field`; returns whether it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => match lp.find(field, 1) {
                Some(i) => {
                    lp.remove_range(i, 2);
                    true
                }
                None => false,
            },
            Repr::Table(d) => d.remove(field).is_some(),
        }
    }

    /// Visits every field and value (listpack: insertion order; table: bucket order).
    pub fn for_each<'a>(&'a self, mut f: impl FnMut(LpValue<'a>, LpValue<'a>)) {
        match &self.repr {
            Repr::Listpack(lp) => {
                let mut it = lp.iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    f(k, v);
                }
            }
            Repr::Table(d) => {
                for (k, v) in d.iter() {
                    f(LpValue::Str(k.as_slice()), LpValue::Str(v.as_slice()));
                }
            }
        }
    }

    /// The field/value pairs as owned bytes, in [`Hash::for_each`] order.
    pub fn to_pairs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
        out
    }

    /// One HSCAN step from `cursor` asking for `count` fields; visits the pairs found and returns
    /// the next cursor (0 when done).
    ///
    /// A listpack hash is returned whole with cursor 0. A table is walked with Redis's loop:
    /// bucket by bucket until it has gathered `2 * count` fields and values, visited
    /// `20 * count` more buckets, or finished.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>),
    ) -> u64 {
        match &self.repr {
            Repr::Listpack(_) => {
                self.for_each(f);
                0
            }
            Repr::Table(d) => {
                let want = count.saturating_mul(2);
                let mut budget = want.saturating_mul(10);
                let mut got = 0usize;
                let mut cursor = cursor;
                loop {
                    cursor = d.scan(cursor, |k, v| {
                        got += 2;
                        f(LpValue::Str(k.as_slice()), LpValue::Str(v.as_slice()));
                    });
                    if cursor == 0 || budget == 0 {
                        break;
                    }
                    budget -= 1;
                    if got >= want {
                        break;
                    }
                }
                cursor
            }
        }
    }

    /// A random field and its value (HRANDFIELD without a count); `None` if empty.
    pub fn random_pair<R: rand::Rng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Option<(LpValue<'_>, LpValue<'_>)> {
        match &self.repr {
            Repr::Listpack(lp) => {
                let n = lp.len() / 2;
                if n == 0 {
                    return None;
                }
                let i = pick(rng, n);
                let mut it = lp.iter().skip(i * 2);
                Some((it.next()?, it.next()?))
            }
            Repr::Table(d) => d
                .fair_random_entry(rng)
                .map(|(k, v)| (LpValue::Str(k.as_slice()), LpValue::Str(v.as_slice()))),
        }
    }

    /// Visits `count` random pairs, each drawn independently (repeats possible), as HRANDFIELD
    /// with a negative count does. Stops early if `f` returns false (a client gone away).
    pub fn random_pairs<'a, R: rand::Rng + ?Sized>(
        &'a self,
        count: usize,
        rng: &mut R,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>) -> bool,
    ) {
        if self.is_empty() {
            return;
        }
        match &self.repr {
            Repr::Listpack(lp) => {
                let pairs = lp_pairs(lp);
                for _ in 0..count {
                    let Some(&(k, v)) = pairs.get(pick(rng, pairs.len())) else {
                        return;
                    };
                    if !f(k, v) {
                        return;
                    }
                }
            }
            Repr::Table(d) => {
                for _ in 0..count {
                    let Some((k, v)) = d.fair_random_entry(rng) else {
                        return;
                    };
                    if !f(LpValue::Str(k.as_slice()), LpValue::Str(v.as_slice())) {
                        return;
                    }
                }
            }
        }
    }

    /// Visits `min(count, len)` distinct random pairs, as HRANDFIELD with a positive count does,
    /// with Redis's three strategies: the whole hash when `count >= len`; when `count` is more
    /// than a third of `len`, a copy with random pairs removed; otherwise random draws (a
    /// listpack: one ordered selection-sampling pass; a table: fair draws, duplicates skipped).
    pub fn random_distinct<'a, R: rand::Rng + ?Sized>(
        &'a self,
        count: usize,
        rng: &mut R,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>),
    ) {
        let size = self.len();
        if count >= size {
            self.for_each(f);
            return;
        }
        if count.saturating_mul(SUB_STRATEGY_MUL) > size {
            let mut all = Vec::with_capacity(size);
            self.for_each(|k, v| all.push((k, v)));
            while all.len() > count {
                let i = pick(rng, all.len());
                all.swap_remove(i);
            }
            for (k, v) in all {
                f(k, v);
            }
            return;
        }
        match &self.repr {
            Repr::Listpack(lp) => {
                // Selection sampling (Knuth's algorithm S), in listpack order as
                // lpRandomPairsUnique returns them.
                let mut needed = count;
                let mut left = size;
                let mut it = lp.iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    if needed == 0 {
                        break;
                    }
                    if pick(rng, left) < needed {
                        f(k, v);
                        needed -= 1;
                    }
                    left -= 1;
                }
            }
            Repr::Table(d) => {
                let mut seen: HashSet<&[u8]> = HashSet::with_capacity(count);
                while seen.len() < count {
                    let Some((k, v)) = d.fair_random_entry(rng) else {
                        return;
                    };
                    if seen.insert(k.as_slice()) {
                        f(LpValue::Str(k.as_slice()), LpValue::Str(v.as_slice()));
                    }
                }
            }
        }
    }

    /// Converts a listpack hash to a table (a no-op for a table), presized for its fields.
    fn convert(&mut self) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let mut d = Table::with_capacity(lp.len() / 2);
        let mut it = lp.iter();
        let (mut kb, mut vb) = ([0u8; 20], [0u8; 20]);
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.insert(
                CompactBytes::from_slice(k.to_bytes(&mut kb)),
                CompactBytes::from_slice(v.to_bytes(&mut vb)),
            );
        }
        self.repr = Repr::Table(Box::new(d));
    }
}

/// The index of `field` in a field/value listpack and its value, in one walk.
fn lp_find<'a>(lp: &'a Listpack, field: &[u8]) -> Option<(usize, LpValue<'a>)> {
    let as_int = num::parse_i64(field);
    let mut it = lp.iter();
    let mut i = 0usize;
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        let equal = match k {
            LpValue::Int(n) => as_int == Some(n),
            LpValue::Str(s) => s == field,
        };
        if equal {
            return Some((i, v));
        }
        i += 2;
    }
    None
}

/// The pairs of a field/value listpack.
fn lp_pairs(lp: &Listpack) -> Vec<(LpValue<'_>, LpValue<'_>)> {
    let mut out = Vec::with_capacity(lp.len() / 2);
    let mut it = lp.iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// A uniform index below `n` (0 when `n` is 0).
fn pick<R: rand::Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    (rng.next_u64() % n as u64) as usize
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    const SMALL: Limits = Limits {
        max_entries: 4,
        max_value: 8,
    };

    fn bytes_of(v: LpValue<'_>) -> Vec<u8> {
        v.to_vec()
    }

    #[test]
    fn starts_as_listpack_and_keeps_insertion_order() {
        let mut h = Hash::new();
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"b", b"1", SMALL));
        assert!(h.set(b"a", b"x", SMALL));
        assert!(!h.set(b"b", b"2", SMALL));
        assert_eq!(
            h.to_pairs(),
            vec![
                (b"b".to_vec(), b"2".to_vec()),
                (b"a".to_vec(), b"x".to_vec())
            ]
        );
        assert_eq!(h.get(b"b"), Some(LpValue::Int(2)));
        assert_eq!(h.value_len(b"b"), Some(1));
        assert_eq!(h.value_len(b"zz"), None);
    }

    #[test]
    fn converts_past_the_entry_limit_and_never_back() {
        let mut h = Hash::new();
        for i in 0..4 {
            h.set(format!("f{i}").as_bytes(), b"v", SMALL);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f4", b"v", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        for i in 0..5 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        h.set(b"x", b"y", SMALL);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn converts_on_a_long_field_or_value() {
        let mut h = Hash::new();
        h.set(b"f", b"123456789", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.convert_for([&b"f"[..], b"12345678"], SMALL);
        assert_eq!(h.encoding(), "listpack");
        h.convert_for([&b"f"[..], b"123456789"], SMALL);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn integer_fields_match_their_text() {
        let mut h = Hash::new();
        h.set(b"12", b"-5", SMALL);
        assert!(h.contains(b"12"));
        assert!(!h.contains(b"012"));
        h.set(b"012", b"a", SMALL);
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"12").map(bytes_of), Some(b"-5".to_vec()));
        assert!(h.remove(b"12"));
        assert_eq!(h.to_pairs(), vec![(b"012".to_vec(), b"a".to_vec())]);
    }

    #[test]
    fn scan_of_a_table_returns_everything_across_calls() {
        let limits = Limits {
            max_entries: 2,
            max_value: 64,
        };
        let mut h = Hash::new();
        for i in 0..500 {
            h.set(format!("field:{i}").as_bytes(), b"v", limits);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = h.scan(cursor, 10, |k, _| {
                seen.insert(k.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 500);
    }

    #[test]
    fn random_sampling_respects_counts() {
        let mut rng = rand::rng();
        for limits in [SMALL, Limits::new(128, 64)] {
            let mut h = Hash::new();
            for i in 0..20 {
                h.set(format!("f{i}").as_bytes(), b"v", limits);
            }
            for count in [0, 1, 5, 7, 19, 20, 25] {
                let mut got = HashSet::new();
                let mut n = 0;
                h.random_distinct(count, &mut rng, |k, _| {
                    got.insert(k.to_vec());
                    n += 1;
                });
                assert_eq!(n, count.min(20));
                assert_eq!(got.len(), count.min(20));
            }
            let mut n = 0;
            h.random_pairs(50, &mut rng, |k, _| {
                assert!(h.contains(&k.to_vec()));
                n += 1;
                true
            });
            assert_eq!(n, 50);
            assert!(h.random_pair(&mut rng).is_some());
        }
        assert!(Hash::new().random_pair(&mut rng).is_none());
    }

    #[test]
    fn clone_and_eq_ignore_encoding_and_order() {
        let mut a = Hash::new();
        let mut b = Hash::new();
        a.set(b"x", b"1", SMALL);
        a.set(b"y", b"2", SMALL);
        b.set(b"y", b"2", SMALL);
        b.set(b"x", b"1", SMALL);
        assert_eq!(a, b);
        b.set(b"long-field-name", b"v", SMALL);
        b.remove(b"long-field-name");
        assert_eq!(b.encoding(), "hashtable");
        assert_eq!(a, b);
        assert_eq!(b.clone(), a);
        b.set(b"x", b"3", SMALL);
        assert_ne!(a, b);
    }

    #[test]
    fn from_listpack_rejects_bad_shapes() {
        let mut lp = Listpack::new();
        lp.push_back(b"a");
        assert!(Hash::from_listpack(lp.clone()).is_none());
        lp.push_back(b"1");
        lp.push_back(b"a");
        lp.push_back(b"2");
        assert!(Hash::from_listpack(lp).is_none());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<u8>, Vec<u8>),
        Remove(Vec<u8>),
        ConvertFor(Vec<u8>),
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u8..12).prop_map(|i| format!("f{i}").into_bytes()),
            (-3i64..40).prop_map(|i| i.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..12),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => (text(), text()).prop_map(|(f, v)| Op::Set(f, v)),
            3 => text().prop_map(Op::Remove),
            1 => text().prop_map(Op::ConvertFor),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_hashmap(ops in prop::collection::vec(op(), 1..120)) {
            let mut h = Hash::new();
            let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
            let mut converted = false;
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        let new = h.set(&f, &v, SMALL);
                        prop_assert_eq!(new, model.insert(f, v).is_none());
                    }
                    Op::Remove(f) => {
                        prop_assert_eq!(h.remove(&f), model.remove(&f).is_some());
                    }
                    Op::ConvertFor(a) => h.convert_for([a.as_slice()], SMALL),
                }
                if converted {
                    prop_assert_eq!(h.encoding(), "hashtable");
                }
                converted = h.encoding() == "hashtable";
                if !converted {
                    prop_assert!(h.len() <= SMALL.max_entries);
                }
                prop_assert_eq!(h.len(), model.len());
                for (f, v) in &model {
                    prop_assert_eq!(h.get(f).map(bytes_of), Some(v.clone()));
                    prop_assert_eq!(h.value_len(f), Some(v.len()));
                }
                let got: HashMap<_, _> = h.to_pairs().into_iter().collect();
                prop_assert_eq!(&got, &model);
            }
        }
    }
}
