//! `zkpay keygen`: generate Groth16 keys for the circuits into a keys directory, or check the keys
//! that are there (PROTOCOL §11).
//!
//! Dev keys (the default) come from the public seed `zkpay_circuit::keys::DEV_SEED`, so every run
//! writes byte-identical files and anyone can regenerate the proving key that matches the committed
//! `keys/*.vk.json`; they are insecure. `--production` draws from OS entropy and, since such keys
//! cannot be regenerated, they are never overwritten without `--force`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zkpay_circuit::bellman_ce::groth16::Parameters;
use zkpay_circuit::block::{block_circuit_name, block_size_of_name, BlockCircuit};
use zkpay_circuit::exit::{ExitCircuit, EXIT_CIRCUIT_NAME};
use zkpay_circuit::keys::{
    circuit_info, generate_dev_keys, generate_production_keys, load_keys, read_verification_key, verification_key_path,
    write_keys, CircuitInfo, KeyError, KeyKind, DEV_SEED,
};
use zkpay_circuit::Engine;
use zkpay_core::params::DEV_BLOCK_SIZES;

/// Arguments of `zkpay keygen`.
#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Directory of the key files (`<circuit>.pk`, `<circuit>.vk.json`).
    #[arg(long, default_value = "keys")]
    keys_dir: PathBuf,
    /// Generate production keys from OS entropy instead of the insecure dev keys from the public seed.
    #[arg(long, conflicts_with = "check")]
    production: bool,
    /// Circuits to generate keys for (comma-separated): `exit`, and `block` for one block circuit
    /// per size of `--block-sizes` (keys `block_<chunks>`).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "exit,block")]
    circuits: Vec<CircuitKind>,
    /// Block sizes in chunks for `--circuits block` (comma-separated; default: the dev deployment's
    /// sizes, 8,32). Each size is its own circuit `block_<chunks>` with its own keys.
    #[arg(long, value_delimiter = ',', value_name = "CHUNKS", value_parser = parse_block_size)]
    block_sizes: Option<Vec<usize>>,
    /// Overwrite existing production keys.
    #[arg(long, conflicts_with = "check")]
    force: bool,
    /// Generate nothing: load every key pair in the directory with the integrity checks.
    #[arg(long)]
    check: bool,
    /// Generate nothing: write one Solidity verifier (`verify_<circuit>` per key, batched checks for
    /// single-input keys) for every `*.vk.json` in the directory to this path. Deterministic output.
    #[arg(long, value_name = "PATH.sol", conflicts_with_all = ["check", "production", "force"])]
    export_verifier: Option<PathBuf>,
}

/// The largest block size keygen accepts: a block circuit costs ~27.7k constraints per chunk and
/// keygen ~2 KB of memory per constraint, so 1,024 chunks already need ~28M constraints and ~60 GB;
/// anything larger is surely a typo.
const MAX_KEYGEN_BLOCK_CHUNKS: usize = 1024;

fn parse_block_size(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| format!("{s:?} is not a number of chunks"))?;
    if n == 0 || n > MAX_KEYGEN_BLOCK_CHUNKS {
        return Err(format!("a block size must be between 1 and {MAX_KEYGEN_BLOCK_CHUNKS} chunks, got {n}"));
    }
    Ok(n)
}

/// The circuit families of `--circuits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CircuitKind {
    /// The exodus exit circuit.
    Exit,
    /// The block circuit, one per size of `--block-sizes`.
    Block,
}

/// One circuit that has keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CircuitName {
    /// The exodus exit circuit.
    Exit,
    /// The block circuit of this many chunks.
    Block(usize),
}

impl CircuitName {
    fn name(self) -> String {
        match self {
            CircuitName::Exit => EXIT_CIRCUIT_NAME.to_string(),
            CircuitName::Block(n) => block_circuit_name(n),
        }
    }

    /// The circuit a key file name belongs to (`exit`, `block_<n>` in its canonical spelling).
    fn from_name(name: &str) -> Option<CircuitName> {
        if name == EXIT_CIRCUIT_NAME {
            return Some(CircuitName::Exit);
        }
        block_size_of_name(name).filter(|&n| block_circuit_name(n) == name).map(CircuitName::Block)
    }

    fn info(self) -> Result<CircuitInfo, KeyError> {
        match self {
            CircuitName::Exit => Ok(circuit_info(&self.name(), ExitCircuit::blank())?),
            CircuitName::Block(n) => Ok(circuit_info(&self.name(), BlockCircuit::blank(n))?),
        }
    }

    fn generate(self, production: bool) -> Result<Parameters<Engine>, KeyError> {
        match (self, production) {
            (CircuitName::Exit, false) => generate_dev_keys(ExitCircuit::blank(), DEV_SEED),
            (CircuitName::Exit, true) => generate_production_keys(ExitCircuit::blank()),
            (CircuitName::Block(n), false) => generate_dev_keys(BlockCircuit::blank(n), DEV_SEED),
            (CircuitName::Block(n), true) => generate_production_keys(BlockCircuit::blank(n)),
        }
    }
}

