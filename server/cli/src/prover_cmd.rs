//! `zkpay prover --node URL --token T`: an external proving worker. It leases a job from the
//! node, keeps the lease with heartbeats while it proves the witness the node sent, and hands the
//! proof in; the node verifies it before storing it. Run as many as there are machines to spare.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_client::types::{ErrorCode, LeaseRequest};
use zkpay_client::{ClientError, ProverClient};
use zkpay_prover::KeyStore;

/// Arguments of `zkpay prover`.
#[derive(clap::Args)]
pub struct ProverArgs {
    /// The node's API (e.g. http://127.0.0.1:3030).
    #[arg(long)]
    node: String,
    /// The node's prover token (or `ZKPAY_PROVER_TOKEN`).
    #[arg(long, env = "ZKPAY_PROVER_TOKEN", hide_env_values = true)]
    token: String,
    /// The worker's name in the node's logs (default: prover-PID).
    #[arg(long)]
    name: Option<String>,
    /// The verification keys' directory (which block sizes this worker proves).
    #[arg(long, default_value = "keys")]
    keys_dir: PathBuf,
    /// Where regenerated dev proving keys are cached (default: the dev key cache).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Prove one job and exit (tests, scripts).
    #[arg(long)]
    once: bool,
    /// Seconds between polls when the node has no work.
    #[arg(long, default_value_t = 1)]
    poll_secs: u64,
    /// Logs as JSON lines.
    #[arg(long)]
    log_json: bool,
}

/// Run `zkpay prover`.
pub fn run(args: ProverArgs) -> Result<(), crate::CliError> {
    crate::init_logs(args.log_json);
    let client = ProverClient::new(&args.node, &args.token).map_err(|e| crate::CliError::Message(e.to_string()))?;
    let cache = args.cache_dir.clone().unwrap_or_else(zkpay_cli::paths::dev_keys_cache_dir);
    let keys = KeyStore::new(&args.keys_dir, cache);
    let sizes = keys.block_sizes().map_err(|e| crate::CliError::Message(e.to_string()))?;
    let name = args.name.clone().unwrap_or_else(|| format!("prover-{}", std::process::id()));
    let runtime = crate::runtime()?;
    runtime.block_on(async move {
        tracing::info!(node = %args.node, worker = %name, block_sizes = ?sizes, "prover worker started");
        let mut backoff = Duration::from_secs(1);
        loop {
            match work_one(&client, &keys, &name, &sizes).await {
                Ok(true) if args.once => return Ok(()),
                Ok(true) => backoff = Duration::from_secs(1),
                Ok(false) => tokio::time::sleep(Duration::from_secs(args.poll_secs.max(1))).await,
                Err(WorkError::Fatal(e)) => return Err(crate::CliError::Message(e)),
                Err(WorkError::Retry(e)) => {
                    tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "prover worker");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    })
}

enum WorkError {
    /// Cannot go on (a wrong token).
    Fatal(String),
    /// Try again later (node unreachable, lease lost, …).
    Retry(String),
}

fn classify(e: ClientError) -> WorkError {
    match e.code() {
        Some(ErrorCode::Unauthorized) => WorkError::Fatal(format!("the node refused the token: {e}")),
        _ => WorkError::Retry(e.to_string()),
    }
}

/// Lease, prove, submit one job; `Ok(false)` when there was none.
async fn work_one(client: &ProverClient, keys: &KeyStore, name: &str, sizes: &[usize]) -> Result<bool, WorkError> {
    let request = LeaseRequest { worker: name.to_string(), block_sizes: sizes.to_vec() };
    let Some(job) = client.lease(&request).await.map_err(classify)? else { return Ok(false) };
    tracing::info!(block = job.block, chunks = job.chunks, lease = job.lease_id, "job leased");
    let bytes = hex::decode(job.witness.strip_prefix("0x").unwrap_or(&job.witness))
        .map_err(|e| WorkError::Retry(format!("block {}: the witness is not hex: {e}", job.block)))?;
    let witness =
        BlockWitness::decode(&bytes).map_err(|e| WorkError::Retry(format!("block {}: witness: {e}", job.block)))?;

    // Heartbeats while proving, a third of the lease apart.
    let every = Duration::from_millis((job.lease_ms / 3).max(100));
    let beats = {
        let (client, id) = (client.clone(), job.lease_id);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = client.heartbeat(id).await {
                    tracing::warn!(lease = id, error = %e, "heartbeat failed");
                }
            }
        })
    };
    let started = Instant::now();
    let keys = keys.clone();
    let chunks = job.chunks;
    let proved = tokio::task::spawn_blocking(move || {
        let pk = keys.block(chunks).map_err(|e| e.to_string())?;
        zkpay_prover::prove_witness(&pk, witness).map_err(|e| e.to_string())
    })
    .await;
    beats.abort();
    let proof = match proved {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Err(WorkError::Retry(format!("block {}: proving failed: {e}", job.block))),
        Err(e) => return Err(WorkError::Retry(format!("block {}: proving task: {e}", job.block))),
    };
    let seconds = started.elapsed().as_secs_f64();
    let block = client.submit(job.lease_id, &proof).await.map_err(classify)?;
    tracing::info!(block, seconds, "proof accepted by the node");
    Ok(true)
}
