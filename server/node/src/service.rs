//! [`NodeApi`] for the node: reads from storage and the published counters, writes through the
//! sequencer's bounded channel (a full channel is a 503). Signatures are verified here, on the
//! blocking pool, so the sequencer's thread only applies rules.

use crate::prover_pool::ProverPool;
use crate::rules::tx_error;
use crate::sequencer::Command;
use crate::shared::Shared;
use serde_json::json;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use tokio::sync::oneshot;
use zkpay_api::{AccountRef, NodeApi};
use zkpay_api_types::*;
use zkpay_core::state::VerifiedTx;
use zkpay_core::tx::L2Tx;
use zkpay_storage::{HexHash, NodeStore, PriorityRecord, PriorityStatus, StorageError, TxRecord};

/// The prover routes' access: the pool (when the L1 pipeline runs) and the workers' token.
pub struct ProverAccess {
    /// The pool.
    pub pool: Option<Arc<ProverPool>>,
    /// The bearer token (empty: every request is refused).
    pub token: String,
}

/// The node as the API sees it.
pub struct NodeService<S: NodeStore> {
    store: Arc<S>,
    shared: Arc<Shared>,
    commands: SyncSender<Command>,
    genesis_root: [u8; 32],
    prover: ProverAccess,
}

impl<S: NodeStore> NodeService<S> {
    /// A service over `store`, sending to the sequencer through `commands`.
    pub fn new(
        store: Arc<S>,
        shared: Arc<Shared>,
        commands: SyncSender<Command>,
        genesis_root: [u8; 32],
        prover: ProverAccess,
    ) -> Self {
        NodeService { store, shared, commands, genesis_root, prover }
    }

    /// The pool, for a request with the right token.
    fn pool(&self, token: Option<String>) -> Result<Arc<ProverPool>, ApiError> {
        let expected = self.prover.token.as_bytes();
        let given = token.unwrap_or_default();
        // Length and content compared without an early exit on the first differing byte.
        let same = !expected.is_empty()
            && given.len() == expected.len()
            && given.bytes().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Err(ApiError::new(ErrorCode::Unauthorized, "the prover routes need the node's bearer token"));
        }
        self.prover
            .pool
            .clone()
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this node does not prove: its L1 pipeline is off"))
    }

    /// The L1 transactions of block `n`'s life.
    fn l1_txs(&self, n: u32) -> Result<L1Txs, ApiError> {
        let hex = |h: Option<HexHash>| h.map(|h| hex32(&h.0));
        Ok(match self.store.block_l1(n).map_err(internal)? {
            Some(b) => L1Txs {
                commit_tx_hash: hex(b.commit_tx),
                prove_tx_hash: hex(b.prove_tx),
                execute_tx_hash: hex(b.execute_tx),
            },
            None => L1Txs::default(),
        })
    }

    fn enqueue(&self, cmd: Command) -> Result<(), ApiError> {
        if self.shared.cancel.is_cancelled() {
            return Err(ApiError::new(ErrorCode::Unavailable, "the node is shutting down"));
        }
        self.commands.try_send(cmd).map_err(|e| match e {
            TrySendError::Full(_) => {
                ApiError::new(ErrorCode::Unavailable, "the node is busy: its queue is full; retry shortly")
            }
            TrySendError::Disconnected(_) => ApiError::new(ErrorCode::Unavailable, "the node is shutting down"),
        })
    }
}

fn internal(e: StorageError) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("storage: {e}"))
}

fn hex32(b: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(b))
}

fn tx_info(r: TxRecord, status: TxStatus, l1: L1Txs) -> TxInfo {
    TxInfo {
        hash: hex32(&r.hash.0),
        tx: r.tx,
        status,
        block: r.block,
        rejection: r.rejection,
        batch_id: r.batch_id,
        received_at: r.received_at,
        l1,
    }
}

