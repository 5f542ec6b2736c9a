// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "../src/Governance.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {Verifier} from "../src/Verifier.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {ExitFixture} from "./Exodus.t.sol";

/// @dev The verifier upgrade (docs/protocol.md §13.9): announced by the governor, cancellable,
/// applicable only after `upgradeNoticePeriod()` = 2 × priorityExpiration L1 blocks, never in exodus
/// mode; a user who requests a full exit right after the announcement can force exodus before the
/// notice is over and exit with a real exit proof under the current verifier.
contract UpgradeTest is ExitFixture {
    address internal constant USER = address(0xD0D0);
    address internal constant VALIDATOR = address(0x7a11da7e);
    address internal constant STRANGER = address(0xBAD);
    uint64 internal constant EXPIRATION = 100;

    Governance internal governance;
    Verifier internal current;
    TestOnlyEchoVerifier internal next;
    Rollup internal rollup;
    bytes32 internal root;
    uint64 internal deployedAt;

    function setUp() public {
        exits = vm.readFile(EXITS);
        root = vm.parseJsonBytes32(exits, ".stateRoot");
        governance = new Governance(address(this));
        governance.setValidator(VALIDATOR, true);
        current = new Verifier();
        next = new TestOnlyEchoVerifier(true, IVerifier(address(current)));
        next.addBlockSize(128); // a size the current verifier has no key for
        vm.roll(10);
        vm.warp(1_700_000_000);
        rollup = new Rollup(governance, IVerifier(address(current)), root, EXPIRATION);
        deployedAt = uint64(block.timestamp);
        vm.deal(USER, 100 ether);
        vm.deal(address(rollup), 100 ether);
    }

    function _genesis() internal view returns (Rollup.StoredBlock memory) {
        return Rollup.StoredBlock(0, 0, 0, bytes32(0), deployedAt, root, bytes32(0));
    }

    function _noopBlock(uint256 chunks) internal view returns (Rollup.CommitBlock[] memory blocks) {
        blocks = new Rollup.CommitBlock[](1);
        blocks[0].blockNumber = 1;
        blocks[0].newStateRoot = root;
        blocks[0].timestamp = uint64(block.timestamp);
        blocks[0].publicData = new bytes(chunks * 10);
    }

    function test_noticeIsLongerThanTheExitWindow() public view {
        // A full exit requested in the announcement's next block expires after EXPIRATION more blocks;
        // exodus can start the block after. The notice ends well after that.
        assertEq(rollup.upgradeNoticePeriod(), 2 * EXPIRATION, "2 x priorityExpiration");
        assertTrue(rollup.upgradeNoticePeriod() > 1 + EXPIRATION + 1, "longer than request + expiry + activation");
    }

    function test_upgradeOnlyAfterTheNoticePeriod() public {
        uint64 ready = uint64(block.number) + 2 * EXPIRATION;
        vm.expectEmit(address(rollup));
        emit Rollup.VerifierUpgradeAnnounced(next, ready);
        rollup.announceVerifierUpgrade(next);
        assertEq(address(rollup.pendingVerifier()), address(next), "pending");
        assertEq(rollup.verifierUpgradeReadyBlock(), ready, "ready block");
        // No instant upgrade: not in the announcing block, nor one block before the notice ends.
        vm.expectRevert(abi.encodeWithSelector(Rollup.VerifierUpgradeNotReady.selector, ready));
        rollup.applyVerifierUpgrade();
        vm.roll(ready - 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.VerifierUpgradeNotReady.selector, ready));
        rollup.applyVerifierUpgrade();
        // Until then the current verifier decides: it has no 128-chunk key.
        vm.expectRevert(abi.encodeWithSelector(Rollup.UnsupportedBlockSize.selector, 128));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _noopBlock(128));
        vm.roll(ready);
        vm.expectEmit(address(rollup));
        emit Rollup.VerifierUpgraded(IVerifier(address(current)), next);
        rollup.applyVerifierUpgrade();
        assertEq(address(rollup.verifier()), address(next), "upgraded");
        assertEq(address(rollup.pendingVerifier()), address(0), "nothing pending");
        assertEq(rollup.verifierUpgradeReadyBlock(), 0, "no ready block");
        // The new verifier decides from now on.
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _noopBlock(128));
        assertEq(rollup.totalBlocksCommitted(), 1, "128-chunk block under the new verifier");
        vm.expectRevert(Rollup.NoVerifierUpgradeAnnounced.selector);
        rollup.applyVerifierUpgrade();
    }

    function test_userExitsDuringTheNoticeAndTheUpgradeNeverApplies() public {
        uint64 announced = uint64(block.number);
        rollup.announceVerifierUpgrade(next);
        uint64 ready = rollup.verifierUpgradeReadyBlock();
        // The user leaves: a full exit right after the announcement, which the operator ignores.
        Exit memory e = _exit(0);
        vm.roll(announced + 1);
        vm.prank(e.owner);
        rollup.requestFullExit(e.accountId, address(0));
        (, uint64 expiration,) = rollup.priorityRequests(0);
        vm.roll(expiration + 1);
        assertTrue(block.number < ready, "exodus is due before the notice ends");
        rollup.activateExodusMode();
        // The exit is proven under the current verifier, with a real exit proof.
        rollup.performExodus(_genesis(), e.accountId, e.owner, e.tokenId, e.amount, e.proof);
        assertEq(rollup.pendingBalances(e.owner, e.tokenId), e.amount, "exited");
        // The upgrade can never be applied now.
        vm.roll(ready);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.applyVerifierUpgrade();
        vm.roll(ready + 10 * EXPIRATION);
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.applyVerifierUpgrade();
        assertEq(address(rollup.verifier()), address(current), "still the verifier users exited under");
        uint256 before = e.owner.balance;
        rollup.withdrawPendingBalance(payable(e.owner), address(0), e.amount);
        assertEq(e.owner.balance - before, e.amount, "paid out");
    }

    function test_cancelAndAnnounceRules() public {
        vm.expectRevert(Rollup.NoVerifierUpgradeAnnounced.selector);
        rollup.cancelVerifierUpgrade();
        rollup.announceVerifierUpgrade(next);
        vm.expectRevert(abi.encodeWithSelector(Rollup.VerifierUpgradeAlreadyAnnounced.selector, next));
        rollup.announceVerifierUpgrade(next); // no restart of the notice by a second announcement
        vm.expectEmit(address(rollup));
        emit Rollup.VerifierUpgradeCancelled(next);
        rollup.cancelVerifierUpgrade();
        vm.roll(block.number + 2 * EXPIRATION);
        vm.expectRevert(Rollup.NoVerifierUpgradeAnnounced.selector);
        rollup.applyVerifierUpgrade();
        assertEq(address(rollup.verifier()), address(current), "cancelled: unchanged");
        // A new announcement starts a full notice of its own.
        rollup.announceVerifierUpgrade(next);
        assertEq(rollup.verifierUpgradeReadyBlock(), uint64(block.number) + 2 * EXPIRATION, "fresh notice");
    }

    function test_onlyTheGovernor() public {
        vm.startPrank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, STRANGER));
        rollup.announceVerifierUpgrade(next);
        vm.stopPrank();
        rollup.announceVerifierUpgrade(next);
        vm.roll(block.number + 2 * EXPIRATION);
        vm.startPrank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, STRANGER));
        rollup.applyVerifierUpgrade();
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, STRANGER));
        rollup.cancelVerifierUpgrade();
        vm.stopPrank();
        // A new governor takes over the role.
        governance.changeGovernor(STRANGER);
        vm.prank(STRANGER);
        rollup.applyVerifierUpgrade();
        assertEq(address(rollup.verifier()), address(next), "applied by the new governor");
    }

    function test_refusesAZeroOrDevKeyVerifierAndExodus() public {
        vm.expectRevert(Rollup.ZeroVerifier.selector);
        rollup.announceVerifierUpgrade(IVerifier(address(0)));
        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.DevKeysOnNonDevChain.selector, 1));
        rollup.announceVerifierUpgrade(next);
        vm.chainId(31337);
        vm.prank(USER);
        rollup.depositETH{value: 1}(USER);
        vm.roll(block.number + EXPIRATION + 1);
        rollup.activateExodusMode();
        vm.expectRevert(Rollup.ExodusModeActive.selector);
        rollup.announceVerifierUpgrade(next);
    }
}
