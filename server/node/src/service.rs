//! [`NodeApi`] for the node: reads from storage and the published counters, writes through the
//! sequencer's bounded channel (a full channel is a 503). Signatures are verified here, on the
//! blocking pool, so the sequencer's thread only applies rules.

use crate::events::priority_info;
use crate::now_ms;
use crate::prover_pool::ProverPool;
use crate::rules::tx_error;
use crate::sequencer::Command;
use crate::shared::Shared;
use crate::webhooks::{new_secret, WebhookCommand};
use crate::writer::{self, Job};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use tokio::sync::oneshot;
use zkpay_api::{AccountRef, Idempotency, LiveEvent, NodeApi};
use zkpay_api_types::*;
use zkpay_core::packing::packable_fee_at_least;
use zkpay_core::state::VerifiedTx;
use zkpay_core::tx::L2Tx;
use zkpay_core::types::{Address, TokenId};
use zkpay_storage::{
    Balance, HexHash, IdempotencyRecord, NodeStore, PriorityRecord, PriorityStatus, StorageError, TxRecord,
    WebhookRecord, Write,
};

/// The prover routes' access: the pool (when the L1 pipeline runs) and the workers' token.
pub struct ProverAccess {
    /// The pool.
    pub pool: Option<Arc<ProverPool>>,
    /// The bearer token (empty: every request is refused).
    pub token: String,
}

/// The admin routes' access (webhooks): their token, and where their changes go.
pub struct AdminAccess {
    /// The bearer token (empty: the admin routes refuse every request).
    pub token: String,
    /// The storage writer.
    pub writer: std::sync::mpsc::Sender<Job>,
    /// The webhook dispatcher.
    pub webhooks: tokio::sync::mpsc::UnboundedSender<WebhookCommand>,
    /// One endpoint creation at a time (ids are the next free one).
    pub create: tokio::sync::Mutex<()>,
}

/// How long a fee quote holds (the fees are the node's configuration: they do not change while it
/// runs, and a restart with other fees is what a quote's `validUntil` warns of).
const FEE_QUOTE_SECS: u64 = 600;

/// What the fee quote is made from.
pub struct Fees {
    /// Minimum fee per chunk by token (absent: free).
    pub per_chunk: BTreeMap<TokenId, u128>,
    /// Listed tokens besides ETH.
    pub tokens: Vec<TokenId>,
}

fn parse_hex32(s: &str) -> Result<[u8; 32], ApiError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)
        .map_err(|_| ApiError::new(ErrorCode::Internal, format!("stored hash {s:?} is not 32-byte hex")))?;
    Ok(out)
}

/// The node as the API sees it.
pub struct NodeService<S: NodeStore> {
    store: Arc<S>,
    shared: Arc<Shared>,
    commands: SyncSender<Command>,
    genesis_root: [u8; 32],
    prover: ProverAccess,
    admin: AdminAccess,
    fees: Fees,
    in_flight: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// An `Idempotency-Key` being served: released when the request ends, however it ends.
struct InFlight<'a> {
    set: &'a std::sync::Mutex<std::collections::HashSet<String>>,
    key: String,
}

impl<'a> InFlight<'a> {
    fn claim(set: &'a std::sync::Mutex<std::collections::HashSet<String>>, key: &str) -> Option<InFlight<'a>> {
        let fresh = set.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_string());
        fresh.then(|| InFlight { set, key: key.to_string() })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
    }
}

