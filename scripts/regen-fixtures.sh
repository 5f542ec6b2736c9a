#!/usr/bin/env bash
# Regenerates the L1 contracts' fixtures, in one go, from the Rust code and the committed keys:
#   contracts/src/Verifier.sol  — `zkpay keygen --export-verifier` over keys/*.vk.json
#                                 (checked by circuit/tests/verifier_committed.rs)
#   testdata/exit_proofs.json   — real exit proofs (dev exit keys, public seed) of balances after the
#                                 last block of testdata/block_vectors.json
#                                 (ZKPAY_REGEN=1 circuit/tests/exit_fixture.rs, which then checks it)
# and checks both (the same tests without ZKPAY_REGEN are the staleness checks `cargo test` runs).
# Run scripts/regen-vectors.sh first if the block vectors changed. Proofs are randomised, so the
# exit proofs change on every run even when nothing else did. Review `git diff` afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run -q -p zkpay-server --bin zkpay -- keygen --export-verifier contracts/src/Verifier.sol
ZKPAY_REGEN=1 cargo test -q -p zkpay-circuit --test exit_fixture
cargo test -q -p zkpay-circuit --test verifier_committed --test exit_fixture
git status --short -- contracts/src/Verifier.sol testdata/
