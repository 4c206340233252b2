//! `Obj`: one key of the keyspace in one allocation: its chain link, its access metadata, the key
//! bytes and the value (Redis's dictEntry, robj, key sds and, for a small hash, set or sorted
//! set, the listpack or intset: four allocations there).
//!
//! An `Obj` is a pointer to the allocation whose low three bits say which of two layouts it has
//! (allocations are 8-aligned, so those bits are free). Offsets in bytes:
//!
//! ```text
//! Inline (tag 0): any value.
//! 0        8                     48             48+v
//! | next   | Entry (the value    | key length   | key bytes |
//! |        |  and its meta word) | LEB128, v B  |           |
//!
//! Embedded (tag 1..=3, `Embedded`): a value in a small encoding, its bytes after the key.
//! 0        8        12             12+v        payload offset
//! | next   | meta   | key length   | key bytes | listpack or intset bytes |
//! ```
//!
//! - `next` is the dict chain link (an owned `Option<Obj>`); `util::dict` reaches it through
//!   [`Obj::next_link`].
//! - An inline `Entry` is stored whole, so `&Entry` points straight into the object. Nothing is
//!   placed in its tail padding (an assignment to the entry may overwrite padding).
//! - An embedded object has no room for a `Value`: [`Obj::entry`] and [`Obj::entry_mut`] build
//!   one around the payload (a `RawBuf` whose prefix is the header and key, see
//!   `util::rawbuf`), and [`EntryMut`] stores the result back when it is dropped. The allocation
//!   is exactly header, key and payload; its size is read back from the payload's own header
//!   (a listpack's total bytes, an intset's width and count), so no length is stored.
//! - The value's layout follows the value: a write that converts a small hash to a hash table
//!   moves it inline, a value written in a small encoding is embedded.
//!
//! Ownership: an `Obj` owns its allocation and the value; dropping it drops the value and frees
//! the allocation. `next` must be `None` when an `Obj` is dropped (the dict frees chains link by
//! link). An `Obj` is never shared, so it may move to the background free thread.

use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use super::keyspace::Entry;
use crate::types::value::{Embedded, Value};
use crate::util::cbytes::CompactBytes;
use crate::util::dict::DictNode;
use crate::util::rawbuf::{MAX_ALLOC, RawBuf, allocate};

/// One keyspace entry in one allocation; see the module header.
pub struct Obj(NonNull<u8>);

// SAFETY: an `Obj` uniquely owns its allocation and the value in it (nothing else points into it
// but the dict link that owns the `Obj`), and `Value` is `Send`, so moving an `Obj` to another
// thread moves sole ownership of plain heap data.
#[allow(unsafe_code)]
unsafe impl Send for Obj {}

const TAG_MASK: usize = 0b111;
const ALIGN: usize = 8;
const ENTRY_OFF: usize = 8;
const INLINE_KEY_OFF: usize = ENTRY_OFF + mem::size_of::<Entry>();
const META_OFF: usize = 8;
const EMBEDDED_KEY_OFF: usize = 12;

const _: () = assert!(mem::align_of::<Entry>() <= ALIGN);
const _: () = assert!(ENTRY_OFF.is_multiple_of(mem::align_of::<Entry>()));
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

/// An 8-aligned layout of `size` bytes.
fn layout(size: usize) -> Layout {
    match Layout::from_size_align(size, ALIGN) {
        Ok(l) => l,
        // Keys and payloads are bounded (proto-max-bulk-len, the 4 GiB of a RawBuf), far below
        // isize::MAX; reaching this means a corrupted length, which must not go on.
        Err(_) => alloc::handle_alloc_error(Layout::new::<u64>()),
    }
}

/// Writes `key`'s LEB128 length and bytes at `at`; returns the offset after them.
///
/// # Safety
/// `base + at .. base + at + varint_len(key.len()) + key.len()` is inside one allocation.
#[allow(unsafe_code)]
unsafe fn write_key(base: *mut u8, at: usize, key: &[u8]) -> usize {
    let n = varint_len(key.len());
    let len = leb128(key.len());
    // SAFETY: the caller vouches for the `n + key.len()` bytes written from `at`; `len` holds at
    // least `n` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(len.as_ptr(), base.add(at), n);
        std::ptr::copy_nonoverlapping(key.as_ptr(), base.add(at + n), key.len());
    }
    at + n + key.len()
}