/// Whether `given` is `expected` (nonempty), compared without an early exit on the first
/// differing byte.
fn token_matches(expected: &str, given: Option<&str>) -> bool {
    let (expected, given) = (expected.as_bytes(), given.unwrap_or_default().as_bytes());
    !expected.is_empty()
        && given.len() == expected.len()
        && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn endpoint_view(w: WebhookRecord, secret: bool) -> WebhookEndpoint {
    WebhookEndpoint {
        id: w.id,
        url: w.url,
        filter: w.filter,
        created_at: w.created_at,
        cursor: w.cursor,
        secret: secret.then_some(w.secret),
    }
}

impl<S: NodeStore> NodeService<S> {
    /// A service over `store`, sending to the sequencer through `commands`.
    pub fn new(
        store: Arc<S>,
        shared: Arc<Shared>,
        commands: SyncSender<Command>,
        genesis_root: [u8; 32],
        prover: ProverAccess,
        admin: AdminAccess,
        fees: Fees,
    ) -> Self {
        NodeService { store, shared, commands, genesis_root, prover, admin, fees, in_flight: Default::default() }
    }

    /// For a request with the admin token.
    fn admin(&self, token: Option<String>) -> Result<&AdminAccess, ApiError> {
        if self.admin.token.is_empty() {
            return Err(ApiError::new(ErrorCode::Unauthorized, "the admin routes are off: set [api] admin_token"));
        }
        if !token_matches(&self.admin.token, token.as_deref()) {
            return Err(ApiError::new(ErrorCode::Unauthorized, "the admin routes need the node's admin bearer token"));
        }
        Ok(&self.admin)
    }

    fn webhook(&self, id: u64) -> Result<WebhookRecord, ApiError> {
        self.store
            .webhooks()
            .map_err(internal)?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no webhook endpoint {id}")))
    }

    async fn durable(&self, writes: Vec<Write>) -> Result<(), ApiError> {
        writer::durable(&self.admin.writer, writes)
            .ok_or_else(|| ApiError::new(ErrorCode::Unavailable, "the node is stopping"))?
            .wait()
            .await
    }

    /// The pool, for a request with the right token.
    fn pool(&self, token: Option<String>) -> Result<Arc<ProverPool>, ApiError> {
        if !token_matches(&self.prover.token, token.as_deref()) {
            return Err(ApiError::new(ErrorCode::Unauthorized, "the prover routes need the node's bearer token"));
        }
        self.prover
            .pool
            .clone()
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this node does not prove: its L1 pipeline is off"))
    }

    /// The L1 transactions of block `n`'s life.
    fn l1_txs(&self, n: u32) -> Result<L1Txs, ApiError> {
        let hex = |h: Option<HexHash>| h.map(|h| hex32(&h.0));
        Ok(match self.store.block_l1(n).map_err(internal)? {
            Some(b) => L1Txs {
                commit_tx_hash: hex(b.commit_tx),
                prove_tx_hash: hex(b.prove_tx),
                execute_tx_hash: hex(b.execute_tx),
            },
            None => L1Txs::default(),
        })
    }

    /// A submission, remembered under its idempotency key if it has one.
    async fn submit_keyed(
        &self,
        txs: Vec<L2Tx>,
        batch: bool,
        bytes: usize,
        idempotency: Option<Idempotency>,
    ) -> Result<SubmitResponse, ApiError> {
        let Some(key) = idempotency else { return self.submit_once(txs, batch, bytes).await };
        let conflict = |m: &str| ApiError::new(ErrorCode::IdempotencyConflict, m.to_string());
        if let Some(r) = self.store.idempotency(&key.key).map_err(internal)? {
            return if r.body_sha256 == key.body_sha256 {
                Ok(r.response)
            } else {
                Err(conflict("this Idempotency-Key was used with another body"))
            };
        }
        let _running = InFlight::claim(&self.in_flight, &key.key)
            .ok_or_else(|| conflict("a request with this Idempotency-Key is still running"))?;
        let response = self.submit_once(txs, batch, bytes).await?;
        // Stored before the answer: a retry after a lost answer gets this one. (A crash between
        // the txs' admission and this write makes the retry a `duplicate_tx`: no tx twice.)
        let record = IdempotencyRecord {
            key: key.key,
            body_sha256: key.body_sha256,
            response: response.clone(),
            created_at: now_ms(),
        };
        self.durable(vec![Write::Idempotency(record)]).await?;
        Ok(response)
    }

    /// Verify `txs` and hand them to the sequencer; answers once they are durable.
    async fn submit_once(&self, txs: Vec<L2Tx>, batch: bool, bytes: usize) -> Result<SubmitResponse, ApiError> {
        if self.shared.exodus() {
            return Err(ApiError::new(
                ErrorCode::Unavailable,
                "the Rollup is in exodus mode: no more L2 txs; exit with `zkpay exit`",
            ));
        }
        let (store, shared) = (self.store.clone(), self.shared.clone());
        let verified = tokio::task::spawn_blocking(move || verify_all(&*store, &shared, txs, bytes))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("verifier task: {e}")))??;
        let (reply, answer) = oneshot::channel();
        self.enqueue(Command::Submit { txs: verified, batch, reply })?;
        answer
            .await
            .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the node stopped before the txs were durable"))?
    }

    /// A stored tx with its status as of now (an included tx's block may be further on L1).
    fn tx_view(&self, r: TxRecord) -> Result<TxInfo, ApiError> {
        let (status, l1) = match (r.status, r.block) {
            (TxStatus::Included, Some(n)) => (TxStatus::of_block(self.shared.block_status(n)), self.l1_txs(n)?),
            (s, _) => (s, L1Txs::default()),
        };
        Ok(tx_info(r, status, l1))
    }

    fn enqueue(&self, cmd: Command) -> Result<(), ApiError> {
        if self.shared.cancel.is_cancelled() {
            return Err(ApiError::new(ErrorCode::Unavailable, "the node is shutting down"));
        }
        self.commands.try_send(cmd).map_err(|e| match e {
            TrySendError::Full(_) => {
                ApiError::new(ErrorCode::Unavailable, "the node is busy: its queue is full; retry shortly")
            }
            TrySendError::Disconnected(_) => ApiError::new(ErrorCode::Unavailable, "the node is shutting down"),
        })
    }
}

