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
