//! The state trees against an independent implementation: `testdata/circomlibjs_vectors.json` →
//! `trees`, computed by `scripts/vectors/circomlibjs_vectors.js` from docs/protocol.md §5 alone
//! (a recursive quaternary tree over circomlibjs's Poseidon, no code shared with zkpay-core): the
//! empty-subtree constants, a state of five accounts with their balance roots, leaves and root, and
//! audit paths at the tree's edges.

use serde::Deserialize;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::field::{fr_from_decimal, fr_to_hex, Fr};
use zkpay_core::merkle::{AccountTreeKind, BalanceTreeKind, TreeKind};
use zkpay_core::types::{Address, PubKeyHash};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trees {
    empty_balance_root: String,
    empty_account_leaf: String,
    empty_state_root: String,
    accounts: Vec<AccountVector>,
    state_root: String,
    account_paths: Vec<PathVector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountVector {
    id: u32,
    nonce: u32,
    pubkey_hash: String,
    address: String,
    balances: Vec<(u16, String)>,
    balance_root: String,
    leaf: String,
    balance_path: Vec<[String; 3]>,
}

#[derive(Deserialize)]
struct PathVector {
    id: u32,
    siblings: Vec<[String; 3]>,
}

fn fr(s: &str) -> Fr {
    fr_from_decimal(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn siblings(v: &[[String; 3]]) -> Vec<[Fr; 3]> {
    v.iter().map(|level| [fr(&level[0]), fr(&level[1]), fr(&level[2])]).collect()
}

fn load() -> Trees {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/circomlibjs_vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(doc["trees"].clone()).expect("the trees section")
}

#[test]
fn empty_subtree_constants_match_the_independent_trees() {
    let t = load();
    assert_eq!(BalanceTreeKind::empty_hashes()[5], fr(&t.empty_balance_root));
    assert_eq!(AccountTreeKind::empty_hashes()[0], fr(&t.empty_account_leaf));
    assert_eq!(AccountTreeKind::empty_hashes()[12], fr(&t.empty_state_root));
    // The same values docs/protocol.md §5.2 lists.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md")).unwrap();
    for x in [&t.empty_balance_root, &t.empty_account_leaf, &t.empty_state_root] {
        let hex = fr_to_hex(&fr(x));
        assert!(doc.contains(&hex), "docs/protocol.md §5.2 does not list {hex}");
    }
}

#[test]
fn a_state_its_roots_leaves_and_paths_match_the_independent_trees() {
    let t = load();
    let mut tree = AccountTree::new();
    for a in &t.accounts {
        let address: Address = a.address.parse().unwrap();
        let pubkey_hash: PubKeyHash = a.pubkey_hash.parse().unwrap();
        tree.update(a.id, 0, |f, _| {
            f.nonce = a.nonce;
            f.address = address;
            f.pubkey_hash = pubkey_hash;
        })
        .unwrap();
        for (token, amount) in &a.balances {
            let amount: u128 = amount.parse().unwrap();
            tree.update(a.id, *token, |_, b| *b = amount).unwrap();
        }
    }
    assert_eq!(tree.root(), fr(&t.state_root), "state root");
    for a in &t.accounts {
        let account = tree.get(a.id).expect("account exists");
        assert_eq!(account.balance_root(), fr(&a.balance_root), "account {}: balance root", a.id);
        assert_eq!(account.leaf_hash(), fr(&a.leaf), "account {}: leaf", a.id);
        if let Some((token, _)) = a.balances.first() {
            let path = account.balance_path(*token).unwrap();
            assert_eq!(path.siblings, siblings(&a.balance_path), "account {}: balance path of {token}", a.id);
            assert!(path.verify(&account.balance_root(), &zkpay_core::field::fr_from_u128(account.balance(*token))));
        }
    }
    assert!(t.account_paths.len() >= 5);
    for p in &t.account_paths {
        let path = tree.account_path(p.id).unwrap();
        assert_eq!(path.siblings, siblings(&p.siblings), "account path of {}", p.id);
        let leaf = tree.get(p.id).map(|a| a.leaf_hash()).unwrap_or(AccountTreeKind::empty_hashes()[0]);
        assert!(path.verify(&tree.root(), &leaf), "path of {} verifies", p.id);
    }
}
