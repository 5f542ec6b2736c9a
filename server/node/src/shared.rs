//! What the node's tasks share with the API side: read-only handles and published counters. The
//! sequencer owns the state; this holds only what it publishes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use zkpay_api::LiveEvent;
use zkpay_api_types::{BlockStatus, Event, PipelineStatus, TokenInfo};
use zkpay_core::tx::Domain;
use zkpay_core::types::{AccountId, Nonce};
use zkpay_storage::L1Counters;

/// Published by the sequencer and the writer, read by the API.
#[derive(Debug)]
pub struct Shared {
    /// The signing domain.
    pub domain: Domain,
    /// Block sizes sealed.
    pub block_sizes: Vec<usize>,
    /// Whether the dev priority feed is on.
    pub dev_feed: bool,
    /// Stops every task.
    pub cancel: CancellationToken,
    durable_block: AtomicU32,
    sealed_blocks: AtomicU64,
    seal_nanos: AtomicU64,
    sealed_txs: AtomicU64,
    mempool_txs: AtomicUsize,
    mempool_bytes: AtomicUsize,
    pending_priority: AtomicUsize,
    next_serial: AtomicU64,
    pending_nonces: RwLock<HashMap<AccountId, Nonce>>,
    /// Whether the L1 pipeline runs.
    pub l1_enabled: bool,
    l1_committed: AtomicU32,
    l1_proven: AtomicU32,
    l1_executed: AtomicU32,
    proofs_stored: AtomicU32,
    watched_l1_block: AtomicU64,
    l1_time: AtomicU64,
    exodus: AtomicBool,
    jobs: RwLock<(usize, usize)>,
    halted: RwLock<Option<String>>,
    l1_errors: RwLock<BTreeMap<&'static str, String>>,
    events: broadcast::Sender<Arc<LiveEvent>>,
    last_event_id: AtomicU64,
    tokens: RwLock<Vec<TokenInfo>>,
}

/// Events kept for subscribers that fall behind; one further behind re-reads from storage.
const EVENT_BUFFER: usize = 16_384;

impl Shared {
    /// Fresh counters; `last_block` is the last block on disk.
    pub fn new(
        domain: Domain,
        block_sizes: Vec<usize>,
        dev_feed: bool,
        cancel: CancellationToken,
        last_block: u32,
    ) -> Shared {
        Shared {
            domain,
            block_sizes,
            dev_feed,
            cancel,
            durable_block: AtomicU32::new(last_block),
            sealed_blocks: AtomicU64::new(0),
            seal_nanos: AtomicU64::new(0),
            sealed_txs: AtomicU64::new(0),
            mempool_txs: AtomicUsize::new(0),
            mempool_bytes: AtomicUsize::new(0),
            pending_priority: AtomicUsize::new(0),
            next_serial: AtomicU64::new(0),
            pending_nonces: RwLock::default(),
            l1_enabled: false,
            l1_committed: AtomicU32::new(0),
            l1_proven: AtomicU32::new(0),
            l1_executed: AtomicU32::new(0),
            proofs_stored: AtomicU32::new(0),
            watched_l1_block: AtomicU64::new(0),
            l1_time: AtomicU64::new(0),
            exodus: AtomicBool::new(false),
            jobs: RwLock::default(),
            halted: RwLock::default(),
            events: broadcast::channel(EVENT_BUFFER).0,
            last_event_id: AtomicU64::new(0),
            l1_errors: RwLock::default(),
            tokens: RwLock::default(),
        }
    }

    /// The token list of `GET /v1/tokens`, by id.
    pub fn tokens(&self) -> Vec<TokenInfo> {
        self.tokens.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replace the token list.
    pub fn set_tokens(&self, tokens: Vec<TokenInfo>) {
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = tokens;
    }

    /// The L1 counters as last read (or stored).
    pub fn set_l1_counters(&self, c: L1Counters) {
        self.l1_committed.store(c.committed, Ordering::SeqCst);
        self.l1_proven.store(c.proven, Ordering::SeqCst);
        self.l1_executed.store(c.executed, Ordering::SeqCst);
    }

    /// The L1 counters.
    pub fn l1_counters(&self) -> L1Counters {
        L1Counters {
            committed: self.l1_committed.load(Ordering::SeqCst),
            proven: self.l1_proven.load(Ordering::SeqCst),
            executed: self.l1_executed.load(Ordering::SeqCst),
        }
    }

    /// Where sealed block `n` is on L1.
    pub fn block_status(&self, n: u32) -> BlockStatus {
        let c = self.l1_counters();
        if c.executed >= n {
            BlockStatus::Finalized
        } else if c.proven >= n {
            BlockStatus::Proven
        } else if c.committed >= n {
            BlockStatus::Committed
        } else {
            BlockStatus::Sealed
        }
    }

    /// A proof of block `n` is stored.
    pub fn set_proof_stored(&self, n: u32) {
        self.proofs_stored.fetch_max(n, Ordering::SeqCst);
    }

    /// The highest block with a stored proof.
    pub fn proofs_stored(&self) -> u32 {
        self.proofs_stored.load(Ordering::SeqCst)
    }

    /// The prover pool's `(queued, leased)` jobs.
    pub fn set_jobs(&self, queued: usize, leased: usize) {
        *self.jobs.write().expect("jobs lock") = (queued, leased);
    }

    /// The watcher processed L1 up to block `n`.
    pub fn set_watched_l1_block(&self, n: u64) {
        self.watched_l1_block.store(n, Ordering::SeqCst);
    }

    /// The latest L1 block's timestamp, as the watcher last read it.
    pub fn set_l1_time(&self, t: u64) {
        self.l1_time.fetch_max(t, Ordering::SeqCst);
    }

    /// A lower bound for block timestamps: L1's latest block time (0 without L1). L1 refuses a
    /// block older than its parent, and a dev chain's clock can run ahead of the wall clock.
    pub fn l1_time(&self) -> u64 {
        self.l1_time.load(Ordering::SeqCst)
    }

    /// The Rollup entered exodus mode.
    pub fn set_exodus(&self) {
        self.exodus.store(true, Ordering::SeqCst);
    }

    /// Whether the Rollup is in exodus mode.
    pub fn exodus(&self) -> bool {
        self.exodus.load(Ordering::SeqCst)
    }

    /// The pipeline stopped for `reason` (an L1 revert): shown until a restart.
    pub fn set_halted(&self, reason: String) {
        *self.halted.write().expect("halted lock") = Some(reason);
    }

    /// A pipeline task's current L1 error (it retries).
    pub fn set_l1_error(&self, task: &'static str, e: String) {
        self.l1_errors.write().expect("errors lock").insert(task, e);
    }

    /// The task's L1 calls work again.
    pub fn clear_l1_error(&self, task: &'static str) {
        self.l1_errors.write().expect("errors lock").remove(task);
    }

    /// Events are on disk: tell the subscribers.
    pub fn publish_events(&self, events: Vec<Event>) {
        for e in events {
            self.last_event_id.fetch_max(e.id, Ordering::SeqCst);
            let _ = self.events.send(Arc::new(LiveEvent::new(e))); // no subscriber: nothing to do
        }
    }

    /// The stored events continue here; subscribe before reading the stored ones, so that
    /// nothing falls between the two.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.events.subscribe()
    }

