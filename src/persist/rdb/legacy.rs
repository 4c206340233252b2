//! Encodings only old RDB files contain: ziplists (lists, hashes and sorted sets before Redis 7)
//! and zipmaps (hashes before Redis 2.6). The loader turns both into plain entry lists, checking
//! every header, length and bound (Redis's ziplistValidateIntegrity / zipmapValidateIntegrity),
//! so a corrupt blob is `None`, never a panic.
//!
//! Ziplist: `zlbytes` u32 LE (total size), `zltail` u32 LE (offset of the last entry), `zllen`
//! u16 LE (entry count, 65535 = unknown), entries, 0xFF. An entry is `prevlen` (1 byte, or 0xFE +
//! u32 LE), an encoding (strings: `00pppppp`, `01pppppp qqqqqqqq` BE, `10000000` + u32 BE;
//! integers: 0xC0 i16, 0xD0 i32, 0xE0 i64, 0xF0 i24, 0xFE i8, 0xF1..0xFD immediate 0..12), then
//! the data.
//!
//! Zipmap: `zmlen` (1 byte), then `len key len free value [free bytes]` pairs, 0xFF. A length is
//! one byte below 254, or 254 + u32 LE.

/// The entries of a ziplist, integers rendered in decimal; `None` if the blob is malformed.
pub fn ziplist_entries(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    let total = u32::from_le_bytes(b.get(0..4)?.try_into().ok()?) as usize;
    let tail = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?) as usize;
    let count = usize::from(u16::from_le_bytes(b.get(8..10)?.try_into().ok()?));
    if total != b.len() || total < 11 || *b.last()? != 0xFF || tail >= total {
        return None;
    }
    let end = total - 1;
    let mut pos = 10usize;
    let mut out = Vec::new();
    let mut prev_len = 0usize;
    let mut last_start = 10usize;
    while pos < end {
        let start = pos;
        let (plen, n) = match *b.get(pos)? {
            0xFE => (
                u32::from_le_bytes(b.get(pos + 1..pos + 5)?.try_into().ok()?) as usize,
                5,
            ),
            0xFF => return None,
            x => (usize::from(x), 1),
        };
        if plen != prev_len {
            return None;
        }
        pos = pos.checked_add(n)?;
        let enc = *b.get(pos)?;
        let value: Vec<u8> = match enc >> 6 {
            0 => {
                let len = usize::from(enc & 0x3F);
                pos += 1;
                take(b, &mut pos, len, end)?
            }
            1 => {
                let len = (usize::from(enc & 0x3F) << 8) | usize::from(*b.get(pos + 1)?);
                pos += 2;
                take(b, &mut pos, len, end)?
            }
            2 => {
                if enc != 0x80 {
                    return None;
                }
                let len = u32::from_be_bytes(b.get(pos + 1..pos + 5)?.try_into().ok()?);
                pos += 5;
                take(b, &mut pos, usize::try_from(len).ok()?, end)?
            }
            _ => {
                pos += 1;
                let v: i64 = match enc {
                    0xC0 => i64::from(i16::from_le_bytes(
                        take(b, &mut pos, 2, end)?.try_into().ok()?,
                    )),
                    0xD0 => i64::from(i32::from_le_bytes(
                        take(b, &mut pos, 4, end)?.try_into().ok()?,
                    )),
                    0xE0 => i64::from_le_bytes(take(b, &mut pos, 8, end)?.try_into().ok()?),
                    0xF0 => {
                        let x = take(b, &mut pos, 3, end)?;
                        let v = i32::from_le_bytes([0, *x.first()?, *x.get(1)?, *x.get(2)?]);
                        i64::from(v >> 8)
                    }
                    0xFE => i64::from(*take(b, &mut pos, 1, end)?.first()? as i8),
                    0xF1..=0xFD => i64::from(enc & 0x0F) - 1,
                    _ => return None,
                };
                crate::util::num::fmt_i64(v, &mut [0u8; 20]).to_vec()
            }
        };
        prev_len = pos - start;
        last_start = start;
        out.push(value);
    }
    if pos != end || (count != 0xFFFF && count != out.len()) {
        return None;
    }
    if !out.is_empty() && tail != last_start {
        return None;
    }
    Some(out)
}

