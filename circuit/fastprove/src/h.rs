//! The quotient h(x) = (A(x)·B(x) − C(x)) / Z(x) from the evaluations of A, B and C over the
//! domain, by FFTs over BN254's scalar field (arkworks' radix-2 domain, parallel with rayon).
//!
//! The interpolated A, B, C have degree < n, so A·B − C has degree ≤ 2n − 2 and is evaluated on a
//! coset g·⟨ω⟩ where Z(x) = xⁿ − 1 is the constant gⁿ − 1; the quotient, of degree ≤ n − 2, comes
//! back from the coset by one inverse FFT. It is unique, so any coset gives bellman_ce's h.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// The domain size for `m` constraints: the next power of two (bellman_ce's `from_coeffs`).
pub fn domain_size(m: usize) -> usize {
    m.max(1).next_power_of_two()
}

/// The radix-2 domain of size `n` with bellman_ce's generator: the key's Lagrange basis is over
/// bellman_ce's ω (a power of 7^((r−1)/2²⁸)), arkworks' own would be a power of 5^((r−1)/2²⁸) and
/// put the evaluations at other points.
fn bellman_domain(n: usize) -> Option<Radix2EvaluationDomain<Fr>> {
    use bellman_ce::pairing::ff::{Field as _, PrimeField as _};
    let mut domain = Radix2EvaluationDomain::<Fr>::new(n)?;
    if domain.size() != n {
        return None;
    }
    let mut omega = bellman_ce::pairing::bn256::Fr::root_of_unity();
    for _ in domain.log_size_of_group..bellman_ce::pairing::bn256::Fr::S {
        omega.square();
    }
    domain.group_gen = crate::convert::fr_to_ark(&omega);
    domain.group_gen_inv = domain.group_gen.inverse()?;
    Some(domain)
}

/// h's n − 1 coefficients, n = [`domain_size`] of the number of constraints. `None` if BN254's Fr
/// has no domain that large (2²⁸).
pub fn quotient(mut a: Vec<Fr>, mut b: Vec<Fr>, mut c: Vec<Fr>) -> Option<Vec<Fr>> {
    let n = domain_size(a.len());
    let domain = bellman_domain(n)?;
    // bellman_ce's coset (its multiplicative generator 7): the same h as bellman_ce's even for a
    // witness that does not satisfy the circuit (where h depends on the coset).
    let g = crate::convert::fr_to_ark(&{
        use bellman_ce::pairing::ff::PrimeField as _;
        bellman_ce::pairing::bn256::Fr::multiplicative_generator()
    });
    let coset = domain.get_coset(g)?;
    // The three transforms are independent: run them side by side (each is parallel inside too).
    let to_coset = |v: &mut Vec<Fr>| {
        v.resize(n, Fr::zero());
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    };
    rayon::join(|| to_coset(&mut a), || rayon::join(|| to_coset(&mut b), || to_coset(&mut c)));
    let z_inv = (g.pow([n as u64]) - Fr::one()).inverse()?;
    a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((a, b), c)| {
        *a = (*a * b - c) * z_inv;
    });
    drop((b, c));
    coset.ifft_in_place(&mut a);
    a.truncate(n - 1);
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{fr_from_ark, fr_to_ark};
    use bellman_ce::domain::{EvaluationDomain as BellmanDomain, Scalar};
    use bellman_ce::pairing::bn256::{Bn256, Fr as PFr};
    use bellman_ce::pairing::ff::Field as _;
    use bellman_ce::worker::Worker;
    use rand04::{Rng, SeedableRng, XorShiftRng};

    /// bellman_ce's h pipeline (its prover's steps), the reference.
    fn bellman_h(a: Vec<PFr>, b: Vec<PFr>, c: Vec<PFr>) -> Vec<PFr> {
        let worker = Worker::new();
        let wrap = |v: Vec<PFr>| {
            BellmanDomain::<Bn256, Scalar<Bn256>>::from_coeffs(v.into_iter().map(Scalar).collect()).unwrap()
        };
        let (mut a, mut b, mut c) = (wrap(a), wrap(b), wrap(c));
        for d in [&mut a, &mut b, &mut c] {
            d.ifft(&worker);
            d.coset_fft(&worker);
        }
        a.mul_assign(&worker, &b);
        a.sub_assign(&worker, &c);
        a.divide_by_z_on_coset(&worker);
        a.icoset_fft(&worker);
        let mut v: Vec<PFr> = a.into_coeffs().into_iter().map(|s| s.0).collect();
        v.truncate(v.len() - 1);
        v
    }

    #[test]
    fn quotient_equals_bellmans() {
        let mut rng = XorShiftRng::from_seed([9, 8, 7, 6]);
        for &m in &[3usize, 1000, 40_000] {
            let (a, b): (Vec<PFr>, Vec<PFr>) =
                ((0..m).map(|_| rng.gen()).collect(), (0..m).map(|_| rng.gen()).collect());
            // c = a·b on the domain, as for a satisfied witness, except where the test breaks it.
            let c: Vec<PFr> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    let mut z = *x;
                    z.mul_assign(y);
                    z
                })
                .collect();
            let ark = |v: &[PFr]| v.iter().map(fr_to_ark).collect::<Vec<_>>();
            let got = quotient(ark(&a), ark(&b), ark(&c)).unwrap();
            let got: Vec<PFr> = got.iter().map(|x| fr_from_ark(x).unwrap()).collect();
            assert_eq!(got, bellman_h(a, b, c), "m = {m}");
        }
    }
}
