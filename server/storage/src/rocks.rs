//! The RocksDB backend: one column family per kind of record, big-endian integer keys (so
//! iteration is in numeric order), JSON values, every write one synced `WriteBatch`.

use crate::records::*;
use crate::{NodeStore, StorageError, SCHEMA_VERSION};
use rocksdb::{ColumnFamily, DBRecoveryMode, Direction, IteratorMode, Options, WriteBatch, WriteOptions, DB};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
use zkpay_api_types::Event;
use zkpay_core::types::{AccountId, Address};

const META: &str = "meta";
const ACCOUNTS: &str = "accounts";
const ADDRESSES: &str = "addresses";
const BLOCKS: &str = "blocks";
const TXS: &str = "txs";
const HISTORY: &str = "history";
const MEMPOOL: &str = "mempool";
const PRIORITY: &str = "priority";
const PROOFS: &str = "proofs";
const L1_TXS: &str = "l1_txs";
const BLOCK_L1: &str = "block_l1";
/// Every account as each block left it, keyed `id ‖ block`: the account as of any block (the
/// one last committed or executed on L1) is the entry at or before it.
const ACCOUNT_VERSIONS: &str = "account_versions";
/// The event stream, keyed by event id.
const EVENTS: &str = "events";
/// Webhook endpoints by id.
const WEBHOOKS: &str = "webhooks";
/// Webhook deliveries, keyed `endpoint ‖ event`.
const DELIVERIES: &str = "deliveries";
/// Priority ops by the L1 transaction that queued them: `hash ‖ serial` → nothing.
const PRIORITY_BY_L1_TX: &str = "priority_by_l1_tx";
/// Submissions made with an `Idempotency-Key`, by key.
const IDEMPOTENCY: &str = "idempotency";
const FAMILIES: [&str; 17] = [
    META,
    ACCOUNTS,
    ADDRESSES,
    BLOCKS,
    TXS,
    HISTORY,
    MEMPOOL,
    PRIORITY,
    PROOFS,
    L1_TXS,
    BLOCK_L1,
    ACCOUNT_VERSIONS,
    EVENTS,
    WEBHOOKS,
    DELIVERIES,
    PRIORITY_BY_L1_TX,
    IDEMPOTENCY,
];

const KEY_CHAIN: &[u8] = b"chain";
const KEY_LAST_BLOCK: &[u8] = b"last_block";
const KEY_NEXT_SEQ: &[u8] = b"next_seq";
const KEY_NEXT_HISTORY: &[u8] = b"next_history_seq";
const KEY_NEXT_BATCH: &[u8] = b"next_batch_id";
const KEY_L1_COUNTERS: &[u8] = b"l1_counters";
const KEY_WATCHER: &[u8] = b"watcher_next_l1_block";
const KEY_EXODUS: &[u8] = b"exodus";

/// The node's RocksDB store.
pub struct RocksStore {
    db: DB,
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // The records are plain data with string/number fields: serialization cannot fail.
    serde_json::to_vec(v).expect("records serialize")
}

fn decode<T: DeserializeOwned>(cf: &'static str, key: &[u8], bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(|e| corrupt(cf, key, e.to_string()))
}

fn corrupt(cf: &'static str, key: &[u8], reason: String) -> StorageError {
    StorageError::Corrupt { cf, key: hex::encode(key), reason }
}

fn u64_value(cf: &'static str, key: &[u8], bytes: &[u8]) -> Result<u64, StorageError> {
    let b: [u8; 8] = bytes.try_into().map_err(|_| corrupt(cf, key, format!("{} bytes, not 8", bytes.len())))?;
    Ok(u64::from_be_bytes(b))
}

fn history_key(account: AccountId, seq: u64) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&account.to_be_bytes());
    k[4..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn l1_tx_key(hash: &[u8; 32], serial: u64) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..32].copy_from_slice(hash);
    k[32..].copy_from_slice(&serial.to_be_bytes());
    k
}

fn delivery_key(endpoint: u64, event: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&endpoint.to_be_bytes());
    k[8..].copy_from_slice(&event.to_be_bytes());
    k
}

fn version_key(account: AccountId, block: u32) -> [u8; 8] {
    let mut k = [0u8; 8];
    k[..4].copy_from_slice(&account.to_be_bytes());
    k[4..].copy_from_slice(&block.to_be_bytes());
    k
}

