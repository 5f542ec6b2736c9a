//! Soundness of the block circuit, rule by rule (docs/protocol.md §14): for each rule, a witness that
//! is valid except for that one rule, and the assertion that the **first** failing constraint is that
//! rule's (by its namespace path), so that no later check (the root chain, the commitment) is what
//! catches it and a circuit without the rule fails the test.
//!
//! The rules of `src/block/tests.rs` (signature, signer key, nonce mismatch, overdraft, time range,
//! recipient address, new-account leaf, deposit target and bounds, FullExit amount, ForcedExit key,
//! fee slot, fee credit, pubdata, bitmap, old root, audit paths, Noop, phase order) are not repeated
//! here; this file covers the rest of the list of issue 18.
//!
//! Two ways to corrupt a witness:
//! * a changed [`BlockWitness`] (its registers, leaves, header), made consistent again everywhere
//!   else by [`rewitness`], which recomputes every leaf, audit path, the fee credit, the new root and
//!   the public input from the state before the block, as an honest prover of those registers would;
//! * for values a `BlockWitness` cannot express (two phases at once, a leaf index other than the one
//!   the registers select, a non-canonical root encoding), [`Tampered`], a constraint system that
//!   replaces named witness variables as they are allocated: what a malicious prover can do.
//!
//! Everything is checked by constraint satisfaction only (no keys, no proving), on 8-chunk blocks.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;
use zkpay_circuit::bellman_ce::pairing::ff::{Field, PrimeField};
use zkpay_circuit::bellman_ce::{Circuit, ConstraintSystem, LinearCombination, SynthesisError, Variable};
use zkpay_circuit::block::layout::{OpType, Register};
use zkpay_circuit::block::witness::{chunk_leaf, BlockWitness, LeafWitness, OpWitness, SigWitness};
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::check_cs::CheckingCs;
use zkpay_circuit::{Engine, Fr};
use zkpay_core::account_tree::{Account, AccountTree};
use zkpay_core::babyjubjub::{Point, SUBGROUP_ORDER};
use zkpay_core::block::{commitment_header, public_input, BlockBuilder, BlockHeader};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::field::fr_to_limbs;
use zkpay_core::packing::FEE_FLOAT;
use zkpay_core::params::{CHUNK_BYTES, FEE_SLOTS};
use zkpay_core::state::{State, UpdateMode};
use zkpay_core::tx::{
    Deposit, Domain, ForcedExit, L2Tx, PriorityOp, PriorityOpData, TimeRange, Transfer, TxSignature, Withdraw,
};
use zkpay_core::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};
use zkpay_core::vectors::{vector_blocks, vector_domain};

// ---------------------------------------------------------------------------------------------
// The scenario: the state after the vector blocks. Alice (1) and Bob (2) have keys 1 and 2 and
// balances of tokens 0 and 1; Carol (3) has no key and holds token 2; account 0 is the fee account.

const ALICE: AccountId = 1;
const BOB: AccountId = 2;
const CAROL: AccountId = 3;
/// An id no account has.
const NOBODY: AccountId = 100;

fn alice() -> PrivateKey {
    PrivateKey::from_bytes([1; 32])
}
fn dave() -> Address {
    Address([0xda; 20])
}

struct Base {
    state: State,
    number: u32,
    timestamp: u64,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let (blocks, mut state) = vector_blocks();
        state.set_mode(UpdateMode::Witness);
        let last = blocks.last().expect("vector blocks").header;
        Base { state, number: last.number + 1, timestamp: last.timestamp + 60 }
    })
}

impl Base {
    fn header(&self) -> BlockHeader {
        BlockHeader {
            domain: vector_domain(),
            number: self.number,
            fee_account: 0,
            timestamp: self.timestamp,
            chunks: 8,
        }
    }

    fn address(&self, id: AccountId) -> Address {
        self.state.account(id).expect("account").address
    }

    fn nonce(&self, id: AccountId) -> Nonce {
        self.state.account(id).expect("account").nonce
    }

    /// An 8-chunk block of `inputs` (all must apply) on a copy of the state: the account tree
    /// before it and its witness, which satisfies the circuit.
    fn block(&self, inputs: &[Input]) -> (AccountTree, BlockWitness) {
        let mut state = self.state.clone();
        let pre = state.tree().clone();
        let mut builder = BlockBuilder::new(&mut state, self.header()).expect("builder");
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
        (pre, w)
    }
}

