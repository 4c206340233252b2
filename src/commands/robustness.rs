//! Robustness check: every registered command and subcommand runs with argument lists drawn
//! from a vocabulary of hostile values (extreme integers, non-finite floats, option words,
//! empty and long strings), and none of them may panic, hang or allocate without bound.
//!
//! The lists are drawn by a fixed-seed generator, so a failure reproduces; the failing argv is
//! printed before each run so the last line before a panic names it.

use bytes::Bytes;

use super::HANDLERS;
use super::testing::Harness;
use crate::config::Config;

/// Values a client can send that stress parsing and arithmetic.
const VOCAB: &[&str] = &[
    "",
    "-1",
    "0",
    "1",
    "2",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "4294967296",
    "99999999999999999999",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1.5",
    "\0",
    "k",
    "k2",
    "*",
    "NX",
    "XX",
    "GT",
    "LT",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "GET",
    "COUNT",
    "MATCH",
    "TYPE",
    "WITHSCORES",
    "LIMIT",
    "REPLACE",
    "DB",
    "IDX",
    "LEN",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "ID",
    "SAMPLES",
];

/// Commands the test must not run with arbitrary arguments: they sleep (PFSELFTEST runs for
/// seconds), stop the process,
/// allocate as much as they are told, write dump.rdb (as in Redis, and only with
/// enable-debug-command), or fork a child (BGSAVE, BGREWRITEAOF: forking a multi-threaded test
/// process can leave a child stuck on a lock another test thread held; the persistence
/// integration tests cover them).
fn skipped(argv: &[Bytes]) -> bool {
    let name = argv
        .first()
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    let sub = argv
        .get(1)
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        name.as_slice(),
        b"shutdown" | b"monitor" | b"save" | b"bgsave" | b"bgrewriteaof" | b"pfselftest"
    ) || (name == b"debug" && matches!(sub.as_slice(), b"sleep" | b"populate" | b"reload"))
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn word(rng: &mut Rng) -> Bytes {
    match rng.pick(VOCAB.len() + 2) {
        i if i < VOCAB.len() => Bytes::from_static(VOCAB[i].as_bytes()),
        i if i == VOCAB.len() => Bytes::from(vec![b'x'; 5000]),
        _ => Bytes::from(format!("{}", rng.next() as i64 % 1_000_000)),
    }
}

fn names() -> Vec<Vec<Bytes>> {
    let mut out = Vec::new();
    for list in HANDLERS {
        for (name, _) in *list {
            let parts = name
                .split('|')
                .map(|p| Bytes::copy_from_slice(p.as_bytes()))
                .collect();
            out.push(parts);
        }
    }
    out
}

fn harness() -> Harness {
    let mut c = Config::default();
    c.load_str("enable-debug-command yes\nsave \"\"\n", None)
        .unwrap();
    let mut h = Harness::with_config(c);
    // Keys of the string type to act on, one with a TTL.
    h.run(&["SET", "k", "12345"]);
    h.run(&["SET", "k2", "hello", "EX", "100"]);
    h
}

#[test]
fn every_command_survives_hostile_arguments() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for prefix in names() {
        for resp3 in [false, true] {
            let mut h = harness();
            if resp3 {
                h.resp3();
            }
            for extra in 0..6 {
                for _ in 0..400 {
                    let mut argv = prefix.clone();
                    for _ in 0..extra {
                        argv.push(word(&mut rng));
                    }
                    if skipped(&argv) {
                        continue;
                    }
                    let shown: Vec<String> = argv
                        .iter()
                        .map(|a| String::from_utf8_lossy(&a[..a.len().min(24)]).into_owned())
                        .collect();
                    eprintln!("argv: {shown:?}");
                    h.run_argv(&argv);
                    // Undo what would stop the next commands from running.
                    h.session.authenticated = true;
                    h.session.db = 0;
                }
            }
        }
    }
}
