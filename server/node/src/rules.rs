//! Mempool admission (docs/api.md, "Admission"): what a tx must satisfy, against the sealed state
//! and the account's queued txs, before the node accepts it; and the error codes of core's
//! refusals.

use crate::mempool::{spend, Mempool};
use serde_json::json;
use std::collections::BTreeMap;
use zkpay_api_types::{ApiError, ErrorCode};
use zkpay_core::packing::{is_amount_packable, is_fee_packable};
use zkpay_core::state::{ApplyError, State};
use zkpay_core::tx::{L2Tx, TxError};
use zkpay_core::types::TokenId;

/// The limits and quote admission applies.
#[derive(Clone, Debug)]
pub struct Admission {
    /// Txs in the mempool.
    pub max_txs: usize,
    /// Bytes in the mempool.
    pub max_bytes: usize,
    /// Queued txs per account.
    pub max_per_account: usize,
    /// Nonce distance above the next pending nonce.
    pub max_nonce_gap: u32,
    /// `validFrom` at most this far ahead, seconds.
    pub max_valid_from_ahead_secs: u64,
    /// Minimum fee per chunk by token.
    pub fee_per_chunk: BTreeMap<TokenId, u128>,
}

/// The chunks an op of `tx` takes, counting a transfer to a new account as TransferToNew.
pub fn op_chunks(tx: &L2Tx, state: &State) -> usize {
    match tx {
        L2Tx::Transfer(t) if state.account_id_by_address(&t.to).is_none() => 4,
        L2Tx::Transfer(_) => 2,
        L2Tx::Withdraw(_) | L2Tx::ForcedExit(_) => 5,
        L2Tx::ChangePubKey(_) => 6,
    }
}

/// A core tx error (hashing or signature) as an API error.
pub fn tx_error(e: &TxError) -> ApiError {
    let code = match e {
        TxError::AmountNotPackable(_) => ErrorCode::AmountNotPackable,
        TxError::FeeNotPackable(_) => ErrorCode::FeeNotPackable,
        TxError::BadPublicKey(_) | TxError::BadSignature(_) | TxError::MessageTooWide => ErrorCode::InvalidSignature,
        TxError::WrongSigner { .. } => ErrorCode::WrongSigner,
    };
    ApiError::new(code, e.to_string())
}

/// A core state refusal as an API error.
pub fn apply_error(e: &ApplyError) -> ApiError {
    use ApplyError::*;
    let (code, details) = match e {
        NonceMismatch { expected, got } => (ErrorCode::NonceMismatch, json!({ "expected": expected, "got": got })),
        InsufficientBalance { balance, needed, token, .. } => (
            ErrorCode::InsufficientBalance,
            json!({ "token": token, "balance": balance.to_string(), "needed": needed.to_string() }),
        ),
        AmountOverflow | BalanceOverflow { .. } => (ErrorCode::AmountOverflow, json!({})),
        AccountNotFound(id) => (ErrorCode::AccountNotFound, json!({ "accountId": id })),
        NoAccountForAddress(a) => (ErrorCode::AccountNotFound, json!({ "address": a.to_string() })),
        NoSigningKey(_) => (ErrorCode::NoSigningKey, json!({})),
        WrongSigner { .. } => (ErrorCode::WrongSigner, json!({})),
        Tx(t) => return tx_error(t),
        RecipientAddressMismatch { .. } | AddressMismatch { .. } | ZeroAddress => {
            (ErrorCode::AddressMismatch, json!({}))
        }
        NotYetValid { valid_from, .. } => (ErrorCode::NotYetValid, json!({ "validFrom": valid_from.to_string() })),
        Expired { valid_until, .. } => (ErrorCode::Expired, json!({ "validUntil": valid_until.to_string() })),
        UnknownToken(t) | TokenIdOutOfRange(t) => (ErrorCode::UnknownToken, json!({ "token": t })),
        AmountNotPackable(_) => (ErrorCode::AmountNotPackable, json!({})),
        FeeNotPackable(_) => (ErrorCode::FeeNotPackable, json!({})),
        TargetHasSigningKey(_) => (ErrorCode::TargetHasSigningKey, json!({})),
        _ => (ErrorCode::RuleViolation, json!({})),
    };
    ApiError::new(code, e.to_string()).with_details(details)
}

