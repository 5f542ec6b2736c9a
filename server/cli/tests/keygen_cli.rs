//! `zkpay keygen` as a user runs it: dev keys are reproducible byte for byte, `--check` catches a
//! damaged proving key with a clear message, and production keys are not overwritten by accident.
//! The exit-circuit keygen runs twice in this binary (once shared, once to compare); the block
//! circuit's keygen runs once, for a 1-chunk block (the committed 8- and 32-chunk vks are compared
//! with regenerated keys in `circuit/tests/block_proof.rs` and by `zkpay keygen` itself).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn zkpay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpay")).args(args).output().expect("run zkpay")
}

fn keygen_into(dir: &Path) -> Output {
    let out = zkpay(&["keygen", "--keys-dir", dir.to_str().unwrap(), "--circuits", "exit"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// One dev keygen shared by the tests (kept alive for the whole run).
fn shared_keys() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        keygen_into(dir.path());
        dir
    })
    .path()
}

/// A private copy of the shared keys that a test may damage.
fn copy_of_shared() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["exit.pk", "exit.vk.json"] {
        std::fs::copy(shared_keys().join(f), dir.path().join(f)).unwrap();
    }
    let (pk, vk) = (dir.path().join("exit.pk"), dir.path().join("exit.vk.json"));
    (dir, pk, vk)
}

#[test]
fn dev_keygen_twice_writes_identical_verification_keys() {
    let other = tempfile::tempdir().unwrap();
    let out = keygen_into(other.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("exit.pk") && stdout.contains("exit.vk.json"), "{stdout}");
    let read = |dir: &Path, f: &str| std::fs::read(dir.join(f)).unwrap();
    assert_eq!(read(shared_keys(), "exit.vk.json"), read(other.path(), "exit.vk.json"));
    assert_eq!(read(shared_keys(), "exit.pk"), read(other.path(), "exit.pk"));
    // And they are the committed dev keys.
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys/exit.vk.json");
    assert_eq!(std::fs::read(committed).unwrap(), read(other.path(), "exit.vk.json"), "keys/exit.vk.json is stale");
    // Dev keys are overwritten freely (same bytes again).
    let again = zkpay(&["keygen", "--keys-dir", other.path().to_str().unwrap(), "--circuits", "exit"]);
    assert!(again.status.success());
    assert_eq!(read(shared_keys(), "exit.vk.json"), read(other.path(), "exit.vk.json"));
}

