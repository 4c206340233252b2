#!/usr/bin/env python3
"""Throughput, CPU and latency of carmine vs redis-server, side by side, in one run.

Starts the release build of carmine (target/release/carmine) and redis-server on the same
machine, then for each workload (redis-benchmark -t NAME) and pipeline depth runs redis-benchmark
against both, in alternating order over several rounds (round 1: carmine first, round 2: redis
first, ...) so that drift in machine load hits both alike. Per workload it reports:

- throughput of each (median over rounds) and the median of the per-round ratios carmine/redis;
- server CPU per request (utime+stime of the server process from /proc/<pid>/stat, delta over
  the run, divided by the requests);
- p50 and p99 latency from redis-benchmark's CSV (median over rounds).

Request counts are calibrated per workload so one run takes about --seconds against redis.
Output is a markdown table on stdout (progress goes to stderr).

Besides redis-benchmark's own tests, --command runs a custom command (redis-benchmark's
trailing-arguments mode; words split as a shell would, `__rand_int__` works as usual). With
--load-script, the script is SCRIPT LOADed into both servers first (the SHA-1s must agree) and
`{sha}` in the command is replaced by its SHA-1, e.g. EVALSHA throughput:

    tools/bench.py --load-script "redis.call('get', KEYS[1]) return redis.call('incr', KEYS[1])" \
                   --command 'EVALSHA {sha} 1 counter'

Usage: tools/bench.py [--rounds 5] [--clients 50] [--bench-threads 1] [--pipelines 1,16]
                      [--seconds 2]
                      [--tests ping_mbulk,set,get,incr,mset] [--ports 7181,7182]
                      [--command 'CMD ARGS...' [--load-script BODY]]
"""

import argparse
import csv
import io
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


from servers import start  # tools/ is the script's directory, so this resolves


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        # The command name may contain spaces; fields after the closing paren are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def resp_command(port, *words):
    """Sends one command and returns its raw reply (a bulk string's payload, or the line)."""
    payload = f"*{len(words)}\r\n".encode()
    for w in words:
        b = w.encode() if isinstance(w, str) else w
        payload += b"$%d\r\n%s\r\n" % (len(b), b)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        buf = b""
        while b"\r\n" not in buf:
            buf += s.recv(65536)
        line, rest = buf.split(b"\r\n", 1)
        if line.startswith(b"$"):
            n = int(line[1:])
            while len(rest) < n + 2:
                rest += s.recv(65536)
            return rest[:n].decode()
        if line.startswith(b"-"):
            sys.exit(f"port {port}: {line.decode()}")
        return line[1:].decode()


