//! The keys a deployment proves with: verification keys in a committed directory (`keys/`), dev
//! proving keys there or in a cache directory (regenerated from the public dev seed when missing).

use crate::ProvingKey;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zkpay_circuit::bellman_ce::groth16::VerifyingKey;
use zkpay_circuit::block::{block_circuit_name, block_size_of_name, BlockCircuit};
use zkpay_circuit::exit::{ExitCircuit, EXIT_CIRCUIT_NAME};
use zkpay_circuit::keys::{dev_keys, proving_key_path, read_verification_key, verification_key_path, KeyError};
use zkpay_circuit::Engine;

/// Why the key store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The keys directory could not be listed.
    #[error("listing keys in {path}: {source}")]
    List {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No verification key for any block size.
    #[error("no block verification key (block_N.vk.json) in {0}")]
    NoBlockSizes(PathBuf),
    /// Loading or generating a key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Dev keys of one deployment: `committed` holds the verification keys (`NAME.vk.json`, and maybe
/// proving keys `NAME.pk`), `cache` receives regenerated proving keys. Proving keys are loaded on
/// first use, converted for the fast prover once and shared (bellman_ce's copy is dropped: a key is
/// held once in memory).
#[derive(Clone)]
pub struct KeyStore {
    committed: PathBuf,
    cache: PathBuf,
    loaded: Arc<Mutex<HashMap<String, Arc<ProvingKey>>>>,
    /// Held while a key is read or generated.
    loading: Arc<Mutex<()>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore").field("committed", &self.committed).field("cache", &self.cache).finish()
    }
}

impl KeyStore {
    /// A store over `committed` (the keys directory) with regenerated keys cached in `cache`.
    pub fn new(committed: impl Into<PathBuf>, cache: impl Into<PathBuf>) -> KeyStore {
        KeyStore { committed: committed.into(), cache: cache.into(), loaded: Arc::default(), loading: Arc::default() }
    }

    /// The keys directory.
    pub fn committed_dir(&self) -> &Path {
        &self.committed
    }

    /// The block sizes (chunks) that have a verification key, ascending.
    pub fn block_sizes(&self) -> Result<Vec<usize>, KeyStoreError> {
        let list = |source| KeyStoreError::List { path: self.committed.clone(), source };
        let mut sizes = Vec::new();
        for entry in std::fs::read_dir(&self.committed).map_err(list)? {
            let name = entry.map_err(list)?.file_name();
            let Some(name) = name.to_str().and_then(|n| n.strip_suffix(".vk.json")) else { continue };
            sizes.extend(block_size_of_name(name));
        }
        sizes.sort_unstable();
        if sizes.is_empty() {
            return Err(KeyStoreError::NoBlockSizes(self.committed.clone()));
        }
        Ok(sizes)
    }

    /// The proving key of the `chunks`-chunk block circuit (loaded, or generated: minutes).
    pub fn block(&self, chunks: usize) -> Result<Arc<ProvingKey>, KeyStoreError> {
        self.get(&block_circuit_name(chunks), || BlockCircuit::blank(chunks))
    }

    /// The verification key of the `chunks`-chunk block circuit, from its committed JSON (what
    /// the node verifies workers' proofs with; no proving key needed).
    pub fn block_vk(&self, chunks: usize) -> Result<VerifyingKey<Engine>, KeyStoreError> {
        let path = verification_key_path(&self.committed, &block_circuit_name(chunks));
        Ok(read_verification_key(&path)?.1)
    }

    /// Whether the `chunks`-chunk block's proving key is on disk for its committed verification
    /// key (in the keys directory or the cache), so [`KeyStore::block`] loads it in seconds; when
    /// not, it generates it (minutes). A cheap look at the files: the load still checks them.
    pub fn block_on_disk(&self, chunks: usize) -> bool {
        let name = block_circuit_name(chunks);
        let Ok(committed) = std::fs::read_to_string(verification_key_path(&self.committed, &name)) else {
            return false;
        };
        [&self.committed, &self.cache].iter().any(|dir| {
            proving_key_path(dir, &name).exists()
                && std::fs::read_to_string(verification_key_path(dir, &name)).is_ok_and(|vk| vk == committed)
        })
    }

    /// The proving key of the exit circuit.
    pub fn exit(&self) -> Result<Arc<ProvingKey>, KeyStoreError> {
        self.get(EXIT_CIRCUIT_NAME, ExitCircuit::blank)
    }

    fn get<C: zkpay_circuit::bellman_ce::Circuit<Engine>>(
        &self,
        name: &str,
        blank: impl Fn() -> C,
    ) -> Result<Arc<ProvingKey>, KeyStoreError> {
        if let Some(p) = self.loaded.lock().expect("key store lock").get(name) {
            return Ok(p.clone());
        }
        // One load or generation at a time (generating takes minutes: not twice at once).
        let _one = self.loading.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = self.loaded.lock().expect("key store lock").get(name) {
            return Ok(p.clone());
        }
        let (params, _) = dev_keys(&self.committed, &self.cache, name, blank)?;
        let pk = Arc::new(crate::proving_key(params));
        self.loaded.lock().expect("key store lock").insert(name.to_string(), pk.clone());
        Ok(pk)
    }
}
