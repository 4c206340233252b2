//! LZF compression in liblzf's format, producing the bytes Redis's bundled `lzf_compress` does.
//!
//! Redis compresses RDB strings (`RDB_ENC_LZF`, for strings over 20 bytes when `rdbcompression`
//! is on) and quicklist nodes (`list-compress-depth`) with liblzf, so both sides of a DUMP /
//! RESTORE, an RDB file or a full sync must agree on the format. The compressed stream is a
//! sequence of:
//!
//! ```text
//! 000LLLLL <L+1 literal bytes>           literal run of 1..=32 bytes
//! LLLooooo oooooooo                      back reference, length L+2 (L = 1..=6)
//! 111ooooo LLLLLLLL oooooooo             back reference, length L+9
//! ```
//!
//! where the reference starts `o + 1` bytes before the current output position (o < 8192).
//!
//! The compressor follows Redis 7.0's bundled liblzf 3.6 step by step (HLOG 16, VERY_FAST, the
//! same hash, the same 3-byte match test with no minimum distance from the end of the input, the
//! same output-space checks, and the quirk that position 0 is never a match candidate), so for
//! the same input and output limit it returns the same bytes or the same failure. (Older liblzf
//! builds also required `ip + 4 < in_end` for a match; 7.0.15's output shows it does not.) One difference: Redis leaves its hash table uninitialised on the stack,
//! so stale slots from an earlier call can occasionally produce a different (still valid) match;
//! ours starts empty every call, which is what Redis does on a fresh stack. The table is reused
//! across calls through a generation stamp per slot, so a call costs no table clearing.
//!
//! The decompressor checks every reference and length against its buffers: hostile input yields
//! `None`, never a panic, and never more than `expected_len` bytes of output.

use std::cell::RefCell;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// Compresses `input` as Redis's `rdbSaveLzfStringObject` does: `None` unless it fits in
/// `len - 4` bytes (and `None` for inputs of 4 bytes or less).
///
/// RDB writers additionally try compression only for strings longer than 20 bytes
/// ([`RDB_MIN_COMPRESS_LEN`]).
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    if input.len() <= 4 {
        return None;
    }
    compress_with_limit(input, input.len() - 4)
}

/// RDB strings are only LZF-compressed when longer than this (Redis's `rdbSaveRawString`).
pub const RDB_MIN_COMPRESS_LEN: usize = 20;

/// Compresses `input` into at most `out_len` bytes (liblzf's `lzf_compress` with that output
/// size); `None` where liblzf returns 0 (empty input or output too small).
///
/// Quicklist nodes call this with `out_len = node size` and keep the result only if it is at
/// least 8 bytes smaller (`MIN_COMPRESS_IMPROVE`) and the node is at least 48 bytes.
pub fn compress_with_limit(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    thread_local! {
        static TABLE: RefCell<HashTable> = RefCell::new(HashTable::new());
    }
    TABLE.with(|t| match t.try_borrow_mut() {
        Ok(mut table) => compress_impl(input, out_len, &mut table),
        Err(_) => compress_impl(input, out_len, &mut HashTable::new()),
    })
}

/// Decompresses `input`, which must expand to exactly `expected_len` bytes; `None` otherwise
/// (corrupt stream, reference before the start, or output longer or shorter than expected).
pub fn decompress(input: &[u8], expected_len: usize) -> Option<Vec<u8>> {
    // The output never exceeds expected_len, so this reservation is bounded by the caller; cap
    // the up-front part anyway (a hostile length prefix must not reserve gigabytes).
    let mut out: Vec<u8> = Vec::with_capacity(expected_len.min(input.len().saturating_mul(300)));
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(*input.get(ip)?);
        ip += 1;
        if ctrl < MAX_LIT {
            let n = ctrl + 1;
            if out.len() + n > expected_len {
                return None;
            }
            out.extend_from_slice(input.get(ip..ip.checked_add(n)?)?);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip)?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip)?);
            ip += 1;
            let back = ((ctrl & 0x1F) << 8) + low + 1;
            let start = out.len().checked_sub(back)?;
            let n = len + 2;
            if out.len() + n > expected_len {
                return None;
            }
            // Byte by byte: the source may overlap the bytes being written (runs).
            for i in start..start + n {
                let c = *out.get(i)?;
                out.push(c);
            }
        }
    }
    (out.len() == expected_len).then_some(out)
}

/// liblzf's hash table: input positions by hash slot, valid only when stamped with this call.
struct HashTable {
    /// `(generation << 32) | position` per slot.
    slots: Vec<u64>,
    generation: u32,
}

impl HashTable {
    fn new() -> Self {
        HashTable {
            slots: vec![0; HSIZE],
            generation: 0,
        }
    }

