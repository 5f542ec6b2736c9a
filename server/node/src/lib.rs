//! zkpay-node: the long-running node — the durable mempool, the sequencer that seals blocks, the
//! storage writer, and the HTTP API, as tasks under one supervisor. `Node::spawn(config)` starts
//! it and returns a [`NodeHandle`]; `zkpay node`, the tests and (later) `zkpay dev` use it.
//!
//! Tasks (see `server/README.md` for the diagram):
//! - the **HTTP API** (actix-web workers): parses requests, verifies signatures on the blocking
//!   pool, and sends admissions to the sequencer through a bounded channel (full: 503);
//! - the **sequencer** (one thread, the only owner of the state and the mempool): admission rules,
//!   priority ops in serial order, sealing by size or timeout;
//! - the **storage writer** (one thread): writes in order, each group in one synced RocksDB
//!   batch, then answers the requests that waited for it.
//!
//! Every task is critical: a failure cancels the node's token, and the node stops — the API
//! first, then the sequencer, then the writer after its last write.

pub mod config;
pub mod events;
pub mod l1_task;
pub mod mempool;
pub mod prover_pool;
pub mod rules;
pub mod sender;
pub mod sequencer;
pub mod service;
pub mod shared;
pub mod tokens;
pub mod watcher;
pub mod webhooks;
pub mod witness;
pub mod writer;

pub use config::NodeConfig;

use mempool::Entry;
use sequencer::{SealPolicy, Sequencer, SequencerStart};
use service::NodeService;
use shared::Shared;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use zkpay_api::ApiLimits;
use zkpay_core::account_tree::AccountFields;
use zkpay_core::field::{fr_to_be_bytes, fr_to_hex};
use zkpay_core::state::{State, UpdateMode, VerifiedTx};
use zkpay_core::tx::Domain;
use zkpay_storage::{AccountRecord, Balance, ChainMeta, NodeStore, RocksStore, StorageError, SCHEMA_VERSION};

