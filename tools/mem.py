#!/usr/bin/env python3
"""Memory per key of carmine vs redis-server, for one of several workloads.

Workloads (--workload):
- strings (default, 1,000,000 keys): `SET key:<n> v<15 digits>`, 16-byte values that are not
  integers, so Redis stores them as embstr, not as shared or int-encoded numbers;
- hash10 (100,000 keys): `HSET hash:<n> field:0 value:<n> ... field:9 value:<n>`;
- set10 (100,000 keys): `SADD set:<n>` ten integers;
- zset10 (100,000 keys): `ZADD zset:<n>` ten members `member:<i>` with small scores.
All of them stay in the small encodings (listpack, intset) of both servers' defaults.

Starts the release build of carmine (target/release/carmine) and redis-server, records each
one's empty baseline (INFO memory used_memory, and RSS from /proc/<pid>/status), loads the same
keys into both with `redis-cli --pipe`, checks DBSIZE,
and prints bytes per key above the baseline for used_memory and for RSS, with the ratios
carmine/redis, as a markdown table on stdout.

Usage: tools/mem.py [--workload strings|hash10|set10|zset10] [--keys N] [--ports 7183,7184]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


from servers import start  # tools/ is the script's directory, so this resolves


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True, check=True).stdout


def used_memory(port):
    for line in cli(port, "INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":", 1)[1])
    return None


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(port, pid):
    # Let background work (lazy frees, allocator purges) settle before reading.
    time.sleep(1.0)
    return used_memory(port), rss(pid)


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


WORKLOADS = {
    "strings": (1_000_000, "keys `key:<n>` with 16-byte string values",
                lambda n: resp(b"SET", b"key:%d" % n, b"v%015d" % n)),
    "hash10": (100_000, "hashes of 10 fields `field:<i>` -> `value:<n>`",
               lambda n: resp(b"HSET", b"hash:%d" % n,
                              *[x for i in range(10) for x in (b"field:%d" % i, b"value:%d" % n)])),
    "set10": (100_000, "sets of 10 integers",
              lambda n: resp(b"SADD", b"set:%d" % n, *[b"%d" % (n + i * 7) for i in range(10)])),
    "zset10": (100_000, "sorted sets of 10 members `member:<i>`",
               lambda n: resp(b"ZADD", b"zset:%d" % n,
                              *[x for i in range(10) for x in (b"%d" % i, b"member:%d" % i)])),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--carmine", default=os.path.join(ROOT, "target", "release", "carmine"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--workload", choices=sorted(WORKLOADS), default="strings")
    ap.add_argument("--keys", type=int, default=None, help="default depends on the workload")
    ap.add_argument("--ports", default="7183,7184", help="redis,carmine")
    a = ap.parse_args()
    if not os.access(a.carmine, os.X_OK):
        sys.exit(f"no carmine binary at {a.carmine}: run `cargo build --release` first")
    rport, cport = (int(p) for p in a.ports.split(","))
    default_keys, description, command = WORKLOADS[a.workload]
    if a.keys is None:
        a.keys = default_keys

    workdir = tempfile.mkdtemp(prefix="carmine-mem-")
    payload = os.path.join(workdir, "load.resp")
    with open(payload, "wb") as f:
        for n in range(a.keys):
            f.write(command(n))

    rows = {}
    procs = []
    try:
        for kind, binary, port in (("redis", a.redis, rport), ("carmine", a.carmine, cport)):
            proc = start(kind, binary, port, workdir)
            procs.append(proc)
            base_used, base_rss = measure(port, proc.pid)
            t0 = time.time()
            with open(payload, "rb") as f:
                out = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f,
                                     capture_output=True, text=True)
            load_s = time.time() - t0
            if out.returncode != 0:
                sys.exit(f"{kind}: redis-cli --pipe failed: {out.stdout}{out.stderr}")
            dbsize = int(cli(port, "DBSIZE").strip())
            if dbsize != a.keys:
                sys.exit(f"{kind}: DBSIZE is {dbsize}, expected {a.keys}")
            used, total_rss = measure(port, proc.pid)
            rows[kind] = {
                "base_used": base_used, "used": used, "base_rss": base_rss, "rss": total_rss,
                "load_s": load_s,
            }
            print(f"{kind}: loaded {a.keys} keys in {load_s:.1f} s", file=sys.stderr)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    def per_key(r, field):
        if r[field] is None or r["base_" + field] is None:
            return None
        return (r[field] - r["base_" + field]) / a.keys

    def fmt(x):
        return "n/a" if x is None else f"{x:.1f}"

    print(f"{a.keys:,} {description}, loaded with redis-cli --pipe")
    print()
    print("| server | used_memory B/key | RSS B/key | used_memory total MB | RSS total MB | "
          "load s |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in ("carmine", "redis"):
        r = rows[kind]
        used_mb = "n/a" if r["used"] is None else f"{r['used'] / 2**20:.1f}"
        print(f"| {kind} | {fmt(per_key(r, 'used'))} | {fmt(per_key(r, 'rss'))} | {used_mb} | "
              f"{r['rss'] / 2**20:.1f} | {r['load_s']:.1f} |")
    c, r = rows["carmine"], rows["redis"]
    ratios = []
    for field, label in (("used", "used_memory"), ("rss", "RSS")):
        cv, rv = per_key(c, field), per_key(r, field)
        ratios.append(f"{label} {cv / rv:.2f}" if cv is not None and rv else f"{label} n/a")
    print()
    print("ratio carmine/redis per key: " + ", ".join(ratios))

if __name__ == "__main__":
    main()
