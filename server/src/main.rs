//! `zkpay`: the zkpay command-line binary (node, tools and benchmarks).

mod alloc_counter;
mod bench;
mod exit_cmd;
mod keygen;

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
    /// Measure the implementation against reference crates on the same inputs.
    Bench(bench::BenchArgs),
    /// Generate Groth16 keys for the circuits (dev keys from a public seed by default), or check them.
    Keygen(keygen::KeygenArgs),
    /// Exit your funds through exodus when the operator is gone, from L1 data alone (key in
    /// ZKPAY_L1_PRIVATE_KEY).
    Exit(exit_cmd::ExitArgs),
}

/// Run `f` with fd 1 silenced: bellman's prover prints progress lines on stdout (an unconditional
/// `println!`), which would break `--json` output.
pub(crate) fn quiet_stdout<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let gag = gag::Gag::stdout().map_err(|e| format!("silencing the prover's stdout: {e}"))?;
    let out = f();
    drop(gag);
    Ok(out)
}

/// The async runtime of the commands that talk to L1 (two workers: these machines have two cores).
pub(crate) fn l1_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(args) => bench::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Exit(args) => exit_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
