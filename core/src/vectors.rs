//! Deterministic test vectors for the other implementations (circuit, contracts, wallet):
//!
//! - [`tx_and_op_vectors`]: fixed keys, fixed domain, every L2 tx type with its message inputs,
//!   `M`, hash and signature, and every op type with its pubdata (`testdata/tx_op_vectors.json`,
//!   checked by `core/tests/vectors.rs`);
//! - [`block_vectors`]: a genesis and a scenario of blocks played through the real state and
//!   block builder, with roots, pubdata, onchain bitmap, commitment and public input
//!   (`testdata/block_vectors.json`, checked by `core/tests/block_vectors.rs`).
//!
//! Pure: no I/O. Regenerate every vector file with `scripts/regen-vectors.sh`.

use crate::block::{commitment_header, Block, BlockBuilder, BlockHeader};
use crate::eddsa::PrivateKey;
use crate::field::{fr_to_decimal, fr_to_hex};
use crate::ops::{
    block_pubdata, onchain_bitmap, ChangePubKeyOp, DepositOp, ForcedExitOp, FullExitOp, NoopOp, Op, TransferOp,
    TransferToNewOp, WithdrawOp,
};
use crate::state::{State, UpdateMode};
use crate::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData, TimeRange,
    Transfer, TxSignature, Withdraw,
};
use crate::types::{AccountId, Address, PubKeyHash, TokenId};
use serde_json::{json, Value};

/// The vectors' deployment: Anvil/Hardhat chain 31337 and the first contract their default
/// deployer creates.
pub fn vector_domain() -> Domain {
    Domain { chain_id: 31337, rollup: address("5fbdb2315678afecb367f032d93f642f64180aa3") }
}

