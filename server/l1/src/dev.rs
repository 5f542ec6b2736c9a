//! Local development chain tooling: anvil (the pinned npm binary in `contracts/node_modules`, which
//! `scripts/setup.sh` installs). For tests, benchmarks and `zkpay
//! dev`. Paths come from the caller (configuration lives in the binary, not here).

use alloy::node_bindings::{Anvil, AnvilInstance};
use std::path::{Path, PathBuf};

/// The pinned anvil inside a checkout rooted at `repo_root`.
pub fn pinned_anvil(repo_root: &Path) -> PathBuf {
    repo_root.join("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// Why anvil did not start.
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// The binary is not there.
    #[error("{0} is missing: run scripts/setup.sh (npm ci in contracts/)")]
    Missing(PathBuf),
    /// It did not start.
    #[error("cannot start anvil: {0}")]
    Spawn(#[from] alloy::node_bindings::NodeError),
}

/// A fresh anvil (chain 31337, its ten funded default accounts) on a free port, from the binary at
/// `anvil`; killed when dropped.
pub fn spawn_anvil(anvil: &Path) -> Result<AnvilInstance, AnvilError> {
    if !anvil.exists() {
        return Err(AnvilError::Missing(anvil.to_path_buf()));
    }
    // `--code-size-limit` is left at the mainnet default so a too-large contract fails here too.
    Ok(Anvil::at(anvil).try_spawn()?)
}