def run_benchmark(port, test, n, clients, pipeline, pid, threads=1):
    """One redis-benchmark run; `test` is a -t name, or a list of words for a custom command.
    `threads` above 1 is redis-benchmark's --threads."""
    before = cpu_ticks(pid)
    what = test if isinstance(test, list) else ["-t", test]
    more = ["--threads", str(threads)] if threads > 1 else []
    done = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(n), "-P",
         str(pipeline), "-r", "100000", "--csv"] + more + what,
        capture_output=True, text=True, check=True)
    out = done.stdout
    if "Error from server" in done.stderr:
        # A throughput of error replies is no throughput: stop rather than report it.
        sys.exit(f"{test} on port {port} got error replies: {done.stderr.strip()[:300]}")
    cpu = (cpu_ticks(pid) - before) / CLK_TCK
    rows = [r for r in csv.DictReader(io.StringIO(out))]
    # LRANGE_* runs an LPUSH fill first and reports it as its own row: keep the row of the test
    # asked for, and spread the CPU over every request sent.
    if isinstance(test, list):
        mine = rows
    else:
        mine = [r for r in rows if r["test"].upper().startswith(test.upper())]
    if len(mine) != 1:
        sys.exit(f"unexpected redis-benchmark output for {test}: {out!r}")
    r = mine[0]
    return {
        "rps": float(r["rps"]),
        "p50": float(r["p50_latency_ms"]),
        "p99": float(r["p99_latency_ms"]),
        "cpu_us": cpu / (n * len(rows)) * 1e6,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--carmine", default=os.path.join(ROOT, "target", "release", "carmine"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--bench-threads", type=int, default=1,
                    help="redis-benchmark --threads: above 1 the client can use the CPU a "
                         "server leaves idle, for rows where one client thread is the cap")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--tests", default="ping_mbulk,set,get,incr,mset")
    ap.add_argument("--ports", default="7181,7182", help="redis,carmine")
    ap.add_argument("--command", default=None,
                    help="a custom command instead of --tests, e.g. 'EVALSHA {sha} 1 key'")
    ap.add_argument("--load-script", default=None,
                    help="a script to SCRIPT LOAD into both servers first; {sha} in --command "
                         "becomes its SHA-1")
    ap.add_argument("--server-args", default="",
                    help="extra directives for both servers, e.g. '--appendonly yes'")
    a = ap.parse_args()
    if not os.access(a.carmine, os.X_OK):
        sys.exit(f"no carmine binary at {a.carmine}: run `cargo build --release` first")
    if not shutil.which("redis-benchmark"):
        sys.exit("redis-benchmark is not on PATH")
    rport, cport = (int(p) for p in a.ports.split(","))
    pipelines = [int(p) for p in a.pipelines.split(",")]
    tests = a.tests.split(",") if a.command is None else [a.command]
    if a.load_script is not None and a.command is None:
        sys.exit("--load-script goes with --command")

    workdir = tempfile.mkdtemp(prefix="carmine-bench-")
    servers = {}
    try:
        extra = a.server_args.split()
        servers["redis"] = (start("redis", a.redis, rport, workdir, extra), rport)
        servers["carmine"] = (start("carmine", a.carmine, cport, workdir, extra), cport)
        if a.command is not None:
            words = shlex.split(a.command)
            if a.load_script is not None:
                shas = {name: resp_command(port, "SCRIPT", "LOAD", a.load_script)
                        for name, (_, port) in servers.items()}
                if shas["redis"] != shas["carmine"]:
                    sys.exit(f"SCRIPT LOAD answered different SHA-1s: {shas}")
                words = [w.replace("{sha}", shas["redis"]) for w in words]
            # Each server must answer the command without an error before it is measured.
            for name, (_, port) in servers.items():
                log(f"{name}: {a.command} -> {resp_command(port, *words)!r}")
        results = {}  # (test, pipeline) -> {"carmine": [..], "redis": [..]}
        for test in tests:
            label = test
            if a.command is not None:
                test = words
            for pl in pipelines:
                # Calibrate against redis: enough requests for about --seconds.
                proc, port = servers["redis"]
                probe = run_benchmark(port, test, 20000 * pl, a.clients, pl, proc.pid,
                                      a.bench_threads)
                n = max(10000, int(probe["rps"] * a.seconds) // 1000 * 1000)
                runs = {"carmine": [], "redis": []}
                for rnd in range(a.rounds):
                    order = ["carmine", "redis"] if rnd % 2 == 0 else ["redis", "carmine"]
                    for name in order:
                        proc, port = servers[name]
                        if proc.poll() is not None:
                            sys.exit(f"{name} exited during the benchmark")
                        runs[name].append(run_benchmark(port, test, n, a.clients, pl, proc.pid,
                                                         a.bench_threads))
                    c, r = runs["carmine"][-1], runs["redis"][-1]
                    log(f"{label} P={pl} n={n} round {rnd + 1}: carmine {c['rps']:.0f} rps, "
                        f"redis {r['rps']:.0f} rps")
                results[(label, pl)] = runs
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    med = statistics.median
    print(f"carmine vs redis-server {subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2].removeprefix('v=')}"
          f", redis-benchmark -c {a.clients} -r 100000"
          f"{f' --threads {a.bench_threads}' if a.bench_threads > 1 else ''}, {a.rounds} alternating rounds, "
          f"{os.cpu_count()} CPUs; medians over rounds")
    print()
    print("| workload | P | carmine rps | redis rps | ratio c/r | carmine CPU µs/req | "
          "redis CPU µs/req | carmine p50/p99 ms | redis p50/p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (test, pl), runs in results.items():
        c, r = runs["carmine"], runs["redis"]
        ratio = med([x["rps"] / y["rps"] for x, y in zip(c, r)])
        print(f"| {test} | {pl} | {med(x['rps'] for x in c):,.0f} | "
              f"{med(x['rps'] for x in r):,.0f} | {ratio:.2f} | "
              f"{med(x['cpu_us'] for x in c):.2f} | {med(x['cpu_us'] for x in r):.2f} | "
              f"{med(x['p50'] for x in c):.3f} / {med(x['p99'] for x in c):.3f} | "
              f"{med(x['p50'] for x in r):.3f} / {med(x['p99'] for x in r):.3f} |")


if __name__ == "__main__":
    main()
