//! Merchant webhooks: the dispatcher that turns stored events into deliveries and POSTs them,
//! signed as Standard Webhooks specifies, retrying with exponential backoff until the endpoint
//! answers 2xx or the delivery is too old.
//!
//! Nothing is only in memory: an endpoint's cursor (the last event matched against its filter)
//! and every delivery (pending, delivered, failed, with its attempts) are in storage, so a
//! restart — even a `kill -9` — goes on where the store says. A delivery is keyed by
//! `(endpoint, event)` and carries `webhook-id: evt_<event>`: an event reaches an endpoint under
//! one id only, however often it is retried. Receivers dedupe on that id (delivery is
//! at-least-once: a 2xx that arrives just before a crash is sent again).

use crate::config::WebhookConfig;
use crate::now_ms;
use crate::shared::Shared;
use crate::writer::{self, Job};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinSet;
use zkpay_api_types::{DeliveryState, WebhookAttempt};
use zkpay_storage::{DeliveryRecord, NodeStore, StorageError, WebhookRecord, Write};

/// Events matched against the filters at a time.
const MATCH_PAGE: usize = 512;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What the admin routes tell the dispatcher.
#[derive(Debug)]
pub enum WebhookCommand {
    /// The endpoints changed: read them again.
    Reload,
    /// A delivery was made pending by hand (a replay).
    Due(DeliveryRecord),
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", B64.encode(bytes))
}

