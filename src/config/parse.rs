//! Text primitives of redis.conf, each reproducing the C function Redis 7.0 uses for it.
//!
//! - [`split_args`] is `sdssplitargs`: how a config line (and an inline command) becomes words,
//!   with double quotes (`\n \r \t \b \a \xHH` and `\<any>` escapes), single quotes (only `\'`
//!   escapes) and the rule that a closing quote must be followed by a space or the line's end.
//! - [`split_spaces`] is `sdssplitlen(value, " ")`: how CONFIG SET cuts a multi-argument value.
//!   Every single space separates, so two spaces make an empty word.
//! - [`repr`] is `sdscatrepr`: how CONFIG REWRITE quotes a string so `split_args` reads it back.
//! - [`mem_to_u64`] is `memtoull` (`1k` = 1000, `1kb` = 1024, ...), [`string_to_i64`] is the
//!   strict `string2ll` (no spaces, no `+`, no leading zeros), and [`strtoll`] is C's `strtoll`
//!   with the end-pointer check Redis adds (leading spaces and a sign are fine, overflow
//!   saturates).
//! - [`format_memory`] is `rewriteConfigFormatMemory` and [`format_percentile`] is `%f` followed by
//!   `trimDoubleString`.
//!
//! Nothing here allocates more than its input's size, and nothing panics on any input.

