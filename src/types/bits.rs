//! Bit-level algorithms over byte strings, for the bitmap commands (SETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD).
//!
//! Bits are numbered as Redis numbers them: bit 0 is the most significant bit of byte 0, bit 8
//! the most significant bit of byte 1, and so on. A string is conceptually followed by an
//! infinite run of zero bytes: readers treat bytes past the end as 0, writers are handed a
//! buffer the caller has already grown to cover every bit they touch.
//!
//! BITFIELD's integers are big-endian runs of 1 to 64 bits (unsigned at most 63) at any bit
//! offset; [`check_unsigned`] and [`check_signed`] are Redis's overflow rules (WRAP, SAT,
//! FAIL) including their exact results on wrap-around.

/// The value of bit `offset` (0 past the end).
pub fn get_bit(b: &[u8], offset: u64) -> bool {
    let Some(&byte) = usize::try_from(offset >> 3).ok().and_then(|i| b.get(i)) else {
        return false;
    };
    byte & (0x80 >> (offset & 7)) != 0
}

/// Sets bit `offset` to `on`; the caller has grown `b` to cover it.
pub fn set_bit(b: &mut [u8], offset: u64, on: bool) {
    if let Some(byte) = usize::try_from(offset >> 3).ok().and_then(|i| b.get_mut(i)) {
        let mask = 0x80u8 >> (offset & 7);
        if on {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// The number of set bits in `b` (redisPopcount).
pub fn popcount(b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .map(|x| u64::from(x.count_ones()))
        .sum::<u64>()
}

/// The position of the first bit equal to `bit` in `b` (redisBitpos). When there is none:
/// -1 when looking for a set bit, and the first position past the end (`8 * len`) when looking
/// for a clear bit, since the string is conceptually padded with zeros.
pub fn first_bit(b: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xFF };
    let mut chunks = b.chunks_exact(8);
    let mut pos: i64 = 0;
    let skip_word = if bit { 0u64 } else { u64::MAX };
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        if u64::from_ne_bytes(w) != skip_word {
            break;
        }
        pos += 64;
    }
    let start = usize::try_from(pos / 8).unwrap_or(usize::MAX);
    for &byte in b.get(start..).unwrap_or_default() {
        if byte != skip {
            let lead = if bit {
                byte.leading_zeros()
            } else {
                byte.leading_ones()
            };
            return pos + i64::from(lead);
        }
        pos += 8;
    }
    if bit { -1 } else { pos }
}

/// BITOP's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// AND.
    And,
    /// OR.
    Or,
    /// XOR.
    Xor,
    /// NOT (one source).
    Not,
}

/// Folds one more source into BITOP's running result `acc` (which starts as the first source,
/// or its complement for NOT). The result is as long as the longest source; shorter sources
/// count as zero-padded.
pub fn fold(acc: &mut Vec<u8>, src: &[u8], op: BitOp) {
    let common = acc.len().min(src.len());
    match op {
        BitOp::And => {
            for (a, s) in acc.iter_mut().zip(src) {
                *a &= s;
            }
            for a in acc.iter_mut().skip(common) {
                *a = 0;
            }
            if src.len() > acc.len() {
                acc.resize(src.len(), 0);
            }
        }
        BitOp::Or | BitOp::Xor => {
            for (a, s) in acc.iter_mut().zip(src) {
                if op == BitOp::Or {
                    *a |= s;
                } else {
                    *a ^= s;
                }
            }
            if let Some(rest) = src.get(common..)
                && !rest.is_empty()
            {
                acc.extend_from_slice(rest);
            }
        }
        BitOp::Not => {}
    }
}

/// The unsigned integer of `bits` bits (1..=64) starting at bit `offset` (bytes past the end
/// read as 0).
pub fn get_unsigned(b: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v: u64 = 0;
    for j in 0..u64::from(bits) {
        v = (v << 1) | u64::from(get_bit(b, offset.saturating_add(j)));
    }
    v
}

