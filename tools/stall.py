#!/usr/bin/env python3
"""Keyspace-growth stall check: while a loader grows the keyspace from 0 to N keys, a second
client sends PING every millisecond and records each round trip. A stop-the-world rehash would
show up as one very slow PING. Runs against carmine and real redis-server in the same run.

usage: tools/stall.py [--keys 10000000] [--carmine target/release/carmine]
"""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import free_ports, pinger  # noqa: E402


def wait_ping(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=1)
            c.sendall(b"PING\r\n")
            if c.recv(64).startswith(b"+PONG"):
                c.close()
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on {port} did not start")


def run(name, argv, keys):
    port = free_ports(1)[0]
    proc = subprocess.Popen(argv + ["--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ping(port)
        stop = threading.Event()
        samples = []
        t = threading.Thread(target=pinger, args=(port, stop, samples))
        t.start()
        start = time.time()
        # Sequential keys through redis-benchmark's __rand_int__ with -r would repeat; use
        # enough random operations to reach ~95% of the key range.
        subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(keys),
                        "-n", str(keys * 3), "-P", "32", "-c", "8", "-d", "16", "-q"],
                       stdout=subprocess.DEVNULL, check=True)
        elapsed = time.time() - start
        stop.set()
        t.join()
        dbsize = subprocess.run(["redis-cli", "-p", str(port), "dbsize"], capture_output=True,
                                text=True).stdout.strip()
        samples.sort()
        p999 = samples[int(len(samples) * 0.999) - 1] if samples else 0
        print(f"| {name} | {dbsize} | {elapsed:.1f} | {len(samples)} | "
              f"{samples[len(samples) // 2]:.3f} | {p999:.3f} | {samples[-1]:.3f} |")
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000_000)
    ap.add_argument("--carmine", default="target/release/carmine")
    a = ap.parse_args()
    if not os.path.exists(a.carmine):
        sys.exit(f"{a.carmine} missing: cargo build --release first")
    print("| server | keys | load s | pings | p50 ms | p99.9 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    run("carmine", [a.carmine], a.keys)
    run("redis", ["redis-server"], a.keys)


if __name__ == "__main__":
    main()
