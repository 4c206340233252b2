//! Pub/Sub: the registry of who listens to what, and the channel names of keyspace events.
//!
//! Three namespaces live side by side, as in Redis: channels (SUBSCRIBE), patterns
//! (PSUBSCRIBE, glob-matched against every published channel with Redis's matcher) and shard
//! channels (SSUBSCRIBE, reached only by SPUBLISH). Each name maps to its subscribers, and each
//! subscribing client has its own record of what it is subscribed to, so a client's whole set
//! can be dropped when it disconnects.
//!
//! A subscriber is a client id plus an opaque `token` the server chooses (its slot in the client
//! table): delivery walks a channel's members and writes to the token's client without any
//! lookup by id. This module knows nothing of sockets or replies; the server formats a message
//! once per protocol and appends it to each receiver's output buffer.
//!
//! Invariants: a name is present in a namespace map iff it has at least one subscriber; a client
//! has a record iff it has at least one subscription; both sides always agree. Every operation is
//! O(1) per (client, name) pair (member sets are index maps with swap-remove), so 10,000 clients
//! subscribing, unsubscribing or disconnecting cost linear time, never quadratic.

use std::collections::HashMap;
use std::hash::Hash;

use bytes::Bytes;

use crate::util::glob::glob_match;

/// Which namespace a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE: glob patterns matched against PUBLISH channels.
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

impl Kind {
    /// The reply word of a subscription of this kind (`subscribe`, `psubscribe`, `ssubscribe`).
    pub fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    /// The reply word of leaving a subscription of this kind.
    pub fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// How many subscriptions of each kind one client holds (CLIENT LIST sub/psub/ssub).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Channels.
    pub channels: usize,
    /// Patterns.
    pub patterns: usize,
    /// Shard channels.
    pub shard: usize,
}

impl Counts {
    /// Whether the client holds any subscription (Redis's CLIENT_PUBSUB flag, CLIENT LIST `P`).
    pub fn any(&self) -> bool {
        self.channels != 0 || self.patterns != 0 || self.shard != 0
    }

    /// The count SUBSCRIBE-family replies carry: channels plus patterns for SUBSCRIBE and
    /// PSUBSCRIBE, shard channels alone for SSUBSCRIBE.
    pub fn reply_count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.channels.saturating_add(self.patterns),
            Kind::Shard => self.shard,
        }
    }
}

/// An insertion-ordered map with O(1) insert, lookup and (swap-)remove.
#[derive(Debug, Clone)]
pub struct IndexMap<K, V> {
    entries: Vec<(K, V)>,
    index: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone, V> Default for IndexMap<K, V> {
    fn default() -> Self {
        IndexMap {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V> IndexMap<K, V> {
    /// Inserts `k` if absent; true if it was new (an existing value is kept).
    pub fn insert(&mut self, k: K, v: V) -> bool {
        if self.index.contains_key(&k) {
            return false;
        }
        self.index.insert(k.clone(), self.entries.len());
        self.entries.push((k, v));
        true
    }

    /// Removes `k`; returns its value. The last entry takes the removed one's place.
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.index.remove(k)?;
        if i >= self.entries.len() {
            return None;
        }
        let (_, v) = self.entries.swap_remove(i);
        if let Some((moved, _)) = self.entries.get(i)
            && let Some(slot) = self.index.get_mut::<K>(moved)
        {
            *slot = i;
        }
        Some(v)
    }

    /// Whether `k` is present.
    pub fn contains<Q>(&self, k: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(k)
    }

    /// The value of `k`.
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index
            .get(k)
            .and_then(|&i| self.entries.get(i))
            .map(|e| &e.1)
    }

    /// The value of `k`, mutably.
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.index.get(k)?;
        self.entries.get_mut(i).map(|e| &mut e.1)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in insertion order (disturbed only by removals).
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// The subscribers of one channel or pattern: client id -> delivery token.
pub type Members = IndexMap<u64, usize>;

/// What one client is subscribed to.
#[derive(Debug, Default)]
struct ClientSubs {
    token: usize,
    channels: IndexMap<Bytes, ()>,
    patterns: IndexMap<Bytes, ()>,
    shard: IndexMap<Bytes, ()>,
}

impl ClientSubs {
    fn set(&mut self, kind: Kind) -> &mut IndexMap<Bytes, ()> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    fn counts(&self) -> Counts {
        Counts {
            channels: self.channels.len(),
            patterns: self.patterns.len(),
            shard: self.shard.len(),
        }
    }
}

/// One group of receivers of a published message: a channel's subscribers (`pattern` None), or
/// the subscribers of one pattern that matched it.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The pattern that matched, for `pmessage` frames.
    pub pattern: Option<&'a Bytes>,
    /// Who receives it.
    pub members: &'a Members,
}

/// The registry of every subscription on the server.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Bytes, Members>,
    shard: HashMap<Bytes, Members>,
    patterns: IndexMap<Bytes, Members>,
    clients: HashMap<u64, ClientSubs>,
}

impl PubSub {
    /// An empty registry.
    pub fn new() -> PubSub {
        PubSub::default()
    }

