//! Accept payments: follow the transfers to a merchant's address and credit each one once it is
//! final on L1 — once, even across restarts.
//!
//! ```sh
//! cargo run -p zkpay-client --example accept_payments -- http://127.0.0.1:3030 0xMERCHANT payments.json
//! ```
//!
//! The state file keeps the last event id and the credited tx hashes: after a crash or a restart
//! the stream resumes after that id (`Last-Event-ID`), so nothing is missed, and a payment already
//! credited is never credited again. It is written (atomically) after each credit, before the
//! event id moves on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkpay_client::types::EventType;
use zkpay_client::{Client, EventsRequest};
use zkpay_core::tx::L2Tx;
use zkpay_core::types::Address;

#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct State {
    last_event_id: Option<u64>,
    credited: BTreeSet<String>,
}

fn load(path: &Path) -> Result<State, Box<dyn std::error::Error>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(serde_json::from_str(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(e.into()),
    }
}

fn save(path: &Path, state: &State) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(tmp, path)
}

/// The merchant's own business: mark the order paid (here: print it).
fn credit_order(hash: &str, from_account: u32, amount: u128, token: u16) {
    println!("paid: {amount} of token {token} from account {from_account} (tx {hash}), final on L1");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, node, merchant, state_file] = args.as_slice() else {
        eprintln!("usage: accept_payments NODE_URL 0xMERCHANT_ADDRESS STATE_FILE");
        std::process::exit(2);
    };
    let node = Client::new(node)?;
    let merchant: Address = merchant.parse().map_err(|_| format!("{merchant:?} is not an address"))?;
    let state_file = PathBuf::from(state_file);
    let mut state = load(&state_file)?;
    loop {
        let request = EventsRequest {
            after: state.last_event_id,
            types: vec![EventType::TxFinalized.name().into()],
            accounts: vec![merchant.to_string()],
            txs: vec![],
        };
        let mut stream = match node.events(&request).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("the node is not reachable ({e}); retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        while let Ok(Some(event)) = stream.next().await {
            if let Some(info) = &event.tx {
                if let L2Tx::Transfer(t) = &info.tx {
                    if t.to == merchant && !state.credited.contains(&info.hash) {
                        credit_order(&info.hash, t.account_id, t.amount, t.token);
                        state.credited.insert(info.hash.clone());
                    }
                }
            }
            state.last_event_id = Some(event.id);
            save(&state_file, &state)?;
        }
        // The stream ended (the node restarted): resume after the last event.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
