//! serde helpers for the protocol's JSON conventions (used with `#[serde(with = "…")]`):
//!
//! * integers that can exceed 2^53 − 1 as canonical decimal strings: `u128` amounts and fees
//!   ([`u128_dec`]) and `u64` chain ids, timestamps, serial ids and L1 block numbers ([`u64_dec`]).
//!   A JavaScript `number` is an IEEE-754 double, exact only up to 2^53 − 1, so such integers never
//!   travel as JSON numbers (`JSON.parse` reads `18446744073709551615` as 2^64). `u32`/`u16` values
//!   (ids, nonces, tokens) stay JSON numbers;
//! * fixed-size byte arrays ([`hex_array`]) and byte vectors ([`hex_vec`]) as `0x`-prefixed hex,
//!   written lowercase (either case is accepted on input).
//!
//! **Decimal strings** (PROTOCOL §9.2) are written by `to_string` and read strictly: a JSON string
//! of one or more ASCII digits `0`–`9`, without a leading zero unless it is exactly `"0"`, whose
//! value fits the type (`≤ 2^64 − 1`, `≤ 2^128 − 1`). Refused: JSON numbers (even small ones), the
//! empty string, signs (`+`, `-`), whitespace, `0x`/hex, decimal points, exponents, `_`, non-ASCII
//! digits, leading zeros (`"01"`), and values out of range. So every accepted string is the one the
//! writer produces for its value.
//!
//! Every malformed input is a deserialization error, never a panic.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::Serializer;
use std::fmt;
use std::str::FromStr;

/// Checks the canonical decimal syntax (see the module docs), not the range.
fn check_decimal_syntax(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("expected a decimal integer string, got an empty string".to_string());
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a decimal integer string (ASCII digits only), got {:?}", abbreviate(s)));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("leading zeros are not allowed in a decimal integer string: {:?}", abbreviate(s)));
    }
    Ok(())
}

/// The first 80 characters of `s` (error messages stay short whatever the input).
fn abbreviate(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn parse_decimal<T: FromStr>(s: &str, max: &str) -> Result<T, String> {
    check_decimal_syntax(s)?;
    // Only digits remain, so the one possible failure is overflow.
    s.parse::<T>().map_err(|_| format!("decimal integer {:?} exceeds {max}", abbreviate(s)))
}

/// Parses canonical decimal text of a `u128`: digits only, no sign, no leading zeros (except "0"),
/// at most `u128::MAX`.
pub fn parse_u128_decimal(s: &str) -> Result<u128, String> {
    parse_decimal(s, "2^128 − 1")
}

/// Parses canonical decimal text of a `u64`: digits only, no sign, no leading zeros (except "0"),
/// at most `u64::MAX` = 18446744073709551615.
pub fn parse_u64_decimal(s: &str) -> Result<u64, String> {
    parse_decimal(s, "2^64 − 1")
}

/// Accepts only a string, then parses it with `parse`; a number or any other JSON type is an
/// "invalid type" error naming what was expected.
struct DecimalVisitor<T> {
    what: &'static str,
    parse: fn(&str) -> Result<T, String>,
}

impl<'de, T> Visitor<'de> for DecimalVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a decimal string such as \"1700000000\" (not a JSON number)", self.what)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        (self.parse)(s).map_err(E::custom)
    }
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
        s.collect_str(v)
    }

    /// Reads a canonical decimal string (see [`parse_u128_decimal`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        // A visitor, not `&str`: inside internally tagged enums serde buffers the input and can
        // only hand out owned strings, which `visit_str` also receives.
        d.deserialize_str(DecimalVisitor { what: "u128", parse: parse_u128_decimal })
    }
}

/// `u64` as a decimal string.
pub mod u64_dec {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Reads a canonical decimal string (see [`parse_u64_decimal`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        d.deserialize_str(DecimalVisitor { what: "u64", parse: parse_u64_decimal })
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
    fn u64_decimal_parsing_is_strict() {
        assert_eq!(parse_u64_decimal("0"), Ok(0));
        assert_eq!(parse_u64_decimal("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_u64_decimal("18446744073709551615"), Ok(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            "1.0",
            "1e3",
            "0x10",
            "01",
            "00",
            " 1",
            "1 ",
            "1_000",
            "\u{661}",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert!(parse_u64_decimal(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_u64_decimal("18446744073709551616").unwrap_err().contains("exceeds 2^64 − 1"));
        assert!(parse_u64_decimal("").unwrap_err().contains("empty string"));
        assert!(parse_u64_decimal("007").unwrap_err().contains("leading zeros"));
        // A long input is cut in the message.
        assert!(parse_u64_decimal(&"9".repeat(10_000)).unwrap_err().len() < 200);
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Wide {
        #[serde(with = "u64_dec")]
        t: u64,
        #[serde(with = "u128_dec")]
        a: u128,
    }

    /// Buffered input, as inside internally tagged enums (`L2Tx`, `Op`).
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(tag = "type")]
    enum Tagged {
        W(Wide),
    }

    #[test]
    fn decimal_strings_round_trip_through_json() {
        for (t, a) in [(0, 0), (1_700_000_000, 42), (u64::MAX, u128::MAX)] {
            let w = Wide { t, a };
            let text = serde_json::to_string(&w).unwrap();
            assert_eq!(text, format!(r#"{{"t":"{t}","a":"{a}"}}"#));
            assert_eq!(serde_json::from_str::<Wide>(&text).unwrap(), w);
            let tagged = serde_json::to_string(&Tagged::W(w)).unwrap();
            assert_eq!(serde_json::from_str::<Tagged>(&tagged).unwrap(), Tagged::W(Wide { t, a }));
        }
        let max: Wide = serde_json::from_str(r#"{"t":"18446744073709551615","a":"0"}"#).unwrap();
        assert_eq!(max.t, u64::MAX);
    }

    #[test]
    fn decimal_strings_refuse_numbers_and_bad_text() {
        let parse = |t: &str| serde_json::from_str::<Wide>(&format!(r#"{{"t":{t},"a":"1"}}"#));
        let parse_tagged = |t: &str| serde_json::from_str::<Tagged>(&format!(r#"{{"type":"W","t":{t},"a":"1"}}"#));
        for bad in [
            "0",
            "1700000000",
            "18446744073709551615",
            "1.5",
            "-1",
            "null",
            "true",
            "[]",
            "{}",
            r#""""#,
            r#""+1""#,
            r#"" 1""#,
            r#""0x1""#,
            r#""01""#,
            r#""1e3""#,
            r#""18446744073709551616""#,
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
            assert!(parse_tagged(bad).is_err(), "{bad} accepted (tagged)");
        }
        let number = parse("1700000000").unwrap_err().to_string();
        assert!(number.contains("invalid type") && number.contains("decimal string"), "{number}");
        let number = parse_tagged("1700000000").unwrap_err().to_string();
        assert!(number.contains("decimal string"), "{number}");
        let overflow = parse(r#""18446744073709551616""#).unwrap_err().to_string();
        assert!(overflow.contains("exceeds 2^64 − 1"), "{overflow}");
        let empty = parse(r#""""#).unwrap_err().to_string();
        assert!(empty.contains("empty string"), "{empty}");
        // u128 amounts likewise refuse numbers.
        assert!(serde_json::from_str::<Wide>(r#"{"t":"1","a":5}"#).is_err());
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
