//! [`L1Client`]: one signer's typed access to a zkpay deployment — deploy, deposit, full exit,
//! commit/prove/execute, pending balances, exodus — and the events a node or a user reads back.
//! Every failure is an [`L1Error`]; a revert carries the contract's decoded custom error.

use super::bindings::{
    DeployFactory, Governance,
    Rollup::{self, CommitBlock, ExecuteBlock, RollupInstance, StoredBlock},
    TestERC20, Verifier,
};
use super::encode::{fr_to_b256, priority_op};
use super::error::L1Error;
use alloy::contract::{CallBuilder, CallDecoder};
use alloy::network::EthereumWallet;
use alloy::primitives::{Address as EthAddress, Bytes, FixedBytes, TxHash, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{Filter, Log, TransactionReceipt};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolEvent;
use zkpay_core::field::Fr;
use zkpay_core::tx::PriorityOp;

/// Blocks per `eth_getLogs` request when scanning history (public RPCs cap the range).
pub const LOG_RANGE: u64 = 10_000;

/// What a deployment consists of.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The Rollup contract (the `rollup` of signed messages' domain).
    pub rollup: EthAddress,
    /// Its Governance.
    pub governance: EthAddress,
    /// The generated Verifier.
    pub verifier: EthAddress,
    /// The DeployFactory that deployed Governance and Rollup.
    pub factory: EthAddress,
    /// The L1 block of the factory's transaction (where history scans start).
    pub block: u64,
    /// The chain id.
    pub chain_id: u64,
}

/// The parameters of [`L1Client::deploy`].
#[derive(Clone, Debug)]
pub struct DeployConfig {
    /// Genesis state root (`State::genesis(operator).root()`, docs/protocol.md §5.4).
    pub genesis_root: Fr,
    /// Who governs after deployment.
    pub governor: EthAddress,
    /// The first validator (the operator's commit/execute address).
    pub validator: EthAddress,
    /// How many L1 blocks a priority request may wait.
    pub priority_expiration: u64,
    /// ERC-20s to list, token ids 1, 2, … in this order.
    pub tokens: Vec<EthAddress>,
}

/// A transaction that was mined and succeeded.
#[derive(Clone, Debug)]
pub struct Mined {
    /// Its hash.
    pub tx: TxHash,
    /// The L1 block it is in.
    pub block: u64,
    /// Gas it used.
    pub gas_used: u64,
    /// The full receipt (logs).
    pub receipt: TransactionReceipt,
}

impl Mined {
    /// The events of type `E` this transaction emitted.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.receipt.inner.logs().iter().filter_map(|log| log.log_decode::<E>().ok().map(|l| l.inner.data)).collect()
    }
}

/// A priority request read from L1, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityRequest {
    /// The request as core takes it.
    pub op: PriorityOp,
    /// Its 43-byte L1 pubdata, as hashed in the queue (`cancelOutstandingDepositsForExodusMode`
    /// takes it back).
    pub l1_pubdata: Bytes,
    /// The L1 block it was queued in.
    pub block: u64,
    /// The transaction that queued it.
    pub tx: TxHash,
    /// The log's index in its block.
    pub log_index: u64,
}

/// A stored block read back from its `BlockCommit` event.
#[derive(Clone, Debug)]
pub struct CommittedBlock {
    /// The stored form.
    pub stored: StoredBlock,
    /// The transaction that committed it (its calldata holds the block's pubdata).
    pub tx: TxHash,
}

/// One signer's client of one deployment (cheap to clone).
#[derive(Clone)]
pub struct L1Client {
    provider: DynProvider,
    rollup: RollupInstance<DynProvider>,
    sender: EthAddress,
}

/// A provider at `url` that signs with `signer` (gas, nonce and chain id filled in).
///
/// The nonce is asked from the node for every transaction (alloy's *simple* nonce management), not
/// cached: the cached manager counts a nonce as used when the fill succeeds, so a call that then
/// reverts in gas estimation (a typed error here, nothing sent) would leave a gap and every later
/// transaction of the signer queued forever. (The node's L1 sender will persist its own nonces.)
pub fn signing_provider(url: &str, signer: PrivateKeySigner) -> Result<DynProvider, L1Error> {
    let url = url.parse().map_err(|e| L1Error::rpc("connect", format!("bad L1 URL {url:?}: {e}")))?;
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url)
        .erased())
}

/// Send a contract call, wait for its receipt and require success.
async fn send<D: CallDecoder>(call: &'static str, builder: CallBuilder<&DynProvider, D>) -> Result<Mined, L1Error> {
    let pending = builder.send().await.map_err(|e| L1Error::from_contract(call, e))?;
    let receipt = pending.get_receipt().await.map_err(|e| L1Error::rpc(call, e))?;
    mined(call, receipt)
}

