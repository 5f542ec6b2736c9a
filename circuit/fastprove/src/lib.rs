//! A faster Groth16 prover for zkpay's circuits.
//!
//! It takes bellman_ce's proving keys (`Parameters<Bn256>`, the `keys/*.pk` files) and bellman_ce
//! circuits, and gives `Proof<Bn256>` values that bellman_ce's verifier (and so the Solidity
//! verifier) accepts: for the same key, witness and blinding factors r, s the very proof bellman_ce
//! makes. What differs is the arithmetic: witness synthesis into a lean assignment
//! ([`assignment`]), the quotient by arkworks' FFTs ([`h`]) and the MSMs by arkworks' signed-digit
//! Pippenger with the 0 and 1 scalars of the witness split off ([`msm`]); points and scalars
//! convert by copying limbs ([`convert`]). The measurements behind these choices are in
//! `docs/benchmarks.md` ("The fast prover").

#![warn(missing_docs)]

pub mod assignment;
pub mod bench;
pub mod convert;
pub mod h;
pub mod msm;
pub mod pippenger;
pub mod prover;

pub use prover::{
    create_proof, create_random_proof, prove_assignment, FastProveError, ProvingKey, QueryTiming, Timings,
};
