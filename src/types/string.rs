//! Strings and their three encodings, as OBJECT ENCODING names them.
//!
//! - `int`: the value is the canonical decimal form of an i64 (what string2ll accepts, at most 20
//!   bytes), stored as the number itself.
//! - `embstr`: a string of at most 44 bytes created whole (SET, INCRBYFLOAT's result); stored as a
//!   `CompactBytes` (inline up to 23 bytes, one heap block otherwise).
//! - `raw`: anything longer, or any string that was modified in place (APPEND, SETRANGE), kept in a
//!   growable `Vec<u8>` so repeated appends are amortised as Redis's sds greedy growth is.
//!
//! Which encoding a write produces follows Redis 7.0 exactly (tryObjectEncoding for SET and
//! friends, no re-encoding for APPEND/SETRANGE/INCRBYFLOAT), because OBJECT ENCODING is visible:
//!
//! | write                                   | encoding                                  |
//! |-----------------------------------------|-------------------------------------------|
//! | SET, SETNX, SETEX, GETSET, MSET, APPEND to a new key | [`StrValue::from_set`]       |
//! | INCR, DECR, INCRBY, DECRBY              | `int`                                     |
//! | INCRBYFLOAT                             | [`StrValue::created`] (embstr or raw)     |
//! | APPEND or SETRANGE on an existing key   | `raw` (even when nothing is appended)     |
//! | SETRANGE creating the key               | `raw`                                     |
//!
//! Below the value type sit the pure algorithms of the string commands: GETRANGE's index
//! clamping ([`range`]) and LCS's dynamic programme with its match ranges ([`lcs`]).

use crate::util::cbytes::CompactBytes;
use crate::util::num::{self, LongDouble};

/// The longest string stored as `embstr` (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
pub const EMBSTR_MAX: usize = 44;

/// A string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    /// `int` encoding.
    Int(i64),
    /// `embstr` encoding.
    Embstr(CompactBytes),
    /// `raw` encoding.
    Raw(Vec<u8>),
}

impl StrValue {
    /// The value SET stores for `b`: `int` if it is a canonical integer, else embstr or raw by
    /// length (Redis's tryObjectEncoding).
    pub fn from_set(b: &[u8]) -> StrValue {
        if b.len() <= 20
            && let Some(n) = num::parse_i64(b)
        {
            return StrValue::Int(n);
        }
        StrValue::created(b)
    }

    /// A freshly created string without integer detection: embstr up to 44 bytes, else raw.
    pub fn created(b: &[u8]) -> StrValue {
        if b.len() <= EMBSTR_MAX {
            StrValue::Embstr(CompactBytes::from(b))
        } else {
            StrValue::Raw(b.to_vec())
        }
    }

    /// INCRBYFLOAT's result: the value printed as `ld2string(LD_STR_HUMAN)`, never `int`.
    pub fn from_long_double(v: &LongDouble) -> StrValue {
        StrValue::created(v.format_human().as_bytes())
    }

