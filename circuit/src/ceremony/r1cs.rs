//! The circuit as the ceremony sees it: its R1CS matrices per variable, exactly as bellman's
//! Groth16 generator and prover arrange them, and a digest that binds a transcript to it.

use crate::{Engine, Fr};
use bellman_ce::pairing::ff::{Field, PrimeField, PrimeFieldRepr};
use bellman_ce::{Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use sha2::{Digest, Sha256};

/// The largest evaluation domain the ceremony accepts: 2^28 is the two-adicity of BN254's scalar
/// field, so no larger radix-2 domain exists.
pub const MAX_LOG_DOMAIN: u32 = 28;

/// One polynomial of the QAP: `(coefficient, constraint index)` pairs.
pub type Poly = Vec<(Fr, usize)>;

/// A circuit's constraint system with its QAP polynomials per variable.
pub struct R1cs {
    /// Public inputs including the constant ONE (bellman's input 0).
    pub num_inputs: usize,
    /// Private (auxiliary) variables.
    pub num_aux: usize,
    /// Constraints including the `input · 0 = 0` constraint bellman adds per input.
    pub num_constraints: usize,
    /// log2 of the evaluation domain: the smallest power of two ≥ `num_constraints`.
    pub log_domain: u32,
    /// A, B, C polynomials of the inputs.
    pub inputs: [Vec<Poly>; 3],
    /// A, B, C polynomials of the aux variables.
    pub aux: [Vec<Poly>; 3],
    /// sha256 over every constraint and the variable counts.
    pub digest: [u8; 32],
}

impl R1cs {
    /// The domain size N.
    pub fn domain(&self) -> usize {
        1 << self.log_domain
    }
}

struct Assembly {
    r: R1cs,
    hasher: Sha256,
}

fn hash_lc(hasher: &mut Sha256, lc: &LinearCombination<Engine>) {
    hasher.update((lc.as_ref().len() as u64).to_le_bytes());
    for (var, coeff) in lc.as_ref() {
        let (kind, i) = match var.get_unchecked() {
            Index::Input(i) => (0u8, i),
            Index::Aux(i) => (1u8, i),
        };
        hasher.update([kind]);
        hasher.update((i as u64).to_le_bytes());
        let mut bytes = Vec::with_capacity(32);
        coeff.into_repr().write_be(&mut bytes).expect("writing to a Vec");
        hasher.update(&bytes);
    }
}

impl ConstraintSystem<Engine> for Assembly {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        // Like key generation, the ceremony never asks for witness values.
        let index = self.r.num_aux;
        self.r.num_aux += 1;
        self.r.aux.iter_mut().for_each(|m| m.push(Vec::new()));
        Ok(Variable::new_unchecked(Index::Aux(index)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let index = self.r.num_inputs;
        self.r.num_inputs += 1;
        self.r.inputs.iter_mut().for_each(|m| m.push(Vec::new()));
        Ok(Variable::new_unchecked(Index::Input(index)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LB: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LC: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
    {
        let row = self.r.num_constraints;
        let lcs = [a(LinearCombination::zero()), b(LinearCombination::zero()), c(LinearCombination::zero())];
        for (m, lc) in lcs.iter().enumerate() {
            hash_lc(&mut self.hasher, lc);
            for (var, coeff) in lc.as_ref() {
                // Same bookkeeping as bellman's generator: every term, in order (a repeated
                // variable adds up in the evaluation).
                match var.get_unchecked() {
                    Index::Input(i) => self.r.inputs[m][i].push((*coeff, row)),
                    Index::Aux(i) => self.r.aux[m][i].push((*coeff, row)),
                }
            }
        }
        self.r.num_constraints += 1;
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

/// Synthesize `circuit` without a witness into its QAP, with bellman's extra ONE input and its
/// `input · 0 = 0` constraints (so the proving key's layout is the one bellman's prover expects).
pub fn synthesize<C: Circuit<Engine>>(circuit: C) -> Result<R1cs, SynthesisError> {
    let empty = || [Vec::new(), Vec::new(), Vec::new()];
    let r = R1cs {
        num_inputs: 0,
        num_aux: 0,
        num_constraints: 0,
        log_domain: 0,
        inputs: empty(),
        aux: empty(),
        digest: [0; 32],
    };
    let mut asm = Assembly { r, hasher: Sha256::new_with_prefix(b"zkpay ceremony r1cs v1\0") };
    asm.alloc_input(|| "one", || Ok(Fr::one()))?;
    circuit.synthesize(&mut asm)?;
    for i in 0..asm.r.num_inputs {
        asm.enforce(|| "", |lc| lc + Variable::new_unchecked(Index::Input(i)), |lc| lc, |lc| lc);
    }
    let Assembly { mut r, mut hasher } = asm;
    hasher.update((r.num_inputs as u64).to_le_bytes());
    hasher.update((r.num_aux as u64).to_le_bytes());
    hasher.update((r.num_constraints as u64).to_le_bytes());
    r.digest = hasher.finalize().into();
    let mut log = 0;
    while (1usize << log) < r.num_constraints {
        log += 1;
        if log > MAX_LOG_DOMAIN {
            return Err(SynthesisError::PolynomialDegreeTooLarge);
        }
    }
    // bellman's domain has at least two points (its ifft/coset code), and H has N - 1 elements.
    r.log_domain = log.max(1);
    Ok(r)
}

/// Whether `x` is one (most coefficients are: an addition instead of a scalar multiplication).
pub(crate) fn is_one(x: &Fr) -> bool {
    *x == Fr::one()
}
