//! The OpenAPI document against the node that serves it: every route of the API is called over
//! real HTTP, on its happy path and on error paths, and every answer — its status, its content
//! type and its body, errors included — must be what `/v1/openapi.json` documents for that
//! operation. At the end, every documented operation has been called and every mounted route is
//! documented.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use zkpay_api_types::{PriorityOpSubmission, TxStatus};
use zkpay_core::tx::{ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData};

const ADMIN: &str = "admin-secret";
const PROVER: &str = "prover-secret";

/// Calls routes and checks each answer against the document.
struct Checker {
    http: reqwest::Client,
    base: String,
    doc: Value,
    /// (method, path template) of every operation called.
    called: BTreeSet<(String, String)>,
    /// (method, path template, status) of every answer.
    answers: BTreeSet<(String, String, u16)>,
}

/// A request: method, path template, concrete path (with its query), body, bearer token.
struct Req<'a> {
    method: &'a str,
    template: &'a str,
    path: String,
    body: Option<Vec<u8>>,
    bearer: Option<&'a str>,
    headers: Vec<(&'a str, String)>,
}

fn get(template: &str) -> Req<'_> {
    Req { method: "get", template, path: template.to_string(), body: None, bearer: None, headers: vec![] }
}

impl<'a> Req<'a> {
    fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
    fn method(mut self, m: &'a str) -> Self {
        self.method = m;
        self
    }
    fn json(mut self, v: Value) -> Self {
        self.body = Some(serde_json::to_vec(&v).unwrap());
        self
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.body = Some(b.to_vec());
        self
    }
    fn bearer(mut self, t: &'a str) -> Self {
        self.bearer = Some(t);
        self
    }
    fn header(mut self, k: &'a str, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }
}

impl Checker {
    /// The schema of `op`'s `status` answer for `content_type`, as a standalone JSON Schema whose
    /// `$ref`s resolve against the document's components.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
    }

    /// Send `r`; check the answer against the document; return its status and JSON body
    /// (`Null` for none).
    async fn call(&mut self, r: Req<'_>) -> (u16, Value) {
        let url = format!("{}{}", self.base, r.path);
        let mut b = self.http.request(r.method.to_uppercase().parse().unwrap(), &url);
        if let Some(body) = r.body {
            b = b.header("content-type", "application/json").body(body);
        }
        if let Some(t) = r.bearer {
            b = b.bearer_auth(t);
        }
        for (k, v) in &r.headers {
            b = b.header(*k, v);
        }
        let resp = b.send().await.unwrap_or_else(|e| panic!("{} {}: {e}", r.method, r.path));
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(resp.headers().contains_key("x-request-id") || !r.template.starts_with("/v1/"), "no X-Request-Id");
        let what = format!("{} {} → {status}", r.method.to_uppercase(), r.path);
        let op = &self.doc["paths"][r.template][r.method];
        assert!(op.is_object(), "{} {} is not in the document", r.method, r.template);
        let documented = &op["responses"][status.to_string()];
        assert!(documented.is_object(), "{what}: status {status} is not documented for {} {}", r.method, r.template);
        self.called.insert((r.method.to_string(), r.template.to_string()));
        self.answers.insert((r.method.to_string(), r.template.to_string(), status));

        let content = documented.get("content").and_then(Value::as_object);
        let Some(content) = content else {
            let body = resp.bytes().await.unwrap();
            assert!(body.is_empty(), "{what}: documented without a body, got {} bytes", body.len());
            return (status, Value::Null);
        };
        let media = ctype.split(';').next().unwrap_or("").trim().to_string();
        let Some(m) = content.get(&media) else {
            panic!("{what}: content type {ctype:?} is not documented (documented: {:?})", content.keys())
        };
        let schema = m["schema"].clone();
        match media.as_str() {
            "application/json" => {
                let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
                let v = self.validator(&schema);
                let errors: Vec<String> =
                    v.iter_errors(&body).map(|e| format!("{e} at {}", e.instance_path())).collect();
                assert!(
                    errors.is_empty(),
                    "{what}: the body does not match the document:\n{}\n{body:#}",
                    errors.join("\n")
                );
                (status, body)
            }
            "text/event-stream" => {
                // The first frame's data is an Event; the stream itself goes on: read one frame.
                let mut resp = resp;
                let mut text = String::new();
                // Frames without data (a comment, `retry:`) come first, perhaps.
                while !text.split("\n\n").any(|f| f.contains("data: ") && text.contains(&format!("{f}\n\n"))) {
                    let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), resp.chunk())
                        .await
                        .expect("an event within 10 s")
                        .unwrap()
                        .expect("the stream stays open");
                    text.push_str(std::str::from_utf8(&chunk).unwrap());
                }
                let data = text.lines().find_map(|l| l.strip_prefix("data: ")).expect("a data line");
                let event: Value = serde_json::from_str(data).unwrap();
                let event_schema = json!({ "$ref": "#/components/schemas/Event" });
                let v = self.validator(&event_schema);
                assert!(v.is_valid(&event), "{what}: the event does not match the Event schema: {event:#}");
                (status, event)
            }
            _ => {
                let body = resp.text().await.unwrap();
                assert!(!body.is_empty(), "{what}: empty {media}");
                (status, Value::String(body))
            }
        }
    }

    /// `call`, and the status must be `expected`.
    async fn expect(&mut self, expected: u16, r: Req<'_>) -> Value {
        let what = format!("{} {}", r.method, r.path);
        let (status, body) = self.call(r).await;
        assert_eq!(status, expected, "{what}: {body}");
        body
    }
}

