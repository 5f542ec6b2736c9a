#!/usr/bin/env bash
# Run every test of the project. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
echo "[test] cargo test --workspace (target dir: $CARGO_TARGET_DIR)" >&2
cargo test --workspace --locked
