//! The geo command group: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE,
//! GEORADIUS, GEORADIUSBYMEMBER and the `_RO` variants, as Redis 7.0's geo.c.
//!
//! A geo set is a sorted set whose scores are 52-bit geohashes ([`crate::types::geo`]), so these
//! handlers work on [`ZSet`] through its public API. GEOADD turns its triples into a ZADD and runs
//! ZADD itself (so the reply, the "zadd" keyspace event and the errors are ZADD's), propagating
//! that rewritten `zadd` as Redis does. The searches share [`search_generic`] (Redis's
//! georadiusGeneric): arguments are parsed in Redis's order with its error texts, the cells of
//! [`geo::search_areas`] are scanned in order (each a score range, ascending), the shape test
//! keeps members, and the result is sorted with glibc's merge sort or, when COUNT cuts it,
//! Redis's partial quicksort, so that ties and the unsorted order come out as in Redis.
//! Coordinates are replied as Redis's "human" long doubles (a bulk in RESP2, a double in RESP3);
//! distances as "%.4f" bulk strings in both protocols.

use bytes::Bytes;

use super::args::{arg, c_is, c_str};
use super::error::CmdError;
use super::sorted_set::{read_zset, zset_ref};
use super::{Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_ZSET};
use crate::db::Ref;
use crate::protocol::reply::Protocol;
use crate::types::geo::{self, Shape, ShapeKind};
use crate::types::value::Value;
use crate::types::zset::{Limits, ZSet};
use crate::util::num::{self, LongDouble};

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("geoadd", geoadd),
    ("geodist", geodist),
    ("geohash", geohash),
    ("geopos", geopos),
    ("georadius", georadius),
    ("georadius_ro", georadius_ro),
    ("georadiusbymember", georadiusbymember),
    ("georadiusbymember_ro", georadiusbymember_ro),
    ("geosearch", geosearch),
    ("geosearchstore", geosearchstore),
];

const NOT_DECODABLE: CmdError = CmdError::Static("ERR could not decode requested zset member");

// ---------------------------------------------------------------------------------------------
// Argument helpers.

/// The zset at `key` once [`read_zset`] has looked it up: no second hit/miss count or expiry
/// check, as Redis looks the source of a search up once.
fn peek_zset<'c>(ctx: &'c Ctx<'_>, key: &[u8]) -> Option<Ref<'c, ZSet>> {
    ctx.core.dbs.db(ctx.db())?.get(key)?.project(zset_ref).ok()
}

/// A longitude, latitude pair checked against the WGS84 limits (extractLongLatOrReply).
fn parse_lonlat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let x = num::parse_f64(lon).ok_or(CmdError::NotFloat)?;
    let y = num::parse_f64(lat).ok_or(CmdError::NotFloat)?;
    if !(geo::LONG_MIN..=geo::LONG_MAX).contains(&x) || !(geo::LAT_MIN..=geo::LAT_MAX).contains(&y)
    {
        return Err(CmdError::Other(format!(
            "ERR invalid longitude,latitude pair {},{}",
            num::fmt_f64_fixed(x, 6),
            num::fmt_f64_fixed(y, 6)
        )));
    }
    Ok((x, y))
}

