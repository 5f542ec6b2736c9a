// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";
import {Operations} from "../src/Operations.sol";

/// @dev Test double: exposes the library's internal functions as external calls, so that reverts can
/// be expected with vm.expectRevert.
contract OperationsHarness {
    function readDeposit(bytes memory data, uint256 offset) external pure returns (Operations.Deposit memory) {
        return Operations.readDeposit(data, offset);
    }

    function readFullExit(bytes memory data, uint256 offset) external pure returns (Operations.FullExit memory) {
        return Operations.readFullExit(data, offset);
    }

    function readWithdraw(bytes memory data, uint256 offset) external pure returns (Operations.Withdraw memory) {
        return Operations.readWithdraw(data, offset);
    }

    function readChangePubKey(bytes memory data, uint256 offset)
        external
        pure
        returns (Operations.ChangePubKey memory)
    {
        return Operations.readChangePubKey(data, offset);
    }

    function readForcedExit(bytes memory data, uint256 offset) external pure returns (Operations.ForcedExit memory) {
        return Operations.readForcedExit(data, offset);
    }

    function chunks(uint8 opcode) external pure returns (uint256) {
        return Operations.chunks(opcode);
    }
}

/// @dev The expected bytes below are copied from testdata/tx_op_vectors.json → priorityOps[*].l1Pubdata
/// (produced by zkpay-core, `PriorityOp::l1_pubdata`); the expected hashes are the last 20 bytes of
/// keccak256 of those bytes, computed off-chain with js-sha3. contracts/README.md ("Test vectors")
/// says how to refresh them; test_vectors_matchTestdataFile fails when they drift from the file.
contract OperationsTest is Test {
    // priorityOps[0]: Deposit {from: 0xf39f…2266, to: 0x7099…c8aa, token: 0, amount: 5e18}, serialId 0.
    bytes internal constant DEPOSIT_L1_PUBDATA =
        hex"0100000000000000000000000000004563918244f4000070997970c51812dc3a010c7d01b50e20d4c3c8aa";
    bytes20 internal constant DEPOSIT_HASH = bytes20(hex"58afdc666bb00e4c05b3020c6963fc2cd3f7ffe4");
    address internal constant DEPOSIT_TO = 0x70997970C51812Dc3A010C7d01b50e20d4c3C8AA;
    uint128 internal constant DEPOSIT_AMOUNT = 5000000000000000000;

    // priorityOps[1]: FullExit {accountId: 2, owner: 0xf39f…2266, token: 7}, serialId 1.
    bytes internal constant FULL_EXIT_L1_PUBDATA =
        hex"0600000002f39fd6e51aad88f6f4ce6ab8827279cfffb92266000700000000000000000000000000000000";
    bytes20 internal constant FULL_EXIT_HASH = bytes20(hex"8788a5500350289e7a3c27f15acc71419a13814a");
    address internal constant FULL_EXIT_OWNER = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;

    OperationsHarness internal harness;

    function setUp() public {
        harness = new OperationsHarness();
    }

    function _deposit(uint32 accountId) internal pure returns (Operations.Deposit memory) {
        return Operations.Deposit({accountId: accountId, tokenId: 0, amount: DEPOSIT_AMOUNT, owner: DEPOSIT_TO});
    }

    function _fullExit(uint128 amount) internal pure returns (Operations.FullExit memory) {
        return Operations.FullExit({accountId: 2, owner: FULL_EXIT_OWNER, tokenId: 7, amount: amount});
    }

    function test_vectors_matchTestdataFile() public view {
        string memory json = vm.readFile("../testdata/tx_op_vectors.json");
        assertEq(vm.parseJsonBytes(json, ".priorityOps[0].l1Pubdata"), DEPOSIT_L1_PUBDATA, "Deposit vector");
        assertEq(vm.parseJsonBytes(json, ".priorityOps[1].l1Pubdata"), FULL_EXIT_L1_PUBDATA, "FullExit vector");
    }

    function test_constants() public pure {
        assertEq(Operations.PRIORITY_OP_BYTES, 43, "PRIORITY_OP_BYTES");
        assertEq(Operations.CHUNK_BYTES, 10, "CHUNK_BYTES");
        assertEq(Operations.DEPOSIT_CHUNKS, 5, "DEPOSIT_CHUNKS");
        assertEq(Operations.FULL_EXIT_CHUNKS, 5, "FULL_EXIT_CHUNKS");
        assertEq(uint256(Operations.OpType.Deposit), 0x01, "Deposit opcode");
        assertEq(uint256(Operations.OpType.FullExit), 0x06, "FullExit opcode");
        assertEq(uint256(Operations.OpType.ForcedExit), 0x08, "ForcedExit opcode");
    }

    function test_depositL1Pubdata_matchesVector() public pure {
        assertEq(Operations.depositL1Pubdata(_deposit(0)), DEPOSIT_L1_PUBDATA, "pubdata");
        // The operator-filled account id is zero in the L1 pubdata whatever the struct says.
        assertEq(Operations.depositL1Pubdata(_deposit(0xabcdef)), DEPOSIT_L1_PUBDATA, "account id zeroed");
    }

    function test_fullExitL1Pubdata_matchesVector() public pure {
        assertEq(Operations.fullExitL1Pubdata(_fullExit(0)), FULL_EXIT_L1_PUBDATA, "pubdata");
        // The operator-filled amount is zero in the L1 pubdata whatever the struct says.
        assertEq(Operations.fullExitL1Pubdata(_fullExit(123456)), FULL_EXIT_L1_PUBDATA, "amount zeroed");
    }

    function test_priorityHash_isLast20BytesOfKeccak() public pure {
        assertEq(bytes32(Operations.priorityHash(DEPOSIT_L1_PUBDATA)), bytes32(DEPOSIT_HASH), "Deposit hash");
        assertEq(bytes32(Operations.priorityHash(FULL_EXIT_L1_PUBDATA)), bytes32(FULL_EXIT_HASH), "FullExit hash");
        assertEq(bytes32(Operations.depositHash(_deposit(9))), bytes32(DEPOSIT_HASH), "depositHash");
        assertEq(bytes32(Operations.fullExitHash(_fullExit(9))), bytes32(FULL_EXIT_HASH), "fullExitHash");
    }

    function test_readDeposit_fromBlockPubdata() public pure {
        // A block's Deposit: account id filled in by the operator, 7 bytes of padding, after a Noop chunk.
        bytes memory op = DEPOSIT_L1_PUBDATA;
        op[4] = 0x05; // account_id = 5
        bytes memory block_ = bytes.concat(new bytes(10), op, new bytes(7));
        Operations.Deposit memory d = Operations.readDeposit(block_, 10);
        assertEq(uint256(d.accountId), 5, "accountId");
        assertEq(uint256(d.tokenId), 0, "tokenId");
        assertEq(uint256(d.amount), DEPOSIT_AMOUNT, "amount");
        assertEq(d.owner, DEPOSIT_TO, "owner");
        assertTrue(Operations.depositMatches(d, DEPOSIT_HASH), "matches the queued request");
        d.amount -= 1;
        assertEq(Operations.depositMatches(d, DEPOSIT_HASH), false, "other amount does not match");
    }

    function test_readFullExit_fromBlockPubdata() public pure {
        // A block's FullExit: amount filled in by the operator (0x0100 = 256), at the very end of the data.
        bytes memory op = FULL_EXIT_L1_PUBDATA;
        op[41] = 0x01;
        bytes memory block_ = bytes.concat(new bytes(20), op);
        Operations.FullExit memory e = Operations.readFullExit(block_, 20);
        assertEq(uint256(e.accountId), 2, "accountId");
        assertEq(e.owner, FULL_EXIT_OWNER, "owner");
        assertEq(uint256(e.tokenId), 7, "tokenId");
        assertEq(uint256(e.amount), 256, "amount");
        assertTrue(Operations.fullExitMatches(e, FULL_EXIT_HASH), "matches the queued request");
        e.tokenId = 8;
        assertEq(Operations.fullExitMatches(e, FULL_EXIT_HASH), false, "other token does not match");
    }

    function test_readDeposit_refusesShortData() public {
        bytes memory data = bytes.concat(new bytes(3), DEPOSIT_L1_PUBDATA);
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(4), uint256(43), uint256(46)));
        harness.readDeposit(data, 4);
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(47), uint256(43), uint256(46)));
        harness.readDeposit(data, 47);
        // Exactly enough bytes is fine.
        assertEq(harness.readDeposit(data, 3).owner, DEPOSIT_TO, "owner at the end");
    }

    function test_readFullExit_refusesShortData() public {
        bytes memory data = new bytes(42);
        data[0] = 0x06;
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(0), uint256(43), uint256(42)));
        harness.readFullExit(data, 0);
    }

    function test_read_refusesWrongOpcode() public {
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(1), uint8(6)));
        harness.readDeposit(FULL_EXIT_L1_PUBDATA, 0);
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(6), uint8(1)));
        harness.readFullExit(DEPOSIT_L1_PUBDATA, 0);
    }
}

