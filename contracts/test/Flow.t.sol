// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "../src/Governance.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Operations} from "../src/Operations.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";

/// @dev The vector blocks 1–3 committed, proven and executed; pending balances and their withdrawal;
/// reverting unexecuted blocks. Block proofs here are TestOnlyEchoVerifier's echo proofs (a unit-test
/// double: it accepts `[input, chunks, 0…]`), which checks that the Rollup asks for the right public
/// inputs, grouped into the right batches; real block proofs are test/ProveBlocks.t.sol's business.
contract FlowTest is VectorRollup {
    TestOnlyEchoVerifier internal verifier;

    // Payouts of the vector blocks at execution (their ops in testdata/block_vectors.json):
    uint128 internal constant BOB_FULL_EXIT_ETH = 1_999_900_000_000_000_000; // block 2, FullExit by Bob
    uint128 internal constant DAVE_WITHDRAW_TOKEN1 = 1_234_567_891; // block 2, Withdraw Alice → Dave
    uint128 internal constant CAROL_FORCED_EXIT_ETH = 1 ether; // block 3, ForcedExit of Carol's ETH

    function setUp() public {
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(0)));
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(verifier, vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        _setVectorAuthFacts();
        vm.warp(T1 + 1200);
        _commitBlocks(1, 3);
    }

    function _echoProofs(uint256 from, uint256 to) internal view returns (uint256[8][] memory proofs) {
        proofs = new uint256[8][](to - from + 1);
        for (uint256 n = from; n <= to; n++) {
            Rollup.StoredBlock memory s = _expectedStored(n);
            proofs[n - from] = verifier.echoProof(s.chunks, uint256(s.commitment) >> 3);
        }
    }

    function _proveAll() internal {
        rollup.proveBlocks(_storedRange(1, 3), _echoProofs(1, 3));
    }

    function _executeBlocks(uint256 from, uint256 to) internal {
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](to - from + 1);
        for (uint256 n = from; n <= to; n++) {
            blocks[n - from] = Rollup.ExecuteBlock({storedBlock: _expectedStored(n), pendingOnchainOpsPubdata: _payoutOps(n)});
        }
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
    }

    // ---- prove ----

    function test_prove_batchesSameSizeBlocksAndUsesVectorInputs() public {
        uint256[8][] memory proofs = _echoProofs(1, 3);
        // Blocks 1 and 2 (32 chunks) in one batch, block 3 (8 chunks) alone; inputs = the vectors'.
        uint256[] memory inputs = new uint256[](2);
        inputs[0] = vm.parseJsonUint(vectors, _key(0, "publicInput.hex"));
        inputs[1] = vm.parseJsonUint(vectors, _key(1, "publicInput.hex"));
        uint256[8][] memory batch = new uint256[8][](2);
        (batch[0], batch[1]) = (proofs[0], proofs[1]);
        vm.expectCall(address(verifier), abi.encodeCall(IVerifier.verifyBlocks, (32, batch, inputs)), 1);
        vm.expectCall(
            address(verifier),
            abi.encodeCall(IVerifier.verifyBlock, (8, proofs[2], vm.parseJsonUint(vectors, _key(2, "publicInput.hex")))),
            1
        );
        vm.expectEmit(address(rollup));
        emit Rollup.BlocksProven(1, 3);
        vm.prank(ALICE); // anyone may prove
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        assertEq(rollup.totalBlocksProven(), 3, "proven");
    }

    function test_prove_oneBlockAtATime() public {
        for (uint256 n = 1; n <= 3; n++) {
            rollup.proveBlocks(_storedRange(n, n), _echoProofs(n, n));
            assertEq(rollup.totalBlocksProven(), n, "proven");
        }
    }

    function test_prove_refusesWrongInput() public {
        uint256[8][] memory proofs = _echoProofs(1, 3);
        proofs[1][0] ^= 1; // block 2's proof is for another input: the 32-chunk batch fails
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidBlockProof.selector, 1, 2));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        proofs = _echoProofs(1, 3);
        proofs[2][1] = 32; // block 3's proof claims the wrong size
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidBlockProof.selector, 3, 3));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
    }

    function test_prove_refusesBlocksOutOfOrderOrUncommitted() public {
        uint256[8][] memory proofs = _echoProofs(2, 3);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotNextToProve.selector, 1, 2));
        rollup.proveBlocks(_storedRange(2, 3), proofs);
        _proveAll();
        Rollup.StoredBlock[] memory next = new Rollup.StoredBlock[](1);
        next[0] = _expectedStored(3);
        next[0].blockNumber = 4;
        proofs = _echoProofs(3, 3);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotNextToProve.selector, 4, 4));
        rollup.proveBlocks(next, proofs);
    }

    function test_prove_refusesTamperedStoredBlock() public {
        Rollup.StoredBlock[] memory blocks = _storedRange(1, 3);
        blocks[1].commitment = bytes32(uint256(blocks[1].commitment) ^ 8); // a commitment with another input
        uint256[8][] memory proofs = _echoProofs(1, 3);
        proofs[1][0] = uint256(blocks[1].commitment) >> 3;
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 2));
        rollup.proveBlocks(blocks, proofs);
    }

    function test_prove_refusesProofCountMismatch() public {
        uint256[8][] memory proofs = _echoProofs(1, 2);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ProofCountMismatch.selector, 3, 2));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ProofCountMismatch.selector, 0, 0));
        rollup.proveBlocks(new Rollup.StoredBlock[](0), new uint256[8][](0));
    }

    // ---- execute ----

    function test_execute_creditsPendingBalancesExactlyAndPopsTheQueue() public {
        _proveAll();
        vm.expectEmit(address(rollup));
        emit Rollup.BlockExecution(1);
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(BOB, 0, BOB_FULL_EXIT_ETH);
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(DAVE, 1, DAVE_WITHDRAW_TOKEN1);
        vm.expectEmit(address(rollup));
        emit Rollup.BlockExecution(2);
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(CAROL, 0, CAROL_FORCED_EXIT_ETH);
        vm.expectEmit(address(rollup));
        emit Rollup.BlockExecution(3);
        _executeBlocks(1, 3);

        assertEq(rollup.pendingBalances(BOB, 0), BOB_FULL_EXIT_ETH, "Bob's full exit");
        assertEq(rollup.pendingBalances(DAVE, 1), DAVE_WITHDRAW_TOKEN1, "Dave's withdrawal");
        assertEq(rollup.pendingBalances(CAROL, 0), CAROL_FORCED_EXIT_ETH, "Carol's forced exit");
        // The FullExit by Dave of Alice's account paid 0: nothing credited.
        assertEq(rollup.pendingBalances(DAVE, 0), 0, "Dave's zero full exit");
        assertEq(rollup.pendingBalances(ALICE, 0), 0, "Alice");
        assertEq(rollup.getPendingBalance(DAVE, address(token1)), DAVE_WITHDRAW_TOKEN1, "by token address");

        assertEq(rollup.totalBlocksExecuted(), 3, "executed");
        assertEq(rollup.firstPriorityRequestId(), 6, "queue head");
        assertEq(rollup.totalOpenPriorityRequests(), 0, "open");
        assertEq(rollup.totalCommittedPriorityRequests(), 0, "committed");
        for (uint64 id = 0; id < 6; id++) {
            (bytes20 h, uint64 e,) = rollup.priorityRequests(id);
            assertEq(bytes32(h), bytes32(0), "request deleted");
            assertEq(e, 0, "request deleted");
        }
    }

    function test_execute_popsOnlyTheExecutedBlocksRequests() public {
        _proveAll();
        _executeBlocks(1, 1);
        assertEq(rollup.firstPriorityRequestId(), 3, "block 1's three deposits popped");
        assertEq(rollup.totalOpenPriorityRequests(), 3, "open");
        assertEq(rollup.totalCommittedPriorityRequests(), 3, "committed, unexecuted");
        (bytes20 h,,) = rollup.priorityRequests(3);
        assertTrue(h != bytes20(0), "request 3 still queued");
        _executeBlocks(2, 3);
        assertEq(rollup.firstPriorityRequestId(), 6, "all popped");
    }

    function test_execute_refusesUnprovenBlock() public {
        rollup.proveBlocks(_storedRange(1, 1), _echoProofs(1, 1));
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](2);
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(1), _payoutOps(1));
        blocks[1] = Rollup.ExecuteBlock(_expectedStored(2), _payoutOps(2));
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotNextToExecute.selector, 2, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
    }

    function test_execute_refusesSkippedBlock() public {
        _proveAll();
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](1);
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(2), _payoutOps(2));
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotNextToExecute.selector, 1, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
    }

    function test_execute_refusesWrongPayoutOps() public {
        _proveAll();
        _executeBlocks(1, 1);
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](1);
        // One payout op left out.
        bytes[] memory ops = _payoutOps(2);
        bytes[] memory fewer = new bytes[](2);
        (fewer[0], fewer[1]) = (ops[0], ops[1]);
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(2), fewer);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PendingOnchainOpsMismatch.selector, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
        // An amount raised.
        ops = _payoutOps(2);
        ops[1][22] = bytes1(uint8(ops[1][22]) + 1);
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(2), ops);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PendingOnchainOpsMismatch.selector, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
        // A non-payout op (a Deposit chunk run from block 1).
        ops = _payoutOps(2);
        ops[0][0] = 0x01;
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(2), ops);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotAPayoutOperation.selector, 1));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
    }

    function test_execute_onlyValidators() public {
        _proveAll();
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](1);
        blocks[0] = Rollup.ExecuteBlock(_expectedStored(1), _payoutOps(1));
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, ALICE));
        vm.prank(ALICE);
        rollup.executeBlocks(blocks);
    }

    function test_execute_refusesEmptyList() public {
        _proveAll();
        vm.expectRevert(Rollup.NothingToDo.selector);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(new Rollup.ExecuteBlock[](0));
        assertEq(rollup.totalBlocksExecuted(), 0, "nothing executed");
    }

    // ---- commit and prove in one call ----

    /// @dev Block 4 (8 Noop chunks after block 3) with its stored form, and its echo proof.
    function _noopBlock4() internal view returns (Rollup.CommitBlock memory b, uint256[8] memory proof) {
        b.blockNumber = 4;
        b.newStateRoot = _expectedStored(3).stateRoot;
        b.timestamp = uint64(block.timestamp);
        b.publicData = new bytes(80);
        bytes32 commitment = sha256(
            abi.encodePacked(
                uint64(31337), ROLLUP_ADDRESS, uint32(4), uint32(0), b.timestamp, b.newStateRoot, b.newStateRoot, new bytes(80), hex"00"
            )
        );
        proof = verifier.echoProof(8, uint256(commitment) >> 3);
    }

    function test_commitAndProve_onlyValidators() public {
        _proveAll();
        (Rollup.CommitBlock memory b, uint256[8] memory proof) = _noopBlock4();
        uint256[8][] memory proofs = new uint256[8][](1);
        proofs[0] = proof;
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, ALICE));
        vm.prank(ALICE, ALICE);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), proofs);
        // The same call by the validator goes through: only the caller was wrong.
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), proofs);
        assertEq(rollup.totalBlocksProven(), 4, "proven by the validator");
    }

    function test_commitAndProve_refusesProofCountMismatch() public {
        _proveAll();
        (Rollup.CommitBlock memory b, uint256[8] memory proof) = _noopBlock4();
        uint256[8][] memory two = new uint256[8][](2);
        (two[0], two[1]) = (proof, proof);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ProofCountMismatch.selector, 1, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), two);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ProofCountMismatch.selector, 1, 0));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), new uint256[8][](0));
        // Nothing of the commit stayed behind.
        assertEq(rollup.totalBlocksCommitted(), 3, "commit undone with the proof");
        assertEq(rollup.storedBlockHashes(4), bytes32(0), "no block 4");
    }

    function test_commitAndProve_commitsAndProvesNextBlocks() public {
        _proveAll();
        _executeBlocks(1, 3);
        // Block 4: 8 Noop chunks after block 3.
        Rollup.CommitBlock memory b;
        b.blockNumber = 4;
        b.newStateRoot = _expectedStored(3).stateRoot;
        b.timestamp = uint64(block.timestamp);
        b.publicData = new bytes(80);
        Rollup.StoredBlock memory expected = Rollup.StoredBlock({
            blockNumber: 4,
            chunks: 8,
            priorityOperations: 0,
            pendingOnchainOpsHash: bytes32(0),
            timestamp: b.timestamp,
            stateRoot: b.newStateRoot,
            commitment: sha256(
                abi.encodePacked(
                    uint64(31337), ROLLUP_ADDRESS, uint32(4), uint32(0), b.timestamp, b.newStateRoot, b.newStateRoot, new bytes(80), hex"00"
                )
            )
        });
        uint256[8][] memory proofs = new uint256[8][](1);
        proofs[0] = verifier.echoProof(8, uint256(expected.commitment) >> 3);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), proofs);
        assertEq(rollup.totalBlocksCommitted(), 4, "committed");
        assertEq(rollup.totalBlocksProven(), 4, "proven");
        assertEq(rollup.storedBlockHashes(4), keccak256(abi.encode(expected)), "stored");
    }

    function test_commitAndProve_refusesWhenUnprovenBlocksWait() public {
        Rollup.CommitBlock memory b;
        b.blockNumber = 4;
        b.timestamp = uint64(block.timestamp);
        b.publicData = new bytes(80);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotNextToProve.selector, 1, 4));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitAndProveBlocks(_expectedStored(3), _one(b), new uint256[8][](1));
    }

    // ---- revert ----

    function test_revert_unexecutedBlocksRestoresCounters() public {
        _proveAll();
        _executeBlocks(1, 1);
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](2);
        (blocks[0], blocks[1]) = (_expectedStored(3), _expectedStored(2));
        vm.expectEmit(address(rollup));
        emit Rollup.BlocksRevert(1, 1);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        assertEq(rollup.totalBlocksCommitted(), 1, "committed");
        assertEq(rollup.totalBlocksProven(), 1, "proven follows");
        assertEq(rollup.totalBlocksExecuted(), 1, "executed");
        assertEq(rollup.storedBlockHashes(2), bytes32(0), "hash 2 deleted");
        assertEq(rollup.storedBlockHashes(3), bytes32(0), "hash 3 deleted");
        assertEq(rollup.totalCommittedPriorityRequests(), 0, "block 2's three requests uncommitted");
        assertEq(rollup.totalOpenPriorityRequests(), 3, "still open");
        // The same blocks can be committed again (block 2 needs no auth fact).
        _commitBlocks(2, 3);
        assertEq(rollup.totalBlocksCommitted(), 3, "recommitted");
        assertEq(rollup.totalCommittedPriorityRequests(), 3, "committed again");
    }

    function test_revert_refusesEmptyList() public {
        vm.expectRevert(Rollup.NothingToDo.selector);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(new Rollup.StoredBlock[](0));
        assertEq(rollup.totalBlocksCommitted(), 3, "nothing reverted");
    }

    function test_revert_restoresTheAuthorizationsItsCommitConsumed() public {
        // Block 1's commit consumed Alice's and Bob's facts (nonce 0).
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "consumed");
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(0), "consumed");
        (bytes20 kept, bool consumed) = rollup.authFacts(ALICE, 0);
        assertTrue(consumed && kept == ALICE_PKH, "kept, marked consumed");
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](3);
        (blocks[0], blocks[1], blocks[2]) = (_expectedStored(3), _expectedStored(2), _expectedStored(1));
        vm.expectEmit(address(rollup));
        emit Rollup.FactAuth(ALICE, 0, ALICE_PKH);
        vm.expectEmit(address(rollup));
        emit Rollup.FactAuth(BOB, 0, BOB_PKH);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(ALICE_PKH), "Alice's restored");
        (, consumed) = rollup.authFacts(ALICE, 0);
        assertTrue(!consumed, "unmarked");
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(BOB_PKH), "Bob's restored");
        // The same blocks commit again without anyone setting a fact on L1 again.
        _commitBlocks(1, 3);
        assertEq(rollup.totalBlocksCommitted(), 3, "recommitted on the restored facts");
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "consumed again");
    }

    function test_revert_restoresOnlyTheRevertedBlocksAuthorizations() public {
        // Reverting blocks 2 and 3 (no ChangePubKey) gives nothing back: block 1 keeps its facts consumed.
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](2);
        (blocks[0], blocks[1]) = (_expectedStored(3), _expectedStored(2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "block 1 still holds Alice's");
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(0), "block 1 still holds Bob's");
    }

    function test_revert_keepsAnAuthorizationSetSinceTheCommit() public {
        // After the commit consumed it, Alice set another key for nonce 0 (at once: none was in
        // effect); the revert does not overwrite her newer choice. Bob's is restored.
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(BOB_PKH, 0);
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](3);
        (blocks[0], blocks[1], blocks[2]) = (_expectedStored(3), _expectedStored(2), _expectedStored(1));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(BOB_PKH), "Alice's newer fact kept");
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(BOB_PKH), "Bob's restored");
    }

    function test_revert_beforeProof() public {
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](3);
        (blocks[0], blocks[1], blocks[2]) = (_expectedStored(3), _expectedStored(2), _expectedStored(1));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        assertEq(rollup.totalBlocksCommitted(), 0, "back to genesis");
        assertEq(rollup.totalCommittedPriorityRequests(), 0, "no committed requests");
    }

    function test_revert_refusesExecutedOrOutOfOrderBlocks() public {
        _proveAll();
        _executeBlocks(1, 1);
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](1);
        blocks[0] = _expectedStored(2);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotRevertable.selector, 3, 2));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        blocks = new Rollup.StoredBlock[](3);
        (blocks[0], blocks[1], blocks[2]) = (_expectedStored(3), _expectedStored(2), _expectedStored(1));
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlockNotRevertable.selector, 1, 1));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        blocks = new Rollup.StoredBlock[](1);
        blocks[0] = _expectedStored(3);
        blocks[0].stateRoot = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 3));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.revertBlocks(blocks);
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, ALICE));
        vm.prank(ALICE);
        rollup.revertBlocks(blocks);
    }

    // ---- withdrawPendingBalance ----

    function test_withdraw_ethAndErc20ByAnyone() public {
        _proveAll();
        _executeBlocks(1, 3);
        uint256 before = BOB.balance;
        vm.expectEmit(address(rollup));
        emit Rollup.Withdrawal(BOB, 0, BOB_FULL_EXIT_ETH);
        vm.prank(ALICE); // anyone may trigger; Bob gets the ETH
        rollup.withdrawPendingBalance(payable(BOB), address(0), BOB_FULL_EXIT_ETH);
        assertEq(BOB.balance - before, BOB_FULL_EXIT_ETH, "Bob paid");
        assertEq(rollup.pendingBalances(BOB, 0), 0, "Bob's pending balance");

        // Part of Dave's token 1, then the rest.
        rollup.withdrawPendingBalance(payable(DAVE), address(token1), 1_000);
        assertEq(token1.balanceOf(DAVE), 1_000, "Dave paid part");
        assertEq(rollup.pendingBalances(DAVE, 1), DAVE_WITHDRAW_TOKEN1 - 1_000, "rest pending");
        rollup.withdrawPendingBalance(payable(DAVE), address(token1), DAVE_WITHDRAW_TOKEN1 - 1_000);
        assertEq(token1.balanceOf(DAVE), DAVE_WITHDRAW_TOKEN1, "Dave paid all");
        assertEq(rollup.pendingBalances(DAVE, 1), 0, "nothing pending");
    }

    function test_withdraw_refusesMoreThanPending() public {
        _proveAll();
        _executeBlocks(1, 3);
        vm.expectRevert(
            abi.encodeWithSelector(Rollup.InsufficientPendingBalance.selector, CAROL_FORCED_EXIT_ETH, CAROL_FORCED_EXIT_ETH + 1)
        );
        rollup.withdrawPendingBalance(payable(CAROL), address(0), CAROL_FORCED_EXIT_ETH + 1);
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, address(0xdead)));
        rollup.withdrawPendingBalance(payable(CAROL), address(0xdead), 1);
    }

    function test_withdraw_ethToContractThatRefuses() public {
        // A pending balance of a contract without a payable fallback cannot be paid in ETH.
        _proveAll();
        _executeBlocks(1, 3);
        // Carol's pending ETH is fine; an address with refusing code is not.
        vm.etch(CAROL, hex"60006000fd"); // revert(0, 0)
        vm.expectRevert(abi.encodeWithSelector(Rollup.EthTransferFailed.selector, CAROL));
        rollup.withdrawPendingBalance(payable(CAROL), address(0), 1);
        assertEq(rollup.pendingBalances(CAROL, 0), CAROL_FORCED_EXIT_ETH, "balance kept on failure");
    }
}
