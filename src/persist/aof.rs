//! The append-only file, laid out as Redis 7.0's multi-part AOF: a directory (`appenddirname`)
//! holding one base file, any number of incremental files and a manifest that names them.
//!
//! Representation:
//! - The manifest (`<appendfilename>.manifest`) has one line per file, `file <name> seq <n>
//!   type <b|h|i>`: the base first, then history files (bases and incrs a rewrite replaced, kept
//!   only until they are deleted), then the incremental files in order. It is always replaced
//!   atomically (written to `temp-<appendfilename>.manifest`, fsynced, renamed).
//! - Base files are `<appendfilename>.<seq>.base.rdb` (an RDB snapshot, aof-use-rdb-preamble
//!   yes) or `<appendfilename>.<seq>.base.aof` (commands); incremental files are
//!   `<appendfilename>.<seq>.incr.aof`, commands as RESP multibulk arrays, a `SELECT` whenever the
//!   database differs from the previous command's.
//! - A rewrite (BGREWRITEAOF) never copies anything between processes: the parent opens a new
//!   incremental file when the child starts, the child writes a new base from its snapshot, and
//!   on success the manifest swaps in the new base and marks the old base and every incremental
//!   file but the newest as history (Redis 7.0 has no rewrite buffer).
//!
//! This file is the format and file layer: [`encode_command`], [`Manifest`], [`Aof`] (the open
//! incremental file, its buffer and counters), [`CommandReader`] (the loader's parser, with
//! truncation detected as Redis's loadSingleAppendOnlyFile does) and [`write_commands_base`] (a
//! commands-form dump of the dataset). Running loaded commands, fsync threads and fork children
//! are the server's (`server::aof`).
//!
//! Invariant: everything appended to `Aof::buf` is a whole command; the file on disk only ever
//! ends in the middle of one after a crash, which loading reports as a truncated tail.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::db::Databases;
use crate::types::stream::{Stream, StreamId};
use crate::types::value::Value;
use crate::util::num;

/// How many elements one command of a commands-form rewrite carries (Redis's
/// AOF_REWRITE_ITEMS_PER_CMD).
pub const REWRITE_ITEMS_PER_CMD: usize = 64;

/// Appends `argv` to `out` as a RESP multibulk array, the form every AOF command takes.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    let mut buf = [0u8; 20];
    out.push(b'*');
    out.extend_from_slice(num::fmt_i64(argv.len() as i64, &mut buf));
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(num::fmt_i64(a.len() as i64, &mut buf));
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// What a file listed in the manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The base: an RDB or a commands snapshot (`type b`).
    Base,
    /// Replaced by a rewrite, waiting to be deleted (`type h`).
    History,
    /// Commands appended since the base (`type i`).
    Incr,
}

impl FileKind {
    fn letter(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// The file name inside the AOF directory.
    pub name: String,
    /// Its sequence number.
    pub seq: u64,
    /// Base, history or incremental.
    pub kind: FileKind,
}

/// The manifest: which files make up the AOF, in loading order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if there is one.
    pub base: Option<AofFile>,
    /// Incremental files, oldest first.
    pub incrs: Vec<AofFile>,
    /// Files a rewrite replaced, to be deleted.
    pub history: Vec<AofFile>,
    /// The highest base sequence number handed out.
    pub base_seq: u64,
    /// The highest incremental sequence number handed out.
    pub incr_seq: u64,
}

