//! Comparing a bit decomposition with a constant, and the strict (canonical) decomposition of a
//! field element.
//!
//! [`enforce_bits_le_at_most`] proves `Σ 2^i·bits[i] ≤ c` for a constant `c` with **one constraint
//! per run of zero bits of `c`**, and none for its one bits. Walking from the top bit down, let
//! `m` be the number of one-positions of `c` seen so far where the bit is 0 (a linear combination
//! of the bits, free; it is 0 exactly when the bits above agree with `c`, given the checks above
//! hold). The integer exceeds `c` iff at the first difference the bit is 1 where `c` has 0, i.e.
//! iff some zero-run of `c` has `m = 0` on entry and a set bit inside. Each zero-run with bit sum
//! `s` therefore gets `m · inv = s`: when `m = 0` it forces `s = 0` whatever `inv` is, and when
//! `m ≠ 0` the prover satisfies it with `inv = s/m`. Both `m` and `s` are below 255, so nothing
//! wraps around the modulus.
//!
//! For `p − 1` (53 zero-runs) and the Baby Jubjub order `l − 1` (60) this is far cheaper than a
//! second decomposition or a bit-by-bit comparison (about one constraint per bit).

use super::bits::{alloc_bits_le, from_bits_le};
use super::boolean::Boolean;
use super::num::{assigned, Num};
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::{Field, PrimeField};
use bellman_ce::{ConstraintSystem, SynthesisError};

/// Number of bits of the field modulus p (and of a canonical decomposition of an element).
pub const FIELD_BITS: usize = 254;

/// Bit `i` of a little-endian 256-bit integer.
fn limb_bit(c: &[u64; 4], i: usize) -> bool {
    i < 256 && (c[i / 64] >> (i % 64)) & 1 == 1
}

/// Whether `c ≥ 2^n`, so that every n-bit integer is at most c.
fn exceeds_width(c: &[u64; 4], n: usize) -> bool {
    (n..256).any(|i| limb_bit(c, i))
}

/// The number of zero-runs of `c` within its lowest `n` bits: the constraint count of
/// [`enforce_bits_le_at_most`] on `n` non-constant bits.
pub fn at_most_constraints(c: &[u64; 4], n: usize) -> usize {
    if exceeds_width(c, n) {
        return 0;
    }
    (0..n).filter(|&i| !limb_bit(c, i) && (i + 1 == n || limb_bit(c, i + 1))).count()
}

/// Enforce that the little-endian `bits` encode an integer `≤ c` (see the module docs): one
/// constraint per maximal run of zero bits of `c` among the lowest `bits.len()` positions. If
/// `c ≥ 2^bits.len()` every value is acceptable and nothing is emitted.
///
/// The bits must already be constrained to be boolean.
pub fn enforce_bits_le_at_most<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    bits: &[Boolean],
    c: &[u64; 4],
) -> Result<(), SynthesisError> {
    let n = bits.len();
    if exceeds_width(c, n) {
        return Ok(());
    }
    // Mismatches at one-positions of c, counted from the top down to the current position.
    let mut m = Num::zero();
    let mut i = n;
    while i > 0 {
        i -= 1;
        if limb_bit(c, i) {
            m = Num::one().sub(&bits[i].to_num()).add(&m);
            continue;
        }
        // A maximal run of zeros of c from position i down to `lo`.
        let hi = i;
        while i > 0 && !limb_bit(c, i - 1) {
            i -= 1;
        }
        let lo = i;
        let s = bits[lo..=hi].iter().fold(Num::zero(), |acc, b| acc.add(&b.to_num()));
        let mut cs = cs.namespace(|| format!("zeros {lo}..={hi}"));
        if m.constant_value().is_some() {
            // No one-position above (m is the constant 0): these bits must simply be zero.
            s.enforce_equal(cs.namespace(|| "s=0"), &m);
            continue;
        }
        let inv_value = match (m.value(), s.value()) {
            (Some(mv), Some(sv)) => Some(match mv.inverse() {
                Some(inv) => {
                    let mut q = sv;
                    q.mul_assign(&inv);
                    q
                }
                // m = 0: only s = 0 is consistent, and then any inv works.
                None => Fr::zero(),
            }),
            _ => None,
        };
        let inv = cs.alloc(|| "inv", || assigned(inv_value))?;
        cs.enforce(|| "m*inv=s", |_| m.lc(), |lc| lc + inv, |_| s.lc());
    }
    Ok(())
}

