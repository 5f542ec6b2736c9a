//! SHA-256 over a bit string (whole bytes), equal to the `sha2` crate; used for the block commitment.
//!
//! `bellman_ce` 0.8 has no gadget library (no `gadgets::sha256`), so this is the project's own,
//! written from FIPS 180-4. Words are 32 booleans, little-endian inside the gadget (bit i = 2^i) so
//! rotations and shifts are free re-indexings. Costs per bit: Σ/σ (three-way XOR) 2 constraints,
//! Ch 1, Maj 2; a modular addition of k words decomposes the integer sum into 32 + ⌈log2 k⌉ bits.
//! Padding is constant and free. Operations on constants fold, so the first block (constant IV)
//! is a little cheaper than later ones.

use super::bits::to_bits_le;
use super::boolean::Boolean;
use super::num::Num;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};

const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// A 32-bit word, little-endian bits.
#[derive(Clone)]
struct Word(Vec<Boolean>);

impl Word {
    fn constant(v: u32) -> Word {
        Word((0..32).map(|i| Boolean::Constant((v >> i) & 1 == 1)).collect())
    }

    /// From 32 big-endian bits (SHA-256's byte order).
    fn from_be_bits(bits: &[Boolean]) -> Word {
        Word(bits.iter().rev().copied().collect())
    }

    fn to_be_bits(&self) -> Vec<Boolean> {
        self.0.iter().rev().copied().collect()
    }

    fn rotr(&self, n: usize) -> Word {
        Word((0..32).map(|i| self.0[(i + n) % 32]).collect())
    }

    fn shr(&self, n: usize) -> Word {
        Word((0..32).map(|i| if i + n < 32 { self.0[i + n] } else { Boolean::Constant(false) }).collect())
    }

    fn to_num(&self) -> Num {
        super::bits::from_bits_le(&self.0)
    }

    /// `a ⊕ b ⊕ c` bitwise (2 constraints per non-constant bit).
    fn xor3<CS: ConstraintSystem<Engine>>(mut cs: CS, a: &Word, b: &Word, c: &Word) -> Result<Word, SynthesisError> {
        let mut out = Vec::with_capacity(32);
        for i in 0..32 {
            let ab = Boolean::xor(cs.namespace(|| format!("ab {i}")), &a.0[i], &b.0[i])?;
            out.push(Boolean::xor(cs.namespace(|| format!("abc {i}")), &ab, &c.0[i])?);
        }
        Ok(Word(out))
    }

    /// Ch(e, f, g) = e ? f : g bitwise: `e · (f − g) = ch − g`, one constraint per bit; the result
    /// is a convex combination of two bits, hence a bit.
    fn ch<CS: ConstraintSystem<Engine>>(mut cs: CS, e: &Word, f: &Word, g: &Word) -> Result<Word, SynthesisError> {
        let mut out = Vec::with_capacity(32);
        for i in 0..32 {
            let (e, f, g) = (&e.0[i], &f.0[i], &g.0[i]);
            if let Some(c) = e.constant_value() {
                out.push(if c { *f } else { *g });
                continue;
            }
            let value = e.value().zip(f.value()).zip(g.value()).map(|((e, f), g)| if e { f } else { g });
            let mut cs = cs.namespace(|| format!("ch {i}"));
            let bit = super::boolean::AllocatedBit::alloc_unconstrained(cs.namespace(|| "ch"), value)?;
            let r = Boolean::Is(bit);
            cs.enforce(
                || "e*(f-g)=ch-g",
                |_| e.lc(),
                |_| f.to_num().sub(&g.to_num()).lc(),
                |_| r.to_num().sub(&g.to_num()).lc(),
            );
            out.push(r);
        }
        Ok(Word(out))
    }

