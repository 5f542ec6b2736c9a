//! The fast prover against bellman_ce, the reference: for the same key, witness and blinding
//! factors it gives bellman_ce's very proof, which bellman_ce's verifier accepts; a corrupted
//! witness gives a proof that it refuses. On a one-constraint circuit and on the 8-chunk vector
//! block with the dev keys matching the committed `keys/block_8.vk.json`.

use std::path::Path;
use std::time::Instant;
use zkpay_circuit::bellman_ce::groth16::{create_proof, Parameters};
use zkpay_circuit::bellman_ce::pairing::ff::Field;
use zkpay_circuit::bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::gadgets::num::Num;
use zkpay_circuit::keys::{dev_keys, generate_dev_keys, DEV_SEED};
use zkpay_circuit::prover::verify;
use zkpay_circuit::{Engine, Fr};
use zkpay_core::field::fr_from_u64;
use zkpay_core::vectors::vector_blocks;
use zkpay_fastprove::assignment::Assignment;
use zkpay_fastprove::{prove_assignment, ProvingKey};

/// `x³ + x = y`, y public; `claim` overrides y's value (a false claim when it is not x³ + x).
#[derive(Clone)]
struct Cubic {
    x: Option<Fr>,
    claim: Option<Fr>,
}

impl Circuit<Engine> for Cubic {
    fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let y = self.claim.or_else(|| {
            self.x.map(|x| {
                let mut y = x;
                y.square();
                y.mul_assign(&x);
                y.add_assign(&x);
                y
            })
        });
        let y = Num::alloc_input(cs.namespace(|| "y"), y)?;
        let x = Num::alloc(cs.namespace(|| "x"), self.x)?;
        let x2 = x.square(cs.namespace(|| "x^2"))?;
        let x3 = x2.mul(cs.namespace(|| "x^3"), &x)?;
        x3.add(&x).enforce_equal(cs.namespace(|| "y"), &y);
        Ok(())
    }
}

fn rs(i: u64) -> (Fr, Fr) {
    (fr_from_u64(1_000_003 + i), fr_from_u64(7_777_777 + i))
}

fn fast(
    pk: &ProvingKey,
    circuit: impl Circuit<Engine>,
    (r, s): (Fr, Fr),
) -> zkpay_circuit::bellman_ce::groth16::Proof<Engine> {
    let w = Assignment::synthesize(circuit).expect("synthesis");
    prove_assignment(pk, w, r, s).expect("fast prove").0
}

#[test]
fn small_circuit_proof_is_bellmans_and_verifies_and_corruption_is_refused() {
    let params = generate_dev_keys(Cubic { x: None, claim: None }, DEV_SEED).unwrap();
    let pk = ProvingKey::from_params(&params);
    let good = Cubic { x: Some(fr_from_u64(3)), claim: None };
    for i in 0..3 {
        let proof = fast(&pk, good.clone(), rs(i));
        let (r, s) = rs(i);
        let reference = create_proof(good.clone(), &params, r, s).unwrap();
        assert!(proof == reference, "same key, witness, r, s: the same proof as bellman_ce");
        assert!(verify(&params.vk, &proof, &[fr_from_u64(30)]).unwrap());
        assert!(!verify(&params.vk, &proof, &[fr_from_u64(31)]).unwrap());
    }
    // A false claim (3³ + 3 = 31) proves, as with bellman_ce, but verifies under no input.
    let bogus = fast(&pk, Cubic { x: Some(fr_from_u64(3)), claim: Some(fr_from_u64(31)) }, rs(9));
    assert!(!verify(&params.vk, &bogus, &[fr_from_u64(31)]).unwrap());
    assert!(!verify(&params.vk, &bogus, &[fr_from_u64(30)]).unwrap());
    // A corrupted private value, or a corrupted A evaluation, after synthesis.
    let mut w = Assignment::synthesize(good.clone()).unwrap();
    w.aux[1].add_assign(&Fr::one());
    let (r, s) = rs(4);
    let p = prove_assignment(&pk, w, r, s).unwrap().0;
    assert!(!verify(&params.vk, &p, &[fr_from_u64(30)]).unwrap());
    let mut w = Assignment::synthesize(good.clone()).unwrap();
    w.a[0].add_assign(&Fr::one());
    let p = prove_assignment(&pk, w, r, s).unwrap().0;
    assert!(!verify(&params.vk, &p, &[fr_from_u64(30)]).unwrap());
    // Another circuit's key does not fit.
    let other = generate_dev_keys(Square, DEV_SEED).unwrap();
    let w = Assignment::synthesize(good).unwrap();
    assert!(prove_assignment(&ProvingKey::from_params(&other), w, r, s).is_err());
}