/// Whose fee is checked against the quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fee {
    /// Each tx's own.
    PerTx,
    /// The batch's total ([`Admission::check_batch_fees`]).
    ByBatch,
}

impl Admission {
    /// Check `tx` (signed by `signer`, `bytes` of JSON) against the sealed `state` and `mempool`
    /// at `now` (unix seconds). Nothing changes; the caller inserts it on success.
    /// `fee`: [`Fee::PerTx`] checks the tx's own fee against the quote; [`Fee::ByBatch`] leaves
    /// it to [`Admission::check_batch_fees`].
    pub fn check(
        &self,
        tx: &L2Tx,
        signer: zkpay_core::types::PubKeyHash,
        state: &State,
        mempool: &Mempool,
        now: u64,
        fee: Fee,
    ) -> Result<(), ApiError> {
        let account = tx.account_id();
        let fields = state.account(account).ok_or_else(|| apply_error(&ApplyError::AccountNotFound(account)))?;
        // Tokens.
        let tokens: Vec<TokenId> = spend(tx).iter().map(|(t, _)| *t).collect();
        for t in &tokens {
            if !state.is_token_known(*t) {
                return Err(apply_error(&ApplyError::UnknownToken(*t)));
            }
        }
        // Packability (hashing checked it already; kept for the message).
        if let L2Tx::Transfer(t) = tx {
            if !is_amount_packable(t.amount) {
                return Err(apply_error(&ApplyError::AmountNotPackable(t.amount)));
            }
        }
        if !is_fee_packable(tx.fee()) {
            return Err(apply_error(&ApplyError::FeeNotPackable(tx.fee())));
        }
        // Nonce.
        let nonce = tx.nonce();
        if nonce < fields.nonce {
            return Err(apply_error(&ApplyError::NonceMismatch { expected: fields.nonce, got: nonce }));
        }
        if mempool.has_nonce(account, nonce) {
            return Err(ApiError::new(
                ErrorCode::NonceTaken,
                format!("account {account} already has a queued tx with nonce {nonce}"),
            )
            .with_details(json!({ "nonce": nonce })));
        }
        let next = mempool.next_nonce(account, fields.nonce);
        if nonce > next.saturating_add(self.max_nonce_gap) {
            return Err(ApiError::new(
                ErrorCode::NonceGapTooLarge,
                format!(
                    "nonce {nonce} is more than {} above the account's next pending nonce {next}",
                    self.max_nonce_gap
                ),
            )
            .with_details(json!({ "nextNonce": next, "got": nonce, "maxGap": self.max_nonce_gap })));
        }
        // Signer: the account's key after its queued ChangePubKeys (ChangePubKey itself is signed
        // by the new key, checked with its signature).
        match tx {
            L2Tx::ChangePubKey(c) => {
                if c.account != fields.address {
                    return Err(apply_error(&ApplyError::AddressMismatch {
                        account_id: account,
                        expected: c.account,
                        found: fields.address,
                    }));
                }
            }
            _ => {
                let key = mempool.pending_key(account, nonce).unwrap_or(fields.pubkey_hash);
                if key.is_zero() {
                    return Err(apply_error(&ApplyError::NoSigningKey(account)));
                }
                if key != signer {
                    return Err(apply_error(&ApplyError::WrongSigner { expected: key, got: signer }));
                }
            }
        }
        // Balance after the account's queued txs.
        for (token, needed) in spend(tx) {
            let needed = needed.ok_or_else(|| apply_error(&ApplyError::AmountOverflow))?;
            let balance = state.balance(account, token);
            let available = balance.saturating_sub(mempool.pending_spend(account, token));
            if available < needed {
                return Err(apply_error(&ApplyError::InsufficientBalance {
                    account_id: account,
                    token,
                    balance: available,
                    needed,
                }));
            }
        }
        // ForcedExit target.
        if let L2Tx::ForcedExit(f) = tx {
            let target = state
                .account_id_by_address(&f.target)
                .ok_or_else(|| apply_error(&ApplyError::NoAccountForAddress(f.target)))?;
            if state.account(target).is_some_and(|a| !a.pubkey_hash.is_zero()) {
                return Err(apply_error(&ApplyError::TargetHasSigningKey(target)));
            }
        }
        if let L2Tx::Transfer(t) = tx {
            if t.to.is_zero() {
                return Err(apply_error(&ApplyError::ZeroAddress));
            }
        }
        // Fee quote.
        if let (Fee::PerTx, Some(quote)) = (fee, self.quote(tx, state)) {
            if tx.fee() < quote {
                return Err(ApiError::new(
                    ErrorCode::FeeTooLow,
                    format!("fee {} is below the node's quote {quote}", tx.fee()),
                )
                .with_details(json!({ "quote": quote.to_string(), "token": tx.fee_token() })));
            }
        }
        // Time range.
        let range = tx.time_range();
        if range.valid_until < now {
            return Err(apply_error(&ApplyError::Expired { valid_until: range.valid_until, timestamp: now }));
        }
        if range.valid_from > now.saturating_add(self.max_valid_from_ahead_secs) {
            return Err(ApiError::new(
                ErrorCode::NotYetValid,
                format!("validFrom {} is more than {} s ahead", range.valid_from, self.max_valid_from_ahead_secs),
            ));
        }
        // Limits.
        if mempool.account_len(account) >= self.max_per_account {
            return Err(ApiError::new(
                ErrorCode::AccountMempoolFull,
                format!("account {account} has {} queued txs, the most the node keeps", self.max_per_account),
            ));
        }
        Ok(())
    }

