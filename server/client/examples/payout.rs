//! Pay out: several transfers from one wallet as one atomic batch — they go into one block or
//! none — with one fee (the sum of the node's quotes, paid by the last transfer), then wait until
//! the batch is final on L1.
//!
//! ```sh
//! ZKPAY_WALLET_PASSPHRASE=… cargo run -p zkpay-client --example payout -- \
//!     http://127.0.0.1:3030 ~/.zkpay/wallet.json 0 0xAAA…=1000000 0xBBB…=2500000
//! ```
//!
//! Amounts are base units of the token (id 0: wei) and must be packable; the fee is reported.

use std::time::Duration;
use zkpay_client::keystore::Keystore;
use zkpay_client::types::TxStatus;
use zkpay_client::wallet::Wallet;
use zkpay_client::Client;
use zkpay_core::types::Address;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: payout NODE_URL WALLET_FILE TOKEN_ID 0xADDRESS=AMOUNT...");
        std::process::exit(2);
    }
    let passphrase = std::env::var("ZKPAY_WALLET_PASSPHRASE").map_err(|_| "set ZKPAY_WALLET_PASSPHRASE")?;
    let secret = Keystore::from_json(&std::fs::read_to_string(&args[2])?)?.decrypt(&passphrase)?;
    let token: u16 = args[3].parse()?;
    let mut payouts = Vec::new();
    for p in &args[4..] {
        let (to, amount) = p.split_once('=').ok_or_else(|| format!("{p:?} is not ADDRESS=AMOUNT"))?;
        let to: Address = to.parse().map_err(|_| format!("{to:?} is not an address"))?;
        payouts.push((to, amount.parse::<u128>()?));
    }
    let wallet = Wallet::connect(Client::new(&args[1])?, secret).await?;
    let batch = wallet.prepare_payouts(token, &payouts).await?;
    let fees: u128 = batch.iter().map(|p| p.tx.fee()).sum();
    let accepted = wallet.submit_batch(&batch).await?;
    println!("batch {:?} of {} payouts accepted (fees {fees}); waiting for finality", accepted.batch_id, batch.len());
    let last = accepted.tx_hashes.last().ok_or("empty batch")?;
    let info = wallet.wait(last, TxStatus::Finalized, Duration::from_secs(3600)).await?;
    println!("final in block {:?}", info.block);
    Ok(())
}
