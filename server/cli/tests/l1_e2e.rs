//! End to end on a real chain: a fresh anvil per test (the pinned npm binary, started and killed by
//! the test), the real contracts (`contracts/artifacts/`, checked fresh by `l1_artifacts`), real
//! 8-chunk block proofs and exit proofs with the dev keys, driven from Rust through
//! `zkpay_l1`.
//!
//! - `happy_path_deposit_prove_execute_withdraw`: deposits of ETH and an ERC-20, ChangePubKey
//!   authorized by an EIP-712 signature, transfers (one creating an account), a ForcedExit and a
//!   Withdraw, in seven blocks committed in two transactions, proven in one batch and executed;
//!   every L1 balance is then exact to the wei and L1's root is core's.
//! - `operator_fails_users_exit_from_l1_data_alone`: a full exit is never served, exodus starts,
//!   and a user rebuilds the state from L1 events and calldata only, proves and performs the exit;
//!   a second exit of the same balance and a forged one are refused; another user exits with the
//!   `zkpay exit` command; an unexecuted deposit is refunded.

mod e2e;

use alloy::primitives::{Address as EthAddress, U256};
use alloy::sol_types::{eip712_domain, SolStruct};
use e2e::*;
use zkpay_core::tx::{ChangePubKeyAuth, ForcedExit, L2Tx, PriorityOpData, Transfer, Withdraw};
use zkpay_l1::bindings::Rollup::RollupErrors;
use zkpay_l1::devnet::{DevChain, DevError, DevOperator, Item, DEV_TOKEN_ID};
use zkpay_l1::encode::{core_address, fr_to_b256, stored_block};
use zkpay_l1::restore::{restore_from_l1, RestoreFromL1Error};
use zkpay_l1::L1Error;
use zkpay_prover::prove_exit;

mod eip712 {
    alloy::sol! {
        /// The struct a ChangePubKey authorization signs (Rollup.CHANGE_PUBKEY_TYPEHASH).
        struct ChangePubKey { bytes20 pubKeyHash; uint32 nonce; uint32 accountId; }
    }
}

const MILLI: u128 = ETHER / 1000;

fn eth(x: u128) -> U256 {
    U256::from(x)
}

