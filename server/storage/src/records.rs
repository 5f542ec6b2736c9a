//! The records the store keeps, and the writes the node sends it. Values are JSON (core's serde
//! forms): readable with any tool, and versioned by [`crate::SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use zkpay_api_types::{Event, EventFilter, Rejection, SubmitResponse, TxStatus, WebhookDelivery};
use zkpay_core::serde_util::{hex_array, hex_vec, u128_dec, u64_dec};
use zkpay_core::tx::{L2Tx, PriorityOp};
use zkpay_core::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// The deployment a store belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainMeta {
    /// Layout version.
    pub schema_version: u32,
    /// L1 chain id.
    #[serde(with = "u64_dec")]
    pub chain_id: u64,
    /// Rollup contract.
    pub rollup: Address,
    /// The operator address genesis gave account 0.
    pub operator: Address,
    /// Genesis state root (big-endian).
    #[serde(with = "hex_array")]
    pub genesis_root: [u8; 32],
    /// Registered token ids (besides ETH).
    pub tokens: Vec<TokenId>,
}

/// An account as of the last sealed block: enough to rebuild its leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRecord {
    /// Id.
    pub id: AccountId,
    /// Nonce.
    pub nonce: Nonce,
    /// Signing key hash.
    pub pub_key_hash: PubKeyHash,
    /// L1 address.
    pub address: Address,
    /// Nonzero balances by token.
    pub balances: Vec<Balance>,
}

/// One balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Balance {
    /// Token.
    pub token: TokenId,
    /// Amount.
    #[serde(with = "u128_dec")]
    pub amount: u128,
}

/// A sealed block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockRecord {
    /// Number.
    pub number: u32,
    /// Size in chunks.
    pub chunks: usize,
    /// Timestamp (unix seconds).
    #[serde(with = "u64_dec")]
    pub timestamp: u64,
    /// Fee account.
    pub fee_account: AccountId,
    /// Root before (big-endian).
    #[serde(with = "hex_array")]
    pub old_root: [u8; 32],
    /// Root after.
    #[serde(with = "hex_array")]
    pub new_root: [u8; 32],
    /// SHA-256 commitment.
    #[serde(with = "hex_array")]
    pub commitment: [u8; 32],
    /// The block's pubdata (its ops, decodable with core's `decode_block_pubdata`).
    #[serde(with = "hex_vec")]
    pub pubdata: Vec<u8>,
    /// Hashes of its L2 txs in block order (the txs, with their signatures, are in the tx records:
    /// with the pubdata they rebuild the circuit witness).
    pub txs: Vec<HexHash>,
    /// Serial ids of its priority ops, in order.
    pub priority_ops: Vec<u64>,
}

/// A 32-byte hash as 0x-hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HexHash(#[serde(with = "hex_array")] pub [u8; 32]);

/// A tx and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxRecord {
    /// Hash.
    pub hash: HexHash,
    /// The signed tx.
    pub tx: L2Tx,
    /// Status.
    pub status: TxStatus,
    /// Block, once included.
    #[serde(default)]
    pub block: Option<u32>,
    /// Reason, once rejected.
    #[serde(default)]
    pub rejection: Option<Rejection>,
    /// Atomic batch.
    #[serde(default)]
    pub batch_id: Option<u64>,
    /// Accepted at (unix ms).
    #[serde(with = "u64_dec")]
    pub received_at: u64,
    /// Arrival sequence number (mempool order).
    pub seq: u64,
}

/// A mempool entry: a queued tx (the full record is in the txs column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MempoolRecord {
    /// Arrival sequence number (the key).
    pub seq: u64,
    /// Hash.
    pub hash: HexHash,
    /// The signed tx.
    pub tx: L2Tx,
    /// Atomic batch.
    #[serde(default)]
    pub batch_id: Option<u64>,
    /// Accepted at (unix ms).
    #[serde(with = "u64_dec")]
    pub received_at: u64,
}

