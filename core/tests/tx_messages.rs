//! Signed messages (PROTOCOL §7), signing and verification, tx JSON and L1 priority pubdata.

use num_bigint::BigUint;
use zkpay_core::eddsa::{EddsaError, PrivateKey};
use zkpay_core::field::{fr_to_be_bytes, fr_to_decimal, Fr};
use zkpay_core::ops::{DepositOp, FullExitOp, Op};
use zkpay_core::poseidon;
use zkpay_core::tx::*;
use zkpay_core::types::{Address, PubKeyHash};

fn domain() -> Domain {
    Domain { chain_id: 31337, rollup: "0x5fbdb2315678afecb367f032d93f642f64180aa3".parse().unwrap() }
}

fn key(b: u8) -> PrivateKey {
    PrivateKey::from_bytes([b; 32])
}

fn big(v: u128) -> BigUint {
    BigUint::from(v)
}

fn fr_big(x: &Fr) -> BigUint {
    BigUint::from_bytes_be(&fr_to_be_bytes(x))
}

const TR: TimeRange = TimeRange { valid_from: 1_700_000_000, valid_until: 1_800_000_000 };

fn transfer() -> Transfer {
    Transfer {
        account_id: 0x00abcdef,
        to: Address([0x42; 20]),
        token: 0x0102,
        // 10^30 = 10^10 × 10^20 → packed (10^10 << 5) | 20.
        amount: 10u128.pow(30),
        // 1,230,000 = 1230 × 10^3 → packed (1230 << 5) | 3.
        fee: 1_230_000,
        nonce: 0xdeadbeef,
        time_range: TR,
        signature: TxSignature::default(),
    }
}

fn withdraw() -> Withdraw {
    Withdraw {
        account_id: 77,
        to: Address([0x24; 20]),
        token: 1023,
        amount: u128::MAX - 5,
        fee: 1_230_000,
        nonce: 3,
        time_range: TR,
        signature: TxSignature::default(),
    }
}

fn change_pubkey(new_key: &PrivateKey) -> ChangePubKey {
    ChangePubKey {
        account_id: 5,
        account: Address([0x99; 20]),
        new_pub_key_hash: new_key.public_key().hash(),
        fee_token: 2,
        fee: 500,
        nonce: 0,
        time_range: TimeRange::ALWAYS,
        auth: ChangePubKeyAuth::Onchain,
        signature: TxSignature::default(),
    }
}

fn forced_exit() -> ForcedExit {
    ForcedExit {
        initiator_account_id: 12,
        target: Address([0x13; 20]),
        token: 0,
        fee: 0,
        nonce: 1,
        time_range: TR,
        signature: TxSignature::default(),
    }
}

fn e2_e3_by_hand() -> (BigUint, BigUint) {
    let e2 = (big(TR.valid_from as u128) << 64) | big(TR.valid_until as u128);
    let d = domain();
    let e3 = (big(d.chain_id as u128) << 160) | BigUint::from_bytes_be(&d.rollup.0);
    (e2, e3)
}

#[test]
fn transfer_message_layout_matches_hand_built_integers() {
    let tx = transfer();
    let packed_amount = (10_000_000_000u128 << 5) | 20;
    let packed_fee = (1230u128 << 5) | 3;
    // type(8) ‖ account(32) ‖ token(16) ‖ nonce(32) ‖ packed_amount(40) ‖ packed_fee(16) = 144 bits.
    let e0 = (big(5) << 136)
        | (big(0x00abcdef) << 104)
        | (big(0x0102) << 88)
        | (big(0xdeadbeef) << 56)
        | (big(packed_amount) << 16)
        | big(packed_fee);
    let e = tx.message_inputs(&domain()).unwrap();
    assert_eq!(fr_big(&e[0]), e0);
    assert_eq!(fr_big(&e[1]), BigUint::from_bytes_be(&[0x42; 20]));
    let (e2, e3) = e2_e3_by_hand();
    assert_eq!(fr_big(&e[2]), e2);
    assert_eq!(fr_big(&e[3]), e3);
    let m = poseidon::hash(&e).unwrap();
    assert_eq!(tx.message(&domain()).unwrap(), m);
    assert_eq!(tx.tx_hash(&domain()).unwrap(), fr_to_be_bytes(&m));
    assert_eq!(tx.tx_hash_hex(&domain()).unwrap(), format!("0x{}", hex::encode(fr_to_be_bytes(&m))));
    let as_l2 = L2Tx::Transfer(tx);
    assert_eq!(as_l2.message(&domain()).unwrap(), m);
    assert_eq!(as_l2.tx_type(), 5);
}

