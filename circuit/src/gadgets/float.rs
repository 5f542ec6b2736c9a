//! Unpacking of the decimal floats of pubdata (amount: 35-bit mantissa, fee: 11-bit mantissa, both
//! with a 5-bit base-10 exponent), equal to `zkpay_core::packing::FloatFormat::unpack_from_u64`.
//!
//! The packed integer is `(mantissa << 5) | exponent`, so its little-endian bits are the exponent
//! bits then the mantissa bits. `10^e = Π (1 + e_i · (10^(2^i) − 1))` over the exponent bits costs
//! one constraint per bit after the first, the product with the mantissa one more. Core refuses a
//! value that overflows u128; here the result is range-checked to 128 bits when the format can
//! overflow at all (amounts: (2^35 − 1)·10^31 > 2^128; fees never: 2047·10^31 < 2^114). The integer
//! product is below 2^138 < p, so the field value is the integer value and the check is sound.

use super::bits::{from_bits_le, to_bits_le};
use super::boolean::Boolean;
use super::num::Num;
use super::range::enforce_less_than_pow2;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};
use zkpay_core::field::fr_from_u64;
use zkpay_core::packing::FloatFormat;

/// Width of an unpacked value: amounts and fees are u128.
pub const VALUE_BITS: usize = 128;

fn pow10(e: u32) -> Fr {
    let ten = fr_from_u64(10);
    let mut r = Fr::one();
    for _ in 0..e {
        r.mul_assign(&ten);
    }
    r
}

/// Whether some encoding of `format` denotes a value ≥ 2^128 (then the gadget range-checks).
fn can_overflow(format: &FloatFormat) -> bool {
    (format.max_mantissa() as u128).checked_mul(10u128.pow(format.max_exponent())).is_none()
}

/// The value `mantissa · 10^exponent` of the packed float whose little-endian bits are `bits`
/// (`format.total_bits()` of them, already boolean). Unsatisfiable if the value overflows u128.
pub fn unpack_float_bits<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    bits: &[Boolean],
    format: &FloatFormat,
) -> Result<Num, SynthesisError> {
    let value = unpack_float_bits_unbounded(&mut cs, bits, format)?;
    if can_overflow(format) {
        enforce_less_than_pow2(cs.namespace(|| "fits u128"), &value, VALUE_BITS)?;
    }
    Ok(value)
}

/// Like [`unpack_float_bits`] without the u128 range check: for callers that bound the result
/// themselves (the block circuit equates it with a 128-bit register), saving 129 constraints.
/// The value is the exact integer `mantissa · 10^exponent` (below 2^138 < p) either way.
pub fn unpack_float_bits_unbounded<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    bits: &[Boolean],
    format: &FloatFormat,
) -> Result<Num, SynthesisError> {
    let e_bits = format.exponent_bits() as usize;
    assert_eq!(bits.len(), format.total_bits() as usize, "packed {} takes {} bits", format.name(), format.total_bits());
    // mantissa < 2^35 and 10^31 < 2^103: the integer product stays far below p.
    assert!(format.mantissa_bits() as usize + 103 < 253);
    let (exponent, mantissa) = bits.split_at(e_bits);

    let mut power = Num::one();
    for (i, bit) in exponent.iter().enumerate() {
        // 1 + e_i · (10^(2^i) − 1): 1 if the bit is clear, 10^(2^i) if set.
        let mut k = pow10(1 << i);
        k.sub_assign(&Fr::one());
        let factor = Num::one().add_mul_const(&bit.to_num(), &k);
        power = power.mul(cs.namespace(|| format!("10^e step {i}")), &factor)?;
    }
    from_bits_le(mantissa).mul(cs.namespace(|| "mantissa * 10^e"), &power)
}