#[allow(unsafe_code)]
impl Obj {
    /// A new object holding `key` and `entry`, its chain link empty; a value in a small
    /// encoding is embedded (its bytes copied after the key).
    pub fn new(key: &[u8], entry: Entry) -> Obj {
        match entry.value.embedded() {
            Some((kind, buf)) if embeddable(key.len(), kind, buf.as_slice()) => {
                Obj::new_embedded(key, entry.meta_word(), kind, buf.as_slice())
            }
            _ => Obj::new_inline(key, entry),
        }
    }

    /// A new inline object.
    fn new_inline(key: &[u8], entry: Entry) -> Obj {
        let l = layout(INLINE_KEY_OFF + varint_len(key.len()) + key.len());
        let ptr = allocate(l);
        // SAFETY: the link at 0..8, the entry at ENTRY_OFF (8-aligned, as `Entry` needs) and
        // the key after it are inside the `l.size()` bytes just allocated, which is their sum.
        unsafe {
            ptr.as_ptr().cast::<Option<Obj>>().write(None);
            ptr.as_ptr().add(ENTRY_OFF).cast::<Entry>().write(entry);
            write_key(ptr.as_ptr(), INLINE_KEY_OFF, key);
        }
        Obj(ptr)
    }

    /// A new embedded object holding a copy of `payload`, a `kind` encoding.
    fn new_embedded(key: &[u8], meta: u32, kind: Embedded, payload: &[u8]) -> Obj {
        let off = EMBEDDED_KEY_OFF + varint_len(key.len()) + key.len();
        let l = layout(off + payload.len());
        let ptr = allocate(l);
        // SAFETY: the link at 0..8, meta at 8..12, the key at 12..off and the payload at
        // off..off + payload.len() are inside the `l.size()` bytes just allocated.
        unsafe {
            ptr.as_ptr().cast::<Option<Obj>>().write(None);
            ptr.as_ptr().add(META_OFF).cast::<u32>().write(meta);
            write_key(ptr.as_ptr(), EMBEDDED_KEY_OFF, key);
            std::ptr::copy_nonoverlapping(payload.as_ptr(), ptr.as_ptr().add(off), payload.len());
        }
        Obj::tagged(ptr, kind)
    }

    /// The object at `base` with `kind`'s tag.
    fn tagged(base: NonNull<u8>, kind: Embedded) -> Obj {
        Obj(base.map_addr(|a| a | kind as usize))
    }

    /// The start of the allocation.
    #[inline]
    fn base(&self) -> *mut u8 {
        self.0.as_ptr().map_addr(|a| a & !TAG_MASK)
    }

    /// The embedded encoding, or `None` for an inline object.
    #[inline]
    pub fn embedded(&self) -> Option<Embedded> {
        Embedded::from_tag(self.0.as_ptr().addr() & TAG_MASK)
    }

    /// The key length and the offset of the key's first byte.
    #[inline]
    fn key_span(&self) -> (usize, usize) {
        let mut at = match self.embedded() {
            None => INLINE_KEY_OFF,
            Some(_) => EMBEDDED_KEY_OFF,
        };
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            // SAFETY: a complete LEB128 length was written at the layout's key offset; reading
            // stops at its last byte (the first without the 0x80 bit), inside the allocation.
            let byte = unsafe { self.base().add(at).read() };
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
        // SAFETY: `len` key bytes were copied at `at`; they stay unchanged while `self` lives.
        unsafe { std::slice::from_raw_parts(self.base().add(at), len) }
    }

    /// The chain link (the next object of the same dict bucket).
    #[inline]
    pub fn next_link(&mut self) -> &mut Option<Obj> {
        // SAFETY: offset 0 holds an `Option<Obj>`, 8-aligned; `&mut self` makes this the only
        // access.
        unsafe { &mut *self.base().cast::<Option<Obj>>() }
    }

    /// The chain link, shared.
    #[inline]
    pub fn next(&self) -> Option<&Obj> {
        // SAFETY: as in `next_link`, read through a shared borrow.
        unsafe { (*self.base().cast::<Option<Obj>>()).as_ref() }
    }

