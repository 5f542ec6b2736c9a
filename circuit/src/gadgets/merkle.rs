//! Merkle audit paths in the circuit, equal to `zkpay_core::merkle::MerklePath::root_for`.
//!
//! Node = `H(left, right)`; the path is walked from the leaf up, and index bit h (little-endian,
//! bit 0 just above the leaf) = 1 means the path node at height h is a right child, so it is hashed
//! as `H(sibling, node)`. One level costs a swap (1 constraint) and a Poseidon(2) (240).
//!
//! A state update proves the old leaf under the old root and the new leaf under the new root with
//! the same index bits and siblings ([`update_roots`]); sharing the path is what ties the two roots
//! to one position in one tree.

use super::boolean::Boolean;
use super::num::Num;
use super::poseidon::{poseidon_constraints, poseidon_hash2};
use super::select::swap;
use crate::Engine;
use bellman_ce::{ConstraintSystem, SynthesisError};

/// Constraints of [`root_from_path`] for a path of `depth` levels.
pub const fn root_constraints(depth: usize) -> usize {
    depth * (poseidon_constraints(2) + 1)
}

/// The root of the tree that holds `leaf` at the index whose little-endian bits are `index_bits`,
/// given the path's `siblings` from the leaf level up (one per bit).
pub fn root_from_path<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    leaf: &Num,
    index_bits: &[Boolean],
    siblings: &[Num],
) -> Result<Num, SynthesisError> {
    assert_eq!(index_bits.len(), siblings.len(), "one index bit per sibling");
    let mut cur = leaf.clone();
    for (h, (bit, sibling)) in index_bits.iter().zip(siblings).enumerate() {
        let mut cs = cs.namespace(|| format!("level {h}"));
        let (left, right) = swap(cs.namespace(|| "order"), bit, &cur, sibling)?;
        cur = poseidon_hash2(cs.namespace(|| "hash"), &left, &right)?;
    }
    Ok(cur)
}

/// Old and new root of one leaf update.
#[derive(Clone, Debug)]
pub struct RootUpdate {
    /// Root with the old leaf.
    pub old_root: Num,
    /// Root with the new leaf.
    pub new_root: Num,
}

