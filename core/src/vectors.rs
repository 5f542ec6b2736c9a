//! Deterministic tx and op test vectors for the other implementations (circuit, contracts,
//! wallet): fixed keys, fixed domain, every L2 tx type with its message inputs, `M`, hash and
//! signature, and every op type with its pubdata. Pure: no I/O; `core/tests/vectors.rs` compares
//! the output with the committed `testdata/tx_op_vectors.json` (regenerate with
//! `ZKPAY_REGEN=1 cargo test -p zkpay-core --test vectors`).

use crate::eddsa::PrivateKey;
use crate::field::{fr_to_decimal, fr_to_hex};
use crate::ops::{
    block_pubdata, onchain_bitmap, ChangePubKeyOp, DepositOp, ForcedExitOp, FullExitOp, NoopOp, Op, TransferOp,
    TransferToNewOp, WithdrawOp,
};
use crate::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData, TimeRange,
    Transfer, TxSignature, Withdraw,
};
use crate::types::{Address, PubKeyHash};
use serde_json::{json, Value};

/// The vectors' deployment: Anvil/Hardhat chain 31337 and the first contract their default
/// deployer creates.
pub fn vector_domain() -> Domain {
    Domain { chain_id: 31337, rollup: Address(hex_20("5fbdb2315678afecb367f032d93f642f64180aa3")) }
}

