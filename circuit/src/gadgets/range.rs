//! Range checks: `x < 2^n`.

use super::bits::to_bits_le;
use super::boolean::Boolean;
use super::num::Num;
use crate::Engine;
use bellman_ce::{ConstraintSystem, SynthesisError};

/// Enforce `x < 2^n` (n + 1 constraints, `n ≤ 253`). Returns the little-endian bits, which callers
/// often need anyway (pubdata, comparisons).
pub fn enforce_less_than_pow2<CS: ConstraintSystem<Engine>>(
    cs: CS,
    x: &Num,
    n: usize,
) -> Result<Vec<Boolean>, SynthesisError> {
    to_bits_le(cs, x, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_below_pow2, rng};
    use crate::Fr;
    use bellman_ce::pairing::ff::Field;
    use zkpay_core::field::fr_from_u128;

    fn check(x: Fr, n: usize) -> (bool, usize) {
        let mut cs = TestConstraintSystem::new();
        let num = Num::alloc(cs.namespace(|| "x"), Some(x)).unwrap();
        enforce_less_than_pow2(cs.namespace(|| "range"), &num, n).unwrap();
        (cs.is_satisfied(), cs.num_constraints())
    }

    #[test]
    fn accepts_exactly_the_values_below_2_pow_n() {
        let mut r = rng(3);
        for n in [1usize, 16, 32, 128] {
            let max = if n == 128 { u128::MAX } else { (1u128 << n) - 1 };
            assert_eq!(check(fr_from_u128(max), n), (true, n + 1));
            assert_eq!(check(Fr::zero(), n), (true, n + 1));
            if n < 128 {
                assert!(!check(fr_from_u128(max + 1), n).0);
            }
            for _ in 0..10 {
                assert!(check(random_below_pow2(&mut r, n as u32).0, n).0);
            }
        }
        // 2^128 and p − 1 are rejected at n = 128.
        let mut two_128 = fr_from_u128(u128::MAX);
        two_128.add_assign(&Fr::one());
        assert!(!check(two_128, 128).0);
        let mut minus_one = Fr::one();
        minus_one.negate();
        assert!(!check(minus_one, 128).0);
    }
}