/// Meters per unit for M, KM, FT or MI, any case (extractUnitOrReply).
fn parse_unit(u: &[u8]) -> Result<f64, CmdError> {
    if c_is(u, "m") {
        Ok(1.0)
    } else if c_is(u, "km") {
        Ok(1000.0)
    } else if c_is(u, "ft") {
        Ok(0.3048)
    } else if c_is(u, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::Static(
            "ERR unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// A radius and its unit (extractDistanceOrReply): (radius in units, meters per unit).
fn parse_radius(r: &[u8], unit: &[u8]) -> Result<(f64, f64), CmdError> {
    let d = num::parse_f64(r).ok_or(CmdError::Static("ERR need numeric radius"))?;
    if d < 0.0 {
        return Err(CmdError::Static("ERR radius cannot be negative"));
    }
    Ok((d, parse_unit(unit)?))
}

/// The position of `member` in `z`, if it has one.
fn member_pos(z: &ZSet, member: &[u8]) -> Option<(f64, f64)> {
    geo::decode_score(z.score(member)?)
}

/// Writes a coordinate as addReplyHumanLongDouble does.
fn reply_coord(ctx: &mut Ctx<'_>, d: f64) {
    let text = LongDouble::from_f64(d).format_human();
    if ctx.reply.protocol() == Protocol::Resp3 {
        ctx.reply.double_text(d, text.as_bytes());
    } else {
        ctx.reply.bulk(text.as_bytes());
    }
}

/// Writes a distance as addReplyDoubleDistance does: "%.4f" as a bulk string.
fn reply_distance(ctx: &mut Ctx<'_>, d: f64) {
    ctx.reply.bulk(num::fmt_f64_fixed(d, 4).as_bytes());
}

// ---------------------------------------------------------------------------------------------
// GEOADD, GEODIST, GEOHASH, GEOPOS.

/// GEOADD key [NX|XX] [CH] lon lat member [...]: ZADD of the encoded positions.
fn geoadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let (mut nx, mut xx, mut idx) = (false, false, 2);
    while let Some(a) = argv.get(idx) {
        if c_is(a, "nx") {
            nx = true;
        } else if c_is(a, "xx") {
            xx = true;
        } else if !c_is(a, "ch") {
            break;
        }
        idx += 1;
    }
    let triples = argv.get(idx..).unwrap_or_default();
    if triples.len() % 3 != 0 || (xx && nx) {
        return Err(CmdError::Syntax);
    }
    let mut zargv: Vec<Bytes> = Vec::with_capacity(idx + triples.len() / 3 * 2);
    zargv.push(Bytes::from_static(b"zadd"));
    zargv.extend(argv.get(1..idx).unwrap_or_default().iter().cloned());
    for t in triples.chunks(3) {
        let (lon, lat) = parse_lonlat(arg(t, 0), arg(t, 1))?;
        let score = geo::score_of(lon, lat).unwrap_or(0);
        let mut buf = [0u8; 20];
        zargv.push(Bytes::copy_from_slice(num::fmt_u64(score, &mut buf)));
        zargv.push(t.get(2).cloned().unwrap_or_default());
    }
    let dirty_before = ctx.core.dbs.dirty;
    let expired_before = ctx.core.dbs.stats.expired_keys;
    super::sorted_set::zadd(ctx, &zargv)?;
    let expired = ctx.core.dbs.stats.expired_keys.wrapping_sub(expired_before);
    let own = ctx
        .core
        .dbs
        .dirty
        .saturating_sub(dirty_before)
        .saturating_sub(expired);
    if own > 0 {
        // Redis replaces the command vector with the ZADD it runs, so that is what replicas
        // and the AOF see.
        ctx.propagate(zargv);
    }
    Ok(())
}

/// GEODIST key a b [unit]: the distance as "%.4f", or null when a member is missing.
fn geodist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let to_meter = match argv.len() {
        5 => parse_unit(arg(argv, 4))?,
        n if n > 5 => return Err(CmdError::Syntax),
        _ => 1.0,
    };
    let Some(z) = read_zset(ctx, arg(argv, 1))? else {
        ctx.reply.null();
        return Ok(());
    };
    let (Some(s1), Some(s2)) = (z.score(arg(argv, 2)), z.score(arg(argv, 3))) else {
        ctx.reply.null();
        return Ok(());
    };
    match (geo::decode_score(s1), geo::decode_score(s2)) {
        (Some(a), Some(b)) => {
            let d = geo::distance(a.0, a.1, b.0, b.1) / to_meter;
            reply_distance(ctx, d);
        }
        _ => ctx.reply.null(),
    }
    Ok(())
}

/// GEOHASH key member [...]: 11-character geohash strings, null for missing members.
fn geohash(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let members = argv.get(2..).unwrap_or_default();
    let hashes: Vec<Option<[u8; 11]>> = match read_zset(ctx, arg(argv, 1))? {
        None => vec![None; members.len()],
        Some(z) => members
            .iter()
            .map(|m| member_pos(&z, m).map(|(lon, lat)| geo::geohash_string(lon, lat)))
            .collect(),
    };
    ctx.reply.array_len(hashes.len());
    for h in hashes {
        match h {
            Some(h) => ctx.reply.bulk(&h),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// GEOPOS key member [...]: [lon, lat] pairs, a null array for missing members.
fn geopos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let members = argv.get(2..).unwrap_or_default();
    let pos: Vec<Option<(f64, f64)>> = match read_zset(ctx, arg(argv, 1))? {
        None => vec![None; members.len()],
        Some(z) => members.iter().map(|m| member_pos(&z, m)).collect(),
    };
    ctx.reply.array_len(pos.len());
    for p in pos {
        match p {
            Some((lon, lat)) => {
                ctx.reply.array_len(2);
                reply_coord(ctx, lon);
                reply_coord(ctx, lat);
            }
            None => ctx.reply.null_array(),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Searches.

/// How a search command takes its arguments (georadiusGeneric's flags).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// GEORADIUS[_RO] key lon lat radius unit ...
    Radius { store: bool },
    /// GEORADIUSBYMEMBER[_RO] key member radius unit ...
    ByMember { store: bool },
    /// GEOSEARCH key ... / GEOSEARCHSTORE dst key ...
    Search { store: bool },
}

fn georadius(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::Radius { store: true })
}

fn georadius_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::Radius { store: false })
}

fn georadiusbymember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::ByMember { store: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::ByMember { store: false })
}

fn geosearch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::Search { store: false })
}