/// The signed (two's complement) integer of `bits` bits starting at bit `offset`.
pub fn get_signed(b: &[u8], offset: u64, bits: u32) -> i64 {
    let u = get_unsigned(b, offset, bits);
    if bits < 64 && u & (1u64 << (bits - 1)) != 0 {
        (u | (u64::MAX << bits)) as i64
    } else {
        u as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset`; the caller has grown `b` to cover
/// them.
pub fn set_unsigned(b: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits {
        let on = (value >> (bits - 1 - j)) & 1 == 1;
        set_bit(b, offset.saturating_add(u64::from(j)), on);
    }
}

/// BITFIELD's OVERFLOW behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (the default).
    Wrap,
    /// Saturate at the type's minimum or maximum.
    Sat,
    /// Refuse the operation (the reply is nil).
    Fail,
}

/// Redis's checkUnsignedBitfieldOverflow for `value + incr` in `bits` bits (at most 63): `None`
/// when it fits, otherwise the value to store instead (the wrapped or saturated one; for FAIL
/// any value, the caller does not store it).
pub fn check_unsigned(value: u64, incr: i64, bits: u32, ow: Overflow) -> Option<u64> {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = 0u64.wrapping_sub(value) as i64;
    let wrapped = || {
        let mask = if bits >= 64 { 0 } else { u64::MAX << bits };
        value.wrapping_add(incr as u64) & !mask
    };
    if value > max || (incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrapped(),
            Overflow::Sat | Overflow::Fail => max,
        })
    } else if incr < 0 && incr < minincr {
        Some(match ow {
            Overflow::Wrap => wrapped(),
            Overflow::Sat | Overflow::Fail => 0,
        })
    } else {
        None
    }
}

/// Redis's checkSignedBitfieldOverflow for `value + incr` in `bits` bits (1..=64); see
/// [`check_unsigned`].
pub fn check_signed(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<i64> {
    let max = if bits >= 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrapped = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrapped(),
            Overflow::Sat | Overflow::Fail => max,
        })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        Some(match ow {
            Overflow::Wrap => wrapped(),
            Overflow::Sat | Overflow::Fail => min,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_numbered_from_the_most_significant_bit() {
        let mut b = vec![0u8; 2];
        set_bit(&mut b, 0, true);
        set_bit(&mut b, 9, true);
        assert_eq!(b, [0x80, 0x40]);
        assert!(get_bit(&b, 0) && get_bit(&b, 9) && !get_bit(&b, 1) && !get_bit(&b, 100));
        set_bit(&mut b, 0, false);
        assert_eq!(b, [0, 0x40]);
    }

    #[test]
    fn popcount_and_first_bit_agree_with_a_bit_by_bit_walk() {
        let data: Vec<u8> = (0..100u32).map(|i| (i * 37 % 256) as u8).collect();
        for lo in 0..data.len() {
            for hi in [lo, lo + 1, lo + 9, data.len()] {
                let s = &data[lo..hi.min(data.len())];
                let naive: u64 = (0..s.len() as u64 * 8).filter(|&i| get_bit(s, i)).count() as u64;
                assert_eq!(popcount(s), naive);
                for bit in [false, true] {
                    let want = (0..s.len() as u64 * 8)
                        .find(|&i| get_bit(s, i) == bit)
                        .map(|i| i as i64)
                        .unwrap_or(if bit { -1 } else { s.len() as i64 * 8 });
                    assert_eq!(first_bit(s, bit), want);
                }
            }
        }
        assert_eq!(first_bit(&[0xFF; 20], false), 160);
        assert_eq!(first_bit(&[0; 20], true), -1);
    }

    #[test]
    fn fold_pads_shorter_sources_with_zeros() {
        let mut acc = vec![0xFF, 0x0F];
        fold(&mut acc, &[0xF0], BitOp::And);
        assert_eq!(acc, [0xF0, 0]);
        fold(&mut acc, &[0x01, 0x02, 0x03], BitOp::Or);
        assert_eq!(acc, [0xF1, 0x02, 0x03]);
        fold(&mut acc, &[0xF1], BitOp::Xor);
        assert_eq!(acc, [0, 0x02, 0x03]);
        let mut acc = vec![1];
        fold(&mut acc, &[1, 1], BitOp::And);
        assert_eq!(acc, [1, 0]);
    }

    #[test]
    fn integers_round_trip_at_any_offset() {
        let mut b = vec![0u8; 10];
        for offset in [0u64, 3, 7, 13] {
            for bits in [1u32, 5, 8, 16, 63] {
                let v = 0x5A5A_5A5A_5A5A_5A5Au64 & (u64::MAX >> (64 - bits));
                b.iter_mut().for_each(|x| *x = 0);
                set_unsigned(&mut b, offset, bits, v);
                assert_eq!(get_unsigned(&b, offset, bits), v);
            }
        }
        b.iter_mut().for_each(|x| *x = 0);
        set_unsigned(&mut b, 4, 8, 0xFF);
        assert_eq!(get_signed(&b, 4, 8), -1);
        assert_eq!(get_signed(&b, 4, 64), 0xFF00_0000_0000_0000u64 as i64);
        assert_eq!(get_unsigned(&[0xFF], 4, 8), 0xF0);
    }

    #[test]
    fn overflow_rules_match_redis() {
        // u8: 250 + 10 wraps to 4, saturates at 255; 5 - 10 wraps to 251, saturates at 0.
        assert_eq!(check_unsigned(250, 10, 8, Overflow::Wrap), Some(4));
        assert_eq!(check_unsigned(250, 10, 8, Overflow::Sat), Some(255));
        assert_eq!(check_unsigned(5, -10, 8, Overflow::Wrap), Some(251));
        assert_eq!(check_unsigned(5, -10, 8, Overflow::Sat), Some(0));
        assert_eq!(check_unsigned(5, 10, 8, Overflow::Fail), None);
        // SET u8 -1: the value is read as a huge unsigned number.
        assert_eq!(check_unsigned(-1i64 as u64, 0, 8, Overflow::Sat), Some(255));
        assert_eq!(
            check_unsigned(-1i64 as u64, 0, 8, Overflow::Wrap),
            Some(255)
        );
        // i8: 120 + 10 wraps to -126, saturates at 127; -120 - 10 wraps to 126.
        assert_eq!(check_signed(120, 10, 8, Overflow::Wrap), Some(-126));
        assert_eq!(check_signed(120, 10, 8, Overflow::Sat), Some(127));
        assert_eq!(check_signed(-120, -10, 8, Overflow::Wrap), Some(126));
        assert_eq!(check_signed(-120, -10, 8, Overflow::Sat), Some(-128));
        assert_eq!(check_signed(200, 0, 8, Overflow::Wrap), Some(-56));
        assert_eq!(
            check_signed(i64::MAX, 1, 64, Overflow::Wrap),
            Some(i64::MIN)
        );
        assert_eq!(check_signed(i64::MAX, 1, 64, Overflow::Sat), Some(i64::MAX));
        assert_eq!(
            check_signed(i64::MIN, -1, 64, Overflow::Sat),
            Some(i64::MIN)
        );
        assert_eq!(check_signed(-5, 3, 64, Overflow::Fail), None);
    }
}
