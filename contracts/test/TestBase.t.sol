// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";

/// @dev Test double: calls the base's asserts externally, so that their reverts can be expected.
contract AssertCaller is Test {
    function eqUint(uint256 a, uint256 b) external pure {
        assertEq(a, b, "u");
    }

    function eqBytes32(bytes32 a, bytes32 b) external pure {
        assertEq(a, b, "h");
    }

    function eqAddress(address a, address b) external pure {
        assertEq(a, b, "a");
    }

    function eqBool(bool a, bool b) external pure {
        assertEq(a, b, "b");
    }

    function eqBytes(bytes memory a, bytes memory b) external pure {
        assertEq(a, b, "x");
    }

    function isTrue(bool v) external pure {
        assertTrue(v, "t");
    }
}

/// @dev The asserts of test/utils/Test.sol pass on equal values and fail, with both values in the
/// message, on different ones.
contract TestBaseTest is Test {
    AssertCaller internal c;

    function setUp() public {
        c = new AssertCaller();
    }

    function test_assertsPassOnEqualValues() public view {
        c.eqUint(7, 7);
        c.eqBytes32(bytes32(uint256(1)), bytes32(uint256(1)));
        c.eqAddress(address(1), address(1));
        c.eqBool(true, true);
        c.eqBytes(hex"00ff", hex"00ff");
        c.isTrue(true);
    }

    function test_assertsFailWithBothValues() public {
        vm.expectRevert(bytes("u: 10 != 7"));
        c.eqUint(10, 7);
        vm.expectRevert(bytes("h: 0x0000000000000000000000000000000000000000000000000000000000000001 != 0x0000000000000000000000000000000000000000000000000000000000000002"));
        c.eqBytes32(bytes32(uint256(1)), bytes32(uint256(2)));
        vm.expectRevert(bytes("a: 0x0000000000000000000000000000000000000001 != 0x00000000000000000000000000000000000000ff"));
        c.eqAddress(address(1), address(0xff));
        vm.expectRevert(bytes("b: true != false"));
        c.eqBool(true, false);
        vm.expectRevert(bytes("x: 0x00ff != 0x00fe"));
        c.eqBytes(hex"00ff", hex"00fe");
        vm.expectRevert(bytes("t: false != true"));
        c.isTrue(false);
    }
}
