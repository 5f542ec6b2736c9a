//! The exported Solidity verifier on a real EVM: real Groth16 keys and proofs of two toy circuits
//! (one with a single public input, like the block circuits, so it gets a batch function; one with two),
//! the contract compiled by the pinned solcjs (`contracts/scripts/compile.js`), deployed on anvil
//! (`contracts/node_modules`, installed by `scripts/setup.sh`) and called over JSON-RPC.
//!
//! The verifier answers `false` to a proof that fails the pairing check or to out-of-range words,
//! and reverts when a precompile rejects a point (off its curve, outside G2's subgroup): each
//! rejection below is asserted to be the one the contract documents, not just "not true".

mod evm;

use evm::*;
use rand04::{SeedableRng, XorShiftRng};
use zkpay_circuit::bellman_ce::groth16::{
    create_random_proof, generate_random_parameters, prepare_verifying_key, verify_proof, Parameters, Proof,
};
use zkpay_circuit::bellman_ce::pairing::bn256::{Bn256, Fr};
use zkpay_circuit::bellman_ce::pairing::ff::{Field, PrimeField};
use zkpay_circuit::bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use zkpay_circuit::keys::KeyKind;
use zkpay_circuit::verifier_sol::{export_verifier, proof_to_uint256_8, public_input_to_uint256, Uint256};

// ---------------------------------------------------------------------------------------------
// Toy circuits

/// Knows `x` with `x·x = y`; public input `y` (one input, as a block circuit has).
struct Square {
    x: Option<Fr>,
}

