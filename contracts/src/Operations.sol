// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title zkpay operations as L1 sees them
/// @notice Opcodes and the pubdata of the two priority operations (docs/protocol.md §7.1, §11): the
/// bytes a request is queued with on L1 (its "L1 pubdata": the op's unpadded 43 bytes with the
/// operator-filled field zeroed) and the hash the priority queue stores, the last 20 bytes of
/// keccak256 of those bytes.
library Operations {
    /// @notice Operation codes, the first byte of every op in a block's pubdata (§7.1). 0x04 is reserved.
    enum OpType {
        Noop, // 0x00
        Deposit, // 0x01
        TransferToNew, // 0x02
        Withdraw, // 0x03
        Reserved, // 0x04, invalid
        Transfer, // 0x05
        FullExit, // 0x06
        ChangePubKey, // 0x07
        ForcedExit // 0x08
    }

    /// @notice Bytes per pubdata chunk.
    uint256 internal constant CHUNK_BYTES = 10;
    /// @notice Unpadded length of a Deposit and of a FullExit: the bytes hashed for the priority queue.
    uint256 internal constant PRIORITY_OP_BYTES = 43;
    /// @notice Chunks of a Deposit (5 × 10 bytes, the last 7 bytes zero padding).
    uint256 internal constant DEPOSIT_CHUNKS = 5;
    /// @notice Chunks of a FullExit (5 × 10 bytes, the last 7 bytes zero padding).
    uint256 internal constant FULL_EXIT_CHUNKS = 5;

    /// @notice A Deposit: `amount` of token `tokenId` credited to the account of `owner` (the L2
    /// `to` address), whose id `accountId` the operator fills in.
    struct Deposit {
        uint32 accountId;
        uint16 tokenId;
        uint128 amount;
        address owner;
    }

    /// @notice A FullExit: the whole balance of token `tokenId` of account `accountId`, owned by
    /// `owner`, paid out on L1; `amount` is what the operator paid (possibly 0).
    struct FullExit {
        uint32 accountId;
        address owner;
        uint16 tokenId;
        uint128 amount;
    }

    /// @notice `data` holds `length` bytes, too few to read `needed` bytes at `offset`.
    error PubdataTooShort(uint256 offset, uint256 needed, uint256 length);
    /// @notice The byte at the op's start is `found`, not the opcode `expected`.
    error WrongOpcode(uint8 expected, uint8 found);

    /// @notice The L1 pubdata of a Deposit request: 0x01 ‖ account_id = 0 ‖ token ‖ amount ‖ owner
    /// (43 bytes). `op.accountId` is ignored: the operator fills it in, so it is zero here.
    function depositL1Pubdata(Deposit memory op) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(OpType.Deposit), uint32(0), op.tokenId, op.amount, op.owner);
    }

    /// @notice The L1 pubdata of a FullExit request: 0x06 ‖ account_id ‖ owner ‖ token ‖ amount = 0
    /// (43 bytes). `op.amount` is ignored: the operator fills it in, so it is zero here.
    function fullExitL1Pubdata(FullExit memory op) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(OpType.FullExit), op.accountId, op.owner, op.tokenId, uint128(0));
    }

    /// @notice The hash the priority queue stores for L1 pubdata `pubdata`: the last 20 bytes of its keccak256.
    function priorityHash(bytes memory pubdata) internal pure returns (bytes20) {
        return bytes20(uint160(uint256(keccak256(pubdata))));
    }

    /// @notice The queue hash of the Deposit request `op` (account id zeroed).
    function depositHash(Deposit memory op) internal pure returns (bytes20) {
        return priorityHash(depositL1Pubdata(op));
    }

    /// @notice The queue hash of the FullExit request `op` (amount zeroed).
    function fullExitHash(FullExit memory op) internal pure returns (bytes20) {
        return priorityHash(fullExitL1Pubdata(op));
    }

    /// @notice Reads the Deposit starting at byte `offset` of a block's pubdata `data` (its 43 fields
    /// bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readDeposit(bytes memory data, uint256 offset) internal pure returns (Deposit memory op) {
        _checkOp(data, offset, OpType.Deposit);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.tokenId = uint16(_readUint(data, offset + 5, 2));
        op.amount = uint128(_readUint(data, offset + 7, 16));
        op.owner = address(uint160(_readUint(data, offset + 23, 20)));
    }

    /// @notice Reads the FullExit starting at byte `offset` of a block's pubdata `data` (its 43 fields
    /// bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readFullExit(bytes memory data, uint256 offset) internal pure returns (FullExit memory op) {
        _checkOp(data, offset, OpType.FullExit);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.owner = address(uint160(_readUint(data, offset + 5, 20)));
        op.tokenId = uint16(_readUint(data, offset + 25, 2));
        op.amount = uint128(_readUint(data, offset + 27, 16));
    }

    /// @notice Whether the Deposit `op` read from a block matches the queued hash `queued`
    /// (its operator-filled account id set to zero first).
    function depositMatches(Deposit memory op, bytes20 queued) internal pure returns (bool) {
        return depositHash(op) == queued;
    }

    /// @notice Whether the FullExit `op` read from a block matches the queued hash `queued`
    /// (its operator-filled amount set to zero first).
    function fullExitMatches(FullExit memory op, bytes20 queued) internal pure returns (bool) {
        return fullExitHash(op) == queued;
    }

    function _checkOp(bytes memory data, uint256 offset, OpType expected) private pure {
        if (offset > data.length || data.length - offset < PRIORITY_OP_BYTES) {
            revert PubdataTooShort(offset, PRIORITY_OP_BYTES, data.length);
        }
        uint8 found = uint8(data[offset]);
        if (found != uint8(expected)) revert WrongOpcode(uint8(expected), found);
    }

    /// @dev The big-endian unsigned integer in bytes [offset, offset + size) of `data`, size ≤ 32,
    /// bounds already checked by the caller.
    function _readUint(bytes memory data, uint256 offset, uint256 size) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(mul(sub(32, size), 8), mload(add(add(data, 32), offset)))
        }
    }
}
