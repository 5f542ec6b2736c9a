//! Requests and responses of the `/v1` routes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use zkpay_core::serde_util::{u128_dec, u64_dec};
use zkpay_core::tx::{L2Tx, PriorityOp};
use zkpay_core::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// `POST /v1/txs` with several txs: an atomic batch (all go into one block, or none does).
/// A single tx is posted as the tx object itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitBatch {
    /// The txs, in the order they are applied.
    #[schema(value_type = Vec<crate::schema::L2Tx>)]
    pub batch: Vec<L2Tx>,
}

/// The answer to an accepted submission (HTTP 202): the txs are durable in the mempool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitResponse {
    /// The tx hashes (0x-hex of `M`, docs/protocol.md §9), in submission order.
    #[schema(value_type = Vec<crate::schema::Hash>)]
    pub tx_hashes: Vec<String>,
    /// The batch id, for a batch.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_u64_dec")]
    #[schema(value_type = Option<crate::schema::U64>)]
    pub batch_id: Option<u64>,
    /// Always [`TxStatus::Queued`].
    pub status: TxStatus,
}

/// Where a tx is in its life. `queued` → `included` (in a sealed block) → `committed` → `proven`
/// → `finalized` (its block executed on L1: final); or `rejected` with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Accepted and durable in the mempool.
    Queued,
    /// In a sealed block (durable; not yet on L1).
    Included,
    /// Its block is committed on L1 (its data is on L1; not yet proven).
    Committed,
    /// Its block's proof is verified on L1.
    Proven,
    /// Its block is executed on L1: final (withdrawals are in the L1 pending balances).
    Finalized,
    /// Dropped from the mempool: a sealed block made it invalid. Terminal.
    Rejected,
}

impl TxStatus {
    /// The status of a tx included in a block that L1 has reached `block` of.
    pub fn of_block(block: BlockStatus) -> TxStatus {
        match block {
            BlockStatus::Sealed => TxStatus::Included,
            BlockStatus::Committed => TxStatus::Committed,
            BlockStatus::Proven => TxStatus::Proven,
            BlockStatus::Finalized => TxStatus::Finalized,
        }
    }
}

/// The L1 transactions that moved a block on (0x-hex hashes), as far as it got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L1Txs {
    /// The commit (or commit-and-prove) transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::Hash>)]
    pub commit_tx_hash: Option<String>,
    /// The prove transaction (the commit's, for commit-and-prove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::Hash>)]
    pub prove_tx_hash: Option<String>,
    /// The execute transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::Hash>)]
    pub execute_tx_hash: Option<String>,
}

/// Why a queued tx was dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rejection {
    /// Stable code (as in [`crate::ErrorCode`]).
    pub code: crate::ErrorCode,
    /// Explanation.
    pub message: String,
}

/// `GET /v1/txs/{hash}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxInfo {
    /// 0x-hex tx hash.
    #[schema(value_type = crate::schema::Hash)]
    pub hash: String,
    /// The signed tx.
    #[schema(value_type = crate::schema::L2Tx)]
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
    #[schema(value_type = Option<crate::schema::U64>)]
    pub batch_id: Option<u64>,
    /// When the node accepted it (unix milliseconds).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub received_at: u64,
    /// The L1 transactions of its block's life so far.
    #[serde(default)]
    pub l1: L1Txs,
}

/// `GET /v1/priority-ops/{serial}`: a deposit or full exit, tracked by its priority serial id
/// (never by L1 tx hash, which changes when a user speeds a transaction up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityOpInfo {
    /// The op, with its serial id.
    #[schema(value_type = crate::schema::PriorityOp)]
    pub op: PriorityOp,
    /// 0x-hex hash of the L1 transaction that queued it (as the watcher saw it).
    #[schema(value_type = crate::schema::Hash)]
    pub l1_tx_hash: String,
    /// Its log index.
    pub log_index: u64,
    /// `queued` (received, not yet in a block), then as a tx: `included` … `finalized`.
    pub status: TxStatus,
    /// The block, once included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u32>,
    /// The L1 transactions of its block's life so far.
    #[serde(default)]
    pub l1: L1Txs,
}

