//! The RDB loader: reads RDB versions 1-10 (as Redis 7.0 does) from any `io::Read`, and DUMP
//! payloads for RESTORE.
//!
//! Every length, count and byte comes from a file or a client, so nothing here trusts them:
//! strings are read in bounded chunks (a claimed 1 TB string on a 10-byte input fails on the
//! short read, it is never allocated), compact encodings are validated before they are adopted
//! (listpacks, intsets, ziplists, zipmaps), duplicates and empty values are refused, and every
//! failure is an [`RdbError`], never a panic.
//!
//! Values are converted to the encodings carmine keeps, at Redis 7.0's thresholds (the
//! `*-max-listpack-*` / `set-max-intset-entries` settings in [`Limits`]): old ziplists become
//! listpacks, oversized compact values become hash tables / skiplists, linked lists become
//! quicklists. Streams keep their listpack nodes as they are (checked deeply first).
//!
//! A whole-file load writes into a [`LoadTarget`]: plain `Databases`, or the server's loader
//! (`commands::loading`), whose progress hook after each key serves clients while it loads.

use std::io::{self, Read};

use super::legacy;
use super::*;
use crate::db::{Databases, Entry};
use crate::types::hash::{self, Hash};
use crate::types::list::{End, List};
use crate::types::set::{Intset, Set};
use crate::types::stream::{
    Consumer, ENTRIES_READ_INVALID, Group, Nack, Stream, StreamId, StreamMeta,
};
use crate::types::string::StrValue;
use crate::types::value::Value;
use crate::types::zset::{self, ZSet};
use crate::util::listpack::Listpack;
use crate::util::{lzf, num};
use bytes::Bytes;
use std::collections::BTreeMap;

/// Why a file or payload could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbError(pub String);

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RdbError {}

impl From<io::Error> for RdbError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            RdbError("Short read or OOM loading DB. Unrecoverable error, aborting now.".into())
        } else {
            RdbError(format!("Error reading the RDB file: {e}"))
        }
    }
}

fn corrupt(what: &str) -> RdbError {
    RdbError(format!("Bad RDB format: {what}"))
}

/// The encoding thresholds loaded values are converted at.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// list-max-listpack-size.
    pub list_fill: i32,
    /// list-compress-depth.
    pub list_depth: u32,
    /// hash-max-listpack-entries / -value.
    pub hash: hash::Limits,
    /// set-max-intset-entries.
    pub set_max_intset: u64,
    /// zset-max-listpack-entries / -value.
    pub zset: zset::Limits,
}

impl Limits {
    /// The thresholds of a config.
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            list_fill: c.list_max_listpack_size,
            list_depth: c.list_compress_depth,
            hash: hash::Limits::new(c.hash_max_listpack_entries, c.hash_max_listpack_value),
            set_max_intset: c.set_max_intset_entries,
            zset: zset::Limits::from_config(c),
        }
    }
}

/// How to load a whole file.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Encoding thresholds.
    pub limits: Limits,
    /// Verify the CRC64 trailer (`rdbchecksum`).
    pub verify_checksum: bool,
    /// Drop keys whose expiry time has passed (a master does; a replica keeps them).
    pub drop_expired: bool,
    /// The load time (unix ms), for dropping expired keys and setting access clocks.
    pub now_ms: i64,
    /// Whether maxmemory-policy is an LFU one (FREQ opcodes apply, IDLE ones do not).
    pub lfu_policy: bool,
    /// A key already present is replaced instead of failing the load (DEBUG RELOAD MERGE).
    pub allow_dup: bool,
}

impl LoadOptions {
    /// Options from a config at `now_ms` (a master drops expired keys).
    pub fn from_config(c: &crate::config::Config, now_ms: i64) -> LoadOptions {
        use crate::config::MaxmemoryPolicy as P;
        LoadOptions {
            limits: Limits::from_config(c),
            verify_checksum: c.rdbchecksum,
            drop_expired: true,
            now_ms,
            lfu_policy: matches!(c.maxmemory_policy, P::AllkeysLfu | P::VolatileLfu),
            allow_dup: false,
        }
    }
}

