#!/usr/bin/env python3
"""Instructions per request of one command, by callgrind: repeatable on a noisy machine.

Starts the server binary under `valgrind --tool=callgrind`, optionally SCRIPT LOADs a script
(`{sha}` in the command becomes its SHA-1), warms up, zeroes the counters, lets redis-benchmark
send --requests copies of the command (one client, pipeline --pipeline), dumps the counters and
prints the instructions executed per request (the whole server: event loop, parsing, the
command, the reply). The profile stays in the printed directory for callgrind_annotate.

Usage: tools/callgrind_cmd.py BINARY [--port 7851] [--requests 20000] [--pipeline 1]
           [--load-script BODY] [--server-args '--appendonly yes'] --command 'EVALSHA {sha} 1 counter'
BINARY is target/release/carmine or redis-server (both take --port/--save/--dir).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import resp_command  # noqa: E402
from servers import wait_ready  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--port", type=int, default=7851)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--load-script", default=None)
    ap.add_argument("--command", required=True)
    ap.add_argument("--server-args", default="",
                    help="extra directives for the server, e.g. '--appendonly yes'")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="carmine-cg-")
    out = os.path.join(work, "callgrind.out")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
         a.binary, "--port", str(a.port), "--bind", "127.0.0.1", "--save", "", "--dir", work]
        + shlex.split(a.server_args),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_ready(a.port, proc, timeout=60):
            sys.exit(f"{a.binary} did not start under valgrind")
        words = shlex.split(a.command)
        if a.load_script is not None:
            sha = resp_command(a.port, "SCRIPT", "LOAD", a.load_script)
            words = [w.replace("{sha}", sha) for w in words]
        bench = ["redis-benchmark", "-p", str(a.port), "-c", "1", "-P", str(a.pipeline), "-q"]
        subprocess.run(bench + ["-n", "2000"] + words, check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True,
                       capture_output=True)
        subprocess.run(bench + ["-n", str(a.requests)] + words, check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True,
                       capture_output=True)
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait()
    # The dump callgrind_control asked for is the first numbered one (the zeroed span).
    total = 0
    with open(out + ".1") as fh:
        for line in fh:
            m = re.match(r"summary: (\d+)", line)
            if m:
                total = int(m.group(1))
    print(f"{a.binary}: {total / a.requests:,.0f} instructions per request "
          f"({a.requests} requests, pipeline {a.pipeline}; profiles in {work})")


if __name__ == "__main__":
    main()
