//! Groth16 proving and verification, and the proof encoding the L1 verifier takes.
//!
//! **EVM layout.** The Solidity verifier takes a proof as `uint256[8]`:
//!
//! ```text
//! [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
//! ```
//!
//! where a G2 coordinate is `c0 + c1·u` in Fq2. The order of B's parts is the one the EIP-197
//! pairing precompile (0x08) reads a G2 point in: each coordinate as (imaginary, real), i.e.
//! `(c1, c0)`. Writing (c0, c1) instead is the classic mistake: the precompile then sees a point
//! that is not on the curve and the call fails. Each word is the coordinate as a 32-byte
//! big-endian integer. [`proof_to_uint256_8`] and [`proof_from_uint256_8`] convert; the latter
//! validates what L1 would (coordinates below the modulus, points on their curves, B in the
//! prime-order subgroup, no point at infinity), so a proof that decodes here is one the precompile
//! accepts as input. [`ProofJson`] is the same eight words as 0x-hex strings.

use crate::keys::fq_from_be_bytes;
use crate::{Engine, Fr};
use bellman_ce::groth16::{create_random_proof, prepare_verifying_key, verify_proof, Parameters, Proof, VerifyingKey};
use bellman_ce::pairing::bn256::{Fq2, G1Affine, G2Affine};
use bellman_ce::pairing::ff::PrimeField;
use bellman_ce::pairing::{CurveAffine, CurveProjective};
use bellman_ce::{Circuit, SynthesisError};
use serde::{Deserialize, Serialize};

/// A 256-bit EVM word, big-endian.
pub type U256 = [u8; 32];

/// Why proving or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// The witness does not satisfy the circuit, or a value is missing.
    #[error("cannot prove: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The OS random number generator is unavailable.
    #[error("OS random number generator unavailable: {0}")]
    Rng(String),
    /// The verification key takes another number of public inputs.
    #[error("the verification key takes {expected} public inputs, got {got}")]
    PublicInputCount {
        /// Inputs the key takes.
        expected: usize,
        /// Inputs given.
        got: usize,
    },
}

/// Why 8 words (or their JSON) are not a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFormatError {
    /// A word is not a 0x-prefixed 32-byte hex string.
    #[error("proof word {index} is not 0x followed by 64 hex digits")]
    BadHex {
        /// Word position 0…7.
        index: usize,
    },
    /// A coordinate is not below the base field modulus.
    #[error("proof word {index} is not below the field modulus")]
    NotInField {
        /// Word position 0…7.
        index: usize,
    },
    /// A point is not on its curve, at infinity, or (B) outside the prime-order subgroup.
    #[error("proof point {point} is invalid: {reason}")]
    BadPoint {
        /// "A", "B" or "C".
        point: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Prove that `circuit` (with its witness) is satisfied, with fresh randomness from the OS. The
/// randomness makes proofs zero-knowledge; it is not needed for soundness.
pub fn prove<C: Circuit<Engine>>(params: &Parameters<Engine>, circuit: C) -> Result<Proof<Engine>, ProverError> {
    let mut rng = rand04::OsRng::new().map_err(|e| ProverError::Rng(e.to_string()))?;
    Ok(create_random_proof(circuit, params, &mut rng)?)
}

/// Whether `proof` is valid for `public_inputs` (in circuit order) under `vk`. A wrong number of
/// inputs is an error, not `false`: it means the key and the caller disagree about the circuit.
pub fn verify(vk: &VerifyingKey<Engine>, proof: &Proof<Engine>, public_inputs: &[Fr]) -> Result<bool, ProverError> {
    if public_inputs.len() + 1 != vk.ic.len() {
        return Err(ProverError::PublicInputCount {
            expected: vk.ic.len().saturating_sub(1),
            got: public_inputs.len(),
        });
    }
    Ok(verify_proof(&prepare_verifying_key(vk), proof, public_inputs)?)
}

/// The proof as the Solidity verifier's `uint256[8]` (see the module docs for the order).
pub fn proof_to_uint256_8(proof: &Proof<Engine>) -> [U256; 8] {
    // One encoder for the prover and the verifier export (which also maps infinity to (0, 0)).
    crate::verifier_sol::proof_to_uint256_8(proof)
}

/// The inverse of [`proof_to_uint256_8`], with the checks the EVM precompiles make.
pub fn proof_from_uint256_8(words: &[U256; 8]) -> Result<Proof<Engine>, ProofFormatError> {
    let mut fq = Vec::with_capacity(8);
    for (index, w) in words.iter().enumerate() {
        fq.push(fq_from_be_bytes(w).ok_or(ProofFormatError::NotInField { index })?);
    }
    let bad = |point: &'static str| move |reason: String| ProofFormatError::BadPoint { point, reason };
    let g1 = |x, y, point: &'static str| -> Result<G1Affine, ProofFormatError> {
        let p = G1Affine::from_xy_checked(x, y).map_err(|e| bad(point)(e.to_string()))?;
        if p.is_zero() {
            return Err(bad(point)("point at infinity".into()));
        }
        Ok(p)
    };
    let a = g1(fq[0], fq[1], "A")?;
    let c = g1(fq[6], fq[7], "C")?;
    let b = G2Affine::from_xy_checked(Fq2 { c0: fq[3], c1: fq[2] }, Fq2 { c0: fq[5], c1: fq[4] })
        .map_err(|e| bad("B")(e.to_string()))?;
    if b.is_zero() {
        return Err(bad("B")("point at infinity".into()));
    }
    // G2 of BN254 has a cofactor: a point on the curve may lie outside the group of order r, which
    // the precompile rejects. (G1 has cofactor 1: on the curve means in the group.)
    if !b.mul(Fr::char()).is_zero() {
        return Err(bad("B")("not in the prime-order subgroup".into()));
    }
    Ok(Proof { a, b, c })
}