impl Circuit<Bn256> for Square {
    fn synthesize<CS: ConstraintSystem<Bn256>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let x_val = self.x;
        let x = cs.alloc(|| "x", || x_val.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.alloc_input(
            || "y",
            || {
                let mut y = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                y.square();
                Ok(y)
            },
        )?;
        cs.enforce(|| "x * x = y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
        Ok(())
    }
}

/// Knows `x` with `x·x = y` and `x + 5 = z`; public inputs `[y, z]` (so the IC has three points).
struct SquarePlusFive {
    x: Option<Fr>,
}

impl Circuit<Bn256> for SquarePlusFive {
    fn synthesize<CS: ConstraintSystem<Bn256>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let x_val = self.x;
        let x = cs.alloc(|| "x", || x_val.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.alloc_input(
            || "y",
            || {
                let mut y = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                y.square();
                Ok(y)
            },
        )?;
        let z = cs.alloc_input(
            || "z",
            || {
                let mut z = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                z.add_assign(&fr(5));
                Ok(z)
            },
        )?;
        cs.enforce(|| "x * x = y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
        cs.enforce(|| "(x + 5) * 1 = z", |lc| lc + x + (fr(5), CS::one()), |lc| lc + CS::one(), |lc| lc + z);
        Ok(())
    }
}

fn fr(n: u64) -> Fr {
    Fr::from_str(&n.to_string()).unwrap()
}

fn square(x: u64) -> Fr {
    let mut y = fr(x);
    y.square();
    y
}

// ---------------------------------------------------------------------------------------------

#[test]
fn exported_verifier_checks_real_proofs_on_anvil() {
    let (compile_js, anvil_bin) = contracts_tools();

    // Deterministic keys and proofs (insecure toy setup: a fixed seed).
    let mut rng = XorShiftRng::from_seed([0x5eed_0001, 0x2b, 0x3c, 0x4d]);
    let sq_params: Parameters<Bn256> = generate_random_parameters(Square { x: None }, &mut rng).unwrap();
    let sp5_params: Parameters<Bn256> = generate_random_parameters(SquarePlusFive { x: None }, &mut rng).unwrap();
    let sq_pvk = prepare_verifying_key(&sq_params.vk);
    let sp5_pvk = prepare_verifying_key(&sp5_params.vk);

    let xs = [3u64, 7, 1_000_003];
    let sq_proofs: Vec<(Proof<Bn256>, Fr)> = xs
        .iter()
        .map(|&x| {
            let proof = create_random_proof(Square { x: Some(fr(x)) }, &sq_params, &mut rng).unwrap();
            assert!(verify_proof(&sq_pvk, &proof, &[square(x)]).unwrap(), "native check of the toy proof");
            (proof, square(x))
        })
        .collect();
    let sp5_inputs = [square(11), fr(16)];
    let sp5_proof = create_random_proof(SquarePlusFive { x: Some(fr(11)) }, &sp5_params, &mut rng).unwrap();
    assert!(verify_proof(&sp5_pvk, &sp5_proof, &sp5_inputs).unwrap());

    // The square key also goes in as `block_2`, so the size-generic block interface (verifyBlock,
    // verifyBlocks, isBlockSize) is exercised with real proofs too.
    let source = export_verifier(&[
        ("block_2".to_string(), &sq_params.vk, KeyKind::Dev),
        ("square".to_string(), &sq_params.vk, KeyKind::Dev),
        ("square_plus_five".to_string(), &sp5_params.vk, KeyKind::Dev),
    ]);
    let compiled = compile(&compile_js, &source);

    let anvil = Anvil::start(&anvil_bin);
    let (verifier, deploy_gas) = deploy(&anvil, &compiled.bytecode);

    let sel_sq = selector(&compiled, "verify_square(uint256[8],uint256[1])");
    let sel_sq_batch = selector(&compiled, "verify_square_batch(uint256[8][],uint256[])");
    let sel_sp5 = selector(&compiled, "verify_square_plus_five(uint256[8],uint256[2])");
    assert!(
        !compiled.selectors.keys().any(|s| s.starts_with("verify_square_plus_five_batch")),
        "no batch function for a two-input key"
    );

    let words: Vec<([Uint256; 8], Uint256)> =
        sq_proofs.iter().map(|(p, y)| (proof_to_uint256_8(p), public_input_to_uint256(y))).collect();

    // Every valid proof is accepted.
    for (proof, input) in &words {
        assert!(call_bool(&anvil, &verifier, &encode_single(&sel_sq, proof, &[*input])));
    }
    let sp5_words = proof_to_uint256_8(&sp5_proof);
    let sp5_input_words: Vec<Uint256> = sp5_inputs.iter().map(public_input_to_uint256).collect();
    assert!(call_bool(&anvil, &verifier, &encode_single(&sel_sp5, &sp5_words, &sp5_input_words)));

    let (proof0, input0) = words[0];
    // Each coordinate changed by one: the point leaves its curve, and the pairing precompile fails.
    for k in 0..8 {
        let mut bad = proof0;
        bad[k] = plus_one(bad[k]);
        let got = call(&anvil, &verifier, &encode_single(&sel_sq, &bad, &[input0]));
        assert_eq!(got, Outcome::PrecompileFailed, "tampered word {k}");
    }
    // A valid but different B (B of another proof): a clean `false`.
    let mut other_b = proof0;
    other_b[2..6].copy_from_slice(&words[1].0[2..6]);
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &other_b, &[input0])));
    // A valid point in the wrong place: A and C swapped.
    let mut swapped = proof0;
    swapped.swap(0, 6);
    swapped.swap(1, 7);
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &swapped, &[input0])));
    // A proof for another input.
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &proof0, &[words[1].1])));
    // A proof of the other circuit.
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sp5, &proof0, &sp5_input_words)));
    let mut sp5_bad_inputs = sp5_input_words.clone();
    sp5_bad_inputs[1] = plus_one(sp5_bad_inputs[1]);
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sp5, &sp5_words, &sp5_bad_inputs)));
    // Inputs ≥ r are rejected, even r + y, which is y modulo r (the proof is valid for y).
    let r = r_word();
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &proof0, &[r])));
    let r_plus_y = add_words(r, input0);
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &proof0, &[r_plus_y])));
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sp5, &sp5_words, &[sp5_input_words[0], [0xff; 32]])));
    // A proof word ≥ q (A.y + q would name the same point modulo q).
    let mut big = proof0;
    big[1] = [0xff; 32];
    assert!(!call_bool(&anvil, &verifier, &encode_single(&sel_sq, &big, &[input0])));

    // Batch: all three valid proofs in one pairing; order does not matter.
    let proofs: Vec<[Uint256; 8]> = words.iter().map(|w| w.0).collect();
    let inputs: Vec<Uint256> = words.iter().map(|w| w.1).collect();
    let batch = encode_batch(&sel_sq_batch, &proofs, &inputs);
    assert!(call_bool(&anvil, &verifier, &batch));
    assert!(call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs[..1], &inputs[..1])));
    let rev_p: Vec<_> = proofs.iter().rev().copied().collect();
    let rev_i: Vec<_> = inputs.iter().rev().copied().collect();
    assert!(call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &rev_p, &rev_i)));
    // One tampered proof, in each position, sinks the batch: a coordinate off the curve makes a
    // precompile fail; a valid point in the wrong proof fails the pairing check.
    for i in 0..3 {
        let mut bad = proofs.clone();
        bad[i][6] = plus_one(bad[i][6]);
        let got = call(&anvil, &verifier, &encode_batch(&sel_sq_batch, &bad, &inputs));
        assert_eq!(got, Outcome::PrecompileFailed, "tampered C of proof {i}");
        let mut bad = proofs.clone();
        bad[i][6..8].copy_from_slice(&proofs[(i + 1) % 3][6..8]);
        assert!(
            !call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &bad, &inputs)),
            "foreign C in proof {i} accepted"
        );
        let mut bad_inputs = inputs.clone();
        bad_inputs[i] = inputs[(i + 1) % 3];
        assert!(
            !call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs, &bad_inputs)),
            "wrong input {i} accepted"
        );
    }
    // Two proofs swapped against their inputs, an input ≥ r, an empty batch, mismatched lengths.
    let mut crossed = inputs.clone();
    crossed.swap(0, 1);
    assert!(!call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs, &crossed)));
    let mut over = inputs.clone();
    over[2] = add_words(r, inputs[2]);
    assert!(!call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs, &over)));
    assert!(!call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &[], &[])));
    assert!(!call_bool(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs, &inputs[..2])));

    // The size-generic interface over `block_2` (the square key): same answers as verify_square*.
    let sel_vb = selector(&compiled, "verifyBlock(uint256,uint256[8],uint256)");
    let sel_vbs = selector(&compiled, "verifyBlocks(uint256,uint256[8][],uint256[])");
    let sel_size = selector(&compiled, "isBlockSize(uint256)");
    let sel_dev = selector(&compiled, "DEV_KEYS()");
    let verify_block = |chunks: usize, proof: &[Uint256; 8], input: Uint256| {
        encode_single(&format!("{sel_vb}{}", hex(&word(chunks))), proof, &[input])
    };
    let verify_blocks = |chunks: usize, proofs: &[[Uint256; 8]], inputs: &[Uint256]| {
        // chunks, then the two dynamic arguments' offsets (now from a three-word head), then tails.
        let head_len = 3 * 32;
        let mut words =
            vec![word(chunks), word(head_len), word(head_len + 32 + proofs.len() * 8 * 32), word(proofs.len())];
        words.extend(proofs.iter().flatten().copied());
        words.push(word(inputs.len()));
        words.extend_from_slice(inputs);
        format!("0x{sel_vbs}{}", words.iter().map(|w| hex(w)).collect::<String>())
    };
    assert!(call_bool(&anvil, &verifier, &format!("0x{sel_size}{}", hex(&word(2)))));
    assert!(!call_bool(&anvil, &verifier, &format!("0x{sel_size}{}", hex(&word(3)))));
    assert!(call_bool(&anvil, &verifier, &format!("0x{sel_dev}")));
    assert!(call_bool(&anvil, &verifier, &verify_block(2, &proof0, input0)));
    assert!(!call_bool(&anvil, &verifier, &verify_block(2, &proof0, words[1].1)));
    assert!(!call_bool(&anvil, &verifier, &verify_block(2, &swapped, input0)));
    assert!(call_bool(&anvil, &verifier, &verify_blocks(2, &proofs, &inputs)));
    assert!(!call_bool(&anvil, &verifier, &verify_blocks(2, &proofs, &crossed)));
    let unknown = anvil
        .try_rpc("eth_call", serde_json::json!([{"to": verifier, "data": verify_block(3, &proof0, input0)}, "latest"]));
    let err = unknown.expect_err("an unknown block size reverts");
    // The revert data is UnknownBlockSize(3): keccak256("UnknownBlockSize(uint256)")[..4] ‖ word(3).
    assert!(err.contains("revert") && err.contains(&format!("0xadb53736{}", hex(&word(3)))), "{err}");

    // Gas, for the record (printed, not asserted: it is a figure, not a rule).
    let single = estimate_gas(&anvil, &verifier, &encode_single(&sel_sq, &proofs[0], &inputs[..1]));
    let two_inputs = estimate_gas(&anvil, &verifier, &encode_single(&sel_sp5, &sp5_words, &sp5_input_words));
    let batch1 = estimate_gas(&anvil, &verifier, &encode_batch(&sel_sq_batch, &proofs[..1], &inputs[..1]));
    let batch3 = estimate_gas(&anvil, &verifier, &batch);
    println!("gas: deploy {deploy_gas}");
    println!("gas: verify_square (1 input) {single}; verify_square_plus_five (2 inputs) {two_inputs}");
    println!("gas: verify_square_batch of 1 {batch1}; of 3 {batch3} ({} per proof)", batch3 / 3);
    // The block interface as the Rollup calls it (block_2 is the square key: a one-input Groth16
    // key costs the same to verify whatever its circuit): one proof alone, four in one batch. These
    // are whole-transaction figures (eth_estimateGas: 21,000 + calldata + execution, anvil's default
    // hardfork), quoted in docs/benchmarks.md "L1 gas".
    let extra = create_random_proof(Square { x: Some(fr(12_345)) }, &sq_params, &mut rng).unwrap();
    let mut four_p = proofs.clone();
    four_p.push(proof_to_uint256_8(&extra));
    let mut four_i = inputs.clone();
    four_i.push(public_input_to_uint256(&square(12_345)));
    assert!(call_bool(&anvil, &verifier, &verify_blocks(2, &four_p, &four_i)));
    let single_block = estimate_gas(&anvil, &verifier, &verify_block(2, &four_p[0], four_i[0]));
    let batch4 = estimate_gas(&anvil, &verifier, &verify_blocks(2, &four_p, &four_i));
    println!(
        "gas: verifyBlock {single_block}; verifyBlocks of 4 {batch4} ({} per block, {:.1}% of 4 single)",
        batch4 / 4,
        100.0 * batch4 as f64 / (4.0 * single_block as f64)
    );
    assert!(batch4 * 10 <= 4 * single_block * 6, "a batch of 4 costs at most 60% of 4 single verifications");
}

/// `a + b` on big-endian words (no overflow for the values used here).
fn add_words(a: Uint256, b: Uint256) -> Uint256 {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = a[i] as u16 + b[i] as u16 + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    out
}
