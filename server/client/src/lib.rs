//! zkpay-client: the SDK of a wallet or a merchant's service — a typed async client of the zkpay
//! node's HTTP API ([`Client`]), the keys ([`keys`]: Ethereum keys, the derived L2 key of
//! docs/protocol.md §3.7, EIP-712 authorizations), the encrypted wallet file ([`keystore`]),
//! building, signing and following txs ([`wallet`]) and token units ([`units`]). Its dependency
//! tree has no RocksDB, actix, bellman or alloy (`scripts/test.sh` checks).
//!
//! ```no_run
//! # async fn f(tx: zkpay_core::tx::L2Tx) -> Result<(), zkpay_client::ClientError> {
//! let node = zkpay_client::Client::new("http://127.0.0.1:3030")?;
//! let accepted = node.submit(&tx).await?; // durable in the node's mempool
//! let info = node.tx(&accepted.tx_hashes[0]).await?;
//! # Ok(()) }
//! ```

mod events;
pub mod keys;
pub mod keystore;
pub mod units;
pub mod wallet;

pub use events::{EventStream, EventsRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
pub use zkpay_api_types as types;
use zkpay_api_types::*;
use zkpay_core::tx::L2Tx;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node answered with an error (its code is stable: match on it).
    #[error("the node refused: {0}")]
    Api(ApiError),
    /// The node could not be reached, or the connection broke.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The answer was not what the API documents.
    #[error("unexpected answer (HTTP {status}): {body}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The body (truncated).
        body: String,
    },
    /// The base URL is not a URL.
    #[error("bad node URL {0:?}")]
    BadUrl(String),
    /// The wallet's address has no L2 account yet (deposit first).
    #[error("{0} has no account on this rollup yet: deposit first")]
    NoAccount(zkpay_core::types::Address),
    /// An amount or fee that the protocol cannot carry (docs/protocol.md §4).
    #[error("the {what} {value} is not packable; the closest packable {what} below it is {closest}")]
    NotPackable {
        /// `amount` or `fee`.
        what: &'static str,
        /// What was asked.
        value: u128,
        /// The largest packable value not above it.
        closest: u128,
    },
    /// The fee quote a tx was signed with is past its `validUntil`: quote again.
    #[error("the fee quote expired (valid until {valid_until}); nothing was sent: ask for a new quote")]
    QuoteExpired {
        /// The quote's end (unix s).
        valid_until: u64,
    },
    /// A tx could not be signed (a key or value the protocol refuses).
    #[error("signing: {0}")]
    Signing(String),
    /// The tx was dropped by the node.
    #[error("tx {hash} was rejected: {message}")]
    Rejected {
        /// The tx.
        hash: String,
        /// Why, as a stable code.
        code: Option<ErrorCode>,
        /// Why.
        message: String,
    },
    /// Waiting took longer than allowed.
    #[error("timed out waiting for {0}")]
    Timeout(String),
}

impl ClientError {
    /// The API error code, if the node refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api(e) => Some(e.code),
            _ => None,
        }
    }
}

