//! `zkpay ceremony` as its parties run it, on a small test circuit (`toy_64`): three phase-1 and
//! two phase-2 contributions, verify, finalize into production keys that `zkpay keygen --check`
//! and `--export-verifier` accept and that prove and verify; a spliced-in contribution and a
//! tampered accumulator are refused with the contribution named.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use zkpay_circuit::bellman_ce::pairing::ff::PrimeField;
use zkpay_circuit::ceremony::ToyCircuit;
use zkpay_circuit::keys::{load_keys, KeyKind};
use zkpay_circuit::prover::{prove, verify};
use zkpay_circuit::Fr;

fn zkpay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpay")).args(args).stdin(Stdio::null()).output().expect("run zkpay")
}

fn ok(args: &[&str]) -> String {
    let out = zkpay(args);
    assert!(out.status.success(), "zkpay {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let out = zkpay(args);
    assert!(!out.status.success(), "zkpay {args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A full ceremony in `dir`: returns the path of transcript after each step, the last one final.
fn ceremony(dir: &Path, phase1: &[&str], phase2: &[&str]) -> Vec<std::path::PathBuf> {
    let mut paths = vec![dir.join("t0")];
    ok(&["ceremony", "init", "--circuit", "toy_64", "--out", p(&paths[0])]);
    let entropy = dir.join("entropy");
    std::fs::write(&entropy, b"dice: 4 1 6 6 2 3").unwrap();
    let mut next = |step: &str, extra: &[&str]| {
        let out = dir.join(format!("t{}", paths.len()));
        let mut args = vec!["ceremony", step, "--in", p(paths.last().unwrap()), "--out", p(&out)];
        args.extend_from_slice(extra);
        let stdout = ok(&args);
        paths.push(out);
        stdout
    };
    for name in phase1 {
        let stdout = next("contribute", &["--name", name, "--entropy-file", p(&entropy)]);
        assert!(stdout.contains("phase 1 contribution") && stdout.contains(name), "{stdout}");
    }
    next("begin-phase2", &[]);
    for name in phase2 {
        assert!(next("contribute", &["--name", name]).contains("phase 2 contribution"));
    }
    paths
}

#[test]
fn a_ceremony_end_to_end_gives_production_keys_and_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ceremony(dir.path(), &["alice", "bob", "carol"], &["dave", "erin"]);
    let last = paths.last().unwrap();

    // Every contribution is listed with its hash; the contributors' printed hashes match.
    let verified = ok(&["ceremony", "verify", "--in", p(last)]);
    for line in ["phase 1 contribution #3 (\"carol\")", "phase 2 contribution #2 (\"erin\")", "3 + 2 contributions"] {
        assert!(verified.contains(line), "{verified}");
    }
    // Finalizing needs phase 2 with a contribution.
    let keys = dir.path().join("keys");
    assert!(fails(&["ceremony", "finalize", "--in", p(&paths[3]), "--keys-dir", p(&keys)])
        .contains("phase 2 has not begun"));
    assert!(fails(&["ceremony", "finalize", "--in", p(&paths[4]), "--keys-dir", p(&keys)]).contains("no contribution"));
    let stdout = ok(&["ceremony", "finalize", "--in", p(last), "--keys-dir", p(&keys)]);
    assert!(stdout.contains("toy_64.pk") && stdout.contains("production keys"), "{stdout}");
    // Production keys are not overwritten by accident.
    assert!(fails(&["ceremony", "finalize", "--in", p(last), "--keys-dir", p(&keys)]).contains("--force"));
    ok(&["ceremony", "finalize", "--in", p(last), "--keys-dir", p(&keys), "--force"]);

    // The key tools accept them, and they prove and verify.
    assert!(ok(&["keygen", "--check", "--keys-dir", p(&keys)]).contains("ok toy_64"));
    let sol = dir.path().join("Verifier.sol");
    assert!(ok(&["keygen", "--keys-dir", p(&keys), "--export-verifier", p(&sol)]).contains("verify_toy_64"));
    // Production keys: the exported verifier does not flag them as dev keys (which the deployment
    // refuses outside a local dev chain).
    assert!(std::fs::read_to_string(&sol).unwrap().contains("bool public constant DEV_KEYS = false;"));
    let loaded = load_keys(&keys, "toy_64").unwrap();
    assert_eq!(loaded.file.kind, KeyKind::Production);
    assert!(loaded.file.dev_seed.is_none());
    let x = Fr::from_str("3").unwrap();
    let circuit = ToyCircuit { n: 64, x: Some(x) };
    let inputs = circuit.public_inputs(x);
    let proof = prove(&loaded.params, circuit).unwrap();
    assert!(verify(&loaded.params.vk, &proof, &inputs).unwrap());

    // A contribution spliced in from another ceremony (same names, valid points): refused, named.
    let other = tempfile::tempdir().unwrap();
    let other_paths = ceremony(other.path(), &["alice", "bob", "carol"], &["dave"]);
    let mine = std::fs::read(&paths[3]).unwrap();
    let theirs = std::fs::read(&other_paths[3]).unwrap();
    // Header (18 + 2 + 6 + 32 + 12 + 1), phase, count; then contributions of 2 + 5 + 960 bytes
    // ("alice") and 2 + 3 + 960 ("bob").
    let start = 71 + 1 + 4 + 967;
    let end = start + 965;
    let mut spliced = mine.clone();
    spliced[start..end].copy_from_slice(&theirs[start..end]);
    let bad = dir.path().join("spliced");
    std::fs::write(&bad, &spliced).unwrap();
    let err = fails(&["ceremony", "verify", "--in", p(&bad)]);
    assert!(
        err.contains("phase 1 contribution #2 (\"bob\") is invalid: tau: its proof of knowledge does not verify"),
        "{err}"
    );
    // The accumulator with two powers swapped (still valid points): blamed on carol, who wrote it.
    let acc = end + 967;
    let mut swapped = mine.clone();
    let (a, b) = (acc + 2 * 64, acc + 3 * 64);
    let tmp = swapped[a..a + 64].to_vec();
    swapped.copy_within(b..b + 64, a);
    swapped[b..b + 64].copy_from_slice(&tmp);
    std::fs::write(&bad, &swapped).unwrap();
    let err = fails(&["ceremony", "verify", "--in", p(&bad)]);
    assert!(err.contains("phase 1 contribution #3 (\"carol\") is invalid: the accumulator it wrote"), "{err}");
    assert!(fails(&["ceremony", "begin-phase2", "--in", p(&bad), "--out", p(&dir.path().join("x"))]).contains("carol"));
    // A damaged byte and a truncated file: clear errors, not panics.
    let mut damaged = mine.clone();
    damaged[acc + 10] ^= 0xff;
    std::fs::write(&bad, &damaged).unwrap();
    assert!(fails(&["ceremony", "verify", "--in", p(&bad)]).contains("malformed"));
    std::fs::write(&bad, &mine[..mine.len() - 1]).unwrap();
    assert!(
        fails(&["ceremony", "contribute", "--in", p(&bad), "--out", p(&dir.path().join("x"))]).contains("truncated")
    );
    assert!(fails(&["ceremony", "init", "--circuit", "nope", "--out", p(&bad)]).contains("unknown circuit"));
}
