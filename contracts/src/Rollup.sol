// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "./Governance.sol";
import {IERC20} from "./IERC20.sol";
import {Operations} from "./Operations.sol";

/// @title zkpay Rollup
/// @notice The L1 rollup contract (PROTOCOL §9). This version holds the deposit side: ETH and ERC-20
/// deposits and full-exit requests, each queued as a priority request (docs/protocol.md §11) that the
/// operator must include, in queue order, in a later block.
///
/// The priority queue is the mapping `priorityRequests` indexed by serial id; the open requests are
/// the ids `firstPriorityRequestId` … `firstPriorityRequestId + totalOpenPriorityRequests − 1`. Each
/// request keeps the last 20 bytes of keccak256 of its L1 pubdata (operator-filled field zeroed), its
/// op type and its expiration block, `block.number + priorityExpiration` at queueing.
///
/// Next to come, on top of this storage: the genesis state root, the verifier and the block functions
/// (`commitBlocks`, checking the block's priority ops against the queue from
/// `firstPriorityRequestId + totalCommittedPriorityRequests`; `proveBlocks`; `executeBlocks`, which
/// pops executed requests by advancing `firstPriorityRequestId` and decreasing
/// `totalOpenPriorityRequests`; `revertBlocks`), pending balances and `withdrawPendingBalance`, and
/// exodus mode (`activateExodusMode` once the request at `firstPriorityRequestId` has expired, after
/// which deposits and full-exit requests are refused; `performExodus`;
/// `cancelOutstandingDepositsForExodusMode`).
contract Rollup {
    /// @notice The largest amount one deposit may credit (docs/protocol.md §6): 2^104 − 1.
    uint256 public constant MAX_DEPOSIT = 2 ** 104 - 1;

    /// @notice The largest account id (ACCOUNT_TREE_DEPTH = 24): 2^24 − 1.
    uint32 public constant MAX_ACCOUNT_ID = 2 ** 24 - 1;

    /// @notice A queued priority request: the last 20 bytes of keccak256 of its L1 pubdata, the L1
    /// block after which it counts as expired (see exodus mode), and its op type.
    struct PriorityOperation {
        bytes20 hashedPubdata;
        uint64 expirationBlock;
        Operations.OpType opType;
    }

    /// @notice The governance contract: validators, token registry, token pause.
    Governance public immutable governance;

    /// @notice How many L1 blocks after its queueing a priority request expires.
    uint64 public immutable priorityExpiration;

    /// @notice The serial id of the oldest priority request not yet executed.
    uint64 public firstPriorityRequestId;

    /// @notice The number of queued priority requests not yet executed.
    uint64 public totalOpenPriorityRequests;

    /// @notice The priority request with serial id `serialId` (all zero if there is none).
    mapping(uint64 serialId => PriorityOperation request) public priorityRequests;

    /// @dev 1 outside of a guarded function, 2 inside.
    uint256 private _reentrancyStatus = 1;

    /// @notice The priority request `serialId` of type `opType` was queued by `sender` with L1 pubdata
    /// `pubdata` (43 bytes, docs/protocol.md §11); it expires after L1 block `expirationBlock`.
    event NewPriorityRequest(
        address indexed sender, uint64 serialId, uint8 opType, bytes pubdata, uint64 expirationBlock
    );

    /// @notice `amount` of token `tokenId` was deposited (details in the `NewPriorityRequest` emitted just before).
    event Deposit(uint16 indexed tokenId, uint128 amount);

    /// @notice A full exit of token `tokenId` from account `accountId` was requested (details in the
    /// `NewPriorityRequest` emitted just before).
    event FullExitRequest(uint32 indexed accountId, uint16 indexed tokenId);

    /// @notice A guarded function was entered again before it returned.
    error Reentrancy();
    /// @notice The constructor was given address 0 as governance.
    error ZeroGovernance();
    /// @notice The constructor was given a priority expiration of 0 blocks.
    error ZeroPriorityExpiration();
    /// @notice A deposit amount (asked for, sent, or received) is 0 or above MAX_DEPOSIT.
    error InvalidDepositAmount(uint256 amount);
    /// @notice A deposit names address 0 as its L2 recipient.
    error DepositToZeroAddress();
    /// @notice Deposits of token `tokenId` are paused.
    error TokenPaused(uint16 tokenId);
    /// @notice `transferFrom` of `token` returned something other than `true` (or nothing), or
    /// reverted without data.
    error TokenTransferFailed(address token);
    /// @notice A full exit names an account id above MAX_ACCOUNT_ID.
    error AccountIdOutOfRange(uint32 accountId);

    modifier nonReentrant() {
        if (_reentrancyStatus != 1) revert Reentrancy();
        _reentrancyStatus = 2;
        _;
        _reentrancyStatus = 1;
    }

    /// @notice Deploys the rollup.
    /// @param governance_ The governance contract (validators, token registry, pause).
    /// @param priorityExpiration_ How many L1 blocks a priority request may wait before it expires
    /// (dev ≈ 100, production 14 days of blocks); must not be 0.
    constructor(Governance governance_, uint64 priorityExpiration_) {
        if (address(governance_) == address(0)) revert ZeroGovernance();
        if (priorityExpiration_ == 0) revert ZeroPriorityExpiration();
        governance = governance_;
        priorityExpiration = priorityExpiration_;
    }

    /// @notice Deposits `msg.value` wei of ETH (token 0) to the L2 account of `to`, queueing a Deposit
    /// priority request.
    /// @dev Reverts with `InvalidDepositAmount` if `msg.value` is 0 or above MAX_DEPOSIT,
    /// `DepositToZeroAddress` if `to` is 0, `TokenPaused(0)` if ETH deposits are paused.
    /// @param to The L2 recipient (its account is created by the deposit if it does not exist).
    function depositETH(address to) external payable nonReentrant {
        if (msg.value == 0 || msg.value > MAX_DEPOSIT) revert InvalidDepositAmount(msg.value);
        if (to == address(0)) revert DepositToZeroAddress();
        if (governance.isTokenPaused(0)) revert TokenPaused(0);
        // casting to 'uint128' is safe because msg.value ≤ MAX_DEPOSIT < 2^128 (checked above)
        // forge-lint: disable-next-line(unsafe-typecast)
        _queueDeposit(0, uint128(msg.value), to);
    }

    /// @notice Deposits the listed ERC-20 `token` to the L2 account of `to`: pulls `amount` from the
    /// caller with `transferFrom` (the caller must have approved this contract) and credits what
    /// actually arrived, the contract's balance delta (less than `amount` for fee-on-transfer tokens).
    /// Tokens whose `transferFrom` returns nothing are accepted.
    /// @dev Reverts with `InvalidDepositAmount` if `amount` or the amount received is 0 or above
    /// MAX_DEPOSIT, `DepositToZeroAddress` if `to` is 0, Governance's `TokenNotListed` if `token` is
    /// not listed, `TokenPaused` if its deposits are paused, `TokenTransferFailed` if `transferFrom`
    /// returns false or reverts without data (a revert with data is passed on as is).
    /// @param token The token contract, listed in governance.
    /// @param amount The amount to pull from the caller, 0 < amount ≤ MAX_DEPOSIT.
    /// @param to The L2 recipient.
    function depositERC20(IERC20 token, uint128 amount, address to) external nonReentrant {
        if (amount == 0 || amount > MAX_DEPOSIT) revert InvalidDepositAmount(amount);
        if (to == address(0)) revert DepositToZeroAddress();
        uint16 tokenId = governance.validateTokenAddress(address(token));
        if (governance.isTokenPaused(tokenId)) revert TokenPaused(tokenId);

        uint256 balanceBefore = token.balanceOf(address(this));
        _transferFrom(token, msg.sender, amount);
        uint256 balanceAfter = token.balanceOf(address(this));
        uint256 received = balanceAfter > balanceBefore ? balanceAfter - balanceBefore : 0;
        if (received == 0 || received > MAX_DEPOSIT) revert InvalidDepositAmount(received);

        // casting to 'uint128' is safe because received ≤ MAX_DEPOSIT < 2^128 (checked above)
        // forge-lint: disable-next-line(unsafe-typecast)
        _queueDeposit(tokenId, uint128(received), to);
    }

    /// @notice Requests that the whole balance of `token` in account `accountId` be paid out on L1 to
    /// the caller, if the caller owns that account (otherwise the operator includes it with amount 0).
    /// @dev Reverts with `AccountIdOutOfRange` if `accountId` > MAX_ACCOUNT_ID and Governance's
    /// `TokenNotListed` if `token` is neither address 0 (ETH) nor listed.
    /// @param accountId The L2 account id.
    /// @param token The token: address 0 for ETH, else a listed ERC-20.
    function requestFullExit(uint32 accountId, address token) external nonReentrant {
        if (accountId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(accountId);
        uint16 tokenId = token == address(0) ? 0 : governance.validateTokenAddress(token);
        bytes memory pubdata = Operations.fullExitL1Pubdata(
            Operations.FullExit({accountId: accountId, owner: msg.sender, tokenId: tokenId, amount: 0})
        );
        _addPriorityRequest(Operations.OpType.FullExit, pubdata);
        emit FullExitRequest(accountId, tokenId);
    }

    function _queueDeposit(uint16 tokenId, uint128 amount, address to) private {
        bytes memory pubdata = Operations.depositL1Pubdata(
            Operations.Deposit({accountId: 0, tokenId: tokenId, amount: amount, owner: to})
        );
        _addPriorityRequest(Operations.OpType.Deposit, pubdata);
        emit Deposit(tokenId, amount);
    }

    function _addPriorityRequest(Operations.OpType opType, bytes memory pubdata) private {
        uint64 expirationBlock = uint64(block.number) + priorityExpiration;
        uint64 serialId = firstPriorityRequestId + totalOpenPriorityRequests;
        priorityRequests[serialId] = PriorityOperation({
            hashedPubdata: Operations.priorityHash(pubdata), expirationBlock: expirationBlock, opType: opType
        });
        totalOpenPriorityRequests++;
        emit NewPriorityRequest(msg.sender, serialId, uint8(opType), pubdata, expirationBlock);
    }

    /// @dev `token.transferFrom(from, this, amount)` at a low level: succeeds if the call succeeds and
    /// returns nothing or an ABI `true`; passes on a revert's data, else reverts with
    /// `TokenTransferFailed`. (`token` has code: `balanceOf` was called on it just before.)
    function _transferFrom(IERC20 token, address from, uint256 amount) private {
        (bool ok, bytes memory ret) =
            address(token).call(abi.encodeCall(IERC20.transferFrom, (from, address(this), amount)));
        if (!ok) {
            if (ret.length != 0) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
            revert TokenTransferFailed(address(token));
        }
        if (ret.length != 0 && (ret.length < 32 || abi.decode(ret, (uint256)) != 1)) {
            revert TokenTransferFailed(address(token));
        }
    }
}
