#!/usr/bin/env bash
# Run every test of the project: the Rust workspace, then the Solidity tests with forge. Installs
# what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Style and lints first: they fail in seconds, before the long test run.
echo "[test] cargo fmt --check" >&2
cargo fmt --all --check
echo "[test] cargo clippy -D warnings" >&2
cargo clippy --workspace --all-targets --locked -q -- -D warnings

# The SDK a merchant embeds stays light: no storage engine, web server, prover or L1 stack.
echo "[test] zkpay-client's dependency tree" >&2
banned="$(cargo tree -p zkpay-client -e normal --prefix none --locked | sed 's/ .*//' | sort -u \
  | grep -E '^(rocksdb|librocksdb-sys|actix|actix-web|bellman_ce|alloy)$' || true)"
if [ -n "$banned" ]; then
  echo "[test] zkpay-client depends on: $banned" >&2
  exit 1
fi

echo "[test] cargo test --workspace (target dir: $CARGO_TARGET_DIR)" >&2
cargo test --workspace --locked 2>&1 | tee "$log"

# The schema fuzzer against a running node: no 5xx, every answer as /v1/openapi.json documents.
echo "[test] schema fuzzing of the API (scripts/api-fuzz.sh)" >&2
./scripts/api-fuzz.sh

# The Solidity tests: forge from the pinned npm package, compiling through contracts/scripts/solc
# (a solcjs shim; foundry.toml names it relative to contracts/, so forge runs from there).
FORGE="contracts/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
if [ ! -x "$FORGE" ]; then
  echo "[test] $FORGE is missing: run scripts/setup.sh (npm ci in contracts/)" >&2
  exit 1
fi
echo "[test] forge test (contracts/)" >&2
(cd contracts && ./node_modules/@foundry-rs/forge-linux-amd64/bin/forge test) 2>&1 | tee -a "$log"

# One closing line for the whole run over every cargo test binary and forge suite (cargo's own
# last line is a doc-test binary's, often "0 passed").
awk '/^(test|Suite) result:/ { p += $4; f += $6 } END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
