//! The node over real HTTP on loopback, in the test process: the happy path (deposits, keys, a
//! transfer into a sealed block, an atomic batch), restarts from storage, and every kind of bad
//! input — each refused with its code and HTTP status, and nothing changed by it.

mod common;

use common::*;
use zkpay_api_types::{ErrorCode, TxStatus};
use zkpay_client::{Client, ClientError};
use zkpay_core::tx::{Domain, L2Tx, TimeRange};
use zkpay_core::types::Address;

/// What a refused request must leave as it was: the node's status and every user's account.
async fn snapshot(client: &Client, users: &[User]) -> String {
    let mut s = serde_json::to_string(&client.status().await.unwrap()).unwrap();
    for u in users {
        s += &serde_json::to_string(&client.account(&u.id.to_string()).await.unwrap()).unwrap();
    }
    s
}

/// `result` is the API error `code` with HTTP status `status`.
fn refused<T: std::fmt::Debug>(
    result: Result<T, ClientError>,
    code: ErrorCode,
    status: u16,
) -> zkpay_api_types::ApiError {
    match result {
        Err(ClientError::Api(e)) => {
            assert_eq!((e.code, e.http_status()), (code, status), "{e}");
            e
        }
        other => panic!("expected {code:?}, got {other:?}"),
    }
}

fn pay(u: &User, to: Address, amount: u128, fee: u128, nonce: u32) -> L2Tx {
    transfer(TransferSpec { from: u.id, to, token: 0, amount, fee, nonce }, &u.key, &domain())
}

