//! `Obj`: one key of the keyspace in one allocation: its chain link, its value with the access
//! metadata, and the key bytes (Redis's dictEntry, robj and key sds, three allocations there).
//!
//! Layout (alignment 8; offsets in bytes):
//!
//! ```text
//! 0        8                  8+E            8+E+v
//! | next   | Entry            | key length   | key bytes |
//! | Obj or | (value and meta, | LEB128 (v B) |           |
//! | null   |  E = 40 bytes)   |              |           |
//! ```
//!
//! - `next` is the dict chain link (an owned `Option<Obj>`, a nullable pointer); the keyspace dict
//!   (`util::dict`) reads and writes it through [`Obj::next_link`].
//! - The [`Entry`] is stored whole, so `&Entry` and `&mut Entry` point straight into the object.
//!   Nothing is placed in its tail padding (an assignment to the entry may overwrite padding).
//! - The key length is LEB128, one byte for keys under 128 bytes.
//!
//! Ownership: an `Obj` owns its allocation and the entry inside; dropping it drops the entry and
//! frees the allocation. `next` must be `None` when an `Obj` is dropped (the dict frees chains
//! link by link). An `Obj` is never shared, so it may move to the background free thread.

use std::alloc::{self, Layout};
use std::mem::{self, ManuallyDrop};
use std::ptr::NonNull;

use super::keyspace::Entry;

/// One keyspace entry in one allocation; see the module header.
pub struct Obj(NonNull<u8>);

// SAFETY: an `Obj` uniquely owns its allocation and the `Entry` in it (nothing else points into
// it but the dict link that owns the `Obj`), and `Entry` is `Send`, so moving an `Obj` to another
// thread moves sole ownership of plain heap data.
#[allow(unsafe_code)]
unsafe impl Send for Obj {}

const ENTRY_OFF: usize = 8;
const KEYLEN_OFF: usize = ENTRY_OFF + mem::size_of::<Entry>();
const ALIGN: usize = 8;

const _: () = assert!(mem::align_of::<Entry>() <= ALIGN);
const _: () = assert!(ENTRY_OFF % mem::align_of::<Entry>() == 0);
const _: () = assert!(mem::size_of::<Option<Obj>>() == 8);

/// Bytes of the LEB128 encoding of `n`.
fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// The allocation of an object whose key is `key_len` bytes.
fn layout_for(key_len: usize) -> Layout {
    let size = KEYLEN_OFF + varint_len(key_len) + key_len;
    match Layout::from_size_align(size, ALIGN) {
        Ok(l) => l,
        // Keys are bounded by proto-max-bulk-len (512 MB by default), far below isize::MAX;
        // reaching this means a corrupted length, which must not go on.
        Err(_) => alloc::handle_alloc_error(Layout::new::<u64>()),
    }
}

#[allow(unsafe_code)]
impl Obj {
    /// A new object holding `key` and `entry`, its chain link empty.
    pub fn new(key: &[u8], entry: Entry) -> Obj {
        let layout = layout_for(key.len());
        // SAFETY: `layout` has a non-zero size (at least the link and the entry).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: every write is inside the `layout.size()` bytes just allocated: the link at
        // 0..8, the entry at ENTRY_OFF (8-aligned, as `Entry` needs), then the key length and
        // the key, whose sizes `layout_for` added up.
        unsafe {
            ptr.as_ptr().cast::<Option<Obj>>().write(None);
            ptr.as_ptr().add(ENTRY_OFF).cast::<Entry>().write(entry);
            let mut at = ptr.as_ptr().add(KEYLEN_OFF);
            let mut n = key.len();
            while n >= 0x80 {
                at.write((n & 0x7F) as u8 | 0x80);
                at = at.add(1);
                n >>= 7;
            }
            at.write(n as u8);
            std::ptr::copy_nonoverlapping(key.as_ptr(), at.add(1), key.len());
        }
        Obj(ptr)
    }

