//! The block circuit's witness and its builder: turns a block sealed by `zkpay-core`'s
//! `BlockBuilder` in witness mode (`UpdateMode::Witness`: one `AccountUpdate` per chunk and the four
//! fee updates) into the values the circuit needs, checking on the way that core and circuit agree
//! on every op's pubdata, message and touched leaf. The node calls [`BlockWitness::from_block`] for
//! every block it proves.

use super::layout::{pubdata_sources, BitSource, OpType, Register, CHUNK_BITS};
use crate::Fr;
use bellman_ce::pairing::ff::Field;
use zkpay_core::account_tree::AccountUpdate;
use zkpay_core::babyjubjub::Point;
use zkpay_core::block::{Block, BlockHeader};
use zkpay_core::eddsa::{PrivateKey, PublicKey, Signature};
use zkpay_core::field::{fr_from_limbs, fr_from_u128, fr_from_u64};
use zkpay_core::ops::Op;
use zkpay_core::packing::{pack_amount, pack_fee};
use zkpay_core::params::{ACCOUNT_PATH_SIBLINGS, BALANCE_PATH_SIBLINGS, CHUNK_BYTES, FEE_SLOTS};
use zkpay_core::poseidon;
use zkpay_core::tx::{Domain, L2Tx};
use zkpay_core::types::{Address, PubKeyHash};

/// Why a block cannot be turned into a witness. Any of these means core and circuit disagree (or
/// the block was not built in witness mode): the block must not be committed until it is resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The block was sealed in fast mode: it has no per-chunk updates.
    #[error(
        "op {op}: expected {expected} per-chunk account updates, found {found} (seal blocks in UpdateMode::Witness)"
    )]
    MissingUpdates {
        /// Index of the op in the block.
        op: usize,
        /// Chunks of the op.
        expected: usize,
        /// Updates found.
        found: usize,
    },
    /// The block has fewer than FEE_SLOTS fee updates.
    #[error("expected {FEE_SLOTS} fee updates, found {0} (seal blocks in UpdateMode::Witness)")]
    MissingFeeUpdates(usize),
    /// An L2 op without its signed tx (replayed ops cannot be proven).
    #[error("op {0} is an L2 tx but the block does not carry the signed tx")]
    MissingTx(usize),
    /// The signed tx does not decode (core verified it, so this is a disagreement).
    #[error("op {op}: signature or public key does not decode: {reason}")]
    BadSignature {
        /// Index of the op.
        op: usize,
        /// Decoder's message.
        reason: String,
    },
    /// A value is out of the range the circuit allocates for it.
    #[error("op {op}: {what} is out of the circuit's range")]
    OutOfRange {
        /// Index of the op.
        op: usize,
        /// What.
        what: &'static str,
    },
    /// Core and circuit disagree.
    #[error("op {op}: core and circuit disagree on {what}")]
    Disagreement {
        /// Index of the op (`usize::MAX` for block-level values).
        op: usize,
        /// What differs.
        what: String,
    },
    /// The block size has no circuit (zero chunks) or does not match.
    #[error("block has {found} chunks, the circuit {expected}")]
    WrongSize {
        /// Circuit size.
        expected: usize,
        /// Block size.
        found: usize,
    },
}

/// An EdDSA signature and key as field elements. Chunks without a signature carry
/// [`SigWitness::dummy`], which meets the gadget's well-formedness checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigWitness {
    /// Public key A.
    pub pk: Point,
    /// R8.
    pub r8: Point,
    /// S (below the subgroup order).
    pub s: Fr,
}

impl SigWitness {
    /// A = B8, R8 = identity, S = 0: on the curve, A not of small order, S < l; verifies nothing.
    pub fn dummy() -> SigWitness {
        SigWitness { pk: Point::b8(), r8: Point::identity(), s: Fr::zero() }
    }

    /// `key`'s signature of `msg`.
    pub fn sign(key: &PrivateKey, msg: &Fr) -> SigWitness {
        let sig = key.sign(msg);
        SigWitness { pk: key.public_key().point(), r8: sig.r8, s: fr_from_limbs(*sig.s.limbs()).expect("S < l < p") }
    }
}

