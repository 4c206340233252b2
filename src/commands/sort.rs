//! SORT and SORT_RO, as Redis 7.0's sort.c.
//!
//! The source (a list, set or sorted set; a missing key is an empty list) is loaded into a vector
//! of elements, each with a numeric score or an ALPHA compare value looked up through the BY
//! pattern, sorted with Redis's `sortCompare`, then the LIMIT range is answered (one bulk per
//! element, or one per GET pattern) or stored as a list (STORE). `BY` with a pattern without `*`
//! (`nosort`) skips sorting: lists and sorted sets then keep their own order (reversed by DESC)
//! and only the LIMIT range is loaded; a set is ALPHA-sorted anyway when stored, so the stored
//! result does not depend on hash-table order.
//!
//! Patterns follow `lookupKeyByPattern`: `#` is the element itself, the first `*` is replaced by
//! the element, and a `->field` after it reads a hash field; a pattern without `*` never finds
//! anything. Patterns and option names are read as C strings (up to the first NUL) where Redis
//! uses `strchr`/`strstr`/`strcasecmp`. Sorting is stable, as glibc's merge-sort `qsort` is.

use std::cmp::Ordering;

use bytes::Bytes;

use super::args::{c_is, c_str, parse_i64};
use super::{CmdError, Ctx, Handler};
use crate::config::{NOTIFY_GENERIC, NOTIFY_LIST};
use crate::types::list::{End, List};
use crate::types::value::Value;

/// The SORT group's handlers.
pub const HANDLERS: &[(&str, Handler)] = &[("sort", sort), ("sort_ro", sort_ro)];

/// The error for a weight that is not a double.
const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination].
fn sort(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sort_generic(ctx, argv, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA].
fn sort_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    sort_generic(ctx, argv, true)
}

/// The parsed options.
struct Opts<'a> {
    /// DESC.
    desc: bool,
    /// ALPHA.
    alpha: bool,
    /// LIMIT offset.
    limit_start: i64,
    /// LIMIT count (negative: everything).
    limit_count: i64,
    /// STORE destination.
    store: Option<&'a [u8]>,
    /// BY pattern.
    by: Option<&'a [u8]>,
    /// BY without `*`: don't sort.
    dontsort: bool,
    /// GET patterns in order.
    gets: Vec<&'a [u8]>,
}