/// What a load found besides the keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadInfo {
    /// The file's RDB version.
    pub version: u32,
    /// Keys loaded.
    pub keys: u64,
    /// Keys dropped because they had expired.
    pub expired_skipped: u64,
    /// Empty values skipped.
    pub empty_skipped: u64,
    /// `redis-ver` aux field.
    pub redis_ver: Option<String>,
    /// `ctime` aux field.
    pub ctime: Option<i64>,
    /// `repl-id` aux field.
    pub repl_id: Option<String>,
    /// `repl-offset` aux field.
    pub repl_offset: Option<i64>,
    /// `aof-base` / `aof-preamble` aux field.
    pub aof_base: bool,
    /// `used-mem` aux field (INFO loading_rdb_used_mem while loading).
    pub used_mem: Option<i64>,
    /// The code of each function library (RDB_OPCODE_FUNCTION2 records), in file order; the
    /// caller installs them.
    pub functions: Vec<Vec<u8>>,
}

/// A reader that counts the CRC64 of what it reads. It buffers 64 KiB of input itself (wrap
/// nothing around it) and computes the CRC over whole consumed stretches of that buffer.
pub struct RdbReader<R: Read> {
    r: R,
    buf: Box<[u8]>,
    /// Next unread byte in `buf`.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// `buf[..crc_pos]` is already in `crc`.
    crc_pos: usize,
    crc: u64,
    /// Bytes read so far (the offset in error messages).
    pub offset: u64,
}

/// Size of the reader's buffer.
const READ_BUF: usize = 1 << 16;

/// Largest chunk a string is read in before more input proves it exists.
const READ_CHUNK: usize = 1 << 20;

/// A string as the loader sees it: integer-encoded or bytes.
enum Str {
    Int(i64),
    Bytes(Vec<u8>),
}

impl Str {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Str::Int(n) => num::fmt_i64(n, &mut [0u8; 20]).to_vec(),
            Str::Bytes(b) => b,
        }
    }
}

impl<R: Read> RdbReader<R> {
    /// A reader over `r`.
    pub fn new(r: R) -> RdbReader<R> {
        RdbReader::with_buffer(r, READ_BUF)
    }

    /// A reader over `r` with a `cap`-byte buffer (small for in-memory payloads).
    pub fn with_buffer(r: R, cap: usize) -> RdbReader<R> {
        RdbReader {
            r,
            buf: vec![0u8; cap.max(16)].into_boxed_slice(),
            pos: 0,
            end: 0,
            crc_pos: 0,
            crc: 0,
            offset: 0,
        }
    }

    /// The CRC64 of everything read so far.
    pub fn crc(&self) -> u64 {
        crc64(
            self.crc,
            self.buf.get(self.crc_pos..self.pos).unwrap_or_default(),
        )
    }

