//! `RespWriter`: the reply sink that streams RESP2 or RESP3 bytes into an output buffer.
//!
//! Nothing is allocated per reply element: headers and payloads are appended straight to the
//! client's buffer. RESP3-only types are flattened for RESP2 clients the way Redis flattens them
//! (maps become arrays of twice the length, doubles and big numbers become bulks, booleans become
//! integers, nulls become `$-1` or `*-1`). Deferred lengths are written as a placeholder position
//! and the header is inserted when the length is known.

use super::reply::{AggregateKind, Deferred, Protocol, ReplySink};
use crate::util::num;

/// The most a bulk adds around its payload: `$`, 20 digits, and two CRLFs.
const BULK_OVERHEAD: usize = 1 + 20 + 4;

/// A reply sink writing protocol bytes into a `Vec<u8>`.
pub struct RespWriter<'a> {
    out: &'a mut Vec<u8>,
    proto: Protocol,
    /// Deferred aggregates not filled in yet: (position, kind).
    deferred: Vec<(usize, AggregateKind)>,
    /// How many deferred lengths are still open (their headers are not written yet).
    open: usize,
}

impl<'a> RespWriter<'a> {
    /// A writer appending to `out` in protocol `proto`.
    pub fn new(out: &'a mut Vec<u8>, proto: Protocol) -> Self {
        RespWriter {
            out,
            proto,
            deferred: Vec::new(),
            open: 0,
        }
    }

    #[inline]
    fn header(&mut self, prefix: u8, n: usize) {
        // One digit is the common case (short bulks, small arrays): four bytes in one copy.
        if let Ok(d @ 0..=9) = u8::try_from(n) {
            self.out
                .extend_from_slice(&[prefix, b'0' + d, b'\r', b'\n']);
        } else {
            self.header_digits(prefix, n);
        }
    }

    /// [`Self::header`] for a length of two digits or more.
    #[inline(never)]
    fn header_digits(&mut self, prefix: u8, n: usize) {
        let mut buf = [0u8; 20];
        let digits = num::fmt_i64(len_i64(n), &mut buf);
        self.out.reserve(digits.len() + 3);
        self.out.push(prefix);
        self.out.extend_from_slice(digits);
        self.out.extend_from_slice(b"\r\n");
    }

    #[inline]
    fn bulk_text(&mut self, b: &[u8]) {
        // Room for the header, the payload and its CRLF at once: the appends below then never
        // grow the buffer one piece at a time (LRANGE writes hundreds of bulks per reply).
        self.out.reserve(b.len() + BULK_OVERHEAD);
        self.header(b'$', b.len());
        self.out.extend_from_slice(b);
        self.out.extend_from_slice(b"\r\n");
    }

    fn line(&mut self, prefix: u8, s: &[u8]) {
        self.out.push(prefix);
        // Never let a status or error line break the framing: CR and LF become spaces.
        self.out.extend(
            s.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.out.extend_from_slice(b"\r\n");
    }
}

impl ReplySink for RespWriter<'_> {
    fn protocol(&self) -> Protocol {
        self.proto
    }

    fn position(&self) -> Option<usize> {
        // While a deferred header is still to be inserted, later bytes will move: no position.
        (self.open == 0).then_some(self.out.len())
    }

    fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }

    fn simple(&mut self, s: &[u8]) {
        self.line(b'+', s);
    }

    fn error(&mut self, s: &[u8]) {
        self.line(b'-', s);
    }

    fn int(&mut self, n: i64) {
        if let Ok(d @ 0..=9) = u8::try_from(n) {
            self.out.extend_from_slice(&[b':', b'0' + d, b'\r', b'\n']);
            return;
        }
        let mut buf = [0u8; 20];
        let digits = num::fmt_i64(n, &mut buf);
        self.out.reserve(digits.len() + 3);
        self.out.push(b':');
        self.out.extend_from_slice(digits);
        self.out.extend_from_slice(b"\r\n");
    }

    fn bulk(&mut self, b: &[u8]) {
        self.bulk_text(b);
    }

    fn null(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    fn array_len(&mut self, n: usize) {
        self.header(b'*', n);
    }

    fn map_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n.saturating_mul(2)),
            Protocol::Resp3 => self.header(b'%', n),
        }
    }

    fn set_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'~', n),
        }
    }

    fn push_len(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'>', n),
        }
    }

    fn attribute_len(&mut self, n: usize) {
        self.header(b'|', n);
    }

    fn double(&mut self, d: f64) {
        let text = format_double(d);
        match self.proto {
            Protocol::Resp2 => self.bulk_text(text.as_bytes()),
            Protocol::Resp3 => {
                self.out.push(b',');
                self.out.extend_from_slice(text.as_bytes());
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    fn double_text(&mut self, _d: f64, text: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk_text(text),
            Protocol::Resp3 => {
                self.out.push(b',');
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    fn boolean(&mut self, b: bool) {
        match self.proto {
            Protocol::Resp2 => self.int(i64::from(b)),
            Protocol::Resp3 => self
                .out
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    fn verbatim(&mut self, format: &str, b: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk_text(b),
            Protocol::Resp3 => {
                let fmt = format.as_bytes();
                self.header(b'=', b.len() + 4);
                self.out.extend_from_slice(fmt.get(..3).unwrap_or(b"txt"));
                self.out.push(b':');
                self.out.extend_from_slice(b);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    fn big_number(&mut self, digits: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk_text(digits),
            Protocol::Resp3 => self.line(b'(', digits),
        }
    }

    fn deferred_len(&mut self, kind: AggregateKind) -> Deferred {
        self.deferred.push((self.out.len(), kind));
        self.open += 1;
        Deferred(self.deferred.len() - 1)
    }

    fn set_deferred(&mut self, d: Deferred, n: usize) {
        let Some(&(pos, kind)) = self.deferred.get(d.0) else {
            return;
        };
        self.open = self.open.saturating_sub(1);
        let (prefix, count) = match (kind, self.proto) {
            (AggregateKind::Array, _) => (b'*', n),
            (AggregateKind::Map, Protocol::Resp2) => (b'*', n.saturating_mul(2)),
            (AggregateKind::Map, Protocol::Resp3) => (b'%', n),
            (AggregateKind::Set, Protocol::Resp2) => (b'*', n),
            (AggregateKind::Set, Protocol::Resp3) => (b'~', n),
        };
        let mut hdr = Vec::with_capacity(24);
        hdr.push(prefix);
        let mut buf = [0u8; 20];
        hdr.extend_from_slice(num::fmt_i64(len_i64(count), &mut buf));
        hdr.extend_from_slice(b"\r\n");
        let pos = pos.min(self.out.len());
        self.out.splice(pos..pos, hdr.iter().copied());
        // Deferred headers behind this one (later in the buffer, or opened later at the same
        // spot) shift by the inserted bytes.
        for (i, entry) in self.deferred.iter_mut().enumerate() {
            if entry.0 > pos || (entry.0 == pos && i > d.0) {
                entry.0 += hdr.len();
            }
        }
    }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Formats a double as Redis 7.0's addReplyDouble does: `inf`, `-inf`, `nan`, else `%.17g`.
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        if d > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else if d.is_nan() {
        "nan".to_string()
    } else {
        num::fmt_double_17g(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_withheld_while_a_deferred_length_is_open() {
        let mut out = Vec::new();
        let mut w = RespWriter::new(&mut out, Protocol::Resp3);
        w.ok();
        assert_eq!(w.position(), Some(5));
        let d = w.deferred_len(AggregateKind::Array);
        w.int(1);
        assert_eq!(w.position(), None);
        w.set_deferred(d, 1);
        assert_eq!(w.position(), Some(13));
        assert_eq!(out, b"+OK\r\n*1\r\n:1\r\n");
    }

    fn render(proto: Protocol, f: impl FnOnce(&mut RespWriter<'_>)) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = RespWriter::new(&mut out, proto);
        f(&mut w);
        out
    }

    #[test]
    fn resp3_types_flatten_for_resp2() {
        let both =
            |f: fn(&mut RespWriter<'_>)| (render(Protocol::Resp2, f), render(Protocol::Resp3, f));
        assert_eq!(both(|w| w.null()), (b"$-1\r\n".to_vec(), b"_\r\n".to_vec()));
        assert_eq!(
            both(|w| w.null_array()),
            (b"*-1\r\n".to_vec(), b"_\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.map_len(2)),
            (b"*4\r\n".to_vec(), b"%2\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.set_len(2)),
            (b"*2\r\n".to_vec(), b"~2\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.push_len(3)),
            (b"*3\r\n".to_vec(), b">3\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.boolean(true)),
            (b":1\r\n".to_vec(), b"#t\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(1.5)),
            (b"$3\r\n1.5\r\n".to_vec(), b",1.5\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(f64::INFINITY)),
            (b"$3\r\ninf\r\n".to_vec(), b",inf\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.verbatim("txt", b"hi")),
            (b"$2\r\nhi\r\n".to_vec(), b"=6\r\ntxt:hi\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.big_number(b"123")),
            (b"$3\r\n123\r\n".to_vec(), b"(123\r\n".to_vec())
        );
    }

    #[test]
    fn errors_never_contain_newlines() {
        let out = render(Protocol::Resp2, |w| w.error(b"ERR bad\r\nthing"));
        assert_eq!(out, b"-ERR bad  thing\r\n");
    }

    #[test]
    fn deferred_lengths_are_inserted_in_place() {
        let out = render(Protocol::Resp2, |w| {
            let outer = w.deferred_len(AggregateKind::Array);
            let inner = w.deferred_len(AggregateKind::Map);
            w.bulk(b"a");
            w.int(1);
            w.set_deferred(inner, 1);
            w.bulk(b"b");
            w.set_deferred(outer, 2);
        });
        assert_eq!(out, b"*2\r\n*2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n");
    }
}
