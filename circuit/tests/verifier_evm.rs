//! The exported Solidity verifier on a real EVM: real Groth16 keys and proofs of two toy circuits
//! (one with a single public input, like the block circuits, so it gets a batch function; one with two),
//! the contract compiled by the pinned solcjs (`contracts/scripts/compile.js`), deployed on anvil
//! (`contracts/node_modules`, installed by `scripts/setup.sh`) and called over JSON-RPC.
//!
//! The verifier answers `false` to a proof that fails the pairing check or to out-of-range words,
//! and reverts when a precompile rejects a point (off its curve, outside G2's subgroup): each
//! rejection below is asserted to be the one the contract documents, not just "not true".

use std::io::{Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rand04::{SeedableRng, XorShiftRng};
use serde_json::{json, Value};
use zkpay_circuit::bellman_ce::groth16::{
    create_random_proof, generate_random_parameters, prepare_verifying_key, verify_proof,
    Parameters, Proof,
};
use zkpay_circuit::bellman_ce::pairing::bn256::{Bn256, Fr};
use zkpay_circuit::bellman_ce::pairing::ff::{Field, PrimeField};
use zkpay_circuit::bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use zkpay_circuit::verifier_sol::{
    export_verifier, proof_to_uint256_8, public_input_to_uint256, Uint256,
};

// ---------------------------------------------------------------------------------------------
// Toy circuits

/// Knows `x` with `x·x = y`; public input `y` (one input, as a block circuit has).
struct Square {
    x: Option<Fr>,
}

impl Circuit<Bn256> for Square {
    fn synthesize<CS: ConstraintSystem<Bn256>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let x_val = self.x;
        let x = cs.alloc(|| "x", || x_val.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.alloc_input(
            || "y",
            || {
                let mut y = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                y.square();
                Ok(y)
            },
        )?;
        cs.enforce(|| "x * x = y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
        Ok(())
    }
}

/// Knows `x` with `x·x = y` and `x + 5 = z`; public inputs `[y, z]` (so the IC has three points).
struct SquarePlusFive {
    x: Option<Fr>,
}

impl Circuit<Bn256> for SquarePlusFive {
    fn synthesize<CS: ConstraintSystem<Bn256>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let x_val = self.x;
        let x = cs.alloc(|| "x", || x_val.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.alloc_input(
            || "y",
            || {
                let mut y = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                y.square();
                Ok(y)
            },
        )?;
        let z = cs.alloc_input(
            || "z",
            || {
                let mut z = x_val.ok_or(SynthesisError::AssignmentMissing)?;
                z.add_assign(&fr(5));
                Ok(z)
            },
        )?;
        cs.enforce(|| "x * x = y", |lc| lc + x, |lc| lc + x, |lc| lc + y);
        cs.enforce(
            || "(x + 5) * 1 = z",
            |lc| lc + x + (fr(5), CS::one()),
            |lc| lc + CS::one(),
            |lc| lc + z,
        );
        Ok(())
    }
}

fn fr(n: u64) -> Fr {
    Fr::from_str(&n.to_string()).unwrap()
}

fn square(x: u64) -> Fr {
    let mut y = fr(x);
    y.square();
    y
}

// ---------------------------------------------------------------------------------------------
// Tooling: paths, solcjs, anvil, JSON-RPC

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The npm-installed tools, or a failure that says how to get them: never a silent skip.
fn contracts_tools() -> (PathBuf, PathBuf) {
    let contracts = repo_root().join("contracts");
    let compile = contracts.join("scripts/compile.js");
    let solc = contracts.join("node_modules/solc/package.json");
    let anvil = contracts.join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    for p in [&solc, &anvil] {
        assert!(
            p.exists(),
            "{} is missing: the pinned npm tools are not installed; run scripts/setup.sh (npm ci in contracts/)",
            p.display()
        );
    }
    (compile, anvil)
}

struct Compiled {
    bytecode: String,
    /// Function signature → 4-byte selector (hex), as solc reports them.
    selectors: serde_json::Map<String, Value>,
}

fn compile(compile_js: &Path, source: &str) -> Compiled {
    let dir = std::env::temp_dir().join(format!("zkpay-verifier-evm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Verifier.sol");
    std::fs::write(&file, source).unwrap();
    let out = Command::new("node")
        .arg(compile_js)
        .arg(&file)
        .arg("Verifier")
        .output()
        .expect("node must be installed to compile the verifier (scripts/setup.sh)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "solcjs failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    Compiled {
        bytecode: v["bytecode"].as_str().unwrap().to_string(),
        selectors: v["methodIdentifiers"].as_object().unwrap().clone(),
    }
}

/// A running anvil on a free loopback port; killed (and reaped) on drop, so a failing assertion
/// does not leave it behind.
struct Anvil {
    child: Child,
    port: u16,
}

impl Anvil {
    fn start(bin: &Path) -> Anvil {
        // Ask the OS for a free port, then hand it to anvil. Another process could take it in
        // between; then anvil exits and the readiness loop below reports it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--accounts",
                "1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut anvil = Anvil { child, port };
        // Bounded wait for the RPC to answer (a readiness poll, not a timing assertion).
        for _ in 0..600 {
            if let Some(status) = anvil.child.try_wait().unwrap() {
                panic!("anvil exited before answering: {status}");
            }
            if anvil.try_rpc("eth_chainId", json!([])).is_ok() {
                return anvil;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("anvil did not answer on 127.0.0.1:{port} within 60 s");
    }

    /// One JSON-RPC call over a plain HTTP/1.1 POST (`Connection: close`, so the body runs to EOF).
    /// Err(message) for transport problems and JSON-RPC errors alike; callers that expect success
    /// unwrap it.
    fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.port,
            body.len(),
            body
        )
        .map_err(|e| e.to_string())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("no HTTP header end")?;
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let mut payload = raw[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            payload = dechunk(&payload)?;
        }
        if !head.starts_with("http/1.1 200") {
            return Err(format!("HTTP {}", head.lines().next().unwrap_or("")));
        }
        let v: Value = serde_json::from_slice(&payload).map_err(|e| e.to_string())?;
        match v.get("error") {
            Some(err) => Err(format!("JSON-RPC error: {err}")),
            None => Ok(v["result"].clone()),
        }
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
        let size_str = String::from_utf8_lossy(&b[..line_end]);
        let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16)
            .map_err(|e| e.to_string())?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

// ---------------------------------------------------------------------------------------------
// ABI encoding by hand

fn word(n: usize) -> Uint256 {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(n as u64).to_be_bytes());
    w
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn selector(c: &Compiled, signature: &str) -> String {
    c.selectors
        .get(signature)
        .unwrap_or_else(|| panic!("no function {signature} in the compiled verifier"))
        .as_str()
        .unwrap()
        .to_string()
}

/// `f(uint256[8], uint256[N])`: both static, so just the words in order after the selector.
fn encode_single(sel: &str, proof: &[Uint256; 8], inputs: &[Uint256]) -> String {
    let mut data = format!("0x{sel}");
    for w in proof.iter().chain(inputs) {
        data.push_str(&hex(w));
    }
    data
}

/// `f(uint256[8][], uint256[])`: two dynamic arguments, so a head of two offsets (from the start
/// of the arguments), then each tail as its length followed by its elements.
fn encode_batch(sel: &str, proofs: &[[Uint256; 8]], inputs: &[Uint256]) -> String {
    let head_len = 2 * 32;
    let proofs_tail_len = 32 + proofs.len() * 8 * 32;
    let mut words: Vec<Uint256> = vec![
        word(head_len),
        word(head_len + proofs_tail_len),
        word(proofs.len()),
    ];
    words.extend(proofs.iter().flatten().copied());
    words.push(word(inputs.len()));
    words.extend_from_slice(inputs);
    let mut data = format!("0x{sel}");
    for w in &words {
        data.push_str(&hex(w));
    }
    data
}

/// What an `eth_call` of a verify function gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    True,
    False,
    /// Reverted with `PrecompileFailed()`.
    PrecompileFailed,
}

fn call(anvil: &Anvil, to: &str, data: &str) -> Outcome {
    let out = match anvil.try_rpc(
        "eth_call",
        json!([{"to": to, "data": data, "gas": "0x1c9c380"}, "latest"]),
    ) {
        Ok(out) => out,
        Err(e) if e.contains("revert") && e.contains(PRECOMPILE_FAILED) => {
            return Outcome::PrecompileFailed
        }
        Err(e) => panic!("eth_call: {e}"),
    };
    let out = out.as_str().unwrap();
    assert_eq!(out.len(), 2 + 64, "not a single bool word: {out}");
    match &out[2..] {
        s if s == format!("{:064x}", 0) => Outcome::False,
        s if s == format!("{:064x}", 1) => Outcome::True,
        s => panic!("not a bool: {s}"),
    }
}

/// Selector of `PrecompileFailed()`, keccak256("PrecompileFailed()")[..4]: the revert data carries it.
const PRECOMPILE_FAILED: &str = "0x84e81692";

fn call_bool(anvil: &Anvil, to: &str, data: &str) -> bool {
    match call(anvil, to, data) {
        Outcome::True => true,
        Outcome::False => false,
        Outcome::PrecompileFailed => panic!("reverted where a bool was expected"),
    }
}

fn estimate_gas(anvil: &Anvil, to: &str, data: &str) -> u64 {
    let g = anvil.rpc("eth_estimateGas", json!([{"to": to, "data": data}]));
    u64::from_str_radix(g.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// `w + 1` on a big-endian word (to tamper with a coordinate or an input).
fn plus_one(mut w: Uint256) -> Uint256 {
    for b in w.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
    w
}

/// The BN254 scalar field modulus r as a word (the smallest input the verifier must reject).
fn r_word() -> Uint256 {
    let mut r_minus_one = Fr::zero();
    r_minus_one.sub_assign(&Fr::one());
    plus_one(public_input_to_uint256(&r_minus_one))
}

// ---------------------------------------------------------------------------------------------

#[test]
fn exported_verifier_checks_real_proofs_on_anvil() {
    let (compile_js, anvil_bin) = contracts_tools();

    // Deterministic keys and proofs (insecure toy setup: a fixed seed).
    let mut rng = XorShiftRng::from_seed([0x5eed_0001, 0x2b, 0x3c, 0x4d]);
    let sq_params: Parameters<Bn256> =
        generate_random_parameters(Square { x: None }, &mut rng).unwrap();
    let sp5_params: Parameters<Bn256> =
        generate_random_parameters(SquarePlusFive { x: None }, &mut rng).unwrap();
    let sq_pvk = prepare_verifying_key(&sq_params.vk);
    let sp5_pvk = prepare_verifying_key(&sp5_params.vk);

    let xs = [3u64, 7, 1_000_003];
    let sq_proofs: Vec<(Proof<Bn256>, Fr)> = xs
        .iter()
        .map(|&x| {
            let proof =
                create_random_proof(Square { x: Some(fr(x)) }, &sq_params, &mut rng).unwrap();
            assert!(
                verify_proof(&sq_pvk, &proof, &[square(x)]).unwrap(),
                "native check of the toy proof"
            );
            (proof, square(x))
        })
        .collect();
    let sp5_inputs = [square(11), fr(16)];
    let sp5_proof =
        create_random_proof(SquarePlusFive { x: Some(fr(11)) }, &sp5_params, &mut rng).unwrap();
    assert!(verify_proof(&sp5_pvk, &sp5_proof, &sp5_inputs).unwrap());

    let source = export_verifier(&[
        ("square".to_string(), &sq_params.vk),
        ("square_plus_five".to_string(), &sp5_params.vk),
    ]);
    let compiled = compile(&compile_js, &source);

    let anvil = Anvil::start(&anvil_bin);
    let from = anvil.rpc("eth_accounts", json!([]))[0]
        .as_str()
        .unwrap()
        .to_string();
    let tx = anvil.rpc(
        "eth_sendTransaction",
        json!([{"from": from, "data": compiled.bytecode, "gas": "0x1c9c380"}]),
    );
    // anvil mines the transaction right away but may answer before the receipt is stored: poll
    // (bounded) until it is there.
    let receipt = (0..600)
        .map(|_| {
            let r = anvil.rpc("eth_getTransactionReceipt", json!([tx]));
            if r.is_null() {
                std::thread::sleep(Duration::from_millis(100));
            }
            r
        })
        .find(|r| !r.is_null())
        .expect("no receipt for the deployment within 60 s");
    assert_eq!(receipt["status"], "0x1", "deployment failed: {receipt}");
    let verifier = receipt["contractAddress"].as_str().unwrap().to_string();
    let deploy_gas = u64::from_str_radix(
        receipt["gasUsed"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();

    let sel_sq = selector(&compiled, "verify_square(uint256[8],uint256[1])");
    let sel_sq_batch = selector(&compiled, "verify_square_batch(uint256[8][],uint256[])");
    let sel_sp5 = selector(&compiled, "verify_square_plus_five(uint256[8],uint256[2])");
    assert!(
        !compiled
            .selectors
            .keys()
            .any(|s| s.starts_with("verify_square_plus_five_batch")),
        "no batch function for a two-input key"
    );

    let words: Vec<([Uint256; 8], Uint256)> = sq_proofs
        .iter()
        .map(|(p, y)| (proof_to_uint256_8(p), public_input_to_uint256(y)))
        .collect();

    // Every valid proof is accepted.
    for (proof, input) in &words {
        assert!(call_bool(
            &anvil,
            &verifier,
            &encode_single(&sel_sq, proof, &[*input])
        ));
    }
    let sp5_words = proof_to_uint256_8(&sp5_proof);
    let sp5_input_words: Vec<Uint256> = sp5_inputs.iter().map(public_input_to_uint256).collect();
    assert!(call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sp5, &sp5_words, &sp5_input_words)
    ));

    let (proof0, input0) = words[0];
    // Each coordinate changed by one: the point leaves its curve, and the pairing precompile fails.
    for k in 0..8 {
        let mut bad = proof0;
        bad[k] = plus_one(bad[k]);
        let got = call(&anvil, &verifier, &encode_single(&sel_sq, &bad, &[input0]));
        assert_eq!(got, Outcome::PrecompileFailed, "tampered word {k}");
    }
    // A valid but different B (B of another proof): a clean `false`.
    let mut other_b = proof0;
    other_b[2..6].copy_from_slice(&words[1].0[2..6]);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &other_b, &[input0])
    ));
    // A valid point in the wrong place: A and C swapped.
    let mut swapped = proof0;
    swapped.swap(0, 6);
    swapped.swap(1, 7);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &swapped, &[input0])
    ));
    // A proof for another input.
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &proof0, &[words[1].1])
    ));
    // A proof of the other circuit.
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sp5, &proof0, &sp5_input_words)
    ));
    let mut sp5_bad_inputs = sp5_input_words.clone();
    sp5_bad_inputs[1] = plus_one(sp5_bad_inputs[1]);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sp5, &sp5_words, &sp5_bad_inputs)
    ));
    // Inputs ≥ r are rejected, even r + y, which is y modulo r (the proof is valid for y).
    let r = r_word();
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &proof0, &[r])
    ));
    let r_plus_y = add_words(r, input0);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &proof0, &[r_plus_y])
    ));
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sp5, &sp5_words, &[sp5_input_words[0], [0xff; 32]])
    ));
    // A proof word ≥ q (A.y + q would name the same point modulo q).
    let mut big = proof0;
    big[1] = [0xff; 32];
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &big, &[input0])
    ));

    // Batch: all three valid proofs in one pairing; order does not matter.
    let proofs: Vec<[Uint256; 8]> = words.iter().map(|w| w.0).collect();
    let inputs: Vec<Uint256> = words.iter().map(|w| w.1).collect();
    let batch = encode_batch(&sel_sq_batch, &proofs, &inputs);
    assert!(call_bool(&anvil, &verifier, &batch));
    assert!(call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &proofs[..1], &inputs[..1])
    ));
    let rev_p: Vec<_> = proofs.iter().rev().copied().collect();
    let rev_i: Vec<_> = inputs.iter().rev().copied().collect();
    assert!(call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &rev_p, &rev_i)
    ));
    // One tampered proof, in each position, sinks the batch: a coordinate off the curve makes a
    // precompile fail; a valid point in the wrong proof fails the pairing check.
    for i in 0..3 {
        let mut bad = proofs.clone();
        bad[i][6] = plus_one(bad[i][6]);
        let got = call(
            &anvil,
            &verifier,
            &encode_batch(&sel_sq_batch, &bad, &inputs),
        );
        assert_eq!(got, Outcome::PrecompileFailed, "tampered C of proof {i}");
        let mut bad = proofs.clone();
        bad[i][6..8].copy_from_slice(&proofs[(i + 1) % 3][6..8]);
        assert!(
            !call_bool(
                &anvil,
                &verifier,
                &encode_batch(&sel_sq_batch, &bad, &inputs)
            ),
            "foreign C in proof {i} accepted"
        );
        let mut bad_inputs = inputs.clone();
        bad_inputs[i] = inputs[(i + 1) % 3];
        assert!(
            !call_bool(
                &anvil,
                &verifier,
                &encode_batch(&sel_sq_batch, &proofs, &bad_inputs)
            ),
            "wrong input {i} accepted"
        );
    }
    // Two proofs swapped against their inputs, an input ≥ r, an empty batch, mismatched lengths.
    let mut crossed = inputs.clone();
    crossed.swap(0, 1);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &proofs, &crossed)
    ));
    let mut over = inputs.clone();
    over[2] = add_words(r, inputs[2]);
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &proofs, &over)
    ));
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &[], &[])
    ));
    assert!(!call_bool(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &proofs, &inputs[..2])
    ));

    // Gas, for the record (printed, not asserted: it is a figure, not a rule).
    let single = estimate_gas(
        &anvil,
        &verifier,
        &encode_single(&sel_sq, &proofs[0], &inputs[..1]),
    );
    let two_inputs = estimate_gas(
        &anvil,
        &verifier,
        &encode_single(&sel_sp5, &sp5_words, &sp5_input_words),
    );
    let batch1 = estimate_gas(
        &anvil,
        &verifier,
        &encode_batch(&sel_sq_batch, &proofs[..1], &inputs[..1]),
    );
    let batch3 = estimate_gas(&anvil, &verifier, &batch);
    println!("gas: deploy {deploy_gas}");
    println!(
        "gas: verify_square (1 input) {single}; verify_square_plus_five (2 inputs) {two_inputs}"
    );
    println!(
        "gas: verify_square_batch of 1 {batch1}; of 3 {batch3} ({} per proof)",
        batch3 / 3
    );
}

/// `a + b` on big-endian words (no overflow for the values used here).
fn add_words(a: Uint256, b: Uint256) -> Uint256 {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = a[i] as u16 + b[i] as u16 + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    out
}
