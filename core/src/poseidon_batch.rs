//! Batched Poseidon: many independent `H(x1..xn)` at once, 8 per AVX-512 IFMA pass.
//!
//! The trees rehash thousands of independent nodes per level when a block is sealed; one
//! permutation is a long dependent chain, but eight of them side by side fill the vector lanes.
//!
//! **Kernel.** Eight field elements in structure-of-arrays form: five `__m512i` registers hold limb
//! k (radix 2^52) of lane 0…7. Multiplication accumulates the 5×5 limb products with
//! `vpmadd52luq/huq` into ten unnormalised 64-bit columns and then runs a separate Montgomery
//! reduction with R' = 2^260; a dot product (the MDS rows) accumulates all its products first and
//! reduces once. Values are kept lazily reduced exactly like the scalar path (`Mont`):
//! `REDC(a·b) < a·b/2^260 + p`, and p/2^260 < 0.0119, so for inputs below 8p the output is below
//! 1.76p and after any sum of a state value with a constant it stays below 2^260 (five limbs).
//! The one place that adds without bound (a partial round's `x_j += x0·e_j`, 56+ times) subtracts 2p
//! when the sum reaches it.
//!
//! **Conversion.** Lanes hold `x·2^260 mod p`; the scalar form is `x·2^256 mod p`. Going in, a
//! scalar Montgomery product with the Montgomery form of 16 multiplies by 2^4; going out, one with
//! that of 16⁻¹ divides it back. The round constants are converted once, the same way.
//!
//! **Dispatch.** The SIMD path is used when the CPU has AVX-512F and AVX-512 IFMA (detected once)
//! and [`force_fallback`] has not been set; otherwise each input is hashed by the scalar
//! [`poseidon::hash_n`], so both paths give the same (canonical) outputs — the tests check it.
//! SIMD is implemented for 2 inputs (the tree nodes) and 4 (the account leaf); other widths
//! use the scalar path.

// Limb and matrix loops read as the formulas they implement; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

use crate::field::{fr_from_u64, Field, Fr};
use crate::montgomery::Mont;
use crate::poseidon;
use std::sync::atomic::{AtomicBool, Ordering};

/// Hashes per SIMD pass.
pub const LANES: usize = 8;

static FORCE_FALLBACK: AtomicBool = AtomicBool::new(false);

/// Force (or stop forcing) the portable scalar path for every batch call in this process, e.g. to
/// measure it or to test it on a machine that has IFMA.
pub fn force_fallback(on: bool) {
    FORCE_FALLBACK.store(on, Ordering::Relaxed);
}

/// Whether this CPU can run the SIMD kernel (AVX-512F + AVX-512 IFMA), independent of
/// [`force_fallback`]. `is_x86_feature_detected!` caches its answer.
pub fn simd_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether batch calls currently take the SIMD path.
pub fn simd_active() -> bool {
    !FORCE_FALLBACK.load(Ordering::Relaxed) && simd_supported()
}

/// `H(x)` for every `x` in `inputs`, in order; SIMD when available (see the module docs).
pub fn hash_batch<const N: usize>(inputs: &[[Fr; N]]) -> Vec<Fr> {
    if simd_active() {
        if let Some(out) = hash_batch_simd(inputs) {
            return out;
        }
    }
    hash_batch_scalar(inputs)
}

/// The portable path: the scalar Poseidon, one input after the other.
pub fn hash_batch_scalar<const N: usize>(inputs: &[[Fr; N]]) -> Vec<Fr> {
    inputs.iter().map(poseidon::hash_n).collect()
}

