//! The node on L1, end to end: anvil with the real contracts, `zkpay node` as a child process with
//! its L1 pipeline on and no in-process prover, and one external `zkpay prover` process that does
//! all the proving. Deposits on L1 → the watcher → the sequencer; a ChangePubKey (EIP-712), a
//! transfer and a withdrawal through the HTTP API; the node commits, proves (with the worker's
//! proofs, which it verifies) and executes by itself, and every tx and deposit reaches
//! `finalized`. The users' L1 balances after withdrawing are then exact to the wei.

mod e2e;
mod node_process;

use alloy::primitives::{Address as EthAddress, U256};
use e2e::*;
use node_process::NodeProcess;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zkpay_client::types::{BlockStatus, ErrorCode, LeaseRequest, TxStatus};
use zkpay_client::{Client, ProverClient};
use zkpay_core::tx::{L2Tx, Transfer, Withdraw};
use zkpay_l1::devnet::{DevChain, DEV_TOKEN_ID};
use zkpay_l1::encode::core_address;

const MILLI: u128 = ETHER / 1000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// A `zkpay prover` child process, killed on drop.
struct Prover(Child);

impl Prover {
    fn start(url: &str, name: &str, log: &std::path::Path) -> Prover {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_zkpay"))
            .args(["prover", "--node", url, "--token", TOKEN, "--name", name, "--poll-secs", "1"])
            .arg("--keys-dir")
            .arg(zkpay_test_utils::committed_keys_dir())
            .arg("--cache-dir")
            .arg(keys_cache())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start zkpay prover");
        Prover(child)
    }
}

