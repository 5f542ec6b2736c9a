//! What the contracts take and emit, from and to `zkpay-core` types: a sealed [`Block`] becomes the
//! `CommitBlock` of `commitBlocks`, the `StoredBlock` L1 keeps (docs/protocol.md §13.1) and the
//! `ExecuteBlock` of `executeBlocks`; a `NewPriorityRequest` event becomes a core [`PriorityOp`].
//! Pure functions: no I/O.

use super::bindings::Rollup::{CommitBlock, ExecuteBlock, NewPriorityRequest, OnchainOperationData, StoredBlock};
use alloy::primitives::{keccak256, Address as EthAddress, Bytes, B256, U256};
use zkpay_core::block::Block;
use zkpay_core::field::{fr_from_be_bytes, fr_to_be_bytes, Fr};
use zkpay_core::ops::{Op, PubdataError};
use zkpay_core::params::CHUNK_BYTES;
use zkpay_core::tx::{ChangePubKeyAuth, L1PubdataError, L2Tx, PriorityOp, PriorityOpData};
use zkpay_core::types::Address;

/// A field element as the contracts' `bytes32` (big-endian).
pub fn fr_to_b256(x: &Fr) -> B256 {
    B256::from(fr_to_be_bytes(x))
}

/// A `bytes32` root from L1 as a field element; `None` if it is not below the field modulus.
pub fn b256_to_fr(x: &B256) -> Option<Fr> {
    fr_from_be_bytes(&x.0).ok()
}

/// A core address as an alloy one.
pub fn eth_address(a: &Address) -> EthAddress {
    EthAddress::from(a.0)
}

/// An alloy address as a core one.
pub fn core_address(a: &EthAddress) -> Address {
    Address(a.0 .0)
}

/// The ops of `block` with the byte offset of each in the pubdata.
fn ops_with_offsets(block: &Block) -> impl Iterator<Item = (usize, &Op)> {
    block.ops.iter().scan(0usize, |offset, op| {
        let at = *offset;
        *offset += op.chunks() * CHUNK_BYTES;
        Some((at, op))
    })
}

/// Whether `op` pays out on L1 at execution (Withdraw, FullExit, ForcedExit — even of 0).
pub fn is_payout(op: &Op) -> bool {
    matches!(op, Op::Withdraw(_) | Op::FullExit(_) | Op::ForcedExit(_))
}

/// The padded pubdata of each payout op of `block`, in block order: `executeBlocks`'
/// `pendingOnchainOpsPubdata`.
pub fn payout_pubdata(block: &Block) -> Result<Vec<Bytes>, PubdataError> {
    block.ops.iter().filter(|op| is_payout(op)).map(|op| op.encode().map(Bytes::from)).collect()
}

/// The keccak chain over the payout ops: `h_0 = 0`, `h_i = keccak256(h_{i−1} ‖ op_i)`.
pub fn pending_onchain_ops_hash(payouts: &[Bytes]) -> B256 {
    payouts.iter().fold(B256::ZERO, |h, op| {
        let mut buf = Vec::with_capacity(32 + op.len());
        buf.extend_from_slice(h.as_slice());
        buf.extend_from_slice(op);
        keccak256(&buf)
    })
}

/// The `StoredBlock` L1 keeps for `block` once it is committed.
pub fn stored_block(block: &Block) -> Result<StoredBlock, PubdataError> {
    Ok(StoredBlock {
        blockNumber: block.header.number,
        chunks: block.header.chunks as u32,
        priorityOperations: block.priority_ops as u64,
        pendingOnchainOpsHash: pending_onchain_ops_hash(&payout_pubdata(block)?),
        timestamp: block.header.timestamp,
        stateRoot: fr_to_b256(&block.new_root),
        commitment: B256::from(block.commitment),
    })
}

/// The `CommitBlock` of `block`: every onchain op listed by offset, each ChangePubKey with its
/// EIP-712 signature as `ethWitness` (empty for onchain-fact authorization and for other ops).
/// The signature comes from `block.applied[i].tx`, which blocks sealed by `BlockBuilder` have; a
/// ChangePubKey without it is committed as authorized by an onchain fact.
pub fn commit_block(block: &Block) -> CommitBlock {
    let onchain = ops_with_offsets(block)
        .enumerate()
        .filter(|(_, (_, op))| op.is_onchain())
        .map(|(i, (offset, _))| {
            let witness = match block.applied.get(i).and_then(|a| a.tx.as_ref()) {
                Some(L2Tx::ChangePubKey(cpk)) => match &cpk.auth {
                    ChangePubKeyAuth::Eip712 { signature } => signature.clone(),
                    ChangePubKeyAuth::Onchain => Vec::new(),
                },
                _ => Vec::new(),
            };
            OnchainOperationData { ethWitness: Bytes::from(witness), publicDataOffset: offset as u32 }
        })
        .collect();
    CommitBlock {
        blockNumber: block.header.number,
        feeAccount: block.header.fee_account,
        newStateRoot: fr_to_b256(&block.new_root),
        timestamp: block.header.timestamp,
        publicData: Bytes::from(block.pubdata.clone()),
        onchainOperations: onchain,
    }
}

