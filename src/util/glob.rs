//! Glob-style pattern matching with exactly the semantics of Redis 7.0's `stringmatchlen`.
//!
//! KEYS, SCAN MATCH, PSUBSCRIBE, PUBSUB CHANNELS, CONFIG GET, ACL key patterns and COMMAND LIST
//! FILTERBY PATTERN all use this matcher, so every quirk of the C code is reproduced on purpose:
//!
//! - `*` matches any run of bytes, `?` any one byte, `\x` the byte `x` literally.
//! - `[...]` matches one byte from a class; `[^...]` negates it; `a-z` is a range whose ends may
//!   come in either order; `\` escapes a byte inside a class (compared case-sensitively even when
//!   `nocase` is set, as in C).
//! - Range ends and the subject byte compare as C's signed `char`, so a byte >= 0x80 is negative
//!   there: `[a-\xff]` means the range -1..=97, not 97..=255.
//! - An unterminated class (`[abc` at the end of the pattern) still matches one byte against the
//!   bytes seen so far; `[` alone matches nothing and `[^` alone matches any byte.
//! - A pattern is matched against a non-empty subject only: `*` does not match the empty string
//!   (KEYS special-cases the pattern `*` itself before calling the matcher).
//! - Reads past the end of the pattern see the NUL byte that terminates an sds in C.
//! - Recursion into `*` stops at a nesting of 1000 (that branch then fails), and once the rest of
//!   the pattern after a `*` has failed at every later position of the subject, every enclosing
//!   `*` gives up too (the "skip longer matches" rule); together they keep patterns such as
//!   `a*a*a*a*...b` polynomial instead of exponential.
//!
//! `nocase` folds ASCII letters only, like `tolower` in the C locale.

/// Returns whether `string` matches the glob `pattern`, exactly as Redis 7.0 decides it.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, nocase, &mut skip_longer, 0)
}

/// The matcher proper: `pattern` always extends to the original pattern's end.
fn match_from(
    mut pat: &[u8],
    mut s: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: u32,
) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    while let (Some(&p0), Some(&c)) = (pat.first(), s.first()) {
        match p0 {
            b'*' => {
                while at(pat, 1) == b'*' {
                    pat = tail(pat, 1);
                }
                if pat.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_from(tail(pat, 1), s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = tail(s, 1);
                }
                // The rest of the pattern failed at every position left, so an enclosing `*`
                // that tried a longer prefix would only start it later still: give up there too.
                *skip_longer = true;
                return false;
            }
            b'?' => s = tail(s, 1),
            b'[' => {
                let (matched, end) = match_class(pat, c, nocase);
                if !matched {
                    return false;
                }
                s = tail(s, 1);
                // `end` is the class's last byte (its `]`); the step below moves past it.
                pat = tail(pat, end);
            }
            _ => {
                if p0 == b'\\' && pat.len() >= 2 {
                    pat = tail(pat, 1);
                }
                if !eq_byte(at(pat, 0), c, nocase) {
                    return false;
                }
                s = tail(s, 1);
            }
        }
        pat = tail(pat, 1);
        if s.is_empty() {
            while at(pat, 0) == b'*' {
                pat = tail(pat, 1);
            }
            break;
        }
    }
    pat.is_empty() && s.is_empty()
}

/// Matches the class starting at `pat[0] == '['` against byte `c`.
///
/// Returns whether it matched and the index of the class's last pattern byte: its `]`, or for an
/// unterminated class the pattern's last byte.
fn match_class(pat: &[u8], c: u8, nocase: bool) -> (bool, usize) {
    let mut i = 1;
    let negate = at(pat, i) == b'^';
    if negate {
        i += 1;
    }
    let mut matched = false;
    loop {
        let left = pat.len().saturating_sub(i);
        let b = at(pat, i);
        if b == b'\\' && left >= 2 {
            i += 1;
            // Escaped bytes compare exactly, even under nocase (as in C).
            if at(pat, i) == c {
                matched = true;
            }
        } else if b == b']' {
            break;
        } else if left == 0 {
            // Unterminated: step back onto the last byte, which the caller then steps over.
            i -= 1;
            break;
        } else if left >= 3 && at(pat, i + 1) == b'-' {
            let (mut lo, mut hi) = (signed(b), signed(at(pat, i + 2)));
            let mut x = signed(c);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            if nocase {
                lo = lower_signed(lo);
                hi = lower_signed(hi);
                x = lower_signed(x);
            }
            i += 2;
            if lo <= x && x <= hi {
                matched = true;
            }
        } else if eq_byte(b, c, nocase) {
            matched = true;
        }
        i += 1;
    }
    (matched != negate, i)
}

/// The pattern byte at `i`, or NUL past the end (the C string's terminator).
#[inline]
fn at(pat: &[u8], i: usize) -> u8 {
    pat.get(i).copied().unwrap_or(0)
}

/// `b` without its first `n` bytes (empty if shorter).
#[inline]
fn tail(b: &[u8], n: usize) -> &[u8] {
    b.get(n..).unwrap_or_default()
}

/// Byte equality, folding ASCII letters when `nocase`.
#[inline]
fn eq_byte(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// The byte as C's signed `char` promoted to `int`.
#[inline]
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

/// C's `tolower` in the C locale on a promoted signed `char`.
#[inline]
fn lower_signed(x: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&x) {
        x + 32
    } else {
        x
    }
}

