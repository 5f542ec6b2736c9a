//! L2 transactions and L1 priority operations (PROTOCOL §5, §7): their types, JSON form, the signed
//! message `M`, signing and signature checks, and the tx hash.
//!
//! JSON (serde, PROTOCOL §9.2): camelCase fields; every `u64`/`u128` (amounts, fees, timestamps,
//! chain id, serial ids, expiration blocks) as a canonical decimal string
//! ([`crate::serde_util`]), `u32`/`u16` (ids, nonces, tokens) as JSON numbers;
//! addresses/hashes/keys/signatures as 0x-hex; [`L2Tx`] and [`PriorityOpData`] carry a `"type"`
//! tag, e.g.
//!
//! ```json
//! {"type": "Transfer", "accountId": 1, "to": "0x…", "token": 0, "amount": "1000", "fee": "10",
//!  "nonce": 0, "timeRange": {"validFrom": "0", "validUntil": "18446744073709551615"},
//!  "signature": {"pubKey": "0x…(32 bytes)", "signature": "0x…(64 bytes)"}}
//! ```
//!
//! Unknown fields are rejected, and so is every malformed value (wrong hex length, a JSON number
//! where a decimal string is due, non-canonical or out-of-range decimal text); deserialization
//! never panics.
//!
//! **Signing.** Build the tx with [`TxSignature::default()`] (all zero) and call `sign(&key,
//! &domain)` (or the by-value `signed`), which computes `M` and fills in the signer's compressed
//! key and the signature. `verify_signature(&domain)` checks it and returns the signer's
//! [`PubKeyHash`]; whether that hash belongs to the account is a state check for the caller (except
//! for ChangePubKey, whose signer must be the new key — checked here).

use crate::eddsa::{EddsaError, PrivateKey, PublicKey, Signature};
use crate::field::{fr_from_be_slice, fr_to_be_bytes, Fr};
use crate::ops::{DEPOSIT_OPCODE, FULL_EXIT_OPCODE};
use crate::packing::{AMOUNT_FLOAT, FEE_FLOAT};
use crate::poseidon;
use crate::serde_util::{hex_array, hex_vec, u128_dec, u64_dec};
use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};
use serde::{Deserialize, Serialize};

/// The deployment a signature is bound to: `domain = chain_id(64) ‖ rollup_address(160)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Domain {
    /// L1 chain id (JSON: decimal string).
    #[serde(with = "u64_dec")]
    pub chain_id: u64,
    /// Address of the Rollup contract.
    pub rollup: Address,
}

/// The L2 signature attached to a tx: the signer's compressed public key and the 64-byte EdDSA
/// signature (compressed R8 ‖ S little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxSignature {
    /// Compressed Baby Jubjub public key of the signer.
    #[serde(with = "hex_array")]
    pub pub_key: [u8; 32],
    /// Signature over the tx's message `M`.
    #[serde(with = "hex_array")]
    pub signature: [u8; 64],
}

/// Validity window of an L2 tx, signed, checked against the block timestamp (inclusive bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// Earliest block timestamp (unix seconds) the tx may be included at (JSON: decimal string).
    #[serde(with = "u64_dec")]
    pub valid_from: u64,
    /// Latest block timestamp (unix seconds) the tx may be included at (JSON: decimal string).
    #[serde(with = "u64_dec")]
    pub valid_until: u64,
}

/// Move `amount` of `token` from account `account_id` to the account at address `to` (created if
/// it has none: TransferToNew).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transfer {
    /// Sender (and signer).
    pub account_id: AccountId,
    /// Recipient's L1 address.
    pub to: Address,
    /// Token moved and paid as fee.
    pub token: TokenId,
    /// Amount; must be packable.
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Fee; must be packable.
    #[serde(with = "u128_dec")]
    pub fee: u128,
    /// Sender's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the sender's key.
    pub signature: TxSignature,
}

