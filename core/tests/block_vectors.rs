//! The committed block vectors (`testdata/block_vectors.json`) are exactly what
//! `zkpay_core::vectors::block_vectors()` produces, and they are self-consistent: replaying the
//! recorded inputs through a fresh state in fast mode gives the recorded roots, ops, pubdata, bitmap
//! and commitment; the pubdata decodes to the ops; and the commitment and public input recomputed
//! from the recorded bytes alone (sha2, num-bigint) match.
//!
//! Regenerate after an intended change: `scripts/regen-vectors.sh`
//! (`ZKPAY_REGEN=1 cargo test -p zkpay-core --test vectors --test block_vectors`).

use num_bigint::BigUint;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::PathBuf;
use zkpay_core::block::{BlockBuilder, BlockHeader};
use zkpay_core::field::{fr_to_decimal, fr_to_hex};
use zkpay_core::ops::{decode_block_pubdata, Op};
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{Domain, L2Tx, PriorityOp, PriorityOpData};
use zkpay_core::types::{Address, TokenId};
use zkpay_core::vectors::{block_vectors, vector_domain};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/block_vectors.json")
}

#[test]
fn committed_block_vectors_match_the_generator() {
    let text = serde_json::to_string_pretty(&block_vectors()).unwrap() + "\n";
    let path = vectors_path();
    if std::env::var("ZKPAY_REGEN").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; generate it with ZKPAY_REGEN=1", path.display()));
    assert!(committed == text, "{} is stale; rerun scripts/regen-vectors.sh and review the diff", path.display());
}

/// The committed file, parsed. While regenerating (`ZKPAY_REGEN=1`) the file is being rewritten by
/// the test above, possibly in parallel, so the generator's output is checked instead.
fn committed() -> Value {
    if std::env::var("ZKPAY_REGEN").as_deref() == Ok("1") {
        return block_vectors();
    }
    let text = std::fs::read_to_string(vectors_path()).expect("testdata/block_vectors.json exists");
    serde_json::from_str(&text).expect("block vectors parse")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().strip_prefix("0x").unwrap()).unwrap()
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// A u64 written as a decimal string (PROTOCOL §9.2: chain id, timestamp).
fn u64_str(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or_else(|| panic!("expected a decimal string, got {v}"));
    zkpay_core::serde_util::parse_u64_decimal(s).unwrap()
}

fn header_of(h: &Value) -> BlockHeader {
    BlockHeader {
        domain: Domain { chain_id: u64_str(&h["chainId"]), rollup: h["rollup"].as_str().unwrap().parse().unwrap() },
        number: u64_of(&h["number"]) as u32,
        fee_account: u64_of(&h["feeAccount"]) as u32,
        timestamp: u64_str(&h["timestamp"]),
        chunks: u64_of(&h["chunks"]) as usize,
    }
}

