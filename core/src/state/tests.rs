//! One test per rule of PROTOCOL §5, positive and negative. Every rejection also checks that the
//! state root did not move.

use super::*;
use crate::eddsa::PrivateKey;
use crate::ops::Op;
use crate::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOpData, TimeRange, Transfer,
    TxSignature, Withdraw,
};
use crate::types::PubKeyHash;

const TS: u64 = 1_700_000_000;

fn domain() -> Domain {
    Domain { chain_id: 31337, rollup: Address([0x5f; 20]) }
}

fn ctx() -> BlockContext {
    BlockContext { timestamp: TS, domain: domain() }
}

fn addr(n: u8) -> Address {
    Address([n; 20])
}

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

fn no_sig() -> TxSignature {
    TxSignature { pub_key: [0; 32], signature: [0; 64] }
}

fn always() -> TimeRange {
    TimeRange { valid_from: 0, valid_until: u64::MAX }
}

const OPERATOR: u8 = 0xee;
const ALICE: u8 = 1;
const BOB: u8 = 2;
const CAROL: u8 = 3;

/// Operator (0), Alice (1, key 1, 1000 ETH units + 500 of token 1), Bob (2, key 2, 100 ETH),
/// Carol (3, no key, 70 ETH). Tokens 0 and 1 registered.
fn setup() -> State {
    let mut s = State::genesis(addr(OPERATOR)).unwrap();
    s.register_token(1).unwrap();
    for (who, token, amount) in [(ALICE, 0, 1000), (ALICE, 1, 500), (BOB, 0, 100), (CAROL, 0, 70)] {
        s.apply_priority_op(&PriorityOpData::Deposit(Deposit { from: addr(who), to: addr(who), token, amount }))
            .unwrap();
    }
    for (id, who) in [(1, ALICE), (2, BOB)] {
        let tx = change_pubkey(id, who, key(who).public_key().hash(), 0, 0, 0);
        s.apply_tx(&L2Tx::ChangePubKey(tx.signed(&key(who), &domain()).unwrap()), &ctx()).unwrap();
    }
    s
}

fn change_pubkey(id: AccountId, who: u8, pkh: PubKeyHash, token: TokenId, fee: u128, nonce: u32) -> ChangePubKey {
    ChangePubKey {
        account_id: id,
        account: addr(who),
        new_pub_key_hash: pkh,
        fee_token: token,
        fee,
        nonce,
        time_range: always(),
        auth: ChangePubKeyAuth::Onchain,
        signature: no_sig(),
    }
}

fn transfer(from: AccountId, to: Address, token: TokenId, amount: u128, fee: u128, nonce: u32) -> Transfer {
    Transfer { account_id: from, to, token, amount, fee, nonce, time_range: always(), signature: no_sig() }
}

fn signed(t: Transfer, k: u8) -> L2Tx {
    L2Tx::Transfer(t.signed(&key(k), &domain()).unwrap())
}

/// Apply `f`; it must fail with `expected` and leave the root, balances and nonces as they were.
fn assert_rejected(s: &mut State, expected: ApplyError, f: impl FnOnce(&mut State) -> Result<AppliedOp, ApplyError>) {
    let root = s.root();
    let accounts: Vec<_> = (0..6).map(|i| (s.account(i), s.balance(i, 0), s.balance(i, 1))).collect();
    let next = s.next_free_id();
    assert_eq!(f(s).unwrap_err(), expected);
    assert_eq!(s.root(), root, "rejected op changed the root");
    assert_eq!(s.next_free_id(), next);
    let after: Vec<_> = (0..6).map(|i| (s.account(i), s.balance(i, 0), s.balance(i, 1))).collect();
    assert_eq!(after, accounts);
}

#[test]
fn genesis_creates_the_fee_account() {
    let mut s = State::genesis(addr(OPERATOR)).unwrap();
    assert_eq!(s.account(0).unwrap().address, addr(OPERATOR));
    assert_eq!(s.next_free_id(), 1);
    assert_ne!(s.root(), <crate::merkle::AccountTreeKind as crate::merkle::TreeKind>::empty_hashes()[12]);
    assert!(matches!(State::genesis(Address::ZERO), Err(ApplyError::ZeroAddress)));
}

