// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "../../src/IERC20.sol";

/// @title TestERC20
/// @notice Test double: a plain ERC-20 (balances, allowances, `transferFrom` returning true) with
/// open minting, and a switch to misbehave in `transferFrom`.
contract TestERC20 {
    /// @notice How `transferFrom` behaves: normally, returning false without moving anything, or
    /// returning true without moving anything.
    enum Mode {
        Normal,
        ReturnFalse,
        ReturnTrueNoTransfer
    }

    /// @notice EIP-20's optional metadata, which the node shows in `GET /v1/tokens`.
    string public constant symbol = "TST";
    uint8 public constant decimals = 18;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;
    Mode public mode;

    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external virtual returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external virtual returns (bool) {
        if (mode == Mode.ReturnFalse) return false;
        if (mode == Mode.ReturnTrueNoTransfer) return true;
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }

    function _spend(address from, uint256 amount) internal {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert InsufficientAllowance(from, msg.sender, allowed, amount);
        allowance[from][msg.sender] = allowed - amount;
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
    }
}

/// @title FeeOnTransferToken
/// @notice Test double: every transfer burns 1% (rounded down) of the amount; the recipient gets the rest.
contract FeeOnTransferToken is TestERC20 {
    function _move(address from, address to, uint256 amount) internal override {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        uint256 fee = amount / 100;
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
    }
}

/// @title NoReturnToken
/// @notice Test double: an ERC-20 whose `transferFrom` returns nothing (like USDT), declared through
/// a separate interface so that the compiler emits no return value.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    error InsufficientAllowance();
    error InsufficientBalance();

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        if (balanceOf[msg.sender] < amount) revert InsufficientBalance();
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (allowance[from][msg.sender] < amount) revert InsufficientAllowance();
        if (balanceOf[from] < amount) revert InsufficientBalance();
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice The rollup functions the reentrant token calls back into.
interface IDepositERC20 {
    function depositERC20(IERC20 token, uint128 amount, address to) external;
    function withdrawPendingBalance(address payable owner, address token, uint128 amount) external;
}

/// @title ReentrantToken
/// @notice Test double: a standard token whose `transferFrom`, once armed, calls back into
/// `depositERC20` of the rollup (once). With `swallow` false the callback's revert is passed on;
/// with `swallow` true it is caught, its revert data kept in `lastReentryError`, and the transfer
/// completes normally. The token funds and approves the nested deposit itself, so only the rollup's
/// guard can make it fail.
contract ReentrantToken is TestERC20 {
    IDepositERC20 public target;
    bool public armed;
    bool public swallow;
    bool public reentered;
    bytes public lastReentryError;

    function arm(IDepositERC20 rollup, bool swallowRevert) external {
        target = rollup;
        armed = true;
        swallow = swallowRevert;
        // The token itself pays for the nested deposit, so that without a guard it would succeed.
        balanceOf[address(this)] += 1;
        totalSupply += 1;
        allowance[address(this)][address(rollup)] = 1;
    }

    function transferFrom(address from, address to, uint256 amount) external override returns (bool) {
        if (armed) {
            armed = false;
            reentered = true;
            if (swallow) {
                try target.depositERC20(IERC20(address(this)), 1, from) {}
                catch (bytes memory reason) {
                    lastReentryError = reason;
                }
            } else {
                target.depositERC20(IERC20(address(this)), 1, from);
            }
        }
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }

    /// @notice Arms `transfer` (the rollup paying out) to call `withdrawPendingBalance(owner, this,
    /// amount)` back once, with the same `swallow` behaviour as `arm`.
    function armWithdraw(IDepositERC20 rollup, address owner, uint128 amount, bool swallowRevert) external {
        target = rollup;
        withdrawArmed = true;
        swallow = swallowRevert;
        withdrawOwner = owner;
        withdrawAmount = amount;
    }

    bool public withdrawArmed;
    address public withdrawOwner;
    uint128 public withdrawAmount;

    function transfer(address to, uint256 amount) external override returns (bool) {
        if (withdrawArmed) {
            withdrawArmed = false;
            reentered = true;
            if (swallow) {
                try target.withdrawPendingBalance(payable(withdrawOwner), address(this), withdrawAmount) {}
                catch (bytes memory reason) {
                    lastReentryError = reason;
                }
            } else {
                target.withdrawPendingBalance(payable(withdrawOwner), address(this), withdrawAmount);
            }
        }
        _move(msg.sender, to, amount);
        return true;
    }
}
