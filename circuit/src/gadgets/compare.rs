//! Comparisons of range-checked integers.

use super::bits::{to_bits_le, MAX_BITS};
use super::boolean::Boolean;
use super::num::Num;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};

fn pow2(n: usize) -> Fr {
    let mut p = Fr::one();
    for _ in 0..n {
        p.double();
    }
    p
}

/// `a ≤ b` for `a, b < 2^n` (n ≤ 252): decomposes `d = b − a + 2^n` into n + 1 bits; d lies in
/// [1, 2^(n+1)) and its top bit is set exactly when `b ≥ a`. Costs n + 2 constraints.
///
/// The caller must already have proven `a, b < 2^n` (e.g. balances are range-checked where they
/// are created); otherwise `d` may not fit n + 1 bits and the system is unsatisfiable.
pub fn less_or_equal<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    a: &Num,
    b: &Num,
    n: usize,
) -> Result<Boolean, SynthesisError> {
    assert!(n < MAX_BITS, "less_or_equal supports at most {} bits", MAX_BITS - 1);
    let d = b.sub(a).add_constant(&pow2(n));
    let bits = to_bits_le(cs.namespace(|| "b - a + 2^n"), &d, n + 1)?;
    Ok(bits[n])
}

/// `a < b` for `a, b < 2^n`, as `¬(b ≤ a)` (n + 2 constraints).
pub fn less_than<CS: ConstraintSystem<Engine>>(cs: CS, a: &Num, b: &Num, n: usize) -> Result<Boolean, SynthesisError> {
    Ok(less_or_equal(cs, b, a, n)?.not())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_below_pow2, rng};
    use proptest::prelude::*;
    use zkpay_core::field::fr_from_u128;

    fn le(a: u128, b: u128, n: usize) -> (Option<bool>, Option<bool>, usize, TestConstraintSystem) {
        let mut cs = TestConstraintSystem::new();
        let x = Num::alloc(cs.namespace(|| "a"), Some(fr_from_u128(a))).unwrap();
        let y = Num::alloc(cs.namespace(|| "b"), Some(fr_from_u128(b))).unwrap();
        let r = less_or_equal(cs.namespace(|| "le"), &x, &y, n).unwrap();
        let lt = less_than(cs.namespace(|| "lt"), &x, &y, n).unwrap();
        let count = cs.num_constraints();
        assert!(cs.is_satisfied());
        (r.value(), lt.value(), count, cs)
    }

    #[test]
    fn matches_integer_order_at_the_edges_and_counts() {
        let m = u128::MAX;
        for (a, b) in [(0, 0), (0, 1), (1, 0), (m, m), (m - 1, m), (m, m - 1), (0, m), (m, 0)] {
            let (r, lt, count, _) = le(a, b, 128);
            assert_eq!(r, Some(a <= b), "{a} <= {b}");
            assert_eq!(lt, Some(a < b), "{a} < {b}");
            // Two comparisons of 130 constraints each.
            assert_eq!(count, 2 * 130);
        }
        let (_, _, count, _) = le(3, 5, 8);
        assert_eq!(count, 2 * 10);
    }

    #[test]
    fn matches_integer_order_on_random_values() {
        let mut r = rng(4);
        for n in [8u32, 64, 100, 128] {
            for _ in 0..20 {
                let (_, a) = random_below_pow2(&mut r, n);
                let (_, b) = if r.gen_bool(0.3) { (Fr::zero(), a) } else { random_below_pow2(&mut r, n) };
                let (le_v, lt_v, _, _) = le(a, b, n as usize);
                assert_eq!(le_v, Some(a <= b));
                assert_eq!(lt_v, Some(a < b));
            }
        }
    }

    #[test]
    fn a_false_claim_cannot_be_proven() {
        // 5 ≤ 3 is false; forcing the flag to true breaks the decomposition.
        let (r, _, _, mut cs) = le(5, 3, 8);
        assert_eq!(r, Some(false));
        cs.set("le/b - a + 2^n/bits/bit 8/bit/value", Fr::one());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("le/b - a + 2^n/pack/equal"));
        // And an out-of-range operand makes the system unsatisfiable rather than answering wrongly.
        let mut cs = TestConstraintSystem::new();
        let x = Num::alloc(cs.namespace(|| "a"), Some(fr_from_u128(1 << 9))).unwrap();
        let y = Num::alloc(cs.namespace(|| "b"), Some(fr_from_u128(0))).unwrap();
        less_or_equal(cs.namespace(|| "le"), &x, &y, 8).unwrap();
        assert!(!cs.is_satisfied());
    }

    use rand::Rng;
    proptest! {
        #[test]
        fn prop_le_is_integer_le(a in any::<u128>(), b in any::<u128>()) {
            let (r, lt, _, _) = le(a, b, 128);
            prop_assert_eq!(r, Some(a <= b));
            prop_assert_eq!(lt, Some(a < b));
        }
    }
}
