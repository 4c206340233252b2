//! Criterion benchmarks for command dispatch: argv through `carmine::commands::dispatch` into a
//! `RespWriter` over a `Vec`, with a no-op `ServerOps`. This is the per-command cost without
//! the network: lookup, arity and auth checks, the handler, reply encoding and stats.
//!
//! Workloads: GET of an existing key, SET over 1000 keys, INCR over 1000 counters. (LPUSH and
//! ZADD join once those types exist.) If a command answers with an error (not implemented yet),
//! setup prints a warning and the benchmark measures the error path.

use std::hint::black_box;

use bytes::Bytes;
use carmine::commands::ctx::{ClientInfo, ShutdownOpts};
use carmine::commands::{Core, ServerOps, Session, dispatch};
use carmine::config::Config;
use carmine::protocol::reply::Protocol;
use carmine::protocol::write::RespWriter;
use criterion::{Criterion, criterion_group, criterion_main};

/// A fixed clock: keys without a TTL never look at it.
const NOW_MS: i64 = 1_700_000_000_000;

/// A `ServerOps` that does nothing: none of the benchmarked commands reach it.
struct NoOps;

impl ServerOps for NoOps {
    fn client_list(&self, _me: &Session, _keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8> {
        Vec::new()
    }
    fn kill_clients(&mut self, _me: &mut Session, _kill: &dyn Fn(&ClientInfo) -> bool) -> usize {
        0
    }
    fn pause_clients(&mut self, _until_ms: i64, _writes_only: bool) {}
    fn unpause_clients(&mut self) {}
    fn unblock_client(&mut self, _core: &mut Core, _id: u64, _error: bool) -> bool {
        false
    }
    fn shutdown(&mut self, _core: &mut Core, _opts: ShutdownOpts) -> Result<(), String> {
        Ok(())
    }
    fn abort_shutdown(&mut self) -> bool {
        false
    }
    fn feed_monitors(&mut self, _me: &Session, _argv: &[Bytes]) {}
    fn start_monitor(&mut self, _me: &mut Session) {}
    fn reset_stats(&mut self) {}
    fn apply_config(
        &mut self,
        _core: &mut Core,
        _changed: &[&'static str],
    ) -> Result<(), (String, String)> {
        Ok(())
    }
    fn info_section(&self, _core: &Core, _section: &str, _out: &mut String) -> bool {
        false
    }
}

/// A server core, a client session and an output buffer.
struct Bench {
    core: Core,
    session: Session,
    ops: NoOps,
    out: Vec<u8>,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            core: Core::new(Config::default()),
            session: Session::new(1, true),
            ops: NoOps,
            out: Vec::with_capacity(1024),
        }
    }

    fn run(&mut self, argv: &[Bytes]) {
        self.out.clear();
        let mut w = RespWriter::new(&mut self.out, Protocol::Resp2);
        dispatch(
            &mut self.core,
            &mut self.session,
            &mut self.ops,
            &mut w,
            argv,
            NOW_MS,
        );
    }

    /// Runs `argv` once and warns if the reply is an error.
    fn check(&mut self, argv: &[Bytes]) {
        self.run(argv);
        if self.out.first() == Some(&b'-') {
            eprintln!(
                "warning: {:?} answers {:?}; benchmarking the error path",
                String::from_utf8_lossy(&argv[0]),
                String::from_utf8_lossy(&self.out)
            );
        }
    }
}

fn argv(words: &[&str]) -> Vec<Bytes> {
    words
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

fn commands(c: &mut Criterion) {
    let mut g = c.benchmark_group("dispatch");

    let mut b = Bench::new();
    b.check(&argv(&["SET", "key", "value"]));
    let get = argv(&["GET", "key"]);
    b.check(&get);
    g.bench_function("get", |bn| {
        bn.iter(|| {
            b.run(black_box(&get));
            black_box(&b.out);
        })
    });

    let mut b = Bench::new();
    let sets: Vec<Vec<Bytes>> = (0..1000)
        .map(|i| argv(&["SET", &format!("key:{i}"), "value"]))
        .collect();
    b.check(&sets[0]);
    let mut i = 0;
    g.bench_function("set", |bn| {
        bn.iter(|| {
            b.run(black_box(&sets[i % sets.len()]));
            i = i.wrapping_add(1);
            black_box(&b.out);
        })
    });

    let mut b = Bench::new();
    let incrs: Vec<Vec<Bytes>> = (0..1000)
        .map(|i| argv(&["INCR", &format!("ctr:{i}")]))
        .collect();
    b.check(&incrs[0]);
    let mut i = 0;
    g.bench_function("incr", |bn| {
        bn.iter(|| {
            b.run(black_box(&incrs[i % incrs.len()]));
            i = i.wrapping_add(1);
            black_box(&b.out);
        })
    });

    let mut b = Bench::new();
    let ping = argv(&["PING"]);
    b.check(&ping);
    g.bench_function("ping", |bn| {
        bn.iter(|| {
            b.run(black_box(&ping));
            black_box(&b.out);
        })
    });

    g.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
