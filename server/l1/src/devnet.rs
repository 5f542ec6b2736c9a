//! A local zkpay deployment on anvil with a minimal operator: what the end-to-end tests and
//! `zkpay bench l1-gas` run on, and the seed of `zkpay dev`. [`DevChain`] starts anvil, deploys a
//! test ERC-20 (token id 1) and the contracts; [`DevOperator`] keeps the L2 state with
//! `zkpay-core`, seals blocks from L1 priority requests and signed txs, and commits, proves and
//! executes them through [`L1Client`]. Dev keys only: chain 31337.

use crate::bindings::Rollup::StoredBlock;
use crate::bindings::TestERC20;
use crate::dev::spawn_anvil;
use crate::encode::{commit_block, core_address, execute_block, stored_block};
use crate::{DeployConfig, Deployment, L1Client, L1Error, Mined, PriorityRequest};
use alloy::node_bindings::AnvilInstance;
use alloy::primitives::{Address as EthAddress, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use zkpay_core::block::{Block, BlockBuilder, BlockError, BlockHeader};
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{Domain, L2Tx, PriorityOp};
use zkpay_core::types::TokenId;

/// The test ERC-20's token id in a dev deployment.
pub const DEV_TOKEN_ID: TokenId = 1;

/// Why the dev chain or operator failed.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// Starting anvil.
    #[error(transparent)]
    Anvil(#[from] crate::dev::AnvilError),
    /// An L1 call.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Building a block.
    #[error("block {number}: {source}")]
    Block {
        /// The block number.
        number: u32,
        /// What the builder refused.
        source: BlockError,
    },
    /// The genesis state could not be made.
    #[error("genesis: {0}")]
    Genesis(#[from] zkpay_core::state::ApplyError),
    /// The operator and L1 disagree.
    #[error("{0}")]
    Mismatch(String),
}

/// anvil with a zkpay deployment: account 0 is the operator (deployer, governor, validator and
/// the genesis fee account's address); the others are free for users.
pub struct DevChain {
    /// The running anvil (killed on drop).
    pub anvil: AnvilInstance,
    /// Its JSON-RPC URL.
    pub url: String,
    /// The contracts.
    pub deployment: Deployment,
    /// The operator's client.
    pub operator: L1Client,
    /// The test ERC-20, listed as token [`DEV_TOKEN_ID`].
    pub token: EthAddress,
}

impl DevChain {
    /// Start anvil and deploy: the test ERC-20, the Verifier, Governance and the Rollup (genesis
    /// of account 0's address), with the anvil binary at `anvil` and `priority_expiration` L1 blocks for priority requests.
    pub async fn start(anvil: &std::path::Path, priority_expiration: u64) -> Result<DevChain, DevError> {
        Self::deploy_on(spawn_anvil(anvil)?, priority_expiration).await
    }

    /// Deploy as [`DevChain::start`] does, on an anvil already running (a fresh chain).
    pub async fn deploy_on(anvil: AnvilInstance, priority_expiration: u64) -> Result<DevChain, DevError> {
        let url = anvil.endpoint();
        let operator_signer = PrivateKeySigner::from(anvil.keys()[0].clone());
        let operator = operator_signer.address();
        let provider = crate::client::signing_provider(&url, operator_signer.clone())?;
        let token = TestERC20::deploy(&provider).await.map_err(|e| L1Error::from_contract("deploy TestERC20", e))?;
        let genesis = State::genesis(core_address(&operator))?.root();
        let config = DeployConfig {
            genesis_root: genesis,
            governor: operator,
            validator: operator,
            priority_expiration,
            tokens: vec![*token.address()],
        };
        let (deployment, operator) = L1Client::deploy(&url, operator_signer, &config).await?;
        Ok(DevChain { anvil, url, deployment, operator, token: *token.address() })
    }

    /// The deployment `deployment` (with its test ERC-20 at `token`) on an anvil that loaded a
    /// saved chain: checked to be there (same chain id, the Rollup's code present).
    pub async fn attach(anvil: AnvilInstance, deployment: Deployment, token: EthAddress) -> Result<DevChain, DevError> {
        let url = anvil.endpoint();
        let signer = PrivateKeySigner::from(anvil.keys()[0].clone());
        let operator = L1Client::connect(&url, signer, deployment.rollup)?;
        let chain_id = operator.provider().get_chain_id().await.map_err(|e| L1Error::rpc("eth_chainId", e))?;
        let code =
            operator.provider().get_code_at(deployment.rollup).await.map_err(|e| L1Error::rpc("eth_getCode", e))?;
        if chain_id != deployment.chain_id || code.is_empty() {
            return Err(DevError::Mismatch(format!(
                "the saved L1 chain has no Rollup at {} on chain {} (chain {chain_id})",
                deployment.rollup, deployment.chain_id
            )));
        }
        Ok(DevChain { anvil, url, deployment, operator, token })
    }

    /// The signer of anvil account `i`.
    pub fn signer(&self, i: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.anvil.keys()[i].clone())
    }

    /// The address of anvil account `i`.
    pub fn address(&self, i: usize) -> EthAddress {
        self.anvil.addresses()[i]
    }

    /// A client of the deployment signing as anvil account `i`.
    pub fn client(&self, i: usize) -> Result<L1Client, L1Error> {
        L1Client::connect(&self.url, self.signer(i), self.deployment.rollup)
    }

    /// The L2 signing domain of this deployment.
    pub fn domain(&self) -> Domain {
        Domain { chain_id: self.deployment.chain_id, rollup: core_address(&self.deployment.rollup) }
    }

    /// Mint `amount` of the test ERC-20 to `to`.
    pub async fn mint(&self, to: EthAddress, amount: u128) -> Result<(), L1Error> {
        let token = TestERC20::new(self.token, self.operator.provider());
        let pending = token.mint(to, U256::from(amount)).send().await.map_err(|e| L1Error::from_contract("mint", e))?;
        pending.get_receipt().await.map_err(|e| L1Error::rpc("mint", e))?;
        Ok(())
    }

    /// ETH balance of `a`, in wei.
    pub async fn eth_balance(&self, a: EthAddress) -> Result<U256, L1Error> {
        self.operator.provider().get_balance(a).await.map_err(|e| L1Error::rpc("eth_getBalance", e))
    }

    /// Test ERC-20 balance of `a`.
    pub async fn token_balance(&self, a: EthAddress) -> Result<U256, L1Error> {
        TestERC20::new(self.token, self.operator.provider())
            .balanceOf(a)
            .call()
            .await
            .map_err(|e| L1Error::from_contract("balanceOf", e))
    }

    /// Mine `n` empty L1 blocks.
    pub async fn mine(&self, n: u64) -> Result<(), L1Error> {
        self.operator
            .provider()
            .raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(n),))
            .await
            .map_err(|e| L1Error::rpc("anvil_mine", e))?;
        Ok(())
    }
}

