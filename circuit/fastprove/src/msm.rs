//! Multi-scalar multiplication over one query of the proving key.
//!
//! Most witness values of our circuits are bits, so the scalars are split before the Pippenger MSM:
//! a 0 costs nothing, a 1 costs one mixed addition into a plain sum, and only the remaining scalars
//! go through arkworks' signed-digit bucket MSM (`VariableBaseMSM::msm_bigint`, parallel over
//! windows with rayon), whose window then fits the smaller count.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::VariableBaseMSM;
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

/// Why a key's query does not fit the witness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the proving key's {query} query has {have} points, the witness needs {need}")]
pub struct QueryLengthError {
    /// "A", "B (G1)", …
    pub query: &'static str,
    /// Points in the key.
    pub have: usize,
    /// Points the witness's density needs.
    pub need: usize,
}

/// The terms of one MSM after the density filter: bases whose scalar is one, and the rest.
pub struct Terms<B> {
    ones: Vec<B>,
    bases: Vec<B>,
    scalars: Vec<BigInt<4>>,
}

impl<B: Copy> Terms<B> {
    /// Empty.
    pub fn new() -> Self {
        Terms { ones: Vec::new(), bases: Vec::new(), scalars: Vec::new() }
    }

    /// Add `scalars[i]·bases[k]` for the `i` with `density[i]` (every `i` if `None`), `k` counting
    /// those `i` from `bases[0]`: bellman_ce's layout of the filtered A and B queries. Returns how
    /// many bases were used.
    pub fn push(&mut self, bases: &[B], density: Option<&[bool]>, scalars: &[Fr]) -> usize {
        let one = Fr::from(1u64);
        let mut k = 0;
        for (i, s) in scalars.iter().enumerate() {
            if density.is_some_and(|d| !d[i]) {
                continue;
            }
            let Some(base) = bases.get(k) else {
                // Counted by the caller's length check; never read past the key.
                k += 1;
                continue;
            };
            k += 1;
            // Compare in Montgomery form: no conversion for the common 0 and 1.
            if s.is_zero() {
                continue;
            } else if *s == one {
                self.ones.push(*base);
            } else {
                self.bases.push(*base);
                self.scalars.push(s.into_bigint());
            }
        }
        k
    }

    /// Σ scalar·base: the ones summed, the rest by [`crate::pippenger::msm`].
    pub fn msm<P>(&self) -> Projective<P>
    where
        P: SWCurveConfig,
        Terms<B>: AsAffine<P>,
    {
        self.ones_sum() + crate::pippenger::msm(self.as_affine(), &self.scalars)
    }

    /// The same sum with arkworks' `VariableBaseMSM` for the non-0/1 terms (the comparison of
    /// `zkpay bench prover`).
    pub fn msm_arkworks<P>(&self) -> Projective<P>
    where
        P: SWCurveConfig<ScalarField = Fr>,
        Terms<B>: AsAffine<P>,
    {
        self.ones_sum() + <Projective<P> as VariableBaseMSM>::msm_bigint(self.as_affine(), &self.scalars)
    }

    fn ones_sum<P>(&self) -> Projective<P>
    where
        P: SWCurveConfig,
        Terms<B>: AsAffine<P>,
    {
        let ones: &[Affine<P>] = self.ones_affine();
        ones.par_chunks(4096)
            .map(|chunk| chunk.iter().fold(Projective::<P>::zero(), |acc, b| acc + b))
            .reduce(Projective::<P>::zero, |a, b| a + b)
    }

    /// (scalars 1, other nonzero scalars).
    pub fn counts(&self) -> (usize, usize) {
        (self.ones.len(), self.scalars.len())
    }
}

/// Terms over the affine points of a short-Weierstrass curve (G1 or G2).
pub trait AsAffine<P: SWCurveConfig> {
    /// The bases of the non-0/1 terms.
    fn as_affine(&self) -> &[Affine<P>];
    /// The bases whose scalar is one.
    fn ones_affine(&self) -> &[Affine<P>];
}

impl<P: SWCurveConfig> AsAffine<P> for Terms<Affine<P>> {
    fn as_affine(&self) -> &[Affine<P>] {
        &self.bases
    }
    fn ones_affine(&self) -> &[Affine<P>] {
        &self.ones
    }
}

impl<B: Copy> Default for Terms<B> {
    fn default() -> Self {
        Self::new()
    }
}

/// A dense MSM (every scalar used, zeros and ones split off as above).
pub fn msm_dense<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    let mut t = Terms::new();
    t.push(bases, None, scalars);
    t.msm()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{fr_to_ark, g1_from_ark, g1_to_ark};
    use ark_bn254::G1Projective;
    use ark_ec::CurveGroup;
    use bellman_ce::pairing::bn256 as pc;
    use bellman_ce::pairing::ff::Field;
    use bellman_ce::pairing::{CurveAffine, CurveProjective};
    use rand04::{Rng, SeedableRng, XorShiftRng};

    /// Σ sᵢ·Pᵢ one term at a time in pairing_ce, against the split MSM, with zeros, ones and a
    /// density mask, at sizes on both sides of arkworks' window changes.
    #[test]
    fn split_msm_equals_the_naive_sum() {
        let mut rng = XorShiftRng::from_seed([1, 2, 3, 4]);
        for &n in &[1usize, 5, 40, 700, 5000] {
            let points: Vec<pc::G1Affine> =
                (0..n).map(|_| pc::G1::one().into_affine().mul(rng.gen::<pc::Fr>()).into_affine()).collect();
            let scalars: Vec<pc::Fr> = (0..n)
                .map(|i| match i % 4 {
                    0 => pc::Fr::zero(),
                    1 => pc::Fr::one(),
                    _ => rng.gen(),
                })
                .collect();
            let density: Vec<bool> = (0..n).map(|i| i % 3 != 2).collect();
            let mut expected = pc::G1::zero();
            let mut k = 0;
            for (i, s) in scalars.iter().enumerate() {
                if density[i] {
                    expected.add_assign(&points[k].mul(*s));
                    k += 1;
                }
            }
            let bases: Vec<_> = points.iter().map(g1_to_ark).collect();
            let ark_scalars: Vec<_> = scalars.iter().map(fr_to_ark).collect();
            let mut t = Terms::new();
            assert_eq!(t.push(&bases, Some(&density), &ark_scalars), k);
            let got: G1Projective = t.msm();
            assert_eq!(g1_from_ark(&got.into_affine()).unwrap(), expected.into_affine(), "n = {n}");
            let got: G1Projective = t.msm_arkworks();
            assert_eq!(g1_from_ark(&got.into_affine()).unwrap(), expected.into_affine(), "n = {n}");
        }
    }
}
