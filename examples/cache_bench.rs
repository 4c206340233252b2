//! Cache benchmark: a Zipf-distributed GET / SET-on-miss workload over a keyspace about ten
//! times larger than `maxmemory`, run against carmine and real redis-server with the same limit
//! and policy, side by side: hit rate, throughput and the slowest PING a prober saw while the
//! servers were evicting.
//!
//! usage: cargo run --release --example cache_bench -- [--carmine target/release/carmine]
//!        [--redis redis-server] [--maxmemory-mb 64] [--value 100] [--secs 20] [--warmup 10]
//!        [--conns 4] [--pipeline 16] [--zipf 0.99] [--policies allkeys-lru,allkeys-lfu]
//!        [--ports 7710,7711] [--gets N --warmup-gets W]
//!
//! Each connection sends `pipeline` GETs, reads the replies, then SETs the keys that missed.
//! The keyspace size is ten times the number of keys of `value` bytes that fit in maxmemory at
//! about 100 bytes of overhead per key. Counting starts after `warmup` seconds (the cache fills).
//!
//! With `--gets N`, both servers do the same work instead of working for the same time: counting
//! starts once `W` GETs have been sent and stops after `N` more. LFU's hit rate depends on how
//! many accesses its counters have seen, so this compares hit rates independently of throughput
//! (which is still reported, over the counted part).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Opts {
    carmine: String,
    redis: String,
    maxmemory_mb: u64,
    value: usize,
    secs: u64,
    warmup: u64,
    conns: usize,
    pipeline: usize,
    zipf: f64,
    policies: Vec<String>,
    ports: [u16; 2],
    /// Fixed-work mode: GETs counted, and GETs sent before counting starts.
    gets: Option<(u64, u64)>,
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        carmine: "target/release/carmine".into(),
        redis: "redis-server".into(),
        maxmemory_mb: 64,
        value: 100,
        secs: 20,
        warmup: 10,
        conns: 4,
        pipeline: 16,
        zipf: 0.99,
        policies: vec!["allkeys-lru".into(), "allkeys-lfu".into()],
        ports: [7710, 7711],
        gets: None,
    };
    let mut warmup_gets = 0;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = args[i + 1].clone();
        match args[i].as_str() {
            "--carmine" => o.carmine = v,
            "--redis" => o.redis = v,
            "--maxmemory-mb" => o.maxmemory_mb = v.parse().unwrap(),
            "--value" => o.value = v.parse().unwrap(),
            "--secs" => o.secs = v.parse().unwrap(),
            "--warmup" => o.warmup = v.parse().unwrap(),
            "--conns" => o.conns = v.parse().unwrap(),
            "--pipeline" => o.pipeline = v.parse().unwrap(),
            "--zipf" => o.zipf = v.parse().unwrap(),
            "--policies" => o.policies = v.split(',').map(String::from).collect(),
            "--gets" => o.gets = Some((v.parse().unwrap(), 0)),
            "--warmup-gets" => warmup_gets = v.parse().unwrap(),
            "--ports" => {
                let p: Vec<u16> = v.split(',').map(|p| p.parse().unwrap()).collect();
                o.ports = [p[0], p[1]];
            }
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    if let Some((n, _)) = o.gets {
        o.gets = Some((n, warmup_gets));
    }
    o
}

/// Cumulative Zipf distribution over `n` ranks with exponent `s`.
fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut cdf = Vec::with_capacity(n);
    let mut sum = 0.0;
    for k in 1..=n {
        sum += 1.0 / (k as f64).powf(s);
        cdf.push(sum);
    }
    for c in &mut cdf {
        *c /= sum;
    }
    cdf
}

struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Default)]
struct Counters {
    /// GETs sent, counted or not (fixed-work mode watches it).
    sent: AtomicU64,
    gets: AtomicU64,
    hits: AtomicU64,
    sets: AtomicU64,
    errors: AtomicU64,
}

