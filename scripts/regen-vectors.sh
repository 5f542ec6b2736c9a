#!/usr/bin/env bash
# Regenerates every test-vector file that zkpay-core generates, from the Rust code, in one go:
#   testdata/tx_op_vectors.json   (zkpay_core::vectors::tx_and_op_vectors, core/tests/vectors.rs)
#   testdata/block_vectors.json   (zkpay_core::vectors::block_vectors,     core/tests/block_vectors.rs)
# Each test writes its file when ZKPAY_REGEN=1 and then checks it, so the same command without the
# variable is the staleness check that `cargo test` runs anyway. Review `git diff testdata/` after
# running it: a changed vector is a protocol change.
#
# Not regenerated here:
#   core/src/poseidon_constants.bin — rewritten from poseidon-rs by
#       ZKPAY_REGEN=1 cargo test -p zkpay-core --lib constants_file
#   testdata/circomlibjs_vectors.json — produced by circomlibjs, see scripts/vectors/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ZKPAY_REGEN=1 cargo test -p zkpay-core --test vectors --test block_vectors
git status --short -- testdata/
