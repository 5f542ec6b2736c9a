//! The L1 watcher: follows the Rollup's priority requests (deposits, full exits) and exodus mode.
//!
//! It reads only L1 blocks at least `confirmations` deep, so a reorg shallower than that never
//! shows it a request that later vanishes (a request seen with too few confirmations is not taken
//! yet, and re-read once it is deep enough — or never, if a reorg removed it). Each request is
//! handed to the sequencer in serial order and is durable in storage before the sequencer may
//! put it in a block; only then is the watcher's progress (the next L1 block to read) stored. An
//! RPC failure is retried with backoff — the range is never skipped — and a provider that refuses
//! a large log range gets smaller ones.

use crate::l1_task::{self, Failure, L1Task};
use crate::sequencer::Command;
use crate::shared::Shared;
use crate::writer::{self, Job};
use std::sync::mpsc::{Sender, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use zkpay_l1::{L1Client, L1Error};
use zkpay_storage::{HexHash, PriorityRecord, PriorityStatus, Write};

/// How the watcher reads L1.
#[derive(Clone, Debug)]
pub struct WatchPolicy {
    /// Depth a block must have before its requests are taken.
    pub confirmations: u64,
    /// Pause between polls.
    pub poll: Duration,
    /// Largest `eth_getLogs` range.
    pub max_range: u64,
}

/// Why a step of the watcher failed (retried).
#[derive(Debug, thiserror::Error)]
enum WatchError {
    #[error(transparent)]
    L1(#[from] L1Error),
    #[error("the node is stopping")]
    Stopping,
    #[error("priority request {got} arrived, but {expected} is the next one: a log is missing; re-reading")]
    Gap { expected: u64, got: u64 },
    #[error("the sequencer refused priority request {serial}: {reason}")]
    Refused { serial: u64, reason: String },
}

/// The watcher task.
pub struct Watcher {
    l1: L1Client,
    shared: Arc<Shared>,
    commands: SyncSender<Command>,
    writer: Sender<Job>,
    policy: WatchPolicy,
    next_block: u64,
    range: u64,
}

impl Watcher {
    /// A watcher going on from L1 block `next_block`.
    pub fn new(
        l1: L1Client,
        shared: Arc<Shared>,
        commands: SyncSender<Command>,
        writer: Sender<Job>,
        policy: WatchPolicy,
        next_block: u64,
    ) -> Watcher {
        let range = policy.max_range.max(1);
        Watcher { l1, shared, commands, writer, policy, next_block, range }
    }

    /// Run until the node is cancelled. Never fails: errors are logged, shown in `/v1/status`
    /// and retried with backoff.
    pub async fn run(mut self) {
        let shared = self.shared.clone();
        l1_task::run(&mut self, &shared).await;
        tracing::info!(next_l1_block = self.next_block, "L1 watcher stopped");
    }

    /// One range; `Ok(true)` when caught up with the confirmed head.
    async fn step(&mut self) -> Result<bool, WatchError> {
        let (latest, time) = self.l1.latest_block().await?;
        self.shared.set_l1_time(time);
        if self.l1.exodus_mode().await? && !self.shared.exodus() {
            tracing::error!("the Rollup is in exodus mode: the node stops sealing and serves reads for `zkpay exit`");
            self.durable(Write::Exodus).await?;
            self.shared.set_exodus();
        }
        let safe = latest.saturating_sub(self.policy.confirmations);
        if self.next_block > safe {
            return Ok(true);
        }
        let to = safe.min(self.next_block.saturating_add(self.range - 1));
        let requests = match self.l1.priority_requests_between(self.next_block, to).await {
            Ok(r) => r,
            Err(e) if self.range > 1 && range_refused(&e) => {
                self.range = (self.range / 2).max(1);
                tracing::info!(range = self.range, "the L1 provider refused the log range: trying a smaller one");
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        for r in requests {
            let expected = self.shared.queues().3;
            if r.op.serial_id < expected {
                continue; // stored before a restart
            }
            if r.op.serial_id > expected {
                return Err(WatchError::Gap { expected, got: r.op.serial_id });
            }
            let record = PriorityRecord {
                op: r.op,
                l1_tx_hash: HexHash(r.tx.0),
                log_index: r.log_index,
                status: PriorityStatus::Pending,
            };
            self.hand_over(record).await?;
        }
        self.durable(Write::WatcherProgress(to + 1)).await?;
        self.shared.set_watched_l1_block(to);
        self.next_block = to + 1;
        self.range = (self.range * 2).min(self.policy.max_range.max(1));
        Ok(to == safe)
    }

    /// Give a request to the sequencer and wait until it is durable.
    async fn hand_over(&self, record: PriorityRecord) -> Result<(), WatchError> {
        let serial = record.op.serial_id;
        let (reply, answer) = oneshot::channel();
        let mut cmd = Command::Priority { record, reply };
        loop {
            match self.commands.try_send(cmd) {
                Ok(()) => break,
                Err(TrySendError::Full(c)) => {
                    cmd = c;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(TrySendError::Disconnected(_)) => return Err(WatchError::Stopping),
            }
        }
        match answer.await {
            Ok(Ok(())) => {
                tracing::info!(serial, "priority request received from L1");
                Ok(())
            }
            Ok(Err(e)) => Err(WatchError::Refused { serial, reason: e.to_string() }),
            Err(_) => Err(WatchError::Stopping),
        }
    }

    async fn durable(&self, write: Write) -> Result<(), WatchError> {
        let wait = writer::durable(&self.writer, vec![write]).ok_or(WatchError::Stopping)?;
        wait.wait().await.map_err(|_| WatchError::Stopping)
    }
}

impl L1Task for Watcher {
    const NAME: &'static str = "watcher";

    async fn step(&mut self) -> Result<Duration, Failure> {
        match Watcher::step(self).await {
            Ok(true) => Ok(self.policy.poll),
            Ok(false) => Ok(Duration::ZERO),
            Err(WatchError::Stopping) => Err(Failure::Stopping),
            Err(e) => Err(Failure::Retry(e.to_string())),
        }
    }
}

/// Whether a provider's error says the log range (or result) was too large.
fn range_refused(e: &L1Error) -> bool {
    let m = e.to_string().to_lowercase();
    ["range", "too many", "limit", "exceed", "10000 results", "block range"].iter().any(|s| m.contains(s))
}
