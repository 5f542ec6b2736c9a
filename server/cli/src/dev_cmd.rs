//! `zkpay dev`: the whole rollup on this machine in one command — anvil (the pinned npm binary)
//! with the contracts deployed, the node with its L1 pipeline and an in-process prover, and demo
//! wallets funded and with their keys set — then it prints what a developer needs and runs until
//! Ctrl-C. `--demo` runs a scripted scenario instead (pay, withdraw, both to finality, the payout
//! checked on L1) and exits 0 only if every step held.
//!
//! The chain lives in `--data-dir`: anvil's state (`anvil-state.json`, written every few seconds
//! and on a clean stop), the deployment (`chain.json`) and the node's store (`node/`). A second
//! start resumes that chain; `--reset` starts a new one.

use crate::CliError;
use alloy::primitives::Address as EthAddress;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkpay_circuit::block::block_circuit_name;
use zkpay_cli::dev_node::{dev_node_config, DEV_CHUNKS};
use zkpay_cli::paths::{anvil_binary, committed_keys_dir, dev_keys_cache_dir};
use zkpay_client::keys::{derive_l2_key, EthKey};
use zkpay_client::keystore::WalletSecret;
use zkpay_client::types::TxStatus;
use zkpay_client::wallet::Wallet;
use zkpay_client::Client;
use zkpay_l1::dev::spawn_persistent_anvil;
use zkpay_l1::devnet::DevChain;
use zkpay_l1::Deployment;
use zkpay_node::Node;

const ETHER: u128 = 1_000_000_000_000_000_000;
/// Anvil accounts 1 to 3 are the demo wallets (0 is the operator).
const DEMO_WALLETS: usize = 3;
/// Long enough for a block's proof on a slow machine.
const FINALITY: Duration = Duration::from_secs(1200);
/// Proving-key generation speed on the reference 2-core machine (keys/README.md: `block_8`'s
/// 319,655 constraints in 95 s, 259,175 in 112 s on another day): what the progress bar's estimate
/// assumes.
const KEYGEN_CONSTRAINTS_PER_SEC: f64 = 3_400.0;

/// Arguments of `zkpay dev`.
#[derive(clap::Args)]
pub struct DevArgs {
    /// Where the chain lives (anvil's state, the deployment, the node's store); a second start
    /// resumes it.
    #[arg(long, default_value = ".zkpay-dev")]
    data_dir: PathBuf,
    /// Start a new chain: delete what `--data-dir` holds of the old one first.
    #[arg(long)]
    reset: bool,
    /// The node's API (and explorer).
    #[arg(long, default_value = "127.0.0.1:3030")]
    listen: std::net::SocketAddr,
    /// anvil's JSON-RPC port (on 127.0.0.1).
    #[arg(long, default_value_t = 8545)]
    anvil_port: u16,
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
    load_keys(&keys)?;
    // Our lines go to a copy of stdout; fd 1 itself becomes /dev/null, where bellman_ce's
    // progress prints go (and cannot fail when the reader of stdout has gone).
    let mut out =
        std::fs::File::from(std::os::fd::AsFd::as_fd(&std::io::stdout()).try_clone_to_owned().map_err(err("stdout"))?);
    let _quiet = gag::Gag::stdout().map_err(CliError::Gag)?;
    let runtime = crate::runtime()?;
    runtime.block_on(dev(args, &mut out))
}

