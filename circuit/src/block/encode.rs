//! A compact, versioned binary encoding of [`BlockWitness`], so that a prover worker can receive a
//! witness from the node (e.g. as an HTTP body) and prove it.
//!
//! Every value has a fixed width, so an encoding of `n` chunks is exactly [`encoded_len`]`(n)`
//! bytes. Integers are big-endian at their Rust width, field elements are 32 bytes big-endian and
//! canonical (below p), bools are one byte 0 or 1, addresses and pubkey hashes are their 20 bytes.
//!
//! # Layout
//!
//! In order, with sizes in bytes:
//!
//! ```text
//! BlockWitness   = version(1) = WITNESS_FORMAT_VERSION
//!                  header: BlockHeader(48)
//!                  old_root: Fr  new_root: Fr  public_input: Fr
//!                  n: u32                                   (= header.chunks, at least 1)
//!                  n × ChunkWitness(1962)
//!                  fee: FeeWitness(2164)
//! BlockHeader    = chain_id: u64  rollup: [20]  number: u32  fee_account: u32  timestamp: u64
//!                  chunks: u32
//! ChunkWitness   = op: OpWitness(258)  k: u8  pubdata: [10]  onchain: bool  leaf: LeafWitness(1692)
//! OpWitness      = op_type: u8 (the opcode, as in pubdata)  a: u32  b: u32  token: u16  amount: u128
//!                  packed_amount: u64  packed_fee: u16  address: [20]  pkh: [20]  nonce: u32
//!                  valid_from: u64  valid_until: u64  sig: SigWitness(160)
//!                  fee_slot: u8 (0xff = none)
//! SigWitness     = pk.x: Fr  pk.y: Fr  r8.x: Fr  r8.y: Fr  s: Fr
//! LeafWitness    = nonce: u32  pkh: [20]  address: [20]  balance: u128
//!                  account_path: 36 × Fr  balance_path: 15 × Fr
//! FeeWitness     = slots: 4 × FeeSlotWitness(498)  nonce: u32  pkh: [20]  address: [20]
//!                  account_path: 36 × Fr
//! FeeSlotWitness = token: u16  old_balance: u128  balance_path: 15 × Fr
//! ```
//!
//! So a block of `n` chunks takes `3337 + 1962·n` bytes (19,033 for 8 chunks). Nothing is
//! deduplicated (an op's registers repeat in each of its chunks): the audit paths are three quarters
//! of a chunk anyway, and a faithful copy of the struct keeps the format obvious.
//!
//! # Domain
//!
//! [`BlockWitness::decode`] accepts exactly the encodings of the witnesses [`BlockWitness::from_block`]
//! can shape: `header.chunks` equal to the number of chunks and at least 1, every chunk index `k`
//! below its op's chunk count, every fee slot below `FEE_SLOTS`. It checks only the shape; whether
//! the witness is *valid* is the circuit's to say ([`BlockCircuit::check`](super::BlockCircuit::check)).
//! The encoding is canonical: bytes that decode re-encode to themselves.
//!
//! [`BlockWitness::encode`] never panics: a value outside that domain (only a hand-modified witness
//! has one) is written, saturated to its width, as bytes that `decode` rejects.
//!
//! Decoding untrusted bytes never panics and allocates at most in proportion to the input: the
//! chunk count is checked against the bytes that remain before the chunks are allocated.

use super::layout::OpType;
use super::witness::{BlockWitness, ChunkWitness, FeeSlotWitness, FeeWitness, LeafWitness, OpWitness, SigWitness};
use crate::Fr;
use bellman_ce::pairing::ff::Field;
use zkpay_core::babyjubjub::Point;
use zkpay_core::block::BlockHeader;
use zkpay_core::field::{fr_from_be_bytes, fr_to_be_bytes};
use zkpay_core::params::{ACCOUNT_PATH_SIBLINGS, BALANCE_PATH_SIBLINGS, CHUNK_BYTES, FEE_SLOTS};
use zkpay_core::tx::Domain;
use zkpay_core::types::{Address, PubKeyHash};

/// The format version, the first byte of every encoding. Bump it on any layout change: a worker
/// must refuse a witness it would misread.
pub const WITNESS_FORMAT_VERSION: u8 = 2;

