//! `RawBuf`: an owned, growable byte buffer whose payload may start at an offset inside its
//! allocation, after a prefix that belongs to someone else.
//!
//! The keyspace is heading towards one allocation per key: a header, the key bytes and, for the
//! small encodings, the listpack or intset bytes right after the key. `Listpack` and `Intset`
//! keep their bytes in a `RawBuf` so that they can later own such an allocation: the payload API
//! (`as_slice`, `push`, `insert_slice`, `remove_range`, ...) sees only the bytes from `off` on,
//! and every operation, reallocations included, keeps the `off` prefix bytes where they are and
//! as they are. `prefix`/`prefix_mut` give the owner of those bytes access to them.
//!
//! Representation: a pointer to the start of the allocation and three `u32`s, 24 bytes in all
//! (the pointer is `NonNull`, so `Option<RawBuf>` is 24 bytes too). The allocation comes from
//! the global allocator with `Layout::from_size_align(off + cap, 8)`:
//!
//! ```text
//! ptr -> [ prefix: off bytes ][ payload: len bytes ][ spare: cap - len bytes ]
//! ```
//!
//! Invariants (every `unsafe` block below relies on them; every method keeps them):
//! - `off + cap <= u32::MAX` (`MAX_ALLOC`), so every offset and size fits a `u32`, and
//!   `Layout::from_size_align(off + cap, 8)` is valid (checked whenever it is built).
//! - If `off + cap == 0` nothing is allocated and `ptr` is a dangling pointer aligned to 8;
//!   otherwise `ptr` is the start of a live allocation of exactly `off + cap` bytes made by the
//!   global allocator with alignment 8, owned by this value alone.
//! - `len <= cap`, and the first `off + len` bytes of the allocation are initialised.
//!
//! Sizes are bounded by `u32`: a request that cannot fit is refused by the `try_*` methods and
//! [`RawBuf::with_prefix`]/[`RawBuf::from_slice`] (which return `None`), and is treated as an
//! allocation failure (`std::alloc::handle_alloc_error`, which aborts, as a failed `Vec`
//! allocation does) by the infallible growth methods. Callers that take sizes from clients check
//! [`RawBuf::max_capacity`] first (listpacks are capped far below it, see `util::listpack`).
//! Positions past the end are clipped rather than panicking: `insert_slice(at, ..)` with
//! `at > len` appends, and `remove_range` ignores the part of its range beyond the payload.

use std::alloc::{self, Layout};
use std::fmt;
use std::ops::{Deref, DerefMut, Range};
use std::ptr::NonNull;

/// The largest allocation (prefix plus payload capacity) a `RawBuf` can own.
pub const MAX_ALLOC: usize = u32::MAX as usize;

/// An owned byte buffer with an untouchable prefix; see the module header.
pub struct RawBuf {
    /// Start of the allocation (of the prefix, not of the payload).
    ptr: NonNull<u8>,
    /// Payload bytes in use.
    len: u32,
    /// Payload capacity; the allocation is `off + cap` bytes.
    cap: u32,
    /// Prefix bytes before the payload.
    off: u32,
}

/// A size request a `RawBuf` cannot satisfy: its allocation would pass [`MAX_ALLOC`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityOverflow;

impl fmt::Display for CapacityOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("buffer would exceed 4 GiB")
    }
}

impl std::error::Error for CapacityOverflow {}

// SAFETY: a RawBuf owns its allocation exclusively (no other pointer to it exists, as for a
// Vec<u8>) and holds nothing but bytes, so moving it to another thread is sound.
#[allow(unsafe_code)]
unsafe impl Send for RawBuf {}

// SAFETY: shared references only read the bytes (`&self` methods never write), so sharing one
// across threads is as sound as sharing a `&Vec<u8>`.
#[allow(unsafe_code)]
unsafe impl Sync for RawBuf {}

impl RawBuf {
    /// Returns an empty buffer with no prefix and no allocation.
    pub const fn new() -> Self {
        RawBuf {
            ptr: dangling(),
            len: 0,
            cap: 0,
            off: 0,
        }
    }

    /// Returns an empty buffer with room for `capacity` payload bytes (clipped to
    /// [`MAX_ALLOC`]: a capacity is only a hint).
    pub fn with_capacity(capacity: usize) -> Self {
        let mut b = RawBuf::new();
        b.grow_to(capacity.min(MAX_ALLOC));
        b
    }

