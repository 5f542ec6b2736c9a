//! The `/v1` routes and the mapping of every failure to an [`ApiError`] response.

use crate::middleware::RateLimit;
use crate::{AccountRef, Idempotency, NodeApi};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use zkpay_api_types::schema::{Hash, Submission};
#[allow(unused_imports)] // named only in the OpenAPI annotations
use zkpay_api_types::{
    Accepted, AccountInfo, Ack, ApiError, BlockInfo, CreateWebhook, ErrorCode, Event, FeeQuote, FeeTxType,
    LeaseHeartbeat, LeaseRequest, NodeStatus, Page, PriorityOpInfo, PriorityOpSubmission, ProofAccepted,
    ProofSubmission, ProverJob, ReplayRequest, SubmitBatch, SubmitResponse, TokenInfo, TxInfo, WebhookDelivery,
    WebhookEndpoint,
};
use zkpay_core::tx::L2Tx;
use zkpay_core::types::{Address, TokenId};

/// Request limits of the routes.
#[derive(Clone, Copy, Debug)]
pub struct ApiLimits {
    /// Largest body, bytes.
    pub max_body_bytes: usize,
    /// Most txs in one batch.
    pub max_batch_txs: usize,
}

/// Everything the routes are configured with.
#[derive(Clone)]
pub struct ApiOptions {
    /// Request limits.
    pub limits: ApiLimits,
    /// Origins allowed to call the API from a browser (`*`: any); empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// The per-client rate limit, shared by every HTTP worker (`None`: none).
    pub rate_limit: Option<Arc<RateLimit>>,
}

fn cors(origins: &[String]) -> actix_cors::Cors {
    let base = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "DELETE"])
        .allowed_headers([
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::HeaderName::from_static("idempotency-key"),
            actix_web::http::header::HeaderName::from_static("last-event-id"),
            actix_web::http::header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        return base.allow_any_origin();
    }
    origins.iter().fold(base, |c, o| c.allowed_origin(o))
}

/// Declares the `/v1` routes once: [`ROUTES`] (what the OpenAPI test checks against the document)
/// and the function that mounts them, so the two cannot disagree.
macro_rules! api_routes {
    ($($method:ident $path:literal => $($handler:ident)::+),* $(,)?) => {
        /// Every route under `/v1`: (HTTP method, path relative to `/v1`, in OpenAPI's `{param}` form).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn mount<A: NodeApi>(scope: actix_web::Scope) -> actix_web::Scope {
            scope$(.route($path, web::$method().to($($handler)::+::<A>)))*
        }
    };
}

api_routes! {
    post "/txs" => submit,
    get "/txs/{hash}" => tx,
    get "/accounts/{account}" => account,
    get "/accounts/{account}/txs" => history,
    get "/blocks" => blocks,
    get "/blocks/{number}" => block,
    get "/blocks/{number}/txs" => block_txs,
    get "/tokens" => tokens,
    get "/priority-ops/{serial}" => priority_op,
    get "/priority-ops/by-l1-tx/{hash}" => priority_ops_of_l1_tx,
    get "/fee" => fee,
    get "/status" => status,
    get "/events" => crate::events::events,
    get "/events/log" => event_log,
    post "/webhooks" => webhook_create,
    get "/webhooks" => webhook_list,
    get "/webhooks/{id}" => webhook_get,
    delete "/webhooks/{id}" => webhook_delete,
    get "/webhooks/{id}/deliveries" => webhook_deliveries,
    post "/webhooks/{id}/replay" => webhook_replay,
    post "/dev/priority-ops" => feed_priority,
    post "/prover/lease" => prover_lease,
    post "/prover/heartbeat" => prover_heartbeat,
    post "/prover/proof" => prover_proof,
    get "/openapi.json" => crate::openapi::document_route,
    get "/docs" => crate::openapi::docs_page,
}