fn internal(e: StorageError) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("storage: {e}"))
}

pub(crate) fn hex32(b: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(b))
}

pub(crate) fn tx_info(r: TxRecord, status: TxStatus, l1: L1Txs) -> TxInfo {
    TxInfo {
        hash: hex32(&r.hash.0),
        tx: r.tx,
        status,
        block: r.block,
        rejection: r.rejection,
        batch_id: r.batch_id,
        received_at: r.received_at,
        l1,
    }
}

/// Hash, duplicate check and signature check of each tx (blocking: runs on the blocking pool).
fn verify_all<S: NodeStore>(
    store: &S,
    shared: &Shared,
    txs: Vec<L2Tx>,
    bytes: usize,
) -> Result<Vec<(VerifiedTx, [u8; 32], usize)>, ApiError> {
    let batch = txs.len() > 1;
    let per_tx = bytes / txs.len().max(1);
    let at = |index: usize, mut e: ApiError| {
        if batch {
            e.message = format!("batch tx {index}: {}", e.message);
            if let Some(d) = e.details.as_object_mut() {
                d.insert("index".into(), index.into());
            }
        }
        e
    };
    let mut out = Vec::with_capacity(txs.len());
    for (index, tx) in txs.into_iter().enumerate() {
        let hash = tx.tx_hash(&shared.domain).map_err(|e| at(index, tx_error(&e)))?;
        if let Some(existing) = store.tx(&hash).map_err(internal)? {
            return Err(at(
                index,
                ApiError::new(ErrorCode::DuplicateTx, "this tx was already accepted")
                    .with_details(json!({ "hash": hex32(&hash), "status": existing.status })),
            ));
        }
        let verified = VerifiedTx::verify(tx, &shared.domain).map_err(|e| at(index, tx_error(&e)))?;
        out.push((verified, hash, per_tx));
    }
    Ok(out)
}

impl<S: NodeStore> NodeApi for NodeService<S> {
    async fn submit(
        &self,
        txs: Vec<L2Tx>,
        batch: bool,
        bytes: usize,
        idempotency: Option<Idempotency>,
    ) -> Result<SubmitResponse, ApiError> {
        let n = txs.len() as u64;
        let result = self.submit_keyed(txs, batch, bytes, idempotency).await;
        match &result {
            Ok(_) => zkpay_api::metrics::TXS_ACCEPTED.inc_by(n),
            Err(e) => zkpay_api::metrics::TXS_REJECTED.with_label_values(&[e.code.as_str().as_str()]).inc(),
        }
        result
    }

    async fn tx(&self, hash: [u8; 32]) -> Result<TxInfo, ApiError> {
        let r = self
            .store
            .tx(&hash)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no tx {}", hex32(&hash))))?;
        self.tx_view(r)
    }

    async fn history(
        &self,
        account: AccountRef,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, TxInfo)>, ApiError> {
        let id = self.account(account).await?.id;
        let mut out = Vec::new();
        for (seq, hash) in self.store.history(id, before, limit).map_err(internal)? {
            let r = self.store.tx(&hash).map_err(internal)?.ok_or_else(|| {
                internal(StorageError::Corrupt { cf: "history", key: hex32(&hash), reason: "the tx is missing".into() })
            })?;
            out.push((seq, self.tx_view(r)?));
        }
        Ok(out)
    }

    async fn blocks(&self, before: Option<u32>, limit: usize) -> Result<Vec<BlockInfo>, ApiError> {
        let last = self.shared.durable_block();
        let top = before.map_or(last, |b| b.saturating_sub(1).min(last));
        let mut out = Vec::new();
        for n in (1..=top).rev().take(limit) {
            out.push(self.block(n).await?);
        }
        Ok(out)
    }

