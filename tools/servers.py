"""Shared helpers for the comparison scripts: start carmine or redis-server on a port with a
scratch directory and wait until it answers PING."""
import os
import socket
import subprocess
import sys
import time


def wait_ready(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def start(kind, binary, port, workdir, extra=()):
    d = os.path.join(workdir, kind)
    os.makedirs(d, exist_ok=True)
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d]
    if kind == "redis":
        args += ["--appendonly", "no"]
    # Extra directives go to both servers, last, so they override the defaults above.
    args += list(extra)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_ready(port, proc):
        proc.kill()
        sys.exit(f"{kind} ({binary}) did not start on port {port}")
    return proc