/// The dev proving keys, loaded from the cache or generated into it (minutes, once) behind a
/// progress bar that estimates from the circuit's size.
fn load_keys(keys: &zkpay_prover::KeyStore) -> Result<(), CliError> {
    let cache = dev_keys_cache_dir();
    if keys.block_on_disk(DEV_CHUNKS) {
        eprintln!("[dev] loading the dev proving keys…");
        keys.block(DEV_CHUNKS).map_err(err("proving keys"))?;
        return Ok(());
    }
    let vk = zkpay_circuit::keys::verification_key_path(keys.committed_dir(), &block_circuit_name(DEV_CHUNKS));
    let constraints =
        zkpay_circuit::keys::read_verification_key(&vk).map_err(err("the committed verification key"))?.0.constraints;
    let estimate = constraints as f64 / KEYGEN_CONSTRAINTS_PER_SEC;
    eprintln!(
        "[dev] generating the dev proving keys of block_{DEV_CHUNKS} ({constraints} constraints) into {}: once, about {estimate:.0} s on 2 cores",
        cache.display(),
    );
    let bar = KeygenProgress::new(estimate);
    let started = std::time::Instant::now();
    let result = std::thread::scope(|scope| {
        let job = scope.spawn(|| keys.block(DEV_CHUNKS).map(|_| ()));
        while !job.is_finished() {
            bar.show(started.elapsed());
            std::thread::sleep(Duration::from_millis(250));
        }
        job.join()
    });
    bar.finish();
    result
        .map_err(|_| CliError::Message("proving keys: key generation panicked".into()))?
        .map_err(err("proving keys"))?;
    eprintln!("[dev] proving keys generated in {:.0?}", started.elapsed());
    Ok(())
}

/// Key generation has no progress of its own to report: the bar runs over the estimated time,
/// on a terminal; elsewhere (logs, CI) a line every 15 s says how long it has been.
struct KeygenProgress {
    estimate: f64,
    bar: Option<indicatif::ProgressBar>,
    last_line: std::cell::Cell<u64>,
}

