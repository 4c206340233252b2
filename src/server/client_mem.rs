//! Client memory bookkeeping for client eviction (`maxmemory-clients`) and INFO: the last
//! memory figure of every connection, their running total, and the evictable ones sorted into
//! power-of-two size buckets, as Redis 7.0's `client_mem_usage_buckets`.
//!
//! Representation: `slots[i]` mirrors client slot `i` of the server's table (the figure last
//! recorded for it, whether it counts toward the total, and its place in a bucket). Bucket `b`
//! holds the slots whose figure has `MIN_LOG + b` significant bits (everything up to 32 KiB
//! shares bucket 0, everything of 4 GiB and over shares the last one), in a `Vec` from which a
//! slot is removed by swapping the last one into its place.
//!
//! Invariants: `total` is the sum of `mem` over counted slots; a slot is in at most one bucket,
//! and `place` names exactly the bucket and index where it sits. Every operation touches only
//! the slot it is given (and the one swapped into a freed place), so recording a client's
//! memory after each of its reads costs the same with 10 or 10,000 connections; choosing a
//! victim scans the 19 buckets from the largest down and takes any member of the first
//! non-empty one (as Redis, which takes its bucket's list head: within a bucket sizes differ
//! by less than 2x).

/// Clients up to 2^15 bytes share the smallest bucket (CLIENT_MEM_USAGE_BUCKET_MIN_LOG).
const MIN_LOG: u32 = 15;
/// Clients of 2^32 bytes and more share the largest bucket (CLIENT_MEM_USAGE_BUCKET_MAX_LOG).
const MAX_LOG: u32 = 33;
/// Number of buckets.
const BUCKETS: usize = (MAX_LOG - MIN_LOG + 1) as usize;

/// The memory figures of all connections, and the evictable ones by size class.
#[derive(Debug)]
pub struct ClientMemory {
    slots: Vec<SlotMem>,
    buckets: [Vec<usize>; BUCKETS],
    total: usize,
    /// Slot records read or written so far (tests prove per-update work does not grow with
    /// the number of clients).
    visits: u64,
}

/// What is recorded for one client slot.
#[derive(Debug, Default, Clone, Copy)]
struct SlotMem {
    mem: usize,
    counted: bool,
    /// (bucket, index in it) while the client may be evicted.
    place: Option<(usize, usize)>,
}

/// How a client takes part in client eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Counted toward the total and may be evicted (a normal or pub/sub client).
    Evictable,
    /// Counted toward the total but never evicted (CLIENT NO-EVICT, or already closing).
    Protected,
    /// Neither counted nor evicted (MONITOR clients, Redis's replicas).
    Exempt,
}

impl Default for ClientMemory {
    fn default() -> Self {
        ClientMemory {
            slots: Vec::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            total: 0,
            visits: 0,
        }
    }
}

impl ClientMemory {
    /// Records `mem` bytes for the client in `slot`, in the given role; O(1).
    pub fn update(&mut self, slot: usize, mem: usize, role: Role) {
        if self.slots.len() <= slot {
            self.slots.resize(slot + 1, SlotMem::default());
        }
        let Some(old) = self.slots.get(slot).copied() else {
            return;
        };
        self.visits += 1;
        if old.counted {
            self.total = self.total.saturating_sub(old.mem);
        }
        let counted = role != Role::Exempt;
        if counted {
            self.total = self.total.saturating_add(mem);
        }
        let want = (role == Role::Evictable).then(|| bucket_of(mem));
        let place = match (old.place, want) {
            (Some((b, i)), Some(w)) if b == w => Some((b, i)),
            (old_place, want) => {
                if let Some((b, i)) = old_place {
                    self.unlink(b, i);
                }
                want.and_then(|w| {
                    let bucket = self.buckets.get_mut(w)?;
                    bucket.push(slot);
                    Some((w, bucket.len() - 1))
                })
            }
        };
        if let Some(s) = self.slots.get_mut(slot) {
            *s = SlotMem {
                mem,
                counted,
                place,
            };
        }
    }

    /// Forgets the client in `slot` (it was closed); O(1).
    pub fn remove(&mut self, slot: usize) {
        let Some(old) = self.slots.get(slot).copied() else {
            return;
        };
        self.visits += 1;
        if old.counted {
            self.total = self.total.saturating_sub(old.mem);
        }
        if let Some((b, i)) = old.place {
            self.unlink(b, i);
        }
        if let Some(s) = self.slots.get_mut(slot) {
            *s = SlotMem::default();
        }
    }

    /// The memory of all counted clients together (normal and pub/sub clients: INFO
    /// mem_clients_normal, and what `maxmemory-clients` limits).
    pub fn total(&self) -> usize {
        self.total
    }

    /// The figure last recorded for `slot`.
    pub fn of(&self, slot: usize) -> usize {
        self.slots.get(slot).map_or(0, |s| s.mem)
    }

    /// An evictable client from the largest non-empty size bucket, if any.
    pub fn victim(&mut self) -> Option<usize> {
        let slot = self.buckets.iter().rev().find_map(|b| b.first().copied())?;
        self.visits += 1;
        Some(slot)
    }

    /// Slot records touched so far.
    pub fn visits(&self) -> u64 {
        self.visits
    }

