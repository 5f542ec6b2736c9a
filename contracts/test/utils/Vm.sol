// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title Vm
/// @notice The few forge cheatcodes the zkpay tests use, declared here (the npm forge-std is an old
/// unofficial copy, so the project does not depend on it). Signatures follow forge's cheatcode ABI;
/// the cheatcode contract lives at `address(uint160(uint256(keccak256("hevm cheat code"))))`.
interface Vm {
    /// @notice Sets `msg.sender` for the next call to `sender`.
    function prank(address sender) external;

    /// @notice Sets `msg.sender` for the next call to `sender` and `tx.origin` to `origin` (a commit
    /// must be its transaction's top-level call: `msg.sender = tx.origin`).
    function prank(address sender, address origin) external;

    /// @notice Sets `msg.sender` for every following call until `stopPrank`.
    function startPrank(address sender) external;

    /// @notice Sets `msg.sender` and `tx.origin` for every following call until `stopPrank`.
    function startPrank(address sender, address origin) external;

    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    /// @notice Sets the ETH balance of `who` to `newBalance`.
    function deal(address who, uint256 newBalance) external;

    /// @notice Expects the next call to revert with exactly `revertData` (e.g. a custom error with arguments).
    function expectRevert(bytes calldata revertData) external;

    /// @notice Expects the next call to revert with the 4-byte custom error selector `revertData`.
    function expectRevert(bytes4 revertData) external;

    /// @notice Expects the next call to revert, whatever the reason.
    function expectRevert() external;

    /// @notice Sets `block.number`.
    function roll(uint256 newHeight) external;

    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;

    /// @notice Expects the next emitted event to match the one emitted next by the test, comparing
    /// topics 1-3 and the data as selected, and the emitter when `emitter` is given.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;

    /// @notice As above, also requiring the event to be emitted by `emitter`.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;

    /// @notice Expects the next emitted event to match the next one the test emits, all topics and data.
    function expectEmit() external;

    /// @notice As above, also requiring the event to be emitted by `emitter`.
    function expectEmit(address emitter) external;

    /// @notice Reads a file as a string (needs `fs_permissions` in foundry.toml).
    function readFile(string calldata path) external view returns (string memory data);

    /// @notice Parses the JSON value at `key` of `json` as bytes.
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);

    /// @notice Records all emitted logs; read them back with `getRecordedLogs`.
    function recordLogs() external;

    /// @notice A log entry as returned by `getRecordedLogs`.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Returns and clears the logs recorded since `recordLogs`.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Returns the address of the private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice Signs `digest` with `privateKey` (secp256k1): v (27/28), r, s.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Parses the JSON value at `key` of `json` as a uint (a number, or a decimal or 0x-hex string).
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);

    /// @notice Parses the JSON array at `key` of `json` as uints.
    function parseJsonUintArray(string calldata json, string calldata key) external pure returns (uint256[] memory);

    /// @notice Parses the JSON value at `key` of `json` as bytes32.
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);

    /// @notice Parses the JSON value at `key` of `json` as an address.
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);

    /// @notice Parses the JSON value at `key` of `json` as a string.
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);

    /// @notice Parses a decimal (or 0x-hex) string as a uint256.
    function parseUint(string calldata value) external pure returns (uint256);

    /// @notice Expects a call to `callee` with exactly `data` (checked when the test ends).
    function expectCall(address callee, bytes calldata data) external;

    /// @notice Expects exactly `count` calls to `callee` with `data`.
    function expectCall(address callee, bytes calldata data, uint64 count) external;

    /// @notice Sets `block.chainid`.
    function chainId(uint256 newChainId) external;

    /// @notice The nonce of `account`.
    function getNonce(address account) external view returns (uint64);

    /// @notice Whether the file or directory at `path` exists.
    function exists(string calldata path) external view returns (bool);

    /// @notice `value` in decimal.
    function toString(uint256 value) external pure returns (string memory);

    /// @notice Sets the code of `target` to `code`.
    function etch(address target, bytes calldata code) external;

    /// @notice Marks `target`'s account and storage cold again (EIP-2929), as at a transaction's start.
    function cool(address target) external;
}