enum Input {
    Tx(L2Tx),
    Priority(PriorityOp),
}

fn signed(key: &PrivateKey, mut tx: L2Tx) -> Input {
    tx.sign(key, &vector_domain()).expect("sign");
    Input::Tx(tx)
}

fn transfer(from: AccountId, nonce: Nonce, to: Address, token: TokenId, amount: u128, fee: u128) -> L2Tx {
    L2Tx::Transfer(Transfer {
        account_id: from,
        to,
        token,
        amount,
        fee,
        nonce,
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    })
}

/// A block starting with a Transfer of 1,000 of token 1, fee 10, from Alice to Bob (chunks 0–1),
/// then Noops.
fn transfer_block() -> (AccountTree, BlockWitness) {
    let b = base();
    let tx = transfer(ALICE, b.nonce(ALICE), b.address(BOB), 1, 1_000, 10);
    b.block(&[signed(&alice(), tx)])
}

/// A block starting with Alice's ForcedExit of Carol's token 2 (chunks 0–4).
fn forced_exit_block() -> (AccountTree, BlockWitness) {
    let b = base();
    let fx = L2Tx::ForcedExit(ForcedExit {
        initiator_account_id: ALICE,
        target: b.address(CAROL),
        token: 2,
        fee: 0,
        nonce: b.nonce(ALICE),
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    let (pre, w) = b.block(&[signed(&alice(), fx)]);
    assert_eq!((w.chunks[1].op.op_type, w.chunks[1].op.b), (OpType::ForcedExit, CAROL));
    assert!(w.chunks[1].op.amount > 0, "Carol holds token 2");
    (pre, w)
}

/// A block of one deposit to a new address (no signature, no fee).
fn deposit_block() -> (AccountTree, BlockWitness) {
    let deposit = PriorityOpData::Deposit(Deposit { from: dave(), to: dave(), token: 0, amount: 5 });
    base().block(&[Input::Priority(PriorityOp { serial_id: 100, data: deposit, expiration_block: 10_000 })])
}

// ---------------------------------------------------------------------------------------------
// Checking.

fn first_failure(w: &BlockWitness) -> Option<String> {
    let mut cs = CheckingCs::new();
    BlockCircuit::new(w.clone()).synthesize(&mut cs).expect("synthesis");
    cs.first_failure().map(|(_, p)| p.clone())
}

/// The first failing constraint is `path` or lies under it (`path/…`).
#[track_caller]
fn assert_fails_at(failure: Option<String>, path: &str) {
    let failure = failure.unwrap_or_else(|| panic!("corrupted witness satisfies the circuit (expected {path})"));
    assert!(
        failure == path || failure.starts_with(&format!("{path}/")),
        "expected the first failure at {path}, got {failure}"
    );
}

/// A constraint system that checks like [`CheckingCs`] but gives the variables at the listed paths
/// the listed values instead of the witness's (panicking at the end if a path never came up, so a
/// renamed variable cannot make a test vacuous).
struct Tampered {
    inner: CheckingCs,
    namespace: Vec<String>,
    values: HashMap<String, Fr>,
    used: usize,
}

impl Tampered {
    fn run(w: &BlockWitness, values: HashMap<String, Fr>) -> Option<String> {
        let expected = values.len();
        let mut cs = Tampered { inner: CheckingCs::new(), namespace: Vec::new(), values, used: 0 };
        BlockCircuit::new(w.clone()).synthesize(&mut cs).expect("synthesis");
        assert_eq!(cs.used, expected, "every tampered path names a variable");
        cs.inner.first_failure().map(|(_, p)| p.clone())
    }

    fn replacement(&mut self, annotation: String) -> Option<Fr> {
        if self.values.is_empty() {
            return None;
        }
        let path = format!("{}/{annotation}", self.namespace.join("/"));
        let v = self.values.get(&path).copied();
        self.used += v.is_some() as usize;
        v
    }
}

impl ConstraintSystem<Engine> for Tampered {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        match self.replacement(annotation().into()) {
            Some(v) => self.inner.alloc(|| "", || f().map(|_| v)),
            None => self.inner.alloc(|| "", f),
        }
    }

    fn alloc_input<F, A, AR>(&mut self, annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.inner.alloc_input(annotation, f)
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LB: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
        LC: FnOnce(LinearCombination<Engine>) -> LinearCombination<Engine>,
    {
        self.inner.enforce(annotation, a, b, c)
    }

    fn push_namespace<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        let name = name_fn().into();
        self.inner.push_namespace(|| name.clone());
        self.namespace.push(name);
    }

    fn pop_namespace(&mut self) {
        self.inner.pop_namespace();
        self.namespace.pop();
    }

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

fn bit(x: bool) -> Fr {
    if x {
        Fr::one()
    } else {
        Fr::zero()
    }
}

// ---------------------------------------------------------------------------------------------
// Re-witnessing: the leaves, paths, fee credit, new root and public input an honest prover of the
// witness's registers would use, computed with the circuit's own effects (docs/protocol.md §14).

/// The leaf `(id, token)` of `tree` with its paths (an empty leaf if the account does not exist).
fn leaf_of(tree: &AccountTree, id: AccountId, token: TokenId) -> LeafWitness {
    let empty = Account::default();
    let account = tree.get(id).unwrap_or(&empty);
    let account_path = tree.account_path(id).expect("id in range");
    let balance_path = account.balance_path(token).expect("token in range");
    LeafWitness {
        nonce: account.fields.nonce,
        pkh: account.fields.pubkey_hash,
        address: account.fields.address,
        balance: account.balance(token),
        account_path: account_path.flat(),
        balance_path: balance_path.flat(),
    }
}

/// Recompute `w`'s old root, every chunk's leaf, the fee witness, the new root and the public input
/// from the tree before the block and `w`'s ops and header. A chunk whose new balance or nonce does
/// not fit (the rule under test, which the circuit must refuse) gets its leaf and ends the replay:
/// no later value exists. Returns the tree before each replayed chunk.
fn rewitness(pre: &AccountTree, w: &mut BlockWitness) -> Vec<AccountTree> {
    let mut tree = pre.clone();
    let mut before = Vec::new();
    w.old_root = tree.root();
    let mut fees = [0u128; FEE_SLOTS];
    let mut complete = true;
    for i in 0..w.size() {
        before.push(tree.clone());
        let (op, k) = (w.chunks[i].op, w.chunks[i].k);
        let t = op.op_type;
        let (id, token) = chunk_leaf(&op, k);
        let leaf = leaf_of(&tree, id, token);
        w.chunks[i].leaf = leaf.clone();
        let sig = k == 0 && t.is_l2();
        let fee = if sig { FEE_FLOAT.unpack_from_u64(op.packed_fee as u64).expect("16-bit fee") } else { 0 };
        let plus =
            (k == 0 && t == OpType::Deposit) || (k == 1 && matches!(t, OpType::Transfer | OpType::TransferToNew));
        let minus = (k == 0
            && matches!(t, OpType::Transfer | OpType::TransferToNew | OpType::Withdraw | OpType::FullExit))
            || (k == 1 && t == OpType::ForcedExit);
        let mut balance = Some(leaf.balance);
        if plus {
            balance = balance.and_then(|b| b.checked_add(op.amount));
        }
        if minus {
            balance = balance.and_then(|b| b.checked_sub(op.amount));
        }
        let balance = balance.and_then(|b| b.checked_sub(fee));
        let nonce = if sig { leaf.nonce.checked_add(1) } else { Some(leaf.nonce) };
        let (Some(balance), Some(nonce)) = (balance, nonce) else {
            complete = false;
            break;
        };
        if let (true, Some(slot)) = (sig, op.fee_slot) {
            fees[slot] += fee;
        }
        tree.update(id, token, |f, b| {
            f.nonce = nonce;
            if t == OpType::ChangePubKey && k == 0 {
                f.pubkey_hash = op.pkh;
            }
            if (t == OpType::Deposit && k == 0) || (t == OpType::TransferToNew && k == 1) {
                f.address = op.address;
            }
            *b = balance;
        })
        .expect("in range");
    }
    if complete {
        let fee_account = w.header.fee_account;
        for (s, fee) in fees.iter().enumerate() {
            let token = w.fee.slots[s].token;
            let leaf = leaf_of(&tree, fee_account, token);
            if s == 0 {
                (w.fee.nonce, w.fee.pkh, w.fee.address) = (leaf.nonce, leaf.pkh, leaf.address);
                w.fee.account_path = leaf.account_path;
            }
            (w.fee.slots[s].old_balance, w.fee.slots[s].balance_path) = (leaf.balance, leaf.balance_path);
            let Some(credited) = leaf.balance.checked_add(*fee) else {
                complete = false;
                break;
            };
            tree.update(fee_account, token, |_, b| *b = credited).expect("in range");
        }
    }
    if complete {
        w.new_root = tree.root();
    }
    w.public_input = w.commitment_input();
    before
}

/// Set the op of chunk `i` (all its chunks, pubdata refreshed), signed by `key` for `domain`.
fn resign_for(w: &mut BlockWitness, i: usize, mut op: OpWitness, key: &PrivateKey, domain: &Domain) {
    op.sig = SigWitness::sign(key, &op.message(domain).expect("an L2 op"));
    w.set_op(i, op);
}

fn resign(w: &mut BlockWitness, i: usize, op: OpWitness, key: &PrivateKey) {
    resign_for(w, i, op, key, &vector_domain());
}

#[test]
fn rewitness_reproduces_core_witnesses() {
    // The helper the other tests rely on: on unmodified blocks of every kind it gives back exactly
    // the witness core's BlockBuilder made.
    let b = base();
    let withdraw = L2Tx::Withdraw(Withdraw {
        account_id: BOB,
        to: dave(),
        token: 1,
        amount: 100,
        fee: 7,
        nonce: b.nonce(BOB),
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    let to_new = transfer(ALICE, b.nonce(ALICE), dave(), 0, 1_000, 3);
    for (pre, w) in [
        transfer_block(),
        forced_exit_block(),
        deposit_block(),
        b.block(&[signed(&PrivateKey::from_bytes([2; 32]), withdraw)]),
        b.block(&[signed(&alice(), to_new)]),
    ] {
        let mut again = w.clone();
        rewitness(&pre, &mut again);
        assert_eq!(again, w);
    }
}

// ---------------------------------------------------------------------------------------------
// Phases.

#[test]
fn a_block_must_start_with_the_first_chunk_of_an_op() {
    let (_, mut w) = transfer_block();
    // Chunk 0 claims to be the second chunk of a Transfer: the block would start mid-op.
    w.chunks[0].k = 1;
    assert_fails_at(first_failure(&w), "chunk 0/the block starts with an op");
}

#[test]
fn each_chunk_is_in_exactly_one_phase() {
    let (_, w) = transfer_block();
    // Two phases at once in the first chunk (the Transfer's and a Noop's), and none at all.
    let two = HashMap::from([("chunk 0/phase Noop 0/bit/value".to_string(), Fr::one())]);
    assert_fails_at(Tampered::run(&w, two), "chunk 0/one phase");
    let none = HashMap::from([("chunk 0/phase Transfer 0/bit/value".to_string(), Fr::zero())]);
    assert_fails_at(Tampered::run(&w, none), "chunk 0/one phase");
    // And in a later chunk (a Noop that also claims to start a Deposit).
    let later = HashMap::from([("chunk 5/phase Deposit 0/bit/value".to_string(), Fr::one())]);
    assert_fails_at(Tampered::run(&w, later), "chunk 5/one phase");
}

// ---------------------------------------------------------------------------------------------
// Registers.

/// `op` with register `r` changed (to another in-range value).
fn with_register_changed(mut op: OpWitness, r: Register) -> OpWitness {
    match r {
        Register::A => op.a ^= 4,
        Register::B => op.b ^= 4,
        Register::Token => op.token ^= 1,
        Register::Amount => op.amount += 1,
        Register::PackedAmount => op.packed_amount ^= 1,
        Register::PackedFee => op.packed_fee ^= 1,
        Register::Address => op.address.0[19] ^= 1,
        Register::Pkh => op.pkh.0[19] ^= 1,
        Register::Nonce => op.nonce ^= 1,
        Register::ValidFrom => op.valid_from ^= 1,
        Register::ValidUntil => op.valid_until ^= 1,
    }
    op
}

#[test]
fn every_register_carries_across_an_ops_chunks() {
    // A later chunk of an op with one field different from the first chunk's (e.g. the recipient
    // credited more than the sender paid), its pubdata slice and leaf consistent with its own value.
    let (pre, w) = transfer_block();
    for r in Register::ALL {
        let mut bad = w.clone();
        let op = with_register_changed(bad.chunks[1].op, r);
        bad.chunks[1].op = op;
        bad.chunks[1].pubdata = op.pubdata()[CHUNK_BYTES..2 * CHUNK_BYTES].try_into().expect("10 bytes");
        rewitness(&pre, &mut bad);
        assert_fails_at(first_failure(&bad), &format!("chunk 1/carry {}", r.name()));
    }
    // The last chunk of a 5-chunk op.
    let (pre, mut w) = forced_exit_block();
    w.chunks[4].op = with_register_changed(w.chunks[4].op, Register::Token);
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "chunk 4/carry token");
}

#[test]
fn ids_and_tokens_wider_than_their_range_are_refused() {
    // Pubdata naming from_id + 2^24, token + 2^10 or to_id + 2^24 (what L1 and data restore would
    // read) while the circuit's 24- and 10-bit registers hold the value mod 2^24 / 2^10: the high
    // pubdata bits are constant zero in the circuit's layout.
    let (_, w) = transfer_block();
    for (byte, mask) in [(1, 0x01), (1, 0x80), (5, 0x04), (5, 0x80), (7, 0x01)] {
        let mut bad = w.clone();
        bad.chunks[0].pubdata[byte] |= mask;
        bad.public_input = bad.commitment_input();
        assert_fails_at(first_failure(&bad), "chunk 0/pubdata of Transfer chunk 0");
    }
}

// ---------------------------------------------------------------------------------------------
// Leaf selection.

#[test]
fn the_leaf_index_is_a_or_b_as_the_phase_says() {
    let (pre, w) = transfer_block();
    let trees = rewitness(&pre, &mut w.clone());
    // Chunk 1 (the recipient's) proving the sender's leaf instead: index bits of A = 1 rather than
    // B = 2, and Alice's leaf as it is after chunk 0 — consistent with the root chain, so only the
    // selection rule can catch it (the transfer would credit its sender).
    let mut bad = w.clone();
    bad.chunks[1].leaf = leaf_of(&trees[1], ALICE, 1);
    let a_bits = HashMap::from([
        ("chunk 1/leaf index bit 0/value".to_string(), bit(ALICE & 1 == 1)),
        ("chunk 1/leaf index bit 1/value".to_string(), bit(ALICE & 2 == 2)),
    ]);
    assert_fails_at(Tampered::run(&bad, a_bits), "chunk 1/leaf index bit 0 selects");
    // Chunk 0 (the sender's) proving the recipient's leaf: the fee and amount would come from Bob.
    let mut bad = w;
    bad.chunks[0].leaf = leaf_of(&trees[0], BOB, 1);
    let b_bits = HashMap::from([
        ("chunk 0/leaf index bit 0/value".to_string(), bit(BOB & 1 == 1)),
        ("chunk 0/leaf index bit 1/value".to_string(), bit(BOB & 2 == 2)),
    ]);
    assert_fails_at(Tampered::run(&bad, b_bits), "chunk 0/leaf index bit 0 selects");
}

// ---------------------------------------------------------------------------------------------
// Signer (docs/protocol.md §8.1).

#[test]
fn the_signer_account_must_exist() {
    let (pre, mut w) = transfer_block();
    let mut op = w.chunks[0].op;
    (op.a, op.nonce, op.amount, op.packed_amount, op.packed_fee) = (NOBODY, 0, 0, 0, 0);
    resign(&mut w, 0, op, &alice());
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "chunk 0/rule signer account exists");
}

#[test]
fn the_signer_must_have_a_key() {
    // Carol exists but has no key; a transfer of nothing, fee 0, at her nonce, signed by some key.
    let b = base();
    let (pre, mut w) = transfer_block();
    let mut op = w.chunks[0].op;
    (op.a, op.nonce, op.amount, op.packed_amount, op.packed_fee) = (CAROL, b.nonce(CAROL), 0, 0, 0);
    resign(&mut w, 0, op, &alice());
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "chunk 0/signer key/rule signer has a key");
}

#[test]
fn an_exhausted_nonce_is_refused() {
    let (pre, w) = transfer_block();
    for (nonce, expected) in
        [(u32::MAX, Some("chunk 0/nonce exhausted/rule nonce not exhausted")), (u32::MAX - 1, None)]
    {
        // Alice's account at that nonce, signing at it.
        let mut tree = pre.clone();
        tree.update(ALICE, 0, |f, _| f.nonce = nonce).expect("update");
        let mut bad = w.clone();
        let mut op = bad.chunks[0].op;
        op.nonce = nonce;
        resign(&mut bad, 0, op, &alice());
        rewitness(&tree, &mut bad);
        match expected {
            Some(path) => assert_fails_at(first_failure(&bad), path),
            // The last usable nonce is fine.
            None => assert_eq!(first_failure(&bad), None),
        }
    }
}

#[test]
fn the_nonce_is_bumped_by_one() {
    // Two transfers by Alice in one block (nonces n and n + 1, chunks 0–1 and 2–3).
    let b = base();
    let n = b.nonce(ALICE);
    let first = transfer(ALICE, n, b.address(BOB), 1, 1_000, 10);
    let second = transfer(ALICE, n + 1, b.address(BOB), 1, 2_000, 10);
    let (pre, w) = b.block(&[signed(&alice(), first), signed(&alice(), second)]);
    assert_eq!((w.chunks[2].op.nonce, w.chunks[2].leaf.nonce), (n + 1, n + 1));
    // Replaying nonce n in the second tx: chunk 0 bumped the account to n + 1.
    let mut bad = w.clone();
    let mut op = bad.chunks[2].op;
    op.nonce = n;
    resign(&mut bad, 2, op, &alice());
    rewitness(&pre, &mut bad);
    assert_fails_at(first_failure(&bad), "chunk 2/rule nonce matches the account");
    // ...and claiming the bump never happened (Alice's leaf still at n) breaks the root chain.
    bad.chunks[2].leaf.nonce = n;
    assert_fails_at(first_failure(&bad), "chunk 2/old root continues the chain");
}

#[test]
fn a_signature_for_another_chain_or_rollup_is_refused() {
    let (_, w) = transfer_block();
    let ours = vector_domain();
    let other_chain = Domain { chain_id: ours.chain_id + 1, ..ours };
    let mut rollup = ours.rollup;
    rollup.0[0] ^= 1;
    let other_rollup = Domain { rollup, ..ours };
    for domain in [other_chain, other_rollup] {
        // Alice's valid signature of the same tx, for another deployment.
        let mut bad = w.clone();
        let op = bad.chunks[0].op;
        resign_for(&mut bad, 0, op, &alice(), &domain);
        assert_fails_at(first_failure(&bad), "chunk 0/rule signature valid");
    }
}

#[test]
fn a_key_of_small_order_is_refused() {
    // An account whose pubkey hash is that of a point T of order 8 (only core and the L1
    // authorization of ChangePubKey keep one out of the tree): under T, 8·hm·T vanishes and
    // R8 = S·B8 "signs" every message. The transfer, with such a signature, fails at the key check.
    let t8 = (2u64..)
        .filter_map(|y| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&y.to_le_bytes());
            Point::decompress(&bytes).ok()
        })
        .map(|p| p.mul_scalar(&SUBGROUP_ORDER))
        .find(|t| t.mul_scalar(&[4, 0, 0, 0]) != Point::identity())
        .expect("half of all curve points give one of order 8");
    let (pre, w) = transfer_block();
    let mut tree = pre.clone();
    let pkh = PubKeyHash::from_fr_low160(&zkpay_core::poseidon::hash_n(&[t8.x, t8.y]));
    tree.update(ALICE, 0, |f, _| f.pubkey_hash = pkh).expect("update");
    let mut bad = w;
    let mut op = bad.chunks[0].op;
    op.sig = SigWitness { pk: t8, r8: Point::b8().mul_scalar(&[5, 0, 0, 0]), s: zkpay_core::field::fr_from_u64(5) };
    bad.set_op(0, op);
    rewitness(&tree, &mut bad);
    assert_fails_at(first_failure(&bad), "chunk 0/signature/sides/A not of small order");
}

