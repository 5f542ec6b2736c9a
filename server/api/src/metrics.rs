//! The node's Prometheus metrics, served at `/metrics` in the text format. They live in the
//! process's default registry: the API records the HTTP ones, the node's tasks the rest (txs,
//! sealing, proofs, L1 gas, webhooks), and the gauges are read from the node at each scrape.

use prometheus::{
    register_histogram_vec, register_int_counter, register_int_counter_vec, register_int_gauge_vec, Encoder,
    HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, TextEncoder,
};
use std::sync::LazyLock;

/// Latency buckets of HTTP requests, seconds.
const HTTP_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
/// Buckets of sealing and proving, seconds.
const SLOW_BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0];

// Registering a metric fails only for a duplicate name or a malformed one, both fixed here.

/// HTTP requests by route pattern, method and status.
pub static HTTP_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "zkpay_http_request_duration_seconds",
        "HTTP requests by route, method and status",
        &["route", "method", "status"],
        HTTP_BUCKETS.to_vec()
    )
    .expect("metric registers")
});

/// Txs admitted into the mempool.
pub static TXS_ACCEPTED: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!("zkpay_txs_accepted_total", "Txs admitted into the mempool").expect("metric registers")
});

/// Submissions refused, by error code.
pub static TXS_REJECTED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("zkpay_txs_rejected_total", "Tx submissions refused, by error code", &["code"])
        .expect("metric registers")
});

/// Time to seal a block, and to prove one (leased to stored), by block size.
pub static PIPELINE_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "zkpay_pipeline_seconds",
        "Sealing (stage=seal) and proving (stage=prove) a block, by its size in chunks",
        &["stage", "chunks"],
        SLOW_BUCKETS.to_vec()
    )
    .expect("metric registers")
});

/// L1 gas the operator's transactions used, by kind (commit, prove, execute…).
pub static L1_GAS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("zkpay_l1_gas_used_total", "L1 gas of the operator's mined transactions", &["kind"])
        .expect("metric registers")
});

/// Webhook delivery attempts, by result (`delivered`, `failed_attempt`, `given_up`).
pub static WEBHOOK_ATTEMPTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("zkpay_webhook_attempts_total", "Webhook delivery attempts, by result", &["result"])
        .expect("metric registers")
});

/// Gauges read from the node at each scrape.
pub static GAUGES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "zkpay_node",
        "The node's state: mempool_txs, mempool_bytes, pending_priority_ops, last_sealed_block, committed_blocks, proven_blocks, finalized_blocks, proving_jobs_queued, proving_jobs_leased, last_event_id, exodus",
        &["what"]
    )
    .expect("metric registers")
});

/// Every metric in the text exposition format.
pub fn render() -> String {
    // Touch the lazies so that each metric is listed from the first scrape on.
    let _ =
        (&*HTTP_SECONDS, &*TXS_ACCEPTED, &*TXS_REJECTED, &*PIPELINE_SECONDS, &*L1_GAS, &*WEBHOOK_ATTEMPTS, &*GAUGES);
    let mut out = Vec::new();
    // Encoding into a Vec fails only on an invalid metric family, which the registry rules out.
    let _ = TextEncoder::new().encode(&prometheus::gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
