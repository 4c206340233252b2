//! Scripting: Lua scripts (EVAL) and Lua function libraries (FUNCTION), Redis 7.0's model.
//!
//! `lua` is the interpreter with Redis's sandbox and the reply conversions; `libs` holds the
//! vendored libraries (cjson, cmsgpack, bit, struct); `util::sha1` names scripts. This file holds
//! what the server keeps between runs: [`Scripts`], the EVAL script cache (SHA-1 -> compiled
//! function) and the FUNCTION libraries, each with its own interpreter, created on first use;
//! the shebang parser (`#!lua flags=...`, `#!lua name=...`) and FUNCTION DUMP's payload format.
//! The commands that drive all this, and the glue by which a script runs commands, live in
//! `commands::scripting`.

pub(crate) mod libs;
pub(crate) mod lua;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use bytes::Bytes;

use lua::LuaEngine;

use crate::util::hash::FastBuildHasher;

/// Script flag: the script does not write (`no-writes`).
pub(crate) const FLAG_NO_WRITES: u32 = 1 << 0;
/// Script flag: the script may run when used memory is over maxmemory (`allow-oom`).
pub(crate) const FLAG_ALLOW_OOM: u32 = 1 << 1;
/// Script flag: the script may run on a stale replica (`allow-stale`).
pub(crate) const FLAG_ALLOW_STALE: u32 = 1 << 2;
/// Script flag: the script refuses to run in cluster mode (`no-cluster`).
pub(crate) const FLAG_NO_CLUSTER: u32 = 1 << 3;
/// Script flag: a plain EVAL script with no shebang (Redis's EVAL_COMPAT_MODE).
pub(crate) const FLAG_EVAL_COMPAT: u32 = 1 << 4;
/// Script flag: keys of several slots may be used (`allow-cross-slot-keys`).
pub(crate) const FLAG_CROSS_SLOT: u32 = 1 << 5;

/// The flag names of shebangs and `register_function`, in Redis's order.
pub(crate) const FLAG_NAMES: &[(&str, u32)] = &[
    ("no-writes", FLAG_NO_WRITES),
    ("allow-oom", FLAG_ALLOW_OOM),
    ("allow-stale", FLAG_ALLOW_STALE),
    ("no-cluster", FLAG_NO_CLUSTER),
    ("allow-cross-slot-keys", FLAG_CROSS_SLOT),
];

/// A cached EVAL script.
pub(crate) struct Script {
    /// Its SHA-1 in lowercase hex digits (what errors call it).
    pub sha: String,
    /// The compiled function.
    pub func: mlua::Function,
    /// FLAG_* bits.
    pub flags: u32,
}

/// A registered FUNCTION.
pub(crate) struct FunctionDef {
    /// Its name.
    pub name: String,
    /// Its library's name.
    pub library: String,
    /// The Lua callback.
    pub func: mlua::Function,
    /// FLAG_* bits.
    pub flags: u32,
    /// The description given to register_function, if any.
    pub description: Option<String>,
}

/// A loaded FUNCTION library.
pub(crate) struct Library {
    /// The library's name.
    pub name: String,
    /// The whole code, shebang included.
    pub code: Bytes,
    /// Its functions by name.
    pub functions: BTreeMap<String, Rc<FunctionDef>>,
}

/// What runs now, for SCRIPT KILL / FUNCTION KILL / FUNCTION STATS and BUSY replies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Running {
    /// Whether it is an EVAL script (else a function).
    pub eval: bool,
    /// The function's name (or the script's SHA-1).
    pub name: String,
    /// The command as received.
    pub argv: Vec<Bytes>,
    /// Unix ms when it started.
    pub started_ms: i64,
    /// Whether it has run a write command (it can no longer be killed).
    pub wrote: bool,
    /// A KILL was accepted; the script is being stopped.
    pub kill: bool,
    /// SHUTDOWN NOSAVE was accepted while it ran.
    pub shutdown: bool,
}

/// The scripting state the server keeps: EVAL's cache, FUNCTION's libraries, what runs now.
#[derive(Default)]
pub struct Scripts {
    /// The EVAL interpreter, created on first use.
    pub(crate) eval_engine: Option<Rc<LuaEngine>>,
    /// Cached scripts by lowercase SHA-1 hex digits.
    pub(crate) cache: HashMap<[u8; 40], Rc<Script>, FastBuildHasher>,
    /// Bytes of cached script bodies (INFO used_memory_scripts_eval).
    pub(crate) cache_bytes: usize,
    /// The FUNCTION interpreter, created on first use.
    pub(crate) func_engine: Option<Rc<LuaEngine>>,
    /// Libraries by name.
    pub(crate) libraries: BTreeMap<String, Library>,
    /// Every library's functions by name.
    pub(crate) functions: HashMap<String, Rc<FunctionDef>>,
    /// The script or function running now.
    pub(crate) running: Option<Running>,
    /// A spare script-client session, reused between runs.
    pub(crate) session: Option<crate::commands::Session>,
    /// Command names as scripts spelled them -> registry index of the top-level command, so
    /// redis.call skips the case-folding lookup (the registry does not change while running).
    pub(crate) resolved: Vec<(Bytes, usize)>,
}