/// The registers of one op (see [`Register`]) plus its signature and fee slot: identical in every
/// chunk of the op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpWitness {
    /// The op type.
    pub op_type: OpType,
    /// Register `A`.
    pub a: u32,
    /// Register `B`.
    pub b: u32,
    /// Register `Token`.
    pub token: u16,
    /// Register `Amount`.
    pub amount: u128,
    /// Register `PackedAmount` (the 40-bit packed integer).
    pub packed_amount: u64,
    /// Register `PackedFee` (the 16-bit packed integer).
    pub packed_fee: u16,
    /// Register `Address`.
    pub address: Address,
    /// Register `Pkh`.
    pub pkh: PubKeyHash,
    /// Register `Nonce`.
    pub nonce: u32,
    /// Register `ValidFrom`.
    pub valid_from: u64,
    /// Register `ValidUntil`.
    pub valid_until: u64,
    /// The tx signature (dummy for priority ops and Noops).
    pub sig: SigWitness,
    /// The fee slot the op's fee goes to (L2 txs only).
    pub fee_slot: Option<usize>,
}

impl OpWitness {
    /// A Noop reading account 0, token 0.
    pub fn noop() -> OpWitness {
        OpWitness {
            op_type: OpType::Noop,
            a: 0,
            b: 0,
            token: 0,
            amount: 0,
            packed_amount: 0,
            packed_fee: 0,
            address: Address::ZERO,
            pkh: PubKeyHash::ZERO,
            nonce: 0,
            valid_from: 0,
            valid_until: 0,
            sig: SigWitness::dummy(),
            fee_slot: None,
        }
    }

    /// A register's value as a field element.
    pub fn register(&self, r: Register) -> Fr {
        match r {
            Register::A => fr_from_u64(self.a as u64),
            Register::B => fr_from_u64(self.b as u64),
            Register::Token => fr_from_u64(self.token as u64),
            Register::Amount => fr_from_u128(self.amount),
            Register::PackedAmount => fr_from_u64(self.packed_amount),
            Register::PackedFee => fr_from_u64(self.packed_fee as u64),
            Register::Address => self.address.to_fr(),
            Register::Pkh => self.pkh.to_fr(),
            Register::Nonce => fr_from_u64(self.nonce as u64),
            Register::ValidFrom => fr_from_u64(self.valid_from),
            Register::ValidUntil => fr_from_u64(self.valid_until),
        }
    }

    /// Bit `i` (little-endian) of a register.
    fn register_bit(&self, r: Register, i: usize) -> bool {
        crate::gadgets::bits::fr_bit(&self.register(r), i)
    }

    /// The op's pubdata (`chunks × 10` bytes) as the circuit lays it out from the registers.
    pub fn pubdata(&self) -> Vec<u8> {
        let bits: Vec<bool> = pubdata_sources(self.op_type)
            .into_iter()
            .map(|s| match s {
                BitSource::Const(b) => b,
                BitSource::Reg(r, i) => self.register_bit(r, i),
            })
            .collect();
        bits.chunks(8).map(|b| b.iter().fold(0u8, |acc, &x| (acc << 1) | x as u8)).collect()
    }

    /// The signed message `M = H(e0, e1, e2, e3)` (docs/protocol.md §9.1) as the circuit computes it
    /// from the registers; `None` for ops that carry no signature.
    pub fn message(&self, domain: &Domain) -> Option<Fr> {
        let r = |reg| self.register(reg);
        // Fields most significant first: acc = acc · 2^width + value.
        let concat = |parts: &[(Fr, usize)]| {
            let mut acc = Fr::zero();
            for (v, width) in parts {
                acc = shl(acc, *width);
                acc.add_assign(v);
            }
            acc
        };
        let ty = fr_from_u64(self.op_type.opcode() as u64);
        let (e0, e1) = match self.op_type {
            OpType::Transfer | OpType::TransferToNew => (
                concat(&[
                    (fr_from_u64(OpType::Transfer.opcode() as u64), 8),
                    (r(Register::A), 32),
                    (r(Register::Token), 16),
                    (r(Register::Nonce), 32),
                    (r(Register::PackedAmount), 40),
                    (r(Register::PackedFee), 16),
                ]),
                r(Register::Address),
            ),
            OpType::Withdraw => (
                concat(&[
                    (ty, 8),
                    (r(Register::A), 32),
                    (r(Register::Token), 16),
                    (r(Register::Nonce), 32),
                    (r(Register::PackedFee), 16),
                    (r(Register::Amount), 128),
                ]),
                r(Register::Address),
            ),
            OpType::ChangePubKey | OpType::ForcedExit => (
                concat(&[
                    (ty, 8),
                    (r(Register::A), 32),
                    (r(Register::Token), 16),
                    (r(Register::Nonce), 32),
                    (r(Register::PackedFee), 16),
                ]),
                if self.op_type == OpType::ChangePubKey { r(Register::Pkh) } else { r(Register::Address) },
            ),
            _ => return None,
        };
        let e2 = concat(&[(r(Register::ValidFrom), 64), (r(Register::ValidUntil), 64)]);
        let e3 = concat(&[(fr_from_u64(domain.chain_id), 64), (domain.rollup.to_fr(), 160)]);
        Some(poseidon::hash(&[e0, e1, e2, e3]).expect("4 inputs"))
    }
}

