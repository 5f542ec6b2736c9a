//! Booleans in the circuit: constants, allocated bits and their negations.
//!
//! An allocated bit costs one constraint (`b · (1 − b) = 0`); negation is free because `1 − b` is a
//! linear combination; AND, OR and XOR cost one constraint each.

use super::num::{assigned, Num};
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, LinearCombination, SynthesisError, Variable};

/// A variable constrained to 0 or 1.
#[derive(Clone, Copy, Debug)]
pub struct AllocatedBit {
    var: Variable,
    value: Option<bool>,
}

impl AllocatedBit {
    /// Allocate a bit with witness `value` and constrain it to be boolean (one constraint).
    pub fn alloc<CS: ConstraintSystem<Engine>>(mut cs: CS, value: Option<bool>) -> Result<Self, SynthesisError> {
        let bit = Self::alloc_unconstrained(cs.namespace(|| "bit"), value)?;
        cs.enforce(|| "boolean", |lc| lc + bit.var, |lc| lc + CS::one() - bit.var, |lc| lc);
        Ok(bit)
    }

    /// Allocate a variable for a bit **without** the booleanity constraint: only for gadgets whose
    /// other constraints already force it to 0 or 1 (such as the is-zero flag).
    pub(crate) fn alloc_unconstrained<CS: ConstraintSystem<Engine>>(
        mut cs: CS,
        value: Option<bool>,
    ) -> Result<Self, SynthesisError> {
        let var = cs.alloc(|| "value", || assigned(value).map(fr_of_bool))?;
        Ok(AllocatedBit { var, value })
    }

    /// The variable.
    pub fn var(&self) -> Variable {
        self.var
    }

    /// The witness value.
    pub fn value(&self) -> Option<bool> {
        self.value
    }
}

fn fr_of_bool(b: bool) -> Fr {
    if b {
        Fr::one()
    } else {
        Fr::zero()
    }
}

/// A boolean: a constant, an allocated bit, or the negation of one.
#[derive(Clone, Copy, Debug)]
pub enum Boolean {
    /// A known constant.
    Constant(bool),
    /// The bit itself.
    Is(AllocatedBit),
    /// The negation of the bit.
    Not(AllocatedBit),
}

impl Boolean {
    /// Allocate a boolean with witness `value` (one constraint).
    pub fn alloc<CS: ConstraintSystem<Engine>>(cs: CS, value: Option<bool>) -> Result<Self, SynthesisError> {
        Ok(Boolean::Is(AllocatedBit::alloc(cs, value)?))
    }

    /// The witness value.
    pub fn value(&self) -> Option<bool> {
        match self {
            Boolean::Constant(b) => Some(*b),
            Boolean::Is(bit) => bit.value,
            Boolean::Not(bit) => bit.value.map(|b| !b),
        }
    }

    /// The constant value, if this is a constant.
    pub fn constant_value(&self) -> Option<bool> {
        match self {
            Boolean::Constant(b) => Some(*b),
            _ => None,
        }
    }

    /// The boolean as a linear combination (`b`, `1 − b` or a constant).
    pub fn lc(&self) -> LinearCombination<Engine> {
        self.to_num().lc()
    }

    /// The boolean as a field element 0/1 (free).
    pub fn to_num(&self) -> Num {
        match self {
            Boolean::Constant(b) => Num::constant(fr_of_bool(*b)),
            Boolean::Is(bit) => Num::from_var(bit.var, bit.value.map(fr_of_bool)),
            Boolean::Not(bit) => Num::one().sub(&Num::from_var(bit.var, bit.value.map(fr_of_bool))),
        }
    }

    /// Negation (free).
    pub fn not(&self) -> Boolean {
        match *self {
            Boolean::Constant(b) => Boolean::Constant(!b),
            Boolean::Is(bit) => Boolean::Not(bit),
            Boolean::Not(bit) => Boolean::Is(bit),
        }
    }

    /// `a ∧ b`: one constraint unless either is a constant.
    pub fn and<CS: ConstraintSystem<Engine>>(cs: CS, a: &Boolean, b: &Boolean) -> Result<Boolean, SynthesisError> {
        match (a.constant_value(), b.constant_value()) {
            (Some(false), _) | (_, Some(false)) => Ok(Boolean::Constant(false)),
            (Some(true), _) => Ok(*b),
            (_, Some(true)) => Ok(*a),
            _ => {
                // The product of two booleans is boolean: no booleanity constraint needed.
                let value = a.value().zip(b.value()).map(|(x, y)| x && y);
                Self::product(cs, a.to_num(), b.to_num(), value)
            }
        }
    }

    /// `a ∨ b = ¬(¬a ∧ ¬b)`: one constraint unless either is a constant.
    pub fn or<CS: ConstraintSystem<Engine>>(cs: CS, a: &Boolean, b: &Boolean) -> Result<Boolean, SynthesisError> {
        Ok(Boolean::and(cs, &a.not(), &b.not())?.not())
    }