    /// An inline object's entry.
    #[inline]
    fn inline_entry(&self) -> *mut Entry {
        debug_assert!(self.embedded().is_none());
        // SAFETY: an inline object holds its `Entry` at ENTRY_OFF.
        unsafe { self.base().add(ENTRY_OFF).cast::<Entry>() }
    }

    /// An embedded object's meta word.
    #[inline]
    fn meta_ptr(&self) -> *mut u32 {
        // SAFETY: an embedded object holds its meta word at 8..12, 4-aligned.
        unsafe { self.base().add(META_OFF).cast::<u32>() }
    }

    /// An embedded object's payload offset and length.
    #[inline]
    fn payload_span(&self, kind: Embedded) -> (usize, usize) {
        let (len, at) = self.key_span();
        let off = at + len;
        // SAFETY: the payload starts at `off` and is a valid encoding of `kind`, so its header
        // (`header_len` bytes) is inside the allocation.
        let head = unsafe { std::slice::from_raw_parts(self.base().add(off), kind.header_len()) };
        (off, kind.encoded_len(head))
    }

    /// The payload of an embedded object as a buffer over its allocation (the header and key
    /// its prefix). Whoever holds the result must not free it unless it owns the object.
    #[inline]
    fn payload_buf(&self, kind: Embedded) -> RawBuf {
        let (off, len) = self.payload_span(kind);
        // SAFETY: the allocation is `off + len` bytes at alignment 8, as a `RawBuf` with that
        // prefix, length and capacity describes; an object is embedded only when `off + len`
        // is within MAX_ALLOC (`embeddable`), so the casts are exact.
        unsafe {
            RawBuf::from_raw_parts(
                NonNull::new_unchecked(self.base()),
                off as u32,
                len as u32,
                len as u32,
            )
        }
    }