    async fn block_txs(&self, number: u32) -> Result<Vec<TxInfo>, ApiError> {
        let b = self.block(number).await?;
        let mut out = Vec::new();
        for h in &b.tx_hashes {
            out.push(self.tx(parse_hex32(h)?).await?);
        }
        Ok(out)
    }

    async fn priority_ops_of_l1_tx(&self, hash: [u8; 32]) -> Result<Vec<PriorityOpInfo>, ApiError> {
        let mut out = Vec::new();
        for serial in self.store.priority_ops_of_l1_tx(&hash).map_err(internal)? {
            out.push(self.priority_op(serial).await?);
        }
        if out.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no priority op from L1 tx {} (yet)", hex32(&hash)),
            ));
        }
        Ok(out)
    }

    async fn fee_quote(&self, tx_type: FeeTxType, token: TokenId, to: Option<Address>) -> Result<FeeQuote, ApiError> {
        if token != 0 && !self.fees.tokens.contains(&token) {
            return Err(ApiError::new(ErrorCode::UnknownToken, format!("token {token} is not listed")));
        }
        let chunks = match tx_type {
            FeeTxType::Transfer => match to {
                Some(to) if self.store.account_id(&to).map_err(internal)?.is_some() => 2,
                Some(_) => 4,
                None => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidRequest,
                        "a transfer's fee depends on its recipient: give `to`",
                    ))
                }
            },
            FeeTxType::Withdraw | FeeTxType::ForcedExit => 5,
            FeeTxType::ChangePubKey => 6,
        };
        let per_chunk = self.fees.per_chunk.get(&token).copied().unwrap_or(0);
        let minimum = per_chunk.saturating_mul(chunks as u128);
        let fee = packable_fee_at_least(minimum).ok_or_else(|| {
            ApiError::new(ErrorCode::FeeNotPackable, format!("the fee {minimum} is above the largest packable fee"))
        })?;
        Ok(FeeQuote {
            tx_type,
            token,
            fee: Amount(fee),
            chunks,
            per_chunk: Amount(per_chunk),
            valid_until: now_ms() / 1000 + FEE_QUOTE_SECS,
        })
    }

    async fn account(&self, account: AccountRef) -> Result<AccountInfo, ApiError> {
        let id = match account {
            AccountRef::Id(id) => Some(id),
            AccountRef::Address(a) => self.store.account_id(&a).map_err(internal)?,
        };
        let record = match id {
            Some(id) => self.store.account(id).map_err(internal)?,
            None => None,
        };
        let r = record.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such account (in a sealed block)"))?;
        let l1 = self.shared.l1_counters();
        let view = |block: u32| -> Result<Option<AccountView>, ApiError> {
            Ok(self.store.account_at(r.id, block).map_err(internal)?.map(|a| AccountView {
                block,
                nonce: a.nonce,
                pub_key_hash: a.pub_key_hash,
                balances: balances(&a.balances),
            }))
        };
        Ok(AccountInfo {
            id: r.id,
            address: r.address,
            nonce: r.nonce,
            pending_nonce: self.shared.pending_nonce(r.id).unwrap_or(r.nonce).max(r.nonce),
            pub_key_hash: r.pub_key_hash,
            balances: balances(&r.balances),
            committed: view(l1.committed)?,
            finalized: view(l1.executed)?,
        })
    }

    async fn block(&self, number: u32) -> Result<BlockInfo, ApiError> {
        let b = self
            .store
            .block(number)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no sealed block {number}")))?;
        Ok(BlockInfo {
            number: b.number,
            chunks: b.chunks,
            timestamp: b.timestamp,
            fee_account: b.fee_account,
            old_root: hex32(&b.old_root),
            new_root: hex32(&b.new_root),
            commitment: hex32(&b.commitment),
            tx_hashes: b.txs.iter().map(|h| hex32(&h.0)).collect(),
            priority_ops: b.priority_ops.iter().map(|s| Serial(*s)).collect(),
            status: self.shared.block_status(b.number),
            l1: self.l1_txs(b.number)?,
        })
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, ApiError> {
        Ok(self.shared.tokens())
    }

    async fn status(&self) -> Result<NodeStatus, ApiError> {
        let last = self.store.last_block().map_err(internal)?;
        let root = match last {
            0 => self.genesis_root,
            n => self.store.block(n).map_err(internal)?.map(|b| b.new_root).unwrap_or(self.genesis_root),
        };
        let (txs, bytes, pending, _) = self.shared.queues();
        Ok(NodeStatus {
            chain_id: self.shared.domain.chain_id,
            rollup: self.shared.domain.rollup,
            last_block: last,
            root: hex32(&root),
            mempool_txs: txs,
            mempool_bytes: bytes,
            pending_priority_ops: pending,
            block_sizes: self.shared.block_sizes.clone(),
            pipeline: self.shared.pipeline(),
        })
    }

    async fn feed_priority_op(&self, op: PriorityOpSubmission) -> Result<(), ApiError> {
        if !self.shared.dev_feed {
            return Err(ApiError::new(ErrorCode::NotFound, "the dev priority feed is off (dev_feed = false)"));
        }
        let hex = op.l1_tx_hash.strip_prefix("0x").unwrap_or(&op.l1_tx_hash);
        let mut l1_tx_hash = [0u8; 32];
        hex::decode_to_slice(hex, &mut l1_tx_hash)
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "l1TxHash is not a 32-byte 0x-hex hash"))?;
        let record = PriorityRecord {
            op: op.op,
            l1_tx_hash: HexHash(l1_tx_hash),
            log_index: op.log_index,
            status: PriorityStatus::Pending,
        };
        let (reply, answer) = oneshot::channel();
        self.enqueue(Command::Priority { record, reply })?;
        answer.await.map_err(|_| ApiError::new(ErrorCode::Unavailable, "the node stopped before the op was durable"))?
    }

    async fn priority_op(&self, serial: u64) -> Result<PriorityOpInfo, ApiError> {
        let p = self
            .store
            .priority_op(serial)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no priority op {serial} (yet)")))?;
        let (status, l1) = match p.status {
            PriorityStatus::Pending => (TxStatus::Queued, L1Txs::default()),
            PriorityStatus::Included { block } => {
                (TxStatus::of_block(self.shared.block_status(block)), self.l1_txs(block)?)
            }
        };
        Ok(priority_info(p, status, l1))
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, ApiError> {
        self.store.events_after(after, limit).map_err(internal)
    }

    fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<Arc<LiveEvent>> {
        self.shared.subscribe_events()
    }

    fn last_event_id(&self) -> u64 {
        self.shared.last_event_id()
    }

    fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.shared.cancel.clone().cancelled_owned()
    }

    fn refresh_metrics(&self) {
        let (txs, bytes, pending, _) = self.shared.queues();
        let l1 = self.shared.l1_counters();
        let p = self.shared.pipeline();
        let g = &zkpay_api::metrics::GAUGES;
        let values: [(&str, i64); 11] = [
            ("mempool_txs", txs as i64),
            ("mempool_bytes", bytes as i64),
            ("pending_priority_ops", pending as i64),
            ("last_sealed_block", self.shared.durable_block().into()),
            ("committed_blocks", l1.committed.into()),
            ("proven_blocks", l1.proven.into()),
            ("finalized_blocks", l1.executed.into()),
            ("proving_jobs_queued", p.jobs_queued as i64),
            ("proving_jobs_leased", p.jobs_leased as i64),
            ("last_event_id", self.shared.last_event_id() as i64),
            ("exodus", self.shared.exodus().into()),
        ];
        for (what, v) in values {
            g.with_label_values(&[what]).set(v);
        }
    }

    async fn webhook_create(&self, token: Option<String>, request: CreateWebhook) -> Result<WebhookEndpoint, ApiError> {
        let admin = self.admin(token)?;
        let invalid = |m: String| ApiError::new(ErrorCode::InvalidRequest, m);
        let url = reqwest::Url::parse(&request.url).map_err(|e| invalid(format!("url {:?}: {e}", request.url)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(format!("url {:?}: an http:// or https:// URL with a host", request.url)));
        }
        request.filter.types.check().map_err(invalid)?;
        let mut filter = request.filter;
        for h in &mut filter.tx_hashes {
            let hex = h.strip_prefix("0x").unwrap_or(h);
            if hex.len() != 64 || hex::decode(hex).is_err() {
                return Err(invalid(format!("{h:?} is not a 32-byte 0x-hex tx hash")));
            }
            *h = format!("0x{}", hex.to_ascii_lowercase());
        }
        let _one_at_a_time = admin.create.lock().await;
        let id = self.store.webhooks().map_err(internal)?.last().map_or(1, |w| w.id + 1);
        let record = WebhookRecord {
            id,
            url: url.to_string(),
            filter,
            secret: new_secret(),
            created_at: now_ms(),
            cursor: self.shared.last_event_id(),
        };
        self.durable(vec![Write::Webhook(record.clone())]).await?;
        let _ = admin.webhooks.send(WebhookCommand::Reload);
        tracing::info!(id, url = %record.url, "webhook endpoint registered");
        Ok(endpoint_view(record, true))
    }

    async fn webhooks(&self, token: Option<String>) -> Result<Vec<WebhookEndpoint>, ApiError> {
        self.admin(token)?;
        Ok(self.store.webhooks().map_err(internal)?.into_iter().map(|w| endpoint_view(w, false)).collect())
    }

    async fn webhook_get(&self, token: Option<String>, id: u64) -> Result<WebhookEndpoint, ApiError> {
        self.admin(token)?;
        Ok(endpoint_view(self.webhook(id)?, false))
    }

    async fn webhook_delete(&self, token: Option<String>, id: u64) -> Result<(), ApiError> {
        let admin = self.admin(token)?;
        self.webhook(id)?;
        self.durable(vec![Write::WebhookRemoved(id)]).await?;
        let _ = admin.webhooks.send(WebhookCommand::Reload);
        tracing::info!(id, "webhook endpoint removed");
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        token: Option<String>,
        id: u64,
        after: u64,
        limit: usize,
    ) -> Result<Vec<WebhookDelivery>, ApiError> {
        self.admin(token)?;
        self.webhook(id)?;
        self.store.deliveries(id, after, limit).map_err(internal)
    }

    async fn webhook_replay(&self, token: Option<String>, id: u64, event: u64) -> Result<WebhookDelivery, ApiError> {
        let admin = self.admin(token)?;
        self.webhook(id)?;
        let known = event >= 1
            && self.store.events_after(event - 1, 1).map_err(internal)?.first().is_some_and(|e| e.id == event);
        if !known {
            return Err(ApiError::new(ErrorCode::NotFound, format!("no event {event}")));
        }
        let now = now_ms();
        // A replay is a fresh delivery under the same webhook-id, with a fresh maximum age.
        let d = match self.store.delivery(id, event).map_err(internal)? {
            Some(mut d) => {
                d.state = DeliveryState::Pending;
                d.created_at = now;
                d.next_attempt_at = now;
                d
            }
            None => WebhookDelivery {
                endpoint: id,
                event,
                state: DeliveryState::Pending,
                attempts: 0,
                created_at: now,
                next_attempt_at: now,
                last_attempt: None,
            },
        };
        self.durable(vec![Write::Delivery(d.clone())]).await?;
        let _ = admin.webhooks.send(WebhookCommand::Due(d.clone()));
        Ok(d)
    }

    async fn prover_lease(&self, token: Option<String>, request: LeaseRequest) -> Result<Option<ProverJob>, ApiError> {
        let pool = self.pool(token)?;
        let job = tokio::task::spawn_blocking(move || {
            pool.lease(&request.worker, &request.block_sizes).map(|l| (l, pool.lease_duration()))
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("lease task: {e}")))?;
        let Some((job, lease)) = job else { return Ok(None) };
        let witness = tokio::task::spawn_blocking(move || format!("0x{}", hex::encode(job.witness.encode())))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("witness encoding: {e}")))?;
        Ok(Some(ProverJob {
            lease_id: job.lease_id,
            block: job.block,
            chunks: job.chunks,
            lease_ms: lease.as_millis() as u64,
            witness,
        }))
    }

    async fn prover_heartbeat(&self, token: Option<String>, heartbeat: LeaseHeartbeat) -> Result<(), ApiError> {
        self.pool(token)?.heartbeat(heartbeat.lease_id).map(|_| ())
    }

    async fn prover_submit(&self, token: Option<String>, proof: ProofSubmission) -> Result<u32, ApiError> {
        let pool = self.pool(token)?;
        if proof.proof.len() != 8 {
            return Err(ApiError::new(ErrorCode::InvalidRequest, "a proof is eight 0x-hex 32-byte words"));
        }
        let mut words = [[0u8; 32]; 8];
        for (w, s) in words.iter_mut().zip(&proof.proof) {
            hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), w)
                .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, format!("{s:?} is not a 32-byte 0x-hex word")))?;
        }
        // Verification is a pairing check (milliseconds) and the store write is synced.
        tokio::task::spawn_blocking(move || pool.submit(proof.lease_id, words))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("proof task: {e}")))?
    }
}

/// Nonzero balances by token.
fn balances(b: &[Balance]) -> BTreeMap<TokenId, Amount> {
    b.iter().filter(|b| b.amount != 0).map(|b| (b.token, Amount(b.amount))).collect()
}
