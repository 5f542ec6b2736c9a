//! Decimal floats for amounts and fees in pubdata (PROTOCOL §3, "Float packing").
//!
//! A packed value denotes `mantissa × 10^exponent`. The packed integer is `(mantissa << E) | exponent`
//! with E = [`FLOAT_EXPONENT_BITS`] = 5, written big-endian:
//!
//! | format | mantissa | exponent | bytes | const |
//! |---|---|---|---|---|
//! | amount | 35 bits | 5 bits | 5 | [`AMOUNT_FLOAT`] |
//! | fee | 11 bits | 5 bits | 2 | [`FEE_FLOAT`] |
//!
//! Packing picks the **smallest** exponent that represents the value exactly (10 packs as 10 × 10^0,
//! not 1 × 10^1), so `pack` is a function of the value. Unpacking accepts every bit pattern whose
//! value fits in a `u128` (so a non-canonical encoding such as 1 × 10^1 also unpacks to 10). A value
//! is *packable* iff `unpack(pack(x)) == x`. Nothing here panics; every failure is a [`PackingError`].

use crate::params::{
    AMOUNT_MANTISSA_BITS, FEE_MANTISSA_BITS, FLOAT_EXPONENT_BITS, PACKED_AMOUNT_BYTES, PACKED_FEE_BYTES,
};

/// Why a value could not be packed or a packed float could not be unpacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackingError {
    /// The value is not `mantissa × 10^exponent` with the format's mantissa and exponent ranges.
    #[error("{kind} {value} is not packable: it is not m × 10^e with m < 2^{mantissa_bits} and e < 2^{exponent_bits}")]
    NotPackable {
        /// Format name (`"amount"`, `"fee"`).
        kind: &'static str,
        /// The offending value.
        value: u128,
        /// Mantissa bits of the format.
        mantissa_bits: u32,
        /// Exponent bits of the format.
        exponent_bits: u32,
    },
    /// The packed float denotes a value that does not fit in a `u128`.
    #[error("packed {kind} {packed:#x} = {mantissa} × 10^{exponent} overflows u128")]
    Overflow {
        /// Format name.
        kind: &'static str,
        /// The packed integer.
        packed: u64,
        /// Its mantissa.
        mantissa: u64,
        /// Its exponent.
        exponent: u32,
    },
    /// A packed integer, mantissa or exponent wider than the format allows.
    #[error("{kind} float: {what} {value:#x} does not fit in {bits} bits")]
    OutOfRange {
        /// Format name.
        kind: &'static str,
        /// Which part is too wide: `"packed value"`, `"mantissa"` or `"exponent"`.
        what: &'static str,
        /// The offending number.
        value: u64,
        /// The allowed width.
        bits: u32,
    },
    /// A packed byte string of the wrong length.
    #[error("packed {kind} must be {expected} bytes, got {got}")]
    WrongLength {
        /// Format name.
        kind: &'static str,
        /// The format's byte length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Parameters that do not describe a usable float format (see [`FloatFormat::new`]).
    #[error("invalid float format: {mantissa_bits}-bit mantissa + {exponent_bits}-bit exponent in {bytes} bytes")]
    InvalidFormat {
        /// Requested mantissa bits.
        mantissa_bits: u32,
        /// Requested exponent bits.
        exponent_bits: u32,
        /// Requested byte length.
        bytes: usize,
    },
}

/// A base-10 float format: `mantissa_bits`-bit mantissa, `exponent_bits`-bit exponent, packed as
/// `(mantissa << exponent_bits) | exponent` in `bytes` big-endian bytes.
///
/// Construct with [`FloatFormat::new`], which guarantees `mantissa_bits + exponent_bits == 8 · bytes
/// ≤ 64` and `2^exponent_bits − 1 ≤ 38` (so every power of ten used fits in a `u128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatFormat {
    name: &'static str,
    mantissa_bits: u32,
    exponent_bits: u32,
    bytes: usize,
}

/// `10^e`, for e ≤ 38.
const fn pow10(e: u32) -> u128 {
    let mut r = 1u128;
    let mut i = 0;
    while i < e {
        r *= 10;
        i += 1;
    }
    r
}

