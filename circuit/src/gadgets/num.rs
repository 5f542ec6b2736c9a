//! [`Num`]: a field element in the circuit, held as a linear combination of variables with its
//! witness value.
//!
//! Linear operations (add, subtract, scale, add a constant) cost no constraints in R1CS, so a `Num`
//! stays a linear combination until a multiplication needs a new variable. Terms are kept sorted
//! by variable and merged, so repeated linear layers (Poseidon's MDS, Merkle swaps) do not grow the
//! combination beyond the number of distinct variables it uses.

use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use std::cmp::Ordering;

/// A linear combination of circuit variables together with its value (`None` while generating
/// keys, when no witness exists).
#[derive(Clone, Debug)]
pub struct Num {
    value: Option<Fr>,
    /// Sorted by [`key`], no zero coefficients, no duplicate variables.
    terms: Vec<(Variable, Fr)>,
}

/// Sort key of a variable: inputs (ONE first) before auxiliaries.
fn key(v: &Variable) -> (u8, usize) {
    match v.get_unchecked() {
        Index::Input(i) => (0, i),
        Index::Aux(i) => (1, i),
    }
}

fn one_var() -> Variable {
    Variable::new_unchecked(Index::Input(0))
}

/// The value of a missing witness, as bellman expects it from assignment closures.
pub(crate) fn assigned<T>(v: Option<T>) -> Result<T, SynthesisError> {
    v.ok_or(SynthesisError::AssignmentMissing)
}

impl Num {
    /// The constant `c` (no variable).
    pub fn constant(c: Fr) -> Num {
        let terms = if c.is_zero() { vec![] } else { vec![(one_var(), c)] };
        Num { value: Some(c), terms }
    }

    /// The constant 0.
    pub fn zero() -> Num {
        Num::constant(Fr::zero())
    }

    /// The constant 1.
    pub fn one() -> Num {
        Num::constant(Fr::one())
    }

    /// The single variable `var`, whose witness value is `value`.
    pub fn from_var(var: Variable, value: Option<Fr>) -> Num {
        Num { value, terms: vec![(var, Fr::one())] }
    }

    /// A new private variable with witness `value`.
    pub fn alloc<CS: ConstraintSystem<Engine>>(mut cs: CS, value: Option<Fr>) -> Result<Num, SynthesisError> {
        let var = cs.alloc(|| "num", || assigned(value))?;
        Ok(Num::from_var(var, value))
    }

    /// A new public input with value `value`.
    pub fn alloc_input<CS: ConstraintSystem<Engine>>(mut cs: CS, value: Option<Fr>) -> Result<Num, SynthesisError> {
        let var = cs.alloc_input(|| "input", || assigned(value))?;
        Ok(Num::from_var(var, value))
    }

    /// The witness value, if known.
    pub fn value(&self) -> Option<Fr> {
        self.value
    }

    /// The value if this is a constant (no variable other than ONE).
    pub fn constant_value(&self) -> Option<Fr> {
        if self.terms.iter().all(|(v, _)| key(v) == (0, 0)) {
            Some(self.terms.first().map(|(_, c)| *c).unwrap_or_else(Fr::zero))
        } else {
            None
        }
    }

    /// The variable if this is exactly one variable with coefficient 1.
    pub fn as_var(&self) -> Option<Variable> {
        match self.terms.as_slice() {
            [(v, c)] if *c == Fr::one() && key(v) != (0, 0) => Some(*v),
            _ => None,
        }
    }

    /// The linear combination, for `enforce`.
    pub fn lc(&self) -> LinearCombination<Engine> {
        self.terms.iter().fold(LinearCombination::zero(), |lc, (v, c)| lc + (*c, *v))
    }

    /// Number of terms of the linear combination (a measure of matrix density).
    pub fn num_terms(&self) -> usize {
        self.terms.len()
    }