fn mined(call: &'static str, receipt: TransactionReceipt) -> Result<Mined, L1Error> {
    if !receipt.status() {
        return Err(L1Error::Failed { call, tx: receipt.transaction_hash });
    }
    Ok(Mined {
        tx: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
        gas_used: receipt.gas_used,
        receipt,
    })
}

impl L1Client {
    /// A client of the Rollup at `rollup`, signing with `signer`.
    pub fn connect(url: &str, signer: PrivateKeySigner, rollup: EthAddress) -> Result<L1Client, L1Error> {
        let sender = signer.address();
        Ok(L1Client::from_provider(signing_provider(url, signer)?, sender, rollup))
    }

    fn from_provider(provider: DynProvider, sender: EthAddress, rollup: EthAddress) -> L1Client {
        L1Client { rollup: Rollup::new(rollup, provider.clone()), provider, sender }
    }

    /// Deploy the generated Verifier (its bytecode from `contracts/artifacts/`), then Governance,
    /// the validator, the tokens and the Rollup through the DeployFactory; returns the deployment
    /// and a client of it signing as the deployer.
    pub async fn deploy(
        url: &str,
        signer: PrivateKeySigner,
        config: &DeployConfig,
    ) -> Result<(Deployment, L1Client), L1Error> {
        let provider = signing_provider(url, signer.clone())?;
        let verifier = deploy_contract("deploy Verifier", Verifier::deploy_builder(&provider)).await?;
        let factory_tx = DeployFactory::deploy_builder(
            &provider,
            verifier,
            fr_to_b256(&config.genesis_root),
            config.governor,
            config.validator,
            config.priority_expiration,
            config.tokens.clone(),
        );
        let pending = factory_tx.send().await.map_err(|e| L1Error::from_contract("deploy DeployFactory", e))?;
        let receipt = pending.get_receipt().await.map_err(|e| L1Error::rpc("deploy DeployFactory", e))?;
        let factory_mined = mined("deploy DeployFactory", receipt)?;
        let deployed = factory_mined
            .events::<DeployFactory::Deployed>()
            .pop()
            .ok_or_else(|| L1Error::Data("DeployFactory emitted no Deployed event".into()))?;
        let chain_id = provider.get_chain_id().await.map_err(|e| L1Error::rpc("eth_chainId", e))?;
        let factory = factory_mined
            .receipt
            .contract_address
            .ok_or_else(|| L1Error::Data("DeployFactory receipt has no contract address".into()))?;
        let deployment = Deployment {
            rollup: deployed.rollup,
            governance: deployed.governance,
            verifier,
            factory,
            block: factory_mined.block,
            chain_id,
        };
        let client = L1Client::from_provider(provider, signer.address(), deployment.rollup);
        Ok((deployment, client))
    }

    /// The address this client signs with.
    pub fn sender(&self) -> EthAddress {
        self.sender
    }

    /// The Rollup's address.
    pub fn rollup_address(&self) -> EthAddress {
        *self.rollup.address()
    }

    /// The underlying provider (for reads this client does not wrap).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The Rollup binding.
    pub fn rollup(&self) -> &RollupInstance<DynProvider> {
        &self.rollup
    }

    // ---- users ----

    /// Deposit `amount` wei to L2 address `to`.
    pub async fn deposit_eth(&self, to: EthAddress, amount: u128) -> Result<Mined, L1Error> {
        send("depositETH", self.rollup.depositETH(to).value(U256::from(amount))).await
    }

    /// Approve the Rollup for `amount` of `token` (when the allowance is short), then deposit it to
    /// L2 address `to`. Returns the deposit's transaction.
    pub async fn deposit_erc20(&self, token: EthAddress, amount: u128, to: EthAddress) -> Result<Mined, L1Error> {
        let erc20 = TestERC20::new(token, self.provider.clone());
        let allowance = erc20
            .allowance(self.sender, self.rollup_address())
            .call()
            .await
            .map_err(|e| L1Error::from_contract("allowance", e))?;
        if allowance < U256::from(amount) {
            let approve = erc20.approve(self.rollup_address(), U256::from(amount));
            send("approve", approve).await?;
        }
        send("depositERC20", self.rollup.depositERC20(token, amount, to)).await
    }

    /// Ask the operator, through L1, to exit the whole `token` (address 0 = ETH) balance of account
    /// `account_id` to the caller; if not served in time, exodus becomes possible.
    pub async fn request_full_exit(&self, account_id: u32, token: EthAddress) -> Result<Mined, L1Error> {
        send("requestFullExit", self.rollup.requestFullExit(account_id, token)).await
    }