#[test]
fn withdraw_message_layout_matches_hand_built_integers() {
    let tx = withdraw();
    let packed_fee = (1230u128 << 5) | 3;
    // type(8) ‖ account(32) ‖ token(16) ‖ nonce(32) ‖ packed_fee(16) ‖ amount(128) = 232 bits.
    let e0 = (big(3) << 224)
        | (big(77) << 192)
        | (big(1023) << 176)
        | (big(3) << 144)
        | (big(packed_fee) << 128)
        | big(u128::MAX - 5);
    let e = tx.message_inputs(&domain()).unwrap();
    assert_eq!(fr_big(&e[0]), e0);
    assert_eq!(fr_to_decimal(&e[0]), e0.to_string());
    assert_eq!(fr_big(&e[1]), BigUint::from_bytes_be(&[0x24; 20]));
    let (e2, e3) = e2_e3_by_hand();
    assert_eq!(fr_big(&e[2]), e2);
    assert_eq!(fr_big(&e[3]), e3);
    assert_eq!(tx.message(&domain()).unwrap(), poseidon::hash(&e).unwrap());
}

#[test]
fn change_pubkey_and_forced_exit_message_layouts() {
    let k = key(3);
    let cpk = change_pubkey(&k);
    let e = cpk.message_inputs(&domain()).unwrap();
    let packed_fee = 500u128 << 5;
    // type(8) ‖ account(32) ‖ fee_token(16) ‖ nonce(32) ‖ packed_fee(16) = 104 bits.
    assert_eq!(fr_big(&e[0]), (big(7) << 96) | (big(5) << 64) | (big(2) << 48) | (big(0) << 16) | big(packed_fee));
    assert_eq!(fr_big(&e[1]), BigUint::from_bytes_be(&cpk.new_pub_key_hash.0));
    assert_eq!(fr_big(&e[2]), (big(0) << 64) | big(u64::MAX as u128));

    let fe = forced_exit();
    let e = fe.message_inputs(&domain()).unwrap();
    assert_eq!(fr_big(&e[0]), (big(8) << 96) | (big(12) << 64) | (big(0) << 48) | (big(1) << 16));
    assert_eq!(fr_big(&e[1]), BigUint::from_bytes_be(&[0x13; 20]));
}

#[test]
fn sign_then_verify_round_trips_for_every_tx_type() {
    let d = domain();
    let k = key(1);
    let want = k.public_key().hash();
    let txs = [
        L2Tx::Transfer(transfer()),
        L2Tx::Withdraw(withdraw()),
        L2Tx::ChangePubKey(change_pubkey(&k)),
        L2Tx::ForcedExit(forced_exit()),
    ];
    for mut tx in txs {
        // Unsigned: the zero key is not a valid point/subgroup key.
        assert!(matches!(tx.verify_signature(&d), Err(TxError::BadPublicKey(_))), "{tx:?}");
        tx.sign(&k, &d).unwrap();
        assert_eq!(tx.signature().pub_key, k.public_key().compress());
        assert_eq!(tx.verify_signature(&d), Ok(want), "{tx:?}");
    }
    let t = transfer().signed(&k, &d).unwrap();
    assert_eq!(t.verify_signature(&d), Ok(want));
}

fn invalid() -> Result<PubKeyHash, TxError> {
    Err(TxError::BadSignature(EddsaError::InvalidSignature))
}

#[test]
fn wrong_domain_fails_verification() {
    let d = domain();
    let k = key(2);
    let other_chain = Domain { chain_id: 1, ..d };
    let other_rollup = Domain { rollup: Address([0x11; 20]), ..d };
    let txs = [
        L2Tx::Transfer(transfer()),
        L2Tx::Withdraw(withdraw()),
        L2Tx::ChangePubKey(change_pubkey(&k)),
        L2Tx::ForcedExit(forced_exit()),
    ];
    for mut tx in txs {
        tx.sign(&k, &d).unwrap();
        assert!(tx.verify_signature(&d).is_ok());
        assert_eq!(tx.verify_signature(&other_chain), invalid(), "{tx:?}");
        assert_eq!(tx.verify_signature(&other_rollup), invalid(), "{tx:?}");
    }
}

