//! `zkpay dev` as a developer leaves it running: the explorer driven in headless Chromium
//! (scripts/browser/explorer.test.mjs: the page loads, a search finds an account, a transfer made
//! meanwhile appears without a reload, a block opens; screenshots in
//! `$CARGO_TARGET_TMPDIR/explorer-screenshots`), then a stop (SIGTERM) and a second start that
//! resumes the same chain, then `--reset`, which starts a new one.

mod e2e;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `zkpay dev` and what it printed.
struct Dev {
    child: Child,
    stdout: String,
    stderr_file: std::path::PathBuf,
}

impl Dev {
    /// Start `zkpay dev` on `dir` and wait until it printed its URLs and wallets.
    fn start(dir: &Path, anvil_port: u16, extra: &[&str]) -> Dev {
        let stderr_file = dir.with_extension(format!("stderr.{}", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkpay"))
            .args(["dev", "--listen", "127.0.0.1:0", "--anvil-port", &anvil_port.to_string(), "--data-dir"])
            .arg(dir)
            .args(extra)
            .env("ZKPAY_DEV_KEYS_CACHE", e2e::keys_cache())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_file).unwrap())
            .spawn()
            .expect("zkpay dev starts");
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stdout = String::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(600)) {
                Ok(line) => {
                    stdout.push_str(&line);
                    stdout.push('\n');
                    if line.contains("zkpay wallet transfer") {
                        break;
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    panic!(
                        "zkpay dev printed no URLs ({e}):\n{stdout}\n{}",
                        std::fs::read_to_string(&stderr_file).unwrap()
                    );
                }
            }
        }
        Dev { child, stdout, stderr_file }
    }

    /// The value printed after `label` (e.g. the explorer's URL).
    fn field(&self, label: &str) -> String {
        let line = self.stdout.lines().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| {
            panic!("no {label:?} line in:\n{}", self.stdout);
        });
        line.split_whitespace().nth(1).unwrap().to_string()
    }

    /// The demo wallets: (address, Ethereum key).
    fn wallets(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .filter_map(|l| l.trim().split_once("  key "))
            .map(|(a, k)| (a.trim().to_string(), k.trim().to_string()))
            .collect()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    /// SIGTERM, as a service manager stops it; it must exit 0 within a minute.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "zkpay dev exited with {status} on SIGTERM:\n{}", self.stderr());
                return self.stderr();
            }
            assert!(std::time::Instant::now() < deadline, "zkpay dev did not stop on SIGTERM:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn get(url: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
}

#[test]
fn the_explorer_in_chromium_then_a_resumed_chain_then_a_reset() {
    let _ = e2e::keys().block(8).expect("block_8 dev keys");
    let root = zkpay_test_utils::repo_root();
    let browser = root.join("scripts/browser");
    assert!(
        browser.join("node_modules/playwright-core").exists() && Path::new("/usr/bin/chromium").exists(),
        "playwright-core or chromium is missing: run scripts/setup.sh"
    );
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("chain");
    let anvil_port = free_port();

    // 1. A new chain; the browser test against it.
    let dev = Dev::start(&dir, anvil_port, &[]);
    assert!(dev.stderr().contains("deploying the contracts"), "{}", dev.stderr());
    let explorer = dev.field("explorer");
    let api = explorer.trim_end_matches('/').to_string();
    let rollup = dev.stdout.lines().next().unwrap().to_string();
    let wallets = dev.wallets();
    assert_eq!(wallets.len(), 3, "{}", dev.stdout);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let run = Command::new("node")
        .arg("explorer.test.mjs")
        .current_dir(&browser)
        .env("EXPLORER_URL", &explorer)
        .env("ZKPAY_BIN", env!("CARGO_BIN_EXE_zkpay"))
        .env("ALICE_KEY", &wallets[0].1)
        .env("BOB", &wallets[1].0)
        .env("SCREENSHOTS", &shots)
        .env("WORK", work.path())
        .output()
        .expect("node runs");
    let js_out = String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    if !run.status.success() {
        let stderr = dev.stderr();
        drop(dev.stop());
        panic!("the browser test failed:\n{js_out}\nzkpay dev:\n{stderr}");
    }
    for name in ["1-home", "2-account", "3-live-transfer", "4-block", "5-tx"] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).expect("screenshot written");
        assert!(png.len() > 1000 && png.starts_with(b"\x89PNG"), "{name}.png is not a PNG");
    }
    let paid: String =
        js_out.split("tx ").nth(1).and_then(|s| s.split_whitespace().next()).expect("the tx hash").to_string();
    let blocks_before = get(&format!("{api}/v1/status"))["lastBlock"].as_u64().unwrap();
    dev.stop();
    assert!(dir.join("anvil-state.json").exists(), "anvil's state is written on stop");

    // 2. A second start resumes the chain: same Rollup, the transfer and the blocks still there,
    // the wallets not funded again.
    let dev = Dev::start(&dir, anvil_port, &[]);
    let stderr = dev.stderr();
    assert!(stderr.contains("resuming the chain"), "{stderr}");
    assert!(!stderr.contains("funding demo wallet"), "funded again:\n{stderr}");
    assert_eq!(dev.stdout.lines().next().unwrap(), rollup);
    let api = dev.field("explorer").trim_end_matches('/').to_string();
    assert!(get(&format!("{api}/v1/status"))["lastBlock"].as_u64().unwrap() >= blocks_before);
    assert_eq!(get(&format!("{api}/v1/txs/{paid}"))["hash"], paid.as_str(), "the transfer survived the restart");
    dev.stop();

    // 3. --reset: a new chain, where the transfer never happened.
    let dev = Dev::start(&dir, anvil_port, &["--reset"]);
    let stderr = dev.stderr();
    assert!(stderr.contains("deploying the contracts") && stderr.contains("funding demo wallet"), "{stderr}");
    let api = dev.field("explorer").trim_end_matches('/').to_string();
    assert_eq!(get(&format!("{api}/v1/txs/{paid}"))["code"], "not_found", "the old chain's tx is gone");
    dev.stop();
}

#[test]
fn a_stop_during_the_demo_stops_anvil_too() {
    let _ = e2e::keys().block(8).expect("block_8 dev keys");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("chain");
    let anvil_port = free_port();
    let mut dev = Dev::start(&dir, anvil_port, &["--demo"]);
    assert!(Command::new("kill").args(["-TERM", &dev.child.id().to_string()]).status().unwrap().success());
    let status = dev.child.wait().unwrap();
    assert!(!status.success(), "an interrupted demo is not a passed one");
    assert!(dev.stderr().contains("the demo was interrupted"), "{}", dev.stderr());
    // anvil went with it: its port is free again and its state was written.
    assert!(std::net::TcpListener::bind(("127.0.0.1", anvil_port)).is_ok(), "anvil outlived zkpay dev");
    assert!(dir.join("anvil-state.json").exists());
}
