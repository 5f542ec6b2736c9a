//! A bucket (Pippenger) MSM with signed digits and batch-affine bucket additions.
//!
//! arkworks' MSM adds each point into a bucket kept in Jacobian coordinates (a mixed addition,
//! about 7 multiplications and 4 squarings). Here the buckets stay affine and the additions of a
//! window are made in batches of distinct buckets: each affine addition needs one inversion, and
//! Montgomery's trick turns a batch's inversions into one inversion and three multiplications per
//! element, so an addition costs about 5 multiplications and 1 squaring. A batch never holds the
//! same bucket twice: a second point for a bucket already in the batch goes into that bucket's
//! Jacobian overflow sum instead (rare in a full window; the rule in the top window, whose few
//! buckets would otherwise serialize the batches).
//!
//! Digits are signed (|d| ≤ 2^(c−1), a negative digit adds −P, free in affine), so a window needs
//! 2^(c−1) buckets; windows run in parallel (rayon), each with its own buckets.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AdditiveGroup;
use ark_ff::{BigInt, Field, Zero};
use rayon::prelude::*;

/// Points added per batch (one field inversion each batch).
const BATCH: usize = 1024;

/// The window width for `n` terms (measured on the block_8 sizes: see docs/benchmarks.md).
pub fn window_bits(n: usize) -> usize {
    match n {
        0..=31 => 3,
        32..=1023 => 6,
        1024..=16383 => 9,
        16384..=131071 => 12,
        131072..=524287 => 14,
        _ => 15,
    }
}

/// The signed base-2^c digits of each scalar, window-major (`digits[w·n + i]`): scalar i is
/// Σ_w digits[w·n + i]·2^(w·c), every digit in [−2^(c−1), 2^(c−1)]. `windows` = ⌈255 / c⌉ leaves the
/// top window at most c − 1 bits of a 254-bit scalar, so its digit (with the carry) fits too.
fn signed_digits(scalars: &[BigInt<4>], c: usize, windows: usize) -> Vec<i32> {
    let n = scalars.len();
    let mut digits = vec![0i32; n * windows];
    let radix = 1u64 << c;
    let mask = radix - 1;
    // Window-major output, scalar-major computation: each thread fills one stripe of scalars.
    let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 4).max(1);
    let ptr = SyncPtr(digits.as_mut_ptr());
    scalars.par_chunks(chunk).enumerate().for_each(|(k, part)| {
        let ptr = &ptr;
        for (j, s) in part.iter().enumerate() {
            let i = k * chunk + j;
            let mut carry = 0u64;
            for w in 0..windows {
                let bit = w * c;
                let (limb, off) = (bit / 64, bit % 64);
                let mut buf = if limb < 4 { s.0[limb] >> off } else { 0 };
                if off + c > 64 && limb + 1 < 4 {
                    buf |= s.0[limb + 1] << (64 - off);
                }
                let coef = carry + (buf & mask);
                carry = (coef + radix / 2) >> c;
                let mut d = coef as i64 - (carry << c) as i64;
                if w == windows - 1 {
                    d += (carry << c) as i64;
                }
                // SAFETY: index w·n + i is written by this scalar's iteration only, and is in
                // bounds (w < windows, i < n); the vector outlives the parallel loop.
                unsafe { *ptr.0.add(w * n + i) = d as i32 };
            }
        }
    });
    digits
}

struct SyncPtr(*mut i32);
// SAFETY: the threads write disjoint indices (see `signed_digits`).
unsafe impl Sync for SyncPtr {}

/// Σ scalars[i]·bases[i] (scalars in standard, not Montgomery, form).
pub fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Projective::zero();
    }
    let c = window_bits(n);
    let windows = 255usize.div_ceil(c);
    let digits = signed_digits(&scalars[..n], c, windows);
    let sums: Vec<Projective<P>> =
        (0..windows).into_par_iter().map(|w| window_sum(&bases[..n], &digits[w * n..(w + 1) * n], c)).collect();
    // Horner from the top window down.
    let mut acc = Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += s;
    }
    acc
}

/// Σ_b b·bucket_b for one window: the buckets filled by batch-affine additions, then the running
/// sum from the top bucket down.
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], digits: &[i32], c: usize) -> Projective<P> {
    let nb = 1usize << (c - 1);
    let mut acc = BucketAccumulator::<P>::new(nb);
    for (p, &d) in bases.iter().zip(digits) {
        if d > 0 {
            acc.add(d as usize - 1, *p);
        } else if d < 0 {
            acc.add((-d) as usize - 1, -*p);
        }
    }
    let mut running = Projective::<P>::zero();
    let mut sum = Projective::<P>::zero();
    for b in acc.finish().rev() {
        running += b;
        sum += running;
    }
    sum
}