/// The `fee_slot` byte of an op without a fee slot.
const NO_FEE_SLOT: u8 = 0xff;
const _: () = assert!(FEE_SLOTS < NO_FEE_SLOT as usize, "fee slots must not collide with the 'none' byte");

/// Bytes before the first chunk: version, header, the three field elements and the chunk count.
const PREFIX_LEN: usize = 1 + BlockHeader::LEN + 3 * Fr::LEN + u32::LEN;

/// The exact length of the encoding of a witness of `chunks` chunks, e.g. to size a request body
/// limit (actix-web's default payload limit, 256 KiB, holds at most 183 chunks).
pub const fn encoded_len(chunks: usize) -> usize {
    PREFIX_LEN + chunks * ChunkWitness::LEN + FeeWitness::LEN
}

/// Why bytes are not an encoded [`BlockWitness`]. Offsets are from the start of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessDecodeError {
    /// The first byte is not [`WITNESS_FORMAT_VERSION`].
    #[error("witness format version {found}, this build reads version {WITNESS_FORMAT_VERSION}")]
    WrongVersion {
        /// The version byte found.
        found: u8,
    },
    /// The input ends inside a value.
    #[error("witness truncated: {needed} bytes needed at offset {offset}, the input has {len}")]
    Truncated {
        /// Where the value starts.
        offset: usize,
        /// The value's width.
        needed: usize,
        /// The input's length.
        len: usize,
    },
    /// Bytes after the fee witness.
    #[error("{count} trailing bytes after the witness at offset {offset}")]
    TrailingBytes {
        /// Where the witness ends.
        offset: usize,
        /// How many bytes follow.
        count: usize,
    },
    /// A field element is not below the modulus p.
    #[error("field element at offset {offset} is not canonical (not below p)")]
    NonCanonicalField {
        /// Where it starts.
        offset: usize,
    },
    /// A bool that is neither 0 nor 1.
    #[error("byte {value:#04x} at offset {offset} is not a bool (0 or 1)")]
    BadBool {
        /// Where it is.
        offset: usize,
        /// The byte.
        value: u8,
    },
    /// An op type byte that is no opcode.
    #[error("byte {value:#04x} at offset {offset} is not an op type")]
    UnknownOpType {
        /// Where it is.
        offset: usize,
        /// The byte.
        value: u8,
    },
    /// A chunk index not below its op's chunk count.
    #[error("chunk index {k} at offset {offset}: a {op_type:?} has {} chunks", .op_type.chunks())]
    BadChunkIndex {
        /// Where it is.
        offset: usize,
        /// The index.
        k: u8,
        /// The chunk's op type.
        op_type: OpType,
    },
    /// A fee slot byte that is neither a slot nor "none".
    #[error("fee slot byte {value:#04x} at offset {offset} is neither below {FEE_SLOTS} nor 0xff (none)")]
    BadFeeSlot {
        /// Where it is.
        offset: usize,
        /// The byte.
        value: u8,
    },
    /// A block of zero chunks (no circuit has that size).
    #[error("the witness has no chunks")]
    NoChunks,
    /// The chunk count differs from the header's.
    #[error("the witness has {count} chunks, its header {header}")]
    ChunkCountMismatch {
        /// `header.chunks`.
        header: usize,
        /// The chunk count.
        count: usize,
    },
    /// The chunks and the fee witness need more bytes than follow the chunk count: the count is
    /// too large or the input is truncated (refused before the chunks are allocated).
    #[error("{count} chunks and the fee witness need {needed} bytes after the chunk count, {remaining} follow")]
    TooManyChunks {
        /// The chunk count.
        count: usize,
        /// Bytes they need.
        needed: u64,
        /// Bytes that follow the count.
        remaining: usize,
    },
}

type DecodeResult<T> = Result<T, WitnessDecodeError>;

