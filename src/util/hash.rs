//! Keyed 64-bit hashing of byte strings, for the dicts and anything else that buckets keys.
//!
//! The function is a multiply-and-fold hash in the style of wyhash: the input is read as
//! little-endian 64-bit words, each pair of words is multiplied as a 128-bit product whose halves
//! are folded together with XOR, and a final fold mixes in the length. It is fast for the short
//! keys a keyspace holds (one or two multiplies for up to 16 bytes) and needs no `unsafe`.
//!
//! The key is a process-wide seed. It starts as a fixed constant, so tests are reproducible, and
//! `seed_from_random` replaces it with a random one once at start-up, as Redis seeds siphash with
//! random bytes, so that clients cannot craft keys that all fall into one bucket.
//!
//! Invariants:
//! - `hash_bytes_nocase(b) == hash_bytes(&b.to_ascii_lowercase())`: only ASCII `A`-`Z` fold, as
//!   C's `tolower` does in the C locale.
//! - A table must hash every key with the same seed for its whole life, so `Dict` captures
//!   `seed()` when it is created and hashes with `hash_with_seed`; changing the process seed later
//!   never corrupts an existing table.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Hashes `b` with the process-wide seed.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    hash_with_seed(seed(), b)
}

/// Hashes `b` with ASCII letters folded to lower case, with the process-wide seed.
#[inline]
pub fn hash_bytes_nocase(b: &[u8]) -> u64 {
    hash_with_seed_nocase(seed(), b)
}

/// Hashes `b` with an explicit seed (what a table captured when it was created).
#[inline]
pub fn hash_with_seed(seed: u64, b: &[u8]) -> u64 {
    hash_impl::<false>(seed, b)
}

/// Hashes `b` with ASCII letters folded to lower case, with an explicit seed.
#[inline]
pub fn hash_with_seed_nocase(seed: u64, b: &[u8]) -> u64 {
    hash_impl::<true>(seed, b)
}

/// Returns the current process-wide seed.
#[inline]
pub fn seed() -> u64 {
    SEED.load(Ordering::Relaxed)
}

/// Replaces the process-wide seed with a random one; only the first call has an effect.
///
/// Call it once at start-up, before any table is built. Tables created earlier keep working
/// (they captured the old seed) but hash differently from `hash_bytes`.
pub fn seed_from_random() {
    if SEEDED.swap(true, Ordering::Relaxed) {
        return;
    }
    SEED.store(rand::random::<u64>(), Ordering::Relaxed);
}

/// Sets the process-wide seed to a given value (tests and reproducible benchmarks only).
pub fn set_seed(seed: u64) {
    SEED.store(seed, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------------------------
// The hash itself.

/// The hash of `b` under `seed`; `NOCASE` folds ASCII upper case to lower case on every read.
#[inline]
fn hash_impl<const NOCASE: bool>(seed: u64, b: &[u8]) -> u64 {
    let len = b.len();
    let mut seed = seed ^ fold(seed ^ K0, K1);
    let (a, c);
    if len <= 16 {
        if len >= 4 {
            // Two overlapping 4-byte reads from each end cover every byte of 4..=16 bytes.
            let q = (len >> 3) << 2;
            a = (read4::<NOCASE>(b, 0) << 32) | read4::<NOCASE>(b, q);
            c = (read4::<NOCASE>(b, len - 4) << 32) | read4::<NOCASE>(b, len - 4 - q);
        } else if len > 0 {
            a = read_small::<NOCASE>(b);
            c = 0;
        } else {
            a = 0;
            c = 0;
        }
    } else {
        let mut rest = b;
        if rest.len() > 48 {
            let mut s1 = seed;
            let mut s2 = seed;
            while rest.len() > 48 {
                seed = fold(
                    read8::<NOCASE>(rest, 0) ^ K1,
                    read8::<NOCASE>(rest, 8) ^ seed,
                );
                s1 = fold(
                    read8::<NOCASE>(rest, 16) ^ K2,
                    read8::<NOCASE>(rest, 24) ^ s1,
                );
                s2 = fold(
                    read8::<NOCASE>(rest, 32) ^ K3,
                    read8::<NOCASE>(rest, 40) ^ s2,
                );
                rest = rest.get(48..).unwrap_or_default();
            }
            seed ^= s1 ^ s2;
        }
        while rest.len() > 16 {
            seed = fold(
                read8::<NOCASE>(rest, 0) ^ K1,
                read8::<NOCASE>(rest, 8) ^ seed,
            );
            rest = rest.get(16..).unwrap_or_default();
        }
        // The last 16 bytes of the whole input (they may overlap bytes already consumed).
        a = read8::<NOCASE>(b, len - 16);
        c = read8::<NOCASE>(b, len - 8);
    }
    let (lo, hi) = mul128(a ^ K1, c ^ seed);
    fold(lo ^ K0 ^ len as u64, hi ^ K1)
}

/// The 128-bit product of `a` and `b` as (low, high) halves.
#[inline]
fn mul128(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    (r as u64, (r >> 64) as u64)
}

/// Multiplies `a` by `b` and folds the two halves of the product together.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let (lo, hi) = mul128(a, b);
    lo ^ hi
}

/// Reads 8 little-endian bytes at `at` (0 where out of range, which callers never ask for).
#[inline]
fn read8<const NOCASE: bool>(b: &[u8], at: usize) -> u64 {
    let w = b
        .get(at..at.wrapping_add(8))
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes);
    if NOCASE { lower8(w) } else { w }
}

/// Reads 4 little-endian bytes at `at` into the low half of a word.
#[inline]
fn read4<const NOCASE: bool>(b: &[u8], at: usize) -> u64 {
    let w = b
        .get(at..at.wrapping_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_le_bytes);
    let w = u64::from(w);
    if NOCASE { lower8(w) } else { w }
}

