//! The block circuit's proofs on a real EVM: the verifier exported from the committed verification
//! keys (`keys/*.vk.json`, as `zkpay keygen --export-verifier` does), compiled with the pinned solcjs
//! and deployed on anvil. Real 8-chunk proofs (the vector block and a second block built by
//! zkpay-core on top of the vector state) with the dev keys matching `keys/block_8.vk.json` are
//! accepted by `verify_block_8` and, together, by `verify_block_8_batch`; a tampered proof or input
//! is not. The committed fixture `testdata/block_proofs.json` (all three vector blocks, 32 and 8
//! chunks) is accepted too, so the fixture the contracts' tests use verifies on L1.

mod block_keys;
mod evm;

use block_keys::{block8_keys, committed_keys_dir, second_block8};
use evm::*;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::prover::{prove, verify, ProofJson};
use zkpay_circuit::verifier_sol::{export_verifier_dir, proof_to_uint256_8, public_input_to_uint256, Uint256};
use zkpay_core::block::Block;
use zkpay_core::vectors::vector_blocks;

struct Deployed {
    anvil: Anvil,
    verifier: String,
    compiled: Compiled,
}

/// The verifier exported from every committed `keys/*.vk.json` (what `zkpay keygen
/// --export-verifier` writes into `contracts/src/Verifier.sol`), deployed on a fresh anvil.
fn deploy_committed_verifier() -> Deployed {
    let (compile_js, anvil_bin) = contracts_tools();
    let (source, names) = export_verifier_dir(&committed_keys_dir()).expect("committed vks export");
    for required in ["block_8", "block_32", "exit"] {
        assert!(names.iter().any(|n| n == required), "keys/{required}.vk.json must be committed");
    }
    let compiled = compile(&compile_js, &source);
    let anvil = Anvil::start(&anvil_bin);
    let (verifier, deploy_gas) = deploy(&anvil, &compiled.bytecode);
    println!("verifier for {names:?}: deployment gas {deploy_gas}");
    Deployed { anvil, verifier, compiled }
}

fn prove_block(block: &Block) -> ([Uint256; 8], Uint256) {
    let witness = BlockWitness::from_block(block).expect("witness");
    let circuit = BlockCircuit::new(witness);
    circuit.check().expect("block satisfies the circuit");
    let params = block8_keys();
    let proof = prove(params, circuit).expect("prove");
    assert!(verify(&params.vk, &proof, &[block.public_input]).unwrap(), "native check");
    (proof_to_uint256_8(&proof), public_input_to_uint256(&block.public_input))
}

