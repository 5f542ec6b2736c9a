//! `zkpay ceremony`: production Groth16 keys from a multi-party computation (PROTOCOL §12), sound
//! if any one contributor per phase was honest. The maths is `zkpay_circuit::ceremony`.
//!
//! ```text
//! zkpay ceremony init --circuit block_8 --out t0           # phase 1, from generators
//! zkpay ceremony contribute --in t0 --out t1 --name alice  # each party in turn (phase 1)
//! zkpay ceremony begin-phase2 --in t3 --out t4             # deterministic: anyone can redo it
//! zkpay ceremony contribute --in t4 --out t5 --name bob    # each party in turn (phase 2)
//! zkpay ceremony verify --in t6                            # the whole transcript
//! zkpay ceremony finalize --in t6 --keys-dir keys          # block_8.pk + block_8.vk.json
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;
use zkpay_circuit::block::{block_circuit_name, block_size_of_name, BlockCircuit};
use zkpay_circuit::ceremony::{synthesize, toy_circuit_of_name, R1cs, Transcript};
use zkpay_circuit::exit::{ExitCircuit, EXIT_CIRCUIT_NAME};
use zkpay_circuit::keys::{read_verification_key, verification_key_path, write_keys, KeyKind};

/// Arguments of `zkpay ceremony`.
#[derive(clap::Args)]
pub struct CeremonyArgs {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    /// Start a transcript for a circuit (`exit`, `block_<chunks>`, or `toy_<n>` for tests).
    Init {
        /// The circuit's key name.
        #[arg(long)]
        circuit: String,
        /// The new transcript.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add your contribution to the transcript's current phase. Secrets come from the OS and
    /// optional input of yours, and exist only in this process.
    Contribute {
        /// The transcript to contribute to.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the transcript with your contribution.
        #[arg(long)]
        out: PathBuf,
        /// Your name or a note, public in the transcript.
        #[arg(long, default_value = "")]
        name: String,
        /// Extra entropy of yours mixed into the OS's: a file, or `-` for stdin. On a terminal
        /// without this option you are asked to type some (hidden; Enter to skip).
        #[arg(long, value_name = "PATH")]
        entropy_file: Option<PathBuf>,
    },
    /// Close phase 1 and start phase 2 from the circuit's queries (verifies phase 1 first).
    BeginPhase2 {
        /// A phase-1 transcript.
        #[arg(long = "in")]
        input: PathBuf,
        /// The phase-2 transcript.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify the whole transcript against the circuit: every contribution and the state.
    Verify {
        /// The transcript.
        #[arg(long = "in")]
        input: PathBuf,
    },
    /// Verify the transcript and write its keys (`<circuit>.pk`, `<circuit>.vk.json`, kind production).
    Finalize {
        /// A phase-2 transcript with at least one phase-2 contribution.
        #[arg(long = "in")]
        input: PathBuf,
        /// Directory of the key files.
        #[arg(long, default_value = "keys")]
        keys_dir: PathBuf,
        /// Overwrite existing production keys.
        #[arg(long)]
        force: bool,
    },
}

/// The constraint system of a circuit by key name.
fn r1cs_of(name: &str) -> Result<R1cs, String> {
    let started = Instant::now();
    let r = if name == EXIT_CIRCUIT_NAME {
        synthesize(ExitCircuit::blank())
    } else if let Some(n) = block_size_of_name(name).filter(|&n| block_circuit_name(n) == name && n <= 1024) {
        synthesize(BlockCircuit::blank(n))
    } else if let Some(toy) = toy_circuit_of_name(name) {
        synthesize(toy)
    } else {
        return Err(format!("unknown circuit {name:?}: expected `exit`, `block_<chunks>` or `toy_<n>`"));
    };
    let r = r.map_err(|e| format!("synthesizing {name}: {e}"))?;
    eprintln!(
        "{name}: {} constraints with the input constraints, domain 2^{}, synthesized in {:.1?}",
        r.num_constraints,
        r.log_domain,
        started.elapsed()
    );
    Ok(r)
}

/// Read a transcript and the circuit its header names.
fn read(path: &Path) -> Result<(Transcript, R1cs), String> {
    let open = || {
        File::open(path).map(|f| BufReader::with_capacity(1 << 20, f)).map_err(|e| format!("{}: {e}", path.display()))
    };
    let name = Transcript::read_circuit_name(&mut open()?).map_err(|e| format!("{}: {e}", path.display()))?;
    let r1cs = r1cs_of(&name)?;
    let t = Transcript::read(&mut open()?, &r1cs).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((t, r1cs))
}

/// Write through a temporary file and a rename: a crash never leaves half a transcript.
fn write(path: &Path, t: &Transcript) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let err = |e: std::io::Error| format!("{}: {e}", tmp.display());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(err)?);
    t.write(&mut w).map_err(err)?;
    w.into_inner().map_err(|e| err(e.into_error()))?.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn user_entropy(file: Option<&Path>) -> Result<Vec<u8>, String> {
    match file {
        Some(p) if p == Path::new("-") => {
            let mut v = Vec::new();
            std::io::stdin().read_to_end(&mut v).map_err(|e| format!("stdin: {e}"))?;
            Ok(v)
        }
        Some(p) => std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())),
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("type some random text for extra entropy (hidden; Enter to skip): ")
                .map(String::into_bytes)
                .map_err(|e| format!("reading entropy: {e}"))
        }
        None => Ok(Vec::new()),
    }
}

