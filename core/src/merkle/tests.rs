use super::*;
use crate::field::{fr_from_u64, fr_to_hex, Field};
use proptest::prelude::*;

type AccountShaped = SparseMerkleTree<AccountTreeKind, LevelStore>;
type AccountShapedSorted = SparseMerkleTree<AccountTreeKind, SortedNodeStore>;

/// Documented in docs/protocol.md §4: the roots of the empty balance tree and the empty state.
pub const EMPTY_BALANCE_ROOT: &str = "0x1b7201da72494f1e28717ad1a52eb469f95892f957713533de6175e5da190af2";
pub const EMPTY_ACCOUNT_LEAF: &str = "0x0a46d40c38ce971bc98ecddc46142ab3ceb8084bd8d3b4592332b1d8403bf82e";
pub const EMPTY_STATE_ROOT: &str = "0x2342e4c094e9fc143e790ebeb3552b197cabfd3ddb73bde26ab9b403454e74d3";

#[test]
fn empty_roots_equal_documented_constants() {
    let b = BalanceTreeKind::empty_hashes();
    let a = AccountTreeKind::empty_hashes();
    assert_eq!(b.len(), 11);
    assert_eq!(a.len(), 25);
    assert!(b[0].is_zero());
    assert_eq!(fr_to_hex(&b[10]), EMPTY_BALANCE_ROOT);
    assert_eq!(fr_to_hex(&a[0]), EMPTY_ACCOUNT_LEAF);
    assert_eq!(fr_to_hex(&a[24]), EMPTY_STATE_ROOT);
    assert_eq!(BalanceTree::new().root(), b[10]);
    assert_eq!(AccountNodes::new().root(), a[24]);
    assert_eq!(root_from_leaves::<AccountTreeKind>(&BTreeMap::new()), a[24]);
}

#[test]
fn out_of_range_index_is_an_error_not_a_panic() {
    let mut t = BalanceTree::new();
    assert_eq!(t.update(1024, Fr::one()), Err(MerkleError::IndexOutOfRange { index: 1024, depth: 10 }));
    assert!(t.path(u32::MAX).is_err());
    assert!(t.leaf(5000).is_err());
    let mut a = AccountNodes::new();
    assert!(a.update(1 << 24, Fr::one()).is_err());
    assert!(a.update_many([(3, Fr::one()), (1 << 24, Fr::one())]).is_err());
    // The failed batch changed nothing.
    assert_eq!(a.root(), AccountTreeKind::empty_hashes()[24]);
    assert!(a.store().is_empty());
}

#[test]
fn resetting_a_leaf_to_empty_forgets_its_nodes() {
    let mut t = BalanceTree::new();
    t.update(77, fr_from_u64(5)).unwrap();
    assert_eq!(t.store().len(), 11);
    t.update(77, Fr::zero()).unwrap();
    assert!(t.store().is_empty());
    assert_eq!(t.root(), BalanceTreeKind::empty_hashes()[10]);
}

#[test]
fn audit_paths_verify_and_tampered_ones_do_not() {
    let mut t = AccountNodes::new();
    for i in [0u32, 1, 2, 1000, (1 << 24) - 1] {
        t.update(i, fr_from_u64(i as u64 + 1)).unwrap();
    }
    let root = t.root();
    for i in [0u32, 1, 2, 3, 1000, 77777, (1 << 24) - 1] {
        let path = t.path(i).unwrap();
        let leaf = t.leaf(i).unwrap();
        assert!(path.verify(&root, &leaf), "leaf {i}");
        // Wrong leaf value.
        let mut other = leaf;
        other.add_assign(&Fr::one());
        assert!(!path.verify(&root, &other));
        // Each tampered sibling breaks it.
        for h in [0, 7, 23] {
            let mut bad = path.clone();
            bad.siblings[h].add_assign(&Fr::one());
            assert!(!bad.verify(&root, &leaf), "leaf {i} sibling {h}");
        }
        // The same siblings at a different index do not prove the leaf (for a stored leaf, whose
        // subtree differs from the empty sibling subtree).
        if leaf == AccountTreeKind::empty_hashes()[0] {
            continue;
        }
        let mut moved = path.clone();
        moved.index ^= 1 << 5;
        assert!(!moved.verify(&root, &leaf));
    }
}

#[test]
fn level_store_prefix_absorbs_sparse_nodes() {
    let mut t = AccountShaped::new();
    let mut reference = AccountShapedSorted::new();
    // Out of order: 2 and 1 go to the map, then 0 extends the prefix and pulls them in.
    for i in [2u32, 1, 0, 5, 3, 4] {
        t.update(i, fr_from_u64(10 + i as u64)).unwrap();
        reference.update(i, fr_from_u64(10 + i as u64)).unwrap();
        assert_eq!(t.root(), reference.root());
    }
    for i in 0..6 {
        assert_eq!(t.leaf(i).unwrap(), fr_from_u64(10 + i as u64));
    }
}

fn leaves_strategy(max_index: u32) -> impl Strategy<Value = Vec<(u32, u64)>> {
    // Values include 0 (the empty leaf) so deletions are exercised too.
    prop::collection::vec((0..max_index, prop_oneof![Just(0u64), 1u64..1000]), 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn balance_tree_incremental_equals_from_scratch(updates in leaves_strategy(1024)) {
        let mut t = BalanceTree::new();
        let mut model = BTreeMap::new();
        for (i, v) in updates {
            t.update(i, fr_from_u64(v)).unwrap();
            model.insert(i, fr_from_u64(v));
            prop_assert_eq!(t.root(), root_from_leaves::<BalanceTreeKind>(&model));
        }
        for (i, v) in &model {
            prop_assert_eq!(t.leaf(*i).unwrap(), *v);
        }
    }

    #[test]
    fn account_tree_incremental_batched_and_from_scratch_agree(
        // Small ids (the dense prefix) and large ones (the sparse map) mixed.
        updates in prop::collection::vec((prop_oneof![0u32..64, 0u32..(1 << 24)], 0u64..5), 1..60)
    ) {
        let mut incremental = AccountShaped::new();
        let mut batched = AccountShaped::new();
        let mut model = BTreeMap::new();
        for (i, v) in &updates {
            incremental.update(*i, fr_from_u64(*v)).unwrap();
            model.insert(*i, fr_from_u64(*v));
        }
        // Apply in two batches to exercise rehashing over already-hashed nodes.
        let (a, b) = updates.split_at(updates.len() / 2);
        batched.update_many(a.iter().map(|(i, v)| (*i, fr_from_u64(*v)))).unwrap();
        batched.update_many(b.iter().map(|(i, v)| (*i, fr_from_u64(*v)))).unwrap();
        let scratch = root_from_leaves::<AccountTreeKind>(&model);
        prop_assert_eq!(incremental.root(), scratch);
        prop_assert_eq!(batched.root(), scratch);
        for (i, v) in &model {
            prop_assert!(incremental.path(*i).unwrap().verify(&scratch, v));
        }
    }
}
