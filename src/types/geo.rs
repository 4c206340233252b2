//! Geohash arithmetic for the GEO commands, as Redis 7.0's geohash.c and geohash_helper.c do it.
//!
//! A geo set is an ordinary sorted set whose scores are 52-bit geohashes: a position is cut into
//! 26 bits of longitude (range -180..180) and 26 bits of latitude (range -85.05112878..
//! 85.05112878, the Web Mercator limits) and the two are interleaved, latitude in the even bits
//! and longitude in the odd bits, so the top bit is the longitude's first. A cell of `step` bits
//! per axis covers the score range `[bits << (52 - 2 * step), (bits + 1) << (52 - 2 * step))`.
//!
//! Every step copies Redis's arithmetic in the same order with the same types (u32 truncation of
//! the fixed-point offsets, wrapping u32/u64 adds, the C double-to-u64 cast of a score), because
//! the search result, the decoded coordinates and the distances must be bit-identical: a search
//! estimates a cell size from the radius ([`search_areas`]), scans the centre cell and its eight
//! neighbours in a fixed order, and keeps the members the exact shape test accepts. The quirks
//! are Redis's own: a longitude of exactly 180 encodes with an offset of 2^26 (a carry past the
//! 52 bits), duplicate neighbour cells are skipped only after a non-centre cell was scanned, and
//! results are sorted with glibc's stable merge sort or, for a partial COUNT, Redis's `pqsort`.
//!
//! Distances are haversine great-circle distances on a sphere of radius
//! [`EARTH_RADIUS_IN_METERS`], in meters.

/// The highest precision, in bits per axis: 26 bits each make the 52-bit score.
pub const STEP_MAX: u8 = 26;
/// The smallest longitude accepted.
pub const LONG_MIN: f64 = -180.0;
/// The largest longitude accepted.
pub const LONG_MAX: f64 = 180.0;
/// The smallest latitude accepted (Web Mercator's limit).
pub const LAT_MIN: f64 = -85.05112878;
/// The largest latitude accepted (Web Mercator's limit).
pub const LAT_MAX: f64 = 85.05112878;
/// The Earth's radius Redis's distances use, in meters.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;

const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A geohash of `step` bits per axis (`bits` holds `2 * step` interleaved bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashBits {
    /// The interleaved bits, latitude in the even positions.
    pub bits: u64,
    /// Bits per axis.
    pub step: u8,
}

impl HashBits {
    /// Whether this is the "no cell" marker (Redis's HASHISZERO: no bits and no step).
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The score this cell starts at (Redis's geohashAlign52Bits).
    pub fn align52(&self) -> u64 {
        let shift = 52u32.saturating_sub(u32::from(self.step) * 2);
        self.bits.checked_shl(shift).unwrap_or(0)
    }
}

/// A closed coordinate interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The rectangle a geohash cell covers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Area {
    /// Longitude interval.
    pub longitude: Range,
    /// Latitude interval.
    pub latitude: Range,
}

/// The shape of a search (GEOSEARCH BYRADIUS / BYBOX, GEORADIUS), centred on `lon`, `lat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Meters per unit of the sizes below (1, 1000, 0.3048 or 1609.34).
    pub conversion: f64,
    /// The circle or the box, in the request's unit.
    pub kind: ShapeKind,
}

/// A circle or an axis-aligned box, sized in the request's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// BYRADIUS: everything within `radius`.
    Circle {
        /// The radius.
        radius: f64,
    },
    /// BYBOX: everything within `width` east-west and `height` north-south.
    Box {
        /// Full width.
        width: f64,
        /// Full height.
        height: f64,
    },
}

/// The standard WGS84 ranges Redis indexes positions in.
pub fn coord_ranges() -> (Range, Range) {
    (
        Range {
            min: LONG_MIN,
            max: LONG_MAX,
        },
        Range {
            min: LAT_MIN,
            max: LAT_MAX,
        },
    )
}

/// Encodes a position at `step` bits per axis within the given ranges (Redis's geohashEncode);
/// `None` outside the WGS84 limits or the ranges, or for a step outside 1..=32.
pub fn encode(
    long_range: Range,
    lat_range: Range,
    lon: f64,
    lat: f64,
    step: u8,
) -> Option<HashBits> {
    if step > 32 || step == 0 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < long_range.min || lon > long_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut long_offset = (lon - long_range.min) / (long_range.max - long_range.min);
    let scale = (1u64 << step) as f64;
    lat_offset *= scale;
    long_offset *= scale;
    // C converts the doubles to uint32_t (truncation); at the upper limit the offset is
    // exactly 2^step, one past the last cell, and Redis keeps that carry.
    Some(HashBits {
        bits: interleave64(lat_offset as u32, long_offset as u32),
        step,
    })
}

