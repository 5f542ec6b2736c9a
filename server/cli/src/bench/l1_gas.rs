//! `zkpay bench l1-gas`: L1 gas on a real EVM. Starts anvil, deploys the contracts, and runs real
//! deposits, 8-chunk blocks with real proofs (committed, proven singly and in a batch of four,
//! executed with and without a withdrawal), 32-chunk blocks of transfers (commit only), and an
//! exodus with a real exit proof from a state restored from L1. Every figure is a receipt's
//! `gasUsed` (calldata and the 21,000 base included) or a difference of two; the modelled total
//! per transfer extrapolates them to 512-chunk blocks in 8-block batches (formula in
//! `docs/benchmarks.md`, "L1 gas").

use super::Report;
use crate::quiet_stdout;
use alloy::primitives::{Address as EthAddress, U256};
use alloy::signers::SignerSync;
use alloy::sol_types::SolValue;
use zkpay_cli::paths::{anvil_binary, committed_keys_dir, dev_keys_cache_dir};
use zkpay_core::block::Block;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::ops::Op;
use zkpay_core::tx::{ChangePubKey, ChangePubKeyAuth, L2Tx, TimeRange, Transfer, TxSignature, Withdraw};
use zkpay_l1::devnet::{DevChain, DevOperator, Item};
use zkpay_l1::encode::proof_words;
use zkpay_l1::encode::{commit_block, core_address};
use zkpay_l1::restore::restore_from_l1;
use zkpay_prover::{prove_block, prove_exit, KeyStore};

const ETHER: u128 = 1_000_000_000_000_000_000;
/// Priority expiration of the bench deployment, in L1 blocks.
const EXPIRATION: u64 = 20;
/// The transaction base cost every receipt includes.
const TX_BASE: f64 = 21_000.0;
/// Model: chunks per block, blocks per commit/prove/execute transaction.
const MODEL_CHUNKS: f64 = 512.0;
const MODEL_BATCH: f64 = 8.0;
/// EIP-7623: calldata floor per token (a zero byte is 1 token, a nonzero byte 4).
const FLOOR_PER_TOKEN: f64 = 10.0;

/// Run the suite.
pub fn run(report: &mut Report) -> Result<(), String> {
    crate::runtime()?.block_on(measure(report))
}

fn prove_all(pk: &zkpay_prover::ProvingKey, blocks: &[Block]) -> Result<Vec<[U256; 8]>, String> {
    quiet_stdout(|| {
        blocks
            .iter()
            .map(|b| prove_block(pk, b).map(|p| proof_words(&p)).map_err(|e| format!("block {}: {e}", b.header.number)))
            .collect()
    })?
}

/// EIP-7623 calldata tokens of `bytes`: a zero byte is 1, a nonzero byte 4.
fn tokens(bytes: &[u8]) -> usize {
    bytes.iter().map(|b| if *b == 0 { 1 } else { 4 }).sum()
}

