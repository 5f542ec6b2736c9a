//! The sequencer: the only owner of the L2 [`State`] and the [`Mempool`]. One thread, fed through
//! a bounded channel: it admits txs (the API verified their signatures beforehand, off this
//! thread), takes priority ops in serial order, and seals blocks — when a block is full, or
//! `timeout` after its first tx — at the smallest size with keys that fits. Every change goes to
//! the storage writer in order; replies wait for the synced write.

use crate::mempool::{Entry, Mempool};
use crate::now_ms;
use crate::rules::{apply_error, op_chunks, Admission};
use crate::shared::Shared;
use crate::writer::{Done, Job};
use std::collections::{HashSet, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use zkpay_api_types::{ApiError, ErrorCode, Rejection, SubmitResponse, TxStatus};
use zkpay_core::block::{BlockBuilder, BlockError, BlockHeader};
use zkpay_core::field::fr_to_be_bytes;
use zkpay_core::ops::Op;
use zkpay_core::state::{ApplyError, State, VerifiedTx};
use zkpay_core::tx::Domain;
use zkpay_core::types::AccountId;
use zkpay_storage::{
    AccountRecord, Balance, BlockRecord, HexHash, MempoolRecord, PriorityRecord, PriorityStatus, SealedBlock, TxRecord,
    Write,
};

/// A request to the sequencer.
pub enum Command {
    /// Admit txs (an atomic batch when `batch`): each with its hash and JSON size.
    Submit {
        /// The txs, signatures verified.
        txs: Vec<(VerifiedTx, [u8; 32], usize)>,
        /// Atomic batch.
        batch: bool,
        /// The answer, sent once the txs are durable.
        reply: oneshot::Sender<Result<SubmitResponse, ApiError>>,
    },
    /// A priority op, in serial order.
    Priority {
        /// The op as L1 (or the dev feed) gave it.
        record: PriorityRecord,
        /// Answered once it is durable.
        reply: oneshot::Sender<Result<(), ApiError>>,
    },
}

/// How the sequencer seals.
#[derive(Clone, Debug)]
pub struct SealPolicy {
    /// Sizes with keys, ascending.
    pub sizes: Vec<usize>,
    /// Seal this long after the first work of a block arrived.
    pub timeout: Duration,
    /// Fee account.
    pub fee_account: AccountId,
}

/// The sequencer's state between commands.
pub struct Sequencer {
    state: State,
    mempool: Mempool,
    priority: VecDeque<PriorityRecord>,
    next_serial: u64,
    admission: Admission,
    policy: SealPolicy,
    domain: Domain,
    shared: Arc<Shared>,
    writer: Sender<Job>,
    last_block: u32,
    last_timestamp: u64,
    next_seq: u64,
    next_history_seq: u64,
    next_batch_id: u64,
    /// When the oldest unsealed work arrived.
    open_since: Option<Instant>,
    /// Estimated chunks of the queued work.
    queued_chunks: usize,
    /// The last seal attempt found nothing to include: wait for new work or the timeout.
    stalled: bool,
}

/// Where the sequencer starts from (what storage held).
pub struct SequencerStart {
    /// The state after the last sealed block (fast mode).
    pub state: State,
    /// Queued txs, in arrival order.
    pub mempool: Vec<Entry>,
    /// Priority ops not yet in a block, in serial order.
    pub priority: Vec<PriorityRecord>,
    /// Next expected priority serial id.
    pub next_serial: u64,
    /// Last sealed block and its timestamp.
    pub last_block: (u32, u64),
    /// Counters.
    pub next_seq: u64,
    /// History sequence.
    pub next_history_seq: u64,
    /// Batch ids.
    pub next_batch_id: u64,
}

fn op_chunks_estimate(e: &Entry, state: &State) -> usize {
    op_chunks(e.tx.tx(), state)
}

impl Sequencer {
    /// A sequencer from what storage held.
    pub fn new(
        start: SequencerStart,
        admission: Admission,
        policy: SealPolicy,
        shared: Arc<Shared>,
        writer: Sender<Job>,
    ) -> Sequencer {
        let mut mempool = Mempool::default();
        let mut queued_chunks = 0;
        for e in start.mempool {
            queued_chunks += op_chunks_estimate(&e, &start.state);
            mempool.insert(e);
        }
        let s = Sequencer {
            domain: shared.domain,
            queued_chunks: queued_chunks + 5 * start.priority.len(),
            open_since: (!mempool.is_empty() || !start.priority.is_empty()).then(Instant::now),
            state: start.state,
            mempool,
            priority: start.priority.into(),
            next_serial: start.next_serial,
            admission,
            policy,
            shared,
            writer,
            last_block: start.last_block.0,
            last_timestamp: start.last_block.1,
            next_seq: start.next_seq,
            next_history_seq: start.next_history_seq,
            next_batch_id: start.next_batch_id,
            stalled: false,
        };
        let accounts: HashSet<AccountId> =
            s.mempool.seqs().iter().filter_map(|q| s.mempool.get(*q)).map(Entry::account).collect();
        for a in accounts {
            s.publish_nonce(a);
        }
        s.publish_queues();
        s
    }

    fn max_size(&self) -> usize {
        *self.policy.sizes.last().expect("at least one block size")
    }

    fn publish_queues(&self) {
        self.shared.set_queues(self.mempool.len(), self.mempool.bytes(), self.priority.len(), self.next_serial);
    }

    fn publish_nonce(&self, account: AccountId) {
        let nonce = self.state.account(account).map_or(0, |a| a.nonce);
        let pending = (self.mempool.account_len(account) > 0).then(|| self.mempool.next_nonce(account, nonce));
        self.shared.set_pending_nonce(account, pending);
    }

    /// Serve `commands` until the channel closes or the node is cancelled.
    pub fn run(mut self, commands: Receiver<Command>) {
        loop {
            if self.shared.cancel.is_cancelled() {
                break;
            }
            let wait = match self.open_since {
                Some(t) => (t + self.policy.timeout).saturating_duration_since(Instant::now()),
                None => Duration::from_millis(200),
            };
            match commands.recv_timeout(wait.max(Duration::from_millis(1))) {
                Ok(cmd) => {
                    self.handle(cmd);
                    // Take what else is waiting before deciding to seal: admissions share a
                    // storage write, and a full block seals at once.
                    for cmd in commands.try_iter().take(4096) {
                        self.handle(cmd);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            while self.due() {
                if !self.seal() {
                    break;
                }
            }
        }
        tracing::info!(last_block = self.last_block, mempool = self.mempool.len(), "sequencer stopped");
    }

    fn has_work(&self) -> bool {
        !self.mempool.is_empty() || !self.priority.is_empty()
    }

    fn due(&self) -> bool {
        // In exodus mode L1 takes no more blocks: sealing would only diverge from L1.
        if !self.has_work() || self.shared.exodus() {
            return false;
        }
        let timed_out = self.open_since.is_some_and(|t| t.elapsed() >= self.policy.timeout);
        timed_out || (!self.stalled && self.queued_chunks >= self.max_size())
    }

    fn work_arrived(&mut self) {
        self.stalled = false;
        self.open_since.get_or_insert_with(Instant::now);
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Submit { txs, batch, reply } => match self.admit(txs, batch) {
                Ok((records, response)) => {
                    self.work_arrived();
                    let done = Done::Reply(Box::new(move |r: Result<(), ApiError>| {
                        let _ = reply.send(r.map(|()| response));
                    }));
                    self.send(Write::Accept(records), Some(done));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            Command::Priority { record, reply } => {
                let serial = record.op.serial_id;
                if serial < self.next_serial {
                    let _ = reply.send(Err(ApiError::new(
                        ErrorCode::DuplicateTx,
                        format!("priority op {serial} was already received"),
                    )));
                    return;
                }
                if serial > self.next_serial {
                    let _ = reply.send(Err(ApiError::new(
                        ErrorCode::InvalidRequest,
                        format!("priority op {serial} is out of order: the next one is {}", self.next_serial),
                    )));
                    return;
                }
                self.next_serial += 1;
                self.priority.push_back(record.clone());
                self.queued_chunks += 5;
                self.work_arrived();
                self.publish_queues();
                let done = Done::Reply(Box::new(move |r| {
                    let _ = reply.send(r);
                }));
                self.send(Write::Priority(record), Some(done));
            }
        }
    }

    fn send(&self, write: Write, done: Option<Done>) {
        if self.writer.send(Job { write, done }).is_err() {
            // The writer stopped (it failed and cancelled the node): nothing more can be durable.
            self.shared.cancel.cancel();
        }
    }

    /// Admission of one tx or an atomic batch: all admitted, or none.
    fn admit(
        &mut self,
        txs: Vec<(VerifiedTx, [u8; 32], usize)>,
        batch: bool,
    ) -> Result<(Vec<MempoolRecord>, SubmitResponse), ApiError> {
        let bytes: usize = txs.iter().map(|t| t.2).sum();
        self.admission.check_capacity(&self.mempool, txs.len(), bytes)?;
        if batch {
            let chunks: usize = txs.iter().map(|(t, ..)| op_chunks(t.tx(), &self.state)).sum();
            if chunks > self.max_size() {
                return Err(ApiError::new(
                    ErrorCode::InvalidBatch,
                    format!("the batch needs {chunks} chunks; the largest block has {}", self.max_size()),
                ));
            }
        }
        if batch {
            self.admission.check_batch_fees(txs.iter().map(|(t, ..)| t.tx()), &self.state)?;
        }
        let fee = if batch { crate::rules::Fee::ByBatch } else { crate::rules::Fee::PerTx };
        let now = now_ms();
        let batch_id = batch.then(|| {
            self.next_batch_id += 1;
            self.next_batch_id - 1
        });
        let mut inserted = Vec::new();
        let mut failure = None;
        for (index, (tx, hash, size)) in txs.into_iter().enumerate() {
            let checked = if self.mempool.contains(&hash) {
                Err(ApiError::new(ErrorCode::DuplicateTx, "this tx is already queued"))
            } else {
                self.admission.check(tx.tx(), tx.signer(), &self.state, &self.mempool, now / 1000, fee)
            };
            if let Err(mut e) = checked {
                if batch {
                    e.message = format!("batch tx {index}: {}", e.message);
                    if let Some(d) = e.details.as_object_mut() {
                        d.insert("index".into(), index.into());
                    }
                }
                failure = Some(e);
                break;
            }
            let entry = Entry { seq: self.next_seq, hash, tx, batch: batch_id, received_at: now, bytes: size };
            self.next_seq += 1;
            self.queued_chunks += op_chunks_estimate(&entry, &self.state);
            inserted.push(entry.seq);
            self.mempool.insert(entry);
        }
        if let Some(e) = failure {
            for seq in inserted {
                if let Some(entry) = self.mempool.remove(seq) {
                    self.queued_chunks = self.queued_chunks.saturating_sub(op_chunks_estimate(&entry, &self.state));
                }
            }
            return Err(e);
        }
        let mut records = Vec::with_capacity(inserted.len());
        let mut hashes = Vec::with_capacity(inserted.len());
        for seq in &inserted {
            let e = self.mempool.get(*seq).expect("just inserted");
            records.push(MempoolRecord {
                seq: e.seq,
                hash: HexHash(e.hash),
                tx: e.tx.tx().clone(),
                batch_id: e.batch,
                received_at: e.received_at,
            });
            hashes.push(format!("0x{}", hex::encode(e.hash)));
        }
        if let Some(account) = records.first().map(|r| r.tx.account_id()) {
            for a in records.iter().map(|r| r.tx.account_id()).chain([account]) {
                self.publish_nonce(a);
            }
        }
        self.publish_queues();
        Ok((records, SubmitResponse { tx_hashes: hashes, batch_id, status: TxStatus::Queued }))
    }

    /// Seal one block from the queued work. Returns whether one was sealed.
    fn seal(&mut self) -> bool {
        let started = Instant::now();
        let timestamp = (now_ms() / 1000).max(self.last_timestamp).max(self.shared.l1_time());
        let number = self.last_block + 1;
        let header = BlockHeader {
            domain: self.domain,
            number,
            fee_account: self.policy.fee_account,
            timestamp,
            chunks: self.max_size(),
        };
        let mut builder = match BlockBuilder::new(&mut self.state, header) {
            Ok(b) => b,
            Err(e) => return self.fatal(&format!("block {number} cannot start: {e}")),
        };
        // Priority ops first, in serial order.
        let mut priority = Vec::new();
        while let Some(p) = self.priority.front() {
            match builder.add_priority_op(&mut self.state, &p.op) {
                Ok(_) => priority.push(self.priority.pop_front().expect("front exists")),
                Err(BlockError::BlockFull { .. }) => break,
                Err(e) => return self.fatal(&format!("priority op {} cannot be applied: {e}", p.op.serial_id)),
            }
        }
        // Then txs, in arrival order; a batch where its first tx stands.
        let mut included: Vec<u64> = Vec::new();
        let mut rejected: Vec<(u64, ApiError)> = Vec::new();
        let mut done_batches = HashSet::new();
        let mut cursor = self.mempool.next_from(0);
        while let Some(seq) = cursor {
            cursor = self.mempool.next_from(seq + 1);
            if builder.remaining_chunks() < 2 {
                break;
            }
            let Some(entry) = self.mempool.get(seq) else { continue };
            match entry.batch {
                None => match builder.add_verified_tx(&mut self.state, &entry.tx) {
                    Ok(_) => included.push(seq),
                    Err(e) => {
                        if let Some(reason) = Self::rejection(&e) {
                            rejected.push((seq, reason));
                        }
                    }
                },
                Some(b) if done_batches.insert(b) => {
                    let seqs = self.mempool.batch(b).to_vec();
                    let txs: Vec<VerifiedTx> =
                        seqs.iter().filter_map(|s| self.mempool.get(*s)).map(|e| e.tx.clone()).collect();
                    match builder.add_verified_batch(&mut self.state, &txs) {
                        Ok(()) => included.extend(&seqs),
                        Err(e) => {
                            if let Some(reason) = Self::rejection(&e.error) {
                                let reason =
                                    ApiError { message: format!("batch tx {}: {}", e.index, reason.message), ..reason };
                                rejected.extend(seqs.iter().map(|s| (*s, reason.clone())));
                            }
                        }
                    }
                }
                Some(_) => {}
            }
        }
        // The builder applied the included ops; nothing else changed the state.
        if included.is_empty() && priority.is_empty() {
            // Nothing to seal: record the rejections, if any, and wait for new work.
            drop(builder);
            self.stalled = true;
            self.open_since = self.has_work().then(Instant::now);
            if !rejected.is_empty() {
                let records = self.drop_rejected(rejected);
                self.send(Write::Reject(records), None);
                self.publish_queues();
            }
            return false;
        }
        let used = builder.used_chunks();
        let size = self.policy.sizes.iter().copied().find(|s| *s >= used).unwrap_or(self.max_size());
        if let Err(e) = builder.resize(size) {
            return self.fatal(&format!("block {number}: {e}"));
        }
        let mut touched: Vec<AccountId> = self.state.unflushed_accounts();
        touched.push(self.policy.fee_account);
        let block = match builder.seal(&mut self.state) {
            Ok(b) => b,
            Err(e) => return self.fatal(&format!("block {number} cannot be sealed: {e}")),
        };
        touched.sort_unstable();
        touched.dedup();
        let accounts = touched.iter().filter_map(|id| self.account_record(*id)).collect();
        // Receipts and history of the included txs, in block order.
        let mut history = Vec::new();
        let mut included_records = Vec::new();
        let tx_ops = block.ops.iter().filter(|op| !matches!(op, Op::Noop(_) | Op::Deposit(_) | Op::FullExit(_)));
        for (seq, op) in included.iter().zip(tx_ops) {
            let entry = self.mempool.remove(*seq).expect("included entries are queued");
            self.queued_chunks = self.queued_chunks.saturating_sub(op.chunks());
            for account in op_accounts(op) {
                history.push((account, self.next_history_seq, entry.hash));
                self.next_history_seq += 1;
            }
            included_records.push(TxRecord {
                hash: HexHash(entry.hash),
                tx: entry.tx.tx().clone(),
                status: TxStatus::Included,
                block: Some(number),
                rejection: None,
                batch_id: entry.batch,
                received_at: entry.received_at,
                seq: entry.seq,
            });
        }
        self.queued_chunks = self.queued_chunks.saturating_sub(5 * priority.len());
        let rejected_records = self.drop_rejected(rejected);
        let priority: Vec<PriorityRecord> = priority
            .into_iter()
            .map(|p| PriorityRecord { status: PriorityStatus::Included { block: number }, ..p })
            .collect();
        let record = BlockRecord {
            number,
            chunks: block.header.chunks,
            timestamp,
            fee_account: block.header.fee_account,
            old_root: fr_to_be_bytes(&block.old_root),
            new_root: fr_to_be_bytes(&block.new_root),
            commitment: block.commitment,
            pubdata: block.pubdata.clone(),
            txs: included_records.iter().map(|t| t.hash).collect(),
            priority_ops: priority.iter().map(|p| p.op.serial_id).collect(),
        };
        let sealed = SealedBlock {
            block: record,
            accounts,
            included: included_records,
            rejected: rejected_records,
            priority,
            history,
        };
        let changed: HashSet<AccountId> =
            sealed.included.iter().chain(&sealed.rejected).map(|t| t.tx.account_id()).collect();
        self.send(Write::Seal(Box::new(sealed)), Some(Done::Sealed(number)));
        self.last_block = number;
        self.last_timestamp = timestamp;
        for a in changed {
            self.publish_nonce(a);
        }
        self.publish_queues();
        self.open_since = self.has_work().then(Instant::now);
        self.shared.add_seal_time(started.elapsed().as_nanos() as u64, included.len() as u64);
        zkpay_api::metrics::PIPELINE_SECONDS
            .with_label_values(&["seal", size.to_string().as_str()])
            .observe(started.elapsed().as_secs_f64());
        tracing::debug!(block = number, chunks = size, txs = included.len(), "sealed");
        true
    }

    /// Remove rejected entries from the mempool, as their final records.
    fn drop_rejected(&mut self, rejected: Vec<(u64, ApiError)>) -> Vec<TxRecord> {
        let mut out = Vec::new();
        for (seq, reason) in rejected {
            let Some(entry) = self.mempool.remove(seq) else { continue };
            self.queued_chunks = self.queued_chunks.saturating_sub(op_chunks_estimate(&entry, &self.state));
            tracing::info!(tx = %hex::encode(entry.hash), code = %reason.code.as_str(), "queued tx rejected");
            out.push(TxRecord {
                hash: HexHash(entry.hash),
                tx: entry.tx.tx().clone(),
                status: TxStatus::Rejected,
                block: None,
                rejection: Some(Rejection { code: reason.code, message: reason.message }),
                batch_id: entry.batch,
                received_at: entry.received_at,
                seq: entry.seq,
            });
        }
        out
    }

    /// Whether a tx the builder refused is dropped (`Some(reason)`) or waits for a later block.
    fn rejection(e: &BlockError) -> Option<ApiError> {
        match e {
            BlockError::BlockFull { .. } | BlockError::FeeSlotsFull(_) => None,
            BlockError::Apply(ApplyError::NotYetValid { .. }) => None,
            // A nonce above the account's: its predecessor is still queued.
            BlockError::Apply(ApplyError::NonceMismatch { expected, got }) if got > expected => None,
            BlockError::Apply(a) => Some(apply_error(a)),
            other => Some(ApiError::new(ErrorCode::RuleViolation, other.to_string())),
        }
    }

    fn account_record(&self, id: AccountId) -> Option<AccountRecord> {
        let a = self.state.tree().get(id)?;
        if a.fields.address.is_zero() {
            return None;
        }
        Some(AccountRecord {
            id,
            nonce: a.fields.nonce,
            pub_key_hash: a.fields.pubkey_hash,
            address: a.fields.address,
            balances: a.balances().into_iter().map(|(token, amount)| Balance { token, amount }).collect(),
        })
    }

    /// A fault that sealing cannot get past (a bug, or storage and memory out of step): stop the
    /// node rather than seal something wrong.
    fn fatal(&self, what: &str) -> bool {
        tracing::error!("{what}: stopping the node");
        self.shared.cancel.cancel();
        false
    }
}

/// The accounts an op touches (for their history).
fn op_accounts(op: &Op) -> Vec<AccountId> {
    match op {
        Op::Transfer(t) => vec![t.from_id, t.to_id],
        Op::TransferToNew(t) => vec![t.from_id, t.to_id],
        Op::Withdraw(w) => vec![w.account_id],
        Op::ChangePubKey(c) => vec![c.account_id],
        Op::ForcedExit(f) => vec![f.initiator_id, f.target_id],
        Op::Deposit(d) => vec![d.account_id],
        Op::FullExit(f) => vec![f.account_id],
        Op::Noop(_) => vec![],
    }
}