    /// Starts a new compression: every slot becomes empty.
    fn reset(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Returns the position stored in `slot` (0 when empty) and stores `pos` there.
    fn swap(&mut self, slot: usize, pos: usize) -> usize {
        let stamp = u64::from(self.generation) << 32;
        let Some(s) = self.slots.get_mut(slot) else {
            return 0;
        };
        let old = if *s >> 32 == u64::from(self.generation) {
            (*s & 0xFFFF_FFFF) as usize
        } else {
            0
        };
        // Positions beyond u32 cannot be stamped; those slots just stay empty.
        *s = u32::try_from(pos).map_or(0, |p| stamp | u64::from(p));
        old
    }
}

/// liblzf's `FRST`: the first two bytes at `p`.
fn first(input: &[u8], p: usize) -> u32 {
    (u32::from(at(input, p)) << 8) | u32::from(at(input, p + 1))
}

/// liblzf's `NEXT`: shifts in the byte at `p + 2`.
fn next(h: u32, input: &[u8], p: usize) -> u32 {
    (h << 8) | u32::from(at(input, p + 2))
}

/// liblzf's `IDX` for VERY_FAST.
fn idx(h: u32) -> usize {
    ((h >> (24 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

fn at(input: &[u8], i: usize) -> u8 {
    input.get(i).copied().unwrap_or(0)
}

/// The compressor proper; `out` has one spare byte past `out_len`, as Redis allocates it,
/// because liblzf may write a run header there just before failing.
fn compress_impl(input: &[u8], out_len: usize, table: &mut HashTable) -> Option<Vec<u8>> {
    let n = input.len();
    if n == 0 || out_len == 0 {
        return None;
    }
    table.reset();
    let mut out = vec![0u8; out_len + 1];
    let mut ip = 0usize;
    let mut op = 1usize; // start run
    let mut lit = 0usize;
    let mut hval = first(input, ip);
    while ip + 2 < n {
        hval = next(hval, input, ip);
        let r = table.swap(idx(hval), ip);
        let is_match = r > 0
            && r < ip
            && ip - r - 1 < MAX_OFF
            && at(input, r) == at(input, ip)
            && at(input, r + 1) == at(input, ip + 1)
            && at(input, r + 2) == at(input, ip + 2);
        if is_match {
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (n - ip - len).min(MAX_REF);
            // Stop the pending literal run (or drop its empty header).
            put(
                &mut out,
                op.checked_sub(lit + 1)?,
                (lit as u8).wrapping_sub(1),
            )?;
            if lit == 0 {
                op -= 1;
            }
            if op + 3 + 1 >= out_len {
                return None;
            }
            'scan: {
                // liblzf's unrolled part: 16 steps without the maxlen test.
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if at(input, r + len) != at(input, ip + len) {
                            break 'scan;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && at(input, r + len) == at(input, ip + len)) {
                        break;
                    }
                }
            }
            len -= 2; // the match is now len + 2 bytes long
            ip += 1;
            if len < 7 {
                put(&mut out, op, ((off >> 8) + (len << 5)) as u8)?;
                op += 1;
            } else {
                put(&mut out, op, ((off >> 8) + (7 << 5)) as u8)?;
                put(&mut out, op + 1, (len - 7) as u8)?;
                op += 2;
            }
            put(&mut out, op, off as u8)?;
            op += 1;
            lit = 0;
            op += 1; // start run
            ip += len + 1;
            if ip + 2 >= n {
                break;
            }
            // VERY_FAST: hash the two positions before the new ip.
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            table.swap(idx(hval), ip);
            ip += 1;
            hval = next(hval, input, ip);
            table.swap(idx(hval), ip);
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            put(&mut out, op, at(input, ip))?;
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                put(&mut out, op - lit - 1, (lit - 1) as u8)?;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < n {
        lit += 1;
        put(&mut out, op, at(input, ip))?;
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            put(&mut out, op - lit - 1, (lit - 1) as u8)?;
            lit = 0;
            op += 1;
        }
    }
    put(
        &mut out,
        op.checked_sub(lit + 1)?,
        (lit as u8).wrapping_sub(1),
    )?;
    if lit == 0 {
        op -= 1;
    }
    out.truncate(op);
    Some(out)
}

/// Writes `v` at `out[i]`; `None` if out of bounds (liblzf's checks make that impossible).
fn put(out: &mut [u8], i: usize, v: u8) -> Option<()> {
    *out.get_mut(i)? = v;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::listpack::Listpack;
    use proptest::prelude::*;

    /// DUMP payloads from Redis 7.0.15 (rdbcompression yes) whose value is LZF-compressed:
    /// strings (type 0, RDB_ENC_LZF 0xC3) and one quicklist node (type 18).
    #[rustfmt::skip]
    const DUMPS: &[(&str, &str)] = &[
        ("a1000", "00c31243e8016161e0ff00e0ff00e0ff00e0c3000161610a0086c212db54819e3c"),
        ("hello", "00c31440f00c68656c6c6f20776f726c642068e0d80b0164200a008343bf245d7fac30"),
        ("squares", concat!(
            "00c3453546751f30203120342039203136203235203336203439203634203831203130302031322007013434",
            "201d2021003920222023013235200705383920333234202f203d202701343420070b38342035323920353736",
            "20362027003620070037200f003720170038201f003920270039202f01313020380131302041013131204a00",
            "314053013132205c01313340650034406e0035407700362030013136408900372091013138209901313920a1",
            "013230205d01323140b10c32303920323330342032343031209920310132364009003740130038401d003920",
            "27003340310033205f40b420b90033204f013334205900334063013337206d01333820770133392081013430",
            "208b00344095013433209f01343420a901343620b301343720bd003440c601353020cf003520910220353320",
            "e10035201901203540f3013537400900392013013630201d20350031214d2095013635203b01363720450136",
            "38204f013730205900374063003720730220373520770137372081013739208b0038417a013832209f013834",
            "20a901383620b301383820bd003940c72021200920a5214d20e501393820ef203020642159600b0034201602",
            "31303620212166202c0031201821630131322042003121602017013136205802313138206321e3403b013233",
            "207902313235208402313237208f2193209a01313340a50231333420b0214020bb0231333920c60231343120",
            "d1204c403b20a5400b003820f2013135203720050033210821de4077013538400b0036601700362167200560",
            "2f0036414a01313720192005003440530037605f013739406b0038607721f4204720402053013930409b0039",
            "60a720fa203b003940bf20f320cb0032201c220b01303720e320d020770232313320fb212c21070032403c22",
            "2e202b20056226221d200b0033212d2005414d013233208a4248403b00342223200541792231405f0035418f",
            "22fb2077003221e1200b21dd203b21d9202320b8202f61d10232373520bf01323741e7003220c52023003841",
            "fd2333403b213c200b01393521072160212b229c211f013330412b02333039400b2174201722fb229220d822",
            "9d22df22a82028200b0133312053003322bf20230033205a22ca20d3200500352083003320ad201701353320",
            "9b01333562d9003641df22f221eb21c020cb22f0212b21a120e301333840ef219520fb013338433121de2113",
            "2296211f20752077224f600b003820170134314373202d202f0034638921b9204701343221aa23310032205f",
            "200f206b2413403b003443cb219b208f01343543e10234353720a7235120b3013436213e2358440d02343735",
            "20d70034201c202f00382079200520962371205a2005444b01353022232005412b02353130400b242b201722",
            "0a238c2190239700324167003521c0200b01333820530035209c20232060203b0035407721a120832195212b",
            "0035228d202300372307200541df01353823362005003520cb003522752023003920ba23d3412b0236303520",
            "fb415423e50031240a23e60030211f209320b3013633600b0033601720c420230034602f0035603b00356047",
            "23b7201720fa203b20fb203b60772135208341a2201724b7202321cc241e003040b301373040bf20a620cb00",
            "37231e242c23d00031200540ef003721f0200b003341070037217320230035411f203321672237212b003724",
            "8020170037414f00372596202f6167003722bc200b0039213f02203830418b013830209c2487407700382390",
            "200b206b2017003241c701383341d3203f20ef24a120bf01383541f7003822d42023003621ff01203820b420",
            "3b2078200b003842330038225d202324b900310a007a3609cc77ccacd5"
        )),
        ("ints_lzf", concat!(
            "120102c3407940831f830000001900000101017f01c08002dfff02dffb02c12c02d00002cfff02f100041003",
            "f1ffef20030e7f03f1008003f200800004f2ff7fff200408ff7f04f200008004f32004020005f3200f00ff40",
            "0502ff7f05201103008005f440052003020009f44015200300ff60094000017f09401d4000028009ff0a00aa",
            "694e08150505eb"
        )),
        ("abc21", "00c30b150361626361e006020162630a000201710c8eebf946"),
    ];

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn rdb_len(b: &[u8], pos: &mut usize) -> usize {
        let c = b[*pos];
        *pos += 1;
        match c >> 6 {
            0 => usize::from(c & 0x3F),
            1 => {
                let v = (usize::from(c & 0x3F) << 8) | usize::from(b[*pos]);
                *pos += 1;
                v
            }
            _ => panic!("unexpected length byte {c:#x}"),
        }
    }

    /// The original value each DUMP holds.
    fn original(name: &str) -> Vec<u8> {
        match name {
            "a1000" => vec![b'a'; 1000],
            "hello" => b"hello world ".repeat(20),
            "squares" => {
                let v: Vec<String> = (0..300u64).map(|i| (i * i).to_string()).collect();
                v.join(" ").into_bytes()
            }
            "abc21" => b"abcabcabcabcabcabcabc".to_vec(),
            "ints_lzf" => {
                let mut lp = Listpack::new();
                for v in [
                    "0",
                    "1",
                    "127",
                    "128",
                    "-1",
                    "-5",
                    "300",
                    "-4096",
                    "4095",
                    "4096",
                    "-4097",
                    "32767",
                    "-32768",
                    "32768",
                    "-32769",
                    "8388607",
                    "-8388608",
                    "8388608",
                    "-8388609",
                    "2147483647",
                    "-2147483648",
                    "2147483648",
                    "-2147483649",
                    "9223372036854775807",
                    "-9223372036854775808",
                ] {
                    lp.push_back(v.as_bytes());
                }
                lp.into_bytes()
            }
            n => panic!("unknown case {n}"),
        }
    }

    /// Redis's compressed bytes decompress to the original, and our compressor produces exactly
    /// Redis's compressed bytes from the original.
    #[test]
    fn matches_redis_lzf() {
        for (name, hex) in DUMPS {
            let dump = unhex(hex);
            let mut pos = 1;
            if dump[0] == 18 {
                assert_eq!(rdb_len(&dump, &mut pos), 1);
                assert_eq!(rdb_len(&dump, &mut pos), 2);
            } else {
                assert_eq!(dump[0], 0);
            }
            assert_eq!(dump[pos], 0xC3, "{name}: RDB_ENC_LZF");
            pos += 1;
            let clen = rdb_len(&dump, &mut pos);
            let len = rdb_len(&dump, &mut pos);
            let compressed = &dump[pos..pos + clen];
            assert_eq!(dump.len(), pos + clen + 10, "{name}");
            let orig = original(name);
            assert_eq!(len, orig.len(), "{name}");
            assert_eq!(
                decompress(compressed, len).as_deref(),
                Some(&orig[..]),
                "{name}"
            );
            assert_eq!(compress(&orig).as_deref(), Some(compressed), "{name}");
            // Wrong expected lengths are refused.
            assert_eq!(decompress(compressed, len - 1), None, "{name}");
            assert_eq!(decompress(compressed, len + 1), None, "{name}");
        }
    }

    #[test]
    fn incompressible_and_tiny_inputs() {
        assert_eq!(compress(b""), None);
        assert_eq!(compress(b"abcd"), None);
        assert_eq!(compress(b"abcdefghijklmnopqrstuvwxyz"), None);
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(compress(&noise), None);
        // With room to spare, even incompressible data "compresses" (literal runs only).
        let c = compress_with_limit(&noise, 400).unwrap();
        assert_eq!(decompress(&c, noise.len()).unwrap(), noise);
        assert_eq!(compress_with_limit(b"x", 0), None);
        assert_eq!(decompress(b"", 0), Some(vec![]));
        assert_eq!(decompress(b"", 1), None);
    }

    #[test]
    fn hostile_streams_are_refused() {
        // Back reference before the start.
        assert_eq!(decompress(&[0x20, 0x00], 3), None);
        // Literal run longer than the input.
        assert_eq!(decompress(&[0x05, b'a'], 6), None);
        // Truncated reference.
        assert_eq!(decompress(&[0x00, b'a', 0xE0], 20), None);
        assert_eq!(decompress(&[0x00, b'a', 0xE0, 0x10], 20), None);
        // Output longer than expected.
        assert_eq!(decompress(&[0x00, b'a', 0xE0, 0xFF, 0x00], 10), None);
        // A run from one byte: 1 literal + 264 copied.
        assert_eq!(
            decompress(&[0x00, b'a', 0xE0, 0xFF, 0x00], 265),
            Some(vec![b'a'; 265])
        );
    }

    fn compressible() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..600),
            proptest::collection::vec(0u8..4, 0..3000),
            (proptest::collection::vec(any::<u8>(), 1..20), 1usize..200)
                .prop_map(|(chunk, n)| chunk.repeat(n)),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(data in compressible(), slack in 0usize..64) {
            if let Some(c) = compress(&data) {
                prop_assert!(c.len() <= data.len() - 4);
                prop_assert_eq!(decompress(&c, data.len()), Some(data.clone()));
            }
            let limit = data.len() + slack;
            if let Some(c) = compress_with_limit(&data, limit) {
                prop_assert!(c.len() <= limit);
                prop_assert_eq!(decompress(&c, data.len()), Some(data.clone()));
            }
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200),
                                   expected in 0usize..2000) {
            if let Some(out) = decompress(&data, expected) {
                prop_assert_eq!(out.len(), expected);
            }
        }
    }
}
