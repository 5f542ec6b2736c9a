//! Requests and responses of the `/v1` routes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zkpay_core::serde_util::{u128_dec, u64_dec};
use zkpay_core::tx::{L2Tx, PriorityOp};
use zkpay_core::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// `POST /v1/txs` with several txs: an atomic batch (all go into one block, or none does).
/// A single tx is posted as the tx object itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitBatch {
    /// The txs, in the order they are applied.
    pub batch: Vec<L2Tx>,
}

/// The answer to an accepted submission (HTTP 202): the txs are durable in the mempool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitResponse {
    /// The tx hashes (0x-hex of `M`, docs/protocol.md §9), in submission order.
    pub tx_hashes: Vec<String>,
    /// The batch id, for a batch.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_u64_dec")]
    pub batch_id: Option<u64>,
    /// Always [`TxStatus::Queued`].
    pub status: TxStatus,
}

/// Where a tx is in its life. `queued` → `included` (in a sealed block) → (with the L1 pipeline)
/// `committed` → `proven` → `finalized`; or `rejected` with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Accepted and durable in the mempool.
    Queued,
    /// In a sealed block (durable; not yet on L1).
    Included,
    /// Dropped from the mempool: a sealed block made it invalid. Terminal.
    Rejected,
}

/// Why a queued tx was dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rejection {
    /// Stable code (as in [`crate::ErrorCode`]).
    pub code: crate::ErrorCode,
    /// Explanation.
    pub message: String,
}

/// `GET /v1/txs/{hash}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxInfo {
    /// 0x-hex tx hash.
    pub hash: String,
    /// The signed tx.
    pub tx: L2Tx,
    /// Its status.
    pub status: TxStatus,
    /// The block, once included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u32>,
    /// The reason, once rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// The atomic batch it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_u64_dec")]
    pub batch_id: Option<u64>,
    /// When the node accepted it (unix milliseconds).
    #[serde(with = "u64_dec")]
    pub received_at: u64,
}

/// `GET /v1/accounts/{address|id}`: the account as of the last sealed block, and its pending nonce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountInfo {
    /// Account id.
    pub id: AccountId,
    /// L1 address.
    pub address: Address,
    /// Nonce after the last sealed block.
    pub nonce: Nonce,
    /// The nonce the account's next tx should carry: after its queued txs.
    pub pending_nonce: Nonce,
    /// Hash of the signing key (zero: none set).
    pub pub_key_hash: PubKeyHash,
    /// Balances by token id (nonzero only), decimal strings.
    pub balances: BTreeMap<TokenId, Amount>,
}

/// A u128 amount as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(#[serde(with = "u128_dec")] pub u128);

/// `GET /v1/blocks/{number}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockInfo {
    /// Block number.
    pub number: u32,
    /// Size in chunks.
    pub chunks: usize,
    /// Block timestamp (unix seconds).
    #[serde(with = "u64_dec")]
    pub timestamp: u64,
    /// Fee account.
    pub fee_account: AccountId,
    /// 0x-hex state root before.
    pub old_root: String,
    /// 0x-hex state root after.
    pub new_root: String,
    /// 0x-hex SHA-256 commitment.
    pub commitment: String,
    /// Hashes of its L2 txs, in block order.
    pub tx_hashes: Vec<String>,
    /// Serial ids of its priority ops, in order.
    pub priority_ops: Vec<Serial>,
    /// Life of the block; `sealed` until the L1 pipeline moves it on.
    pub status: BlockStatus,
}

/// A u64 serial id as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Serial(#[serde(with = "u64_dec")] pub u64);

/// Where a block is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockStatus {
    /// Sealed and durable on the node.
    Sealed,
}

/// `GET /v1/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeStatus {
    /// L1 chain id.
    #[serde(with = "u64_dec")]
    pub chain_id: u64,
    /// Rollup contract.
    pub rollup: Address,
    /// Last sealed block (0: genesis only).
    pub last_block: u32,
    /// 0x-hex state root after it.
    pub root: String,
    /// Txs in the mempool.
    pub mempool_txs: usize,
    /// Bytes of those txs.
    pub mempool_bytes: usize,
    /// Priority ops received but not yet in a block.
    pub pending_priority_ops: usize,
    /// Block sizes the node seals (those with keys).
    pub block_sizes: Vec<usize>,
}

/// `POST /v1/dev/priority-ops` (dev feed, off unless configured): a priority op as the L1 watcher
/// will hand it over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityOpSubmission {
    /// The op (serial ids must follow each other from 0).
    pub op: PriorityOp,
    /// 0x-hex L1 tx hash that emitted it.
    pub l1_tx_hash: String,
    /// Log index of the event in that tx's block.
    pub log_index: u64,
}

/// `serde(with)` for `Option<u64>` as an optional decimal string.
pub mod opt_u64_dec {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize.
    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| zkpay_core::serde_util::parse_u64_decimal(&s).map_err(serde::de::Error::custom)).transpose()
    }
}