impl KeygenProgress {
    fn new(estimate: f64) -> KeygenProgress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(1000);
            let style = "{bar:40} {percent:>3}% [{elapsed} of about {msg}] proving keys";
            bar.set_style(indicatif::ProgressStyle::with_template(style).expect("static template"));
            bar.set_message(format!("{estimate:.0}s"));
            bar
        });
        KeygenProgress { estimate, bar, last_line: std::cell::Cell::new(0) }
    }

    fn show(&self, elapsed: Duration) {
        match &self.bar {
            // An estimate: the bar waits at 99 % rather than claim it is done.
            Some(bar) => bar.set_position(((elapsed.as_secs_f64() / self.estimate).min(0.99) * 1000.0) as u64),
            None if elapsed.as_secs() >= self.last_line.get() + 15 => {
                self.last_line.set(elapsed.as_secs());
                eprintln!("[dev] generating proving keys: {} s of about {:.0} s", elapsed.as_secs(), self.estimate);
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

async fn dev(args: DevArgs, out: &mut std::fs::File) -> Result<(), CliError> {
    // Installed first: a Ctrl-C or SIGTERM at any step stops what has started (the node, then
    // anvil, which writes its state) instead of killing the process and orphaning anvil.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(err("signals"))?;
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    };
    tokio::pin!(stop);
    let files = DataDir::new(&args.data_dir);
    let chain = tokio::select! {
        chain = files.open_chain(&args) => chain?,
        _ = &mut stop => return Err(CliError::Message("stopped before the chain was up".into())),
    };
    let config = dev_node_config(&chain, files.store.clone(), args.listen, args.workers, 300, 200);
    let handle = Node::spawn(config).await?;
    let cancel = handle.cancel_token();
    let work = async {
        let url = format!("http://{}", handle.addr());
        let node = Client::new(&url).map_err(err("node"))?;
        let wallets = fund_demo_wallets(&chain, &node).await?;
        say(out, &banner(&args, &chain, &url, &wallets));
        if args.demo {
            demo(&chain, &wallets).await?;
            say(out, "demo passed: a payment and a withdrawal final on L1, the payout in Bob's pending balance\n");
        } else {
            eprintln!("[dev] running; Ctrl-C stops everything (the chain is kept in {})", args.data_dir.display());
            cancel.cancelled().await;
        }
        Ok(())
    };
    let result = tokio::select! {
        r = work => r,
        _ = &mut stop => {
            eprintln!("[dev] stopping…");
            if args.demo { Err(CliError::Message("the demo was interrupted".into())) } else { Ok(()) }
        }
    };
    // The node first (it stops using L1), then anvil: dropping the chain stops it with SIGTERM,
    // on which it writes its state file.
    handle.shutdown().await?;
    drop(chain);
    result
}

/// Our lines on stdout, flushed at once (a reader such as a test waits for them).
fn say(out: &mut std::fs::File, text: &str) {
    use std::io::Write;
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// What a developer needs: the URLs, the data directory, the demo wallets and commands to try.
fn banner(args: &DevArgs, chain: &DevChain, url: &str, wallets: &[Wallet]) -> String {
    let domain = chain.domain();
    let mut text = format!("zkpay dev: a local rollup (chain id {}, Rollup {})\n", domain.chain_id, domain.rollup);
    text.push_str(&format!("  explorer  {url}/\n"));
    text.push_str(&format!("  API       {url}/v1/status\n"));
    text.push_str(&format!("  OpenAPI   {url}/v1/openapi.json   (docs page: {url}/v1/docs)\n"));
    text.push_str(&format!("  metrics   {url}/metrics\n"));
    text.push_str(&format!("  events    {url}/v1/events\n"));
    text.push_str(&format!("  anvil     {}\n", chain.url));
    text.push_str(&format!(
        "  data      {}   (resumed at the next start; --reset starts over)\n",
        args.data_dir.display()
    ));
    text.push_str("demo wallets (anvil accounts; 100 ETH each on L2, keys set):\n");
    for w in wallets {
        text.push_str(&format!("  {}  key 0x{}\n", w.address(), hex::encode(w.secret().eth.to_bytes())));
    }
    text.push_str(&format!(
        "try: ZKPAY_ETH_KEY=0x{} zkpay wallet import --node {url}\n     zkpay wallet transfer {} 1 ETH --node {url} --wait finalized\n",
        hex::encode(wallets[0].secret().eth.to_bytes()),
        wallets[1].address()
    ));
    text
}

/// The files of a dev chain in `--data-dir`.
struct DataDir {
    root: PathBuf,
    /// anvil's `--state` file.
    anvil_state: PathBuf,
    /// The deployment ([`SavedChain`]).
    chain: PathBuf,
    /// The node's store.
    store: PathBuf,
}

/// What `chain.json` records: enough to attach to the saved anvil state.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedChain {
    deployment: Deployment,
    /// The test ERC-20 (token 1).
    token: EthAddress,
    /// SHA-256 of the Verifier's creation bytecode this chain was deployed with ([`verifier_id`]);
    /// empty in files written before it was recorded.
    #[serde(default)]
    verifier: String,
}

/// What identifies the deployed Verifier, and with it the circuits and keys its proofs must come
/// from: a chain deployed by a zkpay with other keys or another state-tree layout would refuse
/// every block the node proves now.
fn verifier_id() -> String {
    use sha2::Digest;
    format!("0x{}", hex::encode(sha2::Sha256::digest(&zkpay_l1::bindings::Verifier::BYTECODE[..])))
}

impl DataDir {
    fn new(root: &Path) -> DataDir {
        DataDir {
            root: root.to_path_buf(),
            anvil_state: root.join("anvil-state.json"),
            chain: root.join("chain.json"),
            store: root.join("node"),
        }
    }

    /// Delete the chain's files (only ours: the directory may hold other things).
    fn clear(&self) -> Result<(), CliError> {
        for f in [&self.anvil_state, &self.chain] {
            if f.exists() {
                std::fs::remove_file(f).map_err(err("clearing the old chain"))?;
            }
        }
        if self.store.exists() {
            std::fs::remove_dir_all(&self.store).map_err(err("clearing the old store"))?;
        }
        Ok(())
    }

    /// The saved chain, when both its deployment and anvil's state are there.
    fn saved(&self) -> Result<Option<SavedChain>, CliError> {
        if !self.chain.exists() || !self.anvil_state.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&self.chain).map_err(err("reading chain.json"))?;
        let saved: SavedChain = serde_json::from_str(&text)
            .map_err(|e| CliError::Message(format!("{}: {e} (--reset starts a new chain)", self.chain.display())))?;
        if saved.verifier != verifier_id() {
            return Err(CliError::Message(format!(
                "the chain in {} was deployed with another Verifier (by a zkpay with other circuits or keys), \
                 which would refuse every block proven now: --reset starts a new chain",
                self.root.display()
            )));
        }
        Ok(Some(saved))
    }

    /// Written whole or not at all: a crash leaves the old file or the new one.
    fn save(&self, chain: &DevChain) -> Result<(), CliError> {
        let saved = SavedChain { deployment: chain.deployment.clone(), token: chain.token, verifier: verifier_id() };
        let text = serde_json::to_string_pretty(&saved).map_err(err("chain.json"))?;
        let tmp = self.root.join("chain.json.tmp");
        std::fs::write(&tmp, text).map_err(err("writing chain.json"))?;
        std::fs::rename(&tmp, &self.chain).map_err(err("writing chain.json"))
    }

    /// anvil on the saved chain, or on a new one with the contracts deployed.
    async fn open_chain(&self, args: &DevArgs) -> Result<DevChain, CliError> {
        std::fs::create_dir_all(&self.root).map_err(err("creating --data-dir"))?;
        if args.reset {
            self.clear()?;
        }
        if let Some(saved) = self.saved()? {
            eprintln!("[dev] resuming the chain in {} (--reset starts over)…", self.root.display());
            let anvil =
                spawn_persistent_anvil(&anvil_binary(), args.anvil_port, &self.anvil_state).map_err(err("anvil"))?;
            return DevChain::attach(anvil, saved.deployment, saved.token)
                .await
                .map_err(|e| CliError::Message(format!("resuming the saved chain: {e} (--reset starts a new chain)")));
        }
        // A store or a deployment without anvil's state belongs to no chain we can run.
        self.clear()?;
        eprintln!("[dev] starting anvil and deploying the contracts…");
        let anvil =
            spawn_persistent_anvil(&anvil_binary(), args.anvil_port, &self.anvil_state).map_err(err("anvil"))?;
        let chain = DevChain::deploy_on(anvil, 100_000).await.map_err(err("deploying the contracts"))?;
        self.save(&chain)?;
        Ok(chain)
    }
}

/// The demo wallets: anvil's accounts 1 to 3, their L2 keys derived (docs/protocol.md §3.7);
/// on a new chain 100 ETH each is deposited and the keys are set, on a resumed one only what is
/// missing is done.
async fn fund_demo_wallets(chain: &DevChain, node: &Client) -> Result<Vec<Wallet>, CliError> {
    let domain = chain.domain();
    let mut wallets = Vec::new();
    let mut deposited = Vec::new();
    for i in 1..=DEMO_WALLETS {
        let eth = EthKey::from_bytes(&chain.anvil.keys()[i].to_bytes().into()).map_err(err("key"))?;
        let l2 = derive_l2_key(&eth, &domain);
        let wallet = Wallet::new(node.clone(), domain, WalletSecret { eth, l2 });
        match wallet.account().await {
            Ok(_) => {}
            Err(zkpay_client::ClientError::NoAccount(_)) => {
                eprintln!("[dev] funding demo wallet {}…", wallet.address());
                let l1 = chain.client(i).map_err(err("L1"))?;
                l1.deposit_eth(chain.address(i), 100 * ETHER).await.map_err(err("deposit"))?;
                deposited.push(wallets.len());
            }
            Err(e) => return Err(CliError::Message(format!("the node: {e}"))),
        }
        wallets.push(wallet);
    }
    for (i, w) in wallets.iter().enumerate() {
        if deposited.contains(&i) {
            wait_account(node, w).await?;
        }
        let account = w.account().await.map_err(err("account"))?;
        if account.pub_key_hash == zkpay_core::types::PubKeyHash::ZERO && account.pending_nonce == account.nonce {
            let p = w.prepare_set_key(0, None).await.map_err(err("set-key"))?;
            let r = w.submit(&p).await.map_err(err("set-key"))?;
            w.wait(&r.tx_hashes[0], TxStatus::Included, FINALITY).await.map_err(err("set-key"))?;
        }
    }
    Ok(wallets)
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
/// Checked as changes, so the demo also runs on a resumed chain.
async fn demo(chain: &DevChain, wallets: &[Wallet]) -> Result<(), CliError> {
    let (alice, bob) = (&wallets[0], &wallets[1]);
    let bob_l1 = EthAddress::from(bob.address().0);
    let l2_balance = |a: &zkpay_client::types::AccountInfo| a.balances.get(&0).map_or(0, |x| x.0);
    let pending_before = chain.operator.pending_balance(bob_l1, 0).await.map_err(err("pending balance"))?;
    let bob_before = l2_balance(&bob.account().await.map_err(err("account"))?);
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
    let pending = chain.operator.pending_balance(bob_l1, 0).await.map_err(err("pending balance"))?;
    if pending != pending_before + ETHER / 2 {
        return Err(CliError::Message(format!(
            "Bob's L1 pending balance went from {pending_before} to {pending} wei, not up by 0.5 ETH"
        )));
    }
    let bob_after = l2_balance(&bob.account().await.map_err(err("account"))?);
    let expected = bob_before + ETHER - ETHER / 2 - out.tx.fee();
    if bob_after != expected {
        return Err(CliError::Message(format!("Bob's L2 balance is {bob_after}, not {expected}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_deletes_the_chain_and_only_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let files = DataDir::new(dir.path());
        std::fs::write(&files.anvil_state, "{}").unwrap();
        std::fs::write(&files.chain, "{}").unwrap();
        std::fs::create_dir_all(files.store.join("db")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        files.clear().unwrap();
        assert!(!files.anvil_state.exists() && !files.chain.exists() && !files.store.exists());
        assert!(dir.path().join("notes.txt").exists(), "a file that is not the chain's is kept");
        files.clear().unwrap();
    }

    #[test]
    fn a_chain_without_anvil_state_is_not_resumed_and_a_bad_chain_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let files = DataDir::new(dir.path());
        std::fs::write(&files.chain, "{}").unwrap();
        assert!(files.saved().unwrap().is_none(), "no anvil state: nothing to resume");
        std::fs::write(&files.anvil_state, "{}").unwrap();
        let e = files.saved().err().expect("a chain.json without the deployment is refused");
        assert!(e.to_string().contains("--reset"), "{e}");
    }

    #[test]
    fn a_chain_deployed_with_another_verifier_is_refused_with_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let files = DataDir::new(dir.path());
        std::fs::write(&files.anvil_state, "{}").unwrap();
        let deployment = Deployment {
            rollup: EthAddress::repeat_byte(1),
            governance: EthAddress::repeat_byte(2),
            verifier: EthAddress::repeat_byte(3),
            factory: EthAddress::repeat_byte(4),
            block: 1,
            chain_id: 31337,
        };
        let write = |verifier: &str| {
            let saved = SavedChain {
                deployment: deployment.clone(),
                token: EthAddress::repeat_byte(5),
                verifier: verifier.into(),
            };
            std::fs::write(&files.chain, serde_json::to_string(&saved).unwrap()).unwrap();
        };
        write(&verifier_id());
        assert!(files.saved().unwrap().is_some(), "this build's Verifier: resumed");
        for other in ["0x00", ""] {
            write(other);
            let e = files.saved().err().expect("another Verifier is refused");
            assert!(e.to_string().contains("another Verifier") && e.to_string().contains("--reset"), "{e}");
        }
    }
}
