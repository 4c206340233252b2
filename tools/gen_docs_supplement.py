#!/usr/bin/env python3
"""Extract from a real Redis 7.0.15 the command metadata shared/redis-commands.json lacks.

Usage:
    python3 tools/gen_docs_supplement.py [--port P] [--json ../shared/redis-commands.json]
                                         [--out tools/command_docs_supplement.json]

With --port, connects to a redis-server already listening on 127.0.0.1:P; without it, starts
`redis-server` (from PATH) on a free port with no persistence and shuts it down afterwards.
The server must be Redis 7.0.15 (checked through HELLO); its command metadata is BSD-3 licensed.

The script reads COMMAND DOCS and COMMAND INFO for every command over RESP3 and writes, per full
command name ("get", "config|get"), only the fields the JSON does not carry:

    summary           COMMAND DOCS summary
    complexity        COMMAND DOCS complexity
    history           [[version, text], ...] in Redis's order
    doc_flags         ["deprecated", "syscmd"] as Redis lists them
    replaced_by       COMMAND DOCS replaced_by
    deprecated_since  only when the JSON has none for that command
    key_spec_notes    {"<key-spec index>": note} from COMMAND INFO
    arg_fields        {"<arg path>": {field: value}} for argument fields the JSON does not model
                      (summary, display_text); the path joins argument names with "/"

Empty fields are left out, and so are commands with nothing to add. The output is sorted JSON
(deterministic for a given server). Only the Python standard library is used.
"""

import json
import os
import socket
import subprocess
import sys
import time

# Argument fields that tools/gen_spec.py already takes from the JSON.
KNOWN_ARG_FIELDS = {
    "name", "type", "key_spec_index", "token", "since", "deprecated_since", "flags", "arguments",
}
# Command-doc fields that tools/gen_spec.py already takes from the JSON.
KNOWN_DOC_FIELDS = {"since", "group", "arguments", "subcommands", "deprecated_since"}
SUPPLEMENT_DOC_FIELDS = ["summary", "complexity", "doc_flags", "replaced_by", "history"]
EXPECTED_VERSION = "7.0.15"


class RespError(Exception):
    pass


class Conn:
    """A blocking RESP connection with a tiny RESP2/RESP3 reply parser."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def command(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RespError("connection closed")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+",):
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            if kind == b"!":
                raise RespError(data.decode())
            return data.decode()
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind in (b",", b"("):
            return rest.decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if kind == b"%":
            n = int(rest)
            pairs = []
            for _ in range(n):
                k = self.read()
                pairs.append((k, self.read()))
            return Pairs(pairs)
        raise RespError("unexpected reply type %r" % kind)


class Pairs(list):
    """A RESP3 map as a list of (key, value) pairs, keeping the server's order."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def keys(self):
        return [k for k, _ in self]


def as_pairs(v):
    """A map reply in either protocol (RESP2 flattens maps into arrays)."""
    if isinstance(v, Pairs):
        return v
    if isinstance(v, list) and len(v) % 2 == 0:
        return Pairs(zip(v[0::2], v[1::2]))
    raise RespError("expected a map, got %r" % (v,))


def start_server():
    """Starts a throwaway redis-server on a free port; returns (process, port)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", os.environ.get("TMPDIR", "/tmp")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RespError("redis-server did not start on port %d" % port)


def arg_fields(args, prefix, out):
    for a in args or []:
        a = as_pairs(a)
        path = prefix + a.get("name")
        extra = {k: v for k, v in a if k not in KNOWN_ARG_FIELDS}
        if extra:
            if path in out:
                raise RespError("ambiguous argument path %s" % path)
            out[path] = extra
        arg_fields(a.get("arguments"), path + "/", out)


def json_deprecations(path):
    """Full command name -> deprecated_since, from shared/redis-commands.json."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = {}
    for c in data["commands"]:
        name = c["name"].lower()
        if c.get("container"):
            name = c["container"].lower() + "|" + name
        out[name] = c.get("deprecated_since")
    return out


def collect_docs(name, doc, json_dep, result):
    doc = as_pairs(doc)
    entry = {}
    for field in SUPPLEMENT_DOC_FIELDS:
        v = doc.get(field)
        if v in (None, "", []):
            continue
        if field == "history":
            v = [list(h) for h in v]
        entry[field] = v
    dep = doc.get("deprecated_since")
    if dep is not None and json_dep.get(name) is None:
        entry["deprecated_since"] = dep
    unknown = [k for k in doc.keys() if k not in KNOWN_DOC_FIELDS
               and k not in SUPPLEMENT_DOC_FIELDS and k != "module"]
    if unknown:
        print("warning: %s: unhandled doc fields %s" % (name, unknown), file=sys.stderr)
    args = {}
    arg_fields(doc.get("arguments"), "", args)
    if args:
        entry["arg_fields"] = args
    if entry:
        result.setdefault(name, {}).update(entry)
    subs = doc.get("subcommands")
    if subs is not None:
        for sub_name, sub_doc in as_pairs(subs):
            collect_docs(sub_name, sub_doc, json_dep, result)


def collect_info(info, result):
    name = info[0]
    notes = {}
    for i, ks in enumerate(info[8] or []):
        note = as_pairs(ks).get("notes")
        if note:
            notes[str(i)] = note
    if notes:
        result.setdefault(name, {})["key_spec_notes"] = notes
    for sub in info[9] or []:
        collect_info(sub, result)


def main(argv):
    usage = ("usage: gen_docs_supplement.py [--port P] [--json INPUT.json] [--out OUTPUT.json]\n"
             "Writes the COMMAND DOCS/INFO fields shared/redis-commands.json lacks, taken from "
             "a real Redis 7.0.15.")
    here = os.path.dirname(os.path.abspath(__file__))
    opts = {
        "--port": None,
        "--json": os.path.join(here, "..", "..", "shared", "redis-commands.json"),
        "--out": os.path.join(here, "command_docs_supplement.json"),
    }
    args = argv[1:]
    if "-h" in args or "--help" in args:
        print(usage)
        return 0
    while args:
        if args[0] not in opts or len(args) < 2:
            print(usage, file=sys.stderr)
            return 2
        opts[args[0]] = args[1]
        args = args[2:]
    proc = None
    try:
        json_dep = json_deprecations(opts["--json"])
        if opts["--port"] is None:
            proc, port = start_server()
        else:
            port = int(opts["--port"])
        conn = Conn(port)
        hello = as_pairs(conn.command("HELLO", "3"))
        if hello.get("version") != EXPECTED_VERSION:
            raise RespError("server is Redis %s, not %s" % (hello.get("version"),
                                                             EXPECTED_VERSION))
        result = {}
        for name, doc in as_pairs(conn.command("COMMAND", "DOCS")):
            collect_docs(name, doc, json_dep, result)
        for info in conn.command("COMMAND", "INFO"):
            collect_info(info, result)
        if proc is not None:
            try:
                conn.command("SHUTDOWN", "NOSAVE")
            except (RespError, OSError):
                pass
    except (OSError, ValueError, KeyError, RespError) as e:
        print("gen_docs_supplement.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    missing = sorted(n for n in result if n not in json_dep)
    if missing:
        print("warning: not in the JSON: %s" % ", ".join(missing), file=sys.stderr)
    text = json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(opts["--out"], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
