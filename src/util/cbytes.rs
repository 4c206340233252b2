//! `CompactBytes`: an owned, immutable byte string of 24 bytes that keeps short strings inline.
//!
//! Keys and small values of the keyspace are mostly short, and a `Vec<u8>` or `Bytes` costs a
//! 24-32 byte header plus a separate allocation with its own allocator overhead. A `CompactBytes`
//! is one 24-byte value: strings of up to `INLINE_CAP` (23) bytes live inside it, longer ones in
//! a `Box<[u8]>` of exactly their length (16 bytes of pointer and length, allocation = `len`).
//!
//! Representation: an enum whose inline variant stores the length as a one-byte enum `Len` with
//! 24 values; the compiler uses the remaining byte values of that field as the variant tag, so
//! the whole type (and `Option<CompactBytes>`) is 24 bytes with no `unsafe`.
//!
//! Invariants:
//! - A string of at most `INLINE_CAP` bytes is always inline, a longer one always on the heap, so
//!   `is_inline()` depends on the length alone.
//! - Equality, ordering and `Hash` are those of the byte slice, so `Borrow<[u8]>` is sound for
//!   maps keyed by `CompactBytes` and looked up by `&[u8]`.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Strings of at most this many bytes are stored inline, without a heap allocation.
pub const INLINE_CAP: usize = 23;

/// An owned immutable byte string, inline up to 23 bytes, boxed beyond.
#[derive(Clone)]
pub struct CompactBytes(Repr);

impl CompactBytes {
    /// Returns an empty string.
    pub const fn new() -> CompactBytes {
        CompactBytes(Repr::Inline {
            len: Len::L0,
            buf: [0; INLINE_CAP],
        })
    }

    /// Copies `b` into a new string.
    pub fn from_slice(b: &[u8]) -> CompactBytes {
        match inline_len(b.len()) {
            Some(len) => {
                let mut buf = [0; INLINE_CAP];
                if let Some(dst) = buf.get_mut(..b.len()) {
                    dst.copy_from_slice(b);
                }
                CompactBytes(Repr::Inline { len, buf })
            }
            None => CompactBytes(Repr::Heap(b.into())),
        }
    }

    /// Returns the bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => buf.get(..*len as usize).unwrap_or_default(),
            Repr::Heap(b) => b,
        }
    }

    /// Returns the length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap(b) => b.len(),
        }
    }

    /// Returns true for the empty string.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns true when the bytes live inside the value (length <= `INLINE_CAP`).
    #[inline]
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// Returns the bytes this string owns on the heap (0 when inline), for MEMORY USAGE.
    #[inline]
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(b) => b.len(),
        }
    }

    /// Copies the bytes into a `Vec<u8>`.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }
}

impl Default for CompactBytes {
    fn default() -> CompactBytes {
        CompactBytes::new()
    }
}