/// A constant address written as 40 hex digits, through `Address`'s own parser.
fn address(hex40: &str) -> Address {
    format!("0x{hex40}").parse().expect("constant address")
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
    let to = address("70997970c51812dc3a010c7d01b50e20d4c3c8aa");
    let owner = address("f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
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
        ("deposit", Op::Deposit(DepositOp { account_id: 1, token: 0, amount: 5_000_000_000_000_000_000, address: to })),
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

/// An input of a block in the vectors: an L1 priority request or a signed L2 tx.
enum Input {
    Priority(PriorityOp),
    Tx(L2Tx),
}

/// The scenario's actors (Anvil's default accounts 0–4 as L1 addresses).
const OPERATOR: &str = "f39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const ALICE: &str = "70997970c51812dc3a010c7d01b50e20d4c3c8aa";
const BOB: &str = "3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const CAROL: &str = "90f79bf6eb2c4f870365e785982e1f101e93b906";
const DAVE: &str = "15d34aaf54267db7d7c367839aaf71a00a2c6a65";

/// Tokens registered besides ETH (0).
const BLOCK_VECTOR_TOKENS: [TokenId; 2] = [1, 2];

/// Timestamps of blocks 1, 2, 3.
const T1: u64 = 1_700_000_000;
const T2: u64 = 1_700_000_600;
const T3: u64 = 1_700_001_200;

const ETH: u128 = 1_000_000_000_000_000_000;
/// Token 1 has 6 decimals (a USDC-like token).
const USD: u128 = 1_000_000;

fn block_header_json(h: &BlockHeader) -> Value {
    json!({
        // u64s as decimal strings, like every u64 in the protocol's JSON (§9.2).
        "chainId": h.domain.chain_id.to_string(),
        "rollup": h.domain.rollup,
        "number": h.number,
        "feeAccount": h.fee_account,
        "timestamp": h.timestamp.to_string(),
        "chunks": h.chunks,
    })
}

fn input_json(input: &Input, domain: &Domain) -> Value {
    match input {
        Input::Priority(p) => json!({
            "kind": "priorityOp",
            "priorityOp": p,
            "l1Pubdata": hex0x(&p.l1_pubdata()),
        }),
        Input::Tx(tx) => json!({
            "kind": "tx",
            "tx": tx,
            "txHash": tx.tx_hash_hex(domain).expect("vector tx hash"),
        }),
    }
}

fn block_json(description: &str, inputs: &[Input], block: &Block) -> Value {
    let domain = block.header.domain;
    json!({
        "description": description,
        "header": block_header_json(&block.header),
        "oldRoot": fr_to_hex(&block.old_root),
        "newRoot": fr_to_hex(&block.new_root),
        "inputs": inputs.iter().map(|i| input_json(i, &domain)).collect::<Vec<_>>(),
        "ops": block.ops,
        "feeSlots": block.fee_slots.iter().map(|s| json!({"token": s.token, "amount": s.amount.to_string()})).collect::<Vec<_>>(),
        "priorityOps": block.priority_ops,
        "pubdata": hex0x(&block.pubdata),
        "onchainBitmap": hex0x(&block.onchain_bitmap),
        "commitmentHeader": hex0x(&commitment_header(&block.header, &block.old_root, &block.new_root)),
        "commitment": hex0x(&block.commitment),
        "publicInput": {
            "hex": fr_to_hex(&block.public_input),
            "decimal": fr_to_decimal(&block.public_input),
        },
    })
}

/// Plays `inputs` into one block in witness mode and seals it.
fn play_block(state: &mut State, header: BlockHeader, inputs: &[Input]) -> Block {
    let mut builder = BlockBuilder::new(state, header).expect("vector block opens");
    for input in inputs {
        // The scenario is valid by construction: every input is accepted.
        match input {
            Input::Priority(p) => builder.add_priority_op(state, p).map(|_| ()),
            Input::Tx(tx) => builder.add_tx(state, tx).map(|_| ()),
        }
        .expect("vector input applies");
    }
    builder.seal(state).expect("vector block seals")
}

/// Genesis and three blocks (32, 32 and 8 chunks) exercising every op type, played through
/// [`State`] and [`BlockBuilder`] in [`UpdateMode::Witness`] (deterministic; object keys sorted).
///
/// Scenario (account ids: 0 operator, 1 Alice, 2 Bob, 3 Carol; Dave has no account):
/// - block 1 (32 chunks, fee account 0): Deposit ETH to Alice (new account 1), Deposit token 1 to
///   Alice (existing), ChangePubKey Alice (fee in token 1), Deposit ETH to Bob (new account 2),
///   ChangePubKey Bob (fee in ETH), Transfer Alice → Bob (token 1), 3 Noops;
/// - block 2 (32 chunks, fee account 0): TransferToNew Alice → Carol (new account 3, ETH), FullExit
///   of Bob's ETH by Bob (the owner), Transfer Bob → Bob (token 1), Deposit token 2 from Dave to Carol
///   (existing, keyless), Withdraw Alice → Dave's L1 address (token 1, non-packable amount, time
///   range ending at the block timestamp), FullExit of Alice's ETH requested by Dave (not the owner:
///   amount 0), 6 Noops;
/// - block 3 (8 chunks, fee account 2 = Bob): Transfer Alice → Bob (token 1), ForcedExit of Carol's
///   ETH by Alice (Carol has no key), 1 Noop; fee slots in order of first use: token 1, then ETH.
pub fn block_vectors() -> Value {
    sort_keys(build_block_vectors())
}

/// The state after the last block of [`block_vectors`] (its root is the vectors' `finalRoot`):
/// what exit proofs against the vectors are made from (`zkpay-circuit`'s exit fixtures).
pub fn block_vectors_final_state() -> State {
    play_vectors().state
}

/// The vector blocks as core seals them in witness mode (per-chunk updates included), with the
/// state after the last one: what the block circuit's tests prove.
pub fn vector_blocks() -> (Vec<Block>, State) {
    let played = play_vectors();
    (played.blocks.into_iter().map(|(_, _, block)| block).collect(), played.state)
}

struct Played {
    genesis_root: crate::field::Fr,
    blocks: Vec<(&'static str, Vec<Input>, Block)>,
    state: State,
}

fn play_vectors() -> Played {
    let domain = vector_domain();
    let unsigned = TxSignature::default();
    let operator = address(OPERATOR);
    let alice = address(ALICE);
    let bob = address(BOB);
    let carol = address(CAROL);
    let dave = address(DAVE);
    let (alice_key, bob_key) = (fixed_key(1), fixed_key(2));
    let (a, b): (AccountId, AccountId) = (1, 2);
    let wide = TimeRange { valid_from: T1, valid_until: T1 + 86_400 };

    let mut state = State::genesis(operator).expect("genesis");
    state.set_mode(UpdateMode::Witness);
    for t in BLOCK_VECTOR_TOKENS {
        state.register_token(t).expect("register token");
    }
    let genesis_root = state.root();

    let deposit = |serial: u64, from: Address, to: Address, token: TokenId, amount: u128| {
        Input::Priority(PriorityOp {
            serial_id: serial,
            data: PriorityOpData::Deposit(Deposit { from, to, token, amount }),
            expiration_block: 1_000 + serial,
        })
    };
    let full_exit = |serial: u64, account_id: AccountId, owner: Address, token: TokenId| {
        Input::Priority(PriorityOp {
            serial_id: serial,
            data: PriorityOpData::FullExit(FullExit { account_id, owner, token }),
            expiration_block: 1_000 + serial,
        })
    };
    let sign = |key: &PrivateKey, mut tx: L2Tx| {
        tx.sign(key, &domain).expect("vector tx signs");
        Input::Tx(tx)
    };
    let change_pubkey = |key: &PrivateKey, account_id: AccountId, account: Address, fee_token: TokenId, fee: u128| {
        sign(
            key,
            L2Tx::ChangePubKey(ChangePubKey {
                account_id,
                account,
                new_pub_key_hash: key.public_key().hash(),
                fee_token,
                fee,
                nonce: 0,
                time_range: wide,
                auth: ChangePubKeyAuth::Onchain,
                signature: unsigned,
            }),
        )
    };
    let transfer = |key: &PrivateKey,
                    from: AccountId,
                    to: Address,
                    token: TokenId,
                    amount: u128,
                    fee: u128,
                    nonce: u32,
                    time_range: TimeRange| {
        sign(
            key,
            L2Tx::Transfer(Transfer {
                account_id: from,
                to,
                token,
                amount,
                fee,
                nonce,
                time_range,
                signature: unsigned,
            }),
        )
    };

    let header = |number: u32, fee_account: AccountId, timestamp: u64, chunks: usize| BlockHeader {
        domain,
        number,
        fee_account,
        timestamp,
        chunks,
    };

    let plan: Vec<(&'static str, BlockHeader, Vec<Input>)> = vec![
        (
            "Deposits to new and existing accounts, ChangePubKey with fees in two tokens, a Transfer; 3 Noops",
            header(1, 0, T1, 32),
            vec![
                deposit(0, alice, alice, 0, 10 * ETH),
                deposit(1, alice, alice, 1, 5_000 * USD),
                change_pubkey(&alice_key, a, alice, 1, USD),
                deposit(2, bob, bob, 0, 2 * ETH),
                change_pubkey(&bob_key, b, bob, 0, 100_000_000_000_000),
                transfer(&alice_key, a, bob, 1, 1_500 * USD, 500_000, 1, TimeRange::ALWAYS),
            ],
        ),
        (
            "TransferToNew, FullExit by the owner, transfer to self, Deposit to a keyless account, Withdraw, \
             FullExit by a non-owner (amount 0); 6 Noops",
            header(2, 0, T2, 32),
            vec![
                transfer(
                    &alice_key,
                    a,
                    carol,
                    0,
                    ETH,
                    200_000_000_000_000,
                    2,
                    TimeRange { valid_from: T2, valid_until: T2 + 3_600 },
                ),
                full_exit(3, b, bob, 0),
                transfer(&bob_key, b, bob, 1, 100 * USD, 250_000, 1, wide),
                deposit(4, dave, carol, 2, 700_000_000_000_000_000),
                sign(
                    &alice_key,
                    L2Tx::Withdraw(Withdraw {
                        account_id: a,
                        to: dave,
                        token: 1,
                        amount: 1_234_567_891,
                        fee: 750_000,
                        nonce: 3,
                        time_range: TimeRange { valid_from: T1, valid_until: T2 },
                        signature: unsigned,
                    }),
                ),
                full_exit(5, a, dave, 0),
            ],
        ),
        (
            "Smallest block size: Transfer and ForcedExit of a keyless account, fee slots token 1 then ETH, \
             fee account 2; 1 Noop",
            header(3, b, T3, 8),
            vec![
                transfer(&alice_key, a, bob, 1, 10 * USD, 100_000, 4, wide),
                sign(
                    &alice_key,
                    L2Tx::ForcedExit(ForcedExit {
                        initiator_account_id: a,
                        target: carol,
                        token: 0,
                        fee: 100_000_000_000_000,
                        nonce: 5,
                        time_range: wide,
                        signature: unsigned,
                    }),
                ),
            ],
        ),
    ];

    let blocks = plan
        .into_iter()
        .map(|(description, header, inputs)| {
            let block = play_block(&mut state, header, &inputs);
            (description, inputs, block)
        })
        .collect();
    Played { genesis_root, blocks, state }
}

fn build_block_vectors() -> Value {
    let domain = vector_domain();
    let Played { genesis_root, blocks, mut state } = play_vectors();
    let blocks: Vec<Value> =
        blocks.iter().map(|(description, inputs, block)| block_json(description, inputs, block)).collect();
    let (operator, alice, bob, carol, dave) =
        (address(OPERATOR), address(ALICE), address(BOB), address(CAROL), address(DAVE));
    let (alice_key, bob_key) = (fixed_key(1), fixed_key(2));

    let accounts: Vec<Value> = [
        ("operator (fee account)", operator, None),
        ("Alice", alice, Some(&alice_key)),
        ("Bob", bob, Some(&bob_key)),
        ("Carol (never sets a key)", carol, None),
        ("Dave (no L2 account)", dave, None),
    ]
    .iter()
    .map(|(name, address, key)| {
        json!({
            "name": name,
            "address": address,
            "accountId": state.account_id_by_address(address),
            "privateKey": key.map(|k| hex0x(&k.to_bytes())),
            "pubKeyHash": key.map(|k| k.public_key().hash()),
        })
    })
    .collect();

    json!({
        "description": "zkpay block vectors (docs/protocol.md §7–§11): a genesis and blocks played through \
                        zkpay_core's State and BlockBuilder; generated by zkpay_core::vectors::block_vectors",
        "domain": domain,
        "accounts": accounts,
        "genesis": {
            "operator": operator,
            "feeAccount": crate::params::FEE_ACCOUNT_ID,
            "tokens": std::iter::once(0).chain(BLOCK_VECTOR_TOKENS).collect::<Vec<TokenId>>(),
            "root": fr_to_hex(&genesis_root),
        },
        "blocks": blocks,
        "finalRoot": fr_to_hex(&state.root()),
    })
}
