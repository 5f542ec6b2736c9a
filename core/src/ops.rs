//! The eight rollup operations as they appear in a block's pubdata (PROTOCOL §5): exact big-endian
//! encoding, chunk counts, the onchain bitmap and a strict decoder for a whole block's pubdata.
//!
//! Layout (bytes, big-endian, each op right-padded with zeros to `chunks × CHUNK_BYTES`):
//!
//! | Op | Opcode | Chunks | Fields |
//! |---|---|---|---|
//! | Noop | 0x00 | 1 | opcode |
//! | Deposit | 0x01 | 5 | opcode, account_id(4), token(2), amount(16), address(20) |
//! | TransferToNew | 0x02 | 4 | opcode, from_id(4), token(2), packed_amount(5), to_address(20), to_id(4), packed_fee(2) |
//! | Withdraw | 0x03 | 5 | opcode, account_id(4), token(2), amount(16), packed_fee(2), to_address(20) |
//! | Transfer | 0x05 | 2 | opcode, from_id(4), token(2), to_id(4), packed_amount(5), packed_fee(2) |
//! | FullExit | 0x06 | 5 | opcode, account_id(4), owner(20), token(2), amount(16) |
//! | ChangePubKey | 0x07 | 6 | opcode, account_id(4), new_pubkey_hash(20), address(20), nonce(4), fee_token(2), packed_fee(2) |
//! | ForcedExit | 0x08 | 5 | opcode, initiator_id(4), target_id(4), token(2), packed_fee(2), amount(16), target_address(20) |
//!
//! **Packed floats.** Encoding always writes the canonical (smallest-exponent) float of
//! [`crate::packing`]. Decoding accepts *any* bit pattern whose value fits in a `u128`, so a
//! non-canonical float such as mantissa 1, exponent 1 decodes to 10, like mantissa 10, exponent 0;
//! re-encoding such an op then yields the canonical bytes, not the original ones. This mirrors the
//! circuit, which only computes `mantissa × 10^exponent`. The node never emits non-canonical floats.
//!
//! JSON (serde): `{"type": "Transfer", "fromId": 1, …}`, camelCase, amounts and fees as decimal
//! strings, addresses and hashes as 0x-hex.

use crate::packing::{PackingError, AMOUNT_FLOAT, FEE_FLOAT};
use crate::params::{CHUNK_BYTES, MAX_ACCOUNT_ID, MAX_TOKEN_ID};
use crate::serde_util::u128_dec;
use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};
use serde::{Deserialize, Serialize};

/// Filler chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoopOp;

/// Deposit into `account_id` (created with `address` if empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DepositOp {
    /// Account credited.
    pub account_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount.
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Owner address.
    pub address: Address,
}

/// Transfer to a new account created at `to_id` with address `to_address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferToNewOp {
    /// Sender.
    pub from_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount (packable).
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// The new account's address.
    pub to_address: Address,
    /// The new account's id.
    pub to_id: AccountId,
    /// Fee (packable).
    #[serde(with = "u128_dec")]
    pub fee: u128,
}

/// Withdraw to L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WithdrawOp {
    /// Account.
    pub account_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount (full u128).
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Fee (packable).
    #[serde(with = "u128_dec")]
    pub fee: u128,
    /// L1 recipient.
    pub to_address: Address,
}

/// Transfer between existing accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferOp {
    /// Sender.
    pub from_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Recipient.
    pub to_id: AccountId,
    /// Amount (packable).
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Fee (packable).
    #[serde(with = "u128_dec")]
    pub fee: u128,
}

/// Full exit requested on L1; `amount` is what was paid out (0 if the request was not valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FullExitOp {
    /// Account.
    pub account_id: AccountId,
    /// Requester.
    pub owner: Address,
    /// Token.
    pub token: TokenId,
    /// Amount paid out.
    #[serde(with = "u128_dec")]
    pub amount: u128,
}

/// Set an account's signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    #[serde(with = "u128_dec")]
    pub fee: u128,
}

/// Forced exit of a keyless account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForcedExitOp {
    /// Initiator (pays the fee).
    pub initiator_id: AccountId,
    /// Target account.
    pub target_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Fee (packable).
    #[serde(with = "u128_dec")]
    pub fee: u128,
    /// Amount paid out (the target's whole balance).
    #[serde(with = "u128_dec")]
    pub amount: u128,
    /// Target's L1 address.
    pub target_address: Address,
}

/// One operation of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
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

