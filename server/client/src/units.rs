//! Amounts as people write them: `1.5` of a token with 18 decimals is 1 500 000 000 000 000 000
//! base units. Parsing is exact (decimal text, no floating point) and refuses what it cannot
//! represent; formatting drops trailing zeros.

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    /// Not a decimal number.
    #[error("{0:?} is not an amount (digits, one optional decimal point)")]
    Syntax(String),
    /// More fractional digits than the token has decimals.
    #[error("{text:?} has more than {decimals} decimals, the token's smallest unit")]
    TooPrecise {
        /// The text.
        text: String,
        /// The token's decimals.
        decimals: u8,
    },
    /// Above 2^128 − 1 base units.
    #[error("{0:?} is too large")]
    Overflow(String),
}

/// `text` (e.g. `1.5`, `20`, `0.000001`) in base units of a token with `decimals`.
pub fn parse_units(text: &str, decimals: u8) -> Result<u128, UnitsError> {
    let t = text.trim();
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || (t.contains('.') && frac.is_empty()) {
        return Err(UnitsError::Syntax(text.to_string()));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(UnitsError::TooPrecise { text: text.to_string(), decimals });
    }
    let overflow = || UnitsError::Overflow(text.to_string());
    let scale = 10u128.checked_pow(decimals as u32).ok_or_else(overflow)?;
    let int: u128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| overflow())? };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let f: u128 = frac.parse().map_err(|_| overflow())?;
        f * 10u128.pow((decimals as usize - frac.len()) as u32)
    };
    int.checked_mul(scale).and_then(|v| v.checked_add(frac_units)).ok_or_else(overflow)
}

/// `units` base units of a token with `decimals`, as decimal text without trailing zeros.
pub fn format_units(units: u128, decimals: u8) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let Some(scale) = 10u128.checked_pow(decimals as u32) else { return units.to_string() };
    let (int, frac) = (units / scale, units % scale);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(parse_units("1.5", 18), Ok(1_500_000_000_000_000_000));
        assert_eq!(parse_units("20", 6), Ok(20_000_000));
        assert_eq!(parse_units("0.000001", 6), Ok(1));
        assert_eq!(parse_units(".5", 1), Ok(5));
        assert_eq!(parse_units("1.50", 1), Ok(15), "trailing zeros are not precision");
        assert_eq!(parse_units("7", 0), Ok(7));
    }

    #[test]
    fn bad_amounts_are_refused() {
        for bad in ["", ".", "1.", "-1", "1e3", "1,5", "0x10", " 1 2", "1.2.3", "+1"] {
            assert!(matches!(parse_units(bad, 18), Err(UnitsError::Syntax(_))), "{bad:?}");
        }
        assert!(matches!(parse_units("0.0000001", 6), Err(UnitsError::TooPrecise { .. })));
        assert!(matches!(parse_units("340282366920938463463374607431768211456", 0), Err(UnitsError::Overflow(_))));
        assert_eq!(parse_units("100000000000000000000", 18), Ok(100_000_000_000_000_000_000 * 10u128.pow(18)));
        assert!(matches!(parse_units("1000000000000000000000000000000000000000", 18), Err(UnitsError::Overflow(_))));
    }

    #[test]
    fn formatting_round_trips() {
        for (units, d, text) in
            [(1_500_000_000_000_000_000, 18, "1.5"), (20_000_000, 6, "20"), (1, 6, "0.000001"), (0, 18, "0")]
        {
            assert_eq!(format_units(units, d), text);
            assert_eq!(parse_units(text, d), Ok(units));
        }
    }
}