/// Mount the `/v1` routes of `api` and `/metrics` on an actix app
/// (`App::new().configure(|c| configure(c, …))`).
pub fn configure<A: NodeApi>(cfg: &mut web::ServiceConfig, api: web::Data<A>, options: &ApiOptions) {
    let limits = options.limits;
    if let Some(r) = &options.rate_limit {
        cfg.app_data(web::Data::new(r.clone()));
    }
    cfg.app_data(api)
        .app_data(web::Data::new(limits))
        .app_data(web::PayloadConfig::new(limits.max_body_bytes))
        .route("/metrics", web::get().to(metrics::<A>))
        .route("/", web::get().to(explorer))
        .service(
            mount::<A>(web::scope("/v1")).wrap(actix_web::middleware::from_fn(crate::middleware::observe)).wrap(
                actix_web::middleware::Condition::new(!options.cors_origins.is_empty(), cors(&options.cors_origins)),
            ),
        )
        .default_service(web::to(not_found));
}

pub(crate) fn error_response(e: &ApiError) -> HttpResponse {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(e)
}

fn respond<T: Serialize>(status: StatusCode, r: Result<T, ApiError>) -> HttpResponse {
    match r {
        Ok(v) => HttpResponse::build(status).json(v),
        Err(e) => {
            if e.code == ErrorCode::Internal {
                tracing::error!(error = %e, "internal error answering a request");
            }
            error_response(&e)
        }
    }
}

/// The body, or the error that reading it gave (over the limit: 413).
fn body(b: Result<web::Bytes, actix_web::Error>, limits: &ApiLimits) -> Result<web::Bytes, ApiError> {
    b.map_err(|e| {
        if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is over the {} byte limit", limits.max_body_bytes),
            )
            .with_details(serde_json::json!({ "limit": limits.max_body_bytes }))
        } else {
            ApiError::new(ErrorCode::InvalidRequest, format!("reading the body: {e}"))
        }
    })
}

/// A JSON error of serde: syntax (`malformed_json`), an unknown field, or the wrong shape.
fn json_error(e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))
        }
        Category::Data => {
            let msg = e.to_string();
            if msg.starts_with("unknown field") || msg.contains("unknown field `") {
                ApiError::new(ErrorCode::UnknownField, msg)
            } else {
                ApiError::new(ErrorCode::InvalidRequest, msg)
            }
        }
    }
}

/// One tx object, or `{"batch": [...]}`.
fn parse_submission(bytes: &[u8], limits: &ApiLimits) -> Result<(Vec<L2Tx>, bool), ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json_error)?;
    if value.get("batch").is_some() {
        let SubmitBatch { batch } = serde_json::from_value(value).map_err(json_error)?;
        if batch.is_empty() || batch.len() > limits.max_batch_txs {
            return Err(ApiError::new(
                ErrorCode::InvalidBatch,
                format!("a batch has 1 to {} txs, this one has {}", limits.max_batch_txs, batch.len()),
            ));
        }
        Ok((batch, true))
    } else {
        let tx: L2Tx = serde_json::from_value(value).map_err(json_error)?;
        Ok((vec![tx], false))
    }
}

/// The `Idempotency-Key` header, if the request has one.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    let key = v.to_str().unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "Idempotency-Key: 1 to 255 visible ASCII characters (a UUID, say)",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Submit a tx, or an atomic batch
///
/// Answers once the txs are durable in the mempool. With an `Idempotency-Key`, a repeat of the
/// same body gets the first answer; the same key with another body is a 409.
#[utoipa::path(
    post,
    path = "/v1/txs",
    tag = "txs",
    operation_id = "submitTx",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters, e.g. a UUID"),
    ),
    request_body(content = Submission, description = "A tx object, or `{\"batch\": [tx, …]}`"),
    responses(
        (status = 202, description = "Accepted: durable in the mempool", body = SubmitResponse),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 409, description = "A duplicate tx, a taken nonce, or an idempotency conflict", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
        (status = 422, description = "A protocol or node rule is broken (the code says which)", body = ApiError),
    ),
)]
async fn submit<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async {
        let key = idempotency_key(&req)?;
        let bytes = body(raw, &limits)?;
        let (txs, batch) = parse_submission(&bytes, &limits)?;
        let idempotency = key.map(|key| Idempotency { key, body_sha256: Sha256::digest(&bytes).into() });
        api.submit(txs, batch, bytes.len(), idempotency).await
    }
    .await;
    respond(StatusCode::ACCEPTED, result)
}

