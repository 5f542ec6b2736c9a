#!/usr/bin/env bash
# The main job: the whole rollup on this machine (`zkpay dev`, release build) — anvil with the
# contracts, the node with its L1 pipeline and an in-process prover, funded demo wallets — with
# its URLs printed; Ctrl-C stops everything. The first run generates the dev proving keys into the
# cache (minutes); later runs start in seconds. Extra arguments go to `zkpay dev`, e.g. `--demo`
# (a scripted payment and withdrawal to finality, then exit). The L1 gas benchmark that this
# script used to run is `zkpay bench l1-gas`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
cargo build --release --locked -p zkpay-cli --bin zkpay
exec "$CARGO_TARGET_DIR/release/zkpay" dev "$@"
