//! `Listpack`: a compact sequence of strings and integers in Redis 7.0's exact listpack bytes.
//!
//! Small lists (quicklist nodes), hashes and sorted sets keep their elements in one contiguous
//! buffer laid out exactly as Redis's `listpack.c` lays it out, so RDB files and DUMP payloads
//! can carry the buffer verbatim and a buffer read from them can be used as is.
//!
//! Layout (all multi-byte numbers little endian):
//!
//! ```text
//! <total-bytes u32> <count u16> <entry> ... <entry> <0xFF>
//! entry = <encoding + data> <backlen>
//! ```
//!
//! Encodings, by the first byte:
//!
//! | first byte  | meaning                                             | size of encoding + data |
//! |-------------|-----------------------------------------------------|-------------------------|
//! | `0xxxxxxx`  | integer 0..=127                                     | 1                       |
//! | `10LLLLLL`  | string of 0..=63 bytes                              | 1 + len                 |
//! | `110xxxxx`  | 13-bit two's complement integer (next byte = low 8) | 2                       |
//! | `1110LLLL`  | string of 0..=4095 bytes (next byte = low 8 of len) | 2 + len                 |
//! | `0xF0`      | string, u32 length follows                          | 5 + len                 |
//! | `0xF1..F4`  | 16, 24, 32 and 64-bit two's complement integer      | 3, 4, 5, 9              |
//! | `0xFF`      | end of the listpack                                 | 1                       |
//!
//! `backlen` is the size of the entry's encoding + data, written so that it can be read from its
//! last byte backwards: 7 bits per byte, the last byte holds the lowest 7 bits, and every byte but
//! the first (leftmost) has its high bit set. It takes 1 byte up to 127, 2 below 16383, 3 below
//! 2097151, 4 below 268435455, else 5 (Redis's thresholds, including their off-by-one).
//!
//! A string that is a canonical integer (`util::num::parse_i64`, Redis's `string2ll`) is stored
//! with the smallest integer encoding that holds it, as `lpInsert` does, and reads back as
//! `LpValue::Int`. The count field saturates at 65535 ("unknown", count by walking); we always
//! know the true count and write `min(len, 65535)` whenever we modify the buffer.
//!
//! The bytes live in a [`RawBuf`] (24 bytes, payload bounded by u32 as the header's total is).
//! Its prefix is empty today; the buffer type lets a later stage put a listpack after a key's
//! header in the key's own allocation without changing this module's code.
//!
//! Invariants: `buf` is always a valid listpack (`from_bytes` checks every byte of a foreign
//! buffer, with Redis's deep integrity rules plus canonical backlen bytes) and `len` is its
//! element count. Every read below therefore goes through checked slicing only as a belt and
//! braces measure: a failed decode ends an iteration instead of panicking.

use crate::util::num::{fmt_i64, parse_i64};
use crate::util::rawbuf::RawBuf;

/// Size of the header: total bytes (u32) and element count (u16).
/// The size past which a collection leaves its listpack encoding (Redis's
/// `LISTPACK_MAX_SAFETY_SIZE`, checked by `lpSafeToAdd`).
pub const MAX_SAFETY_SIZE: usize = 1 << 30;

/// Whether `add` more bytes keep a listpack of `bytes` within [`MAX_SAFETY_SIZE`] (Redis's
/// `lpSafeToAdd`).
pub fn safe_to_add(bytes: usize, add: usize) -> bool {
    bytes.saturating_add(add) <= MAX_SAFETY_SIZE
}

const HEADER_SIZE: usize = 6;
/// The terminator byte.
const EOF: u8 = 0xFF;
/// The count field's "too many to count" value.
const COUNT_UNKNOWN: usize = 65535;

const ENC_13BIT_INT: u8 = 0xC0;
const ENC_12BIT_STR: u8 = 0xE0;
const ENC_32BIT_STR: u8 = 0xF0;
const ENC_16BIT_INT: u8 = 0xF1;
const ENC_24BIT_INT: u8 = 0xF2;
const ENC_32BIT_INT: u8 = 0xF3;
const ENC_64BIT_INT: u8 = 0xF4;

/// One element of a listpack: an integer or a byte string borrowed from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LpValue<'a> {
    /// An element stored with an integer encoding.
    Int(i64),
    /// An element stored with a string encoding.
    Str(&'a [u8]),
}

impl<'a> LpValue<'a> {
    /// Returns the element as bytes, formatting an integer into `buf` (Redis's `lpGet`).
    pub fn to_bytes<'b>(&'b self, buf: &'b mut [u8; 20]) -> &'b [u8] {
        match self {
            LpValue::Int(n) => fmt_i64(*n, buf),
            LpValue::Str(s) => s,
        }
    }

    /// Returns the element as an owned byte vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 20];
        self.to_bytes(&mut buf).to_vec()
    }

    /// Returns whether the element's bytes equal `v` (Redis's `lpCompare`).
    pub fn eq_bytes(&self, v: &[u8]) -> bool {
        match self {
            LpValue::Str(s) => *s == v,
            LpValue::Int(n) => parse_i64(v) == Some(*n),
        }
    }

    /// Returns the element as an integer if it is stored as one or its bytes are canonical.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            LpValue::Int(n) => Some(*n),
            LpValue::Str(s) => parse_i64(s),
        }
    }
}

