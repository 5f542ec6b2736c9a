//! Groth16 proving with a bellman_ce proving key, giving a bellman_ce proof.

use crate::assignment::Assignment;
use crate::convert::{fr_to_ark, g1_from_ark, g1_to_ark, g2_from_ark, g2_to_ark, ConversionError};
use crate::msm::{QueryLengthError, Terms};
use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use bellman_ce::groth16::{Parameters, Proof, VerifyingKey};
use bellman_ce::pairing::bn256::{Bn256, Fr};
use bellman_ce::{Circuit, SynthesisError};
use rayon::prelude::*;
use std::time::{Duration, Instant};

/// Why a proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FastProveError {
    /// The circuit failed to synthesize (a missing witness value, …).
    #[error("cannot prove: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The proving key does not fit the circuit.
    #[error("the proving key does not fit the circuit: {0}")]
    Query(#[from] QueryLengthError),
    /// The key's public input count differs from the circuit's.
    #[error("the proving key takes {key} public inputs (with the constant one), the circuit has {circuit}")]
    Inputs {
        /// In the key's vk.
        key: usize,
        /// In the circuit.
        circuit: usize,
    },
    /// The key's H query is not the circuit's domain size − 1.
    #[error("the proving key's H query has {have} points, the circuit's domain needs {need}")]
    Domain {
        /// Points in the key.
        have: usize,
        /// n − 1.
        need: usize,
    },
    /// δ is the identity: a subverted key (bellman_ce refuses it too).
    #[error("the proving key's delta is the identity")]
    IdentityDelta,
    /// A result could not be converted back (never for values arkworks computed).
    #[error(transparent)]
    Conversion(#[from] ConversionError),
}

/// A bellman_ce proving key converted once into arkworks' points, to prove many times.
pub struct ProvingKey {
    vk: VerifyingKey<Bn256>,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
    a: Vec<G1Affine>,
    b_g1: Vec<G1Affine>,
    b_g2: Vec<G2Affine>,
    h: Vec<G1Affine>,
    l: Vec<G1Affine>,
}

impl ProvingKey {
    /// Convert `params` (limb copies, in parallel).
    pub fn from_params(params: &Parameters<Bn256>) -> ProvingKey {
        let g1s = |v: &[bellman_ce::pairing::bn256::G1Affine]| v.par_iter().map(g1_to_ark).collect::<Vec<_>>();
        let vk = &params.vk;
        ProvingKey {
            vk: vk.clone(),
            alpha_g1: g1_to_ark(&vk.alpha_g1),
            beta_g1: g1_to_ark(&vk.beta_g1),
            beta_g2: g2_to_ark(&vk.beta_g2),
            delta_g1: g1_to_ark(&vk.delta_g1),
            delta_g2: g2_to_ark(&vk.delta_g2),
            a: g1s(&params.a),
            b_g1: g1s(&params.b_g1),
            b_g2: params.b_g2.par_iter().map(g2_to_ark).collect(),
            h: g1s(&params.h),
            l: g1s(&params.l),
        }
    }

    /// The verification key the proofs verify under.
    pub fn vk(&self) -> &VerifyingKey<Bn256> {
        &self.vk
    }
}

/// Where one proof's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Circuit synthesis into the assignment and the A, B, C evaluations.
    pub synthesis: Duration,
    /// The quotient h by FFTs.
    pub fft: Duration,
    /// The MSMs (A, B in G1 and G2, H, L).
    pub msm: Duration,
    /// Each MSM: its terms and time.
    pub queries: [QueryTiming; 5],
}

/// One query's MSM in a proof.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueryTiming {
    /// "A", "B (G1)", "B (G2)", "L" or "H".
    pub query: &'static str,
    /// Terms whose scalar is one (plain additions).
    pub ones: usize,
    /// Other nonzero terms (through the bucket MSM).
    pub others: usize,
    /// Its time.
    pub time: Duration,
}

/// Prove `circuit` with fresh randomness r, s drawn from `rng` as bellman_ce's
/// `create_random_proof` draws them.
pub fn create_random_proof<C: Circuit<Bn256>, R: rand04::Rng>(
    pk: &ProvingKey,
    circuit: C,
    rng: &mut R,
) -> Result<Proof<Bn256>, FastProveError> {
    let r: Fr = rng.gen();
    let s: Fr = rng.gen();
    Ok(create_proof(pk, circuit, r, s)?.0)
}

