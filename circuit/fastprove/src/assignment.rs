//! The witness: bellman_ce's circuit synthesis into assignments and the A, B, C evaluations, with
//! the query densities exactly as bellman_ce's Groth16 prover tracks them (so the proving key's
//! filtered A and B queries line up with the variables they belong to).

use bellman_ce::pairing::bn256::{Bn256, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};

/// A circuit's witness as Groth16 proves it.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    /// ⟨A_j, z⟩ for each constraint j (bellman_ce's input constraints included).
    pub a: Vec<Fr>,
    /// ⟨B_j, z⟩.
    pub b: Vec<Fr>,
    /// ⟨C_j, z⟩.
    pub c: Vec<Fr>,
    /// Public inputs, the constant one first.
    pub input: Vec<Fr>,
    /// Private variables.
    pub aux: Vec<Fr>,
    /// Aux variables that appear in some A (the key has an A point only for those).
    pub a_aux_density: Vec<bool>,
    /// Inputs that appear in some B.
    pub b_input_density: Vec<bool>,
    /// Aux variables that appear in some B.
    pub b_aux_density: Vec<bool>,
}

impl Assignment {
    /// Synthesize `circuit` the way bellman_ce's prover does: the constant one as input 0, the
    /// circuit, then `input_i · 0 = 0` for every input (which puts every input in the A query).
    pub fn synthesize<C: Circuit<Bn256>>(circuit: C) -> Result<Assignment, SynthesisError> {
        let mut cs = Assignment::default();
        cs.alloc_input(|| "", || Ok(Fr::one()))?;
        circuit.synthesize(&mut cs)?;
        for i in 0..cs.input.len() {
            cs.enforce(|| "", |lc| lc + Variable::new_unchecked(Index::Input(i)), |lc| lc, |lc| lc);
        }
        Ok(cs)
    }

    fn eval(&mut self, lc: &LinearCombination<Bn256>, which: Query) -> Fr {
        let mut acc = Fr::zero();
        let one = Fr::one();
        for (var, coeff) in lc.as_ref() {
            let mut tmp = match var.get_unchecked() {
                Index::Input(i) => {
                    if which == Query::B {
                        self.b_input_density[i] = true;
                    }
                    self.input[i]
                }
                Index::Aux(i) => {
                    match which {
                        Query::A => self.a_aux_density[i] = true,
                        Query::B => self.b_aux_density[i] = true,
                        Query::C => {}
                    }
                    self.aux[i]
                }
            };
            // Most coefficients are one: skip the multiplication (as bellman_ce does).
            if *coeff != one {
                tmp.mul_assign(coeff);
            }
            acc.add_assign(&tmp);
        }
        acc
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Query {
    A,
    B,
    C,
}

impl ConstraintSystem<Bn256> for Assignment {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux.push(f()?);
        self.a_aux_density.push(false);
        self.b_aux_density.push(false);
        Ok(Variable::new_unchecked(Index::Aux(self.aux.len() - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.input.push(f()?);
        self.b_input_density.push(false);
        Ok(Variable::new_unchecked(Index::Input(self.input.len() - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
        LB: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
        LC: FnOnce(LinearCombination<Bn256>) -> LinearCombination<Bn256>,
    {
        let a = a(LinearCombination::zero());
        let b = b(LinearCombination::zero());
        let c = c(LinearCombination::zero());
        let va = self.eval(&a, Query::A);
        let vb = self.eval(&b, Query::B);
        let vc = self.eval(&c, Query::C);
        self.a.push(va);
        self.b.push(vb);
        self.c.push(vc);
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}
