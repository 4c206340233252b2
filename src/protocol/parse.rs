//! The request parser: RESP multibulk and inline commands, resumable and zero-copy.
//!
//! A client's query buffer is a `BytesMut`. [`RequestParser::next`] looks for one complete command
//! at its front; when one is there it splits those bytes off, freezes them, and hands out the
//! arguments as `Bytes` slices of that one allocation (no copy per argument). When the command is
//! not complete yet the parser keeps its place (remaining element count, current bulk length, the
//! offsets of the arguments already seen) so the next read resumes where the last one stopped: a
//! 1 GB bulk is scanned once, not once per read.
//!
//! Limits and their error texts are Redis 7.0's (networking.c): inline lines and length lines are
//! at most 64 KiB, a bulk is at most `proto-max-bulk-len`, and a client that has not authenticated
//! may send at most 10 elements of at most 16 KiB each. Like Redis, the two bytes after a bulk's
//! payload are skipped without being checked.

use bytes::{Bytes, BytesMut};

/// The longest inline request or length line Redis accepts (PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Bulks at least this long get a buffer of their exact size (PROTO_MBULK_BIG_ARG).
pub const BIG_ARG: usize = 32 * 1024;
/// At most this many argument slots are reserved up front, whatever count a client announces.
const PREALLOC_ARGS_CAP: usize = 1024;
/// Element and bulk caps before authentication.
const UNAUTH_MAX_ELEMENTS: i64 = 10;
const UNAUTH_MAX_BULK: i64 = 16384;

/// The limits one parse runs under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: i64,
    /// Whether the client has authenticated (or needs no authentication).
    pub authenticated: bool,
    /// Whether this is a master link (exempt from the bulk limit, as in Redis).
    pub is_master: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            authenticated: true,
            is_master: false,
        }
    }
}

/// A protocol error: answered with `-ERR Protocol error: ...`, then the client is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// An inline line longer than 64 KiB.
    TooBigInline,
    /// Unbalanced quotes in an inline request.
    UnbalancedQuotes,
    /// A `*` line longer than 64 KiB.
    TooBigMbulkCount,
    /// A `*` count that is not a number or is too large.
    InvalidMultibulkLength,
    /// More than 10 elements before authentication.
    UnauthenticatedMultibulkLength,
    /// A `$` line longer than 64 KiB.
    TooBigBulkCount,
    /// Something other than `$` where a bulk header was expected.
    ExpectedDollar(u8),
    /// A `$` length that is not a number, negative, or over proto-max-bulk-len.
    InvalidBulkLength,
    /// A bulk over 16 KiB before authentication.
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// The error line Redis sends, without the leading `-`.
    pub fn message(&self) -> String {
        let detail = match self {
            ProtocolError::TooBigInline => "too big inline request".to_string(),
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request".to_string(),
            ProtocolError::TooBigMbulkCount => "too big mbulk count string".to_string(),
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length".to_string(),
            ProtocolError::UnauthenticatedMultibulkLength => {
                "unauthenticated multibulk length".to_string()
            }
            ProtocolError::TooBigBulkCount => "too big bulk count string".to_string(),
            ProtocolError::ExpectedDollar(c) => format!("expected '$', got '{}'", *c as char),
            ProtocolError::InvalidBulkLength => "invalid bulk length".to_string(),
            ProtocolError::UnauthenticatedBulkLength => "unauthenticated bulk length".to_string(),
        };
        format!("ERR Protocol error: {detail}")
    }
}

/// What kind of request the parser is in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing consumed yet: the next byte decides.
    Idle,
    /// Inside a multibulk request.
    Multibulk,
}

