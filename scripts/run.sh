#!/usr/bin/env bash
# The main job: the whole rollup on this machine (`zkpay dev`) — anvil with the contracts, the node
# with its L1 pipeline and an in-process prover, funded demo wallets, the explorer — with its URLs
# printed; Ctrl-C stops everything and keeps the chain for the next start (`--reset` starts over).
# The first run builds (the same build the tests use: the dev profile, whose dependencies and
# crypto crates are optimized) and generates the dev proving keys into the cache (minutes); later
# runs start in seconds. Extra arguments go to `zkpay dev`, e.g. `--demo` (a scripted payment and
# withdrawal to finality, then exit). The benchmarks are `zkpay bench …` (README).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup.sh
# The whole workspace, as scripts/test.sh builds it: building one package alone would unify
# features differently and rebuild RocksDB's C++.
cargo build --workspace --locked -q
exec "$CARGO_TARGET_DIR/debug/zkpay" dev "$@"
