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
