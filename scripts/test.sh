#!/usr/bin/env bash
# Run every test of the project. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "[test] cargo test --workspace (target dir: $CARGO_TARGET_DIR)" >&2
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole run (cargo's own last line is a doc-test binary's, often "0 passed").
awk '/^test result:/ { p += $4; f += $6 } END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
