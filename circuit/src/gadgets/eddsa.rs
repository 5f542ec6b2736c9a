//! EdDSA-Poseidon signature verification on Baby Jubjub (protocol §3.4), equal to
//! `zkpay_core::eddsa::Signature::verify` for public keys in the prime subgroup.
//!
//! A signature (R8, S) on the field element `m` under the key A is valid iff `S < l` and
//! `S·B8 = R8 + (8·hm)·A` with `hm = H(R8.x, R8.y, A.x, A.y, m)` taken as the full field integer.
//!
//! # What is enforced and what is returned
//!
//! [`eddsa_verify`] **enforces** the well-formedness conditions and **returns** whether the
//! verification equation holds:
//!
//! * enforced: A and R8 on the curve, A not of small order (`(8A).x ≠ 0`: not the identity nor
//!   a point of order 2, 4 or 8), and `S < l` (S decomposed into 251 bits and compared with l − 1).
//!   These are checks core makes when it decodes a key or a signature. A prover can always meet them with dummy values (e.g. A = B8, R8 = (0, 1), S = 0)
//!   when a chunk carries no signature, so a block circuit can combine the returned flag with "this
//!   op is an L2 tx" freely. A malleated `S + l`, an off-curve point or the identity key makes
//!   the system unsatisfiable rather than the flag false. So does a key of small order.
//! * returned: the flag `S·B8 == R8 + (8·hm)·A` (both coordinates).
//!
//! [`enforce_eddsa_verify`] enforces the flag too, three constraints cheaper.
//!
//! Keys of small order (1, 2, 4 or 8; the identity is the one of order 1) must be excluded because
//! for them `8·A` is the identity: `(8·hm)·A` vanishes and every `(S·B8, S)` would verify every
//! message. The check costs one constraint, `(8A).x ≠ 0`, on the `8A` the equation needs anyway.
//! Other keys outside the prime subgroup are out of scope (core rejects them when a key is decoded;
//! checking `l·A = O` here would cost another ~2,800 constraints): a key `A + T` with `A` in the
//! subgroup, `A ≠ O` and `T` of small order has `8·(A + T) = 8·A`, so the circuit accepts for it
//! exactly the signatures made with A's secret (docs/protocol.md §14 on why that is harmless), which
//! core refuses. An R8 outside the subgroup never verifies in either, because both other terms of
//! the equation lie in it.
//!
//! # Cost (pinned in the tests): 4511 constraints, 4508 for the enforcing variant
//!
//! | part | constraints |
//! |---|---|
//! | A, R8 on the curve | 2 × 3 |
//! | S: 251 bits, packing, `S ≤ l − 1` (60 zero-runs) | 251 + 1 + 60 |
//! | hm = Poseidon of 5 inputs | 321 |
//! | hm: canonical 254 bits (254 + 1, `≤ p − 1`: 53 zero-runs) | 308 |
//! | S·B8, fixed base, 84 windows of 3 bits (the last has 2) | 748 |
//! | 8·A, three doublings; `(8A).x ≠ 0` (A not of small order) | 15 + 1 |
//! | hm·(8A), 127 windows of 2 bits | 2789 |
//! | R8 + hm·(8A) | 6 |
//! | equality flag (enforcing: 2) | 5 |

use super::babyjubjub::{FixedBaseTable, PointVar};
use super::bits::{alloc_bits_le, from_bits_le};
use super::boolean::Boolean;
use super::const_compare::{enforce_bits_le_at_most, to_bits_le_strict};
use super::num::Num;
use super::poseidon::poseidon_hash;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};
use std::sync::OnceLock;
use zkpay_core::babyjubjub::{Point, SUBGROUP_ORDER};

/// Bits of a canonical signature scalar: l < 2^251.
pub const SCALAR_BITS: usize = 251;

/// Constraint count of [`eddsa_verify`].
pub const EDDSA_VERIFY_CONSTRAINTS: usize = 4511;

// The budget set for this gadget (circomlib's EdDSAPoseidonVerifier: 4207), checked at compile time.
const _: () = assert!(EDDSA_VERIFY_CONSTRAINTS <= 5000);

/// `l − 1`, the largest canonical S.
fn l_minus_one() -> [u64; 4] {
    let mut c = SUBGROUP_ORDER;
    // The low limb of l is odd, so no borrow.
    c[0] -= 1;
    c
}