impl Scripts {
    /// The EVAL interpreter, created if needed.
    pub(crate) fn eval_engine(&mut self) -> Result<Rc<LuaEngine>, String> {
        if let Some(e) = &self.eval_engine {
            return Ok(e.clone());
        }
        let e = Rc::new(LuaEngine::new(false).map_err(|e| e.to_string())?);
        self.eval_engine = Some(e.clone());
        Ok(e)
    }

    /// The FUNCTION interpreter, created if needed.
    pub(crate) fn func_engine(&mut self) -> Result<Rc<LuaEngine>, String> {
        if let Some(e) = &self.func_engine {
            return Ok(e.clone());
        }
        let e = Rc::new(LuaEngine::new(true).map_err(|e| e.to_string())?);
        self.func_engine = Some(e.clone());
        Ok(e)
    }

    /// The cached script with this SHA-1 (any case).
    pub(crate) fn get(&self, sha: &[u8]) -> Option<Rc<Script>> {
        let mut key = [0u8; 40];
        if sha.len() != 40 {
            return None;
        }
        for (k, c) in key.iter_mut().zip(sha) {
            *k = c.to_ascii_lowercase();
        }
        self.cache.get(&key).cloned()
    }

    /// Compiles and caches `body` (if it is not cached yet); returns its SHA-1 and the script,
    /// or the error line.
    pub(crate) fn load(&mut self, body: &Bytes) -> Result<(String, Rc<Script>), String> {
        let sha = crate::util::sha1::hex_of(body);
        let mut key = [0u8; 40];
        key.copy_from_slice(sha.as_bytes().get(..40).unwrap_or(&[b'0'; 40]));
        if let Some(s) = self.cache.get(&key) {
            return Ok((sha, s.clone()));
        }
        let (flags, shebang_len) = parse_eval_shebang(body)?;
        let engine = self.eval_engine()?;
        let code = body.get(shebang_len..).unwrap_or_default();
        let func = engine
            .compile(code, "@user_script")
            .map_err(|e| format!("ERR Error compiling script (new function): {e}"))?;
        let script = Rc::new(Script {
            sha: sha.clone(),
            func,
            flags,
        });
        self.cache_bytes += body.len();
        self.cache.insert(key, script.clone());
        Ok((sha, script))
    }

    /// SCRIPT FLUSH: drops every cached script and starts a fresh interpreter.
    pub(crate) fn flush_scripts(&mut self) {
        self.cache.clear();
        self.cache_bytes = 0;
        self.eval_engine = None;
    }

    /// INFO memory's scripting figures.
    pub(crate) fn memory_figures(&self) -> MemoryFigures {
        let vm = |e: &Option<Rc<LuaEngine>>| {
            e.as_ref()
                .map_or(EMPTY_LUA_BYTES, |e| e.used_memory() as u64)
        };
        let per_script = SCRIPT_OVERHEAD;
        MemoryFigures {
            vm_eval: vm(&self.eval_engine),
            vm_functions: vm(&self.func_engine),
            scripts_eval: self.cache_bytes as u64 + per_script * self.cache.len() as u64,
            cached_scripts: self.cache.len() as u64,
            functions: self.functions.len() as u64,
            libraries: self.libraries.len() as u64,
            functions_bytes: self
                .libraries
                .values()
                .map(|l| l.code.len() as u64 + per_script * (1 + l.functions.len() as u64))
                .sum(),
        }
    }
}

/// INFO memory's scripting figures (bytes and counts).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemoryFigures {
    /// used_memory_vm_eval (and used_memory_lua).
    pub vm_eval: u64,
    /// used_memory_vm_functions.
    pub vm_functions: u64,
    /// used_memory_scripts_eval.
    pub scripts_eval: u64,
    /// number_of_cached_scripts.
    pub cached_scripts: u64,
    /// number_of_functions.
    pub functions: u64,
    /// number_of_libraries.
    pub libraries: u64,
    /// used_memory_functions.
    pub functions_bytes: u64,
}

