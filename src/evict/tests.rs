//! Tests of the eviction engine: pool ordering, the time budget, the policies' choice of victims
//! and the OOM decisions of the dispatch pipeline (harness tests; memory is the process-wide
//! allocator counter, so every test that needs to be over the limit sets maxmemory to 1 byte).

use super::*;
use crate::commands::testing::{Harness, err};
use crate::protocol::value::Reply;

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

fn keys_of(h: &mut Harness) -> Vec<String> {
    let Reply::Array(items) = h.run(&["KEYS", "*"]) else {
        return Vec::new();
    };
    let mut out: Vec<String> = items
        .into_iter()
        .filter_map(|r| match r {
            Reply::Bulk(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

#[test]
fn pool_keeps_ascending_order_and_drops_the_worst_when_full() {
    let mut p = EvictionPool::default();
    for (i, idle) in [50u64, 10, 30, 20, 40].into_iter().enumerate() {
        p.offer(idle, format!("k{i}").as_bytes(), 0);
    }
    let idles: Vec<u64> = p.entries().iter().map(|e| e.idle).collect();
    assert_eq!(idles, vec![10, 20, 30, 40, 50]);
    for i in 0..11u64 {
        p.offer(100 + i, b"x", 1);
    }
    assert_eq!(p.entries().len(), EVPOOL_SIZE);
    // Full: a candidate no better than the worst is dropped.
    p.offer(5, b"low", 0);
    assert!(p.entries().iter().all(|e| &e.key[..] != b"low"));
    // Full: a better one displaces the worst (idle 10).
    p.offer(25, b"mid", 0);
    assert_eq!(p.entries()[0].idle, 20);
    assert_eq!(&p.entries()[1].key[..], b"mid");
    assert_eq!(p.pop_best().map(|e| e.idle), Some(110));
    assert_eq!(p.entries().len(), EVPOOL_SIZE - 1);
}

#[test]
fn time_limit_follows_tenacity_like_redis() {
    assert_eq!(time_limit_us(0), 0);
    assert_eq!(time_limit_us(10), 500);
    assert_eq!(time_limit_us(11), 575);
    assert_eq!(time_limit_us(20), 2022);
    assert_eq!(time_limit_us(100), u64::MAX);
}

#[test]
fn noeviction_refuses_denyoom_commands_only() {
    let mut h = Harness::new();
    h.run(&["SET", "a", "1"]);
    h.run(&["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(h.run(&["SET", "b", "2"]), err(OOM));
    assert_eq!(h.run(&["GET", "a"]), Reply::Bulk("1".into()));
    assert_eq!(h.run(&["DEL", "a"]), Reply::Int(1));
    assert_eq!(
        h.run(&["CONFIG", "SET", "maxmemory", "0"]),
        Reply::simple("OK")
    );
    assert_eq!(h.run(&["SET", "b", "2"]), Reply::simple("OK"));
}

#[test]
fn multi_refuses_queueing_and_exec_aborts_when_out_of_memory() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "maxmemory", "1"]);
    h.run(&["MULTI"]);
    // Inside MULTI even reads are refused (queuing takes memory).
    assert_eq!(h.run(&["GET", "a"]), err(OOM));
    assert_eq!(
        h.run(&["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    // Queued while memory was fine, EXEC of a write is refused and the transaction dropped.
    h.run(&["CONFIG", "SET", "maxmemory", "0"]);
    h.run(&["MULTI"]);
    assert_eq!(h.run(&["SET", "x", "1"]), Reply::simple("QUEUED"));
    h.core.config.maxmemory = 1;
    assert_eq!(
        h.run(&["EXEC"]),
        err(&format!(
            "EXECABORT Transaction discarded because of: {OOM}"
        ))
    );
    assert!(h.session.multi.is_none());
    // A read-only transaction still runs.
    h.run(&["CONFIG", "SET", "maxmemory", "0"]);
    h.run(&["MULTI"]);
    h.run(&["GET", "x"]);
    h.run(&["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(
        h.run(&["EXEC"]),
        Reply::Array(vec![Reply::Null, Reply::simple("OK")])
    );
}

#[test]
fn volatile_policies_never_evict_persistent_keys() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let mut h = Harness::new();
        h.core.effects.propagating = true;
        h.run(&["CONFIG", "SET", "maxmemory-policy", policy]);
        h.run(&["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"]);
        for i in 0..5 {
            h.run(&["SET", &format!("p{i}"), "v"]);
            h.run(&["SET", &format!("v{i}"), "v", "EX", "100"]);
        }
        h.run(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
        h.take_events();
        h.run(&["CONFIG", "SET", "maxmemory", "1"]);
        // Every volatile key went; a write still finds nothing to evict.
        assert_eq!(h.run(&["SET", "new", "1"]), err(OOM), "{policy}");
        assert_eq!(
            keys_of(&mut h),
            vec!["p0", "p1", "p2", "p3", "p4"],
            "{policy}"
        );
        h.core.flush_expired_effects();
        let mut events = h.take_events();
        events.sort();
        let want: Vec<String> = (0..5).map(|i| format!("evicted v{i}")).collect();
        assert_eq!(events, want, "{policy}");
        let props = h.take_propagated();
        assert_eq!(props.iter().filter(|p| p.starts_with("DEL v")).count(), 5);
    }
}

#[test]
fn allkeys_policies_evict_everything_and_count_it() {
    for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "maxmemory-policy", policy]);
        h.run(&["CONFIG", "SET", "lazyfree-lazy-eviction", "yes"]);
        h.run(&["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"]);
        h.core.effects.propagating = true;
        for db in ["0", "3"] {
            h.run(&["SELECT", db]);
            for i in 0..8 {
                h.run(&["SET", &format!("k{i}"), "v", "EX", "100"]);
                h.run(&["SET", &format!("p{i}"), "v"]);
            }
        }
        h.run(&["CONFIG", "SET", "maxmemory", "1"]);
        assert_eq!(h.core.dbs.total_keys(), 0, "{policy}");
        assert_eq!(h.core.dbs.stats.evicted_keys, 32, "{policy}");
        h.core.flush_expired_effects();
        let props = h.take_propagated();
        let unlinks = props.iter().filter(|p| p.starts_with("UNLINK ")).count();
        assert_eq!(unlinks, 32, "{props:?}");
        assert!(!props.iter().any(|p| p.starts_with("DEL ")), "{props:?}");
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_expiry_first() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"]);
    h.run(&["CONFIG", "SET", "maxmemory-samples", "64"]);
    for i in 0..20 {
        h.run(&[
            "SET",
            &format!("k{i:02}"),
            "v",
            "EX",
            &(100 + i).to_string(),
        ]);
    }
    // Evict one key at a time by hand: each must be the soonest to expire.
    let mut ev = std::mem::take(&mut h.core.evict);
    let mut cfg = h.core.config.clone();
    cfg.maxmemory = 1;
    let mut rng = rand::rng();
    for i in 0..20 {
        let Some((_, key)) = pick_victim(&h.core.dbs, &cfg, &mut ev, h.now_ms, &mut rng) else {
            unreachable!("keys left")
        };
        assert_eq!(&key[..], format!("k{i:02}").as_bytes());
        h.core.dbs.evict_key(0, &key, false);
    }
}

#[test]
fn lru_pool_prefers_the_least_recently_used() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    h.run(&["CONFIG", "SET", "maxmemory-samples", "64"]);
    for i in 0..20 {
        h.run(&["SET", &format!("k{i:02}"), "v"]);
        h.advance(2000);
    }
    // Reading k00 makes it the most recent.
    h.run(&["GET", "k00"]);
    let mut ev = std::mem::take(&mut h.core.evict);
    let cfg = h.core.config.clone();
    let mut rng = rand::rng();
    let mut order = Vec::new();
    for _ in 0..20 {
        let Some((_, key)) = pick_victim(&h.core.dbs, &cfg, &mut ev, h.now_ms, &mut rng) else {
            unreachable!("keys left")
        };
        order.push(String::from_utf8_lossy(&key).into_owned());
        h.core.dbs.evict_key(0, &key, false);
    }
    assert_eq!(order.first().map(String::as_str), Some("k01"));
    assert_eq!(order.last().map(String::as_str), Some("k00"));
}

#[test]
fn object_freq_tracks_lfu_counter_and_errors_otherwise() {
    let mut h = Harness::new();
    h.run(&["SET", "a", "1"]);
    assert_eq!(
        h.run(&["OBJECT", "FREQ", "a"]),
        err(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take \
             some time to adjust."
        )
    );
    h.run(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    h.run(&["SET", "b", "1"]);
    // A new key starts at LFU_INIT_VAL; OBJECT FREQ itself does not touch it.
    assert_eq!(h.run(&["OBJECT", "FREQ", "b"]), Reply::Int(5));
    assert_eq!(h.run(&["OBJECT", "FREQ", "b"]), Reply::Int(5));
    // Up to LFU_INIT_VAL every access counts; the first increment above it always does.
    h.run(&["GET", "b"]);
    assert_eq!(h.run(&["OBJECT", "FREQ", "b"]), Reply::Int(6));
    for _ in 0..200 {
        h.run(&["GET", "b"]);
    }
    let Reply::Int(f) = h.run(&["OBJECT", "FREQ", "b"]) else {
        unreachable!()
    };
    assert!((8..=16).contains(&f), "freq after 200 reads: {f}");
    // Overwriting keeps the counter (dbOverwrite under LFU); two idle minutes decay it by 2.
    h.run(&["SET", "b", "2"]);
    let Reply::Int(after_set) = h.run(&["OBJECT", "FREQ", "b"]) else {
        unreachable!()
    };
    assert!(after_set == f || after_set == f + 1, "{after_set} vs {f}");
    h.advance(120_000);
    let Reply::Int(g) = h.run(&["OBJECT", "FREQ", "b"]) else {
        unreachable!()
    };
    assert!(g < after_set, "decayed {g} from {after_set}");
    assert_eq!(
        h.run(&["OBJECT", "IDLETIME", "b"]),
        err(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that \
             when switching between policies at runtime LRU and LFU data will take some time to \
             adjust."
        )
    );
}

#[test]
fn idletime_counts_seconds_since_last_access() {
    let mut h = Harness::new();
    h.run(&["SET", "a", "1"]);
    h.advance(5000);
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), Reply::Int(5));
    h.run(&["GET", "a"]);
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "a"]), Reply::Int(0));
}