/// Move `amount` of `token` from L2 account `account_id` to the L1 address `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Withdraw {
    /// Account withdrawn from (and signer).
    pub account_id: AccountId,
    /// L1 recipient.
    pub to: Address,
    /// Token withdrawn and paid as fee.
    pub token: TokenId,
    /// Amount (full u128, need not be packable).
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Fee; must be packable.
    #[serde(with = "u128_dec")]
    pub fee: u128,
    /// Signer's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the account's key.
    pub signature: TxSignature,
}

/// How the L1 address authorizes a ChangePubKey (PROTOCOL §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum ChangePubKeyAuth {
    /// A prior `setAuthPubkeyHash(pubKeyHash, nonce)` call on L1 by the address.
    Onchain,
    /// An EIP-712 signature (65 bytes r ‖ s ‖ v) by the address over
    /// `ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)`.
    #[serde(rename = "EIP712")]
    Eip712 {
        /// The signature bytes, passed as the op's `ethWitness` at commit.
        #[serde(with = "eip712_sig")]
        signature: Vec<u8>,
    },
}

/// Set the account's L2 signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    #[serde(with = "u128_dec")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForcedExit {
    /// Initiator (signer, pays the fee in `token`).
    pub initiator_account_id: AccountId,
    /// The target account's L1 address.
    pub target: Address,
    /// Token withdrawn and paid as fee.
    pub token: TokenId,
    /// Fee; must be packable.
    #[serde(with = "u128_dec")]
    pub fee: u128,
    /// Initiator's nonce.
    pub nonce: Nonce,
    /// Validity window.
    pub time_range: TimeRange,
    /// L2 signature by the initiator's key.
    pub signature: TxSignature,
}

/// Any L2 transaction a user submits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deposit {
    /// The L1 sender (informational; not in pubdata).
    pub from: Address,
    /// The L2 owner credited.
    pub to: Address,
    /// Token deposited.
    pub token: TokenId,
    /// Amount (0 < amount ≤ MAX_DEPOSIT).
    #[serde(with = "u128_dec")]
    pub amount: u128,
}

/// An L1 request to exit the whole `token` balance of `account_id` to `owner`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FullExit {
    /// Account to exit.
    pub account_id: AccountId,
    /// The L1 caller; paid only if it owns the account.
    pub owner: Address,
    /// Token.
    pub token: TokenId,
}

/// The content of a priority request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PriorityOpData {
    /// See [`Deposit`].
    Deposit(Deposit),
    /// See [`FullExit`].
    FullExit(FullExit),
}

/// A priority request as the L1 contract queued it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityOp {
    /// Position in the L1 priority queue (0, 1, 2, …; JSON: decimal string).
    #[serde(with = "u64_dec")]
    pub serial_id: u64,
    /// The request.
    pub data: PriorityOpData,
    /// L1 block after which an unprocessed request lets anyone start exodus (JSON: decimal string).
    #[serde(with = "u64_dec")]
    pub expiration_block: u64,
}

/// The EIP-712 witness: `0x`-hex of exactly 65 bytes (r ‖ s ‖ v).
mod eip712_sig {
    use super::*;
    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        hex_vec::serialize(v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let v = hex_vec::deserialize(d)?;
        if v.len() != EIP712_SIGNATURE_BYTES {
            return Err(de::Error::custom(format!(
                "EIP-712 signature must be {EIP712_SIGNATURE_BYTES} bytes, got {}",
                v.len()
            )));
        }
        Ok(v)
    }
}

/// Length of an Ethereum ECDSA signature r ‖ s ‖ v.
pub const EIP712_SIGNATURE_BYTES: usize = 65;

/// Tx type byte of [`Transfer`] in its signed message (equals its opcode).
pub const TRANSFER_TX_TYPE: u8 = 5;
/// Tx type byte of [`Withdraw`].
pub const WITHDRAW_TX_TYPE: u8 = 3;
/// Tx type byte of [`ChangePubKey`].
pub const CHANGE_PUBKEY_TX_TYPE: u8 = 7;
/// Tx type byte of [`ForcedExit`].
pub const FORCED_EXIT_TX_TYPE: u8 = 8;