    /// Returns an empty payload after a copy of `prefix`, with room for `payload_capacity`
    /// bytes; `None` if the allocation would pass [`MAX_ALLOC`] bytes.
    #[allow(unsafe_code)]
    pub fn with_prefix(prefix: &[u8], payload_capacity: usize) -> Option<Self> {
        let off = u32::try_from(prefix.len()).ok()?;
        let total = prefix.len().checked_add(payload_capacity)?;
        if total > MAX_ALLOC {
            return None;
        }
        let cap = u32::try_from(payload_capacity).ok()?;
        if total == 0 {
            return Some(RawBuf::new());
        }
        let layout = Layout::from_size_align(total, ALIGN).ok()?;
        let ptr = allocate(layout);
        // SAFETY: `ptr` is a fresh allocation of `total >= prefix.len()` bytes, and `prefix`
        // cannot overlap it.
        unsafe { std::ptr::copy_nonoverlapping(prefix.as_ptr(), ptr.as_ptr(), prefix.len()) };
        // The invariants hold: off + cap = total <= MAX_ALLOC, `ptr` owns `total` bytes at
        // alignment 8, len = 0 and the `off` prefix bytes are initialised.
        Some(RawBuf {
            ptr,
            len: 0,
            cap,
            off,
        })
    }

    /// Returns a buffer (no prefix) holding a copy of `s`, sized exactly; `None` if `s` is
    /// longer than [`MAX_ALLOC`] bytes.
    pub fn from_slice(s: &[u8]) -> Option<Self> {
        let mut b = RawBuf::with_prefix(&[], s.len())?;
        b.extend_from_slice(s);
        Some(b)
    }

    /// Returns a buffer (no prefix) holding the bytes of `v`; `None` if `v` is longer than
    /// [`MAX_ALLOC`] bytes. The bytes are copied: a `Vec<u8>`'s allocation has alignment 1.
    pub fn from_vec(v: Vec<u8>) -> Option<Self> {
        RawBuf::from_slice(&v)
    }

    /// Returns a copy of the payload as a `Vec<u8>`.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }

    /// Returns the payload bytes.
    #[allow(unsafe_code)]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `off + len <= off + cap` bytes from `ptr` are allocated (or zero of them, at a
        // dangling aligned pointer, when nothing is) and the first `off + len` are initialised;
        // the slice borrows `self`, so nothing can write or free them while it lives.
        unsafe { std::slice::from_raw_parts(self.payload_ptr(), self.len as usize) }
    }

    /// Returns the payload bytes, writable.
    #[allow(unsafe_code)]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; the exclusive borrow of `self` makes the slice unique.
        unsafe { std::slice::from_raw_parts_mut(self.payload_ptr(), self.len as usize) }
    }

    /// Returns the prefix bytes (those before the payload).
    #[allow(unsafe_code)]
    pub fn prefix(&self) -> &[u8] {
        // SAFETY: the first `off` bytes of the allocation exist and are initialised (`off` is 0
        // when nothing is allocated); the slice borrows `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.off as usize) }
    }

    /// Returns the prefix bytes, writable.
    #[allow(unsafe_code)]
    pub fn prefix_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `prefix`; the exclusive borrow of `self` makes the slice unique, and it
        // ends before the payload starts, so it cannot alias `as_mut_slice`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.off as usize) }
    }

    /// Returns the number of prefix bytes.
    pub fn prefix_len(&self) -> usize {
        self.off as usize
    }

    /// Returns the number of payload bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Returns whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns how many payload bytes fit without reallocating.
    pub fn capacity(&self) -> usize {
        self.cap as usize
    }

    /// Returns the size of the allocation: prefix plus payload capacity (0 if none).
    pub fn alloc_size(&self) -> usize {
        self.total()
    }

    /// Returns the largest payload capacity this buffer can reach (`MAX_ALLOC` minus the prefix).
    pub fn max_capacity(&self) -> usize {
        MAX_ALLOC - self.off as usize
    }

    /// Appends one byte, growing the capacity geometrically if needed.
    #[allow(unsafe_code)]
    pub fn push(&mut self, b: u8) {
        let at = self.len as usize;
        let new_len = self.reserve_for(1, false);
        // SAFETY: `reserve_for` made `cap >= len + 1`, so payload byte `at` is inside the
        // allocation; writing it initialises the byte that the new `len` covers.
        unsafe { self.payload_ptr().add(at).write(b) };
        self.len = new_len;
    }

    /// Appends the bytes of `s`, growing the capacity geometrically if needed.
    #[allow(unsafe_code)]
    pub fn extend_from_slice(&mut self, s: &[u8]) {
        let at = self.len as usize;
        let new_len = self.reserve_for(s.len(), false);
        // SAFETY: `cap >= at + s.len()` after `reserve_for`, so the destination is inside the
        // allocation; `s` is a shared borrow that cannot point into `self`, which is borrowed
        // mutably, so the ranges do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), self.payload_ptr().add(at), s.len());
        }
        self.len = new_len;
    }

    /// Inserts the bytes of `s` before payload position `at` (`at > len` appends).
    #[allow(unsafe_code)]
    pub fn insert_slice(&mut self, at: usize, s: &[u8]) {
        let at = at.min(self.len as usize);
        let tail = self.len as usize - at;
        let new_len = self.reserve_for(s.len(), false);
        // SAFETY: `cap >= len + s.len()` after `reserve_for`. The tail `[at, len)` moves to
        // `[at + n, len + n)`, inside the allocation (`ptr::copy` allows the overlap); then `s`,
        // which cannot alias `self` (borrowed mutably), fills `[at, at + n)`. Every byte below
        // the new `len` is initialised afterwards.
        unsafe {
            let p = self.payload_ptr().add(at);
            std::ptr::copy(p, p.add(s.len()), tail);
            std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        }
        self.len = new_len;
    }

    /// Inserts `n` zero bytes before payload position `at` (`at > len` appends); the caller
    /// writes them through `as_mut_slice`.
    #[allow(unsafe_code)]
    pub fn insert_gap(&mut self, at: usize, n: usize) {
        let at = at.min(self.len as usize);
        let tail = self.len as usize - at;
        let new_len = self.reserve_for(n, false);
        // SAFETY: as in `insert_slice`, with the gap zero-filled instead of copied into.
        unsafe {
            let p = self.payload_ptr().add(at);
            std::ptr::copy(p, p.add(n), tail);
            std::ptr::write_bytes(p, 0, n);
        }
        self.len = new_len;
    }

    /// Removes the payload bytes in `range`, clipped to the payload (an empty or inverted range
    /// removes nothing), and moves the bytes after it down. The capacity is kept.
    #[allow(unsafe_code)]
    pub fn remove_range(&mut self, range: Range<usize>) {
        let len = self.len as usize;
        let end = range.end.min(len);
        let start = range.start.min(end);
        if start == end {
            return;
        }
        // SAFETY: `start < end <= len`, so both the source `[end, len)` and the destination
        // `[start, start + len - end)` are initialised payload bytes (`ptr::copy` allows the
        // overlap).
        unsafe {
            let p = self.payload_ptr();
            std::ptr::copy(p.add(end), p.add(start), len - end);
        }
        // `len - (end - start) < len`, which fits a u32.
        self.len -= (end - start) as u32;
    }

    /// Shortens the payload to `n` bytes; does nothing if it is not longer. The capacity is kept.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len as usize {
            // n < len <= u32::MAX.
            self.len = n as u32;
        }
    }

    /// Empties the payload; the prefix and the capacity are kept.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Makes room for at least `additional` more payload bytes, growing geometrically.
    pub fn reserve(&mut self, additional: usize) {
        self.reserve_for(additional, false);
    }

    /// Makes room for exactly `additional` more payload bytes (nothing if they already fit).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.reserve_for(additional, true);
    }

    /// Like [`RawBuf::reserve_exact`], but refuses a size past [`MAX_ALLOC`] instead of aborting.
    pub fn try_reserve_exact(&mut self, additional: usize) -> Result<(), CapacityOverflow> {
        let required = (self.len as usize)
            .checked_add(additional)
            .filter(|&r| r <= self.max_capacity())
            .ok_or(CapacityOverflow)?;
        if required > self.cap as usize {
            self.grow_to(required);
        }
        Ok(())
    }

    /// Reallocates so that the capacity equals the payload length (the prefix stays).
    pub fn shrink_to_fit(&mut self) {
        if self.cap > self.len {
            self.resize_alloc(self.len);
        }
    }

    /// Rebuilds a buffer from the parts [`RawBuf::into_raw_parts`] returned.
    ///
    /// # Safety
    ///
    /// `ptr`, `off`, `len` and `cap` must satisfy the module's invariants: `off + cap <=
    /// MAX_ALLOC`; `len <= cap`; if `off + cap > 0`, `ptr` is the start of a live allocation of
    /// exactly `off + cap` bytes from the global allocator with alignment 8 whose first
    /// `off + len` bytes are initialised, and ownership of it passes to the returned value
    /// (nothing else may use or free it); if `off + cap == 0`, `ptr` is aligned to 8. Parts
    /// from `into_raw_parts` satisfy all of this, also after the prefix bytes were modified.
    #[allow(unsafe_code)]
    pub unsafe fn from_raw_parts(ptr: NonNull<u8>, off: u32, len: u32, cap: u32) -> Self {
        RawBuf { ptr, len, cap, off }
    }

    /// Gives up ownership of the allocation: `(ptr, off, len, cap)`, where `ptr` is the start of
    /// the allocation (the prefix), and the allocation is `off + cap` bytes at alignment 8
    /// (none when that is 0). [`RawBuf::from_raw_parts`] takes them back.
    pub fn into_raw_parts(self) -> (NonNull<u8>, u32, u32, u32) {
        let me = std::mem::ManuallyDrop::new(self);
        (me.ptr, me.off, me.len, me.cap)
    }

    /// Returns a pointer to the first payload byte.
    #[allow(unsafe_code)]
    fn payload_ptr(&self) -> *mut u8 {
        // SAFETY: `off <= off + cap`, so the result is inside the allocation or one past its end
        // (and `off` is 0 at a dangling pointer, where adding 0 is always allowed).
        unsafe { self.ptr.as_ptr().add(self.off as usize) }
    }

    /// Returns the allocation's size.
    fn total(&self) -> usize {
        self.off as usize + self.cap as usize
    }

    /// Ensures room for `additional` more bytes and returns the payload length they make;
    /// geometric growth unless `exact`. A size past `MAX_ALLOC` is an allocation failure.
    fn reserve_for(&mut self, additional: usize, exact: bool) -> u32 {
        let max = self.max_capacity();
        let Some(required) = (self.len as usize)
            .checked_add(additional)
            .filter(|&r| r <= max)
        else {
            capacity_overflow(self.off as usize, additional);
        };
        if required > self.cap as usize {
            let target = if exact {
                required
            } else {
                // As Vec: double, at least 8, never past the bound.
                required.max(2 * self.cap as usize).max(8).min(max)
            };
            self.grow_to(target);
        }
        // required <= max <= u32::MAX.
        required as u32
    }

    /// Grows the payload capacity to `cap` (the caller checked `cap <= max_capacity()`).
    fn grow_to(&mut self, cap: usize) {
        if cap > self.cap as usize {
            self.resize_alloc(cap as u32);
        }
    }

    /// Reallocates to a payload capacity of `cap >= len` bytes, keeping the prefix and payload.
    #[allow(unsafe_code)]
    fn resize_alloc(&mut self, cap: u32) {
        let cap = cap.max(self.len);
        let old_total = self.total();
        let new_total = self.off as usize + cap as usize;
        if new_total > MAX_ALLOC {
            capacity_overflow(self.off as usize, cap as usize);
        }
        if new_total == old_total {
            return;
        }
        if new_total == 0 {
            // Only reachable with off = 0 and len = 0: nothing to keep.
            self.free();
            self.ptr = dangling();
            self.cap = 0;
            return;
        }
        let Ok(new_layout) = Layout::from_size_align(new_total, ALIGN) else {
            capacity_overflow(self.off as usize, cap as usize);
        };
        let ptr = if old_total == 0 {
            allocate(new_layout)
        } else {
            let Ok(old_layout) = Layout::from_size_align(old_total, ALIGN) else {
                // The layout was valid when the allocation was made.
                capacity_overflow(self.off as usize, cap as usize);
            };
            // SAFETY: `self.ptr` is a live allocation made with `old_layout` (invariant), the
            // new size is non-zero and `new_layout` proved it does not overflow isize once
            // rounded to the alignment. realloc keeps the first min(old, new) bytes, which
            // include the prefix and the payload because `new_total >= off + len`.
            let p = unsafe { alloc::realloc(self.ptr.as_ptr(), old_layout, new_total) };
            match NonNull::new(p) {
                Some(p) => p,
                None => alloc::handle_alloc_error(new_layout),
            }
        };
        self.ptr = ptr;
        self.cap = cap;
    }

    /// Frees the allocation, if any (the caller resets the fields).
    #[allow(unsafe_code)]
    fn free(&mut self) {
        let total = self.total();
        if total == 0 {
            return;
        }
        if let Ok(layout) = Layout::from_size_align(total, ALIGN) {
            // SAFETY: `self.ptr` is a live allocation of `total` bytes at alignment 8 made by the
            // global allocator (invariant), and the caller stops using it.
            unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) };
        }
    }
}

