//! The node's configuration: plain data with defaults that run on a laptop. The binary layers a
//! TOML file, `ZKPAY_*` environment variables and flags into it; the node itself reads nothing
//! from the environment.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use zkpay_core::types::{AccountId, Address, TokenId};

/// Everything [`crate::Node::spawn`] needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Where the RocksDB store lives.
    pub data_dir: PathBuf,
    /// The HTTP API's address.
    pub listen: SocketAddr,
    /// The deployment: chain id, rollup contract, the genesis operator and the listed tokens.
    pub chain: ChainConfig,
    /// Blocks: sizes, timeout, fee account.
    pub blocks: BlockConfig,
    /// Mempool limits.
    pub mempool: MempoolConfig,
    /// HTTP limits.
    pub api: ApiConfig,
    /// The fee quote: minimum fee per chunk of the op, by fee token (absent: free).
    pub fees: FeeConfig,
    /// Accept priority ops over `POST /v1/dev/priority-ops` (dev chains and tests; the L1 watcher
    /// feeds them otherwise).
    pub dev_feed: bool,
    /// The L1 pipeline (watcher and sender); absent: the node seals blocks and nothing goes to L1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1: Option<L1Config>,
    /// Proving: in-process workers and the external workers' token.
    pub prover: ProverConfig,
    /// Webhook deliveries: retries and timeouts.
    pub webhooks: WebhookConfig,
}

/// How webhooks are delivered: each failed attempt waits twice as long as the one before, from
/// `first_retry_ms` up to `max_retry_ms`, until the delivery is `max_age_secs` old.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Wait after the first failed attempt.
    pub first_retry_ms: u64,
    /// Longest wait between attempts.
    pub max_retry_ms: u64,
    /// Give up on a delivery this long after its event.
    pub max_age_secs: u64,
    /// An attempt that has no answer after this fails.
    pub timeout_ms: u64,
    /// Attempts in flight at once, over all endpoints.
    pub concurrency: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            first_retry_ms: 1_000,
            max_retry_ms: 3_600_000,
            max_age_secs: 24 * 3600,
            timeout_ms: 10_000,
            concurrency: 16,
        }
    }
}

/// The node's L1 connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct L1Config {
    /// JSON-RPC URL of an L1 node.
    pub url: String,
    /// The operator's private key (0x-hex), a validator of the Rollup. A secret: prefer the
    /// `ZKPAY_L1_OPERATOR_KEY` environment variable to the file.
    pub operator_key: String,
    /// The L1 block the Rollup was deployed in (where the watcher starts the first time).
    pub deployment_block: u64,
    /// Depth an L1 block must have before its deposits and full exits are taken (0 on a dev chain).
    pub confirmations: u64,
    /// Pause between L1 polls, milliseconds.
    pub poll_ms: u64,
    /// Largest `eth_getLogs` range (smaller ones are tried when a provider refuses).
    pub max_log_range: u64,
    /// Most blocks in one commit, prove or execute transaction.
    pub max_blocks_per_tx: usize,
    /// Replace an operator transaction not mined after this many seconds.
    pub tx_timeout_secs: u64,
    /// Fee raise of a replacement, percent (at least 13).
    pub fee_bump_percent: u64,
    /// Tip, wei per gas (decimal string).
    pub priority_fee_wei: String,
    /// Fee cap of a first attempt in wei (decimal string); empty: twice the base fee plus the tip.
    /// Tests set it under the base fee to make a stuck transaction.
    pub initial_max_fee_wei: String,
}

/// Proving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProverConfig {
    /// In-process proving threads (0: only external `zkpay prover` workers prove).
    pub workers: usize,
    /// Where regenerated dev proving keys are cached (`keys_dir` is read first).
    pub cache_dir: PathBuf,
    /// The bearer token external workers present (empty: the `/v1/prover` routes refuse all).
    /// A secret: prefer `ZKPAY_PROVER_TOKEN`.
    pub token: String,
    /// A lease expires this many seconds after its last heartbeat.
    pub lease_secs: u64,
}

impl Default for L1Config {
    fn default() -> Self {
        L1Config {
            url: "http://127.0.0.1:8545".into(),
            operator_key: String::new(),
            deployment_block: 0,
            confirmations: 0,
            poll_ms: 500,
            max_log_range: 10_000,
            max_blocks_per_tx: 8,
            tx_timeout_secs: 60,
            fee_bump_percent: 25,
            priority_fee_wei: "1000000000".into(),
            initial_max_fee_wei: String::new(),
        }
    }
}

impl Default for ProverConfig {
    fn default() -> Self {
        ProverConfig {
            workers: 1,
            cache_dir: PathBuf::from(".zkpay-node/keys-cache"),
            token: String::new(),
            lease_secs: 30,
        }
    }
}

