//! `zkpay exit`: one command from "the operator is gone" to funds on L1 (PROTOCOL §10, §12). It
//! reads nothing but L1 (through `--rpc`) and this repository's keys: activates exodus mode when
//! it is due, restores the state from L1 events and calldata, proves the exit of `--token` for the
//! signer's account, performs the exodus and withdraws. The L1 key comes from the environment
//! (`ZKPAY_L1_PRIVATE_KEY`, 0x-hex), never from the command line, where other users could read it.

use alloy::primitives::Address as EthAddress;
use alloy::signers::local::PrivateKeySigner;
use std::path::PathBuf;
use zkpay_cli::exodus::{exit, exit_proving_key, ExitOptions};
use zkpay_cli::paths::dev_keys_cache_dir;
use zkpay_l1::L1Client;

/// The environment variable holding the L1 private key.
const KEY_ENV: &str = "ZKPAY_L1_PRIVATE_KEY";

/// Arguments of `zkpay exit`.
#[derive(clap::Args)]
pub struct ExitArgs {
    /// L1 JSON-RPC endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// The Rollup contract's address.
    #[arg(long)]
    rollup: String,
    /// Token id to exit (0 = ETH).
    #[arg(long, default_value_t = 0)]
    token: u16,
    /// L1 block to read history from (the deployment's block makes it faster; 0 always works).
    #[arg(long, default_value_t = 0)]
    from_block: u64,
    /// The genesis operator's address (default: the first validator Governance activated).
    #[arg(long)]
    operator: Option<String>,
    /// Directory with `exit.vk.json` and, for production keys, `exit.pk`.
    #[arg(long, default_value = "keys")]
    keys_dir: PathBuf,
    /// Leave the funds as a pending balance on the Rollup instead of withdrawing them.
    #[arg(long)]
    no_withdraw: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

fn parse_address(what: &str, s: &str) -> Result<EthAddress, String> {
    s.parse().map_err(|e| format!("{what} {s:?} is not an address: {e}"))
}

/// Run `zkpay exit`.
pub fn run(args: ExitArgs) -> Result<(), crate::CliError> {
    let key =
        std::env::var(KEY_ENV).map_err(|_| format!("set {KEY_ENV} to the 0x-hex private key of your L1 address"))?;
    let signer: PrivateKeySigner = key.trim().parse().map_err(|e| format!("{KEY_ENV} is not a private key: {e}"))?;
    let rollup = parse_address("--rollup", &args.rollup)?;
    let operator = args.operator.as_deref().map(|s| parse_address("--operator", s)).transpose()?;
    let pk = exit_proving_key(&args.keys_dir, &dev_keys_cache_dir()).map_err(|e| e.to_string())?;
    let client = L1Client::connect(&args.rpc, signer, rollup).map_err(|e| e.to_string())?;
    let options = ExitOptions { token: args.token, from_block: args.from_block, operator, withdraw: !args.no_withdraw };
    let runtime = crate::runtime()?;
    // Stdout is for the result alone.
    let report = crate::quiet_stdout(|| runtime.block_on(exit(&client, &pk, &options)))?.map_err(|e| e.to_string())?;
    if args.json {
        let v = serde_json::json!({
            "account": report.account,
            "token": report.token,
            "amount": report.amount.to_string(),
            "lastExecutedBlock": report.last_executed.blockNumber,
            "activatedExodus": report.activated_exodus,
            "exodusTx": report.exodus_tx.to_string(),
            "withdrawTx": report.withdraw_tx.map(|t| t.to_string()),
        });
        println!("{v}");
    } else {
        if report.activated_exodus {
            println!("activated exodus mode");
        }
        println!(
            "exited {} of token {} from account {} (state of block {}): performExodus {}",
            report.amount, report.token, report.account, report.last_executed.blockNumber, report.exodus_tx
        );
        match report.withdraw_tx {
            Some(tx) => println!("withdrawn to {}: {tx}", client.sender()),
            None => println!("left as a pending balance on the Rollup (withdrawPendingBalance to collect it)"),
        }
    }
    Ok(())
}
