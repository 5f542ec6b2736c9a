//! Phase 1: powers of tau over BN254 for one domain size N. The accumulator holds
//! `τ^i·G1` (i < 2N−1), `τ^i·G2`, `α·τ^i·G1`, `β·τ^i·G1` (i < N) and `β·G2`; every contribution
//! multiplies τ, α and β by secrets of its own.

use super::pok::random_combinations;
use super::pok::{read_g1_vec, read_g2, read_g2_vec, same_ratio, to_affine_g1, to_affine_g2, write_g1, write_g2};
use super::CeremonyError;
use crate::Fr;
use bellman_ce::pairing::bn256::{G1Affine, G2Affine};
use bellman_ce::pairing::ff::{Field, PrimeField};
use bellman_ce::pairing::{CurveAffine, CurveProjective};
use rayon::prelude::*;
use std::io::{self, Read, Write};

/// The powers of tau (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accumulator {
    /// `τ^i·G1`, i < 2N − 1 (the H query needs `τ^(i+N)`).
    pub tau_g1: Vec<G1Affine>,
    /// `τ^i·G2`, i < N.
    pub tau_g2: Vec<G2Affine>,
    /// `α·τ^i·G1`, i < N.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `β·τ^i·G1`, i < N.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `β·G2`.
    pub beta_g2: G2Affine,
}

impl Accumulator {
    /// τ = α = β = 1: every element a generator.
    pub fn initial(n: usize) -> Accumulator {
        Accumulator {
            tau_g1: vec![G1Affine::one(); 2 * n - 1],
            tau_g2: vec![G2Affine::one(); n],
            alpha_tau_g1: vec![G1Affine::one(); n],
            beta_tau_g1: vec![G1Affine::one(); n],
            beta_g2: G2Affine::one(),
        }
    }

    pub(crate) fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        self.tau_g1.iter().try_for_each(|p| write_g1(w, p))?;
        self.tau_g2.iter().try_for_each(|p| write_g2(w, p))?;
        self.alpha_tau_g1.iter().try_for_each(|p| write_g1(w, p))?;
        self.beta_tau_g1.iter().try_for_each(|p| write_g1(w, p))?;
        write_g2(w, &self.beta_g2)
    }

    pub(crate) fn read(r: &mut dyn Read, n: usize) -> Result<Accumulator, CeremonyError> {
        Ok(Accumulator {
            tau_g1: read_g1_vec(r, 2 * n - 1)?,
            tau_g2: read_g2_vec(r, n)?,
            alpha_tau_g1: read_g1_vec(r, n)?,
            beta_tau_g1: read_g1_vec(r, n)?,
            beta_g2: read_g2(r)?,
        })
    }

    /// Multiply in the secrets: τ^i by `tau^i`, α by `alpha`, β by `beta`.
    pub(crate) fn contribute(&mut self, tau: &Fr, alpha: &Fr, beta: &Fr) {
        scale_powers(&mut self.tau_g1, Fr::one(), *tau, to_affine_g1);
        scale_powers(&mut self.tau_g2, Fr::one(), *tau, to_affine_g2);
        scale_powers(&mut self.alpha_tau_g1, *alpha, *tau, to_affine_g1);
        scale_powers(&mut self.beta_tau_g1, *beta, *tau, to_affine_g1);
        self.beta_g2 = self.beta_g2.mul(beta.into_repr()).into_affine();
    }

    /// Check that the accumulator is powers of one τ with one α and one β, that it starts at the
    /// generators, and that `τ·G1`, `α·G1`, `β·G1` are `key` (the last contribution's running
    /// products). Random linear combinations check all powers with a few pairings (a wrong power
    /// passes with probability 1/r).
    pub(crate) fn check(&self, key: [&G1Affine; 3]) -> Result<(), String> {
        let (g1, g2) = (G1Affine::one(), G2Affine::one());
        if self.tau_g1[0] != g1 || self.tau_g2[0] != g2 {
            return Err("τ^0 is not the generator".into());
        }
        if self.tau_g1.len() < 2 || self.tau_g2.len() < 2 {
            return Err("the domain is too small".into());
        }
        if self.tau_g1[1] != *key[0] || self.alpha_tau_g1[0] != *key[1] || self.beta_tau_g1[0] != *key[2] {
            return Err("τ·G1, α·G1 or β·G1 is not the product its proofs of knowledge state".into());
        }
        if !same_ratio(&g1, &self.tau_g1[1], &g2, &self.tau_g2[1]) {
            return Err("τ·G2 is not the τ of τ·G1".into());
        }
        if !same_ratio(&g1, &self.beta_tau_g1[0], &g2, &self.beta_g2) {
            return Err("β·G2 is not the β of β·G1".into());
        }
        if let Some(bad) =
            self.tau_g2.iter().chain(std::iter::once(&self.beta_g2)).position(|p| !super::pok::in_g2_subgroup(p))
        {
            return Err(format!("G2 point {bad} is outside the prime-order subgroup"));
        }
        let tau_g2 = self.tau_g2[1];
        for (what, v) in [("τ^i·G1", &self.tau_g1), ("α·τ^i·G1", &self.alpha_tau_g1), ("β·τ^i·G1", &self.beta_tau_g1)]
        {
            let (a, b) = consecutive_combinations(v).map_err(|e| e.to_string())?;
            if !same_ratio(&a, &b, &g2, &tau_g2) {
                return Err(format!("{what} are not consecutive powers of τ"));
            }
        }
        let (a, b) = consecutive_combinations(&self.tau_g2).map_err(|e| e.to_string())?;
        if !same_ratio(&g1, &self.tau_g1[1], &a, &b) {
            return Err("τ^i·G2 are not consecutive powers of τ".into());
        }
        Ok(())
    }
}

/// `(Σ ρ_i·v_i, Σ ρ_i·v_{i+1})` for fresh random ρ: the second is τ times the first iff (with
/// overwhelming probability) every `v_{i+1} = τ·v_i`.
fn consecutive_combinations<G: CurveAffine>(v: &[G]) -> Result<(G, G), String> {
    Ok(random_combinations(&v[..v.len() - 1], &v[1..]))
}

/// `points[i] *= first · step^i`, in parallel chunks.
fn scale_powers<G>(points: &mut [G], first: Fr, step: Fr, normalize: fn(Vec<G::Projective>) -> Vec<G>)
where
    G: CurveAffine<Scalar = Fr> + Send + Sync,
{
    const CHUNK: usize = 1024;
    points.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut x = step.pow([(c * CHUNK) as u64]);
        x.mul_assign(&first);
        let mut scaled = Vec::with_capacity(chunk.len());
        for p in chunk.iter() {
            scaled.push(p.mul(x.into_repr()));
            x.mul_assign(&step);
        }
        chunk.copy_from_slice(&normalize(scaled));
    });
}