    /// Subscribes client `id` (delivered to through `token`) to `name`; true if it was not
    /// subscribed already. The token of a client's first subscription is kept.
    pub fn subscribe(&mut self, id: u64, token: usize, kind: Kind, name: &Bytes) -> bool {
        let subs = self.clients.entry(id).or_insert_with(|| ClientSubs {
            token,
            ..ClientSubs::default()
        });
        if !subs.set(kind).insert(name.clone(), ()) {
            return false;
        }
        let token = subs.token;
        let members = match kind {
            Kind::Channel => self.channels.entry(name.clone()).or_default(),
            Kind::Shard => self.shard.entry(name.clone()).or_default(),
            Kind::Pattern => {
                if !self.patterns.contains(name.as_ref()) {
                    self.patterns.insert(name.clone(), Members::default());
                }
                match self.patterns.get_mut(name.as_ref()) {
                    Some(m) => m,
                    None => return true,
                }
            }
        };
        members.insert(id, token);
        true
    }

    /// Unsubscribes client `id` from `name`; true if it was subscribed.
    pub fn unsubscribe(&mut self, id: u64, kind: Kind, name: &[u8]) -> bool {
        let Some(subs) = self.clients.get_mut(&id) else {
            return false;
        };
        if subs.set(kind).remove(name).is_none() {
            return false;
        }
        if !subs.counts().any() {
            self.clients.remove(&id);
        }
        self.drop_member(id, kind, name);
        true
    }

    /// Removes `id` from the members of `name`, and `name` itself once nobody is left.
    fn drop_member(&mut self, id: u64, kind: Kind, name: &[u8]) {
        match kind {
            Kind::Channel | Kind::Shard => {
                let map = if kind == Kind::Channel {
                    &mut self.channels
                } else {
                    &mut self.shard
                };
                if let Some(m) = map.get_mut(name) {
                    m.remove(&id);
                    if m.is_empty() {
                        map.remove(name);
                    }
                }
            }
            Kind::Pattern => {
                let empty = self.patterns.get_mut(name).is_some_and(|m| {
                    m.remove(&id);
                    m.is_empty()
                });
                if empty {
                    self.patterns.remove(name);
                }
            }
        }
    }

    /// What client `id` is subscribed to in `kind`, in subscription order (disturbed only by
    /// unsubscriptions): the order UNSUBSCRIBE without arguments answers in.
    pub fn subscriptions(&self, id: u64, kind: Kind) -> Vec<Bytes> {
        let Some(subs) = self.clients.get(&id) else {
            return Vec::new();
        };
        let set = match kind {
            Kind::Channel => &subs.channels,
            Kind::Pattern => &subs.patterns,
            Kind::Shard => &subs.shard,
        };
        set.iter().map(|(k, _)| k.clone()).collect()
    }