    /// Folds the consumed part of the buffer into the CRC and refills it.
    fn refill(&mut self) -> Result<(), RdbError> {
        self.crc = self.crc();
        self.pos = 0;
        self.end = 0;
        self.crc_pos = 0;
        loop {
            match self.r.read(&mut self.buf) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => {
                    self.end = n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads exactly `out.len()` bytes.
    pub fn exact(&mut self, out: &mut [u8]) -> Result<(), RdbError> {
        let mut done = 0;
        while done < out.len() {
            if self.pos == self.end {
                self.refill()?;
            }
            let n = (self.end - self.pos).min(out.len() - done);
            let (Some(dst), Some(src)) = (
                out.get_mut(done..done + n),
                self.buf.get(self.pos..self.pos + n),
            ) else {
                return Err(corrupt("reader state"));
            };
            dst.copy_from_slice(src);
            self.pos += n;
            done += n;
        }
        self.offset += out.len() as u64;
        Ok(())
    }

    /// Reads one byte.
    pub fn byte(&mut self) -> Result<u8, RdbError> {
        if let Some(&b) = self.buf.get(self.pos).filter(|_| self.pos < self.end) {
            self.pos += 1;
            self.offset += 1;
            return Ok(b);
        }
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    /// Reads `n` bytes into a new vector, growing it only as the input proves long enough.
    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, RdbError> {
        let n = usize::try_from(n).map_err(|_| corrupt("string too long"))?;
        let mut out = Vec::with_capacity(n.min(READ_CHUNK));
        while out.len() < n {
            let start = out.len();
            let step = (n - start).min(READ_CHUNK);
            out.resize(start + step, 0);
            let (_, tail) = out.split_at_mut(start);
            self.exact(tail)?;
        }
        Ok(out)
    }

    /// Reads a length, or the special-encoding marker: (value, is_encoded).
    fn len_or_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => (u64::from(b & 0x3F), false),
            1 => {
                let b2 = self.byte()?;
                ((u64::from(b & 0x3F) << 8) | u64::from(b2), false)
            }
            3 => (u64::from(b & 0x3F), true),
            _ => match b {
                0x80 => {
                    let mut x = [0u8; 4];
                    self.exact(&mut x)?;
                    (u64::from(u32::from_be_bytes(x)), false)
                }
                0x81 => {
                    let mut x = [0u8; 8];
                    self.exact(&mut x)?;
                    (u64::from_be_bytes(x), false)
                }
                _ => return Err(corrupt(&format!("unknown length encoding {b}"))),
            },
        })
    }

    /// Reads a length (rdbLoadLen).
    pub fn length(&mut self) -> Result<u64, RdbError> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(corrupt("encoded value where a length was expected")),
        }
    }

    /// Reads a length that must fit memory as a count.
    fn count(&mut self) -> Result<usize, RdbError> {
        usize::try_from(self.length()?).map_err(|_| corrupt("length too large"))
    }

    fn string_or_int(&mut self) -> Result<Str, RdbError> {
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            return Ok(Str::Bytes(self.bytes(n)?));
        }
        match n as u8 {
            ENC_INT8 => Ok(Str::Int(i64::from(self.byte()? as i8))),
            ENC_INT16 => {
                let mut x = [0u8; 2];
                self.exact(&mut x)?;
                Ok(Str::Int(i64::from(i16::from_le_bytes(x))))
            }
            ENC_INT32 => {
                let mut x = [0u8; 4];
                self.exact(&mut x)?;
                Ok(Str::Int(i64::from(i32::from_le_bytes(x))))
            }
            ENC_LZF => {
                let clen = self.length()?;
                let len = usize::try_from(self.length()?).map_err(|_| corrupt("LZF length"))?;
                let data = self.bytes(clen)?;
                // LZF expands at most ~132x (a 2-byte back reference copies 264 bytes).
                if len > data.len().saturating_mul(140).saturating_add(64) {
                    return Err(corrupt("invalid LZF compressed string"));
                }
                lzf::decompress(&data, len)
                    .map(Str::Bytes)
                    .ok_or_else(|| corrupt("invalid LZF compressed string"))
            }
            _ => Err(corrupt(&format!("unknown RDB string encoding type {n}"))),
        }
    }

    /// Reads a string (any encoding) as bytes.
    pub fn string(&mut self) -> Result<Vec<u8>, RdbError> {
        Ok(self.string_or_int()?.into_bytes())
    }

    /// Reads a binary double (8 bytes LE).
    fn binary_double(&mut self) -> Result<f64, RdbError> {
        let mut x = [0u8; 8];
        self.exact(&mut x)?;
        Ok(f64::from_le_bytes(x))
    }

    /// Reads an old-style string double (rdbLoadDoubleValue).
    fn string_double(&mut self) -> Result<f64, RdbError> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let mut buf = vec![0u8; usize::from(n)];
                self.exact(&mut buf)?;
                num::parse_f64_strtod(&buf).ok_or_else(|| corrupt("invalid double value"))
            }
        }
    }

    /// Reads a stream ID saved as two lengths.
    fn stream_id(&mut self) -> Result<StreamId, RdbError> {
        let ms = self.length()?;
        Ok(StreamId::new(ms, self.length()?))
    }

    /// Reads a 16-byte big-endian raw stream ID.
    fn raw_stream_id(&mut self) -> Result<StreamId, RdbError> {
        let mut x = [0u8; 16];
        self.exact(&mut x)?;
        let (ms, seq) = x.split_at(8);
        let ms = u64::from_be_bytes(ms.try_into().map_err(|_| corrupt("stream ID"))?);
        let seq = u64::from_be_bytes(seq.try_into().map_err(|_| corrupt("stream ID"))?);
        Ok(StreamId::new(ms, seq))
    }

    /// Reads a millisecond time (8 bytes little-endian).
    fn ms_time(&mut self) -> Result<i64, RdbError> {
        let mut x = [0u8; 8];
        self.exact(&mut x)?;
        Ok(i64::from_le_bytes(x))
    }

    /// Reads a stream of type 15, 19 or 21 as Redis's rdbLoadObject does, with the deep
    /// listpack and PEL checks [`Stream::from_parts`] makes.
    fn stream(&mut self, t: u8) -> Result<Stream, RdbError> {
        let count = self.length()?;
        let mut nodes = Vec::new();
        for _ in 0..count {
            let key = self.string()?;
            let Ok(key) = <[u8; 16]>::try_from(key.as_slice()) else {
                return Err(corrupt(
                    "Stream node key entry is not the size of a stream ID",
                ));
            };
            let (ms, seq) = key.split_at(8);
            let master = StreamId::new(
                u64::from_be_bytes(ms.try_into().map_err(|_| corrupt("stream ID"))?),
                u64::from_be_bytes(seq.try_into().map_err(|_| corrupt("stream ID"))?),
            );
            let lp = Listpack::from_bytes(self.string()?)
                .ok_or_else(|| corrupt("Stream listpack integrity check failed."))?;
            if lp.is_empty() {
                return Err(corrupt("Empty listpack inside stream"));
            }
            nodes.push((master, lp));
        }
        let length = self.length()?;
        let last_id = self.stream_id()?;
        let v1 = t == TYPE_STREAM_LISTPACKS;
        let mut meta = StreamMeta {
            length,
            last_id,
            max_deleted_id: StreamId::MIN,
            entries_added: length,
        };
        if !v1 {
            // The first ID is recomputed from the nodes.
            self.stream_id()?;
            meta.max_deleted_id = self.stream_id()?;
            meta.entries_added = self.length()?;
        }
        if length > 0 && nodes.is_empty() {
            return Err(corrupt("Stream length inconsistent with rax entries"));
        }
        let mut groups: BTreeMap<Bytes, Group> = BTreeMap::new();
        let mut v1_groups = Vec::new();
        let ngroups = self.length()?;
        for _ in 0..ngroups {
            let name = Bytes::from(self.string()?);
            let last_id = self.stream_id()?;
            let entries_read = if v1 {
                v1_groups.push(name.clone());
                ENTRIES_READ_INVALID
            } else {
                self.length()? as i64
            };
            let mut g = Group {
                last_id,
                entries_read,
                ..Group::default()
            };
            let npel = self.length()?;
            for _ in 0..npel {
                let id = self.raw_stream_id()?;
                let nack = Nack {
                    delivery_time: self.ms_time()?,
                    delivery_count: self.length()?,
                    consumer: Bytes::new(),
                };
                if g.pel.insert(id, nack).is_some() {
                    return Err(corrupt(
                        "Duplicated global PEL entry loading stream consumer group",
                    ));
                }
            }
            let nconsumers = self.length()?;
            let mut claimed = std::collections::BTreeSet::new();
            for _ in 0..nconsumers {
                let cname = Bytes::from(self.string()?);
                if g.consumers.contains_key(&cname) {
                    return Err(corrupt("Duplicate stream consumer detected."));
                }
                let seen_time = self.ms_time()?;
                if t == TYPE_STREAM_LISTPACKS_3 {
                    // The 7.2 active time: 7.0 has no such field.
                    self.ms_time()?;
                }
                let mut c = Consumer {
                    seen_time,
                    ..Consumer::default()
                };
                let n = self.length()?;
                for _ in 0..n {
                    let id = self.raw_stream_id()?;
                    let Some(nack) = g.pel.get_mut(&id) else {
                        return Err(corrupt("Consumer entry not found in group global PEL"));
                    };
                    if !c.pel.insert(id) {
                        return Err(corrupt(
                            "Duplicated consumer PEL entry loading a stream consumer group",
                        ));
                    }
                    if !claimed.insert(id) {
                        return Err(corrupt("Stream PEL entry owned by two consumers"));
                    }
                    nack.consumer = cname.clone();
                }
                g.consumers.insert(cname, c);
            }
            if groups.insert(name.clone(), g).is_some() {
                return Err(corrupt(&format!(
                    "Duplicated consumer group name {}",
                    String::from_utf8_lossy(&name)
                )));
            }
        }
        let mut s = Stream::from_parts(nodes, meta, groups).map_err(corrupt)?;
        // RDB 9 groups have no read counter: Redis estimates it from the group's last ID.
        for name in v1_groups {
            if let Some(id) = s.groups.get(&name).map(|g| g.last_id) {
                let est = s.estimate_entries_read(id);
                if let Some(g) = s.groups.get_mut(&name) {
                    g.entries_read = est;
                }
            }
        }
        Ok(s)
    }

    /// Reads a value of RDB type `t` (rdbLoadObject); `Ok(None)` for an empty value, which
    /// Redis skips when loading a file.
    pub fn value(&mut self, t: u8, lim: &Limits) -> Result<Option<Value>, RdbError> {
        let v = match t {
            TYPE_STRING => Value::Str(match self.string_or_int()? {
                Str::Int(n) => StrValue::Int(n),
                Str::Bytes(b) => StrValue::from_set(&b),
            }),
            TYPE_LIST => {
                let n = self.count()?;
                let mut l = List::new(lim.list_fill, lim.list_depth);
                for _ in 0..n {
                    l.push(End::Tail, &self.string()?);
                }
                Value::List(Box::new(l))
            }
            TYPE_SET => {
                let n = self.length()?;
                let mut s = Set::new();
                if n > lim.set_max_intset {
                    s.convert_to_hashtable();
                }
                for _ in 0..n {
                    if !s.add(&self.string()?, lim.set_max_intset) {
                        return Err(corrupt("Duplicate set members detected"));
                    }
                }
                Value::Set(s)
            }
            TYPE_ZSET | TYPE_ZSET_2 => {
                let n = self.length()?;
                let mut z = ZSet::new_skiplist();
                for _ in 0..n {
                    let m = self.string()?;
                    let score = if t == TYPE_ZSET_2 {
                        self.binary_double()?
                    } else {
                        self.string_double()?
                    };
                    if score.is_nan() {
                        return Err(corrupt("Zset with NAN score detected"));
                    }
                    if z.set(&m, score, lim.zset).is_some() {
                        return Err(corrupt("Duplicate zset fields detected"));
                    }
                }
                z.shrink_if_fits(lim.zset);
                Value::ZSet(z)
            }
            TYPE_HASH => {
                let n = self.length()?;
                let mut h = Hash::new();
                let force_table = hash::Limits {
                    max_entries: 0,
                    max_value: lim.hash.max_value,
                };
                let limits = if n > lim.hash.max_entries as u64 {
                    force_table
                } else {
                    lim.hash
                };
                for _ in 0..n {
                    let f = self.string()?;
                    let v = self.string()?;
                    if !h.set(&f, &v, limits) {
                        return Err(corrupt("Duplicate hash fields detected"));
                    }
                }
                Value::Hash(h)
            }
            TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
                let nodes = self.length()?;
                let mut l = List::new(lim.list_fill, lim.list_depth);
                for _ in 0..nodes {
                    let container = if t == TYPE_LIST_QUICKLIST_2 {
                        self.length()?
                    } else {
                        QUICKLIST_NODE_PACKED
                    };
                    let blob = self.string()?;
                    match container {
                        QUICKLIST_NODE_PLAIN => l.append_plain_node(blob),
                        QUICKLIST_NODE_PACKED if t == TYPE_LIST_QUICKLIST_2 => {
                            let lp = Listpack::from_bytes(blob)
                                .ok_or_else(|| corrupt("Listpack integrity check failed."))?;
                            l.append_listpack_node(lp);
                        }
                        QUICKLIST_NODE_PACKED => {
                            let items = legacy::ziplist_entries(&blob)
                                .ok_or_else(|| corrupt("Ziplist integrity check failed."))?;
                            let mut lp = Listpack::new();
                            for e in &items {
                                lp.push_back(e);
                            }
                            l.append_listpack_node(lp);
                        }
                        _ => return Err(corrupt("Quicklist integrity check failed.")),
                    }
                }
                Value::List(Box::new(l))
            }
            TYPE_HASH_ZIPMAP | TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
                let blob = self.string()?;
                let lp = match t {
                    TYPE_HASH_LISTPACK => Listpack::from_bytes(blob),
                    TYPE_HASH_ZIPLIST => legacy::ziplist_entries(&blob).map(|e| listpack_of(&e)),
                    _ => legacy::zipmap_entries(&blob).map(|e| listpack_of(&e)),
                }
                .ok_or_else(|| corrupt("Hash integrity check failed."))?;
                let h = Hash::from_listpack(lp)
                    .ok_or_else(|| corrupt("Hash listpack with dup elements or odd size"))?;
                Value::Hash(hash_fit(h, lim.hash))
            }
            TYPE_LIST_ZIPLIST => {
                let blob = self.string()?;
                let items = legacy::ziplist_entries(&blob)
                    .ok_or_else(|| corrupt("Ziplist integrity check failed."))?;
                let mut l = List::new(lim.list_fill, lim.list_depth);
                for e in &items {
                    l.push(End::Tail, e);
                }
                Value::List(Box::new(l))
            }
            TYPE_SET_INTSET => {
                let blob = self.string()?;
                let is = Intset::from_bytes(blob)
                    .ok_or_else(|| corrupt("Intset integrity check failed."))?;
                let mut s = Set::from_intset(is);
                if s.len() as u64 > lim.set_max_intset {
                    s.convert_to_hashtable();
                }
                Value::Set(s)
            }
            TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
                let blob = self.string()?;
                let lp = if t == TYPE_ZSET_LISTPACK {
                    Listpack::from_bytes(blob)
                } else {
                    legacy::ziplist_entries(&blob).map(|e| listpack_of(&e))
                }
                .ok_or_else(|| corrupt("Zset integrity check failed."))?;
                let mut z = ZSet::from_listpack(lp)
                    .ok_or_else(|| corrupt("Zset listpack with dup elements or bad scores"))?;
                if z.len() > lim.zset.entries {
                    z.convert_to_skiplist();
                }
                Value::ZSet(z)
            }
            TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
                // A stream with no entries is a value (Redis keeps empty streams).
                return Ok(Some(Value::Stream(Box::new(self.stream(t)?))));
            }
            TYPE_MODULE | TYPE_MODULE_2 => {
                return Err(RdbError(
                    "The RDB file contains module data, which carmine does not support".into(),
                ));
            }
            _ => return Err(corrupt(&format!("Unknown RDB encoding type {t}"))),
        };
        Ok(if v.is_empty() { None } else { Some(v) })
    }
}