#[test]
fn check_accepts_good_keys_and_names_a_truncated_proving_key() {
    let (dir, pk, _) = copy_of_shared();
    let d = dir.path().to_str().unwrap();
    let ok = zkpay(&["keygen", "--check", "--keys-dir", d]);
    assert!(ok.status.success(), "stderr: {}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ok exit"));

    let bytes = std::fs::read(&pk).unwrap();
    std::fs::write(&pk, &bytes[..bytes.len() - 1000]).unwrap();
    let bad = zkpay(&["keygen", "--check", "--keys-dir", d]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("exit.pk") && stderr.contains("sha256") && stderr.contains("truncated"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::remove_file(&pk).unwrap();
    let missing = zkpay(&["keygen", "--check", "--keys-dir", d]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing"));

    let empty = tempfile::tempdir().unwrap();
    let none = zkpay(&["keygen", "--check", "--keys-dir", empty.path().to_str().unwrap()]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no verification keys"));
}

#[test]
fn production_keys_are_not_overwritten_without_force() {
    let (dir, _, vk) = copy_of_shared();
    // Mark the copy as production keys (the check happens before any generation).
    let text = std::fs::read_to_string(&vk).unwrap().replace("\"kind\": \"dev\"", "\"kind\": \"production\"");
    std::fs::write(&vk, &text).unwrap();
    for args in [vec!["keygen"], vec!["keygen", "--production"]] {
        let mut args = args;
        args.extend(["--keys-dir", dir.path().to_str().unwrap()]);
        let out = zkpay(&args);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
        assert_eq!(std::fs::read_to_string(&vk).unwrap(), text, "untouched");
    }
}

#[test]
fn export_verifier_writes_the_dev_flagged_contract_of_the_keys() {
    let out_dir = tempfile::tempdir().unwrap();
    let sol = out_dir.path().join("Verifier.sol");
    let keys = shared_keys().to_str().unwrap();
    let ok = zkpay(&["keygen", "--keys-dir", keys, "--export-verifier", sol.to_str().unwrap()]);
    assert!(ok.status.success(), "stderr: {}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("verify_exit"));
    let source = std::fs::read_to_string(&sol).unwrap();
    // Dev keys are flagged for the Rollup's chain check; no block key here, so no block size.
    assert!(source.contains("bool public constant DEV_KEYS = true;"), "DEV_KEYS follows the key kind");
    assert!(source.contains("function isBlockSize(uint256) external pure returns (bool) {\n        return false;"));
    // The same keys as the committed ones (the exit keys regenerated here, the committed block vks
    // beside them): the same contract as the committed one.
    let with_blocks = tempfile::tempdir().unwrap();
    std::fs::copy(shared_keys().join("exit.vk.json"), with_blocks.path().join("exit.vk.json")).unwrap();
    for n in [8, 32] {
        let f = format!("block_{n}.vk.json");
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys/").to_string() + &f,
            with_blocks.path().join(&f),
        )
        .unwrap();
    }
    let all = zkpay(&[
        "keygen",
        "--keys-dir",
        with_blocks.path().to_str().unwrap(),
        "--export-verifier",
        sol.to_str().unwrap(),
    ]);
    assert!(all.status.success(), "stderr: {}", String::from_utf8_lossy(&all.stderr));
    let source = std::fs::read_to_string(&sol).unwrap();
    assert!(source.contains("verify_block_8_batch(") && source.contains("verify_block_32_batch("));
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/src/Verifier.sol");
    assert_eq!(std::fs::read_to_string(committed).unwrap(), source, "contracts/src/Verifier.sol is stale");

    let empty = tempfile::tempdir().unwrap();
    let none =
        zkpay(&["keygen", "--keys-dir", empty.path().to_str().unwrap(), "--export-verifier", sol.to_str().unwrap()]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no verification keys"));
}

#[test]
fn block_keys_of_a_tiny_size_generate_check_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = zkpay(&["keygen", "--keys-dir", d, "--circuits", "block", "--block-sizes", "1"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("block_1.pk") && stdout.contains("block_1.vk.json"), "{stdout}");
    assert!(!dir.path().join("exit.pk").exists(), "only the block circuit was asked for");
    let vk_path = dir.path().join("block_1.vk.json");
    let vk: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&vk_path).unwrap()).unwrap();
    assert_eq!(vk["circuit"], "block_1");
    assert_eq!(vk["numPublicInputs"], 1);
    assert_eq!(vk["kind"], "dev");
    let constraints = zkpay_circuit::block::BlockCircuit::count_constraints(1);
    assert_eq!(vk["constraints"].as_u64(), Some(constraints as u64));

    let ok = zkpay(&["keygen", "--check", "--keys-dir", d]);
    assert!(ok.status.success(), "stderr: {}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ok block_1"));

    let sol = dir.path().join("Verifier.sol");
    let export = zkpay(&["keygen", "--keys-dir", d, "--export-verifier", sol.to_str().unwrap()]);
    assert!(export.status.success(), "stderr: {}", String::from_utf8_lossy(&export.stderr));
    let source = std::fs::read_to_string(&sol).unwrap();
    assert!(source.contains("function verify_block_1(") && source.contains("function verify_block_1_batch("));

    // A vk whose recorded shape is not the current circuit's (as after a circuit change) fails
    // the check with both shapes named.
    let stale = std::fs::read_to_string(&vk_path)
        .unwrap()
        .replace(&format!("\"constraints\": {constraints}"), &format!("\"constraints\": {}", constraints - 1));
    std::fs::write(&vk_path, stale).unwrap();
    let bad = zkpay(&["keygen", "--check", "--keys-dir", d]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("block_1") && stderr.contains(&constraints.to_string()), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_default_selection_includes_the_dev_block_sizes() {
    // Nothing is generated: an unreadable block_32.vk.json (maybe production keys) is refused up
    // front, which shows that a plain `zkpay keygen` would have generated block_32.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("block_32.vk.json"), "not json").unwrap();
    let out = zkpay(&["keygen", "--keys-dir", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("block_32.vk.json") && stderr.contains("--force"), "{stderr}");
    assert!(!dir.path().join("exit.pk").exists() && !dir.path().join("block_8.pk").exists(), "refused before any work");
}

#[test]
fn bad_block_sizes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for (args, expected) in [
        (vec!["--block-sizes", "0"], "between 1 and"),
        (vec!["--block-sizes", "100000"], "between 1 and"),
        (vec!["--block-sizes", "eight"], "not a number of chunks"),
        (vec!["--circuits", "exit", "--block-sizes", "8"], "does not include `block`"),
        (vec!["--circuits", "blocks"], "invalid value"),
    ] {
        let mut full = vec!["keygen", "--keys-dir", d];
        full.extend(&args);
        let out = zkpay(&full);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}
