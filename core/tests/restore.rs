//! Data restore (docs/protocol.md §10.6): the vector blocks' pubdata replayed from the vectors'
//! genesis reproduce every root and the final accounts; corrupted pubdata is refused with the rule
//! it breaks and changes nothing; random valid blocks replay to the builder's roots.

use proptest::prelude::*;
use zkpay_core::account_tree::AccountFields;
use zkpay_core::block::{Block, BlockBuilder, BlockError, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::field::Fr;
use zkpay_core::ops::{block_pubdata, decode_block_pubdata, Op, PubdataError, TransferOp};
use zkpay_core::restore::{replay_block, RestoreError, Restorer};
use zkpay_core::state::{ApplyError, State, UpdateMode};
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData, TimeRange,
    Transfer, TxSignature, Withdraw,
};
use zkpay_core::types::{AccountId, Address, TokenId};
use zkpay_core::vectors::{block_vectors, vector_blocks};

/// Every non-empty account with its fields and non-zero balances, by id; plus the id allocator.
type Snapshot = (Fr, Vec<(AccountId, AccountFields, Vec<(TokenId, u128)>)>, AccountId);

fn snapshot(state: &mut State) -> Snapshot {
    let root = state.root();
    let mut accounts: Vec<_> = state
        .tree()
        .iter()
        .filter(|(_, a)| !a.is_empty())
        .map(|(id, a)| {
            let mut b = a.balances();
            b.sort();
            (id, a.fields, b)
        })
        .collect();
    accounts.sort_by_key(|a| a.0);
    for (id, fields, _) in &accounts {
        assert_eq!(state.account_id_by_address(&fields.address), Some(*id), "address index");
    }
    (root, accounts, state.next_free_id())
}

/// The vectors' genesis, read from the JSON the other implementations use.
fn vector_restorer() -> Restorer {
    let v = block_vectors();
    let operator: Address = v["genesis"]["operator"].as_str().unwrap().parse().unwrap();
    let tokens: Vec<TokenId> =
        v["genesis"]["tokens"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as TokenId).collect();
    Restorer::new(operator, &tokens).unwrap()
}

#[test]
fn vector_blocks_restore_every_root_and_the_final_accounts() {
    let (blocks, mut expected) = vector_blocks();
    let mut restorer = vector_restorer();
    assert_eq!(restorer.root(), blocks[0].old_root, "genesis root");
    for block in &blocks {
        restorer.apply_block(block.header.number, block.header.fee_account, &block.pubdata, &block.new_root).unwrap();
    }
    assert_eq!(restorer.last_block(), 3);
    let mut restored = restorer.into_state();
    assert_eq!(snapshot(&mut restored), snapshot(&mut expected));
}

/// In witness mode, replay yields the very per-chunk updates the builder produced: the circuit's
/// witness can be rebuilt from L1 data.
#[test]
fn witness_mode_replay_reproduces_every_chunk_update() {
    let (blocks, _) = vector_blocks();
    let mut state = vector_restorer().into_state();
    state.set_mode(UpdateMode::Witness);
    for block in &blocks {
        let ops = decode_block_pubdata(&block.pubdata).unwrap();
        assert_eq!(ops, block.ops);
        for (op, applied) in ops.iter().zip(&block.applied) {
            let replayed = state.replay_op(op).unwrap();
            assert_eq!(replayed.op, applied.op);
            assert_eq!(replayed.updates, applied.updates);
            assert_eq!(replayed.fee, applied.fee);
        }
        for slot in &block.fee_slots {
            state.credit_fee(block.header.fee_account, slot.token, slot.amount).unwrap();
        }
        assert_eq!(state.root(), block.new_root);
    }
}

/// The state before vector block `n` (1-based), in `mode`.
fn before_block(n: usize, mode: UpdateMode) -> (State, Block) {
    let (blocks, _) = vector_blocks();
    let mut restorer = vector_restorer();
    for b in &blocks[..n - 1] {
        restorer.apply_block(b.header.number, b.header.fee_account, &b.pubdata, &b.new_root).unwrap();
    }
    let mut state = restorer.into_state();
    state.set_mode(mode);
    (state, blocks[n - 1].clone())
}

