//! `Reply` values and `ValueSink`, the reply sink that builds them.
//!
//! The network path never builds a reply tree (see [`super::write`]); Lua's redis.call and the
//! harness tests do, through this second implementation of [`ReplySink`]. A `Reply` can be written
//! back to any sink, which is how a test compares a value with the bytes a client would see.

use bytes::Bytes;

use super::reply::{AggregateKind, Deferred, Protocol, ReplySink};

/// A reply as a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+text`.
    Simple(Bytes),
    /// `-text` (the whole line without `-`).
    Error(Bytes),
    /// `:n`.
    Int(i64),
    /// `$len` + payload.
    Bulk(Bytes),
    /// The null bulk.
    Null,
    /// The null array.
    NullArray,
    /// `*n`.
    Array(Vec<Reply>),
    /// `%n` (RESP3); flattened in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// `~n` (RESP3).
    Set(Vec<Reply>),
    /// `>n` (RESP3 push).
    Push(Vec<Reply>),
    /// `,d` (RESP3).
    Double(f64),
    /// `#t` / `#f` (RESP3).
    Bool(bool),
    /// `=len fmt:payload` (RESP3).
    Verbatim(String, Bytes),
    /// `(digits` (RESP3).
    BigNumber(Bytes),
}

impl Reply {
    /// A bulk reply from anything byte-like.
    pub fn bulk(b: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(b.as_ref()))
    }

    /// A status reply.
    pub fn simple(s: &str) -> Reply {
        Reply::Simple(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// An error reply.
    pub fn error(s: &str) -> Reply {
        Reply::Error(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// Writes this value to a sink.
    pub fn write_to(&self, sink: &mut dyn ReplySink) {
        match self {
            Reply::Simple(s) => sink.simple(s),
            Reply::Error(s) => sink.error(s),
            Reply::Int(n) => sink.int(*n),
            Reply::Bulk(b) => sink.bulk(b),
            Reply::Null => sink.null(),
            Reply::NullArray => sink.null_array(),
            Reply::Array(items) => {
                sink.array_len(items.len());
                items.iter().for_each(|r| r.write_to(sink));
            }
            Reply::Map(pairs) => {
                sink.map_len(pairs.len());
                for (k, v) in pairs {
                    k.write_to(sink);
                    v.write_to(sink);
                }
            }
            Reply::Set(items) => {
                sink.set_len(items.len());
                items.iter().for_each(|r| r.write_to(sink));
            }
            Reply::Push(items) => {
                sink.push_len(items.len());
                items.iter().for_each(|r| r.write_to(sink));
            }
            Reply::Double(d) => sink.double(*d),
            Reply::Bool(b) => sink.boolean(*b),
            Reply::Verbatim(f, b) => sink.verbatim(f, b),
            Reply::BigNumber(d) => sink.big_number(d),
        }
    }
}

/// An aggregate under construction.
enum Open {
    Array(usize, Vec<Reply>),
    Map(usize, Vec<Reply>),
    Set(usize, Vec<Reply>),
    Push(usize, Vec<Reply>),
    /// An attribute: its pairs are read and dropped (a `Reply` has no place for them).
    Attribute(usize, Vec<Reply>),
    /// A deferred aggregate: its length is known only when `set_deferred` is called.
    Deferred(usize, AggregateKind, Vec<Reply>),
}

/// A sink that builds `Reply` values; complete top-level replies collect in `replies`.
pub struct ValueSink {
    proto: Protocol,
    stack: Vec<Open>,
    /// The finished top-level replies, in order.
    pub replies: Vec<Reply>,
}

impl ValueSink {
    /// An empty sink for protocol `proto`.
    pub fn new(proto: Protocol) -> Self {
        ValueSink {
            proto,
            stack: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// Takes the single finished reply (or the last one if several were written).
    pub fn take(&mut self) -> Option<Reply> {
        self.replies.pop()
    }

    fn push(&mut self, r: Reply) {
        let mut r = r;
        loop {
            let Some(top) = self.stack.last_mut() else {
                self.replies.push(r);
                return;
            };
            let (want, items) = match top {
                Open::Array(n, v) | Open::Set(n, v) | Open::Push(n, v) => (*n, v),
                Open::Map(n, v) | Open::Attribute(n, v) => (n.saturating_mul(2), v),
                Open::Deferred(_, _, v) => {
                    v.push(r);
                    return;
                }
            };
            items.push(r);
            if items.len() < want {
                return;
            }
            let Some(done) = self.stack.pop() else { return };
            if matches!(done, Open::Attribute(..)) {
                return;
            }
            r = close(done);
        }
    }

    fn open(&mut self, o: Open) {
        let empty = match &o {
            Open::Array(n, _) | Open::Set(n, _) | Open::Push(n, _) | Open::Map(n, _) => *n == 0,
            Open::Attribute(0, _) => return,
            Open::Attribute(..) | Open::Deferred(..) => false,
        };
        if empty {
            self.push(close(o));
        } else {
            self.stack.push(o);
        }
    }
}

fn close(o: Open) -> Reply {
    match o {
        Open::Array(_, v) => Reply::Array(v),
        Open::Set(_, v) => Reply::Set(v),
        Open::Push(_, v) => Reply::Push(v),
        Open::Map(_, v) | Open::Attribute(_, v) => Reply::Map(pairs(v)),
        Open::Deferred(_, kind, v) => match kind {
            AggregateKind::Array => Reply::Array(v),
            AggregateKind::Set => Reply::Set(v),
            AggregateKind::Map => Reply::Map(pairs(v)),
        },
    }
}

fn pairs(v: Vec<Reply>) -> Vec<(Reply, Reply)> {
    let mut out = Vec::with_capacity(v.len() / 2);
    let mut it = v.into_iter();
    while let (Some(k), Some(val)) = (it.next(), it.next()) {
        out.push((k, val));
    }
    out
}

impl ReplySink for ValueSink {
    fn protocol(&self) -> Protocol {
        self.proto
    }
    fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }
    fn simple(&mut self, s: &[u8]) {
        self.push(Reply::Simple(Bytes::copy_from_slice(s)));
    }
    fn error(&mut self, s: &[u8]) {
        self.push(Reply::Error(Bytes::copy_from_slice(s)));
    }
    fn int(&mut self, n: i64) {
        self.push(Reply::Int(n));
    }
    fn bulk(&mut self, b: &[u8]) {
        self.push(Reply::Bulk(Bytes::copy_from_slice(b)));
    }
    fn null(&mut self) {
        self.push(Reply::Null);
    }
    fn null_array(&mut self) {
        self.push(Reply::NullArray);
    }
    fn array_len(&mut self, n: usize) {
        self.open(Open::Array(n, Vec::with_capacity(n.min(1024))));
    }
    fn map_len(&mut self, n: usize) {
        self.open(Open::Map(n, Vec::with_capacity(n.min(512) * 2)));
    }
    fn set_len(&mut self, n: usize) {
        self.open(Open::Set(n, Vec::with_capacity(n.min(1024))));
    }
    fn push_len(&mut self, n: usize) {
        self.open(Open::Push(n, Vec::with_capacity(n.min(1024))));
    }
    fn attribute_len(&mut self, n: usize) {
        self.open(Open::Attribute(n, Vec::new()));
    }
    fn double(&mut self, d: f64) {
        self.push(Reply::Double(d));
    }
    fn boolean(&mut self, b: bool) {
        self.push(Reply::Bool(b));
    }
    fn verbatim(&mut self, format: &str, b: &[u8]) {
        self.push(Reply::Verbatim(
            format.to_string(),
            Bytes::copy_from_slice(b),
        ));
    }
    fn big_number(&mut self, digits: &[u8]) {
        self.push(Reply::BigNumber(Bytes::copy_from_slice(digits)));
    }
    fn deferred_len(&mut self, kind: AggregateKind) -> Deferred {
        let id = self.stack.len();
        self.stack.push(Open::Deferred(id, kind, Vec::new()));
        Deferred(id)
    }
    fn set_deferred(&mut self, d: Deferred, _n: usize) {
        // Close everything down to and including the deferred aggregate.
        while let Some(top) = self.stack.pop() {
            let is_target = matches!(&top, Open::Deferred(id, _, _) if *id == d.0);
            let r = close(top);
            self.push(r);
            if is_target {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::write::RespWriter;

    #[test]
    fn nested_values_round_trip_through_the_writer() {
        let v = Reply::Array(vec![
            Reply::Map(vec![(Reply::bulk("a"), Reply::Int(1))]),
            Reply::Set(vec![]),
            Reply::Null,
            Reply::Double(2.5),
        ]);
        let mut sink = ValueSink::new(Protocol::Resp3);
        v.write_to(&mut sink);
        assert_eq!(sink.take(), Some(v.clone()));
        let mut out = Vec::new();
        v.write_to(&mut RespWriter::new(&mut out, Protocol::Resp2));
        assert_eq!(
            out,
            b"*4\r\n*2\r\n$1\r\na\r\n:1\r\n*0\r\n$-1\r\n$3\r\n2.5\r\n"
        );
    }

    #[test]
    fn deferred_aggregates_collect_their_elements() {
        let mut sink = ValueSink::new(Protocol::Resp2);
        let d = sink.deferred_len(AggregateKind::Array);
        sink.int(1);
        sink.array_len(1);
        sink.bulk(b"x");
        sink.set_deferred(d, 2);
        assert_eq!(
            sink.take(),
            Some(Reply::Array(vec![
                Reply::Int(1),
                Reply::Array(vec![Reply::bulk("x")])
            ]))
        );
    }
}