/// Parses the options after the key as sortCommandGeneric does (later options override).
fn parse_opts(argv: &[Bytes], readonly: bool) -> Result<Opts<'_>, CmdError> {
    let mut o = Opts {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while let Some(a) = argv.get(j) {
        let left = argv.len() - j - 1;
        let next = |k: usize| argv.get(j + k).map(|b| b.as_ref()).unwrap_or_default();
        if c_is(a, "asc") {
            o.desc = false;
        } else if c_is(a, "desc") {
            o.desc = true;
        } else if c_is(a, "alpha") {
            o.alpha = true;
        } else if c_is(a, "limit") && left >= 2 {
            o.limit_start = parse_i64(next(1))?;
            o.limit_count = parse_i64(next(2))?;
            j += 2;
        } else if !readonly && c_is(a, "store") && left >= 1 {
            o.store = Some(next(1));
            j += 1;
        } else if c_is(a, "by") && left >= 1 {
            let p = next(1);
            o.by = Some(p);
            o.dontsort = !c_str(p).contains(&b'*');
            j += 1;
        } else if c_is(a, "get") && left >= 1 {
            o.gets.push(next(1));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// One element being sorted.
struct Item {
    /// The element.
    obj: Vec<u8>,
    /// Its numeric weight (0 when the BY key is missing).
    score: f64,
    /// Its ALPHA weight through BY (`None` when the BY key is missing).
    cmp: Option<Vec<u8>>,
}

/// The kind of the source.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A list (or a missing key).
    List,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
}

/// What [`load`] found: the source kind, the elements, and the output range `start..=end`.
type Loaded = (Kind, Vec<Vec<u8>>, i64, i64);

/// Loads the elements to sort (for `dontsort` lists and sorted sets, only `start..=end` in
/// DESC-aware order); returns the kind and the source length.
fn load(ctx: &mut Ctx<'_>, key: &[u8], o: &Opts<'_>) -> Result<Loaded, CmdError> {
    let (db, now) = (ctx.db(), ctx.now_ms);
    let mut entry = ctx.core.dbs.lookup_read_mut(db, key, now);
    let mut value = entry.as_deref_mut().map(|e| &mut e.value);
    // Redis converts a listpack sorted set to a skiplist for SORT, destructively.
    if let Some(Value::ZSet(z)) = value.as_deref_mut() {
        z.convert_to_skiplist();
    }
    let (kind, len) = match value.as_deref() {
        None => (Kind::List, 0),
        Some(Value::List(l)) => (Kind::List, l.len()),
        Some(Value::Set(s)) => (Kind::Set, s.len()),
        Some(Value::ZSet(z)) => (Kind::ZSet, z.len()),
        Some(_) => return Err(CmdError::WrongType),
    };
    let vlen = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = o.limit_start.max(0);
    let mut end = if o.limit_count < 0 {
        vlen - 1
    } else {
        start.saturating_add(o.limit_count).saturating_sub(1)
    };
    if start >= vlen {
        start = vlen - 1;
        end = vlen - 2;
    }
    if end >= vlen {
        end = vlen - 1;
    }
    // Redis forces an ALPHA sort of a set stored with BY nosort; see `sort_generic`.
    let dontsort = o.dontsort && !(kind == Kind::Set && o.store.is_some());
    let mut out = Vec::new();
    let want = usize::try_from(end - start + 1).unwrap_or(0);
    match value.as_deref() {
        Some(Value::List(l)) if dontsort && end >= start => {
            let ustart = usize::try_from(start).unwrap_or(0);
            let from = if o.desc {
                len.saturating_sub(ustart).saturating_sub(1)
            } else {
                ustart
            };
            l.for_each_from(from, o.desc, |e| {
                out.push(e.to_vec());
                out.len() < want
            });
            end -= start;
            start = 0;
        }
        Some(Value::List(_)) if dontsort => {}
        Some(Value::List(l)) => out = l.to_vec(),
        Some(Value::Set(s)) => out = s.iter().map(|m| m.to_vec()).collect(),
        Some(Value::ZSet(z)) if dontsort => {
            if want > 0 {
                let ustart = usize::try_from(start).unwrap_or(0);
                let from = if o.desc {
                    len.saturating_sub(ustart).saturating_sub(1)
                } else {
                    ustart
                };
                out = z
                    .iter_from(from, o.desc)
                    .take(want)
                    .map(|(e, _)| e.to_vec())
                    .collect();
            }
            end -= start;
            start = 0;
        }
        Some(Value::ZSet(z)) => out = z.iter().map(|(e, _)| e.to_vec()).collect(),
        _ => {}
    }
    Ok((kind, out, start, end))
}

/// SORT / SORT_RO.
fn sort_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], readonly: bool) -> Result<(), CmdError> {
    let o = parse_opts(argv, readonly)?;
    let key = argv.get(1).map(|b| b.as_ref()).unwrap_or_default();
    let (kind, objs, start, end) = load(ctx, key, &o)?;
    let (mut dontsort, mut alpha, mut by) = (o.dontsort, o.alpha, o.by);
    if dontsort && kind == Kind::Set && o.store.is_some() {
        dontsort = false;
        alpha = true;
        by = None;
    }
    let mut items: Vec<Item> = objs
        .into_iter()
        .map(|obj| Item {
            obj,
            score: 0.0,
            cmp: None,
        })
        .collect();
    let mut conversion_error = false;
    if !dontsort {
        for it in &mut items {
            let byval = match by {
                Some(p) => match lookup_by_pattern(ctx, p, &it.obj) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.obj.clone(),
            };
            if alpha {
                if by.is_some() {
                    it.cmp = Some(byval);
                }
            } else {
                match strtod_weight(&byval) {
                    Some(s) => it.score = s,
                    None => conversion_error = true,
                }
            }
        }
        let (bypattern, store, desc) = (by.is_some(), o.store.is_some(), o.desc);
        items.sort_by(|a, b| {
            let c = sort_compare(a, b, alpha, bypattern, store);
            if desc { c.reverse() } else { c }
        });
    }
    if conversion_error {
        return Err(CmdError::Static(NOT_DOUBLE));
    }
    let range: &[Item] = if end >= start {
        let (s, e) = (
            usize::try_from(start).unwrap_or(0),
            usize::try_from(end).unwrap_or(0),
        );
        items.get(s..=e).unwrap_or_default()
    } else {
        &[]
    };
    let outputlen = if o.gets.is_empty() {
        range.len()
    } else {
        o.gets.len().saturating_mul(range.len())
    };
    match o.store {
        None => {
            ctx.reply.array_len(outputlen);
            for it in range {
                if o.gets.is_empty() {
                    ctx.reply.bulk(&it.obj);
                }
                for g in &o.gets {
                    match lookup_by_pattern(ctx, g, &it.obj) {
                        Some(v) => ctx.reply.bulk(&v),
                        None => ctx.reply.null(),
                    }
                }
            }
        }
        Some(dst) => {
            let c = &ctx.core.config;
            let mut list = List::new(c.list_max_listpack_size, c.list_compress_depth);
            list.set_packed_threshold(ctx.core.debug.packed_threshold);
            for it in range {
                if o.gets.is_empty() {
                    list.push(End::Tail, &it.obj);
                }
                for g in &o.gets {
                    let v = lookup_by_pattern(ctx, g, &it.obj).unwrap_or_default();
                    list.push(End::Tail, &v);
                }
            }
            let (db, now) = (ctx.db(), ctx.now_ms);
            if outputlen > 0 {
                ctx.core
                    .dbs
                    .set(db, dst, Value::List(Box::new(list)), false, now);
                ctx.touched(dst);
                // Redis counts `server.dirty += outputlen`; `touched` counted one.
                let extra = u64::try_from(outputlen - 1).unwrap_or(0);
                ctx.core.dbs.dirty = ctx.core.dbs.dirty.saturating_add(extra);
                ctx.notify(NOTIFY_LIST, "sortstore", dst);
            } else {
                let lazy = ctx.core.config.lazyfree_lazy_server_del;
                if ctx.core.dbs.delete(db, dst, lazy) {
                    ctx.touched(dst);
                    ctx.notify(NOTIFY_GENERIC, "del", dst);
                }
            }
            ctx.reply.int(i64::try_from(outputlen).unwrap_or(i64::MAX));
        }
    }
    Ok(())
}