/// Affine buckets with pending additions batched for one inversion.
struct BucketAccumulator<P: SWCurveConfig> {
    buckets: Vec<Affine<P>>,
    in_batch: Vec<bool>,
    batch: Vec<(u32, Affine<P>)>,
    overflow: Vec<Projective<P>>,
    scratch: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> BucketAccumulator<P> {
    fn new(nb: usize) -> Self {
        BucketAccumulator {
            buckets: vec![Affine::identity(); nb],
            in_batch: vec![false; nb],
            batch: Vec::with_capacity(BATCH),
            overflow: vec![Projective::zero(); nb],
            scratch: Vec::with_capacity(BATCH),
        }
    }

    fn add(&mut self, b: usize, p: Affine<P>) {
        if self.in_batch[b] {
            self.overflow[b] += p;
        } else if self.buckets[b].infinity {
            // An empty bucket takes the point as it is: no arithmetic.
            self.buckets[b] = p;
        } else {
            self.in_batch[b] = true;
            self.batch.push((b as u32, p));
            if self.batch.len() == BATCH {
                self.flush();
            }
        }
    }

    /// Apply the batch: bucket := bucket + point for every pending pair, with one inversion.
    fn flush(&mut self) {
        // Denominators x₂ − x₁, or 2y for a doubling; prefix products for Montgomery's trick.
        self.scratch.clear();
        let mut prod = P::BaseField::ONE;
        for (b, p) in &self.batch {
            let q = &self.buckets[*b as usize];
            let mut d = p.x - q.x;
            if d.is_zero() {
                // Same x: a doubling if the same point, else P + (−P) = O (denominator 1, unused).
                d = if p.y == q.y && !p.y.is_zero() { p.y.double() } else { P::BaseField::ONE };
            }
            self.scratch.push(prod);
            prod *= d;
        }
        // prod ≠ 0: every denominator is nonzero.
        let mut inv = prod.inverse().unwrap_or(P::BaseField::ZERO);
        for (k, (b, p)) in self.batch.iter().enumerate().rev() {
            let q = self.buckets[*b as usize];
            let same_x = p.x == q.x;
            let d = if !same_x {
                p.x - q.x
            } else if p.y == q.y && !p.y.is_zero() {
                p.y.double()
            } else {
                P::BaseField::ONE
            };
            let d_inv = inv * self.scratch[k];
            inv *= d;
            let r = if same_x {
                if p.y == q.y && !p.y.is_zero() {
                    // λ = (3x² + a) / 2y.
                    let x2 = p.x.square();
                    let lambda = (x2.double() + x2 + P::COEFF_A) * d_inv;
                    let x3 = lambda.square() - p.x.double();
                    Affine::new_unchecked(x3, lambda * (p.x - x3) - p.y)
                } else {
                    Affine::identity()
                }
            } else {
                let lambda = (p.y - q.y) * d_inv;
                let x3 = lambda.square() - q.x - p.x;
                Affine::new_unchecked(x3, lambda * (q.x - x3) - q.y)
            };
            self.buckets[*b as usize] = r;
            self.in_batch[*b as usize] = false;
        }
        self.batch.clear();
    }

    /// Apply everything pending; the buckets' values (affine part plus overflow).
    fn finish(&mut self) -> impl DoubleEndedIterator<Item = Projective<P>> + '_ {
        self.flush();
        self.buckets.iter().zip(&self.overflow).map(|(a, o)| *o + a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{PrimeField, UniformRand};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    fn check<P: SWCurveConfig<ScalarField = Fr>>(n: usize, rng: &mut StdRng)
    where
        Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr>,
    {
        let g = Projective::<P>::rand(rng);
        // Repeated points and opposite points exercise the doubling and cancellation branches.
        let mut bases: Vec<Affine<P>> = (0..n).map(|i| (g * Fr::from((i % 97 + 1) as u64)).into_affine()).collect();
        if n > 3 {
            bases[1] = -bases[0];
            bases[2] = bases[0];
        }
        let scalars: Vec<BigInt<4>> = (0..n)
            .map(|i| match i % 5 {
                0 => Fr::from(0u64),
                1 => Fr::from(1u64),
                2 => -Fr::from(1u64),
                _ => Fr::rand(rng),
            })
            .map(|s| s.into_bigint())
            .collect();
        let expected = <Projective<P> as VariableBaseMSM>::msm_bigint(&bases, &scalars);
        assert_eq!(msm(&bases, &scalars).into_affine(), expected.into_affine(), "n = {n}");
    }

    #[test]
    fn equals_arkworks_msm_in_g1_and_g2() {
        let mut rng = StdRng::seed_from_u64(5);
        for n in [0usize, 1, 2, 7, 100, 3000, 20_000] {
            check::<ark_bn254::g1::Config>(n, &mut rng);
        }
        for n in [1usize, 50, 2000] {
            check::<ark_bn254::g2::Config>(n, &mut rng);
        }
        let _ = (G1Affine::identity(), G2Affine::identity(), G1Projective::zero(), G2Projective::zero());
    }

    #[test]
    fn digits_recompose_every_scalar() {
        let mut rng = StdRng::seed_from_u64(6);
        let scalars: Vec<BigInt<4>> =
            (0..200).map(|_| Fr::rand(&mut rng).into_bigint()).chain([(-Fr::from(1u64)).into_bigint()]).collect();
        for c in [3usize, 9, 12, 14, 15, 16, 17] {
            let windows = 255usize.div_ceil(c);
            let d = signed_digits(&scalars, c, windows);
            for (i, s) in scalars.iter().enumerate() {
                let mut acc = Fr::from(0u64);
                for w in (0..windows).rev() {
                    let digit = d[w * scalars.len() + i];
                    assert!(digit.unsigned_abs() as usize <= 1 << (c - 1), "c = {c}");
                    acc = acc * Fr::from(1u64 << c)
                        + Fr::from(digit.unsigned_abs() as u64)
                            * if digit < 0 { -Fr::from(1u64) } else { Fr::from(1u64) };
                }
                assert_eq!(acc.into_bigint(), *s, "c = {c}");
            }
        }
    }
}
