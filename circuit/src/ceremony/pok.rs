//! Proofs of knowledge of a contribution's secrets, pairing ratio checks, hashing to G2 and the
//! point encoding of transcripts.

use super::CeremonyError;
use crate::Fr;
use bellman_ce::pairing::bn256::{Bn256, G1Affine, G1Uncompressed, G2Affine, G2Uncompressed, G1, G2};
use bellman_ce::pairing::ff::{Field, PrimeField};
use bellman_ce::pairing::{CurveAffine, CurveProjective, EncodedPoint, Engine as _};
use rand04::{ChaChaRng, Rand, Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// `e(a1, b2) == e(b1, a2)`: `b1 = x·a1` and `b2 = x·a2` for the same unknown `x`.
pub(crate) fn same_ratio(a1: &G1Affine, b1: &G1Affine, a2: &G2Affine, b2: &G2Affine) -> bool {
    Bn256::pairing(*a1, *b2) == Bn256::pairing(*b1, *a2)
}

/// A ChaCha RNG keyed by sha256 of `parts`.
pub(crate) fn rng_from(parts: &[&[u8]]) -> ChaChaRng {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let words: Vec<u32> = digest.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    ChaChaRng::from_seed(&words[..])
}

/// A random nonzero scalar.
pub(crate) fn nonzero_scalar<R: Rng>(rng: &mut R) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

/// A G2 point nobody knows the discrete logarithm of, from a hash (pairing_ce's random G2 point:
/// a random x on the twist, its square root, then the cofactor cleared).
fn hash_to_g2(transcript: &[u8; 32], tag: &[u8], r_g1: &G1Affine, rs_g1: &G1Affine) -> G2Affine {
    let mut rng = rng_from(&[
        b"zkpay ceremony hash to G2 v1",
        transcript,
        tag,
        r_g1.into_uncompressed().as_ref(),
        rs_g1.into_uncompressed().as_ref(),
    ]);
    G2::rand(&mut rng).into_affine()
}

/// A contribution's public key for one secret `s`: the running product `after = s·before` and a
/// proof of knowledge of `s` bound to the transcript so far (`r·G1`, `r·s·G1`, `s·H` with
/// `H = hash_to_g2(transcript, tag, r·G1, r·s·G1)`; BGM17 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pok {
    /// `s·before`.
    pub after: G1Affine,
    /// `r·G1` for a fresh random `r`.
    pub r_g1: G1Affine,
    /// `r·s·G1`.
    pub rs_g1: G1Affine,
    /// `s·H`.
    pub s_h: G2Affine,
}

impl Pok {
    /// The public key of secret `s` applied to `before`, bound to `transcript` and `tag`.
    pub(crate) fn new<R: Rng>(rng: &mut R, s: &Fr, before: &G1Affine, transcript: &[u8; 32], tag: &[u8]) -> Pok {
        let r = nonzero_scalar(rng);
        let mut rs = r;
        rs.mul_assign(s);
        let r_g1 = G1Affine::one().mul(r.into_repr()).into_affine();
        let rs_g1 = G1Affine::one().mul(rs.into_repr()).into_affine();
        let h = hash_to_g2(transcript, tag, &r_g1, &rs_g1);
        Pok { after: before.mul(s.into_repr()).into_affine(), r_g1, rs_g1, s_h: h.mul(s.into_repr()).into_affine() }
    }

