//! Property tests of the state transition over random sequences of valid and invalid operations,
//! applied through the block builder as the node does:
//! - full reserve: per token, the sum of all balances plus everything paid out to L1 equals deposits;
//! - an applied L2 tx bumps exactly its signer's nonce by one; priority ops bump none;
//! - a rejected operation leaves the root (and every balance and nonce) unchanged.

use proptest::prelude::*;
use std::collections::BTreeMap;
use zkpay_core::block::{BlockBuilder, BlockError, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::ops::Op;
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData, TimeRange,
    Transfer, TxSignature, Withdraw,
};
use zkpay_core::types::{AccountId, Address, TokenId};

const USERS: u8 = 5;
const TOKENS: u16 = 3;
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
fn no_sig() -> TxSignature {
    TxSignature { pub_key: [0; 32], signature: [0; 64] }
}

#[derive(Debug, Clone)]
enum Action {
    Deposit { user: u8, token: TokenId, amount: u128 },
    FullExit { user: u8, account: AccountId, token: TokenId },
    SetKey { user: u8, signer: u8, nonce_delta: i8 },
    Transfer { user: u8, to: u8, token: TokenId, amount: u128, fee: u128, signer: u8, nonce_delta: i8 },
    Withdraw { user: u8, token: TokenId, amount: u128, fee: u128, nonce_delta: i8 },
    ForcedExit { user: u8, target: u8, token: TokenId, fee: u128 },
    Seal,
}

fn action() -> impl Strategy<Value = Action> {
    let user = 0..USERS;
    let token = 0..TOKENS;
    // Mostly honest signers and nonces, sometimes not.
    let nonce_delta = prop_oneof![8 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)];
    let amount = prop_oneof![1u128..200, Just(0u128), Just((1u128 << 35) + 1)];
    prop_oneof![
        3 => (user.clone(), token.clone(), prop_oneof![1u128..1_000, Just(0u128)])
            .prop_map(|(user, token, amount)| Action::Deposit { user, token, amount }),
        1 => (user.clone(), 0u32..8, token.clone()).prop_map(|(user, account, token)| Action::FullExit { user, account, token }),
        2 => (user.clone(), prop_oneof![4 => Just(None), 1 => (0..USERS).prop_map(Some)], nonce_delta.clone())
            .prop_map(|(user, other, nonce_delta)| Action::SetKey { user, signer: other.unwrap_or(user), nonce_delta }),
        6 => (user.clone(), 0..USERS + 2, token.clone(), amount.clone(), 0u128..5, prop_oneof![5 => Just(None), 1 => (0..USERS).prop_map(Some)], nonce_delta.clone())
            .prop_map(|(user, to, token, amount, fee, other, nonce_delta)| Action::Transfer { user, to, token, amount, fee, signer: other.unwrap_or(user), nonce_delta }),
        2 => (user.clone(), token.clone(), 0u128..300, 0u128..5, nonce_delta)
            .prop_map(|(user, token, amount, fee, nonce_delta)| Action::Withdraw { user, token, amount, fee, nonce_delta }),
        1 => (user.clone(), user, token, 0u128..5).prop_map(|(user, target, token, fee)| Action::ForcedExit { user, target, token, fee }),
        1 => Just(Action::Seal),
    ]
}

struct World {
    state: State,
    builder: Option<BlockBuilder>,
    block_number: u32,
    serial: u64,
    deposited: BTreeMap<TokenId, u128>,
    paid_out: BTreeMap<TokenId, u128>,
}