/// The SIMD path, or `None` when the CPU lacks AVX-512 IFMA or the width has no SIMD kernel
/// (N other than 2 and 4).
pub fn hash_batch_simd<const N: usize>(inputs: &[[Fr; N]]) -> Option<Vec<Fr>> {
    #[cfg(target_arch = "x86_64")]
    {
        if !simd_supported() || !(N == 2 || N == 4) {
            return None;
        }
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(LANES) {
            let mut lanes = [[Fr::zero(); N]; LANES];
            lanes[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: the CPU supports avx512f and avx512ifma (checked just above).
            let h = unsafe { simd::hash8::<N>(&lanes) };
            out.extend_from_slice(&h[..chunk.len()]);
        }
        Some(out)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = inputs;
        None
    }
}

/// `H(a, b)` for every pair, in order.
pub fn hash2_batch(pairs: &[(Fr, Fr)]) -> Vec<Fr> {
    let inputs: Vec<[Fr; 2]> = pairs.iter().map(|(a, b)| [*a, *b]).collect();
    hash_batch(&inputs)
}

/// `H(a, b)` for every pair through the portable scalar path (the reference for [`hash2_batch`]).
pub fn hash2_batch_scalar(pairs: &[(Fr, Fr)]) -> Vec<Fr> {
    pairs.iter().map(|(a, b)| poseidon::hash2(a, b)).collect()
}

/// Montgomery forms of 16 and 16⁻¹: multiplying by them moves between R = 2^256 and R' = 2^260.
fn mont16() -> (Mont, Mont) {
    let s = fr_from_u64(16);
    (Mont::from_fr(&s), Mont::from_fr(&s.inverse().expect("16 is invertible")))
}

/// Canonical `x·2^256` (scalar Montgomery form) → five 52-bit limbs of `x·2^260`.
fn to_limbs52(x: Mont, m16: Mont) -> [u64; 5] {
    let w = x.mul(m16).0;
    const M: u64 = (1 << 52) - 1;
    [w[0] & M, (w[0] >> 52 | w[1] << 12) & M, (w[1] >> 40 | w[2] << 24) & M, (w[2] >> 28 | w[3] << 36) & M, w[3] >> 16]
}

/// Five normalised 52-bit limbs of a value `< 2p` standing for `x·2^260` → canonical `x·2^256`.
fn from_limbs52(l: [u64; 5], m16_inv: Mont) -> Mont {
    let w = [l[0] | l[1] << 52, l[1] >> 12 | l[2] << 40, l[2] >> 24 | l[3] << 28, l[3] >> 36 | l[4] << 16];
    Mont(w).canonical().mul(m16_inv)
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{from_limbs52, mont16, to_limbs52, LANES};
    use crate::field::Fr;
    use crate::montgomery::{Mont, P};
    use crate::poseidon::{widths, N_ROUNDS_F};
    use core::arch::x86_64::*;
    use std::sync::OnceLock;

    const MASK: u64 = (1 << 52) - 1;
    /// −p⁻¹ mod 2^52.
    const PINV52: u64 = 0xc2e1f593efffffff & MASK;

    /// Eight field elements, limb k of every lane in register k.
    type V = [__m512i; 5];

    /// Constants of one width in radix 2^52 with R' = 2^260 (see the module docs).
    struct Consts {
        rounds_p: usize,
        full_c: Vec<[u64; 5]>,
        partial_c: Vec<[u64; 5]>,
        m: Vec<[u64; 5]>,
        m_pre: Vec<[u64; 5]>,
        sparse: Vec<[u64; 5]>,
        first_x0: [u64; 5],
    }

    fn p52() -> [u64; 5] {
        // p itself, not a Montgomery form: split the raw limbs.
        let w = P;
        [
            w[0] & MASK,
            (w[0] >> 52 | w[1] << 12) & MASK,
            (w[1] >> 40 | w[2] << 24) & MASK,
            (w[2] >> 28 | w[3] << 36) & MASK,
            w[3] >> 16,
        ]
    }

    fn consts(n: usize) -> &'static Consts {
        static C: [OnceLock<Consts>; 2] = [OnceLock::new(), OnceLock::new()];
        let slot = if n == 2 { 0 } else { 1 };
        C[slot].get_or_init(|| {
            let w = &widths()[n - 1];
            let (m16, _) = mont16();
            let conv = |v: &[Mont]| v.iter().map(|x| to_limbs52(*x, m16)).collect::<Vec<_>>();
            Consts {
                rounds_p: w.rounds_p,
                full_c: conv(&w.full_c),
                partial_c: conv(&w.partial_c),
                m: conv(&w.m),
                m_pre: conv(&w.m_pre),
                sparse: conv(&w.sparse),
                first_x0: to_limbs52(w.first_x0, m16),
            }
        })
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn splat(c: &[u64; 5]) -> V {
        [
            _mm512_set1_epi64(c[0] as i64),
            _mm512_set1_epi64(c[1] as i64),
            _mm512_set1_epi64(c[2] as i64),
            _mm512_set1_epi64(c[3] as i64),
            _mm512_set1_epi64(c[4] as i64),
        ]
    }

    /// Add the 104-bit limb products of `a·b` into the ten columns `t` (no carries).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn acc_product(t: &mut [__m512i; 10], a: &V, b: &V) {
        for i in 0..5 {
            for j in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
            }
        }
    }

    /// `t·2^-260 mod p` as normalised limbs, for columns `t` holding `T < 2^260·p·7` with every
    /// column below 2^62: the result `(T + M·p)/2^260 < T/2^260 + p`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn reduce(mut t: [__m512i; 10]) -> V {
        let zero = _mm512_setzero_si512();
        let pinv = _mm512_set1_epi64(PINV52 as i64);
        let p = splat(&p52());
        for i in 0..5 {
            // m = t_i·(−p⁻¹) mod 2^52 makes column i ≡ 0 (mod 2^52); only its carry moves up.
            let m = _mm512_madd52lo_epu64(zero, t[i], pinv);
            for j in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p[j]);
            }
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
        }
        let mask = _mm512_set1_epi64(MASK as i64);
        for k in 5..9 {
            t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64::<52>(t[k]));
            t[k] = _mm512_and_si512(t[k], mask);
        }
        // The value is below 2p < 2^255, so the top column needs no mask.
        [t[5], t[6], t[7], t[8], t[9]]
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn mul(a: &V, b: &V) -> V {
        let mut t = [_mm512_setzero_si512(); 10];
        acc_product(&mut t, a, b);
        reduce(t)
    }

    /// `Σ a[k]·b[k]` with one reduction (a[k] < 2p, b[k] < p, at most 5 terms: output < 1.2p).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn dot(a: &[V], b: &[V]) -> V {
        let mut t = [_mm512_setzero_si512(); 10];
        for (x, y) in a.iter().zip(b) {
            acc_product(&mut t, x, y);
        }
        reduce(t)
    }

    /// `a + b` with normalised limbs and no modular reduction (the caller keeps it below 2^260).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add_norm(a: &V, b: &V) -> V {
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut s = [_mm512_setzero_si512(); 5];
        for k in 0..5 {
            s[k] = _mm512_add_epi64(a[k], b[k]);
        }
        for k in 0..4 {
            s[k + 1] = _mm512_add_epi64(s[k + 1], _mm512_srli_epi64::<52>(s[k]));
            s[k] = _mm512_and_si512(s[k], mask);
        }
        s
    }

    /// `a + b` for `a < 2p`, `b < 2p`, reduced below 2p (one conditional subtraction of 2p).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add_red(a: &V, b: &V, two_p: &V) -> V {
        let s = add_norm(a, b);
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut d = [_mm512_setzero_si512(); 5];
        let mut borrow = _mm512_setzero_si512();
        for k in 0..5 {
            // In (−2^52 − 1, 2^52): the arithmetic shift yields the borrow (−1 or 0).
            let x = _mm512_add_epi64(_mm512_sub_epi64(s[k], two_p[k]), borrow);
            borrow = _mm512_srai_epi64::<52>(x);
            d[k] = _mm512_and_si512(x, mask);
        }
        // A final borrow means s < 2p: keep s there, take s − 2p elsewhere.
        let keep = _mm512_cmplt_epi64_mask(borrow, _mm512_setzero_si512());
        let mut r = [_mm512_setzero_si512(); 5];
        for k in 0..5 {
            r[k] = _mm512_mask_blend_epi64(keep, d[k], s[k]);
        }
        r
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn pow5(x: &V) -> V {
        let x2 = mul(x, x);
        let x4 = mul(&x2, &x2);
        mul(&x4, x)
    }

    /// One full round: constants, S-box on every element (or the precomputed first one), MDS.
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn full_round<const T: usize>(s: &mut [V; T], c: &[[u64; 5]], m: &[[u64; 5]], first: Option<&[u64; 5]>) {
        let start = match first {
            Some(x0) => {
                s[0] = splat(x0);
                1
            }
            None => 0,
        };
        for i in start..T {
            s[i] = pow5(&add_norm(&s[i], &splat(&c[i])));
        }
        let mut out = [[_mm512_setzero_si512(); 5]; T];
        let mut row = [[_mm512_setzero_si512(); 5]; T];
        for i in 0..T {
            for j in 0..T {
                row[j] = splat(&m[i * T + j]);
            }
            out[i] = dot(&s[..], &row[..]);
        }
        *s = out;
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn permute<const T: usize>(s: &mut [V; T], k: &Consts) {
        let half = N_ROUNDS_F / 2;
        // 2p with its carries normalised (2·p_k may exceed 52 bits).
        let p = p52();
        let mut l = [0u64; 5];
        let mut carry = 0u64;
        for i in 0..5 {
            let v = 2 * p[i] + carry;
            l[i] = v & MASK;
            carry = v >> 52;
        }
        let two_p = splat(&l);
        full_round(s, &k.full_c[..T], &k.m, Some(&k.first_x0));
        for r in 1..half {
            let m = if r == half - 1 { &k.m_pre } else { &k.m };
            full_round(s, &k.full_c[r * T..(r + 1) * T], m, None);
        }
        let stride = 2 * T - 1;
        for (pc, e) in k.partial_c[..k.rounds_p].iter().zip(k.sparse.chunks_exact(stride)) {
            let x0 = pow5(&add_norm(&s[0], &splat(pc)));
            let mut v = *s;
            v[0] = x0;
            let mut row = [[_mm512_setzero_si512(); 5]; T];
            for j in 0..T {
                row[j] = splat(&e[j]);
            }
            let acc = dot(&v[..], &row[..]);
            for j in 1..T {
                s[j] = add_red(&s[j], &mul(&x0, &splat(&e[T + j - 1])), &two_p);
            }
            s[0] = acc;
        }
        for r in half..N_ROUNDS_F {
            full_round(s, &k.full_c[r * T..(r + 1) * T], &k.m, None);
        }
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn hash_t<const N: usize, const T: usize>(inputs: &[[Fr; N]; LANES]) -> [Fr; LANES] {
        let (m16, m16_inv) = mont16();
        let mut s = [[_mm512_setzero_si512(); 5]; T];
        for i in 0..N {
            let mut limbs = [[0u64; LANES]; 5];
            for (lane, x) in inputs.iter().enumerate() {
                let l = to_limbs52(Mont::from_fr(&x[i]), m16);
                for k in 0..5 {
                    limbs[k][lane] = l[k];
                }
            }
            for k in 0..5 {
                // SAFETY: `limbs[k]` is 8 initialised u64s (64 bytes); loadu has no alignment need.
                s[i + 1][k] = unsafe { _mm512_loadu_epi64(limbs[k].as_ptr() as *const i64) };
            }
        }
        permute::<T>(&mut s, consts(N));
        let mut limbs = [[0u64; LANES]; 5];
        for k in 0..5 {
            // SAFETY: `limbs[k]` has room for 8 u64s; storeu has no alignment need.
            unsafe { _mm512_storeu_epi64(limbs[k].as_mut_ptr() as *mut i64, s[0][k]) };
        }
        std::array::from_fn(|lane| from_limbs52(std::array::from_fn(|k| limbs[k][lane]), m16_inv).to_fr())
    }

    /// Hash 8 inputs of `N` ∈ {2, 4} elements.
    ///
    /// # Safety
    /// The CPU must support `avx512f` and `avx512ifma`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn hash8<const N: usize>(inputs: &[[Fr; N]; LANES]) -> [Fr; LANES] {
        match N {
            2 => hash_t::<N, 3>(inputs),
            4 => hash_t::<N, 5>(inputs),
            _ => unreachable!("hash_batch_simd only dispatches widths 2 and 4"),
        }
    }

    /// Products per second of the kernel, for the benchmark: `iters` chained multiplications of
    /// 8 lanes. Returns the lanes' final values (so the work cannot be elided).
    ///
    /// # Safety
    /// The CPU must support `avx512f` and `avx512ifma`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn mul_chain(x: [u64; 5], y: [u64; 5], iters: usize) -> [u64; 5] {
        let mut a = splat(&x);
        let b = splat(&y);
        for _ in 0..iters {
            a = mul(&a, &b);
        }
        let mut out = [0u64; LANES];
        // SAFETY: `out` has room for 8 u64s; storeu has no alignment need.
        unsafe { _mm512_storeu_epi64(out.as_mut_ptr() as *mut i64, a[0]) };
        [out[0], out[1], out[2], out[3], out[4]]
    }

    #[cfg(test)]
    /// One 8-lane product for the tests: `a[lane]·b[lane]` in radix-2^52 Montgomery form.
    ///
    /// # Safety
    /// The CPU must support `avx512f` and `avx512ifma`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn mul8(a: &[[u64; 5]; LANES], b: &[[u64; 5]; LANES]) -> [[u64; 5]; LANES] {
        let load = |x: &[[u64; 5]; LANES]| -> V {
            std::array::from_fn(|k| {
                let col: [u64; LANES] = std::array::from_fn(|lane| x[lane][k]);
                // SAFETY: `col` is 8 initialised u64s; loadu has no alignment need.
                unsafe { _mm512_loadu_epi64(col.as_ptr() as *const i64) }
            })
        };
        let r = mul(&load(a), &load(b));
        let mut cols = [[0u64; LANES]; 5];
        for k in 0..5 {
            // SAFETY: `cols[k]` has room for 8 u64s.
            unsafe { _mm512_storeu_epi64(cols[k].as_mut_ptr() as *mut i64, r[k]) };
        }
        std::array::from_fn(|lane| std::array::from_fn(|k| cols[k][lane]))
    }
}