impl BlockWitness {
    /// The binary encoding, [`encoded_len`] bytes; the layout is in the
    /// [module docs](crate::block::encode).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(encoded_len(self.chunks.len()));
        WITNESS_FORMAT_VERSION.put(&mut out);
        self.header.put(&mut out);
        self.old_root.put(&mut out);
        self.new_root.put(&mut out);
        self.public_input.put(&mut out);
        saturating_u32(self.chunks.len()).put(&mut out);
        for chunk in &self.chunks {
            chunk.put(&mut out);
        }
        self.fee.put(&mut out);
        out
    }

    /// Decode [`BlockWitness::encode`]'s output. Checks the format and the shape (see the
    /// [module docs](crate::block::encode)), not that the witness satisfies the circuit. Safe on
    /// untrusted input.
    pub fn decode(bytes: &[u8]) -> Result<BlockWitness, WitnessDecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = u8::get(&mut r)?;
        if version != WITNESS_FORMAT_VERSION {
            return Err(WitnessDecodeError::WrongVersion { found: version });
        }
        let header = BlockHeader::get(&mut r)?;
        let old_root = Fr::get(&mut r)?;
        let new_root = Fr::get(&mut r)?;
        let public_input = Fr::get(&mut r)?;
        let count = u32::get(&mut r)? as usize;
        if count == 0 {
            return Err(WitnessDecodeError::NoChunks);
        }
        if count != header.chunks {
            return Err(WitnessDecodeError::ChunkCountMismatch { header: header.chunks, count });
        }
        // The count is untrusted: allocate only what the input can actually hold. (In u64: a u32
        // count times the chunk width cannot overflow it, whatever the width of usize.)
        let remaining = r.bytes.len() - r.pos;
        let needed = count as u64 * ChunkWitness::LEN as u64 + FeeWitness::LEN as u64;
        if needed > remaining as u64 {
            return Err(WitnessDecodeError::TooManyChunks { count, needed, remaining });
        }
        let mut chunks = Vec::with_capacity(count);
        for _ in 0..count {
            chunks.push(ChunkWitness::get(&mut r)?);
        }
        let fee = FeeWitness::get(&mut r)?;
        if r.pos != bytes.len() {
            return Err(WitnessDecodeError::TrailingBytes { offset: r.pos, count: bytes.len() - r.pos });
        }
        Ok(BlockWitness { header, old_root, new_root, chunks, fee, public_input })
    }
}

/// `v` if it fits, else `u32::MAX` (which `decode` then rejects; see the module docs).
fn saturating_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A cursor over the input.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// The next `N` bytes.
    fn take<const N: usize>(&mut self) -> DecodeResult<[u8; N]> {
        let truncated = WitnessDecodeError::Truncated { offset: self.pos, needed: N, len: self.bytes.len() };
        let bytes = *self.bytes.get(self.pos..).and_then(|rest| rest.first_chunk::<N>()).ok_or(truncated)?;
        self.pos += N;
        Ok(bytes)
    }
}

/// One value of the format: its fixed width, its writer and its reader, which must agree (the
/// round-trip and length tests check that they do).
trait Codec: Sized {
    /// Encoded width in bytes.
    const LEN: usize;
    /// Append the encoding.
    fn put(&self, out: &mut Vec<u8>);
    /// Read one value at the reader's position.
    fn get(r: &mut Reader) -> DecodeResult<Self>;
}

macro_rules! codec_int {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            const LEN: usize = std::mem::size_of::<$t>();
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }
            fn get(r: &mut Reader) -> DecodeResult<Self> {
                Ok(<$t>::from_be_bytes(r.take()?))
            }
        }
    )*};
}

codec_int!(u8, u16, u32, u64, u128);

impl Codec for bool {
    const LEN: usize = 1;
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let offset = r.pos;
        match u8::get(r)? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(WitnessDecodeError::BadBool { offset, value }),
        }
    }
}

impl<const N: usize> Codec for [u8; N] {
    const LEN: usize = N;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        r.take()
    }
}

impl Codec for Fr {
    const LEN: usize = 32;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&fr_to_be_bytes(self));
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let offset = r.pos;
        fr_from_be_bytes(&r.take()?).map_err(|_| WitnessDecodeError::NonCanonicalField { offset })
    }
}

/// Audit paths: `N` field elements in order.
impl<const N: usize> Codec for [Fr; N] {
    const LEN: usize = N * Fr::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        for x in self {
            x.put(out);
        }
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let mut path = [Fr::zero(); N];
        for x in &mut path {
            *x = Fr::get(r)?;
        }
        Ok(path)
    }
}