/// Prove `circuit` with the blinding factors `r`, `s`: the proof bellman_ce's `create_proof` gives
/// for the same key, witness, r and s (the same points: Groth16's proof is a function of them).
pub fn create_proof<C: Circuit<Bn256>>(
    pk: &ProvingKey,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<(Proof<Bn256>, Timings), FastProveError> {
    let start = Instant::now();
    let w = Assignment::synthesize(circuit)?;
    let synthesis = start.elapsed();
    let (proof, mut timings) = prove_assignment(pk, w, r, s)?;
    timings.synthesis = synthesis;
    Ok((proof, timings))
}

/// The proof of a synthesized witness (see [`create_proof`]).
pub fn prove_assignment(
    pk: &ProvingKey,
    w: Assignment,
    r: Fr,
    s: Fr,
) -> Result<(Proof<Bn256>, Timings), FastProveError> {
    if w.input.len() != pk.vk.ic.len() {
        return Err(FastProveError::Inputs { key: pk.vk.ic.len(), circuit: w.input.len() });
    }
    if pk.delta_g1.is_zero() || pk.delta_g2.is_zero() {
        return Err(FastProveError::IdentityDelta);
    }
    let n = crate::h::domain_size(w.a.len());
    if pk.h.len() != n - 1 {
        return Err(FastProveError::Domain { have: pk.h.len(), need: n - 1 });
    }
    if pk.l.len() != w.aux.len() {
        return Err(QueryLengthError { query: "L", have: pk.l.len(), need: w.aux.len() }.into());
    }
    let to_ark = |v: &[Fr]| v.par_iter().map(fr_to_ark).collect::<Vec<_>>();
    let (input, aux) = (to_ark(&w.input), to_ark(&w.aux));

    let start = Instant::now();
    let h = crate::h::quotient(to_ark(&w.a), to_ark(&w.b), to_ark(&w.c))
        .ok_or(FastProveError::Domain { have: pk.h.len(), need: n - 1 })?;
    let fft = start.elapsed();

    let start = Instant::now();
    // Gather each query's terms in the key's layout (see bellman_ce's `ParameterSource`): A has
    // every input then the aux variables with A density; B (G1 and G2) the inputs with B density
    // then the aux variables with B density; L every aux variable; H the n − 1 coefficients.
    let check = |query, have: usize, need: usize| {
        if have == need {
            Ok(())
        } else {
            Err(QueryLengthError { query, have, need })
        }
    };
    let ni = input.len();
    let mut ta = Terms::new();
    let used = ta.push(&pk.a, None, &input);
    let used = used + ta.push(pk.a.get(ni..).unwrap_or(&[]), Some(&w.a_aux_density), &aux);
    check("A", pk.a.len(), used)?;
    let b_inputs = w.b_input_density.iter().filter(|d| **d).count();
    let gather_b = |bases_g1: bool| -> Result<(Terms<G1Affine>, Terms<G2Affine>), QueryLengthError> {
        let (mut t1, mut t2) = (Terms::new(), Terms::new());
        if bases_g1 {
            let used = t1.push(&pk.b_g1, Some(&w.b_input_density), &input)
                + t1.push(pk.b_g1.get(b_inputs..).unwrap_or(&[]), Some(&w.b_aux_density), &aux);
            check("B (G1)", pk.b_g1.len(), used)?;
        } else {
            let used = t2.push(&pk.b_g2, Some(&w.b_input_density), &input)
                + t2.push(pk.b_g2.get(b_inputs..).unwrap_or(&[]), Some(&w.b_aux_density), &aux);
            check("B (G2)", pk.b_g2.len(), used)?;
        }
        Ok((t1, t2))
    };
    let (tb1, _) = gather_b(true)?;
    let (_, tb2) = gather_b(false)?;
    let mut tl = Terms::new();
    tl.push(&pk.l, None, &aux);
    let mut th = Terms::new();
    th.push(&pk.h, None, &h);
    drop(h);

    // One MSM after another, each parallel inside (on 2 cores, running them side by side only
    // adds contention).
    let mut queries = [QueryTiming::default(); 5];
    let mut timed = |k: usize, query: &'static str, counts: (usize, usize), t: Instant| {
        queries[k] = QueryTiming { query, ones: counts.0, others: counts.1, time: t.elapsed() };
    };
    let t = Instant::now();
    let a_sum: G1Projective = ta.msm();
    timed(0, "A", ta.counts(), t);
    let t = Instant::now();
    let b1_sum: G1Projective = tb1.msm();
    timed(1, "B (G1)", tb1.counts(), t);
    let t = Instant::now();
    let b2_sum: G2Projective = tb2.msm();
    timed(2, "B (G2)", tb2.counts(), t);
    let t = Instant::now();
    let l_sum: G1Projective = tl.msm();
    timed(3, "L", tl.counts(), t);
    let t = Instant::now();
    let h_sum: G1Projective = th.msm();
    timed(4, "H", th.counts(), t);
    let msm = start.elapsed();

    let (r, s) = (fr_to_ark(&r), fr_to_ark(&s));
    let g_a = pk.delta_g1 * r + pk.alpha_g1 + a_sum;
    let g_b = pk.delta_g2 * s + pk.beta_g2 + b2_sum;
    let g_c = pk.delta_g1 * (r * s) + pk.alpha_g1 * s + pk.beta_g1 * r + a_sum * s + b1_sum * r + h_sum + l_sum;
    let proof = Proof {
        a: g1_from_ark(&g_a.into_affine())?,
        b: g2_from_ark(&g_b.into_affine())?,
        c: g1_from_ark(&g_c.into_affine())?,
    };
    Ok((proof, Timings { synthesis: Duration::ZERO, fft, msm, queries }))
}