/// A proof as JSON: the eight `uint256` words of [`proof_to_uint256_8`] as 0x-hex strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofJson {
    /// `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
    pub proof: [String; 8],
}

impl ProofJson {
    /// The JSON form of `proof`.
    pub fn from_proof(proof: &Proof<Engine>) -> ProofJson {
        ProofJson { proof: proof_to_uint256_8(proof).map(|w| format!("0x{}", hex::encode(w))) }
    }

    /// The proof, validated as in [`proof_from_uint256_8`].
    pub fn to_proof(&self) -> Result<Proof<Engine>, ProofFormatError> {
        let mut words = [[0u8; 32]; 8];
        for (index, (s, w)) in self.proof.iter().zip(words.iter_mut()).enumerate() {
            let digits = s.strip_prefix("0x").ok_or(ProofFormatError::BadHex { index })?;
            hex::decode_to_slice(digits, w).map_err(|_| ProofFormatError::BadHex { index })?;
        }
        proof_from_uint256_8(&words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::tests::Square;
    use crate::keys::{generate_dev_keys, DEV_SEED};
    use bellman_ce::pairing::bn256::{Fq, G2};
    use bellman_ce::pairing::ff::Field;
    use zkpay_core::field::fr_from_u64;

    /// A base-field element as 32 big-endian bytes (the expected words, computed independently).
    fn fq_to_be_bytes(x: &Fq) -> [u8; 32] {
        use bellman_ce::pairing::ff::{PrimeField, PrimeFieldRepr};
        let mut out = [0u8; 32];
        x.into_repr().write_be(&mut out[..]).expect("32 bytes");
        out
    }

    fn square_proof() -> (Parameters<Engine>, Proof<Engine>) {
        let params = generate_dev_keys(Square(None), DEV_SEED).unwrap();
        let proof = prove(&params, Square(Some(fr_from_u64(7)))).unwrap();
        (params, proof)
    }

    #[test]
    fn proves_verifies_and_rejects_wrong_inputs() {
        let (params, proof) = square_proof();
        assert!(verify(&params.vk, &proof, &[fr_from_u64(49)]).unwrap());
        assert!(!verify(&params.vk, &proof, &[fr_from_u64(48)]).unwrap());
        assert!(matches!(verify(&params.vk, &proof, &[]), Err(ProverError::PublicInputCount { expected: 1, got: 0 })));
        // bellman does not check that a witness satisfies the constraints before proving: the
        // "proof" of a false claim comes out, and verification must refuse it for every input.
        let bogus = prove(&params, BadSquare).unwrap();
        assert!(!verify(&params.vk, &bogus, &[fr_from_u64(49)]).unwrap());
        assert!(!verify(&params.vk, &bogus, &[fr_from_u64(50)]).unwrap());
    }

    /// Claims 7² = 50.
    struct BadSquare;
    impl Circuit<Engine> for BadSquare {
        fn synthesize<CS: bellman_ce::ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
            use crate::gadgets::num::Num;
            let y = Num::alloc_input(cs.namespace(|| "y"), Some(fr_from_u64(50)))?;
            let x = Num::alloc(cs.namespace(|| "x"), Some(fr_from_u64(7)))?;
            x.square(cs.namespace(|| "x^2"))?.enforce_equal(cs.namespace(|| "y"), &y);
            Ok(())
        }
    }

    #[test]
    fn uint256_layout_puts_g2_imaginary_first_and_round_trips() {
        let (params, proof) = square_proof();
        let words = proof_to_uint256_8(&proof);
        let (bx, by) = proof.b.as_xy();
        assert_eq!(words[2], fq_to_be_bytes(&bx.c1));
        assert_eq!(words[3], fq_to_be_bytes(&bx.c0));
        assert_eq!(words[4], fq_to_be_bytes(&by.c1));
        assert_eq!(words[5], fq_to_be_bytes(&by.c0));
        assert_eq!(words[0], fq_to_be_bytes(proof.a.as_xy().0));
        assert_eq!(words[7], fq_to_be_bytes(proof.c.as_xy().1));
        assert_eq!(proof_from_uint256_8(&words).unwrap(), proof);

        let json = ProofJson::from_proof(&proof);
        let text = serde_json::to_string(&json).unwrap();
        let back: ProofJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_proof().unwrap(), proof);
        assert!(verify(&params.vk, &back.to_proof().unwrap(), &[fr_from_u64(49)]).unwrap());

        // Swapping B's parts (the (real, imaginary) mistake) gives no valid point.
        let mut swapped = words;
        swapped.swap(2, 3);
        swapped.swap(4, 5);
        assert!(matches!(proof_from_uint256_8(&swapped), Err(ProofFormatError::BadPoint { point: "B", .. })));
    }

