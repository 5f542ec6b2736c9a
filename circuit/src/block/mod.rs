//! The block circuit (PROTOCOL §5–§8, docs/protocol.md §7–§10): proves that a block of `N` chunks
//! applies every op's rules to the state, credits the fee slots to the fee account and commits to
//! header, pubdata and onchain bitmap, exposing only `sha256(header ‖ pubdata ‖ bitmap) >> 3`.
//!
//! # Design
//!
//! * **One universal chunk gadget** ([`chunk`]) per chunk. Each chunk is in exactly one *phase*
//!   (op type, chunk index within the op; 33 of them, [`layout::phases`]), a one-hot witness. The
//!   phase of chunk i+1 is forced by chunk i's unless chunk i ended its op, so the phases spell a
//!   sequence of whole ops; the block starts and ends on op boundaries.
//! * **Registers** ([`layout::Register`]): every chunk carries all of its op's fields, decomposed
//!   into bits (their range checks) and equal across the op's chunks. The chunk's 80 pubdata bits
//!   must equal its phase's slice of the op's pubdata laid out from those bits, so each field is
//!   bound to pubdata by whichever chunk holds it and known to all chunks of the op.
//! * **One account/balance update per chunk**: the leaf `(A or B, Token)` (docs/protocol.md §7.4)
//!   is proven under the running root, the phase's rules are checked on it, its new value is
//!   computed (never taken from the witness) and hashed into the next root.
//! * **L2 signatures** are verified in the first chunk of an L2 tx (every chunk has the EdDSA gadget,
//!   enforced only there): message `M = H(e0, e1, e2, e3)` built from the registers, key hash equal
//!   to the account's (ChangePubKey: to the new key hash).
//! * **Fees**: the first chunk of an L2 tx adds its fee to one of 4 slots whose token equals its own;
//!   after the last chunk each slot's total is credited to the header's fee account (four balance
//!   updates under one account-leaf update).
//! * **Commitment**: SHA-256 over the header bits (roots strictly decomposed: canonical encodings
//!   only), the chunks' pubdata bits and bitmap bits, its top 253 bits equal to the public input.
//!
//! Costs are pinned in the tests and reported by `zkpay bench circuit`.

pub mod chunk;
pub mod encode;
pub mod layout;
pub mod witness;

#[cfg(test)]
mod tests;

use crate::check_cs::CheckingCs;
use crate::gadgets::bits::alloc_bits_le;
use crate::gadgets::boolean::Boolean;
use crate::gadgets::const_compare::to_bits_le_strict;
use crate::gadgets::merkle::{alloc_siblings, root_from_path};
use crate::gadgets::num::Num;
use crate::gadgets::poseidon::poseidon_hash;
use crate::gadgets::range::enforce_less_than_pow2;
use crate::gadgets::sha256::sha256;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use chunk::{pow2, synthesize_chunk, BlockContextVars, ChunkOut};
use layout::{pubdata_sources, OpType};
use witness::BlockWitness;
use zkpay_core::field::{fr_from_u128, fr_from_u64};
use zkpay_core::params::{ACCOUNT_ID_BITS, ACCOUNT_TREE_LEVELS, BALANCE_TREE_LEVELS, FEE_SLOTS};

/// Key name of the block circuit for `chunks` chunks (`keys/block_<N>.vk.json`; the exported
/// verifier has `verify_block_<N>`).
pub fn block_circuit_name(chunks: usize) -> String {
    format!("block_{chunks}")
}

/// The chunk count of a key name made by [`block_circuit_name`].
pub fn block_size_of_name(name: &str) -> Option<usize> {
    name.strip_prefix("block_")?.parse().ok().filter(|n| *n > 0)
}

/// The block circuit for a fixed number of chunks, with or without a witness.
#[derive(Clone, Debug)]
pub struct BlockCircuit {
    /// Size in chunks.
    pub chunks: usize,
    /// The witness; `None` for key generation.
    pub witness: Option<BlockWitness>,
}

impl BlockCircuit {
    /// The circuit without a witness, for key generation and constraint counts.
    pub fn blank(chunks: usize) -> BlockCircuit {
        assert!(chunks > 0, "a block has at least one chunk");
        BlockCircuit { chunks, witness: None }
    }

    /// The circuit for one block's witness.
    pub fn new(witness: BlockWitness) -> BlockCircuit {
        BlockCircuit { chunks: witness.chunks.len(), witness: Some(witness) }
    }

    /// Check the witness against every constraint without proving (bellman's prover does not check:
    /// it would return a proof that fails verification). Returns the path of the first failing
    /// constraint; the node refuses to prove (and to commit) such a block.
    pub fn check(&self) -> Result<(), String> {
        let mut cs = CheckingCs::new();
        self.clone().synthesize(&mut cs).map_err(|e| format!("synthesis failed: {e}"))?;
        match cs.first_failure() {
            None => Ok(()),
            Some((_, path)) => Err(path.clone()),
        }
    }

