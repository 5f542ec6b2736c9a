//! The exit circuit end to end: dev keys, a proof of a real exit from a real state, verification in
//! Rust, the L1 encoding, and refusal of every wrong public input. Key generation for the exit
//! circuit runs once for this whole test binary.

use std::sync::OnceLock;
use std::time::Instant;
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::bellman_ce::pairing::ff::Field;
use zkpay_circuit::core::account_tree::AccountTree;
use zkpay_circuit::core::field::fr_from_u64;
use zkpay_circuit::core::types::{Address, PubKeyHash};
use zkpay_circuit::exit::{ExitCircuit, EXIT_CIRCUIT_NAME, EXIT_CONSTRAINTS, EXIT_PUBLIC_INPUTS};
use zkpay_circuit::keys::{circuit_info, generate_dev_keys, load_keys, write_keys, DEV_SEED};
use zkpay_circuit::prover::{proof_from_uint256_8, proof_to_uint256_8, prove, verify, ProofJson};
use zkpay_circuit::{Engine, Fr};

fn exit_keys() -> &'static Parameters<Engine> {
    static KEYS: OnceLock<Parameters<Engine>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let start = Instant::now();
        let params = generate_dev_keys(ExitCircuit::blank(), DEV_SEED).unwrap();
        eprintln!("exit keygen: {:.2?}", start.elapsed());
        params
    })
}

fn state() -> AccountTree {
    let mut tree = AccountTree::new();
    for (id, a, token, amount) in
        [(0u32, 0xfeu8, 0u16, 0u128), (5, 0x05, 0, 10u128.pow(18)), (5, 0x05, 3, 777), (77, 0x77, 3, 1)]
    {
        tree.update(id, token, |f, b| {
            f.address = Address([a; 20]);
            f.pubkey_hash = PubKeyHash([a; 20]);
            f.nonce = 3;
            *b = amount;
        })
        .unwrap();
    }
    tree
}

#[test]
fn real_exit_proves_and_verifies_and_each_wrong_input_fails() {
    let params = exit_keys();
    assert_eq!(params.vk.ic.len(), EXIT_PUBLIC_INPUTS + 1);
    let tree = state();
    let (circuit, public) = ExitCircuit::from_state(&tree, 5, 3).unwrap();
    assert_eq!(public.amount, 777);

    let start = Instant::now();
    let proof = prove(params, circuit).unwrap();
    eprintln!("exit prove: {:.2?}", start.elapsed());
    let inputs = public.to_field_elements();
    assert!(verify(&params.vk, &proof, &inputs).unwrap());

    // Each of the five public inputs changed alone.
    for i in 0..EXIT_PUBLIC_INPUTS {
        let mut wrong = inputs;
        wrong[i].add_assign(&Fr::one());
        assert!(!verify(&params.vk, &proof, &wrong).unwrap(), "input {i} changed");
    }
    // Plausible wrong claims: another account's owner, another token's id, the amount of another token.
    let mut wrong = inputs;
    wrong[2] = Address([0x77; 20]).to_fr();
    assert!(!verify(&params.vk, &proof, &wrong).unwrap());
    let mut wrong = inputs;
    wrong[3] = fr_from_u64(0);
    assert!(!verify(&params.vk, &proof, &wrong).unwrap());

    // The L1 encoding carries the same proof.
    let words = proof_to_uint256_8(&proof);
    let back = proof_from_uint256_8(&words).unwrap();
    assert!(verify(&params.vk, &back, &inputs).unwrap());
    let json: ProofJson =
        serde_json::from_str(&serde_json::to_string(&ProofJson::from_proof(&proof)).unwrap()).unwrap();
    assert_eq!(json.to_proof().unwrap(), proof);

    // An exit of an amount-0 balance is provable too.
    let (circuit, public) = ExitCircuit::from_state(&tree, 77, 0).unwrap();
    assert_eq!(public.amount, 0);
    let proof = prove(params, circuit).unwrap();
    assert!(verify(&params.vk, &proof, &public.to_field_elements()).unwrap());
}

#[test]
fn exit_keys_written_and_loaded_with_checks() {
    let params = exit_keys();
    let info = circuit_info(EXIT_CIRCUIT_NAME, ExitCircuit::blank()).unwrap();
    assert_eq!(info.constraints, EXIT_CONSTRAINTS);
    let dir = tempfile::tempdir().unwrap();
    let written = write_keys(dir.path(), &info, params, Some(DEV_SEED)).unwrap();
    eprintln!("exit pk: {} bytes", written.proving_key_bytes);
    let loaded = load_keys(dir.path(), EXIT_CIRCUIT_NAME).unwrap();
    loaded.file.ensure_circuit(&info, &written.verification_key).unwrap();
    assert!(loaded.params == *params);
    // The committed dev vk is the one these keys produce (regenerate with `zkpay keygen`).
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../keys/exit.vk.json");
    let committed = std::fs::read_to_string(committed).expect("keys/exit.vk.json is committed");
    assert_eq!(committed, std::fs::read_to_string(&written.verification_key).unwrap(), "keys/exit.vk.json is stale");
}