/// Why a tx message could not be built or a signature did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The amount is not exactly representable as a packed amount (it is signed packed).
    #[error("amount {0} is not packable")]
    AmountNotPackable(u128),
    /// The fee is not exactly representable as a packed fee.
    #[error("fee {0} is not packable")]
    FeeNotPackable(u128),
    /// The tx's public key bytes are not a valid key.
    #[error("bad public key: {0}")]
    BadPublicKey(EddsaError),
    /// The signature bytes do not decode, or the signature does not verify over `M`.
    #[error("bad signature: {0}")]
    BadSignature(EddsaError),
    /// A ChangePubKey signed by a key other than the one it installs.
    #[error("ChangePubKey must be signed by the new key {expected}, got a signature by {actual}")]
    WrongSigner {
        /// `new_pub_key_hash` of the tx.
        expected: PubKeyHash,
        /// Hash of the key that signed.
        actual: PubKeyHash,
    },
    /// A message part is not below p. Unreachable with the §7 widths (all parts are ≤ 232 bits);
    /// kept as an error rather than a panic.
    #[error("message element does not fit in the field")]
    MessageTooWide,
}

/// Big-endian concatenation of byte-aligned fields into one integer (the `‖` of PROTOCOL §7).
/// Every §7 width is a multiple of 8 bits, so concatenating big-endian bytes is exactly the
/// most-significant-first bit concatenation.
#[derive(Default)]
struct BeConcat(Vec<u8>);

impl BeConcat {
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u128(mut self, v: u128) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// The low `n` bytes of `v` (the packed floats: 40 and 16 bits).
    fn low_bytes(mut self, v: u64, n: usize) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes()[8 - n..]);
        self
    }
    fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    fn finish(self) -> Result<Fr, TxError> {
        fr_from_be_slice(&self.0).map_err(|_| TxError::MessageTooWide)
    }
}

fn packed_amount(amount: u128) -> Result<u64, TxError> {
    AMOUNT_FLOAT.pack_to_u64(amount).map_err(|_| TxError::AmountNotPackable(amount))
}

fn packed_fee(fee: u128) -> Result<u64, TxError> {
    FEE_FLOAT.pack_to_u64(fee).map_err(|_| TxError::FeeNotPackable(fee))
}

impl Domain {
    /// `e3 = chain_id(64) ‖ rollup(160)`.
    pub fn to_fr(&self) -> Result<Fr, TxError> {
        BeConcat::default().u64(self.chain_id).bytes(&self.rollup.0).finish()
    }
}

impl TimeRange {
    /// The range that admits every timestamp.
    pub const ALWAYS: TimeRange = TimeRange { valid_from: 0, valid_until: u64::MAX };

    /// `e2 = valid_from(64) ‖ valid_until(64)`.
    pub fn to_fr(&self) -> Result<Fr, TxError> {
        BeConcat::default().u64(self.valid_from).u64(self.valid_until).finish()
    }

    /// Whether `timestamp` lies in the (inclusive) range.
    pub fn contains(&self, timestamp: u64) -> bool {
        self.valid_from <= timestamp && timestamp <= self.valid_until
    }
}

impl Default for TxSignature {
    /// All zero: the placeholder of an unsigned tx (never a valid key).
    fn default() -> Self {
        TxSignature { pub_key: [0; 32], signature: [0; 64] }
    }
}

impl TxSignature {
    /// Signs `msg` with `key`: the key's compressed public key and the 64-byte signature.
    pub fn create(key: &PrivateKey, msg: &Fr) -> TxSignature {
        TxSignature { pub_key: key.public_key().compress(), signature: key.sign(msg).to_bytes() }
    }