    /// The key length and the offset of the key's first byte.
    #[inline]
    fn key_span(&self) -> (usize, usize) {
        let mut n = 0usize;
        let mut shift = 0;
        let mut at = KEYLEN_OFF;
        loop {
            // SAFETY: `new` wrote a complete LEB128 length at KEYLEN_OFF; reading stops at its
            // last byte (the first without the 0x80 bit), which is inside the allocation.
            let byte = unsafe { self.0.as_ptr().add(at).read() };
            at += 1;
            n |= usize::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return (n, at);
            }
            shift += 7;
        }
    }

    /// The key.
    #[inline]
    pub fn key(&self) -> &[u8] {
        let (len, at) = self.key_span();
        // SAFETY: `new` copied `len` key bytes at `at`; they live, unchanged, as long as `self`.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().add(at), len) }
    }

    /// The chain link (the next object of the same dict bucket).
    #[inline]
    pub fn next_link(&mut self) -> &mut Option<Obj> {
        // SAFETY: offset 0 holds an `Option<Obj>` (written by `new`), 8-aligned; the `&mut self`
        // borrow makes this the only access.
        unsafe { &mut *self.0.as_ptr().cast::<Option<Obj>>() }
    }

    /// The chain link, shared.
    #[inline]
    pub fn next(&self) -> Option<&Obj> {
        // SAFETY: as in `next_link`, read through a shared borrow.
        unsafe { (*self.0.as_ptr().cast::<Option<Obj>>()).as_ref() }
    }

    /// The value and its access metadata.
    #[inline]
    pub fn entry(&self) -> &Entry {
        // SAFETY: `new` wrote an `Entry` at ENTRY_OFF; it lives as long as `self`.
        unsafe { &*self.0.as_ptr().add(ENTRY_OFF).cast::<Entry>() }
    }

    /// The value and its access metadata, for update.
    #[inline]
    pub fn entry_mut(&mut self) -> &mut Entry {
        // SAFETY: as in `entry`; the `&mut self` borrow makes this the only access.
        unsafe { &mut *self.0.as_ptr().add(ENTRY_OFF).cast::<Entry>() }
    }

    /// Takes the entry out, freeing the object (whose link must be empty).
    pub fn into_entry(self) -> Entry {
        let this = ManuallyDrop::new(self);
        // SAFETY: the entry is moved out once; the allocation is then freed without dropping
        // it again (`this` is never dropped).
        let entry = unsafe { this.0.as_ptr().add(ENTRY_OFF).cast::<Entry>().read() };
        this.free();
        entry
    }

    /// Frees the allocation without dropping anything in it.
    fn free(&self) {
        let layout = layout_for(self.key_span().0);
        // SAFETY: the allocation was made by `new` with this same layout (the key, and so the
        // layout, never changes).
        unsafe { alloc::dealloc(self.0.as_ptr(), layout) };
    }

    /// Bytes of this object's allocation (MEMORY USAGE, the dict's overhead figure).
    pub fn alloc_size(&self) -> usize {
        layout_for(self.key_span().0).size()
    }
}

#[allow(unsafe_code)]
impl Drop for Obj {
    fn drop(&mut self) {
        debug_assert!(self.next().is_none(), "an Obj dropped with a chain behind it");
        // SAFETY: the entry is dropped exactly once here, then the allocation is freed.
        unsafe {
            std::ptr::drop_in_place(self.0.as_ptr().add(ENTRY_OFF).cast::<Entry>());
        }
        self.free();
    }
}

impl std::fmt::Debug for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obj")
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("entry", self.entry())
            .finish()
    }
}

impl AsRef<[u8]> for Obj {
    fn as_ref(&self) -> &[u8] {
        self.key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::string::StrValue;
    use crate::types::value::Value;

    fn string(s: &str) -> Value {
        Value::Str(StrValue::created(s.as_bytes()))
    }

    #[test]
    fn keys_of_every_length_class_round_trip() {
        for len in [0usize, 1, 7, 127, 128, 300, 16_383, 16_384, 100_000] {
            let key = vec![b'k'; len];
            let obj = Obj::new(&key, Entry::new(string("v"), 5_000));
            assert_eq!(obj.key(), key.as_slice());
            assert_eq!(obj.entry().value, string("v"));
            assert!(obj.alloc_size() > len + 48);
            assert_eq!(obj.into_entry().value, string("v"));
        }
    }

    #[test]
    fn a_short_key_costs_one_small_allocation() {
        let obj = Obj::new(b"key:12345", Entry::new(string("v"), 0));
        // 8 link + 40 entry + 1 length + 9 key (the dict node was 72 bytes: 24-byte key, entry,
        // link).
        assert_eq!(obj.alloc_size(), 58);
    }

    #[test]
    fn updates_through_the_guard_are_kept() {
        let mut obj = Obj::new(b"k", Entry::new(string("a"), 1_000));
        {
            let e = obj.entry_mut();
            e.value = string("a much longer value than the first, stored on the heap");
            e.touch(9_000_000);
        }
        let e = obj.entry();
        assert_eq!(
            e.value,
            string("a much longer value than the first, stored on the heap")
        );
        assert_eq!(e.lru(), 9_000);
        assert!(!e.has_expire());
    }

    #[test]
    fn the_link_owns_the_next_object() {
        let mut a = Obj::new(b"a", Entry::new(string("1"), 0));
        *a.next_link() = Some(Obj::new(b"b", Entry::new(string("2"), 0)));
        assert_eq!(a.next().map(Obj::key), Some(b"b".as_slice()));
        let b = a.next_link().take();
        assert_eq!(b.map(|o| o.into_entry().value), Some(string("2")));
        assert!(a.next().is_none());
    }
}
