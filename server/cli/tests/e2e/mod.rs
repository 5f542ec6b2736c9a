//! Shared by the end-to-end tests: dev keys (loaded once per test binary, cached with the circuit
//! tests' keys under `CARGO_TARGET_TMPDIR`) and proofs in alloy's words; the rest comes from
//! `zkpay-test-utils`.
#![allow(dead_code, unused_imports)] // each test binary uses a part

use alloy::primitives::U256;
use alloy::signers::SignerSync;
use std::sync::Arc;
use zkpay_core::block::Block;
use zkpay_core::tx::{ChangePubKeyAuth, L2Tx};
use zkpay_l1::devnet::DevChain;
use zkpay_l1::encode::{core_address, proof_words};
use zkpay_prover::KeyStore;
pub use zkpay_test_utils::{change_pubkey, l2_key, nosig, signed, ALWAYS, ETHER};

pub fn keys() -> &'static KeyStore {
    zkpay_test_utils::dev_key_store(env!("CARGO_TARGET_TMPDIR"))
}

/// The exit circuit's dev proving key.
pub fn exit_keys() -> Arc<zkpay_prover::ProvingKey> {
    keys().exit().expect("exit dev keys")
}

/// Proofs of `blocks` with the 8-chunk dev key.
pub fn prove_all(blocks: &[Block]) -> Vec<[U256; 8]> {
    zkpay_test_utils::prove_all(keys(), blocks).iter().map(proof_words).collect()
}

/// Where the dev keys are cached (the `zkpay` child processes get it as `ZKPAY_DEV_KEYS_CACHE`).
pub fn keys_cache() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zkpay-dev-keys")
}

/// A signed ChangePubKey of anvil account `i` (account id `id`, its first, nonce 0), authorized
/// by an EIP-712 signature over the digest the Rollup itself computes.
pub async fn change_pubkey_of(
    chain: &DevChain,
    i: usize,
    id: u32,
    key: &zkpay_core::eddsa::PrivateKey,
    fee: u128,
) -> L2Tx {
    let pkh = key.public_key().hash();
    let digest = chain.client(i).unwrap().change_pubkey_digest(pkh.0, 0, id).await.unwrap();
    let auth = chain.signer(i).sign_hash_sync(&digest).unwrap().as_bytes().to_vec();
    change_pubkey(
        id,
        core_address(&chain.address(i)),
        key,
        fee,
        ChangePubKeyAuth::Eip712 { signature: auth },
        &chain.domain(),
    )
}

/// The bearer token of the `zkpay prover` workers the tests start.
pub const TOKEN: &str = "worker-secret";

/// What a test changes in the node's configuration.
pub struct Options {
    pub block_timeout_ms: u64,
    pub lease_secs: u64,
    pub confirmations: u64,
    pub tx_timeout_secs: u64,
    pub initial_max_fee_wei: &'static str,
    /// The L1 URL the node uses, when not anvil's own (a proxy).
    pub l1_url: Option<String>,
    /// In-process proving threads (0: an external `zkpay prover` proves).
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            block_timeout_ms: 300,
            lease_secs: 20,
            confirmations: 0,
            tx_timeout_secs: 30,
            initial_max_fee_wei: "",
            l1_url: None,
            workers: 0,
        }
    }
}

/// `node.toml` in `dir` for a node of `chain` with its L1 pipeline (operator: anvil account 0).
pub fn write_config(chain: &DevChain, dir: &std::path::Path, o: &Options) -> std::path::PathBuf {
    let operator_key = format!("0x{}", hex::encode(chain.anvil.keys()[0].to_bytes()));
    let config = format!(
        r#"data_dir = {data:?}
listen = "127.0.0.1:0"

[chain]
chain_id = {chain_id}
rollup = "{rollup}"
operator = "{operator}"
tokens = [1]

[blocks]
keys_dir = {keys:?}
sizes = [8]
timeout_ms = {timeout}

[prover]
workers = {workers}
token = "{TOKEN}"
cache_dir = {cache:?}
lease_secs = {lease}

[l1]
url = "{url}"
operator_key = "{operator_key}"
deployment_block = {block}
confirmations = {confirmations}
poll_ms = 200
tx_timeout_secs = {tx_timeout}
initial_max_fee_wei = "{initial_fee}"
"#,
        data = dir.join("db"),
        chain_id = chain.deployment.chain_id,
        rollup = core_address(&chain.deployment.rollup),
        operator = core_address(&chain.operator.sender()),
        keys = zkpay_test_utils::committed_keys_dir(),
        cache = keys_cache(),
        timeout = o.block_timeout_ms,
        lease = o.lease_secs,
        url = o.l1_url.clone().unwrap_or_else(|| chain.url.clone()),
        block = chain.deployment.block,
        confirmations = o.confirmations,
        tx_timeout = o.tx_timeout_secs,
        initial_fee = o.initial_max_fee_wei,
        workers = o.workers,
    );
    let path = dir.join("node.toml");
    std::fs::write(&path, config).unwrap();
    path
}