#[test]
fn tampering_any_signed_transfer_field_fails_verification() {
    let d = domain();
    let t = transfer().signed(&key(4), &d).unwrap();
    type Tamper = Box<dyn Fn(&mut Transfer)>;
    let tampered: Vec<(&str, Tamper)> = vec![
        ("amount", Box::new(|t| t.amount = 2 * 10u128.pow(30))),
        ("fee", Box::new(|t| t.fee = 1_240_000)),
        ("nonce", Box::new(|t| t.nonce += 1)),
        ("to", Box::new(|t| t.to.0[19] ^= 1)),
        ("token", Box::new(|t| t.token = 0)),
        ("account_id", Box::new(|t| t.account_id = 1)),
        ("valid_from", Box::new(|t| t.time_range.valid_from -= 1)),
        ("valid_until", Box::new(|t| t.time_range.valid_until += 1)),
    ];
    for (name, f) in tampered {
        let mut x = t.clone();
        f(&mut x);
        assert_eq!(x.verify_signature(&d), invalid(), "tampered {name}");
    }
}

#[test]
fn tampering_other_tx_types_fails_verification() {
    let d = domain();
    let k = key(5);
    let w = withdraw().signed(&k, &d).unwrap();
    for f in [
        |w: &mut Withdraw| w.amount -= 1,
        |w: &mut Withdraw| w.fee = 0,
        |w: &mut Withdraw| w.nonce = 4,
        |w: &mut Withdraw| w.to = Address::ZERO,
        |w: &mut Withdraw| w.token = 1,
        |w: &mut Withdraw| w.time_range.valid_until = u64::MAX,
    ] {
        let mut x = w.clone();
        f(&mut x);
        assert_eq!(x.verify_signature(&d), invalid());
    }
    let c = change_pubkey(&k).signed(&k, &d).unwrap();
    for f in [
        |c: &mut ChangePubKey| c.fee = 600,
        |c: &mut ChangePubKey| c.fee_token = 0,
        |c: &mut ChangePubKey| c.nonce = 1,
        |c: &mut ChangePubKey| c.new_pub_key_hash = PubKeyHash([1; 20]),
        |c: &mut ChangePubKey| c.time_range.valid_from = 1,
    ] {
        let mut x = c.clone();
        f(&mut x);
        assert_eq!(x.verify_signature(&d), invalid());
    }
    let fe = forced_exit().signed(&k, &d).unwrap();
    for f in [
        |x: &mut ForcedExit| x.target.0[0] = 0,
        |x: &mut ForcedExit| x.token = 9,
        |x: &mut ForcedExit| x.fee = 10,
        |x: &mut ForcedExit| x.initiator_account_id = 13,
        |x: &mut ForcedExit| x.time_range.valid_from = 0,
    ] {
        let mut x = fe.clone();
        f(&mut x);
        assert_eq!(x.verify_signature(&d), invalid());
    }
}

#[test]
fn change_pubkey_must_be_signed_by_the_new_key() {
    let d = domain();
    let new_key = key(6);
    let old_key = key(7);
    let c = change_pubkey(&new_key).signed(&old_key, &d).unwrap();
    assert_eq!(
        c.verify_signature(&d),
        Err(TxError::WrongSigner { expected: new_key.public_key().hash(), actual: old_key.public_key().hash() })
    );
}