/// Where a priority op is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, tag = "state")]
pub enum PriorityStatus {
    /// Received, waiting for a block.
    Pending,
    /// In a sealed block.
    Included {
        /// The block.
        block: u32,
    },
}

/// A priority op as the L1 watcher stored it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityRecord {
    /// The op, with its serial id.
    pub op: PriorityOp,
    /// L1 tx hash.
    pub l1_tx_hash: HexHash,
    /// Log index.
    pub log_index: u64,
    /// Status.
    pub status: PriorityStatus,
}

/// A proof of a sealed block, verified by the node before it was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProofRecord {
    /// The block.
    pub block: u32,
    /// Its size.
    pub chunks: usize,
    /// The eight words of the contracts' `uint256[8]` encoding.
    pub proof: Vec<HexHash>,
    /// Which worker made it.
    pub worker: String,
    /// When it was stored (unix ms).
    #[serde(with = "u64_dec")]
    pub proven_at: u64,
}

/// What an operator L1 transaction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L1TxKind {
    /// `commitBlocks`.
    Commit,
    /// `commitAndProveBlocks`.
    CommitAndProve,
    /// `proveBlocks`.
    Prove,
    /// `executeBlocks`.
    Execute,
}

/// One signed attempt of an L1 transaction (a replacement has the same nonce and higher fees).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L1Attempt {
    /// Its hash.
    pub hash: HexHash,
    /// EIP-1559 fee cap, wei per gas.
    #[serde(with = "u128_dec")]
    pub max_fee_per_gas: u128,
    /// EIP-1559 tip, wei per gas.
    #[serde(with = "u128_dec")]
    pub max_priority_fee_per_gas: u128,
    /// The signed transaction as broadcast (EIP-2718 bytes).
    #[serde(with = "hex_vec")]
    pub raw: Vec<u8>,
    /// When it was first broadcast (unix ms).
    #[serde(with = "u64_dec")]
    pub sent_at: u64,
}

/// Where an operator L1 transaction is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, tag = "state")]
pub enum L1TxState {
    /// Signed and stored; broadcast (or about to be); no receipt yet.
    Pending,
    /// Mined and succeeded.
    Mined {
        /// The attempt that was mined.
        hash: HexHash,
        /// Its L1 block.
        #[serde(with = "u64_dec")]
        l1_block: u64,
    },
    /// Mined and reverted, or refused for good: the pipeline stops.
    Failed {
        /// The attempt, if one was mined.
        hash: Option<HexHash>,
        /// Why (the decoded custom error).
        reason: String,
    },
}

/// An operator L1 transaction, stored before it is first broadcast and after every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L1TxRecord {
    /// The sender's nonce (the key).
    #[serde(with = "u64_dec")]
    pub nonce: u64,
    /// What it does.
    pub kind: L1TxKind,
    /// The first block it handles.
    pub first_block: u32,
    /// The last block it handles.
    pub last_block: u32,
    /// Gas limit.
    #[serde(with = "u64_dec")]
    pub gas_limit: u64,
    /// The calldata (every attempt has it).
    #[serde(with = "hex_vec")]
    pub calldata: Vec<u8>,
    /// Signed attempts, the newest last.
    pub attempts: Vec<L1Attempt>,
    /// Where it is.
    pub state: L1TxState,
}

/// The L1 life of a block: the transactions that committed, proved and executed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockL1Record {
    /// The block.
    pub number: u32,
    /// Commit (or commit-and-prove) transaction.
    #[serde(default)]
    pub commit_tx: Option<HexHash>,
    /// Prove transaction.
    #[serde(default)]
    pub prove_tx: Option<HexHash>,
    /// Execute transaction.
    #[serde(default)]
    pub execute_tx: Option<HexHash>,
}

/// How far L1 is: `(totalBlocksCommitted, totalBlocksProven, totalBlocksExecuted)` as the node
/// last saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L1Counters {
    /// Committed.
    pub committed: u32,
    /// Proven.
    pub proven: u32,
    /// Executed.
    pub executed: u32,
}

