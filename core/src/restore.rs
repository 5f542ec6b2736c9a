//! Data restore (PROTOCOL §12, `docs/protocol.md` §10.6): rebuild the L2 state from the pubdata of
//! L1 blocks alone, as the exodus tool does when the operator is gone.
//!
//! [`replay_block`] decodes one block's pubdata, replays its ops in order ([`State::replay_op`]:
//! every state rule checked, signatures and time ranges trusted to the proof), collects the fees
//! in slots in order of first use exactly like [`crate::block::BlockBuilder`], credits the slots to
//! the block's fee account after the last op, and returns the new root. A block that fails leaves
//! the state exactly as before it. [`Restorer`] drives a state from genesis block by block and
//! checks every new root against the one stored on L1.
//!
//! **Rollback.** A failing block is undone by restoring a copy of the state taken before it: O(state)
//! per block. Acceptable for now (restore runs once, blocks fail only on bad input); an undo journal
//! of the touched leaves would make it O(block).

use crate::block::FeeSlots;
use crate::field::{fr_to_hex, Fr};
use crate::ops::{decode_block_pubdata, Op, PubdataError};
use crate::state::{ApplyError, State, UpdateMode};
use crate::types::{AccountId, Address, TokenId};

/// Why a block could not be restored; the state is as before the block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The pubdata does not decode (PROTOCOL §5 layout).
    #[error("bad pubdata: {0}")]
    Pubdata(#[from] PubdataError),
    /// An op breaks a state rule.
    #[error("op at chunk {chunk} ({op:?}) rejected: {error}")]
    Op {
        /// Index of the op's first chunk in the block.
        chunk: usize,
        /// The op as decoded.
        op: Op,
        /// The rule it breaks.
        error: ApplyError,
    },
    /// The op's fee token would be a fifth distinct fee token of the block (the circuit has
    /// FEE_SLOTS slots, so no such block can be proven).
    #[error("op at chunk {chunk} pays its fee in a fifth token {token}")]
    FeeSlotsFull {
        /// Index of the op's first chunk.
        chunk: usize,
        /// Its fee token.
        token: TokenId,
    },
    /// Crediting the fee slots failed: the fee account does not exist after the block, or its
    /// balance would overflow.
    #[error("fee credit to account {fee_account} failed: {error}")]
    FeeCredit {
        /// The block's fee account.
        fee_account: AccountId,
        /// What failed.
        error: ApplyError,
    },
    /// The restored root differs from the one L1 stores for the block.
    #[error("block {block}: restored root {} differs from the expected {}", fr_to_hex(.got), fr_to_hex(.expected))]
    RootMismatch {
        /// Block number.
        block: u32,
        /// Root stored on L1.
        expected: Fr,
        /// Root after replay.
        got: Fr,
    },
    /// [`Restorer::apply_block`] got a block other than the next one.
    #[error("expected block {expected}, got block {got}")]
    OutOfOrder {
        /// The next block number.
        expected: u32,
        /// The one given.
        got: u32,
    },
    /// The genesis could not be built (zero operator address, token id out of range).
    #[error("genesis: {0}")]
    Genesis(ApplyError),
}

/// Replay one block's pubdata onto `state` and return the new root (fees credited to
/// `fee_account` after the last op, PROTOCOL §6). On any error `state` is left as before.
pub fn replay_block(state: &mut State, fee_account: AccountId, pubdata: &[u8]) -> Result<Fr, RestoreError> {
    // Decoding touches no state, so a bad encoding needs no rollback.
    let ops = decode_block_pubdata(pubdata)?;
    let snapshot = state.clone();
    replay_ops(state, fee_account, &ops).inspect_err(|_| *state = snapshot)
}

/// Replay decoded ops and credit the fees; leaves `state` half-applied on error (callers roll back).
fn replay_ops(state: &mut State, fee_account: AccountId, ops: &[Op]) -> Result<Fr, RestoreError> {
    let mut slots = FeeSlots::default();
    let mut chunk = 0;
    for op in ops {
        let replayed = state.replay_op(op).map_err(|error| RestoreError::Op { chunk, op: *op, error })?;
        // Rules first, then the fee slot — the builder's order (docs/protocol.md §8.9).
        if let Some((token, amount)) = replayed.fee {
            let i = slots.slot_for(token).ok_or(RestoreError::FeeSlotsFull { chunk, token })?;
            slots.add(i, token, amount);
        }
        chunk += op.chunks();
    }
    // All FEE_SLOTS credits, unused ones by 0: in witness mode that is the circuit's fee updates.
    // The fee account is checked here, after the ops, as the circuit does (it may be created in
    // the block).
    for slot in slots.slots() {
        state
            .credit_fee(fee_account, slot.token, slot.amount)
            .map_err(|error| RestoreError::FeeCredit { fee_account, error })?;
    }
    Ok(state.root())
}

/// A state restored from genesis, block by block, each new root checked against L1's.
#[derive(Clone, Debug)]
pub struct Restorer {
    state: State,
    last_block: u32,
}

impl Restorer {
    /// Genesis (PROTOCOL §4) with `operator`'s fee account and the `tokens` listed on L1 (ETH is
    /// always listed), in [`UpdateMode::Fast`]. Replay does not consult the token list; it is kept
    /// so the restored state can serve a node.
    pub fn new(operator: Address, tokens: &[TokenId]) -> Result<Restorer, RestoreError> {
        let mut state = State::genesis(operator).map_err(RestoreError::Genesis)?;
        state.set_mode(UpdateMode::Fast);
        for &token in tokens {
            state.register_token(token).map_err(RestoreError::Genesis)?;
        }
        Ok(Restorer { state, last_block: 0 })
    }

    /// Continue from `state`, the state after block `last_block` (0 = genesis).
    pub fn from_state(state: State, last_block: u32) -> Restorer {
        Restorer { state, last_block }
    }

    /// Replay block `number` (must be the next one) and check its root against `expected_root`,
    /// the root L1 stores for it. On any error, a root mismatch included, the state is unchanged.
    pub fn apply_block(
        &mut self,
        number: u32,
        fee_account: AccountId,
        pubdata: &[u8],
        expected_root: &Fr,
    ) -> Result<(), RestoreError> {
        let next =
            self.last_block.checked_add(1).ok_or(RestoreError::OutOfOrder { expected: u32::MAX, got: number })?;
        if number != next {
            return Err(RestoreError::OutOfOrder { expected: next, got: number });
        }
        let ops = decode_block_pubdata(pubdata)?;
        let snapshot = self.state.clone();
        let result = replay_ops(&mut self.state, fee_account, &ops).and_then(|got| {
            if got == *expected_root {
                Ok(())
            } else {
                Err(RestoreError::RootMismatch { block: number, expected: *expected_root, got })
            }
        });
        match result {
            Ok(()) => self.last_block = number,
            Err(_) => self.state = snapshot,
        }
        result
    }

    /// Number of the last block applied (0 = genesis).
    pub fn last_block(&self) -> u32 {
        self.last_block
    }

    /// The current state root.
    pub fn root(&mut self) -> Fr {
        self.state.root()
    }

    /// The restored state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Take the restored state (e.g. to build exit proofs from its tree).
    pub fn into_state(self) -> State {
        self.state
    }
}
