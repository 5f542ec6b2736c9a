//! The exit circuit (PROTOCOL §10): in exodus mode a user proves, from L1 data alone, how much of a
//! token an account holds under the last executed state root, and the Rollup contract pays it out.
//!
//! Public inputs, in this order: `[state_root, account_id, owner, token_id, amount]`. The circuit
//! proves that under `state_root` the account leaf at `account_id` is
//! `H(nonce, pubkey_hash, owner, balance_root)` for some private `nonce` and `pubkey_hash`, that the
//! leaf at `token_id` of the balance tree with root `balance_root` is `amount` (which may be 0), and
//! that `owner ≠ 0` (the account exists; an empty leaf has address 0 and pays nobody).
//!
//! Ranges: `account_id < 2^24` and `token_id < 2^10` follow from their bit decompositions, which are
//! also the path directions (docs/protocol.md §5.1: bits 2h and 2h+1 of the index give the path
//! node's position among its parent's four children at height h). `owner` and `amount` need no
//! range check: they are hashed into the tree, and the tree only ever holds 160-bit addresses and
//! u128 balances, so any other value would need a Poseidon collision. The balance root is not a
//! witness: it is recomputed from `amount` and the balance path, so it cannot disagree with them.
//!
//! Cost: 25 + 11 (bit decompositions) + 5 · 302 (balance path) + 297 (Poseidon(4) leaf) + 12 · 302
//! (account path) + 1 (root equality) + 1 (owner ≠ 0) = [`EXIT_CONSTRAINTS`].

use crate::gadgets::bits::to_bits_le;
use crate::gadgets::merkle::{alloc_siblings, root_constraints, root_from_path};
use crate::gadgets::num::{assigned, Num};
use crate::gadgets::poseidon::{poseidon_constraints, poseidon_hash};
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use zkpay_core::account_tree::AccountTree;
use zkpay_core::field::{fr_from_u128, fr_from_u64};
use zkpay_core::params::{
    ACCOUNT_ID_BITS, ACCOUNT_PATH_SIBLINGS, ACCOUNT_TREE_LEVELS, BALANCE_PATH_SIBLINGS, BALANCE_TREE_LEVELS,
    MAX_ACCOUNT_ID, MAX_TOKEN_ID, TOKEN_ID_BITS,
};
use zkpay_core::types::{AccountId, Address, TokenId};

/// Name of the exit circuit's keys (`keys/exit.pk`, `keys/exit.vk.json`).
pub const EXIT_CIRCUIT_NAME: &str = "exit";

/// Number of public inputs of the exit circuit.
pub const EXIT_PUBLIC_INPUTS: usize = 5;

/// Constraints of the exit circuit (pinned in a test; PROTOCOL §12 gives the figure).
pub const EXIT_CONSTRAINTS: usize = (ACCOUNT_ID_BITS + 1)
    + (TOKEN_ID_BITS + 1)
    + root_constraints(BALANCE_TREE_LEVELS)
    + poseidon_constraints(4)
    + root_constraints(ACCOUNT_TREE_LEVELS)
    + 2;

// The constraint budget of the exit circuit, checked at compile time.
const _: () = assert!(EXIT_CONSTRAINTS <= 12_000);

/// The exit circuit's witness. Every value is `None` for key generation ([`ExitCircuit::blank`]),
/// when only the shape of the circuit matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitCircuit {
    /// Public: the state root the exit is proven against (the last executed block's).
    pub state_root: Option<Fr>,
    /// Public: the account id (leaf index in the account tree).
    pub account_id: Option<Fr>,
    /// Public: the account's L1 address, as a 160-bit integer.
    pub owner: Option<Fr>,
    /// Public: the token id (leaf index in the balance tree).
    pub token_id: Option<Fr>,
    /// Public: the balance, as an integer.
    pub amount: Option<Fr>,
    /// Private: the account's nonce.
    pub nonce: Option<Fr>,
    /// Private: the account's pubkey hash.
    pub pubkey_hash: Option<Fr>,
    /// Private: the account's audit path in the account tree, siblings from the leaf level up.
    pub account_path: [Option<Fr>; ACCOUNT_PATH_SIBLINGS],
    /// Private: the token's audit path in the account's balance tree, from the leaf level up.
    pub balance_path: [Option<Fr>; BALANCE_PATH_SIBLINGS],
}

/// The public inputs of one exit, as typed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitPublicInputs {
    /// The state root proven against.
    pub state_root: Fr,
    /// The account.
    pub account_id: AccountId,
    /// The account's L1 address (where the funds go).
    pub owner: Address,
    /// The token.
    pub token_id: TokenId,
    /// The balance paid out.
    pub amount: u128,
}