impl World {
    fn new() -> World {
        let mut state = State::genesis(Address([0xee; 20])).unwrap();
        state.set_mode(UpdateMode::Fast);
        for t in 1..TOKENS {
            state.register_token(t).unwrap();
        }
        let mut w = World {
            state,
            builder: None,
            block_number: 0,
            serial: 0,
            deposited: BTreeMap::new(),
            paid_out: BTreeMap::new(),
        };
        w.open();
        // Most users start funded and keyed so random actions mostly hit the valid path; the last
        // user has neither, so keyless accounts and ForcedExit are exercised too.
        for user in 0..USERS {
            for token in 0..TOKENS {
                w.step(&Action::Deposit { user, token, amount: 1_000 });
            }
            if user + 1 < USERS {
                w.step(&Action::SetKey { user, signer: user, nonce_delta: 0 });
            }
        }
        w
    }

    fn open(&mut self) {
        self.block_number += 1;
        let header =
            BlockHeader { domain: domain(), number: self.block_number, fee_account: 0, timestamp: TS, chunks: 32 };
        self.builder = Some(BlockBuilder::new(&mut self.state, header).unwrap());
    }

    fn seal(&mut self) {
        let b = self.builder.take().unwrap();
        let block = b.seal(&mut self.state).unwrap();
        assert_eq!(block.new_root, self.state.root());
        self.check_reserve();
        self.open();
    }

    fn id(&self, user: u8) -> Option<AccountId> {
        self.state.account_id_by_address(&addr(user))
    }

    fn nonce(&self, user: u8) -> u32 {
        self.id(user).and_then(|i| self.state.account(i)).map(|a| a.nonce).unwrap_or(0)
    }

    fn snapshot(&self) -> Vec<(AccountId, u32, Vec<u128>)> {
        (0..self.state.next_free_id())
            .filter_map(|i| {
                let a = self.state.account(i)?;
                Some((i, a.nonce, (0..TOKENS).map(|t| self.state.balance(i, t)).collect()))
            })
            .collect()
    }

    fn check_reserve(&self) {
        for t in 0..TOKENS {
            let held: u128 = (0..self.state.next_free_id()).map(|i| self.state.balance(i, t)).sum();
            let paid = self.paid_out.get(&t).copied().unwrap_or(0);
            let dep = self.deposited.get(&t).copied().unwrap_or(0);
            assert_eq!(held + paid, dep, "full reserve broken for token {t}");
        }
    }

    fn l2(&self, action: &Action) -> Option<(L2Tx, u8)> {
        let range = TimeRange { valid_from: 0, valid_until: u64::MAX };
        let with_delta = |n: u32, d: i8| (n as i64 + d as i64).max(0) as u32;
        Some(match *action {
            Action::SetKey { user, signer, nonce_delta } => {
                let tx = ChangePubKey {
                    account_id: self.id(user).unwrap_or(999),
                    account: addr(user),
                    new_pub_key_hash: key(user).public_key().hash(),
                    fee_token: 0,
                    fee: 0,
                    nonce: with_delta(self.nonce(user), nonce_delta),
                    time_range: range,
                    auth: ChangePubKeyAuth::Onchain,
                    signature: no_sig(),
                };
                (L2Tx::ChangePubKey(tx.signed(&key(signer), &domain()).unwrap()), user)
            }
            Action::Transfer { user, to, token, amount, fee, signer, nonce_delta } => {
                let t = Transfer {
                    account_id: self.id(user).unwrap_or(999),
                    to: addr(to),
                    token,
                    amount,
                    fee,
                    nonce: with_delta(self.nonce(user), nonce_delta),
                    time_range: range,
                    signature: no_sig(),
                };
                // A non-packable amount cannot even be signed: submit it unsigned.
                let t = t.clone().signed(&key(signer), &domain()).unwrap_or(t);
                (L2Tx::Transfer(t), user)
            }
            Action::Withdraw { user, token, amount, fee, nonce_delta } => {
                let w = Withdraw {
                    account_id: self.id(user).unwrap_or(999),
                    to: addr(user),
                    token,
                    amount,
                    fee,
                    nonce: with_delta(self.nonce(user), nonce_delta),
                    time_range: range,
                    signature: no_sig(),
                };
                (L2Tx::Withdraw(w.signed(&key(user), &domain()).unwrap()), user)
            }
            Action::ForcedExit { user, target, token, fee } => {
                let f = ForcedExit {
                    initiator_account_id: self.id(user).unwrap_or(999),
                    target: addr(target),
                    token,
                    fee,
                    nonce: self.nonce(user),
                    time_range: range,
                    signature: no_sig(),
                };
                (L2Tx::ForcedExit(f.signed(&key(user), &domain()).unwrap()), user)
            }
            _ => return None,
        })
    }