impl Codec for Address {
    const LEN: usize = 20;
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(Address(r.take()?))
    }
}

impl Codec for PubKeyHash {
    const LEN: usize = 20;
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(PubKeyHash(r.take()?))
    }
}

/// Coordinates as they are: whether the point is on the curve is the circuit's to check.
impl Codec for Point {
    const LEN: usize = 2 * Fr::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.x.put(out);
        self.y.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(Point { x: Fr::get(r)?, y: Fr::get(r)? })
    }
}

/// The opcode, so the byte reads as it does in pubdata.
impl Codec for OpType {
    const LEN: usize = 1;
    fn put(&self, out: &mut Vec<u8>) {
        self.opcode().put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let offset = r.pos;
        let value = u8::get(r)?;
        OpType::from_opcode(value).ok_or(WitnessDecodeError::UnknownOpType { offset, value })
    }
}

impl Codec for BlockHeader {
    const LEN: usize = u64::LEN + Address::LEN + u32::LEN + u32::LEN + u64::LEN + u32::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.domain.chain_id.put(out);
        self.domain.rollup.put(out);
        self.number.put(out);
        self.fee_account.put(out);
        self.timestamp.put(out);
        saturating_u32(self.chunks).put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(BlockHeader {
            domain: Domain { chain_id: u64::get(r)?, rollup: Address::get(r)? },
            number: u32::get(r)?,
            fee_account: u32::get(r)?,
            timestamp: u64::get(r)?,
            chunks: u32::get(r)? as usize,
        })
    }
}

impl Codec for SigWitness {
    const LEN: usize = Point::LEN + Point::LEN + Fr::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.pk.put(out);
        self.r8.put(out);
        self.s.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(SigWitness { pk: Point::get(r)?, r8: Point::get(r)?, s: Fr::get(r)? })
    }
}

impl Codec for OpWitness {
    const LEN: usize = OpType::LEN
        + u32::LEN
        + u32::LEN
        + u16::LEN
        + u128::LEN
        + u64::LEN
        + u16::LEN
        + Address::LEN
        + PubKeyHash::LEN
        + u32::LEN
        + u64::LEN
        + u64::LEN
        + SigWitness::LEN
        + u8::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.op_type.put(out);
        self.a.put(out);
        self.b.put(out);
        self.token.put(out);
        self.amount.put(out);
        self.packed_amount.put(out);
        self.packed_fee.put(out);
        self.address.put(out);
        self.pkh.put(out);
        self.nonce.put(out);
        self.valid_from.put(out);
        self.valid_until.put(out);
        self.sig.put(out);
        // A slot too large for the byte becomes 0xfe: never 0xff (none), and rejected on decode.
        let slot = self.fee_slot.map_or(NO_FEE_SLOT, |s| u8::try_from(s).unwrap_or(u8::MAX).min(NO_FEE_SLOT - 1));
        slot.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(OpWitness {
            op_type: OpType::get(r)?,
            a: u32::get(r)?,
            b: u32::get(r)?,
            token: u16::get(r)?,
            amount: u128::get(r)?,
            packed_amount: u64::get(r)?,
            packed_fee: u16::get(r)?,
            address: Address::get(r)?,
            pkh: PubKeyHash::get(r)?,
            nonce: u32::get(r)?,
            valid_from: u64::get(r)?,
            valid_until: u64::get(r)?,
            sig: SigWitness::get(r)?,
            fee_slot: {
                let offset = r.pos;
                match u8::get(r)? {
                    NO_FEE_SLOT => None,
                    s if (s as usize) < FEE_SLOTS => Some(s as usize),
                    value => return Err(WitnessDecodeError::BadFeeSlot { offset, value }),
                }
            },
        })
    }
}

