#!/usr/bin/env bash
# Runs carmine's whole test suite: unit, harness, integration and differential tests.
# The differential tests compare replies with real Redis 7.0, so redis-server must be on PATH;
# this script installs it from Debian's packages when it is missing (root or sudo needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing redis-server and redis-tools (Debian packages)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi
redis-server --version
cargo test --all-targets "$@"
