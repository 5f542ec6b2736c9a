//! `zkpay bench pipeline`: the node's whole L1 pipeline on anvil with real proofs. For 1 and then
//! 2 in-process proving workers (a fresh chain and node each): deposits, a ChangePubKey, then a
//! burst of transfers through the HTTP API; measured are the time from each transfer's 2xx to
//! `finalized` (executed on L1), p50 and p99, and the proving throughput in chunks per second
//! (the chunks of every block of the burst, over the time from the burst to its last stored
//! proof). Polling adds up to one round of status requests (tens of ms) to each figure.

use super::Report;
use alloy::signers::SignerSync;
use std::time::{Duration, Instant};
use zkpay_cli::dev_node::dev_node_config;
use zkpay_cli::paths::{anvil_binary, committed_keys_dir, dev_keys_cache_dir};
use zkpay_client::types::TxStatus;
use zkpay_client::Client;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{ChangePubKey, ChangePubKeyAuth, L2Tx, TimeRange, Transfer, TxSignature};
use zkpay_l1::devnet::DevChain;
use zkpay_l1::encode::core_address;
use zkpay_node::Node;

const ETHER: u128 = 1_000_000_000_000_000_000;

/// Run the suite.
pub fn run(report: &mut Report, scale: f64) -> Result<(), String> {
    let transfers = ((24.0 * scale).round() as u32).clamp(4, 400);
    // Proving keys before anything is timed.
    zkpay_prover::KeyStore::new(committed_keys_dir(), dev_keys_cache_dir()).block(8).map_err(|e| e.to_string())?;
    // bellman prints while proving: keep stdout for the report.
    let runtime = crate::runtime()?;
    let gag = gag::Gag::stdout().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for workers in [1usize, 2] {
        results.push((workers, runtime.block_on(measure(workers, transfers))));
    }
    drop(gag);
    report.add("transfers", transfers as f64, "per run");
    let mut throughput = [0.0; 2];
    for (workers, r) in results {
        let r = r?;
        report.add(&format!("finality_p50_s_{workers}w"), r.p50, "s");
        report.add(&format!("finality_p99_s_{workers}w"), r.p99, "s");
        report.add(&format!("proving_chunks_per_second_{workers}w"), r.chunks_per_second, "chunks/s");
        report.add(&format!("blocks_proven_{workers}w"), r.blocks as f64, "blocks");
        throughput[workers - 1] = r.chunks_per_second;
    }
    report.add("proving_speedup_2w_vs_1w", throughput[1] / throughput[0], "x");
    Ok(())
}

struct Run {
    p50: f64,
    p99: f64,
    chunks_per_second: f64,
    blocks: u32,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn wait<T, F, Fut>(what: &str, node: &Client, mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return Ok(v);
        }
        if start.elapsed() > Duration::from_secs(1800) {
            return Err(format!("timed out waiting for {what}: {:?}", node.status().await));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn measure(workers: usize, transfers: u32) -> Result<Run, String> {
    let chain = DevChain::start(&anvil_binary(), 10_000).await.map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let listen = "127.0.0.1:0".parse().expect("address");
    let config = dev_node_config(&chain, dir.path().join("db"), listen, workers, 200, 100);
    let handle = Node::spawn(config).await.map_err(|e| e.to_string())?;
    let node = Client::new(&format!("http://{}", handle.addr())).map_err(|e| e.to_string())?;

    let (alice, bob) = (chain.address(1), chain.address(2));
    let alice_l1 = chain.client(1).map_err(|e| e.to_string())?;
    alice_l1.deposit_eth(alice, 10 * ETHER).await.map_err(|e| e.to_string())?;
    chain.client(2).map_err(|e| e.to_string())?.deposit_eth(bob, ETHER).await.map_err(|e| e.to_string())?;
    wait("the deposits", &node, || async { node.priority_op(1).await.ok().filter(|p| p.block.is_some()) }).await?;
    let alice_id = node.account(&core_address(&alice).to_string()).await.map_err(|e| e.to_string())?.id;
    let key = PrivateKey::from_bytes([0xb1; 32]);
    let domain = chain.domain();
    let pkh = key.public_key().hash();
    let digest = alice_l1.change_pubkey_digest(pkh.0, 0, alice_id).await.map_err(|e| e.to_string())?;
    let auth = chain.signer(1).sign_hash_sync(&digest).map_err(|e| e.to_string())?.as_bytes().to_vec();
    let mut cpk = L2Tx::ChangePubKey(ChangePubKey {
        account_id: alice_id,
        account: core_address(&alice),
        new_pub_key_hash: pkh,
        fee_token: 0,
        fee: 0,
        nonce: 0,
        time_range: TimeRange::ALWAYS,
        auth: ChangePubKeyAuth::Eip712 { signature: auth },
        signature: TxSignature::default(),
    });
    cpk.sign(&key, &domain).map_err(|e| e.to_string())?;
    let hash = node.submit(&cpk).await.map_err(|e| e.to_string())?.tx_hashes.remove(0);
    let finalized = |hash: String| {
        let node = node.clone();
        async move { node.tx(&hash).await.ok().filter(|t| t.status == TxStatus::Finalized) }
    };
    wait("the ChangePubKey finalized", &node, || finalized(hash.clone())).await?;
    let first_block = node.status().await.map_err(|e| e.to_string())?.last_block + 1;

    // The burst, then each transfer's time to finality.
    let burst = Instant::now();
    let mut pending = Vec::new();
    for nonce in 1..=transfers {
        let mut tx = L2Tx::Transfer(Transfer {
            account_id: alice_id,
            to: core_address(&bob),
            token: 0,
            amount: 1_000_000,
            fee: 0,
            nonce,
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        });
        tx.sign(&key, &domain).map_err(|e| e.to_string())?;
        let hash = node.submit(&tx).await.map_err(|e| e.to_string())?.tx_hashes.remove(0);
        pending.push((hash, Instant::now()));
    }
    let mut latencies = Vec::new();
    let mut proven_at = None;
    while !pending.is_empty() {
        // Proving is done once every tx is sealed and the last block has its proof.
        if proven_at.is_none() {
            let s = node.status().await.map_err(|e| e.to_string())?;
            if s.mempool_txs == 0 && s.last_block >= first_block && s.pipeline.proofs >= s.last_block {
                proven_at = Some(burst.elapsed());
            }
        }
        let mut still = Vec::new();
        for (hash, accepted) in pending {
            match finalized(hash.clone()).await {
                Some(_) => latencies.push(accepted.elapsed().as_secs_f64()),
                None => still.push((hash, accepted)),
            }
        }
        pending = still;
        if burst.elapsed() > Duration::from_secs(1800) {
            return Err("transfers not finalized within 30 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = node.status().await.map_err(|e| e.to_string())?;
    let last = status.last_block;
    let mut chunks = 0usize;
    for n in first_block..=last {
        chunks += node.block(n).await.map_err(|e| e.to_string())?.chunks;
    }
    // From the burst to the last proof stored (polled, so within one round of polls); the
    // last finality bounds it from above if the proof was missed.
    let proving = proven_at.unwrap_or_else(|| burst.elapsed()).as_secs_f64();
    handle.shutdown().await.map_err(|e| e.to_string())?;
    latencies.sort_by(f64::total_cmp);
    Ok(Run {
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        chunks_per_second: chunks as f64 / proving,
        blocks: last + 1 - first_block,
    })
}