impl Drop for RawBuf {
    fn drop(&mut self) {
        self.free();
    }
}

impl Default for RawBuf {
    fn default() -> Self {
        RawBuf::new()
    }
}

impl Clone for RawBuf {
    /// Copies the payload, sized exactly, without the prefix (the clone has `off = 0`).
    fn clone(&self) -> Self {
        let mut b = RawBuf::with_capacity(self.len as usize);
        b.extend_from_slice(self.as_slice());
        b
    }
}

impl PartialEq for RawBuf {
    /// Compares payload bytes only.
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for RawBuf {}

impl fmt::Debug for RawBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawBuf")
            .field("off", &self.off)
            .field("cap", &self.cap)
            .field("payload", &self.as_slice())
            .finish()
    }
}

impl Deref for RawBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl DerefMut for RawBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for RawBuf {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Allocates `layout` (non-zero size) or reports the failure as `Vec` does (db::obj allocates
/// its objects with it too).
#[allow(unsafe_code)]
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    // SAFETY: every caller passes a layout of non-zero size.
    let p = unsafe { alloc::alloc(layout) };
    match NonNull::new(p) {
        Some(p) => p,
        None => alloc::handle_alloc_error(layout),
    }
}

/// The pointer of an empty buffer: dangling, non-null and aligned to 8.
const fn dangling() -> NonNull<u8> {
    NonNull::<u64>::dangling().cast::<u8>()
}

/// Reports a size past `MAX_ALLOC` as an allocation failure of the size asked for (aborting,
/// never unwinding); reached only by callers that did not check `max_capacity` first.
fn capacity_overflow(a: usize, b: usize) -> ! {
    let size = a.saturating_add(b).min(isize::MAX as usize - ALIGN);
    let layout = Layout::from_size_align(size, ALIGN).unwrap_or(Layout::new::<u64>());
    alloc::handle_alloc_error(layout)
}

/// Alignment of every allocation (the later one-allocation-per-key layout puts a header with
/// 8-byte fields before the prefix's key bytes).
const ALIGN: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn is_24_bytes_and_option_too() {
        assert_eq!(std::mem::size_of::<RawBuf>(), 24);
        assert_eq!(std::mem::size_of::<Option<RawBuf>>(), 24);
    }

