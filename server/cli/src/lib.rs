//! The `zkpay` binary's library: what its subcommands and their tests share.
//!
//! - [`config`]: the node's configuration, layered TOML file → `ZKPAY_*` environment → flags (the
//!   only place where configuration is read).
//! - [`dev_node`]: the node's configuration on a local dev chain (`zkpay dev`, `bench pipeline`).
//! - [`exodus`]: the user's exit when the operator is gone (`zkpay exit`).
//! - [`paths`]: the repository's files and caches.

pub mod config;
pub mod dev_node;
pub mod exodus;
pub mod paths;

pub use zkpay_node::NodeConfig;