/// Why ops could not be encoded or pubdata could not be decoded. Decoder errors name the chunk
/// (index of the op's first chunk within the decoded pubdata) so a bad block can be pinpointed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PubdataError {
    /// Block pubdata whose length is not a whole number of chunks.
    #[error("pubdata length {len} is not a multiple of {CHUNK_BYTES}")]
    BadLength {
        /// The length given.
        len: usize,
    },
    /// [`Op::decode`] on an empty slice.
    #[error("no bytes to decode an op from")]
    Empty,
    /// An opcode that is not one of §5 (0x04 is reserved and invalid).
    #[error("unknown opcode {opcode:#04x} at chunk {chunk}")]
    UnknownOpcode {
        /// The opcode byte.
        opcode: u8,
        /// Chunk index of the opcode.
        chunk: usize,
    },
    /// The op needs more bytes than remain.
    #[error("op {opcode:#04x} at chunk {chunk} needs {needed} bytes, only {available} remain")]
    Truncated {
        /// The opcode byte.
        opcode: u8,
        /// Chunk index of the op.
        chunk: usize,
        /// Bytes the op occupies (`chunks × CHUNK_BYTES`).
        needed: usize,
        /// Bytes left from the op's start.
        available: usize,
    },
    /// A padding byte after the op's fields is not zero.
    #[error("nonzero padding byte at offset {offset} in op {opcode:#04x} at chunk {chunk}")]
    NonZeroPadding {
        /// The opcode byte.
        opcode: u8,
        /// Chunk index of the op.
        chunk: usize,
        /// Byte offset of the first nonzero padding byte within the decoded pubdata.
        offset: usize,
    },
    /// An account id above 2^24 − 1 (`chunk` is `None` when encoding).
    #[error("account id {id} exceeds 2^24 - 1 (chunk {chunk:?})")]
    AccountIdOutOfRange {
        /// The id.
        id: u32,
        /// Chunk index of the op when decoding.
        chunk: Option<usize>,
    },
    /// A token id above 1023 (`chunk` is `None` when encoding).
    #[error("token id {token} exceeds 1023 (chunk {chunk:?})")]
    TokenIdOutOfRange {
        /// The token id.
        token: u16,
        /// Chunk index of the op when decoding.
        chunk: Option<usize>,
    },
    /// A packed amount or fee whose value does not fit in a `u128`.
    #[error("packed float in op at chunk {chunk} does not unpack: {error}")]
    PackedOverflow {
        /// Chunk index of the op.
        chunk: usize,
        /// The packing error.
        error: PackingError,
    },
    /// Encoding an amount that is not exactly representable as a packed amount.
    #[error("amount {0} is not packable")]
    AmountNotPackable(u128),
    /// Encoding a fee that is not exactly representable as a packed fee.
    #[error("fee {0} is not packable")]
    FeeNotPackable(u128),
}

/// Opcode of [`NoopOp`].
pub const NOOP_OPCODE: u8 = 0x00;
/// Opcode of [`DepositOp`].
pub const DEPOSIT_OPCODE: u8 = 0x01;
/// Opcode of [`TransferToNewOp`].
pub const TRANSFER_TO_NEW_OPCODE: u8 = 0x02;
/// Opcode of [`WithdrawOp`].
pub const WITHDRAW_OPCODE: u8 = 0x03;
/// Opcode of [`TransferOp`].
pub const TRANSFER_OPCODE: u8 = 0x05;
/// Opcode of [`FullExitOp`].
pub const FULL_EXIT_OPCODE: u8 = 0x06;
/// Opcode of [`ChangePubKeyOp`].
pub const CHANGE_PUBKEY_OPCODE: u8 = 0x07;
/// Opcode of [`ForcedExitOp`].
pub const FORCED_EXIT_OPCODE: u8 = 0x08;

/// Chunks an op with this opcode occupies; `None` for unknown opcodes (including reserved 0x04).
pub fn chunks_for_opcode(opcode: u8) -> Option<usize> {
    Some(match opcode {
        NOOP_OPCODE => 1,
        DEPOSIT_OPCODE => 5,
        TRANSFER_TO_NEW_OPCODE => 4,
        WITHDRAW_OPCODE => 5,
        TRANSFER_OPCODE => 2,
        FULL_EXIT_OPCODE => 5,
        CHANGE_PUBKEY_OPCODE => 6,
        FORCED_EXIT_OPCODE => 5,
        _ => return None,
    })
}

/// Big-endian field writer for one op.
struct Writer(Vec<u8>);