impl RocksStore {
    /// Open (or create) the store at `path`. Crash safety: write-ahead log on, point-in-time WAL
    /// recovery, paranoid checks, every write synced.
    pub fn open(path: &Path) -> Result<RocksStore, StorageError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_paranoid_checks(true);
        opts.set_wal_recovery_mode(DBRecoveryMode::PointInTime);
        opts.set_track_and_verify_wals_in_manifest(true);
        opts.increase_parallelism(2);
        let db = DB::open_cf(&opts, path, FAMILIES)?;
        Ok(RocksStore { db })
    }

    fn cf(&self, name: &str) -> &ColumnFamily {
        // Every family in FAMILIES is created on open.
        self.db.cf_handle(name).expect("column family exists")
    }

    fn get_json<T: DeserializeOwned>(&self, cf: &'static str, key: &[u8]) -> Result<Option<T>, StorageError> {
        match self.db.get_pinned_cf(self.cf(cf), key)? {
            Some(v) => decode(cf, key, &v).map(Some),
            None => Ok(None),
        }
    }

    fn get_u64(&self, key: &[u8]) -> Result<u64, StorageError> {
        match self.db.get_pinned_cf(self.cf(META), key)? {
            Some(v) => u64_value(META, key, &v),
            None => Ok(0),
        }
    }

    fn scan<T: DeserializeOwned>(&self, cf: &'static str) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(cf), IteratorMode::Start) {
            let (k, v) = item?;
            out.push(decode(cf, &k, &v)?);
        }
        Ok(out)
    }

    fn synced(&self, batch: WriteBatch) -> Result<(), StorageError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(batch, &opts)?;
        Ok(())
    }

    /// The account as block `block` left it (0: genesis).
    fn put_account(&self, batch: &mut WriteBatch, a: &AccountRecord, block: u32) {
        let bytes = encode(a);
        batch.put_cf(self.cf(ACCOUNT_VERSIONS), version_key(a.id, block), &bytes);
        batch.put_cf(self.cf(ACCOUNTS), a.id.to_be_bytes(), bytes);
        batch.put_cf(self.cf(ADDRESSES), a.address.0, a.id.to_be_bytes());
    }
}

impl NodeStore for RocksStore {
    fn meta(&self) -> Result<Option<ChainMeta>, StorageError> {
        let meta: Option<ChainMeta> = self.get_json(META, KEY_CHAIN)?;
        if let Some(m) = &meta {
            if m.schema_version != SCHEMA_VERSION {
                return Err(StorageError::SchemaVersion { found: m.schema_version, expected: SCHEMA_VERSION });
            }
        }
        Ok(meta)
    }

