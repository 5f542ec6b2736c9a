# Sourced by the scripts: where cargo builds. The target dir lives outside the clone so repeated
# runs (and CI on the same machine) reuse the build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zkpay-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