impl Deref for CompactBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for CompactBytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for CompactBytes {
    #[inline]
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for CompactBytes {
    #[inline]
    fn eq(&self, other: &CompactBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

impl PartialEq<[u8]> for CompactBytes {
    #[inline]
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for CompactBytes {
    #[inline]
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialOrd for CompactBytes {
    #[inline]
    fn partial_cmp(&self, other: &CompactBytes) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    #[inline]
    fn cmp(&self, other: &CompactBytes) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for CompactBytes {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for CompactBytes {
    /// Formats like a Rust byte string literal: `b"key\x00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("b\"")?;
        for &c in self.as_slice() {
            for e in std::ascii::escape_default(c) {
                fmt::Write::write_char(f, char::from(e))?;
            }
        }
        f.write_str("\"")
    }
}

impl From<&[u8]> for CompactBytes {
    #[inline]
    fn from(b: &[u8]) -> CompactBytes {
        CompactBytes::from_slice(b)
    }
}

impl<const N: usize> From<&[u8; N]> for CompactBytes {
    #[inline]
    fn from(b: &[u8; N]) -> CompactBytes {
        CompactBytes::from_slice(b)
    }
}

impl From<&str> for CompactBytes {
    #[inline]
    fn from(s: &str) -> CompactBytes {
        CompactBytes::from_slice(s.as_bytes())
    }
}

impl From<Vec<u8>> for CompactBytes {
    /// Reuses the vector's allocation for long strings (shrinking it to fit if needed).
    fn from(v: Vec<u8>) -> CompactBytes {
        if v.len() <= INLINE_CAP {
            CompactBytes::from_slice(&v)
        } else {
            CompactBytes(Repr::Heap(v.into_boxed_slice()))
        }
    }
}

impl From<Box<[u8]>> for CompactBytes {
    /// Takes over the box for long strings.
    fn from(b: Box<[u8]>) -> CompactBytes {
        if b.len() <= INLINE_CAP {
            CompactBytes::from_slice(&b)
        } else {
            CompactBytes(Repr::Heap(b))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Representation.

/// Inline bytes with their length, or a boxed slice longer than `INLINE_CAP`.
#[derive(Clone)]
enum Repr {
    Inline { len: Len, buf: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

/// The inline length, 0..=23, as an enum so that its unused byte values can hold the tag.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Len {
    L0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    L8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
    L16,
    L17,
    L18,
    L19,
    L20,
    L21,
    L22,
    L23,
}

/// Returns the inline length tag for `n`, or `None` when `n` is too long to be inline.
#[inline]
fn inline_len(n: usize) -> Option<Len> {
    LENS.get(n).copied()
}

/// `LENS[n]` is the tag for length `n`.
const LENS: [Len; INLINE_CAP + 1] = [
    Len::L0,
    Len::L1,
    Len::L2,
    Len::L3,
    Len::L4,
    Len::L5,
    Len::L6,
    Len::L7,
    Len::L8,
    Len::L9,
    Len::L10,
    Len::L11,
    Len::L12,
    Len::L13,
    Len::L14,
    Len::L15,
    Len::L16,
    Len::L17,
    Len::L18,
    Len::L19,
    Len::L20,
    Len::L21,
    Len::L22,
    Len::L23,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};
    use std::mem::size_of;

    #[test]
    fn is_24_bytes_and_option_is_free() {
        assert_eq!(size_of::<CompactBytes>(), 24);
        assert_eq!(size_of::<Option<CompactBytes>>(), 24);
    }

    #[test]
    fn length_tags_match_their_index() {
        for (i, l) in LENS.iter().enumerate() {
            assert_eq!(*l as usize, i);
        }
    }

    #[test]
    fn short_strings_are_inline_and_long_ones_boxed() {
        let data: Vec<u8> = (0..100u8).collect();
        for n in 0..=100 {
            let c = CompactBytes::from(&data[..n]);
            assert_eq!(c.as_slice(), &data[..n]);
            assert_eq!(c.len(), n);
            assert_eq!(c.is_empty(), n == 0);
            assert_eq!(c.is_inline(), n <= INLINE_CAP);
            assert_eq!(c.heap_size(), if n <= INLINE_CAP { 0 } else { n });
            assert_eq!(CompactBytes::from(data[..n].to_vec()), c);
            assert_eq!(CompactBytes::from(Box::<[u8]>::from(&data[..n])), c);
            assert_eq!(c.clone(), c);
        }
    }

    #[test]
    fn debug_escapes_like_a_byte_literal() {
        assert_eq!(
            format!("{:?}", CompactBytes::from(b"a\"\x00\xff")),
            r#"b"a\"\x00\xff""#
        );
    }

    #[test]
    fn borrow_lookup_in_std_map() {
        let mut m = HashMap::new();
        m.insert(CompactBytes::from("k1"), 1);
        m.insert(CompactBytes::from("a much longer key than twenty-three"), 2);
        assert_eq!(m.get(&b"k1"[..]), Some(&1));
        assert_eq!(m.get(&b"a much longer key than twenty-three"[..]), Some(&2));
    }

    proptest! {
        #[test]
        fn order_and_equality_follow_slices(a in proptest::collection::vec(any::<u8>(), 0..40),
                                            b in proptest::collection::vec(any::<u8>(), 0..40)) {
            let (ca, cb) = (CompactBytes::from(&a[..]), CompactBytes::from(&b[..]));
            prop_assert_eq!(ca.cmp(&cb), a.cmp(&b));
            prop_assert_eq!(ca == cb, a == b);
            prop_assert_eq!(&*ca, &a[..]);
            let set: BTreeSet<CompactBytes> = [ca.clone(), cb.clone()].into_iter().collect();
            prop_assert_eq!(set.len(), if a == b { 1 } else { 2 });
        }
    }
}