    /// The value and its access metadata, for reading.
    #[inline]
    pub fn entry(&self) -> EntryRef<'_> {
        match self.embedded() {
            // SAFETY: the entry lives as long as `self`.
            None => Ref(RefInner::Direct(unsafe { &*self.inline_entry() })),
            Some(kind) => {
                // SAFETY: meta is at 8..12 of an embedded object.
                let meta = unsafe { self.meta_ptr().read() };
                let value = Value::from_embedded(kind, self.payload_buf(kind));
                // The buffer is never freed (ManuallyDrop) and only shared access to it is
                // handed out while `self` is borrowed.
                Ref(RefInner::Built(
                    ManuallyDrop::new(Entry::from_parts(value, meta)),
                    PhantomData,
                ))
            }
        }
    }

    /// The value and its access metadata, for update; an embedded value is stored back (and
    /// the object rebuilt if its layout must change) when the guard is dropped.
    #[inline]
    pub fn entry_mut(&mut self) -> EntryMut<'_> {
        let held = self.embedded().map(|kind| {
            // SAFETY: a bitwise copy of the link, kept in ManuallyDrop: the write-back needs it
            // if the value's code frees the allocation (a conversion), and otherwise forgets it.
            let next = ManuallyDrop::new(unsafe { self.base().cast::<Option<Obj>>().read() });
            let key = CompactBytes::from(self.key());
            // SAFETY: meta is at 8..12 of an embedded object.
            let meta = unsafe { self.meta_ptr().read() };
            let buf = self.payload_buf(kind);
            let held = Box::new(Held {
                entry: ManuallyDrop::new(Entry::from_parts(Value::from_embedded(kind, buf), meta)),
                key,
                next,
            });
            NonNull::from(Box::leak(held))
        });
        EntryMut { obj: self, held }
    }

    /// The entry for update in place: an embedded object is first rebuilt inline (its payload
    /// copied into a buffer of its own). For callers that need a plain `&mut Entry`; a guarded
    /// write ([`Obj::entry_mut`]) embeds a small value again.
    pub fn inline_entry_mut(&mut self) -> &mut Entry {
        if self.embedded().is_some() {
            let next = self.next_link().take();
            let key = CompactBytes::from(self.key());
            // The object is taken out of its place, which is refilled below.
            // SAFETY: `self` is overwritten with `ptr::write` before anything reads it again,
            // and the object read out is consumed by `into_entry`.
            let old = unsafe { std::ptr::read(self) };
            let (value, meta) = old.into_entry().into_parts();
            let value = match value.into_embedded() {
                // The payload leaves the allocation it shared with the header and key.
                Ok((kind, buf)) => match RawBuf::from_slice(buf.as_slice()) {
                    Some(own) => Value::from_embedded(kind, own),
                    None => Value::from_embedded(kind, buf),
                },
                Err(v) => v,
            };
            let mut new = Obj::new_inline(&key, Entry::from_parts(value, meta));
            *new.next_link() = next;
            // SAFETY: `self`'s bits were moved out above; this fills the place again.
            unsafe { std::ptr::write(self, new) };
        }
        // SAFETY: `self` is inline now; the entry is borrowed through `&mut self`.
        unsafe { &mut *self.inline_entry() }
    }

    /// Rewrites the meta word (access bits, expiry flag) through `f`, in place for either
    /// layout.
    pub fn update_meta(&mut self, f: impl FnOnce(u32) -> u32) {
        let word: &mut u32 = match self.embedded() {
            // SAFETY: an inline object's entry, borrowed through `&mut self`.
            None => unsafe { (*self.inline_entry()).meta_word_mut() },
            // SAFETY: meta is at 8..12 of an embedded object, 4-aligned.
            Some(_) => unsafe { &mut *self.meta_ptr() },
        };
        *word = f(*word);
    }

    /// Takes the entry out, freeing the object (whose link must be empty). An embedded value
    /// keeps the allocation, header and key as its buffer's prefix.
    pub fn into_entry(self) -> Entry {
        let this = ManuallyDrop::new(self);
        match this.embedded() {
            None => {
                // SAFETY: the entry is moved out once; the allocation is then freed without
                // dropping it again (`this` is never dropped).
                let entry = unsafe { this.inline_entry().read() };
                this.free();
                entry
            }
            Some(kind) => {
                // SAFETY: meta is at 8..12 of an embedded object.
                let meta = unsafe { this.meta_ptr().read() };
                // The buffer takes over the allocation (`this` is never dropped).
                Entry::from_parts(Value::from_embedded(kind, this.payload_buf(kind)), meta)
            }
        }
    }

    /// Bytes of this object's allocation.
    pub fn alloc_size(&self) -> usize {
        match self.embedded() {
            None => {
                let (len, at) = self.key_span();
                at + len
            }
            Some(kind) => {
                let (off, len) = self.payload_span(kind);
                off + len
            }
        }
    }

    /// Frees the allocation without dropping anything in it.
    fn free(&self) {
        // SAFETY: the allocation was made with this size (the key never changes, and an
        // embedded payload's recorded length always equals its allocated length) at ALIGN.
        unsafe { alloc::dealloc(self.base(), layout(self.alloc_size())) };
    }
}

#[allow(unsafe_code)]
impl Drop for Obj {
    fn drop(&mut self) {
        debug_assert!(
            self.next().is_none(),
            "an Obj dropped with a chain behind it"
        );
        if self.embedded().is_none() {
            // SAFETY: the inline entry is dropped exactly once, before the allocation is freed.
            unsafe { std::ptr::drop_in_place(self.inline_entry()) };
        }
        self.free();
    }
}

/// The keyspace dict links objects through their own `next` field. The dict's value form is
/// unused (`()`): the keyspace reads entries through [`Obj::entry`] and [`Obj::entry_mut`].
#[allow(unsafe_code)]
impl DictNode for Obj {
    type Key = [u8];
    type Value = ();

    #[inline]
    fn key_bytes(&self) -> &[u8] {
        self.key()
    }

    #[inline]
    fn key(&self) -> &[u8] {
        Obj::key(self)
    }

    #[inline]
    fn value(&self) -> &() {
        &()
    }

    #[inline]
    fn next(&self) -> Option<&Obj> {
        Obj::next(self)
    }

    fn parts_mut(&mut self) -> (&[u8], &mut (), &mut Option<Obj>) {
        let (len, at) = self.key_span();
        let base = self.base();
        // SAFETY: the key bytes (at..at + len) and the link (0..8) are disjoint parts of the
        // allocation, both borrowed for as long as `self` is, exclusively through `&mut self`.
        // The unit value is a zero-sized reference, valid anywhere.
        unsafe {
            (
                std::slice::from_raw_parts(base.add(at), len),
                &mut *NonNull::<()>::dangling().as_ptr(),
                &mut *base.cast::<Option<Obj>>(),
            )
        }
    }
}

