//! HyperLogLog in Redis's exact byte format, so PFADD/PFCOUNT/PFMERGE give the same answers and
//! leave the same string values as Redis (GET, DUMP, RDB and replication all see them).
//!
//! Representation: a plain string of a 16-byte header and registers.
//!
//! - Header: `HYLL`, one encoding byte (0 dense, 1 sparse), three zero bytes, then the cached
//!   cardinality as 8 bytes little endian; the top bit of its last byte set means "stale".
//! - Dense: 16384 registers of 6 bits packed from the least significant bit of each byte
//!   upwards (12288 bytes; the string is exactly 12304 bytes long).
//! - Sparse: run-length opcodes: ZERO `00xxxxxx` (1-64 zero registers), XZERO
//!   `01xxxxxx yyyyyyyy` (1-16384 zero registers), VAL `1vvvvvxx` (1-4 registers of value 1-32).
//!   A sparse value grows until `hll-sparse-max-bytes` or a register above 32 promotes it to
//!   dense, as hllSparseSet does, with the same opcode splitting and VAL merging so the bytes
//!   match Redis's.
//!
//! Elements are hashed with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register,
//! the run of zeros above them (plus one) is the value. The estimate is Ertl's improved
//! estimator from the register histogram, as Redis 7.0 computes it.
//!
//! A corrupt sparse value (runs not covering exactly 16384 registers) is reported as
//! [`Corrupt`]; nothing here panics or reads past the buffer whatever the bytes are.

/// Registers.
pub const REGISTERS: usize = 1 << 14;
/// Header length.
pub const HDR: usize = 16;
/// Length of a dense value.
pub const DENSE_SIZE: usize = HDR + (REGISTERS * 6).div_ceil(8);
/// Encoding byte of a dense value.
pub const DENSE: u8 = 0;
/// Encoding byte of a sparse value.
pub const SPARSE: u8 = 1;
/// The largest register value a sparse VAL opcode holds.
const SPARSE_VAL_MAX: u8 = 32;
/// Bits of the hash above the register index (HLL_Q).
const Q: usize = 64 - 14;

/// A sparse HyperLogLog whose runs do not add up to the register count (INVALIDOBJ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// A new empty HyperLogLog: sparse, one XZERO run over every register.
pub fn new_sparse() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR + 2);
    v.extend_from_slice(b"HYLL");
    v.extend_from_slice(&[SPARSE, 0, 0, 0]);
    v.extend_from_slice(&[0; 8]);
    push_xzero(&mut v, REGISTERS);
    v
}

/// Whether `b` is a HyperLogLog value as isHLLObjectOrReply accepts it (magic, known encoding,
/// exact dense length). Sparse bodies are checked lazily, when read.
pub fn is_valid(b: &[u8]) -> bool {
    b.len() >= HDR
        && b.starts_with(b"HYLL")
        && match b.get(4) {
            Some(&DENSE) => b.len() == DENSE_SIZE,
            Some(&SPARSE) => true,
            _ => false,
        }
}

/// The encoding byte of a valid value.
pub fn encoding(b: &[u8]) -> u8 {
    b.get(4).copied().unwrap_or(SPARSE)
}

/// The cached cardinality, when it is not stale.
pub fn cached_card(b: &[u8]) -> Option<u64> {
    let card: [u8; 8] = b.get(8..16)?.try_into().ok()?;
    (card[7] & 0x80 == 0).then(|| u64::from_le_bytes(card))
}