/// [`encode`] in the WGS84 ranges.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<HashBits> {
    let (lo, la) = coord_ranges();
    encode(lo, la, lon, lat, step)
}

/// The score GEOADD stores for a position already checked against the limits.
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode_wgs84(lon, lat, STEP_MAX).map(|h| h.align52())
}

/// The cell a geohash covers (Redis's geohashDecode); `None` for the zero marker.
pub fn decode(long_range: Range, lat_range: Range, hash: HashBits) -> Option<Area> {
    if hash.is_zero() {
        return None;
    }
    let sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = sep as u32;
    let ilono = (sep >> 32) as u32;
    let div = 1u64.checked_shl(u32::from(hash.step)).unwrap_or(0) as f64;
    Some(Area {
        latitude: Range {
            min: lat_range.min + (f64::from(ilato) / div) * lat_scale,
            max: lat_range.min + (f64::from(ilato.wrapping_add(1)) / div) * lat_scale,
        },
        longitude: Range {
            min: long_range.min + (f64::from(ilono) / div) * long_scale,
            max: long_range.min + (f64::from(ilono.wrapping_add(1)) / div) * long_scale,
        },
    })
}

/// The centre of a WGS84 cell, clamped to the limits (geohashDecodeToLongLatWGS84).
pub fn decode_to_lonlat(hash: HashBits) -> Option<(f64, f64)> {
    let (lo, la) = coord_ranges();
    let area = decode(lo, la, hash)?;
    let lon = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    Some((lon, lat))
}

/// The position a sorted-set score stands for (geo.c's decodeGeohash, including C's
/// double-to-uint64 cast of scores that are no geohash at all).
pub fn decode_score(score: f64) -> Option<(f64, f64)> {
    decode_to_lonlat(HashBits {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    })
}

/// The 11-character base32 geohash GEOHASH returns: the position re-encoded in the standard
/// latitude range -90..90, the eleventh character always '0'.
pub fn geohash_string(lon: f64, lat: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let long_range = Range {
        min: -180.0,
        max: 180.0,
    };
    let lat_range = Range {
        min: -90.0,
        max: 90.0,
    };
    let bits = encode(long_range, lat_range, lon, lat, STEP_MAX).map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        let idx = (bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET.get(idx as usize).copied().unwrap_or(b'0');
    }
    out
}

/// The eight cells around `hash`, in Redis's GeoHashNeighbors order: north, south, east, west,
/// north-east, north-west, south-east, south-west.
pub fn neighbors(hash: HashBits) -> [HashBits; 8] {
    let at = |dx: i8, dy: i8| {
        let mut h = hash;
        move_axis(&mut h, dx, X_BITS);
        move_axis(&mut h, dy, Y_BITS);
        h
    };
    [
        at(0, 1),
        at(0, -1),
        at(1, 0),
        at(-1, 0),
        at(1, 1),
        at(-1, 1),
        at(1, -1),
        at(-1, -1),
    ]
}

/// The great-circle distance in meters (Redis's geohashGetDistance).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = lon1 * D_R;
    let lon2r = lon2 * D_R;
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = lat1 * D_R;
    let lat2r = lat2 * D_R;
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The north-south distance in meters between two latitudes.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (lat2 * D_R - lat1 * D_R).abs()
}

impl Shape {
    /// Whether the member at `score` lies in the shape: its decoded position and its distance
    /// from the centre in meters (geo.c's geoWithinShape).
    pub fn contains(&self, score: f64) -> Option<(f64, f64, f64)> {
        let (lon, lat) = decode_score(score)?;
        match self.kind {
            ShapeKind::Circle { radius } => {
                let d = distance(self.lon, self.lat, lon, lat);
                // A NaN distance passes, as in Redis (it only rejects `d > radius`).
                if d > radius * self.conversion {
                    return None;
                }
                Some((lon, lat, d))
            }
            ShapeKind::Box { width, height } => {
                let (w, h) = (width * self.conversion, height * self.conversion);
                if lat_distance(lat, self.lat) > h / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > w / 2.0 {
                    return None;
                }
                Some((lon, lat, distance(self.lon, self.lat, lon, lat)))
            }
        }
    }

