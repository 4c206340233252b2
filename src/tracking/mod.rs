//! Client-side caching: the server-assisted key tracking of Redis 7.0's tracking.c.
//!
//! Two modes. In the default mode the server remembers, per key, the ids of the tracking
//! clients that read it (the *tracking table*: key -> set of client ids; keys are tracked
//! without their database, as in Redis). When a key is modified, expires, is evicted, or the
//! table is over `tracking-table-max-keys`, every id listed for it gets one invalidation and the
//! key leaves the table: a client has to read the key again to hear about the next change. In
//! BCAST mode nothing is remembered per key: a client subscribes to key prefixes (the *prefix
//! table*: prefix -> clients, plus the keys modified under it since the last broadcast, each
//! with the client that last modified it for NOLOOP), and the broadcast before sleeping sends
//! each prefix's batch to each of its clients as one array.
//!
//! This module has no sockets: it produces [`Invalidation`]s in an outbox that the server
//! drains after every command and before sleeping, resolving redirection and protocol there.
//! An invalidation for the client running a command is marked `after_reply` (Redis queues them
//! in tracking_pending_keys so they follow the command's whole reply, EXEC's included).
//!
//! Invariants: `items` is the sum of the id-set sizes in `table`; no id set and no prefix's
//! client set is empty; every client in a prefix's set is in `clients` with that prefix listed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::Bytes;

/// The tracking state of the whole server.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Clients with tracking on, by id (id order is the order Redis walks its client list).
    clients: BTreeMap<u64, TrackedClient>,
    /// Key -> ids of the clients that read it since its last invalidation.
    table: HashMap<Bytes, BTreeSet<u64>>,
    /// Sum of the id-set sizes in `table` (INFO tracking_total_items).
    items: usize,
    /// BCAST prefix -> its clients and the keys modified under it since the last broadcast.
    prefixes: BTreeMap<Bytes, Bcast>,
    /// Invalidations waiting for the server to deliver them.
    outbox: Vec<Invalidation>,
    /// The client whose command is running (Redis's server.current_client while it executes).
    pub current: Option<u64>,
    /// How many times in a row the table was still over its limit after a round of evictions
    /// (each round tries harder, as trackingLimitUsedSlots does).
    over_limit_rounds: u32,
}

/// One tracking client, as the invalidation paths need it (its flags live in its `Session`).
#[derive(Debug, Clone, Default)]
pub struct TrackedClient {
    /// Its slot in the server's client table.
    pub slot: usize,
    /// The client invalidations go to instead (0: none).
    pub redirect: u64,
    /// The redirect client's slot when tracking was enabled (checked by id on delivery).
    pub redirect_slot: usize,
    /// BCAST mode.
    pub bcast: bool,
    /// NOLOOP: no invalidations for the client's own writes.
    pub noloop: bool,
    /// BCAST prefixes, in byte order (CLIENT TRACKINGINFO lists them so).
    pub prefixes: BTreeSet<Bytes>,
}

#[derive(Debug, Default)]
struct Bcast {
    clients: BTreeSet<u64>,
    /// Modified key -> the client that modified it last (0: none, e.g. expiry).
    keys: BTreeMap<Bytes, u64>,
}

/// What an invalidation carries after its `invalidate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// An array of keys, already encoded (`*N` then N bulks; the same bytes in RESP2 and RESP3).
    Keys(Bytes),
    /// The null that FLUSHDB/FLUSHALL send: "everything", encoded in the tracking client's own
    /// protocol even when redirected (as Redis does).
    Null,
}

/// One message for one tracking client (before redirection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalidation {
    /// The tracking client.
    pub target: u64,
    /// Its slot.
    pub slot: usize,
    /// Where it redirects (0: itself).
    pub redirect: u64,
    /// The redirect client's slot.
    pub redirect_slot: usize,
    /// The keys.
    pub payload: Payload,
    /// The target is the client running the command: deliver after its reply.
    pub after_reply: bool,
}

/// Why CLIENT TRACKING ON with BCAST prefixes is refused (Redis's checkPrefixCollisionsOrReply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixError {
    /// A new prefix overlaps one the client already has: (new, existing).
    Existing(Bytes, Bytes),
    /// Two new prefixes overlap: (earlier, later).
    Provided(Bytes, Bytes),
}

impl Tracking {
    /// Empty state.
    pub fn new() -> Tracking {
        Tracking::default()
    }

    /// Whether tracking is in use at all (a tracking client, a tracked key or a prefix): the
    /// cheap check the write and expiry paths make before calling [`Tracking::invalidate`].
    pub fn is_active(&self) -> bool {
        !self.clients.is_empty() || !self.table.is_empty() || !self.prefixes.is_empty()
    }