/// A listpack buffer in Redis 7.0's byte format; see the module header.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    /// The whole serialized listpack, header and terminator included. The element count is
    /// the header's (walked only when it says 65535, "unknown", as Redis's lpLength), so a
    /// `Listpack` is one 24-byte `RawBuf` and small hashes and sorted sets can hold it inline.
    buf: RawBuf,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Listpack {
    /// The buffer (the keyspace keeps small listpacks inside a key's own allocation, db::obj).
    pub(crate) fn raw_buf(&self) -> &RawBuf {
        &self.buf
    }

    /// Gives up the buffer.
    pub(crate) fn into_raw_buf(self) -> RawBuf {
        self.buf
    }

    /// A listpack over `buf`, whose payload is a valid listpack (bytes that came out of one),
    /// so nothing is checked.
    pub(crate) fn from_raw_buf(buf: RawBuf) -> Listpack {
        Listpack { buf }
    }

    /// The total size a valid listpack's header records (its first four bytes).
    pub(crate) fn encoded_len(bytes: &[u8]) -> usize {
        bytes
            .first_chunk::<4>()
            .map_or(0, |b| u32::from_le_bytes(*b) as usize)
    }

    /// Returns an empty listpack (7 bytes: header and terminator).
    pub fn new() -> Self {
        let mut lp = Listpack {
            buf: RawBuf::with_capacity(HEADER_SIZE + 1),
        };
        lp.buf.extend_from_slice(&[0; HEADER_SIZE]);
        lp.buf.push(EOF);
        lp.write_header(0);
        lp
    }

    /// Returns the number of elements.
    pub fn len(&self) -> usize {
        let count = self
            .buf
            .get(4..6)
            .and_then(|h| <[u8; 2]>::try_from(h).ok())
            .map_or(0, |h| usize::from(u16::from_le_bytes(h)));
        if count < COUNT_UNKNOWN {
            return count;
        }
        let mut n = 0;
        let mut pos = HEADER_SIZE;
        while pos < self.end_offset() {
            match next_offset(&self.buf, pos) {
                Some(next) => pos = next,
                None => break,
            }
            n += 1;
        }
        n
    }

    /// Returns whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.buf.len() <= HEADER_SIZE + 1
    }

    /// Returns the total serialized size in bytes (Redis's `lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Returns the heap memory held by the buffer (its capacity).
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// Returns the serialized listpack, exactly as Redis stores it.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_slice()
    }

    /// Consumes the listpack and returns its serialized bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.to_vec()
    }

    /// Validates a serialized listpack (from RDB or RESTORE) and adopts it; `None` if invalid.
    ///
    /// Every entry is checked: known encoding, within bounds, backlen bytes equal to the
    /// canonical encoding of the entry's size, terminator at the very end, header total equal
    /// to the buffer length, and header count equal to the number of entries unless 65535.
    pub fn from_bytes(b: Vec<u8>) -> Option<Self> {
        let total = u32::from_le_bytes(b.get(0..4)?.try_into().ok()?);
        if usize::try_from(total).ok()? != b.len() || b.len() < HEADER_SIZE + 1 {
            return None;
        }
        let count = usize::from(u16::from_le_bytes(b.get(4..6)?.try_into().ok()?));
        if *b.last()? != EOF {
            return None;
        }
        let end = b.len() - 1;
        let mut pos = HEADER_SIZE;
        let mut n = 0usize;
        while pos < end {
            let (enc_size, _) = decode_entry(&b, pos)?;
            let mut back = [0u8; 5];
            let back = encode_backlen(enc_size, &mut back);
            let back_start = pos.checked_add(enc_size)?;
            let next = back_start.checked_add(back.len())?;
            if next > end || b.get(back_start..next)? != back {
                return None;
            }
            pos = next;
            n += 1;
        }
        if count != COUNT_UNKNOWN && count != n {
            return None;
        }
        // The header's u32 total equals the length, so the bytes fit a RawBuf.
        Some(Listpack {
            buf: RawBuf::from_vec(b)?,
        })
    }

    /// Appends `v` at the end (an integer encoding if `v` is a canonical integer).
    pub fn push_back(&mut self, v: &[u8]) {
        let at = self.end_offset();
        self.splice_entry(at..at, Some(Elem::Bytes(v)));
    }

    /// Inserts `v` before the first element.
    pub fn push_front(&mut self, v: &[u8]) {
        self.splice_entry(HEADER_SIZE..HEADER_SIZE, Some(Elem::Bytes(v)));
    }

    /// Appends the integer `n` (Redis's `lpAppendInteger`).
    pub fn push_back_int(&mut self, n: i64) {
        let at = self.end_offset();
        self.splice_entry(at..at, Some(Elem::Int(n)));
    }

    /// Returns the element at `index`; a negative index counts from the end (-1 is the last).
    pub fn get(&self, index: isize) -> Option<LpValue<'_>> {
        // Iter::nth and nth_back seek from whichever end is nearer.
        if index >= 0 {
            self.iter().nth(index.unsigned_abs())
        } else {
            self.iter().nth_back(index.unsigned_abs() - 1)
        }
    }

    /// Inserts `v` before the element at `index`; `index >= len` appends.
    pub fn insert(&mut self, index: usize, v: &[u8]) {
        let at = self.offset_of(index).unwrap_or(self.end_offset());
        self.splice_entry(at..at, Some(Elem::Bytes(v)));
    }

    /// Inserts the integer `n` before the element at `index`; `index >= len` appends.
    pub fn insert_int(&mut self, index: usize, n: i64) {
        let at = self.offset_of(index).unwrap_or(self.end_offset());
        self.splice_entry(at..at, Some(Elem::Int(n)));
    }

    /// Replaces the element at `index` with `v`; does nothing if `index >= len`.
    pub fn replace(&mut self, index: usize, v: &[u8]) {
        if let Some(range) = self.entries_range(index, 1) {
            self.splice_entry(range, Some(Elem::Bytes(v)));
        }
    }

    /// Replaces the element at `index` with the integer `n`; does nothing if `index >= len`.
    ///
    /// An entry whose encoding keeps its size is overwritten in place (stream nodes update their
    /// counters and flags this way on every insert and delete).
    pub fn replace_int(&mut self, index: usize, n: i64) {
        if let Some(range) = self.entries_range(index, 1) {
            // A 7-bit integer replacing a 7-bit integer: one byte, same backlen.
            if (0..=127).contains(&n)
                && range.len() == 2
                && let Some(b) = self.buf.get_mut(range.start)
                && *b < 0x80
            {
                *b = n as u8;
                return;
            }
            let mut enc = RawBuf::with_capacity(16);
            encode_entry(Elem::Int(n), &mut enc);
            if enc.len() == range.len() {
                if let Some(dst) = self.buf.get_mut(range) {
                    dst.copy_from_slice(enc.as_slice());
                }
                return;
            }
            self.splice_entry(range, Some(Elem::Int(n)));
        }
    }

    /// Returns an empty listpack whose buffer has room for `bytes` bytes (Redis's `lpNew`
    /// preallocation, used by stream nodes that grow up to a known bound).
    pub fn with_capacity(bytes: usize) -> Self {
        let mut lp = Listpack {
            buf: RawBuf::with_capacity(bytes.max(HEADER_SIZE + 1)),
        };
        lp.buf.extend_from_slice(&[0; HEADER_SIZE]);
        lp.buf.push(EOF);
        lp.write_header(0);
        lp
    }

    /// Releases unused capacity (Redis's `lpShrinkToFit`).
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// Removes the element at `index`; does nothing if `index >= len`.
    pub fn remove(&mut self, index: usize) {
        self.remove_range(index, 1);
    }

    /// Removes up to `count` elements starting at `start` (clipped to the end).
    pub fn remove_range(&mut self, start: usize, count: usize) {
        if count == 0 {
            return;
        }
        if let Some(range) = self.entries_range(start, count) {
            self.splice_entry(range, None);
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = Listpack::new();
    }

    /// Returns an iterator over the elements, usable from both ends.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: self.buf.as_slice(),
            front: HEADER_SIZE,
            back: self.buf.len().saturating_sub(1),
            remaining: self.len(),
        }
    }

    /// Returns the first index `i` (among 0, skip+1, 2*(skip+1), ...) whose element equals `v`.
    ///
    /// `skip = 1` looks at the keys of a key/value listpack (hash fields, zset members).
    pub fn find(&self, v: &[u8], skip: usize) -> Option<usize> {
        let as_int = parse_i64(v);
        let mut pos = HEADER_SIZE;
        let mut index = 0usize;
        let mut to_skip = 0usize;
        while index < self.len() {
            let (size, value) = decode_entry(&self.buf, pos)?;
            if to_skip == 0 {
                let equal = match value {
                    LpValue::Int(n) => as_int == Some(n),
                    LpValue::Str(s) => s == v,
                };
                if equal {
                    return Some(index);
                }
                to_skip = skip;
            } else {
                to_skip -= 1;
            }
            pos = pos.checked_add(size + backlen_size(size))?;
            index += 1;
        }
        None
    }

    /// Returns the offset of the terminator (where an appended entry goes).
    fn end_offset(&self) -> usize {
        self.buf.len().saturating_sub(1)
    }

    /// Returns the byte offset of the element at `index`, or `None` if `index >= len`.
    fn offset_of(&self, index: usize) -> Option<usize> {
        if index >= self.len() {
            return None;
        }
        if index > self.len() / 2 {
            // Nearer the end: walk the backlens back from the terminator.
            let mut pos = self.end_offset();
            for _ in 0..self.len() - index {
                pos = prev_offset(&self.buf, pos)?;
            }
            return Some(pos);
        }
        let mut pos = HEADER_SIZE;
        for _ in 0..index {
            pos = next_offset(&self.buf, pos)?;
        }
        Some(pos)
    }

    /// Returns the byte range of `count` elements from `start` (clipped), `None` if empty.
    fn entries_range(&self, start: usize, count: usize) -> Option<std::ops::Range<usize>> {
        let from = self.offset_of(start)?;
        let n = count.min(self.len() - start);
        let mut to = from;
        for _ in 0..n {
            to = next_offset(&self.buf, to)?;
        }
        Some(from..to)
    }

    /// Replaces the bytes in `range` (whole entries) with the encoding of `elem`, if any.
    ///
    /// The buffer stays within a few bytes of its encoded size, as Redis reallocs a listpack to
    /// its exact size on every change: millions of small hashes and zsets are mostly listpacks.
    /// The new entry is encoded in place at the end and rotated into position, so no temporary
    /// buffer is allocated per insert.
    ///
    /// An edit that could take the buffer past the 4 GiB a `RawBuf` (and the header's u32 total)
    /// can describe is refused, leaving the listpack unchanged: the types cap their listpacks
    /// far below that (Redis's `LISTPACK_MAX_SAFETY_SIZE`, 1 GiB), so only a caller that
    /// skipped its cap gets here, and it keeps a valid listpack instead of a panic.
    fn splice_entry(&mut self, range: std::ops::Range<usize>, elem: Option<Elem<'_>>) {
        // Upper bound of an entry: data, a 5-byte string header, a 5-byte backlen.
        let bound = match elem {
            Some(Elem::Bytes(v)) => v.len().saturating_add(10),
            Some(Elem::Int(_)) => 10,
            None => 0,
        };
        let kept = self.buf.len().saturating_sub(range.len());
        if kept.saturating_add(bound) > self.buf.max_capacity() {
            return;
        }
        let before = self.len();
        let removed = count_entries(&self.buf, range.clone());
        let at = range.start;
        if !range.is_empty() {
            self.buf.remove_range(range);
        }
        let mut added = 0;
        if let Some(elem) = elem {
            self.buf.reserve_exact(bound);
            let before = self.buf.len();
            encode_entry(elem, &mut self.buf);
            let enc_len = self.buf.len() - before;
            if let Some(tail) = self.buf.get_mut(at..) {
                tail.rotate_right(enc_len);
            }
            added = 1;
        } else if self.buf.capacity() > 2 * self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
        self.write_header(before - removed + added);
    }

    /// Writes the total size and the (saturated) count into the header.
    fn write_header(&mut self, count: usize) {
        let total = u32::try_from(self.buf.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes();
        let count = u16::try_from(count.min(COUNT_UNKNOWN))
            .unwrap_or(u16::MAX)
            .to_le_bytes();
        if let Some(h) = self.buf.get_mut(0..4) {
            h.copy_from_slice(&total);
        }
        if let Some(h) = self.buf.get_mut(4..6) {
            h.copy_from_slice(&count);
        }
    }
}

