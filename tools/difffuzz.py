#!/usr/bin/env python3
"""Randomised differential test: the same random command stream to carmine and redis-server.

Generates commands over a handful of keys for strings, lists, hashes, sets and sorted sets
(valid and invalid arguments alike, so error paths are compared too), with small encoding
thresholds so values convert between compact and big encodings all the time, sends each command
to both servers and compares the raw replies byte for byte. Replies whose element order Redis
leaves undefined (SMEMBERS, HGETALL, SINTER, ...) are compared after sorting. Every few commands
the whole dataset is compared with DEBUG DIGEST, so a divergence in state is caught even when no
reply shows it. Commands whose reply is random (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER) are
not generated.

On the first difference it prints the seed, the command, both replies and the commands that led
there, and exits 1.

Usage: tools/difffuzz.py [--seeds 20] [--first-seed 0] [--ops 3000] [--seed N] [--resp3] [--ports P1,P2]
       [--families string,lst,...] [--wide] [--redis-thresholds] [--keep-going]
       [--carmine target/release/carmine]
"""

import argparse
import os
import random
import socket
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import free_ports, start  # noqa: E402

CONFIG = [
    "--hash-max-listpack-entries", "4", "--hash-max-listpack-value", "8",
    "--set-max-intset-entries", "4", "--zset-max-listpack-entries", "4",
    "--zset-max-listpack-value", "8", "--list-max-listpack-size", "4",
    "--list-compress-depth", "1",
]

