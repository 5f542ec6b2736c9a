//! `zkpay bench prover`: the fast prover (`zkpay-fastprove`) against bellman_ce's, in one run.
//!
//! 1. The kernels on the same inputs: G1 and G2 MSMs (this crate's batch-affine Pippenger against
//!    arkworks' `VariableBaseMSM`; bellman_ce's multiexp is private to it, so it is measured as
//!    part of its prover below) and the quotient FFTs (against bellman_ce's `EvaluationDomain`).
//! 2. The 8-chunk vector block with the dev keys of the key cache: the same key, witness and
//!    blinding factors r, s for both provers, alternating; both proofs verified and compared (they
//!    are the same points); median times and the speed-up.
//! 3. Peak memory: each prover once more in a child process (`zkpay bench prover-child-…`) that
//!    loads the key, proves and reports its VmHWM.

use super::Report;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use zkpay_circuit::bellman_ce::groth16::{create_proof, Parameters};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::{block_circuit_name, BlockCircuit};
use zkpay_circuit::keys::dev_keys;
use zkpay_circuit::prover::verify;
use zkpay_circuit::{Engine, Fr};

use zkpay_core::vectors::vector_blocks;
use zkpay_fastprove::ProvingKey;

/// The dev keys of block_8 as the node's key store finds them (committed dir, then the cache).
fn block8_params(keys_dir: &Path) -> Result<Parameters<Engine>, String> {
    let cache = zkpay_cli::paths::dev_keys_cache_dir();
    let start = Instant::now();
    let (params, source) = dev_keys(keys_dir, &cache, &block_circuit_name(8), || BlockCircuit::blank(8))
        .map_err(|e| format!("block_8 dev keys: {e}"))?;
    eprintln!("bench: block_8 keys from {source:?} ({}) in {:.1?}", cache.display(), start.elapsed());
    Ok(params)
}

fn block8_circuit() -> Result<(BlockCircuit, Fr), String> {
    let (blocks, _) = vector_blocks();
    let block = &blocks[2];
    Ok((BlockCircuit::new(BlockWitness::from_block(block).map_err(|e| e.to_string())?), block.public_input))
}

fn random_rs() -> Result<(Fr, Fr), String> {
    use rand04::Rng;
    let mut rng = rand04::OsRng::new().map_err(|e| e.to_string())?;
    Ok((rng.gen(), rng.gen()))
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// Run the suite.
pub fn run(report: &mut Report, scale: f64, keys_dir: &Path) -> Result<(), String> {
    // bellman_ce's FFT prints timing lines on stdout: keep them out of the report.
    crate::quiet_stdout(|| kernels(report, scale)).map_err(|e| e.to_string())??;
    let params = block8_params(keys_dir)?;
    let start = Instant::now();
    let pk = ProvingKey::from_params(&params);
    report.add("fast_key_convert_ms", ms(start), "ms");

    let runs = if scale >= 1.0 { 3 } else { 1 };
    let (_, input) = block8_circuit()?;
    let circuit = || block8_circuit().map(|(c, _)| c);
    // The witness is built outside the closure's timing: BlockWitness::from_block is cheap next to
    // proving, and both provers get it the same way.
    let witness = circuit()?;
    let f = crate::quiet_stdout(|| {
        zkpay_fastprove::bench::compare_provers(&params, &pk, || witness.clone(), &[input], runs)
    })
    .map_err(|e| e.to_string())??;
    report.add("block8_prove_ms_bellman", f.bellman_ms, "ms");
    report.add("block8_prove_ms_fast", f.fast_ms, "ms");
    report.add("block8_prove_speedup", f.bellman_ms / f.fast_ms, "x");
    report.add("block8_fast_synthesis_ms", f.synthesis_ms, "ms");
    report.add("block8_fast_fft_ms", f.fft_ms, "ms");
    report.add("block8_fast_msm_ms", f.msm_ms, "ms");

    for who in ["bellman", "fast"] {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find the zkpay binary: {e}"))?;
        let dir = keys_dir.to_str().ok_or("keys dir is not UTF-8")?;
        let out = Command::new(exe)
            .args(["bench", &format!("prover-child-{who}"), "--keys-dir", dir])
            .output()
            .map_err(|e| format!("cannot run the proving child: {e}"))?;
        if !out.status.success() {
            return Err(format!("the {who} proving child failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().last().ok_or("the proving child printed nothing")?;
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("proving child: {e}: {line}"))?;
        let kb = v["vm_hwm_kb"].as_f64().ok_or_else(|| format!("proving child: no vm_hwm_kb in {line}"))?;
        report.add(&format!("block8_prove_peak_rss_mb_{who}"), kb / 1024.0, "MiB");
        let t = v["prove_ms"].as_f64().ok_or_else(|| format!("proving child: no prove_ms in {line}"))?;
        report.add(&format!("block8_prove_ms_{who}_alone"), t, "ms");
    }
    Ok(())
}

fn kernels(report: &mut Report, scale: f64) -> Result<(), String> {
    use ark_bn254::{g1, g2};
    use zkpay_fastprove::bench;
    let mut pair = |name: &str, p: bench::Pair| {
        report.add(&format!("{name}_ms_reference"), p.reference_ms, "ms");
        report.add(&format!("{name}_ms_fast"), p.ours_ms, "ms");
        report.add(&format!("{name}_speedup"), p.reference_ms / p.ours_ms, "x");
    };
    let logs: &[usize] = if scale >= 1.0 { &[16, 18, 19] } else { &[14] };
    for &log in logs {
        pair(&format!("msm_g1_2^{log}"), bench::msm::<g1::Config>(1 << log)?);
    }
    let log = if scale >= 1.0 { 17 } else { 12 };
    pair(&format!("msm_g2_2^{log}"), bench::msm::<g2::Config>(1 << log)?);
    let log = if scale >= 1.0 { 19 } else { 14 };
    pair(&format!("quotient_fft_2^{log}"), bench::quotient(1 << log)?);
    Ok(())
}

/// `zkpay bench prover-child-{bellman,fast}`: load the key, prove the block once with one
/// prover, verify, print `{"prove_ms", "vm_hwm_kb"}` (this process's peak RSS).
pub fn child(keys_dir: &Path, fast: bool) -> Result<(), String> {
    let params = block8_params(keys_dir)?;
    let vk = params.vk.clone();
    let (circuit, input) = block8_circuit()?;
    let (r, s) = random_rs()?;
    let start = Instant::now();
    let proof = crate::quiet_stdout(|| -> Result<_, String> {
        Ok(if fast {
            // The converted key replaces bellman_ce's (a node would keep only the converted one).
            let pk = ProvingKey::from_params(&params);
            drop(params);
            zkpay_fastprove::create_proof(&pk, circuit, r, s).map_err(|e| e.to_string())?.0
        } else {
            create_proof(circuit, &params, r, s).map_err(|e| e.to_string())?
        })
    })
    .map_err(|e| e.to_string())??;
    let prove_ms = ms(start);
    if !verify(&vk, &proof, &[input]).map_err(|e| e.to_string())? {
        return Err("the block_8 proof does not verify".into());
    }
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .ok_or("no VmHWM in /proc/self/status")?;
    println!("{}", serde_json::json!({ "prove_ms": prove_ms, "vm_hwm_kb": kb }));
    Ok(())
}