/// The `webhook-signature` value for a delivery: `v1,` and the base64 HMAC-SHA256, keyed with
/// the secret's bytes, of `id.timestamp.body`.
pub fn sign(secret: &str, id: &str, timestamp: u64, body: &[u8]) -> Result<String, String> {
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| format!("the webhook secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff(policy: &WebhookConfig, attempts: u32) -> Duration {
    let shift = attempts.saturating_sub(1).min(40);
    let ms = policy.first_retry_ms.saturating_mul(1u64 << shift).min(policy.max_retry_ms.max(policy.first_retry_ms));
    Duration::from_millis(ms)
}

/// The dispatcher task.
pub struct Dispatcher<S: NodeStore> {
    store: Arc<S>,
    shared: Arc<Shared>,
    writer: Sender<Job>,
    policy: WebhookConfig,
    http: reqwest::Client,
    commands: UnboundedReceiver<WebhookCommand>,
    endpoints: BTreeMap<u64, WebhookRecord>,
    /// Pending deliveries by `(next attempt, endpoint, event)`.
    due: BTreeSet<(u64, u64, u64)>,
    pending: BTreeMap<(u64, u64), DeliveryRecord>,
}

/// What one attempt gave.
struct Outcome {
    delivery: DeliveryRecord,
    attempt: WebhookAttempt,
    ok: bool,
}

impl<S: NodeStore> Dispatcher<S> {
    /// A dispatcher over what `store` holds.
    pub fn new(
        store: Arc<S>,
        shared: Arc<Shared>,
        writer: Sender<Job>,
        policy: WebhookConfig,
        commands: UnboundedReceiver<WebhookCommand>,
    ) -> Result<Self, StorageError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(policy.timeout_ms.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StorageError::WrongDeployment(format!("webhook HTTP client: {e}")))?;
        let mut d = Dispatcher {
            store,
            shared,
            writer,
            policy,
            http,
            commands,
            endpoints: BTreeMap::new(),
            due: BTreeSet::new(),
            pending: BTreeMap::new(),
        };
        d.reload()?;
        for p in d.store.pending_deliveries()? {
            d.schedule(p);
        }
        Ok(d)
    }

    fn reload(&mut self) -> Result<(), StorageError> {
        self.endpoints = self.store.webhooks()?.into_iter().map(|w| (w.id, w)).collect();
        Ok(())
    }

    fn schedule(&mut self, d: DeliveryRecord) {
        if let Some(old) = self.pending.remove(&(d.endpoint, d.event)) {
            self.due.remove(&(old.next_attempt_at, old.endpoint, old.event));
        }
        if d.state == DeliveryState::Pending {
            self.due.insert((d.next_attempt_at, d.endpoint, d.event));
            self.pending.insert((d.endpoint, d.event), d);
        }
    }

    async fn durable(&self, writes: Vec<Write>) -> bool {
        match writer::durable(&self.writer, writes) {
            Some(w) => w.wait().await.is_ok(),
            None => false,
        }
    }

    /// Make the deliveries of the events after each endpoint's cursor; `false` when stopping.
    async fn match_events(&mut self) -> Result<bool, StorageError> {
        let last = self.shared.last_event_id();
        let ids: Vec<u64> = self.endpoints.keys().copied().collect();
        for id in ids {
            while let Some(ep) = self.endpoints.get(&id) {
                if ep.cursor >= last {
                    break;
                }
                let page = self.store.events_after(ep.cursor, MATCH_PAGE)?;
                let Some(end) = page.last().map(|e| e.id) else { break };
                let mut writes = Vec::new();
                let mut made = Vec::new();
                for e in page.iter().filter(|e| ep.filter.matches(e)) {
                    // Made before a crash that lost the cursor: keep what it became.
                    if self.store.delivery(id, e.id)?.is_some() {
                        continue;
                    }
                    let now = now_ms();
                    let d = DeliveryRecord {
                        endpoint: id,
                        event: e.id,
                        state: DeliveryState::Pending,
                        attempts: 0,
                        created_at: now,
                        next_attempt_at: now,
                        last_attempt: None,
                    };
                    writes.push(Write::Delivery(d.clone()));
                    made.push(d);
                }
                let mut ep = ep.clone();
                ep.cursor = end;
                // The deliveries first, then the cursor: a crash between them repeats the page,
                // and the check above keeps that from making anything twice.
                writes.push(Write::Webhook(ep.clone()));
                if !self.durable(writes).await {
                    return Ok(false);
                }
                self.endpoints.insert(id, ep);
                for d in made {
                    self.schedule(d);
                }
            }
        }
        Ok(true)
    }

    /// POST one delivery; `false` when there is nothing to send (its endpoint or event is gone).
    fn attempt(&self, d: DeliveryRecord, set: &mut JoinSet<Outcome>) -> Result<bool, StorageError> {
        let Some(ep) = self.endpoints.get(&d.endpoint).cloned() else { return Ok(false) };
        let Some(event) = self.store.events_after(d.event.saturating_sub(1), 1)?.into_iter().find(|e| e.id == d.event)
        else {
            tracing::error!(
                endpoint = d.endpoint,
                event = d.event,
                "webhooks: a pending delivery's event is not stored"
            );
            return Ok(false);
        };
        let http = self.http.clone();
        set.spawn(async move {
            let started = Instant::now();
            let at = now_ms();
            let id = format!("evt_{}", event.id);
            let body = serde_json::to_vec(&event).unwrap_or_default();
            let ts = at / 1000;
            let result = match sign(&ep.secret, &id, ts, &body) {
                Ok(signature) => http
                    .post(ep.url.as_str())
                    .header("content-type", "application/json")
                    .header("webhook-id", id.as_str())
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let duration_ms = started.elapsed().as_millis() as u64;
            let (ok, attempt) = match result {
                Ok(resp) if resp.status().is_success() => {
                    (true, WebhookAttempt { at, status: Some(resp.status().as_u16()), error: None, duration_ms })
                }
                Ok(resp) => (
                    false,
                    WebhookAttempt {
                        at,
                        status: Some(resp.status().as_u16()),
                        error: Some(format!("the endpoint answered HTTP {}", resp.status().as_u16())),
                        duration_ms,
                    },
                ),
                Err(e) => (false, WebhookAttempt { at, status: None, error: Some(e), duration_ms }),
            };
            Outcome { delivery: d, attempt, ok }
        });
        Ok(true)
    }

    /// The delivery after an attempt.
    fn settle(&self, o: Outcome) -> DeliveryRecord {
        let mut d = o.delivery;
        d.attempts += 1;
        let now = now_ms();
        let result = if o.ok {
            d.state = DeliveryState::Delivered;
            "delivered"
        } else if now.saturating_sub(d.created_at) >= self.policy.max_age_secs.saturating_mul(1000) {
            d.state = DeliveryState::Failed;
            tracing::warn!(endpoint = d.endpoint, event = d.event, attempts = d.attempts, "webhook delivery given up");
            "given_up"
        } else {
            d.next_attempt_at = now + backoff(&self.policy, d.attempts).as_millis() as u64;
            "failed_attempt"
        };
        zkpay_api::metrics::WEBHOOK_ATTEMPTS.with_label_values(&[result]).inc();
        d.last_attempt = Some(o.attempt);
        d
    }

    /// Run until the node is cancelled.
    pub async fn run(mut self) {
        let cancel = self.shared.cancel.clone();
        let mut live = self.shared.subscribe_events();
        let mut flying: JoinSet<Outcome> = JoinSet::new();
        let mut in_flight: BTreeSet<(u64, u64)> = BTreeSet::new();
        loop {
            match self.match_events().await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => tracing::error!(error = %e, "webhooks: reading events failed; retrying"),
            }
            // Start what is due, up to the concurrency limit, one attempt per delivery at a time.
            let now = now_ms();
            let ready: Vec<(u64, u64, u64)> = self.due.iter().take_while(|(at, _, _)| *at <= now).copied().collect();
            for key in ready {
                if flying.len() >= self.policy.concurrency.max(1) {
                    break;
                }
                let (_, endpoint, event) = key;
                if in_flight.contains(&(endpoint, event)) {
                    continue;
                }
                self.due.remove(&key);
                let Some(d) = self.pending.remove(&(endpoint, event)) else { continue };
                match self.attempt(d.clone(), &mut flying) {
                    Ok(true) => {
                        in_flight.insert((endpoint, event));
                    }
                    Ok(false) => {}
                    Err(e) => {
                        // Storage could not be read: try again a little later.
                        tracing::error!(error = %e, "webhooks: reading an event failed");
                        let mut d = d;
                        d.next_attempt_at = now_ms() + backoff(&self.policy, 1).as_millis() as u64;
                        self.schedule(d);
                    }
                }
            }
            let next = self.due.first().map(|(at, _, _)| *at);
            let sleep = match next {
                Some(at) if flying.len() < self.policy.concurrency.max(1) => {
                    Duration::from_millis(at.saturating_sub(now_ms()))
                }
                _ => Duration::from_secs(60),
            };
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = live.recv() => {}
                c = self.commands.recv() => match c {
                    Some(WebhookCommand::Reload) => {
                        if let Err(e) = self.reload() {
                            tracing::error!(error = %e, "webhooks: reading the endpoints failed");
                        }
                        // A removed endpoint's deliveries went with it.
                        let gone: Vec<(u64, u64)> =
                            self.pending.keys().filter(|(ep, _)| !self.endpoints.contains_key(ep)).copied().collect();
                        for k in gone {
                            if let Some(d) = self.pending.remove(&k) {
                                self.due.remove(&(d.next_attempt_at, d.endpoint, d.event));
                            }
                        }
                    }
                    Some(WebhookCommand::Due(d)) => self.schedule(d),
                    None => break, // the API is gone: the node is stopping
                },
                Some(done) = flying.join_next(), if !flying.is_empty() => {
                    let Ok(outcome) = done else { continue };
                    let key = (outcome.delivery.endpoint, outcome.delivery.event);
                    in_flight.remove(&key);
                    if !self.endpoints.contains_key(&key.0) {
                        continue; // removed meanwhile
                    }
                    let d = self.settle(outcome);
                    if !self.durable(vec![Write::Delivery(d.clone())]).await {
                        break;
                    }
                    self.schedule(d);
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        flying.abort_all();
        tracing::info!(pending = self.pending.len(), "webhook dispatcher stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(sign("whsec_!!", "x", 1, b"").is_err(), "a secret that is not base64");
    }

    #[test]
    fn secrets_are_fresh_and_decodable() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(B64.decode(a.strip_prefix("whsec_").unwrap()).unwrap().len(), 32);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = WebhookConfig { first_retry_ms: 100, max_retry_ms: 1000, ..WebhookConfig::default() };
        let waits: Vec<u64> = (1..=6).map(|n| backoff(&p, n).as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(&p, 1000).as_millis(), 1000, "no overflow");
    }
}