/// Resumable parser state for one client.
#[derive(Debug)]
pub struct RequestParser {
    mode: Mode,
    /// Elements still to read in the current multibulk.
    remaining: usize,
    /// Length of the bulk being read, once its `$` line is parsed.
    bulk_len: Option<usize>,
    /// Offset in the query buffer where parsing resumes.
    pos: usize,
    /// (start, end) of each argument seen so far, relative to the buffer's front.
    spans: Vec<(usize, usize)>,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        RequestParser {
            mode: Mode::Idle,
            remaining: 0,
            bulk_len: None,
            pos: 0,
            spans: Vec::new(),
        }
    }

    /// Parses one command off the front of `buf` into `argv` (cleared first).
    ///
    /// Returns `Ok(true)` when `argv` holds a command (possibly empty, for a blank inline line or
    /// `*0`; the caller skips those), `Ok(false)` when more bytes are needed. The consumed bytes
    /// are removed from `buf` only when a whole command is there.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        argv: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        argv.clear();
        if self.mode == Mode::Idle {
            let Some(&first) = buf.first() else {
                return Ok(false);
            };
            if first == b'*' {
                if whole_command(buf, limits, argv) {
                    return Ok(true);
                }
                self.mode = Mode::Multibulk;
            } else {
                return self.inline(buf, argv);
            }
        }
        self.multibulk(buf, limits, argv)
    }

    /// Bytes the parser still needs before the current bulk is complete (0 if unknown), so the
    /// reader can reserve exactly that much for a big argument.
    pub fn bytes_wanted(&self, buffered: usize) -> usize {
        match self.bulk_len {
            Some(len) => (self.pos + len + 2).saturating_sub(buffered),
            None => 0,
        }
    }

    fn inline(&mut self, buf: &mut BytesMut, argv: &mut Vec<Bytes>) -> Result<bool, ProtocolError> {
        let Some(nl) = memchr(b'\n', buf) else {
            if buf.len() > INLINE_MAX {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(false);
        };
        let mut end = nl;
        if end > 0 && buf.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        let line = buf.split_to(nl + 1).freeze();
        let args = split_args(line.get(..end).unwrap_or_default())
            .ok_or(ProtocolError::UnbalancedQuotes)?;
        argv.extend(args.into_iter().map(Bytes::from));
        Ok(true)
    }

    fn multibulk(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        argv: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        if self.pos == 0 {
            // The `*<count>\r\n` header.
            let Some(cr) = memchr(b'\r', buf) else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtocolError::TooBigMbulkCount);
                }
                return Ok(false);
            };
            // The '\n' after '\r' must be buffered too.
            if cr + 1 >= buf.len() {
                return Ok(false);
            }
            let count = buf
                .get(1..cr)
                .and_then(parse_len)
                .filter(|&n| n <= i64::from(i32::MAX))
                .ok_or(ProtocolError::InvalidMultibulkLength)?;
            if count > UNAUTH_MAX_ELEMENTS && !limits.authenticated {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            self.pos = cr + 2;
            if count <= 0 {
                let _ = buf.split_to(self.pos);
                self.reset();
                return Ok(true);
            }
            // Bounded above by i32::MAX, so the cast is lossless.
            self.remaining = count as usize;
            self.spans.clear();
            self.spans.reserve(self.remaining.min(PREALLOC_ARGS_CAP));
        }
        while self.remaining > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let rest = buf.get(self.pos..).unwrap_or_default();
                    let Some(cr) = memchr(b'\r', rest) else {
                        if rest.len() > INLINE_MAX {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(false);
                    };
                    if cr + 1 >= rest.len() {
                        return Ok(false);
                    }
                    match rest.first() {
                        Some(b'$') => {}
                        Some(&c) => return Err(ProtocolError::ExpectedDollar(c)),
                        None => return Ok(false),
                    }
                    let len = rest
                        .get(1..cr)
                        .and_then(parse_len)
                        .filter(|&n| n >= 0 && (limits.is_master || n <= limits.max_bulk_len))
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if len > UNAUTH_MAX_BULK && !limits.authenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    self.pos += cr + 2;
                    let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
                    self.bulk_len = Some(len);
                    if len >= BIG_ARG {
                        // Make room for the whole bulk at once, as Redis does for big arguments.
                        let need = (self.pos + len + 2).saturating_sub(buf.len());
                        buf.reserve(need);
                    }
                    len
                }
            };
            let needed = self.pos.checked_add(len).and_then(|n| n.checked_add(2));
            match needed {
                Some(n) if n <= buf.len() => {
                    self.spans.push((self.pos, self.pos + len));
                    self.pos = n;
                    self.bulk_len = None;
                    self.remaining -= 1;
                }
                _ => return Ok(false),
            }
        }
        let frame = buf.split_to(self.pos).freeze();
        argv.extend(self.spans.iter().map(|&(s, e)| frame.slice(s..e)));
        self.reset();
        Ok(true)
    }

    fn reset(&mut self) {
        self.mode = Mode::Idle;
        self.remaining = 0;
        self.bulk_len = None;
        self.pos = 0;
        self.spans.clear();
    }
}