    /// The string SETRANGE creates on a missing key: `offset` zero bytes, then `b`, `raw`.
    pub fn zero_padded(offset: usize, b: &[u8]) -> StrValue {
        let mut v = Vec::with_capacity(offset.saturating_add(b.len()));
        v.resize(offset, 0);
        v.extend_from_slice(b);
        StrValue::Raw(v)
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Embstr(_) => "embstr",
            StrValue::Raw(_) => "raw",
        }
    }

    /// The string's bytes; an `int` is formatted into `buf`.
    pub fn bytes<'a>(&'a self, buf: &'a mut [u8; 20]) -> &'a [u8] {
        match self {
            StrValue::Int(n) => num::fmt_i64(*n, buf),
            StrValue::Embstr(b) => b.as_ref(),
            StrValue::Raw(v) => v,
        }
    }

    /// An owned copy of the string's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 20];
        self.bytes(&mut buf).to_vec()
    }

    /// The string's length in bytes (STRLEN).
    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(n) => {
                let mut buf = [0u8; 20];
                num::fmt_i64(*n, &mut buf).len()
            }
            StrValue::Embstr(b) => b.len(),
            StrValue::Raw(v) => v.len(),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as an integer, if it is one (INCR and friends).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(n) => Some(*n),
            StrValue::Embstr(b) => parse_int_value(b.as_ref()),
            StrValue::Raw(v) => parse_int_value(v),
        }
    }

    /// The value as a long double, as getLongDoubleFromObject reads it (INCRBYFLOAT).
    pub fn as_long_double(&self) -> Option<LongDouble> {
        match self {
            StrValue::Int(n) => Some(LongDouble::from_i64(*n)),
            StrValue::Embstr(b) => LongDouble::parse(b.as_ref()),
            StrValue::Raw(v) => LongDouble::parse(v),
        }
    }

    /// Appends `b` (APPEND), leaving the value `raw`; returns the new length.
    pub fn append(&mut self, b: &[u8]) -> usize {
        self.with_raw(|v| {
            v.extend_from_slice(b);
            v.len()
        })
    }

    /// Overwrites the bytes from `offset` with `b`, zero-padding past the end (SETRANGE), leaving
    /// the value `raw`; returns the new length. The caller has checked the size limit.
    pub fn set_range(&mut self, offset: usize, b: &[u8]) -> usize {
        self.with_raw(|v| {
            let end = offset.saturating_add(b.len());
            if v.len() < end {
                v.resize(end, 0);
            }
            if let Some(dst) = v.get_mut(offset..end) {
                dst.copy_from_slice(b);
            }
            v.len()
        })
    }

    /// Turns the value into the `raw` encoding and lets `f` modify its buffer in place (APPEND,
    /// SETRANGE), as Redis's dbUnshareStringValue does.
    pub fn with_raw<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut v = match std::mem::replace(self, StrValue::Int(0)) {
            StrValue::Raw(v) => v,
            other => other.to_vec(),
        };
        let r = f(&mut v);
        *self = StrValue::Raw(v);
        r
    }

    /// Heap bytes owned by this string.
    pub fn heap_size(&self) -> usize {
        match self {
            StrValue::Int(_) => 0,
            StrValue::Embstr(b) => b.heap_size(),
            StrValue::Raw(v) => v.capacity(),
        }
    }
}

/// Redis's getLongLongFromObject on a string: string2ll, with the length cap it implies.
fn parse_int_value(b: &[u8]) -> Option<i64> {
    if b.len() > 20 {
        return None;
    }
    num::parse_i64(b)
}

/// The bytes GETRANGE returns for `start..=end` with Redis's index rules: negative indexes count
/// from the end, both ends are clamped, and an inverted or empty range is empty.
pub fn range(s: &[u8], start: i64, end: i64) -> &[u8] {
    if start < 0 && end < 0 && start > end {
        return &[];
    }
    let len = i64::try_from(s.len()).unwrap_or(i64::MAX);
    // C adds a signed index to a size_t and stores the result back in a long long: it wraps.
    let start = if start < 0 {
        len.wrapping_add(start)
    } else {
        start
    }
    .max(0);
    let end = if end < 0 { len.wrapping_add(end) } else { end }
        .max(0)
        .min(len - 1);
    if start > end || len == 0 {
        return &[];
    }
    match (usize::try_from(start), usize::try_from(end)) {
        (Ok(a), Ok(b)) => s.get(a..=b).unwrap_or_default(),
        _ => &[],
    }
}

/// One matching range LCS IDX reports: byte ranges in the first and second string, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// `(start, end)` in the first string.
    pub a: (u32, u32),
    /// `(start, end)` in the second string.
    pub b: (u32, u32),
    /// The range's length.
    pub len: u32,
}

/// What [`lcs`] computed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lcs {
    /// The length of the longest common subsequence.
    pub len: u32,
    /// The subsequence itself (empty unless asked for).
    pub string: Vec<u8>,
    /// The matching ranges, last first as Redis emits them (empty unless asked for).
    pub matches: Vec<LcsMatch>,
}