#[test]
fn unpackable_amounts_and_fees_are_errors() {
    let d = domain();
    let mut t = transfer();
    t.amount = 123_456_789_012_345_678_901;
    assert_eq!(t.message(&d), Err(TxError::AmountNotPackable(t.amount)));
    assert_eq!(t.clone().signed(&key(1), &d).unwrap_err(), TxError::AmountNotPackable(t.amount));
    let mut t = transfer();
    t.fee = 2049;
    assert_eq!(t.tx_hash(&d), Err(TxError::FeeNotPackable(2049)));
    let mut w = withdraw();
    w.fee = 20_481;
    assert_eq!(w.message(&d), Err(TxError::FeeNotPackable(20_481)));
    // Withdraw amounts are signed in full and need not be packable.
    w.fee = 0;
    w.amount = 123_456_789_012_345_678_901;
    assert!(w.message(&d).is_ok());
    let mut c = change_pubkey(&key(1));
    c.fee = 99_999;
    assert_eq!(c.message(&d), Err(TxError::FeeNotPackable(99_999)));
    let mut f = forced_exit();
    f.fee = 2049;
    assert_eq!(L2Tx::ForcedExit(f).message(&d), Err(TxError::FeeNotPackable(2049)));
}

#[test]
fn malformed_keys_and_signatures_are_typed_errors() {
    let d = domain();
    let t = transfer().signed(&key(8), &d).unwrap();
    let mut x = t.clone();
    x.signature.signature[32..].copy_from_slice(&[0xff; 32]);
    assert_eq!(x.verify_signature(&d), Err(TxError::BadSignature(EddsaError::ScalarOutOfRange)));
    let mut x = t.clone();
    x.signature.pub_key = [0xff; 32];
    assert!(matches!(x.verify_signature(&d), Err(TxError::BadPublicKey(_))));
    let mut x = t.clone();
    x.signature.pub_key = key(9).public_key().compress();
    assert_eq!(x.verify_signature(&d), invalid());
}

#[test]
fn tx_json_round_trips_with_the_documented_shape() {
    let d = domain();
    let k = key(1);
    let t = transfer().signed(&k, &d).unwrap();
    let v = serde_json::to_value(L2Tx::Transfer(t.clone())).unwrap();
    assert_eq!(v["type"], "Transfer");
    assert_eq!(v["accountId"], 0x00abcdef);
    assert_eq!(v["to"], format!("0x{}", "42".repeat(20)));
    assert_eq!(v["amount"], "1000000000000000000000000000000");
    assert_eq!(v["fee"], "1230000");
    assert_eq!(v["nonce"], 0xdeadbeefu32);
    assert_eq!(v["timeRange"], serde_json::json!({"validFrom": "1700000000", "validUntil": "1800000000"}));
    assert_eq!(v["signature"]["pubKey"], format!("0x{}", hex::encode(t.signature.pub_key)));
    assert_eq!(v["signature"]["signature"], format!("0x{}", hex::encode(t.signature.signature)));

    let mut c = change_pubkey(&k);
    c.auth = ChangePubKeyAuth::Eip712 { signature: (0..65).collect() };
    let txs = [
        L2Tx::Transfer(t),
        L2Tx::Withdraw(withdraw().signed(&k, &d).unwrap()),
        L2Tx::ChangePubKey(change_pubkey(&k).signed(&k, &d).unwrap()),
        L2Tx::ChangePubKey(c.signed(&k, &d).unwrap()),
        L2Tx::ForcedExit(forced_exit()),
    ];
    for tx in &txs {
        let s = serde_json::to_string(tx).unwrap();
        assert_eq!(&serde_json::from_str::<L2Tx>(&s).unwrap(), tx, "{s}");
    }
    let w = serde_json::to_value(&txs[1]).unwrap();
    assert_eq!(w["amount"], (u128::MAX - 5).to_string());
    assert_eq!(serde_json::to_value(&txs[2]).unwrap()["auth"], serde_json::json!({"type": "Onchain"}));
    let eip = serde_json::to_value(&txs[3]).unwrap();
    assert_eq!(eip["type"], "ChangePubKey");
    assert_eq!(
        eip["auth"],
        serde_json::json!({"type": "EIP712", "signature": format!("0x{}", hex::encode((0..65).collect::<Vec<u8>>()))})
    );
    assert_eq!(
        serde_json::to_value(d).unwrap(),
        serde_json::json!({"chainId": "31337", "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"})
    );
    for bad in [serde_json::json!(31337), serde_json::json!("031337"), serde_json::json!("18446744073709551616")] {
        let v = serde_json::json!({"chainId": bad, "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"});
        assert!(serde_json::from_value::<Domain>(v).is_err(), "chainId {bad}");
    }
}

