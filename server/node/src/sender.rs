//! The L1 sender: moves sealed blocks through commit → prove → execute on L1, in block order, one
//! operator transaction at a time.
//!
//! L1 is the truth: every decision starts from the Rollup's counters (`totalBlocksCommitted`,
//! `…Proven`, `…Executed`), so after a restart the sender continues from what was mined. Every
//! transaction is stored — nonce, calldata, fees, signed bytes, hash — **before** it is broadcast;
//! a stored transaction without a receipt is followed until it is mined (re-broadcast as stored
//! after a restart, so nothing is signed twice for one nonce with other content), and replaced
//! with the same nonce and fees raised by `fee_bump_percent` (≥ 12.5 %, what nodes require) when
//! it is not mined within `tx_timeout`. "nonce too low" and "already known" are resolved by the
//! receipts of the stored attempts, not by guessing. A revert stops the pipeline loudly: the
//! decoded custom error goes to the logs and `/v1/status`, and nothing more is sent.
//!
//! Policy: blocks with a proof at commit time go in one `commitAndProveBlocks`; otherwise they
//! are committed as soon as they are sealed (their data is on L1 early) and proven later, several
//! proofs in one `proveBlocks` (batched pairing); proven blocks are executed. Withdrawn funds stay
//! in the L1 pending balances for their owners to withdraw (`withdrawPendingBalance`, open to
//! anyone) — the node spends no gas on payouts.

use crate::l1_task::{self, Failure, L1Task};
use crate::now_ms;
use crate::shared::Shared;
use crate::writer::{self, Job};
use alloy::primitives::{TxHash, U256};
use std::collections::BTreeMap;
use std::sync::mpsc::Sender as JobSender;
use std::sync::Arc;
use std::time::Duration;
use zkpay_l1::bindings::Rollup::StoredBlock;
use zkpay_l1::encode::{change_pubkey_witness, L1Payloads, StoredSealedBlock};
use zkpay_l1::operator::{commit_and_prove_calldata, commit_calldata, execute_calldata, prove_calldata};
use zkpay_l1::{Broadcast, L1Client, L1Error, OperatorL1};
use zkpay_storage::{
    BlockL1Record, HexHash, L1Attempt, L1Counters, L1TxKind, L1TxRecord, L1TxState, NodeStore, ProofRecord,
    StorageError, Write,
};

/// How the sender sends.
#[derive(Clone, Debug)]
pub struct SendPolicy {
    /// Most blocks in one transaction.
    pub max_blocks_per_tx: usize,
    /// Replace a transaction not mined after this long.
    pub tx_timeout: Duration,
    /// Fee raise of a replacement, percent (at least 13: nodes require 12.5 %).
    pub fee_bump_percent: u64,
    /// Tip, wei per gas.
    pub priority_fee: u128,
    /// The first attempt's fee cap, when set (tests: a cap under the base fee makes a stuck tx);
    /// otherwise twice the base fee plus the tip.
    pub initial_max_fee: Option<u128>,
    /// Pause between steps when there is nothing to do.
    pub poll: Duration,
}

#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error(transparent)]
    L1(#[from] L1Error),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("the node is stopping")]
    Stopping,
    /// A revert or a refusal that retrying cannot fix.
    #[error("{0}")]
    Halt(String),
}

/// The sender task.
pub struct L1Sender<S: NodeStore> {
    op: OperatorL1,
    l1: L1Client,
    store: Arc<S>,
    shared: Arc<Shared>,
    writer: JobSender<Job>,
    policy: SendPolicy,
    deployment_block: u64,
    genesis: Option<StoredBlock>,
    payloads: BTreeMap<u32, L1Payloads>,
}

fn tx_hash(h: &HexHash) -> TxHash {
    TxHash::from(h.0)
}

impl<S: NodeStore> L1Sender<S> {
    /// A sender; `deployment_block` is where the Rollup's events start (for the genesis block).
    pub fn new(
        op: OperatorL1,
        l1: L1Client,
        store: Arc<S>,
        shared: Arc<Shared>,
        writer: JobSender<Job>,
        policy: SendPolicy,
        deployment_block: u64,
    ) -> Self {
        L1Sender { op, l1, store, shared, writer, policy, deployment_block, genesis: None, payloads: BTreeMap::new() }
    }

    /// Run until cancelled or halted.
    pub async fn run(mut self) {
        match self.store.last_l1_tx() {
            Ok(Some(r)) if r.state == L1TxState::Pending => tracing::info!(
                nonce = r.nonce,
                kind = ?r.kind,
                first = r.first_block,
                last = r.last_block,
                "resuming a stored L1 transaction without a receipt: following it, nothing new is signed"
            ),
            _ => {}
        }
        let shared = self.shared.clone();
        l1_task::run(&mut self, &shared).await;
        tracing::info!("L1 sender stopped");
    }

