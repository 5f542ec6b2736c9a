// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title zkpay Governance
/// @notice Who may do what on L1 (PROTOCOL §9): the governor, the validator set (the accounts allowed
/// to commit, execute and revert blocks) and the token registry, which maps ERC-20 addresses to the
/// token ids 1…1023 of the L2 state (ETH is token 0, implicitly, at address 0), with a per-token pause
/// of deposits.
contract Governance {
    /// @notice The largest token id (BALANCE_TREE_DEPTH = 10: ids 0…1023, 0 being ETH).
    uint16 public constant MAX_TOKEN_ID = 1023;

    /// @notice The account that may change the governor, the validators and the token registry.
    address public governor;

    /// @notice The number of listed ERC-20 tokens, which is also the id of the last one listed.
    uint16 public totalTokens;

    /// @notice The id of a listed token; 0 for an unlisted address (and for address 0, which is ETH).
    mapping(address token => uint16 tokenId) public tokenIds;

    /// @notice The address of a listed token id; address 0 for id 0 (ETH) and for unlisted ids.
    mapping(uint16 tokenId => address token) public tokenAddresses;

    mapping(address account => bool active) private _validators;
    mapping(uint16 tokenId => bool paused) private _pausedTokens;

    /// @notice The governor changed from `oldGovernor` to `newGovernor`.
    event GovernorChanged(address indexed oldGovernor, address indexed newGovernor);
    /// @notice `validator` was added to (`active`) or removed from the validator set.
    event ValidatorStatusChanged(address indexed validator, bool active);
    /// @notice The ERC-20 `token` was listed with id `tokenId`.
    event TokenAdded(address indexed token, uint16 indexed tokenId);
    /// @notice Deposits of token `tokenId` were paused (`paused`) or resumed.
    event TokenPausedChanged(uint16 indexed tokenId, bool paused);

    /// @notice `caller` is not the governor.
    error NotGovernor(address caller);
    /// @notice `caller` is not an active validator.
    error NotValidator(address caller);
    /// @notice Address 0 was given where an account or a token is required.
    error ZeroAddress();
    /// @notice `token` is already listed, with id `tokenId`.
    error TokenAlreadyListed(address token, uint16 tokenId);
    /// @notice All ids 1…MAX_TOKEN_ID are taken.
    error TokenLimitReached();
    /// @notice No token is listed with id `tokenId`.
    error TokenIdNotListed(uint16 tokenId);
    /// @notice `token` is not listed.
    error TokenNotListed(address token);

    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor(msg.sender);
        _;
    }

    /// @notice Deploys the registry with `initialGovernor` as governor, no validator and no token but ETH.
    /// @param initialGovernor The first governor; must not be address 0.
    constructor(address initialGovernor) {
        if (initialGovernor == address(0)) revert ZeroAddress();
        governor = initialGovernor;
        emit GovernorChanged(address(0), initialGovernor);
    }

    /// @notice Hands the governor role to `newGovernor` (governor only). Setting the current governor
    /// again is allowed and emits nothing.
    /// @param newGovernor The new governor; must not be address 0.
    function changeGovernor(address newGovernor) external onlyGovernor {
        if (newGovernor == address(0)) revert ZeroAddress();
        address old = governor;
        if (old == newGovernor) return;
        governor = newGovernor;
        emit GovernorChanged(old, newGovernor);
    }

    /// @notice Adds `validator` to the validator set (`active`) or removes it (governor only). Emits
    /// only on a change.
    /// @param validator The account; must not be address 0.
    /// @param active Whether it may commit, execute and revert blocks.
    function setValidator(address validator, bool active) external onlyGovernor {
        if (validator == address(0)) revert ZeroAddress();
        if (_validators[validator] == active) return;
        _validators[validator] = active;
        emit ValidatorStatusChanged(validator, active);
    }

    /// @notice Whether `account` is an active validator.
    function isValidator(address account) external view returns (bool) {
        return _validators[account];
    }

    /// @notice Reverts with `NotValidator(account)` unless `account` is an active validator.
    function requireActiveValidator(address account) external view {
        if (!_validators[account]) revert NotValidator(account);
    }

    /// @notice Lists the ERC-20 `token` under the next free id, 1 to MAX_TOKEN_ID in order (governor only).
    /// @param token The token contract; must not be address 0 (ETH is id 0 implicitly) or listed already.
    /// @return tokenId The id given to `token`.
    function addToken(address token) external onlyGovernor returns (uint16 tokenId) {
        if (token == address(0)) revert ZeroAddress();
        uint16 existing = tokenIds[token];
        if (existing != 0) revert TokenAlreadyListed(token, existing);
        if (totalTokens == MAX_TOKEN_ID) revert TokenLimitReached();
        tokenId = totalTokens + 1;
        totalTokens = tokenId;
        tokenIds[token] = tokenId;
        tokenAddresses[tokenId] = token;
        emit TokenAdded(token, tokenId);
    }

    /// @notice The id of the listed ERC-20 `token`; reverts with `TokenNotListed` if it is not listed
    /// (address 0, ETH, is not an ERC-20 and is refused too).
    function validateTokenAddress(address token) external view returns (uint16) {
        uint16 tokenId = tokenIds[token];
        if (tokenId == 0) revert TokenNotListed(token);
        return tokenId;
    }

    /// @notice Pauses (`paused`) or resumes deposits of token `tokenId` (governor only); id 0 is ETH.
    /// Emits only on a change.
    /// @param tokenId ETH (0) or a listed token id.
    /// @param paused Whether deposits of the token are refused.
    function setTokenPaused(uint16 tokenId, bool paused) external onlyGovernor {
        if (tokenId > totalTokens) revert TokenIdNotListed(tokenId);
        if (_pausedTokens[tokenId] == paused) return;
        _pausedTokens[tokenId] = paused;
        emit TokenPausedChanged(tokenId, paused);
    }

    /// @notice Whether deposits of token `tokenId` are paused.
    function isTokenPaused(uint16 tokenId) external view returns (bool) {
        return _pausedTokens[tokenId];
    }
}