#[test]
fn script_oom_helper_reads_the_recorded_verdict() {
    let mut h = Harness::new();
    let mut cfg = h.core.config.clone();
    assert!(!script_denies_oom(
        &cfg,
        &h.core.dbs,
        &h.core.evict,
        false,
        true
    ));
    cfg.maxmemory = 1;
    h.core.evict.script_oom = true;
    assert!(script_denies_oom(
        &cfg,
        &h.core.dbs,
        &h.core.evict,
        false,
        true
    ));
    assert!(!script_denies_oom(
        &cfg,
        &h.core.dbs,
        &h.core.evict,
        true,
        true
    ));
    assert!(!script_denies_oom(
        &cfg,
        &h.core.dbs,
        &h.core.evict,
        false,
        false
    ));
    h.run(&["SET", "k", "v"]);
}

#[test]
fn client_eviction_limit_is_bytes_or_a_percentage_of_maxmemory() {
    let mut c = Config::default();
    assert_eq!(client_eviction_limit(&c), 0, "off by default");
    c.maxmemory_clients = 3 << 20;
    assert_eq!(client_eviction_limit(&c), 3 << 20);
    // A negative value is a percentage of maxmemory, and means nothing without maxmemory.
    c.maxmemory_clients = -50;
    assert_eq!(client_eviction_limit(&c), 0);
    c.maxmemory = 100 << 20;
    assert_eq!(client_eviction_limit(&c), 50 << 20);
    c.maxmemory_clients = -100;
    assert_eq!(client_eviction_limit(&c), 100 << 20);
}
