//! Data restore from L1 alone (PROTOCOL §12, docs/protocol.md §10.6): what a user runs when the
//! operator is gone. The stored blocks come from `BlockCommit`/`BlocksRevert` events, each block's
//! pubdata and fee account from the calldata of the transaction that committed it
//! (`commitBlocks` or `commitAndProveBlocks`, called directly: the Rollup refuses any other commit,
//! `CommitNotDirect`, docs/protocol.md §13.2), the genesis from the operator's
//! address checked against block 0's stored root; `zkpay_core::restore::Restorer` replays every
//! executed block and checks each restored root against the one L1 stores.

use super::bindings::Rollup::{self, CommitBlock, StoredBlock};
use super::client::{CommittedBlock, L1Client};
use super::encode::{b256_to_fr, core_address, fr_to_b256};
use super::error::L1Error;
use alloy::consensus::Transaction as _;
use alloy::primitives::{Address as EthAddress, TxHash, B256};
use alloy::providers::Provider;
use alloy::sol_types::SolCall;
use std::collections::HashMap;
use zkpay_core::restore::{RestoreError, Restorer};

/// Why the state could not be restored from L1.
#[derive(Debug, thiserror::Error)]
pub enum RestoreFromL1Error {
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// L1 has no genesis block (`BlockCommit(0)`) at or after the given start block.
    #[error("no genesis BlockCommit(0) found: is this a zkpay Rollup, and did the scan start before its deployment?")]
    NoGenesis,
    /// The deployment lists no validator to take as the operator, and none was given.
    #[error("no operator address given and Governance lists no validator")]
    NoOperator,
    /// The genesis of `operator` does not have the root block 0 stores.
    #[error("the genesis of operator {operator} has root {ours}, but L1 stores {l1}: wrong operator address")]
    GenesisMismatch {
        /// The operator tried.
        operator: EthAddress,
        /// Block 0's stored root.
        l1: B256,
        /// The root of that operator's genesis.
        ours: B256,
    },
    /// A root stored on L1 is not a field element (no proven block can have it).
    #[error("block {0}: the stored root is not a field element")]
    RootNotInField(u32),
    /// The block's commit transaction is not a direct `commitBlocks`/`commitAndProveBlocks` call,
    /// so its pubdata cannot be read from the calldata. The Rollup refuses commits that are not
    /// their transaction's top-level call by a plain EOA (`CommitNotDirect`), so this means the
    /// address is not such a Rollup (or the node answers with another transaction).
    #[error("block {block}: commit transaction {tx} is not a direct commitBlocks/commitAndProveBlocks call")]
    NotACommitCall {
        /// The block.
        block: u32,
        /// Its commit transaction.
        tx: TxHash,
    },
    /// The commit transaction's calldata does not hold the block.
    #[error("block {block}: not in the calldata of its commit transaction {tx}")]
    BlockNotInCalldata {
        /// The block.
        block: u32,
        /// Its commit transaction.
        tx: TxHash,
    },
    /// Replaying the block failed, or its restored root differs from L1's.
    #[error("block {block}: {source}")]
    Replay {
        /// The block.
        block: u32,
        /// What failed.
        source: RestoreError,
    },
}

/// The state as of the last executed block, restored from L1.
pub struct Restored {
    /// The replayed state (build exit proofs from `restorer.state().tree()`).
    pub restorer: Restorer,
    /// The stored form of the last executed block (what `performExodus` takes).
    pub last_executed: StoredBlock,
    /// The operator whose genesis the replay started from.
    pub operator: EthAddress,
    /// The ERC-20s listed in Governance, `(token id, address)` (ETH, id 0, is not among them).
    pub tokens: Vec<(u16, EthAddress)>,
}

/// The blocks a `commitBlocks` or `commitAndProveBlocks` calldata commits; `None` for other calldata.
pub fn committed_in_calldata(input: &[u8]) -> Option<Vec<CommitBlock>> {
    if let Ok(call) = Rollup::commitBlocksCall::abi_decode(input) {
        return Some(call.blocks);
    }
    if let Ok(call) = Rollup::commitAndProveBlocksCall::abi_decode(input) {
        return Some(call.blocks);
    }
    None
}

