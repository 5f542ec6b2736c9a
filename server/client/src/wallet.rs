//! A wallet: an account's keys and the node it talks to. It builds and signs every L2 tx with
//! `zkpay-core` (docs/protocol.md §9), asks the node for the nonce and the fee, refuses to send
//! what would certainly be refused (an amount that is not packable, a quote that expired), and
//! waits for a tx's status through the event stream.
//!
//! ```no_run
//! # async fn f(secret: zkpay_client::keystore::WalletSecret) -> Result<(), zkpay_client::ClientError> {
//! use zkpay_client::{wallet::Wallet, types::TxStatus, Client};
//! let wallet = Wallet::connect(Client::new("http://127.0.0.1:3030")?, secret).await?;
//! let to = "0x0202020202020202020202020202020202020202".parse().unwrap();
//! let payment = wallet.prepare_transfer(to, 0, 1_000_000, None).await?;
//! let accepted = wallet.submit(&payment).await?;
//! wallet.wait(&accepted.tx_hashes[0], TxStatus::Finalized, std::time::Duration::from_secs(600)).await?;
//! # Ok(()) }
//! ```

use crate::keys::change_pubkey_auth;
use crate::keystore::WalletSecret;
use crate::{Client, ClientError, EventsRequest};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zkpay_api_types::{AccountInfo, ErrorCode, FeeQuote, FeeTxType, SubmitResponse, TxInfo, TxStatus};
use zkpay_core::packing::{closest_packable_amount, AMOUNT_FLOAT, FEE_FLOAT};
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Domain, ForcedExit, L2Tx, TimeRange, Transfer, TxSignature, Withdraw,
};
use zkpay_core::types::{AccountId, Address, TokenId};

/// A signed tx, ready to submit, with the quote its fee came from.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The signed tx.
    pub tx: L2Tx,
    /// Its hash (0x-hex).
    pub hash: String,
    /// The node's quote, when the fee was taken from one.
    pub quote: Option<FeeQuote>,
}

/// How long a signed tx stays valid: long enough for a congested node; after it, a tx that never
/// made it into a block is dead for good, so the same nonce can be signed again without risk.
const VALIDITY: Duration = Duration::from_secs(24 * 3600);

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A wallet on one node.
pub struct Wallet {
    node: Client,
    domain: Domain,
    secret: WalletSecret,
}

impl Wallet {
    /// A wallet on `node`, for the deployment the node reports (`/v1/status`).
    pub async fn connect(node: Client, secret: WalletSecret) -> Result<Wallet, ClientError> {
        let status = node.status().await?;
        Ok(Wallet { node, domain: Domain { chain_id: status.chain_id, rollup: status.rollup }, secret })
    }

    /// A wallet for a known deployment (no request).
    pub fn new(node: Client, domain: Domain, secret: WalletSecret) -> Wallet {
        Wallet { node, domain, secret }
    }

    /// The L1 address: the account's owner.
    pub fn address(&self) -> Address {
        self.secret.eth.address()
    }

    /// The deployment signatures are bound to.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The node.
    pub fn node(&self) -> &Client {
        &self.node
    }

    /// The keys.
    pub fn secret(&self) -> &WalletSecret {
        &self.secret
    }

    /// The account (`ClientError::NoAccount` before the first deposit reaches a block).
    pub async fn account(&self) -> Result<AccountInfo, ClientError> {
        match self.node.account(&self.address().to_string()).await {
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Err(ClientError::NoAccount(self.address())),
            other => other,
        }
    }

    /// `fee`, or the node's quote for the op.
    async fn fee(
        &self,
        tx_type: FeeTxType,
        token: TokenId,
        to: Option<Address>,
        fee: Option<u128>,
    ) -> Result<(u128, Option<FeeQuote>), ClientError> {
        match fee {
            Some(f) if !FEE_FLOAT.is_packable(f) => Err(ClientError::NotPackable {
                what: "fee",
                value: f,
                closest: zkpay_core::packing::closest_packable_fee(f),
            }),
            Some(f) => Ok((f, None)),
            None => {
                let to = to.map(|a| a.to_string());
                let q = self.node.fee_quote(tx_type, token, to.as_deref()).await?;
                Ok((q.fee.0, Some(q)))
            }
        }
    }

