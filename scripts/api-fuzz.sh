#!/usr/bin/env bash
# Schema fuzzing of the node's API: schemathesis (from PyPI, pinned) reads the node's own
# /v1/openapi.json and sends requests generated from it — valid ones and broken ones — to a real
# `zkpay node` (real HTTP, real RocksDB; dev feed on, a few funded accounts). It fails if any
# request gets a 5xx, or if any answer does not conform to the document (status, content type,
# headers, body schema). scripts/test.sh runs it after the cargo tests.
#
#   scripts/api-fuzz.sh [--max-examples N] [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SCHEMATHESIS_VERSION="4.32.5"
VENV="${ZKPAY_FUZZ_VENV:-$HOME/.cache/zkpay-schemathesis-$SCHEMATHESIS_VERSION}"
MAX_EXAMPLES=100
if [ "${1:-}" = "--max-examples" ]; then MAX_EXAMPLES="$2"; shift 2; fi

log() { printf '[api-fuzz] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/schemathesis" ]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The binary of the test build (same features as `cargo test`, so nothing is compiled twice).
ZKPAY="$CARGO_TARGET_DIR/debug/zkpay"
if [ ! -x "$ZKPAY" ] || [ -n "$(find server core circuit -name '*.rs' -newer "$ZKPAY" -print -quit)" ]; then
  log "building zkpay"
  cargo build --workspace --tests --locked -q
fi

work="$(mktemp -d)"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# One token for the admin and the prover routes, so that the fuzzer gets past both.
TOKEN="fuzz-token"
export ZKPAY_DATA_DIR="$work/db" ZKPAY_LISTEN="127.0.0.1:0" ZKPAY_KEYS_DIR="keys" ZKPAY_DEV_FEED=true \
  ZKPAY_TOKENS=1 ZKPAY_BLOCK_TIMEOUT_MS=100 ZKPAY_ADMIN_TOKEN="$TOKEN" ZKPAY_PROVER_TOKEN="$TOKEN" \
  RUST_LOG="${RUST_LOG:-warn}"
"$ZKPAY" node >"$work/stdout" 2>"$work/node.log" &
node_pid=$!
for _ in $(seq 1 200); do
  grep -q "listening on" "$work/stdout" 2>/dev/null && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; log "the node did not start"; exit 1; }
  sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$work/stdout")"
[ -n "$base" ] || { cat "$work/node.log" >&2; log "the node did not say where it listens"; exit 1; }
log "node at $base"

# Accounts 1 and 2 (deposits through the dev feed), so reads by id and address find something.
for i in 0 1; do
  b="$(printf '%02x' $((i + 1)))"
  addr="0x$(for _ in $(seq 20); do printf '%s' "$b"; done)"
  curl -sf -X POST "$base/v1/dev/priority-ops" -H 'content-type: application/json' -d "{
    \"op\": {\"serialId\": \"$i\", \"data\": {\"type\": \"Deposit\", \"from\": \"$addr\", \"to\": \"$addr\",
    \"token\": 0, \"amount\": \"1000000\"}, \"expirationBlock\": \"1000000\"},
    \"l1TxHash\": \"0x$(printf 'ab%.0s' $(seq 32))\", \"logIndex\": $i}" >/dev/null
done

# The event stream never ends, so it is checked by the Rust API suite instead (its first frame
# against the Event schema), not here.
log "schemathesis: up to $MAX_EXAMPLES examples per operation"
# From the scratch dir: schemathesis keeps its example database in the working directory.
cd "$work"
"$VENV/bin/schemathesis" run "$base/v1/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --exclude-path /v1/events \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --request-timeout 10 \
  --workers 2 \
  --suppress-health-check all \
  --no-color \
  "$@"
kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; log "the node died during the run"; exit 1; }
log "passed: no 5xx, every answer conforms to the document"