# Replies whose order is not defined: compare sorted (flat elements, or pairs).
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF", "HKEYS", "HVALS", "KEYS"}
UNORDERED_PAIRS = {"HGETALL"}


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def send(self, args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.s.sendall(b"".join(out))

    def _fill(self):
        chunk = self.s.recv(1 << 16)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        """One reply as (type byte, payload): payload is bytes or a list of replies."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in b"$=!":
            n = int(rest)
            return (t, None) if n < 0 else (t, self._exact(n))
        if t in b"*~>%|":
            n = int(rest)
            if n < 0:
                return (t, None)
            if t in b"%|":
                n *= 2
            return (t, [self.reply() for _ in range(n)])
        return (t, rest)


def normalise_cmd(cmd, r):
    """normalise() for a whole command line: an EVAL from the lua family is normalised as the
    command it runs (inside the {type, reply} pair when the script returns one)."""
    if cmd[0].upper() != "EVAL" or len(cmd) < 4:
        return normalise(cmd[0].upper(), r)
    inner = cmd[3].upper()
    t, p = r
    if "{type(r), r}" in cmd[1] and isinstance(p, list) and len(p) == 2:
        return (t, [p[0], normalise(inner, p[1])])
    return normalise(inner, r)


def normalise(cmd, r):
    t, p = r
    if not isinstance(p, list):
        return r
    if cmd in UNORDERED:
        return (t, sorted(p, key=repr))
    if cmd in UNORDERED_PAIRS or t == b"%":
        pairs = [(p[i], p[i + 1]) for i in range(0, len(p) - 1, 2)]
        return (t, sorted(pairs, key=repr))
    return r


SORT_ERR = b"ERR One or more scores can't be converted into double"


def redis_errno_bug(cmd, a, b):
    """Redis 7.0's SORT tests `errno == ERANGE` after strtod without clearing errno first, so
    an earlier command that overflowed a number parse (say XTRIM MINID = 99999999999999999999)
    makes a later numeric SORT of perfectly good numbers fail. carmine does not copy that: accept
    its sorted reply when every element really is a number."""
    if cmd[0].upper() != "SORT" or b != (b"-", SORT_ERR) or a[0] != b"*":
        return False
    words = [w.upper() for w in cmd]
    if "ALPHA" in words or "BY" in words or "GET" in words:
        return False
    try:
        return all(x[0] == b"$" and float(x[1]) == float(x[1]) for x in a[1])
    except ValueError:
        return False


class Gen:
    def __init__(self, rng, wide=False):
        self.r = rng
        # --wide: members from a pool of 600 and up to 60 per command, so collections grow into
        # their big encodings (multi-node quicklists, hashtables, multi-level sorted-set trees)
        # and range and rank commands cross node boundaries.
        self.wide = wide

    def key(self):
        return self.r.choice(["a", "b", "c", "d", "e", "missing"])

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def member(self):
        if self.wide and self.r.random() < 0.7:
            return "w" + str(self.r.randint(0, 599))
        r = self.r.random()
        if r < 0.35:
            return str(self.r.randint(-3, 12))
        if r < 0.45:
            return self.r.choice(["100000", "2147483648", "-9223372036854775808", "9223372036854775807",
                                  "0x10", "007", "1.5", " 1"])
        if r < 0.9:
            return "m" + str(self.r.randint(0, 12))
        return self.r.choice(["", "long-member-" + "x" * 20, "é", "a b"])

    def members(self, lo=1, hi=4):
        if self.wide and self.r.random() < 0.3:
            hi = 60
        return [self.member() for _ in range(self.r.randint(lo, hi))]

    def count(self):
        return self.r.choice(["0", "1", "2", "3", "5", "10", "-1", "-2", "abc", "1.5",
                              "99999999999999999999", str(self.r.randint(-5, 8))])

    def index(self):
        if self.wide and self.r.random() < 0.5:
            return str(self.r.randint(-400, 400))
        return self.r.choice([str(self.r.randint(-8, 8)), "0", "-1", "100", "-100", "x",
                              "9223372036854775807", "-9223372036854775808"])

    def score(self):
        return self.r.choice(["0", "1", "-1", "2.5", "-2.5", "1e3", "inf", "-inf", "+inf", "nan",
                              "abc", "3", str(self.r.randint(-5, 10)), "0.1", "1e308", ""])

    def range_score(self):
        s = self.r.choice(["0", "1", "2.5", "-inf", "+inf", "inf", "5", "-1", "x", "3"])
        if self.r.random() < 0.3 and s not in ("-inf", "+inf", "inf", "x"):
            return "(" + s
        return s

    def lex(self):
        return self.r.choice(["-", "+", "[m1", "(m1", "[m5", "(m9", "[", "m", "[1", "(3", "[a"])

    def side(self):
        return self.r.choice(["LEFT", "RIGHT", "left", "UP"])

    # ---- families ----
    def string(self):
        k = self.key()
        c = self.r.choice([
            ["SET", k, self.member()], ["GET", k], ["APPEND", k, self.member()],
            ["INCR", k], ["DECRBY", k, self.count()], ["INCRBYFLOAT", k, self.score()],
            ["GETRANGE", k, self.index(), self.index()], ["SETRANGE", k, self.count(), self.member()],
            ["STRLEN", k], ["GETDEL", k], ["SETNX", k, self.member()], ["GETSET", k, self.member()],
            ["MSETNX", k, self.member(), self.key(), self.member()], ["MGET", *self.keys()],
        ])
        return c

    def lst(self):
        k = self.key()
        return self.r.choice([
            ["LPUSH", k, *self.members()], ["RPUSH", k, *self.members()],
            ["LPUSHX", k, *self.members()], ["RPUSHX", k, *self.members()],
            ["LPOP", k], ["RPOP", k], ["LPOP", k, self.count()], ["RPOP", k, self.count()],
            ["LRANGE", k, self.index(), self.index()], ["LINDEX", k, self.index()],
            ["LSET", k, self.index(), self.member()],
            ["LINSERT", k, self.r.choice(["BEFORE", "AFTER", "x"]), self.member(), self.member()],
            ["LLEN", k], ["LREM", k, self.count(), self.member()],
            ["LTRIM", k, self.index(), self.index()],
            ["LPOS", k, self.member(), *self.lpos_opts()],
            ["LMOVE", k, self.key(), self.side(), self.side()], ["RPOPLPUSH", k, self.key()],
            self.lmpop(),
            ["SORT", k, *self.sort_opts()],
        ])

    def lpos_opts(self):
        out = []
        for opt in ("RANK", "COUNT", "MAXLEN"):
            if self.r.random() < 0.4:
                out += [opt, self.count()]
        return out

    def lmpop(self):
        ks = self.keys()
        c = ["LMPOP", str(len(ks)), *ks, self.side()]
        if self.r.random() < 0.5:
            c += ["COUNT", self.count()]
        return c

    def sort_opts(self):
        out = []
        if self.r.random() < 0.5:
            out.append("ALPHA")
        if self.r.random() < 0.3:
            out.append(self.r.choice(["ASC", "DESC"]))
        if self.r.random() < 0.3:
            out += ["LIMIT", self.count(), self.count()]
        return out

    def hsh(self):
        k = self.key()
        f = self.member
        return self.r.choice([
            ["HSET", k, *sum(([f(), f()] for _ in range(self.r.randint(1, 3))), [])],
            ["HSETNX", k, f(), f()], ["HGET", k, f()], ["HMGET", k, *self.members()],
            ["HDEL", k, *self.members()], ["HLEN", k], ["HSTRLEN", k, f()],
            ["HEXISTS", k, f()], ["HKEYS", k], ["HVALS", k], ["HGETALL", k],
            ["HINCRBY", k, f(), self.count()], ["HINCRBYFLOAT", k, f(), self.score()],
            ["HMSET", k, f(), f()], ["HRANDFIELD", k, "0"],
        ])

    def st(self):
        k = self.key()
        ks = self.keys()
        return self.r.choice([
            ["SADD", k, *self.members()], ["SREM", k, *self.members()], ["SMEMBERS", k],
            ["SISMEMBER", k, self.member()], ["SMISMEMBER", k, *self.members()], ["SCARD", k],
            ["SMOVE", k, self.key(), self.member()], ["SINTER", *ks], ["SUNION", *ks],
            ["SDIFF", *ks], ["SINTERCARD", str(len(ks)), *ks, *self.limit_opt()],
            ["SINTERSTORE", self.key(), *ks], ["SUNIONSTORE", self.key(), *ks],
            ["SDIFFSTORE", self.key(), *ks], ["SRANDMEMBER", k, "0"], ["SPOP", k, "0"],
        ])

    def limit_opt(self):
        return ["LIMIT", self.count()] if self.r.random() < 0.4 else []

    def zs(self):
        k = self.key()
        ks = self.keys()
        return self.r.choice([
            ["ZADD", k, *self.zadd_flags(), *sum(([self.score(), self.member()]
                                                  for _ in range(self.r.randint(1, 3))), [])],
            ["ZINCRBY", k, self.score(), self.member()], ["ZREM", k, *self.members()],
            ["ZCARD", k], ["ZCOUNT", k, self.range_score(), self.range_score()],
            ["ZSCORE", k, self.member()],
            ["ZMSCORE", k, *self.members()], ["ZRANK", k, self.member()],
            ["ZREVRANK", k, self.member()], self.zrange(k, "ZRANGE"),
            ["ZRANGESTORE", self.key(), *self.zrange(k, "ZRANGE")[1:]],
            ["ZREVRANGE", k, self.index(), self.index(), *self.ws()],
            ["ZRANGEBYSCORE", k, self.range_score(), self.range_score(), *self.ws(),
             *self.limit2()],
            ["ZREVRANGEBYSCORE", k, self.range_score(), self.range_score(), *self.ws()],
            ["ZREMRANGEBYRANK", k, self.index(), self.index()],
            ["ZREMRANGEBYSCORE", k, self.range_score(), self.range_score()],
            ["ZPOPMIN", k, *([self.count()] if self.r.random() < 0.5 else [])],
            ["ZPOPMAX", k, *([self.count()] if self.r.random() < 0.5 else [])],
            ["ZMPOP", str(len(ks)), *ks, self.r.choice(["MIN", "MAX", "mid"]),
             *(["COUNT", self.count()] if self.r.random() < 0.5 else [])],
            self.zsetop("ZUNION", ks), self.zsetop("ZINTER", ks), ["ZDIFF", str(len(ks)), *ks,
                                                                   *self.ws()],
            ["ZUNIONSTORE", self.key(), *self.zsetop("X", ks)[1:-1]],
            ["ZINTERSTORE", self.key(), *self.zsetop("X", ks)[1:-1]],
            ["ZDIFFSTORE", self.key(), str(len(ks)), *ks],
            ["ZINTERCARD", str(len(ks)), *ks, *self.limit_opt()],
        ])

    def zlex(self):
        """Lex ranges are only specified when every member has the same score, so they run on
        keys of their own that only ever get score 0."""
        k = self.r.choice(["l1", "l2"])
        return self.r.choice([
            ["ZADD", k, *self.r.choice([[], ["NX"], ["XX"], ["CH"]]),
             *sum((["0", self.member()] for _ in range(self.r.randint(1, 3))), [])],
            ["ZREM", k, *self.members()], ["ZCARD", k],
            ["ZLEXCOUNT", k, self.lex(), self.lex()],
            ["ZRANGEBYLEX", k, self.lex(), self.lex(), *self.limit2()],
            ["ZREVRANGEBYLEX", k, self.lex(), self.lex(), *self.limit2()],
            ["ZREMRANGEBYLEX", k, self.lex(), self.lex()],
            self.zrange(k, "ZRANGE", lex=True),
            ["ZRANGESTORE", self.r.choice(["l1", "l2"]), *self.zrange(k, "ZRANGE", lex=True)[1:]],
            ["ZPOPMIN", k], ["ZRANGE", k, "0", "-1"], ["OBJECT", "ENCODING", k],
        ])

    def expiry(self):
        """Expiry with absolute times only (far future or past), so replies never depend on
        when each server read its clock."""
        k = self.key()
        ts = self.r.choice(["2000000000", "2100000000", "1", "0", "-5", "x", "1999999999",
                            "9223372036854775807"])
        flag = self.r.choice([[], [], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "XX"], ["gt"]])
        return self.r.choice([
            ["EXPIREAT", k, ts, *flag], ["PEXPIREAT", k, ts + "000", *flag],
            ["EXPIRETIME", k], ["PEXPIRETIME", k], ["PERSIST", k],
            ["SET", k, self.member(), *self.r.choice([["EXAT", ts], ["PXAT", ts + "000"],
                                                      ["KEEPTTL"], ["KEEPTTL", "GET"], ["NX"],
                                                      ["XX", "GET"], ["EXAT", ts, "KEEPTTL"]])],
            ["GETEX", k, *self.r.choice([["EXAT", ts], ["PERSIST"], [], ["PXAT", ts]])],
            ["RENAMENX", k, self.key()], ["TOUCH", *self.keys()], ["OBJECT", "FREQ", k],
            ["COPY", k, self.key(), "DB", self.r.choice(["0", "1", "16", "x"])],
            ["MOVE", k, self.r.choice(["0", "1", "16"])],
        ])

    def lua(self):
        """A command of another family run inside EVAL through redis.pcall, so its reply makes
        the round trip through Lua's conversion rules (RESP2 or RESP3 per the connection)."""
        inner = self.r.choice([self.string, self.lst, self.hsh, self.st, self.zs, self.bits,
                               self.hll, self.stream, self.expiry])()
        script = self.r.choice([
            "return redis.pcall(unpack(ARGV))",
            "local r = redis.pcall(unpack(ARGV)); return {type(r), r}",
            "redis.setresp(3); return redis.pcall(unpack(ARGV))",
            "local r = redis.pcall(unpack(ARGV)); if type(r) == 'table' and r.err then "
            "return redis.error_reply(r.err) end; return r",
        ])
        return ["EVAL", script, "0", *inner]

    def bits(self):
        k = self.key()
        off = self.r.choice(["0", "1", "7", "8", "15", "100", "-1", "x", "4294967296",
                             str(self.r.randint(0, 64))])
        bit = self.r.choice(["0", "1", "1", "2"])
        unit = self.r.choice([[], ["BIT"], ["BYTE"], ["bit"]])
        return self.r.choice([
            ["SETBIT", k, off, bit], ["GETBIT", k, off], ["BITCOUNT", k],
            ["BITCOUNT", k, self.index(), self.index(), *unit],
            ["BITPOS", k, bit], ["BITPOS", k, bit, self.index(), self.index(), *unit],
            ["BITOP", self.r.choice(["AND", "OR", "XOR", "NOT", "nand"]), self.key(),
             *self.keys()],
            ["BITFIELD", k, *self.bitfield_ops()], ["BITFIELD_RO", k, "GET", "u8", "0"],
            ["GETRANGE", k, "0", "-1"], ["SETRANGE", k, self.count(), self.member()],
        ])

    def bitfield_ops(self):
        out = []
        for _ in range(self.r.randint(1, 3)):
            ty = self.r.choice(["u8", "i8", "u1", "i64", "u63", "u64", "i5", "x3", "u16"])
            at = self.r.choice(["0", "3", "#1", "#2", "100", "-1", "x"])
            op = self.r.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if op == "GET":
                out += ["GET", ty, at]
            elif op == "OVERFLOW":
                out += ["OVERFLOW", self.r.choice(["WRAP", "SAT", "FAIL", "bad"])]
            else:
                out += [op, ty, at, self.r.choice(["1", "-1", "200", "-200", "x", "127"])]
        return out

    def hll(self):
        k = self.r.choice(["h1", "h2", "h3", self.key()])
        return self.r.choice([
            ["PFADD", k, *self.members(0, 5)], ["PFCOUNT", k],
            ["PFCOUNT", k, self.r.choice(["h1", "h2", "h3"])],
            ["PFMERGE", self.r.choice(["h1", "h2", "h3"]), k], ["GET", k],
        ])

    def geo(self):
        k = self.r.choice(["g1", "g2"])
        lon = self.r.choice(["13.361389", "15.087269", "-122.4194", "0", "180", "-180",
                             "179.9", "181", "x", str(round(self.r.uniform(-180, 180), 4))])
        lat = self.r.choice(["38.115556", "37.502669", "37.7749", "0", "85.05112878",
                             "-85.05112878", "86", str(round(self.r.uniform(-85, 85), 4))])
        unit = self.r.choice(["m", "km", "mi", "ft", "KM", "yd"])
        rad = self.r.choice(["0", "100", "500", "10000", "20000", "-1", "inf", "x"])
        frm = self.r.choice([["FROMLONLAT", lon, lat], ["FROMMEMBER", self.member()]])
        by = self.r.choice([["BYRADIUS", rad, unit], ["BYBOX", rad, self.r.choice(["1", "900"]),
                                                      unit]])
        opts = [o for o in ("WITHDIST", "WITHCOORD", "WITHHASH", "ASC", "DESC", "ANY")
                if self.r.random() < 0.25]
        if self.r.random() < 0.4:
            opts += ["COUNT", self.r.choice(["1", "2", "3", "10", "0"])]
        self.r.shuffle(opts)
        store = self.r.choice([[], ["STORE", self.r.choice(["g1", "g2", "gd"])],
                               ["STOREDIST", self.r.choice(["g1", "g2", "gd"])]])
        return self.r.choice([
            ["GEOADD", k, *self.r.choice([[], ["NX"], ["XX"], ["CH"], ["XX", "CH"]]), lon, lat,
             self.member()],
            ["GEOADD", k, lon, lat, self.member(), lon, lat, self.member()],
            ["GEODIST", k, self.member(), self.member(), unit],
            ["GEOPOS", k, *self.members()], ["GEOHASH", k, *self.members()],
            ["GEOSEARCH", k, *frm, *by, *opts],
            ["GEOSEARCH", k, "FROMLONLAT", lon, lat, "BYRADIUS",
             self.r.choice(["100", "500", "10000"]), unit, "ASC", "WITHDIST", "WITHCOORD"],
            ["GEOSEARCH", k, "FROMMEMBER", self.member(), "BYBOX", "400", "400", "km", "DESC",
             "COUNT", "3"],
            ["GEORADIUS", k, lon, lat, "200", "km", "WITHDIST", "ASC"],
            ["GEORADIUS" + self.r.choice(["", "_RO"]), k, lon, lat, rad, unit, *opts, *store],
            ["GEORADIUSBYMEMBER" + self.r.choice(["", "_RO"]), k, self.member(), rad, unit,
             *opts, *store],
            ["GEOSEARCHSTORE", self.r.choice(["g1", "g2", "gd"]), k, *frm, *by,
             *[o for o in opts if not o.startswith("WITH")],
             *self.r.choice([[], ["STOREDIST"]])],
            ["GEOSEARCHSTORE", self.r.choice(["g1", "g2"]), k, "FROMLONLAT", lon, lat,
             "BYRADIUS", "1000", "km", "STOREDIST"],
            ["ZRANGE", self.r.choice([k, "gd"]), "0", "-1", "WITHSCORES"],
        ])

    def stream(self):
        k = self.r.choice(["s1", "s2"])
        ms = str(self.r.randint(0, 30))
        rid = self.r.choice([ms + "-" + str(self.r.randint(0, 3)), ms, "0-0", "-", "+", "x",
                             "(" + ms, "$", ">"])
        return self.r.choice([
            ["XADD", k, ms + "-" + str(self.r.randint(0, 3)), "f", self.member()],
            ["XADD", k, *self.r.choice([[], ["NOMKSTREAM"]]),
             *self.r.choice([[], ["MAXLEN", self.count()], ["MINID", rid]]), ms + "-*",
             "f", "v", "g", self.member()],
            ["XLEN", k], ["XRANGE", k, rid, rid], ["XRANGE", k, "-", "+", "COUNT", self.count()],
            ["XREVRANGE", k, "+", "-", "COUNT", self.count()], ["XDEL", k, rid, rid],
            ["XTRIM", k, self.r.choice(["MAXLEN", "MINID"]), self.r.choice(["", "=", "~"]) or "=",
             self.count() if self.r.random() < 0.5 else rid],
            ["XGROUP", "CREATE", k, self.r.choice(["g1", "g2"]), self.r.choice(["0", "$", rid]),
             *self.r.choice([[], ["MKSTREAM"], ["ENTRIESREAD", self.count()]])],
            ["XGROUP", "SETID", k, "g1", rid], ["XGROUP", "DESTROY", k, "g2"],
            ["XGROUP", "CREATECONSUMER", k, "g1", "c" + str(self.r.randint(1, 3))],
            ["XGROUP", "DELCONSUMER", k, "g1", "c" + str(self.r.randint(1, 3))],
            ["XREADGROUP", "GROUP", "g1", "c" + str(self.r.randint(1, 3)), "COUNT",
             self.count(), *self.r.choice([[], ["NOACK"]]), "STREAMS", k,
             self.r.choice([">", "0", rid])],
            ["XACK", k, "g1", rid, rid], ["XPENDING", k, "g1"],
            ["XINFO", "STREAM", k], ["XREAD", "COUNT", self.count(), "STREAMS", k, rid],
            ["XSETID", k, rid], ["XAUTOCLAIM", k, "g1", "c1", "0", rid, "COUNT", "2", "JUSTID"],
            ["XCLAIM", k, "g1", "c2", "0", rid, "JUSTID"],
        ])

    def zadd_flags(self):
        out = []
        for f in ("NX", "XX", "GT", "LT", "CH", "INCR"):
            if self.r.random() < 0.12:
                out.append(f)
        return out

    def ws(self):
        return ["WITHSCORES"] if self.r.random() < 0.5 else []

    def limit2(self):
        return ["LIMIT", self.count(), self.count()] if self.r.random() < 0.3 else []

    def zrange(self, k, name, lex=False):
        mode = self.r.choice(["", "BYLEX"]) if lex else self.r.choice(["", "BYSCORE"])
        if mode == "BYSCORE":
            a, b = self.range_score(), self.range_score()
        elif mode == "BYLEX":
            a, b = self.lex(), self.lex()
        else:
            a, b = self.index(), self.index()
        c = [name, k, a, b]
        if mode:
            c.append(mode)
        if self.r.random() < 0.3:
            c.append("REV")
        c += self.limit2()
        c += self.ws()
        return c

    def zsetop(self, name, ks):
        c = [name, str(len(ks)), *ks]
        if self.r.random() < 0.3:
            c += ["WEIGHTS", *[self.score() for _ in ks]]
        if self.r.random() < 0.3:
            c += ["AGGREGATE", self.r.choice(["SUM", "MIN", "MAX", "avg"])]
        c += ["WITHSCORES"]
        return c

    def generic(self):
        k = self.key()
        return self.r.choice([
            ["DEL", *self.keys()], ["EXISTS", *self.keys()], ["TYPE", k],
            ["OBJECT", "ENCODING", k], ["RENAME", k, self.key()], ["COPY", k, self.key()],
            ["COPY", k, self.key(), "REPLACE"], ["DEBUG", "DIGEST-VALUE", k], ["DBSIZE"],
            ["UNLINK", k],
        ])

    def command(self, families):
        names = list(families)
        fam = self.r.choices(names, weights=[FAMILIES[n] for n in names])[0]
        return getattr(self, fam)()


# Family -> weight.
FAMILIES = {"string": 1, "lst": 3, "hsh": 3, "st": 3, "zs": 4, "zlex": 2, "generic": 1,
            "stream": 3, "expiry": 2, "lua": 2, "bits": 2, "hll": 1, "geo": 1}
DEFAULT_FAMILIES = "string,lst,hsh,st,zs,zlex,generic,stream,expiry,bits,hll,lua,geo"


def run_seed(seed, ops, ca, cr, families, history_len=30, wide=False):
    rng = random.Random(seed)
    g = Gen(rng, wide)
    hist = []
    for conn in (ca, cr):
        conn.send(["DISCARD"])
        conn.reply()
        conn.send(["FLUSHALL"])
        conn.reply()
        conn.send(["SCRIPT", "FLUSH"])
        conn.reply()
    queued = None  # command lines queued since MULTI, to normalise EXEC's reply element-wise
    for i in range(ops):
        if queued is None and rng.random() < 0.02:
            cmd = ["MULTI"]
        elif queued is not None and (len(queued) >= 4 or rng.random() < 0.3):
            cmd = ["EXEC"] if rng.random() < 0.9 else ["DISCARD"]
        else:
            cmd = g.command(families) if i % 25 or queued is not None else ["DEBUG", "DIGEST"]
        hist.append(cmd)
        ca.send(cmd)
        cr.send(cmd)
        a, b = ca.reply(), cr.reply()
        name = cmd[0].upper()
        if name == "EXEC" and queued is not None and isinstance(a[1], list) \
                and isinstance(b[1], list) and len(a[1]) == len(b[1]) == len(queued):
            a = (a[0], [normalise_cmd(q, x) for q, x in zip(queued, a[1])])
            b = (b[0], [normalise_cmd(q, x) for q, x in zip(queued, b[1])])
        if name == "MULTI":
            queued = []
        elif name in ("EXEC", "DISCARD"):
            queued = None
        elif queued is not None:
            queued.append(cmd)
        if normalise_cmd(cmd, a) != normalise_cmd(cmd, b) and not redis_errno_bug(cmd, a, b):
            print(f"seed {seed} op {i}: {cmd}")
            print(f"  carmine: {a}")
            print(f"  redis:   {b}")
            print("  history:")
            for h in hist[-history_len:]:
                print("   ", " ".join(repr(x) if (" " in x or not x) else x for x in h))
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--redis-thresholds", action="store_true",
                    help="Redis's default encoding thresholds instead of tiny ones")
    ap.add_argument("--wide", action="store_true",
                    help="large member pool: collections reach their big encodings")
    ap.add_argument("--keep-going", action="store_true",
                    help="after a difference, go on with the next seed (fresh data)")
    ap.add_argument("--ops", type=int, default=3000)
    ap.add_argument("--resp3", action="store_true")
    ap.add_argument("--families", default=DEFAULT_FAMILIES,
                    help=f"comma-separated, of: {', '.join(FAMILIES)}")
    ap.add_argument("--ports", help="carmine,redis (default: two free ports)")
    ap.add_argument("--carmine", default=os.path.join(ROOT, "target/release/carmine"))
    args = ap.parse_args()
    pa, pr = (int(p) for p in args.ports.split(",")) if args.ports else free_ports(2)
    work = tempfile.mkdtemp(prefix="difffuzz-")
    config = [] if args.redis_thresholds else CONFIG
    procs = [start("carmine", args.carmine, pa, work, config),
             start("redis", "redis-server", pr, work, config)]
    ok = True
    try:
        ca, cr = Conn(pa), Conn(pr)
        if args.resp3:
            for c in (ca, cr):
                c.send(["HELLO", "3"])
                c.reply()
        seeds = ([args.seed] if args.seed is not None
                 else range(args.first_seed, args.first_seed + args.seeds))
        failed = 0
        for s in seeds:
            if not run_seed(s, args.ops, ca, cr, args.families.split(","), wide=args.wide):
                ok = False
                failed += 1
                if not args.keep_going:
                    break
        if ok:
            print(f"{len(seeds)} seeds x {args.ops} ops: identical")
        elif args.keep_going:
            print(f"{failed} of {len(seeds)} seeds differed")
    finally:
        for p in procs:
            p.kill()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