impl ExitPublicInputs {
    /// The field elements the verifier takes, in circuit order
    /// `[state_root, account_id, owner, token_id, amount]`.
    pub fn to_field_elements(&self) -> [Fr; EXIT_PUBLIC_INPUTS] {
        [
            self.state_root,
            fr_from_u64(self.account_id as u64),
            self.owner.to_fr(),
            fr_from_u64(self.token_id as u64),
            fr_from_u128(self.amount),
        ]
    }
}

/// Why an exit witness cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExitError {
    /// Account ids are 0 … 2^24 − 1.
    #[error("account id {0} is out of range (max {MAX_ACCOUNT_ID})")]
    AccountIdOutOfRange(AccountId),
    /// Token ids are 0 … 1023.
    #[error("token id {0} is out of range (max {MAX_TOKEN_ID})")]
    TokenIdOutOfRange(TokenId),
    /// The leaf is empty: there is nobody to pay (the circuit requires owner ≠ 0).
    #[error("account {0} does not exist: there is nothing to exit")]
    NoSuchAccount(AccountId),
}

impl ExitCircuit {
    /// The circuit without a witness, for key generation.
    pub fn blank() -> ExitCircuit {
        ExitCircuit {
            state_root: None,
            account_id: None,
            owner: None,
            token_id: None,
            amount: None,
            nonce: None,
            pubkey_hash: None,
            account_path: [None; ACCOUNT_PATH_SIBLINGS],
            balance_path: [None; BALANCE_PATH_SIBLINGS],
        }
    }

    /// The witness and public inputs of an exit of `token_id` from `account_id` under the current
    /// root of `tree`.
    pub fn from_state(
        tree: &AccountTree,
        account_id: AccountId,
        token_id: TokenId,
    ) -> Result<(ExitCircuit, ExitPublicInputs), ExitError> {
        // The tree refuses only out-of-range ids here.
        let account_path = tree.account_path(account_id).map_err(|_| ExitError::AccountIdOutOfRange(account_id))?;
        if token_id > MAX_TOKEN_ID {
            return Err(ExitError::TokenIdOutOfRange(token_id));
        }
        let account = tree.get(account_id).filter(|a| !a.is_empty()).ok_or(ExitError::NoSuchAccount(account_id))?;
        let balance_path = account.balance_path(token_id).map_err(|_| ExitError::TokenIdOutOfRange(token_id))?;
        let public = ExitPublicInputs {
            state_root: tree.root(),
            account_id,
            owner: account.fields.address,
            token_id,
            amount: account.balance(token_id),
        };
        let [state_root, id, owner, token, amount] = public.to_field_elements();
        let circuit = ExitCircuit {
            state_root: Some(state_root),
            account_id: Some(id),
            owner: Some(owner),
            token_id: Some(token),
            amount: Some(amount),
            nonce: Some(fr_from_u64(account.fields.nonce as u64)),
            pubkey_hash: Some(account.fields.pubkey_hash.to_fr()),
            account_path: account_path.flat().map(Some),
            balance_path: balance_path.flat().map(Some),
        };
        Ok((circuit, public))
    }
}

impl Circuit<Engine> for ExitCircuit {
    fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        // Public inputs first, in the order the verifier (and the Rollup contract) passes them.
        let state_root = Num::alloc_input(cs.namespace(|| "state_root"), self.state_root)?;
        let account_id = Num::alloc_input(cs.namespace(|| "account_id"), self.account_id)?;
        let owner = Num::alloc_input(cs.namespace(|| "owner"), self.owner)?;
        let token_id = Num::alloc_input(cs.namespace(|| "token_id"), self.token_id)?;
        let amount = Num::alloc_input(cs.namespace(|| "amount"), self.amount)?;

        let nonce = Num::alloc(cs.namespace(|| "nonce"), self.nonce)?;
        let pubkey_hash = Num::alloc(cs.namespace(|| "pubkey_hash"), self.pubkey_hash)?;
        let balance_siblings =
            alloc_siblings(cs.namespace(|| "balance"), BALANCE_TREE_LEVELS, |i| self.balance_path[i])?;
        let account_siblings =
            alloc_siblings(cs.namespace(|| "account"), ACCOUNT_TREE_LEVELS, |i| self.account_path[i])?;

        // The index bits are the path directions; decomposing also bounds the ids.
        let account_bits = to_bits_le(cs.namespace(|| "account_id bits"), &account_id, ACCOUNT_ID_BITS)?;
        let token_bits = to_bits_le(cs.namespace(|| "token_id bits"), &token_id, TOKEN_ID_BITS)?;

        // The balance leaf is the amount itself (no hashing).
        let balance_root = root_from_path(cs.namespace(|| "balance path"), &amount, &token_bits, &balance_siblings)?;
        let leaf = poseidon_hash(cs.namespace(|| "account leaf"), &[nonce, pubkey_hash, owner.clone(), balance_root])?;
        let root = root_from_path(cs.namespace(|| "account path"), &leaf, &account_bits, &account_siblings)?;
        root.enforce_equal(cs.namespace(|| "state root"), &state_root);