pub(crate) fn parse_hash(s: &str) -> Result<[u8; 32], ApiError> {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex, &mut out)
        .map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{s:?} is not a 32-byte 0x-hex tx hash")))?;
    Ok(out)
}

/// A tx by hash, with its status and block
#[utoipa::path(
    get,
    path = "/v1/txs/{hash}",
    tag = "txs",
    operation_id = "getTx",
    params(
        ("hash" = Hash, Path, description = "The 0x-hex tx hash"),
    ),
    responses(
        (status = 200, description = "The tx", body = TxInfo),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No tx with that hash", body = ApiError),
    ),
)]
async fn tx<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.tx(parse_hash(&path)?).await }.await;
    respond(StatusCode::OK, result)
}

pub(crate) fn parse_account(s: &str) -> Result<AccountRef, ApiError> {
    if s.starts_with("0x") {
        return s
            .parse()
            .map(AccountRef::Address)
            .map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{s:?} is not a 20-byte 0x-hex address")));
    }
    s.parse()
        .map(AccountRef::Id)
        .map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{s:?} is neither an account id nor a 0x address")))
}

/// An account: as of the last sealed block, committed and finalized on L1
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}",
    tag = "accounts",
    operation_id = "getAccount",
    params(
        ("account" = String, Path, description = "An account id (decimal) or a 0x-hex L1 address"),
    ),
    responses(
        (status = 200, description = "The account", body = AccountInfo),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    ),
)]
async fn account<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.account(parse_account(&path)?).await }.await;
    respond(StatusCode::OK, result)
}

/// A sealed block
#[utoipa::path(
    get,
    path = "/v1/blocks/{number}",
    tag = "blocks",
    operation_id = "getBlock",
    params(
        ("number" = u32, Path, description = "A block number"),
    ),
    responses(
        (status = 200, description = "The block", body = BlockInfo),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No such block", body = ApiError),
    ),
)]
async fn block<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.block(block_number(&path)?).await }.await;
    respond(StatusCode::OK, result)
}

/// The node: last blocks, mempool, L1 pipeline, exodus
#[utoipa::path(
    get,
    path = "/v1/status",
    tag = "network",
    operation_id = "getStatus",
    responses(
        (status = 200, description = "The status", body = NodeStatus),
    ),
)]
async fn status<A: NodeApi>(api: web::Data<A>) -> HttpResponse {
    respond(StatusCode::OK, api.status().await)
}

/// The tokens the rollup lists
#[utoipa::path(
    get,
    path = "/v1/tokens",
    tag = "tokens",
    operation_id = "listTokens",
    responses(
        (status = 200, description = "Every listed token (one page)", body = Page<TokenInfo>),
    ),
)]
async fn tokens<A: NodeApi>(api: web::Data<A>) -> HttpResponse {
    respond(StatusCode::OK, api.tokens().await.map(|data| Page { data, next_cursor: None }))
}

/// Feed a priority op as the L1 watcher would (dev feed only)
#[utoipa::path(
    post,
    path = "/v1/dev/priority-ops",
    tag = "dev",
    operation_id = "feedPriorityOp",
    request_body = PriorityOpSubmission,
    responses(
        (status = 202, description = "Taken", body = Accepted),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "The dev feed is off", body = ApiError),
        (status = 409, description = "That serial id was already received", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
    ),
)]
async fn feed_priority<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async {
        let bytes = body(raw, &limits)?;
        let op: PriorityOpSubmission = serde_json::from_slice(&bytes).map_err(json_error)?;
        api.feed_priority_op(op).await.map(|()| Accepted { accepted: true })
    }
    .await;
    respond(StatusCode::ACCEPTED, result)
}