/// Deeper `*` recursion than this fails the branch, as Redis's "abusive pattern" guard does.
const MAX_NESTING: u32 = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    /// (pattern, subject, nocase, expected).
    const CASES: &[(&[u8], &[u8], bool, bool)] = &[
        // Literals and `?`.
        (b"abc", b"abc", false, true),
        (b"abc", b"abd", false, false),
        (b"abc", b"ab", false, false),
        (b"ab", b"abc", false, false),
        (b"a?c", b"abc", false, true),
        (b"a?c", b"ac", false, false),
        (b"???", b"abc", false, true),
        (b"", b"", false, true),
        (b"", b"a", false, false),
        (b"a", b"", false, false),
        // `*`.
        (b"*", b"anything", false, true),
        (b"*", b"", false, false),
        (b"**", b"", false, false),
        (b"a*", b"a", false, true),
        (b"a**", b"a", false, true),
        (b"a*b", b"ab", false, true),
        (b"a*b", b"axxb", false, true),
        (b"a*b", b"axxbc", false, false),
        (b"*b", b"b", false, true),
        (b"h*llo", b"heeeello", false, true),
        (b"*a*b*", b"xxaxxbxx", false, true),
        (b"*a*b*", b"xxbxxaxx", false, false),
        (b"a*?", b"a", false, false),
        (b"a*?", b"ab", false, true),
        // Classes.
        (b"h[ae]llo", b"hello", false, true),
        (b"h[ae]llo", b"hallo", false, true),
        (b"h[ae]llo", b"hillo", false, false),
        (b"h[^e]llo", b"hallo", false, true),
        (b"h[^e]llo", b"hello", false, false),
        (b"h[a-b]llo", b"hbllo", false, true),
        (b"h[b-a]llo", b"hbllo", false, true),
        (b"h[a-b]llo", b"hcllo", false, false),
        (b"[]]", b"]", false, false),
        (b"[]", b"]", false, false),
        (b"[\\]]", b"]", false, true),
        // `a-]` is a range (']' to 'a'), so this class is unterminated.
        (b"[a-]", b"-", false, false),
        (b"[a-]", b"a", false, true),
        (b"[a-]", b"]", false, true),
        (b"[a-]", b"b", false, false),
        (b"[-a]", b"-", false, true),
        (b"[a-c-e]", b"-", false, true),
        (b"[a-c-e]", b"d", false, false),
        // Unterminated classes.
        (b"[abc", b"a", false, true),
        (b"[abc", b"c", false, true),
        (b"[abc", b"d", false, false),
        (b"[", b"[", false, false),
        (b"[", b"a", false, false),
        (b"[^", b"x", false, true),
        (b"[^", b"", false, false),
        (b"a[", b"a[", false, false),
        (b"[a-", b"-", false, true),
        (b"[a-", b"b", false, false),
        (b"[\\", b"\\", false, true),
        (b"[^]", b"a", false, true),
        (b"[^]a", b"]a", false, true),
        (b"[^a", b"b", false, true),
        (b"[^a", b"a", false, false),
        (b"[\\a-z]", b"-", false, true),
        (b"[\\a-z]", b"m", false, false),
        // Escapes.
        (b"\\*", b"*", false, true),
        (b"\\*", b"a", false, false),
        (b"\\?", b"?", false, true),
        (b"\\[a]", b"[a]", false, true),
        (b"a\\", b"a\\", false, true),
        (b"\\", b"\\", false, true),
        // Case folding.
        (b"HELLO", b"hello", true, true),
        (b"HELLO", b"hello", false, false),
        (b"h[A-C]llo", b"hbllo", true, true),
        (b"h[A-C]llo", b"hbllo", false, false),
        (b"[\\A]", b"a", true, false),
        (b"[A]", b"a", true, true),
        // Signed char ranges: [a-\xff] is -1..=97 in C.
        (b"[a-\xff]", b"b", false, false),
        (b"[a-\xff]", b"A", false, true),
        (b"[a-\xff]", b"\xff", false, true),
        (b"[a-\xff]", b"\x80", false, false),
        (b"[\x80-\xff]", b"\x90", false, true),
        // Embedded NUL bytes.
        (b"a\x00b", b"a\x00b", false, true),
        (b"a?b", b"a\x00b", false, true),
    ];

    #[test]
    fn table() {
        for &(p, s, nocase, want) in CASES {
            assert_eq!(
                glob_match(p, s, nocase),
                want,
                "pattern {:?} string {:?} nocase {nocase}",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(s)
            );
        }
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let pattern = format!("{}b", "a*".repeat(40));
        let subject = "a".repeat(80);
        let t = std::time::Instant::now();
        assert!(!glob_match(pattern.as_bytes(), subject.as_bytes(), false));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn nesting_limit_fails_deep_star_recursion() {
        // Checked against Redis 7.0.15's KEYS: the 1002nd star would recurse at nesting 1001.
        let subject = "x".repeat(2004);
        assert!(glob_match(
            "?*".repeat(1001).as_bytes(),
            subject.as_bytes(),
            false
        ));
        assert!(!glob_match(
            "?*".repeat(1002).as_bytes(),
            subject.as_bytes(),
            false
        ));
        let a = "a".repeat(1002);
        assert!(glob_match(
            "a*".repeat(1001).as_bytes(),
            &a.as_bytes()[..1001],
            false
        ));
        assert!(!glob_match(
            "a*".repeat(1002).as_bytes(),
            a.as_bytes(),
            false
        ));
    }

    #[test]
    fn fifty_thousand_stars_find_nothing() {
        // The Redis test suite's case: consecutive stars collapse, so this matches.
        let stars = "*".repeat(50000);
        assert!(glob_match(stars.as_bytes(), b"abc", false));
        // Separated stars recurse; past 1000 levels the match fails.
        let sep = "a*".repeat(2000);
        let subject = "a".repeat(4000);
        assert!(!glob_match(sep.as_bytes(), subject.as_bytes(), false));
    }
}
