#!/usr/bin/env bash
# The main job. Today: the primitives benchmark (release build), our code against the reference
# crates on the same inputs. Later issues turn this into the local rollup (`zkpay dev`).
# Extra arguments go to `zkpay bench primitives`, e.g. `--json`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
cargo build --release --locked -p zkpay-server --bin zkpay
exec "$CARGO_TARGET_DIR/release/zkpay" bench primitives "$@"