/// A listpack of the given entries.
fn listpack_of(entries: &[Vec<u8>]) -> Listpack {
    let mut lp = Listpack::new();
    for e in entries {
        lp.push_back(e);
    }
    lp
}

/// A listpack hash converted to a table if it is past the limits (entries or a long field or
/// value), as Redis 7.0 does after loading one.
fn hash_fit(h: Hash, lim: hash::Limits) -> Hash {
    let Some(lp) = h.as_listpack() else {
        return h;
    };
    let too_long = lp.iter().any(|e| match e {
        crate::util::listpack::LpValue::Str(b) => b.len() > lim.max_value,
        crate::util::listpack::LpValue::Int(_) => false,
    });
    if h.len() <= lim.max_entries && !too_long {
        return h;
    }
    let force = hash::Limits {
        max_entries: 0,
        max_value: lim.max_value,
    };
    let mut t = Hash::new();
    for (f, v) in h.to_pairs() {
        t.set(&f, &v, force);
    }
    t
}

/// Where a load puts its keys, and who hears of its progress (Redis's rio processing callback
/// and `key-load-delay`). Plain `Databases` is a target that hears nothing.
pub trait LoadTarget {
    /// The databases keys go into; borrowed again for each key.
    fn dbs(&mut self) -> &mut Databases;
    /// Called after each key record (loaded or skipped) with the bytes of the file consumed so
    /// far and what the load found until now; `Err` aborts the load with that error.
    fn progress(&mut self, consumed: u64, info: &LoadInfo) -> Result<(), RdbError> {
        let _ = (consumed, info);
        Ok(())
    }
}

