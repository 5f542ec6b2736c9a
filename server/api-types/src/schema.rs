//! The OpenAPI schemas of the wire formats that are not this crate's own types: the 0x-hex and
//! decimal-string scalars, and the JSON of `zkpay-core`'s txs and priority ops (docs/protocol.md
//! §9.2). `zkpay-core` has no OpenAPI dependency, so its types are described here by mirrors:
//! types that exist only to derive a schema and are never built. The tests serialize real core
//! values and check them against these schemas, so a mirror cannot drift from the type it
//! describes without a test failing.

use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A string scalar with a pattern, a description and an example.
fn string(pattern: &str, description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([serde_json::Value::String(example.to_string())])
        .into()
}

macro_rules! scalar {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $pattern:expr, $description:literal, $example:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($pattern, $description, $example)
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

/// A canonical decimal `u64` (no sign, no leading zero): what every `u64` that can exceed
/// 2^53 − 1 travels as.
pub const U64_PATTERN: &str = "^(0|[1-9][0-9]{0,19})$";
/// A canonical decimal `u128`.
pub const U128_PATTERN: &str = "^(0|[1-9][0-9]{0,38})$";

scalar!(
    /// An L1 address: 0x and 40 hex digits.
    Address,
    "Address",
    "^0x[0-9a-fA-F]{40}$",
    "An L1 address: 0x-hex of 20 bytes (written lowercase; either case is read).",
    "0x0101010101010101010101010101010101010101"
);
scalar!(
    /// The hash of an L2 signing key: 0x and 40 hex digits.
    PubKeyHash,
    "PubKeyHash",
    "^0x[0-9a-fA-F]{40}$",
    "Low 160 bits of the Poseidon hash of an L2 signing key, 0x-hex (all zero: no key set).",
    "0x0000000000000000000000000000000000000000"
);
scalar!(
    /// A 32-byte hash: 0x and 64 hex digits.
    Hash,
    "Hash",
    "^0x[0-9a-fA-F]{64}$",
    "A 32-byte hash or state root, 0x-hex.",
    "0x2a3a7d5c8f0e1b4c6d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
);
scalar!(
    /// Bytes of any length, 0x-hex.
    HexBytes,
    "HexBytes",
    "^0x([0-9a-fA-F]{2})*$",
    "Bytes, 0x-hex.",
    "0x00ff"
);
scalar!(
    /// A `u64` as a decimal string.
    U64,
    "U64",
    U64_PATTERN,
    "An unsigned 64-bit integer as a canonical decimal string (JSON numbers lose precision above 2^53).",
    "1700000000"
);

impl PartialSchema for crate::Amount {
    fn schema() -> RefOr<Schema> {
        string(U128_PATTERN, "An amount (u128) as a canonical decimal string, in the token's smallest unit.", "1000")
    }
}

impl ToSchema for crate::Amount {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Amount")
    }
}

/// One-value enums: the `"type"` tag of a tx or priority op.
macro_rules! tag {
    ($ty:ident, $value:ident) => {
        #[doc = concat!("The tag `\"", stringify!($value), "\"`.")]
        #[derive(ToSchema)]
        pub enum $ty {
            #[doc = concat!("`", stringify!($value), "`")]
            $value,
        }
    };
}

tag!(TransferTag, Transfer);
tag!(WithdrawTag, Withdraw);
tag!(ChangePubKeyTag, ChangePubKey);
tag!(ForcedExitTag, ForcedExit);
tag!(DepositTag, Deposit);
tag!(FullExitTag, FullExit);
tag!(OnchainTag, Onchain);

/// The tag `"EIP712"`.
#[derive(ToSchema)]
pub enum Eip712Tag {
    /// `EIP712`
    #[serde(rename = "EIP712")]
    Eip712,
}

/// The validity window of an L2 tx (block timestamps, unix seconds, inclusive).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// Earliest block timestamp.
    pub valid_from: U64,
    /// Latest block timestamp.
    pub valid_until: U64,
}

/// The L2 signature: the signer's compressed Baby Jubjub key and the EdDSA-Poseidon signature.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxSignature {
    /// Compressed public key, 32 bytes.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub pub_key: (),
    /// Signature (compressed R8 ‖ S little-endian), 64 bytes.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{128}$")]
    pub signature: (),
}