/// The `ExecuteBlock` of `block`: its stored form and its payout ops.
pub fn execute_block(block: &Block) -> Result<ExecuteBlock, PubdataError> {
    Ok(ExecuteBlock { storedBlock: stored_block(block)?, pendingOnchainOpsPubdata: payout_pubdata(block)? })
}

/// A sealed block as the node stores it, with what L1 needs of it: the header fields, the pubdata
/// and the EIP-712 signatures of its ChangePubKeys (the only ops whose `ethWitness` is not empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSealedBlock {
    /// Number.
    pub number: u32,
    /// Size in chunks.
    pub chunks: usize,
    /// Timestamp.
    pub timestamp: u64,
    /// Fee account.
    pub fee_account: u32,
    /// New root (big-endian).
    pub new_root: [u8; 32],
    /// Commitment.
    pub commitment: [u8; 32],
    /// Priority ops in it.
    pub priority_ops: u64,
    /// Pubdata.
    pub pubdata: Vec<u8>,
    /// The `ethWitness` of each ChangePubKey, in block order (empty for onchain authorization).
    pub change_pubkey_witnesses: Vec<Vec<u8>>,
}

/// The L1 payloads of a stored block: what `commitBlocks`, `proveBlocks` and `executeBlocks` take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L1Payloads {
    /// For `commitBlocks` / `commitAndProveBlocks`.
    pub commit: CommitBlock,
    /// What L1 stores once it is committed (`proveBlocks`, the next commit's `last`).
    pub stored: StoredBlock,
    /// For `executeBlocks`.
    pub execute: ExecuteBlock,
}

impl StoredSealedBlock {
    /// Its L1 payloads, from its pubdata (the same as [`commit_block`], [`stored_block`] and
    /// [`execute_block`] of the core block it was sealed as).
    pub fn payloads(&self) -> Result<L1Payloads, PubdataError> {
        let ops = zkpay_core::ops::decode_block_pubdata(&self.pubdata)?;
        let mut witnesses = self.change_pubkey_witnesses.iter();
        let mut offset = 0usize;
        let mut onchain = Vec::new();
        let mut payouts = Vec::new();
        for op in &ops {
            if op.is_onchain() {
                let witness = match op {
                    Op::ChangePubKey(_) => witnesses.next().cloned().unwrap_or_default(),
                    _ => Vec::new(),
                };
                onchain
                    .push(OnchainOperationData { ethWitness: Bytes::from(witness), publicDataOffset: offset as u32 });
            }
            if is_payout(op) {
                payouts.push(Bytes::from(op.encode()?));
            }
            offset += op.chunks() * CHUNK_BYTES;
        }
        let stored = StoredBlock {
            blockNumber: self.number,
            chunks: self.chunks as u32,
            priorityOperations: self.priority_ops,
            pendingOnchainOpsHash: pending_onchain_ops_hash(&payouts),
            timestamp: self.timestamp,
            stateRoot: B256::from(self.new_root),
            commitment: B256::from(self.commitment),
        };
        let commit = CommitBlock {
            blockNumber: self.number,
            feeAccount: self.fee_account,
            newStateRoot: B256::from(self.new_root),
            timestamp: self.timestamp,
            publicData: Bytes::from(self.pubdata.clone()),
            onchainOperations: onchain,
        };
        let execute = ExecuteBlock { storedBlock: stored.clone(), pendingOnchainOpsPubdata: payouts };
        Ok(L1Payloads { commit, stored, execute })
    }
}

/// The `ethWitness` of a ChangePubKey tx (its EIP-712 signature; empty for onchain authorization).
pub fn change_pubkey_witness(tx: &L2Tx) -> Option<Vec<u8>> {
    match tx {
        L2Tx::ChangePubKey(cpk) => Some(match &cpk.auth {
            ChangePubKeyAuth::Eip712 { signature } => signature.clone(),
            ChangePubKeyAuth::Onchain => Vec::new(),
        }),
        _ => None,
    }
}

/// The priority request a `NewPriorityRequest` event announces, as core takes it.
pub fn priority_op(event: &NewPriorityRequest) -> Result<PriorityOp, L1PubdataError> {
    let data = PriorityOpData::from_l1_pubdata(&event.pubdata, core_address(&event.sender))?;
    Ok(PriorityOp { serial_id: event.serialId, data, expiration_block: event.expirationBlock })
}

/// A Groth16 proof in the contracts' `uint256[8]` (docs/protocol.md §12) as alloy words.
pub fn proof_words(words: &[[u8; 32]; 8]) -> [U256; 8] {
    words.map(U256::from_be_bytes)
}
