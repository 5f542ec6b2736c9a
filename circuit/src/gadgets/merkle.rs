//! Merkle audit paths in the circuit, equal to `zkpay_core::merkle::MerklePath::root_for`.
//!
//! Quaternary trees: node = `H(c0, c1, c2, c3)`; the path is walked from the leaf up, and index bits
//! `2h` and `2h+1` (little-endian) give the position `d = b0 + 2·b1` of the path node among its
//! parent's children at height `h`; the level's three siblings fill the other positions in order.
//! One level costs the placement (5 constraints, [`place`]) and a Poseidon(4) (297).
//!
//! A state update proves the old leaf under the old root and the new leaf under the new root with
//! the same index bits and siblings ([`update_roots`]); sharing the path is what ties the two roots
//! to one position in one tree.

use super::boolean::Boolean;
use super::num::Num;
use super::poseidon::{poseidon_constraints, poseidon_hash};
use super::select::select;
use crate::Engine;
use bellman_ce::{ConstraintSystem, SynthesisError};

/// Constraints of [`place`].
pub const PLACE_CONSTRAINTS: usize = 5;

/// Constraints of [`root_from_path`] for a path of `levels` levels.
pub const fn root_constraints(levels: usize) -> usize {
    levels * (poseidon_constraints(4) + PLACE_CONSTRAINTS)
}

/// The four children of a node whose child at position `b0 + 2·b1` is `x` and whose other children
/// are `s`, left to right: `(x,s0,s1,s2)`, `(s0,x,s1,s2)`, `(s0,s1,x,s2)` or `(s0,s1,s2,x)`.
///
/// Five constraints: `t = b0 ? x : s0`, `c1 = b1 ? s1 : t`, `c0 = b1 ? s0 : (x + s0 − t)` (the
/// other choice of `b0`, for free), `u = b0 ? s2 : x`, `c2 = b1 ? u : s1`; and `c3` is what remains
/// of the sum `x + s0 + s1 + s2`, which the placement preserves (a permutation of the four values).
/// The bits must be boolean (the caller's decomposition constrains them).
pub fn place<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    b0: &Boolean,
    b1: &Boolean,
    x: &Num,
    s: &[Num; 3],
) -> Result<[Num; 4], SynthesisError> {
    let t = select(cs.namespace(|| "t"), b0, x, &s[0])?;
    let c1 = select(cs.namespace(|| "c1"), b1, &s[1], &t)?;
    let not_t = x.add(&s[0]).sub(&t);
    let c0 = select(cs.namespace(|| "c0"), b1, &s[0], &not_t)?;
    let u = select(cs.namespace(|| "u"), b0, &s[2], x)?;
    let c2 = select(cs.namespace(|| "c2"), b1, &u, &s[1])?;
    let c3 = x.add(&s[0]).add(&s[1]).add(&s[2]).sub(&c0).sub(&c1).sub(&c2);
    Ok([c0, c1, c2, c3])
}

