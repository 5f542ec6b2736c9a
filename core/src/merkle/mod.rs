//! Sparse binary Merkle trees over Poseidon (PROTOCOL §4).
//!
//! A tree of depth `D` has leaves at height 0 and its root at height `D`; node `(h, i)` has children
//! `(h−1, 2i)` (left) and `(h−1, 2i+1)` (right) and value `H(left, right)`. The path from the root to
//! leaf `i` follows the bits of `i` from the most significant to the least significant, bit 0 = left.
//! Subtrees that hold only empty leaves are never stored: their value is the precomputed empty hash of
//! their height, so memory stays proportional to the leaves that exist.

mod kinds;
mod path;
mod store;

pub use kinds::{AccountTreeKind, BalanceTreeKind, TreeKind};
pub use path::MerklePath;
pub use store::{LevelStore, NodeStore, SortedNodeStore};

use crate::field::Fr;
use crate::poseidon::hash2;
use crate::poseidon_batch;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// Why a tree operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index does not fit the tree's depth.
    #[error("leaf index {index} is outside a tree of depth {depth}")]
    IndexOutOfRange {
        /// The index asked for.
        index: u32,
        /// The tree depth.
        depth: usize,
    },
}

/// A sparse Merkle tree of kind `K` (depth and empty leaf) whose stored nodes live in `S`.
#[derive(Clone, Debug, Default)]
pub struct SparseMerkleTree<K: TreeKind, S: NodeStore> {
    store: S,
    _kind: PhantomData<K>,
}

impl<K: TreeKind, S: NodeStore> SparseMerkleTree<K, S> {
    /// The empty tree.
    pub fn new() -> Self {
        Self { store: S::default(), _kind: PhantomData }
    }

    /// Tree depth (number of edges from the root to a leaf).
    pub const fn depth() -> usize {
        K::DEPTH
    }

    fn check(index: u32) -> Result<(), MerkleError> {
        if K::DEPTH < 32 && (index as u64) >= (1u64 << K::DEPTH) {
            return Err(MerkleError::IndexOutOfRange { index, depth: K::DEPTH });
        }
        Ok(())
    }

    #[inline]
    fn node(&self, height: usize, index: u32) -> Fr {
        match self.store.get(height, index) {
            Some(v) => *v,
            None => K::empty_hashes()[height],
        }
    }

    /// The root.
    #[inline]
    pub fn root(&self) -> Fr {
        self.node(K::DEPTH, 0)
    }

    /// The value of leaf `index` (the empty leaf if never set).
    pub fn leaf(&self, index: u32) -> Result<Fr, MerkleError> {
        Self::check(index)?;
        Ok(self.node(0, index))
    }

    /// The audit path of leaf `index`: its siblings from the leaf level up.
    pub fn path(&self, index: u32) -> Result<MerklePath, MerkleError> {
        Self::check(index)?;
        let siblings = (0..K::DEPTH).map(|h| self.node(h, (index >> h) ^ 1)).collect();
        Ok(MerklePath { index, siblings })
    }

    /// Set leaf `index` to `value` and rehash its path to the root (`D` hashes). Returns the audit
    /// path, which is the same before and after the update: it proves the old leaf under the old root
    /// and the new leaf under the new root.
    pub fn update(&mut self, index: u32, value: Fr) -> Result<MerklePath, MerkleError> {
        let path = self.path(index)?;
        self.put(0, index, value);
        let mut cur = value;
        for (h, sibling) in path.siblings.iter().enumerate() {
            let i = index >> h;
            cur = if i & 1 == 0 { hash2(&cur, sibling) } else { hash2(sibling, &cur) };
            self.put(h + 1, i >> 1, cur);
        }
        Ok(path)
    }

    /// Set many leaves, then rehash only the nodes above them, level by level; each level's hashes are
    /// computed in parallel. Later entries for the same index win.
    pub fn update_many(&mut self, leaves: impl IntoIterator<Item = (u32, Fr)>) -> Result<(), MerkleError> {
        let mut dirty: Vec<u32> = Vec::new();
        let mut staged: Vec<(u32, Fr)> = Vec::new();
        for (index, value) in leaves {
            Self::check(index)?;
            staged.push((index, value));
        }
        for (index, value) in staged {
            self.put(0, index, value);
            dirty.push(index);
        }
        self.rehash_dirty(dirty);
        Ok(())
    }

