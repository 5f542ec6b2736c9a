//! Webhooks end to end: `zkpay node` as a child process delivers to a receiver in this test that
//! checks every Standard Webhooks signature itself (HMAC-SHA256 over `id.timestamp.body`). The
//! receiver is down while events happen, the node is `kill -9`ed while it retries, and once the
//! receiver is back every matching event arrives, each under one `webhook-id` only.

mod node_process;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use node_process::*;
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use zkpay_api_types::{Event, Page, PriorityOpSubmission, WebhookDelivery, WebhookEndpoint};
use zkpay_client::Client;
use zkpay_core::tx::{Deposit, PriorityOp, PriorityOpData};
use zkpay_test_utils::{address, ETHER};

const ADMIN: &str = "admin-secret-for-the-test";

#[derive(Default)]
struct Receiver {
    down: AtomicBool,
    secret: Mutex<String>,
    /// webhook-id → the bodies received under it.
    got: Mutex<BTreeMap<String, Vec<String>>>,
    bad: Mutex<Vec<String>>,
}

/// The check a merchant's receiver makes, written from the specification alone.
fn verify(secret: &str, req: &HttpRequest, body: &[u8]) -> Result<String, String> {
    let h = |name: &str| {
        req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from).ok_or(format!("no {name}"))
    };
    let (id, ts, sigs) = (h("webhook-id")?, h("webhook-timestamp")?, h("webhook-signature")?);
    let t: i64 = ts.parse().map_err(|_| "timestamp".to_string())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    if (now - t).abs() > 300 {
        return Err(format!("timestamp {t} is more than 5 minutes from now"));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).map_err(|e| e.to_string())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", b64.encode(mac.finalize().into_bytes()));
    if !sigs.split(' ').any(|s| s == expected) {
        return Err(format!("signature {sigs} is not {expected}"));
    }
    Ok(id)
}

async fn receive(state: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let secret = state.secret.lock().unwrap().clone();
    match verify(&secret, &req, &body) {
        Ok(id) => {
            let text = String::from_utf8_lossy(&body).into_owned();
            state.got.lock().unwrap().entry(id).or_default().push(text);
            HttpResponse::NoContent().finish()
        }
        Err(e) => {
            state.bad.lock().unwrap().push(e);
            HttpResponse::BadRequest().finish()
        }
    }
}

