//! serde helpers for the protocol's JSON conventions (used with `#[serde(with = "…")]`):
//!
//! * `u128` amounts and fees as canonical decimal strings ([`u128_dec`]): JSON numbers lose
//!   precision above 2^53 in JavaScript, so amounts never travel as numbers;
//! * fixed-size byte arrays ([`hex_array`]) and byte vectors ([`hex_vec`]) as `0x`-prefixed hex,
//!   written lowercase (either case is accepted on input).
//!
//! Every malformed input is a deserialization error, never a panic.

use serde::de::{self, Deserialize, Deserializer};
use serde::Serializer;

/// Parses canonical decimal text of a `u128`: digits only, no sign, no leading zeros (except "0"),
/// at most `u128::MAX`.
pub fn parse_u128_decimal(s: &str) -> Result<u128, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a decimal integer string, got {s:?}"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("leading zeros are not allowed in a decimal amount: {s:?}"));
    }
    s.parse::<u128>().map_err(|_| format!("decimal amount {s:?} does not fit in 128 bits"))
}

/// Parses `0x`-prefixed hex into bytes.
pub fn parse_hex_prefixed(s: &str) -> Result<Vec<u8>, String> {
    let digits = s.strip_prefix("0x").ok_or_else(|| format!("expected 0x-prefixed hex, got {s:?}"))?;
    hex::decode(digits).map_err(|e| format!("invalid hex {s:?}: {e}"))
}

/// `u128` as a decimal string.
pub mod u128_dec {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a canonical decimal string (see [`parse_u128_decimal`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        // `String`, not `&str`: inside internally tagged enums serde buffers the input and can only
        // hand out owned strings.
        let s = String::deserialize(d)?;
        parse_u128_decimal(&s).map_err(de::Error::custom)
    }
}

/// `[u8; N]` as `0x`-hex of exactly `N` bytes.
pub mod hex_array {
    use super::*;

    /// Writes `0x` + lowercase hex.
    pub fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }

    /// Reads `0x`-hex of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let bytes = parse_hex_prefixed(&s).map_err(de::Error::custom)?;
        <[u8; N]>::try_from(bytes.as_slice())
            .map_err(|_| de::Error::custom(format!("expected {N} bytes of hex, got {}", bytes.len())))
    }
}

/// `Vec<u8>` as `0x`-hex of any length.
pub mod hex_vec {
    use super::*;

    /// Writes `0x` + lowercase hex.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }

    /// Reads `0x`-hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        parse_hex_prefixed(&s).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_parsing_is_strict() {
        assert_eq!(parse_u128_decimal("0"), Ok(0));
        assert_eq!(parse_u128_decimal(&u128::MAX.to_string()), Ok(u128::MAX));
        for bad in ["", "+1", "-1", "1.0", "1e3", "0x10", "01", " 1", "340282366920938463463374607431768211456"] {
            assert!(parse_u128_decimal(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn hex_parsing_requires_prefix() {
        assert_eq!(parse_hex_prefixed("0x0aFF"), Ok(vec![0x0a, 0xff]));
        assert_eq!(parse_hex_prefixed("0x"), Ok(vec![]));
        assert!(parse_hex_prefixed("0aff").is_err());
        assert!(parse_hex_prefixed("0x0af").is_err());
        assert!(parse_hex_prefixed("0xzz").is_err());
    }
}