    /// Decodes the key and the signature, verifies over `msg` and returns the signer's hash.
    pub fn verify(&self, msg: &Fr) -> Result<PubKeyHash, TxError> {
        let pk = PublicKey::from_compressed(&self.pub_key).map_err(TxError::BadPublicKey)?;
        let sig = Signature::from_bytes(&self.signature).map_err(TxError::BadSignature)?;
        sig.verify(&pk, msg).map_err(TxError::BadSignature)?;
        Ok(pk.hash())
    }
}

/// `M = H(e0, e1, e2, e3)`.
fn message_from_inputs(e: &[Fr; 4]) -> Fr {
    poseidon::hash_n(e)
}

/// Implements the signing surface shared by the four L2 tx types on top of `message_inputs`.
macro_rules! signing_methods {
    ($t:ty) => {
        impl $t {
            /// `M = H(e0, e1, e2, e3)` of PROTOCOL §7: the field element the L2 key signs.
            pub fn message(&self, domain: &Domain) -> Result<Fr, TxError> {
                Ok(message_from_inputs(&self.message_inputs(domain)?))
            }

            /// The tx hash: `M` as 32 big-endian bytes.
            pub fn tx_hash(&self, domain: &Domain) -> Result<[u8; 32], TxError> {
                Ok(fr_to_be_bytes(&self.message(domain)?))
            }

            /// The tx hash as `0x` + 64 lowercase hex digits.
            pub fn tx_hash_hex(&self, domain: &Domain) -> Result<String, TxError> {
                Ok(format!("0x{}", hex::encode(self.tx_hash(domain)?)))
            }

            /// Signs the tx for `domain` with `key`, overwriting `signature` (key and signature).
            pub fn sign(&mut self, key: &PrivateKey, domain: &Domain) -> Result<(), TxError> {
                self.signature = TxSignature::create(key, &self.message(domain)?);
                Ok(())
            }

            /// By-value [`sign`](Self::sign), for building signed txs in one expression.
            pub fn signed(mut self, key: &PrivateKey, domain: &Domain) -> Result<Self, TxError> {
                self.sign(key, domain)?;
                Ok(self)
            }
        }
    };
}

signing_methods!(Transfer);
signing_methods!(Withdraw);
signing_methods!(ChangePubKey);
signing_methods!(ForcedExit);

impl Transfer {
    /// `[e0, e1, e2, e3]`: e0 = type(8) ‖ account_id(32) ‖ token(16) ‖ nonce(32) ‖
    /// packed_amount(40) ‖ packed_fee(16); e1 = to(160); e2 = time range; e3 = domain.
    pub fn message_inputs(&self, domain: &Domain) -> Result<[Fr; 4], TxError> {
        let e0 = BeConcat::default()
            .u8(TRANSFER_TX_TYPE)
            .u32(self.account_id)
            .u16(self.token)
            .u32(self.nonce)
            .low_bytes(packed_amount(self.amount)?, AMOUNT_FLOAT.bytes())
            .low_bytes(packed_fee(self.fee)?, FEE_FLOAT.bytes())
            .finish()?;
        Ok([e0, self.to.to_fr(), self.time_range.to_fr()?, domain.to_fr()?])
    }

    /// Verifies the signature over `M` and returns the signer's key hash (the caller compares it
    /// with the sender account's `pubkey_hash`).
    pub fn verify_signature(&self, domain: &Domain) -> Result<PubKeyHash, TxError> {
        self.signature.verify(&self.message(domain)?)
    }
}

impl Withdraw {
    /// `[e0, e1, e2, e3]`: e0 = type(8) ‖ account_id(32) ‖ token(16) ‖ nonce(32) ‖ packed_fee(16)
    /// ‖ amount(128); e1 = to(160); e2 = time range; e3 = domain.
    pub fn message_inputs(&self, domain: &Domain) -> Result<[Fr; 4], TxError> {
        let e0 = BeConcat::default()
            .u8(WITHDRAW_TX_TYPE)
            .u32(self.account_id)
            .u16(self.token)
            .u32(self.nonce)
            .low_bytes(packed_fee(self.fee)?, FEE_FLOAT.bytes())
            .u128(self.amount)
            .finish()?;
        Ok([e0, self.to.to_fr(), self.time_range.to_fr()?, domain.to_fr()?])
    }

