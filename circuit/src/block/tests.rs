//! Block circuit tests: completeness on the committed vector blocks and on random valid blocks, and
//! soundness — for every rule, a witness that is valid except for that one rule, showing that the
//! first constraint it breaks is that rule's (so no later check, such as the root chain or the
//! commitment, is what catches it; a circuit missing the rule fails these tests).

use super::layout::OpType;
use super::witness::{BlockWitness, LeafWitness, OpWitness, SigWitness};
use super::*;
use rand::rngs::StdRng as ChaCha8Rng;
use rand::{Rng, SeedableRng};
use zkpay_core::account_tree::AccountTree;
use zkpay_core::block::{Block, BlockBuilder, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::packing::{closest_packable_amount, closest_packable_fee};
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, ForcedExit, FullExit, L2Tx, PriorityOp, PriorityOpData, TimeRange,
    Transfer, TxSignature, Withdraw,
};
use zkpay_core::types::{AccountId, Address, TokenId};
use zkpay_core::vectors::{vector_blocks, vector_domain};

fn alice() -> PrivateKey {
    PrivateKey::from_bytes([1; 32])
}
fn bob() -> PrivateKey {
    PrivateKey::from_bytes([2; 32])
}
const ALICE: AccountId = 1;
const BOB: AccountId = 2;
const CAROL: AccountId = 3;
fn dave() -> Address {
    Address([0xda; 20])
}

fn check(w: &BlockWitness) -> CheckingCs {
    let mut cs = CheckingCs::new();
    BlockCircuit::new(w.clone()).synthesize(&mut cs).expect("synthesis");
    cs
}

fn first_failure(w: &BlockWitness) -> Option<String> {
    check(w).first_failure().map(|(_, p)| p.clone())
}

/// The first failing constraint is in chunk `chunk` (or a block-level part) and is named `rule`.
#[track_caller]
fn assert_fails_at(w: &BlockWitness, place: &str, rule: &str) {
    let failure =
        first_failure(w).unwrap_or_else(|| panic!("corrupted witness satisfies the circuit (expected {rule})"));
    assert!(
        failure.starts_with(&format!("{place}/")) && failure.contains(rule),
        "expected the first failure at {place}: {rule}, got {failure}"
    );
}

#[test]
fn vector_blocks_satisfy_the_circuit_with_core_and_committed_public_inputs() {
    let (blocks, _) = vector_blocks();
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../testdata/block_vectors.json")).expect("vector json");
    for (i, block) in blocks.iter().enumerate() {
        let w = BlockWitness::from_block(block).expect("witness");
        let cs = check(&w);
        assert_eq!(cs.first_failure(), None, "vector block {}", i + 1);
        assert_eq!(cs.public_inputs(), &[block.public_input]);
        let json_input = committed["blocks"][i]["publicInput"]["hex"].as_str().expect("publicInput.hex");
        assert_eq!(zkpay_core::field::fr_to_hex(&block.public_input), json_input);
        assert_eq!(w.commitment_input(), block.public_input);
    }
}

#[test]
fn constraint_counts_are_pinned_and_within_budget() {
    let c8 = BlockCircuit::count_constraints(8);
    let c16 = BlockCircuit::count_constraints(16);
    let per_chunk = (c16 - c8) / 8;
    // Issue 17's budget: ≤ 22,500 per chunk (so ≤ 45,000 per 2-chunk transfer).
    assert!(per_chunk <= 22_500, "{per_chunk} constraints per chunk");
    assert_eq!((c8, c16), (259_175, 431_755), "block circuit size changed: update docs/benchmarks.md");
}

// ---------------------------------------------------------------------------------------------
// A scenario: the state after the vector blocks (Alice and Bob with keys, Carol keyless), on which
// small blocks are built in witness mode.

struct Scenario {
    state: State,
    number: u32,
    timestamp: u64,
    serial: u64,
}

impl Scenario {
    fn new() -> Scenario {
        let (blocks, mut state) = vector_blocks();
        state.set_mode(UpdateMode::Witness);
        let last = blocks.last().expect("3 blocks").header;
        Scenario { state, number: last.number + 1, timestamp: last.timestamp + 60, serial: 100 }
    }