/// PROTOCOL §9.2: u64s travel as decimal strings, so `validUntil = 2^64 − 1` reads back exactly
/// (as a JSON number a JavaScript client reads it as 2^64 and signs another message); the number
/// form is refused.
#[test]
fn time_range_is_decimal_strings_and_the_signed_message_is_exact() {
    let d = domain();
    let mut t = transfer();
    t.time_range = TimeRange::ALWAYS;
    let t = t.signed(&key(1), &d).unwrap();
    let v = serde_json::to_value(L2Tx::Transfer(t.clone())).unwrap();
    assert_eq!(v["timeRange"], serde_json::json!({"validFrom": "0", "validUntil": "18446744073709551615"}));
    let back: L2Tx = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back.message(&d).unwrap(), L2Tx::Transfer(t).message(&d).unwrap());
    assert!(back.verify_signature(&d).is_ok());
    for bad in [
        serde_json::json!({"validFrom": 0, "validUntil": "18446744073709551615"}),
        serde_json::json!({"validFrom": "0", "validUntil": 18446744073709551615u64}),
        serde_json::json!({"validFrom": "0", "validUntil": "18446744073709551616"}),
        serde_json::json!({"validFrom": "", "validUntil": "1"}),
        serde_json::json!({"validFrom": "+0", "validUntil": "1"}),
    ] {
        let mut x = v.clone();
        x["timeRange"] = bad.clone();
        assert!(serde_json::from_value::<L2Tx>(x).is_err(), "timeRange {bad}");
    }
}

#[test]
fn bad_tx_json_is_an_error_not_a_panic() {
    let good = serde_json::to_value(L2Tx::Transfer(transfer())).unwrap();
    assert!(serde_json::from_value::<L2Tx>(good.clone()).is_ok());
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("amount", serde_json::json!("340282366920938463463374607431768211456")), // u128::MAX + 1
        ("amount", serde_json::json!("12.5")),
        ("amount", serde_json::json!("-1")),
        ("amount", serde_json::json!("0x10")),
        ("amount", serde_json::json!(1000)),
        ("fee", serde_json::json!("")),
        ("to", serde_json::json!("0x4242")),
        ("to", serde_json::json!("4242424242424242424242424242424242424242")),
        ("nonce", serde_json::json!("1")),
        ("nonce", serde_json::json!(-1)),
        ("nonce", serde_json::json!(4294967296u64)),
        (
            "signature",
            serde_json::json!({"pubKey": format!("0x{}", "00".repeat(31)), "signature": format!("0x{}", "00".repeat(64))}),
        ),
        (
            "signature",
            serde_json::json!({"pubKey": format!("0x{}", "00".repeat(32)), "signature": format!("0x{}", "0".repeat(127))}),
        ),
        ("timeRange", serde_json::json!({"validFrom": "0"})),
        ("timeRange", serde_json::json!({"validFrom": 0, "validUntil": 1})),
        ("extraField", serde_json::json!(1)),
        ("type", serde_json::json!("Swap")),
    ];
    for (field, value) in cases {
        let mut v = good.clone();
        v[field] = value.clone();
        assert!(serde_json::from_value::<L2Tx>(v).is_err(), "{field} = {value}");
    }
    for auth in [
        serde_json::json!({"type": "EIP712", "signature": format!("0x{}", "00".repeat(64))}),
        serde_json::json!({"type": "EIP712"}),
        serde_json::json!({"type": "Offchain"}),
        serde_json::json!({"signature": "0x00"}),
    ] {
        assert!(serde_json::from_value::<ChangePubKeyAuth>(auth.clone()).is_err(), "{auth}");
    }
    for text in ["", "{", "null", "[]", r#"{"type":"Transfer"}"#] {
        assert!(serde_json::from_str::<L2Tx>(text).is_err(), "{text}");
    }
}