    /// How many subscriptions of each kind client `id` holds.
    pub fn counts(&self, id: u64) -> Counts {
        self.clients
            .get(&id)
            .map(ClientSubs::counts)
            .unwrap_or_default()
    }

    /// Forgets every subscription of client `id` (it disconnected or ran RESET).
    pub fn remove_client(&mut self, id: u64) {
        let Some(subs) = self.clients.remove(&id) else {
            return;
        };
        for (kind, set) in [
            (Kind::Channel, &subs.channels),
            (Kind::Pattern, &subs.patterns),
            (Kind::Shard, &subs.shard),
        ] {
            for (name, ()) in set.iter() {
                self.drop_member(id, kind, name);
            }
        }
    }

    /// Whether nobody is subscribed to anything (publishing is then a no-op).
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The receiver groups of a message published on `channel`: its subscribers, then each
    /// matching pattern's subscribers in pattern order (PUBLISH); or the shard channel's
    /// subscribers alone (`shard`, SPUBLISH).
    pub fn groups<'a>(
        &'a self,
        shard: bool,
        channel: &'a [u8],
    ) -> impl Iterator<Item = Group<'a>> + 'a {
        let direct = if shard {
            self.shard.get(channel)
        } else {
            self.channels.get(channel)
        };
        let direct = direct.map(|members| Group {
            pattern: None,
            members,
        });
        let patterns = self
            .patterns
            .iter()
            .filter(move |_| !shard)
            .filter(move |(p, _)| glob_match(p, channel, false))
            .map(|(p, members)| Group {
                pattern: Some(p),
                members,
            });
        direct.into_iter().chain(patterns)
    }

    /// How many deliveries a message on `channel` makes (PUBLISH's reply): a client subscribed
    /// to the channel and to two matching patterns counts three times.
    pub fn receivers(&self, shard: bool, channel: &[u8]) -> usize {
        self.groups(shard, channel).map(|g| g.members.len()).sum()
    }

    /// PUBSUB CHANNELS / SHARDCHANNELS: the active channels matching `pattern` (all if None).
    pub fn active_channels(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let map = if shard { &self.shard } else { &self.channels };
        map.keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .cloned()
            .collect()
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB for one channel: its subscriber count (patterns excluded).
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard { &self.shard } else { &self.channels };
        map.get(channel).map_or(0, IndexMap::len)
    }

    /// PUBSUB NUMPAT: the number of distinct patterns with subscribers.
    pub fn numpat(&self) -> usize {
        self.patterns.len()
    }

    /// INFO pubsub_channels: channels with subscribers.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// INFO pubsubshard_channels: shard channels with subscribers.
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }
}

