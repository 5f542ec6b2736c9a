//! Field operations the curve code needs beyond [`Mont`]'s own: subtraction, negation, doubling,
//! comparisons, exponentiation and the square root of a ratio.
//!
//! Everything here works on *lazily reduced* values: any representative in `[0, 2p)` of its
//! residue (the range [`Mont::mul_lazy`] and [`Mont::add_lazy`] accept and produce, sound because
//! 4p < 2^256). Inputs in `[0, 2p)` give outputs in `[0, 2p)`, so the curve formulas chain these
//! operations freely and only reduce to the canonical representative (< p) when a value is
//! compared or leaves as an `Fr`.

use crate::field::{Field, Fr, PrimeField};
use crate::montgomery::{adc, sbb, Mont};

/// 2p, little-endian limbs (the bound of lazily reduced values).
const P2: [u64; 4] = [0x87c3eb27e0000002, 0x5067d090f372e122, 0x70a08b6d0302b0ba, 0x60c89ce5c2634053];

/// 1 in Montgomery form (R mod p).
pub(crate) const ONE: Mont = Mont([0xac96341c4ffffffb, 0x36fc76959f60cd29, 0x666ea36f7879462e, 0x0e0a77c19a07df2f]);

/// The 2-adicity of p − 1: p − 1 = 2^28 · q with q odd.
const TWO_ADICITY: usize = 28;

/// (q − 1)/2 for the odd part q of p − 1: the exponent of the one exponentiation in
/// [`sqrt_ratio`].
const SQRT_EXP: [u64; 4] = [0xcdcb848a1f0fac9f, 0x0c0ac2e9419f4243, 0x098d014dc2822db4, 0x0000000183227397];

/// `a − b` for lazily reduced inputs, result in `[0, 2p)`.
///
/// The difference lies in (−2p, 2p); adding 2p back when it borrowed lands in (0, 2p). The add is
/// masked rather than branched: the sign is data-dependent and close to random, so a branch would
/// mispredict about half the time.
#[inline(always)]
pub(crate) fn sub(a: Mont, b: Mont) -> Mont {
    let (a, b) = (a.0, b.0);
    let (r0, br) = sbb(a[0], b[0], 0);
    let (r1, br) = sbb(a[1], b[1], br);
    let (r2, br) = sbb(a[2], b[2], br);
    let (r3, br) = sbb(a[3], b[3], br);
    // br is all ones iff a < b.
    let (r0, c) = adc(r0, P2[0] & br, 0);
    let (r1, c) = adc(r1, P2[1] & br, c);
    let (r2, c) = adc(r2, P2[2] & br, c);
    let (r3, _) = adc(r3, P2[3] & br, c);
    Mont([r0, r1, r2, r3])
}

/// `−a`, in `[0, 2p)`.
#[inline(always)]
pub(crate) fn neg(a: Mont) -> Mont {
    sub(Mont::ZERO, a)
}

/// `a + b`, in `[0, 2p)`.
#[inline(always)]
pub(crate) fn add(a: Mont, b: Mont) -> Mont {
    a.add_lazy(b)
}

/// `2a`, in `[0, 2p)`.
#[inline(always)]
pub(crate) fn double(a: Mont) -> Mont {
    a.add_lazy(a)
}

/// `a · b`, in `[0, 2p)`.
#[inline(always)]
pub(crate) fn mul(a: Mont, b: Mont) -> Mont {
    a.mul_lazy(b)
}

/// `a²`, in `[0, 2p)`.
#[inline(always)]
pub(crate) fn square(a: Mont) -> Mont {
    a.mul_lazy(a)
}

/// Whether two lazily reduced values are the same residue.
#[inline(always)]
pub(crate) fn eq(a: Mont, b: Mont) -> bool {
    a.canonical() == b.canonical()
}

/// Whether a lazily reduced value is zero (0 or p).
#[inline(always)]
pub(crate) fn is_zero(a: Mont) -> bool {
    a.canonical() == Mont::ZERO
}

/// From `Fr` (canonical, hence also a valid lazy value).
#[inline(always)]
pub(crate) fn from_fr(x: &Fr) -> Mont {
    Mont::from_fr(x)
}

/// To `Fr` (reduces first: [`Mont::to_fr`] wants a canonical value).
#[inline(always)]
pub(crate) fn to_fr(a: Mont) -> Fr {
    a.canonical().to_fr()
}

