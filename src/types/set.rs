//! The set type with Redis 7.0's two encodings: an intset while every member is a canonical
//! integer and there are at most `set-max-intset-entries` of them, a hash table otherwise.
//!
//! Representation:
//! - [`Intset`] keeps Redis's exact intset bytes (`encoding` u32 LE = 2, 4 or 8 bytes per element,
//!   `length` u32 LE, then the integers ascending, little endian, all of that width), so RDB can
//!   write it verbatim. Adding a value that needs a wider type rewrites every element at the new
//!   width (Redis's `intsetUpgradeAndAdd`); removing never narrows it back. The bytes live in a
//!   [`RawBuf`] (no prefix today), so an intset is bounded by 4 GiB: one that cannot grow
//!   further (2^29 64-bit members, reachable only with `set-max-intset-entries` raised that far)
//!   hands over to the hash table, and a bigger one in a file is refused as corrupt.
//! - The hash table is a [`Dict`] of members (no values).
//!
//! Invariants: an intset holds integers whose decimal form is `string2ll`-canonical (that is how
//! they got in, and how they print back), strictly ascending. A set converts from intset to hash
//! table when a non-integer member is added or the intset grows past the limit, exactly where
//! Redis's `setTypeAdd` converts, and never converts back (results of SINTERSTORE, SUNIONSTORE,
//! SDIFFSTORE and SPOP's rebuilt set are new sets, which start as intsets as in Redis).

use crate::util::cbytes::CompactBytes;
use crate::util::dict::Dict;
use crate::util::num;
use crate::util::rawbuf::{MAX_ALLOC, RawBuf};

/// Bytes of an intset header (encoding, length).
const INTSET_HEADER: usize = 8;

/// The largest intset Redis lets grow regardless of `set-max-intset-entries` (1G entries).
const INTSET_MAX_ENTRIES: u64 = 1 << 30;

/// A sorted array of integers in Redis's intset byte layout.
#[derive(Clone, PartialEq, Eq)]
pub struct Intset {
    /// Header then elements; always at least `INTSET_HEADER` bytes, sized exactly.
    buf: RawBuf,
}

impl std::fmt::Debug for Intset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intset")
            .field("width", &self.width())
            .field("values", &self.iter().collect::<Vec<_>>())
            .finish()
    }
}

impl Intset {
    /// The buffer (the keyspace keeps small intsets inside a key's own allocation, db::obj).
    pub(crate) fn raw_buf(&self) -> &RawBuf {
        &self.buf
    }

    /// Gives up the buffer.
    pub(crate) fn into_raw_buf(self) -> RawBuf {
        self.buf
    }

    /// An intset over `buf`, whose payload is a valid intset (bytes that came out of one).
    pub(crate) fn from_raw_buf(buf: RawBuf) -> Intset {
        Intset { buf }
    }

    /// The size a valid intset's header implies: 8 bytes plus width times count.
    pub(crate) fn encoded_len(bytes: &[u8]) -> usize {
        let word = |i: usize| {
            bytes
                .get(i..i + 4)
                .and_then(|b| b.first_chunk::<4>())
                .map_or(0, |b| u32::from_le_bytes(*b) as usize)
        };
        INTSET_HEADER + word(0) * word(4)
    }
}

impl Default for Intset {
    fn default() -> Self {
        Intset::new()
    }
}

/// The element width (bytes) Redis picks for `v` (`_intsetValueEncoding`).
fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