    #[test]
    fn new_allocates_nothing() {
        let b = RawBuf::new();
        assert_eq!(b.alloc_size(), 0);
        assert_eq!(b.as_slice(), b"");
        assert_eq!(b.prefix(), b"");
        assert_eq!(b.ptr.as_ptr() as usize % ALIGN, 0);
        let c = RawBuf::with_capacity(0);
        assert_eq!(c.alloc_size(), 0);
    }

    #[test]
    fn payload_ops_keep_the_prefix() {
        let mut b = RawBuf::with_prefix(b"HEADERkey", 2).unwrap();
        assert_eq!(b.prefix_len(), 9);
        assert_eq!(b.capacity(), 2);
        assert_eq!(b.alloc_size(), 11);
        b.extend_from_slice(b"hello");
        b.push(b'!');
        b.insert_slice(0, b">> ");
        b.insert_slice(100, b"<");
        b.insert_gap(3, 2);
        b.as_mut_slice()[3..5].copy_from_slice(b"ab");
        assert_eq!(b.as_slice(), b">> abhello!<");
        b.remove_range(0..3);
        b.remove_range(5..5);
        b.remove_range(8..100);
        #[allow(clippy::reversed_empty_ranges)]
        b.remove_range(7..2);
        assert_eq!(b.as_slice(), b"abhello!");
        b.truncate(100);
        b.truncate(7);
        b.shrink_to_fit();
        assert_eq!(b.capacity(), 7);
        assert_eq!(b.as_slice(), b"abhello");
        assert_eq!(b.prefix(), b"HEADERkey");
        b.prefix_mut()[0] = b'h';
        b.clear();
        b.shrink_to_fit();
        assert_eq!(b.capacity(), 0);
        assert_eq!(b.alloc_size(), 9);
        assert_eq!(b.prefix(), b"hEADERkey");
        b.push(1);
        assert_eq!(&b[..], &[1]);
    }

