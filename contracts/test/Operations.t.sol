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
