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
    /// Another process listens on the port asked for.
    #[error("port {0} is in use (is an earlier `zkpay dev`, or its anvil, still running?)")]
    PortInUse(u16),
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

/// How often a persistent anvil writes its state file: what a crash (not a clean stop, which
/// writes it on exit) can lose of the L1 chain.
pub const STATE_INTERVAL_SECS: u64 = 2;

/// An anvil on `port` whose chain lives in the file `state`: loaded from it when it exists,
/// written to it every [`STATE_INTERVAL_SECS`] and on a clean stop (SIGTERM, which dropping the
/// instance sends). Blocks, receipts and logs survive, so history scans work after a restart.
pub fn spawn_persistent_anvil(anvil: &Path, port: u16, state: &Path) -> Result<AnvilInstance, AnvilError> {
    if !anvil.exists() {
        return Err(AnvilError::Missing(anvil.to_path_buf()));
    }
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        return Err(AnvilError::PortInUse(port));
    }
    let instance = Anvil::at(anvil)
        .port(port)
        .arg("--state")
        .arg(state)
        .args(["--state-interval", &STATE_INTERVAL_SECS.to_string(), "--preserve-historical-states"])
        .try_spawn()?;
    Ok(instance)
}
