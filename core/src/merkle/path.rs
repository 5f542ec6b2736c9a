//! Audit paths (Merkle proofs).

use crate::field::Fr;
use crate::poseidon::hash2;

/// The siblings of leaf `index` from the leaf level up to just below the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    /// Leaf index the path belongs to.
    pub index: u32,
    /// `siblings[h]` is the sibling of the path's node at height `h`.
    pub siblings: Vec<Fr>,
}

impl MerklePath {
    /// The root a tree would have with `leaf` at this path's index.
    pub fn root_for(&self, leaf: &Fr) -> Fr {
        let mut cur = *leaf;
        for (h, sibling) in self.siblings.iter().enumerate() {
            cur = if (self.index >> h) & 1 == 0 { hash2(&cur, sibling) } else { hash2(sibling, &cur) };
        }
        cur
    }

    /// Whether `leaf` sits at this path's index under `root`.
    pub fn verify(&self, root: &Fr, leaf: &Fr) -> bool {
        self.root_for(leaf) == *root
    }

    /// The path's direction bits from the leaf up: `true` where the path node is a right child.
    pub fn directions(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.siblings.len()).map(move |h| (self.index >> h) & 1 == 1)
    }
}