/// What an unused interpreter is reported as (Redis's figure for a fresh state).
const EMPTY_LUA_BYTES: u64 = 32768;
/// Bookkeeping counted per cached script or function, besides its code.
const SCRIPT_OVERHEAD: u64 = 96;

/// Parses an EVAL script's shebang: its flags (FLAG_EVAL_COMPAT without one) and the length of
/// the shebang line (without its newline, which stays so line numbers hold).
pub(crate) fn parse_eval_shebang(body: &[u8]) -> Result<(u32, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((FLAG_EVAL_COMPAT, 0));
    }
    let Some(end) = body.iter().position(|&c| c == b'\n') else {
        return Err("ERR Invalid script shebang".into());
    };
    let line = body.get(..end).unwrap_or_default();
    let parts = crate::protocol::parse::split_args(line).unwrap_or_default();
    let Some(first) = parts.first() else {
        return Err("ERR Invalid engine in script shebang".into());
    };
    if first.as_slice() != b"#!lua" {
        return Err(format!(
            "ERR Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(first)
        ));
    }
    let mut flags = 0;
    for p in parts.iter().skip(1) {
        let Some(list) = p.strip_prefix(b"flags=") else {
            return Err(format!(
                "ERR Unknown lua shebang option: {}",
                String::from_utf8_lossy(p)
            ));
        };
        if list.is_empty() {
            continue;
        }
        for f in list.split(|&c| c == b',') {
            flags |= flag_by_name(f).ok_or_else(|| {
                format!(
                    "ERR Unexpected flag in script shebang: {}",
                    String::from_utf8_lossy(f)
                )
            })?;
        }
    }
    Ok((flags, end))
}

/// The FLAG_* bit of a flag name.
pub(crate) fn flag_by_name(name: &[u8]) -> Option<u32> {
    FLAG_NAMES
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|&(_, f)| f)
}

/// A FUNCTION library's metadata: (engine, name) from `#!<engine> name=<name>`, and the
/// length of the shebang line.
pub(crate) fn parse_library_shebang(code: &[u8]) -> Result<(String, String, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("ERR Missing library metadata".into());
    }
    let end = code.iter().position(|&c| c == b'\n').unwrap_or(code.len());
    let line = code.get(..end).unwrap_or_default();
    let parts = crate::protocol::parse::split_args(line).unwrap_or_default();
    let Some(first) = parts.first() else {
        return Err("ERR Invalid library metadata".into());
    };
    let engine = String::from_utf8_lossy(first.get(2..).unwrap_or_default()).into_owned();
    let mut name = None;
    for p in parts.iter().skip(1) {
        match p.strip_prefix(b"name=") {
            Some(n) => name = Some(String::from_utf8_lossy(n).into_owned()),
            None => {
                return Err(format!(
                    "ERR Invalid metadata value given: {}",
                    String::from_utf8_lossy(p)
                ));
            }
        }
    }
    let Some(name) = name else {
        return Err("ERR Library name was not given".into());
    };
    Ok((engine, name, end))
}

/// Whether a library or function name is valid: letters, digits and underscores, at least one.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// RDB_OPCODE_FUNCTION2, the record type of one library in RDB files and FUNCTION DUMP.
const OPCODE_FUNCTION2: u8 = 245;
/// The RDB version Redis 7.0 writes (DUMP payload footers carry it).
const RDB_VERSION: u16 = 10;

