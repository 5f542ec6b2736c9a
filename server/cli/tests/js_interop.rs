//! JavaScript interop: `scripts/vectors/interop.test.mjs` (node's test runner and npm
//! `circomlibjs`, written from docs/protocol.md alone) signs a transfer and submits it over HTTP to
//! a `zkpay node` started here, which includes it; and it verifies a transfer signed by
//! `zkpay-client`. This side only funds the accounts and hands over what the script needs.

mod node_process;

use node_process::{write_config, NodeProcess, CHAIN_ID, ROLLUP};
use std::process::Command;
use std::time::Duration;
use zkpay_client::keys::{random_l2_key, EthKey};
use zkpay_client::keystore::WalletSecret;
use zkpay_client::types::{PriorityOpSubmission, TxStatus};
use zkpay_client::wallet::Wallet;
use zkpay_client::Client;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{ChangePubKeyAuth, Deposit, Domain, PriorityOp, PriorityOpData};
use zkpay_core::types::Address;
use zkpay_test_utils::{address, change_pubkey, ETHER};

async fn deposit(node: &Client, serial: u64, to: Address) {
    let op = PriorityOp {
        serial_id: serial,
        data: PriorityOpData::Deposit(Deposit { from: to, to, token: 0, amount: 10 * ETHER }),
        expiration_block: 1_000_000,
    };
    let sub = PriorityOpSubmission { op, l1_tx_hash: format!("0x{}", "cd".repeat(32)), log_index: serial };
    node.feed_priority_op(&sub).await.unwrap();
}

async fn account_id(node: &Client, a: Address) -> u32 {
    for _ in 0..400 {
        if let Ok(acc) = node.account(&a.to_string()).await {
            return acc.id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no account for {a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circomlibjs_signs_what_the_node_accepts_and_verifies_what_the_sdk_signs() {
    let dir = tempfile::tempdir().unwrap();
    let node_proc = NodeProcess::start(&write_config(dir.path(), 30, ""), &dir.path().join("node.log"));
    let node = Client::new(&node_proc.url).unwrap();
    let domain = Domain { chain_id: CHAIN_ID, rollup: ROLLUP };

    // The script's account: key 0x07…07, its key set (nonce 0); the script sends nonce 1.
    let js_key = [7u8; 32];
    let js_address = address(7);
    deposit(&node, 0, js_address).await;
    let js_id = account_id(&node, js_address).await;
    let cpk = change_pubkey(js_id, js_address, &PrivateKey::from_bytes(js_key), 0, ChangePubKeyAuth::Onchain, &domain);
    let r = node.submit(&cpk).await.unwrap();
    zkpay_client::wallet::wait_for(&node, &r.tx_hashes[0], TxStatus::Included, Duration::from_secs(30)).await.unwrap();

    // The SDK's wallet: funded, its key set through the SDK, then a transfer signed (not sent).
    let wallet = Wallet::new(node.clone(), domain, WalletSecret { eth: EthKey::random(), l2: random_l2_key() });
    deposit(&node, 1, wallet.address()).await;
    account_id(&node, wallet.address()).await;
    let set = wallet.prepare_set_key(0, Some(0)).await.unwrap();
    let r = wallet.submit(&set).await.unwrap();
    wallet.wait(&r.tx_hashes[0], TxStatus::Included, Duration::from_secs(30)).await.unwrap();
    let sdk_tx = wallet.prepare_transfer(address(9), 0, 1_500_000, Some(0)).await.unwrap();

    let script = zkpay_test_utils::repo_root().join("scripts/vectors/interop.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .arg(&script)
        .env("NODE_URL", &node_proc.url)
        .env("CHAIN_ID", CHAIN_ID.to_string())
        .env("ROLLUP", ROLLUP.to_string())
        .env("JS_KEY", hex::encode(js_key))
        .env("JS_ACCOUNT", js_id.to_string())
        .env("TO", address(8).to_string())
        .env("SDK_TX", serde_json::to_string(&sdk_tx.tx).unwrap())
        .output()
        .expect("node runs (npm ci in scripts/vectors: scripts/setup.sh)");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the JavaScript test failed:\n{report}");
    assert!(report.contains("# pass 2"), "both JavaScript tests ran:\n{report}");
    // The script's transfer is on the node: address(8) got its 25,000,000 wei.
    let to = node.account(&address(8).to_string()).await.unwrap();
    assert_eq!(to.balances.get(&0).map(|a| a.0), Some(25_000_000));
    node_proc.stop_cleanly();
}