/// `a^e` for a little-endian exponent (fixed 4-bit windows: ≈ 1 multiplication per 4 squarings).
pub(crate) fn pow(a: Mont, e: &[u64; 4]) -> Mont {
    let mut table = [ONE; 16];
    for i in 1..16 {
        table[i] = mul(table[i - 1], a);
    }
    let mut acc = ONE;
    let mut started = false;
    for i in (0..64).rev() {
        if started {
            for _ in 0..4 {
                acc = square(acc);
            }
        }
        let nib = ((e[i / 16] >> (4 * (i % 16))) & 0xf) as usize;
        if nib != 0 {
            acc = if started { mul(acc, table[nib]) } else { table[nib] };
            started = true;
        }
    }
    acc
}

/// `c^(2^j)` for j = 0…27, where c is `Fr`'s primitive 2^28-th root of unity. Every value
/// Tonelli–Shanks multiplies in is one of these, so the loop needs no exponentiation of its own.
fn roots_of_unity() -> &'static [Mont; TWO_ADICITY] {
    static T: std::sync::OnceLock<[Mont; TWO_ADICITY]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = [Mont::from_fr(&Fr::root_of_unity()); TWO_ADICITY];
        for j in 1..TWO_ADICITY {
            t[j] = square(t[j - 1]);
        }
        t
    })
}

/// Builds the root-of-unity table now rather than on the first decompression.
pub(crate) fn warm_up() {
    let _ = roots_of_unity();
}

/// A square root of `u/v` if `u/v` is a square and `v ≠ 0`, without computing `1/v`: which of the
/// two roots is returned is unspecified (callers choose the sign themselves). Variable time.
///
/// Tonelli–Shanks for p − 1 = 2^28·q with the inversion folded into the exponentiation (as in
/// RFC 9380 `sqrt_ratio`): with n = u/v and w = (u·v^(2^29−1))^((q−1)/2)·v^(2^28−1), one gets
/// r = w·u = n^((q+1)/2) and b = r·w·v = n^q, the usual starting pair (r² = n·b, b of 2-power
/// order). The loop then multiplies in powers of the root of unity until b = 1.
pub(crate) fn sqrt_ratio(u: Mont, v: Mont) -> Option<Mont> {
    if is_zero(v) {
        return None;
    }
    if is_zero(u) {
        return Some(Mont::ZERO);
    }
    // v^(2^28 − 1) = v^(2^0 + … + 2^27), by repeated "square and multiply by v" (27 S + 27 M);
    // short next to the 225-bit exponentiation.
    let mut v_pow = v;
    for _ in 1..TWO_ADICITY {
        v_pow = mul(square(v_pow), v);
    }
    // v^(2^29 − 1) = (v^(2^28 − 1))² · v
    let v_big = mul(square(v_pow), v);
    let w = mul(pow(mul(u, v_big), &SQRT_EXP), v_pow);
    let mut r = mul(w, u);
    let mut b = mul(mul(r, w), v);
    let roots = roots_of_unity();
    let one = ONE.canonical();
    loop {
        // least i with b^(2^i) = 1
        let mut i = 0;
        let mut bb = b;
        while bb.canonical() != one {
            bb = square(bb);
            i += 1;
            if i == TWO_ADICITY {
                // b^(2^27) = −1: n is not a square.
                return None;
            }
        }
        if i == 0 {
            return Some(r);
        }
        // r·c^(2^(27−i)) squared is n·b·c^(2^(28−i)); the new b has order below 2^i.
        r = mul(r, roots[TWO_ADICITY - 1 - i]);
        b = mul(b, roots[TWO_ADICITY - i]);
    }
}