fn hex_20(s: &str) -> [u8; 20] {
    let mut out = [0u8; 20];
    // Constant, valid input: decoding cannot fail.
    hex::decode_to_slice(s, &mut out).expect("constant hex");
    out
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// The fixed signing keys: key `i` is 32 bytes of value `i`.
fn fixed_key(i: u8) -> PrivateKey {
    PrivateKey::from_bytes([i; 32])
}

fn tx_vector(name: &str, key_byte: u8, mut tx: L2Tx, domain: &Domain) -> Value {
    let key = fixed_key(key_byte);
    // Fixed, packable inputs: signing and hashing cannot fail here.
    tx.sign(&key, domain).expect("vector tx signs");
    let e = tx.message_inputs(domain).expect("vector tx message");
    let m = tx.message(domain).expect("vector tx message");
    let signer = tx.verify_signature(domain).expect("vector signature verifies");
    json!({
        "name": name,
        "signerPrivateKey": hex0x(&key.to_bytes()),
        "tx": tx,
        "e": e.iter().map(fr_to_decimal).collect::<Vec<_>>(),
        "message": fr_to_hex(&m),
        "txHash": tx.tx_hash_hex(domain).expect("vector tx hash"),
        "signerPubKey": hex0x(&tx.signature().pub_key),
        "signature": hex0x(&tx.signature().signature),
        "signerPubKeyHash": signer.to_string(),
    })
}

fn op_vector(name: &str, op: Op) -> Value {
    json!({
        "name": name,
        "op": op,
        "pubdata": hex0x(&op.encode().expect("vector op encodes")),
        "chunks": op.chunks(),
        "onchain": op.is_onchain(),
    })
}

/// Rebuilds every object with its keys in sorted order, so the printed file is the same whether or
/// not some crate in the build enables serde_json's `preserve_order` feature.
fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// All vectors as one JSON value (deterministic: same output on every run and platform; object
/// keys sorted).
pub fn tx_and_op_vectors() -> Value {
    sort_keys(build_vectors())
}

fn build_vectors() -> Value {
    let domain = vector_domain();
    let unsigned = TxSignature::default();
    let to = Address(hex_20("70997970c51812dc3a010c7d01b50e20d4c3c8aa"));
    let owner = Address(hex_20("f39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
    let tr = TimeRange { valid_from: 1_700_000_000, valid_until: 1_800_000_000 };
    let new_key_hash = fixed_key(3).public_key().hash();

    let txs = vec![
        tx_vector(
            "transfer",
            1,
            L2Tx::Transfer(Transfer {
                account_id: 1,
                to,
                token: 0,
                amount: 1_000_000_000_000_000_000, // 1 ETH: packs as 10^10 × 10^8
                fee: 1_230_000_000_000,
                nonce: 0,
                time_range: tr,
                signature: unsigned,
            }),
            &domain,
        ),
        tx_vector(
            "transfer_zero_amount_always_valid",
            1,
            L2Tx::Transfer(Transfer {
                account_id: 0x00ffffff,
                to: owner,
                token: 1023,
                amount: 0,
                fee: 0,
                nonce: u32::MAX,
                time_range: TimeRange::ALWAYS,
                signature: unsigned,
            }),
            &domain,
        ),
        tx_vector(
            "withdraw",
            2,
            L2Tx::Withdraw(Withdraw {
                account_id: 2,
                to: owner,
                token: 7,
                amount: 123_456_789_012_345_678_901,
                fee: 2047,
                nonce: 5,
                time_range: tr,
                signature: unsigned,
            }),
            &domain,
        ),
        tx_vector(
            "change_pubkey_onchain",
            3,
            L2Tx::ChangePubKey(ChangePubKey {
                account_id: 3,
                account: to,
                new_pub_key_hash: new_key_hash,
                fee_token: 0,
                fee: 0,
                nonce: 0,
                time_range: tr,
                auth: ChangePubKeyAuth::Onchain,
                signature: unsigned,
            }),
            &domain,
        ),
        tx_vector(
            "change_pubkey_eip712",
            3,
            L2Tx::ChangePubKey(ChangePubKey {
                account_id: 3,
                account: to,
                new_pub_key_hash: new_key_hash,
                fee_token: 1,
                fee: 5_000_000_000,
                nonce: 1,
                time_range: tr,
                // Placeholder witness bytes: the L2 signature does not cover `auth`.
                auth: ChangePubKeyAuth::Eip712 { signature: (0u8..65).collect() },
                signature: unsigned,
            }),
            &domain,
        ),
        tx_vector(
            "forced_exit",
            4,
            L2Tx::ForcedExit(ForcedExit {
                initiator_account_id: 4,
                target: owner,
                token: 2,
                fee: 10_000,
                nonce: 9,
                time_range: tr,
                signature: unsigned,
            }),
            &domain,
        ),
    ];

    let ops = [
        ("noop", Op::Noop(NoopOp)),
        (
            "deposit",
            Op::Deposit(DepositOp { account_id: 1, token: 0, amount: 5_000_000_000_000_000_000, address: to }),
        ),
        (
            "transfer_to_new",
            Op::TransferToNew(TransferToNewOp {
                from_id: 1,
                token: 0,
                amount: 1_000_000_000_000_000_000,
                to_address: owner,
                to_id: 2,
                fee: 1_230_000_000_000,
            }),
        ),
        (
            "withdraw",
            Op::Withdraw(WithdrawOp {
                account_id: 2,
                token: 7,
                amount: 123_456_789_012_345_678_901,
                fee: 2047,
                to_address: owner,
            }),
        ),
        (
            "transfer",
            Op::Transfer(TransferOp { from_id: 1, token: 0, to_id: 2, amount: 10u128.pow(30), fee: 20_470_000 }),
        ),
        ("full_exit", Op::FullExit(FullExitOp { account_id: 2, owner, token: 7, amount: 42 })),
        (
            "change_pubkey",
            Op::ChangePubKey(ChangePubKeyOp {
                account_id: 3,
                new_pub_key_hash: new_key_hash,
                address: to,
                nonce: 0,
                fee_token: 0,
                fee: 0,
            }),
        ),
        (
            "forced_exit",
            Op::ForcedExit(ForcedExitOp {
                initiator_id: 4,
                target_id: 0x00fffffe,
                token: 2,
                fee: 10_000,
                amount: u128::MAX,
                target_address: owner,
            }),
        ),
    ];
    let op_vectors: Vec<Value> = ops.iter().map(|(name, op)| op_vector(name, *op)).collect();

    // A 40-chunk block with every op once, padded with Noops.
    let mut block_ops: Vec<Op> = ops.iter().map(|(_, op)| *op).collect();
    let used: usize = block_ops.iter().map(Op::chunks).sum();
    let block_chunks = 40;
    block_ops.resize(block_ops.len() + block_chunks - used, Op::Noop(NoopOp));
    let block = json!({
        "chunks": block_chunks,
        "pubdata": hex0x(&block_pubdata(&block_ops).expect("vector block encodes")),
        "onchainBitmap": hex0x(&onchain_bitmap(&block_ops, block_chunks)),
    });

    let priority = [
        PriorityOp {
            serial_id: 0,
            data: PriorityOpData::Deposit(Deposit { from: owner, to, token: 0, amount: 5_000_000_000_000_000_000 }),
            expiration_block: 100,
        },
        PriorityOp {
            serial_id: 1,
            data: PriorityOpData::FullExit(FullExit { account_id: 2, owner, token: 7 }),
            expiration_block: 101,
        },
    ];
    let priority_vectors: Vec<Value> =
        priority.iter().map(|p| json!({"request": p, "l1Pubdata": hex0x(&p.l1_pubdata())})).collect();

    json!({
        "description": "zkpay tx and op vectors (PROTOCOL §5, §7, §9); generated by zkpay_core::vectors",
        "domain": domain,
        "keys": (1u8..=4).map(|i| {
            let k = fixed_key(i);
            json!({
                "privateKey": hex0x(&k.to_bytes()),
                "pubKey": hex0x(&k.public_key().compress()),
                "pubKeyHash": k.public_key().hash().to_string(),
            })
        }).collect::<Vec<_>>(),
        "txs": txs,
        "ops": op_vectors,
        "block": block,
        "priorityOps": priority_vectors,
        "zeroPubKeyHash": PubKeyHash::ZERO.to_string(),
    })
}