    fn header(&self, chunks: usize) -> BlockHeader {
        BlockHeader { domain: vector_domain(), number: self.number, fee_account: 0, timestamp: self.timestamp, chunks }
    }

    /// Build an 8-chunk block of `inputs` (all must apply) on a copy of the state; returns the
    /// state before it, the block and its witness.
    fn block(&self, inputs: &[Input]) -> (State, Block, BlockWitness) {
        let pre = self.state.clone();
        let mut state = self.state.clone();
        let mut builder = BlockBuilder::new(&mut state, self.header(8)).expect("builder");
        for input in inputs {
            match input {
                Input::Tx(tx) => builder.add_tx(&mut state, tx).map(|_| ()),
                Input::Priority(p) => builder.add_priority_op(&mut state, p).map(|_| ()),
            }
            .expect("scenario input applies");
        }
        let block = builder.seal(&mut state).expect("seal");
        let w = BlockWitness::from_block(&block).expect("witness");
        assert_eq!(first_failure(&w), None, "the unmodified scenario block must satisfy the circuit");
        (pre, block, w)
    }

    fn nonce(&self, id: AccountId) -> u32 {
        self.state.account(id).expect("account").nonce
    }

    fn transfer(
        &self,
        key: &PrivateKey,
        from: AccountId,
        to: Address,
        token: TokenId,
        amount: u128,
        fee: u128,
    ) -> Input {
        signed(
            key,
            L2Tx::Transfer(Transfer {
                account_id: from,
                to,
                token,
                amount,
                fee,
                nonce: self.nonce(from),
                time_range: TimeRange::ALWAYS,
                signature: TxSignature::default(),
            }),
        )
    }

    fn address(&self, id: AccountId) -> Address {
        self.state.account(id).expect("account").address
    }

    fn priority(&mut self, data: PriorityOpData) -> Input {
        self.serial += 1;
        Input::Priority(PriorityOp { serial_id: self.serial, data, expiration_block: 10_000 })
    }
}

#[derive(Clone)]
enum Input {
    Tx(L2Tx),
    Priority(PriorityOp),
}

fn signed(key: &PrivateKey, mut tx: L2Tx) -> Input {
    tx.sign(key, &vector_domain()).expect("sign");
    Input::Tx(tx)
}

/// Re-sign the op of chunk `i` with `key` after its registers changed, and refresh its pubdata.
fn resign(w: &mut BlockWitness, i: usize, mut op: OpWitness, key: &PrivateKey) {
    let msg = op.message(&vector_domain()).expect("an L2 op");
    op.sig = SigWitness::sign(key, &msg);
    w.set_op(i, op);
}

/// The account tree as it is when chunk `i` of `block` starts (replaying the earlier chunks'
/// updates on the state before the block).
fn tree_at(pre: &State, block: &Block, i: usize) -> AccountTree {
    let mut tree = pre.tree().clone();
    for u in block.applied.iter().flat_map(|a| &a.updates).take(i) {
        tree.update(u.account_id, u.token, |f, b| {
            *f = u.new_fields;
            *b = u.new_balance;
        })
        .expect("replay");
    }
    tree
}

fn leaf_at(tree: &AccountTree, id: AccountId, token: TokenId) -> LeafWitness {
    let account = tree.get(id).expect("existing account");
    let account_path = tree.account_path(id).expect("path");
    let balance_path = account.balance_path(token).expect("path");
    LeafWitness {
        nonce: account.fields.nonce,
        pkh: account.fields.pubkey_hash,
        address: account.fields.address,
        balance: account.balance(token),
        account_path: account_path.flat(),
        balance_path: balance_path.flat(),
    }
}

/// A block starting with a Transfer of token 1 from Alice to Bob (chunks 0–1).
fn transfer_block() -> (Scenario, State, Block, BlockWitness) {
    let s = Scenario::new();
    let tx = s.transfer(&alice(), ALICE, s.address(BOB), 1, 1_000, 10);
    let (pre, block, w) = s.block(&[tx]);
    (s, pre, block, w)
}

// ---------------------------------------------------------------------------------------------
// Soundness: one test per rule of the list, and a few more.

