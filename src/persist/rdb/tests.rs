//! Round trips and hostile input for the RDB writer and loader: random datasets of every type,
//! encoding and expiry survive save + load unchanged (values, expiry times, encodings and the
//! DEBUG DIGEST); random, truncated and mutated files and payloads are refused without a panic;
//! the old encodings (ziplist, zipmap, linked list, string-score ZSET) load.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::load::{self, Limits, LoadOptions, RdbReader};
use super::write::{self, AccessInfo, RdbWriter, SaveOptions};
use super::*;
use crate::config::Config;
use crate::db::{Databases, Entry};
use crate::persist::digest::dataset_digest;
use crate::types::hash::Hash;
use crate::types::list::{End, List};
use crate::types::set::Set;
use crate::types::stream::{ENTRIES_READ_INVALID, Group, NewId, NodeLimits, Stream, StreamId};
use crate::types::string::StrValue;
use crate::types::value::Value;
use crate::types::zset::ZSet;

const NOW: i64 = 1_700_000_000_000;

fn save_opts() -> SaveOptions {
    let mut o = SaveOptions::from_config(&Config::default(), NOW);
    o.used_mem = 1000;
    o
}

fn load_opts() -> LoadOptions {
    LoadOptions::from_config(&Config::default(), NOW)
}

fn limits() -> Limits {
    Limits::from_config(&Config::default())
}

/// An element: small ints, big ints, short and long strings (some compressible).
fn element() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (-200i64..200).prop_map(|n| n.to_string().into_bytes()),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..12),
        (1usize..200, any::<u8>()).prop_map(|(n, b)| vec![b'a' + b % 3; n]),
        proptest::collection::vec(any::<u8>(), 30..90),
    ]
}

#[derive(Debug, Clone)]
enum Spec {
    Str(Vec<u8>),
    List(i32, u32, Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
    ZSet(Vec<(Vec<u8>, f64)>),
    /// Entries (fields), node size, IDs to delete, groups (how many entries each delivers,
    /// to which of 3 consumers, how many it acknowledges).
    Stream(Vec<Vec<Vec<u8>>>, u64, Vec<usize>, Vec<(usize, u8, usize)>),
}

fn spec() -> impl Strategy<Value = Spec> {
    let many = |n| proptest::collection::vec(element(), 1..n);
    prop_oneof![
        element().prop_map(Spec::Str),
        (
            prop_oneof![Just(-2i32), Just(3), Just(-1)],
            0u32..3,
            many(300)
        )
            .prop_map(|(f, d, v)| Spec::List(f, d, v)),
        proptest::collection::vec((element(), element()), 1..200).prop_map(Spec::Hash),
        many(600).prop_map(Spec::Set),
        prop_oneof![
            proptest::collection::vec((element(), -1e6f64..1e6), 1..200),
            proptest::collection::vec(
                (
                    element(),
                    prop_oneof![Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.1)]
                ),
                1..5
            ),
        ]
        .prop_map(Spec::ZSet),
        (
            proptest::collection::vec(proptest::collection::vec(element(), 0..4), 0..40),
            1u64..6,
            proptest::collection::vec(0usize..40, 0..10),
            proptest::collection::vec((0usize..40, 0u8..3, 0usize..5), 0..3),
        )
            .prop_map(|(e, n, d, g)| Spec::Stream(e, n, d, g)),
    ]
}

