//! Crash test: `zkpay node` as a child process takes signed transfers from several concurrent
//! clients and is `kill -9`ed at random moments, then restarted, `ZKPAY_CRASH_CYCLES` times
//! (default 5; `ZKPAY_CRASH_CYCLES=20` for the recorded run). Afterwards: every tx that got a 2xx
//! is in the mempool or a sealed block, none is applied twice, and the state root equals a replay
//! of the sealed blocks' pubdata from genesis by `zkpay-core`.

mod node_process;

use node_process::*;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zkpay_api_types::{PriorityOpSubmission, TxStatus};
use zkpay_client::Client;
use zkpay_core::restore::replay_block;
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{ChangePubKeyAuth, Deposit, Domain, PriorityOp, PriorityOpData};
use zkpay_storage::{NodeStore, RocksStore};
use zkpay_test_utils::{address, change_pubkey, l2_key, transfer, TransferSpec, ETHER};

const USERS: u8 = 4;

fn domain() -> Domain {
    Domain { chain_id: CHAIN_ID, rollup: ROLLUP }
}

async fn wait_for(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..800 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Fund the users: deposits through the dev feed, then their keys.
async fn fund(client: &Client) -> Vec<u32> {
    for i in 1..=USERS {
        let op = PriorityOp {
            serial_id: i as u64 - 1,
            data: PriorityOpData::Deposit(Deposit { from: address(i), to: address(i), token: 0, amount: 100 * ETHER }),
            expiration_block: 1_000_000,
        };
        let sub = PriorityOpSubmission { op, l1_tx_hash: format!("0x{}", "cd".repeat(32)), log_index: i as u64 };
        client.feed_priority_op(&sub).await.unwrap();
    }
    let mut ids = Vec::new();
    for i in 1..=USERS {
        let a = address(i).to_string();
        wait_for("deposit", async || client.account(&a).await.is_ok()).await;
        let id = client.account(&a).await.unwrap().id;
        let cpk = change_pubkey(id, address(i), &l2_key(i), 0, ChangePubKeyAuth::Onchain, &domain());
        let r = client.submit(&cpk).await.unwrap();
        let h = r.tx_hashes[0].clone();
        wait_for("key set", async || client.tx(&h).await.is_ok_and(|t| t.status == TxStatus::Included)).await;
        ids.push(id);
    }
    ids
}

/// One client: transfers to the next user, nonces from the node's pending nonce, until a request
/// fails (the node died). Every 2xx is recorded in `acked`.
async fn pay_until_failure(url: String, user: u8, id: u32, acked: Arc<Mutex<Vec<String>>>) {
    let client = Client::new(&url).unwrap();
    let Ok(account) = client.account(&id.to_string()).await else { return };
    let mut nonce = account.pending_nonce;
    let to = address(user % USERS + 1);
    loop {
        let spec = TransferSpec { from: id, to, token: 0, amount: 1_000 + nonce as u128, fee: 1, nonce };
        let tx = transfer(spec, &l2_key(user), &domain());
        match client.submit(&tx).await {
            Ok(r) => {
                acked.lock().unwrap().push(r.tx_hashes[0].clone());
                nonce += 1;
            }
            // Refused (e.g. the mempool is full for this account): slow down and resync.
            Err(zkpay_client::ClientError::Api(e)) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                match client.account(&id.to_string()).await {
                    Ok(a) => nonce = a.pending_nonce,
                    Err(_) => return,
                }
                let _ = e;
            }
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_accepted_tx_and_applies_none_twice() {
    let cycles: usize = std::env::var("ZKPAY_CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let seed: u64 = std::env::var("ZKPAY_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("crash test: {cycles} cycles, seed {seed} (ZKPAY_CRASH_SEED to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 20, "");
    let log = dir.path().join("node.log");

    let node = NodeProcess::start(&config, &log);
    let ids = fund(&Client::new(&node.url).unwrap()).await;
    node.kill9();

    let acked = Arc::new(Mutex::new(Vec::new()));
    for cycle in 0..cycles {
        let node = NodeProcess::start(&config, &log);
        let clients: Vec<_> = (1..=USERS)
            .map(|u| tokio::spawn(pay_until_failure(node.url.clone(), u, ids[u as usize - 1], acked.clone())))
            .collect();
        let before = acked.lock().unwrap().len();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..600))).await;
        node.kill9();
        for c in clients {
            c.await.unwrap();
        }
        eprintln!("cycle {cycle}: {} txs acknowledged before kill -9", acked.lock().unwrap().len() - before);
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50 * cycles / 5, "the clients got too few txs through ({}) to test anything", acked.len());

    // Restart and let the mempool drain.
    let node = NodeProcess::start(&config, &log);
    let client = Client::new(&node.url).unwrap();
    wait_for("the mempool to drain", async || {
        client.status().await.is_ok_and(|s| s.mempool_txs == 0 && s.pending_priority_ops == 0)
    })
    .await;
    let status = client.status().await.unwrap();
    for h in &acked {
        let t = client.tx(h).await.unwrap_or_else(|e| panic!("acknowledged tx {h} was lost: {e}"));
        assert_eq!(t.status, TxStatus::Included, "{h}: {:?}", t.rejection);
    }
    node.stop_cleanly();

    // Replay the sealed blocks from genesis and compare with what the node stored.
    let store = RocksStore::open(&dir.path().join("db")).unwrap();
    let last = store.last_block().unwrap();
    assert_eq!(last, status.last_block);
    let mut state = State::genesis(OPERATOR).unwrap();
    state.register_token(1).unwrap();
    state.set_mode(UpdateMode::Fast);
    let mut seen = HashSet::new();
    let mut nonces: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for n in 1..=last {
        let b = store.block(n).unwrap().unwrap_or_else(|| panic!("block {n} missing"));
        let root = replay_block(&mut state, b.fee_account, &b.pubdata).unwrap_or_else(|e| panic!("block {n}: {e}"));
        assert_eq!(zkpay_core::field::fr_to_be_bytes(&root), b.new_root, "block {n}'s root replays");
        for h in &b.txs {
            assert!(seen.insert(h.0), "tx 0x{} is in two blocks", hex::encode(h.0));
            let t = store.tx(&h.0).unwrap().unwrap();
            assert_eq!((t.status, t.block), (TxStatus::Included, Some(n)));
            nonces.entry(t.tx.account_id()).or_default().push(t.tx.nonce());
        }
    }
    assert_eq!(format!("0x{}", hex::encode(zkpay_core::field::fr_to_be_bytes(&state.root()))), status.root);
    for (account, ns) in &nonces {
        assert!(ns.windows(2).all(|w| w[1] == w[0] + 1), "account {account}'s nonces in block order: {ns:?}");
    }
    // Conservation: every wei deposited is in some account (fees included).
    let total: u128 = (0..=USERS as u32).map(|id| state.balance(id, 0)).sum();
    assert_eq!(total, USERS as u128 * 100 * ETHER);
    let included: usize = nonces.values().map(Vec::len).sum();
    eprintln!("{} acknowledged, {included} txs in {last} blocks, root {}", acked.len(), status.root);
    assert!(included >= acked.len());
}
