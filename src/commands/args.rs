//! Argument parsing helpers: a cursor over argv and Redis's number conversions with their errors.
//!
//! Handlers parse everything up front with these, returning early on the first bad argument, so a
//! syntax error never leaves a half-applied write. Option names compare without regard to ASCII
//! case, as Redis's strcasecmp does.

use bytes::Bytes;

use super::error::CmdError;
use crate::util::num;

/// A cursor over a command's arguments.
pub struct Args<'a> {
    argv: &'a [Bytes],
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor starting at argument `start` (1 skips the command name).
    pub fn new(argv: &'a [Bytes], start: usize) -> Self {
        Args { argv, pos: start }
    }

    /// The next argument, if any, consuming it.
    #[allow(clippy::should_implement_trait)] // A cursor with peek/required/rest, not an iterator.
    pub fn next(&mut self) -> Option<&'a Bytes> {
        let a = self.argv.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// The next argument, without consuming it.
    pub fn peek(&self) -> Option<&'a Bytes> {
        self.argv.get(self.pos)
    }

    /// The next argument, or a syntax error if there is none.
    pub fn required(&mut self) -> Result<&'a Bytes, CmdError> {
        self.next().ok_or(CmdError::Syntax)
    }

    /// The next argument as an i64, with Redis's "not an integer" error.
    pub fn i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.required()?)
    }

    /// Arguments not consumed yet.
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    /// The rest of the arguments, consuming them.
    pub fn rest(&mut self) -> &'a [Bytes] {
        let r = self.argv.get(self.pos..).unwrap_or_default();
        self.pos = self.argv.len();
        r
    }

    /// Whether every argument was consumed.
    pub fn done(&self) -> bool {
        self.pos >= self.argv.len()
    }
}

/// Whether `arg` equals `word`, ignoring ASCII case.
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// The bytes before the first NUL, as C string functions (strcasecmp, "%s") see an argument.
pub fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => b.get(..i).unwrap_or_default(),
        None => b,
    }
}

/// Whether `arg`, read as a C string, equals `word` ignoring ASCII case (Redis's strcasecmp).
pub fn c_is(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// The options of SCAN, HSCAN, SSCAN and ZSCAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions<'a> {
    /// COUNT (default 10).
    pub count: usize,
    /// MATCH pattern; `None` also when the pattern is `*` alone, which Redis does not run
    /// through the matcher.
    pub pattern: Option<&'a [u8]>,
    /// TYPE filter (SCAN only).
    pub type_filter: Option<&'a [u8]>,
}

/// Parses SCAN-family options from `argv[start..]` as Redis's scanGenericCommand does: pairs of
/// COUNT n (n >= 1, else a syntax error), MATCH pattern and, for SCAN, TYPE t; anything else
/// (or an option without its value) is a syntax error.
pub fn parse_scan_options(
    argv: &[Bytes],
    start: usize,
    allow_type: bool,
) -> Result<ScanOptions<'_>, CmdError> {
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
        type_filter: None,
    };
    let mut i = start;
    while let Some(opt) = argv.get(i) {
        let Some(val) = argv.get(i + 1) else {
            return Err(CmdError::Syntax);
        };
        if c_is(opt, "count") {
            let n = parse_i64(val)?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if c_is(opt, "match") {
            opts.pattern = (val.as_ref() != b"*").then_some(val.as_ref());
        } else if allow_type && c_is(opt, "type") {
            opts.type_filter = Some(val.as_ref());
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(opts)
}

/// Parses an i64 as getLongLongFromObjectOrReply does.
pub fn parse_i64(b: &[u8]) -> Result<i64, CmdError> {
    num::parse_i64(b).ok_or(CmdError::NotInteger)
}

/// Parses a non-negative i64 (counts, indexes that must be positive) with Redis's
/// "value is out of range, must be positive" error.
pub fn parse_positive(b: &[u8]) -> Result<i64, CmdError> {
    let n = parse_i64(b)?;
    if n < 0 {
        return Err(CmdError::NotPositive);
    }
    Ok(n)
}

/// Parses a double as getDoubleFromObjectOrReply does.
pub fn parse_f64(b: &[u8]) -> Result<f64, CmdError> {
    num::parse_f64(b).ok_or(CmdError::NotFloat)
}

/// Parses a blocking command's timeout (seconds, fractional allowed; 0 = forever) into an
/// absolute deadline in unix ms, as Redis 7.0's getTimeoutFromObjectOrReply does: the seconds are
/// a long double, multiplied by 1000 and truncated (so 0.0001 means forever), and a value C's
/// cast cannot hold (inf, 1e300) becomes LLONG_MIN on x86, i.e. "timeout is negative".
pub fn parse_block_timeout(b: &[u8], now_ms: i64) -> Result<Option<i64>, CmdError> {
    let secs = crate::util::num::LongDouble::parse(b)
        .filter(|ld| !ld.is_nan())
        .map(|ld| ld.to_f64())
        .ok_or(CmdError::Static(
            "ERR timeout is not a float or out of range",
        ))?;
    let ms_f = secs * 1000.0;
    let ms = if ms_f.is_finite() && ms_f.abs() < 9.223_372_036_854_775e18 {
        ms_f.trunc() as i64
    } else {
        i64::MIN
    };
    if ms < 0 {
        return Err(CmdError::Static("ERR timeout is negative"));
    }
    if ms == 0 {
        return Ok(None);
    }
    now_ms
        .checked_add(ms)
        .map(Some)
        .ok_or(CmdError::Static("ERR timeout is out of range"))
}

/// The argument at `i`, or an empty slice (arity was already checked by the dispatcher).
pub fn arg(argv: &[Bytes], i: usize) -> &[u8] {
    argv.get(i).map(|b| b.as_ref()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_timeouts_follow_redis_rules() {
        assert_eq!(parse_block_timeout(b"0", 1000), Ok(None));
        assert_eq!(parse_block_timeout(b"0.0001", 1000), Ok(None));
        assert_eq!(parse_block_timeout(b"1.5", 1000), Ok(Some(2500)));
        assert_eq!(parse_block_timeout(b"-0.0001", 1000), Ok(None));
        let neg = Err(CmdError::Static("ERR timeout is negative"));
        assert_eq!(parse_block_timeout(b"-1", 1000), neg);
        assert_eq!(parse_block_timeout(b"inf", 1000), neg);
        assert_eq!(parse_block_timeout(b"1e300", 1000), neg);
        let nf = Err(CmdError::Static(
            "ERR timeout is not a float or out of range",
        ));
        assert_eq!(parse_block_timeout(b"abc", 1000), nf);
        assert_eq!(parse_block_timeout(b"nan", 1000), nf);
        assert_eq!(
            parse_block_timeout(b"9223372036854", i64::MAX - 10),
            Err(CmdError::Static("ERR timeout is out of range"))
        );
    }
}
