//! Blocks (PROTOCOL §6, §8): a builder that fills a block of a fixed chunk count from txs and
//! priority ops while respecting the chunk budget and the fee slots, pads with Noops, credits the
//! collected fees to the block's fee account, and computes the commitment and public input.

use crate::account_tree::AccountUpdate;
use crate::field::{fr_from_be_bytes, Fr};
use crate::ops::{block_pubdata, onchain_bitmap, Op, PubdataError};
use crate::params::FEE_SLOTS;
use crate::state::{AppliedOp, ApplyError, BlockContext, State, UpdateMode, VerifiedTx};
use crate::tx::{Domain, L2Tx, PriorityOp};
use crate::types::{AccountId, TokenId};
use sha2::{Digest, Sha256};

/// Why the builder refused something; the state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The op does not fit the chunks left in this block (it may fit the next one).
    #[error("op needs {needed} chunks, block has {remaining} left")]
    BlockFull {
        /// Chunks the op needs.
        needed: usize,
        /// Chunks left.
        remaining: usize,
    },
    /// The block already collects fees in FEE_SLOTS other tokens (the op may go in the next block).
    #[error("block already collects fees in {FEE_SLOTS} tokens; fee token {0} must wait for the next block")]
    FeeSlotsFull(TokenId),
    /// The fee account does not exist.
    #[error("fee account {0} does not exist")]
    FeeAccountNotFound(AccountId),
    /// A block size of zero chunks.
    #[error("block size must be at least 1 chunk")]
    EmptyBlockSize,
    /// The state refused the op.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// An op could not be encoded (a bug: ops from the state are always encodable).
    #[error(transparent)]
    Pubdata(#[from] PubdataError),
}

/// Why an atomic batch was refused: the first tx that failed, by index; nothing of the batch was
/// applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("batch tx {index}: {error}")]
pub struct BatchError {
    /// Index of the refused tx in the batch.
    pub index: usize,
    /// Why it was refused.
    pub error: BlockError,
}

/// What identifies a block besides its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    /// Chain and rollup contract.
    pub domain: Domain,
    /// Block number (the first block after genesis is 1).
    pub number: u32,
    /// Account credited with the block's fees.
    pub fee_account: AccountId,
    /// Block timestamp (unix seconds); L2 txs' time ranges are checked against it.
    pub timestamp: u64,
    /// Size in chunks.
    pub chunks: usize,
}

/// A fee slot: the total fee the block collected in `token`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSlot {
    /// Token (unused slots: 0 with amount 0).
    pub token: TokenId,
    /// Total collected.
    pub amount: u128,
}

/// The fee slots of a block being filled or replayed (PROTOCOL §6): one per fee token, in order of
/// first use, at most FEE_SLOTS. Shared by [`BlockBuilder`] and data restore so both collect fees
/// identically.
#[derive(Clone, Debug, Default)]
pub(crate) struct FeeSlots(Vec<FeeSlot>);

impl FeeSlots {
    /// The slot a fee in `token` goes to: that token's slot, else the next free one; `None` when
    /// FEE_SLOTS other tokens hold all slots.
    pub(crate) fn slot_for(&self, token: TokenId) -> Option<usize> {
        match self.0.iter().position(|s| s.token == token) {
            Some(i) => Some(i),
            None if self.0.len() < FEE_SLOTS => Some(self.0.len()),
            None => None,
        }
    }

    /// Add a fee to slot `i`, as returned by [`FeeSlots::slot_for`] for `token`.
    pub(crate) fn add(&mut self, i: usize, token: TokenId, amount: u128) {
        if i == self.0.len() {
            self.0.push(FeeSlot { token, amount: 0 });
        }
        debug_assert_eq!(self.0[i].token, token);
        // Fees are packable (< 2^11 · 10^31 < 2^115) and at most a few thousand per block.
        self.0[i].amount = self.0[i].amount.saturating_add(amount);
    }

    /// All FEE_SLOTS slots; unused ones are `(0, 0)`.
    pub(crate) fn slots(&self) -> [FeeSlot; FEE_SLOTS] {
        let mut out = [FeeSlot::default(); FEE_SLOTS];
        out[..self.0.len()].copy_from_slice(&self.0);
        out
    }
}