// ---------------------------------------------------------------------------------------------
// Op rules.

#[test]
fn transfers_and_withdrawals_to_the_zero_address_are_refused() {
    let b = base();
    let withdraw = L2Tx::Withdraw(Withdraw {
        account_id: ALICE,
        to: dave(),
        token: 1,
        amount: 100,
        fee: 7,
        nonce: b.nonce(ALICE),
        time_range: TimeRange::ALWAYS,
        signature: TxSignature::default(),
    });
    let to_new = transfer(ALICE, b.nonce(ALICE), dave(), 0, 1_000, 0);
    for (op_type, (pre, w)) in [
        (OpType::Transfer, transfer_block()),
        (OpType::TransferToNew, b.block(&[signed(&alice(), to_new)])),
        (OpType::Withdraw, b.block(&[signed(&alice(), withdraw)])),
    ] {
        assert_eq!(w.chunks[0].op.op_type, op_type);
        let mut bad = w;
        let mut op = bad.chunks[0].op;
        op.address = Address::ZERO;
        resign(&mut bad, 0, op, &alice());
        rewitness(&pre, &mut bad);
        assert_fails_at(first_failure(&bad), "chunk 0/address nonzero/rule address is not zero");
    }
}

#[test]
fn the_forced_exit_target_must_exist() {
    // An empty leaf as the target, paying out its (zero) balance to a nonzero address.
    let (pre, mut w) = forced_exit_block();
    let mut op = w.chunks[0].op;
    (op.b, op.amount) = (NOBODY, 0);
    resign(&mut w, 0, op, &alice());
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "chunk 1/rule forced exit target exists");
}