/// The format of packed amounts (PROTOCOL §3): 35-bit mantissa, 5-bit exponent, 5 bytes.
pub const AMOUNT_FLOAT: FloatFormat =
    match FloatFormat::new("amount", AMOUNT_MANTISSA_BITS, FLOAT_EXPONENT_BITS, PACKED_AMOUNT_BYTES) {
        Ok(f) => f,
        Err(_) => panic!("invalid amount float parameters"),
    };

/// The format of packed fees (PROTOCOL §3): 11-bit mantissa, 5-bit exponent, 2 bytes.
pub const FEE_FLOAT: FloatFormat =
    match FloatFormat::new("fee", FEE_MANTISSA_BITS, FLOAT_EXPONENT_BITS, PACKED_FEE_BYTES) {
        Ok(f) => f,
        Err(_) => panic!("invalid fee float parameters"),
    };

/// The largest packable amount: 34,028,236,692 × 10^28 (the largest mantissa × 10^exponent that
/// fits in a `u128`; (2^35 − 1) × 10^28 does not).
pub const MAX_PACKABLE_AMOUNT: u128 = 34_028_236_692 * pow10(28);

/// The largest packable fee: (2^11 − 1) × 10^31 = 2047 × 10^31.
pub const MAX_PACKABLE_FEE: u128 = 2047 * pow10(31);

impl FloatFormat {
    /// A format named `name` (used in error messages) with the given widths. Fails with
    /// [`PackingError::InvalidFormat`] unless `mantissa_bits ≥ 1`, `mantissa_bits + exponent_bits ==
    /// 8 · bytes ≤ 64` and `exponent_bits ≤ 5`.
    pub const fn new(
        name: &'static str,
        mantissa_bits: u32,
        exponent_bits: u32,
        bytes: usize,
    ) -> Result<Self, PackingError> {
        let ok = mantissa_bits >= 1
            && exponent_bits <= 5
            && bytes <= 8
            && (mantissa_bits + exponent_bits) as usize == 8 * bytes;
        if ok {
            Ok(FloatFormat { name, mantissa_bits, exponent_bits, bytes })
        } else {
            Err(PackingError::InvalidFormat { mantissa_bits, exponent_bits, bytes })
        }
    }

    /// Format name used in error messages (`"amount"`, `"fee"`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Width of the mantissa in bits.
    pub const fn mantissa_bits(&self) -> u32 {
        self.mantissa_bits
    }

    /// Width of the exponent in bits.
    pub const fn exponent_bits(&self) -> u32 {
        self.exponent_bits
    }

    /// Length of the packed encoding in bytes.
    pub const fn bytes(&self) -> usize {
        self.bytes
    }

    /// Total width of the packed integer in bits (`8 · bytes`).
    pub const fn total_bits(&self) -> u32 {
        self.mantissa_bits + self.exponent_bits
    }

    /// Largest mantissa, `2^mantissa_bits − 1`.
    pub const fn max_mantissa(&self) -> u64 {
        u64::MAX >> (64 - self.mantissa_bits)
    }

    /// Largest exponent, `2^exponent_bits − 1`.
    pub const fn max_exponent(&self) -> u32 {
        (1u32 << self.exponent_bits) - 1
    }

    /// Largest packed integer, `2^total_bits − 1`.
    pub const fn max_packed(&self) -> u64 {
        u64::MAX >> (64 - self.total_bits())
    }

    fn not_packable(&self, value: u128) -> PackingError {
        PackingError::NotPackable {
            kind: self.name,
            value,
            mantissa_bits: self.mantissa_bits,
            exponent_bits: self.exponent_bits,
        }
    }

    /// The canonical `(mantissa, exponent)` of `value`: the smallest exponent with
    /// `value = mantissa × 10^exponent` and `mantissa ≤ max_mantissa`.
    pub fn to_mantissa_exponent(&self, value: u128) -> Result<(u64, u32), PackingError> {
        for e in 0..=self.max_exponent() {
            let m = value / pow10(e);
            if m * pow10(e) != value {
                // Not a multiple of 10^e, hence of no higher power either.
                break;
            }
            if m <= self.max_mantissa() as u128 {
                return Ok((m as u64, e));
            }
        }
        Err(self.not_packable(value))
    }

