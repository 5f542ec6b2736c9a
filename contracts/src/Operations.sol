// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title zkpay operations as L1 sees them
/// @notice Opcodes, chunk counts, readers of the onchain ops in a block's pubdata (docs/protocol.md
/// §7.1), and the pubdata of the two priority operations (§11): the bytes a request is queued with
/// on L1 (its "L1 pubdata": the op's unpadded 43 bytes with the operator-filled field zeroed) and the
/// hash the priority queue stores, the last 20 bytes of keccak256 of those bytes.
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
    /// @notice Bytes of a Withdraw's fields (opcode to to_address; 5 bytes of padding follow).
    uint256 internal constant WITHDRAW_BYTES = 45;
    /// @notice Bytes of a ChangePubKey's fields (opcode to packed fee; 7 bytes of padding follow).
    uint256 internal constant CHANGE_PUBKEY_BYTES = 53;
    /// @notice Bytes of a ForcedExit's fields (opcode to target_address; 1 byte of padding follows).
    uint256 internal constant FORCED_EXIT_BYTES = 49;

    /// @notice Chunks of a Noop (1 × 10 bytes: the opcode, 9 bytes zero padding).
    uint256 internal constant NOOP_CHUNKS = 1;
    /// @notice Chunks of a Deposit (5 × 10 bytes, the last 7 bytes zero padding).
    uint256 internal constant DEPOSIT_CHUNKS = 5;
    /// @notice Chunks of a TransferToNew (4 × 10 bytes, the last 2 bytes zero padding).
    uint256 internal constant TRANSFER_TO_NEW_CHUNKS = 4;
    /// @notice Chunks of a Withdraw (5 × 10 bytes, the last 5 bytes zero padding).
    uint256 internal constant WITHDRAW_CHUNKS = 5;
    /// @notice Chunks of a Transfer (2 × 10 bytes, the last 2 bytes zero padding).
    uint256 internal constant TRANSFER_CHUNKS = 2;
    /// @notice Chunks of a FullExit (5 × 10 bytes, the last 7 bytes zero padding).
    uint256 internal constant FULL_EXIT_CHUNKS = 5;
    /// @notice Chunks of a ChangePubKey (6 × 10 bytes, the last 7 bytes zero padding).
    uint256 internal constant CHANGE_PUBKEY_CHUNKS = 6;
    /// @notice Chunks of a ForcedExit (5 × 10 bytes, the last byte zero padding).
    uint256 internal constant FORCED_EXIT_CHUNKS = 5;

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

    /// @notice A Withdraw: `amount` of token `tokenId` taken from account `accountId` and paid out on
    /// L1 to `to`; `packedFee` is the fee as packed in the pubdata (PackedFee, §4), not unpacked.
    struct Withdraw {
        uint32 accountId;
        uint16 tokenId;
        uint128 amount;
        uint16 packedFee;
        address to;
    }

    /// @notice A ChangePubKey: account `accountId`, owned by `owner`, sets its L2 key hash to
    /// `newPubKeyHash`; `nonce` is the nonce the tx was signed with (before the bump); the fee is
    /// paid in token `feeTokenId`, `packedFee` as packed in the pubdata (PackedFee, §4).
    struct ChangePubKey {
        uint32 accountId;
        bytes20 newPubKeyHash;
        address owner;
        uint32 nonce;
        uint16 feeTokenId;
        uint16 packedFee;
    }

    /// @notice A ForcedExit: account `initiatorId` (paying the fee, `packedFee` as packed in the
    /// pubdata, PackedFee §4) forces the whole balance of token `tokenId` of account `targetId` out to
    /// its owner `target` on L1; `amount` is what the op paid out (possibly 0).
    struct ForcedExit {
        uint32 initiatorId;
        uint32 targetId;
        uint16 tokenId;
        uint16 packedFee;
        uint128 amount;
        address target;
    }

    /// @notice `data` holds `length` bytes, too few to read `needed` bytes at `offset`.
    error PubdataTooShort(uint256 offset, uint256 needed, uint256 length);
    /// @notice The byte at the op's start is `found`, not the opcode `expected`.
    error WrongOpcode(uint8 expected, uint8 found);
    /// @notice `opcode` is not an operation code (0x04 is reserved, 0x09 and above are undefined).
    error UnknownOpcode(uint8 opcode);

    /// @notice The number of chunks of an op with opcode `opcode` (§7.1). Reverts with
    /// `UnknownOpcode` for 0x04 and for anything above 0x08.
    function chunks(uint8 opcode) internal pure returns (uint256) {
        if (opcode == uint8(OpType.Noop)) return NOOP_CHUNKS;
        if (opcode == uint8(OpType.Deposit)) return DEPOSIT_CHUNKS;
        if (opcode == uint8(OpType.TransferToNew)) return TRANSFER_TO_NEW_CHUNKS;
        if (opcode == uint8(OpType.Withdraw)) return WITHDRAW_CHUNKS;
        if (opcode == uint8(OpType.Transfer)) return TRANSFER_CHUNKS;
        if (opcode == uint8(OpType.FullExit)) return FULL_EXIT_CHUNKS;
        if (opcode == uint8(OpType.ChangePubKey)) return CHANGE_PUBKEY_CHUNKS;
        if (opcode == uint8(OpType.ForcedExit)) return FORCED_EXIT_CHUNKS;
        revert UnknownOpcode(opcode);
    }

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
        _checkOp(data, offset, OpType.Deposit, PRIORITY_OP_BYTES);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.tokenId = uint16(_readUint(data, offset + 5, 2));
        op.amount = uint128(_readUint(data, offset + 7, 16));
        op.owner = address(uint160(_readUint(data, offset + 23, 20)));
    }

    /// @notice Reads the FullExit starting at byte `offset` of a block's pubdata `data` (its 43 fields
    /// bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readFullExit(bytes memory data, uint256 offset) internal pure returns (FullExit memory op) {
        _checkOp(data, offset, OpType.FullExit, PRIORITY_OP_BYTES);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.owner = address(uint160(_readUint(data, offset + 5, 20)));
        op.tokenId = uint16(_readUint(data, offset + 25, 2));
        op.amount = uint128(_readUint(data, offset + 27, 16));
    }

    /// @notice Reads the Withdraw starting at byte `offset` of a block's pubdata `data` (its 45 fields
    /// bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readWithdraw(bytes memory data, uint256 offset) internal pure returns (Withdraw memory op) {
        _checkOp(data, offset, OpType.Withdraw, WITHDRAW_BYTES);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.tokenId = uint16(_readUint(data, offset + 5, 2));
        op.amount = uint128(_readUint(data, offset + 7, 16));
        op.packedFee = uint16(_readUint(data, offset + 23, 2));
        op.to = address(uint160(_readUint(data, offset + 25, 20)));
    }

    /// @notice Reads the ChangePubKey starting at byte `offset` of a block's pubdata `data` (its 53
    /// fields bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readChangePubKey(bytes memory data, uint256 offset) internal pure returns (ChangePubKey memory op) {
        _checkOp(data, offset, OpType.ChangePubKey, CHANGE_PUBKEY_BYTES);
        op.accountId = uint32(_readUint(data, offset + 1, 4));
        op.newPubKeyHash = bytes20(uint160(_readUint(data, offset + 5, 20)));
        op.owner = address(uint160(_readUint(data, offset + 25, 20)));
        op.nonce = uint32(_readUint(data, offset + 45, 4));
        op.feeTokenId = uint16(_readUint(data, offset + 49, 2));
        op.packedFee = uint16(_readUint(data, offset + 51, 2));
    }

    /// @notice Reads the ForcedExit starting at byte `offset` of a block's pubdata `data` (its 49
    /// fields bytes; the padding is not read). Reverts with `PubdataTooShort` or `WrongOpcode`.
    function readForcedExit(bytes memory data, uint256 offset) internal pure returns (ForcedExit memory op) {
        _checkOp(data, offset, OpType.ForcedExit, FORCED_EXIT_BYTES);
        op.initiatorId = uint32(_readUint(data, offset + 1, 4));
        op.targetId = uint32(_readUint(data, offset + 5, 4));
        op.tokenId = uint16(_readUint(data, offset + 9, 2));
        op.packedFee = uint16(_readUint(data, offset + 11, 2));
        op.amount = uint128(_readUint(data, offset + 13, 16));
        op.target = address(uint160(_readUint(data, offset + 29, 20)));
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

    /// @dev Reverts unless `data` holds `needed` bytes from `offset` on, starting with opcode `expected`.
    function _checkOp(bytes memory data, uint256 offset, OpType expected, uint256 needed) private pure {
        if (offset > data.length || data.length - offset < needed) {
            revert PubdataTooShort(offset, needed, data.length);
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