impl Manifest {
    /// Parses a manifest file's text; the error is Redis's log line for the problem.
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        let mut last_incr = 0u64;
        for line in text.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.first() == Some(&b'#') || line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let words = split_words(line).ok_or("Invalid AOF manifest file format")?;
            if words.len() % 2 != 0 {
                return Err("Invalid AOF manifest file format".into());
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for pair in words.chunks(2) {
                let (Some(k), Some(v)) = (pair.first(), pair.get(1)) else {
                    continue;
                };
                match k.as_slice() {
                    b"file" => name = Some(String::from_utf8_lossy(v).into_owned()),
                    b"seq" => seq = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
                    b"type" => {
                        kind = match v.as_slice() {
                            b"b" => Some(FileKind::Base),
                            b"h" => Some(FileKind::History),
                            b"i" => Some(FileKind::Incr),
                            _ => None,
                        }
                    }
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err("Invalid AOF manifest file format".into());
            };
            if name.contains('/') {
                return Err("Invalid AOF manifest file format".into());
            }
            let file = AofFile { name, seq, kind };
            match kind {
                FileKind::Base => {
                    if m.base.is_some() {
                        return Err("Found duplicate base file information".into());
                    }
                    m.base_seq = seq;
                    m.base = Some(file);
                }
                FileKind::History => m.history.push(file),
                FileKind::Incr => {
                    if seq <= last_incr {
                        return Err("Found a non-monotonic sequence number".into());
                    }
                    last_incr = seq;
                    m.incr_seq = seq;
                    m.incrs.push(file);
                }
            }
        }
        Ok(m)
    }

    /// The manifest's text, as Redis writes it.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let all = self.base.iter().chain(&self.history).chain(&self.incrs);
        for f in all {
            s.push_str(&format!(
                "file {} seq {} type {}\n",
                quote_if_needed(&f.name),
                f.seq,
                f.kind.letter()
            ));
        }
        s
    }

    /// Names a new base file (the next sequence number) and moves the current base to history.
    pub fn new_base(&mut self, filename: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = FileKind::History;
            self.history.push(old);
        }
        self.base_seq += 1;
        let ext = if rdb { "rdb" } else { "aof" };
        let name = format!("{filename}.{}.base.{ext}", self.base_seq);
        self.base = Some(AofFile {
            name: name.clone(),
            seq: self.base_seq,
            kind: FileKind::Base,
        });
        name
    }

    /// Names a new incremental file (the next sequence number) and appends it to the list.
    pub fn new_incr(&mut self, filename: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{filename}.{}.incr.aof", self.incr_seq);
        self.incrs.push(AofFile {
            name: name.clone(),
            seq: self.incr_seq,
            kind: FileKind::Incr,
        });
        name
    }

    /// After a rewrite: every incremental file but the newest becomes history (the new base
    /// holds their contents).
    pub fn retire_rewritten_incrs(&mut self) {
        let keep = self.incrs.pop();
        for mut f in self.incrs.drain(..) {
            f.kind = FileKind::History;
            self.history.push(f);
        }
        self.incrs.extend(keep);
    }
}

/// The AOF directory path for `dir` and `appenddirname`.
pub fn dir_path(dir: &Path, appenddirname: &str) -> PathBuf {
    dir.join(appenddirname)
}

/// The manifest file name for `appendfilename`.
pub fn manifest_name(filename: &str) -> String {
    format!("{filename}.manifest")
}

/// Writes the manifest atomically: a temp file, fsync, rename, fsync of the directory.
pub fn persist_manifest(dir: &Path, filename: &str, m: &Manifest) -> io::Result<()> {
    let tmp = dir.join(format!("temp-{}", manifest_name(filename)));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(m.render().as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, dir.join(manifest_name(filename)))?;
    fsync_dir(dir);
    Ok(())
}

/// Reads the manifest in `dir`; `Ok(None)` when there is none.
pub fn read_manifest(dir: &Path, filename: &str) -> Result<Option<Manifest>, String> {
    match fs::read(dir.join(manifest_name(filename))) {
        Ok(text) => Manifest::parse(&text).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("Fail to open AOF manifest file: {e}")),
    }
}

/// Fsyncs a directory so renames in it survive a crash (errors are ignored, as some file
/// systems refuse it).
pub fn fsync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The open incremental file and what is waiting to be written to it.
#[derive(Debug)]
pub struct Aof {
    /// The AOF directory.
    pub dir: PathBuf,
    /// `appendfilename`, the stem of every file name.
    pub filename: String,
    /// The files that make up the AOF.
    pub manifest: Manifest,
    /// The incremental file commands are appended to.
    file: Option<File>,
    /// Commands not yet written (Redis's aof_buf).
    pub buf: Vec<u8>,
    /// The database the last written command ran in.
    selected_db: Option<usize>,
    /// Size of the whole AOF (base + incrementals) as last known (aof_current_size).
    pub current_size: u64,
    /// Size of the base file (aof_base_size).
    pub base_size: u64,
    /// Size of the whole AOF after the last rewrite or at start (auto-aof-rewrite base).
    pub rewrite_base_size: u64,
    /// Whether the last write succeeded (aof_last_write_status).
    pub last_write_ok: bool,
    /// Why the last write failed (strerror text, for -MISCONF).
    pub last_write_error: String,
    /// Length of the incremental file up to the last whole write (a failed write is cut back
    /// to it, so a retry never duplicates a partly written command).
    incr_size: u64,
    /// Bytes written and not yet fsynced.
    pub unsynced: bool,
}

