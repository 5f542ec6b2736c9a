//! `zkpay dev`: the whole rollup on this machine in one command — anvil (the pinned npm binary)
//! with the contracts deployed, the node with its L1 pipeline and an in-process prover, and demo
//! wallets funded and with their keys set — then it prints what a developer needs and runs until
//! Ctrl-C. `--demo` runs a scripted scenario instead (pay, withdraw, both to finality, the payout
//! checked on L1) and exits 0 only if every step held.
//!
//! Each start is a fresh chain: anvil's state is not kept, so the node's store under `--data-dir`
//! is cleared with it.

use crate::CliError;
use alloy::primitives::Address as EthAddress;
use std::path::PathBuf;
use std::time::Duration;
use zkpay_cli::paths::{anvil_binary, committed_keys_dir, dev_keys_cache_dir};
use zkpay_client::keys::{derive_l2_key, EthKey};
use zkpay_client::keystore::WalletSecret;
use zkpay_client::types::TxStatus;
use zkpay_client::wallet::Wallet;
use zkpay_client::Client;
use zkpay_l1::devnet::DevChain;
use zkpay_l1::encode::core_address;
use zkpay_node::config::{L1Config, NodeConfig};
use zkpay_node::Node;

const ETHER: u128 = 1_000_000_000_000_000_000;
/// Anvil accounts 1 to 3 are the demo wallets (0 is the operator).
const DEMO_WALLETS: usize = 3;
/// Long enough for a block's proof on a slow machine.
const FINALITY: Duration = Duration::from_secs(1200);

/// Arguments of `zkpay dev`.
#[derive(clap::Args)]
pub struct DevArgs {
    /// Where the node's store lives (cleared at each start: the chain is new).
    #[arg(long, default_value = ".zkpay-dev")]
    data_dir: PathBuf,
    /// The node's API.
    #[arg(long, default_value = "127.0.0.1:3030")]
    listen: std::net::SocketAddr,
    /// In-process proving threads.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Run the scripted scenario and exit (0: every step held).
    #[arg(long)]
    demo: bool,
}

/// A failure of step `what`, as the one line the user reads.
fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> CliError + '_ {
    move |e| CliError::Message(format!("{what}: {e}"))
}

/// Run `zkpay dev`.
pub fn run(args: DevArgs) -> Result<(), CliError> {
    crate::init_logs_at(false, "warn");
    let keys = zkpay_prover::KeyStore::new(committed_keys_dir(), dev_keys_cache_dir());
    eprintln!("[dev] dev proving keys (generated once into {}, then cached)…", dev_keys_cache_dir().display());
    keys.block(8).map_err(err("proving keys"))?;
    // Our lines go to a copy of stdout; fd 1 itself becomes /dev/null, where bellman_ce's
    // progress prints go (and cannot fail when the reader of stdout has gone).
    let mut out =
        std::fs::File::from(std::os::fd::AsFd::as_fd(&std::io::stdout()).try_clone_to_owned().map_err(err("stdout"))?);
    let _quiet = gag::Gag::stdout().map_err(CliError::Gag)?;
    let runtime = crate::runtime()?;
    runtime.block_on(dev(args, &mut out))
}