impl Writer {
    fn new(opcode: u8) -> Writer {
        let mut v = Vec::with_capacity(6 * CHUNK_BYTES);
        v.push(opcode);
        Writer(v)
    }
    fn account(&mut self, id: AccountId) -> Result<&mut Self, PubdataError> {
        if id > MAX_ACCOUNT_ID {
            return Err(PubdataError::AccountIdOutOfRange { id, chunk: None });
        }
        self.0.extend_from_slice(&id.to_be_bytes());
        Ok(self)
    }
    fn token(&mut self, token: TokenId) -> Result<&mut Self, PubdataError> {
        if token > MAX_TOKEN_ID {
            return Err(PubdataError::TokenIdOutOfRange { token, chunk: None });
        }
        self.0.extend_from_slice(&token.to_be_bytes());
        Ok(self)
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u128(&mut self, v: u128) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn bytes20(&mut self, b: &[u8; 20]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    fn packed_amount(&mut self, v: u128) -> Result<&mut Self, PubdataError> {
        let packed = AMOUNT_FLOAT.pack_to_u64(v).map_err(|_| PubdataError::AmountNotPackable(v))?;
        self.0.extend_from_slice(&packed.to_be_bytes()[8 - AMOUNT_FLOAT.bytes()..]);
        Ok(self)
    }
    fn packed_fee(&mut self, v: u128) -> Result<&mut Self, PubdataError> {
        let packed = FEE_FLOAT.pack_to_u64(v).map_err(|_| PubdataError::FeeNotPackable(v))?;
        self.0.extend_from_slice(&packed.to_be_bytes()[8 - FEE_FLOAT.bytes()..]);
        Ok(self)
    }
}

/// Big-endian field reader over one op's bytes (opcode excluded). The caller has checked the
/// slice is `chunks × CHUNK_BYTES` long, which covers every layout, but reads are still bounds
/// checked so a layout mistake is an error rather than a panic.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    opcode: u8,
    chunk: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], PubdataError> {
        let out = self.bytes.get(self.pos..self.pos + N).and_then(|s| <[u8; N]>::try_from(s).ok()).ok_or(
            PubdataError::Truncated {
                opcode: self.opcode,
                chunk: self.chunk,
                needed: self.pos + N,
                available: self.bytes.len(),
            },
        )?;
        self.pos += N;
        Ok(out)
    }
    fn account(&mut self) -> Result<AccountId, PubdataError> {
        let id = u32::from_be_bytes(self.take()?);
        if id > MAX_ACCOUNT_ID {
            return Err(PubdataError::AccountIdOutOfRange { id, chunk: Some(self.chunk) });
        }
        Ok(id)
    }
    fn token(&mut self) -> Result<TokenId, PubdataError> {
        let token = u16::from_be_bytes(self.take()?);
        if token > MAX_TOKEN_ID {
            return Err(PubdataError::TokenIdOutOfRange { token, chunk: Some(self.chunk) });
        }
        Ok(token)
    }
    fn u32(&mut self) -> Result<u32, PubdataError> {
        Ok(u32::from_be_bytes(self.take()?))
    }
    fn u128(&mut self) -> Result<u128, PubdataError> {
        Ok(u128::from_be_bytes(self.take()?))
    }
    fn bytes20(&mut self) -> Result<[u8; 20], PubdataError> {
        self.take()
    }
    fn packed_amount(&mut self) -> Result<u128, PubdataError> {
        let b: [u8; 5] = self.take()?;
        AMOUNT_FLOAT.unpack_bytes(&b).map_err(|error| PubdataError::PackedOverflow { chunk: self.chunk, error })
    }
    fn packed_fee(&mut self) -> Result<u128, PubdataError> {
        let b: [u8; 2] = self.take()?;
        FEE_FLOAT.unpack_bytes(&b).map_err(|error| PubdataError::PackedOverflow { chunk: self.chunk, error })
    }
}

impl Op {
    /// The op's opcode byte.
    pub fn opcode(&self) -> u8 {
        match self {
            Op::Noop(_) => NOOP_OPCODE,
            Op::Deposit(_) => DEPOSIT_OPCODE,
            Op::TransferToNew(_) => TRANSFER_TO_NEW_OPCODE,
            Op::Withdraw(_) => WITHDRAW_OPCODE,
            Op::Transfer(_) => TRANSFER_OPCODE,
            Op::FullExit(_) => FULL_EXIT_OPCODE,
            Op::ChangePubKey(_) => CHANGE_PUBKEY_OPCODE,
            Op::ForcedExit(_) => FORCED_EXIT_OPCODE,
        }
    }