impl Intset {
    /// An empty intset of 16-bit elements.
    pub fn new() -> Self {
        let mut buf = RawBuf::with_capacity(INTSET_HEADER);
        buf.extend_from_slice(&2u32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        Intset { buf }
    }

    /// Takes serialized intset bytes (from an RDB file), validating them as Redis's
    /// `intsetValidateIntegrity` does: a known width, a length matching the size, values
    /// strictly ascending. Returns `None` on any inconsistency, and for more than 4 GiB.
    pub fn from_bytes(buf: Vec<u8>) -> Option<Self> {
        let head = buf.get(..INTSET_HEADER)?;
        let width = u32::from_le_bytes(head.get(..4)?.try_into().ok()?) as usize;
        let len = u32::from_le_bytes(head.get(4..8)?.try_into().ok()?) as usize;
        if !matches!(width, 2 | 4 | 8) {
            return None;
        }
        if len == 0 || buf.len() != INTSET_HEADER.checked_add(len.checked_mul(width)?)? {
            return None;
        }
        let set = Intset {
            buf: RawBuf::from_vec(buf)?,
        };
        let mut prev: Option<i64> = None;
        for v in set.iter() {
            if prev.is_some_and(|p| p >= v) {
                return None;
            }
            prev = Some(v);
        }
        Some(set)
    }

    /// The serialized bytes (header and elements), as RDB stores them.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_slice()
    }

    /// Bytes per element: 2, 4 or 8.
    pub fn width(&self) -> usize {
        self.buf
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map_or(2, |b: [u8; 4]| u32::from_le_bytes(b) as usize)
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        self.buf
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b: [u8; 4]| u32::from_le_bytes(b) as usize)
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn set_len(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if let Some(b) = self.buf.get_mut(4..8) {
            b.copy_from_slice(&n.to_le_bytes());
        }
    }

    /// The element at `i` (ascending order), if any.
    pub fn get(&self, i: usize) -> Option<i64> {
        let w = self.width();
        let start = INTSET_HEADER.checked_add(i.checked_mul(w)?)?;
        let b = self.buf.get(start..start.checked_add(w)?)?;
        Some(decode(b))
    }

    /// Binary search: `Ok(index)` if present, `Err(insertion index)` if not (Redis's
    /// `intsetSearch`, with its shortcut for values past either end).
    pub fn search(&self, v: i64) -> Result<usize, usize> {
        let len = self.len();
        if len == 0 {
            return Err(0);
        }
        if self.get(len - 1).is_some_and(|last| v > last) {
            return Err(len);
        }
        if self.get(0).is_some_and(|first| v < first) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid) {
                Some(x) if x < v => lo = mid + 1,
                Some(x) if x > v => hi = mid,
                Some(_) => return Ok(mid),
                None => break,
            }
        }
        Err(lo)
    }

    /// Whether `v` is present (a value wider than the current width cannot be).
    pub fn contains(&self, v: i64) -> bool {
        width_for(v) <= self.width() && self.search(v).is_ok()
    }

    /// Adds `v`; returns false if it was already present. Upgrades the width if needed.
    ///
    /// An intset without room for `v` (see [`Intset::has_room_for`]) is left unchanged and the
    /// call returns false; `Set` converts to a hash table before that can happen.
    pub fn add(&mut self, v: i64) -> bool {
        let w = self.width();
        if width_for(v) > w {
            return self.upgrade_and_add(v);
        }
        let Err(pos) = self.search(v) else {
            return false;
        };
        // Exact growth, as Redis reallocs an intset to its new size on every add.
        if self.buf.try_reserve_exact(w).is_err() {
            return false;
        }
        let at = INTSET_HEADER + pos * w;
        let mut bytes = [0u8; 8];
        encode(v, w, &mut bytes);
        self.buf
            .insert_slice(at, bytes.get(..w).unwrap_or_default());
        self.set_len(self.len() + 1);
        true
    }

    /// Whether adding `v` keeps the intset within the 4 GiB its buffer can hold (true when `v`
    /// is already present).
    pub fn has_room_for(&self, v: i64) -> bool {
        let w = width_for(v).max(self.width());
        self.contains(v) || grown_size(self.len(), w).is_some_and(|n| n <= self.buf.max_capacity())
    }

    /// Rewrites every element at the width `v` needs, then puts `v` at the front (negative)
    /// or the back (positive): a value that needs a wider type is beyond every element.
    /// Returns false, changing nothing, if the result would not fit.
    fn upgrade_and_add(&mut self, v: i64) -> bool {
        let new_w = width_for(v);
        let len = self.len();
        let Some(size) = grown_size(len, new_w) else {
            return false;
        };
        let mut buf = RawBuf::with_capacity(size);
        buf.extend_from_slice(&(new_w as u32).to_le_bytes());
        buf.extend_from_slice(&((len + 1) as u32).to_le_bytes());
        let mut tmp = [0u8; 8];
        let mut push = |buf: &mut RawBuf, x: i64| {
            encode(x, new_w, &mut tmp);
            buf.extend_from_slice(tmp.get(..new_w).unwrap_or_default());
        };
        if v < 0 {
            push(&mut buf, v);
        }
        for x in self.iter() {
            push(&mut buf, x);
        }
        if v >= 0 {
            push(&mut buf, v);
        }
        self.buf = buf;
        true
    }

    /// Removes `v`; returns whether it was present. Never narrows the width.
    pub fn remove(&mut self, v: i64) -> bool {
        if width_for(v) > self.width() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        let w = self.width();
        let at = INTSET_HEADER + pos * w;
        self.buf.remove_range(at..at + w);
        self.buf.shrink_to_fit();
        self.set_len(self.len().saturating_sub(1));
        true
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let w = self.width();
        let body = self.buf.as_slice().get(INTSET_HEADER..).unwrap_or_default();
        body.chunks_exact(w).map(decode)
    }

    /// A uniformly random element (Redis's `intsetRandom`).
    pub fn random<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<i64> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        self.get((rng.next_u64() % len as u64) as usize)
    }

    /// Heap bytes (the allocation Redis would make: header plus elements).
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }
}