/// A node's API.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client of the node at `base` (e.g. `http://127.0.0.1:3030`).
    pub fn new(base: &str) -> Result<Client, ClientError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::BadUrl(base));
        }
        Ok(Client { base, http: reqwest::Client::builder().build()? })
    }

    async fn answer<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ClientError> {
        let status = resp.status();
        let bytes = resp.bytes().await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| ClientError::Unexpected {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes[..bytes.len().min(500)]).into_owned(),
            });
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(e) => Err(ClientError::Api(e)),
            Err(_) => Err(ClientError::Unexpected {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes[..bytes.len().min(500)]).into_owned(),
            }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Self::answer(self.http.get(format!("{}{path}", self.base)).send().await?).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        Self::answer(self.http.post(format!("{}{path}", self.base)).json(body).send().await?).await
    }

    /// Submit one tx; answers once it is durable in the mempool.
    pub async fn submit(&self, tx: &L2Tx) -> Result<SubmitResponse, ClientError> {
        self.post("/v1/txs", tx).await
    }

    /// Submit one tx under an `Idempotency-Key`: sending the same tx with the same key again
    /// (after a timeout, say) gets the first answer instead of `duplicate_tx`.
    pub async fn submit_idempotent(&self, tx: &L2Tx, key: &str) -> Result<SubmitResponse, ClientError> {
        let resp =
            self.http.post(format!("{}/v1/txs", self.base)).header("idempotency-key", key).json(tx).send().await?;
        Self::answer(resp).await
    }

    /// Submit an atomic batch (all in one block, or none).
    pub async fn submit_batch(&self, txs: &[L2Tx]) -> Result<SubmitResponse, ClientError> {
        self.post("/v1/txs", &SubmitBatch { batch: txs.to_vec() }).await
    }

    /// Post raw bytes to `/v1/txs` (for tools and tests that send what a typed tx cannot).
    pub async fn submit_raw(&self, body: Vec<u8>) -> Result<SubmitResponse, ClientError> {
        let resp = self
            .http
            .post(format!("{}/v1/txs", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        Self::answer(resp).await
    }

    /// A tx by its 0x-hex hash.
    pub async fn tx(&self, hash: &str) -> Result<TxInfo, ClientError> {
        self.get(&format!("/v1/txs/{hash}")).await
    }

    /// An account by id or 0x address.
    pub async fn account(&self, id_or_address: &str) -> Result<AccountInfo, ClientError> {
        self.get(&format!("/v1/accounts/{id_or_address}")).await
    }

    /// A sealed block.
    pub async fn block(&self, number: u32) -> Result<BlockInfo, ClientError> {
        self.get(&format!("/v1/blocks/{number}")).await
    }

    /// The node's status.
    pub async fn status(&self) -> Result<NodeStatus, ClientError> {
        self.get("/v1/status").await
    }

    /// Feed a priority op (dev feed only).
    pub async fn feed_priority_op(&self, op: &PriorityOpSubmission) -> Result<(), ClientError> {
        let _: serde_json::Value = self.post("/v1/dev/priority-ops", op).await?;
        Ok(())
    }

    /// A deposit or full exit by its priority serial id.
    pub async fn priority_op(&self, serial: u64) -> Result<PriorityOpInfo, ClientError> {
        self.get(&format!("/v1/priority-ops/{serial}")).await
    }

    /// A page of an account's txs, newest first (`cursor`: a previous page's `nextCursor`).
    pub async fn history(
        &self,
        id_or_address: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<TxInfo>, ClientError> {
        let cursor = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        self.get(&format!("/v1/accounts/{id_or_address}/txs?limit={limit}{cursor}")).await
    }

    /// A page of sealed blocks, newest first.
    pub async fn blocks(&self, cursor: Option<&str>, limit: usize) -> Result<Page<BlockInfo>, ClientError> {
        let cursor = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        self.get(&format!("/v1/blocks?limit={limit}{cursor}")).await
    }

    /// A sealed block's txs.
    pub async fn block_txs(&self, number: u32) -> Result<Vec<TxInfo>, ClientError> {
        let page: Page<TxInfo> = self.get(&format!("/v1/blocks/{number}/txs")).await?;
        Ok(page.data)
    }

    /// The priority ops (deposits, full exits) an L1 transaction queued.
    pub async fn priority_ops_of_l1_tx(&self, hash: &str) -> Result<Vec<PriorityOpInfo>, ClientError> {
        let page: Page<PriorityOpInfo> = self.get(&format!("/v1/priority-ops/by-l1-tx/{hash}")).await?;
        Ok(page.data)
    }

    /// The tokens the rollup lists, by id.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, ClientError> {
        let page: Page<TokenInfo> = self.get("/v1/tokens").await?;
        Ok(page.data)
    }

    /// The node's fee for an op in `token` (`to`: a transfer's recipient).
    pub async fn fee_quote(&self, tx_type: FeeTxType, token: u16, to: Option<&str>) -> Result<FeeQuote, ClientError> {
        let kind = match tx_type {
            FeeTxType::Transfer => "transfer",
            FeeTxType::Withdraw => "withdraw",
            FeeTxType::ChangePubKey => "changePubKey",
            FeeTxType::ForcedExit => "forcedExit",
        };
        let to = to.map(|t| format!("&to={t}")).unwrap_or_default();
        self.get(&format!("/v1/fee?txType={kind}&token={token}{to}")).await
    }

    /// GET any path (for tools and tests that send what the typed calls cannot).
    pub async fn get_raw(&self, path: &str) -> Result<serde_json::Value, ClientError> {
        self.get(path).await
    }

    /// A page of the stored events after event `after` (oldest first, up to `limit`, 1–100).
    pub async fn event_log(&self, after: u64, limit: usize) -> Result<Page<Event>, ClientError> {
        self.get(&format!("/v1/events/log?cursor={after}&limit={limit}")).await
    }

    /// Open the event stream (`/v1/events`): the stored events after `request.after`, then the
    /// live ones.
    pub async fn events(&self, request: &EventsRequest) -> Result<EventStream, ClientError> {
        let mut r = self.http.get(format!("{}/v1/events{}", self.base, request.query()));
        if let Some(after) = request.after {
            r = r.header("last-event-id", after.to_string());
        }
        let resp = r.send().await?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let v = Self::answer::<serde_json::Value>(resp).await?;
            return Err(ClientError::Unexpected { status, body: v.to_string() });
        }
        Ok(EventStream::new(resp, request.after))
    }
}

/// A prover worker's client of the node's `/v1/prover` routes (bearer-token authenticated).
#[derive(Clone, Debug)]
pub struct ProverClient {
    node: Client,
    token: String,
}

impl ProverClient {
    /// A worker's client of `node` presenting `token`.
    pub fn new(node: &str, token: &str) -> Result<ProverClient, ClientError> {
        Ok(ProverClient { node: Client::new(node)?, token: token.to_string() })
    }

    async fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<reqwest::Response, ClientError> {
        Ok(self.node.http.post(format!("{}{path}", self.node.base)).bearer_auth(&self.token).json(body).send().await?)
    }

    /// Lease a job (`None`: nothing to prove now).
    pub async fn lease(&self, request: &LeaseRequest) -> Result<Option<ProverJob>, ClientError> {
        let resp = self.post("/v1/prover/lease", request).await?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Client::answer(resp).await.map(Some)
    }

    /// Keep a lease.
    pub async fn heartbeat(&self, lease_id: u64) -> Result<(), ClientError> {
        let _: serde_json::Value =
            Client::answer(self.post("/v1/prover/heartbeat", &LeaseHeartbeat { lease_id }).await?).await?;
        Ok(())
    }

    /// Hand in a proof (eight 32-byte words); answers the block number.
    pub async fn submit(&self, lease_id: u64, proof: &[[u8; 32]; 8]) -> Result<u32, ClientError> {
        let body = ProofSubmission { lease_id, proof: proof.iter().map(|w| format!("0x{}", hex_of(w))).collect() };
        let v: serde_json::Value = Client::answer(self.post("/v1/prover/proof", &body).await?).await?;
        v["block"].as_u64().map(|b| b as u32).ok_or(ClientError::Unexpected { status: 200, body: v.to_string() })
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
