// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";

/// @dev `setAuthPubkeyHash` (docs/protocol.md §13.3): a first authorization takes effect at once; a
/// change or revocation of one in effect only AUTH_FACT_RESET_DELAY after its request, so an owner
/// cannot pull the authorization of a sealed ChangePubKey from under its commit.
contract AuthFactTest is VectorRollup {
    bytes20 internal constant OTHER_PKH = bytes20(hex"00000000000000000000000000000000000000aa");
    uint256 internal delay;

    function setUp() public {
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(new TestOnlyEchoVerifier(true, IVerifier(address(0))), vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        delay = rollup.AUTH_FACT_RESET_DELAY();
    }

    function test_firstSetTakesEffectAtOnce() public {
        assertEq(delay, 24 hours, "24 h, as zkSync Lite");
        vm.expectEmit(address(rollup));
        emit Rollup.FactAuth(ALICE, 0, ALICE_PKH);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 0);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(ALICE_PKH), "in effect");
        (bytes20 stored, bool consumed) = rollup.authFacts(ALICE, 0);
        assertEq(bytes32(stored), bytes32(ALICE_PKH), "stored");
        assertTrue(!consumed, "not consumed");
        (, uint64 readyAt) = rollup.authFactResets(ALICE, 0);
        assertEq(readyAt, 0, "no request pending");
    }

    function test_changeTakesEffectOnlyAfterTheDelay() public {
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 0);
        uint64 t = uint64(block.timestamp);
        vm.expectEmit(address(rollup));
        emit Rollup.FactAuthResetRequested(ALICE, 0, OTHER_PKH, uint64(t + delay));
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        (bytes20 requested, uint64 readyAt) = rollup.authFactResets(ALICE, 0);
        assertEq(bytes32(requested), bytes32(OTHER_PKH), "requested");
        assertEq(readyAt, t + delay, "ready a day later");
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(ALICE_PKH), "old one still in effect");
        vm.warp(t + delay - 1);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(ALICE_PKH), "one second before");
        vm.warp(t + delay);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(OTHER_PKH), "in effect by itself, no second call");
    }

    function test_revocationRightBeforeTheCommitDoesNotMakeItRevert() public {
        // The griefing this prevents: the node seals block 1 with Alice's and Bob's ChangePubKeys on
        // their facts; both ask to revoke before the commit. The commit still goes through.
        _setVectorAuthFacts();
        vm.warp(T1 + 1200);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(bytes20(0), 0);
        vm.prank(BOB);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        vm.warp(T1 + 1200 + delay - 1);
        // (block 1's timestamp T1 is then older than 24 h: commit a copy stamped now)
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.timestamp = uint64(block.timestamp);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(b));
        assertEq(rollup.totalBlocksCommitted(), 1, "committed on the facts in effect");
        // Consumed: the pending requests went with them.
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "Alice's consumed");
        (, uint64 readyAt) = rollup.authFactResets(BOB, 0);
        assertEq(readyAt, 0, "Bob's request dropped with his fact");
        vm.warp(block.timestamp + 1);
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(0), "and never takes effect");
    }

    function test_revocationOnceDueMakesTheCommitRevert() public {
        // The other side: a revocation that is due is in effect; the ChangePubKey is not authorized.
        _setVectorAuthFacts();
        vm.warp(T1);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(bytes20(0), 0);
        vm.warp(T1 + delay);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 1, ALICE));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)));
    }

    function test_newRequestRestartsTheDelayAndSettingTheCurrentOneCancels() public {
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 0);
        uint64 t = uint64(block.timestamp);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        vm.warp(t + delay - 10);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(bytes20(0), 0); // replaces the request, delay from now
        vm.warp(t + delay);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(ALICE_PKH), "first request gone, second not due");
        vm.warp(t + 2 * delay - 10);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "second one due");
        // Cancel: a new request, then the hash in effect set again.
        vm.prank(BOB);
        rollup.setAuthPubkeyHash(BOB_PKH, 0);
        vm.prank(BOB);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        vm.expectEmit(address(rollup));
        emit Rollup.FactAuth(BOB, 0, BOB_PKH);
        vm.prank(BOB);
        rollup.setAuthPubkeyHash(BOB_PKH, 0);
        vm.warp(block.timestamp + delay);
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(BOB_PKH), "request cancelled");
    }

    function test_dueChangeIsKeptWhenAnotherIsRequested() public {
        // Once due, a change is the fact in effect; a later request changes it only after its own delay.
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 0);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        vm.warp(block.timestamp + delay);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(BOB_PKH, 0);
        (bytes20 stored,) = rollup.authFacts(ALICE, 0);
        assertEq(bytes32(stored), bytes32(OTHER_PKH), "due change stored");
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(OTHER_PKH), "and in effect");
        vm.warp(block.timestamp + delay);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(BOB_PKH), "the next one after its delay");
    }

    function test_staleRequestDoesNotShortcutTheDelayOfALaterFact() public {
        // Alice's fact is consumed while her change request is pending; her next first set is at once
        // and a request made for the old fact must not change the new one without a delay.
        _setVectorAuthFacts();
        vm.warp(T1);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(OTHER_PKH, 0);
        Rollup.CommitBlock memory b = _commitBlock(1);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(b));
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(BOB_PKH, 0); // none in effect: at once
        vm.warp(T1 + delay);
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(BOB_PKH), "old request did not apply");
    }
}
