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
    fn rss_and_system_memory_are_read_from_proc() {
        assert!(rss() > 0);
        assert!(total_system_memory() > 0);
    }
}