impl std::fmt::Debug for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obj")
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("embedded", &self.embedded())
            .field("entry", &*self.entry())
            .finish()
    }
}

/// A key's entry, or a part of its value, for reading: a reference into an inline object, or
/// (for an embedded object) the entry built around its payload, never dropped.
///
/// Invariant of `Built`: the value it holds (or a part of it) is a hash, set or sorted set in a
/// small encoding, whose only owned data is a `RawBuf` over the object's allocation; a bitwise
/// copy of such a part is another view of the same bytes, which [`Ref::project`] relies on.
pub struct Ref<'a, T>(RefInner<'a, T>);

/// The two kinds of [`Ref`] (private, so no code outside this module can take a built view
/// out of its `ManuallyDrop`).
enum RefInner<'a, T> {
    /// A reference into an inline object.
    Direct(&'a T),
    /// A view built over an embedded object's payload.
    Built(ManuallyDrop<T>, PhantomData<&'a Obj>),
}

/// A key's entry for reading.
pub type EntryRef<'a> = Ref<'a, Entry>;

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match &self.0 {
            RefInner::Direct(e) => e,
            RefInner::Built(e, _) => e,
        }
    }
}

#[allow(unsafe_code)]
impl<'a> Ref<'a, Entry> {
    /// Narrows the entry to a part of its value (`f` picks it, or refuses with an error).
    pub fn project<U, E>(
        self,
        f: impl for<'b> FnOnce(&'b Value) -> Result<&'b U, E>,
    ) -> Result<Ref<'a, U>, E> {
        match self.0 {
            RefInner::Direct(e) => f(&e.value).map(|p| Ref(RefInner::Direct(p))),
            RefInner::Built(e, _) => {
                let part = f(&e.value)?;
                // SAFETY: by the `Built` invariant the part is a view over the object's bytes
                // whose only owned data is a raw buffer pointer; the copy is never dropped
                // (ManuallyDrop) and the original is forgotten with `e`.
                let copy = unsafe { std::ptr::read(part) };
                Ok(Ref(RefInner::Built(ManuallyDrop::new(copy), PhantomData)))
            }
        }
    }
}

/// A key's entry for update; dropping it stores the entry back into its object. It must be
/// dropped, not leaked (`mem::forget`): a forgotten guard whose value reallocated its buffer
/// would leave the dict pointing at the old place. Nothing in carmine forgets one.
pub struct EntryMut<'a> {
    obj: &'a mut Obj,
    /// For an embedded object: what `entry_mut` took out of it, on the heap (a leaked box,
    /// reclaimed by the drop), so a part of the entry keeps its address while the guard moves
    /// (see [`RefMut`]).
    held: Option<NonNull<Held>>,
}

/// An embedded object's entry while a guard has it, with what the write-back needs if the
/// allocation is gone by then (the value's code may free or replace the buffer).
struct Held {
    entry: ManuallyDrop<Entry>,
    key: CompactBytes,
    /// A copy of the object's link (the allocation keeps the original while it lives).
    next: ManuallyDrop<Option<Obj>>,
}

#[allow(unsafe_code)]
impl Deref for EntryMut<'_> {
    type Target = Entry;

    #[inline]
    fn deref(&self) -> &Entry {
        match self.held {
            // SAFETY: the box `entry_mut` leaked, owned by this guard until its drop.
            Some(h) => unsafe { &h.as_ref().entry },
            // SAFETY: an inline object's entry, borrowed through the guard's `&mut Obj`.
            None => unsafe { &*self.obj.inline_entry() },
        }
    }
}

#[allow(unsafe_code)]
impl DerefMut for EntryMut<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Entry {
        match self.held {
            // SAFETY: as in `deref`, exclusively through `&mut self`.
            Some(mut h) => unsafe { &mut h.as_mut().entry },
            // SAFETY: as in `deref`, exclusively.
            None => unsafe { &mut *self.obj.inline_entry() },
        }
    }
}

