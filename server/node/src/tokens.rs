//! The token list of `GET /v1/tokens`. At start it holds ETH and the configured token ids (their
//! addresses unknown); with L1, [`TokenReader`] fills in each token's address from Governance's
//! `TokenAdded` events and its `symbol()`/`decimals()` from the token contract, and re-reads
//! Governance now and then for tokens listed later.

use crate::l1_task::{self, Failure, L1Task};
use crate::shared::Shared;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use zkpay_api_types::TokenInfo;
use zkpay_core::types::{Address, TokenId};

/// How often Governance is re-read once the list is complete.
const REFRESH: Duration = Duration::from_secs(60);

/// ETH (id 0: the zero address, 18 decimals) and `listed`, not yet read from L1.
pub fn initial(listed: &[TokenId]) -> Vec<TokenInfo> {
    let mut tokens =
        vec![TokenInfo { id: 0, address: Some(Address::ZERO), symbol: Some("ETH".into()), decimals: Some(18) }];
    let mut ids: Vec<TokenId> = listed.iter().copied().filter(|&t| t != 0).collect();
    ids.sort_unstable();
    ids.dedup();
    tokens.extend(ids.into_iter().map(|id| TokenInfo { id, address: None, symbol: None, decimals: None }));
    tokens
}

/// `tokens` with `id`'s entry replaced by (or extended with) `info`, still by id.
pub fn merged(tokens: Vec<TokenInfo>, info: TokenInfo) -> Vec<TokenInfo> {
    let mut by_id: BTreeMap<TokenId, TokenInfo> = tokens.into_iter().map(|t| (t.id, t)).collect();
    by_id.insert(info.id, info);
    by_id.into_values().collect()
}

/// Reads the token list from L1.
pub struct TokenReader {
    l1: zkpay_l1::L1Client,
    shared: Arc<Shared>,
    /// The L1 block Governance's events are read from (the deployment's).
    from: u64,
}

impl TokenReader {
    /// A reader of Governance's events from L1 block `from`.
    pub fn new(l1: zkpay_l1::L1Client, shared: Arc<Shared>, from: u64) -> TokenReader {
        TokenReader { l1, shared, from }
    }

    /// Read until the node stops.
    pub async fn run(mut self) {
        let shared = self.shared.clone();
        l1_task::run(&mut self, &shared).await;
    }
}

impl L1Task for TokenReader {
    const NAME: &'static str = "tokens";

    async fn step(&mut self) -> Result<Duration, Failure> {
        let retry = |e: zkpay_l1::L1Error| Failure::Retry(e.to_string());
        let listed = self.l1.listed_tokens(self.from).await.map_err(retry)?;
        for (id, address) in listed {
            let address = Address(address.into_array());
            let known = self.shared.tokens().into_iter().find(|t| t.id == id);
            if known.as_ref().is_some_and(|t| t.address == Some(address)) {
                continue;
            }
            let (symbol, decimals) = self.l1.token_metadata(address.0.into()).await.map_err(retry)?;
            tracing::info!(token = id, %address, ?symbol, ?decimals, "token read from L1");
            let info = TokenInfo { id, address: Some(address), symbol, decimals };
            self.shared.set_tokens(merged(self.shared.tokens(), info));
        }
        Ok(REFRESH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_list_is_eth_then_the_listed_ids_once_each() {
        let t = initial(&[3, 1, 3, 0]);
        assert_eq!(t.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1, 3]);
        assert_eq!(t[0].symbol.as_deref(), Some("ETH"));
        assert_eq!(t[1].address, None);
    }

    #[test]
    fn merging_replaces_by_id_and_keeps_the_order() {
        let info = TokenInfo { id: 1, address: Some(Address([7; 20])), symbol: Some("T".into()), decimals: Some(6) };
        let t = merged(initial(&[1, 3]), info.clone());
        assert_eq!(t.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1, 3]);
        assert_eq!(t[1], info);
        let t = merged(t, TokenInfo { id: 2, address: None, symbol: None, decimals: None });
        assert_eq!(t.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    }
}
