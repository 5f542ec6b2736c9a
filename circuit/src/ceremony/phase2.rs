//! From the powers of tau to the circuit's Groth16 queries (the Lagrange basis and the QAP), and
//! phase 2: contributions to δ, which divide the L and H queries by their secret.

use super::phase1::Accumulator;
use super::pok::{
    random_combinations, read_g1, read_g1_vec, read_g2, same_ratio, to_affine_g1, to_affine_g2, write_g1, write_g2,
};
use super::r1cs::{is_one, Poly, R1cs};
use super::CeremonyError;
use crate::{Engine, Fr};
use bellman_ce::domain::{EvaluationDomain, Point};
use bellman_ce::pairing::bn256::{G1Affine, G2Affine};
use bellman_ce::pairing::ff::{Field, PrimeField};
use bellman_ce::pairing::{CurveAffine, CurveProjective};
use bellman_ce::worker::Worker;
use bellman_ce::SynthesisError;
use rayon::prelude::*;
use std::io::{self, Read, Write};

/// The circuit's Groth16 queries from a phase-1 accumulator, with γ = δ = 1 (the IC query is not
/// divided by γ: γ·G2 is the generator, as in BGM17's phase 2; δ comes from phase 2).
#[derive(Clone, Debug)]
pub struct Queries {
    /// `A_j(τ)·G1`, nonzero ones only (inputs first), as bellman's prover reads them.
    pub a: Vec<G1Affine>,
    /// `B_j(τ)·G1`, nonzero ones only.
    pub b_g1: Vec<G1Affine>,
    /// `B_j(τ)·G2`, nonzero ones only.
    pub b_g2: Vec<G2Affine>,
    /// `(β·A_j + α·B_j + C_j)(τ)·G1` of the inputs.
    pub ic: Vec<G1Affine>,
    /// The same for the aux variables, before dividing by δ.
    pub l: Vec<G1Affine>,
    /// `τ^i·t(τ)·G1`, i < N − 1, before dividing by δ.
    pub h: Vec<G1Affine>,
}

/// The Lagrange basis `L_k(τ)·G` of the domain from `τ^k·G`, by an inverse FFT in the group.
fn lagrange<G: CurveAffine<Scalar = Fr>>(
    powers: &[G],
    normalize: fn(Vec<G::Projective>) -> Vec<G>,
) -> Result<Vec<G>, SynthesisError>
where
    G::Projective: CurveProjective<Engine = Engine>,
{
    let coeffs = powers.iter().map(|p| Point(p.into_projective())).collect();
    let mut domain = EvaluationDomain::<Engine, Point<G::Projective>>::from_coeffs(coeffs)?;
    domain.ifft(&Worker::new());
    Ok(normalize(domain.into_coeffs().into_iter().map(|p| p.0).collect()))
}

/// `Σ c·basis[k]` over a QAP polynomial (mostly additions: most coefficients are one).
fn eval<G: CurveAffine<Scalar = Fr>>(poly: &Poly, basis: &[G]) -> G::Projective {
    let mut acc = G::Projective::zero();
    for (c, k) in poly {
        if is_one(c) {
            acc.add_assign_mixed(&basis[*k]);
        } else {
            acc.add_assign(&basis[*k].mul(c.into_repr()));
        }
    }
    acc
}