/// Replays vector block `n` with `corrupt` applied to its pubdata, in both modes; the error must be
/// `expected` and the state unchanged.
fn refused(n: usize, corrupt: impl Fn(&mut Vec<u8>), expected: RestoreError) {
    for mode in [UpdateMode::Fast, UpdateMode::Witness] {
        let (mut state, block) = before_block(n, mode);
        let before = snapshot(&mut state);
        let mut pubdata = block.pubdata.clone();
        corrupt(&mut pubdata);
        assert_ne!(pubdata, block.pubdata, "the corruption changes the pubdata");
        let err = replay_block(&mut state, block.header.fee_account, &pubdata).unwrap_err();
        assert_eq!(err, expected, "{mode:?}");
        assert_eq!(snapshot(&mut state), before, "{mode:?}: state unchanged");
        // And the uncorrupted block still applies afterwards.
        assert_eq!(replay_block(&mut state, block.header.fee_account, &block.pubdata).unwrap(), block.new_root);
    }
}

fn op_error(n: usize, chunk: usize, pubdata: impl Fn(&mut Vec<u8>), error: ApplyError) {
    let (_, block) = before_block(n, UpdateMode::Fast);
    let mut corrupted = block.pubdata.clone();
    pubdata(&mut corrupted);
    // The corrupted op, as decoded: the one the error names.
    let ops = decode_block_pubdata(&corrupted).unwrap();
    let mut at = 0;
    let op = ops
        .into_iter()
        .find(|o| {
            let hit = at == chunk;
            at += o.chunks();
            hit
        })
        .expect("an op starts at that chunk");
    refused(n, pubdata, RestoreError::Op { chunk, op, error });
}

const CHUNK: usize = 10;

#[test]
fn flipped_forced_exit_amount_is_an_amount_mismatch() {
    // Block 3, ForcedExit at chunk 2: amount [13,29); Carol's ETH is exactly 1 ETH.
    let at = 2 * CHUNK + 28;
    let eth = 1_000_000_000_000_000_000u128;
    op_error(
        3,
        2,
        |p| p[at] ^= 1,
        ApplyError::AmountMismatch { account_id: 3, token: 0, stated: eth ^ 1, actual: eth },
    );
}

#[test]
fn flipped_full_exit_amount_is_an_amount_mismatch() {
    // Block 2, FullExit of Bob's ETH at chunk 4: amount [27,43).
    let at = 4 * CHUNK + 42;
    let (mut state, _) = before_block(2, UpdateMode::Fast);
    let bob_eth = state.balance(2, 0);
    assert!(bob_eth > 0);
    let _ = state.root();
    op_error(
        2,
        4,
        |p| p[at] ^= 1,
        ApplyError::AmountMismatch { account_id: 2, token: 0, stated: bob_eth ^ 1, actual: bob_eth },
    );
}

#[test]
fn flipped_deposit_amount_is_a_root_mismatch_and_changes_nothing() {
    // Block 1's first Deposit, amount [7,23): a valid op with another amount; only the root tells.
    let (blocks, _) = vector_blocks();
    let mut restorer = vector_restorer();
    let mut pubdata = blocks[0].pubdata.clone();
    pubdata[22] ^= 1;
    let before = restorer.root();
    let err = restorer.apply_block(1, 0, &pubdata, &blocks[0].new_root).unwrap_err();
    assert!(
        matches!(err, RestoreError::RootMismatch { block: 1, expected, got } if expected == blocks[0].new_root && got != expected),
        "{err:?}"
    );
    assert_eq!(restorer.root(), before);
    assert_eq!(restorer.last_block(), 0);
    restorer.apply_block(1, 0, &blocks[0].pubdata, &blocks[0].new_root).unwrap();
}

