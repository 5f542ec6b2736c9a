//! `zkpay dev --demo` as a developer runs it: anvil, the contracts, the node with its in-process
//! prover, three funded demo wallets; then a payment and a withdrawal reach finality and the
//! payout is checked on L1. The command must print the URLs a developer needs and exit 0.

mod e2e;

use std::process::Command;

#[test]
fn zkpay_dev_demo_runs_a_rollup_and_its_scenario_to_finality() {
    // Proving keys first (cached with the other tests').
    let _ = e2e::keys().block(8).expect("block_8 dev keys");
    let dir = tempfile::tempdir().unwrap();
    // A free port, not anvil's 8545, where a developer's own `zkpay dev` may be running.
    let anvil_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_zkpay"))
        .args(["dev", "--demo", "--listen", "127.0.0.1:0", "--anvil-port", &anvil_port, "--data-dir"])
        .arg(dir.path())
        .env("ZKPAY_DEV_KEYS_CACHE", e2e::keys_cache())
        .output()
        .expect("zkpay dev runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "zkpay dev --demo failed:\n{stdout}\n{stderr}");
    for needle in
        ["/v1/status", "/v1/openapi.json", "/v1/docs", "/metrics", "anvil", "zkpay wallet import", "demo passed"]
    {
        assert!(stdout.contains(needle), "the output lacks {needle:?}:\n{stdout}");
    }
    assert_eq!(stdout.matches("  key 0x").count(), 3, "three demo wallets:\n{stdout}");
    assert!(dir.path().join("node").exists(), "the store lives in --data-dir");
    assert!(dir.path().join("anvil-state.json").exists(), "anvil's state is kept in --data-dir");
}