    /// Verifies the signature over `M` and returns the signer's key hash.
    pub fn verify_signature(&self, domain: &Domain) -> Result<PubKeyHash, TxError> {
        self.signature.verify(&self.message(domain)?)
    }
}

impl ChangePubKey {
    /// `[e0, e1, e2, e3]`: e0 = type(8) ‖ account_id(32) ‖ fee_token(16) ‖ nonce(32) ‖
    /// packed_fee(16); e1 = new_pub_key_hash(160); e2 = time range; e3 = domain. Neither `account`
    /// nor `auth` is signed by the L2 key: the L1 authorization binds the address.
    pub fn message_inputs(&self, domain: &Domain) -> Result<[Fr; 4], TxError> {
        let e0 = BeConcat::default()
            .u8(CHANGE_PUBKEY_TX_TYPE)
            .u32(self.account_id)
            .u16(self.fee_token)
            .u32(self.nonce)
            .low_bytes(packed_fee(self.fee)?, FEE_FLOAT.bytes())
            .finish()?;
        Ok([e0, self.new_pub_key_hash.to_fr(), self.time_range.to_fr()?, domain.to_fr()?])
    }

    /// Verifies the signature over `M` and that the signer is the new key (PROTOCOL §5: a
    /// ChangePubKey is signed by the key it installs), returning its hash (= `new_pub_key_hash`).
    pub fn verify_signature(&self, domain: &Domain) -> Result<PubKeyHash, TxError> {
        let signer = self.signature.verify(&self.message(domain)?)?;
        if signer != self.new_pub_key_hash {
            return Err(TxError::WrongSigner { expected: self.new_pub_key_hash, actual: signer });
        }
        Ok(signer)
    }
}

impl ForcedExit {
    /// `[e0, e1, e2, e3]`: e0 = type(8) ‖ initiator_id(32) ‖ token(16) ‖ nonce(32) ‖
    /// packed_fee(16); e1 = target(160); e2 = time range; e3 = domain.
    pub fn message_inputs(&self, domain: &Domain) -> Result<[Fr; 4], TxError> {
        let e0 = BeConcat::default()
            .u8(FORCED_EXIT_TX_TYPE)
            .u32(self.initiator_account_id)
            .u16(self.token)
            .u32(self.nonce)
            .low_bytes(packed_fee(self.fee)?, FEE_FLOAT.bytes())
            .finish()?;
        Ok([e0, self.target.to_fr(), self.time_range.to_fr()?, domain.to_fr()?])
    }

    /// Verifies the signature over `M` and returns the signer's key hash (the caller compares it
    /// with the initiator account's `pubkey_hash`).
    pub fn verify_signature(&self, domain: &Domain) -> Result<PubKeyHash, TxError> {
        self.signature.verify(&self.message(domain)?)
    }
}

/// Dispatches a method to the variant's tx.
macro_rules! each_tx {
    ($self:expr, $tx:ident => $e:expr) => {
        match $self {
            L2Tx::Transfer($tx) => $e,
            L2Tx::Withdraw($tx) => $e,
            L2Tx::ChangePubKey($tx) => $e,
            L2Tx::ForcedExit($tx) => $e,
        }
    };
}

impl L2Tx {
    /// The tx type byte of §7 (5, 3, 7, 8).
    pub fn tx_type(&self) -> u8 {
        match self {
            L2Tx::Transfer(_) => TRANSFER_TX_TYPE,
            L2Tx::Withdraw(_) => WITHDRAW_TX_TYPE,
            L2Tx::ChangePubKey(_) => CHANGE_PUBKEY_TX_TYPE,
            L2Tx::ForcedExit(_) => FORCED_EXIT_TX_TYPE,
        }
    }