    /// Check the proof of knowledge and that `after = s·before` for the same `s`. Returns why not.
    pub(crate) fn check(&self, before: &G1Affine, transcript: &[u8; 32], tag: &[u8]) -> Result<(), String> {
        let h = hash_to_g2(transcript, tag, &self.r_g1, &self.rs_g1);
        if !in_g2_subgroup(&self.s_h) {
            return Err("its G2 point is outside the prime-order subgroup".into());
        }
        if !same_ratio(&self.r_g1, &self.rs_g1, &h, &self.s_h) {
            return Err("its proof of knowledge does not verify".into());
        }
        if !same_ratio(before, &self.after, &h, &self.s_h) {
            return Err("its new point is not the previous one times the secret it proved knowledge of".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        write_g1(w, &self.after)?;
        write_g1(w, &self.r_g1)?;
        write_g1(w, &self.rs_g1)?;
        write_g2(w, &self.s_h)
    }

    pub(crate) fn read(r: &mut dyn Read) -> Result<Pok, CeremonyError> {
        Ok(Pok { after: read_g1(r)?, r_g1: read_g1(r)?, rs_g1: read_g1(r)?, s_h: read_g2(r)? })
    }
}

/// Whether a G2 point (already on the curve) is in the prime-order subgroup: BN254's G2 has a
/// cofactor, and decoding only checks the curve equation.
pub(crate) fn in_g2_subgroup(p: &G2Affine) -> bool {
    p.mul(Fr::char()).is_zero()
}

pub(crate) fn write_g1(w: &mut dyn Write, p: &G1Affine) -> io::Result<()> {
    w.write_all(p.into_uncompressed().as_ref())
}

pub(crate) fn write_g2(w: &mut dyn Write, p: &G2Affine) -> io::Result<()> {
    w.write_all(p.into_uncompressed().as_ref())
}

/// A G1 point: on the curve (BN254's G1 has no cofactor) and not the identity, which no honest
/// ceremony element is.
pub(crate) fn read_g1(r: &mut dyn Read) -> Result<G1Affine, CeremonyError> {
    let mut e = G1Uncompressed::empty();
    r.read_exact(e.as_mut()).map_err(CeremonyError::read)?;
    let p = e.into_affine().map_err(|err| CeremonyError::Malformed(format!("a G1 point: {err}")))?;
    if p.is_zero() {
        return Err(CeremonyError::Malformed("a G1 point at infinity".into()));
    }
    Ok(p)
}

/// A G2 point on the curve and not the identity (the subgroup is checked by `verify`).
pub(crate) fn read_g2(r: &mut dyn Read) -> Result<G2Affine, CeremonyError> {
    let mut e = G2Uncompressed::empty();
    r.read_exact(e.as_mut()).map_err(CeremonyError::read)?;
    let p = e.into_affine().map_err(|err| CeremonyError::Malformed(format!("a G2 point: {err}")))?;
    if p.is_zero() {
        return Err(CeremonyError::Malformed("a G2 point at infinity".into()));
    }
    Ok(p)
}

pub(crate) fn read_g1_vec(r: &mut dyn Read, n: usize) -> Result<Vec<G1Affine>, CeremonyError> {
    (0..n).map(|_| read_g1(r)).collect()
}

pub(crate) fn read_g2_vec(r: &mut dyn Read, n: usize) -> Result<Vec<G2Affine>, CeremonyError> {
    (0..n).map(|_| read_g2(r)).collect()
}

/// G1 projective points to affine with one inversion per batch.
pub(crate) fn to_affine_g1(mut v: Vec<G1>) -> Vec<G1Affine> {
    G1::batch_normalization(&mut v);
    v.into_iter().map(|p| p.into_affine()).collect()
}

/// G2 projective points to affine with one inversion per batch.
pub(crate) fn to_affine_g2(mut v: Vec<G2>) -> Vec<G2Affine> {
    G2::batch_normalization(&mut v);
    v.into_iter().map(|p| p.into_affine()).collect()
}

/// `(Σ ρ_i·a_i, Σ ρ_i·b_i)` for fresh random 128-bit ρ_i (OS-seeded): if `b_i = x·a_i` fails for
/// any i, the two sums still have ratio x with probability at most 2^-128.
pub(crate) fn random_combinations<G: CurveAffine>(a: &[G], b: &[G]) -> (G, G) {
    assert_eq!(a.len(), b.len(), "paired vectors");
    let mut rng = rand04::thread_rng();
    let rho: Vec<u128> =
        (0..a.len()).map(|_| (u128::from(rng.gen::<u64>()) << 64) | u128::from(rng.gen::<u64>())).collect();
    (multiexp(a, &rho).into_affine(), multiexp(b, &rho).into_affine())
}

/// `Σ k_i·p_i` for 128-bit `k_i`: bucket (Pippenger) sums over chunks in parallel.
fn multiexp<G: CurveAffine>(points: &[G], scalars: &[u128]) -> G::Projective {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 12;
    points.par_chunks(CHUNK).zip(scalars.par_chunks(CHUNK)).map(|(p, k)| buckets(p, k)).reduce(
        G::Projective::zero,
        |mut a, b| {
            a.add_assign(&b);
            a
        },
    )
}

fn buckets<G: CurveAffine>(points: &[G], scalars: &[u128]) -> G::Projective {
    // A window of about ln(n) bits balances bucket additions against the final sums.
    let c = if points.len() < 32 { 3 } else { (points.len() as f64).ln().ceil() as usize };
    let mask = (1u128 << c) - 1;
    let mut acc = G::Projective::zero();
    for w in (0..128usize.div_ceil(c)).rev() {
        for _ in 0..c {
            acc.double();
        }
        let mut sums = vec![G::Projective::zero(); (1 << c) - 1];
        for (p, k) in points.iter().zip(scalars) {
            let digit = ((k >> (w * c)) & mask) as usize;
            if digit != 0 {
                sums[digit - 1].add_assign_mixed(p);
            }
        }
        // Σ digit·sum_digit as a running sum from the top digit down.
        let mut running = G::Projective::zero();
        for s in sums.iter().rev() {
            running.add_assign(s);
            acc.add_assign(&running);
        }
    }
    acc
}
