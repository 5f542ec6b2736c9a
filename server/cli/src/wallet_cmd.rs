//! `zkpay wallet`: a user's wallet on the command line — keys in an encrypted file, deposits and
//! full exits on L1, payments and withdrawals on L2, balances, history and live events.
//!
//! Settings come from flags, then `ZKPAY_*` variables, then the config file
//! (`~/.zkpay/config.toml`: `node`, `l1`, `wallet`), then defaults. The passphrase comes from
//! `ZKPAY_WALLET_PASSPHRASE` or a prompt. `--json` prints one JSON object per command on stdout.
//! Every failure is one line on stderr and a non-zero exit; nothing is sent after a refusal.

use crate::CliError;
use alloy::primitives::{Address as EthAddress, U256};
use alloy::signers::local::PrivateKeySigner;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkpay_client::keys::{derive_l2_key, random_l2_key, EthKey};
use zkpay_client::keystore::{Keystore, ScryptCost, WalletSecret};
use zkpay_client::types::{TokenInfo, TxStatus};
use zkpay_client::units::{format_units, parse_units};
use zkpay_client::wallet::{Prepared, Wallet};
use zkpay_client::{Client, ClientError, EventsRequest};
use zkpay_core::packing::closest_packable_amount;
use zkpay_core::types::Address;

/// Arguments of `zkpay wallet`.
#[derive(clap::Args)]
pub struct WalletArgs {
    /// The wallet file [env ZKPAY_WALLET; default ~/.zkpay/wallet.json].
    #[arg(long, global = true)]
    wallet: Option<PathBuf>,
    /// The node's API [env ZKPAY_NODE; default http://127.0.0.1:3030].
    #[arg(long, global = true)]
    node: Option<String>,
    /// An L1 JSON-RPC URL, for deposits, full exits and payouts [env ZKPAY_L1_URL].
    #[arg(long, global = true)]
    l1: Option<String>,
    /// The config file [env ZKPAY_WALLET_CONFIG; default ~/.zkpay/config.toml].
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print one JSON object on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Do not ask: accept the closest packable amount, overwrite nothing without --force.
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    #[command(subcommand)]
    command: WalletCommand,
}

/// How far to follow a tx before returning.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum WaitFor {
    /// Return once the node has it (durable in its mempool).
    Queued,
    /// In a sealed block.
    Included,
    /// Its block committed on L1.
    Committed,
    /// Executed on L1: final.
    Finalized,
}

impl WaitFor {
    fn status(self) -> TxStatus {
        match self {
            WaitFor::Queued => TxStatus::Queued,
            WaitFor::Included => TxStatus::Included,
            WaitFor::Committed => TxStatus::Committed,
            WaitFor::Finalized => TxStatus::Finalized,
        }
    }
}

