//! `testdata/block_proofs.json`: real Groth16 proofs of the three vector blocks (32, 32 and 8 chunks)
//! under the committed dev verification keys, for the contracts' tests.
//!
//! Without `ZKPAY_REGEN` this only checks the committed fixture (cheap, no proving key needed): it
//! lists exactly the vector blocks with their current number, size, public input and commitment (a
//! protocol or vector change makes it stale), and every proof verifies under the committed
//! `keys/block_<chunks>.vk.json` for its block's input and for no other.
//!
//! `ZKPAY_REGEN=1` (via `scripts/regen-fixtures.sh`) first proves the blocks and rewrites the file.
//! That needs `keys/block_8.pk` and `keys/block_32.pk` matching the committed vks (`zkpay keygen`),
//! so it is an offline command, not run in CI.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkpay_circuit::bellman_ce::pairing::ff::Field;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::{block_circuit_name, BlockCircuit};
use zkpay_circuit::keys::{load_keys, read_verification_key, verification_key_path};
use zkpay_circuit::prover::{prove, verify, ProofJson};
use zkpay_circuit::verifier_sol::public_input_to_uint256;
use zkpay_circuit::Fr;
use zkpay_core::block::Block;
use zkpay_core::vectors::vector_blocks;

const DESCRIPTION: &str = "zkpay block proofs: Groth16 (BN254) proofs of the block vectors of \
     testdata/block_vectors.json under the committed dev keys keys/block_<chunks>.vk.json; proof words \
     as the verifier's uint256[8] [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y], publicInput = \
     uint256(commitment) >> 3. Regenerate with scripts/regen-fixtures.sh (needs the proving keys).";

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FixtureProof {
    block_number: u32,
    chunks: usize,
    public_input: String,
    commitment: String,
    proof: [String; 8],
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    /// The contract the proofs are for (the export of the committed vks; the contracts' reader checks it).
    verifier: String,
    proofs: Vec<FixtureProof>,
}

const VERIFIER: &str = "contracts/src/Verifier.sol";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture_path() -> PathBuf {
    repo().join("testdata/block_proofs.json")
}

fn input_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(public_input_to_uint256(x)))
}

/// Everything of a fixture entry but the proof.
fn header(block: &Block) -> (u32, usize, String, String) {
    (
        block.header.number,
        block.header.chunks,
        input_hex(&block.public_input),
        format!("0x{}", hex::encode(block.commitment)),
    )
}

fn regenerate(blocks: &[Block]) {
    let keys_dir = repo().join("keys");
    let mut proofs = Vec::new();
    for block in blocks {
        let name = block_circuit_name(block.header.chunks);
        let keys = load_keys(&keys_dir, &name).unwrap_or_else(|e| {
            panic!("{e}\n(the fixture needs the proving keys: `zkpay keygen --circuits block --block-sizes 8,32`)")
        });
        let circuit = BlockCircuit::new(BlockWitness::from_block(block).expect("witness"));
        circuit.check().expect("vector block satisfies the circuit");
        let start = std::time::Instant::now();
        let proof = prove(&keys.params, circuit).expect("prove");
        eprintln!("{name}: block {} proved in {:.1?}", block.header.number, start.elapsed());
        assert!(verify(&keys.params.vk, &proof, &[block.public_input]).unwrap());
        let (block_number, chunks, public_input, commitment) = header(block);
        proofs.push(FixtureProof {
            block_number,
            chunks,
            public_input,
            commitment,
            proof: ProofJson::from_proof(&proof).proof,
        });
    }
    let fixture = Fixture { description: DESCRIPTION.to_string(), verifier: VERIFIER.to_string(), proofs };
    let mut text = serde_json::to_string_pretty(&fixture).unwrap();
    text.push('\n');
    std::fs::write(fixture_path(), text).unwrap();
}

#[test]
fn block_proofs_fixture_is_current_and_every_proof_verifies() {
    let (blocks, _) = vector_blocks();
    if std::env::var_os("ZKPAY_REGEN").is_some() {
        regenerate(&blocks);
    }
    let text = std::fs::read_to_string(fixture_path())
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/regen-fixtures.sh writes it)", fixture_path().display()));
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture parses");
    assert_eq!(fixture.description, DESCRIPTION);
    assert_eq!(fixture.verifier, VERIFIER);
    assert_eq!(fixture.proofs.len(), blocks.len(), "one proof per vector block");
    for (entry, block) in fixture.proofs.iter().zip(&blocks) {
        let got = (entry.block_number, entry.chunks, entry.public_input.clone(), entry.commitment.clone());
        assert_eq!(got, header(block), "testdata/block_proofs.json is stale: run scripts/regen-fixtures.sh");
        let path = verification_key_path(&repo().join("keys"), &block_circuit_name(entry.chunks));
        let (_, vk) = read_verification_key(&path).unwrap_or_else(|e| panic!("{e}"));
        let proof = ProofJson { proof: entry.proof.clone() }.to_proof().expect("proof words decode");
        assert!(
            verify(&vk, &proof, &[block.public_input]).unwrap(),
            "block {}: the fixture proof does not verify under {} (keys changed? run scripts/regen-fixtures.sh)",
            entry.block_number,
            path.display()
        );
        let mut wrong = block.public_input;
        wrong.add_assign(&Fr::one());
        assert!(!verify(&vk, &proof, &[wrong]).unwrap());
    }
    // The two 32-chunk proofs are of different blocks: each refuses the other's input.
    let vk32 = read_verification_key(&verification_key_path(&repo().join("keys"), "block_32")).unwrap().1;
    let p0 = ProofJson { proof: fixture.proofs[0].proof.clone() }.to_proof().unwrap();
    assert!(!verify(&vk32, &p0, &[blocks[1].public_input]).unwrap());
}