/// A deposit or full exit by its priority serial id
#[utoipa::path(
    get,
    path = "/v1/priority-ops/{serial}",
    tag = "priority ops",
    operation_id = "getPriorityOp",
    params(
        ("serial" = u64, Path, description = "A priority serial id"),
    ),
    responses(
        (status = 200, description = "The priority op", body = PriorityOpInfo),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "The node has not seen that serial id", body = ApiError),
    ),
)]
async fn priority_op<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let serial: u64 = path.parse().map_err(|_| {
            ApiError::new(ErrorCode::InvalidPath, format!("{:?} is not a priority serial id", path.as_str()))
        })?;
        api.priority_op(serial).await
    }
    .await;
    respond(StatusCode::OK, result)
}

/// The query string as `T` (an unknown or malformed parameter: `invalid_request`).
pub(crate) fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("query: {e}")))
}

/// A page request: `?cursor=…&limit=…`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Most items in one page, and the default.
pub(crate) const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 20;

impl PageQuery {
    pub(crate) fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::new(ErrorCode::InvalidRequest, format!("limit {n}: from 1 to {MAX_PAGE}"))),
        }
    }

    /// The cursor as a number (the routes' cursors are ids).
    pub(crate) fn cursor_u64(&self) -> Result<Option<u64>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse().map_err(|_| {
                    ApiError::new(ErrorCode::InvalidRequest, format!("cursor {c:?} is not one this route gave"))
                })
            })
            .transpose()
    }
}

fn id_path(path: &str, what: &str) -> Result<u64, ApiError> {
    path.parse().map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{path:?} is not a {what} id")))
}

/// The bearer token of a request, if it has one.
fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn json_body<T: DeserializeOwned>(
    raw: Result<web::Bytes, actix_web::Error>,
    limits: &ApiLimits,
) -> Result<T, ApiError> {
    let bytes = body(raw, limits)?;
    serde_json::from_slice(&bytes).map_err(json_error)
}

/// A prover worker leases a proving job
#[utoipa::path(
    post,
    path = "/v1/prover/lease",
    tag = "prover",
    operation_id = "proverLease",
    request_body = LeaseRequest,
    responses(
        (status = 200, description = "A job", body = ProverJob),
        (status = 204, description = "Nothing to prove now"),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 404, description = "This node does not prove: its L1 pipeline is off", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
    ),
    security(("prover" = [])),
)]
async fn prover_lease<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.prover_lease(bearer(&req), json_body(raw, &limits)?).await }.await;
    match result {
        Ok(None) => HttpResponse::NoContent().finish(),
        Ok(Some(job)) => respond(StatusCode::OK, Ok(job)),
        Err(e) => respond::<()>(StatusCode::OK, Err(e)),
    }
}

/// A worker is still on its lease
#[utoipa::path(
    post,
    path = "/v1/prover/heartbeat",
    tag = "prover",
    operation_id = "proverHeartbeat",
    request_body = LeaseHeartbeat,
    responses(
        (status = 200, description = "The lease is extended", body = Ack),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 409, description = "The lease expired; the job went back to the queue", body = ApiError),
        (status = 404, description = "This node does not prove: its L1 pipeline is off", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
    ),
    security(("prover" = [])),
)]
async fn prover_heartbeat<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.prover_heartbeat(bearer(&req), json_body(raw, &limits)?).await }.await;
    respond(StatusCode::OK, result.map(|()| Ack { ok: true }))
}

/// A worker submits the proof of its job; the node verifies it
#[utoipa::path(
    post,
    path = "/v1/prover/proof",
    tag = "prover",
    operation_id = "proverSubmitProof",
    request_body = ProofSubmission,
    responses(
        (status = 200, description = "Verified and stored", body = ProofAccepted),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 409, description = "The lease expired", body = ApiError),
        (status = 404, description = "This node does not prove: its L1 pipeline is off", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
        (status = 422, description = "The proof does not verify", body = ApiError),
    ),
    security(("prover" = [])),
)]
async fn prover_proof<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.prover_submit(bearer(&req), json_body(raw, &limits)?).await }.await;
    respond(StatusCode::OK, result.map(|block| ProofAccepted { block }))
}

