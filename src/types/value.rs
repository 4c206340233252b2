//! `Value`, the enum of every type a key can hold, with Redis's TYPE and OBJECT ENCODING names.
//!
//! A value owns its storage outright (never a slice of a client's query buffer). Aggregate types
//! are boxed so a `Value` stays small: the keyspace stores millions of them inline in dict nodes.

use super::string::StrValue;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (also bitmaps and HyperLogLogs, which Redis stores as strings).
    Str(StrValue),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
        }
    }

    /// Bytes this value owns on the heap beyond its own inline size (for MEMORY USAGE and for
    /// deciding whether to free it in the background).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
        }
    }

    /// How much work freeing this value is, in Redis's lazyfree terms (elements to free).
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
        }
    }
}