    fn time_range() -> TimeRange {
        TimeRange { valid_from: 0, valid_until: now_secs() + VALIDITY.as_secs() }
    }

    fn prepared(&self, mut tx: L2Tx, quote: Option<FeeQuote>) -> Result<Prepared, ClientError> {
        // Every tx is signed by the L2 key (a ChangePubKey by the key it sets: the same one).
        tx.sign(&self.secret.l2, &self.domain).map_err(|e| ClientError::Signing(e.to_string()))?;
        let hash = tx.tx_hash_hex(&self.domain).map_err(|e| ClientError::Signing(e.to_string()))?;
        Ok(Prepared { tx, hash, quote })
    }

    /// The account id and the nonce of its next tx.
    async fn id_and_nonce(&self) -> Result<(AccountId, u32), ClientError> {
        let a = self.account().await?;
        Ok((a.id, a.pending_nonce))
    }

    /// A signed transfer of `amount` of `token` to `to` (fee: `fee`, or the node's quote). The
    /// amount must be packable: [`ClientError::NotPackable`] names the closest one that is.
    pub async fn prepare_transfer(
        &self,
        to: Address,
        token: TokenId,
        amount: u128,
        fee: Option<u128>,
    ) -> Result<Prepared, ClientError> {
        if !AMOUNT_FLOAT.is_packable(amount) {
            return Err(ClientError::NotPackable {
                what: "amount",
                value: amount,
                closest: closest_packable_amount(amount),
            });
        }
        let (account_id, nonce) = self.id_and_nonce().await?;
        let (fee, quote) = self.fee(FeeTxType::Transfer, token, Some(to), fee).await?;
        let tx = L2Tx::Transfer(Transfer {
            account_id,
            to,
            token,
            amount,
            fee,
            nonce,
            time_range: Self::time_range(),
            signature: TxSignature::default(),
        });
        self.prepared(tx, quote)
    }

    /// A signed withdrawal of `amount` of `token` to L1 address `to` (any amount: withdrawals
    /// are not packed).
    pub async fn prepare_withdraw(
        &self,
        to: Address,
        token: TokenId,
        amount: u128,
        fee: Option<u128>,
    ) -> Result<Prepared, ClientError> {
        let (account_id, nonce) = self.id_and_nonce().await?;
        let (fee, quote) = self.fee(FeeTxType::Withdraw, token, None, fee).await?;
        let tx = L2Tx::Withdraw(Withdraw {
            account_id,
            to,
            token,
            amount,
            fee,
            nonce,
            time_range: Self::time_range(),
            signature: TxSignature::default(),
        });
        self.prepared(tx, quote)
    }

    /// A signed ChangePubKey setting this wallet's L2 key, authorized by an EIP-712 signature of
    /// its Ethereum key (nothing to send on L1 first).
    pub async fn prepare_set_key(&self, fee_token: TokenId, fee: Option<u128>) -> Result<Prepared, ClientError> {
        let (account_id, nonce) = self.id_and_nonce().await?;
        let (fee, quote) = self.fee(FeeTxType::ChangePubKey, fee_token, None, fee).await?;
        let new_pub_key_hash = self.secret.l2.public_key().hash();
        let auth = change_pubkey_auth(&self.secret.eth, &self.domain, &new_pub_key_hash, nonce, account_id);
        let tx = L2Tx::ChangePubKey(ChangePubKey {
            account_id,
            account: self.address(),
            new_pub_key_hash,
            fee_token,
            fee,
            nonce,
            time_range: Self::time_range(),
            auth: ChangePubKeyAuth::Eip712 { signature: auth.to_vec() },
            signature: TxSignature::default(),
        });
        self.prepared(tx, quote)
    }

    /// A signed ForcedExit of `target`'s whole `token` balance to its own L1 address.
    pub async fn prepare_forced_exit(
        &self,
        target: Address,
        token: TokenId,
        fee: Option<u128>,
    ) -> Result<Prepared, ClientError> {
        let (initiator_account_id, nonce) = self.id_and_nonce().await?;
        let (fee, quote) = self.fee(FeeTxType::ForcedExit, token, None, fee).await?;
        let tx = L2Tx::ForcedExit(ForcedExit {
            initiator_account_id,
            target,
            token,
            fee,
            nonce,
            time_range: Self::time_range(),
            signature: TxSignature::default(),
        });
        self.prepared(tx, quote)
    }