/// A sealed block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Header fields.
    pub header: BlockHeader,
    /// State root before the block.
    pub old_root: Fr,
    /// State root after the block (fees credited).
    pub new_root: Fr,
    /// Operations in order, Noops included (their chunks add up to `header.chunks`).
    pub ops: Vec<Op>,
    /// The applied operations (with per-chunk updates in witness mode).
    pub applied: Vec<AppliedOp>,
    /// The FEE_SLOTS fee slots, in order of first use.
    pub fee_slots: [FeeSlot; FEE_SLOTS],
    /// Witness mode: the FEE_SLOTS fee-account updates after the last chunk, in slot order.
    pub fee_updates: Vec<AccountUpdate>,
    /// Number of priority operations (Deposit, FullExit) in the block.
    pub priority_ops: usize,
    /// `header.chunks × 10` bytes of pubdata.
    pub pubdata: Vec<u8>,
    /// One bit per chunk, MSB first: first chunk of an onchain op.
    pub onchain_bitmap: Vec<u8>,
    /// `sha256(header ‖ pubdata ‖ onchain_bitmap)`.
    pub commitment: [u8; 32],
    /// `uint256(commitment) >> 3`: the block circuit's single public input.
    pub public_input: Fr,
}

/// The 108-byte commitment header: chain_id(8) ‖ rollup(20) ‖ number(4) ‖ fee_account(4) ‖
/// timestamp(8) ‖ old_root(32) ‖ new_root(32).
pub fn commitment_header(header: &BlockHeader, old_root: &Fr, new_root: &Fr) -> [u8; 108] {
    let mut out = [0u8; 108];
    out[0..8].copy_from_slice(&header.domain.chain_id.to_be_bytes());
    out[8..28].copy_from_slice(&header.domain.rollup.0);
    out[28..32].copy_from_slice(&header.number.to_be_bytes());
    out[32..36].copy_from_slice(&header.fee_account.to_be_bytes());
    out[36..44].copy_from_slice(&header.timestamp.to_be_bytes());
    out[44..76].copy_from_slice(&crate::field::fr_to_be_bytes(old_root));
    out[76..108].copy_from_slice(&crate::field::fr_to_be_bytes(new_root));
    out
}

/// `sha256(header ‖ pubdata ‖ onchain_bitmap)` and the public input `commitment >> 3`.
pub fn block_commitment(
    header: &BlockHeader,
    old_root: &Fr,
    new_root: &Fr,
    pubdata: &[u8],
    onchain_bitmap: &[u8],
) -> ([u8; 32], Fr) {
    let mut h = Sha256::new();
    h.update(commitment_header(header, old_root, new_root));
    h.update(pubdata);
    h.update(onchain_bitmap);
    let commitment: [u8; 32] = h.finalize().into();
    (commitment, public_input(&commitment))
}

/// `uint256(commitment) >> 3`, which is below 2^253 < p.
pub fn public_input(commitment: &[u8; 32]) -> Fr {
    let mut shifted = [0u8; 32];
    let mut carry = 0u8;
    for (i, b) in commitment.iter().enumerate() {
        shifted[i] = (b >> 3) | carry;
        carry = b << 5;
    }
    fr_from_be_bytes(&shifted).expect("a 253-bit value is below p")
}

/// Fills one block; see the module docs.
#[derive(Debug)]
pub struct BlockBuilder {
    header: BlockHeader,
    old_root: Fr,
    applied: Vec<AppliedOp>,
    used_chunks: usize,
    fee_slots: FeeSlots,
    priority_ops: usize,
}

impl BlockBuilder {
    /// Start a block on top of `state` (pending fast-mode changes are flushed to fix the old root).
    pub fn new(state: &mut State, header: BlockHeader) -> Result<BlockBuilder, BlockError> {
        if header.chunks == 0 {
            return Err(BlockError::EmptyBlockSize);
        }
        if state.account(header.fee_account).is_none() {
            return Err(BlockError::FeeAccountNotFound(header.fee_account));
        }
        Ok(BlockBuilder {
            header,
            old_root: state.root(),
            applied: Vec::new(),
            used_chunks: 0,
            fee_slots: FeeSlots::default(),
            priority_ops: 0,
        })
    }

    /// Chunks still free.
    pub fn remaining_chunks(&self) -> usize {
        self.header.chunks - self.used_chunks
    }

    /// Chunks used so far.
    pub fn used_chunks(&self) -> usize {
        self.used_chunks
    }

    /// The header the block will be sealed with.
    pub fn header(&self) -> &BlockHeader {
        &self.header
    }

    /// Change the block's size to `chunks` before sealing (a block filled with a large capacity
    /// and sealed at the smallest size its ops fit). Refused when the ops already use more.
    pub fn resize(&mut self, chunks: usize) -> Result<(), BlockError> {
        if chunks == 0 {
            return Err(BlockError::EmptyBlockSize);
        }
        if chunks < self.used_chunks {
            return Err(BlockError::BlockFull { needed: self.used_chunks, remaining: chunks });
        }
        self.header.chunks = chunks;
        Ok(())
    }