    /// Authorize a ChangePubKey to `pub_key_hash` at `nonce` for the caller's address on chain.
    pub async fn set_auth_pubkey_hash(&self, pub_key_hash: [u8; 20], nonce: u32) -> Result<Mined, L1Error> {
        send("setAuthPubkeyHash", self.rollup.setAuthPubkeyHash(FixedBytes(pub_key_hash), nonce)).await
    }

    /// The EIP-712 digest an address signs to authorize a ChangePubKey (as the contract computes it).
    pub async fn change_pubkey_digest(
        &self,
        pub_key_hash: [u8; 20],
        nonce: u32,
        account_id: u32,
    ) -> Result<B256, L1Error> {
        self.rollup
            .changePubKeyDigest(FixedBytes(pub_key_hash), nonce, account_id)
            .call()
            .await
            .map_err(|e| L1Error::from_contract("changePubKeyDigest", e))
    }

    /// Pay `amount` of `token` (address 0 = ETH) from `owner`'s pending balance to `owner`.
    pub async fn withdraw_pending_balance(
        &self,
        owner: EthAddress,
        token: EthAddress,
        amount: u128,
    ) -> Result<Mined, L1Error> {
        send("withdrawPendingBalance", self.rollup.withdrawPendingBalance(owner, token, amount)).await
    }

    /// `owner`'s ETH balance, wei.
    pub async fn eth_balance(&self, owner: EthAddress) -> Result<U256, L1Error> {
        self.provider.get_balance(owner).await.map_err(|e| L1Error::rpc("eth_getBalance", e))
    }

    /// `owner`'s balance of ERC-20 `token`.
    pub async fn erc20_balance(&self, token: EthAddress, owner: EthAddress) -> Result<U256, L1Error> {
        TestERC20::new(token, self.provider.clone())
            .balanceOf(owner)
            .call()
            .await
            .map_err(|e| L1Error::from_contract("balanceOf", e))
    }

    /// `owner`'s pending balance of token id `token_id`.
    pub async fn pending_balance(&self, owner: EthAddress, token_id: u16) -> Result<u128, L1Error> {
        self.rollup
            .pendingBalances(owner, token_id)
            .call()
            .await
            .map_err(|e| L1Error::from_contract("pendingBalances", e))
    }

    // ---- the operator ----

    /// Commit `blocks` on top of `last` (the stored form of block `totalBlocksCommitted`).
    pub async fn commit_blocks(&self, last: &StoredBlock, blocks: &[CommitBlock]) -> Result<Mined, L1Error> {
        send("commitBlocks", self.rollup.commitBlocks(last.clone(), blocks.to_vec())).await
    }

    /// Commit `blocks` and prove them with `proofs` in one transaction.
    pub async fn commit_and_prove_blocks(
        &self,
        last: &StoredBlock,
        blocks: &[CommitBlock],
        proofs: &[[U256; 8]],
    ) -> Result<Mined, L1Error> {
        send("commitAndProveBlocks", self.rollup.commitAndProveBlocks(last.clone(), blocks.to_vec(), proofs.to_vec()))
            .await
    }

    /// Prove the next committed `blocks`, one proof each (same-size runs are batch-verified).
    pub async fn prove_blocks(&self, blocks: &[StoredBlock], proofs: &[[U256; 8]]) -> Result<Mined, L1Error> {
        send("proveBlocks", self.rollup.proveBlocks(blocks.to_vec(), proofs.to_vec())).await
    }

    /// Execute the next proven `blocks` (pays their Withdraw/FullExit/ForcedExit out to pending balances).
    pub async fn execute_blocks(&self, blocks: &[ExecuteBlock]) -> Result<Mined, L1Error> {
        send("executeBlocks", self.rollup.executeBlocks(blocks.to_vec())).await
    }

    /// Revert committed, unexecuted `blocks` (newest first).
    pub async fn revert_blocks(&self, blocks: &[StoredBlock]) -> Result<Mined, L1Error> {
        send("revertBlocks", self.rollup.revertBlocks(blocks.to_vec())).await
    }

    // ---- exodus ----

    /// Turn exodus mode on (anyone, once the oldest open priority request expired).
    pub async fn activate_exodus_mode(&self) -> Result<Mined, L1Error> {
        send("activateExodusMode", self.rollup.activateExodusMode()).await
    }

