//! Bit decomposition (little-endian) of field elements, and packing bits back.

use super::boolean::Boolean;
use super::num::Num;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::{Field, PrimeField};
use bellman_ce::{ConstraintSystem, SynthesisError};

/// Largest width [`to_bits_le`] accepts: 2^253 < p, so a sum of 253 bits never wraps around the
/// modulus and the decomposition is unique.
pub const MAX_BITS: usize = 253;

/// Bit `i` of the canonical integer of `x`.
pub fn fr_bit(x: &Fr, i: usize) -> bool {
    let limbs = x.into_repr().0;
    i < 256 && (limbs[i / 64] >> (i % 64)) & 1 == 1
}

/// Allocate `n` booleans holding the little-endian bits of `value` (n constraints; nothing ties
/// them to any other variable).
pub fn alloc_bits_le<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    value: Option<Fr>,
    n: usize,
) -> Result<Vec<Boolean>, SynthesisError> {
    (0..n).map(|i| Boolean::alloc(cs.namespace(|| format!("bit {i}")), value.map(|v| fr_bit(&v, i)))).collect()
}

/// `Σ 2^i · bits[i]` (free).
pub fn from_bits_le(bits: &[Boolean]) -> Num {
    let mut acc = Num::zero();
    let mut coeff = Fr::one();
    for b in bits {
        acc = acc.add_mul_const(&b.to_num(), &coeff);
        coeff.double();
    }
    acc
}

/// The `n` little-endian bits of `x`, constrained so that `x = Σ 2^i · bit_i`; this also proves
/// `x < 2^n`. Costs n + 1 constraints. `n ≤ MAX_BITS`.
pub fn to_bits_le<CS: ConstraintSystem<Engine>>(mut cs: CS, x: &Num, n: usize) -> Result<Vec<Boolean>, SynthesisError> {
    assert!(n <= MAX_BITS, "to_bits_le supports at most {MAX_BITS} bits, got {n}");
    let bits = alloc_bits_le(cs.namespace(|| "bits"), x.value(), n)?;
    from_bits_le(&bits).enforce_equal(cs.namespace(|| "pack"), x);
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_below_pow2, random_fr, rng};
    use zkpay_core::field::fr_from_u128;

    #[test]
    fn decomposition_matches_the_integer_and_costs_n_plus_1() {
        let mut r = rng(2);
        for n in [1usize, 8, 64, 128] {
            for _ in 0..20 {
                let (x, v) = random_below_pow2(&mut r, n as u32);
                let mut cs = TestConstraintSystem::new();
                let num = Num::alloc(cs.namespace(|| "x"), Some(x)).unwrap();
                let bits = to_bits_le(cs.namespace(|| "bits"), &num, n).unwrap();
                assert!(cs.is_satisfied());
                assert_eq!(cs.num_constraints(), n + 1);
                for (i, b) in bits.iter().enumerate() {
                    assert_eq!(b.value(), Some((v >> i) & 1 == 1));
                }
                assert_eq!(from_bits_le(&bits).value(), Some(x));
            }
        }
        // Full-width random elements below 2^253.
        for _ in 0..20 {
            let mut x = random_fr(&mut r);
            if fr_bit(&x, 253) {
                x.negate();
            }
            if fr_bit(&x, 253) {
                continue;
            }
            let mut cs = TestConstraintSystem::new();
            let num = Num::alloc(cs.namespace(|| "x"), Some(x)).unwrap();
            to_bits_le(cs.namespace(|| "bits"), &num, MAX_BITS).unwrap();
            assert!(cs.is_satisfied());
            assert_eq!(cs.num_constraints(), 254);
        }
    }

    #[test]
    fn too_wide_values_and_flipped_bits_do_not_satisfy() {
        // 2^8 does not fit 8 bits: the truncated witness fails the packing constraint.
        let mut cs = TestConstraintSystem::new();
        let num = Num::alloc(cs.namespace(|| "x"), Some(fr_from_u128(256))).unwrap();
        to_bits_le(cs.namespace(|| "bits"), &num, 8).unwrap();
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("bits/pack/equal"));

        let mut cs = TestConstraintSystem::new();
        let num = Num::alloc(cs.namespace(|| "x"), Some(fr_from_u128(0b1011))).unwrap();
        to_bits_le(cs.namespace(|| "bits"), &num, 4).unwrap();
        assert!(cs.is_satisfied());
        cs.set("bits/bits/bit 2/bit/value", Fr::one());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("bits/pack/equal"));
    }
}