    /// Number of clients with tracking on (INFO tracking_clients).
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Keys in the tracking table (INFO tracking_total_keys).
    pub fn key_count(&self) -> usize {
        self.table.len()
    }

    /// Client ids summed over all tracked keys (INFO tracking_total_items).
    pub fn item_count(&self) -> usize {
        self.items
    }

    /// BCAST prefixes registered by any client (INFO tracking_total_prefixes).
    pub fn prefix_count(&self) -> usize {
        self.prefixes.len()
    }

    /// A tracking client's state, if it has tracking on.
    pub fn client(&self, id: u64) -> Option<&TrackedClient> {
        self.clients.get(&id)
    }

    /// Checks new BCAST prefixes against the client's existing ones and against each other:
    /// two prefixes overlap when one starts with the other.
    pub fn check_prefixes(&self, id: u64, new: &[Bytes]) -> Result<(), PrefixError> {
        let existing = self.clients.get(&id).map(|c| &c.prefixes);
        for (i, p) in new.iter().enumerate() {
            if let Some(old) = existing.and_then(|set| set.iter().find(|o| overlaps(o, p))) {
                return Err(PrefixError::Existing(p.clone(), old.clone()));
            }
            if let Some(q) = new.iter().skip(i + 1).find(|q| overlaps(p, q)) {
                return Err(PrefixError::Provided(p.clone(), q.clone()));
            }
        }
        Ok(())
    }

    /// Turns tracking on (or re-configures it) for client `id`: Redis's enableTracking. BCAST
    /// prefixes are added to the ones the client has (the empty prefix if none are given).
    pub fn enable(&mut self, id: u64, mut state: TrackedClient, prefixes: &[Bytes]) {
        let old = self.clients.remove(&id).unwrap_or_default();
        state.prefixes = old.prefixes;
        if state.bcast {
            let empty = [Bytes::new()];
            let list = if prefixes.is_empty() {
                &empty[..]
            } else {
                prefixes
            };
            for p in list {
                self.prefixes
                    .entry(p.clone())
                    .or_default()
                    .clients
                    .insert(id);
                state.prefixes.insert(p.clone());
            }
        }
        self.clients.insert(id, state);
    }

    /// Turns tracking off for client `id` (CLIENT TRACKING OFF, RESET, disconnection): it
    /// leaves its prefixes. Its ids in the tracking table stay until those keys are
    /// invalidated, as in Redis.
    pub fn disable(&mut self, id: u64) {
        let Some(c) = self.clients.remove(&id) else {
            return;
        };
        for p in &c.prefixes {
            if let Some(b) = self.prefixes.get_mut(p) {
                b.clients.remove(&id);
                if b.clients.is_empty() {
                    self.prefixes.remove(p);
                }
            }
        }
    }

