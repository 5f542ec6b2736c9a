//! What the node's tasks share with the API side: read-only handles and published counters. The
//! sequencer owns the state; this holds only what it publishes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::RwLock;
use tokio_util::sync::CancellationToken;
use zkpay_core::tx::Domain;
use zkpay_core::types::{AccountId, Nonce};

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
}

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
