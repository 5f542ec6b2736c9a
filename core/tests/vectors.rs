//! The committed tx/op vectors (`testdata/tx_op_vectors.json`) are exactly what
//! `zkpay_core::vectors::tx_and_op_vectors()` produces, and they are self-consistent.
//!
//! Regenerate after an intended change: `ZKPAY_REGEN=1 cargo test -p zkpay-core --test vectors`.

use std::path::PathBuf;
use zkpay_core::field::{fr_to_decimal, fr_to_hex};
use zkpay_core::ops::{decode_block_pubdata, onchain_bitmap, Op};
use zkpay_core::tx::{Domain, L2Tx, PriorityOp};
use zkpay_core::vectors::{tx_and_op_vectors, vector_domain};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/tx_op_vectors.json")
}

#[test]
fn committed_vectors_match_the_generator() {
    let text = serde_json::to_string_pretty(&tx_and_op_vectors()).unwrap() + "\n";
    let path = vectors_path();
    if std::env::var("ZKPAY_REGEN").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; generate it with ZKPAY_REGEN=1", path.display()));
    assert!(committed == text, "{} is stale; rerun with ZKPAY_REGEN=1 and review the diff", path.display());
}

fn unhex(s: &serde_json::Value) -> Vec<u8> {
    hex::decode(s.as_str().unwrap().strip_prefix("0x").unwrap()).unwrap()
}

#[test]
fn vectors_are_self_consistent() {
    let v = tx_and_op_vectors();
    let domain: Domain = serde_json::from_value(v["domain"].clone()).unwrap();
    assert_eq!(domain, vector_domain());
    assert_eq!(domain.chain_id, 31337);

    let txs = v["txs"].as_array().unwrap();
    assert_eq!(txs.len(), 6);
    for t in txs {
        let tx: L2Tx = serde_json::from_value(t["tx"].clone()).unwrap();
        let e = tx.message_inputs(&domain).unwrap();
        let e_dec: Vec<String> = e.iter().map(fr_to_decimal).collect();
        assert_eq!(serde_json::to_value(&e_dec).unwrap(), t["e"]);
        let m = tx.message(&domain).unwrap();
        assert_eq!(t["message"], fr_to_hex(&m));
        assert_eq!(t["txHash"], fr_to_hex(&m));
        assert_eq!(tx.verify_signature(&domain).unwrap().to_string(), t["signerPubKeyHash"]);
        assert_eq!(unhex(&t["signerPubKey"]), tx.signature().pub_key);
        assert_eq!(unhex(&t["signature"]), tx.signature().signature);
    }

    let ops = v["ops"].as_array().unwrap();
    assert_eq!(ops.len(), 8);
    let mut all = Vec::new();
    for o in ops {
        let op: Op = serde_json::from_value(o["op"].clone()).unwrap();
        let bytes = unhex(&o["pubdata"]);
        assert_eq!(Op::decode(&bytes).unwrap(), (op, bytes.len()));
        assert_eq!(o["chunks"], op.chunks());
        assert_eq!(o["onchain"], op.is_onchain());
        all.push(op);
    }

    let block = &v["block"];
    let chunks = block["chunks"].as_u64().unwrap() as usize;
    let decoded = decode_block_pubdata(&unhex(&block["pubdata"])).unwrap();
    assert_eq!(&decoded[..all.len()], &all[..]);
    assert_eq!(decoded.iter().map(Op::chunks).sum::<usize>(), chunks);
    assert_eq!(unhex(&block["onchainBitmap"]), onchain_bitmap(&decoded, chunks));

    for p in v["priorityOps"].as_array().unwrap() {
        let req: PriorityOp = serde_json::from_value(p["request"].clone()).unwrap();
        assert_eq!(unhex(&p["l1Pubdata"]), req.l1_pubdata());
    }
}