#[test]
fn transfer_to_existing_account() {
    let mut s = setup();
    let a = s.apply_tx(&signed(transfer(1, addr(BOB), 0, 300, 5, 1), ALICE), &ctx()).unwrap();
    assert!(matches!(a.op, Op::Transfer(t) if t.to_id == 2 && t.amount == 300 && t.fee == 5));
    assert_eq!(a.fee, Some((0, 5)));
    assert_eq!((s.balance(1, 0), s.balance(2, 0)), (695, 400));
    assert_eq!(s.account(1).unwrap().nonce, 2);
    assert_eq!(s.account(2).unwrap().nonce, 1, "recipient nonce unchanged");
}

#[test]
fn transfer_to_new_account_takes_the_next_free_id() {
    let mut s = setup();
    let next = s.next_free_id();
    let a = s.apply_tx(&signed(transfer(1, addr(9), 1, 20, 0, 1), ALICE), &ctx()).unwrap();
    match a.op {
        Op::TransferToNew(t) => assert_eq!((t.to_id, t.to_address, t.amount), (next, addr(9), 20)),
        other => panic!("expected TransferToNew, got {other:?}"),
    }
    assert_eq!(s.account(next).unwrap().address, addr(9));
    assert!(s.account(next).unwrap().pubkey_hash.is_zero());
    assert_eq!(s.balance(next, 1), 20);
    assert_eq!(s.next_free_id(), next + 1);
    assert_eq!(s.account_id_by_address(&addr(9)), Some(next));
}

#[test]
fn transfer_to_self_costs_only_the_fee() {
    let mut s = setup();
    let a = s.apply_tx(&signed(transfer(1, addr(ALICE), 0, 400, 7, 1), ALICE), &ctx()).unwrap();
    assert!(matches!(a.op, Op::Transfer(t) if t.to_id == 1));
    assert_eq!(s.balance(1, 0), 993);
    assert_eq!(s.account(1).unwrap().nonce, 2);
}

#[test]
fn insufficient_balance_counts_amount_plus_fee() {
    let mut s = setup();
    // Bob has exactly 100.
    assert_rejected(
        &mut s,
        ApplyError::InsufficientBalance { account_id: 2, token: 0, balance: 100, needed: 101 },
        |s| s.apply_tx(&signed(transfer(2, addr(ALICE), 0, 100, 1, 1), BOB), &ctx()),
    );
    s.apply_tx(&signed(transfer(2, addr(ALICE), 0, 99, 1, 1), BOB), &ctx()).unwrap();
    assert_eq!(s.balance(2, 0), 0);
}

#[test]
fn nonce_too_low_and_too_high() {
    let mut s = setup();
    assert_rejected(&mut s, ApplyError::NonceMismatch { expected: 1, got: 0 }, |s| {
        s.apply_tx(&signed(transfer(1, addr(BOB), 0, 1, 0, 0), ALICE), &ctx())
    });
    assert_rejected(&mut s, ApplyError::NonceMismatch { expected: 1, got: 2 }, |s| {
        s.apply_tx(&signed(transfer(1, addr(BOB), 0, 1, 0, 2), ALICE), &ctx())
    });
}

#[test]
fn wrong_signer_is_rejected() {
    let mut s = setup();
    assert_rejected(
        &mut s,
        ApplyError::WrongSigner { expected: key(ALICE).public_key().hash(), got: key(BOB).public_key().hash() },
        |s| s.apply_tx(&signed(transfer(1, addr(BOB), 0, 1, 0, 1), BOB), &ctx()),
    );
    // A signature that does not verify (tampered after signing).
    let mut tx = transfer(1, addr(BOB), 0, 1, 0, 1).signed(&key(ALICE), &domain()).unwrap();
    tx.amount = 2;
    let err = s.apply_tx(&L2Tx::Transfer(tx), &ctx()).unwrap_err();
    assert!(matches!(err, ApplyError::Tx(crate::tx::TxError::BadSignature(_))), "{err:?}");
}

#[test]
fn account_without_key_cannot_sign() {
    let mut s = setup();
    assert_rejected(&mut s, ApplyError::NoSigningKey(3), |s| {
        s.apply_tx(&signed(transfer(3, addr(BOB), 0, 1, 0, 0), CAROL), &ctx())
    });
}

