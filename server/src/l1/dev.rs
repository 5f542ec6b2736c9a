//! Local development chain tooling: the pinned anvil from `contracts/node_modules` (installed by
//! `scripts/setup.sh`), the dev proving keys, and proofs in the contracts' encoding. For tests,
//! benchmarks and `zkpay dev`; dev keys are public and insecure, and the Rollup refuses them on
//! any chain but 31337.

use super::encode::proof_words;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::U256;
use std::path::{Path, PathBuf};
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::{block_circuit_name, BlockCircuit};
use zkpay_circuit::exit::{ExitCircuit, ExitPublicInputs, EXIT_CIRCUIT_NAME};
use zkpay_circuit::keys::{dev_keys, KeyError};
use zkpay_circuit::prover::{proof_to_uint256_8, prove, verify};
use zkpay_circuit::Engine;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::block::Block;
use zkpay_core::types::{AccountId, TokenId};

/// The repository root (this crate's parent directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("server/ has a parent").to_path_buf()
}

/// The committed `keys/`.
pub fn committed_keys_dir() -> PathBuf {
    repo_root().join("keys")
}

/// Where dev keys are cached: `$ZKPAY_DEV_KEYS_CACHE`, else `$CARGO_TARGET_DIR/tmp/zkpay-dev-keys`
/// (the tests' cache), else `~/.cache/zkpay-target/tmp/zkpay-dev-keys` (the scripts' default target).
pub fn dev_keys_cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("ZKPAY_DEV_KEYS_CACHE") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/zkpay-target")
    });
    target.join("tmp/zkpay-dev-keys")
}

/// The anvil binary: `$ZKPAY_ANVIL`, else the pinned npm one in `contracts/node_modules`.
pub fn anvil_binary() -> Result<PathBuf, String> {
    let path = match std::env::var_os("ZKPAY_ANVIL") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"),
    };
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run scripts/setup.sh (npm ci in contracts/) or set ZKPAY_ANVIL", path.display()))
    }
}

/// A fresh anvil (chain 31337, its ten funded default accounts) on a free port; killed when dropped.
pub fn spawn_anvil() -> Result<AnvilInstance, String> {
    // `--code-size-limit` is left at the mainnet default so a too-large contract fails here too.
    Anvil::at(anvil_binary()?).try_spawn().map_err(|e| format!("cannot start anvil: {e}"))
}

/// The dev proving key of the `chunks`-chunk block circuit matching the committed verification key
/// (from `keys/`, else the cache `cache_dir`, else regenerated there: minutes).
pub fn block_dev_keys(chunks: usize, cache_dir: &Path) -> Result<Parameters<Engine>, KeyError> {
    dev_keys(&committed_keys_dir(), cache_dir, &block_circuit_name(chunks), || BlockCircuit::blank(chunks)).map(|(p, _)| p)
}

/// The dev proving key of the exit circuit matching `keys/exit.vk.json`.
pub fn exit_dev_keys(cache_dir: &Path) -> Result<Parameters<Engine>, KeyError> {
    dev_keys(&committed_keys_dir(), cache_dir, EXIT_CIRCUIT_NAME, ExitCircuit::blank).map(|(p, _)| p)
}

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

/// A proof of `block` (sealed in witness mode), in the contracts' `uint256[8]`, checked natively.
pub fn prove_block(params: &Parameters<Engine>, block: &Block) -> Result<[U256; 8], ProveError> {
    let witness = BlockWitness::from_block(block).map_err(|e| ProveError::Witness(e.to_string()))?;
    let circuit = BlockCircuit::new(witness);
    // bellman's prover does not check satisfiability: a bad witness would give a bad proof.
    circuit.check().map_err(ProveError::Unsatisfied)?;
    let proof = prove(params, circuit).map_err(|e| ProveError::Prover(e.to_string()))?;
    if !verify(&params.vk, &proof, &[block.public_input]).map_err(|e| ProveError::Prover(e.to_string()))? {
        return Err(ProveError::NotVerified);
    }
    Ok(proof_words(&proof_to_uint256_8(&proof)))
}

/// An exit proof of `token` of account `account` under the current root of `tree` (a restored
/// state), with its public inputs, checked natively.
pub fn prove_exit(
    params: &Parameters<Engine>,
    tree: &AccountTree,
    account: AccountId,
    token: TokenId,
) -> Result<([U256; 8], ExitPublicInputs), ProveError> {
    let (circuit, public) = ExitCircuit::from_state(tree, account, token).map_err(|e| ProveError::Witness(e.to_string()))?;
    let proof = prove(params, circuit).map_err(|e| ProveError::Prover(e.to_string()))?;
    if !verify(&params.vk, &proof, &public.to_field_elements()).map_err(|e| ProveError::Prover(e.to_string()))? {
        return Err(ProveError::NotVerified);
    }
    Ok((proof_words(&proof_to_uint256_8(&proof)), public))
}
