//! The merchant's read routes over real HTTP: account history and block lists with cursors, a
//! block's txs, priority ops by the L1 transaction that queued them, and fee quotes — with the
//! error of each bad request.

mod common;

use common::*;
use zkpay_api_types::{ErrorCode, FeeTxType, TxStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_blocks_priority_ops_and_fees() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    // A fee in token 1 only (the funding ChangePubKeys pay 0 in ETH).
    c.fees.per_chunk.insert("1".into(), "1023".into());
    let node = start(c).await;
    let users = fund(&node.client, 2).await;
    let (alice, bob) = (&users[0], &users[1]);
    let client = &node.client;
    // Enough of token 1 for the fees.
    deposit(client, 4, alice.address, 1, 1_000_000).await;
    let a = alice.address.to_string();
    wait_for("the deposit", async || client.account(&a).await.is_ok_and(|x| x.balances[&1].0 == 1_001_000)).await;

    // Fee quotes: chunks × 1023, rounded up to a packable fee.
    let bob_hex = bob.address.to_string();
    let to_bob = client.fee_quote(FeeTxType::Transfer, 1, Some(&bob_hex)).await.unwrap();
    assert_eq!((to_bob.chunks, to_bob.fee.0, to_bob.per_chunk.0), (2, 2046, 1023));
    let stranger = address(99).to_string();
    let to_new = client.fee_quote(FeeTxType::Transfer, 1, Some(&stranger)).await.unwrap();
    assert_eq!((to_new.chunks, to_new.fee.0), (4, 4100), "4092 is not packable: the next packable fee");
    let cpk = client.fee_quote(FeeTxType::ChangePubKey, 1, None).await.unwrap();
    assert_eq!((cpk.chunks, cpk.fee.0), (6, 6140));
    let eth = client.fee_quote(FeeTxType::Withdraw, 0, None).await.unwrap();
    assert_eq!((eth.chunks, eth.fee.0), (5, 0), "ETH is free on this node");
    assert!(to_bob.valid_until > 0);
    refused_with(client.fee_quote(FeeTxType::Transfer, 1, None).await, ErrorCode::InvalidRequest);
    refused_with(client.fee_quote(FeeTxType::Withdraw, 77, None).await, ErrorCode::UnknownToken);
    refused_with(client.get_raw("/v1/fee?txType=teleport&token=0").await, ErrorCode::InvalidRequest);
    refused_with(client.get_raw("/v1/fee?txType=withdraw&token=0&to=0x12").await, ErrorCode::InvalidRequest);

    // Five payments at the quoted fee; one below it is refused.
    let pay = |nonce: u32, fee: u128| {
        transfer(
            TransferSpec { from: alice.id, to: bob.address, token: 1, amount: 10 + nonce as u128, fee, nonce },
            &alice.key,
            &domain(),
        )
    };
    refused_with(client.submit(&pay(1, 2045)).await, ErrorCode::FeeTooLow);
    let mut hashes = Vec::new();
    for nonce in 1..=5 {
        hashes.push(client.submit(&pay(nonce, to_bob.fee.0)).await.unwrap().tx_hashes.remove(0));
    }
    wait_status(client, hashes.last().unwrap(), TxStatus::Included).await;

    // An Idempotency-Key: the same request again gets the same answer, another body a 409.
    let keyed = pay(6, to_bob.fee.0);
    let first = client.submit_idempotent(&keyed, "order-42").await.unwrap();
    let again = client.submit_idempotent(&keyed, "order-42").await.unwrap();
    assert_eq!(first, again, "the first answer, not duplicate_tx");
    refused_with(client.submit(&keyed).await, ErrorCode::DuplicateTx);
    refused_with(client.submit_idempotent(&pay(7, to_bob.fee.0), "order-42").await, ErrorCode::IdempotencyConflict);
    refused_with(client.submit_idempotent(&pay(7, to_bob.fee.0), &"k".repeat(256)).await, ErrorCode::InvalidRequest);
    refused_with(client.submit_idempotent(&pay(7, to_bob.fee.0), "").await, ErrorCode::InvalidRequest);
    hashes.push(first.tx_hashes[0].clone());
    wait_status(client, hashes.last().unwrap(), TxStatus::Included).await;

    // Alice's history, two at a time, newest first: her five payments, then her ChangePubKey.
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.history(&alice.id.to_string(), cursor.as_deref(), 2).await.unwrap();
        assert!(page.data.len() <= 2);
        pages.extend(page.data.iter().map(|t| t.hash.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let newest_first: Vec<String> = hashes.iter().rev().cloned().collect();
    assert_eq!(&pages[..6], &newest_first[..], "{pages:?}");
    assert_eq!(pages.len(), 7, "and her ChangePubKey");
    let by_address = client.history(&alice.address.to_string(), None, 100).await.unwrap();
    assert_eq!(by_address.data.iter().map(|t| t.hash.clone()).collect::<Vec<_>>(), pages);
    assert!(by_address.next_cursor.is_none());
    let bobs = client.history(&bob.id.to_string(), None, 100).await.unwrap();
    assert!(hashes.iter().all(|h| bobs.data.iter().any(|t| &t.hash == h)), "the recipient's history has them");

    // Blocks, newest first, three at a time; each block's txs are its hashes.
    let last = client.status().await.unwrap().last_block;
    let mut numbers = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.blocks(cursor.as_deref(), 3).await.unwrap();
        for b in &page.data {
            assert_eq!(b, &client.block(b.number).await.unwrap());
            let txs = client.block_txs(b.number).await.unwrap();
            assert_eq!(txs.iter().map(|t| t.hash.clone()).collect::<Vec<_>>(), b.tx_hashes);
        }
        numbers.extend(page.data.iter().map(|b| b.number));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(numbers, (1..=last).rev().collect::<Vec<_>>());

    // The funding deposits all came "from" one L1 transaction: its ops, in serial order.
    let ops = client.priority_ops_of_l1_tx(&format!("0x{}", "ab".repeat(32))).await.unwrap();
    assert_eq!(ops.iter().map(|p| p.op.serial_id).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert!(ops.iter().all(|p| p.status == TxStatus::Included));
    refused_with(client.priority_ops_of_l1_tx(&format!("0x{}", "01".repeat(32))).await, ErrorCode::NotFound);
    refused_with(client.priority_ops_of_l1_tx("0x01").await, ErrorCode::InvalidPath);

    // Bad pages.
    refused_with(client.history(&alice.id.to_string(), None, 0).await, ErrorCode::InvalidRequest);
    refused_with(client.history(&alice.id.to_string(), None, 101).await, ErrorCode::InvalidRequest);
    refused_with(client.history(&alice.id.to_string(), Some("abc"), 5).await, ErrorCode::InvalidRequest);
    refused_with(client.history("424242", None, 5).await, ErrorCode::NotFound);
    refused_with(client.get_raw("/v1/blocks?limit=2&sort=asc").await, ErrorCode::InvalidRequest);
    refused_with(client.block_txs(last + 1).await, ErrorCode::NotFound);
    node.handle.shutdown().await.unwrap();
}

/// A batch pays the fee quote in total: a payout batch can carry its whole fee in one tx, and a
/// batch whose fees fall short of the sum of its quotes is refused whole. A single tx still pays
/// its own quote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_pays_the_quote_in_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.fees.per_chunk.insert("1".into(), "1023".into());
    let node = start(c).await;
    let users = fund(&node.client, 2).await;
    let (alice, bob) = (&users[0], &users[1]);
    let client = &node.client;
    deposit(client, 4, alice.address, 1, 1_000_000).await;
    let a = alice.address.to_string();
    wait_for("the deposit", async || client.account(&a).await.is_ok_and(|x| x.balances[&1].0 == 1_001_000)).await;
    let pay = |nonce: u32, fee: u128| {
        transfer(
            TransferSpec { from: alice.id, to: bob.address, token: 1, amount: 10, fee, nonce },
            &alice.key,
            &domain(),
        )
    };
    // Two 2-chunk transfers: 4 × 1023 = 4092 due in all (4100: the next packable fee).
    refused_with(client.submit_batch(&[pay(1, 0), pay(2, 2046)]).await, ErrorCode::FeeTooLow);
    refused_with(client.submit(&pay(1, 0)).await, ErrorCode::FeeTooLow);
    assert_eq!(client.account(&a).await.unwrap().pending_nonce, 1, "nothing of the refused batch is queued");
    let r = client.submit_batch(&[pay(1, 0), pay(2, 4100)]).await.unwrap();
    wait_status(client, &r.tx_hashes[1], TxStatus::Included).await;
    assert_eq!(client.account(&a).await.unwrap().balances[&1].0, 1_001_000 - 20 - 4100);
    node.handle.shutdown().await.unwrap();
}
