//! Fast Montgomery arithmetic on `Fr` for the hashing hot path.
//!
//! `pairing_ce`'s generic multiplication computes the full 512-bit product and then reduces it; here
//! the product and the reduction are interleaved (CIOS) with the "no-carry" shortcut that holds
//! because the top limb of p is below 2^63 − 1, which saves a third of the additions. Values use the
//! very same Montgomery form (R = 2^256) as `pairing_ce::bn256::Fr`, so conversion is a copy of the
//! raw limbs. Every operation returns fully reduced values (< p), checked against `Fr` in the tests.

// Limb and matrix loops read as the formulas they implement; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

use crate::field::{Fr, FrRepr, PrimeField};

/// An element of `Fr` in Montgomery form: little-endian limbs of `x·R mod p`, always < p.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mont(pub [u64; 4]);

/// The modulus p, little-endian limbs.
pub const P: [u64; 4] = [0x43e1f593f0000001, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029];
/// −p⁻¹ mod 2^64.
const INV: u64 = 0xc2e1f593efffffff;

#[inline(always)]
pub(crate) fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
pub(crate) fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
pub(crate) fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + (borrow >> 63) as u128);
    (t as u64, (t >> 64) as u64)
}

/// 2p, little-endian limbs.
const P2: [u64; 4] = [0x87c3eb27e0000002, 0x5067d090f372e122, 0x70a08b6d0302b0ba, 0x60c89ce5c2634053];

/// Subtract `m` once if `x ≥ m` (for inputs below 2m).
#[inline(always)]
fn reduce_once_by(x: [u64; 4], m: &[u64; 4]) -> [u64; 4] {
    let (r0, b) = sbb(x[0], m[0], 0);
    let (r1, b) = sbb(x[1], m[1], b);
    let (r2, b) = sbb(x[2], m[2], b);
    let (r3, b) = sbb(x[3], m[3], b);
    // b is all ones iff x < p. Select without a branch: which way it goes is data-dependent and
    // close to random, so a branch would mispredict often.
    let keep = b;
    [
        (x[0] & keep) | (r0 & !keep),
        (x[1] & keep) | (r1 & !keep),
        (x[2] & keep) | (r2 & !keep),
        (x[3] & keep) | (r3 & !keep),
    ]
}

#[inline(always)]
fn reduce_once(x: [u64; 4]) -> [u64; 4] {
    reduce_once_by(x, &P)
}

/// Largest number of terms [`Mont::dot_lazy`] reduces at once; longer dot products are split.
const DOT_CHUNK: usize = 4;

/// Montgomery reduction of a 512-bit value `T` (little-endian limbs): returns
/// `(T + M·p)/R` for the `M < R` that makes the division exact, which is `≡ T·R⁻¹ (mod p)` and
/// below `T/R + p`. The caller guarantees `T + R·p < 2^512` (so the carries dropped at the top are
/// zero) and `T/R + p ≤ 2^256`.
#[inline(always)]
fn redc(t: [u64; 8]) -> [u64; 4] {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = t;
    let k = r0.wrapping_mul(INV);
    let (_, c) = mac(r0, k, P[0], 0);
    let (r1, c) = mac(r1, k, P[1], c);
    let (r2, c) = mac(r2, k, P[2], c);
    let (r3, c) = mac(r3, k, P[3], c);
    let (r4, c2) = adc(r4, 0, c);
    let k = r1.wrapping_mul(INV);
    let (_, c) = mac(r1, k, P[0], 0);
    let (r2, c) = mac(r2, k, P[1], c);
    let (r3, c) = mac(r3, k, P[2], c);
    let (r4, c) = mac(r4, k, P[3], c);
    let (r5, c2) = adc(r5, c2, c);
    let k = r2.wrapping_mul(INV);
    let (_, c) = mac(r2, k, P[0], 0);
    let (r3, c) = mac(r3, k, P[1], c);
    let (r4, c) = mac(r4, k, P[2], c);
    let (r5, c) = mac(r5, k, P[3], c);
    let (r6, c2) = adc(r6, c2, c);
    let k = r3.wrapping_mul(INV);
    let (_, c) = mac(r3, k, P[0], 0);
    let (r4, c) = mac(r4, k, P[1], c);
    let (r5, c) = mac(r5, k, P[2], c);
    let (r6, c) = mac(r6, k, P[3], c);
    let (r7, _) = adc(r7, c2, c);
    [r4, r5, r6, r7]
}

