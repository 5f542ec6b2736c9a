//! Fast Montgomery arithmetic on `Fr` for the hashing hot path.
//!
//! `pairing_ce`'s generic multiplication computes the full 512-bit product and then reduces it; here
//! the product and the reduction are interleaved (CIOS) with the "no-carry" shortcut that holds
//! because the top limb of p is below 2^63 − 1, which saves a third of the additions. Values use the
//! very same Montgomery form (R = 2^256) as `pairing_ce::bn256::Fr`, so conversion is a copy of the
//! raw limbs. Every operation returns fully reduced values (< p), checked against `Fr` in the tests.

use crate::field::{Fr, FrRepr, PrimeField};

/// An element of `Fr` in Montgomery form: little-endian limbs of `x·R mod p`, always < p.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mont(pub [u64; 4]);

/// The modulus p, little-endian limbs.
pub const P: [u64; 4] = [0x43e1f593f0000001, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029];
/// −p⁻¹ mod 2^64.
const INV: u64 = 0xc2e1f593efffffff;

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
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

    /// `self · other` (CIOS Montgomery multiplication).
    #[inline(always)]
    pub fn mul(self, other: Mont) -> Mont {
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
        Mont(reduce_once(t))
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
        let x2 = self.mul_lazy(self);
        let x4 = x2.mul_lazy(x2);
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
