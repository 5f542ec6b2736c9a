//! `zkpay bench node`: the node over HTTP on loopback with durable writes. Concurrent clients
//! (closed loop, one per account) submit pre-signed transfers; we measure transfers accepted per
//! second with their latency percentiles, and transfers sealed per second (until the last one is
//! in a block). Beside it, in the same run, raw RocksDB synced writes per second of the same size:
//! the reference that shows what group commit buys.

use super::Report;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkpay_api_types::{ErrorCode, PriorityOpSubmission};
use zkpay_client::Client;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, L2Tx, PriorityOp, PriorityOpData, TimeRange, Transfer, TxSignature,
};
use zkpay_core::types::Address;
use zkpay_node::{Node, NodeConfig};

const ETHER: u128 = 1_000_000_000_000_000_000;

pub(super) fn address(i: u32) -> Address {
    let mut a = [0x42u8; 20];
    a[..4].copy_from_slice(&(i + 1).to_be_bytes());
    Address(a)
}

pub(super) fn key(i: u32) -> PrivateKey {
    let mut k = [7u8; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    PrivateKey::from_bytes(k)
}

pub(super) fn signed(mut tx: L2Tx, key: &PrivateKey, domain: &Domain) -> Result<L2Tx, String> {
    tx.sign(key, domain).map_err(|e| e.to_string())?;
    Ok(tx)
}

pub(super) async fn wait_for(what: &str, timeout: Duration, mut f: impl AsyncFnMut() -> bool) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(format!("timed out waiting for {what}"))
}

pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Raw RocksDB: `n` synced single writes of `size` bytes, per second.
fn raw_rocksdb_synced_writes(n: usize, size: usize) -> Result<f64, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = rocksdb::DB::open_default(dir.path()).map_err(|e| e.to_string())?;
    let mut opts = rocksdb::WriteOptions::default();
    opts.set_sync(true);
    let value = vec![0x5au8; size];
    let start = Instant::now();
    for i in 0..n as u64 {
        db.put_opt(i.to_be_bytes(), &value, &opts).map_err(|e| e.to_string())?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Deposit 1000 ETH to each of `accounts` addresses through the dev feed and set their keys;
/// their account ids, once every key is in a block.
pub(super) async fn fund(client: &Client, domain: &Domain, accounts: u32) -> Result<Vec<u32>, String> {
    for i in 0..accounts {
        let op = PriorityOp {
            serial_id: i as u64,
            data: PriorityOpData::Deposit(Deposit { from: address(i), to: address(i), token: 0, amount: 1000 * ETHER }),
            expiration_block: u64::MAX,
        };
        let sub = PriorityOpSubmission { op, l1_tx_hash: format!("0x{}", "00".repeat(32)), log_index: 0 };
        client.feed_priority_op(&sub).await.map_err(|e| e.to_string())?;
    }
    let last = address(accounts - 1).to_string();
    wait_for("deposits", Duration::from_secs(60), async || client.account(&last).await.is_ok()).await?;
    let mut ids = Vec::new();
    for i in 0..accounts {
        let id = client.account(&address(i).to_string()).await.map_err(|e| e.to_string())?.id;
        let cpk = L2Tx::ChangePubKey(ChangePubKey {
            account_id: id,
            account: address(i),
            new_pub_key_hash: key(i).public_key().hash(),
            fee_token: 0,
            fee: 0,
            nonce: 0,
            time_range: TimeRange::ALWAYS,
            auth: ChangePubKeyAuth::Onchain,
            signature: TxSignature::default(),
        });
        client.submit(&signed(cpk, &key(i), domain)?).await.map_err(|e| e.to_string())?;
        ids.push(id);
    }
    wait_for("keys", Duration::from_secs(60), async || client.status().await.is_ok_and(|s| s.mempool_txs == 0)).await?;
    Ok(ids)
}

/// A node on a store in `dir`, a free loopback port, the dev feed on, the committed keys; and
/// its signing domain.
pub(super) fn local_config(dir: &std::path::Path) -> (NodeConfig, Domain) {
    let mut config = NodeConfig {
        data_dir: dir.join("db"),
        listen: "127.0.0.1:0".parse().expect("address"),
        dev_feed: true,
        ..Default::default()
    };
    config.blocks.keys_dir = zkpay_cli::paths::committed_keys_dir();
    let domain = Domain { chain_id: config.chain.chain_id, rollup: config.chain.rollup };
    (config, domain)
}

/// Run the suite.
pub fn run(report: &mut Report, scale: f64) -> Result<(), String> {
    crate::runtime()?.block_on(measure(report, scale))
}

async fn measure(report: &mut Report, scale: f64) -> Result<(), String> {
    let accounts: u32 = 48;
    let per_account = ((300.0 * scale) as u32).max(5);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (mut config, domain) = local_config(dir.path());
    config.mempool.max_per_account = 64;
    let node = Node::spawn(config).await.map_err(|e| e.to_string())?;
    let client = Client::new(&format!("http://{}", node.addr())).map_err(|e| e.to_string())?;

    let ids = fund(&client, &domain, accounts).await?;
    let blocks_before = node.sealed_blocks();
    let seal_before = node.seal_time();

    // Pre-sign every transfer (signing is the client's cost, not the node's).
    let mut work: Vec<Vec<L2Tx>> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let to = address((i as u32 + 1) % accounts);
        let mut txs = Vec::new();
        for n in 0..per_account {
            let tx = L2Tx::Transfer(Transfer {
                account_id: *id,
                to,
                token: 0,
                amount: 1000 + n as u128,
                fee: 1,
                nonce: 1 + n,
                time_range: TimeRange::ALWAYS,
                signature: TxSignature::default(),
            });
            txs.push(signed(tx, &key(i as u32), &domain)?);
        }
        work.push(txs);
    }
    let total = (accounts * per_account) as usize;
    let tx_bytes = serde_json::to_vec(&work[0][0]).map_err(|e| e.to_string())?.len();

    let start = Instant::now();
    let client = Arc::new(client);
    let tasks: Vec<_> = work
        .into_iter()
        .map(|txs| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(txs.len());
                let mut backoffs = 0u64;
                for tx in txs {
                    let t = Instant::now();
                    loop {
                        match client.submit(&tx).await {
                            Ok(_) => break,
                            // The account's mempool share is full: sealing is behind; wait.
                            Err(e) if e.code() == Some(ErrorCode::AccountMempoolFull) => {
                                backoffs += 1;
                                tokio::time::sleep(Duration::from_millis(5)).await;
                            }
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                    latencies.push(t.elapsed().as_secs_f64() * 1e3);
                }
                Ok::<_, String>((latencies, backoffs))
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut backoffs = 0;
    for t in tasks {
        let (l, b) = t.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        backoffs += b;
    }
    let accept_time = start.elapsed().as_secs_f64();
    wait_for("the mempool to drain", Duration::from_secs(600), async || {
        client.status().await.is_ok_and(|s| s.mempool_txs == 0)
    })
    .await?;
    let seal_time = start.elapsed().as_secs_f64();
    let blocks = node.sealed_blocks() - blocks_before;
    let seal_after = node.seal_time();
    let seal_capacity = (seal_after.1 - seal_before.1) as f64 / (seal_after.0 - seal_before.0).max(1e-9);
    node.shutdown().await.map_err(|e| e.to_string())?;
    latencies.sort_by(f64::total_cmp);
    let raw = raw_rocksdb_synced_writes(((2000.0 * scale) as usize).max(100), tx_bytes)?;
    let accepted = total as f64 / accept_time;
    report.add("transfers", total as f64, "txs");
    report.add("clients", accounts as f64, "connections");
    report.add("accepted_per_second", accepted, "tx/s");
    report.add("accept_latency_p50_ms", percentile(&latencies, 0.50), "ms");
    report.add("accept_latency_p99_ms", percentile(&latencies, 0.99), "ms");
    report.add("sealed_per_second", total as f64 / seal_time, "tx/s");
    report.add("seal_capacity_per_second", seal_capacity, "tx/s");
    report.add("blocks_sealed", blocks as f64, "blocks");
    report.add("raw_rocksdb_synced_writes_per_second", raw, "writes/s");
    report.add("accepted_vs_raw_synced_writes", accepted / raw, "x");
    report.add("tx_json_bytes", tx_bytes as f64, "bytes");
    report.add("account_mempool_full_backoffs", backoffs as f64, "retries");
    Ok(())
}
