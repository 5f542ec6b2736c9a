//! Where a tree keeps its non-empty nodes.

use crate::field::Fr;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Storage of a tree's nodes by (height, index). A missing node is the empty subtree of its height.
pub trait NodeStore: Default + Send + Sync {
    /// The stored value of node `(height, index)`, if any.
    fn get(&self, height: usize, index: u32) -> Option<&Fr>;
    /// Store a node; a store may forget it instead when `value == *empty` (the empty subtree's hash).
    fn put(&mut self, height: usize, index: u32, value: Fr, empty: &Fr);
    /// Number of stored nodes.
    fn len(&self) -> usize;
    /// Whether no node is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Per-account balance trees hold a handful of nodes: a sorted vector of `(generalized index, value)`
/// is far smaller than a map and fast to search at that size. Node `(h, i)` has key `h·2^24 + i`
/// (unique for heights below 256 and indices below 2^24; the entry is 40 bytes whatever the key width,
/// by alignment).
#[derive(Clone, Debug, Default)]
pub struct SortedNodeStore {
    nodes: Vec<(u32, Fr)>,
}

impl SortedNodeStore {
    #[inline]
    fn key(height: usize, index: u32) -> u32 {
        debug_assert!(height <= 24 && index < (1 << 24));
        ((height as u32) << 24) | index
    }

    /// The stored nodes of one level, by index (for height 0: the non-empty leaves).
    pub fn level(&self, height: usize) -> impl Iterator<Item = (u32, &Fr)> + '_ {
        let lo = Self::key(height, 0);
        let start = self.nodes.partition_point(|e| e.0 < lo);
        self.nodes[start..].iter().take_while(move |e| e.0 >> 24 == height as u32).map(|e| (e.0 & 0xff_ffff, &e.1))
    }
}

impl NodeStore for SortedNodeStore {
    #[inline]
    fn get(&self, height: usize, index: u32) -> Option<&Fr> {
        let k = Self::key(height, index);
        self.nodes.binary_search_by_key(&k, |e| e.0).ok().map(|i| &self.nodes[i].1)
    }

    fn put(&mut self, height: usize, index: u32, value: Fr, empty: &Fr) {
        let k = Self::key(height, index);
        match self.nodes.binary_search_by_key(&k, |e| e.0) {
            Ok(i) if value == *empty => {
                self.nodes.remove(i);
            }
            Ok(i) => self.nodes[i].1 = value,
            Err(_) if value == *empty => {}
            Err(i) => {
                // Grow one slot at a time: these vectors are small and numerous, so slack capacity
                // would dominate the state's memory.
                self.nodes.reserve_exact(1);
                self.nodes.insert(i, (k, value));
            }
        }
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// Multiplicative hashing for `u32` node indices (std's SipHash is needlessly slow here and the keys
/// are not attacker-chosen in a way that matters: ids are assigned by the node).
#[derive(Default, Clone, Copy)]
pub struct IndexHasher(u64);

impl Hasher for IndexHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.0 = (i as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IndexMap = HashMap<u32, Fr, BuildHasherDefault<IndexHasher>>;

/// The account tree's storage. Account ids are handed out lowest-first, so each level's nodes form a
/// dense prefix `0..n`: those live in a plain vector (32 bytes a node); indices beyond the prefix go
/// to a hash map and move into the vector when the prefix reaches them.
#[derive(Clone, Debug, Default)]
pub struct LevelStore {
    levels: Vec<Level>,
}

#[derive(Clone, Debug, Default)]
struct Level {
    dense: Vec<Fr>,
    sparse: IndexMap,
}

impl NodeStore for LevelStore {
    #[inline]
    fn get(&self, height: usize, index: u32) -> Option<&Fr> {
        let level = self.levels.get(height)?;
        match level.dense.get(index as usize) {
            Some(v) => Some(v),
            None => level.sparse.get(&index),
        }
    }

    fn put(&mut self, height: usize, index: u32, value: Fr, empty: &Fr) {
        if self.levels.len() <= height {
            self.levels.resize_with(height + 1, Level::default);
        }
        let level = &mut self.levels[height];
        let i = index as usize;
        if i < level.dense.len() {
            level.dense[i] = value;
        } else if i == level.dense.len() {
            level.dense.push(value);
            // The prefix grew: pull in the nodes that were stored sparsely just past it.
            while let Some(v) = level.sparse.remove(&(level.dense.len() as u32)) {
                level.dense.push(v);
            }
        } else if value == *empty {
            level.sparse.remove(&index);
        } else {
            level.sparse.insert(index, value);
        }
    }

    fn len(&self) -> usize {
        self.levels.iter().map(|l| l.dense.len() + l.sparse.len()).sum()
    }
}