    #[test]
    fn clone_drops_the_prefix_and_compares_payloads() {
        let mut b = RawBuf::with_prefix(b"pre", 16).unwrap();
        b.extend_from_slice(b"abc");
        let c = b.clone();
        assert_eq!(c.prefix_len(), 0);
        assert_eq!(c.capacity(), 3);
        assert_eq!(c, b);
        assert_eq!(c.to_vec(), b"abc".to_vec());
        assert_eq!(
            format!("{c:?}"),
            "RawBuf { off: 0, cap: 3, payload: [97, 98, 99] }"
        );
        assert_ne!(c, RawBuf::from_slice(b"abd").unwrap());
    }

    #[test]
    fn reserve_exact_is_exact_and_reserve_doubles() {
        let mut b = RawBuf::from_vec(b"abcd".to_vec()).unwrap();
        assert_eq!(b.capacity(), 4);
        b.reserve_exact(3);
        assert_eq!(b.capacity(), 7);
        b.reserve_exact(3);
        assert_eq!(b.capacity(), 7);
        b.extend_from_slice(b"efgh");
        assert_eq!(b.capacity(), 14);
        b.reserve(1);
        assert_eq!(b.capacity(), 14);
    }

    #[test]
    fn sizes_past_u32_are_refused() {
        let mut b = RawBuf::with_prefix(b"xy", 0).unwrap();
        assert_eq!(b.max_capacity(), MAX_ALLOC - 2);
        assert_eq!(b.try_reserve_exact(MAX_ALLOC - 1), Err(CapacityOverflow));
        assert_eq!(b.try_reserve_exact(usize::MAX), Err(CapacityOverflow));
        b.push(1);
        assert_eq!(b.try_reserve_exact(usize::MAX), Err(CapacityOverflow));
        assert!(RawBuf::with_prefix(b"xy", MAX_ALLOC - 1).is_none());
        assert!(RawBuf::with_prefix(b"xy", usize::MAX).is_none());
        assert_eq!(b.as_slice(), &[1]);
        assert_eq!(b.prefix(), b"xy");
    }

    #[test]
    fn raw_parts_round_trip() {
        let mut b = RawBuf::with_prefix(b"12345678", 4).unwrap();
        b.extend_from_slice(b"payload");
        let (ptr, off, len, cap) = b.into_raw_parts();
        assert_eq!((off, len), (8, 7));
        assert!(cap >= 7);
        assert_eq!(ptr.as_ptr() as usize % ALIGN, 0);
        // SAFETY: the parts came from `into_raw_parts` unchanged.
        #[allow(unsafe_code)]
        let mut b = unsafe { RawBuf::from_raw_parts(ptr, off, len, cap) };
        assert_eq!(b.prefix(), b"12345678");
        assert_eq!(b.as_slice(), b"payload");
        b.extend_from_slice(&[7; 100]);
        assert_eq!(b.prefix(), b"12345678");
        let (ptr, off, len, cap) = RawBuf::new().into_raw_parts();
        // SAFETY: as above (an empty buffer: nothing allocated).
        #[allow(unsafe_code)]
        let e = unsafe { RawBuf::from_raw_parts(ptr, off, len, cap) };
        assert!(e.is_empty());
    }