/// Reads one reply; returns Some(true) for a bulk, Some(false) for a null, None otherwise.
fn read_reply(r: &mut BufReader<TcpStream>, line: &mut Vec<u8>) -> Option<bool> {
    line.clear();
    r.read_until(b'\n', line).unwrap();
    match line.first() {
        Some(b'$') => {
            let n: i64 = std::str::from_utf8(&line[1..line.len() - 2])
                .unwrap()
                .parse()
                .unwrap();
            if n < 0 {
                return Some(false);
            }
            let mut body = vec![0u8; n as usize + 2];
            r.read_exact(&mut body).unwrap();
            Some(true)
        }
        Some(b'-') => None,
        _ => Some(true),
    }
}

#[allow(clippy::too_many_arguments)]
fn worker(
    port: u16,
    cdf: Arc<Vec<f64>>,
    seed: u64,
    pipeline: usize,
    value: Arc<Vec<u8>>,
    stop: Arc<AtomicBool>,
    counting: Arc<AtomicBool>,
    c: Arc<Counters>,
) {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_nodelay(true).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::with_capacity(1 << 16, s);
    let mut rng = Rng(seed | 1);
    let mut out = Vec::with_capacity(1 << 16);
    let mut line = Vec::new();
    let mut keys = Vec::with_capacity(pipeline);
    while !stop.load(Ordering::Relaxed) {
        keys.clear();
        out.clear();
        for _ in 0..pipeline {
            let x = rng.next_f64();
            let rank = cdf.partition_point(|&p| p < x);
            let key = format!("key:{rank}");
            out.extend_from_slice(
                format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).as_bytes(),
            );
            keys.push(key);
        }
        w.write_all(&out).unwrap();
        c.sent.fetch_add(pipeline as u64, Ordering::Relaxed);
        let mut misses = Vec::new();
        let mut hits = 0;
        for k in &keys {
            match read_reply(&mut r, &mut line) {
                Some(true) => hits += 1,
                Some(false) => misses.push(k),
                None => {}
            }
        }
        out.clear();
        for k in &misses {
            out.extend_from_slice(
                format!(
                    "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n",
                    k.len(),
                    value.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&value);
            out.extend_from_slice(b"\r\n");
        }
        if !misses.is_empty() {
            w.write_all(&out).unwrap();
        }
        let mut errors = 0;
        for _ in &misses {
            if read_reply(&mut r, &mut line).is_none() {
                errors += 1;
            }
        }
        if counting.load(Ordering::Relaxed) {
            c.gets.fetch_add(keys.len() as u64, Ordering::Relaxed);
            c.hits.fetch_add(hits, Ordering::Relaxed);
            c.sets.fetch_add(misses.len() as u64, Ordering::Relaxed);
            c.errors.fetch_add(errors, Ordering::Relaxed);
        }
    }
}

/// Sends PING every millisecond; returns (max latency, pings over 5 ms, pings).
fn prober(port: u16, stop: Arc<AtomicBool>) -> (Duration, u64, u64) {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_nodelay(true).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut line = Vec::new();
    let (mut worst, mut slow, mut n) = (Duration::ZERO, 0, 0);
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        w.write_all(b"PING\r\n").unwrap();
        line.clear();
        r.read_until(b'\n', &mut line).unwrap();
        let d = t.elapsed();
        worst = worst.max(d);
        if d > Duration::from_millis(5) {
            slow += 1;
        }
        n += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    (worst, slow, n)
}