fn geosearchstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    search_generic(ctx, argv, Variant::Search { store: true })
}

/// One search result (geo.c's geoPoint).
#[derive(Clone)]
struct Point {
    lon: f64,
    lat: f64,
    dist: f64,
    score: f64,
    member: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// The shared body of every search command (georadiusGeneric).
fn search_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], variant: Variant) -> Result<(), CmdError> {
    let src_idx = if variant == (Variant::Search { store: true }) {
        2
    } else {
        1
    };
    let src = arg(argv, src_idx);
    let exists = read_zset(ctx, src)?.is_some();
    let mut center: Option<(f64, f64)> = None;
    let mut size: Option<(ShapeKind, f64)> = None;
    let mut storekey: Option<&[u8]> = None;
    let mut storedist = false;
    let base = match variant {
        Variant::Radius { .. } => {
            center = Some(parse_lonlat(arg(argv, 2), arg(argv, 3))?);
            let (r, conv) = parse_radius(arg(argv, 4), arg(argv, 5))?;
            size = Some((ShapeKind::Circle { radius: r }, conv));
            6
        }
        Variant::ByMember { .. } if !exists => 5,
        Variant::ByMember { .. } => {
            let z = peek_zset(ctx, src);
            center = Some(
                z.and_then(|z| member_pos(&z, arg(argv, 2)))
                    .ok_or(NOT_DECODABLE)?,
            );
            let (r, conv) = parse_radius(arg(argv, 3), arg(argv, 4))?;
            size = Some((ShapeKind::Circle { radius: r }, conv));
            5
        }
        Variant::Search { store } => {
            if store {
                storekey = Some(arg(argv, 1));
                3
            } else {
                2
            }
        }
    };
    let is_search = matches!(variant, Variant::Search { .. });
    let allow_store = matches!(
        variant,
        Variant::Radius { store: true } | Variant::ByMember { store: true }
    );
    let (mut withdist, mut withhash, mut withcoord) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let rest = argv.get(base..).unwrap_or_default();
    let remaining = rest.len();
    let mut i = 0;
    while i < remaining {
        let a = arg(rest, i);
        if c_is(a, "withdist") {
            withdist = true;
        } else if c_is(a, "withhash") {
            withhash = true;
        } else if c_is(a, "withcoord") {
            withcoord = true;
        } else if c_is(a, "any") {
            any = true;
        } else if c_is(a, "asc") {
            sort = Sort::Asc;
        } else if c_is(a, "desc") {
            sort = Sort::Desc;
        } else if c_is(a, "count") && i + 1 < remaining {
            count = num::parse_i64(arg(rest, i + 1)).ok_or(CmdError::NotInteger)?;
            if count <= 0 {
                return Err(CmdError::Static("ERR COUNT must be > 0"));
            }
            i += 1;
        } else if c_is(a, "store") && i + 1 < remaining && allow_store {
            storekey = Some(arg(rest, i + 1));
            storedist = false;
            i += 1;
        } else if c_is(a, "storedist") && i + 1 < remaining && allow_store {
            storekey = Some(arg(rest, i + 1));
            storedist = true;
            i += 1;
        } else if c_is(a, "storedist") && variant == (Variant::Search { store: true }) {
            storedist = true;
        } else if c_is(a, "frommember") && i + 1 < remaining && is_search && !fromloc {
            if exists {
                let z = peek_zset(ctx, src);
                center = Some(
                    z.and_then(|z| member_pos(&z, arg(rest, i + 1)))
                        .ok_or(NOT_DECODABLE)?,
                );
            }
            frommember = true;
            i += 1;
        } else if c_is(a, "fromlonlat") && i + 2 < remaining && is_search && !frommember {
            center = Some(parse_lonlat(arg(rest, i + 1), arg(rest, i + 2))?);
            fromloc = true;
            i += 2;
        } else if c_is(a, "byradius") && i + 2 < remaining && is_search && !bybox {
            let (r, conv) = parse_radius(arg(rest, i + 1), arg(rest, i + 2))?;
            size = Some((ShapeKind::Circle { radius: r }, conv));
            byradius = true;
            i += 2;
        } else if c_is(a, "bybox") && i + 3 < remaining && is_search && !byradius {
            let w = num::parse_f64(arg(rest, i + 1))
                .ok_or(CmdError::Static("ERR need numeric width"))?;
            let h = num::parse_f64(arg(rest, i + 2))
                .ok_or(CmdError::Static("ERR need numeric height"))?;
            if h < 0.0 || w < 0.0 {
                return Err(CmdError::Static("ERR height or width cannot be negative"));
            }
            let conv = parse_unit(arg(rest, i + 3))?;
            size = Some((
                ShapeKind::Box {
                    width: w,
                    height: h,
                },
                conv,
            ));
            bybox = true;
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if storekey.is_some() && (withdist || withhash || withcoord) {
        return Err(CmdError::Other(format!(
            "ERR {} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if variant == (Variant::Search { store: true }) {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        )));
    }
    let name = || String::from_utf8_lossy(c_str(arg(argv, 0))).into_owned();
    if is_search && !(frommember || fromloc) {
        return Err(CmdError::Other(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {}",
            name()
        )));
    }
    if is_search && !(byradius || bybox) {
        return Err(CmdError::Other(format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {}",
            name()
        )));
    }
    if any && count == 0 {
        return Err(CmdError::Static(
            "ERR the ANY argument requires COUNT argument",
        ));
    }
    let (Some((lon, lat)), Some((kind, conversion)), true) = (center, size, exists) else {
        // The source key does not exist (the only way to get here without a shape).
        match storekey {
            Some(dst) => {
                delete_store_key(ctx, dst);
                ctx.reply.int(0);
            }
            None => ctx.reply.array_len(0),
        }
        return Ok(());
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let shape = Shape {
        lon,
        lat,
        conversion,
        kind,
    };
    let limit = if any { count as usize } else { 0 };
    let mut points = {
        let Some(z) = peek_zset(ctx, src) else {
            return Err(CmdError::WrongType);
        };
        collect_points(&z, &shape, limit)
    };
    if points.is_empty() && storekey.is_none() {
        ctx.reply.array_len(0);
        return Ok(());
    }
    let total = points.len();
    let returned = if count == 0 || (total as u64) < count as u64 {
        total
    } else {
        count as usize
    };
    if sort != Sort::None {
        let desc = sort == Sort::Desc;
        let cmp = |a: &Point, b: &Point| {
            let c = geo::cmp_dist(a.dist, b.dist);
            if desc { -c } else { c }
        };
        if returned == total {
            geo::merge_sort(&mut points, &cmp);
        } else {
            geo::pqsort(&mut points, &cmp, 0, returned.saturating_sub(1));
        }
    }
    points.truncate(returned);
    for p in &mut points {
        p.dist /= shape.conversion;
    }
    match storekey {
        None => {
            let options = usize::from(withdist) + usize::from(withhash) + usize::from(withcoord);
            ctx.reply.array_len(points.len());
            for p in &points {
                if options > 0 {
                    ctx.reply.array_len(options + 1);
                }
                ctx.reply.bulk(&p.member);
                if withdist {
                    reply_distance(ctx, p.dist);
                }
                if withhash {
                    ctx.reply.int(p.score as i64);
                }
                if withcoord {
                    ctx.reply.array_len(2);
                    reply_coord(ctx, p.lon);
                    reply_coord(ctx, p.lat);
                }
            }
        }
        Some(dst) => {
            let n = points.len();
            if n > 0 {
                let lim = Limits::from_config(&ctx.core.config);
                let mut z = ZSet::new_skiplist();
                for p in &points {
                    let score = if storedist { p.dist } else { p.score };
                    z.set(&p.member, score, lim);
                }
                z.shrink_if_fits(lim);
                let (db, now) = (ctx.db(), ctx.now_ms);
                ctx.core.dbs.set(db, dst, Value::ZSet(z), false, now);
                ctx.touched(dst);
                ctx.core.dbs.dirty += (n as u64).saturating_sub(1);
                let event = if is_search {
                    "geosearchstore"
                } else {
                    "georadiusstore"
                };
                ctx.notify(NOTIFY_ZSET, event, dst);
            } else {
                delete_store_key(ctx, dst);
            }
            ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
    Ok(())
}

/// Deletes a STORE destination that gets no result, as Redis does (event "del").
fn delete_store_key(ctx: &mut Ctx<'_>, dst: &[u8]) {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let lazy = ctx.core.config.lazyfree_lazy_server_del;
    if ctx.core.dbs.exists_for_write(db, dst, now) && ctx.core.dbs.delete(db, dst, lazy) {
        ctx.touched(dst);
        ctx.notify(NOTIFY_GENERIC, "del", dst);
    }
}

/// Scans the search cells in order and keeps the members inside `shape`, stopping once
/// `limit` (ANY's COUNT; 0 for no limit) were found (membersOfAllNeighbors).
fn collect_points(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Point> {
    let cells = geo::search_areas(shape);
    let mut out = Vec::new();
    let mut last_processed = 0usize;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // Redis skips a cell equal to the last one scanned, but only once a cell other than
        // the centre was scanned (its index 0 doubles as "none yet").
        if last_processed != 0 && cells.get(last_processed) == Some(cell) {
            continue;
        }
        if !out.is_empty() && limit != 0 && out.len() >= limit {
            break;
        }
        let (min, max) = geo::cell_score_range(*cell);
        let start = z.count_while(|s, _| s < min);
        for (m, score) in z.iter_from(start, false) {
            if score >= max {
                break;
            }
            if let Some((lon, lat, dist)) = shape.contains(score) {
                out.push(Point {
                    lon,
                    lat,
                    dist,
                    score,
                    member: m.to_vec(),
                });
            }
            if !out.is_empty() && limit != 0 && out.len() >= limit {
                break;
            }
        }
        last_processed = i;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Harness, bulk, err};
    use crate::config::{NOTIFY_ALL, NOTIFY_NEW};
    use crate::protocol::value::Reply;

    fn sicily() -> Harness {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h.core.effects.notify_classes = NOTIFY_ALL | NOTIFY_NEW;
        let r = h.run(&[
            "GEOADD",
            "Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ]);
        assert_eq!(r, Reply::Int(2));
        h
    }

    fn arr(items: Vec<Reply>) -> Reply {
        Reply::Array(items)
    }

    #[test]
    fn geoadd_is_a_zadd_of_the_geohash_and_propagates_as_zadd() {
        let mut h = sicily();
        assert_eq!(h.take_events(), ["zadd Sicily"]);
        assert_eq!(
            h.take_propagated(),
            ["zadd Sicily 3479099956230698 Palermo 3479447370796909 Catania"]
        );
        assert_eq!(
            h.run(&["ZSCORE", "Sicily", "Palermo"]),
            Reply::Double(3479099956230698.0)
        );
        // Same position again: no change, nothing propagated; CH counts a move.
        let r = h.run(&[
            "GEOADD",
            "Sicily",
            "CH",
            "13.361389",
            "38.115556",
            "Palermo",
        ]);
        assert_eq!(r, Reply::Int(0));
        assert!(h.take_propagated().is_empty());
        let r = h.run(&[
            "GEOADD", "Sicily", "xx", "ch", "13", "38", "Palermo", "1", "1", "x",
        ]);
        assert_eq!(r, Reply::Int(1));
        assert_eq!(
            h.take_propagated(),
            ["zadd Sicily xx ch 3479065152021743 Palermo 3377822707026402 x"]
        );
        assert_eq!(h.run(&["ZCARD", "Sicily"]), Reply::Int(2));
    }

    #[test]
    fn geoadd_errors() {
        let mut h = sicily();
        let bad = "ERR invalid longitude,latitude pair 200.000000,100.000000";
        assert_eq!(h.run(&["GEOADD", "k", "200", "100", "a"]), err(bad));
        assert_eq!(
            h.run(&["GEOADD", "k", "1", "85.06", "a"]),
            err("ERR invalid longitude,latitude pair 1.000000,85.060000")
        );
        assert_eq!(
            h.run(&["GEOADD", "k", "x", "1", "a"]),
            err("ERR value is not a valid float")
        );
        assert_eq!(
            h.run(&["GEOADD", "k", "NX", "XX", "1", "1", "a"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["GEOADD", "k", "1", "1", "a", "2"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["GEOADD", "k", "CH", "ch", "ch"]),
            err("ERR syntax error")
        );
        h.run(&["SET", "s", "v"]);
        assert_eq!(
            h.run(&["GEOADD", "s", "1", "1", "a"]),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Int(0));
    }

    #[test]
    fn geodist_units_and_missing_members() {
        let mut h = sicily();
        let d = |h: &mut Harness, u: &str| h.run(&["GEODIST", "Sicily", "Palermo", "Catania", u]);
        assert_eq!(d(&mut h, "m"), bulk("166274.1516"));
        assert_eq!(d(&mut h, "KM"), bulk("166.2742"));
        assert_eq!(d(&mut h, "mi"), bulk("103.3182"));
        assert_eq!(d(&mut h, "ft"), bulk("545518.8700"));
        assert_eq!(
            d(&mut h, "yd"),
            err("ERR unsupported unit provided. please use M, KM, FT, MI")
        );
        assert_eq!(
            h.run(&["GEODIST", "Sicily", "Palermo", "nope"]),
            Reply::Null
        );
        assert_eq!(h.run(&["GEODIST", "none", "a", "b"]), Reply::Null);
        let r = h.run(&["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"]);
        assert_eq!(r, err("ERR syntax error"));
    }

    #[test]
    fn geopos_and_geohash() {
        let mut h = sicily();
        let pos = arr(vec![
            arr(vec![
                bulk("13.36138933897018433"),
                bulk("38.11555639549629859"),
            ]),
            Reply::NullArray,
        ]);
        assert_eq!(h.run(&["GEOPOS", "Sicily", "Palermo", "nope"]), pos);
        assert_eq!(
            h.run(&["GEOHASH", "Sicily", "Palermo", "Catania", "nope"]),
            arr(vec![bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), Reply::Null])
        );
        assert_eq!(h.run(&["GEOPOS", "none", "a"]), arr(vec![Reply::NullArray]));
        h.resp3();
        let r = h.run(&["GEOPOS", "Sicily", "Palermo"]);
        let Reply::Array(items) = r else {
            panic!("{r:?}")
        };
        assert_eq!(
            items,
            [arr(vec![
                Reply::Double(13.361389338970184),
                Reply::Double(38.1155563954963)
            ])]
        );
    }

    #[test]
    fn searches_sort_count_and_options() {
        let mut h = sicily();
        let r = h.run(&[
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "WITHDIST",
            "ASC",
        ]);
        assert_eq!(
            r,
            arr(vec![
                arr(vec![bulk("Catania"), bulk("56.4413")]),
                arr(vec![bulk("Palermo"), bulk("190.4424")]),
            ])
        );
        let r = h.run(&[
            "GEOSEARCH",
            "Sicily",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "DESC",
            "COUNT",
            "1",
            "WITHHASH",
        ]);
        assert_eq!(
            r,
            arr(vec![arr(vec![
                bulk("Catania"),
                Reply::Int(3479447370796909)
            ])])
        );
        let r = h.run(&["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "100", "km"]);
        assert_eq!(r, arr(vec![bulk("Palermo")]));
        let r = h.run(&[
            "GEOSEARCH",
            "Sicily",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ]);
        assert_eq!(r, arr(vec![]));
    }

    #[test]
    fn search_errors_in_redis_order() {
        let mut h = sicily();
        let e = |h: &mut Harness, args: &[&str]| h.run(args);
        assert_eq!(
            e(
                &mut h,
                &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "COUNT", "0"]
            ),
            err("ERR COUNT must be > 0")
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEOSEARCH",
                    "Sicily",
                    "FROMLONLAT",
                    "15",
                    "37",
                    "COUNT",
                    "1"
                ]
            ),
            err("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH")
        );
        assert_eq!(
            e(
                &mut h,
                &["geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "ASC"]
            ),
            err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch")
        );
        assert_eq!(
            e(
                &mut h,
                &["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"]
            ),
            err("ERR the ANY argument requires COUNT argument")
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEORADIUS",
                    "none",
                    "15",
                    "37",
                    "200",
                    "km",
                    "STORE",
                    "d",
                    "WITHDIST"
                ]
            ),
            err(
                "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and \
                 WITHCOORD options"
            )
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEORADIUS_RO",
                    "Sicily",
                    "15",
                    "37",
                    "200",
                    "km",
                    "STORE",
                    "d"
                ]
            ),
            err("ERR syntax error")
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEOSEARCH",
                    "Sicily",
                    "FROMMEMBER",
                    "x",
                    "BYRADIUS",
                    "1",
                    "km"
                ]
            ),
            err("ERR could not decode requested zset member")
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEOSEARCH",
                    "Sicily",
                    "FROMLONLAT",
                    "1",
                    "1",
                    "BYRADIUS",
                    "-1",
                    "km"
                ]
            ),
            err("ERR radius cannot be negative")
        );
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEOSEARCH",
                    "Sicily",
                    "FROMLONLAT",
                    "1",
                    "1",
                    "BYBOX",
                    "1",
                    "x",
                    "m"
                ]
            ),
            err("ERR need numeric height")
        );
        // A missing source answers after all the checks: an empty array, or 0 for a store.
        assert_eq!(
            e(
                &mut h,
                &[
                    "GEOSEARCH",
                    "none",
                    "FROMMEMBER",
                    "x",
                    "BYRADIUS",
                    "1",
                    "km"
                ]
            ),
            arr(vec![])
        );
    }

    #[test]
    fn store_variants_write_delete_and_propagate_as_received() {
        let mut h = sicily();
        h.take_events();
        h.take_propagated();
        let r = h.run(&[
            "GEOSEARCHSTORE",
            "d",
            "Sicily",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "STOREDIST",
        ]);
        assert_eq!(r, Reply::Int(2));
        assert_eq!(h.take_events(), ["geosearchstore d"]);
        assert_eq!(
            h.take_propagated(),
            ["GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"]
        );
        assert_eq!(
            h.run(&["ZSCORE", "d", "Catania"]),
            Reply::Double(56.4412578701582)
        );
        assert_eq!(h.run(&["OBJECT", "ENCODING", "d"]), bulk("listpack"));
        let r = h.run(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d"]);
        assert_eq!(r, Reply::Int(2));
        assert_eq!(
            h.run(&["ZSCORE", "d", "Catania"]),
            Reply::Double(3479447370796909.0)
        );
        assert_eq!(h.take_events(), ["georadiusstore d"]);
        // Nothing found: the destination goes.
        let r = h.run(&[
            "GEORADIUSBYMEMBER",
            "Sicily",
            "Palermo",
            "1",
            "m",
            "STORE",
            "d",
        ]);
        assert_eq!(r, Reply::Int(1));
        let r = h.run(&["GEORADIUS", "Sicily", "0", "0", "1", "m", "STORE", "d"]);
        assert_eq!(r, Reply::Int(0));
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Int(0));
        let r = h.run(&[
            "GEOSEARCHSTORE",
            "d",
            "none",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ]);
        assert_eq!(r, Reply::Int(0));
    }
}
