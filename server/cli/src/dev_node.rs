//! The node's configuration on a [`DevChain`]: what `zkpay dev` and `zkpay bench pipeline` run
//! (one place, so a new setting reaches both).

use crate::paths::{committed_keys_dir, dev_keys_cache_dir};
use std::path::PathBuf;
use zkpay_l1::devnet::{DevChain, DEV_TOKEN_ID};
use zkpay_l1::encode::core_address;
use zkpay_node::config::{L1Config, NodeConfig};

/// The block size a dev chain seals and proves (its keys are the ones tests generate).
pub const DEV_CHUNKS: usize = 8;

/// A node for `chain`: its store in `data_dir`, the API on `listen`, `workers` in-process proving
/// threads, blocks of [`DEV_CHUNKS`] sealed `timeout_ms` after their first tx, L1 polled every
/// `poll_ms`, anvil account 0 as the operator.
pub fn dev_node_config(
    chain: &DevChain,
    data_dir: PathBuf,
    listen: std::net::SocketAddr,
    workers: usize,
    timeout_ms: u64,
    poll_ms: u64,
) -> NodeConfig {
    let mut config = NodeConfig { data_dir, listen, ..NodeConfig::default() };
    config.chain.chain_id = chain.deployment.chain_id;
    config.chain.rollup = core_address(&chain.deployment.rollup);
    config.chain.operator = core_address(&chain.operator.sender());
    config.chain.tokens = vec![DEV_TOKEN_ID];
    config.blocks.keys_dir = committed_keys_dir();
    config.blocks.sizes = vec![DEV_CHUNKS];
    config.blocks.timeout_ms = timeout_ms;
    config.prover.workers = workers;
    config.prover.cache_dir = dev_keys_cache_dir();
    config.l1 = Some(L1Config {
        url: chain.url.clone(),
        operator_key: format!("0x{}", hex::encode(chain.anvil.keys()[0].to_bytes())),
        deployment_block: chain.deployment.block,
        poll_ms,
        ..L1Config::default()
    });
    config
}