#[derive(clap::Subcommand)]
enum WalletCommand {
    /// Make a wallet: a fresh Ethereum key and a fresh L2 key.
    New {
        /// Replace an existing wallet file.
        #[arg(long)]
        force: bool,
    },
    /// Make a wallet from an Ethereum key (from ZKPAY_ETH_KEY, or asked); its L2 key is derived
    /// from it for the node's deployment (docs/protocol.md §3.7) unless --random-l2.
    Import {
        /// A random L2 key instead of the derived one.
        #[arg(long)]
        random_l2: bool,
        /// Replace an existing wallet file.
        #[arg(long)]
        force: bool,
    },
    /// The wallet's L1 address and L2 key hash (no passphrase needed).
    Address,
    /// Deposit from L1 (ERC-20s are approved first).
    Deposit {
        /// Amount in token units, e.g. 1.5.
        amount: String,
        /// Token symbol or id (ETH, TST, 1).
        token: String,
        /// The L2 owner credited (default: this wallet).
        #[arg(long)]
        to: Option<String>,
        /// Wait for the deposit to be in an L2 block.
        #[arg(long)]
        wait: bool,
    },
    /// Set the wallet's L2 key on its account (authorized by an EIP-712 signature).
    SetKey {
        /// Token the fee is paid in.
        #[arg(long, default_value = "ETH")]
        fee_token: String,
        /// The fee (default: the node's quote).
        #[arg(long)]
        fee: Option<String>,
        /// How far to follow it.
        #[arg(long, value_enum, default_value = "included")]
        wait: WaitFor,
    },
    /// Pay someone on L2.
    Transfer {
        /// Recipient's 0x address.
        to: String,
        /// Amount in token units.
        amount: String,
        /// Token symbol or id.
        token: String,
        /// The fee in token units (default: the node's quote).
        #[arg(long)]
        fee: Option<String>,
        /// How far to follow it.
        #[arg(long, value_enum, default_value = "included")]
        wait: WaitFor,
    },
    /// Withdraw to L1; once final, pays the L1 pending balance out (with --l1).
    Withdraw {
        /// Amount in token units.
        amount: String,
        /// Token symbol or id.
        token: String,
        /// L1 recipient (default: this wallet's address).
        #[arg(long)]
        to: Option<String>,
        /// The fee in token units (default: the node's quote).
        #[arg(long)]
        fee: Option<String>,
        /// Leave the funds in the L1 pending balance (do not wait for finality).
        #[arg(long)]
        no_payout: bool,
    },
    /// Ask L1 for the whole balance of a token (the censorship-proof exit).
    FullExit {
        /// Token symbol or id.
        token: String,
    },
    /// Balances: L2 (sealed, committed, finalized) and, with --l1, L1 and pending.
    Balance,
    /// The account's txs, newest first.
    History {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// A tx by hash.
    Status {
        /// 0x-hex tx hash.
        tx: String,
    },
    /// Follow the account's events until interrupted.
    Watch {
        /// Start after this event id (default: from now).
        #[arg(long)]
        after: Option<u64>,
    },
}

/// The resolved settings.
struct Settings {
    wallet: PathBuf,
    node: String,
    l1: Option<String>,
    json: bool,
    yes: bool,
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

fn settings(args: &WalletArgs) -> Result<Settings, CliError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let config_path = args
        .config
        .clone()
        .or_else(|| env("ZKPAY_WALLET_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| home().join(".zkpay/config.toml"));
    let file: toml::Table = match std::fs::read_to_string(&config_path) {
        Ok(text) => text.parse().map_err(|e| msg(format!("{}: {e}", config_path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(msg(format!("{}: {e}", config_path.display()))),
    };
    let from_file = |k: &str| file.get(k).and_then(|v| v.as_str()).map(String::from);
    Ok(Settings {
        wallet: args
            .wallet
            .clone()
            .or_else(|| env("ZKPAY_WALLET").map(PathBuf::from))
            .or_else(|| from_file("wallet").map(PathBuf::from))
            .unwrap_or_else(|| home().join(".zkpay/wallet.json")),
        node: args
            .node
            .clone()
            .or_else(|| env("ZKPAY_NODE"))
            .or_else(|| from_file("node"))
            .unwrap_or_else(|| "http://127.0.0.1:3030".into()),
        l1: args.l1.clone().or_else(|| env("ZKPAY_L1_URL")).or_else(|| from_file("l1")),
        json: args.json,
        yes: args.yes,
    })
}

fn msg(s: impl Into<String>) -> CliError {
    CliError::Message(s.into())
}

/// A client error as the one line a user reads.
fn client(e: ClientError) -> CliError {
    match e {
        ClientError::Http(e) if e.is_connect() || e.is_timeout() => {
            msg(format!("the node is unreachable ({e}); is `zkpay node` running, and is --node right?"))
        }
        ClientError::Api(e) => msg(format!("the node refused: {} ({})", e.message, e.code.as_str())),
        other => msg(other.to_string()),
    }
}

fn l1_error(e: zkpay_l1::L1Error) -> CliError {
    match e {
        zkpay_l1::L1Error::Rpc { message, .. } => msg(format!("L1 is unreachable or refused the request: {message}")),
        other => msg(format!("L1: {other}")),
    }
}

fn passphrase(confirm: bool) -> Result<String, CliError> {
    if let Ok(p) = std::env::var("ZKPAY_WALLET_PASSPHRASE") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(msg("no passphrase: set ZKPAY_WALLET_PASSPHRASE or run in a terminal"));
    }
    let p =
        rpassword::prompt_password("wallet passphrase: ").map_err(|e| msg(format!("reading the passphrase: {e}")))?;
    if confirm {
        let again = rpassword::prompt_password("again: ").map_err(|e| msg(format!("reading the passphrase: {e}")))?;
        if again != p {
            return Err(msg("the passphrases differ; nothing was written"));
        }
    }
    Ok(p)
}

fn read_keystore(path: &Path) -> Result<Keystore, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            msg(format!("no wallet at {}: run `zkpay wallet new` or `zkpay wallet import`", path.display()))
        } else {
            msg(format!("{}: {e}", path.display()))
        }
    })?;
    Keystore::from_json(&text).map_err(|e| msg(format!("{}: {e}", path.display())))
}

fn open_secret(path: &Path) -> Result<WalletSecret, CliError> {
    let ks = read_keystore(path)?;
    ks.decrypt(&passphrase(false)?).map_err(|e| msg(format!("{}: {e}", path.display())))
}

/// Write the wallet file atomically, readable by its owner only.
fn write_keystore(path: &Path, ks: &Keystore, force: bool) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(msg(format!("{} exists: pass --force to replace it (its keys would be lost)", path.display())));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| msg(format!("{}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".wallet.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(ks.to_json().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        msg(format!("writing {}: {e}", path.display()))
    })
}

fn parse_address(s: &str) -> Result<Address, CliError> {
    s.parse().map_err(|_| msg(format!("{s:?} is not an 0x address (20 bytes of hex)")))
}

fn eth(a: &Address) -> EthAddress {
    EthAddress::from(a.0)
}

/// A token by symbol (any case) or id, as the node lists it.
async fn token(node: &Client, name: &str) -> Result<TokenInfo, CliError> {
    let tokens = node.tokens().await.map_err(client)?;
    let found = match name.parse::<u16>() {
        Ok(id) => tokens.iter().find(|t| t.id == id),
        Err(_) => tokens.iter().find(|t| t.symbol.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(name))),
    };
    found.cloned().ok_or_else(|| {
        let known: Vec<String> =
            tokens.iter().map(|t| format!("{} ({})", t.symbol.as_deref().unwrap_or("?"), t.id)).collect();
        msg(format!("unknown token {name:?}: the rollup lists {}", known.join(", ")))
    })
}