    fn step(&mut self, action: &Action) {
        let before = self.snapshot();
        let root = self.state.root();
        let result: Result<Op, BlockError> = match action {
            Action::Seal => {
                self.seal();
                return;
            }
            Action::Deposit { user, token, amount } => {
                self.serial += 1;
                let op = PriorityOp {
                    serial_id: self.serial,
                    data: PriorityOpData::Deposit(Deposit {
                        from: addr(*user),
                        to: addr(*user),
                        token: *token,
                        amount: *amount,
                    }),
                    expiration_block: 0,
                };
                self.builder.as_mut().unwrap().add_priority_op(&mut self.state, &op).map(|a| a.op)
            }
            Action::FullExit { user, account, token } => {
                self.serial += 1;
                let op = PriorityOp {
                    serial_id: self.serial,
                    data: PriorityOpData::FullExit(FullExit {
                        account_id: *account,
                        owner: addr(*user),
                        token: *token,
                    }),
                    expiration_block: 0,
                };
                self.builder.as_mut().unwrap().add_priority_op(&mut self.state, &op).map(|a| a.op)
            }
            _ => {
                let (tx, _) = self.l2(action).unwrap();
                self.builder.as_mut().unwrap().add_tx(&mut self.state, &tx).map(|a| a.op)
            }
        };
        match result {
            Err(BlockError::BlockFull { .. }) | Err(BlockError::FeeSlotsFull(_)) => {
                assert_eq!(self.state.root(), root);
                assert_eq!(self.snapshot(), before);
                self.seal();
                self.step(action);
            }
            Err(_) => {
                assert_eq!(self.state.root(), root, "rejected {action:?} moved the root");
                assert_eq!(self.snapshot(), before, "rejected {action:?} changed accounts");
            }
            Ok(op) => {
                self.account_for(&op);
                self.check_nonces(&before, &op);
            }
        }
    }

    fn account_for(&mut self, op: &Op) {
        match op {
            Op::Deposit(d) => *self.deposited.entry(d.token).or_default() += d.amount,
            Op::Withdraw(w) => *self.paid_out.entry(w.token).or_default() += w.amount,
            Op::FullExit(e) => *self.paid_out.entry(e.token).or_default() += e.amount,
            Op::ForcedExit(f) => *self.paid_out.entry(f.token).or_default() += f.amount,
            _ => {}
        }
    }

    fn check_nonces(&self, before: &[(AccountId, u32, Vec<u128>)], op: &Op) {
        let signer = match op {
            Op::Transfer(t) => Some(t.from_id),
            Op::TransferToNew(t) => Some(t.from_id),
            Op::Withdraw(w) => Some(w.account_id),
            Op::ChangePubKey(c) => Some(c.account_id),
            Op::ForcedExit(f) => Some(f.initiator_id),
            _ => None,
        };
        let old: BTreeMap<_, _> = before.iter().map(|(i, n, _)| (*i, *n)).collect();
        for (id, nonce, _) in self.snapshot() {
            let prev = old.get(&id).copied().unwrap_or(0);
            let expected = if Some(id) == signer { prev + 1 } else { prev };
            assert_eq!(nonce, expected, "account {id} nonce after {op:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn reserve_nonces_and_rejections_hold(actions in prop::collection::vec(action(), 1..60)) {
        let mut w = World::new();
        for a in &actions {
            w.step(a);
        }
        w.seal();
    }
}