        // owner ≠ 0 as `owner · inverse = 1`. Kept last, so a test that finds this constraint as the
        // first unsatisfied one knows every other constraint held: an empty leaf is a valid Merkle
        // member, and this is the only check that refuses it.
        let inverse =
            cs.alloc(|| "owner inverse", || Ok(assigned(owner.value())?.inverse().unwrap_or_else(Fr::zero)))?;
        cs.enforce(|| "owner nonzero", |_| owner.lc(), |lc| lc + inverse, |lc| lc + CS::one());
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use zkpay_core::account_tree::Account;
    use zkpay_core::types::PubKeyHash;

    /// A state with several accounts (at the edges of the id range too) holding several tokens;
    /// accounts 3 and 9 hold equal amounts of tokens 1 and 2, so "same amount, other position"
    /// negatives exist.
    pub(crate) fn sample_state() -> AccountTree {
        let mut tree = AccountTree::new();
        type Spec = (AccountId, u8, u32, &'static [(TokenId, u128)]);
        let accounts: [Spec; 5] = [
            (0, 0xfe, 0, &[]),
            (3, 0x03, 7, &[(0, 1_000_000_000_000_000_000), (1, 500), (2, 500), (MAX_TOKEN_ID, u128::MAX)]),
            (9, 0x09, 1, &[(1, 500), (2, 500), (5, 42)]),
            (123_456, 0x44, 0, &[(0, 1)]),
            (MAX_ACCOUNT_ID, 0xff, u32::MAX, &[(7, 77)]),
        ];
        for (id, a, nonce, balances) in accounts {
            tree.update(id, 0, |f, _| {
                f.address = Address([a; 20]);
                f.nonce = nonce;
                f.pubkey_hash = PubKeyHash([a ^ 0x5a; 20]);
            })
            .unwrap();
            for &(token, amount) in balances {
                tree.update(id, token, |_, b| *b = amount).unwrap();
            }
        }
        tree
    }

    fn synthesize(circuit: ExitCircuit) -> TestConstraintSystem {
        let mut cs = TestConstraintSystem::new();
        circuit.synthesize(&mut cs).unwrap();
        cs
    }

    fn exit(tree: &AccountTree, id: AccountId, token: TokenId) -> ExitCircuit {
        ExitCircuit::from_state(tree, id, token).unwrap().0
    }

    #[test]
    fn real_exits_satisfy_with_the_pinned_count() {
        assert_eq!(EXIT_CONSTRAINTS, 5469);
        let tree = sample_state();
        // Held tokens, an amount-0 token, the edges of both id ranges, the fee account (no balances).
        for (id, token, expect) in [
            (3, 0, 1_000_000_000_000_000_000),
            (3, MAX_TOKEN_ID, u128::MAX),
            (9, 5, 42),
            (9, 0, 0),
            (0, 0, 0),
            (123_456, 0, 1),
            (MAX_ACCOUNT_ID, 7, 77),
            (MAX_ACCOUNT_ID, MAX_TOKEN_ID, 0),
        ] {
            let (circuit, public) = ExitCircuit::from_state(&tree, id, token).unwrap();
            assert_eq!(public.amount, expect);
            assert_eq!(public.state_root, tree.root());
            let cs = synthesize(circuit);
            assert_eq!(cs.which_is_unsatisfied(), None, "account {id} token {token}");
            assert_eq!(cs.num_constraints(), EXIT_CONSTRAINTS);
            assert_eq!(cs.num_inputs(), EXIT_PUBLIC_INPUTS);
            assert_eq!(cs.public_inputs(), public.to_field_elements().to_vec());
        }
    }

    #[test]
    fn from_state_refuses_what_cannot_be_proven() {
        let tree = sample_state();
        assert_eq!(ExitCircuit::from_state(&tree, 4, 0).unwrap_err(), ExitError::NoSuchAccount(4));
        assert_eq!(ExitCircuit::from_state(&tree, 1 << 24, 0).unwrap_err(), ExitError::AccountIdOutOfRange(1 << 24));
        assert_eq!(ExitCircuit::from_state(&tree, 3, 1024).unwrap_err(), ExitError::TokenIdOutOfRange(1024));
    }

    /// Each claim that differs from the state in one public value fails at the root comparison.
    #[test]
    fn wrong_public_values_are_unsatisfiable() {
        let tree = sample_state();
        let good = exit(&tree, 3, 1);
        assert!(synthesize(good.clone()).is_satisfied());
        let root_mismatch = Some("state root/equal".to_string());

        let mut c = good.clone();
        c.amount = Some(fr_from_u128(501));
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "amount + 1");

        let mut c = good.clone();
        c.amount = Some(Fr::zero());
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "amount 0 instead of 500");

