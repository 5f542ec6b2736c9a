//! `zkpay bench …`: benchmarks that measure our code against reference implementations in the same
//! run, so the ratios hold on a noisy 2-core machine. Figures go to `docs/benchmarks.md`.

mod api;
mod circuit;
mod eddsa_bench;
mod l1_gas;
mod node;
mod pipeline;
mod primitives;
mod prover;
mod report;
mod state;

pub use report::Report;

/// Arguments of `zkpay bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Which suite to run.
    #[arg(value_enum)]
    suite: Suite,
    /// Print one JSON object per line (`{"suite","name","value","unit"}`) instead of a table.
    #[arg(long)]
    json: bool,
    /// Scale the iteration counts (e.g. 0.1 for a quick smoke run).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// `circuit`: where to look for `block_8.pk`/`block_8.vk.json` for the proving figures (used if
    /// they pass every integrity check and match the circuit; otherwise dev keys are generated into
    /// a temporary directory and the generation is timed).
    #[arg(long, default_value = "keys")]
    keys_dir: std::path::PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Suite {
    /// Poseidon, EdDSA verification, state-tree updates and memory.
    Primitives,
    /// The state transition with 100,000 accounts: transfers per second, witness update rate.
    State,
    /// Circuit constraint counts and proving times.
    Circuit,
    /// L1 gas on anvil with real proofs: commit per transfer, verify, execute, deposit, exodus.
    L1Gas,
    /// The node over HTTP: transfers accepted per second (durable), latency, sealed per second.
    Node,
    /// The merchant API: GET requests per second, SSE fan-out latency, webhook deliveries per second.
    Api,
    /// The node's L1 pipeline on anvil with real proofs: time to finality, proving throughput
    /// with 1 and 2 workers.
    Pipeline,
    /// The fast Groth16 prover against bellman_ce's: MSM and FFT kernels, the 8-chunk block with
    /// the same key, witness and r, s (both proofs verified), the speed-up, peak memory.
    Prover,
    /// Internal: one bellman_ce proof of the 8-chunk block, peak RSS (a child of `bench prover`).
    #[value(hide = true)]
    ProverChildBellman,
    /// Internal: one fast-prover proof of the 8-chunk block, peak RSS (a child of `bench prover`).
    #[value(hide = true)]
    ProverChildFast,
    /// Internal: prove the 8-chunk vector block with the keys in `--keys-dir` and print one JSON
    /// line with the times and this process's peak RSS (run as a child of `bench circuit`).
    #[value(hide = true)]
    ProveBlock8Child,
}

/// Run one suite and print its report.
pub fn run(args: BenchArgs) -> Result<(), String> {
    if !(args.scale > 0.0 && args.scale <= 100.0) {
        return Err(format!("--scale must be in (0, 100], got {}", args.scale));
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run benchmarks with `cargo run --release`");
    }
    let mut report = Report::new(match args.suite {
        Suite::Primitives => "primitives",
        Suite::State => "state",
        Suite::Circuit => "circuit",
        Suite::L1Gas => "l1-gas",
        Suite::Node => "node",
        Suite::Pipeline => "pipeline",
        Suite::Api => "api",
        Suite::Prover => "prover",
        Suite::ProverChildBellman => return prover::child(&args.keys_dir, false),
        Suite::ProverChildFast => return prover::child(&args.keys_dir, true),
        Suite::ProveBlock8Child => return circuit::prove_block8_child(&args.keys_dir, args.scale),
    });
    match args.suite {
        Suite::Primitives => primitives::run(&mut report, args.scale)?,
        Suite::State => state::run(&mut report, args.scale)?,
        Suite::Circuit => circuit::run(&mut report, args.scale, &args.keys_dir)?,
        Suite::L1Gas => l1_gas::run(&mut report)?,
        Suite::Node => node::run(&mut report, args.scale)?,
        Suite::Pipeline => pipeline::run(&mut report, args.scale)?,
        Suite::Api => api::run(&mut report, args.scale)?,
        Suite::Prover => prover::run(&mut report, args.scale, &args.keys_dir)?,
        Suite::ProverChildBellman | Suite::ProverChildFast | Suite::ProveBlock8Child => {}
    }
    report.print(args.json);
    Ok(())
}