    /// `(mantissa << exponent_bits) | exponent`, checking both ranges (the circuit's view of a float).
    pub fn join(&self, mantissa: u64, exponent: u32) -> Result<u64, PackingError> {
        if mantissa > self.max_mantissa() {
            return Err(PackingError::OutOfRange {
                kind: self.name,
                what: "mantissa",
                value: mantissa,
                bits: self.mantissa_bits,
            });
        }
        if exponent > self.max_exponent() {
            return Err(PackingError::OutOfRange {
                kind: self.name,
                what: "exponent",
                value: exponent as u64,
                bits: self.exponent_bits,
            });
        }
        Ok((mantissa << self.exponent_bits) | exponent as u64)
    }

    /// Split a packed integer into `(mantissa, exponent)`; fails if it is wider than the format.
    pub fn split(&self, packed: u64) -> Result<(u64, u32), PackingError> {
        if packed > self.max_packed() {
            return Err(PackingError::OutOfRange {
                kind: self.name,
                what: "packed value",
                value: packed,
                bits: self.total_bits(),
            });
        }
        let exponent = (packed & ((1u64 << self.exponent_bits) - 1)) as u32;
        Ok((packed >> self.exponent_bits, exponent))
    }

    /// Pack `value` into the packed integer (canonical, smallest exponent).
    pub fn pack_to_u64(&self, value: u128) -> Result<u64, PackingError> {
        let (m, e) = self.to_mantissa_exponent(value)?;
        self.join(m, e)
    }

    /// The value denoted by a packed integer: `mantissa × 10^exponent`. Fails if the integer is wider
    /// than the format or the value overflows `u128`.
    pub fn unpack_from_u64(&self, packed: u64) -> Result<u128, PackingError> {
        let (mantissa, exponent) = self.split(packed)?;
        (mantissa as u128).checked_mul(pow10(exponent)).ok_or(PackingError::Overflow {
            kind: self.name,
            packed,
            mantissa,
            exponent,
        })
    }

    /// Pack `value` into `out`, which must be exactly [`bytes`](Self::bytes) long (big-endian).
    pub fn pack_into(&self, value: u128, out: &mut [u8]) -> Result<(), PackingError> {
        if out.len() != self.bytes {
            return Err(PackingError::WrongLength { kind: self.name, expected: self.bytes, got: out.len() });
        }
        let packed = self.pack_to_u64(value)?;
        out.copy_from_slice(&packed.to_be_bytes()[8 - self.bytes..]);
        Ok(())
    }

    /// Unpack a big-endian packed float of exactly [`bytes`](Self::bytes) bytes.
    pub fn unpack_bytes(&self, bytes: &[u8]) -> Result<u128, PackingError> {
        if bytes.len() != self.bytes {
            return Err(PackingError::WrongLength { kind: self.name, expected: self.bytes, got: bytes.len() });
        }
        let packed = bytes.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64);
        self.unpack_from_u64(packed)
    }

    /// Whether `value` is exactly representable (`unpack(pack(value)) == value`).
    pub fn is_packable(&self, value: u128) -> bool {
        self.to_mantissa_exponent(value).is_ok()
    }

    /// The largest packable value ≤ `value` (the wallet's "closest packable" rounding down).
    pub fn closest_packable(&self, value: u128) -> u128 {
        // For each exponent the best candidate is min(max_mantissa, ⌊value / 10^e⌋) × 10^e ≤ value;
        // the answer is the largest of them (a smaller exponent can win: 2048 → 2047 for fees).
        let mut best = 0u128;
        for e in 0..=self.max_exponent() {
            let p = pow10(e);
            if p > value {
                break;
            }
            let m = (value / p).min(self.max_mantissa() as u128);
            // m × p ≤ value, so no overflow.
            best = best.max(m * p);
        }
        best
    }

    /// The smallest packable value ≥ `value` (a fee quote rounds up, never below the minimum);
    /// `None` if every packable value is below it.
    pub fn packable_at_least(&self, value: u128) -> Option<u128> {
        if self.is_packable(value) {
            return Some(value);
        }
        // For each exponent the candidate is (⌊value / 10^e⌋ + 1) × 10^e > value, if its
        // mantissa fits; the answer is the smallest of them.
        (0..=self.max_exponent())
            .filter_map(|e| {
                let p = pow10(e);
                let m = (value / p).checked_add(1)?;
                (m <= self.max_mantissa() as u128).then(|| m.checked_mul(p)).flatten()
            })
            .min()
    }

    /// The largest packable value of this format that fits in a `u128`.
    pub fn max_value(&self) -> u128 {
        self.closest_packable(u128::MAX)
    }
}

