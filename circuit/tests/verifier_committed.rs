//! `contracts/src/Verifier.sol` is exactly the export of the committed verification keys
//! (`keys/*.vk.json`), so the contract the Rollup deploys against can never go stale. Regenerate it
//! with `scripts/regen-fixtures.sh` (or `zkpay keygen --export-verifier contracts/src/Verifier.sol`).

use std::path::Path;
use zkpay_circuit::keys::{read_verification_key, verification_key_path, KeyKind};
use zkpay_circuit::verifier_sol::export_verifier_dir;

#[test]
fn committed_verifier_sol_matches_the_committed_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let (source, names) = export_verifier_dir(&root.join("keys")).unwrap();
    assert!(names.iter().any(|n| n == "exit"), "keys/exit.vk.json is missing: {names:?}");
    let committed = std::fs::read_to_string(root.join("contracts/src/Verifier.sol"))
        .expect("contracts/src/Verifier.sol is missing: run scripts/regen-fixtures.sh");
    assert!(
        committed == source,
        "contracts/src/Verifier.sol differs from the export of keys/*.vk.json ({names:?}): run scripts/regen-fixtures.sh"
    );
    // DEV_KEYS follows the kinds recorded in the key files (the Rollup refuses dev keys off the dev chain).
    let any_dev = names
        .iter()
        .any(|n| read_verification_key(&verification_key_path(&root.join("keys"), n)).unwrap().0.kind == KeyKind::Dev);
    assert!(source.contains(&format!("bool public constant DEV_KEYS = {any_dev};")));
}
