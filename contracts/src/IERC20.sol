// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title IERC20
/// @notice The part of the ERC-20 interface the rollup uses. `transfer` and `transferFrom` are
/// declared with their standard `bool` return, but the rollup calls them at a low level so that
/// tokens returning nothing are accepted too.
interface IERC20 {
    /// @notice The token balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Moves `amount` of the caller's tokens to `to`.
    function transfer(address to, uint256 amount) external returns (bool);

    /// @notice Moves `amount` tokens from `from` to `to` using the caller's allowance.
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