    /// Remembers that client `id` read `keys` (called after a read-only command of a client in
    /// the default mode).
    pub fn remember<'k>(&mut self, id: u64, keys: impl IntoIterator<Item = &'k [u8]>) {
        for key in keys {
            let ids = match self.table.get_mut(key) {
                Some(ids) => ids,
                None => self.table.entry(Bytes::copy_from_slice(key)).or_default(),
            };
            if ids.insert(id) {
                self.items = self.items.saturating_add(1);
            }
        }
    }

    /// A key was modified (by client `by`, or by the server when `None`): Redis's
    /// trackingInvalidateKey. Queues it for the BCAST prefixes that match it and sends one
    /// invalidation to each client that read it, then forgets the key.
    pub fn invalidate(&mut self, key: &[u8], by: Option<u64>) {
        if !self.prefixes.is_empty() {
            for (prefix, b) in self.prefixes.iter_mut() {
                if key.starts_with(prefix) {
                    b.keys.insert(Bytes::copy_from_slice(key), by.unwrap_or(0));
                }
            }
        }
        self.invalidate_tracked(key);
    }

    /// FLUSHDB/FLUSHALL: every tracking client gets the null invalidation, and the whole
    /// table is dropped (Redis's trackingInvalidateKeysOnFlush).
    pub fn flush(&mut self) {
        for (&id, c) in &self.clients {
            self.outbox.push(Invalidation {
                target: id,
                slot: c.slot,
                redirect: c.redirect,
                redirect_slot: c.redirect_slot,
                payload: Payload::Null,
                after_reply: self.current == Some(id),
            });
        }
        self.table = HashMap::new();
        self.items = 0;
    }

    /// Sends every BCAST prefix's batch of modified keys to its clients (before sleeping), one
    /// array per prefix and client; a NOLOOP client's array leaves out the keys it modified.
    pub fn broadcast(&mut self) {
        for b in self.prefixes.values_mut() {
            if b.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut b.keys);
            let common = encode_keys(keys.keys().map(|k| k.as_ref()), keys.len());
            for id in &b.clients {
                let Some(c) = self.clients.get(id) else {
                    continue;
                };
                let payload = if c.noloop {
                    let mine = keys.values().filter(|&&by| by == *id).count();
                    if mine == keys.len() {
                        continue;
                    }
                    let others = keys.iter().filter(|&(_, &by)| by != *id).map(|(k, _)| k);
                    encode_keys(others.map(|k| k.as_ref()), keys.len() - mine)
                } else {
                    common.clone()
                };
                self.outbox.push(Invalidation {
                    target: *id,
                    slot: c.slot,
                    redirect: c.redirect,
                    redirect_slot: c.redirect_slot,
                    payload: Payload::Keys(payload),
                    after_reply: false,
                });
            }
        }
    }

    /// Keeps the table within `max_keys` (0: no limit) by invalidating keys, as
    /// trackingLimitUsedSlots does before each command: up to 100 keys per consecutive round
    /// spent over the limit.
    pub fn limit(&mut self, max_keys: u64) {
        let max = usize::try_from(max_keys).unwrap_or(usize::MAX);
        if max_keys == 0 || self.table.len() <= max {
            self.over_limit_rounds = 0;
            return;
        }
        let effort = 100u64.saturating_mul(u64::from(self.over_limit_rounds) + 1);
        for _ in 0..effort {
            let Some(key) = self.table.keys().next().cloned() else {
                break;
            };
            self.invalidate_tracked(&key);
            if self.table.len() <= max {
                self.over_limit_rounds = 0;
                return;
            }
        }
        self.over_limit_rounds = self.over_limit_rounds.saturating_add(1);
    }

    /// Takes the invalidations waiting for delivery.
    pub fn take_outbox(&mut self) -> Vec<Invalidation> {
        std::mem::take(&mut self.outbox)
    }

    /// Whether invalidations wait for delivery.
    pub fn has_outbox(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// The tracked-key half of [`Tracking::invalidate`].
    fn invalidate_tracked(&mut self, key: &[u8]) {
        let Some(ids) = self.table.remove(key) else {
            return;
        };
        self.items = self.items.saturating_sub(ids.len());
        let mut payload = None;
        for id in ids {
            // A client that switched to BCAST (or turned tracking off) since it read the key
            // gets nothing.
            let Some(c) = self.clients.get(&id).filter(|c| !c.bcast) else {
                continue;
            };
            let is_current = self.current == Some(id);
            if c.noloop && is_current {
                continue;
            }
            let payload = payload
                .get_or_insert_with(|| encode_keys(std::iter::once(key), 1))
                .clone();
            self.outbox.push(Invalidation {
                target: id,
                slot: c.slot,
                redirect: c.redirect,
                redirect_slot: c.redirect_slot,
                payload: Payload::Keys(payload),
                after_reply: is_current,
            });
        }
    }
}

/// Whether one prefix starts with the other (Redis's stringCheckPrefix).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a.get(..n) == b.get(..n)
}