    /// Signed transfers of `payouts` (recipient, amount) in `token`, nonces in a row, carrying
    /// one fee: the node's quotes of all of them, summed (rounded up to a packable fee) and paid
    /// by the last transfer, the others paying nothing. Submitted with [`Wallet::submit_batch`],
    /// they go into one block or none (a batch pays the quote in total).
    pub async fn prepare_payouts(
        &self,
        token: TokenId,
        payouts: &[(Address, u128)],
    ) -> Result<Vec<Prepared>, ClientError> {
        let (account_id, first) = self.id_and_nonce().await?;
        let mut quotes = Vec::with_capacity(payouts.len());
        for (to, amount) in payouts {
            if !AMOUNT_FLOAT.is_packable(*amount) {
                return Err(ClientError::NotPackable {
                    what: "amount",
                    value: *amount,
                    closest: closest_packable_amount(*amount),
                });
            }
            quotes.push(self.node.fee_quote(FeeTxType::Transfer, token, Some(&to.to_string())).await?);
        }
        let total: u128 = quotes.iter().map(|q| q.fee.0).sum();
        let total = FEE_FLOAT.packable_at_least(total).ok_or(ClientError::NotPackable {
            what: "fee",
            value: total,
            closest: zkpay_core::packing::closest_packable_fee(total),
        })?;
        let mut out = Vec::with_capacity(payouts.len());
        for (i, ((to, amount), quote)) in payouts.iter().zip(quotes).enumerate() {
            let last = i + 1 == payouts.len();
            let tx = L2Tx::Transfer(Transfer {
                account_id,
                to: *to,
                token,
                amount: *amount,
                fee: if last { total } else { 0 },
                nonce: first + i as u32,
                time_range: Self::time_range(),
                signature: TxSignature::default(),
            });
            out.push(self.prepared(tx, Some(quote))?);
        }
        Ok(out)
    }

    /// Refuse a tx whose quote has expired (the node may have raised its fee since).
    fn check_quote(p: &Prepared) -> Result<(), ClientError> {
        match &p.quote {
            Some(q) if q.valid_until < now_secs() => Err(ClientError::QuoteExpired { valid_until: q.valid_until }),
            _ => Ok(()),
        }
    }

    /// Submit a prepared tx.
    pub async fn submit(&self, p: &Prepared) -> Result<SubmitResponse, ClientError> {
        Self::check_quote(p)?;
        self.node.submit(&p.tx).await
    }

    /// Submit prepared txs as one atomic batch.
    pub async fn submit_batch(&self, txs: &[Prepared]) -> Result<SubmitResponse, ClientError> {
        for p in txs {
            Self::check_quote(p)?;
        }
        let txs: Vec<L2Tx> = txs.iter().map(|p| p.tx.clone()).collect();
        self.node.submit_batch(&txs).await
    }

    /// Wait until tx `hash` has reached `status` (or later), following the event stream.
    pub async fn wait(&self, hash: &str, status: TxStatus, timeout: Duration) -> Result<TxInfo, ClientError> {
        wait_for(&self.node, hash, status, timeout).await
    }
}

/// The order of the statuses a tx goes through (rejected is terminal and apart).
fn rank(s: TxStatus) -> u8 {
    match s {
        TxStatus::Queued => 0,
        TxStatus::Included => 1,
        TxStatus::Committed => 2,
        TxStatus::Proven => 3,
        TxStatus::Finalized => 4,
        TxStatus::Rejected => 5,
    }
}