    /// Credit `amount` of `token_id` to `owner`'s pending balance with an exit proof against
    /// `last_executed` (the stored block `totalBlocksExecuted`).
    pub async fn perform_exodus(
        &self,
        last_executed: &StoredBlock,
        account_id: u32,
        owner: EthAddress,
        token_id: u16,
        amount: u128,
        proof: [U256; 8],
    ) -> Result<Mined, L1Error> {
        send(
            "performExodus",
            self.rollup.performExodus(last_executed.clone(), account_id, owner, token_id, amount, proof),
        )
        .await
    }

    /// Cancel the `n` oldest open priority requests, refunding the Deposits among them, whose
    /// L1 pubdata `deposits` gives in queue order.
    pub async fn cancel_outstanding_deposits(&self, n: u64, deposits: &[Bytes]) -> Result<Mined, L1Error> {
        send(
            "cancelOutstandingDepositsForExodusMode",
            self.rollup.cancelOutstandingDepositsForExodusMode(n, deposits.to_vec()),
        )
        .await
    }

    // ---- state and history ----

    /// `(totalBlocksCommitted, totalBlocksProven, totalBlocksExecuted)`.
    pub async fn block_counters(&self) -> Result<(u32, u32, u32), L1Error> {
        let err = |call| move |e| L1Error::from_contract(call, e);
        let committed = self.rollup.totalBlocksCommitted().call().await.map_err(err("totalBlocksCommitted"))?;
        let proven = self.rollup.totalBlocksProven().call().await.map_err(err("totalBlocksProven"))?;
        let executed = self.rollup.totalBlocksExecuted().call().await.map_err(err("totalBlocksExecuted"))?;
        Ok((committed, proven, executed))
    }

    /// Whether exodus mode is on.
    pub async fn exodus_mode(&self) -> Result<bool, L1Error> {
        self.rollup.exodusMode().call().await.map_err(|e| L1Error::from_contract("exodusMode", e))
    }

    /// The Governance contract's address.
    pub async fn governance(&self) -> Result<EthAddress, L1Error> {
        self.rollup.governance().call().await.map_err(|e| L1Error::from_contract("governance", e))
    }

    /// The current L1 block number and its timestamp.
    pub async fn latest_block(&self) -> Result<(u64, u64), L1Error> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| L1Error::rpc("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Data("no latest block".into()))?;
        Ok((block.header.number, block.header.timestamp))
    }

    /// Every log of event `E` emitted by `address` from L1 block `from` to the latest, in chain
    /// order, fetched in ranges of [`LOG_RANGE`] blocks.
    pub async fn logs<E: SolEvent>(&self, address: EthAddress, from: u64) -> Result<Vec<(E, Log)>, L1Error> {
        let (latest, _) = self.latest_block().await?;
        let mut out = Vec::new();
        let mut start = from;
        while start <= latest {
            let end = (start + LOG_RANGE - 1).min(latest);
            let filter =
                Filter::new().address(address).event_signature(E::SIGNATURE_HASH).from_block(start).to_block(end);
            let logs = self.provider.get_logs(&filter).await.map_err(|e| L1Error::rpc("eth_getLogs", e))?;
            for log in logs {
                let decoded = log
                    .log_decode::<E>()
                    .map_err(|e| L1Error::Data(format!("undecodable {} log: {e}", E::SIGNATURE)))?;
                out.push((decoded.inner.data, log));
            }
            start = end + 1;
        }
        Ok(out)
    }

