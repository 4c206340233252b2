//! The RDB writer: serialises values, keys and whole datasets exactly as Redis 7.0 does.
//!
//! Everything streams into an `io::Write` through [`RdbWriter`], which keeps the running CRC64:
//! no value is ever serialised into an intermediate buffer first (compact encodings are copied
//! as they are stored; big encodings are walked element by element), so saving a key needs no
//! more memory than the key. Wrap files in a `BufWriter`.
//!
//! Choices that make the bytes identical to Redis's: a string of at most 11 bytes that is a
//! canonical integer in i32 range is written integer-encoded; a string over 20 bytes is written
//! LZF-compressed when `rdbcompression` is on and compression saves at least 4 bytes; skiplist
//! sorted sets are written tail first (so the loader inserts at the head in O(1)).

use std::io::{self, Write};

use super::*;
use crate::config::MaxmemoryPolicy;
use crate::db::{Databases, Entry};
use crate::types::list::RawNode;
use crate::types::stream::{Stream, StreamId};
use crate::types::string::StrValue;
use crate::types::value::Value;
use crate::util::lzf;
use crate::util::num;

/// A writer that counts the CRC64 of everything it writes. Small writes collect in a 64 KiB
/// buffer whose CRC is computed once when it is handed to the inner writer.
pub struct RdbWriter<W: Write> {
    w: W,
    buf: Vec<u8>,
    crc: u64,
    checksum: bool,
    /// Whether strings over 20 bytes are LZF-compressed (`rdbcompression`).
    pub compress: bool,
    written: u64,
}

/// Size of the writer's buffer.
const WRITE_BUF: usize = 1 << 16;

/// Which per-key access opcode the file carries, by maxmemory-policy (Redis saves IDLE for the
/// LRU policies and FREQ for the LFU ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessInfo {
    /// Neither.
    None,
    /// OPCODE_IDLE with the idle seconds.
    Lru,
    /// OPCODE_FREQ with the decayed LFU counter (lfu-decay-time minutes).
    Lfu(u32),
}

impl AccessInfo {
    /// What `policy` saves.
    pub fn for_policy(policy: MaxmemoryPolicy, lfu_decay_time: u32) -> AccessInfo {
        match policy {
            MaxmemoryPolicy::AllkeysLru | MaxmemoryPolicy::VolatileLru => AccessInfo::Lru,
            MaxmemoryPolicy::AllkeysLfu | MaxmemoryPolicy::VolatileLfu => {
                AccessInfo::Lfu(lfu_decay_time)
            }
            _ => AccessInfo::None,
        }
    }
}

/// What a whole-file save writes besides the keys.
#[derive(Debug, Clone)]
pub struct SaveOptions {
    /// `rdbcompression`.
    pub compress: bool,
    /// `rdbchecksum` (false writes a zero CRC).
    pub checksum: bool,
    /// IDLE / FREQ opcodes.
    pub access: AccessInfo,
    /// The time the snapshot is taken (unix ms; ctime aux field, idle times).
    pub now_ms: i64,
    /// `used-mem` aux field.
    pub used_mem: u64,
    /// Replication info (`repl-stream-db`, `repl-id`, `repl-offset` aux fields), written only
    /// when there is a replication stream to resume, as Redis's rdbPopulateSaveInfo decides.
    pub repl: Option<ReplInfo>,
    /// `aof-base`: whether this file is an AOF base (preamble).
    pub aof_base: bool,
    /// `rdb-key-save-delay`: microseconds to sleep per key (testing; negative: sleep 1 us for
    /// one key in |n|, as Redis's debugDelay).
    pub key_delay_us: i64,
    /// The code of every function library, written as RDB_OPCODE_FUNCTION2 records.
    pub functions: Vec<bytes::Bytes>,
}

/// The replication position a file records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplInfo {
    /// The database the replication stream last selected.
    pub stream_db: u64,
    /// The replication id (40 hex digits).
    pub id: String,
    /// The replication offset.
    pub offset: i64,
}

impl SaveOptions {
    /// Options from the server's config at `now_ms` (no replication info: a master without a
    /// backlog writes none).
    pub fn from_config(c: &crate::config::Config, now_ms: i64) -> SaveOptions {
        SaveOptions {
            compress: c.rdbcompression,
            checksum: c.rdbchecksum,
            access: AccessInfo::for_policy(c.maxmemory_policy, c.lfu_decay_time),
            now_ms,
            used_mem: crate::util::alloc::used() as u64,
            repl: None,
            aof_base: false,
            key_delay_us: c
                .value("rdb-key-save-delay")
                .and_then(|v| num::parse_i64(&v))
                .unwrap_or(0),
            functions: Vec::new(),
        }
    }
}

