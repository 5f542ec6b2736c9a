// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "./Governance.sol";
import {IVerifier} from "./IVerifier.sol";
import {Rollup} from "./Rollup.sol";

/// @title zkpay DeployFactory
/// @notice The deploy path of a zkpay deployment, in one transaction once the generated verifier is
/// deployed: Governance (this factory as its first governor), the validator, the listed tokens
/// (ids 1, 2, … in the order given), the Rollup, and finally the governor role handed to `governor`.
/// The Rollup's constructor refuses a verifier with dev keys unless the chain is the local dev
/// chain (31337), so a dev deployment cannot reach a public chain through this path either.
contract DeployFactory {
    /// @notice The governance contract deployed.
    Governance public immutable governance;
    /// @notice The rollup contract deployed.
    Rollup public immutable rollup;

    /// @notice A deployment: its governance and rollup, the verifier it uses, its genesis root.
    event Deployed(Governance governance, Rollup rollup, IVerifier verifier, bytes32 genesisRoot);

    /// @notice Address 0 was given as governor.
    error ZeroGovernor();

    /// @param verifier The generated Verifier.sol, already deployed.
    /// @param genesisRoot The genesis state root (the operator's fee account alone, docs/protocol.md §5.4).
    /// @param governor Who governs (validators, tokens, pause) after deployment.
    /// @param validator The first validator (the node's commit/execute address); 0 for none.
    /// @param priorityExpiration How many L1 blocks a priority request may wait (dev ≈ 100).
    /// @param tokens ERC-20s to list, in token id order from 1.
    constructor(
        IVerifier verifier,
        bytes32 genesisRoot,
        address governor,
        address validator,
        uint64 priorityExpiration,
        address[] memory tokens
    ) {
        if (governor == address(0)) revert ZeroGovernor();
        Governance g = new Governance(address(this));
        if (validator != address(0)) g.setValidator(validator, true);
        for (uint256 i = 0; i < tokens.length; i++) {
            g.addToken(tokens[i]);
        }
        Rollup r = new Rollup(g, verifier, genesisRoot, priorityExpiration);
        g.changeGovernor(governor);
        governance = g;
        rollup = r;
        emit Deployed(g, r, verifier, genesisRoot);
    }
}