/// The byte size of an intset of `len + 1` elements of `w` bytes, if it fits a `RawBuf`.
fn grown_size(len: usize, w: usize) -> Option<usize> {
    len.checked_add(1)?
        .checked_mul(w)?
        .checked_add(INTSET_HEADER)
        .filter(|&n| n <= MAX_ALLOC)
}

/// Decodes one little-endian element of 2, 4 or 8 bytes (sign-extended).
fn decode(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    let raw = i64::from_le_bytes(a);
    match b.len() {
        2 => i64::from(raw as i16),
        4 => i64::from(raw as i32),
        _ => raw,
    }
}

/// Encodes `v` in `w` little-endian bytes into the front of `out` (the caller checked it fits).
fn encode(v: i64, w: usize, out: &mut [u8; 8]) {
    let all = v.to_le_bytes();
    for (d, s) in out.iter_mut().zip(all.iter()).take(w) {
        *d = *s;
    }
}

/// One member as a set yields it: integers from an intset, bytes from a hash table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    /// An intset element.
    Int(i64),
    /// A hash-table member.
    Str(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (an integer in decimal).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Member::Int(n) => n.to_string().into_bytes(),
            Member::Str(s) => s.to_vec(),
        }
    }
}

/// The two encodings.
enum Repr {
    /// "intset".
    Int(Intset),
    /// "hashtable".
    Hash(Box<Dict<CompactBytes, ()>>),
}

/// A set value.
pub struct Set {
    repr: Repr,
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.repr {
            Repr::Int(is) => is.fmt(f),
            Repr::Hash(d) => f.debug_set().entries(d.keys()).finish(),
        }
    }
}

impl Default for Set {
    fn default() -> Self {
        Set::new()
    }
}

impl Clone for Set {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Int(is) => Set {
                repr: Repr::Int(is.clone()),
            },
            Repr::Hash(d) => {
                let mut n = Dict::with_capacity(d.len());
                for k in d.keys() {
                    n.insert(k.clone(), ());
                }
                Set {
                    repr: Repr::Hash(Box::new(n)),
                }
            }
        }
    }
}

impl PartialEq for Set {
    /// Same encoding and same members.
    fn eq(&self, other: &Self) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Int(a), Repr::Int(b)) => a == b,
            (Repr::Hash(a), Repr::Hash(b)) => {
                a.len() == b.len() && a.keys().all(|k| b.contains_key(k))
            }
            _ => false,
        }
    }
}

impl Set {
    /// An empty set in the intset encoding (Redis's `createIntsetObject`).
    pub fn new() -> Self {
        Set {
            repr: Repr::Int(Intset::new()),
        }
    }