/// The Rollup custom error of an L1 failure, or a panic naming what came instead.
fn rollup_error<T: std::fmt::Debug>(r: Result<T, L1Error>) -> RollupErrors {
    match r {
        Err(e) => e.rollup_error().cloned().unwrap_or_else(|| panic!("expected a Rollup revert, got: {e}")),
        Ok(v) => panic!("expected a revert, got {v:?}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn happy_path_deposit_prove_execute_withdraw() {
    runtime().block_on(happy_path());
}

async fn happy_path() {
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), 1_000).await.expect("anvil and the contracts");
    let (alice, bob, dave) = (chain.address(1), chain.address(2), chain.address(3));
    let (alice_l1, bob_l1) = (chain.client(1).unwrap(), chain.client(2).unwrap());
    let domain = chain.domain();
    let token = chain.token;
    chain.mint(alice, 1_000 * ETHER).await.unwrap();

    // L1: deposits by two users, in two tokens.
    alice_l1.deposit_eth(alice, 5 * ETHER).await.unwrap();
    alice_l1.deposit_erc20(token, 300 * ETHER, alice).await.unwrap();
    bob_l1.deposit_eth(bob, 2 * ETHER).await.unwrap();
    // A deposit of 0 is refused before it is queued, with the contract's error.
    assert!(matches!(rollup_error(alice_l1.deposit_eth(alice, 0).await), RollupErrors::InvalidDepositAmount(_)));
    // What the users hold on L1 once their own transactions are done: every later change is a payout.
    let alice_eth_before = chain.eth_balance(alice).await.unwrap();
    let bob_eth_before = chain.eth_balance(bob).await.unwrap();
    let dave_eth_before = chain.eth_balance(dave).await.unwrap();

    let mut op = DevOperator::new(&chain).await.unwrap();
    let requests = op.priority_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "three deposits queued");
    let serials: Vec<u64> = requests.iter().map(|r| r.op.serial_id).collect();
    assert_eq!(serials, [0, 1, 2]);
    match &requests[1].op.data {
        PriorityOpData::Deposit(d) => {
            assert_eq!(
                (d.from, d.to, d.token, d.amount),
                (core_address(&alice), core_address(&alice), DEV_TOKEN_ID, 300 * ETHER)
            )
        }
        other => panic!("request 1 is {other:?}"),
    }

    // L2, seven 8-chunk blocks.
    let alice_key = l2_key(0xa1);
    let alice_id = 1;
    let mut blocks = Vec::new();
    for r in &requests {
        blocks.push(op.seal(8, &[Item::Priority(r.op.clone())]).await.unwrap());
    }
    assert_eq!(op.state.account_id_by_address(&core_address(&bob)), Some(2));

    // ChangePubKey authorized by Alice's L1 key over the contract's EIP-712 digest, which the
    // contract and alloy's EIP-712 implementation must agree on.
    let pkh = alice_key.public_key().hash();
    let digest = alice_l1.change_pubkey_digest(pkh.0, 0, alice_id).await.unwrap();
    let domain712 = eip712_domain! {
        name: "zkpay", version: "1", chain_id: chain.deployment.chain_id, verifying_contract: chain.deployment.rollup,
    };
    let ours = eip712::ChangePubKey { pubKeyHash: pkh.0.into(), nonce: 0, accountId: alice_id }
        .eip712_signing_hash(&domain712);
    assert_eq!(digest, ours, "EIP-712 digest");
    // And the SDK's own (no alloy in its tree) agrees with both.
    let sdk = zkpay_client::keys::change_pubkey_digest(&domain, &pkh, 0, alice_id);
    assert_eq!(digest.0, sdk, "zkpay-client's EIP-712 digest");
    let cpk = change_pubkey_of(&chain, 1, alice_id, &alice_key, MILLI).await;
    let transfer = |to: EthAddress, token: u16, amount: u128, fee: u128, nonce: u32| {
        signed(
            L2Tx::Transfer(Transfer {
                account_id: alice_id,
                to: core_address(&to),
                token,
                amount,
                fee,
                nonce,
                time_range: ALWAYS,
                signature: nosig(),
            }),
            &alice_key,
            &domain,
        )
    };
    blocks
        .push(op.seal(8, &[Item::Tx(cpk), Item::Tx(transfer(bob, DEV_TOKEN_ID, 50 * ETHER, ETHER, 1))]).await.unwrap());
    // To Dave, who has no account yet: TransferToNew.
    blocks.push(
        op.seal(
            8,
            &[Item::Tx(transfer(dave, DEV_TOKEN_ID, 20 * ETHER, 0, 2)), Item::Tx(transfer(bob, 0, ETHER, MILLI, 3))],
        )
        .await
        .unwrap(),
    );
    assert_eq!(op.state.account_id_by_address(&core_address(&dave)), Some(3));
    // Bob never set an L2 key: Alice forces his token balance out to his L1 address.
    let forced = L2Tx::ForcedExit(ForcedExit {
        initiator_account_id: alice_id,
        target: core_address(&bob),
        token: DEV_TOKEN_ID,
        fee: ETHER,
        nonce: 4,
        time_range: ALWAYS,
        signature: nosig(),
    });
    blocks.push(op.seal(8, &[Item::Tx(signed(forced, &alice_key, &domain))]).await.unwrap());
    let withdraw = L2Tx::Withdraw(Withdraw {
        account_id: alice_id,
        to: core_address(&alice),
        token: 0,
        amount: 3 * ETHER / 2,
        fee: MILLI,
        nonce: 5,
        time_range: ALWAYS,
        signature: nosig(),
    });
    blocks.push(op.seal(8, &[Item::Tx(signed(withdraw, &alice_key, &domain))]).await.unwrap());
    assert_eq!(blocks.len(), 7);

    // L2 balances as core has them.
    let bal = |id, token| op.state.balance(id, token);
    assert_eq!(bal(1, 0), 5 * ETHER - MILLI - ETHER - MILLI - 3 * ETHER / 2 - MILLI);
    assert_eq!(bal(1, DEV_TOKEN_ID), 300 * ETHER - 50 * ETHER - ETHER - 20 * ETHER - ETHER);
    assert_eq!((bal(2, 0), bal(2, DEV_TOKEN_ID), bal(3, DEV_TOKEN_ID)), (3 * ETHER, 0, 20 * ETHER));
    assert_eq!((bal(0, 0), bal(0, DEV_TOKEN_ID)), (3 * MILLI, 2 * ETHER));

    // A block with a refused item is refused whole: the valid transfer before it is undone too.
    let root = op.state.root();
    let refused = op.seal(8, &[Item::Tx(transfer(bob, 0, 1, 0, 6)), Item::Tx(transfer(bob, 0, 1, 0, 6))]).await;
    assert!(matches!(refused, Err(DevError::Block { number: 8, .. })), "{refused:?}");
    assert_eq!(op.state.root(), root);
    assert_eq!(op.state.account(alice_id).unwrap().nonce, 6);

    let proofs = prove_all(&blocks);

    // Commit in two transactions; the stored forms L1 emits are checked against ours inside.
    op.commit(&blocks[..3]).await.unwrap();
    op.commit(&blocks[3..]).await.unwrap();
    // Typed errors: executing before proving, proofs in the wrong order, a stale parent block.
    let l1 = op.l1().clone();
    let exec0 = zkpay_l1::encode::execute_block(&blocks[0]).unwrap();
    assert!(matches!(rollup_error(l1.execute_blocks(&[exec0]).await), RollupErrors::BlockNotNextToExecute(_)));
    let stored: Vec<_> = blocks.iter().map(|b| stored_block(b).unwrap()).collect();
    let mut swapped = proofs.clone();
    swapped.swap(0, 1);
    match rollup_error(l1.prove_blocks(&stored, &swapped).await) {
        RollupErrors::InvalidBlockProof(e) => assert_eq!((e.fromBlock, e.toBlock), (1, 7)),
        other => panic!("{other:?}"),
    }
    let genesis = l1.committed_blocks(0).await.unwrap()[0].stored.clone();
    let again = zkpay_l1::encode::commit_block(&blocks[0]);
    assert!(matches!(rollup_error(l1.commit_blocks(&genesis, &[again]).await), RollupErrors::StoredBlockMismatch(_)));

    // All seven proofs in one batched verification, then execution.
    op.prove(&blocks, &proofs).await.unwrap();
    op.execute(&blocks).await.unwrap();
    assert_eq!(l1.block_counters().await.unwrap(), (7, 7, 7));
    let on_l1 = l1.committed_blocks(0).await.unwrap();
    assert_eq!(on_l1.len(), 8);
    assert_eq!(on_l1[7].stored.stateRoot, fr_to_b256(&op.state.root()), "L1's root is core's");

    // Payouts: pending balances first, then withdrawn by a third party (the operator) so the
    // owners' ETH balances change by exactly the payout.
    assert_eq!(l1.pending_balance(alice, 0).await.unwrap(), 3 * ETHER / 2);
    assert_eq!(l1.pending_balance(bob, DEV_TOKEN_ID).await.unwrap(), 50 * ETHER);
    assert_eq!(l1.pending_balance(bob, 0).await.unwrap(), 0);
    assert!(matches!(
        rollup_error(l1.withdraw_pending_balance(alice, EthAddress::ZERO, 3 * ETHER / 2 + 1).await),
        RollupErrors::InsufficientPendingBalance(_)
    ));
    l1.withdraw_pending_balance(alice, EthAddress::ZERO, 3 * ETHER / 2).await.unwrap();
    l1.withdraw_pending_balance(bob, token, 50 * ETHER).await.unwrap();
    assert_eq!(l1.pending_balance(alice, 0).await.unwrap(), 0);
    assert_eq!(l1.pending_balance(bob, DEV_TOKEN_ID).await.unwrap(), 0);

    assert_eq!(chain.eth_balance(alice).await.unwrap(), alice_eth_before + eth(3 * ETHER / 2));
    assert_eq!(chain.eth_balance(bob).await.unwrap(), bob_eth_before);
    assert_eq!(chain.eth_balance(dave).await.unwrap(), dave_eth_before);
    assert_eq!(chain.token_balance(alice).await.unwrap(), eth(700 * ETHER));
    assert_eq!(chain.token_balance(bob).await.unwrap(), eth(50 * ETHER));
    assert_eq!(chain.token_balance(dave).await.unwrap(), U256::ZERO);
    let rollup = chain.deployment.rollup;
    assert_eq!(chain.eth_balance(rollup).await.unwrap(), eth(7 * ETHER - 3 * ETHER / 2));
    assert_eq!(chain.token_balance(rollup).await.unwrap(), eth(250 * ETHER));
}

