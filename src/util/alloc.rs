//! The counting global allocator behind INFO memory's `used_memory` and `used_memory_peak`.
//!
//! [`Counting`] wraps jemalloc (the allocator Redis links, here through `tikv-jemallocator`) and
//! keeps two atomic counters: bytes currently allocated and the highest value that count has
//! reached. The count is of the sizes callers asked for; Redis's zmalloc counts jemalloc's usable
//! size, which rounds each allocation up to its size class, so for the same allocations Redis's
//! figure is the larger (RSS, from /proc, includes the rounding for both). Invariant: every successful allocation adds its layout size exactly
//! once and every deallocation subtracts the same size, so `used()` is the live heap in bytes.
//! Relaxed ordering suffices: the counters are statistics, never used to synchronise memory.
//!
//! It is registered here as the process's `#[global_allocator]`, so everything linked into the
//! binary (and the test binaries) is counted. The resident set size comes from /proc instead.

use std::alloc::{GlobalAlloc, Layout};

use std::sync::atomic::{AtomicUsize, Ordering};
use tikv_jemallocator::Jemalloc as Inner;

/// The process-wide allocator: jemalloc plus byte counters.
pub struct Counting;

static USED: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static STARTUP: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static GLOBAL: Counting = Counting;

impl Counting {
    fn added(size: usize) {
        let now = USED.fetch_add(size, Ordering::Relaxed).wrapping_add(size);
        // The peak only grows, so a count at or below it needs no locked update (fetch_max is a
        // compare-and-swap on every allocation otherwise).
        if now > PEAK.load(Ordering::Relaxed) {
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
    }

    fn removed(size: usize) {
        USED.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to jemalloc with the caller's arguments unchanged, so the
// GlobalAlloc contract (layouts, alignment, pointer provenance) is exactly jemalloc's. The only
// extra work is updating atomics, which neither allocates nor unwinds.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds alloc's contract.
        let p = unsafe { Inner.alloc(layout) };
        if !p.is_null() {
            Self::added(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds alloc_zeroed's contract.
        let p = unsafe { Inner.alloc_zeroed(layout) };
        if !p.is_null() {
            Self::added(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator with this layout.
        unsafe { Inner.dealloc(ptr, layout) };
        Self::removed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds realloc's contract.
        let p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            Self::removed(layout.size());
            Self::added(new_size);
        }
        p
    }
}

/// Bytes currently allocated through the global allocator (INFO used_memory).
pub fn used() -> usize {
    USED.load(Ordering::Relaxed)
}

/// The highest value [`used`] has reached (INFO used_memory_peak).
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed).max(used())
}

/// Resets the peak to the current use (MEMORY PURGE does not; CONFIG RESETSTAT does not either:
/// Redis resets `stat_peak_memory` only in resetServerStats, which RESETSTAT calls).
pub fn reset_peak() {
    PEAK.store(used(), Ordering::Relaxed);
}

/// Records the current use as the start-up baseline (INFO used_memory_startup); the server
/// calls this once it is ready to accept connections.
pub fn mark_startup() {
    STARTUP.store(used(), Ordering::Relaxed);
}

/// The baseline recorded by [`mark_startup`], 0 before it is called.
pub fn startup() -> usize {
    STARTUP.load(Ordering::Relaxed)
}

/// The resident set size in bytes from /proc/self/statm, or 0 where it cannot be read.
pub fn rss() -> usize {
    let Ok(s) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: usize = s
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages.saturating_mul(PAGE_SIZE)
}

/// Total physical memory in bytes from /proc/meminfo (INFO total_system_memory), or 0.
pub fn total_system_memory() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/meminfo") else {
        return 0;
    };
    s.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb.saturating_mul(1024))
}

/// jemalloc's own figures (INFO memory's allocator_allocated, _active and _resident): bytes in
/// live allocations rounded to their size classes, bytes in the pages those sit in, and bytes of
/// resident allocator memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocatorStats {
    /// `stats.allocated`.
    pub allocated: usize,
    /// `stats.active`.
    pub active: usize,
    /// `stats.resident`.
    pub resident: usize,
}

/// Reads [`AllocatorStats`] after refreshing jemalloc's cached statistics (the `epoch` mallctl,
/// as Redis's zmalloc_get_allocator_info); all zero if jemalloc refuses a read.
pub fn allocator_stats() -> AllocatorStats {
    let mut epoch: u64 = 1;
    let _ = mallctl_write(c"epoch", &mut epoch);
    AllocatorStats {
        allocated: mallctl_read::<usize>(c"stats.allocated").unwrap_or(0),
        active: mallctl_read::<usize>(c"stats.active").unwrap_or(0),
        resident: mallctl_read::<usize>(c"stats.resident").unwrap_or(0),
    }
}