/// Hash, duplicate check and signature check of each tx (blocking: runs on the blocking pool).
fn verify_all<S: NodeStore>(
    store: &S,
    shared: &Shared,
    txs: Vec<L2Tx>,
    bytes: usize,
) -> Result<Vec<(VerifiedTx, [u8; 32], usize)>, ApiError> {
    let batch = txs.len() > 1;
    let per_tx = bytes / txs.len().max(1);
    let at = |index: usize, mut e: ApiError| {
        if batch {
            e.message = format!("batch tx {index}: {}", e.message);
            if let Some(d) = e.details.as_object_mut() {
                d.insert("index".into(), index.into());
            }
        }
        e
    };
    let mut out = Vec::with_capacity(txs.len());
    for (index, tx) in txs.into_iter().enumerate() {
        let hash = tx.tx_hash(&shared.domain).map_err(|e| at(index, tx_error(&e)))?;
        if let Some(existing) = store.tx(&hash).map_err(internal)? {
            return Err(at(
                index,
                ApiError::new(ErrorCode::DuplicateTx, "this tx was already accepted")
                    .with_details(json!({ "hash": hex32(&hash), "status": existing.status })),
            ));
        }
        let verified = VerifiedTx::verify(tx, &shared.domain).map_err(|e| at(index, tx_error(&e)))?;
        out.push((verified, hash, per_tx));
    }
    Ok(out)
}

