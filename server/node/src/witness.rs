//! The witness builder: one thread with its own copy of the L2 state, one block behind the next
//! block to prove. For every sealed block without a proof it rebuilds the block from storage —
//! its priority ops, its signed txs in block order, its header — in witness mode, checks that the
//! rebuild has the stored commitment, and hands the circuit witness to the [`ProverPool`].
//!
//! Why a second state: the sequencer seals in fast mode (rehashing once per block is what keeps
//! it above 2,000 transfers/s); witness mode rehashes per chunk. On start the builder reaches its
//! first unproven block by replaying the sealed blocks' pubdata from genesis in fast mode
//! (O(chain); a state snapshot at the last proven block would make it O(unproven)).

use crate::prover_pool::ProverPool;
use crate::shared::Shared;
use std::sync::Arc;
use std::time::Duration;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_core::block::{Block, BlockBuilder, BlockHeader};
use zkpay_core::restore::replay_block;
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{L2Tx, PriorityOp};
use zkpay_storage::{BlockRecord, NodeStore, StorageError};

/// Why a block could not be rebuilt: storage and the sealed block disagree, which only a bug or
/// a damaged store explains. The node stops rather than prove something else.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A record the block names is missing.
    #[error("block {block}: {what} is missing from storage")]
    Missing {
        /// The block.
        block: u32,
        /// What.
        what: String,
    },
    /// Rebuilding failed or gave another block.
    #[error("block {block}: {reason}")]
    Rebuild {
        /// The block.
        block: u32,
        /// Why.
        reason: String,
    },
}

/// Jobs waiting for a worker before the builder pauses.
const MAX_QUEUED_JOBS: usize = 64;

/// The builder's state between blocks.
pub struct WitnessBuilder<S: NodeStore> {
    store: Arc<S>,
    shared: Arc<Shared>,
    pool: Arc<ProverPool>,
    /// The state after block `next - 1`.
    state: State,
    next: u32,
}

impl<S: NodeStore> WitnessBuilder<S> {
    /// A builder at genesis (`genesis` in any mode).
    pub fn new(store: Arc<S>, shared: Arc<Shared>, pool: Arc<ProverPool>, mut genesis: State) -> Self {
        genesis.set_mode(UpdateMode::Fast);
        WitnessBuilder { store, shared, pool, state: genesis, next: 1 }
    }

    /// Run until the node is cancelled; a rebuild failure stops the node.
    pub fn run(mut self) {
        if let Err(e) = self.work() {
            tracing::error!(error = %e, "witness builder failed: stopping the node");
            self.shared.cancel.cancel();
        }
    }

    fn work(&mut self) -> Result<(), WitnessError> {
        // Blocks L1 has proven, and blocks with a stored proof, need no witness.
        let proven_on_l1 = self.store.l1_counters()?.proven;
        let mut stored: std::collections::BTreeSet<u32> =
            self.store.proofs_from(proven_on_l1 + 1)?.into_iter().map(|p| p.block).collect();
        while !self.shared.cancel.is_cancelled() {
            let last = self.shared.durable_block();
            // Witnesses wait in memory until proven: with no worker around, stop building them.
            if self.next > last || self.pool.counts().0 >= MAX_QUEUED_JOBS {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            let record = self.record(self.next)?;
            if self.next <= proven_on_l1 || stored.remove(&self.next) {
                self.fast_forward(&record)?;
            } else {
                let witness = self.rebuild(&record)?;
                self.pool.add(record.number, record.chunks, witness);
            }
            self.next += 1;
        }
        Ok(())
    }

    fn record(&self, number: u32) -> Result<BlockRecord, WitnessError> {
        self.store.block(number)?.ok_or_else(|| WitnessError::Missing { block: number, what: "the block".into() })
    }

    /// Apply a block that needs no witness: its pubdata, in fast mode.
    fn fast_forward(&mut self, record: &BlockRecord) -> Result<(), WitnessError> {
        let root = replay_block(&mut self.state, record.fee_account, &record.pubdata)
            .map_err(|e| WitnessError::Rebuild { block: record.number, reason: e.to_string() })?;
        if zkpay_core::field::fr_to_be_bytes(&root) != record.new_root {
            return Err(WitnessError::Rebuild { block: record.number, reason: "replayed root differs".into() });
        }
        Ok(())
    }

    /// Rebuild a block with its signed txs in witness mode: the circuit witness.
    fn rebuild(&mut self, record: &BlockRecord) -> Result<BlockWitness, WitnessError> {
        let block = record.number;
        let fail = |reason: String| WitnessError::Rebuild { block, reason };
        let missing = |what: String| WitnessError::Missing { block, what };
        let mut priority = Vec::with_capacity(record.priority_ops.len());
        for serial in &record.priority_ops {
            let p = self.store.priority_op(*serial)?.ok_or_else(|| missing(format!("priority op {serial}")))?;
            priority.push(p.op);
        }
        let mut txs = Vec::with_capacity(record.txs.len());
        for hash in &record.txs {
            let t = self.store.tx(&hash.0)?.ok_or_else(|| missing(format!("tx 0x{}", hex::encode(hash.0))))?;
            txs.push(t.tx);
        }
        let header = BlockHeader {
            domain: self.shared.domain,
            number: block,
            fee_account: record.fee_account,
            timestamp: record.timestamp,
            chunks: record.chunks,
        };
        self.state.set_mode(UpdateMode::Witness);
        // The sequencer checked every op against this same state: a refusal here means storage
        // and the sealed block disagree. The state is then unusable, and so is the node.
        let sealed = build(&mut self.state, header, &priority, &txs);
        self.state.set_mode(UpdateMode::Fast);
        let sealed = sealed.map_err(fail)?;
        if sealed.commitment != record.commitment {
            return Err(fail("the rebuilt block has another commitment than the sealed one".into()));
        }
        BlockWitness::from_block(&sealed).map_err(|e| fail(format!("circuit witness: {e}")))
    }
}

/// The block `header` of `priority` ops then `txs`, in that order (the sequencer's).
fn build(state: &mut State, header: BlockHeader, priority: &[PriorityOp], txs: &[L2Tx]) -> Result<Block, String> {
    let mut builder = BlockBuilder::new(state, header).map_err(|e| e.to_string())?;
    for op in priority {
        builder.add_priority_op(state, op).map_err(|e| format!("priority op {}: {e}", op.serial_id))?;
    }
    for (i, tx) in txs.iter().enumerate() {
        builder.add_tx(state, tx).map_err(|e| format!("tx {i}: {e}"))?;
    }
    builder.seal(state).map_err(|e| e.to_string())
}