/// An account's txs, newest first
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/txs",
    tag = "accounts",
    operation_id = "listAccountTxs",
    params(
        ("account" = String, Path, description = "An account id (decimal) or a 0x-hex L1 address"),
        ("cursor" = Option<String>, Query, description = "The `nextCursor` of the previous page"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
    ),
    responses(
        (status = 200, description = "A page of txs", body = Page<TxInfo>),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    ),
)]
async fn history<A: NodeApi>(api: web::Data<A>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let account = parse_account(&path)?;
        let q: PageQuery = query(&req)?;
        let limit = q.limit()?;
        let items = api.history(account, q.cursor_u64()?, limit).await?;
        let next_cursor = (items.len() == limit).then(|| items.last().map(|(seq, _)| seq.to_string())).flatten();
        Ok(Page { data: items.into_iter().map(|(_, t)| t).collect(), next_cursor })
    }
    .await;
    respond(StatusCode::OK, result)
}

/// Sealed blocks, newest first
#[utoipa::path(
    get,
    path = "/v1/blocks",
    tag = "blocks",
    operation_id = "listBlocks",
    params(
        ("cursor" = Option<String>, Query, description = "The `nextCursor` of the previous page"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
    ),
    responses(
        (status = 200, description = "A page of blocks", body = Page<BlockInfo>),
        (status = 400, description = "The request cannot be read", body = ApiError),
    ),
)]
async fn blocks<A: NodeApi>(api: web::Data<A>, req: HttpRequest) -> HttpResponse {
    let result = async {
        let q: PageQuery = query(&req)?;
        let limit = q.limit()?;
        let before = q
            .cursor_u64()?
            .map(|c| {
                u32::try_from(c).map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "cursor: not a block number"))
            })
            .transpose()?;
        let data = api.blocks(before, limit).await?;
        let next_cursor = match data.last() {
            Some(b) if data.len() == limit && b.number > 1 => Some(b.number.to_string()),
            _ => None,
        };
        Ok(Page { data, next_cursor })
    }
    .await;
    respond(StatusCode::OK, result)
}

fn block_number(path: &str) -> Result<u32, ApiError> {
    path.parse().map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{path:?} is not a block number")))
}

/// A block's L2 txs, in block order
#[utoipa::path(
    get,
    path = "/v1/blocks/{number}/txs",
    tag = "blocks",
    operation_id = "listBlockTxs",
    params(
        ("number" = u32, Path, description = "A block number"),
    ),
    responses(
        (status = 200, description = "Every tx of the block (one page)", body = Page<TxInfo>),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No such block", body = ApiError),
    ),
)]
async fn block_txs<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.block_txs(block_number(&path)?).await.map(|data| Page { data, next_cursor: None }) }.await;
    respond(StatusCode::OK, result)
}

/// The priority ops an L1 transaction queued
#[utoipa::path(
    get,
    path = "/v1/priority-ops/by-l1-tx/{hash}",
    tag = "priority ops",
    operation_id = "listPriorityOpsOfL1Tx",
    params(
        ("hash" = Hash, Path, description = "The 0x-hex hash of an L1 transaction"),
    ),
    responses(
        (status = 200, description = "Its priority ops, by serial id", body = Page<PriorityOpInfo>),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "No priority op of that L1 transaction seen (yet: the watcher waits for confirmations)", body = ApiError),
    ),
)]
async fn priority_ops_of_l1_tx<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let ops = api.priority_ops_of_l1_tx(parse_hash(&path)?).await?;
        Ok(Page { data: ops, next_cursor: None })
    }
    .await;
    respond(StatusCode::OK, result)
}

/// `?txType=…&token=…&to=…`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FeeQuery {
    tx_type: FeeTxType,
    #[serde(default)]
    token: TokenId,
    to: Option<String>,
}

