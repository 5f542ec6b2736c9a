// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../../src/IVerifier.sol";

/// @title TestOnlyEchoVerifier
/// @notice UNIT-TEST DOUBLE, never deployed outside forge tests: stands in for the generated
/// `Verifier.sol` until real block proofs exist (testdata/block_proofs.json, see
/// test/ProveBlocks.t.sol). It has block sizes 8 and 32 (more on request) and "accepts" a block proof iff the proof
/// echoes what it is checked against: `proof[0] == input` and `proof[1] == chunks`. That keeps the
/// Rollup's own logic testable (which public input it computes, how it groups blocks into batches,
/// that a wrong input or a failing batch is refused) without pretending to check a SNARK. Exit
/// proofs are passed to `exitVerifier`, the real generated Verifier.sol (or refused if it is 0), so
/// that exodus after executed blocks runs with real exit proofs.
contract TestOnlyEchoVerifier is IVerifier {
    /// @inheritdoc IVerifier
    bool public immutable DEV_KEYS;
    /// @notice Where exit proofs go (the real verifier); address 0 refuses them all.
    IVerifier public immutable exitVerifier;

    /// @notice The block sizes it "has keys" for: 8 and 32, plus any added with `addBlockSize`.
    mapping(uint256 chunks => bool) public hasSize;

    constructor(bool devKeys, IVerifier exitVerifier_) {
        DEV_KEYS = devKeys;
        exitVerifier = exitVerifier_;
        hasSize[8] = true;
        hasSize[32] = true;
    }

    /// @notice Adds a block size (gas benchmarks of large blocks).
    function addBlockSize(uint256 chunks) external {
        hasSize[chunks] = true;
    }

    /// @notice The echo proof of a block: `[input, chunks, 0, …]`.
    function echoProof(uint256 chunks, uint256 input) external pure returns (uint256[8] memory proof) {
        proof[0] = input;
        proof[1] = chunks;
    }

    function isBlockSize(uint256 chunks) external view returns (bool) {
        return hasSize[chunks];
    }

    function verifyBlock(uint256 chunks, uint256[8] calldata proof, uint256 input) external view returns (bool) {
        require(hasSize[chunks], "TestOnlyEchoVerifier: unknown block size");
        return proof[0] == input && proof[1] == chunks;
    }

    function verifyBlocks(uint256 chunks, uint256[8][] calldata proofs, uint256[] calldata inputs)
        external
        view
        returns (bool)
    {
        require(hasSize[chunks], "TestOnlyEchoVerifier: unknown block size");
        if (proofs.length == 0 || proofs.length != inputs.length) return false;
        for (uint256 i = 0; i < proofs.length; i++) {
            if (proofs[i][0] != inputs[i] || proofs[i][1] != chunks) return false;
        }
        return true;
    }

    function verify_exit(uint256[8] calldata proof, uint256[5] calldata input) external view returns (bool) {
        if (address(exitVerifier) == address(0)) return false;
        return exitVerifier.verify_exit(proof, input);
    }
}
