//! Equality and zero flags.

use super::boolean::{AllocatedBit, Boolean};
use super::num::{assigned, Num};
use crate::Engine;
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};

/// The flag `x == 0`, two constraints:
/// `x · inv = 1 − flag` and `x · flag = 0`. If x ≠ 0 the second forces flag = 0 (then inv = 1/x
/// satisfies the first); if x = 0 the first forces flag = 1. So the flag is boolean and correct
/// without a booleanity constraint.
pub fn is_zero<CS: ConstraintSystem<Engine>>(mut cs: CS, x: &Num) -> Result<Boolean, SynthesisError> {
    if let Some(c) = x.constant_value() {
        return Ok(Boolean::Constant(c.is_zero()));
    }
    let flag_value = x.value().map(|v| v.is_zero());
    let flag = AllocatedBit::alloc_unconstrained(cs.namespace(|| "flag"), flag_value)?;
    let inv = cs.alloc(|| "inv", || Ok(assigned(x.value())?.inverse().unwrap_or_else(Field::zero)))?;
    let flag_num = Boolean::Is(flag).to_num();
    cs.enforce(|| "x*inv=1-flag", |_| x.lc(), |lc| lc + inv, |_| Num::one().sub(&flag_num).lc());
    cs.enforce(|| "x*flag=0", |_| x.lc(), |_| flag_num.lc(), |lc| lc);
    Ok(Boolean::Is(flag))
}

/// The flag `a == b` (two constraints).
pub fn is_equal<CS: ConstraintSystem<Engine>>(cs: CS, a: &Num, b: &Num) -> Result<Boolean, SynthesisError> {
    is_zero(cs, &a.sub(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use crate::Fr;

    #[test]
    fn flags_match_and_cost_two_constraints() {
        let mut r = rng(6);
        for i in 0..20 {
            let x = random_fr(&mut r);
            let y = if i % 2 == 0 { x } else { random_fr(&mut r) };
            let mut cs = TestConstraintSystem::new();
            let a = Num::alloc(cs.namespace(|| "a"), Some(x)).unwrap();
            let b = Num::alloc(cs.namespace(|| "b"), Some(y)).unwrap();
            let eq = is_equal(cs.namespace(|| "eq"), &a, &b).unwrap();
            assert_eq!(eq.value(), Some(x == y));
            assert_eq!(cs.num_constraints(), 2);
            assert!(cs.is_satisfied());
            // Flipping the flag cannot be repaired by any inverse.
            let flipped = if x == y { Fr::zero() } else { Fr::one() };
            cs.set("eq/flag/value", flipped);
            for inv in [Fr::zero(), Fr::one(), random_fr(&mut r)] {
                cs.set("eq/inv", inv);
                assert!(!cs.is_satisfied());
            }
        }
        let mut cs = TestConstraintSystem::new();
        let z = Num::alloc(cs.namespace(|| "z"), Some(Fr::zero())).unwrap();
        assert_eq!(is_zero(cs.namespace(|| "z?"), &z).unwrap().value(), Some(true));
        assert_eq!(is_zero(cs.namespace(|| "k"), &Num::one()).unwrap().constant_value(), Some(false));
        assert!(cs.is_satisfied());
        assert_eq!(cs.num_constraints(), 2);
    }
}