/// Move `amount` of `token` to the account at address `to` (created if it has none).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transfer {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: TransferTag,
    /// Sender (and signer).
    pub account_id: u32,
    /// Recipient's L1 address.
    pub to: Address,
    /// Token moved and paid as fee.
    pub token: u16,
    /// Amount; must be packable (5-bit exponent, 35-bit mantissa).
    pub amount: crate::Amount,
    /// Fee; must be packable (5-bit exponent, 11-bit mantissa).
    pub fee: crate::Amount,
    /// Sender's nonce.
    pub nonce: u32,
    /// Validity window.
    pub time_range: TimeRange,
    /// Signature by the sender's key.
    pub signature: TxSignature,
}

/// Move `amount` of `token` from an L2 account to the L1 address `to`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Withdraw {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: WithdrawTag,
    /// Account withdrawn from (and signer).
    pub account_id: u32,
    /// L1 recipient.
    pub to: Address,
    /// Token withdrawn and paid as fee.
    pub token: u16,
    /// Amount (any u128).
    pub amount: crate::Amount,
    /// Fee; must be packable.
    pub fee: crate::Amount,
    /// Signer's nonce.
    pub nonce: u32,
    /// Validity window.
    pub time_range: TimeRange,
    /// Signature by the account's key.
    pub signature: TxSignature,
}

/// Authorized by an earlier `setAuthPubkeyHash` call on L1.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnchainAuth {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: OnchainTag,
}

/// Authorized by an EIP-712 signature of the L1 address.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eip712Auth {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: Eip712Tag,
    /// r ‖ s ‖ v, 65 bytes.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{130}$")]
    pub signature: (),
}

/// How the L1 address authorizes a ChangePubKey.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ChangePubKeyAuth {
    /// On-chain authorization.
    Onchain(OnchainAuth),
    /// EIP-712 signature.
    Eip712(Eip712Auth),
}

/// Set the account's L2 signing key (signed by the new key).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePubKey {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: ChangePubKeyTag,
    /// The account.
    pub account_id: u32,
    /// The account's L1 address.
    pub account: Address,
    /// Hash of the new key.
    pub new_pub_key_hash: PubKeyHash,
    /// Token the fee is paid in.
    pub fee_token: u16,
    /// Fee; must be packable.
    pub fee: crate::Amount,
    /// Account nonce.
    pub nonce: u32,
    /// Validity window.
    pub time_range: TimeRange,
    /// L1 authorization.
    pub auth: ChangePubKeyAuth,
    /// Signature by the new key.
    pub signature: TxSignature,
}

/// Withdraw the whole balance of an account without a signing key to its own L1 address.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForcedExit {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: ForcedExitTag,
    /// Initiator (signer, pays the fee).
    pub initiator_account_id: u32,
    /// The target account's L1 address.
    pub target: Address,
    /// Token withdrawn and paid as fee.
    pub token: u16,
    /// Fee; must be packable.
    pub fee: crate::Amount,
    /// Initiator's nonce.
    pub nonce: u32,
    /// Validity window.
    pub time_range: TimeRange,
    /// Signature by the initiator's key.
    pub signature: TxSignature,
}

/// An L2 transaction, tagged by `type` (docs/protocol.md §9.2).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum L2Tx {
    /// A transfer.
    Transfer(Transfer),
    /// A withdrawal.
    Withdraw(Withdraw),
    /// A signing-key change.
    ChangePubKey(ChangePubKey),
    /// A forced exit.
    ForcedExit(ForcedExit),
}

/// An L1 deposit request.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deposit {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: DepositTag,
    /// The L1 sender.
    pub from: Address,
    /// The L2 owner credited.
    pub to: Address,
    /// Token deposited.
    pub token: u16,
    /// Amount.
    pub amount: crate::Amount,
}

/// An L1 request to exit an account's whole balance of a token.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FullExit {
    #[allow(missing_docs)] // a description would wrap the enum in an allOf
    #[serde(rename = "type")]
    #[schema(inline)]
    pub tag: FullExitTag,
    /// Account to exit.
    pub account_id: u32,
    /// The L1 caller (paid only if it owns the account).
    pub owner: Address,
    /// Token.
    pub token: u16,
}

/// What a priority request asks for.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum PriorityOpData {
    /// A deposit.
    Deposit(Deposit),
    /// A full exit.
    FullExit(FullExit),
}

/// A priority request as the L1 contract queued it.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityOp {
    /// Position in the L1 priority queue.
    pub serial_id: U64,
    /// The request.
    pub data: PriorityOpData,
    /// The L1 block after which an unprocessed request lets anyone start exodus.
    pub expiration_block: U64,
}

/// The body of `POST /v1/txs`: one tx, or an atomic batch.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Submission {
    /// One tx.
    Tx(L2Tx),
    /// An atomic batch.
    Batch(crate::SubmitBatch),
}