/// The smallest fee the node accepts for an op now
#[utoipa::path(
    get,
    path = "/v1/fee",
    tag = "fees",
    operation_id = "getFee",
    params(
        ("txType" = FeeTxType, Query, description = "The op"),
        ("token" = Option<u16>, Query, description = "The fee token (default 0: ETH)"),
        ("to" = Option<zkpay_api_types::schema::Address>, Query, description = "A transfer's recipient (decides its size)"),
    ),
    responses(
        (status = 200, description = "The quote", body = FeeQuote),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 422, description = "The token is not listed", body = ApiError),
    ),
)]
async fn fee<A: NodeApi>(api: web::Data<A>, req: HttpRequest) -> HttpResponse {
    let result = async {
        let q: FeeQuery = query(&req)?;
        let to = match q.to.as_deref() {
            Some(t) => Some(t.parse::<Address>().map_err(|_| {
                ApiError::new(ErrorCode::InvalidRequest, format!("to {t:?} is not a 20-byte 0x-hex address"))
            })?),
            None => None,
        };
        api.fee_quote(q.tx_type, q.token, to).await
    }
    .await;
    respond(StatusCode::OK, result)
}

/// Stored events in id order (for reconciliation)
#[utoipa::path(
    get,
    path = "/v1/events/log",
    tag = "events",
    operation_id = "listEvents",
    params(
        ("cursor" = Option<String>, Query, description = "Events after this id (the previous page's `nextCursor`; default: from the first)"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
    ),
    responses(
        (status = 200, description = "A page of events", body = Page<Event>),
        (status = 400, description = "The request cannot be read", body = ApiError),
    ),
)]
async fn event_log<A: NodeApi>(api: web::Data<A>, req: HttpRequest) -> HttpResponse {
    let result = async {
        let q: PageQuery = query(&req)?;
        let (after, limit) = (q.cursor_u64()?.unwrap_or(0), q.limit()?);
        let data = api.events_after(after, limit).await?;
        let next_cursor = (data.len() == limit).then(|| data.last().map(|e| e.id.to_string())).flatten();
        Ok(Page { data, next_cursor })
    }
    .await;
    respond(StatusCode::OK, result)
}

/// Register a webhook endpoint (admin); the answer shows its secret, once
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    tag = "webhooks",
    operation_id = "createWebhook",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Registered", body = WebhookEndpoint),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_create<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.webhook_create(bearer(&req), json_body(raw, &limits)?).await }.await;
    respond(StatusCode::CREATED, result)
}