    /// `a ⊕ b`: one constraint unless either is a constant (`2a · b = a + b − c`).
    pub fn xor<CS: ConstraintSystem<Engine>>(mut cs: CS, a: &Boolean, b: &Boolean) -> Result<Boolean, SynthesisError> {
        match (a.constant_value(), b.constant_value()) {
            (Some(x), _) => Ok(if x { b.not() } else { *b }),
            (_, Some(y)) => Ok(if y { a.not() } else { *a }),
            _ => {
                let value = a.value().zip(b.value()).map(|(x, y)| x ^ y);
                let c = AllocatedBit::alloc_unconstrained(cs.namespace(|| "xor"), value)?;
                let two = Fr::one().double_ret();
                let (an, bn) = (a.to_num(), b.to_num());
                let cn = Boolean::Is(c).to_num();
                cs.enforce(|| "2a*b=a+b-c", |_| an.scale(&two).lc(), |_| bn.lc(), |_| an.add(&bn).sub(&cn).lc());
                Ok(Boolean::Is(c))
            }
        }
    }

    fn product<CS: ConstraintSystem<Engine>>(
        mut cs: CS,
        a: Num,
        b: Num,
        value: Option<bool>,
    ) -> Result<Boolean, SynthesisError> {
        let c = AllocatedBit::alloc_unconstrained(cs.namespace(|| "and"), value)?;
        cs.enforce(|| "a*b=c", |_| a.lc(), |_| b.lc(), |lc| lc + c.var);
        Ok(Boolean::Is(c))
    }

    /// Enforce `a == b` (one constraint).
    pub fn enforce_equal<CS: ConstraintSystem<Engine>>(cs: CS, a: &Boolean, b: &Boolean) {
        a.to_num().enforce_equal(cs, &b.to_num());
    }
}

/// `2 · self` for field elements (small helper trait so call sites read as arithmetic).
trait DoubleRet {
    fn double_ret(self) -> Self;
}

impl DoubleRet for Fr {
    fn double_ret(mut self) -> Fr {
        self.double();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use zkpay_core::field::fr_from_u64;

    #[test]
    fn allocation_is_boolean_and_costs_one() {
        for v in [false, true] {
            let mut cs = TestConstraintSystem::new();
            let b = Boolean::alloc(cs.namespace(|| "b"), Some(v)).unwrap();
            assert_eq!(cs.num_constraints(), 1);
            assert!(cs.is_satisfied());
            assert_eq!(b.not().value(), Some(!v));
            assert_eq!(b.not().to_num().value(), Some(fr_of_bool(!v)));
            cs.set("b/bit/value", fr_from_u64(2));
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("b/boolean"));
        }
    }

    #[test]
    fn and_or_xor_truth_tables_for_every_variant() {
        // The same truth value as an allocated bit, a constant and the negation of a bit.
        let variants = |cs: &mut TestConstraintSystem, name: &str, v: bool| -> Vec<Boolean> {
            let bit = Boolean::alloc(cs.namespace(|| name.to_string()), Some(v)).unwrap();
            let neg = Boolean::alloc(cs.namespace(|| format!("{name} neg")), Some(!v)).unwrap().not();
            vec![bit, Boolean::Constant(v), neg]
        };
        let mut n = 0;
        for x in [false, true] {
            for y in [false, true] {
                let mut cs = TestConstraintSystem::new();
                let xs = variants(&mut cs, "x", x);
                let ys = variants(&mut cs, "y", y);
                for a in &xs {
                    for b in &ys {
                        n += 1;
                        let and = Boolean::and(cs.namespace(|| format!("and{n}")), a, b).unwrap();
                        let or = Boolean::or(cs.namespace(|| format!("or{n}")), a, b).unwrap();
                        let xor = Boolean::xor(cs.namespace(|| format!("xor{n}")), a, b).unwrap();
                        assert_eq!(and.value(), Some(x && y));
                        assert_eq!(or.value(), Some(x || y));
                        assert_eq!(xor.value(), Some(x ^ y));
                        let t = Boolean::Constant(true);
                        Boolean::enforce_equal(cs.namespace(|| format!("eq and{n}")), &and, &Boolean::Constant(x && y));
                        Boolean::enforce_equal(
                            cs.namespace(|| format!("eq or{n}")),
                            &or.not(),
                            &Boolean::Constant(!(x || y)),
                        );
                        let expect = Boolean::xor(cs.namespace(|| format!("c{n}")), &Boolean::Constant(x ^ y), &t)
                            .unwrap()
                            .not();
                        Boolean::enforce_equal(cs.namespace(|| format!("eq xor{n}")), &xor, &expect);
                    }
                }
                assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            }
        }
    }

    #[test]
    fn corrupted_and_xor_outputs_are_caught_and_counts_are_one() {
        let mut cs = TestConstraintSystem::new();
        let a = Boolean::alloc(cs.namespace(|| "a"), Some(true)).unwrap();
        let b = Boolean::alloc(cs.namespace(|| "b"), Some(false)).unwrap();
        let before = cs.num_constraints();
        Boolean::and(cs.namespace(|| "and"), &a, &b.not()).unwrap();
        assert_eq!(cs.num_constraints() - before, 1);
        Boolean::xor(cs.namespace(|| "xor"), &a, &b).unwrap();
        assert_eq!(cs.num_constraints() - before, 2);
        assert!(cs.is_satisfied());
        cs.set("and/and/value", Fr::zero());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("and/a*b=c"));
        cs.set("and/and/value", Fr::one());
        cs.set("xor/xor/value", Fr::zero());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("xor/2a*b=a+b-c"));
    }
}
