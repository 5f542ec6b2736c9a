//! `zkpay bench state`: the state transition at scale — 100,000 funded accounts, blocks of signed
//! transfers applied as the node does (signatures verified in parallel, the tx applied sequentially,
//! one parallel rehash per sealed block), and the per-chunk sequential update rate the circuit's
//! witness needs.

use super::Report;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkpay_core::block::{BlockBuilder, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::state::{BlockContext, State, UpdateMode, VerifiedTx};
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, L2Tx, PriorityOpData, TimeRange, Transfer, TxSignature,
};
use zkpay_core::types::{AccountId, Address};

const TS: u64 = 1_700_000_000;

fn domain() -> Domain {
    Domain { chain_id: 31337, rollup: Address([0x5f; 20]) }
}

fn address(i: u32) -> Address {
    let mut a = [0x11u8; 20];
    a[16..].copy_from_slice(&(i + 1).to_be_bytes());
    Address(a)
}

fn key(i: u32) -> PrivateKey {
    let mut k = [7u8; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    PrivateKey::from_bytes(k)
}

/// Genesis plus `accounts` funded accounts (ids 1…accounts); the first `signers` get keys.
fn populated(accounts: u32, signers: u32) -> Result<State, String> {
    let mut s = State::genesis(Address([0xee; 20])).map_err(|e| e.to_string())?;
    s.set_mode(UpdateMode::Fast);
    for i in 1..=accounts {
        let d = Deposit { from: address(i), to: address(i), token: 0, amount: 1_000_000_000 };
        s.apply_priority_op(&PriorityOpData::Deposit(d)).map_err(|e| e.to_string())?;
    }
    let ctx = BlockContext { timestamp: TS, domain: domain() };
    for i in 1..=signers {
        let mut tx = ChangePubKey {
            account_id: i,
            account: address(i),
            new_pub_key_hash: key(i).public_key().hash(),
            fee_token: 0,
            fee: 0,
            nonce: 0,
            time_range: TimeRange { valid_from: 0, valid_until: u64::MAX },
            auth: ChangePubKeyAuth::Onchain,
            signature: TxSignature::default(),
        };
        tx.sign(&key(i), &domain()).map_err(|e| e.to_string())?;
        s.apply_tx(&L2Tx::ChangePubKey(tx), &ctx).map_err(|e| e.to_string())?;
    }
    s.flush();
    Ok(s)
}

/// `count` signed transfers from the keyed accounts (round robin, nonces continuing from the state's)
/// to random existing accounts.
fn transfers(
    state: &State,
    rng: &mut impl Rng,
    count: usize,
    accounts: u32,
    signers: u32,
) -> Result<Vec<L2Tx>, String> {
    let mut nonces: Vec<u32> = (0..=signers).map(|i| state.account(i).map(|a| a.nonce).unwrap_or(0)).collect();
    let keys: Vec<PrivateKey> = (0..=signers).map(key).collect();
    (0..count)
        .map(|n| {
            let from = 1 + (n as u32 % signers);
            let to: AccountId = rng.gen_range(1..=accounts);
            let mut t = Transfer {
                account_id: from,
                to: address(to),
                token: 0,
                amount: 1_000,
                fee: 10,
                nonce: nonces[from as usize],
                time_range: TimeRange { valid_from: 0, valid_until: u64::MAX },
                signature: TxSignature::default(),
            };
            nonces[from as usize] += 1;
            t.sign(&keys[from as usize], &domain()).map_err(|e| e.to_string())?;
            Ok(L2Tx::Transfer(t))
        })
        .collect()
}

/// Apply `txs` in blocks of `chunks` chunks; returns (seconds, blocks).
fn run_blocks(state: &mut State, txs: &[L2Tx], chunks: usize, first_block: u32) -> Result<(f64, u32), String> {
    let per_block = chunks / 2;
    let start = Instant::now();
    let mut number = first_block;
    for batch in txs.chunks(per_block) {
        let verified = VerifiedTx::verify_all(batch.to_vec(), &domain());
        let header = BlockHeader { domain: domain(), number, fee_account: 0, timestamp: TS, chunks };
        let mut builder = BlockBuilder::new(state, header).map_err(|e| e.to_string())?;
        for v in verified {
            let v = v.map_err(|e| e.to_string())?;
            builder.add_verified_tx(state, &v).map_err(|e| e.to_string())?;
        }
        builder.seal(state).map_err(|e| e.to_string())?;
        number += 1;
    }
    Ok((start.elapsed().as_secs_f64(), number - first_block))
}

/// Run the suite; `scale` multiplies counts (accounts are capped at 100,000).
pub fn run(report: &mut Report, scale: f64) -> Result<(), String> {
    let accounts = ((100_000.0 * scale.min(1.0)) as u32).max(1_000);
    let signers = 256u32.min(accounts);
    let n = ((4_096.0 * scale) as usize).max(64);
    let mut rng = ChaCha20Rng::seed_from_u64(0x5747e);

    let start = Instant::now();
    let mut state = populated(accounts, signers)?;
    report.add("state_accounts", accounts as f64, "accounts");
    report.add("state_setup_s", start.elapsed().as_secs_f64(), "s");

    let txs = transfers(&state, &mut rng, 2 * n, accounts, signers)?;
    let (small, large) = txs.split_at(n);

    let (secs, blocks) = run_blocks(&mut state, small, 32, 1)?;
    report.add("transfers_per_second", small.len() as f64 / secs, "tx/s");
    report.add("blocks_sealed_block32", blocks as f64, "blocks");
    let (secs, _) = run_blocks(&mut state, large, 512, 1 + blocks)?;
    report.add("transfers_per_second_block512", large.len() as f64 / secs, "tx/s");

    // Witness mode: every chunk rehashed at once with its proofs, strictly in order.
    state.set_mode(UpdateMode::Witness);
    let ctx = BlockContext { timestamp: TS, domain: domain() };
    let verified: Vec<VerifiedTx> =
        VerifiedTx::verify_all(transfers(&state, &mut rng, n.min(1_024), accounts, signers)?, &domain())
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut updates = 0usize;
    for v in &verified {
        updates += state.apply_verified_tx(v, &ctx).map_err(|e| e.to_string())?.updates.len();
    }
    let secs = start.elapsed().as_secs_f64();
    report.add("sequential_updates_per_second", updates as f64 / secs, "updates/s");
    report.add("witness_transfers_per_second", verified.len() as f64 / secs, "tx/s");
    Ok(())
}