impl Codec for LeafWitness {
    const LEN: usize = u32::LEN
        + PubKeyHash::LEN
        + Address::LEN
        + u128::LEN
        + <[Fr; ACCOUNT_PATH_SIBLINGS]>::LEN
        + <[Fr; BALANCE_PATH_SIBLINGS]>::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.nonce.put(out);
        self.pkh.put(out);
        self.address.put(out);
        self.balance.put(out);
        self.account_path.put(out);
        self.balance_path.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(LeafWitness {
            nonce: u32::get(r)?,
            pkh: PubKeyHash::get(r)?,
            address: Address::get(r)?,
            balance: u128::get(r)?,
            account_path: Codec::get(r)?,
            balance_path: Codec::get(r)?,
        })
    }
}

impl Codec for ChunkWitness {
    const LEN: usize = OpWitness::LEN + u8::LEN + CHUNK_BYTES + bool::LEN + LeafWitness::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.op.put(out);
        // An index too large for the byte becomes 0xff, which no op's chunk count exceeds.
        u8::try_from(self.k).unwrap_or(u8::MAX).put(out);
        self.pubdata.put(out);
        self.onchain.put(out);
        self.leaf.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let op = OpWitness::get(r)?;
        let offset = r.pos;
        let k = u8::get(r)?;
        if k as usize >= op.op_type.chunks() {
            return Err(WitnessDecodeError::BadChunkIndex { offset, k, op_type: op.op_type });
        }
        Ok(ChunkWitness { op, k: k as usize, pubdata: r.take()?, onchain: bool::get(r)?, leaf: LeafWitness::get(r)? })
    }
}

impl Codec for FeeSlotWitness {
    const LEN: usize = u16::LEN + u128::LEN + <[Fr; BALANCE_PATH_SIBLINGS]>::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        self.token.put(out);
        self.old_balance.put(out);
        self.balance_path.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        Ok(FeeSlotWitness { token: u16::get(r)?, old_balance: u128::get(r)?, balance_path: Codec::get(r)? })
    }
}