fn build_stream(
    entries: &[Vec<Vec<u8>>],
    node: u64,
    dels: &[usize],
    groups: &[(usize, u8, usize)],
) -> Stream {
    let lim = NodeLimits {
        max_bytes: 4096,
        max_entries: node,
    };
    let mut s = Stream::new();
    let mut ids = Vec::new();
    for (i, fields) in entries.iter().enumerate() {
        // Pairs of identical field lists exercise the SAMEFIELDS encoding.
        let mut f: Vec<bytes::Bytes> = fields.iter().map(|x| x.clone().into()).collect();
        if i % 2 == 1 || f.is_empty() {
            f = vec![
                b"a"[..].into(),
                fields.len().to_string().into_bytes().into(),
            ];
        }
        if f.len() % 2 == 1 {
            f.push(b"odd"[..].into());
        }
        let id = s
            .add(
                NewId::Exact(StreamId::new(i as u64 / 3 + 1, i as u64)),
                &f,
                NOW,
                lim,
            )
            .unwrap();
        ids.push(id);
    }
    for d in dels {
        if let Some(id) = ids.get(*d)
            && s.delete(*id)
        {
            s.max_deleted_id = s.max_deleted_id.max(*id);
        }
    }
    for (gi, (deliver, consumers, acks)) in groups.iter().enumerate() {
        let mut g = Group {
            entries_read: if gi == 1 { ENTRIES_READ_INVALID } else { 0 },
            ..Group::default()
        };
        for c in 0..=*consumers {
            g.create_consumer(format!("c{c}").as_bytes(), NOW + i64::from(c));
        }
        let mut n = 0;
        s.range(StreamId::MIN, StreamId::MAX, false, |id, _| {
            if n < *deliver {
                let c: bytes::Bytes = format!("c{}", n % (usize::from(*consumers) + 1)).into();
                g.deliver(id, &c, NOW + n as i64);
                g.last_id = id;
                n += 1;
            }
            n < *deliver
        });
        let pending: Vec<StreamId> = g.pel.keys().copied().take(*acks).collect();
        for id in pending {
            g.ack(id);
        }
        s.groups.insert(format!("g{gi}").into(), g);
    }
    s
}

fn build(s: &Spec) -> Value {
    let c = Config::default();
    match s {
        Spec::Str(b) => Value::Str(StrValue::from_set(b)),
        Spec::List(fill, depth, items) => {
            let mut l = List::new(*fill, *depth);
            for i in items {
                l.push(End::Tail, i);
            }
            Value::List(Box::new(l))
        }
        Spec::Hash(pairs) => {
            let mut h = Hash::new();
            let lim = crate::types::hash::Limits::new(
                c.hash_max_listpack_entries,
                c.hash_max_listpack_value,
            );
            for (f, v) in pairs {
                h.set(f, v, lim);
            }
            Value::Hash(h)
        }
        Spec::Set(items) => {
            let mut s = Set::new();
            for i in items {
                s.add(i, c.set_max_intset_entries);
            }
            Value::Set(s)
        }
        Spec::ZSet(pairs) => {
            let lim = crate::types::zset::Limits::from_config(&c);
            let first = pairs.first().map_or(0, |p| p.0.len());
            let mut z = ZSet::for_new_key(first, lim);
            for (m, sc) in pairs {
                z.set(m, *sc, lim);
            }
            Value::ZSet(z)
        }
        Spec::Stream(e, n, d, g) => Value::Stream(Box::new(build_stream(e, *n, d, g))),
    }
}

/// Value equality by content (sorted sets compare their member/score sequences, since the
/// skiplist's node layout depends on random levels).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::ZSet(x), Value::ZSet(y)) => {
            let xs: Vec<(Vec<u8>, f64)> = x.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            let ys: Vec<(Vec<u8>, f64)> = y.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            xs == ys
        }
        _ => a == b,
    }
}

