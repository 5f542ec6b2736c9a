// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice A minimal base for the zkpay forge tests: the cheatcode handle `vm` and equality asserts
/// that revert with a message giving both values. Forge runs every `test*` function of a contract
/// inheriting from it (after `setUp`) and treats a revert as a failure.
abstract contract Test {
    /// @notice Forge's cheatcode contract.
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));


    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) _fail(what, _toDec(left), _toDec(right));
    }

    function assertEq(bytes32 left, bytes32 right, string memory what) internal pure {
        if (left != right) _fail(what, _toHex(abi.encodePacked(left)), _toHex(abi.encodePacked(right)));
    }

    function assertEq(address left, address right, string memory what) internal pure {
        if (left != right) _fail(what, _toHex(abi.encodePacked(left)), _toHex(abi.encodePacked(right)));
    }

    function assertEq(bool left, bool right, string memory what) internal pure {
        if (left != right) _fail(what, left ? "true" : "false", right ? "true" : "false");
    }

    function assertEq(bytes memory left, bytes memory right, string memory what) internal pure {
        if (keccak256(left) != keccak256(right)) _fail(what, _toHex(left), _toHex(right));
    }

    function assertTrue(bool value, string memory what) internal pure {
        if (!value) _fail(what, "false", "true");
    }

    /// @dev Fails the test with "<what>: <left> != <right>" (forge prints a string revert as is).
    function _fail(string memory what, string memory left, string memory right) private pure {
        revert(string.concat(what, ": ", left, " != ", right));
    }

    function _toDec(uint256 v) private pure returns (string memory) {
        if (v == 0) return "0";
        uint256 len;
        for (uint256 t = v; t != 0; t /= 10) len++;
        bytes memory s = new bytes(len);
        for (; v != 0; v /= 10) s[--len] = bytes1(uint8(48 + (v % 10)));
        return string(s);
    }

    function _toHex(bytes memory b) private pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory s = new bytes(2 + 2 * b.length);
        s[0] = "0";
        s[1] = "x";
        for (uint256 i = 0; i < b.length; i++) {
            s[2 + 2 * i] = digits[uint8(b[i]) >> 4];
            s[3 + 2 * i] = digits[uint8(b[i]) & 0x0f];
        }
        return string(s);
    }
}
