//! The eight rollup operations as they appear in a block's pubdata (PROTOCOL §5): exact big-endian
//! encoding, chunk counts, the onchain bitmap and a strict decoder for a whole block's pubdata.

use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// Filler chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoopOp;

/// Deposit into `account_id` (created with `address` if empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositOp {
    /// Account credited.
    pub account_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount.
    pub amount: u128,
    /// Owner address.
    pub address: Address,
}

/// Transfer to a new account created at `to_id` with address `to_address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferToNewOp {
    /// Sender.
    pub from_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount (packable).
    pub amount: u128,
    /// The new account's address.
    pub to_address: Address,
    /// The new account's id.
    pub to_id: AccountId,
    /// Fee (packable).
    pub fee: u128,
}

/// Withdraw to L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawOp {
    /// Account.
    pub account_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount (full u128).
    pub amount: u128,
    /// Fee (packable).
    pub fee: u128,
    /// L1 recipient.
    pub to_address: Address,
}

/// Transfer between existing accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferOp {
    /// Sender.
    pub from_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Recipient.
    pub to_id: AccountId,
    /// Amount (packable).
    pub amount: u128,
    /// Fee (packable).
    pub fee: u128,
}

/// Full exit requested on L1; `amount` is what was paid out (0 if the request was not valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullExitOp {
    /// Account.
    pub account_id: AccountId,
    /// Requester.
    pub owner: Address,
    /// Token.
    pub token: TokenId,
    /// Amount paid out.
    pub amount: u128,
}

/// Set an account's signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangePubKeyOp {
    /// Account.
    pub account_id: AccountId,
    /// New key hash.
    pub new_pub_key_hash: PubKeyHash,
    /// The account's address (the L1 authorizer).
    pub address: Address,
    /// Nonce of the tx (before the bump).
    pub nonce: Nonce,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee (packable).
    pub fee: u128,
}

/// Forced exit of a keyless account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForcedExitOp {
    /// Initiator (pays the fee).
    pub initiator_id: AccountId,
    /// Target account.
    pub target_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Fee (packable).
    pub fee: u128,
    /// Amount paid out (the target's whole balance).
    pub amount: u128,
    /// Target's L1 address.
    pub target_address: Address,
}

/// One operation of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// 0x00, 1 chunk.
    Noop(NoopOp),
    /// 0x01, 5 chunks.
    Deposit(DepositOp),
    /// 0x02, 4 chunks.
    TransferToNew(TransferToNewOp),
    /// 0x03, 5 chunks.
    Withdraw(WithdrawOp),
    /// 0x05, 2 chunks.
    Transfer(TransferOp),
    /// 0x06, 5 chunks.
    FullExit(FullExitOp),
    /// 0x07, 6 chunks.
    ChangePubKey(ChangePubKeyOp),
    /// 0x08, 5 chunks.
    ForcedExit(ForcedExitOp),
}
