#!/usr/bin/env bash
# Real-client compatibility suite: runs the Node tests in tests/node/ (ioredis, node-redis,
# connect-redis with express-session, BullMQ) against a running server with Node's built-in test
# runner.
#
# By default it builds carmine (debug), starts it on a free port with a temporary dir, runs the
# MAIN list below with REDIS_PORT set, and stops it.
#
#   tools/node-tests.sh                     MAIN list against a fresh carmine
#   tools/node-tests.sh --pending           PENDING list only (features not merged yet)
#   tools/node-tests.sh --all               MAIN then PENDING
#   tools/node-tests.sh --against-redis     start a real redis-server instead of carmine (every test
#                                           must pass there first: it is the oracle)
#   REDIS_URL=redis://127.0.0.1:7500 tools/node-tests.sh   use a server that is already running
#   tools/node-tests.sh [options] FILE...   only these files (names relative to tests/node/)
#
# Installs tests/node/node_modules with `npm ci` when it is missing or older than the lockfile.
# Every file is named in a list: a file that is in neither list is an error, not a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
NODE_DIR="$ROOT/tests/node"

# Files that must pass against carmine today.
MAIN=(
  ioredis-types.test.mjs
  ioredis-transactions.test.mjs
  ioredis-pubsub.test.mjs
  ioredis-scan.test.mjs
  ioredis-reconnect.test.mjs
  ioredis-server.test.mjs
  node-redis-resp2.test.mjs
  node-redis-resp3.test.mjs
  node-redis-pubsub.test.mjs
  connect-redis-session.test.mjs
  node-redis-client-side-cache.test.mjs
  raw-resp3-tracking.test.mjs
  ioredis-streams.test.mjs
  ioredis-lua.test.mjs
  node-redis-scripting.test.mjs
  bullmq-queue.test.mjs
  bullmq-advanced.test.mjs
)

# Files that need features not in carmine yet (none at the moment). Not run by default;
# `--pending` runs them. Move a file to MAIN when its feature lands.
PENDING=(
)

mode=main
against=carmine
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pending) mode=pending ;;
    --all) mode=all ;;
    --against-redis) against=redis ;;
    -h | --help)
      sed -n '2,18p' "$0"
      exit 0
      ;;
    -*)
      echo "node-tests: unknown option $1" >&2
      exit 2
      ;;
    *) files+=("$1") ;;
  esac
  shift
done

if [ ${#files[@]} -eq 0 ]; then
  case "$mode" in
    main) files=("${MAIN[@]}") ;;
    pending) files=("${PENDING[@]}") ;;
    all) files=("${MAIN[@]}" "${PENDING[@]}") ;;
  esac
fi

# Every test file on disk must be in one of the lists, and every listed file must exist.
listed=" ${MAIN[*]} ${PENDING[*]} "
for f in "$NODE_DIR"/*.test.mjs; do
  name=$(basename "$f")
  case "$listed" in
    *" $name "*) ;;
    *)
      echo "node-tests: $name is in neither MAIN nor PENDING in tools/node-tests.sh" >&2
      exit 2
      ;;
  esac
done
for name in "${files[@]}"; do
  if [ ! -f "$NODE_DIR/$name" ]; then
    echo "node-tests: no such test file tests/node/$name" >&2
    exit 2
  fi
done

if ! command -v node >/dev/null 2>&1; then
  echo "node-tests: node is not installed (apt-get install nodejs npm)" >&2
  exit 2
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  # ioredis 6, node-redis 6 and the runner flags below need Node 20 or newer.
  echo "node-tests: Node $(node --version) is too old; Node 20 or newer is required" >&2
  exit 2
fi
if [ ! -d "$NODE_DIR/node_modules" ] ||
  [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
  echo "node-tests: installing the client libraries (npm ci in tests/node)"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

free_port() {
  node -e 'const s=require("net").createServer();
    s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_ready() { # port pid
  node -e '
    const net = require("net");
    const [port, pid] = process.argv.slice(1).map(Number);
    const deadline = Date.now() + 15000;
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const attempt = () => {
      if (Date.now() > deadline || !alive()) process.exit(1);
      const c = net.connect(port, "127.0.0.1");
      c.on("connect", () => c.write("PING\r\n"));
      c.on("data", d => { c.destroy(); if (d.toString().startsWith("+PONG")) process.exit(0);
        setTimeout(attempt, 50); });
      c.on("error", () => setTimeout(attempt, 50));
    };
    attempt();' "$1" "$2"
}

server_pid=""
tmpdir=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$tmpdir" ]; then rm -rf "$tmpdir"; fi
}
trap cleanup EXIT

if [ -n "${REDIS_URL:-}" ]; then
  hostport=${REDIS_URL#redis://}
  hostport=${hostport%%/*}
  export REDIS_HOST=${hostport%%:*}
  export REDIS_PORT=${hostport##*:}
  export CARMINE_TARGET=${CARMINE_TARGET:-external}
  echo "node-tests: using the server at $REDIS_HOST:$REDIS_PORT"
else
  tmpdir=$(mktemp -d /tmp/carmine-node-tests.XXXXXX)
  port=$(free_port)
  if [ "$against" = redis ]; then
    redis-server --version
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmpdir" \
      --enable-debug-command yes >"$tmpdir/server.log" 2>&1 &
  else
    cargo build --quiet --bin carmine
    "$ROOT/target/debug/carmine" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$tmpdir" --enable-debug-command yes >"$tmpdir/server.log" 2>&1 &
  fi
  server_pid=$!
  if ! wait_ready "$port" "$server_pid"; then
    echo "node-tests: $against did not start on port $port" >&2
    cat "$tmpdir/server.log" >&2
    exit 1
  fi
  export REDIS_HOST=127.0.0.1
  export REDIS_PORT=$port
  export CARMINE_TARGET=$against
  echo "node-tests: $against on port $port"
fi

cd "$NODE_DIR"
status=0
node --test --test-reporter=spec --test-concurrency=2 --test-timeout=120000 --test-force-exit \
  "${files[@]}" ||
  status=$?
if [ $status -ne 0 ] && [ -z "${REDIS_URL:-}" ]; then
  echo "--- last lines of the $against log ---"
  tail -n 30 "$tmpdir/server.log" || true
fi
exit $status
