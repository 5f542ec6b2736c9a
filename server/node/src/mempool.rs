//! The mempool: queued txs in arrival order, indexed per account by nonce, with atomic batches.
//! Pure data (no I/O, no locks): the sequencer owns it, and storage holds its durable copy.

use std::collections::{BTreeMap, HashMap, HashSet};
use zkpay_core::state::VerifiedTx;
use zkpay_core::tx::L2Tx;
use zkpay_core::types::{AccountId, Nonce, PubKeyHash, TokenId};

/// One queued tx.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Arrival sequence number (the mempool's order and the storage key).
    pub seq: u64,
    /// Tx hash.
    pub hash: [u8; 32],
    /// The tx, its signature verified.
    pub tx: VerifiedTx,
    /// The atomic batch it belongs to.
    pub batch: Option<u64>,
    /// Accepted at (unix ms).
    pub received_at: u64,
    /// Size of its JSON, for the byte limit.
    pub bytes: usize,
}

impl Entry {
    /// The signer's account.
    pub fn account(&self) -> AccountId {
        self.tx.tx().account_id()
    }

    /// The tx's nonce.
    pub fn nonce(&self) -> Nonce {
        self.tx.tx().nonce()
    }

    /// What the tx takes from its signer's balances: `(token, amount)` pairs (amount + fee may
    /// overflow: `None`).
    pub fn spend(&self) -> Vec<(TokenId, Option<u128>)> {
        spend(self.tx.tx())
    }
}

/// What `tx` takes from its signer: the amount and fee per token (`None`: amount + fee overflows).
pub fn spend(tx: &L2Tx) -> Vec<(TokenId, Option<u128>)> {
    match tx {
        L2Tx::Transfer(t) => vec![(t.token, t.amount.checked_add(t.fee))],
        L2Tx::Withdraw(w) => vec![(w.token, w.amount.checked_add(w.fee))],
        L2Tx::ChangePubKey(c) => vec![(c.fee_token, Some(c.fee))],
        L2Tx::ForcedExit(f) => vec![(f.token, Some(f.fee))],
    }
}

/// The mempool.
#[derive(Debug, Default)]
pub struct Mempool {
    entries: BTreeMap<u64, Entry>,
    by_account: HashMap<AccountId, BTreeMap<Nonce, u64>>,
    hashes: HashSet<[u8; 32]>,
    batches: HashMap<u64, Vec<u64>>,
    bytes: usize,
}

impl Mempool {
    /// Txs queued.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of the queued txs' JSON.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether a tx with `hash` is queued.
    pub fn contains(&self, hash: &[u8; 32]) -> bool {
        self.hashes.contains(hash)
    }

    /// Queued txs of `account`.
    pub fn account_len(&self, account: AccountId) -> usize {
        self.by_account.get(&account).map_or(0, BTreeMap::len)
    }

    /// Whether `account` has a queued tx with `nonce`.
    pub fn has_nonce(&self, account: AccountId, nonce: Nonce) -> bool {
        self.by_account.get(&account).is_some_and(|m| m.contains_key(&nonce))
    }

    /// The nonce after `account`'s queued txs that follow `state_nonce` without a gap.
    pub fn next_nonce(&self, account: AccountId, state_nonce: Nonce) -> Nonce {
        let mut next = state_nonce;
        if let Some(m) = self.by_account.get(&account) {
            for n in m.range(state_nonce..).map(|(n, _)| *n) {
                if n != next {
                    break;
                }
                next = next.saturating_add(1);
            }
        }
        next
    }

    /// The queued txs of `account`, by nonce.
    pub fn account_entries(&self, account: AccountId) -> impl Iterator<Item = &Entry> {
        self.by_account.get(&account).into_iter().flat_map(|m| m.values().filter_map(|s| self.entries.get(s)))
    }

    /// The signing key `account` will have after its queued ChangePubKeys below `nonce`.
    pub fn pending_key(&self, account: AccountId, nonce: Nonce) -> Option<PubKeyHash> {
        self.account_entries(account)
            .filter(|e| e.nonce() < nonce)
            .filter_map(|e| match e.tx.tx() {
                L2Tx::ChangePubKey(c) => Some(c.new_pub_key_hash),
                _ => None,
            })
            .last()
    }