    /// The node's minimum fee for `tx` in its fee token (`None`: that token is free).
    fn quote(&self, tx: &L2Tx, state: &State) -> Option<u128> {
        self.fee_per_chunk.get(&tx.fee_token()).map(|per_chunk| per_chunk.saturating_mul(op_chunks(tx, state) as u128))
    }

    /// A batch pays the node's quote in total: per fee token, the sum of its txs' fees covers
    /// the sum of their quotes (so a payout batch can carry its whole fee in one tx).
    pub fn check_batch_fees<'a>(&self, txs: impl Iterator<Item = &'a L2Tx>, state: &State) -> Result<(), ApiError> {
        let mut due: BTreeMap<TokenId, (u128, u128)> = BTreeMap::new();
        for tx in txs {
            if let Some(quote) = self.quote(tx, state) {
                let e = due.entry(tx.fee_token()).or_default();
                e.0 = e.0.saturating_add(tx.fee());
                e.1 = e.1.saturating_add(quote);
            }
        }
        for (token, (paid, quote)) in due {
            if paid < quote {
                return Err(ApiError::new(
                    ErrorCode::FeeTooLow,
                    format!("the batch's fees in token {token} sum to {paid}, below the node's quote {quote}"),
                )
                .with_details(json!({ "quote": quote.to_string(), "token": token })));
            }
        }
        Ok(())
    }

    /// The mempool's global limits for `count` more txs of `bytes`.
    pub fn check_capacity(&self, mempool: &Mempool, count: usize, bytes: usize) -> Result<(), ApiError> {
        if mempool.len() + count > self.max_txs || mempool.bytes() + bytes > self.max_bytes {
            return Err(ApiError::new(ErrorCode::MempoolFull, "the mempool is full; retry later")
                .with_details(json!({ "maxTxs": self.max_txs, "maxBytes": self.max_bytes })));
        }
        Ok(())
    }
}
