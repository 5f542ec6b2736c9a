#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: checks the Rust toolchain, installs the Debian and
# npm packages the project needs, and fetches the Rust dependencies. Safe to run again and again;
# scripts/run.sh and scripts/test.sh call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages the build needs: RocksDB's bindings are generated with libclang, and its C++ is
# compiled with the system compiler. chromium is the browser the explorer's test drives
# (scripts/browser/: playwright-core downloads no browser of its own).
APT_PACKAGES=(clang libclang-dev chromium)

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install the Rust toolchain (https://rustup.rs) and run this again"
  exit 1
fi

# The test command checks formatting and lints.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || { log "rustup component add $c"; rustup component add "$c"; }
  done
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# npm projects with a lockfile: install exactly what is locked.
for dir in contracts scripts/vectors scripts/browser; do
  if [ -f "$dir/package-lock.json" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      # A fresh Debian has no Node.js: take Debian's (solcjs and the anvil/forge binaries only need
      # a working node and npm).
      SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      log "npm not found: installing Debian's nodejs and npm (needed for $dir/: solcjs, anvil, forge)"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
    fi
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "npm ci in $dir/"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done

log "fetching Rust dependencies"
cargo fetch --locked -q 2>/dev/null || cargo fetch -q
