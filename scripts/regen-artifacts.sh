#!/usr/bin/env bash
# Regenerates contracts/artifacts/*.json, the ABIs (and creation bytecode where Rust deploys the
# contract) that zkpay-l1's bindings (`sol!`) are built from, with the pinned solcjs through
# contracts/scripts/compile.js. Run it after changing any contract under contracts/src (or the test
# token); `cargo test --workspace --test l1_artifacts` fails until the committed files match.
set -euo pipefail
cd "$(dirname "$0")/../contracts"

# name  source                    keep-bytecode
ARTIFACTS=(
  "Rollup         src/Rollup.sol            no"
  "Governance     src/Governance.sol        no"
  "DeployFactory  src/DeployFactory.sol     yes"
  "Verifier       src/Verifier.sol          yes"
  "TestERC20      test/tokens/TestTokens.sol yes"
)

for line in "${ARTIFACTS[@]}"; do
  read -r name source bytecode <<<"$line"
  node scripts/compile.js "$source" "$name" | node -e '
    const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const out = { contractName: c.contractName, solcVersion: c.solcVersion, abi: c.abi };
    if (process.argv[1] === "yes") out.bytecode = c.bytecode;
    process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  ' "$bytecode" > "artifacts/$name.json"
  echo "contracts/artifacts/$name.json" >&2
done
