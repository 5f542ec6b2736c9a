//! zkpay-api: the node's HTTP API on actix-web 4, behind the [`NodeApi`] trait — the routes never
//! touch storage or the state, only what the node chooses to answer through the trait.
//!
//! Errors are always a JSON [`ApiError`] `{code, message, details}` with the code's HTTP status
//! (400 unreadable, 404 not found, 409 duplicate, 413 too large, 422 a rule broken, 429/503 full);
//! never a 200 with an error inside. The codes are listed in `docs/api.md`.

mod events;
pub mod metrics;
mod middleware;
pub mod openapi;
mod routes;

pub use middleware::RateLimit;
pub use routes::{configure, ApiLimits, ApiOptions, ROUTES};

use std::future::Future;
use std::sync::Arc;
use zkpay_api_types::{
    AccountInfo, ApiError, BlockInfo, CreateWebhook, Event, FeeQuote, FeeTxType, LeaseHeartbeat, LeaseRequest,
    NodeStatus, PriorityOpInfo, PriorityOpSubmission, ProofSubmission, ProverJob, SubmitResponse, TokenInfo, TxInfo,
    WebhookDelivery, WebhookEndpoint,
};
use zkpay_core::tx::L2Tx;
use zkpay_core::types::{AccountId, Address, TokenId};

/// An account named by id or by address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRef {
    /// By id.
    Id(AccountId),
    /// By L1 address.
    Address(Address),
}

/// An event as the node publishes it to its live subscribers: serialized once for all of them.
#[derive(Debug)]
pub struct LiveEvent {
    /// The event.
    pub event: Event,
    /// Its JSON.
    pub json: String,
}

impl LiveEvent {
    /// Serialize `event` once.
    pub fn new(event: Event) -> LiveEvent {
        // Plain data with string and number fields: serialization cannot fail.
        let json = serde_json::to_string(&event).expect("events serialize");
        LiveEvent { event, json }
    }
}

/// A submission's `Idempotency-Key` and what its body was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    /// The key: 1 to 255 visible ASCII characters.
    pub key: String,
    /// SHA-256 of the body.
    pub body_sha256: [u8; 32],
}

/// What the API asks of the node.
pub trait NodeApi: Send + Sync + 'static {
    /// Admit `txs` (an atomic batch when `batch`) into the mempool; answers once they are durable.
    /// `bytes` is the request body's size (the mempool's byte limit counts it). With an
    /// idempotency key, a repeat of the same body gets the first answer.
    fn submit(
        &self,
        txs: Vec<L2Tx>,
        batch: bool,
        bytes: usize,
        idempotency: Option<Idempotency>,
    ) -> impl Future<Output = Result<SubmitResponse, ApiError>> + Send;

    /// A tx by hash.
    fn tx(&self, hash: [u8; 32]) -> impl Future<Output = Result<TxInfo, ApiError>> + Send;

    /// An account as of the last sealed block, with its pending nonce.
    fn account(&self, account: AccountRef) -> impl Future<Output = Result<AccountInfo, ApiError>> + Send;

    /// A sealed block.
    fn block(&self, number: u32) -> impl Future<Output = Result<BlockInfo, ApiError>> + Send;

    /// Up to `limit` txs of `account`'s history, newest first, before history position `before`
    /// (`None`: from the newest); each with its position (the next page's cursor).
    fn history(
        &self,
        account: AccountRef,
        before: Option<u64>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(u64, TxInfo)>, ApiError>> + Send;

    /// Up to `limit` sealed blocks, newest first, below block `before` (`None`: from the last).
    fn blocks(
        &self,
        before: Option<u32>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<BlockInfo>, ApiError>> + Send;

    /// A sealed block's txs, in block order.
    fn block_txs(&self, number: u32) -> impl Future<Output = Result<Vec<TxInfo>, ApiError>> + Send;

    /// The priority ops an L1 transaction queued (usually one), by serial id.
    fn priority_ops_of_l1_tx(
        &self,
        hash: [u8; 32],
    ) -> impl Future<Output = Result<Vec<PriorityOpInfo>, ApiError>> + Send;

    /// The fee for an op (`to`: a transfer's recipient, which decides its size).
    fn fee_quote(
        &self,
        tx_type: FeeTxType,
        token: TokenId,
        to: Option<Address>,
    ) -> impl Future<Output = Result<FeeQuote, ApiError>> + Send;

    /// The tokens the rollup lists, by id (ETH, 0, first).
    fn tokens(&self) -> impl Future<Output = Result<Vec<TokenInfo>, ApiError>> + Send;

    /// The node's status.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, ApiError>> + Send;

    /// A priority op from the dev feed (`not_found` when the feed is off).
    fn feed_priority_op(&self, op: PriorityOpSubmission) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// A priority op (deposit, full exit) by serial id.
    fn priority_op(&self, serial: u64) -> impl Future<Output = Result<PriorityOpInfo, ApiError>> + Send;

    /// Up to `limit` stored events after id `after`, in id order.
    fn events_after(&self, after: u64, limit: usize) -> impl Future<Output = Result<Vec<Event>, ApiError>> + Send;

    /// The live events, from the moment of the call.
    fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<Arc<LiveEvent>>;

    /// The id of the last stored event (0: none).
    fn last_event_id(&self) -> u64;

    /// Resolves when the node begins to stop (long-lived responses such as event streams end).
    fn stopping(&self) -> impl Future<Output = ()> + Send + 'static;

    /// Set the gauges of [`metrics::GAUGES`] from the node's state (before a scrape).
    fn refresh_metrics(&self);

    /// Register a webhook endpoint (admin); the answer carries its secret, once.
    fn webhook_create(
        &self,
        token: Option<String>,
        request: CreateWebhook,
    ) -> impl Future<Output = Result<WebhookEndpoint, ApiError>> + Send;

    /// Every webhook endpoint (admin).
    fn webhooks(&self, token: Option<String>) -> impl Future<Output = Result<Vec<WebhookEndpoint>, ApiError>> + Send;

    /// One webhook endpoint (admin).
    fn webhook_get(
        &self,
        token: Option<String>,
        id: u64,
    ) -> impl Future<Output = Result<WebhookEndpoint, ApiError>> + Send;

    /// Remove a webhook endpoint and its deliveries (admin).
    fn webhook_delete(&self, token: Option<String>, id: u64) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// Up to `limit` deliveries to endpoint `id` of events after `after` (admin).
    fn webhook_deliveries(
        &self,
        token: Option<String>,
        id: u64,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<WebhookDelivery>, ApiError>> + Send;

    /// Deliver event `event` to endpoint `id` (again) (admin).
    fn webhook_replay(
        &self,
        token: Option<String>,
        id: u64,
        event: u64,
    ) -> impl Future<Output = Result<WebhookDelivery, ApiError>> + Send;

    /// A prover worker asks for a job (`None`: nothing to prove now). `token` is the request's
    /// bearer token; the node refuses a wrong one (`unauthorized`).
    fn prover_lease(
        &self,
        token: Option<String>,
        request: LeaseRequest,
    ) -> impl Future<Output = Result<Option<ProverJob>, ApiError>> + Send;

    /// A worker is still on its lease.
    fn prover_heartbeat(
        &self,
        token: Option<String>,
        heartbeat: LeaseHeartbeat,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// A worker's proof; the node verifies it before storing it (`invalid_proof` otherwise).
    /// Answers the block number.
    fn prover_submit(
        &self,
        token: Option<String>,
        proof: ProofSubmission,
    ) -> impl Future<Output = Result<u32, ApiError>> + Send;
}
