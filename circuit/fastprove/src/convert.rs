//! Between `pairing_ce`'s BN254 types (bellman_ce's keys and proofs) and arkworks' `ark-bn254`.
//!
//! Both libraries keep field elements in Montgomery form with R = 2²⁵⁶ over the same moduli, and
//! both use the same Fq2 (u² = −1) and the same D-type twist for G2, so an element converts by
//! copying its four limbs: no multiplication, no reduction. The tests check this against
//! independent arithmetic (a scalar multiplication done on both sides).

use ark_ec::AffineRepr;
use ark_ff::BigInt;
use bellman_ce::pairing::bn256 as pc;
use bellman_ce::pairing::ff::PrimeField;
use bellman_ce::pairing::CurveAffine;

/// A point or element from arkworks that `pairing_ce` does not accept (it never happens for values
/// computed by arkworks, which keeps them reduced and on the curve; the check is kept anyway).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("arkworks value not representable in pairing_ce: {0}")]
pub struct ConversionError(pub String);

/// A scalar-field element, limbs copied.
pub fn fr_to_ark(x: &pc::Fr) -> ark_bn254::Fr {
    ark_bn254::Fr::new_unchecked(BigInt(x.into_raw_repr().0))
}

/// A scalar-field element back to `pairing_ce`.
pub fn fr_from_ark(x: &ark_bn254::Fr) -> Result<pc::Fr, ConversionError> {
    pc::Fr::from_raw_repr(pc::FrRepr(x.0 .0)).map_err(|e| ConversionError(e.to_string()))
}

/// A base-field element, limbs copied.
pub fn fq_to_ark(x: &pc::Fq) -> ark_bn254::Fq {
    ark_bn254::Fq::new_unchecked(BigInt(x.into_raw_repr().0))
}

/// A base-field element back to `pairing_ce`.
pub fn fq_from_ark(x: &ark_bn254::Fq) -> Result<pc::Fq, ConversionError> {
    pc::Fq::from_raw_repr(pc::FqRepr(x.0 .0)).map_err(|e| ConversionError(e.to_string()))
}

fn fq2_to_ark(x: &pc::Fq2) -> ark_bn254::Fq2 {
    ark_bn254::Fq2::new(fq_to_ark(&x.c0), fq_to_ark(&x.c1))
}

fn fq2_from_ark(x: &ark_bn254::Fq2) -> Result<pc::Fq2, ConversionError> {
    Ok(pc::Fq2 { c0: fq_from_ark(&x.c0)?, c1: fq_from_ark(&x.c1)? })
}

/// A G1 point (infinity stays infinity). The key's points were checked on the curve when read.
pub fn g1_to_ark(p: &pc::G1Affine) -> ark_bn254::G1Affine {
    if p.is_zero() {
        return ark_bn254::G1Affine::identity();
    }
    let (x, y) = p.as_xy();
    ark_bn254::G1Affine::new_unchecked(fq_to_ark(x), fq_to_ark(y))
}

/// A G2 point (infinity stays infinity).
pub fn g2_to_ark(p: &pc::G2Affine) -> ark_bn254::G2Affine {
    if p.is_zero() {
        return ark_bn254::G2Affine::identity();
    }
    let (x, y) = p.as_xy();
    ark_bn254::G2Affine::new_unchecked(fq2_to_ark(x), fq2_to_ark(y))
}

/// A G1 point back, checked on the curve by `pairing_ce`.
pub fn g1_from_ark(p: &ark_bn254::G1Affine) -> Result<pc::G1Affine, ConversionError> {
    match p.xy() {
        None => Ok(pc::G1Affine::zero()),
        Some((x, y)) => pc::G1Affine::from_xy_checked(fq_from_ark(&x)?, fq_from_ark(&y)?)
            .map_err(|e| ConversionError(e.to_string())),
    }
}

/// A G2 point back, checked on the curve by `pairing_ce`.
pub fn g2_from_ark(p: &ark_bn254::G2Affine) -> Result<pc::G2Affine, ConversionError> {
    match p.xy() {
        None => Ok(pc::G2Affine::zero()),
        Some((x, y)) => pc::G2Affine::from_xy_checked(fq2_from_ark(&x)?, fq2_from_ark(&y)?)
            .map_err(|e| ConversionError(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use bellman_ce::pairing::ff::Field;
    use bellman_ce::pairing::CurveProjective;
    use rand04::{Rng, SeedableRng, XorShiftRng};

    #[test]
    fn scalars_and_points_convert_both_ways_and_agree_on_arithmetic() {
        let mut rng = XorShiftRng::from_seed([7, 1, 2, 3]);
        for _ in 0..20 {
            let (x, y): (pc::Fr, pc::Fr) = (rng.gen(), rng.gen());
            let mut xy = x;
            xy.mul_assign(&y);
            // The product computed by arkworks on the copied limbs is pairing_ce's product.
            assert_eq!(fr_from_ark(&(fr_to_ark(&x) * fr_to_ark(&y))).unwrap(), xy);

            let p1 = pc::G1::one().into_affine().mul(x).into_affine();
            let a1 = g1_to_ark(&p1);
            assert!(a1.is_on_curve() && a1.is_in_correct_subgroup_assuming_on_curve());
            assert_eq!(g1_from_ark(&(a1 * fr_to_ark(&y)).into_affine()).unwrap(), p1.mul(y).into_affine());

            let p2 = pc::G2::one().into_affine().mul(x).into_affine();
            let a2 = g2_to_ark(&p2);
            assert!(a2.is_on_curve() && a2.is_in_correct_subgroup_assuming_on_curve());
            assert_eq!(g2_from_ark(&(a2 * fr_to_ark(&y)).into_affine()).unwrap(), p2.mul(y).into_affine());
        }
        // The generators are the same points, and infinity maps to infinity.
        assert_eq!(g1_to_ark(&pc::G1Affine::one()), ark_bn254::G1Affine::generator());
        assert_eq!(g2_to_ark(&pc::G2Affine::one()), ark_bn254::G2Affine::generator());
        assert_eq!(g1_from_ark(&ark_bn254::G1Affine::identity()).unwrap(), pc::G1Affine::zero());
        assert!(g1_to_ark(&pc::G1Affine::zero()).is_zero());
    }
}