#[test]
fn unknown_sender_account() {
    let mut s = setup();
    assert_rejected(&mut s, ApplyError::AccountNotFound(42), |s| {
        s.apply_tx(&signed(transfer(42, addr(BOB), 0, 1, 0, 0), ALICE), &ctx())
    });
    assert_rejected(&mut s, ApplyError::AccountIdOutOfRange(1 << 24), |s| {
        s.apply_tx(&signed(transfer(1 << 24, addr(BOB), 0, 1, 0, 0), ALICE), &ctx())
    });
}

#[test]
fn recipient_address_mismatch() {
    let mut s = setup();
    let tx = transfer(1, addr(BOB), 0, 1, 0, 1).signed(&key(ALICE), &domain()).unwrap();
    // Account 3 is Carol's, not Bob's.
    assert_rejected(
        &mut s,
        ApplyError::RecipientAddressMismatch { account_id: 3, expected: addr(BOB), found: addr(CAROL) },
        |s| s.apply_transfer_to(&tx, 3, &ctx()),
    );
    // Replay follows the proven data: a new account at an id the node would not have chosen is
    // still just "an empty leaf" to the protocol.
    let next = s.next_free_id();
    let tx = transfer(1, addr(9), 0, 1, 0, 1).signed(&key(ALICE), &domain()).unwrap();
    let a = s.apply_transfer_to(&tx, next + 5, &ctx()).unwrap();
    assert!(matches!(a.op, Op::TransferToNew(t) if t.to_id == next + 5));
    assert_eq!(s.next_free_id(), next + 6);
    assert_eq!(s.account_id_by_address(&addr(9)), Some(next + 5));
}

#[test]
fn zero_address_recipient() {
    let mut s = setup();
    assert_rejected(&mut s, ApplyError::ZeroAddress, |s| {
        s.apply_tx(&signed(transfer(1, Address::ZERO, 0, 1, 0, 1), ALICE), &ctx())
    });
}

#[test]
fn time_range_is_inclusive_and_enforced() {
    let mut s = setup();
    let mut t = transfer(1, addr(BOB), 0, 1, 0, 1);
    t.time_range = TimeRange { valid_from: TS + 1, valid_until: TS + 10 };
    let early = signed(t.clone(), ALICE);
    assert_rejected(&mut s, ApplyError::NotYetValid { valid_from: TS + 1, timestamp: TS }, |s| {
        s.apply_tx(&early, &ctx())
    });
    t.time_range = TimeRange { valid_from: 0, valid_until: TS - 1 };
    let late = signed(t.clone(), ALICE);
    assert_rejected(&mut s, ApplyError::Expired { valid_until: TS - 1, timestamp: TS }, |s| s.apply_tx(&late, &ctx()));
    t.time_range = TimeRange { valid_from: TS, valid_until: TS };
    s.apply_tx(&signed(t, ALICE), &ctx()).unwrap();
}

#[test]
fn unknown_token() {
    let mut s = setup();
    assert_rejected(&mut s, ApplyError::UnknownToken(7), |s| {
        s.apply_tx(&signed(transfer(1, addr(BOB), 7, 1, 0, 1), ALICE), &ctx())
    });
    assert_rejected(&mut s, ApplyError::UnknownToken(7), |s| {
        s.apply_priority_op(&PriorityOpData::Deposit(Deposit { from: addr(1), to: addr(1), token: 7, amount: 1 }))
    });
    assert!(s.register_token(1024).is_err());
}

#[test]
fn non_packable_amount_or_fee() {
    let mut s = setup();
    let amount = (1u128 << 35) + 1;
    assert_rejected(&mut s, ApplyError::AmountNotPackable(amount), |s| {
        let mut t = transfer(1, addr(BOB), 0, amount, 0, 1);
        t.signature = no_sig();
        s.apply_tx(&L2Tx::Transfer(t), &ctx())
    });
    assert_rejected(&mut s, ApplyError::FeeNotPackable(2049), |s| {
        s.apply_tx(&L2Tx::Transfer(transfer(1, addr(BOB), 0, 1, 2049, 1)), &ctx())
    });
    // Withdrawals carry full amounts: a non-packable amount is fine there.
    let w = Withdraw {
        account_id: 1,
        to: addr(ALICE),
        token: 0,
        amount: 999,
        fee: 1,
        nonce: 1,
        time_range: always(),
        signature: no_sig(),
    };
    s.apply_tx(&L2Tx::Withdraw(w.signed(&key(ALICE), &domain()).unwrap()), &ctx()).unwrap();
    assert_eq!(s.balance(1, 0), 0);
}

