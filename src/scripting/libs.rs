//! The libraries Redis vendors into its Lua, written in Rust: `cjson` (lua-cjson 2.1),
//! `cmsgpack` (lua-cmsgpack), `bit` (LuaBitOp) and `struct` (lua-struct), with their behaviour
//! for what scripts use: cjson.encode/decode (number precision 14, sparse-array rule, `/`
//! escaped, cjson.null), cmsgpack.pack/unpack (smallest encodings, str8 = 0xd9, tables with
//! keys 1..n as arrays), bit.* on 32-bit integers, struct.pack/unpack/size.
//!
//! Errors are raised as plain messages ([`raise_str`]); the sandbox's handler prefixes the
//! script position as luaL_error would.

use mlua::{Lua, LuaString, MultiValue, Table, Value};

use super::lua::raise_str;

/// Installs cjson, cmsgpack, bit and struct into `globals`.
pub(crate) fn register(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    globals.raw_set("bit", bit_lib(lua)?)?;
    globals.raw_set("cjson", cjson_lib(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack_lib(lua)?)?;
    globals.raw_set("struct", struct_lib(lua)?)?;
    Ok(())
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// bit

/// LuaBitOp's number normalisation: the low 32 bits after adding 2^52 + 2^51.
fn tobit(n: f64) -> i32 {
    (n + 6_755_399_441_055_744.0).to_bits() as u32 as i32
}

fn bit_arg(args: &[Value], i: usize, name: &str) -> mlua::Result<i32> {
    args.get(i).and_then(num).map(tobit).ok_or_else(|| {
        raise_str(format!(
            "bad argument #{} to '{name}' (number expected, got {})",
            i + 1,
            args.get(i).map_or("no value", |v| v.type_name())
        ))
    })
}

fn bit_lib(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "tobit",
        lua.create_function(|_, a: MultiValue| Ok(f64::from(bit_arg(&a.into_vec(), 0, "tobit")?)))?,
    )?;
    t.raw_set(
        "bnot",
        lua.create_function(|_, a: MultiValue| Ok(f64::from(!bit_arg(&a.into_vec(), 0, "bnot")?)))?,
    )?;
    t.raw_set(
        "bswap",
        lua.create_function(|_, a: MultiValue| {
            Ok(f64::from(bit_arg(&a.into_vec(), 0, "bswap")?.swap_bytes()))
        })?,
    )?;
    for (name, op) in [("band", 0u8), ("bor", 1), ("bxor", 2)] {
        t.raw_set(
            name,
            lua.create_function(move |_, a: MultiValue| {
                let a = a.into_vec();
                let mut acc = bit_arg(&a, 0, name)?;
                for i in 1..a.len() {
                    let v = bit_arg(&a, i, name)?;
                    acc = match op {
                        0 => acc & v,
                        1 => acc | v,
                        _ => acc ^ v,
                    };
                }
                Ok(f64::from(acc))
            })?,
        )?;
    }
    for (name, op) in [
        ("lshift", 0u8),
        ("rshift", 1),
        ("arshift", 2),
        ("rol", 3),
        ("ror", 4),
    ] {
        t.raw_set(
            name,
            lua.create_function(move |_, a: MultiValue| {
                let a = a.into_vec();
                let x = bit_arg(&a, 0, name)?;
                let n = (bit_arg(&a, 1, name)? & 31) as u32;
                let u = x as u32;
                let r = match op {
                    0 => u << n,
                    1 => u >> n,
                    2 => (x >> n) as u32,
                    3 => u.rotate_left(n),
                    _ => u.rotate_right(n),
                };
                Ok(f64::from(r as i32))
            })?,
        )?;
    }
    t.raw_set(
        "tohex",
        lua.create_function(|lua, a: MultiValue| {
            let a = a.into_vec();
            let x = bit_arg(&a, 0, "tohex")? as u32;
            let mut n: i32 = if a.get(1).is_some_and(|v| !v.is_nil()) {
                bit_arg(&a, 1, "tohex")?
            } else {
                8
            };
            let upper = n < 0;
            if upper {
                n = n.saturating_neg();
            }
            let n = n.clamp(0, 8) as usize;
            let s = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            lua.create_string(s.get(8 - n..).unwrap_or_default())
        })?,
    )?;
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// cjson

const MAX_DEPTH: usize = 1000;

fn cjson_lib(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "null",
        Value::LightUserData(mlua::LightUserData(std::ptr::null_mut())),
    )?;
    t.raw_set(
        "encode",
        lua.create_function(|lua, a: MultiValue| {
            if a.len() != 1 {
                return Err(raise_str(
                    "bad argument #1 to 'encode' (expected 1 argument)".into(),
                ));
            }
            let mut out = Vec::new();
            json_encode(a.iter().next().unwrap_or(&Value::Nil), &mut out, 0)?;
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "decode",
        lua.create_function(|lua, a: MultiValue| {
            let s = match a.iter().next() {
                Some(Value::String(s)) if a.len() == 1 => s.as_bytes().to_vec(),
                _ => {
                    return Err(raise_str(
                        "bad argument #1 to 'decode' (expected 1 argument)".into(),
                    ));
                }
            };
            let mut p = JsonParser { s: &s, pos: 0 };
            p.ws();
            let v = p.value(lua, 0)?;
            p.ws();
            if p.pos < s.len() {
                return Err(p.err("the end", "invalid token"));
            }
            Ok(v)
        })?,
    )?;
    for name in [
        "encode_keep_buffer",
        "encode_max_depth",
        "decode_max_depth",
        "encode_number_precision",
        "encode_sparse_array",
        "encode_invalid_numbers",
        "decode_invalid_numbers",
    ] {
        t.raw_set(name, lua.create_function(|_, a: MultiValue| Ok(a))?)?;
    }
    Ok(t)
}

/// lua-cjson's number format: `%.14g`.
fn fmt_num(n: f64) -> String {
    crate::util::num::fmt_f64_g(n, 14)
}

fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 || c == 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn json_encode(v: &Value, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => out.extend_from_slice(fmt_num(*n as f64).as_bytes()),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err(raise_str(
                    "Cannot serialise number: must not be NaN or Inf".into(),
                ));
            }
            out.extend_from_slice(fmt_num(*n).as_bytes());
        }
        Value::String(s) => json_string(&s.as_bytes(), out),
        Value::Table(t) => {
            if depth + 1 > MAX_DEPTH {
                return Err(raise_str(format!(
                    "Cannot serialise, excessive nesting ({})",
                    depth + 1
                )));
            }
            // lua_array_length: keys all positive integers -> array, unless too sparse.
            let mut max = 0usize;
            let mut items = 0usize;
            let mut is_array = true;
            for pair in t.clone().pairs::<Value, Value>() {
                let (k, _) = pair?;
                match num(&k).filter(|_| matches!(k, Value::Integer(_) | Value::Number(_))) {
                    Some(f) if f >= 1.0 && f.fract() == 0.0 => {
                        max = max.max(f as usize);
                        items += 1;
                    }
                    _ => {
                        is_array = false;
                        break;
                    }
                }
            }
            if is_array && max > 0 {
                if max > items.saturating_mul(2) && max > 10 {
                    return Err(raise_str(
                        "Cannot serialise table: excessively sparse array".into(),
                    ));
                }
                out.push(b'[');
                for i in 1..=max {
                    if i > 1 {
                        out.push(b',');
                    }
                    json_encode(&t.raw_get::<Value>(i)?, out, depth + 1)?;
                }
                out.push(b']');
                return Ok(());
            }
            out.push(b'{');
            let mut first = true;
            for pair in t.clone().pairs::<Value, Value>() {
                let (k, val) = pair?;
                if !first {
                    out.push(b',');
                }
                first = false;
                match &k {
                    Value::String(s) => json_string(&s.as_bytes(), out),
                    Value::Integer(n) => json_string(n.to_string().as_bytes(), out),
                    Value::Number(n) => json_string(fmt_num(*n).as_bytes(), out),
                    _ => {
                        return Err(raise_str(
                            "Cannot serialise table: table key must be a number or string".into(),
                        ));
                    }
                }
                out.push(b':');
                json_encode(&val, out, depth + 1)?;
            }
            out.push(b'}');
        }
        other => {
            return Err(raise_str(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            )));
        }
    }
    Ok(())
}