    /// The signing account (sender, account, or ForcedExit initiator), whose nonce the tx bumps.
    pub fn account_id(&self) -> AccountId {
        match self {
            L2Tx::Transfer(tx) => tx.account_id,
            L2Tx::Withdraw(tx) => tx.account_id,
            L2Tx::ChangePubKey(tx) => tx.account_id,
            L2Tx::ForcedExit(tx) => tx.initiator_account_id,
        }
    }

    /// The signer's nonce.
    pub fn nonce(&self) -> Nonce {
        each_tx!(self, tx => tx.nonce)
    }

    /// The fee.
    pub fn fee(&self) -> u128 {
        each_tx!(self, tx => tx.fee)
    }

    /// The token the fee is paid in.
    pub fn fee_token(&self) -> TokenId {
        match self {
            L2Tx::Transfer(tx) => tx.token,
            L2Tx::Withdraw(tx) => tx.token,
            L2Tx::ChangePubKey(tx) => tx.fee_token,
            L2Tx::ForcedExit(tx) => tx.token,
        }
    }

    /// The validity window.
    pub fn time_range(&self) -> TimeRange {
        each_tx!(self, tx => tx.time_range)
    }

    /// The attached L2 signature.
    pub fn signature(&self) -> &TxSignature {
        each_tx!(self, tx => &tx.signature)
    }

    /// `[e0, e1, e2, e3]` of the tx's message.
    pub fn message_inputs(&self, domain: &Domain) -> Result<[Fr; 4], TxError> {
        each_tx!(self, tx => tx.message_inputs(domain))
    }

    /// `M = H(e0, e1, e2, e3)`.
    pub fn message(&self, domain: &Domain) -> Result<Fr, TxError> {
        each_tx!(self, tx => tx.message(domain))
    }

    /// `M` as 32 big-endian bytes.
    pub fn tx_hash(&self, domain: &Domain) -> Result<[u8; 32], TxError> {
        each_tx!(self, tx => tx.tx_hash(domain))
    }

    /// The tx hash as 0x-hex.
    pub fn tx_hash_hex(&self, domain: &Domain) -> Result<String, TxError> {
        each_tx!(self, tx => tx.tx_hash_hex(domain))
    }

    /// Signs the tx in place (see the type-specific `sign`).
    pub fn sign(&mut self, key: &PrivateKey, domain: &Domain) -> Result<(), TxError> {
        each_tx!(self, tx => tx.sign(key, domain))
    }

    /// Verifies the signature and returns the signer's key hash (for ChangePubKey also checks the
    /// signer is the new key).
    pub fn verify_signature(&self, domain: &Domain) -> Result<PubKeyHash, TxError> {
        each_tx!(self, tx => tx.verify_signature(domain))
    }
}

impl Deposit {
    /// The op the node includes for this request once it has chosen `account_id`.
    pub fn to_op(&self, account_id: AccountId) -> crate::ops::DepositOp {
        crate::ops::DepositOp { account_id, token: self.token, amount: self.amount, address: self.to }
    }

    /// The Deposit pubdata as the L1 priority queue commits to it: opcode ‖ account_id = 0 (filled
    /// by the operator) ‖ token ‖ amount ‖ to — 43 bytes, not padded to chunks. The contract
    /// stores the last 20 bytes of keccak256 of these bytes.
    pub fn l1_pubdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(43);
        out.push(DEPOSIT_OPCODE);
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&self.token.to_be_bytes());
        out.extend_from_slice(&self.amount.to_be_bytes());
        out.extend_from_slice(&self.to.0);
        out
    }
}

impl FullExit {
    /// The op the node includes for this request with the amount it paid out.
    pub fn to_op(&self, amount: u128) -> crate::ops::FullExitOp {
        crate::ops::FullExitOp { account_id: self.account_id, owner: self.owner, token: self.token, amount }
    }

