//! The one error body of the API and its stable codes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stable, machine-readable error code (snake_case on the wire). Each has one HTTP status; the
/// table is in docs/api.md. New codes may be added; existing ones never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400: the request cannot be read.
    /// The body is not JSON.
    MalformedJson,
    /// The JSON does not have the request's shape (wrong type, missing field, bad hex/decimal).
    InvalidRequest,
    /// The JSON has a field the request does not know.
    UnknownField,
    /// A path parameter is not what the route takes.
    InvalidPath,
    /// A batch with no txs, or more than the node takes in one batch.
    InvalidBatch,
    // 404
    /// Nothing with that id or hash.
    NotFound,
    // 409
    /// The tx (same hash) was already accepted.
    DuplicateTx,
    /// The `Idempotency-Key` was used with another body, or its first request is still running.
    IdempotencyConflict,
    /// Another pending tx of the account has this nonce.
    NonceTaken,
    // 413
    /// The body is over the size limit.
    PayloadTooLarge,
    // 422: a protocol or node rule is broken.
    /// The signature does not verify for this chain and rollup (or the key is malformed).
    InvalidSignature,
    /// The signer is not the account's key (or the account has no key).
    WrongSigner,
    /// The account has no signing key yet (ChangePubKey first).
    NoSigningKey,
    /// The nonce is below the account's next nonce (already used).
    NonceMismatch,
    /// The nonce is too far above the account's next pending nonce.
    NonceGapTooLarge,
    /// The account does not exist.
    AccountNotFound,
    /// The token is not registered.
    UnknownToken,
    /// The amount cannot be packed (see the closest packable amount).
    AmountNotPackable,
    /// The fee cannot be packed.
    FeeNotPackable,
    /// amount + fee, or a resulting balance, does not fit u128.
    AmountOverflow,
    /// The balance, after the account's earlier pending txs, does not cover amount + fee.
    InsufficientBalance,
    /// The fee is below the node's quote.
    FeeTooLow,
    /// The tx's time range has ended (or ends before it could be included).
    Expired,
    /// The tx's time range has not started, and starts too far ahead for the mempool.
    NotYetValid,
    /// The recipient account's address is not the signed one, or similar address rules.
    AddressMismatch,
    /// A ForcedExit target has a signing key.
    TargetHasSigningKey,
    /// Any other rule of docs/protocol.md §8.
    RuleViolation,
    // 429 / 503
    /// Too many requests from this client address: retry after the `Retry-After` seconds.
    RateLimited,
    /// The account has as many pending txs as the node allows.
    AccountMempoolFull,
    /// The mempool is full (tx count or bytes).
    MempoolFull,
    /// The node cannot take requests right now (a queue is full, or it is shutting down).
    Unavailable,
    // 500
    /// A fault of the node (storage, a bug). Logged with the request.
    Internal,
    // prover workers
    /// A prover route without the node's bearer token (401).
    Unauthorized,
    /// The prover lease is unknown or expired; the job went back to the queue (409).
    LeaseExpired,
    /// A submitted proof does not verify for its block (422); it is refused and logged.
    InvalidProof,
}

impl ErrorCode {
    /// Every code (docs/api.md lists each; a test checks).
    pub const ALL: [ErrorCode; 35] = {
        use ErrorCode::*;
        [
            MalformedJson,
            InvalidRequest,
            UnknownField,
            InvalidPath,
            InvalidBatch,
            NotFound,
            DuplicateTx,
            IdempotencyConflict,
            NonceTaken,
            PayloadTooLarge,
            InvalidSignature,
            WrongSigner,
            NoSigningKey,
            NonceMismatch,
            NonceGapTooLarge,
            AccountNotFound,
            UnknownToken,
            AmountNotPackable,
            FeeNotPackable,
            AmountOverflow,
            InsufficientBalance,
            FeeTooLow,
            Expired,
            NotYetValid,
            AddressMismatch,
            TargetHasSigningKey,
            RuleViolation,
            RateLimited,
            AccountMempoolFull,
            MempoolFull,
            Unavailable,
            Internal,
            Unauthorized,
            LeaseExpired,
            InvalidProof,
        ]
    };

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MalformedJson | InvalidRequest | UnknownField | InvalidPath | InvalidBatch => 400,
            NotFound => 404,
            Unauthorized => 401,
            DuplicateTx | IdempotencyConflict | NonceTaken | LeaseExpired => 409,
            PayloadTooLarge => 413,
            InvalidSignature | WrongSigner | NoSigningKey | NonceMismatch | NonceGapTooLarge | AccountNotFound
            | UnknownToken | AmountNotPackable | FeeNotPackable | AmountOverflow | InsufficientBalance | FeeTooLow
            | Expired | NotYetValid | AddressMismatch | TargetHasSigningKey | RuleViolation | InvalidProof => 422,
            AccountMempoolFull | RateLimited => 429,
            MempoolFull | Unavailable => 503,
            Internal => 500,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}

/// The body of every error response: `{code, message, details}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiError {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable explanation (may change between versions: match on `code`).
    pub message: String,
    /// Structured facts about the error (e.g. `{"expected": 3, "got": 5}`, `{"index": 1}` for a
    /// batch), `{}` when there are none.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl ApiError {
    /// An error with no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), details: serde_json::json!({}) }
    }

    /// The same error with `details`.
    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = details;
        self
    }

    /// Its HTTP status.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code.as_str(), self.http_status(), self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_docs_with_its_status() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
            assert!(doc.contains(&row), "docs/api.md lacks the row {row}");
        }
    }

    #[test]
    fn codes_are_snake_case_on_the_wire_and_round_trip() {
        assert_eq!(ErrorCode::NonceGapTooLarge.as_str(), "nonce_gap_too_large");
        let e = ApiError::new(ErrorCode::InsufficientBalance, "x").with_details(serde_json::json!({"needed": "5"}));
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(text, r#"{"code":"insufficient_balance","message":"x","details":{"needed":"5"}}"#);
        assert_eq!(serde_json::from_str::<ApiError>(&text).unwrap(), e);
    }
}