impl Aof {
    /// State for the AOF in `dir` (the AOF directory) with `manifest`; no file is open yet.
    pub fn new(dir: PathBuf, filename: &str, manifest: Manifest) -> Aof {
        Aof {
            dir,
            filename: filename.to_string(),
            manifest,
            file: None,
            buf: Vec::new(),
            selected_db: None,
            current_size: 0,
            base_size: 0,
            rewrite_base_size: 0,
            last_write_ok: true,
            last_write_error: String::new(),
            incr_size: 0,
            unsynced: false,
        }
    }

    /// Queues one propagated command, with a SELECT first when its database differs from the
    /// previous one's.
    pub fn feed(&mut self, db: usize, argv: &[Bytes]) {
        if self.selected_db != Some(db) {
            let mut b = [0u8; 20];
            let n = num::fmt_i64(db as i64, &mut b);
            encode_command(&mut self.buf, &[&b"SELECT"[..], n]);
            self.selected_db = Some(db);
        }
        encode_command(&mut self.buf, argv);
    }

    /// Forgets the selected database, so the next command starts with a SELECT (a new
    /// incremental file must be loadable on its own after a base).
    pub fn reset_selected_db(&mut self) {
        self.selected_db = None;
    }

    /// Opens (creating if needed) the incremental file `name` for appending.
    pub fn open_incr(&mut self, name: &str) -> io::Result<()> {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))?;
        self.incr_size = f.metadata()?.len();
        self.file = Some(f);
        self.selected_db = None;
        Ok(())
    }

    /// Writes the buffer to the incremental file. On a short or failed write the buffer keeps
    /// what was not written and the error is returned (aof_last_write_status err).
    pub fn write_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let Some(f) = self.file.as_mut() else {
            return Ok(());
        };
        match f.write_all(&self.buf) {
            Ok(()) => {
                self.current_size += self.buf.len() as u64;
                self.incr_size += self.buf.len() as u64;
                self.buf.clear();
                self.last_write_ok = true;
                self.unsynced = true;
                Ok(())
            }
            Err(e) => {
                // Cut a partial write back off, as Redis's flushAppendOnlyFile does; the whole
                // buffer is written again next time.
                let _ = f.set_len(self.incr_size);
                self.last_write_ok = false;
                self.last_write_error = strerror(&e);
                Err(e)
            }
        }
    }

    /// Fsyncs the incremental file on this thread (appendfsync always).
    pub fn fsync(&mut self) -> io::Result<()> {
        if let Some(f) = &self.file {
            f.sync_data()?;
        }
        self.unsynced = false;
        Ok(())
    }

    /// A second handle on the incremental file for a background fsync.
    pub fn file_handle(&self) -> Option<File> {
        self.file.as_ref().and_then(|f| f.try_clone().ok())
    }

    /// Closes the incremental file (AOF turned off).
    pub fn close(&mut self) {
        self.file = None;
    }

    /// The path of a file in the AOF directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Recomputes `current_size` and `base_size` from the files on disk.
    pub fn measure(&mut self) {
        let size = |f: &AofFile| fs::metadata(self.dir.join(&f.name)).map_or(0, |m| m.len());
        self.base_size = self.manifest.base.as_ref().map_or(0, size);
        self.current_size = self.base_size + self.manifest.incrs.iter().map(size).sum::<u64>();
    }
}

/// An I/O error's text as C's strerror words it (without Rust's " (os error N)" suffix).
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s.get(..i).unwrap_or_default().to_string(),
        None => s,
    }
}

