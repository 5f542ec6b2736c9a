//! The event log: what each storage write tells of, as [`Event`]s with the next ids. The writer
//! derives them from a group of writes and stores them in the same synced batch, so an event is
//! on disk exactly when its change is — a crash can lose neither one without the other — and
//! ids never skip or repeat. Reads happen only for L1 progress (the txs of a committed block).

use crate::service::{hex32, tx_info};
use std::collections::HashMap;
use zkpay_api_types::{BlockEvent, BlockStatus, Event, EventType, L1Txs, PriorityOpInfo, TxStatus};
use zkpay_core::tx::{L2Tx, PriorityOpData};
use zkpay_core::types::{AccountId, Address};
use zkpay_storage::{
    AccountRecord, BlockL1Record, L1Counters, NodeStore, PriorityRecord, PriorityStatus, SealedBlock, StorageError,
    TxRecord, Write,
};

/// The ids and L1 counters the next events follow on from.
pub struct EventLog {
    next_id: u64,
    counters: L1Counters,
}

impl EventLog {
    /// Go on from what `store` holds.
    pub fn open<S: NodeStore>(store: &S) -> Result<EventLog, StorageError> {
        Ok(EventLog { next_id: store.last_event_id()? + 1, counters: store.l1_counters()? })
    }

    /// The events of `writes` (about to be stored, in this order), stamped `now` (unix ms).
    pub fn derive<S: NodeStore>(&mut self, store: &S, writes: &[Write], now: u64) -> Result<Vec<Event>, StorageError> {
        let mut out = Vec::new();
        for w in writes {
            match w {
                Write::Seal(sealed) => self.sealed(sealed, &mut out),
                Write::Reject(records) => {
                    for r in records {
                        let addresses = tx_addresses(&r.tx, |id| account_address(store, id));
                        out.push((
                            EventType::TxRejected,
                            addresses,
                            Body::Tx(r.clone(), TxStatus::Rejected, L1Txs::default()),
                        ));
                    }
                }
                Write::Priority(p) => {
                    let t = if is_deposit(p) { EventType::DepositReceived } else { EventType::FullExitReceived };
                    out.push((t, priority_addresses(p), Body::Priority(p.clone(), TxStatus::Queued, None)));
                }
                Write::L1Progress { counters, blocks } => self.progress(store, *counters, blocks, &mut out)?,
                Write::Exodus => out.push((EventType::NetworkExodus, vec![], Body::None)),
                _ => {}
            }
        }
        Ok(out.into_iter().map(|(t, addresses, body)| self.stamp(t, addresses, body, now)).collect())
    }

    fn stamp(&mut self, event_type: EventType, addresses: Vec<Address>, body: Body, now: u64) -> Event {
        let id = self.next_id;
        self.next_id += 1;
        let mut e = Event { id, event_type, created_at: now, addresses, tx: None, block: None, priority_op: None };
        match body {
            Body::Tx(r, status, l1) => e.tx = Some(tx_info(r, status, l1)),
            Body::Priority(p, status, l1) => e.priority_op = Some(priority_info(p, status, l1.unwrap_or_default())),
            Body::Block(b) => e.block = Some(b),
            Body::None => {}
        }
        e
    }

    fn sealed(&self, sealed: &SealedBlock, out: &mut Vec<Pending>) {
        let by_id: HashMap<AccountId, &AccountRecord> = sealed.accounts.iter().map(|a| (a.id, a)).collect();
        let address = |id: AccountId| by_id.get(&id).map(|a| a.address);
        for r in &sealed.included {
            out.push((
                EventType::TxIncluded,
                tx_addresses(&r.tx, address),
                Body::Tx(r.clone(), TxStatus::Included, L1Txs::default()),
            ));
        }
        for r in &sealed.rejected {
            out.push((
                EventType::TxRejected,
                tx_addresses(&r.tx, address),
                Body::Tx(r.clone(), TxStatus::Rejected, L1Txs::default()),
            ));
        }
        for p in &sealed.priority {
            let t = EventType::priority_stage(BlockStatus::Sealed, is_deposit(p));
            out.push((t, priority_addresses(p), Body::Priority(p.clone(), TxStatus::Included, None)));
        }
        let b = &sealed.block;
        out.push((
            EventType::BlockSealed,
            vec![],
            Body::Block(BlockEvent {
                number: b.number,
                status: BlockStatus::Sealed,
                txs: b.txs.len(),
                priority_ops: b.priority_ops.len(),
                l1: L1Txs::default(),
            }),
        ));
    }