fn h(b: u8) -> String {
    format!("0x{}", format!("{b:02x}").repeat(32))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_the_document_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.api.admin_token = ADMIN.into();
    c.prover.token = PROVER.into();
    let node = start(c).await;
    let users = fund(&node.client, 2).await;
    let (alice, bob) = (&users[0], &users[1]);
    let client = &node.client;
    let base = format!("http://{}", node.handle.addr());
    let doc: Value = reqwest::get(format!("{base}/v1/openapi.json")).await.unwrap().json().await.unwrap();
    let mut ck = Checker { http: reqwest::Client::new(), base, doc, called: BTreeSet::new(), answers: BTreeSet::new() };

    // The checker can fail: the schemas refuse what the node must not send.
    let tx_schema = ck.validator(&json!({ "$ref": "#/components/schemas/TxInfo" }));
    let real = serde_json::to_value(client.account(&alice.address.to_string()).await.unwrap()).unwrap();
    let account_schema = ck.validator(&json!({ "$ref": "#/components/schemas/AccountInfo" }));
    assert!(account_schema.is_valid(&real));
    let mut extra = real.clone();
    extra["surprise"] = json!(1);
    assert!(!account_schema.is_valid(&extra), "an unknown field passes");
    let mut number = real.clone();
    number["balances"]["0"] = json!(5);
    assert!(!account_schema.is_valid(&number), "an amount as a JSON number passes");
    assert!(!tx_schema.is_valid(&json!({ "hash": h(1) })), "a tx without its fields passes");
    let l2 = ck.validator(&json!({ "$ref": "#/components/schemas/L2Tx" }));
    let mut t = serde_json::to_value(transfer(
        TransferSpec { from: alice.id, to: bob.address, token: 0, amount: 1, fee: 0, nonce: 9 },
        &alice.key,
        &domain(),
    ))
    .unwrap();
    assert!(l2.is_valid(&t));
    t["type"] = json!("ForcedExit");
    assert!(!l2.is_valid(&t), "a transfer tagged ForcedExit passes");

    // A webhook endpoint first, so that the events below are delivered to it (to nowhere).
    let created = ck
        .expect(201, get("/v1/webhooks").method("post").bearer(ADMIN).json(json!({ "url": "http://127.0.0.1:9/hook" })))
        .await;
    let hook = created["id"].as_u64().unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));

    // Txs of every type, and priority ops of both kinds, so their schemas meet real JSON.
    let stranger = address(0x77);
    let pay = transfer(
        TransferSpec { from: alice.id, to: stranger, token: 0, amount: 1000, fee: 0, nonce: 1 },
        &alice.key,
        &domain(),
    );
    let paid = ck.expect(202, get("/v1/txs").method("post").json(serde_json::to_value(&pay).unwrap())).await;
    let pay_hash = paid["txHashes"][0].as_str().unwrap().to_string();
    wait_status(client, &pay_hash, TxStatus::Included).await;
    let out = withdraw(bob.id, bob.address, 0, 5, 0, 1, &bob.key, &domain());
    let fe = signed(
        L2Tx::ForcedExit(ForcedExit {
            initiator_account_id: bob.id,
            target: stranger,
            token: 0,
            fee: 0,
            nonce: 2,
            time_range: ALWAYS,
            signature: nosig(),
        }),
        &bob.key,
        &domain(),
    );
    let batch = json!({ "batch": [out, fe] });
    let body = serde_json::to_vec(&batch).unwrap();
    let first = ck.expect(202, get("/v1/txs").method("post").raw(&body).header("Idempotency-Key", "order-1")).await;
    let again = ck.expect(202, get("/v1/txs").method("post").raw(&body).header("Idempotency-Key", "order-1")).await;
    assert_eq!(first, again);
    let fe_hash = first["txHashes"][1].as_str().unwrap().to_string();
    wait_status(client, &fe_hash, TxStatus::Included).await;
    let exit = PriorityOpSubmission {
        op: PriorityOp {
            serial_id: 4,
            data: PriorityOpData::FullExit(FullExit { account_id: alice.id, owner: alice.address, token: 1 }),
            expiration_block: 1_000_000,
        },
        l1_tx_hash: h(0xcd),
        log_index: 0,
    };
    ck.expect(202, get("/v1/dev/priority-ops").method("post").json(serde_json::to_value(&exit).unwrap())).await;
    wait_for("the full exit", async || client.priority_op(4).await.is_ok_and(|p| p.status == TxStatus::Included)).await;

    // Submission errors.
    let tx = get("/v1/txs").method("post");
    ck.expect(400, tx.raw(b"{not json")).await;
    ck.expect(400, get("/v1/txs").method("post").json(json!({ "batch": [] }))).await;
    ck.expect(409, get("/v1/txs").method("post").json(serde_json::to_value(&pay).unwrap())).await;
    let other = json!({ "batch": [withdraw(bob.id, bob.address, 0, 6, 0, 3, &bob.key, &domain())] });
    ck.expect(409, get("/v1/txs").method("post").json(other).header("Idempotency-Key", "order-1")).await;
    ck.expect(413, get("/v1/txs").method("post").raw(&vec![b' '; 100_000])).await;
    let broke = transfer(
        TransferSpec { from: alice.id, to: bob.address, token: 0, amount: 1, fee: 0, nonce: 0 },
        &alice.key,
        &domain(),
    );
    ck.expect(422, get("/v1/txs").method("post").json(serde_json::to_value(&broke).unwrap())).await;

    // Reads: txs, accounts, blocks, tokens, priority ops, fees, status.
    ck.expect(200, get("/v1/txs/{hash}").at(format!("/v1/txs/{pay_hash}"))).await;
    ck.expect(200, get("/v1/txs/{hash}").at(format!("/v1/txs/{fe_hash}"))).await;
    ck.expect(400, get("/v1/txs/{hash}").at("/v1/txs/0x12")).await;
    ck.expect(404, get("/v1/txs/{hash}").at(format!("/v1/txs/{}", h(0xee)))).await;
    let a = ck.expect(200, get("/v1/accounts/{account}").at(format!("/v1/accounts/{}", alice.address))).await;
    assert_eq!(a["id"], alice.id);
    ck.expect(200, get("/v1/accounts/{account}").at(format!("/v1/accounts/{}", bob.id))).await;
    ck.expect(400, get("/v1/accounts/{account}").at("/v1/accounts/0x12")).await;
    ck.expect(404, get("/v1/accounts/{account}").at("/v1/accounts/4000000")).await;
    let hist = get("/v1/accounts/{account}/txs");
    let page = ck.expect(200, hist.at(format!("/v1/accounts/{}/txs?limit=1", bob.id))).await;
    let cursor = page["nextCursor"].as_str().unwrap().to_string();
    let path = format!("/v1/accounts/{}/txs?limit=5&cursor={cursor}", bob.id);
    ck.expect(200, get("/v1/accounts/{account}/txs").at(path)).await;
    ck.expect(400, get("/v1/accounts/{account}/txs").at(format!("/v1/accounts/{}/txs?limit=0", bob.id))).await;
    ck.expect(404, get("/v1/accounts/{account}/txs").at(format!("/v1/accounts/{}/txs", address(0x55)))).await;
    let blocks = ck.expect(200, get("/v1/blocks").at("/v1/blocks?limit=2")).await;
    let last = blocks["data"][0]["number"].as_u64().unwrap();
    ck.expect(200, get("/v1/blocks").at(format!("/v1/blocks?cursor={last}"))).await;
    ck.expect(400, get("/v1/blocks").at("/v1/blocks?cursor=x")).await;
    ck.expect(400, get("/v1/blocks").at("/v1/blocks?bogus=1")).await;
    ck.expect(200, get("/v1/blocks/{number}").at(format!("/v1/blocks/{last}"))).await;
    ck.expect(400, get("/v1/blocks/{number}").at("/v1/blocks/-1")).await;
    ck.expect(404, get("/v1/blocks/{number}").at("/v1/blocks/999999")).await;
    ck.expect(200, get("/v1/blocks/{number}/txs").at(format!("/v1/blocks/{last}/txs"))).await;
    ck.expect(400, get("/v1/blocks/{number}/txs").at("/v1/blocks/x/txs")).await;
    ck.expect(404, get("/v1/blocks/{number}/txs").at("/v1/blocks/999999/txs")).await;
    let tokens = ck.expect(200, get("/v1/tokens")).await;
    let ids: Vec<u64> = tokens["data"].as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![0, 1], "ETH and the configured token");
    ck.expect(200, get("/v1/priority-ops/{serial}").at("/v1/priority-ops/0")).await;
    ck.expect(200, get("/v1/priority-ops/{serial}").at("/v1/priority-ops/4")).await;
    ck.expect(400, get("/v1/priority-ops/{serial}").at("/v1/priority-ops/x")).await;
    ck.expect(404, get("/v1/priority-ops/{serial}").at("/v1/priority-ops/99")).await;
    let by_l1 = get("/v1/priority-ops/by-l1-tx/{hash}");
    let ops = ck.expect(200, by_l1.at(format!("/v1/priority-ops/by-l1-tx/{}", h(0xcd)))).await;
    assert_eq!(ops["data"].as_array().unwrap().len(), 1);
    ck.expect(400, get("/v1/priority-ops/by-l1-tx/{hash}").at("/v1/priority-ops/by-l1-tx/0x1")).await;
    ck.expect(404, get("/v1/priority-ops/by-l1-tx/{hash}").at(format!("/v1/priority-ops/by-l1-tx/{}", h(0x01)))).await;
    ck.expect(200, get("/v1/fee").at(format!("/v1/fee?txType=transfer&token=0&to={stranger}"))).await;
    ck.expect(200, get("/v1/fee").at("/v1/fee?txType=changePubKey")).await;
    ck.expect(400, get("/v1/fee").at("/v1/fee?txType=teleport")).await;
    ck.expect(422, get("/v1/fee").at("/v1/fee?txType=withdraw&token=77")).await;
    ck.expect(200, get("/v1/status")).await;

    // Events: the log, the stream (its first frame), and their errors.
    let log = ck.expect(200, get("/v1/events/log").at("/v1/events/log?limit=100")).await;
    assert!(log["data"].as_array().unwrap().len() > 10);
    ck.expect(400, get("/v1/events/log").at("/v1/events/log?cursor=-3")).await;
    let first_event = ck.expect(200, get("/v1/events").at("/v1/events?after=0&types=tx.*")).await;
    assert_eq!(first_event["type"], "tx.included");
    let resumed = ck.expect(200, get("/v1/events").header("Last-Event-ID", "3")).await;
    assert_eq!(resumed["id"], 4);
    ck.expect(400, get("/v1/events").at("/v1/events?types=tx.teleported")).await;
    ck.expect(404, get("/v1/events").at("/v1/events?accounts=4000000")).await;

    // Webhooks (admin).
    let list = ck.expect(200, get("/v1/webhooks").bearer(ADMIN)).await;
    assert_eq!(list["data"][0]["id"], hook);
    assert!(list["data"][0].get("secret").is_none(), "the secret is shown once");
    ck.expect(401, get("/v1/webhooks")).await;
    ck.expect(401, get("/v1/webhooks").method("post").bearer("wrong").json(json!({ "url": "http://x" }))).await;
    ck.expect(400, get("/v1/webhooks").method("post").bearer(ADMIN).json(json!({ "url": "ftp://x" }))).await;
    let one = format!("/v1/webhooks/{hook}");
    ck.expect(200, get("/v1/webhooks/{id}").at(&one).bearer(ADMIN)).await;
    ck.expect(400, get("/v1/webhooks/{id}").at("/v1/webhooks/x").bearer(ADMIN)).await;
    ck.expect(404, get("/v1/webhooks/{id}").at("/v1/webhooks/999").bearer(ADMIN)).await;
    ck.expect(401, get("/v1/webhooks/{id}").at(&one)).await;
    let deliveries = get("/v1/webhooks/{id}/deliveries").at(format!("{one}/deliveries?limit=2")).bearer(ADMIN);
    let d = ck.expect(200, deliveries).await;
    assert_eq!(d["data"].as_array().unwrap().len(), 2);
    ck.expect(400, get("/v1/webhooks/{id}/deliveries").at(format!("{one}/deliveries?limit=1000")).bearer(ADMIN)).await;
    ck.expect(401, get("/v1/webhooks/{id}/deliveries").at(format!("{one}/deliveries"))).await;
    ck.expect(404, get("/v1/webhooks/{id}/deliveries").at("/v1/webhooks/999/deliveries").bearer(ADMIN)).await;
    let replay = |path: String| get("/v1/webhooks/{id}/replay").method("post").at(path);
    ck.expect(202, replay(format!("{one}/replay")).bearer(ADMIN).json(json!({ "eventId": 2 }))).await;
    ck.expect(404, replay(format!("{one}/replay")).bearer(ADMIN).json(json!({ "eventId": 99999 }))).await;
    ck.expect(400, replay(format!("{one}/replay")).bearer(ADMIN).json(json!({ "event": 2 }))).await;
    ck.expect(401, replay(format!("{one}/replay")).json(json!({ "eventId": 2 }))).await;
    ck.expect(413, replay(format!("{one}/replay")).bearer(ADMIN).raw(&vec![b' '; 100_000])).await;
    ck.expect(401, get("/v1/webhooks/{id}").method("delete").at(&one)).await;
    ck.expect(400, get("/v1/webhooks/{id}").method("delete").at("/v1/webhooks/x").bearer(ADMIN)).await;
    ck.expect(204, get("/v1/webhooks/{id}").method("delete").at(&one).bearer(ADMIN)).await;
    ck.expect(404, get("/v1/webhooks/{id}").method("delete").at(&one).bearer(ADMIN)).await;

    // The dev feed.
    let dev = || get("/v1/dev/priority-ops").method("post");
    ck.expect(400, dev().json(json!({ "op": 1 }))).await;
    ck.expect(409, dev().json(serde_json::to_value(&exit).unwrap())).await;
    let mut ahead = exit.clone();
    ahead.op.serial_id = 99;
    ck.expect(400, dev().json(serde_json::to_value(&ahead).unwrap())).await;
    ck.expect(413, dev().raw(&vec![b' '; 100_000])).await;

    // The prover routes: this node has no L1 pipeline, so nothing to prove.
    let lease = json!({ "worker": "w" });
    ck.expect(401, get("/v1/prover/lease").method("post").json(lease.clone())).await;
    ck.expect(404, get("/v1/prover/lease").method("post").bearer(PROVER).json(lease)).await;
    ck.expect(400, get("/v1/prover/lease").method("post").bearer(PROVER).json(json!({}))).await;
    ck.expect(413, get("/v1/prover/lease").method("post").bearer(PROVER).raw(&vec![b' '; 100_000])).await;
    let beat = json!({ "leaseId": "1" });
    ck.expect(401, get("/v1/prover/heartbeat").method("post").json(beat.clone())).await;
    ck.expect(404, get("/v1/prover/heartbeat").method("post").bearer(PROVER).json(beat)).await;
    ck.expect(400, get("/v1/prover/heartbeat").method("post").bearer(PROVER).json(json!({ "leaseId": 1 }))).await;
    let proof = json!({ "leaseId": "1", "proof": vec![h(1); 8] });
    ck.expect(401, get("/v1/prover/proof").method("post").json(proof.clone())).await;
    ck.expect(404, get("/v1/prover/proof").method("post").bearer(PROVER).json(proof)).await;
    ck.expect(400, get("/v1/prover/proof").method("post").bearer(PROVER).raw(b"[]")).await;

    // The document, its page, the metrics.
    ck.expect(200, get("/v1/openapi.json")).await;
    let page = ck.expect(200, get("/v1/docs")).await;
    assert!(page.as_str().unwrap().contains("<script>"));
    let explorer = ck.expect(200, get("/")).await;
    assert!(explorer.as_str().unwrap().contains("zkpay explorer"));
    let metrics = ck.expect(200, get("/metrics")).await;
    assert!(metrics.as_str().unwrap().contains("zkpay_"));

    // Every operation of the document was called, and every mounted route is documented.
    let mut documented = BTreeSet::new();
    for (path, item) in ck.doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let mut mounted: BTreeSet<(String, String)> =
        zkpay_api::ROUTES.iter().map(|(m, p)| (m.to_string(), format!("/v1{p}"))).collect();
    mounted.insert(("get".into(), "/metrics".into()));
    mounted.insert(("get".into(), "/".into()));
    assert_eq!(documented, mounted, "the document and the mounted routes differ");
    assert_eq!(ck.called, documented, "operations not called by this test");
    // And every route had an error path too (those that can fail on input).
    for (m, p) in &documented {
        let statuses: Vec<u16> =
            ck.answers.iter().filter(|(am, ap, _)| am == m && ap == p).map(|(_, _, s)| *s).collect();
        let always_ok = ["/v1/status", "/v1/tokens", "/v1/openapi.json", "/v1/docs", "/metrics", "/"];
        if !always_ok.contains(&p.as_str()) {
            assert!(statuses.iter().any(|s| *s >= 400), "{m} {p} was only called on its happy path: {statuses:?}");
        }
    }
    node.handle.shutdown().await.expect("the node stops");
}
