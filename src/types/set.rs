//! The set type (being built: see issue 3).

/// A set value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Set {}

impl Set {
    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        "intset"
    }

    /// Elements stored.
    pub fn len(&self) -> usize {
        0
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        0
    }
}