/// `x · 2^k`.
pub(crate) fn shl(mut x: Fr, k: usize) -> Fr {
    for _ in 0..k {
        x.double();
    }
    x
}

/// The leaf a chunk proves before its update, with its audit paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafWitness {
    /// Account nonce.
    pub nonce: u32,
    /// Account pubkey hash.
    pub pkh: PubKeyHash,
    /// Account address.
    pub address: Address,
    /// Balance of the chunk's token.
    pub balance: u128,
    /// Siblings in the account tree, leaf level first.
    pub account_path: [Fr; ACCOUNT_PATH_SIBLINGS],
    /// Siblings in the account's balance tree, leaf level first.
    pub balance_path: [Fr; BALANCE_PATH_SIBLINGS],
}

impl LeafWitness {
    /// The old side of a core update.
    pub fn from_update(u: &AccountUpdate) -> LeafWitness {
        LeafWitness {
            nonce: u.old_fields.nonce,
            pkh: u.old_fields.pubkey_hash,
            address: u.old_fields.address,
            balance: u.old_balance,
            account_path: u.account_path.flat(),
            balance_path: u.balance_path.flat(),
        }
    }
}

/// One chunk's witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkWitness {
    /// The op the chunk belongs to.
    pub op: OpWitness,
    /// Index of the chunk within its op.
    pub k: usize,
    /// The chunk's 10 pubdata bytes.
    pub pubdata: [u8; CHUNK_BYTES],
    /// Its onchain-bitmap bit.
    pub onchain: bool,
    /// The leaf it proves and updates.
    pub leaf: LeafWitness,
}

/// One fee slot's credit to the fee account, after the last chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeSlotWitness {
    /// The slot's token.
    pub token: u16,
    /// The fee account's balance of it before the credit.
    pub old_balance: u128,
    /// Siblings in the fee account's balance tree.
    pub balance_path: [Fr; BALANCE_PATH_SIBLINGS],
}

/// The fee account at the end of the block and the four slot credits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeWitness {
    /// Slots in slot order.
    pub slots: [FeeSlotWitness; FEE_SLOTS],
    /// Fee account nonce.
    pub nonce: u32,
    /// Fee account pubkey hash.
    pub pkh: PubKeyHash,
    /// Fee account address.
    pub address: Address,
    /// Fee account siblings in the account tree.
    pub account_path: [Fr; ACCOUNT_PATH_SIBLINGS],
}

/// Everything the block circuit needs for one block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockWitness {
    /// Header fields (`header.chunks` is the circuit size).
    pub header: BlockHeader,
    /// State root before the block.
    pub old_root: Fr,
    /// State root after the block.
    pub new_root: Fr,
    /// One entry per chunk.
    pub chunks: Vec<ChunkWitness>,
    /// The fee credits.
    pub fee: FeeWitness,
    /// The public input the proof is for: `sha256(header ‖ pubdata ‖ bitmap) >> 3`.
    pub public_input: Fr,
}

fn fee_slot_of(block: &Block, token: u16) -> Option<usize> {
    block.fee_slots.iter().position(|s| s.token == token)
}

fn packed_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64)
}