    #[test]
    fn send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<RawBuf>();
    }

    /// One step of the model test; positions may lie past the end on purpose.
    #[derive(Debug, Clone)]
    enum Op {
        Push(u8),
        Extend(Vec<u8>),
        InsertSlice(usize, Vec<u8>),
        InsertGap(usize, usize),
        RemoveRange(usize, usize),
        Truncate(usize),
        Clear,
        Reserve(usize),
        ReserveExact(usize),
        ShrinkToFit,
        Write(usize, u8),
        WritePrefix(usize, u8),
        RawParts,
        CloneBack,
    }

    fn op() -> impl Strategy<Value = Op> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..40);
        prop_oneof![
            any::<u8>().prop_map(Op::Push),
            bytes.clone().prop_map(Op::Extend),
            (0usize..80, bytes).prop_map(|(i, v)| Op::InsertSlice(i, v)),
            (0usize..80, 0usize..20).prop_map(|(i, n)| Op::InsertGap(i, n)),
            (0usize..80, 0usize..80).prop_map(|(a, b)| Op::RemoveRange(a, b)),
            (0usize..80).prop_map(Op::Truncate),
            Just(Op::Clear),
            (0usize..100).prop_map(Op::Reserve),
            (0usize..100).prop_map(Op::ReserveExact),
            Just(Op::ShrinkToFit),
            (0usize..80, any::<u8>()).prop_map(|(i, b)| Op::Write(i, b)),
            (0usize..80, any::<u8>()).prop_map(|(i, b)| Op::WritePrefix(i, b)),
            Just(Op::RawParts),
            Just(Op::CloneBack),
        ]
    }

    /// Applies `op` to the buffer and to the `Vec` models of its payload and prefix.
    fn apply(b: &mut RawBuf, model: &mut Vec<u8>, prefix: &mut [u8], op: Op) {
        match op {
            Op::Push(x) => {
                b.push(x);
                model.push(x);
            }
            Op::Extend(v) => {
                b.extend_from_slice(&v);
                model.extend_from_slice(&v);
            }
            Op::InsertSlice(i, v) => {
                b.insert_slice(i, &v);
                let i = i.min(model.len());
                model.splice(i..i, v);
            }
            Op::InsertGap(i, n) => {
                b.insert_gap(i, n);
                let i = i.min(model.len());
                model.splice(i..i, std::iter::repeat_n(0, n));
            }
            Op::RemoveRange(s, e) => {
                b.remove_range(s..e);
                let e = e.min(model.len());
                let s = s.min(e);
                model.drain(s..e);
            }
            Op::Truncate(n) => {
                b.truncate(n);
                model.truncate(n);
            }
            Op::Clear => {
                b.clear();
                model.clear();
            }
            Op::Reserve(n) => {
                b.reserve(n);
                assert!(b.capacity() >= b.len() + n);
            }
            Op::ReserveExact(n) => {
                let before = b.capacity();
                b.reserve_exact(n);
                assert_eq!(b.capacity(), before.max(b.len() + n));
            }
            Op::ShrinkToFit => {
                b.shrink_to_fit();
                assert_eq!(b.capacity(), b.len());
            }
            Op::Write(i, x) => {
                if let Some(slot) = b.as_mut_slice().get_mut(i) {
                    *slot = x;
                }
                if let Some(slot) = model.get_mut(i) {
                    *slot = x;
                }
            }
            Op::WritePrefix(i, x) => {
                if let Some(slot) = b.prefix_mut().get_mut(i) {
                    *slot = x;
                }
                if let Some(slot) = prefix.get_mut(i) {
                    *slot = x;
                }
            }
            Op::RawParts => {
                let old = std::mem::take(b);
                let (ptr, off, len, cap) = old.into_raw_parts();
                // SAFETY: the parts came from `into_raw_parts` unchanged.
                #[allow(unsafe_code)]
                let back = unsafe { RawBuf::from_raw_parts(ptr, off, len, cap) };
                *b = back;
            }
            Op::CloneBack => {
                let c = b.clone();
                assert_eq!(c.prefix_len(), 0);
                assert_eq!(c.as_slice(), &model[..]);
                assert_eq!(&c, b);
            }
        }
    }

    proptest! {
        #[test]
        fn random_ops_match_a_vec(
            prefix in proptest::collection::vec(any::<u8>(), 0..24),
            capacity in 0usize..16,
            ops in proptest::collection::vec(op(), 0..80),
        ) {
            // Each case runs twice: after `prefix` and with no prefix at all.
            for prefix in [prefix.clone(), Vec::new()] {
                let mut b = RawBuf::with_prefix(&prefix, capacity).unwrap();
                let mut model: Vec<u8> = Vec::new();
                let mut pmodel = prefix.clone();
                for op in ops.clone() {
                    apply(&mut b, &mut model, &mut pmodel, op);
                    prop_assert_eq!(b.as_slice(), &model[..]);
                    prop_assert_eq!(b.prefix(), &pmodel[..]);
                    prop_assert_eq!(b.len(), model.len());
                    prop_assert!(b.capacity() >= b.len());
                    prop_assert_eq!(b.alloc_size(), b.prefix_len() + b.capacity());
                }
                prop_assert_eq!(b.to_vec(), model);
            }
        }
    }
}