/// The circuits `--circuits` and `--block-sizes` select, in order, without repeats.
fn selected_circuits(args: &KeygenArgs) -> Result<Vec<CircuitName>, String> {
    let wants_blocks = args.circuits.contains(&CircuitKind::Block);
    if args.block_sizes.is_some() && !wants_blocks {
        return Err("--block-sizes is given but --circuits does not include `block`".into());
    }
    let sizes = args.block_sizes.clone().unwrap_or_else(|| DEV_BLOCK_SIZES.to_vec());
    let mut out = Vec::new();
    for kind in &args.circuits {
        let add: Vec<CircuitName> = match kind {
            CircuitKind::Exit => vec![CircuitName::Exit],
            CircuitKind::Block => sizes.iter().map(|&n| CircuitName::Block(n)).collect(),
        };
        for c in add {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// Progress on stderr: a spinner on a terminal, plain lines otherwise (logs, CI, tests).
enum Progress {
    Bar(ProgressBar),
    Lines,
}

impl Progress {
    fn new() -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} [{elapsed}] {msg}").expect("static template"));
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress::Bar(bar)
        } else {
            Progress::Lines
        }
    }

    fn step(&self, msg: String) {
        match self {
            Progress::Bar(bar) => bar.set_message(msg),
            Progress::Lines => eprintln!("{msg}"),
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Run `zkpay keygen`.
pub fn run(args: KeygenArgs) -> Result<(), String> {
    if args.check {
        return check(&args.keys_dir);
    }
    if let Some(path) = &args.export_verifier {
        return export(&args.keys_dir, path);
    }
    let circuits = selected_circuits(&args)?;
    // Refuse before any work: a long keygen that then cannot write helps nobody.
    for c in &circuits {
        let vk_path = verification_key_path(&args.keys_dir, &c.name());
        if vk_path.exists() && !args.force {
            let existing = read_verification_key(&vk_path).map(|(f, _)| f.kind);
            // An unreadable file may well be production keys: treat it as such.
            if !matches!(existing, Ok(KeyKind::Dev)) {
                return Err(format!(
                    "{} holds production (or unreadable) keys; refusing to overwrite them without --force",
                    vk_path.display()
                ));
            }
        }
    }
    if !args.production {
        eprintln!(
            "note: dev keys from the public seed {:?} are insecure: anyone can forge proofs with them; \
             use them on a local dev chain only",
            String::from_utf8_lossy(DEV_SEED)
        );
    }
    let progress = Progress::new();
    let result = circuits.iter().try_for_each(|&c| generate_one(c, &args, &progress));
    progress.finish();
    result
}

fn generate_one(circuit: CircuitName, args: &KeygenArgs, progress: &Progress) -> Result<(), String> {
    let name = circuit.name();
    let kind = if args.production { "production" } else { "dev" };
    progress.step(format!("{name}: counting constraints"));
    let info = circuit.info().map_err(|e| e.to_string())?;
    progress.step(format!("{name}: generating {kind} keys ({} constraints)", info.constraints));
    let start = Instant::now();
    let params = circuit.generate(args.production).map_err(|e| e.to_string())?;
    let took = start.elapsed();
    progress.step(format!("{name}: writing keys to {}", args.keys_dir.display()));
    let seed = (!args.production).then_some(DEV_SEED);
    let written = write_keys(&args.keys_dir, &info, &params, seed).map_err(|e| e.to_string())?;
    progress.step(format!("{name}: done in {took:.1?}"));
    println!(
        "{name}: wrote {} ({:.1} MB, sha256 {}) and {} ({kind} keys, {} public inputs, {} constraints) in {took:.1?}",
        written.proving_key.display(),
        written.proving_key_bytes as f64 / 1e6,
        written.file.proving_key_sha256,
        written.verification_key.display(),
        info.num_inputs,
        info.constraints,
    );
    Ok(())
}

/// The circuit names of the `*.vk.json` files in `dir`, sorted.
fn key_names(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".vk.json")).map(str::to_string))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("no verification keys (*.vk.json) in {}", dir.display()));
    }
    Ok(names)
}

/// Write the Solidity verifier for every verification key in `dir` (proving keys are not needed;
/// `DEV_KEYS` in the contract follows the keys' recorded kind).
fn export(dir: &Path, out: &Path) -> Result<(), String> {
    let (source, names) = zkpay_circuit::verifier_sol::export_verifier_dir(dir).map_err(|e| e.to_string())?;
    if names.is_empty() {
        return Err(format!("no verification keys (*.vk.json) in {}", dir.display()));
    }
    // Through a temp file and a rename, so a crash never leaves half a contract behind.
    let tmp = out.with_extension("sol.tmp");
    std::fs::write(&tmp, &source).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "wrote {} ({} bytes): {}",
        out.display(),
        source.len(),
        names.iter().map(|n| format!("verify_{n}")).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Load every `*.vk.json` in `dir` with its proving key and every integrity check; known circuits
/// are also compared with their current shape (a stale key after a circuit change is an error).
fn check(dir: &Path) -> Result<(), String> {
    let names = key_names(dir)?;
    let mut failures = Vec::new();
    for name in &names {
        let result = load_keys(dir, name).and_then(|keys| {
            if let Some(circuit) = CircuitName::from_name(name) {
                keys.file.ensure_circuit(&circuit.info()?, &verification_key_path(dir, name))?;
            }
            Ok(keys.file)
        });
        match result {
            Ok(file) => println!(
                "ok {name}: {} matches {} ({} keys, {} public inputs, {} constraints)",
                dir.join(format!("{name}.pk")).display(),
                verification_key_path(dir, name).display(),
                match file.kind {
                    KeyKind::Dev => "dev",
                    KeyKind::Production => "production",
                },
                file.num_public_inputs,
                file.constraints
            ),
            Err(e) => {
                println!("FAILED {name}: {e}");
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} of {} key pairs failed the check:\n  {}", failures.len(), names.len(), failures.join("\n  ")))
    }
}
