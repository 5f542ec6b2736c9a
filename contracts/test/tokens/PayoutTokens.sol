// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IDepositERC20, TestERC20} from "./TestTokens.sol";

// Test doubles for the deposit and payout revert paths, kept out of TestTokens.sol so that the
// bytecode of the TestERC20 that Rust deploys (contracts/artifacts/TestERC20.json) does not change.

/// @title BonusToken
/// @notice Test double: `transferFrom` delivers `bonus` more than asked (minted on the way), as a
/// token with a transfer hook that sends extra, or with an inflating balance, would look to the rollup.
contract BonusToken is TestERC20 {
    uint256 public bonus;

    function setBonus(uint256 newBonus) external {
        bonus = newBonus;
    }

    function transferFrom(address from, address to, uint256 amount) external override returns (bool) {
        _spend(from, amount);
        _move(from, to, amount);
        balanceOf[to] += bonus;
        totalSupply += bonus;
        return true;
    }
}

/// @title PayoutFailToken
/// @notice Test double: a standard token whose `transfer` (the rollup paying out) can be made to
/// return false, to revert with an error, or to revert without data.
contract PayoutFailToken is TestERC20 {
    /// @notice How `transfer` behaves.
    enum PayoutMode {
        Normal,
        ReturnFalse,
        RevertWithError,
        RevertWithoutData
    }

    PayoutMode public payoutMode;

    error PayoutRefused();

    function setPayoutMode(PayoutMode newMode) external {
        payoutMode = newMode;
    }

    function transfer(address to, uint256 amount) external override returns (bool) {
        if (payoutMode == PayoutMode.ReturnFalse) return false;
        if (payoutMode == PayoutMode.RevertWithError) revert PayoutRefused();
        if (payoutMode == PayoutMode.RevertWithoutData) revert();
        _move(msg.sender, to, amount);
        return true;
    }
}

/// @title ReentrantEthReceiver
/// @notice Test double: an L1 owner whose `receive`, once armed, calls `withdrawPendingBalance` of
/// the rollup again for its own ETH (once), while the first payout is under way. With `swallow` the
/// nested call's revert is caught and kept in `lastReentryError`, and the payment is accepted.
contract ReentrantEthReceiver {
    IDepositERC20 public immutable rollup;
    bool public armed;
    bool public swallow;
    bool public reentered;
    uint128 public amount;
    bytes public lastReentryError;

    constructor(IDepositERC20 rollup_) {
        rollup = rollup_;
    }

    function arm(uint128 amount_, bool swallowRevert) external {
        armed = true;
        amount = amount_;
        swallow = swallowRevert;
    }

    receive() external payable {
        if (!armed) return;
        armed = false;
        reentered = true;
        if (swallow) {
            try rollup.withdrawPendingBalance(payable(address(this)), address(0), amount) {}
            catch (bytes memory reason) {
                lastReentryError = reason;
            }
        } else {
            rollup.withdrawPendingBalance(payable(address(this)), address(0), amount);
        }
    }
}
