//! The block circuit end to end with real Groth16 keys: the 8-chunk vector block (Transfer and
//! ForcedExit, two fee slots) as zkpay-core seals it, its witness checked against every constraint,
//! a proof with the dev keys that match the committed `keys/block_8.vk.json` (regenerated and
//! compared when `keys/block_8.pk` is absent: see `block_keys`), verified in Rust; a changed public
//! input or another block's input is refused, and a witness that breaks a rule is caught by
//! `check()` before proving.

mod block_keys;

use block_keys::{block8_keys, committed_vk, second_block8};
use std::time::Instant;
use zkpay_circuit::bellman_ce::pairing::ff::Field;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::prover::{proof_from_uint256_8, proof_to_uint256_8, prove, verify};
use zkpay_circuit::Fr;
use zkpay_core::vectors::vector_blocks;

#[test]
fn vector_block_8_proves_and_verifies_and_a_wrong_input_fails() {
    let (blocks, _) = vector_blocks();
    let block = &blocks[2];
    assert_eq!(block.header.chunks, 8);
    let witness = BlockWitness::from_block(block).expect("witness from a witness-mode block");
    assert_eq!(witness.public_input, block.public_input);
    let circuit = BlockCircuit::new(witness);
    circuit.check().expect("the vector block satisfies every constraint");

    let params = block8_keys();
    let (_, committed) = committed_vk(8);
    assert!(params.vk == committed, "the proving key is the committed vk's");
    assert_eq!(committed.ic.len(), 2, "one public input");

    let start = Instant::now();
    let proof = prove(params, circuit).expect("prove");
    eprintln!("block_8 prove: {:.2?}", start.elapsed());
    let input = block.public_input;
    assert!(verify(&committed, &proof, &[input]).unwrap(), "the proof verifies under the committed vk");

    // A changed input, another block's input, and the raw commitment's low bits all fail.
    let mut wrong = input;
    wrong.add_assign(&Fr::one());
    assert!(!verify(&committed, &proof, &[wrong]).unwrap());
    assert!(!verify(&committed, &proof, &[blocks[1].public_input]).unwrap());
    assert!(!verify(&committed, &proof, &[Fr::zero()]).unwrap());
    // A wrong number of inputs is an error, not `false`.
    assert!(verify(&committed, &proof, &[input, input]).is_err());

    // The L1 encoding round-trips, and a tampered proof (C := A) fails.
    let words = proof_to_uint256_8(&proof);
    let back = proof_from_uint256_8(&words).unwrap();
    assert!(verify(&committed, &back, &[input]).unwrap());
    let mut swapped = proof.clone();
    swapped.c = proof.a;
    assert!(!verify(&committed, &swapped, &[input]).unwrap());
}

#[test]
fn a_second_8_chunk_block_proves_with_the_same_keys() {
    let block = second_block8();
    assert_eq!(block.header.chunks, 8);
    let witness = BlockWitness::from_block(&block).expect("witness");
    let circuit = BlockCircuit::new(witness.clone());
    circuit.check().expect("second block satisfies the circuit");
    let params = block8_keys();
    let proof = prove(params, circuit).expect("prove");
    assert!(verify(&params.vk, &proof, &[block.public_input]).unwrap());
    let (blocks, _) = vector_blocks();
    assert_ne!(block.public_input, blocks[2].public_input);
    assert!(!verify(&params.vk, &proof, &[blocks[2].public_input]).unwrap());

    // A witness that claims another public input is caught by `check()` at the commitment rule;
    // the node never proves it.
    let mut bad = witness;
    bad.public_input.add_assign(&Fr::one());
    let err = BlockCircuit::new(bad).check().expect_err("wrong public input");
    assert!(err.contains("public input"), "{err}");
}