    /// One step; `Ok(true)` when it did something (go on at once).
    async fn step(&mut self) -> Result<bool, SendError> {
        if let Some(record) = self.store.last_l1_tx()? {
            if record.state == L1TxState::Pending {
                return self.follow(record).await;
            }
        }
        let counters = self.read_counters().await?;
        if self.shared.exodus() {
            return Ok(false);
        }
        let sealed = self.shared.durable_block();
        if counters.committed > sealed {
            return Err(SendError::Halt(format!(
                "L1 has {} committed blocks, but this node sealed only {sealed}: wrong store for this deployment",
                counters.committed
            )));
        }
        let max = self.policy.max_blocks_per_tx.max(1) as u32;
        // Execute what is proven, prove what is committed, commit what is sealed.
        if counters.executed < counters.proven {
            let (first, last) = (counters.executed + 1, counters.proven.min(counters.executed + max));
            let mut blocks = Vec::new();
            for n in first..=last {
                blocks.push(self.payloads(n)?.execute.clone());
            }
            self.send(L1TxKind::Execute, first, last, execute_calldata(&blocks)).await?;
            return Ok(true);
        }
        if counters.proven < counters.committed {
            let proofs = self.proofs(counters.proven + 1, counters.committed.min(counters.proven + max))?;
            if !proofs.is_empty() {
                let first = counters.proven + 1;
                let last = first + proofs.len() as u32 - 1;
                let mut stored = Vec::new();
                for n in first..=last {
                    stored.push(self.payloads(n)?.stored.clone());
                }
                self.send(L1TxKind::Prove, first, last, prove_calldata(&stored, &proofs)).await?;
                return Ok(true);
            }
        }
        if counters.committed < sealed {
            let (first, last) = (counters.committed + 1, sealed.min(counters.committed + max));
            let last_stored = self.stored_of(counters.committed).await?;
            // `commitAndProveBlocks` needs every committed block proven first.
            let proofs = if counters.proven == counters.committed { self.proofs(first, last)? } else { Vec::new() };
            // With proofs for a prefix of the run, commit and prove that prefix in one go.
            let (kind, last, calldata) = if proofs.is_empty() {
                let commits = self.commits(first, last)?;
                (L1TxKind::Commit, last, commit_calldata(&last_stored, &commits))
            } else {
                let last = first + proofs.len() as u32 - 1;
                let commits = self.commits(first, last)?;
                (L1TxKind::CommitAndProve, last, commit_and_prove_calldata(&last_stored, &commits, &proofs))
            };
            self.send(kind, first, last, calldata).await?;
            return Ok(true);
        }
        Ok(false)
    }

    async fn read_counters(&mut self) -> Result<L1Counters, SendError> {
        let (committed, proven, executed) = self.l1.block_counters().await?;
        let counters = L1Counters { committed, proven, executed };
        if counters != self.shared.l1_counters() {
            self.durable(Write::L1Progress { counters, blocks: vec![] }).await?;
            self.shared.set_l1_counters(counters);
            tracing::info!(committed, proven, executed, "L1 blocks");
        }
        // Executed blocks' payloads are not needed again (block `executed` stays: the next
        // commit's `last` may be it).
        self.payloads = self.payloads.split_off(&executed);
        Ok(counters)
    }

    /// The stored form of block `n` as L1 keeps it (genesis from its `BlockCommit` event).
    async fn stored_of(&mut self, n: u32) -> Result<StoredBlock, SendError> {
        if n > 0 {
            return Ok(self.payloads(n)?.stored.clone());
        }
        if self.genesis.is_none() {
            let blocks = self.l1.committed_blocks(self.deployment_block).await?;
            let genesis =
                blocks.into_iter().next().ok_or_else(|| SendError::Halt("no genesis BlockCommit on L1".into()))?;
            self.genesis = Some(genesis.stored);
        }
        Ok(self.genesis.clone().expect("just set"))
    }

    fn commits(&mut self, first: u32, last: u32) -> Result<Vec<zkpay_l1::bindings::Rollup::CommitBlock>, SendError> {
        (first..=last).map(|n| Ok(self.payloads(n)?.commit.clone())).collect()
    }

