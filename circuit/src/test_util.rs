//! Helpers shared by the gadget tests.

use crate::Fr;
use rand::Rng;
use zkpay_core::field::{fr_from_limbs, fr_from_u128};

/// A uniformly random field element (rejection sampling on 254-bit integers).
pub fn random_fr<R: Rng>(rng: &mut R) -> Fr {
    loop {
        let limbs = [rng.gen(), rng.gen(), rng.gen(), rng.gen::<u64>() >> 2];
        if let Ok(f) = fr_from_limbs(limbs) {
            return f;
        }
    }
}

/// A random value below 2^bits, as a field element and as an integer.
pub fn random_below_pow2<R: Rng>(rng: &mut R, bits: u32) -> (Fr, u128) {
    let v: u128 = rng.gen();
    let v = if bits >= 128 { v } else { v & ((1u128 << bits) - 1) };
    (fr_from_u128(v), v)
}

/// A deterministic RNG per test, so failures reproduce.
pub fn rng(seed: u64) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(seed)
}
