//! The `zkpay bench` command as a user runs it: a tiny-scale run prints every documented figure as
//! JSON lines, and bad arguments are clear errors.

use std::collections::BTreeMap;
use std::process::Command;

fn zkpay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zkpay")).args(args).output().expect("run zkpay")
}

#[test]
fn bench_primitives_json_reports_every_required_figure() {
    let out = zkpay(&["bench", "primitives", "--json", "--scale", "0.01"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut figures = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["suite"], "primitives");
        assert!(v["unit"].is_string());
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in [
        "poseidon2_ns",
        "poseidon2_speedup_vs_poseidon_rs",
        "poseidon5_speedup_vs_poseidon_rs",
        "eddsa_verify_us",
        "eddsa_verify_speedup_vs_babyjubjub_rs",
        "account_update_us",
        "tree_bytes_per_account",
    ] {
        let v = figures.get(name).unwrap_or_else(|| panic!("missing {name} in {figures:?}"));
        assert!(v.is_finite() && *v > 0.0, "{name} = {v}");
    }
}

#[test]
fn bench_state_json_reports_rates() {
    let out = zkpay(&["bench", "state", "--json", "--scale", "0.01"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["transfers_per_second", "sequential_updates_per_second"] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("\"name\":\"{name}\"")))
            .unwrap_or_else(|| panic!("missing {name} in {text}"));
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["suite"], "state");
        assert!(v["value"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn bench_circuit_json_is_pure_json_with_every_figure() {
    // Tiny scale: one witness and one proving run. The 8-chunk keys come from the cache that the
    // circuit crate's block tests write under the shared target tmp dir when present; otherwise the
    // bench generates dev keys itself (and reports block8_keygen_ms).
    let cache = concat!(env!("CARGO_TARGET_TMPDIR"), "/zkpay-dev-keys");
    let out = zkpay(&["bench", "circuit", "--json", "--scale", "0.01", "--keys-dir", cache]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut names = Vec::new();
    let mut figures = BTreeMap::new();
    // Every stdout line must be JSON: bellman's own prints are kept off stdout.
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["value"].as_f64().unwrap() > 0.0, "{line}");
        names.push(v["name"].as_str().unwrap().to_string());
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in [
        "poseidon2_gadget_constraints",
        "eddsa_gadget_constraints",
        "merkle_update_account_path_constraints",
        "sha256_block_constraints",
        "exit_circuit_constraints",
        "exit_prove_ms",
        "exit_keygen_ms",
        "block8_constraints",
        "block32_constraints",
        "constraints_per_chunk",
        "constraints_per_transfer",
        "block_fixed_constraints",
        "chunk_signature_constraints",
        "chunk_merkle_constraints",
        "chunk_registers_pubdata_phase_constraints",
        "chunk_rules_fees_constraints",
        "chunk_sha256_share_constraints",
        "block8_header_constraints",
        "block8_fee_credit_constraints",
        "block8_commitment_sha256_constraints",
        "witness_build_ms_block8",
        "witness_synthesis_ms_block8",
        "witness_ms_per_chunk",
        "block8_pk_mb",
        "prove_ms_block8",
        "prove_peak_rss_mb_block8",
        "prove_rss_after_key_load_mb_block8",
    ] {
        assert!(names.iter().any(|n| n == name), "missing {name} in {names:?}");
    }
    // The figures agree with each other and with the circuit.
    let f = |n: &str| figures[n];
    assert_eq!(f("block8_constraints"), zkpay_circuit::block::BlockCircuit::count_constraints(8) as f64);
    assert_eq!(f("block8_constraints"), f("block_fixed_constraints") + 8.0 * f("constraints_per_chunk"));
    assert_eq!(f("constraints_per_transfer"), 2.0 * f("constraints_per_chunk"));
    let parts: f64 = ["signature", "merkle", "registers_pubdata_phase", "rules_fees", "sha256_share"]
        .iter()
        .map(|p| f(&format!("chunk_{p}_constraints")))
        .sum();
    // A middle chunk's parts plus its SHA-256 share make up the marginal chunk (up to the uneven
    // SHA-256 padding of 8 more chunks).
    assert!((parts - f("constraints_per_chunk")).abs() < 0.01 * f("constraints_per_chunk"), "{parts} vs {figures:?}");
    // The prover holds at least its proving key in memory.
    assert!(f("prove_peak_rss_mb_block8") >= f("prove_rss_after_key_load_mb_block8"));
    assert!(f("prove_peak_rss_mb_block8") * 1.048576 > f("block8_pk_mb") * 0.5, "{figures:?}");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let out = zkpay(&["bench", "primitives", "--scale", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scale must be in (0, 100]"));
    let out = zkpay(&["bench", "no-such-suite"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"));
}

#[test]
fn bench_l1_gas_json_reports_every_figure_and_meets_the_transfer_target() {
    // A real run on its own anvil: real 8-chunk proofs (keys from the shared test cache), real
    // exit proof. The figures are gas, so a debug build measures the same as a release one.
    let cache = concat!(env!("CARGO_TARGET_TMPDIR"), "/zkpay-dev-keys");
    let out = Command::new(env!("CARGO_BIN_EXE_zkpay"))
        .args(["bench", "l1-gas", "--json"])
        .env("ZKPAY_DEV_KEYS_CACHE", cache)
        .output()
        .expect("run zkpay");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut figures = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["suite"], "l1-gas");
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in [
        "commit_gas_per_transfer",
        "verify_gas_per_block",
        "verify_gas_per_block_batched4",
        "execute_gas_per_withdrawal",
        "deposit_gas",
        "perform_exodus_gas",
        "model_total_gas_per_transfer_512x8",
    ] {
        let v = figures.get(name).unwrap_or_else(|| panic!("missing {name} in {figures:?}"));
        assert!(v.is_finite() && *v > 0.0, "{name} = {v}");
    }
    let per_transfer = figures["commit_gas_per_transfer"];
    assert!(per_transfer <= 350.0, "commit_gas_per_transfer = {per_transfer} > 350");
    // Batching must pay: a block in a batch of four costs less than one verified alone.
    assert!(figures["verify_gas_per_block_batched4"] < figures["verify_gas_per_block"], "{figures:?}");
}

#[test]
fn bench_node_json_reports_rates_and_latencies() {
    let out = zkpay(&["bench", "node", "--json", "--scale", "0.02"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut figures = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["suite"], "node");
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in [
        "accepted_per_second",
        "accept_latency_p50_ms",
        "accept_latency_p99_ms",
        "sealed_per_second",
        "blocks_sealed",
        "raw_rocksdb_synced_writes_per_second",
    ] {
        let v = figures.get(name).unwrap_or_else(|| panic!("missing {name} in {figures:?}"));
        assert!(v.is_finite() && *v > 0.0, "{name} = {v}");
    }
    assert!(figures["accept_latency_p99_ms"] >= figures["accept_latency_p50_ms"]);
    assert_eq!(figures["transfers"], figures["clients"] * 6.0, "clients × max(300 × 0.02, 5)");
    assert_eq!(figures["clients"], 48.0);
}

#[test]
fn bench_api_json_reports_gets_fan_out_and_webhooks() {
    let out = zkpay(&["bench", "api", "--json", "--scale", "0.05"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut figures = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["suite"], "api");
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in ["get_account_per_second", "get_account_p99_ms", "webhook_deliveries_per_second"] {
        let v = figures.get(name).unwrap_or_else(|| panic!("missing {name} in {figures:?}"));
        assert!(v.is_finite() && *v > 0.0, "{name} = {v}");
    }
    // An event can reach a subscriber within the millisecond it was stamped: ≥ 0, not > 0.
    let p99 = figures["sse_event_latency_p99_ms"];
    assert!(p99.is_finite() && p99 >= figures["sse_event_latency_p50_ms"], "{figures:?}");
    assert_eq!(figures["sse_subscribers"], 50.0, "1000 × 0.05");
    assert_eq!(figures["sse_events_delivered"], 50.0 * 20.0, "every subscriber got every event");
    assert_eq!(figures["webhook_deliveries"], 25.0, "500 × 0.05");
}

#[test]
fn bench_prover_json_reports_the_speedup_and_both_peaks() {
    // Tiny kernels, one round of the 8-chunk block with each prover (the bench fails if either
    // proof does not verify or the two differ), then the two peak-memory children. Keys: the
    // committed vk with the dev key cache, as the node's key store finds them.
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys");
    let out = zkpay(&["bench", "prover", "--json", "--scale", "0.01", "--keys-dir", keys]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut figures = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["suite"], "prover");
        figures.insert(v["name"].as_str().unwrap().to_string(), v["value"].as_f64().unwrap());
    }
    for name in [
        "msm_g1_2^14_speedup",
        "msm_g2_2^12_speedup",
        "quotient_fft_2^14_speedup",
        "block8_prove_ms_bellman",
        "block8_prove_ms_fast",
        "block8_prove_speedup",
        "block8_fast_msm_ms",
        "block8_prove_peak_rss_mb_bellman",
        "block8_prove_peak_rss_mb_fast",
        "block8_prove_ms_fast_alone",
    ] {
        let v = figures.get(name).unwrap_or_else(|| panic!("missing {name} in {figures:?}"));
        assert!(v.is_finite() && *v > 0.0, "{name} = {v}");
    }
}
