#!/usr/bin/env python3
"""PUBLISH throughput to 1, 10 and 100 subscribers: carmine vs redis-server, side by side.

Starts the release build of carmine (target/release/carmine) and redis-server, and for each
subscriber count runs, against each server in alternating order over several rounds:

- a drainer process holding N real subscriber connections on one channel, each reading every
  message as fast as it arrives (raw recv, no parsing: bytes are counted and divided by the
  message frame's length);
- redis-benchmark sending `PUBLISH bench <payload>` from --clients connections (pipeline -P).

It reports the PUBLISH rate (median over rounds), the median of the per-round ratios
carmine/redis, the messages per second delivered to subscribers, and checks that every
subscriber received every message (a shortfall means a subscriber was cut off or messages were
lost, and the run stops).

Usage: tools/pubsub_bench.py [--rounds 3] [--clients 50] [--pipelines 1,16]
                             [--subscribers 1,10,100] [--requests 200000] [--payload 32]
                             [--ports 7183,7184]
"""

import argparse
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANNEL = b"bench"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import start  # noqa: E402


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def frame_len(payload_len):
    """Bytes of one RESP2 `message` frame on CHANNEL with a payload of payload_len bytes."""
    return len(b"*3\r\n$7\r\nmessage\r\n") + len(b"$%d\r\n%s\r\n" % (len(CHANNEL), CHANNEL)) + \
        len(b"$%d\r\n" % payload_len) + payload_len + 2


def drain(port, n, expected_msgs, payload_len):
    """Child process: subscribe n connections, print 'ready', read until every connection got
    expected_msgs messages (or 60 s pass), print the number of messages received."""
    conf = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(CHANNEL), CHANNEL))
        socks.append(s)
    for s in socks:
        got = b""
        while len(got) < len(conf):
            got += s.recv(len(conf) - len(got))
        assert got == conf, got
        s.setblocking(False)
    print("ready", flush=True)
    want = expected_msgs * frame_len(payload_len)
    sel = selectors.DefaultSelector()
    received = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        received[s] = 0
    left = len(socks)
    deadline = time.time() + 60
    while left and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(1 << 18)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                left -= 1
                continue
            received[s] += len(data)
            if received[s] >= want:
                sel.unregister(s)
                left -= 1
    total = sum(received.values()) // frame_len(payload_len)
    print(total, flush=True)


def run_round(port, subs, n, clients, pipeline, payload):
    drainer = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--drain", str(port), str(subs), str(n),
         str(len(payload))],
        stdout=subprocess.PIPE, text=True)
    if drainer.stdout.readline().strip() != "ready":
        sys.exit("drainer failed to subscribe")
    t0 = time.time()
    done = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(n), "-P",
         str(pipeline), "--csv", "PUBLISH", CHANNEL.decode(), payload],
        capture_output=True, text=True, check=True)
    if "Error" in done.stderr:
        sys.exit(f"PUBLISH on port {port} got errors: {done.stderr.strip()[:300]}")
    line = done.stdout.strip().splitlines()[-1]
    rps = float(line.split(",")[1].strip('"'))
    delivered = int(drainer.stdout.readline().strip() or 0)
    elapsed = time.time() - t0
    drainer.wait()
    if delivered != n * subs:
        sys.exit(f"port {port}: {subs} subscribers received {delivered} of {n * subs} messages")
    return {"rps": rps, "delivered_per_s": delivered / elapsed}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--drain":
        port, n, msgs, plen = (int(x) for x in sys.argv[2:6])
        drain(port, n, msgs, plen)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--carmine", default=os.path.join(ROOT, "target", "release", "carmine"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--subscribers", default="1,10,100")
    ap.add_argument("--requests", type=int, default=200000,
                    help="PUBLISH requests per run (divided by subscribers/10 above 10)")
    ap.add_argument("--payload", type=int, default=32, help="message size in bytes")
    ap.add_argument("--ports", default="7183,7184", help="redis,carmine")
    a = ap.parse_args()
    if not os.access(a.carmine, os.X_OK):
        sys.exit(f"no carmine binary at {a.carmine}: run `cargo build --release` first")
    if not shutil.which("redis-benchmark"):
        sys.exit("redis-benchmark is not on PATH")
    rport, cport = (int(p) for p in a.ports.split(","))
    payload = "x" * a.payload
    workdir = tempfile.mkdtemp(prefix="carmine-pubsub-bench-")
    servers = {}
    results = {}
    try:
        servers["redis"] = (start("redis", a.redis, rport, workdir), rport)
        servers["carmine"] = (start("carmine", a.carmine, cport, workdir), cport)
        for subs in (int(s) for s in a.subscribers.split(",")):
            # Keep the delivered volume per run bounded: fewer PUBLISHes to more subscribers.
            n = max(10000, a.requests // max(1, subs // 10))
            for pl in (int(p) for p in a.pipelines.split(",")):
                runs = {"carmine": [], "redis": []}
                for rnd in range(a.rounds):
                    order = ["carmine", "redis"] if rnd % 2 == 0 else ["redis", "carmine"]
                    for name in order:
                        proc, port = servers[name]
                        if proc.poll() is not None:
                            sys.exit(f"{name} exited during the benchmark")
                        runs[name].append(run_round(port, subs, n, a.clients, pl, payload))
                    c, r = runs["carmine"][-1], runs["redis"][-1]
                    log(f"{subs} subscribers P={pl} n={n} round {rnd + 1}: "
                        f"carmine {c['rps']:.0f} rps, redis {r['rps']:.0f} rps")
                results[(subs, pl)] = runs
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    med = statistics.median
    version = subprocess.run(["redis-server", "--version"], capture_output=True,
                             text=True).stdout.split()[2].removeprefix("v=")
    print(f"PUBLISH fan-out, carmine vs redis-server {version}: redis-benchmark -c {a.clients}, "
          f"{a.payload}-byte messages, {a.rounds} alternating rounds, {os.cpu_count()} CPUs; "
          f"medians over rounds; every message was received by every subscriber")
    print()
    print("| subscribers | P | carmine PUBLISH/s | redis PUBLISH/s | ratio c/r | "
          "carmine msgs delivered/s | redis msgs delivered/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for (subs, pl), runs in results.items():
        c, r = runs["carmine"], runs["redis"]
        ratio = med([x["rps"] / y["rps"] for x, y in zip(c, r)])
        print(f"| {subs} | {pl} | {med(x['rps'] for x in c):,.0f} | "
              f"{med(x['rps'] for x in r):,.0f} | {ratio:.2f} | "
              f"{med(x['delivered_per_s'] for x in c):,.0f} | "
              f"{med(x['delivered_per_s'] for x in r):,.0f} |")


if __name__ == "__main__":
    main()
