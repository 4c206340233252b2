//! DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's order-independent dataset digest.
//!
//! Built from two SHA-1 steps (`util::sha1`): `xor(d, bytes)` XORs SHA1(bytes) into the 20-byte
//! digest `d` (order-independent, for set-like collections); `mix(d, bytes)` does the same and
//! then replaces `d` with SHA1(d) (order-dependent, for sequences). A key's digest mixes its
//! name, its type (u32 big-endian) and its value (list elements mixed in order; set members
//! XORed; hash pairs and sorted-set member/score pairs digested on their own and XORed in;
//! scores as `%.17g`; stream entries mixed in order as "ms.seq" then each field and value;
//! consumer groups are not part of it), and XORs in "!!expire!!" when the key has an expiry time. The dataset
//! digest mixes each non-empty database's index (u32 BE) and XORs in every key's digest, so it
//! does not depend on encodings or iteration order and matches Redis's for the same data.

use crate::db::{Databases, Db};
use crate::types::stream::StreamId;
use crate::types::value::Value;
use crate::util::num;
use crate::util::sha1::sha1;

/// A 20-byte digest.
pub type Digest = [u8; 20];

fn xor(d: &mut Digest, bytes: &[u8]) {
    let h = sha1(bytes);
    for (a, b) in d.iter_mut().zip(h) {
        *a ^= b;
    }
}

fn mix(d: &mut Digest, bytes: &[u8]) {
    xor(d, bytes);
    *d = sha1(d.as_slice());
}

/// The type number Redis mixes in (OBJ_STRING 0, LIST 1, SET 2, ZSET 3, HASH 4, STREAM 6).
fn type_id(v: &Value) -> u32 {
    match v {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

/// Mixes a value (and its expiry flag) into `d` (Redis's xorObjectDigest).
pub fn value_digest(d: &mut Digest, v: &Value, has_expire: bool) {
    mix(d, &type_id(v).to_be_bytes());
    match v {
        // Each entry: "<ms>.<seq>" then its fields and values, all mixed in order.
        Value::Stream(s) => s.range(StreamId::MIN, StreamId::MAX, false, |id, pairs| {
            mix(d, format!("{}.{}", id.ms, id.seq).as_bytes());
            for (f, v) in pairs {
                let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
                mix(d, f.to_bytes(&mut a));
                mix(d, v.to_bytes(&mut b));
            }
            true
        }),
        Value::Str(s) => {
            let mut buf = [0u8; 20];
            mix(d, s.bytes(&mut buf));
        }
        Value::List(l) => l.for_each_from(0, false, |e| {
            mix(d, e);
            true
        }),
        Value::Set(s) => {
            for m in s.iter() {
                xor(d, &m.to_vec());
            }
        }
        Value::ZSet(z) => {
            for (m, score) in z.iter() {
                let mut e = [0u8; 20];
                mix(&mut e, &m);
                mix(&mut e, num::fmt_double_17g(score).as_bytes());
                xor(d, &e);
            }
        }
        Value::Hash(h) => h.for_each(|f, v| {
            let mut e = [0u8; 20];
            let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
            mix(&mut e, f.to_bytes(&mut a));
            mix(&mut e, v.to_bytes(&mut b));
            xor(d, &e);
        }),
    }
    if has_expire {
        xor(d, b"!!expire!!");
    }
}

/// The digest DEBUG DIGEST-VALUE reports for a key (zeros when it does not exist).
pub fn key_value_digest(db: &Db, key: &[u8]) -> Digest {
    let mut d = [0u8; 20];
    if let Some(e) = db.get(key) {
        value_digest(&mut d, &e.value, e.has_expire());
    }
    d
}

/// The digest of every database (DEBUG DIGEST; all zeros for an empty dataset).
pub fn dataset_digest(dbs: &Databases) -> Digest {
    let mut out = [0u8; 20];
    for db in dbs.iter() {
        if db.is_empty() {
            continue;
        }
        mix(&mut out, &(db.id as u32).to_be_bytes());
        for (key, entry) in db.iter() {
            let mut d = [0u8; 20];
            mix(&mut d, key);
            value_digest(&mut d, &entry.value, entry.has_expire());
            xor(&mut out, &d);
        }
    }
    out
}