    /// Number of pubdata chunks the op occupies.
    pub fn chunks(&self) -> usize {
        // Every opcode returned by `opcode()` is known; 1 is unreachable and only avoids a panic path.
        chunks_for_opcode(self.opcode()).unwrap_or(1)
    }

    /// Whether L1 must see the op at commit/execute time (PROTOCOL §8): Deposit, Withdraw, FullExit,
    /// ChangePubKey and ForcedExit.
    pub fn is_onchain(&self) -> bool {
        matches!(self, Op::Deposit(_) | Op::Withdraw(_) | Op::FullExit(_) | Op::ChangePubKey(_) | Op::ForcedExit(_))
    }

    /// The op's fields without the zero padding (opcode first). Errors for an out-of-range account
    /// or token id and for a packed field whose value is not packable.
    pub fn encode_unpadded(&self) -> Result<Vec<u8>, PubdataError> {
        let mut w = Writer::new(self.opcode());
        match self {
            Op::Noop(_) => {}
            Op::Deposit(op) => {
                w.account(op.account_id)?.token(op.token)?.u128(op.amount).bytes20(&op.address.0);
            }
            Op::TransferToNew(op) => {
                w.account(op.from_id)?
                    .token(op.token)?
                    .packed_amount(op.amount)?
                    .bytes20(&op.to_address.0)
                    .account(op.to_id)?
                    .packed_fee(op.fee)?;
            }
            Op::Withdraw(op) => {
                w.account(op.account_id)?
                    .token(op.token)?
                    .u128(op.amount)
                    .packed_fee(op.fee)?
                    .bytes20(&op.to_address.0);
            }
            Op::Transfer(op) => {
                w.account(op.from_id)?
                    .token(op.token)?
                    .account(op.to_id)?
                    .packed_amount(op.amount)?
                    .packed_fee(op.fee)?;
            }
            Op::FullExit(op) => {
                w.account(op.account_id)?.bytes20(&op.owner.0).token(op.token)?.u128(op.amount);
            }
            Op::ChangePubKey(op) => {
                w.account(op.account_id)?
                    .bytes20(&op.new_pub_key_hash.0)
                    .bytes20(&op.address.0)
                    .u32(op.nonce)
                    .token(op.fee_token)?
                    .packed_fee(op.fee)?;
            }
            Op::ForcedExit(op) => {
                w.account(op.initiator_id)?
                    .account(op.target_id)?
                    .token(op.token)?
                    .packed_fee(op.fee)?
                    .u128(op.amount)
                    .bytes20(&op.target_address.0);
            }
        }
        Ok(w.0)
    }

    /// The op's pubdata: [`encode_unpadded`](Self::encode_unpadded) right-padded with zeros to
    /// `chunks × CHUNK_BYTES` bytes.
    pub fn encode(&self) -> Result<Vec<u8>, PubdataError> {
        let mut out = self.encode_unpadded()?;
        out.resize(self.chunks() * CHUNK_BYTES, 0);
        Ok(out)
    }

    /// Decodes the op at the start of `bytes`; returns it and the bytes consumed
    /// (`chunks × CHUNK_BYTES`). Bytes after the op are ignored. Strict: unknown opcodes,
    /// truncation, nonzero padding, out-of-range ids and overflowing floats are errors (chunk
    /// indices in errors are relative to `bytes`). Non-canonical floats are accepted (module docs).
    pub fn decode(bytes: &[u8]) -> Result<(Op, usize), PubdataError> {
        decode_at(bytes, 0, 0)
    }
}