fn decimals(t: &TokenInfo) -> Result<u8, CliError> {
    t.decimals.ok_or_else(|| msg(format!("token {}'s decimals are not known to the node yet", t.id)))
}

fn label(t: &TokenInfo) -> String {
    t.symbol.clone().unwrap_or_else(|| format!("token {}", t.id))
}

fn amount(text: &str, t: &TokenInfo) -> Result<u128, CliError> {
    parse_units(text, decimals(t)?).map_err(|e| msg(e.to_string()))
}

/// Ask yes/no on a terminal (`--yes`: yes; no terminal: no).
fn confirm(question: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}

fn print(s: &Settings, value: Value, text: String) {
    if s.json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

fn spinner(s: &Settings, what: String) -> indicatif::ProgressBar {
    let bar = if s.json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    bar.set_message(what);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// How long a wait may take before it is given up (finality waits for a proof).
const WAIT: Duration = Duration::from_secs(1800);

/// Submit `p`, follow it to `wait`, and report.
async fn send(
    s: &Settings,
    wallet: &Wallet,
    p: Prepared,
    wait: WaitFor,
    what: &str,
) -> Result<(Value, String), CliError> {
    let accepted = wallet.submit(&p).await.map_err(client)?;
    let hash = accepted.tx_hashes.first().cloned().ok_or_else(|| msg("the node accepted the tx but named no hash"))?;
    let mut status = TxStatus::Queued;
    let mut block = None;
    if !matches!(wait, WaitFor::Queued) {
        let bar = spinner(s, format!("{what} {hash}: waiting until {:?}", wait.status()));
        let info = wallet.wait(&hash, wait.status(), WAIT).await;
        bar.finish_and_clear();
        let info = info.map_err(client)?;
        status = info.status;
        block = info.block;
    }
    let fee = p.tx.fee();
    Ok((
        json!({ "tx": hash, "status": status, "block": block, "fee": fee.to_string() }),
        format!("{what} {hash}: {status:?}{}", block.map(|b| format!(" in block {b}")).unwrap_or_default()),
    ))
}

fn l1_client(s: &Settings, secret: &WalletSecret, rollup: &Address) -> Result<zkpay_l1::L1Client, CliError> {
    let url = s.l1.as_deref().ok_or_else(|| msg("this needs L1: pass --l1 URL (or set ZKPAY_L1_URL)"))?;
    let signer =
        PrivateKeySigner::from_bytes(&secret.eth.to_bytes().into()).map_err(|e| msg(format!("the key: {e}")))?;
    zkpay_l1::L1Client::connect(url, signer, eth(rollup)).map_err(l1_error)
}

/// Run `zkpay wallet`.
pub fn run(args: WalletArgs) -> Result<(), CliError> {
    let s = settings(&args)?;
    let runtime = crate::runtime()?;
    runtime.block_on(run_command(&s, args.command))
}

async fn run_command(s: &Settings, command: WalletCommand) -> Result<(), CliError> {
    let node = Client::new(&s.node).map_err(client)?;
    match command {
        WalletCommand::New { force } => {
            if s.wallet.exists() && !force {
                return Err(msg(format!("{} exists: pass --force to replace it", s.wallet.display())));
            }
            let secret = WalletSecret { eth: EthKey::random(), l2: random_l2_key() };
            let ks = Keystore::encrypt(&secret, &passphrase(true)?, ScryptCost::DEFAULT);
            write_keystore(&s.wallet, &ks, force)?;
            print(
                s,
                json!({ "address": ks.address, "pubKeyHash": ks.pub_key_hash, "wallet": s.wallet }),
                format!("new wallet {}: address {}", s.wallet.display(), ks.address),
            );
        }
        WalletCommand::Import { random_l2, force } => {
            if s.wallet.exists() && !force {
                return Err(msg(format!("{} exists: pass --force to replace it", s.wallet.display())));
            }
            let key_text = match std::env::var("ZKPAY_ETH_KEY") {
                Ok(k) => k,
                Err(_) if std::io::stdin().is_terminal() => rpassword::prompt_password("Ethereum private key (hex): ")
                    .map_err(|e| msg(format!("reading the key: {e}")))?,
                Err(_) => return Err(msg("no key: set ZKPAY_ETH_KEY or run in a terminal")),
            };
            let eth_key = EthKey::from_hex(&key_text).map_err(|e| msg(e.to_string()))?;
            let l2 = if random_l2 {
                random_l2_key()
            } else {
                let status = node.status().await.map_err(client)?;
                derive_l2_key(&eth_key, &zkpay_core::tx::Domain { chain_id: status.chain_id, rollup: status.rollup })
            };
            let secret = WalletSecret { eth: eth_key, l2 };
            let ks = Keystore::encrypt(&secret, &passphrase(true)?, ScryptCost::DEFAULT);
            write_keystore(&s.wallet, &ks, force)?;
            print(
                s,
                json!({ "address": ks.address, "pubKeyHash": ks.pub_key_hash, "wallet": s.wallet, "derived": !random_l2 }),
                format!("imported {} into {}", ks.address, s.wallet.display()),
            );
        }
        WalletCommand::Address => {
            let ks = read_keystore(&s.wallet)?;
            print(
                s,
                json!({ "address": ks.address, "pubKeyHash": ks.pub_key_hash }),
                format!("{}\nL2 key hash {}", ks.address, ks.pub_key_hash),
            );
        }
        WalletCommand::Deposit { amount: text, token: name, to, wait } => {
            let t = token(&node, &name).await?;
            let value = amount(&text, &t)?;
            if value == 0 {
                return Err(msg("a deposit of 0 does nothing: nothing was sent"));
            }
            let secret = open_secret(&s.wallet)?;
            let to = match to {
                Some(a) => parse_address(&a)?,
                None => secret.eth.address(),
            };
            let status = node.status().await.map_err(client)?;
            let l1 = l1_client(s, &secret, &status.rollup)?;
            let me = eth(&secret.eth.address());
            let mined = if t.id == 0 {
                let have = l1.eth_balance(me).await.map_err(l1_error)?;
                if have <= U256::from(value) {
                    return Err(msg(format!(
                        "L1 balance {} ETH does not cover {} ETH and gas: nothing was sent",
                        format_units(have.try_into().unwrap_or(u128::MAX), 18),
                        text
                    )));
                }
                l1.deposit_eth(eth(&to), value).await.map_err(l1_error)?
            } else {
                let address =
                    t.address.ok_or_else(|| msg(format!("{}'s contract is not known to the node yet", label(&t))))?;
                let have = l1.erc20_balance(eth(&address), me).await.map_err(l1_error)?;
                if have < U256::from(value) {
                    return Err(msg(format!(
                        "L1 balance {} {} does not cover {text}: nothing was sent",
                        format_units(have.try_into().unwrap_or(u128::MAX), decimals(&t)?),
                        label(&t)
                    )));
                }
                l1.deposit_erc20(eth(&address), value, eth(&to)).await.map_err(l1_error)?
            };
            let serial = mined.events::<zkpay_l1::bindings::Rollup::NewPriorityRequest>().first().map(|e| e.serialId);
            let mut block = None;
            if let (true, Some(serial)) = (wait, serial) {
                let bar = spinner(s, format!("deposit {serial}: waiting for an L2 block"));
                let deadline = tokio::time::Instant::now() + WAIT;
                loop {
                    if let Ok(p) = node.priority_op(serial).await {
                        if p.block.is_some() {
                            block = p.block;
                            break;
                        }
                    }
                    if tokio::time::Instant::now() > deadline {
                        bar.finish_and_clear();
                        return Err(msg(format!(
                            "deposit {serial} is on L1 (tx {}) but not yet in an L2 block",
                            mined.tx
                        )));
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                bar.finish_and_clear();
            }
            print(
                s,
                json!({ "l1Tx": mined.tx.to_string(), "serialId": serial.map(|x| x.to_string()), "block": block, "amount": value.to_string(), "token": t.id }),
                format!(
                    "deposited {text} {} to {to}: L1 tx {}, priority op {}{}",
                    label(&t),
                    mined.tx,
                    serial.map(|x| x.to_string()).unwrap_or_else(|| "?".into()),
                    block.map(|b| format!(", in block {b}")).unwrap_or_default()
                ),
            );
        }
        WalletCommand::SetKey { fee_token, fee, wait } => {
            let t = token(&node, &fee_token).await?;
            let fee = fee.map(|f| amount(&f, &t)).transpose()?;
            let wallet = Wallet::connect(node, open_secret(&s.wallet)?).await.map_err(client)?;
            let p = wallet.prepare_set_key(t.id, fee).await.map_err(client)?;
            let (value, text) = send(s, &wallet, p, wait, "set-key").await?;
            print(s, value, text);
        }
        WalletCommand::Transfer { to, amount: text, token: name, fee, wait } => {
            let to = parse_address(&to)?;
            let t = token(&node, &name).await?;
            let mut value = amount(&text, &t)?;
            let fee = fee.map(|f| amount(&f, &t)).transpose()?;
            if !zkpay_core::packing::AMOUNT_FLOAT.is_packable(value) {
                let closest = closest_packable_amount(value);
                let shown = format_units(closest, decimals(&t)?);
                if !confirm(&format!("{text} {} is not packable; send {shown} instead?", label(&t)), s.yes) {
                    return Err(msg(format!(
                        "{text} {} cannot be sent exactly (amounts are packed: docs/protocol.md §4); the closest is {shown}: pass --yes to send it",
                        label(&t)
                    )));
                }
                value = closest;
            }
            let wallet = Wallet::connect(node, open_secret(&s.wallet)?).await.map_err(client)?;
            let p = wallet.prepare_transfer(to, t.id, value, fee).await.map_err(client)?;
            let (value, text) = send(s, &wallet, p, wait, "transfer").await?;
            print(s, value, text);
        }
        WalletCommand::Withdraw { amount: text, token: name, to, fee, no_payout } => {
            let t = token(&node, &name).await?;
            let value = amount(&text, &t)?;
            let fee = fee.map(|f| amount(&f, &t)).transpose()?;
            let secret = open_secret(&s.wallet)?;
            let to = match to {
                Some(a) => parse_address(&a)?,
                None => secret.eth.address(),
            };
            let wallet = Wallet::connect(node, secret).await.map_err(client)?;
            // L1 is checked before anything is signed: a payout that cannot happen is said now.
            let l1 = if no_payout { None } else { Some(l1_client(s, wallet.secret(), &wallet.domain().rollup)?) };
            let p = wallet.prepare_withdraw(to, t.id, value, fee).await.map_err(client)?;
            let wait = if no_payout { WaitFor::Included } else { WaitFor::Finalized };
            let (mut value, mut text) = send(s, &wallet, p, wait, "withdraw").await?;
            if let Some(l1) = l1 {
                // Final: the amount is in the L1 pending balance; pay all of it out.
                let pending = l1.pending_balance(eth(&to), t.id).await.map_err(l1_error)?;
                let token_address = t.address.map(|a| eth(&a)).unwrap_or(EthAddress::ZERO);
                let mined = l1.withdraw_pending_balance(eth(&to), token_address, pending).await.map_err(l1_error)?;
                value["payout"] = json!({ "l1Tx": mined.tx.to_string(), "amount": pending.to_string(), "to": to });
                text.push_str(&format!(
                    "\npaid out {} {} to {to} on L1: tx {}",
                    format_units(pending, decimals(&t)?),
                    label(&t),
                    mined.tx
                ));
            }
            print(s, value, text);
        }
        WalletCommand::FullExit { token: name } => {
            let t = token(&node, &name).await?;
            let secret = open_secret(&s.wallet)?;
            let wallet = Wallet::connect(node, secret).await.map_err(client)?;
            let account = wallet.account().await.map_err(client)?;
            let l1 = l1_client(s, wallet.secret(), &wallet.domain().rollup)?;
            let token_address = t.address.map(|a| eth(&a)).unwrap_or(EthAddress::ZERO);
            let mined = l1.request_full_exit(account.id, token_address).await.map_err(l1_error)?;
            let serial = mined.events::<zkpay_l1::bindings::Rollup::NewPriorityRequest>().first().map(|e| e.serialId);
            print(
                s,
                json!({ "l1Tx": mined.tx.to_string(), "serialId": serial.map(|x| x.to_string()), "account": account.id }),
                format!(
                    "full exit of {} from account {} requested: L1 tx {}, priority op {} (the balance reaches the L1 pending balance once its block is final)",
                    label(&t),
                    account.id,
                    mined.tx,
                    serial.map(|x| x.to_string()).unwrap_or_else(|| "?".into())
                ),
            );
        }
        WalletCommand::Balance => {
            let ks = read_keystore(&s.wallet)?;
            let tokens = node.tokens().await.map_err(client)?;
            let name = |id: u16| tokens.iter().find(|t| t.id == id);
            let show = |id: u16, units: u128| match name(id).and_then(|t| t.decimals.map(|d| (t, d))) {
                Some((t, d)) => format!("{} {}", format_units(units, d), label(t)),
                None => format!("{units} (token {id}, base units)"),
            };
            let account = match node.account(&ks.address.to_string()).await {
                Ok(a) => Some(a),
                Err(e) if e.code() == Some(zkpay_client::types::ErrorCode::NotFound) => None,
                Err(e) => return Err(client(e)),
            };
            let mut text = format!("{}", ks.address);
            match &account {
                None => text.push_str("\nno L2 account yet (deposit first)"),
                Some(a) => {
                    text.push_str(&format!("\nL2 account {} (nonce {})", a.id, a.nonce));
                    for (id, v) in &a.balances {
                        let fin = a.finalized.as_ref().and_then(|f| f.balances.get(id)).map_or(0, |b| b.0);
                        text.push_str(&format!("\n  {}   (finalized on L1: {})", show(*id, v.0), show(*id, fin)));
                    }
                }
            }
            let mut l1_json = Value::Null;
            if let Some(url) = &s.l1 {
                let l1 =
                    zkpay_l1::L1Client::connect(url, PrivateKeySigner::random(), EthAddress::ZERO).map_err(l1_error)?;
                let eth_balance = l1.eth_balance(eth(&ks.address)).await.map_err(l1_error)?;
                let eth_balance: u128 = eth_balance.try_into().unwrap_or(u128::MAX);
                text.push_str(&format!("\nL1 {}", show(0, eth_balance)));
                l1_json = json!({ "eth": eth_balance.to_string() });
            }
            print(s, json!({ "address": ks.address, "account": account, "l1": l1_json }), text);
        }
        WalletCommand::History { limit } => {
            let ks = read_keystore(&s.wallet)?;
            let page = node.history(&ks.address.to_string(), None, limit.clamp(1, 100)).await.map_err(client)?;
            let lines: Vec<String> = page
                .data
                .iter()
                .map(|t| {
                    format!(
                        "{} {:?} {}",
                        t.hash,
                        t.status,
                        serde_json::to_value(&t.tx).map(|v| v["type"].to_string()).unwrap_or_default()
                    )
                })
                .collect();
            print(s, json!({ "txs": page.data, "nextCursor": page.next_cursor }), lines.join("\n"));
        }
        WalletCommand::Status { tx } => {
            let info = node.tx(&tx).await.map_err(client)?;
            let text = format!(
                "{} {:?}{}",
                info.hash,
                info.status,
                info.block.map(|b| format!(" in block {b}")).unwrap_or_default()
            );
            print(s, serde_json::to_value(&info).unwrap_or(Value::Null), text);
        }
        WalletCommand::Watch { after } => {
            let ks = read_keystore(&s.wallet)?;
            let mut request =
                EventsRequest { after, types: vec![], accounts: vec![ks.address.to_string()], txs: vec![] };
            loop {
                let mut stream = node.events(&request).await.map_err(client)?;
                while let Ok(Some(e)) = stream.next().await {
                    request.after = Some(e.id);
                    if s.json {
                        println!("{}", serde_json::to_string(&e).unwrap_or_default());
                    } else {
                        let what = e.tx.as_ref().map(|t| t.hash.clone()).unwrap_or_default();
                        println!("{} {} {what}", e.id, e.event_type);
                    }
                }
                // The stream ended (the node restarted): resume after the last event.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    Ok(())
}
