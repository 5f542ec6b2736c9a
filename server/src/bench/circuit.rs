//! `zkpay bench circuit`: constraint counts of the gadgets, each measured by synthesizing it with
//! real witness values from `zkpay-core` into the satisfiability-checking test constraint system
//! (so the count is of a satisfied instance, not a formula), and the exit circuit's key generation
//! and proving time.

use super::Report;
use zkpay_circuit::bellman_ce::{ConstraintSystem, SynthesisError};
use zkpay_circuit::gadgets::bits::alloc_bits_le;
use zkpay_circuit::gadgets::{eddsa, merkle, poseidon, sha256, Num};
use zkpay_circuit::test_cs::TestConstraintSystem;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::field::{fr_from_u64, Fr};
use zkpay_core::types::Address;

/// Synthesize `f` into a fresh test constraint system; error unless it is satisfied. `f` returns
/// the constraint count before the measured gadget (its inputs' allocation is not counted).
fn count(name: &str, f: impl FnOnce(&mut TestConstraintSystem) -> Result<usize, SynthesisError>) -> Result<f64, String> {
    let mut cs = TestConstraintSystem::new();
    let before = f(&mut cs).map_err(|e| format!("{name}: {e}"))?;
    if let Some(unsat) = cs.which_is_unsatisfied() {
        return Err(format!("{name}: unsatisfied at {unsat}"));
    }
    Ok((cs.num_constraints() - before) as f64)
}

fn alloc(cs: &mut TestConstraintSystem, name: &str, v: Fr) -> Result<Num, SynthesisError> {
    Num::alloc(cs.namespace(|| name.to_string()), Some(v))
}

/// Record the gadget counts.
pub fn gadget_counts(report: &mut Report) -> Result<(), String> {
    report.add(
        "poseidon2_gadget_constraints",
        count("poseidon2", |cs| {
            let a = alloc(cs, "a", fr_from_u64(1))?;
            let b = alloc(cs, "b", fr_from_u64(2))?;
            let before = cs.num_constraints();
            poseidon::poseidon_hash2(cs.namespace(|| "h"), &a, &b)?;
            Ok(before)
        })?,
        "constraints",
    );

    let sk = PrivateKey::from_bytes([9; 32]);
    let pk = sk.public_key();
    let msg = fr_from_u64(123_456_789);
    let sig = sk.sign(&msg);
    let s = zkpay_core::field::fr_from_le_bytes(&sig.s.to_le_bytes()).map_err(|e| e.to_string())?;
    report.add(
        "eddsa_gadget_constraints",
        count("eddsa", |cs| {
            let ax = alloc(cs, "ax", pk.x())?;
            let ay = alloc(cs, "ay", pk.y())?;
            let rx = alloc(cs, "rx", sig.r8.x)?;
            let ry = alloc(cs, "ry", sig.r8.y)?;
            let s = alloc(cs, "s", s)?;
            let m = alloc(cs, "m", msg)?;
            let before = cs.num_constraints();
            eddsa::enforce_eddsa_verify(cs.namespace(|| "verify"), (&ax, &ay), (&rx, &ry), &s, &m)?;
            Ok(before)
        })?,
        "constraints",
    );

    let mut tree = AccountTree::new();
    for id in [0u32, 5, 77, 1 << 20] {
        tree.update(id, 0, |f, b| {
            f.address = Address([id as u8 + 1; 20]);
            *b = 10;
        })
        .map_err(|e| e.to_string())?;
    }
    let u = tree.update(77, 0, |_, b| *b = 11).map_err(|e| e.to_string())?;
    let old_leaf = zkpay_core::account_tree::leaf_hash(&u.old_fields, &u.old_balance_root);
    let new_leaf = zkpay_core::account_tree::leaf_hash(&u.new_fields, &u.new_balance_root);
    report.add(
        "merkle_update_depth24_constraints",
        count("merkle24", |cs| {
            let old = alloc(cs, "old", old_leaf)?;
            let new = alloc(cs, "new", new_leaf)?;
            let bits = alloc_bits_le(cs.namespace(|| "index"), Some(fr_from_u64(77)), 24)?;
            let siblings = u
                .account_path
                .siblings
                .iter()
                .enumerate()
                .map(|(i, s)| alloc(cs, &format!("sibling {i}"), *s))
                .collect::<Result<Vec<_>, _>>()?;
            let before = cs.num_constraints();
            let roots = merkle::update_roots(cs.namespace(|| "update"), &old, &new, &bits, &siblings)?;
            let after = cs.num_constraints();
            // The roots must be the tree's, or the count would be of a wrong instance.
            roots.old_root.enforce_equal(cs.namespace(|| "old root"), &Num::constant(u.old_root));
            roots.new_root.enforce_equal(cs.namespace(|| "new root"), &Num::constant(u.new_root));
            Ok(before + (cs.num_constraints() - after))
        })?,
        "constraints",
    );

    // One compression block whose 55 message bytes are all variables (the padding is constant).
    let msg: Vec<u8> = (0..55u8).collect();
    report.add(
        "sha256_block_constraints",
        count("sha256", |cs| {
            let bits = sha256::alloc_bytes(cs.namespace(|| "msg"), Some(&msg), msg.len())?;
            let before = cs.num_constraints();
            sha256::sha256(cs.namespace(|| "sha"), &bits)?;
            Ok(before)
        })?,
        "constraints",
    );
    Ok(())
}

/// The exit circuit: constraints, dev keygen and one real proof (verified) for a state from core.
fn exit(report: &mut Report) -> Result<(), String> {
    use zkpay_circuit::exit::ExitCircuit;
    use zkpay_circuit::keys::{circuit_info, generate_dev_keys, DEV_SEED};
    use zkpay_circuit::prover::{prove, verify};

    let info = circuit_info("exit", ExitCircuit::blank()).map_err(|e| e.to_string())?;
    report.add("exit_circuit_constraints", info.constraints as f64, "constraints");
    let start = std::time::Instant::now();
    let params = generate_dev_keys(ExitCircuit::blank(), DEV_SEED).map_err(|e| e.to_string())?;
    report.add("exit_keygen_ms", start.elapsed().as_secs_f64() * 1e3, "ms");

    let mut tree = AccountTree::new();
    for id in [0u32, 7, 1 << 23] {
        tree.update(id, 3, |f, b| {
            f.address = Address([id as u8 + 1; 20]);
            *b = 1_000;
        })
        .map_err(|e| e.to_string())?;
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let (circuit, public) = ExitCircuit::from_state(&tree, 7, 3).map_err(|e| e.to_string())?;
        let quiet = gag::Gag::stdout().map_err(|e| format!("silencing bellman's stdout: {e}"))?;
        let start = std::time::Instant::now();
        let proof = prove(&params, circuit).map_err(|e| e.to_string())?;
        drop(quiet);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if !verify(&params.vk, &proof, &public.to_field_elements()).map_err(|e| e.to_string())? {
            return Err("the exit proof does not verify".into());
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    report.add("exit_prove_ms", times[1], "ms");
    Ok(())
}

/// Run the suite.
pub fn run(report: &mut Report) -> Result<(), String> {
    gadget_counts(report)?;
    exit(report)
}
