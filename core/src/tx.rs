//! L2 transactions and L1 priority operations (PROTOCOL §5, §7): their types, JSON form, the signed
//! message `M`, signing and signature checks, and the tx hash.
//!
//! JSON (serde): camelCase fields, amounts as decimal strings, addresses/hashes/keys/signatures as
//! 0x-hex.

use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// The deployment a signature is bound to: `domain = chain_id(64) ‖ rollup_address(160)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Domain {
    /// L1 chain id.
    pub chain_id: u64,
    /// Address of the Rollup contract.
    pub rollup: Address,
}

/// The L2 signature attached to a tx: the signer's compressed public key and the 64-byte EdDSA
/// signature (compressed R8 ‖ S little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxSignature {
    /// Compressed Baby Jubjub public key of the signer.
    pub pub_key: [u8; 32],
    /// Signature over the tx's message `M`.
    pub signature: [u8; 64],
}

/// Validity window of an L2 tx, signed, checked against the block timestamp (inclusive bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// Earliest block timestamp (unix seconds) the tx may be included at.
    pub valid_from: u64,
    /// Latest block timestamp (unix seconds) the tx may be included at.
    pub valid_until: u64,
}

/// Move `amount` of `token` from account `account_id` to the account at address `to` (created if
/// it has none: TransferToNew).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Sender (and signer).
    pub account_id: AccountId,
    /// Recipient's L1 address.
    pub to: Address,
    /// Token moved and paid as fee.
    pub token: TokenId,
    /// Amount; must be packable.
    pub amount: u128,
    /// Fee; must be packable.
    pub fee: u128,
    /// Sender's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the sender's key.
    pub signature: TxSignature,
}

/// Move `amount` of `token` from L2 account `account_id` to the L1 address `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdraw {
    /// Account withdrawn from (and signer).
    pub account_id: AccountId,
    /// L1 recipient.
    pub to: Address,
    /// Token withdrawn and paid as fee.
    pub token: TokenId,
    /// Amount (full u128, need not be packable).
    pub amount: u128,
    /// Fee; must be packable.
    pub fee: u128,
    /// Signer's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the account's key.
    pub signature: TxSignature,
}

/// How the L1 address authorizes a ChangePubKey (PROTOCOL §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangePubKeyAuth {
    /// A prior `setAuthPubkeyHash(pubKeyHash, nonce)` call on L1 by the address.
    Onchain,
    /// An EIP-712 signature (65 bytes r ‖ s ‖ v) by the address over
    /// `ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)`.
    Eip712 {
        /// The signature bytes, passed as the op's `ethWitness` at commit.
        signature: Vec<u8>,
    },
}

/// Set the account's L2 signing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangePubKey {
    /// The account.
    pub account_id: AccountId,
    /// The account's L1 address (must match the account).
    pub account: Address,
    /// Hash of the new key; the tx is signed by the new key.
    pub new_pub_key_hash: PubKeyHash,
    /// Token the fee is paid in.
    pub fee_token: TokenId,
    /// Fee; must be packable.
    pub fee: u128,
    /// Account nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L1 authorization, checked by the contract at commit.
    pub auth: ChangePubKeyAuth,
    /// L2 signature by the new key.
    pub signature: TxSignature,
}

/// Withdraw the whole `token` balance of an account that has no signing key to its own L1
/// address, initiated (and fee paid) by another account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForcedExit {
    /// Initiator (signer, pays the fee in `token`).
    pub initiator_account_id: AccountId,
    /// The target account's L1 address.
    pub target: Address,
    /// Token withdrawn and paid as fee.
    pub token: TokenId,
    /// Fee; must be packable.
    pub fee: u128,
    /// Initiator's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the initiator's key.
    pub signature: TxSignature,
}

/// Any L2 transaction a user submits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum L2Tx {
    /// See [`Transfer`].
    Transfer(Transfer),
    /// See [`Withdraw`].
    Withdraw(Withdraw),
    /// See [`ChangePubKey`].
    ChangePubKey(ChangePubKey),
    /// See [`ForcedExit`].
    ForcedExit(ForcedExit),
}

/// An L1 deposit request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposit {
    /// The L1 sender (informational; not in pubdata).
    pub from: Address,
    /// The L2 owner credited.
    pub to: Address,
    /// Token deposited.
    pub token: TokenId,
    /// Amount (0 < amount ≤ MAX_DEPOSIT).
    pub amount: u128,
}

/// An L1 request to exit the whole `token` balance of `account_id` to `owner`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullExit {
    /// Account to exit.
    pub account_id: AccountId,
    /// The L1 caller; paid only if it owns the account.
    pub owner: Address,
    /// Token.
    pub token: TokenId,
}

/// The content of a priority request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriorityOpData {
    /// See [`Deposit`].
    Deposit(Deposit),
    /// See [`FullExit`].
    FullExit(FullExit),
}

/// A priority request as the L1 contract queued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityOp {
    /// Position in the L1 priority queue (0, 1, 2, …).
    pub serial_id: u64,
    /// The request.
    pub data: PriorityOpData,
    /// L1 block after which an unprocessed request lets anyone start exodus.
    pub expiration_block: u64,
}