/// @dev The readers of Withdraw, ChangePubKey and ForcedExit against committed blocks: the pubdata
/// below is copied from testdata/block_vectors.json → blocks[*].pubdata, the expected fields from
/// that block's `ops` (fees there are unpacked values; the pubdata holds the PackedFee, §4, whose
/// value `_unpackFee` checks). test_blockVectors_matchTestdataFile fails when the copies drift from
/// the file; contracts/README.md ("Test vectors") says how to refresh them.
contract OperationsBlockVectorsTest is Test {
    // blocks[0] (block 1): Deposit, Deposit, ChangePubKey (ops[2], offset 100), Deposit,
    // ChangePubKey (ops[4], offset 210), Transfer, 3 Noops.
    bytes internal constant BLOCK1_PUBDATA =
        hex"0100000001000000000000000000008ac7230489e8000070997970c51812dc3a010c7d01b50e20d4c3c8aa00000000000000010000000100010000000000000000000000012a05f20070997970c51812dc3a010c7d01b50e20d4c3c8aa00000000000000070000000111568590c6159032b82296d7bf7e9c40eb61530e70997970c51812dc3a010c7d01b50e20d4c3c8aa0000000000017d03000000000000000100000002000000000000000000001bc16d674ec800003c44cdddb6a900fa2b585dd299e03d12fa4293bc00000000000000070000000237fd6e53ba9c85d7113bf303562964026c1efbc53c44cdddb6a900fa2b585dd299e03d12fa4293bc0000000000007d0b0000000000000005000000010001000000020b2d05e0003e830000000000000000000000000000000000000000000000000000000000000000";
    // blocks[1] (block 2): TransferToNew, FullExit, Transfer, Deposit, Withdraw (ops[4], offset 160),
    // FullExit, 6 Noops.
    bytes internal constant BLOCK2_PUBDATA =
        hex"020000000100004a817c800890f79bf6eb2c4f870365e785982e1f101e93b90600000003fa0b000006000000023c44cdddb6a900fa2b585dd299e03d12fa4293bc000000000000000000001bc112743e4dc00000000000000000050000000200010000000200bebc20001f43000001000000030002000000000000000009b6e64a8ec6000090f79bf6eb2c4f870365e785982e1f101e93b9060000000000000003000000010001000000000000000000000000499602d35dc315d34aaf54267db7d7c367839aaf71a00a2c6a650000000000060000000115d34aaf54267db7d7c367839aaf71a00a2c6a6500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    // blocks[2] (block 3): Transfer, ForcedExit (ops[1], offset 20), Noop.
    bytes internal constant BLOCK3_PUBDATA =
        hex"0500000001000100000002001312d0007d02000008000000010000000300007d0b00000000000000000de0b6b3a764000090f79bf6eb2c4f870365e785982e1f101e93b9060000000000000000000000";

    OperationsHarness internal harness;

    function setUp() public {
        harness = new OperationsHarness();
    }

    /// @dev PackedFee (§4) → value: mantissa (11 bits) × 10^exponent (5 bits). Test-side only.
    function _unpackFee(uint16 packed) internal pure returns (uint256) {
        return uint256(packed >> 5) * 10 ** uint256(packed & 0x1f);
    }

    function test_blockVectors_matchTestdataFile() public view {
        string memory json = vm.readFile("../testdata/block_vectors.json");
        assertEq(vm.parseJsonBytes(json, ".blocks[0].pubdata"), BLOCK1_PUBDATA, "blocks[0] pubdata");
        assertEq(vm.parseJsonBytes(json, ".blocks[1].pubdata"), BLOCK2_PUBDATA, "blocks[1] pubdata");
        assertEq(vm.parseJsonBytes(json, ".blocks[2].pubdata"), BLOCK3_PUBDATA, "blocks[2] pubdata");
    }

    function test_readWithdraw_fromBlockVector() public pure {
        // blocks[1].ops[4]: {accountId: 1, token: 1, amount: "1234567891", fee: "750000",
        // toAddress: 0x15d3…6a65}.
        Operations.Withdraw memory w = Operations.readWithdraw(BLOCK2_PUBDATA, 160);
        assertEq(uint256(w.accountId), 1, "accountId");
        assertEq(uint256(w.tokenId), 1, "tokenId");
        assertEq(uint256(w.amount), 1234567891, "amount");
        assertEq(uint256(w.packedFee), 0x5dc3, "packedFee"); // 750 << 5 | 3
        assertEq(_unpackFee(w.packedFee), 750000, "fee value");
        assertEq(w.to, 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65, "to");
    }

    function test_readChangePubKey_fromBlockVector() public pure {
        // blocks[0].ops[2]: {accountId: 1, newPubKeyHash: 0x1156…530e, address: 0x7099…c8aa, nonce: 0,
        // feeToken: 1, fee: "1000000"}.
        Operations.ChangePubKey memory c = Operations.readChangePubKey(BLOCK1_PUBDATA, 100);
        assertEq(uint256(c.accountId), 1, "accountId");
        assertEq(bytes32(c.newPubKeyHash), bytes32(bytes20(hex"11568590c6159032b82296d7bf7e9c40eb61530e")), "pkh");
        assertEq(c.owner, 0x70997970C51812Dc3A010C7d01b50e20d4c3C8AA, "owner");
        assertEq(uint256(c.nonce), 0, "nonce");
        assertEq(uint256(c.feeTokenId), 1, "feeTokenId");
        assertEq(uint256(c.packedFee), 0x7d03, "packedFee"); // 1000 << 5 | 3
        assertEq(_unpackFee(c.packedFee), 1000000, "fee value");

        // blocks[0].ops[4]: {accountId: 2, newPubKeyHash: 0x37fd…fbc5, address: 0x3c44…93bc, nonce: 0,
        // feeToken: 0, fee: "100000000000000"}.
        c = Operations.readChangePubKey(BLOCK1_PUBDATA, 210);
        assertEq(uint256(c.accountId), 2, "accountId 2");
        assertEq(bytes32(c.newPubKeyHash), bytes32(bytes20(hex"37fd6e53ba9c85d7113bf303562964026c1efbc5")), "pkh 2");
        assertEq(c.owner, 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC, "owner 2");
        assertEq(uint256(c.nonce), 0, "nonce 2");
        assertEq(uint256(c.feeTokenId), 0, "feeTokenId 2");
        assertEq(uint256(c.packedFee), 0x7d0b, "packedFee 2"); // 1000 << 5 | 11
        assertEq(_unpackFee(c.packedFee), 100000000000000, "fee value 2");
    }

    function test_readForcedExit_fromBlockVector() public pure {
        // blocks[2].ops[1]: {initiatorId: 1, targetId: 3, token: 0, fee: "100000000000000",
        // amount: "1000000000000000000", targetAddress: 0x90f7…b906}.
        Operations.ForcedExit memory f = Operations.readForcedExit(BLOCK3_PUBDATA, 20);
        assertEq(uint256(f.initiatorId), 1, "initiatorId");
        assertEq(uint256(f.targetId), 3, "targetId");
        assertEq(uint256(f.tokenId), 0, "tokenId");
        assertEq(uint256(f.packedFee), 0x7d0b, "packedFee"); // 1000 << 5 | 11
        assertEq(_unpackFee(f.packedFee), 100000000000000, "fee value");
        assertEq(uint256(f.amount), 1000000000000000000, "amount");
        assertEq(f.target, 0x90F79bf6EB2c4f870365E785982E1f101E93b906, "target");
    }

    function test_readers_refuseShortData() public {
        // Withdraw: 45 fields bytes needed; block 2 cut one byte short of its to_address end.
        bytes memory w = _slice(BLOCK2_PUBDATA, 160, 44);
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(0), uint256(45), uint256(44)));
        harness.readWithdraw(w, 0);
        assertEq(harness.readWithdraw(_slice(BLOCK2_PUBDATA, 160, 45), 0).amount, 1234567891, "exactly 45 bytes");

        bytes memory c = _slice(BLOCK1_PUBDATA, 100, 52);
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(0), uint256(53), uint256(52)));
        harness.readChangePubKey(c, 0);
        assertEq(harness.readChangePubKey(_slice(BLOCK1_PUBDATA, 100, 53), 0).packedFee, 0x7d03, "exactly 53 bytes");

        bytes memory f = _slice(BLOCK3_PUBDATA, 20, 48);
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(0), uint256(49), uint256(48)));
        harness.readForcedExit(f, 0);
        assertEq(harness.readForcedExit(_slice(BLOCK3_PUBDATA, 20, 49), 0).targetId, 3, "exactly 49 bytes");

        // An offset past the end.
        vm.expectRevert(abi.encodeWithSelector(Operations.PubdataTooShort.selector, uint256(81), uint256(49), uint256(80)));
        harness.readForcedExit(BLOCK3_PUBDATA, 81);
    }

    function test_readers_refuseWrongOpcode() public {
        // Offset 0 of block 1 is a Deposit, of block 2 a TransferToNew, of block 3 a Transfer.
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(3), uint8(1)));
        harness.readWithdraw(BLOCK1_PUBDATA, 0);
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(7), uint8(2)));
        harness.readChangePubKey(BLOCK2_PUBDATA, 0);
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(8), uint8(5)));
        harness.readForcedExit(BLOCK3_PUBDATA, 0);
        // Each other's ops.
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(3), uint8(8)));
        harness.readWithdraw(BLOCK3_PUBDATA, 20);
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(7), uint8(3)));
        harness.readChangePubKey(BLOCK2_PUBDATA, 160);
        vm.expectRevert(abi.encodeWithSelector(Operations.WrongOpcode.selector, uint8(8), uint8(7)));
        harness.readForcedExit(BLOCK1_PUBDATA, 100);
    }

    function test_chunks_everyOpcode() public view {
        assertEq(harness.chunks(0x00), 1, "Noop");
        assertEq(harness.chunks(0x01), 5, "Deposit");
        assertEq(harness.chunks(0x02), 4, "TransferToNew");
        assertEq(harness.chunks(0x03), 5, "Withdraw");
        assertEq(harness.chunks(0x05), 2, "Transfer");
        assertEq(harness.chunks(0x06), 5, "FullExit");
        assertEq(harness.chunks(0x07), 6, "ChangePubKey");
        assertEq(harness.chunks(0x08), 5, "ForcedExit");
        assertEq(Operations.NOOP_CHUNKS, 1, "NOOP_CHUNKS");
        assertEq(Operations.DEPOSIT_CHUNKS, 5, "DEPOSIT_CHUNKS");
        assertEq(Operations.TRANSFER_TO_NEW_CHUNKS, 4, "TRANSFER_TO_NEW_CHUNKS");
        assertEq(Operations.WITHDRAW_CHUNKS, 5, "WITHDRAW_CHUNKS");
        assertEq(Operations.TRANSFER_CHUNKS, 2, "TRANSFER_CHUNKS");
        assertEq(Operations.FULL_EXIT_CHUNKS, 5, "FULL_EXIT_CHUNKS");
        assertEq(Operations.CHANGE_PUBKEY_CHUNKS, 6, "CHANGE_PUBKEY_CHUNKS");
        assertEq(Operations.FORCED_EXIT_CHUNKS, 5, "FORCED_EXIT_CHUNKS");
    }

    function test_chunks_walksTheBlockVectors() public pure {
        // Walking each block op by op with `chunks` lands exactly on its end (every opcode but 0x04 appears).
        assertEq(_walk(BLOCK1_PUBDATA), 9, "blocks[0] ops");
        assertEq(_walk(BLOCK2_PUBDATA), 12, "blocks[1] ops");
        assertEq(_walk(BLOCK3_PUBDATA), 3, "blocks[2] ops");
    }

    function test_chunks_refusesInvalidOpcodes() public {
        uint8[4] memory bad = [uint8(0x04), 0x09, 0x10, 0xff];
        for (uint256 i = 0; i < bad.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(Operations.UnknownOpcode.selector, bad[i]));
            harness.chunks(bad[i]);
        }
    }

    function _walk(bytes memory data) internal pure returns (uint256 ops) {
        uint256 offset = 0;
        while (offset < data.length) {
            offset += Operations.chunks(uint8(data[offset])) * Operations.CHUNK_BYTES;
            ops++;
        }
        assertEq(offset, data.length, "ends on the last chunk");
    }

    function _slice(bytes memory data, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            out[i] = data[start + i];
        }
    }
}