        let mut c = good.clone();
        c.owner = Some(Address([0x09; 20]).to_fr());
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "another account's owner");

        // Token 1's path claimed at token 5 (another group of four, holding nothing): only the
        // position differs, and the root with it.
        let mut c = good.clone();
        c.token_id = Some(fr_from_u64(5));
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "token 5 with token 1's path");
        // Token 2 also holds 500 and is token 1's sibling (tokens 0…3 share a parent): with the
        // same siblings the claim "token 2 holds 500" is true, and it is accepted.
        let mut c = good.clone();
        c.token_id = Some(fr_from_u64(2));
        assert!(synthesize(c).is_satisfied(), "a true claim through a sibling's path");

        // Account 9 also holds 500 of token 1.
        let mut c = good.clone();
        c.account_id = Some(fr_from_u64(9));
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "account 9 with account 3's path");

        // An id ≥ 2^24 whose low 24 bits are right cannot pass the bit decomposition.
        let mut c = good.clone();
        c.account_id = Some(fr_from_u64(3 + (1 << 24)));
        assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("account_id bits/pack/equal"));
        let mut c = good.clone();
        c.token_id = Some(fr_from_u64(1 + (1 << 10)));
        assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("token_id bits/pack/equal"));

        // A root from before the last change (the account 3 → token 1 leaf was already there).
        let mut older = tree.clone();
        older.update(9, 5, |_, b| *b = 43).unwrap();
        let mut c = good.clone();
        c.state_root = Some(older.root());
        assert_eq!(synthesize(c).which_is_unsatisfied(), root_mismatch, "another root");
    }

    #[test]
    fn tampered_audit_paths_are_unsatisfiable() {
        let tree = sample_state();
        let good = exit(&tree, 9, 5);
        for h in [0, 7, 14] {
            let mut c = good.clone();
            let mut s = c.balance_path[h].unwrap();
            s.add_assign(&Fr::one());
            c.balance_path[h] = Some(s);
            assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("state root/equal"), "balance {h}");
        }
        for h in [0, 13, 23, 35] {
            let mut c = good.clone();
            let mut s = c.account_path[h].unwrap();
            s.add_assign(&Fr::one());
            c.account_path[h] = Some(s);
            assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("state root/equal"), "account {h}");
        }
        // Another account's path under the right root does not fit this account's leaf.
        let mut c = good.clone();
        c.account_path = exit(&tree, 3, 5).account_path;
        assert!(!synthesize(c).is_satisfied());
        // A sibling changed after synthesis no longer matches the hashing witnesses.
        let mut cs = synthesize(good);
        cs.set("account/sibling 1.2/num", Fr::one());
        assert!(!cs.is_satisfied());
    }

    #[test]
    fn private_fields_must_match_the_leaf() {
        let tree = sample_state();
        let good = exit(&tree, 3, 0);
        let mut c = good.clone();
        c.nonce = Some(fr_from_u64(8));
        assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("state root/equal"));
        let mut c = good;
        c.pubkey_hash = Some(Fr::zero());
        assert_eq!(synthesize(c).which_is_unsatisfied().as_deref(), Some("state root/equal"));
    }

    /// An empty leaf is a genuine member of the tree (address 0, empty balances): everything but the
    /// owner check holds, and the owner check refuses it.
    #[test]
    fn an_empty_leaf_with_owner_zero_is_unsatisfiable() {
        let tree = sample_state();
        let id = 4;
        assert!(tree.get(id).is_none());
        let empty = Account::default();
        let account_path = tree.account_path(id).unwrap();
        let balance_path = empty.balance_path(0).unwrap();
        let circuit = ExitCircuit {
            state_root: Some(tree.root()),
            account_id: Some(fr_from_u64(id as u64)),
            owner: Some(Fr::zero()),
            token_id: Some(Fr::zero()),
            amount: Some(Fr::zero()),
            nonce: Some(Fr::zero()),
            pubkey_hash: Some(Fr::zero()),
            account_path: account_path.flat().map(Some),
            balance_path: balance_path.flat().map(Some),
        };
        let mut cs = synthesize(circuit);
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("owner nonzero"));
        // No inverse repairs it.
        for inv in [Fr::one(), fr_from_u64(12345)] {
            cs.set("owner inverse", inv);
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("owner nonzero"));
        }
    }

    #[test]
    fn blank_circuit_has_the_same_shape() {
        // Counting through a system that never asks for values, as key generation does.
        let info = crate::keys::circuit_info(EXIT_CIRCUIT_NAME, ExitCircuit::blank()).unwrap();
        assert_eq!((info.num_inputs, info.constraints), (EXIT_PUBLIC_INPUTS, EXIT_CONSTRAINTS));
    }
}
