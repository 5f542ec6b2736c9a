//! zkpay-storage: what the node keeps on disk, behind [`NodeStore`], the node's own narrow
//! interface (not a generic key-value trait), so that a PostgreSQL backend can follow for
//! multi-machine deployments. [`RocksStore`] is the embedded backend.
//!
//! Every change arrives as a list of domain-level [`Write`]s that the backend applies atomically
//! and durably (one synced RocksDB `WriteBatch`): an accepted tx is on disk before the API answers,
//! and a sealed block — its record, the accounts it changed, its txs' receipts, the removal of its
//! txs from the mempool and the new last-block pointer — is on disk whole or not at all.

mod records;
mod rocks;

pub use records::*;
pub use rocks::RocksStore;

use zkpay_api_types::Event;
use zkpay_core::types::{AccountId, Address};

/// The version of the on-disk layout; a store of another version is refused.
pub const SCHEMA_VERSION: u32 = 2;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database reported an error (I/O, corruption, lock held by another process).
    #[error("database: {0}")]
    Db(#[from] rocksdb::Error),
    /// A stored record could not be decoded.
    #[error("corrupt record in {cf} at key {key}: {reason}")]
    Corrupt {
        /// Column family.
        cf: &'static str,
        /// Hex key.
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// The store was written by another schema version.
    #[error("the store has schema version {found}; this node reads version {expected}")]
    SchemaVersion {
        /// What the store has.
        found: u32,
        /// What this build reads.
        expected: u32,
    },
    /// The store belongs to another chain or rollup, or another genesis.
    #[error("the store belongs to another deployment: {0}")]
    WrongDeployment(String),
}

/// The store's interface to the node. Reads see every completed [`NodeStore::write`].
pub trait NodeStore: Send + Sync + 'static {
    /// The deployment the store was initialised for, if it was.
    fn meta(&self) -> Result<Option<ChainMeta>, StorageError>;

    /// Initialise an empty store for `meta` with the genesis accounts; refused if it already has
    /// a deployment.
    fn init(&self, meta: &ChainMeta, genesis: &[AccountRecord]) -> Result<(), StorageError>;

    /// Everything the node rebuilds its memory from on start.
    fn load(&self) -> Result<Loaded, StorageError>;

    /// Apply `writes` atomically and durably (synced), in order.
    fn write(&self, writes: &[Write]) -> Result<(), StorageError>;

    /// A tx by hash.
    fn tx(&self, hash: &[u8; 32]) -> Result<Option<TxRecord>, StorageError>;

    /// A sealed block by number.
    fn block(&self, number: u32) -> Result<Option<BlockRecord>, StorageError>;

    /// An account by id, as of the last sealed block.
    fn account(&self, id: AccountId) -> Result<Option<AccountRecord>, StorageError>;

    /// An account as of block `block` (after it; 0 = genesis): `None` if it did not exist yet.
    fn account_at(&self, id: AccountId, block: u32) -> Result<Option<AccountRecord>, StorageError>;

    /// The id of the account at `address`.
    fn account_id(&self, address: &Address) -> Result<Option<AccountId>, StorageError>;

    /// A priority op by serial id.
    fn priority_op(&self, serial: u64) -> Result<Option<PriorityRecord>, StorageError>;

    /// Up to `limit` tx hashes of `account`'s history, newest first, before history sequence
    /// `before` (exclusive; `None` = from the newest).
    fn history(
        &self,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, [u8; 32])>, StorageError>;

    /// The last sealed block's number (0 = genesis only).
    fn last_block(&self) -> Result<u32, StorageError>;

    /// The stored proofs of blocks `from` and above, in block order.
    fn proofs_from(&self, from: u32) -> Result<Vec<ProofRecord>, StorageError>;

    /// The operator L1 transaction with the highest nonce, if any.
    fn last_l1_tx(&self) -> Result<Option<L1TxRecord>, StorageError>;

    /// A block's L1 transactions.
    fn block_l1(&self, number: u32) -> Result<Option<BlockL1Record>, StorageError>;

    /// Up to `limit` events after id `after`, in id order.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StorageError>;

    /// The serial ids of the priority ops that L1 transaction `hash` queued, in order.
    fn priority_ops_of_l1_tx(&self, hash: &[u8; 32]) -> Result<Vec<u64>, StorageError>;

    /// The submission made with `Idempotency-Key` `key`, if any.
    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StorageError>;

    /// Every webhook endpoint, by id.
    fn webhooks(&self) -> Result<Vec<WebhookRecord>, StorageError>;

    /// One delivery.
    fn delivery(&self, endpoint: u64, event: u64) -> Result<Option<DeliveryRecord>, StorageError>;

    /// Up to `limit` deliveries to `endpoint` of events after `after_event`, in event order.
    fn deliveries(&self, endpoint: u64, after_event: u64, limit: usize) -> Result<Vec<DeliveryRecord>, StorageError>;

    /// Every pending delivery (read once at start: the dispatcher keeps them in memory).
    fn pending_deliveries(&self) -> Result<Vec<DeliveryRecord>, StorageError>;

    /// Whether the node saw the Rollup enter exodus mode.
    fn exodus(&self) -> Result<bool, StorageError>;

    /// The id of the last stored event (0: none yet).
    fn last_event_id(&self) -> Result<u64, StorageError>;

    /// The L1 counters as last stored.
    fn l1_counters(&self) -> Result<L1Counters, StorageError>;

    /// The L1 block the watcher goes on from (`None`: it never ran).
    fn watcher_progress(&self) -> Result<Option<u64>, StorageError>;
}