/// Why loading stopped before the end of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file ends in the middle of a command (or of a MULTI block).
    Truncated,
    /// Bytes that are not a RESP multibulk command.
    BadFormat,
}

/// Reads the commands of an AOF file (RESP multibulk arrays) one by one.
///
/// `valid_up_to` is the offset just past the last complete command outside a MULTI block: what
/// a truncated file is cut back to (Redis's valid_up_to / valid_before_multi).
pub struct CommandReader {
    data: Bytes,
    pos: usize,
    in_multi: bool,
    /// Offset after the last command that may stay if the tail is cut off.
    pub valid_up_to: usize,
}

impl CommandReader {
    /// A reader over a whole file's bytes, starting at `start` (after an RDB preamble).
    pub fn new(data: Bytes, start: usize) -> CommandReader {
        CommandReader {
            data,
            pos: start,
            in_multi: false,
            valid_up_to: start,
        }
    }

    /// The next command; `None` at a clean end of file.
    pub fn next_command(&mut self) -> Option<Result<Vec<Bytes>, ReadError>> {
        if self.pos >= self.data.len() {
            // A MULTI without its EXEC at the end is an incomplete transaction.
            return self.in_multi.then_some(Err(ReadError::Truncated));
        }
        // Annotations (`#TS:...` lines of aof-timestamp-enabled) are skipped, as Redis does.
        if self.data.get(self.pos) == Some(&b'#') {
            let rest = self.data.get(self.pos..).unwrap_or_default();
            return match rest.iter().position(|&c| c == b'\n') {
                Some(n) => {
                    self.pos += n + 1;
                    if !self.in_multi {
                        self.valid_up_to = self.pos;
                    }
                    self.next_command()
                }
                None => Some(Err(ReadError::Truncated)),
            };
        }
        let r = self.parse_one();
        if let Ok(argv) = &r {
            match argv.first().map(|a| a.as_ref()) {
                Some(n) if n.eq_ignore_ascii_case(b"multi") => self.in_multi = true,
                Some(n) if n.eq_ignore_ascii_case(b"exec") => {
                    self.in_multi = false;
                    self.valid_up_to = self.pos;
                }
                _ if !self.in_multi => self.valid_up_to = self.pos,
                _ => {}
            }
        }
        Some(r)
    }

    fn parse_one(&mut self) -> Result<Vec<Bytes>, ReadError> {
        let data = self.data.clone();
        let mut pos = self.pos;
        let line = |pos: &mut usize| -> Result<&[u8], ReadError> {
            let rest = data.get(*pos..).ok_or(ReadError::Truncated)?;
            let end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or(ReadError::Truncated)?;
            *pos += end + 2;
            rest.get(..end).ok_or(ReadError::Truncated)
        };
        let head = line(&mut pos)?;
        let Some((b'*', n)) = head.split_first() else {
            return Err(ReadError::BadFormat);
        };
        let argc = parse_len(n).ok_or(ReadError::BadFormat)?;
        if argc < 1 {
            return Err(ReadError::BadFormat);
        }
        let mut argv = Vec::with_capacity(argc.min(1024));
        for _ in 0..argc {
            let head = line(&mut pos)?;
            let Some((b'$', n)) = head.split_first() else {
                return Err(ReadError::BadFormat);
            };
            let len = parse_len(n).ok_or(ReadError::BadFormat)?;
            let end = pos.checked_add(len).ok_or(ReadError::BadFormat)?;
            let after = end.checked_add(2).ok_or(ReadError::BadFormat)?;
            if after > data.len() {
                return Err(ReadError::Truncated);
            }
            if data.get(end..after) != Some(&b"\r\n"[..]) {
                return Err(ReadError::BadFormat);
            }
            argv.push(data.slice(pos..end));
            pos = after;
        }
        self.pos = pos;
        Ok(argv)
    }
}