/// One item of a block the operator seals.
#[derive(Clone, Debug)]
pub enum Item {
    /// The next priority request (it must be the next one in the L1 queue).
    Priority(PriorityOp),
    /// A signed L2 transaction.
    Tx(L2Tx),
}

/// A minimal operator: the L2 state, the stored form of the last committed block, and the L1
/// client of the validator. Blocks are sealed in witness mode so they can be proven.
pub struct DevOperator {
    /// The L2 state (witness mode).
    pub state: State,
    /// The signing domain.
    pub domain: Domain,
    l1: L1Client,
    from_block: u64,
    last_committed: StoredBlock,
    next_number: u32,
}

impl DevOperator {
    /// The operator of `chain` at genesis.
    pub async fn new(chain: &DevChain) -> Result<DevOperator, DevError> {
        let mut state = State::genesis(core_address(&chain.operator.sender()))?;
        state.register_token(DEV_TOKEN_ID)?;
        state.set_mode(UpdateMode::Witness);
        let blocks = chain.operator.committed_blocks(chain.deployment.block).await?;
        let genesis = blocks.first().ok_or_else(|| DevError::Mismatch("no genesis BlockCommit".into()))?;
        Ok(DevOperator {
            state,
            domain: chain.domain(),
            l1: chain.operator.clone(),
            from_block: chain.deployment.block,
            last_committed: genesis.stored.clone(),
            next_number: 1,
        })
    }

    /// The operator's L1 client.
    pub fn l1(&self) -> &L1Client {
        &self.l1
    }

