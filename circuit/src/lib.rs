//! zkpay circuits: gadgets, the block circuit, the exit circuit, witness building, keys, proving and
//! Solidity verifier export. Built on `bellman_ce` (Groth16 over BN254).
//!
//! So far: the gadget library ([`gadgets`]), a satisfiability-checking test constraint system
//! ([`test_cs`]), the exit circuit ([`exit`]), key generation and key files ([`keys`]), proving,
//! verification and the L1 proof encoding ([`prover`]), and the Solidity Groth16 verifier export
//! ([`verifier_sol`]). Every gadget and circuit is checked against
//! `zkpay-core` (the native reference) and has its constraint count pinned in a test.

#![warn(missing_docs)]

pub use bellman_ce;
pub use zkpay_core as core;

/// The field of the circuit: the BN254 scalar field, the same type `zkpay-core` uses.
pub type Fr = bellman_ce::pairing::bn256::Fr;
/// The pairing engine of the proof system.
pub type Engine = bellman_ce::pairing::bn256::Bn256;

pub mod block;
pub mod ceremony;
pub mod check_cs;
pub mod exit;
pub mod gadgets;
pub mod keys;
pub mod prover;
pub mod test_cs;
pub mod verifier_sol;

#[cfg(test)]
pub(crate) mod test_util;