/// Writes every function library and key of `dbs` as commands (Redis's
/// rewriteAppendOnlyFileRio): a FUNCTION LOAD per library (`functions` holds their code),
/// then a SELECT per non-empty database, then SET / RPUSH / SADD / ZADD / HMSET with at most
/// [`REWRITE_ITEMS_PER_CMD`] elements each (streams as rewriteStreamObject), and a PEXPIREAT
/// for keys with a time to live.
pub fn write_commands_base(
    dbs: &Databases,
    functions: &[bytes::Bytes],
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut b = [0u8; 20];
    for code in functions {
        encode_command(&mut out, &[&b"FUNCTION"[..], b"LOAD", code]);
    }
    for i in 0..dbs.count() {
        let Some(db) = dbs.db(i) else { continue };
        if db.is_empty() {
            continue;
        }
        encode_command(&mut out, &[&b"SELECT"[..], num::fmt_i64(i as i64, &mut b)]);
        for (key, entry) in db.iter() {
            write_value(&mut out, key, &entry.value);
            if let Some(when) = db.expire_of(key) {
                let mut t = [0u8; 20];
                encode_command(
                    &mut out,
                    &[&b"PEXPIREAT"[..], key, num::fmt_i64(when, &mut t)],
                );
            }
            if out.len() >= 64 * 1024 {
                w.write_all(&out)?;
                out.clear();
            }
        }
    }
    w.write_all(&out)
}

/// Appends the commands that rebuild one value.
fn write_value(out: &mut Vec<u8>, key: &[u8], value: &Value) {
    match value {
        Value::Stream(s) => write_stream(out, key, s),
        Value::Str(s) => {
            encode_command(out, &[&b"SET"[..], key, &s.to_vec()]);
        }
        Value::List(l) => {
            let items = l.to_vec();
            batched(out, b"RPUSH", key, items.iter().map(|i| vec![i.clone()]));
        }
        Value::Set(s) => {
            batched(out, b"SADD", key, s.iter().map(|m| vec![m.to_vec()]));
        }
        Value::ZSet(z) => {
            let pairs = z
                .iter()
                .map(|(m, score)| vec![num::fmt_double_17g(score).into_bytes(), m.to_vec()]);
            batched(out, b"ZADD", key, pairs);
        }
        Value::Hash(h) => {
            let mut pairs = Vec::with_capacity(h.len());
            h.for_each(|f, v| pairs.push(vec![f.to_vec(), v.to_vec()]));
            batched(out, b"HMSET", key, pairs.into_iter());
        }
    }
}

/// Appends the commands that rebuild a stream (rewriteStreamObject): an XADD with the explicit
/// ID per entry (an empty stream: `XADD key MAXLEN 0 0-1 x y`), XSETID with the last ID,
/// ENTRIESADDED and MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD and per
/// consumer an XCLAIM ... JUSTID FORCE for each pending entry, or XGROUP CREATECONSUMER for a
/// consumer with none.
fn write_stream(out: &mut Vec<u8>, key: &[u8], s: &Stream) {
    let id = |i: StreamId| i.to_string().into_bytes();
    let int = |n: i64| n.to_string().into_bytes();
    if s.is_empty() {
        encode_command(
            out,
            &[&b"XADD"[..], key, b"MAXLEN", b"0", b"0-1", b"x", b"y"],
        );
    } else {
        s.range(StreamId::MIN, StreamId::MAX, false, |eid, pairs| {
            let mut argv: Vec<Vec<u8>> = Vec::with_capacity(3 + pairs.len() * 2);
            argv.push(b"XADD".to_vec());
            argv.push(key.to_vec());
            argv.push(id(eid));
            for (f, v) in pairs {
                argv.push(f.to_vec());
                argv.push(v.to_vec());
            }
            encode_command(out, &argv);
            true
        });
    }
    encode_command(
        out,
        &[
            b"XSETID".to_vec(),
            key.to_vec(),
            id(s.last_id),
            b"ENTRIESADDED".to_vec(),
            int(i64::try_from(s.entries_added).unwrap_or(i64::MAX)),
            b"MAXDELETEDID".to_vec(),
            id(s.max_deleted_id),
        ],
    );
    for (name, g) in &s.groups {
        encode_command(
            out,
            &[
                b"XGROUP".to_vec(),
                b"CREATE".to_vec(),
                key.to_vec(),
                name.to_vec(),
                id(g.last_id),
                b"ENTRIESREAD".to_vec(),
                int(g.entries_read),
            ],
        );
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                encode_command(out, &[&b"XGROUP"[..], b"CREATECONSUMER", key, name, cname]);
                continue;
            }
            for pid in &c.pel {
                let Some(nack) = g.pel.get(pid) else { continue };
                encode_command(
                    out,
                    &[
                        b"XCLAIM".to_vec(),
                        key.to_vec(),
                        name.to_vec(),
                        cname.to_vec(),
                        b"0".to_vec(),
                        id(*pid),
                        b"TIME".to_vec(),
                        int(nack.delivery_time),
                        b"RETRYCOUNT".to_vec(),
                        int(i64::try_from(nack.delivery_count).unwrap_or(i64::MAX)),
                        b"JUSTID".to_vec(),
                        b"FORCE".to_vec(),
                    ],
                );
            }
        }
    }
}