    /// Every priority request queued on L1 so far.
    pub async fn priority_requests(&self) -> Result<Vec<PriorityRequest>, L1Error> {
        self.l1.priority_requests(self.from_block).await
    }

    /// Seal the next block of `chunks` chunks from `items`, timestamped with the latest L1 block's
    /// time. All or nothing: a refused item refuses the block and leaves the state as it was.
    pub async fn seal(&mut self, chunks: usize, items: &[Item]) -> Result<Block, DevError> {
        let (_, timestamp) = self.l1.latest_block().await?;
        let number = self.next_number;
        let header = BlockHeader { domain: self.domain, number, fee_account: 0, timestamp, chunks };
        // The builder keeps the ops before a refused one: undo them from a copy (O(state), fine
        // for a dev chain; the node's builder will journal instead).
        let snapshot = self.state.clone();
        match Self::build(&mut self.state, header, items) {
            Ok(block) => {
                self.next_number += 1;
                Ok(block)
            }
            Err(source) => {
                self.state = snapshot;
                Err(DevError::Block { number, source })
            }
        }
    }

    fn build(state: &mut State, header: BlockHeader, items: &[Item]) -> Result<Block, BlockError> {
        let mut builder = BlockBuilder::new(state, header)?;
        for item in items {
            match item {
                Item::Priority(op) => builder.add_priority_op(state, op).map(|_| ())?,
                Item::Tx(tx) => builder.add_tx(state, tx).map(|_| ())?,
            }
        }
        builder.seal(state)
    }

    /// Commit `blocks` (the next ones, in order) with `commitBlocks`.
    pub async fn commit(&mut self, blocks: &[Block]) -> Result<Mined, DevError> {
        let commits: Vec<_> = blocks.iter().map(commit_block).collect();
        let mined = self.l1.commit_blocks(&self.last_committed, &commits).await?;
        self.after_commit(blocks, &mined)?;
        Ok(mined)
    }

    /// Commit and prove `blocks` in one transaction with `commitAndProveBlocks`.
    pub async fn commit_and_prove(&mut self, blocks: &[Block], proofs: &[[U256; 8]]) -> Result<Mined, DevError> {
        let commits: Vec<_> = blocks.iter().map(commit_block).collect();
        let mined = self.l1.commit_and_prove_blocks(&self.last_committed, &commits, proofs).await?;
        self.after_commit(blocks, &mined)?;
        Ok(mined)
    }

    /// Check the stored forms L1 emitted against ours and move on.
    fn after_commit(&mut self, blocks: &[Block], mined: &Mined) -> Result<(), DevError> {
        let emitted = mined.events::<crate::bindings::Rollup::BlockCommit>();
        if emitted.len() != blocks.len() {
            return Err(DevError::Mismatch(format!(
                "{} BlockCommit events for {} blocks",
                emitted.len(),
                blocks.len()
            )));
        }
        for (block, event) in blocks.iter().zip(&emitted) {
            let ours = stored_block(block).map_err(|e| DevError::Mismatch(e.to_string()))?;
            if ours != event.storedBlock {
                return Err(DevError::Mismatch(format!(
                    "block {}: L1 stored {:?}, the operator expected {ours:?}",
                    block.header.number, event.storedBlock
                )));
            }
        }
        if let Some(last) = emitted.last() {
            self.last_committed = last.storedBlock.clone();
        }
        Ok(())
    }

    /// Prove the next committed `blocks` with `proofs`.
    pub async fn prove(&self, blocks: &[Block], proofs: &[[U256; 8]]) -> Result<Mined, DevError> {
        let stored: Result<Vec<_>, _> = blocks.iter().map(stored_block).collect();
        Ok(self.l1.prove_blocks(&stored.map_err(|e| DevError::Mismatch(e.to_string()))?, proofs).await?)
    }

    /// Execute the next proven `blocks`.
    pub async fn execute(&self, blocks: &[Block]) -> Result<Mined, DevError> {
        let exec: Result<Vec<_>, _> = blocks.iter().map(execute_block).collect();
        Ok(self.l1.execute_blocks(&exec.map_err(|e| DevError::Mismatch(e.to_string()))?).await?)
    }
}