/// Pack an amount into 5 bytes; [`PackingError::NotPackable`] unless it is exactly representable.
pub fn pack_amount(amount: u128) -> Result<[u8; PACKED_AMOUNT_BYTES], PackingError> {
    let mut out = [0u8; PACKED_AMOUNT_BYTES];
    AMOUNT_FLOAT.pack_into(amount, &mut out)?;
    Ok(out)
}

/// The amount denoted by 5 packed bytes; [`PackingError::Overflow`] if it exceeds `u128`.
pub fn unpack_amount(bytes: &[u8; PACKED_AMOUNT_BYTES]) -> Result<u128, PackingError> {
    AMOUNT_FLOAT.unpack_bytes(bytes)
}

/// Whether `amount` is exactly representable as a packed amount.
pub fn is_amount_packable(amount: u128) -> bool {
    AMOUNT_FLOAT.is_packable(amount)
}

/// The largest packable amount ≤ `amount`.
pub fn closest_packable_amount(amount: u128) -> u128 {
    AMOUNT_FLOAT.closest_packable(amount)
}

/// Pack a fee into 2 bytes; [`PackingError::NotPackable`] unless it is exactly representable.
pub fn pack_fee(fee: u128) -> Result<[u8; PACKED_FEE_BYTES], PackingError> {
    let mut out = [0u8; PACKED_FEE_BYTES];
    FEE_FLOAT.pack_into(fee, &mut out)?;
    Ok(out)
}

/// The fee denoted by 2 packed bytes (every 2-byte pattern fits in `u128`).
pub fn unpack_fee(bytes: &[u8; PACKED_FEE_BYTES]) -> Result<u128, PackingError> {
    FEE_FLOAT.unpack_bytes(bytes)
}

/// Whether `fee` is exactly representable as a packed fee.
pub fn is_fee_packable(fee: u128) -> bool {
    FEE_FLOAT.is_packable(fee)
}

/// The largest packable fee ≤ `fee`.
pub fn closest_packable_fee(fee: u128) -> u128 {
    FEE_FLOAT.closest_packable(fee)
}