#[test]
fn block_8_proofs_verify_on_anvil_single_and_batched_and_tampering_fails() {
    let (blocks, _) = vector_blocks();
    let (p3, x3) = prove_block(&blocks[2]);
    let (p4, x4) = prove_block(&second_block8());
    assert_ne!(x3, x4);

    let d = deploy_committed_verifier();
    let (anvil, verifier) = (&d.anvil, d.verifier.as_str());
    let single = selector(&d.compiled, "verify_block_8(uint256[8],uint256[1])");
    let batch = selector(&d.compiled, "verify_block_8_batch(uint256[8][],uint256[])");
    let single32 = selector(&d.compiled, "verify_block_32(uint256[8],uint256[1])");

    assert_eq!(call(anvil, verifier, &encode_single(&single, &p3, &[x3])), Outcome::True);
    assert_eq!(call(anvil, verifier, &encode_single(&single, &p4, &[x4])), Outcome::True);
    // The 32-chunk key does not accept an 8-chunk proof.
    assert_eq!(call(anvil, verifier, &encode_single(&single32, &p3, &[x3])), Outcome::False);
    // Tampered input: +1, the other block's input, input + r (same value mod r), input ≥ r.
    assert_eq!(call(anvil, verifier, &encode_single(&single, &p3, &[plus_one(x3)])), Outcome::False);
    assert_eq!(call(anvil, verifier, &encode_single(&single, &p3, &[x4])), Outcome::False);
    assert_eq!(call(anvil, verifier, &encode_single(&single, &p3, &[r_word()])), Outcome::False);
    // Tampered proofs: C of the other proof (valid points, wrong proof) → false; a coordinate off
    // the curve → the precompile rejects it.
    let mut foreign_c = p3;
    foreign_c[6..8].copy_from_slice(&p4[6..8]);
    assert_eq!(call(anvil, verifier, &encode_single(&single, &foreign_c, &[x3])), Outcome::False);
    let mut off_curve = p3;
    off_curve[1] = plus_one(p3[1]);
    assert_eq!(call(anvil, verifier, &encode_single(&single, &off_curve, &[x3])), Outcome::PrecompileFailed);

    // Batches: the same proof twice, the two blocks in either order.
    assert!(call_bool(anvil, verifier, &encode_batch(&batch, &[p3, p3], &[x3, x3])));
    assert!(call_bool(anvil, verifier, &encode_batch(&batch, &[p3, p4], &[x3, x4])));
    assert!(call_bool(anvil, verifier, &encode_batch(&batch, &[p4, p3], &[x4, x3])));
    // Inputs crossed, one input tampered, one proof tampered, mismatched lengths: refused.
    assert!(!call_bool(anvil, verifier, &encode_batch(&batch, &[p3, p4], &[x4, x3])));
    assert!(!call_bool(anvil, verifier, &encode_batch(&batch, &[p3, p4], &[x3, plus_one(x4)])));
    assert!(!call_bool(anvil, verifier, &encode_batch(&batch, &[p3, foreign_c], &[x3, x3])));
    assert!(!call_bool(anvil, verifier, &encode_batch(&batch, &[p3, p4], &[x3])));

    // The size-generic entry point the Rollup calls: verifyBlock(chunks, proof, input).
    let dispatch = selector(&d.compiled, "verifyBlock(uint256,uint256[8],uint256)");
    let via = |chunks: usize, p: &[Uint256; 8], x: Uint256| {
        let mut data = format!("0x{dispatch}{}", hex(&word(chunks)));
        for w in p.iter().chain([&x]) {
            data.push_str(&hex(w));
        }
        data
    };
    assert!(call_bool(anvil, verifier, &via(8, &p3, x3)));
    assert!(!call_bool(anvil, verifier, &via(8, &p3, plus_one(x3))));
    assert!(!call_bool(anvil, verifier, &via(32, &p3, x3)), "an 8-chunk proof is not a 32-chunk one");

    let g1 = estimate_gas(anvil, verifier, &encode_single(&single, &p3, &[x3]));
    let g2 = estimate_gas(anvil, verifier, &encode_batch(&batch, &[p3, p4], &[x3, x4]));
    let g1b = estimate_gas(anvil, verifier, &encode_batch(&batch, &[p3], &[x3]));
    println!("gas: verify_block_8 {g1}; verify_block_8_batch of 1 {g1b}, of 2 {g2}");
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FixtureProof {
    chunks: usize,
    public_input: String,
    proof: [String; 8],
}

fn word_of_hex(hex0x: &str) -> Uint256 {
    let mut w = [0u8; 32];
    hex::decode_to_slice(hex0x.strip_prefix("0x").expect("0x"), &mut w).expect("32-byte hex");
    w
}

#[test]
fn committed_fixture_proofs_verify_on_anvil() {
    let path = committed_keys_dir().join("../testdata/block_proofs.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    #[derive(serde::Deserialize)]
    struct Fixture {
        proofs: Vec<FixtureProof>,
    }
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture.proofs.len(), 3);
    let d = deploy_committed_verifier();
    for p in &fixture.proofs {
        // Parsed through the prover's own decoder first (what L1's precompiles would accept).
        ProofJson { proof: p.proof.clone() }.to_proof().expect("fixture proof decodes");
        let words: [Uint256; 8] = std::array::from_fn(|i| word_of_hex(&p.proof[i]));
        let x = word_of_hex(&p.public_input);
        let sel = selector(&d.compiled, &format!("verify_block_{}(uint256[8],uint256[1])", p.chunks));
        assert_eq!(
            call(&d.anvil, &d.verifier, &encode_single(&sel, &words, &[x])),
            Outcome::True,
            "{} chunks",
            p.chunks
        );
        assert_eq!(call(&d.anvil, &d.verifier, &encode_single(&sel, &words, &[plus_one(x)])), Outcome::False);
        let gas = estimate_gas(&d.anvil, &d.verifier, &encode_single(&sel, &words, &[x]));
        println!("gas: verify_block_{} (fixture) {gas}", p.chunks);
    }
    // Both 32-chunk fixture proofs in one batch.
    let batch = selector(&d.compiled, "verify_block_32_batch(uint256[8][],uint256[])");
    let big: Vec<&FixtureProof> = fixture.proofs.iter().filter(|p| p.chunks == 32).collect();
    assert_eq!(big.len(), 2);
    let proofs: Vec<[Uint256; 8]> = big.iter().map(|p| std::array::from_fn(|i| word_of_hex(&p.proof[i]))).collect();
    let inputs: Vec<Uint256> = big.iter().map(|p| word_of_hex(&p.public_input)).collect();
    assert!(call_bool(&d.anvil, &d.verifier, &encode_batch(&batch, &proofs, &inputs)));
    let swapped: Vec<Uint256> = inputs.iter().rev().copied().collect();
    assert!(!call_bool(&d.anvil, &d.verifier, &encode_batch(&batch, &proofs, &swapped)));
}