impl Drop for Prover {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Poll `check` until it gives a value, or fail after `timeout` with what the node said last.
async fn until<T, F, Fut>(what: &str, timeout: Duration, node: &Client, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > timeout {
            let status = node.status().await.map(|s| format!("{s:?}")).unwrap_or_else(|e| e.to_string());
            panic!("timed out waiting for {what}; node status: {status}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[test]
fn the_node_finalizes_deposits_transfers_and_withdrawals_with_an_external_prover() {
    runtime().block_on(finality());
}

async fn finality() {
    // Proving keys first (the worker would otherwise spend its first minutes generating them
    // while holding a lease).
    let _ = keys().block(8).expect("block_8 dev keys");
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), 1_000).await.expect("anvil and the contracts");
    let (alice, bob, payer) = (chain.address(1), chain.address(2), chain.client(3).unwrap());
    let (alice_l1, bob_l1) = (chain.client(1).unwrap(), chain.client(2).unwrap());
    let domain = chain.domain();
    // Account 0 (the operator) is the node's from here on: mint before it starts.
    chain.mint(alice, 1_000 * ETHER).await.unwrap();

    let long = Duration::from_secs(300);
    let dir = tempfile::tempdir().unwrap();
    let config_path = write_config(&chain, dir.path(), &Options { lease_secs: 5, ..Options::default() });
    let log = dir.path().join("node.log");
    let node_proc = NodeProcess::start(&config_path, &log);
    let node = Client::new(&node_proc.url).unwrap();

    // L1 deposits, after the node started: the watcher hands them to the sequencer.
    alice_l1.deposit_eth(alice, 5 * ETHER).await.unwrap();
    alice_l1.deposit_erc20(chain.token, 300 * ETHER, alice).await.unwrap();
    bob_l1.deposit_eth(bob, ETHER).await.unwrap();
    for serial in 0..3u64 {
        let p = until("a deposit in a block", long, &node, || async {
            node.priority_op(serial).await.ok().filter(|p| p.block.is_some())
        })
        .await;
        assert_eq!(p.op.serial_id, serial);
    }
    // The token list: ETH, and the test token as Governance and its contract describe it.
    let tokens = until("the token read from L1", long, &node, || async {
        node.tokens().await.ok().filter(|t| t.len() == 2 && t[1].symbol.is_some())
    })
    .await;
    assert_eq!((tokens[0].id, tokens[0].symbol.as_deref()), (0, Some("ETH")));
    assert_eq!(tokens[1].id, DEV_TOKEN_ID);
    assert_eq!(tokens[1].address.map(|a| a.0), Some(chain.token.into_array()));
    assert_eq!((tokens[1].symbol.as_deref(), tokens[1].decimals), (Some("TST"), Some(18)));
    // The prover routes: a wrong token is refused; a tampered proof is refused and the job is
    // queued again (its lease is gone).
    let wrong = ProverClient::new(&node_proc.url, "not-the-token").unwrap();
    let request = LeaseRequest { worker: "test".into(), block_sizes: vec![8] };
    assert_eq!(wrong.lease(&request).await.unwrap_err().code(), Some(ErrorCode::Unauthorized));
    let worker = ProverClient::new(&node_proc.url, TOKEN).unwrap();
    let job = until("a proving job", long, &node, || async { worker.lease(&request).await.unwrap() }).await;
    let tampered = [[0x11u8; 32]; 8];
    assert_eq!(worker.submit(job.lease_id, &tampered).await.unwrap_err().code(), Some(ErrorCode::InvalidProof));
    assert_eq!(worker.heartbeat(job.lease_id).await.unwrap_err().code(), Some(ErrorCode::LeaseExpired));
    let again = worker.lease(&request).await.unwrap().expect("the refused job is queued again");
    assert_eq!(again.block, job.block);
    // This lease is abandoned, like a worker killed mid-job: it expires after 5 s.
    // A real worker killed mid-job: its lease expires too, and another worker finishes.
    let prover_log = dir.path().join("prover.log");
    let doomed = Prover::start(&node_proc.url, "external-0", &prover_log);
    until("external-0 leasing a job", long, &node, || async {
        // The node logs every lease with the worker's name.
        std::fs::read_to_string(&log).unwrap().contains("\"external-0\"").then_some(())
    })
    .await;
    drop(doomed); // SIGKILL
    let _prover = Prover::start(&node_proc.url, "external-1", &prover_log);

    let alice_id = node.account(&core_address(&alice).to_string()).await.unwrap().id;
    let bob_info = node.account(&core_address(&bob).to_string()).await.unwrap();
    assert_eq!(bob_info.balances.get(&0).map(|a| a.0), Some(ETHER));

    // L2: Alice's key (EIP-712 authorized), a token transfer to Bob, and an ETH withdrawal.
    let alice_key = l2_key(0xa1);
    let cpk = change_pubkey_of(&chain, 1, alice_id, &alice_key, MILLI).await;
    let transfer = signed(
        L2Tx::Transfer(Transfer {
            account_id: alice_id,
            to: core_address(&bob),
            token: DEV_TOKEN_ID,
            amount: 40 * ETHER,
            fee: 0,
            nonce: 1,
            time_range: ALWAYS,
            signature: nosig(),
        }),
        &alice_key,
        &domain,
    );
    let withdraw = signed(
        L2Tx::Withdraw(Withdraw {
            account_id: alice_id,
            to: core_address(&alice),
            token: 0,
            amount: 2 * ETHER,
            fee: MILLI,
            nonce: 2,
            time_range: ALWAYS,
            signature: nosig(),
        }),
        &alice_key,
        &domain,
    );
    let mut hashes = Vec::new();
    for tx in [&cpk, &transfer, &withdraw] {
        hashes.extend(node.submit(tx).await.unwrap_or_else(|e| panic!("{e}")).tx_hashes);
    }

    // Everything reaches finalized on its own, with the L1 transactions named.
    for hash in &hashes {
        let info = until("a tx finalized", long, &node, || async {
            node.tx(hash).await.ok().filter(|t| t.status == TxStatus::Finalized)
        })
        .await;
        assert!(info.l1.commit_tx_hash.is_some() && info.l1.prove_tx_hash.is_some(), "{info:?}");
        assert!(info.l1.execute_tx_hash.is_some(), "{info:?}");
        let block = node.block(info.block.unwrap()).await.unwrap();
        assert_eq!(block.status, BlockStatus::Finalized);
    }
    // With every tx finalized, the finalized view of each account is its current one.
    let last_tx_block = node.tx(hashes.last().unwrap()).await.unwrap().block.unwrap();
    for who in [alice, bob] {
        let a = node.account(&core_address(&who).to_string()).await.unwrap();
        let finalized = a.finalized.as_ref().unwrap_or_else(|| panic!("{a:?}"));
        assert!(finalized.block >= last_tx_block, "{a:?}");
        assert_eq!((&finalized.balances, finalized.nonce), (&a.balances, a.nonce), "{a:?}");
        assert!(a.committed.as_ref().is_some_and(|c| c.block >= finalized.block), "{a:?}");
    }
    for serial in 0..3u64 {
        let p = node.priority_op(serial).await.unwrap();
        assert_eq!(p.status, TxStatus::Finalized, "deposit {serial}: {p:?}");
    }
    let status = node.status().await.unwrap();
    let last = status.last_block;
    assert!(status.pipeline.enabled && status.pipeline.halted.is_none(), "{status:?}");
    assert!(status.pipeline.executed >= 1 && status.pipeline.proofs >= 1, "{status:?}");
    let (committed, proven, executed) = chain.operator.block_counters().await.unwrap();
    assert!(executed >= 1 && proven >= executed && committed >= proven && committed <= last);
    let prover_log = std::fs::read_to_string(&prover_log).unwrap();
    assert!(prover_log.contains("proof accepted by the node"), "the external worker proved: {prover_log}");
    let node_log = std::fs::read_to_string(&log).unwrap();
    assert!(node_log.contains("prover lease expired"), "the abandoned leases expired");
    assert!(node_log.contains("does not verify: refused"), "the tampered proof is logged");
    assert!(node_log.contains("\"external-1\""), "the node leased to the second worker");
    assert!(!node_log.contains("in-process-"), "no in-process worker proved");

    // Payouts are pending balances on L1; a third party withdraws them, so the owners' ETH
    // balances change by exactly the payout.
    let alice_eth_before = chain.eth_balance(alice).await.unwrap();
    assert_eq!(payer.pending_balance(alice, 0).await.unwrap(), 2 * ETHER);
    payer.withdraw_pending_balance(alice, EthAddress::ZERO, 2 * ETHER).await.unwrap();
    assert_eq!(chain.eth_balance(alice).await.unwrap(), alice_eth_before + U256::from(2 * ETHER));
    assert_eq!(payer.pending_balance(alice, 0).await.unwrap(), 0);
    assert_eq!(chain.token_balance(alice).await.unwrap(), U256::from(700 * ETHER));
    assert_eq!(chain.token_balance(chain.deployment.rollup).await.unwrap(), U256::from(300 * ETHER));
    assert_eq!(chain.eth_balance(chain.deployment.rollup).await.unwrap(), U256::from(4 * ETHER));
    // On L2, as of the last block.
    let alice_now = node.account(&alice_id.to_string()).await.unwrap();
    assert_eq!(alice_now.balances.get(&0).map(|a| a.0), Some(5 * ETHER - MILLI - 2 * ETHER - MILLI));
    let bob_now = node.account(&core_address(&bob).to_string()).await.unwrap();
    assert_eq!(bob_now.balances.get(&DEV_TOKEN_ID).map(|a| a.0), Some(40 * ETHER));

    node_proc.stop_cleanly();
}

/// A TCP proxy in front of anvil that can drop every connection: an unreachable L1 RPC.
struct FlakyProxy {
    url: String,
    down: tokio::sync::watch::Sender<bool>,
}

impl FlakyProxy {
    async fn start(target: &str) -> FlakyProxy {
        let target = target.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (down, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let mut watch = watch.clone();
                if *watch.borrow() {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = watch.wait_for(|d| *d) => {}
                    }
                });
            }
        });
        FlakyProxy { url, down }
    }

    fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }
}