/// Why [`lcs`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LcsError {
    /// A string is 4 GiB or longer.
    TooLong,
    /// The table would exceed the allowed transient memory.
    TableTooBig,
    /// The table could not be allocated.
    NoMemory,
}

/// The longest common subsequence of `a` and `b`, by Redis's dynamic programme.
///
/// `traceback` walks the table back to build the subsequence; `collect` also records the
/// matching ranges of at least `min_len` bytes (0 keeps all) while walking. The table takes
/// `(a.len() + 1) * (b.len() + 1)` u32s, refused past `max_table_bytes` (proto-max-bulk-len).
pub fn lcs(
    a: &[u8],
    b: &[u8],
    traceback: bool,
    collect: bool,
    min_len: u64,
    max_table_bytes: u64,
) -> Result<Lcs, LcsError> {
    let too_long = |n: usize| u32::try_from(n).map_or(true, |n| n >= u32::MAX - 1);
    if too_long(a.len()) || too_long(b.len()) {
        return Err(LcsError::TooLong);
    }
    let w = b.len() + 1;
    let cells = (a.len() as u128 + 1) * (w as u128);
    if cells * 4 > u128::from(max_table_bytes) {
        return Err(LcsError::TableTooBig);
    }
    let cells = usize::try_from(cells).map_err(|_| LcsError::NoMemory)?;
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(cells)
        .map_err(|_| LcsError::NoMemory)?;
    table.resize(cells, 0);
    // Row i holds LCS(a[..i], b[..j]) for every j; row 0 and column 0 stay zero.
    for (i, &ca) in a.iter().enumerate() {
        let (done, rest) = table.split_at_mut((i + 1) * w);
        let prev = done.get(i * w..).unwrap_or_default();
        let cur = rest.get_mut(..w).unwrap_or_default();
        let mut left = 0u32;
        let cells = cur
            .iter_mut()
            .skip(1)
            .zip(b.iter().zip(prev.iter().zip(prev.iter().skip(1))));
        for (slot, (&cb, (&diag, &up))) in cells {
            let v = if ca == cb {
                diag.saturating_add(1)
            } else {
                up.max(left)
            };
            *slot = v;
            left = v;
        }
    }
    let at = |i: usize, j: usize| table.get(i * w + j).copied().unwrap_or(0);
    let mut out = Lcs {
        len: at(a.len(), b.len()),
        ..Lcs::default()
    };
    if !traceback {
        return Ok(out);
    }
    // Walk back from the end; a range grows backwards while matches stay on the diagonal.
    let alen = a.len() as u32;
    let unset = alen;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0u32, 0u32, 0u32);
    let (mut i, mut j) = (a.len(), b.len());
    out.string.reserve(out.len as usize);
    while i > 0 && j > 0 {
        let mut emit = false;
        let (ca, cb) = (a.get(i - 1).copied(), b.get(j - 1).copied());
        if ca == cb {
            out.string.push(ca.unwrap_or(0));
            let (ii, jj) = ((i - 1) as u32, (j - 1) as u32);
            if a_start == unset {
                (a_start, a_end, b_start, b_end) = (ii, ii, jj, jj);
            } else if a_start == ii + 1 && b_start == jj + 1 {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        if emit {
            let len = a_end.wrapping_sub(a_start).wrapping_add(1);
            if collect && (min_len == 0 || u64::from(len) >= min_len) {
                out.matches.push(LcsMatch {
                    a: (a_start, a_end),
                    b: (b_start, b_end),
                    len,
                });
            }
            a_start = unset;
        }
    }
    out.string.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_picks_the_encoding_redis_picks() {
        assert_eq!(StrValue::from_set(b"123").encoding(), "int");
        assert_eq!(
            StrValue::from_set(b"-9223372036854775808").encoding(),
            "int"
        );
        assert_eq!(
            StrValue::from_set(b"9223372036854775808").encoding(),
            "embstr"
        );
        assert_eq!(StrValue::from_set(b"0123").encoding(), "embstr");
        assert_eq!(StrValue::from_set(b" 1").encoding(), "embstr");
        assert_eq!(StrValue::from_set(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(StrValue::from_set(&[b'a'; 45]).encoding(), "raw");
    }

    #[test]
    fn with_raw_keeps_the_bytes() {
        let mut v = StrValue::from_set(b"42");
        v.with_raw(|b| b.extend_from_slice(b"x"));
        assert_eq!(v.to_vec(), b"42x");
        assert_eq!(v.encoding(), "raw");
        assert_eq!(v.as_i64(), None);
    }

    #[test]
    fn append_and_set_range_make_raw() {
        let mut v = StrValue::from_set(b"12");
        assert_eq!(v.append(b""), 2);
        assert_eq!(v.encoding(), "raw");
        let mut v = StrValue::from_set(b"abc");
        assert_eq!(v.set_range(5, b"xy"), 7);
        assert_eq!(v.to_vec(), b"abc\0\0xy");
        assert_eq!(v.set_range(1, b"Z"), 7);
        assert_eq!(v.to_vec(), b"aZc\0\0xy");
        let v = StrValue::zero_padded(2, b"a");
        assert_eq!((v.to_vec(), v.encoding()), (b"\0\0a".to_vec(), "raw"));
    }

    #[test]
    fn long_double_values() {
        assert_eq!(
            StrValue::Int(-3).as_long_double().map(|d| d.format_human()),
            Some("-3".into())
        );
        assert_eq!(
            StrValue::from_set(b"1.5")
                .as_long_double()
                .map(|d| d.format_human()),
            Some("1.5".into())
        );
        assert_eq!(StrValue::from_set(b" 1").as_long_double(), None);
        let v = StrValue::from_long_double(&LongDouble::parse(b"1e3").unwrap());
        assert_eq!((v.to_vec(), v.encoding()), (b"1000".to_vec(), "embstr"));
    }

    #[test]
    fn range_clamps_as_getrange() {
        let s = b"ohmytext";
        assert_eq!(range(s, 0, -1), b"ohmytext");
        assert_eq!(range(s, -3, -1), b"ext");
        assert_eq!(range(s, -1, -5), b"");
        assert_eq!(range(s, 5, 2), b"");
        assert_eq!(range(s, -100, 100), b"ohmytext");
        assert_eq!(range(s, i64::MIN, i64::MAX), b"ohmytext");
        assert_eq!(range(s, 0, -100), b"o");
        assert_eq!(range(s, 8, 9), b"");
        assert_eq!(range(b"", 0, 0), b"");
    }

    #[test]
    fn lcs_matches_redis() {
        let out = lcs(b"ohmytext", b"mynewtext", true, true, 0, u64::MAX).unwrap();
        assert_eq!(out.len, 6);
        assert_eq!(out.string, b"mytext");
        let m = |a, b, len| LcsMatch { a, b, len };
        assert_eq!(
            out.matches,
            vec![m((4, 7), (5, 8), 4), m((2, 3), (0, 1), 2)]
        );
        let out = lcs(b"ohmytext", b"mynewtext", true, true, 3, u64::MAX).unwrap();
        assert_eq!(out.matches, vec![m((4, 7), (5, 8), 4)]);
        let out = lcs(b"ohmytext", b"mynewtext", false, false, 0, u64::MAX).unwrap();
        assert_eq!((out.len, out.string.is_empty()), (6, true));
        assert_eq!(lcs(b"", b"", true, true, 0, 0), Err(LcsError::TableTooBig));
        assert_eq!(lcs(b"", b"", true, true, 0, 4).map(|o| o.len), Ok(0));
        let out = lcs(b"abcabc", b"abcabc", true, true, 0, u64::MAX).unwrap();
        assert_eq!(out.matches, vec![m((0, 5), (0, 5), 6)]);
    }
}