impl<W: Write> RdbWriter<W> {
    /// A writer over `w`; `checksum` false leaves the CRC at 0 (and skips computing it).
    pub fn new(w: W, compress: bool, checksum: bool) -> RdbWriter<W> {
        RdbWriter {
            w,
            buf: Vec::with_capacity(WRITE_BUF),
            crc: 0,
            checksum,
            compress,
            written: 0,
        }
    }

    /// Hands the buffered bytes to the inner writer.
    fn drain(&mut self) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        let res = self.w.write_all(&self.buf);
        self.buf.clear();
        res
    }

    /// The inner writer, after handing it what is buffered.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.drain()?;
        Ok(self.w)
    }

    /// The CRC64 of everything written so far (0 with checksums off).
    pub fn crc(&self) -> u64 {
        if self.checksum {
            crc64(self.crc, &self.buf)
        } else {
            0
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes raw bytes.
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.written += b.len() as u64;
        if self.buf.len() + b.len() > WRITE_BUF {
            self.drain()?;
            if b.len() >= WRITE_BUF {
                if self.checksum {
                    self.crc = crc64(self.crc, b);
                }
                return self.w.write_all(b);
            }
        }
        self.buf.extend_from_slice(b);
        Ok(())
    }

    /// Writes one byte (a type or opcode).
    pub fn byte(&mut self, b: u8) -> io::Result<()> {
        self.raw(&[b])
    }

    /// Writes a length (rdbSaveLen).
    pub fn length(&mut self, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            self.byte(n as u8)
        } else if n < 1 << 14 {
            self.raw(&[0x40 | (n >> 8) as u8, n as u8])
        } else if n <= u64::from(u32::MAX) {
            let mut b = [0x80u8; 5];
            b[1..].copy_from_slice(&(n as u32).to_be_bytes());
            self.raw(&b)
        } else {
            let mut b = [0x81u8; 9];
            b[1..].copy_from_slice(&n.to_be_bytes());
            self.raw(&b)
        }
    }

    /// Writes an integer in the 8/16/32-bit string encoding if it fits (rdbEncodeInteger).
    fn try_int(&mut self, v: i64) -> io::Result<bool> {
        if let Ok(x) = i8::try_from(v) {
            self.raw(&[0xC0 | ENC_INT8, x as u8])?;
        } else if let Ok(x) = i16::try_from(v) {
            let b = x.to_le_bytes();
            self.raw(&[0xC0 | ENC_INT16, b[0], b[1]])?;
        } else if let Ok(x) = i32::try_from(v) {
            let b = x.to_le_bytes();
            self.raw(&[0xC0 | ENC_INT32, b[0], b[1], b[2], b[3]])?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Writes an integer as a string object (rdbSaveLongLongAsStringObject).
    pub fn int_string(&mut self, v: i64) -> io::Result<()> {
        if self.try_int(v)? {
            return Ok(());
        }
        let mut buf = [0u8; 20];
        let s = num::fmt_i64(v, &mut buf);
        self.length(s.len() as u64)?;
        self.raw(s)
    }

    /// Writes a string (rdbSaveRawString): integer-encoded, LZF-compressed or plain.
    pub fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11
            && let Some(v) = num::parse_i64(s)
            && num::fmt_i64(v, &mut [0u8; 20]) == s
            && self.try_int(v)?
        {
            return Ok(());
        }
        if self.compress
            && s.len() > lzf::RDB_MIN_COMPRESS_LEN
            && let Some(c) = lzf::compress_with_limit(s, s.len() - 4)
        {
            return self.lzf_blob(&c, s.len());
        }
        self.length(s.len() as u64)?;
        self.raw(s)
    }

    /// Writes already-compressed bytes (rdbSaveLzfBlob).
    pub fn lzf_blob(&mut self, data: &[u8], raw_len: usize) -> io::Result<()> {
        self.byte(0xC0 | ENC_LZF)?;
        self.length(data.len() as u64)?;
        self.length(raw_len as u64)?;
        self.raw(data)
    }

    /// Writes a double as 8 little-endian bytes (rdbSaveBinaryDoubleValue).
    pub fn binary_double(&mut self, d: f64) -> io::Result<()> {
        self.raw(&d.to_le_bytes())
    }

    /// Writes an AUX field with a string value.
    pub fn aux(&mut self, name: &str, value: &[u8]) -> io::Result<()> {
        self.byte(OPCODE_AUX)?;
        self.string(name.as_bytes())?;
        self.string(value)
    }

    /// Writes an AUX field with an integer value (rdbSaveAuxFieldStrInt).
    pub fn aux_int(&mut self, name: &str, value: i64) -> io::Result<()> {
        let mut buf = [0u8; 20];
        let s = num::fmt_i64(value, &mut buf);
        self.aux(name, s)
    }

    /// The type byte a value is saved with (rdbSaveObjectType).
    pub fn value_type(v: &Value) -> u8 {
        match v {
            Value::Str(_) => TYPE_STRING,
            Value::List(_) => TYPE_LIST_QUICKLIST_2,
            Value::Set(s) if s.as_intset().is_some() => TYPE_SET_INTSET,
            Value::Set(_) => TYPE_SET,
            Value::ZSet(z) if z.as_listpack().is_some() => TYPE_ZSET_LISTPACK,
            Value::ZSet(_) => TYPE_ZSET_2,
            Value::Hash(h) if h.as_listpack().is_some() => TYPE_HASH_LISTPACK,
            Value::Hash(_) => TYPE_HASH,
            Value::Stream(_) => TYPE_STREAM_LISTPACKS_2,
        }
    }

    /// Writes a value's body (rdbSaveObject), without its type byte.
    pub fn value(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Stream(s) => self.stream(s),
            Value::Str(StrValue::Int(n)) => self.int_string(*n),
            Value::Str(s) => {
                let mut buf = [0u8; 20];
                self.string(s.bytes(&mut buf))
            }
            Value::List(l) => {
                self.length(l.node_count() as u64)?;
                for node in l.raw_nodes() {
                    match node {
                        RawNode::Plain(b) => {
                            self.length(QUICKLIST_NODE_PLAIN)?;
                            self.string(b)?;
                        }
                        RawNode::Packed(b) => {
                            self.length(QUICKLIST_NODE_PACKED)?;
                            self.string(b)?;
                        }
                        RawNode::Lzf { data, raw_len } => {
                            self.length(QUICKLIST_NODE_PACKED)?;
                            self.lzf_blob(data, raw_len)?;
                        }
                    }
                }
                Ok(())
            }
            Value::Set(s) => {
                if let Some(is) = s.as_intset() {
                    return self.string(is.as_bytes());
                }
                self.length(s.len() as u64)?;
                for m in s.iter() {
                    match m {
                        crate::types::set::Member::Int(n) => self.int_string(n)?,
                        crate::types::set::Member::Str(b) => self.string(b)?,
                    }
                }
                Ok(())
            }
            Value::ZSet(z) => {
                if let Some(lp) = z.as_listpack() {
                    return self.string(lp.as_bytes());
                }
                self.length(z.len() as u64)?;
                for (m, score) in z.iter_from(z.len().saturating_sub(1), true) {
                    self.string(&m)?;
                    self.binary_double(score)?;
                }
                Ok(())
            }
            Value::Hash(h) => {
                if let Some(lp) = h.as_listpack() {
                    return self.string(lp.as_bytes());
                }
                self.length(h.len() as u64)?;
                let mut res = Ok(());
                h.for_each(|f, v| {
                    if res.is_ok() {
                        let mut a = [0u8; 20];
                        let mut b = [0u8; 20];
                        res = self
                            .string(f.to_bytes(&mut a))
                            .and_then(|()| self.string(v.to_bytes(&mut b)));
                    }
                });
                res
            }
        }
    }

    /// Writes a stream's body as RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0's rdbSaveObject): the
    /// nodes (16-byte big-endian master ID, listpack), length, last ID, first ID, max deleted
    /// ID, entries added, then each group (name, last ID, entries read, global PEL with raw IDs,
    /// delivery times and counts, consumers with seen times and their PEL IDs).
    fn stream(&mut self, s: &Stream) -> io::Result<()> {
        self.length(s.node_count() as u64)?;
        for (master, lp) in s.nodes() {
            self.string(&raw_id(*master))?;
            self.string(lp.as_bytes())?;
        }
        self.length(s.len())?;
        self.id(s.last_id)?;
        self.id(s.first_id())?;
        self.id(s.max_deleted_id)?;
        self.length(s.entries_added)?;
        self.length(s.groups.len() as u64)?;
        for (name, g) in &s.groups {
            self.string(name)?;
            self.id(g.last_id)?;
            // entries_read is an int64 saved as a length: -1 becomes 2^64 - 1.
            self.length(g.entries_read as u64)?;
            self.length(g.pel.len() as u64)?;
            for (id, nack) in &g.pel {
                self.raw(&raw_id(*id))?;
                self.raw(&nack.delivery_time.to_le_bytes())?;
                self.length(nack.delivery_count)?;
            }
            self.length(g.consumers.len() as u64)?;
            for (cname, c) in &g.consumers {
                self.string(cname)?;
                self.raw(&c.seen_time.to_le_bytes())?;
                self.length(c.pel.len() as u64)?;
                for id in &c.pel {
                    self.raw(&raw_id(*id))?;
                }
            }
        }
        Ok(())
    }

    /// Writes a stream ID as two lengths (ms, seq).
    fn id(&mut self, id: StreamId) -> io::Result<()> {
        self.length(id.ms)?;
        self.length(id.seq)
    }

    /// Writes one key with its expiry and access opcodes (rdbSaveKeyValuePair).
    pub fn key_value(
        &mut self,
        key: &[u8],
        entry: &Entry,
        expire: Option<i64>,
        access: AccessInfo,
        now_ms: i64,
    ) -> io::Result<()> {
        if let Some(when) = expire {
            self.byte(OPCODE_EXPIRETIME_MS)?;
            self.raw(&when.to_le_bytes())?;
        }
        match access {
            AccessInfo::None => {}
            AccessInfo::Lru => {
                self.byte(OPCODE_IDLE)?;
                self.length(entry.idle_secs(now_ms))?;
            }
            AccessInfo::Lfu(decay) => {
                let f = entry.lfu_freq(now_ms, decay).min(255) as u8;
                self.raw(&[OPCODE_FREQ, f])?;
            }
        }
        self.byte(Self::value_type(&entry.value))?;
        self.string(key)?;
        self.value(&entry.value)
    }

    /// Writes the EOF opcode and the checksum, and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        self.byte(OPCODE_EOF)?;
        let crc = self.crc();
        self.raw(&crc.to_le_bytes())?;
        self.drain()?;
        self.w.flush()
    }
}