    /// Takes the entry at `buckets[b][i]` out, moving the bucket's last entry into its place.
    fn unlink(&mut self, b: usize, i: usize) {
        let Some(bucket) = self.buckets.get_mut(b) else {
            return;
        };
        if i >= bucket.len() {
            return;
        }
        bucket.swap_remove(i);
        if let Some(&moved) = bucket.get(i) {
            self.visits += 1;
            if let Some(s) = self.slots.get_mut(moved) {
                s.place = Some((b, i));
            }
        }
    }
}

/// The bucket of a client holding `mem` bytes: its bit length, clamped to the bucket range.
fn bucket_of(mem: usize) -> usize {
    let bits = usize::BITS - mem.leading_zeros();
    (bits.clamp(MIN_LOG, MAX_LOG) - MIN_LOG) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the invariants: total, and every place pointing back at its slot.
    fn check(m: &ClientMemory) {
        let total: usize = m.slots.iter().filter(|s| s.counted).map(|s| s.mem).sum();
        assert_eq!(m.total, total);
        for (slot, s) in m.slots.iter().enumerate() {
            if let Some((b, i)) = s.place {
                assert_eq!(m.buckets[b][i], slot);
                assert_eq!(b, bucket_of(s.mem));
            }
        }
        let placed: usize = m.buckets.iter().map(Vec::len).sum();
        assert_eq!(placed, m.slots.iter().filter(|s| s.place.is_some()).count());
    }

    #[test]
    fn buckets_are_powers_of_two_from_32k_to_4g() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(20_000), 0);
        assert_eq!(bucket_of(32_767), 0);
        assert_eq!(bucket_of(32_768), 1);
        assert_eq!(bucket_of(65_535), 1);
        assert_eq!(bucket_of(65_536), 2);
        assert_eq!(bucket_of(1 << 31), 17);
        assert_eq!(bucket_of(1 << 32), 18);
        assert_eq!(bucket_of(usize::MAX), BUCKETS - 1);
    }

    #[test]
    fn the_biggest_clients_are_chosen_first() {
        let mut m = ClientMemory::default();
        let sizes = [
            20_000, 3_000_000, 70_000, 900_000, 25_000, 5_000_000, 40_000,
        ];
        for (slot, &mem) in sizes.iter().enumerate() {
            m.update(slot, mem, Role::Evictable);
        }
        check(&m);
        assert_eq!(m.total(), sizes.iter().sum::<usize>());
        let mut order = Vec::new();
        while let Some(slot) = m.victim() {
            order.push(sizes[slot]);
            m.remove(slot);
            check(&m);
        }
        assert_eq!(order[..5], [5_000_000, 3_000_000, 900_000, 70_000, 40_000]);
        // The two smallest share bucket 0 (both under 32 KiB): either order is Redis's.
        let mut last = order[5..].to_vec();
        last.sort_unstable();
        assert_eq!(last, [20_000, 25_000]);
        assert_eq!(m.total(), 0);
    }

    #[test]
    fn protected_and_exempt_clients_are_never_chosen() {
        let mut m = ClientMemory::default();
        m.update(0, 10_000_000, Role::Protected);
        m.update(1, 20_000_000, Role::Exempt);
        m.update(2, 50_000, Role::Evictable);
        check(&m);
        // The exempt client is not counted; the protected one is.
        assert_eq!(m.total(), 10_050_000);
        assert_eq!(m.victim(), Some(2));
        m.remove(2);
        assert_eq!(m.victim(), None);
        // CLIENT NO-EVICT off: the client becomes a candidate at its next update.
        m.update(0, 10_000_000, Role::Evictable);
        assert_eq!(m.victim(), Some(0));
        m.update(0, 10_000_000, Role::Protected);
        assert_eq!(m.victim(), None);
        check(&m);
    }

    #[test]
    fn clients_move_between_buckets_as_they_grow_and_shrink() {
        let mut m = ClientMemory::default();
        for slot in 0..100 {
            m.update(slot, 20_000 + slot, Role::Evictable);
        }
        m.update(42, 2_000_000, Role::Evictable);
        check(&m);
        assert_eq!(m.victim(), Some(42));
        m.update(42, 20_000, Role::Evictable);
        check(&m);
        assert_ne!(m.victim(), Some(42));
        m.update(7, 100_000, Role::Evictable);
        m.update(8, 100_000, Role::Evictable);
        check(&m);
        assert!(matches!(m.victim(), Some(7 | 8)));
        m.remove(7);
        check(&m);
        assert_eq!(m.victim(), Some(8));
    }

    #[test]
    fn per_update_work_does_not_grow_with_the_number_of_clients() {
        // With 10 clients and with 10,000, one update, one victim lookup and one removal
        // touch the same few records (the client itself and at most one moved neighbour).
        for n in [10usize, 10_000] {
            let mut m = ClientMemory::default();
            for slot in 0..n {
                m.update(slot, 20_000, Role::Evictable);
            }
            let before = m.visits();
            m.update(3, 25_000, Role::Evictable);
            m.update(3, 5_000_000, Role::Evictable);
            let victim = m.victim();
            assert_eq!(victim, Some(3));
            m.remove(3);
            let spent = m.visits() - before;
            assert!(spent <= 6, "{spent} records touched with {n} clients");
            check(&m);
        }
    }
}