fn save_to_vec(dbs: &Databases) -> Vec<u8> {
    write::write_dataset(Vec::new(), dbs, &save_opts()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_datasets_survive_save_and_load(
        keys in proptest::collection::vec(
            (0usize..3, proptest::collection::vec(any::<u8>(), 0..20), spec(),
             proptest::option::of(NOW + 1..NOW + 10_000_000)),
            0..25,
        )
    ) {
        let mut dbs = Databases::new(16);
        for (db, key, s, ttl) in &keys {
            let d = dbs.db_mut(*db * 5).unwrap();
            d.insert_entry(key, Entry::new(build(s), NOW), *ttl);
        }
        let bytes = save_to_vec(&dbs);
        let mut back = Databases::new(16);
        let info = load::load_dataset(bytes.as_slice(), &mut back, &load_opts()).unwrap();
        prop_assert_eq!(info.keys as usize, dbs.total_keys());
        prop_assert_eq!(dataset_digest(&back), dataset_digest(&dbs));
        for (a, b) in dbs.iter().zip(back.iter()) {
            prop_assert_eq!(a.len(), b.len());
            for (k, e) in a.iter() {
                let got = b.get(k).unwrap();
                prop_assert!(same(&got.value, &e.value), "{:?} {:?}", got.value, e.value);
                prop_assert_eq!(got.value.encoding(), e.value.encoding());
                prop_assert_eq!(b.expire_of(k), a.expire_of(k));
            }
        }
        // Saving what was loaded gives the same bytes (same node layout, same encodings),
        // as long as no hash-table encoding (whose order is per process) is involved.
        let ordered = dbs.iter().all(|d| d.iter().all(|(_, e)| {
            !matches!(e.value.encoding(), "hashtable" | "skiplist")
        }));
        if ordered && dbs.iter().all(|d| d.len() <= 1) {
            prop_assert_eq!(save_to_vec(&back), bytes);
        }
    }

    #[test]
    fn dump_payloads_round_trip(s in spec()) {
        let v = build(&s);
        let p = write::dump_payload(&v, true);
        prop_assert!(load::verify_payload(&p, false).is_ok());
        let back = load::payload_value(&p, &limits()).unwrap();
        prop_assert!(same(&back, &v));
        prop_assert_eq!(back.encoding(), v.encoding());
    }

    #[test]
    fn mutated_files_never_panic(
        s in proptest::collection::vec(spec(), 1..4),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut dbs = Databases::new(16);
        for (i, sp) in s.iter().enumerate() {
            dbs.db_mut(0).unwrap().insert_entry(
                format!("k{i}").as_bytes(), Entry::new(build(sp), NOW), None);
        }
        let good = save_to_vec(&dbs);
        let mut bad = good.clone();
        for (at, x) in &flips {
            let i = at.index(bad.len());
            bad[i] ^= x | 1;
        }
        // With the checksum off the loader must still refuse or accept without panicking.
        let mut opts = load_opts();
        opts.verify_checksum = false;
        let _ = load::load_dataset(bad.as_slice(), &mut Databases::new(16), &opts);
        prop_assert!(load::load_dataset(bad.as_slice(), &mut Databases::new(16), &load_opts())
            .is_err());
        let n = cut.index(good.len());
        prop_assert!(load::load_dataset(&good[..n], &mut Databases::new(16), &opts).is_err());
        // The same bytes as a RESTORE payload body.
        let _ = load::payload_value(&bad, &limits());
    }

    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300), t in 0u8..=255) {
        let mut file = b"REDIS0010".to_vec();
        file.push(t);
        file.extend_from_slice(&body);
        let mut opts = load_opts();
        opts.verify_checksum = false;
        let _ = load::load_dataset(file.as_slice(), &mut Databases::new(16), &opts);
        let mut p = vec![t];
        p.extend_from_slice(&body);
        let _ = load::payload_value(&p, &limits());
    }
}

#[test]
fn empty_dataset_file_is_what_redis_writes() {
    let dbs = Databases::new(16);
    let bytes = save_to_vec(&dbs);
    assert!(bytes.starts_with(b"REDIS0010\xfa\x09redis-ver\x067.0.15\xfa\x0aredis-bits\xc0\x40"));
    assert_eq!(bytes[bytes.len() - 9], OPCODE_EOF);
    let crc = crc64(0, &bytes[..bytes.len() - 8]);
    assert_eq!(&bytes[bytes.len() - 8..], &crc.to_le_bytes());
    let info = load::load_dataset(bytes.as_slice(), &mut Databases::new(16), &load_opts()).unwrap();
    assert_eq!(info.redis_ver.as_deref(), Some("7.0.15"));
    assert_eq!(info.ctime, Some(NOW / 1000));
    assert_eq!(info.keys, 0);
}