fn eth_transfer(
    from: u32,
    to: EthAddress,
    amount: u128,
    nonce: u32,
    key: &zkpay_core::eddsa::PrivateKey,
    chain: &DevChain,
) -> L2Tx {
    signed(
        L2Tx::Transfer(Transfer {
            account_id: from,
            to: core_address(&to),
            token: 0,
            amount,
            fee: 0,
            nonce,
            time_range: ALWAYS,
            signature: nosig(),
        }),
        key,
        &chain.domain(),
    )
}

async fn finalized(node: &Client, hash: &str) {
    until("a tx finalized", Duration::from_secs(400), node, || async {
        node.tx(hash).await.ok().filter(|t| t.status == TxStatus::Finalized)
    })
    .await;
}

/// Every block number committed once on L1 (no revert, nothing committed twice).
async fn committed_once(chain: &DevChain) -> u32 {
    let blocks = chain.operator.committed_blocks(chain.deployment.block).await.unwrap();
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.stored.blockNumber as usize, i, "each block committed once, in order");
    }
    let commits = chain
        .operator
        .logs::<zkpay_l1::bindings::Rollup::BlockCommit>(chain.deployment.rollup, chain.deployment.block)
        .await
        .unwrap();
    assert_eq!(commits.len(), blocks.len(), "no BlockCommit beyond one per block");
    blocks.len() as u32 - 1
}

