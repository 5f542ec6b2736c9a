//! Our EdDSA-Poseidon against the reference crate babyjubjub-rs 0.0.11 on random keys and messages:
//! public keys, signatures (byte for byte) and cross-verification must agree.
//!
//! The reference's field type is ff_ce's `Fr` from poseidon-rs 0.0.8, a different type from ours;
//! values cross over as decimal `BigInt`s, compressed bytes, or its `Display` (`Fr(0x…)`).

use babyjubjub_rs as bjj;
use num_bigint::{BigInt, Sign};
use rand::{Rng, RngCore, SeedableRng};
use zkpay_core::babyjubjub::Point;
use zkpay_core::eddsa::{verify_bytes, PrivateKey, PublicKey, Signature};
use zkpay_core::field::{fr_from_decimal, fr_from_hex, fr_to_decimal, Fr};

/// Their `Fr` → ours, through its `Display` form `Fr(0x…)`.
fn fr_from_theirs(x: &bjj::Fr) -> Fr {
    let s = x.to_string();
    let hex = s.strip_prefix("Fr(").and_then(|s| s.strip_suffix(')')).expect("ff_ce Display is Fr(0x…)");
    fr_from_hex(hex).unwrap()
}

fn point_from_theirs(p: &bjj::Point) -> Point {
    Point { x: fr_from_theirs(&p.x), y: fr_from_theirs(&p.y) }
}

fn to_bigint(x: &Fr) -> BigInt {
    BigInt::parse_bytes(fr_to_decimal(x).as_bytes(), 10).unwrap()
}

/// A random message: uniformly random 253-bit integers (all below p), plus the edge values.
fn random_msg(rng: &mut impl Rng, i: usize) -> Fr {
    match i {
        0 => fr_from_decimal("0").unwrap(),
        1 => fr_from_decimal("1").unwrap(),
        2 => fr_from_decimal("21888242871839275222246405745257275088548364400416034343698204186575808495616").unwrap(),
        _ => {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            b[31] &= 0x1f;
            let v = BigInt::from_bytes_le(Sign::Plus, &b);
            fr_from_decimal(&v.to_string()).unwrap()
        }
    }
}

#[test]
fn matches_babyjubjub_rs_on_random_keys_and_messages() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_edd5a);
    for i in 0..200 {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let msg = random_msg(&mut rng, i);
        let msg_big = to_bigint(&msg);

        let ours = PrivateKey::from_bytes(key);
        let theirs = bjj::PrivateKey::import(key.to_vec()).unwrap();

        // Public keys: coordinates and compression.
        let pk = ours.public_key();
        let their_pk = theirs.public();
        assert_eq!(pk.point(), point_from_theirs(&their_pk), "public key, case {i}");
        assert_eq!(pk.compress(), their_pk.compress(), "compressed key, case {i}");
        assert_eq!(PublicKey::from_compressed(&their_pk.compress()), Ok(pk.clone()));
        let dec = bjj::decompress_point(pk.compress()).unwrap();
        assert_eq!(point_from_theirs(&dec), pk.point());

        // Signatures: byte for byte.
        let sig = ours.sign(&msg);
        let their_sig = theirs.sign(msg_big.clone()).unwrap();
        let sig_bytes = sig.to_bytes();
        assert_eq!(sig_bytes, their_sig.compress(), "signature bytes, case {i}");
        assert_eq!(sig.r8, point_from_theirs(&their_sig.r_b8));
        assert_eq!(sig.r8.compress(), their_sig.r_b8.compress());
        assert_eq!(Signature::from_bytes(&their_sig.compress()), Ok(sig));

        // Cross-verification.
        let their_view = bjj::decompress_signature(&sig_bytes).unwrap();
        assert!(bjj::verify(their_pk.clone(), their_view, msg_big.clone()), "they reject ours, case {i}");
        assert_eq!(verify_bytes(&their_pk.compress(), &msg, &their_sig.compress()), Ok(()));
        assert_eq!(sig.verify(&pk, &msg), Ok(()));

        // And both reject it for another message.
        let mut other = msg;
        zkpay_core::field::Field::add_assign(&mut other, &fr_from_decimal("1").unwrap());
        assert!(sig.verify(&pk, &other).is_err());
        let their_view = bjj::decompress_signature(&sig_bytes).unwrap();
        assert!(!bjj::verify(their_pk, their_view, to_bigint(&other)));
    }
}