    /// Proofs of the blocks `first..=last` that follow each other from `first`.
    fn proofs(&self, first: u32, last: u32) -> Result<Vec<[U256; 8]>, SendError> {
        let mut out = Vec::new();
        for (expect, p) in (first..=last).zip(self.store.proofs_from(first)?) {
            if p.block != expect {
                break;
            }
            out.push(proof_words(&p));
        }
        Ok(out)
    }

    /// The L1 payloads of sealed block `n`, from storage.
    fn payloads(&mut self, n: u32) -> Result<&L1Payloads, SendError> {
        if !self.payloads.contains_key(&n) {
            let record = self.store.block(n)?.ok_or_else(|| SendError::Halt(format!("block {n} is not in storage")))?;
            let mut witnesses = Vec::new();
            for hash in &record.txs {
                let tx = self
                    .store
                    .tx(&hash.0)?
                    .ok_or_else(|| SendError::Halt(format!("block {n}: tx 0x{} is missing", hex::encode(hash.0))))?;
                witnesses.extend(change_pubkey_witness(&tx.tx));
            }
            let sealed = StoredSealedBlock {
                number: record.number,
                chunks: record.chunks,
                timestamp: record.timestamp,
                fee_account: record.fee_account,
                new_root: record.new_root,
                commitment: record.commitment,
                priority_ops: record.priority_ops.len() as u64,
                pubdata: record.pubdata,
                change_pubkey_witnesses: witnesses,
            };
            let payloads = sealed.payloads().map_err(|e| SendError::Halt(format!("block {n}: pubdata: {e}")))?;
            self.payloads.insert(n, payloads);
        }
        Ok(&self.payloads[&n])
    }

    /// Store a new transaction, then broadcast it.
    async fn send(&mut self, kind: L1TxKind, first: u32, last: u32, calldata: Vec<u8>) -> Result<(), SendError> {
        let gas = match self.op.estimate_gas(&calldata).await {
            Ok(g) => g,
            Err(e @ L1Error::Reverted { .. }) => {
                return Err(SendError::Halt(format!("{kind:?} of blocks {first}..={last} would revert: {e}")))
            }
            Err(e) => return Err(e.into()),
        };
        let gas_limit = gas + gas / 5 + 10_000;
        let nonce = self.op.mined_nonce().await?;
        let (_, base_fee) = self.op.head().await?;
        let tip = self.policy.priority_fee;
        let max_fee = self.policy.initial_max_fee.unwrap_or(base_fee * 2 + tip);
        let tip = tip.min(max_fee);
        let (hash, raw) = self.op.sign(nonce, &calldata, gas_limit, max_fee, tip).await?;
        let record = L1TxRecord {
            nonce,
            kind,
            first_block: first,
            last_block: last,
            gas_limit,
            calldata,
            attempts: vec![L1Attempt {
                hash: HexHash(hash.0),
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: tip,
                raw: raw.clone(),
                sent_at: now_ms(),
            }],
            state: L1TxState::Pending,
        };
        self.durable(Write::L1Tx(record)).await?;
        tracing::info!(?kind, first, last, nonce, %hash, gas_limit, max_fee, "L1 transaction stored; broadcasting");
        self.broadcast(&raw).await
    }

    async fn broadcast(&self, raw: &[u8]) -> Result<(), SendError> {
        match self.op.broadcast(raw).await? {
            Broadcast::Accepted | Broadcast::NonceTooLow => Ok(()),
            Broadcast::Underpriced(m) => {
                // Not an error: the replacement after the timeout raises the fees.
                tracing::warn!(message = %m, "L1 node refused the fees; the transaction will be replaced");
                Ok(())
            }
        }
    }