impl<'a> IntoIterator for &'a Listpack {
    type Item = LpValue<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over a listpack's elements; forward via the encodings, backward via the backlens.
#[derive(Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    /// Offset of the next entry from the front.
    front: usize,
    /// Offset just past the last not-yet-returned entry (its backlen's last byte + 1).
    back: usize,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        if self.remaining == 0 {
            return None;
        }
        // The two one-byte-header encodings (a 7-bit uint, a string of up to 63 bytes) are the
        // common entries: read them here; their backlen is one byte.
        let first = self.buf.get(self.front).copied().unwrap_or(0xFF);
        if first & 0x80 == 0 {
            self.front += 2;
            self.remaining -= 1;
            return Some(LpValue::Int(i64::from(first)));
        }
        if first & 0xC0 == 0x80 {
            let start = self.front + 1;
            let end = start + usize::from(first & 0x3F);
            if let Some(s) = self.buf.get(start..end) {
                self.front = end + 1;
                self.remaining -= 1;
                return Some(LpValue::Str(s));
            }
        }
        let Some((size, value)) = decode_entry(self.buf, self.front) else {
            self.remaining = 0;
            return None;
        };
        self.front += size + backlen_size(size);
        self.remaining -= 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }

    /// Seeks from the nearer end: skipping to an element near the back walks the backlens
    /// instead of every entry before it (a quicklist node's tail pop is O(1), not O(node)).
    fn nth(&mut self, n: usize) -> Option<LpValue<'a>> {
        if n >= self.remaining {
            self.remaining = 0;
            return None;
        }
        if n > self.remaining / 2 {
            let mut pos = self.back;
            for _ in 0..self.remaining - n {
                let Some(p) = prev_offset(self.buf, pos) else {
                    self.remaining = 0;
                    return None;
                };
                pos = p;
            }
            self.front = pos;
        } else {
            for _ in 0..n {
                let Some(p) = next_offset(self.buf, self.front) else {
                    self.remaining = 0;
                    return None;
                };
                self.front = p;
            }
        }
        self.remaining -= n;
        self.next()
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<LpValue<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let decoded = prev_offset(self.buf, self.back)
            .and_then(|start| Some((start, decode_entry(self.buf, start)?.1)));
        let Some((start, value)) = decoded else {
            self.remaining = 0;
            return None;
        };
        self.back = start;
        self.remaining -= 1;
        Some(value)
    }

    /// Seeks from the nearer end, as `nth` does.
    fn nth_back(&mut self, n: usize) -> Option<LpValue<'a>> {
        if n >= self.remaining {
            self.remaining = 0;
            return None;
        }
        if n > self.remaining / 2 {
            let mut pos = self.front;
            for _ in 0..self.remaining - n {
                let Some(p) = next_offset(self.buf, pos) else {
                    self.remaining = 0;
                    return None;
                };
                pos = p;
            }
            self.back = pos;
        } else {
            for _ in 0..n {
                let Some(p) = prev_offset(self.buf, self.back) else {
                    self.remaining = 0;
                    return None;
                };
                self.back = p;
            }
        }
        self.remaining -= n;
        self.next_back()
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// An element to encode: bytes (integer-encoded when canonical) or an integer.
#[derive(Clone, Copy)]
enum Elem<'a> {
    Bytes(&'a [u8]),
    Int(i64),
}

