//! zkpay-prover: Groth16 proofs of sealed blocks and of exits, and the store of the keys they use.
//!
//! - [`KeyStore`]: the proving and verification keys of a deployment, found in directories given
//!   by configuration (never by environment variables): which block sizes can be proven, and the
//!   proving key of each, loaded and converted for the fast prover once ([`ProvingKey`]).
//! - [`prove_block`] / [`prove_exit`]: a proof in the contracts' `uint256[8]` encoding, with the
//!   witness checked for satisfiability before proving and the proof verified natively after.
//!
//! Proving is CPU-bound and takes seconds: callers run it off async threads.

mod keystore;

pub use keystore::{KeyStore, KeyStoreError};
/// A proving key in the fast prover's form, with its verifying key (`ProvingKey::vk`).
pub use zkpay_fastprove::ProvingKey;

use zkpay_circuit::bellman_ce::groth16::{Parameters, VerifyingKey};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::exit::{ExitCircuit, ExitPublicInputs};
use zkpay_circuit::prover::{proof_from_uint256_8, proof_to_uint256_8, verify};
use zkpay_circuit::verifier_sol::Uint256;
use zkpay_circuit::Engine;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::block::Block;
use zkpay_core::field::Fr;
use zkpay_core::types::{AccountId, TokenId};

/// A Groth16 proof in the contracts' encoding: eight big-endian 256-bit words (docs/protocol.md §12).
pub type ProofWords = [Uint256; 8];

/// Why a proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The block has no circuit witness (sealed in fast mode, or core and circuit disagree).
    #[error("block witness: {0}")]
    Witness(String),
    /// The witness does not satisfy the circuit (the first failing constraint).
    #[error("the witness does not satisfy the circuit: {0}")]
    Unsatisfied(String),
    /// Proving failed.
    #[error("proving failed: {0}")]
    Prover(String),
    /// The proof does not verify natively (wrong key for the circuit).
    #[error("the proof does not verify under the key's own verifying key")]
    NotVerified,
}

/// A Groth16 proof with fresh OS randomness, by the fast prover.
fn prove<C: zkpay_circuit::bellman_ce::Circuit<Engine>>(
    pk: &ProvingKey,
    circuit: C,
) -> Result<zkpay_circuit::bellman_ce::groth16::Proof<Engine>, String> {
    let mut rng = rand04::OsRng::new().map_err(|e| format!("OS random number generator unavailable: {e}"))?;
    zkpay_fastprove::create_random_proof(pk, circuit, &mut rng).map_err(|e| e.to_string())
}

/// Convert a bellman_ce proving key for the fast prover (limb copies in parallel: tens of
/// milliseconds for `block_8`); `params` is dropped after, so the key is held once.
pub fn proving_key(params: Parameters<Engine>) -> ProvingKey {
    ProvingKey::from_params(&params)
}

/// A proof of `block` (sealed in witness mode), checked natively.
pub fn prove_block(pk: &ProvingKey, block: &Block) -> Result<ProofWords, ProveError> {
    let witness = BlockWitness::from_block(block).map_err(|e| ProveError::Witness(e.to_string()))?;
    prove_witness(pk, witness)
}

/// A proof of a block from its circuit witness (as a prover worker receives it), checked natively.
pub fn prove_witness(pk: &ProvingKey, witness: BlockWitness) -> Result<ProofWords, ProveError> {
    let public_input = witness.public_input;
    let circuit = BlockCircuit::new(witness);
    // bellman's prover does not check satisfiability: a bad witness would give a bad proof.
    circuit.check().map_err(ProveError::Unsatisfied)?;
    let proof = prove(pk, circuit).map_err(ProveError::Prover)?;
    if !verify(pk.vk(), &proof, &[public_input]).map_err(|e| ProveError::Prover(e.to_string()))? {
        return Err(ProveError::NotVerified);
    }
    Ok(proof_to_uint256_8(&proof))
}

/// Whether `proof` (as the contracts take it) proves the block with public input `public_input`
/// under `vk`: what the node checks of every proof a worker returns before it may reach L1. A
/// malformed proof (a word outside the field, a point off its curve) is `false`, not an error.
pub fn verify_block_proof(vk: &VerifyingKey<Engine>, public_input: &Fr, proof: &ProofWords) -> bool {
    match proof_from_uint256_8(proof) {
        Ok(p) => verify(vk, &p, &[*public_input]).unwrap_or(false),
        Err(_) => false,
    }
}

/// An exit proof of `token` of account `account` under the current root of `tree` (a restored
/// state), with its public inputs, checked natively.
pub fn prove_exit(
    pk: &ProvingKey,
    tree: &AccountTree,
    account: AccountId,
    token: TokenId,
) -> Result<(ProofWords, ExitPublicInputs), ProveError> {
    let (circuit, public) =
        ExitCircuit::from_state(tree, account, token).map_err(|e| ProveError::Witness(e.to_string()))?;
    let proof = prove(pk, circuit).map_err(ProveError::Prover)?;
    if !verify(pk.vk(), &proof, &public.to_field_elements()).map_err(|e| ProveError::Prover(e.to_string()))? {
        return Err(ProveError::NotVerified);
    }
    Ok((proof_to_uint256_8(&proof), public))
}
