// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "./Governance.sol";
import {IERC20} from "./IERC20.sol";
import {IVerifier} from "./IVerifier.sol";
import {Operations} from "./Operations.sol";

/// @title zkpay Rollup
/// @notice The L1 rollup contract (PROTOCOL §9, docs/protocol.md §13): deposits and full-exit
/// requests (priority requests, §11), block commit / prove / execute / revert, pending balances and
/// their withdrawal, ChangePubKey authorization, and exodus mode.
///
/// Blocks move through three stages, each counted: `totalBlocksCommitted` ≥ `totalBlocksProven` ≥
/// `totalBlocksExecuted`. Only the hash `keccak256(abi.encode(StoredBlock))` of each block is kept
/// (`storedBlockHashes`); callers pass the `StoredBlock`s back in. Block 0 is the genesis block
/// (state root = the constructor's genesis root), committed, proven and executed from the start.
///
/// The priority queue is the mapping `priorityRequests` indexed by serial id; the open (unexecuted)
/// requests are the ids `firstPriorityRequestId` … `firstPriorityRequestId + totalOpenPriorityRequests − 1`,
/// of which the first `totalCommittedPriorityRequests` are in committed blocks. Each request keeps
/// the last 20 bytes of keccak256 of its L1 pubdata (operator-filled field zeroed), its op type and
/// its expiration block, `block.number + priorityExpiration` at queueing.
contract Rollup {
    /// @notice The largest amount one deposit may credit (docs/protocol.md §6): 2^104 − 1.
    uint256 public constant MAX_DEPOSIT = 2 ** 104 - 1;

    /// @notice The largest account id (ACCOUNT_TREE_DEPTH = 24): 2^24 − 1.
    uint32 public constant MAX_ACCOUNT_ID = 2 ** 24 - 1;

    /// @notice The chain id of the local dev chain (anvil, hardhat), the only chain on which a
    /// verifier with dev keys (`DEV_KEYS`) is accepted.
    uint256 public constant DEV_CHAIN_ID = 31337;

    /// @notice How far before `block.timestamp` a committed block's timestamp may be: 24 hours.
    uint256 public constant COMMIT_TIMESTAMP_MAX_AGE = 24 hours;

    /// @notice How far after `block.timestamp` a committed block's timestamp may be: 15 minutes.
    uint256 public constant COMMIT_TIMESTAMP_MAX_AHEAD = 15 minutes;

    /// @notice How long a change (or revocation) of a ChangePubKey authorization in effect waits between
    /// its request (`setAuthPubkeyHash`) and its effect: 24 hours, as in zkSync Lite. A fact the node
    /// saw when it sealed a block then still holds when the block is committed minutes later.
    uint256 public constant AUTH_FACT_RESET_DELAY = 24 hours;

    /// @notice The smallest `priorityExpiration` on any chain but the local dev chain: 7,200 L1
    /// blocks, one day at 12 s. Below that an operator outage of minutes would let anyone force exodus.
    uint64 public constant MIN_PRIORITY_EXPIRATION = 7_200;

    /// @notice The smallest `priorityExpiration` on the local dev chain (31337), whose tests mine
    /// blocks on demand and must reach exodus quickly.
    uint64 public constant MIN_DEV_PRIORITY_EXPIRATION = 10;

    /// @notice The largest `priorityExpiration`: 216,000 L1 blocks, 30 days at 12 s. It bounds how
    /// long an operator can ignore a full exit, and keeps `block.number + 2 × priorityExpiration` far
    /// from the uint64 limit.
    uint64 public constant MAX_PRIORITY_EXPIRATION = 216_000;

    /// @notice The BN254 scalar field modulus: state roots are field elements below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice EIP-712 type hash of the ChangePubKey authorization (docs/protocol.md §13.4).
    bytes32 public constant CHANGE_PUBKEY_TYPEHASH =
        keccak256("ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)");

    /// @dev Byte `i` is the chunk count of opcode `i` (§7.1); 0 marks an unknown opcode (0x04, ≥ 0x09).
    bytes32 private constant CHUNKS_TABLE = 0x0105040500020506050000000000000000000000000000000000000000000000;

    /// @dev Byte `i` is the byte length of opcode `i` if the commit walk skips it (Noop 10,
    /// TransferToNew 40, Transfer 20), else 0: onchain ops (Deposit 1, Withdraw 3, FullExit 6,
    /// ChangePubKey 7, ForcedExit 8) and unknown opcodes stop the walk.
    bytes32 private constant SKIP_TABLE = 0x0a00280000140000000000000000000000000000000000000000000000000000;

    /// @dev Bytes of the commitment header (docs/protocol.md §10.4).
    uint256 private constant HEADER_BYTES = 108;

    /// @notice A queued priority request: the last 20 bytes of keccak256 of its L1 pubdata, the L1
    /// block after which it counts as expired (see exodus mode), and its op type.
    struct PriorityOperation {
        bytes20 hashedPubdata;
        uint64 expirationBlock;
        Operations.OpType opType;
    }

    /// @notice What L1 keeps of a block, as its hash: number, size in chunks, number of priority
    /// ops, the keccak chain over the pubdata of the ops that pay out on L1 (Withdraw, FullExit,
    /// ForcedExit; `h_0 = 0`, `h_i = keccak256(h_{i−1} ‖ op_i's pubdata incl. padding)`), the block
    /// timestamp, the new state root and the commitment (docs/protocol.md §10.4).
    struct StoredBlock {
        uint32 blockNumber;
        uint32 chunks;
        uint64 priorityOperations;
        bytes32 pendingOnchainOpsHash;
        uint64 timestamp;
        bytes32 stateRoot;
        bytes32 commitment;
    }

    /// @notice An onchain op of a block being committed: its byte offset in the pubdata (a chunk
    /// boundary) and its L1 witness (for a ChangePubKey: a 65-byte EIP-712 signature r ‖ s ‖ v, or
    /// empty to use a prior `setAuthPubkeyHash`; empty for every other op).
    struct OnchainOperationData {
        bytes ethWitness;
        uint32 publicDataOffset;
    }

    /// @notice A block as the validator commits it. `onchainOperations` lists every onchain op of
    /// `publicData` (Deposit, Withdraw, FullExit, ChangePubKey, ForcedExit), in pubdata order.
    struct CommitBlock {
        uint32 blockNumber;
        uint32 feeAccount;
        bytes32 newStateRoot;
        uint64 timestamp;
        bytes publicData;
        OnchainOperationData[] onchainOperations;
    }

    /// @notice A committed and proven block to execute, with the pubdata (padded, as in the block) of
    /// each of its ops that pay out on L1, in block order: Withdraw, FullExit, ForcedExit.
    struct ExecuteBlock {
        StoredBlock storedBlock;
        bytes[] pendingOnchainOpsPubdata;
    }

    /// @notice The governance contract: validators, token registry, token pause.
    Governance public immutable governance;

    /// @notice A requested change of a set ChangePubKey authorization: the new hash (0 = revoke) and
    /// the timestamp from which it may be applied (0 for none).
    struct AuthFactReset {
        bytes20 pubKeyHash;
        uint64 readyAt;
    }

    /// @notice A ChangePubKey authorization set by `setAuthPubkeyHash`: the hash, and whether the
    /// commit of a block consumed it (kept, marked, so that a revert of that block can unmark it).
    struct AuthFact {
        bytes20 pubKeyHash;
        bool consumed;
    }

    /// @notice Whose authorization the commit of a block consumed (one storage slot): unmarked if the
    /// block is reverted.
    struct ConsumedAuthFact {
        address owner;
        uint32 nonce;
    }

    /// @notice How many L1 blocks after its queueing a priority request expires.
    uint64 public immutable priorityExpiration;

    /// @notice The EIP-712 domain separator of ChangePubKey authorizations:
    /// {name: "zkpay", version: "1", chainId, verifyingContract: this}.
    bytes32 public immutable DOMAIN_SEPARATOR;

    /// @notice The Groth16 verifier of block and exit proofs. The only upgradable part of the
    /// deployment: governance may replace it, after a notice of `upgradeNoticePeriod()` L1 blocks
    /// (docs/protocol.md §13.9).
    IVerifier public verifier;

    /// @notice The verifier announced by `announceVerifierUpgrade` (address 0 for none).
    IVerifier public pendingVerifier;

    /// @notice The first L1 block at which `pendingVerifier` may be applied (0 for none).
    uint64 public verifierUpgradeReadyBlock;

    /// @notice The serial id of the oldest priority request not yet executed.
    uint64 public firstPriorityRequestId;

    /// @notice The number of queued priority requests not yet executed.
    uint64 public totalOpenPriorityRequests;

    /// @notice How many of the open priority requests are in committed (unexecuted) blocks.
    uint64 public totalCommittedPriorityRequests;

    /// @notice Whether exodus mode is on (forever): no more blocks, deposits or full-exit requests.
    bool public exodusMode;

    /// @notice The number of the last committed block.
    uint32 public totalBlocksCommitted;

    /// @notice The number of the last proven block.
    uint32 public totalBlocksProven;

    /// @notice The number of the last executed block.
    uint32 public totalBlocksExecuted;

    /// @notice The priority request with serial id `serialId` (all zero if there is none).
    mapping(uint64 serialId => PriorityOperation request) public priorityRequests;

    /// @notice `keccak256(abi.encode(StoredBlock))` of each committed block (0 for none).
    mapping(uint32 blockNumber => bytes32 blockHash) public storedBlockHashes;

    /// @notice Pending L1 balances, withdrawable by `withdrawPendingBalance`.
    mapping(address owner => mapping(uint16 tokenId => uint128 amount)) public pendingBalances;

    /// @notice ChangePubKey authorizations set by `setAuthPubkeyHash` (marked consumed by the commit
    /// that uses them); a requested change in `authFactResets` overrides one once due: `authFact` is
    /// the one in effect.
    mapping(address owner => mapping(uint32 nonce => AuthFact fact)) public authFacts;

    /// @notice Requested changes of ChangePubKey authorizations (`setAuthPubkeyHash`), by owner and
    /// nonce: in effect from `readyAt` on (see `authFact`).
    mapping(address owner => mapping(uint32 nonce => AuthFactReset reset)) public authFactResets;

    /// @dev The authorizations consumed by the commit of each committed, unexecuted block (restored
    /// by its revert). The entries of executed blocks are left behind: their block numbers are never
    /// committed or reverted again, and deleting them would cost every execution a storage read.
    mapping(uint32 blockNumber => ConsumedAuthFact[] facts) private _consumedAuthFacts;

    /// @notice Whether the exodus of token `tokenId` of account `accountId` was performed.
    mapping(uint32 accountId => mapping(uint16 tokenId => bool done)) public performedExodus;

    /// @dev 1 outside of a guarded function, 2 inside.
    uint256 private _reentrancyStatus = 1;

    // ---- events ----

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

    /// @notice Block `blockNumber` was committed and is stored as `storedBlock` (block 0, the
    /// genesis, at deployment). Its pubdata is in the `commitBlocks` calldata.
    event BlockCommit(uint32 indexed blockNumber, StoredBlock storedBlock);

    /// @notice Blocks `fromBlock` … `toBlock` were proven.
    event BlocksProven(uint32 fromBlock, uint32 toBlock);

    /// @notice Block `blockNumber` was executed: its state root is final and its payouts are pending balances.
    event BlockExecution(uint32 indexed blockNumber);

    /// @notice Committed blocks after `totalBlocksCommitted` (up to the former last one) were reverted;
    /// `totalBlocksExecuted` is unchanged.
    event BlocksRevert(uint32 totalBlocksExecuted, uint32 totalBlocksCommitted);

    /// @notice `amount` of token `tokenId` was added to the pending balance of `owner` (a block's
    /// Withdraw/FullExit/ForcedExit at execution, an exodus, or a cancelled deposit).
    event PendingBalanceCredited(address indexed owner, uint16 indexed tokenId, uint128 amount);

    /// @notice `amount` of token `tokenId` was paid out on L1 to `owner` from its pending balance.
    event Withdrawal(address indexed owner, uint16 indexed tokenId, uint128 amount);

    /// @notice `owner` authorized ChangePubKey to `pubKeyHash` for its nonce `nonce` (`setAuthPubkeyHash`;
    /// 0 = none): the authorization in effect from now on. Also emitted when a reverted block's
    /// commit gives back the authorization it consumed.
    event FactAuth(address indexed owner, uint32 nonce, bytes20 pubKeyHash);

    /// @notice `owner` asked to change its authorization for `nonce` to `pubKeyHash` (0 = revoke): in
    /// effect from `readyAt` on, by itself (no further event), unless replaced or cancelled before.
    event FactAuthResetRequested(address indexed owner, uint32 nonce, bytes20 pubKeyHash, uint64 readyAt);

    /// @notice Governance announced that `newVerifier` replaces the verifier from L1 block `readyBlock` on.
    event VerifierUpgradeAnnounced(IVerifier indexed newVerifier, uint64 readyBlock);

    /// @notice The announced verifier upgrade was cancelled.
    event VerifierUpgradeCancelled(IVerifier indexed newVerifier);

    /// @notice The verifier is now `newVerifier`.
    event VerifierUpgraded(IVerifier indexed oldVerifier, IVerifier indexed newVerifier);

    /// @notice Exodus mode is on.
    event ExodusMode();

    /// @notice The exodus of `amount` of token `tokenId` of account `accountId` was credited to `owner`.
    event ExodusPerformed(uint32 indexed accountId, address indexed owner, uint16 tokenId, uint128 amount);

    /// @notice Priority requests `firstSerialId` … `firstSerialId + count − 1` were cancelled in exodus
    /// mode (their deposits credited back as pending balances).
    event PriorityRequestsCancelled(uint64 firstSerialId, uint64 count);

    // ---- errors ----

    /// @notice A guarded function was entered again before it returned.
    error Reentrancy();
    /// @notice The constructor was given address 0 as governance.
    error ZeroGovernance();
    /// @notice The constructor was given address 0 as verifier.
    error ZeroVerifier();
    /// @notice The priority expiration is outside [`min`, `max`] L1 blocks (MIN_PRIORITY_EXPIRATION,
    /// or MIN_DEV_PRIORITY_EXPIRATION on the dev chain, and MAX_PRIORITY_EXPIRATION).
    error PriorityExpirationOutOfRange(uint64 priorityExpiration, uint64 min, uint64 max);
    /// @notice A commit was not sent by a plain EOA calling the Rollup directly (`msg.sender` =
    /// `tx.origin`, no code): its pubdata would not be in the transaction's calldata, where data
    /// restore reads it (docs/protocol.md §10.6).
    error CommitNotDirect(address sender);
    /// @notice A verifier upgrade is announced already (cancel it first).
    error VerifierUpgradeAlreadyAnnounced(IVerifier pending);
    /// @notice No verifier upgrade is announced.
    error NoVerifierUpgradeAnnounced();
    /// @notice The announced verifier upgrade may not be applied before L1 block `readyBlock`.
    error VerifierUpgradeNotReady(uint64 readyBlock);
    /// @notice The genesis root is not a field element (≥ the BN254 scalar modulus).
    error GenesisRootNotInField(bytes32 root);
    /// @notice The verifier holds insecure dev keys and this is not the local dev chain (31337).
    error DevKeysOnNonDevChain(uint256 chainId);
    /// @notice A deposit amount (asked for or sent) is 0 or above MAX_DEPOSIT, or the amount received
    /// is 0 or above the amount asked for.
    error InvalidDepositAmount(uint256 amount);
    /// @notice A deposit names address 0 as its L2 recipient.
    error DepositToZeroAddress();
    /// @notice Deposits of token `tokenId` are paused.
    error TokenPaused(uint16 tokenId);
    /// @notice `transferFrom`/`transfer` of `token` returned something other than `true` (or
    /// nothing), or reverted without data.
    error TokenTransferFailed(address token);
    /// @notice A full exit names an account id above MAX_ACCOUNT_ID.
    error AccountIdOutOfRange(uint32 accountId);
    /// @notice The function is not available in exodus mode.
    error ExodusModeActive();
    /// @notice The function is only available in exodus mode.
    error NotInExodusMode();
    /// @notice The given StoredBlock of number `blockNumber` is not the one stored.
    error StoredBlockMismatch(uint32 blockNumber);
    /// @notice A block's number is `got`, not the expected `expected`.
    error WrongBlockNumber(uint32 expected, uint32 got);
    /// @notice A block's timestamp is before the previous block's.
    error TimestampBeforePreviousBlock(uint64 timestamp, uint64 previous);
    /// @notice A block's timestamp is more than 24 hours before `block.timestamp`.
    error TimestampTooOld(uint64 timestamp);
    /// @notice A block's timestamp is more than 15 minutes after `block.timestamp`.
    error TimestampInFuture(uint64 timestamp);
    /// @notice A block's pubdata length is not a multiple of 10 bytes (CHUNK_BYTES).
    error PubdataNotChunkAligned(uint256 length);
    /// @notice The verifier has no key for blocks of `chunks` chunks.
    error UnsupportedBlockSize(uint256 chunks);
    /// @notice The op starting at byte `offset` runs past the end of the pubdata.
    error OperationOverrunsPubdata(uint256 offset);
    /// @notice A listed onchain-op offset is not a multiple of 10.
    error OffsetNotOnChunkBoundary(uint256 offset);
    /// @notice Listed onchain-op offsets must be strictly increasing and inside the pubdata.
    error OffsetOutOfOrder(uint256 offset);
    /// @notice The onchain op starting at byte `offset` is not listed in `onchainOperations`.
    error OnchainOperationNotListed(uint256 offset);
    /// @notice The listed offset `offset` is not the start of an onchain op.
    error NotAnOnchainOperation(uint256 offset);
    /// @notice The block includes a priority op but no request `serialId` is queued.
    error PriorityRequestMissing(uint64 serialId);
    /// @notice The priority op of the block does not match the queued request `serialId` (queue order).
    error PriorityOperationMismatch(uint64 serialId);
    /// @notice The ChangePubKey of account `accountId` is not authorized by `owner` on L1.
    error ChangePubKeyNotAuthorized(uint32 accountId, address owner);
    /// @notice A ChangePubKey witness is neither empty nor 65 bytes.
    error InvalidEthWitnessLength(uint256 length);
    /// @notice Blocks to prove must be the next committed, unproven ones, in order (`expected` next).
    error BlockNotNextToProve(uint32 expected, uint32 got);
    /// @notice `proofs` and `blocks` differ in length, or are empty.
    error ProofCountMismatch(uint256 blocks, uint256 proofs);
    /// @notice The proof (or batch) of blocks `fromBlock` … `toBlock` does not verify.
    error InvalidBlockProof(uint32 fromBlock, uint32 toBlock);
    /// @notice Blocks to execute must be the next proven, unexecuted ones, in order (`expected` next).
    error BlockNotNextToExecute(uint32 expected, uint32 got);
    /// @notice The given payout ops of block `blockNumber` do not hash to its `pendingOnchainOpsHash`.
    error PendingOnchainOpsMismatch(uint32 blockNumber);
    /// @notice A payout op given at execution has an opcode that does not pay out.
    error NotAPayoutOperation(uint8 opcode);
    /// @notice Only committed, unexecuted blocks can be reverted, last first (`expected` next).
    error BlockNotRevertable(uint32 expected, uint32 got);
    /// @notice Nothing given to do (empty list).
    error NothingToDo();
    /// @notice `amount` exceeds the pending balance `balance`.
    error InsufficientPendingBalance(uint128 balance, uint128 amount);
    /// @notice Sending ETH to `to` failed.
    error EthTransferFailed(address to);
    /// @notice Exodus mode cannot start: no open priority request has expired.
    error ExodusNotDue();
    /// @notice The exodus of token `tokenId` of account `accountId` was already performed.
    error ExodusAlreadyPerformed(uint32 accountId, uint16 tokenId);
    /// @notice The exit proof does not verify.
    error InvalidExitProof();
    /// @notice The L1 pubdata given for the cancelled deposit `serialId` does not hash to its request.
    error DepositPubdataMismatch(uint64 serialId);
    /// @notice Cancelling more requests than are open, or fewer deposit pubdata than deposits.
    error CancelCountMismatch();

    // The modifiers call private functions: a modifier's body is copied into every function that
    // uses it, and the Rollup must stay under the 24,576-byte code size limit (EIP-170).

    modifier nonReentrant() {
        _enterGuard();
        _;
        _reentrancyStatus = 1;
    }

    modifier notExodus() {
        _requireNotExodus();
        _;
    }

    modifier onlyValidator() {
        _requireValidator();
        _;
    }

    function _requireValidator() private view {
        governance.requireActiveValidator(msg.sender);
    }

    modifier onlyGovernor() {
        _requireGovernor();
        _;
    }

    function _enterGuard() private {
        if (_reentrancyStatus != 1) revert Reentrancy();
        _reentrancyStatus = 2;
    }

    function _requireNotExodus() private view {
        if (exodusMode) revert ExodusModeActive();
    }

    function _requireGovernor() private view {
        if (msg.sender != governance.governor()) revert Governance.NotGovernor(msg.sender);
    }

    /// @dev Data restore reads each block's pubdata from the calldata of the transaction that
    /// committed it, so a commit must be that transaction's top-level call: the sender is the
    /// transaction's origin and has no code. `msg.sender = tx.origin` alone would let an EIP-7702
    /// account (whose code is a delegation) call the Rollup from its own code; that code is 23 bytes,
    /// so `code.length = 0` leaves only plain EOAs. A multisig, a forwarder or an ERC-4337 account is
    /// refused instead of committing blocks no one could restore.
    modifier onlyDirectCall() {
        _requireDirectCall();
        _;
    }

    function _requireDirectCall() private view {
        if (msg.sender != tx.origin || msg.sender.code.length != 0) revert CommitNotDirect(msg.sender);
    }

    /// @notice Deploys the rollup with genesis block 0 (state root `genesisRoot`, timestamp now)
    /// committed, proven and executed.
    /// @dev Reverts with `DevKeysOnNonDevChain` if the verifier has dev keys (`DEV_KEYS`) and the
    /// chain is not the local dev chain (31337).
    /// @param governance_ The governance contract (validators, token registry, pause).
    /// @param verifier_ The generated Groth16 verifier (`Verifier.sol`).
    /// @param genesisRoot The state root of the genesis state (docs/protocol.md §5.4).
    /// @param priorityExpiration_ How many L1 blocks a priority request may wait before it expires
    /// (dev ≈ 100, production 14 days of blocks): from MIN_PRIORITY_EXPIRATION (MIN_DEV_PRIORITY_EXPIRATION
    /// on the dev chain) to MAX_PRIORITY_EXPIRATION.
    constructor(Governance governance_, IVerifier verifier_, bytes32 genesisRoot, uint64 priorityExpiration_) {
        if (address(governance_) == address(0)) revert ZeroGovernance();
        uint64 minExpiration = block.chainid == DEV_CHAIN_ID ? MIN_DEV_PRIORITY_EXPIRATION : MIN_PRIORITY_EXPIRATION;
        if (priorityExpiration_ < minExpiration || priorityExpiration_ > MAX_PRIORITY_EXPIRATION) {
            revert PriorityExpirationOutOfRange(priorityExpiration_, minExpiration, MAX_PRIORITY_EXPIRATION);
        }
        if (uint256(genesisRoot) >= SNARK_SCALAR_FIELD) revert GenesisRootNotInField(genesisRoot);
        _checkVerifier(verifier_);
        governance = governance_;
        verifier = verifier_;
        priorityExpiration = priorityExpiration_;
        DOMAIN_SEPARATOR = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("zkpay"),
                keccak256("1"),
                block.chainid,
                address(this)
            )
        );
        StoredBlock memory genesis = StoredBlock({
            blockNumber: 0,
            chunks: 0,
            priorityOperations: 0,
            pendingOnchainOpsHash: bytes32(0),
            timestamp: uint64(block.timestamp),
            stateRoot: genesisRoot,
            commitment: bytes32(0)
        });
        storedBlockHashes[0] = hashStoredBlock(genesis);
        emit BlockCommit(0, genesis);
    }

    /// @dev A verifier is not address 0, and has no dev keys unless this is the dev chain.
    function _checkVerifier(IVerifier verifier_) private view {
        if (address(verifier_) == address(0)) revert ZeroVerifier();
        if (verifier_.DEV_KEYS() && block.chainid != DEV_CHAIN_ID) revert DevKeysOnNonDevChain(block.chainid);
    }

    /// @notice The hash under which `storedBlock` is kept: `keccak256(abi.encode(storedBlock))`.
    function hashStoredBlock(StoredBlock memory storedBlock) public pure returns (bytes32) {
        return keccak256(abi.encode(storedBlock));
    }

    /// @notice The block circuit's public input of a stored block: `uint256(commitment) >> 3`.
    function publicInput(bytes32 commitment) public pure returns (uint256) {
        return uint256(commitment) >> 3;
    }

    /// @notice The pending balance of `owner` in `token` (address 0 = ETH; reverts if unlisted).
    function getPendingBalance(address owner, address token) external view returns (uint128) {
        return pendingBalances[owner][_tokenId(token)];
    }

    // ---- deposits and full exits ----

    /// @notice Deposits `msg.value` wei of ETH (token 0) to the L2 account of `to`, queueing a Deposit
    /// priority request.
    /// @dev Reverts with `ExodusModeActive` in exodus mode, `InvalidDepositAmount` if `msg.value` is 0 or above MAX_DEPOSIT,
    /// `DepositToZeroAddress` if `to` is 0, `TokenPaused(0)` if ETH deposits are paused.
    /// @param to The L2 recipient (its account is created by the deposit if it does not exist).
    function depositETH(address to) external payable nonReentrant notExodus {
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
    /// @dev Reverts with `ExodusModeActive` in exodus mode, `InvalidDepositAmount` if `amount` is 0 or
    /// above MAX_DEPOSIT or the amount received is 0 or above `amount`, `DepositToZeroAddress` if `to` is 0, Governance's `TokenNotListed` if `token` is
    /// not listed, `TokenPaused` if its deposits are paused, `TokenTransferFailed` if `transferFrom`
    /// returns false or reverts without data (a revert with data is passed on as is).
    /// @param token The token contract, listed in governance.
    /// @param amount The amount to pull from the caller, 0 < amount ≤ MAX_DEPOSIT.
    /// @param to The L2 recipient.
    function depositERC20(IERC20 token, uint128 amount, address to) external nonReentrant notExodus {
        if (amount == 0 || amount > MAX_DEPOSIT) revert InvalidDepositAmount(amount);
        if (to == address(0)) revert DepositToZeroAddress();
        uint16 tokenId = governance.validateTokenAddress(address(token));
        if (governance.isTokenPaused(tokenId)) revert TokenPaused(tokenId);

        uint256 balanceBefore = token.balanceOf(address(this));
        _transferFrom(token, msg.sender, amount);
        uint256 balanceAfter = token.balanceOf(address(this));
        uint256 received = balanceAfter > balanceBefore ? balanceAfter - balanceBefore : 0;
        // More than asked for is no plain transfer (a hook that sent extra, a balance that inflates):
        // refused, so a deposit never credits more than `amount` and never more than MAX_DEPOSIT.
        if (received == 0 || received > amount) revert InvalidDepositAmount(received);

        // casting to 'uint128' is safe because received ≤ amount ≤ MAX_DEPOSIT < 2^128 (checked above)
        // forge-lint: disable-next-line(unsafe-typecast)
        _queueDeposit(tokenId, uint128(received), to);
    }

    /// @notice Requests that the whole balance of `token` in account `accountId` be paid out on L1 to
    /// the caller, if the caller owns that account (otherwise the operator includes it with amount 0).
    /// @dev Reverts with `ExodusModeActive` in exodus mode, `AccountIdOutOfRange` if `accountId` > MAX_ACCOUNT_ID and Governance's
    /// `TokenNotListed` if `token` is neither address 0 (ETH) nor listed.
    /// @param accountId The L2 account id.
    /// @param token The token: address 0 for ETH, else a listed ERC-20.
    function requestFullExit(uint32 accountId, address token) external nonReentrant notExodus {
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

    // ---- blocks ----

    /// @dev Running values of one block's commit: the next priority request to match, the end of
    /// the open requests, the block's priority-op count and its payout-op hash chain, and the
    /// block's number (under which the authorizations it consumes are recorded).
    struct CommitAcc {
        uint64 nextSerial;
        uint64 openEnd;
        uint64 priorityOperations;
        bytes32 pendingOnchainOpsHash;
        uint32 blockNumber;
    }

    /// @notice Commits `blocks`, the blocks following `lastCommitted` (the last committed block as
    /// stored), in order (validator only). Per block (docs/protocol.md §13.2): number = previous + 1;
    /// timestamp ≥ the previous block's, ≥ now − 24 h, ≤ now + 15 min; pubdata a whole number of
    /// 10-byte chunks, the chunk count a size the verifier has a key for; every op's opcode known and
    /// the op inside the pubdata; `onchainOperations` lists exactly the onchain ops, by offset; each
    /// Deposit/FullExit matches the next queued priority request; each ChangePubKey is authorized by
    /// its address. Stores the block's hash, with the commitment `sha256(header ‖ pubdata ‖ bitmap)`.
    /// @dev Reverts in exodus mode (`ExodusModeActive`), for a caller that is not a validator
    /// (Governance's `NotValidator`) and for a call that is not its transaction's top-level call by
    /// a plain EOA (`CommitNotDirect`: data restore reads the pubdata from the transaction's
    /// calldata); see the errors named in §13.2 for each rule.
    /// @param lastCommitted The stored form of block `totalBlocksCommitted`.
    /// @param blocks The new blocks, numbers `totalBlocksCommitted + 1` on.
    function commitBlocks(StoredBlock calldata lastCommitted, CommitBlock[] calldata blocks)
        external
        nonReentrant
        notExodus
        onlyValidator
        onlyDirectCall
    {
        _commitBlocks(lastCommitted, blocks);
    }

    /// @notice Commits `blocks` as `commitBlocks` does and proves them in the same transaction with
    /// `proofs` as `proveBlocks` does (validator only). Every committed block must already be proven,
    /// so that the new ones are the next to prove. One transaction instead of two saves a base cost
    /// and keeps the commit's execution gas above the EIP-7623 calldata floor (docs/benchmarks.md).
    /// Like `commitBlocks`, only as its transaction's top-level call by a plain EOA (`CommitNotDirect`).
    /// @param lastCommitted The stored form of block `totalBlocksCommitted`.
    /// @param blocks The new blocks.
    /// @param proofs One block proof per new block.
    function commitAndProveBlocks(
        StoredBlock calldata lastCommitted,
        CommitBlock[] calldata blocks,
        uint256[8][] calldata proofs
    ) external nonReentrant notExodus onlyValidator onlyDirectCall {
        uint32 proven = totalBlocksProven;
        if (proven != totalBlocksCommitted) revert BlockNotNextToProve(proven + 1, lastCommitted.blockNumber + 1);
        _proveBlocks(_commitBlocks(lastCommitted, blocks), proofs);
    }

    function _commitBlocks(StoredBlock calldata lastCommitted, CommitBlock[] calldata blocks)
        private
        returns (StoredBlock[] memory stored)
    {
        if (blocks.length == 0) revert NothingToDo();
        uint32 last = totalBlocksCommitted;
        StoredBlock memory previous = lastCommitted;
        if (previous.blockNumber != last || hashStoredBlock(previous) != storedBlockHashes[last]) {
            revert StoredBlockMismatch(previous.blockNumber);
        }
        uint64 first = firstPriorityRequestId;
        CommitAcc memory acc = CommitAcc({
            nextSerial: first + totalCommittedPriorityRequests,
            openEnd: first + totalOpenPriorityRequests,
            priorityOperations: 0,
            pendingOnchainOpsHash: bytes32(0),
            blockNumber: 0
        });
        stored = new StoredBlock[](blocks.length);
        for (uint256 i = 0; i < blocks.length; i++) {
            acc.priorityOperations = 0;
            acc.pendingOnchainOpsHash = bytes32(0);
            acc.blockNumber = blocks[i].blockNumber;
            previous = _commitBlock(previous, blocks[i], acc);
            storedBlockHashes[previous.blockNumber] = hashStoredBlock(previous);
            emit BlockCommit(previous.blockNumber, previous);
            stored[i] = previous;
        }
        totalBlocksCommitted = previous.blockNumber;
        totalCommittedPriorityRequests = acc.nextSerial - first;
    }

    /// @dev Checks one block against its predecessor `previous` and returns its stored form.
    function _commitBlock(StoredBlock memory previous, CommitBlock calldata b, CommitAcc memory acc)
        private
        returns (StoredBlock memory)
    {
        if (b.blockNumber != previous.blockNumber + 1) revert WrongBlockNumber(previous.blockNumber + 1, b.blockNumber);
        if (b.timestamp < previous.timestamp) revert TimestampBeforePreviousBlock(b.timestamp, previous.timestamp);
        if (b.timestamp + COMMIT_TIMESTAMP_MAX_AGE < block.timestamp) revert TimestampTooOld(b.timestamp);
        if (b.timestamp > block.timestamp + COMMIT_TIMESTAMP_MAX_AHEAD) revert TimestampInFuture(b.timestamp);
        uint256 len = b.publicData.length;
        if (len % Operations.CHUNK_BYTES != 0) revert PubdataNotChunkAligned(len);
        uint256 chunks = len / Operations.CHUNK_BYTES;
        if (!verifier.isBlockSize(chunks)) revert UnsupportedBlockSize(chunks);
        _checkOffsets(b.onchainOperations, len);

        // header ‖ pubdata ‖ bitmap (zero; the walk sets the bits of the onchain ops).
        bytes memory buf = abi.encodePacked(
            uint64(block.chainid),
            address(this),
            b.blockNumber,
            b.feeAccount,
            b.timestamp,
            previous.stateRoot,
            b.newStateRoot,
            b.publicData,
            new bytes((chunks + 7) / 8)
        );
        _walkOperations(b.publicData, b.onchainOperations, buf, acc);

        return StoredBlock({
            blockNumber: b.blockNumber,
            // casting to 'uint32' is safe: chunks = calldata length / 10 < 2^32
            // forge-lint: disable-next-line(unsafe-typecast)
            chunks: uint32(chunks),
            priorityOperations: acc.priorityOperations,
            pendingOnchainOpsHash: acc.pendingOnchainOpsHash,
            timestamp: b.timestamp,
            stateRoot: b.newStateRoot,
            commitment: sha256(buf)
        });
    }

    /// @dev The listed offsets are chunk boundaries, strictly increasing, inside the pubdata.
    function _checkOffsets(OnchainOperationData[] calldata ops, uint256 len) private pure {
        uint256 previous;
        for (uint256 i = 0; i < ops.length; i++) {
            uint256 offset = ops[i].publicDataOffset;
            if (offset % Operations.CHUNK_BYTES != 0) revert OffsetNotOnChunkBoundary(offset);
            if (offset >= len || (i != 0 && offset <= previous)) revert OffsetOutOfOrder(offset);
            previous = offset;
        }
    }

    /// @dev Walks the pubdata op by op (the opcode of each op gives its chunk count, so every op
    /// boundary is known): unknown opcodes and ops running past the end are refused, and every
    /// onchain op must be the next listed one. This is what makes the bitmap exactly the set of
    /// onchain ops at commit (an unlisted one, or a listed offset that is not an onchain op's start,
    /// is refused here rather than leaving an unprovable block behind). The bitmap lives in `buf`
    /// after the 108-byte header and the pubdata.
    function _walkOperations(
        bytes calldata pubdata,
        OnchainOperationData[] calldata ops,
        bytes memory buf,
        CommitAcc memory acc
    ) private {
        uint256 len = pubdata.length;
        uint256 bitmap;
        assembly ("memory-safe") {
            bitmap := add(add(buf, 32), add(HEADER_BYTES, len))
        }
        _walk(pubdata, ops, bitmap, acc);
    }

    /// @dev The walk itself; `bitmap` points at the bitmap's first byte in memory.
    function _walk(bytes calldata pubdata, OnchainOperationData[] calldata ops, uint256 bitmap, CommitAcc memory acc)
        private
    {
        uint256 k;
        uint256 nextListed = ops.length == 0 ? type(uint256).max : ops[0].publicDataOffset;
        uint256 off;
        while (true) {
            (uint256 at, uint256 opcode, uint256 end) = _scanToOnchainOperation(pubdata, off);
            if (at == pubdata.length) break;
            if (nextListed != at) {
                if (nextListed < at) revert NotAnOnchainOperation(nextListed);
                revert OnchainOperationNotListed(at);
            }
            assembly ("memory-safe") {
                let chunk := div(at, 10)
                let p := add(bitmap, shr(3, chunk))
                mstore8(p, or(byte(0, mload(p)), shr(and(chunk, 7), 0x80)))
            }
            _onchainOperation(pubdata, opcode, at, end, ops[k], acc);
            unchecked {
                k++;
            }
            nextListed = k < ops.length ? ops[k].publicDataOffset : type(uint256).max;
            off = end;
        }
        if (k != ops.length) revert NotAnOnchainOperation(nextListed);
    }

    /// @dev From the op boundary `off` on, skips ops that are not onchain and returns the next onchain
    /// op's start `at`, opcode and end, or `at = pubdata.length` if there is none. Reverts with
    /// `UnknownOpcode` or `OperationOverrunsPubdata` for the first op that has either fault.
    /// The loop runs once per Transfer/TransferToNew/Noop, the bulk of a block, so it is plain
    /// assembly with one table lookup per op: `SKIP_TABLE` gives the byte length of the ops it may
    /// skip and 0 for onchain and unknown opcodes, which stop it; an overrun by a skipped op shows as
    /// `off > length` at the end (and the error path finds that op's start again).
    function _scanToOnchainOperation(bytes calldata pubdata, uint256 off)
        private
        pure
        returns (uint256 at, uint256 opcode, uint256 end)
    {
        uint256 start = off;
        assembly ("memory-safe") {
            let base := pubdata.offset
            let p := add(base, off)
            let e := add(base, pubdata.length)
            for {} lt(p, e) {} {
                // byte(i, x) is 0 for i ≥ 32, like the table's entries for onchain and unknown opcodes.
                let skip := byte(byte(0, calldataload(p)), SKIP_TABLE)
                if iszero(skip) { break }
                p := add(p, skip)
            }
            off := sub(p, base)
            opcode := byte(0, calldataload(p))
        }
        uint256 len = pubdata.length;
        if (off >= len) {
            if (off > len) revert OperationOverrunsPubdata(_lastOperationStart(pubdata, start));
            return (len, 0, len);
        }
        uint256 chunks;
        assembly ("memory-safe") {
            chunks := byte(opcode, CHUNKS_TABLE)
        }
        if (chunks == 0) revert Operations.UnknownOpcode(uint8(opcode));
        end = off + chunks * Operations.CHUNK_BYTES;
        if (end > len) revert OperationOverrunsPubdata(off);
        at = off;
    }

    /// @dev The start of the last op when walking from `off` to the end (error path of the scan).
    function _lastOperationStart(bytes calldata pubdata, uint256 off) private pure returns (uint256 last) {
        while (off < pubdata.length) {
            last = off;
            off += Operations.chunks(uint8(pubdata[off])) * Operations.CHUNK_BYTES;
        }
    }

    /// @dev The L1 side of one onchain op at commit, `pubdata[off:end]`.
    function _onchainOperation(
        bytes calldata pubdata,
        uint256 opcode,
        uint256 off,
        uint256 end,
        OnchainOperationData calldata listed,
        CommitAcc memory acc
    ) private {
        if (opcode == uint8(Operations.OpType.Deposit)) {
            // L1 pubdata: the operator-filled account id [1,5) zeroed (§11).
            bytes20 h = Operations.priorityHash(
                abi.encodePacked(uint8(Operations.OpType.Deposit), uint32(0), pubdata[off + 5:off + 43])
            );
            _matchPriorityRequest(acc, Operations.OpType.Deposit, h);
        } else if (opcode == uint8(Operations.OpType.ChangePubKey)) {
            _checkChangePubKey(pubdata[off:end], listed.ethWitness, acc.blockNumber);
        } else {
            if (opcode == uint8(Operations.OpType.FullExit)) {
                // L1 pubdata: the operator-filled amount [27,43) zeroed (§11).
                bytes20 h = Operations.priorityHash(abi.encodePacked(pubdata[off:off + 27], uint128(0)));
                _matchPriorityRequest(acc, Operations.OpType.FullExit, h);
            }
            // FullExit, Withdraw, ForcedExit pay out at execution.
            acc.pendingOnchainOpsHash = keccak256(abi.encodePacked(acc.pendingOnchainOpsHash, pubdata[off:end]));
        }
    }

    function _matchPriorityRequest(CommitAcc memory acc, Operations.OpType opType, bytes20 hashedPubdata)
        private
        view
    {
        uint64 serialId = acc.nextSerial;
        if (serialId >= acc.openEnd) revert PriorityRequestMissing(serialId);
        PriorityOperation storage request = priorityRequests[serialId];
        if (request.hashedPubdata != hashedPubdata || request.opType != opType) {
            revert PriorityOperationMismatch(serialId);
        }
        acc.nextSerial = serialId + 1;
        acc.priorityOperations++;
    }

    /// @dev The ChangePubKey `op` (its 60 bytes) of block `blockNumber` is authorized by its address:
    /// a 65-byte EIP-712 signature r ‖ s ‖ v as witness, or an empty witness and a matching
    /// `setAuthPubkeyHash` fact, which is consumed and recorded under the block (for its revert).
    function _checkChangePubKey(bytes calldata op, bytes calldata witness, uint32 blockNumber) private {
        uint32 accountId = uint32(bytes4(op[1:5]));
        bytes20 pubKeyHash = bytes20(op[5:25]);
        address owner = address(bytes20(op[25:45]));
        uint32 nonce = uint32(bytes4(op[45:49]));
        if (witness.length == 0) {
            bytes20 fact = authFact(owner, nonce);
            if (fact == bytes20(0) || fact != pubKeyHash) revert ChangePubKeyNotAuthorized(accountId, owner);
            // Consumed: marked, not deleted, so that a revert of the block only has to unmark it
            // (one storage slot per consumed fact instead of two); a pending change of it goes.
            authFacts[owner][nonce] = AuthFact({pubKeyHash: fact, consumed: true});
            delete authFactResets[owner][nonce];
            _consumedAuthFacts[blockNumber].push(ConsumedAuthFact({owner: owner, nonce: nonce}));
        } else if (witness.length == 65) {
            address signer = _recoverChangePubKeySigner(witness, pubKeyHash, nonce, accountId);
            if (signer == address(0) || signer != owner) revert ChangePubKeyNotAuthorized(accountId, owner);
        } else {
            revert InvalidEthWitnessLength(witness.length);
        }
    }

    /// @notice The EIP-712 digest an L1 address signs to authorize ChangePubKey to `pubKeyHash` at
    /// `nonce` for account `accountId`.
    function changePubKeyDigest(bytes20 pubKeyHash, uint32 nonce, uint32 accountId) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(CHANGE_PUBKEY_TYPEHASH, pubKeyHash, nonce, accountId));
        return keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR, structHash));
    }

    /// @dev The signer of a 65-byte r ‖ s ‖ v signature (v 27/28, or 0/1) of the ChangePubKey
    /// digest; address 0 if invalid (including a high s, which ecrecover would accept).
    function _recoverChangePubKeySigner(bytes calldata sig, bytes20 pubKeyHash, uint32 nonce, uint32 accountId)
        private
        view
        returns (address)
    {
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) return address(0);
        return ecrecover(changePubKeyDigest(pubKeyHash, nonce, accountId), v, r, s);
    }

    /// @notice Proves `blocks`, the next committed but unproven blocks in order, with one proof each
    /// (anyone may call it). Consecutive blocks of the same size are checked with one batched
    /// pairing (`verifyBlocks`) when there are two or more, else with `verifyBlock`; the public input
    /// of a block is `uint256(commitment) >> 3`.
    /// @dev Reverts with `ExodusModeActive`, `ProofCountMismatch`, `BlockNotNextToProve`,
    /// `StoredBlockMismatch` or `InvalidBlockProof(from, to)` (the failing group).
    /// @param blocks The stored forms of blocks `totalBlocksProven + 1` on.
    /// @param proofs `proofs[i]` proves `blocks[i]`.
    function proveBlocks(StoredBlock[] calldata blocks, uint256[8][] calldata proofs)
        external
        nonReentrant
        notExodus
    {
        _proveBlocks(blocks, proofs);
    }

    function _proveBlocks(StoredBlock[] memory blocks, uint256[8][] calldata proofs) private {
        uint256 n = blocks.length;
        if (n == 0 || proofs.length != n) revert ProofCountMismatch(n, proofs.length);
        uint32 next = totalBlocksProven + 1;
        uint32 committed = totalBlocksCommitted;
        for (uint256 i = 0; i < n; i++) {
            uint32 number = blocks[i].blockNumber;
            if (number != next || number > committed) revert BlockNotNextToProve(next, number);
            if (hashStoredBlock(blocks[i]) != storedBlockHashes[number]) revert StoredBlockMismatch(number);
            next++;
        }
        uint256 start = 0;
        while (start < n) {
            uint256 chunks = blocks[start].chunks;
            uint256 end = start + 1;
            while (end < n && blocks[end].chunks == chunks) end++;
            bool ok;
            if (end - start == 1) {
                ok = verifier.verifyBlock(chunks, proofs[start], publicInput(blocks[start].commitment));
            } else {
                uint256[] memory inputs = new uint256[](end - start);
                for (uint256 j = start; j < end; j++) {
                    inputs[j - start] = publicInput(blocks[j].commitment);
                }
                ok = verifier.verifyBlocks(chunks, proofs[start:end], inputs);
            }
            if (!ok) revert InvalidBlockProof(blocks[start].blockNumber, blocks[end - 1].blockNumber);
            start = end;
        }
        totalBlocksProven = blocks[n - 1].blockNumber;
        emit BlocksProven(blocks[0].blockNumber, blocks[n - 1].blockNumber);
    }

    /// @notice Executes `blocks`, the next proven but unexecuted blocks in order (validator only):
    /// credits the pending balance of the L1 recipient of each Withdraw, FullExit and ForcedExit
    /// (given as each block's `pendingOnchainOpsPubdata`, checked against its hash chain) and pops the
    /// blocks' priority requests from the queue.
    /// @dev Reverts with `ExodusModeActive`, `NothingToDo`, `BlockNotNextToExecute`,
    /// `StoredBlockMismatch`, `NotAPayoutOperation` or `PendingOnchainOpsMismatch`.
    /// @param blocks The blocks, numbers `totalBlocksExecuted + 1` on, with their payout ops.
    function executeBlocks(ExecuteBlock[] calldata blocks) external nonReentrant notExodus onlyValidator {
        uint256 n = blocks.length;
        if (n == 0) revert NothingToDo();
        uint32 executed = totalBlocksExecuted;
        uint32 proven = totalBlocksProven;
        uint64 priorityOps;
        for (uint256 i = 0; i < n; i++) {
            StoredBlock calldata stored = blocks[i].storedBlock;
            uint32 expected = executed + 1;
            if (stored.blockNumber != expected || expected > proven) {
                revert BlockNotNextToExecute(expected, stored.blockNumber);
            }
            if (hashStoredBlock(stored) != storedBlockHashes[expected]) revert StoredBlockMismatch(expected);
            _executePayouts(stored, blocks[i].pendingOnchainOpsPubdata);
            priorityOps += stored.priorityOperations;
            executed = expected;
            emit BlockExecution(expected);
        }
        uint64 first = firstPriorityRequestId;
        for (uint64 id = first; id < first + priorityOps; id++) {
            delete priorityRequests[id];
        }
        firstPriorityRequestId = first + priorityOps;
        totalOpenPriorityRequests -= priorityOps;
        totalCommittedPriorityRequests -= priorityOps;
        totalBlocksExecuted = executed;
    }

    function _executePayouts(StoredBlock calldata stored, bytes[] calldata ops) private {
        bytes32 h = bytes32(0);
        for (uint256 i = 0; i < ops.length; i++) {
            h = keccak256(abi.encodePacked(h, ops[i]));
            bytes memory op = ops[i];
            uint8 opcode = op.length == 0 ? 0 : uint8(op[0]);
            if (opcode == uint8(Operations.OpType.Withdraw)) {
                Operations.Withdraw memory w = Operations.readWithdraw(op, 0);
                _credit(w.to, w.tokenId, w.amount);
            } else if (opcode == uint8(Operations.OpType.FullExit)) {
                Operations.FullExit memory f = Operations.readFullExit(op, 0);
                _credit(f.owner, f.tokenId, f.amount);
            } else if (opcode == uint8(Operations.OpType.ForcedExit)) {
                Operations.ForcedExit memory f = Operations.readForcedExit(op, 0);
                _credit(f.target, f.tokenId, f.amount);
            } else {
                revert NotAPayoutOperation(opcode);
            }
        }
        if (h != stored.pendingOnchainOpsHash) revert PendingOnchainOpsMismatch(stored.blockNumber);
    }

    /// @notice Reverts committed, unexecuted blocks (validator only), last first: `blocks[0]` must be
    /// block `totalBlocksCommitted`, `blocks[1]` the one before, and so on, none executed. Their
    /// priority requests go back to uncommitted, and the ChangePubKey authorizations their commit
    /// consumed are set again (`FactAuth`), unless the owner has set another one for that nonce since.
    /// @dev Reverts with `ExodusModeActive`, `NothingToDo`, `BlockNotRevertable` or `StoredBlockMismatch`.
    /// @param blocks The stored forms of the blocks to revert, newest first.
    function revertBlocks(StoredBlock[] calldata blocks) external nonReentrant notExodus onlyValidator {
        if (blocks.length == 0) revert NothingToDo();
        uint32 committed = totalBlocksCommitted;
        uint32 executed = totalBlocksExecuted;
        uint64 reverted;
        for (uint256 i = 0; i < blocks.length; i++) {
            StoredBlock calldata stored = blocks[i];
            if (stored.blockNumber != committed || committed <= executed) {
                revert BlockNotRevertable(committed, stored.blockNumber);
            }
            if (hashStoredBlock(stored) != storedBlockHashes[committed]) revert StoredBlockMismatch(committed);
            delete storedBlockHashes[committed];
            _restoreAuthFacts(committed);
            reverted += stored.priorityOperations;
            committed--;
        }
        totalBlocksCommitted = committed;
        if (totalBlocksProven > committed) totalBlocksProven = committed;
        totalCommittedPriorityRequests -= reverted;
        emit BlocksRevert(executed, committed);
    }

    /// @dev Gives back the authorizations the commit of block `blockNumber` consumed (being reverted):
    /// each is unmarked unless its owner has called `setAuthPubkeyHash` for that nonce since (which,
    /// none being in effect, set a new one at once and cleared the mark).
    function _restoreAuthFacts(uint32 blockNumber) private {
        ConsumedAuthFact[] storage facts = _consumedAuthFacts[blockNumber];
        uint256 n = facts.length;
        for (uint256 i = 0; i < n; i++) {
            ConsumedAuthFact memory f = facts[i];
            AuthFact storage fact = authFacts[f.owner][f.nonce];
            if (fact.consumed) {
                fact.consumed = false;
                emit FactAuth(f.owner, f.nonce, fact.pubKeyHash);
            }
        }
        if (n != 0) delete _consumedAuthFacts[blockNumber];
    }

    // ---- pending balances ----

    /// @notice Pays `amount` of `token` (address 0 = ETH) from the pending balance of `owner` to
    /// `owner`; anyone may trigger it. ERC-20s are sent with a low-level `transfer` that accepts
    /// tokens returning nothing. The balance is reduced before the transfer.
    /// @dev Reverts with `InsufficientPendingBalance`, Governance's `TokenNotListed`,
    /// `EthTransferFailed`, `TokenTransferFailed` (or the token's own revert), `Reentrancy`.
    /// @param owner The L1 address whose pending balance is paid out (to itself).
    /// @param token Address 0 for ETH, else a listed ERC-20.
    /// @param amount How much to pay out.
    function withdrawPendingBalance(address payable owner, address token, uint128 amount) external nonReentrant {
        uint16 tokenId = _tokenId(token);
        uint128 balance = pendingBalances[owner][tokenId];
        if (amount > balance) revert InsufficientPendingBalance(balance, amount);
        pendingBalances[owner][tokenId] = balance - amount;
        if (tokenId == 0) {
            (bool ok,) = owner.call{value: amount}("");
            if (!ok) revert EthTransferFailed(owner);
        } else {
            _transfer(IERC20(token), owner, amount);
        }
        emit Withdrawal(owner, tokenId, amount);
    }

    /// @notice Authorizes, for the caller's L1 address, a ChangePubKey to `pubKeyHash` signed with L2
    /// nonce `nonce` (the alternative to an EIP-712 witness). The commit that uses it consumes it.
    /// While no authorization is in effect for `nonce`, it takes effect at once (`FactAuth`), as does
    /// setting the one in effect again (which cancels a pending change). Changing (or revoking, with 0)
    /// one in effect is a request (`FactAuthResetRequested`) that takes effect by itself
    /// AUTH_FACT_RESET_DELAY later, with no second call; a new request replaces a pending one and
    /// restarts the delay. So an authorization the node saw when it sealed a block cannot vanish before
    /// the block's commit minutes later (which would make the commit revert), nor be changed at a
    /// moment of the owner's choosing: the moment is fixed, and public, a day ahead.
    /// @param pubKeyHash The new L2 key's hash (0 = none).
    /// @param nonce The account's nonce the ChangePubKey tx is signed with.
    function setAuthPubkeyHash(bytes20 pubKeyHash, uint32 nonce) external {
        AuthFactReset memory reset = authFactResets[msg.sender][nonce];
        bytes20 current = authFact(msg.sender, nonce);
        if (current == bytes20(0) || current == pubKeyHash) {
            if (reset.readyAt != 0) delete authFactResets[msg.sender][nonce];
            authFacts[msg.sender][nonce] = AuthFact({pubKeyHash: pubKeyHash, consumed: false});
            emit FactAuth(msg.sender, nonce, pubKeyHash);
            return;
        }
        // A due change is in effect already: store it before the new request replaces the record.
        if (reset.readyAt != 0 && block.timestamp >= reset.readyAt) {
            authFacts[msg.sender][nonce] = AuthFact({pubKeyHash: current, consumed: false});
        }
        // casting to 'uint64' is safe: L1 timestamps are far below 2^64 − 1 day
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 readyAt = uint64(block.timestamp + AUTH_FACT_RESET_DELAY);
        authFactResets[msg.sender][nonce] = AuthFactReset({pubKeyHash: pubKeyHash, readyAt: readyAt});
        emit FactAuthResetRequested(msg.sender, nonce, pubKeyHash, readyAt);
    }

    /// @notice The ChangePubKey authorization in effect for `owner` and `nonce` (0 for none): the
    /// requested change once it is due, else the one set unless a commit consumed it.
    function authFact(address owner, uint32 nonce) public view returns (bytes20) {
        AuthFactReset memory reset = authFactResets[owner][nonce];
        if (reset.readyAt != 0 && block.timestamp >= reset.readyAt) return reset.pubKeyHash;
        AuthFact memory fact = authFacts[owner][nonce];
        return fact.consumed ? bytes20(0) : fact.pubKeyHash;
    }

    // ---- verifier upgrade ----

    /// @notice How many L1 blocks an announced verifier upgrade waits before it may be applied:
    /// 2 × `priorityExpiration`, longer than the exit window. A user who requests a full exit right
    /// after the announcement has it executed within `priorityExpiration` blocks, or else can turn
    /// exodus mode on (which rules the upgrade out for good); the second `priorityExpiration` (at least
    /// a day on a public chain) leaves time to react, to activate exodus and to withdraw the pending
    /// balance, all under the current verifier.
    function upgradeNoticePeriod() public view returns (uint64) {
        return 2 * priorityExpiration;
    }

    /// @notice Announces that `newVerifier` will replace the verifier (governor only; not in exodus
    /// mode): it may be applied from `block.number + upgradeNoticePeriod()` on.
    /// @dev Reverts with Governance's `NotGovernor`, `ExodusModeActive`, `VerifierUpgradeAlreadyAnnounced`,
    /// `ZeroVerifier` or `DevKeysOnNonDevChain`.
    /// @param newVerifier The new verifier (new keys, block sizes or circuit).
    function announceVerifierUpgrade(IVerifier newVerifier) external notExodus onlyGovernor {
        IVerifier pending = pendingVerifier;
        if (address(pending) != address(0)) revert VerifierUpgradeAlreadyAnnounced(pending);
        _checkVerifier(newVerifier);
        uint64 readyBlock = uint64(block.number) + upgradeNoticePeriod();
        pendingVerifier = newVerifier;
        verifierUpgradeReadyBlock = readyBlock;
        emit VerifierUpgradeAnnounced(newVerifier, readyBlock);
    }

    /// @notice Cancels the announced verifier upgrade (governor only).
    /// @dev Reverts with Governance's `NotGovernor` or `NoVerifierUpgradeAnnounced`.
    function cancelVerifierUpgrade() external onlyGovernor {
        IVerifier pending = pendingVerifier;
        if (address(pending) == address(0)) revert NoVerifierUpgradeAnnounced();
        delete pendingVerifier;
        delete verifierUpgradeReadyBlock;
        emit VerifierUpgradeCancelled(pending);
    }

    /// @notice Applies the announced verifier upgrade once its notice is over (governor only; never
    /// in exodus mode, so a user who left through exodus is never judged by the new verifier).
    /// Blocks committed before and proven after it are proven under the new verifier.
    /// @dev Reverts with Governance's `NotGovernor`, `ExodusModeActive`, `NoVerifierUpgradeAnnounced`
    /// or `VerifierUpgradeNotReady`.
    function applyVerifierUpgrade() external nonReentrant notExodus onlyGovernor {
        IVerifier pending = pendingVerifier;
        if (address(pending) == address(0)) revert NoVerifierUpgradeAnnounced();
        uint64 readyBlock = verifierUpgradeReadyBlock;
        if (block.number < readyBlock) revert VerifierUpgradeNotReady(readyBlock);
        IVerifier old = verifier;
        verifier = pending;
        delete pendingVerifier;
        delete verifierUpgradeReadyBlock;
        emit VerifierUpgraded(old, pending);
    }

    // ---- exodus ----

    /// @notice Turns exodus mode on, for good (anyone may call it) once the oldest open priority
    /// request has expired (`expirationBlock < block.number`): the operator failed to include it.
    /// @dev Reverts with `ExodusModeActive` if it is on already, `ExodusNotDue` otherwise.
    function activateExodusMode() external {
        if (exodusMode) revert ExodusModeActive();
        if (totalOpenPriorityRequests == 0 || priorityRequests[firstPriorityRequestId].expirationBlock >= block.number)
        {
            revert ExodusNotDue();
        }
        exodusMode = true;
        emit ExodusMode();
    }

    /// @notice In exodus mode, credits `amount` of token `tokenId` to the pending balance of `owner`,
    /// given an exit proof that account `accountId` with address `owner` holds `amount` of it under
    /// the state root of the last executed block. Once per (account, token).
    /// @dev Reverts with `NotInExodusMode`, `StoredBlockMismatch` (not the last executed block),
    /// `ExodusAlreadyPerformed` or `InvalidExitProof`.
    /// @param lastExecuted The stored form of block `totalBlocksExecuted`.
    /// @param accountId The account.
    /// @param owner Its L1 address (the exit circuit binds it).
    /// @param tokenId The token.
    /// @param amount Its balance.
    /// @param proof The exit proof for `[stateRoot, accountId, owner, tokenId, amount]`.
    function performExodus(
        StoredBlock calldata lastExecuted,
        uint32 accountId,
        address owner,
        uint16 tokenId,
        uint128 amount,
        uint256[8] calldata proof
    ) external nonReentrant {
        if (!exodusMode) revert NotInExodusMode();
        uint32 executed = totalBlocksExecuted;
        if (lastExecuted.blockNumber != executed || hashStoredBlock(lastExecuted) != storedBlockHashes[executed]) {
            revert StoredBlockMismatch(lastExecuted.blockNumber);
        }
        if (performedExodus[accountId][tokenId]) revert ExodusAlreadyPerformed(accountId, tokenId);
        uint256[5] memory input =
            [uint256(lastExecuted.stateRoot), uint256(accountId), uint256(uint160(owner)), uint256(tokenId), uint256(amount)];
        if (!verifier.verify_exit(proof, input)) revert InvalidExitProof();
        performedExodus[accountId][tokenId] = true;
        _credit(owner, tokenId, amount);
        emit ExodusPerformed(accountId, owner, tokenId, amount);
    }

    /// @notice In exodus mode, cancels the `n` oldest open priority requests (anyone may call it) and
    /// credits each Deposit among them back to the pending balance of its deposit address (the L2
    /// `to`, as zkSync Lite does). `depositsPubdata` holds the 43-byte L1 pubdata of each of those
    /// Deposits in order (as emitted in `NewPriorityRequest`), checked against the queued hash.
    /// @dev Reverts with `NotInExodusMode`, `CancelCountMismatch` or `DepositPubdataMismatch`.
    /// @param n How many requests to cancel, from `firstPriorityRequestId` on.
    /// @param depositsPubdata The L1 pubdata of the Deposits among them, in queue order.
    function cancelOutstandingDepositsForExodusMode(uint64 n, bytes[] calldata depositsPubdata)
        external
        nonReentrant
    {
        if (!exodusMode) revert NotInExodusMode();
        if (n == 0 || n > totalOpenPriorityRequests) revert CancelCountMismatch();
        uint64 first = firstPriorityRequestId;
        uint256 d;
        for (uint64 id = first; id < first + n; id++) {
            PriorityOperation memory request = priorityRequests[id];
            if (request.opType == Operations.OpType.Deposit) {
                if (d == depositsPubdata.length) revert CancelCountMismatch();
                bytes memory pubdata = depositsPubdata[d++];
                if (
                    pubdata.length != Operations.PRIORITY_OP_BYTES
                        || Operations.priorityHash(pubdata) != request.hashedPubdata
                ) revert DepositPubdataMismatch(id);
                Operations.Deposit memory deposit = Operations.readDeposit(pubdata, 0);
                _credit(deposit.owner, deposit.tokenId, deposit.amount);
            }
            delete priorityRequests[id];
        }
        if (d != depositsPubdata.length) revert CancelCountMismatch();
        firstPriorityRequestId = first + n;
        totalOpenPriorityRequests -= n;
        uint64 committed = totalCommittedPriorityRequests;
        totalCommittedPriorityRequests = committed > n ? committed - n : 0;
        emit PriorityRequestsCancelled(first, n);
    }

    // ---- internals ----

    function _credit(address owner, uint16 tokenId, uint128 amount) private {
        if (amount == 0) return;
        pendingBalances[owner][tokenId] += amount;
        emit PendingBalanceCredited(owner, tokenId, amount);
    }

    function _tokenId(address token) private view returns (uint16) {
        return token == address(0) ? 0 : governance.validateTokenAddress(token);
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
        _checkTokenCall(token, ok, ret);
    }

    /// @dev Accepts a token call that succeeded returning nothing or an ABI `true`; passes on a
    /// revert's data, else reverts with `TokenTransferFailed`.
    function _checkTokenCall(IERC20 token, bool ok, bytes memory ret) private pure {
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

    /// @dev `token.transfer(to, amount)` at a low level, with the same acceptance as `_transferFrom`.
    function _transfer(IERC20 token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(IERC20.transfer, (to, amount)));
        _checkTokenCall(token, ok, ret);
    }
}
