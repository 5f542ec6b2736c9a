//! EdDSA-Poseidon verification: ours against babyjubjub-rs 0.0.11 on the same key, message and
//! signature. Both sides get already-decoded inputs (their `verify` takes points), so the figure
//! compares the verification itself; decoding from bytes is reported separately.

use super::Report;
use num_bigint::BigInt;
use rand::Rng;
use std::hint::black_box;
use zkpay_core::eddsa::{verify_bytes, PrivateKey, PublicKey, Signature};
use zkpay_core::field::fr_to_decimal;

/// Run the EdDSA part of the primitives suite.
pub fn run(report: &mut Report, rng: &mut impl Rng, iters: usize) -> Result<(), String> {
    let key_bytes: [u8; 32] = rng.gen();
    let ours_sk = PrivateKey::from_bytes(key_bytes);
    let msg = super::primitives::random_fr(rng);
    let sig = ours_sk.sign(&msg);
    let pk = ours_sk.public_key();
    let pk_bytes = pk.compress();
    let sig_bytes = sig.to_bytes();

    let theirs_sk = babyjubjub_rs::PrivateKey::import(key_bytes.to_vec())?;
    let msg_big = BigInt::parse_bytes(fr_to_decimal(&msg).as_bytes(), 10).ok_or("decimal message")?;
    let theirs_sig = theirs_sk.sign(msg_big.clone())?;
    let theirs_pk = theirs_sk.public();
    // Same inputs on both sides: the signatures are byte-identical.
    if theirs_sig.compress() != sig_bytes || theirs_pk.compress() != pk_bytes {
        return Err("babyjubjub-rs and zkpay-core disagree on the benchmark signature".into());
    }
    if !babyjubjub_rs::verify(theirs_pk.clone(), theirs_sig.clone(), msg_big.clone()) {
        return Err("babyjubjub-rs rejects the benchmark signature".into());
    }
    sig.verify(&pk, &msg).map_err(|e| e.to_string())?;
    zkpay_core::babyjubjub::warm_up();

    let (ours, reference) = super::primitives::compare(
        iters,
        || black_box(sig.verify(black_box(&pk), black_box(&msg))).expect("valid signature"),
        || {
            let ok = babyjubjub_rs::verify(theirs_pk.clone(), theirs_sig.clone(), msg_big.clone());
            assert!(black_box(ok));
        },
    );
    report.add("eddsa_verify_us", ours / 1e3, "us");
    report.add("eddsa_verify_babyjubjub_rs_us", reference / 1e3, "us");
    report.add("eddsa_verify_speedup_vs_babyjubjub_rs", reference / ours, "x");

    let from_bytes = super::primitives::median_ns(iters, || {
        black_box(verify_bytes(black_box(&pk_bytes), &msg, black_box(&sig_bytes))).expect("valid signature")
    });
    report.add("eddsa_verify_from_bytes_us", from_bytes / 1e3, "us");
    let decode_pk = super::primitives::median_ns(iters, || {
        black_box(PublicKey::from_compressed(black_box(&pk_bytes))).expect("valid key");
    });
    report.add("eddsa_pubkey_decode_us", decode_pk / 1e3, "us");
    let decode_sig = super::primitives::median_ns(iters, || {
        black_box(Signature::from_bytes(black_box(&sig_bytes))).expect("valid signature");
    });
    report.add("eddsa_signature_decode_us", decode_sig / 1e3, "us");
    let sign = super::primitives::median_ns(iters, || {
        black_box(ours_sk.sign(black_box(&msg)));
    });
    report.add("eddsa_sign_us", sign / 1e3, "us");
    Ok(())
}
