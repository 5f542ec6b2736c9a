//! The BN254 scalar field `Fr` (the Baby Jubjub base field) and its encodings.
//!
//! `Fr` is `pairing_ce::bn256::Fr`, the one field type shared by core and circuit. Canonical byte
//! encoding is 32 bytes big-endian (PROTOCOL §3, "Root, field element"); values ≥ p are rejected.

pub use pairing_ce::bn256::{Fr, FrRepr};
pub use pairing_ce::ff::{Field, PrimeField, PrimeFieldRepr};

/// Why a byte string or text is not a field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The integer is not below the modulus p.
    #[error("value is not a canonical field element (not below the BN254 scalar modulus)")]
    NotCanonical,
    /// Hex text that does not decode to at most 32 bytes.
    #[error("invalid hex field element: {0}")]
    BadHex(String),
    /// Decimal text that is empty or has a non-digit.
    #[error("invalid decimal field element: {0:?}")]
    BadDecimal(String),
}

/// The field element with value `v`.
#[inline]
pub fn fr_from_u64(v: u64) -> Fr {
    Fr::from_repr(FrRepr([v, 0, 0, 0])).expect("u64 < p")
}

/// The field element with value `v`.
#[inline]
pub fn fr_from_u128(v: u128) -> Fr {
    Fr::from_repr(FrRepr([v as u64, (v >> 64) as u64, 0, 0])).expect("u128 < p")
}

/// Little-endian 64-bit limbs of the canonical integer representative.
#[inline]
pub fn fr_to_limbs(x: &Fr) -> [u64; 4] {
    x.into_repr().0
}

/// The field element with little-endian limbs `limbs`, if it is below p.
#[inline]
pub fn fr_from_limbs(limbs: [u64; 4]) -> Result<Fr, FieldError> {
    Fr::from_repr(FrRepr(limbs)).map_err(|_| FieldError::NotCanonical)
}

/// 32-byte big-endian encoding.
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    let limbs = fr_to_limbs(x);
    let mut out = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// Decode 32 big-endian bytes; rejects values ≥ p.
pub fn fr_from_be_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[32 - 8 * (i + 1)..32 - 8 * i]);
        *limb = u64::from_be_bytes(b);
    }
    fr_from_limbs(limbs)
}

/// Decode 32 little-endian bytes; rejects values ≥ p.
pub fn fr_from_le_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut be = *bytes;
    be.reverse();
    fr_from_be_bytes(&be)
}

/// 32-byte little-endian encoding.
pub fn fr_to_le_bytes(x: &Fr) -> [u8; 32] {
    let mut b = fr_to_be_bytes(x);
    b.reverse();
    b
}

/// Big-endian integer of up to 32 bytes (shorter inputs are left-padded with zeros).
pub fn fr_from_be_slice(bytes: &[u8]) -> Result<Fr, FieldError> {
    if bytes.len() > 32 {
        return Err(FieldError::NotCanonical);
    }
    let mut buf = [0u8; 32];
    buf[32 - bytes.len()..].copy_from_slice(bytes);
    fr_from_be_bytes(&buf)
}

/// `0x`-prefixed, 64-digit lowercase hex of the big-endian encoding.
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(fr_to_be_bytes(x)))
}

/// Parse hex (with or without `0x`, up to 64 digits) as a big-endian integer below p.
pub fn fr_from_hex(s: &str) -> Result<Fr, FieldError> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.is_empty() || digits.len() > 64 {
        return Err(FieldError::BadHex(s.to_string()));
    }
    let padded = format!("{digits:0>64}");
    let bytes = hex::decode(&padded).map_err(|_| FieldError::BadHex(s.to_string()))?;
    fr_from_be_slice(&bytes)
}

/// Parse a decimal integer below p.
pub fn fr_from_decimal(s: &str) -> Result<Fr, FieldError> {
    if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::BadDecimal(s.to_string()));
    }
    // Accumulate in 256-bit little-endian limbs so values ≥ p are detected rather than reduced.
    let mut limbs = [0u64; 4];
    for d in s.bytes() {
        let mut carry = (d - b'0') as u128;
        for limb in limbs.iter_mut() {
            let v = (*limb as u128) * 10 + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            return Err(FieldError::NotCanonical);
        }
    }
    fr_from_limbs(limbs)
}

/// Decimal text of the canonical integer.
pub fn fr_to_decimal(x: &Fr) -> String {
    let mut limbs = fr_to_limbs(x);
    if limbs == [0; 4] {
        return "0".into();
    }
    let mut digits = Vec::with_capacity(78);
    while limbs != [0; 4] {
        let mut rem = 0u128;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 64) | *limb as u128;
            *limb = (cur / 10) as u64;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    digits.reverse();
    String::from_utf8(digits).expect("ascii digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    const P_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn byte_and_text_encodings_round_trip() {
        let x = fr_from_decimal("1234567890123456789012345678901234567890").unwrap();
        assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)).unwrap(), x);
        assert_eq!(fr_from_le_bytes(&fr_to_le_bytes(&x)).unwrap(), x);
        assert_eq!(fr_from_hex(&fr_to_hex(&x)).unwrap(), x);
        assert_eq!(fr_to_decimal(&x), "1234567890123456789012345678901234567890");
        assert_eq!(fr_to_decimal(&Fr::zero()), "0");
        assert_eq!(fr_from_u128(u128::MAX), fr_from_decimal(&u128::MAX.to_string()).unwrap());
    }

    #[test]
    fn modulus_and_above_are_rejected() {
        assert_eq!(fr_from_decimal(P_DEC), Err(FieldError::NotCanonical));
        let p_minus_1 =
            fr_from_decimal("21888242871839275222246405745257275088548364400416034343698204186575808495616").unwrap();
        let mut wrapped = p_minus_1;
        wrapped.add_assign(&Fr::one());
        assert!(wrapped.is_zero());
        assert_eq!(fr_from_be_bytes(&[0xff; 32]), Err(FieldError::NotCanonical));
        assert!(fr_from_hex("0xzz").is_err());
        assert!(fr_from_decimal("12a").is_err());
        assert!(fr_from_decimal("").is_err());
    }
}