#[test]
fn balance_overflow_is_refused() {
    let mut s = setup();
    // Give Bob a balance near the top of u128 directly through the tree.
    let bob = s.account(2).unwrap();
    s.write(2, 0, bob, u128::MAX - 10).unwrap();
    assert_rejected(&mut s, ApplyError::BalanceOverflow { account_id: 2, token: 0 }, |s| {
        s.apply_tx(&signed(transfer(1, addr(BOB), 0, 11, 0, 1), ALICE), &ctx())
    });
    assert_rejected(&mut s, ApplyError::BalanceOverflow { account_id: 2, token: 0 }, |s| {
        s.apply_priority_op(&PriorityOpData::Deposit(Deposit { from: addr(BOB), to: addr(BOB), token: 0, amount: 11 }))
    });
    assert_rejected(&mut s, ApplyError::AmountOverflow, |s| {
        let w = Withdraw {
            account_id: 2,
            to: addr(BOB),
            token: 0,
            amount: u128::MAX,
            fee: 1,
            nonce: 1,
            time_range: always(),
            signature: no_sig(),
        };
        s.apply_tx(&L2Tx::Withdraw(w), &ctx())
    });
    s.apply_tx(&signed(transfer(1, addr(BOB), 0, 10, 0, 1), ALICE), &ctx()).unwrap();
    assert_eq!(s.balance(2, 0), u128::MAX);
}

#[test]
fn deposits_to_new_existing_and_foreign_accounts() {
    let mut s = setup();
    let next = s.next_free_id();
    let dep = |to: u8, amount| Deposit { from: addr(to), to: addr(to), token: 1, amount };
    let a = s.apply_priority_op(&PriorityOpData::Deposit(dep(8, 5))).unwrap();
    assert!(matches!(a.op, Op::Deposit(d) if d.account_id == next && d.amount == 5));
    assert_eq!(s.account(next).unwrap().address, addr(8));
    let a = s.apply_priority_op(&PriorityOpData::Deposit(dep(8, 6))).unwrap();
    assert!(matches!(a.op, Op::Deposit(d) if d.account_id == next));
    assert_eq!(s.balance(next, 1), 11);
    // Into Bob's account for Alice's address.
    assert_rejected(
        &mut s,
        ApplyError::AddressMismatch { account_id: 2, expected: addr(ALICE), found: addr(BOB) },
        |s| s.apply_deposit_to(&dep(ALICE, 1), 2),
    );
    assert_rejected(&mut s, ApplyError::InvalidDepositAmount(0), |s| {
        s.apply_priority_op(&PriorityOpData::Deposit(dep(8, 0)))
    });
    assert_rejected(&mut s, ApplyError::InvalidDepositAmount(1 << 104), |s| {
        s.apply_priority_op(&PriorityOpData::Deposit(dep(8, 1 << 104)))
    });
    assert_rejected(&mut s, ApplyError::ZeroAddress, |s| {
        s.apply_priority_op(&PriorityOpData::Deposit(Deposit { from: addr(1), to: Address::ZERO, token: 0, amount: 1 }))
    });
    // Deposits never change nonces.
    assert_eq!(s.account(next).unwrap().nonce, 0);
}

#[test]
fn full_exits_pay_only_the_owner_and_only_what_is_there() {
    let mut s = setup();
    let exit = |id, owner: u8, token| PriorityOpData::FullExit(FullExit { account_id: id, owner: addr(owner), token });
    // By the owner: the whole balance.
    let a = s.apply_priority_op(&exit(1, ALICE, 1)).unwrap();
    assert!(matches!(a.op, Op::FullExit(e) if e.amount == 500));
    assert_eq!(s.balance(1, 1), 0);
    assert_eq!(s.account(1).unwrap().nonce, 1, "priority ops never change nonces");
    // By someone else: included, pays nothing, changes nothing.
    let root = s.root();
    let a = s.apply_priority_op(&exit(2, ALICE, 0)).unwrap();
    assert!(matches!(a.op, Op::FullExit(e) if e.amount == 0));
    assert_eq!((s.balance(2, 0), s.root()), (100, root));
    // Of a nonexistent account.
    let a = s.apply_priority_op(&exit(77, ALICE, 0)).unwrap();
    assert!(matches!(a.op, Op::FullExit(e) if e.amount == 0));
    assert!(s.account(77).is_none());
    // Of a zero balance.
    let a = s.apply_priority_op(&exit(1, ALICE, 1)).unwrap();
    assert!(matches!(a.op, Op::FullExit(e) if e.amount == 0));
    assert_eq!(s.root(), root);
}