/// Most arguments a command may have to take [`whole_command`]'s path.
const FAST_MAX_ARGS: usize = 16;

/// The fast path for the usual request: a complete multibulk of at most [`FAST_MAX_ARGS`]
/// short bulks, all in the buffer, from an authenticated client. Parses it in one pass without
/// touching the resumable state, splits it off `buf` and fills `argv`; returns true. Returns
/// false, having consumed nothing, for anything else (incomplete, malformed, long, `*0`), which
/// the resumable parser then handles with its exact errors and limits.
fn whole_command(buf: &mut BytesMut, limits: &Limits, argv: &mut Vec<Bytes>) -> bool {
    if !limits.authenticated {
        return false;
    }
    let b: &[u8] = buf;
    let Some((count, mut pos)) = short_number(b, 1) else {
        return false;
    };
    if count == 0 || count > FAST_MAX_ARGS {
        return false;
    }
    let mut spans = [(0usize, 0usize); FAST_MAX_ARGS];
    for span in spans.iter_mut().take(count) {
        if b.get(pos) != Some(&b'$') {
            return false;
        }
        let Some((len, start)) = short_number(b, pos + 1) else {
            return false;
        };
        let end = start + len;
        // The payload and the two bytes after it (skipped unchecked, as Redis does).
        if end + 2 > b.len() {
            return false;
        }
        *span = (start, end);
        pos = end + 2;
    }
    let frame = buf.split_to(pos).freeze();
    argv.extend(spans.iter().take(count).map(|&(s, e)| frame.slice(s..e)));
    true
}

/// A length line's number at `at` (after its `*` or `$`): "0" or 1 to 4 digits without a
/// leading zero, then CR LF, all buffered. Returns the number and the offset past the LF.
/// Such a number is below [`BIG_ARG`] and within every bulk limit, so no further check
/// applies; anything else is `None`.
fn short_number(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut v = 0usize;
    let mut i = at;
    loop {
        let c = *b.get(i)?;
        if c == b'\r' {
            break;
        }
        if !c.is_ascii_digit() || (c == b'0' && i == at && b.get(i + 1) != Some(&b'\r')) {
            return None;
        }
        v = v * 10 + usize::from(c - b'0');
        i += 1;
        if i - at > 4 {
            return None;
        }
    }
    if i == at || b.get(i + 1) != Some(&b'\n') {
        return None;
    }
    Some((v, i + 2))
}