#[test]
fn the_forced_exit_pays_the_targets_own_address() {
    let (pre, mut w) = forced_exit_block();
    let mut op = w.chunks[0].op;
    op.address = dave();
    resign(&mut w, 0, op, &alice());
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "chunk 1/rule forced exit target address");
}

#[test]
fn the_forced_exit_amount_is_the_whole_balance() {
    let (pre, w) = forced_exit_block();
    let balance = w.chunks[1].leaf.balance;
    for amount in [balance - 1, balance + 1, 0] {
        let mut bad = w.clone();
        let mut op = bad.chunks[0].op;
        op.amount = amount;
        resign(&mut bad, 0, op, &alice());
        rewitness(&pre, &mut bad);
        assert_fails_at(first_failure(&bad), "chunk 1/rule forced exit amount is the target balance");
    }
}

#[test]
fn a_recipient_balance_overflow_is_refused() {
    // Bob's balance of token 1 set so that the transfer's 1,000 ends exactly at 2^128 − 1 (valid)
    // or one above it.
    let (pre, w) = transfer_block();
    for (start, expected) in [(u128::MAX - 1_000, None), (u128::MAX - 999, Some("chunk 1/rule balance stays in u128"))]
    {
        let mut tree = pre.clone();
        tree.update(BOB, 1, |_, b| *b = start).expect("update");
        let mut bad = w.clone();
        rewitness(&tree, &mut bad);
        match expected {
            Some(path) => assert_fails_at(first_failure(&bad), path),
            None => assert_eq!(first_failure(&bad), None),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fee account.

#[test]
fn the_fee_account_must_exist() {
    let (pre, mut w) = transfer_block();
    w.header.fee_account = NOBODY;
    rewitness(&pre, &mut w);
    assert_fails_at(first_failure(&w), "fees/rule fee account exists");
}

#[test]
fn the_fee_account_balance_stays_in_u128() {
    // The fee account's balance of token 1 set so that the block's fee of 10 ends exactly at
    // 2^128 − 1 (valid) or one above it.
    let (pre, w) = transfer_block();
    for (start, expected) in
        [(u128::MAX - 10, None), (u128::MAX - 9, Some("fees/slot 0/rule fee balance stays in u128"))]
    {
        let mut tree = pre.clone();
        tree.update(0, 1, |_, b| *b = start).expect("update");
        let mut bad = w.clone();
        rewitness(&tree, &mut bad);
        match expected {
            Some(path) => assert_fails_at(first_failure(&bad), path),
            None => assert_eq!(first_failure(&bad), None),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Header.

#[test]
fn every_header_field_is_bound_by_the_commitment() {
    // A witness whose header differs from the committed one in one field (e.g. another timestamp,
    // under which an expired tx would be valid). A block without signatures, so that nothing but
    // the commitment reads chain id, rollup, number or timestamp.
    let (pre, w) = deposit_block();
    let committed = w.public_input;
    let changes: [fn(&mut BlockHeader); 5] = [
        |h| h.domain.chain_id += 1,
        |h| h.domain.rollup.0[19] ^= 1,
        |h| h.number += 1,
        |h| h.timestamp += 1,
        |h| h.fee_account = BOB,
    ];
    for change in changes {
        let mut bad = w.clone();
        change(&mut bad.header);
        rewitness(&pre, &mut bad);
        assert_ne!(bad.commitment_input(), committed);
        bad.public_input = committed;
        assert_fails_at(first_failure(&bad), "public input is the commitment >> 3");
    }
    // The fee account is a 24-bit index: a header naming 2^24 (top byte of its 4 set), with the
    // commitment L1 would compute for it, is refused (the circuit's header has a zero top byte; the
    // fee account it credits is account 0).
    let mut bad = w;
    bad.header.fee_account = 1 << 24;
    bad.public_input = bad.commitment_input();
    assert_fails_at(first_failure(&bad), "public input is the commitment >> 3");
}

/// `x + p` as a 256-bit little-endian integer, if it is below 2^254 (then its 254 bits are a second
/// decomposition of `x`).
fn alias(x: &Fr) -> Option<[u64; 4]> {
    let (x, p) = (fr_to_limbs(x), Fr::char().0);
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for k in 0..4 {
        let t = x[k] as u128 + p[k] as u128 + carry;
        out[k] = t as u64;
        carry = t >> 64;
    }
    (out[3] >> 62 == 0).then_some(out)
}

#[test]
fn roots_are_committed_in_their_canonical_encoding() {
    // For a root below 2^254 − p, the bits of root + p pack to the same field element: a prover
    // could commit to 32 bytes L1 reads as another root. Find a deposit amount whose block's new
    // root has such an alias (about a third do), then use it as the next block's old root too.
    let b = base();
    let mut found = None;
    for amount in 1..200u128 {
        let deposit = PriorityOpData::Deposit(Deposit { from: dave(), to: dave(), token: 0, amount });
        let mut state = b.state.clone();
        let mut builder = BlockBuilder::new(&mut state, b.header()).expect("builder");
        builder
            .add_priority_op(&mut state, &PriorityOp { serial_id: 100, data: deposit, expiration_block: 10_000 })
            .expect("deposit");
        let block = builder.seal(&mut state).expect("seal");
        if alias(&block.new_root).is_some() {
            found = Some((block, state));
            break;
        }
    }
    let (block, after) = found.expect("some root below 2^254 - p");
    let w = BlockWitness::from_block(&block).expect("witness");
    // The next block on top of it: its old root is the aliased root.
    let mut header = b.header();
    header.number += 1;
    let mut state = after;
    let tx = transfer(ALICE, b.nonce(ALICE), b.address(BOB), 1, 1_000, 10);
    let mut builder = BlockBuilder::new(&mut state, header).expect("builder");
    let Input::Tx(tx) = signed(&alice(), tx) else { unreachable!() };
    builder.add_tx(&mut state, &tx).expect("transfer");
    let next = BlockWitness::from_block(&builder.seal(&mut state).expect("seal")).expect("witness");

    for (w, name, at) in [(&w, "new_root", 76), (&next, "old_root", 44)] {
        let root = if name == "new_root" { w.new_root } else { w.old_root };
        let limbs = alias(&root).expect("aliased");
        let values = (0..254)
            .map(|i| (format!("header/{name} bits/bits/bit {i}/bit/value"), bit((limbs[i / 64] >> (i % 64)) & 1 == 1)))
            .collect();
        // The public input of the non-canonical bytes, so that the commitment itself agrees.
        let mut bad = w.clone();
        let mut header = commitment_header(&bad.header, &bad.old_root, &bad.new_root);
        let be: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        header[at..at + 32].copy_from_slice(&be);
        let digest: [u8; 32] = Sha256::new()
            .chain_update(header)
            .chain_update(bad.pubdata())
            .chain_update(bad.onchain_bitmap())
            .finalize()
            .into();
        bad.public_input = public_input(&digest);
        assert_fails_at(Tampered::run(&bad, values), &format!("header/{name} bits/below p"));
    }
}

#[test]
fn tampering_nothing_changes_nothing() {
    // The tampering system itself: replacing a variable by its own value leaves the block valid,
    // and an unknown path is reported rather than ignored.
    let (_, w) = transfer_block();
    let same = HashMap::from([("chunk 0/phase Transfer 0/bit/value".to_string(), Fr::one())]);
    assert_eq!(Tampered::run(&w, same), None);
    let unknown = HashMap::from([("chunk 0/no such variable".to_string(), Fr::one())]);
    assert!(std::panic::catch_unwind(|| Tampered::run(&w, unknown)).is_err());
}