/// Why the node could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The configuration is not usable.
    #[error("configuration: {0}")]
    Config(String),
    /// No keys for the block sizes.
    #[error("keys: {0}")]
    Keys(#[from] zkpay_prover::KeyStoreError),
    /// The store.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The state rebuilt from storage does not have the root of the last sealed block.
    #[error("the state rebuilt from storage has root {rebuilt}, but block {block} sealed {stored}: the store is inconsistent")]
    RootMismatch {
        /// Last block.
        block: u32,
        /// Its stored root.
        stored: String,
        /// The rebuilt root.
        rebuilt: String,
    },
    /// The state could not be rebuilt.
    #[error("rebuilding the state: {0}")]
    State(#[from] zkpay_core::state::ApplyError),
    /// The HTTP server.
    #[error("HTTP server on {addr}: {source}")]
    Http {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// A task panicked or failed.
    #[error("task {0} failed")]
    Task(&'static str),
}

/// The running node.
pub struct NodeHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: actix_web::dev::ServerHandle,
    server_task: tokio::task::JoinHandle<std::io::Result<()>>,
    sequencer: std::thread::JoinHandle<()>,
    writer: std::thread::JoinHandle<Result<(), StorageError>>,
    pipeline: Option<Pipeline>,
    webhooks: tokio::task::JoinHandle<()>,
}

/// The L1 pipeline's tasks: stopped before the writer, which then finishes their writes.
struct Pipeline {
    pool: Arc<prover_pool::ProverPool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The witness builder: it reads the store, so it is joined before the node returns.
    witness: std::thread::JoinHandle<()>,
    /// In-process proving workers (they hold no store handle).
    workers: Vec<std::thread::JoinHandle<()>>,
}

/// The node.
pub struct Node;

/// Wall-clock unix milliseconds (0 on a clock before 1970).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn genesis_state(config: &NodeConfig) -> Result<State, NodeError> {
    let mut state = State::genesis(config.chain.operator)?;
    for t in &config.chain.tokens {
        state.register_token(*t)?;
    }
    Ok(state)
}

fn record_of(id: u32, fields: &AccountFields, balances: Vec<(u16, u128)>) -> AccountRecord {
    AccountRecord {
        id,
        nonce: fields.nonce,
        pub_key_hash: fields.pubkey_hash,
        address: fields.address,
        balances: balances.into_iter().map(|(token, amount)| Balance { token, amount }).collect(),
    }
}

impl Node {
    /// Start the node: open (or initialise) the store, rebuild the state and the mempool from it
    /// (refusing a store of another deployment or schema, or whose state does not have the last
    /// block's root), and start the tasks. Must be called inside a tokio runtime.
    pub async fn spawn(config: NodeConfig) -> Result<NodeHandle, NodeError> {
        let fee_per_chunk = config.fees.parsed().map_err(NodeError::Config)?;
        let keys = zkpay_prover::KeyStore::new(&config.blocks.keys_dir, &config.prover.cache_dir);
        let with_keys = keys.block_sizes()?;
        let sizes = if config.blocks.sizes.is_empty() {
            with_keys
        } else {
            let mut s = config.blocks.sizes.clone();
            s.sort_unstable();
            s.dedup();
            if let Some(missing) = s.iter().find(|n| !with_keys.contains(n)) {
                return Err(NodeError::Config(format!(
                    "block size {missing} has no verification key in {} (sizes with keys: {with_keys:?})",
                    config.blocks.keys_dir.display()
                )));
            }
            s
        };
        let domain = Domain { chain_id: config.chain.chain_id, rollup: config.chain.rollup };

        let store = {
            let dir = config.data_dir.clone();
            tokio::task::spawn_blocking(move || RocksStore::open(&dir))
                .await
                .map_err(|_| NodeError::Task("open store"))??
        };
        let store = Arc::new(store);
        let mut genesis = genesis_state(&config)?;
        let genesis_root = fr_to_be_bytes(&genesis.root());
        let mut tokens = config.chain.tokens.clone();
        tokens.sort_unstable();
        tokens.dedup();
        let meta = ChainMeta {
            schema_version: SCHEMA_VERSION,
            chain_id: domain.chain_id,
            rollup: domain.rollup,
            operator: config.chain.operator,
            genesis_root,
            tokens: tokens.clone(),
        };
        match store.meta()? {
            None => {
                let accounts: Vec<AccountRecord> =
                    genesis.tree().iter().map(|(id, a)| record_of(id, &a.fields, a.balances())).collect();
                store.init(&meta, &accounts)?;
                tracing::info!(data_dir = %config.data_dir.display(), "initialised a new store");
            }
            Some(found) if found != meta => {
                return Err(StorageError::WrongDeployment(format!(
                    "the store in {} is for chain {} rollup {} operator {} tokens {:?}; the configuration says chain {} rollup {} operator {} tokens {:?}",
                    config.data_dir.display(),
                    found.chain_id,
                    found.rollup,
                    found.operator,
                    found.tokens,
                    meta.chain_id,
                    meta.rollup,
                    meta.operator,
                    meta.tokens
                ))
                .into())
            }
            Some(_) => {}
        }

        // Rebuild the state and the mempool (off the async threads: a full rehash).
        let loaded = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.load()).await.map_err(|_| NodeError::Task("load store"))??
        };
        let (state, mempool) = tokio::task::spawn_blocking(move || -> Result<_, NodeError> {
            let accounts = loaded.accounts.iter().map(|a| {
                let fields = AccountFields { nonce: a.nonce, pubkey_hash: a.pub_key_hash, address: a.address };
                (a.id, fields, a.balances.iter().map(|b| (b.token, b.amount)).collect())
            });
            let mut state = State::from_accounts(accounts, &tokens)?;
            state.set_mode(UpdateMode::Fast);
            let (block, stored) = match &loaded.last_block {
                Some(b) => (b.number, b.new_root),
                None => (0, genesis_root),
            };
            let rebuilt = fr_to_be_bytes(&state.root());
            if rebuilt != stored {
                return Err(NodeError::RootMismatch {
                    block,
                    stored: format!("0x{}", hex::encode(stored)),
                    rebuilt: format!("0x{}", hex::encode(rebuilt)),
                });
            }
            // Signatures were checked at admission; checked again, since the disk is not trusted.
            let txs: Vec<_> = loaded.mempool.iter().map(|m| m.tx.clone()).collect();
            let verified = VerifiedTx::verify_all(txs, &domain);
            let mut entries = Vec::new();
            for (m, v) in loaded.mempool.iter().zip(verified) {
                match v {
                    Ok(tx) => entries.push(Entry {
                        seq: m.seq,
                        hash: m.hash.0,
                        bytes: serde_json::to_vec(&m.tx).map_or(0, |b| b.len()),
                        tx,
                        batch: m.batch_id,
                        received_at: m.received_at,
                    }),
                    Err(e) => {
                        tracing::error!(seq = m.seq, error = %e, "a stored mempool tx no longer verifies: skipped")
                    }
                }
            }
            Ok((state, (entries, loaded)))
        })
        .await
        .map_err(|_| NodeError::Task("rebuild state"))??;
        let (entries, loaded) = mempool;
        let last_block = loaded.last_block.as_ref().map_or((0, 0), |b| (b.number, b.timestamp));
        tracing::info!(
            last_block = last_block.0,
            root = %fr_to_hex(&{ let mut s = state.clone(); s.root() }),
            mempool = entries.len(),
            pending_priority = loaded.pending_priority.len(),
            "state rebuilt from storage"
        );

        let cancel = CancellationToken::new();
        let mut shared = Shared::new(domain, sizes.clone(), config.dev_feed, cancel.clone(), last_block.0);
        shared.l1_enabled = config.l1.is_some();
        let counters = store.l1_counters()?;
        shared.set_l1_counters(counters);
        if store.exodus()? {
            shared.set_exodus();
        }
        shared.set_last_event_id(store.last_event_id()?);
        shared.set_tokens(tokens::initial(&config.chain.tokens));
        if let Some(p) = store.proofs_from(counters.proven + 1)?.last() {
            shared.set_proof_stored(p.block);
        }
        let shared = Arc::new(shared);
        let (job_tx, job_rx) = mpsc::channel();
        let writer = {
            let (store, shared) = (store.clone(), shared.clone());
            std::thread::Builder::new()
                .name("zkpay-writer".into())
                .spawn(move || writer::run(store, shared, job_rx))
                .map_err(|_| NodeError::Task("writer"))?
        };
        let admission = rules::Admission {
            max_txs: config.mempool.max_txs,
            max_bytes: config.mempool.max_bytes,
            max_per_account: config.mempool.max_per_account,
            max_nonce_gap: config.mempool.max_nonce_gap,
            max_valid_from_ahead_secs: config.mempool.max_valid_from_ahead_secs,
            fee_per_chunk: fee_per_chunk.clone(),
        };
        let policy = SealPolicy {
            sizes: sizes.clone(),
            timeout: Duration::from_millis(config.blocks.timeout_ms),
            fee_account: config.blocks.fee_account,
        };
        let start = SequencerStart {
            state,
            mempool: entries,
            priority: loaded.pending_priority,
            next_serial: loaded.next_priority_serial,
            last_block,
            next_seq: loaded.next_seq,
            next_history_seq: loaded.next_history_seq,
            next_batch_id: loaded.next_batch_id,
        };
        let (cmd_tx, cmd_rx) = mpsc::sync_channel(config.api.queue_capacity.max(1));
        let pipeline = match &config.l1 {
            Some(l1) => Some(
                Self::spawn_pipeline(&config, l1, &keys, &sizes, store.clone(), shared.clone(), &job_tx, &cmd_tx)
                    .await?,
            ),
            None => None,
        };
        let service_writer = job_tx.clone();
        let sequencer = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("zkpay-sequencer".into())
                .spawn(move || {
                    let seq = Sequencer::new(start, admission, policy, shared.clone(), job_tx);
                    seq.run(cmd_rx);
                    // Whatever made it stop, the node stops with it.
                    shared.cancel.cancel();
                })
                .map_err(|_| NodeError::Task("sequencer"))?
        };

        let prover = service::ProverAccess {
            pool: pipeline.as_ref().map(|p| p.pool.clone()),
            token: config.prover.token.clone(),
        };
        let (webhook_tx, webhook_rx) = tokio::sync::mpsc::unbounded_channel();
        let dispatcher = webhooks::Dispatcher::new(
            store.clone(),
            shared.clone(),
            service_writer.clone(),
            config.webhooks.clone(),
            webhook_rx,
        )?;
        let webhooks = tokio::spawn(dispatcher.run());
        let admin = service::AdminAccess {
            token: config.api.admin_token.clone(),
            writer: service_writer,
            webhooks: webhook_tx,
            create: tokio::sync::Mutex::new(()),
        };
        let service = actix_web::web::Data::new(NodeService::new(
            store.clone(),
            shared.clone(),
            cmd_tx,
            genesis_root,
            prover,
            admin,
            service::Fees { per_chunk: fee_per_chunk.clone(), tokens: config.chain.tokens.clone() },
        ));
        let limits =
            ApiLimits { max_body_bytes: config.api.max_body_bytes, max_batch_txs: config.mempool.max_batch_txs };
        let rate_limit = zkpay_api::RateLimit::new(
            config.api.rate_limit_per_sec,
            config.api.rate_limit_burst,
            config.api.rate_limit_exempt_loopback,
        );
        if let Some(r) = rate_limit.clone() {
            // Addresses back under their rate are forgotten now and then.
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = every.tick() => r.shrink(),
                    }
                }
            });
        }
        let options = zkpay_api::ApiOptions { limits, cors_origins: config.api.cors_origins.clone(), rate_limit };
        let server = actix_web::HttpServer::new(move || {
            let (service, options) = (service.clone(), options.clone());
            actix_web::App::new().configure(move |c| zkpay_api::configure(c, service, &options))
        })
        .workers(config.api.workers.max(1))
        .disable_signals()
        .shutdown_timeout(5)
        .bind(config.listen)
        .map_err(|source| {
            cancel.cancel(); // the tasks already started stop, and let go of the store
            NodeError::Http { addr: config.listen, source }
        })?;
        let addr = server.addrs().first().copied().unwrap_or(config.listen);
        let server = server.run();
        let server_handle = server.handle();
        let server_task = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let r = server.await;
                cancel.cancel();
                r
            })
        };
        {
            // Stop accepting requests as soon as anything cancels the node.
            let (cancel, handle) = (cancel.clone(), server_handle.clone());
            tokio::spawn(async move {
                cancel.cancelled().await;
                handle.stop(true).await;
            });
        }
        tracing::info!(%addr, chain_id = domain.chain_id, rollup = %domain.rollup, block_sizes = ?sizes, "zkpay node listening");
        Ok(NodeHandle { addr, shared, server: server_handle, server_task, sequencer, writer, pipeline, webhooks })
    }

    /// The L1 pipeline: the prover pool with its witness builder and in-process workers, the L1
    /// watcher and the L1 sender.
    #[allow(clippy::too_many_arguments)]
    async fn spawn_pipeline(
        config: &NodeConfig,
        l1: &config::L1Config,
        keys: &zkpay_prover::KeyStore,
        sizes: &[usize],
        store: Arc<RocksStore>,
        shared: Arc<Shared>,
        job_tx: &mpsc::Sender<writer::Job>,
        cmd_tx: &mpsc::SyncSender<sequencer::Command>,
    ) -> Result<Pipeline, NodeError> {
        let signer: alloy::signers::local::PrivateKeySigner = l1
            .operator_key
            .trim()
            .parse()
            .map_err(|e| NodeError::Config(format!("l1.operator_key is not a private key: {e}")))?;
        let rollup = zkpay_l1::encode::eth_address(&config.chain.rollup);
        let reader = zkpay_l1::L1Client::connect(&l1.url, signer.clone(), rollup)
            .map_err(|e| NodeError::Config(format!("l1.url: {e}")))?;
        let operator = zkpay_l1::OperatorL1::new(&l1.url, signer, rollup, config.chain.chain_id)
            .map_err(|e| NodeError::Config(format!("l1.url: {e}")))?;
        let wei = |what: &str, v: &str| {
            zkpay_core::serde_util::parse_u128_decimal(v).map_err(|e| NodeError::Config(format!("l1.{what}: {e}")))
        };
        let priority_fee = wei("priority_fee_wei", &l1.priority_fee_wei)?;
        let initial_max_fee = match l1.initial_max_fee_wei.trim() {
            "" => None,
            v => Some(wei("initial_max_fee_wei", v)?),
        };

        let mut vks = std::collections::HashMap::new();
        for n in sizes {
            vks.insert(*n, keys.block_vk(*n)?);
        }
        let pool = Arc::new(prover_pool::ProverPool::new(
            Duration::from_secs(config.prover.lease_secs.max(1)),
            vks,
            job_tx.clone(),
            shared.clone(),
        ));
        let builder = witness::WitnessBuilder::new(store.clone(), shared.clone(), pool.clone(), genesis_state(config)?);
        let witness = std::thread::Builder::new()
            .name("zkpay-witness".into())
            .spawn(move || builder.run())
            .map_err(|_| NodeError::Task("witness builder"))?;
        let mut workers = Vec::new();
        for i in 0..config.prover.workers {
            let (pool, keys, sizes) = (pool.clone(), keys.clone(), sizes.to_vec());
            workers.push(
                std::thread::Builder::new()
                    .name(format!("zkpay-prover-{i}"))
                    .spawn(move || prover_pool::run_worker(pool, keys, format!("in-process-{i}"), sizes))
                    .map_err(|_| NodeError::Task("prover worker"))?,
            );
        }

        let from = store.watcher_progress()?.unwrap_or(l1.deployment_block);
        let watch = watcher::WatchPolicy {
            confirmations: l1.confirmations,
            poll: Duration::from_millis(l1.poll_ms.max(10)),
            max_range: l1.max_log_range.max(1),
        };
        let watcher =
            watcher::Watcher::new(reader.clone(), shared.clone(), cmd_tx.clone(), job_tx.clone(), watch, from);
        let send = sender::SendPolicy {
            max_blocks_per_tx: l1.max_blocks_per_tx.max(1),
            tx_timeout: Duration::from_secs(l1.tx_timeout_secs.max(1)),
            fee_bump_percent: l1.fee_bump_percent.max(13),
            priority_fee,
            initial_max_fee,
            poll: Duration::from_millis(l1.poll_ms.max(10)),
        };
        let token_reader = tokens::TokenReader::new(reader.clone(), shared.clone(), l1.deployment_block);
        let sender =
            sender::L1Sender::new(operator, reader, store, shared.clone(), job_tx.clone(), send, l1.deployment_block);
        let tasks = vec![tokio::spawn(watcher.run()), tokio::spawn(sender.run()), tokio::spawn(token_reader.run())];
        tracing::info!(url = %l1.url, from_l1_block = from, confirmations = l1.confirmations, workers = config.prover.workers, "L1 pipeline started");
        Ok(Pipeline { pool, tasks, witness, workers })
    }
}