/// `Σ a[k]·b[k]` for 1 ≤ n ≤ [`DOT_CHUNK`] terms with a single Montgomery reduction: a CIOS loop
/// whose every outer step adds the n rows `a[k][i]·b[k]` before one reduction row. `a[k] < 2p`,
/// `b[k] < p`; the output is in `[0, 2p)`.
///
/// Bounds (R = 2^256, p/R < 0.1890). Before the shift of outer step i the accumulator holds
/// `2^64·t_i` with `t_i = (Σ_k (a[k] mod 2^(64(i+1)))·b[k] + M_i·p) / 2^(64(i+1)) < Σ_k b[k] + p
/// < (n + 1)·p ≤ 5p < 2^256`, so a fifth word `t4` holds every carry (it cannot overflow) and after
/// each shift the value fits in four words again. At the end `t_3 = (T + M·p)/R` with
/// `T = Σ a[k]·b[k] < n·2p·p`, so `t_3 < (0.378·n + 1)·p`: below 2p for n ≤ 2, and below 4p for
/// n ≤ 4, where one conditional subtraction of 2p brings it below 2p.
#[inline(always)]
fn dot_chunk(a: &[Mont], b: &[Mont]) -> Mont {
    let n = a.len();
    debug_assert!((1..=DOT_CHUNK).contains(&n) && b.len() == n);
    let mut t = [0u64; 4];
    for i in 0..4 {
        let mut t4 = 0u64;
        for (ak, bk) in a.iter().zip(b) {
            let ai = ak.0[i];
            let (r, mut c) = mac(t[0], ai, bk.0[0], 0);
            t[0] = r;
            for j in 1..4 {
                let (r, cj) = mac(t[j], ai, bk.0[j], c);
                t[j] = r;
                c = cj;
            }
            // No overflow: the whole accumulator stays below 2^320 (see above).
            t4 += c;
        }
        let m = t[0].wrapping_mul(INV);
        let (_, mut c) = mac(t[0], m, P[0], 0);
        for j in 1..4 {
            let (r, cj) = mac(t[j], m, P[j], c);
            t[j - 1] = r;
            c = cj;
        }
        // The shifted value is below 2^256, so this sum does not carry.
        t[3] = t4.wrapping_add(c);
    }
    if n <= 2 {
        Mont(t)
    } else {
        Mont(reduce_once_by(t, &P2))
    }
}

impl Mont {
    /// Zero.
    pub const ZERO: Mont = Mont([0; 4]);

    /// From a field element (a copy of its raw limbs).
    #[inline(always)]
    pub fn from_fr(x: &Fr) -> Mont {
        Mont(x.into_raw_repr().0)
    }

    /// Back to a field element.
    #[inline(always)]
    pub fn to_fr(self) -> Fr {
        Fr::from_raw_repr(FrRepr(self.0)).expect("Mont values are kept below p")
    }

    /// `self + other`.
    // Named methods, not `std::ops`: the lazy variants beside them have other contracts, and an
    // operator would hide which one a formula uses.
    #[allow(clippy::should_implement_trait)]
    #[inline(always)]
    pub fn add(self, other: Mont) -> Mont {
        let (a, b) = (self.0, other.0);
        let (r0, c) = adc(a[0], b[0], 0);
        let (r1, c) = adc(a[1], b[1], c);
        let (r2, c) = adc(a[2], b[2], c);
        let (r3, _) = adc(a[3], b[3], c);
        // p < 2^254, so the sum of two reduced values cannot carry out of 256 bits.
        Mont(reduce_once([r0, r1, r2, r3]))
    }

    /// `self · other` (CIOS Montgomery multiplication), fully reduced.
    #[allow(clippy::should_implement_trait)]
    #[inline(always)]
    pub fn mul(self, other: Mont) -> Mont {
        // Reduced inputs are within mul_lazy's [0, 2p) domain; one subtraction makes it canonical.
        self.mul_lazy(other).canonical()
    }

    /// Lazily reduced product: inputs and output in `[0, 2p)`. Sound because 4p < 2^256: the
    /// Montgomery quotient `(a·b + m·p)/R` is then below `4p²/R + p < 2p`, and the intermediate
    /// words of the no-carry loop stay within 256 bits. Saves the final subtraction; chains of
    /// products (the S-box, the MDS) reduce once at the end with [`Mont::canonical`].
    #[inline(always)]
    pub fn mul_lazy(self, other: Mont) -> Mont {
        let (a, b) = (self.0, other.0);
        let mut t = [0u64; 4];
        for &ai in a.iter() {
            let (t0, mut c_a) = mac(t[0], ai, b[0], 0);
            let m = t0.wrapping_mul(INV);
            let (_, mut c_m) = mac(t0, m, P[0], 0);
            for j in 1..4 {
                let (tj, ca) = mac(t[j], ai, b[j], c_a);
                c_a = ca;
                let (r, cm) = mac(tj, m, P[j], c_m);
                c_m = cm;
                t[j - 1] = r;
            }
            t[3] = c_m.wrapping_add(c_a);
        }
        Mont(t)
    }

