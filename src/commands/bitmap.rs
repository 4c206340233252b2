//! The bitmap command group: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO,
//! following Redis 7.0.15's bitops.c. Bitmaps are plain strings (types::string); the bit
//! algorithms live in types::bits.
//!
//! Writers go through [`write_bits`], Redis's lookupStringForBitCommand: the string is created
//! (zero-filled, `raw`) or turned `raw` and zero-padded so the highest bit written exists, even
//! when the write then changes nothing. A write counts as a change (dirty, WATCH, the "setbit"
//! event, propagation) only when the string grew or a bit actually flipped, as in Redis.
//! Readers see an `int`-encoded string as its decimal text.

use bytes::Bytes;

use super::args::{arg, c_is, parse_i64};
use super::error::CmdError;
use super::string::store;
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_NEW, NOTIFY_STRING};
use crate::types::bits::{self, BitOp, Overflow};
use crate::types::string::StrValue;
use crate::types::value::Value;

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("setbit", setbit),
    ("getbit", getbit),
    ("bitcount", bitcount),
    ("bitpos", bitpos),
    ("bitop", bitop),
    ("bitfield", bitfield),
    ("bitfield_ro", bitfield_ro),
];

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// getBitOffsetFromArgument: a bit offset below 8 * proto-max-bulk-len; with `hash_bits`, the
/// `#N` form means N times that width (BITFIELD).
fn bit_offset(ctx: &Ctx<'_>, b: &[u8], hash_bits: Option<u32>) -> Result<u64, CmdError> {
    let (digits, mul) = match (b.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (b.get(1..).unwrap_or_default(), i64::from(bits)),
        _ => (b, 1),
    };
    let n = parse_i64(digits).map_err(|_| CmdError::Static(BAD_OFFSET))?;
    let n = n.wrapping_mul(mul);
    if n < 0 || (n >> 3) >= ctx.core.config.proto_max_bulk_len {
        return Err(CmdError::Static(BAD_OFFSET));
    }
    Ok(n as u64)
}

/// The string at `key` for a bit command's reading: its bytes (an `int` as text), or `None`
/// when the key is missing; WRONGTYPE for another type.
fn read_bits<'a>(
    ctx: &'a mut Ctx<'_>,
    key: &[u8],
    buf: &'a mut [u8; 20],
) -> Result<Option<&'a [u8]>, CmdError> {
    match ctx.lookup_read_inline(key) {
        None => Ok(None),
        Some(e) => match &e.value {
            Value::Str(s) => Ok(Some(s.bytes(buf))),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// lookupStringForBitCommand, then `f` on the string's buffer, made `raw` and at least
/// `max_bit / 8 + 1` bytes long. `f` is told whether the string was created or grew and returns
/// its result and how many changes it made; a change is recorded once (dirty counts `changes`,
/// WATCH, the "setbit" event) when there were any.
fn write_bits<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    max_bit: u64,
    f: impl FnOnce(&mut Vec<u8>, bool) -> (R, u64),
) -> Result<R, CmdError> {
    let len = usize::try_from(max_bit >> 3)
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or(CmdError::Static(BAD_OFFSET))?;
    let (r, changes) = match ctx.lookup_write_inline(key) {
        Some(e) => {
            let Value::Str(s) = &mut e.value else {
                return Err(CmdError::WrongType);
            };
            s.with_raw(|v| {
                let grew = v.len() < len;
                if grew {
                    v.resize(len, 0);
                }
                f(v, grew)
            })
        }
        None => {
            let mut v = vec![0u8; len];
            let out = f(&mut v, true);
            let (db, now) = (ctx.db(), ctx.now_ms);
            ctx.core
                .dbs
                .set(db, key, Value::Str(StrValue::Raw(v)), false, now);
            ctx.notify(NOTIFY_NEW, "new", key);
            out
        }
    };
    if changes > 0 {
        ctx.touched(key);
        ctx.core.dbs.dirty += changes - 1;
        ctx.notify(NOTIFY_STRING, "setbit", key);
    }
    Ok(r)
}

/// SETBIT key offset value
fn setbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    const BAD_BIT: &str = "ERR bit is not an integer or out of range";
    let offset = bit_offset(ctx, arg(argv, 2), None)?;
    let on = match parse_i64(arg(argv, 3)) {
        Ok(0) => false,
        Ok(1) => true,
        _ => return Err(CmdError::Static(BAD_BIT)),
    };
    let old = write_bits(ctx, arg(argv, 1), offset, |v, grew| {
        let old = bits::get_bit(v, offset);
        if grew || old != on {
            bits::set_bit(v, offset, on);
            (old, 1)
        } else {
            (old, 0)
        }
    })?;
    ctx.reply.int(i64::from(old));
    Ok(())
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let offset = bit_offset(ctx, arg(argv, 2), None)?;
    let mut buf = [0u8; 20];
    let bit = read_bits(ctx, arg(argv, 1), &mut buf)?.is_some_and(|s| bits::get_bit(s, offset));
    ctx.reply.int(i64::from(bit));
    Ok(())
}