#[test]
fn change_pubkey_rules() {
    let mut s = setup();
    let new_key = key(55);
    let pkh = new_key.public_key().hash();
    // Wrong address.
    let tx = change_pubkey(2, ALICE, pkh, 0, 0, 1).signed(&new_key, &domain()).unwrap();
    assert_rejected(
        &mut s,
        ApplyError::AddressMismatch { account_id: 2, expected: addr(ALICE), found: addr(BOB) },
        |s| s.apply_tx(&L2Tx::ChangePubKey(tx), &ctx()),
    );
    // Insufficient fee.
    let tx = change_pubkey(2, BOB, pkh, 1, 1, 1).signed(&new_key, &domain()).unwrap();
    assert_rejected(&mut s, ApplyError::InsufficientBalance { account_id: 2, token: 1, balance: 0, needed: 1 }, |s| {
        s.apply_tx(&L2Tx::ChangePubKey(tx), &ctx())
    });
    // Signed by the old key instead of the new one.
    let tx = change_pubkey(2, BOB, pkh, 0, 0, 1).signed(&key(BOB), &domain()).unwrap();
    let err = s.apply_tx(&L2Tx::ChangePubKey(tx), &ctx()).unwrap_err();
    assert!(matches!(err, ApplyError::Tx(crate::tx::TxError::WrongSigner { .. })), "{err:?}");
    // Valid: key replaced, fee paid, nonce bumped; the new key signs from now on.
    let tx = change_pubkey(2, BOB, pkh, 0, 3, 1).signed(&new_key, &domain()).unwrap();
    let a = s.apply_tx(&L2Tx::ChangePubKey(tx), &ctx()).unwrap();
    assert_eq!(a.fee, Some((0, 3)));
    assert_eq!(s.account(2).unwrap().pubkey_hash, pkh);
    assert_eq!((s.balance(2, 0), s.account(2).unwrap().nonce), (97, 2));
    s.apply_tx(&signed(transfer(2, addr(ALICE), 0, 1, 0, 2), 55), &ctx()).unwrap();
}

#[test]
fn forced_exit_rules() {
    let mut s = setup();
    let fe = |target: u8, nonce| ForcedExit {
        initiator_account_id: 1,
        target: addr(target),
        token: 0,
        fee: 2,
        nonce,
        time_range: always(),
        signature: no_sig(),
    };
    // Target has a key (Bob).
    let tx = fe(BOB, 1).signed(&key(ALICE), &domain()).unwrap();
    assert_rejected(&mut s, ApplyError::TargetHasSigningKey(2), |s| s.apply_tx(&L2Tx::ForcedExit(tx), &ctx()));
    // Address mismatch: Carol's address but Bob's id.
    let tx = fe(CAROL, 1).signed(&key(ALICE), &domain()).unwrap();
    assert_rejected(
        &mut s,
        ApplyError::AddressMismatch { account_id: 2, expected: addr(CAROL), found: addr(BOB) },
        |s| s.apply_forced_exit_to(&tx, 2, &ctx()),
    );
    let unknown = fe(99, 1).signed(&key(ALICE), &domain()).unwrap();
    assert_rejected(&mut s, ApplyError::NoAccountForAddress(addr(99)), |s| {
        s.apply_tx(&L2Tx::ForcedExit(unknown), &ctx())
    });
    // Valid: Carol's 70 leave, Alice pays the fee.
    let a = s.apply_tx(&L2Tx::ForcedExit(tx), &ctx()).unwrap();
    assert!(matches!(a.op, Op::ForcedExit(f) if f.amount == 70 && f.target_id == 3));
    assert_eq!((s.balance(3, 0), s.balance(1, 0)), (0, 998));
    assert_eq!(s.account(1).unwrap().nonce, 2);
}