/// Appends the full entry (encoding, data, backlen) for `elem` to `out`.
fn encode_entry(elem: Elem<'_>, out: &mut RawBuf) {
    let start = out.len();
    let int = match elem {
        Elem::Int(n) => Some(n),
        Elem::Bytes(b) => parse_i64(b),
    };
    match (int, elem) {
        (Some(v), _) => encode_int(v, out),
        (None, Elem::Bytes(s)) => encode_str(s, out),
        (None, Elem::Int(_)) => {}
    }
    let mut back = [0u8; 5];
    out.extend_from_slice(encode_backlen(out.len() - start, &mut back));
}

/// Appends the smallest integer encoding of `v` (Redis's `lpEncodeIntegerGetType`).
fn encode_int(v: i64, out: &mut RawBuf) {
    if (0..=127).contains(&v) {
        out.push(v as u8);
    } else if (-4096..=4095).contains(&v) {
        let u = (v as u16) & 0x1FFF;
        out.push(ENC_13BIT_INT | (u >> 8) as u8);
        out.push(u as u8);
    } else if (-32768..=32767).contains(&v) {
        out.push(ENC_16BIT_INT);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    } else if (-8_388_608..=8_388_607).contains(&v) {
        out.push(ENC_24BIT_INT);
        out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
    } else if (-2_147_483_648..=2_147_483_647).contains(&v) {
        out.push(ENC_32BIT_INT);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        out.push(ENC_64BIT_INT);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Appends the string encoding of `s` (Redis's `lpEncodeString`).
///
/// Strings of 4 GiB or more cannot be represented; they are cut at `u32::MAX` bytes so the buffer
/// stays a valid listpack (callers never store values that large in a listpack).
fn encode_str(s: &[u8], out: &mut RawBuf) {
    let len = s.len();
    if len < 64 {
        out.push(0x80 | len as u8);
    } else if len < 4096 {
        out.push(ENC_12BIT_STR | (len >> 8) as u8);
        out.push(len as u8);
    } else {
        let l32 = u32::try_from(len).unwrap_or(u32::MAX);
        out.push(ENC_32BIT_STR);
        out.extend_from_slice(&l32.to_le_bytes());
        out.extend_from_slice(s.get(..l32 as usize).unwrap_or(s));
        return;
    }
    out.extend_from_slice(s);
}

/// Writes the backlen for an entry whose encoding + data take `l` bytes; returns the used tail.
fn encode_backlen(l: usize, buf: &mut [u8; 5]) -> &[u8] {
    let n = backlen_size(l);
    let l = l as u64;
    for (i, slot) in buf.iter_mut().take(n).enumerate() {
        // Byte i (from the left) holds bits 7*(n-1-i).. ; all but the first get the high bit.
        let shift = 7 * (n - 1 - i);
        let bits = ((l >> shift) & 127) as u8;
        *slot = if i == 0 {
            (l >> shift) as u8
        } else {
            bits | 128
        };
    }
    buf.get(..n).unwrap_or_default()
}

/// Returns how many bytes the backlen of an `l`-byte encoding takes (Redis's thresholds).
fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

/// Decodes the entry at `pos`: size of its encoding + data, and its value. `None` if invalid.
fn decode_entry(b: &[u8], pos: usize) -> Option<(usize, LpValue<'_>)> {
    let first = *b.get(pos)?;
    let byte = |i: usize| b.get(pos + i).copied();
    let bytes = |from: usize, n: usize| b.get(pos.checked_add(from)?..pos.checked_add(from + n)?);
    let string = |hdr: usize, len: usize| {
        let s = bytes(hdr, len)?;
        Some((hdr + len, LpValue::Str(s)))
    };
    if first & 0x80 == 0 {
        Some((1, LpValue::Int(i64::from(first))))
    } else if first & 0xC0 == 0x80 {
        string(1, usize::from(first & 0x3F))
    } else if first & 0xE0 == ENC_13BIT_INT {
        let u = (i64::from(first & 0x1F) << 8) | i64::from(byte(1)?);
        Some((2, LpValue::Int(if u >= 4096 { u - 8192 } else { u })))
    } else if first & 0xF0 == ENC_12BIT_STR {
        string(2, (usize::from(first & 0x0F) << 8) | usize::from(byte(1)?))
    } else {
        match first {
            ENC_32BIT_STR => {
                let len = u32::from_le_bytes(bytes(1, 4)?.try_into().ok()?);
                string(5, usize::try_from(len).ok()?)
            }
            ENC_16BIT_INT => {
                let v = i16::from_le_bytes(bytes(1, 2)?.try_into().ok()?);
                Some((3, LpValue::Int(i64::from(v))))
            }
            ENC_24BIT_INT => {
                let s = bytes(1, 3)?;
                let raw = [0, *s.first()?, *s.get(1)?, *s.get(2)?];
                // Shift the 24 bits to the top and back down to sign-extend.
                Some((4, LpValue::Int(i64::from(i32::from_le_bytes(raw) >> 8))))
            }
            ENC_32BIT_INT => {
                let v = i32::from_le_bytes(bytes(1, 4)?.try_into().ok()?);
                Some((5, LpValue::Int(i64::from(v))))
            }
            ENC_64BIT_INT => {
                let v = i64::from_le_bytes(bytes(1, 8)?.try_into().ok()?);
                Some((9, LpValue::Int(v)))
            }
            _ => None,
        }
    }
}

/// Returns the offset of the entry after the one at `pos`.
fn next_offset(b: &[u8], pos: usize) -> Option<usize> {
    let (size, _) = decode_entry(b, pos)?;
    pos.checked_add(size + backlen_size(size))
}

/// Returns the start offset of the entry that ends just before `end`, read through its backlen.
fn prev_offset(b: &[u8], end: usize) -> Option<usize> {
    let mut val: u64 = 0;
    let mut shift = 0u32;
    let mut p = end.checked_sub(1)?;
    loop {
        let c = *b.get(p)?;
        val |= u64::from(c & 127) << shift;
        if c & 128 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
        p = p.checked_sub(1)?;
    }
    let size = usize::try_from(val).ok()?;
    let start = end.checked_sub(size.checked_add(backlen_size(size))?)?;
    (start >= HEADER_SIZE).then_some(start)
}

/// Counts the whole entries in `range` (a range produced by `entries_range` or empty).
fn count_entries(b: &[u8], range: std::ops::Range<usize>) -> usize {
    let mut n = 0;
    let mut pos = range.start;
    while pos < range.end {
        match next_offset(b, pos) {
            Some(next) => pos = next,
            None => break,
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_to_add_stops_at_one_gib() {
        assert!(safe_to_add(MAX_SAFETY_SIZE - 10, 10));
        assert!(!safe_to_add(MAX_SAFETY_SIZE - 10, 11));
        assert!(!safe_to_add(usize::MAX, 1));
    }
    use proptest::prelude::*;

    /// DUMP payloads taken from Redis 7.0.15 after the given commands (type 18 = quicklist 2 with
    /// one packed node, 16 = hash listpack, 17 = zset listpack). `x*N` stands for N copies of x.
    /// `_lzf` cases were dumped with rdbcompression yes, so their listpack is LZF-compressed.
    #[rustfmt::skip]
    const DUMPS: &[(&str, &[&[&str]], &str)] = &[
    (
        "ints",
        &[
            &["RPUSH", "l", "0", "1", "127", "128", "-1", "-5", "300", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768", "-32769", "8388607", "-8388608", "8388608", "-8388609", "2147483647", "-2147483648", "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808"],
        ],
        concat!(
            "1201024083830000001900000101017f01c08002dfff02dffb02c12c02d00002cfff02f1001003f1ffef03f1",
            "ff7f03f1008003f200800004f2ff7fff04f2ffff7f04f200008004f30000800005f3ffff7fff05f3ffffff7f",
            "05f30000008005f4000000800000000009f4ffffff7fffffffff09f4ffffffffffffff7f09f4000000000000",
            "008009ff0a000bc8d2e6edcc02ff"
        ),
    ),
    (
        "strs_lzf",
        &[
            &["RPUSH", "l", "a", "", "9223372036854775808", "-9223372036854775809", "007", "-0", "+1", " 1", "1 ", "0x10", "1.5", "b*63", "c*64", "d*116", "e*117", "f*125", "g*126", "h*127", "i*200", "j*4095", "k*4096"],
        ],
        concat!(
            "120102c340fc64251f252400001500816102800193393232333337323033363835343737353830381401942d",
            "e009151039158330303704822d3003822b3103822020030f31200384307831300583312e3504bf62e0350003",
            "40e04063e036000342e07464e06a000376e07565e06b000377e07d66e07300037fe07e67e07400040180e07f",
            "68e07500040181e0c869e0be000401caefff6ae0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0",
            "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e07d00072081f0001000006be0ff00e0ff00e0ff00e0ff00",
            "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e07e00022085ff0a0062e0",
            "959cb321b028"
        ),
    ),
    (
        "lpush",
        &[
            &["LPUSH", "l", "x", "5", "-70000", "yy"],
        ],
        "1201021515000000040082797903f290eefe040501817802ff0a0025506db7c4392201",
    ),
    (
        "edit",
        &[
            &["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
            &["LSET", "l", "2", "12345"],
            &["LINSERT", "l", "BEFORE", "d", "zz"],
            &["LREM", "l", "1", "a"],
            &["LSET", "l", "-1", "q*70"],
            &["LTRIM", "l", "1", "-1"],
            &["RPUSH", "l", "777"],
        ],
        concat!(
            "1201024061610000000600f1393003827a7a03816402816502e0467171717171717171717171717171717171",
            "7171717171717171717171717171717171717171717171717171717171717171717171717171717171717171",
            "71717171717171717148c30902ff0a0027909576cd87adc2"
        ),
    ),
    (
        "bigback_lzf",
        &[
            &["RPUSH", "l", "x*16377", "y*16378", "z*16379", "end"],
        ],
        concat!(
            "120102c34260800000c0110b11c000000400f0f93f000078e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff",
            "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0",
            "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00",
            "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff",
            "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00c000077ffef0fa3f0000",
            "79e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0",
            "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00",
            "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff",
            "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0",
            "ff00e0ff00e0ff00e0ff00e000000800fffff0fb3f00007ae0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff",
            "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0",
            "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00",
            "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff",
            "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e001000801808083656e",
            "6404ff0a003634d06f640bd6e0"
        ),
    ),
    (
        "hash",
        &[
            &["HSET", "h", "f1", "v1", "n", "100", "neg", "-200000"],
            &["HSET", "h", "f1", "longer-value"],
            &["HDEL", "h", "n"],
        ],
        concat!(
            "1023230000000400826631038c6c6f6e6765722d76616c75650d836e656704f2c0f2fc04ff0a00aae3a50075",
            "35df51"
        ),
    ),
    (
        "zset",
        &[
            &["ZADD", "z", "1", "a", "2.5", "b", "-3", "c", "100000", "d"],
        ],
        concat!(
            "1122220000000800816302dffd02816102010181620283322e3504816402f2a0860104ff0a0025f2feb307f7",
            "39c2"
        ),
    ),
    (
        "empty1",
        &[
            &["RPUSH", "l", ""],
        ],
        "120102090900000001008001ff0a008dee15cfb3e28035",
    ),

    ];

    fn expand(a: &str) -> Vec<u8> {
        match a.split_once('*') {
            Some((c, n)) if c.len() == 1 && n.parse::<usize>().is_ok() => {
                c.repeat(n.parse().unwrap()).into_bytes()
            }
            _ => a.as_bytes().to_vec(),
        }
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// Reads an RDB length (6-bit, 14-bit, 32-bit); `Err(enc)` for a special encoding.
    fn rdb_len(b: &[u8], pos: &mut usize) -> Result<usize, u8> {
        let c = b[*pos];
        *pos += 1;
        match c >> 6 {
            0 => Ok(usize::from(c & 0x3F)),
            1 => {
                let v = (usize::from(c & 0x3F) << 8) | usize::from(b[*pos]);
                *pos += 1;
                Ok(v)
            }
            2 => {
                assert_eq!(c, 0x80);
                let v = u32::from_be_bytes(b[*pos..*pos + 4].try_into().unwrap());
                *pos += 4;
                Ok(v as usize)
            }
            _ => Err(c & 0x3F),
        }
    }

    /// Reads an RDB string, plain or LZF-compressed (RDB_ENC_LZF = 3): (value, compressed form).
    fn rdb_string(b: &[u8], pos: &mut usize) -> (Vec<u8>, Option<Vec<u8>>) {
        match rdb_len(b, pos) {
            Ok(n) => {
                let s = b[*pos..*pos + n].to_vec();
                *pos += n;
                (s, None)
            }
            Err(3) => {
                let clen = rdb_len(b, pos).unwrap();
                let len = rdb_len(b, pos).unwrap();
                let c = b[*pos..*pos + clen].to_vec();
                let s = crate::util::lzf::decompress(&c, len).unwrap();
                *pos += clen;
                (s, Some(c))
            }
            Err(e) => panic!("unexpected string encoding {e}"),
        }
    }

    /// Extracts the listpack bytes (and their LZF form, if any) from a DUMP payload of a small
    /// list, hash or zset.
    fn dump_listpack(dump: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut pos = 1;
        match dump[0] {
            18 => {
                assert_eq!(rdb_len(dump, &mut pos), Ok(1), "one quicklist node");
                assert_eq!(rdb_len(dump, &mut pos), Ok(2), "packed container");
            }
            16 | 17 => {}
            t => panic!("unexpected type {t}"),
        }
        let lp = rdb_string(dump, &mut pos);
        assert_eq!(dump.len(), pos + 10, "RDB version and CRC follow");
        lp
    }

    /// Applies Redis commands to a listpack the way Redis 7.0 edits its listpack.
    fn apply(lp: &mut Listpack, cmd: &[&str]) {
        let args: Vec<Vec<u8>> = cmd[2..].iter().map(|a| expand(a)).collect();
        match cmd[0] {
            "RPUSH" => args.iter().for_each(|a| lp.push_back(a)),
            "LPUSH" => args.iter().for_each(|a| lp.push_front(a)),
            "LSET" => {
                let i: isize = cmd[2].parse().unwrap();
                let i = if i < 0 { lp.len() as isize + i } else { i };
                lp.replace(i as usize, &args[1]);
            }
            "LINSERT" => {
                assert_eq!(cmd[2], "BEFORE");
                let i = lp.find(&args[1], 0).unwrap();
                lp.insert(i, &args[2]);
            }
            "LREM" => {
                let i = lp.find(&args[1], 0).unwrap();
                lp.remove(i);
            }
            "LTRIM" => {
                let (start, stop): (usize, isize) =
                    (cmd[2].parse().unwrap(), cmd[3].parse().unwrap());
                assert_eq!(stop, -1);
                lp.remove_range(0, start);
            }
            "HSET" => {
                for pair in args.chunks(2) {
                    match lp.find(&pair[0], 1) {
                        Some(i) => lp.replace(i + 1, &pair[1]),
                        None => {
                            lp.push_back(&pair[0]);
                            lp.push_back(&pair[1]);
                        }
                    }
                }
            }
            "HDEL" => {
                let i = lp.find(&args[0], 1).unwrap();
                lp.remove_range(i, 2);
            }
            "ZADD" => {
                for pair in args.chunks(2) {
                    let score: f64 = std::str::from_utf8(&pair[0]).unwrap().parse().unwrap();
                    let scores: Vec<f64> = lp
                        .iter()
                        .skip(1)
                        .step_by(2)
                        .map(|v| String::from_utf8(v.to_vec()).unwrap().parse().unwrap())
                        .collect();
                    let pos = scores
                        .iter()
                        .position(|&s| s > score)
                        .unwrap_or(scores.len());
                    lp.insert(2 * pos, &pair[1]);
                    lp.insert(2 * pos + 1, &pair[0]);
                }
            }
            c => panic!("unknown command {c}"),
        }
    }

    /// Our listpack bytes for the commands equal the bytes inside Redis 7.0.15's DUMP payload.
    #[test]
    fn bytes_match_redis_dump() {
        for (name, cmds, hex) in DUMPS {
            let mut lp = Listpack::new();
            for cmd in *cmds {
                apply(&mut lp, cmd);
            }
            let (expected, compressed) = dump_listpack(&unhex(hex));
            assert_eq!(hex_of(lp.as_bytes()), hex_of(&expected), "case {name}");
            assert_eq!(name.ends_with("_lzf"), compressed.is_some(), "case {name}");
            if let Some(c) = compressed {
                assert_eq!(
                    crate::util::lzf::compress(lp.as_bytes()),
                    Some(c),
                    "case {name}"
                );
            }
            let parsed = Listpack::from_bytes(expected).unwrap();
            assert_eq!(parsed, lp, "case {name}");
            let fwd: Vec<_> = parsed.iter().collect();
            let mut back: Vec<_> = parsed.iter().rev().collect();
            back.reverse();
            assert_eq!(fwd, back, "case {name}");
        }
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|c| format!("{c:02x}")).collect()
    }

    #[test]
    fn integer_encodings_and_values() {
        let mut lp = Listpack::new();
        let values: &[&[u8]] = &[
            b"0",
            b"127",
            b"128",
            b"-4096",
            b"4095",
            b"4096",
            b"-32768",
            b"32767",
            b"-8388608",
            b"8388607",
            b"8388608",
            b"-2147483648",
            b"2147483647",
            b"2147483648",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"007",
            b"-0",
            b"",
        ];
        for v in values {
            lp.push_back(v);
        }
        for (i, v) in values.iter().enumerate() {
            let got = lp.get(i as isize).unwrap();
            assert_eq!(got.to_vec(), v.to_vec());
            assert!(got.eq_bytes(v));
            let is_int = crate::util::num::parse_i64(v).is_some();
            assert_eq!(matches!(got, LpValue::Int(_)), is_int, "{v:?}");
        }
        assert_eq!(lp.get(-1), Some(LpValue::Str(b"")));
        assert_eq!(lp.get(-2), Some(LpValue::Str(b"-0")));
        assert_eq!(lp.get(values.len() as isize), None);
        assert_eq!(lp.get(-(values.len() as isize) - 1), None);
        assert_eq!(lp.get(-(values.len() as isize)), Some(LpValue::Int(0)));
        lp.push_back_int(-5);
        assert_eq!(lp.get(-1), Some(LpValue::Int(-5)));
    }

    #[test]
    fn find_with_skip() {
        let mut lp = Listpack::new();
        for v in ["a", "1", "b", "a", "1", "c"] {
            lp.push_back(v.as_bytes());
        }
        assert_eq!(lp.find(b"a", 0), Some(0));
        assert_eq!(lp.find(b"1", 0), Some(1));
        assert_eq!(lp.find(b"1", 1), Some(4));
        assert_eq!(lp.find(b"a", 1), Some(0));
        assert_eq!(lp.find(b"c", 1), None);
        assert_eq!(lp.find(b"c", 0), Some(5));
        assert_eq!(lp.find(b"01", 0), None);
        assert_eq!(lp.find(b"x", usize::MAX), None);
    }

    #[test]
    fn out_of_range_edits_are_ignored() {
        let mut lp = Listpack::new();
        lp.push_back(b"x");
        lp.replace(1, b"y");
        lp.remove(5);
        lp.remove_range(1, 10);
        lp.remove_range(0, 0);
        lp.insert(100, b"z");
        assert_eq!(
            lp.iter().map(|v| v.to_vec()).collect::<Vec<_>>(),
            vec![b"x".to_vec(), b"z".to_vec()]
        );
        lp.remove_range(0, 100);
        assert!(lp.is_empty());
        assert_eq!(lp.as_bytes(), Listpack::new().as_bytes());
        assert_eq!(lp.as_bytes(), &[7, 0, 0, 0, 0, 0, 0xFF]);
    }

    #[test]
    fn backlen_boundaries() {
        // Entry sizes around the 1/2/3-byte backlen thresholds round-trip both ways.
        for n in [
            60, 63, 64, 120, 122, 123, 124, 125, 126, 127, 4090, 4095, 4096, 16376, 16377, 16378,
            16379, 2_097_140, 2_097_145, 2_097_146, 2_097_147,
        ] {
            let s = vec![b'q'; n];
            let mut lp = Listpack::new();
            lp.push_back(b"first");
            lp.push_back(&s);
            lp.push_back(b"last");
            let rev: Vec<_> = lp.iter().rev().map(|v| v.to_vec()).collect();
            assert_eq!(
                rev,
                vec![b"last".to_vec(), s.clone(), b"first".to_vec()],
                "{n}"
            );
            assert_eq!(lp.get(-2), Some(LpValue::Str(&s[..])));
            Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
        }
    }

    #[test]
    fn from_bytes_rejects_corruption() {
        let mut lp = Listpack::new();
        for v in ["hello", "12", "-70000", "world"] {
            lp.push_back(v.as_bytes());
        }
        let good = lp.as_bytes().to_vec();
        assert!(Listpack::from_bytes(good.clone()).is_some());
        // Wrong count.
        let mut b = good.clone();
        b[4] = 3;
        assert!(Listpack::from_bytes(b).is_none());
        // Unknown count is accepted.
        let mut b = good.clone();
        b[4] = 0xFF;
        b[5] = 0xFF;
        assert_eq!(Listpack::from_bytes(b).unwrap().len(), 4);
        // Wrong total, missing terminator, truncated, bad backlen, bad encoding.
        let mut b = good.clone();
        b[0] += 1;
        assert!(Listpack::from_bytes(b).is_none());
        let mut b = good.clone();
        *b.last_mut().unwrap() = 0;
        assert!(Listpack::from_bytes(b).is_none());
        assert!(Listpack::from_bytes(good[..good.len() - 1].to_vec()).is_none());
        let mut b = good.clone();
        b[6 + 6] = 7;
        assert!(Listpack::from_bytes(b).is_none());
        let mut b = good.clone();
        b[6] = 0xF5;
        assert!(Listpack::from_bytes(b).is_none());
        assert!(Listpack::from_bytes(vec![]).is_none());
        assert!(Listpack::from_bytes(vec![6, 0, 0, 0, 0, 0]).is_none());
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushBack(Vec<u8>),
        PushFront(Vec<u8>),
        PushInt(i64),
        Insert(usize, Vec<u8>),
        Replace(usize, Vec<u8>),
        Remove(usize),
        RemoveRange(usize, usize),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            (-5000i64..5000).prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..80),
            (0usize..5000).prop_map(|n| vec![b'z'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            value().prop_map(Op::PushBack),
            value().prop_map(Op::PushFront),
            any::<i64>().prop_map(Op::PushInt),
            (0usize..40, value()).prop_map(|(i, v)| Op::Insert(i, v)),
            (0usize..40, value()).prop_map(|(i, v)| Op::Replace(i, v)),
            (0usize..40).prop_map(Op::Remove),
            (0usize..40, 0usize..5).prop_map(|(i, n)| Op::RemoveRange(i, n)),
        ]
    }

    proptest! {
        #[test]
        fn from_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Some(lp) = Listpack::from_bytes(b.clone()) {
                let _ = lp.iter().count();
                let _ = lp.iter().rev().count();
                prop_assert_eq!(lp.as_bytes(), &b[..]);
            }
        }

        #[test]
        fn from_bytes_never_panics_on_plausible_headers(
            body in proptest::collection::vec(any::<u8>(), 0..64),
            count in 0u16..8,
        ) {
            // A header consistent with the length and a terminator, so the entry walk runs.
            let mut b = Vec::new();
            b.extend_from_slice(&((body.len() + 7) as u32).to_le_bytes());
            b.extend_from_slice(&count.to_le_bytes());
            b.extend_from_slice(&body);
            b.push(0xFF);
            if let Some(lp) = Listpack::from_bytes(b) {
                prop_assert_eq!(lp.iter().count(), lp.len());
                prop_assert_eq!(lp.iter().rev().count(), lp.len());
            }
        }

        #[test]
        fn random_ops_match_model(ops in proptest::collection::vec(op(), 0..60)) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for op in ops {
                match op {
                    Op::PushBack(v) => { lp.push_back(&v); model.push(v); }
                    Op::PushFront(v) => { lp.push_front(&v); model.insert(0, v); }
                    Op::PushInt(n) => { lp.push_back_int(n); model.push(n.to_string().into_bytes()); }
                    Op::Insert(i, v) => {
                        lp.insert(i, &v);
                        let i = i.min(model.len());
                        model.insert(i, v);
                    }
                    Op::Replace(i, v) => {
                        lp.replace(i, &v);
                        if i < model.len() { model[i] = v; }
                    }
                    Op::Remove(i) => {
                        lp.remove(i);
                        if i < model.len() { model.remove(i); }
                    }
                    Op::RemoveRange(i, n) => {
                        lp.remove_range(i, n);
                        if i < model.len() {
                            let end = (i + n).min(model.len());
                            model.drain(i..end);
                        }
                    }
                }
                prop_assert_eq!(lp.len(), model.len());
            }
            let fwd: Vec<Vec<u8>> = lp.iter().map(|v| v.to_vec()).collect();
            prop_assert_eq!(&fwd, &model);
            let mut back: Vec<Vec<u8>> = lp.iter().rev().map(|v| v.to_vec()).collect();
            back.reverse();
            prop_assert_eq!(&back, &model);
            for (i, m) in model.iter().enumerate() {
                prop_assert_eq!(lp.get(i as isize).unwrap().to_vec(), m.clone());
                let neg = i as isize - model.len() as isize;
                prop_assert_eq!(lp.get(neg).unwrap().to_vec(), m.clone());
                prop_assert_eq!(lp.find(m, 0), model.iter().position(|x| x == m));
            }
            let rt = Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
            prop_assert_eq!(rt.as_bytes(), lp.as_bytes());
            prop_assert_eq!(rt.len(), lp.len());
            prop_assert_eq!(lp.bytes(), lp.as_bytes().len());
        }
    }
}