/// Restore the state of the last executed block of `client`'s Rollup, reading history from L1
/// block `from` on (the deployment block, or 0). `operator` is the genesis fee account's address;
/// `None` takes the first validator Governance activated (the DeployFactory's), and either way
/// the genesis must have the root L1 stores for block 0.
pub async fn restore_from_l1(
    client: &L1Client,
    from: u64,
    operator: Option<EthAddress>,
) -> Result<Restored, RestoreFromL1Error> {
    let blocks = client.committed_blocks(from).await?;
    let genesis = blocks.first().ok_or(RestoreFromL1Error::NoGenesis)?;
    let (_, _, executed) = client.block_counters().await?;
    let operator = match operator {
        Some(a) => a,
        None => *client.activated_validators(from).await?.first().ok_or(RestoreFromL1Error::NoOperator)?,
    };
    let tokens = client.listed_tokens(from).await?;
    let token_ids: Vec<u16> = tokens.iter().map(|(id, _)| *id).collect();
    let mut restorer = Restorer::new(core_address(&operator), &token_ids)
        .map_err(|source| RestoreFromL1Error::Replay { block: 0, source })?;
    let ours = fr_to_b256(&restorer.root());
    if ours != genesis.stored.stateRoot {
        return Err(RestoreFromL1Error::GenesisMismatch { operator, l1: genesis.stored.stateRoot, ours });
    }

    // A commit transaction may hold several blocks: decode each transaction once.
    let mut calldata: HashMap<TxHash, Vec<CommitBlock>> = HashMap::new();
    for number in 1..=executed {
        let CommittedBlock { stored, tx } = blocks
            .get(number as usize)
            .ok_or_else(|| L1Error::Data(format!("block {number} is executed but has no BlockCommit event")))?;
        if !calldata.contains_key(tx) {
            let transaction = client
                .provider()
                .get_transaction_by_hash(*tx)
                .await
                .map_err(|e| L1Error::rpc("eth_getTransactionByHash", e))?
                .ok_or_else(|| L1Error::Data(format!("commit transaction {tx} of block {number} not found")))?;
            let committed = committed_in_calldata(transaction.input())
                .ok_or(RestoreFromL1Error::NotACommitCall { block: number, tx: *tx })?;
            calldata.insert(*tx, committed);
        }
        let block = calldata[tx]
            .iter()
            .find(|b| b.blockNumber == number)
            .ok_or(RestoreFromL1Error::BlockNotInCalldata { block: number, tx: *tx })?;
        let expected = b256_to_fr(&stored.stateRoot).ok_or(RestoreFromL1Error::RootNotInField(number))?;
        restorer
            .apply_block(number, block.feeAccount, &block.publicData, &expected)
            .map_err(|source| RestoreFromL1Error::Replay { block: number, source })?;
    }
    let last_executed = blocks[executed as usize].stored.clone();
    Ok(Restored { restorer, last_executed, operator, tokens })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Bytes, U256};

    fn commit(number: u32) -> CommitBlock {
        CommitBlock {
            blockNumber: number,
            feeAccount: 3,
            newStateRoot: B256::repeat_byte(1),
            timestamp: 1_700_000_000,
            publicData: Bytes::from(vec![0u8; 80]),
            onchainOperations: vec![],
        }
    }

    #[test]
    fn commit_calldata_of_both_entry_points_decodes_and_other_calldata_does_not() {
        let last = StoredBlock {
            blockNumber: 0,
            chunks: 0,
            priorityOperations: 0,
            pendingOnchainOpsHash: B256::ZERO,
            timestamp: 1,
            stateRoot: B256::ZERO,
            commitment: B256::ZERO,
        };
        let plain = Rollup::commitBlocksCall { lastCommitted: last.clone(), blocks: vec![commit(1), commit(2)] };
        assert_eq!(committed_in_calldata(&plain.abi_encode()), Some(vec![commit(1), commit(2)]));
        let proven = Rollup::commitAndProveBlocksCall {
            lastCommitted: last.clone(),
            blocks: vec![commit(1)],
            proofs: vec![[U256::from(1); 8]],
        };
        assert_eq!(committed_in_calldata(&proven.abi_encode()), Some(vec![commit(1)]));
        let prove = Rollup::proveBlocksCall { blocks: vec![last], proofs: vec![] };
        assert_eq!(committed_in_calldata(&prove.abi_encode()), None);
        let encoded = plain.abi_encode();
        assert_eq!(committed_in_calldata(&encoded[..encoded.len() - 32]), None, "truncated calldata");
    }
}