    /// Number of constraints (synthesizes the blank circuit).
    pub fn count_constraints(chunks: usize) -> usize {
        let mut cs = CheckingCs::counting();
        BlockCircuit::blank(chunks).synthesize(&mut cs).expect("blank synthesis needs no values");
        cs.num_constraints()
    }
}

/// The header's variables.
struct HeaderVars {
    /// All 864 bits, in commitment order (big-endian fields).
    bits: Vec<Boolean>,
    timestamp: Num,
    domain: Num,
    fee_account_bits: Vec<Boolean>,
    old_root: Num,
    new_root: Num,
}

fn be(mut le: Vec<Boolean>) -> Vec<Boolean> {
    le.reverse();
    le
}

fn alloc_header<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    w: Option<&BlockWitness>,
) -> Result<HeaderVars, SynthesisError> {
    let h = w.map(|w| w.header);
    let mut field = |name: &str, v: Option<Fr>, n: usize| alloc_bits_le(cs.namespace(|| name.to_string()), v, n);
    let chain_id = field("chain_id", h.map(|h| fr_from_u64(h.domain.chain_id)), 64)?;
    let rollup = field("rollup", h.map(|h| h.domain.rollup.to_fr()), 160)?;
    let number = field("number", h.map(|h| fr_from_u64(h.number as u64)), 32)?;
    // The fee account is a leaf index: 24 bits, the top byte of its 4 is zero.
    let mut fee_account = field("fee_account", h.map(|h| fr_from_u64(h.fee_account as u64)), ACCOUNT_ID_BITS)?;
    let fee_account_bits = fee_account.clone();
    fee_account.resize(32, Boolean::Constant(false));
    let timestamp = field("timestamp", h.map(|h| fr_from_u64(h.timestamp)), 64)?;
    // Roots: the canonical (below p) 254-bit decomposition, two zero bits on top.
    let mut root = |name: &str, v: Option<Fr>| -> Result<(Num, Vec<Boolean>), SynthesisError> {
        let num = Num::alloc(cs.namespace(|| name.to_string()), v)?;
        let mut bits = to_bits_le_strict(cs.namespace(|| format!("{name} bits")), &num)?;
        bits.resize(256, Boolean::Constant(false));
        Ok((num, bits))
    };
    let (old_root, old_bits) = root("old_root", w.map(|w| w.old_root))?;
    let (new_root, new_bits) = root("new_root", w.map(|w| w.new_root))?;
    let domain = crate::gadgets::bits::from_bits_le(&chain_id)
        .scale(&pow2(160))
        .add(&crate::gadgets::bits::from_bits_le(&rollup));
    let timestamp_num = crate::gadgets::bits::from_bits_le(&timestamp);
    let bits =
        [chain_id, rollup, number, fee_account, timestamp, old_bits, new_bits].into_iter().flat_map(be).collect();
    Ok(HeaderVars { bits, timestamp: timestamp_num, domain, fee_account_bits, old_root, new_root })
}