#[test]
fn redis_dump_payloads_restore() {
    // DUMP payloads taken from Redis 7.0.15.
    let hello = b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a";
    assert_eq!(load::verify_payload(hello, false), Ok(()));
    let v = load::payload_value(hello, &limits()).unwrap();
    assert_eq!(v, Value::Str(StrValue::from_set(b"hello")));
    assert_eq!(write::dump_payload(&v, true), hello.to_vec());
    let list = b"\x12\x01\x02\x14\x14\x00\x00\x00\x05\x00\x81a\x02\x81b\x02\x81c\x02\x01\x01\x02\x01\xff\x0a\x00\xcb\x19t\\\xc3\xea\xfb\x0d";
    let v = load::payload_value(list, &limits()).unwrap();
    let Value::List(l) = &v else { panic!("{v:?}") };
    assert_eq!(
        l.to_vec(),
        vec![
            b"a".to_vec(),
            b"b".to_vec(),
            b"c".to_vec(),
            b"1".to_vec(),
            b"2".to_vec()
        ]
    );
    assert_eq!(write::dump_payload(&v, true), list.to_vec());
    // A wrong checksum or a newer RDB version is refused.
    let mut bad = hello.to_vec();
    bad[12] ^= 1;
    assert_eq!(
        load::verify_payload(&bad, false),
        Err(load::PayloadError::VersionOrChecksum)
    );
    let mut newer = hello.to_vec();
    newer[7] = 11;
    assert_eq!(
        load::verify_payload(&newer, true),
        Err(load::PayloadError::VersionOrChecksum)
    );
    assert_eq!(
        load::verify_payload(b"short", false),
        Err(load::PayloadError::VersionOrChecksum)
    );
}

#[test]
fn redis_stream_payload_restores_and_dumps_identically() {
    // DUMP of a Redis 7.0.15 stream: 3-entry nodes, an XDEL, two groups, three consumers,
    // two pending entries.
    let p = b"\x13\x03\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xc3\x40\x4b\x40\x5e\x16\x5e\x00\x00\x00\x1e\x00\x02\x01\x01\x01\x02\x01\x82\x66\x31\x03\x84\x6e\x61\x6d\x65\x05\x00\x20\x0d\x00\x00\x20\x01\x07\x82\x76\x31\x03\x81\x78\x02\x05\x20\x1e\x00\x01\x20\x0e\x40\x22\x04\x32\x03\x82\x76\x32\xa0\x26\x20\x1a\x00\x08\x60\x16\x80\x1a\x00\x33\x20\x1a\x00\x33\xe0\x02\x1a\x01\x01\xff\x10\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\xc3\x40\x4a\x40\x5e\x15\x5e\x00\x00\x00\x1e\x00\x03\x01\x00\x01\x02\x01\x82\x66\x34\x03\x84\x6e\x61\x6d\x65\x05\x40\x0d\x00\x00\x20\x01\x07\x82\x76\x34\x03\x81\x78\x02\x05\x20\x0a\x00\x01\x20\x03\x40\x22\x04\x35\x03\x82\x76\x35\xa0\x26\x20\x1a\x00\x08\x60\x16\x80\x1a\x00\x36\x20\x1a\x00\x36\xe0\x02\x1a\x01\x01\xff\x10\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x01\x3d\x3d\x00\x00\x00\x15\x00\x02\x01\x00\x01\x02\x01\x82\x66\x37\x03\x84\x6e\x61\x6d\x65\x05\x00\x01\x02\x01\x00\x01\x00\x01\x82\x76\x37\x03\x81\x78\x02\x05\x01\x00\x01\x01\x01\xdf\xff\x02\x02\x01\x81\x66\x02\x01\x01\x81\x67\x02\x02\x01\x08\x01\xff\x07\x08\x00\x01\x01\x02\x01\x08\x02\x02\x67\x31\x04\x01\x81\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01\xef\x50\xf2\x14\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x02\x51\xf2\x14\xa2\x01\x00\x00\x01\x03\x05\x61\x6c\x69\x63\x65\xef\x50\xf2\x14\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01\x03\x62\x6f\x62\x02\x51\xf2\x14\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x05\x63\x61\x72\x6f\x6c\x10\x51\xf2\x14\xa2\x01\x00\x00\x00\x02\x67\x32\x08\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x0a\x00\x4f\x06\x07\xfc\xd4\xb2\xe8\x24";
    assert_eq!(load::verify_payload(p, false), Ok(()));
    let v = load::payload_value(p, &limits()).unwrap();
    let Value::Stream(s) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(s.len(), 7);
    assert_eq!(s.node_count(), 3);
    assert_eq!(s.last_id, StreamId::new(8, 0));
    assert_eq!(s.max_deleted_id, StreamId::new(2, 1));
    assert_eq!(s.first_id(), StreamId::new(1, 1));
    assert_eq!(s.entries_added, 8);
    let g1 = &s.groups[&b"g1"[..]];
    assert_eq!(g1.pel.len(), 2);
    assert_eq!(g1.consumers.len(), 3);
    assert_eq!(g1.pel[&StreamId::new(4, 1)].consumer, &b"bob"[..]);
    assert_eq!(write::dump_payload(&v, true), p.to_vec());
    // Every truncated body fails cleanly.
    for n in 1..p.len() - 10 {
        assert!(
            load::payload_value(&p[..n], &limits()).is_err(),
            "cut at {n}"
        );
    }
}

