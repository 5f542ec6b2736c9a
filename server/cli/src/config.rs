//! `zkpay node`'s configuration, layered: the TOML file (`--config`), then `ZKPAY_*` environment
//! variables, then flags; each layer overrides the one before. This is the only place that reads
//! configuration: the libraries take a [`NodeConfig`].

use std::path::{Path, PathBuf};
use zkpay_node::NodeConfig;

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong (with its line).
        source: toml::de::Error,
    },
    /// An environment variable has a bad value.
    #[error("{var}={value:?}: {reason}")]
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

/// Overrides from flags (`None`: not given).
#[derive(Clone, Debug, Default)]
pub struct FlagOverrides {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<std::net::SocketAddr>,
    /// `--keys-dir`.
    pub keys_dir: Option<PathBuf>,
}

/// The configuration from `file` (or the defaults), the environment `env` (a lookup, so tests
/// can pass their own) and `flags`.
pub fn load(
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
    flags: &FlagOverrides,
) -> Result<NodeConfig, ConfigError> {
    let mut config = match file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
            toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.into(), source })?
        }
        None => NodeConfig::default(),
    };
    apply_env(&mut config, env)?;
    if let Some(d) = &flags.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(l) = flags.listen {
        config.listen = l;
    }
    if let Some(k) = &flags.keys_dir {
        config.blocks.keys_dir = k.clone();
    }
    Ok(config)
}

fn parse<T: std::str::FromStr>(var: &'static str, value: String) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| ConfigError::Env { var, reason: e.to_string(), value })
}

/// The `ZKPAY_*` variables `zkpay node` reads.
pub const ENV_VARS: [&str; 14] = [
    "ZKPAY_DATA_DIR",
    "ZKPAY_LISTEN",
    "ZKPAY_CHAIN_ID",
    "ZKPAY_ROLLUP",
    "ZKPAY_OPERATOR",
    "ZKPAY_KEYS_DIR",
    "ZKPAY_BLOCK_TIMEOUT_MS",
    "ZKPAY_DEV_FEED",
    "ZKPAY_TOKENS",
    "ZKPAY_L1_URL",
    "ZKPAY_L1_OPERATOR_KEY",
    "ZKPAY_PROVER_TOKEN",
    "ZKPAY_PROVER_WORKERS",
    "ZKPAY_ADMIN_TOKEN",
];

fn apply_env(c: &mut NodeConfig, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    if let Some(v) = env("ZKPAY_DATA_DIR") {
        c.data_dir = v.into();
    }
    if let Some(v) = env("ZKPAY_LISTEN") {
        c.listen = parse("ZKPAY_LISTEN", v)?;
    }
    if let Some(v) = env("ZKPAY_CHAIN_ID") {
        c.chain.chain_id = parse("ZKPAY_CHAIN_ID", v)?;
    }
    if let Some(v) = env("ZKPAY_ROLLUP") {
        c.chain.rollup = parse("ZKPAY_ROLLUP", v)?;
    }
    if let Some(v) = env("ZKPAY_OPERATOR") {
        c.chain.operator = parse("ZKPAY_OPERATOR", v)?;
    }
    if let Some(v) = env("ZKPAY_KEYS_DIR") {
        c.blocks.keys_dir = v.into();
    }
    if let Some(v) = env("ZKPAY_BLOCK_TIMEOUT_MS") {
        c.blocks.timeout_ms = parse("ZKPAY_BLOCK_TIMEOUT_MS", v)?;
    }
    if let Some(v) = env("ZKPAY_DEV_FEED") {
        c.dev_feed = parse("ZKPAY_DEV_FEED", v)?;
    }
    if let Some(v) = env("ZKPAY_TOKENS") {
        c.chain.tokens = v
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse("ZKPAY_TOKENS", s.trim().to_string()))
            .collect::<Result<_, _>>()?;
    }
    // The L1 variables turn the pipeline on (with the file's other [l1] settings, or defaults).
    if let Some(v) = env("ZKPAY_L1_URL") {
        c.l1.get_or_insert_with(Default::default).url = v;
    }
    if let Some(v) = env("ZKPAY_L1_OPERATOR_KEY") {
        c.l1.get_or_insert_with(Default::default).operator_key = v;
    }
    if let Some(v) = env("ZKPAY_PROVER_TOKEN") {
        c.prover.token = v;
    }
    if let Some(v) = env("ZKPAY_PROVER_WORKERS") {
        c.prover.workers = parse("ZKPAY_PROVER_WORKERS", v)?;
    }
    if let Some(v) = env("ZKPAY_ADMIN_TOKEN") {
        c.api.admin_token = v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.toml");
        std::fs::write(
            &file,
            "data_dir = \"from-file\"\nlisten = \"127.0.0.1:1\"\n[chain]\nchain_id = 5\n[blocks]\ntimeout_ms = 7\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "ZKPAY_LISTEN" => Some("127.0.0.1:2".to_string()),
            "ZKPAY_TOKENS" => Some("1, 2".to_string()),
            _ => None,
        };
        let flags = FlagOverrides { listen: Some("127.0.0.1:3".parse().unwrap()), ..Default::default() };
        let c = load(Some(&file), env, &flags).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("from-file"));
        assert_eq!(c.chain.chain_id, 5);
        assert_eq!(c.blocks.timeout_ms, 7);
        assert_eq!(c.chain.tokens, vec![1, 2]);
        assert_eq!(c.listen, "127.0.0.1:3".parse().unwrap(), "flags win over env and file");
        let c = load(Some(&file), env, &FlagOverrides::default()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:2".parse().unwrap(), "env wins over the file");
    }

    #[test]
    fn the_example_config_is_the_defaults() {
        let example = crate::paths::repo_root().join("docs/node.example.toml");
        let c = load(Some(&example), |_| None, &FlagOverrides::default()).unwrap();
        assert_eq!(c, NodeConfig::default(), "docs/node.example.toml shows the defaults");
    }

    #[test]
    fn bad_values_are_named() {
        let err = load(None, |k| (k == "ZKPAY_CHAIN_ID").then(|| "x".into()), &FlagOverrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("ZKPAY_CHAIN_ID=\"x\""), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "no_such_key = 1\n").unwrap();
        let err = load(Some(&file), |_| None, &FlagOverrides::default()).unwrap_err();
        assert!(err.to_string().contains("no_such_key"), "{err}");
        assert!(matches!(
            load(Some(&dir.path().join("missing.toml")), |_| None, &FlagOverrides::default()),
            Err(ConfigError::Read { .. })
        ));
    }
}
