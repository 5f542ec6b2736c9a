//! The event stream over real HTTP: `/v1/events/log` pages and `/v1/events` (SSE) agree, ids
//! run 1, 2, 3… without a gap, a filtered live stream gets just its events, and a subscriber
//! that resumes with `Last-Event-ID` — after a disconnect, after a node restart — gets exactly
//! the events it missed.

mod common;

use common::*;
use zkpay_api_types::{ErrorCode, Event, EventType};
use zkpay_client::{Client, EventStream, EventsRequest};
use zkpay_core::tx::L2Tx;
use zkpay_core::types::Address;

fn pay(u: &User, to: Address, amount: u128, nonce: u32) -> L2Tx {
    transfer(TransferSpec { from: u.id, to, token: 0, amount, fee: 0, nonce }, &u.key, &domain())
}

/// Every stored event, through the paged log.
async fn log(client: &Client) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    loop {
        let after = out.last().map_or(0, |e| e.id);
        let page = client.event_log(after, 7).await.unwrap();
        let more = page.next_cursor.is_some();
        out.extend(page.data);
        if !more {
            return out;
        }
    }
}

async fn next(s: &mut EventStream) -> Event {
    tokio::time::timeout(std::time::Duration::from_secs(20), s.next())
        .await
        .expect("an event within 20 s")
        .unwrap()
        .expect("the stream stays open")
}

/// Read from `s` until an event of `t` for tx `hash`; every event read is returned.
async fn until_tx(s: &mut EventStream, t: EventType, hash: &str) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        let e = next(s).await;
        let done = e.event_type == t && e.tx.as_ref().is_some_and(|x| x.hash == hash);
        seen.push(e);
        if done {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_resume_without_a_gap_across_a_disconnect_and_a_restart() {
    let (_dir, node, users) = funded_node(2).await;
    let (alice, bob) = (&users[0], &users[1]);

    // What funding made: ids 1, 2, … in order, each deposit received then included.
    let stored = log(&node.client).await;
    let ids: Vec<u64> = stored.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=stored.len() as u64).collect::<Vec<_>>(), "no gap, no repeat");
    let count = |t: EventType| stored.iter().filter(|e| e.event_type == t).count();
    assert_eq!((count(EventType::DepositReceived), count(EventType::DepositIncluded)), (4, 4));
    assert_eq!(count(EventType::TxIncluded), 2, "the two ChangePubKeys");
    assert!(count(EventType::BlockSealed) >= 1);
    let first_deposit = stored.iter().find(|e| e.event_type == EventType::DepositIncluded).unwrap();
    assert!(first_deposit.addresses.contains(&alice.address), "{first_deposit:?}");

    // The SSE stream from the start gives the same events.
    let mut all = node.client.events(&EventsRequest { after: Some(0), ..Default::default() }).await.unwrap();
    for e in &stored {
        assert_eq!(&next(&mut all).await, e);
    }

    // A live stream filtered to Bob's tx events sees Alice's payment to him, and nothing else.
    let bob_only =
        EventsRequest { types: vec!["tx.*".into()], accounts: vec![bob.id.to_string()], ..Default::default() };
    let mut bobs = node.client.events(&bob_only).await.unwrap();
    let paid = node.client.submit(&pay(alice, bob.address, 5, 1)).await.unwrap().tx_hashes.remove(0);
    let e = next(&mut bobs).await;
    assert_eq!((e.event_type, e.tx.as_ref().map(|t| t.hash.clone())), (EventType::TxIncluded, Some(paid.clone())));
    assert!(e.addresses.contains(&alice.address) && e.addresses.contains(&bob.address), "{e:?}");
    let mut seen = until_tx(&mut all, EventType::TxIncluded, &paid).await;

    // Disconnect; a payment meanwhile; resume from the last id seen.
    let last = all.last_event_id().unwrap();
    drop(all);
    let missed = node.client.submit(&pay(alice, bob.address, 6, 2)).await.unwrap().tx_hashes.remove(0);
    wait_status(&node.client, &missed, zkpay_api_types::TxStatus::Included).await;
    let mut resumed = node.client.events(&EventsRequest { after: Some(last), ..Default::default() }).await.unwrap();
    let after = until_tx(&mut resumed, EventType::TxIncluded, &missed).await;
    assert_eq!(after[0].id, last + 1, "resumed right after the last event seen");
    seen.extend(after);
    drop(resumed);

    // A restart: the ids go on from the stored ones.
    let config = node.config.clone();
    node.handle.shutdown().await.unwrap();
    let node = start(config).await;
    let before_restart = log(&node.client).await;
    let last = before_restart.last().unwrap().id;
    let mut resumed = node.client.events(&EventsRequest { after: Some(last), ..Default::default() }).await.unwrap();
    let third = node.client.submit(&pay(alice, bob.address, 7, 3)).await.unwrap().tx_hashes.remove(0);
    let after = until_tx(&mut resumed, EventType::TxIncluded, &third).await;
    assert_eq!(after[0].id, last + 1, "the first event after the restart follows the stored ones");
    let everything = log(&node.client).await;
    let ids: Vec<u64> = everything.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=everything.len() as u64).collect::<Vec<_>>(), "no gap, no repeat across the restart");
    assert_eq!(&everything[..before_restart.len()], &before_restart[..], "stored events never change");

    // Bad requests: one clear error each.
    let client = &node.client;
    let bad = |r: EventsRequest| async move { client.events(&r).await.map(|_| ()) };
    refused_with(
        bad(EventsRequest { types: vec!["tx.nope".into()], ..Default::default() }).await,
        ErrorCode::InvalidRequest,
    );
    refused_with(
        bad(EventsRequest { accounts: vec!["0x01".into()], ..Default::default() }).await,
        ErrorCode::InvalidPath,
    );
    refused_with(bad(EventsRequest { accounts: vec!["999".into()], ..Default::default() }).await, ErrorCode::NotFound);
    refused_with(node.client.event_log(0, 1000).await, ErrorCode::InvalidRequest);
    node.handle.shutdown().await.unwrap();
}