/// The multiples of B8 for the fixed-base multiplication, built once per process (672 points).
fn b8_table() -> &'static FixedBaseTable {
    static T: OnceLock<FixedBaseTable> = OnceLock::new();
    T.get_or_init(|| FixedBaseTable::new(&Point::b8(), SCALAR_BITS))
}

/// Enforce `x ≠ 0` (one constraint: `x · inv = 1`, which has no solution for x = 0).
fn enforce_nonzero<CS: ConstraintSystem<Engine>>(mut cs: CS, x: &Num) -> Result<(), SynthesisError> {
    let inv_value = x.value().map(|v| v.inverse().unwrap_or_else(Fr::zero));
    let inv = Num::alloc(cs.namespace(|| "inv"), inv_value)?;
    cs.enforce(|| "x*inv=1", |_| x.lc(), |_| inv.lc(), |lc| lc + CS::one());
    Ok(())
}

/// The two sides `S·B8` and `R8 + (8·hm)·A`, after enforcing the well-formedness conditions.
fn verification_sides<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    pk: (&Num, &Num),
    r8: (&Num, &Num),
    s: &Num,
    msg: &Num,
) -> Result<(PointVar, PointVar), SynthesisError> {
    let a = PointVar::new(pk.0.clone(), pk.1.clone());
    let r = PointVar::new(r8.0.clone(), r8.1.clone());
    // The curve gadgets' formulas (and their completeness) hold only on the curve.
    a.enforce_on_curve(cs.namespace(|| "A on curve"))?;
    r.enforce_on_curve(cs.namespace(|| "R8 on curve"))?;

    // S < 2^251 by the decomposition (no wrap-around: 2^251 < p), then S ≤ l − 1.
    let s_bits = {
        let mut cs = cs.namespace(|| "S");
        let bits = alloc_bits_le(cs.namespace(|| "bits"), s.value(), SCALAR_BITS)?;
        from_bits_le(&bits).enforce_equal(cs.namespace(|| "pack"), s);
        enforce_bits_le_at_most(cs.namespace(|| "below l"), &bits, &l_minus_one())?;
        bits
    };

    let hm = poseidon_hash(cs.namespace(|| "hm"), &[r.x.clone(), r.y.clone(), a.x.clone(), a.y.clone(), msg.clone()])?;
    // Strict: the protocol multiplies by hm's own integer, and the 254 bits of hm + p would pack
    // to the same field element but give a different multiple of A.
    let hm_bits = to_bits_le_strict(cs.namespace(|| "hm bits"), &hm)?;

    let lhs = b8_table().mul(cs.namespace(|| "S*B8"), &s_bits)?;
    let a8 = a.double(cs.namespace(|| "2A"))?.double(cs.namespace(|| "4A"))?.double(cs.namespace(|| "8A"))?;
    // A key of small order (1, 2, 4 or 8) has 8A = identity, so `(8·hm)·A` vanishes and every
    // `(S·B8, S)` would verify every message. On the curve, x = 0 only at the identity and the
    // order-2 point (0, −1), and 8A cannot have order 2 (the group's 2-part has order 8), so
    // `8A.x ≠ 0` refuses exactly the small-order keys, the identity among them.
    enforce_nonzero(cs.namespace(|| "A not of small order"), &a8.x)?;
    let q = a8.mul_bits_le(cs.namespace(|| "hm*8A"), &hm_bits)?;
    let rhs = r.add(cs.namespace(|| "R8+hm*8A"), &q)?;
    Ok((lhs, rhs))
}

/// Verifies the signature `(r8, s)` on `msg` under the public key `pk = (A.x, A.y)`.
///
/// Enforces A and R8 on the curve, A not of small order and `s < l` (the system is unsatisfiable
/// otherwise) and returns the flag `S·B8 == R8 + (8·hm)·A`; see the module docs for why this split
/// suits a block circuit.
/// For A in the prime subgroup and R8 on the curve, the flag is true iff
/// `zkpay_core::eddsa::Signature::verify` accepts. Costs [`EDDSA_VERIFY_CONSTRAINTS`].
pub fn eddsa_verify<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    pk: (&Num, &Num),
    r8: (&Num, &Num),
    s: &Num,
    msg: &Num,
) -> Result<Boolean, SynthesisError> {
    let (lhs, rhs) = verification_sides(cs.namespace(|| "sides"), pk, r8, s, msg)?;
    lhs.is_equal(cs.namespace(|| "S*B8 == R8+hm*8A"), &rhs)
}

