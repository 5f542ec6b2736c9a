// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "../src/Governance.sol";
import {IERC20} from "../src/IERC20.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Operations} from "../src/Operations.sol";
import {Rollup} from "../src/Rollup.sol";
import {Verifier} from "../src/Verifier.sol";
import {Test} from "./utils/Test.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";
import {IDepositERC20, NoReturnToken, ReentrantToken} from "./tokens/TestTokens.sol";
import {PayoutFailToken, ReentrantEthReceiver} from "./tokens/PayoutTokens.sol";

/// @dev Reads testdata/exit_proofs.json: real exit proofs (dev exit keys) against the state after
/// the vectors' block 3 (circuit/tests/exit_fixture.rs; scripts/regen-fixtures.sh).
abstract contract ExitFixture is Test {
    string internal constant EXITS = "../testdata/exit_proofs.json";
    string internal exits;

    struct Exit {
        uint32 accountId;
        address owner;
        uint16 tokenId;
        uint128 amount;
        uint256[8] proof;
    }

    function _exit(uint256 i) internal view returns (Exit memory e) {
        string memory k = string.concat(".exits[", vm.toString(i), "].");
        e.accountId = uint32(vm.parseJsonUint(exits, string.concat(k, "accountId")));
        e.owner = vm.parseJsonAddress(exits, string.concat(k, "owner"));
        e.tokenId = uint16(vm.parseJsonUint(exits, string.concat(k, "tokenId")));
        e.amount = uint128(vm.parseJsonUint(exits, string.concat(k, "amount")));
        uint256[] memory words = vm.parseJsonUintArray(exits, string.concat(k, "proof"));
        assertEq(words.length, 8, "eight proof words");
        for (uint256 j = 0; j < 8; j++) {
            e.proof[j] = words[j];
        }
    }
}

