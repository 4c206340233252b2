"""RDB persistence benchmark: the same 1.1M-key mixed dataset (DEBUG POPULATE 1000000 plus
20k small and 20 big lists, hashes, sets and sorted sets) in real Redis and in carmine; compares
RDB file size, BGSAVE and SAVE time, start-up load time, PING latency during BGSAVE and
latest_fork_usec, and checks that both digests agree (the loads are verified by DEBUG DIGEST).

Usage: python3 tools/rdb_bench.py [carmine-binary] [redis-port carmine-port] [workdir]
(a release build: cargo build --release).
"""
import socket, subprocess, time, os, sys, shutil, random

CARMINE = sys.argv[1] if len(sys.argv) > 1 else 'target/release/carmine'
PORTS = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (7210, 7211)
WORK = sys.argv[4] if len(sys.argv) > 4 else '/tmp/carmine-rdb-bench'


def conn(port):
    s = socket.create_connection(('127.0.0.1', port)); return s
def cmd(s, *args):
    s.sendall(b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in [x if isinstance(x, bytes) else str(x).encode() for x in args]))
    return read(s)
buf = {}
def read(s):
    b = buf.get(s, b'')
    while b'\r\n' not in b:
        x = s.recv(1 << 20)
        if not x: raise EOFError
        b += x
    line, rest = b.split(b'\r\n', 1)
    if line[:1] == b'$':
        n = int(line[1:])
        if n < 0: buf[s] = rest; return None
        while len(rest) < n + 2: rest += s.recv(1 << 20)
        buf[s] = rest[n + 2:]; return rest[:n]
    buf[s] = rest; return line

def info(s, field):
    txt = cmd(s, 'INFO', 'all').decode()
    for l in txt.split('\r\n'):
        if l.startswith(field + ':'): return l.split(':', 1)[1]

def start(kind, port, d):
    os.makedirs(d, exist_ok=True)
    if kind == 'redis':
        argv = ['redis-server', '--port', str(port), '--save', '', '--appendonly', 'no', '--dir', d, '--logfile', d + '/log']
    else:
        argv = [CARMINE, '--port', str(port), '--save', '', '--dir', d, '--logfile', d + '/log']
    p = subprocess.Popen(argv + ['--enable-debug-command', 'yes'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while True:
        try:
            s = conn(port)
            r = cmd(s, 'PING')
            if r == b'+PONG': return p, s, time.time() - t0
            s.close()
        except OSError: pass
        time.sleep(0.005)

def populate(s):
    cmd(s, 'DEBUG', 'POPULATE', 1000000)
    random.seed(1)
    out = []
    for i in range(20000):
        out.append(('RPUSH', 'list:%d' % i, *['item-%d' % j for j in range(20)]))
        out.append(('HSET', 'hash:%d' % i, *sum([['f%d' % j, 'v%d' % (j * 7)] for j in range(10)], [])))
        out.append(('SADD', 'set:%d' % i, *[str(j * 3) for j in range(20)]))
        out.append(('SADD', 'sset:%d' % i, *['m%d' % j for j in range(10)]))
        out.append(('ZADD', 'zset:%d' % i, *sum([[str(j * 1.5), 'z%d' % j] for j in range(10)], [])))
    for i in range(20):
        out.append(('RPUSH', 'biglist:%d' % i, *['e%d' % j for j in range(5000)]))
        out.append(('HSET', 'bighash:%d' % i, *sum([['f%d' % j, 'v%d' % j] for j in range(1000)], [])))
        out.append(('SADD', 'bigset:%d' % i, *['m%d' % j for j in range(1000)]))
        out.append(('ZADD', 'bigzset:%d' % i, *sum([[str(j), 'z%d' % j] for j in range(1000)], [])))
    for i in range(0, len(out), 500):
        chunk = out[i:i + 500]
        data = b''.join(b'*%d\r\n' % len(c) + b''.join(b'$%d\r\n%s\r\n' % (len(a.encode()), a.encode()) for a in c) for c in chunk)
        s.sendall(data)
        for _ in chunk: read(s)

def bgsave_time(s, port):
    t0 = time.time()
    assert cmd(s, 'BGSAVE') == b'+Background saving started', 'bgsave'
    p = conn(port); worst = 0; n = 0
    while info(s, 'rdb_bgsave_in_progress') != '0':
        a = time.time(); cmd(p, 'PING'); worst = max(worst, time.time() - a); n += 1
        time.sleep(0.002)
    el = time.time() - t0
    assert info(s, 'rdb_last_bgsave_status') == 'ok'
    return el, worst, n, int(info(s, 'latest_fork_usec'))

res = {}
for kind, port in (('redis', PORTS[0]), ('carmine', PORTS[1])):
    d = os.path.join(WORK, kind)
    shutil.rmtree(d, ignore_errors=True)
    p, s, _ = start(kind, port, d)
    t = time.time(); populate(s); pop = time.time() - t
    print(kind, 'populated', pop, flush=True)
    keys = int(cmd(s, 'DBSIZE')[1:])
    dig = cmd(s, 'DEBUG', 'DIGEST')
    mem = int(info(s, 'used_memory'))
    saves = [bgsave_time(s, port) for _ in range(2)]
    t = time.time(); cmd(s, 'SAVE'); save_fg = time.time() - t
    size = os.path.getsize(d + '/dump.rdb')
    s.sendall(b'SHUTDOWN NOSAVE\r\n'); p.wait()
    loads = []
    for _ in range(3):
        p, s, el = start(kind, port, d)
        loads.append(el)
        assert cmd(s, 'DEBUG', 'DIGEST') == dig
        s.sendall(b'SHUTDOWN NOSAVE\r\n'); p.wait()
    res[kind] = dict(keys=keys, populate=pop, used_memory=mem, size=size, bgsave=min(x[0] for x in saves),
                     ping_worst_ms=max(x[1] for x in saves) * 1000, pings=sum(x[2] for x in saves),
                     fork_usec=min(x[3] for x in saves), save=save_fg, load=min(loads), digest=dig)
    print(kind, res[kind], flush=True)
r, c = res['redis'], res['carmine']
print('digest equal:', r['digest'] == c['digest'])
for k in ('size', 'bgsave', 'save', 'load', 'fork_usec', 'ping_worst_ms', 'used_memory'):
    print('%-14s redis=%-12.4g carmine=%-12.4g carmine/redis=%.3f' % (k, r[k], c[k], c[k] / r[k] if r[k] else 0))
