//! WATCHed keys: which clients watch which (db, key), and which clients' transactions a change
//! has already doomed (Redis's CLIENT_DIRTY_CAS).
//!
//! Every write reaches [`WatchedKeys::touch`] through the single modified-key hook
//! (`Ctx::touched`), expiry and eviction deletions, and FLUSH*/SWAPDB through `touch_db`. A touch
//! marks every watcher of the key dirty; EXEC of a dirty client answers the null array.
//!
//! Invariant: client id `c` is in `by_key[(db, k)]` exactly when `(db, k)` is in `by_client[c]`.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

/// The WATCH registry.
#[derive(Debug, Default)]
pub struct WatchedKeys {
    by_key: HashMap<(usize, Bytes), Vec<u64>>,
    by_client: HashMap<u64, Vec<Watch>>,
    dirty: HashSet<u64>,
}

/// One watched key of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// Database index.
    pub db: usize,
    /// The key.
    pub key: Bytes,
    /// The key existed but was already past its expiry time when WATCH ran (Redis 7.0 does not
    /// count that key's later expiry as a change).
    pub expired_at_watch: bool,
}

impl WatchedKeys {
    /// Client `id` watches `key` in `db` (watching a key twice is one watch).
    pub fn watch(&mut self, id: u64, db: usize, key: &[u8], expired_at_watch: bool) {
        let mine = self.by_client.entry(id).or_default();
        if mine.iter().any(|w| w.db == db && w.key == key) {
            return;
        }
        let key = Bytes::copy_from_slice(key);
        self.by_key.entry((db, key.clone())).or_default().push(id);
        mine.push(Watch {
            db,
            key,
            expired_at_watch,
        });
    }

    /// UNWATCH (also after EXEC, DISCARD, RESET and on disconnect): forgets the client's watches
    /// and its dirty mark.
    pub fn unwatch_all(&mut self, id: u64) {
        self.dirty.remove(&id);
        let Some(keys) = self.by_client.remove(&id) else {
            return;
        };
        for w in keys {
            let pair = (w.db, w.key);
            if let Some(ids) = self.by_key.get_mut(&pair) {
                ids.retain(|&c| c != id);
                if ids.is_empty() {
                    self.by_key.remove(&pair);
                }
            }
        }
    }

    /// A key changed: every client watching it is dirty. `exists_now` says whether the key is
    /// in the database after the change: a watch taken on an already-expired key is not doomed
    /// by that key's deletion (Redis 7.0's touchWatchedKey), only by its re-creation.
    pub fn touch(&mut self, db: usize, key: &[u8], exists_now: bool) {
        if self.by_key.is_empty() {
            return;
        }
        let Some(ids) = self.by_key.get(&(db, Bytes::copy_from_slice(key))) else {
            return;
        };
        for &id in ids {
            let w = self
                .by_client
                .get_mut(&id)
                .and_then(|ws| ws.iter_mut().find(|w| w.db == db && w.key == key));
            match w {
                Some(w) if w.expired_at_watch && !exists_now => w.expired_at_watch = false,
                _ => {
                    self.dirty.insert(id);
                }
            }
        }
    }

    /// A whole database changed (FLUSHDB, FLUSHALL, SWAPDB): clients watching a key of `db` for
    /// which `existed(key)` is true are dirty, as Redis's touchAllWatchedKeysInDb.
    pub fn touch_db(&mut self, db: usize, existed: impl Fn(&[u8]) -> bool) {
        for ((d, key), ids) in &self.by_key {
            if *d == db && existed(key) {
                self.dirty.extend(ids.iter().copied());
            }
        }
    }

    /// Whether a change already doomed client `id`'s transaction.
    pub fn is_dirty(&self, id: u64) -> bool {
        self.dirty.contains(&id)
    }

    /// The keys client `id` watches.
    pub fn watches(&self, id: u64) -> &[Watch] {
        self.by_client
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Keys watched by anyone (0 lets writers skip the watch bookkeeping).
    pub fn watched_keys(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_touch_dirties_every_watcher_of_the_key_and_only_them() {
        let mut w = WatchedKeys::default();
        w.watch(1, 0, b"a", false);
        w.watch(2, 0, b"a", false);
        w.watch(3, 1, b"a", false);
        w.touch(0, b"a", true);
        assert!(w.is_dirty(1) && w.is_dirty(2));
        assert!(!w.is_dirty(3));
        w.unwatch_all(1);
        assert!(!w.is_dirty(1));
        assert_eq!(w.watched_keys(), 2);
    }

    #[test]
    fn deleting_a_key_that_was_expired_at_watch_time_is_not_a_change() {
        let mut w = WatchedKeys::default();
        w.watch(1, 0, b"k", true);
        w.touch(0, b"k", false);
        assert!(!w.is_dirty(1));
        w.touch(0, b"k", true);
        assert!(w.is_dirty(1));
    }

    #[test]
    fn flushing_a_db_dirties_watchers_of_keys_that_existed() {
        let mut w = WatchedKeys::default();
        w.watch(1, 0, b"present", false);
        w.watch(2, 0, b"absent", false);
        w.touch_db(0, |k| k == b"present");
        assert!(w.is_dirty(1));
        assert!(!w.is_dirty(2));
    }
}