/// `len` bytes at `*pos`, not past `end`; advances `pos`.
fn take(b: &[u8], pos: &mut usize, len: usize, end: usize) -> Option<Vec<u8>> {
    let stop = pos.checked_add(len)?;
    if stop > end {
        return None;
    }
    let v = b.get(*pos..stop)?.to_vec();
    *pos = stop;
    Some(v)
}

/// The field, value, field, value, ... entries of a zipmap; `None` if malformed.
pub fn zipmap_entries(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    if b.len() < 2 || *b.last()? != 0xFF {
        return None;
    }
    let end = b.len() - 1;
    let mut pos = 1usize;
    let mut out = Vec::new();
    while pos < end {
        let klen = zipmap_len(b, &mut pos)?;
        out.push(take(b, &mut pos, klen, end)?);
        let vlen = zipmap_len(b, &mut pos)?;
        let free = usize::from(*b.get(pos)?);
        pos += 1;
        out.push(take(b, &mut pos, vlen, end)?);
        pos = pos.checked_add(free)?;
    }
    if pos != end || out.is_empty() {
        return None;
    }
    Some(out)
}

fn zipmap_len(b: &[u8], pos: &mut usize) -> Option<usize> {
    let x = *b.get(*pos)?;
    match x {
        0..=253 => {
            *pos += 1;
            Some(usize::from(x))
        }
        254 => {
            let v = u32::from_le_bytes(b.get(*pos + 1..*pos + 5)?.try_into().ok()?);
            *pos += 5;
            usize::try_from(v).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a ziplist the way Redis 6 does, for the tests.
    fn ziplist(entries: &[Entry]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut last = 10usize;
        for e in entries {
            let start = body.len();
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match e {
                Entry::S(s) if s.len() < 64 => {
                    body.push(s.len() as u8);
                    body.extend_from_slice(s);
                }
                Entry::S(s) => {
                    body.push(0x40 | (s.len() >> 8) as u8);
                    body.push(s.len() as u8);
                    body.extend_from_slice(s);
                }
                Entry::I16(v) => {
                    body.push(0xC0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                Entry::I24(v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&v.to_le_bytes()[..3]);
                }
                Entry::Imm(v) => body.push(0xF1 + v),
            }
            last = 10 + start;
            prev = body.len() - start;
        }
        let total = 10 + body.len() + 1;
        let mut out = Vec::new();
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(last as u32).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(0xFF);
        out
    }

    enum Entry {
        S(Vec<u8>),
        I16(i16),
        I24(i32),
        Imm(u8),
    }

    #[test]
    fn ziplist_entries_decode_and_corruption_is_refused() {
        let zl = ziplist(&[
            Entry::S(b"hello".to_vec()),
            Entry::I16(-300),
            Entry::I24(-100_000),
            Entry::Imm(12),
            Entry::S(vec![b'x'; 300]),
            Entry::S(b"z".to_vec()),
        ]);
        let e = ziplist_entries(&zl).unwrap();
        assert_eq!(e[0], b"hello");
        assert_eq!(e[1], b"-300");
        assert_eq!(e[2], b"-100000");
        assert_eq!(e[3], b"12");
        assert_eq!(e[4], vec![b'x'; 300]);
        assert_eq!(e[5], b"z");
        for i in 0..zl.len() {
            let mut bad = zl.clone();
            bad[i] ^= 0x5A;
            let _ = ziplist_entries(&bad);
            let _ = ziplist_entries(&zl[..i]);
        }
        let mut bad = zl.clone();
        bad[10] = 3; // prevlen of the first entry must be 0
        assert!(ziplist_entries(&bad).is_none());
    }

    #[test]
    fn zipmap_entries_decode() {
        // zmlen 2, "a" -> "1" (1 free byte), "bc" -> "xyz".
        let zm = [
            2, 1, b'a', 1, 1, b'1', 0, 2, b'b', b'c', 3, 0, b'x', b'y', b'z', 0xFF,
        ];
        let e = zipmap_entries(&zm).unwrap();
        assert_eq!(
            e,
            vec![
                b"a".to_vec(),
                b"1".to_vec(),
                b"bc".to_vec(),
                b"xyz".to_vec()
            ]
        );
        assert!(zipmap_entries(&zm[..zm.len() - 1]).is_none());
        assert!(zipmap_entries(&[0, 0xFF]).is_none());
    }
}