/// Refused with `code`/`status`, and nothing changed.
async fn refused_unchanged<T: std::fmt::Debug>(
    node: &TestNode,
    users: &[User],
    call: impl std::future::Future<Output = Result<T, ClientError>>,
    code: ErrorCode,
    status: u16,
) -> zkpay_api_types::ApiError {
    let before = snapshot(&node.client, users).await;
    let e = refused(call.await, code, status);
    // Give a wrongly admitted tx the time to be sealed, then compare.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(snapshot(&node.client, users).await, before, "a refused request changed nothing");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_is_durable_included_and_restored_after_a_restart() {
    let (dir, node, users) = funded_node(2).await;
    let (alice, bob) = (&users[0], &users[1]);
    let r = node.client.submit(&pay(alice, bob.address, 3 * ETHER, 1000, 1)).await.unwrap();
    assert_eq!(r.status, TxStatus::Queued);
    let hash = &r.tx_hashes[0];
    wait_status(&node.client, hash, TxStatus::Included).await;
    let info = node.client.tx(hash).await.unwrap();
    let block = node.client.block(info.block.unwrap()).await.unwrap();
    assert!(block.tx_hashes.contains(hash));
    assert_eq!(block.chunks, 8, "the smallest size with keys that fits");
    let a = node.client.account(&alice.id.to_string()).await.unwrap();
    let b = node.client.account(&bob.address.to_string()).await.unwrap();
    assert_eq!(a.balances[&0].0, 7 * ETHER - 1000);
    assert_eq!(b.balances[&0].0, 13 * ETHER);
    assert_eq!((a.nonce, a.pending_nonce), (2, 2));
    let fee_account = node.client.account("0").await.unwrap();
    assert_eq!(fee_account.balances[&0].0, 1000, "the fee went to the fee account");
    // No L1 here: nothing is committed or executed, so the L1 views are genesis's.
    assert_eq!((&a.committed, &a.finalized), (&None, &None), "Alice was created after genesis");
    let genesis = fee_account.finalized.as_ref().expect("the fee account exists at genesis");
    assert_eq!((genesis.block, genesis.balances.len()), (0, 0), "{genesis:?}");
    assert_eq!(fee_account.committed.as_ref(), Some(genesis));

    // A tx queued with a nonce gap survives the restart in the mempool.
    let waiting = node.client.submit(&pay(alice, bob.address, 1, 0, 3)).await.unwrap();
    let status = node.client.status().await.unwrap();
    assert_eq!(status.mempool_txs, 1);
    let config = node.config.clone();
    node.handle.shutdown().await.unwrap();

    let node = start(config.clone()).await;
    let after = node.client.status().await.unwrap();
    assert_eq!((after.last_block, &after.root, after.mempool_txs), (status.last_block, &status.root, 1));
    assert_eq!(node.client.tx(&waiting.tx_hashes[0]).await.unwrap().status, TxStatus::Queued);
    // Filling the gap includes both, in nonce order.
    let fill = node.client.submit(&pay(alice, bob.address, 2, 0, 2)).await.unwrap();
    wait_status(&node.client, &waiting.tx_hashes[0], TxStatus::Included).await;
    wait_status(&node.client, &fill.tx_hashes[0], TxStatus::Included).await;
    assert_eq!(node.client.account(&bob.id.to_string()).await.unwrap().balances[&0].0, 13 * ETHER + 3);
    node.handle.shutdown().await.unwrap();

    // Another deployment's configuration is refused on the same store.
    let mut other = config.clone();
    other.chain.chain_id += 1;
    let err = zkpay_node::Node::spawn(other).await.err().expect("refused");
    assert!(err.to_string().contains("another deployment"), "{err}");
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_atomic() {
    let (_dir, node, users) = funded_node(2).await;
    let (alice, bob) = (&users[0], &users[1]);
    // One bad tx (nonce) in the middle: nothing of it is admitted.
    let batch = [pay(alice, bob.address, 1, 0, 1), pay(bob, alice.address, 1, 0, 20), pay(alice, bob.address, 1, 0, 2)];
    let e = refused_unchanged(&node, &users, node.client.submit_batch(&batch), ErrorCode::NonceGapTooLarge, 422).await;
    assert_eq!(e.details["index"], 1);
    let first = format!("0x{}", hex::encode(batch[0].tx_hash(&domain()).unwrap()));
    refused(node.client.tx(&first).await, ErrorCode::NotFound, 404);
    // A good batch goes into one block.
    let batch = [pay(alice, bob.address, 5, 0, 1), pay(bob, alice.address, 2, 0, 1)];
    let r = node.client.submit_batch(&batch).await.unwrap();
    assert!(r.batch_id.is_some());
    for h in &r.tx_hashes {
        wait_status(&node.client, h, TxStatus::Included).await;
    }
    let blocks: Vec<_> = futures_blocks(&node.client, &r.tx_hashes).await;
    assert_eq!(blocks[0], blocks[1], "one block");
}

async fn futures_blocks(client: &Client, hashes: &[String]) -> Vec<u32> {
    let mut out = Vec::new();
    for h in hashes {
        out.push(client.tx(h).await.unwrap().block.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_requests_are_400_and_413() {
    let (_dir, node, users) = funded_node(1).await;
    let c = &node.client;
    refused_unchanged(&node, &users, c.submit_raw(b"{\"type\": \"Transfer\",".to_vec()), ErrorCode::MalformedJson, 400)
        .await;
    let mut v = serde_json::to_value(pay(&users[0], address(9), 1, 0, 1)).unwrap();
    v["memo"] = "hi".into();
    refused_unchanged(&node, &users, c.submit_raw(serde_json::to_vec(&v).unwrap()), ErrorCode::UnknownField, 400).await;
    // An amount above u128.
    let mut v = serde_json::to_value(pay(&users[0], address(9), 1, 0, 1)).unwrap();
    v["amount"] = "340282366920938463463374607431768211456".into();
    refused_unchanged(&node, &users, c.submit_raw(serde_json::to_vec(&v).unwrap()), ErrorCode::InvalidRequest, 400)
        .await;
    // validUntil as a JSON number (the wire format takes decimal strings only).
    let mut v = serde_json::to_value(pay(&users[0], address(9), 1, 0, 1)).unwrap();
    v["timeRange"]["validUntil"] = serde_json::json!(18446744073709551615u64);
    refused_unchanged(&node, &users, c.submit_raw(serde_json::to_vec(&v).unwrap()), ErrorCode::InvalidRequest, 400)
        .await;
    // Over the body limit (64 KiB by default).
    let big = vec![b' '; node.config.api.max_body_bytes + 1];
    refused_unchanged(&node, &users, c.submit_raw(big), ErrorCode::PayloadTooLarge, 413).await;
    refused(c.tx("0x1234").await, ErrorCode::InvalidPath, 400);
    refused(c.block(99).await, ErrorCode::NotFound, 404);
    // An unknown route, or a known path with another method: JSON `not_found` too.
    let http = reqwest::Client::new();
    let base = format!("http://{}", node.handle.addr());
    for (method, path, code, status) in [
        (reqwest::Method::GET, "/v1/nope", "not_found", 404),
        (reqwest::Method::PUT, "/v1/txs", "not_found", 404),
        (reqwest::Method::DELETE, "/v1/status", "not_found", 404),
    ] {
        let r = http.request(method.clone(), format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), status, "{method} {path}");
        let body: zkpay_api_types::ApiError = r.json().await.unwrap();
        assert_eq!(body.code.as_str(), code, "{method} {path}");
    }
    let r = http.get(format!("{base}/v1/status")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-42", "the client's own id comes back");
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    for m in
        ["zkpay_txs_accepted_total", "zkpay_http_request_duration_seconds_bucket", "zkpay_node{what=\"mempool_txs\"}"]
    {
        assert!(metrics.contains(m), "/metrics has {m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_must_verify_for_this_chain_and_rollup() {
    let (_dir, node, users) = funded_node(1).await;
    let alice = &users[0];
    let c = &node.client;
    let mut tx = pay(alice, address(9), 1, 0, 1);
    if let L2Tx::Transfer(t) = &mut tx {
        t.signature.signature[40] ^= 1;
    }
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::InvalidSignature, 422).await;
    let other_chain = Domain { chain_id: CHAIN_ID + 1, rollup: ROLLUP };
    let spec = TransferSpec { from: alice.id, to: address(9), token: 0, amount: 1, fee: 0, nonce: 1 };
    let tx = transfer(spec, &alice.key, &other_chain);
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::InvalidSignature, 422).await;
    let other_rollup = Domain { chain_id: CHAIN_ID, rollup: Address([0x12; 20]) };
    let spec = TransferSpec { from: alice.id, to: address(9), token: 0, amount: 1, fee: 0, nonce: 1 };
    let tx = transfer(spec, &alice.key, &other_rollup);
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::InvalidSignature, 422).await;
    // Signed by another key than the account's.
    let spec = TransferSpec { from: alice.id, to: address(9), token: 0, amount: 1, fee: 0, nonce: 1 };
    let tx = transfer(spec, &user_key(77), &domain());
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::WrongSigner, 422).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_breaking_txs_are_422_and_change_nothing() {
    let (_dir, node, users) = funded_node(1).await;
    let alice = &users[0];
    let c = &node.client;
    let d = domain();
    let spec = |token, amount, fee, nonce| TransferSpec { from: alice.id, to: address(9), token, amount, fee, nonce };
    // Nonce 0 was used by the ChangePubKey.
    let e = refused_unchanged(
        &node,
        &users,
        c.submit(&transfer(spec(0, 1, 0, 0), &alice.key, &d)),
        ErrorCode::NonceMismatch,
        422,
    )
    .await;
    assert_eq!((e.details["expected"].clone(), e.details["got"].clone()), (1.into(), 0.into()));
    refused_unchanged(
        &node,
        &users,
        c.submit(&transfer(spec(0, 1, 0, 1 + 9), &alice.key, &d)),
        ErrorCode::NonceGapTooLarge,
        422,
    )
    .await;
    refused_unchanged(
        &node,
        &users,
        c.submit(&transfer(spec(7, 1, 0, 1), &alice.key, &d)),
        ErrorCode::UnknownToken,
        422,
    )
    .await;
    // 123456789012345678901234567890123456789 has more significant digits than 35 bits hold.
    let unpackable = spec(0, 1_234_567_890_123_456_789_012_345_678_901_234_567, 0, 1);
    let mut tx = L2Tx::Transfer(zkpay_core::tx::Transfer {
        account_id: unpackable.from,
        to: unpackable.to,
        token: 0,
        amount: unpackable.amount,
        fee: 0,
        nonce: 1,
        time_range: TimeRange::ALWAYS,
        signature: nosig(),
    });
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::AmountNotPackable, 422).await;
    if let L2Tx::Transfer(t) = &mut tx {
        t.amount = 1;
        t.fee = 123_456_789;
    }
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::FeeNotPackable, 422).await;
    // amount + fee overflows u128 (a withdrawal takes any u128 amount).
    let w = withdraw(alice.id, alice.address, 0, u128::MAX, 1, 1, &alice.key, &d);
    refused_unchanged(&node, &users, c.submit(&w), ErrorCode::AmountOverflow, 422).await;
    let e = refused_unchanged(
        &node,
        &users,
        c.submit(&transfer(spec(0, 11 * ETHER, 0, 1), &alice.key, &d)),
        ErrorCode::InsufficientBalance,
        422,
    )
    .await;
    assert_eq!(e.details["needed"], (11 * ETHER).to_string());
    // The balance counts the account's queued txs: two of 6 ETH do not fit in 10.
    let first = c.submit(&transfer(spec(0, 6 * ETHER, 0, 2), &alice.key, &d)).await.unwrap(); // waits for nonce 1
    refused_unchanged(
        &node,
        &users,
        c.submit(&transfer(spec(0, 6 * ETHER, 0, 3), &alice.key, &d)),
        ErrorCode::InsufficientBalance,
        422,
    )
    .await;
    // Expired.
    let mut tx = transfer(spec(0, 1, 0, 3), &alice.key, &d);
    if let L2Tx::Transfer(t) = &mut tx {
        t.time_range = TimeRange { valid_from: 0, valid_until: 1_000_000 };
        tx.sign(&alice.key, &d).unwrap();
    }
    refused_unchanged(&node, &users, c.submit(&tx), ErrorCode::Expired, 422).await;
    // Duplicate and taken nonce.
    refused(c.submit(&transfer(spec(0, 6 * ETHER, 0, 2), &alice.key, &d)).await, ErrorCode::DuplicateTx, 409);
    refused(c.submit(&transfer(spec(0, 5, 0, 2), &alice.key, &d)).await, ErrorCode::NonceTaken, 409);
    assert_eq!(c.tx(&first.tx_hashes[0]).await.unwrap().status, TxStatus::Queued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_cannot_fill_the_mempool() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.mempool.max_per_account = 3;
    let node = start(config).await;
    let users = fund(&node.client, 1).await;
    let alice = &users[0];
    // Nonce 1 is missing, so these wait in the mempool.
    for nonce in 2..5 {
        node.client.submit(&pay(alice, address(9), 1, 0, nonce)).await.unwrap();
    }
    refused_unchanged(
        &node,
        &users,
        node.client.submit(&pay(alice, address(9), 1, 0, 5)),
        ErrorCode::AccountMempoolFull,
        429,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_whose_state_does_not_match_its_last_block_is_refused() {
    use zkpay_storage::{NodeStore, RocksStore, Write};
    let (dir, node, users) = funded_node(1).await;
    let config = node.config.clone();
    node.handle.shutdown().await.unwrap();
    {
        let store = RocksStore::open(&config.data_dir).unwrap();
        let mut account = store.account(users[0].id).unwrap().unwrap();
        account.balances[0].amount += 1;
        let last = store.block(store.last_block().unwrap()).unwrap().unwrap();
        let sealed = zkpay_storage::SealedBlock {
            block: last,
            accounts: vec![account],
            included: vec![],
            rejected: vec![],
            priority: vec![],
            history: vec![],
        };
        store.write(&[Write::Seal(Box::new(sealed))]).unwrap();
    }
    let err = zkpay_node::Node::spawn(config).await.err().expect("refused");
    assert!(matches!(err, zkpay_node::NodeError::RootMismatch { .. }), "{err}");
    drop(dir);
}