    /// An empty set in the encoding Redis picks for a set whose first member is `first`
    /// (`setTypeCreate`): intset for an integer, hash table otherwise.
    pub fn for_member(first: &[u8]) -> Self {
        if num::parse_i64(first).is_some() {
            Set::new()
        } else {
            Set {
                repr: Repr::Hash(Box::default()),
            }
        }
    }

    /// A set over an intset read from a file.
    pub fn from_intset(is: Intset) -> Self {
        Set {
            repr: Repr::Int(is),
        }
    }

    /// Whether two sets are one stored value seen twice (the same key given twice): the same
    /// intset bytes or the same hash table.
    pub fn same_storage(&self, other: &Set) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Int(a), Repr::Int(b)) => {
                std::ptr::eq(a.raw_buf().as_ptr(), b.raw_buf().as_ptr())
            }
            (Repr::Hash(a), Repr::Hash(b)) => std::ptr::eq(&**a, &**b),
            _ => false,
        }
    }

    /// The intset, taken out, when that is the encoding.
    pub(crate) fn into_intset(self) -> Result<Intset, Set> {
        match self.repr {
            Repr::Int(is) => Ok(is),
            repr => Err(Set { repr }),
        }
    }

    /// The intset, when that is the encoding (for RDB).
    pub fn as_intset(&self) -> Option<&Intset> {
        match &self.repr {
            Repr::Int(is) => Some(is),
            Repr::Hash(_) => None,
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Int(_) => "intset",
            Repr::Hash(_) => "hashtable",
        }
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Int(is) => is.len(),
            Repr::Hash(d) => d.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Buckets of the hashtable encoding, both tables while rehashing (Redis's dictSlots);
    /// `None` for an intset (MEMORY USAGE).
    pub fn table_buckets(&self) -> Option<usize> {
        match &self.repr {
            Repr::Int(_) => None,
            Repr::Hash(d) => Some(d.bucket_counts().iter().sum()),
        }
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Int(is) => is.heap_size(),
            Repr::Hash(d) => {
                std::mem::size_of::<Dict<CompactBytes, ()>>()
                    + d.mem_usage()
                    + d.keys().map(|k| k.heap_size()).sum::<usize>()
            }
        }
    }

    /// Converts an intset to a hash table (Redis's `setTypeConvert`); no-op otherwise.
    pub fn convert_to_hashtable(&mut self) {
        if let Repr::Int(is) = &self.repr {
            let mut d = Dict::with_capacity(is.len());
            for v in is.iter() {
                d.insert(CompactBytes::from(v.to_string().into_bytes()), ());
            }
            self.repr = Repr::Hash(Box::new(d));
        }
    }

    /// Adds `member` (Redis's `setTypeAdd`); returns whether it was new. An intset converts to
    /// a hash table on a non-integer member or once it holds more than `max_intset_entries`.
    pub fn add(&mut self, member: &[u8], max_intset_entries: u64) -> bool {
        match &mut self.repr {
            Repr::Hash(d) => {
                if d.contains_key(member) {
                    return false;
                }
                d.insert(CompactBytes::from_slice(member), ());
                true
            }
            Repr::Int(is) => match num::parse_i64(member) {
                Some(v) if !is.has_room_for(v) => {
                    self.convert_to_hashtable();
                    self.add(member, max_intset_entries)
                }
                Some(v) => {
                    if !is.add(v) {
                        return false;
                    }
                    let max = max_intset_entries.min(INTSET_MAX_ENTRIES);
                    if is.len() as u64 > max {
                        self.convert_to_hashtable();
                    }
                    true
                }
                None => {
                    self.convert_to_hashtable();
                    if let Repr::Hash(d) = &mut self.repr {
                        d.insert(CompactBytes::from_slice(member), ());
                    }
                    true
                }
            },
        }
    }

    /// Adds a member taken from another set, without formatting an integer going into an
    /// intset; same result as [`Set::add`] on its bytes.
    pub fn add_member(&mut self, m: Member<'_>, max_intset_entries: u64) -> bool {
        match (m, &mut self.repr) {
            (Member::Int(v), Repr::Int(is)) if is.has_room_for(v) => {
                if !is.add(v) {
                    return false;
                }
                if is.len() as u64 > max_intset_entries.min(INTSET_MAX_ENTRIES) {
                    self.convert_to_hashtable();
                }
                true
            }
            (Member::Int(v), _) => self.add(v.to_string().as_bytes(), max_intset_entries),
            (Member::Str(b), _) => self.add(b, max_intset_entries),
        }
    }

    /// Removes `member`; returns whether it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Hash(d) => d.remove(member).is_some(),
            Repr::Int(is) => num::parse_i64(member).is_some_and(|v| is.remove(v)),
        }
    }

    /// Whether `member` is present.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Hash(d) => d.contains_key(member),
            Repr::Int(is) => num::parse_i64(member).is_some_and(|v| is.contains(v)),
        }
    }

    /// Whether the member `m` (taken from another set) is present, without formatting an
    /// intset integer when this set is an intset too.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (m, &self.repr) {
            (Member::Int(v), Repr::Int(is)) => is.contains(v),
            (Member::Int(v), Repr::Hash(d)) => d.contains_key(v.to_string().as_bytes()),
            (Member::Str(s), _) => self.contains(s),
        }
    }

    /// The members: ascending integers for an intset, table order for a hash table.
    pub fn iter(&self) -> SetIter<'_> {
        match &self.repr {
            Repr::Int(is) => SetIter::Int(Box::new(is.iter())),
            Repr::Hash(d) => SetIter::Hash(Box::new(d.keys())),
        }
    }

    /// A random member (Redis's `setTypeRandomElement`: `intsetRandom`, or
    /// `dictGetFairRandomKey` for a hash table).
    pub fn random<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Int(is) => is.random(rng).map(Member::Int),
            Repr::Hash(d) => d
                .fair_random_entry(rng)
                .map(|(k, _)| Member::Str(k.as_slice())),
        }
    }

    /// Removes and returns a random member.
    pub fn pop_random<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Vec<u8>> {
        match &mut self.repr {
            Repr::Int(is) => {
                let v = is.random(rng)?;
                is.remove(v);
                Some(v.to_string().into_bytes())
            }
            Repr::Hash(d) => {
                let k = d.fair_random_entry(rng).map(|(k, _)| k.to_vec())?;
                d.remove(&k);
                Some(k)
            }
        }
    }

    /// One SSCAN step from `cursor`: an intset is visited whole and answers cursor 0; a hash
    /// table visits one bucket (Redis's guarantee) and returns the next cursor.
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(Member<'a>)) -> u64 {
        match &self.repr {
            Repr::Int(is) => {
                for v in is.iter() {
                    f(Member::Int(v));
                }
                0
            }
            Repr::Hash(d) => d.scan(cursor, |k, _| f(Member::Str(k.as_slice()))),
        }
    }

    /// Whether the encoding visits everything in one SSCAN call (not a hash table).
    pub fn scans_whole(&self) -> bool {
        matches!(self.repr, Repr::Int(_))
    }
}

