//! The two tree shapes of the protocol and their empty-subtree hashes.

use crate::field::{Field, Fr};
use crate::params::{ACCOUNT_TREE_LEVELS, BALANCE_TREE_LEVELS};
use crate::poseidon::hash_n;
use std::sync::OnceLock;

/// Levels and empty leaf of a quaternary tree; `empty_hashes()[h]` is the value of an empty subtree
/// of height h.
pub trait TreeKind: Send + Sync + 'static {
    /// Number of levels below the root (each level consumes two bits of the leaf index).
    const LEVELS: usize;
    /// Bits of a leaf index: the tree has `2^BITS = 4^LEVELS` leaves.
    const BITS: usize = 2 * Self::LEVELS;
    /// Empty-subtree hashes for heights 0…LEVELS (index 0 is the empty leaf, LEVELS the empty root).
    fn empty_hashes() -> &'static [Fr];
}

fn ladder(leaf: Fr, levels: usize) -> Vec<Fr> {
    let mut v = Vec::with_capacity(levels + 1);
    v.push(leaf);
    for h in 0..levels {
        let e = v[h];
        v.push(hash_n(&[e, e, e, e]));
    }
    v
}

/// Balance tree: 5 levels (1,024 leaves); an empty leaf is the balance 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct BalanceTreeKind;

impl TreeKind for BalanceTreeKind {
    const LEVELS: usize = BALANCE_TREE_LEVELS;
    fn empty_hashes() -> &'static [Fr] {
        static E: OnceLock<Vec<Fr>> = OnceLock::new();
        E.get_or_init(|| ladder(Fr::zero(), BALANCE_TREE_LEVELS))
    }
}

/// Account tree: 12 levels (2^24 leaves); an empty leaf is `H(0, 0, 0, empty balance root)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountTreeKind;

impl TreeKind for AccountTreeKind {
    const LEVELS: usize = ACCOUNT_TREE_LEVELS;
    fn empty_hashes() -> &'static [Fr] {
        static E: OnceLock<Vec<Fr>> = OnceLock::new();
        E.get_or_init(|| {
            let empty_balance_root = BalanceTreeKind::empty_hashes()[BALANCE_TREE_LEVELS];
            let leaf = hash_n(&[Fr::zero(), Fr::zero(), Fr::zero(), empty_balance_root]);
            ladder(leaf, ACCOUNT_TREE_LEVELS)
        })
    }
}