#[test]
fn witness_mode_gives_one_verifying_update_per_chunk_chained_by_root() {
    let mut s = setup();
    let mut root = s.root();
    let txs = [
        signed(transfer(1, addr(BOB), 0, 3, 1, 1), ALICE),
        signed(transfer(1, addr(12), 1, 4, 0, 2), ALICE),
        L2Tx::Withdraw(
            Withdraw {
                account_id: 2,
                to: addr(BOB),
                token: 0,
                amount: 10,
                fee: 0,
                nonce: 1,
                time_range: always(),
                signature: no_sig(),
            }
            .signed(&key(BOB), &domain())
            .unwrap(),
        ),
    ];
    for tx in &txs {
        let a = s.apply_tx(tx, &ctx()).unwrap();
        assert_eq!(a.updates.len(), a.op.chunks());
        for u in &a.updates {
            assert!(u.verify());
            assert_eq!(u.old_root, root);
            root = u.new_root;
        }
    }
    let n = s.apply_noop().unwrap();
    assert_eq!(n.updates.len(), 1);
    assert_eq!(n.updates[0].old_root, n.updates[0].new_root);
    assert_eq!(s.root(), root);
}

#[test]
fn fast_mode_reaches_the_same_root_as_witness_mode() {
    let mut witness = setup();
    let mut fast = setup();
    fast.set_mode(UpdateMode::Fast);
    let txs = [
        signed(transfer(1, addr(BOB), 0, 3, 1, 1), ALICE),
        signed(transfer(1, addr(12), 1, 4, 0, 2), ALICE),
        signed(transfer(2, addr(12), 0, 5, 1, 1), BOB),
        signed(transfer(1, addr(ALICE), 0, 5, 1, 3), ALICE),
    ];
    for tx in &txs {
        let w = witness.apply_tx(tx, &ctx()).unwrap();
        let f = fast.apply_tx(tx, &ctx()).unwrap();
        assert_eq!(w.op, f.op);
        assert!(f.updates.is_empty());
    }
    // Reads see pending changes before the flush.
    assert_eq!(fast.balance(1, 0), witness.balance(1, 0));
    assert_eq!(fast.account(13), witness.account(13));
    assert_eq!(fast.root(), witness.root());
}

#[test]
fn pre_verified_txs_apply_like_unverified_ones_and_keep_their_domain() {
    let mut a = setup();
    let mut b = setup();
    let tx = signed(transfer(1, addr(BOB), 0, 9, 1, 1), ALICE);
    let verified = VerifiedTx::verify(tx.clone(), &domain()).unwrap();
    assert_eq!(verified.signer(), key(ALICE).public_key().hash());
    assert_eq!(a.apply_tx(&tx, &ctx()).unwrap(), b.apply_verified_tx(&verified, &ctx()).unwrap());
    assert_eq!(a.root(), b.root());
    // Verified for the right key but the wrong account: still the account's key that counts.
    let forged = VerifiedTx::verify(signed(transfer(1, addr(BOB), 0, 9, 1, 2), BOB), &domain()).unwrap();
    assert_rejected(
        &mut b,
        ApplyError::WrongSigner { expected: key(ALICE).public_key().hash(), got: key(BOB).public_key().hash() },
        |s| s.apply_verified_tx(&forged, &ctx()),
    );
    // Verified for another deployment.
    let other = Domain { chain_id: 1, ..domain() };
    let t = transfer(1, addr(BOB), 0, 9, 1, 2).signed(&key(ALICE), &other).unwrap();
    let elsewhere = VerifiedTx::verify(L2Tx::Transfer(t), &other).unwrap();
    assert_rejected(&mut b, ApplyError::DomainMismatch, |s| s.apply_verified_tx(&elsewhere, &ctx()));
    // Batch verification keeps order and reports each failure.
    let mut bad = transfer(1, addr(BOB), 0, 9, 1, 2).signed(&key(ALICE), &domain()).unwrap();
    bad.fee = 2;
    let results = VerifiedTx::verify_all(vec![tx, L2Tx::Transfer(bad)], &domain());
    assert!(results[0].is_ok() && results[1].is_err());
}
