//! `contracts/artifacts/*.json`, which the L1 bindings (`sol!`) and deployments are built from,
//! must be what the pinned solcjs makes of the current sources: recompiled here through
//! `contracts/scripts/compile.js` (the same script `scripts/regen-artifacts.sh` runs) and compared.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The artifacts `scripts/regen-artifacts.sh` writes: (name, source, whether bytecode is kept).
fn listed() -> Vec<(String, String, bool)> {
    let script = std::fs::read_to_string(repo().join("scripts/regen-artifacts.sh")).unwrap();
    let start = script.find("ARTIFACTS=(").expect("the ARTIFACTS list");
    let body = &script[start..script[start..].find("\n)").unwrap() + start];
    body.lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix('"').map(str::to_string))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].to_string(), f[2] == "yes")
        })
        .collect()
}

#[test]
fn committed_artifacts_match_a_fresh_compile() {
    let contracts = repo().join("contracts");
    assert!(
        contracts.join("node_modules/solc/package.json").exists(),
        "the pinned solcjs is missing: run scripts/setup.sh (npm ci in contracts/)"
    );
    let artifacts = listed();
    assert!(artifacts.len() >= 5, "{artifacts:?}");
    for (name, source, keep_bytecode) in artifacts {
        let out = Command::new("node")
            .current_dir(&contracts)
            .args(["scripts/compile.js", &source, &name])
            .output()
            .expect("node runs (scripts/setup.sh installs it)");
        assert!(out.status.success(), "compiling {source}: {}", String::from_utf8_lossy(&out.stderr));
        let fresh: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let path = contracts.join(format!("artifacts/{name}.json"));
        let committed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stale = format!("{} is stale: run scripts/regen-artifacts.sh", path.display());
        assert_eq!(committed["abi"], fresh["abi"], "{stale} (ABI)");
        if keep_bytecode {
            assert_eq!(committed["bytecode"], fresh["bytecode"], "{stale} (bytecode)");
        } else {
            assert!(committed.get("bytecode").is_none());
        }
    }
}
