//! zkpay-api: the node's HTTP API on actix-web 4, behind the [`NodeApi`] trait — the routes never
//! touch storage or the state, only what the node chooses to answer through the trait.
//!
//! Errors are always a JSON [`ApiError`] `{code, message, details}` with the code's HTTP status
//! (400 unreadable, 404 not found, 409 duplicate, 413 too large, 422 a rule broken, 429/503 full);
//! never a 200 with an error inside. The codes are listed in `docs/api.md`.

mod routes;

pub use routes::{configure, ApiLimits};

use std::future::Future;
use zkpay_api_types::{
    AccountInfo, ApiError, BlockInfo, LeaseHeartbeat, LeaseRequest, NodeStatus, PriorityOpInfo, PriorityOpSubmission,
    ProofSubmission, ProverJob, SubmitResponse, TxInfo,
};
use zkpay_core::tx::L2Tx;
use zkpay_core::types::{AccountId, Address};

/// An account named by id or by address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRef {
    /// By id.
    Id(AccountId),
    /// By L1 address.
    Address(Address),
}

/// What the API asks of the node.
pub trait NodeApi: Send + Sync + 'static {
    /// Admit `txs` (an atomic batch when `batch`) into the mempool; answers once they are durable.
    /// `bytes` is the request body's size (the mempool's byte limit counts it).
    fn submit(
        &self,
        txs: Vec<L2Tx>,
        batch: bool,
        bytes: usize,
    ) -> impl Future<Output = Result<SubmitResponse, ApiError>> + Send;

    /// A tx by hash.
    fn tx(&self, hash: [u8; 32]) -> impl Future<Output = Result<TxInfo, ApiError>> + Send;

    /// An account as of the last sealed block, with its pending nonce.
    fn account(&self, account: AccountRef) -> impl Future<Output = Result<AccountInfo, ApiError>> + Send;

    /// A sealed block.
    fn block(&self, number: u32) -> impl Future<Output = Result<BlockInfo, ApiError>> + Send;

    /// The node's status.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, ApiError>> + Send;

    /// A priority op from the dev feed (`not_found` when the feed is off).
    fn feed_priority_op(&self, op: PriorityOpSubmission) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// A priority op (deposit, full exit) by serial id.
    fn priority_op(&self, serial: u64) -> impl Future<Output = Result<PriorityOpInfo, ApiError>> + Send;

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