#[allow(unsafe_code)]
impl Drop for EntryMut<'_> {
    fn drop(&mut self) {
        let rebuilt = match self.held.take() {
            None => {
                // An inline value now in a small encoding moves into an embedded object.
                let entry = self.deref();
                let Some((kind, buf)) = entry.value.embedded() else {
                    return;
                };
                if !embeddable(self.obj.key().len(), kind, buf.as_slice()) {
                    return;
                }
                let mut new =
                    Obj::new_embedded(self.obj.key(), entry.meta_word(), kind, buf.as_slice());
                *new.next_link() = self.obj.next_link().take();
                // SAFETY: the old entry is moved out once and dropped (its buffer was copied);
                // the old allocation is then freed without dropping it again.
                unsafe {
                    drop(self.obj.inline_entry().read());
                    self.obj.free();
                }
                new
            }
            Some(held) => {
                // SAFETY: the box `entry_mut` leaked, reclaimed once, here.
                let mut held = unsafe { Box::from_raw(held.as_ptr()) };
                // SAFETY: both taken exactly once, here; the link copy becomes the only owner
                // of the chain (the old allocation's bits are freed or overwritten below, or
                // sit in a buffer's prefix, which nothing reads as a link).
                let (entry, next) = unsafe {
                    (
                        ManuallyDrop::take(&mut held.entry),
                        ManuallyDrop::take(&mut held.next),
                    )
                };
                let (value, meta) = entry.into_parts();
                let key = held.key.as_slice();
                let mut new = match value.into_embedded() {
                    Ok((kind, mut buf))
                        if is_object_of(&buf, key) && payload_is_whole(kind, buf.as_slice()) =>
                    {
                        // An object's allocation for this key (ours, perhaps moved by a
                        // realloc, which keeps the prefix): adopted, with the link and meta
                        // written anew. The allocation must be exactly its payload.
                        buf.shrink_to_fit();
                        let (base, _, _, _) = buf.into_raw_parts();
                        // SAFETY: `base` is the allocation, an embedded header at its start;
                        // the link's old bits are a copy (of `next`) or another object's stale
                        // link, overwritten without being dropped.
                        unsafe {
                            base.as_ptr().cast::<Option<Obj>>().write(None);
                            base.as_ptr().add(META_OFF).cast::<u32>().write(meta);
                        }
                        Obj::tagged(base, kind)
                    }
                    Ok((kind, buf)) if embeddable(key.len(), kind, buf.as_slice()) => {
                        Obj::new_embedded(key, meta, kind, buf.as_slice())
                    }
                    Ok((kind, buf)) => Obj::new_inline(
                        key,
                        Entry::from_parts(Value::from_embedded(kind, buf), meta),
                    ),
                    Err(value) => Obj::new_inline(key, Entry::from_parts(value, meta)),
                };
                *new.next_link() = next;
                new
            }
        };
        // SAFETY: the slot's old object is gone (freed above, or taken over by the rebuilt
        // one, or freed with the value's buffer): its bits are overwritten, not dropped.
        unsafe { std::ptr::write(self.obj, rebuilt) };
    }
}

/// A part of a key's value for update (a hash, a set, a sorted set), holding the entry's guard:
/// the entry is stored back when this drops.
pub struct RefMut<'a, T> {
    /// Kept for its drop (the write-back).
    _guard: EntryMut<'a>,
    /// The part, inside the guard's entry: in the inline object, or in the guard's boxed
    /// entry, so it stays put while `self` moves.
    part: NonNull<T>,
    /// Borrows the part mutably for `'a` (invariant in `T`, as `&'a mut T` is).
    _part: PhantomData<&'a mut T>,
}

impl<'a> EntryMut<'a> {
    /// Narrows the entry to a part of its value (`f` picks it, or refuses with an error).
    pub fn project<U, E>(
        mut self,
        f: impl for<'b> FnOnce(&'b mut Value) -> Result<&'b mut U, E>,
    ) -> Result<RefMut<'a, U>, E> {
        let part = NonNull::from(f(&mut self.value)?);
        Ok(RefMut {
            _guard: self,
            part,
            _part: PhantomData,
        })
    }
}

#[allow(unsafe_code)]
impl<T> Deref for RefMut<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `part` points into the entry the guard holds (an inline object the guard
        // borrows exclusively, or the guard's box), alive and untouched by anything else while
        // `self` is; only `self` hands out references to it.
        unsafe { self.part.as_ref() }
    }
}

#[allow(unsafe_code)]
impl<T> DerefMut for RefMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, exclusively through `&mut self`.
        unsafe { self.part.as_mut() }
    }
}