    /// Lazily reduced square: input and output in `[0, 2p)`, equal to `self.mul_lazy(self)`.
    ///
    /// The 512-bit square is computed with each cross product `a_i·a_j` (i < j) once, then doubled
    /// (10 limb multiplications instead of 16), and reduced by a separate Montgomery reduction.
    /// Bounds: `x < 2p` gives `x² < 4p² < 0.15·2^512`; the reduction adds `M·p < R·p < 0.19·2^512`,
    /// so nothing carries out of 512 bits, and the result is below `4p²/R + p < 1.76p`
    /// (p/R < 0.1890).
    #[inline(always)]
    pub fn square_lazy(self) -> Mont {
        let a = self.0;
        // Cross products Σ_{i<j} a_i·a_j·2^(64(i+j)) into r1..r6.
        let (r1, c) = mac(0, a[0], a[1], 0);
        let (r2, c) = mac(0, a[0], a[2], c);
        let (r3, r4) = mac(0, a[0], a[3], c);
        let (r3, c) = mac(r3, a[1], a[2], 0);
        let (r4, r5) = mac(r4, a[1], a[3], c);
        let (r5, r6) = mac(r5, a[2], a[3], 0);
        // Double them (the sum of cross products is below 2^511, so the shift loses nothing).
        let r7 = r6 >> 63;
        let r6 = (r6 << 1) | (r5 >> 63);
        let r5 = (r5 << 1) | (r4 >> 63);
        let r4 = (r4 << 1) | (r3 >> 63);
        let r3 = (r3 << 1) | (r2 >> 63);
        let r2 = (r2 << 1) | (r1 >> 63);
        let r1 = r1 << 1;
        // Add the squares a_i²·2^(128i).
        let (r0, c) = mac(0, a[0], a[0], 0);
        let (r1, c) = adc(r1, 0, c);
        let (r2, c) = mac(r2, a[1], a[1], c);
        let (r3, c) = adc(r3, 0, c);
        let (r4, c) = mac(r4, a[2], a[2], c);
        let (r5, c) = adc(r5, 0, c);
        let (r6, c) = mac(r6, a[3], a[3], c);
        let (r7, _) = adc(r7, 0, c);
        Mont(redc([r0, r1, r2, r3, r4, r5, r6, r7]))
    }

    /// Lazily reduced dot product `Σ a[k]·b[k]`: every `a[k]` in `[0, 2p)`, every `b[k]` canonical
    /// (< p), any length ≥ 1; output in `[0, 2p)`. Terms are taken [`DOT_CHUNK`] at a time with one
    /// Montgomery reduction per chunk (see `dot_chunk` for the bounds), and the chunks are summed
    /// with [`Mont::add_lazy`].
    #[inline(always)]
    pub fn dot_lazy(a: &[Mont], b: &[Mont]) -> Mont {
        assert!(!a.is_empty() && a.len() == b.len(), "dot_lazy takes two slices of the same nonzero length");
        let mut acc = dot_chunk(&a[..a.len().min(DOT_CHUNK)], &b[..a.len().min(DOT_CHUNK)]);
        let mut k = DOT_CHUNK;
        while k < a.len() {
            let end = a.len().min(k + DOT_CHUNK);
            acc = acc.add_lazy(dot_chunk(&a[k..end], &b[k..end]));
            k = end;
        }
        acc
    }

    /// Lazily reduced sum: inputs and output in `[0, 2p)` (the sum is below 4p < 2^256).
    #[inline(always)]
    pub fn add_lazy(self, other: Mont) -> Mont {
        let (a, b) = (self.0, other.0);
        let (r0, c) = adc(a[0], b[0], 0);
        let (r1, c) = adc(a[1], b[1], c);
        let (r2, c) = adc(a[2], b[2], c);
        let (r3, _) = adc(a[3], b[3], c);
        Mont(reduce_once_by([r0, r1, r2, r3], &P2))
    }

    /// `self⁵` with lazy reduction: input and output in `[0, 2p)`.
    #[inline(always)]
    pub fn pow5_lazy(self) -> Mont {
        let x2 = self.square_lazy();
        let x4 = x2.square_lazy();
        x4.mul_lazy(self)
    }