impl LoadTarget for Databases {
    fn dbs(&mut self) -> &mut Databases {
        self
    }
}

/// Loads an RDB file from `r` into the target's databases (which should be empty): `Err` on
/// any corruption, truncation, duplicate key or checksum mismatch, or when the target's
/// progress hook aborts. Keys already loaded stay in the databases on error.
pub fn load_dataset<R: Read, T: LoadTarget + ?Sized>(
    r: R,
    target: &mut T,
    opts: &LoadOptions,
) -> Result<LoadInfo, RdbError> {
    let mut rd = RdbReader::new(r);
    let mut magic = [0u8; 9];
    rd.exact(&mut magic)?;
    if magic.get(..5) != Some(b"REDIS".as_slice()) {
        return Err(RdbError(
            "Wrong signature trying to load DB from file".into(),
        ));
    }
    let version = std::str::from_utf8(magic.get(5..).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0);
    if !(1..=u32::from(RDB_VERSION)).contains(&version) {
        return Err(RdbError(format!(
            "Can't handle RDB format version {version}"
        )));
    }
    let mut info = LoadInfo {
        version,
        ..LoadInfo::default()
    };
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    let mut freq: Option<u8> = None;
    loop {
        let t = rd.byte()?;
        match t {
            OPCODE_EXPIRETIME => {
                let mut x = [0u8; 4];
                rd.exact(&mut x)?;
                expire = Some(i64::from(i32::from_le_bytes(x)) * 1000);
                continue;
            }
            OPCODE_EXPIRETIME_MS => {
                let mut x = [0u8; 8];
                rd.exact(&mut x)?;
                expire = Some(i64::from_le_bytes(x));
                continue;
            }
            OPCODE_FREQ => {
                freq = Some(rd.byte()?);
                continue;
            }
            OPCODE_IDLE => {
                idle = Some(rd.length()?);
                continue;
            }
            OPCODE_EOF => break,
            OPCODE_SELECTDB => {
                let id = rd.length()?;
                db = usize::try_from(id).unwrap_or(usize::MAX);
                let count = target.dbs().count();
                if db >= count {
                    return Err(RdbError(format!(
                        "FATAL: Data file was created with a Redis server configured to \
                         handle more than {count} databases. Exiting"
                    )));
                }
                continue;
            }
            OPCODE_RESIZEDB => {
                rd.length()?;
                rd.length()?;
                continue;
            }
            OPCODE_AUX => {
                let name = rd.string()?;
                let value = rd.string()?;
                aux_field(&mut info, &name, &value);
                continue;
            }
            OPCODE_MODULE_AUX => {
                return Err(RdbError(
                    "The RDB file contains AUX module data, which carmine does not support".into(),
                ));
            }
            OPCODE_FUNCTION2 => {
                info.functions.push(rd.string()?);
                continue;
            }
            OPCODE_FUNCTION_PRE_GA => {
                return Err(RdbError(
                    "Pre-GA function format not supported, please use a release version of \
                     Redis to create the RDB file"
                        .into(),
                ));
            }
            _ => {}
        }
        let key = rd.string()?;
        let value = rd.value(t, &opts.limits)?;
        let (when, idle_s, lfu) = (expire.take(), idle.take(), freq.take());
        let Some(value) = value else {
            info.empty_skipped += 1;
            target.progress(rd.offset, &info)?;
            continue;
        };
        if opts.drop_expired && when.is_some_and(|w| w < opts.now_ms) {
            info.expired_skipped += 1;
            target.progress(rd.offset, &info)?;
            continue;
        }
        let Some(d) = target.dbs().db_mut(db) else {
            return Err(corrupt("database index out of range"));
        };
        if d.get(&key).is_some() {
            if opts.allow_dup {
                d.remove(&key);
            } else {
                return Err(RdbError(format!(
                    "RDB has duplicated key '{}' in DB {db}",
                    String::from_utf8_lossy(&key)
                )));
            }
        }
        let mut entry = Entry::new(value, opts.now_ms);
        set_access(&mut entry, idle_s, lfu, opts.lfu_policy, opts.now_ms);
        d.insert_entry(&key, entry, when);
        info.keys += 1;
        target.progress(rd.offset, &info)?;
    }
    if version >= 5 {
        let expected = rd.crc();
        let mut x = [0u8; 8];
        rd.exact(&mut x)?;
        let got = u64::from_le_bytes(x);
        if opts.verify_checksum && got != 0 && got != expected {
            return Err(RdbError(format!(
                "Wrong RDB checksum expected: ({got:x}) got ({expected:x}). Aborting now."
            )));
        }
    }
    Ok(info)
}