/// Whether `buf`'s prefix is an embedded object's header for `key` (the allocation of an object
/// of this key, which a write-back may adopt).
fn is_object_of(buf: &RawBuf, key: &[u8]) -> bool {
    let prefix = buf.prefix();
    let at = EMBEDDED_KEY_OFF + varint_len(key.len());
    prefix.len() == at + key.len()
        && prefix.get(at..) == Some(key)
        && prefix.get(EMBEDDED_KEY_OFF..at) == leb128(key.len()).get(..at - EMBEDDED_KEY_OFF)
}

/// The LEB128 bytes of `n` (at most ten; the rest zero).
fn leb128(mut n: usize) -> [u8; 10] {
    let mut out = [0u8; 10];
    for b in out.iter_mut() {
        *b = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            break;
        }
        *b |= 0x80;
    }
    out
}

/// Whether `payload` is exactly one encoding of `kind`, as long as its header says (the size
/// an embedded object's allocation is freed with is read back from that header).
fn payload_is_whole(kind: Embedded, payload: &[u8]) -> bool {
    payload.len() >= kind.header_len() && kind.encoded_len(payload) == payload.len()
}

/// The longest key whose small value is embedded (longer keys keep an inline object).
const MAX_EMBEDDED_KEY: usize = 1 << 16;