/// FUNCTION DUMP's payload: each library as RDB_OPCODE_FUNCTION2 + its code as an RDB string,
/// then the RDB version (2 bytes LE) and the CRC64 of everything before it (8 bytes LE).
pub(crate) fn dump_payload<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        write_rdb_string(&mut out, code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The library codes in a FUNCTION RESTORE payload, or the error line.
pub(crate) fn parse_payload(p: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let bad = || "ERR DUMP payload version or checksum are wrong".to_string();
    if p.len() < 10 {
        return Err(bad());
    }
    let (body, footer) = p.split_at(p.len() - 10);
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    let mut crc = [0u8; 8];
    crc.copy_from_slice(footer.get(2..10).unwrap_or(&[0; 8]));
    let crc = u64::from_le_bytes(crc);
    let covered = p.get(..p.len() - 8).unwrap_or_default();
    if ver > RDB_VERSION || crc64::crc64(0, covered) != crc {
        return Err(bad());
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < body.len() {
        if body.get(pos) != Some(&OPCODE_FUNCTION2) {
            return Err("ERR given type is not a function".into());
        }
        pos += 1;
        let s = read_rdb_string(body, &mut pos).ok_or_else(|| "ERR Bad payload".to_string())?;
        out.push(s);
    }
    Ok(out)
}

fn write_rdb_len(out: &mut Vec<u8>, n: usize) {
    if n < 64 {
        out.push(n as u8);
    } else if n < 16384 {
        out.push(0x40 | (n >> 8) as u8);
        out.push((n & 0xff) as u8);
    } else if let Ok(n32) = u32::try_from(n) {
        out.push(0x80);
        out.extend_from_slice(&n32.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
}

fn write_rdb_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() > crate::util::lzf::RDB_MIN_COMPRESS_LEN
        && let Some(c) = crate::util::lzf::compress(s)
    {
        out.push(0xC3);
        write_rdb_len(out, c.len());
        write_rdb_len(out, s.len());
        out.extend_from_slice(&c);
        return;
    }
    write_rdb_len(out, s.len());
    out.extend_from_slice(s);
}

/// Reads an RDB length; `Err(enc)` for a special encoding byte's type.
fn read_rdb_len(b: &[u8], pos: &mut usize) -> Option<Result<usize, u8>> {
    let first = *b.get(*pos)?;
    *pos += 1;
    Some(match first >> 6 {
        0 => Ok(usize::from(first & 0x3f)),
        1 => {
            let second = *b.get(*pos)?;
            *pos += 1;
            Ok((usize::from(first & 0x3f) << 8) | usize::from(second))
        }
        2 if first == 0x80 => {
            let x = b.get(*pos..*pos + 4)?;
            *pos += 4;
            Ok(u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize)
        }
        2 if first == 0x81 => {
            let x = b.get(*pos..*pos + 8)?;
            *pos += 8;
            let mut a = [0u8; 8];
            a.copy_from_slice(x);
            Ok(usize::try_from(u64::from_be_bytes(a)).ok()?)
        }
        3 => Err(first & 0x3f),
        _ => return None,
    })
}

fn read_rdb_string(b: &[u8], pos: &mut usize) -> Option<Vec<u8>> {
    match read_rdb_len(b, pos)? {
        Ok(n) => {
            let s = b.get(*pos..pos.checked_add(n)?)?.to_vec();
            *pos += n;
            Some(s)
        }
        Err(3) => {
            let clen = read_rdb_len(b, pos)?.ok()?;
            let len = read_rdb_len(b, pos)?.ok()?;
            let c = b.get(*pos..pos.checked_add(clen)?)?;
            *pos += clen;
            crate::util::lzf::decompress(c, len)
        }
        Err(enc) => {
            let n = match enc {
                0 => 1,
                1 => 2,
                2 => 4,
                _ => return None,
            };
            let x = b.get(*pos..*pos + n)?;
            *pos += n;
            let v: i64 = match n {
                1 => i64::from(x[0] as i8),
                2 => i64::from(i16::from_le_bytes([x[0], x[1]])),
                _ => i64::from(i32::from_le_bytes([x[0], x[1], x[2], x[3]])),
            };
            Some(v.to_string().into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags_parse_like_redis() {
        assert_eq!(parse_eval_shebang(b"return 1"), Ok((FLAG_EVAL_COMPAT, 0)));
        assert_eq!(
            parse_eval_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok((FLAG_NO_WRITES | FLAG_ALLOW_OOM, 31))
        );
        assert_eq!(parse_eval_shebang(b"#!lua\nreturn 1"), Ok((0, 5)));
        assert_eq!(
            parse_eval_shebang(b"#!lua flags=bad\n"),
            Err("ERR Unexpected flag in script shebang: bad".to_string())
        );
        assert_eq!(
            parse_eval_shebang(b"#!js\n"),
            Err("ERR Unexpected engine in script shebang: #!js".to_string())
        );
        assert_eq!(
            parse_eval_shebang(b"#!lua x=1\n"),
            Err("ERR Unknown lua shebang option: x=1".to_string())
        );
        assert_eq!(
            parse_eval_shebang(b"#!lua"),
            Err("ERR Invalid script shebang".to_string())
        );
    }

    #[test]
    fn dump_payload_round_trips_with_compression() {
        let long = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)";
        let p = dump_payload([&long[..], b"#!lua name=x\n"].into_iter());
        assert_eq!(p.first(), Some(&OPCODE_FUNCTION2));
        let codes = parse_payload(&p).unwrap_or_default();
        assert_eq!(codes, vec![long.to_vec(), b"#!lua name=x\n".to_vec()]);
        let mut bad = p.clone();
        if let Some(b) = bad.last_mut() {
            *b ^= 1;
        }
        assert!(parse_payload(&bad).is_err());
    }
}