/// @dev Exodus on a Rollup whose genesis root is the fixture's root (as if blocks 1–3 had been
/// executed), with the real generated Verifier.sol: activation only after expiry, everything but
/// exits and withdrawals stopped, performExodus with real exit proofs (once per account and token,
/// against the last executed root only), refunds of unexecuted deposits, and a reentrant token.
contract ExodusTest is ExitFixture {
    address internal constant ALICE = 0x70997970C51812Dc3A010C7d01b50e20d4c3C8AA;
    address internal constant USER = address(0xD0D0);
    address internal constant VALIDATOR = address(0x7a11da7e);
    uint64 internal constant EXPIRATION = 100;

    Governance internal governance;
    Verifier internal verifier;
    Rollup internal rollup;
    NoReturnToken internal noReturn; // id 1
    ReentrantToken internal reentrant; // id 2
    bytes32 internal root;
    uint64 internal deployedAt;

    function setUp() public {
        exits = vm.readFile(EXITS);
        root = vm.parseJsonBytes32(exits, ".stateRoot");
        governance = new Governance(address(this));
        governance.setValidator(VALIDATOR, true);
        noReturn = new NoReturnToken();
        reentrant = new ReentrantToken();
        governance.addToken(address(noReturn));
        governance.addToken(address(reentrant));
        verifier = new Verifier();
        vm.roll(10);
        rollup = new Rollup(governance, IVerifier(address(verifier)), root, EXPIRATION);
        deployedAt = uint64(block.timestamp);
        vm.deal(USER, 100 ether);
        // The rollup holds what the L2 state owes (here: more than every exit of the fixture).
        vm.deal(address(rollup), 100 ether);
    }

    function _genesis() internal view returns (Rollup.StoredBlock memory) {
        return Rollup.StoredBlock(0, 0, 0, bytes32(0), deployedAt, root, bytes32(0));
    }

    /// @dev A deposit queued at block 10 (expires after block 110), then L1 moves past it and exodus starts.
    function _depositExpireAndActivate() internal {
        vm.prank(USER);
        rollup.depositETH{value: 1 ether}(USER);
        vm.roll(10 + EXPIRATION + 1);
        rollup.activateExodusMode();
    }

    function _perform(Exit memory e) internal {
        rollup.performExodus(_genesis(), e.accountId, e.owner, e.tokenId, e.amount, e.proof);
    }

    // ---- activation ----

    function test_activate_notBeforeExpiry() public {
        vm.expectRevert(Rollup.ExodusNotDue.selector);
        rollup.activateExodusMode(); // nothing queued
        vm.prank(USER);
        rollup.depositETH{value: 1 ether}(USER);
        (, uint64 expiration,) = rollup.priorityRequests(0);
        assertEq(expiration, 10 + EXPIRATION, "expiration block");
        vm.roll(expiration);
        vm.expectRevert(Rollup.ExodusNotDue.selector);
        rollup.activateExodusMode();
        vm.roll(expiration + 1);
        vm.expectEmit(address(rollup));
        emit Rollup.ExodusMode();
        vm.prank(USER); // anyone
        rollup.activateExodusMode();
        assertTrue(rollup.exodusMode(), "exodus on");
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.activateExodusMode();
    }

    function test_exodusMode_stopsBlocksDepositsAndFullExits() public {
        noReturn.mint(USER, 10);
        vm.prank(USER);
        noReturn.approve(address(rollup), 10);
        _depositExpireAndActivate();
        vm.startPrank(USER);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.depositETH{value: 1}(USER);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.depositERC20(IERC20(address(noReturn)), 10, USER);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.requestFullExit(1, address(0));
        vm.stopPrank();
        vm.startPrank(VALIDATOR, VALIDATOR);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.commitBlocks(_genesis(), new Rollup.CommitBlock[](1));
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.commitAndProveBlocks(_genesis(), new Rollup.CommitBlock[](1), new uint256[8][](1));
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.proveBlocks(new Rollup.StoredBlock[](1), new uint256[8][](1));
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.executeBlocks(new Rollup.ExecuteBlock[](1));
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.revertBlocks(new Rollup.StoredBlock[](1));
        vm.stopPrank();
    }

    // ---- performExodus with real exit proofs ----

    function test_performExodus_paysOnceAndNeverTwice() public {
        _depositExpireAndActivate();
        Exit memory e = _exit(0); // Alice, ETH
        assertEq(e.owner, ALICE, "fixture exit 0 is Alice's");
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(ALICE, 0, e.amount);
        vm.expectEmit(address(rollup));
        emit Rollup.ExodusPerformed(e.accountId, ALICE, 0, e.amount);
        _perform(e);
        assertEq(rollup.pendingBalances(ALICE, 0), e.amount, "credited");
        assertTrue(rollup.performedExodus(e.accountId, 0), "marked");

        vm.expectRevert(abi.encodeWithSelector(Rollup.ExodusAlreadyPerformed.selector, e.accountId, 0));
        _perform(e);

        uint256 before = ALICE.balance;
        rollup.withdrawPendingBalance(payable(ALICE), address(0), e.amount);
        assertEq(ALICE.balance - before, e.amount, "paid out");
        vm.expectRevert(abi.encodeWithSelector(Rollup.ExodusAlreadyPerformed.selector, e.accountId, 0));
        _perform(e);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InsufficientPendingBalance.selector, 0, 1));
        rollup.withdrawPendingBalance(payable(ALICE), address(0), 1);
    }

    function test_performExodus_everyFixtureExit() public {
        _depositExpireAndActivate();
        for (uint256 i = 0; i < 5; i++) {
            Exit memory e = _exit(i);
            uint128 before = rollup.pendingBalances(e.owner, e.tokenId);
            _perform(e);
            assertEq(rollup.pendingBalances(e.owner, e.tokenId) - before, e.amount, "credited the proven amount");
            assertTrue(rollup.performedExodus(e.accountId, e.tokenId), "marked");
        }
        assertEq(_exit(4).amount, 0, "the amount-0 exit (Carol's emptied ETH) is marked and credits nothing");
    }

    function test_performExodus_refusesOtherStoredBlock() public {
        _depositExpireAndActivate();
        Exit memory e = _exit(0);
        Rollup.StoredBlock memory stale = _genesis();
        stale.stateRoot = bytes32(uint256(root) - 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 0));
        rollup.performExodus(stale, e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        stale = _genesis();
        stale.blockNumber = 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 1));
        rollup.performExodus(stale, e.accountId, e.owner, e.tokenId, e.amount, e.proof);
    }

    function test_performExodus_refusesProofOfAnotherRoot() public {
        // A rollup whose last executed root is block 2's (stale for the fixture's proofs).
        bytes32 block2Root = vm.parseJsonBytes32(vm.readFile("../testdata/block_vectors.json"), ".blocks[1].newRoot");
        Rollup other = new Rollup(governance, IVerifier(address(verifier)), block2Root, EXPIRATION);
        vm.prank(USER);
        other.depositETH{value: 1 ether}(USER);
        vm.roll(block.number + EXPIRATION + 1);
        other.activateExodusMode();
        Exit memory e = _exit(0);
        Rollup.StoredBlock memory last = _genesis();
        last.stateRoot = block2Root;
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        other.performExodus(last, e.accountId, e.owner, e.tokenId, e.amount, e.proof);
    }

    function test_performExodus_refusesTamperedClaimOrProof() public {
        _depositExpireAndActivate();
        Exit memory e = _exit(0);
        Rollup.StoredBlock memory g = _genesis();
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId, e.owner, e.tokenId, e.amount + 1, e.proof);
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId, USER, e.tokenId, e.amount, e.proof);
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId + 1, e.owner, e.tokenId, e.amount, e.proof);
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId, e.owner, 1, e.amount, e.proof);
        // Another exit's proof for this claim.
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId, e.owner, e.tokenId, e.amount, _exit(1).proof);
        // A valid point in the wrong place (C := A): the pairing check fails.
        uint256[8] memory p = _exit(0).proof; // a fresh copy (memory arrays are references)
        (p[6], p[7]) = (p[0], p[1]);
        vm.expectRevert(Rollup.InvalidExitProof.selector);
        rollup.performExodus(g, e.accountId, e.owner, e.tokenId, e.amount, p);
        // A coordinate off the curve: the verifier's precompile call fails (and, as a failing
        // precompile does, burns the gas it was given: bounded here so the test goes on).
        p = _exit(0).proof;
        p[7] += 1;
        vm.expectRevert(Verifier.PrecompileFailed.selector);
        rollup.performExodus{gas: 2_000_000}(g, e.accountId, e.owner, e.tokenId, e.amount, p);
        assertEq(rollup.pendingBalances(e.owner, 0), 0, "nothing credited");
        assertTrue(!rollup.performedExodus(e.accountId, 0), "not marked");
        _perform(e); // the untampered exit still goes through
    }

    function test_performExodus_onlyInExodusMode() public {
        Exit memory e = _exit(0);
        vm.expectRevert(Rollup.NotInExodusMode.selector);
        _perform(e);
    }

    // ---- unexecuted deposits refunded ----

    function test_cancelDeposits_refundsToDepositAddress() public {
        // Request 0: ETH USER → ALICE; 1: FullExit; 2: no-return token USER → USER.
        vm.prank(USER);
        rollup.depositETH{value: 3 ether}(ALICE);
        vm.prank(USER);
        rollup.requestFullExit(7, address(0));
        noReturn.mint(USER, 500);
        vm.prank(USER);
        noReturn.approve(address(rollup), 500);
        vm.prank(USER);
        rollup.depositERC20(IERC20(address(noReturn)), 500, USER);
        vm.roll(10 + EXPIRATION + 1);
        rollup.activateExodusMode();

        bytes[] memory pubdata = new bytes[](2);
        pubdata[0] = _depositPubdata(0, 3 ether, ALICE);
        pubdata[1] = _depositPubdata(1, 500, USER);
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(ALICE, 0, 3 ether);
        vm.expectEmit(address(rollup));
        emit Rollup.PendingBalanceCredited(USER, 1, 500);
        vm.expectEmit(address(rollup));
        emit Rollup.PriorityRequestsCancelled(0, 3);
        rollup.cancelOutstandingDepositsForExodusMode(3, pubdata);
        assertEq(rollup.pendingBalances(ALICE, 0), 3 ether, "ETH refund to the deposit's address");
        assertEq(rollup.pendingBalances(USER, 1), 500, "token refund");
        assertEq(rollup.firstPriorityRequestId(), 3, "queue head");
        assertEq(rollup.totalOpenPriorityRequests(), 0, "none open");

        // Nothing left to cancel; the refunds withdraw (the no-return token through its void transfer).
        vm.expectRevert(Rollup.CancelCountMismatch.selector);
        rollup.cancelOutstandingDepositsForExodusMode(1, new bytes[](0));
        rollup.withdrawPendingBalance(payable(USER), address(noReturn), 500);
        assertEq(noReturn.balanceOf(USER), 500, "no-return token paid out");
        assertEq(rollup.pendingBalances(USER, 1), 0, "token pending");
    }

    function test_cancelDeposits_checksPubdataAndCounts() public {
        vm.prank(USER);
        rollup.depositETH{value: 3 ether}(ALICE);
        vm.prank(USER);
        rollup.depositETH{value: 1 ether}(USER);
        vm.expectRevert(Rollup.NotInExodusMode.selector);
        rollup.cancelOutstandingDepositsForExodusMode(1, new bytes[](1));
        vm.roll(10 + EXPIRATION + 1);
        rollup.activateExodusMode();

        bytes[] memory pubdata = new bytes[](1);
        pubdata[0] = _depositPubdata(0, 3 ether + 1, ALICE); // another amount
        vm.expectRevert(abi.encodeWithSelector(Rollup.DepositPubdataMismatch.selector, 0));
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata);
        pubdata[0] = _depositPubdata(0, 3 ether, USER); // another address
        vm.expectRevert(abi.encodeWithSelector(Rollup.DepositPubdataMismatch.selector, 0));
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata);
        pubdata[0] = _depositPubdata(0, 3 ether, ALICE);
        vm.expectRevert(Rollup.CancelCountMismatch.selector);
        rollup.cancelOutstandingDepositsForExodusMode(3, pubdata); // more than are open
        vm.expectRevert(Rollup.CancelCountMismatch.selector);
        rollup.cancelOutstandingDepositsForExodusMode(2, pubdata); // two deposits, one pubdata
        pubdata = new bytes[](2);
        pubdata[0] = _depositPubdata(0, 3 ether, ALICE);
        pubdata[1] = _depositPubdata(0, 1 ether, USER);
        vm.expectRevert(Rollup.CancelCountMismatch.selector);
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata); // one deposit, two pubdata
        // One at a time works.
        bytes[] memory one = new bytes[](1);
        one[0] = pubdata[0];
        rollup.cancelOutstandingDepositsForExodusMode(1, one);
        one[0] = pubdata[1];
        rollup.cancelOutstandingDepositsForExodusMode(1, one);
        assertEq(rollup.pendingBalances(USER, 0), 1 ether, "second refund");
        assertEq(rollup.firstPriorityRequestId(), 2, "both cancelled");
    }

    function _depositPubdata(uint16 tokenId, uint128 amount, address to) internal pure returns (bytes memory) {
        return Operations.depositL1Pubdata(Operations.Deposit({accountId: 0, tokenId: tokenId, amount: amount, owner: to}));
    }

    // ---- a reentrant token cannot withdraw twice ----

    function _pendingReentrantTokens(uint128 amount) internal {
        reentrant.mint(USER, amount);
        vm.prank(USER);
        reentrant.approve(address(rollup), amount);
        vm.prank(USER);
        rollup.depositERC20(IERC20(address(reentrant)), amount, USER);
        vm.roll(10 + EXPIRATION + 1);
        rollup.activateExodusMode();
        bytes[] memory pubdata = new bytes[](1);
        pubdata[0] = _depositPubdata(2, amount, USER);
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata);
        assertEq(rollup.pendingBalances(USER, 2), amount, "pending");
    }

    function test_withdraw_reentrantTokenCannotWithdrawTwice() public {
        _pendingReentrantTokens(1000);
        // The token re-enters withdrawPendingBalance for the same balance while being paid; the guard
        // refuses the nested call (the token swallows that revert and completes the outer transfer).
        reentrant.armWithdraw(IDepositERC20(address(rollup)), USER, 1000, true);
        rollup.withdrawPendingBalance(payable(USER), address(reentrant), 1000);
        assertTrue(reentrant.reentered(), "the token did call back");
        assertEq(reentrant.lastReentryError(), abi.encodeWithSelector(Rollup.Reentrancy.selector), "guard refused it");
        assertEq(reentrant.balanceOf(USER), 1000, "paid once");
        assertEq(reentrant.balanceOf(address(rollup)), 0, "not more");
        assertEq(rollup.pendingBalances(USER, 2), 0, "pending spent");
    }

    // ---- payouts that fail ----

    /// @dev A pending balance of `amount` of token `t` (id `tokenId`) or ETH (`t` = 0) for `owner`,
    /// from a deposit to `owner` cancelled in exodus mode.
    function _pendingRefund(address t, uint16 tokenId, uint128 amount, address owner) internal {
        vm.startPrank(USER);
        if (t == address(0)) {
            rollup.depositETH{value: amount}(owner);
        } else {
            PayoutFailToken(t).approve(address(rollup), amount);
            rollup.depositERC20(IERC20(t), amount, owner);
        }
        vm.stopPrank();
        vm.roll(block.number + EXPIRATION + 1);
        rollup.activateExodusMode();
        bytes[] memory pubdata = new bytes[](1);
        pubdata[0] = _depositPubdata(tokenId, amount, owner);
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata);
        assertEq(rollup.pendingBalances(owner, tokenId), amount, "pending");
    }

    function test_withdraw_tokenReturningFalseOrRevertingKeepsThePendingBalance() public {
        PayoutFailToken t = new PayoutFailToken();
        governance.addToken(address(t)); // id 3
        t.mint(USER, 1000);
        _pendingRefund(address(t), 3, 1000, USER);
        t.setPayoutMode(PayoutFailToken.PayoutMode.ReturnFalse);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TokenTransferFailed.selector, address(t)));
        rollup.withdrawPendingBalance(payable(USER), address(t), 1000);
        t.setPayoutMode(PayoutFailToken.PayoutMode.RevertWithError);
        vm.expectRevert(PayoutFailToken.PayoutRefused.selector); // the token's own error, passed on
        rollup.withdrawPendingBalance(payable(USER), address(t), 1000);
        t.setPayoutMode(PayoutFailToken.PayoutMode.RevertWithoutData);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TokenTransferFailed.selector, address(t)));
        rollup.withdrawPendingBalance(payable(USER), address(t), 1000);
        assertEq(rollup.pendingBalances(USER, 3), 1000, "pending kept on every failure");
        assertEq(t.balanceOf(address(rollup)), 1000, "tokens kept");
        // Once the token pays, the balance is paid once.
        t.setPayoutMode(PayoutFailToken.PayoutMode.Normal);
        rollup.withdrawPendingBalance(payable(USER), address(t), 1000);
        assertEq(t.balanceOf(USER), 1000, "paid");
        assertEq(rollup.pendingBalances(USER, 3), 0, "spent");
    }

    function test_withdraw_reentrantEthReceiverCannotWithdrawTwice() public {
        ReentrantEthReceiver receiver = new ReentrantEthReceiver(IDepositERC20(address(rollup)));
        _pendingRefund(address(0), 0, 1 ether, address(receiver));
        // Its receive() withdraws the same balance again while being paid; the guard refuses it.
        receiver.arm(1 ether, true);
        rollup.withdrawPendingBalance(payable(address(receiver)), address(0), 1 ether);
        assertTrue(receiver.reentered(), "it did call back");
        assertEq(receiver.lastReentryError(), abi.encodeWithSelector(Rollup.Reentrancy.selector), "guard refused it");
        assertEq(address(receiver).balance, 1 ether, "paid once");
        assertEq(rollup.pendingBalances(address(receiver), 0), 0, "spent");
    }

    function test_withdraw_reentrantEthReceiverThatRevertsGetsNothing() public {
        ReentrantEthReceiver receiver = new ReentrantEthReceiver(IDepositERC20(address(rollup)));
        _pendingRefund(address(0), 0, 1 ether, address(receiver));
        receiver.arm(1 ether, false); // passes the guard's revert on: the ETH transfer fails
        vm.expectRevert(abi.encodeWithSelector(Rollup.EthTransferFailed.selector, address(receiver)));
        rollup.withdrawPendingBalance(payable(address(receiver)), address(0), 1 ether);
        assertEq(rollup.pendingBalances(address(receiver), 0), 1 ether, "pending kept");
        assertEq(address(receiver).balance, 0, "nothing paid");
    }

    function test_withdraw_reentrantTokenRevertUndoesAll() public {
        _pendingReentrantTokens(1000);
        reentrant.armWithdraw(IDepositERC20(address(rollup)), USER, 1000, false);
        vm.expectRevert(Rollup.Reentrancy.selector);
        rollup.withdrawPendingBalance(payable(USER), address(reentrant), 1000);
        assertEq(rollup.pendingBalances(USER, 2), 1000, "pending kept");
        assertEq(reentrant.balanceOf(address(rollup)), 1000, "tokens kept");
    }
}