/// Wait until tx `hash` has reached `status` (or a later one): one read, then the tx's events
/// from the event stream (resumed after a dropped connection), each checked with a read.
/// A rejected tx is [`ClientError::Rejected`]; no progress within `timeout` is
/// [`ClientError::Timeout`].
pub async fn wait_for(node: &Client, hash: &str, status: TxStatus, timeout: Duration) -> Result<TxInfo, ClientError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let reached = |t: &TxInfo| -> Result<bool, ClientError> {
        if t.status == TxStatus::Rejected && status != TxStatus::Rejected {
            let r = t.rejection.clone();
            return Err(ClientError::Rejected {
                hash: t.hash.clone(),
                code: r.as_ref().map(|r| r.code),
                message: r.map(|r| r.message).unwrap_or_default(),
            });
        }
        Ok(t.status == status || (t.status != TxStatus::Rejected && rank(t.status) >= rank(status)))
    };
    let mut after = None;
    loop {
        // Subscribe first, then read: a change between the two arrives as an event.
        let request =
            EventsRequest { after, types: vec!["tx.*".into()], accounts: vec![], txs: vec![hash.to_string()] };
        let stream = tokio::time::timeout_at(deadline, node.events(&request)).await;
        let info = node.tx(hash).await?;
        if reached(&info)? {
            return Ok(info);
        }
        let mut stream = match stream {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(ClientError::Timeout(format!("tx {hash} to be {status:?}"))),
        };
        loop {
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => return Err(ClientError::Timeout(format!("tx {hash} to be {status:?}"))),
                Ok(Ok(Some(event))) => {
                    after = Some(event.id);
                    if let Some(t) = &event.tx {
                        if reached(t)? {
                            return Ok(t.clone());
                        }
                    }
                }
                // The stream ended or broke (a node restart): resume after the last event seen.
                Ok(Ok(None)) | Ok(Err(_)) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{random_l2_key, EthKey};
    use zkpay_api_types::Amount;

    fn wallet() -> Wallet {
        // Nothing listens on port 9: a request would fail with `Http`, not the errors below.
        let node = Client::new("http://127.0.0.1:9").unwrap();
        let domain = Domain { chain_id: 31337, rollup: Address([0x11; 20]) };
        Wallet::new(node, domain, WalletSecret { eth: EthKey::random(), l2: random_l2_key() })
    }

    #[tokio::test]
    async fn an_expired_quote_is_refused_before_anything_is_sent() {
        let w = wallet();
        let tx = L2Tx::Transfer(Transfer {
            account_id: 1,
            to: Address([2; 20]),
            token: 0,
            amount: 1000,
            fee: 10,
            nonce: 0,
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        });
        let quote = FeeQuote {
            tx_type: FeeTxType::Transfer,
            token: 0,
            fee: Amount(10),
            chunks: 2,
            per_chunk: Amount(5),
            valid_until: now_secs() - 1,
        };
        let p = w.prepared(tx, Some(quote.clone())).unwrap();
        assert!(matches!(w.submit(&p).await, Err(ClientError::QuoteExpired { .. })));
        assert!(matches!(w.submit_batch(std::slice::from_ref(&p)).await, Err(ClientError::QuoteExpired { .. })));
        // A live quote goes on to the node (here: unreachable).
        let live = Prepared { quote: Some(FeeQuote { valid_until: now_secs() + 60, ..quote }), ..p };
        assert!(matches!(w.submit(&live).await, Err(ClientError::Http(_))));
    }

    #[tokio::test]
    async fn unpackable_amounts_and_fees_are_refused_with_the_closest_packable_one() {
        let w = wallet();
        let r = w.prepare_transfer(Address([2; 20]), 0, 1_000_000_000_000_000_001, Some(0)).await;
        match r {
            Err(ClientError::NotPackable { what: "amount", closest, .. }) => {
                assert!(AMOUNT_FLOAT.is_packable(closest) && closest < 1_000_000_000_000_000_001)
            }
            other => panic!("{other:?}"),
        }
        // The fee is checked before any request too (the amount is fine; the fee is not).
        assert!(matches!(
            w.fee(FeeTxType::Transfer, 0, None, Some(2049)).await,
            Err(ClientError::NotPackable { what: "fee", .. })
        ));
    }

    #[test]
    fn statuses_are_ordered() {
        assert!(rank(TxStatus::Finalized) > rank(TxStatus::Committed));
        assert!(rank(TxStatus::Committed) > rank(TxStatus::Included));
    }
}