/// A stream ID as Redis's 16-byte big-endian rax key.
pub fn raw_id(id: StreamId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&id.ms.to_be_bytes());
    k[8..].copy_from_slice(&id.seq.to_be_bytes());
    k
}

/// Writes a whole dataset as an RDB file to `w` (SAVE, BGSAVE, the AOF's RDB preamble).
pub fn write_dataset<W: Write>(w: W, dbs: &Databases, opts: &SaveOptions) -> io::Result<W> {
    let mut out = RdbWriter::new(w, opts.compress, opts.checksum);
    out.raw(format!("REDIS{:04}", RDB_VERSION).as_bytes())?;
    out.aux("redis-ver", crate::REDIS_VERSION.as_bytes())?;
    out.aux_int("redis-bits", (usize::BITS) as i64)?;
    out.aux_int("ctime", opts.now_ms / 1000)?;
    out.aux_int("used-mem", i64::try_from(opts.used_mem).unwrap_or(i64::MAX))?;
    if let Some(r) = &opts.repl {
        out.aux_int("repl-stream-db", i64::try_from(r.stream_db).unwrap_or(0))?;
        out.aux("repl-id", r.id.as_bytes())?;
        out.aux_int("repl-offset", r.offset)?;
    }
    out.aux_int("aof-base", i64::from(opts.aof_base))?;
    // Function libraries before the keys, as rdbSaveFunctions.
    for code in &opts.functions {
        out.byte(OPCODE_FUNCTION2)?;
        out.string(code)?;
    }
    for db in dbs.iter() {
        if db.is_empty() {
            continue;
        }
        out.byte(OPCODE_SELECTDB)?;
        out.length(db.id as u64)?;
        out.byte(OPCODE_RESIZEDB)?;
        out.length(db.len() as u64)?;
        out.length(db.expires_len() as u64)?;
        for (key, entry) in db.iter() {
            let expire = if entry.has_expire() {
                db.expire_of(key)
            } else {
                None
            };
            out.key_value(key, &entry, expire, opts.access, opts.now_ms)?;
            if opts.key_delay_us != 0 {
                key_delay(opts.key_delay_us);
            }
        }
    }
    out.finish()?;
    out.into_inner()
}

/// Redis's debugDelay: sleeps `us` microseconds, or for a negative value 1 us with probability
/// 1/|us|.
fn key_delay(us: i64) {
    let us = if us < 0 {
        use rand::RngExt;
        u64::from(rand::rng().random_range(0..us.unsigned_abs()) == 0)
    } else {
        us.unsigned_abs()
    };
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// The DUMP payload of a value: type, body, RDB version (2 bytes LE), CRC64 (8 bytes LE).
pub fn dump_payload(v: &Value, compress: bool) -> Vec<u8> {
    let mut out = RdbWriter::new(Vec::new(), compress, true);
    // Writing into a Vec cannot fail.
    let _ = out.byte(RdbWriter::<Vec<u8>>::value_type(v));
    let _ = out.value(v);
    let _ = out.raw(&RDB_VERSION.to_le_bytes());
    let crc = out.crc();
    let mut buf = out.into_inner().unwrap_or_default();
    buf.extend_from_slice(&crc.to_le_bytes());
    buf
}
