//! Kernels timed side by side in one process (for `zkpay bench prover`): the MSM of this crate
//! against arkworks' `VariableBaseMSM`, and the quotient FFTs against bellman_ce's domain.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

/// Milliseconds of one run of each implementation on the same input.
#[derive(Clone, Copy, Debug)]
pub struct Pair {
    /// The reference (arkworks for MSM, bellman_ce for FFT).
    pub reference_ms: f64,
    /// This crate's.
    pub ours_ms: f64,
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// `n` distinct points (consecutive multiples of a random point, normalized at once) and `n`
/// uniformly random scalars: the shape of the H query.
fn input<P: SWCurveConfig<ScalarField = Fr>>(n: usize, seed: u64) -> (Vec<Affine<P>>, Vec<ark_ff::BigInt<4>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let g = Projective::<P>::rand(&mut rng);
    let mut acc = g;
    let proj: Vec<Projective<P>> = (0..n)
        .map(|_| {
            acc += g;
            acc
        })
        .collect();
    let bases = Projective::normalize_batch(&proj);
    let scalars = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
    (bases, scalars)
}

/// An MSM of `n` random terms: arkworks' against [`crate::pippenger::msm`] (results compared).
pub fn msm<P: SWCurveConfig<ScalarField = Fr>>(n: usize) -> Result<Pair, String> {
    let (bases, scalars) = input::<P>(n, n as u64);
    let start = Instant::now();
    let reference = <Projective<P> as VariableBaseMSM>::msm_bigint(&bases, &scalars);
    let reference_ms = ms(start);
    let start = Instant::now();
    let ours = crate::pippenger::msm(&bases, &scalars);
    let ours_ms = ms(start);
    if reference != ours {
        return Err(format!("MSM of {n} terms: the results differ"));
    }
    Ok(Pair { reference_ms, ours_ms })
}

/// The quotient h of `n` random evaluations (n a power of two): bellman_ce's prover steps
/// against [`crate::h::quotient`] (results compared).
pub fn quotient(n: usize) -> Result<Pair, String> {
    use bellman_ce::domain::{EvaluationDomain, Scalar};
    use bellman_ce::pairing::bn256::{Bn256, Fr as PFr};
    use bellman_ce::worker::Worker;
    use rand04::{Rng, SeedableRng, XorShiftRng};
    let mut rng = XorShiftRng::from_seed([3, 1, 4, 1]);
    let abc: Vec<Vec<PFr>> = (0..3).map(|_| (0..n).map(|_| rng.gen()).collect()).collect();
    let ark = |v: &[PFr]| v.iter().map(crate::convert::fr_to_ark).collect::<Vec<_>>();
    let (a2, b2, c2) = (ark(&abc[0]), ark(&abc[1]), ark(&abc[2]));

    let worker = Worker::new();
    let start = Instant::now();
    let wrap =
        |v: &Vec<PFr>| EvaluationDomain::<Bn256, Scalar<Bn256>>::from_coeffs(v.iter().map(|x| Scalar(*x)).collect());
    let (mut a, mut b, mut c) = (
        wrap(&abc[0]).map_err(|e| e.to_string())?,
        wrap(&abc[1]).map_err(|e| e.to_string())?,
        wrap(&abc[2]).map_err(|e| e.to_string())?,
    );
    for d in [&mut a, &mut b, &mut c] {
        d.ifft(&worker);
        d.coset_fft(&worker);
    }
    a.mul_assign(&worker, &b);
    a.sub_assign(&worker, &c);
    a.divide_by_z_on_coset(&worker);
    a.icoset_fft(&worker);
    let mut reference: Vec<PFr> = a.into_coeffs().into_iter().map(|s| s.0).collect();
    reference.truncate(n - 1);
    let reference_ms = ms(start);

    let start = Instant::now();
    let ours = crate::h::quotient(a2, b2, c2).ok_or("no domain")?;
    let ours_ms = ms(start);
    if ours.iter().zip(&reference).any(|(x, y)| *x != crate::convert::fr_to_ark(y)) || ours.len() != reference.len() {
        return Err(format!("quotient of {n}: the results differ"));
    }
    Ok(Pair { reference_ms, ours_ms })
}

/// The medians of [`compare_provers`].
#[derive(Clone, Copy, Debug)]
pub struct ProverFigures {
    /// bellman_ce's `create_proof`, synthesis included.
    pub bellman_ms: f64,
    /// [`crate::create_proof`], synthesis included.
    pub fast_ms: f64,
    /// Of which synthesis.
    pub synthesis_ms: f64,
    /// Of which the quotient FFTs.
    pub fft_ms: f64,
    /// Of which the MSMs.
    pub msm_ms: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Prove `runs` times with each prover, alternating, from the same key, the same circuit
/// (`circuit()`) and the same fresh r, s for both; each proof verified under `input` and the two
/// compared (Groth16's proof is a function of key, witness, r and s, so they must be equal).
pub fn compare_provers<C: bellman_ce::Circuit<bellman_ce::pairing::bn256::Bn256>>(
    params: &bellman_ce::groth16::Parameters<bellman_ce::pairing::bn256::Bn256>,
    pk: &crate::ProvingKey,
    circuit: impl Fn() -> C,
    input: &[bellman_ce::pairing::bn256::Fr],
    runs: usize,
) -> Result<ProverFigures, String> {
    use bellman_ce::groth16::{create_proof, prepare_verifying_key, verify_proof};
    use rand04::Rng;
    let pvk = prepare_verifying_key(&params.vk);
    let mut rng = rand04::OsRng::new().map_err(|e| e.to_string())?;
    let mut t: [Vec<f64>; 5] = Default::default();
    for _ in 0..runs.max(1) {
        let (r, s) = (rng.gen(), rng.gen());
        let start = Instant::now();
        let reference = create_proof(circuit(), params, r, s).map_err(|e| e.to_string())?;
        t[0].push(ms(start));
        let start = Instant::now();
        let (proof, timings) = crate::create_proof(pk, circuit(), r, s).map_err(|e| e.to_string())?;
        t[1].push(ms(start));
        t[2].push(timings.synthesis.as_secs_f64() * 1e3);
        t[3].push(timings.fft.as_secs_f64() * 1e3);
        t[4].push(timings.msm.as_secs_f64() * 1e3);
        for (who, p) in [("bellman_ce", &reference), ("fast", &proof)] {
            if !verify_proof(&pvk, p, input).map_err(|e| e.to_string())? {
                return Err(format!("the {who} proof does not verify"));
            }
        }
        if proof != reference {
            return Err("the fast proof differs from bellman_ce's for the same r, s".into());
        }
    }
    let [b, f, s, x, m] = t.map(median);
    Ok(ProverFigures { bellman_ms: b, fast_ms: f, synthesis_ms: s, fft_ms: x, msm_ms: m })
}