#[test]
fn wrong_sender_id_is_refused_by_the_signer_rules() {
    // Block 3's Transfer from Alice (1) now from Carol (3), who has no key.
    op_error(3, 0, |p| p[4] = 3, ApplyError::NoSigningKey(3));
}

#[test]
fn wrong_change_pubkey_account_is_refused() {
    // Block 1's first ChangePubKey (chunk 10) names account 2, which does not exist yet.
    op_error(1, 10, |p| p[10 * CHUNK + 4] = 2, ApplyError::AccountNotFound(2));
}

#[test]
fn wrong_change_pubkey_nonce_is_refused() {
    // Block 1's first ChangePubKey: nonce [45,49) 0 → 1.
    op_error(1, 10, |p| p[10 * CHUNK + 48] = 1, ApplyError::NonceMismatch { expected: 0, got: 1 });
}

#[test]
fn transfer_to_a_nonexistent_account_is_refused() {
    // Block 3's Transfer, to_id [7,11) 2 → 9.
    op_error(3, 0, |p| p[10] = 9, ApplyError::AccountNotFound(9));
}

#[test]
fn transfer_to_new_onto_an_existing_leaf_is_refused() {
    // Block 2's TransferToNew to Carol (chunk 0), to_id [32,36) 3 → 2 (Bob).
    op_error(2, 0, |p| p[35] = 2, ApplyError::AccountExists(2));
}

#[test]
fn overdraft_is_refused() {
    // Block 2's Withdraw (chunk 16), amount [7,23): the top byte set.
    let (mut state, _) = before_block(2, UpdateMode::Fast);
    let (alice_usd, fee, amount) = (state.balance(1, 1), 750_000u128, 1_234_567_891u128 | (1 << 120));
    let _ = state.root();
    op_error(
        2,
        16,
        |p| p[16 * CHUNK + 7] = 1,
        ApplyError::InsufficientBalance { account_id: 1, token: 1, balance: alice_usd, needed: amount + fee },
    );
}

#[test]
fn bad_encoding_and_missing_fee_account_are_refused() {
    refused(3, |p| p.push(0), RestoreError::Pubdata(PubdataError::BadLength { len: 81 }));
    for mode in [UpdateMode::Fast, UpdateMode::Witness] {
        let (mut state, block) = before_block(3, mode);
        let before = snapshot(&mut state);
        let err = replay_block(&mut state, 9, &block.pubdata).unwrap_err();
        assert_eq!(err, RestoreError::FeeCredit { fee_account: 9, error: ApplyError::AccountNotFound(9) });
        assert_eq!(snapshot(&mut state), before);
    }
}

#[test]
fn a_fifth_fee_token_is_refused_and_unregistered_tokens_are_not() {
    // Zero transfers from Alice (who has a key) to Bob with zero fees in five tokens, three of them
    // never registered: the circuit does not see the registry, only the fee slots.
    let (mut state, _) = before_block(3, UpdateMode::Fast);
    let ops: Vec<Op> =
        (0..5).map(|token| Op::Transfer(TransferOp { from_id: 1, token, to_id: 2, amount: 0, fee: 0 })).collect();
    let before = snapshot(&mut state);
    let err = replay_block(&mut state, 0, &block_pubdata(&ops).unwrap()).unwrap_err();
    assert_eq!(err, RestoreError::FeeSlotsFull { chunk: 8, token: 4 });
    assert_eq!(snapshot(&mut state), before);
    let nonce = state.account(1).unwrap().nonce;
    replay_block(&mut state, 0, &block_pubdata(&ops[..4]).unwrap()).unwrap();
    assert_eq!(state.account(1).unwrap().nonce, nonce + 4, "every L2 op bumps its signer's nonce");
}

#[test]
fn restorer_takes_blocks_in_order_only() {
    let (blocks, _) = vector_blocks();
    let mut restorer = vector_restorer();
    let b = &blocks[1];
    let err = restorer.apply_block(2, b.header.fee_account, &b.pubdata, &b.new_root).unwrap_err();
    assert_eq!(err, RestoreError::OutOfOrder { expected: 1, got: 2 });
}