/// Writes a key of raw RDB type `t` whose body is `body` into a version-`ver` file.
fn file_with(ver: u32, t: u8, body: &[u8]) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, true);
    w.raw(format!("REDIS{ver:04}").as_bytes()).unwrap();
    w.byte(OPCODE_SELECTDB).unwrap();
    w.length(0).unwrap();
    w.byte(t).unwrap();
    w.string(b"key").unwrap();
    w.raw(body).unwrap();
    w.finish().unwrap();
    w.into_inner().unwrap()
}

fn load_one(file: &[u8]) -> Result<Value, load::RdbError> {
    let mut dbs = Databases::new(16);
    load::load_dataset(file, &mut dbs, &load_opts())?;
    Ok(dbs.db(0).unwrap().get(b"key").unwrap().value.clone())
}

/// A ziplist of short strings (all < 64 bytes) as Redis 6 writes it.
fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let (mut prev, mut last) = (0usize, 10usize);
    for it in items {
        let start = body.len();
        body.push(prev as u8);
        body.push(it.len() as u8);
        body.extend_from_slice(it);
        last = 10 + start;
        prev = body.len() - start;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((10 + body.len() + 1) as u32).to_le_bytes());
    out.extend_from_slice(&(last as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

fn rdb_string(b: &[u8]) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    w.string(b).unwrap();
    w.into_inner().unwrap()
}

#[test]
fn old_encodings_load_into_current_ones() {
    // Hash as a ziplist (Redis < 7): becomes a listpack hash.
    let zl = ziplist(&[b"f1", b"v1", b"f2", b"v2"]);
    let v = load_one(&file_with(9, TYPE_HASH_ZIPLIST, &rdb_string(&zl))).unwrap();
    let Value::Hash(h) = &v else { panic!() };
    assert_eq!(h.encoding(), "listpack");
    assert_eq!(h.to_pairs().len(), 2);
    // A ziplist hash with a duplicate field is corrupt.
    let zl = ziplist(&[b"f1", b"v1", b"f1", b"v2"]);
    assert!(load_one(&file_with(9, TYPE_HASH_ZIPLIST, &rdb_string(&zl))).is_err());
    // Sorted set as a ziplist.
    let zl = ziplist(&[b"a", b"1.5", b"b", b"2"]);
    let v = load_one(&file_with(9, TYPE_ZSET_ZIPLIST, &rdb_string(&zl))).unwrap();
    let Value::ZSet(z) = &v else { panic!() };
    assert_eq!(z.score(b"a"), Some(1.5));
    assert_eq!(z.encoding(), "listpack");
    // List as one ziplist (Redis < 3.2) and as a quicklist of ziplists (3.2 - 6.2).
    let zl = ziplist(&[b"x", b"y", b"z"]);
    let v = load_one(&file_with(7, TYPE_LIST_ZIPLIST, &rdb_string(&zl))).unwrap();
    let Value::List(l) = &v else { panic!() };
    assert_eq!(l.len(), 3);
    let mut body = vec![2u8];
    body.extend(rdb_string(&zl));
    body.extend(rdb_string(&ziplist(&[b"w"])));
    let v = load_one(&file_with(9, TYPE_LIST_QUICKLIST, &body)).unwrap();
    let Value::List(l) = &v else { panic!() };
    assert_eq!(l.to_vec().concat(), b"xyzw");
    assert_eq!(l.node_count(), 2);
    // Hash as a zipmap (Redis < 2.6).
    let zm = [
        2u8, 1, b'a', 1, 0, b'1', 2, b'b', b'c', 3, 0, b'x', b'y', b'z', 0xFF,
    ];
    let v = load_one(&file_with(6, TYPE_HASH_ZIPMAP, &rdb_string(&zm))).unwrap();
    let Value::Hash(h) = &v else { panic!() };
    assert_eq!(h.len(), 2);
    // Linked list, plain set, plain hash and string-score ZSET.
    let mut body = vec![2u8];
    body.extend(rdb_string(b"p"));
    body.extend(rdb_string(b"q"));
    let v = load_one(&file_with(6, TYPE_LIST, &body)).unwrap();
    assert_eq!(v.len(), 2);
    let v = load_one(&file_with(6, TYPE_SET, &body)).unwrap();
    assert_eq!(v.encoding(), "hashtable");
    let mut body = vec![1u8];
    body.extend(rdb_string(b"m"));
    body.extend([3u8, b'2', b'.', b'5']);
    let v = load_one(&file_with(6, TYPE_ZSET, &body)).unwrap();
    let Value::ZSet(z) = &v else { panic!() };
    assert_eq!(z.score(b"m"), Some(2.5));
    let mut body = vec![1u8];
    body.extend(rdb_string(b"m"));
    body.push(253); // NaN
    assert!(load_one(&file_with(6, TYPE_ZSET, &body)).is_err());
    // Versions outside 1..=10 are refused with a clear message; a truncated stream fails.
    let e = load_one(&file_with(11, TYPE_STRING, &rdb_string(b"v"))).unwrap_err();
    assert_eq!(e.0, "Can't handle RDB format version 11");
    let e = load_one(&file_with(10, TYPE_STREAM_LISTPACKS_2, b"")).unwrap_err();
    assert!(e.0.contains("format") || e.0.contains("Short read"), "{e}");
}

#[test]
fn access_opcodes_follow_the_policy() {
    let mut dbs = Databases::new(16);
    let mut e = Entry::new(Value::Str(StrValue::from_set(b"v")), NOW);
    e.set_idle(100, NOW);
    dbs.db_mut(0).unwrap().insert_entry(b"k", e, None);
    let mut o = save_opts();
    o.access = AccessInfo::Lru;
    let bytes = write::write_dataset(Vec::new(), &dbs, &o).unwrap();
    assert!(bytes.windows(3).any(|w| w == [OPCODE_IDLE, 0x40, 100]));
    let mut back = Databases::new(16);
    load::load_dataset(bytes.as_slice(), &mut back, &load_opts()).unwrap();
    assert_eq!(back.db(0).unwrap().get(b"k").unwrap().idle_secs(NOW), 100);
    o.access = AccessInfo::Lfu(1);
    let bytes = write::write_dataset(Vec::new(), &dbs, &o).unwrap();
    assert!(bytes.contains(&OPCODE_FREQ));
}

#[test]
fn expired_keys_are_dropped_on_load_and_duplicates_refused() {
    let mut dbs = Databases::new(16);
    let d = dbs.db_mut(0).unwrap();
    d.insert_entry(
        b"old",
        Entry::new(Value::Str(StrValue::from_set(b"v")), NOW),
        Some(NOW - 1),
    );
    d.insert_entry(
        b"new",
        Entry::new(Value::Str(StrValue::from_set(b"v")), NOW),
        Some(NOW + 1),
    );
    let bytes = save_to_vec(&dbs);
    let mut back = Databases::new(16);
    let info = load::load_dataset(bytes.as_slice(), &mut back, &load_opts()).unwrap();
    assert_eq!((info.keys, info.expired_skipped), (1, 1));
    let e = load::load_dataset(bytes.as_slice(), &mut back, &load_opts()).unwrap_err();
    assert_eq!(e.0, "RDB has duplicated key 'new' in DB 0");
    let mut merge = load_opts();
    merge.allow_dup = true;
    assert!(load::load_dataset(bytes.as_slice(), &mut back, &merge).is_ok());
    // A huge claimed string length on a short input is a short read, not an allocation.
    let mut rd = RdbReader::new(&[0x81u8, 0, 0, 1, 0, 0, 0, 0, 0, b'x'][..]);
    assert!(rd.string().is_err());
}

/// A stream's body in the layout of RDB type `t` (15: no first ID, max deleted ID, entries
/// added or entries read; 21: each consumer also has an active time).
fn stream_body(s: &Stream, t: u8) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    let id = |w: &mut RdbWriter<Vec<u8>>, i: StreamId| {
        w.length(i.ms).unwrap();
        w.length(i.seq).unwrap();
    };
    w.length(s.node_count() as u64).unwrap();
    for (m, lp) in s.nodes() {
        w.string(&write::raw_id(*m)).unwrap();
        w.string(lp.as_bytes()).unwrap();
    }
    w.length(s.len()).unwrap();
    id(&mut w, s.last_id);
    if t != TYPE_STREAM_LISTPACKS {
        id(&mut w, s.first_id());
        id(&mut w, s.max_deleted_id);
        w.length(s.entries_added).unwrap();
    }
    w.length(s.groups.len() as u64).unwrap();
    for (name, g) in &s.groups {
        w.string(name).unwrap();
        id(&mut w, g.last_id);
        if t != TYPE_STREAM_LISTPACKS {
            w.length(g.entries_read as u64).unwrap();
        }
        w.length(g.pel.len() as u64).unwrap();
        for (pid, n) in &g.pel {
            w.raw(&write::raw_id(*pid)).unwrap();
            w.raw(&n.delivery_time.to_le_bytes()).unwrap();
            w.length(n.delivery_count).unwrap();
        }
        w.length(g.consumers.len() as u64).unwrap();
        for (cname, c) in &g.consumers {
            w.string(cname).unwrap();
            w.raw(&c.seen_time.to_le_bytes()).unwrap();
            if t == TYPE_STREAM_LISTPACKS_3 {
                w.raw(&(c.seen_time + 1).to_le_bytes()).unwrap();
            }
            w.length(c.pel.len() as u64).unwrap();
            for pid in &c.pel {
                w.raw(&write::raw_id(*pid)).unwrap();
            }
        }
    }
    w.into_inner().unwrap()
}