/// Applies an IDLE or FREQ opcode to a loaded entry (objectSetLRUOrLFU): FREQ only under an
/// LFU maxmemory-policy, IDLE only under the others.
pub fn set_access(
    entry: &mut Entry,
    idle_secs: Option<u64>,
    freq: Option<u8>,
    lfu_policy: bool,
    now_ms: i64,
) {
    if lfu_policy {
        if let Some(f) = freq {
            entry.set_lfu(f, now_ms);
        }
    } else if let Some(s) = idle_secs {
        entry.set_idle(s, now_ms);
    }
}

fn aux_field(info: &mut LoadInfo, name: &[u8], value: &[u8]) {
    let text = || String::from_utf8_lossy(value).into_owned();
    let int = || num::parse_i64(value);
    match name {
        b"redis-ver" => info.redis_ver = Some(text()),
        b"ctime" => info.ctime = int(),
        b"repl-id" => info.repl_id = Some(text()),
        b"repl-offset" => info.repl_offset = int(),
        b"aof-base" | b"aof-preamble" => info.aof_base = int().unwrap_or(0) != 0,
        b"used-mem" => info.used_mem = int(),
        _ => {}
    }
}

/// Why RESTORE refused a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// Wrong RDB version or checksum ("DUMP payload version or checksum are wrong").
    VersionOrChecksum,
    /// The value could not be decoded, or is empty ("Bad data format").
    BadData,
}