    /// Maj(a, b, c) bitwise as `(a ∧ b) ∨ (c ∧ (a ⊕ b))`, written `ab + c·(a ⊕ b)` with the XOR
    /// expanded: `ab` (1 constraint), then `c · (a + b − 2ab) = maj − ab` (1 constraint).
    fn maj<CS: ConstraintSystem<Engine>>(mut cs: CS, a: &Word, b: &Word, c: &Word) -> Result<Word, SynthesisError> {
        let mut out = Vec::with_capacity(32);
        for i in 0..32 {
            let mut cs = cs.namespace(|| format!("maj {i}"));
            let (a, b, c) = (&a.0[i], &b.0[i], &c.0[i]);
            let ab = Boolean::and(cs.namespace(|| "ab"), a, b)?;
            let value = a.value().zip(b.value()).zip(c.value()).map(|((a, b), c)| (a & b) | (c & (a ^ b)));
            let a_xor_b = a.to_num().add(&b.to_num()).sub(&ab.to_num().scale(&two()));
            if let Some(cv) = c.constant_value() {
                out.push(if cv { Boolean::or(cs.namespace(|| "or"), a, b)? } else { ab });
                continue;
            }
            let bit = super::boolean::AllocatedBit::alloc_unconstrained(cs.namespace(|| "maj"), value)?;
            let r = Boolean::Is(bit);
            cs.enforce(|| "c*(a^b)=maj-ab", |_| c.lc(), |_| a_xor_b.lc(), |_| r.to_num().sub(&ab.to_num()).lc());
            out.push(r);
        }
        Ok(Word(out))
    }

    /// Σ words mod 2^32: the integer sum (free) decomposed into 32 + ⌈log2 k⌉ bits, of which the low
    /// 32 are kept. Constant-only sums are folded.
    fn add_many<CS: ConstraintSystem<Engine>>(cs: CS, words: &[Word]) -> Result<Word, SynthesisError> {
        let sum = words.iter().fold(Num::zero(), |acc, w| acc.add(&w.to_num()));
        if let Some(c) = sum.constant_value() {
            let limbs = bellman_ce::pairing::ff::PrimeField::into_repr(&c).0;
            return Ok(Word::constant(limbs[0] as u32));
        }
        let extra = usize::BITS as usize - (words.len() - 1).leading_zeros() as usize;
        let bits = to_bits_le(cs, &sum, 32 + extra)?;
        Ok(Word(bits[..32].to_vec()))
    }
}

fn two() -> Fr {
    let mut t = Fr::one();
    t.double();
    t
}