impl Codec for FeeWitness {
    const LEN: usize = FEE_SLOTS * FeeSlotWitness::LEN
        + u32::LEN
        + PubKeyHash::LEN
        + Address::LEN
        + <[Fr; ACCOUNT_PATH_SIBLINGS]>::LEN;
    fn put(&self, out: &mut Vec<u8>) {
        for slot in &self.slots {
            slot.put(out);
        }
        self.nonce.put(out);
        self.pkh.put(out);
        self.address.put(out);
        self.account_path.put(out);
    }
    fn get(r: &mut Reader) -> DecodeResult<Self> {
        let mut slots = Vec::with_capacity(FEE_SLOTS);
        for _ in 0..FEE_SLOTS {
            slots.push(FeeSlotWitness::get(r)?);
        }
        Ok(FeeWitness {
            slots: slots.try_into().unwrap_or_else(|_| unreachable!("FEE_SLOTS slots were read")),
            nonce: u32::get(r)?,
            pkh: PubKeyHash::get(r)?,
            address: Address::get(r)?,
            account_path: Codec::get(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::WitnessDecodeError as E;
    use super::*;
    use crate::block::BlockCircuit;
    use crate::test_util::rng;
    use rand::Rng;
    use std::sync::OnceLock;
    use zkpay_core::block::BlockBuilder;
    use zkpay_core::eddsa::PrivateKey;
    use zkpay_core::state::{State, UpdateMode};
    use zkpay_core::tx::{Deposit, L2Tx, PriorityOp, PriorityOpData, TimeRange, Transfer, TxSignature};
    use zkpay_core::types::AccountId;
    use zkpay_core::vectors::{vector_blocks, vector_domain};

    // The scenario of the block circuit tests: the state after the vector blocks, where Alice (1)
    // and Bob (2) have keys 1 and 2 and balances of token 1.
    const ALICE: AccountId = 1;
    const BOB: AccountId = 2;

    fn transfer(state: &State, key_byte: u8, from: AccountId, to: AccountId, amount: u128, fee: u128) -> L2Tx {
        let mut tx = L2Tx::Transfer(Transfer {
            account_id: from,
            to: state.account(to).expect("recipient").address,
            token: 1,
            amount,
            fee,
            nonce: state.account(from).expect("sender").nonce,
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        });
        tx.sign(&PrivateKey::from_bytes([key_byte; 32]), &vector_domain()).expect("sign");
        tx
    }

    /// A block of `chunks` chunks sealed in witness mode on top of the vector blocks: a deposit to a
    /// new address, then the given number of transfers (Alice → Bob, Bob → Alice), padded with Noops.
    fn witness(chunks: usize, transfers: usize) -> BlockWitness {
        let (blocks, mut state) = vector_blocks();
        state.set_mode(UpdateMode::Witness);
        let last = blocks.last().expect("vector blocks").header;
        let header = BlockHeader {
            domain: vector_domain(),
            number: last.number + 1,
            fee_account: 0,
            timestamp: last.timestamp + 60,
            chunks,
        };
        let mut builder = BlockBuilder::new(&mut state, header).expect("builder");
        let deposit = PriorityOpData::Deposit(Deposit {
            from: Address([0xda; 20]),
            to: Address([0xda; 20]),
            token: 0,
            amount: 5,
        });
        let op = PriorityOp { serial_id: 100, data: deposit, expiration_block: 10_000 };
        builder.add_priority_op(&mut state, &op).expect("deposit applies");
        for (key, from, to) in [(1, ALICE, BOB), (2, BOB, ALICE)].into_iter().take(transfers) {
            let tx = transfer(&state, key, from, to, 500, 5);
            builder.add_tx(&mut state, &tx).expect("transfer applies");
        }
        let block = builder.seal(&mut state).expect("seal");
        BlockWitness::from_block(&block).expect("witness")
    }

    /// 10 chunks: Deposit (0–4), Transfer (5–6), Transfer (7–8), Noop (9).
    fn sample() -> &'static (BlockWitness, Vec<u8>) {
        static SAMPLE: OnceLock<(BlockWitness, Vec<u8>)> = OnceLock::new();
        SAMPLE.get_or_init(|| {
            let w = witness(10, 2);
            let ops: Vec<_> = w.chunks.iter().map(|c| (c.op.op_type, c.k)).collect();
            assert_eq!(ops[0], (OpType::Deposit, 0));
            assert_eq!(
                ops[5..9],
                [(OpType::Transfer, 0), (OpType::Transfer, 1), (OpType::Transfer, 0), (OpType::Transfer, 1)]
            );
            assert_eq!(ops[9], (OpType::Noop, 0));
            let bytes = w.encode();
            (w, bytes)
        })
    }

    /// Offset of chunk `i`.
    fn chunk_at(i: usize) -> usize {
        PREFIX_LEN + i * ChunkWitness::LEN
    }

    /// Offset of the header's `chunks` field, the chunk count and the old root.
    const HEADER_CHUNKS_AT: usize = 1 + BlockHeader::LEN - u32::LEN;
    const COUNT_AT: usize = PREFIX_LEN - u32::LEN;
    const OLD_ROOT_AT: usize = 1 + BlockHeader::LEN;

    fn with(bytes: &[u8], at: usize, patch: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[at..at + patch.len()].copy_from_slice(patch);
        out
    }

    #[test]
    fn encode_decode_round_trip() {
        let (w, bytes) = sample();
        assert_eq!(bytes.len(), encoded_len(w.size()));
        println!("encoded witness: {} chunks, {} bytes", w.size(), bytes.len());
        let decoded = BlockWitness::decode(bytes).expect("decodes");
        assert_eq!(&decoded, w);
        assert_eq!(&decoded.encode(), bytes);
        // Both fee-slot cases and both onchain bits are exercised.
        assert!(decoded.chunks.iter().any(|c| c.op.fee_slot == Some(0)));
        assert!(decoded.chunks.iter().any(|c| c.op.fee_slot.is_none()));
        assert!(decoded.chunks.iter().any(|c| c.onchain) && decoded.chunks.iter().any(|c| !c.onchain));
    }

    #[test]
    fn encoded_sizes_are_pinned() {
        // The figures in the module docs.
        assert_eq!((BlockHeader::LEN, OpWitness::LEN, LeafWitness::LEN), (48, 258, 1692));
        assert_eq!((ChunkWitness::LEN, FeeSlotWitness::LEN, FeeWitness::LEN), (1962, 498, 3188));
        assert_eq!(encoded_len(0), 3337);
        let w8 = witness(8, 1);
        let bytes = w8.encode();
        assert_eq!(bytes.len(), 19_033);
        assert_eq!(bytes.len(), encoded_len(8));
        assert_eq!(BlockWitness::decode(&bytes).as_ref(), Ok(&w8));
        println!("8-chunk block: {} bytes", bytes.len());
    }

    #[test]
    fn decoded_witness_satisfies_the_circuit_and_a_changed_balance_does_not() {
        let (_, bytes) = sample();
        let decoded = BlockWitness::decode(bytes).expect("decodes");
        assert_eq!(BlockCircuit::new(decoded.clone()).check(), Ok(()));
        // The sender's balance in the first transfer's first chunk.
        let mut changed = decoded;
        changed.chunks[5].leaf.balance += 1;
        let failure = BlockCircuit::new(changed).check().expect_err("a changed balance must not satisfy the circuit");
        println!("changed balance fails at: {failure}");
    }

    #[test]
    fn every_truncation_is_an_error() {
        let (_, bytes) = sample();
        for len in 0..bytes.len() {
            match BlockWitness::decode(&bytes[..len]) {
                Err(E::Truncated { offset, needed, len: l }) => {
                    assert!(l == len && offset <= len && offset + needed > len)
                }
                // Cut after the chunk count: what follows is too short for the chunks and the fee.
                Err(E::TooManyChunks { count: 10, needed, remaining }) => {
                    assert_eq!((needed, remaining), ((bytes.len() - PREFIX_LEN) as u64, len - PREFIX_LEN))
                }
                other => panic!("prefix of {len} bytes: {other:?}"),
            }
        }
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let (_, bytes) = sample();
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(BlockWitness::decode(&long), Err(E::TrailingBytes { offset: bytes.len(), count: 1 }));
    }

    #[test]
    fn wrong_version_is_an_error() {
        let (_, bytes) = sample();
        for v in [WITNESS_FORMAT_VERSION ^ 0xff, WITNESS_FORMAT_VERSION + 1, 0] {
            assert_eq!(BlockWitness::decode(&with(bytes, 0, &[v])), Err(E::WrongVersion { found: v }));
        }
    }

    #[test]
    fn non_canonical_field_elements_are_an_error() {
        let (w, bytes) = sample();
        let mut p_minus_1 = Fr::zero();
        p_minus_1.sub_assign(&Fr::one());
        let below_p = fr_to_be_bytes(&p_minus_1);
        // p − 1 ends in a zero byte, so p is it plus one in the last byte.
        let mut p = below_p;
        p[31] += 1;
        // The old root, the first account-path sibling of chunk 3, the last fee-path sibling.
        let account_path_at = chunk_at(3) + OpWitness::LEN + 1 + CHUNK_BYTES + 1 + 4 + 20 + 20 + 16;
        let last_at = bytes.len() - Fr::LEN;
        for at in [OLD_ROOT_AT, account_path_at, last_at] {
            for bad in [[0xff; 32], p] {
                assert_eq!(BlockWitness::decode(&with(bytes, at, &bad)), Err(E::NonCanonicalField { offset: at }));
            }
        }
        // The offsets are right: p − 1 there is accepted and lands in the expected field.
        let d = BlockWitness::decode(&with(bytes, account_path_at, &below_p)).expect("p - 1 is canonical");
        assert_eq!(d.chunks[3].leaf.account_path[0], p_minus_1);
        assert_eq!(d.chunks[3].leaf.account_path[1..], w.chunks[3].leaf.account_path[1..]);
        let d = BlockWitness::decode(&with(bytes, last_at, &below_p)).expect("p - 1 is canonical");
        assert_eq!(d.fee.account_path[ACCOUNT_PATH_SIBLINGS - 1], p_minus_1);
    }

    #[test]
    fn bad_op_type_bool_chunk_index_and_fee_slot_bytes_are_errors() {
        let (_, bytes) = sample();
        for i in [0, 5, 9] {
            let at = chunk_at(i);
            for value in [0x04, 0x09, 0xff] {
                assert_eq!(
                    BlockWitness::decode(&with(bytes, at, &[value])),
                    Err(E::UnknownOpType { offset: at, value })
                );
            }
        }
        // Chunk 9 is a Noop: its index must be 0. Chunk 5 is a Transfer: 0 or 1.
        let k_at = |i| chunk_at(i) + OpWitness::LEN;
        assert_eq!(
            BlockWitness::decode(&with(bytes, k_at(9), &[1])),
            Err(E::BadChunkIndex { offset: k_at(9), k: 1, op_type: OpType::Noop })
        );
        assert_eq!(
            BlockWitness::decode(&with(bytes, k_at(5), &[2])),
            Err(E::BadChunkIndex { offset: k_at(5), k: 2, op_type: OpType::Transfer })
        );
        let onchain_at = k_at(0) + 1 + CHUNK_BYTES;
        assert_eq!(
            BlockWitness::decode(&with(bytes, onchain_at, &[2])),
            Err(E::BadBool { offset: onchain_at, value: 2 })
        );
        let slot_at = k_at(5) - 1;
        for value in [FEE_SLOTS as u8, 0xfe] {
            assert_eq!(
                BlockWitness::decode(&with(bytes, slot_at, &[value])),
                Err(E::BadFeeSlot { offset: slot_at, value })
            );
        }
        // A valid other slot decodes (and is for the circuit to refuse).
        assert_eq!(BlockWitness::decode(&with(bytes, slot_at, &[3])).expect("slot 3").chunks[5].op.fee_slot, Some(3));
    }

    #[test]
    fn chunk_counts_are_checked_before_allocating() {
        let (_, bytes) = sample();
        let max = u32::MAX.to_be_bytes();
        let huge = with(&with(bytes, HEADER_CHUNKS_AT, &max), COUNT_AT, &max);
        assert_eq!(
            BlockWitness::decode(&huge),
            Err(E::TooManyChunks {
                count: u32::MAX as usize,
                needed: u32::MAX as u64 * ChunkWitness::LEN as u64 + FeeWitness::LEN as u64,
                remaining: bytes.len() - PREFIX_LEN
            })
        );
        // One chunk more than there is.
        let eleven = 11u32.to_be_bytes();
        let more = with(&with(bytes, HEADER_CHUNKS_AT, &eleven), COUNT_AT, &eleven);
        assert!(matches!(BlockWitness::decode(&more), Err(E::TooManyChunks { count: 11, .. })));
        assert_eq!(
            BlockWitness::decode(&with(bytes, COUNT_AT, &9u32.to_be_bytes())),
            Err(E::ChunkCountMismatch { header: 10, count: 9 })
        );
        let zero = 0u32.to_be_bytes();
        assert_eq!(
            BlockWitness::decode(&with(&with(bytes, HEADER_CHUNKS_AT, &zero), COUNT_AT, &zero)),
            Err(E::NoChunks)
        );
    }

    #[test]
    fn out_of_domain_witnesses_encode_to_rejected_bytes() {
        let (w, _) = sample();
        let mut big_slot = w.clone();
        big_slot.chunks[9].op.fee_slot = Some(usize::MAX);
        assert!(matches!(BlockWitness::decode(&big_slot.encode()), Err(E::BadFeeSlot { value: 0xfe, .. })));
        let mut big_k = w.clone();
        big_k.chunks[9].k = 1000;
        assert!(matches!(BlockWitness::decode(&big_k.encode()), Err(E::BadChunkIndex { k: 0xff, .. })));
        let mut header = w.clone();
        header.header.chunks = 8;
        assert_eq!(BlockWitness::decode(&header.encode()), Err(E::ChunkCountMismatch { header: 8, count: 10 }));
    }

    #[test]
    fn random_corruptions_never_panic_and_what_decodes_is_canonical() {
        let (_, bytes) = sample();
        let mut rng = rng(7);
        for _ in 0..2_000 {
            let mut b = bytes.clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..b.len());
                b[at] = rng.gen();
            }
            if let Ok(w) = BlockWitness::decode(&b) {
                assert_eq!(w.encode(), b);
            }
        }
        for _ in 0..500 {
            let len = rng.gen_range(0..4 * PREFIX_LEN);
            let mut b: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if let Some(v) = b.first_mut() {
                *v = WITNESS_FORMAT_VERSION;
            }
            assert!(BlockWitness::decode(&b).is_err());
        }
    }
}