/// Benchmark kernel: `iters` chained 8-lane IFMA products starting from `x`, times `y` (both
/// scalar Montgomery forms). `None` without AVX-512 IFMA. The result is returned so the loop is
/// not optimised away.
pub fn bench_mul_chain_simd(x: Mont, y: Mont, iters: usize) -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    {
        if !simd_supported() {
            return None;
        }
        let (m16, _) = mont16();
        // SAFETY: the CPU supports avx512f and avx512ifma (checked just above).
        let r = unsafe { simd::mul_chain(to_limbs52(x, m16), to_limbs52(y, m16), iters) };
        Some(r[0])
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (x, y, iters);
        None
    }
}

/// Benchmark counterpart of [`bench_mul_chain_simd`] on the scalar [`Mont::mul`], compiled with
/// the same options (so a caller built without optimisation measures the kernel, not itself).
#[inline(never)]
pub fn bench_mul_chain_scalar(x: Mont, y: Mont, iters: usize) -> Mont {
    let mut a = x;
    for _ in 0..iters {
        a = std::hint::black_box(a.mul(y));
    }
    a
}

/// Eight products `a[i]·b[i]` through the IFMA kernel (for tests), `None` without IFMA.
#[cfg(test)]
fn mul8_simd(a: &[Mont; LANES], b: &[Mont; LANES]) -> Option<[Mont; LANES]> {
    #[cfg(target_arch = "x86_64")]
    {
        if !simd_supported() {
            return None;
        }
        let (m16, m16_inv) = mont16();
        let la = a.map(|x| to_limbs52(x, m16));
        let lb = b.map(|x| to_limbs52(x, m16));
        // SAFETY: the CPU supports avx512f and avx512ifma (checked just above).
        let r = unsafe { simd::mul8(&la, &lb) };
        Some(r.map(|l| from_limbs52(l, m16_inv)))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (a, b);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_limbs;
    use proptest::prelude::*;

    fn p_minus_1() -> Fr {
        let mut x = Fr::zero();
        x.sub_assign(&Fr::one());
        x
    }

    fn any_fr() -> impl Strategy<Value = Fr> {
        prop_oneof![
            1 => prop_oneof![Just(Fr::zero()), Just(Fr::one()), Just(p_minus_1())],
            6 => any::<[u64; 4]>().prop_filter_map("below p", |mut l| {
                l[3] &= (1u64 << 62) - 1;
                fr_from_limbs(l).ok()
            }),
        ]
    }

    #[test]
    fn limb_conversion_round_trips() {
        let (m16, m16_inv) = mont16();
        for x in [Fr::zero(), Fr::one(), p_minus_1(), fr_from_u64(12345)] {
            let m = Mont::from_fr(&x);
            assert_eq!(from_limbs52(to_limbs52(m, m16), m16_inv), m);
        }
    }

    #[test]
    fn edge_values_agree_on_every_path() {
        let e = [Fr::zero(), Fr::one(), p_minus_1()];
        let mut in2 = Vec::new();
        let mut in4 = Vec::new();
        for a in e {
            for b in e {
                in2.push([a, b]);
                in4.push([a, b, b, a]);
                in4.push([a, a, b, p_minus_1()]);
            }
        }
        let s2 = hash_batch_scalar(&in2);
        let s4 = hash_batch_scalar(&in4);
        assert_eq!(hash_batch(&in2), s2);
        assert_eq!(hash_batch(&in4), s4);
        if simd_supported() {
            assert_eq!(hash_batch_simd(&in2).unwrap(), s2);
            assert_eq!(hash_batch_simd(&in4).unwrap(), s4);
        }
        // The protocol vector H(1, 2).
        assert_eq!(
            hash2_batch(&[(fr_from_u64(1), fr_from_u64(2))]),
            vec![poseidon::hash2(&fr_from_u64(1), &fr_from_u64(2))]
        );
    }

    #[test]
    fn no_simd_kernel_for_other_widths_and_empty_batches() {
        assert!(hash_batch_simd(&[[Fr::one(); 3]]).is_none());
        let x = [[fr_from_u64(3); 3]; 10];
        assert_eq!(hash_batch(&x), hash_batch_scalar(&x));
        assert!(hash_batch::<2>(&[]).is_empty());
    }

    /// The forced fallback takes the scalar path on this machine too and gives the same outputs.
    #[test]
    fn forced_fallback_agrees() {
        let inputs: Vec<[Fr; 2]> = (0..19u64).map(|i| [fr_from_u64(i), fr_from_u64(i * i + 7)]).collect();
        let simd = hash_batch_simd(&inputs);
        force_fallback(true);
        assert!(!simd_active());
        let fallback = hash_batch(&inputs);
        force_fallback(false);
        assert_eq!(simd_active(), simd_supported());
        assert_eq!(fallback, hash_batch_scalar(&inputs));
        if let Some(s) = simd {
            assert_eq!(s, fallback);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn ifma_mul_agrees_with_scalar(a in prop::array::uniform8(any_fr()), b in prop::array::uniform8(any_fr())) {
            let ma = a.map(|x| Mont::from_fr(&x));
            let mb = b.map(|x| Mont::from_fr(&x));
            if let Some(r) = mul8_simd(&ma, &mb) {
                for i in 0..LANES {
                    prop_assert_eq!(r[i], ma[i].mul(mb[i]));
                }
            }
        }

        #[test]
        fn batch2_agrees_with_scalar(inputs in prop::collection::vec(prop::array::uniform2(any_fr()), 0..20)) {
            let s = hash_batch_scalar(&inputs);
            for (x, h) in inputs.iter().zip(&s) {
                prop_assert_eq!(*h, poseidon::hash(x).unwrap());
            }
            if let Some(v) = hash_batch_simd(&inputs) {
                prop_assert_eq!(&v, &s);
            }
            prop_assert_eq!(hash_batch(&inputs), s);
        }

        #[test]
        fn batch4_agrees_with_scalar(inputs in prop::collection::vec(prop::array::uniform4(any_fr()), 0..20)) {
            let s = hash_batch_scalar(&inputs);
            if let Some(v) = hash_batch_simd(&inputs) {
                prop_assert_eq!(&v, &s);
            }
            prop_assert_eq!(hash_batch(&inputs), s);
        }
    }
}