#[test]
fn streams_of_every_rdb_type_load() {
    let entries: Vec<Vec<Vec<u8>>> = (0..20)
        .map(|i| vec![b"f".to_vec(), format!("{i}").into_bytes()])
        .collect();
    let s = build_stream(&entries, 4, &[2, 3, 19], &[(6, 1, 2), (3, 0, 0)]);
    let with = |t: u8| {
        let mut p = vec![t];
        p.extend(stream_body(&s, t));
        p.extend_from_slice(&RDB_VERSION.to_le_bytes());
        p.extend_from_slice(&crc64(0, &p).to_le_bytes());
        p
    };
    // Type 19 is what Redis 7.0 writes: the same bytes as DUMP.
    let v = Value::Stream(Box::new(s.clone()));
    assert_eq!(
        with(TYPE_STREAM_LISTPACKS_2),
        write::dump_payload(&v, false)
    );
    // Type 21 (Redis 7.2) loads to the same stream, the active times dropped.
    let back = load::payload_value(&with(TYPE_STREAM_LISTPACKS_3), &limits()).unwrap();
    assert_eq!(back, v);
    // Type 15 (Redis 5 - 6.2): entries added = length, no max deleted ID, and each group's
    // read counter estimated from its last ID.
    let Value::Stream(old) = load::payload_value(&with(TYPE_STREAM_LISTPACKS), &limits()).unwrap()
    else {
        panic!()
    };
    assert_eq!(old.len(), s.len());
    assert_eq!(old.first_id(), s.first_id());
    assert_eq!(old.entries_added, s.len());
    assert_eq!(old.max_deleted_id, StreamId::MIN);
    for (name, g) in &old.groups {
        assert_eq!(
            g.entries_read,
            old.estimate_entries_read(g.last_id),
            "{name:?}"
        );
        assert_eq!(g.pel, s.groups[name].pel);
        assert_eq!(g.consumers, s.groups[name].consumers);
    }
}

