//! Why the state refused an operation. Every variant names what a user or operator can act on.

use crate::account_tree::StateTreeError;
use crate::tx::TxError;
use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// A rejected operation; the state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The tx's nonce is not the account's current nonce.
    #[error("nonce mismatch: account nonce is {expected}, tx has {got}")]
    NonceMismatch {
        /// The account's nonce.
        expected: Nonce,
        /// The tx's nonce.
        got: Nonce,
    },
    /// The account cannot pay `needed` (amount + fee) of `token`.
    #[error("insufficient balance in account {account_id}: token {token} balance {balance}, needed {needed}")]
    InsufficientBalance {
        /// Account.
        account_id: AccountId,
        /// Token.
        token: TokenId,
        /// Its balance.
        balance: u128,
        /// What the op needs.
        needed: u128,
    },
    /// amount + fee does not fit u128.
    #[error("amount plus fee overflows u128")]
    AmountOverflow,
    /// The recipient's balance would exceed u128.
    #[error("balance of account {account_id} token {token} would overflow u128")]
    BalanceOverflow {
        /// Account.
        account_id: AccountId,
        /// Token.
        token: TokenId,
    },
    /// No account at that id.
    #[error("account {0} does not exist")]
    AccountNotFound(AccountId),
    /// The account has not set a signing key (ChangePubKey first).
    #[error("account {0} has no signing key; set one with ChangePubKey")]
    NoSigningKey(AccountId),
    /// The tx was signed by a key other than the account's.
    #[error("signed by key {got}, but the account's key is {expected}")]
    WrongSigner {
        /// The account's pubkey hash.
        expected: PubKeyHash,
        /// The signer's.
        got: PubKeyHash,
    },
    /// The signature or the key did not verify (see the inner error).
    #[error("invalid transaction: {0}")]
    Tx(#[from] TxError),
    /// The recipient account's address is not the signed `to` address.
    #[error("account {account_id} belongs to {found}, not to the signed recipient {expected}")]
    RecipientAddressMismatch {
        /// The recipient account.
        account_id: AccountId,
        /// The signed address.
        expected: Address,
        /// The account's address.
        found: Address,
    },
    /// A transfer or deposit to the zero address (which marks empty leaves).
    #[error("the zero address cannot own an account")]
    ZeroAddress,
    /// Block timestamp before the tx's `valid_from`.
    #[error("tx is valid from {valid_from}, block timestamp is {timestamp}")]
    NotYetValid {
        /// Tx's lower bound.
        valid_from: u64,
        /// Block timestamp.
        timestamp: u64,
    },
    /// Block timestamp after the tx's `valid_until`.
    #[error("tx expired at {valid_until}, block timestamp is {timestamp}")]
    Expired {
        /// Tx's upper bound.
        valid_until: u64,
        /// Block timestamp.
        timestamp: u64,
    },
    /// The token is not registered.
    #[error("unknown token {0}")]
    UnknownToken(TokenId),
    /// Transfer amounts must be packable (see the closest packable amount).
    #[error("amount {0} is not packable")]
    AmountNotPackable(u128),
    /// Fees must be packable.
    #[error("fee {0} is not packable")]
    FeeNotPackable(u128),
    /// Deposit amount is 0 or above MAX_DEPOSIT.
    #[error("deposit amount {0} is out of range (1 … 2^104 − 1)")]
    InvalidDepositAmount(u128),
    /// The account's address differs from the one the op names.
    #[error("account {account_id} belongs to {found}, not {expected}")]
    AddressMismatch {
        /// Account.
        account_id: AccountId,
        /// Address named by the op.
        expected: Address,
        /// The account's address.
        found: Address,
    },
    /// ForcedExit only applies to accounts without a signing key.
    #[error("account {0} has a signing key; only keyless accounts can be force-exited")]
    TargetHasSigningKey(AccountId),
    /// The account has signed 2^32 − 1 txs and can sign no more.
    #[error("account {0} has exhausted its nonces")]
    NonceExhausted(AccountId),
    /// No account belongs to that address.
    #[error("no account belongs to {0}")]
    NoAccountForAddress(Address),
    /// A tx verified for another chain or rollup contract.
    #[error("the tx was verified for another deployment")]
    DomainMismatch,
    /// Account id out of range or the tree is full.
    #[error("account id {0} is out of range")]
    AccountIdOutOfRange(AccountId),
    /// Token id above 1023.
    #[error("token id {0} is out of range")]
    TokenIdOutOfRange(TokenId),
    /// Replay: a TransferToNew names a leaf that already holds an account (PROTOCOL §5: the new
    /// recipient's leaf must be empty).
    #[error("account {0} already exists; a TransferToNew needs an empty leaf")]
    AccountExists(AccountId),
    /// Replay: a FullExit or ForcedExit states a paid-out amount other than the one the state gives.
    #[error("op states amount {stated} for account {account_id} token {token}, the state gives {actual}")]
    AmountMismatch {
        /// The account paid out.
        account_id: AccountId,
        /// Token.
        token: TokenId,
        /// The amount in the op's pubdata.
        stated: u128,
        /// The amount the rules give (its whole balance, or 0 for a FullExit not by the owner).
        actual: u128,
    },
}

impl From<StateTreeError> for ApplyError {
    fn from(e: StateTreeError) -> Self {
        match e {
            StateTreeError::AccountIdOutOfRange(id) => ApplyError::AccountIdOutOfRange(id),
            StateTreeError::TokenIdOutOfRange(t) => ApplyError::TokenIdOutOfRange(t),
            // Balances are written from u128 only.
            StateTreeError::BalanceNotU128 => ApplyError::BalanceOverflow { account_id: 0, token: 0 },
        }
    }
}