    /// What `account`'s queued txs spend of `token` in total (saturating).
    pub fn pending_spend(&self, account: AccountId, token: TokenId) -> u128 {
        self.account_entries(account)
            .flat_map(|e| e.spend())
            .filter(|(t, _)| *t == token)
            .fold(0u128, |acc, (_, a)| acc.saturating_add(a.unwrap_or(u128::MAX)))
    }

    /// Add an entry (the caller checked admission).
    pub fn insert(&mut self, entry: Entry) {
        self.bytes += entry.bytes;
        self.hashes.insert(entry.hash);
        self.by_account.entry(entry.account()).or_default().insert(entry.nonce(), entry.seq);
        if let Some(b) = entry.batch {
            self.batches.entry(b).or_default().push(entry.seq);
        }
        self.entries.insert(entry.seq, entry);
    }

    /// Remove the entry `seq`, if queued.
    pub fn remove(&mut self, seq: u64) -> Option<Entry> {
        let entry = self.entries.remove(&seq)?;
        self.bytes -= entry.bytes;
        self.hashes.remove(&entry.hash);
        if let Some(m) = self.by_account.get_mut(&entry.account()) {
            m.remove(&entry.nonce());
            if m.is_empty() {
                self.by_account.remove(&entry.account());
            }
        }
        if let Some(b) = entry.batch {
            if let Some(v) = self.batches.get_mut(&b) {
                v.retain(|s| *s != seq);
                if v.is_empty() {
                    self.batches.remove(&b);
                }
            }
        }
        Some(entry)
    }

    /// The entry `seq`.
    pub fn get(&self, seq: u64) -> Option<&Entry> {
        self.entries.get(&seq)
    }

    /// The seqs of batch `id`, in order.
    pub fn batch(&self, id: u64) -> &[u64] {
        self.batches.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Every queued seq, in arrival order.
    pub fn seqs(&self) -> Vec<u64> {
        self.entries.keys().copied().collect()
    }

    /// The first queued seq at or after `seq` (a cursor that stays valid while entries are
    /// removed).
    pub fn next_from(&self, seq: u64) -> Option<u64> {
        self.entries.range(seq..).next().map(|(s, _)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpay_core::tx::{Domain, TimeRange, Transfer, TxSignature};
    use zkpay_core::types::Address;

    fn entry(seq: u64, account: AccountId, nonce: Nonce, amount: u128, batch: Option<u64>) -> Entry {
        let domain = Domain { chain_id: 1, rollup: Address([1; 20]) };
        let key = zkpay_core::eddsa::PrivateKey::from_bytes([account as u8 + 1; 32]);
        let mut tx = L2Tx::Transfer(Transfer {
            account_id: account,
            to: Address([9; 20]),
            token: 0,
            amount,
            fee: 1,
            nonce,
            time_range: TimeRange::ALWAYS,
            signature: TxSignature::default(),
        });
        tx.sign(&key, &domain).unwrap();
        let hash = tx.tx_hash(&domain).unwrap();
        Entry { seq, hash, tx: VerifiedTx::verify(tx, &domain).unwrap(), batch, received_at: 0, bytes: 100 }
    }

    #[test]
    fn next_nonce_stops_at_a_gap_and_spend_adds_up() {
        let mut m = Mempool::default();
        m.insert(entry(0, 1, 5, 10, None));
        m.insert(entry(1, 1, 6, 20, None));
        m.insert(entry(2, 1, 8, 30, None));
        assert_eq!(m.next_nonce(1, 5), 7);
        assert_eq!(m.next_nonce(1, 4), 4, "a gap right at the state nonce");
        assert_eq!(m.pending_spend(1, 0), 63);
        assert_eq!(m.pending_spend(1, 1), 0);
        assert!(m.has_nonce(1, 8) && !m.has_nonce(1, 7));
        assert_eq!((m.len(), m.bytes(), m.account_len(1)), (3, 300, 3));
    }

    #[test]
    fn remove_undoes_insert_everywhere() {
        let mut m = Mempool::default();
        let e = entry(7, 2, 0, 1, Some(3));
        let hash = e.hash;
        m.insert(e);
        m.insert(entry(8, 2, 1, 1, Some(3)));
        assert_eq!(m.batch(3), &[7, 8]);
        assert!(m.remove(7).is_some());
        assert!(m.remove(7).is_none(), "removing twice is a no-op");
        assert!(!m.contains(&hash));
        assert_eq!(m.batch(3), &[8]);
        m.remove(8);
        assert!(m.is_empty() && m.bytes() == 0 && m.account_len(2) == 0 && m.batch(3).is_empty());
    }
}
