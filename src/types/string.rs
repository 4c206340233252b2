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
//! friends, no re-encoding for APPEND/SETRANGE/INCRBYFLOAT), because OBJECT ENCODING is visible.

use crate::util::cbytes::CompactBytes;
use crate::util::num;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_picks_the_encoding_redis_picks() {
        assert_eq!(StrValue::from_set(b"123").encoding(), "int");
        assert_eq!(StrValue::from_set(b"-9223372036854775808").encoding(), "int");
        assert_eq!(StrValue::from_set(b"9223372036854775808").encoding(), "embstr");
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
}