    /// Set a leaf without rehashing above it: the caller must call [`Self::rehash_dirty`] with its
    /// index before reading the root. `index` must already be checked.
    pub(crate) fn set_leaf_unhashed(&mut self, index: u32, value: Fr) {
        self.put(0, index, value);
    }

    /// Recompute every ancestor of the given leaf indices (which must already hold their new values).
    pub(crate) fn rehash_dirty(&mut self, dirty: Vec<u32>) {
        rehash_dirty_many(&mut [(self, dirty)]);
    }

    #[inline]
    fn put(&mut self, height: usize, index: u32, value: Fr) {
        let empty = K::empty_hashes()[height];
        self.store.put(height, index, value, &empty);
    }

    /// The stored nodes (for memory accounting and tests).
    pub fn store(&self) -> &S {
        &self.store
    }
}

/// `H(a, b)` of every pair, batched in SIMD lanes (`poseidon_batch`) and split across rayon's
/// threads when there are enough to share.
pub fn hash2_many(pairs: &[[Fr; 2]]) -> Vec<Fr> {
    hash_many(pairs)
}

/// `H(x)` of every input, batched in SIMD lanes and split across rayon's threads (see
/// [`hash2_many`]).
pub fn hash_many<const N: usize>(inputs: &[[Fr; N]]) -> Vec<Fr> {
    // Per thread at least a few SIMD passes: a pass (8 hashes) takes tens of µs, fork/join ~1 µs.
    const CHUNK: usize = 4 * poseidon_batch::LANES;
    if inputs.len() <= CHUNK {
        return poseidon_batch::hash_batch(inputs);
    }
    inputs.par_chunks(CHUNK).flat_map_iter(poseidon_batch::hash_batch).collect()
}

/// Recompute every ancestor of the given leaves in several trees of one kind at once: level by
/// level, the dirty parents of all the trees are hashed together by [`hash2_many`], so even trees
/// with one dirty leaf each fill the SIMD lanes. Each tree's leaves must hold their new values.
pub(crate) fn rehash_dirty_many<K: TreeKind, S: NodeStore, T: std::ops::DerefMut<Target = SparseMerkleTree<K, S>>>(
    trees: &mut [(T, Vec<u32>)],
) {
    let mut pairs: Vec<[Fr; 2]> = Vec::new();
    for h in 0..K::DEPTH {
        pairs.clear();
        for (tree, dirty) in trees.iter_mut() {
            for i in dirty.iter_mut() {
                *i >>= 1;
            }
            dirty.sort_unstable();
            dirty.dedup();
            pairs.extend(dirty.iter().map(|&p| [tree.node(h, 2 * p), tree.node(h, 2 * p + 1)]));
        }
        let hashes = hash2_many(&pairs);
        let mut next = hashes.into_iter();
        for (tree, dirty) in trees.iter_mut() {
            for &p in dirty.iter() {
                let v = next.next().expect("one hash per dirty parent");
                tree.put(h + 1, p, v);
            }
        }
    }
}

/// Root of a tree of kind `K` holding exactly `leaves` (others empty), computed from scratch by
/// recursion over the non-empty subtrees. Independent of any stored tree: a reference for tests and
/// for rebuilding state.
pub fn root_from_leaves<K: TreeKind>(leaves: &BTreeMap<u32, Fr>) -> Fr {
    fn subtree<K: TreeKind>(leaves: &BTreeMap<u32, Fr>, height: usize, index: u64) -> Fr {
        let lo = (index << height) as u32;
        let hi = ((index + 1) << height) - 1;
        if leaves.range(lo..=hi.min(u32::MAX as u64) as u32).next().is_none() {
            return K::empty_hashes()[height];
        }
        if height == 0 {
            return leaves[&lo];
        }
        hash2(&subtree::<K>(leaves, height - 1, 2 * index), &subtree::<K>(leaves, height - 1, 2 * index + 1))
    }
    subtree::<K>(leaves, K::DEPTH, 0)
}

/// The balance tree of one account: depth 10, leaf = balance.
pub type BalanceTree = SparseMerkleTree<BalanceTreeKind, SortedNodeStore>;
/// The account tree's node storage: depth 24, leaf = account hash.
pub type AccountNodes = SparseMerkleTree<AccountTreeKind, LevelStore>;

#[cfg(test)]
mod tests;