    /// The FullExit pubdata as the L1 priority queue commits to it: opcode ‖ account_id ‖ owner ‖
    /// token ‖ amount = 0 (filled by the operator) — 43 bytes, not padded.
    pub fn l1_pubdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(43);
        out.push(FULL_EXIT_OPCODE);
        out.extend_from_slice(&self.account_id.to_be_bytes());
        out.extend_from_slice(&self.owner.0);
        out.extend_from_slice(&self.token.to_be_bytes());
        out.extend_from_slice(&0u128.to_be_bytes());
        out
    }
}

impl PriorityOpData {
    /// The request's pubdata for the L1 priority-queue hash (see [`Deposit::l1_pubdata`],
    /// [`FullExit::l1_pubdata`]).
    pub fn l1_pubdata(&self) -> Vec<u8> {
        match self {
            PriorityOpData::Deposit(d) => d.l1_pubdata(),
            PriorityOpData::FullExit(f) => f.l1_pubdata(),
        }
    }
}

impl PriorityOpData {
    /// The request back from its 43-byte L1 pubdata (as the contract's `NewPriorityRequest` event
    /// carries it, PROTOCOL §11); `sender` is the L1 caller, the Deposit's `from` (not in pubdata).
    /// The operator-filled fields must be zero, so that `l1_pubdata` gives back the same bytes.
    pub fn from_l1_pubdata(pubdata: &[u8], sender: Address) -> Result<PriorityOpData, L1PubdataError> {
        if pubdata.len() != L1_PUBDATA_BYTES {
            return Err(L1PubdataError::Length(pubdata.len()));
        }
        let be32 = |r: std::ops::Range<usize>| u32::from_be_bytes(pubdata[r].try_into().expect("4 bytes"));
        let be16 = |r: std::ops::Range<usize>| u16::from_be_bytes(pubdata[r].try_into().expect("2 bytes"));
        let be128 = |r: std::ops::Range<usize>| u128::from_be_bytes(pubdata[r].try_into().expect("16 bytes"));
        let address = |r: std::ops::Range<usize>| Address(pubdata[r].try_into().expect("20 bytes"));
        match pubdata[0] {
            DEPOSIT_OPCODE => {
                if be32(1..5) != 0 {
                    return Err(L1PubdataError::OperatorFieldSet("Deposit account_id"));
                }
                Ok(PriorityOpData::Deposit(Deposit {
                    from: sender,
                    to: address(23..43),
                    token: be16(5..7),
                    amount: be128(7..23),
                }))
            }
            FULL_EXIT_OPCODE => {
                if be128(27..43) != 0 {
                    return Err(L1PubdataError::OperatorFieldSet("FullExit amount"));
                }
                Ok(PriorityOpData::FullExit(FullExit {
                    account_id: be32(1..5),
                    owner: address(5..25),
                    token: be16(25..27),
                }))
            }
            opcode => Err(L1PubdataError::NotAPriorityOp(opcode)),
        }
    }
}

/// Length of a priority request's L1 pubdata (PROTOCOL §11).
pub const L1_PUBDATA_BYTES: usize = 43;

/// Why bytes are not a priority request's L1 pubdata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1PubdataError {
    /// Not 43 bytes.
    #[error("priority request pubdata is {0} bytes, expected {L1_PUBDATA_BYTES}")]
    Length(usize),
    /// An opcode other than Deposit (0x01) or FullExit (0x06).
    #[error("opcode {0:#04x} is not a priority operation")]
    NotAPriorityOp(u8),
    /// A field the operator fills in is not zero.
    #[error("{0} must be zero in the L1 pubdata")]
    OperatorFieldSet(&'static str),
}

impl PriorityOp {
    /// See [`PriorityOpData::l1_pubdata`].
    pub fn l1_pubdata(&self) -> Vec<u8> {
        self.data.l1_pubdata()
    }
}