/// Checks a DUMP payload's footer (verifyDumpPayload): at least 10 bytes, an RDB version this
/// server reads, and a matching CRC64 (unless `skip_checksum`).
pub fn verify_payload(p: &[u8], skip_checksum: bool) -> Result<(), PayloadError> {
    let len = p.len();
    if len < 10 {
        return Err(PayloadError::VersionOrChecksum);
    }
    let ver = p
        .get(len - 10..len - 8)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(PayloadError::VersionOrChecksum)?;
    if ver > RDB_VERSION {
        return Err(PayloadError::VersionOrChecksum);
    }
    if skip_checksum {
        return Ok(());
    }
    let (body, footer) = p.split_at(len - 8);
    if crc64(0, body).to_le_bytes() != footer {
        return Err(PayloadError::VersionOrChecksum);
    }
    Ok(())
}

/// Decodes a verified DUMP payload's value (type byte + body). Like Redis, the reader runs
/// over the whole payload, footer included: a body that reads into the footer still decodes.
pub fn payload_value(p: &[u8], lim: &Limits) -> Result<Value, PayloadError> {
    let mut rd = RdbReader::with_buffer(p, p.len().min(READ_BUF));
    let t = rd.byte().map_err(|_| PayloadError::BadData)?;
    match rd.value(t, lim) {
        Ok(Some(v)) => Ok(v),
        _ => Err(PayloadError::BadData),
    }
}