/// The publications one keyspace event makes, as Redis's notifyKeyspaceEvent.
///
/// With `K` in `flags`, `__keyspace@<db>__:<key>` carries the event name; with `E`,
/// `__keyevent@<db>__:<event>` carries the key. Each item is (channel, message).
pub fn keyspace_messages(flags: u32, event: &str, db: usize, key: &Bytes) -> Vec<(Bytes, Bytes)> {
    let mut out = Vec::with_capacity(2);
    if flags & crate::config::NOTIFY_KEYSPACE != 0 {
        let mut chan = format!("__keyspace@{db}__:").into_bytes();
        chan.extend_from_slice(key);
        out.push((Bytes::from(chan), Bytes::copy_from_slice(event.as_bytes())));
    }
    if flags & crate::config::NOTIFY_KEYEVENT != 0 {
        let chan = format!("__keyevent@{db}__:{event}");
        out.push((Bytes::from(chan), key.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NOTIFY_KEYEVENT, NOTIFY_KEYSPACE};

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn ids(ps: &PubSub, shard: bool, ch: &str) -> Vec<(Option<String>, Vec<u64>)> {
        ps.groups(shard, ch.as_bytes())
            .map(|g| {
                (
                    g.pattern.map(|p| String::from_utf8_lossy(p).into_owned()),
                    g.members.iter().map(|(id, _)| *id).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn subscribe_counts_and_duplicates() {
        let mut ps = PubSub::new();
        assert!(ps.subscribe(1, 10, Kind::Channel, &b("a")));
        assert!(ps.subscribe(1, 10, Kind::Channel, &b("b")));
        assert!(!ps.subscribe(1, 10, Kind::Channel, &b("a")));
        assert!(ps.subscribe(1, 10, Kind::Pattern, &b("a*")));
        assert!(ps.subscribe(1, 10, Kind::Shard, &b("s")));
        let c = ps.counts(1);
        assert_eq!(
            c,
            Counts {
                channels: 2,
                patterns: 1,
                shard: 1
            }
        );
        assert_eq!(c.reply_count(Kind::Channel), 3);
        assert_eq!(c.reply_count(Kind::Pattern), 3);
        assert_eq!(c.reply_count(Kind::Shard), 1);
        assert!(c.any());
        assert_eq!(ps.counts(2), Counts::default());
        assert!(!ps.counts(2).any());
    }

    #[test]
    fn receivers_count_channel_and_every_matching_pattern() {
        let mut ps = PubSub::new();
        ps.subscribe(1, 10, Kind::Channel, &b("news.a"));
        ps.subscribe(1, 10, Kind::Pattern, &b("news.*"));
        ps.subscribe(1, 10, Kind::Pattern, &b("n*"));
        ps.subscribe(2, 20, Kind::Pattern, &b("news.*"));
        ps.subscribe(3, 30, Kind::Shard, &b("news.a"));
        assert_eq!(ps.receivers(false, b"news.a"), 4);
        assert_eq!(ps.receivers(true, b"news.a"), 1);
        assert_eq!(ps.receivers(false, b"other"), 0);
        assert_eq!(
            ids(&ps, false, "news.a"),
            vec![
                (None, vec![1]),
                (Some("news.*".into()), vec![1, 2]),
                (Some("n*".into()), vec![1])
            ]
        );
        assert_eq!(ids(&ps, true, "news.a"), vec![(None, vec![3])]);
        let tokens: Vec<usize> = ps
            .groups(false, b"news.b")
            .flat_map(|g| g.members.iter().map(|(_, t)| *t).collect::<Vec<_>>())
            .collect();
        assert_eq!(tokens, vec![10, 20, 10]);
    }

    #[test]
    fn patterns_use_redis_glob_rules() {
        let mut ps = PubSub::new();
        for p in ["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "*"] {
            ps.subscribe(1, 0, Kind::Pattern, &b(p));
        }
        let matched = |ch: &str| -> Vec<String> {
            ids(&ps, false, ch)
                .into_iter()
                .filter_map(|(p, _)| p)
                .collect()
        };
        assert_eq!(matched("hello"), ["h?llo", "h[ae]llo", "*"]);
        assert_eq!(
            matched("hallo"),
            ["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "*"]
        );
        assert_eq!(matched("h*llo"), ["h?llo", "h[^e]llo", "h\\*llo", "*"]);
        assert_eq!(matched("hllo"), ["*"]);
    }

    #[test]
    fn unsubscribe_removes_empty_names_and_clients() {
        let mut ps = PubSub::new();
        ps.subscribe(1, 10, Kind::Channel, &b("a"));
        ps.subscribe(2, 20, Kind::Channel, &b("a"));
        ps.subscribe(1, 10, Kind::Pattern, &b("p*"));
        assert!(!ps.unsubscribe(1, Kind::Channel, b"zz"));
        assert!(!ps.unsubscribe(9, Kind::Channel, b"a"));
        assert!(ps.unsubscribe(1, Kind::Channel, b"a"));
        assert!(!ps.unsubscribe(1, Kind::Channel, b"a"));
        assert_eq!(ps.numsub(false, b"a"), 1);
        assert!(ps.unsubscribe(2, Kind::Channel, b"a"));
        assert_eq!(ps.numsub(false, b"a"), 0);
        assert_eq!(ps.channel_count(), 0);
        assert_eq!(ps.numpat(), 1);
        assert!(ps.unsubscribe(1, Kind::Pattern, b"p*"));
        assert_eq!(ps.numpat(), 0);
        assert!(ps.is_empty());
    }

    #[test]
    fn remove_client_drops_everything_it_held() {
        let mut ps = PubSub::new();
        ps.subscribe(1, 10, Kind::Channel, &b("a"));
        ps.subscribe(1, 10, Kind::Channel, &b("b"));
        ps.subscribe(1, 10, Kind::Pattern, &b("*"));
        ps.subscribe(1, 10, Kind::Shard, &b("s"));
        ps.subscribe(2, 20, Kind::Channel, &b("b"));
        ps.remove_client(1);
        ps.remove_client(1);
        assert_eq!(ps.active_channels(false, None), vec![b("b")]);
        assert_eq!(ps.numpat(), 0);
        assert_eq!(ps.shard_channel_count(), 0);
        assert_eq!(ps.receivers(false, b"b"), 1);
        assert_eq!(ps.counts(1), Counts::default());
    }

    #[test]
    fn subscriptions_keep_their_order_and_active_channels_filter() {
        let mut ps = PubSub::new();
        for c in ["c", "a", "b"] {
            ps.subscribe(1, 0, Kind::Channel, &b(c));
        }
        assert_eq!(
            ps.subscriptions(1, Kind::Channel),
            vec![b("c"), b("a"), b("b")]
        );
        ps.unsubscribe(1, Kind::Channel, b"c");
        assert_eq!(ps.subscriptions(1, Kind::Channel), vec![b("b"), b("a")]);
        assert!(ps.subscriptions(1, Kind::Pattern).is_empty());
        let mut all = ps.active_channels(false, Some(b"[ab]"));
        all.sort();
        assert_eq!(all, vec![b("a"), b("b")]);
        assert!(ps.active_channels(false, Some(b"x*")).is_empty());
        assert!(ps.active_channels(true, None).is_empty());
    }

    #[test]
    fn ten_thousand_subscribers_come_and_go_in_linear_time() {
        let mut ps = PubSub::new();
        let ch = b("big");
        for id in 0..10_000u64 {
            ps.subscribe(id, id as usize, Kind::Channel, &ch);
        }
        assert_eq!(ps.receivers(false, b"big"), 10_000);
        for id in (0..10_000u64).step_by(2) {
            assert!(ps.unsubscribe(id, Kind::Channel, b"big"));
        }
        assert_eq!(ps.numsub(false, b"big"), 5_000);
        let members: Vec<(u64, usize)> = ps
            .groups(false, b"big")
            .flat_map(|g| g.members.iter().map(|(a, b)| (*a, *b)).collect::<Vec<_>>())
            .collect();
        assert!(
            members
                .iter()
                .all(|(id, t)| id % 2 == 1 && *t as u64 == *id)
        );
        for id in (1..10_000u64).step_by(2) {
            ps.remove_client(id);
        }
        assert!(ps.is_empty());
        assert_eq!(ps.channel_count(), 0);
    }

    #[test]
    fn keyspace_channels_follow_notify_keyspace_event() {
        let key = Bytes::from_static(b"k\x00ey");
        let both = keyspace_messages(NOTIFY_KEYSPACE | NOTIFY_KEYEVENT, "set", 3, &key);
        assert_eq!(
            both,
            vec![
                (Bytes::from_static(b"__keyspace@3__:k\x00ey"), b("set")),
                (b("__keyevent@3__:set"), key.clone()),
            ]
        );
        assert_eq!(keyspace_messages(NOTIFY_KEYEVENT, "del", 0, &key).len(), 1);
        assert_eq!(
            keyspace_messages(NOTIFY_KEYSPACE, "del", 12, &key)[0].0,
            Bytes::from_static(b"__keyspace@12__:k\x00ey")
        );
        assert!(keyspace_messages(0, "del", 0, &key).is_empty());
    }
}
