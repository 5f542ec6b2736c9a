//! Shared by the end-to-end tests: dev keys (loaded once per test binary, cached with the circuit
//! tests' keys under `CARGO_TARGET_TMPDIR`), L2 keys and tx helpers.
#![allow(dead_code)]

use alloy::primitives::U256;
use std::path::PathBuf;
use std::sync::OnceLock;
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::Engine;
use zkpay_core::block::Block;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{ChangePubKey, ChangePubKeyAuth, Domain, L2Tx, TimeRange, TxSignature};
use zkpay_core::types::{AccountId, Address};
use zkpay_server::l1::dev::{block_dev_keys, exit_dev_keys, prove_block};

pub fn keys_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zkpay-dev-keys")
}

/// The 8-chunk block circuit's dev proving key.
pub fn block8() -> &'static Parameters<Engine> {
    static KEYS: OnceLock<Parameters<Engine>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let start = std::time::Instant::now();
        let keys = block_dev_keys(8, &keys_cache()).expect("block_8 dev keys");
        eprintln!("block_8 dev keys loaded in {:.1?}", start.elapsed());
        keys
    })
}

/// The exit circuit's dev proving key.
pub fn exit_keys() -> &'static Parameters<Engine> {
    static KEYS: OnceLock<Parameters<Engine>> = OnceLock::new();
    KEYS.get_or_init(|| exit_dev_keys(&keys_cache()).expect("exit dev keys"))
}

/// Proofs of `blocks` with the 8-chunk dev key.
pub fn prove_all(blocks: &[Block]) -> Vec<[U256; 8]> {
    let keys = block8();
    blocks
        .iter()
        .map(|b| {
            let start = std::time::Instant::now();
            let proof = prove_block(keys, b).unwrap_or_else(|e| panic!("block {}: {e}", b.header.number));
            eprintln!("block {} proven in {:.1?}", b.header.number, start.elapsed());
            proof
        })
        .collect()
}

/// A user's L2 key, fixed per name byte.
pub fn l2_key(b: u8) -> PrivateKey {
    PrivateKey::from_bytes([b; 32])
}

pub const ETHER: u128 = 1_000_000_000_000_000_000;

pub fn signed(mut tx: L2Tx, key: &PrivateKey, domain: &Domain) -> L2Tx {
    tx.sign(key, domain).expect("tx signs");
    tx
}

pub const ALWAYS: TimeRange = TimeRange::ALWAYS;

pub fn nosig() -> TxSignature {
    TxSignature::default()
}

/// A ChangePubKey of `account` (address `address`, nonce 0) to `key`, fee `fee` in ETH, signed by `key`.
pub fn change_pubkey(account: AccountId, address: Address, key: &PrivateKey, fee: u128, auth: ChangePubKeyAuth, domain: &Domain) -> L2Tx {
    let tx = L2Tx::ChangePubKey(ChangePubKey {
        account_id: account,
        account: address,
        new_pub_key_hash: key.public_key().hash(),
        fee_token: 0,
        fee,
        nonce: 0,
        time_range: ALWAYS,
        auth,
        signature: nosig(),
    });
    signed(tx, key, domain)
}