    /// Add an atomic batch of verified txs: all of them, in order, or none. A refused tx undoes
    /// the batch's earlier ones through the state's journal of touched leaves (no state copy).
    pub fn add_verified_batch(&mut self, state: &mut State, txs: &[VerifiedTx]) -> Result<(), BatchError> {
        let (applied, used, slots) = (self.applied.len(), self.used_chunks, self.fee_slots.clone());
        state.begin_journal();
        for (index, tx) in txs.iter().enumerate() {
            if let Err(error) = self.add_verified_tx(state, tx) {
                state.rollback_journal();
                self.applied.truncate(applied);
                self.used_chunks = used;
                self.fee_slots = slots;
                return Err(BatchError { index, error });
            }
        }
        state.commit_journal();
        Ok(())
    }

    /// Operations added so far.
    pub fn applied(&self) -> &[AppliedOp] {
        &self.applied
    }

    fn context(&self) -> BlockContext {
        BlockContext { timestamp: self.header.timestamp, domain: self.header.domain }
    }

    /// Check chunk budget and fee slot; returns the slot index for the fee, if any.
    fn admit(&self, op: &Op, fee: Option<(TokenId, u128)>) -> Result<Option<usize>, BlockError> {
        let needed = op.chunks();
        if needed > self.remaining_chunks() {
            return Err(BlockError::BlockFull { needed, remaining: self.remaining_chunks() });
        }
        let Some((token, _)) = fee else { return Ok(None) };
        self.fee_slots.slot_for(token).map(Some).ok_or(BlockError::FeeSlotsFull(token))
    }

    fn record(&mut self, applied: AppliedOp, slot: Option<usize>) -> &AppliedOp {
        if let (Some(i), Some((token, amount))) = (slot, applied.fee) {
            self.fee_slots.add(i, token, amount);
        }
        self.used_chunks += applied.op.chunks();
        self.applied.push(applied);
        self.applied.last().expect("just pushed")
    }

    /// Add an L2 tx: checked against the state, the chunk budget and the fee slots before anything
    /// changes.
    pub fn add_tx(&mut self, state: &mut State, tx: &L2Tx) -> Result<&AppliedOp, BlockError> {
        let plan = state.plan_tx(tx, &self.context(), None)?;
        let slot = self.admit(plan.op(), plan.fee())?;
        let applied = AppliedOp { tx: Some(tx.clone()), ..state.execute(plan)? };
        Ok(self.record(applied, slot))
    }

    /// Add an L2 tx whose signature was verified beforehand ([`VerifiedTx`]).
    pub fn add_verified_tx(&mut self, state: &mut State, tx: &VerifiedTx) -> Result<&AppliedOp, BlockError> {
        let plan = state.plan_verified(tx, &self.context())?;
        let slot = self.admit(plan.op(), plan.fee())?;
        let applied = AppliedOp { tx: Some(tx.tx().clone()), ..state.execute(plan)? };
        Ok(self.record(applied, slot))
    }

    /// Add a priority op (the caller adds them in L1 queue order).
    pub fn add_priority_op(&mut self, state: &mut State, op: &PriorityOp) -> Result<&AppliedOp, BlockError> {
        let plan = state.plan_priority(&op.data)?;
        self.admit(plan.op(), None)?;
        let applied = state.execute(plan)?;
        self.priority_ops += 1;
        Ok(self.record(applied, None))
    }

    /// Pad with Noops, credit the fee slots to the fee account, and compute roots, pubdata and
    /// commitment.
    pub fn seal(mut self, state: &mut State) -> Result<Block, BlockError> {
        while self.used_chunks < self.header.chunks {
            let noop = state.apply_noop()?;
            self.record(noop, None);
        }
        let fee_slots = self.fee_slots.slots();
        let mut fee_updates = Vec::new();
        for slot in &fee_slots {
            fee_updates.extend(state.credit_fee(self.header.fee_account, slot.token, slot.amount)?);
        }
        debug_assert!(state.mode() == UpdateMode::Fast || fee_updates.len() == FEE_SLOTS);
        let new_root = state.root();
        let ops: Vec<Op> = self.applied.iter().map(|a| a.op).collect();
        let pubdata = block_pubdata(&ops)?;
        let bitmap = onchain_bitmap(&ops, self.header.chunks);
        let (commitment, public_input) = block_commitment(&self.header, &self.old_root, &new_root, &pubdata, &bitmap);
        Ok(Block {
            header: self.header,
            old_root: self.old_root,
            new_root,
            ops,
            applied: self.applied,
            fee_slots,
            fee_updates,
            priority_ops: self.priority_ops,
            pubdata,
            onchain_bitmap: bitmap,
            commitment,
            public_input,
        })
    }
}

#[cfg(test)]
mod tests;