/// Redis's sortCompare, before DESC is applied.
fn sort_compare(a: &Item, b: &Item, alpha: bool, bypattern: bool, store: bool) -> Ordering {
    if !alpha {
        return match a.score.partial_cmp(&b.score) {
            Some(Ordering::Equal) | None => a.obj.cmp(&b.obj),
            Some(o) => o,
        };
    }
    let (x, y) = if bypattern {
        match (&a.cmp, &b.cmp) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x.as_slice(), y.as_slice()),
        }
    } else {
        (a.obj.as_slice(), b.obj.as_slice())
    };
    if store {
        // compareStringObjects: binary memcmp, then length.
        x.cmp(y)
    } else {
        // strcoll in the C / C.UTF-8 collation: strcmp up to the first NUL.
        c_str(x).cmp(c_str(y))
    }
}

/// A weight as SORT reads it with `strtod`: the C string (up to the first NUL) with leading white
/// space skipped, fully consumed; the empty string is 0. Overflow, underflow (ERANGE, subnormal
/// results included) and NaN are refused.
fn strtod_weight(b: &[u8]) -> Option<f64> {
    let s = c_str(b);
    if s.is_empty() {
        return Some(0.0);
    }
    let skip = s
        .iter()
        .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .count();
    let v = crate::util::num::parse_f64(s.get(skip..)?)?;
    if v != 0.0 && v.abs() < f64::MIN_POSITIVE {
        return None;
    }
    Some(v)
}