/// `GET /v1/accounts/{address|id}`: the account as of the last sealed block (what the node
/// has included), its pending nonce, and the same account as of the last block committed and
/// the last executed (finalized) on L1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountInfo {
    /// Account id.
    #[schema(value_type = u32)]
    pub id: AccountId,
    /// L1 address.
    #[schema(value_type = crate::schema::Address)]
    pub address: Address,
    /// Nonce after the last sealed block.
    #[schema(value_type = u32)]
    pub nonce: Nonce,
    /// The nonce the account's next tx should carry: after its queued txs.
    #[schema(value_type = u32)]
    pub pending_nonce: Nonce,
    /// Hash of the signing key (zero: none set).
    #[schema(value_type = crate::schema::PubKeyHash)]
    pub pub_key_hash: PubKeyHash,
    /// Balances by token id (nonzero only), decimal strings.
    #[schema(value_type = BTreeMap<String, crate::Amount>)]
    pub balances: BTreeMap<TokenId, Amount>,
    /// As of the last block committed on L1; `null` if the account was created after it.
    pub committed: Option<AccountView>,
    /// As of the last block executed on L1 — what a forced exit would pay out; `null` if the
    /// account was created after it.
    pub finalized: Option<AccountView>,
}

/// An account as of one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountView {
    /// The block (0: genesis).
    pub block: u32,
    /// Nonce after it.
    #[schema(value_type = u32)]
    pub nonce: Nonce,
    /// Signing key hash after it.
    #[schema(value_type = crate::schema::PubKeyHash)]
    pub pub_key_hash: PubKeyHash,
    /// Balances by token id (nonzero only) after it.
    #[schema(value_type = BTreeMap<String, crate::Amount>)]
    pub balances: BTreeMap<TokenId, Amount>,
}

/// A u128 amount as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(#[serde(with = "u128_dec")] pub u128);

/// `GET /v1/blocks/{number}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockInfo {
    /// Block number.
    pub number: u32,
    /// Size in chunks.
    pub chunks: usize,
    /// Block timestamp (unix seconds).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub timestamp: u64,
    /// Fee account.
    #[schema(value_type = u32)]
    pub fee_account: AccountId,
    /// 0x-hex state root before.
    #[schema(value_type = crate::schema::Hash)]
    pub old_root: String,
    /// 0x-hex state root after.
    #[schema(value_type = crate::schema::Hash)]
    pub new_root: String,
    /// 0x-hex SHA-256 commitment.
    #[schema(value_type = crate::schema::Hash)]
    pub commitment: String,
    /// Hashes of its L2 txs, in block order.
    #[schema(value_type = Vec<crate::schema::Hash>)]
    pub tx_hashes: Vec<String>,
    /// Serial ids of its priority ops, in order.
    #[schema(value_type = Vec<crate::schema::U64>)]
    pub priority_ops: Vec<Serial>,
    /// Life of the block: `sealed` → `committed` → `proven` → `finalized`.
    pub status: BlockStatus,
    /// The L1 transactions of its life so far.
    #[serde(default)]
    pub l1: L1Txs,
}

/// A u64 serial id as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Serial(#[serde(with = "u64_dec")] pub u64);

/// Where a block is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockStatus {
    /// Sealed and durable on the node.
    Sealed,
    /// Committed on L1.
    Committed,
    /// Proven on L1.
    Proven,
    /// Executed on L1: final.
    Finalized,
}

/// The node's L1 pipeline, in `GET /v1/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineStatus {
    /// Whether the node talks to L1 at all (`false`: sealing only, as in tests and benches).
    pub enabled: bool,
    /// Blocks committed on L1 (`totalBlocksCommitted`, as last read).
    pub committed: u32,
    /// Blocks proven on L1.
    pub proven: u32,
    /// Blocks executed on L1 (final).
    pub executed: u32,
    /// Blocks with a verified proof on the node (in storage).
    pub proofs: u32,
    /// Proving jobs waiting for a worker.
    pub jobs_queued: usize,
    /// Proving jobs leased to a worker.
    pub jobs_leased: usize,
    /// The L1 block the watcher has processed up to (with its confirmations).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub l1_block: u64,
    /// The Rollup is in exodus mode: the node no longer seals, and serves reads for `zkpay exit`.
    pub exodus: bool,
    /// Why the pipeline stopped (an L1 revert with its decoded error), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    /// The last L1 error the pipeline is retrying, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// `GET /v1/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeStatus {
    /// L1 chain id.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub chain_id: u64,
    /// Rollup contract.
    #[schema(value_type = crate::schema::Address)]
    pub rollup: Address,
    /// Last sealed block (0: genesis only).
    pub last_block: u32,
    /// 0x-hex state root after it.
    #[schema(value_type = crate::schema::Hash)]
    pub root: String,
    /// Txs in the mempool.
    pub mempool_txs: usize,
    /// Bytes of those txs.
    pub mempool_bytes: usize,
    /// Priority ops received but not yet in a block.
    pub pending_priority_ops: usize,
    /// Block sizes the node seals (those with keys).
    pub block_sizes: Vec<usize>,
    /// The L1 pipeline.
    #[serde(default)]
    pub pipeline: PipelineStatus,
}