/// Stores the cardinality in the header cache.
pub fn set_cached_card(b: &mut [u8], card: u64) {
    if let Some(c) = b.get_mut(8..16) {
        c.copy_from_slice(&card.to_le_bytes());
    }
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(b: &mut [u8]) {
    if let Some(c) = b.get_mut(15) {
        *c |= 0x80;
    }
}

/// Redis's MurmurHash64A (little-endian reading on every platform).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let mut k = u64::from_le_bytes(w).wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in and the value it offers (hllPatLen).
pub fn pattern(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, 0xadc8_3b19);
    let index = (hash as usize) & (REGISTERS - 1);
    let rest = (hash >> 14) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Dense register `i` of the register bytes `r` (the string after the header).
fn dense_get(r: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = u32::from(r.get(byte).copied().unwrap_or(0));
    let b1 = u32::from(r.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

/// Sets dense register `i` to `v` (< 64).
fn dense_put(r: &mut [u8], i: usize, v: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let v = u32::from(v);
    if let Some(b) = r.get_mut(byte) {
        *b = ((u32::from(*b) & !(63 << fb)) | (v << fb)) as u8;
    }
    if let Some(b) = r.get_mut(byte + 1) {
        *b = ((u32::from(*b) & !(63 >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Raises dense register `index` to `count` if that is higher; whether it changed.
fn dense_set(b: &mut [u8], index: usize, count: u8) -> bool {
    let r = b.get_mut(HDR..).unwrap_or_default();
    if count > dense_get(r, index) {
        dense_put(r, index, count);
        true
    } else {
        false
    }
}

/// One sparse opcode at the start of `ops`: (registers covered, value, opcode bytes). An
/// XZERO cut off by the end of the string reads its second byte as 0, as Redis reads the
/// terminator its strings carry.
fn opcode(ops: &[u8]) -> Option<(usize, u8, usize)> {
    let &op = ops.first()?;
    if op & 0xC0 == 0 {
        Some((usize::from(op & 0x3F) + 1, 0, 1))
    } else if op & 0x80 == 0 {
        let lo = ops.get(1).copied().unwrap_or(0);
        Some(((usize::from(op & 0x3F) << 8 | usize::from(lo)) + 1, 0, 2))
    } else {
        Some((usize::from(op & 3) + 1, ((op >> 2) & 0x1F) + 1, 1))
    }
}

fn val_op(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | ((len - 1) as u8 & 3)
}

fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > 64 {
        push_xzero(seq, len);
    } else {
        seq.push((len - 1) as u8);
    }
}

fn push_xzero(seq: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    seq.push(((l >> 8) as u8 & 0x3F) | 0x40);
    seq.push((l & 0xFF) as u8);
}

/// Converts a sparse value to dense in place (hllSparseToDense); a dense one is left alone.
pub fn to_dense(b: &mut Vec<u8>) -> Result<(), Corrupt> {
    if encoding(b) == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    if let (Some(d), Some(s)) = (dense.get_mut(..HDR), b.get(..HDR)) {
        d.copy_from_slice(s);
    }
    if let Some(e) = dense.get_mut(4) {
        *e = DENSE;
    }
    let mut idx = 0;
    let mut p = HDR;
    while let Some((run, val, len)) = opcode(b.get(p..).unwrap_or_default()) {
        if val > 0 {
            if run + idx > REGISTERS {
                break;
            }
            let r = dense.get_mut(HDR..).unwrap_or_default();
            for i in idx..idx + run {
                dense_put(r, i, val);
            }
        }
        idx += run;
        p += len;
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *b = dense;
    Ok(())
}

/// Raises register `index` to `count` in a sparse value (hllSparseSet), promoting it to
/// dense when the value does not fit a VAL opcode or the string would pass `max_bytes`.
fn sparse_set(b: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX {
        return promote(b, index, count);
    }
    // Step 1: the opcode covering `index`.
    let mut p = HDR;
    let mut first = 0;
    let mut prev = None;
    let mut found = None;
    while let Some((span, val, len)) = opcode(b.get(p..).unwrap_or_default()) {
        if index < first + span {
            found = Some((span, val, len));
            break;
        }
        prev = Some(p);
        p += len;
        first += span;
    }
    let Some((span, val, oplen)) = found else {
        return Err(Corrupt);
    };
    let is_val = val > 0;
    // Step 2: the trivial cases, then the general split.
    let mut done = false;
    if is_val {
        if val >= count {
            return Ok(false);
        }
        if span == 1 {
            if let Some(op) = b.get_mut(p) {
                *op = val_op(count, 1);
            }
            done = true;
        }
    }
    if !done && !is_val && oplen == 1 && span == 1 {
        if let Some(op) = b.get_mut(p) {
            *op = val_op(count, 1);
        }
        done = true;
    }
    if !done {
        let last = first + span - 1;
        let mut seq = Vec::with_capacity(5);
        if is_val {
            if index != first {
                seq.push(val_op(val, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(val, last - index));
            }
        } else {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        }
        // Step 3: put the new sequence in place of the old opcode.
        if seq.len() > oplen && b.len() + seq.len() - oplen > max_bytes {
            return promote(b, index, count);
        }
        if p + oplen <= b.len() {
            b.splice(p..p + oplen, seq);
        } else {
            // The opcode was an XZERO cut short by the end of the string: Redis writes the new
            // sequence over its terminator and then re-terminates the shorter string, which
            // drops the sequence's last byte.
            b.truncate(p);
            b.extend_from_slice(seq.get(..seq.len() - 1).unwrap_or_default());
        }
    }
    // Step 4: merge adjacent VAL opcodes of equal value, scanning up to five opcodes from the
    // one before the change.
    let mut q = prev.unwrap_or(HDR);
    let mut scan = 5;
    while q < b.len() && scan > 0 {
        scan -= 1;
        let Some(&op) = b.get(q) else { break };
        if op & 0xC0 == 0x40 {
            q += 2;
            continue;
        }
        if op & 0xC0 == 0 {
            q += 1;
            continue;
        }
        if let Some(&next) = b.get(q + 1)
            && next & 0x80 != 0
        {
            let (v1, v2) = (((op >> 2) & 0x1F) + 1, ((next >> 2) & 0x1F) + 1);
            let len = usize::from(op & 3) + usize::from(next & 3) + 2;
            if v1 == v2 && len <= 4 {
                if let Some(n) = b.get_mut(q + 1) {
                    *n = val_op(v1, len);
                }
                b.remove(q);
                continue;
            }
        }
        q += 1;
    }
    invalidate_cache(b);
    Ok(true)
}

fn promote(b: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(b)?;
    dense_set(b, index, count);
    Ok(true)
}

/// Adds an element (hllAdd); whether a register changed.
pub fn add(b: &mut Vec<u8>, ele: &[u8], max_bytes: usize) -> Result<bool, Corrupt> {
    let (index, count) = pattern(ele);
    set_register(b, index, count, max_bytes)
}

/// Raises register `index` to `count` in either encoding; whether it changed.
pub fn set_register(
    b: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupt> {
    match encoding(b) {
        DENSE => Ok(dense_set(b, index, count)),
        _ => sparse_set(b, index, count, max_bytes),
    }
}

/// Folds the value's registers into `max` (one byte per register): MAX(max[i], reg[i]).
pub fn merge_into(max: &mut [u8], b: &[u8]) -> Result<(), Corrupt> {
    if encoding(b) == DENSE {
        let r = b.get(HDR..).unwrap_or_default();
        for (i, m) in max.iter_mut().enumerate().take(REGISTERS) {
            *m = (*m).max(dense_get(r, i));
        }
        return Ok(());
    }
    let mut i = 0;
    let mut p = HDR;
    while let Some((run, val, len)) = opcode(b.get(p..).unwrap_or_default()) {
        if val > 0 {
            if run + i > REGISTERS {
                break;
            }
            for m in max.iter_mut().skip(i).take(run) {
                *m = (*m).max(val);
            }
        }
        i += run;
        p += len;
    }
    if i != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// The histogram of register values of a value.
fn histogram(b: &[u8]) -> Result<[u32; 64], Corrupt> {
    let mut h = [0u32; 64];
    if encoding(b) == DENSE {
        let r = b.get(HDR..).unwrap_or_default();
        for i in 0..REGISTERS {
            if let Some(x) = h.get_mut(usize::from(dense_get(r, i))) {
                *x += 1;
            }
        }
        return Ok(h);
    }
    let mut idx = 0;
    let mut p = HDR;
    while let Some((run, val, len)) = opcode(b.get(p..).unwrap_or_default()) {
        if let Some(x) = h.get_mut(usize::from(val)) {
            *x += run as u32;
        }
        idx += run;
        p += len;
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(h)
}

/// The histogram of raw one-byte registers (PFCOUNT over several keys).
pub fn raw_histogram(max: &[u8]) -> [u32; 64] {
    let mut h = [0u32; 64];
    for &v in max {
        if let Some(x) = h.get_mut(usize::from(v)) {
            *x += 1;
        }
    }
    h
}

/// The estimated cardinality of a value (hllCount).
pub fn count(b: &[u8]) -> Result<u64, Corrupt> {
    Ok(estimate(&histogram(b)?))
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// Ertl's estimator over a register histogram, with Redis's operation order.
pub fn estimate(h: &[u32; 64]) -> u64 {
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
    let m = REGISTERS as f64;
    let at = |i: usize| f64::from(h.get(i).copied().unwrap_or(0));
    let mut z = m * tau((m - at(Q + 1)) / m);
    for j in (1..=Q).rev() {
        z += at(j);
        z *= 0.5;
    }
    z += m * sigma(at(0) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// PFDEBUG DECODE's text for a sparse value: `z:N`, `Z:N` and `v:VALUE,N` separated by spaces.
pub fn decode(b: &[u8]) -> String {
    let mut out = Vec::new();
    let mut p = HDR;
    while let Some((run, val, len)) = opcode(b.get(p..).unwrap_or_default()) {
        out.push(match (val, len) {
            (0, 1) => format!("z:{run}"),
            (0, _) => format!("Z:{run}"),
            _ => format!("v:{val},{run}"),
        });
        p += len;
    }
    out.join(" ")
}

/// The registers of a dense value, in order (PFDEBUG GETREG).
pub fn registers(b: &[u8]) -> Vec<u8> {
    let r = b.get(HDR..).unwrap_or_default();
    (0..REGISTERS).map(|i| dense_get(r, i)).collect()
}

/// PFSELFTEST's checks: register packing round-trips, and dense and sparse estimates agree
/// and stay within six standard errors up to 10,000,000 elements. `Err` carries Redis's
/// TESTFAILED text.
pub fn self_test(mut rand: impl FnMut() -> u32, max_bytes: usize) -> Result<(), String> {
    let mut dense = vec![0u8; DENSE_SIZE];
    dense
        .get_mut(..4)
        .unwrap_or_default()
        .copy_from_slice(b"HYLL");
    let mut bytes = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        let r = dense.get_mut(HDR..).unwrap_or_default();
        for (i, b) in bytes.iter_mut().enumerate() {
            let v = (rand() & 63) as u8;
            *b = v;
            dense_put(r, i, v);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let got = dense_get(r, i);
            if got != b {
                return Err(format!(
                    "TESTFAILED Register {i} should be {b} but is {got}"
                ));
            }
        }
    }
    dense.get_mut(HDR..).unwrap_or_default().fill(0);
    let mut sparse = new_sparse();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let seed = u64::from(rand()) | u64::from(rand()) << 32;
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_ne_bytes();
        let (index, value) = pattern(&ele);
        dense_set(&mut dense, index, value);
        add(&mut sparse, &ele, max_bytes).map_err(|_| "TESTFAILED corrupted HLL".to_string())?;
        if j != checkpoint {
            continue;
        }
        if j < (max_bytes / 2) as u64 && encoding(&sparse) != SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let d = count(&dense).unwrap_or(0);
        if Ok(d) != count(&sparse) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abserr = checkpoint.abs_diff(d);
        let mut maxerr = (relerr * 6.0 * checkpoint as f64).ceil() as u64;
        if j == 10 {
            maxerr = 1;
        }
        if abserr > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_value_is_one_xzero_run() {
        let v = new_sparse();
        assert_eq!(v, b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
        assert!(is_valid(&v));
        assert_eq!(count(&v), Ok(0));
        assert_eq!(decode(&v), "Z:16384");
    }

    #[test]
    fn dense_registers_pack_six_bits() {
        let mut r = vec![0u8; REGISTERS * 6 / 8];
        for i in 0..REGISTERS {
            dense_put(&mut r, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&r, i), (i % 64) as u8, "{i}");
        }
    }

    #[test]
    fn sparse_and_dense_agree_and_promotion_happens() {
        let mut s = new_sparse();
        let mut d = new_sparse();
        to_dense(&mut d).unwrap();
        for i in 0..5000u32 {
            let e = format!("element:{i}");
            add(&mut s, e.as_bytes(), 3000).unwrap();
            add(&mut d, e.as_bytes(), 3000).unwrap();
            if i % 97 == 0 {
                let mut sd = s.clone();
                to_dense(&mut sd).unwrap();
                assert_eq!(registers(&sd), registers(&d), "after {i}");
                assert_eq!(count(&s), count(&d));
            }
        }
        assert_eq!(encoding(&s), DENSE);
        let c = count(&d).unwrap();
        assert!((4800..5200).contains(&c), "{c}");
    }

    #[test]
    fn corrupt_sparse_values_are_reported() {
        let mut v = new_sparse();
        v.push(0x00); // one register too many
        assert_eq!(count(&v), Err(Corrupt));
        assert_eq!(to_dense(&mut v.clone()), Err(Corrupt));
        let mut m = vec![0u8; REGISTERS];
        assert_eq!(merge_into(&mut m, &v), Err(Corrupt));
        // An XZERO cut short reads its missing byte as 0 (Redis's terminator): 0x7f alone is
        // 16129 zero registers, too few.
        let truncated = &v[..HDR + 1];
        assert_eq!(count(truncated), Err(Corrupt));
        assert_eq!(decode(truncated), "Z:16129");
        let mut t = truncated.to_vec();
        assert_eq!(sparse_set(&mut t, 5, 3, 3000), Ok(true));
        assert_eq!(decode(&t), "z:5 v:3,1 Z:15873");
    }
}