impl Circuit<Engine> for BlockCircuit {
    fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let n = self.chunks;
        let w = self.witness.as_ref();
        if n == 0 || w.is_some_and(|w| w.chunks.len() != n) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let public_input = Num::alloc_input(cs.namespace(|| "public input"), w.map(|w| w.public_input))?;
        let header = alloc_header(cs.namespace(|| "header"), w)?;
        let slot_token_bits = (0..FEE_SLOTS)
            .map(|k| {
                let v = w.map(|w| fr_from_u64(w.fee.slots[k].token as u64));
                alloc_bits_le(cs.namespace(|| format!("fee slot {k} token")), v, layout::Register::Token.value_bits())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let slot_tokens: [Num; FEE_SLOTS] =
            std::array::from_fn(|k| crate::gadgets::bits::from_bits_le(&slot_token_bits[k]));
        let sources: Vec<_> = OpType::ALL.iter().map(|&t| pubdata_sources(t)).collect();
        let ctx = BlockContextVars {
            timestamp: &header.timestamp,
            domain: &header.domain,
            slot_tokens: &slot_tokens,
            sources: &sources,
        };

        let mut prev: Option<ChunkOut> = None;
        let mut pubdata_bits = Vec::with_capacity(n * layout::CHUNK_BITS);
        let mut bitmap_bits = Vec::with_capacity(n.div_ceil(8) * 8);
        let mut collected: [Num; FEE_SLOTS] = std::array::from_fn(|_| Num::zero());
        for i in 0..n {
            let prev_root = prev.as_ref().map_or(&header.old_root, |p| &p.new_root).clone();
            let out = synthesize_chunk(
                cs.namespace(|| format!("chunk {i}")),
                i,
                n,
                w.map(|w| &w.chunks[i]),
                prev.as_ref(),
                &prev_root,
                &ctx,
            )?;
            pubdata_bits.extend(out.pubdata.iter().cloned());
            bitmap_bits.push(out.onchain);
            for (acc, fee) in collected.iter_mut().zip(&out.fee_to_slot) {
                *acc = acc.add(fee);
            }
            prev = Some(out);
        }
        let last_root = prev.expect("n > 0").new_root;

        // Fee credit: four balance updates of the fee account under one account-leaf update.
        {
            let mut cs = cs.namespace(|| "fees");
            let f = w.map(|w| &w.fee);
            let nonce = Num::alloc(cs.namespace(|| "nonce"), f.map(|f| fr_from_u64(f.nonce as u64)))?;
            let pkh = Num::alloc(cs.namespace(|| "pkh"), f.map(|f| f.pkh.to_fr()))?;
            let address = Num::alloc(cs.namespace(|| "address"), f.map(|f| f.address.to_fr()))?;
            let inv = Num::alloc(
                cs.namespace(|| "address inverse"),
                address.value().map(|a| a.inverse().unwrap_or_else(Fr::zero)),
            )?;
            cs.enforce(|| "rule fee account exists", |_| address.lc(), |_| inv.lc(), |lc| lc + CS::one());
            let mut first_root = None;
            let mut prev_after: Option<Num> = None;
            for k in 0..FEE_SLOTS {
                let mut cs = cs.namespace(|| format!("slot {k}"));
                let slot = f.map(|f| &f.slots[k]);
                let old_balance =
                    Num::alloc(cs.namespace(|| "old balance"), slot.map(|s| fr_from_u128(s.old_balance)))?;
                let siblings =
                    alloc_siblings(cs.namespace(|| "path"), BALANCE_TREE_LEVELS, |i| slot.map(|s| s.balance_path[i]))?;
                let before = root_from_path(cs.namespace(|| "before"), &old_balance, &slot_token_bits[k], &siblings)?;
                match &prev_after {
                    Some(p) => cs.enforce(|| "balances continue", |_| before.sub(p).lc(), |lc| lc + CS::one(), |lc| lc),
                    None => first_root = Some(before),
                }
                let new_balance = old_balance.add(&collected[k]);
                enforce_less_than_pow2(cs.namespace(|| "rule fee balance stays in u128"), &new_balance, 128)?;
                prev_after =
                    Some(root_from_path(cs.namespace(|| "after"), &new_balance, &slot_token_bits[k], &siblings)?);
            }
            let siblings =
                alloc_siblings(cs.namespace(|| "account path"), ACCOUNT_TREE_LEVELS, |i| f.map(|f| f.account_path[i]))?;
            let fields = |balance_root: Num| [nonce.clone(), pkh.clone(), address.clone(), balance_root];
            let old_leaf = poseidon_hash(cs.namespace(|| "old leaf"), &fields(first_root.expect("4 slots")))?;
            let new_leaf = poseidon_hash(cs.namespace(|| "new leaf"), &fields(prev_after.expect("4 slots")))?;
            let old_root = root_from_path(cs.namespace(|| "old root"), &old_leaf, &header.fee_account_bits, &siblings)?;
            cs.enforce(
                || "fee account under the last chunk's root",
                |_| old_root.sub(&last_root).lc(),
                |lc| lc + CS::one(),
                |lc| lc,
            );
            let new_root = root_from_path(cs.namespace(|| "new root"), &new_leaf, &header.fee_account_bits, &siblings)?;
            cs.enforce(
                || "new root matches the header",
                |_| new_root.sub(&header.new_root).lc(),
                |lc| lc + CS::one(),
                |lc| lc,
            );
        }

        // Commitment: sha256(header ‖ pubdata ‖ bitmap), public input = its top 253 bits.
        bitmap_bits.resize(n.div_ceil(8) * 8, Boolean::Constant(false));
        let message: Vec<Boolean> = header.bits.into_iter().chain(pubdata_bits).chain(bitmap_bits).collect();
        let digest = sha256(cs.namespace(|| "commitment"), &message)?;
        let packed = digest[..253]
            .iter()
            .enumerate()
            .fold(Num::zero(), |acc, (i, b)| acc.add_mul_const(&b.to_num(), &pow2(252 - i)));
        cs.enforce(
            || "public input is the commitment >> 3",
            |_| packed.sub(&public_input).lc(),
            |lc| lc + CS::one(),
            |lc| lc,
        );
        Ok(())
    }
}