#[test]
fn bad_signature_is_refused() {
    let (_, _, _, mut w) = transfer_block();
    let mut op = w.chunks[0].op;
    op.sig.s.add_assign(&Fr::one());
    w.set_op(0, op);
    assert_fails_at(&w, "chunk 0", "rule signature valid");
}

#[test]
fn signature_by_another_key_is_refused() {
    let (_, _, _, mut w) = transfer_block();
    // A valid signature of the very same message, by Bob's key.
    let op = w.chunks[0].op;
    resign(&mut w, 0, op, &bob());
    assert_fails_at(&w, "chunk 0", "rule signer key matches the account");
}

#[test]
fn nonce_off_by_one_is_refused() {
    for delta in [1i64, -1] {
        let (s, _, _, mut w) = transfer_block();
        let mut op = w.chunks[0].op;
        op.nonce = (s.nonce(ALICE) as i64 + delta) as u32;
        resign(&mut w, 0, op, &alice());
        assert_fails_at(&w, "chunk 0", "rule nonce matches the account");
    }
}

#[test]
fn overdraft_by_one_unit_is_refused() {
    let s = Scenario::new();
    let balance = s.state.balance(ALICE, 1);
    let fee = 7;
    let withdraw = signed(
        &alice(),
        L2Tx::Withdraw(Withdraw {
            account_id: ALICE,
            to: dave(),
            token: 1,
            amount: balance - fee,
            fee,
            nonce: s.nonce(ALICE),
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        }),
    );
    // Withdrawing everything (amount + fee = balance) is fine...
    let (_, _, mut w) = s.block(&[withdraw]);
    // ...one unit more is not.
    let mut op = w.chunks[0].op;
    op.amount += 1;
    resign(&mut w, 0, op, &alice());
    assert_fails_at(&w, "chunk 0", "rule balance stays in u128");
}

#[test]
fn expired_and_not_yet_valid_txs_are_refused() {
    let (s, _, _, w) = transfer_block();
    let mut expired = w.clone();
    let mut op = expired.chunks[0].op;
    op.valid_until = s.timestamp - 1;
    resign(&mut expired, 0, op, &alice());
    assert_fails_at(&expired, "chunk 0", "rule expired");

    let mut early = w.clone();
    let mut op = early.chunks[0].op;
    op.valid_from = s.timestamp + 1;
    resign(&mut early, 0, op, &alice());
    assert_fails_at(&early, "chunk 0", "rule not yet valid");

    // Both bounds are inclusive.
    let mut edge = w;
    let mut op = edge.chunks[0].op;
    (op.valid_from, op.valid_until) = (s.timestamp, s.timestamp);
    resign(&mut edge, 0, op, &alice());
    assert_eq!(first_failure(&edge), None);
}

#[test]
fn recipient_address_mismatch_is_refused() {
    let (_, _, _, mut w) = transfer_block();
    let mut op = w.chunks[0].op;
    op.address = dave();
    resign(&mut w, 0, op, &alice());
    assert_fails_at(&w, "chunk 1", "rule recipient address matches");
}

#[test]
fn transfer_to_new_into_an_existing_account_is_refused() {
    let s = Scenario::new();
    let tx = s.transfer(&alice(), ALICE, dave(), 0, 1_000, 0);
    let (pre, block, mut w) = s.block(&[tx]);
    assert_eq!(w.chunks[0].op.op_type, OpType::TransferToNew);
    // Point the new account at Bob's existing leaf instead (to_id is in pubdata, not signed).
    let mut op = w.chunks[0].op;
    op.b = BOB;
    w.set_op(0, op);
    w.chunks[1].leaf = leaf_at(&tree_at(&pre, &block, 1), BOB, 0);
    assert_fails_at(&w, "chunk 1", "rule new account leaf is empty");
}

#[test]
fn deposit_into_another_addresss_account_is_refused() {
    let mut s = Scenario::new();
    let deposit = s.priority(PriorityOpData::Deposit(Deposit { from: dave(), to: dave(), token: 0, amount: 5 }));
    let (pre, block, mut w) = s.block(&[deposit]);
    let mut op = w.chunks[0].op;
    op.a = CAROL;
    w.set_op(0, op);
    w.chunks[0].leaf = leaf_at(&tree_at(&pre, &block, 0), CAROL, 0);
    assert_fails_at(&w, "chunk 0", "rule deposit into an empty or own account");
}