    /// The bounding box [min lon, min lat, max lon, max lat] (geohashBoundingBox).
    fn bounds(&self) -> [f64; 4] {
        let (height, width) = match self.kind {
            ShapeKind::Circle { radius } => (self.conversion * radius, self.conversion * radius),
            ShapeKind::Box { width, height } => (
                self.conversion * height / 2.0,
                self.conversion * width / 2.0,
            ),
        };
        let lat_delta = (height / EARTH_RADIUS_IN_METERS) / D_R;
        let long_delta_top =
            (width / EARTH_RADIUS_IN_METERS / ((self.lat + lat_delta) * D_R).cos()) / D_R;
        let long_delta_bottom =
            (width / EARTH_RADIUS_IN_METERS / ((self.lat - lat_delta) * D_R).cos()) / D_R;
        let delta = if self.lat < 0.0 {
            long_delta_bottom
        } else {
            long_delta_top
        };
        [
            self.lon - delta,
            self.lat - lat_delta,
            self.lon + delta,
            self.lat + lat_delta,
        ]
    }
}

/// The cells a search scans, in Redis's order: the centre cell, then north, south, east, west,
/// north-east, north-west, south-east, south-west; a zero [`HashBits`] is a cell left out
/// (geohashCalculateAreasByShapeWGS84).
pub fn search_areas(shape: &Shape) -> [HashBits; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounds();
    let radius_meters = match shape.kind {
        ShapeKind::Circle { radius } => radius,
        ShapeKind::Box { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
    } * shape.conversion;
    let mut steps = estimate_steps(radius_meters, shape.lat);
    let (lo, la) = coord_ranges();
    let cell = |steps: u8| {
        let hash = encode(lo, la, shape.lon, shape.lat, steps).unwrap_or_default();
        let area = decode(lo, la, hash).unwrap_or_default();
        (hash, neighbors(hash), area)
    };
    let (mut hash, mut nb, mut area) = cell(steps);
    let side = |h: HashBits| decode(lo, la, h).unwrap_or_default();
    let [north, south, east, west, ..] = nb;
    let decrease = side(north).latitude.max < max_lat
        || side(south).latitude.min > min_lat
        || side(east).longitude.max < max_lon
        || side(west).longitude.min > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        (hash, nb, area) = cell(steps);
    }
    let zero = HashBits::default();
    let [mut n, mut s, mut e, mut w, mut ne, mut nw, mut se, mut sw] = nb;
    if steps >= 2 {
        if area.latitude.min < min_lat {
            (s, sw, se) = (zero, zero, zero);
        }
        if area.latitude.max > max_lat {
            (n, ne, nw) = (zero, zero, zero);
        }
        if area.longitude.min < min_lon {
            (w, sw, nw) = (zero, zero, zero);
        }
        if area.longitude.max > max_lon {
            (e, se, ne) = (zero, zero, zero);
        }
    }
    [hash, n, s, e, w, ne, nw, se, sw]
}

/// The score range `[min, max)` a cell covers, as the doubles Redis compares scores against.
pub fn cell_score_range(hash: HashBits) -> (f64, f64) {
    let min = hash.align52();
    let next = HashBits {
        bits: hash.bits.wrapping_add(1),
        step: hash.step,
    };
    (min as f64, next.align52() as f64)
}

/// The comparison Redis sorts results with (sort_gp_asc): 1, 0 or -1, NaN comparing below.
pub fn cmp_dist(a: f64, b: f64) -> i32 {
    if a > b {
        1
    } else if a == b {
        0
    } else {
        -1
    }
}

/// Sorts `v` as glibc 2.36's qsort does for arrays it can buffer: a top-down merge sort that
/// takes from the left run while `cmp(left, right) <= 0` (stable, and deterministic even for
/// a comparator that is not a total order).
pub fn merge_sort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    let (left, right) = v.split_at_mut(n1);
    merge_sort(left, cmp);
    merge_sort(right, cmp);
    let mut tmp = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while let (Some(a), Some(b)) = (left.get(i), right.get(j)) {
        if cmp(a, b) <= 0 {
            tmp.push(a.clone());
            i += 1;
        } else {
            tmp.push(b.clone());
            j += 1;
        }
    }
    tmp.extend_from_slice(left.get(i..).unwrap_or_default());
    tmp.extend_from_slice(right.get(j..).unwrap_or_default());
    for (dst, src) in v.iter_mut().zip(tmp) {
        *dst = src;
    }
}

