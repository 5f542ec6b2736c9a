//! `zkpay`: the zkpay command-line binary (node, tools and benchmarks).

mod alloc_counter;
mod bench;
mod ceremony_cmd;
mod dev_cmd;
mod exit_cmd;
mod keygen;
mod node_cmd;
mod prover_cmd;
mod wallet_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// zkpay: a payments ZK rollup on Ethereum.
#[derive(Parser)]
#[command(name = "zkpay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the node: durable mempool, sequencer and HTTP API (config: --config FILE, ZKPAY_*, flags).
    Node(node_cmd::NodeArgs),
    /// Prove blocks for a node: lease jobs over HTTP, prove, hand the proofs in (--node URL --token T).
    Prover(prover_cmd::ProverArgs),
    /// Measure the implementation against reference crates on the same inputs.
    Bench(bench::BenchArgs),
    /// Generate Groth16 keys for the circuits (dev keys from a public seed by default), or check them.
    Keygen(keygen::KeygenArgs),
    /// Production keys by a multi-party ceremony: init, contribute, begin-phase2, verify, finalize.
    Ceremony(ceremony_cmd::CeremonyArgs),
    /// Exit your funds through exodus when the operator is gone, from L1 data alone (key in
    /// ZKPAY_L1_PRIVATE_KEY).
    Exit(exit_cmd::ExitArgs),
    /// The whole rollup on this machine: anvil, the contracts, the node with its prover, funded
    /// demo wallets (--demo: a scripted scenario, then exit).
    Dev(dev_cmd::DevArgs),
    /// A wallet: keys in an encrypted file; deposit, set-key, transfer, withdraw, full-exit,
    /// balance, history, status, watch (--json for scripts).
    Wallet(wallet_cmd::WalletArgs),
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A command's own explanation.
    #[error("{0}")]
    Message(String),
    /// The configuration.
    #[error(transparent)]
    Config(#[from] zkpay_cli::config::ConfigError),
    /// The node.
    #[error(transparent)]
    Node(#[from] zkpay_node::NodeError),
    /// The async runtime could not start.
    #[error("tokio runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// stdout could not be silenced around proving.
    #[error("silencing the prover's stdout: {0}")]
    Gag(#[source] std::io::Error),
}

// The benchmarks' and keygen's helpers still explain failures as text.
impl From<CliError> for String {
    fn from(e: CliError) -> Self {
        e.to_string()
    }
}

impl From<String> for CliError {
    fn from(s: String) -> Self {
        CliError::Message(s)
    }
}

/// Run `f` with fd 1 silenced: bellman's prover prints progress lines on stdout (an unconditional
/// `println!`), which would break `--json` output.
pub(crate) fn quiet_stdout<T>(f: impl FnOnce() -> T) -> Result<T, CliError> {
    let gag = gag::Gag::stdout().map_err(CliError::Gag)?;
    let out = f();
    drop(gag);
    Ok(out)
}

/// The async runtime of the commands (two workers: these machines have two cores).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(CliError::Runtime)
}

/// Structured logs on stderr: `ZKPAY_LOG` (or `RUST_LOG`) filters, default `info`.
pub(crate) fn init_logs(json: bool) {
    init_logs_at(json, "info")
}

/// [`init_logs`] with another default level.
pub(crate) fn init_logs_at(json: bool, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("ZKPAY_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Node(args) => node_cmd::run(args),
        Command::Prover(args) => prover_cmd::run(args),
        Command::Bench(args) => bench::run(args).map_err(CliError::from),
        Command::Keygen(args) => keygen::run(args).map_err(CliError::from),
        Command::Ceremony(args) => ceremony_cmd::run(args).map_err(CliError::from),
        Command::Exit(args) => exit_cmd::run(args),
        Command::Wallet(args) => wallet_cmd::run(args),
        Command::Dev(args) => dev_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
