//! A constraint system that records everything and checks satisfiability, for tests.
//!
//! `bellman_ce` 0.8 ships no test constraint system (its `gadgets` module, with bellman's
//! `TestConstraintSystem`, is gone in this fork), so this is the project's own. It keeps every
//! variable's value and every constraint with its full namespaced annotation (`a/b/c`), so a test
//! can ask which constraint fails first, count constraints, and corrupt a named witness variable to
//! check that the constraints catch it. Names must be unique, as in bellman's original: a duplicate
//! path panics, which keeps annotations useful.

use crate::Fr;
use bellman_ce::pairing::bn256::Bn256;
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use std::collections::HashMap;

type Terms = Vec<(Variable, Fr)>;

/// A recording, satisfiability-checking constraint system over `Bn256`.
pub struct TestConstraintSystem {
    /// Public inputs with their names; index 0 is the constant ONE.
    inputs: Vec<(Fr, String)>,
    /// Private (auxiliary) variables with their names.
    aux: Vec<(Fr, String)>,
    /// `(a, b, c, name)` for each constraint `a · b = c`.
    constraints: Vec<(Terms, Terms, Terms, String)>,
    /// Full path of every variable, for `get` / `set`.
    var_by_path: HashMap<String, Variable>,
    /// Every path used so far (variables, constraints, namespaces), to reject duplicates.
    paths: HashMap<String, ()>,
    namespace: Vec<String>,
}

impl Default for TestConstraintSystem {
    fn default() -> Self {
        Self::new()
    }
}

fn eval(terms: &Terms, inputs: &[(Fr, String)], aux: &[(Fr, String)]) -> Fr {
    let mut acc = Fr::zero();
    for (var, coeff) in terms {
        let mut v = match var.get_unchecked() {
            Index::Input(i) => inputs[i].0,
            Index::Aux(i) => aux[i].0,
        };
        v.mul_assign(coeff);
        acc.add_assign(&v);
    }
    acc
}

impl TestConstraintSystem {
    /// An empty system holding only the ONE input.
    pub fn new() -> Self {
        let mut paths = HashMap::new();
        paths.insert("ONE".to_string(), ());
        let mut var_by_path = HashMap::new();
        var_by_path.insert("ONE".to_string(), Variable::new_unchecked(Index::Input(0)));
        TestConstraintSystem {
            inputs: vec![(Fr::one(), "ONE".into())],
            aux: Vec::new(),
            constraints: Vec::new(),
            var_by_path,
            paths,
            namespace: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> String {
        assert!(!name.contains('/'), "annotation {name:?} must not contain '/'");
        if self.namespace.is_empty() {
            name.to_string()
        } else {
            format!("{}/{}", self.namespace.join("/"), name)
        }
    }

    fn claim(&mut self, path: &str) {
        if self.paths.insert(path.to_string(), ()).is_some() {
            panic!("duplicate path in constraint system: {path}");
        }
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.constraints.len()
    }

    /// Number of public inputs, not counting the constant ONE.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len() - 1
    }

    /// Number of private variables.
    pub fn num_aux(&self) -> usize {
        self.aux.len()
    }

    /// Values of the public inputs, in allocation order, without the constant ONE.
    pub fn public_inputs(&self) -> Vec<Fr> {
        self.inputs[1..].iter().map(|(v, _)| *v).collect()
    }

    /// The annotated path of the first constraint that does not hold, if any.
    pub fn which_is_unsatisfied(&self) -> Option<String> {
        for (a, b, c, name) in &self.constraints {
            let mut lhs = eval(a, &self.inputs, &self.aux);
            lhs.mul_assign(&eval(b, &self.inputs, &self.aux));
            if lhs != eval(c, &self.inputs, &self.aux) {
                return Some(name.clone());
            }
        }
        None
    }

    /// Whether every constraint holds.
    pub fn is_satisfied(&self) -> bool {
        self.which_is_unsatisfied().is_none()
    }

    /// The value of the variable at `path`.
    pub fn get(&self, path: &str) -> Fr {
        match self.var_by_path.get(path).map(|v| v.get_unchecked()) {
            Some(Index::Input(i)) => self.inputs[i].0,
            Some(Index::Aux(i)) => self.aux[i].0,
            None => panic!("no variable at path {path}"),
        }
    }

    /// Overwrite the value of the variable at `path` (to corrupt a witness in a negative test).
    pub fn set(&mut self, path: &str, value: Fr) {
        match self.var_by_path.get(path).map(|v| v.get_unchecked()) {
            Some(Index::Input(i)) => self.inputs[i].0 = value,
            Some(Index::Aux(i)) => self.aux[i].0 = value,
            None => panic!("no variable at path {path}"),
        }
    }

    /// Paths of all private variables whose path starts with `prefix`, in allocation order.
    pub fn aux_paths(&self, prefix: &str) -> Vec<String> {
        self.aux.iter().filter(|(_, p)| p.starts_with(prefix)).map(|(_, p)| p.clone()).collect()
    }
}

impl ConstraintSystem<Bn256> for TestConstraintSystem {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let path = self.path(&annotation().into());
        self.claim(&path);
        let var = Variable::new_unchecked(Index::Aux(self.aux.len()));
        self.aux.push((f()?, path.clone()));
        self.var_by_path.insert(path, var);
        Ok(var)
    }

    fn alloc_input<F, A, AR>(&mut self, annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let path = self.path(&annotation().into());
        self.claim(&path);
        let var = Variable::new_unchecked(Index::Input(self.inputs.len()));
        self.inputs.push((f()?, path.clone()));
        self.var_by_path.insert(path, var);
        Ok(var)
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
        LB: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
        LC: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
    {
        let path = self.path(&annotation().into());
        self.claim(&path);
        let terms = |lc: LinearCombination<Bn256>| lc.as_ref().to_vec();
        let a = terms(a(LinearCombination::zero()));
        let b = terms(b(LinearCombination::zero()));
        let c = terms(c(LinearCombination::zero()));
        self.constraints.push((a, b, c, path));
    }

    fn push_namespace<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        let name = name_fn().into();
        let path = self.path(&name);
        self.claim(&path);
        self.namespace.push(name);
    }

    fn pop_namespace(&mut self) {
        assert!(self.namespace.pop().is_some(), "pop_namespace without a namespace");
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
    fn records_checks_and_reports_the_failing_constraint() {
        let mut cs = TestConstraintSystem::new();
        let x = cs.alloc(|| "x", || Ok(fr_from_u64(3))).unwrap();
        let y = cs.alloc_input(|| "y", || Ok(fr_from_u64(9))).unwrap();
        {
            let mut ns = cs.namespace(|| "square");
            ns.enforce(|| "x*x=y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
        }
        assert!(cs.is_satisfied());
        assert_eq!(cs.num_constraints(), 1);
        assert_eq!(cs.num_inputs(), 1);
        assert_eq!(cs.public_inputs(), vec![fr_from_u64(9)]);
        assert_eq!(cs.get("x"), fr_from_u64(3));
        cs.set("x", fr_from_u64(4));
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("square/x*x=y"));
    }

    #[test]
    #[should_panic(expected = "duplicate path")]
    fn duplicate_names_are_rejected() {
        let mut cs = TestConstraintSystem::new();
        cs.alloc(|| "x", || Ok(Fr::one())).unwrap();
        cs.alloc(|| "x", || Ok(Fr::one())).unwrap();
    }
}