/// Redis's lookupKeyByPattern: the value `pattern` names for element `subst`, if it exists and
/// has the right type (a string, or a hash for `key->field`).
fn lookup_by_pattern(ctx: &mut Ctx<'_>, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
    let cpat = c_str(pattern);
    if cpat == b"#" {
        return Some(subst.to_vec());
    }
    let star = cpat.iter().position(|&c| c == b'*')?;
    let after = cpat.get(star + 1..).unwrap_or_default();
    let field = after
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cpat.len())
        .and_then(|f| pattern.get(f + 2..));
    let fieldlen = field.map_or(0, |f| f.len() + 2);
    let post_end = pattern.len().saturating_sub(fieldlen);
    let mut key = Vec::with_capacity(post_end + subst.len());
    key.extend_from_slice(pattern.get(..star).unwrap_or_default());
    key.extend_from_slice(subst);
    key.extend_from_slice(pattern.get(star + 1..post_end).unwrap_or_default());
    let entry = ctx.lookup_read(&key)?;
    match (&entry.value, field) {
        (Value::Str(s), None) => Some(s.to_vec()),
        (Value::Hash(h), Some(f)) => h.get(f).map(|v| v.to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::config::NOTIFY_ALL;
    use crate::protocol::value::Reply;

    fn arr(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    fn events(h: &mut Harness) -> Vec<(&'static str, String)> {
        std::mem::take(&mut h.core.effects.events)
            .into_iter()
            .map(|(_, e, _, k)| (e, String::from_utf8_lossy(&k).into_owned()))
            .collect()
    }

    const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";
    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    #[test]
    fn numeric_alpha_desc_and_limit() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "l", "3", "1", "10", "2"]);
        assert_eq!(h.run(&["SORT", "l"]), arr(&["1", "2", "3", "10"]));
        assert_eq!(h.run(&["SORT", "l", "DESC"]), arr(&["10", "3", "2", "1"]));
        assert_eq!(
            h.run(&["SORT", "l", "desc", "asc"]),
            arr(&["1", "2", "3", "10"])
        );
        assert_eq!(h.run(&["SORT", "l", "ALPHA"]), arr(&["1", "10", "2", "3"]));
        assert_eq!(
            h.run(&["SORT_RO", "l", "LIMIT", "1", "2"]),
            arr(&["2", "3"])
        );
        assert_eq!(h.run(&["SORT", "l", "LIMIT", "-3", "1"]), arr(&["1"]));
        assert_eq!(h.run(&["SORT", "l", "LIMIT", "2", "-1"]), arr(&["3", "10"]));
        assert_eq!(h.run(&["SORT", "l", "LIMIT", "9", "1"]), arr(&[]));
        assert_eq!(h.run(&["SORT", "l", "LIMIT", "0", "0"]), arr(&[]));
        assert_eq!(
            h.run(&["SORT", "l", "LIMIT", "1", "9223372036854775807"]),
            arr(&["2", "3", "10"])
        );
    }

    #[test]
    fn weights_parse_as_strtod() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "l", " 5", "", "0x10", "-inf", "1e-3"]);
        assert_eq!(
            h.run(&["SORT", "l"]),
            arr(&["-inf", "", "1e-3", " 5", "0x10"])
        );
        for bad in ["x", "nan", "5 ", "1e400", "1e-310", " "] {
            h.run(&["DEL", "b"]);
            h.run(&["RPUSH", "b", "1", bad]);
            assert_eq!(h.run(&["SORT", "b"]), err(NOT_DOUBLE), "{bad:?}");
            assert!(matches!(h.run(&["SORT", "b", "ALPHA"]), Reply::Array(_)));
            assert_eq!(h.run(&["SORT", "b", "BY", "nosort"]), arr(&["1", bad]));
        }
        // Equal weights are ordered by the elements' bytes.
        h.run(&["RPUSH", "t", "1.0", "1", "01"]);
        assert_eq!(h.run(&["SORT", "t"]), arr(&["01", "1", "1.0"]));
        assert_eq!(h.run(&["SORT", "t", "DESC"]), arr(&["1.0", "1", "01"]));
    }

    #[test]
    fn by_patterns_and_gets() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "l", "1", "2", "3"]);
        h.run(&["MSET", "w_1", "30", "w_2", "10", "w_3", "20"]);
        h.run(&["HSET", "h_1", "f", "b"]);
        h.run(&["HSET", "h_3", "f", "a"]);
        assert_eq!(h.run(&["SORT", "l", "BY", "w_*"]), arr(&["2", "3", "1"]));
        assert_eq!(
            h.run(&["SORT", "l", "BY", "w_*", "DESC"]),
            arr(&["1", "3", "2"])
        );
        // Missing hash fields sort first under ALPHA, as weight 0 numerically.
        assert_eq!(
            h.run(&["SORT", "l", "BY", "h_*->f", "ALPHA"]),
            arr(&["2", "3", "1"])
        );
        assert_eq!(
            h.run(&["SORT", "l", "BY", "nokey_*"]),
            arr(&["1", "2", "3"])
        );
        assert_eq!(
            h.run(&["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "0", "2"]),
            arr(&["3", "2"])
        );
        assert_eq!(
            h.run(&[
                "SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "GET", "w_*"
            ]),
            Reply::Array(vec![
                bulk("2"),
                Reply::Null,
                bulk("10"),
                bulk("3"),
                bulk("a"),
                bulk("20"),
                bulk("1"),
                bulk("b"),
                bulk("30"),
            ])
        );
        // A GET pattern without '*' finds nothing; a hash pattern on a string neither.
        assert_eq!(
            h.run(&["SORT", "l", "GET", "w_1", "LIMIT", "0", "1"]),
            Reply::Array(vec![Reply::Null])
        );
        assert_eq!(
            h.run(&["SORT", "l", "GET", "w_*->f", "LIMIT", "0", "1"]),
            Reply::Array(vec![Reply::Null])
        );
        h.run(&["SET", "w_2", "x"]);
        assert_eq!(h.run(&["SORT", "l", "BY", "w_*"]), err(NOT_DOUBLE));
        h.resp3();
        assert_eq!(h.run(&["SORT", "l", "GET", "#"]), arr(&["1", "2", "3"]));
    }

    #[test]
    fn sets_and_sorted_sets() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "b", "c", "a"]);
        assert_eq!(h.run(&["SORT", "s", "ALPHA"]), arr(&["a", "b", "c"]));
        assert_eq!(h.run(&["SORT", "s"]), err(NOT_DOUBLE));
        // A set stored with BY nosort is ALPHA-sorted (DESC still applies).
        assert_eq!(
            h.run(&["SORT", "s", "BY", "nosort", "DESC", "STORE", "d"]),
            Reply::Int(3)
        );
        assert_eq!(h.run(&["LRANGE", "d", "0", "-1"]), arr(&["c", "b", "a"]));
        h.run(&["ZADD", "z", "3", "a", "1", "c", "2", "b"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), bulk("listpack"));
        assert_eq!(h.run(&["SORT", "z", "BY", "nosort"]), arr(&["c", "b", "a"]));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), bulk("skiplist"));
        assert_eq!(
            h.run(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"]),
            arr(&["b", "c"])
        );
        assert_eq!(
            h.run(&["SORT", "z", "ALPHA", "DESC"]),
            arr(&["c", "b", "a"])
        );
    }

    #[test]
    fn store_replaces_deletes_and_notifies() {
        let mut h = Harness::new();
        h.core.effects.notify_classes = NOTIFY_ALL;
        h.run(&["RPUSH", "l", "2", "1"]);
        h.run(&["SET", "d", "x", "EX", "100"]);
        events(&mut h);
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["SORT", "l", "STORE", "d"]), Reply::Int(2));
        assert_eq!(h.core.dbs.dirty, dirty + 2);
        assert_eq!(events(&mut h), vec![("sortstore", "d".to_string())]);
        assert_eq!(h.run(&["TTL", "d"]), Reply::Int(-1));
        assert_eq!(h.run(&["LRANGE", "d", "0", "-1"]), arr(&["1", "2"]));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "d"]), bulk("quicklist"));
        // Missing GET values are stored as empty strings.
        assert_eq!(
            h.run(&["SORT", "l", "GET", "#", "GET", "x_*", "STORE", "d"]),
            Reply::Int(4)
        );
        assert_eq!(h.run(&["LRANGE", "d", "0", "-1"]), arr(&["1", "", "2", ""]));
        events(&mut h);
        assert_eq!(
            h.run(&["SORT", "l", "LIMIT", "0", "0", "STORE", "d"]),
            Reply::Int(0)
        );
        assert_eq!(events(&mut h), vec![("del", "d".to_string())]);
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Int(0));
        let dirty = h.core.dbs.dirty;
        assert_eq!(h.run(&["SORT", "nokey", "STORE", "d"]), Reply::Int(0));
        assert_eq!(h.core.dbs.dirty, dirty);
        assert!(events(&mut h).is_empty());
        // A conversion error stores nothing.
        h.run(&["RPUSH", "bad", "x"]);
        assert_eq!(h.run(&["SORT", "bad", "STORE", "d"]), err(NOT_DOUBLE));
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Int(0));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["RPUSH", "l", "1"]);
        assert_eq!(h.run(&["SORT", "str"]), err(WRONGTYPE));
        assert_eq!(h.run(&["SORT_RO", "str"]), err(WRONGTYPE));
        // Options are parsed before the key is looked up.
        assert_eq!(h.run(&["SORT", "str", "FOO"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SORT", "str", "LIMIT", "x", "1"]),
            err("ERR value is not an integer or out of range")
        );
        for args in [
            &["SORT", "l", "LIMIT", "1"][..],
            &["SORT", "l", "BY"],
            &["SORT", "l", "GET"],
            &["SORT", "l", "STORE"],
            &["SORT_RO", "l", "STORE", "d"],
        ] {
            assert_eq!(h.run(args), err("ERR syntax error"), "{args:?}");
        }
        assert_eq!(
            h.run(&["SORT", "l", "LIMIT", "1", "1.5"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["SORT"]),
            err("ERR wrong number of arguments for 'sort' command")
        );
        assert_eq!(h.run(&["SORT", "nokey"]), arr(&[]));
    }
}