// ---- random valid blocks ------------------------------------------------------------------------

const USERS: u8 = 4;
const TOKENS: TokenId = 5;
const TS: u64 = 1_700_000_000;

fn domain() -> Domain {
    Domain { chain_id: 31337, rollup: Address([0x5f; 20]) }
}
fn addr(u: u8) -> Address {
    Address([u + 1; 20])
}
fn key(u: u8) -> PrivateKey {
    PrivateKey::from_bytes([u + 1; 32])
}

#[derive(Debug, Clone)]
enum Action {
    Deposit { user: u8, token: TokenId, amount: u128 },
    SetKey { user: u8, fee_token: TokenId },
    Transfer { user: u8, to: u8, token: TokenId, amount: u128, fee: u128 },
    Withdraw { user: u8, token: TokenId, amount: u128, fee: u128 },
    FullExit { user: u8, account: AccountId, token: TokenId },
    ForcedExit { user: u8, target: u8, token: TokenId },
    Seal,
}

fn action() -> impl Strategy<Value = Action> {
    let user = 0..USERS;
    let token = 0..TOKENS;
    prop_oneof![
        3 => (user.clone(), token.clone(), 1u128..1_000).prop_map(|(user, token, amount)| Action::Deposit { user, token, amount }),
        2 => (user.clone(), token.clone()).prop_map(|(user, fee_token)| Action::SetKey { user, fee_token }),
        5 => (user.clone(), 0..USERS + 2, token.clone(), 0u128..300, 0u128..4)
            .prop_map(|(user, to, token, amount, fee)| Action::Transfer { user, to, token, amount, fee }),
        2 => (user.clone(), token.clone(), 0u128..300, 0u128..4)
            .prop_map(|(user, token, amount, fee)| Action::Withdraw { user, token, amount, fee }),
        1 => (user.clone(), 0u32..7, token.clone()).prop_map(|(user, account, token)| Action::FullExit { user, account, token }),
        1 => (user.clone(), user, token).prop_map(|(user, target, token)| Action::ForcedExit { user, target, token }),
        1 => Just(Action::Seal),
    ]
}

fn signed(user: u8, mut tx: L2Tx) -> Option<L2Tx> {
    tx.sign(&key(user), &domain()).ok()?;
    Some(tx)
}

/// The L2 tx or priority op of an action against the current state (`None`: not expressible,
/// e.g. the user has no account).
fn input(state: &State, serial: u64, a: &Action) -> Option<Result<L2Tx, PriorityOp>> {
    let prio = |data| Err(PriorityOp { serial_id: serial, data, expiration_block: 1_000 });
    let id_of = |u: u8| state.account_id_by_address(&addr(u));
    let nonce = |id| state.account(id).map_or(0, |f| f.nonce);
    let (tr, sig) = (TimeRange::ALWAYS, TxSignature::default());
    Some(match *a {
        Action::Deposit { user, token, amount } => {
            prio(PriorityOpData::Deposit(Deposit { from: addr(user), to: addr(user), token, amount }))
        }
        Action::FullExit { user, account, token } => {
            prio(PriorityOpData::FullExit(FullExit { account_id: account, owner: addr(user), token }))
        }
        Action::SetKey { user, fee_token } => {
            let id = id_of(user)?;
            Ok(signed(
                user,
                L2Tx::ChangePubKey(ChangePubKey {
                    account_id: id,
                    account: addr(user),
                    new_pub_key_hash: key(user).public_key().hash(),
                    fee_token,
                    fee: 0,
                    nonce: nonce(id),
                    time_range: tr,
                    auth: ChangePubKeyAuth::Onchain,
                    signature: sig,
                }),
            )?)
        }
        Action::Transfer { user, to, token, amount, fee } => {
            let id = id_of(user)?;
            Ok(signed(
                user,
                L2Tx::Transfer(Transfer {
                    account_id: id,
                    to: addr(to),
                    token,
                    amount,
                    fee,
                    nonce: nonce(id),
                    time_range: tr,
                    signature: sig,
                }),
            )?)
        }
        Action::Withdraw { user, token, amount, fee } => {
            let id = id_of(user)?;
            Ok(signed(
                user,
                L2Tx::Withdraw(Withdraw {
                    account_id: id,
                    to: addr(user),
                    token,
                    amount,
                    fee,
                    nonce: nonce(id),
                    time_range: tr,
                    signature: sig,
                }),
            )?)
        }
        Action::ForcedExit { user, target, token } => {
            let id = id_of(user)?;
            Ok(signed(
                user,
                L2Tx::ForcedExit(ForcedExit {
                    initiator_account_id: id,
                    target: addr(target),
                    token,
                    fee: 1,
                    nonce: nonce(id),
                    time_range: tr,
                    signature: sig,
                }),
            )?)
        }
        Action::Seal => return None,
    })
}