/// `p − 1` as little-endian limbs (the largest canonical field element).
pub fn modulus_minus_one() -> [u64; 4] {
    let mut minus_one = Fr::one();
    minus_one.negate();
    minus_one.into_repr().0
}

/// The canonical 254 little-endian bits of `x`: boolean, packing to `x`, and encoding an integer
/// below p, so there is exactly one satisfying decomposition (2^254 > p, so without the last check
/// `x + p` would be a second one for small x). Costs 254 + 1 + 53 = 308 constraints.
pub fn to_bits_le_strict<CS: ConstraintSystem<Engine>>(mut cs: CS, x: &Num) -> Result<Vec<Boolean>, SynthesisError> {
    let bits = alloc_bits_le(cs.namespace(|| "bits"), x.value(), FIELD_BITS)?;
    from_bits_le(&bits).enforce_equal(cs.namespace(|| "pack"), x);
    enforce_bits_le_at_most(cs.namespace(|| "below p"), &bits, &modulus_minus_one())?;
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use zkpay_core::field::fr_from_u64;

    /// Allocates `n` bits holding `v` (any value, also one above the bound: the gadget's own
    /// witness for `inv` is the best possible, so an unsatisfied system means no witness exists).
    fn check(v: u64, c: u64, n: usize) -> (bool, usize) {
        let mut cs = TestConstraintSystem::new();
        let bits = alloc_bits_le(cs.namespace(|| "x"), Some(fr_from_u64(v)), n).unwrap();
        let before = cs.num_constraints();
        enforce_bits_le_at_most(cs.namespace(|| "le"), &bits, &[c, 0, 0, 0]).unwrap();
        (cs.is_satisfied(), cs.num_constraints() - before)
    }

    #[test]
    fn exhaustive_over_all_7_bit_values_and_constants() {
        let n = 7;
        for c in 0..(1u64 << n) {
            for v in 0..(1u64 << n) {
                let (ok, count) = check(v, c, n);
                assert_eq!(ok, v <= c, "{v} <= {c}");
                assert_eq!(count, at_most_constraints(&[c, 0, 0, 0], n));
            }
        }
        // A constant at least 2^n accepts everything without constraints.
        assert_eq!(check(127, 1000, 7).1, 0);
        // 0b01100101: zero-runs at bit 7, bits 4..3 and bit 1.
        assert_eq!(at_most_constraints(&[0b0110_0101, 0, 0, 0], 8), 3);
    }

    #[test]
    fn strict_bits_are_canonical_and_reject_the_aliased_decomposition() {
        assert_eq!(at_most_constraints(&modulus_minus_one(), FIELD_BITS), 53);
        let mut r = rng(11);
        let mut minus_one = Fr::one();
        minus_one.negate();
        for x in (0..10).map(|_| random_fr(&mut r)).chain([Fr::zero(), Fr::one(), minus_one]) {
            let mut cs = TestConstraintSystem::new();
            let num = Num::alloc(cs.namespace(|| "x"), Some(x)).unwrap();
            let bits = to_bits_le_strict(cs.namespace(|| "bits"), &num).unwrap();
            assert!(cs.is_satisfied());
            assert_eq!(cs.num_constraints(), 308);
            for (i, b) in bits.iter().enumerate() {
                assert_eq!(b.value(), Some(crate::gadgets::bits::fr_bit(&x, i)));
            }
        }
        // x = 5 has the second decomposition 5 + p < 2^254: its bits pack to 5 modulo p, but the
        // strict check rejects them.
        let p_minus_1 = modulus_minus_one();
        let mut alias = [0u64; 4];
        let mut carry = 6u128; // p + 5 = (p − 1) + 6
        for k in 0..4 {
            let t = p_minus_1[k] as u128 + carry;
            alias[k] = t as u64;
            carry = t >> 64;
        }
        let mut cs = TestConstraintSystem::new();
        let num = Num::alloc(cs.namespace(|| "x"), Some(fr_from_u64(5))).unwrap();
        let bits: Vec<Boolean> = (0..FIELD_BITS)
            .map(|i| Boolean::alloc(cs.namespace(|| format!("b{i}")), Some(limb_bit(&alias, i))).unwrap())
            .collect();
        from_bits_le(&bits).enforce_equal(cs.namespace(|| "pack"), &num);
        assert!(cs.is_satisfied(), "the aliased bits do pack to 5 modulo p");
        enforce_bits_le_at_most(cs.namespace(|| "below p"), &bits, &p_minus_1).unwrap();
        assert!(cs.which_is_unsatisfied().unwrap().starts_with("below p/zeros"));
    }
}