async fn dev(args: DevArgs, out: &mut std::fs::File) -> Result<(), CliError> {
    use std::io::Write;
    eprintln!("[dev] starting anvil and deploying the contracts…");
    let chain = DevChain::start(&anvil_binary(), 100_000).await.map_err(err("anvil"))?;
    let store = args.data_dir.join("node");
    if store.exists() {
        std::fs::remove_dir_all(&store).map_err(err("clearing the old store"))?;
    }
    let mut config = NodeConfig { data_dir: store, listen: args.listen, ..NodeConfig::default() };
    config.chain.chain_id = chain.deployment.chain_id;
    config.chain.rollup = core_address(&chain.deployment.rollup);
    config.chain.operator = core_address(&chain.operator.sender());
    config.chain.tokens = vec![1];
    config.blocks.keys_dir = committed_keys_dir();
    config.blocks.sizes = vec![8];
    config.blocks.timeout_ms = 300;
    config.prover.workers = args.workers;
    config.prover.cache_dir = dev_keys_cache_dir();
    config.l1 = Some(L1Config {
        url: chain.url.clone(),
        operator_key: format!("0x{}", hex::encode(chain.anvil.keys()[0].to_bytes())),
        deployment_block: chain.deployment.block,
        poll_ms: 200,
        ..L1Config::default()
    });
    let handle = Node::spawn(config).await?;
    let url = format!("http://{}", handle.addr());
    let node = Client::new(&url).map_err(err("node"))?;

    // The demo wallets: anvil's keys, their L2 keys derived (docs/protocol.md §3.7), 100 ETH
    // each deposited, keys set.
    eprintln!("[dev] funding {DEMO_WALLETS} demo wallets…");
    let domain = chain.domain();
    let mut wallets = Vec::new();
    for i in 1..=DEMO_WALLETS {
        let eth = EthKey::from_bytes(&chain.anvil.keys()[i].to_bytes().into()).map_err(err("key"))?;
        let l2 = derive_l2_key(&eth, &domain);
        let l1 = chain.client(i).map_err(err("L1"))?;
        l1.deposit_eth(chain.address(i), 100 * ETHER).await.map_err(err("deposit"))?;
        wallets.push(Wallet::new(node.clone(), domain, WalletSecret { eth, l2 }));
    }
    for w in &wallets {
        wait_account(&node, w).await?;
        let p = w.prepare_set_key(0, None).await.map_err(err("set-key"))?;
        let r = w.submit(&p).await.map_err(err("set-key"))?;
        w.wait(&r.tx_hashes[0], TxStatus::Included, FINALITY).await.map_err(err("set-key"))?;
    }

    let mut text = format!("zkpay dev: a local rollup (chain id {}, Rollup {})\n", domain.chain_id, domain.rollup);
    text.push_str(&format!("  API       {url}/v1/status\n"));
    text.push_str(&format!("  OpenAPI   {url}/v1/openapi.json   (docs page: {url}/v1/docs)\n"));
    text.push_str(&format!("  metrics   {url}/metrics\n"));
    text.push_str(&format!("  events    {url}/v1/events\n"));
    text.push_str(&format!("  anvil     {}\n", chain.url));
    text.push_str("demo wallets (anvil accounts; 100 ETH each on L2, keys set):\n");
    for w in &wallets {
        text.push_str(&format!("  {}  key 0x{}\n", w.address(), hex::encode(w.secret().eth.to_bytes())));
    }
    text.push_str(&format!(
        "try: ZKPAY_ETH_KEY=0x{} zkpay wallet import --node {url}\n     zkpay wallet transfer {} 1 ETH --node {url} --wait finalized\n",
        hex::encode(wallets[0].secret().eth.to_bytes()),
        wallets[1].address()
    ));
    let say = |out: &mut std::fs::File, t: &str| {
        let _ = out.write_all(t.as_bytes());
        let _ = out.flush();
    };
    say(out, &text);

    let result = if args.demo {
        let r = demo(&chain, &wallets).await;
        if r.is_ok() {
            say(out, "demo passed: a payment and a withdrawal final on L1, the payout in Bob's pending balance\n");
        }
        r
    } else {
        eprintln!("[dev] running; Ctrl-C stops everything");
        let cancel = handle.cancel_token();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = cancel.cancelled() => {},
        }
        Ok(())
    };
    handle.shutdown().await?;
    result
}

async fn wait_account(node: &Client, w: &Wallet) -> Result<(), CliError> {
    let deadline = tokio::time::Instant::now() + FINALITY;
    while node.account(&w.address().to_string()).await.is_err() {
        if tokio::time::Instant::now() > deadline {
            return Err(CliError::Message(format!("the deposit to {} never reached a block", w.address())));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Alice pays Bob 1 ETH, Bob withdraws 0.5 ETH; both reach finality and the payout is on L1.
async fn demo(chain: &DevChain, wallets: &[Wallet]) -> Result<(), CliError> {
    let (alice, bob) = (&wallets[0], &wallets[1]);
    eprintln!("[demo] Alice pays Bob 1 ETH…");
    let pay = alice.prepare_transfer(bob.address(), 0, ETHER, None).await.map_err(err("transfer"))?;
    let r = alice.submit(&pay).await.map_err(err("transfer"))?;
    let paid = alice.wait(&r.tx_hashes[0], TxStatus::Finalized, FINALITY).await.map_err(err("transfer"))?;
    eprintln!("[demo] final in block {:?}", paid.block);
    eprintln!("[demo] Bob withdraws 0.5 ETH to L1…");
    let out = bob.prepare_withdraw(bob.address(), 0, ETHER / 2, None).await.map_err(err("withdraw"))?;
    let r = bob.submit(&out).await.map_err(err("withdraw"))?;
    let done = bob.wait(&r.tx_hashes[0], TxStatus::Finalized, FINALITY).await.map_err(err("withdraw"))?;
    eprintln!("[demo] final in block {:?}", done.block);
    let bob_l1 = EthAddress::from(bob.address().0);
    let pending = chain.operator.pending_balance(bob_l1, 0).await.map_err(err("pending balance"))?;
    if pending != ETHER / 2 {
        return Err(CliError::Message(format!("Bob's L1 pending balance is {pending} wei, not 0.5 ETH")));
    }
    let bob_l2 = bob.account().await.map_err(err("account"))?;
    let expected = 100 * ETHER + ETHER - ETHER / 2 - out.tx.fee();
    if bob_l2.balances.get(&0).map(|a| a.0) != Some(expected) {
        return Err(CliError::Message(format!("Bob's L2 balance is {:?}, not {expected}", bob_l2.balances.get(&0))));
    }
    Ok(())
}
