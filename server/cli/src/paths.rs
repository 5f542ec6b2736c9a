//! Where the binary finds the repository's files and caches. The environment is read here, in the
//! binary, and nowhere in the libraries: they take paths as arguments.

use std::path::{Path, PathBuf};

/// The repository root of this build (the checkout the binary was built from).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
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
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/zkpay-target"));
    target.join("tmp/zkpay-dev-keys")
}

/// The anvil binary: `$ZKPAY_ANVIL`, else the pinned npm one in `contracts/node_modules`.
pub fn anvil_binary() -> PathBuf {
    match std::env::var_os("ZKPAY_ANVIL") {
        Some(p) => PathBuf::from(p),
        None => zkpay_l1::dev::pinned_anvil(&repo_root()),
    }
}