/// Decodes the op starting at byte `start` of `pubdata`; `start` is a multiple of `CHUNK_BYTES` in
/// block decoding, and chunk numbers in errors are `start / CHUNK_BYTES`.
fn decode_at(pubdata: &[u8], start: usize, chunk: usize) -> Result<(Op, usize), PubdataError> {
    let rest = pubdata.get(start..).unwrap_or(&[]);
    let opcode = *rest.first().ok_or(PubdataError::Empty)?;
    let chunks = chunks_for_opcode(opcode).ok_or(PubdataError::UnknownOpcode { opcode, chunk })?;
    let len = chunks * CHUNK_BYTES;
    let bytes = rest.get(..len).ok_or(PubdataError::Truncated { opcode, chunk, needed: len, available: rest.len() })?;
    let mut r = Reader { bytes, pos: 1, opcode, chunk };
    let op = match opcode {
        NOOP_OPCODE => Op::Noop(NoopOp),
        DEPOSIT_OPCODE => Op::Deposit(DepositOp {
            account_id: r.account()?,
            token: r.token()?,
            amount: r.u128()?,
            address: Address(r.bytes20()?),
        }),
        TRANSFER_TO_NEW_OPCODE => Op::TransferToNew(TransferToNewOp {
            from_id: r.account()?,
            token: r.token()?,
            amount: r.packed_amount()?,
            to_address: Address(r.bytes20()?),
            to_id: r.account()?,
            fee: r.packed_fee()?,
        }),
        WITHDRAW_OPCODE => Op::Withdraw(WithdrawOp {
            account_id: r.account()?,
            token: r.token()?,
            amount: r.u128()?,
            fee: r.packed_fee()?,
            to_address: Address(r.bytes20()?),
        }),
        TRANSFER_OPCODE => Op::Transfer(TransferOp {
            from_id: r.account()?,
            token: r.token()?,
            to_id: r.account()?,
            amount: r.packed_amount()?,
            fee: r.packed_fee()?,
        }),
        FULL_EXIT_OPCODE => Op::FullExit(FullExitOp {
            account_id: r.account()?,
            owner: Address(r.bytes20()?),
            token: r.token()?,
            amount: r.u128()?,
        }),
        CHANGE_PUBKEY_OPCODE => Op::ChangePubKey(ChangePubKeyOp {
            account_id: r.account()?,
            new_pub_key_hash: PubKeyHash(r.bytes20()?),
            address: Address(r.bytes20()?),
            nonce: r.u32()?,
            fee_token: r.token()?,
            fee: r.packed_fee()?,
        }),
        FORCED_EXIT_OPCODE => Op::ForcedExit(ForcedExitOp {
            initiator_id: r.account()?,
            target_id: r.account()?,
            token: r.token()?,
            fee: r.packed_fee()?,
            amount: r.u128()?,
            target_address: Address(r.bytes20()?),
        }),
        // `chunks_for_opcode` already rejected every other opcode.
        _ => return Err(PubdataError::UnknownOpcode { opcode, chunk }),
    };
    if let Some(i) = bytes[r.pos..].iter().position(|b| *b != 0) {
        return Err(PubdataError::NonZeroPadding { opcode, chunk, offset: start + r.pos + i });
    }
    Ok((op, len))
}

/// Decodes a whole block's pubdata into its ops (Noops included). The length must be a multiple
/// of `CHUNK_BYTES`; every op must decode strictly (see [`Op::decode`]). Never panics.
pub fn decode_block_pubdata(pubdata: &[u8]) -> Result<Vec<Op>, PubdataError> {
    // `%` rather than `is_multiple_of`: the workspace MSRV (1.80) predates it.
    #[allow(clippy::manual_is_multiple_of)]
    if pubdata.len() % CHUNK_BYTES != 0 {
        return Err(PubdataError::BadLength { len: pubdata.len() });
    }
    let mut ops = Vec::new();
    let mut pos = 0;
    while pos < pubdata.len() {
        let (op, used) = decode_at(pubdata, pos, pos / CHUNK_BYTES)?;
        ops.push(op);
        pos += used;
    }
    Ok(ops)
}

/// The concatenated encodings of `ops` (no block-size padding: the block builder appends Noops).
pub fn block_pubdata(ops: &[Op]) -> Result<Vec<u8>, PubdataError> {
    let mut out = Vec::with_capacity(ops.iter().map(|op| op.chunks() * CHUNK_BYTES).sum());
    for op in ops {
        out.extend_from_slice(&op.encode()?);
    }
    Ok(out)
}

/// The onchain bitmap of PROTOCOL §8 for a block of `block_chunks` chunks holding `ops` from chunk
/// 0: `ceil(block_chunks / 8)` bytes, bit i (MSB first: byte i / 8, mask `0x80 >> (i % 8)`) set iff
/// chunk i is the first chunk of an onchain op. Chunks not covered by `ops` count as Noops; ops
/// starting at or beyond `block_chunks` do not fit the block and set no bit.
pub fn onchain_bitmap(ops: &[Op], block_chunks: usize) -> Vec<u8> {
    let mut bitmap = vec![0u8; block_chunks.div_ceil(8)];
    let mut chunk = 0usize;
    for op in ops {
        if chunk >= block_chunks {
            break;
        }
        if op.is_onchain() {
            bitmap[chunk / 8] |= 0x80 >> (chunk % 8);
        }
        chunk += op.chunks();
    }
    bitmap
}
