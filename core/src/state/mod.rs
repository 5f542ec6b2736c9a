//! The rollup state and its transition function (PROTOCOL §4–§6).
//!
//! [`State`] holds the account tree, the address → id index, the next free account id and the set
//! of registered tokens. Its `apply_*` functions check every rule of an operation first and only then
//! change anything, so a rejected operation leaves the state exactly as it was.
//!
//! Two update modes serve the two consumers:
//! - [`UpdateMode::Witness`]: every chunk's account change is applied to the tree at once, returning
//!   its [`AccountUpdate`] (before/after values and audit paths) — the circuit's witness;
//! - [`UpdateMode::Fast`]: changes go to an overlay and the tree is rehashed once per block, in
//!   parallel, by [`State::flush`] — the node's hot path.
//!
//! Besides the node's `apply_*` (which check signatures and time ranges), [`State::replay_op`]
//! applies an op as a proven block states it, for data restore (see [`crate::restore`]).

mod apply;
mod error;
mod replay;
mod verified;

pub use apply::{AppliedOp, BlockContext};
pub use error::ApplyError;
pub use replay::ReplayedOp;
pub use verified::VerifiedTx;

use crate::account_tree::{AccountFields, AccountTree, AccountUpdate};
use crate::field::Fr;
use crate::params::{FEE_ACCOUNT_ID, MAX_ACCOUNT_ID, MAX_TOKEN_ID};
use crate::types::{AccountId, Address, TokenId};
use std::collections::HashMap;

/// How [`State`] applies changes; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateMode {
    /// Rehash per chunk and return proofs.
    Witness,
    /// Defer rehashing to [`State::flush`].
    Fast,
}

/// Pending changes of one account in fast mode.
#[derive(Clone, Debug, Default)]
struct PendingAccount {
    fields: AccountFields,
    balances: Vec<(TokenId, u128)>,
}

/// The L2 state.
#[derive(Clone, Debug)]
pub struct State {
    tree: AccountTree,
    by_address: HashMap<Address, AccountId>,
    next_free_id: AccountId,
    tokens: Vec<bool>,
    mode: UpdateMode,
    pending: HashMap<AccountId, PendingAccount>,
}

impl State {
    /// Genesis (PROTOCOL §4): account 0 is the operator's fee account at `operator`, with no key; ETH
    /// (token 0) is the only registered token.
    pub fn genesis(operator: Address) -> Result<State, ApplyError> {
        if operator.is_zero() {
            return Err(ApplyError::ZeroAddress);
        }
        let mut state = State {
            tree: AccountTree::new(),
            by_address: HashMap::new(),
            next_free_id: 0,
            tokens: vec![false; MAX_TOKEN_ID as usize + 1],
            mode: UpdateMode::Witness,
            pending: HashMap::new(),
        };
        state.tokens[0] = true;
        state.tree.update(FEE_ACCOUNT_ID, 0, |f, _| f.address = operator)?;
        state.by_address.insert(operator, FEE_ACCOUNT_ID);
        state.next_free_id = FEE_ACCOUNT_ID + 1;
        Ok(state)
    }

    /// Switch the update mode; pending fast-mode changes are flushed first.
    pub fn set_mode(&mut self, mode: UpdateMode) {
        self.flush();
        self.mode = mode;
    }

    /// The current mode.
    pub fn mode(&self) -> UpdateMode {
        self.mode
    }

    /// Register a token id (L1 Governance listed it). Ids are 0 … 1023.
    pub fn register_token(&mut self, token: TokenId) -> Result<(), ApplyError> {
        let slot = self.tokens.get_mut(token as usize).ok_or(ApplyError::UnknownToken(token))?;
        *slot = true;
        Ok(())
    }

    /// Whether `token` is registered.
    pub fn is_token_known(&self, token: TokenId) -> bool {
        self.tokens.get(token as usize).copied().unwrap_or(false)
    }

    /// The state root. Flushes pending fast-mode changes first (one parallel rehash).
    pub fn root(&mut self) -> Fr {
        self.flush();
        self.tree.root()
    }

    /// The account tree as of the last flush.
    pub fn tree(&self) -> &AccountTree {
        &self.tree
    }

    /// Id of the account at `address`, if one exists.
    pub fn account_id_by_address(&self, address: &Address) -> Option<AccountId> {
        self.by_address.get(address).copied()
    }

    /// The id the next new account will get: the lowest never-used one.
    pub fn next_free_id(&self) -> AccountId {
        self.next_free_id
    }

    /// Fields of account `id` (including pending changes); `None` if the leaf is empty.
    pub fn account(&self, id: AccountId) -> Option<AccountFields> {
        let fields = match self.pending.get(&id) {
            Some(p) => p.fields,
            None => self.tree.get(id)?.fields,
        };
        (!fields.address.is_zero()).then_some(fields)
    }

    /// Balance of `token` in account `id` (including pending changes); 0 for empty leaves.
    pub fn balance(&self, id: AccountId, token: TokenId) -> u128 {
        if let Some(p) = self.pending.get(&id) {
            if let Some((_, b)) = p.balances.iter().find(|(t, _)| *t == token) {
                return *b;
            }
        }
        self.tree.get(id).map(|a| a.balance(token)).unwrap_or(0)
    }

    /// Apply pending fast-mode changes to the tree in one parallel rehash.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut batch = self.tree.batch();
        for (id, p) in pending {
            // Ids were range-checked when the change was validated.
            batch.update_fields(id, |f| *f = p.fields).expect("validated id");
            for (token, value) in p.balances {
                batch.set_balance(id, token, value).expect("validated id and token");
            }
        }
        batch.commit();
    }

    /// Change account `id`'s fields and its `token` balance, as one chunk of an operation. In witness
    /// mode returns the chunk's proof; in fast mode records the change and returns `None`.
    fn write(
        &mut self,
        id: AccountId,
        token: TokenId,
        fields: AccountFields,
        balance: u128,
    ) -> Result<Option<AccountUpdate>, ApplyError> {
        debug_assert!(id <= MAX_ACCOUNT_ID && token <= MAX_TOKEN_ID);
        if !fields.address.is_zero() {
            self.by_address.entry(fields.address).or_insert(id);
        }
        if id >= self.next_free_id && !fields.address.is_zero() {
            self.next_free_id = id + 1;
        }
        match self.mode {
            UpdateMode::Witness => Ok(Some(self.tree.update(id, token, |f, b| {
                *f = fields;
                *b = balance;
            })?)),
            UpdateMode::Fast => {
                let p = self.pending.entry(id).or_default();
                p.fields = fields;
                match p.balances.iter_mut().find(|(t, _)| *t == token) {
                    Some(entry) => entry.1 = balance,
                    None => p.balances.push((token, balance)),
                }
                Ok(None)
            }
        }
    }

    /// A chunk that touches no account: in witness mode, the unchanged proof of `(id, token)`.
    fn read_only(&mut self, id: AccountId, token: TokenId) -> Result<Option<AccountUpdate>, ApplyError> {
        match self.mode {
            UpdateMode::Witness => Ok(Some(self.tree.update(id, token, |_, _| {})?)),
            UpdateMode::Fast => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests;