#[test]
fn inconsistent_streams_are_refused() {
    let entries: Vec<Vec<Vec<u8>>> = (0..6).map(|i| vec![format!("{i}").into_bytes()]).collect();
    let s = build_stream(&entries, 2, &[], &[(3, 1, 0)]);
    let load_body = |b: Vec<u8>| {
        let mut p = vec![TYPE_STREAM_LISTPACKS_2];
        p.extend(b);
        load::payload_value(&p, &limits())
    };
    assert!(load_body(stream_body(&s, TYPE_STREAM_LISTPACKS_2)).is_ok());
    // Wrong length.
    let Value::Stream(mut bad) = build(&Spec::Stream(entries.clone(), 2, vec![], vec![])) else {
        panic!()
    };
    bad.groups.clear();
    let mut b = stream_body(&bad, TYPE_STREAM_LISTPACKS_2);
    assert!(bad.node_count() > 1);
    // The length follows the nodes.
    let good_len = write_len(bad.len());
    let wrong_len = write_len(bad.len() + 1);
    let at = nodes_len(&bad);
    assert_eq!(&b[at..at + good_len.len()], &good_len[..]);
    b.splice(at..at + good_len.len(), wrong_len);
    assert!(load_body(b).is_err());
    // A last ID below the last entry.
    let mut t = s.clone();
    t.last_id = StreamId::new(1, 0);
    assert!(load_body(stream_body(&t, TYPE_STREAM_LISTPACKS_2)).is_err());
    // A NACK nobody owns, and one owned by two consumers.
    let mut t = s.clone();
    let g = t.groups.values_mut().next().unwrap();
    let (id, _) = g.pel.iter().next().map(|(i, n)| (*i, n.clone())).unwrap();
    for c in g.consumers.values_mut() {
        c.pel.remove(&id);
    }
    assert!(load_body(stream_body(&t, TYPE_STREAM_LISTPACKS_2)).is_err());
    let mut t = s.clone();
    let g = t.groups.values_mut().next().unwrap();
    for c in g.consumers.values_mut() {
        c.pel.insert(id);
    }
    assert!(load_body(stream_body(&t, TYPE_STREAM_LISTPACKS_2)).is_err());
}

fn write_len(n: u64) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    w.length(n).unwrap();
    w.into_inner().unwrap()
}

/// The length of the node list at the start of `s`'s body.
fn nodes_len(s: &Stream) -> usize {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    w.length(s.node_count() as u64).unwrap();
    for (m, lp) in s.nodes() {
        w.string(&write::raw_id(*m)).unwrap();
        w.string(lp.as_bytes()).unwrap();
    }
    w.into_inner().unwrap().len()
}
