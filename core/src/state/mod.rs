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

/// What one write changed, so a journaled group of writes can be undone (see
/// [`State::begin_journal`]).
#[derive(Clone, Debug)]
enum JournalEntry {
    /// Fast mode: the account's pending overlay before the write.
    Pending { id: AccountId, before: Option<PendingAccount> },
    /// Witness mode: the leaf's fields and `token` balance before the write.
    Leaf { id: AccountId, token: TokenId, fields: AccountFields, balance: u128 },
    /// The address index got `address`.
    Indexed(Address),
    /// The next free id before the write.
    NextFreeId(AccountId),
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
    /// While a journal is open: the undo record of every write since it opened.
    journal: Option<Vec<JournalEntry>>,
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
            journal: None,
        };
        state.tokens[0] = true;
        state.tree.update(FEE_ACCOUNT_ID, 0, |f, _| f.address = operator)?;
        state.by_address.insert(operator, FEE_ACCOUNT_ID);
        state.next_free_id = FEE_ACCOUNT_ID + 1;
        Ok(state)
    }

    /// A state rebuilt from stored accounts (the node's storage): each `(id, fields, balances)` as
    /// it was after the last sealed block, with `tokens` registered. The caller checks the root
    /// against the one it stored. Rebuilt in one parallel rehash; the mode is fast.
    pub fn from_accounts(
        accounts: impl IntoIterator<Item = (AccountId, AccountFields, Vec<(TokenId, u128)>)>,
        tokens: &[TokenId],
    ) -> Result<State, ApplyError> {
        let mut state = State {
            tree: AccountTree::new(),
            by_address: HashMap::new(),
            next_free_id: 0,
            tokens: vec![false; MAX_TOKEN_ID as usize + 1],
            mode: UpdateMode::Fast,
            pending: HashMap::new(),
            journal: None,
        };
        state.tokens[0] = true;
        for &t in tokens {
            state.register_token(t)?;
        }
        let mut batch = state.tree.batch();
        for (id, fields, balances) in accounts {
            if id > MAX_ACCOUNT_ID {
                return Err(ApplyError::AccountIdOutOfRange(id));
            }
            if fields.address.is_zero() {
                return Err(ApplyError::ZeroAddress);
            }
            batch.update_fields(id, |f| *f = fields)?;
            for (token, value) in balances {
                batch.set_balance(id, token, value)?;
            }
            state.by_address.entry(fields.address).or_insert(id);
            state.next_free_id = state.next_free_id.max(id + 1);
        }
        batch.commit();
        Ok(state)
    }

    /// Open a journal: every change from now on can be undone with [`State::rollback_journal`]
    /// (an atomic batch of txs that fails half-way) or kept with [`State::commit_journal`]. The
    /// journal records the touched leaves only, never a copy of the state. Journals do not nest.
    pub fn begin_journal(&mut self) {
        debug_assert!(self.journal.is_none(), "journals do not nest");
        self.journal = Some(Vec::new());
    }

    /// Keep the changes since [`State::begin_journal`] and close the journal.
    pub fn commit_journal(&mut self) {
        self.journal = None;
    }

    /// Undo every change since [`State::begin_journal`] and close the journal.
    pub fn rollback_journal(&mut self) {
        let Some(entries) = self.journal.take() else { return };
        for entry in entries.into_iter().rev() {
            match entry {
                JournalEntry::Pending { id, before: Some(p) } => {
                    self.pending.insert(id, p);
                }
                JournalEntry::Pending { id, before: None } => {
                    self.pending.remove(&id);
                }
                JournalEntry::Leaf { id, token, fields, balance } => {
                    // The id and token were written a moment ago, so they are in range.
                    self.tree
                        .update(id, token, |f, b| {
                            *f = fields;
                            *b = balance;
                        })
                        .expect("journaled leaf is in range");
                }
                JournalEntry::Indexed(address) => {
                    self.by_address.remove(&address);
                }
                JournalEntry::NextFreeId(id) => self.next_free_id = id,
            }
        }
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

    /// Fast mode: the accounts changed since the last flush (what a store must write after a
    /// block), in no particular order.
    pub fn unflushed_accounts(&self) -> Vec<AccountId> {
        self.pending.keys().copied().collect()
    }

    /// Apply pending fast-mode changes to the tree in one parallel rehash. An open journal is
    /// closed first (its changes are kept): the journal only covers unflushed changes.
    pub fn flush(&mut self) {
        self.journal = None;
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
        if let Some(journal) = self.journal.as_mut() {
            let before = match self.mode {
                UpdateMode::Fast => JournalEntry::Pending { id, before: self.pending.get(&id).cloned() },
                UpdateMode::Witness => JournalEntry::Leaf {
                    id,
                    token,
                    fields: self.tree.get(id).map(|a| a.fields).unwrap_or_default(),
                    balance: self.tree.get(id).map(|a| a.balance(token)).unwrap_or(0),
                },
            };
            journal.push(before);
            if !fields.address.is_zero() && !self.by_address.contains_key(&fields.address) {
                journal.push(JournalEntry::Indexed(fields.address));
            }
            journal.push(JournalEntry::NextFreeId(self.next_free_id));
        }
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
