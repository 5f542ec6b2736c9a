//! zkpay circuits: gadgets, the block circuit, the exit circuit, witness building, keys, proving and
//! Solidity verifier export. Built on `bellman_ce` (Groth16 over BN254). Filled in by the circuit issues.

pub use zkpay_core as core;