#[test]
fn operator_fails_users_exit_from_l1_data_alone() {
    runtime().block_on(operator_fails());
}

async fn operator_fails() {
    const EXPIRATION: u64 = 10;
    let chain = DevChain::start(&zkpay_test_utils::anvil_binary(), EXPIRATION).await.expect("anvil and the contracts");
    let (alice, bob, carol) = (chain.address(1), chain.address(2), chain.address(3));
    let url = chain.url.clone();
    let rollup = chain.deployment.rollup;
    let domain = chain.domain();

    // The operator's era: deposits, a ChangePubKey authorized on chain, a transfer; executed.
    {
        let alice_l1 = chain.client(1).unwrap();
        alice_l1.deposit_eth(alice, 3 * ETHER).await.unwrap();
        chain.client(2).unwrap().deposit_eth(bob, ETHER).await.unwrap();
        let alice_key = l2_key(0xa1);
        let pkh = alice_key.public_key().hash();
        alice_l1.set_auth_pubkey_hash(pkh.0, 0).await.unwrap();

        let mut op = DevOperator::new(&chain).await.unwrap();
        let requests = op.priority_requests().await.unwrap();
        let mut blocks = Vec::new();
        for r in &requests {
            blocks.push(op.seal(8, &[Item::Priority(r.op.clone())]).await.unwrap());
        }
        let cpk = change_pubkey(1, core_address(&alice), &alice_key, MILLI, ChangePubKeyAuth::Onchain, &domain);
        let to_bob = L2Tx::Transfer(Transfer {
            account_id: 1,
            to: core_address(&bob),
            token: 0,
            amount: ETHER / 2,
            fee: MILLI,
            nonce: 1,
            time_range: ALWAYS,
            signature: nosig(),
        });
        blocks.push(op.seal(8, &[Item::Tx(cpk), Item::Tx(signed(to_bob, &alice_key, &domain))]).await.unwrap());
        let proofs = prove_all(&blocks);
        op.commit_and_prove(&blocks, &proofs).await.unwrap();
        op.execute(&blocks).await.unwrap();
        assert_eq!(op.state.balance(2, 0), ETHER + ETHER / 2);

        // Bob asks for his ETH through L1; the operator stops here and never serves it.
        chain.client(2).unwrap().request_full_exit(2, EthAddress::ZERO).await.unwrap();
        // Carol's deposit is queued but will never be executed.
        chain.client(3).unwrap().deposit_eth(carol, 7 * ETHER / 10).await.unwrap();
        let l1 = op.l1().clone();
        assert!(matches!(rollup_error(l1.activate_exodus_mode().await), RollupErrors::ExodusNotDue(_)));
        // The operator (its process, its state) is gone from here on.
        drop(op);
        drop(l1);
    }

    // Anyone starts exodus once the oldest request has expired.
    chain.mine(EXPIRATION + 1).await.unwrap();
    let carol_l1 = chain.client(3).unwrap();
    carol_l1.activate_exodus_mode().await.unwrap();
    assert!(carol_l1.exodus_mode().await.unwrap());
    assert!(matches!(rollup_error(carol_l1.deposit_eth(carol, ETHER).await), RollupErrors::ExodusModeActive(_)));

    // Bob: L1 RPC, the Rollup's address and this repository — nothing from the operator.
    let bob_l1 = zkpay_l1::L1Client::connect(&url, chain.signer(2), rollup).unwrap();
    // The genesis must be the deployment's: another operator address is refused, not replayed.
    match restore_from_l1(&bob_l1, 0, Some(chain.address(7))).await {
        Err(RestoreFromL1Error::GenesisMismatch { .. }) => {}
        Err(e) => panic!("expected GenesisMismatch, got {e}"),
        Ok(_) => panic!("a wrong operator's genesis was accepted"),
    }
    let restored = restore_from_l1(&bob_l1, 0, None).await.expect("restore from L1");
    assert_eq!(restored.last_executed.blockNumber, 3);
    assert_eq!(restored.operator, chain.address(0), "operator taken from Governance's first validator");
    let mut restorer = restored.restorer;
    assert_eq!(fr_to_b256(&restorer.root()), restored.last_executed.stateRoot);
    let state = restorer.state();
    let bob_id = state.account_id_by_address(&core_address(&bob)).expect("Bob's account");
    assert_eq!(bob_id, 2);
    assert_eq!(state.balance(bob_id, 0), ETHER + ETHER / 2);
    assert_eq!(state.account(1).unwrap().pubkey_hash, l2_key(0xa1).public_key().hash(), "ChangePubKey replayed");

    let (proof, public) = prove_exit(&exit_keys(), state.tree(), bob_id, 0)
        .map(|(p, i)| (zkpay_l1::encode::proof_words(&p), i))
        .expect("exit proof");
    assert_eq!((public.owner, public.amount), (core_address(&bob), ETHER + ETHER / 2));
    let amount = public.amount;
    // A proof does not carry over to another claim.
    assert!(matches!(
        rollup_error(bob_l1.perform_exodus(&restored.last_executed, bob_id, bob, 0, amount + 1, proof).await),
        RollupErrors::InvalidExitProof(_)
    ));
    bob_l1.perform_exodus(&restored.last_executed, bob_id, bob, 0, amount, proof).await.unwrap();
    assert!(matches!(
        rollup_error(bob_l1.perform_exodus(&restored.last_executed, bob_id, bob, 0, amount, proof).await),
        RollupErrors::ExodusAlreadyPerformed(_)
    ));
    assert_eq!(bob_l1.pending_balance(bob, 0).await.unwrap(), amount);

    // Withdrawn by a bystander, so Bob's balance moves by exactly the payout.
    let bystander = chain.client(5).unwrap();
    let bob_before = chain.eth_balance(bob).await.unwrap();
    bystander.withdraw_pending_balance(bob, EthAddress::ZERO, amount).await.unwrap();
    assert_eq!(chain.eth_balance(bob).await.unwrap(), bob_before + eth(amount));
    assert_eq!(bob_l1.pending_balance(bob, 0).await.unwrap(), 0);

    // Alice uses the command-line tool: `zkpay exit`, key from the environment, JSON out.
    let zkpay_exit = |key: Option<String>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zkpay"));
        cmd.args(["exit", "--rpc", &url, "--rollup", &rollup.to_string(), "--token", "0", "--json"])
            .arg("--keys-dir")
            .arg(zkpay_test_utils::committed_keys_dir())
            .env("ZKPAY_DEV_KEYS_CACHE", keys_cache())
            .env_remove("ZKPAY_L1_PRIVATE_KEY");
        if let Some(k) = key {
            cmd.env("ZKPAY_L1_PRIVATE_KEY", k);
        }
        cmd.output().expect("run zkpay exit")
    };
    let no_key = zkpay_exit(None);
    assert!(!no_key.status.success());
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("ZKPAY_L1_PRIVATE_KEY"));
    let alice_key_hex = chain.signer(1).to_bytes().to_string();
    let rollup_eth_before = chain.eth_balance(rollup).await.unwrap();
    let out = zkpay_exit(Some(alice_key_hex.clone()));
    assert!(out.status.success(), "zkpay exit: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alice_l2 = 3 * ETHER - MILLI - ETHER / 2 - MILLI;
    assert_eq!(report["account"], 1);
    assert_eq!(report["amount"], alice_l2.to_string());
    assert_eq!(report["lastExecutedBlock"], 3);
    assert_eq!(report["activatedExodus"], false);
    assert!(report["withdrawTx"].is_string());
    assert_eq!(chain.eth_balance(rollup).await.unwrap(), rollup_eth_before - eth(alice_l2));
    assert_eq!(bob_l1.pending_balance(alice, 0).await.unwrap(), 0);
    let again = zkpay_exit(Some(alice_key_hex));
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("ExodusAlreadyPerformed"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Carol's unexecuted deposit: cancel the open requests (Bob's full exit, her deposit) and
    // refund the deposit, from the requests' L1 pubdata.
    let open = carol_l1.priority_requests(0).await.unwrap();
    let first = carol_l1.rollup().firstPriorityRequestId().call().await.unwrap();
    let open: Vec<_> = open.into_iter().filter(|r| r.op.serial_id >= first).collect();
    assert_eq!(open.len(), 2);
    let deposits: Vec<_> =
        open.iter().filter(|r| matches!(r.op.data, PriorityOpData::Deposit(_))).map(|r| r.l1_pubdata.clone()).collect();
    assert_eq!(deposits.len(), 1);
    assert!(matches!(
        rollup_error(carol_l1.cancel_outstanding_deposits(open.len() as u64, &[]).await),
        RollupErrors::CancelCountMismatch(_)
    ));
    carol_l1.cancel_outstanding_deposits(open.len() as u64, &deposits).await.unwrap();
    assert_eq!(carol_l1.pending_balance(carol, 0).await.unwrap(), 7 * ETHER / 10);
    let carol_before = chain.eth_balance(carol).await.unwrap();
    bystander.withdraw_pending_balance(carol, EthAddress::ZERO, 7 * ETHER / 10).await.unwrap();
    assert_eq!(chain.eth_balance(carol).await.unwrap(), carol_before + eth(7 * ETHER / 10));
}

#[test]
fn an_unreachable_node_and_a_bad_url_are_typed_rpc_errors() {
    runtime().block_on(async {
        let signer = alloy::signers::local::PrivateKeySigner::random();
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let client = zkpay_l1::L1Client::connect("http://127.0.0.1:9", signer.clone(), EthAddress::ZERO).unwrap();
        match client.block_counters().await {
            Err(L1Error::Rpc { call, .. }) => assert_eq!(call, "totalBlocksCommitted"),
            other => panic!("expected an RPC error, got {other:?}"),
        }
        match client.deposit_eth(EthAddress::ZERO, 1).await {
            Err(L1Error::Rpc { call, .. }) => assert_eq!(call, "depositETH"),
            other => panic!("expected an RPC error, got {other:?}"),
        }
        assert!(matches!(
            zkpay_l1::L1Client::connect("not a url", signer, EthAddress::ZERO),
            Err(L1Error::Rpc { call: "connect", .. })
        ));
    });
}