/// Both roots of an update of the leaf at `index_bits` from `old_leaf` to `new_leaf`, from one
/// audit path (2 · [`root_constraints`]).
pub fn update_roots<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    old_leaf: &Num,
    new_leaf: &Num,
    index_bits: &[Boolean],
    siblings: &[Num],
) -> Result<RootUpdate, SynthesisError> {
    let old_root = root_from_path(cs.namespace(|| "old"), old_leaf, index_bits, siblings)?;
    let new_root = root_from_path(cs.namespace(|| "new"), new_leaf, index_bits, siblings)?;
    Ok(RootUpdate { old_root, new_root })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::bits::alloc_bits_le;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use crate::Fr;
    use bellman_ce::pairing::ff::Field;
    use rand::Rng;
    use zkpay_core::field::fr_from_u64;
    use zkpay_core::merkle::{
        AccountNodes, AccountTreeKind, BalanceTree, BalanceTreeKind, LevelStore, MerklePath, NodeStore,
        SortedNodeStore, SparseMerkleTree, TreeKind,
    };

    /// Synthesize an update proof against expected roots; return the system and the gadget's own
    /// constraint count.
    fn synthesize(
        old_leaf: Fr,
        new_leaf: Fr,
        path: &MerklePath,
        old_root: Fr,
        new_root: Fr,
    ) -> (TestConstraintSystem, usize) {
        let depth = path.siblings.len();
        let mut cs = TestConstraintSystem::new();
        let old = Num::alloc(cs.namespace(|| "old leaf"), Some(old_leaf)).unwrap();
        let new = Num::alloc(cs.namespace(|| "new leaf"), Some(new_leaf)).unwrap();
        let bits = alloc_bits_le(cs.namespace(|| "index"), Some(fr_from_u64(path.index as u64)), depth).unwrap();
        let siblings: Vec<Num> = path
            .siblings
            .iter()
            .enumerate()
            .map(|(h, s)| Num::alloc(cs.namespace(|| format!("sibling {h}")), Some(*s)).unwrap())
            .collect();
        let before = cs.num_constraints();
        let roots = update_roots(cs.namespace(|| "update"), &old, &new, &bits, &siblings).unwrap();
        let count = cs.num_constraints() - before;
        roots.old_root.enforce_equal(cs.namespace(|| "old root"), &Num::constant(old_root));
        roots.new_root.enforce_equal(cs.namespace(|| "new root"), &Num::constant(new_root));
        (cs, count)
    }

    fn random_updates<K: TreeKind, S: NodeStore>(seed: u64, expected_count: usize) {
        let mut r = rng(seed);
        let depth = K::DEPTH;
        let mut tree: SparseMerkleTree<K, S> = SparseMerkleTree::new();
        let max = if depth >= 32 { u32::MAX } else { ((1u64 << depth) - 1) as u32 };
        tree.update_many((0..20).map(|_| (r.gen_range(0..=max), random_fr(&mut r)))).unwrap();
        for round in 0..4 {
            // Include the edge indices 0 and 2^depth − 1.
            let index = match round {
                0 => 0,
                1 => max,
                _ => r.gen_range(0..=max),
            };
            let old_root = tree.root();
            let old_leaf = tree.leaf(index).unwrap();
            let new_leaf = random_fr(&mut r);
            let path = tree.update(index, new_leaf).unwrap();
            let new_root = tree.root();
            assert!(path.verify(&old_root, &old_leaf));

            let (mut cs, count) = synthesize(old_leaf, new_leaf, &path, old_root, new_root);
            assert_eq!(count, expected_count);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());

            // Negative: a tampered sibling, honestly hashed, gives other roots.
            let h = r.gen_range(0..depth);
            let mut tampered = path.clone();
            tampered.siblings[h] = random_fr(&mut r);
            let (bad, _) = synthesize(old_leaf, new_leaf, &tampered, old_root, new_root);
            assert_eq!(bad.which_is_unsatisfied().as_deref(), Some("old root/equal"));
            // Negative: a sibling changed after the fact no longer matches the hashing witnesses.
            cs.set(&format!("sibling {h}/num"), random_fr(&mut r));
            assert!(!cs.is_satisfied());

            // Negative: a flipped index bit (the same leaf claimed at another position).
            let (mut cs, _) = synthesize(old_leaf, new_leaf, &path, old_root, new_root);
            let h = r.gen_range(0..depth);
            let flipped = if (index >> h) & 1 == 1 { Fr::zero() } else { Fr::one() };
            cs.set(&format!("index/bit {h}/bit/value"), flipped);
            // The swap product no longer matches its witness.
            assert!(!cs.is_satisfied());

            // Negative: roots of a different new leaf.
            let (cs, _) = synthesize(old_leaf, random_fr(&mut r), &path, old_root, new_root);
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("new root/equal"));
        }
    }

    #[test]
    fn balance_tree_depth_10_updates_match_core() {
        assert_eq!(root_constraints(10), 2410);
        // The same kind and store as core's `BalanceTree`.
        random_updates::<BalanceTreeKind, SortedNodeStore>(9, 2 * 2410);
        let _: BalanceTree = SparseMerkleTree::<BalanceTreeKind, SortedNodeStore>::new();
    }

    #[test]
    fn account_tree_depth_24_updates_match_core() {
        assert_eq!(root_constraints(24), 5784);
        // The same kind and store as core's `AccountNodes`.
        random_updates::<AccountTreeKind, LevelStore>(10, 2 * 5784);
        let _: AccountNodes = SparseMerkleTree::<AccountTreeKind, LevelStore>::new();
    }
}