/// The registers of `op` (and of its signed tx, for L2 ops).
fn op_witness(block: &Block, index: usize, op: &Op, tx: Option<&L2Tx>) -> Result<OpWitness, WitnessError> {
    let range = |what| WitnessError::OutOfRange { op: index, what };
    let pa = |amount: u128| pack_amount(amount).map(|b| packed_u64(&b)).map_err(|_| range("packed amount"));
    let pf = |fee: u128| pack_fee(fee).map(|b| packed_u64(&b) as u16).map_err(|_| range("packed fee"));
    let mut w = OpWitness::noop();
    match op {
        Op::Noop(_) => {}
        Op::Deposit(o) => {
            w.op_type = OpType::Deposit;
            (w.a, w.token, w.amount, w.address) = (o.account_id, o.token, o.amount, o.address);
        }
        Op::TransferToNew(o) => {
            w.op_type = OpType::TransferToNew;
            (w.a, w.b, w.token, w.amount, w.address) = (o.from_id, o.to_id, o.token, o.amount, o.to_address);
            (w.packed_amount, w.packed_fee) = (pa(o.amount)?, pf(o.fee)?);
        }
        Op::Withdraw(o) => {
            w.op_type = OpType::Withdraw;
            (w.a, w.token, w.amount, w.address) = (o.account_id, o.token, o.amount, o.to_address);
            w.packed_fee = pf(o.fee)?;
        }
        Op::Transfer(o) => {
            w.op_type = OpType::Transfer;
            (w.a, w.b, w.token, w.amount) = (o.from_id, o.to_id, o.token, o.amount);
            (w.packed_amount, w.packed_fee) = (pa(o.amount)?, pf(o.fee)?);
            // The recipient's address is signed, not in pubdata.
            match tx {
                Some(L2Tx::Transfer(t)) => w.address = t.to,
                _ => return Err(WitnessError::MissingTx(index)),
            }
        }
        Op::FullExit(o) => {
            w.op_type = OpType::FullExit;
            (w.a, w.address, w.token, w.amount) = (o.account_id, o.owner, o.token, o.amount);
        }
        Op::ChangePubKey(o) => {
            w.op_type = OpType::ChangePubKey;
            (w.a, w.pkh, w.address, w.nonce, w.token) =
                (o.account_id, o.new_pub_key_hash, o.address, o.nonce, o.fee_token);
            w.packed_fee = pf(o.fee)?;
        }
        Op::ForcedExit(o) => {
            w.op_type = OpType::ForcedExit;
            (w.a, w.b, w.token, w.amount, w.address) =
                (o.initiator_id, o.target_id, o.token, o.amount, o.target_address);
            w.packed_fee = pf(o.fee)?;
        }
    }
    if w.a >= 1 << Register::A.value_bits() || w.b >= 1 << Register::B.value_bits() {
        return Err(range("account id"));
    }
    if w.token as usize >= 1 << Register::Token.value_bits() {
        return Err(range("token id"));
    }
    if w.op_type.is_l2() {
        let tx = tx.ok_or(WitnessError::MissingTx(index))?;
        w.nonce = tx.nonce();
        let tr = tx.time_range();
        (w.valid_from, w.valid_until) = (tr.valid_from, tr.valid_until);
        let sig = tx.signature();
        let bad = |reason: String| WitnessError::BadSignature { op: index, reason };
        let pk = PublicKey::from_compressed(&sig.pub_key).map_err(|e| bad(e.to_string()))?;
        let s = Signature::from_bytes(&sig.signature).map_err(|e| bad(e.to_string()))?;
        w.sig = SigWitness { pk: pk.point(), r8: s.r8, s: fr_from_limbs(*s.s.limbs()).expect("S < l < p") };
        w.fee_slot = Some(fee_slot_of(block, tx.fee_token()).ok_or_else(|| WitnessError::Disagreement {
            op: index,
            what: format!("fee token {} has no fee slot", tx.fee_token()),
        })?);
        let ours = w.message(&block.header.domain);
        let core = tx.message(&block.header.domain).ok();
        if ours != core {
            return Err(WitnessError::Disagreement { op: index, what: "the signed message".into() });
        }
    }
    Ok(w)
}

/// The account and token a chunk of `w` proves (docs/protocol.md §7.4).
pub fn chunk_leaf(w: &OpWitness, k: usize) -> (u32, u16) {
    let second = k == 1 && matches!(w.op_type, OpType::Transfer | OpType::TransferToNew | OpType::ForcedExit);
    (if second { w.b } else { w.a }, w.token)
}