    fn init(&self, meta: &ChainMeta, genesis: &[AccountRecord]) -> Result<(), StorageError> {
        if let Some(existing) = self.meta()? {
            return Err(StorageError::WrongDeployment(format!("already initialised for {existing:?}")));
        }
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(META), KEY_CHAIN, encode(meta));
        batch.put_cf(self.cf(META), KEY_LAST_BLOCK, 0u64.to_be_bytes());
        for a in genesis {
            self.put_account(&mut batch, a, 0);
        }
        self.synced(batch)
    }

    fn load(&self) -> Result<Loaded, StorageError> {
        let meta = self.meta()?.ok_or_else(|| StorageError::WrongDeployment("the store is not initialised".into()))?;
        let last = self.last_block()?;
        let last_block = if last == 0 {
            None
        } else {
            Some(self.block(last)?.ok_or_else(|| corrupt(BLOCKS, &last.to_be_bytes(), "last block missing".into()))?)
        };
        let priority: Vec<PriorityRecord> = self.scan(PRIORITY)?;
        let next_priority_serial = priority.last().map(|p| p.op.serial_id + 1).unwrap_or(0);
        let pending_priority = priority.into_iter().filter(|p| p.status == PriorityStatus::Pending).collect();
        Ok(Loaded {
            accounts: self.scan(ACCOUNTS)?,
            last_block,
            mempool: self.scan(MEMPOOL)?,
            pending_priority,
            next_priority_serial,
            next_seq: self.get_u64(KEY_NEXT_SEQ)?,
            next_history_seq: self.get_u64(KEY_NEXT_HISTORY)?,
            next_batch_id: self.get_u64(KEY_NEXT_BATCH)?,
            meta,
        })
    }

    fn write(&self, writes: &[Write]) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        let (mut next_seq, mut next_history, mut next_batch) = (None, None, None);
        for w in writes {
            match w {
                Write::Accept(entries) => {
                    for e in entries {
                        let record = TxRecord {
                            hash: e.hash,
                            tx: e.tx.clone(),
                            status: zkpay_api_types::TxStatus::Queued,
                            block: None,
                            rejection: None,
                            batch_id: e.batch_id,
                            received_at: e.received_at,
                            seq: e.seq,
                        };
                        batch.put_cf(self.cf(TXS), e.hash.0, encode(&record));
                        batch.put_cf(self.cf(MEMPOOL), e.seq.to_be_bytes(), encode(e));
                        next_seq = Some(e.seq + 1);
                        if let Some(b) = e.batch_id {
                            next_batch = Some(b + 1);
                        }
                    }
                }
                Write::Seal(sealed) => {
                    let b = &sealed.block;
                    batch.put_cf(self.cf(BLOCKS), b.number.to_be_bytes(), encode(b));
                    for a in &sealed.accounts {
                        self.put_account(&mut batch, a, b.number);
                    }
                    for t in sealed.included.iter().chain(&sealed.rejected) {
                        batch.put_cf(self.cf(TXS), t.hash.0, encode(t));
                        batch.delete_cf(self.cf(MEMPOOL), t.seq.to_be_bytes());
                    }
                    for p in &sealed.priority {
                        batch.put_cf(self.cf(PRIORITY), p.op.serial_id.to_be_bytes(), encode(p));
                    }
                    for (account, seq, hash) in &sealed.history {
                        batch.put_cf(self.cf(HISTORY), history_key(*account, *seq), hash);
                        next_history = Some(next_history.unwrap_or(0).max(seq + 1));
                    }
                    batch.put_cf(self.cf(META), KEY_LAST_BLOCK, u64::from(b.number).to_be_bytes());
                }
                Write::Priority(p) => {
                    batch.put_cf(self.cf(PRIORITY), p.op.serial_id.to_be_bytes(), encode(p));
                    batch.put_cf(self.cf(PRIORITY_BY_L1_TX), l1_tx_key(&p.l1_tx_hash.0, p.op.serial_id), []);
                }
                Write::Reject(records) => {
                    for t in records {
                        batch.put_cf(self.cf(TXS), t.hash.0, encode(t));
                        batch.delete_cf(self.cf(MEMPOOL), t.seq.to_be_bytes());
                    }
                }
                Write::Exodus => batch.put_cf(self.cf(META), KEY_EXODUS, [1u8]),
                Write::Idempotency(r) => batch.put_cf(self.cf(IDEMPOTENCY), r.key.as_bytes(), encode(r)),
                Write::Webhook(w) => batch.put_cf(self.cf(WEBHOOKS), w.id.to_be_bytes(), encode(w)),
                Write::WebhookRemoved(id) => {
                    batch.delete_cf(self.cf(WEBHOOKS), id.to_be_bytes());
                    batch.delete_range_cf(
                        self.cf(DELIVERIES),
                        delivery_key(*id, 0),
                        delivery_key(id.saturating_add(1), 0),
                    );
                }
                Write::Delivery(d) => batch.put_cf(self.cf(DELIVERIES), delivery_key(d.endpoint, d.event), encode(d)),
                Write::Events(events) => {
                    for e in events {
                        batch.put_cf(self.cf(EVENTS), e.id.to_be_bytes(), encode(e));
                    }
                }
                Write::Proof(p) => batch.put_cf(self.cf(PROOFS), p.block.to_be_bytes(), encode(p)),
                Write::L1Tx(t) => batch.put_cf(self.cf(L1_TXS), t.nonce.to_be_bytes(), encode(t)),
                Write::L1Progress { counters, blocks } => {
                    batch.put_cf(self.cf(META), KEY_L1_COUNTERS, encode(counters));
                    for b in blocks {
                        batch.put_cf(self.cf(BLOCK_L1), b.number.to_be_bytes(), encode(b));
                    }
                }
                Write::WatcherProgress(n) => batch.put_cf(self.cf(META), KEY_WATCHER, n.to_be_bytes()),
            }
        }
        if let Some(n) = next_seq {
            batch.put_cf(self.cf(META), KEY_NEXT_SEQ, n.to_be_bytes());
        }
        if let Some(n) = next_history {
            batch.put_cf(self.cf(META), KEY_NEXT_HISTORY, n.to_be_bytes());
        }
        if let Some(n) = next_batch {
            batch.put_cf(self.cf(META), KEY_NEXT_BATCH, n.to_be_bytes());
        }
        self.synced(batch)
    }

    fn tx(&self, hash: &[u8; 32]) -> Result<Option<TxRecord>, StorageError> {
        self.get_json(TXS, hash)
    }

    fn block(&self, number: u32) -> Result<Option<BlockRecord>, StorageError> {
        self.get_json(BLOCKS, &number.to_be_bytes())
    }

    fn account(&self, id: AccountId) -> Result<Option<AccountRecord>, StorageError> {
        self.get_json(ACCOUNTS, &id.to_be_bytes())
    }

    fn account_at(&self, id: AccountId, block: u32) -> Result<Option<AccountRecord>, StorageError> {
        let key = version_key(id, block);
        let mut it = self.db.iterator_cf(self.cf(ACCOUNT_VERSIONS), IteratorMode::From(&key, Direction::Reverse));
        match it.next() {
            Some(item) => {
                let (k, v) = item?;
                if k.len() == 8 && k[..4] == id.to_be_bytes() {
                    Ok(Some(decode(ACCOUNT_VERSIONS, &k, &v)?))
                } else {
                    Ok(None) // another account's: this one did not exist yet
                }
            }
            None => Ok(None),
        }
    }

    fn account_id(&self, address: &Address) -> Result<Option<AccountId>, StorageError> {
        match self.db.get_pinned_cf(self.cf(ADDRESSES), address.0)? {
            Some(v) => {
                let b: [u8; 4] =
                    v.as_ref().try_into().map_err(|_| corrupt(ADDRESSES, &address.0, "id is not 4 bytes".into()))?;
                Ok(Some(AccountId::from_be_bytes(b)))
            }
            None => Ok(None),
        }
    }

    fn priority_op(&self, serial: u64) -> Result<Option<PriorityRecord>, StorageError> {
        self.get_json(PRIORITY, &serial.to_be_bytes())
    }

    fn history(
        &self,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, [u8; 32])>, StorageError> {
        let start = history_key(account, before.map(|b| b.saturating_sub(1)).unwrap_or(u64::MAX));
        let mut out = Vec::new();
        if before == Some(0) {
            return Ok(out);
        }
        for item in self.db.iterator_cf(self.cf(HISTORY), IteratorMode::From(&start, Direction::Reverse)) {
            let (k, v) = item?;
            if k.len() != 12 || k[..4] != account.to_be_bytes() || out.len() == limit {
                break;
            }
            let seq = u64_value(HISTORY, &k, &k[4..])?;
            let hash: [u8; 32] =
                v.as_ref().try_into().map_err(|_| corrupt(HISTORY, &k, "hash is not 32 bytes".into()))?;
            out.push((seq, hash));
        }
        Ok(out)
    }

    fn proofs_from(&self, from: u32) -> Result<Vec<ProofRecord>, StorageError> {
        let start = from.to_be_bytes();
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(PROOFS), IteratorMode::From(&start, Direction::Forward)) {
            let (k, v) = item?;
            out.push(decode(PROOFS, &k, &v)?);
        }
        Ok(out)
    }

    fn last_l1_tx(&self) -> Result<Option<L1TxRecord>, StorageError> {
        match self.db.iterator_cf(self.cf(L1_TXS), IteratorMode::End).next() {
            Some(item) => {
                let (k, v) = item?;
                decode(L1_TXS, &k, &v).map(Some)
            }
            None => Ok(None),
        }
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StorageError> {
        let start = after.saturating_add(1).to_be_bytes();
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(EVENTS), IteratorMode::From(&start, Direction::Forward)).take(limit) {
            let (k, v) = item?;
            out.push(decode(EVENTS, &k, &v)?);
        }
        Ok(out)
    }

    fn priority_ops_of_l1_tx(&self, hash: &[u8; 32]) -> Result<Vec<u64>, StorageError> {
        let start = l1_tx_key(hash, 0);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(PRIORITY_BY_L1_TX), IteratorMode::From(&start, Direction::Forward)) {
            let (k, _) = item?;
            if k.len() != 40 || k[..32] != hash[..] {
                break;
            }
            let serial: [u8; 8] = k[32..].try_into().map_err(|_| corrupt(PRIORITY_BY_L1_TX, &k, "key".into()))?;
            out.push(u64::from_be_bytes(serial));
        }
        Ok(out)
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
        self.get_json(IDEMPOTENCY, key.as_bytes())
    }

    fn webhooks(&self) -> Result<Vec<WebhookRecord>, StorageError> {
        self.scan(WEBHOOKS)
    }

    fn delivery(&self, endpoint: u64, event: u64) -> Result<Option<DeliveryRecord>, StorageError> {
        self.get_json(DELIVERIES, &delivery_key(endpoint, event))
    }

    fn deliveries(&self, endpoint: u64, after_event: u64, limit: usize) -> Result<Vec<DeliveryRecord>, StorageError> {
        let start = delivery_key(endpoint, after_event.saturating_add(1));
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(DELIVERIES), IteratorMode::From(&start, Direction::Forward)) {
            let (k, v) = item?;
            if out.len() == limit || k.len() != 16 || k[..8] != endpoint.to_be_bytes() {
                break;
            }
            out.push(decode(DELIVERIES, &k, &v)?);
        }
        Ok(out)
    }

    fn pending_deliveries(&self) -> Result<Vec<DeliveryRecord>, StorageError> {
        let all: Vec<DeliveryRecord> = self.scan(DELIVERIES)?;
        Ok(all.into_iter().filter(|d| d.state == zkpay_api_types::DeliveryState::Pending).collect())
    }

    fn exodus(&self) -> Result<bool, StorageError> {
        Ok(self.db.get_pinned_cf(self.cf(META), KEY_EXODUS)?.is_some())
    }

    fn last_event_id(&self) -> Result<u64, StorageError> {
        match self.db.iterator_cf(self.cf(EVENTS), IteratorMode::End).next() {
            Some(item) => {
                let (k, _) = item?;
                let id: [u8; 8] =
                    k.as_ref().try_into().map_err(|_| corrupt(EVENTS, &k, "the key is not 8 bytes".into()))?;
                Ok(u64::from_be_bytes(id))
            }
            None => Ok(0),
        }
    }

    fn block_l1(&self, number: u32) -> Result<Option<BlockL1Record>, StorageError> {
        self.get_json(BLOCK_L1, &number.to_be_bytes())
    }

    fn l1_counters(&self) -> Result<L1Counters, StorageError> {
        Ok(self.get_json(META, KEY_L1_COUNTERS)?.unwrap_or_default())
    }

    fn watcher_progress(&self) -> Result<Option<u64>, StorageError> {
        match self.db.get_pinned_cf(self.cf(META), KEY_WATCHER)? {
            Some(v) => u64_value(META, KEY_WATCHER, &v).map(Some),
            None => Ok(None),
        }
    }

    fn last_block(&self) -> Result<u32, StorageError> {
        let n = self.get_u64(KEY_LAST_BLOCK)?;
        u32::try_from(n).map_err(|_| corrupt(META, KEY_LAST_BLOCK, format!("block number {n} out of range")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l1_tx(nonce: u64, state: L1TxState) -> L1TxRecord {
        L1TxRecord {
            nonce,
            kind: L1TxKind::Commit,
            first_block: 1,
            last_block: 2,
            gas_limit: 100_000,
            calldata: vec![1, 2, 3],
            attempts: vec![L1Attempt {
                hash: HexHash([nonce as u8; 32]),
                max_fee_per_gas: 2_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                raw: vec![0x02, 0xf8],
                sent_at: 5,
            }],
            state,
        }
    }

    fn proof(block: u32) -> ProofRecord {
        ProofRecord { block, chunks: 8, proof: vec![HexHash([block as u8; 32]); 8], worker: "w".into(), proven_at: 1 }
    }

    #[test]
    fn pipeline_records_survive_a_reopen_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = RocksStore::open(dir.path()).unwrap();
            assert_eq!(store.last_l1_tx().unwrap(), None);
            assert_eq!(store.watcher_progress().unwrap(), None);
            assert_eq!(store.l1_counters().unwrap(), L1Counters::default());
            store
                .write(&[
                    Write::Proof(proof(3)),
                    Write::Proof(proof(1)),
                    Write::Proof(proof(2)),
                    Write::L1Tx(l1_tx(7, L1TxState::Mined { hash: HexHash([7; 32]), l1_block: 9 })),
                    Write::L1Tx(l1_tx(8, L1TxState::Pending)),
                    Write::WatcherProgress(42),
                    Write::L1Progress {
                        counters: L1Counters { committed: 3, proven: 2, executed: 1 },
                        blocks: vec![BlockL1Record {
                            number: 2,
                            commit_tx: Some(HexHash([7; 32])),
                            ..Default::default()
                        }],
                    },
                ])
                .unwrap();
        }
        let store = RocksStore::open(dir.path()).unwrap();
        let blocks: Vec<u32> = store.proofs_from(2).unwrap().iter().map(|p| p.block).collect();
        assert_eq!(blocks, [2, 3], "proofs from block 2, in block order");
        assert_eq!(store.proofs_from(1).unwrap()[0], proof(1));
        assert_eq!(store.last_l1_tx().unwrap(), Some(l1_tx(8, L1TxState::Pending)), "the highest nonce");
        assert_eq!(store.watcher_progress().unwrap(), Some(42));
        assert_eq!(store.l1_counters().unwrap(), L1Counters { committed: 3, proven: 2, executed: 1 });
        assert_eq!(store.block_l1(2).unwrap().unwrap().commit_tx, Some(HexHash([7; 32])));
        assert_eq!(store.block_l1(1).unwrap(), None);
        // A record changed under the same nonce replaces it.
        store.write(&[Write::L1Tx(l1_tx(8, L1TxState::Failed { hash: None, reason: "x".into() }))]).unwrap();
        assert!(matches!(store.last_l1_tx().unwrap().unwrap().state, L1TxState::Failed { .. }));
    }

    fn account(id: AccountId, nonce: u32, eth: u128) -> AccountRecord {
        AccountRecord {
            id,
            nonce,
            pub_key_hash: zkpay_core::types::PubKeyHash([0; 20]),
            address: Address([id as u8 + 1; 20]),
            balances: vec![Balance { token: 0, amount: eth }],
        }
    }

    fn seal(number: u32, accounts: Vec<AccountRecord>) -> Write {
        let block = BlockRecord {
            number,
            chunks: 8,
            timestamp: 1,
            fee_account: 0,
            old_root: [0; 32],
            new_root: [0; 32],
            commitment: [0; 32],
            pubdata: vec![],
            txs: vec![],
            priority_ops: vec![],
        };
        Write::Seal(Box::new(SealedBlock {
            block,
            accounts,
            included: vec![],
            rejected: vec![],
            priority: vec![],
            history: vec![],
        }))
    }

    #[test]
    fn an_account_reads_back_as_each_block_left_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = RocksStore::open(dir.path()).unwrap();
        let meta = ChainMeta {
            schema_version: SCHEMA_VERSION,
            chain_id: 1,
            rollup: Address([9; 20]),
            operator: Address([1; 20]),
            genesis_root: [0; 32],
            tokens: vec![],
        };
        store.init(&meta, &[account(0, 0, 0)]).unwrap();
        // Account 1 appears in block 2 and changes in block 4; account 2 appears in block 3.
        store.write(&[seal(1, vec![account(0, 0, 5)])]).unwrap();
        store.write(&[seal(2, vec![account(1, 0, 100)])]).unwrap();
        store.write(&[seal(3, vec![account(2, 0, 7)])]).unwrap();
        store.write(&[seal(4, vec![account(1, 1, 60)])]).unwrap();
        assert_eq!(store.account_at(1, 0).unwrap(), None, "not yet created at genesis");
        assert_eq!(store.account_at(1, 1).unwrap(), None, "not yet created in block 1");
        assert_eq!(store.account_at(1, 2).unwrap(), Some(account(1, 0, 100)));
        assert_eq!(store.account_at(1, 3).unwrap(), Some(account(1, 0, 100)), "unchanged by block 3");
        assert_eq!(store.account_at(1, 4).unwrap(), Some(account(1, 1, 60)));
        assert_eq!(store.account_at(1, 99).unwrap(), store.account(1).unwrap(), "the latest is the current one");
        assert_eq!(store.account_at(0, 0).unwrap(), Some(account(0, 0, 0)), "genesis");
        assert_eq!(store.account_at(0, 3).unwrap(), Some(account(0, 0, 5)));
        assert_eq!(store.account_at(2, 2).unwrap(), None, "not account 1's version");
        assert_eq!(store.account_at(7, 4).unwrap(), None, "never existed");
    }
}