/// INFO server's `mem_allocator`: `jemalloc-` and the linked jemalloc's version (Redis prints
/// its bundled one the same way).
#[allow(unsafe_code)]
pub fn allocator_name() -> String {
    let version = mallctl_read::<*const std::ffi::c_char>(c"version")
        .filter(|p| !p.is_null())
        // SAFETY: jemalloc's `version` is a pointer to a static NUL-terminated string.
        .map(|p| {
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    // "5.3.1-0-g81034ce..." -> "5.3.1"
    let short = version.split('-').next().unwrap_or_default();
    format!("jemalloc-{short}")
}

/// Returns unused dirty pages of every arena to the system (MEMORY PURGE; Redis's
/// jemalloc_purge: `arena.<MALLCTL_ARENAS_ALL>.purge`). False if jemalloc refused.
#[allow(unsafe_code)]
pub fn purge() -> bool {
    // MALLCTL_ARENAS_ALL is 4096 in jemalloc 5.
    let name = c"arena.4096.purge";
    // SAFETY: a purge mallctl takes no old or new value; the name is NUL-terminated.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    rc == 0
}

/// jemalloc's statistics report (MEMORY MALLOC-STATS; je_malloc_stats_print with default
/// options).
#[allow(unsafe_code)]
pub fn stats_text() -> String {
    let mut out: Vec<u8> = Vec::new();
    // SAFETY: `collect` receives the `&mut Vec<u8>` passed as the opaque pointer (alive for
    // the whole call, which is synchronous) and NUL-terminated strings from jemalloc.
    unsafe {
        tikv_jemalloc_sys::malloc_stats_print(
            Some(collect),
            (&mut out as *mut Vec<u8>).cast(),
            std::ptr::null(),
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The write callback of [`stats_text`]: appends one chunk of the report.
#[allow(unsafe_code)]
unsafe extern "C" fn collect(opaque: *mut std::ffi::c_void, s: *const std::ffi::c_char) {
    if opaque.is_null() || s.is_null() {
        return;
    }
    // SAFETY: `opaque` is the `&mut Vec<u8>` stats_text passed; `s` is NUL-terminated.
    let (out, text) = unsafe { (&mut *opaque.cast::<Vec<u8>>(), std::ffi::CStr::from_ptr(s)) };
    out.extend_from_slice(text.to_bytes());
}

/// Reads a mallctl value of type `T` (a plain integer or pointer, as the name's type is).
#[allow(unsafe_code)]
fn mallctl_read<T: Copy + Default>(name: &std::ffi::CStr) -> Option<T> {
    let mut value = T::default();
    let mut len = std::mem::size_of::<T>();
    // SAFETY: `value` is a valid `T` of `len` bytes for jemalloc to write; callers pass names
    // whose type is `T`, and a size mismatch makes jemalloc fail with EINVAL, not write.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&mut value as *mut T).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0).then_some(value)
}

/// Writes a mallctl value of type `T`.
#[allow(unsafe_code)]
fn mallctl_write<T: Copy>(name: &std::ffi::CStr, value: &mut T) -> bool {
    // SAFETY: `value` points at `size_of::<T>()` readable bytes; jemalloc checks the length.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            (value as *mut T).cast(),
            std::mem::size_of::<T>(),
        )
    };
    rc == 0
}

/// The page size /proc/self/statm counts in (4 KiB on the platforms carmine targets).
const PAGE_SIZE: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_counted_and_freed() {
        let v: Vec<u8> = Vec::with_capacity(1 << 20);
        assert!(used() >= 1 << 20);
        assert!(peak() >= 1 << 20);
        drop(v);
        assert!(peak() >= used());
    }

    #[test]
    fn jemalloc_reports_its_figures() {
        let v: Vec<u8> = Vec::with_capacity(4 << 20);
        let s = allocator_stats();
        assert!(s.allocated >= 4 << 20, "{s:?}");
        assert!(s.active >= s.allocated, "{s:?}");
        assert!(s.resident >= s.active, "{s:?}");
        drop(v);
        assert!(
            allocator_name().starts_with("jemalloc-5."),
            "{}",
            allocator_name()
        );
        assert!(stats_text().contains("jemalloc statistics"));
        assert!(purge());
    }

    #[test]
    fn rss_and_system_memory_are_read_from_proc() {
        assert!(rss() > 0);
        assert!(total_system_memory() > 0);
    }
}