/// `POST /v1/prover/lease` (bearer token): a worker asks for a proving job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaseRequest {
    /// The worker's name, for the logs.
    pub worker: String,
    /// Block sizes the worker has proving keys for (empty: any).
    #[serde(default)]
    pub block_sizes: Vec<usize>,
}

/// A leased proving job (the answer to a lease when there is work; 204 otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProverJob {
    /// The lease, for heartbeats and the proof.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub lease_id: u64,
    /// The block to prove.
    pub block: u32,
    /// Its size (which proving key).
    pub chunks: usize,
    /// The lease expires this many milliseconds after its last heartbeat.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub lease_ms: u64,
    /// The circuit witness: `zkpay_circuit::block::encode` bytes, 0x-hex.
    #[schema(value_type = crate::schema::HexBytes)]
    pub witness: String,
}

/// `POST /v1/prover/heartbeat`: the worker is still on the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaseHeartbeat {
    /// The lease.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub lease_id: u64,
}

/// `POST /v1/prover/proof`: the finished proof of a leased job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProofSubmission {
    /// The lease.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub lease_id: u64,
    /// The proof as the contracts take it: eight 0x-hex 32-byte words (docs/protocol.md §12).
    #[schema(value_type = Vec<crate::schema::Hash>)]
    pub proof: Vec<String>,
}

/// `POST /v1/dev/priority-ops` (dev feed, off unless configured): a priority op as the L1 watcher
/// will hand it over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityOpSubmission {
    /// The op (serial ids must follow each other from 0).
    #[schema(value_type = crate::schema::PriorityOp)]
    pub op: PriorityOp,
    /// 0x-hex L1 tx hash that emitted it.
    #[schema(value_type = crate::schema::Hash)]
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

/// The ops a fee can be quoted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FeeTxType {
    /// A transfer (4 chunks to an address without an account, 2 otherwise).
    Transfer,
    /// A withdrawal to L1 (5 chunks).
    Withdraw,
    /// Setting the signing key (6 chunks).
    ChangePubKey,
    /// Withdrawing another account's whole balance (5 chunks).
    ForcedExit,
}

/// `GET /v1/fee?txType=…&token=…[&to=0x…]`: the smallest fee the node accepts for the op now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeQuote {
    /// The op.
    pub tx_type: FeeTxType,
    /// The fee token.
    #[schema(value_type = u16)]
    pub token: TokenId,
    /// The fee to sign: `chunks × perChunk`, rounded up to a packable fee.
    pub fee: Amount,
    /// The chunks the op takes in a block (what the node pays L1 gas for).
    pub chunks: usize,
    /// The node's minimum fee per chunk in this token (`[fees] per_chunk`; 0: free).
    pub per_chunk: Amount,
    /// The node accepts this fee for txs it receives until then (unix seconds).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub valid_until: u64,
}

/// `POST /v1/dev/priority-ops`: the op is taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Accepted {
    /// Always `true`.
    pub accepted: bool,
}

/// `POST /v1/prover/heartbeat`: the lease is extended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ack {
    /// Always `true`.
    pub ok: bool,
}

/// `POST /v1/prover/proof`: the proof verified and is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProofAccepted {
    /// The block it proves.
    pub block: u32,
}

/// `GET /v1/tokens`: a token the rollup lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenInfo {
    /// Token id (0: ETH).
    pub id: u16,
    /// The ERC-20 contract (the zero address for ETH); `null` while the node has not read it from
    /// Governance (a node without L1).
    #[schema(value_type = Option<crate::schema::Address>)]
    pub address: Option<Address>,
    /// The token's `symbol()`; `null` if the contract has none (or it is not read yet).
    pub symbol: Option<String>,
    /// The token's `decimals()`; `null` if the contract has none (or it is not read yet).
    pub decimals: Option<u8>,
}
