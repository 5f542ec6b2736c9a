// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";
import {Governance} from "../src/Governance.sol";

contract GovernanceTest is Test {
    Governance internal gov;
    address internal constant GOVERNOR = address(0x6011);
    address internal constant ALICE = address(0xA11CE);
    address internal constant VALIDATOR = address(0x7A1);
    address internal constant TOKEN_A = address(0x70A);
    address internal constant TOKEN_B = address(0x70B);

    function setUp() public {
        gov = new Governance(GOVERNOR);
    }

    // ---- constructor and governor ----

    function test_constructor_setsGovernorAndEmptyRegistry() public {
        vm.expectEmit(true, true, true, true);
        emit Governance.GovernorChanged(address(0), GOVERNOR);
        Governance g = new Governance(GOVERNOR);
        assertEq(g.governor(), GOVERNOR, "governor");
        assertEq(uint256(g.totalTokens()), 0, "totalTokens");
        assertEq(g.tokenAddresses(0), address(0), "ETH address");
        assertEq(uint256(g.tokenIds(address(0))), 0, "ETH id");
        assertEq(uint256(g.MAX_TOKEN_ID()), 1023, "MAX_TOKEN_ID");
    }

    function test_constructor_refusesZeroGovernor() public {
        vm.expectRevert(Governance.ZeroAddress.selector);
        new Governance(address(0));
    }

    function test_changeGovernor_byGovernor() public {
        vm.expectEmit(address(gov));
        emit Governance.GovernorChanged(GOVERNOR, ALICE);
        vm.prank(GOVERNOR);
        gov.changeGovernor(ALICE);
        assertEq(gov.governor(), ALICE, "new governor");

        // The old governor has lost the role, the new one has it.
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, GOVERNOR));
        vm.prank(GOVERNOR);
        gov.changeGovernor(GOVERNOR);
        vm.prank(ALICE);
        gov.changeGovernor(GOVERNOR);
        assertEq(gov.governor(), GOVERNOR, "governor back");
    }

    function test_changeGovernor_sameGovernorEmitsNothing() public {
        vm.recordLogs();
        vm.prank(GOVERNOR);
        gov.changeGovernor(GOVERNOR);
        assertEq(vm.getRecordedLogs().length, 0, "logs");
        assertEq(gov.governor(), GOVERNOR, "governor");
    }

    function test_changeGovernor_refusesNonGovernor() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, ALICE));
        vm.prank(ALICE);
        gov.changeGovernor(ALICE);
    }

    function test_changeGovernor_refusesZeroAddress() public {
        vm.expectRevert(Governance.ZeroAddress.selector);
        vm.prank(GOVERNOR);
        gov.changeGovernor(address(0));
    }

    // ---- validators ----

    function test_setValidator_addsAndRemoves() public {
        assertEq(gov.isValidator(VALIDATOR), false, "initially");
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, VALIDATOR));
        gov.requireActiveValidator(VALIDATOR);

        vm.expectEmit(address(gov));
        emit Governance.ValidatorStatusChanged(VALIDATOR, true);
        vm.prank(GOVERNOR);
        gov.setValidator(VALIDATOR, true);
        assertEq(gov.isValidator(VALIDATOR), true, "added");
        assertEq(gov.isValidator(ALICE), false, "others unaffected");
        gov.requireActiveValidator(VALIDATOR);

        vm.expectEmit(address(gov));
        emit Governance.ValidatorStatusChanged(VALIDATOR, false);
        vm.prank(GOVERNOR);
        gov.setValidator(VALIDATOR, false);
        assertEq(gov.isValidator(VALIDATOR), false, "removed");
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, VALIDATOR));
        gov.requireActiveValidator(VALIDATOR);
    }

    function test_setValidator_noChangeEmitsNothing() public {
        vm.recordLogs();
        vm.prank(GOVERNOR);
        gov.setValidator(VALIDATOR, false);
        assertEq(vm.getRecordedLogs().length, 0, "logs");
    }

    function test_setValidator_refusesNonGovernor() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, VALIDATOR));
        vm.prank(VALIDATOR);
        gov.setValidator(VALIDATOR, true);
        assertEq(gov.isValidator(VALIDATOR), false, "unchanged");
    }

    function test_setValidator_refusesZeroAddress() public {
        vm.expectRevert(Governance.ZeroAddress.selector);
        vm.prank(GOVERNOR);
        gov.setValidator(address(0), true);
    }

    // ---- token registry ----

    function test_addToken_assignsIdsInOrder() public {
        vm.expectEmit(address(gov));
        emit Governance.TokenAdded(TOKEN_A, 1);
        vm.prank(GOVERNOR);
        assertEq(uint256(gov.addToken(TOKEN_A)), 1, "returned id A");

        vm.expectEmit(address(gov));
        emit Governance.TokenAdded(TOKEN_B, 2);
        vm.prank(GOVERNOR);
        assertEq(uint256(gov.addToken(TOKEN_B)), 2, "returned id B");

        assertEq(uint256(gov.totalTokens()), 2, "totalTokens");
        assertEq(uint256(gov.tokenIds(TOKEN_A)), 1, "id A");
        assertEq(uint256(gov.tokenIds(TOKEN_B)), 2, "id B");
        assertEq(gov.tokenAddresses(1), TOKEN_A, "address 1");
        assertEq(gov.tokenAddresses(2), TOKEN_B, "address 2");
        assertEq(gov.tokenAddresses(3), address(0), "address 3 unlisted");
        assertEq(uint256(gov.validateTokenAddress(TOKEN_B)), 2, "validate B");
    }

    function test_addToken_refusesNonGovernor() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, ALICE));
        vm.prank(ALICE);
        gov.addToken(TOKEN_A);
        assertEq(uint256(gov.totalTokens()), 0, "totalTokens");
    }

    function test_addToken_refusesZeroAddress() public {
        vm.expectRevert(Governance.ZeroAddress.selector);
        vm.prank(GOVERNOR);
        gov.addToken(address(0));
    }

    function test_addToken_refusesDuplicate() public {
        vm.startPrank(GOVERNOR);
        gov.addToken(TOKEN_A);
        gov.addToken(TOKEN_B);
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenAlreadyListed.selector, TOKEN_A, uint16(1)));
        gov.addToken(TOKEN_A);
        vm.stopPrank();
        assertEq(uint256(gov.totalTokens()), 2, "totalTokens");
    }

    function test_addToken_refuses1024thToken() public {
        vm.startPrank(GOVERNOR);
        for (uint256 i = 1; i <= 1023; i++) {
            assertEq(uint256(gov.addToken(address(uint160(0x10000 + i)))), i, "id");
        }
        vm.expectRevert(Governance.TokenLimitReached.selector);
        gov.addToken(address(uint160(0x10000 + 1024)));
        vm.stopPrank();
        assertEq(uint256(gov.totalTokens()), 1023, "totalTokens");
        assertEq(gov.tokenAddresses(1023), address(uint160(0x10000 + 1023)), "last token");
        assertEq(uint256(gov.tokenIds(address(uint160(0x10000 + 1024)))), 0, "1024th unlisted");
    }

    function test_validateTokenAddress_refusesUnlistedAndEth() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, TOKEN_A));
        gov.validateTokenAddress(TOKEN_A);
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, address(0)));
        gov.validateTokenAddress(address(0));
    }

    // ---- token pause ----

    function test_setTokenPaused_toggles() public {
        vm.prank(GOVERNOR);
        gov.addToken(TOKEN_A);
        assertEq(gov.isTokenPaused(1), false, "initially");

        vm.expectEmit(address(gov));
        emit Governance.TokenPausedChanged(1, true);
        vm.prank(GOVERNOR);
        gov.setTokenPaused(1, true);
        assertEq(gov.isTokenPaused(1), true, "paused");
        assertEq(gov.isTokenPaused(0), false, "ETH unaffected");

        vm.expectEmit(address(gov));
        emit Governance.TokenPausedChanged(1, false);
        vm.prank(GOVERNOR);
        gov.setTokenPaused(1, false);
        assertEq(gov.isTokenPaused(1), false, "resumed");
    }

    function test_setTokenPaused_eth() public {
        vm.expectEmit(address(gov));
        emit Governance.TokenPausedChanged(0, true);
        vm.prank(GOVERNOR);
        gov.setTokenPaused(0, true);
        assertEq(gov.isTokenPaused(0), true, "ETH paused");
    }

    function test_setTokenPaused_noChangeEmitsNothing() public {
        vm.recordLogs();
        vm.prank(GOVERNOR);
        gov.setTokenPaused(0, false);
        assertEq(vm.getRecordedLogs().length, 0, "logs");
    }

    function test_setTokenPaused_refusesNonGovernor() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, ALICE));
        vm.prank(ALICE);
        gov.setTokenPaused(0, true);
        assertEq(gov.isTokenPaused(0), false, "unchanged");
    }

    function test_setTokenPaused_refusesUnlistedId() public {
        vm.prank(GOVERNOR);
        gov.addToken(TOKEN_A);
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenIdNotListed.selector, uint16(2)));
        vm.prank(GOVERNOR);
        gov.setTokenPaused(2, true);
    }
}