/// Emits `verb key items...` commands of at most [`REWRITE_ITEMS_PER_CMD`] items each; an item
/// is one or two words (a ZADD score and member, a hash field and value).
fn batched(out: &mut Vec<u8>, verb: &[u8], key: &[u8], items: impl Iterator<Item = Vec<Vec<u8>>>) {
    let mut argv: Vec<Vec<u8>> = Vec::new();
    let mut count = 0usize;
    let flush = |argv: &mut Vec<Vec<u8>>, out: &mut Vec<u8>| {
        if argv.len() > 2 {
            encode_command(out, argv);
        }
        argv.clear();
    };
    for item in items {
        if argv.is_empty() {
            argv.push(verb.to_vec());
            argv.push(key.to_vec());
        }
        argv.extend(item);
        count += 1;
        if count == REWRITE_ITEMS_PER_CMD {
            flush(&mut argv, out);
            count = 0;
        }
    }
    flush(&mut argv, out);
}

/// Parses a RESP length: decimal digits only (a leading `-` is refused).
fn parse_len(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Splits a manifest line into words: plain words or double-quoted strings with `\\`, `\"`,
/// `\n`, `\r`, `\t` and `\xHH` escapes (what Redis's sdscatrepr writes).
fn split_words(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let c = *line.get(i)?;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut w = Vec::new();
        if c == b'"' {
            i += 1;
            loop {
                let c = *line.get(i)?;
                i += 1;
                match c {
                    b'"' => break,
                    b'\\' => {
                        let e = *line.get(i)?;
                        i += 1;
                        match e {
                            b'n' => w.push(b'\n'),
                            b'r' => w.push(b'\r'),
                            b't' => w.push(b'\t'),
                            b'x' => {
                                let hex = std::str::from_utf8(line.get(i..i + 2)?).ok()?;
                                w.push(u8::from_str_radix(hex, 16).ok()?);
                                i += 2;
                            }
                            other => w.push(other),
                        }
                    }
                    other => w.push(other),
                }
            }
        } else {
            while let Some(&c) = line.get(i) {
                if c.is_ascii_whitespace() {
                    break;
                }
                w.push(c);
                i += 1;
            }
        }
        words.push(w);
    }
    Some(words)
}