/// Every webhook endpoint (admin)
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    tag = "webhooks",
    operation_id = "listWebhooks",
    responses(
        (status = 200, description = "Every endpoint (one page)", body = Page<WebhookEndpoint>),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_list<A: NodeApi>(api: web::Data<A>, req: HttpRequest) -> HttpResponse {
    let result = api.webhooks(bearer(&req)).await.map(|data| Page { data, next_cursor: None });
    respond(StatusCode::OK, result)
}

/// One webhook endpoint (admin)
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    operation_id = "getWebhook",
    params(
        ("id" = u64, Path, description = "A webhook endpoint id"),
    ),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 404, description = "No such endpoint", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_get<A: NodeApi>(api: web::Data<A>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let result = async { api.webhook_get(bearer(&req), id_path(&path, "webhook endpoint")?).await }.await;
    respond(StatusCode::OK, result)
}

/// Remove a webhook endpoint and its deliveries (admin)
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    operation_id = "deleteWebhook",
    params(
        ("id" = u64, Path, description = "A webhook endpoint id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 404, description = "No such endpoint", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_delete<A: NodeApi>(api: web::Data<A>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let result = async { api.webhook_delete(bearer(&req), id_path(&path, "webhook endpoint")?).await }.await;
    match result {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => respond::<()>(StatusCode::OK, Err(e)),
    }
}

/// The delivery log of an endpoint, by event id (admin)
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    params(
        ("id" = u64, Path, description = "A webhook endpoint id"),
        ("cursor" = Option<String>, Query, description = "Deliveries of events after this id (the `nextCursor` of the previous page)"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
    ),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<WebhookDelivery>),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 404, description = "No such endpoint", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_deliveries<A: NodeApi>(api: web::Data<A>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let id = id_path(&path, "webhook endpoint")?;
        let q: PageQuery = query(&req)?;
        let (after, limit) = (q.cursor_u64()?.unwrap_or(0), q.limit()?);
        let data = api.webhook_deliveries(bearer(&req), id, after, limit).await?;
        let next_cursor = (data.len() == limit).then(|| data.last().map(|d| d.event.to_string())).flatten();
        Ok(Page { data, next_cursor })
    }
    .await;
    respond(StatusCode::OK, result)
}

/// Deliver a stored event to an endpoint (again) (admin)
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/replay",
    tag = "webhooks",
    operation_id = "replayWebhookEvent",
    params(
        ("id" = u64, Path, description = "A webhook endpoint id"),
    ),
    request_body = ReplayRequest,
    responses(
        (status = 202, description = "Queued for delivery", body = WebhookDelivery),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 401, description = "No or a wrong bearer token (or none is configured)", body = ApiError),
        (status = 404, description = "No such endpoint or event", body = ApiError),
        (status = 413, description = "The body is over the size limit", body = ApiError),
    ),
    security(("admin" = [])),
)]
async fn webhook_replay<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    path: web::Path<String>,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async {
        let id = id_path(&path, "webhook endpoint")?;
        let r: ReplayRequest = json_body(raw, &limits)?;
        api.webhook_replay(bearer(&req), id, r.event_id).await
    }
    .await;
    respond(StatusCode::ACCEPTED, result)
}

/// The block explorer (one self-contained page, live through the event stream)
#[utoipa::path(
    get,
    path = "/",
    tag = "meta",
    operation_id = "getExplorer",
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
)]
async fn explorer() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(include_str!("explorer.html"))
}

/// Prometheus metrics
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    operation_id = "getMetrics",
    responses(
        (status = 200, description = "The Prometheus text exposition format", content_type = "text/plain", body = String),
    ),
)]
async fn metrics<A: NodeApi>(api: web::Data<A>) -> HttpResponse {
    api.refresh_metrics();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(crate::metrics::render())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    error_response(&ApiError::new(ErrorCode::NotFound, format!("no route {} {}", req.method(), req.path())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ApiLimits = ApiLimits { max_body_bytes: 1000, max_batch_txs: 2 };

    #[test]
    fn submissions_are_classified() {
        assert_eq!(parse_submission(b"{not json", &LIMITS).unwrap_err().code, ErrorCode::MalformedJson);
        assert_eq!(parse_submission(b"", &LIMITS).unwrap_err().code, ErrorCode::MalformedJson);
        assert_eq!(parse_submission(b"{\"type\":\"Nope\"}", &LIMITS).unwrap_err().code, ErrorCode::InvalidRequest);
        assert_eq!(parse_submission(b"{\"batch\":[]}", &LIMITS).unwrap_err().code, ErrorCode::InvalidBatch);
        assert_eq!(parse_submission(b"{\"batch\":[], \"x\":1}", &LIMITS).unwrap_err().code, ErrorCode::UnknownField);
    }

    #[test]
    fn paths_are_parsed_or_refused() {
        assert_eq!(parse_account("7").unwrap(), AccountRef::Id(7));
        assert!(matches!(parse_account("0x0101010101010101010101010101010101010101").unwrap(), AccountRef::Address(_)));
        assert_eq!(parse_account("0x01").unwrap_err().code, ErrorCode::InvalidPath);
        assert_eq!(parse_account("-1").unwrap_err().code, ErrorCode::InvalidPath);
        assert_eq!(parse_hash("0x12").unwrap_err().code, ErrorCode::InvalidPath);
        assert_eq!(parse_hash(&format!("0x{}", "ab".repeat(32))).unwrap(), [0xab; 32]);
    }
}