/// Packs 1 to 3 bytes into a word: first, middle and last byte.
#[inline]
fn read_small<const NOCASE: bool>(b: &[u8]) -> u64 {
    let len = b.len();
    let byte = |i: usize| {
        let x = b.get(i).copied().unwrap_or(0);
        u64::from(if NOCASE { x.to_ascii_lowercase() } else { x })
    };
    (byte(0) << 16) | (byte(len >> 1) << 8) | byte(len.saturating_sub(1))
}

/// Folds every ASCII upper-case byte of a word to lower case (SWAR, no branches).
#[inline]
fn lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte's low 7 bits plus a bias: the sum's high bit says the byte is >= 'A' (or > 'Z').
    // The sums never carry into the next byte, since 0x7f + 0x3f < 0x100.
    let low7 = x & !HIGH;
    let ge_a = low7 + ONES * u64::from(0x80 - b'A');
    let gt_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
    // Bytes with the high bit set are not ASCII letters.
    let upper = ge_a & !gt_z & !x & HIGH;
    x | (upper >> 2)
}

/// The process-wide seed; a fixed odd constant until `seed_from_random` runs.
/// A `std::hash::Hasher` over [`hash_with_seed`], for std maps whose keys are short byte strings
/// (command names, event names) on the per-command path, where SipHash costs more than the
/// lookup itself. Keyed with the process seed like every other table here.
#[derive(Debug, Clone, Copy)]
pub struct FastHasher(u64);

impl Default for FastHasher {
    fn default() -> Self {
        FastHasher(seed())
    }
}

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_with_seed(self.0, bytes);
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = hash_with_seed(self.0, &[i]);
    }

    fn write_usize(&mut self, i: usize) {
        self.0 = hash_with_seed(self.0, &i.to_le_bytes());
    }
}

/// Builds [`FastHasher`]s for std collections.
pub type FastBuildHasher = std::hash::BuildHasherDefault<FastHasher>;

static SEED: AtomicU64 = AtomicU64::new(DEFAULT_SEED);
/// Whether `seed_from_random` has run.
static SEEDED: AtomicBool = AtomicBool::new(false);

/// The seed used until `seed_from_random` runs.
const DEFAULT_SEED: u64 = 0x6a09_e667_f3bc_c909;
/// Odd 64-bit mixing constants with balanced bits.
const K0: u64 = 0xa076_1d64_78bd_642f;
const K1: u64 = 0xe703_7ed1_a0b4_28db;
const K2: u64 = 0x8ebc_6af0_9c88_c6e3;
const K3: u64 = 0x5899_65cc_7537_4cc3;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn lower8_folds_only_ascii_upper_case() {
        for x in 0..=255u8 {
            let w = u64::from_le_bytes([x, b'Q', x, 0xc1, b'@', b'[', b'Z', b'A']);
            let expected = u64::from_le_bytes([
                x.to_ascii_lowercase(),
                b'q',
                x.to_ascii_lowercase(),
                0xc1,
                b'@',
                b'[',
                b'z',
                b'a',
            ]);
            assert_eq!(lower8(w), expected, "byte {x:#x}");
        }
    }

    #[test]
    fn every_length_hashes_every_byte() {
        // Flipping any single byte of inputs of length 0..=200 changes the hash.
        let base: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=base.len() {
            let s = &base[..len];
            let h = hash_with_seed(1, s);
            for i in 0..len {
                let mut t = s.to_vec();
                t[i] ^= 0x10;
                assert_ne!(h, hash_with_seed(1, &t), "len {len} byte {i}");
            }
        }
    }

    #[test]
    fn length_is_part_of_the_hash() {
        let zeros = [0u8; 64];
        let all: HashSet<u64> = (0..=64).map(|n| hash_with_seed(7, &zeros[..n])).collect();
        assert_eq!(all.len(), 65);
    }

    #[test]
    fn seed_changes_the_hash() {
        assert_ne!(hash_with_seed(1, b"key"), hash_with_seed(2, b"key"));
        assert_ne!(hash_with_seed(1, b""), hash_with_seed(2, b""));
    }

    #[test]
    fn sequential_keys_spread_over_low_bits() {
        // 64k keys "key:N" into 1024 buckets by the low bits: no bucket far above the mean.
        let mut counts = vec![0u32; 1024];
        for i in 0..65536u32 {
            let h = hash_with_seed(DEFAULT_SEED, format!("key:{i}").as_bytes());
            counts[(h & 1023) as usize] += 1;
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        let min = counts.iter().copied().min().unwrap_or(0);
        assert!(max < 110 && min > 25, "max {max} min {min} (mean 64)");
    }

    #[test]
    fn nocase_matches_lowercased_input() {
        assert_eq!(hash_with_seed_nocase(3, b"GET"), hash_with_seed(3, b"get"));
        assert_eq!(
            hash_with_seed_nocase(3, b"GeT"),
            hash_with_seed_nocase(3, b"gEt")
        );
        assert_ne!(hash_with_seed(3, b"GET"), hash_with_seed(3, b"get"));
    }

    #[test]
    fn global_seed_functions_agree_with_explicit_seed() {
        let s = seed();
        assert_eq!(hash_bytes(b"abc"), hash_with_seed(s, b"abc"));
        assert_eq!(hash_bytes_nocase(b"ABC"), hash_with_seed(s, b"abc"));
    }

    proptest! {
        #[test]
        fn nocase_is_hash_of_lowercase(b in proptest::collection::vec(any::<u8>(), 0..200),
                                       seed in any::<u64>()) {
            prop_assert_eq!(hash_with_seed_nocase(seed, &b),
                            hash_with_seed(seed, &b.to_ascii_lowercase()));
        }
    }
}