/// @dev Exodus after real execution: the vector blocks 1–3 committed, proven (echo proofs of the
/// TestOnlyEchoVerifier double) and executed, then a deposit expires and exits are proven with the
/// real exit proofs against block 3's root (the double passes exit proofs to the real Verifier.sol).
contract ExodusAfterExecutionTest is VectorRollup, ExitFixture {
    TestOnlyEchoVerifier internal verifier;

    function setUp() public {
        exits = vm.readFile(EXITS);
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(new Verifier())));
        vectors = vm.readFile(VECTORS);
        vm.roll(10);
        _deployVectorRollup(verifier, vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        _setVectorAuthFacts();
        vm.warp(T1 + 1200);
        _commitBlocks(1, 3);
        uint256[8][] memory proofs = new uint256[8][](3);
        for (uint256 n = 1; n <= 3; n++) {
            Rollup.StoredBlock memory s = _expectedStored(n);
            proofs[n - 1] = verifier.echoProof(s.chunks, uint256(s.commitment) >> 3);
        }
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        Rollup.ExecuteBlock[] memory blocks = new Rollup.ExecuteBlock[](3);
        for (uint256 n = 1; n <= 3; n++) {
            blocks[n - 1] = Rollup.ExecuteBlock(_expectedStored(n), _payoutOps(n));
        }
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(blocks);
    }

    function test_exodusWithCommittedUnexecutedBlock() public {
        // Block 4 commits Dave's deposit (request 6) but is never proven or executed; the operator
        // stops, the request expires. Exits prove against block 3 (the last executed), not block 4,
        // and the deposit of the committed block is refunded.
        vm.deal(DAVE, 1 ether);
        vm.prank(DAVE);
        rollup.depositETH{value: 1 ether}(DAVE);
        Rollup.CommitBlock memory b;
        b.blockNumber = 4;
        b.newStateRoot = bytes32(uint256(4));
        b.timestamp = uint64(block.timestamp);
        bytes memory deposit = Operations.depositL1Pubdata(
            Operations.Deposit({accountId: 4, tokenId: 0, amount: 1 ether, owner: DAVE})
        );
        b.publicData = abi.encodePacked(deposit, new bytes(80 - deposit.length)); // Deposit + Noops: 8 chunks
        b.onchainOperations = new Rollup.OnchainOperationData[](1);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_expectedStored(3), _one(b));
        assertEq(rollup.totalBlocksCommitted(), 4, "committed");
        assertEq(rollup.totalBlocksExecuted(), 3, "not executed");
        assertEq(rollup.totalCommittedPriorityRequests(), 1, "the deposit is in a committed block");
        // Any form of block 4 is refused as the base of an exit: only the last executed block is.
        Rollup.StoredBlock memory four = Rollup.StoredBlock({
            blockNumber: 4,
            chunks: 8,
            priorityOperations: 1,
            pendingOnchainOpsHash: bytes32(0),
            timestamp: b.timestamp,
            stateRoot: b.newStateRoot,
            commitment: bytes32(0)
        });

        vm.roll(block.number + EXPIRATION + 1);
        rollup.activateExodusMode();
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.executeBlocks(new Rollup.ExecuteBlock[](1));

        Exit memory e = _exit(3); // Carol's token 2
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 4));
        rollup.performExodus(four, e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        rollup.performExodus(_expectedStored(3), e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        assertEq(rollup.pendingBalances(CAROL, 2), e.amount, "exit against the last executed block");

        bytes[] memory pubdata = new bytes[](1);
        pubdata[0] = Operations.depositL1Pubdata(Operations.Deposit({accountId: 0, tokenId: 0, amount: 1 ether, owner: DAVE}));
        rollup.cancelOutstandingDepositsForExodusMode(1, pubdata);
        assertEq(rollup.pendingBalances(DAVE, 0), 1 ether, "the committed, unexecuted deposit refunded");
        assertEq(rollup.totalCommittedPriorityRequests(), 0, "no committed request left");
        assertEq(rollup.totalOpenPriorityRequests(), 0, "none open");
    }

    function test_exodusAfterExecution_exitAgainstBlock3() public {
        assertEq(_expectedStored(3).stateRoot, vm.parseJsonBytes32(exits, ".stateRoot"), "fixture root = block 3's");
        vm.deal(DAVE, 1 ether);
        vm.prank(DAVE);
        rollup.depositETH{value: 1 ether}(DAVE); // request 6, never included
        vm.expectRevert(Rollup.ExodusNotDue.selector);
        rollup.activateExodusMode();
        vm.roll(block.number + EXPIRATION + 1);
        rollup.activateExodusMode();

        Exit memory e = _exit(3); // Carol's token 2 (her deposit of block 2)
        vm.expectRevert(abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 2));
        rollup.performExodus(_expectedStored(2), e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        rollup.performExodus(_expectedStored(3), e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        assertEq(rollup.pendingBalances(CAROL, 2), 700_000_000_000_000_000, "Carol's token 2");
        rollup.withdrawPendingBalance(payable(CAROL), address(token2), e.amount);
        assertEq(token2.balanceOf(CAROL), 700_000_000_000_000_000, "paid from the deposited tokens");

        // Bob's ETH: his fees of block 3; his FullExit of block 2 is already pending separately.
        Exit memory bob = _exit(2);
        rollup.performExodus(_expectedStored(3), bob.accountId, bob.owner, bob.tokenId, bob.amount, bob.proof);
        assertEq(rollup.pendingBalances(BOB, 0), 1_999_900_000_000_000_000 + bob.amount, "full exit + exodus");
    }
}