async fn measure(report: &mut Report) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let keys = KeyStore::new(committed_keys_dir(), dev_keys_cache_dir());
    let block8 = keys.block(8).map_err(|e| err(&e))?;
    let exit = keys.exit().map_err(|e| err(&e))?;
    let chain = DevChain::start(&anvil_binary(), EXPIRATION).await.map_err(|e| err(&e))?;
    let domain = chain.domain();
    let (u1, u2) = (chain.address(1), chain.address(2));
    let (c1, c2) = (chain.client(1).map_err(|e| err(&e))?, chain.client(2).map_err(|e| err(&e))?);

    // Deposits: the second ETH deposit is the steady-state figure (the first one also pays for the
    // queue counters' first write).
    c1.deposit_eth(u1, 10 * ETHER).await.map_err(|e| err(&e))?;
    let deposit = c2.deposit_eth(u2, 10 * ETHER).await.map_err(|e| err(&e))?;
    chain.mint(u1, 1_000 * ETHER).await.map_err(|e| err(&e))?;
    let deposit_erc20 = c1.deposit_erc20(chain.token, 100 * ETHER, u1).await.map_err(|e| err(&e))?;
    report.add("deposit_gas", deposit.gas_used as f64, "gas");
    report.add("deposit_erc20_gas", deposit_erc20.gas_used as f64, "gas");

    // Five proven 8-chunk blocks: two deposits, ChangePubKey + transfer, Withdraw + transfer, four
    // transfers.
    let mut op = DevOperator::new(&chain).await.map_err(|e| err(&e))?;
    let requests = op.priority_requests().await.map_err(|e| err(&e))?;
    let key = PrivateKey::from_bytes([0x51; 32]);
    let mut nonce = 0u32;
    let mut next_nonce = || {
        nonce += 1;
        nonce - 1
    };
    let transfer = |to: EthAddress, amount: u128, nonce: u32| -> Result<Item, String> {
        let mut tx = L2Tx::Transfer(Transfer {
            account_id: 1,
            to: core_address(&to),
            token: 0,
            amount,
            fee: 1_000_000_000_000,
            nonce,
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        });
        tx.sign(&key, &domain).map_err(|e| err(&e))?;
        Ok(Item::Tx(tx))
    };
    let mut blocks = Vec::new();
    let deposits = requests.get(..2).ok_or_else(|| format!("expected 3 queued deposits, L1 has {}", requests.len()))?;
    for r in deposits {
        blocks.push(op.seal(8, &[Item::Priority(r.op.clone())]).await.map_err(|e| err(&e))?);
    }
    let pkh = key.public_key().hash();
    let digest = c1.change_pubkey_digest(pkh.0, 0, 1).await.map_err(|e| err(&e))?;
    let auth = chain.signer(1).sign_hash_sync(&digest).map_err(|e| err(&e))?.as_bytes().to_vec();
    let mut cpk = L2Tx::ChangePubKey(ChangePubKey {
        account_id: 1,
        account: core_address(&u1),
        new_pub_key_hash: pkh,
        fee_token: 0,
        fee: 0,
        nonce: next_nonce(),
        time_range: TimeRange::ALWAYS,
        auth: ChangePubKeyAuth::Eip712 { signature: auth },
        signature: TxSignature::default(),
    });
    cpk.sign(&key, &domain).map_err(|e| err(&e))?;
    let t = transfer(u2, ETHER / 10, next_nonce())?;
    blocks.push(op.seal(8, &[Item::Tx(cpk), t]).await.map_err(|e| err(&e))?);
    let mut withdraw = L2Tx::Withdraw(Withdraw {
        account_id: 1,
        to: core_address(&u1),
        token: 0,
        amount: ETHER,
        fee: 1_000_000_000_000,
        nonce: next_nonce(),
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    withdraw.sign(&key, &domain).map_err(|e| err(&e))?;
    let t = transfer(u2, ETHER / 10, next_nonce())?;
    blocks.push(op.seal(8, &[Item::Tx(withdraw), t]).await.map_err(|e| err(&e))?);
    let mut items = Vec::new();
    for i in 0..4u128 {
        items.push(transfer(if i % 2 == 0 { u2 } else { chain.address(0) }, (i + 1) * ETHER / 100, next_nonce())?);
    }
    blocks.push(op.seal(8, &items).await.map_err(|e| err(&e))?);

    let proofs = prove_all(&block8, &blocks)?;
    op.commit(&blocks).await.map_err(|e| err(&e))?;
    let v1 = op.prove(&blocks[..1], &proofs[..1]).await.map_err(|e| err(&e))?.gas_used as f64;
    let v4 = op.prove(&blocks[1..5], &proofs[1..5]).await.map_err(|e| err(&e))?.gas_used as f64;
    op.execute(&blocks[..3]).await.map_err(|e| err(&e))?;
    let e_withdraw = op.execute(&blocks[3..4]).await.map_err(|e| err(&e))?.gas_used as f64;
    let e_empty = op.execute(&blocks[4..5]).await.map_err(|e| err(&e))?.gas_used as f64;
    report.add("verify_gas_per_block", v1, "gas");
    report.add("verify_gas_per_block_batched4", v4 / 4.0, "gas");
    report.add("execute_gas_per_withdrawal", e_withdraw - e_empty, "gas");
    report.add("execute_gas_block_without_payouts", e_empty, "gas");

    // Commit only (these blocks are never proven): blocks full of transfers, 8 chunks (4) and 32
    // chunks (16), alternating recipients and varied amounts. The marginal transfer is the slope
    // between them, so it carries every per-chunk cost (calldata, the op walk, SHA-256).
    let mut full_block = |chunks: usize| -> Result<Vec<Item>, String> {
        (0..chunks as u128 / 2)
            .map(|i| {
                transfer(if i % 2 == 0 { u2 } else { chain.address(0) }, (i + 1) * 1_234_500_000_000_000, next_nonce())
            })
            .collect()
    };
    let items8 = full_block(8)?;
    let items32 = full_block(32)?;
    let small = op.seal(8, &items8).await.map_err(|e| err(&e))?;
    let g8 = op.commit(std::slice::from_ref(&small)).await.map_err(|e| err(&e))?.gas_used as f64;
    let full = op.seal(32, &items32).await.map_err(|e| err(&e))?;
    let transfers = full.ops.iter().filter(|o| matches!(o, Op::Transfer(_))).count();
    if transfers != 16 {
        return Err(format!("the 32-chunk block holds {transfers} transfers, not 16"));
    }
    let g32 = op.commit(std::slice::from_ref(&full)).await.map_err(|e| err(&e))?.gas_used as f64;
    let per_transfer = (g32 - g8) / 12.0;
    let commit_block_fixed = g8 - TX_BASE - 4.0 * per_transfer;
    let tokens_per_transfer = tokens(&full.pubdata) as f64 / 16.0;
    // Calldata of a block besides its pubdata (the CommitBlock's other fields), and of a proof.
    let commit = commit_block(&full);
    let block_overhead_tokens = (tokens(&commit.abi_encode()) - tokens(&full.pubdata)) as f64;
    let proof_tokens = tokens(&proofs[0].abi_encode()) as f64;
    report.add("commit_gas_per_transfer", per_transfer, "gas");
    report.add("commit_gas_block8_4_transfers", g8, "gas");
    report.add("commit_gas_block32_16_transfers", g32, "gas");
    report.add("calldata_tokens_per_transfer", tokens_per_transfer, "tokens");

    // Exodus: a full exit never served, exodus, the state restored from L1, a real exit proof.
    c2.request_full_exit(2, EthAddress::ZERO).await.map_err(|e| err(&e))?;
    chain.mine(EXPIRATION + 1).await.map_err(|e| err(&e))?;
    c2.activate_exodus_mode().await.map_err(|e| err(&e))?;
    let restored = restore_from_l1(&c2, chain.deployment.block, None).await.map_err(|e| err(&e))?;
    let state = restored.restorer.state();
    let (proof, public) = quiet_stdout(|| prove_exit(&exit, state.tree(), 2, 0))?.map_err(|e| err(&e))?;
    let exodus = c2
        .perform_exodus(&restored.last_executed, 2, u2, 0, public.amount, proof_words(&proof))
        .await
        .map_err(|e| err(&e))?;
    report.add("perform_exodus_gas", exodus.gas_used as f64, "gas");

    // The model (docs/benchmarks.md): 512-chunk blocks full of transfers, 8 blocks per
    // commitAndProveBlocks and per executeBlocks transaction.
    let per_block = MODEL_CHUNKS / 2.0;
    let n = MODEL_BATCH * per_block;
    let verify_slope = (v4 - v1) / 3.0;
    let verify_batch = v1 + (MODEL_BATCH - 1.0) * verify_slope;
    let commit_and_prove = TX_BASE + MODEL_BATCH * commit_block_fixed + n * per_transfer + (verify_batch - TX_BASE);
    let floor_tokens = n * tokens_per_transfer + MODEL_BATCH * (block_overhead_tokens + proof_tokens);
    let floor = TX_BASE + FLOOR_PER_TOKEN * floor_tokens;
    let execute = TX_BASE + MODEL_BATCH * (e_empty - TX_BASE);
    let total = (commit_and_prove.max(floor) + execute) / n;
    report.add("model_verify_gas_per_block_batched8", verify_batch / MODEL_BATCH, "gas");
    report.add("model_commit_and_prove_tx_gas_512x8", commit_and_prove, "gas");
    report.add("model_calldata_floor_gas_512x8", floor, "gas");
    report.add("model_execute_tx_gas_512x8", execute, "gas");
    report.add("model_total_gas_per_transfer_512x8", total, "gas");
    Ok(())
}
