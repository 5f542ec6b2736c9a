//! Shared EVM test tooling: the pinned npm tools (solcjs, anvil), compiling, a JSON-RPC client
//! over std, hand-written ABI encoding of the verifier calls, and anvil with a kill-on-drop guard.
#![allow(dead_code)]

use std::io::{Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use zkpay_circuit::bellman_ce::pairing::bn256::Fr;
use zkpay_circuit::bellman_ce::pairing::ff::Field;
use zkpay_circuit::verifier_sol::{public_input_to_uint256, Uint256};

// ---------------------------------------------------------------------------------------------
// Tooling: paths, solcjs, anvil, JSON-RPC

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The npm-installed tools, or a failure that says how to get them: never a silent skip.
pub fn contracts_tools() -> (PathBuf, PathBuf) {
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

pub struct Compiled {
    pub bytecode: String,
    /// Function signature → 4-byte selector (hex), as solc reports them.
    pub selectors: serde_json::Map<String, Value>,
}

pub fn compile(compile_js: &Path, source: &str) -> Compiled {
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
    assert!(out.status.success(), "solcjs failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    Compiled {
        bytecode: v["bytecode"].as_str().unwrap().to_string(),
        selectors: v["methodIdentifiers"].as_object().unwrap().clone(),
    }
}

/// A running anvil on a free loopback port; killed (and reaped) on drop, so a failing assertion
/// does not leave it behind.
pub struct Anvil {
    child: Child,
    port: u16,
}

impl Anvil {
    pub fn start(bin: &Path) -> Anvil {
        // Ask the OS for a free port, then hand it to anvil. Another process could take it in
        // between; then anvil exits and the readiness loop below reports it.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--accounts", "1"])
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
    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
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
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no HTTP header end")?;
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

    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params).unwrap_or_else(|e| panic!("{method}: {e}"))
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
        let size_str = String::from_utf8_lossy(&b[..line_end]);
        let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16).map_err(|e| e.to_string())?;
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

pub fn word(n: usize) -> Uint256 {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(n as u64).to_be_bytes());
    w
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn selector(c: &Compiled, signature: &str) -> String {
    c.selectors
        .get(signature)
        .unwrap_or_else(|| panic!("no function {signature} in the compiled verifier"))
        .as_str()
        .unwrap()
        .to_string()
}

/// `f(uint256[8], uint256[N])`: both static, so just the words in order after the selector.
pub fn encode_single(sel: &str, proof: &[Uint256; 8], inputs: &[Uint256]) -> String {
    let mut data = format!("0x{sel}");
    for w in proof.iter().chain(inputs) {
        data.push_str(&hex(w));
    }
    data
}

/// `f(uint256[8][], uint256[])`: two dynamic arguments, so a head of two offsets (from the start
/// of the arguments), then each tail as its length followed by its elements.
pub fn encode_batch(sel: &str, proofs: &[[Uint256; 8]], inputs: &[Uint256]) -> String {
    let head_len = 2 * 32;
    let proofs_tail_len = 32 + proofs.len() * 8 * 32;
    let mut words: Vec<Uint256> = vec![word(head_len), word(head_len + proofs_tail_len), word(proofs.len())];
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
pub enum Outcome {
    True,
    False,
    /// Reverted with `PrecompileFailed()`.
    PrecompileFailed,
}

pub fn call(anvil: &Anvil, to: &str, data: &str) -> Outcome {
    let out = match anvil.try_rpc("eth_call", json!([{"to": to, "data": data, "gas": "0x1c9c380"}, "latest"])) {
        Ok(out) => out,
        Err(e) if e.contains("revert") && e.contains(PRECOMPILE_FAILED) => return Outcome::PrecompileFailed,
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
pub const PRECOMPILE_FAILED: &str = "0x84e81692";

pub fn call_bool(anvil: &Anvil, to: &str, data: &str) -> bool {
    match call(anvil, to, data) {
        Outcome::True => true,
        Outcome::False => false,
        Outcome::PrecompileFailed => panic!("reverted where a bool was expected"),
    }
}

pub fn estimate_gas(anvil: &Anvil, to: &str, data: &str) -> u64 {
    let g = anvil.rpc("eth_estimateGas", json!([{"to": to, "data": data}]));
    u64::from_str_radix(g.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// `w + 1` on a big-endian word (to tamper with a coordinate or an input).
pub fn plus_one(mut w: Uint256) -> Uint256 {
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
pub fn r_word() -> Uint256 {
    let mut r_minus_one = Fr::zero();
    r_minus_one.sub_assign(&Fr::one());
    plus_one(public_input_to_uint256(&r_minus_one))
}

/// Deploy `bytecode` from anvil's first unlocked account; returns (contract address, gas used).
pub fn deploy(anvil: &Anvil, bytecode: &str) -> (String, u64) {
    let from = anvil.rpc("eth_accounts", json!([]))[0].as_str().unwrap().to_string();
    let tx = anvil.rpc("eth_sendTransaction", json!([{"from": from, "data": bytecode, "gas": "0x1c9c380"}]));
    // anvil mines at once but may answer before the receipt is stored: poll, bounded.
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
    let gas = u64::from_str_radix(receipt["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    (receipt["contractAddress"].as_str().unwrap().to_string(), gas)
}
