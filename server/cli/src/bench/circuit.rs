//! `zkpay bench circuit`: constraint counts of the gadgets, each measured by synthesizing it with
//! real witness values from `zkpay-core` into the satisfiability-checking test constraint system
//! (so the count is of a satisfied instance, not a formula), and the exit circuit's key generation
//! and proving time; the block circuit's constraints (per chunk, fixed, one chunk by part), witness
//! cost, and proving time and peak memory of an 8-chunk block (see `docs/benchmarks.md`).

use super::Report;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zkpay_circuit::bellman_ce::{Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::{block_circuit_name, BlockCircuit};
use zkpay_circuit::gadgets::bits::alloc_bits_le;
use zkpay_circuit::gadgets::{eddsa, merkle, poseidon, sha256, Num};
use zkpay_circuit::keys::{
    circuit_info, generate_dev_keys, load_keys, verification_key_path, write_keys, CircuitInfo, DEV_SEED,
};
use zkpay_circuit::prover::{prove, verify};
use zkpay_circuit::test_cs::TestConstraintSystem;
use zkpay_circuit::Engine;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::field::{fr_from_u64, Fr};
use zkpay_core::types::Address;
use zkpay_core::vectors::vector_blocks;

/// Synthesize `f` into a fresh test constraint system; error unless it is satisfied. `f` returns
/// the constraint count before the measured gadget (its inputs' allocation is not counted).
fn count(
    name: &str,
    f: impl FnOnce(&mut TestConstraintSystem) -> Result<usize, SynthesisError>,
) -> Result<f64, String> {
    let mut cs = TestConstraintSystem::new();
    let before = f(&mut cs).map_err(|e| format!("{name}: {e}"))?;
    if let Some(unsat) = cs.which_is_unsatisfied() {
        return Err(format!("{name}: unsatisfied at {unsat}"));
    }
    Ok((cs.num_constraints() - before) as f64)
}

fn alloc(cs: &mut TestConstraintSystem, name: &str, v: Fr) -> Result<Num, SynthesisError> {
    Num::alloc(cs.namespace(|| name.to_string()), Some(v))
}

/// Record the gadget counts.
pub fn gadget_counts(report: &mut Report) -> Result<(), String> {
    report.add(
        "poseidon2_gadget_constraints",
        count("poseidon2", |cs| {
            let a = alloc(cs, "a", fr_from_u64(1))?;
            let b = alloc(cs, "b", fr_from_u64(2))?;
            let before = cs.num_constraints();
            poseidon::poseidon_hash2(cs.namespace(|| "h"), &a, &b)?;
            Ok(before)
        })?,
        "constraints",
    );

    let sk = PrivateKey::from_bytes([9; 32]);
    let pk = sk.public_key();
    let msg = fr_from_u64(123_456_789);
    let sig = sk.sign(&msg);
    let s = zkpay_core::field::fr_from_le_bytes(&sig.s.to_le_bytes()).map_err(|e| e.to_string())?;
    report.add(
        "eddsa_gadget_constraints",
        count("eddsa", |cs| {
            let ax = alloc(cs, "ax", pk.x())?;
            let ay = alloc(cs, "ay", pk.y())?;
            let rx = alloc(cs, "rx", sig.r8.x)?;
            let ry = alloc(cs, "ry", sig.r8.y)?;
            let s = alloc(cs, "s", s)?;
            let m = alloc(cs, "m", msg)?;
            let before = cs.num_constraints();
            eddsa::enforce_eddsa_verify(cs.namespace(|| "verify"), (&ax, &ay), (&rx, &ry), &s, &m)?;
            Ok(before)
        })?,
        "constraints",
    );

    let mut tree = AccountTree::new();
    for id in [0u32, 5, 77, 1 << 20] {
        tree.update(id, 0, |f, b| {
            f.address = Address([id as u8 + 1; 20]);
            *b = 10;
        })
        .map_err(|e| e.to_string())?;
    }
    let u = tree.update(77, 0, |_, b| *b = 11).map_err(|e| e.to_string())?;
    let old_leaf = zkpay_core::account_tree::leaf_hash(&u.old_fields, &u.old_balance_root);
    let new_leaf = zkpay_core::account_tree::leaf_hash(&u.new_fields, &u.new_balance_root);
    report.add(
        "merkle_update_account_path_constraints",
        count("merkle account path", |cs| {
            let old = alloc(cs, "old", old_leaf)?;
            let new = alloc(cs, "new", new_leaf)?;
            let bits = alloc_bits_le(cs.namespace(|| "index"), Some(fr_from_u64(77)), 24)?;
            let siblings = merkle::alloc_siblings(cs.namespace(|| "path"), u.account_path.siblings.len(), |i| {
                Some(u.account_path.siblings[i / 3][i % 3])
            })?;
            let before = cs.num_constraints();
            let roots = merkle::update_roots(cs.namespace(|| "update"), &old, &new, &bits, &siblings)?;
            let after = cs.num_constraints();
            // The roots must be the tree's, or the count would be of a wrong instance.
            roots.old_root.enforce_equal(cs.namespace(|| "old root"), &Num::constant(u.old_root));
            roots.new_root.enforce_equal(cs.namespace(|| "new root"), &Num::constant(u.new_root));
            Ok(before + (cs.num_constraints() - after))
        })?,
        "constraints",
    );

    // One compression block whose 55 message bytes are all variables (the padding is constant).
    let msg: Vec<u8> = (0..55u8).collect();
    report.add(
        "sha256_block_constraints",
        count("sha256", |cs| {
            let bits = sha256::alloc_bytes(cs.namespace(|| "msg"), Some(&msg), msg.len())?;
            let before = cs.num_constraints();
            sha256::sha256(cs.namespace(|| "sha"), &bits)?;
            Ok(before)
        })?,
        "constraints",
    );
    Ok(())
}

/// The exit circuit: constraints, dev keygen and one real proof (verified) for a state from core.
fn exit(report: &mut Report) -> Result<(), String> {
    use zkpay_circuit::exit::ExitCircuit;
    use zkpay_circuit::keys::{circuit_info, generate_dev_keys, DEV_SEED};
    use zkpay_circuit::prover::{prove, verify};

    let info = circuit_info("exit", ExitCircuit::blank()).map_err(|e| e.to_string())?;
    report.add("exit_circuit_constraints", info.constraints as f64, "constraints");
    let start = std::time::Instant::now();
    let params = generate_dev_keys(ExitCircuit::blank(), DEV_SEED).map_err(|e| e.to_string())?;
    report.add("exit_keygen_ms", start.elapsed().as_secs_f64() * 1e3, "ms");

    let mut tree = AccountTree::new();
    for id in [0u32, 7, 1 << 23] {
        tree.update(id, 3, |f, b| {
            f.address = Address([id as u8 + 1; 20]);
            *b = 1_000;
        })
        .map_err(|e| e.to_string())?;
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let (circuit, public) = ExitCircuit::from_state(&tree, 7, 3).map_err(|e| e.to_string())?;
        let start = std::time::Instant::now();
        let proof = crate::quiet_stdout(|| prove(&params, circuit))?.map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if !verify(&params.vk, &proof, &public.to_field_elements()).map_err(|e| e.to_string())? {
            return Err("the exit proof does not verify".into());
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    report.add("exit_prove_ms", times[1], "ms");
    Ok(())
}

/// Run the suite.
pub fn run(report: &mut Report, scale: f64, keys_dir: &Path) -> Result<(), String> {
    gadget_counts(report)?;
    exit(report)?;
    block_counts(report)?;
    block_witness(report, scale)?;
    block8_proving(report, scale, keys_dir)
}

// ---------------------------------------------------------------------------------------------
// The block circuit

/// A constraint system for blank circuits that counts constraints by the category `classify` gives
/// their namespace path and annotation (never asks for values).
struct PathCounter {
    stack: Vec<String>,
    aux: usize,
    inputs: usize,
    total: usize,
    counts: BTreeMap<String, usize>,
    classify: fn(&[String], &str) -> String,
}

impl PathCounter {
    fn new(classify: fn(&[String], &str) -> String) -> PathCounter {
        PathCounter { stack: Vec::new(), aux: 0, inputs: 0, total: 0, counts: BTreeMap::new(), classify }
    }

    fn get(&self, category: &str) -> usize {
        self.counts.get(category).copied().unwrap_or(0)
    }
}

impl ConstraintSystem<Engine> for PathCounter {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux += 1;
        Ok(Variable::new_unchecked(Index::Aux(self.aux - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.inputs += 1;
        Ok(Variable::new_unchecked(Index::Input(self.inputs)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, _: LA, _: LB, _: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LB: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LC: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
    {
        self.total += 1;
        let category = (self.classify)(&self.stack, &annotation().into());
        *self.counts.entry(category).or_insert(0) += 1;
    }

    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name: N) {
        self.stack.push(name().into());
    }

    fn pop_namespace(&mut self) {
        self.stack.pop();
    }

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

/// The chunk whose constraints are broken down: a middle one (the first has no phase transition
/// constraints, the last one more), as every chunk added to a larger block is.
const SAMPLE_CHUNK: &str = "chunk 3";

/// Which part of the block circuit a constraint belongs to, from its namespace path (see
/// `zkpay_circuit::block::{mod.rs, chunk.rs}` for the names).
fn classify_block(stack: &[String], annotation: &str) -> String {
    let Some(top) = stack.first() else { return "top".into() };
    if !top.starts_with("chunk ") {
        return match top.as_str() {
            "header" | "fees" | "commitment" => top.clone(),
            _ => "top".into(),
        };
    }
    if top != SAMPLE_CHUNK {
        return "other chunks".into();
    }
    let ns = stack.get(1).map(String::as_str).unwrap_or("");
    let a = annotation;
    let part = if [
        "signature",
        "message",
        "key hash",
        "key hash bits",
        "e0 transfer",
        "e0 withdraw",
        "e0 short",
        "e1",
        "pkh change",
    ]
    .contains(&ns)
        || a == "rule signature valid"
        || a == "rule signer key matches the account"
    {
        "signature"
    } else if ["old balance root", "old leaf", "old root", "new balance root", "new leaf", "new root"].contains(&ns)
        || ns.starts_with("leaf index bit")
        || a.starts_with("leaf index bit")
        || a == "old root continues the chain"
    {
        "merkle"
    } else if ns.starts_with("register ")
        || ns.starts_with("phase ")
        || ns.starts_with("pubdata bit")
        || ns == "onchain bit"
        || a.starts_with("carry ")
        || a.starts_with("pubdata of ")
        || a == "one phase"
        || a.contains(" follows chunk ")
        || a.starts_with("the block ")
        || a == "onchain bit of the phase"
    {
        "registers"
    } else {
        "rules"
    };
    format!("sample/{part}")
}

fn count_block_parts(chunks: usize) -> Result<PathCounter, String> {
    let mut cs = PathCounter::new(classify_block);
    BlockCircuit::blank(chunks).synthesize(&mut cs).map_err(|e| format!("block_{chunks}: {e}"))?;
    if cs.total != BlockCircuit::count_constraints(chunks) {
        return Err(format!("block_{chunks}: the path counter disagrees with count_constraints"));
    }
    Ok(cs)
}

/// Constraint counts of the block circuit: per chunk, fixed, and one chunk's parts.
fn block_counts(report: &mut Report) -> Result<(), String> {
    let c8 = count_block_parts(8)?;
    let c16 = count_block_parts(16)?;
    let per_chunk = (c16.total - c8.total) as f64 / 8.0;
    report.add("block8_constraints", c8.total as f64, "constraints");
    report.add("block32_constraints", BlockCircuit::count_constraints(32) as f64, "constraints");
    report.add("constraints_per_chunk", per_chunk, "constraints");
    report.add("constraints_per_transfer", 2.0 * per_chunk, "constraints");
    report.add("block_fixed_constraints", c8.total as f64 - 8.0 * per_chunk, "constraints");
    // One chunk's parts (a middle chunk of the 8-chunk circuit) and its share of the SHA-256
    // commitment (80 pubdata bits and a bitmap bit more to hash per chunk).
    let sha_share = (c16.get("commitment") - c8.get("commitment")) as f64 / 8.0;
    report.add("chunk_signature_constraints", c8.get("sample/signature") as f64, "constraints");
    report.add("chunk_merkle_constraints", c8.get("sample/merkle") as f64, "constraints");
    report.add("chunk_registers_pubdata_phase_constraints", c8.get("sample/registers") as f64, "constraints");
    report.add("chunk_rules_fees_constraints", c8.get("sample/rules") as f64, "constraints");
    report.add("chunk_sha256_share_constraints", sha_share, "constraints");
    let fixed = ["top", "header", "fees", "commitment"].map(|k| (k, c8.get(k)));
    report.add("block8_header_constraints", (fixed[0].1 + fixed[1].1) as f64, "constraints");
    report.add("block8_fee_credit_constraints", fixed[2].1 as f64, "constraints");
    report.add("block8_commitment_sha256_constraints", fixed[3].1 as f64, "constraints");
    Ok(())
}

/// Witness cost: `BlockWitness::from_block` on the sealed 8-chunk vector block (per-chunk updates
/// already recorded by the state in witness mode) plus `BlockCircuit::check`, i.e. synthesis with
/// the witness into the checking constraint system, which computes every variable and evaluates
/// every constraint. Median of 5 (1 below scale 1), per chunk.
fn block_witness(report: &mut Report, scale: f64) -> Result<(), String> {
    let (blocks, _) = vector_blocks();
    let block = &blocks[2];
    let runs = if scale >= 1.0 { 5 } else { 1 };
    let (mut build, mut synth) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = Instant::now();
        let witness = BlockWitness::from_block(block).map_err(|e| e.to_string())?;
        build.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        BlockCircuit::new(witness).check().map_err(|e| format!("vector block 3 fails at {e}"))?;
        synth.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (build, synth) = (median(build), median(synth));
    let chunks = block.header.chunks as f64;
    report.add("witness_build_ms_block8", build, "ms");
    report.add("witness_synthesis_ms_block8", synth, "ms");
    report.add("witness_ms_per_chunk", (build + synth) / chunks, "ms");
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    v[v.len() / 2]
}

/// A temporary directory removed on drop (the bench's generated keys).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn block8_info() -> Result<CircuitInfo, String> {
    circuit_info(&block_circuit_name(8), BlockCircuit::blank(8)).map_err(|e| e.to_string())
}

/// Keys of the 8-chunk circuit in `dir` that pass every check and match the circuit.
fn usable_block8_keys(dir: &Path) -> Result<(), String> {
    let keys = load_keys(dir, &block_circuit_name(8)).map_err(|e| e.to_string())?;
    let vk_path = verification_key_path(dir, &block_circuit_name(8));
    keys.file.ensure_circuit(&block8_info()?, &vk_path).map_err(|e| e.to_string())
}

/// Proving the 8-chunk vector block, in a child process (`zkpay bench prove-block8-child`) so its
/// peak RSS (VmHWM) is the prover's alone: loading the proving key, synthesizing the witness and
/// proving, not this process's constraint counting or key generation.
fn block8_proving(report: &mut Report, scale: f64, keys_dir: &Path) -> Result<(), String> {
    let mut _tmp = None;
    let dir = match usable_block8_keys(keys_dir) {
        Ok(()) => {
            eprintln!("bench: proving with the keys in {}", keys_dir.display());
            keys_dir.to_path_buf()
        }
        Err(why) => {
            eprintln!("bench: no usable block_8 keys in {} ({why}); generating dev keys", keys_dir.display());
            let dir = std::env::temp_dir().join(format!("zkpay-bench-keys-{}", std::process::id()));
            let tmp = TempDir(dir.clone());
            let info = block8_info()?;
            let start = Instant::now();
            let params = generate_dev_keys(BlockCircuit::blank(8), DEV_SEED).map_err(|e| e.to_string())?;
            report.add("block8_keygen_ms", start.elapsed().as_secs_f64() * 1e3, "ms");
            write_keys(&dir, &info, &params, Some(DEV_SEED)).map_err(|e| e.to_string())?;
            _tmp = Some(tmp);
            dir
        }
    };
    let pk = std::fs::metadata(dir.join("block_8.pk")).map_err(|e| e.to_string())?.len();
    report.add("block8_pk_mb", pk as f64 / 1e6, "MB");
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the zkpay binary: {e}"))?;
    let dir_arg = dir.to_str().ok_or("keys dir is not UTF-8")?;
    let out = Command::new(exe)
        .args(["bench", "prove-block8-child", "--keys-dir", dir_arg, "--scale", &scale.to_string()])
        .output()
        .map_err(|e| format!("cannot run the proving child: {e}"))?;
    if !out.status.success() {
        return Err(format!("the proving child failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().ok_or("the proving child printed nothing")?;
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("proving child: {e}: {line}"))?;
    let field = |k: &str| v[k].as_f64().ok_or_else(|| format!("proving child: no {k} in {line}"));
    report.add("prove_ms_block8", field("prove_ms")?, "ms");
    report.add("prove_peak_rss_mb_block8", field("vm_hwm_kb")? / 1024.0, "MiB");
    report.add("prove_rss_after_key_load_mb_block8", field("vm_rss_after_load_kb")? / 1024.0, "MiB");
    Ok(())
}

/// A `kB` line of `/proc/self/status`.
fn proc_status_kb(key: &str) -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
        .ok_or_else(|| format!("no {key} in /proc/self/status"))
}

/// `zkpay bench prove-block8-child`: load and check the keys, prove the 8-chunk vector block 3
/// times (1 below scale 1; witness built outside the timing, synthesis with the witness inside
/// it: bellman synthesizes while proving), verify each proof, and print
/// `{"prove_ms", "runs", "vm_hwm_kb", "vm_rss_after_load_kb"}` (median time; peak RSS of this
/// process).
pub fn prove_block8_child(keys_dir: &Path, scale: f64) -> Result<(), String> {
    usable_block8_keys(keys_dir)?;
    let keys = load_keys(keys_dir, &block_circuit_name(8)).map_err(|e| e.to_string())?;
    let after_load = proc_status_kb("VmRSS")?;
    let (blocks, _) = vector_blocks();
    let block = &blocks[2];
    let runs = if scale >= 1.0 { 3 } else { 1 };
    let mut times = Vec::new();
    for _ in 0..runs {
        let circuit = BlockCircuit::new(BlockWitness::from_block(block).map_err(|e| e.to_string())?);
        let start = Instant::now();
        let proof = crate::quiet_stdout(|| prove(&keys.params, circuit))?.map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if !verify(&keys.params.vk, &proof, &[block.public_input]).map_err(|e| e.to_string())? {
            return Err("the block_8 proof does not verify".into());
        }
    }
    let line = serde_json::json!({
        "prove_ms": median(times),
        "runs": runs,
        "vm_hwm_kb": proc_status_kb("VmHWM")?,
        "vm_rss_after_load_kb": after_load,
    });
    println!("{line}");
    Ok(())
}
