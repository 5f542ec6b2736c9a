//! `zkpay node` as a child process: a TOML config in a temp dir, the address read from its first
//! stdout line, logs to a file, SIGKILL or SIGTERM to stop it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use zkpay_core::types::Address;

pub const CHAIN_ID: u64 = 31337;
pub const ROLLUP: Address = Address([0x11; 20]);
pub const OPERATOR: Address = Address([0xee; 20]);

/// Write `node.toml` for a store in `dir` (extra TOML lines appended under the top level).
pub fn write_config(dir: &Path, timeout_ms: u64, extra: &str) -> PathBuf {
    let keys = zkpay_test_utils::committed_keys_dir();
    let text = format!(
        "data_dir = {:?}\nlisten = \"127.0.0.1:0\"\ndev_feed = true\n{extra}\n[chain]\nchain_id = {CHAIN_ID}\nrollup = \"{ROLLUP}\"\noperator = \"{OPERATOR}\"\ntokens = [1]\n\n[blocks]\nkeys_dir = {:?}\ntimeout_ms = {timeout_ms}\n",
        dir.join("db"),
        keys
    );
    let path = dir.join("node.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `zkpay node`.
pub struct NodeProcess {
    pub child: Child,
    pub url: String,
    /// Where its stderr (the logs) goes.
    pub log: PathBuf,
}

impl NodeProcess {
    /// Start `zkpay node --config config`, logs appended to `log`; waits for its address.
    pub fn start(config: &Path, log_path: &Path) -> NodeProcess {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkpay"))
            .args(["node", "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start zkpay node");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("node did not start: {line:?}"))
            .to_string();
        NodeProcess { child, url, log: log_path.to_path_buf() }
    }

    /// SIGKILL, and reap it.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and wait for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }

    /// SIGTERM, and assert a clean exit; otherwise panic with the status and the log's last lines
    /// (the log lives in a temp dir that is gone once the test has failed).
    pub fn stop_cleanly(self) {
        let log = self.log.clone();
        let status = self.terminate();
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            panic!("SIGTERM did not stop the node cleanly ({status}); its last log lines:\n{tail}");
        }
    }
}

impl Drop for NodeProcess {
    /// A failed test must not leave a node running: SIGKILL whatever is still alive.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
