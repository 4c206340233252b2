//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...): who waits on which key, in order.
//!
//! A blocked client waits on one or more (db, key) pairs. Each pair has a FIFO queue of client
//! ids, so the client that blocked first is served first. A write that may have made a key
//! servable calls [`BlockedKeys::signal`]; the key is queued as ready only if somebody waits on
//! it (one hash lookup otherwise). The server drains [`BlockedKeys::take_ready`] after each
//! command (and after a whole EXEC or script) and retries the waiting clients' commands in queue
//! order.
//!
//! Invariant: a client id is in the queue of every key in `by_client[id]`, and nowhere else.

use std::collections::{BTreeSet, HashMap, VecDeque};

use bytes::Bytes;

/// The blocking registry.
#[derive(Debug, Default)]
pub struct BlockedKeys {
    waiting: HashMap<(usize, Bytes), VecDeque<u64>>,
    by_client: HashMap<u64, Vec<(usize, Bytes)>>,
    ready: Vec<(usize, Bytes)>,
    /// (deadline unix ms, client id) of clients that block with a timeout.
    deadlines: BTreeSet<(i64, u64)>,
    deadline_of: HashMap<u64, i64>,
}

impl BlockedKeys {
    /// Registers client `id` as waiting on `keys` of database `db` (a key named twice counts
    /// once).
    /// `deadline` is the unix ms at which it times out (`None`: never).
    pub fn block(&mut self, id: u64, db: usize, keys: &[Bytes], deadline: Option<i64>) {
        if let Some(d) = deadline {
            self.deadlines.insert((d, id));
            self.deadline_of.insert(id, d);
        }
        let mine = self.by_client.entry(id).or_default();
        for k in keys {
            let pair = (db, k.clone());
            if mine.contains(&pair) {
                continue;
            }
            self.waiting.entry(pair.clone()).or_default().push_back(id);
            mine.push(pair);
        }
    }

    /// Forgets client `id` everywhere (served, timed out, unblocked or disconnected).
    pub fn unblock(&mut self, id: u64) {
        if let Some(d) = self.deadline_of.remove(&id) {
            self.deadlines.remove(&(d, id));
        }
        let Some(keys) = self.by_client.remove(&id) else {
            return;
        };
        for pair in keys {
            if let Some(q) = self.waiting.get_mut(&pair) {
                // The served client is nearly always the first in line: O(1) then.
                if q.front() == Some(&id) {
                    q.pop_front();
                } else {
                    q.retain(|&c| c != id);
                }
                if q.is_empty() {
                    self.waiting.remove(&pair);
                }
            }
        }
    }

    /// Notes that `key` may now be servable, if any client waits on it.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.waiting.is_empty() {
            return;
        }
        let pair = (db, Bytes::copy_from_slice(key));
        if self.waiting.contains_key(&pair) && !self.ready.contains(&pair) {
            self.ready.push(pair);
        }
    }

    /// Notes that every key of `db` may have changed (FLUSHDB, SWAPDB).
    pub fn signal_db(&mut self, db: usize) {
        let pairs: Vec<(usize, Bytes)> = self
            .waiting
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        for p in pairs {
            if !self.ready.contains(&p) {
                self.ready.push(p);
            }
        }
    }

    /// Whether any key was signalled since the last `take_ready`.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Takes the keys signalled since the last call, in signal order.
    pub fn take_ready(&mut self) -> Vec<(usize, Bytes)> {
        std::mem::take(&mut self.ready)
    }

    /// The `i`-th client in line for a key (0 = first come).
    pub fn waiter_at(&self, db: usize, key: &Bytes, i: usize) -> Option<u64> {
        self.waiting.get(&(db, key.clone()))?.get(i).copied()
    }

    /// Clients whose deadline is at or before `now_ms`, earliest first.
    pub fn timed_out(&self, now_ms: i64) -> Vec<u64> {
        self.deadlines
            .iter()
            .take_while(|(d, _)| *d <= now_ms)
            .map(|&(_, id)| id)
            .collect()
    }

    /// The earliest deadline of any blocked client (the loop sleeps no longer than that).
    pub fn next_deadline(&self) -> Option<i64> {
        self.deadlines.iter().next().map(|&(d, _)| d)
    }

    /// How many clients are blocked (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.by_client.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    impl BlockedKeys {
        /// The clients waiting on a key, first come first.
        fn waiters(&self, db: usize, key: &Bytes) -> Vec<u64> {
            (0..).map_while(|i| self.waiter_at(db, key, i)).collect()
        }

        /// How many distinct keys clients wait on.
        fn keys_waited_on(&self) -> usize {
            self.waiting.len()
        }
    }

    #[test]
    fn waiters_are_served_first_come_first_served() {
        let mut r = BlockedKeys::default();
        r.block(7, 0, &[b("a"), b("b")], None);
        r.block(3, 0, &[b("a")], Some(50));
        assert_eq!(r.waiters(0, &b("a")), vec![7, 3]);
        r.unblock(7);
        assert_eq!(r.waiters(0, &b("a")), vec![3]);
        assert_eq!(r.timed_out(49), Vec::<u64>::new());
        assert_eq!(r.timed_out(50), vec![3]);
        assert_eq!(r.next_deadline(), Some(50));
        assert!(r.waiters(0, &b("b")).is_empty());
        assert_eq!(r.keys_waited_on(), 1);
    }

    #[test]
    fn only_keys_somebody_waits_on_become_ready() {
        let mut r = BlockedKeys::default();
        r.signal(0, b"a");
        assert!(r.take_ready().is_empty());
        r.block(1, 2, &[b("a")], None);
        r.signal(0, b"a");
        r.signal(2, b"a");
        r.signal(2, b"a");
        assert_eq!(r.take_ready(), vec![(2, b("a"))]);
        r.signal_db(2);
        assert_eq!(r.take_ready(), vec![(2, b("a"))]);
    }

    #[test]
    fn a_key_named_twice_is_waited_on_once() {
        let mut r = BlockedKeys::default();
        r.block(1, 0, &[b("a"), b("a")], Some(10));
        assert_eq!(r.waiters(0, &b("a")), vec![1]);
        r.unblock(1);
        assert_eq!(r.next_deadline(), None);
        assert_eq!(r.blocked_clients(), 0);
        assert_eq!(r.keys_waited_on(), 0);
    }
}