/// `1/a` (`None` for 0), by `Fr`'s inversion: only used off the hot path.
pub(crate) fn inverse(a: Mont) -> Option<Mont> {
    to_fr(a).inverse().map(|x| from_fr(&x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_limbs;
    use crate::montgomery::P;
    use pairing_ce::ff::SqrtField;
    use proptest::prelude::*;

    fn fr(limbs: [u64; 4]) -> Fr {
        let mut l = limbs;
        l[3] &= 0x0fff_ffff_ffff_ffff;
        fr_from_limbs(l).unwrap()
    }

    /// The same residue as `x`, in the upper half `[p, 2p)` if `hi`.
    fn lazy(x: &Fr, hi: bool) -> Mont {
        let m = Mont::from_fr(x);
        if !hi {
            return m;
        }
        let (r0, c) = adc(m.0[0], P[0], 0);
        let (r1, c) = adc(m.0[1], P[1], c);
        let (r2, c) = adc(m.0[2], P[2], c);
        let (r3, _) = adc(m.0[3], P[3], c);
        Mont([r0, r1, r2, r3])
    }

    fn below_2p(m: Mont) -> bool {
        for i in (0..4).rev() {
            if m.0[i] != P2[i] {
                return m.0[i] < P2[i];
            }
        }
        false
    }

    #[test]
    fn constants() {
        assert_eq!(ONE.to_fr(), Fr::one());
        let two_p = [P[0] << 1, (P[1] << 1) | (P[0] >> 63), (P[2] << 1) | (P[1] >> 63), (P[3] << 1) | (P[2] >> 63)];
        assert_eq!(two_p, P2);
        // p − 1 = 2^28 · (2·SQRT_EXP + 1)
        let q = [
            (SQRT_EXP[0] << 1) | 1,
            (SQRT_EXP[1] << 1) | (SQRT_EXP[0] >> 63),
            (SQRT_EXP[2] << 1) | (SQRT_EXP[1] >> 63),
            (SQRT_EXP[3] << 1) | (SQRT_EXP[2] >> 63),
        ];
        let shifted =
            [q[0] << 28, (q[1] << 28) | (q[0] >> 36), (q[2] << 28) | (q[1] >> 36), (q[3] << 28) | (q[2] >> 36)];
        assert_eq!(shifted, [P[0] - 1, P[1], P[2], P[3]]);
        assert_eq!(q[3] >> 36, 0);
        assert_eq!(Fr::S, TWO_ADICITY as u32);
        // The root of unity has order exactly 2^28.
        let roots = roots_of_unity();
        assert!(!eq(roots[TWO_ADICITY - 1], ONE));
        assert!(eq(square(roots[TWO_ADICITY - 1]), ONE));
    }

    #[test]
    fn sqrt_ratio_edge_cases() {
        let zero = Mont::ZERO;
        assert_eq!(sqrt_ratio(zero, ONE), Some(zero));
        assert_eq!(sqrt_ratio(ONE, zero), None);
        assert_eq!(sqrt_ratio(zero, zero), None);
        let r = sqrt_ratio(ONE, ONE).unwrap();
        assert!(eq(square(r), ONE));
        // −1 is a square (p ≡ 1 mod 4); the generator 7 is not.
        let m1 = neg(ONE);
        assert!(eq(square(sqrt_ratio(m1, ONE).unwrap()), m1));
        let seven = from_fr(&Fr::multiplicative_generator());
        assert_eq!(sqrt_ratio(seven, ONE), None);
        assert_eq!(sqrt_ratio(ONE, seven), None);
    }

    proptest! {
        #[test]
        fn sub_neg_double_agree_with_fr(a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), ha: bool, hb: bool) {
            let (x, y) = (fr(a), fr(b));
            let (xm, ym) = (lazy(&x, ha), lazy(&y, hb));
            let d = sub(xm, ym);
            let n = neg(xm);
            let dbl = double(xm);
            prop_assert!(below_2p(d) && below_2p(n) && below_2p(dbl));
            let mut e = x;
            e.sub_assign(&y);
            prop_assert_eq!(to_fr(d), e);
            let mut e = x;
            e.negate();
            prop_assert_eq!(to_fr(n), e);
            let mut e = x;
            e.double();
            prop_assert_eq!(to_fr(dbl), e);
            prop_assert_eq!(eq(xm, ym), x == y);
            prop_assert!(eq(xm, lazy(&x, !ha)));
            prop_assert_eq!(is_zero(sub(xm, lazy(&x, hb))), true);
            prop_assert_eq!(is_zero(xm), x.is_zero());
        }

        #[test]
        fn pow_and_inverse_agree_with_fr(a in any::<[u64; 4]>(), e in any::<[u64; 4]>(), ha: bool) {
            let x = fr(a);
            let xm = lazy(&x, ha);
            let p = pow(xm, &e);
            prop_assert!(below_2p(p));
            prop_assert_eq!(to_fr(p), x.pow(e));
            prop_assert_eq!(inverse(xm).map(to_fr), x.inverse());
        }

        #[test]
        fn sqrt_ratio_agrees_with_fr(a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), ha: bool, hb: bool, square_it: bool) {
            let (mut u, v) = (fr(a), fr(b));
            if square_it {
                // Make u/v a square half the time: u = v·t² has u/v = t².
                let mut t2 = u;
                t2.square();
                u = v;
                u.mul_assign(&t2);
            }
            let got = sqrt_ratio(lazy(&u, ha), lazy(&v, hb));
            let expect = v.inverse().and_then(|vi| {
                let mut n = u;
                n.mul_assign(&vi);
                n.sqrt()
            });
            match (got, expect) {
                (None, None) => {}
                (Some(r), Some(s)) => {
                    prop_assert!(below_2p(r));
                    let r = to_fr(r);
                    let mut ns = s;
                    ns.negate();
                    prop_assert!(r == s || r == ns);
                }
                (g, e) => prop_assert!(false, "sqrt_ratio {:?} vs Fr::sqrt {:?}", g, e),
            }
        }
    }
}