/// `*N` and N bulk strings: the key array of an invalidation, identical in RESP2 and RESP3.
fn encode_keys<'k>(keys: impl Iterator<Item = &'k [u8]>, n: usize) -> Bytes {
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(format!("*{n}\r\n").as_bytes());
    for k in keys {
        out.extend_from_slice(format!("${}\r\n", k.len()).as_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(b"\r\n");
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn client(slot: usize) -> TrackedClient {
        TrackedClient {
            slot,
            ..TrackedClient::default()
        }
    }

    fn keys_of(inv: &Invalidation) -> Bytes {
        match &inv.payload {
            Payload::Keys(k) => k.clone(),
            Payload::Null => b("null"),
        }
    }

    #[test]
    fn a_read_key_is_invalidated_once_per_reader_then_forgotten() {
        let mut t = Tracking::new();
        t.enable(1, client(10), &[]);
        t.enable(2, client(11), &[]);
        t.remember(1, [&b"k"[..], b"j"]);
        t.remember(2, [&b"k"[..]]);
        t.remember(2, [&b"k"[..]]);
        assert_eq!((t.key_count(), t.item_count()), (2, 3));
        t.invalidate(b"k", Some(3));
        let out = t.take_outbox();
        assert_eq!(
            out.iter().map(|i| (i.target, i.slot)).collect::<Vec<_>>(),
            vec![(1, 10), (2, 11)]
        );
        assert_eq!(keys_of(&out[0]), b("*1\r\n$1\r\nk\r\n"));
        assert_eq!((t.key_count(), t.item_count()), (1, 1));
        t.invalidate(b"k", Some(3));
        assert!(t.take_outbox().is_empty(), "forgotten until read again");
    }

    #[test]
    fn noloop_skips_the_running_clients_own_changes_and_current_gets_them_after_reply() {
        let mut t = Tracking::new();
        t.enable(1, client(0), &[]);
        t.enable(
            2,
            TrackedClient {
                noloop: true,
                ..client(1)
            },
            &[],
        );
        t.remember(1, [&b"k"[..]]);
        t.remember(2, [&b"k"[..]]);
        t.current = Some(2);
        t.invalidate(b"k", Some(2));
        let out = t.take_outbox();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].target, out[0].after_reply), (1, false));
        t.remember(1, [&b"k"[..]]);
        t.current = Some(1);
        t.invalidate(b"k", Some(1));
        assert!(t.take_outbox()[0].after_reply);
    }

    #[test]
    fn prefixes_overlap_when_one_starts_with_the_other() {
        let mut t = Tracking::new();
        let bc = TrackedClient {
            bcast: true,
            ..client(0)
        };
        t.enable(1, bc, &[b("user:")]);
        assert_eq!(
            t.check_prefixes(1, &[b("user:1")]),
            Err(PrefixError::Existing(b("user:1"), b("user:")))
        );
        assert_eq!(
            t.check_prefixes(1, &[b("a"), b("b"), b("ab")]),
            Err(PrefixError::Provided(b("a"), b("ab")))
        );
        assert_eq!(t.check_prefixes(1, &[b("a"), b("b")]), Ok(()));
        assert_eq!(t.check_prefixes(2, &[b("user:1")]), Ok(()));
    }

    #[test]
    fn broadcast_batches_per_prefix_and_noloop_drops_own_keys() {
        let mut t = Tracking::new();
        let bc = |slot, noloop| TrackedClient {
            bcast: true,
            noloop,
            ..client(slot)
        };
        t.enable(1, bc(0, false), &[b("a:")]);
        t.enable(2, bc(1, true), &[b("a:")]);
        t.enable(3, bc(2, false), &[]);
        assert_eq!(t.prefix_count(), 2);
        t.invalidate(b"a:2", Some(2));
        t.invalidate(b"a:1", None);
        t.invalidate(b"a:2", Some(2));
        t.invalidate(b"z", Some(1));
        assert!(t.take_outbox().is_empty(), "nothing before the broadcast");
        t.broadcast();
        let out: Vec<(u64, Bytes)> = t
            .take_outbox()
            .iter()
            .map(|i| (i.target, keys_of(i)))
            .collect();
        assert_eq!(
            out,
            vec![
                (3, b("*3\r\n$3\r\na:1\r\n$3\r\na:2\r\n$1\r\nz\r\n")),
                (1, b("*2\r\n$3\r\na:1\r\n$3\r\na:2\r\n")),
                (2, b("*1\r\n$3\r\na:1\r\n")),
            ]
        );
        t.broadcast();
        assert!(t.take_outbox().is_empty(), "batches are sent once");
        t.disable(3);
        t.disable(1);
        assert_eq!(t.prefix_count(), 1);
        t.disable(2);
        assert_eq!((t.prefix_count(), t.client_count()), (0, 0));
        assert!(!t.is_active());
    }

    #[test]
    fn flush_sends_null_to_every_tracking_client_and_empties_the_table() {
        let mut t = Tracking::new();
        t.enable(4, client(0), &[]);
        t.enable(5, client(1), &[]);
        t.remember(4, [&b"x"[..]]);
        t.current = Some(5);
        t.flush();
        let out = t.take_outbox();
        assert_eq!(
            out.iter()
                .map(|i| (i.target, i.payload.clone(), i.after_reply))
                .collect::<Vec<_>>(),
            vec![(4, Payload::Null, false), (5, Payload::Null, true)]
        );
        assert_eq!((t.key_count(), t.item_count()), (0, 0));
    }

    #[test]
    fn the_table_limit_invalidates_keys_until_under_it() {
        let mut t = Tracking::new();
        t.enable(1, client(0), &[]);
        for i in 0..10 {
            t.remember(1, [format!("k{i}").as_bytes()]);
        }
        t.limit(0);
        assert_eq!(t.key_count(), 10, "0 means no limit");
        t.limit(4);
        assert_eq!(t.key_count(), 4);
        assert_eq!(t.take_outbox().len(), 6);
        assert_eq!(t.item_count(), 4);
    }
}