/// Splits an inline line into arguments the way Redis's sdssplitargs does (double quotes with
/// `\n \r \t \b \a \\ \" \xHH` escapes, single quotes with `\'`); `None` for unbalanced quotes or
/// a closing quote not followed by a space.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| line.get(i).copied();
    loop {
        while at(i).is_some_and(is_space) {
            i += 1;
        }
        if at(i).is_none() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let c = at(i);
            if in_dq {
                match c {
                    None => return None,
                    Some(b'\\') if at(i + 1) == Some(b'x') => {
                        match (at(i + 2).and_then(hex_val), at(i + 3).and_then(hex_val)) {
                            (Some(h), Some(l)) => {
                                cur.push(h * 16 + l);
                                i += 3;
                            }
                            _ => cur.push(b'\\'),
                        }
                    }
                    Some(b'\\') if at(i + 1).is_some() => {
                        i += 1;
                        cur.push(match at(i) {
                            Some(b'n') => b'\n',
                            Some(b'r') => b'\r',
                            Some(b't') => b'\t',
                            Some(b'b') => 8,
                            Some(b'a') => 7,
                            Some(other) => other,
                            None => return None,
                        });
                    }
                    Some(b'"') => {
                        // A closing quote must be followed by a space or the end.
                        if at(i + 1).is_some_and(|c| !is_space(c)) {
                            return None;
                        }
                        in_dq = false;
                        i += 1;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else if in_sq {
                match c {
                    None => return None,
                    Some(b'\\') if at(i + 1) == Some(b'\'') => {
                        i += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if at(i + 1).is_some_and(|c| !is_space(c)) {
                            return None;
                        }
                        in_sq = false;
                        i += 1;
                        break;
                    }
                    Some(other) => cur.push(other),
                }
            } else {
                match c {
                    None => break,
                    Some(c) if is_space(c) => break,
                    Some(b'"') => in_dq = true,
                    Some(b'\'') => in_sq = true,
                    Some(other) => cur.push(other),
                }
            }
            i += 1;
        }
        let _ = (in_dq, in_sq);
        out.push(cur);
    }
}

/// Parses a length line's digits as Redis's string2ll does (optional '-', no '+', no spaces).
fn parse_len(b: &[u8]) -> Option<i64> {
    // The usual line, 1 to 18 digits without a leading zero, cannot overflow and string2ll
    // takes it as is: read it in one loop. Anything else goes to the full parse.
    if let Some((&first, rest)) = b.split_first()
        && (b'1'..=b'9').contains(&first)
        && rest.len() < 18
    {
        let mut v = i64::from(first - b'0');
        for &c in rest {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        return Some(v);
    }
    crate::util::num::parse_i64(b)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]], limits: &Limits) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut argv = Vec::new();
        for c in chunks {
            buf.extend_from_slice(c);
            while p.next(&mut buf, limits, &mut argv)? {
                out.push(argv.iter().map(|a| a.to_vec()).collect());
            }
        }
        Ok(out)
    }

    #[test]
    fn multibulk_split_at_every_point_gives_the_same_argv() {
        let stream = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n";
        let whole = parse_all(&[stream], &Limits::default()).unwrap();
        assert_eq!(whole.len(), 2);
        assert_eq!(
            whole[0],
            vec![b"SET".to_vec(), b"k".to_vec(), b"hello".to_vec()]
        );
        for i in 0..stream.len() {
            for j in i..stream.len() {
                let got = parse_all(
                    &[&stream[..i], &stream[i..j], &stream[j..]],
                    &Limits::default(),
                )
                .unwrap();
                assert_eq!(got, whole, "split at {i},{j}");
            }
        }
    }

    #[test]
    fn whole_command_path_agrees_with_byte_by_byte_parsing() {
        // Each stream parsed whole (the one-pass path where it applies) and one byte at a time
        // (always the resumable parser) gives the same commands or the same error.
        let seventeen = format!("*17\r\n{}", "$1\r\na\r\n".repeat(17));
        let streams: Vec<&[u8]> = vec![
            b"*2\r\n$4\r\nSPOP\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n",
            b"*1\r\n$10\r\n0123456789\r\n",
            b"*01\r\n$4\r\nPING\r\n",
            b"*1\r\n$04\r\nPING\r\n",
            b"*1\r\n$-1\r\n",
            b"*1\r\n:4\r\nPING\r\n",
            b"*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n",
            b"*1\r\n$12345\r\n",
            b"*0\r\n*-1\r\n*1\r\n$1\r\nx\r\n",
            b"*1\r\n$3 \r\nGET\r\n",
            seventeen.as_bytes(),
        ];
        for stream in streams {
            for limits in [
                Limits::default(),
                Limits {
                    authenticated: false,
                    ..Limits::default()
                },
            ] {
                let whole = parse_all(&[stream], &limits);
                let bytes: Vec<&[u8]> = stream.chunks(1).collect();
                let split = parse_all(&bytes, &limits);
                assert_eq!(whole, split, "{:?}", String::from_utf8_lossy(stream));
            }
        }
        let got = parse_all(&[seventeen.as_bytes()], &Limits::default()).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].len(), 17);
    }

    #[test]
    fn inline_commands_split_on_spaces_and_quotes() {
        let got = parse_all(
            &[b"set k \"a b\\x41\\n\" 'it\\'s'\r\nPING\n"],
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            got[0],
            vec![
                b"set".to_vec(),
                b"k".to_vec(),
                b"a bA\n".to_vec(),
                b"it's".to_vec()
            ]
        );
        assert_eq!(got[1], vec![b"PING".to_vec()]);
    }

    #[test]
    fn unbalanced_quotes_are_a_protocol_error() {
        let err = parse_all(&[b"set \"k\r\n"], &Limits::default()).unwrap_err();
        assert_eq!(
            err.message(),
            "ERR Protocol error: unbalanced quotes in request"
        );
        let err = parse_all(&[b"set \"k\"x\r\n"], &Limits::default()).unwrap_err();
        assert_eq!(err, ProtocolError::UnbalancedQuotes);
    }

    #[test]
    fn bad_lengths_give_redis_errors() {
        let l = Limits::default();
        assert_eq!(
            parse_all(&[b"*x\r\n"], &l).unwrap_err(),
            ProtocolError::InvalidMultibulkLength
        );
        assert_eq!(
            parse_all(&[b"*3000000000\r\n"], &l).unwrap_err(),
            ProtocolError::InvalidMultibulkLength
        );
        assert_eq!(
            parse_all(&[b"*1\r\n$-1\r\n"], &l).unwrap_err(),
            ProtocolError::InvalidBulkLength
        );
        assert_eq!(
            parse_all(&[b"*1\r\n$600000000\r\n"], &l).unwrap_err(),
            ProtocolError::InvalidBulkLength
        );
        assert_eq!(
            parse_all(&[b"*1\r\n:1\r\n"], &l).unwrap_err().message(),
            "ERR Protocol error: expected '$', got ':'"
        );
    }

    #[test]
    fn unauthenticated_clients_get_tight_caps() {
        let l = Limits {
            authenticated: false,
            ..Limits::default()
        };
        assert_eq!(
            parse_all(&[b"*11\r\n"], &l).unwrap_err(),
            ProtocolError::UnauthenticatedMultibulkLength
        );
        assert_eq!(
            parse_all(&[b"*1\r\n$16385\r\n"], &l).unwrap_err(),
            ProtocolError::UnauthenticatedBulkLength
        );
        assert!(parse_all(&[b"*1\r\n$16384\r\n"], &l).unwrap().is_empty());
    }

    #[test]
    fn long_lines_without_newline_are_refused() {
        let l = Limits::default();
        let big = vec![b'a'; INLINE_MAX + 1];
        assert_eq!(
            parse_all(&[&big], &l).unwrap_err(),
            ProtocolError::TooBigInline
        );
        let mut mb = b"*".to_vec();
        mb.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(
            parse_all(&[&mb], &l).unwrap_err(),
            ProtocolError::TooBigMbulkCount
        );
    }

    #[test]
    fn empty_multibulk_and_blank_lines_yield_empty_argv() {
        let got = parse_all(&[b"*0\r\n\r\n*-1\r\n"], &Limits::default()).unwrap();
        assert_eq!(got, vec![Vec::<Vec<u8>>::new(); 3]);
    }

    #[test]
    fn bulk_trailer_is_skipped_unchecked_like_redis() {
        let got = parse_all(&[b"*1\r\n$4\r\nPINGxy"], &Limits::default()).unwrap();
        assert_eq!(got, vec![vec![b"PING".to_vec()]]);
    }

    #[test]
    fn big_bulk_reports_bytes_wanted() {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(&b"*1\r\n$40000\r\nabc"[..]);
        let mut argv = Vec::new();
        assert!(!p.next(&mut buf, &Limits::default(), &mut argv).unwrap());
        assert_eq!(p.bytes_wanted(buf.len()), 40000 - 3 + 2);
        assert!(buf.capacity() >= 40000 + 12);
    }
}
