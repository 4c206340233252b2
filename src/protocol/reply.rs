//! The `ReplySink` trait: the one way a command answers.
//!
//! A handler describes its reply once, in RESP3 terms (maps, sets, doubles, booleans, nulls), and
//! the sink decides how it reaches the client. [`super::write::RespWriter`] streams RESP2 or RESP3
//! bytes straight into a client's output buffer (flattening maps to arrays and so on for RESP2);
//! [`super::value::ValueSink`] builds a [`super::value::Reply`] tree for Lua and for tests.
//!
//! Lengths are announced before the elements. When a handler cannot know a length up front (KEYS,
//! SCAN with MATCH), it asks for a deferred length and fills it in once the elements are written.

/// The protocol version a client speaks (HELLO 2 / HELLO 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default for a new connection.
    #[default]
    Resp2,
    /// RESP3, chosen with HELLO 3.
    Resp3,
}

impl Protocol {
    /// The number HELLO reports for this protocol.
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }
}

/// A handle for a length written after its elements (see [`ReplySink::deferred_len`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferred(pub usize);

/// The kind of aggregate a deferred length stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// `*` in both protocols.
    Array,
    /// `%` in RESP3; an array of twice the length in RESP2.
    Map,
    /// `~` in RESP3; an array in RESP2.
    Set,
}

/// Something a command writes its reply into.
pub trait ReplySink {
    /// The protocol the reply is for; commands consult it only where Redis's reply differs.
    fn protocol(&self) -> Protocol;
    /// Switches the protocol for what is written next (HELLO answers in the protocol it picks).
    fn set_protocol(&mut self, proto: Protocol);

    /// A status reply: `+OK`. The text must not contain CR or LF.
    fn simple(&mut self, s: &[u8]);
    /// An error reply; `s` is the whole line without the leading `-` (`ERR syntax error`).
    /// CR and LF inside it are replaced by spaces.
    fn error(&mut self, s: &[u8]);
    /// An integer reply.
    fn int(&mut self, n: i64);
    /// A bulk string.
    fn bulk(&mut self, b: &[u8]);
    /// The null bulk: `$-1` in RESP2, `_` in RESP3.
    fn null(&mut self);
    /// The null array: `*-1` in RESP2, `_` in RESP3.
    fn null_array(&mut self);
    /// An array header for `n` elements that follow.
    fn array_len(&mut self, n: usize);
    /// A map header for `n` key/value pairs (2n elements) that follow.
    fn map_len(&mut self, n: usize);
    /// A set header for `n` elements that follow.
    fn set_len(&mut self, n: usize);
    /// A push header (RESP3 out-of-band data) for `n` elements; an array in RESP2.
    fn push_len(&mut self, n: usize);
    /// A RESP3 attribute header for `n` key/value pairs that describe the reply after them
    /// (`|n`). Only for RESP3 clients: callers skip it in RESP2, as Redis does.
    fn attribute_len(&mut self, n: usize);
    /// A double: `,1.5` in RESP3, a bulk string in RESP2 (formatted as Redis 7.0 does, `%.17g`).
    fn double(&mut self, d: f64);
    /// A double Redis writes with its own text (`text` is how `d` is spelled): `,text` in
    /// RESP3, a bulk of `text` in RESP2. Sinks that build values keep `d` alone.
    fn double_text(&mut self, d: f64, text: &[u8]) {
        let _ = text;
        self.double(d);
    }
    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    fn boolean(&mut self, b: bool);
    /// A verbatim string with a three-letter format (`txt`, `mkd`); a bulk in RESP2.
    fn verbatim(&mut self, format: &str, b: &[u8]);
    /// A big number given as decimal digits; a bulk in RESP2.
    fn big_number(&mut self, digits: &[u8]);
    /// Starts an aggregate whose length is filled in later by [`ReplySink::set_deferred`].
    fn deferred_len(&mut self, kind: AggregateKind) -> Deferred;
    /// Fills in a deferred length: `n` elements (pairs, for a map) were written after it.
    fn set_deferred(&mut self, d: Deferred, n: usize);

    /// Where the next byte goes in the client's output buffer, for a sink that writes there
    /// (so out-of-band messages can be placed between the replies of EXEC's commands); `None`
    /// for sinks that build values, and while a deferred length is open (bytes would move).
    fn position(&self) -> Option<usize> {
        None
    }
    /// `+OK`.
    fn ok(&mut self) {
        self.simple(b"OK");
    }
    /// A bulk string of an integer's decimal digits.
    fn bulk_int(&mut self, n: i64) {
        let mut buf = itoa_buf();
        let s = crate::util::num::fmt_i64(n, &mut buf);
        self.bulk(s);
    }
    /// A whole array of bulk strings.
    fn bulk_array<'b, I>(&mut self, items: I)
    where
        I: ExactSizeIterator<Item = &'b [u8]>,
        Self: Sized,
    {
        self.array_len(items.len());
        for it in items {
            self.bulk(it);
        }
    }
}

/// A stack buffer big enough for any i64 in decimal.
pub fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}
