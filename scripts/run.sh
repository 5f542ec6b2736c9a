#!/usr/bin/env bash
# The main job. Today: a local rollup end to end on anvil (`zkpay bench l1-gas`, release build):
# deploy the contracts, deposit, seal and prove blocks with the dev keys (generated into the cache
# on the first run, ~2 min), commit, verify, execute, withdraw, then exodus with a state restored
# from L1 and a real exit proof — printing the L1 gas of each step. Later issues turn this into the
# long-running local rollup (`zkpay dev`). Extra arguments go to the bench, e.g. `--json`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
cargo build --release --locked -p zkpay-cli --bin zkpay
exec "$CARGO_TARGET_DIR/release/zkpay" bench l1-gas "$@"
