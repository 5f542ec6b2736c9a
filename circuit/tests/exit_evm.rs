//! The exit circuit end to end on a real EVM: dev keys from the public seed (the same ones as the
//! committed `keys/exit.vk.json`), a real exit proof for a real state from `zkpay-core`, the verifier
//! exported by `verifier_sol` compiled with the pinned solcjs and deployed on anvil. The proof is
//! accepted; a tampered proof or any changed public input is not.

mod evm;

use evm::*;
use zkpay_circuit::exit::ExitCircuit;
use zkpay_circuit::keys::{generate_dev_keys, KeyKind, DEV_SEED};
use zkpay_circuit::prover::{prove, verify};
use zkpay_circuit::verifier_sol::{export_verifier, proof_to_uint256_8, public_input_to_uint256, Uint256};
use zkpay_core::account_tree::AccountTree;
use zkpay_core::field::{Field, Fr};
use zkpay_core::types::Address;

#[test]
fn exit_proof_verifies_on_anvil_and_tampering_fails() {
    let (compile_js, anvil_bin) = contracts_tools();

    let mut tree = AccountTree::new();
    for (id, token, balance) in [(0u32, 0u16, 5u128), (7, 0, 1_000), (7, 3, 42), (9, 3, 8)] {
        tree.update(id, token, |f, b| {
            f.address = Address([id as u8 + 1; 20]);
            *b = balance;
        })
        .unwrap();
    }
    let (circuit, public) = ExitCircuit::from_state(&tree, 7, 3).unwrap();
    let inputs = public.to_field_elements();
    let params = generate_dev_keys(ExitCircuit::blank(), DEV_SEED).unwrap();
    let proof = prove(&params, circuit).unwrap();
    assert!(verify(&params.vk, &proof, &inputs).unwrap(), "native check of the exit proof");

    let source = export_verifier(&[("exit".to_string(), &params.vk, KeyKind::Dev)]);
    let compiled = compile(&compile_js, &source);
    let anvil = Anvil::start(&anvil_bin);
    let (verifier, _) = deploy(&anvil, &compiled.bytecode);
    let sel = selector(&compiled, "verify_exit(uint256[8],uint256[5])");

    let words = proof_to_uint256_8(&proof);
    let input_words: Vec<Uint256> = inputs.iter().map(public_input_to_uint256).collect();
    assert_eq!(call(&anvil, &verifier, &encode_single(&sel, &words, &input_words)), Outcome::True);
    let gas = estimate_gas(&anvil, &verifier, &encode_single(&sel, &words, &input_words));
    println!("verify_exit gas: {gas}");

    // Each public input changed alone: [root, account id, owner, token id, amount].
    for i in 0..inputs.len() {
        let mut changed = inputs;
        changed[i].add_assign(&Fr::one());
        let w: Vec<Uint256> = changed.iter().map(public_input_to_uint256).collect();
        assert_eq!(call(&anvil, &verifier, &encode_single(&sel, &words, &w)), Outcome::False, "input {i}");
    }
    // A tampered proof: C replaced by A (a valid curve point, wrong proof) → false; a coordinate
    // off the curve → the precompile rejects it.
    let mut swapped = words;
    swapped[6] = words[0];
    swapped[7] = words[1];
    assert_eq!(call(&anvil, &verifier, &encode_single(&sel, &swapped, &input_words)), Outcome::False);
    let mut off_curve = words;
    off_curve[7] = plus_one(words[7]);
    assert_eq!(call(&anvil, &verifier, &encode_single(&sel, &off_curve, &input_words)), Outcome::PrecompileFailed);
}