/// (a) Replay through a fresh state in fast mode: same roots, ops, fee slots, pubdata, bitmap,
/// commitment and public input as recorded.
#[test]
fn block_vectors_replay_in_fast_mode() {
    let v = committed();
    let genesis = &v["genesis"];
    let operator: Address = genesis["operator"].as_str().unwrap().parse().unwrap();
    let mut state = State::genesis(operator).unwrap();
    state.set_mode(UpdateMode::Fast);
    let tokens: Vec<TokenId> = genesis["tokens"].as_array().unwrap().iter().map(|t| u64_of(t) as TokenId).collect();
    assert_eq!(tokens[0], 0, "ETH is always registered");
    for t in &tokens[1..] {
        state.register_token(*t).unwrap();
    }
    assert_eq!(fr_to_hex(&state.root()), genesis["root"]);

    let blocks = v["blocks"].as_array().unwrap();
    let mut expected_serial = 0u64;
    for (i, b) in blocks.iter().enumerate() {
        let header = header_of(&b["header"]);
        assert_eq!(header.number as usize, i + 1);
        assert_eq!(header.domain, vector_domain());
        assert_eq!(fr_to_hex(&state.root()), b["oldRoot"], "block {}: old root", header.number);
        let mut builder = BlockBuilder::new(&mut state, header).unwrap();
        for input in b["inputs"].as_array().unwrap() {
            match input["kind"].as_str().unwrap() {
                "priorityOp" => {
                    let p: PriorityOp = serde_json::from_value(input["priorityOp"].clone()).unwrap();
                    assert_eq!(p.serial_id, expected_serial, "priority ops in L1 queue order");
                    expected_serial += 1;
                    assert_eq!(unhex(&input["l1Pubdata"]), p.l1_pubdata());
                    builder.add_priority_op(&mut state, &p).unwrap();
                }
                "tx" => {
                    let tx: L2Tx = serde_json::from_value(input["tx"].clone()).unwrap();
                    assert_eq!(input["txHash"], tx.tx_hash_hex(&header.domain).unwrap());
                    builder.add_tx(&mut state, &tx).unwrap();
                }
                other => panic!("unknown input kind {other}"),
            }
        }
        let block = builder.seal(&mut state).unwrap();
        let n = header.number;
        assert_eq!(fr_to_hex(&block.old_root), b["oldRoot"], "block {n}");
        assert_eq!(fr_to_hex(&block.new_root), b["newRoot"], "block {n}");
        let ops: Vec<Op> = serde_json::from_value(b["ops"].clone()).unwrap();
        assert_eq!(block.ops, ops, "block {n}");
        let slots: Vec<(u64, String)> = b["feeSlots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (u64_of(&s["token"]), s["amount"].as_str().unwrap().to_string()))
            .collect();
        let got: Vec<(u64, String)> = block.fee_slots.iter().map(|s| (s.token as u64, s.amount.to_string())).collect();
        assert_eq!(got, slots, "block {n}");
        assert_eq!(block.priority_ops as u64, u64_of(&b["priorityOps"]), "block {n}");
        assert_eq!(block.pubdata, unhex(&b["pubdata"]), "block {n}");
        assert_eq!(block.onchain_bitmap, unhex(&b["onchainBitmap"]), "block {n}");
        assert_eq!(block.commitment.to_vec(), unhex(&b["commitment"]), "block {n}");
        assert_eq!(fr_to_hex(&block.public_input), b["publicInput"]["hex"], "block {n}");
        assert_eq!(fr_to_decimal(&block.public_input), b["publicInput"]["decimal"], "block {n}");
    }
    assert_eq!(fr_to_hex(&state.root()), v["finalRoot"]);
}

/// (b) and (c): the pubdata decodes to the ops; header, commitment and public input recomputed from
/// the recorded fields and bytes alone.
#[test]
fn block_vectors_commitments_recompute_independently() {
    let v = committed();
    for b in v["blocks"].as_array().unwrap() {
        let h = &b["header"];
        let chunks = u64_of(&h["chunks"]) as usize;
        let pubdata = unhex(&b["pubdata"]);
        let bitmap = unhex(&b["onchainBitmap"]);
        assert_eq!(pubdata.len(), chunks * 10);
        assert_eq!(bitmap.len(), chunks.div_ceil(8));

        let ops: Vec<Op> = serde_json::from_value(b["ops"].clone()).unwrap();
        assert_eq!(decode_block_pubdata(&pubdata).unwrap(), ops);

        // The bitmap by hand: bit i (MSB first) set iff chunk i starts an onchain op.
        let mut expected_bitmap = vec![0u8; chunks.div_ceil(8)];
        let mut chunk = 0;
        for op in &ops {
            let onchain = matches!(
                op,
                Op::Deposit(_) | Op::Withdraw(_) | Op::FullExit(_) | Op::ChangePubKey(_) | Op::ForcedExit(_)
            );
            if onchain {
                expected_bitmap[chunk / 8] |= 0x80 >> (chunk % 8);
            }
            chunk += op.chunks();
        }
        assert_eq!(chunk, chunks);
        assert_eq!(bitmap, expected_bitmap);

        // The 108-byte header from its fields.
        let mut header = Vec::new();
        header.extend_from_slice(&u64_str(&h["chainId"]).to_be_bytes());
        header.extend_from_slice(&unhex(&h["rollup"]));
        header.extend_from_slice(&(u64_of(&h["number"]) as u32).to_be_bytes());
        header.extend_from_slice(&(u64_of(&h["feeAccount"]) as u32).to_be_bytes());
        header.extend_from_slice(&u64_str(&h["timestamp"]).to_be_bytes());
        header.extend_from_slice(&unhex(&b["oldRoot"]));
        header.extend_from_slice(&unhex(&b["newRoot"]));
        assert_eq!(header.len(), 108);
        assert_eq!(header, unhex(&b["commitmentHeader"]));

        let mut hasher = Sha256::new();
        hasher.update(&header);
        hasher.update(&pubdata);
        hasher.update(&bitmap);
        let commitment = hasher.finalize().to_vec();
        assert_eq!(commitment, unhex(&b["commitment"]));

        let input = BigUint::from_bytes_be(&commitment) >> 3u32;
        assert_eq!(input.to_string(), b["publicInput"]["decimal"]);
        assert_eq!(format!("0x{:064x}", input), b["publicInput"]["hex"]);
        let p =
            BigUint::parse_bytes(b"21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)
                .unwrap();
        assert!(input < p);
    }
}

/// The scenario covers what the vectors promise: every op type, both dev block sizes, deposits to
/// new and existing accounts, full exits paying out and paying 0, a transfer to self, a forced exit,
/// at least two fee tokens, unused fee slots and Noop padding.
#[test]
fn block_vectors_cover_every_op_and_case() {
    let v = committed();
    let blocks = v["blocks"].as_array().unwrap();
    assert!(blocks.len() >= 3);
    let sizes: Vec<u64> = blocks.iter().map(|b| u64_of(&b["header"]["chunks"])).collect();
    assert!(sizes.iter().filter(|&&s| s == 32).count() >= 2 && sizes.contains(&8), "sizes {sizes:?}");

    let mut types = BTreeSet::new();
    let mut fee_tokens = BTreeSet::new();
    let (mut full_exit_paid, mut full_exit_zero, mut to_self, mut unused_slot) = (false, false, false, false);
    let mut deposit_targets = BTreeSet::new();
    let mut deposits = 0;
    for b in blocks {
        let ops: Vec<Op> = serde_json::from_value(b["ops"].clone()).unwrap();
        assert!(matches!(ops.last(), Some(Op::Noop(_))), "every block is padded");
        for op in &ops {
            types.insert(op.opcode());
            match op {
                Op::FullExit(e) if e.amount > 0 => full_exit_paid = true,
                Op::FullExit(_) => full_exit_zero = true,
                Op::Transfer(t) if t.from_id == t.to_id => to_self = true,
                Op::Deposit(d) => {
                    deposits += 1;
                    deposit_targets.insert(d.account_id);
                }
                _ => {}
            }
        }
        for s in b["feeSlots"].as_array().unwrap() {
            if s["amount"] == "0" {
                assert_eq!(s["token"], 0, "unused slots are token 0, amount 0");
                unused_slot = true;
            } else {
                fee_tokens.insert(u64_of(&s["token"]));
            }
        }
        // Inputs map one to one onto the leading ops; a priority op's L1 bytes are the op's unpadded
        // pubdata with the operator-filled field zeroed (docs/protocol.md §11).
        let inputs = b["inputs"].as_array().unwrap();
        assert!(ops[inputs.len()..].iter().all(|o| matches!(o, Op::Noop(_))));
        for (input, op) in inputs.iter().zip(&ops) {
            if input["kind"] == "priorityOp" {
                let p: PriorityOp = serde_json::from_value(input["priorityOp"].clone()).unwrap();
                let mut bytes = op.encode_unpadded().unwrap();
                match (&p.data, op) {
                    (PriorityOpData::Deposit(_), Op::Deposit(_)) => bytes[1..5].fill(0),
                    (PriorityOpData::FullExit(_), Op::FullExit(_)) => bytes[27..43].fill(0),
                    other => panic!("priority input and op differ: {other:?}"),
                }
                assert_eq!(bytes.len(), 43);
                assert_eq!(bytes, unhex(&input["l1Pubdata"]));
            } else {
                let tx: L2Tx = serde_json::from_value(input["tx"].clone()).unwrap();
                let expected: &[u8] = match tx {
                    L2Tx::Transfer(_) => &[0x02, 0x05],
                    L2Tx::Withdraw(_) => &[0x03],
                    L2Tx::ChangePubKey(_) => &[0x07],
                    L2Tx::ForcedExit(_) => &[0x08],
                };
                assert!(expected.contains(&op.opcode()), "tx {tx:?} became {op:?}");
            }
        }
    }
    assert_eq!(types, (0u8..=8).filter(|o| *o != 4).collect::<BTreeSet<_>>());
    assert!(fee_tokens.len() >= 2, "fee tokens {fee_tokens:?}");
    assert!(full_exit_paid && full_exit_zero && to_self && unused_slot);
    assert!(deposit_targets.len() < deposits, "a deposit to an existing account");
}

/// docs/protocol.md §9.3, §10.5 and §11 quote values of the committed vectors; after a
/// regeneration that changes them, this fails until the spec is updated too.
#[test]
fn protocol_doc_quotes_the_current_vectors() {
    let doc = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md")).unwrap();
    let v = committed();
    let block3 = &v["blocks"][2];
    assert_eq!(block3["header"]["chunks"], 8);
    let mut quoted = vec![
        v["genesis"]["root"].clone(),
        block3["oldRoot"].clone(),
        block3["newRoot"].clone(),
        block3["commitment"].clone(),
        block3["publicInput"]["hex"].clone(),
        block3["publicInput"]["decimal"].clone(),
    ];
    let txs: Value = serde_json::from_str(
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/tx_op_vectors.json"))
            .unwrap(),
    )
    .unwrap();
    quoted.push(txs["txs"][0]["txHash"].clone());
    quoted.push(txs["txs"][0]["signature"].clone());
    quoted.push(txs["priorityOps"][1]["l1Pubdata"].clone());
    for q in quoted {
        let s = q.as_str().unwrap();
        assert!(doc.contains(s), "docs/protocol.md does not quote {s}");
    }
    // The quoted pubdata, split in the table, is the block's pubdata.
    let pubdata = block3["pubdata"].as_str().unwrap().trim_start_matches("0x");
    assert!(doc.contains(&pubdata[..40]) && doc.contains(&pubdata[40..140]));
}
