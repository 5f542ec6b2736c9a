//! Shared by the end-to-end tests: dev keys (loaded once per test binary, cached with the circuit
//! tests' keys under `CARGO_TARGET_TMPDIR`) and proofs in alloy's words; the rest comes from
//! `zkpay-test-utils`.
#![allow(dead_code)]

use alloy::primitives::U256;
use alloy::signers::SignerSync;
use std::sync::Arc;
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::Engine;
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
pub fn exit_keys() -> Arc<Parameters<Engine>> {
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
