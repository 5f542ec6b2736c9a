//! Dev keys of the 8-chunk block circuit for the integration tests, and the committed verification
//! keys. Key generation (~320k constraints) is the slow part, so the keys are found, in order:
//!
//! 1. `keys/block_8.pk` next to the committed `keys/block_8.vk.json` (after `zkpay keygen`), if it
//!    passes every integrity check of `load_keys` and the vk is for the current circuit shape;
//! 2. a copy this test suite wrote earlier under `CARGO_TARGET_TMPDIR` (another test binary of the
//!    same `cargo test` run, or an earlier run), if its vk JSON is byte-identical to the committed one;
//! 3. otherwise they are regenerated from the public dev seed, written to that cache, and the
//!    regenerated vk JSON must equal `keys/block_8.vk.json` byte for byte: a circuit change that
//!    forgets to regenerate the committed key fails here.
//!
//! Within one test binary the keys are loaded once (`OnceLock`). No test generates 32-chunk keys.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;
use zkpay_circuit::bellman_ce::groth16::{Parameters, VerifyingKey};
use zkpay_circuit::block::{block_circuit_name, BlockCircuit};
use zkpay_circuit::keys::{dev_keys, read_verification_key, verification_key_path, VerificationKeyFile};
use zkpay_circuit::Engine;

/// The repository's `keys/`.
pub fn committed_keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../keys")
}

/// The committed `keys/block_<chunks>.vk.json`, parsed and checked.
pub fn committed_vk(chunks: usize) -> (VerificationKeyFile, VerifyingKey<Engine>) {
    let path = verification_key_path(&committed_keys_dir(), &block_circuit_name(chunks));
    read_verification_key(&path).unwrap_or_else(|e| panic!("committed {}: {e}", path.display()))
}

/// The dev proving key of the 8-chunk block circuit, matching `keys/block_8.vk.json`.
pub fn block8_keys() -> &'static Parameters<Engine> {
    static KEYS: OnceLock<Parameters<Engine>> = OnceLock::new();
    KEYS.get_or_init(|| load_or_generate(8))
}

fn load_or_generate(chunks: usize) -> Parameters<Engine> {
    let name = block_circuit_name(chunks);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zkpay-dev-keys");
    let start = Instant::now();
    let (params, source) = dev_keys(&committed_keys_dir(), &cache, &name, || BlockCircuit::blank(chunks))
        .unwrap_or_else(|e| {
            panic!("{name}: {e} (if the committed vk is stale: `zkpay keygen --circuits block --block-sizes {chunks}`)")
        });
    eprintln!("{name}: dev keys from {source:?} in {:.1?}", start.elapsed());
    params
}

use zkpay_core::block::{Block, BlockBuilder, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::state::UpdateMode;
use zkpay_core::tx::{Deposit, L2Tx, PriorityOp, PriorityOpData, TimeRange, Transfer, TxSignature};
use zkpay_core::types::Address;
use zkpay_core::vectors::{vector_blocks, vector_domain};

/// A second 8-chunk block on top of the vector state (after the three vector blocks): a Deposit of
/// ETH to a new account (5 chunks), a Transfer of token 1 from Alice to Bob (2 chunks, signed with
/// the vectors' fixed key of Alice, 32 bytes of 1) and a Noop; sealed in witness mode, fee account 0.
pub fn second_block8() -> Block {
    let (blocks, mut state) = vector_blocks();
    state.set_mode(UpdateMode::Witness);
    let last = blocks.last().expect("three vector blocks");
    let header = BlockHeader {
        domain: vector_domain(),
        number: last.header.number + 1,
        fee_account: 0,
        timestamp: last.header.timestamp + 600,
        chunks: 8,
    };
    let alice_key = PrivateKey::from_bytes([1; 32]);
    let (alice, bob) = (1, 2);
    let alice_fields = state.account(alice).expect("Alice has an account");
    assert_eq!(alice_fields.pubkey_hash, alice_key.public_key().hash(), "Alice's vector key");
    let bob_address = state.account(bob).expect("Bob has an account").address;
    let mut builder = BlockBuilder::new(&mut state, header).expect("block opens");
    let deposit = PriorityOp {
        serial_id: 6,
        data: PriorityOpData::Deposit(Deposit {
            from: Address([0x42; 20]),
            to: Address([0x42; 20]),
            token: 0,
            amount: 3_000_000_000_000_000,
        }),
        expiration_block: 2_000,
    };
    builder.add_priority_op(&mut state, &deposit).expect("deposit applies");
    let mut tx = L2Tx::Transfer(Transfer {
        account_id: alice,
        to: bob_address,
        token: 1,
        amount: 7_000_000,
        fee: 20_000,
        nonce: alice_fields.nonce,
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    tx.sign(&alice_key, &vector_domain()).expect("transfer signs");
    builder.add_tx(&mut state, &tx).expect("transfer applies");
    builder.seal(&mut state).expect("block seals")
}
