//! The state tree: accounts (a quaternary tree of 12 levels, 2^24 leaves), each with a balance tree
//! (5 levels, 1,024 leaves) (docs/protocol.md §5).
//!
//! Two ways to change it:
//! - [`AccountTree::update`]: one account and one balance, rehashed at once, returning both audit
//!   paths with the before/after values — what the circuit's witness needs for each chunk;
//! - [`AccountTree::batch`]: many changes, then one rehash of only the dirty nodes, in parallel —
//!   what the node needs to seal blocks fast.

use crate::field::{fr_from_u128, fr_from_u64, fr_to_limbs, Fr};
use crate::merkle::{hash_many, rehash_dirty_many, AccountNodes, BalanceTree, MerkleError, MerklePath};
use crate::params::{ACCOUNT_ID_BITS, MAX_TOKEN_ID};
use crate::poseidon::hash_n;
use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};
use std::collections::HashMap;

/// Why a tree operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateTreeError {
    /// Account ids are 0 … 2^24 − 1.
    #[error("account id {0} is out of range (max {max})", max = (1u32 << ACCOUNT_ID_BITS) - 1)]
    AccountIdOutOfRange(AccountId),
    /// Token ids are 0 … 1023.
    #[error("token id {0} is out of range (max {MAX_TOKEN_ID})")]
    TokenIdOutOfRange(TokenId),
    /// A stored balance leaf does not fit u128 (cannot happen through this API).
    #[error("balance leaf does not fit u128")]
    BalanceNotU128,
}

impl From<MerkleError> for StateTreeError {
    fn from(e: MerkleError) -> Self {
        match e {
            MerkleError::IndexOutOfRange { index, .. } => StateTreeError::AccountIdOutOfRange(index),
        }
    }
}

/// The fields of an account leaf other than its balances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountFields {
    /// Number of L2 transactions the account has signed.
    pub nonce: Nonce,
    /// Hash of the account's L2 signing key; zero = no key.
    pub pubkey_hash: PubKeyHash,
    /// The account's L1 address; zero = empty leaf.
    pub address: Address,
}

/// An account: its fields and its balance tree.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// Nonce, pubkey hash, address.
    pub fields: AccountFields,
    balances: BalanceTree,
}

fn token_check(token: TokenId) -> Result<(), StateTreeError> {
    if token > MAX_TOKEN_ID {
        return Err(StateTreeError::TokenIdOutOfRange(token));
    }
    Ok(())
}

fn fr_to_u128(x: &Fr) -> Result<u128, StateTreeError> {
    let l = fr_to_limbs(x);
    if l[2] != 0 || l[3] != 0 {
        return Err(StateTreeError::BalanceNotU128);
    }
    Ok(((l[1] as u128) << 64) | l[0] as u128)
}

impl Account {
    /// A new account at `address` with no key, nonce 0 and no balances.
    pub fn new(address: Address) -> Account {
        Account { fields: AccountFields { address, ..Default::default() }, balances: BalanceTree::new() }
    }

    /// Whether the leaf is empty (address zero).
    pub fn is_empty(&self) -> bool {
        self.fields.address.is_zero()
    }

    /// Balance of `token` (0 for tokens never held and for ids out of range).
    pub fn balance(&self, token: TokenId) -> u128 {
        self.balances.leaf(token as u32).ok().and_then(|v| fr_to_u128(&v).ok()).unwrap_or(0)
    }

    /// Non-zero balances, by token id.
    pub fn balances(&self) -> Vec<(TokenId, u128)> {
        // Stored leaves are exactly the non-zero balances (a zero leaf is the empty leaf).
        self.balances.store().level(0).filter_map(|(t, v)| Some((t as TokenId, fr_to_u128(v).ok()?))).collect()
    }

    /// Root of the balance tree.
    pub fn balance_root(&self) -> Fr {
        self.balances.root()
    }

    /// Audit path of `token` in the balance tree.
    pub fn balance_path(&self, token: TokenId) -> Result<MerklePath, StateTreeError> {
        token_check(token)?;
        Ok(self.balances.path(token as u32).expect("token checked"))
    }