/// Redis's `pqsort`: the NetBSD (Bentley-McIlroy) quicksort that only recurses into the parts
/// overlapping positions `lrange..=rrange`, so those end up sorted. Ported step for step so that
/// equal elements land where Redis puts them; as in Redis 7.0, a partition that swapped nothing
/// does not switch to insertion sort (the original's quadratic-case heuristic is gone).
pub fn pqsort<T>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32, lrange: usize, rrange: usize) {
    pqsort_at(v, 0, v.len(), cmp, lrange, rrange);
}

fn pqsort_at<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    cmp: &impl Fn(&T, &T) -> i32,
    lrange: usize,
    rrange: usize,
) {
    let c = |v: &[T], i: usize, j: usize| match (v.get(i), v.get(j)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => 0,
    };
    let swap = |v: &mut [T], i: usize, j: usize| {
        if i < v.len() && j < v.len() {
            v.swap(i, j);
        }
    };
    let vecswap = |v: &mut [T], i: usize, j: usize, k: usize| {
        for t in 0..k {
            if i + t < v.len() && j + t < v.len() {
                v.swap(i + t, j + t);
            }
        }
    };
    let med3 = |v: &[T], x: usize, y: usize, z: usize| {
        if c(v, x, y) < 0 {
            if c(v, y, z) < 0 {
                y
            } else if c(v, x, z) < 0 {
                z
            } else {
                x
            }
        } else if c(v, y, z) > 0 {
            y
        } else if c(v, x, z) < 0 {
            x
        } else {
            z
        }
    };
    let insertion = |v: &mut [T], a: usize, n: usize| {
        for pm in a + 1..a + n {
            let mut pl = pm;
            while pl > a && c(v, pl - 1, pl) > 0 {
                swap(v, pl, pl - 1);
                pl -= 1;
            }
        }
    };
    loop {
        if n < 7 {
            insertion(v, a, n);
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d);
                pm = med3(v, pm - d, pm, pm + d);
                pn = med3(v, pn - 2 * d, pn - d, pn);
            }
            pm = med3(v, pl, pm, pn);
        }
        swap(v, a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        // pc and pd may step below a + 1 by one; keep them as signed positions.
        let (mut pc, mut pd) = ((a + n - 1) as isize, (a + n - 1) as isize);
        loop {
            while pb as isize <= pc {
                let r = c(v, pb, a);
                if r > 0 {
                    break;
                }
                if r == 0 {
                    swap(v, pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let r = c(v, pc as usize, a);
                if r < 0 {
                    break;
                }
                if r == 0 {
                    swap(v, pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            swap(v, pb, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = ((pd - pc) as usize).min(pn - pd as usize - 1);
        vecswap(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && overlaps(a, r, lrange, rrange) {
            pqsort_at(v, a, r, cmp, lrange, rrange);
        }
        let r = (pd - pc) as usize;
        if r > 1 {
            a = pn - r;
            n = r;
            if overlaps(a, r, lrange, rrange) {
                continue;
            }
        }
        return;
    }
}

/// Whether positions `a..a + r` meet `lrange..=rrange` (pqsort's pointer-range test).
fn overlaps(a: usize, r: usize, lrange: usize, rrange: usize) -> bool {
    let last = a + r - 1;
    !((lrange < a && rrange < a) || (lrange > last && rrange > last))
}

/// How many bits per axis a search of `range_meters` around latitude `lat` starts from
/// (geohashEstimateStepsByRadius).
pub fn estimate_steps(mut range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

// ---------------------------------------------------------------------------------------------
// Bit helpers.

/// Spreads `x` over the even bits and `y` over the odd bits.
fn interleave64(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// The even bits into the low 32 bits and the odd bits into the high 32 bits.
fn deinterleave64(v: u64) -> u64 {
    fn squash(mut v: u64) -> u64 {
        v &= 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF
    }
    squash(v) | (squash(v >> 1) << 32)
}

/// The interleaved bits of a cell's longitude (x); the rest are its latitude.
const X_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;
/// The interleaved bits of a cell's latitude (y).
const Y_BITS: u64 = 0x5555_5555_5555_5555;

/// Moves a cell along the axis whose interleaved bits are `axis` (`X_BITS`: east for `d > 0`,
/// west for `d < 0`; `Y_BITS`: north, south) with Redis's wrapping arithmetic
/// (geohash_move_x / geohash_move_y, which differ only in the mask).
fn move_axis(h: &mut HashBits, d: i8, axis: u64) {
    if d == 0 {
        return;
    }
    let shift = 64u32.saturating_sub(u32::from(h.step) * 2);
    let mut moving = h.bits & axis;
    let other = h.bits & !axis;
    let zz = (!axis).checked_shr(shift).unwrap_or(0);
    if d > 0 {
        moving = moving.wrapping_add(zz.wrapping_add(1));
    } else {
        moving |= zz;
        moving = moving.wrapping_sub(zz.wrapping_add(1));
    }
    moving &= axis.checked_shr(shift).unwrap_or(0);
    h.bits = moving | other;
}

/// C's `(uint64_t)d` as gcc compiles it for x86-64 (cvttsd2si, with 2^63 subtracted first for
/// large values): out-of-range inputs give 2^63, or 0 past 2^64, rather than saturating.
fn c_double_to_u64(d: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let cvt = |x: f64| -> u64 {
        if x > -TWO63 - 1.0 && x < TWO63 {
            (x as i64) as u64
        } else {
            1u64 << 63
        }
    };
    if d >= TWO63 {
        cvt(d - TWO63) ^ (1u64 << 63)
    } else {
        cvt(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palermo_encodes_to_redis_score_and_hash() {
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909));
        let (lon, lat) = decode_score(3479099956230698.0).unwrap();
        assert_eq!(lon, 13.361389338970184);
        assert_eq!(lat, 38.1155563954963);
        assert_eq!(&geohash_string(lon, lat), b"sqc8b49rny0");
    }

    #[test]
    fn interleave_roundtrips() {
        for (x, y) in [
            (0u32, 0u32),
            (1, 0),
            (0, 1),
            (0x3ff_ffff, 0x155_5555),
            (u32::MAX, 7),
        ] {
            let v = interleave64(x, y);
            let s = deinterleave64(v);
            assert_eq!((s as u32, (s >> 32) as u32), (x, y));
        }
        assert_eq!(interleave64(1, 0), 1);
        assert_eq!(interleave64(0, 1), 2);
    }

    #[test]
    fn longitude_180_carries_past_52_bits() {
        let s = score_of(180.0, 0.0).unwrap();
        assert!(s >= 1 << 53);
        let (lon, _) = decode_score(s as f64).unwrap();
        assert_eq!(lon, 180.0);
    }

    #[test]
    fn distance_palermo_catania() {
        let (a, b) = (
            decode_score(3479099956230698.0).unwrap(),
            decode_score(3479447370796909.0).unwrap(),
        );
        let d = distance(a.0, a.1, b.0, b.1);
        assert_eq!(crate::util::num::fmt_f64_fixed(d, 4), "166274.1516");
    }

    #[test]
    fn c_cast_of_odd_scores() {
        assert_eq!(c_double_to_u64(-1.0), u64::MAX);
        assert_eq!(c_double_to_u64(f64::INFINITY), 0);
        assert_eq!(c_double_to_u64(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(c_double_to_u64(1.5), 1);
        assert_eq!(c_double_to_u64(1.8446744073709552e19), 0);
    }

    #[test]
    fn steps_shrink_with_radius_and_latitude() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        assert_eq!(estimate_steps(200_000.0, 0.0), 6);
        assert_eq!(estimate_steps(200_000.0, 70.0), 5);
        assert_eq!(estimate_steps(200_000.0, -85.0), 4);
        assert_eq!(estimate_steps(f64::INFINITY, 0.0), 1);
    }

    #[test]
    fn neighbours_move_one_cell() {
        let h = encode_wgs84(0.5, 0.5, 2).unwrap();
        let nb = neighbors(h);
        let (lo, la) = coord_ranges();
        let c = decode(lo, la, h).unwrap();
        let north = decode(lo, la, nb[0]).unwrap();
        let east = decode(lo, la, nb[2]).unwrap();
        assert_eq!(north.latitude.min, c.latitude.max);
        assert_eq!(east.longitude.min, c.longitude.max);
    }

    #[test]
    fn sorts_match_std_on_total_orders() {
        let data: Vec<i32> = (0..200).map(|i| (i * 7919) % 101).collect();
        let cmp = |a: &i32, b: &i32| a.cmp(b) as i32;
        let mut want = data.clone();
        want.sort();
        let mut m = data.clone();
        merge_sort(&mut m, &cmp);
        assert_eq!(m, want);
        let mut p = data.clone();
        pqsort(&mut p, &cmp, 0, 199);
        assert_eq!(p, want);
        let mut q = data.clone();
        pqsort(&mut q, &cmp, 0, 9);
        assert_eq!(q.get(..10), want.get(..10));
    }
}