/// Run `zkpay ceremony`.
pub fn run(args: CeremonyArgs) -> Result<(), String> {
    match args.step {
        Step::Init { circuit, out } => {
            let r1cs = r1cs_of(&circuit)?;
            let t = Transcript::new(&circuit, &r1cs).map_err(|e| e.to_string())?;
            write(&out, &t)?;
            println!("{}: phase 1 of {circuit} started, transcript hash 0x{}", out.display(), hex::encode(t.hash()));
        }
        Step::Contribute { input, out, name, entropy_file } => {
            let (mut t, _) = read(&input)?;
            let entropy = user_entropy(entropy_file.as_deref())?;
            let started = Instant::now();
            let hash = t.contribute(&name, &entropy).map_err(|e| e.to_string())?;
            let took = started.elapsed();
            write(&out, &t)?;
            let index = match &t.phase2 {
                Some(p2) => p2.contributions.len(),
                None => t.phase1.len(),
            };
            println!(
                "{}: phase {} contribution #{index} ({name:?}) in {took:.1?}; transcript hash 0x{} \
                 (publish it: `verify` lists it for your contribution)",
                out.display(),
                t.phase(),
                hex::encode(hash)
            );
        }
        Step::BeginPhase2 { input, out } => {
            let (mut t, r1cs) = read(&input)?;
            let started = Instant::now();
            t.begin_phase2(&r1cs).map_err(|e| e.to_string())?;
            write(&out, &t)?;
            println!(
                "{}: phase 1 verified ({} contributions) and phase 2 begun in {:.1?}",
                out.display(),
                t.phase1.len(),
                started.elapsed()
            );
        }
        Step::Verify { input } => {
            let (t, r1cs) = read(&input)?;
            let started = Instant::now();
            let v = t.verify(&r1cs).map_err(|e| format!("{}: {e}", input.display()))?;
            for (phase, list) in [(1, &v.phase1), (2, &v.phase2)] {
                for (i, (label, hash)) in list.iter().enumerate() {
                    println!(
                        "ok phase {phase} contribution #{} ({label:?}): transcript hash 0x{}",
                        i + 1,
                        hex::encode(hash)
                    );
                }
            }
            println!(
                "ok {}: the {} transcript verifies (phase {}, {} + {} contributions) in {:.1?}",
                input.display(),
                t.circuit,
                t.phase(),
                v.phase1.len(),
                v.phase2.len(),
                started.elapsed()
            );
        }
        Step::Finalize { input, keys_dir, force } => {
            let (t, r1cs) = read(&input)?;
            let vk_path = verification_key_path(&keys_dir, &t.circuit);
            if vk_path.exists()
                && !force
                && !matches!(read_verification_key(&vk_path), Ok((f, _)) if f.kind == KeyKind::Dev)
            {
                return Err(format!(
                    "{} holds production (or unreadable) keys; refusing to overwrite them without --force",
                    vk_path.display()
                ));
            }
            let started = Instant::now();
            let params = t.finalize(&r1cs).map_err(|e| format!("{}: {e}", input.display()))?;
            let written = write_keys(&keys_dir, &t.circuit_info(), &params, None).map_err(|e| e.to_string())?;
            println!(
                "{}: wrote {} ({:.1} MB, sha256 {}) and {} (production keys from {} + {} contributions) in {:.1?}",
                t.circuit,
                written.proving_key.display(),
                written.proving_key_bytes as f64 / 1e6,
                written.file.proving_key_sha256,
                written.verification_key.display(),
                t.phase1.len(),
                t.phase2.as_ref().map_or(0, |p| p.contributions.len()),
                started.elapsed()
            );
        }
    }
    Ok(())
}
