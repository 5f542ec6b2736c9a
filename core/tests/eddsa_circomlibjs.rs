//! Signatures made once by npm circomlibjs 0.1.7 (`eddsa.signPoseidon`), committed in
//! `testdata/circomlibjs_vectors.json` by `scripts/vectors/circomlibjs_vectors.js`: our keys,
//! encodings, pubkey hashes and signatures must equal theirs, and their signatures must verify.

use serde::Deserialize;
use zkpay_core::eddsa::{verify_bytes, PrivateKey, PublicKey, Signature};
use zkpay_core::field::{fr_from_decimal, fr_from_le_bytes, Field, Fr};
use zkpay_core::types::PubKeyHash;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Xy {
    x: String,
    y: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sig {
    r8x: String,
    r8y: String,
    s: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vector {
    private_key: String,
    public_key: Xy,
    public_key_compressed: String,
    public_key_poseidon: String,
    message: String,
    signature: Sig,
    signature_compressed: String,
}

#[derive(Deserialize)]
struct File {
    eddsa: Vec<Vector>,
}

fn bytes<const N: usize>(hex0x: &str) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(hex0x.strip_prefix("0x").unwrap(), &mut out).unwrap();
    out
}

fn dec(s: &str) -> Fr {
    fr_from_decimal(s).unwrap()
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("../../testdata/circomlibjs_vectors.json");
    let file: File = serde_json::from_str(text).unwrap();
    assert!(file.eddsa.len() >= 16, "expected at least 16 circomlibjs signature vectors");
    file.eddsa
}

#[test]
fn keys_and_signatures_equal_circomlibjs() {
    for (i, v) in vectors().iter().enumerate() {
        let sk = PrivateKey::from_bytes(bytes::<32>(&v.private_key));
        let pk = sk.public_key();
        assert_eq!((pk.x(), pk.y()), (dec(&v.public_key.x), dec(&v.public_key.y)), "vector {i}");
        assert_eq!(pk.compress(), bytes::<32>(&v.public_key_compressed), "vector {i}");
        assert_eq!(pk.hash(), PubKeyHash::from_fr_low160(&dec(&v.public_key_poseidon)), "vector {i}");

        let msg = dec(&v.message);
        let ours = sk.sign(&msg);
        assert_eq!(ours.r8.x, dec(&v.signature.r8x), "vector {i}");
        assert_eq!(ours.r8.y, dec(&v.signature.r8y), "vector {i}");
        assert_eq!(ours.to_bytes(), bytes::<64>(&v.signature_compressed), "vector {i}");
    }
}

#[test]
fn circomlibjs_signatures_verify_with_ours_and_only_for_their_message() {
    for (i, v) in vectors().iter().enumerate() {
        let pk = PublicKey::from_compressed(&bytes::<32>(&v.public_key_compressed)).unwrap();
        let sig = Signature::from_bytes(&bytes::<64>(&v.signature_compressed)).unwrap();
        assert_eq!(sig.s.to_le_bytes()[..], bytes::<64>(&v.signature_compressed)[32..], "vector {i}");
        let msg = dec(&v.message);
        sig.verify(&pk, &msg).unwrap_or_else(|e| panic!("vector {i}: {e}"));
        verify_bytes(&pk.compress(), &msg, &sig.to_bytes()).unwrap();
        let mut other = msg;
        other.add_assign(&Fr::one());
        assert!(sig.verify(&pk, &other).is_err(), "vector {i} verified for another message");
        assert_eq!(fr_from_le_bytes(&sig.s.to_le_bytes()).unwrap(), dec(&v.signature.s), "vector {i}");
    }
}