    /// The account leaf `H(nonce, pubkey_hash, address, balance_root)`.
    pub fn leaf_hash(&self) -> Fr {
        leaf_hash(&self.fields, &self.balance_root())
    }

    fn set_balance(&mut self, token: TokenId, value: u128) -> MerklePath {
        self.balances.update(token as u32, fr_from_u128(value)).expect("token checked")
    }
}

/// `H(nonce, pubkey_hash, address, balance_root)`.
pub fn leaf_hash(fields: &AccountFields, balance_root: &Fr) -> Fr {
    hash_n(&leaf_inputs(fields, balance_root))
}

fn leaf_inputs(fields: &AccountFields, balance_root: &Fr) -> [Fr; 4] {
    [fr_from_u64(fields.nonce as u64), fields.pubkey_hash.to_fr(), fields.address.to_fr(), *balance_root]
}

/// Everything one chunk's update changed, with the audit paths that prove it (the same paths prove
/// the old values under the old roots and the new values under the new roots).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountUpdate {
    /// The account updated.
    pub account_id: AccountId,
    /// The balance updated.
    pub token: TokenId,
    /// State root before.
    pub old_root: Fr,
    /// State root after.
    pub new_root: Fr,
    /// Account fields before.
    pub old_fields: AccountFields,
    /// Account fields after.
    pub new_fields: AccountFields,
    /// Balance before.
    pub old_balance: u128,
    /// Balance after.
    pub new_balance: u128,
    /// Balance-tree root before.
    pub old_balance_root: Fr,
    /// Balance-tree root after.
    pub new_balance_root: Fr,
    /// Path of the account in the account tree.
    pub account_path: MerklePath,
    /// Path of the token in the account's balance tree.
    pub balance_path: MerklePath,
}

impl AccountUpdate {
    /// Check the update's internal consistency: both leaves hash up to both roots.
    pub fn verify(&self) -> bool {
        let old_leaf = leaf_hash(&self.old_fields, &self.old_balance_root);
        let new_leaf = leaf_hash(&self.new_fields, &self.new_balance_root);
        self.balance_path.verify(&self.old_balance_root, &fr_from_u128(self.old_balance))
            && self.balance_path.verify(&self.new_balance_root, &fr_from_u128(self.new_balance))
            && self.account_path.verify(&self.old_root, &old_leaf)
            && self.account_path.verify(&self.new_root, &new_leaf)
    }
}

/// All accounts and the account tree over them. Memory is proportional to the accounts that exist.
#[derive(Clone, Debug, Default)]
pub struct AccountTree {
    // Accounts in creation order; `slots` maps an id to its position. Never shrinks: the protocol
    // never deletes an account.
    accounts: Vec<(AccountId, Account)>,
    slots: HashMap<AccountId, u32>,
    nodes: AccountNodes,
}

fn id_check(id: AccountId) -> Result<(), StateTreeError> {
    if id >= 1 << ACCOUNT_ID_BITS {
        return Err(StateTreeError::AccountIdOutOfRange(id));
    }
    Ok(())
}

impl AccountTree {
    /// The empty tree.
    pub fn new() -> AccountTree {
        AccountTree::default()
    }

    /// The state root.
    pub fn root(&self) -> Fr {
        self.nodes.root()
    }

    /// Number of stored (non-empty) accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether no account exists.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The account at `id`, if its leaf is not empty.
    pub fn get(&self, id: AccountId) -> Option<&Account> {
        self.slots.get(&id).map(|&s| &self.accounts[s as usize].1)
    }