#[test]
fn full_exit_paying_the_wrong_amount_is_refused() {
    let mut s = Scenario::new();
    let balance = s.state.balance(ALICE, 1);
    assert!(balance > 1);
    let own = s.priority(PriorityOpData::FullExit(FullExit { account_id: ALICE, owner: s.address(ALICE), token: 1 }));
    let (_, _, w) = s.block(&[own]);
    assert_eq!(w.chunks[0].op.amount, balance);
    for wrong in [balance - 1, balance + 1, 0] {
        let mut w = w.clone();
        let mut op = w.chunks[0].op;
        op.amount = wrong;
        w.set_op(0, op);
        assert_fails_at(&w, "chunk 0", "rule full exit amount");
    }
    // Requested by someone else: pays 0, and paying the balance is refused.
    let other = s.priority(PriorityOpData::FullExit(FullExit { account_id: ALICE, owner: dave(), token: 1 }));
    let (_, _, mut w) = s.block(&[other]);
    assert_eq!(w.chunks[0].op.amount, 0);
    let mut op = w.chunks[0].op;
    op.amount = balance;
    w.set_op(0, op);
    assert_fails_at(&w, "chunk 0", "rule full exit amount");
}

#[test]
fn forced_exit_of_an_account_with_a_key_is_refused() {
    let s = Scenario::new();
    // Carol is keyless but owns nothing in ETH any more; use token 2, which she holds.
    let fx = signed(
        &alice(),
        L2Tx::ForcedExit(ForcedExit {
            initiator_account_id: ALICE,
            target: s.address(CAROL),
            token: 2,
            fee: 0,
            nonce: s.nonce(ALICE),
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        }),
    );
    let (pre, block, mut w) = s.block(&[fx]);
    assert!(w.chunks[1].op.amount > 0);
    // Target Bob (who has a key) instead, paying out his whole balance.
    let tree = tree_at(&pre, &block, 1);
    let bob_leaf = leaf_at(&tree, BOB, 2);
    let mut op = w.chunks[0].op;
    (op.b, op.address, op.amount) = (BOB, s.address(BOB), bob_leaf.balance);
    resign(&mut w, 0, op, &alice());
    w.chunks[1].leaf = bob_leaf;
    assert_fails_at(&w, "chunk 1", "rule forced exit target has no key");
}

#[test]
fn fee_in_the_wrong_slot_is_refused() {
    let (_, _, block, mut w) = transfer_block();
    assert_eq!(block.fee_slots[0].token, 1);
    let mut op = w.chunks[0].op;
    op.fee_slot = Some(1);
    w.set_op(0, op);
    assert_fails_at(&w, "chunk 0", "rule fee slot 1 token");
    // No slot at all is refused too.
    op.fee_slot = None;
    w.set_op(0, op);
    assert_fails_at(&w, "chunk 0", "rule fee takes one slot");
}

#[test]
fn fee_account_not_credited_is_refused() {
    let (_, _, block, mut w) = transfer_block();
    assert!(block.fee_slots[0].amount > 0);
    // Claim the root before the fee credit as the block's new root.
    w.new_root = block.fee_updates[0].old_root;
    w.public_input = w.commitment_input();
    assert_fails_at(&w, "fees", "new root matches the header");
}

#[test]
fn a_flipped_pubdata_bit_is_refused() {
    let (_, _, _, w) = transfer_block();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..6 {
        let chunk = rng.gen_range(0..w.size());
        let bit = rng.gen_range(0..80);
        let mut bad = w.clone();
        bad.chunks[chunk].pubdata[bit / 8] ^= 0x80 >> (bit % 8);
        bad.public_input = bad.commitment_input();
        assert_fails_at(&bad, &format!("chunk {chunk}"), "pubdata of");
    }
}