#[test]
fn an_l1_outage_and_a_crash_between_send_and_receipt_lose_nothing_and_send_nothing_twice() {
    runtime().block_on(outage_and_crash());
}

async fn outage_and_crash() {
    let _ = keys().block(8).expect("block_8 dev keys");
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), 1_000).await.expect("anvil and the contracts");
    let proxy = FlakyProxy::start(&chain.url).await;
    let dir = tempfile::tempdir().unwrap();
    let options = Options { l1_url: Some(proxy.url.clone()), block_timeout_ms: 1000, ..Options::default() };
    let config = write_config(&chain, dir.path(), &options);
    let log = dir.path().join("node.log");
    let mut node_proc = NodeProcess::start(&config, &log);
    let node = Client::new(&node_proc.url).unwrap();
    let _prover = Prover::start(&node_proc.url, "external-1", &dir.path().join("prover.log"));
    let (alice, bob) = (chain.address(1), chain.address(2));
    chain.client(1).unwrap().deposit_eth(alice, 5 * ETHER).await.unwrap();
    let deposit = until("the deposit in a block", Duration::from_secs(60), &node, || async {
        node.priority_op(0).await.ok().filter(|p| p.block.is_some())
    })
    .await;
    assert_eq!(deposit.op.serial_id, 0);
    let alice_id = node.account(&core_address(&alice).to_string()).await.unwrap().id;
    let key = l2_key(0xa2);
    let cpk = change_pubkey_of(&chain, 1, alice_id, &key, 0).await;
    let first = node.submit(&cpk).await.unwrap().tx_hashes.remove(0);
    finalized(&node, &first).await;

    // (a) L1 unreachable for 30 s: payments are still accepted and sealed; the pipeline says what
    // fails and retries; when L1 is back everything is final.
    proxy.set_down(true);
    let during = node.submit(&eth_transfer(alice_id, bob, ETHER, 1, &key, &chain)).await.unwrap().tx_hashes.remove(0);
    until("the outage in the status", Duration::from_secs(30), &node, || async {
        node.status().await.ok().filter(|s| s.pipeline.last_error.is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let info = node.tx(&during).await.unwrap();
    assert_eq!(info.status, TxStatus::Included, "sealed while L1 was down, not further: {info:?}");
    proxy.set_down(false);
    finalized(&node, &during).await;
    assert!(node.status().await.unwrap().pipeline.last_error.is_none());

    // (d) kill -9 between sending a commit and its receipt: L1 stops mining, the node sends the
    // commit, dies, restarts, and the commit that was in L1's pool is the one mined.
    let raw = |method: &'static str, params: serde_json::Value| {
        let provider = chain.operator.provider().clone();
        async move {
            use alloy::providers::Provider;
            provider.raw_request::<_, serde_json::Value>(method.into(), params).await.unwrap();
        }
    };
    raw("evm_setAutomine", serde_json::json!([false])).await;
    let broadcasts = |text: &str| text.matches("L1 transaction stored; broadcasting").count();
    let before = broadcasts(&std::fs::read_to_string(&log).unwrap());
    let crash = node.submit(&eth_transfer(alice_id, bob, ETHER, 2, &key, &chain)).await.unwrap().tx_hashes.remove(0);
    until("a commit broadcast", Duration::from_secs(60), &node, || async {
        (broadcasts(&std::fs::read_to_string(&log).unwrap()) > before).then_some(())
    })
    .await;
    node_proc.kill9();
    node_proc = NodeProcess::start(&config, &log);
    let node = Client::new(&node_proc.url).unwrap();
    let _prover2 = Prover::start(&node_proc.url, "external-2", &dir.path().join("prover.log"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    raw("evm_setAutomine", serde_json::json!([true])).await;
    raw("evm_mine", serde_json::json!([])).await;
    finalized(&node, &crash).await;
    let sealed = node.status().await.unwrap().last_block;
    assert_eq!(committed_once(&chain).await, sealed, "every sealed block committed exactly once");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("halted"), "no revert: {text}");
    assert!(text.contains("resuming a stored L1 transaction"), "the restarted node followed the stored commit");
    assert_eq!(chain.eth_balance(chain.deployment.rollup).await.unwrap(), U256::from(5 * ETHER));
    let bob_info = node.account(&core_address(&bob).to_string()).await.unwrap();
    assert_eq!(bob_info.balances.get(&0).map(|a| a.0), Some(2 * ETHER));
    node_proc.stop_cleanly();
}

#[test]
fn a_reorged_deposit_is_never_credited_and_a_stuck_commit_is_replaced() {
    runtime().block_on(reorg_and_stuck());
}

async fn reorg_and_stuck() {
    let _ = keys().block(8).expect("block_8 dev keys");
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), 1_000).await.expect("anvil and the contracts");
    let dir = tempfile::tempdir().unwrap();
    // (c): every first attempt is priced under the base fee; replacements after 3 s.
    let options = Options { confirmations: 3, initial_max_fee_wei: "1", tx_timeout_secs: 3, ..Options::default() };
    let config = write_config(&chain, dir.path(), &options);
    let log = dir.path().join("node.log");
    let node_proc = NodeProcess::start(&config, &log);
    let node = Client::new(&node_proc.url).unwrap();
    let _prover = Prover::start(&node_proc.url, "external-1", &dir.path().join("prover.log"));
    let provider = chain.operator.provider().clone();
    let rpc = |method: &'static str, params: serde_json::Value| {
        let provider = provider.clone();
        async move {
            use alloy::providers::Provider;
            provider.raw_request::<_, serde_json::Value>(method.into(), params).await.unwrap()
        }
    };
    let bob = chain.address(2);
    let bob_l1 = chain.client(2).unwrap();

    // (b) A deposit seen with too few confirmations, then removed by a reorg.
    let snapshot = rpc("evm_snapshot", serde_json::json!([])).await;
    bob_l1.deposit_eth(bob, ETHER).await.unwrap();
    rpc("anvil_mine", serde_json::json!(["0x1"])).await;
    tokio::time::sleep(Duration::from_secs(2)).await; // the watcher polls and sees it, unconfirmed
    assert!(node.priority_op(0).await.is_err(), "not taken with 1 of 3 confirmations");
    assert_eq!(rpc("evm_revert", serde_json::json!([snapshot])).await, serde_json::json!(true));
    rpc("anvil_mine", serde_json::json!(["0x5"])).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(node.priority_op(0).await.is_err(), "the vanished deposit is never taken");
    // The deposit re-mined (Bob sends it again, with another amount to tell them apart).
    bob_l1.deposit_eth(bob, 2 * ETHER).await.unwrap();
    rpc("anvil_mine", serde_json::json!(["0x3"])).await;
    let p = until("the re-mined deposit in a block", Duration::from_secs(60), &node, || async {
        node.priority_op(0).await.ok().filter(|p| p.block.is_some())
    })
    .await;
    match &p.op.data {
        zkpay_core::tx::PriorityOpData::Deposit(d) => assert_eq!(d.amount, 2 * ETHER),
        other => panic!("{other:?}"),
    }
    // Finality needs L1 blocks for the watcher's confirmations only; the sender's own
    // transactions are mined at once.
    until("the deposit finalized", Duration::from_secs(400), &node, || async {
        node.priority_op(0).await.ok().filter(|p| p.status == TxStatus::Finalized)
    })
    .await;
    assert!(node.priority_op(1).await.is_err(), "one deposit in all");
    let info = node.account(&core_address(&bob).to_string()).await.unwrap();
    assert_eq!(info.balances.get(&0).map(|a| a.0), Some(2 * ETHER), "credited once, the vanished one never");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("replaced with higher fees"), "the underpriced commit was replaced");
    assert_eq!(committed_once(&chain).await, node.status().await.unwrap().last_block);
    node_proc.stop_cleanly();
}