    /// Every priority request queued since L1 block `from`, in queue order.
    pub async fn priority_requests(&self, from: u64) -> Result<Vec<PriorityRequest>, L1Error> {
        let logs = self.logs::<Rollup::NewPriorityRequest>(self.rollup_address(), from).await?;
        let mut out =
            logs.into_iter().map(|(event, log)| priority_request(&event, &log)).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|r| r.op.serial_id);
        Ok(out)
    }

    /// The priority requests queued in L1 blocks `from..=to` (one `eth_getLogs`: the caller
    /// chooses the range), in queue order.
    pub async fn priority_requests_between(&self, from: u64, to: u64) -> Result<Vec<PriorityRequest>, L1Error> {
        let filter = Filter::new()
            .address(self.rollup_address())
            .event_signature(Rollup::NewPriorityRequest::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(|e| L1Error::rpc("eth_getLogs", e))?;
        let mut out = Vec::with_capacity(logs.len());
        for log in logs {
            let decoded = log
                .log_decode::<Rollup::NewPriorityRequest>()
                .map_err(|e| L1Error::Data(format!("undecodable NewPriorityRequest log: {e}")))?;
            out.push(priority_request(&decoded.inner.data, &log)?);
        }
        out.sort_by_key(|r| r.op.serial_id);
        Ok(out)
    }

    /// The stored form of every committed block (genesis = index 0), from the `BlockCommit` and
    /// `BlocksRevert` events since L1 block `from`: a revert drops the blocks above its
    /// `totalBlocksCommitted`, and a later commit of the same number replaces them.
    pub async fn committed_blocks(&self, from: u64) -> Result<Vec<CommittedBlock>, L1Error> {
        let rollup = self.rollup_address();
        // (log position, a commit and its tx, or a revert to this many committed blocks)
        type Event = ((u64, u64), Option<(Rollup::BlockCommit, TxHash)>, Option<u32>);
        let mut events: Vec<Event> = Vec::new();
        let position = |log: &Log| (log.block_number.unwrap_or_default(), log.log_index.unwrap_or_default());
        for (event, log) in self.logs::<Rollup::BlockCommit>(rollup, from).await? {
            events.push((position(&log), Some((event, log.transaction_hash.unwrap_or_default())), None));
        }
        for (event, log) in self.logs::<Rollup::BlocksRevert>(rollup, from).await? {
            events.push((position(&log), None, Some(event.totalBlocksCommitted)));
        }
        events.sort_by_key(|e| e.0);
        let mut blocks: Vec<CommittedBlock> = Vec::new();
        for (_, commit, revert) in events {
            if let Some(committed) = revert {
                blocks.truncate(committed as usize + 1);
            }
            if let Some((event, tx)) = commit {
                let n = event.blockNumber as usize;
                if n != blocks.len() {
                    return Err(L1Error::Data(format!("BlockCommit of block {n} after {} blocks", blocks.len())));
                }
                blocks.push(CommittedBlock { stored: event.storedBlock, tx });
            }
        }
        Ok(blocks)
    }

    /// Token ids listed in Governance (ETH, id 0, is always listed and not among them).
    pub async fn listed_tokens(&self, from: u64) -> Result<Vec<(u16, EthAddress)>, L1Error> {
        let governance = self.governance().await?;
        Ok(self
            .logs::<Governance::TokenAdded>(governance, from)
            .await?
            .into_iter()
            .map(|(e, _)| (e.tokenId, e.token))
            .collect())
    }

    /// A token contract's `symbol()` and `decimals()`. Either is `None` when the contract does not
    /// answer it as EIP-20 metadata (it lacks the function, reverts, or returns another type, as
    /// tokens with a `bytes32` symbol do); an RPC failure is an error.
    pub async fn token_metadata(&self, token: EthAddress) -> Result<(Option<String>, Option<u8>), L1Error> {
        fn optional<T>(call: &'static str, r: Result<T, alloy::contract::Error>) -> Result<Option<T>, L1Error> {
            match r {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.as_revert_data().is_some() => Ok(None),
                Err(alloy::contract::Error::ZeroData(..) | alloy::contract::Error::AbiError(_)) => Ok(None),
                Err(e) => Err(L1Error::from_contract(call, e)),
            }
        }
        let erc20 = crate::bindings::IERC20Metadata::new(token, self.provider.clone());
        let symbol = optional("symbol", erc20.symbol().call().await)?;
        let decimals = optional("decimals", erc20.decimals().call().await)?;
        Ok((symbol, decimals))
    }

    /// The validators made active in Governance since L1 block `from`, in order.
    pub async fn activated_validators(&self, from: u64) -> Result<Vec<EthAddress>, L1Error> {
        let governance = self.governance().await?;
        Ok(self
            .logs::<Governance::ValidatorStatusChanged>(governance, from)
            .await?
            .into_iter()
            .filter(|(e, _)| e.active)
            .map(|(e, _)| e.validator)
            .collect())
    }
}

fn priority_request(event: &Rollup::NewPriorityRequest, log: &Log) -> Result<PriorityRequest, L1Error> {
    let op = priority_op(event).map_err(|e| L1Error::Data(format!("priority request {}: {e}", event.serialId)))?;
    Ok(PriorityRequest {
        op,
        l1_pubdata: event.pubdata.clone(),
        block: log.block_number.unwrap_or_default(),
        tx: log.transaction_hash.unwrap_or_default(),
        log_index: log.log_index.unwrap_or_default(),
    })
}

/// Deploy a contract from its creation call and return its address.
async fn deploy_contract<D: CallDecoder>(
    call: &'static str,
    builder: CallBuilder<&DynProvider, D>,
) -> Result<EthAddress, L1Error> {
    let m = send(call, builder).await?;
    m.receipt.contract_address.ok_or_else(|| L1Error::Data(format!("{call}: receipt has no contract address")))
}