    /// Every stored account with its id, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (AccountId, &Account)> {
        self.accounts.iter().map(|(id, a)| (*id, a))
    }

    /// Audit path of account `id`.
    pub fn account_path(&self, id: AccountId) -> Result<MerklePath, StateTreeError> {
        id_check(id)?;
        Ok(self.nodes.path(id)?)
    }

    fn slot_or_insert(&mut self, id: AccountId) -> usize {
        match self.slots.get(&id) {
            Some(&s) => s as usize,
            None => {
                let s = self.accounts.len();
                self.accounts.push((id, Account::default()));
                self.slots.insert(id, s as u32);
                s
            }
        }
    }

    /// Apply one chunk's change to account `id`: `change` may edit the fields and the balance of
    /// `token`. Rehashes both paths at once and returns the update with its proofs. An untouched empty
    /// leaf stays unstored.
    pub fn update(
        &mut self,
        id: AccountId,
        token: TokenId,
        change: impl FnOnce(&mut AccountFields, &mut u128),
    ) -> Result<AccountUpdate, StateTreeError> {
        id_check(id)?;
        token_check(token)?;
        let old_root = self.root();
        let account_path = self.nodes.path(id)?;
        let empty = Account::default();
        let current = self.get(id).unwrap_or(&empty);
        let (old_fields, old_balance, old_balance_root) =
            (current.fields, current.balance(token), current.balance_root());
        let mut new_fields = old_fields;
        let mut new_balance = old_balance;
        change(&mut new_fields, &mut new_balance);

        let (balance_path, new_balance_root, new_leaf) = if new_fields == old_fields && new_balance == old_balance {
            (current.balance_path(token)?, old_balance_root, None)
        } else {
            let slot = self.slot_or_insert(id);
            let account = &mut self.accounts[slot].1;
            account.fields = new_fields;
            let path = account.set_balance(token, new_balance);
            (path, account.balance_root(), Some(account.leaf_hash()))
        };
        if let Some(leaf) = new_leaf {
            self.nodes.update(id, leaf)?;
        }
        Ok(AccountUpdate {
            account_id: id,
            token,
            old_root,
            new_root: self.root(),
            old_fields,
            new_fields,
            old_balance,
            new_balance,
            old_balance_root,
            new_balance_root,
            account_path,
            balance_path,
        })
    }

    /// Start a batch of changes; the roots are recomputed once, in parallel, when the batch is
    /// committed or dropped.
    pub fn batch(&mut self) -> AccountTreeBatch<'_> {
        AccountTreeBatch { tree: self, dirty: Vec::new() }
    }
}

/// A set of pending changes to an [`AccountTree`]; see [`AccountTree::batch`]. Holding the tree
/// mutably, it keeps anyone from reading a stale root.
pub struct AccountTreeBatch<'a> {
    tree: &'a mut AccountTree,
    // (slot, token whose leaf changed; None for a fields-only change)
    dirty: Vec<(u32, Option<TokenId>)>,
}

impl AccountTreeBatch<'_> {
    /// The account at `id` as currently changed by this batch.
    pub fn get(&self, id: AccountId) -> Option<&Account> {
        self.tree.get(id)
    }

    /// Set the balance of `token` of account `id` (creating the leaf if needed).
    pub fn set_balance(&mut self, id: AccountId, token: TokenId, value: u128) -> Result<(), StateTreeError> {
        id_check(id)?;
        token_check(token)?;
        let slot = self.tree.slot_or_insert(id);
        let balances = &mut self.tree.accounts[slot].1.balances;
        // Leaf only: the path above it is rehashed at commit.
        balances.set_leaf_unhashed(token as u32, fr_from_u128(value));
        self.dirty.push((slot as u32, Some(token)));
        Ok(())
    }

    /// Edit the fields of account `id` (creating the leaf if needed).
    pub fn update_fields(
        &mut self,
        id: AccountId,
        change: impl FnOnce(&mut AccountFields),
    ) -> Result<(), StateTreeError> {
        id_check(id)?;
        let slot = self.tree.slot_or_insert(id);
        change(&mut self.tree.accounts[slot].1.fields);
        self.dirty.push((slot as u32, None));
        Ok(())
    }

    /// Rehash everything the batch touched and return the new state root.
    pub fn commit(mut self) -> Fr {
        self.flush();
        self.tree.root()
    }

    fn flush(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        // Group the dirty tokens by account, then hand each dirty account to one rayon task.
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        for (slot, token) in dirty {
            if groups.last().map(|g| g.0) != Some(slot) {
                groups.push((slot, Vec::new()));
            }
            if let Some(t) = token {
                groups.last_mut().expect("just pushed").1.push(t as u32);
            }
        }
        let mut work: Vec<(&mut (AccountId, Account), Vec<u32>)> = Vec::with_capacity(groups.len());
        let mut rest: &mut [(AccountId, Account)] = &mut self.tree.accounts;
        let mut base = 0u32;
        for (slot, tokens) in groups {
            let (_, tail) = std::mem::take(&mut rest).split_at_mut((slot - base) as usize);
            let (head, tail) = tail.split_first_mut().expect("slot exists");
            work.push((head, tokens));
            rest = tail;
            base = slot + 1;
        }
        // The balance trees of all dirty accounts are rehashed together, level by level, and then
        // their leaves, so the hashes fill the SIMD lanes (poseidon_batch) and rayon's threads.
        let mut ids = Vec::with_capacity(work.len());
        let mut fields = Vec::with_capacity(work.len());
        let mut trees: Vec<(&mut BalanceTree, Vec<u32>)> = Vec::with_capacity(work.len());
        for ((id, account), tokens) in work {
            ids.push(*id);
            fields.push(account.fields);
            trees.push((&mut account.balances, tokens));
        }
        rehash_dirty_many(&mut trees);
        let inputs: Vec<[Fr; 4]> = trees.iter().zip(&fields).map(|((t, _), f)| leaf_inputs(f, &t.root())).collect();
        let leaves: Vec<(u32, Fr)> = ids.into_iter().zip(hash_many(&inputs)).collect();
        self.tree.nodes.update_many(leaves).expect("ids were checked");
    }
}

