use super::*;
use crate::field::{fr_from_u64, fr_to_hex, Field};
use proptest::prelude::*;

type AccountShaped = SparseMerkleTree<AccountTreeKind, LevelStore>;
type AccountShapedSorted = SparseMerkleTree<AccountTreeKind, SortedNodeStore>;

/// Documented in docs/protocol.md §5.2: the roots of the empty balance tree and the empty state.
pub const EMPTY_BALANCE_ROOT: &str = "0x11eb54967ae25ce42205223461cda9dbb1a1811db38b71e404d1fd94c9627777";
pub const EMPTY_ACCOUNT_LEAF: &str = "0x0004991121f8e9a50773edc2e525668470dd3882fc8dd912f4d1ca011bbaec03";
pub const EMPTY_STATE_ROOT: &str = "0x11673eeb621bac988f363d2add6bd8fb5a34e2bf69e772a5cee48beda59e0031";

#[test]
fn empty_roots_equal_documented_constants() {
    let b = BalanceTreeKind::empty_hashes();
    let a = AccountTreeKind::empty_hashes();
    assert_eq!(b.len(), 6);
    assert_eq!(a.len(), 13);
    assert!(b[0].is_zero());
    assert_eq!(fr_to_hex(&b[5]), EMPTY_BALANCE_ROOT);
    assert_eq!(fr_to_hex(&a[0]), EMPTY_ACCOUNT_LEAF);
    assert_eq!(fr_to_hex(&a[12]), EMPTY_STATE_ROOT);
    assert_eq!(BalanceTree::new().root(), b[5]);
    assert_eq!(AccountNodes::new().root(), a[12]);
    assert_eq!(root_from_leaves::<AccountTreeKind>(&BTreeMap::new()), a[12]);
    // Each level hashes four copies of the one below.
    for h in 0..12 {
        assert_eq!(a[h + 1], crate::poseidon::hash_n(&[a[h]; 4]));
    }
}

#[test]
fn out_of_range_index_is_an_error_not_a_panic() {
    let mut t = BalanceTree::new();
    assert_eq!(t.update(1024, Fr::one()), Err(MerkleError::IndexOutOfRange { index: 1024, bits: 10 }));
    assert!(t.path(u32::MAX).is_err());
    assert!(t.leaf(5000).is_err());
    let mut a = AccountNodes::new();
    assert!(a.update(1 << 24, Fr::one()).is_err());
    assert!(a.update_many([(3, Fr::one()), (1 << 24, Fr::one())]).is_err());
    // The failed batch changed nothing.
    assert_eq!(a.root(), AccountTreeKind::empty_hashes()[12]);
    assert!(a.store().is_empty());
}

#[test]
fn resetting_a_leaf_to_empty_forgets_its_nodes() {
    let mut t = BalanceTree::new();
    t.update(77, fr_from_u64(5)).unwrap();
    assert_eq!(t.store().len(), 6);
    t.update(77, Fr::zero()).unwrap();
    assert!(t.store().is_empty());
    assert_eq!(t.root(), BalanceTreeKind::empty_hashes()[5]);
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
        for (h, k) in [(0, 0), (0, 2), (5, 1), (11, 2)] {
            let mut bad = path.clone();
            bad.siblings[h][k].add_assign(&Fr::one());
            assert!(!bad.verify(&root, &leaf), "leaf {i} sibling {h}/{k}");
        }
        // Siblings swapped within a level (the node at another position among its parent's
        // children) break it unless they are equal.
        for h in [0, 6, 11] {
            let mut bad = path.clone();
            bad.siblings[h].swap(0, 2);
            if bad.siblings[h] != path.siblings[h] {
                assert!(!bad.verify(&root, &leaf), "leaf {i} swapped level {h}");
            }
        }
        // The same siblings at a different index do not prove the leaf (for a stored leaf, whose
        // subtree differs from the empty sibling subtree).
        if leaf == AccountTreeKind::empty_hashes()[0] {
            continue;
        }
        for bit in [0, 1, 5, 23] {
            let mut moved = path.clone();
            moved.index ^= 1 << bit;
            assert!(!moved.verify(&root, &leaf), "leaf {i} moved by bit {bit}");
        }
    }
}

/// The layout of docs/protocol.md §5.1 spelled out for a two-level tree: children in index order,
/// the node at position `i mod 4` of its parent.
#[test]
fn nodes_hash_their_four_children_in_index_order() {
    let mut t = BalanceTree::new();
    let leaves: Vec<(u32, Fr)> =
        [(1u32, 11u64), (6, 66), (1023, 7)].iter().map(|&(i, v)| (i, fr_from_u64(v))).collect();
    for &(i, v) in &leaves {
        t.update(i, v).unwrap();
    }
    let e = BalanceTreeKind::empty_hashes();
    let h = |c: [Fr; 4]| crate::poseidon::hash_n(&c);
    // Height 1: node 0 holds leaves 0…3, node 1 leaves 4…7, node 255 leaves 1020…1023.
    let n0 = h([e[0], leaves[0].1, e[0], e[0]]);
    let n1 = h([e[0], e[0], leaves[1].1, e[0]]);
    let n255 = h([e[0], e[0], e[0], leaves[2].1]);
    // Height 2: node 0 holds height-1 nodes 0…3; node 63 holds 252…255.
    let m0 = h([n0, n1, e[1], e[1]]);
    let m63 = h([e[1], e[1], e[1], n255]);
    // Heights 3, 4 and the root.
    let k0 = h([m0, e[2], e[2], e[2]]);
    let k15 = h([e[2], e[2], e[2], m63]);
    let j0 = h([k0, e[3], e[3], e[3]]);
    let j3 = h([e[3], e[3], e[3], k15]);
    assert_eq!(t.root(), h([j0, e[4], e[4], j3]));
    let path = t.path(6).unwrap();
    assert_eq!(path.siblings[0], [e[0], e[0], e[0]]);
    assert_eq!(path.siblings[1], [n0, e[1], e[1]]);
    assert_eq!(path.digit(0), 2);
    assert_eq!(path.digit(1), 1);
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