struct Square;
impl Circuit<Engine> for Square {
    fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let y = Num::alloc_input(cs.namespace(|| "y"), Some(fr_from_u64(4)))?;
        let x = Num::alloc(cs.namespace(|| "x"), Some(fr_from_u64(2)))?;
        x.square(cs.namespace(|| "x^2"))?.enforce_equal(cs.namespace(|| "y"), &y);
        Ok(())
    }
}

/// The dev keys of `block_8`, found or regenerated as `circuit/tests/block_keys` does (in the same
/// cache directory under the target dir, or `$ZKPAY_DEV_KEYS_CACHE`).
fn block8_keys() -> Parameters<Engine> {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys");
    let cache = std::env::var_os("ZKPAY_DEV_KEYS_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("zkpay-dev-keys"));
    dev_keys(&committed, &cache, "block_8", || BlockCircuit::blank(8)).expect("block_8 dev keys").0
}

#[test]
fn block_8_proof_is_bellmans_and_verifies_and_a_corrupted_witness_is_refused() {
    let (blocks, _) = vector_blocks();
    let block = &blocks[2];
    let witness = BlockWitness::from_block(block).expect("witness");
    let params = block8_keys();
    let pk = ProvingKey::from_params(&params);
    let (r, s) = rs(0);

    let start = Instant::now();
    let w = Assignment::synthesize(BlockCircuit::new(witness.clone())).unwrap();
    let synthesis = start.elapsed();
    let (proof, t) = prove_assignment(&pk, w, r, s).unwrap();
    eprintln!("fast block_8: synthesis {synthesis:.2?}, fft {:.2?}, msm {:.2?}", t.fft, t.msm);
    for q in t.queries {
        eprintln!("  {}: {} ones, {} others, {:.2?}", q.query, q.ones, q.others, q.time);
    }
    // Every query has terms, and most private values of a block are not bits: the MSMs are dense.
    assert!(t.queries.iter().all(|q| q.ones + q.others > 0));
    assert!(verify(&params.vk, &proof, &[block.public_input]).unwrap());
    assert!(!verify(&params.vk, &proof, &[blocks[1].public_input]).unwrap());

    let start = Instant::now();
    let reference = create_proof(BlockCircuit::new(witness.clone()), &params, r, s).unwrap();
    eprintln!("bellman_ce block_8: {:.2?}", start.elapsed());
    assert!(proof == reference, "the same proof as bellman_ce");

    // Flip one private value (a bit of the witness, somewhere in the middle) after synthesis.
    let mut w = Assignment::synthesize(BlockCircuit::new(witness)).unwrap();
    let i = w.aux.len() / 2;
    w.aux[i].add_assign(&Fr::one());
    let bad = prove_assignment(&pk, w, r, s).unwrap().0;
    assert!(!verify(&params.vk, &bad, &[block.public_input]).unwrap());
}

/// The exit circuit (five public inputs, 8.5k constraints): the fast proof is bellman_ce's and
/// verifies; a wrong input is refused. Keys generated here (seconds).
#[test]
fn exit_proof_is_bellmans_and_verifies() {
    use zkpay_circuit::core::account_tree::AccountTree;
    use zkpay_circuit::core::types::{Address, PubKeyHash};
    use zkpay_circuit::exit::ExitCircuit;
    let params = generate_dev_keys(ExitCircuit::blank(), DEV_SEED).unwrap();
    let pk = ProvingKey::from_params(&params);
    let mut tree = AccountTree::new();
    for (id, a, token, amount) in [(0u32, 0xfeu8, 0u16, 0u128), (5, 0x05, 3, 777), (77, 0x77, 3, 1)] {
        tree.update(id, token, |f, b| {
            f.address = Address([a; 20]);
            f.pubkey_hash = PubKeyHash([a; 20]);
            *b = amount;
        })
        .unwrap();
    }
    let (circuit, public) = ExitCircuit::from_state(&tree, 5, 3).unwrap();
    let (r, s) = rs(3);
    let proof = fast(&pk, circuit.clone(), (r, s));
    assert!(proof == create_proof(circuit, &params, r, s).unwrap());
    let inputs = public.to_field_elements();
    assert!(verify(&params.vk, &proof, &inputs).unwrap());
    let mut wrong = inputs;
    wrong[4].add_assign(&Fr::one());
    assert!(!verify(&params.vk, &proof, &wrong).unwrap());
}