async fn wait_for(what: &str, secs: u64, mut f: impl AsyncFnMut() -> bool) {
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn deposit(serial: u64, to: u8) -> PriorityOpSubmission {
    let op = PriorityOp {
        serial_id: serial,
        data: PriorityOpData::Deposit(Deposit {
            from: address(to),
            to: address(to),
            token: 0,
            amount: ETHER + serial as u128,
        }),
        expiration_block: 1_000_000,
    };
    PriorityOpSubmission { op, l1_tx_hash: format!("0x{:064x}", serial + 1), log_index: 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_once_per_id_through_downtime_and_a_kill_9() {
    let receiver = web::Data::new(Receiver::default());
    receiver.down.store(true, Ordering::SeqCst);
    let server = {
        let r = receiver.clone();
        HttpServer::new(move || App::new().app_data(r.clone()).route("/hook", web::post().to(receive)))
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap()
    };
    let hook_url = format!("http://{}/hook", server.addrs()[0]);
    let server = server.run();
    tokio::spawn(server);

    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "[api]\nadmin_token = \"{ADMIN}\"\n\n[webhooks]\nfirst_retry_ms = 100\nmax_retry_ms = 400\ntimeout_ms = 2000\n"
    );
    let config = write_config(dir.path(), 30, &extra);
    let log = dir.path().join("node.log");
    let node = NodeProcess::start(&config, &log);
    let client = Client::new(&node.url).unwrap();
    let http = reqwest::Client::new();

    // The admin routes refuse a request without the token.
    let body = serde_json::json!({ "url": hook_url, "filter": { "types": ["deposit.*", "block.sealed"] } });
    let r = http.post(format!("{}/v1/webhooks", node.url)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.post(format!("{}/v1/webhooks", node.url)).bearer_auth(ADMIN).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let endpoint: WebhookEndpoint = r.json().await.unwrap();
    *receiver.secret.lock().unwrap() = endpoint.secret.clone().expect("the secret, once");
    let listed: Page<WebhookEndpoint> =
        http.get(format!("{}/v1/webhooks", node.url)).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].secret, None, "the secret is shown only at creation");

    // Events while the receiver is down: they are retried.
    for serial in 0..6 {
        client.feed_priority_op(&deposit(serial, 1 + serial as u8 % 3)).await.unwrap();
    }
    let deliveries_url = format!("{}/v1/webhooks/{}/deliveries?limit=100", node.url, endpoint.id);
    wait_for("failed attempts while the receiver is down", 60, async || {
        let Ok(r) = http.get(&deliveries_url).bearer_auth(ADMIN).send().await else { return false };
        let page: Page<WebhookDelivery> = r.json().await.unwrap();
        page.data.len() >= 12 && page.data.iter().all(|d| d.attempts >= 2)
    })
    .await;

    // kill -9 in the middle of the retries; more events after the restart; the receiver back.
    node.kill9();
    let node = NodeProcess::start(&config, &log);
    let client = Client::new(&node.url).unwrap();
    let deliveries_url = format!("{}/v1/webhooks/{}/deliveries?limit=100", node.url, endpoint.id);
    for serial in 6..9 {
        client.feed_priority_op(&deposit(serial, 1)).await.unwrap();
    }
    receiver.down.store(false, Ordering::SeqCst);

    // What should arrive: every stored event the filter takes.
    let wanted = async || -> BTreeSet<String> {
        let page = client.event_log(0, 100).await.unwrap();
        assert!(page.next_cursor.is_none(), "fewer than 100 events");
        let is_wanted =
            |e: &Event| e.event_type.name().starts_with("deposit.") || e.event_type.name() == "block.sealed";
        page.data.iter().filter(|e| is_wanted(e)).map(|e| format!("evt_{}", e.id)).collect()
    };
    wait_for("every event delivered", 90, async || {
        let w = wanted().await;
        let got: BTreeSet<String> = receiver.got.lock().unwrap().keys().cloned().collect();
        w.len() > 9 * 2 && w.is_subset(&got)
    })
    .await;
    let wanted = wanted().await;
    let got = receiver.got.lock().unwrap().clone();
    assert!(receiver.bad.lock().unwrap().is_empty(), "bad signatures: {:?}", receiver.bad.lock().unwrap());
    assert_eq!(got.keys().cloned().collect::<BTreeSet<_>>(), wanted, "exactly the matching events");
    for (id, bodies) in &got {
        let events: Vec<Event> = bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect();
        assert!(events.iter().all(|e| format!("evt_{}", e.id) == *id), "{id}: the body is that event");
        assert!(events.windows(2).all(|w| w[0] == w[1]), "{id}: the same event each time");
    }
    // No event under two ids: the ids are the events' own, so distinct ids are distinct events.
    let event_ids: BTreeSet<u64> = got.values().map(|b| serde_json::from_str::<Event>(&b[0]).unwrap().id).collect();
    assert_eq!(event_ids.len(), got.len());
    let page: Page<WebhookDelivery> =
        http.get(&deliveries_url).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
    assert!(page.data.iter().all(|d| d.state == zkpay_api_types::DeliveryState::Delivered), "{page:?}");

    // A replay delivers an event again, under the same id.
    let first = wanted.iter().next().unwrap().strip_prefix("evt_").unwrap().parse::<u64>().unwrap();
    let before = got[&format!("evt_{first}")].len();
    let r = http
        .post(format!("{}/v1/webhooks/{}/replay", node.url, endpoint.id))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({ "eventId": first }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    wait_for("the replay", 30, async || receiver.got.lock().unwrap()[&format!("evt_{first}")].len() > before).await;
    let r = http
        .post(format!("{}/v1/webhooks/{}/replay", node.url, endpoint.id))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({ "eventId": 999_999 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "an unknown event");
    let r = http.delete(format!("{}/v1/webhooks/{}", node.url, endpoint.id)).bearer_auth(ADMIN).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = http.get(format!("{}/v1/webhooks/{}", node.url, endpoint.id)).bearer_auth(ADMIN).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("webhook endpoint registered"), "{log}");
    node.stop_cleanly();
}