#[test]
fn a_wrong_bitmap_bit_is_refused() {
    let mut s = Scenario::new();
    let deposit = s.priority(PriorityOpData::Deposit(Deposit { from: dave(), to: dave(), token: 0, amount: 5 }));
    let (_, _, w) = s.block(&[deposit]);
    for chunk in [0, 1, 5] {
        let mut bad = w.clone();
        bad.chunks[chunk].onchain ^= true;
        bad.public_input = bad.commitment_input();
        assert_fails_at(&bad, &format!("chunk {chunk}"), "onchain bit of the phase");
    }
}

#[test]
fn a_wrong_old_root_is_refused() {
    let (_, _, _, mut w) = transfer_block();
    w.old_root.add_assign(&Fr::one());
    w.public_input = w.commitment_input();
    assert_fails_at(&w, "chunk 0", "old root continues the chain");
}

#[test]
fn a_tampered_audit_path_is_refused() {
    let (_, _, _, w) = transfer_block();
    for (chunk, account_level, balance_level) in
        [(0, Some(0), None), (1, Some(35), None), (2, Some(17), None), (3, None, Some(14))]
    {
        let mut bad = w.clone();
        let leaf = &mut bad.chunks[chunk].leaf;
        if let Some(h) = account_level {
            leaf.account_path[h].add_assign(&Fr::one());
        }
        if let Some(h) = balance_level {
            leaf.balance_path[h].add_assign(&Fr::one());
        }
        assert_fails_at(&bad, &format!("chunk {chunk}"), "old root continues the chain");
    }
    let mut bad = w;
    bad.fee.account_path[5].add_assign(&Fr::one());
    assert_fails_at(&bad, "fees", "fee account under the last chunk's root");
}

#[test]
fn a_nonzero_noop_is_refused() {
    let (_, _, _, w) = transfer_block();
    let noop = w.size() - 1;
    assert_eq!(w.chunks[noop].op.op_type, OpType::Noop);
    for byte in [1, 9] {
        let mut bad = w.clone();
        bad.chunks[noop].pubdata[byte] = 1;
        bad.public_input = bad.commitment_input();
        assert_fails_at(&bad, &format!("chunk {noop}"), "pubdata of Noop chunk 0");
    }
}

#[test]
fn ops_must_be_whole_and_in_phase_order() {
    let (_, _, _, w) = transfer_block();
    // Chunk 1 claims to start a new Transfer instead of continuing chunk 0's.
    let mut bad = w.clone();
    bad.chunks[1].k = 0;
    assert_fails_at(&bad, "chunk 1", "Transfer chunk 1 follows chunk 0");
    // A block whose last op is cut off: the last Noop claims to be a Transfer's first chunk.
    let mut bad = w;
    let last = bad.size() - 1;
    bad.chunks[last].op.op_type = OpType::Transfer;
    assert_fails_at(&bad, &format!("chunk {last}"), "the block ends with a whole op");
}

#[test]
fn other_rules_are_enforced() {
    let mut s = Scenario::new();
    // Deposit above MAX_DEPOSIT.
    let deposit = s.priority(PriorityOpData::Deposit(Deposit { from: dave(), to: dave(), token: 0, amount: 5 }));
    let (_, _, w) = s.block(&[deposit]);
    let mut bad = w.clone();
    let mut op = bad.chunks[0].op;
    op.amount = 1 << 104;
    bad.set_op(0, op);
    assert_fails_at(&bad, "chunk 0", "rule deposit at most MAX_DEPOSIT");
    // Deposit of zero.
    let mut bad = w.clone();
    op.amount = 0;
    bad.set_op(0, op);
    assert_fails_at(&bad, "chunk 0", "rule deposit not zero");
    // Deposit to the zero address.
    let mut bad = w;
    let mut op = bad.chunks[0].op;
    op.address = Address::ZERO;
    bad.set_op(0, op);
    assert_fails_at(&bad, "chunk 0", "rule address is not zero");

    // ChangePubKey for an account whose address is not the signed one.
    let key = PrivateKey::from_bytes([9; 32]);
    let cpk = signed(
        &key,
        L2Tx::ChangePubKey(ChangePubKey {
            account_id: CAROL,
            account: s.address(CAROL),
            new_pub_key_hash: key.public_key().hash(),
            fee_token: 2,
            fee: 0,
            nonce: s.nonce(CAROL),
            time_range: TimeRange::ALWAYS,
            auth: ChangePubKeyAuth::Onchain,
            signature: TxSignature::default(),
        }),
    );
    let (_, _, w) = s.block(&[cpk]);
    let mut bad = w.clone();
    let mut op = bad.chunks[0].op;
    op.address = dave();
    bad.set_op(0, op);
    assert_fails_at(&bad, "chunk 0", "rule change pubkey account address");
    // Installing a key hash other than the signer's.
    let mut bad = w;
    let mut op = bad.chunks[0].op;
    op.pkh = bob().public_key().hash();
    resign(&mut bad, 0, op, &key);
    assert_fails_at(&bad, "chunk 0", "rule signer key matches the account");

    // A transfer whose amount is not its packed amount.
    let (_, _, _, w) = transfer_block();
    let mut bad = w;
    let mut op = bad.chunks[0].op;
    op.amount += 1;
    bad.set_op(0, op);
    assert_fails_at(&bad, "chunk 0", "rule transfer amount is the packed amount");
}