fn start(bin: &str, port: u16, maxmemory: u64, policy: &str) -> Child {
    let dir = std::env::temp_dir().join(format!("cache-bench-{port}"));
    let _ = std::fs::create_dir_all(&dir);
    let mut child = Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args([
            "--maxmemory",
            &maxmemory.to_string(),
            "--maxmemory-policy",
            policy,
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let mut b = [0u8; 7];
            if s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut b).is_ok() {
                return child;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{bin} did not start on {port}");
}

fn info_field(port: u16, field: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"INFO\r\n").unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let n: usize = line[1..line.len() - 2].parse().unwrap();
    let mut body = vec![0u8; n + 2];
    r.read_exact(&mut body).unwrap();
    let text = String::from_utf8_lossy(&body).into_owned();
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
        .unwrap_or_default()
}

struct Outcome {
    hit_rate: f64,
    ops: f64,
    worst: Duration,
    slow: u64,
    pings: u64,
    used: String,
    evicted: String,
    keys: String,
}

fn run_one(o: &Opts, bin: &str, port: u16, policy: &str, cdf: &Arc<Vec<f64>>) -> Outcome {
    let maxmemory = o.maxmemory_mb << 20;
    let mut child = start(bin, port, maxmemory, policy);
    let stop = Arc::new(AtomicBool::new(false));
    let counting = Arc::new(AtomicBool::new(false));
    let c = Arc::new(Counters::default());
    let value = Arc::new(vec![b'v'; o.value]);
    let mut workers = Vec::new();
    for i in 0..o.conns {
        let (cdf, stop, counting, c, value) = (
            cdf.clone(),
            stop.clone(),
            counting.clone(),
            c.clone(),
            value.clone(),
        );
        let pipeline = o.pipeline;
        let seed = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1);
        workers.push(std::thread::spawn(move || {
            worker(port, cdf, seed, pipeline, value, stop, counting, c)
        }));
    }
    let wait_sent = |n: u64| {
        while c.sent.load(Ordering::Relaxed) < n {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    match o.gets {
        Some((_, warmup)) => wait_sent(warmup),
        None => std::thread::sleep(Duration::from_secs(o.warmup)),
    }
    let probe_stop = Arc::new(AtomicBool::new(false));
    let ps = probe_stop.clone();
    let probe = std::thread::spawn(move || prober(port, ps));
    counting.store(true, Ordering::Relaxed);
    let t = Instant::now();
    match o.gets {
        Some((n, warmup)) => wait_sent(warmup + n),
        None => std::thread::sleep(Duration::from_secs(o.secs)),
    }
    counting.store(false, Ordering::Relaxed);
    let elapsed = t.elapsed().as_secs_f64();
    probe_stop.store(true, Ordering::Relaxed);
    let (worst, slow, pings) = probe.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let used = info_field(port, "used_memory_human");
    let evicted = info_field(port, "evicted_keys");
    let keys = info_field(port, "db0");
    let _ = child.kill();
    let _ = child.wait();
    let gets = c.gets.load(Ordering::Relaxed) as f64;
    let sets = c.sets.load(Ordering::Relaxed) as f64;
    if c.errors.load(Ordering::Relaxed) > 0 {
        eprintln!("{bin}: {} SET errors", c.errors.load(Ordering::Relaxed));
    }
    Outcome {
        hit_rate: c.hits.load(Ordering::Relaxed) as f64 / gets.max(1.0),
        ops: (gets + sets) / elapsed,
        worst,
        slow,
        pings,
        used,
        evicted,
        keys,
    }
}

fn main() {
    let o = parse_opts();
    let fit = (o.maxmemory_mb << 20) as usize / (o.value + 100);
    let keyspace = fit * 10;
    let span = match o.gets {
        Some((n, w)) => format!("{n} GETs measured after {w} GETs of warm-up"),
        None => format!("{} s measured after {} s warm-up", o.secs, o.warmup),
    };
    println!(
        "maxmemory {} MB, value {} B, keyspace {} keys (~10x what fits), zipf {}, {} conns x \
         pipeline {}, {span}",
        o.maxmemory_mb, o.value, keyspace, o.zipf, o.conns, o.pipeline
    );
    let cdf = Arc::new(zipf_cdf(keyspace, o.zipf));
    for policy in &o.policies {
        let car = run_one(&o, &o.carmine, o.ports[0], policy, &cdf);
        let red = run_one(&o, &o.redis, o.ports[1], policy, &cdf);
        for (name, r) in [("carmine", &car), ("redis", &red)] {
            println!(
                "{policy:12} {name:8} hit {:6.2}%  {:9.0} ops/s  worst PING {:6.2} ms ({} of {} \
                 over 5 ms)  used {}  evicted {}  {}",
                r.hit_rate * 100.0,
                r.ops,
                r.worst.as_secs_f64() * 1000.0,
                r.slow,
                r.pings,
                r.used,
                r.evicted,
                r.keys
            );
        }
        println!(
            "{policy:12} ratio    hit {:+.2} points  throughput {:.2}x",
            (car.hit_rate - red.hit_rate) * 100.0,
            car.ops / red.ops.max(1.0)
        );
    }
}
