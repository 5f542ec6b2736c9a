//! [`OperatorL1`]: the node's L1 sender's access to L1 — calldata of the operator calls, signing
//! with an explicit nonce and explicit fees (so the node can store a transaction before it is
//! broadcast, and replace it with the same nonce), broadcasting with the answers classified,
//! receipts, and the decoded reason of a revert. The nonce and fee policy live in the node.

use super::bindings::Rollup::{self, CommitBlock, ExecuteBlock, StoredBlock};
use super::error::{L1Error, Revert};
use alloy::consensus::TxEnvelope;
use alloy::eips::eip2718::Encodable2718;
use alloy::eips::BlockNumberOrTag;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address as EthAddress, Bytes, TxHash, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;

/// The calldata of `commitBlocks(last, blocks)`.
pub fn commit_calldata(last: &StoredBlock, blocks: &[CommitBlock]) -> Vec<u8> {
    Rollup::commitBlocksCall::new((last.clone(), blocks.to_vec())).abi_encode()
}

/// The calldata of `commitAndProveBlocks(last, blocks, proofs)`.
pub fn commit_and_prove_calldata(last: &StoredBlock, blocks: &[CommitBlock], proofs: &[[U256; 8]]) -> Vec<u8> {
    Rollup::commitAndProveBlocksCall::new((last.clone(), blocks.to_vec(), proofs.to_vec())).abi_encode()
}

/// The calldata of `proveBlocks(blocks, proofs)`.
pub fn prove_calldata(blocks: &[StoredBlock], proofs: &[[U256; 8]]) -> Vec<u8> {
    Rollup::proveBlocksCall::new((blocks.to_vec(), proofs.to_vec())).abi_encode()
}

/// The calldata of `executeBlocks(blocks)`.
pub fn execute_calldata(blocks: &[ExecuteBlock]) -> Vec<u8> {
    Rollup::executeBlocksCall::new((blocks.to_vec(),)).abi_encode()
}

/// How a broadcast went.
#[derive(Debug, PartialEq, Eq)]
pub enum Broadcast {
    /// The node took it (or already had it: "already known").
    Accepted,
    /// The nonce is already used: a transaction with it was mined (look up the receipts).
    NonceTooLow,
    /// The node refused the fees (replacement underpriced, fee cap below the base fee, …).
    Underpriced(String),
}

/// A mined transaction's receipt, as the sender needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Whether it succeeded.
    pub success: bool,
    /// Its L1 block.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
}

/// The operator's signer on one deployment, with a provider that fills nothing in.
#[derive(Clone)]
pub struct OperatorL1 {
    provider: DynProvider,
    wallet: EthereumWallet,
    from: EthAddress,
    rollup: EthAddress,
    chain_id: u64,
}

impl OperatorL1 {
    /// The operator `signer` on chain `chain_id` through `url`, for the Rollup at `rollup`.
    /// Nothing is asked of L1 yet (the node starts while L1 is unreachable).
    pub fn new(url: &str, signer: PrivateKeySigner, rollup: EthAddress, chain_id: u64) -> Result<OperatorL1, L1Error> {
        let parsed = url.parse().map_err(|e| L1Error::rpc("connect", format!("bad L1 URL {url:?}: {e}")))?;
        let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed).erased();
        let from = signer.address();
        Ok(OperatorL1 { provider, wallet: EthereumWallet::from(signer), from, rollup, chain_id })
    }

    /// The operator's address.
    pub fn address(&self) -> EthAddress {
        self.from
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The provider (reads).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The operator's nonce counting only mined transactions.
    pub async fn mined_nonce(&self) -> Result<u64, L1Error> {
        self.provider
            .get_transaction_count(self.from)
            .block_id(BlockNumberOrTag::Latest.into())
            .await
            .map_err(|e| L1Error::rpc("eth_getTransactionCount", e))
    }

    /// The latest block's number and base fee (0 before London).
    pub async fn head(&self) -> Result<(u64, u128), L1Error> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| L1Error::rpc("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Data("no latest block".into()))?;
        Ok((block.header.number, block.header.base_fee_per_gas.unwrap_or(0) as u128))
    }

    fn request(&self, calldata: &[u8]) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.rollup)
            .with_input(Bytes::copy_from_slice(calldata))
            .with_chain_id(self.chain_id)
    }

    /// Gas for `calldata` from the operator now; a revert comes back decoded.
    pub async fn estimate_gas(&self, calldata: &[u8]) -> Result<u64, L1Error> {
        self.provider.estimate_gas(self.request(calldata)).await.map_err(|e| rpc_or_revert("eth_estimateGas", e))
    }

    /// Why `calldata` reverts (a call at the latest block), if it does.
    pub async fn revert_reason(&self, calldata: &[u8]) -> Option<Revert> {
        match self.provider.call(self.request(calldata)).await {
            Ok(_) => None,
            Err(e) => e.as_error_resp().and_then(|r| r.as_revert_data()).map(|d| Revert::decode(&d)),
        }
    }

    /// Sign an EIP-1559 transaction of `calldata` with exactly this nonce, gas and fees; returns
    /// its hash and its EIP-2718 bytes. Nothing is sent.
    pub async fn sign(
        &self,
        nonce: u64,
        calldata: &[u8],
        gas_limit: u64,
        max_fee_per_gas: u128,
        max_priority_fee_per_gas: u128,
    ) -> Result<(TxHash, Vec<u8>), L1Error> {
        let tx = self
            .request(calldata)
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(max_fee_per_gas)
            .with_max_priority_fee_per_gas(max_priority_fee_per_gas);
        let envelope: TxEnvelope = tx.build(&self.wallet).await.map_err(|e| L1Error::rpc("sign", e))?;
        Ok((*envelope.tx_hash(), envelope.encoded_2718()))
    }

    /// Broadcast signed bytes. "already known" counts as accepted; "nonce too low" and fee
    /// refusals are answers, not errors; anything else is an RPC error (retry).
    pub async fn broadcast(&self, raw: &[u8]) -> Result<Broadcast, L1Error> {
        match self.provider.send_raw_transaction(raw).await {
            Ok(_) => Ok(Broadcast::Accepted),
            Err(e) => {
                let message = e.to_string();
                let lower = message.to_lowercase();
                if lower.contains("already known") || lower.contains("already imported") {
                    Ok(Broadcast::Accepted)
                } else if lower.contains("nonce too low") || lower.contains("nonce is too low") {
                    Ok(Broadcast::NonceTooLow)
                } else if lower.contains("underpriced")
                    || lower.contains("max fee per gas less than block base fee")
                    || lower.contains("fee cap")
                    || lower.contains("too low")
                {
                    Ok(Broadcast::Underpriced(message))
                } else {
                    Err(L1Error::rpc("eth_sendRawTransaction", message))
                }
            }
        }
    }

    /// The receipt of `hash`, if it is mined.
    pub async fn receipt(&self, hash: TxHash) -> Result<Option<Receipt>, L1Error> {
        let r = self
            .provider
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| L1Error::rpc("eth_getTransactionReceipt", e))?;
        Ok(r.map(|r| Receipt { success: r.status(), block: r.block_number.unwrap_or_default(), gas_used: r.gas_used }))
    }
}

fn rpc_or_revert(call: &'static str, e: alloy::transports::TransportError) -> L1Error {
    match e.as_error_resp().and_then(|r| r.as_revert_data()) {
        Some(data) => L1Error::Reverted { call, revert: Revert::decode(&data) },
        None => L1Error::rpc(call, e),
    }
}