/// Iterator over a set's members.
pub enum SetIter<'a> {
    /// Over an intset.
    Int(Box<dyn Iterator<Item = i64> + 'a>),
    /// Over a hash table.
    Hash(Box<dyn Iterator<Item = &'a CompactBytes> + 'a>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            SetIter::Int(it) => it.next().map(Member::Int),
            SetIter::Hash(it) => it.next().map(|k| Member::Str(k.as_slice())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(is: &Intset) -> (u32, u32) {
        let b = is.as_bytes();
        (
            u32::from_le_bytes(b[0..4].try_into().unwrap()),
            u32::from_le_bytes(b[4..8].try_into().unwrap()),
        )
    }

    #[test]
    fn intset_layout_and_upgrade() {
        let mut is = Intset::new();
        assert_eq!(is.as_bytes(), &[2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(is.add(5));
        assert!(is.add(-3));
        assert!(!is.add(5));
        assert_eq!(is.as_bytes(), &[2, 0, 0, 0, 2, 0, 0, 0, 0xfd, 0xff, 5, 0]);
        assert!(is.add(70000));
        assert_eq!(header(&is), (4, 3));
        assert_eq!(is.iter().collect::<Vec<_>>(), vec![-3, 5, 70000]);
        assert!(is.add(i64::MIN));
        assert_eq!(header(&is), (8, 4));
        assert_eq!(is.iter().collect::<Vec<_>>(), vec![i64::MIN, -3, 5, 70000]);
        assert!(is.remove(i64::MIN));
        assert!(is.remove(70000));
        // Removing never narrows.
        assert_eq!(header(&is), (8, 2));
        assert_eq!(is.as_bytes().len(), 8 + 16);
        assert!(is.contains(-3));
        assert!(!is.contains(4));
        assert!(!is.remove(1 << 40));
        let copy = Intset::from_bytes(is.as_bytes().to_vec()).unwrap();
        assert_eq!(copy, is);
    }

    #[test]
    fn intset_size_is_bounded_by_its_buffer() {
        // 2^29 - 2 elements of 8 bytes plus the header are 4 GiB - 8 bytes: the last that fits.
        assert_eq!(grown_size((1 << 29) - 3, 8), Some((1 << 32) - 8));
        assert_eq!(grown_size((1 << 29) - 2, 8), None);
        assert_eq!(grown_size((1 << 30) - 1, 4), None);
        assert_eq!(grown_size((1 << 30) - 1, 2), Some(8 + (1 << 31)));
        assert_eq!(grown_size(usize::MAX, 2), None);
        let is = Intset::from_bytes(vec![2, 0, 0, 0, 1, 0, 0, 0, 1, 0]).unwrap();
        assert!(is.has_room_for(1));
        assert!(is.has_room_for(i64::MAX));
        assert_eq!(is.heap_size(), 10);
    }

    #[test]
    fn intset_from_bytes_rejects_bad_input() {
        assert!(Intset::from_bytes(vec![]).is_none());
        assert!(Intset::from_bytes(vec![3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]).is_none());
        assert!(Intset::from_bytes(vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0]).is_none());
        assert!(Intset::from_bytes(vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0]).is_none());
        assert!(Intset::from_bytes(vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]).is_some());
    }

    #[test]
    fn intset_search_matches_a_model() {
        let mut is = Intset::new();
        let mut model = std::collections::BTreeSet::new();
        let mut x: i64 = 7;
        for _ in 0..500 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (x >> 40) % 1000;
            if x & 1 == 0 {
                assert_eq!(is.add(v), model.insert(v));
            } else {
                assert_eq!(is.remove(v), model.remove(&v));
            }
            assert_eq!(is.len(), model.len());
        }
        assert_eq!(
            is.iter().collect::<Vec<_>>(),
            model.iter().copied().collect::<Vec<_>>()
        );
    }

    #[test]
    fn set_converts_where_redis_does_and_never_back() {
        let mut s = Set::for_member(b"1");
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"1", 3));
        assert!(s.add(b"2", 3));
        assert!(s.add(b"3", 3));
        assert_eq!(s.encoding(), "intset");
        assert!(!s.add(b"3", 3));
        assert!(s.add(b"4", 3));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.remove(b"4"));
        assert_eq!(s.encoding(), "hashtable");
        let mut t = Set::new();
        assert!(t.add(b"01", 10));
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.contains(b"01"));
        assert!(!t.contains(b"1"));
        assert!(Set::for_member(b"x").encoding() == "hashtable");
    }

    #[test]
    fn contains_member_across_encodings() {
        let mut a = Set::new();
        a.add(b"10", 512);
        let mut b = Set::new();
        b.add(b"x", 512);
        b.add(b"10", 512);
        assert!(b.contains_member(Member::Int(10)));
        assert!(a.contains_member(Member::Str(b"10")));
        assert!(!a.contains_member(Member::Str(b"x")));
        assert_eq!(a.clone(), a);
        assert_eq!(b.clone(), b);
    }
}
