#!/usr/bin/env bash
# Regenerates the L1 contracts' fixtures, in one go, from the Rust code and the committed keys:
#   contracts/src/Verifier.sol  — `zkpay keygen --export-verifier` over keys/*.vk.json
#                                 (checked by circuit/tests/verifier_committed.rs)
#   testdata/exit_proofs.json   — real exit proofs (dev exit keys, public seed) of balances after the
#                                 last block of testdata/block_vectors.json
#                                 (ZKPAY_REGEN=1 circuit/tests/exit_fixture.rs, which then checks it)
#   testdata/block_proofs.json  — real block proofs of the three vector blocks (32, 32 and 8 chunks)
#                                 under the committed keys/block_{8,32}.vk.json
#                                 (ZKPAY_REGEN=1 circuit/tests/block_fixtures.rs, which then checks it)
# and checks them (the same tests without ZKPAY_REGEN are the staleness checks `cargo test` runs).
# The block proofs need the proving keys keys/block_8.pk and keys/block_32.pk: they are generated
# first if missing (`zkpay keygen` writes the same dev keys on every run; block_32 takes minutes and
# ~2 GB). Run scripts/regen-vectors.sh first if the block vectors changed. Proofs are randomised, so
# the proof files change on every run even when nothing else did. Review `git diff` afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run -q -p zkpay-cli --bin zkpay -- keygen --export-verifier contracts/src/Verifier.sol
# The Rust bindings deploy the Verifier from contracts/artifacts/: keep them in step.
./scripts/regen-artifacts.sh
ZKPAY_REGEN=1 cargo test -q -p zkpay-circuit --test exit_fixture
# (A pk that exists but does not match its vk is reported by the test, with the keygen command.)
if [ ! -f keys/block_8.pk ] || [ ! -f keys/block_32.pk ]; then
  echo "[regen-fixtures] keys/block_8.pk or keys/block_32.pk missing: generating the dev block keys" >&2
  cargo run --release -p zkpay-cli --bin zkpay -- keygen --circuits block --block-sizes 8,32
fi
ZKPAY_REGEN=1 cargo test -q -p zkpay-circuit --test block_fixtures
cargo test -q -p zkpay-circuit --test verifier_committed --test exit_fixture --test block_fixtures
git status --short -- contracts/src/Verifier.sol contracts/artifacts/ testdata/