/// Evaluate the QAP at τ from the accumulator (deterministic: anyone recomputes it to verify).
pub fn queries(acc: &Accumulator, r1cs: &R1cs) -> Result<Queries, CeremonyError> {
    let n = r1cs.domain();
    let lt_g1 = lagrange(&acc.tau_g1[..n], to_affine_g1)?;
    let lt_g2 = lagrange(&acc.tau_g2, to_affine_g2)?;
    let la_g1 = lagrange(&acc.alpha_tau_g1, to_affine_g1)?;
    let lb_g1 = lagrange(&acc.beta_tau_g1, to_affine_g1)?;
    // Per variable: A, B in G1, B in G2, and β·A + α·B + C.
    let per_var = |m: &[Vec<Poly>; 3]| {
        (0..m[0].len())
            .into_par_iter()
            .map(|j| {
                let (a, b, c) = (&m[0][j], &m[1][j], &m[2][j]);
                let mut ext = eval(a, &lb_g1);
                ext.add_assign(&eval(b, &la_g1));
                ext.add_assign(&eval(c, &lt_g1));
                (eval(a, &lt_g1), eval(b, &lt_g1), eval(b, &lt_g2), ext)
            })
            .collect::<Vec<_>>()
    };
    let (inputs, aux) = (per_var(&r1cs.inputs), per_var(&r1cs.aux));
    let all = || inputs.iter().chain(aux.iter());
    // bellman's generator drops the points at infinity of A and B; its prover skips the same
    // variables through its density trackers.
    let a = to_affine_g1(all().map(|v| v.0).filter(|p| !p.is_zero()).collect());
    let b_g1 = to_affine_g1(all().map(|v| v.1).filter(|p| !p.is_zero()).collect());
    let b_g2 = to_affine_g2(all().map(|v| v.2).filter(|p| !p.is_zero()).collect());
    let ic = to_affine_g1(inputs.iter().map(|v| v.3).collect());
    let l = to_affine_g1(aux.iter().map(|v| v.3).collect());
    if l.iter().any(|p| p.is_zero()) {
        // Like bellman's generator: a variable in no constraint would make L not fully dense.
        return Err(CeremonyError::Synthesis(SynthesisError::UnconstrainedVariable));
    }
    let h = to_affine_g1(
        (0..n - 1)
            .into_par_iter()
            .map(|i| {
                let mut p = acc.tau_g1[i + n].into_projective();
                let mut neg = acc.tau_g1[i];
                neg.negate();
                p.add_assign_mixed(&neg);
                p
            })
            .collect(),
    );
    Ok(Queries { a, b_g1, b_g2, ic, l, h })
}

/// What phase 2 changes: δ and the queries divided by it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2State {
    /// `δ·G1`.
    pub delta_g1: G1Affine,
    /// `δ·G2`.
    pub delta_g2: G2Affine,
    /// The L query divided by δ.
    pub l: Vec<G1Affine>,
    /// The H query divided by δ.
    pub h: Vec<G1Affine>,
}

impl Phase2State {
    /// δ = 1.
    pub fn initial(q: &Queries) -> Phase2State {
        Phase2State { delta_g1: G1Affine::one(), delta_g2: G2Affine::one(), l: q.l.clone(), h: q.h.clone() }
    }

    /// Multiply δ by `d`, divide L and H by it.
    pub(crate) fn contribute(&mut self, d: &Fr) {
        let inv = d.inverse().expect("a contribution's secret is nonzero").into_repr();
        self.delta_g1 = self.delta_g1.mul(d.into_repr()).into_affine();
        self.delta_g2 = self.delta_g2.mul(d.into_repr()).into_affine();
        for v in [&mut self.l, &mut self.h] {
            *v = to_affine_g1(v.par_iter().map(|p| p.mul(inv)).collect());
        }
    }

    /// Check that this state is `q` with L and H divided by the δ of `delta_g1` (the last
    /// contribution's running product) and that δ·G2 matches it.
    pub(crate) fn check(&self, q: &Queries, delta_g1: &G1Affine) -> Result<(), String> {
        let g2 = G2Affine::one();
        if self.delta_g1 != *delta_g1 {
            return Err("δ·G1 is not the product its proof of knowledge states".into());
        }
        if !super::pok::in_g2_subgroup(&self.delta_g2) {
            return Err("δ·G2 is outside the prime-order subgroup".into());
        }
        if !same_ratio(&G1Affine::one(), &self.delta_g1, &g2, &self.delta_g2) {
            return Err("δ·G2 is not the δ of δ·G1".into());
        }
        for (what, before, after) in [("L", &q.l, &self.l), ("H", &q.h, &self.h)] {
            // Σρ·after·δ = Σρ·before, for fresh random ρ.
            let (a, b) = random_combinations(after, before);
            if !same_ratio(&a, &b, &g2, &self.delta_g2) {
                return Err(format!("the {what} query is not the circuit's divided by δ"));
            }
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        write_g1(w, &self.delta_g1)?;
        write_g2(w, &self.delta_g2)?;
        self.l.iter().try_for_each(|p| write_g1(w, p))?;
        self.h.iter().try_for_each(|p| write_g1(w, p))
    }

    pub(crate) fn read(r: &mut dyn Read, r1cs: &R1cs) -> Result<Phase2State, CeremonyError> {
        Ok(Phase2State {
            delta_g1: read_g1(r)?,
            delta_g2: read_g2(r)?,
            l: read_g1_vec(r, r1cs.num_aux)?,
            h: read_g1_vec(r, r1cs.domain() - 1)?,
        })
    }
}
