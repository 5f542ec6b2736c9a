// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title IVerifier
/// @notice The part of the generated Groth16 verifier (`Verifier.sol`, exported by
/// `zkpay keygen --export-verifier` from `keys/*.vk.json`, docs/protocol.md §12) that the Rollup
/// calls. Block sizes are whatever `block_<chunks>` keys were exported; the Rollup never assumes one.
interface IVerifier {
    /// @notice True iff some exported key is an insecure dev key (from the public seed).
    function DEV_KEYS() external view returns (bool);

    /// @notice Whether blocks of `chunks` chunks have a verifying key.
    function isBlockSize(uint256 chunks) external view returns (bool);

    /// @notice Checks one block proof for the block's public input (`uint256(commitment) >> 3`).
    function verifyBlock(uint256 chunks, uint256[8] calldata proof, uint256 input) external view returns (bool);

    /// @notice Checks `proofs[i]` for `inputs[i]`, all blocks of `chunks` chunks, with one pairing call.
    function verifyBlocks(uint256 chunks, uint256[8][] calldata proofs, uint256[] calldata inputs)
        external
        view
        returns (bool);

    /// @notice Checks an exit proof for `[stateRoot, accountId, owner, tokenId, amount]`.
    function verify_exit(uint256[8] calldata proof, uint256[5] calldata input) external view returns (bool);
}