/// Splits a config line into words as `sdssplitargs` does; `None` means unbalanced quotes.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0usize;
    loop {
        while line.get(i).is_some_and(|&c| is_c_space(c)) {
            i += 1;
        }
        if i >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let c = line.get(i).copied();
            if in_dq {
                match c {
                    None => return None,
                    Some(b'\\') => {
                        let next = line.get(i + 1).copied();
                        let hex = (hex_value(line.get(i + 2)), hex_value(line.get(i + 3)));
                        if let (Some(b'x'), (Some(hi), Some(lo))) = (next, hex) {
                            cur.push(hi * 16 + lo);
                            i += 3;
                        } else if let Some(n) = next {
                            cur.push(match n {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'b' => 0x08,
                                b'a' => 0x07,
                                other => other,
                            });
                            i += 1;
                        } else {
                            cur.push(b'\\');
                        }
                    }
                    Some(b'"') => {
                        // The closing quote must be followed by a space or the end.
                        if line.get(i + 1).is_some_and(|&n| !is_c_space(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else if in_sq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        cur.push(b'\'');
                        i += 1;
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|&n| !is_c_space(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else {
                match c {
                    None => break,
                    Some(b' ' | b'\n' | b'\r' | b'\t' | 0) => {
                        i += 1;
                        break;
                    }
                    Some(b'"') => in_dq = true,
                    Some(b'\'') => in_sq = true,
                    Some(other) => cur.push(other),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// Splits a CONFIG SET value on single spaces as `sdssplitlen(value, " ")`; empty gives none.
pub(crate) fn split_spaces(value: &[u8]) -> Vec<Vec<u8>> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&c| c == b' ').map(<[u8]>::to_vec).collect()
}

/// Quotes `s` as `sdscatrepr` does: in double quotes, escaping what `split_args` would not keep.
pub(crate) fn repr(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(c)),
            other => out.push_str(&format!("\\x{other:02x}")),
        }
    }
    out.push('"');
    out
}

/// Parses a memory size as `memtoull`: digits then an optional unit, `None` when invalid.
///
/// `k`, `m`, `g` are powers of 1000 and `kb`, `mb`, `gb` powers of 1024, in any case; `b` or
/// nothing is bytes. Digits past `u64::MAX` saturate (C's unchecked `strtoull`), an empty number
/// is 0, and a product that would overflow is refused.
pub(crate) fn mem_to_u64(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let (num, unit) = s.split_at(digits);
    let mul: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.len() >= 128 {
        return None;
    }
    let mut val: u64 = 0;
    for &d in num {
        val = val.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    val.checked_mul(mul)
}

/// Parses a whole string as a signed 64-bit integer exactly as Redis's strict `string2ll`.
pub(crate) fn string_to_i64(s: &[u8]) -> Option<i64> {
    match s {
        [] => None,
        [b'0'] => Some(0),
        _ => {
            let (neg, digits) = match s.split_first() {
                Some((b'-', rest)) => (true, rest),
                _ => (false, s),
            };
            match digits.first() {
                Some(b'1'..=b'9') => {}
                _ => return None,
            }
            let mut v: u64 = 0;
            for &d in digits {
                if !d.is_ascii_digit() {
                    return None;
                }
                v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            }
            if neg {
                if v > (i64::MAX as u64) + 1 {
                    None
                } else {
                    Some(0i64.wrapping_sub_unsigned(v))
                }
            } else {
                i64::try_from(v).ok()
            }
        }
    }
}

/// C's `strtoll` in `radix` plus Redis's "whole string consumed" check; overflow saturates.
///
/// Returns `None` when characters remain after the number, otherwise the value and whether it
/// overflowed (C's `ERANGE`, which only some callers check). As in C, a string with no digits
/// leaves the end pointer at its start, so only the empty string parses (as 0) that way.
pub(crate) fn strtoll(s: &[u8], radix: u32) -> Option<(i64, bool)> {
    let mut i = 0;
    while s.get(i).is_some_and(|&c| is_c_space(c)) {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c) = s.get(i)
        && (c == b'+' || c == b'-')
    {
        neg = c == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        v = (v * i128::from(radix) + i128::from(d)).min(i128::from(u64::MAX));
        i += 1;
    }
    if i == start {
        // No conversion: the end pointer is the string's start.
        return if s.is_empty() { Some((0, false)) } else { None };
    }
    if i != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    match i64::try_from(v) {
        Ok(v) => Some((v, false)),
        Err(_) => Some((if neg { i64::MIN } else { i64::MAX }, true)),
    }
}

/// Parses a float as Redis's `string2d`: no surrounding spaces, no NaN, the whole string.
pub(crate) fn string_to_f64(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

/// Formats a byte count for CONFIG REWRITE as `rewriteConfigFormatMemory`: gb, mb, kb or bytes.
pub(crate) fn format_memory(bytes: i64) -> String {
    const GB: i64 = 1024 * 1024 * 1024;
    const MB: i64 = 1024 * 1024;
    const KB: i64 = 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Formats a percentile as C's `%f` followed by `trimDoubleString` (`99.900000` -> `99.9`).
pub(crate) fn format_percentile(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// Returns whether `c` is a space for C's `isspace` in the C locale.
pub(crate) fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The value of one hexadecimal digit, as `sdssplitargs` reads `\xHH`.
fn hex_value(c: Option<&u8>) -> Option<u8> {
    let c = *c?;
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|v| {
            v.into_iter()
                .map(|w| String::from_utf8_lossy(&w).into_owned())
                .collect()
        })
    }

    #[test]
    fn split_args_handles_plain_words_and_runs_of_spaces() {
        assert_eq!(
            words("  save 900   1 "),
            Some(vec!["save".into(), "900".into(), "1".into()])
        );
        assert_eq!(words(""), Some(vec![]));
        assert_eq!(words(" \t "), Some(vec![]));
    }

    #[test]
    fn split_args_decodes_double_quote_escapes() {
        assert_eq!(
            words(r#"a "\x41\n\t\"x\\" b"#),
            Some(vec!["a".into(), "A\n\t\"x\\".into(), "b".into()])
        );
        // `\x` without two hex digits keeps the `x`.
        assert_eq!(words(r#""\xZZ""#), Some(vec!["xZZ".into()]));
        assert_eq!(words(r#""""#), Some(vec![String::new()]));
    }

    #[test]
    fn split_args_single_quotes_only_escape_the_quote() {
        assert_eq!(words(r"'a\'b\n'"), Some(vec![r"a'b\n".into()]));
    }

    #[test]
    fn split_args_joins_quotes_inside_a_word() {
        assert_eq!(words(r#"foo"bar baz""#), Some(vec!["foobar baz".into()]));
    }

    #[test]
    fn split_args_rejects_unbalanced_or_glued_quotes() {
        assert_eq!(words(r#"bind "a"#), None);
        assert_eq!(words("bind 'a"), None);
        assert_eq!(words(r#"port "1"x"#), None);
        assert_eq!(words("port '1'x"), None);
        assert_eq!(words(r#"a "b\"#), None);
    }

    #[test]
    fn repr_round_trips_through_split_args() {
        let raw: Vec<u8> = (0u8..=255).collect();
        let quoted = repr(&raw);
        assert_eq!(split_args(quoted.as_bytes()), Some(vec![raw]));
        assert_eq!(repr(b"x\"y"), r#""x\"y""#);
    }

    #[test]
    fn memory_units_follow_memtoull() {
        assert_eq!(mem_to_u64(b"1k"), Some(1000));
        assert_eq!(mem_to_u64(b"1K"), Some(1000));
        assert_eq!(mem_to_u64(b"1kb"), Some(1024));
        assert_eq!(mem_to_u64(b"1KB"), Some(1024));
        assert_eq!(mem_to_u64(b"2m"), Some(2_000_000));
        assert_eq!(mem_to_u64(b"2mb"), Some(2 << 20));
        assert_eq!(mem_to_u64(b"1G"), Some(1_000_000_000));
        assert_eq!(mem_to_u64(b"1gb"), Some(1 << 30));
        assert_eq!(mem_to_u64(b"1b"), Some(1));
        assert_eq!(mem_to_u64(b""), Some(0));
        assert_eq!(mem_to_u64(b"k"), Some(0));
        assert_eq!(mem_to_u64(b"007"), Some(7));
        assert_eq!(mem_to_u64(b"99999999999999999999999"), Some(u64::MAX));
        assert_eq!(mem_to_u64(b"-1"), None);
        assert_eq!(mem_to_u64(b" 1"), None);
        assert_eq!(mem_to_u64(b"1.5"), None);
        assert_eq!(mem_to_u64(b"1x"), None);
        assert_eq!(mem_to_u64(b"99999999999gb"), None);
    }

    #[test]
    fn string_to_i64_is_strict() {
        assert_eq!(string_to_i64(b"0"), Some(0));
        assert_eq!(string_to_i64(b"-12"), Some(-12));
        assert_eq!(string_to_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string_to_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "010",
            "-0",
            "+1",
            " 1",
            "1 ",
            "9223372036854775808",
            "1x",
            "-",
        ] {
            assert_eq!(string_to_i64(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn strtoll_accepts_what_c_accepts() {
        assert_eq!(strtoll(b" +5", 10), Some((5, false)));
        assert_eq!(strtoll(b"-7", 10), Some((-7, false)));
        assert_eq!(strtoll(b"", 10), Some((0, false)));
        assert_eq!(strtoll(b" ", 10), None);
        assert_eq!(strtoll(b"5x", 10), None);
        assert_eq!(strtoll(b"777", 8), Some((511, false)));
        assert_eq!(strtoll(b"8", 8), None);
        assert_eq!(strtoll(b"99999999999999999999", 10), Some((i64::MAX, true)));
    }

    #[test]
    fn formats_match_redis() {
        assert_eq!(format_memory(0), "0");
        assert_eq!(format_memory(1 << 30), "1gb");
        assert_eq!(format_memory(3 << 20), "3mb");
        assert_eq!(format_memory(1024), "1kb");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_percentile(50.0), "50");
        assert_eq!(format_percentile(99.9), "99.9");
        assert_eq!(format_percentile(99.99), "99.99");
        assert_eq!(format_percentile(1.5), "1.5");
    }

    #[test]
    fn split_spaces_keeps_empty_words() {
        assert_eq!(split_spaces(b""), Vec::<Vec<u8>>::new());
        assert_eq!(
            split_spaces(b"1  2"),
            vec![b"1".to_vec(), vec![], b"2".to_vec()]
        );
    }
}
