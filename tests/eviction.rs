//! maxmemory against the real binary: each policy filled past its limit (which keys survive),
//! the -OOM refusal under noeviction, used_memory staying near the limit after every command,
//! and CONFIG SET maxmemory lowering the limit at run time (evicted incrementally by the loop
//! while PINGs keep being answered).

mod common;

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::time::{Duration, Instant};

    use redis::{Commands, Connection};

    use super::common::Server;

    const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

    fn info_field(c: &mut Connection, section: &str, field: &str) -> u64 {
        let text: String = redis::cmd("INFO").arg(section).query(c).unwrap();
        let prefix = format!("{field}:");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
    }

    fn used(c: &mut Connection) -> u64 {
        info_field(c, "memory", "used_memory")
    }

    /// Sets maxmemory to what is used now plus `headroom` bytes; returns the limit.
    fn limit_above_current(c: &mut Connection, headroom: u64) -> u64 {
        let limit = used(c) + headroom;
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxmemory")
            .arg(limit)
            .query(c)
            .unwrap();
        limit
    }

    fn set_config(c: &mut Connection, name: &str, value: &str) {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .query(c)
            .unwrap();
    }

    fn exists(c: &mut Connection, key: &str) -> bool {
        c.exists(key).unwrap()
    }

    #[test]
    fn noeviction_answers_oom_to_writes_and_serves_reads() {
        let s = Server::start();
        let mut c = s.client();
        let mut raw = s.raw();
        limit_above_current(&mut c, 1 << 20);
        let value = "x".repeat(1000);
        let mut refused = None;
        for i in 0..5000 {
            let r = raw.cmd(&["SET", &format!("k{i}"), &value]);
            if r != b"+OK\r\n" {
                refused = Some(r);
                break;
            }
        }
        let r = refused.expect("writes were never refused");
        assert_eq!(r, format!("-{OOM}\r\n").into_bytes());
        assert_eq!(raw.cmd(&["GET", "k0"]).len(), 1000 + 9);
        assert_eq!(raw.cmd(&["DEL", "k0"]), b":1\r\n");
        assert_eq!(info_field(&mut c, "stats", "evicted_keys"), 0);
        // Inside MULTI even a read is refused, and EXEC then aborts.
        assert_eq!(
            raw.cmd(&["SET", "k1", &"y".repeat(100_000)]),
            format!("-{OOM}\r\n").as_bytes()
        );
        assert_eq!(raw.cmd(&["MULTI"]), b"+OK\r\n");
        assert_eq!(raw.cmd(&["GET", "k1"]), format!("-{OOM}\r\n").as_bytes());
        assert_eq!(
            raw.cmd(&["EXEC"]),
            b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
    }

    #[test]
    fn allkeys_lru_keeps_recently_read_keys() {
        let s = Server::start_with(&["--maxmemory-policy", "allkeys-lru"]);
        let mut c = s.client();
        let value = "v".repeat(500);
        let limit = limit_above_current(&mut c, 4 << 20);
        // Fill to about half of the headroom, let a few LRU seconds pass, read the even keys.
        // Pipelines of 200: one 3000-command pipeline can sit in the query buffer whole on a
        // busy machine, and client buffers count toward maxmemory (as in Redis), which would
        // start evicting before the reads that the test is about.
        let n = 3000;
        for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
            let mut p = redis::pipe();
            for i in chunk {
                p.set(format!("old:{i}"), &value).ignore();
            }
            let _: () = p.query(&mut c).unwrap();
        }
        assert_eq!(info_field(&mut c, "stats", "evicted_keys"), 0);
        std::thread::sleep(Duration::from_millis(2200));
        for chunk in (0..n).step_by(2).collect::<Vec<_>>().chunks(200) {
            let mut p = redis::pipe();
            for i in chunk {
                p.get(format!("old:{i}")).ignore();
            }
            let _: () = p.query(&mut c).unwrap();
        }
        assert_eq!(info_field(&mut c, "stats", "evicted_keys"), 0);
        // Now write as much again: about half of the old keys must go.
        for chunk in 0..30 {
            let mut p = redis::pipe();
            for i in 0..200 {
                p.set(format!("new:{chunk}:{i}"), &value).ignore();
            }
            let _: () = p.query(&mut c).unwrap();
        }
        assert!(used(&mut c) <= limit + 64 * 1024);
        let evicted = info_field(&mut c, "stats", "evicted_keys");
        assert!(evicted > 500, "evicted {evicted}");
        let (mut hot, mut cold) = (0, 0);
        for i in 0..n {
            if exists(&mut c, &format!("old:{i}")) {
                if i % 2 == 0 {
                    hot += 1;
                } else {
                    cold += 1;
                }
            }
        }
        // Approximated LRU: the untouched half goes first, far more often than the read half.
        assert!(
            hot > 2 * cold + 100,
            "hot survivors {hot}, cold survivors {cold}"
        );
    }

    #[test]
    fn volatile_ttl_evicts_shortest_ttls_and_volatile_policies_spare_persistent_keys() {
        for policy in [
            "volatile-ttl",
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
        ] {
            let s = Server::start_with(&["--maxmemory-policy", policy]);
            let mut c = s.client();
            let mut raw = s.raw();
            let value = "v".repeat(500);
            limit_above_current(&mut c, 3 << 20);
            let mut p = redis::pipe();
            for i in 0..2000 {
                p.set(format!("persist:{i}"), &value).ignore();
            }
            for i in 0..2000u64 {
                p.set_ex(format!("vol:{i}"), &value, 10_000 + i).ignore();
            }
            let _: () = p.query(&mut c).unwrap();
            // Keep writing persistent keys until the policy runs out of volatile ones.
            let mut refused = false;
            let mut written = 0;
            let mut checked_order = policy != "volatile-ttl";
            for i in 0..20_000 {
                let r = raw.cmd(&["SET", &format!("more:{i}"), &value]);
                if r != b"+OK\r\n" {
                    assert_eq!(r, format!("-{OOM}\r\n").into_bytes(), "{policy}");
                    refused = true;
                    break;
                }
                written += 1;
                // Part of the way in (once a few hundred keys went, wherever the limit falls
                // on this build's memory figures): the shortest TTLs went first.
                if !checked_order
                    && i % 100 == 0
                    && info_field(&mut c, "stats", "evicted_keys") >= 200
                {
                    checked_order = true;
                    let survivors: Vec<u64> = (0..2000)
                        .filter(|i| exists(&mut c, &format!("vol:{i}")))
                        .collect();
                    let gone = 2000 - survivors.len() as u64;
                    assert!(gone > 100, "{gone} evicted");
                    let mean = survivors.iter().sum::<u64>() as f64 / survivors.len() as f64;
                    assert!(
                        mean > 1000.0 + gone as f64 / 4.0,
                        "survivor mean index {mean}"
                    );
                }
            }
            assert!(refused, "{policy}: never ran out of volatile keys");
            assert!(checked_order, "{policy}: eviction order never checked");
            for i in 0..2000 {
                assert!(
                    exists(&mut c, &format!("persist:{i}")),
                    "{policy}: persist:{i} evicted"
                );
            }
            for i in 0..written {
                assert!(
                    exists(&mut c, &format!("more:{i}")),
                    "{policy}: more:{i} evicted"
                );
            }
            let vol = (0..2000)
                .filter(|i| exists(&mut c, &format!("vol:{i}")))
                .count();
            assert_eq!(vol, 0, "{policy}: volatile keys left while refusing writes");
            assert!(info_field(&mut c, "stats", "evicted_keys") > 0);
        }
    }

    #[test]
    fn used_memory_stays_near_the_limit_after_each_command() {
        let s = Server::start_with(&["--maxmemory-policy", "allkeys-random"]);
        let mut c = s.client();
        let limit = limit_above_current(&mut c, 2 << 20);
        let value = "r".repeat(2000);
        for i in 0..4000 {
            let _: () = c.set(format!("k{i}"), &value).unwrap();
            if i % 50 == 0 {
                let u = used(&mut c);
                assert!(u <= limit + 32 * 1024, "used {u} over limit {limit} at {i}");
            }
        }
        assert!(info_field(&mut c, "stats", "evicted_keys") > 1000);
        let text: String = redis::cmd("INFO").arg("memory").query(&mut c).unwrap();
        assert!(text.contains(&format!("maxmemory:{limit}\r\n")));
        assert!(text.contains("maxmemory_policy:allkeys-random\r\n"));
        assert!(text.contains("mem_not_counted_for_evict:0\r\n"));
    }

    #[test]
    fn lowering_maxmemory_evicts_incrementally_without_blocking() {
        let s = Server::start_with(&["--maxmemory-policy", "allkeys-lru"]);
        let mut c = s.client();
        let value = "z".repeat(100);
        for chunk in 0..40 {
            let mut p = redis::pipe();
            for i in 0..5000 {
                p.set(format!("k{chunk}:{i}"), &value).ignore();
            }
            let _: () = p.query(&mut c).unwrap();
        }
        let before = used(&mut c);
        let base = info_field(&mut c, "memory", "used_memory_startup");
        let target = base + (before - base) / 4;
        set_config(&mut c, "maxmemory-eviction-tenacity", "10");
        let t = Instant::now();
        set_config(&mut c, "maxmemory", &target.to_string());
        // The CONFIG SET itself only spends one time-boxed cycle.
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        let mut pinger = s.raw();
        let mut worst = Duration::ZERO;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let p = Instant::now();
            assert_eq!(pinger.cmd(&["PING"]), b"+PONG\r\n");
            worst = worst.max(p.elapsed());
            // The INFO reply that reports the figure is itself counted (client buffers), so
            // allow a small margin above the limit, as the other tests here do.
            if used(&mut c) <= target + 64 * 1024 || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            used(&mut c) <= target + 64 * 1024,
            "still over the new limit"
        );
        // DBSIZE and the counter in one transaction: no eviction can run between them (memory
        // still within the margin above the limit is evicted before the next command).
        let (keys, stats): (u64, String) = redis::pipe()
            .atomic()
            .cmd("DBSIZE")
            .cmd("INFO")
            .arg("stats")
            .query(&mut c)
            .unwrap();
        let evicted: u64 = stats
            .lines()
            .find_map(|l| l.strip_prefix("evicted_keys:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(keys > 0 && keys < 200_000, "{keys} keys left");
        // Evicting all of it at once takes seconds in a debug build; one time-boxed cycle per loop
        // turn keeps every PING far below that (release builds: tools/evict_stall.py).
        assert!(
            worst < Duration::from_millis(1000),
            "slowest PING {worst:?}"
        );
        assert_eq!(evicted, 200_000 - keys);
    }

    #[test]
    fn client_eviction_closes_the_biggest_evictable_client() {
        let s = Server::start_with(&["--maxmemory-clients", "3mb"]);
        let mut c = s.client();
        let mut spared = s.raw();
        assert_eq!(spared.cmd(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
        let mut victim = s.raw();
        assert_eq!(victim.cmd(&["PING"]), b"+PONG\r\n");
        // A 2 MB bulk in progress: the query buffer is reserved for it at once.
        let head = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n";
        spared.send(head);
        spared.send(&vec![b'a'; 100_000]);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 0);
        victim.send(head);
        victim.send(&vec![b'b'; 100_000]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while info_field(&mut c, "stats", "evicted_clients") == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(info_field(&mut c, "stats", "evicted_clients"), 1);
        assert!(victim.is_closed());
        // The NO-EVICT client finishes its command.
        spared.send(&vec![b'a'; 1_900_000]);
        spared.send(b"\r\n");
        assert_eq!(spared.read_reply(), b"+OK\r\n");
        let n: u64 = redis::cmd("STRLEN").arg("k").query(&mut c).unwrap();
        assert_eq!(n, 2_000_000);
    }

    #[test]
    fn the_aof_buffer_is_not_counted_toward_maxmemory() {
        let s = Server::start_with(&["--appendonly", "yes"]);
        let mut c = s.client();
        let value = "a".repeat(1000);
        let mut p = redis::pipe();
        for i in 0..200 {
            p.set(format!("k{i}"), &value).ignore();
        }
        let _: () = p.query(&mut c).unwrap();
        // The buffer that carried those writes to the file is held, and left out of the figure
        // eviction compares with maxmemory (freeMemoryGetNotCountedMemory).
        assert!(info_field(&mut c, "memory", "mem_not_counted_for_evict") > 0);
        set_config(&mut c, "appendonly", "no");
        let _: () = redis::cmd("SET").arg("x").arg("1").query(&mut c).unwrap();
        assert_eq!(info_field(&mut c, "memory", "mem_not_counted_for_evict"), 0);
    }
}
