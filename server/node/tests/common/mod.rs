//! A node in the test process with a fresh store, users funded through the dev feed, and a few
//! polling helpers. Shared by the node's integration tests.
#![allow(dead_code)]

use std::time::Duration;
use tempfile::TempDir;
use zkpay_api_types::{PriorityOpSubmission, TxStatus};
use zkpay_client::Client;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{ChangePubKeyAuth, Deposit, Domain, PriorityOp, PriorityOpData};
use zkpay_core::types::{AccountId, Address, TokenId};
use zkpay_node::{Node, NodeConfig, NodeHandle};
pub use zkpay_test_utils::*;

pub const CHAIN_ID: u64 = 31337;
pub const ROLLUP: Address = Address([0x11; 20]);
pub const OPERATOR: Address = Address([0xee; 20]);

pub fn domain() -> Domain {
    Domain { chain_id: CHAIN_ID, rollup: ROLLUP }
}

/// A config on a fresh port and `dir`, token 1 listed, the dev feed on, 30 ms block timeout.
pub fn config(dir: &std::path::Path) -> NodeConfig {
    let mut c = NodeConfig { data_dir: dir.join("db"), listen: "127.0.0.1:0".parse().unwrap(), ..Default::default() };
    c.chain.chain_id = CHAIN_ID;
    c.chain.rollup = ROLLUP;
    c.chain.operator = OPERATOR;
    c.chain.tokens = vec![1];
    c.blocks.keys_dir = committed_keys_dir();
    c.blocks.timeout_ms = 30;
    c.dev_feed = true;
    c
}

/// A running node and its client.
pub struct TestNode {
    pub handle: NodeHandle,
    pub client: Client,
    pub config: NodeConfig,
}

pub async fn start(config: NodeConfig) -> TestNode {
    let handle = Node::spawn(config.clone()).await.expect("node starts");
    let client = Client::new(&format!("http://{}", handle.addr())).unwrap();
    TestNode { handle, client, config }
}

/// A user: L2 key `l2_key(i)`, L1 address `address(i)`.
pub struct User {
    pub key: PrivateKey,
    pub address: Address,
    pub id: AccountId,
}

pub fn user_key(i: u8) -> PrivateKey {
    l2_key(i)
}

pub async fn wait_for(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..400 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Deposit `amount` of `token` to `to` through the dev feed as priority op `serial`.
pub async fn deposit(client: &Client, serial: u64, to: Address, token: TokenId, amount: u128) {
    let op = PriorityOp {
        serial_id: serial,
        data: PriorityOpData::Deposit(Deposit { from: to, to, token, amount }),
        expiration_block: 1_000_000,
    };
    let sub = PriorityOpSubmission { op, l1_tx_hash: format!("0x{}", "ab".repeat(32)), log_index: serial };
    client.feed_priority_op(&sub).await.expect("priority op accepted");
}

/// Wait until tx `hash` has `status`.
pub async fn wait_status(client: &Client, hash: &str, status: TxStatus) {
    wait_for(&format!("tx {hash} {status:?}"), async || {
        client.tx(hash).await.map(|t| t.status == status).unwrap_or(false)
    })
    .await;
}

/// `n` users (bytes 1..=n) with 10 ETH and 1000 of token 1 each and their keys set; ids in order.
pub async fn fund(client: &Client, n: u8) -> Vec<User> {
    let mut users = Vec::new();
    for i in 1..=n {
        let address = address(i);
        deposit(client, 2 * (i as u64 - 1), address, 0, 10 * ETHER).await;
        deposit(client, 2 * (i as u64 - 1) + 1, address, 1, 1000).await;
    }
    for i in 1..=n {
        let address = address(i);
        let a = address.to_string();
        wait_for("deposit", async || client.account(&a).await.is_ok_and(|x| x.balances.len() == 2)).await;
        let id = client.account(&a).await.unwrap().id;
        let key = user_key(i);
        let cpk = change_pubkey(id, address, &key, 0, ChangePubKeyAuth::Onchain, &domain());
        let r = client.submit(&cpk).await.expect("ChangePubKey accepted");
        wait_status(client, &r.tx_hashes[0], TxStatus::Included).await;
        users.push(User { key, address, id });
    }
    users
}

/// A fresh node with `n` funded users.
pub async fn funded_node(n: u8) -> (TempDir, TestNode, Vec<User>) {
    let dir = tempfile::tempdir().unwrap();
    let node = start(config(dir.path())).await;
    let users = fund(&node.client, n).await;
    (dir, node, users)
}

/// `r` is the node's refusal with `code`.
pub fn refused_with<T: std::fmt::Debug>(r: Result<T, zkpay_client::ClientError>, code: zkpay_api_types::ErrorCode) {
    match r {
        Err(zkpay_client::ClientError::Api(e)) => assert_eq!(e.code, code, "{e}"),
        other => panic!("expected {code:?}, got {other:?}"),
    }
}