/// Like [`eddsa_verify`], but enforces that the signature is valid (the system is satisfiable
/// only for a valid signature). Costs [`EDDSA_VERIFY_CONSTRAINTS`] − 3.
pub fn enforce_eddsa_verify<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    pk: (&Num, &Num),
    r8: (&Num, &Num),
    s: &Num,
    msg: &Num,
) -> Result<(), SynthesisError> {
    let (lhs, rhs) = verification_sides(cs.namespace(|| "sides"), pk, r8, s, msg)?;
    lhs.enforce_equal(cs.namespace(|| "S*B8 = R8+hm*8A"), &rhs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::bits::fr_bit;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use bellman_ce::pairing::ff::PrimeField;
    use rand::Rng;
    use zkpay_core::eddsa::{EddsaError, PrivateKey, PublicKey, Scalar, Signature};
    use zkpay_core::field::{fr_from_limbs, fr_to_limbs};

    /// A signature as the circuit sees it: field elements, S possibly out of range.
    #[derive(Clone, Copy)]
    struct Inputs {
        a: Point,
        r8: Point,
        s: Fr,
        msg: Fr,
    }

    fn sign<R: Rng>(r: &mut R) -> (PublicKey, Signature, Fr) {
        let sk = PrivateKey::from_bytes(r.gen());
        let msg = random_fr(r);
        (sk.public_key(), sk.sign(&msg), msg)
    }

    fn inputs(pk: &PublicKey, sig: &Signature, msg: Fr) -> Inputs {
        Inputs { a: pk.point(), r8: sig.r8, s: fr_from_limbs(*sig.s.limbs()).unwrap(), msg }
    }

    /// What core says about the same inputs (S as an integer: out of range if ≥ l).
    fn native(i: &Inputs) -> Result<(), EddsaError> {
        let pk = PublicKey::from_xy(i.a.x, i.a.y)?;
        let s = Scalar::from_limbs(fr_to_limbs(&i.s))?;
        Signature { r8: i.r8, s }.verify(&pk, &i.msg)
    }

    fn alloc(cs: &mut TestConstraintSystem, name: &str, v: Fr) -> Num {
        Num::alloc(cs.namespace(|| name.to_string()), Some(v)).unwrap()
    }

    /// Synthesizes both variants in separate systems: the flag version and the enforcing one.
    fn run(i: &Inputs) -> (TestConstraintSystem, Option<bool>, TestConstraintSystem) {
        let mut cs = TestConstraintSystem::new();
        let (ax, ay) = (alloc(&mut cs, "A.x", i.a.x), alloc(&mut cs, "A.y", i.a.y));
        let (rx, ry) = (alloc(&mut cs, "R8.x", i.r8.x), alloc(&mut cs, "R8.y", i.r8.y));
        let (s, m) = (alloc(&mut cs, "S", i.s), alloc(&mut cs, "m", i.msg));
        let ok = eddsa_verify(cs.namespace(|| "eddsa"), (&ax, &ay), (&rx, &ry), &s, &m).unwrap();
        assert_eq!(cs.num_constraints(), EDDSA_VERIFY_CONSTRAINTS);

        let mut ecs = TestConstraintSystem::new();
        let (ax, ay) = (alloc(&mut ecs, "A.x", i.a.x), alloc(&mut ecs, "A.y", i.a.y));
        let (rx, ry) = (alloc(&mut ecs, "R8.x", i.r8.x), alloc(&mut ecs, "R8.y", i.r8.y));
        let (s, m) = (alloc(&mut ecs, "S", i.s), alloc(&mut ecs, "m", i.msg));
        enforce_eddsa_verify(ecs.namespace(|| "eddsa"), (&ax, &ay), (&rx, &ry), &s, &m).unwrap();
        assert_eq!(ecs.num_constraints(), EDDSA_VERIFY_CONSTRAINTS - 3);
        (cs, ok.value(), ecs)
    }

    /// Valid ⇒ flag true and the enforcing system satisfied.
    fn assert_accepts(i: &Inputs) {
        assert_eq!(native(i), Ok(()));
        let (cs, ok, ecs) = run(i);
        assert_eq!(cs.which_is_unsatisfied(), None);
        assert_eq!(ok, Some(true));
        assert_eq!(ecs.which_is_unsatisfied(), None);
    }

    /// Well-formed but wrong ⇒ flag false (system satisfied) and the enforcing system unsatisfied
    /// exactly at the final equality.
    fn assert_flag_false(i: &Inputs) {
        assert_eq!(native(i), Err(EddsaError::InvalidSignature));
        let (cs, ok, ecs) = run(i);
        assert_eq!(cs.which_is_unsatisfied(), None);
        assert_eq!(ok, Some(false));
        assert!(ecs.which_is_unsatisfied().unwrap().starts_with("eddsa/S*B8 = R8+hm*8A/"));
    }

    /// Malformed ⇒ both systems unsatisfied, first at a constraint under `prefix`.
    fn assert_unsatisfiable(i: &Inputs, prefix: &str) {
        let (cs, _, ecs) = run(i);
        for c in [&cs, &ecs] {
            let failed = c.which_is_unsatisfied().expect("must be unsatisfiable");
            assert!(failed.starts_with(prefix), "{failed} does not start with {prefix}");
        }
    }

    #[test]
    fn random_valid_signatures_verify_and_the_count_is_pinned() {
        let mut r = rng(30);
        for _ in 0..20 {
            let (pk, sig, msg) = sign(&mut r);
            assert_accepts(&inputs(&pk, &sig, msg));
        }
        // Edge messages.
        let mut minus_one = Fr::one();
        minus_one.negate();
        for msg in [Fr::zero(), minus_one] {
            let sk = PrivateKey::from_bytes(r.gen());
            assert_accepts(&inputs(&sk.public_key(), &sk.sign(&msg), msg));
        }
    }

    #[test]
    fn protocol_vector_verifies() {
        // docs/protocol.md §3.6 (circomlibjs 0.1.7 vector 1), m = p − 1.
        use zkpay_core::field::fr_from_decimal;
        let a = Point {
            x: fr_from_decimal("19299722404800690542221464544665002199394583215579748769669719234391816497343")
                .unwrap(),
            y: fr_from_decimal("7238064977096143488463022322810547552197694161335877321844299800854064925273").unwrap(),
        };
        let hex = "5dd9586dca123679ee818efd672e7dccd795fa98e17df3f21d3097b9161b3719\
                   54fb9f96b0abc50ecaf475550d3b0f107268e8a2b262d44a2838a8b260ca6405";
        let bytes: Vec<u8> = (0..64).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        let sig = Signature::from_bytes(&bytes.try_into().unwrap()).unwrap();
        let mut msg = Fr::one();
        msg.negate();
        let pk = PublicKey::from_xy(a.x, a.y).unwrap();
        assert_accepts(&inputs(&pk, &sig, msg));
    }

    #[test]
    fn wrong_message_key_or_r8_give_false() {
        let mut r = rng(31);
        for _ in 0..3 {
            let (pk, sig, msg) = sign(&mut r);
            let good = inputs(&pk, &sig, msg);
            // Another message.
            assert_flag_false(&Inputs { msg: random_fr(&mut r), ..good });
            let mut next = msg;
            next.add_assign(&Fr::one());
            assert_flag_false(&Inputs { msg: next, ..good });
            // Another key.
            let (other, _, _) = sign(&mut r);
            assert_flag_false(&Inputs { a: other.point(), ..good });
            // R8 replaced by another subgroup point, by −R8, and by R8 plus the order-2 point.
            let k: [u64; 4] = [r.gen(), r.gen(), r.gen(), 0];
            assert_flag_false(&Inputs { r8: Point::b8().mul_scalar(&k), ..good });
            assert_flag_false(&Inputs { r8: sig.r8.neg(), ..good });
            let mut minus_one = Fr::one();
            minus_one.negate();
            let t2 = Point { x: Fr::zero(), y: minus_one }.to_extended();
            assert_flag_false(&Inputs { r8: sig.r8.to_extended().add(&t2).to_affine(), ..good });
        }
    }

    #[test]
    fn malleated_or_flipped_s_is_rejected() {
        let mut r = rng(32);
        let l = fr_from_limbs(SUBGROUP_ORDER).unwrap();
        let (mut unsat, mut false_flag) = (0, 0);
        for _ in 0..4 {
            let (pk, sig, msg) = sign(&mut r);
            let good = inputs(&pk, &sig, msg);
            // S + l: same point S·B8, but not canonical; S + l < 2l < 2^252.
            let mut s_l = good.s;
            s_l.add_assign(&l);
            let m = Inputs { s: s_l, ..good };
            assert_eq!(native(&m), Err(EddsaError::ScalarOutOfRange));
            // Above 2^251 the decomposition fails, below it the comparison with l − 1.
            let prefix = if fr_bit(&s_l, 251) { "eddsa/sides/S/pack" } else { "eddsa/sides/S/below l" };
            assert_unsatisfiable(&m, prefix);
            // One flipped bit: ≥ l is out of range, < l is a wrong signature.
            for _ in 0..3 {
                let bit = r.gen_range(0..SCALAR_BITS);
                let mut limbs = fr_to_limbs(&good.s);
                limbs[bit / 64] ^= 1 << (bit % 64);
                let f = Inputs { s: fr_from_limbs(limbs).unwrap(), ..good };
                match native(&f) {
                    Err(EddsaError::ScalarOutOfRange) => {
                        unsat += 1;
                        assert_unsatisfiable(&f, "eddsa/sides/S/below l");
                    }
                    _ => {
                        false_flag += 1;
                        assert_flag_false(&f);
                    }
                }
            }
            // Top bits flipped: 2^250 + S ≥ l for S ≥ l − 2^250, which holds for most S.
            let mut limbs = fr_to_limbs(&good.s);
            limbs[3] ^= 1 << 58;
            let f = Inputs { s: fr_from_limbs(limbs).unwrap(), ..good };
            if native(&f) == Err(EddsaError::ScalarOutOfRange) {
                unsat += 1;
                assert_unsatisfiable(&f, "eddsa/sides/S/below l");
            } else {
                assert_flag_false(&f);
            }
        }
        assert!(unsat > 0 && false_flag > 0, "both outcomes exercised: {unsat} {false_flag}");
        // S = l exactly and S = 2^251 − 1 (fits the bits, above l).
        let (pk, sig, msg) = sign(&mut r);
        let good = inputs(&pk, &sig, msg);
        assert_unsatisfiable(&Inputs { s: l, ..good }, "eddsa/sides/S/below l");
        let top = fr_from_limbs([u64::MAX, u64::MAX, u64::MAX, (1 << 59) - 1]).unwrap();
        assert_unsatisfiable(&Inputs { s: top, ..good }, "eddsa/sides/S/below l");
    }

    #[test]
    fn off_curve_points_are_unsatisfiable() {
        let mut r = rng(33);
        let (pk, sig, msg) = sign(&mut r);
        let good = inputs(&pk, &sig, msg);
        let mut y = good.a.y;
        y.add_assign(&Fr::one());
        let bad_a = Inputs { a: Point { x: good.a.x, y }, ..good };
        assert_eq!(native(&bad_a), Err(EddsaError::NotOnCurve));
        assert_unsatisfiable(&bad_a, "eddsa/sides/A on curve/");
        let mut x = good.r8.x;
        x.double();
        assert_unsatisfiable(&Inputs { r8: Point { x, y: good.r8.y }, ..good }, "eddsa/sides/R8 on curve/");
        // (0, 0) is not on the curve either (a zero key in an account without one).
        assert_unsatisfiable(&Inputs { a: Point { x: Fr::zero(), y: Fr::zero() }, ..good }, "eddsa/sides/A on curve/");
    }

    #[test]
    fn the_identity_key_is_unsatisfiable_and_dummy_values_give_false() {
        let mut r = rng(36);
        // Under the identity every (S·B8, S) would satisfy the equation: a forgery for any m.
        let s = random_fr(&mut r);
        let mut limbs = fr_to_limbs(&s);
        limbs[3] &= (1 << 58) - 1; // below 2^250 < l
        let forged = Inputs {
            a: Point::identity(),
            r8: Point::b8().mul_scalar(&limbs),
            s: fr_from_limbs(limbs).unwrap(),
            msg: random_fr(&mut r),
        };
        assert_eq!(native(&forged), Err(EddsaError::IdentityKey));
        assert_unsatisfiable(&forged, "eddsa/sides/A not of small order/");
        // The dummy witness for a chunk without a signature: satisfiable, flag false.
        let dummy = Inputs { a: Point::b8(), r8: Point::identity(), s: Fr::zero(), msg: Fr::zero() };
        assert_flag_false(&dummy);
    }

    /// The points of order 1, 2, 4 and 8: `l·P` for curve points `P` (outside the subgroup in
    /// general) until one has order 8, and its doublings.
    fn small_order_points() -> [Point; 4] {
        let double = |p: &Point| p.mul_scalar(&[2, 0, 0, 0]);
        for y in 2u64.. {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&y.to_le_bytes());
            let Ok(p) = Point::decompress(&bytes) else { continue };
            let t8 = p.mul_scalar(&SUBGROUP_ORDER);
            let (t4, t2) = (double(&t8), double(&double(&t8)));
            if t2 != Point::identity() {
                assert_eq!(double(&t2), Point::identity());
                return [Point::identity(), t2, t4, t8];
            }
        }
        unreachable!("half of all curve points give a point of order 8")
    }

    #[test]
    fn small_order_keys_are_unsatisfiable() {
        // Under a key T of order 1, 2, 4 or 8, 8·T is the identity, so `S·B8 = R8 + (8·hm)·T` holds
        // for R8 = S·B8 and any S and message: a forgery of everything. Core refuses every such key
        // when it decodes it; the circuit must be unsatisfiable at the small-order check.
        let mut r = rng(37);
        for (t, order) in small_order_points().into_iter().zip([1, 2, 4, 8]) {
            assert!(t.is_on_curve());
            let s = random_fr(&mut r);
            let mut limbs = fr_to_limbs(&s);
            limbs[3] &= (1 << 58) - 1; // below 2^250 < l
            let forged = Inputs {
                a: t,
                r8: Point::b8().mul_scalar(&limbs),
                s: fr_from_limbs(limbs).unwrap(),
                msg: random_fr(&mut r),
            };
            assert_eq!(t.mul_scalar(&[8, 0, 0, 0]), Point::identity(), "order {order}");
            let expected = if order == 1 { EddsaError::IdentityKey } else { EddsaError::NotInSubgroup };
            assert_eq!(native(&forged), Err(expected), "order {order}");
            assert_unsatisfiable(&forged, "eddsa/sides/A not of small order/");
            // Only that check stands in the way: the equation itself holds (the flag's witness).
            assert_eq!(run(&forged).1, Some(true), "order {order}");
        }
    }

    #[test]
    fn keys_with_a_small_order_component_pass_the_check() {
        // The check refuses exactly the small-order keys: real keys pass it (a valid signature
        // verifies), and so does a subgroup key plus a point of order 8, which is not of small order
        // (out of scope, see the module docs): its system is satisfiable, with the flag false for a
        // signature made for the subgroup key (whose challenge hashes other coordinates).
        let t8 = small_order_points()[3];
        let mut r = rng(38);
        let (pk, sig, msg) = sign(&mut r);
        let good = inputs(&pk, &sig, msg);
        assert_accepts(&good);
        let mixed = Inputs { a: pk.point().to_extended().add(&t8.to_extended()).to_affine(), ..good };
        assert_eq!(native(&mixed), Err(EddsaError::NotInSubgroup));
        let (cs, ok, _) = run(&mixed);
        assert_eq!(cs.which_is_unsatisfied(), None);
        assert_eq!(ok, Some(false));
        // The dummy key of chunks without a signature passes it too.
        let dummy = Inputs { a: Point::b8(), r8: Point::identity(), s: Fr::zero(), msg: Fr::zero() };
        assert_eq!(run(&dummy).0.which_is_unsatisfied(), None);
    }

    /// A constraint system that, like key generation, never evaluates assignment closures.
    #[derive(Default)]
    struct ShapeOnly {
        vars: usize,
        constraints: usize,
    }

    impl ConstraintSystem<Engine> for ShapeOnly {
        type Root = Self;
        fn alloc<F, A, AR>(&mut self, _: A, _: F) -> Result<bellman_ce::Variable, SynthesisError>
        where
            F: FnOnce() -> Result<Fr, SynthesisError>,
            A: FnOnce() -> AR,
            AR: Into<String>,
        {
            self.vars += 1;
            Ok(bellman_ce::Variable::new_unchecked(bellman_ce::Index::Aux(self.vars - 1)))
        }
        fn alloc_input<F, A, AR>(&mut self, a: A, f: F) -> Result<bellman_ce::Variable, SynthesisError>
        where
            F: FnOnce() -> Result<Fr, SynthesisError>,
            A: FnOnce() -> AR,
            AR: Into<String>,
        {
            self.alloc(a, f)
        }
        fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, _: LA, _: LB, _: LC)
        where
            A: FnOnce() -> AR,
            AR: Into<String>,
            LA: FnOnce(bellman_ce::LinearCombination<Engine>) -> bellman_ce::LinearCombination<Engine>,
            LB: FnOnce(bellman_ce::LinearCombination<Engine>) -> bellman_ce::LinearCombination<Engine>,
            LC: FnOnce(bellman_ce::LinearCombination<Engine>) -> bellman_ce::LinearCombination<Engine>,
        {
            self.constraints += 1;
        }
        fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
        fn pop_namespace(&mut self) {}
        fn get_root(&mut self) -> &mut Self {
            self
        }
    }

    #[test]
    fn synthesizes_without_witness_values_for_key_generation() {
        for enforce in [false, true] {
            let mut cs = ShapeOnly::default();
            let v: Vec<Num> = (0..6).map(|i| Num::alloc(cs.namespace(|| format!("in {i}")), None).unwrap()).collect();
            if enforce {
                enforce_eddsa_verify(&mut cs, (&v[0], &v[1]), (&v[2], &v[3]), &v[4], &v[5]).unwrap();
                assert_eq!(cs.constraints, EDDSA_VERIFY_CONSTRAINTS - 3);
            } else {
                let ok = eddsa_verify(&mut cs, (&v[0], &v[1]), (&v[2], &v[3]), &v[4], &v[5]).unwrap();
                assert_eq!(ok.value(), None);
                assert_eq!(cs.constraints, EDDSA_VERIFY_CONSTRAINTS);
            }
        }
    }

    #[test]
    fn corrupted_hm_bits_are_caught() {
        let mut r = rng(34);
        let (pk, sig, msg) = sign(&mut r);
        let good = inputs(&pk, &sig, msg);
        let (mut cs, ok, _) = run(&good);
        assert_eq!(ok, Some(true));
        for bit in [0usize, 1, 100, 253] {
            let path = format!("eddsa/sides/hm bits/bits/bit {bit}/bit/value");
            let v = cs.get(&path);
            let flipped = if v == Fr::zero() { Fr::one() } else { Fr::zero() };
            cs.set(&path, flipped);
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("eddsa/sides/hm bits/pack/equal"));
            cs.set(&path, v);
        }
        assert!(cs.is_satisfied());
    }

    #[test]
    fn the_aliased_decomposition_hm_plus_p_is_rejected() {
        // For hm < 2^254 − p (about 32% of hashes), the bits of hm + p are a second 254-bit
        // decomposition that packs to hm; it must fail the strict check, not slip through.
        let mut r = rng(35);
        let p_limbs = Fr::char().0;
        let mut done = 0;
        while done < 2 {
            let (pk, sig, msg) = sign(&mut r);
            let good = inputs(&pk, &sig, msg);
            let hm = zkpay_core::poseidon::hash_n(&[good.r8.x, good.r8.y, good.a.x, good.a.y, msg]);
            let h = fr_to_limbs(&hm);
            let mut alias = [0u64; 4];
            let mut carry = 0u128;
            for k in 0..4 {
                let t = h[k] as u128 + p_limbs[k] as u128 + carry;
                alias[k] = t as u64;
                carry = t >> 64;
            }
            if alias[3] >> 62 != 0 {
                continue; // hm + p ≥ 2^254: no second decomposition for this hash
            }
            done += 1;
            let (mut cs, ok, _) = run(&good);
            assert_eq!(ok, Some(true));
            for i in 0..254 {
                let v = if (alias[i / 64] >> (i % 64)) & 1 == 1 { Fr::one() } else { Fr::zero() };
                cs.set(&format!("eddsa/sides/hm bits/bits/bit {i}/bit/value"), v);
            }
            let failed = cs.which_is_unsatisfied().unwrap();
            assert!(failed.starts_with("eddsa/sides/hm bits/below p/"), "{failed}");
        }
    }
}
