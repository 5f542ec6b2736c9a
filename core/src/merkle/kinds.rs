//! The two tree shapes of the protocol and their empty-subtree hashes.

use crate::field::{Field, Fr};
use crate::params::{ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH};
use crate::poseidon::{hash2, hash_n};
use std::sync::OnceLock;

/// Depth and empty leaf of a tree; `empty_hashes()[h]` is the value of an empty subtree of height h.
pub trait TreeKind: Send + Sync + 'static {
    /// Number of levels below the root.
    const DEPTH: usize;
    /// Empty-subtree hashes for heights 0…DEPTH (index 0 is the empty leaf, DEPTH the empty root).
    fn empty_hashes() -> &'static [Fr];
}

fn ladder(leaf: Fr, depth: usize) -> Vec<Fr> {
    let mut v = Vec::with_capacity(depth + 1);
    v.push(leaf);
    for h in 0..depth {
        let e = v[h];
        v.push(hash2(&e, &e));
    }
    v
}

/// Balance tree: depth 10; an empty leaf is the balance 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct BalanceTreeKind;

impl TreeKind for BalanceTreeKind {
    const DEPTH: usize = BALANCE_TREE_DEPTH;
    fn empty_hashes() -> &'static [Fr] {
        static E: OnceLock<Vec<Fr>> = OnceLock::new();
        E.get_or_init(|| ladder(Fr::zero(), BALANCE_TREE_DEPTH))
    }
}

/// Account tree: depth 24; an empty leaf is `H(0, 0, 0, empty balance root)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountTreeKind;

impl TreeKind for AccountTreeKind {
    const DEPTH: usize = ACCOUNT_TREE_DEPTH;
    fn empty_hashes() -> &'static [Fr] {
        static E: OnceLock<Vec<Fr>> = OnceLock::new();
        E.get_or_init(|| {
            let empty_balance_root = BalanceTreeKind::empty_hashes()[BALANCE_TREE_DEPTH];
            let leaf = hash_n(&[Fr::zero(), Fr::zero(), Fr::zero(), empty_balance_root]);
            ladder(leaf, ACCOUNT_TREE_DEPTH)
        })
    }
}
