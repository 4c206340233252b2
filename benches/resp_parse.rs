//! Criterion benchmarks for the request parser (`carmine::protocol::parse::RequestParser`).
//!
//! - `pipeline_1000_set`: 1000 `SET key:<n> value` multibulk commands in one buffer, parsed to
//!   the end (the shape of a pipelined client's read).
//! - `pipeline_1000_inline_ping`: 1000 inline `PING` lines in one buffer.
//! - `bulk_10mb_16k_reads`: one `SET k <10 MB>` fed in 16 KiB reads, as the event loop would
//!   deliver it; measures the resumable parser's cost per read plus the buffer growth.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use carmine::protocol::parse::{Limits, RequestParser};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn encode(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses every command in `input`; returns how many there were.
fn parse_all(input: &[u8]) -> usize {
    let mut parser = RequestParser::new();
    let limits = Limits::default();
    let mut buf = BytesMut::from(input);
    let mut argv: Vec<Bytes> = Vec::new();
    let mut n = 0;
    while let Ok(true) = parser.next(&mut buf, &limits, &mut argv) {
        n += 1;
        black_box(&argv);
    }
    n
}

fn pipelined(c: &mut Criterion) {
    let mut input = Vec::new();
    for i in 0..1000 {
        let key = format!("key:{i}");
        encode(&[b"SET", key.as_bytes(), b"value"], &mut input);
    }
    let mut g = c.benchmark_group("resp_parse");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("pipeline_1000_set", |b| {
        b.iter(|| assert_eq!(parse_all(black_box(&input)), 1000));
    });
    let inline: Vec<u8> = b"PING\r\n".repeat(1000);
    g.bench_function("pipeline_1000_inline_ping", |b| {
        b.iter(|| assert_eq!(parse_all(black_box(&inline)), 1000));
    });
    g.finish();
}

fn big_bulk(c: &mut Criterion) {
    const SIZE: usize = 10 * 1024 * 1024;
    const READ: usize = 16 * 1024;
    let mut input = Vec::with_capacity(SIZE + 64);
    encode(&[b"SET", b"k", &vec![b'x'; SIZE]], &mut input);
    let mut g = c.benchmark_group("resp_parse");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.sample_size(20);
    g.bench_function("bulk_10mb_16k_reads", |b| {
        b.iter(|| {
            let mut parser = RequestParser::new();
            let limits = Limits::default();
            let mut buf = BytesMut::with_capacity(READ);
            let mut argv: Vec<Bytes> = Vec::new();
            let mut done = false;
            for chunk in input.chunks(READ) {
                // Like the reader: make room for what the parser still wants, then append.
                let want = parser.bytes_wanted(buf.len()).max(chunk.len());
                buf.reserve(want);
                buf.extend_from_slice(chunk);
                if parser.next(&mut buf, &limits, &mut argv).unwrap_or(false) {
                    done = true;
                }
            }
            assert!(done && argv.len() == 3 && argv[2].len() == SIZE);
            black_box(&argv);
        });
    });
    g.finish();
}

criterion_group!(benches, pipelined, big_bulk);
criterion_main!(benches);