fn header(number: u32, chunks: usize) -> BlockHeader {
    BlockHeader { domain: domain(), number, fee_account: 0, timestamp: TS, chunks }
}

/// Seal `builder` into `sealed` and open the next block.
fn seal_and_open(builder: BlockBuilder, node: &mut State, sealed: &mut Vec<Block>, chunks: usize) -> BlockBuilder {
    sealed.push(builder.seal(node).unwrap());
    BlockBuilder::new(node, header(sealed.len() as u32 + 1, chunks)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_blocks_replay_to_the_builders_roots(
        actions in prop::collection::vec(action(), 1..40),
        chunks in prop_oneof![Just(8usize), Just(13usize), Just(20usize)],
    ) {
        let operator = Address([0xee; 20]);
        let tokens: Vec<TokenId> = (1..TOKENS).collect();
        let mut node = State::genesis(operator).unwrap();
        node.set_mode(UpdateMode::Fast);
        for &t in &tokens { node.register_token(t).unwrap(); }
        let mut restorer = Restorer::new(operator, &tokens).unwrap();
        prop_assert_eq!(restorer.root(), node.root());

        let mut serial = 0u64;
        let mut sealed: Vec<Block> = Vec::new();
        let mut builder = BlockBuilder::new(&mut node, header(1, chunks)).unwrap();
        // A funded prelude, so that most random L2 txs are valid: every user holds every token
        // and all but the last have a key (the last stays keyless, a ForcedExit target).
        let mut prelude: Vec<Action> = (0..USERS)
            .flat_map(|user| (0..TOKENS).map(move |token| Action::Deposit { user, token, amount: 1_000 }))
            .collect();
        prelude.extend((0..USERS - 1).map(|user| Action::SetKey { user, fee_token: 0 }));
        let actions: Vec<Action> = prelude.into_iter().chain(actions).chain([Action::Seal]).collect();
        for a in &actions {
            let Some(inp) = input(&node, serial, a) else {
                if matches!(a, Action::Seal) && !builder.applied().is_empty() {
                    builder = seal_and_open(builder, &mut node, &mut sealed, chunks);
                }
                continue;
            };
            let add = |b: &mut BlockBuilder, s: &mut State| match &inp {
                Ok(tx) => b.add_tx(s, tx).map(|_| ()),
                Err(p) => b.add_priority_op(s, p).map(|_| ()),
            };
            let mut r = add(&mut builder, &mut node);
            if matches!(r, Err(BlockError::BlockFull { .. }) | Err(BlockError::FeeSlotsFull(_))) {
                builder = seal_and_open(builder, &mut node, &mut sealed, chunks);
                r = add(&mut builder, &mut node);
            }
            if r.is_ok() && inp.is_err() { serial += 1; }
        }
        for block in &sealed {
            restorer.apply_block(block.header.number, block.header.fee_account, &block.pubdata, &block.new_root)
                .map_err(|e| TestCaseError::fail(format!("block {}: {e}", block.header.number)))?;
        }
        let mut restored = restorer.into_state();
        prop_assert_eq!(snapshot(&mut restored), snapshot(&mut node));
    }
}
