//! Conditional selection and swap, one constraint each.

use super::boolean::Boolean;
use super::num::Num;
use crate::Engine;
use bellman_ce::{ConstraintSystem, SynthesisError};

/// `cond ? a : b`, as `b + cond · (a − b)`: one constraint, none if `cond` is a constant.
pub fn select<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    cond: &Boolean,
    a: &Num,
    b: &Num,
) -> Result<Num, SynthesisError> {
    if let Some(c) = cond.constant_value() {
        return Ok(if c { a.clone() } else { b.clone() });
    }
    let delta = cond.to_num().mul(cs.namespace(|| "cond * (a - b)"), &a.sub(b))?;
    Ok(b.add(&delta))
}

/// `cond ? (b, a) : (a, b)`: one constraint (`p = cond · (b − a)`, left = a + p, right = b − p),
/// none if `cond` is a constant. Used to order a Merkle node and its sibling.
pub fn swap<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    cond: &Boolean,
    a: &Num,
    b: &Num,
) -> Result<(Num, Num), SynthesisError> {
    if let Some(c) = cond.constant_value() {
        return Ok(if c { (b.clone(), a.clone()) } else { (a.clone(), b.clone()) });
    }
    let p = cond.to_num().mul(cs.namespace(|| "cond * (b - a)"), &b.sub(a))?;
    Ok((a.add(&p), b.sub(&p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use crate::Fr;
    use bellman_ce::pairing::ff::Field;

    #[test]
    fn select_and_swap_follow_the_condition_with_one_constraint_each() {
        let mut r = rng(5);
        for _ in 0..10 {
            for c in [false, true] {
                let (x, y) = (random_fr(&mut r), random_fr(&mut r));
                let mut cs = TestConstraintSystem::new();
                let cond = Boolean::alloc(cs.namespace(|| "c"), Some(c)).unwrap();
                let a = Num::alloc(cs.namespace(|| "a"), Some(x)).unwrap();
                let b = Num::alloc(cs.namespace(|| "b"), Some(y)).unwrap();
                let s = select(cs.namespace(|| "select"), &cond, &a, &b).unwrap();
                let (l, rr) = swap(cs.namespace(|| "swap"), &cond, &a, &b).unwrap();
                assert_eq!(s.value(), Some(if c { x } else { y }));
                assert_eq!((l.value(), rr.value()), if c { (Some(y), Some(x)) } else { (Some(x), Some(y)) });
                assert_eq!(cs.num_constraints(), 3);
                // Constant conditions are free.
                let before = cs.num_constraints();
                let k = Boolean::Constant(c);
                assert_eq!(select(cs.namespace(|| "ks"), &k, &a, &b).unwrap().value(), s.value());
                assert_eq!(swap(cs.namespace(|| "kw"), &k, &a, &b).unwrap().0.value(), l.value());
                assert_eq!(cs.num_constraints(), before);
                // Pin the outputs and check; then corrupt the product.
                s.enforce_equal(cs.namespace(|| "s"), &Num::constant(s.value().unwrap()));
                l.enforce_equal(cs.namespace(|| "l"), &Num::constant(l.value().unwrap()));
                assert!(cs.is_satisfied());
                cs.set("select/cond * (a - b)/product/num", random_fr(&mut r));
                assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("select/cond * (a - b)/a*b=product"));
                let mut honest = Fr::zero();
                if c {
                    honest = x;
                    honest.sub_assign(&y);
                }
                cs.set("select/cond * (a - b)/product/num", honest);
                assert!(cs.is_satisfied());
                cs.set("swap/cond * (b - a)/product/num", random_fr(&mut r));
                assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("swap/cond * (b - a)/a*b=product"));
            }
        }
    }
}