/// Whether a key of `key_len` bytes and `payload` may share one embedded object: a whole
/// encoding, a key of at most [`MAX_EMBEDDED_KEY`] bytes, and header, key and payload within a
/// `RawBuf`'s reach (so the casts to its u32 sizes are exact).
fn embeddable(key_len: usize, kind: Embedded, payload: &[u8]) -> bool {
    key_len <= MAX_EMBEDDED_KEY
        && payload_is_whole(kind, payload)
        && EMBEDDED_KEY_OFF + varint_len(key_len) + key_len + payload.len() <= MAX_ALLOC
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::hash::{Hash, Limits};
    use crate::types::string::StrValue;

    fn string(s: &str) -> Value {
        Value::Str(StrValue::created(s.as_bytes()))
    }

    fn small_hash(n: usize) -> Value {
        let mut h = Hash::new();
        for i in 0..n {
            h.set(
                format!("f{i}").as_bytes(),
                format!("v{i}").as_bytes(),
                Limits::new(128, 64),
            );
        }
        Value::Hash(h)
    }

    #[test]
    fn keys_of_every_length_class_round_trip() {
        for len in [0usize, 1, 7, 127, 128, 300, 16_383, 16_384, 100_000] {
            let key = vec![b'k'; len];
            let obj = Obj::new(&key, Entry::new(string("v"), 5_000));
            assert_eq!(obj.key(), key.as_slice());
            assert_eq!(obj.entry().value, string("v"));
            let obj = Obj::new(&key, Entry::new(small_hash(3), 5_000));
            assert_eq!(obj.key(), key.as_slice());
            assert_eq!(obj.entry().value, small_hash(3));
            assert_eq!(obj.into_entry().value, small_hash(3));
        }
    }

    #[test]
    fn a_short_key_costs_one_small_allocation() {
        let obj = Obj::new(b"key:12345", Entry::new(string("v"), 0));
        // 8 link + 40 entry + 1 length + 9 key (the dict node was 72 bytes plus the key).
        assert_eq!(obj.alloc_size(), 58);
        let hash = small_hash(2);
        let lp = hash.embedded().map(|(_, b)| b.len()).unwrap_or(0);
        let obj = Obj::new(b"key:12345", Entry::new(hash, 0));
        assert_eq!(obj.embedded(), Some(Embedded::HashListpack));
        // 8 link + 4 meta + 1 length + 9 key, then the listpack.
        assert_eq!(obj.alloc_size(), 22 + lp);
    }

    #[test]
    fn updates_through_the_guard_are_kept() {
        let mut obj = Obj::new(b"k", Entry::new(string("a"), 1_000));
        {
            let mut e = obj.entry_mut();
            e.value = string("a much longer value than the first, stored on the heap");
            e.touch(9_000_000);
        }
        let e = obj.entry();
        assert_eq!(
            e.value,
            string("a much longer value than the first, stored on the heap")
        );
        assert_eq!(e.lru(), 9_000);
    }

    #[test]
    fn an_embedded_value_grows_converts_and_comes_back() {
        let mut obj = Obj::new(b"h", Entry::new(small_hash(1), 0));
        *obj.next_link() = Some(Obj::new(b"n", Entry::new(string("x"), 0)));
        // Grows in place (the buffer reallocates with its prefix).
        for i in 1..100 {
            let mut e = obj.entry_mut();
            if let Value::Hash(h) = &mut e.value {
                h.set(format!("f{i}").as_bytes(), b"v", Limits::new(128, 64));
            }
            e.touch(i * 1_000_000);
        }
        assert_eq!(obj.embedded(), Some(Embedded::HashListpack));
        assert_eq!(obj.key(), b"h");
        assert_eq!(obj.entry().value.len(), 100);
        assert_eq!(obj.entry().lru(), 99_000);
        // Past the limit the hash converts and the object goes inline.
        {
            let mut e = obj.entry_mut();
            if let Value::Hash(h) = &mut e.value {
                h.set(b"big", b"v", Limits::new(64, 64));
            }
        }
        assert_eq!(obj.embedded(), None);
        assert_eq!(obj.entry().value.encoding(), "hashtable");
        // A small value replacing it is embedded again.
        {
            let mut e = obj.entry_mut();
            e.value = small_hash(4);
        }
        assert_eq!(obj.embedded(), Some(Embedded::HashListpack));
        assert_eq!(obj.entry().value, small_hash(4));
        // Replaced by a value of another type, and the old value taken away.
        let old = {
            let mut e = obj.entry_mut();
            std::mem::replace(&mut e.value, string("s"))
        };
        assert_eq!(old, small_hash(4));
        assert_eq!(obj.embedded(), None);
        assert_eq!(obj.key(), b"h");
        // The chain survived every rebuild.
        assert_eq!(obj.next().map(Obj::key), Some(b"n".as_slice()));
        drop(obj.next_link().take());
    }

    #[test]
    fn the_meta_word_updates_in_place_in_both_layouts() {
        for value in [string("s"), small_hash(2)] {
            let mut obj = Obj::new(b"k", Entry::new(value, 1_000));
            let before = obj.alloc_size();
            obj.update_meta(|m| m | 0x00AB_CDEF);
            assert_eq!(obj.entry().lru(), 0x00AB_CDEF);
            assert_eq!(obj.alloc_size(), before);
        }
    }

    #[test]
    fn a_key_too_long_to_embed_keeps_an_inline_object() {
        let key = vec![b'k'; MAX_EMBEDDED_KEY + 1];
        let mut obj = Obj::new(&key, Entry::new(small_hash(2), 0));
        assert_eq!(obj.embedded(), None);
        {
            let mut e = obj.entry_mut();
            e.value = small_hash(3);
        }
        assert_eq!(obj.embedded(), None);
        assert_eq!(obj.entry().value, small_hash(3));
    }

    #[test]
    fn a_value_taken_from_an_object_of_the_same_key_is_adopted() {
        let twin = Obj::new(b"k", Entry::new(small_hash(2), 0)).into_entry();
        let mut obj = Obj::new(b"k", Entry::new(small_hash(5), 0));
        *obj.next_link() = Some(Obj::new(b"n", Entry::new(string("x"), 0)));
        let old = {
            let mut e = obj.entry_mut();
            std::mem::replace(&mut e.value, twin.value)
        };
        assert_eq!(old, small_hash(5));
        drop(old);
        assert_eq!(obj.key(), b"k");
        assert_eq!(obj.embedded(), Some(Embedded::HashListpack));
        assert_eq!(obj.entry().value, small_hash(2));
        assert_eq!(obj.next().map(Obj::key), Some(b"n".as_slice()));
        drop(obj.next_link().take());
    }

    #[test]
    fn a_value_taken_from_another_embedded_object_is_copied_not_adopted() {
        let a = Obj::new(b"a", Entry::new(small_hash(2), 0));
        let mut b = Obj::new(b"b", Entry::new(small_hash(5), 0));
        let taken = a.into_entry();
        {
            let mut e = b.entry_mut();
            e.value = taken.value;
        }
        assert_eq!(b.key(), b"b");
        assert_eq!(b.entry().value, small_hash(2));
    }
}