    /// The canonical representative (< p) of a lazily reduced value (< 2p).
    #[inline(always)]
    pub fn canonical(self) -> Mont {
        Mont(reduce_once(self.0))
    }

    /// `self²`.
    #[inline(always)]
    pub fn square(self) -> Mont {
        self.mul(self)
    }

    /// `self⁵`, the Poseidon S-box.
    #[inline(always)]
    pub fn pow5(self) -> Mont {
        let x2 = self.square();
        let x4 = x2.square();
        x4.mul(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{fr_from_limbs, Field};
    use proptest::prelude::*;

    fn fr(limbs: [u64; 4]) -> Fr {
        // Clear the top bits so the value is below p.
        let mut l = limbs;
        l[3] &= 0x0fff_ffff_ffff_ffff;
        fr_from_limbs(l).unwrap()
    }

    #[test]
    fn inv_is_minus_p_inverse() {
        assert_eq!(P[0].wrapping_mul(INV), u64::MAX);
        assert_eq!(Fr::char().0, P);
    }

    #[test]
    fn edge_values() {
        let mut p_minus_1 = Fr::zero();
        p_minus_1.sub_assign(&Fr::one());
        for x in [Fr::zero(), Fr::one(), p_minus_1] {
            for y in [Fr::zero(), Fr::one(), p_minus_1] {
                let mut s = x;
                s.add_assign(&y);
                let mut m = x;
                m.mul_assign(&y);
                assert_eq!(Mont::from_fr(&x).add(Mont::from_fr(&y)).to_fr(), s);
                assert_eq!(Mont::from_fr(&x).mul(Mont::from_fr(&y)).to_fr(), m);
            }
        }
    }

    #[test]
    fn two_p_constant() {
        let (r0, c) = adc(P[0], P[0], 0);
        let (r1, c) = adc(P[1], P[1], c);
        let (r2, c) = adc(P[2], P[2], c);
        let (r3, c) = adc(P[3], P[3], c);
        assert_eq!(c, 0);
        assert_eq!([r0, r1, r2, r3], P2);
    }

    /// x + p as raw limbs: the same residue, in the upper half of `[0, 2p)`.
    fn plus_p(x: Mont) -> Mont {
        let (r0, c) = adc(x.0[0], P[0], 0);
        let (r1, c) = adc(x.0[1], P[1], c);
        let (r2, c) = adc(x.0[2], P[2], c);
        let (r3, _) = adc(x.0[3], P[3], c);
        Mont([r0, r1, r2, r3])
    }

    /// Raw limbs below p from any 256-bit pattern (a few subtractions of p from a value < 2^254).
    fn below_p(limbs: [u64; 4]) -> [u64; 4] {
        let mut x = limbs;
        x[3] &= 0x3fff_ffff_ffff_ffff;
        while reduce_once(x) != x {
            x = reduce_once(x);
        }
        x
    }

    /// p − 1, p, 2p − 1 as raw limbs.
    const P_MINUS_1: [u64; 4] = [P[0] - 1, P[1], P[2], P[3]];
    const TWO_P_MINUS_1: [u64; 4] = [P2[0] - 1, P2[1], P2[2], P2[3]];

    /// A lazily reduced operand in `[0, 2p)`: edge values (0, 1, p − 1, p, p + 1, 2p − 1) or a
    /// random canonical value, shifted into `[p, 2p)` half of the time.
    fn lazy_operand() -> impl Strategy<Value = Mont> {
        prop_oneof![
            1 => prop_oneof![
                Just(Mont([0; 4])),
                Just(Mont([1, 0, 0, 0])),
                Just(Mont(P_MINUS_1)),
                Just(Mont(P)),
                Just(Mont([P[0] + 1, P[1], P[2], P[3]])),
                Just(Mont(TWO_P_MINUS_1)),
            ],
            4 => (any::<[u64; 4]>(), any::<bool>()).prop_map(|(l, hi)| {
                let x = Mont(below_p(l));
                if hi { plus_p(x) } else { x }
            }),
        ]
    }

    /// A canonical operand (< p), as the round constants are: edge values 0, 1, p − 1 or random.
    fn canonical_operand() -> impl Strategy<Value = Mont> {
        prop_oneof![
            1 => prop_oneof![Just(Mont([0; 4])), Just(Mont([1, 0, 0, 0])), Just(Mont(P_MINUS_1))],
            4 => any::<[u64; 4]>().prop_map(|l| Mont(below_p(l))),
        ]
    }

    /// The field element a lazily reduced value stands for.
    fn value(x: Mont) -> Fr {
        x.canonical().to_fr()
    }

    fn below_2p(m: Mont) -> bool {
        reduce_once_by(m.0, &P2) == m.0
    }

    #[test]
    fn edge_constants() {
        assert_eq!(value(Mont(P)), Fr::zero());
        assert_eq!(value(Mont(TWO_P_MINUS_1)), value(Mont(P_MINUS_1)));
        assert!(below_2p(Mont(TWO_P_MINUS_1)) && !below_2p(Mont(P2)));
    }

    /// The worst case of every bound: all operands at the top of their range.
    #[test]
    fn extreme_operands() {
        let top = Mont(TWO_P_MINUS_1);
        let c = Mont(P_MINUS_1);
        let sq = top.square_lazy();
        assert!(below_2p(sq));
        let mut e = value(top);
        e.square();
        assert_eq!(value(sq), e);
        for n in 1..=12 {
            let a = vec![top; n];
            let b = vec![c; n];
            let d = Mont::dot_lazy(&a, &b);
            assert!(below_2p(d), "n = {n}");
            let mut e = value(top);
            e.mul_assign(&value(c));
            let mut sum = Fr::zero();
            for _ in 0..n {
                sum.add_assign(&e);
            }
            assert_eq!(value(d), sum, "n = {n}");
        }
    }

    proptest! {
        #[test]
        fn lazy_ops_stay_below_2p_and_agree(a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), hi_a: bool, hi_b: bool) {
            let (x, y) = (fr(a), fr(b));
            let mut xa = Mont::from_fr(&x);
            let mut yb = Mont::from_fr(&y);
            if hi_a { xa = plus_p(xa); }
            if hi_b { yb = plus_p(yb); }
            let below_2p = |m: Mont| reduce_once_by(m.0, &P2) == m.0;
            let mut s = x;
            s.add_assign(&y);
            let mut m = x;
            m.mul_assign(&y);
            let sum = xa.add_lazy(yb);
            let prod = xa.mul_lazy(yb);
            let p5 = xa.pow5_lazy();
            prop_assert!(below_2p(sum) && below_2p(prod) && below_2p(p5));
            prop_assert_eq!(sum.canonical().to_fr(), s);
            prop_assert_eq!(prod.canonical().to_fr(), m);
            prop_assert_eq!(p5.canonical().to_fr(), x.pow([5u64]));
        }

        #[test]
        fn square_lazy_agrees_with_fr(x in lazy_operand()) {
            let sq = x.square_lazy();
            prop_assert!(below_2p(sq));
            let mut e = value(x);
            e.square();
            prop_assert_eq!(value(sq), e);
            prop_assert_eq!(value(sq), value(x.mul_lazy(x)));
        }

        #[test]
        fn pow5_lazy_agrees_with_fr(x in lazy_operand()) {
            let p5 = x.pow5_lazy();
            prop_assert!(below_2p(p5));
            prop_assert_eq!(value(p5), value(x).pow([5u64]));
        }

        #[test]
        fn dot_lazy_agrees_with_fr(
            pairs in proptest::collection::vec((lazy_operand(), canonical_operand()), 1..=17),
        ) {
            let (a, b): (Vec<Mont>, Vec<Mont>) = pairs.into_iter().unzip();
            let d = Mont::dot_lazy(&a, &b);
            prop_assert!(below_2p(d));
            let mut e = Fr::zero();
            for (x, y) in a.iter().zip(&b) {
                let mut t = value(*x);
                t.mul_assign(&value(*y));
                e.add_assign(&t);
            }
            prop_assert_eq!(value(d), e);
        }

        #[test]
        fn mul_and_add_lazy_on_full_range(x in lazy_operand(), y in lazy_operand()) {
            let (m, s) = (x.mul_lazy(y), x.add_lazy(y));
            prop_assert!(below_2p(m) && below_2p(s));
            let mut em = value(x);
            em.mul_assign(&value(y));
            let mut es = value(x);
            es.add_assign(&value(y));
            prop_assert_eq!(value(m), em);
            prop_assert_eq!(value(s), es);
        }

        #[test]
        fn agrees_with_pairing_ce(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            let (x, y) = (fr(a), fr(b));
            let mut s = x;
            s.add_assign(&y);
            let mut m = x;
            m.mul_assign(&y);
            let mut p5 = x;
            p5 = p5.pow([5u64]);
            prop_assert_eq!(Mont::from_fr(&x).add(Mont::from_fr(&y)).to_fr(), s);
            prop_assert_eq!(Mont::from_fr(&x).mul(Mont::from_fr(&y)).to_fr(), m);
            prop_assert_eq!(Mont::from_fr(&x).pow5().to_fr(), p5);
        }
    }
}