    /// Blocks that L1 moved on: committed, then proven, then executed, each in block order.
    fn progress<S: NodeStore>(
        &mut self,
        store: &S,
        counters: L1Counters,
        changed: &[BlockL1Record],
        out: &mut Vec<Pending>,
    ) -> Result<(), StorageError> {
        let old = self.counters;
        self.counters = counters;
        let stages = [
            (BlockStatus::Committed, old.committed, counters.committed),
            (BlockStatus::Proven, old.proven, counters.proven),
            (BlockStatus::Finalized, old.executed, counters.executed),
        ];
        for (status, from, to) in stages {
            for n in from.saturating_add(1)..=to {
                let Some(block) = store.block(n)? else { continue };
                let l1 = match changed.iter().find(|b| b.number == n) {
                    Some(b) => l1_txs(b),
                    None => store.block_l1(n)?.map(|b| l1_txs(&b)).unwrap_or_default(),
                };
                for h in &block.txs {
                    if let Some(r) = store.tx(&h.0)? {
                        let addresses = tx_addresses(&r.tx, |id| account_address(store, id));
                        out.push((
                            EventType::tx_stage(status),
                            addresses,
                            Body::Tx(r, TxStatus::of_block(status), l1.clone()),
                        ));
                    }
                }
                for serial in &block.priority_ops {
                    if let Some(p) = store.priority_op(*serial)? {
                        let t = EventType::priority_stage(status, is_deposit(&p));
                        let addresses = priority_addresses(&p);
                        out.push((t, addresses, Body::Priority(p, TxStatus::of_block(status), Some(l1.clone()))));
                    }
                }
                out.push((
                    EventType::block_stage(status),
                    vec![],
                    Body::Block(BlockEvent {
                        number: n,
                        status,
                        txs: block.txs.len(),
                        priority_ops: block.priority_ops.len(),
                        l1,
                    }),
                ));
            }
        }
        Ok(())
    }
}

/// An event before its id.
type Pending = (EventType, Vec<Address>, Body);

enum Body {
    Tx(TxRecord, TxStatus, L1Txs),
    Priority(PriorityRecord, TxStatus, Option<L1Txs>),
    Block(BlockEvent),
    None,
}

fn l1_txs(b: &BlockL1Record) -> L1Txs {
    L1Txs {
        commit_tx_hash: b.commit_tx.map(|h| hex32(&h.0)),
        prove_tx_hash: b.prove_tx.map(|h| hex32(&h.0)),
        execute_tx_hash: b.execute_tx.map(|h| hex32(&h.0)),
    }
}

fn account_address<S: NodeStore>(store: &S, id: AccountId) -> Option<Address> {
    store.account(id).ok().flatten().map(|a| a.address)
}

/// The accounts a tx concerns: its signer, and the recipient or target.
fn tx_addresses(tx: &L2Tx, address_of: impl Fn(AccountId) -> Option<Address>) -> Vec<Address> {
    let (signer, other) = match tx {
        L2Tx::Transfer(t) => (address_of(t.account_id), Some(t.to)),
        L2Tx::Withdraw(w) => (address_of(w.account_id), Some(w.to)),
        L2Tx::ChangePubKey(c) => (Some(c.account), None),
        L2Tx::ForcedExit(f) => (address_of(f.initiator_account_id), Some(f.target)),
    };
    let mut out: Vec<Address> = signer.into_iter().chain(other).collect();
    out.dedup();
    out
}

fn is_deposit(p: &PriorityRecord) -> bool {
    matches!(p.op.data, PriorityOpData::Deposit(_))
}

fn priority_addresses(p: &PriorityRecord) -> Vec<Address> {
    let mut out = match &p.op.data {
        PriorityOpData::Deposit(d) => vec![d.to, d.from],
        PriorityOpData::FullExit(f) => vec![f.owner],
    };
    out.dedup();
    out
}

/// The wire form of a priority op at a status.
pub fn priority_info(p: PriorityRecord, status: TxStatus, l1: L1Txs) -> PriorityOpInfo {
    let block = match p.status {
        PriorityStatus::Pending => None,
        PriorityStatus::Included { block } => Some(block),
    };
    PriorityOpInfo { op: p.op, l1_tx_hash: hex32(&p.l1_tx_hash.0), log_index: p.log_index, status, block, l1 }
}