impl NodeHandle {
    /// The API's address (the bound port when the configuration said port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks sealed and on disk since the start.
    pub fn sealed_blocks(&self) -> u64 {
        self.shared.sealed_blocks()
    }

    /// `(seconds the sequencer spent sealing, L2 txs it sealed)` since the start: the sealing
    /// capacity, apart from waiting for work.
    pub fn seal_time(&self) -> (f64, u64) {
        let (nanos, txs) = self.shared.seal_time();
        (nanos as f64 / 1e9, txs)
    }

    /// The last block on disk.
    pub fn last_block(&self) -> u32 {
        self.shared.durable_block()
    }

    /// A token that is cancelled when the node stops (or to stop it).
    pub fn cancel_token(&self) -> CancellationToken {
        self.shared.cancel.clone()
    }

    /// Stop gracefully: no new requests, the sequencer stops, the writer finishes every queued
    /// write, the store closes.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        self.shared.cancel.cancel();
        self.wait().await
    }

    /// Wait until the node stops (a shutdown elsewhere, or a failed task), then finish stopping.
    pub async fn wait(self) -> Result<(), NodeError> {
        self.shared.cancel.cancelled().await;
        self.server.stop(true).await;
        let http = self.server_task.await;
        let mut witness_ok = true;
        if let Some(p) = self.pipeline {
            for t in p.tasks {
                let _ = t.await;
            }
            // Proving threads are not waited for (a proof takes seconds to minutes): with the
            // pool closed they can no longer write, and they stop at their next check.
            p.pool.close();
            drop(p.workers);
            // The witness builder is (it stops within one poll or one block's rebuild): it holds
            // the store, and a RocksDB still open in a thread when the process exits aborts it
            // ("pthread lock: Invalid argument", SIGABRT) as C++ static destructors run.
            let witness = p.witness;
            witness_ok = matches!(tokio::task::spawn_blocking(move || witness.join()).await, Ok(Ok(())));
        }
        // The dispatcher and the HTTP service hold writer handles: both are gone before the
        // writer is waited for.
        let _ = self.webhooks.await;
        let sequencer = tokio::task::spawn_blocking(move || self.sequencer.join()).await;
        let writer = tokio::task::spawn_blocking(move || self.writer.join()).await;
        if !matches!(sequencer, Ok(Ok(()))) {
            return Err(NodeError::Task("sequencer"));
        }
        if !witness_ok {
            return Err(NodeError::Task("witness builder"));
        }
        match writer {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(NodeError::Storage(e)),
            _ => return Err(NodeError::Task("writer")),
        }
        match http {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(NodeError::Http { addr: self.addr, source }),
            Err(_) => Err(NodeError::Task("http")),
        }
    }
}