/// What the node rebuilds itself from on start.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The deployment.
    pub meta: ChainMeta,
    /// Every account.
    pub accounts: Vec<AccountRecord>,
    /// The last sealed block (`None`: genesis only).
    pub last_block: Option<BlockRecord>,
    /// The mempool, in arrival order.
    pub mempool: Vec<MempoolRecord>,
    /// Priority ops not yet in a block, in serial order.
    pub pending_priority: Vec<PriorityRecord>,
    /// The next priority serial id expected (after every stored one).
    pub next_priority_serial: u64,
    /// The next arrival sequence number.
    pub next_seq: u64,
    /// The next history sequence number.
    pub next_history_seq: u64,
    /// The next batch id.
    pub next_batch_id: u64,
}

/// One change, as the node states it.
#[derive(Clone, Debug)]
pub enum Write {
    /// Txs accepted into the mempool: their tx records and mempool entries.
    Accept(Vec<MempoolRecord>),
    /// A sealed block and everything that goes with it.
    Seal(Box<SealedBlock>),
    /// A priority op received from L1.
    Priority(PriorityRecord),
    /// Queued txs dropped without a block (their final records), leaving the mempool.
    Reject(Vec<TxRecord>),
    /// A verified proof.
    Proof(ProofRecord),
    /// An operator L1 transaction, new or changed.
    L1Tx(L1TxRecord),
    /// L1 moved blocks on: the new counters and the blocks' L1 transactions.
    L1Progress {
        /// The counters.
        counters: L1Counters,
        /// Changed blocks.
        blocks: Vec<BlockL1Record>,
    },
    /// The L1 watcher processed every L1 block below this one.
    WatcherProgress(u64),
    /// The Rollup entered exodus mode (read from L1).
    Exodus,
    /// The answer to a submission made with an `Idempotency-Key`.
    Idempotency(IdempotencyRecord),
    /// A webhook endpoint, new or changed (its cursor).
    Webhook(WebhookRecord),
    /// A webhook endpoint removed, with its deliveries.
    WebhookRemoved(u64),
    /// A webhook delivery, new or changed.
    Delivery(DeliveryRecord),
    /// Events, with their ids (the next ones after the stored ones), in the same batch as the
    /// change they tell of.
    Events(Vec<Event>),
}

/// A sealed block's writes.
#[derive(Clone, Debug)]
pub struct SealedBlock {
    /// The block.
    pub block: BlockRecord,
    /// The accounts it changed, after it.
    pub accounts: Vec<AccountRecord>,
    /// Its txs' records (status included), leaving the mempool.
    pub included: Vec<TxRecord>,
    /// Queued txs the block made invalid (status rejected), leaving the mempool.
    pub rejected: Vec<TxRecord>,
    /// Priority ops it included, with their new status.
    pub priority: Vec<PriorityRecord>,
    /// History entries `(account, history seq, tx hash)`.
    pub history: Vec<(AccountId, u64, [u8; 32])>,
}

/// A merchant's webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRecord {
    /// Id (the key).
    pub id: u64,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Which events it gets.
    pub filter: EventFilter,
    /// The signing secret, `whsec_<base64>`.
    pub secret: String,
    /// Created at (unix ms).
    #[serde(with = "u64_dec")]
    pub created_at: u64,
    /// Events up to this id have been matched against the filter (deliveries made for them).
    pub cursor: u64,
}

/// One event's delivery to one endpoint, keyed `(endpoint, event)` (stored as the API shows it).
pub type DeliveryRecord = WebhookDelivery;

/// A submission made with an `Idempotency-Key`: a retry with the same key and body gets the same
/// answer; another body under the key is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdempotencyRecord {
    /// The key (the client's).
    pub key: String,
    /// SHA-256 of the request body.
    #[serde(with = "hex_array")]
    pub body_sha256: [u8; 32],
    /// The answer it got.
    pub response: SubmitResponse,
    /// When (unix ms).
    #[serde(with = "u64_dec")]
    pub created_at: u64,
}