    #[test]
    fn malformed_words_are_format_errors() {
        let (_, proof) = square_proof();
        let words = proof_to_uint256_8(&proof);
        let mut w = words;
        w[0] = [0xff; 32];
        assert_eq!(proof_from_uint256_8(&w).unwrap_err(), ProofFormatError::NotInField { index: 0 });
        let mut w = words;
        w[7][31] ^= 1;
        assert!(matches!(proof_from_uint256_8(&w), Err(ProofFormatError::BadPoint { point: "C", .. })));
        let mut w = words;
        w[0] = [0; 32];
        w[1] = [0; 32];
        assert!(matches!(proof_from_uint256_8(&w), Err(ProofFormatError::BadPoint { point: "A", .. })));

        // A point on the twist curve but outside the order-r subgroup: scale a random curve point
        // by r; the result is nonzero exactly when the point had a cofactor component.
        let mut found = false;
        for i in 1u64..200 {
            let Some(p) = point_on_twist(i) else { continue };
            if p.mul(Fr::char()).is_zero() {
                continue;
            }
            let (x, y) = p.as_xy();
            let mut w = words;
            w[2..6].copy_from_slice(&[
                fq_to_be_bytes(&x.c1),
                fq_to_be_bytes(&x.c0),
                fq_to_be_bytes(&y.c1),
                fq_to_be_bytes(&y.c0),
            ]);
            let err = proof_from_uint256_8(&w).unwrap_err();
            assert!(err.to_string().contains("subgroup"), "{err}");
            found = true;
            break;
        }
        assert!(found, "no non-subgroup twist point found");
        // A genuine subgroup point passes that check.
        let g = G2::one().into_affine();
        assert!(g.mul(Fr::char()).is_zero());

        let mut json = ProofJson::from_proof(&proof);
        json.proof[3] = "0x12".into();
        assert_eq!(json.to_proof().unwrap_err(), ProofFormatError::BadHex { index: 3 });
        json.proof[3] = json.proof[3].trim_start_matches("0x").to_string();
        assert_eq!(json.to_proof().unwrap_err(), ProofFormatError::BadHex { index: 3 });
    }

    /// The point of the BN254 twist with x = i (if y² = x³ + b' has a root).
    fn point_on_twist(i: u64) -> Option<G2Affine> {
        use bellman_ce::pairing::ff::SqrtField;
        let x = Fq2 { c0: Fq::from_str(&i.to_string()).unwrap(), c1: Fq::one() };
        let mut rhs = x;
        rhs.square();
        rhs.mul_assign(&x);
        rhs.add_assign(&G2Affine::b_coeff());
        let y = rhs.sqrt()?;
        G2Affine::from_xy_checked(x, y).ok()
    }
}