/// A BIT|BYTE unit argument: whether it says BIT.
fn unit_is_bit(b: &[u8]) -> Result<bool, CmdError> {
    if c_is(b, "bit") {
        Ok(true)
    } else if c_is(b, "byte") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// A range resolved to whole bytes `[start, end]` of the string, with the bits of the first
/// and last byte that lie outside a BIT range (Redis's negative masks).
struct ByteRange {
    start: i64,
    end: i64,
    first_mask: u8,
    last_mask: u8,
}

/// Converts negative indexes and clamps `[start, end]` to a string of `len` bytes, in bits
/// when `is_bit` (the shared part of BITCOUNT and BITPOS).
fn clamp_range(mut start: i64, mut end: i64, len: usize, is_bit: bool) -> ByteRange {
    let mut total = i64::try_from(len).unwrap_or(i64::MAX >> 3);
    if is_bit {
        total <<= 3;
    }
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if is_bit && start <= end {
        first_mask = !((1u32 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    ByteRange {
        start,
        end,
        first_mask,
        last_mask,
    }
}

/// The bytes `[start, end]` of `s` (both already clamped into it).
fn span(s: &[u8], start: i64, end: i64) -> &[u8] {
    match (usize::try_from(start), usize::try_from(end)) {
        (Ok(a), Ok(b)) => s.get(a..=b).unwrap_or_default(),
        _ => &[],
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]. As in 7.0 the key is looked up before the range is
/// parsed: a missing key answers 0 whatever follows.
fn bitcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut buf = [0u8; 20];
    let Some(s) = read_bits(ctx, arg(argv, 1), &mut buf)? else {
        ctx.reply.int(0);
        return Ok(());
    };
    let r = match argv.len() {
        2 => clamp_range(0, -1, s.len(), false),
        4 | 5 => {
            let start = parse_i64(arg(argv, 2))?;
            let end = parse_i64(arg(argv, 3))?;
            let is_bit = argv.len() == 5 && unit_is_bit(arg(argv, 4))?;
            if start < 0 && end < 0 && start > end {
                ctx.reply.int(0);
                return Ok(());
            }
            clamp_range(start, end, s.len(), is_bit)
        }
        _ => return Err(CmdError::Syntax),
    };
    if r.start > r.end {
        ctx.reply.int(0);
        return Ok(());
    }
    let bytes = span(s, r.start, r.end);
    let mut count = bits::popcount(bytes);
    // Take out the bits of the edge bytes that lie outside a BIT range.
    if let Some(&first) = bytes.first() {
        count -= u64::from((first & r.first_mask).count_ones());
    }
    if let Some(&last) = bytes.last() {
        count -= u64::from((last & r.last_mask).count_ones());
    }
    ctx.reply.int(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// BITPOS key bit [start [end [BYTE|BIT]]]. The bit is parsed first, then the key looked up
/// (a missing key answers at once), then the range, as in 7.0.
fn bitpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let bit = match parse_i64(arg(argv, 2))? {
        0 => false,
        1 => true,
        _ => return Err(CmdError::Static("ERR The bit argument must be 1 or 0.")),
    };
    let mut buf = [0u8; 20];
    let Some(s) = read_bits(ctx, arg(argv, 1), &mut buf)? else {
        ctx.reply.int(if bit { -1 } else { 0 });
        return Ok(());
    };
    let mut end_given = false;
    let r = match argv.len() {
        3 => clamp_range(0, -1, s.len(), false),
        4..=6 => {
            let start = parse_i64(arg(argv, 3))?;
            let is_bit = argv.len() == 6 && unit_is_bit(arg(argv, 5))?;
            let len = i64::try_from(s.len()).unwrap_or(i64::MAX >> 3);
            let end = if argv.len() >= 5 {
                end_given = true;
                parse_i64(arg(argv, 4))?
            } else {
                len - 1
            };
            clamp_range(start, end, s.len(), is_bit)
        }
        _ => return Err(CmdError::Syntax),
    };
    if r.start > r.end {
        ctx.reply.int(-1);
        return Ok(());
    }
    let pos = bit_position(span(s, r.start, r.end), bit, r.first_mask, r.last_mask);
    let bytes = r.end - r.start + 1;
    let answer = match pos {
        // An explicit end means the range is not zero-padded on the right.
        p if end_given && !bit && p == bytes << 3 => -1,
        -1 => -1,
        p => p + (r.start << 3),
    };
    ctx.reply.int(answer);
    Ok(())
}

/// The first position of `bit` within `s` (the range's bytes), ignoring the edge bits the
/// masks mark as outside the range; -1 or `8 * len` when there is none, as
/// [`bits::first_bit`].
fn bit_position(s: &[u8], bit: bool, first_mask: u8, last_mask: u8) -> i64 {
    let len = s.len();
    if len == 0 {
        return if bit { -1 } else { 0 };
    }
    // Force the outside bits to the value that is not searched for, then search a copy of the
    // edge bytes and the untouched middle in turn.
    let hide = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let mut first = s.first().copied().unwrap_or(0);
    let mut last = s.last().copied().unwrap_or(0);
    if len == 1 {
        first = hide(hide(first, first_mask), last_mask);
        return bits::first_bit(&[first], bit);
    }
    first = hide(first, first_mask);
    last = hide(last, last_mask);
    let middle = s.get(1..len - 1).unwrap_or_default();
    let not_found = |p: i64, n: usize| p == -1 || p == (n as i64) << 3;
    let p = bits::first_bit(&[first], bit);
    if !not_found(p, 1) {
        return p;
    }
    let p = bits::first_bit(middle, bit);
    if !not_found(p, middle.len()) {
        return 8 + p;
    }
    let p = bits::first_bit(&[last], bit);
    if p == -1 {
        -1
    } else {
        (((len - 1) as i64) << 3) + p
    }
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
fn bitop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let name = arg(argv, 1);
    let op = if c_is(name, "and") {
        BitOp::And
    } else if c_is(name, "or") {
        BitOp::Or
    } else if c_is(name, "xor") {
        BitOp::Xor
    } else if c_is(name, "not") {
        BitOp::Not
    } else {
        return Err(CmdError::Syntax);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return Err(CmdError::Static(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let dst = arg(argv, 2);
    let mut acc: Option<Vec<u8>> = None;
    for key in argv.get(3..).unwrap_or_default() {
        let mut buf = [0u8; 20];
        let src = read_bits(ctx, key, &mut buf)?.unwrap_or_default();
        match acc.as_mut() {
            None => {
                let mut first = src.to_vec();
                if op == BitOp::Not {
                    first.iter_mut().for_each(|b| *b = !*b);
                }
                acc = Some(first);
            }
            Some(a) => bits::fold(a, src, op),
        }
    }
    let result = acc.unwrap_or_default();
    let len = result.len();
    if len > 0 {
        store(ctx, dst, StrValue::Raw(result), false);
        ctx.notify(NOTIFY_STRING, "set", dst);
    } else {
        let (db, lazy) = (ctx.db(), ctx.core.config.lazyfree_lazy_server_del);
        if ctx.core.dbs.delete(db, dst, lazy) {
            ctx.touched(dst);
            ctx.notify(NOTIFY_GENERIC, "del", dst);
        }
    }
    ctx.reply.int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// One parsed BITFIELD operation.
struct FieldOp {
    kind: FieldKind,
    offset: u64,
    bits: u32,
    signed: bool,
    overflow: Overflow,
}

enum FieldKind {
    Get,
    Set(i64),
    Incr(i64),
}

/// A BITFIELD type: `i1`..`i64` or `u1`..`u63`.
fn field_type(b: &[u8]) -> Result<(bool, u32), CmdError> {
    const BAD_TYPE: &str = "ERR Invalid bitfield type. Use something like i16 u8. Note that \
                            u64 is not supported but i64 is.";
    let signed = match b.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(CmdError::Static(BAD_TYPE)),
    };
    let n = parse_i64(b.get(1..).unwrap_or_default()).map_err(|_| CmdError::Static(BAD_TYPE))?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&n) {
        return Err(CmdError::Static(BAD_TYPE));
    }
    Ok((signed, n as u32))
}

/// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
/// OVERFLOW WRAP|SAT|FAIL] ...
fn bitfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bitfield_generic(ctx, argv, false)
}

/// BITFIELD_RO key [GET type offset] ...
fn bitfield_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    bitfield_generic(ctx, argv, true)
}

fn bitfield_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], ro_command: bool) -> Result<(), CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut j = 2;
    while j < argv.len() {
        let rest = argv.len() - j - 1;
        let sub = arg(argv, j);
        let is_get = c_is(sub, "get") && rest >= 2;
        let is_set = c_is(sub, "set") && rest >= 3;
        let is_incr = c_is(sub, "incrby") && rest >= 3;
        if c_is(sub, "overflow") && rest >= 1 {
            let w = arg(argv, j + 1);
            overflow = if c_is(w, "wrap") {
                Overflow::Wrap
            } else if c_is(w, "sat") {
                Overflow::Sat
            } else if c_is(w, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::Static("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        }
        if !(is_get || is_set || is_incr) {
            return Err(CmdError::Syntax);
        }
        let (signed, bits) = field_type(arg(argv, j + 1))?;
        let offset = bit_offset(ctx, arg(argv, j + 2), Some(bits))?;
        let kind = if is_get {
            FieldKind::Get
        } else {
            let top = offset.saturating_add(u64::from(bits) - 1);
            highest_write = Some(highest_write.map_or(top, |h| h.max(top)));
            let v = parse_i64(arg(argv, j + 3))?;
            if is_set {
                FieldKind::Set(v)
            } else {
                FieldKind::Incr(v)
            }
        };
        ops.push(FieldOp {
            kind,
            offset,
            bits,
            signed,
            overflow,
        });
        j += if is_get { 3 } else { 4 };
    }
    let Some(top) = highest_write else {
        // Only GETs: a read, which tolerates a missing key.
        let mut buf = [0u8; 20];
        let s = read_bits(ctx, arg(argv, 1), &mut buf)?.unwrap_or_default();
        let values: Vec<i64> = ops.iter().map(|op| read_field(s, op)).collect();
        ctx.reply.array_len(values.len());
        for v in values {
            ctx.reply.int(v);
        }
        return Ok(());
    };
    if ro_command {
        return Err(CmdError::Static(
            "ERR BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let replies = write_bits(ctx, arg(argv, 1), top, |v, grew| {
        let mut changes = 0;
        let replies: Vec<Option<i64>> = ops
            .iter()
            .map(|op| {
                let (reply, changed) = apply_field(v, op, grew);
                changes += u64::from(changed);
                reply
            })
            .collect();
        (replies, changes)
    })?;
    ctx.reply.array_len(replies.len());
    for r in replies {
        match r {
            Some(n) => ctx.reply.int(n),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// A GET: the field's value (bytes past the end read as 0).
fn read_field(s: &[u8], op: &FieldOp) -> i64 {
    if op.signed {
        bits::get_signed(s, op.offset, op.bits)
    } else {
        bits::get_unsigned(s, op.offset, op.bits) as i64
    }
}

/// Runs one BITFIELD operation on the (grown) string: its reply (`None` for a refused
/// OVERFLOW FAIL) and whether it counts as a change.
fn apply_field(v: &mut [u8], op: &FieldOp, grew: bool) -> (Option<i64>, bool) {
    let (bits_n, ow) = (op.bits, op.overflow);
    let (store, reply, old) = match op.kind {
        FieldKind::Get => return (Some(read_field(v, op)), false),
        FieldKind::Set(val) if op.signed => {
            let old = bits::get_signed(v, op.offset, bits_n);
            match bits::check_signed(val, 0, bits_n, ow) {
                Some(_) if ow == Overflow::Fail => return (None, false),
                Some(w) => (w as u64, old, old as u64),
                None => (val as u64, old, old as u64),
            }
        }
        FieldKind::Incr(by) if op.signed => {
            let old = bits::get_signed(v, op.offset, bits_n);
            let new = match bits::check_signed(old, by, bits_n, ow) {
                Some(_) if ow == Overflow::Fail => return (None, false),
                Some(w) => w,
                None => old.wrapping_add(by),
            };
            (new as u64, new, old as u64)
        }
        FieldKind::Set(val) => {
            let old = bits::get_unsigned(v, op.offset, bits_n);
            let new = match bits::check_unsigned(val as u64, 0, bits_n, ow) {
                Some(_) if ow == Overflow::Fail => return (None, false),
                Some(w) => w,
                None => val as u64,
            };
            (new, old as i64, old)
        }
        FieldKind::Incr(by) => {
            let old = bits::get_unsigned(v, op.offset, bits_n);
            let new = match bits::check_unsigned(old, by, bits_n, ow) {
                Some(_) if ow == Overflow::Fail => return (None, false),
                Some(w) => w,
                None => old.wrapping_add(by as u64),
            };
            (new, new as i64, old)
        }
    };
    let mask = if bits_n >= 64 {
        u64::MAX
    } else {
        (1u64 << bits_n) - 1
    };
    bits::set_unsigned(v, op.offset, bits_n, store);
    (Some(reply), grew || (old & mask) != (store & mask))
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::Harness;
    use crate::config::{NOTIFY_ALL, NOTIFY_NEW};
    use crate::protocol::value::Reply;

    fn recording() -> Harness {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h.core.effects.notify_classes = NOTIFY_ALL | NOTIFY_NEW;
        h
    }

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A write that changes no bit is no change: no dirty count, event or propagation, but
    /// the string still turns `raw` (dbUnshareStringValue), as in Redis.
    #[test]
    fn only_real_changes_count() {
        let mut h = recording();
        assert_eq!(h.run(&["SETBIT", "b", "3", "1"]), Reply::Int(0));
        assert_eq!(h.take_events(), ["new b", "setbit b"]);
        assert_eq!(h.take_propagated_argv(), [argv(&["SETBIT", "b", "3", "1"])]);
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["SETBIT", "b", "3", "1"]), Reply::Int(1));
        assert_eq!(h.run(&["SETBIT", "b", "2", "0"]), Reply::Int(0));
        assert_eq!(h.core.dbs.dirty, dirty);
        assert!(h.take_events().is_empty());
        assert!(h.take_propagated_argv().is_empty());
        // Growing the string is a change even when the bit written is 0.
        assert_eq!(h.run(&["SETBIT", "b", "20", "0"]), Reply::Int(0));
        assert_eq!(h.take_events(), ["setbit b"]);
        assert_eq!(h.run(&["STRLEN", "b"]), Reply::Int(3));
        h.run(&["SET", "n", "7"]);
        h.take_events();
        assert_eq!(h.run(&["SETBIT", "n", "2", "1"]), Reply::Int(1));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "n"]), Reply::bulk("raw"));
        assert!(h.take_events().is_empty());
    }

    /// BITFIELD counts one change per field written; a missing key is created even when every
    /// write fails its OVERFLOW FAIL check (and then nothing else happens).
    #[test]
    fn bitfield_changes_and_failed_writes() {
        let mut h = recording();
        let before = h.core.dbs.dirty;
        let r = h.run(&[
            "BITFIELD", "f", "SET", "u8", "0", "5", "SET", "u8", "8", "0", "GET", "u16", "0",
        ]);
        assert_eq!(
            r,
            Reply::Array(vec![Reply::Int(0), Reply::Int(0), Reply::Int(0x0500)])
        );
        assert_eq!(h.core.dbs.dirty - before, 2);
        assert_eq!(h.take_events(), ["new f", "setbit f"]);
        let r = h.run(&[
            "BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9",
        ]);
        assert_eq!(r, Reply::Array(vec![Reply::Null]));
        assert_eq!(h.run(&["GET", "g"]), Reply::bulk("\0"));
        assert_eq!(h.take_events(), ["new g"]);
        h.take_propagated_argv();
    }

    /// BITOP replaces the destination (dropping its TTL) and deletes it for an empty result.
    #[test]
    fn bitop_stores_and_deletes() {
        let mut h = recording();
        h.run(&["SET", "a", "\u{1}"]);
        h.run(&["SET", "d", "x", "EX", "100"]);
        h.take_events();
        assert_eq!(h.run(&["BITOP", "NOT", "d", "a"]), Reply::Int(1));
        assert_eq!(h.run(&["TTL", "d"]), Reply::Int(-1));
        assert_eq!(h.run(&["GET", "d"]), Reply::Bulk(vec![0xFE].into()));
        assert_eq!(h.take_events(), ["set d"]);
        assert_eq!(h.run(&["BITOP", "AND", "d", "nope"]), Reply::Int(0));
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Int(0));
        assert_eq!(h.take_events(), ["del d"]);
        assert_eq!(h.run(&["BITOP", "AND", "d", "nope"]), Reply::Int(0));
        assert!(h.take_events().is_empty());
    }
}
