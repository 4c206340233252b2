//! `Value`, the enum of every type a key can hold, with Redis's TYPE and OBJECT ENCODING names.
//!
//! A value owns its storage outright (never a slice of a client's query buffer). Lists and hashes
//! are boxed so a `Value` stays small: the keyspace stores millions of them inline in dict nodes.
//! Sets and sorted sets are 24 bytes (their big encodings are boxed inside them), so they sit
//! inline without growing `Value` past 32 bytes, saving an allocation per small set.

use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::stream::Stream;
use super::string::StrValue;
use super::zset::ZSet;
use crate::util::listpack::Listpack;
use crate::util::rawbuf::RawBuf;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (also bitmaps and HyperLogLogs, which Redis stores as strings).
    Str(StrValue),
    /// A list.
    List(Box<List>),
    /// A hash.
    Hash(Hash),
    /// A set.
    Set(Set),
    /// A sorted set.
    ZSet(ZSet),
    /// A stream.
    Stream(Box<Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Bytes this value owns on the heap beyond its own inline size (for MEMORY USAGE and for
    /// deciding whether to free it in the background).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::List(l) => l.heap_size() + std::mem::size_of::<List>(),
            Value::Hash(h) => h.heap_size(),
            Value::Set(s) => s.heap_size(),
            Value::ZSet(z) => z.heap_size(),
            Value::Stream(s) => s.heap_size() + std::mem::size_of::<Stream>(),
        }
    }

    /// Elements in an aggregate (1 for a string).
    pub fn len(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
            Value::Stream(s) => usize::try_from(s.len()).unwrap_or(usize::MAX),
        }
    }

    /// Whether an aggregate has no elements (stored aggregates never do; strings never are).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How much work freeing this value is, in Redis's lazyfree terms (elements to free).
    pub fn free_effort(&self) -> usize {
        // Redis counts allocations (quicklist nodes, hashtable entries); counting elements
        // over-estimates compact encodings, which only makes a small value's free go to the
        // background thread.
        self.len()
    }
}

/// A small encoding the keyspace keeps inside the key's own allocation (`db::obj`) rather than
/// in a buffer of its own; the discriminant is the tag the keyspace stores it under (1..=3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedded {
    /// A hash's listpack.
    HashListpack = 1,
    /// A sorted set's listpack.
    ZSetListpack = 2,
    /// A set's intset.
    SetIntset = 3,
}

impl Embedded {
    /// The encoding stored under `tag`.
    pub fn from_tag(tag: usize) -> Option<Embedded> {
        match tag {
            1 => Some(Embedded::HashListpack),
            2 => Some(Embedded::ZSetListpack),
            3 => Some(Embedded::SetIntset),
            _ => None,
        }
    }

    /// Bytes of this encoding's header that [`Embedded::encoded_len`] reads.
    pub fn header_len(self) -> usize {
        match self {
            Embedded::HashListpack | Embedded::ZSetListpack => 4,
            Embedded::SetIntset => 8,
        }
    }

    /// The length of a valid encoding of this kind that starts at `bytes[0]`, read from its
    /// header (a listpack records its total size; an intset its width and count).
    pub fn encoded_len(self, bytes: &[u8]) -> usize {
        match self {
            Embedded::HashListpack | Embedded::ZSetListpack => Listpack::encoded_len(bytes),
            Embedded::SetIntset => super::set::Intset::encoded_len(bytes),
        }
    }
}

impl Value {
    /// The embeddable encoding this value is in and its buffer, if it is in one.
    pub fn embedded(&self) -> Option<(Embedded, &RawBuf)> {
        match self {
            Value::Hash(h) => h
                .as_listpack()
                .map(|lp| (Embedded::HashListpack, lp.raw_buf())),
            Value::ZSet(z) => z
                .as_listpack()
                .map(|lp| (Embedded::ZSetListpack, lp.raw_buf())),
            Value::Set(s) => s.as_intset().map(|is| (Embedded::SetIntset, is.raw_buf())),
            _ => None,
        }
    }

    /// Takes the buffer out of a value in an embeddable encoding; other values come back as
    /// they were.
    pub fn into_embedded(self) -> Result<(Embedded, RawBuf), Value> {
        match self {
            Value::Hash(h) => match h.into_listpack() {
                Ok(lp) => Ok((Embedded::HashListpack, lp.into_raw_buf())),
                Err(h) => Err(Value::Hash(h)),
            },
            Value::ZSet(z) => match z.into_listpack() {
                Ok(lp) => Ok((Embedded::ZSetListpack, lp.into_raw_buf())),
                Err(z) => Err(Value::ZSet(z)),
            },
            Value::Set(s) => match s.into_intset() {
                Ok(is) => Ok((Embedded::SetIntset, is.into_raw_buf())),
                Err(s) => Err(Value::Set(s)),
            },
            v => Err(v),
        }
    }

    /// The value over `buf`, whose payload came out of a value in encoding `kind` (nothing is
    /// checked).
    pub fn from_embedded(kind: Embedded, buf: RawBuf) -> Value {
        match kind {
            Embedded::HashListpack => {
                Value::Hash(Hash::from_listpack_trusted(Listpack::from_raw_buf(buf)))
            }
            Embedded::ZSetListpack => {
                Value::ZSet(ZSet::from_listpack_trusted(Listpack::from_raw_buf(buf)))
            }
            Embedded::SetIntset => {
                Value::Set(Set::from_intset(super::set::Intset::from_raw_buf(buf)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyspace stores a `Value` inline in every dict node (key 24 + value + LRU/flags 8 +
    /// next pointer 8). At 32 bytes the node is 72 bytes, which malloc serves from the same
    /// 80-byte chunk as a 64-byte node; one byte more would cost a 96-byte chunk per key.
    #[test]
    fn value_stays_small() {
        assert!(
            std::mem::size_of::<StrValue>() <= 32,
            "{}",
            std::mem::size_of::<StrValue>()
        );
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "{}",
            std::mem::size_of::<Value>()
        );
    }
}