    /// Follow a stored pending transaction: a receipt settles it; otherwise re-broadcast it,
    /// or replace it once it is overdue. `Ok(true)` when it settled.
    async fn follow(&mut self, mut record: L1TxRecord) -> Result<bool, SendError> {
        // Read before the receipts: if the nonce is used now, the receipts below show by whom.
        let nonce_used = self.op.mined_nonce().await? > record.nonce;
        for attempt in record.attempts.iter().rev() {
            let Some(receipt) = self.op.receipt(tx_hash(&attempt.hash)).await? else { continue };
            let hash = attempt.hash;
            if !receipt.success {
                let reason = match self.op.revert_reason(&record.calldata).await {
                    Some(r) => r.to_string(),
                    None => "reverted (no reason when called again)".to_string(),
                };
                record.state = L1TxState::Failed { hash: Some(hash), reason: reason.clone() };
                self.durable(Write::L1Tx(record.clone())).await?;
                return Err(SendError::Halt(format!(
                    "{:?} of blocks {}..={} (0x{}) reverted on L1: {reason}",
                    record.kind,
                    record.first_block,
                    record.last_block,
                    hex::encode(hash.0)
                )));
            }
            record.state = L1TxState::Mined { hash, l1_block: receipt.block };
            let (committed, proven, executed) = self.l1.block_counters().await?;
            let counters = L1Counters { committed, proven, executed };
            let mut blocks = Vec::new();
            for n in record.first_block..=record.last_block {
                let mut b = self.store.block_l1(n)?.unwrap_or(BlockL1Record { number: n, ..Default::default() });
                match record.kind {
                    L1TxKind::Commit => b.commit_tx = Some(hash),
                    L1TxKind::CommitAndProve => {
                        b.commit_tx = Some(hash);
                        b.prove_tx = Some(hash);
                    }
                    L1TxKind::Prove => b.prove_tx = Some(hash),
                    L1TxKind::Execute => b.execute_tx = Some(hash),
                }
                blocks.push(b);
            }
            tracing::info!(kind = ?record.kind, first = record.first_block, last = record.last_block, tx = %tx_hash(&hash), l1_block = receipt.block, gas_used = receipt.gas_used, "L1 transaction mined");
            let kind = format!("{:?}", record.kind).to_lowercase();
            self.durable_all(vec![Write::L1Tx(record), Write::L1Progress { counters, blocks }]).await?;
            zkpay_api::metrics::L1_GAS.with_label_values(&[kind.as_str()]).inc_by(receipt.gas_used);
            self.shared.set_l1_counters(counters);
            return Ok(true);
        }
        // Not mined (as far as the receipts tell).
        if nonce_used {
            // The nonce is used, but by none of the stored attempts (the operator key sent
            // something else): this transaction will never be mined. L1's counters decide what
            // is sent next.
            tracing::warn!(nonce = record.nonce, "the nonce was used by another transaction; dropping this one");
            record.state = L1TxState::Failed { hash: None, reason: "nonce used by another transaction".into() };
            self.durable(Write::L1Tx(record)).await?;
            return Ok(true);
        }
        let last = record.attempts.last().expect("a stored transaction has an attempt").clone();
        let overdue = now_ms().saturating_sub(last.sent_at) >= self.policy.tx_timeout.as_millis() as u64;
        if !overdue {
            self.broadcast(&last.raw).await?;
            return Ok(false);
        }
        let bump = |x: u128| x + (x * u128::from(self.policy.fee_bump_percent.max(13))).div_ceil(100);
        let (_, base_fee) = self.op.head().await?;
        let tip = bump(last.max_priority_fee_per_gas).max(self.policy.priority_fee);
        let max_fee = bump(last.max_fee_per_gas).max(base_fee * 2 + tip);
        let (hash, raw) = self.op.sign(record.nonce, &record.calldata, record.gas_limit, max_fee, tip).await?;
        record.attempts.push(L1Attempt {
            hash: HexHash(hash.0),
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            raw: raw.clone(),
            sent_at: now_ms(),
        });
        self.durable(Write::L1Tx(record.clone())).await?;
        tracing::warn!(nonce = record.nonce, %hash, max_fee, tip, attempt = record.attempts.len(), "L1 transaction not mined in time: replaced with higher fees");
        self.broadcast(&raw).await?;
        Ok(false)
    }

    async fn durable(&self, write: Write) -> Result<(), SendError> {
        self.durable_all(vec![write]).await
    }

    /// Writes through the storage writer, in order, waiting until all are on disk. (Not one
    /// batch: each is safe to repeat, and a restart between them repeats the first.)
    async fn durable_all(&self, writes: Vec<Write>) -> Result<(), SendError> {
        let wait = writer::durable(&self.writer, writes).ok_or(SendError::Stopping)?;
        wait.wait().await.map_err(|_| SendError::Stopping)
    }
}

impl<S: NodeStore> L1Task for L1Sender<S> {
    const NAME: &'static str = "sender";

    async fn step(&mut self) -> Result<Duration, Failure> {
        match L1Sender::step(self).await {
            Ok(true) => Ok(Duration::from_millis(20)),
            Ok(false) => Ok(self.policy.poll),
            Err(SendError::Stopping) => Err(Failure::Stopping),
            Err(SendError::Halt(reason)) => Err(Failure::Halt(reason)),
            Err(e) => Err(Failure::Retry(e.to_string())),
        }
    }
}

fn proof_words(p: &ProofRecord) -> [U256; 8] {
    std::array::from_fn(|i| p.proof.get(i).map_or(U256::ZERO, |w| U256::from_be_bytes(w.0)))
}