// ---------------------------------------------------------------------------------------------
// Completeness: random valid blocks of the smallest size mixing all op types.

struct RandomOps {
    rng: ChaCha8Rng,
    keys: Vec<(AccountId, PrivateKey)>,
    addresses: Vec<Address>,
}

impl RandomOps {
    fn key(&self, id: AccountId) -> Option<&PrivateKey> {
        self.keys.iter().find(|(a, _)| *a == id).map(|(_, k)| k)
    }

    /// A random op against `state` (the block's current state; `s` numbers the priority ops).
    fn input(&mut self, state: &State, s: &mut Scenario) -> (OpType, Input) {
        let n = state.next_free_id();
        let id = self.rng.gen_range(0..n);
        let keyed: Vec<AccountId> = self.keys.iter().map(|(a, _)| *a).collect();
        let signer = keyed[self.rng.gen_range(0..keyed.len())];
        let token: TokenId = self.rng.gen_range(0..3);
        let address = if self.rng.gen_bool(0.3) {
            let a = Address(self.rng.gen());
            self.addresses.push(a);
            a
        } else {
            self.addresses[self.rng.gen_range(0..self.addresses.len())]
        };
        let balance = state.balance(signer, token);
        let amount = closest_packable_amount(self.rng.gen_range(0..=balance / 2));
        let fee = closest_packable_fee(self.rng.gen_range(0..=(balance / 100).min(1 << 60)));
        let nonce = state.account(signer).map_or(0, |f| f.nonce);
        let time_range =
            TimeRange { valid_from: s.timestamp - self.rng.gen_range(0..1_000), valid_until: s.timestamp + 5 };
        let sig = TxSignature::default();
        match self.rng.gen_range(0..6) {
            0 => (
                OpType::Deposit,
                s.priority(PriorityOpData::Deposit(Deposit {
                    from: address,
                    to: address,
                    token,
                    amount: self.rng.gen_range(1..1u128 << 70),
                })),
            ),
            1 => {
                let key = self.key(signer).expect("keyed").clone();
                let t =
                    Transfer { account_id: signer, to: address, token, amount, fee, nonce, time_range, signature: sig };
                (OpType::Transfer, signed(&key, L2Tx::Transfer(t)))
            }
            2 => {
                let key = self.key(signer).expect("keyed").clone();
                let amount = self.rng.gen_range(0..=balance / 2);
                let t =
                    Withdraw { account_id: signer, to: address, token, amount, fee, nonce, time_range, signature: sig };
                (OpType::Withdraw, signed(&key, L2Tx::Withdraw(t)))
            }
            3 => {
                let owner =
                    if self.rng.gen_bool(0.7) { state.account(id).map_or(address, |f| f.address) } else { address };
                (OpType::FullExit, s.priority(PriorityOpData::FullExit(FullExit { account_id: id, owner, token })))
            }
            4 => {
                let Some(fields) = state.account(id).filter(|f| f.address != Address::ZERO) else {
                    return (
                        OpType::Noop,
                        s.priority(PriorityOpData::FullExit(FullExit { account_id: id, owner: address, token })),
                    );
                };
                let key = PrivateKey::from_bytes(self.rng.gen());
                let fee = closest_packable_fee(self.rng.gen_range(0..=state.balance(id, token) / 100));
                let t = ChangePubKey {
                    account_id: id,
                    account: fields.address,
                    new_pub_key_hash: key.public_key().hash(),
                    fee_token: token,
                    fee,
                    nonce: fields.nonce,
                    time_range,
                    auth: ChangePubKeyAuth::Onchain,
                    signature: sig,
                };
                let input = signed(&key, L2Tx::ChangePubKey(t));
                self.keys.push((id, key));
                (OpType::ChangePubKey, input)
            }
            _ => {
                let key = self.key(signer).expect("keyed").clone();
                let target = state.account(id).map_or(address, |f| f.address);
                let t =
                    ForcedExit { initiator_account_id: signer, target, token, fee, nonce, time_range, signature: sig };
                (OpType::ForcedExit, signed(&key, L2Tx::ForcedExit(t)))
            }
        }
    }
}