    /// The last event on disk (0: none).
    pub fn last_event_id(&self) -> u64 {
        self.last_event_id.load(Ordering::SeqCst)
    }

    /// At start: the last stored event.
    pub fn set_last_event_id(&self, id: u64) {
        self.last_event_id.fetch_max(id, Ordering::SeqCst);
    }

    /// The pipeline's part of `/v1/status`.
    pub fn pipeline(&self) -> PipelineStatus {
        let c = self.l1_counters();
        let (jobs_queued, jobs_leased) = *self.jobs.read().expect("jobs lock");
        let errors = self.l1_errors.read().expect("errors lock");
        PipelineStatus {
            enabled: self.l1_enabled,
            committed: c.committed,
            proven: c.proven,
            executed: c.executed,
            proofs: self.proofs_stored(),
            jobs_queued,
            jobs_leased,
            l1_block: self.watched_l1_block.load(Ordering::SeqCst),
            exodus: self.exodus(),
            halted: self.halted.read().expect("halted lock").clone(),
            last_error: (!errors.is_empty())
                .then(|| errors.iter().map(|(t, e)| format!("{t}: {e}")).collect::<Vec<_>>().join("; ")),
        }
    }

    /// Block `n` is on disk.
    pub fn set_durable_block(&self, n: u32) {
        self.durable_block.fetch_max(n, Ordering::SeqCst);
        self.sealed_blocks.fetch_add(1, Ordering::Relaxed);
    }

    /// The last block on disk.
    pub fn durable_block(&self) -> u32 {
        self.durable_block.load(Ordering::SeqCst)
    }

    /// Blocks sealed (and durable) since the node started.
    pub fn sealed_blocks(&self) -> u64 {
        self.sealed_blocks.load(Ordering::Relaxed)
    }

    /// The sequencer spent `nanos` sealing a block of `txs` L2 txs.
    pub fn add_seal_time(&self, nanos: u64, txs: u64) {
        self.seal_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.sealed_txs.fetch_add(txs, Ordering::Relaxed);
    }

    /// `(nanoseconds spent sealing, L2 txs sealed)` since the start.
    pub fn seal_time(&self) -> (u64, u64) {
        (self.seal_nanos.load(Ordering::Relaxed), self.sealed_txs.load(Ordering::Relaxed))
    }

    /// Publish the mempool's size and the priority queue's.
    pub fn set_queues(&self, txs: usize, bytes: usize, pending_priority: usize, next_serial: u64) {
        self.mempool_txs.store(txs, Ordering::Relaxed);
        self.mempool_bytes.store(bytes, Ordering::Relaxed);
        self.pending_priority.store(pending_priority, Ordering::Relaxed);
        self.next_serial.store(next_serial, Ordering::Relaxed);
    }

    /// `(txs, bytes, pending priority ops, next priority serial)`.
    pub fn queues(&self) -> (usize, usize, usize, u64) {
        (
            self.mempool_txs.load(Ordering::Relaxed),
            self.mempool_bytes.load(Ordering::Relaxed),
            self.pending_priority.load(Ordering::Relaxed),
            self.next_serial.load(Ordering::Relaxed),
        )
    }

    /// Publish `account`'s pending nonce (`None`: no queued txs).
    pub fn set_pending_nonce(&self, account: AccountId, nonce: Option<Nonce>) {
        let mut map = self.pending_nonces.write().expect("pending nonce lock");
        match nonce {
            Some(n) => map.insert(account, n),
            None => map.remove(&account),
        };
    }

    /// `account`'s pending nonce, if it has queued txs.
    pub fn pending_nonce(&self, account: AccountId) -> Option<Nonce> {
        self.pending_nonces.read().expect("pending nonce lock").get(&account).copied()
    }
}
