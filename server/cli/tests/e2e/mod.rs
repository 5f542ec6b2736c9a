//! Shared by the end-to-end tests: dev keys (loaded once per test binary, cached with the circuit
//! tests' keys under `CARGO_TARGET_TMPDIR`) and proofs in alloy's words; the rest comes from
//! `zkpay-test-utils`.
#![allow(dead_code)]

use alloy::primitives::U256;
use std::sync::Arc;
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::Engine;
use zkpay_core::block::Block;
use zkpay_l1::encode::proof_words;
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
