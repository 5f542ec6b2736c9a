//! The `/v1` routes and the mapping of every failure to an [`ApiError`] response.

use crate::{AccountRef, NodeApi};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zkpay_api_types::{ApiError, ErrorCode, PriorityOpSubmission, SubmitBatch};
use zkpay_core::tx::L2Tx;

/// Request limits of the routes.
#[derive(Clone, Copy, Debug)]
pub struct ApiLimits {
    /// Largest body, bytes.
    pub max_body_bytes: usize,
    /// Most txs in one batch.
    pub max_batch_txs: usize,
}

/// Mount the `/v1` routes of `api` on an actix app (`App::new().configure(|c| configure(c, …))`).
pub fn configure<A: NodeApi>(cfg: &mut web::ServiceConfig, api: web::Data<A>, limits: ApiLimits) {
    cfg.app_data(api)
        .app_data(web::Data::new(limits))
        .app_data(web::PayloadConfig::new(limits.max_body_bytes))
        .service(
            web::scope("/v1")
                .route("/txs", web::post().to(submit::<A>))
                .route("/txs/{hash}", web::get().to(tx::<A>))
                .route("/accounts/{account}", web::get().to(account::<A>))
                .route("/blocks/{number}", web::get().to(block::<A>))
                .route("/status", web::get().to(status::<A>))
                .route("/priority-ops/{serial}", web::get().to(priority_op::<A>))
                .route("/dev/priority-ops", web::post().to(feed_priority::<A>))
                .route("/prover/lease", web::post().to(prover_lease::<A>))
                .route("/prover/heartbeat", web::post().to(prover_heartbeat::<A>))
                .route("/prover/proof", web::post().to(prover_proof::<A>)),
        )
        .default_service(web::to(not_found));
}

fn error_response(e: &ApiError) -> HttpResponse {
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

async fn submit<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async {
        let bytes = body(raw, &limits)?;
        let (txs, batch) = parse_submission(&bytes, &limits)?;
        api.submit(txs, batch, bytes.len()).await
    }
    .await;
    respond(StatusCode::ACCEPTED, result)
}

fn parse_hash(s: &str) -> Result<[u8; 32], ApiError> {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex, &mut out)
        .map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{s:?} is not a 32-byte 0x-hex tx hash")))?;
    Ok(out)
}

async fn tx<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.tx(parse_hash(&path)?).await }.await;
    respond(StatusCode::OK, result)
}

fn parse_account(s: &str) -> Result<AccountRef, ApiError> {
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

async fn account<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async { api.account(parse_account(&path)?).await }.await;
    respond(StatusCode::OK, result)
}

async fn block<A: NodeApi>(api: web::Data<A>, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let n: u32 = path
            .parse()
            .map_err(|_| ApiError::new(ErrorCode::InvalidPath, format!("{:?} is not a block number", path.as_str())))?;
        api.block(n).await
    }
    .await;
    respond(StatusCode::OK, result)
}

async fn status<A: NodeApi>(api: web::Data<A>) -> HttpResponse {
    respond(StatusCode::OK, api.status().await)
}

async fn feed_priority<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async {
        let bytes = body(raw, &limits)?;
        let op: PriorityOpSubmission = serde_json::from_slice(&bytes).map_err(json_error)?;
        api.feed_priority_op(op).await.map(|()| serde_json::json!({ "accepted": true }))
    }
    .await;
    respond(StatusCode::ACCEPTED, result)
}

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

async fn prover_heartbeat<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.prover_heartbeat(bearer(&req), json_body(raw, &limits)?).await }.await;
    respond(StatusCode::OK, result.map(|()| serde_json::json!({ "ok": true })))
}

async fn prover_proof<A: NodeApi>(
    api: web::Data<A>,
    limits: web::Data<ApiLimits>,
    req: HttpRequest,
    raw: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let result = async { api.prover_submit(bearer(&req), json_body(raw, &limits)?).await }.await;
    respond(StatusCode::OK, result.map(|block| serde_json::json!({ "block": block })))
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
