//! `zkpay wallet` as a user runs it — child processes, no library shortcuts — against `zkpay node`
//! on anvil with its L1 pipeline and an in-process prover: a wallet imported from an anvil key,
//! deposits (ETH, and an ERC-20 approved first), set-key, a transfer to a second wallet, a
//! withdrawal paid out on L1 once final, a full exit; balances on L1 and L2 exact after each
//! step. And each bad input is one clear message, a non-zero exit, and nothing sent.

mod e2e;
mod node_process;

use alloy::primitives::U256;
use e2e::*;
use node_process::NodeProcess;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use zkpay_client::Client;
use zkpay_l1::devnet::{DevChain, DEV_TOKEN_ID};
use zkpay_l1::encode::core_address;

const PASS: &str = "correct horse battery staple";

/// A wallet file and how to run `zkpay wallet` on it.
struct Cli {
    wallet: PathBuf,
    node: String,
    l1: String,
}

/// What a run printed and how it ended.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert!(self.ok, "the command failed: {}", self.stderr);
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

impl Cli {
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = Command::new(env!("CARGO_BIN_EXE_zkpay"));
        // Node and L1 through the environment, so that a test's own --node or --l1 wins.
        c.arg("wallet")
            .args(args)
            .arg("--json")
            .env("ZKPAY_WALLET", &self.wallet)
            .env("ZKPAY_NODE", &self.node)
            .env("ZKPAY_L1_URL", &self.l1)
            .env("ZKPAY_WALLET_PASSPHRASE", PASS)
            .env("ZKPAY_WALLET_CONFIG", "/nonexistent/config.toml")
            .env_remove("ZKPAY_ETH_KEY");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("zkpay wallet runs");
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// The command must fail with one line naming `needle`, and print nothing on stdout.
    fn refused(&self, args: &[&str], env: &[(&str, &str)], needle: &str) {
        let r = self.run_with(args, env);
        assert!(!r.ok, "{args:?} should fail; it printed {}", r.stdout);
        assert!(r.stdout.is_empty(), "{args:?} printed a result: {}", r.stdout);
        let line = r.stderr.trim();
        assert!(line.lines().count() == 1 && line.starts_with("error: "), "{args:?}: not one clear line: {line:?}");
        assert!(line.contains(needle), "{args:?}: {line:?} does not say {needle:?}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

async fn until<T, Fut: std::future::Future<Output = Option<T>>>(what: &str, mut f: impl FnMut() -> Fut) -> T {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn l2(node: &Client, a: &str, token: u16) -> u128 {
    node.account(a).await.ok().and_then(|x| x.balances.get(&token).map(|b| b.0)).unwrap_or(0)
}

#[test]
fn a_user_deposits_sets_a_key_pays_withdraws_and_exits_with_the_cli() {
    runtime().block_on(scenario());
}

async fn scenario() {
    let _ = keys().block(8).expect("block_8 dev keys");
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), 1_000).await.expect("anvil and the contracts");
    let alice = chain.address(4);
    let alice_key = format!("0x{}", hex::encode(chain.anvil.keys()[4].to_bytes()));
    chain.mint(alice, 1_000 * ETHER).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&chain, dir.path(), &Options { workers: 1, ..Options::default() });
    let node_proc = NodeProcess::start(&config, &dir.path().join("node.log"));
    let node = Client::new(&node_proc.url).unwrap();
    let a = Cli { wallet: dir.path().join("alice.json"), node: node_proc.url.clone(), l1: chain.url.clone() };
    let b = Cli { wallet: dir.path().join("bob.json"), node: a.node.clone(), l1: a.l1.clone() };
    let rollup = chain.deployment.rollup;

    // Wallets: Alice's from her anvil key (L2 key derived for this deployment), Bob's fresh.
    let imported = a.run_with(&["import"], &[("ZKPAY_ETH_KEY", &alice_key)]).json();
    assert_eq!(imported["address"], core_address(&alice).to_string());
    assert_eq!(imported["derived"], true);
    let derived =
        zkpay_client::keys::derive_l2_key(&zkpay_client::keys::EthKey::from_hex(&alice_key).unwrap(), &chain.domain());
    assert_eq!(imported["pubKeyHash"], derived.public_key().hash().to_string());
    // The derivation signature is EIP-191 `personal_sign` as alloy (independent of the SDK's
    // k256 code) makes it.
    let message = zkpay_client::keys::derivation_message(&chain.domain());
    let alloy_sig = alloy::signers::SignerSync::sign_message_sync(&chain.signer(4), message.as_bytes()).unwrap();
    let sdk_sig = zkpay_client::keys::EthKey::from_hex(&alice_key).unwrap().personal_sign(message.as_bytes());
    assert_eq!(alloy_sig.as_bytes(), sdk_sig);
    let bob = b.run(&["new"]).json()["address"].as_str().unwrap().to_string();
    a.refused(&["new"], &[], "exists");
    assert_eq!(a.run(&["address"]).json()["address"], imported["address"]);
    let alice_hex = core_address(&alice).to_string();

    // Deposits: 5 ETH, and 300 TST (approved first). Exact on L1 (the Rollup holds them) and L2.
    let r = a.run(&["deposit", "5", "ETH", "--wait"]).json();
    assert!(r["block"].is_u64(), "{r}");
    assert_eq!(chain.eth_balance(rollup).await.unwrap(), U256::from(5 * ETHER));
    assert_eq!(l2(&node, &alice_hex, 0).await, 5 * ETHER);
    a.run(&["deposit", "300", "TST", "--wait"]).json();
    assert_eq!(chain.token_balance(alice).await.unwrap(), U256::from(700 * ETHER));
    assert_eq!(chain.token_balance(rollup).await.unwrap(), U256::from(300 * ETHER));
    assert_eq!(l2(&node, &alice_hex, DEV_TOKEN_ID).await, 300 * ETHER);

    // Set the key (EIP-712 authorized), then pay Bob 1.5 ETH (fees are 0 on this node).
    let r = a.run(&["set-key", "--wait", "included"]).json();
    assert_eq!(r["status"], "included");
    let account = node.account(&alice_hex).await.unwrap();
    assert_eq!(account.pub_key_hash, derived.public_key().hash());
    let r = a.run(&["transfer", &bob, "1.5", "ETH", "--wait", "included"]).json();
    assert_eq!(r["status"], "included");
    assert_eq!(l2(&node, &alice_hex, 0).await, 5 * ETHER - 3 * ETHER / 2);
    assert_eq!(l2(&node, &bob, 0).await, 3 * ETHER / 2);

    // Bad input: each one clear line, a non-zero exit, nothing sent.
    let nonce = node.account(&alice_hex).await.unwrap().pending_nonce;
    a.refused(&["transfer", &bob, "1", "DOGE"], &[], "unknown token");
    a.refused(&["transfer", &bob, "1000", "ETH"], &[], "insufficient_balance");
    a.refused(&["transfer", &bob, "1.000000000000000001", "ETH"], &[], "--yes");
    a.refused(&["transfer", "0x12", "1", "ETH"], &[], "not an 0x address");
    a.refused(&["transfer", &bob, "1", "ETH"], &[("ZKPAY_WALLET_PASSPHRASE", "wrong")], "wrong passphrase");
    a.refused(&["deposit", "20000", "ETH"], &[], "does not cover");
    a.refused(&["transfer", &bob, "1", "ETH", "--node", "http://127.0.0.1:9"], &[], "unreachable");
    a.refused(&["deposit", "1", "ETH", "--l1", "http://127.0.0.1:9"], &[], "L1 is unreachable");
    let corrupt = Cli { wallet: dir.path().join("corrupt.json"), node: a.node.clone(), l1: a.l1.clone() };
    let mut text = std::fs::read_to_string(&a.wallet).unwrap();
    text.replace_range(text.len() - 10..text.len() - 9, "#");
    std::fs::write(&corrupt.wallet, text).unwrap();
    corrupt.refused(&["transfer", &bob, "1", "ETH"], &[], "corrupted");
    assert_eq!(node.account(&alice_hex).await.unwrap().pending_nonce, nonce, "nothing was sent");
    assert_eq!(chain.eth_balance(rollup).await.unwrap(), U256::from(5 * ETHER));

    // Withdraw 1 ETH: the CLI waits for finality and pays the pending balance out on L1.
    let before = chain.eth_balance(alice).await.unwrap();
    a.run(&["withdraw", "1", "ETH"]).json();
    let info = node.history(&alice_hex, None, 1).await.unwrap().data.remove(0);
    assert_eq!(info.status, zkpay_client::types::TxStatus::Finalized);
    assert_eq!(chain.eth_balance(rollup).await.unwrap(), U256::from(4 * ETHER), "1 ETH left the Rollup");
    assert_eq!(chain.client(4).unwrap().pending_balance(alice, 0).await.unwrap(), 0);
    let after = chain.eth_balance(alice).await.unwrap();
    let gas_budget = U256::from(ETHER / 100);
    assert!(
        after > before + U256::from(ETHER) - gas_budget && after < before + U256::from(ETHER),
        "L1 got 1 ETH less gas"
    );
    assert_eq!(l2(&node, &alice_hex, 0).await, 5 * ETHER - 3 * ETHER / 2 - ETHER);

    // Full exit of TST through L1: the whole L2 balance leaves once its block is sealed.
    let r = a.run(&["full-exit", "TST"]).json();
    let serial: u64 = r["serialId"].as_str().unwrap().parse().unwrap();
    until("the full exit in a block", || async { node.priority_op(serial).await.ok().filter(|p| p.block.is_some()) })
        .await;
    assert_eq!(l2(&node, &alice_hex, DEV_TOKEN_ID).await, 0);
    // Once its block is final, the 300 TST wait in Alice's L1 pending balance.
    until("the full exit final", || async {
        node.priority_op(serial).await.ok().filter(|p| p.status == zkpay_client::types::TxStatus::Finalized)
    })
    .await;
    assert_eq!(chain.client(4).unwrap().pending_balance(alice, DEV_TOKEN_ID).await.unwrap(), 300 * ETHER);

    // Read-only commands.
    let bal = a.run(&["balance"]).json();
    assert_eq!(bal["account"]["balances"]["0"], (5 * ETHER - 3 * ETHER / 2 - ETHER).to_string());
    let hist = a.run(&["history", "--limit", "2"]).json();
    assert_eq!(hist["txs"].as_array().unwrap().len(), 2);
    let st = a.run(&["status", info.hash.as_str()]).json();
    assert_eq!(st["status"], "finalized");
    node_proc.stop_cleanly();
}