/// The smallest packable fee ≥ `fee`, if there is one.
pub fn packable_fee_at_least(fee: u128) -> Option<u128> {
    FEE_FLOAT.packable_at_least(fee)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FORMATS: [FloatFormat; 2] = [AMOUNT_FLOAT, FEE_FLOAT];

    /// Smallest packable value > `x` (None if there is none in u128), by brute force over exponents.
    fn next_packable_above(f: &FloatFormat, x: u128) -> Option<u128> {
        (0..=f.max_exponent())
            .filter_map(|e| {
                let p = pow10(e);
                let m = (x / p).checked_add(1)?;
                if m > f.max_mantissa() as u128 {
                    return None;
                }
                m.checked_mul(p)
            })
            .min()
    }

    #[test]
    fn formats_match_params() {
        assert_eq!((AMOUNT_FLOAT.mantissa_bits(), AMOUNT_FLOAT.exponent_bits(), AMOUNT_FLOAT.bytes()), (35, 5, 5));
        assert_eq!((FEE_FLOAT.mantissa_bits(), FEE_FLOAT.exponent_bits(), FEE_FLOAT.bytes()), (11, 5, 2));
        assert_eq!(AMOUNT_FLOAT.max_mantissa(), (1 << 35) - 1);
        assert_eq!(FEE_FLOAT.max_mantissa(), 2047);
        assert_eq!(AMOUNT_FLOAT.max_exponent(), 31);
        assert_eq!(AMOUNT_FLOAT.max_packed(), (1 << 40) - 1);
        assert_eq!(FEE_FLOAT.max_packed(), 0xffff);
        assert!(FloatFormat::new("x", 35, 5, 4).is_err());
        assert!(FloatFormat::new("x", 60, 6, 8).is_err());
        assert!(FloatFormat::new("x", 0, 8, 1).is_err());
        assert!(FloatFormat::new("x", 64, 0, 8).is_ok());
    }

    #[test]
    fn zero_packs_to_zero_bytes() {
        assert_eq!(pack_amount(0).unwrap(), [0; 5]);
        assert_eq!(pack_fee(0).unwrap(), [0; 2]);
        assert_eq!(unpack_amount(&[0; 5]).unwrap(), 0);
        assert_eq!(unpack_fee(&[0; 2]).unwrap(), 0);
        assert!(is_amount_packable(0) && is_fee_packable(0));
        assert_eq!(closest_packable_amount(0), 0);
    }

    #[test]
    fn max_mantissa_at_exponent_zero() {
        let m = (1u128 << 35) - 1; // 34359738367
        let packed = pack_amount(m).unwrap();
        assert_eq!(packed, [0xff, 0xff, 0xff, 0xff, 0xe0]);
        assert_eq!(unpack_amount(&packed).unwrap(), m);
        assert_eq!(pack_fee(2047).unwrap(), [0xff, 0xe0]);
        assert_eq!(unpack_fee(&[0xff, 0xe0]).unwrap(), 2047);
    }

    #[test]
    fn just_above_max_mantissa() {
        // 2^35 = 34359738368 is not a multiple of 10: not packable.
        let v = 1u128 << 35;
        assert!(!is_amount_packable(v));
        assert!(matches!(pack_amount(v), Err(PackingError::NotPackable { value, .. }) if value == v));
        assert!(!is_amount_packable(v + 1));
        assert_eq!(closest_packable_amount(v), v - 1);
        assert_eq!(closest_packable_amount(v + 1), v - 1);
        // 2^35 + 2 = 34359738370 = 3435973837 × 10: packable with exponent 1.
        assert_eq!(AMOUNT_FLOAT.to_mantissa_exponent(v + 2).unwrap(), (3_435_973_837, 1));
        // Fees: 2048 is 2^11 (not a multiple of 10); 2050 = 205 × 10.
        assert!(!is_fee_packable(2048) && !is_fee_packable(2049));
        assert_eq!(pack_fee(2050).unwrap(), [0x19, 0xa1]); // (205 << 5) | 1
        assert_eq!(closest_packable_fee(2048), 2047);
        assert_eq!(closest_packable_fee(2049), 2047);
        assert_eq!(closest_packable_fee(2059), 2050);
    }

    #[test]
    fn smallest_exponent_is_chosen() {
        assert_eq!(pack_amount(10).unwrap(), [0, 0, 0, 0x01, 0x40]); // 10 << 5, exponent 0
        assert_eq!(AMOUNT_FLOAT.to_mantissa_exponent(10).unwrap(), (10, 0));
        // 10^18 = 10^10 × 10^8: 10^10 < 2^35, so exponent 8 (not 9 or 18).
        assert_eq!(AMOUNT_FLOAT.to_mantissa_exponent(1_000_000_000_000_000_000).unwrap(), (10_000_000_000, 8));
        assert_eq!(FEE_FLOAT.to_mantissa_exponent(20_000).unwrap(), (2000, 1));
        assert_eq!(FEE_FLOAT.to_mantissa_exponent(30_000).unwrap(), (300, 2));
        // A non-canonical encoding (1 × 10^1) still unpacks to the same value.
        assert_eq!(unpack_amount(&[0, 0, 0, 0, 0x21]).unwrap(), 10);
        assert_ne!(pack_amount(10).unwrap(), [0, 0, 0, 0, 0x21]);
    }

    #[test]
    fn max_representable_values() {
        assert_eq!(AMOUNT_FLOAT.max_value(), MAX_PACKABLE_AMOUNT);
        assert_eq!(MAX_PACKABLE_AMOUNT, 340_282_366_920_000_000_000_000_000_000_000_000_000);
        assert_eq!(AMOUNT_FLOAT.to_mantissa_exponent(MAX_PACKABLE_AMOUNT).unwrap(), (34_028_236_692, 28));
        let packed = pack_amount(MAX_PACKABLE_AMOUNT).unwrap();
        assert_eq!(unpack_amount(&packed).unwrap(), MAX_PACKABLE_AMOUNT);
        assert_eq!(next_packable_above(&AMOUNT_FLOAT, MAX_PACKABLE_AMOUNT), None);
        assert_eq!(closest_packable_amount(u128::MAX), MAX_PACKABLE_AMOUNT);
        // The next mantissa at exponent 28 overflows u128.
        let over = AMOUNT_FLOAT.join(34_028_236_693, 28).unwrap();
        assert!(matches!(AMOUNT_FLOAT.unpack_from_u64(over), Err(PackingError::Overflow { exponent: 28, .. })));

        assert_eq!(FEE_FLOAT.max_value(), MAX_PACKABLE_FEE);
        assert_eq!(pack_fee(MAX_PACKABLE_FEE).unwrap(), [0xff, 0xff]);
        assert_eq!(closest_packable_fee(u128::MAX), MAX_PACKABLE_FEE);
    }

    /// PROTOCOL §4: the exponent is bounded to 0…31 in packing and in the closest-packable
    /// rounding; only fees reach the bound.
    #[test]
    fn exponent_is_bounded_to_31() {
        assert_eq!(FEE_FLOAT.to_mantissa_exponent(pow10(34)).unwrap(), (1000, 31));
        for fee in [pow10(35), 2048 * pow10(31), 2050 * pow10(31)] {
            assert!(!is_fee_packable(fee), "{fee}");
            assert!(matches!(pack_fee(fee), Err(PackingError::NotPackable { .. })));
            assert_eq!(closest_packable_fee(fee), MAX_PACKABLE_FEE);
        }
        assert!(matches!(FEE_FLOAT.join(1, 32), Err(PackingError::OutOfRange { what: "exponent", .. })));
        assert!(matches!(AMOUNT_FLOAT.join(1, 32), Err(PackingError::OutOfRange { what: "exponent", .. })));
        // Amounts: e ≤ 28 always suffices for the mantissa (2^128 < 2^35 × 10^28).
        assert!(u128::MAX / pow10(28) < 1 << 35);
        assert_eq!(AMOUNT_FLOAT.to_mantissa_exponent(pow10(38)).unwrap(), (10_000_000_000, 28));
        assert_eq!(closest_packable_amount(u128::MAX), MAX_PACKABLE_AMOUNT);
        assert_eq!(closest_packable_fee(0), 0);
    }

    #[test]
    fn every_ones_bytes() {
        // (2^35 − 1) × 10^31 overflows u128.
        let err = unpack_amount(&[0xff; 5]).unwrap_err();
        assert_eq!(
            err,
            PackingError::Overflow { kind: "amount", packed: 0xff_ffff_ffff, mantissa: (1 << 35) - 1, exponent: 31 }
        );
        assert!(err.to_string().contains("34359738367"), "{err}");
        assert_eq!(unpack_fee(&[0xff; 2]).unwrap(), 2047 * pow10(31));
    }

    #[test]
    fn non_packable_values() {
        for v in [(1u128 << 35) + 1, 343_597_383_671, 123_456_789_012_345, u128::MAX, MAX_PACKABLE_AMOUNT + 1] {
            assert!(!is_amount_packable(v), "{v}");
            let err = pack_amount(v).unwrap_err();
            assert!(err.to_string().contains(&v.to_string()), "{err}");
        }
        for v in [2049u128, 2048, 20_471, 123_456] {
            assert!(!is_fee_packable(v), "{v}");
            assert!(matches!(pack_fee(v), Err(PackingError::NotPackable { kind: "fee", value, .. }) if value == v));
        }
    }

    #[test]
    fn wrong_widths_are_errors() {
        assert!(matches!(AMOUNT_FLOAT.split(1 << 40), Err(PackingError::OutOfRange { what: "packed value", .. })));
        assert!(matches!(FEE_FLOAT.unpack_from_u64(0x1_0000), Err(PackingError::OutOfRange { bits: 16, .. })));
        assert!(matches!(FEE_FLOAT.join(2048, 0), Err(PackingError::OutOfRange { what: "mantissa", .. })));
        assert!(matches!(FEE_FLOAT.join(1, 32), Err(PackingError::OutOfRange { what: "exponent", .. })));
        assert!(matches!(FEE_FLOAT.unpack_bytes(&[0; 3]), Err(PackingError::WrongLength { expected: 2, got: 3, .. })));
        assert!(matches!(AMOUNT_FLOAT.pack_into(1, &mut [0; 4]), Err(PackingError::WrongLength { .. })));
    }

    #[test]
    fn worked_examples() {
        // The examples of docs/protocol.md (independently recomputed there by hand).
        let amounts: [(u128, &str); 5] = [
            (1, "0000000020"),
            (25_000_000, "002faf0800"),
            (1_000_000_000_000_000_000, "4a817c8008"),
            (123_456_789_000, "5bfb838681"),
            (MAX_PACKABLE_AMOUNT, "fd87b5f29c"),
        ];
        for (v, hex_bytes) in amounts {
            assert_eq!(hex::encode(pack_amount(v).unwrap()), hex_bytes, "amount {v}");
            let bytes: [u8; 5] = hex::decode(hex_bytes).unwrap().try_into().unwrap();
            assert_eq!(unpack_amount(&bytes).unwrap(), v);
        }
        let fees: [(u128, &str); 4] =
            [(2047, "ffe0"), (2050, "19a1"), (1_500_000_000_000_000, "bb8c"), (MAX_PACKABLE_FEE, "ffff")];
        for (v, hex_bytes) in fees {
            assert_eq!(hex::encode(pack_fee(v).unwrap()), hex_bytes, "fee {v}");
            let bytes: [u8; 2] = hex::decode(hex_bytes).unwrap().try_into().unwrap();
            assert_eq!(unpack_fee(&bytes).unwrap(), v);
        }
        assert!(!is_amount_packable(12_345_678_901_234_567_890));
        assert_eq!(closest_packable_amount(12_345_678_901_234_567_890), 12_345_678_901_000_000_000);
        assert_eq!(closest_packable_fee(1_234_567), 1_234_000);
    }

    proptest! {
        #[test]
        fn packable_at_least_is_the_next_packable_value(x in any::<u64>(), shift in 0u32..60) {
            let x = (x as u128) << shift;
            for f in FORMATS {
                match f.packable_at_least(x) {
                    Some(up) => {
                        prop_assert!(up >= x && f.is_packable(up));
                        // Nothing packable in [x, up): the largest packable below `up` is below x.
                        prop_assert!(up == x || f.closest_packable(up - 1) < x);
                    }
                    None => prop_assert!(f.max_value() < x),
                }
            }
        }

        #[test]
        fn packable_values_round_trip(m in 0u64..(1u64 << 35), e in 0u32..32) {
            for f in FORMATS {
                let m = m & f.max_mantissa();
                let Some(v) = (m as u128).checked_mul(pow10(e)) else { continue };
                let packed = f.pack_to_u64(v).unwrap();
                prop_assert_eq!(f.unpack_from_u64(packed).unwrap(), v);
                let (pm, pe) = f.split(packed).unwrap();
                prop_assert!(pe <= e);
                prop_assert_eq!(f.join(pm, pe).unwrap(), packed);
                // Minimal exponent: one less would need a mantissa too wide.
                if pe > 0 {
                    prop_assert!(pm as u128 * 10 > f.max_mantissa() as u128);
                }
                let mut buf = vec![0u8; f.bytes()];
                f.pack_into(v, &mut buf).unwrap();
                prop_assert_eq!(f.unpack_bytes(&buf).unwrap(), v);
                prop_assert!(f.is_packable(v));
                prop_assert_eq!(f.closest_packable(v), v);
            }
        }

        #[test]
        fn every_bit_pattern_unpacks_or_overflows(packed in 0u64..(1u64 << 40)) {
            let (m, e) = AMOUNT_FLOAT.split(packed).unwrap();
            match AMOUNT_FLOAT.unpack_from_u64(packed) {
                Ok(v) => {
                    prop_assert_eq!(Some(v), (m as u128).checked_mul(pow10(e)));
                    // Whatever encoding it came from, the value repacks canonically to itself.
                    prop_assert_eq!(AMOUNT_FLOAT.unpack_from_u64(AMOUNT_FLOAT.pack_to_u64(v).unwrap()).unwrap(), v);
                }
                Err(err) => {
                    prop_assert!((m as u128).checked_mul(pow10(e)).is_none());
                    prop_assert!(matches!(err, PackingError::Overflow { .. }), "unexpected error: {}", err);
                }
            }
        }

        #[test]
        fn closest_packable_rounds_down(
            x in prop_oneof![any::<u128>(), 0u128..1u128 << 40, (0u128..1u128 << 80)],
        ) {
            for f in FORMATS {
                let c = f.closest_packable(x);
                prop_assert!(c <= x);
                prop_assert!(f.is_packable(c));
                if let Some(next) = next_packable_above(&f, c) {
                    prop_assert!(next > x, "{} < {} <= {} with {} packable", c, next, x, next);
                }
                prop_assert_eq!(f.is_packable(x), c == x);
            }
        }
    }
}