/// The root of the tree that holds `leaf` at the index whose little-endian bits are `index_bits`,
/// given the path's `siblings` from the leaf level up (three per level, two index bits per level).
pub fn root_from_path<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    leaf: &Num,
    index_bits: &[Boolean],
    siblings: &[[Num; 3]],
) -> Result<Num, SynthesisError> {
    assert_eq!(index_bits.len(), 2 * siblings.len(), "two index bits per level");
    let mut cur = leaf.clone();
    for (h, (bits, level)) in index_bits.chunks(2).zip(siblings).enumerate() {
        let mut cs = cs.namespace(|| format!("level {h}"));
        let children = place(cs.namespace(|| "order"), &bits[0], &bits[1], &cur, level)?;
        cur = poseidon_hash(cs.namespace(|| "hash"), &children)?;
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
    siblings: &[[Num; 3]],
) -> Result<RootUpdate, SynthesisError> {
    let old_root = root_from_path(cs.namespace(|| "old"), old_leaf, index_bits, siblings)?;
    let new_root = root_from_path(cs.namespace(|| "new"), new_leaf, index_bits, siblings)?;
    Ok(RootUpdate { old_root, new_root })
}

/// Allocate an audit path's siblings (three per level) from a flat witness array, level-major.
pub fn alloc_siblings<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    levels: usize,
    value: impl Fn(usize) -> Option<crate::Fr>,
) -> Result<Vec<[Num; 3]>, SynthesisError> {
    (0..levels)
        .map(|h| {
            let mut one = |k: usize| Num::alloc(cs.namespace(|| format!("sibling {h}.{k}")), value(3 * h + k));
            Ok([one(0)?, one(1)?, one(2)?])
        })
        .collect()
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
        let levels = path.siblings.len();
        let mut cs = TestConstraintSystem::new();
        let old = Num::alloc(cs.namespace(|| "old leaf"), Some(old_leaf)).unwrap();
        let new = Num::alloc(cs.namespace(|| "new leaf"), Some(new_leaf)).unwrap();
        let bits = alloc_bits_le(cs.namespace(|| "index"), Some(fr_from_u64(path.index as u64)), 2 * levels).unwrap();
        let siblings = alloc_siblings(cs.namespace(|| "path"), levels, |i| Some(path.siblings[i / 3][i % 3])).unwrap();
        let before = cs.num_constraints();
        let roots = update_roots(cs.namespace(|| "update"), &old, &new, &bits, &siblings).unwrap();
        let count = cs.num_constraints() - before;
        roots.old_root.enforce_equal(cs.namespace(|| "old root"), &Num::constant(old_root));
        roots.new_root.enforce_equal(cs.namespace(|| "new root"), &Num::constant(new_root));
        (cs, count)
    }

    fn random_updates<K: TreeKind, S: NodeStore>(seed: u64, expected_count: usize) {
        let mut r = rng(seed);
        let levels = K::LEVELS;
        let mut tree: SparseMerkleTree<K, S> = SparseMerkleTree::new();
        let max = ((1u64 << K::BITS) - 1) as u32;
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
            let (h, k) = (r.gen_range(0..levels), r.gen_range(0..3));
            let mut tampered = path.clone();
            tampered.siblings[h][k] = random_fr(&mut r);
            let (bad, _) = synthesize(old_leaf, new_leaf, &tampered, old_root, new_root);
            assert_eq!(bad.which_is_unsatisfied().as_deref(), Some("old root/equal"));
            // Negative: a sibling changed after the fact no longer matches the hashing witnesses.
            cs.set(&format!("path/sibling {h}.{k}/num"), random_fr(&mut r));
            assert!(!cs.is_satisfied());

            // Negative: a flipped index bit (the same leaf claimed at another position).
            let (mut cs, _) = synthesize(old_leaf, new_leaf, &path, old_root, new_root);
            let b = r.gen_range(0..2 * levels);
            let flipped = if (index >> b) & 1 == 1 { Fr::zero() } else { Fr::one() };
            cs.set(&format!("index/bit {b}/bit/value"), flipped);
            // The placement products no longer match their witnesses.
            assert!(!cs.is_satisfied());

            // Negative: the same siblings in another order within a level give another root
            // (unless the permuted ones are equal, as empty subtrees are).
            let h = r.gen_range(0..levels);
            let mut permuted = path.clone();
            permuted.siblings[h].rotate_left(1);
            if permuted.siblings[h] != path.siblings[h] {
                let (bad, _) = synthesize(old_leaf, new_leaf, &permuted, old_root, new_root);
                assert_eq!(bad.which_is_unsatisfied().as_deref(), Some("old root/equal"));
            }

            // Negative: roots of a different new leaf.
            let (cs, _) = synthesize(old_leaf, random_fr(&mut r), &path, old_root, new_root);
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("new root/equal"));
        }
    }

    #[test]
    fn balance_tree_5_levels_updates_match_core() {
        assert_eq!(root_constraints(5), 1510);
        // The same kind and store as core's `BalanceTree`.
        random_updates::<BalanceTreeKind, SortedNodeStore>(9, 2 * 1510);
        let _: BalanceTree = SparseMerkleTree::<BalanceTreeKind, SortedNodeStore>::new();
    }

    #[test]
    fn account_tree_12_levels_updates_match_core() {
        assert_eq!(root_constraints(12), 3624);
        // The same kind and store as core's `AccountNodes`.
        random_updates::<AccountTreeKind, LevelStore>(10, 2 * 3624);
        let _: AccountNodes = SparseMerkleTree::<AccountTreeKind, LevelStore>::new();
    }

    /// Every position with distinct values: the placement puts `x` at `b0 + 2·b1` and keeps the
    /// siblings' order, in five constraints; a wrong product witness is caught.
    #[test]
    fn place_puts_the_node_at_its_digit_in_five_constraints() {
        let mut r = rng(11);
        for d in 0..4usize {
            let x = random_fr(&mut r);
            let sib = [random_fr(&mut r), random_fr(&mut r), random_fr(&mut r)];
            let mut cs = TestConstraintSystem::new();
            let b0 = Boolean::alloc(cs.namespace(|| "b0"), Some(d & 1 == 1)).unwrap();
            let b1 = Boolean::alloc(cs.namespace(|| "b1"), Some(d & 2 == 2)).unwrap();
            let xn = Num::alloc(cs.namespace(|| "x"), Some(x)).unwrap();
            let sn = [0, 1, 2].map(|k| Num::alloc(cs.namespace(|| format!("s{k}")), Some(sib[k])).unwrap());
            let before = cs.num_constraints();
            let c = place(cs.namespace(|| "place"), &b0, &b1, &xn, &sn).unwrap();
            assert_eq!(cs.num_constraints() - before, PLACE_CONSTRAINTS);
            let expected = zkpay_core::merkle::children(d, x, &sib);
            for k in 0..4 {
                assert_eq!(c[k].value(), Some(expected[k]), "digit {d} child {k}");
                c[k].enforce_equal(cs.namespace(|| format!("pin {k}")), &Num::constant(expected[k]));
            }
            assert!(cs.is_satisfied());
            cs.set("place/c1/cond * (a - b)/product/num", random_fr(&mut r));
            assert!(!cs.is_satisfied(), "digit {d}");
        }
    }
}
