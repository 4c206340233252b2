//! Fuzz target for the request parser (`carmine::protocol::parse::RequestParser`).
//!
//! Input layout: byte 0 picks the limits (bit 0: unauthenticated, bit 1: a small
//! proto-max-bulk-len) and, with byte 1, seeds the chunk sizes; the rest is the client stream.
//! Checked properties:
//! - the parser never panics;
//! - `next` never grows the buffer and never hands out more argument bytes than it consumed;
//!   a returned command always consumed at least one byte (no livelock);
//! - feeding the stream in pseudo-random chunks yields the same commands, and the same first
//!   error, as feeding it in one read (the comparison stops at the first error). Streams longer
//!   than the 64 KiB line limit are not compared, since there the outcome legitimately depends
//!   on how much was buffered when a line limit was checked.

#![no_main]

use bytes::{Bytes, BytesMut};
use carmine::protocol::parse::{INLINE_MAX, Limits, ProtocolError, RequestParser};
use libfuzzer_sys::fuzz_target;

/// What parsing a stream produced: the commands, then the error that stopped it, if any.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    commands: Vec<Vec<Vec<u8>>>,
    error: Option<ProtocolError>,
}

/// Runs `next` until it needs more bytes or fails; true if it failed.
fn drain(
    parser: &mut RequestParser,
    buf: &mut BytesMut,
    limits: &Limits,
    out: &mut Outcome,
) -> bool {
    let mut argv: Vec<Bytes> = Vec::new();
    loop {
        let before = buf.len();
        let r = parser.next(buf, limits, &mut argv);
        assert!(buf.len() <= before, "next grew the buffer");
        match r {
            Ok(true) => {
                let consumed = before - buf.len();
                assert!(consumed > 0, "a command consumed no bytes");
                let arg_bytes: usize = argv.iter().map(|a| a.len()).sum();
                assert!(
                    arg_bytes <= consumed,
                    "arguments larger than the bytes consumed"
                );
                out.commands.push(argv.iter().map(|a| a.to_vec()).collect());
            }
            Ok(false) => return false,
            Err(e) => {
                out.error = Some(e);
                return true;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [mode, seed, stream @ ..] = data else {
        return;
    };
    let limits = Limits {
        max_bulk_len: if mode & 2 != 0 {
            100
        } else {
            512 * 1024 * 1024
        },
        authenticated: mode & 1 == 0,
        is_master: false,
    };

    let mut one = Outcome {
        commands: Vec::new(),
        error: None,
    };
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(stream);
    drain(&mut parser, &mut buf, &limits, &mut one);

    let mut chunked = Outcome {
        commands: Vec::new(),
        error: None,
    };
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut state = u32::from(*seed) << 8 | u32::from(*mode) | 1;
    let mut rest = stream;
    while !rest.is_empty() {
        // xorshift32 for chunk sizes between 1 and 64 bytes.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state as usize % 64 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        buf.reserve(parser.bytes_wanted(buf.len()));
        buf.extend_from_slice(chunk);
        if drain(&mut parser, &mut buf, &limits, &mut chunked) {
            break;
        }
    }

    if stream.len() <= INLINE_MAX {
        assert_eq!(one, chunked, "chunked parse differs from one-shot parse");
    }
});