/// A file name as the manifest writes it: bare, or quoted when it holds spaces or unusual bytes.
fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\' && c != b'\'');
    if plain {
        return name.to_string();
    }
    let mut s = String::from("\"");
    for c in name.bytes() {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            c if c.is_ascii_graphic() || c == b' ' => s.push(char::from(c)),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(words: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_command(&mut out, words);
        out
    }

    #[test]
    fn commands_are_resp_multibulk() {
        assert_eq!(
            cmd(&["SET", "k", ""]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
        );
    }

    #[test]
    fn manifest_round_trips_in_redis_s_format() {
        let text = b"file appendonly.aof.2.base.rdb seq 2 type b\n\
                     file appendonly.aof.1.incr.aof seq 1 type h\n\
                     file appendonly.aof.2.incr.aof seq 2 type i\n\
                     file appendonly.aof.3.incr.aof seq 3 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!(m.incrs.len(), 2);
        assert_eq!((m.base_seq, m.incr_seq), (2, 3));
        assert_eq!(m.render().as_bytes(), &text[..]);
    }

    #[test]
    fn manifest_errors_are_refused() {
        assert!(Manifest::parse(b"file a seq 1\n").is_err());
        assert!(Manifest::parse(b"file a seq x type b\n").is_err());
        assert!(Manifest::parse(b"file a seq 1 type b\nfile b seq 2 type b\n").is_err());
        assert!(Manifest::parse(b"file a seq 2 type i\nfile b seq 1 type i\n").is_err());
        // Comments and blank lines are skipped; quoted names are read.
        let m = Manifest::parse(b"# hi\n\nfile \"a b\" seq 1 type b\n").unwrap();
        assert_eq!(m.base.unwrap().name, "a b");
    }

    #[test]
    fn a_rewrite_moves_the_old_base_and_all_but_the_newest_incr_to_history() {
        let mut m = Manifest::default();
        m.new_base("appendonly.aof", true);
        m.new_incr("appendonly.aof");
        m.new_incr("appendonly.aof");
        m.new_base("appendonly.aof", false);
        m.retire_rewritten_incrs();
        assert_eq!(
            m.render(),
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
    }

    #[test]
    fn reader_yields_commands_and_finds_truncated_tails() {
        let mut data = cmd(&["SET", "a", "1"]);
        let whole = data.len();
        data.extend(cmd(&["MULTI"]));
        data.extend(cmd(&["SET", "b", "2"]));
        let mut r = CommandReader::new(Bytes::from(data.clone()), 0);
        assert_eq!(r.next_command().unwrap().unwrap().len(), 3);
        assert_eq!(r.next_command().unwrap().unwrap().len(), 1);
        assert_eq!(r.next_command().unwrap().unwrap().len(), 3);
        // The MULTI never got its EXEC: truncated back to before it.
        assert_eq!(r.next_command(), Some(Err(ReadError::Truncated)));
        assert_eq!(r.valid_up_to, whole);
        let cut = &data[..whole + 3];
        let mut r = CommandReader::new(Bytes::copy_from_slice(cut), 0);
        assert!(r.next_command().unwrap().is_ok());
        assert_eq!(r.next_command(), Some(Err(ReadError::Truncated)));
        let mut r = CommandReader::new(Bytes::from_static(b"+OK\r\n"), 0);
        assert_eq!(r.next_command(), Some(Err(ReadError::BadFormat)));
        let mut r = CommandReader::new(Bytes::from_static(b"*1\r\n$3\r\nabcXY"), 0);
        assert_eq!(r.next_command(), Some(Err(ReadError::BadFormat)));
    }

    #[test]
    fn a_failed_write_keeps_the_buffer_and_reports_strerror() {
        let dir = std::env::temp_dir().join(format!("carmine-aof-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x.incr.aof"), b"").unwrap();
        let mut a = Aof::new(dir.clone(), "x", Manifest::default());
        a.file = Some(File::open(dir.join("x.incr.aof")).unwrap());
        a.feed(0, &[Bytes::from_static(b"SET")]);
        let len = a.buf.len();
        assert!(a.write_buf().is_err());
        assert!(!a.last_write_ok);
        assert_eq!(a.last_write_error, "Bad file descriptor");
        assert_eq!(a.buf.len(), len);
        a.open_incr("x.incr.aof").unwrap();
        a.write_buf().unwrap();
        assert!(a.last_write_ok);
        assert_eq!(std::fs::read(dir.join("x.incr.aof")).unwrap().len(), len);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn feed_selects_the_db_when_it_changes() {
        let mut a = Aof::new(
            PathBuf::from("/nonexistent"),
            "appendonly.aof",
            Manifest::default(),
        );
        a.feed(0, &[Bytes::from_static(b"SET"), Bytes::from_static(b"k")]);
        a.feed(0, &[Bytes::from_static(b"DEL"), Bytes::from_static(b"k")]);
        a.feed(3, &[Bytes::from_static(b"DEL"), Bytes::from_static(b"k")]);
        let mut want = cmd(&["SELECT", "0"]);
        want.extend(cmd(&["SET", "k"]));
        want.extend(cmd(&["DEL", "k"]));
        want.extend(cmd(&["SELECT", "3"]));
        want.extend(cmd(&["DEL", "k"]));
        assert_eq!(a.buf, want);
    }
}