fn compress<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    state: &[Word],
    block: &[Boolean],
) -> Result<Vec<Word>, SynthesisError> {
    let mut w: Vec<Word> = block.chunks(32).map(Word::from_be_bits).collect();
    for t in 16..64 {
        let mut cs = cs.namespace(|| format!("schedule {t}"));
        let s0 = Word::xor3(cs.namespace(|| "s0"), &w[t - 15].rotr(7), &w[t - 15].rotr(18), &w[t - 15].shr(3))?;
        let s1 = Word::xor3(cs.namespace(|| "s1"), &w[t - 2].rotr(17), &w[t - 2].rotr(19), &w[t - 2].shr(10))?;
        let next = Word::add_many(cs.namespace(|| "sum"), &[w[t - 16].clone(), s0, w[t - 7].clone(), s1])?;
        w.push(next);
    }
    let mut v: Vec<Word> = state.to_vec();
    for t in 0..64 {
        let mut cs = cs.namespace(|| format!("round {t}"));
        let (a, b, c, d, e, f, g, h) = (&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
        let big_s1 = Word::xor3(cs.namespace(|| "S1"), &e.rotr(6), &e.rotr(11), &e.rotr(25))?;
        let ch = Word::ch(cs.namespace(|| "ch"), e, f, g)?;
        let big_s0 = Word::xor3(cs.namespace(|| "S0"), &a.rotr(2), &a.rotr(13), &a.rotr(22))?;
        let maj = Word::maj(cs.namespace(|| "maj"), a, b, c)?;
        let t1 = [h.clone(), big_s1, ch, Word::constant(K[t]), w[t].clone()];
        let mut new_a_terms = t1.to_vec();
        new_a_terms.extend([big_s0, maj]);
        let mut new_e_terms = t1.to_vec();
        new_e_terms.push(d.clone());
        let new_a = Word::add_many(cs.namespace(|| "a"), &new_a_terms)?;
        let new_e = Word::add_many(cs.namespace(|| "e"), &new_e_terms)?;
        v = vec![new_a, a.clone(), b.clone(), c.clone(), new_e, e.clone(), f.clone(), g.clone()];
    }
    state
        .iter()
        .zip(&v)
        .enumerate()
        .map(|(i, (s, x))| Word::add_many(cs.namespace(|| format!("out {i}")), &[s.clone(), x.clone()]))
        .collect()
}

/// Number of 512-bit blocks SHA-256 processes for a message of `len_bytes` bytes.
pub const fn sha256_blocks(len_bytes: usize) -> usize {
    (len_bytes + 9).div_ceil(64)
}

/// SHA-256 of the message whose bits are `input` (big-endian within each byte, bytes in order; the
/// length must be a whole number of bytes). Returns the 256 digest bits in the same order.
pub fn sha256<CS: ConstraintSystem<Engine>>(mut cs: CS, input: &[Boolean]) -> Result<Vec<Boolean>, SynthesisError> {
    assert_eq!(input.len() % 8, 0, "sha256 gadget takes whole bytes");
    let mut padded = input.to_vec();
    padded.push(Boolean::Constant(true));
    while padded.len() % 512 != 448 {
        padded.push(Boolean::Constant(false));
    }
    let len = input.len() as u64;
    padded.extend((0..64).rev().map(|i| Boolean::Constant((len >> i) & 1 == 1)));
    let mut state: Vec<Word> = IV.iter().map(|v| Word::constant(*v)).collect();
    for (i, block) in padded.chunks(512).enumerate() {
        state = compress(cs.namespace(|| format!("block {i}")), &state, block)?;
    }
    Ok(state.iter().flat_map(|w| w.to_be_bits()).collect())
}

/// Allocate the bits of `bytes` (big-endian within each byte), one constraint per bit, as a
/// convenience for callers that hold the bytes as a witness.
pub fn alloc_bytes<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    bytes: Option<&[u8]>,
    len: usize,
) -> Result<Vec<Boolean>, SynthesisError> {
    let mut out = Vec::with_capacity(8 * len);
    for i in 0..len {
        for j in 0..8 {
            let v = bytes.map(|b| (b[i] >> (7 - j)) & 1 == 1);
            out.push(Boolean::alloc(cs.namespace(|| format!("byte {i} bit {j}")), v)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::rng;
    use rand::Rng;
    use sha2::{Digest, Sha256};

    fn digest_bytes(bits: &[Boolean]) -> Vec<u8> {
        bits.chunks(8).map(|b| b.iter().fold(0u8, |acc, x| (acc << 1) | x.value().unwrap() as u8)).collect()
    }

    fn run(msg: &[u8]) -> (TestConstraintSystem, Vec<Boolean>, usize) {
        let mut cs = TestConstraintSystem::new();
        let bits = alloc_bytes(cs.namespace(|| "msg"), Some(msg), msg.len()).unwrap();
        let before = cs.num_constraints();
        let out = sha256(cs.namespace(|| "sha256"), &bits).unwrap();
        let count = cs.num_constraints() - before;
        (cs, out, count)
    }

    #[test]
    fn equals_sha2_on_boundary_lengths_with_pinned_counts() {
        let mut r = rng(12);
        let mut counts = Vec::new();
        for len in [0usize, 1, 55, 56, 64, 119] {
            let msg: Vec<u8> = (0..len).map(|_| r.gen()).collect();
            let (cs, out, count) = run(&msg);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            assert_eq!(digest_bytes(&out), Sha256::digest(&msg).to_vec(), "len {len}");
            counts.push((len, sha256_blocks(len), count));
        }
        // (length, blocks, constraints). The empty message is all constants: it folds to nothing.
        // A block of message bits costs ~25k-26k; a later block with a variable state but
        // constant padding ~20k (64 → 45,328 = first block + padding block).
        assert_eq!(
            counts,
            vec![(0, 1, 0), (1, 1, 24_639), (55, 1, 25_861), (56, 2, 45_098), (64, 2, 45_328), (119, 2, 52_277)]
        );
    }

    #[test]
    fn a_corrupted_round_witness_is_caught() {
        let (mut cs, out, _) = run(b"zkpay");
        assert!(cs.is_satisfied());
        let digest: Vec<u8> = digest_bytes(&out);
        assert_eq!(digest, Sha256::digest(b"zkpay").to_vec());
        for path in cs.aux_paths("sha256/block 0/round 40/ch/ch 3").into_iter().take(1) {
            let v = cs.get(&path);
            let mut flipped = Fr::one();
            flipped.sub_assign(&v);
            cs.set(&path, flipped);
            assert!(!cs.is_satisfied());
            cs.set(&path, v);
        }
        for path in cs.aux_paths("sha256/block 0/round 63/e/").into_iter().take(3) {
            let v = cs.get(&path);
            let mut flipped = Fr::one();
            flipped.sub_assign(&v);
            cs.set(&path, flipped);
            assert!(!cs.is_satisfied(), "{path}");
            cs.set(&path, v);
        }
        assert!(cs.is_satisfied());
    }
}
