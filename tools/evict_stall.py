#!/usr/bin/env python3
"""Eviction stall check: fill a server with DEBUG POPULATE, then CONFIG SET maxmemory to a
quarter of what the data takes, and PING every millisecond until used_memory is back under the
new limit. Redis 7 evicts such a cut incrementally (performEvictions' time budget plus the
eviction time proc), so no PING should wait long. Runs carmine and real redis-server.

usage: tools/evict_stall.py [--keys 2000000] [--policy allkeys-lru] [--carmine target/release/carmine]
"""
import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import free_ports, pinger  # noqa: E402


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True).stdout.strip()


def info_field(port, field, section="all"):
    for line in cli(port, "info", section).splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def run(name, argv, keys, policy):
    port = free_ports(1)[0]
    proc = subprocess.Popen(argv + ["--port", str(port), "--save", "", "--appendonly", "no",
                                    "--enable-debug-command", "yes",
                                    "--maxmemory-policy", policy],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if cli(port, "ping") == "PONG":
                break
            time.sleep(0.05)
        cli(port, "debug", "populate", str(keys), "key", "64")
        used = int(info_field(port, "used_memory"))
        start_mem = int(info_field(port, "used_memory_startup") or 0)
        target = start_mem + (used - start_mem) // 4
        stop = threading.Event()
        samples = []
        t = threading.Thread(target=pinger, args=(port, stop, samples))
        t.start()
        time.sleep(0.2)
        t0 = time.time()
        cli(port, "config", "set", "maxmemory", str(target))
        set_ms = (time.time() - t0) * 1000.0
        while int(info_field(port, "used_memory", "memory")) > target and time.time() - t0 < 60:
            time.sleep(0.05)
        took = time.time() - t0
        stop.set()
        t.join()
        samples.sort()
        p999 = samples[int(len(samples) * 0.999) - 1] if samples else 0
        print(f"| {name} | {keys} | {info_field(port, 'evicted_keys')} | {set_ms:.1f} | "
              f"{took:.2f} | {len(samples)} | {samples[len(samples) // 2]:.3f} | {p999:.3f} | "
              f"{samples[-1]:.3f} |")
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=2_000_000)
    ap.add_argument("--policy", default="allkeys-lru")
    ap.add_argument("--carmine", default="target/release/carmine")
    a = ap.parse_args()
    print("| server | keys | evicted | CONFIG SET ms | s to limit | pings | p50 ms | p99.9 ms | "
          "max ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    run("carmine", [a.carmine], a.keys, a.policy)
    run("redis", ["redis-server"], a.keys, a.policy)


if __name__ == "__main__":
    main()