/// The deployment the node serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct ChainConfig {
    /// L1 chain id.
    pub chain_id: u64,
    /// Rollup contract address.
    pub rollup: Address,
    /// Genesis operator (account 0's address).
    pub operator: Address,
    /// Listed token ids besides ETH (0).
    pub tokens: Vec<TokenId>,
}

/// Block sealing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlockConfig {
    /// Directory of the verification keys: the node seals only sizes with a `block_N.vk.json`.
    pub keys_dir: PathBuf,
    /// Restrict the sizes to these (must have keys); empty: every size with a key.
    pub sizes: Vec<usize>,
    /// Seal this long after the first tx of a block arrived, if it is not full before.
    pub timeout_ms: u64,
    /// The account credited with fees.
    pub fee_account: AccountId,
}

/// Mempool limits; each has its own error code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MempoolConfig {
    /// Txs in total (`mempool_full`, 503).
    pub max_txs: usize,
    /// Bytes of tx JSON in total (`mempool_full`, 503).
    pub max_bytes: usize,
    /// Pending txs per account (`account_mempool_full`, 429).
    pub max_per_account: usize,
    /// How far a nonce may be above the account's next pending nonce (`nonce_gap_too_large`).
    pub max_nonce_gap: u32,
    /// Txs in one atomic batch (`invalid_batch`).
    pub max_batch_txs: usize,
    /// How far in the future `validFrom` may be (`not_yet_valid`), seconds.
    pub max_valid_from_ahead_secs: u64,
}

/// HTTP limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Largest request body (`payload_too_large`, 413).
    pub max_body_bytes: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// Requests waiting for the sequencer before `unavailable` (503).
    pub queue_capacity: usize,
    /// Bearer token of the admin routes (`/v1/webhooks`); empty: those routes are off.
    pub admin_token: String,
    /// Browser origins allowed to call the API (`["*"]`: any); empty: no CORS.
    pub cors_origins: Vec<String>,
    /// Requests per second per client address (`rate_limited`, 429); 0: no limit.
    pub rate_limit_per_sec: u32,
    /// The burst a client may send above its rate.
    pub rate_limit_burst: u32,
    /// Loopback clients (a wallet or explorer on the same machine) are not limited.
    pub rate_limit_exempt_loopback: bool,
}

/// The node's fee quote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeeConfig {
    /// Minimum fee per chunk, by token id (decimal strings in TOML: `"0" = "1000"`).
    pub per_chunk: BTreeMap<String, String>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            data_dir: PathBuf::from(".zkpay-node"),
            listen: "127.0.0.1:3030".parse().expect("valid address"),
            chain: ChainConfig::default(),
            blocks: BlockConfig::default(),
            mempool: MempoolConfig::default(),
            api: ApiConfig::default(),
            fees: FeeConfig::default(),
            dev_feed: false,
            l1: None,
            prover: ProverConfig::default(),
            webhooks: WebhookConfig::default(),
        }
    }
}

impl Default for ChainConfig {
    fn default() -> Self {
        // anvil's chain and its first default account; the rollup address of a first deployment
        // by that account on a fresh anvil is set by `zkpay dev`.
        ChainConfig { chain_id: 31337, rollup: Address([0x11; 20]), operator: Address([0xee; 20]), tokens: vec![] }
    }
}

impl Default for BlockConfig {
    fn default() -> Self {
        BlockConfig { keys_dir: PathBuf::from("keys"), sizes: vec![], timeout_ms: 1000, fee_account: 0 }
    }
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            max_txs: 100_000,
            max_bytes: 64 << 20,
            max_per_account: 64,
            max_nonce_gap: 8,
            max_batch_txs: 16,
            max_valid_from_ahead_secs: 3600,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body_bytes: 64 << 10,
            workers: 2,
            queue_capacity: 8192,
            admin_token: String::new(),
            cors_origins: Vec::new(),
            rate_limit_per_sec: 100,
            rate_limit_burst: 200,
            rate_limit_exempt_loopback: true,
        }
    }
}

impl FeeConfig {
    /// The parsed quote: token → minimum fee per chunk.
    pub fn parsed(&self) -> Result<BTreeMap<TokenId, u128>, String> {
        self.per_chunk
            .iter()
            .map(|(t, f)| {
                let token = t.parse::<TokenId>().map_err(|e| format!("fees.per_chunk: token {t:?}: {e}"))?;
                let fee =
                    zkpay_core::serde_util::parse_u128_decimal(f).map_err(|e| format!("fees.per_chunk.{t}: {e}"))?;
                Ok((token, fee))
            })
            .collect()
    }
}