#[test]
fn random_valid_blocks_satisfy_the_circuit() {
    let mut seen = std::collections::HashSet::new();
    for seed in 0..6u64 {
        let mut s = Scenario::new();
        let mut ops = RandomOps {
            rng: ChaCha8Rng::seed_from_u64(seed),
            keys: vec![(ALICE, alice()), (BOB, bob())],
            addresses: (0..4).map(|id| s.address(id)).collect(),
        };
        for _ in 0..4 {
            let mut state = s.state.clone();
            let mut builder = BlockBuilder::new(&mut state, s.header(8)).expect("builder");
            for _ in 0..12 {
                let (t, input) = ops.input(&state, &mut s);
                let added = match &input {
                    Input::Tx(tx) => builder.add_tx(&mut state, tx).is_ok(),
                    Input::Priority(p) => builder.add_priority_op(&mut state, p).is_ok(),
                };
                if added {
                    seen.insert(t);
                } else if let Input::Tx(L2Tx::ChangePubKey(c)) = &input {
                    // The key was not installed.
                    ops.keys.retain(|(id, k)| !(*id == c.account_id && k.public_key().hash() == c.new_pub_key_hash));
                }
            }
            let block = builder.seal(&mut state).expect("seal");
            let w = BlockWitness::from_block(&block).expect("witness");
            let cs = check(&w);
            assert_eq!(cs.first_failure(), None, "seed {seed}, block {}", s.number);
            assert_eq!(cs.public_inputs(), &[block.public_input]);
            s.state = state;
            s.number += 1;
            s.timestamp += 30;
        }
    }
    for t in [
        OpType::Deposit,
        OpType::Transfer,
        OpType::Withdraw,
        OpType::FullExit,
        OpType::ChangePubKey,
        OpType::ForcedExit,
    ] {
        assert!(seen.contains(&t), "the random blocks never included a {t:?}");
    }
}

#[test]
fn witness_builder_reports_fast_mode_blocks() {
    let mut s = Scenario::new();
    s.state.set_mode(UpdateMode::Fast);
    let tx = s.transfer(&alice(), ALICE, s.address(BOB), 1, 1_000, 10);
    let mut state = s.state.clone();
    let mut builder = BlockBuilder::new(&mut state, s.header(8)).expect("builder");
    let Input::Tx(tx) = tx else { unreachable!() };
    builder.add_tx(&mut state, &tx).expect("applies");
    let block = builder.seal(&mut state).expect("seal");
    assert!(matches!(BlockWitness::from_block(&block), Err(witness::WitnessError::MissingUpdates { .. })));
}

#[test]
fn witness_pubdata_layout_matches_core_encoding() {
    // Every op of the vector blocks and of a random block, laid out by the circuit's table.
    let (blocks, _) = vector_blocks();
    for block in &blocks {
        let w = BlockWitness::from_block(block).expect("witness");
        assert_eq!(w.pubdata(), block.pubdata);
        assert_eq!(w.onchain_bitmap(), block.onchain_bitmap);
    }
}
