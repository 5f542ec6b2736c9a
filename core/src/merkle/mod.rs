//! Sparse quaternary Merkle trees over Poseidon (docs/protocol.md §5).
//!
//! A tree of `L` levels has leaves at height 0 and its root at height `L`; node `(h, i)` has children
//! `(h−1, 4i + k)` for `k = 0…3` and value `H(c0, c1, c2, c3)` (Poseidon with 4 inputs: one
//! permutation per level where a binary tree needs two, which is what makes the circuit's paths
//! cheaper). The path from the root to leaf `i` follows the base-4 digits of `i` from the most
//! significant to the least significant. Subtrees that hold only empty leaves are never stored: their
//! value is the precomputed empty hash of their height, so memory stays proportional to the leaves
//! that exist.

mod kinds;
mod path;
mod store;

pub use kinds::{AccountTreeKind, BalanceTreeKind, TreeKind};
pub use path::{children, MerklePath};
pub use store::{LevelStore, NodeStore, SortedNodeStore};

use crate::field::Fr;
use crate::poseidon::hash_n;
use crate::poseidon_batch;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// Why a tree operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index does not fit the tree.
    #[error("leaf index {index} is outside a tree of 2^{bits} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u32,
        /// Bits of a leaf index.
        bits: usize,
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

    /// Number of levels (edges from the root to a leaf).
    pub const fn levels() -> usize {
        K::LEVELS
    }

    fn check(index: u32) -> Result<(), MerkleError> {
        if K::BITS < 32 && (index as u64) >= (1u64 << K::BITS) {
            return Err(MerkleError::IndexOutOfRange { index, bits: K::BITS });
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
        self.node(K::LEVELS, 0)
    }

    /// The value of leaf `index` (the empty leaf if never set).
    pub fn leaf(&self, index: u32) -> Result<Fr, MerkleError> {
        Self::check(index)?;
        Ok(self.node(0, index))
    }

    /// The four children of node `(h + 1, parent)`.
    #[inline]
    fn children_of(&self, h: usize, parent: u32) -> [Fr; 4] {
        let first = parent << 2;
        [self.node(h, first), self.node(h, first | 1), self.node(h, first | 2), self.node(h, first | 3)]
    }

    /// The audit path of leaf `index`: at each level from the leaf up, the other three children of
    /// the path node's parent.
    pub fn path(&self, index: u32) -> Result<MerklePath, MerkleError> {
        Self::check(index)?;
        let siblings = (0..K::LEVELS)
            .map(|h| {
                let i = index >> (2 * h);
                let c = self.children_of(h, i >> 2);
                let mut s = [Fr::default(); 3];
                for (slot, k) in s.iter_mut().zip((0..4).filter(|&k| k != (i & 3) as usize)) {
                    *slot = c[k];
                }
                s
            })
            .collect();
        Ok(MerklePath { index, siblings })
    }

    /// Set leaf `index` to `value` and rehash its path to the root (`L` hashes). Returns the audit
    /// path, which is the same before and after the update: it proves the old leaf under the old root
    /// and the new leaf under the new root.
    pub fn update(&mut self, index: u32, value: Fr) -> Result<MerklePath, MerkleError> {
        let path = self.path(index)?;
        self.put(0, index, value);
        let mut cur = value;
        for (h, siblings) in path.siblings.iter().enumerate() {
            cur = hash_n(&children(path.digit(h), cur, siblings));
            self.put(h + 1, index >> (2 * h + 2), cur);
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

/// `H(x)` of every input, batched in SIMD lanes (`poseidon_batch`) and split across rayon's threads
/// when there are enough to share.
pub fn hash_many<const N: usize>(inputs: &[[Fr; N]]) -> Vec<Fr> {
    // Per thread at least a few SIMD passes: a pass (8 hashes) takes tens of µs, fork/join ~1 µs.
    const CHUNK: usize = 4 * poseidon_batch::LANES;
    if inputs.len() <= CHUNK {
        return poseidon_batch::hash_batch(inputs);
    }
    inputs.par_chunks(CHUNK).flat_map_iter(poseidon_batch::hash_batch).collect()
}

/// Recompute every ancestor of the given leaves in several trees of one kind at once: level by
/// level, the dirty parents of all the trees are hashed together by [`hash_many`], so even trees
/// with one dirty leaf each fill the SIMD lanes. Each tree's leaves must hold their new values.
pub(crate) fn rehash_dirty_many<K: TreeKind, S: NodeStore, T: std::ops::DerefMut<Target = SparseMerkleTree<K, S>>>(
    trees: &mut [(T, Vec<u32>)],
) {
    let mut inputs: Vec<[Fr; 4]> = Vec::new();
    for h in 0..K::LEVELS {
        inputs.clear();
        for (tree, dirty) in trees.iter_mut() {
            for i in dirty.iter_mut() {
                *i >>= 2;
            }
            dirty.sort_unstable();
            dirty.dedup();
            inputs.extend(dirty.iter().map(|&p| tree.children_of(h, p)));
        }
        let hashes = hash_many(&inputs);
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
        let lo = (index << (2 * height)) as u32;
        let hi = ((index + 1) << (2 * height)) - 1;
        if leaves.range(lo..=hi.min(u32::MAX as u64) as u32).next().is_none() {
            return K::empty_hashes()[height];
        }
        if height == 0 {
            return leaves[&lo];
        }
        let c = |k: u64| subtree::<K>(leaves, height - 1, 4 * index + k);
        hash_n(&[c(0), c(1), c(2), c(3)])
    }
    subtree::<K>(leaves, K::LEVELS, 0)
}

/// The balance tree of one account: 5 levels (1,024 tokens), leaf = balance.
pub type BalanceTree = SparseMerkleTree<BalanceTreeKind, SortedNodeStore>;
/// The account tree's node storage: 12 levels (2^24 accounts), leaf = account hash.
pub type AccountNodes = SparseMerkleTree<AccountTreeKind, LevelStore>;

#[cfg(test)]
mod tests;