impl BlockWitness {
    /// The witness of a block sealed in witness mode. Checks that every op's pubdata, signed message
    /// and touched leaves are the same in core and circuit.
    pub fn from_block(block: &Block) -> Result<BlockWitness, WitnessError> {
        let mut chunks = Vec::with_capacity(block.header.chunks);
        for (index, applied) in block.applied.iter().enumerate() {
            let op = op_witness(block, index, &applied.op, applied.tx.as_ref())?;
            let n = op.op_type.chunks();
            if applied.updates.len() != n {
                return Err(WitnessError::MissingUpdates { op: index, expected: n, found: applied.updates.len() });
            }
            let pubdata = op.pubdata();
            let core =
                applied.op.encode().map_err(|e| WitnessError::Disagreement { op: index, what: e.to_string() })?;
            if pubdata != core {
                return Err(WitnessError::Disagreement { op: index, what: "pubdata".into() });
            }
            for (k, update) in applied.updates.iter().enumerate() {
                if (update.account_id, update.token) != chunk_leaf(&op, k) {
                    return Err(WitnessError::Disagreement {
                        op: index,
                        what: format!(
                            "chunk {k} leaf: core updates ({}, {}), circuit proves {:?}",
                            update.account_id,
                            update.token,
                            chunk_leaf(&op, k)
                        ),
                    });
                }
                chunks.push(ChunkWitness {
                    op,
                    k,
                    pubdata: pubdata[k * CHUNK_BYTES..(k + 1) * CHUNK_BYTES].try_into().expect("10 bytes"),
                    onchain: k == 0 && op.op_type.is_onchain(),
                    leaf: LeafWitness::from_update(update),
                });
            }
        }
        if chunks.len() != block.header.chunks {
            return Err(WitnessError::WrongSize { expected: block.header.chunks, found: chunks.len() });
        }
        let fee_updates = &block.fee_updates;
        if fee_updates.len() != FEE_SLOTS {
            return Err(WitnessError::MissingFeeUpdates(fee_updates.len()));
        }
        for (slot, u) in block.fee_slots.iter().zip(fee_updates) {
            if u.account_id != block.header.fee_account || u.token != slot.token {
                return Err(WitnessError::Disagreement { op: usize::MAX, what: "fee update leaf".into() });
            }
        }
        let first = &fee_updates[0];
        let fee = FeeWitness {
            slots: std::array::from_fn(|i| FeeSlotWitness {
                token: block.fee_slots[i].token,
                old_balance: fee_updates[i].old_balance,
                balance_path: fee_updates[i].balance_path.flat(),
            }),
            nonce: first.old_fields.nonce,
            pkh: first.old_fields.pubkey_hash,
            address: first.old_fields.address,
            account_path: first.account_path.flat(),
        };
        let witness = BlockWitness {
            header: block.header,
            old_root: block.old_root,
            new_root: block.new_root,
            chunks,
            fee,
            public_input: block.public_input,
        };
        if witness.pubdata() != block.pubdata || witness.onchain_bitmap() != block.onchain_bitmap {
            return Err(WitnessError::Disagreement { op: usize::MAX, what: "block pubdata or bitmap".into() });
        }
        Ok(witness)
    }

    /// The pubdata the chunks carry.
    pub fn pubdata(&self) -> Vec<u8> {
        self.chunks.iter().flat_map(|c| c.pubdata).collect()
    }

    /// The onchain bitmap the chunks carry.
    pub fn onchain_bitmap(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.chunks.len().div_ceil(8)];
        for (i, c) in self.chunks.iter().enumerate() {
            if c.onchain {
                out[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out
    }

    /// Recompute the public input from the witness's header, roots, pubdata and bitmap.
    pub fn commitment_input(&self) -> Fr {
        zkpay_core::block::block_commitment(
            &self.header,
            &self.old_root,
            &self.new_root,
            &self.pubdata(),
            &self.onchain_bitmap(),
        )
        .1
    }

    /// Indices of the chunks of the op that contains chunk `i`.
    pub fn op_chunks(&self, i: usize) -> std::ops::Range<usize> {
        let start = i - self.chunks[i].k;
        start..start + self.chunks[i].op.op_type.chunks()
    }

    /// Set the op containing chunk `i` to `op` in all its chunks and refresh their pubdata (a tool
    /// for building modified witnesses, e.g. in soundness tests).
    pub fn set_op(&mut self, i: usize, op: OpWitness) {
        let pubdata = op.pubdata();
        for j in self.op_chunks(i) {
            let k = self.chunks[j].k;
            self.chunks[j].op = op;
            self.chunks[j].pubdata = pubdata[k * CHUNK_BYTES..(k + 1) * CHUNK_BYTES].try_into().expect("10 bytes");
        }
    }

    /// Number of chunks.
    pub fn size(&self) -> usize {
        self.chunks.len()
    }
}

/// `CHUNK_BITS` pubdata bits of a chunk, most significant first.
pub(crate) fn chunk_bits(pubdata: &[u8; CHUNK_BYTES]) -> [bool; CHUNK_BITS] {
    std::array::from_fn(|i| (pubdata[i / 8] >> (7 - i % 8)) & 1 == 1)
}
