//! Hostile keys and signatures: each case must be rejected with the specific `EddsaError` a caller
//! can act on, never a panic and never acceptance.

use num_bigint::BigUint;
use rand::{RngCore, SeedableRng};
use zkpay_core::babyjubjub::{mul_base, Point, PointError, SUBGROUP_ORDER};
use zkpay_core::eddsa::{verify_bytes, EddsaError, PrivateKey, PublicKey, Scalar, Signature};
use zkpay_core::field::{fr_from_decimal, fr_from_u64, Field, Fr};

const P_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

fn l_big() -> BigUint {
    BigUint::from_bytes_le(&limbs_to_le(&SUBGROUP_ORDER))
}

fn limbs_to_le(l: &[u64; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in l.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn le32(v: &BigUint) -> [u8; 32] {
    let b = v.to_bytes_le();
    assert!(b.len() <= 32);
    let mut out = [0u8; 32];
    out[..b.len()].copy_from_slice(&b);
    out
}

struct Fixture {
    pk: PublicKey,
    msg: Fr,
    sig: Signature,
    bytes: [u8; 64],
}

fn fixture(seed: u8) -> Fixture {
    let sk = PrivateKey::from_bytes([seed; 32]);
    let msg = fr_from_u64(0xC0FFEE + seed as u64);
    let sig = sk.sign(&msg);
    let pk = sk.public_key();
    assert_eq!(sig.verify(&pk, &msg), Ok(()));
    Fixture { pk, msg, sig, bytes: sig.to_bytes() }
}

fn with_s(bytes: &[u8; 64], s: &[u8; 32]) -> [u8; 64] {
    let mut out = *bytes;
    out[32..].copy_from_slice(s);
    out
}

fn with_r(bytes: &[u8; 64], r: &[u8; 32]) -> [u8; 64] {
    let mut out = *bytes;
    out[..32].copy_from_slice(r);
    out
}

/// A y (as compressed bytes, sign bit clear) for which no curve point exists.
fn y_off_curve() -> [u8; 32] {
    (2u64..1000)
        .map(|v| limbs_to_le(&[v, 0, 0, 0]))
        .find(|b| Point::decompress(b) == Err(PointError::NotOnCurve))
        .expect("about half of all y have no point")
}

/// A point of order exactly 8: l·P for a random curve point P whose l-multiple has order 8.
fn order8_point() -> Point {
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    loop {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        b[31] &= 0x0f;
        let Ok(p) = Point::decompress(&b) else {
            continue;
        };
        let t = p.mul_scalar(&SUBGROUP_ORDER);
        // 8·t = 8l·P = identity always; order 8 iff 4·t ≠ identity.
        assert!(t.to_extended().double().double().double().is_identity());
        if !t.to_extended().double().double().is_identity() {
            return t;
        }
    }
}

#[test]
fn s_out_of_range_is_rejected() {
    let f = fixture(1);
    let l = l_big();
    for s in [l.clone(), &l + 1u32, &l + 12345u32, (BigUint::from(1u32) << 256) - 1u32] {
        let bytes = with_s(&f.bytes, &le32(&s));
        assert_eq!(Signature::from_bytes(&bytes), Err(EddsaError::ScalarOutOfRange), "S = {s}");
        assert_eq!(verify_bytes(&f.pk.compress(), &f.msg, &bytes), Err(EddsaError::ScalarOutOfRange));
    }
    assert_eq!(Scalar::from_le_bytes(&le32(&(&l - 1u32))).map(|s| s.to_le_bytes()), Ok(le32(&(&l - 1u32))));
}

#[test]
fn malleated_s_plus_l_is_rejected_although_the_equation_holds() {
    let f = fixture(2);
    let s = BigUint::from_bytes_le(&f.sig.s.to_le_bytes());
    let s_plus_l = &s + l_big();
    let s_plus_l_bytes = le32(&s_plus_l);
    // The equation holds for S + l: (S + l)·B8 = S·B8 because B8 has order l.
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(s_plus_l_bytes[8 * i..8 * i + 8].try_into().unwrap());
    }
    assert_eq!(mul_base(&limbs), mul_base(f.sig.s.limbs()));
    // babyjubjub-rs accepts it (it has no range check), we do not.
    let bytes = with_s(&f.bytes, &s_plus_l_bytes);
    let their_pk = babyjubjub_rs::decompress_point(f.pk.compress()).unwrap();
    let their_sig = babyjubjub_rs::decompress_signature(&bytes).unwrap();
    assert!(babyjubjub_rs::verify(their_pk, their_sig, num_bigint::BigInt::from(0xC0FFEE + 2u64)));
    assert_eq!(verify_bytes(&f.pk.compress(), &f.msg, &bytes), Err(EddsaError::ScalarOutOfRange));
}

#[test]
fn r8_off_curve_or_non_canonical_is_rejected() {
    let f = fixture(3);
    let bad_y = y_off_curve();
    let b = with_r(&f.bytes, &bad_y);
    assert_eq!(Signature::from_bytes(&b), Err(EddsaError::NotOnCurve));
    assert_eq!(verify_bytes(&f.pk.compress(), &f.msg, &b), Err(EddsaError::NotOnCurve));
    // y = p and y = 2^255 − 1 (with either sign bit)
    let p = BigUint::parse_bytes(P_DEC.as_bytes(), 10).unwrap();
    for y in [le32(&p), le32(&(&p + 5u32)), [0xff; 32], {
        let mut v = [0xff; 32];
        v[31] = 0x7f;
        v
    }] {
        assert_eq!(Signature::from_bytes(&with_r(&f.bytes, &y)), Err(EddsaError::NonCanonicalCoordinate));
        assert_eq!(PublicKey::from_compressed(&y), Err(EddsaError::NonCanonicalCoordinate));
    }
    // A hand-built signature whose R8 is not on the curve.
    let forged = Signature { r8: Point { x: Fr::one(), y: Fr::one() }, s: f.sig.s };
    assert_eq!(forged.verify(&f.pk, &f.msg), Err(EddsaError::NotOnCurve));
}

#[test]
fn bad_public_keys_are_rejected() {
    // The order-2 point (0, −1).
    let mut minus_one = Fr::one();
    minus_one.negate();
    let t2 = Point { x: Fr::zero(), y: minus_one };
    assert_eq!(PublicKey::from_compressed(&t2.compress()), Err(EddsaError::NotInSubgroup));
    // A point of order 8, and B8 plus it.
    let t8 = order8_point();
    assert_eq!(PublicKey::from_compressed(&t8.compress()), Err(EddsaError::NotInSubgroup));
    assert_eq!(PublicKey::from_xy(t8.x, t8.y), Err(EddsaError::NotInSubgroup));
    let mixed = Point::b8().to_extended().add(&t8.to_extended()).to_affine();
    assert!(mixed.is_on_curve());
    assert_eq!(PublicKey::from_compressed(&mixed.compress()), Err(EddsaError::NotInSubgroup));
    // A real key plus a low-order component.
    let f = fixture(4);
    let tainted = f.pk.point().to_extended().add(&t2.to_extended()).to_affine();
    assert_eq!(PublicKey::from_compressed(&tainted.compress()), Err(EddsaError::NotInSubgroup));
    assert_eq!(verify_bytes(&tainted.compress(), &f.msg, &f.bytes), Err(EddsaError::NotInSubgroup));
    // The identity, with every signature "valid" for it.
    assert_eq!(PublicKey::from_compressed(&Point::identity().compress()), Err(EddsaError::IdentityKey));
    assert_eq!(PublicKey::from_xy(Fr::zero(), Fr::one()), Err(EddsaError::IdentityKey));
    // Not on the curve.
    assert_eq!(PublicKey::from_compressed(&y_off_curve()), Err(EddsaError::NotOnCurve));
    assert_eq!(PublicKey::from_xy(fr_from_u64(3), fr_from_u64(4)), Err(EddsaError::NotOnCurve));
    // x = 0 with the sign bit set is a second encoding of (0, ±1): not canonical.
    let mut id = Point::identity().compress();
    id[31] |= 0x80;
    assert_eq!(PublicKey::from_compressed(&id), Err(EddsaError::NonCanonicalCoordinate));
}

#[test]
fn wrong_message_or_key_is_an_invalid_signature() {
    let f = fixture(5);
    let g = fixture(6);
    let mut other = f.msg;
    other.add_assign(&Fr::one());
    assert_eq!(f.sig.verify(&f.pk, &other), Err(EddsaError::InvalidSignature));
    assert_eq!(f.sig.verify(&g.pk, &f.msg), Err(EddsaError::InvalidSignature));
    assert_eq!(verify_bytes(&g.pk.compress(), &f.msg, &f.bytes), Err(EddsaError::InvalidSignature));
    // Another key's signature on the same message.
    let h = PrivateKey::from_bytes([6; 32]).sign(&f.msg);
    assert_eq!(h.verify(&f.pk, &f.msg), Err(EddsaError::InvalidSignature));
    // A message of p − 1 and 0 are signed and distinguished correctly.
    let top = fr_from_decimal("21888242871839275222246405745257275088548364400416034343698204186575808495616").unwrap();
    let sk = PrivateKey::from_bytes([5; 32]);
    assert_eq!(sk.sign(&top).verify(&f.pk, &top), Ok(()));
    assert_eq!(sk.sign(&top).verify(&f.pk, &Fr::zero()), Err(EddsaError::InvalidSignature));
}

#[test]
fn every_single_bit_flip_is_rejected_with_the_right_error() {
    let f = fixture(7);
    let l = l_big();
    for bit in 0..512 {
        let mut b = f.bytes;
        b[bit / 8] ^= 1 << (bit % 8);
        let got = verify_bytes(&f.pk.compress(), &f.msg, &b);
        let expected = if bit < 256 {
            let mut r = [0u8; 32];
            r.copy_from_slice(&b[..32]);
            match Point::decompress(&r) {
                Err(e) => EddsaError::from(e),
                Ok(_) => EddsaError::InvalidSignature,
            }
        } else if BigUint::from_bytes_le(&b[32..]) >= l {
            EddsaError::ScalarOutOfRange
        } else {
            EddsaError::InvalidSignature
        };
        assert_eq!(got, Err(expected), "bit {bit}");
    }
}

#[test]
fn garbage_never_panics_and_never_verifies() {
    let f = fixture(9);
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    for _ in 0..300 {
        let mut sig = [0u8; 64];
        rng.fill_bytes(&mut sig);
        let mut pk = [0u8; 32];
        rng.fill_bytes(&mut pk);
        assert!(verify_bytes(&f.pk.compress(), &f.msg, &sig).is_err());
        assert!(verify_bytes(&pk, &f.msg, &f.bytes).is_err());
    }
}