impl<S: NodeStore> NodeApi for NodeService<S> {
    async fn submit(&self, txs: Vec<L2Tx>, batch: bool, bytes: usize) -> Result<SubmitResponse, ApiError> {
        if self.shared.exodus() {
            return Err(ApiError::new(
                ErrorCode::Unavailable,
                "the Rollup is in exodus mode: no more L2 txs; exit with `zkpay exit`",
            ));
        }
        let (store, shared) = (self.store.clone(), self.shared.clone());
        let verified = tokio::task::spawn_blocking(move || verify_all(&*store, &shared, txs, bytes))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("verifier task: {e}")))??;
        let (reply, answer) = oneshot::channel();
        self.enqueue(Command::Submit { txs: verified, batch, reply })?;
        answer
            .await
            .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the node stopped before the txs were durable"))?
    }

    async fn tx(&self, hash: [u8; 32]) -> Result<TxInfo, ApiError> {
        let r = self
            .store
            .tx(&hash)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no tx {}", hex32(&hash))))?;
        let (status, l1) = match (r.status, r.block) {
            (TxStatus::Included, Some(n)) => (TxStatus::of_block(self.shared.block_status(n)), self.l1_txs(n)?),
            (s, _) => (s, L1Txs::default()),
        };
        Ok(tx_info(r, status, l1))
    }

    async fn account(&self, account: AccountRef) -> Result<AccountInfo, ApiError> {
        let id = match account {
            AccountRef::Id(id) => Some(id),
            AccountRef::Address(a) => self.store.account_id(&a).map_err(internal)?,
        };
        let record = match id {
            Some(id) => self.store.account(id).map_err(internal)?,
            None => None,
        };
        let r = record.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such account (in a sealed block)"))?;
        Ok(AccountInfo {
            id: r.id,
            address: r.address,
            nonce: r.nonce,
            pending_nonce: self.shared.pending_nonce(r.id).unwrap_or(r.nonce).max(r.nonce),
            pub_key_hash: r.pub_key_hash,
            balances: r.balances.iter().filter(|b| b.amount != 0).map(|b| (b.token, Amount(b.amount))).collect(),
        })
    }

    async fn block(&self, number: u32) -> Result<BlockInfo, ApiError> {
        let b = self
            .store
            .block(number)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no sealed block {number}")))?;
        Ok(BlockInfo {
            number: b.number,
            chunks: b.chunks,
            timestamp: b.timestamp,
            fee_account: b.fee_account,
            old_root: hex32(&b.old_root),
            new_root: hex32(&b.new_root),
            commitment: hex32(&b.commitment),
            tx_hashes: b.txs.iter().map(|h| hex32(&h.0)).collect(),
            priority_ops: b.priority_ops.iter().map(|s| Serial(*s)).collect(),
            status: self.shared.block_status(b.number),
            l1: self.l1_txs(b.number)?,
        })
    }

    async fn status(&self) -> Result<NodeStatus, ApiError> {
        let last = self.store.last_block().map_err(internal)?;
        let root = match last {
            0 => self.genesis_root,
            n => self.store.block(n).map_err(internal)?.map(|b| b.new_root).unwrap_or(self.genesis_root),
        };
        let (txs, bytes, pending, _) = self.shared.queues();
        Ok(NodeStatus {
            chain_id: self.shared.domain.chain_id,
            rollup: self.shared.domain.rollup,
            last_block: last,
            root: hex32(&root),
            mempool_txs: txs,
            mempool_bytes: bytes,
            pending_priority_ops: pending,
            block_sizes: self.shared.block_sizes.clone(),
            pipeline: self.shared.pipeline(),
        })
    }

    async fn feed_priority_op(&self, op: PriorityOpSubmission) -> Result<(), ApiError> {
        if !self.shared.dev_feed {
            return Err(ApiError::new(ErrorCode::NotFound, "the dev priority feed is off (dev_feed = false)"));
        }
        let hex = op.l1_tx_hash.strip_prefix("0x").unwrap_or(&op.l1_tx_hash);
        let mut l1_tx_hash = [0u8; 32];
        hex::decode_to_slice(hex, &mut l1_tx_hash)
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "l1TxHash is not a 32-byte 0x-hex hash"))?;
        let record = PriorityRecord {
            op: op.op,
            l1_tx_hash: HexHash(l1_tx_hash),
            log_index: op.log_index,
            status: PriorityStatus::Pending,
        };
        let (reply, answer) = oneshot::channel();
        self.enqueue(Command::Priority { record, reply })?;
        answer.await.map_err(|_| ApiError::new(ErrorCode::Unavailable, "the node stopped before the op was durable"))?
    }

    async fn priority_op(&self, serial: u64) -> Result<PriorityOpInfo, ApiError> {
        let p = self
            .store
            .priority_op(serial)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no priority op {serial} (yet)")))?;
        let (status, block, l1) = match p.status {
            PriorityStatus::Pending => (TxStatus::Queued, None, L1Txs::default()),
            PriorityStatus::Included { block } => {
                (TxStatus::of_block(self.shared.block_status(block)), Some(block), self.l1_txs(block)?)
            }
        };
        Ok(PriorityOpInfo { op: p.op, l1_tx_hash: hex32(&p.l1_tx_hash.0), log_index: p.log_index, status, block, l1 })
    }

    async fn prover_lease(&self, token: Option<String>, request: LeaseRequest) -> Result<Option<ProverJob>, ApiError> {
        let pool = self.pool(token)?;
        let job = tokio::task::spawn_blocking(move || {
            pool.lease(&request.worker, &request.block_sizes).map(|l| (l, pool.lease_duration()))
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("lease task: {e}")))?;
        let Some((job, lease)) = job else { return Ok(None) };
        let witness = tokio::task::spawn_blocking(move || format!("0x{}", hex::encode(job.witness.encode())))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("witness encoding: {e}")))?;
        Ok(Some(ProverJob {
            lease_id: job.lease_id,
            block: job.block,
            chunks: job.chunks,
            lease_ms: lease.as_millis() as u64,
            witness,
        }))
    }

    async fn prover_heartbeat(&self, token: Option<String>, heartbeat: LeaseHeartbeat) -> Result<(), ApiError> {
        self.pool(token)?.heartbeat(heartbeat.lease_id).map(|_| ())
    }

    async fn prover_submit(&self, token: Option<String>, proof: ProofSubmission) -> Result<u32, ApiError> {
        let pool = self.pool(token)?;
        if proof.proof.len() != 8 {
            return Err(ApiError::new(ErrorCode::InvalidRequest, "a proof is eight 0x-hex 32-byte words"));
        }
        let mut words = [[0u8; 32]; 8];
        for (w, s) in words.iter_mut().zip(&proof.proof) {
            hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), w)
                .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, format!("{s:?} is not a 32-byte 0x-hex word")))?;
        }
        // Verification is a pairing check (milliseconds) and the store write is synced.
        tokio::task::spawn_blocking(move || pool.submit(proof.lease_id, words))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("proof task: {e}")))?
    }
}
