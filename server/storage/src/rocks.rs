//! The RocksDB backend: one column family per kind of record, big-endian integer keys (so
//! iteration is in numeric order), JSON values, every write one synced `WriteBatch`.

use crate::records::*;
use crate::{NodeStore, StorageError, SCHEMA_VERSION};
use rocksdb::{ColumnFamily, DBRecoveryMode, Direction, IteratorMode, Options, WriteBatch, WriteOptions, DB};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
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
const FAMILIES: [&str; 11] =
    [META, ACCOUNTS, ADDRESSES, BLOCKS, TXS, HISTORY, MEMPOOL, PRIORITY, PROOFS, L1_TXS, BLOCK_L1];

const KEY_CHAIN: &[u8] = b"chain";
const KEY_LAST_BLOCK: &[u8] = b"last_block";
const KEY_NEXT_SEQ: &[u8] = b"next_seq";
const KEY_NEXT_HISTORY: &[u8] = b"next_history_seq";
const KEY_NEXT_BATCH: &[u8] = b"next_batch_id";
const KEY_L1_COUNTERS: &[u8] = b"l1_counters";
const KEY_WATCHER: &[u8] = b"watcher_next_l1_block";

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

    fn put_account(&self, batch: &mut WriteBatch, a: &AccountRecord) {
        batch.put_cf(self.cf(ACCOUNTS), a.id.to_be_bytes(), encode(a));
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
            self.put_account(&mut batch, a);
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
                        self.put_account(&mut batch, a);
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
                }
                Write::Reject(records) => {
                    for t in records {
                        batch.put_cf(self.cf(TXS), t.hash.0, encode(t));
                        batch.delete_cf(self.cf(MEMPOOL), t.seq.to_be_bytes());
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
}
