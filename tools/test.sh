#!/usr/bin/env bash
# Runs carmine's whole test suite: unit, harness, integration and differential tests.
# The differential tests compare replies with real Redis 7.0, so redis-server must be on PATH;
# redis-cli's interactive hints are tested under tmux; this script installs what is missing
# from Debian's packages (root or sudo needed). Then the real-client suite (tools/node-tests.sh:
# ioredis, node-redis, connect-redis against carmine; needs node and npm).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
  echo "installing redis-server, redis-tools and tmux (Debian packages) for the tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools tmux >/dev/null
fi
redis-server --version
cargo test --all-targets "$@"
# Randomised differential run against real Redis (RESP2 and RESP3), on the debug build just tested.
python3 tools/difffuzz.py --seeds 30 --ops 3000 --carmine target/debug/carmine
python3 tools/difffuzz.py --seeds 15 --ops 3000 --resp3 --carmine target/debug/carmine
python3 tools/difffuzz.py --seeds 10 --ops 3000 --wide --first-seed 1000 --carmine target/debug/carmine
python3 tools/difffuzz.py --seeds 10 --ops 3000 --wide --redis-thresholds --first-seed 2000 \
  --carmine target/debug/carmine
./tools/node-tests.sh
