//! Small protocol value types (PROTOCOL §3).

use crate::field::{fr_from_be_slice, Fr};
use std::fmt;
use std::str::FromStr;

/// An account id: a leaf index of the account tree, 0 … 2^24 − 1.
pub type AccountId = u32;
/// A token id: a leaf index of a balance tree, 0 … 1023; 0 is ETH.
pub type TokenId = u16;
/// An account nonce.
pub type Nonce = u32;

/// Why text is not a valid 20-byte value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 0x followed by 40 hex digits, got {0:?}")]
pub struct ParseBytes20Error(pub String);

fn parse_bytes20(s: &str) -> Result<[u8; 20], ParseBytes20Error> {
    let digits = s.strip_prefix("0x").ok_or_else(|| ParseBytes20Error(s.to_string()))?;
    let mut out = [0u8; 20];
    hex::decode_to_slice(digits, &mut out).map_err(|_| ParseBytes20Error(s.to_string()))?;
    Ok(out)
}

/// An Ethereum address. The all-zero address marks an empty account leaf.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The zero address (no account).
    pub const ZERO: Address = Address([0; 20]);

    /// Whether this is the zero address.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 20]
    }

    /// The address as a 160-bit integer in the field.
    pub fn to_fr(&self) -> Fr {
        fr_from_be_slice(&self.0).expect("160-bit value is below p")
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Address {
    type Err = ParseBytes20Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_bytes20(s).map(Address)
    }
}

/// Low 160 bits of `H(A.x, A.y)` of an account's L2 signing key (PROTOCOL §2); all-zero means the
/// account has no signing key.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PubKeyHash(pub [u8; 20]);

impl PubKeyHash {
    /// "No signing key set".
    pub const ZERO: PubKeyHash = PubKeyHash([0; 20]);

    /// Whether no key is set.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 20]
    }

    /// The hash as a 160-bit integer in the field.
    pub fn to_fr(&self) -> Fr {
        fr_from_be_slice(&self.0).expect("160-bit value is below p")
    }

    /// The low 160 bits of a field element, big-endian.
    pub fn from_fr_low160(x: &Fr) -> PubKeyHash {
        let b = crate::field::fr_to_be_bytes(x);
        let mut out = [0u8; 20];
        out.copy_from_slice(&b[12..]);
        PubKeyHash(out)
    }
}

impl fmt::Display for PubKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for PubKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for PubKeyHash {
    type Err = ParseBytes20Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_bytes20(s).map(PubKeyHash)
    }
}

/// Implements serde as the `0x`-hex text of [`Display`](fmt::Display) / [`FromStr`] (lowercase out,
/// either case in; exactly 20 bytes).
macro_rules! serde_via_text {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Owned: buffered (internally tagged) input cannot lend a `&str`.
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_via_text!(Address);
serde_via_text!(PubKeyHash);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_text_round_trip_and_errors() {
        let a: Address = "0x00112233445566778899aabbccddeeff00112233".parse().unwrap();
        assert_eq!(a.to_string(), "0x00112233445566778899aabbccddeeff00112233");
        assert!(!a.is_zero());
        assert!(Address::ZERO.is_zero());
        assert!("00112233445566778899aabbccddeeff00112233".parse::<Address>().is_err());
        assert!("0x0011".parse::<Address>().is_err());
        assert!("0xzz112233445566778899aabbccddeeff00112233".parse::<Address>().is_err());
    }

    #[test]
    fn pubkey_hash_keeps_low_160_bits() {
        let x =
            crate::field::fr_from_hex("0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
        let h = PubKeyHash::from_fr_low160(&x);
        assert_eq!(h.to_string(), "0x89abcdef0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn address_and_pubkey_hash_json() {
        let a: Address = "0x00112233445566778899AABBCCDDEEFF00112233".parse().unwrap();
        let j = serde_json::to_string(&a).unwrap();
        assert_eq!(j, "\"0x00112233445566778899aabbccddeeff00112233\"");
        assert_eq!(serde_json::from_str::<Address>(&j).unwrap(), a);
        let h = PubKeyHash([7; 20]);
        let j = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<PubKeyHash>(&j).unwrap(), h);
        for bad in [
            "\"0x0011\"",
            "\"00112233445566778899aabbccddeeff00112233\"",
            "17",
            "null",
            "\"0x00112233445566778899aabbccddeeff0011223344\"",
        ] {
            assert!(serde_json::from_str::<Address>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<PubKeyHash>(bad).is_err(), "{bad}");
        }
    }
}
