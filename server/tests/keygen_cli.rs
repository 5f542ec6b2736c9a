//! `zkpay keygen` as a user runs it: dev keys are reproducible byte for byte, `--check` catches a
//! damaged proving key with a clear message, and production keys are not overwritten by accident.
//! The exit-circuit keygen runs twice in this binary (once shared, once to compare).

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
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../keys/exit.vk.json");
    assert_eq!(std::fs::read(committed).unwrap(), read(other.path(), "exit.vk.json"), "keys/exit.vk.json is stale");
    // Dev keys are overwritten freely (same bytes again).
    let again = zkpay(&["keygen", "--keys-dir", other.path().to_str().unwrap()]);
    assert!(again.status.success());
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
    // The same keys as the committed ones: the same contract as the committed one.
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../contracts/src/Verifier.sol");
    assert_eq!(std::fs::read_to_string(committed).unwrap(), source, "contracts/src/Verifier.sol is stale");

    let empty = tempfile::tempdir().unwrap();
    let none = zkpay(&["keygen", "--keys-dir", empty.path().to_str().unwrap(), "--export-verifier", sol.to_str().unwrap()]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no verification keys"));
}