struct JsonParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl JsonParser<'_> {
    fn err(&self, expected: &str, found: &str) -> mlua::Error {
        let found = if self.pos >= self.s.len() {
            "T_END"
        } else {
            found
        };
        raise_str(format!(
            "Expected {expected} but found {found} at character {}",
            self.pos + 1
        ))
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, lua: &Lua, depth: usize) -> mlua::Result<Value> {
        if depth > MAX_DEPTH {
            return Err(raise_str(format!(
                "Found too many nested data structures ({depth}) at character {}",
                self.pos + 1
            )));
        }
        match self.s.get(self.pos) {
            None => Err(self.err("value", "T_END")),
            Some(b'{') => {
                self.pos += 1;
                let t = lua.create_table()?;
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(Value::Table(t));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return Err(self.err("object key string", "invalid token"));
                    }
                    let k = self.string(lua)?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return Err(self.err("colon", "invalid token"));
                    }
                    self.pos += 1;
                    self.ws();
                    let v = self.value(lua, depth + 1)?;
                    t.raw_set(k, v)?;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::Table(t));
                        }
                        _ => return Err(self.err("comma or object end", "invalid token")),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let t = lua.create_table()?;
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(Value::Table(t));
                }
                let mut i = 1;
                loop {
                    self.ws();
                    let v = self.value(lua, depth + 1)?;
                    t.raw_set(i, v)?;
                    i += 1;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Table(t));
                        }
                        _ => return Err(self.err("comma or array end", "invalid token")),
                    }
                }
            }
            Some(b'"') => self.string(lua),
            Some(b't') if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            Some(b'f') if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            Some(b'n') if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Value::LightUserData(mlua::LightUserData(
                    std::ptr::null_mut(),
                )))
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.pos;
                while matches!(
                    self.s.get(self.pos),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                ) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(n) => Ok(Value::Number(n)),
                    Err(_) => {
                        self.pos = start;
                        Err(self.err("value", "invalid number"))
                    }
                }
            }
            Some(_) => Err(self.err("value", "invalid token")),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.pos += 4;
        Some(v)
    }

    fn string(&mut self, lua: &Lua) -> mlua::Result<Value> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                self.pos = start;
                return Err(self.err("value", "unexpected end of string"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        self.pos = start;
                        return Err(self.err("value", "invalid escape code"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(mut cp) = self.hex4() else {
                                self.pos = start;
                                return Err(self.err("value", "invalid unicode escape code"));
                            };
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4().unwrap_or(0);
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.pos = start;
                            return Err(self.err("value", "invalid escape code"));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        Ok(Value::String(lua.create_string(&out)?))
    }
}

// ---------------------------------------------------------------------------------------------
// cmsgpack

const MSGPACK_MAX_NESTING: usize = 16;

fn cmsgpack_lib(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, a: MultiValue| {
            if a.is_empty() {
                return Err(raise_str(
                    "bad argument #0 to 'pack' (MessagePack pack needs input.)".into(),
                ));
            }
            let mut out = Vec::new();
            for v in a.iter() {
                mp_encode(v, &mut out, 0)?;
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, a: MultiValue| {
            // luaL_checklstring: a number is taken as its string form.
            let s = match a.front() {
                Some(v @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => {
                    lua.coerce_string(v.clone())?
                }
                _ => None,
            };
            let Some(s) = s else {
                let got = a.front().map_or("no value", Value::type_name);
                return Err(raise_str(format!(
                    "bad argument #1 to 'unpack' (string expected, got {got})"
                )));
            };
            let b = s.as_bytes().to_vec();
            let mut pos = 0;
            let mut out = MultiValue::new();
            while pos < b.len() {
                out.push_back(mp_decode(lua, &b, &mut pos)?);
            }
            Ok(out)
        })?,
    )?;
    Ok(t)
}

fn mp_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn mp_len(out: &mut Vec<u8>, n: usize, fix: u8, fix_max: usize, b16: u8, b32: u8) {
    if n < fix_max {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn mp_encode(v: &Value, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    match v {
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(n) => mp_int(*n, out),
        Value::Number(d) => {
            let d = *d;
            if d.is_finite() && d.fract() == 0.0 && (-9.2e18..=9.2e18).contains(&d) {
                mp_int(d as i64, out);
            } else if f64::from(d as f32) == d || d.is_nan() && (d as f32).is_nan() {
                out.push(0xca);
                out.extend_from_slice(&(d as f32).to_be_bytes());
            } else {
                out.push(0xcb);
                out.extend_from_slice(&d.to_be_bytes());
            }
        }
        Value::String(s) => {
            let b = s.as_bytes();
            let n = b.len();
            if n < 32 {
                out.push(0xa0 | n as u8);
            } else if n <= 0xff {
                out.extend_from_slice(&[0xd9, n as u8]);
            } else if n <= 0xffff {
                out.push(0xda);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            } else {
                out.push(0xdb);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(&b);
        }
        Value::Table(t) if depth < MSGPACK_MAX_NESTING => {
            let mut max = 0.0f64;
            let mut count = 0usize;
            let mut array = true;
            for pair in t.clone().pairs::<Value, Value>() {
                let (k, _) = pair?;
                match k {
                    Value::Integer(n) if n > 0 => {
                        max = max.max(n as f64);
                        count += 1;
                    }
                    Value::Number(n) if n > 0.0 && n.fract() == 0.0 => {
                        max = max.max(n);
                        count += 1;
                    }
                    _ => array = false,
                }
            }
            if array && max == count as f64 {
                mp_len(out, count, 0x90, 16, 0xdc, 0xdd);
                for i in 1..=count {
                    mp_encode(&t.raw_get::<Value>(i)?, out, depth + 1)?;
                }
            } else {
                let pairs: Vec<(Value, Value)> = t
                    .clone()
                    .pairs::<Value, Value>()
                    .collect::<mlua::Result<_>>()?;
                mp_len(out, pairs.len(), 0x80, 16, 0xde, 0xdf);
                for (k, v) in &pairs {
                    mp_encode(k, out, depth + 1)?;
                    mp_encode(v, out, depth + 1)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

fn mp_take<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let end = pos.checked_add(n).filter(|&e| e <= b.len());
    let Some(end) = end else {
        return Err(raise_str("Missing bytes in input.".into()));
    };
    let s = &b[*pos..end];
    *pos = end;
    Ok(s)
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn mp_decode(lua: &Lua, b: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let c = mp_take(b, pos, 1)?[0];
    let n = |pos: &mut usize, k: usize| -> mlua::Result<u64> { Ok(be(mp_take(b, pos, k)?)) };
    Ok(match c {
        0x00..=0x7f => Value::Number(f64::from(c)),
        0xe0..=0xff => Value::Number(f64::from(c as i8)),
        0xc0 => Value::Nil,
        0xc2 => Value::Boolean(false),
        0xc3 => Value::Boolean(true),
        0xcc => Value::Number(n(pos, 1)? as f64),
        0xcd => Value::Number(n(pos, 2)? as f64),
        0xce => Value::Number(n(pos, 4)? as f64),
        0xcf => Value::Number(n(pos, 8)? as f64),
        0xd0 => Value::Number(f64::from(n(pos, 1)? as u8 as i8)),
        0xd1 => Value::Number(f64::from(n(pos, 2)? as u16 as i16)),
        0xd2 => Value::Number(f64::from(n(pos, 4)? as u32 as i32)),
        0xd3 => Value::Number(n(pos, 8)? as i64 as f64),
        0xca => Value::Number(f64::from(f32::from_bits(n(pos, 4)? as u32))),
        0xcb => Value::Number(f64::from_bits(n(pos, 8)?)),
        0xa0..=0xbf => str_val(lua, mp_take(b, pos, usize::from(c & 0x1f))?)?,
        // lua-cmsgpack as Redis vendors it has no bin types (0xc4..0xc6): bad data format.
        0xd9 => {
            let l = n(pos, 1)? as usize;
            str_val(lua, mp_take(b, pos, l)?)?
        }
        0xda => {
            let l = n(pos, 2)? as usize;
            str_val(lua, mp_take(b, pos, l)?)?
        }
        0xdb => {
            let l = n(pos, 4)? as usize;
            str_val(lua, mp_take(b, pos, l)?)?
        }
        0x90..=0x9f => mp_array(lua, b, pos, usize::from(c & 0x0f))?,
        0xdc => {
            let l = n(pos, 2)? as usize;
            mp_array(lua, b, pos, l)?
        }
        0xdd => {
            let l = n(pos, 4)? as usize;
            mp_array(lua, b, pos, l)?
        }
        0x80..=0x8f => mp_map(lua, b, pos, usize::from(c & 0x0f))?,
        0xde => {
            let l = n(pos, 2)? as usize;
            mp_map(lua, b, pos, l)?
        }
        0xdf => {
            let l = n(pos, 4)? as usize;
            mp_map(lua, b, pos, l)?
        }
        _ => return Err(raise_str("Bad data format in input.".into())),
    })
}

fn str_val(lua: &Lua, b: &[u8]) -> mlua::Result<Value> {
    Ok(Value::String(lua.create_string(b)?))
}

fn mp_array(lua: &Lua, b: &[u8], pos: &mut usize, n: usize) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(n.min(1024), 0)?;
    for i in 1..=n {
        t.raw_set(i, mp_decode(lua, b, pos)?)?;
    }
    Ok(Value::Table(t))
}

fn mp_map(lua: &Lua, b: &[u8], pos: &mut usize, n: usize) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    for _ in 0..n {
        let k = mp_decode(lua, b, pos)?;
        let v = mp_decode(lua, b, pos)?;
        // lua_settable's errors, raised from C (no position).
        match k {
            Value::Nil => return Err(mlua::Error::runtime("table index is nil")),
            Value::Number(d) if d.is_nan() => {
                return Err(mlua::Error::runtime("table index is NaN"));
            }
            k => t.raw_set(k, v)?,
        }
    }
    Ok(Value::Table(t))
}

// ---------------------------------------------------------------------------------------------
// struct

struct Fmt<'a> {
    f: &'a [u8],
    i: usize,
    little: bool,
    align: usize,
    name: &'static str,
}

impl Fmt<'_> {
    fn size_suffix(&mut self, default: usize) -> usize {
        let start = self.i;
        while self.f.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        std::str::from_utf8(&self.f[start..self.i])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }

    /// The next item: (option char, size); options that set state return None for size.
    fn next(&mut self) -> mlua::Result<Option<(u8, usize)>> {
        loop {
            let Some(&c) = self.f.get(self.i) else {
                return Ok(None);
            };
            self.i += 1;
            let size = match c {
                b' ' => continue,
                b'<' => {
                    self.little = true;
                    continue;
                }
                b'>' => {
                    self.little = false;
                    continue;
                }
                b'=' => {
                    self.little = cfg!(target_endian = "little");
                    continue;
                }
                b'!' => {
                    // lua-struct's MAXALIGN bounds the alignment.
                    self.align = self.size_suffix(8).clamp(1, 16);
                    continue;
                }
                b'b' | b'B' | b'x' => 1,
                b'h' | b'H' => 2,
                b'l' | b'L' | b'T' | b'd' => 8,
                b'f' => 4,
                b'i' | b'I' => {
                    let n = self.size_suffix(4);
                    if !(1..=8).contains(&n) {
                        return Err(raise_str(format!(
                            "bad argument #1 to '{}' (integral size {n} is not valid)",
                            self.name
                        )));
                    }
                    n
                }
                b'c' => self.size_suffix(1),
                b's' => 0,
                _ => {
                    return Err(raise_str(format!(
                        "bad argument #1 to '{}' (invalid format option '{}')",
                        self.name, c as char
                    )));
                }
            };
            return Ok(Some((c, size)));
        }
    }

    fn pad(&self, pos: usize, size: usize, c: u8) -> usize {
        if self.align <= 1 || matches!(c, b'c' | b's' | b'x') {
            return 0;
        }
        let a = size.min(self.align);
        if a == 0 || pos.is_multiple_of(a) {
            0
        } else {
            a - pos % a
        }
    }
}

fn struct_lib(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, a: MultiValue| {
            let a = a.into_vec();
            let Some(Value::String(fs)) = a.first() else {
                return Err(raise_str(
                    "bad argument #1 to 'pack' (string expected)".into(),
                ));
            };
            let f = fs.as_bytes().to_vec();
            let mut fmt = Fmt {
                f: &f,
                i: 0,
                little: true,
                align: 1,
                name: "pack",
            };
            let mut out = Vec::new();
            let mut arg = 1;
            while let Some((c, size)) = fmt.next()? {
                let pad = fmt.pad(out.len(), size, c);
                out.extend(std::iter::repeat_n(0u8, pad));
                match c {
                    b'x' => out.push(0),
                    b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                        let v = a.get(arg).and_then(num).ok_or_else(|| {
                            raise_str(format!(
                                "bad argument #{} to 'pack' (number expected)",
                                arg + 1
                            ))
                        })?;
                        arg += 1;
                        let n = if v < 0.0 { v as i64 as u64 } else { v as u64 };
                        let bytes = n.to_le_bytes();
                        let mut chunk: Vec<u8> = bytes.get(..size).unwrap_or(&bytes).to_vec();
                        if !fmt.little {
                            chunk.reverse();
                        }
                        out.extend_from_slice(&chunk);
                    }
                    b'f' | b'd' => {
                        let v = a.get(arg).and_then(num).ok_or_else(|| {
                            raise_str(format!(
                                "bad argument #{} to 'pack' (number expected)",
                                arg + 1
                            ))
                        })?;
                        arg += 1;
                        let mut chunk = if c == b'f' {
                            (v as f32).to_le_bytes().to_vec()
                        } else {
                            v.to_le_bytes().to_vec()
                        };
                        if !fmt.little {
                            chunk.reverse();
                        }
                        out.extend_from_slice(&chunk);
                    }
                    b'c' | b's' => {
                        let s = match a.get(arg) {
                            Some(v @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => {
                                lua.coerce_string(v.clone())?
                                    .map(|s| s.as_bytes().to_vec())
                                    .unwrap_or_default()
                            }
                            _ => {
                                return Err(raise_str(format!(
                                    "bad argument #{} to 'pack' (string expected)",
                                    arg + 1
                                )));
                            }
                        };
                        arg += 1;
                        if c == b's' {
                            out.extend_from_slice(&s);
                            out.push(0);
                        } else {
                            let n = if size == 0 { s.len() } else { size };
                            if s.len() < n {
                                return Err(raise_str(format!(
                                    "bad argument #{arg} to 'pack' (string too short)"
                                )));
                            }
                            out.extend_from_slice(&s[..n]);
                        }
                    }
                    _ => {}
                }
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, a: MultiValue| {
            let a = a.into_vec();
            let (Some(Value::String(fs)), Some(Value::String(data))) = (a.first(), a.get(1)) else {
                return Err(raise_str(
                    "bad argument #2 to 'unpack' (string expected)".into(),
                ));
            };
            let f = fs.as_bytes().to_vec();
            let d = data.as_bytes().to_vec();
            let mut pos = a
                .get(2)
                .and_then(num)
                .map_or(0, |p| (p as usize).saturating_sub(1));
            let take = |pos: usize, n: usize| -> mlua::Result<&[u8]> {
                pos.checked_add(n)
                    .and_then(|end| d.get(pos..end))
                    .ok_or_else(|| {
                        raise_str("bad argument #2 to 'unpack' (data string too short)".into())
                    })
            };
            let mut fmt = Fmt {
                f: &f,
                i: 0,
                little: true,
                align: 1,
                name: "unpack",
            };
            let mut out = MultiValue::new();
            let mut last_num: Option<f64> = None;
            let short = || raise_str("bad argument #2 to 'unpack' (data string too short)".into());
            while let Some((c, size)) = fmt.next()? {
                pos = pos.saturating_add(fmt.pad(pos, size, c));
                match c {
                    b'x' => pos = pos.saturating_add(1),
                    b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                        let mut chunk = take(pos, size)?.to_vec();
                        pos += size;
                        if !fmt.little {
                            chunk.reverse();
                        }
                        let mut v: u64 = 0;
                        for (k, b) in chunk.iter().enumerate() {
                            v |= u64::from(*b) << (8 * k);
                        }
                        let signed = c.is_ascii_lowercase();
                        let n = if signed && size < 8 && v & (1u64 << (size * 8 - 1)) != 0 {
                            (v | (!0u64 << (size * 8))) as i64 as f64
                        } else if signed {
                            v as i64 as f64
                        } else {
                            v as f64
                        };
                        last_num = Some(n);
                        out.push_back(Value::Number(n));
                    }
                    b'f' | b'd' => {
                        let mut chunk = take(pos, size)?.to_vec();
                        pos += size;
                        if !fmt.little {
                            chunk.reverse();
                        }
                        let n = if c == b'f' {
                            let mut x = [0u8; 4];
                            x.copy_from_slice(&chunk);
                            f64::from(f32::from_le_bytes(x))
                        } else {
                            let mut x = [0u8; 8];
                            x.copy_from_slice(&chunk);
                            f64::from_le_bytes(x)
                        };
                        out.push_back(Value::Number(n));
                    }
                    b'c' => {
                        let n = if size == 0 {
                            last_num.map_or(0, |n| n as usize)
                        } else {
                            size
                        };
                        let s = take(pos, n)?;
                        pos += n;
                        out.push_back(Value::String(lua.create_string(s)?));
                    }
                    b's' => {
                        let rest = d.get(pos..).ok_or_else(short)?;
                        let end = rest
                            .iter()
                            .position(|&b| b == 0)
                            .ok_or_else(|| raise_str("unfinished string in data".into()))?;
                        out.push_back(Value::String(lua.create_string(&rest[..end])?));
                        pos += end + 1;
                    }
                    _ => {}
                }
            }
            out.push_back(Value::Number((pos + 1) as f64));
            Ok(out)
        })?,
    )?;
    t.raw_set(
        "size",
        lua.create_function(|_, f: LuaString| {
            let f = f.as_bytes().to_vec();
            let mut fmt = Fmt {
                f: &f,
                i: 0,
                little: true,
                align: 1,
                name: "size",
            };
            let mut pos = 0usize;
            while let Some((c, size)) = fmt.next()? {
                if c == b's' {
                    return Err(raise_str("options 'c0' - 's' have undefined sizes".into()));
                }
                pos = pos
                    .saturating_add(fmt.pad(pos, size, c))
                    .saturating_add(size);
            }
            Ok(pos as f64)
        })?,
    )?;
    Ok(t)
}