    /// `self + k·other`, merging sorted term lists.
    fn add_scaled(&self, other: &Num, k: &Fr) -> Num {
        let mut terms = Vec::with_capacity(self.terms.len() + other.terms.len());
        let (mut i, mut j) = (0, 0);
        let scaled = |c: &Fr| {
            let mut c = *c;
            c.mul_assign(k);
            c
        };
        while i < self.terms.len() || j < other.terms.len() {
            let ord = match (self.terms.get(i), other.terms.get(j)) {
                (Some(a), Some(b)) => key(&a.0).cmp(&key(&b.0)),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match ord {
                Ordering::Less => {
                    terms.push(self.terms[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    let (v, c) = other.terms[j];
                    let c = scaled(&c);
                    if !c.is_zero() {
                        terms.push((v, c));
                    }
                    j += 1;
                }
                Ordering::Equal => {
                    let (v, mut c) = self.terms[i];
                    c.add_assign(&scaled(&other.terms[j].1));
                    if !c.is_zero() {
                        terms.push((v, c));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        let value = match (self.value, other.value) {
            (Some(a), Some(b)) => {
                let mut r = b;
                r.mul_assign(k);
                r.add_assign(&a);
                Some(r)
            }
            _ => None,
        };
        Num { value, terms }
    }

    /// `self + other` (free).
    pub fn add(&self, other: &Num) -> Num {
        self.add_scaled(other, &Fr::one())
    }

    /// `self − other` (free).
    pub fn sub(&self, other: &Num) -> Num {
        let mut m = Fr::one();
        m.negate();
        self.add_scaled(other, &m)
    }

    /// `self + k·other` (free).
    pub fn add_mul_const(&self, other: &Num, k: &Fr) -> Num {
        self.add_scaled(other, k)
    }

    /// `k · self` (free).
    pub fn scale(&self, k: &Fr) -> Num {
        Num::zero().add_scaled(self, k)
    }

    /// `self + c` (free).
    pub fn add_constant(&self, c: &Fr) -> Num {
        self.add(&Num::constant(*c))
    }

    /// `−self` (free).
    pub fn neg(&self) -> Num {
        Num::zero().sub(self)
    }

    /// `self · other`: one constraint, or none if either side is a constant.
    pub fn mul<CS: ConstraintSystem<Engine>>(&self, mut cs: CS, other: &Num) -> Result<Num, SynthesisError> {
        if let Some(c) = self.constant_value() {
            return Ok(other.scale(&c));
        }
        if let Some(c) = other.constant_value() {
            return Ok(self.scale(&c));
        }
        let value = match (self.value, other.value) {
            (Some(a), Some(b)) => {
                let mut r = a;
                r.mul_assign(&b);
                Some(r)
            }
            _ => None,
        };
        let product = Num::alloc(cs.namespace(|| "product"), value)?;
        cs.enforce(|| "a*b=product", |_| self.lc(), |_| other.lc(), |_| product.lc());
        Ok(product)
    }

    /// `self²`: one constraint, or none for a constant.
    pub fn square<CS: ConstraintSystem<Engine>>(&self, cs: CS) -> Result<Num, SynthesisError> {
        self.mul(cs, self)
    }

    /// The same value as a single variable: free if it already is one, else one constraint.
    pub fn to_var<CS: ConstraintSystem<Engine>>(&self, mut cs: CS) -> Result<Num, SynthesisError> {
        if self.as_var().is_some() {
            return Ok(self.clone());
        }
        let v = Num::alloc(cs.namespace(|| "var"), self.value)?;
        cs.enforce(|| "lc=var", |_| self.lc(), |lc| lc + CS::one(), |_| v.lc());
        Ok(v)
    }

    /// Enforce `self == other` (one constraint, always emitted so that a false equality between
    /// constants still makes the system unsatisfiable).
    pub fn enforce_equal<CS: ConstraintSystem<Engine>>(&self, mut cs: CS, other: &Num) {
        cs.enforce(|| "equal", |_| self.sub(other).lc(), |lc| lc + CS::one(), |lc| lc);
    }

    /// Expose `self` as a new public input equal to it (one constraint).
    pub fn inputize<CS: ConstraintSystem<Engine>>(&self, mut cs: CS) -> Result<Num, SynthesisError> {
        let input = Num::alloc_input(cs.namespace(|| "input"), self.value)?;
        self.enforce_equal(cs.namespace(|| "input equals value"), &input);
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};

    #[test]
    fn linear_ops_are_free_and_mul_costs_one() {
        let mut r = rng(1);
        let mut cs = TestConstraintSystem::new();
        let (a, b, k) = (random_fr(&mut r), random_fr(&mut r), random_fr(&mut r));
        let x = Num::alloc(cs.namespace(|| "x"), Some(a)).unwrap();
        let y = Num::alloc(cs.namespace(|| "y"), Some(b)).unwrap();
        // (x + k·y − y + 3) − x merges back to (k − 1)·y + 3: two terms.
        let lin = x.add_mul_const(&y, &k).sub(&y).add_constant(&Fr::one()).sub(&x);
        assert_eq!(lin.num_terms(), 2);
        assert_eq!(cs.num_constraints(), 0);
        let p = x.mul(cs.namespace(|| "xy"), &y).unwrap();
        let mut expect = a;
        expect.mul_assign(&b);
        assert_eq!(p.value(), Some(expect));
        assert_eq!(cs.num_constraints(), 1);
        // Multiplying by a constant is free.
        let _ = p.mul(cs.namespace(|| "by const"), &Num::constant(k)).unwrap();
        assert_eq!(cs.num_constraints(), 1);
        let two = Num::constant(Fr::one()).add(&Num::one());
        assert!(two.constant_value().is_some());
        let again = x.mul(cs.namespace(|| "again"), &y).unwrap();
        p.enforce_equal(cs.namespace(|| "p"), &again);
        assert!(cs.is_satisfied());
        assert_eq!(cs.num_constraints(), 3);

        cs.set("xy/product/num", random_fr(&mut r));
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("xy/a*b=product"));
    }

    #[test]
    fn false_equality_of_constants_is_unsatisfiable() {
        let mut cs = TestConstraintSystem::new();
        Num::one().enforce_equal(cs.namespace(|| "1=0"), &Num::zero());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("1=0/equal"));
    }

    #[test]
    fn inputize_adds_a_public_input() {
        let mut cs = TestConstraintSystem::new();
        let x = Num::alloc(cs.namespace(|| "x"), Some(Fr::one())).unwrap();
        x.add(&x).inputize(cs.namespace(|| "2x")).unwrap();
        assert_eq!(cs.public_inputs(), vec![Num::one().add(&Num::one()).value().unwrap()]);
        assert!(cs.is_satisfied());
        cs.set("2x/input/input", Fr::one());
        assert!(!cs.is_satisfied());
    }
}