impl Drop for AccountTreeBatch<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Convert a balance-tree leaf back to u128 (exposed for tests and tools).
pub fn balance_from_leaf(x: &Fr) -> Result<u128, StateTreeError> {
    fr_to_u128(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{root_from_leaves, AccountTreeKind, BalanceTreeKind, TreeKind};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn addr(n: u8) -> Address {
        Address([n; 20])
    }

    /// The root recomputed from nothing but the accounts' fields and balances.
    fn scratch_root(tree: &AccountTree) -> Fr {
        let mut leaves = BTreeMap::new();
        for (id, a) in tree.iter() {
            let balances: BTreeMap<u32, Fr> =
                a.balances().into_iter().map(|(t, b)| (t as u32, fr_from_u128(b))).collect();
            let broot = root_from_leaves::<BalanceTreeKind>(&balances);
            leaves.insert(id, leaf_hash(&a.fields, &broot));
        }
        root_from_leaves::<AccountTreeKind>(&leaves)
    }

    #[test]
    fn update_creates_account_and_proves_before_and_after() {
        let mut tree = AccountTree::new();
        let empty_root = tree.root();
        let u = tree
            .update(5, 3, |f, b| {
                f.address = addr(7);
                *b = 1_000;
            })
            .unwrap();
        assert_eq!(u.old_root, empty_root);
        assert_ne!(u.new_root, empty_root);
        assert_eq!(u.new_root, tree.root());
        assert_eq!((u.old_balance, u.new_balance), (0, 1_000));
        assert!(u.verify());
        let a = tree.get(5).unwrap();
        assert_eq!(a.balance(3), 1_000);
        assert_eq!(a.fields.address, addr(7));
        assert_eq!(tree.root(), scratch_root(&tree));

        let u2 = tree
            .update(5, 3, |f, b| {
                f.nonce += 1;
                *b -= 1;
            })
            .unwrap();
        assert_eq!(u2.old_root, u.new_root);
        assert!(u2.verify());
        // A corrupted update does not verify.
        let mut bad = u2.clone();
        bad.new_balance += 1;
        assert!(!bad.verify());
        let mut bad = u2.clone();
        bad.old_fields.nonce = 7;
        assert!(!bad.verify());
    }

    #[test]
    fn untouched_empty_leaf_is_not_stored() {
        let mut tree = AccountTree::new();
        let u = tree.update(9, 0, |_, _| {}).unwrap();
        assert!(u.verify());
        assert_eq!(u.old_root, u.new_root);
        assert!(tree.is_empty());
        assert_eq!(tree.root(), AccountTreeKind::empty_hashes()[12]);
    }

    #[test]
    fn out_of_range_ids_are_errors_and_change_nothing() {
        let mut tree = AccountTree::new();
        tree.update(1, 0, |f, _| f.address = addr(1)).unwrap();
        let root = tree.root();
        assert_eq!(
            tree.update(1 << 24, 0, |f, _| f.address = addr(2)),
            Err(StateTreeError::AccountIdOutOfRange(1 << 24))
        );
        assert_eq!(tree.update(1, 1024, |_, b| *b = 1), Err(StateTreeError::TokenIdOutOfRange(1024)));
        {
            let mut batch = tree.batch();
            assert!(batch.set_balance(2, 1024, 5).is_err());
            assert!(batch.set_balance(1 << 24, 0, 5).is_err());
            assert!(batch.update_fields(u32::MAX, |f| f.nonce = 1).is_err());
        }
        assert_eq!(tree.root(), root);
        assert_eq!(tree.len(), 1);
        assert!(tree.account_path(1 << 24).is_err());
        assert!(tree.get(1).unwrap().balance_path(2000).is_err());
    }

    #[test]
    fn dropped_batch_still_rehashes() {
        let mut a = AccountTree::new();
        let mut b = AccountTree::new();
        a.update(3, 2, |f, bal| {
            f.address = addr(3);
            *bal = 9;
        })
        .unwrap();
        {
            let mut batch = b.batch();
            batch.update_fields(3, |f| f.address = addr(3)).unwrap();
            batch.set_balance(3, 2, 9).unwrap();
        }
        assert_eq!(a.root(), b.root());
    }

    /// A batch wide enough to fill the SIMD lanes gives the root of sequential scalar updates, with
    /// the batched Poseidon and with its fallback forced.
    #[test]
    fn batch_roots_equal_sequential_with_simd_and_forced_fallback() {
        let build = || {
            let mut t = AccountTree::new();
            let mut b = t.batch();
            for id in 0..40u32 {
                b.update_fields(id * 997, |f| f.address = addr(id as u8 + 1)).unwrap();
                b.set_balance(id * 997, (id % 5) as TokenId, id as u128 * 1000 + 1).unwrap();
            }
            b.commit();
            t
        };
        let simd = build();
        crate::poseidon_batch::force_fallback(true);
        let fallback = build();
        crate::poseidon_batch::force_fallback(false);
        let mut seq = AccountTree::new();
        for id in 0..40u32 {
            seq.update(id * 997, (id % 5) as TokenId, |f, b| {
                f.address = addr(id as u8 + 1);
                *b = id as u128 * 1000 + 1;
            })
            .unwrap();
        }
        assert_eq!(simd.root(), seq.root());
        assert_eq!(fallback.root(), seq.root());
        assert_eq!(simd.root(), scratch_root(&seq));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Balance(u32, u16, u128),
        Nonce(u32, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        let id = prop_oneof![0u32..20, 0u32..(1 << 24)];
        let token = prop_oneof![0u16..4, 0u16..1024];
        prop_oneof![
            (id.clone(), token, prop_oneof![Just(0u128), any::<u128>()]).prop_map(|(i, t, v)| Op::Balance(i, t, v)),
            (id, any::<u32>()).prop_map(|(i, n)| Op::Nonce(i, n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn batched_sequential_and_scratch_roots_agree(ops in prop::collection::vec(op(), 1..50)) {
            let mut seq = AccountTree::new();
            let mut bat = AccountTree::new();
            let mut batch = bat.batch();
            for op in &ops {
                match *op {
                    Op::Balance(id, t, v) => {
                        let u = seq.update(id, t, |f, b| { f.address = addr(1); *b = v; }).unwrap();
                        prop_assert!(u.verify());
                        batch.update_fields(id, |f| f.address = addr(1)).unwrap();
                        batch.set_balance(id, t, v).unwrap();
                    }
                    Op::Nonce(id, n) => {
                        seq.update(id, 0, |f, _| { f.address = addr(1); f.nonce = n; }).unwrap();
                        batch.update_fields(id, |f| { f.address = addr(1); f.nonce = n; }).unwrap();
                    }
                }
            }
            let root = batch.commit();
            prop_assert_eq!(root, seq.root());
            prop_assert_eq!(root, scratch_root(&seq));
            prop_assert_eq!(bat.len(), seq.len());
        }
    }
}
