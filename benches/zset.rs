//! Criterion benchmarks for the sorted set's "skiplist" encoding (a counted B+tree here) across
//! sizes: ZADD (a new score for an existing member, which moves it), ZRANK and a 10-element
//! ZRANGE at a random rank, on sets of 1,000 to 1,000,000 members. Each should grow with log(n): the time per operation at
//! 1 M members stays within a small factor of the time at 1 k (cache misses, not element
//! counts, make up the difference).
//!
//! The set is driven through `carmine::types::zset::ZSet`, the value the ZADD/ZRANK/ZRANGE
//! handlers operate on, so the figures exclude parsing and reply encoding.

use std::hint::black_box;

use carmine::types::zset::{Limits, ZSet};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// Redis's default thresholds: every set here is far past them, so it is a skiplist.
const LIMITS: Limits = Limits {
    entries: 128,
    value: 64,
};

/// A small deterministic generator (xorshift64*), so every run benchmarks the same sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn member(i: usize) -> Vec<u8> {
    format!("element:{i:012}").into_bytes()
}

fn filled(n: usize) -> ZSet {
    let mut z = ZSet::new_skiplist();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        z.set(&member(i), rng.below(n) as f64, LIMITS);
    }
    z
}

fn bench_zset(c: &mut Criterion) {
    let mut group = c.benchmark_group("zset_skiplist");
    group.sample_size(20);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    for n in SIZES {
        let mut z = filled(n);
        let members: Vec<Vec<u8>> = (0..n).map(member).collect();
        let mut rng = Rng(42);
        group.bench_with_input(BenchmarkId::new("zadd_update", n), &n, |b, &n| {
            b.iter(|| {
                let m = &members[rng.below(n)];
                black_box(z.set(m, rng.below(n) as f64, LIMITS))
            })
        });
        group.bench_with_input(BenchmarkId::new("zrank", n), &n, |b, &n| {
            b.iter(|| black_box(z.rank(&members[rng.below(n)])))
        });
        group.bench_with_input(BenchmarkId::new("zrange_10", n), &n, |b, &n| {
            b.iter(|| {
                let start = rng.below(n.saturating_sub(10));
                let sum: f64 = z.iter_from(start, false).take(10).map(|(_, s)| s).sum();
                black_box(sum)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_zset);
criterion_main!(benches);
