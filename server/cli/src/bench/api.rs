//! `zkpay bench api`: the merchant API of a node in this process, over loopback HTTP. Measured:
//! `GET /v1/accounts/{id}` requests per second from concurrent keep-alive clients; the event
//! fan-out — `S` SSE subscribers (1,000 at scale 1) each receiving every `tx.included` event, the
//! latency from the event's creation (stamped by the writer before its synced write) to each
//! subscriber's receipt; and webhook deliveries per second to a receiver that answers 204. The
//! clients run in the same process and share the two cores with the node: the figures are a
//! lower bound of what the node serves to clients elsewhere.

use super::node::{address, fund, key, local_config, percentile, signed, wait_for};
use super::Report;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkpay_client::{Client, EventsRequest};
use zkpay_core::tx::{Domain, L2Tx, TimeRange, Transfer, TxSignature};
use zkpay_node::Node;

const ADMIN: &str = "bench-admin";

/// Run the suite.
pub fn run(report: &mut Report, scale: f64) -> Result<(), String> {
    crate::runtime()?.block_on(measure(report, scale))
}

fn transfer(from: u32, i: u32, nonce: u32, domain: &Domain) -> Result<L2Tx, String> {
    let tx = L2Tx::Transfer(Transfer {
        account_id: from,
        to: address(i + 1),
        token: 0,
        amount: 1000 + nonce as u128,
        fee: 0,
        nonce,
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    signed(tx, &key(i), domain)
}

async fn measure(report: &mut Report, scale: f64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (mut config, domain) = local_config(dir.path());
    config.blocks.timeout_ms = 20;
    config.api.rate_limit_per_sec = 0;
    config.api.admin_token = ADMIN.into();
    config.mempool.max_per_account = 1000;
    let node = Node::spawn(config).await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", node.addr());
    let client = Client::new(&url).map_err(|e| e.to_string())?;
    let ids = fund(&client, &domain, 2).await?;
    let mut nonce = 1u32;

    // GET /v1/accounts/{id}: closed-loop clients for a fixed time.
    let clients = 32;
    let secs = (5.0 * scale).clamp(1.0, 30.0);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let path = format!("{url}/v1/accounts/{}", ids[0]);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (done, path) = (done.clone(), path.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let ok = match http.get(&path).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if !ok {
                        return Err("a GET failed".to_string());
                    }
                    latencies.push(t.elapsed().as_secs_f64() * 1e3);
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(latencies)
            })
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    report.add("get_account_clients", clients as f64, "connections");
    report.add("get_account_per_second", done.load(Ordering::Relaxed) as f64 / elapsed, "req/s");
    report.add("get_account_p50_ms", percentile(&latencies, 0.5), "ms");
    report.add("get_account_p99_ms", percentile(&latencies, 0.99), "ms");

    // SSE fan-out: every subscriber gets every tx.included event.
    let subscribers = ((1000.0 * scale).round() as usize).clamp(10, 5000);
    let events = 20u32;
    let seen = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut streams = Vec::new();
    for _ in 0..subscribers {
        let request = EventsRequest { types: vec!["tx.included".into()], ..Default::default() };
        streams.push(client.events(&request).await.map_err(|e| e.to_string())?);
    }
    let readers: Vec<_> = streams
        .into_iter()
        .map(|mut s| {
            let seen = seen.clone();
            tokio::spawn(async move {
                for _ in 0..events {
                    let e = match s.next().await {
                        Ok(Some(e)) => e,
                        _ => return Err("a stream ended early".to_string()),
                    };
                    let now = zkpay_node::now_ms();
                    seen.lock().unwrap_or_else(|p| p.into_inner()).push(now.saturating_sub(e.created_at) as f64);
                }
                Ok(())
            })
        })
        .collect();
    for _ in 0..events {
        let tx = transfer(ids[0], 0, nonce, &domain)?;
        nonce += 1;
        client.submit(&tx).await.map_err(|e| e.to_string())?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for r in readers {
        tokio::time::timeout(Duration::from_secs(120), r)
            .await
            .map_err(|_| "subscribers did not get every event within 120 s".to_string())?
            .map_err(|e| e.to_string())??;
    }
    let mut lat = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    lat.sort_by(f64::total_cmp);
    report.add("sse_subscribers", subscribers as f64, "streams");
    report.add("sse_events_delivered", lat.len() as f64, "events");
    report.add("sse_event_latency_p50_ms", percentile(&lat, 0.5), "ms");
    report.add("sse_event_latency_p99_ms", percentile(&lat, 0.99), "ms");

    // Webhooks: one endpoint, a receiver that answers 204 at once.
    let received = Arc::new(AtomicU64::new(0));
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let receiver = {
        let (received, arrivals) = (received.clone(), arrivals.clone());
        actix_web::HttpServer::new(move || {
            let (received, arrivals) = (received.clone(), arrivals.clone());
            actix_web::App::new().route(
                "/hook",
                actix_web::web::post().to(move || {
                    received.fetch_add(1, Ordering::Relaxed);
                    arrivals.lock().unwrap_or_else(|p| p.into_inner()).push(Instant::now());
                    async { actix_web::HttpResponse::NoContent().finish() }
                }),
            )
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .map_err(|e| e.to_string())?
    };
    let hook = format!("http://{}/hook", receiver.addrs()[0]);
    let server = receiver.run();
    let server_handle = server.handle();
    tokio::spawn(server);
    let http = reqwest::Client::new();
    let body = serde_json::json!({ "url": hook, "filter": { "types": ["tx.included"] } });
    let r = http
        .post(format!("{url}/v1/webhooks"))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status() != 201 {
        return Err(format!("registering the webhook: HTTP {}", r.status()));
    }
    let deliveries = ((500.0 * scale).round() as u64).clamp(20, 5000);
    // Alternating senders, each with its own nonces (signed before anything is timed).
    let mut signed_txs = Vec::new();
    let mut nonces = [nonce, 1];
    for i in 0..deliveries {
        let who = (i % 2) as usize;
        signed_txs.push(transfer(ids[who], who as u32, nonces[who], &domain)?);
        nonces[who] += 1;
    }
    for tx in &signed_txs {
        client.submit(tx).await.map_err(|e| e.to_string())?;
    }
    wait_for("every webhook delivery", Duration::from_secs(600), async || {
        received.load(Ordering::Relaxed) >= deliveries
    })
    .await?;
    // From the first delivery to the last: the dispatcher's rate (each delivery signed, POSTed,
    // and its outcome synced to disk), not the sealing before it.
    let times = arrivals.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let span = match (times.first(), times.last()) {
        (Some(a), Some(b)) if b > a => b.duration_since(*a).as_secs_f64(),
        _ => return Err("no webhook span to measure".into()),
    };
    report.add("webhook_deliveries", deliveries as f64, "deliveries");
    report.add("webhook_deliveries_per_second", (times.len() - 1) as f64 / span, "deliveries/s");
    server_handle.stop(true).await;
    node.shutdown().await.map_err(|e| e.to_string())?;
    Ok(())
}
