//! Audit paths (Merkle proofs).

use crate::field::Fr;
use crate::poseidon::hash_n;

/// The siblings of leaf `index` from the leaf level up to just below the root: at each level the
/// three other children of the path node's parent, in child order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    /// Leaf index the path belongs to.
    pub index: u32,
    /// `siblings[h]` are the siblings of the path's node at height `h`, left to right.
    pub siblings: Vec<[Fr; 3]>,
}

/// The four children of a node whose child at position `digit` (0…3) is `node` and whose other
/// children are `siblings`, left to right.
#[inline]
pub fn children(digit: usize, node: Fr, siblings: &[Fr; 3]) -> [Fr; 4] {
    let mut c = [node; 4];
    let mut s = siblings.iter();
    for (k, slot) in c.iter_mut().enumerate() {
        if k != digit {
            *slot = *s.next().expect("three siblings");
        }
    }
    c
}

impl MerklePath {
    /// The root a tree would have with `leaf` at this path's index.
    pub fn root_for(&self, leaf: &Fr) -> Fr {
        let mut cur = *leaf;
        for (h, siblings) in self.siblings.iter().enumerate() {
            cur = hash_n(&children(self.digit(h), cur, siblings));
        }
        cur
    }

    /// Whether `leaf` sits at this path's index under `root`.
    pub fn verify(&self, root: &Fr, leaf: &Fr) -> bool {
        self.root_for(leaf) == *root
    }

    /// The position (0…3) of the path's node among its parent's children at height `h`: bits
    /// `2h` and `2h+1` of the index.
    #[inline]
    pub fn digit(&self, h: usize) -> usize {
        ((self.index >> (2 * h)) & 3) as usize
    }

    /// The siblings flattened level by level (three per level), the circuit witness's layout. `N`
    /// must be three times the path's levels (the witness arrays' lengths are protocol constants).
    pub fn flat<const N: usize>(&self) -> [Fr; N] {
        assert_eq!(N, 3 * self.siblings.len(), "a flat path holds three siblings per level");
        std::array::from_fn(|i| self.siblings[i / 3][i % 3])
    }
}