/// The value of the packed float `packed` (an integer that must fit `format.total_bits()` bits,
/// which is enforced). Also returns the packed bits (little-endian), which pubdata needs.
pub fn unpack_float<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    packed: &Num,
    format: &FloatFormat,
) -> Result<(Num, Vec<Boolean>), SynthesisError> {
    let bits = to_bits_le(cs.namespace(|| "packed bits"), packed, format.total_bits() as usize)?;
    let value = unpack_float_bits(cs.namespace(|| "unpack"), &bits, format)?;
    Ok((value, bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::rng;
    use rand::Rng;
    use zkpay_core::field::fr_from_u128;
    use zkpay_core::packing::{PackingError, AMOUNT_FLOAT, FEE_FLOAT};

    /// Synthesize unpacking of `packed`; returns (satisfied, value, constraint count).
    fn unpack(packed: u64, format: &FloatFormat) -> (TestConstraintSystem, Option<Fr>) {
        let mut cs = TestConstraintSystem::new();
        let p = Num::alloc(cs.namespace(|| "packed"), Some(fr_from_u64(packed))).unwrap();
        let (value, _) = unpack_float(cs.namespace(|| "float"), &p, format).unwrap();
        (cs, value.value())
    }

    fn agrees_with_core(packed: u64, format: &FloatFormat) {
        let (cs, value) = unpack(packed, format);
        match format.unpack_from_u64(packed) {
            Ok(v) => {
                assert!(cs.is_satisfied(), "{packed:#x}: {:?}", cs.which_is_unsatisfied());
                assert_eq!(value, Some(fr_from_u128(v)), "{packed:#x}");
            }
            Err(PackingError::Overflow { .. }) => {
                assert_eq!(
                    cs.which_is_unsatisfied().as_deref(),
                    Some("float/unpack/fits u128/pack/equal"),
                    "{packed:#x}"
                );
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn constraint_counts_are_pinned() {
        // Amount: 41 (decomposition) + 4 (10^e) + 1 (× mantissa) + 129 (u128 check).
        assert_eq!(unpack(0, &AMOUNT_FLOAT).0.num_constraints(), 41 + 5 + 129);
        // Fee: 17 + 4 + 1; no overflow check needed.
        assert!(!can_overflow(&FEE_FLOAT) && can_overflow(&AMOUNT_FLOAT));
        assert_eq!(unpack(0, &FEE_FLOAT).0.num_constraints(), 17 + 5);
    }

    #[test]
    fn every_fee_encoding_matches_core() {
        for packed in 0..=FEE_FLOAT.max_packed() {
            agrees_with_core(packed, &FEE_FLOAT);
        }
    }

    #[test]
    fn amount_edge_and_random_encodings_match_core() {
        let max_m = AMOUNT_FLOAT.max_mantissa();
        for e in 0..=AMOUNT_FLOAT.max_exponent() {
            for m in [0, 1, 9, 10, 34_028_236_692, 34_028_236_693, max_m - 1, max_m] {
                agrees_with_core(AMOUNT_FLOAT.join(m, e).unwrap(), &AMOUNT_FLOAT);
            }
        }
        // The largest packable amount and the first overflowing encoding are covered above
        // (34,028,236,692 × 10^28 fits, × 10^29 and 34,028,236,693 × 10^28 do not).
        let mut r = rng(11);
        for _ in 0..300 {
            agrees_with_core(r.gen_range(0..=AMOUNT_FLOAT.max_packed()), &AMOUNT_FLOAT);
        }
        // Canonical packings of random packable values round-trip.
        for _ in 0..100 {
            let v = AMOUNT_FLOAT.closest_packable(r.gen::<u128>() >> r.gen_range(0..128));
            let (cs, value) = unpack(AMOUNT_FLOAT.pack_to_u64(v).unwrap(), &AMOUNT_FLOAT);
            assert!(cs.is_satisfied());
            assert_eq!(value, Some(fr_from_u128(v)));
        }
    }

    #[test]
    fn corrupted_witnesses_and_wide_inputs_are_rejected() {
        let packed = AMOUNT_FLOAT.join(12345, 7).unwrap();
        let (mut cs, _) = unpack(packed, &AMOUNT_FLOAT);
        assert!(cs.is_satisfied());
        // An exponent bit flipped after the fact (a different power of ten claimed).
        cs.set("float/packed bits/bits/bit 1/bit/value", Fr::zero());
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("float/packed bits/pack/equal"));
        // A wrong product (the true value is 123,450,000,000).
        let (mut cs, _) = unpack(packed, &AMOUNT_FLOAT);
        cs.set("float/unpack/mantissa * 10^e/product/num", fr_from_u64(1_234_500_000_001));
        assert!(!cs.is_satisfied());
        // A packed integer wider than 16 bits is not a fee.
        let (cs, _) = unpack(1 << 16, &FEE_FLOAT);
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("float/packed bits/pack/equal"));
    }
}
