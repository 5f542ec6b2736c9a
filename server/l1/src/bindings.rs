//! `sol!` bindings generated from the contracts' ABIs in `contracts/artifacts/` (written by
//! `scripts/regen-artifacts.sh` with the pinned solcjs; the `l1_artifacts` test fails when they
//! fall behind the sources). The ones Rust deploys also carry their creation bytecode.
#![allow(missing_docs, clippy::too_many_arguments)]

use alloy::sol;

sol!(
    #[sol(rpc, all_derives)]
    Rollup,
    "../../contracts/artifacts/Rollup.json"
);

sol!(
    #[sol(rpc, all_derives)]
    Governance,
    "../../contracts/artifacts/Governance.json"
);

sol!(
    #[sol(rpc, all_derives)]
    DeployFactory,
    "../../contracts/artifacts/DeployFactory.json"
);

sol!(
    #[sol(rpc, all_derives)]
    Verifier,
    "../../contracts/artifacts/Verifier.json"
);

sol!(
    #[sol(rpc, all_derives)]
    TestERC20,
    "../../contracts/artifacts/TestERC20.json"
);

sol!(
    /// The optional metadata part of ERC-20 (EIP-20's `symbol` and `decimals`).
    #[sol(rpc)]
    interface IERC20Metadata {
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
    }
);
