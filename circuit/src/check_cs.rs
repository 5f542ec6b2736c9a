//! A lean constraint system that checks every constraint as it is added and remembers the first
//! one that fails, with its full path. It keeps only the variables' values (no names, no matrices),
//! so a block circuit of a few hundred thousand constraints is checked in a fraction of the time
//! and memory [`crate::test_cs::TestConstraintSystem`] needs. Without values (`counting()`) it
//! counts constraints of a blank circuit instead, never calling the witness closures.
//!
//! The node uses it before proving (bellman's prover does not check satisfiability, it would
//! produce a proof that fails verification), and tests use it for satisfiability and for "the
//! first failing constraint is rule X" soundness checks.

use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};

/// See the module docs.
pub struct CheckingCs {
    evaluate: bool,
    inputs: Vec<Fr>,
    aux: Vec<Fr>,
    constraints: usize,
    namespace: Vec<String>,
    first_failure: Option<(usize, String)>,
}

impl CheckingCs {
    /// A system that evaluates every constraint.
    pub fn new() -> CheckingCs {
        CheckingCs {
            evaluate: true,
            inputs: vec![Fr::one()],
            aux: Vec::new(),
            constraints: 0,
            namespace: Vec::new(),
            first_failure: None,
        }
    }

    /// A system that only counts (for blank circuits).
    pub fn counting() -> CheckingCs {
        CheckingCs { evaluate: false, ..CheckingCs::new() }
    }

    /// Constraints added.
    pub fn num_constraints(&self) -> usize {
        self.constraints
    }

    /// Public inputs allocated (without the constant one).
    pub fn public_inputs(&self) -> &[Fr] {
        &self.inputs[1..]
    }

    /// The index and path of the first constraint that failed.
    pub fn first_failure(&self) -> Option<&(usize, String)> {
        self.first_failure.as_ref()
    }

    /// Whether every constraint held.
    pub fn is_satisfied(&self) -> bool {
        self.evaluate && self.first_failure.is_none()
    }

    fn eval(&self, lc: &LinearCombination<Engine>) -> Fr {
        let mut acc = Fr::zero();
        for (var, coeff) in lc.as_ref() {
            let mut v = match var.get_unchecked() {
                Index::Input(i) => self.inputs[i],
                Index::Aux(i) => self.aux[i],
            };
            v.mul_assign(coeff);
            acc.add_assign(&v);
        }
        acc
    }
}

impl Default for CheckingCs {
    fn default() -> Self {
        Self::new()
    }
}

impl ConstraintSystem<Engine> for CheckingCs {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let v = if self.evaluate { f()? } else { Fr::zero() };
        self.aux.push(v);
        Ok(Variable::new_unchecked(Index::Aux(self.aux.len() - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let v = if self.evaluate { f()? } else { Fr::zero() };
        self.inputs.push(v);
        Ok(Variable::new_unchecked(Index::Input(self.inputs.len() - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LB: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LC: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
    {
        self.constraints += 1;
        if !self.evaluate || self.first_failure.is_some() {
            return;
        }
        let mut lhs = self.eval(&a(LinearCombination::zero()));
        lhs.mul_assign(&self.eval(&b(LinearCombination::zero())));
        if lhs != self.eval(&c(LinearCombination::zero())) {
            let mut path = self.namespace.join("/");
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(&annotation().into());
            self.first_failure = Some((self.constraints - 1, path));
        }
    }

    fn push_namespace<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        self.namespace.push(name_fn().into());
    }

    fn pop_namespace(&mut self) {
        self.namespace.pop();
    }

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpay_core::field::fr_from_u64;

    #[test]
    fn reports_the_first_failing_constraint_with_its_path() {
        let mut cs = CheckingCs::new();
        let x = cs.alloc(|| "x", || Ok(fr_from_u64(3))).unwrap();
        let y = cs.alloc_input(|| "y", || Ok(fr_from_u64(9))).unwrap();
        {
            let mut ns = cs.namespace(|| "square");
            ns.enforce(|| "x*x=y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
            ns.enforce(|| "x*x=x", |lc| lc + x, |lc| lc + x, |lc| lc + x);
            ns.enforce(|| "x*1=y", |lc| lc + x, |lc| lc + CheckingCs::one(), |lc| lc + y);
        }
        assert!(!cs.is_satisfied());
        assert_eq!(cs.first_failure(), Some(&(1, "square/x*x=x".to_string())));
        assert_eq!(cs.num_constraints(), 3);
        assert_eq!(cs.public_inputs(), &[fr_from_u64(9)]);
    }

    #[test]
    fn counting_never_asks_for_values() {
        let mut cs = CheckingCs::counting();
        let x = cs.alloc(|| "x", || Err(SynthesisError::AssignmentMissing)).unwrap();
        cs.enforce(|| "x*x=x", |lc| lc + x, |lc| lc + x, |lc| lc + x);
        assert_eq!(cs.num_constraints(), 1);
        assert!(!cs.is_satisfied(), "a counting system proves nothing");
    }
}