#[test]
fn priority_ops_pubdata_zeroes_operator_fields() {
    let dep = Deposit { from: Address([1; 20]), to: Address([2; 20]), token: 3, amount: 0x1234 };
    let want =
        hex::decode(format!("01 00000000 0003 {:032x} {}", 0x1234u128, "02".repeat(20)).replace(' ', "")).unwrap();
    assert_eq!(dep.l1_pubdata(), want);
    assert_eq!(dep.l1_pubdata(), Op::Deposit(DepositOp { account_id: 0, ..dep.to_op(99) }).encode_unpadded().unwrap());
    assert_eq!(dep.to_op(99).account_id, 99);

    let fe = FullExit { account_id: 0x010203, owner: Address([4; 20]), token: 5 };
    let want =
        hex::decode(format!("06 00010203 {} 0005 {}", "04".repeat(20), "00".repeat(16)).replace(' ', "")).unwrap();
    assert_eq!(fe.l1_pubdata(), want);
    assert_eq!(fe.l1_pubdata(), Op::FullExit(FullExitOp { amount: 0, ..fe.to_op(7) }).encode_unpadded().unwrap());

    let pop = PriorityOp { serial_id: 4, data: PriorityOpData::Deposit(dep.clone()), expiration_block: 100 };
    assert_eq!(pop.l1_pubdata().len(), 43);
    let v = serde_json::to_value(&pop).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"serialId": "4", "data": {"type": "Deposit", "from": format!("0x{}", "01".repeat(20)),
            "to": format!("0x{}", "02".repeat(20)), "token": 3, "amount": "4660"}, "expirationBlock": "100"})
    );
    assert_eq!(serde_json::from_value::<PriorityOp>(v.clone()).unwrap(), pop);
    for (field, bad) in [("serialId", serde_json::json!(4)), ("expirationBlock", serde_json::json!(100))] {
        let mut x = v.clone();
        x[field] = bad;
        assert!(serde_json::from_value::<PriorityOp>(x).is_err(), "{field} as a number");
    }
    let pop2 = PriorityOp { serial_id: 5, data: PriorityOpData::FullExit(fe), expiration_block: 101 };
    let s = serde_json::to_string(&pop2).unwrap();
    assert_eq!(serde_json::from_str::<PriorityOp>(&s).unwrap(), pop2);
}

/// PROTOCOL §11 backwards: every committed priority-op vector decodes from its L1 pubdata (as the
/// contract's `NewPriorityRequest` event carries it) to the request it came from, and malformed
/// pubdata is refused with the reason.
#[test]
fn priority_requests_decode_from_their_l1_pubdata() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/tx_op_vectors.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vectors = v["priorityOps"].as_array().unwrap();
    assert!(vectors.len() >= 2);
    let (mut deposits, mut exits) = (0, 0);
    for vector in vectors {
        let request: PriorityOp = serde_json::from_value(vector["request"].clone()).unwrap();
        let bytes = hex::decode(vector["l1Pubdata"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        let sender = match &request.data {
            PriorityOpData::Deposit(d) => {
                deposits += 1;
                d.from
            }
            PriorityOpData::FullExit(f) => {
                exits += 1;
                f.owner
            }
        };
        let decoded = PriorityOpData::from_l1_pubdata(&bytes, sender).unwrap();
        assert_eq!(decoded, request.data);
        assert_eq!(decoded.l1_pubdata(), bytes);
    }
    assert!(deposits > 0 && exits > 0, "vectors cover both request types");

    let deposit = Deposit { from: Address([1; 20]), to: Address([2; 20]), token: 3, amount: 4 }.l1_pubdata();
    let sender = Address([1; 20]);
    assert_eq!(PriorityOpData::from_l1_pubdata(&deposit[..42], sender), Err(L1PubdataError::Length(42)));
    let mut filled = deposit.clone();
    filled[4] = 1;
    assert!(matches!(PriorityOpData::from_l1_pubdata(&filled, sender), Err(L1PubdataError::OperatorFieldSet(_))));
    let mut transfer = deposit.clone();
    transfer[0] = 0x05;
    assert_eq!(PriorityOpData::from_l1_pubdata(&transfer, sender), Err(L1PubdataError::NotAPriorityOp(0x05)));
    let mut exit = FullExit { account_id: 9, owner: sender, token: 1 }.l1_pubdata();
    exit[42] = 1;
    assert!(matches!(PriorityOpData::from_l1_pubdata(&exit, sender), Err(L1PubdataError::OperatorFieldSet(_))));
}
