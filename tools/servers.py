"""Shared helpers for the comparison scripts: start carmine or redis-server on a port with a
scratch directory and wait until it answers PING, pick free ports, sample PING latency."""
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


def free_ports(n):
    """`n` distinct ports free on 127.0.0.1 right now (all bound at once, then released)."""
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def pinger(port, stop, samples):
    """Sends PING on one connection about every millisecond until `stop` is set, appending
    each round trip in ms to `samples` (the stall probes' latency sampler)."""
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while not stop.is_set():
        t = time.perf_counter()
        c.sendall(b"PING\r\n")
        buf = b""
        while not buf.endswith(b"\r\n"):
            buf += c.recv(64)
        samples.append((time.perf_counter() - t) * 1000.0)
        time.sleep(0.001)
